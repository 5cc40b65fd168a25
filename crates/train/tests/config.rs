//! Config files: today's form round-trips, and `config.json` files written by version 0.1.0
//! before the model became one `Regularizer` (checked in under `tests/data/`, made by that
//! version's `hsic-infogan train`) still load, so old runs resume, evaluate and sample.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_models::LatentConfig;
use hsic_infogan_train::run::{self, metrics};
use hsic_infogan_train::{
    CodeGroup, HsicInput, HsicTerm, LambdaSchedule, ModelKind, Orthogonality, Regularizer, TrainConfig, Trainer, files,
};

use common::data;

fn legacy(model: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/config_0.1.0_{model}.json"))
}

/// What the 0.1.0 command lines that wrote the files asked for (`--dataset folder:/tmp/tiny_images
/// --image-size 8 --batch-size 8 --noise 4 --categorical 3 --continuous 2 --epochs 2 --seed 5
/// --max-iters 1` and, per model, the flags below).
fn expected(regularizer: Regularizer) -> TrainConfig {
    TrainConfig::new()
        .with_regularizer(regularizer)
        .with_dataset(DatasetSpec::Folder("/tmp/tiny_images".into()))
        .with_image_size(8)
        .with_latent(LatentConfig::new().with_noise(4).with_categorical(vec![3]).with_continuous(2))
        .with_batch_size(8)
        .with_epochs(2)
        .with_max_iters(Some(1))
        .with_seed(5)
}

fn same(a: &TrainConfig, b: &TrainConfig) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn configs_written_before_the_regularizer_load_with_every_setting() {
    // --model hsic --hsic-per-group --lambda-cont 0.5 --sigma-cat 2 --estimator unbiased
    let term = |codes, lambda, sigma_c| {
        let hsic = HsicConfig::new()
            .with_kernel_x(Kernel::gaussian(8.0))
            .with_kernel_y(Kernel::gaussian(sigma_c))
            .with_estimator(Estimator::Unbiased);
        HsicTerm::new().with_codes(codes).with_lambda(lambda).with_hsic(hsic)
    };
    let terms = vec![term(CodeGroup::Categorical, 1.0, 2.0), term(CodeGroup::Continuous, 0.5, 1.0)];
    same(&TrainConfig::read(&legacy("hsic")).unwrap(), &expected(Regularizer::Hsic { terms }));
    // --model infogan --data-dir /tmp/somewhere
    let infogan =
        expected(Regularizer::InfoGan { continuous_weight: 0.1 }).with_data_dir(Some("/tmp/somewhere".into()));
    same(&TrainConfig::read(&legacy("infogan")).unwrap(), &infogan);
    // --model gan --rgb --device ndarray: the HSIC terms the old file carries for every model
    // have no place in a GAN's config.
    let gan = expected(Regularizer::Gan).with_rgb(true).with_device("ndarray".parse().unwrap());
    same(&TrainConfig::read(&legacy("gan")).unwrap(), &gan);
}

#[test]
fn a_run_with_an_old_config_resumes_as_if_it_had_been_written_today() {
    // Two iterations under today's config, then the run's config.json replaced by the 0.1.0
    // file of the same settings: resuming for a third iteration gives the metrics of a run that
    // went straight to three, and the generator loads for evaluation and sampling.
    let today = expected(Regularizer::InfoGan { continuous_weight: 0.1 }).with_data_dir(Some("/tmp/somewhere".into()));
    let (old, straight) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fit = |config: TrainConfig, dir: &Path| {
        hsic_infogan_train::fit(&mut Trainer::new(config, data()).unwrap(), dir, &AtomicBool::new(false), &mut ())
            .unwrap();
    };
    fit(today.clone().with_max_iters(Some(2)), old.path());
    fit(today.clone().with_max_iters(Some(3)), straight.path());
    std::fs::copy(legacy("infogan"), run::config_path(old.path())).unwrap();

    let config = run::load_config(old.path()).unwrap().with_max_iters(Some(3));
    let mut resumed = Trainer::resume(old.path(), config, data()).unwrap();
    assert_eq!(resumed.iteration(), 2);
    hsic_infogan_train::fit(&mut resumed, old.path(), &AtomicBool::new(false), &mut ()).unwrap();
    let rows = |dir: &Path| {
        let rows = metrics::read(&run::metrics_path(dir)).unwrap();
        rows.into_iter().map(|r| metrics::Row { seconds: 0.0, ..r }).collect::<Vec<_>>()
    };
    assert_eq!(rows(old.path()), rows(straight.path()));
    assert_eq!(run::load_generator(old.path(), Some("flex")).unwrap().state.iteration, 3);
}

