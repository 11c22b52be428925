//! Standard output for the sub-commands. When the reader of a pipe goes away
//! (`mlplab runs DIR --config | head`), the next write fails with `BrokenPipe`; the command
//! then stops with [`StdoutClosed`], which `main` ends quietly with exit 0, as `cat` and `ls`
//! do. Write with [`outln!`] / [`out!`] (`println!` would panic) and `?` the result.

use std::fmt;
use std::io::{self, Write};

/// Standard output was closed by its reader: not an error for the user.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `args` to standard output; a closed pipe is [`StdoutClosed`], any other failure an
/// error naming standard output.
pub fn write(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_fmt(args).map_err(closed_or)
}

/// Writes `bytes` to standard output, as [`write`] does.
pub fn write_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(closed_or)
}

/// `e` as [`StdoutClosed`] when it is a broken pipe, else as an error naming standard output.
pub fn closed_or(e: io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::anyhow!("writing to standard output: {e}")
    }
}

/// Standard output as a writer that remembers a broken pipe, for writers (CSV, JSON) that
/// turn the I/O error into text: after a failure, [`StdoutWriter::closed`] says whether the
/// reader went away.
pub struct StdoutWriter {
    inner: io::StdoutLock<'static>,
    closed: bool,
}

impl StdoutWriter {
    /// Standard output, locked.
    pub fn new() -> StdoutWriter {
        StdoutWriter {
            inner: io::stdout().lock(),
            closed: false,
        }
    }

    /// `err`, or [`StdoutClosed`] when a write found the pipe closed.
    pub fn closed(&self, err: anyhow::Error) -> anyhow::Error {
        if self.closed {
            anyhow::Error::new(StdoutClosed)
        } else {
            err
        }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        r
    }
}

impl Write for StdoutWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// `print!` that returns `Err(StdoutClosed)` instead of panicking on a closed pipe; use `?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*))
    };
}

/// `println!` that returns `Err(StdoutClosed)` instead of panicking on a closed pipe; use `?`.
macro_rules! outln {
    () => {
        $crate::cli::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_stdout_closed_and_other_errors_are_not() {
        let e = closed_or(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.downcast_ref::<StdoutClosed>().is_some());
        let e = closed_or(io::Error::other("disk full"));
        assert!(e.downcast_ref::<StdoutClosed>().is_none());
        assert!(e.to_string().contains("disk full"), "{e}");
    }
}
