//! Convolution passes as products whose left operand is read in place from zero-padded images
//! ("implicit GEMM"), on AVX-512: no columns are built and nothing is packed.
//!
//! Each pass is a product `C[r, n] = Σ_t A[r, t] B[t, n]` whose `A` lies in the padded images at
//! an address that is a row part plus a column part, `A[r, t] = src[rows[r] + cols[t]]`, with `B`
//! and `C` row-major and `n` (a layer's channels) a multiple of 16:
//!
//! | pass                        | `r`                  | `t`                  | `n`     | `B`                 |
//! |-----------------------------|----------------------|----------------------|---------|---------------------|
//! | forward                     | output pixel         | tap `(c, i, j)`      | `C_out` | `Wᵀ`                |
//! | input gradient, phase `u v` | input pixel in it    | `(c_out, a, b)`      | `C_in`  | the phase's taps of `W` |
//! | weight gradient             | tap `(c, i, j)`      | output pixel `(b, y, x)` | `C_out` | `dY`, one row per pixel |
//!
//! Input pixel `y` gets gradient from the taps `i ≡ y + p (mod s)` only, `i = u + a s` reading
//! `dY[(y + p - u)/s - a]`: a stride-1 correlation per phase, over `dY` padded by the taps'
//! reach. The kernel keeps an `R x 16V` block of `C` in registers and, for each `t`, loads `V`
//! vectors of `B`'s row and broadcasts `R` values of `A` from the images.
//! im2col copies each input value `kh kw / s²` times into columns that `gemm` packs once more;
//! over MNIST's 7 x 7 planes, one product per kernel tap over the phases wastes a quarter of its
//! multiplies on the phase rows' padding instead ([`super::polyphase`]).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};

use std::cell::RefCell;

use super::im2col::{Images, Window, image_to_rows, rows_to_image};
use crate::product::{Order, par_build, par_sum, reorder};

/// f32 lanes of an AVX-512 register.
const LANES: usize = 16;

/// Vector registers (AVX-512 has 32).
const REGISTERS: usize = 32;

/// Rows of `C` per block of `vectors` vectors: its accumulators, `B`'s vectors and one broadcast
/// per row all fit the registers at once. LLVM loads a step's broadcasts before its multiply-adds,
/// and with more rows it kept accumulators on the stack: 12 rows of 2 vectors (24 + 2 + 12 = 38
/// registers) ran with a spill and a reload every few multiply-adds.
fn max_rows(vectors: usize) -> usize {
    ((REGISTERS - vectors) / (vectors + 1)).min(12)
}

/// Vectors of `C`'s row per block.
const MAX_VECTORS: usize = 4;

/// Steps of the sum per pass over the rows: `B`'s rows for them (up to 16 KB at 64 channels)
/// stay in the L1 cache across the row blocks.
const SUM_BLOCK: usize = 64;

/// Whether the CPU runs these passes, and a layer with `n` channels on the vector side fits them.
pub(crate) fn applies(n: usize) -> bool {
    n > 0 && n.is_multiple_of(LANES) && crate::avx512()
}

/// Whether a product overwrites the rows of `C` it writes, or adds to them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Write {
    Set,
    Add,
}

/// Where a product reads `A` and writes `C`: `A[r, t] = src[rows[r] + cols[t]]`, row `r` of the
/// product into row `outs[r]` of `C`. Their reach is found once for all the images of a pass
/// (over dSprites' small planes, finding it per image took 1.7% of a step).
pub(crate) struct Indices<'a> {
    rows: &'a [usize],
    outs: &'a [usize],
    cols: &'a [usize],
    /// One past the last value of `src` read.
    reads: usize,
    /// One past the last row of `C` written.
    writes: usize,
}

impl<'a> Indices<'a> {
    pub fn new(rows: &'a [usize], outs: &'a [usize], cols: &'a [usize]) -> Self {
        assert!(!cols.is_empty(), "direct: a product over no columns");
        assert_eq!(rows.len(), outs.len(), "direct: {} rows written to {} rows", rows.len(), outs.len());
        let reads = rows.iter().max().zip(cols.iter().max()).map_or(0, |(r, t)| r + t + 1);
        let writes = outs.iter().max().map_or(0, |o| o + 1);
        Self { rows, outs, cols, reads, writes }
    }
}

