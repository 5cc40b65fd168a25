//! The metrics on representations whose disentanglement is known: the factors themselves (permuted,
//! rescaled, with two noise codes) score at or near the maximum, a rotation of them clearly lower, and noise
//! near the minimum; and degenerate inputs give a value or an error, never a panic.

use std::convert::Infallible;

use hsic_infogan_eval::disentanglement::beta_vae::{BetaVaeConfig, beta_vae};
use hsic_infogan_eval::disentanglement::dci::{DciConfig, dci, dci_of_points};
use hsic_infogan_eval::disentanglement::factor_vae::{FactorVaeConfig, factor_vae};
use hsic_infogan_eval::disentanglement::mig::{MigConfig, mig, mig_of_points};
use hsic_infogan_eval::disentanglement::modularity::{ModularityConfig, modularity, modularity_of_points};
use hsic_infogan_eval::disentanglement::mutual_info::mi_matrix;
use hsic_infogan_eval::disentanglement::sap::{SapConfig, sap, sap_of_points};
use hsic_infogan_eval::disentanglement::{GroundTruth, MetricError, Points, draw_points};

/// A colour-like factor of size 1, then four varying factors.
const SIZES: [usize; 5] = [1, 3, 4, 5, 6];

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Codes 3 v_4, -2 v_2, 0.5 v_1, 1.5 v_3, then two noise codes (v_j = f_j / (size_j - 1)).
    Factors,
    /// The four centred factors through the orthogonal matrix H / 2 (H the 4 x 4 Hadamard matrix), then two
    /// noise codes.
    Rotated,
    /// Six noise codes.
    Noise,
}

/// A representation of kind `kind`; its noise is uniform in [-0.5, 0.5), fresh at every call.
struct Toy {
    kind: Kind,
    draws: u64,
}

impl Toy {
    fn new(kind: Kind) -> Self {
        Self { kind, draws: 0 }
    }

