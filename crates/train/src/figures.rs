//! The run's figures: image grids (the paper's Fig. 1 traversals, samples) and loss curves.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use burn::prelude::*;
use hsic_infogan_models::{Generator, LatentConfig, Rng, traversal};
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, DynamicImage, Frame, GrayImage, ImageFormat, RgbImage};
use plotters::prelude::*;

use crate::run::metrics::Row;
use crate::{TrainConfig, TrainError, files};

/// Pixels between grid cells.
const PAD: usize = 2;
/// Grey of the padding between cells.
const PAD_VALUE: u8 = 128;
/// Columns of a traversal grid: the continuous code at 10 evenly spaced values in [-1, 1].
pub const TRAVERSAL_STEPS: usize = 10;

/// Lays out `images` (`[N, C, H, W]` values in [0, 1], row-major cells) as a `rows x cols` grid
/// with grey lines between cells; 1 channel gives a grey image, 3 an RGB one.
pub fn grid(images: &[f32], dims: [usize; 3], rows: usize, cols: usize) -> DynamicImage {
    tile(images, dims, rows, cols, PAD)
}

/// One image (`[C, H, W]` values in [0, 1]) as an 8-bit grey or RGB image.
pub fn picture(image: &[f32], dims: [usize; 3]) -> DynamicImage {
    tile(image, dims, 1, 1, 0)
}

fn tile(images: &[f32], dims: [usize; 3], rows: usize, cols: usize, pad: usize) -> DynamicImage {
    let [channels, height, width] = dims;
    assert!(channels == 1 || channels == 3, "grid: 1 or 3 channels, got {channels}");
    assert_eq!(images.len(), rows * cols * channels * height * width, "grid: image count");
    let (gw, gh) = (cols * (width + pad) + pad, rows * (height + pad) + pad);
    let mut pixels = vec![PAD_VALUE; gw * gh * channels];
    for cell in 0..rows * cols {
        let (r, c) = (cell / cols, cell % cols);
        let image = &images[cell * channels * height * width..][..channels * height * width];
        for y in 0..height {
            for x in 0..width {
                let (gy, gx) = (pad + r * (height + pad) + y, pad + c * (width + pad) + x);
                for ch in 0..channels {
                    let v = image[(ch * height + y) * width + x];
                    pixels[(gy * gw + gx) * channels + ch] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            }
        }
    }
    let (gw, gh) = (gw as u32, gh as u32);
    if channels == 1 {
        DynamicImage::ImageLuma8(GrayImage::from_raw(gw, gh, pixels).expect("buffer size"))
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_raw(gw, gh, pixels).expect("buffer size"))
    }
}

/// Encodes `image` as PNG into `path.tmp`, then renames it to `path`.
pub fn save_png(image: &DynamicImage, path: &Path) -> Result<(), TrainError> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).map_err(|e| TrainError::run(path, e))?;
    files::write_atomic(path, bytes)
}

/// The noise vector all traversal cells share, fixed by the seed so figures of successive
/// epochs (and of a resumed run) are comparable.
pub fn traversal_noise(layout: &LatentConfig, seed: u64) -> Vec<f32> {
    let mut rng = Rng::fork(seed, u64::MAX);
    (0..layout.noise).map(|_| rng.normal() as f32).collect()
}

fn generate(generator: &Generator, latent: &hsic_infogan_models::Latent, device: &Device) -> Vec<f32> {
    generator.forward(latent.input(device)).into_data().try_to_vec::<f32>().expect("f32 images")
}

/// Writes `traverse_c1.png`, `traverse_c2.png`, ... (one per continuous code): rows are the
/// values of the first categorical code, columns sweep the code over [-1, 1]. `generator` should
/// be in eval mode (`valid()`), so batch norm uses its running statistics.
pub fn write_traversals(
    generator: &Generator,
    layout: &LatentConfig,
    dims: [usize; 3],
    seed: u64,
    dir: &Path,
    device: &Device,
) -> Result<Vec<PathBuf>, TrainError> {
    let z = traversal_noise(layout, seed);
    (0..layout.continuous)
        .map(|code| {
            let latent = traversal(layout, code, TRAVERSAL_STEPS, &z);
            let rows = latent.batch / TRAVERSAL_STEPS;
            let path = dir.join(format!("traverse_c{}.png", code + 1));
            save_png(&grid(&generate(generator, &latent, device), dims, rows, TRAVERSAL_STEPS), &path)?;
            Ok(path)
        })
        .collect()
}

