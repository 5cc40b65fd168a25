//! The scores of what the codes control, shared by both protocols: code values matched to digits
//! (on generated samples, the classifier's digit; on real test digits, the true label) and the
//! continuous codes' rank correlation with slant and thickness.

use burn::prelude::*;
use hsic_infogan_models::LatentConfig;

use crate::hungarian::max_weight_assignment;
use crate::stats::spearman;

/// |Spearman rho| from which a continuous code is said to capture a factor.
pub const CAPTURE_THRESHOLD: f64 = 0.3;

/// What one categorical code controls.
#[derive(Config, Debug)]
pub struct CategoricalScore {
    /// Fraction of the images whose digit is the one their code value is matched to (the best
    /// one-to-one matching, Hungarian algorithm).
    pub accuracy: f64,
    /// `mapping[v]`: the digit matched to code value v (`None` past the tenth value).
    pub mapping: Vec<Option<usize>>,
    /// `confusion[v][d]`: images of code value v and digit d. Generated samples: drawn with value
    /// v, called digit d by the classifier. Real test digits: labelled d, given value v by the
    /// encoder (or Q).
    pub confusion: Vec<Vec<usize>>,
}

/// What one continuous code controls.
#[derive(Config, Debug)]
pub struct ContinuousScore {
    /// Spearman correlation of the code value (drawn, or predicted from a real digit) with the
    /// slant (degrees, top leaning right > 0).
    pub slant_spearman: f64,
    /// Spearman correlation of the code value with the stroke thickness.
    pub thickness_spearman: f64,
    /// `slant`, `thickness`, or `none` when neither |rho| reaches [`CAPTURE_THRESHOLD`].
    pub captures: String,
}

/// Confusion matrix of (code value, digit) pairs and its best one-to-one matching.
/// With more than 10 code values, the extra values match nothing and count as wrong.
pub(crate) fn categorical_score(pairs: impl Iterator<Item = (usize, usize)>, values: usize) -> CategoricalScore {
    let mut confusion = vec![vec![0usize; 10]; values];
    let mut total = 0;
    for (value, digit) in pairs {
        confusion[value][digit] += 1;
        total += 1;
    }
    // Zero columns past the tenth give every value a distinct column.
    let weights: Vec<Vec<f64>> = confusion
        .iter()
        .map(|row| row.iter().map(|&c| c as f64).chain(std::iter::repeat_n(0.0, values.saturating_sub(10))).collect())
        .collect();
    let mapping: Vec<Option<usize>> =
        max_weight_assignment(&weights).into_iter().map(|d| (d < 10).then_some(d)).collect();
    let correct: usize = mapping.iter().enumerate().filter_map(|(v, d)| d.map(|d| confusion[v][d])).sum();
    CategoricalScore { accuracy: correct as f64 / total.max(1) as f64, mapping, confusion }
}

/// Which factor a continuous code (one value per image) captures.
pub(crate) fn continuous_score(code: &[f64], slant: &[f64], thickness: &[f64]) -> ContinuousScore {
    let (s, t) = (spearman(code, slant), spearman(code, thickness));
    let captures = if s.abs().max(t.abs()) < CAPTURE_THRESHOLD {
        "none"
    } else if s.abs() >= t.abs() {
        "slant"
    } else {
        "thickness"
    };
    ContinuousScore { slant_spearman: s, thickness_spearman: t, captures: captures.into() }
}

/// What a predictor of the codes (the post-hoc encoder, or InfoGAN's Q) reads from real
/// labelled digits: the literature's protocol.
#[derive(Config, Debug)]
pub struct RealDigitScore {
    /// One per categorical code: predicted value against the true label.
    pub categorical: Vec<CategoricalScore>,
    /// One per continuous code: the predicted value against the real digits' slant and thickness.
    pub continuous: Vec<ContinuousScore>,
}

/// Scores `outputs` (`[n, one_hot_size + continuous]`, row-major, laid out like the codes: each
/// categorical code's logits, then the continuous values) predicted for `n` real digits with
/// `labels`, `slant` and `thickness`. A categorical code's value is its largest logit.
pub fn real_digit_score(
    outputs: &[f32],
    layout: &LatentConfig,
    labels: &[usize],
    slant: &[f64],
    thickness: &[f64],
) -> RealDigitScore {
    let width = layout.code_size();
    assert_eq!(outputs.len(), labels.len() * width, "one row of {width} outputs per digit");
    let rows = || outputs.chunks(width);
    let mut offset = 0;
    let mut categorical = Vec::new();
    for &values in &layout.categorical {
        let predicted = rows().map(|row| argmax(&row[offset..offset + values]));
        categorical.push(categorical_score(predicted.zip(labels.iter().copied()), values));
        offset += values;
    }
    let continuous = (offset..width)
        .map(|j| {
            let code: Vec<f64> = rows().map(|row| f64::from(row[j])).collect();
            continuous_score(&code, slant, thickness)
        })
        .collect();
    RealDigitScore { categorical, continuous }
}

