//! Optimal one-to-one assignment (Kuhn 1955, Munkres 1957) with row and column potentials,
//! O(rows^2 x cols): used to match categorical code values to the classes they generate.

/// The assignment of each row to a distinct column that maximises the summed weight
/// (`rows <= cols`). `result[r]` is the column of row `r`.
pub fn max_weight_assignment(weights: &[Vec<f64>]) -> Vec<usize> {
    let rows = weights.len();
    let cols = weights.first().map_or(0, Vec::len);
    assert!(weights.iter().all(|row| row.len() == cols), "every row needs {cols} columns");
    assert!(rows <= cols, "{rows} rows cannot take distinct columns among {cols}");
    if rows == 0 {
        return Vec::new();
    }
    // Minimise cost = max - weight. 1-based arrays; index 0 is the virtual start column.
    let max = weights.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
    let cost = |r: usize, c: usize| max - weights[r - 1][c - 1];
    let (mut u, mut v) = (vec![0.0; rows + 1], vec![0.0; cols + 1]);
    let mut row_of = vec![0usize; cols + 1]; // row matched to each column, 0 = none
    let mut way = vec![0usize; cols + 1];
    for r in 1..=rows {
        row_of[0] = r;
        let mut col = 0;
        let mut min_to = vec![f64::INFINITY; cols + 1];
        let mut used = vec![false; cols + 1];
        loop {
            used[col] = true;
            let (row, mut delta, mut next) = (row_of[col], f64::INFINITY, 0);
            for c in 1..=cols {
                if !used[c] {
                    let reduced = cost(row, c) - u[row] - v[c];
                    if reduced < min_to[c] {
                        min_to[c] = reduced;
                        way[c] = col;
                    }
                    if min_to[c] < delta {
                        delta = min_to[c];
                        next = c;
                    }
                }
            }
            for c in 0..=cols {
                if used[c] {
                    u[row_of[c]] += delta;
                    v[c] -= delta;
                } else {
                    min_to[c] -= delta;
                }
            }
            col = next;
            if row_of[col] == 0 {
                break;
            }
        }
        while col != 0 {
            let previous = way[col];
            row_of[col] = row_of[previous];
            col = previous;
        }
    }
    let mut assignment = vec![0; rows];
    for c in 1..=cols {
        if row_of[c] != 0 {
            assignment[row_of[c] - 1] = c - 1;
        }
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::max_weight_assignment;
    use hsic_infogan_models::Rng;

    fn total(weights: &[Vec<f64>], assignment: &[usize]) -> f64 {
        assignment.iter().enumerate().map(|(r, &c)| weights[r][c]).sum()
    }

    /// Every injective assignment, for the brute-force reference.
    fn best_by_brute_force(weights: &[Vec<f64>], row: usize, used: &mut Vec<bool>) -> f64 {
        if row == weights.len() {
            return 0.0;
        }
        let mut best = f64::NEG_INFINITY;
        for c in 0..used.len() {
            if !used[c] {
                used[c] = true;
                best = best.max(weights[row][c] + best_by_brute_force(weights, row + 1, used));
                used[c] = false;
            }
        }
        best
    }

    #[test]
    fn known_matrices() {
        // A confusion table whose best matching is not the greedy one.
        let weights = vec![vec![9.0, 8.0, 0.0], vec![8.0, 1.0, 0.0], vec![0.0, 0.0, 5.0]];
        assert_eq!(max_weight_assignment(&weights), vec![1, 0, 2]);
        let permuted: Vec<Vec<f64>> =
            (0..4).map(|r| (0..4).map(|c| if c == (r + 1) % 4 { 10.0 } else { 1.0 }).collect()).collect();
        assert_eq!(max_weight_assignment(&permuted), vec![1, 2, 3, 0]);
        assert_eq!(max_weight_assignment(&[vec![1.0, 3.0, 2.0]]), vec![1]);
        assert!(max_weight_assignment(&[]).is_empty());
    }

    #[test]
    fn matches_brute_force_on_random_tables() {
        let mut rng = Rng::new(4);
        for _ in 0..200 {
            let rows = 1 + rng.below(6);
            let cols = rows + rng.below(3);
            let weights: Vec<Vec<f64>> = (0..rows).map(|_| (0..cols).map(|_| rng.below(20) as f64).collect()).collect();
            let assignment = max_weight_assignment(&weights);
            let mut columns = assignment.clone();
            columns.sort_unstable();
            columns.dedup();
            assert_eq!(columns.len(), rows, "columns must be distinct: {assignment:?}");
            let best = best_by_brute_force(&weights, 0, &mut vec![false; cols]);
            assert_eq!(total(&weights, &assignment), best, "{weights:?}");
        }
    }
}
