//! Adam (Kingma & Ba 2015, Algorithm 1) exactly as Burn's `Adam` computes it, with one pass over
//! memory per parameter on flex instead of a dozen.
//!
//! Per parameter `p` with gradient `g`, at step `t`:
//!
//! - `m = beta_1 m + (1 - beta_1) g`, `v = beta_2 v + (1 - beta_2) g^2`;
//! - `p = p - lr * (m * c) / (sqrt(v) + eps * sqrt(1 - beta_2^t))`, with
//!   `c = sqrt(1 - beta_2^t) / (1 - beta_1^t)` (both bias corrections folded into one factor).
//!
//! Burn composes this from twelve tensor ops, each a pass over the parameter's memory: on
//! InfoGAN's two 6.4 M-parameter MNIST networks that is about 30 ms of a 270 ms training step on a
//! 2-core CPU. On flex, [`AdamOps::adam_update`] does it in one pass, with the same f32 operations
//! in the same order, so the parameters and moments are bit for bit Burn's. Elsewhere (ndarray,
//! wgpu, CUDA, f64, and a parameter's first step, which has no moments yet), the step is Burn's
//! own. The state is Burn's [`AdamState`], so an optimiser record saved with either loads into
//! the other; [`load`] puts it on the device it is asked for.

use std::cell::RefCell;
use std::ops::Deref;

use burn::optim::{
    AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink,
    StateSource,
};
use burn::prelude::*;
use burn::store::RecordError;
use burn::tensor::Bytes;

#[cfg(feature = "flex")]
mod flex;

/// The Adam settings of a training run (no weight decay, no AMSGrad, no clipping).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamSettings {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
}

/// Adam for one network: [`FusedAdam`] wrapped for a whole module.
pub fn optimizer(settings: AdamSettings) -> ModuleOptimizer {
    ModuleOptimizer::from(FusedAdam::new(settings))
}

/// Adam that updates each parameter in one fused pass where [`fused`] applies, and through Burn's
/// `Adam` otherwise.
#[derive(Clone)]
pub struct FusedAdam {
    settings: AdamSettings,
    composed: burn::optim::Adam,
}

impl FusedAdam {
    pub fn new(settings: AdamSettings) -> Self {
        let composed = AdamConfig::new()
            .with_beta_1(settings.beta_1)
            .with_beta_2(settings.beta_2)
            .with_epsilon(settings.epsilon)
            .build();
        Self { settings, composed }
    }
}

/// Loads the state of an optimiser made by [`optimizer`] from `bytes` (what `ModuleOptimizer::save`
/// wrote) onto `device` (without autodiff, where gradients live).
///
/// Burn 0.22's `ModuleOptimizer::from_bytes` builds every state tensor on `Device::default()`,
/// which is wgpu (or CUDA) whenever one is compiled in: a CPU run's state would detour through the
/// GPU, and where no GPU adapter exists the load panics. Each [`State`] built during this call
/// goes to `device` instead.
pub fn load(optim: ModuleOptimizer, bytes: Bytes, device: &Device) -> Result<ModuleOptimizer, RecordError> {
    LOAD_DEVICE.with_borrow_mut(|load| *load = Some(device.clone().inner()));
    let loaded = optim.from_bytes(bytes);
    LOAD_DEVICE.with_borrow_mut(|load| *load = None);
    loaded
}

thread_local! {
    /// The device [`load`] builds states on while it runs on this thread.
    static LOAD_DEVICE: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// One parameter's Adam state: Burn's [`AdamState`] (recorded under the same names), rebuilt from
/// a record on [`load`]'s device.
#[derive(Clone)]
pub struct State<const D: usize>(AdamState<D>);

impl<const D: usize> Deref for State<D> {
    type Target = AdamState<D>;

    fn deref(&self) -> &AdamState<D> {
        &self.0
    }
}

impl<const D: usize> RecordState for State<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        self.0.state_flatten(prefix, out);
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, default: &Device) -> Option<Self> {
        let device = LOAD_DEVICE.with_borrow(|load| load.clone()).unwrap_or_else(|| default.clone());
        AdamState::state_unflatten(prefix, src, &device).map(Self)
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = State<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        match state {
            Some(State(state)) if fused(&tensor, &state) => {
                let AdaptiveMomentumState { time, moment_1, moment_2, .. } = state.momentum;
                let time = time + 1;
                let (tensor, moment_1, moment_2) =
                    update(tensor, grad, moment_1, moment_2, Coefficients::new(&self.settings, lr, time));
                (tensor, Some(State(AdamState::new(AdaptiveMomentumState::new(time, moment_1, moment_2)))))
            }
            state => {
                let (tensor, state) = self.composed.step(lr, tensor, grad, state.map(|State(state)| state));
                (tensor, state.map(State))
            }
        }
    }

    fn to_device<const D: usize>(State(state): Self::State<D>, device: &Device) -> Self::State<D> {
        State(burn::optim::Adam::to_device(state, device))
    }
}

/// The step's scalars, each computed in f32 as Burn's `Adam` computes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficients {
    pub beta_1: f32,
    pub beta_2: f32,
    /// `c = sqrt(1 - beta_2^t) / (1 - beta_1^t)`.
    pub factor: f32,
    /// `eps * sqrt(1 - beta_2^t)`.
    pub epsilon: f32,
    pub lr: f32,
}

impl Coefficients {
    pub fn new(settings: &AdamSettings, lr: LearningRate, time: usize) -> Self {
        let time = time as i32;
        let correction_2 = (1.0 - settings.beta_2.powi(time)).sqrt();
        Self {
            beta_1: settings.beta_1,
            beta_2: settings.beta_2,
            factor: correction_2 / (1.0 - settings.beta_1.powi(time)),
            epsilon: settings.epsilon * correction_2,
            lr: lr as f32,
        }
    }

    /// `1 - beta_1`, the weight of the new gradient in `m`.
    pub fn keep_1(&self) -> f32 {
        1.0 - self.beta_1
    }

    /// `1 - beta_2`, the weight of the new squared gradient in `v`.
    pub fn keep_2(&self) -> f32 {
        1.0 - self.beta_2
    }

    /// One element: `(p, m, v)` after the step.
    #[inline(always)]
    pub fn apply(&self, p: f32, g: f32, m: f32, v: f32) -> (f32, f32, f32) {
        let m = m * self.beta_1 + g * self.keep_1();
        let v = v * self.beta_2 + (g * g) * self.keep_2();
        let delta = ((m * self.factor) / (v.sqrt() + self.epsilon)) * self.lr;
        (p - delta, m, v)
    }
}

/// Whether the fused pass runs for this parameter: f32 on flex ([`is_flex`](crate::is_flex)), with
/// moments (no AMSGrad).
fn fused<const D: usize>(tensor: &Tensor<D>, state: &AdamState<D>) -> bool {
    tensor.dtype() == burn::tensor::DType::F32
        && state.momentum.max_moment_2.is_none()
        && crate::is_flex(&tensor.device())
}

#[cfg(feature = "flex")]
fn update<const D: usize>(
    tensor: Tensor<D>,
    grad: Tensor<D>,
    moment_1: Tensor<D>,
    moment_2: Tensor<D>,
    coefficients: Coefficients,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    flex::update(tensor, grad, moment_1, moment_2, coefficients)
}

#[cfg(not(feature = "flex"))]
fn update<const D: usize>(
    _: Tensor<D>,
    _: Tensor<D>,
    _: Tensor<D>,
    _: Tensor<D>,
    _: Coefficients,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    unreachable!("the fused Adam step runs on flex only")
}
