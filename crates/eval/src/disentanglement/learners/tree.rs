//! Regression trees as scikit-learn's `DecisionTreeRegressor(criterion="squared_error", splitter="best")`
//! grows them inside gradient boosting (max_depth 3, min_samples_split 2, min_samples_leaf 1), on features
//! rounded to f32 as scikit-learn stores them.
//!
//! A node is a leaf at the depth limit, below 2 samples, or when its impurity (the variance of its targets,
//! `sum y^2 / n - mean^2`) is at most f64's epsilon. Otherwise every feature is scanned in sorted order and a
//! split placed between consecutive values more than 1e-7 apart, at their midpoint; the split maximising
//! `S_l^2 / n_l + S_r^2 / n_r` wins (the first found on ties, features in index order where scikit-learn
//! visits them in a random order). Within a node this ranks splits exactly as Friedman's criterion
//! `n_l n_r (mean_l - mean_r)^2`, which scikit-learn used by default before 1.9 (`friedman_mse`).
//!
//! Ties between features are common (in a small node several features often cut off the same samples), and
//! scikit-learn breaks them by visiting the features in a random order per node (the first found wins; which
//! one is found first among splits that tie up to rounding is in effect random). So does this tree: each node
//! draws a random rank per feature, and of two splits within a relative 1e-12 of each other on different
//! features the one of lower rank wins; within a feature the first position wins.
//! A feature's importance sums `n imp - n_l imp_l - n_r imp_r` over the nodes split on it, divided by the
//! root's `n` (scikit-learn's `compute_feature_importances(normalize=False)`).

use crate::disentanglement::rng::{SplitMix64, below};

const FEATURE_THRESHOLD: f64 = 1e-7;
/// Proxies this close (relatively) count as tied.
const TIE: f64 = 1e-12;

/// The features of a training set, each rounded to f32, with each feature's sample order.
pub(crate) struct Presorted {
    /// `values[j][i]`: feature j of sample i.
    values: Vec<Vec<f64>>,
    order: Vec<Vec<u32>>,
}

impl Presorted {
    pub(crate) fn new(x: &[Vec<f64>]) -> Self {
        let dim = x.first().map_or(0, Vec::len);
        let values: Vec<Vec<f64>> = (0..dim).map(|j| x.iter().map(|row| f64::from(row[j] as f32)).collect()).collect();
        let order = values
            .iter()
            .map(|column| {
                let mut order: Vec<u32> = (0..column.len() as u32).collect();
                order.sort_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
                order
            })
            .collect();
        Self { values, order }
    }

    pub(crate) fn len(&self) -> usize {
        self.order.first().map_or(0, Vec::len)
    }

    pub(crate) fn dim(&self) -> usize {
        self.values.len()
    }
}

#[derive(Debug, Clone)]
enum Node {
    Split { feature: usize, threshold: f64, left: usize, right: usize },
    Leaf { value: f64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

/// A tree just grown: its leaves hold 0 until [`Tree::set_leaf`].
pub(crate) struct Grown {
    pub(crate) tree: Tree,
    /// The leaf (node index) of each training sample.
    pub(crate) leaf_of: Vec<usize>,
    /// The unnormalised importance of each feature.
    pub(crate) importance: Vec<f64>,
}

impl Tree {
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The leaf indices.
    pub(crate) fn leaves(&self) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().enumerate().filter(|(_, n)| matches!(n, Node::Leaf { .. })).map(|(i, _)| i)
    }

    pub(crate) fn set_leaf(&mut self, leaf: usize, value: f64) {
        self.nodes[leaf] = Node::Leaf { value };
    }

    /// The value of the leaf `x` falls in (`x` rounded to f32 first, as in training).
    pub(crate) fn predict(&self, x: &[f64]) -> f64 {
        let mut node = 0;
        loop {
            match self.nodes[node] {
                Node::Split { feature, threshold, left, right } => {
                    node = if f64::from(x[feature] as f32) <= threshold { left } else { right };
                }
                Node::Leaf { value } => return value,
            }
        }
    }
}

/// Sums over a node's samples.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    n: usize,
    sum: f64,
    sum_sq: f64,
}

impl Stats {
    fn impurity(&self) -> f64 {
        let mean = self.sum / self.n as f64;
        self.sum_sq / self.n as f64 - mean * mean
    }
}

/// The best split of a node found so far, and the running sums of the scan over one feature.
#[derive(Debug, Clone)]
struct Scan {
    stats: Stats,
    left: Stats,
    last: f64,
    best_proxy: f64,
    best: Option<(usize, f64, Stats)>,
    /// A random rank of each feature, for ties.
    rank: Vec<usize>,
}

/// A random permutation of `0..n` (Fisher-Yates).
fn permutation(n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, below(rng, i + 1));
    }
    order
}

