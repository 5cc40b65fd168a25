//! `dst[j, i] = src[i, j]`: the layout change between NCHW planes and one row per pixel around
//! the direct passes ([`crate::conv`]), and every matrix put in its other order
//! ([`crate::product::reorder`], on all threads).
//!
//! One value at a time, each store lands in another cache line (a row of the destination per
//! value): the three transposes around each dSprites layer's direct pass took 16% of a step's
//! samples. Here the matrix goes by 16 x 16 tiles, on AVX-512 through registers (16 loads, 64
//! shuffles, 16 stores), elsewhere one value at a time within the tile, whose 16 destination
//! rows stay in the L1 cache.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m512, _mm512_castpd_ps, _mm512_castps_pd, _mm512_loadu_ps, _mm512_shuffle_f32x4, _mm512_storeu_ps,
    _mm512_unpackhi_pd, _mm512_unpackhi_ps, _mm512_unpacklo_pd, _mm512_unpacklo_ps,
};

/// Side of a tile (an AVX-512 register's f32 lanes).
pub(crate) const TILE: usize = 16;

/// `dst[j rows + i] = src[i cols + j]`: `src` is `rows x cols` row-major, `dst` its transpose.
pub(crate) fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert_eq!(src.len(), rows * cols, "transpose: {} values for {rows} x {cols}", src.len());
    assert_eq!(dst.len(), src.len(), "transpose: {} values written from {}", dst.len(), src.len());
    for (n, rows_out) in dst.chunks_mut(TILE * rows).enumerate() {
        band(src, rows, cols, n * TILE, rows_out);
    }
}

/// Rows `j0..` of the transpose of `src` (`rows x cols`, row-major), as many as `band` holds
/// (at most [`TILE`]): `band[(j - j0) rows + i] = src[i cols + j]`. Bands are independent, so
/// that threads can take one each ([`crate::product::reorder`]).
pub(crate) fn band(src: &[f32], rows: usize, cols: usize, j0: usize, band: &mut [f32]) {
    let width = band.len() / rows;
    assert!(width <= TILE && j0 + width <= cols, "transpose: rows {j0}..{} of {cols}", j0 + width);
    for i0 in (0..rows).step_by(TILE) {
        let height = (rows - i0).min(TILE);
        let whole = height == TILE && width == TILE;
        if whole && in_registers(&src[i0 * cols + j0..], cols, &mut band[i0..], rows) {
            continue;
        }
        for i in i0..i0 + height {
            for j in 0..width {
                band[j * rows + i] = src[i * cols + j0 + j];
            }
        }
    }
}

/// The tile at the start of `src` (rows `stride` apart) transposed to the start of `dst` (rows
/// `out_stride` apart), where the CPU has AVX-512; whether it did.
#[cfg(target_arch = "x86_64")]
fn in_registers(src: &[f32], stride: usize, dst: &mut [f32], out_stride: usize) -> bool {
    if !crate::avx512() {
        return false;
    }
    assert!(src.len() > (TILE - 1) * stride + TILE - 1, "transpose: a tile past the source");
    assert!(dst.len() > (TILE - 1) * out_stride + TILE - 1, "transpose: a tile past the destination");
    // SAFETY: AVX-512 is there, and the tile's rows lie in both slices (asserted above).
    unsafe { tile(src.as_ptr(), stride, dst.as_mut_ptr(), out_stride) };
    true
}

#[cfg(not(target_arch = "x86_64"))]
fn in_registers(_: &[f32], _: usize, _: &mut [f32], _: usize) -> bool {
    false
}

/// One 16 x 16 tile: rows `src + i stride` to rows `dst + j out_stride`.
///
/// Rows `r_k`, 128-bit lanes `L` of 4 values: pairs of rows interleaved by value, then by pairs
/// (`u[4g + m]`'s lane `L` holds column `4L + m` of rows `4g..4g + 4`), then the 4 x 4 lanes of
/// each `m` transposed: output row `4L + m`'s lane `g` is `u[4g + m]`'s lane `L`.
///
/// # Safety
/// AVX-512F must be available; `src + i stride + j` and `dst + j out_stride + i` in bounds for
/// `i, j < 16`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn tile(src: *const f32, stride: usize, dst: *mut f32, out_stride: usize) {
    // SAFETY: in bounds by the caller's contract.
    let r: [__m512; TILE] = std::array::from_fn(|i| unsafe { _mm512_loadu_ps(src.add(i * stride)) });
    let t: [__m512; TILE] = std::array::from_fn(|k| match k % 2 {
        0 => _mm512_unpacklo_ps(r[k], r[k + 1]),
        _ => _mm512_unpackhi_ps(r[k - 1], r[k]),
    });
    let u: [__m512; TILE] = std::array::from_fn(|k| {
        let (group, m) = (k / 4 * 4, k % 4);
        let (a, b) = (_mm512_castps_pd(t[group + m / 2]), _mm512_castps_pd(t[group + m / 2 + 2]));
        _mm512_castpd_ps(match m % 2 {
            0 => _mm512_unpacklo_pd(a, b),
            _ => _mm512_unpackhi_pd(a, b),
        })
    });
    for m in 0..4 {
        // Lanes 0-1 and 2-3 of the four vectors, paired, then the even and odd lanes of those.
        let low = [_mm512_shuffle_f32x4::<0x44>(u[m], u[4 + m]), _mm512_shuffle_f32x4::<0x44>(u[8 + m], u[12 + m])];
        let high = [_mm512_shuffle_f32x4::<0xEE>(u[m], u[4 + m]), _mm512_shuffle_f32x4::<0xEE>(u[8 + m], u[12 + m])];
        let out = [
            _mm512_shuffle_f32x4::<0x88>(low[0], low[1]),
            _mm512_shuffle_f32x4::<0xDD>(low[0], low[1]),
            _mm512_shuffle_f32x4::<0x88>(high[0], high[1]),
            _mm512_shuffle_f32x4::<0xDD>(high[0], high[1]),
        ];
        for (lane, row) in out.into_iter().enumerate() {
            // SAFETY: in bounds by the caller's contract.
            unsafe { _mm512_storeu_ps(dst.add((4 * lane + m) * out_stride), row) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape class (tiles only, edges of every width, fewer than a tile) against the
    /// definition, with distinct values so that any misplaced value shows.
    #[test]
    fn transposes_every_value() {
        for (rows, cols) in [(16, 16), (32, 48), (64, 49), (49, 64), (17, 33), (3, 5), (1, 40), (128, 16)] {
            let src: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
            let mut dst = vec![f32::NAN; src.len()];
            transpose(&src, rows, cols, &mut dst);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(dst[j * rows + i], src[i * cols + j], "{rows} x {cols}: value ({i}, {j})");
                }
            }
        }
    }
}
