//! The codes x factors mutual-information matrix of a run as a heat map: which code captured
//! which factor of variation, readable at a glance (as in Chen et al. 2018, "Isolating sources
//! of disentanglement in VAEs").

use std::path::Path;

use hsic_infogan_train::run::RunError;
use image::{DynamicImage, RgbImage};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::grid::{grid, save_png};
use crate::losses::font_available;

/// Side of a cell: that of a 64 x 64 image, so the rows can sit next to traversal rows.
const CELL: u32 = 64;
/// Space between cells, as in [`crate::grid`].
const GAP: u32 = 2;
/// Grey of the lines between cells, light so that it outlines the palest cells on the white
/// background without competing with the darkest.
const GAP_GREY: u8 = 0xd0;
/// Width of the code labels on the left.
const LEFT: u32 = 80;
/// Height of the title.
const TITLE: u32 = 36;
/// Height of the factor labels above the columns.
const HEADER: u32 = 26;
/// White space right of and below the cells.
const MARGIN: u32 = 8;
/// ColorBrewer's sequential "Blues": every channel falls from stop to stop, so the luminance
/// falls monotonically with the value.
const BLUES: [[u8; 3]; 9] = [
    [0xf7, 0xfb, 0xff],
    [0xde, 0xeb, 0xf7],
    [0xc6, 0xdb, 0xef],
    [0x9e, 0xca, 0xe1],
    [0x6b, 0xae, 0xd6],
    [0x42, 0x92, 0xc6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x51, 0x9c],
    [0x08, 0x30, 0x6b],
];

/// Draws the heat map of `matrix[i][j]`, the normalised mutual information of code i with
/// factor j (in [0, 1]; values outside are clamped for the colour only, the printed number
/// stays true): one row per code, labelled on the left, one column per factor, labelled on top.
/// Cells are 64 px square with 2 px grey lines between them. Without a system font it carries
/// no text (see [`crate::write_losses`]). A malformed matrix (empty, ragged, not finite, labels
/// that do not match it) is an error rather than a misleading picture.
pub fn heat_map_image(
    matrix: &[Vec<f64>],
    codes: &[String],
    factors: &[String],
    title: &str,
) -> Result<DynamicImage, RunError> {
    render(matrix, codes, factors, title).map_err(|problem| RunError::Config(format!("heat map: {problem}")))
}

/// Writes [`heat_map_image`] to `path` as PNG (atomically); errors name the file.
pub fn write_heat_map(
    matrix: &[Vec<f64>],
    codes: &[String],
    factors: &[String],
    title: &str,
    path: &Path,
) -> Result<(), RunError> {
    let image = render(matrix, codes, factors, title).map_err(|problem| RunError::run(path, problem))?;
    save_png(&image, path)
}

/// Writes [`heat_map_image`] with, right of each code's row, that code's traversal: `traversals`
/// holds one row of images (`[C, H, W]` values in [0, 1], `dims`) per code, the code swept over
/// [-1, 1] with everything else fixed, so which factor a code captures can be read off its row
/// and seen in its images. 64 x 64 images line up with the cells.
pub fn write_codes_figure(
    matrix: &[Vec<f64>],
    codes: &[String],
    factors: &[String],
    title: &str,
    traversals: &[f32],
    dims: [usize; 3],
    path: &Path,
) -> Result<(), RunError> {
    let heat = render(matrix, codes, factors, title).map_err(|problem| RunError::run(path, problem))?.to_rgb8();
    let per_image = dims.iter().product::<usize>();
    let columns = traversals.len() / per_image / codes.len().max(1);
    if columns == 0 || traversals.len() != codes.len() * columns * per_image {
        return Err(RunError::run(path, format!("{} traversal values for {} codes", traversals.len(), codes.len())));
    }
    let rows = grid(traversals, dims, codes.len(), columns).to_rgb8();
    // The grid's first cell starts GAP below its top, the heat map's TITLE + HEADER + GAP.
    let top = TITLE + HEADER;
    let (width, height) = (heat.width() + rows.width() + MARGIN, heat.height().max(top + rows.height() + MARGIN));
    let mut canvas = RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    image::imageops::replace(&mut canvas, &heat, 0, 0);
    image::imageops::replace(&mut canvas, &rows, i64::from(heat.width()), i64::from(top));
    save_png(&DynamicImage::ImageRgb8(canvas), path)
}

/// Width and height of the image for `rows x cols` cells.
fn image_size(rows: usize, cols: usize) -> (u32, u32) {
    let pitch = CELL + GAP;
    (LEFT + cols as u32 * pitch + GAP + MARGIN, TITLE + HEADER + rows as u32 * pitch + GAP + MARGIN)
}

