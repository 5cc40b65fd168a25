//! The dSprites factor classifier learns the factors from rendered images, survives the cache
//! round trip, and its features tell real dSprites from a draw that lacks part of it.

use burn::prelude::*;
use hsic_infogan_data::shapes::{Factor, render_batch};
use hsic_infogan_eval::factor_classifier::{self, FactorClassifier, FactorClassifierConfig, FactorClassifierInfo};
use hsic_infogan_eval::fid::{Gaussian, frechet_distance};
use hsic_infogan_models::Rng;

#[test]
fn a_short_training_learns_the_factors_and_its_features_score_a_partial_draw_worse() {
    let device = Device::default();
    let recipe = FactorClassifierConfig::new().with_steps(100);
    let untrained = factor_classifier::accuracy(&FactorClassifier::new(0, &device), 1000, 1, &device);
    let mut losses = Vec::new();
    let model = factor_classifier::train(&recipe, &device, |step, loss| losses.push((step, loss)));
    assert_eq!(losses.len(), 100);
    assert!(losses.iter().all(|&(_, loss)| loss.is_finite()));
    // Chance: shape 1/3, scale 1/6, orientation 1/40, each position 1/32.
    let trained = factor_classifier::accuracy(&model, 1000, 1, &device);
    let [shape, scale, _, x, y] = trained[..] else { panic!("{trained:?}") };
    assert!(untrained.iter().all(|&a| a < 0.45), "untrained {untrained:?}");
    assert!(scale > 0.3 && x > 0.15 && y > 0.15 && shape > 0.36, "after 100 steps {trained:?}");

    let cache = tempfile::tempdir().unwrap();
    assert!(factor_classifier::load(cache.path(), &device).unwrap().is_none());
    let info = FactorClassifierInfo::new(recipe, trained.clone(), 1000);
    factor_classifier::save(&model, &info, cache.path()).unwrap();
    let (loaded, loaded_info) = factor_classifier::load(cache.path(), &device).unwrap().expect("just saved");
    assert_eq!(loaded_info.test_accuracy, trained);
    assert_eq!(factor_classifier::accuracy(&loaded, 1000, 1, &device), trained);

    // Two real draws are close; a draw of squares alone (a third of dSprites) is far.
    let real = factor_classifier::real_gaussian(&model, 2000, 0, &device).unwrap();
    let again = factor_classifier::real_gaussian(&model, 2000, 1, &device).unwrap();
    let squares: Vec<_> =
        factor_classifier::draw_factors(2000, &mut Rng::new(2)).into_iter().map(|f| f.with(Factor::Shape, 0)).collect();
    let chunks = squares.chunks(500).map(|chunk| render_batch(chunk, &device));
    let squares = Gaussian::fit(factor_classifier::features(&model, chunks).unwrap().view());
    let (floor, partial) = (frechet_distance(&real, &again), frechet_distance(&real, &squares));
    assert!(floor >= 0.0 && partial > 5.0 * floor, "real vs real {floor}, real vs squares {partial}");
}
