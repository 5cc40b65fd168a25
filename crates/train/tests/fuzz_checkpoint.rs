//! A real checkpoint of a tiny InfoGAN run, and its generator exported as safetensors, fuzzed:
//! each file cut or corrupted at any byte (most often in its first 4 KiB, where the headers and
//! the tensors' names and shapes are), and the sizes that `config.json`, `state.json` and the
//! export's JSON announce replaced by any others. Loading (G for `eval` and `sample`, D's Q head,
//! everything for a resume; the export read back) gives networks or an error naming a file of
//! the run, never a panic, and never allocates networks of the announced sizes before the files
//! are checked to hold them. Deterministic: proptest is built without `std`.

mod common;
#[path = "../../run/tests/fuzz_common/mod.rs"]
mod fuzz_common;
#[path = "../../data/tests/common/largest_allocation.rs"]
mod largest_allocation;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::prelude::*;
use common::{config, data};
use fuzz_common::{mutated, mutation};
use hsic_infogan_train::export;
use hsic_infogan_train::run::{self, checkpoint};
use hsic_infogan_train::{ModelKind, TrainError, Trainer};
use largest_allocation::{LargestAllocation, largest_allocation};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Cases per property: a load builds and reads the tiny networks (about 4 MB of weights and
/// Adam states) in tens of milliseconds.
const CASES: u32 = 48;

/// The most a load of the tiny run may allocate at once: its largest file is about 4 MB.
const ALLOCATION_BOUND: usize = 32 << 20;

/// The files of a checkpoint.
const FILES: [&str; 5] = ["generator.bpk", "discriminator.bpk", "optim_g.bpk", "optim_d.bpk", "state.json"];

/// A copy of an InfoGAN run of 2 iterations (InfoGAN: D has a Q head that `load_q` reads), with
/// its generator exported to `run/export.safetensors`.
fn trained_run() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    let run = work.path();
    let planned = config(ModelKind::InfoGan).with_max_iters(Some(2));
    let mut trainer = Trainer::new(planned.clone(), data()).unwrap();
    hsic_infogan_train::fit(&mut trainer, run, &AtomicBool::new(false), &mut ()).unwrap();
    run::save_config(&planned, run).unwrap();
    export::write(&run::load_generator(run, Some("flex")).unwrap(), &run.join("export.safetensors")).unwrap();
    work
}

/// Where to damage a file: in its first 4 KiB (headers, names, shapes) or anywhere.
fn spot() -> impl Strategy<Value = (bool, Index)> {
    (any::<bool>(), any::<Index>())
}

fn at(len: usize, (head, index): (bool, Index)) -> usize {
    index.index(if head { len.min(4096) } else { len })
}

/// `bytes` cut at `cut`, then with the bytes at `flips` flipped by their masks.
fn damage(mut bytes: Vec<u8>, cut: Option<(bool, Index)>, flips: &[((bool, Index), u8)]) -> Vec<u8> {
    if let Some(cut) = cut {
        bytes.truncate(at(bytes.len(), cut));
    }
    for &(spot, mask) in flips {
        if !bytes.is_empty() {
            let i = at(bytes.len(), spot);
            bytes[i] ^= mask;
        }
    }
    bytes
}

/// Everything that reads a checkpoint: G with its config and state, D's Q head, and a resume.
fn load_everything(run: &Path) -> Result<(), TrainError> {
    let trained = run::load_generator(run, Some("flex"))?;
    run::load_q(run, &trained)?.expect("InfoGAN's Q");
    Trainer::resume(run, run::load_config(run)?, data())?;
    Ok(())
}

/// `path` holds `bytes` while `f` runs, then its own bytes again.
fn with_file<T>(path: &Path, bytes: &[u8], f: impl FnOnce() -> T) -> T {
    let intact = std::fs::read(path).unwrap();
    std::fs::write(path, bytes).unwrap();
    let result = f();
    std::fs::write(path, intact).unwrap();
    result
}

