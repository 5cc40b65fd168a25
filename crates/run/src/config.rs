//! Everything a run depends on, in one [`TrainConfig`] saved as the run's `config.json`; the
//! model is one [`Regularizer`] value.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::prelude::*;
use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_device::DeviceChoice;
use hsic_infogan_models::{LatentConfig, Networks};

use crate::RunError;

/// The three models, by name (`--model`); [`Regularizer`] holds their settings.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// A plain GAN: the codes are fed to G but nothing ties them to the images.
    Gan,
    /// InfoGAN: a Q head on D predicts the codes (cross-entropy + 0.1 x Gaussian NLL).
    InfoGan,
    /// HSIC-InfoGAN: G's loss minus lambda * HSIC(G(z, c), c).
    Hsic,
}

impl FromStr for ModelKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "gan" => Ok(Self::Gan),
            "infogan" => Ok(Self::InfoGan),
            "hsic" | "hsic-infogan" => Ok(Self::Hsic),
            _ => Err(format!("unknown model `{name}`: expected gan, infogan or hsic")),
        }
    }
}

impl ModelKind {
    /// The name `--model` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gan => "gan",
            Self::InfoGan => "infogan",
            Self::Hsic => "hsic",
        }
    }

    /// The model with this project's default settings.
    pub fn regularizer(self) -> Regularizer {
        match self {
            Self::Gan => Regularizer::Gan,
            Self::InfoGan => Regularizer::InfoGan { continuous_weight: DEFAULT_INFO_CONTINUOUS_WEIGHT },
            Self::Hsic => Regularizer::Hsic { terms: default_hsic_terms() },
        }
    }
}

/// InfoGAN's weight of the continuous codes' Gaussian NLL next to the cross-entropy (Chen et
/// al. 2016 use 1 for the categorical and a smaller weight for the continuous codes).
pub const DEFAULT_INFO_CONTINUOUS_WEIGHT: f64 = 0.1;

/// What ties the codes to the images, with its settings.
#[derive(Config, Debug)]
pub enum Regularizer {
    /// A plain GAN: nothing.
    Gan,
    /// InfoGAN: a Q head on D, trained with D's optimiser; L_I = cross-entropy of each
    /// categorical code + `continuous_weight` x the unit-variance Gaussian NLL of the continuous
    /// codes, added to D's and to G's loss.
    InfoGan { continuous_weight: f64 },
    /// HSIC-InfoGAN: G's loss minus sum_t lambda_t * HSIC_t(G(z, c), c_t).
    Hsic { terms: Vec<HsicTerm> },
}