/// `C[outs[r], ..] = Σ_t src[rows[r] + cols[t]] B[t, ..]` (or `+=`, by `write`), with `B`
/// `[cols.len(), n]` and `C` rows of `n` values; `n` a multiple of 16 (checked by [`applies`]).
/// Overwriting spares the caller zeroing `C` (and reading it back) first.
pub(crate) fn product(src: &[f32], indices: &Indices, b: &[f32], c: &mut [f32], write: Write) {
    let Indices { rows, outs, cols, reads, writes } = *indices;
    assert!(applies(b.len() / cols.len()), "direct: {} values of B over {} rows", b.len(), cols.len());
    let n = b.len() / cols.len();
    assert_eq!(b.len(), cols.len() * n, "direct: B is not [{}, {n}]", cols.len());
    assert!(reads <= src.len(), "direct: A reads value {reads} of {}", src.len());
    assert!(writes * n <= c.len(), "direct: C's row {writes} written, of {}", c.len() / n);
    #[cfg(target_arch = "x86_64")]
    for (block, (cols, b)) in cols.chunks(SUM_BLOCK).zip(b.chunks(SUM_BLOCK * n)).enumerate() {
        let add = write == Write::Add || block > 0;
        for first in (0..n / LANES).step_by(MAX_VECTORS) {
            let vectors = (n / LANES - first).min(MAX_VECTORS);
            // Blocks of equal size, as few as fit the registers: a last block of one row runs at a
            // quarter of the speed.
            let tile = rows.len().div_ceil(rows.len().div_ceil(max_rows(vectors)));
            for (rows, outs) in rows.chunks(tile).zip(outs.chunks(tile)) {
                let block = Block { src: src.as_ptr(), rows, outs, cols, b: b[first * LANES..].as_ptr(), n, add };
                let c = c[first * LANES..].as_mut_ptr();
                // SAFETY: AVX-512 is there (`applies`); every read of `src` is below `reads` and
                // every row of `b` and `c` holds `n` values from `first * LANES` on (checked above).
                unsafe {
                    match vectors {
                        1 => block.add_into::<1>(c),
                        2 => block.add_into::<2>(c),
                        3 => block.add_into::<3>(c),
                        _ => block.add_into::<4>(c),
                    }
                }
            }
        }
    }
}

/// One call of the kernel: up to 12 rows of `C`, `V` vectors of its columns, added to what `C`
/// holds or written over it.
#[cfg(target_arch = "x86_64")]
struct Block<'a> {
    src: *const f32,
    rows: &'a [usize],
    outs: &'a [usize],
    cols: &'a [usize],
    b: *const f32,
    n: usize,
    add: bool,
}

/// `match rows { 1 => kernel::<1, V>, .. }` for the block's row count.
#[cfg(target_arch = "x86_64")]
macro_rules! by_rows {
    ($block:ident, $c:ident, $v:ident, $($r:literal)*) => {
        match $block.rows.len() {
            $($r => unsafe { $block.kernel::<$r, $v>($c) },)*
            rows => unreachable!("direct: a block of {rows} rows"),
        }
    };
}