/// Top-left pixel of cell `(row, col)`.
fn cell_origin(row: usize, col: usize) -> (u32, u32) {
    let pitch = CELL + GAP;
    (LEFT + GAP + col as u32 * pitch, TITLE + HEADER + GAP + row as u32 * pitch)
}

fn check(matrix: &[Vec<f64>], codes: &[String], factors: &[String]) -> Result<(), String> {
    let Some(first) = matrix.first() else {
        return Err("the matrix is empty (no codes)".into());
    };
    if first.is_empty() {
        return Err("the matrix has no columns (no factors)".into());
    }
    let cols = first.len();
    if let Some((i, row)) = matrix.iter().enumerate().find(|(_, row)| row.len() != cols) {
        return Err(format!("rows of unequal length: row {i} has {} values, row 0 has {cols}", row.len()));
    }
    if codes.len() != matrix.len() {
        return Err(format!("{} code labels for {} matrix rows", codes.len(), matrix.len()));
    }
    if factors.len() != cols {
        return Err(format!("{} factor labels for {cols} matrix columns", factors.len()));
    }
    for (i, row) in matrix.iter().enumerate() {
        if let Some((j, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "the value of code {} with factor {} is {v}, not a finite number",
                codes[i], factors[j]
            ));
        }
    }
    Ok(())
}

/// The colour of `value`, clamped to [0, 1], interpolated between the [`BLUES`] stops.
fn colour(value: f64) -> [u8; 3] {
    let t = value.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let i = (t.floor() as usize).min(BLUES.len() - 2);
    let f = t - i as f64;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    std::array::from_fn(|k| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8)
}

/// Relative luminance (WCAG) of an sRGB colour, in [0, 1].
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// White text below the luminance where it contrasts more than black text does (WCAG).
fn text_colour(background: [u8; 3]) -> RGBColor {
    if luminance(background) < 0.179 { WHITE } else { RGBColor(0x1a, 0x1a, 0x1a) }
}

fn render(matrix: &[Vec<f64>], codes: &[String], factors: &[String], title: &str) -> Result<DynamicImage, String> {
    check(matrix, codes, factors)?;
    let (w, h) = image_size(matrix.len(), factors.len());
    let mut image = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let (gx, gy) = (LEFT, TITLE + HEADER);
    for y in gy..h - MARGIN {
        for x in gx..w - MARGIN {
            image.put_pixel(x, y, image::Rgb([GAP_GREY; 3]));
        }
    }
    for (i, row) in matrix.iter().enumerate() {
        for (j, &value) in row.iter().enumerate() {
            let (x0, y0) = cell_origin(i, j);
            let fill = image::Rgb(colour(value));
            for y in y0..y0 + CELL {
                for x in x0..x0 + CELL {
                    image.put_pixel(x, y, fill);
                }
            }
        }
    }
    if font_available() {
        let (w, h) = image.dimensions();
        let mut buffer = image.into_raw();
        draw_text(matrix, codes, factors, title, &mut buffer, (w, h)).map_err(|e| format!("drawing the text: {e}"))?;
        image = RgbImage::from_raw(w, h, buffer).expect("buffer size");
    }
    Ok(DynamicImage::ImageRgb8(image))
}

/// The largest size from `size` down to `min` at which `text` is at most `width` pixels wide.
fn fitting(text: &str, width: u32, size: f64, min: f64) -> f64 {
    let mut size = size;
    while size > min && ("sans-serif", size).into_font().box_size(text).is_ok_and(|(w, _)| w > width) {
        size -= 1.0;
    }
    size
}

