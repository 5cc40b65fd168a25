//! The training loop on a tiny configuration: every model trains, resumes exactly, checkpoints
//! on request, refuses bad settings, and writes its figures.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::module::Module;
use burn::prelude::*;
use hsic_infogan_data::ImageSet;
use hsic_infogan_models::Rng;
use hsic_infogan_train::run::metrics::{self, Row};
use hsic_infogan_train::run::{self, checkpoint};
use hsic_infogan_train::{
    EpochSummary, ModelKind, Observer, Orthogonality, Plan, TrainConfig, TrainError, Trainer, TrainingData,
};

use common::{DIMS, config, data, working_device};

/// Outputs of G (eval mode) on fixed latents and of D (eval mode) on fixed images.
fn outputs(trainer: &Trainer) -> (Vec<f32>, Vec<f32>) {
    let device = Device::flex();
    let latent = trainer.config().latent.sample(6, &mut Rng::new(99));
    let g: Vec<f32> = trainer.generator().valid().forward(latent.input(&device)).into_data().try_to_vec().unwrap();
    let images = Tensor::<4>::ones([6, DIMS[0], DIMS[1], DIMS[2]], &device).mul_scalar(0.3);
    let d: Vec<f32> = trainer.discriminator().valid().forward(images).logits.into_data().try_to_vec().unwrap();
    (g, d)
}

#[test]
fn each_model_trains_with_finite_losses_and_changes_both_networks() {
    for model in [ModelKind::Gan, ModelKind::InfoGan, ModelKind::Hsic] {
        let mut trainer = Trainer::new(config(model), data()).unwrap();
        let (g0, d0) = outputs(&trainer);
        for i in 1..=3 {
            let row = trainer.step().unwrap();
            assert_eq!(row.iteration, i);
            for value in [row.d_loss, row.g_loss, row.reg_loss] {
                assert!(value.is_finite(), "{model:?}: {row:?}");
            }
            match model {
                ModelKind::Gan => assert!(row.reg_loss == 0.0 && row.hsic.is_none()),
                ModelKind::InfoGan => assert!(row.reg_loss > 0.0 && row.hsic.is_none()),
                ModelKind::Hsic => {
                    // The sum of the two terms' CKA values, each in [0, 1].
                    let hsic = row.hsic.expect("HSIC value");
                    assert!((0.0..=2.0).contains(&hsic), "two CKA values: {hsic}");
                    assert!((row.reg_loss + hsic).abs() < 1e-6, "lambda = 1 in the first epochs: reg = -HSIC");
                }
            }
        }
        let (g1, d1) = outputs(&trainer);
        assert_ne!(g0, g1, "{model:?}: G did not change");
        assert_ne!(d0, d1, "{model:?}: D did not change");
    }
}

/// HSIC-InfoGAN's default config with every term weighted `lambda`.
fn hsic_with_lambda(lambda: f64) -> TrainConfig {
    let mut config = config(ModelKind::Hsic);
    config.regularizer.hsic_terms_mut().iter_mut().for_each(|term| term.lambda = lambda);
    config
}

#[test]
fn the_hsic_term_reaches_the_generator_and_only_the_generator() {
    let run = |lambda: f64| {
        let mut trainer = Trainer::new(hsic_with_lambda(lambda), data()).unwrap();
        trainer.step().unwrap();
        outputs(&trainer)
    };
    let (g_off, d_off) = run(0.0);
    let (g_on, d_on) = run(10.0);
    assert_eq!(d_off, d_on, "D's step comes before the HSIC term and must not see it");
    assert_ne!(g_off, g_on, "lambda changed nothing in G");
}