#[cfg(target_arch = "x86_64")]
impl Block<'_> {
    /// # Safety
    /// As [`Block::kernel`].
    unsafe fn add_into<const V: usize>(&self, c: *mut f32) {
        by_rows!(self, c, V, 1 2 3 4 5 6 7 8 9 10 11 12)
    }

    /// # Safety
    /// AVX-512F must be available; `src[rows[r] + cols[t]]`, `b[t n + 16 v + l]` and
    /// `c[outs[r] n + 16 v + l]` must be in bounds for all `r < R`, `t`, `v < V`, `l < 16`.
    #[target_feature(enable = "avx512f")]
    unsafe fn kernel<const R: usize, const V: usize>(&self, c: *mut f32) {
        let mut acc: [[__m512; V]; R] = [[_mm512_setzero_ps(); V]; R];
        let rows: &[usize; R] = self.rows.try_into().expect("R rows");
        for (t, &col) in self.cols.iter().enumerate() {
            // SAFETY: in bounds by the caller's contract.
            unsafe {
                let b = self.b.add(t * self.n);
                let mut bv = [_mm512_setzero_ps(); V];
                for (v, bv) in bv.iter_mut().enumerate() {
                    *bv = _mm512_loadu_ps(b.add(v * LANES));
                }
                for (acc, &row) in acc.iter_mut().zip(rows) {
                    let a = _mm512_set1_ps(*self.src.add(row + col));
                    for (acc, &bv) in acc.iter_mut().zip(&bv) {
                        *acc = _mm512_fmadd_ps(a, bv, *acc);
                    }
                }
            }
        }
        for (acc, &out) in acc.iter().zip(self.outs) {
            for (v, &acc) in acc.iter().enumerate() {
                // SAFETY: in bounds by the caller's contract.
                unsafe {
                    let c = c.add(out * self.n + v * LANES);
                    _mm512_storeu_ps(c, if self.add { _mm512_add_ps(_mm512_loadu_ps(c), acc) } else { acc });
                }
            }
        }
    }
}

/// The zero-padded images a window reads: each `[C, Hp, Wp]`, big enough for every tap of every
/// output pixel, the image at `(padding, padding)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Padded {
    images: Images,
    window: Window,
    side: [usize; 2],
}

impl Padded {
    pub fn new(images: Images, window: Window) -> Self {
        let out = window.output(images.side);
        let side = std::array::from_fn(|d| (out[d] - 1) * window.stride[d] + window.kernel[d]);
        Self { images, window, side }
    }

    pub fn image(&self) -> usize {
        self.images.channels * self.side[0] * self.side[1]
    }

    /// Where `images` images `[C, H, W]` lie in their padded planes, one after another: each
    /// image at `(padding, padding)`; rows and columns past the last window's reach are left
    /// out (all of them where the padding is wider than the kernel's reach into the image).
    pub fn frame(&self, images: usize) -> Frame {
        let planes = images * self.images.channels;
        Frame { planes, plane: self.images.side, side: self.side, at: self.window.padding }
    }

    /// Where output pixel `(y, x)`'s window starts in an image's padded planes, row-major.
    pub fn windows(&self) -> Vec<usize> {
        let ([height, width], [s0, s1]) = (self.window.output(self.images.side), self.window.stride);
        (0..height * width).map(|p| s0 * (p / width) * self.side[1] + s1 * (p % width)).collect()
    }

    /// Where tap `(c, i, j)` lies from its window's start, in `(c, i, j)` order.
    pub fn taps(&self) -> Vec<usize> {
        let ([kh, kw], [hp, wp]) = (self.window.kernel, self.side);
        (0..self.images.channels * kh * kw)
            .map(|t| (t / (kh * kw)) * hp * wp + (t % (kh * kw) / kw) * wp + t % kw)
            .collect()
    }
}

/// Planes `[H, W]` inside larger ones `[Hp, Wp]` (`side`), from `at = (top, left)` on, what does
/// not fit left out: the layout of the padded images that the kernel reads. The zeros around
/// the planes are the same for every image of a pass: [`with_scratch`] writes them once per
/// thread and frame, and [`Frame::embed`] then writes only the planes, with no call to `memcpy`
/// or `memset` per row (those calls took 9% of a dSprites step's samples, on rows of 4 to 32
/// values).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Frame {
    /// How many planes the buffer holds, one after another.
    planes: usize,
    plane: [usize; 2],
    side: [usize; 2],
    at: [usize; 2],
}

impl Frame {
    /// Values of the buffer's planes.
    fn len(&self) -> usize {
        self.planes * self.side[0] * self.side[1]
    }

    /// `image`'s planes into the first of `padded`'s; the rest of `padded` is not written.
    fn embed(&self, image: &[f32], padded: &mut [f32]) {
        let ([height, width], [hp, wp], [top, left]) = (self.plane, self.side, self.at);
        let [rows, cols] = [height.min(hp.saturating_sub(top)), width.min(wp.saturating_sub(left))];
        for (plane, target) in image.chunks(height * width).zip(padded.chunks_mut(hp * wp)) {
            for r in 0..rows {
                copy(&plane[r * width..][..cols], &mut target[(top + r) * wp + left..][..cols]);
            }
        }
    }
}

