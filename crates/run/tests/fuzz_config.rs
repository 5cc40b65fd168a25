//! `config.json` and `checkpoint/state.json` fuzzed: today's configs of every model and a config
//! of version 0.1.0, with fields replaced by values of other types, huge or negative numbers,
//! removed or renamed, and the files cut or corrupted at any byte. Every outcome is a config
//! that every use takes without panicking (and, once validated, with sizes the networks can be
//! built at), or an error naming the file and the problem. Deterministic: proptest is built
//! without `std`, so its seed is fixed and no environment variable changes the cases.

#[path = "fuzz_common/mod.rs"]
mod fuzz_common;

use std::path::Path;

use burn::config::config_to_json;
use burn::prelude::*;
use fuzz_common::{cut, flips, mutated, mutation};
use hsic::Kernel;
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_models::{LatentConfig, MAX_INPUT_SIZE};
use hsic_infogan_run::checkpoint::{self, TrainState};
use hsic_infogan_run::{CodeGroup, MAX_IMAGE_SIZE, ModelKind, RunError, TrainConfig};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

/// Cases per property: each parses a JSON file of about 1 KB, and builds two 4-row Gram
/// matrices for the configs that validate.
const CASES: u32 = 384;

/// A config written by version 0.1.0 (the model's settings side by side, before `Regularizer`).
const LEGACY: &str = include_str!("../../train/tests/data/config_0.1.0_hsic.json");

/// The configs mutated: today's of each model (InfoGAN's on an image folder), and 0.1.0's.
fn base_configs() -> Vec<Value> {
    let today = |model: ModelKind| TrainConfig::new().with_regularizer(model.regularizer());
    let infogan = today(ModelKind::InfoGan).with_dataset(DatasetSpec::Folder("/tmp/images".into()));
    [today(ModelKind::Gan), infogan, today(ModelKind::Hsic).with_checkpoint_minutes(Some(5.0))]
        .iter()
        .map(|config| serde_json::from_str(&config_to_json(config)).unwrap())
        .chain([serde_json::from_str(LEGACY).unwrap()])
        .collect()
}

/// The message of `error`, which must start with `path`.
fn naming(error: RunError, path: &Path) -> Result<String, TestCaseError> {
    let message = error.to_string();
    prop_assert!(message.starts_with(&path.display().to_string()), "does not name the file: {message}");
    Ok(message)
}