#[test]
fn orthogonality_adds_its_penalty_to_gs_loss_and_moves_g() {
    let with =
        |weight: f64| config(ModelKind::Gan).with_orthogonality(Some(Orthogonality::new(weight).with_samples(3)));
    let row = Trainer::new(with(1.0), data()).unwrap().step().unwrap();
    assert!(row.reg_loss > 0.0 && row.reg_loss <= 1.0, "a GAN's only regulariser, a mean cos²: {row:?}");
    let run = |weight: f64| {
        let mut trainer = Trainer::new(with(weight), data()).unwrap();
        trainer.step().unwrap();
        outputs(&trainer)
    };
    let ((g_off, d_off), (g_on, d_on)) = (run(0.0), run(100.0));
    assert_eq!(d_off, d_on, "D's step comes before the penalty");
    assert_ne!(g_off, g_on, "the weight changed nothing in G");
}

fn fit(trainer: &mut Trainer, dir: &Path) {
    hsic_infogan_train::fit(trainer, dir, &AtomicBool::new(false), &mut ()).unwrap();
}

fn without_seconds(rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter().map(|r| Row { seconds: 0.0, ..r }).collect()
}

/// Trains `total` iterations straight through in one folder, and `stop_at` then a resume to
/// `total` in another; returns both runs' metrics and both final trainers (the straight one
/// reloaded from its checkpoint).
fn straight_and_resumed(model: ModelKind, total: usize, stop_at: usize) -> [(Vec<Row>, Trainer); 2] {
    let planned = config(model).with_max_iters(Some(total));
    let [straight, stopped] = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    fit(&mut Trainer::new(planned.clone(), data()).unwrap(), straight.path());
    fit(&mut Trainer::new(planned.clone().with_max_iters(Some(stop_at)), data()).unwrap(), stopped.path());
    let state = checkpoint::load_state(&checkpoint::find(stopped.path()).unwrap()).unwrap();
    assert_eq!(state.iteration, stop_at);
    let mut resumed = Trainer::resume(stopped.path(), planned.clone(), data()).unwrap();
    assert_eq!(resumed.iteration(), stop_at);
    fit(&mut resumed, stopped.path());
    let reloaded = Trainer::resume(straight.path(), planned, data()).unwrap();
    let rows = |dir: &Path| without_seconds(metrics::read(&dir.join("metrics.csv")).unwrap());
    [(rows(straight.path()), reloaded), (rows(stopped.path()), resumed)]
}

#[test]
fn a_resumed_run_reproduces_the_uninterrupted_one() {
    // HSIC-InfoGAN, crossing the epoch boundary at 6; InfoGAN (Q head, its own Adam state).
    for (model, total, stop_at) in [(ModelKind::Hsic, 9, 4), (ModelKind::InfoGan, 5, 2)] {
        let [(straight, reloaded), (resumed, trainer)] = straight_and_resumed(model, total, stop_at);
        assert_eq!(straight.len(), total);
        assert_eq!(straight, resumed, "{model:?}: metrics differ");
        // Eval-mode outputs use the batch-norm running statistics, which the checkpoint must carry.
        assert_eq!(outputs(&reloaded), outputs(&trainer), "{model:?}: final networks differ");
    }
}

/// Everything an observer was told.
#[derive(Default)]
struct Recorder {
    plans: Vec<Plan>,
    rows: Vec<Row>,
    epochs: Vec<EpochSummary>,
    stopped: Vec<usize>,
}

impl Observer for Recorder {
    fn start(&mut self, plan: &Plan) {
        self.plans.push(*plan);
    }
    fn iteration(&mut self, row: &Row) {
        self.rows.push(*row);
    }
    fn epoch(&mut self, summary: &EpochSummary) {
        self.epochs.push(*summary);
    }
    fn stopped(&mut self, iteration: usize) {
        self.stopped.push(iteration);
    }
}

