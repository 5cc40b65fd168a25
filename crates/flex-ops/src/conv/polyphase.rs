//! Convolutions whose kernel is a multiple of their stride (InfoGAN's 4 x 4 kernels at stride 2),
//! one image at a time, as one product per kernel tap: no columns are built.
//!
//! Split the zero-padded input into its `s x s` phases, `P_uv[c, r, q] = X[c, s r + u - p, s q +
//! v - p]`. Tap `(i, j) = (s a + u, s b + v)` of output pixel `(y, x)` reads `P_uv[c, y + a, x +
//! b]`. With the phases' planes stored `PW = W' + k/s - 1` wide, and the output computed over
//! rows of that width (pixel `(y, x)` at `y PW + x`; the last `k/s - 1` of each row are not
//! pixels), the tap reads the phases' planes shifted by `a PW + b`: a `[rows, C]` matrix with unit
//! row stride, which `gemm` reads in place, without packing it. Each pass is then a sum of `kh kw`
//! products, one per tap, with `W_ij` the tap's `[C_out, C_in]` weights:
//!
//! | pass            | per tap `(i, j)`                               |
//! |-----------------|------------------------------------------------|
//! | forward         | `Y += shift_ab(P_uv) W_ijᵀ`                    |
//! | input gradient  | `shift_ab(dP_uv) += dY W_ij`, then `dX` from `dP` |
//! | weight gradient | `dW_ij += dYᵀ shift_ab(P_uv)`                  |
//!
//! with `Y` and `dY` as `[rows, C_out]` matrices over the wide rows (`dY` zero where a row has no
//! pixel). im2col copies each input value `kh kw / s²` times (four times at stride 2) into columns
//! that `gemm` then packs once more; here the input is copied once, into its phases.

use super::im2col::{Images, Window};
use crate::product::{Matrix, Order, Write, product_into_view};

/// Products over fewer channels than this (`k` or `n` of a tap's product) keep the columns: one
/// product per tap over a single channel runs slower than im2col (dSprites' 1→32 layer: 2.4-2.9x).
const MIN_CHANNELS: usize = 16;

/// `gemm` reads a matrix in place when its rows are a multiple of the SIMD width (16 f32 lanes
/// with AVX-512); the wide rows are rounded up to it.
const ROWS_MULTIPLE: usize = 16;

/// The phases of one image of `images`' size under `window`, and the wide rows over its output.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phases {
    images: Images,
    window: Window,
    /// The output's `[height, width]`.
    out: [usize; 2],
    /// A phase plane's `[height, width]` (`[H' + kh/s - 1, W' + kw/s - 1]`), also the wide rows' width.
    side: [usize; 2],
    /// The wide rows: `H' PW`, rounded up to [`ROWS_MULTIPLE`].
    rows: usize,
    /// Values per phase plane: room for `rows` after the largest shift.
    plane: usize,
}

impl Phases {
    /// The phases of `images` (input side, input channels) for a convolution to `out_channels`,
    /// or `None` where the kernel is not a multiple of the stride or either side has fewer than
    /// [`MIN_CHANNELS`] channels.
    pub fn new(images: Images, window: Window, out_channels: usize) -> Option<Self> {
        let divides = (0..2).all(|d| window.kernel[d].is_multiple_of(window.stride[d]));
        if !divides || images.channels.min(out_channels) < MIN_CHANNELS {
            return None;
        }
        let out = window.output(images.side);
        let side: [usize; 2] = std::array::from_fn(|d| out[d] + window.kernel[d] / window.stride[d] - 1);
        let rows = (out[0] * side[1]).next_multiple_of(ROWS_MULTIPLE);
        let plane = rows + (side[0] - out[0]) * side[1] + (side[1] - out[1]);
        Some(Self { images, window, out, side, rows, plane })
    }

    /// Values of all phases of one image: `s²` phases of `C` planes.
    fn len(&self) -> usize {
        self.window.stride[0] * self.window.stride[1] * self.images.channels * self.plane
    }

    /// The phases of one image `[C, H, W]`, 0 in the padding.
    fn split(&self, image: &[f32]) -> Vec<f32> {
        let mut phases = vec![0.0; self.len()];
        self.for_each_run(|pixels, place, stride, len| {
            let source = image[pixels..].iter().step_by(stride);
            phases[place..][..len].iter_mut().zip(source).for_each(|(p, &v)| *p = v);
        });
        phases
    }

    /// `image += ` the values of the phases `dp` that lie on its pixels.
    fn merge(&self, dp: &[f32], image: &mut [f32]) {
        self.for_each_run(|pixels, place, stride, len| {
            let target = image[pixels..].iter_mut().step_by(stride);
            target.zip(&dp[place..][..len]).for_each(|(v, &p)| *v += p);
        });
    }

    /// `visit(pixel, place, stride, len)` for each run of input pixels that lie on one row of a
    /// phase plane: `len` pixels `stride` apart from index `pixel` of the image, at `place..`
    /// in the phases. Pixels that no output reads are in none.
    fn for_each_run(&self, mut visit: impl FnMut(usize, usize, usize, usize)) {
        let ([height, width], [s0, s1], [p0, p1]) = (self.images.side, self.window.stride, self.window.padding);
        let phase = self.images.channels * self.plane;
        // Phase column `v`: the phase row's first column `q` that holds a pixel, that pixel, and
        // how many pixels it holds.
        let columns: Vec<(usize, usize, usize)> = (0..s1)
            .map(|v| {
                let q = p1.saturating_sub(v).div_ceil(s1);
                let x = (s1 * q + v).saturating_sub(p1);
                let end = (width + p1).saturating_sub(v).div_ceil(s1).min(self.side[1]);
                (q, x, end.saturating_sub(q))
            })
            .collect();
        for c in 0..self.images.channels {
            for y in 0..height {
                let ([u, r], row) = ([(y + p0) % s0, (y + p0) / s0], (c * height + y) * width);
                if r >= self.side[0] {
                    continue;
                }
                for (v, &(q, x, len)) in columns.iter().enumerate().filter(|(_, column)| column.2 > 0) {
                    visit(row + x, (u * s1 + v) * phase + c * self.plane + r * self.side[1] + q, s1, len);
                }
            }
        }
    }

