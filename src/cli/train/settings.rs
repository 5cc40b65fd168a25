//! The settings of `hsic-infogan train`: every flag that `--config FILE` replaces.

use clap::{Args, Command, Id, ValueEnum};
use hsic::{HsicConfig, Kernel};
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_models::{LatentConfig, Networks};
use hsic_infogan_train::{
    CodeGroup, DEFAULT_SIGMA_C, DEFAULT_SIGMA_X, DatasetDefaults, HsicInput, HsicTerm, LambdaSchedule, ModelKind,
    Orthogonality, Regularizer, TrainConfig, default_lambda_schedule,
};

use crate::cli::shared::{DeviceArg, EstimatorArg, absolute};

/// Every flag that `--config FILE` replaces: a setting flag is added here and nowhere else, and
/// `--config` refuses it.
#[derive(Debug, Args)]
pub struct Settings {
    /// gan, infogan or hsic (HSIC-InfoGAN).
    #[arg(long, default_value = "hsic", value_parser = parse_model)]
    model: ModelKind,
    #[command(flatten)]
    device: DeviceArg,
    /// mnist, fashion-mnist, shapes or folder:PATH. `shapes` (dSprites) changes the defaults of
    /// the flags that say so to InfoGAN-CR's dSprites setup.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetSpec,
    /// The networks: infogan (InfoGAN's MNIST ones) or dsprites (InfoGAN-CR's, for sides
    /// divisible by 16) [default: infogan; shapes: dsprites].
    #[arg(long, value_parser = parse_networks)]
    networks: Option<Networks>,
    /// Image folders: side of the square images are resized to.
    #[arg(long, default_value_t = 64)]
    image_size: usize,
    /// Image folders: train on RGB instead of grayscale.
    #[arg(long)]
    rgb: bool,
    /// [default: 100; shapes: 64]
    #[arg(long)]
    batch_size: Option<usize>,
    /// Adam learning rate of D (and Q).
    #[arg(long, default_value_t = 2e-4)]
    lr_d: f64,
    /// Adam learning rate of G.
    #[arg(long, default_value_t = 1e-3)]
    lr_g: f64,
    /// Size of the noise z [default: 62; shapes: 5].
    #[arg(long)]
    noise: Option<usize>,
    /// Number of values of each categorical code, comma-separated (e.g. 10 or 10,5), or `none`
    /// [default: 10; shapes: none].
    #[arg(long, value_parser = parse_categorical)]
    categorical: Option<Categorical>,
    /// Number of continuous codes, U(-1, 1) [default: 2; shapes: 5].
    #[arg(long)]
    continuous: Option<usize>,
    /// HSIC: weight lambda of each HSIC term [default: 1; shapes: 0.02].
    #[arg(long = "lambda", allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// HSIC: kernel width for the images' pixels (flattened, values in [0, 1]).
    #[arg(long, default_value_t = DEFAULT_SIGMA_X, allow_negative_numbers = true)]
    sigma_x: f64,
    /// HSIC: kernel width for the codes.
    #[arg(long, default_value_t = DEFAULT_SIGMA_C, allow_negative_numbers = true)]
    sigma_c: f64,
    /// HSIC: kernel on the images [default: gaussian on pixels, median on D's features].
    #[arg(long, value_enum)]
    kernel_x: Option<KernelArg>,
    /// HSIC: kernel on the codes.
    #[arg(long, value_enum, default_value = "gaussian")]
    kernel_c: KernelArg,
    /// HSIC: estimator.
    #[arg(long, value_enum, default_value = "cka")]
    estimator: EstimatorArg,
    /// HSIC: use sigma * sqrt(dimension) as the width (the HSIC-Bottleneck convention).
    #[arg(long)]
    scale_by_dim: bool,
    /// HSIC: measure the codes against the images' pixels or D's trunk features (whose
    /// Euclidean scale differs from the pixels': there the image kernel's width defaults to the
    /// batch median) [default: features for the categorical and pixels for the continuous
    /// codes; pixels with --hsic-joint].
    #[arg(long, value_enum)]
    hsic_input: Option<InputArg>,
    /// HSIC: keep lambda for this many epochs, then decay it (see --lambda-decay, --lambda-floor).
    #[arg(long, value_name = "EPOCHS", default_value_t = default_lambda_schedule().hold)]
    lambda_hold: f64,
    /// HSIC: epochs over which lambda falls linearly to its floor after --lambda-hold (0: a step).
    #[arg(long, value_name = "EPOCHS", default_value_t = default_lambda_schedule().decay)]
    lambda_decay: f64,
    /// HSIC: the final weight as a fraction of lambda.
    #[arg(long, value_name = "FRACTION", default_value_t = default_lambda_schedule().floor)]
    lambda_floor: f64,
    /// HSIC: keep lambda constant instead of the schedule (the paper's form).
    #[arg(long, conflicts_with_all = ["lambda_hold", "lambda_decay", "lambda_floor"])]
    constant_lambda: bool,
    /// HSIC: one joint term on c = [one-hot | continuous] (the paper's form) instead of one term
    /// for the categorical and one for the continuous codes.
    #[arg(long, conflicts_with_all = PER_GROUP)]
    hsic_joint: bool,
    /// HSIC per group: one term per continuous code (each code's own dependence on the images)
    /// instead of one for all of them [default: false; shapes: true].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    hsic_per_code: Option<bool>,
    /// HSIC per group: what the categorical term measures the codes against [default:
    /// --hsic-input, else features].
    #[arg(long, value_enum)]
    hsic_input_cat: Option<InputArg>,
    /// HSIC per group: what the continuous term measures the codes against [default:
    /// --hsic-input, else pixels].
    #[arg(long, value_enum)]
    hsic_input_cont: Option<InputArg>,
    /// HSIC per group: kernel on the categorical codes (`linear` on one-hot codes is the delta
    /// kernel) [default: --kernel-c].
    #[arg(long, value_enum)]
    kernel_cat: Option<KernelArg>,
    /// HSIC per group: kernel width for the categorical codes [default: --sigma-c].
    #[arg(long, allow_negative_numbers = true)]
    sigma_cat: Option<f64>,
    /// HSIC per group: kernel width for the continuous codes [default: --sigma-c].
    #[arg(long, allow_negative_numbers = true)]
    sigma_cont: Option<f64>,
    /// HSIC per group: weight of the categorical term [default: --lambda].
    #[arg(long, allow_negative_numbers = true)]
    lambda_cat: Option<f64>,
    /// HSIC per group: weight of the continuous term [default: --lambda].
    #[arg(long, allow_negative_numbers = true)]
    lambda_cont: Option<f64>,
    /// InfoGAN: weight of the continuous codes' Gaussian NLL next to the categorical
    /// cross-entropy (the spec's 0.1; the original InfoGAN code uses 1 on MNIST) [default: 0.1;
    /// shapes: 0.05, InfoGAN-CR's].
    #[arg(long, allow_negative_numbers = true)]
    info_continuous_weight: Option<f64>,
    /// Any model: weight of a penalty on continuous codes that move the images the same way
    /// (mean cos² between the codes' finite-difference effects on G's images, OroJaR-like)
    /// [default: none].
    #[arg(long, value_name = "WEIGHT", allow_negative_numbers = true)]
    orthogonality: Option<f64>,
    /// Orthogonality: how far each code is moved for its effect (codes are U(-1, 1)).
    #[arg(long, requires = "orthogonality", default_value_t = Orthogonality::new(0.0).step, allow_negative_numbers = true)]
    orthogonality_step: f64,
    /// Orthogonality: latents of each batch whose codes' effects are compared.
    #[arg(long, requires = "orthogonality", default_value_t = Orthogonality::new(0.0).samples)]
    orthogonality_samples: usize,
}