#[test]
fn the_observer_hears_every_iteration_and_each_epoch_end() {
    // 8 iterations at 6 per epoch: a whole epoch, then a partial one that ends the run.
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config(ModelKind::Hsic).with_max_iters(Some(8)), data()).unwrap();
    let mut seen = Recorder::default();
    hsic_infogan_train::fit(&mut trainer, dir.path(), &AtomicBool::new(false), &mut seen).unwrap();
    assert_eq!(seen.plans, [Plan { start: 0, total: 8, iters_per_epoch: 6, epochs: 2 }]);
    let written = metrics::read(&dir.path().join("metrics.csv")).unwrap();
    assert_eq!(without_seconds(seen.rows.clone()), without_seconds(written));
    let [first, last] = seen.epochs[..] else { panic!("two epoch summaries: {:?}", seen.epochs) };
    assert_eq!((first.epoch, first.iteration, first.sums.rows, first.partial, first.done), (1, 6, 6, false, false));
    assert_eq!((last.epoch, last.iteration, last.sums.rows, last.partial, last.done), (2, 8, 2, true, true));
    let sum = |rows: &[Row], f: fn(&Row) -> f32| rows.iter().map(|r| f64::from(f(r))).sum::<f64>();
    assert!((first.sums.d_loss - sum(&seen.rows[..6], |r| r.d_loss)).abs() < 1e-9);
    assert!((last.sums.hsic.unwrap() - sum(&seen.rows[6..], |r| r.hsic.unwrap())).abs() < 1e-9);
    assert!(seen.stopped.is_empty());
}

#[test]
fn the_stop_flag_checkpoints_and_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config(ModelKind::Gan), data()).unwrap();
    let mut seen = Recorder::default();
    let summary = hsic_infogan_train::fit(&mut trainer, dir.path(), &AtomicBool::new(true), &mut seen).unwrap();
    assert!(summary.interrupted);
    assert_eq!((seen.rows.len(), seen.epochs.len(), &seen.stopped[..]), (0, 0, &[0][..]));
    assert_eq!(summary.steps, 0);
    let state = checkpoint::load_state(&checkpoint::find(dir.path()).unwrap()).unwrap();
    assert_eq!(state.iteration, 0);
    // Stopped again right after a resume: the checkpoint is rewritten from the loaded networks
    // (which must not depend on the files being replaced) and stays loadable.
    for _ in 0..2 {
        let mut resumed = Trainer::resume(dir.path(), config(ModelKind::Gan), data()).unwrap();
        assert!(
            hsic_infogan_train::fit(&mut resumed, dir.path(), &AtomicBool::new(true), &mut ()).unwrap().interrupted
        );
    }
    Trainer::resume(dir.path(), config(ModelKind::Gan), data()).unwrap().step().unwrap();
}

#[test]
fn a_non_finite_loss_stops_the_run_and_keeps_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    // One good epoch (6 iterations) writes a checkpoint.
    let mut trainer = Trainer::new(config(ModelKind::Gan).with_epochs(1), data()).unwrap();
    hsic_infogan_train::fit(&mut trainer, dir.path(), &AtomicBool::new(false), &mut ()).unwrap();
    let checkpoint_dir = checkpoint::find(dir.path()).unwrap();
    let before = folder_bytes(&checkpoint_dir);
    // Resumed with an absurd learning rate, D's weights blow up within a few steps.
    let diverging = config(ModelKind::Gan).with_lr_d(1e30).with_lr_g(1e30).with_epochs(20);
    let mut trainer = Trainer::resume(dir.path(), diverging, data()).unwrap();
    let err = hsic_infogan_train::fit(&mut trainer, dir.path(), &AtomicBool::new(false), &mut ()).unwrap_err();
    let TrainError::NonFinite(message) = err else { panic!("expected a non-finite loss error, got {err}") };
    let expected = format!("The last checkpoint, {}, is intact.", checkpoint_dir.display());
    assert!(message.contains("became") && message.ends_with(&expected), "{message}");
    // The failure came before the next checkpoint, and left the last one as it was, byte for byte.
    assert!(trainer.iteration() < 12, "stopped at iteration {}", trainer.iteration() + 1);
    assert_eq!(checkpoint::find(dir.path()).unwrap(), checkpoint_dir);
    assert_eq!(folder_bytes(&checkpoint_dir), before);
    assert_eq!(checkpoint::load_state(&checkpoint_dir).unwrap().iteration, 6);
}