/// Fails unless the load returned (rather than panicked) networks, or an error whose message
/// starts with one of `paths` (a file, or a folder followed by `: `).
fn ok_or_naming(
    result: std::thread::Result<Result<(), TrainError>>,
    paths: &[String],
    damage: &str,
) -> Result<(), TestCaseError> {
    let Ok(result) = result else {
        return Err(TestCaseError::fail(format!("panicked on {damage}")));
    };
    if let Err(error) = result {
        let message = error.to_string();
        prop_assert!(
            paths.iter().any(|path| message.starts_with(path)),
            "{damage}: names none of {paths:?}: {message}"
        );
    }
    Ok(())
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// A folder as an error names it when the problem is between its files.
fn folder(path: &Path) -> String {
    format!("{}: ", path.display())
}

#[test]
fn a_checkpoint_file_cut_or_corrupted_anywhere_loads_or_is_an_error_naming_it() {
    let work = trained_run();
    let run = work.path();
    let dir = checkpoint::path(run);
    let strategy = (select(&FILES[..]), prop::option::of(spot()), vec((spot(), 1u8..=255), 0..4));
    proptest!(ProptestConfig::with_cases(CASES), |((file, cut, flips) in strategy)| {
        let path = dir.join(file);
        let bytes = damage(std::fs::read(&path).unwrap(), cut, &flips);
        let outcome = with_file(&path, &bytes, || catch_unwind(AssertUnwindSafe(|| load_everything(run))));
        // A resume names the checkpoint folder when the state does not fit the data.
        ok_or_naming(outcome, &[shown(&path), folder(&dir)], &format!("{file} cut at {cut:?}, flipped at {flips:?}"))?;
    });
}

#[test]
fn sizes_from_a_damaged_config_or_state_are_checked_against_the_checkpoint_before_allocating() {
    let work = trained_run();
    let run = work.path();
    let state_path = checkpoint::path(run).join("state.json");
    let config_path = run::config_path(run);
    let size = || prop_oneof![0u64..20, Just(u64::MAX), Just(1 << 20), 0u64..(1 << 40)];
    let strategy = (size(), size(), size(), size(), size());
    proptest!(ProptestConfig::with_cases(CASES), |((noise, values, continuous, height, width) in strategy)| {
        let mut config: Value = serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
        config["latent"] = json!({"noise": noise, "categorical": [values], "continuous": continuous});
        let mut state: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
        state["image"] = json!([1, height, width]);
        let (outcome, largest) = with_file(&config_path, config.to_string().as_bytes(), || {
            with_file(&state_path, state.to_string().as_bytes(), || {
                largest_allocation(|| catch_unwind(AssertUnwindSafe(|| load_everything(run))))
            })
        });
        let damage = format!("latent {} and image {}", config["latent"], state["image"]);
        prop_assert!(largest < ALLOCATION_BOUND, "{damage}: allocated {largest} bytes");
        let dir = checkpoint::path(run);
        let named = [shown(&config_path), shown(&state_path), shown(&dir.join("generator.bpk")), folder(&dir)];
        ok_or_naming(outcome, &named, &damage)?;
    });
}

#[test]
fn an_export_cut_corrupted_or_with_a_damaged_layout_reads_back_or_is_an_error_naming_it() {
    let work = trained_run();
    let weights = work.path().join("export.safetensors");
    let layout = export::layout_path(&weights);
    let layout_json: Value = serde_json::from_slice(&std::fs::read(&layout).unwrap()).unwrap();
    let strategy = (prop::option::of(spot()), vec((spot(), 1u8..=255), 0..3), vec(mutation(), 0..3));
    proptest!(ProptestConfig::with_cases(CASES), |((cut, flips, mutations) in strategy)| {
        let bytes = damage(std::fs::read(&weights).unwrap(), cut, &flips);
        let layout_bytes = mutated(layout_json.clone(), &mutations, None, &[]);
        let (outcome, largest) = with_file(&weights, &bytes, || {
            with_file(&layout, &layout_bytes, || {
                largest_allocation(|| catch_unwind(AssertUnwindSafe(|| export::read(&weights, &Device::flex()).map(drop))))
            })
        });
        let damage = format!("weights cut at {cut:?}, flipped at {flips:?}; layout {mutations:?}");
        prop_assert!(largest < ALLOCATION_BOUND, "{damage}: allocated {largest} bytes");
        ok_or_naming(outcome, &[shown(&weights), shown(&layout)], &damage)?;
    });
}

#[test]
fn sizes_from_a_damaged_export_layout_are_checked_against_the_weights_before_allocating() {
    let work = trained_run();
    let weights = work.path().join("export.safetensors");
    let layout = export::layout_path(&weights);
    let intact: Value = serde_json::from_slice(&std::fs::read(&layout).unwrap()).unwrap();
    let size = || prop_oneof![0u64..20, Just(u64::MAX), Just(1 << 20), 0u64..(1 << 40)];
    let strategy = ((size(), size(), size(), size()), (size(), size(), size()));
    proptest!(ProptestConfig::with_cases(CASES), |(((noise, values, continuous, input_size), image) in strategy)| {
        let mut damaged = intact.clone();
        damaged["noise"] = json!(noise);
        damaged["categorical"] = json!([values]);
        damaged["continuous"] = json!(continuous);
        damaged["input_size"] = json!(input_size);
        damaged["image"] = json!([image.0, image.1, image.2]);
        let (outcome, largest) = with_file(&layout, damaged.to_string().as_bytes(), || {
            largest_allocation(|| catch_unwind(AssertUnwindSafe(|| export::read(&weights, &Device::flex()).map(drop))))
        });
        let damage = format!("layout {damaged}");
        prop_assert!(largest < ALLOCATION_BOUND, "{damage}: allocated {largest} bytes");
        ok_or_naming(outcome, &[shown(&weights), shown(&layout)], &damage)?;
    });
}

#[test]
fn a_config_planning_more_iterations_than_a_usize_counts_trains_until_stopped() {
    let trainer = Trainer::new(config(ModelKind::Gan).with_epochs(usize::MAX), data()).unwrap();
    assert_eq!(trainer.total_iterations(), usize::MAX);
}
