//! Matrix products for the layers' own passes on flex: `gemm` straight into a fresh buffer, with
//! each operand read in the layout it already has.
//!
//! flex's `matmul` writes a row-major result into a buffer that it zeroes and then copies once
//! more to align it, and a row-major `dy Wᵀ` (the input gradient of D's 6272→1024 layer) runs at
//! half the speed of the other products there. Here the caller picks the result's layout per
//! product: `conv` and `linear` take, for each of their products, the fastest layout that needs no
//! copy of a large operand, from timings of all eight on the 2-core development VM.

use std::mem::MaybeUninit;
use std::ops::Range;

use burn::prelude::{Shape, TensorData};
use burn_flex::FlexTensor;
use rayon::prelude::*;

use crate::transpose::{self, TILE};

/// A contiguous f32 tensor's values.
pub(crate) fn values(tensor: &FlexTensor) -> &[f32] {
    tensor.as_slice().expect("a contiguous f32 tensor")
}

/// `values` as a flex tensor of `shape` (the buffer is moved, not copied).
pub(crate) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// A fresh buffer of `len` values written by all threads, `chunk` values at a time: chunk `i`
/// is zeroed and then handed to `fill(i, part)`. Zeroing each chunk just before it is filled
/// touches it while it is in the cache, where zeroing the whole buffer first was a pass of its
/// own over memory (11% of a dSprites step's profile; leaving the chunks unzeroed for the passes
/// that write every element gained nothing more); the threads share the page faults of the
/// first touch, which `vec![0.0; len]` would take on the calling thread alone.
pub(crate) fn par_build(len: usize, chunk: usize, fill: impl Fn(usize, &mut [f32]) + Sync) -> Vec<f32> {
    let mut out = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len].par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| {
        part.fill(MaybeUninit::new(0.0));
        // SAFETY: every element of `part` was initialised by the line above.
        fill(i, unsafe { &mut *(part as *mut [MaybeUninit<f32>] as *mut [f32]) })
    });
    // SAFETY: the chunks cover `..len`, and each was initialised above.
    unsafe { out.set_len(len) };
    out
}

/// Values per task of [`par_sum`]'s additions.
const SUM_CHUNK: usize = 1 << 12;

/// `Σ part(range)` over `0..count` cut into ranges of `per_part`: the parts run in parallel and
/// are added in order, so the result does not depend on the number of threads. The additions
/// run in parallel too, by chunks of the sum (on the calling thread alone, while the others
/// waited, they took 2% of an MNIST step).
pub(crate) fn par_sum(count: usize, per_part: usize, part: impl Fn(Range<usize>) -> Vec<f32> + Sync) -> Vec<f32> {
    let starts: Vec<usize> = (0..count).step_by(per_part).collect();
    let parts: Vec<Vec<f32>> = starts.par_iter().map(|&start| part(start..(start + per_part).min(count))).collect();
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one part");
    let rest: Vec<Vec<f32>> = parts.collect();
    total.par_chunks_mut(SUM_CHUNK).enumerate().for_each(|(i, total)| {
        for part in &rest {
            total.iter_mut().zip(&part[i * SUM_CHUNK..]).for_each(|(t, p)| *t += p);
        }
    });
    total
}

/// How a matrix's elements lie in memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Order {
    /// Rows one after another: element `(i, j)` at `i cols + j`.
    Rows,
    /// Columns one after another: element `(i, j)` at `i + j rows`.
    Columns,
}

/// A `rows x cols` matrix over `data`: element `(i, j)` at `i strides[0] + j strides[1]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Matrix<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub strides: [usize; 2],
}

impl<'a> Matrix<'a> {
    pub fn new(data: &'a [f32], rows: usize, cols: usize, order: Order) -> Self {
        assert_eq!(data.len(), rows * cols, "a {rows}x{cols} matrix needs {} values", rows * cols);
        Self::strided(data, rows, cols, order.strides(rows, cols))
    }

