//! The disentanglement metrics against values computed independently in Python (numpy, scipy, scikit-learn;
//! tests/data/disentanglement_reference.py) on the same inputs, and their behaviour on representations whose
//! disentanglement is known: the factors themselves, a rotation of them, and noise.

use std::convert::Infallible;

use hsic_infogan_eval::disentanglement::beta_vae::{BetaVaeConfig, beta_vae};
use hsic_infogan_eval::disentanglement::dci::dci_of_points;
use hsic_infogan_eval::disentanglement::factor_vae::{FactorVaeConfig, factor_vae};
use hsic_infogan_eval::disentanglement::mig::mig_of_points;
use hsic_infogan_eval::disentanglement::modularity::modularity_of_points;
use hsic_infogan_eval::disentanglement::sap::sap_of_points;
use hsic_infogan_eval::disentanglement::{GroundTruth, Points};

/// dSprites' factor sizes: colour, shape, scale, orientation, x, y.
const DSPRITES: [usize; 6] = [1, 3, 6, 40, 32, 32];

/// The first SplitMix64 output of seed `x` as a 53-bit uniform in [0, 1) (integer arithmetic, as in Python).
fn uniform(x: u64) -> f64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Factor values scaled to [0, 1] (0 for a factor of size 1).
fn scaled(sizes: &[usize], row: &[usize]) -> Vec<f64> {
    row.iter().zip(sizes).map(|(&f, &s)| f as f64 / (s.max(2) - 1) as f64).collect()
}

/// The reference script's ground truth: 7 codes, a fixed mixing of dSprites' factors plus a deterministic
/// hash noise of the factor tuple (see the script's docstring), computed with the same operations in the same
/// order so that both sides get the same bits.
struct Synthetic;

const MIXING: [[u32; 6]; 7] = [
    [0, 40, 42, 100, 56, 48],
    [0, 42, 20, 54, 46, 100],
    [0, 100, 48, 46, 42, 20],
    [0, 36, 42, 48, 100, 30],
    [0, 20, 100, 42, 48, 46],
    [0, 30, 40, 50, 40, 30],
    [0, 30, 36, 36, 36, 36],
];

impl GroundTruth for Synthetic {
    type Error = Infallible;

    fn factor_sizes(&self) -> &[usize] {
        &DSPRITES
    }

    fn represent(&mut self, factors: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, Infallible> {
        Ok(factors
            .iter()
            .map(|row| {
                let v = scaled(&DSPRITES, row);
                let key = row.iter().zip(DSPRITES).fold(0u64, |k, (&f, s)| k * s as u64 + f as u64);
                (0..MIXING.len())
                    .map(|c| {
                        let mut acc = 0.0;
                        for j in 0..DSPRITES.len() {
                            acc += MIXING[c][j] as f64 / 100.0 * v[j];
                        }
                        if c == 6 {
                            acc += 0.8 * v[3] * v[4];
                        }
                        acc + (uniform(key * 8 + c as u64) - 0.5)
                    })
                    .collect()
            })
            .collect())
    }
}

/// tests/data/disentanglement_points.csv: 2000 training then 1000 test points drawn from [`Synthetic`] with
/// seed 1 by the script, codes rounded to 6 decimals.
fn stored_points() -> (Points, Points) {
    let text = include_str!("data/disentanglement_points.csv");
    let (mut factors, mut codes) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(',').collect();
        factors.push(fields[..6].iter().map(|f| f.parse().unwrap()).collect());
        codes.push(fields[6..].iter().map(|f| f.parse().unwrap()).collect());
    }
    let test = Points { codes: codes.split_off(2000), factors: factors.split_off(2000) };
    (Points { codes, factors }, test)
}

fn assert_close(name: &str, got: f64, expected: f64, tolerance: f64) {
    assert!((got - expected).abs() <= tolerance, "{name}: {got} vs reference {expected} (tolerance {tolerance})");
}

// Reference values: `python3 tests/data/disentanglement_reference.py` with numpy 2.4.6, scipy 1.17.1,
// scikit-learn 1.9.1 (its output, verbatim where quoted). MIG and Modularity use mutual_info_score on
// np.digitize/np.histogram bins; SAP LinearSVC(C=0.01, class_weight="balanced", tol=1e-8); DCI
// GradientBoostingClassifier(random_state=0) and scipy.stats.entropy; BetaVAE LogisticRegression(C=1,
// tol=1e-10); FactorVAE the paper's vote in numpy.

#[test]
fn mig_matches_the_reference() {
    let (train, _) = stored_points();
    let score = mig_of_points(&train, &DSPRITES, 20).unwrap();
    assert_close("MIG", score.mig, 0.098581025765306, 1e-12);
    assert_eq!(score.factors_used, vec![1, 2, 3, 4, 5]);
}

#[test]
fn modularity_matches_the_reference() {
    let (train, _) = stored_points();
    assert_close(
        "Modularity",
        modularity_of_points(&train, &DSPRITES, 20).unwrap().modularity,
        0.7393667911526861,
        1e-12,
    );
}

#[test]
fn sap_matches_the_reference() {
    let (train, test) = stored_points();
    // scikit-learn's default tol = 1e-4 gives the same 0.0474.
    assert_close("SAP", sap_of_points(&train, &test, &DSPRITES).unwrap().sap, 0.0474, 1e-12);
}

#[test]
fn dci_matches_the_reference() {
    // scikit-learn's trees break ties between codes at random (disentanglement_lib passes no random_state), and
    // so do ours (seeded), so the two agree in distribution, not bit for bit. The reference is the mean over
    // random_state 0..4; its runs spread by half-ranges 0.0008 (D), 0.0007 (C), 0.0004 (I train), 0.0023
    // (I test); the tolerances are about twice that. (Breaking every tie towards code 0 instead gave D 0.1257.)
    let (train, test) = stored_points();
    let score = dci_of_points(&train, &test, &DSPRITES, 0).unwrap();
    assert_close("DCI disentanglement", score.disentanglement, 0.12326824554279654, 0.002);
    assert_close("DCI completeness", score.completeness, 0.1261458694375483, 0.002);
    assert_close("DCI informativeness (train)", score.informativeness_train, 0.9102399999999999, 0.002);
    assert_close("DCI informativeness (test)", score.informativeness_test, 0.22468, 0.005);
}

#[test]
fn beta_vae_matches_the_reference() {
    // The script replays the sampling protocol (seed 0, batch 64, 10000 + 5000 samples) on the same ground
    // truth, so both sides classify the same samples. With LogisticRegression's defaults (tol 1e-4, 100
    // iterations) scikit-learn gets 0.9027 and 0.8998.
    let score = beta_vae(&mut Synthetic, &BetaVaeConfig::default()).unwrap();
    assert_close("BetaVAE train", score.train_accuracy, 0.903, 1e-12);
    assert_close("BetaVAE eval", score.eval_accuracy, 0.8996, 1e-12);
}

#[test]
fn factor_vae_matches_the_reference() {
    let score = factor_vae(&mut Synthetic, &FactorVaeConfig::default()).unwrap();
    assert_close("FactorVAE train", score.train_accuracy, 0.893, 1e-12);
    assert_close("FactorVAE eval", score.eval_accuracy, 0.889, 1e-12);
    assert_eq!(score.active_codes.len(), 7);
}
