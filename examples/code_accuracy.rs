//! A quick check of what a run's first categorical code captures, until the project has a
//! trained classifier: label generated digits by their nearest MNIST test image (1-NN in pixel
//! space, about 97% accurate on real digits), build the code x digit table, and report
//!
//! - one-to-one accuracy: the best matching of codes to digits (Hungarian algorithm), the
//!   measure InfoGAN reports (95% for its categorical code);
//! - purity: each code counted as its most frequent digit (codes may share a digit);
//! - the number of distinct digits the codes map to.
//!
//! ```text
//! cargo run --release --example code_accuracy -- RUN_DIR [N] [MNIST_DIR]
//! ```

use std::path::PathBuf;

use burn::prelude::*;
use hsic_infogan::data::mnist::{MnistKind, Search, Split, load_split, locate};
use hsic_infogan::models::Rng;
use hsic_infogan::train::eval::hungarian::max_weight_assignment;
use hsic_infogan::train::run::load_generator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run = PathBuf::from(args.next().ok_or("usage: code_accuracy RUN_DIR [N] [MNIST_DIR]")?);
    let n: usize = args.next().map(|v| v.parse()).transpose()?.unwrap_or(5000);
    let data_dir = args.next().map(PathBuf::from);
    let (config, state, generator, device) = load_generator(&run, None)?;
    let codes = *config.latent.categorical.first().ok_or("the run has no categorical code")?;
    if state.image != [1, 28, 28] || codes > 10 {
        return Err("this check needs an MNIST run with at most 10 categories".into());
    }
    let kind = MnistKind::Mnist;
    let test = load_split(kind, Split::Test, &locate(kind, &Search::standard(kind, data_dir.as_deref()))?.dir)?;
    let labels = test.labels().ok_or("MNIST test labels")?.to_vec();
    let pixels: Vec<f32> = test.pixels().iter().map(|&b| f32::from(b) / 255.0).collect();
    let reference = Tensor::<2>::from_data(TensorData::new(pixels, [labels.len(), 784]), &device);
    let reference_sq = reference.clone().powf_scalar(2.0).sum_dim(1).reshape([1, labels.len()]);

    let mut table = vec![[0usize; 10]; codes];
    let mut rng = Rng::new(12345);
    let mut done = 0;
    while done < n {
        let latent = config.latent.sample(500.min(n - done), &mut rng);
        let images = generator.forward(latent.input(&device)).reshape([latent.batch, 784]);
        // argmin_j ||x - r_j||^2 = argmin_j (||r_j||^2 - 2 x.r_j)
        let scores = reference_sq.clone() - images.matmul(reference.clone().transpose()).mul_scalar(2.0);
        let nearest: Vec<i64> = scores.argmin(1).into_data().convert::<i64>().try_to_vec().map_err(|e| format!("{e:?}"))?;
        let groups = config.latent.categorical.len();
        for (b, &j) in nearest.iter().enumerate() {
            table[latent.categories[b * groups]][labels[j as usize]] += 1;
        }
        done += latent.batch;
    }

    let purity: usize = table.iter().map(|row| *row.iter().max().unwrap()).sum();
    let mut digits: Vec<usize> = table.iter().map(|row| (0..10).max_by_key(|&d| row[d]).unwrap()).collect();
    let weights: Vec<Vec<f64>> = table.iter().map(|row| row.iter().map(|&n| n as f64).collect()).collect();
    let best: usize = max_weight_assignment(&weights).iter().enumerate().map(|(code, &digit)| table[code][digit]).sum();
    println!("code -> digit counts ({n} samples, 1-NN labels):");
    for (code, row) in table.iter().enumerate() {
        println!("  c={code}: {row:?}");
    }
    digits.sort_unstable();
    digits.dedup();
    println!(
        "one-to-one accuracy {:.1}%  purity {:.1}%  distinct digits {}",
        100.0 * best as f64 / n as f64,
        100.0 * purity as f64 / n as f64,
        digits.len()
    );
    Ok(())
}