/// Index of the largest value (the first of equals).
fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::{slant, stroke, thickness};
    use hsic_infogan_models::Rng;

    #[test]
    fn categorical_score_matches_codes_to_digits() {
        // Code value v makes digit (v + 3) mod 10 eight times in ten, (v + 4) mod 10 otherwise.
        let mut pairs = Vec::new();
        for v in 0..10 {
            pairs.extend(std::iter::repeat_n((v, (v + 3) % 10), 8));
            pairs.extend(std::iter::repeat_n((v, (v + 4) % 10), 2));
        }
        let score = categorical_score(pairs.into_iter(), 10);
        assert_eq!(score.mapping, (0..10).map(|v| Some((v + 3) % 10)).collect::<Vec<_>>());
        assert!((score.accuracy - 0.8).abs() < 1e-12);
        assert_eq!(score.confusion[2][5], 8);
    }

    #[test]
    fn extra_code_values_match_nothing() {
        // 12 values: 10 make distinct digits, values 10 and 11 repeat digit 0.
        let pairs = (0..12).map(|v| (v, v % 10));
        let score = categorical_score(pairs, 12);
        assert_eq!(score.mapping.iter().filter(|d| d.is_none()).count(), 2);
        assert!((score.accuracy - 10.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn continuous_score_names_the_stronger_factor() {
        let code: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let rising: Vec<f64> = code.iter().map(|v| v * v).collect();
        let flat: Vec<f64> = code.iter().map(|v| (v * 7.0) % 13.0).collect();
        assert_eq!(continuous_score(&code, &rising, &flat).captures, "slant");
        assert_eq!(continuous_score(&code, &flat, &rising).captures, "thickness");
        assert_eq!(continuous_score(&code, &flat, &flat).captures, "none");
    }

    #[test]
    fn a_code_that_sets_the_stroke_slant_captures_slant_and_an_ignored_code_none() {
        // A synthetic generator: code 1 sets the slant of a drawn stroke (-30 to 30 degrees),
        // code 2 is drawn but ignored, and the stroke width varies on its own.
        let mut rng = Rng::new(4);
        let (mut c1, mut c2, mut slants, mut thicknesses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..200 {
            let (a, b) = (2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
            let image = stroke(30.0 * a, 18.0, 1.5 + 2.0 * rng.uniform());
            c1.push(a);
            c2.push(b);
            slants.push(slant(&image, 28));
            thicknesses.push(thickness(&image, 28));
        }
        let first = continuous_score(&c1, &slants, &thicknesses);
        assert_eq!(first.captures, "slant", "{first:?}");
        assert!(first.slant_spearman > 0.95, "{first:?}");
        let second = continuous_score(&c2, &slants, &thicknesses);
        assert_eq!(second.captures, "none", "{second:?}");
    }

    #[test]
    fn a_categorical_code_the_images_ignore_scores_near_chance() {
        // The classifier's digits drawn independently of the code's values.
        let mut rng = Rng::new(5);
        let pairs: Vec<(usize, usize)> = (0..2000).map(|i| (i % 10, rng.below(10))).collect();
        let score = categorical_score(pairs.into_iter(), 10);
        // Chance is 1/10; the best of the 10! matchings picks up some of the noise on top.
        assert!((0.1..0.13).contains(&score.accuracy), "{}", score.accuracy);
    }

    #[test]
    fn real_digit_score_reads_each_code_from_its_own_columns() {
        // Codes: 10 values, 3 values, one continuous. Code 1's largest logit says (label + 1) mod 10
        // for 9 digits in 10 and the label itself otherwise; code 2's says label mod 3; the
        // continuous output is the slant plus a little, and the thickness is unrelated.
        let layout = LatentConfig::new().with_categorical(vec![10, 3]).with_continuous(1);
        let (mut outputs, mut labels, mut slants, mut thicknesses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut rng = Rng::new(7);
        for i in 0..500 {
            let label = i % 10;
            let mut row = vec![0.0f32; 14];
            row[if i % 100 < 90 { (label + 1) % 10 } else { label }] = 2.0;
            row[10 + label % 3] = 1.0;
            let slant = rng.uniform() * 40.0 - 20.0;
            row[13] = (slant + 0.1 * rng.uniform()) as f32;
            outputs.extend(row);
            labels.push(label);
            slants.push(slant);
            thicknesses.push(rng.uniform());
        }
        let score = real_digit_score(&outputs, &layout, &labels, &slants, &thicknesses);
        let first = &score.categorical[0];
        assert!((first.accuracy - 0.9).abs() < 1e-12, "{first:?}");
        assert_eq!(first.mapping, (0..10).map(|v| Some((v + 9) % 10)).collect::<Vec<_>>());
        assert_eq!(first.confusion.iter().flatten().sum::<usize>(), 500);
        // Three values for ten digits: at best each value is matched to one of its digits.
        let second = &score.categorical[1];
        assert_eq!(second.confusion.len(), 3);
        assert!((second.accuracy - 0.3).abs() < 1e-12, "{second:?}");
        assert_eq!(score.continuous.len(), 1);
        assert_eq!(score.continuous[0].captures, "slant");
        assert!(score.continuous[0].slant_spearman > 0.99, "{:?}", score.continuous[0]);
    }
}
