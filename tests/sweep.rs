//! `hsic-infogan sweep` end to end: a 2 x 2 grid of 2-iteration MNIST cells, its table, CSV and
//! figures, and a second invocation that skips the finished cells.

use std::path::Path;
use std::time::SystemTime;

use burn::config::Config;
use hsic_infogan::sweep::figures::{LEFT, THUMB, TOP};
use hsic_infogan_figures::font_available;
use hsic_infogan_train::TrainConfig;

mod common;

use common::{MNIST_DIR, fail, mnist_present, small_classifier, succeed};

/// `sweep.csv`'s header and rows, read by a CSV parser.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Whether any pixel of the rectangle is darker than light grey (a label was drawn there).
fn has_ink(image: &image::RgbImage, (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> bool {
    (y0..y1).any(|y| (x0..x1).any(|x| image.get_pixel(x, y).0.iter().all(|&v| v < 160)))
}

/// A small classifier trained in `work/classifier`, the sweep's output folder `work/sweep`, and
/// the arguments of a sweep of 2-iteration MNIST cells over `sigma_x` x `lambda` scored on 100
/// samples there.
fn mnist_sweep(work: &Path, sigma_x: &str, lambda: &str) -> (std::path::PathBuf, Vec<String>) {
    let classifier = work.join("classifier");
    small_classifier(&classifier);
    let out = work.join("sweep");
    let args = [
        "sweep",
        "--sigma-x",
        sigma_x,
        "--lambda",
        lambda,
        "--max-iters",
        "2",
        "--n",
        "100",
        "--quiet",
        "--encoder-steps",
        "3",
        "--data-dir",
        MNIST_DIR,
        "--classifier",
        &classifier.display().to_string(),
        "--out",
        &out.display().to_string(),
    ];
    (out, args.map(String::from).to_vec())
}

#[test]
fn a_2x2_sweep_writes_its_table_and_figures_and_resumes() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (out, args) = mnist_sweep(work.path(), "4,8", "0.5,2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out_arg = out.display().to_string();
    let cells = ["sx4_sc1_l0.5_seed0", "sx4_sc1_l2_seed0", "sx8_sc1_l0.5_seed0", "sx8_sc1_l2_seed0"];
    // Two shards, as two tasks of a job array would run them: each trains its half only.
    let shard = |spec: &str| succeed(&[&args[..], &["--shard", spec]].concat());
    let printed = shard("2/2");
    assert!(
        printed.contains("[cell 2/2] σx 8 σc 1 λ 2 seed 0") && printed.contains("shard 2/2: 2 cells finished"),
        "{printed}"
    );
    let scored = |cell: &str| out.join("cells").join(cell).join("eval.json").is_file();
    assert_eq!(cells.map(scored), [false, true, false, true]);
    assert!(!out.join("sweep.csv").exists(), "a shard writes no tables");
    shard("1/2");
    assert_eq!(cells.map(scored), [true; 4]);
    let shard_eval = modified(&out.join("cells").join(cells[3]).join("eval.json"));
    // Without --shard: every cell is finished, so it only collects them.
    let printed = succeed(&args);
    assert!(printed.contains("[cell 4/4] σx 8 σc 1 λ 2 seed 0"), "{printed}");
    assert_eq!(modified(&out.join("cells").join(cells[3]).join("eval.json")), shard_eval);
    for cell in cells {
        assert!(out.join("cells").join(cell).join("encoder.json").is_file(), "{cell}'s encoder was trained");
    }

    let (header, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 4);
    assert_eq!(
        header.join(","),
        "sigma_x,sigma_c,lambda,seed,iterations,g_loss,hsic,reg_over_g,grad_ratio_start,grad_ratio_end,\
         categorical_accuracy,encoder_accuracy,fid,c1_captures,c1_slant_rho,c1_thickness_rho,\
         c2_captures,c2_slant_rho,c2_thickness_rho,seconds,error"
    );
    // Plain numbers: accuracies as fractions, no units; factor names in their own columns.
    let column = |row: &[String], k: usize| row[k].parse::<f64>().unwrap_or_else(|_| panic!("column {k}: {row:?}"));
    for row in &rows {
        for k in (0..13).chain([14, 15, 17, 18, 19]) {
            column(row, k);
        }
        assert!((0.0..=1.0).contains(&column(row, 10)) && (0.0..=1.0).contains(&column(row, 11)), "{row:?}");
        assert!(["slant", "thickness", "none"].contains(&row[13].as_str()), "{row:?}");
        assert_eq!(row[20], "", "no error");
    }
    // λ·HSIC / G loss grows with λ at a given width, and at the start (same initial networks)
    // the gradient ratio is exactly 4 times larger for λ 2 than for λ 0.5.
    assert_eq!(rows[1][..5], ["4", "1", "2", "0", "2"]);
    assert!(column(&rows[1], 7) > 2.0 * column(&rows[0], 7), "{rows:?}");
    let start_ratio = column(&rows[1], 8) / column(&rows[0], 8);
    assert!((start_ratio - 4.0).abs() < 0.01, "{rows:?}");
    assert!(column(&rows[0], 9) > 0.0, "{rows:?}");
    let table = std::fs::read_to_string(out.join("sweep.md")).unwrap();
    assert_eq!(table.lines().count(), 6, "{table}");

    // Fig. 2 layout: 2 rows (sigma) x 2 columns (lambda) of thumbnails after the label margins.
    let mosaic = image::open(out.join("fig2.png")).unwrap().into_rgb8();
    assert_eq!(mosaic.dimensions(), (LEFT + 2 * (THUMB + 6), TOP + 2 * (THUMB + 6)));
    assert!(!has_ink(&mosaic, (0, 0), (LEFT, TOP)), "the corner left of the column labels is blank");
    if font_available() {
        assert!(has_ink(&mosaic, (LEFT, 0), (LEFT + THUMB, TOP)), "column label λ 0.5");
        assert!(has_ink(&mosaic, (0, TOP), (LEFT, TOP + THUMB)), "row label σx 4");
        assert!(!has_ink(&mosaic, (0, TOP + 2 * (THUMB + 6)), (LEFT, TOP + 2 * (THUMB + 6))), "no third row label");
    } else {
        // `.ci/run` installs fonts-dejavu-core.
        assert!(std::env::var_os("CI").is_none(), "CI must provide a font for the figures' labels");
        println!("SKIPPED: the labels of fig2.png (no font found; install fonts-dejavu-core or set HSIC_INFOGAN_FONT)");
    }
    assert!(image::open(out.join("accuracy.png")).is_ok());

    // Again: every cell is finished, so nothing is trained or scored a second time.
    let eval_file = out.join("cells").join(cells[0]).join("eval.json");
    let gradients_file = out.join("cells").join(cells[0]).join("gradients.json");
    let (before, gradients_before) = (modified(&eval_file), modified(&gradients_file));
    std::fs::remove_file(out.join("cells").join(cells[3]).join("eval.json")).unwrap();
    succeed(&args);
    assert_eq!(modified(&eval_file), before, "a finished cell was redone");
    assert_eq!(modified(&gradients_file), gradients_before, "a finished cell's gradients were measured again");
    assert!(out.join("cells").join(cells[3]).join("eval.json").is_file(), "the unscored cell was scored");
    let rows = std::fs::read_to_string(out.join("cells").join(cells[3]).join("metrics.csv")).unwrap();
    assert_eq!(rows.lines().count(), 3, "the trained cell kept its 2 iterations");

    let bad = fail(&["sweep", "--sigma-x", "-1", "--max-iters", "1", "--out", &out_arg]);
    assert!(bad.contains("cell sx-1_sc1_l0.5_seed0") && bad.contains("sigma"), "{bad}");
}

/// `--seeds` makes one cell per seed, each trained with its seed, and `--epochs` reaches every
/// cell's config.
#[test]
fn each_seed_is_a_cell_and_the_epochs_reach_every_cell() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (out, args) = mnist_sweep(work.path(), "8", "1");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let printed = succeed(&[&args[..], &["--seeds", "0,3", "--epochs", "2", "--no-encoder"]].concat());
    assert!(printed.contains("[cell 2/2] σx 8 σc 1 λ 1 seed 3"), "{printed}");
    let cell = |seed: u64| out.join("cells").join(format!("sx8_sc1_l1_seed{seed}"));
    for seed in [0, 3] {
        let config = TrainConfig::load(cell(seed).join("config.json")).unwrap();
        assert_eq!((config.seed, config.epochs, config.max_iters), (seed, 2, Some(2)), "seed {seed}");
    }
    // Other seeds, other networks: other losses.
    let losses = |seed| std::fs::read_to_string(cell(seed).join("metrics.csv")).unwrap();
    assert_ne!(losses(0), losses(3));
    let (_, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(rows.iter().map(|row| row[3].as_str()).collect::<Vec<_>>(), ["0", "3"], "{rows:?}");
}

#[test]
fn a_cell_whose_loss_is_not_finite_is_recorded_as_failed_and_the_sweep_goes_on() {
    if !mnist_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    // lambda 1e39 x CKA overflows f32 at the first step.
    let (out, args) = mnist_sweep(work.path(), "8", "1e39,1");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let printed = succeed(&args);
    assert!(printed.contains("[cell 2/2] σx 8 σc 1 λ 1 seed 0"), "the sweep went on:\n{printed}");
    let failed = out.join("cells").join("sx8_sc1_l1000000000000000000000000000000000000000_seed0");
    assert!(!failed.join("eval.json").exists() && !failed.join("checkpoint").exists());
    let why = std::fs::read_to_string(failed.join("failed.txt")).unwrap();
    assert!(why.contains("became -inf at iteration 1") || why.contains("became NaN at iteration 1"), "{why}");
    assert!(out.join("cells/sx8_sc1_l1_seed0/eval.json").is_file(), "the other cell was scored");
    let (header, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 2);
    // The failed cell: no iterations, empty loss means and scores, the reason in `error`.
    let failed = &rows[0];
    assert_eq!(failed[4..8], ["0", "", "", ""], "{failed:?}");
    assert!(failed[10..header.len() - 2].iter().all(String::is_empty), "{failed:?}");
    assert_eq!(failed[header.len() - 2], "0");
    assert_eq!(failed.last().unwrap(), &why);
    let scored = &rows[1];
    assert_eq!(scored[4], "2");
    assert!(
        scored[10..13].iter().all(|cell| cell.parse::<f64>().is_ok()),
        "categorical, encoder accuracy and FID: {scored:?}"
    );
    assert_eq!(scored.last().unwrap(), "");
}
