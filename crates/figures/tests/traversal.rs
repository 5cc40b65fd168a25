//! The traversal figures a run writes show what they claim: cell (row r, column j) of
//! `traverse_cK.png` is the checkpoint's generator at categorical value r and code K at the j-th
//! of 10 values in [-1, 1], with the other code at 0 and the shared noise vector.

#[path = "../../train/tests/common/mod.rs"]
mod common;

use std::sync::atomic::AtomicBool;

use hsic_infogan_figures::{FigureWriter, TRAVERSAL_STEPS, traversal_noise};
use hsic_infogan_models::Latent;
use hsic_infogan_train::run::{self, TrainedGenerator};
use hsic_infogan_train::{ModelKind, Trainer, fit};

use common::{DIMS, config, data};

/// Pixels between cells in a grid (see `figures::grid`).
const PAD: usize = 2;

#[test]
fn each_traversal_cell_is_the_generator_at_that_cells_codes() {
    // A short InfoGAN run with a high learning rate, so that the codes change the images by
    // more than the PNG's 8-bit rounding.
    let dir = tempfile::tempdir().unwrap();
    let config = config(ModelKind::InfoGan).with_lr_g(0.01).with_lr_d(0.01);
    run::save_config(&config, dir.path()).unwrap();
    fit(&mut Trainer::new(config, data()).unwrap(), dir.path(), &AtomicBool::new(false), &mut FigureWriter).unwrap();
    let TrainedGenerator { config, generator, device, .. } = run::load_generator(dir.path(), None).unwrap();
    let (layout, seed) = (config.latent, config.seed);
    let noise = traversal_noise(&layout, seed);
    let [_, height, width] = DIMS;
    let mut largest = 0.0f32;
    for code in 0..2 {
        let figure = image::open(dir.path().join(format!("traverse_c{}.png", code + 1))).unwrap().to_luma8();
        for (row, column) in [(0, 0), (1, 4), (2, 9), (2, 3)] {
            // The cell's latent, built here from the documented layout, one sample alone.
            let mut continuous = vec![0.0; 2];
            continuous[code] = -1.0 + 2.0 * column as f32 / (TRAVERSAL_STEPS - 1) as f32;
            let latent =
                Latent { layout: layout.clone(), batch: 1, noise: noise.clone(), categories: vec![row], continuous };
            let image: Vec<f32> = generator.forward(latent.input(&device)).into_data().try_to_vec::<f32>().unwrap();
            let mut other = latent.clone();
            other.continuous.reverse();
            let swapped: Vec<f32> = generator.forward(other.input(&device)).into_data().try_to_vec::<f32>().unwrap();
            for y in 0..height {
                for x in 0..width {
                    let pixel = figure
                        .get_pixel((PAD + column * (width + PAD) + x) as u32, (PAD + row * (height + PAD) + y) as u32)
                        [0];
                    let level = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                    let expected = level(image[y * width + x]);
                    assert_eq!(pixel, expected, "c{} cell ({row}, {column}) pixel ({y}, {x})", code + 1);
                    largest = largest.max((image[y * width + x] - swapped[y * width + x]).abs());
                }
            }
        }
    }
    // The cells match their own codes exactly, and swapping the two codes would have changed
    // them visibly (measured: 14 levels), so c1's figure cannot pass for c2's.
    assert!(largest * 255.0 > 5.0, "swapping the codes changes a pixel by only {} levels", largest * 255.0);
}
