//! The progress line (it/s, losses, ETA) and one summary line per epoch, on stderr. On a
//! terminal the line redraws in place; in a log it is printed once a minute.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::metrics::Row;

pub struct Progress {
    enabled: bool,
    tty: bool,
    total: usize,
    iters_per_epoch: usize,
    epochs: usize,
    start: Instant,
    start_iteration: usize,
    last_print: Instant,
    last: Option<Row>,
    /// Sums over the current epoch: d, g, reg, hsic, count, step seconds.
    sums: [f64; 6],
    epoch_start: Instant,
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
    pub fn new(iteration: usize, total: usize, iters_per_epoch: usize, epochs: usize, enabled: bool) -> Self {
        let now = Instant::now();
        Self {
            enabled,
            tty: std::io::stderr().is_terminal(),
            total,
            iters_per_epoch,
            epochs,
            start: now,
            start_iteration: iteration,
            last_print: now,
            last: None,
            sums: [0.0; 6],
            epoch_start: now,
        }
    }

    pub fn update(&mut self, row: &Row) {
        for (sum, v) in self.sums.iter_mut().zip([
            row.d_loss as f64,
            row.g_loss as f64,
            row.reg_loss as f64,
            row.hsic.unwrap_or(0.0) as f64,
            1.0,
            row.seconds,
        ]) {
            *sum += v;
        }
        self.last = Some(*row);
        if !self.enabled || (!self.tty && self.last_print.elapsed() < LOG_EVERY) {
            return;
        }
        self.last_print = Instant::now();
        let done = row.iteration - self.start_iteration;
        let rate = done as f64 / self.start.elapsed().as_secs_f64();
        let eta = (self.total - row.iteration) as f64 / rate;
        let width = 20;
        let filled = width * row.iteration / self.total.max(1);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
        let hsic = row.hsic.map(|h| format!(" hsic {h:.4}")).unwrap_or_default();
        let line = format!(
            "epoch {}/{} [{bar}] {}/{} {rate:.2} it/s  d {:.3} g {:.3} reg {:.3}{hsic}  ETA {}",
            row.epoch,
            self.epochs,
            row.iteration,
            self.total,
            row.d_loss,
            row.g_loss,
            row.reg_loss,
            duration(eta)
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Prints the means over the epoch (or the part of it run so far) and resets them.
    pub fn end_epoch(&mut self, last: bool) {
        let Some(row) = self.last else { return };
        if self.enabled {
            let n = self.sums[4].max(1.0);
            let hsic = row.hsic.map(|_| format!(", hsic {:.4}", self.sums[3] / n)).unwrap_or_default();
            let partial = if row.iteration % self.iters_per_epoch != 0 { " (partial)" } else { "" };
            if self.tty {
                eprint!("\r\x1b[2K");
            }
            eprintln!(
                "epoch {}/{}{partial}: d {:.4}, g {:.4}, reg {:.4}{hsic}; {} iterations in {}, {:.3} s/it{}",
                row.epoch,
                self.epochs,
                self.sums[0] / n,
                self.sums[1] / n,
                self.sums[2] / n,
                n,
                duration(self.epoch_start.elapsed().as_secs_f64()),
                self.sums[5] / n,
                if last { " (done)" } else { "" }
            );
        }
        self.sums = [0.0; 6];
        self.epoch_start = Instant::now();
    }

    pub fn interrupted(&mut self) {
        if let Some(row) = self.last {
            self.end_epoch(false);
            if self.enabled {
                eprintln!("stopped at iteration {}: checkpoint written", row.iteration);
            }
        }
    }
}
