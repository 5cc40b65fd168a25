//! The progress line (it/s, losses, ETA) and one summary line per epoch, on stderr: the
//! program's [`Observer`] of a training session; and the line of a download. On a terminal a
//! line redraws in place, fitted to the width; in a log it is printed once a minute.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use hsic_infogan_data::download::DownloadProgress;
use hsic_infogan_train::run::metrics::Row;
use hsic_infogan_train::{EpochSummary, Observer, Plan};

/// A part of a status line, and how readily it goes when the line is too wide: the fields of the
/// highest `drop` first; those of 0 stay.
pub struct Field {
    drop: u8,
    text: String,
}

impl Field {
    pub fn new(drop: u8, text: impl Into<String>) -> Self {
        Self { drop, text: text.into() }
    }
}

/// `fields` joined by spaces, less the most droppable ones until the line fits `width`
/// characters (`None`: no limit); cut to the width if the fields that stay do not fit.
pub fn fit(fields: &[Field], width: Option<usize>) -> String {
    let line = |most: u8| {
        let kept: Vec<&str> = fields.iter().filter(|f| f.drop <= most).map(|f| f.text.as_str()).collect();
        kept.join(" ")
    };
    let Some(width) = width else { return line(u8::MAX) };
    let mut levels: Vec<u8> = fields.iter().map(|f| f.drop).collect();
    levels.sort_unstable();
    levels.dedup();
    levels
        .iter()
        .rev()
        .map(|&most| line(most))
        .find(|line| line.chars().count() <= width)
        .unwrap_or_else(|| cut(&line(0), width))
}

/// The first `width` characters of `line`.
fn cut(line: &str, width: usize) -> String {
    line.chars().take(width).collect()
}

/// Columns of the terminal on stderr, else of `COLUMNS`, else 80.
fn terminal_columns() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(width, _)| usize::from(width.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .filter(|&columns| columns > 0)
        .unwrap_or(80)
}