    fn noise(&mut self) -> f64 {
        self.draws += 1;
        let mut z = self.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234_5678;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

const HADAMARD: [[f64; 4]; 4] =
    [[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0]];

impl GroundTruth for Toy {
    type Error = Infallible;

    fn factor_sizes(&self) -> &[usize] {
        &SIZES
    }

    fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Infallible> {
        Ok(factors
            .iter()
            .map(|row| {
                let v: Vec<f64> = (1..5).map(|j| row[j] as f64 / (SIZES[j] - 1) as f64).collect();
                let mut codes = match self.kind {
                    Kind::Factors => vec![3.0 * v[3], -2.0 * v[1], 0.5 * v[0], 1.5 * v[2]],
                    Kind::Rotated => {
                        HADAMARD.iter().map(|h| h.iter().zip(&v).map(|(a, b)| 0.5 * a * (b - 0.5)).sum()).collect()
                    }
                    Kind::Noise => vec![self.noise(), self.noise(), self.noise(), self.noise()],
                };
                codes.extend([self.noise(), self.noise()]);
                codes
            })
            .collect())
    }
}

const KINDS: [Kind; 3] = [Kind::Factors, Kind::Rotated, Kind::Noise];

/// The metric's value on the factors, the rotation and noise.
fn scores(metric: impl Fn(&mut Toy) -> f64) -> [f64; 3] {
    KINDS.map(|kind| metric(&mut Toy::new(kind)))
}

#[test]
fn beta_vae_orders_the_representations() {
    let config = BetaVaeConfig { num_train: 2000, num_eval: 1000, ..BetaVaeConfig::default() };
    let [factors, rotated, noise] = scores(|toy| beta_vae(toy, &config).unwrap().eval_accuracy);
    assert!(factors == 1.0 && rotated < factors - 0.1 && (noise - 0.25).abs() < 0.05, "{factors} {rotated} {noise}");
}

#[test]
fn factor_vae_orders_the_representations() {
    let config =
        FactorVaeConfig { num_train: 2000, num_eval: 1000, num_variance_estimate: 2000, ..FactorVaeConfig::default() };
    let [factors, rotated, noise] = scores(|toy| factor_vae(toy, &config).unwrap().eval_accuracy);
    assert!(factors == 1.0 && rotated < 0.8 && noise < 0.4, "{factors} {rotated} {noise}");
}

#[test]
fn mig_orders_the_representations() {
    let config = MigConfig { num_train: 2000, ..MigConfig::default() };
    let [factors, rotated, noise] = scores(|toy| mig(toy, &config).unwrap().mig);
    assert!(factors > 0.95 && rotated < 0.3 && noise < 0.05, "{factors} {rotated} {noise}");
}

#[test]
fn sap_orders_the_representations() {
    let config = SapConfig { num_train: 2000, num_test: 1000, ..SapConfig::default() };
    let [factors, rotated, noise] = scores(|toy| sap(toy, &config).unwrap().sap);
    // A linear one-vs-rest SVM on one code cannot single out the middle values of a factor, so even the
    // factors themselves stay far from 1 (about 0.33 here).
    assert!(factors > 0.25 && rotated < factors / 2.0 && noise < 0.05, "{factors} {rotated} {noise}");
}

#[test]
fn dci_orders_the_representations() {
    let config = DciConfig { num_train: 1000, num_test: 500, ..DciConfig::default() };
    let runs = KINDS.map(|kind| dci(&mut Toy::new(kind), &config).unwrap());
    let [factors, rotated, noise] = &runs;
    assert!(factors.disentanglement > 0.9 && factors.completeness > 0.9, "{factors:?}");
    assert!(factors.informativeness_test > 0.99, "{factors:?}");
    assert!(rotated.disentanglement < 0.5 && rotated.completeness < 0.5, "{rotated:?}");
    assert!(noise.disentanglement < 0.2 && noise.informativeness_test < 0.35, "{noise:?}");
}

#[test]
fn modularity_orders_the_representations() {
    let config = ModularityConfig { num_train: 2000, ..ModularityConfig::default() };
    let [factors, rotated, _] = scores(|toy| modularity(toy, &config).unwrap().modularity);
    // Noise codes carry a little information about each factor, spread evenly: modularity punishes spread,
    // not the lack of information, so pure noise is not at its minimum; check the codes that hold factors.
    let per_code = modularity(&mut Toy::new(Kind::Factors), &config).unwrap().per_code;
    assert!(per_code[..4].iter().all(|&m| m > 0.99) && rotated < factors - 0.2, "{per_code:?} {rotated}");
}

#[test]
fn mi_matrix_finds_the_factor_of_each_code() {
    let points = draw_points(&mut Toy::new(Kind::Factors), 2000, 3).unwrap();
    let matrix = mi_matrix(&points, &SIZES, 20).unwrap();
    assert_eq!(matrix.best_factor[..4], [Some(4), Some(2), Some(1), Some(3)]);
    // Each factor code holds all of its factor's entropy, the size-1 factor has none.
    assert!((matrix.normalized[0][4] - 1.0).abs() < 1e-12 && matrix.factor_entropy[0] == 0.0);
    assert!(matrix.normalized.iter().flatten().all(|&v| (0.0..=1.0 + 1e-12).contains(&v)));
}

#[test]
fn results_record_seed_and_sizes() {
    let config = MigConfig { seed: 17, num_train: 500, ..MigConfig::default() };
    let score = mig(&mut Toy::new(Kind::Factors), &config).unwrap();
    assert_eq!((score.seed, score.num_points, score.num_bins), (Some(17), 500, 20));
    assert_eq!(score.factors_used, vec![1, 2, 3, 4]);
    let json = serde_json::to_value(&score).unwrap();
    assert_eq!(json["seed"], 17);
    // The same seed gives the same points, so the same score.
    assert_eq!(mig(&mut Toy::new(Kind::Factors), &config).unwrap().mig, score.mig);
}

/// 400 points of the factor representation with code 0 replaced by a constant.
fn with_constant_code() -> Points {
    let mut points = draw_points(&mut Toy::new(Kind::Factors), 400, 5).unwrap();
    points.codes.iter_mut().for_each(|row| row[0] = 2.5);
    points
}

#[test]
fn constant_codes_and_factors_are_handled() {
    let points = with_constant_code();
    let (train, test) = (points.clone(), points.clone());
    let mig = mig_of_points(&points, &SIZES, 20).unwrap();
    assert!(mig.mig.is_finite() && mig.factors_used == vec![1, 2, 3, 4]);
    assert_eq!(modularity_of_points(&points, &SIZES, 20).unwrap().per_code[0], 0.0);
    assert!(sap_of_points(&train, &test, &SIZES).unwrap().sap.is_finite());
    // A factor constant over the points is left out like the size-1 one.
    let mut narrow = points.clone();
    narrow.factors.iter_mut().for_each(|row| row[2] = 1);
    let dci = dci_of_points(&narrow, &narrow, &SIZES, 0).unwrap();
    assert_eq!(dci.factors_used, vec![1, 3, 4]);
    assert!(dci.importance.iter().all(|row| row[0].abs() < 1e-12 || row[0] > 0.0));
    assert!(dci.disentanglement.is_finite() && dci.completeness.is_finite());
}

#[test]
fn one_varying_factor_still_scores() {
    let mut points = draw_points(&mut Toy::new(Kind::Factors), 300, 9).unwrap();
    points.factors.iter_mut().for_each(|row| row[1..4].iter_mut().for_each(|f| *f = 0));
    let modularity = modularity_of_points(&points, &SIZES, 20).unwrap();
    assert_eq!(modularity.factors_used, vec![4]);
    assert!(modularity.per_code.iter().all(|&m| m == 0.0 || m == 1.0));
    let dci = dci_of_points(&points, &points, &SIZES, 0).unwrap();
    assert!(dci.disentanglement.is_finite() && dci.completeness.is_finite());
}

#[test]
fn collapsed_representation_gives_zero_not_a_panic() {
    struct Collapsed;
    impl GroundTruth for Collapsed {
        type Error = Infallible;
        fn factor_sizes(&self) -> &[usize] {
            &SIZES
        }
        fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Infallible> {
            Ok(vec![vec![0.0; 3]; factors.len()])
        }
    }
    let config = FactorVaeConfig { num_train: 100, num_eval: 50, num_variance_estimate: 200, ..Default::default() };
    let score = factor_vae(&mut Collapsed, &config).unwrap();
    assert!(score.active_codes.is_empty() && score.train_accuracy == 0.0 && score.eval_accuracy == 0.0);
    assert_eq!(mig(&mut Collapsed, &MigConfig { num_train: 100, ..Default::default() }).unwrap().mig, 0.0);
    // The logistic regression still fits (all features equal): it predicts one class.
    let beta = beta_vae(&mut Collapsed, &BetaVaeConfig { num_train: 100, num_eval: 50, ..Default::default() });
    assert!(beta.unwrap().eval_accuracy < 0.6);
}

#[test]
fn bad_inputs_are_errors() {
    let mut points = with_constant_code();
    points.codes[7][1] = f64::NAN;
    assert!(matches!(mig_of_points(&points, &SIZES, 20), Err(MetricError::NonFinite { point: 7, code: 1 })));
    let mut points = with_constant_code();
    points.factors[3][2] = 4;
    assert!(matches!(mig_of_points(&points, &SIZES, 20), Err(MetricError::FactorOutOfRange { point: 3, .. })));
    let mut points = with_constant_code();
    points.codes.pop();
    assert!(matches!(modularity_of_points(&points, &SIZES, 20), Err(MetricError::Shape(_))));
    // MIG and SAP need a second code to take a gap; BetaVAE two factors to tell apart.
    let mut points = with_constant_code();
    points.codes.iter_mut().for_each(|row| row.truncate(1));
    assert!(matches!(mig_of_points(&points, &SIZES, 20), Err(MetricError::TooFew { what: "codes", .. })));
    assert!(matches!(sap_of_points(&points, &points, &SIZES), Err(MetricError::TooFew { what: "codes", .. })));
    struct OneFactor;
    impl GroundTruth for OneFactor {
        type Error = Infallible;
        fn factor_sizes(&self) -> &[usize] {
            &[1, 5]
        }
        fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Infallible> {
            Ok(factors.iter().map(|row| vec![row[1] as f64, 0.0]).collect())
        }
    }
    assert!(matches!(beta_vae(&mut OneFactor, &BetaVaeConfig::default()), Err(MetricError::TooFew { .. })));
}
