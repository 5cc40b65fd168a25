//! A trained, resumed run's TensorBoard log (`RUN/tb/`) read back: each scalar equals its
//! `metrics.csv` value at its iteration, once, across the resume; the HSIC terms add up to the
//! `hsic` column; the figures are logged at the checkpoints with their PNGs' sizes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod common;

use common::{hsic_infogan, image_folder, run, text, tiny};
use hsic_infogan_train::run::tensorboard::{Data, What, event_files, read_events};

/// tag -> step -> every value logged for it at that step, over all of the log's files.
fn scalars(run_dir: &Path) -> BTreeMap<String, BTreeMap<i64, Vec<f32>>> {
    let mut tags: BTreeMap<String, BTreeMap<i64, Vec<f32>>> = BTreeMap::new();
    for file in event_files(&run_dir.join("tb")).unwrap() {
        for event in read_events(&file).unwrap() {
            if let What::Summary(values) = event.what {
                for value in values {
                    if let Data::Scalar(v) = value.data {
                        tags.entry(value.tag).or_default().entry(event.step).or_default().push(v);
                    }
                }
            }
        }
    }
    tags
}

/// `metrics.csv` as (iteration, [d_loss, g_loss, reg_loss, hsic]).
fn metrics(run_dir: &Path) -> Vec<(i64, [f32; 4])> {
    let text = std::fs::read_to_string(run_dir.join("metrics.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[1].parse().unwrap(), [2, 3, 4, 5].map(|i| f[i].parse().unwrap()))
        })
        .collect()
}

#[test]
fn a_resumed_run_logs_each_iteration_once_with_its_metrics() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    // 24 images in batches of 4: 6 iterations an epoch; 3 now, then to 8 (through an epoch's end).
    let first = run(&tiny(&dataset, &out, &["--model", "hsic", "--max-iters", "3", "--quiet"]));
    assert!(first.status.success(), "{}", text(&first));
    let out_str = out.display().to_string();
    let resumed = hsic_infogan(&["train", "--resume", &out_str, "--max-iters", "8", "--quiet"]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert_eq!(event_files(&out.join("tb")).unwrap().len(), 1, "the resume rewrites the log into one file");

    let tags = scalars(&out);
    let rows = metrics(&out);
    assert_eq!(rows.len(), 8);
    for (name, column) in [("loss/d", 0), ("loss/g", 1), ("loss/regularizer", 2), ("hsic/sum", 3)] {
        let logged = &tags[name];
        assert_eq!(logged.keys().copied().collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>(), "{name}");
        for (iteration, values) in &rows {
            assert_eq!(logged[iteration], vec![values[column]], "{name} at {iteration}");
        }
    }
    // The default HSIC-InfoGAN has a categorical and a continuous term; their values add up to
    // `hsic`, and their lambdas are the schedule's (full weight in the first epochs).
    for (iteration, values) in &rows {
        let sum = tags["hsic/categorical"][iteration][0] + tags["hsic/continuous"][iteration][0];
        assert!((sum - values[3]).abs() <= 1e-5 * values[3].abs().max(1.0), "{sum} vs {} at {iteration}", values[3]);
        assert_eq!(tags["lambda/categorical"][iteration], vec![1.0]);
        assert_eq!(tags["lambda/continuous"][iteration], vec![1.0]);
    }
    assert_eq!(tags["time/seconds_per_iter"].len(), 8);

    let mut figures: BTreeMap<(String, i64), (u32, u32)> = BTreeMap::new();
    let mut config = None;
    for file in event_files(&out.join("tb")).unwrap() {
        for event in read_events(&file).unwrap() {
            let What::Summary(values) = event.what else { continue };
            for value in values {
                match value.data {
                    Data::Image(image) => {
                        let decoded = image::load_from_memory(&image.png).unwrap();
                        assert_eq!((decoded.width(), decoded.height()), (image.width, image.height));
                        figures.insert((value.tag, event.step), (image.width, image.height));
                    }
                    Data::Text(text) => config = Some((event.step, text)),
                    _ => {}
                }
            }
        }
    }
    // Checkpoints: the first session's end (3), the epoch's end (6), the run's end (8).
    for tag in ["figures/samples", "figures/traverse_c1", "figures/traverse_c2"] {
        let steps: Vec<i64> = figures.keys().filter(|(t, _)| t == tag).map(|(_, s)| *s).collect();
        assert_eq!(steps, [3, 6, 8], "{tag}");
    }
    // TensorBoard's own readers see the same values, once per step, and the same figures.
    let names = ["loss/d", "loss/g", "loss/regularizer", "hsic/sum"];
    if let Some(readers) = tensorboard_reads(&out, &names) {
        assert!(readers.contains_key("plain") && readers.contains_key("plugin"), "{:?}", readers.keys());
        let mut scalars: Vec<(String, i64, f64)> = names
            .iter()
            .enumerate()
            .flat_map(|(column, name)| rows.iter().map(move |(i, v)| (name.to_string(), *i, f64::from(v[column]))))
            .collect();
        scalars.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let images: Vec<(String, i64, u32, u32)> =
            figures.iter().map(|((t, s), (w, h))| (t.clone(), *s, *w, *h)).collect();
        for (reader, read) in readers {
            assert_eq!(read.0, scalars, "TensorBoard's {reader} reader");
            assert_eq!(read.1, images, "TensorBoard's {reader} reader");
        }
    }
    let samples = image::open(out.join("samples.png")).unwrap();
    assert_eq!(figures[&("figures/samples".into(), 8)], (samples.width(), samples.height()));
    let (step, config) = config.expect("the config as text");
    assert_eq!(step, 0);
    // The config the run started with: the resume changed `max_iters` in config.json since.
    let logged: serde_json::Value =
        serde_json::from_str(config.strip_prefix("```json\n").and_then(|c| c.strip_suffix("\n```")).unwrap()).unwrap();
    let mut now: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(now["max_iters"], 8);
    now["max_iters"] = 3.into();
    assert_eq!(logged, now);
}

