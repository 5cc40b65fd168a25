//! `hsic-infogan train` and `sample` end to end, on a small image folder (and MNIST when present).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use burn::config::Config;
use common::{
    MNIST_DIR, TinyRun, fail, hsic_infogan, image_folder, image_folder_of, metric_rows, mnist_present, run, succeed,
    text, tiny, tiny_run,
};
use hsic_infogan_train::{CodeGroup, HsicInput, HsicTerm, LambdaSchedule, ModelKind, Regularizer, TrainConfig};

/// Reads an `.npy` header: (descr, shape).
fn npy_header(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    String::from_utf8(bytes[10..10 + len].to_vec()).unwrap()
}

#[test]
fn train_resume_and_sample_a_run() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let first = run(&tiny(&dataset, &out, &["--model", "gan", "--max-iters", "3", "--quiet"]));
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("Trained 3 iterations"), "{}", text(&first));
    for file in ["config.json", "metrics.csv", "checkpoint/state.json", "traverse_c1.png", "samples.png", "losses.png"]
    {
        assert!(out.join(file).is_file(), "missing {file}");
    }
    assert_eq!(metric_rows(&out), 3);

    let again = run(&tiny(&dataset, &out, &["--max-iters", "3"]));
    assert!(!again.status.success());
    assert!(text(&again).contains("already holds a run"), "{}", text(&again));

    let out_str = out.display().to_string();
    let resumed = hsic_infogan(&["train", "--resume", &out_str, "--max-iters", "5", "--quiet"]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert_eq!(metric_rows(&out), 5);

    let npy = work.path().join("gen.npy");
    let npy_str = npy.display().to_string();
    let sampled = hsic_infogan(&["sample", "--run", &out_str, "--n", "7", "--npy", &npy_str]);
    assert!(sampled.status.success(), "{}", text(&sampled));
    assert!(npy_header(&npy).contains("'descr': '<f4', 'fortran_order': False, 'shape': (7, 1, 8, 8)"));
    assert!(npy_header(&work.path().join("gen_codes.npy")).contains("'shape': (7, 5)"));
    assert!(npy_header(&work.path().join("gen_categories.npy")).contains("'<i8'"));
    assert_eq!(std::fs::metadata(&npy).unwrap().len() as usize, 128 + 7 * 64 * 4);
}

#[test]
fn bad_flags_fail_with_a_message() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("never").display().to_string();
    let cases: [(&[&str], &str); 13] = [
        (&["train", "--model", "vae"], "unknown model `vae`"),
        (
            &["train", "--hsic-joint", "--hsic-input-cont", "pixels", "--out", &out],
            "'--hsic-joint' cannot be used with '--hsic-input-cont <HSIC_INPUT_CONT>'",
        ),
        (
            &["train", "--hsic-joint", "--lambda-cat", "2", "--out", &out],
            "'--hsic-joint' cannot be used with '--lambda-cat",
        ),
        (
            &["train", "--lambda-hold", "2", "--lambda-floor", "1.5", "--out", &out],
            "floor must be a fraction of lambda in [0, 1], got 1.5",
        ),
        (&["train", "--constant-lambda", "--lambda-decay", "2", "--out", &out], "cannot be used with"),
        (
            &["train", "--model", "infogan", "--info-continuous-weight", "-1", "--out", &out],
            "continuous weight must be a finite number >= 0, got -1",
        ),
        (&["train", "--lambda", "-1", "--out", &out], "lambda must be a finite number >= 0, got -1"),
        (
            &["train", "--estimator", "unbiased", "--batch-size", "3", "--out", &out],
            "batch size 3 is below the unbiased HSIC estimator's minimum of 4",
        ),
        (&["train", "--dataset", "folder:/nonexistent/images", "--out", &out], "/nonexistent/images"),
        (
            &["train", "--hsic-joint", "--kernel-c", "product", "--continuous", "0", "--out", &out],
            "product kernel split at column 10 needs samples wider than 10",
        ),
        (&["train", "--kernel-x", "product", "--out", &out], "a product kernel splits the codes"),
        (&["sample", "--run", "/nonexistent/run"], "not a run folder"),
        (&["classifier", "train", "--epochs", "0"], "--epochs must be at least 1"),
    ];
    for (args, needle) in cases {
        let output = hsic_infogan(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(text(&output).contains(needle), "{args:?}: `{}` lacks `{needle}`", text(&output));
    }
    assert!(!work.path().join("never").exists(), "a refused run must not leave a folder");
}