/// What training, evaluation and the tables do with a config that parsed, none of which may panic;
/// a config that validates must have sizes the networks can be built at, and kernels that compute.
fn use_config(config: &TrainConfig) -> Result<(), TestCaseError> {
    let _ = (config.regularizer.summary(), config.checkpoint_interval(), config.q_outputs());
    if config.validate().is_err() {
        return Ok(());
    }
    prop_assert!(config.latent.input_size() <= MAX_INPUT_SIZE);
    if let DatasetSpec::Folder(_) = config.dataset {
        prop_assert!((4..=MAX_IMAGE_SIZE).contains(&config.image_size));
    }
    let device = Device::flex();
    let rows = |width: usize| Tensor::<2>::ones([4, width], &device);
    for term in config.regularizer.hsic_terms() {
        let width = term.codes.width(&config.latent);
        let gram = term.hsic.kernel_y.gram(rows(width), term.hsic.scale_by_dim);
        prop_assert_eq!(gram.dims(), [4, 4]);
        prop_assert_eq!(term.hsic.kernel_x.gram(rows(16), term.hsic.scale_by_dim).dims(), [4, 4]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_mutated_config_is_one_every_use_takes_or_an_error_naming_the_file(
        base: Index,
        mutations in vec(mutation(), 1..4),
        cut in cut(),
        flips in flips(),
    ) {
        let bytes = mutated(base.get(&base_configs()).clone(), &mutations, cut, &flips);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, &bytes).unwrap();
        match TrainConfig::read(&path) {
            Ok(config) => use_config(&config)?,
            Err(error) => {
                let message = naming(error, &path)?;
                prop_assert!(message.contains("not a training config: "), "{message}");
            }
        }
    }

    #[test]
    fn huge_sizes_in_a_config_are_refused_by_validation(
        field in select(&["/latent/noise", "/latent/continuous", "/latent/categorical/0", "/image_size"][..]),
        size in prop_oneof![Just(u64::MAX), Just(1u64 << 32), (MAX_INPUT_SIZE as u64)..(1u64 << 40)],
    ) {
        let mut document: Value = base_configs().swap_remove(1);
        *document.pointer_mut(field).unwrap() = json!(size);
        let config: TrainConfig = serde_json::from_value(document).unwrap();
        let message = config.validate().expect_err("a size past the networks'").to_string();
        let setting = if field == "/image_size" { "image size must be at most" } else { "latent input is" };
        prop_assert!(message.contains(setting), "{message}");
    }

    #[test]
    fn a_damaged_state_json_loads_or_is_an_error_naming_it(
        mutations in vec(mutation(), 0..3),
        cut in cut(),
        flips in flips(),
    ) {
        let state = TrainState { iteration: 1200, iters_per_epoch: 600, rng: 7, image: [1, 28, 28] };
        let document: Value = serde_json::from_str(&config_to_json(&state)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, mutated(document, &mutations, cut, &flips)).unwrap();
        match checkpoint::load_state(dir.path()) {
            Ok(state) => {
                let [channels, height, width] = state.image;
                prop_assert!(channels > 0 && height.is_multiple_of(4) && width.is_multiple_of(4));
                prop_assert!(height <= MAX_IMAGE_SIZE && width <= MAX_IMAGE_SIZE);
            }
            Err(error) => {
                naming(error, &path)?;
            }
        }
    }
}

/// Kernels as a config file may nest them: products of products, with any split.
fn kernel() -> impl Strategy<Value = Kernel> {
    let leaf =
        prop_oneof![(0.0f64..4.0).prop_map(Kernel::gaussian), Just(Kernel::GaussianMedian), Just(Kernel::Linear)];
    leaf.prop_recursive(3, 8, 2, |inner| {
        (0usize..7, inner.clone(), inner).prop_map(|(split, head, tail)| Kernel::product(split, head, tail))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_code_kernel_that_validates_computes_at_the_codes_width(
        kernel_y in kernel(),
        categorical in vec(2usize..4, 0..2),
        continuous in 0usize..4,
        codes in select(&[CodeGroup::All, CodeGroup::Categorical, CodeGroup::Continuous][..]),
    ) {
        let mut config = TrainConfig::new()
            .with_regularizer(ModelKind::Hsic.regularizer())
            .with_latent(LatentConfig::new().with_categorical(categorical).with_continuous(continuous));
        for term in config.regularizer.hsic_terms_mut() {
            term.codes = codes;
            term.hsic.kernel_y = kernel_y.clone();
        }
        use_config(&config)?;
    }

    #[test]
    fn a_device_name_reads_or_is_an_error_naming_the_file(
        name in vec(select(&["flex", "ndarray", "wgpu", "cuda", ":", ":0", ":-1", "99999999999999999999", "", " ", "é"][..]), 0..4),
    ) {
        let mut document = base_configs().swap_remove(0);
        document["device"] = json!(name.concat());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, document.to_string()).unwrap();
        if let Err(error) = TrainConfig::read(&path) {
            naming(error, &path)?;
        }
    }
}

#[test]
fn a_config_that_is_not_utf8_is_named_as_such_not_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, b"{\"iteration\": \xff}").unwrap();
    let message = checkpoint::load_state(dir.path()).unwrap_err().to_string();
    assert!(message.starts_with(&path.display().to_string()), "{message}");
    assert!(message.contains("utf-8") && !message.contains("not found"), "{message}");
}

#[test]
fn a_checkpoint_interval_of_1e300_minutes_is_never_not_a_panic() {
    let config = TrainConfig::new().with_checkpoint_minutes(Some(1e300));
    config.validate().unwrap();
    assert_eq!(config.checkpoint_interval(), std::time::Duration::MAX);
}

#[test]
fn categorical_sizes_that_overflow_when_summed_are_refused() {
    let latent = hsic_infogan_models::LatentConfig::new().with_categorical(vec![usize::MAX, 3]);
    let message = latent.check().unwrap_err().to_string();
    // 2^64 - 1 + 3 + the default 62 noise values and 2 continuous codes, saturated.
    assert!(message.contains("latent input is 18446744073709551615 wide"), "{message}");
}
