//! One training iteration (D step + G step) of GAN, InfoGAN and HSIC-InfoGAN, on every compiled
//! backend, in one run: InfoGAN's MNIST networks (28 x 28, batch 100) or, with `--networks
//! dsprites`, InfoGAN-CR's dSprites ones (64 x 64, batch 64), each model as `train` trains it on
//! MNIST or on `shapes` without other flags ([`DatasetDefaults`]).
//!
//! ```text
//! cargo bench --bench train_step                      # all compiled backends
//! cargo bench --bench train_step -- --backend flex    # one backend
//! cargo bench --bench train_step -- --quick           # 3 samples per cell
//! cargo bench --bench train_step -- --against-pytorch python3   # flex beside PyTorch (CPU)
//! cargo bench --bench train_step -- --batch 256       # another batch size
//! cargo bench --bench train_step -- --networks dsprites [--image-size 128]
//! ```
//!
//! `--against-pytorch PYTHON` times flex and `benches/pytorch_train_step.py` (the same iteration
//! in PyTorch, run by PYTHON with as many threads as flex uses, in a process of its own) step by
//! step in pairs, for 40 s per model (4 s with `--quick`) after 10 warm-up iterations each, and
//! prints the median of each one's steps and the median and middle half of the pairs' ratios.
//!
//! Each cell is the median of timed [`Trainer::step`] calls after one warm-up step (which also
//! absorbs autotuning and kernel compilation). A step reads its losses back to the host, so
//! the device is synchronised inside every timing. The images are random bytes: the cost of a
//! step does not depend on what the pixels show.

mod common;

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use hsic_infogan::data::{DatasetSpec, ImageSet};
use hsic_infogan::device::{parse_device, probe};
use hsic_infogan::models::{Networks, Rng};
use hsic_infogan::train::{DatasetDefaults, HsicTerm, ModelKind, Regularizer, TrainConfig, Trainer, TrainingData};

/// See [`hsic_infogan::allocator`].
#[global_allocator]
static ALLOCATOR: hsic_infogan::allocator::Allocator = hsic_infogan::allocator::Allocator;

/// Random images to draw batches from (more where a batch needs them).
const IMAGES: usize = 2000;

/// The networks, image side and batch one bench run times.
struct Setup {
    /// The dataset whose training defaults the models take: MNIST or `shapes` (dSprites).
    dataset: DatasetSpec,
    side: usize,
    batch: usize,
}

impl Setup {
    fn from(options: &common::Options) -> Self {
        let value = |flag: &str| options.values.get(flag).map(String::as_str);
        let number =
            |flag: &str| value(flag).map(|n| n.parse().unwrap_or_else(|_| panic!("{flag} takes a number, got `{n}`")));
        let dataset = match value("--networks").map(str::parse) {
            None | Some(Ok(Networks::InfoGan)) => DatasetSpec::Mnist,
            Some(Ok(Networks::Dsprites)) => DatasetSpec::Shapes,
            Some(Err(err)) => panic!("--networks: {err}"),
        };
        let side = match (&dataset, number("--image-size")) {
            (DatasetSpec::Mnist, Some(_)) => {
                panic!("--image-size needs --networks dsprites (InfoGAN's networks draw 28 x 28)")
            }
            (DatasetSpec::Mnist, None) => 28,
            (_, side) => side.unwrap_or(64),
        };
        let batch = number("--batch").unwrap_or(DatasetDefaults::of(&dataset).batch_size);
        Self { dataset, side, batch }
    }

    fn networks(&self) -> &'static str {
        match self.dataset {
            DatasetSpec::Shapes => "dsprites",
            _ => "infogan",
        }
    }

    /// `model`'s run configuration on flex or `backend`, with `regularizer` if given.
    fn config(&self, model: ModelKind, regularizer: Option<Regularizer>, backend: &str) -> TrainConfig {
        let config = DatasetDefaults::config(&self.dataset, model)
            .with_batch_size(self.batch)
            .with_device(backend.parse().unwrap_or_else(|e| panic!("{e}")));
        match regularizer {
            Some(regularizer) => config.with_regularizer(regularizer),
            None => config,
        }
    }

    fn data(&self) -> TrainingData {
        let mut rng = Rng::new(0);
        let images = IMAGES.max(self.batch);
        let pixels = (0..images * self.side * self.side).map(|_| rng.below(256) as u8).collect();
        TrainingData::Set(ImageSet::new([1, self.side, self.side], pixels, None))
    }
}

fn main() {
    hsic_infogan::allocator::keep_freed_memory();
    let options = common::options(&["--against-pytorch", "--batch", "--networks", "--image-size"]);
    let setup = Setup::from(&options);
    if let Some(python) = options.values.get("--against-pytorch") {
        return against_pytorch(python, &setup, Duration::from_secs(if options.quick { 4 } else { 40 }));
    }
    // ndarray and wgpu on a software Vulkan driver take seconds per step: 3 samples there.
    let budget = |backend: &str| match (options.quick, backend) {
        (true, _) => Duration::ZERO,
        (false, "flex" | "cuda") => Duration::from_secs(20),
        (false, _) => Duration::ZERO,
    };
    println!("{} networks, {} x {} images, batch {}", setup.networks(), setup.side, setup.side, setup.batch);
    println!("{:<8} {:<8} {:>9} {:>8} {:>9}", "backend", "model", "s/iter", "it/s", "vs gan");
    for backend in &options.backends {
        let device = parse_device(backend).unwrap_or_else(|err| panic!("--backend: {err}"));
        if let Err(reason) = probe(&device) {
            println!("{backend}: SKIPPED, no usable device ({reason})");
            continue;
        }
        let mut gan_seconds = None;
        for model in MODELS {
            let mut trainer =
                Trainer::new(setup.config(model, None, backend), setup.data()).expect("bench configuration");
            let (median, samples) = common::time(budget(backend), 3, || {
                trainer.step().expect("finite losses");
            });
            let seconds = median.as_secs_f64();
            let gan = *gan_seconds.get_or_insert(seconds);
            println!(
                "{:<8} {:<8} {:>9.3} {:>8.2} {:>8.2}x   ({samples} samples)",
                backend,
                model.name(),
                seconds,
                1.0 / seconds,
                seconds / gan
            );
        }
    }
}

