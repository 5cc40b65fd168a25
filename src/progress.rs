//! The progress line (it/s, losses, ETA) and one summary line per epoch, on stderr: the
//! program's [`Observer`] of a training session. On a terminal the line redraws in place; in a
//! log it is printed once a minute.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use hsic_infogan_train::run::metrics::Row;
use hsic_infogan_train::{EpochSummary, Observer, Plan};

/// A line on stderr redrawn in place on a terminal; in a log, each state shown is a line of its
/// own.
pub struct StatusLine {
    tty: bool,
    drawn: bool,
}

impl StatusLine {
    pub fn new() -> Self {
        Self { tty: std::io::stderr().is_terminal(), drawn: false }
    }

    /// Whether stderr is a terminal (callers show fewer states in a log).
    pub fn tty(&self) -> bool {
        self.tty
    }

    pub fn show(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            self.drawn = true;
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Erases a drawn line before output of its own.
    pub fn clear(&mut self) {
        if std::mem::take(&mut self.drawn) {
            eprint!("\r\x1b[2K");
        }
    }

    /// Ends a drawn line, so that its last state stays on screen.
    pub fn keep(&mut self) {
        if std::mem::take(&mut self.drawn) {
            eprintln!();
        }
    }
}

impl Default for StatusLine {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Progress {
    enabled: bool,
    line: StatusLine,
    plan: Plan,
    start: Instant,
    last_print: Instant,
}

const LOG_EVERY: Duration = Duration::from_secs(60);

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Progress {
    /// Prints nothing unless `enabled`.
    pub fn new(enabled: bool) -> Self {
        let now = Instant::now();
        Self {
            enabled,
            line: StatusLine::new(),
            plan: Plan { start: 0, total: 0, iters_per_epoch: 1, epochs: 0 },
            start: now,
            last_print: now,
        }
    }
}

impl Observer for Progress {
    fn start(&mut self, plan: &Plan) {
        self.plan = *plan;
        self.start = Instant::now();
        self.last_print = self.start;
    }

    fn iteration(&mut self, row: &Row) {
        if !self.enabled || (!self.line.tty() && self.last_print.elapsed() < LOG_EVERY) {
            return;
        }
        self.last_print = Instant::now();
        let Plan { start, total, epochs, .. } = self.plan;
        let rate = (row.iteration - start) as f64 / self.start.elapsed().as_secs_f64();
        let eta = (total - row.iteration) as f64 / rate;
        let width = 20;
        let filled = width * row.iteration / total.max(1);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
        let hsic = row.hsic.map(|h| format!(" hsic {h:.4}")).unwrap_or_default();
        let line = format!(
            "epoch {}/{epochs} [{bar}] {}/{total} {rate:.2} it/s  d {:.3} g {:.3} reg {:.3}{hsic}  ETA {}",
            row.epoch,
            row.iteration,
            row.d_loss,
            row.g_loss,
            row.reg_loss,
            duration(eta)
        );
        self.line.show(&line);
    }

    /// The means over the epoch (or the part of it run so far).
    fn epoch(&mut self, summary: &EpochSummary) {
        if !self.enabled {
            return;
        }
        let sums = &summary.sums;
        let hsic = sums.hsic.map(|hsic| format!(", hsic {:.4}", sums.mean(hsic))).unwrap_or_default();
        self.line.clear();
        eprintln!(
            "epoch {}/{}{}: d {:.4}, g {:.4}, reg {:.4}{hsic}; {} iterations in {}, {:.3} s/it{}",
            summary.epoch,
            self.plan.epochs,
            if summary.partial { " (partial)" } else { "" },
            sums.mean(sums.d_loss),
            sums.mean(sums.g_loss),
            sums.mean(sums.reg_loss),
            sums.rows,
            duration(summary.wall_seconds),
            sums.mean(sums.step_seconds),
            if summary.done { " (done)" } else { "" }
        );
    }

    fn stopped(&mut self, iteration: usize) {
        if self.enabled {
            self.line.clear();
            eprintln!("stopped at iteration {iteration}: checkpoint written");
        }
    }
}
