//! `metrics.csv`: one row per iteration.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{RunError, files};

pub const HEADER: &str = "epoch,iteration,d_loss,g_loss,reg_loss,hsic,seconds";

/// One iteration's numbers. `g_loss` is the adversarial part of G's loss; `reg_loss` is what the
/// regulariser adds to it (InfoGAN: L_I; HSIC-InfoGAN: -sum lambda * HSIC); `hsic` is the
/// unweighted HSIC value when the model computes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub epoch: usize,
    pub iteration: usize,
    pub d_loss: f32,
    pub g_loss: f32,
    pub reg_loss: f32,
    pub hsic: Option<f32>,
    pub seconds: f64,
}

impl Row {
    fn to_csv(self) -> String {
        let hsic = self.hsic.map(|h| h.to_string()).unwrap_or_default();
        format!(
            "{},{},{},{},{},{hsic},{:.4}",
            self.epoch, self.iteration, self.d_loss, self.g_loss, self.reg_loss, self.seconds
        )
    }

    fn from_csv(line: &str) -> Option<Self> {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 7 {
            return None;
        }
        Some(Self {
            epoch: f[0].parse().ok()?,
            iteration: f[1].parse().ok()?,
            d_loss: f[2].parse().ok()?,
            g_loss: f[3].parse().ok()?,
            reg_loss: f[4].parse().ok()?,
            hsic: if f[5].is_empty() { None } else { Some(f[5].parse().ok()?) },
            seconds: f[6].parse().ok()?,
        })
    }
}

/// Running sums of the rows of an epoch (or of the part of it run so far).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EpochSums {
    pub d_loss: f64,
    pub g_loss: f64,
    pub reg_loss: f64,
    /// Sum of the HSIC values, if the rows have them.
    pub hsic: Option<f64>,
    /// Seconds of the training steps.
    pub step_seconds: f64,
    pub rows: usize,
}

impl EpochSums {
    pub fn add(&mut self, row: &Row) {
        self.d_loss += f64::from(row.d_loss);
        self.g_loss += f64::from(row.g_loss);
        self.reg_loss += f64::from(row.reg_loss);
        if let Some(hsic) = row.hsic {
            *self.hsic.get_or_insert(0.0) += f64::from(hsic);
        }
        self.step_seconds += row.seconds;
        self.rows += 1;
    }

    /// The mean of a sum over the rows (0 rows count as 1).
    pub fn mean(&self, sum: f64) -> f64 {
        sum / self.rows.max(1) as f64
    }
}

/// Reads every row of a metrics file.
pub fn read(path: &Path) -> Result<Vec<Row>, RunError> {
    parse(path, &fs::read_to_string(path).map_err(RunError::io(path))?)
}

/// The rows of `text`, the contents of the metrics file `path`.
fn parse(path: &Path, text: &str) -> Result<Vec<Row>, RunError> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(RunError::run(path, format!("not a metrics file: the first line should be `{HEADER}`")));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            Row::from_csv(line).ok_or_else(|| RunError::run(path, format!("line {}: cannot read `{line}`", i + 2)))
        })
        .collect()
}

/// Appends rows to `metrics.csv`, flushing each so a crash loses nothing written.
pub struct MetricsWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl MetricsWriter {
    /// Starts a new file, or continues one after iteration `keep_until`: rows past the checkpoint
    /// (written before a crash) are dropped, atomically, so a resumed run does not list them twice.
    /// A last line cut off by a kill mid-write (no newline) is one of them.
    pub fn open(path: &Path, keep_until: usize) -> Result<Self, RunError> {
        if keep_until > 0 {
            let mut text = fs::read_to_string(path).map_err(RunError::io(path))?;
            text.truncate(text.rfind('\n').map_or(0, |end| end + 1));
            let kept: Vec<Row> = parse(path, &text)?.into_iter().filter(|r| r.iteration <= keep_until).collect();
            let mut text = format!("{HEADER}\n");
            for row in kept {
                text.push_str(&row.to_csv());
                text.push('\n');
            }
            files::write_atomic(path, text)?;
        } else {
            fs::write(path, format!("{HEADER}\n")).map_err(RunError::io(path))?;
        }
        let file = OpenOptions::new().append(true).open(path).map_err(RunError::io(path))?;
        Ok(Self { path: path.to_path_buf(), file: BufWriter::new(file) })
    }

    pub fn append(&mut self, row: Row) -> Result<(), RunError> {
        writeln!(self.file, "{}", row.to_csv()).and_then(|()| self.file.flush()).map_err(RunError::io(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_resume_drops_rows_past_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let row = |i| Row {
            epoch: 1,
            iteration: i,
            d_loss: 1.25,
            g_loss: 0.5,
            reg_loss: -0.125,
            hsic: (i % 2 == 0).then_some(0.25),
            seconds: 0.5,
        };
        let mut writer = MetricsWriter::open(&path, 0).unwrap();
        for i in 1..=5 {
            writer.append(row(i)).unwrap();
        }
        drop(writer);
        assert_eq!(read(&path).unwrap(), (1..=5).map(row).collect::<Vec<_>>());
        let mut writer = MetricsWriter::open(&path, 3).unwrap();
        writer.append(row(4)).unwrap();
        drop(writer);
        assert_eq!(read(&path).unwrap(), (1..=4).map(row).collect::<Vec<_>>());
        // A kill in the middle of writing row 5 (after the checkpoint at 4).
        let mut cut = std::fs::read_to_string(&path).unwrap();
        cut.push_str("1,5,1.2");
        std::fs::write(&path, cut).unwrap();
        assert!(read(&path).is_err());
        drop(MetricsWriter::open(&path, 4).unwrap());
        assert_eq!(read(&path).unwrap(), (1..=4).map(row).collect::<Vec<_>>());
    }
}