fn draw_text(
    matrix: &[Vec<f64>],
    codes: &[String],
    factors: &[String],
    title: &str,
    buffer: &mut [u8],
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(buffer, size).into_drawing_area();
    let centred = Pos::new(HPos::Center, VPos::Center);
    let text = |px: f64, colour: RGBColor, pos: Pos| ("sans-serif", px).into_font().color(&colour).pos(pos);
    let dark = RGBColor(0x1a, 0x1a, 0x1a);
    let half = (CELL / 2) as i32;

    let title_size = fitting(title, size.0 - 2 * MARGIN, 20.0, 10.0);
    root.draw_text(title, &text(title_size, dark, centred), (size.0 as i32 / 2, TITLE as i32 / 2 + 2))?;
    for (j, factor) in factors.iter().enumerate() {
        let (x, _) = cell_origin(0, j);
        let style = text(fitting(factor, CELL - 2, 15.0, 8.0), dark, centred);
        root.draw_text(factor, &style, (x as i32 + half, (TITLE + HEADER / 2) as i32 + 2))?;
    }
    let right = Pos::new(HPos::Right, VPos::Center);
    for (i, code) in codes.iter().enumerate() {
        let (_, y) = cell_origin(i, 0);
        let style = text(fitting(code, LEFT - MARGIN - 6, 16.0, 8.0), dark, right);
        root.draw_text(code, &style, ((LEFT - 6) as i32, y as i32 + half))?;
    }
    for (i, row) in matrix.iter().enumerate() {
        for (j, &value) in row.iter().enumerate() {
            let (x, y) = cell_origin(i, j);
            let number = format!("{value:.2}");
            let style = text(fitting(&number, CELL - 6, 18.0, 8.0), text_colour(colour(value)), centred);
            root.draw_text(&number, &style, (x as i32 + half, y as i32 + half))?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(prefix: &str, n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn dsprites_factors() -> Vec<String> {
        ["shape", "scale", "orientation", "posX", "posY"].map(String::from).to_vec()
    }

    #[test]
    fn each_codes_traversal_sits_beside_its_row() {
        // Two codes, three 64 x 64 images each: code 1's all white, code 2's all black.
        let image = |v: f32| vec![v; 64 * 64];
        let rows: Vec<f32> = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0].into_iter().flat_map(image).collect();
        let matrix = vec![vec![0.1, 0.2], vec![0.3, 0.4]];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.png");
        write_codes_figure(&matrix, &labels("c", 2), &labels("f", 2), "t", &rows, [1, 64, 64], &path).unwrap();
        let figure = image::open(&path).unwrap().into_rgb8();
        let heat_width = heat_map_image(&matrix, &labels("c", 2), &labels("f", 2), "t").unwrap().width();
        assert_eq!(figure.width(), heat_width + 3 * 66 + 2 + MARGIN);
        // The middle of each traversal image is level with its code's cells.
        for (row, value) in [(0, 255), (1, 0)] {
            let (_, y) = cell_origin(row, 0);
            for k in 0..3 {
                let x = heat_width + 2 + k * 66 + 32;
                assert_eq!(figure.get_pixel(x, y + 32).0, [value; 3], "code {row}, image {k}");
            }
        }
        let err = write_codes_figure(&matrix, &labels("c", 2), &labels("f", 2), "t", &rows[1..], [1, 64, 64], &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("codes.png") && err.contains("traversal values"), "{err}");
    }

    #[test]
    fn image_size_follows_the_matrix() {
        let five: Vec<Vec<f64>> = (0..5).map(|i| (0..5).map(|j| if i == j { 0.8 } else { 0.05 }).collect()).collect();
        let image = heat_map_image(&five, &labels("c", 5), &dsprites_factors(), "MI(code; factor)").unwrap();
        // 80 px of labels + 5 cells of 64 px with 2 px gaps + 8 px margin; 36 + 26 px of title
        // and factor labels above.
        assert_eq!((image.width(), image.height()), (80 + 5 * 66 + 2 + 8, 62 + 5 * 66 + 2 + 8));
        let two = vec![vec![0.1, 0.2, 0.3], vec![0.4, 0.5, 0.6]];
        let image = heat_map_image(&two, &labels("c", 2), &labels("f", 3), "t").unwrap();
        assert_eq!((image.width(), image.height()), (80 + 3 * 66 + 2 + 8, 62 + 2 * 66 + 2 + 8));
    }

    #[test]
    fn larger_values_are_darker() {
        let matrix = vec![vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.7], vec![-0.3, 0.0, 0.1, 0.2, 0.3, 0.4]];
        let image = heat_map_image(&matrix, &labels("c", 2), &labels("f", 6), "t").unwrap().into_rgb8();
        // Near the cell's corner, away from the printed number.
        let shade = |i: usize, j: usize| {
            let (x, y) = cell_origin(i, j);
            luminance(image.get_pixel(x + 3, y + 3).0)
        };
        for j in 1..5 {
            assert!(shade(0, j) < shade(0, j - 1), "cell {j} is not darker than cell {}", j - 1);
        }
        assert_eq!(image.get_pixel(cell_origin(0, 5).0 + 3, cell_origin(0, 5).1 + 3).0, BLUES[8], "clamped");
        assert_eq!(image.get_pixel(cell_origin(1, 0).0 + 3, cell_origin(1, 0).1 + 3).0, BLUES[0], "clamped");
        assert_eq!(shade(1, 0), shade(0, 0));
    }

    #[test]
    fn the_text_contrasts_with_its_cell() {
        let matrix = vec![vec![0.0, 1.0]];
        let image = heat_map_image(&matrix, &labels("c", 1), &labels("f", 2), "t").unwrap().into_rgb8();
        // The luminances of the pixels in the `w x h` box at `(x, y)`.
        let shades = |(x, y): (u32, u32), (w, h): (u32, u32)| {
            (y..y + h)
                .flat_map(move |y| (x..x + w).map(move |x| (x, y)))
                .map(|(x, y)| luminance(image.get_pixel(x, y).0))
        };
        let centre = |j: usize| {
            let (x, y) = cell_origin(0, j);
            ((x + 16, y + 24), (CELL - 32, CELL - 48))
        };
        if font_available() {
            assert!(shades(centre(0).0, centre(0).1).any(|l| l < 0.05), "dark number on the pale cell");
            assert!(shades(centre(1).0, centre(1).1).any(|l| l > 0.9), "white number on the dark cell");
            assert!(shades((0, cell_origin(0, 0).1), (LEFT, CELL)).any(|l| l < 0.5), "code label");
            assert!(shades((LEFT, TITLE), (CELL, HEADER)).any(|l| l < 0.5), "factor label");
            assert!(shades((0, 0), (image.width(), TITLE)).any(|l| l < 0.5), "title");
        } else {
            // `.ci/run` installs fonts-dejavu-core.
            assert!(std::env::var_os("CI").is_none(), "CI must provide a font for the heat map's text");
            println!(
                "SKIPPED: the heat map's text (no font found; install fonts-dejavu-core or set HSIC_INFOGAN_FONT)"
            );
            assert!(shades((0, 0), (image.width(), TITLE + HEADER)).all(|l| l > 0.99), "no text without a font");
        }
    }

    #[test]
    fn the_colour_map_is_monotone() {
        let shades: Vec<f64> = (0..=100).map(|k| luminance(colour(k as f64 / 100.0))).collect();
        assert!(shades.windows(2).all(|w| w[1] < w[0]));
        assert_eq!(text_colour(colour(0.0)), RGBColor(0x1a, 0x1a, 0x1a));
        assert_eq!(text_colour(colour(1.0)), WHITE);
    }

    #[test]
    fn malformed_input_is_an_error_naming_the_problem() {
        let matrix = vec![vec![0.1, 0.2], vec![0.3, 0.4]];
        let error = |m: &[Vec<f64>], codes: &[String], factors: &[String]| {
            heat_map_image(m, codes, factors, "t").unwrap_err().to_string()
        };
        let message = error(&matrix, &labels("c", 3), &labels("f", 2));
        assert!(message.contains("3 code labels for 2 matrix rows"), "{message}");
        let message = error(&matrix, &labels("c", 2), &labels("f", 1));
        assert!(message.contains("1 factor labels for 2 matrix columns"), "{message}");
        assert!(error(&[], &[], &[]).contains("empty"));
        assert!(error(&[vec![], vec![]], &labels("c", 2), &[]).contains("no factors"));
        let message = error(&[vec![0.1, 0.2], vec![0.3]], &labels("c", 2), &labels("f", 2));
        assert!(message.contains("unequal length: row 1 has 1 values"), "{message}");
        let message = error(&[vec![0.1, f64::NAN], vec![0.3, 0.4]], &labels("c", 2), &labels("f", 2));
        assert!(message.contains("code c1 with factor f2 is NaN"), "{message}");
        let message = error(&[vec![0.1, 0.2], vec![f64::INFINITY, 0.4]], &labels("c", 2), &labels("f", 2));
        assert!(message.contains("code c2 with factor f1 is inf"), "{message}");
    }

    #[test]
    fn write_heat_map_writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mi.png");
        let matrix = vec![vec![0.9, 0.1, 0.0], vec![0.05, 0.6, 0.3]];
        write_heat_map(&matrix, &labels("c", 2), &labels("f", 3), "MI", &path).unwrap();
        let image = image::open(&path).unwrap();
        assert_eq!((image.width(), image.height()), image_size(2, 3));

        let bad = dir.path().join("bad.png");
        let message = write_heat_map(&matrix, &labels("c", 1), &labels("f", 3), "MI", &bad).unwrap_err().to_string();
        assert!(message.contains("bad.png") && message.contains("1 code labels for 2 matrix rows"), "{message}");
        assert!(!bad.exists());
    }
}