#[test]
fn a_non_finite_loss_before_any_checkpoint_says_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(ModelKind::Gan).with_lr_d(1e30).with_lr_g(1e30).with_epochs(20);
    let mut trainer = Trainer::new(config, data()).unwrap();
    let err = hsic_infogan_train::fit(&mut trainer, dir.path(), &AtomicBool::new(false), &mut ()).unwrap_err();
    let TrainError::NonFinite(message) = err else { panic!("expected a non-finite loss error, got {err}") };
    assert!(trainer.iteration() < 6, "the loss stayed finite for a whole epoch");
    assert!(message.ends_with("The run has no checkpoint yet."), "{message}");
    assert!(checkpoint::find(dir.path()).is_err());
}

/// Every file of a folder, by name, with its bytes.
fn folder_bytes(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name(), std::fs::read(entry.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn bad_settings_are_refused_with_the_setting_named() {
    let expect = |config: TrainConfig, needle: &str| {
        let err = match Trainer::new(config, data()) {
            Ok(_) => panic!("accepted a bad config (expected `{needle}`)"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(needle), "`{err}` does not mention `{needle}`");
    };
    let mut negative = config(ModelKind::Hsic);
    negative.regularizer.hsic_terms_mut()[0].lambda = -1.0;
    expect(negative, "lambda must be a finite number >= 0, got -1");
    let mut unbiased = config(ModelKind::Hsic).with_batch_size(3);
    unbiased.regularizer.hsic_terms_mut()[0].hsic.estimator = hsic::Estimator::Unbiased;
    expect(unbiased, "batch size 3 is below the unbiased HSIC estimator's minimum of 4");
    expect(config(ModelKind::Gan).with_batch_size(100), "has 48 images, fewer than one batch of 100");
    expect(config(ModelKind::Gan).with_lr_g(0.0), "lr_g must be a finite number > 0, got 0");
}

#[test]
fn every_compiled_backend_trains_hsic_infogan() {
    for backend in hsic_infogan_device::COMPILED_BACKENDS {
        if working_device(backend).is_none() {
            continue;
        }
        let start = std::time::Instant::now();
        let mut trainer = Trainer::new(config(ModelKind::Hsic).with_device(backend.parse().unwrap()), data()).unwrap();
        for _ in 0..2 {
            let row = trainer.step().unwrap();
            assert!(row.d_loss.is_finite() && row.g_loss.is_finite(), "{backend}: {row:?}");
            assert!(row.hsic.is_some_and(|h| (0.0..=2.0).contains(&h)), "two CKA values: {backend}: {row:?}");
        }
        println!("{backend}: 2 steps in {:.1} s", start.elapsed().as_secs_f64());
    }
}

#[test]
fn gradient_norms_scale_with_lambda_and_leave_the_run_untouched() {
    let trainer_with = |lambda: f64| Trainer::new(hsic_with_lambda(lambda), data()).unwrap();
    let (one, three) = (trainer_with(1.0).gradient_norms(2).unwrap(), trainer_with(3.0).gradient_norms(2).unwrap());
    assert!(one.adversarial > 0.0 && one.hsic > 0.0 && one.ratio().is_finite(), "{one:?}");
    assert_eq!(one.adversarial, three.adversarial, "lambda does not touch the adversarial pull");
    assert!((three.hsic / one.hsic - 3.0).abs() < 1e-4, "{} vs {}", three.hsic, one.hsic);
    assert!(Trainer::new(config(ModelKind::Gan), data()).unwrap().gradient_norms(1).is_none());

    // Measuring between steps changes nothing: same losses and networks as without it.
    let (mut measured, mut plain) = (trainer_with(1.0), trainer_with(1.0));
    for _ in 0..2 {
        measured.gradient_norms(1).unwrap();
        assert_eq!(measured.step().unwrap().g_loss, plain.step().unwrap().g_loss);
    }
    assert_eq!(outputs(&measured), outputs(&plain));
}

#[test]
fn the_last_epochs_are_kept_as_snapshots_that_read_like_runs() {
    let dir = tempfile::tempdir().unwrap();
    fit(
        &mut Trainer::new(config(ModelKind::InfoGan).with_epochs(3).with_keep_epochs(Some(2)), data()).unwrap(),
        dir.path(),
    );
    let snapshots = run::epoch_snapshots(dir.path()).unwrap();
    assert_eq!(snapshots.iter().map(|(epoch, _)| *epoch).collect::<Vec<_>>(), [2, 3]);
    let kept = std::fs::read_dir(dir.path().join("epochs")).unwrap().count();
    assert_eq!(kept, 2, "no temporary folder is left behind");
    for (epoch, snapshot) in &snapshots {
        let trained = run::load_generator(snapshot, None).unwrap();
        assert_eq!(trained.state.iteration, 6 * epoch);
        assert!(run::load_q(snapshot, &trained).unwrap().is_some(), "InfoGAN's Q head is kept with D");
        assert_eq!(metrics::read(&run::metrics_path(snapshot)).unwrap().len(), 6 * epoch);
        assert_eq!(run::load_config(snapshot).unwrap().keep_epochs, Some(2), "the run's config");
        assert!(!snapshot.join("checkpoint/optim_g.bpk").exists(), "a snapshot is for scoring, not resuming");
    }
    // The last epoch's snapshot holds the checkpoint's networks, the one before other ones.
    let generator = |run: &Path| std::fs::read(run.join("checkpoint/generator.bpk")).unwrap();
    assert_eq!(generator(&snapshots[1].1), generator(dir.path()));
    assert_ne!(generator(&snapshots[0].1), generator(dir.path()));
    // A run that keeps none has none.
    let plain = tempfile::tempdir().unwrap();
    fit(&mut Trainer::new(config(ModelKind::Gan).with_epochs(1), data()).unwrap(), plain.path());
    assert!(run::epoch_snapshots(plain.path()).unwrap().is_empty() && !plain.path().join("epochs").exists());
}

#[test]
fn a_checkpoint_cut_off_between_its_renames_is_found_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config(ModelKind::Gan).with_epochs(1), data()).unwrap();
    fit(&mut trainer, dir.path());
    let saved = outputs(&Trainer::resume(dir.path(), config(ModelKind::Gan), data()).unwrap());
    // A save killed after moving `checkpoint` aside and before renaming the new one into place
    // leaves `checkpoint.old` and an unfinished `checkpoint.tmp`.
    std::fs::rename(dir.path().join("checkpoint"), dir.path().join("checkpoint.old")).unwrap();
    std::fs::create_dir(dir.path().join("checkpoint.tmp")).unwrap();
    std::fs::write(dir.path().join("checkpoint.tmp/generator.bpk"), b"cut off").unwrap();
    assert_eq!(checkpoint::find(dir.path()).unwrap(), dir.path().join("checkpoint.old"));
    let mut resumed = Trainer::resume(dir.path(), config(ModelKind::Gan), data()).unwrap();
    assert_eq!(resumed.iteration(), 6);
    assert_eq!(outputs(&resumed), saved, "the resumed networks are the checkpoint's");
    // The next save puts a whole checkpoint in place and clears both leftovers.
    fit(&mut resumed, dir.path());
    assert_eq!(checkpoint::load_state(&checkpoint::find(dir.path()).unwrap()).unwrap().iteration, 12);
    assert!(dir.path().join("checkpoint/state.json").is_file());
    assert!(!dir.path().join("checkpoint.old").exists() && !dir.path().join("checkpoint.tmp").exists());
}

#[test]
fn resume_refuses_another_batch_size_or_image_shape() {
    let dir = tempfile::tempdir().unwrap();
    fit(&mut Trainer::new(config(ModelKind::Gan).with_epochs(1), data()).unwrap(), dir.path());
    let before = folder_bytes(&dir.path().join("checkpoint"));
    let refused = |config: TrainConfig, data| match Trainer::resume(dir.path(), config, data) {
        Ok(_) => panic!("resumed with other data"),
        Err(err) => err.to_string(),
    };
    let message = refused(config(ModelKind::Gan).with_batch_size(4), data());
    assert!(
        message
            .contains("made with [1, 8, 8] images and 6 iterations per epoch, but the data now gives [1, 8, 8] and 12"),
        "{message}"
    );
    assert!(message.contains("resume with the dataset and batch size the run started with"), "{message}");
    let mut rng = Rng::new(3);
    let larger =
        TrainingData::Set(ImageSet::new([1, 16, 16], (0..48 * 256).map(|_| rng.below(256) as u8).collect(), None));
    let message = refused(config(ModelKind::Gan), larger);
    assert!(message.contains("but the data now gives [1, 16, 16] and 6"), "{message}");
    assert_eq!(folder_bytes(&dir.path().join("checkpoint")), before, "a refused resume changes nothing");
}

/// A run trained on flex continues on wgpu, and its generator gives the same images there.
#[cfg(feature = "wgpu")]
#[test]
fn a_flex_run_samples_and_resumes_on_wgpu() {
    use hsic_infogan_train::run::{self, TrainedGenerator};

    if working_device("wgpu").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(ModelKind::Hsic).with_epochs(1);
    run::save_config(&config, dir.path()).unwrap();
    fit(&mut Trainer::new(config.clone(), data()).unwrap(), dir.path());
    let images = |device: &str| {
        let TrainedGenerator { generator, device, config, .. } = run::load_generator(dir.path(), Some(device)).unwrap();
        let latent = config.latent.sample(5, &mut Rng::new(8));
        generator.forward(latent.input(&device)).into_data().try_to_vec::<f32>().unwrap()
    };
    let (flex, wgpu) = (images("flex"), images("wgpu"));
    let largest = flex.iter().zip(&wgpu).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(largest < 1e-4, "flex and wgpu images differ by up to {largest}");

    let mut resumed =
        Trainer::resume(dir.path(), config.with_epochs(2).with_device("wgpu".parse().unwrap()), data()).unwrap();
    let summary = hsic_infogan_train::fit(&mut resumed, dir.path(), &AtomicBool::new(false), &mut ()).unwrap();
    assert_eq!((summary.iterations, summary.steps), (12, 6));
    let rows = metrics::read(&dir.path().join("metrics.csv")).unwrap();
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.d_loss.is_finite() && r.g_loss.is_finite()), "{rows:?}");
    assert_eq!(checkpoint::load_state(&checkpoint::find(dir.path()).unwrap()).unwrap().iteration, 12);
}