/// `dst = src`, 16 values at a time where it can: fixed-size copies inline, where a
/// `copy_from_slice` of a row calls `memcpy`.
fn copy(src: &[f32], dst: &mut [f32]) {
    let ((src16, src_rest), (dst16, dst_rest)) = (src.as_chunks::<16>(), dst.as_chunks_mut::<16>());
    for (d, s) in dst16.iter_mut().zip(src16) {
        *d = *s;
    }
    for (d, s) in dst_rest.iter_mut().zip(src_rest) {
        *d = *s;
    }
}

/// The input gradient of a convolution with `window` from output planes of `out` side to input
/// images `images` (also a transposed convolution's forward pass), phase by phase.
#[derive(Clone, Debug)]
pub(crate) struct Adjoint {
    images: Images,
    window: Window,
    out: [usize; 2],
    /// `dY`'s padding before and after along each axis: the taps' reach.
    before: [usize; 2],
    side: [usize; 2],
}

/// One phase of [`Adjoint`]: its input pixels (row-major index in the image) and where each
/// reads `dY`'s padded planes from, its taps' offsets there, and which kernel taps they are.
pub(crate) struct Phase {
    pub pixels: Vec<usize>,
    pub reads: Vec<usize>,
    pub offsets: Vec<usize>,
    taps: Vec<[usize; 2]>,
}

impl Adjoint {
    /// Onto `images`, the convolution's input.
    pub fn new(images: Images, window: Window) -> Self {
        let out = window.output(images.side);
        let before: [usize; 2] = std::array::from_fn(|d| window.kernel[d].div_ceil(window.stride[d]) - 1);
        let side = std::array::from_fn(|d| {
            let last = (images.side[d] - 1 + window.padding[d]) / window.stride[d];
            before[d] + out[d].max(last + 1)
        });
        Self { images, window, out, before, side }
    }

    /// Where one image's `dY` of `channels` planes `[H', W']` lies in its padded planes.
    pub fn frame(&self, channels: usize) -> Frame {
        Frame { planes: channels, plane: self.out, side: self.side, at: self.before }
    }

    /// The `s0 s1` phases that have taps, for `dY` of `out_channels` planes.
    pub fn phases(&self, out_channels: usize) -> Vec<Phase> {
        let ([kh, kw], [s0, s1], [p0, p1]) = (self.window.kernel, self.window.stride, self.window.padding);
        let ([height, width], [hq, wq]) = (self.images.side, self.side);
        let mut phases = Vec::new();
        for (u, v) in (0..s0.min(kh)).flat_map(|u| (0..s1.min(kw)).map(move |v| (u, v))) {
            let ([ys, xs], mut phase) = (
                [(u, p0, s0, height), (v, p1, s1, width)]
                    .map(|(u, p, s, side)| (0..side).filter(move |y| (y + p) % s == u)),
                Phase { pixels: Vec::new(), reads: Vec::new(), offsets: Vec::new(), taps: Vec::new() },
            );
            for y in ys {
                for x in xs.clone() {
                    phase.pixels.push(y * width + x);
                    phase.reads.push((y + p0 - u) / s0 * wq + (x + p1 - v) / s1);
                }
            }
            let taps: Vec<[usize; 2]> =
                (u..kh).step_by(s0).flat_map(|i| (v..kw).step_by(s1).map(move |j| [i, j])).collect();
            for c in 0..out_channels {
                for &[i, j] in &taps {
                    let [a, b] = [(i - u) / s0, (j - v) / s1];
                    phase.offsets.push(c * hq * wq + (self.before[0] - a) * wq + self.before[1] - b);
                }
            }
            phase.taps = taps;
            phases.push(phase);
        }
        phases
    }

