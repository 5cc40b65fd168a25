//! Batch norm's passes on flex (see [`super`]), as a backend extension with its autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::prelude::*;
use burn::tensor::Slice;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

use crate::product::{par_build, tensor, values};

/// [`BatchNormOps::batch_norm_statistics`] on a Burn tensor (f32 on flex); not differentiated.
pub(super) fn statistics<const D: usize>(x: Tensor<D>) -> Tensor<2> {
    Tensor::from_dispatch(Dispatch::batch_norm_statistics(x.into_dispatch()))
}

/// [`BatchNormOps::batch_norm_normalize`] on Burn tensors, differentiable in `x`, `gamma`, `beta`.
pub(super) fn normalize<const D: usize>(
    x: Tensor<D>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    statistics: Tensor<2>,
    epsilon: f64,
) -> Tensor<D> {
    let [x, gamma, beta, statistics] =
        [x.into_dispatch(), gamma.into_dispatch(), beta.into_dispatch(), statistics.into_dispatch()];
    Tensor::from_dispatch(Dispatch::batch_norm_normalize(x, gamma, beta, statistics, epsilon))
}

/// Batch norm in training mode over `[batch, channels, ...]` inputs; `statistics` are
/// `[2, channels]`: each channel's mean μ and biased variance σ².
#[backend_extension(Flex, Autodiff)]
pub trait BatchNormOps: Backend {
    /// μ and σ², one pass over `x`.
    fn batch_norm_statistics(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `y = γ (x - μ) / sqrt(σ² + ε) + β`.
    fn batch_norm_normalize(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// `[Σ dy, Σ dy x̂]` per channel, `[2 channels]`: β's gradient, then γ's.
    fn batch_norm_grad_sums(
        x: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// `dx = γ / sqrt(σ² + ε) (dy - Σ dy / M - x̂ Σ dy x̂ / M)`, `sums` from
    /// [`batch_norm_grad_sums`](BatchNormOps::batch_norm_grad_sums).
    fn batch_norm_x_grad(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        sums: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;
}

/// A `[batch, channels, ...]` tensor's layout: each sample is `channels` runs of `size`
/// values (the positions; 1 for `[batch, channels]`).
#[derive(Clone, Copy, Debug)]
struct Planes {
    channels: usize,
    size: usize,
}

impl Planes {
    fn of(tensor: &FlexTensor) -> Self {
        let dims = tensor.layout().shape().to_vec();
        Self { channels: dims[1], size: dims[2..].iter().product() }
    }

    fn sample(&self) -> usize {
        self.channels * self.size
    }
}

/// The per-channel numbers a pass reads (a shift, scale and offset; see each pass).
type Channel = [f32; 4];

/// Per channel, `Σ term(p, a, b)` over the pairs of values of `a` and `b` (same layout) in that
/// channel, `p` its [`Channel`]: both components, summed in f32 along 8 lanes of a run (or
/// across the channels of a `[batch, channels]` row) and in f64 across runs.
fn channel_sums(
    a: &[f32],
    b: &[f32],
    planes: Planes,
    channels: &[Channel],
    term: impl Fn(&Channel, f32, f32) -> [f32; 2] + Sync,
) -> Vec<[f64; 2]> {
    let zeros = || vec![[0.0; 2]; planes.channels];
    let add = |sum: &mut [f64; 2], [t0, t1]: [f32; 2]| *sum = [sum[0] + f64::from(t0), sum[1] + f64::from(t1)];
    a.par_chunks(planes.sample())
        .zip(b.par_chunks(planes.sample()))
        .fold(zeros, |mut sums, (a, b)| {
            let channels = sums.iter_mut().zip(channels);
            if planes.size == 1 {
                for ((sum, p), (&a, &b)) in channels.zip(a.iter().zip(b)) {
                    add(sum, term(p, a, b));
                }
            } else {
                for ((sum, p), (a, b)) in channels.zip(a.chunks(planes.size).zip(b.chunks(planes.size))) {
                    add(sum, run_sum(a, b, |a, b| term(p, a, b)));
                }
            }
            sums
        })
        .reduce(zeros, |mut x, y| {
            for (x, [y0, y1]) in x.iter_mut().zip(y) {
                *x = [x[0] + y0, x[1] + y1];
            }
            x
        })
}

/// `Σ term(a, b)` along one run, in 8 independent lanes (a chain of dependent adds does not
/// vectorise).
#[inline(always)]
fn run_sum(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> [f32; 2]) -> [f32; 2] {
    let ((a8, a_rest), (b8, b_rest)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    let mut lanes = [[0.0f32; 8]; 2];
    for (a, b) in a8.iter().zip(b8) {
        for lane in 0..8 {
            let [t0, t1] = term(a[lane], b[lane]);
            lanes[0][lane] += t0;
            lanes[1][lane] += t1;
        }
    }
    let mut sum = lanes.map(|lane| lane.iter().sum::<f32>());
    for (&a, &b) in a_rest.iter().zip(b_rest) {
        let [t0, t1] = term(a, b);
        sum = [sum[0] + t0, sum[1] + t1];
    }
    sum
}

/// `out = f(p, a, b)` elementwise over `a` and `b` (same layout), `p` each value's [`Channel`].
fn channel_map(
    a: &[f32],
    b: &[f32],
    planes: Planes,
    channels: &[Channel],
    f: impl Fn(&Channel, f32, f32) -> f32 + Sync,
) -> Vec<f32> {
    let sample = planes.sample();
    par_build(a.len(), sample, |i, out| {
        let (a, b) = (&a[i * sample..][..out.len()], &b[i * sample..][..out.len()]);
        if planes.size == 1 {
            for ((out, p), (&a, &b)) in out.iter_mut().zip(channels).zip(a.iter().zip(b)) {
                *out = f(p, a, b);
            }
        } else {
            let runs = out.chunks_mut(planes.size).zip(a.chunks(planes.size).zip(b.chunks(planes.size)));
            for ((out, (a, b)), p) in runs.zip(channels) {
                for (out, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
                    *out = f(p, a, b);
                }
            }
        }
    })
}

/// μ, and `1 / sqrt(σ² + ε)`, per channel, from a `[2, channels]` statistics tensor.
fn mean_and_inverse_std(statistics: &FlexTensor, epsilon: f64) -> (Vec<f32>, Vec<f64>) {
    let (mean, variance) = values(statistics).split_at(statistics.layout().shape()[1]);
    (mean.to_vec(), variance.iter().map(|&v| 1.0 / (f64::from(v) + epsilon).sqrt()).collect())
}

impl BatchNormOps for Flex {
    fn batch_norm_statistics(x: FlexTensor) -> FlexTensor {
        let (x, planes) = (x.to_contiguous(), Planes::of(&x));
        let x = values(&x);
        // Shifted by each channel's first value: Σ (x - k)² / M - (Σ (x - k) / M)² keeps the
        // precision that Σ x² / M - μ² loses when |μ| is large against σ.
        let shift: Vec<Channel> = (0..planes.channels).map(|c| [x[c * planes.size], 0.0, 0.0, 0.0]).collect();
        let sums = channel_sums(x, x, planes, &shift, |&[k, ..], x, _| {
            let d = x - k;
            [d, d * d]
        });
        let count = (x.len() / planes.channels) as f64;
        let (mean, variance): (Vec<f32>, Vec<f32>) = sums
            .iter()
            .zip(&shift)
            .map(|(&[s, s2], &[k, ..])| {
                let offset = s / count;
                ((f64::from(k) + offset) as f32, (s2 / count - offset * offset).max(0.0) as f32)
            })
            .unzip();
        tensor([mean, variance].concat(), [2, planes.channels])
    }

    fn batch_norm_normalize(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        statistics: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        let (x, planes, shape) = (x.to_contiguous(), Planes::of(&x), x.shape());
        let (gamma, beta, statistics) = (gamma.to_contiguous(), beta.to_contiguous(), statistics.to_contiguous());
        let (mean, inverse_std) = mean_and_inverse_std(&statistics, epsilon);
        // y = (x - μ) γ s + β, s = 1 / sqrt(σ² + ε).
        let channels: Vec<Channel> = (0..planes.channels)
            .map(|c| [mean[c], (f64::from(values(&gamma)[c]) * inverse_std[c]) as f32, values(&beta)[c], 0.0])
            .collect();
        let x = values(&x);
        tensor(channel_map(x, x, planes, &channels, |&[m, scale, beta, _], x, _| (x - m) * scale + beta), shape)
    }

    fn batch_norm_grad_sums(x: FlexTensor, statistics: FlexTensor, grad: FlexTensor, epsilon: f64) -> FlexTensor {
        let (x, grad, planes) = (x.to_contiguous(), grad.to_contiguous(), Planes::of(&x));
        let statistics = statistics.to_contiguous();
        let (mean, inverse_std) = mean_and_inverse_std(&statistics, epsilon);
        let channels: Vec<Channel> = mean.iter().map(|&m| [m, 0.0, 0.0, 0.0]).collect();
        let sums = channel_sums(values(&x), values(&grad), planes, &channels, |&[m, ..], x, dy| [dy, dy * (x - m)]);
        let (beta, gamma): (Vec<f32>, Vec<f32>) =
            sums.iter().zip(&inverse_std).map(|(&[dy, dy_centred], s)| (dy as f32, (dy_centred * s) as f32)).unzip();
        tensor([beta, gamma].concat(), [2 * planes.channels])
    }

    fn batch_norm_x_grad(
        x: FlexTensor,
        gamma: FlexTensor,
        statistics: FlexTensor,
        sums: FlexTensor,
        grad: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        let (x, grad, planes, shape) = (x.to_contiguous(), grad.to_contiguous(), Planes::of(&x), x.shape());
        let (gamma, statistics, sums) = (gamma.to_contiguous(), statistics.to_contiguous(), sums.to_contiguous());
        let (mean, inverse_std) = mean_and_inverse_std(&statistics, epsilon);
        let count = (values(&x).len() / planes.channels) as f64;
        let (beta_grad, gamma_grad) = values(&sums).split_at(planes.channels);
        // dx = a dy + k (x - μ) + d with a = γ s, k = -a s Σ dy x̂ / M, d = -a Σ dy / M.
        let channels: Vec<Channel> = (0..planes.channels)
            .map(|c| {
                let (s, a) = (inverse_std[c], f64::from(values(&gamma)[c]) * inverse_std[c]);
                let k = -a * s * f64::from(gamma_grad[c]) / count;
                [a as f32, k as f32, mean[c], (-a * f64::from(beta_grad[c]) / count) as f32]
            })
            .collect();
        let dx =
            channel_map(values(&x), values(&grad), planes, &channels, |&[a, k, m, d], x, dy| a * dy + k * (x - m) + d);
        tensor(dx, shape)
    }
}

/// The backward step of [`BatchNormOps::batch_norm_normalize`].
#[derive(Debug)]
struct BatchNormBackward;

/// What the backward step needs: the input and statistics always (both sums read them), γ
/// where the input takes a gradient.
#[derive(Clone, Debug)]
struct BatchNormState<B: Backend> {
    x: FloatTensor<B>,
    gamma: Option<FloatTensor<B>>,
    statistics: FloatTensor<B>,
    epsilon: f64,
}

impl<B: Backend + BatchNormOps> Backward<B, 3> for BatchNormBackward {
    type State = BatchNormState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, gamma_node, beta_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let BatchNormState { x, gamma, statistics, epsilon } = ops.state;
        let channels = statistics.shape()[1];
        let sums = B::batch_norm_grad_sums(x.clone(), statistics.clone(), grad.clone(), epsilon);
        let part = |range: std::ops::Range<usize>| B::float_slice(sums.clone(), &[Slice::from(range)]);
        if let Some(node) = beta_node {
            grads.register::<B>(node.id, part(0..channels));
        }
        if let Some(node) = gamma_node {
            grads.register::<B>(node.id, part(channels..2 * channels));
        }
        if let (Some(node), Some(gamma)) = (x_node, gamma) {
            grads.register::<B>(node.id, B::batch_norm_x_grad(x, gamma, statistics, sums, grad, epsilon));
        }
    }
}

impl<B: Backend + BatchNormOps, C: CheckpointStrategy> BatchNormOps for Autodiff<B, C> {
    /// The statistics carry no gradient of their own: [`BatchNormBackward`] differentiates
    /// through them.
    fn batch_norm_statistics(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::batch_norm_statistics(Self::inner(x)))
    }

    fn batch_norm_normalize(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let x_tracked = x.is_tracked();
        let nodes = [x.node(), gamma.node(), beta.node()];
        let [x, gamma, beta, statistics] = [x, gamma, beta, statistics].map(|t| t.into_primitive());
        match BatchNormBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let state = BatchNormState {
                    x: x.clone(),
                    gamma: x_tracked.then(|| gamma.clone()),
                    statistics: statistics.clone(),
                    epsilon,
                };
                prep.finish(state, B::batch_norm_normalize(x, gamma, beta, statistics, epsilon))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::batch_norm_normalize(x, gamma, beta, statistics, epsilon)),
        }
    }

    // The gradient passes are not differentiable themselves (no second derivatives): they run
    // on the inner backend.

    fn batch_norm_grad_sums(
        x: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        Self::from_inner(B::batch_norm_grad_sums(Self::inner(x), Self::inner(statistics), Self::inner(grad), epsilon))
    }

    fn batch_norm_x_grad(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        statistics: FloatTensor<Self>,
        sums: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let [x, gamma, statistics, sums, grad] = [x, gamma, statistics, sums, grad].map(Self::inner);
        Self::from_inner(B::batch_norm_x_grad(x, gamma, statistics, sums, grad, epsilon))
    }
}