#[cfg(unix)]
#[test]
fn ctrl_c_writes_a_checkpoint_and_says_how_to_resume() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let args = tiny(&dataset, &out, &["--model", "hsic", "--epochs", "100000", "--quiet"]);
    let child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while metric_rows(&out) < 2 {
        assert!(start.elapsed() < Duration::from_secs(120), "training did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Ctrl-C: SIGINT to the process, sent directly (no `kill` command needed on the machine).
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` only sends a signal; `pid` is our child, not yet waited for, so still ours.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0, "{}", std::io::Error::last_os_error());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("Continue with: hsic-infogan train --resume"), "{}", text(&output));
    let state = std::fs::read_to_string(out.join("checkpoint/state.json")).unwrap();
    assert!(state.contains(&format!("\"iteration\": {}", metric_rows(&out))), "{state}");
}

/// `--checkpoint-every 1s` checkpoints inside an epoch, once a second: the first two
/// checkpoints of a run of 500 iterations per epoch both fall before the epoch's end, at least
/// (nearly) a second apart and more than one iteration apart.
#[test]
fn a_time_based_checkpoint_interval_checkpoints_inside_an_epoch() {
    use hsic_infogan_train::run::checkpoint;
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder_of(images.path(), 2000);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let args = tiny(&dataset, &out, &["--model", "gan", "--checkpoint-every", "1s", "--quiet"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint_iteration = || checkpoint::load_state(&checkpoint::find(&out).ok()?).ok().map(|s| s.iteration);
    let start = Instant::now();
    // (when it was seen, its iteration) of each checkpoint, until the second one or the epoch's end.
    let mut seen: Vec<(Instant, usize)> = Vec::new();
    while seen.len() < 2 && seen.last().is_none_or(|&(_, i)| i < 500) {
        assert!(child.try_wait().unwrap().is_none(), "the training ended");
        assert!(start.elapsed() < Duration::from_secs(120), "no checkpoints in 2 minutes: {seen:?}");
        if let Some(iteration) = checkpoint_iteration()
            && seen.last().is_none_or(|&(_, i)| i != iteration)
        {
            seen.push((Instant::now(), iteration));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let [(first_seen, first), (second_seen, second)] = seen[..] else {
        panic!("expected two checkpoints inside the first epoch, saw (time, iteration) {seen:?}")
    };
    assert!(0 < first && first + 1 < second && second < 500, "checkpoints at iterations {first} and {second}");
    let apart = (second_seen - first_seen).as_secs_f64();
    assert!(apart > 0.8, "checkpoints {apart:.3} s apart");
    let config = TrainConfig::load(out.join("config.json")).unwrap();
    assert_eq!(config.checkpoint_minutes, Some(1.0 / 60.0));
}

#[test]
fn mnist_training_writes_the_papers_traversal_layout() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run").display().to_string();
    let args = ["train", "--model", "infogan", "--data-dir", MNIST_DIR, "--max-iters", "2", "--out", &out];
    let output = hsic_infogan(&args);
    assert!(output.status.success(), "{}", text(&output));
    // 10 digits x 10 code values of 28x28 images with 2-pixel gaps.
    let figure = image::open(Path::new(&out).join("traverse_c2.png")).unwrap();
    assert_eq!((figure.width(), figure.height()), (302, 302));
}

#[test]
fn a_config_file_sets_a_new_run_and_the_allowed_flags_change_it() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let (first, second) = (work.path().join("first"), work.path().join("second"));
    let output = run(&tiny(&dataset, &first, &["--max-iters", "2", "--lambda", "3", "--quiet"]));
    assert!(output.status.success(), "{}", text(&output));
    let file = first.join("config.json").display().to_string();
    let out = second.display().to_string();
    let output =
        hsic_infogan(&["train", "--config", &file, "--seed", "7", "--max-iters", "3", "--quiet", "--out", &out]);
    assert!(output.status.success(), "{}", text(&output));
    let (a, b) =
        (TrainConfig::load(first.join("config.json")).unwrap(), TrainConfig::load(second.join("config.json")).unwrap());
    assert_eq!((b.seed, b.max_iters, b.regularizer.hsic_terms()[0].lambda), (7, Some(3), 3.0));
    let expected = TrainConfig { seed: 7, max_iters: Some(3), ..a };
    assert_eq!(format!("{expected:?}"), format!("{b:?}"));
    assert_eq!(metric_rows(&second), 3);

    let third = work.path().join("third").display().to_string();
    // Setting flags are refused beside --config: one of its own and the shared --device.
    for flag in [["--lambda", "2"], ["--device", "flex"]] {
        let conflict = fail(&["train", "--config", &file, flag[0], flag[1], "--out", &third]);
        assert!(conflict.contains("cannot be used with") && conflict.contains(flag[0]), "{conflict}");
    }
    let missing = fail(&["train", "--config", "/nonexistent/config.json", "--out", &third]);
    assert!(missing.contains("/nonexistent/config.json"), "{missing}");
    assert!(!Path::new(&third).exists());
}

/// Every file below `dir`, by relative path, with its bytes.
fn tree_bytes(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn error_paths_say_what_is_wrong_and_change_nothing_on_disk() {
    let TinyRun { _images, work, dataset, out } = tiny_run();
    let path = |name: &str| work.path().join(name).display().to_string();
    let run_dir = out.display().to_string();
    std::fs::create_dir(work.path().join("plain")).unwrap();
    std::fs::write(work.path().join("plain/notes.txt"), "mine").unwrap();
    std::fs::write(work.path().join("bad.json"), "{\"regularizer\": ").unwrap();
    let before = tree_bytes(work.path());

    let tiny_with = |extra: &[&str]| tiny(&dataset, &work.path().join("new"), extra);
    // Exit status 2 for a usage error that clap catches, 1 for the rest.
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (vec!["train".into(), "--resume".into(), path("plain")], 1, "plain: not a run folder: it has no config.json"),
        (
            vec!["train".into(), "--resume".into(), run_dir.clone(), "--out".into(), path("new")],
            2,
            "cannot be used with",
        ),
        (
            vec!["train".into(), "--config".into(), path("bad.json"), "--out".into(), path("new")],
            1,
            "bad.json: not a training config",
        ),
        (
            vec![
                "sample".into(),
                "--run".into(),
                run_dir.clone(),
                "--n".into(),
                "0".into(),
                "--npy".into(),
                path("x.npy"),
            ],
            1,
            "--n must be at least 1",
        ),
        (tiny_with(&["--epochs", "0"]), 1, "epochs must be at least 1"),
        (tiny_with(&["--max-iters", "0"]), 1, "max iterations must be at least 1"),
    ];
    for (args, status, needle) in cases {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {}", text(&output));
        assert!(text(&output).contains(needle), "{args:?}: `{}` lacks `{needle}`", text(&output));
        assert_eq!(tree_bytes(work.path()), before, "{args:?} changed the files");
    }

    // A loss that becomes NaN ends the run with exit status 1, and says there is no checkpoint.
    let nan = work.path().join("nan");
    let output = run(&tiny(&dataset, &nan, &["--lr-d", "1e30", "--lr-g", "1e30", "--max-iters", "30", "--quiet"]));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("training stopped there. The run has no checkpoint yet."), "{}", text(&output));
    assert!(!nan.join("checkpoint").exists());
}

/// A compiled wgpu backend without a Vulkan or GL driver is a clear error, not a crash.
#[cfg(feature = "wgpu")]
#[test]
fn wgpu_without_an_adapter_is_a_clear_error() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(tiny(&dataset, &out, &["--max-iters", "2", "--device", "wgpu"]))
        // No Vulkan driver and no EGL vendor: wgpu finds no adapter.
        .env("VK_ICD_FILENAMES", "/nonexistent.json")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent.json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("device `wgpu` does not work"), "{}", text(&output));
    assert!(!out.exists(), "a refused run must not leave a folder");
}

/// Reads an `.npy` file's data (after its header) as little-endian values of `N` bytes.
fn npy_values<const N: usize>(path: &Path) -> Vec<[u8; N]> {
    let bytes = std::fs::read(path).unwrap();
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    bytes[10 + len..].chunks(N).map(|c| c.try_into().unwrap()).collect()
}

#[test]
fn sample_npy_holds_the_generators_images_for_the_written_codes() {
    use hsic_infogan_models::Rng;
    use hsic_infogan_train::run::{self as run_folder, TrainedGenerator};

    let TinyRun { work, out, .. } = tiny_run();
    let npy = work.path().join("gen.npy");
    let args =
        ["sample", "--run", &out.display().to_string(), "--n", "7", "--seed", "5", "--npy", &npy.display().to_string()];
    let output = hsic_infogan(&args);
    assert!(output.status.success(), "{}", text(&output));

    // The documented sampling: 7 latents from the layout with Rng::new(seed), through G.
    let TrainedGenerator { config, generator, device, .. } = run_folder::load_generator(&out, Some("flex")).unwrap();
    let latent = config.latent.sample(7, &mut Rng::new(5));
    let expected: Vec<f32> = generator.forward(latent.input(&device)).into_data().try_to_vec().unwrap();
    let written: Vec<f32> = npy_values::<4>(&npy).into_iter().map(f32::from_le_bytes).collect();
    assert_eq!(written.len(), expected.len());
    let largest = written.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(largest < 1e-6, "images differ from G's output by up to {largest}");
    let codes: Vec<f32> =
        npy_values::<4>(&work.path().join("gen_codes.npy")).into_iter().map(f32::from_le_bytes).collect();
    assert_eq!(codes, latent.codes());
    let categories: Vec<i64> =
        npy_values::<8>(&work.path().join("gen_categories.npy")).into_iter().map(i64::from_le_bytes).collect();
    assert_eq!(categories, latent.categories.iter().map(|&v| v as i64).collect::<Vec<_>>());
}

/// A folder of 24 random 8x8 colour PNGs.
fn rgb_folder(dir: &Path) -> String {
    let mut state = 7u32;
    for i in 0..24 {
        let image = image::RgbImage::from_fn(8, 8, |_, _| {
            let mut channel = || {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            };
            image::Rgb([channel(), channel(), channel()])
        });
        image.save(dir.join(format!("{i:02}.png"))).unwrap();
    }
    format!("folder:{}", dir.display())
}

/// Column `index` of a run's metrics (4: the regulariser, 5: HSIC).
fn metric_column(run: &Path, index: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    text.lines().skip(1).map(|line| line.split(',').nth(index).unwrap().parse().unwrap()).collect()
}

#[test]
fn shapes_rgb_folders_and_every_hsic_setting_train_end_to_end() {
    let work = tempfile::tempdir().unwrap();
    let train = |dataset: &str, name: &str, extra: &[&str]| {
        let out = work.path().join(name);
        let output = run(&tiny(dataset, &out, &[&["--max-iters", "2", "--quiet"], extra].concat()));
        assert!(output.status.success(), "{name}: {}", text(&output));
        out
    };

    // dSprites-style shapes (64x64 whatever --image-size says, which is for folders): grey
    // traversals, 3 rows (categorical values) of 10.
    let shapes = train("shapes", "shapes", &[]);
    let figure = image::open(shapes.join("traverse_c1.png")).unwrap();
    assert_eq!((figure.width(), figure.height(), figure.color()), (10 * 66 + 2, 3 * 66 + 2, image::ColorType::L8));

    // A colour folder with --rgb: colour figures.
    let colours = tempfile::tempdir().unwrap();
    let rgb = train(&rgb_folder(colours.path()), "rgb", &["--rgb"]);
    let samples = image::open(rgb.join("samples.png")).unwrap();
    assert_eq!((samples.width(), samples.color()), (102, image::ColorType::Rgb8));
    assert!(TrainConfig::load(rgb.join("config.json")).unwrap().rgb);

    // Each HSIC setting trains and records finite HSIC values (CKA ones in [0, 1]).
    let grey = tempfile::tempdir().unwrap();
    let folder = image_folder(grey.path());
    for (name, extra) in [
        ("default", &["--model", "hsic"][..]),
        ("paper", &["--model", "hsic", "--hsic-joint", "--constant-lambda"]),
        ("median_linear", &["--model", "hsic", "--hsic-joint", "--kernel-x", "median", "--kernel-c", "linear"]),
        ("scale_by_dim", &["--model", "hsic", "--hsic-joint", "--scale-by-dim", "--sigma-x", "0.5"]),
        ("unbiased", &["--model", "hsic", "--hsic-joint", "--estimator", "unbiased", "--lambda", "10"]),
        ("biased", &["--model", "hsic", "--hsic-joint", "--estimator", "biased", "--lambda", "10"]),
        ("delta_categorical", &["--model", "hsic", "--kernel-cat", "linear"]),
        ("product", &["--model", "hsic", "--hsic-joint", "--kernel-c", "product", "--sigma-c", "0.5"]),
        ("inputs_swapped", &["--model", "hsic", "--hsic-input-cat", "pixels", "--hsic-input-cont", "features"]),
        (
            "per_group",
            &[
                "--model",
                "hsic",
                "--sigma-cat",
                "0.3",
                "--sigma-cont",
                "0.7",
                "--lambda-cat",
                "2",
                "--lambda-cont",
                "5",
            ],
        ),
        (
            "features_scheduled",
            &[
                "--model",
                "hsic",
                "--hsic-joint",
                "--hsic-input",
                "features",
                "--lambda",
                "2",
                "--lambda-hold",
                "0",
                "--lambda-decay",
                "0.5",
                "--lambda-floor",
                "0.25",
            ],
        ),
    ] {
        let out = train(&folder, name, extra);
        let values = metric_column(&out, 5);
        assert_eq!(values.len(), 2, "{name}");
        assert!(values.iter().all(|v| v.is_finite()), "{name}: {values:?}");
        let config = TrainConfig::load(out.join("config.json")).unwrap();
        let terms = config.regularizer.hsic_terms();
        match name {
            "default" => {
                assert_eq!(format!("{:?}", config.regularizer), format!("{:?}", ModelKind::Hsic.regularizer()))
            }
            "paper" => assert_eq!(format!("{terms:?}"), format!("{:?}", [HsicTerm::new()])),
            "median_linear" => assert_eq!(
                (&terms[0].hsic.kernel_x, &terms[0].hsic.kernel_y),
                (&hsic::Kernel::GaussianMedian, &hsic::Kernel::Linear)
            ),
            "scale_by_dim" => assert!(terms[0].hsic.scale_by_dim),
            // The delta kernel on the one-hot columns (one per class of the folder) times a
            // Gaussian on the continuous codes.
            "product" => assert_eq!(
                terms[0].hsic.kernel_y,
                hsic::Kernel::product(config.latent.one_hot_size(), hsic::Kernel::Linear, hsic::Kernel::gaussian(0.5))
            ),
            "delta_categorical" => assert_eq!(
                (&terms[0].hsic.kernel_y, &terms[1].hsic.kernel_y),
                (&hsic::Kernel::Linear, &hsic::Kernel::gaussian(1.0))
            ),
            // Each term's image kernel follows its input: sigma_x on pixels, median on features.
            "inputs_swapped" => assert_eq!(
                [(terms[0].input, &terms[0].hsic.kernel_x), (terms[1].input, &terms[1].hsic.kernel_x)],
                [
                    (HsicInput::Pixels, &hsic::Kernel::gaussian(8.0)),
                    (HsicInput::Features, &hsic::Kernel::GaussianMedian)
                ]
            ),
            // Each group's own width and weight, in its own term.
            "per_group" => assert_eq!(
                terms.iter().map(|t| (t.codes, &t.hsic.kernel_y, t.lambda)).collect::<Vec<_>>(),
                [
                    (CodeGroup::Categorical, &hsic::Kernel::gaussian(0.3), 2.0),
                    (CodeGroup::Continuous, &hsic::Kernel::gaussian(0.7), 5.0)
                ]
            ),
            "features_scheduled" => {
                assert_eq!(
                    (terms[0].input, &terms[0].hsic.kernel_x),
                    (HsicInput::Features, &hsic::Kernel::GaussianMedian)
                );
                assert_eq!(terms[0].schedule, Some(LambdaSchedule::new(0.0).with_decay(0.5).with_floor(0.25)));
                // 6 iterations per epoch: the second runs at epoch 1/6, a third of the way down
                // from 1 to 0.25, so G's loss holds -2 * 1 * HSIC, then -2 * 0.75 * HSIC.
                let regularizer = metric_column(&out, 4);
                for (k, factor) in [1.0, 0.75].into_iter().enumerate() {
                    let expected = -2.0 * factor * values[k];
                    assert!(
                        (regularizer[k] - expected).abs() < 1e-5 * expected.abs(),
                        "iteration {k}: {regularizer:?} {values:?}"
                    );
                }
            }
            _ => {}
        }
        if !matches!(name, "unbiased" | "biased") {
            assert!(values.iter().all(|v| (0.0..=terms.len() as f64).contains(v)), "{name}: {values:?}");
        }
    }

    // InfoGAN with the original code's continuous weight.
    let out = train(&folder, "infogan_w1", &["--model", "infogan", "--info-continuous-weight", "1"]);
    let config = TrainConfig::load(out.join("config.json")).unwrap();
    assert!(matches!(config.regularizer, Regularizer::InfoGan { continuous_weight } if continuous_weight == 1.0));
}

#[test]
fn keep_epochs_snapshots_the_last_epochs_and_a_resume_can_change_it() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let out_str = out.display().to_string();
    let snapshots = || {
        let mut names: Vec<String> = std::fs::read_dir(out.join("epochs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // 6 iterations per epoch.
    let trained = run(&tiny(&dataset, &out, &["--model", "gan", "--epochs", "2", "--keep-epochs", "1", "--quiet"]));
    assert!(trained.status.success(), "{}", text(&trained));
    assert_eq!(snapshots(), ["epoch-2"]);
    succeed(&["train", "--resume", &out_str, "--epochs", "4", "--keep-epochs", "2", "--quiet"]);
    assert_eq!(snapshots(), ["epoch-2", "epoch-3", "epoch-4"]);
    let config = std::fs::read_to_string(out.join("config.json")).unwrap();
    assert!(config.contains("\"keep_epochs\": 2"), "{config}");
    // A snapshot reads like a run.
    let snapshot = out.join("epochs/epoch-3").display().to_string();
    let npy = work.path().join("epoch3.npy").display().to_string();
    succeed(&["sample", "--run", &snapshot, "--n", "3", "--npy", &npy]);
    assert!(npy_header(Path::new(&npy)).contains("'shape': (3, 1, 8, 8)"));
}

#[test]
fn every_epoch_keeps_its_figures_and_the_animation_plays_them_in_order() {
    use image::AnimationDecoder;
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    // 24 images in batches of 4: 6 iterations per epoch; a high learning rate so epochs differ.
    let trained = run(&tiny(&dataset, &out, &["--model", "gan", "--epochs", "3", "--lr-g", "0.05", "--quiet"]));
    assert!(trained.status.success(), "{}", text(&trained));
    let history = out.join("figures");
    let mut kept: Vec<String> =
        std::fs::read_dir(&history).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    kept.sort();
    let mut expected: Vec<String> = ["samples", "traverse_c1", "traverse_c2"]
        .iter()
        .flat_map(|name| (1..=3).map(move |e| format!("epoch_{e:03}_{name}.png")).chain([format!("{name}.gif")]))
        .collect();
    expected.sort();
    assert_eq!(kept, expected);
    // The last epoch's copy is the figure the run shows now.
    assert_eq!(
        std::fs::read(history.join("epoch_003_traverse_c1.png")).unwrap(),
        std::fs::read(out.join("traverse_c1.png")).unwrap()
    );

    let gif = std::fs::File::open(history.join("traverse_c1.gif")).unwrap();
    let frames = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(gif))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap();
    assert_eq!(frames.len(), 3);
    let epoch = |e: usize| image::open(history.join(format!("epoch_{e:03}_traverse_c1.png"))).unwrap().into_luma8();
    // Each frame shows its epoch (up to the GIF palette's rounding), not another one.
    let distance = |frame: &image::Frame, e: usize| {
        let grey = image::DynamicImage::ImageRgba8(frame.buffer().clone()).into_luma8();
        grey.pixels().zip(epoch(e).pixels()).map(|(a, b)| (f64::from(a.0[0]) - f64::from(b.0[0])).abs()).sum::<f64>()
            / grey.len() as f64
    };
    for (k, frame) in frames.iter().enumerate() {
        let own = distance(frame, k + 1);
        assert!(own < 2.0, "frame {k}: {own} levels from its epoch");
        for other in (1..=3).filter(|&e| e != k + 1) {
            assert!(distance(frame, other) > own, "frame {k} is closer to epoch {other}");
        }
    }
}