    /// A view of `data` whose element `(i, j)` is at `i strides[0] + j strides[1]`.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, strides: [usize; 2]) -> Self {
        assert!(
            fits(data.len(), rows, cols, strides),
            "a {rows}x{cols} view with strides {strides:?} of {} values",
            data.len()
        );
        Self { data, rows, cols, strides }
    }

    /// The same memory read as the transposed matrix.
    pub fn t(self) -> Self {
        let [row, col] = self.strides;
        Self { rows: self.cols, cols: self.rows, strides: [col, row], ..self }
    }
}

/// Whether the last element of a `rows x cols` view with `strides` lies within `len` values.
fn fits(len: usize, rows: usize, cols: usize, [row, col]: [usize; 2]) -> bool {
    rows * cols == 0 || (rows - 1) * row + (cols - 1) * col < len
}

impl Order {
    /// A dense `rows x cols` matrix's (row stride, column stride) in this order.
    fn strides(self, rows: usize, cols: usize) -> [usize; 2] {
        match self {
            Order::Rows => [cols, 1],
            Order::Columns => [1, rows],
        }
    }
}

/// Products below this many multiply-adds run on one thread (as in flex: 192³).
const PARALLEL_ABOVE: usize = 192 * 192 * 192;

/// `a b`, its values in `order`.
pub(crate) fn product(a: Matrix, b: Matrix, order: Order) -> Vec<f32> {
    let len = a.rows * b.cols;
    let mut out = Vec::with_capacity(len);
    let threads = match len * a.cols >= PARALLEL_ABOVE {
        true => gemm::Parallelism::Rayon(0),
        false => gemm::Parallelism::None,
    };
    // SAFETY: `out` has room for the result, whose every element `gemm_into` writes.
    unsafe {
        gemm_into(a, b, out.as_mut_ptr(), order.strides(a.rows, b.cols), Write::Set, threads);
        out.set_len(len);
    }
    out
}

/// `dst = a b` in `order`, on the calling thread: for the products that a layer runs one per
/// image, in parallel over the images.
pub(crate) fn product_into(a: Matrix, b: Matrix, dst: &mut [f32], order: Order) {
    assert_eq!(dst.len(), a.rows * b.cols, "a {}x{} product into {} values", a.rows, b.cols, dst.len());
    product_into_view(a, b, dst, order.strides(a.rows, b.cols), Write::Set);
}

/// `dst += a b` in `order`, on the calling thread: a sum of products over images.
pub(crate) fn product_add_into(a: Matrix, b: Matrix, dst: &mut [f32], order: Order) {
    assert_eq!(dst.len(), a.rows * b.cols, "a {}x{} product into {} values", a.rows, b.cols, dst.len());
    product_into_view(a, b, dst, order.strides(a.rows, b.cols), Write::Add);
}

/// `dst = a b` or `dst += a b` on the calling thread, where element `(i, j)` of the result is
/// `dst[i strides[0] + j strides[1]]`; the views of one product must not overlap themselves.
pub(crate) fn product_into_view(a: Matrix, b: Matrix, dst: &mut [f32], strides: [usize; 2], write: Write) {
    assert!(
        fits(dst.len(), a.rows, b.cols, strides),
        "a {}x{} product into a view of {} values",
        a.rows,
        b.cols,
        dst.len()
    );
    // SAFETY: the view lies within `dst` (checked above), whose values are all initialised.
    unsafe { gemm_into(a, b, dst.as_mut_ptr(), strides, write, gemm::Parallelism::None) }
}

/// Whether a product replaces `dst` or adds to it.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Write {
    Set,
    Add,
}

