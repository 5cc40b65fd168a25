//! The layout changes around the convolution products: im2col and its adjoint col2im, and
//! NCHW images to and from one row per pixel. Plain loops over f32 slices, parallel over images.

use std::ops::Range;

use crate::product::par_build;
use crate::transpose::transpose;

/// A convolution's sliding window. Output side: `(input + 2 padding - kernel) / stride + 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Window {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
}

impl Window {
    /// The output's `[height, width]` over an input of `input`; panics if the kernel does not fit.
    pub fn output(&self, input: [usize; 2]) -> [usize; 2] {
        std::array::from_fn(|d| {
            let span = input[d] + 2 * self.padding[d];
            assert!(span >= self.kernel[d], "conv: kernel {:?} larger than padded input {input:?}", self.kernel);
            (span - self.kernel[d]) / self.stride[d] + 1
        })
    }

    /// Along axis `d`, the taps of output position `o` that fall inside an input of `side`
    /// (tap `i` reads input pixel `o stride + i - padding`), and the pixel the first one reads.
    fn taps(&self, d: usize, o: usize, side: usize) -> (Range<usize>, usize) {
        let start = o * self.stride[d];
        let first = self.padding[d].saturating_sub(start);
        let end = (side + self.padding[d]).saturating_sub(start).min(self.kernel[d]);
        (first..end.max(first), start + first - self.padding[d])
    }
}

/// An NCHW batch's dimensions: `batch` images of `channels` planes of `side` = `[height, width]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Images {
    pub batch: usize,
    pub channels: usize,
    pub side: [usize; 2],
}

impl Images {
    pub fn plane(&self) -> usize {
        self.side[0] * self.side[1]
    }

    pub fn image(&self) -> usize {
        self.channels * self.plane()
    }

    /// `[batch, channels, height, width]`.
    pub fn shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.side[0], self.side[1]]
    }
}

/// im2col: `cols[(b, y, x), (c, i, j)] = images[b, c, y s - p + i, x s - p + j]` (0 outside),
/// a `[batch H' W', channels kh kw]` matrix.
pub(crate) fn im2col(images: &[f32], dims: Images, window: Window) -> Vec<f32> {
    let [out_h, out_w] = window.output(dims.side);
    let taps = dims.channels * window.kernel[0] * window.kernel[1];
    par_build(dims.batch * out_h * out_w * taps, out_h * out_w * taps, |b, cols| {
        im2col_image(&images[b * dims.image()..][..dims.image()], cols, dims, window)
    })
}

/// [`im2col`] of one image into its `[H' W', channels kh kw]` block `cols`, whose entries
/// outside the image (the padding) the caller has zeroed; `dims` are the images'.
pub(crate) fn im2col_image(image: &[f32], cols: &mut [f32], dims: Images, window: Window) {
    let [out_h, out_w] = window.output(dims.side);
    let [kh, kw] = window.kernel;
    let taps = dims.channels * kh * kw;
    assert_eq!(cols.len(), out_h * out_w * taps, "im2col: columns do not match {dims:?}");
    for (row, cols) in cols.chunks_mut(taps).enumerate() {
        let ((rows, y), (columns, x)) =
            (window.taps(0, row / out_w, dims.side[0]), window.taps(1, row % out_w, dims.side[1]));
        for (plane, cols) in image.chunks(dims.plane()).zip(cols.chunks_mut(kh * kw)) {
            for (i, y) in rows.clone().zip(y..) {
                let source = &plane[y * dims.side[1] + x..][..columns.len()];
                copy_short(&mut cols[i * kw + columns.start..][..columns.len()], source);
            }
        }
    }
}

/// `dst = src` for a run of one kernel row, inline for the 4 wide kernels of InfoGAN's networks:
/// `copy_from_slice` calls `memcpy`, whose call costs more than copying 16 bytes.
#[inline(always)]
fn copy_short(dst: &mut [f32], src: &[f32]) {
    match (<&mut [f32; 4]>::try_from(&mut *dst), <&[f32; 4]>::try_from(src)) {
        (Ok(dst), Ok(src)) => *dst = *src,
        _ => dst.copy_from_slice(src),
    }
}

/// col2im, im2col's adjoint, for one image: `image[c, y, x]` (zeroed by the caller) gains the
/// `cols` entries (`[H' W', channels kh kw]`) that [`im2col`] reads from that pixel; `dims` are
/// the images'.
pub(crate) fn col2im(cols: &[f32], image: &mut [f32], dims: Images, window: Window) {
    let [out_h, out_w] = window.output(dims.side);
    let [kh, kw] = window.kernel;
    let taps = dims.channels * kh * kw;
    assert_eq!(cols.len(), out_h * out_w * taps, "col2im: columns do not match {dims:?}");
    for (row, cols) in cols.chunks(taps).enumerate() {
        let ((rows, y), (columns, x)) =
            (window.taps(0, row / out_w, dims.side[0]), window.taps(1, row % out_w, dims.side[1]));
        for (plane, cols) in image.chunks_mut(dims.plane()).zip(cols.chunks(kh * kw)) {
            for (i, y) in rows.clone().zip(y..) {
                let target = &mut plane[y * dims.side[1] + x..][..columns.len()];
                add_short(target, &cols[i * kw + columns.start..][..columns.len()]);
            }
        }
    }
}

