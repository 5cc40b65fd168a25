//! Disentanglement metrics of a representation of data with known discrete factors (dSprites), each as
//! disentanglement_lib (Locatello et al. 2019, google-research/disentanglement_lib,
//! `evaluation/metrics/*.py`) computes it, with its default sample sizes:
//!
//! | metric | module | learner |
//! |---|---|---|
//! | BetaVAE score (Higgins et al. 2017) | [`beta_vae`] | multinomial logistic regression |
//! | FactorVAE score (Kim & Mnih 2018) | [`factor_vae`] | majority vote |
//! | MIG (Chen et al. 2018) | [`mig`] | histogram mutual information |
//! | SAP (Kumar et al. 2018) | [`sap`] | linear SVM per code |
//! | DCI (Eastwood & Williams 2018) | [`dci`] | gradient-boosted trees |
//! | Modularity (Ridgeway & Mozer 2018) | [`modularity`] | histogram mutual information |
//!
//! The learners ([`learners`]) are written here from scikit-learn's objectives and defaults and reach the
//! models scikit-learn reaches, so none is a substitute; each result names its learner. (DCI's trees break
//! ties between codes at random, as scikit-learn's do, so DCI agrees with scikit-learn in distribution over
//! seeds rather than bit for bit.)
//!
//! BetaVAE and FactorVAE draw batches with a factor held fixed through a [`GroundTruth`]; the other four score
//! [`Points`] (codes with their factors), drawn by [`draw_points`] or given. Randomness is one seeded
//! SplitMix64 stream per call, so a config's seed reproduces a score exactly.
//!
//! Factors that do not vary (size 1, like dSprites' colour, or constant over the sampled points) are left out
//! of every score, as disentanglement_lib's dSprites, which exposes only its five varying factors, leaves out
//! colour; each result lists the factors it used.

pub mod beta_vae;
pub mod dci;
mod error;
pub mod factor_vae;
pub mod learners;
pub mod mig;
pub mod modularity;
pub mod mutual_info;
mod rng;
pub mod sampling;
pub mod sap;

pub use error::MetricError;
pub use sampling::{GroundTruth, Points, draw_points};