/// # Safety
/// `dst` must have room for the `a.rows x b.cols` result at `dst_strides` (row, column); with
/// [`Write::Set`] every element is written and none read, with [`Write::Add`] every element must
/// be initialised.
unsafe fn gemm_into(
    a: Matrix,
    b: Matrix,
    dst: *mut f32,
    dst_strides: [usize; 2],
    write: Write,
    threads: gemm::Parallelism,
) {
    assert_eq!(a.cols, b.rows, "product of a {}x{} and a {}x{} matrix", a.rows, a.cols, b.rows, b.cols);
    let (m, n, k) = (a.rows, b.cols, a.cols);
    // gemm takes (column stride, row stride).
    let [[a_rs, a_cs], [b_rs, b_cs], [dst_rs, dst_cs]] =
        [a.strides, b.strides, dst_strides].map(|s| s.map(|s| s as isize));
    let (read_dst, alpha) = match write {
        Write::Set => (false, 0.0),
        Write::Add => (true, 1.0),
    };
    // SAFETY: the caller gives room for the m x n result, which gemm reads only with
    // `read_dst` (`dst = alpha dst + a b`); `a` and `b` hold their m x k and k x n elements
    // (checked in `Matrix::new`) at the strides given.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            dst_cs,
            dst_rs,
            read_dst,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            alpha,
            1.0,
            false,
            false,
            false,
            threads,
        );
    }
}

