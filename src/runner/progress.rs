//! What a sweep shows while it runs: progress bars on a terminal (the sweep, and each active
//! run with its epoch, cost and ETA), plain periodic lines otherwise, or nothing.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown (on standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// Bars when standard error is a terminal, lines otherwise. The default.
    #[default]
    Auto,
    /// Progress bars.
    Bars,
    /// A line per finished run and a status line every `LINE_EVERY`.
    Lines,
    /// Nothing but warnings.
    Quiet,
}

impl ProgressMode {
    /// `Auto` resolved against standard error.
    pub fn resolved(self) -> ProgressMode {
        match self {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bars,
            ProgressMode::Auto => ProgressMode::Lines,
            other => other,
        }
    }
}

/// Interval of the periodic status lines in `Lines` mode.
pub const LINE_EVERY: Duration = Duration::from_secs(10);

struct Active {
    id: i64,
    epoch: usize,
    epochs: usize,
}

struct LineState {
    last: Instant,
    active: Vec<Active>,
}

/// The sweep's display.
pub struct Progress {
    mode: ProgressMode,
    multi: Option<MultiProgress>,
    sweep: Option<ProgressBar>,
    total: usize,
    finished: Mutex<usize>,
    started: Instant,
    lines: Mutex<LineState>,
}

impl Progress {
    /// A display for `total` runs to execute.
    pub fn new(mode: ProgressMode, total: usize) -> Progress {
        let mode = mode.resolved();
        let (multi, sweep) = if mode == ProgressMode::Bars {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let bar = multi.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>5} [{bar:30.cyan/blue}] {pos}/{len} runs  {elapsed_precise} elapsed  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix("sweep");
            (Some(multi), Some(bar))
        } else {
            (None, None)
        };
        Progress {
            mode,
            multi,
            sweep,
            total,
            finished: Mutex::new(0),
            started: Instant::now(),
            lines: Mutex::new(LineState {
                last: Instant::now(),
                active: Vec::new(),
            }),
        }
    }

    /// Prints a message (above the bars when there are bars); not in quiet mode.
    pub fn message(&self, msg: &str) {
        match (&self.multi, self.mode) {
            (_, ProgressMode::Quiet) => {}
            (Some(m), _) => {
                let _ = m.println(msg);
            }
            _ => eprintln!("{msg}"),
        }
    }

    /// A warning: shown even in quiet mode.
    pub fn warn(&self, msg: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => eprintln!("{msg}"),
        }
    }

    /// A run begins.
    pub fn start(&self, id: i64, label: &str, epochs: usize) -> RunProgress<'_> {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(epochs as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>5} [{bar:20.green/white}] epoch {pos}/{len}  ETA {eta:<4} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(format!("#{id}"));
            bar.set_message(label.to_string());
            bar
        });
        if let Ok(mut l) = self.lines.lock() {
            l.active.push(Active {
                id,
                epoch: 0,
                epochs,
            });
        }
        RunProgress {
            parent: self,
            bar,
            id,
            label: label.to_string(),
        }
    }

    fn status_line(&self, force: bool) {
        if self.mode != ProgressMode::Lines {
            return;
        }
        let Ok(mut l) = self.lines.lock() else { return };
        if !force && l.last.elapsed() < LINE_EVERY {
            return;
        }
        l.last = Instant::now();
        let finished = self.finished.lock().map(|f| *f).unwrap_or(0);
        let active: Vec<String> = l
            .active
            .iter()
            .map(|a| format!("#{} epoch {}/{}", a.id, a.epoch, a.epochs))
            .collect();
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if finished > 0 {
            format!(
                ", ETA {:.0} s",
                elapsed / finished as f64 * (self.total - finished) as f64
            )
        } else {
            String::new()
        };
        eprintln!(
            "[{finished}/{}] {:.0} s elapsed{eta}; running: {}",
            self.total,
            elapsed,
            if active.is_empty() {
                "-".to_string()
            } else {
                active.join(", ")
            }
        );
    }

    /// Clears the bars.
    pub fn finish(&self) {
        if let Some(s) = &self.sweep {
            s.finish_and_clear();
        }
    }
}

/// One active run's display.
pub struct RunProgress<'a> {
    parent: &'a Progress,
    bar: Option<ProgressBar>,
    id: i64,
    label: String,
}

impl RunProgress<'_> {
    /// After each epoch (epoch 0 included).
    pub fn epoch(&self, epoch: usize, train_cost: f64, cv_acc: f64) {
        if let Some(b) = &self.bar {
            b.set_position(epoch as u64);
            b.set_message(format!(
                "cost {train_cost:.4}  cv acc {cv_acc:.4}  {}",
                self.label
            ));
        }
        if let Ok(mut l) = self.parent.lines.lock()
            && let Some(a) = l.active.iter_mut().find(|a| a.id == self.id)
        {
            a.epoch = epoch;
        }
        self.parent.status_line(false);
    }

    /// The run ended; `summary` is one line about how.
    pub fn done(self, summary: &str) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            if let Some(m) = &self.parent.multi {
                m.remove(b);
            }
        }
        if let Ok(mut l) = self.parent.lines.lock() {
            l.active.retain(|a| a.id != self.id);
        }
        let n = {
            let mut f = match self.parent.finished.lock() {
                Ok(f) => f,
                Err(p) => p.into_inner(),
            };
            *f += 1;
            *f
        };
        if let Some(s) = &self.parent.sweep {
            s.inc(1);
        }
        let line = format!(
            "[{n}/{}] #{} {}: {summary}",
            self.parent.total, self.id, self.label
        );
        self.parent.message(&line);
    }
}
