//! The files read by TensorBoard's own readers (tests/data/tb_read.py): `EventAccumulator`, the
//! `plugin_event_accumulator` behind `tensorboard --load_fast=false`, and the Rust data server
//! that `tensorboard --logdir` serves from by default. Skipped, with a message, where Python
//! cannot import tensorboard (`pip install tensorboard`; it brings the data server along).

#[path = "tensorboard_common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::{PNG, cut_last_record, fresh_dir, only_file};
use hsic_infogan_run::tensorboard::EventWriter;

/// Python with tensorboard: `HSIC_INFOGAN_PYTHON` or `python3`.
fn tensorboard_python() -> Option<String> {
    let python = std::env::var("HSIC_INFOGAN_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python).args(["-c", "import tensorboard"]).output();
    if found.is_ok_and(|o| o.status.success()) {
        Some(python)
    } else {
        println!("SKIPPED: {python} cannot import tensorboard (pip install tensorboard)");
        None
    }
}

/// A point as tb_read.py prints it, less the reader's name; a scalar's value as Rust prints the
/// double (`{:e}`, the shortest that reads back the same).
type Point = Vec<String>;

/// The readers of tb_read.py, in its order.
const READERS: [&str; 3] = ["plain", "plugin", "server"];

/// What each of TensorBoard's readers holds of the run in `dir`, sorted; `None` for the data
/// server where tb_read.py found none.
fn tensorboard_reads(python: &str, dir: &Path) -> [Option<Vec<Point>>; 3] {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tb_read.py");
    let out = Command::new(python).arg(script).arg(dir).output().expect("run tb_read.py");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "tb_read.py failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let mut reads = [Some(Vec::new()), Some(Vec::new()), Some(Vec::new())];
    for line in stdout.lines() {
        if let Some(why) = line.strip_prefix("# no data server: ") {
            println!("SKIPPED: TensorBoard's data server ({why})");
            reads[2] = None;
            continue;
        }
        let mut fields: Vec<String> = line.split('\t').map(String::from).collect();
        if fields[1] == "scalar" {
            fields[4] = format!("{:e}", fields[4].parse::<f64>().expect(line));
        }
        let reader = READERS.iter().position(|r| *r == fields[0]).expect(line);
        reads[reader].as_mut().expect(line).push(fields[1..].to_vec());
    }
    reads.iter_mut().flatten().for_each(|points| points.sort());
    reads
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A scalar point: its float32 widened to a double, as TensorBoard's readers give it.
fn scalar(tag: &str, step: i64, value: f32) -> Point {
    vec!["scalar".into(), tag.into(), step.to_string(), format!("{:e}", f64::from(value))]
}

fn sorted(mut points: Vec<Point>) -> Vec<Point> {
    points.sort();
    points
}

/// Every reader holds `expected`.
fn assert_tensorboard_reads(python: &str, dir: &Path, expected: &[Point]) {
    for (reader, points) in READERS.iter().zip(tensorboard_reads(python, dir)) {
        if let Some(points) = points {
            assert_eq!(points, expected, "{reader}");
        }
    }
}

#[test]
fn tensorboard_reads_every_scalar_image_and_text() {
    let Some(python) = tensorboard_python() else { return };
    let dir = fresh_dir("tb-all");
    let mut writer = EventWriter::create(&dir).unwrap();
    let text = "**lambda** = 1, σ = 2\n\n| a | b |\n|---|---|\n| 1 | 2 |";
    writer.text("config", 0, text).unwrap();
    let mut expected = vec![vec!["text".into(), "config".into(), "0".into(), hex(text.as_bytes())]];
    for step in [1, 2, 300, 1_000_000_000_000] {
        let (d, g) = (0.1 * step as f32, -1.5e-7 / step as f32);
        writer.scalars(step, &[("loss/d", d), ("loss/g", g)]).unwrap();
        writer.scalar("hsic", step, f32::MAX).unwrap();
        expected.extend([scalar("loss/d", step, d), scalar("loss/g", step, g), scalar("hsic", step, f32::MAX)]);
    }
    for (step, (width, height)) in [(300, (3, 2)), (600, (28, 1))] {
        writer.image("samples/grid", step, &PNG, width, height, 1).unwrap();
        let size = [width.to_string(), height.to_string(), hex(&PNG)];
        expected.push([vec!["image".into(), "samples/grid".into(), step.to_string()], size.to_vec()].concat());
    }
    writer.flush().unwrap();
    assert_tensorboard_reads(&python, &dir, &sorted(expected));
}

#[test]
fn tensorboard_stops_at_a_record_cut_by_a_kill() {
    let Some(python) = tensorboard_python() else { return };
    let dir = fresh_dir("tb-cut");
    let mut writer = EventWriter::create(&dir).unwrap();
    for step in 0..=7 {
        writer.scalar("loss", step, step as f32).unwrap();
    }
    writer.flush().unwrap();
    cut_last_record(writer.path());
    drop(writer);
    assert_tensorboard_reads(&python, &dir, &sorted((0..=6).map(|s| scalar("loss", s, s as f32)).collect()));
}

#[test]
fn tensorboard_shows_a_resumed_run_as_one_curve() {
    let Some(python) = tensorboard_python() else { return };
    let dir = fresh_dir("tb-resume");
    let mut writer = EventWriter::create(&dir).unwrap();
    for step in 0..=7 {
        writer.scalars(step, &[("loss/d", step as f32), ("loss/g", -(step as f32))]).unwrap();
    }
    writer.image("samples", 4, &PNG, 3, 2, 1).unwrap();
    writer.image("samples", 6, &PNG, 3, 2, 1).unwrap();
    writer.scalar("loss/d", 7, 7.0).unwrap();
    writer.flush().unwrap();
    let killed = writer.path().to_path_buf();
    drop(writer);
    // Killed while writing step 7's second record, after the checkpoint of step 5.
    cut_last_record(&killed);
    let killed_bytes = std::fs::read(&killed).unwrap();

    let mut writer = EventWriter::resume(&dir, 5).unwrap();
    for step in 6..=10 {
        writer.scalars(step, &[("loss/d", 100.0 + step as f32), ("loss/g", -100.0 - step as f32)]).unwrap();
    }
    writer.flush().unwrap();
    let value = |s: i64| if s > 5 { 100.0 + s as f32 } else { s as f32 };
    let mut expected: Vec<Point> =
        (0..=10).flat_map(|s| [scalar("loss/d", s, value(s)), scalar("loss/g", s, -value(s))]).collect();
    expected.push(vec!["image".into(), "samples".into(), "4".into(), "3".into(), "2".into(), hex(&PNG)]);
    let expected = sorted(expected);
    assert_eq!(only_file(&dir), writer.path());
    assert_tensorboard_reads(&python, &dir, &expected);

    // The killed file back beside the new one (a kill between the rename and the deletes): the
    // new file sorts after it; its second SessionLog.START purges what the old one gave the Python
    // readers, and its values preempt the old ones in the data server.
    std::fs::write(&killed, killed_bytes).unwrap();
    assert_tensorboard_reads(&python, &dir, &expected);
}
