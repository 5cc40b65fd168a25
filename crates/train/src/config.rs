//! Everything a run depends on, in one [`TrainConfig`] saved as the run's `config.json`.

use std::str::FromStr;

use burn::prelude::*;
use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_models::LatentConfig;

use crate::TrainError;

/// Which mutual-information regulariser the generator gets.
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
}

/// Default HSIC settings (see `default_hsic`): weight, and kernel widths for the flattened
/// images and for the codes.
pub const DEFAULT_LAMBDA: f64 = 1.0;
pub const DEFAULT_SIGMA_X: f64 = 8.0;
pub const DEFAULT_SIGMA_C: f64 = 1.0;

/// One term `lambda * HSIC(G(z, c), c_group)` subtracted from G's loss.
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
}

/// The default HSIC of `train --model hsic`: normalised HSIC (CKA) with Gaussian kernels of
/// width 8 on the flattened images and 1 on the codes (see the README's "Choosing the HSIC
/// defaults": the paper's biased estimator collapsed the generator in every setting tried).
pub fn default_hsic() -> HsicConfig {
    HsicConfig::new()
        .with_kernel_x(Kernel::gaussian(DEFAULT_SIGMA_X))
        .with_kernel_y(Kernel::gaussian(DEFAULT_SIGMA_C))
        .with_estimator(Estimator::Normalized)
}

#[derive(Config, Debug)]
pub struct TrainConfig {
    #[config(default = "ModelKind::Hsic")]
    pub model: ModelKind,
    /// `mnist`, `fashion-mnist`, `shapes` or `folder:PATH`.
    #[config(default = "\"mnist\".to_string()")]
    pub dataset: String,
    /// Where to look first for the dataset files.
    pub data_dir: Option<String>,
    /// Image folders only: side of the square the images are resized to.
    #[config(default = 64)]
    pub image_size: usize,
    /// Image folders only: RGB instead of grayscale.
    #[config(default = false)]
    pub rgb: bool,
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N].
    #[config(default = "\"flex\".to_string()")]
    pub device: String,
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
    /// InfoGAN: weight of the continuous codes' Gaussian NLL next to the cross-entropy.
    #[config(default = 0.1)]
    pub info_continuous_weight: f64,
    /// HSIC-InfoGAN: the terms subtracted from G's loss.
    #[config(default = "vec![HsicTerm::new()]")]
    pub hsic_terms: Vec<HsicTerm>,
    #[config(default = 0)]
    pub seed: u64,
}

impl TrainConfig {
    /// Every check that does not need the data; errors name the setting and its value.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |msg: String| Err(TrainError::Config(msg));
        self.latent.check().map_err(TrainError::Config)?;
        if self.batch_size < 2 {
            return bad(format!("batch size must be at least 2 (batch norm), got {}", self.batch_size));
        }
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.max_iters == Some(0) {
            return bad("max iterations must be at least 1".into());
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
        if self.model == ModelKind::InfoGan && self.latent.code_size() == 0 {
            return bad("InfoGAN needs at least one code for its Q head to predict".into());
        }
        if self.model == ModelKind::Hsic {
            if self.hsic_terms.is_empty() {
                return bad("HSIC-InfoGAN needs at least one HSIC term".into());
            }
            for (i, term) in self.hsic_terms.iter().enumerate() {
                if !(term.lambda.is_finite() && term.lambda >= 0.0) {
                    return bad(format!("HSIC term {i}: lambda must be a finite number >= 0, got {}", term.lambda));
                }
                let width = match term.codes {
                    CodeGroup::All => self.latent.code_size(),
                    CodeGroup::Categorical => self.latent.one_hot_size(),
                    CodeGroup::Continuous => self.latent.continuous,
                };
                if width == 0 {
                    return bad(format!("HSIC term {i} measures {:?} codes, but the latent has none", term.codes));
                }
                term.hsic.try_init().map_err(|e| TrainError::Config(format!("HSIC term {i}: {e}")))?;
                let needed = term.hsic.estimator.min_samples();
                if self.batch_size < needed {
                    return bad(format!(
                        "batch size {} is below the {} HSIC estimator's minimum of {needed} samples",
                        self.batch_size,
                        term.hsic.estimator.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The regulariser in a few words, for tables: e.g. `all: CKA σx 8 σc 1 λ 1` for
    /// HSIC-InfoGAN, `Q head, continuous weight 0.1` for InfoGAN.
    pub fn regulariser(&self) -> String {
        let kernel = |kernel: &Kernel| match kernel {
            Kernel::Gaussian { sigma } => format!("{sigma}"),
            Kernel::GaussianMedian => "median".into(),
            Kernel::Linear => "linear".into(),
        };
        match self.model {
            ModelKind::Gan => "none".into(),
            ModelKind::InfoGan => format!("Q head, continuous weight {}", self.info_continuous_weight),
            ModelKind::Hsic => self
                .hsic_terms
                .iter()
                .map(|term| {
                    let estimator = match &term.hsic.estimator {
                        Estimator::Normalized => "CKA",
                        other => other.name(),
                    };
                    format!(
                        "{}: {estimator} σx {} σc {} λ {}{}",
                        format!("{:?}", term.codes).to_lowercase(),
                        kernel(&term.hsic.kernel_x),
                        kernel(&term.hsic.kernel_y),
                        term.lambda,
                        if term.hsic.scale_by_dim { " (σ × √d)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}
