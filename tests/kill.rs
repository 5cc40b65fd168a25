//! A run killed with SIGKILL in each state a kill can leave (before its config, before its first
//! checkpoint, with metrics past its checkpoint, while a checkpoint is written) and continued
//! each time ends exactly where an uninterrupted run ends.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use burn::store::ModuleSnapshot;
use common::{image_folder, metric_rows, run, text, tiny};
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

/// The iteration of the checkpoint a resume would read, if there is one (`None` too while the
/// training renames it).
fn checkpoint_iteration(run: &Path) -> Option<usize> {
    checkpoint::load_state(&checkpoint::find(run).ok()?).ok().map(|state| state.iteration)
}

/// A state of the run folder that the test kills the training in.
#[derive(Debug, Clone, Copy)]
enum State {
    /// No `config.json` yet: the next command starts the run again.
    NoConfig,
    /// `config.json` but no checkpoint: a resume starts from the config.
    NoCheckpoint,
    /// `metrics.csv` has rows past the checkpoint (killed at the second row past it): a resume
    /// drops them.
    RowsPastCheckpoint,
    /// A checkpoint half written (`checkpoint.tmp/` there): a resume reads the one before.
    HalfWrittenCheckpoint,
}

impl State {
    /// Whether the running training has reached the moment to kill it.
    fn reached(self, run: &Path) -> bool {
        match self {
            Self::NoConfig => true,
            Self::NoCheckpoint => run.join("config.json").exists(),
            Self::RowsPastCheckpoint => checkpoint_iteration(run).is_some_and(|i| metric_rows(run) >= i + 2),
            Self::HalfWrittenCheckpoint => run.join("checkpoint.tmp").exists(),
        }
    }

    /// Whether the folder a kill left is in this state (the training may have moved on between
    /// the moment seen and the kill).
    fn left(self, run: &Path) -> bool {
        let has_config = run.join("config.json").exists();
        match self {
            Self::NoConfig => !has_config,
            Self::NoCheckpoint => has_config && checkpoint_iteration(run).is_none(),
            Self::RowsPastCheckpoint => checkpoint_iteration(run).is_some_and(|i| metric_rows(run) > i),
            Self::HalfWrittenCheckpoint => run.join("checkpoint.tmp").exists() || run.join("checkpoint.old").exists(),
        }
    }
}

/// Runs `args` and kills it with SIGKILL as soon as `state` is reached in `run`, polling every
/// millisecond; `false` if the training ended first.
fn kill_at(state: State, args: &[String], run: &Path) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !state.reached(run) {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
            return false;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{state:?} not reached in 2 minutes");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success());
    true
}

#[test]
fn a_run_killed_in_each_state_ends_as_an_uninterrupted_one() {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    // 40 iterations, 6 per epoch: a checkpoint at each epoch's end and at the run's end.
    let flags = ["--model", "hsic", "--max-iters", "40", "--quiet"];
    let whole = work.path().join("whole");
    let done = run(&tiny(&dataset, &whole, &flags));
    assert!(done.status.success(), "{}", text(&done));

    let killed = work.path().join("killed");
    let killed_str = killed.display().to_string();
    let resume = || vec!["train".to_string(), "--resume".into(), killed_str.clone(), "--quiet".into()];
    let mut log = Vec::new();
    for state in [State::NoConfig, State::NoCheckpoint, State::RowsPastCheckpoint, State::HalfWrittenCheckpoint] {
        // A kill can land just after the state passed (a checkpoint finished meanwhile): then
        // again, at a later one.
        let hit = (0..3).any(|_| {
            // The command a user would type: resume a run that has a config, else start it again.
            let args = if killed.join("config.json").exists() { resume() } else { tiny(&dataset, &killed, &flags) };
            let killed_then = kill_at(state, &args, &killed);
            let left = state.left(&killed);
            log.push(format!(
                "{state:?}: killed {killed_then}, left {left}, {} rows, checkpoint {:?}",
                metric_rows(&killed),
                checkpoint_iteration(&killed)
            ));
            killed_then && left
        });
        assert!(hit, "no kill landed in state {state:?}:\n{}", log.join("\n"));
    }
    println!("{}", log.join("\n"));

    let finish = run(&resume());
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