    /// `B` of a phase: row `(c_out, tap)` holds `W[c_out, .., i, j]` over the input channels, from
    /// a weight `[C_out, C_in, kh, kw]`.
    pub fn weights(&self, phase: &Phase, weight: &[f32], out_channels: usize) -> Vec<f32> {
        let ([kh, kw], c_in) = (self.window.kernel, self.images.channels);
        let mut b = Vec::with_capacity(out_channels * phase.taps.len() * c_in);
        for c in 0..out_channels {
            for &[i, j] in &phase.taps {
                b.extend((0..c_in).map(|ci| weight[((c * c_in + ci) * kh + i) * kw + j]));
            }
        }
        b
    }
}

thread_local! {
    /// Each thread's two working buffers (padded images, rows of `C`), kept across images and
    /// passes, and the frame whose zeros the first holds: fresh buffers per image cost a
    /// page-clearing `memset` each (about 4% of a dSprites step's samples).
    static SCRATCH: RefCell<(Option<Frame>, [Vec<f32>; 2])> = const { RefCell::new((None, [Vec::new(), Vec::new()])) };
}

/// `work(padded, rows)` on this thread's buffers: `padded` of `frame`'s length, zero outside its
/// planes (whatever the last image left inside them), and `rows` of `rows_len` values, holding
/// whatever the last pass left there. `work` must write nothing in `padded` but its planes, and
/// must not start another pass on this thread (none of them nests).
fn with_scratch<R>(frame: Frame, rows_len: usize, work: impl FnOnce(&mut [f32], &mut [f32]) -> R) -> R {
    SCRATCH.with_borrow_mut(|(zeros, [padded, rows])| {
        if padded.len() < frame.len() {
            padded.resize(frame.len(), 0.0);
        }
        if rows.len() < rows_len {
            rows.resize(rows_len, 0.0);
        }
        let padded = &mut padded[..frame.len()];
        if *zeros != Some(frame) {
            padded.fill(0.0);
            *zeros = Some(frame);
        }
        work(padded, &mut rows[..rows_len])
    })
}

/// The convolution of `x` (`dims`) with `weight` `[C_out, C_in, kh, kw]`: NCHW output planes.
pub(crate) fn conv2d(x: &[f32], dims: Images, window: Window, weight: &[f32], out_channels: usize) -> Vec<f32> {
    let padded = Padded::new(dims, window);
    let (windows, taps) = (padded.windows(), padded.taps());
    let pixels: Vec<usize> = (0..windows.len()).collect();
    let indices = Indices::new(&windows, &pixels, &taps);
    let frame = padded.frame(1);
    let wt = reorder(weight, out_channels, weight.len() / out_channels, Order::Rows);
    let image = out_channels * windows.len();
    par_build(dims.batch * image, image, |b, planes| {
        with_scratch(frame, image, |xp, rows| {
            frame.embed(&x[b * dims.image()..][..dims.image()], xp);
            product(xp, &indices, &wt, rows, Write::Set);
            rows_to_image(rows, planes, out_channels);
        })
    })
}

/// The input gradient onto images `out` of a convolution with `weight` `[C_out, C_in, kh, kw]`
/// from `dy` (`dims`, `C_out` planes of the window's output side).
pub(crate) fn adjoint(dy: &[f32], dims: Images, weight: &[f32], out: Images, window: Window) -> Vec<f32> {
    let adjoint = Adjoint::new(out, window);
    let phases = adjoint.phases(dims.channels);
    let weights: Vec<Vec<f32>> = phases.iter().map(|phase| adjoint.weights(phase, weight, dims.channels)).collect();
    let indices: Vec<Indices> =
        phases.iter().map(|phase| Indices::new(&phase.reads, &phase.pixels, &phase.offsets)).collect();
    // Each pixel is in one phase; where the stride is wider than the kernel, some phases have no
    // taps, and their pixels' rows are zeros.
    let covered = phases.iter().map(|phase| phase.pixels.len()).sum::<usize>() == out.plane();
    let write = if covered { Write::Set } else { Write::Add };
    let frame = adjoint.frame(dims.channels);
    par_build(out.batch * out.image(), out.image(), |b, image| {
        with_scratch(frame, out.image(), |padded, rows| {
            frame.embed(&dy[b * dims.image()..][..dims.image()], padded);
            if write == Write::Add {
                rows.fill(0.0);
            }
            for (indices, b) in indices.iter().zip(&weights) {
                product(padded, indices, b, rows, write);
            }
            rows_to_image(rows, image, out.channels);
        })
    })
}

