//! The ground truth the metrics sample from, and the checks every metric runs on its inputs.
//!
//! Sampling protocol (the Python reference replays it): one [`SplitMix64`] stream per metric call, seeded
//! with the config's `seed`. A batch of `count` factor rows draws, row by row and within a row factor by
//! factor in order, one `below(size)` per factor (also for factors of size 1, which always give 0).

use super::MetricError;
use super::rng::{SplitMix64, below};

/// Most factor rows passed to one [`GroundTruth::represent`] call.
pub const REPRESENT_ROWS: usize = 1024;

/// A data set with known, discrete factors of variation and a representation of its observations,
/// e.g. dSprites (factor sizes 1, 3, 6, 40, 32, 32) seen through an encoder.
pub trait GroundTruth {
    type Error: std::error::Error + Send + Sync + 'static;

    /// The number of values of each factor; a factor's values are `0..size`.
    fn factor_sizes(&self) -> &[usize];

    /// The representation (one row of codes per factor row, all rows the same length) of one observation
    /// for each row of factor values. Called with at most [`REPRESENT_ROWS`] rows.
    fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Self::Error>;
}

/// Points with known factors: `codes[i]` is the representation of an observation with factors `factors[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    pub codes: Vec<Vec<f64>>,
    pub factors: Vec<Vec<usize>>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// `count` points with factors drawn uniformly and independently (the protocol above), represented by `data`.
pub fn draw_points<G: GroundTruth>(data: &mut G, count: usize, seed: u64) -> Result<Points, MetricError> {
    draw_points_with(data, count, &mut SplitMix64::new(seed))
}

pub(crate) fn draw_points_with<G: GroundTruth>(
    data: &mut G,
    count: usize,
    rng: &mut SplitMix64,
) -> Result<Points, MetricError> {
    let factors = sample_factors(data.factor_sizes(), count, rng);
    let codes = represent(data, &factors)?;
    Ok(Points { codes, factors })
}

/// `count` factor rows, each factor uniform over its values.
pub(crate) fn sample_factors(sizes: &[usize], count: usize, rng: &mut SplitMix64) -> Vec<Vec<usize>> {
    (0..count).map(|_| sizes.iter().map(|&size| below(rng, size)).collect()).collect()
}

/// The representation of `factors`, in calls of at most [`REPRESENT_ROWS`] rows, checked: one finite row per
/// factor row, all of one length.
pub(crate) fn represent<G: GroundTruth>(data: &mut G, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, MetricError> {
    let mut codes = Vec::with_capacity(factors.len());
    for chunk in factors.chunks(REPRESENT_ROWS) {
        let part = data.represent(chunk).map_err(|e| MetricError::Represent(Box::new(e)))?;
        if part.len() != chunk.len() {
            return Err(MetricError::Shape(format!(
                "represent returned {} rows for {} factor rows",
                part.len(),
                chunk.len()
            )));
        }
        codes.extend(part);
    }
    check_codes(&codes)?;
    Ok(codes)
}

/// The number of codes per row; an error if rows differ in length, are empty or hold a non-finite value.
pub(crate) fn check_codes(codes: &[Vec<f64>]) -> Result<usize, MetricError> {
    let dim = codes.first().map_or(0, Vec::len);
    for (point, row) in codes.iter().enumerate() {
        if row.len() != dim {
            return Err(MetricError::Shape(format!("point {point} has {} codes, point 0 has {dim}", row.len())));
        }
        if let Some(code) = row.iter().position(|v| !v.is_finite()) {
            return Err(MetricError::NonFinite { point, code });
        }
    }
    if dim == 0 && !codes.is_empty() {
        return Err(MetricError::TooFew { what: "codes", needed: 1, got: 0 });
    }
    Ok(dim)
}

/// Checks `points` against `sizes` (as many codes and factors per row as the others, factor values in range,
/// at least `min_points` points) and returns the number of codes.
pub(crate) fn check_points(points: &Points, sizes: &[usize], min_points: usize) -> Result<usize, MetricError> {
    if points.codes.len() != points.factors.len() {
        return Err(MetricError::Shape(format!(
            "{} code rows but {} factor rows",
            points.codes.len(),
            points.factors.len()
        )));
    }
    if points.len() < min_points {
        return Err(MetricError::TooFew { what: "points", needed: min_points, got: points.len() });
    }
    for (point, row) in points.factors.iter().enumerate() {
        if row.len() != sizes.len() {
            return Err(MetricError::Shape(format!(
                "point {point} has {} factors, the factor sizes {}",
                row.len(),
                sizes.len()
            )));
        }
        if let Some(factor) = (0..sizes.len()).find(|&j| row[j] >= sizes[j]) {
            return Err(MetricError::FactorOutOfRange { point, factor, value: row[factor], size: sizes[factor] });
        }
    }
    check_codes(&points.codes)
}

/// The factors a metric scores: those of size above 1 that take two or more values in `factors`.
///
/// disentanglement_lib's dSprites exposes only its five varying factors (the colour factor, size 1, is not a
/// latent factor there), and a factor constant over the sample makes MIG divide by a zero entropy and the
/// scikit-learn classifiers refuse a one-class target; so such factors are left out of every score, and
/// each result lists the factors it used.
pub(crate) fn varying_factors(factors: &[Vec<usize>], sizes: &[usize]) -> Vec<usize> {
    (0..sizes.len())
        .filter(|&j| sizes[j] > 1 && factors.first().is_some_and(|first| factors.iter().any(|row| row[j] != first[j])))
        .collect()
}

/// Column `j` of the factor rows.
pub(crate) fn column(factors: &[Vec<usize>], j: usize) -> Vec<usize> {
    factors.iter().map(|row| row[j]).collect()
}

/// An error unless at least `needed` factors vary.
pub(crate) fn require_factors(used: &[usize], needed: usize) -> Result<(), MetricError> {
    if used.len() < needed {
        return Err(MetricError::TooFew { what: "factors with two or more values", needed, got: used.len() });
    }
    Ok(())
}
