//! Small classifiers standing in for the scikit-learn ones disentanglement_lib trains, each written from its
//! objective and scikit-learn's defaults so that it reaches the same model.

pub mod boosting;
pub mod logistic;
pub mod svm;
mod tree;

/// The sorted distinct labels of `y` and each label's index among them.
pub(crate) fn encode_classes(y: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut classes = y.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let encoded = y.iter().map(|label| classes.binary_search(label).expect("label is among the classes")).collect();
    (classes, encoded)
}

/// The fraction of `predicted` equal to `truth`.
pub(crate) fn accuracy(predicted: impl Iterator<Item = usize>, truth: &[usize]) -> f64 {
    predicted.zip(truth).filter(|(p, t)| p == *t).count() as f64 / truth.len() as f64
}