/// Images per partial sum of [`weight_grad`] (added in order by [`par_sum`]).
const IMAGES_PER_SUM: usize = 8;

/// `Σ_b A_b cols(X_b)` as a weight `[A's channels, C, kh, kw]`, `a` (`a_dims`) over the window's
/// output side of `x` (`dims`).
pub(crate) fn weight_grad(a: &[f32], a_dims: Images, x: &[f32], dims: Images, window: Window) -> Vec<f32> {
    let padded = Padded::new(dims, window);
    let (windows, taps) = (padded.windows(), padded.taps());
    let outs: Vec<usize> = (0..taps.len()).collect();
    let sum = par_sum(dims.batch, IMAGES_PER_SUM, |images| {
        let frame = padded.frame(images.len());
        with_scratch(frame, images.len() * a_dims.image(), |xp, rows| {
            let mut cols = Vec::with_capacity(images.len() * windows.len());
            for (n, b) in images.enumerate() {
                frame.embed(&x[b * dims.image()..][..dims.image()], &mut xp[n * padded.image()..]);
                let image = &a[b * a_dims.image()..][..a_dims.image()];
                image_to_rows(image, &mut rows[n * a_dims.image()..][..a_dims.image()], a_dims.channels);
                cols.extend(windows.iter().map(|w| n * padded.image() + w));
            }
            let mut sum = vec![0.0; taps.len() * a_dims.channels];
            product(xp, &Indices::new(&taps, &outs, &cols), rows, &mut sum, Write::Set);
            sum
        })
    });
    reorder(&sum, taps.len(), a_dims.channels, Order::Rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed * 104_729) % 23) as f32 / 8.0 - 1.375).collect()
    }

    /// Every block shape the kernel runs (1 to 4 vectors, 1 to 12 rows, a 5th vector in a block
    /// of its own, MNIST's 128 channels), over three blocks of the sum, rows written out of order,
    /// added to what `C` held and written over it (two rows of `C` not written), against the
    /// sums in f64.
    #[test]
    fn products_are_the_sums_in_f64() {
        if !applies(LANES) {
            eprintln!("products_are_the_sums_in_f64: no AVX-512 on this CPU, the direct passes never run here");
            return;
        }
        let src = values(500, 1);
        for (n, rows) in [16, 32, 48, 64, 80, 128].into_iter().flat_map(|n| [1, 5, 12, 13, 25].map(|r| (n, r))) {
            let row_starts: Vec<usize> = (0..rows).map(|r| (r * 37) % 200).collect();
            let outs: Vec<usize> = (0..rows).rev().collect();
            let cols: Vec<usize> = (0..2 * SUM_BLOCK + 7).map(|t| (t * 13) % 290).collect();
            let b = values(cols.len() * n, 2);
            let held = values((rows + 2) * n, 3);
            let mut sums = vec![0.0f64; held.len()];
            for (r, &row) in row_starts.iter().enumerate() {
                for (t, &col) in cols.iter().enumerate() {
                    for j in 0..n {
                        sums[outs[r] * n + j] += f64::from(src[row + col]) * f64::from(b[t * n + j]);
                    }
                }
            }
            let (mut added, mut set) = (held.clone(), held.clone());
            let indices = Indices::new(&row_starts, &outs, &cols);
            product(&src, &indices, &b, &mut added, Write::Add);
            product(&src, &indices, &b, &mut set, Write::Set);
            for (i, &held) in held.iter().enumerate() {
                let held = f64::from(held);
                let (add, over) = (held + sums[i], if i < rows * n { sums[i] } else { held });
                let at = format!("n {n}, rows {rows}, value {i}");
                assert!((f64::from(added[i]) - add).abs() < 1e-4, "{at}: added {} against {add}", added[i]);
                assert!((f64::from(set[i]) - over).abs() < 1e-4, "{at}: written {} against {over}", set[i]);
            }
        }
    }
}
