//! Image grids: cells of `[C, H, W]` values in [0, 1] laid out row by row, saved as PNG.

use std::io::Cursor;
use std::path::Path;

use hsic_infogan_train::run::{RunError, files};
use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};

/// Pixels between grid cells.
const PAD: usize = 2;
/// Grey of the padding between cells.
const PAD_VALUE: u8 = 128;

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
pub fn save_png(image: &DynamicImage, path: &Path) -> Result<(), RunError> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).map_err(|e| RunError::run(path, e))?;
    files::write_atomic(path, bytes)
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
}