/// `dst += src` for a run of one kernel row, four lanes at once for the 4 wide kernels (the
/// same sums as one at a time).
#[inline(always)]
fn add_short(dst: &mut [f32], src: &[f32]) {
    match (<&mut [f32; 4]>::try_from(&mut *dst), <&[f32; 4]>::try_from(src)) {
        (Ok(dst), Ok(src)) => *dst = std::array::from_fn(|i| dst[i] + src[i]),
        _ => dst.iter_mut().zip(src).for_each(|(d, s)| *d += s),
    }
}

/// NCHW to one row per pixel: `rows[(b, y, x), c] = images[b, c, y, x]`.
pub(crate) fn to_rows(images: &[f32], dims: Images) -> Vec<f32> {
    par_build(images.len(), dims.image(), |b, rows| {
        image_to_rows(&images[b * dims.image()..][..dims.image()], rows, dims.channels)
    })
}

/// One image's planes `[C, H, W]` as `rows[(y, x), c]`.
pub(crate) fn image_to_rows(image: &[f32], rows: &mut [f32], channels: usize) {
    transpose(image, channels, image.len() / channels, rows);
}

/// [`to_rows`]' inverse: `images[b, c, y, x] = rows[(b, y, x), c]`.
pub(crate) fn from_rows(rows: &[f32], dims: Images) -> Vec<f32> {
    par_build(rows.len(), dims.image(), |b, image| {
        rows_to_image(&rows[b * dims.image()..][..dims.image()], image, dims.channels)
    })
}

/// [`image_to_rows`]' inverse.
pub(crate) fn rows_to_image(rows: &[f32], image: &mut [f32], channels: usize) {
    transpose(rows, rows.len() / channels, channels, image);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919) % 23) as f32 - 11.0).collect()
    }

    /// `<im2col(x), c> = <x, col2im(c)>` for integer-valued x and c (exact in f32), on windows
    /// with stride, padding, a kernel wider than the stride and one that skips input pixels.
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        for (side, kernel, stride, padding) in
            [([5, 7], [3, 2], [1, 1], [1, 0]), ([8, 8], [4, 4], [2, 2], [1, 1]), ([7, 6], [2, 3], [3, 2], [0, 1])]
        {
            let dims = Images { batch: 2, channels: 3, side };
            let window = Window { kernel, stride, padding };
            let x = values(2 * 3 * side[0] * side[1]);
            let cols = im2col(&x, dims, window);
            let c: Vec<f32> = values(cols.len() + 5)[5..].to_vec();
            let mut back = vec![0.0; x.len()];
            for (image, c) in back.chunks_mut(dims.image()).zip(c.chunks(c.len() / dims.batch)) {
                col2im(c, image, dims, window);
            }
            let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| f64::from(a * b)).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| f64::from(a * b)).sum();
            assert_eq!(lhs, rhs, "{window:?} on {side:?}");
        }
    }

    #[test]
    fn im2col_reads_the_padded_window_of_each_output_pixel() {
        // One 1-channel 3x3 image 1..9, a 2x2 kernel, stride 2, padding 1: a 2x2 output; its
        // first window holds one pixel and three of padding, its last four pixels.
        let dims = Images { batch: 1, channels: 1, side: [3, 3] };
        let window = Window { kernel: [2, 2], stride: [2, 2], padding: [1, 1] };
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        assert_eq!(window.output([3, 3]), [2, 2]);
        #[rustfmt::skip]
        assert_eq!(im2col(&x, dims, window), vec![
            0.0, 0.0, 0.0, 1.0,
            0.0, 0.0, 2.0, 3.0,
            0.0, 4.0, 0.0, 7.0,
            5.0, 6.0, 8.0, 9.0,
        ]);
    }

    #[test]
    fn rows_and_images_round_trip() {
        let dims = Images { batch: 2, channels: 3, side: [2, 5] };
        let x = values(60);
        let rows = to_rows(&x, dims);
        // (b 1, y 1, x 1) is row 10 + 6; channel 2 of image 1 starts at 30 + 20.
        assert_eq!(rows[16 * 3 + 2], x[30 + 20 + 6]);
        assert_eq!(from_rows(&rows, dims), x);
    }
}
