//! dSprites runs (`--dataset shapes`): the literature's setup as the default, and `eval`'s
//! disentanglement metrics on rendered images, by Q and by the post-hoc encoder, and FID on the
//! factor classifier's features.

mod common;

use burn::prelude::*;
use common::succeed;
use hsic_infogan_eval::dsprites::{self, MetricSizes, Scores};
use hsic_infogan_train::models::Networks;
use hsic_infogan_train::{CodeGroup, TrainConfig};

fn flex() -> Device {
    hsic_infogan_device::parse_device("flex").unwrap()
}

/// Codes read off the image by hand: the white pixels' centroid (x, y) and their area, which
/// follow posX, posY and scale, and nothing for shape and orientation.
fn centroid_and_area(images: Tensor<4>) -> Tensor<2> {
    let [n, _, height, width] = images.dims();
    let device = images.device();
    let pixels = images.reshape([n, height * width]);
    let grid = |f: fn(usize, usize) -> usize| {
        let values: Vec<f32> = (0..height * width).map(|i| f(i / width, i % width) as f32).collect();
        Tensor::<2>::from_data(TensorData::new(values, [1, height * width]), &device)
    };
    let area = pixels.clone().sum_dim(1);
    let x = (pixels.clone() * grid(|_, col| col)).sum_dim(1) / area.clone();
    let y = (pixels * grid(|row, _| row)).sum_dim(1) / area.clone();
    Tensor::cat(vec![x, y, area], 1)
}

fn scores(network: &dyn Fn(Tensor<4>) -> Tensor<2>) -> Scores {
    let sizes = MetricSizes::fast(0).with_votes(200).with_points(2000);
    dsprites::score(network, &sizes, &flex()).unwrap()
}

#[test]
fn codes_read_off_the_rendered_images_score_as_the_factors_they_follow() {
    let hand = scores(&centroid_and_area);
    assert_eq!(hand.captures, ["posX", "posY", "scale"]);
    let noise = scores(&|images| {
        let n = images.dims()[0];
        let mut rng = hsic_infogan_train::models::Rng::new(n as u64);
        let values: Vec<f32> = (0..n * 3).map(|_| rng.normal() as f32).collect();
        Tensor::from_data(TensorData::new(values, [n, 3]), &images.device())
    });
    println!(
        "hand-made: FactorVAE {:.3} MIG {:.3} DCI-D {:.3} SAP {:.3} BetaVAE {:.3} modularity {:.3}",
        hand.factor_vae.eval_accuracy,
        hand.mig.mig,
        hand.dci.disentanglement,
        hand.sap.sap,
        hand.beta_vae.eval_accuracy,
        hand.modularity.modularity
    );
    println!(
        "noise: FactorVAE {:.3} MIG {:.3} DCI-D {:.3} SAP {:.3} BetaVAE {:.3} modularity {:.3}",
        noise.factor_vae.eval_accuracy,
        noise.mig.mig,
        noise.dci.disentanglement,
        noise.sap.sap,
        noise.beta_vae.eval_accuracy,
        noise.modularity.modularity
    );
    // Three of the five factors have a code of their own: FactorVAE's majority vote names them
    // (3/5 at least), MIG sees their gaps; noise names a factor by chance and has no gap.
    assert!(hand.factor_vae.eval_accuracy >= 0.55, "{}", hand.factor_vae.eval_accuracy);
    assert!(noise.factor_vae.eval_accuracy < 0.4, "{}", noise.factor_vae.eval_accuracy);
    assert!(hand.mig.mig > 0.25 && noise.mig.mig < 0.02, "{} {}", hand.mig.mig, noise.mig.mig);
    // The area also tells the shapes apart (a square fills more than an ellipse of its scale),
    // which spreads its importance over two factors: DCI and SAP are lower than MIG, not noise's.
    assert!(hand.dci.disentanglement > 0.3 && noise.dci.disentanglement < 0.1);
    assert!(hand.sap.sap > 0.08 && noise.sap.sap < 0.02);
    assert!(hand.beta_vae.eval_accuracy > noise.beta_vae.eval_accuracy + 0.3);
    assert_eq!(hand.mutual_information.normalized.len(), 3);
}

