//! The sweep's figures: the paper's Fig. 2 mosaic (one traversal thumbnail per sigma x lambda
//! cell) and a heat map of the categorical accuracy, both with rows = (sigma_x, sigma_c) and
//! columns = lambda, for the first seed.

use std::path::Path;

use hsic_infogan_figures::{font_available, save_png};
use hsic_infogan_train::TrainError;
use image::imageops::{FilterType, resize};
use image::{DynamicImage, RgbImage};
use plotters::prelude::*;

use super::{CellResult, Grid};

/// Side of a thumbnail in the mosaic, pixels.
pub const THUMB: u32 = 150;
/// Width of the row labels and height of the column labels.
pub const LEFT: u32 = 110;
pub const TOP: u32 = 40;
/// Gap between cells.
const GAP: u32 = 6;
/// Size of a heat-map cell.
const HEAT: (u32, u32) = (90, 50);

/// Row labels (`σx 4` or `σx 4, σc 1` when sigma_c varies) and the (sigma_x, sigma_c) of each row.
fn rows(grid: &Grid) -> Vec<(String, f64, f64)> {
    let mut rows = Vec::new();
    for &sx in &grid.sigma_x {
        for &sc in &grid.sigma_c {
            let label = if grid.sigma_c.len() > 1 { format!("σx {sx}, σc {sc}") } else { format!("σx {sx}") };
            rows.push((label, sx, sc));
        }
    }
    rows
}

/// The first seed's result in row `r`, column `c`.
fn find<'a>(
    results: &'a [CellResult],
    grid: &Grid,
    (_, sx, sc): &(String, f64, f64),
    lambda: f64,
) -> Option<&'a CellResult> {
    results.iter().find(|r| {
        r.cell.sigma_x == *sx && r.cell.sigma_c == *sc && r.cell.lambda == lambda && r.cell.seed == grid.seeds[0]
    })
}

/// Size of a labelled table of `rows x cols` cells of `cell` pixels.
fn canvas_size(rows: usize, cols: usize, cell: (u32, u32)) -> (u32, u32) {
    (LEFT + cols as u32 * (cell.0 + GAP), TOP + rows as u32 * (cell.1 + GAP))
}

/// Top-left corner of cell (r, c).
fn origin(r: usize, c: usize, cell: (u32, u32)) -> (u32, u32) {
    (LEFT + c as u32 * (cell.0 + GAP), TOP + r as u32 * (cell.1 + GAP))
}

/// Writes the row labels at the left and `λ value` above each column (nothing without a font).
fn draw_labels(
    buffer: &mut [u8],
    size: (u32, u32),
    cell: (u32, u32),
    grid: &Grid,
) -> Result<(), Box<dyn std::error::Error>> {
    if !font_available() {
        return Ok(());
    }
    let root = BitMapBackend::with_buffer(buffer, size).into_drawing_area();
    let style = ("sans-serif", 18).into_font().color(&BLACK);
    for (c, lambda) in grid.lambda.iter().enumerate() {
        let (x, _) = origin(0, c, cell);
        root.draw(&Text::new(format!("λ {lambda}"), (x as i32 + cell.0 as i32 / 2 - 20, 12), style.clone()))?;
    }
    for (r, (label, _, _)) in rows(grid).iter().enumerate() {
        let (_, y) = origin(r, 0, cell);
        root.draw(&Text::new(label.clone(), (6, y as i32 + cell.1 as i32 / 2 - 9), style.clone()))?;
    }
    root.present()?;
    Ok(())
}

/// `fig2.png`: each cell's `traverse_c1.png` scaled to [`THUMB`] pixels (grey where a cell
/// failed), rows = sigma, columns = lambda.
pub fn write_mosaic(results: &[CellResult], grid: &Grid, path: &Path) -> Result<(), TrainError> {
    let rows = rows(grid);
    let cell = (THUMB, THUMB);
    let size = canvas_size(rows.len(), grid.lambda.len(), cell);
    let mut canvas = RgbImage::from_pixel(size.0, size.1, image::Rgb([255, 255, 255]));
    for (r, row) in rows.iter().enumerate() {
        for (c, &lambda) in grid.lambda.iter().enumerate() {
            let figure =
                find(results, grid, row, lambda).map(|result| hsic_infogan_train::run::traversal_path(&result.dir, 0));
            let thumb = match figure.filter(|p| p.is_file()) {
                Some(file) => {
                    let image = image::open(&file).map_err(|e| TrainError::run(&file, e))?.into_rgb8();
                    resize(&image, THUMB, THUMB, FilterType::Triangle)
                }
                None => RgbImage::from_pixel(THUMB, THUMB, image::Rgb([200, 200, 200])),
            };
            let (x, y) = origin(r, c, cell);
            image::imageops::replace(&mut canvas, &thumb, x.into(), y.into());
        }
    }
    let mut buffer = canvas.into_raw();
    draw_labels(&mut buffer, size, cell, grid).map_err(|e| TrainError::run(path, e))?;
    Ok(save_png(&DynamicImage::ImageRgb8(RgbImage::from_raw(size.0, size.1, buffer).expect("size")), path)?)
}

/// White (0%) to dark blue (100%).
fn shade(accuracy: f64) -> RGBColor {
    let t = accuracy.clamp(0.0, 1.0);
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    RGBColor(mix(255.0, 20.0), mix(255.0, 60.0), mix(255.0, 160.0))
}

/// `accuracy.png`: the categorical accuracy of each cell as a coloured square with its value
/// (`failed` for a cell whose loss became non-finite), rows = sigma, columns = lambda.
pub fn write_heat_map(results: &[CellResult], grid: &Grid, path: &Path) -> Result<(), TrainError> {
    let rows = rows(grid);
    let size = canvas_size(rows.len(), grid.lambda.len(), HEAT);
    let mut buffer = vec![255u8; (size.0 * size.1 * 3) as usize];
    let draw = |buffer: &mut [u8]| -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::with_buffer(buffer, size).into_drawing_area();
        for (r, row) in rows.iter().enumerate() {
            for (c, &lambda) in grid.lambda.iter().enumerate() {
                let outcome = find(results, grid, row, lambda).map(|result| &result.outcome);
                let (fill, text) = match outcome {
                    Some(Ok(report)) => {
                        let accuracy = report.categorical.first().map_or(0.0, |s| s.accuracy);
                        (shade(accuracy), format!("{:.1}%", 100.0 * accuracy))
                    }
                    Some(Err(_)) => (RGBColor(200, 200, 200), "failed".into()),
                    None => (RGBColor(235, 235, 235), String::new()),
                };
                let (x, y) = origin(r, c, HEAT);
                let (x, y) = (x as i32, y as i32);
                root.draw(&Rectangle::new([(x, y), (x + HEAT.0 as i32, y + HEAT.1 as i32)], fill.filled()))?;
                if font_available() && !text.is_empty() {
                    let colour = if fill.0 < 130 { WHITE } else { BLACK };
                    let style = ("sans-serif", 18).into_font().color(&colour);
                    root.draw(&Text::new(text, (x + 18, y + HEAT.1 as i32 / 2 - 9), style))?;
                }
            }
        }
        root.present()?;
        Ok(())
    };
    draw(&mut buffer).map_err(|e| TrainError::run(path, e))?;
    draw_labels(&mut buffer, size, HEAT, grid).map_err(|e| TrainError::run(path, e))?;
    Ok(save_png(&DynamicImage::ImageRgb8(RgbImage::from_raw(size.0, size.1, buffer).expect("size")), path)?)
}
