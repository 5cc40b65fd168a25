//! The fused kernels on CubeCL (wgpu, CUDA). Each reads the inner-product matrices
//! `P = Xc Xc^T` (`Xc`: the rows of `x` centred on their mean) and makes every Gaussian Gram entry
//! on the fly, `K_ij = exp(-gamma max(P_ii + P_jj - 2 P_ij, 0))`; none writes `K`, `L` or their
//! centred forms. Row sums are reduced by one cube (workgroup) per row: its threads stride over
//! the columns, then halve a shared-memory buffer.

use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::tensor::{DType, Shape};
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, kernel::into_contiguous};
use cubecl::ir::FloatKind;
use cubecl::prelude::*;

use super::HsicOps;

/// Threads per cube, a power of two.
const BLOCK: usize = 64;

/// `K_ij` from the inner products `p` (`[m, m]`, row-major).
#[cube]
fn gaussian_entry<F: Float>(p: &Tensor<F>, i: usize, j: usize, m: usize, gamma: F) -> F {
    let squared = p[i * m + i] + p[j * m + j] - F::new(2.0) * p[i * m + j];
    F::exp(-gamma * F::max(squared, F::new(0.0)))
}

/// The sum of `value` over the cube's `BLOCK` threads, by halving a shared buffer.
#[cube]
fn block_sum<F: Float>(value: F) -> F {
    let mut shared = Shared::new_slice(BLOCK);
    shared[UNIT_POS as usize] = value;
    sync_cube();
    let mut active = CUBE_DIM / 2;
    while active > 0 {
        if UNIT_POS < active {
            let other = shared[(UNIT_POS + active) as usize];
            shared[UNIT_POS as usize] += other;
        }
        sync_cube();
        active /= 2;
    }
    shared[0]
}

/// Row means of `K` and `L`: `means[0, i] = mean_j K_ij`, `means[1, i] = mean_j L_ij`.
#[cube(launch)]
fn row_means_kernel<F: Float>(
    px: &Tensor<F>,
    py: &Tensor<F>,
    means: &mut Tensor<F>,
    gamma_x: InputScalar,
    gamma_y: InputScalar,
    #[define(F)] _dtype: ElemType,
) {
    let gx = gamma_x.get::<F>();
    let gy = gamma_y.get::<F>();
    let m = px.shape(0);
    let i = CUBE_POS_X as usize;
    let mut sum_k = F::new(0.0);
    let mut sum_l = F::new(0.0);
    let mut j = UNIT_POS_X as usize;
    while j < m {
        sum_k += gaussian_entry::<F>(px, i, j, m, gx);
        sum_l += gaussian_entry::<F>(py, i, j, m, gy);
        j += BLOCK;
    }
    let total_k = block_sum::<F>(sum_k);
    let total_l = block_sum::<F>(sum_l);
    if UNIT_POS_X == 0 {
        let count = F::cast_from(m as u32);
        means[i] = total_k / count;
        means[m + i] = total_l / count;
    }
}

/// `K~_ij = K_ij - a_i - a_j + g` for `entry = K_ij`, from row `which` of the row means `a`
/// (`[2, m]`: `K`'s, then `L`'s) and its grand mean `g = grand[which]`.
#[cube]
fn centred<F: Float>(entry: F, means: &Tensor<F>, grand: &Tensor<F>, i: usize, j: usize, m: usize, which: usize) -> F {
    entry - means[which * m + i] - means[which * m + j] + grand[which]
}

/// Per row `i`: `rows[i] = (sum_j K~_ij L~_ij, sum_j K~_ij^2, sum_j L~_ij^2)`.
#[cube(launch)]
fn centred_products_kernel<F: Float>(
    px: &Tensor<F>,
    py: &Tensor<F>,
    means: &Tensor<F>,
    grand: &Tensor<F>,
    rows: &mut Tensor<F>,
    gamma_x: InputScalar,
    gamma_y: InputScalar,
    #[define(F)] _dtype: ElemType,
) {
    let gx = gamma_x.get::<F>();
    let gy = gamma_y.get::<F>();
    let m = px.shape(0);
    let i = CUBE_POS_X as usize;
    let mut kl = F::new(0.0);
    let mut kk = F::new(0.0);
    let mut ll = F::new(0.0);
    let mut j = UNIT_POS_X as usize;
    while j < m {
        let kc = centred::<F>(gaussian_entry::<F>(px, i, j, m, gx), means, grand, i, j, m, 0);
        let lc = centred::<F>(gaussian_entry::<F>(py, i, j, m, gy), means, grand, i, j, m, 1);
        kl += kc * lc;
        kk += kc * kc;
        ll += lc * lc;
        j += BLOCK;
    }
    let kl = block_sum::<F>(kl);
    let kk = block_sum::<F>(kk);
    let ll = block_sum::<F>(ll);
    if UNIT_POS_X == 0 {
        rows[3 * i] = kl;
        rows[3 * i + 1] = kk;
        rows[3 * i + 2] = ll;
    }
}