#[test]
fn network_sizes_are_the_mnist_architecture_counted_by_hand() {
    use hsic_infogan_train::run::{NetworkSizes, network_sizes};
    // G: FC 74->1024 (no bias) + BN, FC 1024->49*128 + BN, up-conv 128->64 4x4 + BN,
    // up-conv 64->1 4x4 with bias. BN has gamma and beta; its running statistics are not trained.
    let generator = 74 * 1024 + 2 * 1024 + 1024 * 6272 + 2 * 6272 + 128 * 64 * 16 + 2 * 64 + 64 * 16 + 1;
    // D: conv 1->64 4x4 with bias, conv 64->128 4x4 + BN, FC 6272->1024 + BN, FC 1024->1 with bias.
    let discriminator = 16 * 64 + 64 + 64 * 128 * 16 + 2 * 128 + 6272 * 1024 + 2 * 1024 + 1024 + 1;
    // Q: FC 1024->128 + BN, FC 128->12 with bias.
    let q_head = 1024 * 128 + 2 * 128 + 128 * 12 + 12;
    let mnist = [1, 28, 28];
    let sizes =
        |model: ModelKind| network_sizes(&TrainConfig::new().with_regularizer(model.regularizer()), mnist).unwrap();
    assert_eq!(sizes(ModelKind::InfoGan), NetworkSizes { generator, discriminator, q_head });
    assert_eq!(sizes(ModelKind::Hsic), NetworkSizes { generator, discriminator, q_head: 0 });
}
