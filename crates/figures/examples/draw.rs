//! Draws images for chosen codes from a trained run, with the figures and training libraries alone: rows are
//! the digits (values of the first categorical code) given on the command line, columns sweep
//! the first continuous code over [-1, 1]; the noise and other codes are fixed.
//!
//! ```text
//! cargo run --release -p hsic-infogan-figures --example draw -- runs/hsic draw.png 3 1 4
//! ```

use std::path::PathBuf;

use hsic_infogan_figures::{grid, save_png};
use hsic_infogan_train::models::{Latent, Rng};
use hsic_infogan_train::run;

const COLUMNS: usize = 7;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: draw RUN OUT.png VALUE...";
    let run_dir = PathBuf::from(args.next().ok_or(usage)?);
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let values = args.map(|v| v.parse::<usize>()).collect::<Result<Vec<_>, _>>()?;
    if values.is_empty() {
        return Err(usage.into());
    }

    // The run's checkpoint on the device it was trained on, in eval mode.
    let trained = run::load_generator(&run_dir, None)?;
    let layout = &trained.config.latent;
    let categories = layout.categorical.first().copied().ok_or("the run has no categorical code")?;
    if let Some(bad) = values.iter().find(|&&v| v >= categories) {
        return Err(format!("value {bad} is out of range: the first code has {categories} values").into());
    }
    let rows = values.len();
    let batch = rows * COLUMNS;
    let mut rng = Rng::new(0);
    let noise: Vec<f32> = (0..layout.noise).map(|_| rng.normal() as f32).collect();
    let groups = layout.categorical.len();
    let mut latent = Latent::fixed(layout, batch, &noise);
    for b in 0..batch {
        latent.categories[b * groups] = values[b / COLUMNS];
        if layout.continuous > 0 {
            latent.continuous[b * layout.continuous] = -1.0 + 2.0 * (b % COLUMNS) as f32 / (COLUMNS - 1) as f32;
        }
    }

    let images = trained.generator.forward(latent.input(&trained.device));
    let pixels = images.into_data().try_to_vec::<f32>().map_err(|e| format!("{e:?}"))?;
    save_png(&grid(&pixels, trained.state.image, rows, COLUMNS), &out)?;
    println!("{}", out.display());
    Ok(())
}