/// The gradient weights, elementwise: with `(g0, g1, g2)` the gradient of the three sums,
/// `W_x = (g0 L~ + 2 g1 K~) o K` and `W_y = (g0 K~ + 2 g2 L~) o L`.
#[cube(launch)]
fn weights_kernel<F: Float>(
    px: &Tensor<F>,
    py: &Tensor<F>,
    means: &Tensor<F>,
    grand: &Tensor<F>,
    grad: &Tensor<F>,
    wx: &mut Tensor<F>,
    wy: &mut Tensor<F>,
    gamma_x: InputScalar,
    gamma_y: InputScalar,
    #[define(F)] _dtype: ElemType,
) {
    let gx = gamma_x.get::<F>();
    let gy = gamma_y.get::<F>();
    let m = px.shape(0);
    let i = CUBE_POS_Y as usize;
    let j = (CUBE_POS_X * CUBE_DIM_X + UNIT_POS_X) as usize;
    if j >= m {
        terminate!();
    }
    let index = i * m + j;
    let k = gaussian_entry::<F>(px, i, j, m, gx);
    let l = gaussian_entry::<F>(py, i, j, m, gy);
    let kc = centred::<F>(k, means, grand, i, j, m, 0);
    let lc = centred::<F>(l, means, grand, i, j, m, 1);
    let two = F::new(2.0);
    wx[index] = (grad[0] * lc + two * grad[1] * kc) * k;
    wy[index] = (grad[0] * kc + two * grad[2] * lc) * l;
}

/// `Xc Xc^T` for the rows of `x` centred on their mean (distances are unchanged by the shift,
/// and smaller norms lose less to cancellation in f32).
fn centred_inner_products(x: CubeTensor) -> CubeTensor {
    let mean = CubeBackend::float_mean_dim(x.clone(), 0);
    let centred = CubeBackend::float_sub(x, mean);
    let transposed = CubeBackend::float_transpose(centred.clone());
    into_contiguous(CubeBackend::float_matmul(centred, transposed))
}

fn elem(dtype: DType) -> ElemType {
    match dtype {
        DType::F32 => ElemType::Float(FloatKind::F32),
        other => panic!("fused HSIC runs in f32, got {other:?}"),
    }
}

fn scalar(value: f32) -> InputScalar {
    InputScalar::new(value, ElemType::Float(FloatKind::F32))
}

/// One cube of `BLOCK` threads per row.
fn per_row(m: usize) -> (CubeCount, CubeDim) {
    (CubeCount::Static(m as u32, 1, 1), CubeDim::new_1d(BLOCK as u32))
}

impl HsicOps for CubeBackend {
    fn gaussian_hsic_sums(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let dtype = x.dtype;
        let m = x.meta.shape()[0];
        let (px, py) = (centred_inner_products(x), centred_inner_products(y));
        let (client, device) = (px.client.clone(), px.device.clone());
        let means = empty_device_dtype(client.clone(), device.clone(), Shape::new([2, m]), dtype);
        let (cubes, threads) = per_row(m);
        row_means_kernel::launch(
            &client,
            cubes.clone(),
            threads,
            px.clone().into_tensor_arg(),
            py.clone().into_tensor_arg(),
            means.clone().into_tensor_arg(),
            scalar(gamma_x),
            scalar(gamma_y),
            elem(dtype),
        );
        let grand = into_contiguous(Self::float_mean_dim(means.clone(), 1));
        let rows = empty_device_dtype(client.clone(), device, Shape::new([m, 3]), dtype);
        centred_products_kernel::launch(
            &client,
            cubes,
            threads,
            px.clone().into_tensor_arg(),
            py.clone().into_tensor_arg(),
            means.clone().into_tensor_arg(),
            grand.into_tensor_arg(),
            rows.clone().into_tensor_arg(),
            scalar(gamma_x),
            scalar(gamma_y),
            elem(dtype),
        );
        let sums = Self::float_reshape(Self::float_sum_dim(rows, 0), Shape::new([3]));
        (sums, means, px, py)
    }

    fn gaussian_hsic_backward(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        px: FloatTensor<Self>,
        py: FloatTensor<Self>,
        means: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let dtype = px.dtype;
        let m = px.meta.shape()[0];
        let (client, device) = (px.client.clone(), px.device.clone());
        let grand = into_contiguous(Self::float_mean_dim(means.clone(), 1));
        let grad = into_contiguous(grad);
        let weights = || empty_device_dtype(client.clone(), device.clone(), Shape::new([m, m]), dtype);
        let (wx, wy) = (weights(), weights());
        // Rows on the y axis, columns on x: a 1-d grid of m^2 / 256 cubes would pass wgpu's
        // 65,535-per-axis limit at m = 4,096.
        let threads = CubeDim::new_1d(256);
        let cubes = CubeCount::Static(m.div_ceil(256) as u32, m as u32, 1);
        weights_kernel::launch(
            &client,
            cubes,
            threads,
            px.into_tensor_arg(),
            py.into_tensor_arg(),
            into_contiguous(means).into_tensor_arg(),
            grand.into_tensor_arg(),
            grad.into_tensor_arg(),
            wx.clone().into_tensor_arg(),
            wy.clone().into_tensor_arg(),
            scalar(gamma_x),
            scalar(gamma_y),
            elem(dtype),
        );
        (kernel_gradient(x, wx, gamma_x), kernel_gradient(y, wy, gamma_y))
    }
}

/// `dS/dx_i = -4 gamma sum_j W_ij (x_i - x_j)`, i.e. `-4 gamma (diag(W 1) X - W X)` for the
/// symmetric weights `W` (every pair `(i, j)` appears as `K_ij` and `K_ji`).
fn kernel_gradient(x: CubeTensor, w: CubeTensor, gamma: f32) -> CubeTensor {
    let row_sums = CubeBackend::float_sum_dim(w.clone(), 1);
    let spread = CubeBackend::float_sub(CubeBackend::float_mul(row_sums, x.clone()), CubeBackend::float_matmul(w, x));
    CubeBackend::float_mul_scalar(spread, (-4.0 * gamma as f64).into())
}
