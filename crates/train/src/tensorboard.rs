//! A run's TensorBoard log (`RUN/tb/`, see [`run::tensorboard`]), written as an [`Observer`]:
//! `tensorboard --logdir runs/` then shows every run's curves side by side, live.
//!
//! Tags: `loss/d`, `loss/g` (G's adversarial loss), `loss/regularizer` (what `metrics.csv`
//! calls `reg_loss`), `hsic/sum`, and per HSIC term `hsic/T` and `lambda/T` (T: the term's
//! codes, `categorical`, `continuous` or `all`, numbered when two terms share them), all per
//! iteration; `time/seconds_per_iter`; at each checkpoint but the time-based ones (`--checkpoint-every`), the figures
//! the [`FigureWriter`](../hsic_infogan_figures) drew beside it (`figures/samples`,
//! `figures/traverse_cK`); the run's `config.json` as text (`config`, step 0). Steps are
//! iterations. A resumed run first drops what its log holds after the checkpoint it resumes from
//! ([`EventWriter::resume`]), so each curve stays one curve.

use std::path::{Path, PathBuf};

use crate::TrainError;
use crate::observer::{Observer, Plan, Save, Saved};
use crate::run::metrics::Row;
use crate::run::tensorboard::EventWriter;
use crate::run::{self, HsicTerm, RunError, TrainConfig};

/// Writes `RUN/tb/`; put it after the figure writer, whose files it logs.
pub struct TensorBoard {
    run: PathBuf,
    /// `(tag of the value, tag of the lambda, term)` per HSIC term.
    terms: Vec<(String, String, HsicTerm)>,
    iters_per_epoch: usize,
    writer: Option<EventWriter>,
    /// The first error of an event that could not be written; reported at the next checkpoint,
    /// since [`Observer::iteration`] cannot fail.
    error: Option<RunError>,
}

impl TensorBoard {
    /// The log of the run in `run`, trained with `config`.
    pub fn new(run: &Path, config: &TrainConfig) -> Self {
        let terms = config.regularizer.hsic_terms();
        let names: Vec<String> = terms.iter().map(|t| t.codes.name()).collect();
        let terms = terms
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(k, (term, name))| {
                let name = match names.iter().filter(|n| *n == name).count() {
                    1 => name.to_string(),
                    _ => format!("{name}{}", k + 1),
                };
                (format!("hsic/{name}"), format!("lambda/{name}"), term.clone())
            })
            .collect();
        Self { run: run.to_path_buf(), terms, iters_per_epoch: 1, writer: None, error: None }
    }

    fn log(&mut self, write: impl FnOnce(&mut EventWriter) -> Result<(), RunError>) {
        if self.error.is_some() {
            return;
        }
        if let Some(writer) = self.writer.as_mut() {
            self.error = write(writer).err();
        }
    }

    fn figures(&mut self, run: &Path, step: i64) -> Result<(), RunError> {
        let Some(writer) = self.writer.as_mut() else { return Ok(()) };
        let codes = (0..).map(|k| (format!("figures/traverse_c{}", k + 1), run::traversal_path(run, k)));
        let samples = std::iter::once(("figures/samples".to_string(), run::samples_path(run)));
        for (tag, path) in samples.chain(codes.take_while(|(_, path)| path.is_file())) {
            if let Ok(png) = std::fs::read(&path) {
                let (width, height, channels) = png_size(&png).ok_or_else(|| RunError::run(&path, "not a PNG"))?;
                writer.image(&tag, step, &png, width, height, channels)?;
            }
        }
        Ok(writer.flush()?)
    }
}

impl Observer for TensorBoard {
    fn start(&mut self, plan: &Plan) {
        self.iters_per_epoch = plan.iters_per_epoch.max(1);
        match EventWriter::resume(run::tensorboard_path(&self.run), plan.start as i64) {
            Ok(writer) => self.writer = Some(writer),
            Err(err) => self.error = Some(err.into()),
        }
        if plan.start == 0 {
            let config = run::config_path(&self.run);
            let text = std::fs::read_to_string(&config).map_err(RunError::io(&config));
            self.log(|w| Ok(w.text("config", 0, &format!("```json\n{}\n```", text?))?));
        }
    }

    fn iteration(&mut self, row: &Row) {
        let epoch = row.iteration as f64 / self.iters_per_epoch as f64;
        let lambdas: Vec<(String, f32)> =
            self.terms.iter().map(|(_, tag, term)| (tag.clone(), term.lambda_at(epoch) as f32)).collect();
        self.log(|w| {
            let mut values = vec![
                ("loss/d", row.d_loss),
                ("loss/g", row.g_loss),
                ("loss/regularizer", row.reg_loss),
                ("time/seconds_per_iter", row.seconds as f32),
            ];
            values.extend(row.hsic.map(|h| ("hsic/sum", h)));
            values.extend(lambdas.iter().map(|(tag, lambda)| (tag.as_str(), *lambda)));
            Ok(w.scalars(row.iteration as i64, &values)?)
        });
    }

    fn hsic_terms(&mut self, iteration: usize, values: &[f32]) {
        let tags: Vec<(String, f32)> =
            self.terms.iter().zip(values).map(|((tag, _, _), v)| (tag.clone(), *v)).collect();
        self.log(|w| Ok(w.scalars(iteration as i64, &tags.iter().map(|(t, v)| (t.as_str(), *v)).collect::<Vec<_>>())?));
    }

    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        if let Some(err) = self.error.take() {
            return Err(err.into());
        }
        let step = saved.trainer.iteration() as i64;
        match saved.save {
            Save::Interval => {
                if let Some(writer) = self.writer.as_mut() {
                    writer.flush().map_err(RunError::from)?;
                }
            }
            Save::Epoch { .. } | Save::End | Save::Stop => self.figures(saved.run, step)?,
        }
        Ok(Vec::new())
    }
}

/// Width, height and channels from a PNG's header (its `IHDR` chunk comes first).
fn png_size(png: &[u8]) -> Option<(u32, u32, u8)> {
    if png.len() < 26 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    let channels = match png[25] {
        0 | 3 => 1,
        4 => 2,
        2 => 3,
        6 => 4,
        _ => return None,
    };
    Some((be(16), be(20), channels))
}
