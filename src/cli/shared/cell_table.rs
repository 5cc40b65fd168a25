//! The results of short scored runs as a table: markdown for `sweep.md`, `tune.md` and the
//! terminal, CSV for other tools.

use super::scores::{captured, percent};
use super::table::markdown_table;
use crate::sweep::CellResult;

/// The scores of a cell: categorical accuracy (generated samples, then the encoder's on real
/// digits), FID and per continuous code what it captures, or `failed` in every column.
fn scores(result: &CellResult, codes: usize) -> Vec<String> {
    match &result.outcome {
        Ok(report) => {
            let mut cells = vec![
                report.categorical.first().map_or("—".into(), |s| format!("{:.1}%", 100.0 * s.accuracy)),
                percent(report.encoder_accuracy),
                format!("{:.2}", report.fid),
            ];
            cells.extend(report.continuous.iter().map(captured));
            cells.resize(3 + codes, "—".into());
            cells
        }
        Err(_) => vec!["failed".into(); 3 + codes],
    }
}

fn continuous_codes(results: &[CellResult]) -> usize {
    results.iter().filter_map(|r| r.outcome.as_ref().ok()).map(|e| e.continuous.len()).max().unwrap_or(0)
}

/// The fixed columns, as (CSV name, markdown name); one column per continuous code and the
/// wall time follow.
const COLUMNS: [(&str, &str); 13] = [
    ("sigma_x", "σx"),
    ("sigma_c", "σc"),
    ("lambda", "λ"),
    ("seed", "seed"),
    ("iterations", "iterations"),
    ("g_loss", "G loss"),
    ("hsic", "HSIC"),
    ("reg_over_g", "λ·HSIC / G loss"),
    ("grad_ratio_start", "grad ratio at start"),
    ("grad_ratio_end", "grad ratio at end"),
    ("categorical_accuracy", "categorical accuracy"),
    ("encoder_accuracy", "encoder accuracy (real digits)"),
    ("fid", "FID"),
];

/// The first columns, alike in both tables: a cell's settings and its iteration count.
fn settings(result: &CellResult) -> Vec<String> {
    let c = &result.cell;
    let iterations = result.iterations;
    vec![c.sigma_x.to_string(), c.sigma_c.to_string(), c.lambda.to_string(), c.seed.to_string(), iterations.to_string()]
}

/// A cell's settings, loss magnitudes, gradient ratios and scores (without the wall time).
fn row(result: &CellResult, codes: usize) -> Vec<String> {
    // A cell that failed at its first iteration has no losses to average.
    let mean = |value: f64, decimals: usize| {
        if result.iterations == 0 { "—".into() } else { format!("{value:.decimals$}") }
    };
    let mut row = settings(result);
    row.extend([
        mean(result.g_loss, 3),
        mean(result.hsic, 4),
        mean(result.reg_over_g, 3),
        format!("{:.4}", result.gradients.start.ratio()),
        result.gradients.end.map_or("—".into(), |g| format!("{:.4}", g.ratio())),
    ]);
    row.extend(scores(result, codes));
    row
}

/// `sweep.csv` for other tools: numbers at full precision (accuracies as fractions), empty cells
/// where there is no value, each continuous code's factor and both correlations in columns of
/// their own, and a failed cell's reason in `error`.
pub fn csv(results: &[CellResult]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let codes = continuous_codes(results);
    let mut header: Vec<String> = COLUMNS.iter().map(|(name, _)| name.to_string()).collect();
    for j in 1..=codes {
        header.extend([format!("c{j}_captures"), format!("c{j}_slant_rho"), format!("c{j}_thickness_rho")]);
    }
    header.extend(["seconds".into(), "error".into()]);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    for result in results {
        writer.write_record(csv_record(result, codes))?;
    }
    Ok(writer.into_inner()?)
}

fn csv_record(result: &CellResult, codes: usize) -> Vec<String> {
    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let report = result.outcome.as_ref().ok();
    // A cell that failed at its first iteration has no losses to average.
    let averaged = |value: f64| number((result.iterations > 0).then_some(value));
    let mut record = settings(result);
    record.extend([
        averaged(result.g_loss),
        averaged(result.hsic),
        averaged(result.reg_over_g),
        result.gradients.start.ratio().to_string(),
        number(result.gradients.end.map(|g| g.ratio())),
        number(report.and_then(|r| r.categorical.first()).map(|s| s.accuracy)),
        number(report.and_then(|r| r.encoder_accuracy)),
        number(report.map(|r| r.fid)),
    ]);
    for j in 0..codes {
        let score = report.and_then(|r| r.continuous.get(j));
        record.push(score.map(|s| s.captures.clone()).unwrap_or_default());
        record.push(number(score.map(|s| s.slant_spearman)));
        record.push(number(score.map(|s| s.thickness_spearman)));
    }
    record.push(result.seconds.to_string());
    record.push(result.outcome.as_ref().err().map(ToString::to_string).unwrap_or_default());
    record
}

pub fn markdown(results: &[CellResult]) -> String {
    let codes = continuous_codes(results);
    let mut header: Vec<String> = COLUMNS.iter().map(|(_, name)| name.to_string()).collect();
    header.extend((1..=codes).map(|j| format!("c{j} captures (ρ)")));
    header.push("wall (s)".into());
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|result| {
            let mut row = row(result, codes);
            row.push(format!("{:.0}", result.seconds));
            row
        })
        .collect();
    markdown_table(&header, &rows)
}