/// A matrix's values in the other order (`values` is `rows x cols` in `from`): its transpose,
/// a band of [`TILE`] rows per task by [`transpose::band`]'s register tiles (one strided read
/// per value, as this was, took 1.2% of an MNIST step's samples on D's `dX`, 100 x 6272).
pub(crate) fn reorder(values: &[f32], rows: usize, cols: usize, from: Order) -> Vec<f32> {
    let (outer, inner) = match from {
        Order::Rows => (rows, cols),
        Order::Columns => (cols, rows),
    };
    debug_assert_eq!(outer * inner, values.len());
    par_build(values.len(), TILE * outer, |n, band| transpose::band(values, outer, inner, n * TILE, band))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout of a 5x3 times 3x4 product against the sum in f64.
    #[test]
    fn products_in_every_layout_match_the_sums() {
        let (m, k, n) = (5, 3, 4);
        let a: Vec<f32> = (0..m * k).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| 2.0 - i as f32 * 0.25).collect();
        let expected =
            |i: usize, j: usize| (0..k).map(|l| f64::from(a[i * k + l]) * f64::from(b[l * n + j])).sum::<f64>();
        for (a_order, b_order, order) in [Order::Rows, Order::Columns]
            .into_iter()
            .flat_map(|x| [(x, Order::Rows), (x, Order::Columns)])
            .flat_map(|(x, y)| [(x, y, Order::Rows), (x, y, Order::Columns)])
        {
            let a_data = if a_order == Order::Rows { a.clone() } else { reorder(&a, m, k, Order::Rows) };
            let b_data = if b_order == Order::Rows { b.clone() } else { reorder(&b, k, n, Order::Rows) };
            let c = product(Matrix::new(&a_data, m, k, a_order), Matrix::new(&b_data, k, n, b_order), order);
            let c = if order == Order::Rows { c } else { reorder(&c, m, n, Order::Columns) };
            for i in 0..m {
                for j in 0..n {
                    assert!(
                        (f64::from(c[i * n + j]) - expected(i, j)).abs() < 1e-5,
                        "{a_order:?} {b_order:?} {order:?} ({i}, {j})"
                    );
                }
            }
        }
    }

    /// `dst += a b` adds the product to what `dst` holds.
    #[test]
    fn a_product_added_into_a_buffer_keeps_what_it_held() {
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.25]);
        let (a, b) = (Matrix::new(&a, 2, 2, Order::Rows), Matrix::new(&b, 2, 2, Order::Rows));
        let mut dst = vec![10.0, 20.0, 30.0, 40.0];
        product_add_into(a, b, &mut dst, Order::Rows);
        assert_eq!(dst, [10.0 + 4.5, 20.0 - 0.5, 30.0 + 9.5, 40.0 - 2.0]);
        product_into(a, b, &mut dst, Order::Rows);
        assert_eq!(dst, [4.5, -0.5, 9.5, -2.0]);
    }

    /// A product into a strided view writes its elements there and leaves the others alone,
    /// from operands that are strided views too (every other row of a wider buffer).
    #[test]
    fn a_product_into_a_view_writes_only_the_view() {
        // a = [[1, 2], [3, 4]] as rows 0 and 2 of a 3x2 buffer; b = [[0.5, -1], [2, 0.25]] by columns.
        let a = Matrix::strided(&[1.0, 2.0, 9.0, 9.0, 3.0, 4.0], 2, 2, [4, 1]);
        let b = Matrix::new(&[0.5, 2.0, -1.0, 0.25], 2, 2, Order::Columns);
        // The 2x2 result at rows 1 and 3, columns 0 and 2 of a 4x3 buffer of 7s.
        let mut dst = [7.0; 12];
        product_into_view(a, b, &mut dst[3..], [6, 2], Write::Set);
        let expected = [4.5, -0.5, 9.5, -2.0];
        let at = [3, 5, 9, 11];
        for (i, v) in dst.iter().enumerate() {
            match at.iter().position(|&j| j == i) {
                Some(k) => assert_eq!(*v, expected[k], "element {i}"),
                None => assert_eq!(*v, 7.0, "element {i} outside the view"),
            }
        }
        product_into_view(a, b, &mut dst[3..], [6, 2], Write::Add);
        assert_eq!(at.map(|i| dst[i]), expected.map(|v| 2.0 * v));
    }

    /// The parts are added in order, bit for bit the sequential sum, over several chunks of the
    /// sum and a last part that is short.
    #[test]
    fn par_sum_adds_the_parts_in_order() {
        let len = 2 * SUM_CHUNK + 5;
        let part = |range: Range<usize>| -> Vec<f32> {
            (0..len).map(|j| range.clone().map(|i| ((i * 31 + j * 7) % 19) as f32 / 7.0 - 1.3).sum()).collect()
        };
        let mut expected = part(0..3);
        for start in [3, 6, 9] {
            expected.iter_mut().zip(part(start..(start + 3).min(10))).for_each(|(e, p)| *e += p);
        }
        assert_eq!(par_sum(10, 3, part), expected);
        assert_eq!(par_sum(2, 3, part), part(0..2), "one part");
    }

    /// Each chunk, the last one short, is handed over zeroed with its index.
    #[test]
    fn par_build_hands_every_chunk_over_zeroed() {
        let built = par_build(10, 4, |i, part| {
            assert!(part.iter().all(|&v| v == 0.0));
            for (j, v) in part.iter_mut().enumerate() {
                *v = (10 * i + j) as f32;
            }
        });
        assert_eq!(built, [0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0, 20.0, 21.0]);
    }

    #[test]
    fn transposing_a_matrix_view_reads_the_same_memory() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let a = Matrix::new(&values, 2, 3, Order::Rows).t();
        assert_eq!((a.rows, a.cols, a.strides), (3, 2, [1, 3]));
        assert_eq!(reorder(&values, 2, 3, Order::Rows), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    /// Both orders, over whole tiles, edges and fewer values than a tile, against the
    /// definition.
    #[test]
    fn reorder_gives_the_other_order() {
        for (rows, cols) in [(100, 6272), (33, 17), (16, 48), (5, 3)] {
            let values: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
            let by_columns = reorder(&values, rows, cols, Order::Rows);
            let by_rows = reorder(&values, rows, cols, Order::Columns);
            for (i, j) in (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j))) {
                assert_eq!(by_columns[j * rows + i], values[i * cols + j], "{rows} x {cols} by rows: ({i}, {j})");
                assert_eq!(by_rows[i * cols + j], values[j * rows + i], "{rows} x {cols} by columns: ({i}, {j})");
            }
        }
    }
}