const MODELS: [ModelKind; 3] = [ModelKind::Gan, ModelKind::InfoGan, ModelKind::Hsic];

/// The model as `benches/pytorch_train_step.py` has it: HSIC-InfoGAN on MNIST there is the
/// paper's one joint term on pixels with a constant lambda; on dSprites the default terms, one
/// per code (whose schedule does not change a step's cost).
fn as_in_pytorch(setup: &Setup, model: ModelKind) -> Option<Regularizer> {
    (setup.dataset == DatasetSpec::Mnist && model == ModelKind::Hsic)
        .then(|| Regularizer::Hsic { terms: vec![HsicTerm::new()] })
}

/// Pairs of steps per model at least, and at most.
const PAIRS: [usize; 2] = [5, 1000];

/// PyTorch's step for one model in a process of its own (`benches/pytorch_train_step.py
/// --serve`), warmed up and running one timed iteration per request.
struct PyTorch {
    child: Child,
    requests: ChildStdin,
    replies: Lines<BufReader<ChildStdout>>,
}

impl PyTorch {
    fn start(python: &str, setup: &Setup, model: ModelKind, threads: usize) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pytorch_train_step.py");
        let (batch, side, threads) = (setup.batch.to_string(), setup.side.to_string(), threads.to_string());
        let mut args = vec![script, "--model", model.name(), "--networks", setup.networks(), "--batch", &batch];
        if setup.dataset == DatasetSpec::Shapes {
            args.extend(["--image-size", &side]);
        }
        let mut child = Command::new(python)
            .args(args)
            .args(["--threads", &threads, "--serve"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{python}: {e}"));
        let requests = child.stdin.take().expect("piped stdin");
        let mut replies = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        match replies.next() {
            Some(Ok(line)) if line == "ready" => Self { child, requests, replies },
            other => panic!("{script} --serve: expected `ready`, got {other:?}"),
        }
    }

    /// Seconds of one iteration.
    fn step(&mut self) -> f64 {
        writeln!(self.requests, "step").expect("pytorch_train_step.py: stdin");
        let reply = self.replies.next().expect("pytorch_train_step.py: ended early").expect("its stdout");
        reply.parse().unwrap_or_else(|_| panic!("pytorch_train_step.py printed `{reply}`"))
    }

    fn finish(self) {
        drop(self.requests);
        let mut child = self.child;
        assert!(child.wait().is_ok_and(|status| status.success()), "pytorch_train_step.py failed");
    }
}

/// Flex's and PyTorch's steps in pairs, a moment apart, for `budget` per model after 10 warm-up
/// iterations of each: the median seconds of each, and the median and middle half (quartiles)
/// of the pairs' ratios. A noisy machine slows both steps of a pair alike, where rounds of
/// seconds apart differed by up to 2x on the 2-core VM.
fn against_pytorch(python: &str, setup: &Setup, budget: Duration) {
    let found = Command::new(python).args(["-c", "import torch"]).output();
    if !found.is_ok_and(|o| o.status.success()) {
        println!("SKIPPED: {python} cannot import torch (pip install torch numpy)");
        return;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "flex against PyTorch (CPU, {threads} threads), {} networks, {} x {} images, batch {}, steps in pairs for {} s per model",
        setup.networks(),
        setup.side,
        setup.side,
        setup.batch,
        budget.as_secs_f64()
    );
    println!(
        "{:<8} {:>9} {:>9} {:>13} {:>12} {:>6}",
        "model", "flex", "pytorch", "flex/pytorch", "middle half", "pairs"
    );
    for model in MODELS {
        let mut pytorch = PyTorch::start(python, setup, model, threads);
        let config = setup.config(model, as_in_pytorch(setup, model), "flex");
        let mut trainer = Trainer::new(config, setup.data()).expect("bench configuration");
        for _ in 0..10 {
            trainer.step().expect("finite losses");
        }
        let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let start = Instant::now();
        while ratios.len() < PAIRS[0] || (start.elapsed() < budget && ratios.len() < PAIRS[1]) {
            let step = Instant::now();
            trainer.step().expect("finite losses");
            let (flex, torch) = (step.elapsed().as_secs_f64(), pytorch.step());
            ours.push(flex);
            theirs.push(torch);
            ratios.push(flex / torch);
        }
        pytorch.finish();
        let pairs = ratios.len();
        ratios.sort_by(f64::total_cmp);
        let middle = format!("{:.2}-{:.2}", ratios[pairs / 4], ratios[(3 * pairs) / 4]);
        println!(
            "{:<8} {:>9.3} {:>9.3} {:>12.2}x {:>12} {:>6}",
            model.name(),
            median(ours),
            median(theirs),
            median(ratios),
            middle,
            pairs
        );
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
