//! The evaluation's files fuzzed: a run's `eval.json` and its epoch snapshots' (read by `eval`
//! and `compare` for the last epochs' means), and `encoder.json` (the encoder's cached score),
//! with fields replaced by values of other types, removed, renamed or repeated, and the files
//! cut or corrupted at any byte. `eval.json` reads whole or is an error naming the file and the
//! problem; the means are computed or refused naming the snapshot; a damaged `encoder.json` is
//! no cached score. Never a panic. Deterministic: proptest is built without `std`.

#[path = "../../run/tests/fuzz_common/mod.rs"]
mod fuzz_common;

use std::path::Path;

use fuzz_common::{cut, flips, mutated, mutation};
use hsic_infogan_eval::encoder::{self, EncoderConfig};
use hsic_infogan_eval::report;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Cases per property: each writes and parses one or three JSON files of about 2 KB.
const CASES: u32 = 256;

/// A categorical score of a code with 2 values.
fn categorical(accuracy: f64) -> Value {
    json!({"accuracy": accuracy, "mapping": [3, null], "confusion": [[0, 0, 0, 5, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]})
}

/// The encoder's score at `iteration` with the default recipe.
fn encoder_score(iteration: usize) -> Value {
    json!({
        "recipe": serde_json::to_value(EncoderConfig::new()).unwrap(),
        "iteration": iteration, "final_loss": 0.4, "train_seconds": 90.0,
        "real": {
            "categorical": [categorical(0.9)],
            "continuous": [{"slant_spearman": 0.6, "thickness_spearman": 0.1, "captures": "slant"}]
        }
    })
}

/// An `eval.json` of every field, for a checkpoint at `iteration`, with two categorical codes.
fn eval_json(iteration: usize) -> Value {
    json!({
        "iteration": iteration, "epochs": iteration as f64 / 600.0, "samples": 10000, "seed": 0,
        "classifier_test_accuracy": 0.99,
        "categorical": [categorical(0.95), categorical(0.6)],
        "fid": 19.6, "fid_real": 0.3, "fid_features": report::FID_FEATURES,
        "continuous": [{"slant_spearman": 0.7, "thickness_spearman": -0.2, "captures": "slant"}],
        "digit_change": [0.05],
        "class_coverage": 3.3, "class_histogram": [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
        "encoder_accuracy": 0.9, "encoder": encoder_score(iteration),
        "q_accuracy": null, "q": null
    })
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A run evaluated at iteration 1800, its snapshots at 600 and 1200 too; returns the run folder.
fn evaluated_run(root: &Path) -> std::path::PathBuf {
    let run = root.join("run");
    write(&run.join("eval.json"), eval_json(1800).to_string().as_bytes());
    for (epoch, iteration) in [(1, 600), (2, 1200)] {
        let snapshot = run.join(format!("epochs/epoch-{epoch}"));
        let state = json!({"iteration": iteration, "iters_per_epoch": 600, "rng": 1, "image": [1, 28, 28]});
        write(&snapshot.join("checkpoint/state.json"), state.to_string().as_bytes());
        write(&snapshot.join("eval.json"), eval_json(iteration).to_string().as_bytes());
    }
    run
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_damaged_eval_json_reads_whole_or_is_an_error_naming_it(
        mutations in vec(mutation(), 1..4),
        cut in cut(),
        flips in flips(),
    ) {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("eval.json");
        write(&path, &mutated(eval_json(1800), &mutations, cut, &flips));
        if let Err(error) = report::load(root.path()) {
            let message = error.to_string();
            prop_assert!(message.starts_with(&path.display().to_string()), "{message}");
        }
    }

    #[test]
    fn the_means_over_damaged_snapshots_are_computed_or_refused_naming_the_snapshot(
        mutations in vec(mutation(), 1..4),
        cut in cut(),
        flips in flips(),
    ) {
        let root = tempfile::tempdir().unwrap();
        let run = evaluated_run(root.path());
        let snapshot = run.join("epochs/epoch-2");
        write(&snapshot.join("eval.json"), &mutated(eval_json(1200), &mutations, cut, &flips));
        match report::epoch_means(&run) {
            Ok(means) => {
                let means = means.expect("two snapshots before the checkpoint");
                prop_assert_eq!(means.epochs.len(), 3);
                prop_assert_eq!(means.accuracy.len(), 2);
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.starts_with(&snapshot.display().to_string()), "{message}");
            }
        }
    }

    #[test]
    fn a_damaged_encoder_json_is_a_cached_score_or_none(
        mutations in vec(mutation(), 0..4),
        cut in cut(),
        flips in flips(),
    ) {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("encoder.json");
        let intact = mutations.is_empty() && cut.is_none() && flips.is_empty();
        write(&path, &mutated(encoder_score(1800), &mutations, cut, &flips));
        let cached = encoder::cached(root.path(), 1800, &EncoderConfig::new());
        if intact {
            prop_assert!(cached.is_some());
        }
    }
}

#[test]
fn a_snapshot_scoring_more_codes_than_the_run_is_refused_naming_it() {
    let root = tempfile::tempdir().unwrap();
    let run = evaluated_run(root.path());
    let path = run.join("epochs/epoch-1/eval.json");
    let mut three_codes = eval_json(600);
    three_codes["categorical"].as_array_mut().unwrap().push(categorical(0.5));
    write(&path, three_codes.to_string().as_bytes());
    let message = report::epoch_means(&run).unwrap_err().to_string();
    assert!(message.starts_with(&path.display().to_string()), "{message}");
    assert!(message.contains("scores 3 categorical codes, the run's eval.json 2"), "{message}");
}

#[test]
fn a_snapshot_with_a_corrupt_eval_json_is_named_with_its_problem_not_as_unevaluated() {
    let root = tempfile::tempdir().unwrap();
    let run = evaluated_run(root.path());
    let path = run.join("epochs/epoch-2/eval.json");
    write(&path, b"{\"iteration\": 1200,");
    let message = report::epoch_means(&run).unwrap_err().to_string();
    assert!(message.starts_with(&path.display().to_string()), "{message}");
    assert!(message.contains("EOF"), "{message}");
}