#[test]
fn todays_config_round_trips_and_a_file_that_is_none_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let config = expected(Regularizer::Hsic { terms: vec![HsicTerm::new()] });
    files::save_config(&config, &path).unwrap();
    same(&TrainConfig::read(&path).unwrap(), &config);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"dataset\": \"folder:/tmp/tiny_images\""), "stored by name: {text}");

    std::fs::write(&path, "{\"epochs\": 3}").unwrap();
    let err = TrainConfig::read(&path).unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()) && err.contains("not a training config"), "{err}");
    let missing = run::load_config(&dir.path().join("nothing")).err().unwrap().to_string();
    assert!(missing.contains("not a run folder"), "{missing}");
}

#[test]
fn the_default_hsic_infogan_is_one_scheduled_cka_term_per_code_group() {
    let config = expected(ModelKind::Hsic.regularizer());
    config.validate().unwrap();
    assert_eq!(
        config.regularizer.summary(),
        "categorical: CKA on D features σx median σc 1 λ 1 → 0.1λ after 4+3 ep; continuous: CKA σx 8 σc 1 λ 1 → 0.1λ after 4+3 ep"
    );
    assert_eq!(format!("{:?}", TrainConfig::new().regularizer), format!("{:?}", ModelKind::Hsic.regularizer()));
    // lambda(e): 1 up to epoch 4, 0.55 at 5.5, 0.1 from 7 on.
    let term = &config.regularizer.hsic_terms()[0];
    for (epoch, lambda) in [(0.0, 1.0), (3.9, 1.0), (5.5, 0.55), (7.0, 0.1), (100.0, 0.1)] {
        assert!((term.lambda_at(epoch) - lambda).abs() < 1e-12, "epoch {epoch}: {}", term.lambda_at(epoch));
    }
}

#[test]
fn a_config_written_before_keep_epochs_loads_and_its_hsic_is_todays_default() {
    // The config.json of a run (`hs43_s0` of docs/results.md) trained on 2026-12-02 with
    // `--hsic-per-group --hsic-input-cat features --lambda-hold 4 --lambda-decay 3 --lambda-floor 0.1`,
    // before `keep_epochs` existed and before those settings became the default.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config_2026-12-02_hs43.json");
    let config = TrainConfig::read(&path).unwrap();
    assert_eq!((config.keep_epochs, config.epochs, config.seed), (None, 10, 0));
    assert_eq!(format!("{:?}", config.regularizer), format!("{:?}", ModelKind::Hsic.regularizer()));
}

#[test]
fn the_variants_round_trip_and_tables_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let term = HsicTerm::new()
        .with_hsic(hsic_infogan_train::default_hsic().with_kernel_x(Kernel::GaussianMedian))
        .with_input(HsicInput::Features)
        .with_schedule(Some(LambdaSchedule::new(2.0).with_decay(3.0).with_floor(0.25)));
    let config = expected(Regularizer::Hsic { terms: vec![term] });
    files::save_config(&config, &path).unwrap();
    same(&TrainConfig::read(&path).unwrap(), &config);
    assert_eq!(config.regularizer.summary(), "all: CKA on D features σx median σc 1 λ 1 → 0.25λ after 2+3 ep");
    let infogan = Regularizer::InfoGan { continuous_weight: 1.0 };
    assert_eq!(infogan.summary(), "Q head, continuous weight 1");

    // A floor outside [0, 1] or a negative duration is refused, naming the setting.
    for (schedule, needle) in [
        (LambdaSchedule::new(1.0).with_floor(1.5), "floor must be a fraction of lambda in [0, 1], got 1.5"),
        (LambdaSchedule::new(-1.0), "hold must be a finite number of epochs >= 0, got -1"),
        (LambdaSchedule::new(1.0).with_decay(f64::NAN), "decay must be a finite number of epochs >= 0, got NaN"),
    ] {
        let term = HsicTerm::new().with_schedule(Some(schedule));
        let err = expected(Regularizer::Hsic { terms: vec![term] }).validate().unwrap_err().to_string();
        assert!(err.contains(needle) && err.contains("HSIC term 0"), "{err}");
    }
}

#[test]
fn orthogonality_round_trips_and_bad_settings_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let config = expected(Regularizer::Gan).with_orthogonality(Some(Orthogonality::new(0.5).with_step(0.2)));
    files::save_config(&config, &path).unwrap();
    same(&TrainConfig::read(&path).unwrap(), &config);
    config.validate().unwrap();
    assert_eq!(config.regularizer_summary(), "none; orthogonality 0.5 (step 0.2, 8 samples)");
    assert_eq!(expected(Regularizer::Gan).regularizer_summary(), "none");
    for (orthogonality, continuous, needle) in [
        (Orthogonality::new(-1.0), 2, "orthogonality weight must be a finite number >= 0, got -1"),
        (Orthogonality::new(1.0).with_step(0.0), 2, "orthogonality step must be a finite number > 0, got 0"),
        (Orthogonality::new(1.0).with_samples(9), 2, "orthogonality samples must be in 1..=8 (the batch size), got 9"),
        (Orthogonality::new(1.0), 1, "which needs at least 2, got 1"),
    ] {
        let mut config = expected(Regularizer::Gan).with_orthogonality(Some(orthogonality));
        config.latent.continuous = continuous;
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
}