/// What each of TensorBoard's own readers (crates/run/tests/data/tb_read.py) holds of the run:
/// reader -> its scalars of `tags` as (tag, step, value) and its images as (tag, step, width,
/// height), sorted; `None` where Python cannot import tensorboard.
type Read = (Vec<(String, i64, f64)>, Vec<(String, i64, u32, u32)>);
fn tensorboard_reads(run_dir: &Path, tags: &[&str]) -> Option<BTreeMap<String, Read>> {
    let python = std::env::var("HSIC_INFOGAN_PYTHON").unwrap_or_else(|_| "python3".into());
    if !Command::new(&python).args(["-c", "import tensorboard"]).output().is_ok_and(|o| o.status.success()) {
        println!("SKIPPED: {python} cannot import tensorboard (pip install tensorboard)");
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/run/tests/data/tb_read.py");
    let out = Command::new(&python).arg(script).arg(run_dir.join("tb")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut readers: BTreeMap<String, Read> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        if line.starts_with('#') {
            continue; // `# no data server: WHY`
        }
        let f: Vec<&str> = line.split('\t').collect();
        let read = readers.entry(f[0].into()).or_default();
        match f[1] {
            "scalar" if tags.contains(&f[2]) => {
                read.0.push((f[2].into(), f[3].parse().unwrap(), f[4].parse().unwrap()))
            }
            "image" => read.1.push((f[2].into(), f[3].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap())),
            _ => {}
        }
    }
    for (scalars, images) in readers.values_mut() {
        scalars.sort_by(|a, b| a.partial_cmp(b).unwrap());
        images.sort();
    }
    Some(readers)
}

#[test]
fn no_tensorboard_writes_no_log() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let trained = run(&tiny(&dataset, &out, &["--model", "gan", "--max-iters", "2", "--quiet", "--no-tensorboard"]));
    assert!(trained.status.success(), "{}", text(&trained));
    assert!(out.join("metrics.csv").is_file());
    assert!(!out.join("tb").exists());
}