/// Writes a `side x side` grid of samples from the prior (fixed by the seed) to `path`.
pub fn write_samples(
    generator: &Generator,
    layout: &LatentConfig,
    dims: [usize; 3],
    seed: u64,
    side: usize,
    path: &Path,
    device: &Device,
) -> Result<(), TrainError> {
    let latent = layout.sample(side * side, &mut Rng::fork(seed, u64::MAX - 1));
    save_png(&grid(&generate(generator, &latent, device), dims, side, side), path)
}

/// `traverse_c*.png` and `samples.png` (10 x 10) of `generator` (in eval mode) into `dir`.
pub fn write_generator_figures(
    generator: &Generator,
    config: &TrainConfig,
    dims: [usize; 3],
    dir: &Path,
    device: &Device,
) -> Result<Vec<PathBuf>, TrainError> {
    let mut paths = write_traversals(generator, &config.latent, dims, config.seed, dir, device)?;
    let samples = dir.join("samples.png");
    write_samples(generator, &config.latent, dims, config.seed, 10, &samples, device)?;
    paths.push(samples);
    Ok(paths)
}

/// The folder of the figures' history: `run/figures`.
pub fn history_dir(run: &Path) -> PathBuf {
    run.join("figures")
}

/// Milliseconds each epoch's frame shows in the animations.
const FRAME_MS: u32 = 500;

/// Keeps epoch `epoch`'s copy of each figure in `figures` (`figures/epoch_NNN_NAME.png`) and
/// redraws `figures/NAME.gif`, the figure over all epochs kept so far.
pub fn record_epoch(run: &Path, epoch: usize, figures: &[PathBuf]) -> Result<Vec<PathBuf>, TrainError> {
    let history = history_dir(run);
    std::fs::create_dir_all(&history).map_err(TrainError::io(&history))?;
    let mut animations = Vec::new();
    for figure in figures {
        let name = figure.file_stem().and_then(|n| n.to_str()).expect("figures have UTF-8 names");
        let kept = history.join(format!("epoch_{epoch:03}_{name}.png"));
        files::write_atomic(&kept, std::fs::read(figure).map_err(TrainError::io(figure))?)?;
        let mut frames: Vec<PathBuf> = std::fs::read_dir(&history)
            .map_err(TrainError::io(&history))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| is_frame_of(path, name))
            .collect();
        frames.sort();
        let animation = history.join(format!("{name}.gif"));
        write_animation(&frames, &animation)?;
        animations.push(animation);
    }
    Ok(animations)
}

/// Whether `path` is `epoch_NNN_NAME.png`.
fn is_frame_of(path: &Path, name: &str) -> bool {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    file.strip_prefix("epoch_")
        .and_then(|rest| rest.split_once('_'))
        .is_some_and(|(epoch, rest)| epoch.bytes().all(|b| b.is_ascii_digit()) && rest == format!("{name}.png"))
}

/// An endlessly looping GIF of the PNG files `frames`, in order.
pub fn write_animation(frames: &[PathBuf], path: &Path) -> Result<(), TrainError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        encoder.set_repeat(Repeat::Infinite).map_err(|e| TrainError::run(path, e))?;
        for frame in frames {
            let image = image::open(frame).map_err(|e| TrainError::run(frame, e))?.into_rgba8();
            let delay = Delay::from_numer_denom_ms(FRAME_MS, 1);
            encoder.encode_frame(Frame::from_parts(image, 0, 0, delay)).map_err(|e| TrainError::run(path, e))?;
        }
    }
    files::write_atomic(path, bytes)
}

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
pub fn write_losses(rows: &[Row], path: &Path) -> Result<(), TrainError> {
    let (w, h) = LOSSES_SIZE;
    let mut buffer = vec![255u8; (w * h * 3) as usize];
    draw_losses(rows, &mut buffer, font_available()).map_err(|e| TrainError::run(path, e))?;
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
    fn grid_places_cells_row_major_with_padding() {
        // 2 x 3 cells of 2 x 2 pixels; cell k is filled with k / 10.
        let images: Vec<f32> = (0..6).flat_map(|k| [k as f32 / 10.0; 4]).collect();
        let image = grid(&images, [1, 2, 2], 2, 3).into_luma8();
        assert_eq!(image.dimensions(), (3 * 4 + 2, 2 * 4 + 2));
        assert_eq!(image.get_pixel(0, 0).0[0], PAD_VALUE);
        let cell = |r: u32, c: u32| image.get_pixel(2 + c * 4, 2 + r * 4).0[0];
        assert_eq!(cell(0, 0), 0);
        assert_eq!(cell(1, 2), 128); // cell 5: 0.5 * 255 rounded
        assert_eq!(cell(0, 1), 26);
    }

    #[test]
    fn smoothing_averages_the_window() {
        assert_eq!(smooth(&[1.0, 3.0, 5.0, 7.0], 2), vec![1.0, 2.0, 4.0, 6.0]);
    }
}
