//! `hsic-infogan sweep` end to end: a 2 x 2 grid of 2-iteration MNIST cells, its table, CSV and
//! figures, and a second invocation that skips the finished cells.

use std::path::Path;
use std::time::SystemTime;

use hsic_infogan::sweep::figures::{LEFT, THUMB, TOP};
use hsic_infogan_train::figures::font_available;

mod common;

use common::{MNIST_DIR, fail, mnist_present, small_classifier, succeed};

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
        "sweep", "--sigma-x", sigma_x, "--lambda", lambda, "--max-iters", "2", "--n", "100", "--quiet", "--encoder-steps", "3",
        "--data-dir", MNIST_DIR, "--classifier", &classifier.display().to_string(), "--out", &out.display().to_string(),
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
    let printed = succeed(&args);
    assert!(printed.contains("[cell 4/4] σx 8 σc 1 λ 2 seed 0"), "{printed}");

    let cells = ["sx4_sc1_l0.5_seed0", "sx4_sc1_l2_seed0", "sx8_sc1_l0.5_seed0", "sx8_sc1_l2_seed0"];
    for cell in cells {
        assert!(out.join("cells").join(cell).join("eval.json").is_file(), "{cell} was scored");
        assert!(out.join("cells").join(cell).join("encoder.json").is_file(), "{cell}'s encoder was trained");
    }
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with(
        "sigma_x,sigma_c,lambda,seed,iterations,g_loss,hsic,reg_over_g,grad_ratio_start,grad_ratio_end,categorical_accuracy,encoder_accuracy,fid,c1,c2"
    ));
    // λ·HSIC / G loss grows with λ at a given width, and at the start (same initial networks)
    // the gradient ratio is exactly 4 times larger for λ 2 than for λ 0.5.
    let column = |line: &str, k: usize| line.split(',').nth(k).unwrap().parse::<f64>().unwrap();
    assert!(lines[2].starts_with("4,1,2,0,2,") && column(lines[2], 7) > 2.0 * column(lines[1], 7), "{csv}");
    let start_ratio = column(lines[2], 8) / column(lines[1], 8);
    assert!((start_ratio - 4.0).abs() < 0.01, "{csv}");
    assert!(column(lines[1], 9) > 0.0, "{csv}");
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
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    // The failed cell: no iterations, no loss means, "failed" for every score.
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[4..8], ["0", "—", "—", "—"], "{csv}");
    assert_eq!(cells[10..15], ["failed"; 5], "{csv}");
    assert_eq!(cells[15], "0.0", "{csv}");
    let scored: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(scored[4], "2", "{csv}");
    assert!(scored[10..13].iter().all(|cell| cell.parse::<f64>().is_ok()), "categorical, encoder accuracy and FID: {csv}");
}
