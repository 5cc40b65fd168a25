//! Time to load MNIST's 60,000 training images and labels from the gzipped IDX files (read,
//! gunzip, validate), the target being under 1 s in release. From the repository root, with the
//! workspace's usual build:
//!
//! ```sh
//! cargo test --release --workspace --features ndarray,wgpu --bench mnist_load [-- DIR]
//! ```
//!
//! DIR defaults to `shared/data/mnist` beside the repository; where that lacks the files, the
//! standard search goes on (`MNIST_DIR`, the user cache, the system folder; no download).

use std::path::PathBuf;
use std::time::Instant;

use burn::data::dataset::Dataset;
use hsic_infogan_data::mnist::{MnistKind, Search, Split, load_split, locate};

const RUNS: usize = 7;

fn main() {
    // `cargo bench` passes `--bench`; any other argument is the folder.
    let dir = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mnist"));
    let search = Search { cache: None, ..Search::standard(MnistKind::Mnist, Some(&dir.map_or(shared, PathBuf::from))) };
    let place = locate(MnistKind::Mnist, &search, &mut |_| {}).unwrap_or_else(|err| panic!("{err}"));
    let shown = std::fs::canonicalize(&place.dir).unwrap_or_else(|_| place.dir.clone());
    let mut seconds = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let train = load_split(MnistKind::Mnist, Split::Train, &place.dir).expect("MNIST loads");
        seconds.push(start.elapsed().as_secs_f64());
        assert_eq!(train.len(), 60_000);
    }
    seconds.sort_by(f64::total_cmp);
    println!(
        "MNIST train (60,000 images) from {}: median {:.3} s, min {:.3} s, max {:.3} s over {RUNS} runs",
        shown.display(),
        seconds[RUNS / 2],
        seconds[0],
        seconds[RUNS - 1]
    );
}