#[test]
fn shapes_runs_default_to_infogan_crs_dsprites_setup() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hsic");
    succeed(&[
        "train",
        "--dataset",
        "shapes",
        "--max-iters",
        "1",
        "--quiet",
        "--no-tensorboard",
        "--out",
        out.to_str().unwrap(),
    ]);
    let config = TrainConfig::read(&out.join("config.json")).unwrap();
    assert_eq!(config.networks, Some(Networks::Dsprites));
    assert_eq!((config.latent.noise, config.latent.categorical.len(), config.latent.continuous), (5, 0, 5));
    assert_eq!((config.batch_size, config.lr_d, config.lr_g), (64, 2e-4, 1e-3));
    // No categorical code, so no categorical term; one term per continuous code, 0.02 each.
    let terms = config.regularizer.hsic_terms();
    assert_eq!(
        terms.iter().map(|t| t.codes).collect::<Vec<_>>(),
        (0..5).map(CodeGroup::ContinuousCode).collect::<Vec<_>>()
    );
    assert!(terms.iter().all(|t| t.lambda == 0.02));
    assert!(config.regularizer.summary().starts_with("c1: CKA"), "{}", config.regularizer.summary());

    // The dSprites generator exports (PyTorch's names, no variant in them) and reads back.
    let weights = dir.path().join("g.safetensors");
    succeed(&["export", "--run", out.to_str().unwrap(), "--out", weights.to_str().unwrap()]);
    let (exported, layout) = hsic_infogan_train::export::read(&weights, &flex()).unwrap();
    assert_eq!(layout.networks, Some(Networks::Dsprites));
    let trained = hsic_infogan_train::run::load_generator(&out, Some("flex")).unwrap();
    let input = layout.latent().sample(4, &mut hsic_infogan_train::models::Rng::new(1)).input(&flex());
    let images = |g: &hsic_infogan_train::models::Generator| g.forward(input.clone()).into_data().try_to_vec::<f32>();
    assert_eq!(images(&exported).unwrap(), images(&trained.generator).unwrap());

    // `--hsic-per-code false`: one term for all the continuous codes.
    let out = dir.path().join("joint");
    let args = ["train", "--dataset", "shapes", "--hsic-per-code", "false", "--max-iters", "1", "--quiet"];
    succeed(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    let config = TrainConfig::read(&out.join("config.json")).unwrap();
    let codes: Vec<CodeGroup> = config.regularizer.hsic_terms().iter().map(|t| t.codes).collect();
    assert_eq!(codes, [CodeGroup::Continuous]);
}

#[test]
fn eval_of_a_shapes_run_writes_the_six_metrics_by_q_and_by_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("infogan");
    let run_arg = run.to_str().unwrap();
    succeed(&[
        "train",
        "--dataset",
        "shapes",
        "--model",
        "infogan",
        "--max-iters",
        "2",
        "--batch-size",
        "16",
        "--quiet",
        "--no-tensorboard",
        "--out",
        run_arg,
    ]);
    let no_classifier = dir.path().join("no-classifier");
    let sizes = ["--metric-votes", "40", "--metric-points", "400", "--seed", "7"];
    let eval = |extra: &[&str]| succeed(&[&["eval", "--run", run_arg][..], &sizes, extra].concat());
    let printed = eval(&["--encoder-steps", "3", "--classifier", no_classifier.to_str().unwrap()]);
    for row in [
        "Q: FactorVAE / MIG / DCI-D",
        "encoder: FactorVAE / MIG / DCI-D",
        "Q: codes capture",
        "no dSprites factor classifier",
    ] {
        assert!(printed.contains(row), "{row}: {printed}");
    }
    let report = dsprites::load(&run).unwrap();
    assert!(report.image_quality.is_none());
    assert_eq!(report.iteration, 2);
    assert_eq!(report.factors, ["shape", "scale", "orientation", "posX", "posY"]);
    assert_eq!((report.sizes.seed, report.sizes.factor_vae.num_train, report.sizes.num_train), (7, 40, 400));
    let q = report.disentanglement.q.as_ref().expect("InfoGAN's Q is scored");
    let encoder = report.disentanglement.encoder.as_ref().expect("the encoder is scored");
    assert_eq!(encoder.recipe.steps, 3);
    for scores in [q, &encoder.scores] {
        assert_eq!(scores.mutual_information.normalized.len(), 5, "one row per code");
        assert!(scores.mutual_information.normalized.iter().all(|row| row.len() == 5));
        for value in [
            scores.factor_vae.eval_accuracy,
            scores.mig.mig,
            scores.dci.disentanglement,
            scores.sap.sap,
            scores.beta_vae.eval_accuracy,
            scores.modularity.modularity,
        ] {
            assert!((0.0..=1.0).contains(&value), "{value}");
        }
        assert_eq!(scores.factor_vae.seed, 7);
    }
    // `compare` shows the main scores of dSprites runs.
    let out = dir.path().join("compare.md");
    let table = succeed(&["compare", run_arg, "--out", out.to_str().unwrap()]);
    let cell = format!("{:.2} / {:.2} / {:.2}", q.factor_vae.eval_accuracy, q.mig.mig, q.dci.disentanglement);
    assert!(table.contains("Q: FactorVAE / MIG / DCI-D") && table.contains(&cell), "{cell}: {table}");
    for name in ["q", "encoder"] {
        let png = run.join(format!("mutual_information_{name}.png"));
        assert!(image::open(&png).is_ok(), "{}", png.display());
    }

    // With a factor classifier, eval scores image quality too: FID of the generated shapes
    // against real ones, above the floor of two real draws.
    let classifier = dir.path().join("classifier");
    let classifier_arg = classifier.to_str().unwrap();
    let trained = succeed(&["classifier", "train", "--dataset", "shapes", "--steps", "3", "--out", classifier_arg]);
    assert!(trained.contains("test accuracy shape"), "{trained}");
    let printed = eval(&["--no-encoder", "--n", "300", "--classifier", classifier_arg]);
    assert!(printed.contains("FID (factor classifier features)"), "{printed}");
    let quality = dsprites::load(&run).unwrap().image_quality.expect("scored with a classifier");
    assert_eq!((quality.samples, quality.classifier_accuracy.len()), (300, 5));
    assert!(quality.fid_floor >= 0.0 && quality.fid > quality.fid_floor, "{quality:?}");
    let table = succeed(&["compare", run_arg, "--out", out.to_str().unwrap()]);
    let cell = format!("{:.2} ({:.2})", quality.fid, quality.fid_floor);
    assert!(table.contains("FID (two real draws)") && table.contains(&cell), "{cell}: {table}");
}
