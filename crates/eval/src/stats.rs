//! Rank correlation and histogram entropy.

/// Ranks 1..n of `values`, ties given the mean of the ranks they span.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0; // mean of start+1 ..= end
        order[start..end].iter().for_each(|&i| ranks[i] = mean_rank);
        start = end;
    }
    ranks
}

/// Pearson correlation; 0 when either side is constant.
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    if aa == 0.0 || bb == 0.0 { 0.0 } else { ab / (aa * bb).sqrt() }
}

/// Spearman's rank correlation: the Pearson correlation of the ranks (average ranks for ties).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "spearman needs paired samples");
    pearson(&ranks(a), &ranks(b))
}

/// Shannon entropy in bits of the distribution the counts describe (log2 of the number of
/// classes when uniform, 0 when all counts fall in one class).
pub fn entropy_bits(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 30.0, 5.0]), vec![2.0, 4.5, 3.0, 4.5, 1.0]);
    }

    #[test]
    fn spearman_of_known_tables() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        // Any increasing map gives 1, any decreasing one -1.
        assert!((spearman(&x, &x.map(|v: f64| v.exp())) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &x.map(|v: f64| -v.powi(3))) + 1.0).abs() < 1e-12);
        // Without ties, rho = 1 - 6 sum d^2 / (n (n^2 - 1)): d = (0, 0, -2, 1, 1) gives 0.7.
        assert!((spearman(&x, &[1.0, 2.0, 5.0, 3.0, 4.0]) - 0.7).abs() < 1e-12);
        assert_eq!(spearman(&x, &[3.0; 5]), 0.0);
    }

    #[test]
    fn entropy_of_known_histograms() {
        assert_eq!(entropy_bits(&[7, 0, 0]), 0.0);
        assert!((entropy_bits(&[5; 10]) - 10f64.log2()).abs() < 1e-12);
        assert!((entropy_bits(&[1, 1, 2]) - 1.5).abs() < 1e-12);
    }
}