    /// Output planes `[C, H', W']` as the `[C, rows]` matrix of their wide rows, 0 where a row
    /// has no pixel.
    fn widen(&self, planes: &[f32]) -> Vec<f32> {
        let mut rows = vec![0.0; self.channels(planes) * self.rows];
        self.for_each_line(self.channels(planes), |line, row| {
            rows[row..][..self.out[1]].copy_from_slice(&planes[line..][..self.out[1]])
        });
        rows
    }

    /// [`Phases::widen`]'s inverse: the pixels of the wide rows into `planes`.
    fn narrow(&self, rows: &[f32], planes: &mut [f32]) {
        self.for_each_line(self.channels(planes), |line, row| {
            planes[line..][..self.out[1]].copy_from_slice(&rows[row..][..self.out[1]])
        });
    }

    /// `visit(line, row)` for each output line of `channels` planes: where it starts in the
    /// planes and in the wide rows.
    fn for_each_line(&self, channels: usize, mut visit: impl FnMut(usize, usize)) {
        let [height, width] = self.out;
        for c in 0..channels {
            for y in 0..height {
                visit((c * height + y) * width, c * self.rows + y * self.side[1]);
            }
        }
    }

    /// The kernel taps `(i, j)` and where each one's shifted phase planes start in the phases.
    fn taps(&self) -> impl Iterator<Item = ([usize; 2], usize)> + '_ {
        let ([kh, kw], [s0, s1]) = (self.window.kernel, self.window.stride);
        let phase = self.images.channels * self.plane;
        (0..kh * kw).map(move |t| {
            let [i, j] = [t / kw, t % kw];
            ([i, j], ((i % s0) * s1 + j % s1) * phase + (i / s0) * self.side[1] + j / s1)
        })
    }

    /// A tap's shifted phase planes as the `[rows, C]` matrix read by the outputs' wide rows.
    fn shifted<'a>(&self, phases: &'a [f32], start: usize) -> Matrix<'a> {
        Matrix::strided(&phases[start..], self.rows, self.images.channels, [1, self.plane])
    }

    /// Tap `[i, j]` of a weight `[A, B, kh, kw]` as an `[A, B]` matrix.
    fn weights<'a>(&self, weight: &'a [f32], [i, j]: [usize; 2], a: usize) -> Matrix<'a> {
        let [kh, kw] = self.window.kernel;
        let b = weight.len() / (a * kh * kw);
        Matrix::strided(&weight[i * kw + j..], a, b, [b * kh * kw, kh * kw])
    }

    /// Output channels of `planes`, whole output planes.
    fn channels(&self, planes: &[f32]) -> usize {
        let pixels = self.out[0] * self.out[1];
        assert_eq!(planes.len() % pixels, 0, "polyphase: {} values are not {:?} planes", planes.len(), self.out);
        planes.len() / pixels
    }

    /// The convolution of one image `x` (`[C_in, H, W]`) into its output planes `y`, with
    /// `weight` `[C_out, C_in, kh, kw]`.
    pub fn conv(&self, x: &[f32], weight: &[f32], y: &mut [f32]) {
        let (out_channels, phases) = (self.channels(y), self.split(x));
        let mut wide = vec![0.0; out_channels * self.rows];
        for (n, (tap, start)) in self.taps().enumerate() {
            let write = if n == 0 { Write::Set } else { Write::Add };
            let w = self.weights(weight, tap, out_channels).t();
            product_into_view(self.shifted(&phases, start), w, &mut wide, [1, self.rows], write);
        }
        self.narrow(&wide, y);
    }

    /// The input gradient of one image, `dx += ` the convolution's adjoint applied to `dy`
    /// (`[C_out, H', W']`), with `weight` `[C_out, C_in, kh, kw]`: also a transposed
    /// convolution's forward pass.
    pub fn input_grad(&self, dy: &[f32], weight: &[f32], dx: &mut [f32]) {
        let out_channels = self.channels(dy);
        let wide = self.widen(dy);
        let wide = Matrix::new(&wide, out_channels, self.rows, Order::Rows).t();
        let mut dp = vec![0.0; self.len()];
        for (tap, start) in self.taps() {
            let w = self.weights(weight, tap, out_channels);
            product_into_view(wide, w, &mut dp[start..], [1, self.plane], Write::Add);
        }
        self.merge(&dp, dx);
    }

    /// `dw += ` one image's weight gradient `dY cols(X)` as `[C_out, C_in, kh, kw]`, from `dy`
    /// (`[C_out, H', W']`, read as `[C_out, H' W']`) and `x` (`[C_in, H, W]`).
    pub fn weight_grad_add(&self, dy: &[f32], x: &[f32], dw: &mut [f32]) {
        let (out_channels, [kh, kw]) = (self.channels(dy), self.window.kernel);
        let (phases, wide) = (self.split(x), self.widen(dy));
        let wide = Matrix::new(&wide, out_channels, self.rows, Order::Rows);
        let strides = [self.images.channels * kh * kw, kh * kw];
        for ([i, j], start) in self.taps() {
            product_into_view(wide, self.shifted(&phases, start), &mut dw[i * kw + j..], strides, Write::Add);
        }
    }
}
