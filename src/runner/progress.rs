//! What a sweep shows while it runs: progress bars on a terminal (the sweep, and each active
//! run with its epoch, cost and ETA), plain lines otherwise (one per finished epoch of each
//! run, or every `log_every` epochs, with the sweep's ETA from the epochs done so far; one
//! per finished run; a status line every [`LINE_EVERY`]), or nothing.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::store::EpochRow;

/// How progress is shown (on standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// Bars when standard error is a terminal, lines otherwise. The default.
    #[default]
    Auto,
    /// Progress bars.
    Bars,
    /// A line per finished epoch of each run (or every `log_every` epochs), a line per
    /// finished run and a status line every `LINE_EVERY`.
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
    /// Epochs trained so far, of all runs (epoch 0, the evaluation before training, not
    /// counted).
    epochs_done: usize,
    /// Epochs the sweep will train: every run's `train.epochs`, less those a run that ended
    /// early (diverged, failed, stopped) will not train.
    epochs_total: usize,
}

/// The sweep's display.
pub struct Progress {
    mode: ProgressMode,
    multi: Option<MultiProgress>,
    sweep: Option<ProgressBar>,
    total: usize,
    every: usize,
    finished: Mutex<usize>,
    started: Instant,
    lines: Mutex<LineState>,
}

impl Progress {
    /// A display for `total` runs to execute that train `epochs` epochs in all; in `Lines`
    /// mode a run's epoch line is printed every `every` epochs (and at its last epoch).
    pub fn new(mode: ProgressMode, total: usize, epochs: usize, every: usize) -> Progress {
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
            every: every.max(1),
            finished: Mutex::new(0),
            started: Instant::now(),
            lines: Mutex::new(LineState {
                last: Instant::now(),
                active: Vec::new(),
                epochs_done: 0,
                epochs_total: epochs,
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
            _ => log(format_args!("{msg}")),
        }
    }

    /// A warning: shown even in quiet mode.
    pub fn warn(&self, msg: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => log(format_args!("{msg}")),
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
        let eta = eta(elapsed, l.epochs_done, l.epochs_total)
            .map_or(String::new(), |s| format!(", ETA {}", duration(s)));
        log(format_args!(
            "[{finished}/{}] {} elapsed{eta}; running: {}",
            self.total,
            duration(elapsed),
            if active.is_empty() {
                "-".to_string()
            } else {
                active.join(", ")
            }
        ));
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
    /// After each epoch (epoch 0, the evaluation before training, included).
    pub fn epoch(&self, row: &EpochRow) {
        let epoch = usize::try_from(row.epoch).unwrap_or(0);
        if let Some(b) = &self.bar {
            b.set_position(epoch as u64);
            b.set_message(format!(
                "cost {}  cv acc {}  {}",
                metric(row.train_cost),
                metric(row.cv_acc),
                self.label
            ));
        }
        let Ok(mut l) = self.parent.lines.lock() else {
            return;
        };
        let mut epochs = 0;
        if let Some(a) = l.active.iter_mut().find(|a| a.id == self.id) {
            a.epoch = epoch;
            epochs = a.epochs;
        }
        if epoch > 0 {
            l.epochs_done += 1;
        }
        let due = epoch > 0 && (epoch % self.parent.every == 0 || epoch == epochs);
        if self.parent.mode == ProgressMode::Lines && due {
            let elapsed = self.parent.started.elapsed().as_secs_f64();
            let sweep = SweepEta {
                done: l.epochs_done,
                total: l.epochs_total,
                eta: eta(elapsed, l.epochs_done, l.epochs_total),
            };
            log(format_args!("{}", epoch_line(self.id, epochs, row, &sweep)));
        }
        drop(l);
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
            // Epochs a run that ended early will not train leave the ETA's total.
            if let Some(a) = l.active.iter().find(|a| a.id == self.id) {
                let untrained = a.epochs.saturating_sub(a.epoch);
                l.epochs_total = l.epochs_total.saturating_sub(untrained);
            }
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

/// A line on standard error. A closed standard error (`mlplab sweep … 2>&1 | head`) is not
/// a reason to stop training (as `eprintln!` would, by panicking the run's thread): the line
/// is dropped and the runs go on to be recorded.
fn log(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// Where the sweep stands, for an epoch line: epochs trained of all runs, of how many, and
/// the seconds left if known.
pub struct SweepEta {
    /// Epochs trained so far, all runs.
    pub done: usize,
    /// Epochs to train, all runs.
    pub total: usize,
    /// Seconds left, estimated from the epochs done so far.
    pub eta: Option<f64>,
}

/// One finished epoch of run `id` (of `epochs`), in `Lines` mode:
///
/// `#3 epoch 4/15: train cost 0.4321 acc 0.8812 | cv cost 0.4500 acc 0.8700 | 1.2 s | sweep 40/120 epochs, ETA 35s`
///
/// A metric that was not evaluated (or is NaN) is `—`; seconds are the run's since it
/// started. Fields are separated by ` | ` so `cut -d'|'` or `awk -F'|'` can take them apart.
pub fn epoch_line(id: i64, epochs: usize, row: &EpochRow, sweep: &SweepEta) -> String {
    let eta = sweep
        .eta
        .map_or(String::new(), |s| format!(", ETA {}", duration(s)));
    format!(
        "#{id} epoch {}/{epochs}: train cost {} acc {} | cv cost {} acc {} | {:.1} s | sweep {}/{} epochs{eta}",
        row.epoch,
        metric(row.train_cost),
        metric(row.train_acc),
        metric(row.cv_cost),
        metric(row.cv_acc),
        row.seconds,
        sweep.done,
        sweep.total,
    )
}

/// A metric with 4 decimals, `—` when absent or NaN.
fn metric(v: Option<f64>) -> String {
    v.filter(|x| !x.is_nan())
        .map_or("—".to_string(), |x| format!("{x:.4}"))
}

/// Seconds left: the time per epoch so far times the epochs left; `None` before the first.
fn eta(elapsed: f64, done: usize, total: usize) -> Option<f64> {
    (done > 0).then(|| elapsed / done as f64 * total.saturating_sub(done) as f64)
}

/// `42s`, `3m05s`, `2h07m`.
fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(epoch: i64) -> EpochRow {
        EpochRow {
            epoch,
            step: 40,
            train_cost: Some(0.43214),
            cv_cost: Some(0.45),
            train_acc: Some(0.88119),
            cv_acc: None,
            test_cost: None,
            test_acc: None,
            seconds: 1.234,
        }
    }

    #[test]
    fn an_epoch_line_names_the_run_epoch_metrics_seconds_and_eta() {
        let sweep = SweepEta {
            done: 40,
            total: 120,
            eta: Some(185.0),
        };
        assert_eq!(
            epoch_line(3, 15, &row(4), &sweep),
            "#3 epoch 4/15: train cost 0.4321 acc 0.8812 | cv cost 0.4500 acc — | 1.2 s | \
             sweep 40/120 epochs, ETA 3m05s"
        );
        let first = SweepEta {
            done: 0,
            total: 120,
            eta: None,
        };
        assert!(epoch_line(3, 15, &row(1), &first).ends_with("sweep 0/120 epochs"));
    }

    #[test]
    fn the_eta_is_the_time_per_epoch_times_the_epochs_left() {
        assert_eq!(eta(10.0, 0, 100), None);
        assert_eq!(eta(10.0, 20, 100), Some(40.0));
        assert_eq!(eta(10.0, 20, 10), Some(0.0));
        assert_eq!(duration(42.4), "42s");
        assert_eq!(duration(7260.0), "2h01m");
    }
}
