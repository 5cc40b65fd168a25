//! What the custom bench harnesses share: the command line and a median timer.
//!
//! criterion and divan report each function on its own; these benches measure several variants
//! side by side in one run and print their ratios, which is what a noisy shared machine allows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hsic_infogan_device::COMPILED_BACKENDS;

pub struct Options {
    /// `--quick`: fewer samples.
    pub quick: bool,
    /// `--backend LIST` (comma-separated), else every compiled backend.
    pub backends: Vec<String>,
    /// Values of the bench's own flags, by flag.
    pub values: HashMap<String, String>,
}

/// Parses `--quick`, `--backend LIST` and the bench's own `flags` (each taking one value).
pub fn options(flags: &[&str]) -> Options {
    let mut options = Options {
        quick: false,
        backends: COMPILED_BACKENDS.iter().map(|b| b.to_string()).collect(),
        values: HashMap::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--bench" => {} // cargo bench passes this to every bench binary
            "--backend" => {
                let list = args.next().expect("--backend needs a value, e.g. --backend flex,ndarray");
                options.backends = list.split(',').map(str::to_string).collect();
            }
            flag if flags.contains(&flag) => {
                let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
                options.values.insert(flag.to_string(), value);
            }
            other => panic!("unknown argument `{other}`: expected --quick, --backend LIST or one of {flags:?}"),
        }
    }
    options
}

/// Median and count of timings of `run` after one warm-up call, until `budget` is spent (at
/// least `min` samples, at most 100).
pub fn time(budget: Duration, min: usize, mut run: impl FnMut()) -> (Duration, usize) {
    run();
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < min || (start.elapsed() < budget && samples.len() < 100) {
        let t = Instant::now();
        run();
        samples.push(t.elapsed());
    }
    samples.sort();
    (samples[samples.len() / 2], samples.len())
}
