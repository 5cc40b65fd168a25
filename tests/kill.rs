//! A run killed with SIGKILL at arbitrary moments (before its first checkpoint, while one is
//! written, between two) and continued each time ends exactly where an uninterrupted run ends.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use burn::store::ModuleSnapshot;
use common::{image_folder, run, text, tiny};
use hsic_infogan_train::models::{DiscriminatorConfig, Rng};
use hsic_infogan_train::run::checkpoint;

/// `metrics.csv` without its wall-time column, the one thing a kill may change.
fn metrics_without_time(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    text.lines().map(|line| line.rsplit_once(',').unwrap().0.to_string()).collect()
}

/// Every tensor of both networks at the run's checkpoint (burnpack files themselves differ
/// between identical runs: they record per-process parameter ids).
fn network_tensors(run: &Path) -> Vec<(String, Vec<u8>)> {
    let trained = hsic_infogan_train::run::load_generator(run, Some("flex")).unwrap();
    let fresh = DiscriminatorConfig::new(trained.state.image).init(&mut Rng::new(0), &trained.device);
    let discriminator = checkpoint::load_discriminator(&checkpoint::path(run), fresh).unwrap();
    let named = |prefix: &'static str, tensors: Vec<burn::store::burn_pack::Tensor>| {
        tensors.into_iter().map(move |t| (format!("{prefix}.{}", t.name), t.to_bytes().unwrap().to_vec()))
    };
    named("G", trained.generator.collect(None, None, false))
        .chain(named("D", discriminator.collect(None, None, false)))
        .collect()
}

/// What a kill left behind, for the test's log.
fn left_behind(run: &Path) -> &'static str {
    if !run.join("config.json").exists() {
        "no config yet"
    } else if run.join("checkpoint.tmp").exists() || run.join("checkpoint.old").exists() {
        "a checkpoint half written"
    } else if !run.join("checkpoint").exists() {
        "no checkpoint yet"
    } else {
        "between checkpoints"
    }
}

#[test]
fn a_run_killed_again_and_again_ends_as_an_uninterrupted_one() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    // 40 iterations (6 per epoch), a checkpoint after every one of them: most of the time goes
    // into writing checkpoints, so kills land inside writes too.
    let flags = ["--model", "hsic", "--max-iters", "40", "--checkpoint-every", "0", "--quiet"];
    let whole = work.path().join("whole");
    let done = run(&tiny(&dataset, &whole, &flags));
    assert!(done.status.success(), "{}", text(&done));

    let killed = work.path().join("killed");
    let killed_str = killed.display().to_string();
    let mut state = 0x2545_f491_u32;
    let mut seen = Vec::new();
    for attempt in 0..12 {
        // The command a user would type: resume a run that has a config, else start it again.
        let args = if killed.join("config.json").exists() {
            vec!["train".to_string(), "--resume".into(), killed_str.clone(), "--quiet".into()]
        } else {
            tiny(&dataset, &killed, &flags)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A pseudo-random moment in the first 0.05 to 0.8 s, the first kill the earliest.
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let millis = if attempt == 0 { 20 } else { 50 + u64::from(state >> 8) % 750 };
        std::thread::sleep(Duration::from_millis(millis));
        child.kill().unwrap(); // SIGKILL
        let output = child.wait_with_output().unwrap();
        if output.status.success() {
            break; // finished before the kill
        }
        seen.push(left_behind(&killed));
    }
    println!("after each kill: {seen:?}");
    assert!(seen.len() >= 3, "the run was killed only {} times", seen.len());

    let finish = run(&["train".into(), "--resume".into(), killed_str, "--quiet".into()]);
    assert!(finish.status.success(), "{}", text(&finish));
    assert_eq!(metrics_without_time(&killed), metrics_without_time(&whole));
    assert_eq!(network_tensors(&killed), network_tensors(&whole), "the networks");
    assert_eq!(
        std::fs::read(killed.join("checkpoint/state.json")).unwrap(),
        std::fs::read(whole.join("checkpoint/state.json")).unwrap()
    );
    assert!(!killed.join("checkpoint.tmp").exists() && !killed.join("checkpoint.old").exists());
    // Adam's moments and the random streams: both runs continue alike.
    for dir in [&killed, &whole] {
        let more = run(&[
            "train".into(),
            "--resume".into(),
            dir.display().to_string(),
            "--max-iters".into(),
            "46".into(),
            "--quiet".into(),
        ]);
        assert!(more.status.success(), "{}", text(&more));
    }
    assert_eq!(metrics_without_time(&killed), metrics_without_time(&whole));
}

#[test]
fn resuming_a_run_that_never_wrote_its_config_says_to_start_it_again() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    let failed = common::fail(&["train", "--resume", &dir.display().to_string()]);
    assert!(failed.contains("empty") && failed.contains("start the run again"), "{failed}");
}
