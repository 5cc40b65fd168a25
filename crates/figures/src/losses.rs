//! `losses.png`: the loss curves of a run's `metrics.csv`.

use std::path::Path;
use std::sync::OnceLock;

use hsic_infogan_train::run::RunError;
use hsic_infogan_train::run::metrics::Row;
use image::{DynamicImage, RgbImage};
use plotters::prelude::*;

use crate::grid::save_png;

/// Registers a system TrueType font for the plots once; `false` if none was found.
pub fn font_available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let candidates = [
            std::env::var("HSIC_INFOGAN_FONT").unwrap_or_default(),
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".into(),
            "/usr/share/fonts/TTF/DejaVuSans.ttf".into(),
            "/usr/share/fonts/dejavu/DejaVuSans.ttf".into(),
            "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf".into(),
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf".into(),
            "/System/Library/Fonts/Supplemental/Arial.ttf".into(),
            "C:\\Windows\\Fonts\\arial.ttf".into(),
        ];
        candidates.iter().filter(|p| !p.is_empty()).any(|path| {
            std::fs::read(path).ok().is_some_and(|bytes| {
                plotters::style::register_font("sans-serif", FontStyle::Normal, Box::leak(bytes.into_boxed_slice()))
                    .is_ok()
            })
        })
    })
}

/// Moving average over `window` points, the first points averaging what precedes them.
fn smooth(values: &[f64], window: usize) -> Vec<f64> {
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            sum += v;
            if i >= window {
                sum -= values[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

/// Width and height of `losses.png`.
pub const LOSSES_SIZE: (u32, u32) = (1000, 400);

/// Draws D's and G's losses (left) and the regulariser and HSIC value (right) against the
/// iteration, smoothed over 1/50 of the run, to `path`. Without a system font the axes carry no
/// text (set `HSIC_INFOGAN_FONT` to a `.ttf` file, or install fonts-dejavu-core).
pub fn write_losses(rows: &[Row], path: &Path) -> Result<(), RunError> {
    let (w, h) = LOSSES_SIZE;
    let mut buffer = vec![255u8; (w * h * 3) as usize];
    draw_losses(rows, &mut buffer, font_available()).map_err(|e| RunError::run(path, e))?;
    let image = RgbImage::from_raw(w, h, buffer).expect("buffer size");
    save_png(&DynamicImage::ImageRgb8(image), path)
}

type Series<'a> = (&'a str, RGBColor, Vec<f64>);

fn draw_losses(rows: &[Row], buffer: &mut [u8], text: bool) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(buffer, LOSSES_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let window = (rows.len() / 50).max(1);
    let column = |f: fn(&Row) -> f64| smooth(&rows.iter().map(f).collect::<Vec<_>>(), window);
    let iterations: Vec<f64> = rows.iter().map(|r| r.iteration as f64).collect();
    let left: Vec<Series> =
        vec![("D loss", RED, column(|r| r.d_loss as f64)), ("G loss (adversarial)", BLUE, column(|r| r.g_loss as f64))];
    let mut right: Vec<Series> = vec![("regulariser", MAGENTA, column(|r| r.reg_loss as f64))];
    if rows.iter().all(|r| r.hsic.is_some()) && !rows.is_empty() {
        right.push(("HSIC", GREEN, column(|r| r.hsic.unwrap_or(0.0) as f64)));
    }
    let panels = root.split_evenly((1, 2));
    for (area, (title, series)) in panels.iter().zip([("losses", left), ("regulariser", right)]) {
        let x_max = iterations.last().copied().unwrap_or(1.0).max(1.0);
        let values = series.iter().flat_map(|(_, _, v)| v.iter().copied()).filter(|v| v.is_finite());
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let margin = ((hi - lo) * 0.05).max(1e-3);
        let mut builder = ChartBuilder::on(area);
        builder.margin(12);
        if text {
            builder.caption(title, ("sans-serif", 20)).x_label_area_size(35).y_label_area_size(55);
        }
        let mut chart = builder.build_cartesian_2d(0.0..x_max, (lo - margin)..(hi + margin))?;
        let mut mesh = chart.configure_mesh();
        if text {
            mesh.x_desc("iteration").x_label_formatter(&|x| format!("{x:.0}"));
        } else {
            mesh.disable_axes();
        }
        mesh.draw()?;
        for (label, color, values) in series {
            let drawn = chart.draw_series(LineSeries::new(iterations.iter().copied().zip(values), &color))?;
            if text {
                drawn.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            }
        }
        if text {
            chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_averages_the_window() {
        assert_eq!(smooth(&[1.0, 3.0, 5.0, 7.0], 2), vec![1.0, 2.0, 4.0, 6.0]);
    }
}