impl Regularizer {
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Gan => ModelKind::Gan,
            Self::InfoGan { .. } => ModelKind::InfoGan,
            Self::Hsic { .. } => ModelKind::Hsic,
        }
    }

    /// The HSIC terms; none unless HSIC-InfoGAN.
    pub fn hsic_terms(&self) -> &[HsicTerm] {
        match self {
            Self::Hsic { terms } => terms,
            _ => &[],
        }
    }

    /// The HSIC terms to change; none unless HSIC-InfoGAN.
    pub fn hsic_terms_mut(&mut self) -> &mut [HsicTerm] {
        match self {
            Self::Hsic { terms } => terms,
            _ => &mut [],
        }
    }

    /// In a few words, for tables: e.g. `all: CKA σx 8 σc 1 λ 1` for HSIC-InfoGAN,
    /// `Q head, continuous weight 0.1` for InfoGAN.
    pub fn summary(&self) -> String {
        match self {
            Self::Gan => "none".into(),
            Self::InfoGan { continuous_weight } => format!("Q head, continuous weight {continuous_weight}"),
            Self::Hsic { terms } => terms
                .iter()
                .map(|term| {
                    let estimator = match &term.hsic.estimator {
                        Estimator::Normalized => "CKA",
                        other => other.name(),
                    };
                    let schedule = term
                        .schedule
                        .as_ref()
                        .map_or(String::new(), |s| format!(" → {}λ after {}+{} ep", s.floor, s.hold, s.decay));
                    format!(
                        "{}: {estimator}{} σx {} σc {} λ {}{schedule}{}",
                        term.codes.name(),
                        if term.input == HsicInput::Features { " on D features" } else { "" },
                        kernel_summary(&term.hsic.kernel_x),
                        kernel_summary(&term.hsic.kernel_y),
                        term.lambda,
                        if term.hsic.scale_by_dim { " (σ × √d)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Which codes an HSIC term measures the images against.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum CodeGroup {
    /// c = [one-hot categorical codes | continuous codes].
    All,
    /// The one-hot categorical codes.
    Categorical,
    /// The continuous codes.
    Continuous,
    /// Continuous code number `j` alone (from 0): with one term per code, each code's own
    /// dependence on the images is asked for, rather than the codes' joint one.
    ContinuousCode(usize),
}

impl CodeGroup {
    /// Its name in tables and logs: `all`, `categorical`, `continuous` or `c1`, `c2`, ...
    pub fn name(self) -> String {
        match self {
            Self::All => "all".into(),
            Self::Categorical => "categorical".into(),
            Self::Continuous => "continuous".into(),
            Self::ContinuousCode(j) => format!("c{}", j + 1),
        }
    }

    /// The width of its codes in `latent`: 0 when the latent has none of them.
    pub fn width(self, latent: &LatentConfig) -> usize {
        match self {
            Self::All => latent.code_size(),
            Self::Categorical => latent.one_hot_size(),
            Self::Continuous => latent.continuous,
            Self::ContinuousCode(j) => usize::from(j < latent.continuous),
        }
    }
}

/// What an HSIC term measures the codes against.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum HsicInput {
    /// The flattened generated images, x = vec G(z, c).
    Pixels,
    /// D's trunk features of the generated images, x = h_D(G(z, c)) (1024 wide, see
    /// [`DOutput::features`](hsic_infogan_models::DOutput::features)): a learnt similarity
    /// instead of the Euclidean distance between images. D's parameters are frozen in the G
    /// step, so the term's gradient reaches G through D without changing D; D's own loss never
    /// sees it.
    Features,
}

/// A weight that changes with training time: `lambda(e) = lambda * f(e)` at fractional epoch
/// `e` (iterations done / iterations per epoch), with
/// f(e) = 1 for e < hold, then linearly down to `floor` over `decay` epochs, then `floor`:
/// full weight while the codes are learnt, less once they are, so the adversarial loss has
/// the last word on image quality.
#[derive(Config, Debug, PartialEq)]
pub struct LambdaSchedule {
    /// Epochs at full weight.
    pub hold: f64,
    /// Epochs of the linear decay (0: a step down).
    #[config(default = 1.0)]
    pub decay: f64,
    /// Final weight, as a fraction of lambda.
    #[config(default = 0.1)]
    pub floor: f64,
}

impl LambdaSchedule {
    /// f(e), the fraction of lambda at fractional epoch `epoch`.
    pub fn factor(&self, epoch: f64) -> f64 {
        if epoch < self.hold {
            1.0
        } else if epoch < self.hold + self.decay {
            1.0 - (1.0 - self.floor) * (epoch - self.hold) / self.decay
        } else {
            self.floor
        }
    }
}

/// Default HSIC settings (see [`default_hsic`]): weight, and kernel widths for the flattened
/// images and for the codes.
pub const DEFAULT_LAMBDA: f64 = 1.0;
pub const DEFAULT_SIGMA_X: f64 = 8.0;
pub const DEFAULT_SIGMA_C: f64 = 1.0;

/// One term `lambda * HSIC(G(z, c), c_group)` subtracted from G's loss; `HsicTerm::new()` is
/// the paper's form, one joint term on pixels with a constant lambda.
#[derive(Config, Debug)]
pub struct HsicTerm {
    #[config(default = "CodeGroup::All")]
    pub codes: CodeGroup,
    /// Weight lambda.
    #[config(default = "DEFAULT_LAMBDA")]
    pub lambda: f64,
    /// Kernels (images: `kernel_x`, codes: `kernel_y`), estimator and width scaling.
    #[config(default = "default_hsic()")]
    pub hsic: HsicConfig,
    /// What the codes are measured against (configs written before it existed, or with
    /// `null`, read as pixels).
    #[config(default = "HsicInput::Pixels")]
    pub input: HsicInput,
    /// lambda over training time [default: constant].
    pub schedule: Option<LambdaSchedule>,
}

impl HsicTerm {
    /// The weight at fractional epoch `epoch`.
    pub fn lambda_at(&self, epoch: f64) -> f64 {
        self.lambda * self.schedule.as_ref().map_or(1.0, |s| s.factor(epoch))
    }
}

/// A kernel in a few characters: its width, `median`, `linear`, or `head×tail` for a product.
fn kernel_summary(kernel: &Kernel) -> String {
    match kernel {
        Kernel::Gaussian { sigma } => format!("{sigma}"),
        Kernel::GaussianMedian => "median".into(),
        Kernel::Linear => "linear".into(),
        Kernel::Product { head, tail, .. } => format!("{}×{}", kernel_summary(head), kernel_summary(tail)),
    }
}

/// The terms of `train --model hsic` (see docs/hsic-defaults.md, "Choosing the HSIC defaults"), one per
/// code group, both under [`default_lambda_schedule`]:
/// `lambda(e) [CKA(h_D(G(z, c)), c_cat) + CKA(G(z, c), c_cont)]`, the categorical code against
/// D's trunk features (Gaussian of the batch's median width), the continuous codes against the
/// pixels ([`default_hsic`]'s kernels). At 10 epochs it met the project's goal against InfoGAN
/// on two seeds, where the paper's one joint term on pixels lost on image quality.
pub fn default_hsic_terms() -> Vec<HsicTerm> {
    let schedule = Some(default_lambda_schedule());
    vec![
        HsicTerm::new()
            .with_codes(CodeGroup::Categorical)
            .with_input(HsicInput::Features)
            .with_hsic(default_hsic().with_kernel_x(Kernel::GaussianMedian))
            .with_schedule(schedule.clone()),
        HsicTerm::new().with_codes(CodeGroup::Continuous).with_schedule(schedule),
    ]
}

/// The default lambda schedule: full weight for 4 epochs (the codes are learnt by then), then
/// down to a tenth over 3 (holding 3 epochs instead left one seed's categorical accuracy below
/// 90%).
pub fn default_lambda_schedule() -> LambdaSchedule {
    LambdaSchedule::new(4.0).with_decay(3.0).with_floor(0.1)
}

/// The kernels and estimator of an HSIC term on pixels: normalised HSIC (CKA) with Gaussian
/// kernels of width 8 on the flattened images and 1 on the codes (the paper's biased estimator
/// collapsed the generator in every setting tried).
pub fn default_hsic() -> HsicConfig {
    HsicConfig::new()
        .with_kernel_x(Kernel::gaussian(DEFAULT_SIGMA_X))
        .with_kernel_y(Kernel::gaussian(DEFAULT_SIGMA_C))
        .with_estimator(Estimator::Normalized)
}

/// Everything a run depends on, saved as its `config.json` (see [`crate::config_path`]).
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// The model: GAN, InfoGAN or HSIC-InfoGAN, with its settings.
    #[config(default = "ModelKind::Hsic.regularizer()")]
    pub regularizer: Regularizer,
    /// Stored as its name: `mnist`, `fashion-mnist`, `shapes` or `folder:PATH`.
    #[config(default = "DatasetSpec::Mnist")]
    pub dataset: DatasetSpec,
    /// Where to look first for the dataset files.
    pub data_dir: Option<PathBuf>,
    /// Image folders only: side of the square the images are resized to.
    #[config(default = 64)]
    pub image_size: usize,
    /// Image folders only: RGB instead of grayscale.
    #[config(default = false)]
    pub rgb: bool,
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N] [default: the first compiled in of flex,
    /// cuda, wgpu, ndarray].
    #[config(default = "DeviceChoice::default_backend()")]
    pub device: DeviceChoice,
    /// The networks G and D are built from [default: InfoGAN's; optional so configs written
    /// before there was a choice load as the InfoGAN runs they are].
    pub networks: Option<Networks>,
    #[config(default = "LatentConfig::new()")]
    pub latent: LatentConfig,
    #[config(default = 100)]
    pub batch_size: usize,
    #[config(default = 100)]
    pub epochs: usize,
    /// Stop after this many iterations in total, even inside an epoch.
    pub max_iters: Option<usize>,
    /// Adam learning rate of D (and of InfoGAN's Q head).
    #[config(default = 2e-4)]
    pub lr_d: f64,
    /// Adam learning rate of G.
    #[config(default = 1e-3)]
    pub lr_g: f64,
    #[config(default = 0.5)]
    pub beta1: f64,
    #[config(default = 0.999)]
    pub beta2: f64,
    #[config(default = 1e-8)]
    pub adam_epsilon: f64,
    #[config(default = 0)]
    pub seed: u64,
    /// Minutes between the checkpoints written inside an epoch (one is also written at each
    /// epoch's end), so a killed run loses at most this much; 0 writes one after every
    /// iteration [default: [`DEFAULT_CHECKPOINT_MINUTES`]; optional so older configs load].
    pub checkpoint_minutes: Option<f64>,
    /// Snapshots of the networks at the ends of the last this-many planned epochs (the final
    /// one included), each a folder `epochs/epoch-N/` that `eval` and `sample` read like a run:
    /// one run's FID moves by up to 25% from one epoch to the next, so a score averaged over
    /// the last epochs compares settings better than the last checkpoint's alone [default:
    /// none; optional so older configs load].
    pub keep_epochs: Option<usize>,
    /// A penalty on G for continuous codes that move the images the same way, for any model
    /// [default: none; optional so older configs load].
    pub orthogonality: Option<Orthogonality>,
}

/// G's continuous codes asked to move the images in different directions: `weight` x the mean,
/// over the first `samples` latents of the batch and the pairs of continuous codes j < k, of
/// cos²(Δ_j, Δ_k), with Δ_k = G(z, c + step e_k) - G(z, c), is added to G's loss. It is
/// OroJaR's orthogonal-Jacobian penalty (Wei et al. 2021) by finite differences and normalised,
/// so it asks the codes' effects to differ without shrinking them: two codes that both move
/// a shape up score 1, codes that move it up and across score about 0. The images come from one
/// extra forward pass of G on the `samples` latents and their `codes x samples` moved copies.
#[derive(Config, Debug, Copy, PartialEq)]
pub struct Orthogonality {
    pub weight: f64,
    /// How far each code is moved (the codes are U(-1, 1)).
    #[config(default = 0.1)]
    pub step: f64,
    #[config(default = 8)]
    pub samples: usize,
}

/// The largest side image folders are resized to: G's second layer holds 8192 weights per
/// pixel, 34 GB of them at 1024 x 1024, so a larger size can only be a mistake, refused before
/// every image of the folder is resized to it.
pub const MAX_IMAGE_SIZE: usize = 1024;

/// Minutes between checkpoints inside an epoch when a config names none: a few minutes lost at
/// most, against well under a second to write MNIST's networks and Adam states.
pub const DEFAULT_CHECKPOINT_MINUTES: f64 = 10.0;

impl TrainConfig {
    /// The time between checkpoints inside an epoch.
    pub fn checkpoint_interval(&self) -> std::time::Duration {
        let seconds = self.checkpoint_minutes.unwrap_or(DEFAULT_CHECKPOINT_MINUTES) * 60.0;
        // More seconds than a Duration holds (a finite 1e300 minutes passes `validate`) is never.
        std::time::Duration::try_from_secs_f64(seconds).unwrap_or(std::time::Duration::MAX)
    }

    /// [`Regularizer::summary`] with the orthogonality term, when there is one (e.g.
    /// `none; orthogonality 0.5 (step 0.2, 8 samples)`).
    pub fn regularizer_summary(&self) -> String {
        let summary = self.regularizer.summary();
        match &self.orthogonality {
            Some(o) => format!("{summary}; orthogonality {} (step {}, {} samples)", o.weight, o.step, o.samples),
            None => summary,
        }
    }

    /// The networks G and D are built from.
    pub fn networks(&self) -> Networks {
        self.networks.unwrap_or(Networks::InfoGan)
    }

    /// Width of InfoGAN's Q head (the code vector's), `None` for the models without one.
    pub fn q_outputs(&self) -> Option<usize> {
        matches!(self.regularizer, Regularizer::InfoGan { .. }).then(|| self.latent.code_size())
    }

    /// Reads a config file (a run's `config.json`, or one written by hand), in today's form or
    /// in the form written before [`Regularizer`] existed.
    pub fn read(path: &Path) -> Result<Self, RunError> {
        let bytes = std::fs::read(path).map_err(RunError::io(path))?;
        crate::legacy::parse(&bytes).map_err(|e| RunError::run(path, format!("not a training config: {e}")))
    }

    /// Every check that does not need the data; errors name the setting and its value.
    pub fn validate(&self) -> Result<(), RunError> {
        let bad = |msg: String| Err(RunError::Config(msg));
        self.latent.check()?;
        if let DatasetSpec::Folder(_) = self.dataset {
            if self.image_size > MAX_IMAGE_SIZE {
                return bad(format!("image size must be at most {MAX_IMAGE_SIZE}, got {}", self.image_size));
            }
            self.networks().check_image([if self.rgb { 3 } else { 1 }, self.image_size, self.image_size])?;
        }
        if self.batch_size < 2 {
            return bad(format!("batch size must be at least 2 (batch norm), got {}", self.batch_size));
        }
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.max_iters == Some(0) {
            return bad("max iterations must be at least 1".into());
        }
        if let Some(minutes) = self.checkpoint_minutes
            && !(minutes.is_finite() && minutes >= 0.0)
        {
            return bad(format!("checkpoint interval must be a finite number of minutes >= 0, got {minutes}"));
        }
        for (name, value) in [("lr_d", self.lr_d), ("lr_g", self.lr_g), ("adam_epsilon", self.adam_epsilon)] {
            if !(value.is_finite() && value > 0.0) {
                return bad(format!("{name} must be a finite number > 0, got {value}"));
            }
        }
        for (name, value) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&value) {
                return bad(format!("{name} must be in [0, 1), got {value}"));
            }
        }
        if let Some(o) = &self.orthogonality {
            if self.latent.continuous < 2 {
                return bad(format!(
                    "orthogonality compares the effects of continuous codes, which needs at least 2, got {}",
                    self.latent.continuous
                ));
            }
            if !(o.weight.is_finite() && o.weight >= 0.0) {
                return bad(format!("orthogonality weight must be a finite number >= 0, got {}", o.weight));
            }
            if !(o.step.is_finite() && o.step > 0.0) {
                return bad(format!("orthogonality step must be a finite number > 0, got {}", o.step));
            }
            if o.samples == 0 || o.samples > self.batch_size {
                return bad(format!(
                    "orthogonality samples must be in 1..={} (the batch size), got {}",
                    self.batch_size, o.samples
                ));
            }
        }
        match &self.regularizer {
            Regularizer::Gan => {}
            Regularizer::InfoGan { continuous_weight } => {
                if self.latent.code_size() == 0 {
                    return bad("InfoGAN needs at least one code for its Q head to predict".into());
                }
                if !(continuous_weight.is_finite() && *continuous_weight >= 0.0) {
                    return bad(format!(
                        "InfoGAN's continuous weight must be a finite number >= 0, got {continuous_weight}"
                    ));
                }
            }
            Regularizer::Hsic { terms } => {
                if terms.is_empty() {
                    return bad("HSIC-InfoGAN needs at least one HSIC term".into());
                }
                for (i, term) in terms.iter().enumerate() {
                    self.validate_term(i, term)?;
                }
            }
        }
        Ok(())
    }

    fn validate_term(&self, i: usize, term: &HsicTerm) -> Result<(), RunError> {
        let bad = |msg: String| Err(RunError::Config(format!("HSIC term {i}: {msg}")));
        if !(term.lambda.is_finite() && term.lambda >= 0.0) {
            return bad(format!("lambda must be a finite number >= 0, got {}", term.lambda));
        }
        if let Some(schedule) = &term.schedule {
            for (name, value) in [("hold", schedule.hold), ("decay", schedule.decay)] {
                if !(value.is_finite() && value >= 0.0) {
                    return bad(format!("lambda schedule: {name} must be a finite number of epochs >= 0, got {value}"));
                }
            }
            if !(0.0..=1.0).contains(&schedule.floor) {
                return bad(format!(
                    "lambda schedule: floor must be a fraction of lambda in [0, 1], got {}",
                    schedule.floor
                ));
            }
        }
        let width = term.codes.width(&self.latent);
        if width == 0 {
            return Err(RunError::Config(format!(
                "HSIC term {i} measures the codes `{}`, but the latent has none",
                term.codes.name()
            )));
        }
        term.hsic.try_init().map_err(|e| RunError::Config(format!("HSIC term {i}: {e}")))?;
        if matches!(term.hsic.kernel_x, Kernel::Product { .. }) {
            return bad("kernel_x: a product kernel splits the codes (kernel_y), not the images".into());
        }
        term.hsic
            .kernel_y
            .check_width(width, "kernel_y")
            .map_err(|e| RunError::Config(format!("HSIC term {i}: {e}")))?;
        let needed = term.hsic.estimator.min_samples();
        if self.batch_size < needed {
            return Err(RunError::Config(format!(
                "batch size {} is below the {} HSIC estimator's minimum of {needed} samples",
                self.batch_size,
                term.hsic.estimator.name()
            )));
        }
        Ok(())
    }
}