/// A line on stderr redrawn in place on a terminal, fitted to its width; in a log, each state
/// shown is a line of its own, however long.
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

    /// The characters a line may have: none but the terminal's last column, which some terminals
    /// answer with a line break as soon as it is written; `None` in a log.
    pub fn width(&self) -> Option<usize> {
        self.tty.then(|| terminal_columns() - 1)
    }

    /// Shows `line`, cut to the [width](Self::width).
    pub fn show(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if let Some(width) = self.width() {
            let _ = write!(err, "\r\x1b[2K{}", cut(line, width));
            self.drawn = true;
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Shows the [`fit`] of `fields` to the [width](Self::width).
    pub fn show_fields(&mut self, fields: &[Field]) {
        self.show(&fit(fields, self.width()));
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

/// How often a download's line is redrawn on a terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// The line of a download (of [`find_with`](hsic_infogan_data::mnist::find_with) and the
/// like): redrawn at most every [`REDRAW_EVERY`] on a terminal, every [`LOG_EVERY`] in a log, and
/// at the end of each file, whose last state stays on screen.
#[derive(Default)]
struct DownloadLine {
    line: StatusLine,
    file: String,
    /// The download's `elapsed` when last shown.
    shown: Option<Duration>,
}

impl DownloadLine {
    fn show(&mut self, progress: DownloadProgress) {
        if progress.file != self.file {
            self.line.keep();
            self.file = progress.file.into();
            self.shown = None;
        }
        let every = if self.line.tty() { REDRAW_EVERY } else { LOG_EVERY };
        // `None` when `elapsed` went back: the next mirror's attempt.
        let since = progress.elapsed.checked_sub(self.shown.unwrap_or_default());
        if progress.total == Some(progress.received) || since.is_none_or(|since| since >= every) {
            self.line.show_fields(&download_fields(&progress));
            self.shown = Some(progress.elapsed);
        }
    }

    /// Ends the line, so that the last file's state stays on screen.
    fn finish(&mut self) {
        self.line.keep();
    }
}

/// Runs `task` with a line showing the downloads it reports.
pub fn showing_downloads<T>(task: impl FnOnce(&mut dyn FnMut(DownloadProgress)) -> T) -> T {
    let mut line = DownloadLine::default();
    let result = task(&mut |progress| line.show(progress));
    line.finish();
    result
}

/// The fields of a download's line: the word "downloading" goes first when narrow, then the
/// rate, the ETA and the file's name; the amount stays.
fn download_fields(progress: &DownloadProgress) -> Vec<Field> {
    let megabytes = |bytes: f64| bytes / 1e6;
    let received = progress.received as f64;
    let total = progress.total.map(|total| total as f64);
    let amount = match total {
        Some(total) => format!("{:.1}/{:.1} MB", megabytes(received), megabytes(total)),
        None => format!("{:.1} MB", megabytes(received)),
    };
    let mut fields = vec![Field::new(4, "downloading"), Field::new(1, progress.file), Field::new(0, amount)];
    let seconds = progress.elapsed.as_secs_f64();
    if seconds > 0.0 && received > 0.0 {
        let rate = received / seconds;
        fields.push(Field::new(3, format!("{:.1} MB/s", megabytes(rate))));
        if let Some(total) = total {
            fields.push(Field::new(2, format!("ETA {}", duration((total - received) / rate))));
        }
    }
    fields
}

pub struct Progress {
    enabled: bool,
    line: StatusLine,
    downloads: DownloadLine,
    plan: Plan,
    start: Instant,
    last_print: Instant,
}

const LOG_EVERY: Duration = Duration::from_secs(60);

/// `seconds` as `42s`, `3m07s` or `2h05m`.
pub fn duration(seconds: f64) -> String {
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
            downloads: DownloadLine::default(),
            plan: Plan { start: 0, total: 0, iters_per_epoch: 1, epochs: 0 },
            start: now,
            last_print: now,
        }
    }
}

/// The fields of the training line at `row`, `rate` in it/s: the bar goes first when narrow,
/// then the losses, the rate and the epoch; the iteration and the ETA stay.
fn training_fields(row: &Row, plan: &Plan, rate: f64) -> Vec<Field> {
    let Plan { total, epochs, .. } = *plan;
    let bar = 20;
    let filled = bar * row.iteration / total.max(1);
    let hsic = row.hsic.map(|h| format!(" hsic {h:.4}")).unwrap_or_default();
    let eta = (total - row.iteration) as f64 / rate;
    vec![
        Field::new(1, format!("epoch {}/{epochs}", row.epoch)),
        Field::new(4, format!("[{}{}]", "#".repeat(filled), "-".repeat(bar - filled))),
        Field::new(0, format!("{}/{total}", row.iteration)),
        Field::new(2, format!("{rate:.2} it/s")),
        Field::new(3, format!("d {:.3} g {:.3} reg {:.3}{hsic}", row.d_loss, row.g_loss, row.reg_loss)),
        Field::new(0, format!("ETA {}", duration(eta))),
    ]
}

/// The fields of an epoch's summary line: the iteration count and time go first when narrow,
/// then the step time; the epoch and its mean losses stay.
fn epoch_fields(summary: &EpochSummary, epochs: usize) -> Vec<Field> {
    let sums = &summary.sums;
    let hsic = sums.hsic.map(|hsic| format!(", hsic {:.4}", sums.mean(hsic))).unwrap_or_default();
    let partial = if summary.partial { " (partial)" } else { "" };
    let mut fields = vec![
        Field::new(0, format!("epoch {}/{epochs}{partial}:", summary.epoch)),
        Field::new(
            0,
            format!(
                "d {:.4}, g {:.4}, reg {:.4}{hsic};",
                sums.mean(sums.d_loss),
                sums.mean(sums.g_loss),
                sums.mean(sums.reg_loss)
            ),
        ),
        Field::new(2, format!("{} iterations in {},", sums.rows, duration(summary.wall_seconds))),
        Field::new(1, format!("{:.3} s/it", sums.mean(sums.step_seconds))),
    ];
    if summary.done {
        fields.push(Field::new(0, "(done)"));
    }
    fields
}

impl Observer for Progress {
    fn download(&mut self, progress: DownloadProgress) {
        if self.enabled {
            self.downloads.show(progress);
        }
    }

    fn start(&mut self, plan: &Plan) {
        self.downloads.finish();
        self.plan = *plan;
        self.start = Instant::now();
        self.last_print = self.start;
    }

    fn iteration(&mut self, row: &Row) {
        if !self.enabled || (!self.line.tty() && self.last_print.elapsed() < LOG_EVERY) {
            return;
        }
        self.last_print = Instant::now();
        let rate = (row.iteration - self.plan.start) as f64 / self.start.elapsed().as_secs_f64();
        self.line.show_fields(&training_fields(row, &self.plan, rate));
    }

    /// The means over the epoch (or the part of it run so far).
    fn epoch(&mut self, summary: &EpochSummary) {
        if !self.enabled {
            return;
        }
        self.line.clear();
        eprintln!("{}", fit(&epoch_fields(summary, self.plan.epochs), self.line.width()));
    }

    fn stopped(&mut self, iteration: usize) {
        if self.enabled {
            self.line.clear();
            eprintln!("stopped at iteration {iteration}: checkpoint written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hsic_infogan_train::run::metrics::EpochSums;

    fn text(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn fit_drops_the_most_droppable_fields_first_and_cuts_what_stays_last() {
        let fields = [Field::new(0, "abc"), Field::new(2, "dropped-first"), Field::new(1, "de")];
        assert_eq!(fit(&fields, None), "abc dropped-first de");
        assert_eq!(fit(&fields, Some(20)), "abc dropped-first de");
        assert_eq!(fit(&fields, Some(19)), "abc de");
        assert_eq!(fit(&fields, Some(5)), "abc");
        assert_eq!(fit(&fields, Some(2)), "ab");
    }

    #[test]
    fn the_training_line_drops_the_bar_then_the_losses_and_keeps_the_counts_and_eta() {
        // Epoch 3 of 5 on MNIST (937 iterations an epoch), 5 minutes left.
        let row = Row {
            epoch: 3,
            iteration: 2000,
            d_loss: 1.2,
            g_loss: 0.7,
            reg_loss: -0.01,
            hsic: Some(0.0123),
            seconds: 0.1,
        };
        let plan = Plan { start: 0, total: 4685, iters_per_epoch: 937, epochs: 5 };
        let fields = training_fields(&row, &plan, 8.95);
        let full = fit(&fields, None);
        assert_eq!(
            full,
            "epoch 3/5 [########------------] 2000/4685 8.95 it/s d 1.200 g 0.700 reg -0.010 hsic 0.0123 ETA 5m00s"
        );
        for width in [40, 80, 200] {
            let line = fit(&fields, Some(width));
            assert!(line.chars().count() <= width, "{width}: {line:?}");
            for kept in ["epoch 3/5", "2000/4685", "8.95 it/s", "ETA 5m00s"] {
                assert!(line.contains(kept), "{width}: {kept:?} missing in {line:?}");
            }
        }
        assert_eq!(fit(&fields, Some(200)), full);
        assert_eq!(
            fit(&fields, Some(80)),
            "epoch 3/5 2000/4685 8.95 it/s d 1.200 g 0.700 reg -0.010 hsic 0.0123 ETA 5m00s"
        );
        assert_eq!(fit(&fields, Some(40)), "epoch 3/5 2000/4685 8.95 it/s ETA 5m00s");
    }

    #[test]
    fn the_epoch_line_fits_80_columns_and_keeps_the_losses() {
        let sums = EpochSums {
            d_loss: 140.3,
            g_loss: 72.69,
            reg_loss: -42.87,
            hsic: Some(42.87),
            step_seconds: 79.6,
            rows: 100,
        };
        let summary = EpochSummary { epoch: 1, iteration: 100, sums, wall_seconds: 83.0, partial: false, done: false };
        let line = |summary: &EpochSummary, width| fit(&epoch_fields(summary, 100), width);
        assert_eq!(
            line(&summary, None),
            "epoch 1/100: d 1.4030, g 0.7269, reg -0.4287, hsic 0.4287; 100 iterations in 1m23s, 0.796 s/it"
        );
        assert_eq!(line(&summary, Some(79)), "epoch 1/100: d 1.4030, g 0.7269, reg -0.4287, hsic 0.4287; 0.796 s/it");
        let last = EpochSummary { partial: true, done: true, ..summary };
        assert_eq!(
            line(&last, Some(79)),
            "epoch 1/100 (partial): d 1.4030, g 0.7269, reg -0.4287, hsic 0.4287; (done)"
        );
    }

    #[test]
    fn the_download_line_shows_the_rate_and_eta_and_keeps_the_file_and_amount_when_narrow() {
        let progress = DownloadProgress {
            file: "train-images-idx3-ubyte.gz",
            received: 3_200_000,
            total: Some(9_912_422),
            elapsed: Duration::from_secs(2),
        };
        let fields = download_fields(&progress);
        let full = "downloading train-images-idx3-ubyte.gz 3.2/9.9 MB 1.6 MB/s ETA 4s";
        assert_eq!(fit(&fields, Some(200)), full);
        assert_eq!(fit(&fields, Some(80)), full);
        assert_eq!(fit(&fields, Some(40)), "train-images-idx3-ubyte.gz 3.2/9.9 MB");
        let unannounced = download_fields(&DownloadProgress { total: None, ..progress });
        assert_eq!(text(&unannounced), ["downloading", "train-images-idx3-ubyte.gz", "3.2 MB", "1.6 MB/s"]);
        let first_instant = download_fields(&DownloadProgress { elapsed: Duration::ZERO, ..progress });
        assert_eq!(text(&first_instant), ["downloading", "train-images-idx3-ubyte.gz", "3.2/9.9 MB"]);
    }
}