/// Grows a tree of depth at most `max_depth` on `target` (one value per sample), breaking ties with `rng`.
pub(crate) fn grow(data: &Presorted, target: &[f64], max_depth: usize, rng: &mut SplitMix64) -> Grown {
    let n = data.len();
    let mut root = Stats::default();
    for &y in target {
        root = Stats { n: root.n + 1, sum: root.sum + y, sum_sq: root.sum_sq + y * y };
    }
    let mut nodes = vec![Node::Leaf { value: 0.0 }];
    let mut importance = vec![0.0; data.dim()];
    let mut node_of = vec![0usize; n];
    // Nodes of the current depth that may split, with their sums and impurity.
    let mut frontier = vec![(0usize, root, root.impurity())];
    for depth in 0..max_depth {
        frontier.retain(|&(_, stats, impurity)| stats.n >= 2 && impurity > f64::EPSILON);
        if frontier.is_empty() {
            break;
        }
        let mut slot_of = vec![usize::MAX; nodes.len()];
        frontier.iter().enumerate().for_each(|(slot, &(node, _, _))| slot_of[node] = slot);
        let mut scans: Vec<Scan> = frontier
            .iter()
            .map(|&(_, stats, _)| Scan {
                stats,
                left: Stats::default(),
                last: 0.0,
                best_proxy: f64::NEG_INFINITY,
                best: None,
                rank: permutation(data.dim(), rng),
            })
            .collect();
        for (feature, order) in data.order.iter().enumerate() {
            let values = &data.values[feature];
            scans.iter_mut().for_each(|scan| scan.left = Stats::default());
            for &i in order {
                let i = i as usize;
                let slot = slot_of[node_of[i]];
                if slot == usize::MAX {
                    continue;
                }
                let scan = &mut scans[slot];
                let (v, y) = (values[i], target[i]);
                if scan.left.n > 0 && v > scan.last + FEATURE_THRESHOLD {
                    let right_sum = scan.stats.sum - scan.left.sum;
                    let proxy = scan.left.sum * scan.left.sum / scan.left.n as f64
                        + right_sum * right_sum / (scan.stats.n - scan.left.n) as f64;
                    let tie = (proxy - scan.best_proxy).abs() <= TIE * scan.best_proxy.abs();
                    let wins = match scan.best {
                        Some((best, _, _)) if tie => best != feature && scan.rank[feature] < scan.rank[best],
                        _ => proxy > scan.best_proxy,
                    };
                    if wins {
                        scan.best_proxy = proxy;
                        scan.best = Some((feature, scan.last / 2.0 + v / 2.0, scan.left));
                    }
                }
                scan.left = Stats { n: scan.left.n + 1, sum: scan.left.sum + y, sum_sq: scan.left.sum_sq + y * y };
                scan.last = v;
            }
        }
        let mut next = Vec::new();
        for (&(node, stats, impurity), scan) in frontier.iter().zip(&scans) {
            let Some((feature, threshold, left)) = scan.best else { continue };
            let right = Stats { n: stats.n - left.n, sum: stats.sum - left.sum, sum_sq: stats.sum_sq - left.sum_sq };
            let (impurity_left, impurity_right) = (left.impurity(), right.impurity());
            let (nn, nl, nr) = (stats.n as f64, left.n as f64, right.n as f64);
            let improvement = nn / n as f64 * (impurity - nr / nn * impurity_right - nl / nn * impurity_left);
            if improvement + f64::EPSILON < 0.0 {
                continue;
            }
            importance[feature] += nn * impurity - nl * impurity_left - nr * impurity_right;
            let (l, r) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf { value: 0.0 });
            nodes.push(Node::Leaf { value: 0.0 });
            nodes[node] = Node::Split { feature, threshold, left: l, right: r };
            if depth + 1 < max_depth {
                next.push((l, left, impurity_left));
                next.push((r, right, impurity_right));
            }
        }
        for (i, node) in node_of.iter_mut().enumerate() {
            if let Node::Split { feature, threshold, left, right } = nodes[*node] {
                *node = if data.values[feature][i] <= threshold { left } else { right };
            }
        }
        frontier = next;
    }
    importance.iter_mut().for_each(|v| *v /= n as f64);
    Grown { tree: Tree { nodes }, leaf_of: node_of, importance }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_step_at_the_midpoint() {
        let x: Vec<Vec<f64>> = (0..8).map(|i| vec![(i % 2) as f64 * 10.0, i as f64]).collect();
        let y: Vec<f64> = (0..8).map(|i| if i < 4 { 0.0 } else { 1.0 }).collect();
        let grown = grow(&Presorted::new(&x), &y, 3, &mut SplitMix64::new(0));
        // Feature 1 separates the targets perfectly at 3.5, leaving two pure leaves.
        assert_eq!(grown.tree.node_count(), 3);
        assert_eq!(grown.leaf_of[..4], [1; 4]);
        assert_eq!(grown.leaf_of[4..], [2; 4]);
        // The root's impurity 1/4 is all removed, by feature 1.
        assert_eq!(grown.importance, vec![0.0, 0.25]);
    }
}
