//! How a score reads in a table cell.

use hsic_infogan_eval::scores::ContinuousScore;

/// `83.5%`, or `—` for a score not measured.
pub fn percent(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// `slant +0.71` (the factor the code captures and its rho), or `none (+0.12, -0.05)`.
pub fn captured(score: &ContinuousScore) -> String {
    match score.captures.as_str() {
        "slant" => format!("slant {:+.2}", score.slant_spearman),
        "thickness" => format!("thickness {:+.2}", score.thickness_spearman),
        _ => format!("none ({:+.2}, {:+.2})", score.slant_spearman, score.thickness_spearman),
    }
}