/// `--categorical`: the values of each categorical code (none at all is a layout too).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Categorical(Vec<usize>);

fn parse_categorical(text: &str) -> Result<Categorical, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Categorical(Vec::new()));
    }
    text.split(',')
        .map(|part| {
            part.trim().parse().map_err(|_| {
                format!("expected comma-separated numbers of values (e.g. 10 or 10,5) or `none`, got `{part}`")
            })
        })
        .collect::<Result<_, _>>()
        .map(Categorical)
}

fn parse_networks(name: &str) -> Result<Networks, String> {
    name.parse()
}

/// The flags of the per-group terms, refused beside `--hsic-joint`.
const PER_GROUP: [&str; 8] = [
    "hsic_input_cat",
    "hsic_input_cont",
    "kernel_cat",
    "sigma_cat",
    "sigma_cont",
    "lambda_cat",
    "lambda_cont",
    "hsic_per_code",
];

impl Settings {
    /// The ids of all its flags, and `others`.
    pub(super) fn ids_and(others: &[&'static str]) -> Vec<Id> {
        let flags = Self::augment_args(Command::new("settings"));
        flags.get_arguments().map(|arg| arg.get_id().clone()).chain(others.iter().map(|&id| Id::from(id))).collect()
    }

    /// The categorical codes' values, given or the dataset's default.
    fn categorical(&self) -> Vec<usize> {
        self.categorical.clone().map_or_else(|| DatasetDefaults::of(&self.dataset).categorical, |c| c.0)
    }

    /// The run configuration these settings describe, with the defaults of the others.
    pub(super) fn config(&self) -> TrainConfig {
        let defaults = DatasetDefaults::of(&self.dataset);
        TrainConfig::new()
            .with_regularizer(self.regularizer())
            .with_dataset(match &self.dataset {
                DatasetSpec::Folder(root) => DatasetSpec::Folder(absolute(root)),
                other => other.clone(),
            })
            .with_image_size(self.image_size)
            .with_rgb(self.rgb)
            .with_device(self.device.device.clone())
            .with_networks(Some(self.networks.unwrap_or(defaults.networks)))
            .with_latent(
                LatentConfig::new()
                    .with_noise(self.noise.unwrap_or(defaults.noise))
                    .with_categorical(self.categorical())
                    .with_continuous(self.continuous.unwrap_or(defaults.continuous)),
            )
            .with_batch_size(self.batch_size.unwrap_or(defaults.batch_size))
            .with_lr_d(self.lr_d)
            .with_lr_g(self.lr_g)
            .with_orthogonality(self.orthogonality.map(|weight| {
                Orthogonality::new(weight).with_step(self.orthogonality_step).with_samples(self.orthogonality_samples)
            }))
    }

    fn regularizer(&self) -> Regularizer {
        let defaults = DatasetDefaults::of(&self.dataset);
        let continuous_codes = self.continuous.unwrap_or(defaults.continuous);
        let lambda = self.lambda.unwrap_or(defaults.lambda);
        let per_code = self.hsic_per_code.unwrap_or(defaults.hsic_per_code);
        let continuous: Vec<CodeGroup> = match (continuous_codes, per_code) {
            (0, _) => Vec::new(),
            (_, false) => vec![CodeGroup::Continuous],
            (n, true) => (0..n).map(CodeGroup::ContinuousCode).collect(),
        };
        let estimator = self.estimator.estimator();
        let schedule = (!self.constant_lambda)
            .then(|| LambdaSchedule::new(self.lambda_hold).with_decay(self.lambda_decay).with_floor(self.lambda_floor));
        let term = |codes, input: InputArg, lambda, kernel_c, sigma_c| HsicTerm {
            codes,
            lambda,
            hsic: HsicConfig::new()
                .with_kernel_x(kernel(self.kernel_x.unwrap_or(input.default_kernel()), self.sigma_x, 0))
                .with_kernel_y(kernel(kernel_c, sigma_c, self.categorical().iter().sum()))
                .with_estimator(estimator.clone())
                .with_scale_by_dim(self.scale_by_dim),
            input: input.input(),
            schedule: schedule.clone(),
        };
        match self.model {
            ModelKind::Hsic if self.hsic_joint => Regularizer::Hsic {
                terms: vec![term(
                    CodeGroup::All,
                    self.hsic_input.unwrap_or(InputArg::Pixels),
                    lambda,
                    self.kernel_c,
                    self.sigma_c,
                )],
            },
            // One term per group that has codes (dSprites has no categorical code).
            ModelKind::Hsic => Regularizer::Hsic {
                terms: (!self.categorical().is_empty())
                    .then(|| {
                        term(
                            CodeGroup::Categorical,
                            self.hsic_input_cat.or(self.hsic_input).unwrap_or(InputArg::Features),
                            self.lambda_cat.unwrap_or(lambda),
                            self.kernel_cat.unwrap_or(self.kernel_c),
                            self.sigma_cat.unwrap_or(self.sigma_c),
                        )
                    })
                    .into_iter()
                    .chain(continuous.into_iter().map(|codes| {
                        term(
                            codes,
                            self.hsic_input_cont.or(self.hsic_input).unwrap_or(InputArg::Pixels),
                            self.lambda_cont.unwrap_or(lambda),
                            self.kernel_c,
                            self.sigma_cont.unwrap_or(self.sigma_c),
                        )
                    }))
                    .collect(),
            },
            ModelKind::InfoGan => Regularizer::InfoGan {
                continuous_weight: self.info_continuous_weight.unwrap_or(defaults.info_continuous_weight),
            },
            ModelKind::Gan => Regularizer::Gan,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KernelArg {
    /// exp(-||a - b||^2 / (2 sigma^2)) with the given sigma.
    Gaussian,
    /// Gaussian with sigma = median pairwise distance of the batch.
    Median,
    /// a . b (on one-hot codes: the delta kernel, 1 for equal values and 0 otherwise).
    Linear,
    /// Codes only, joint term: the delta kernel on the one-hot categorical codes times a
    /// Gaussian (--sigma-c) on the continuous codes, so the continuous codes are asked to matter
    /// within each category rather than across them.
    Product,
}

/// `--hsic-input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputArg {
    /// The flattened images.
    Pixels,
    /// D's 1024-wide trunk features of the images (D frozen in the G step).
    Features,
}

impl InputArg {
    fn input(self) -> HsicInput {
        match self {
            Self::Pixels => HsicInput::Pixels,
            Self::Features => HsicInput::Features,
        }
    }

    /// The image kernel without `--kernel-x`: pixels in [0, 1] have a fixed scale (sigma_x = 8
    /// was tuned on them); D's features do not, and their scale moves as D trains.
    fn default_kernel(self) -> KernelArg {
        match self {
            Self::Pixels => KernelArg::Gaussian,
            Self::Features => KernelArg::Median,
        }
    }
}

fn parse_model(name: &str) -> Result<ModelKind, String> {
    name.parse()
}

/// The kernel `arg` names, with width `sigma`; a product splits after the `one_hot` columns of
/// the categorical codes.
fn kernel(arg: KernelArg, sigma: f64, one_hot: usize) -> Kernel {
    match arg {
        KernelArg::Gaussian => Kernel::gaussian(sigma),
        KernelArg::Median => Kernel::GaussianMedian,
        KernelArg::Linear => Kernel::Linear,
        KernelArg::Product => Kernel::product(one_hot, Kernel::Linear, Kernel::gaussian(sigma)),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Train {
        #[command(flatten)]
        settings: Settings,
    }

    /// The bench and other programs build a dataset's runs from [`DatasetDefaults`]: they must
    /// train what `train --dataset D --model M` trains.
    #[test]
    fn without_other_flags_a_dataset_and_model_train_the_library_defaults() {
        for dataset in ["mnist", "shapes"] {
            for model in ["gan", "infogan", "hsic"] {
                let flags = Train::try_parse_from(["train", "--dataset", dataset, "--model", model]).expect("flags");
                let library =
                    DatasetDefaults::config(&dataset.parse().expect("dataset"), model.parse().expect("model"));
                let json = |config: &TrainConfig| serde_json::to_value(config).expect("config as JSON");
                assert_eq!(json(&flags.settings.config()), json(&library), "--dataset {dataset} --model {model}");
            }
        }
    }

    #[test]
    fn orthogonality_flags_set_the_penalty_and_its_settings_need_its_weight() {
        let parse = |flags: &[&str]| Train::try_parse_from([&["train"], flags].concat()).map(|t| t.settings.config());
        assert_eq!(parse(&[]).expect("no flags").orthogonality, None);
        let config = parse(&["--orthogonality", "0.5", "--orthogonality-samples", "4"]).expect("flags");
        assert_eq!(config.orthogonality, Some(Orthogonality::new(0.5).with_samples(4)));
        let err = parse(&["--orthogonality-step", "0.3"]).expect_err("a step without a weight").to_string();
        assert!(err.contains("--orthogonality <WEIGHT>"), "{err}");
    }
}
