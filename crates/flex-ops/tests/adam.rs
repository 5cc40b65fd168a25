//! The fused Adam step against Burn's `Adam` (bit for bit, on every compiled CPU backend) and
//! against Adam written out in f64.

use burn::optim::{Adam, AdamConfig, AdamState, Optimizer};
use burn::prelude::*;
use burn::tensor::{Distribution, TensorData};
use hsic_infogan_flex_ops::adam::{AdamSettings, Coefficients, FusedAdam};
use hsic_infogan_flex_ops::is_flex;
use rand::{SeedableRng, rngs::StdRng};

const SETTINGS: AdamSettings = AdamSettings { beta_1: 0.5, beta_2: 0.999, epsilon: 1e-8 };
const LR: f64 = 2e-4;

fn burn_adam() -> Adam {
    AdamConfig::new().with_beta_1(SETTINGS.beta_1).with_beta_2(SETTINGS.beta_2).with_epsilon(SETTINGS.epsilon).build()
}

/// A `shape` tensor of draws from `distribution`, the same for the same `seed` on every backend.
fn seeded(shape: [usize; 2], distribution: Distribution, seed: u64, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::random::<f32, _, _>(shape, distribution, &mut StdRng::seed_from_u64(seed)), device)
}

fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data().try_to_vec::<f32>().unwrap()
}

fn moments(state: &AdamState<2>) -> (Vec<f32>, Vec<f32>, usize) {
    let m = &state.momentum;
    (values(&m.moment_1), values(&m.moment_2), m.time)
}

/// Five steps of both optimisers from the same parameter, with gradients of every kind a model
/// hands over: contiguous, transposed (strided), and held elsewhere too.
fn same_as_burn(device: &Device) {
    // 300 x 700 = 210,000 elements: several of the fused pass's parallel chunks.
    let mut fused_param = seeded([300, 700], Distribution::Normal(0.0, 1.0), 0, device);
    let mut burn_param = fused_param.clone();
    let (fused, reference) = (FusedAdam::new(SETTINGS), burn_adam());
    let (mut fused_state, mut burn_state) = (None, None);
    for step in 0..5 {
        let seed = step as u64 + 1;
        let grad = match step % 3 {
            0 => seeded([300, 700], Distribution::Normal(0.0, 0.1), seed, device),
            1 => seeded([700, 300], Distribution::Normal(0.0, 0.1), seed, device).transpose(),
            _ => seeded([300, 700], Distribution::Uniform(-1e-3, 1e-3), seed, device),
        };
        let (held, grad_before) = (grad.clone(), values(&grad));
        let before = values(&fused_param);
        let kept = fused_param.clone();
        (fused_param, fused_state) = fused.step(LR, fused_param, grad.clone(), fused_state);
        (burn_param, burn_state) = reference.step(LR, burn_param, grad, burn_state);

        assert_eq!(values(&fused_param), values(&burn_param), "{device:?}, step {step}: parameters differ");
        let (f, b) = (fused_state.as_ref().unwrap(), burn_state.as_ref().unwrap());
        assert_eq!(moments(f), moments(b), "{device:?}, step {step}: moments differ");
        // The tensors the caller still holds are untouched (the fused pass writes copies of them).
        assert_eq!(values(&kept), before, "{device:?}, step {step}: the old parameter changed");
        assert_eq!(values(&held), grad_before, "{device:?}, step {step}: the gradient changed");
        assert_ne!(values(&fused_param), before, "{device:?}, step {step}: the parameter did not move");
    }
}

#[test]
fn the_fused_step_is_burns_adam_bit_for_bit() {
    assert!(is_flex(&Device::flex()), "the fused pass is compiled in with the flex feature");
    same_as_burn(&Device::flex());
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    {
        assert!(!is_flex(&Device::ndarray()), "ndarray takes Burn's Adam");
        same_as_burn(&Device::ndarray());
    }
}

/// Adam (Kingma & Ba 2015, Algorithm 1, with the epsilon scaled as Burn scales it) in f64.
fn reference_step(p: f64, g: f64, m: f64, v: f64, t: i32) -> (f64, f64, f64) {
    let (b1, b2) = (f64::from(SETTINGS.beta_1), f64::from(SETTINGS.beta_2));
    let m = b1 * m + (1.0 - b1) * g;
    let v = b2 * v + (1.0 - b2) * g * g;
    let (m_hat, v_hat) = (m / (1.0 - b1.powi(t)), v / (1.0 - b2.powi(t)));
    let eps = f64::from(SETTINGS.epsilon);
    (p - LR * m_hat / (v_hat.sqrt() + eps), m, v)
}

#[test]
fn the_fused_step_follows_adam_in_f64() {
    let device = Device::flex();
    let n = 1000;
    let grads: Vec<Vec<f32>> =
        (0..4).map(|s| (0..n).map(|i| ((i * 7 + s * 13) % 101) as f32 / 50.0 - 1.0).collect()).collect();
    let start: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) - 0.5).collect();
    let mut param = Tensor::<1>::from_data(TensorData::new(start.clone(), [n]), &device);
    let mut state = None;
    let mut expected: Vec<(f64, f64, f64)> = start.iter().map(|&p| (f64::from(p), 0.0, 0.0)).collect();
    let fused = FusedAdam::new(SETTINGS);
    for (t, grad) in grads.iter().enumerate() {
        let g = Tensor::<1>::from_data(TensorData::new(grad.clone(), [n]), &device);
        (param, state) = fused.step(LR, param, g, state);
        for (e, &g) in expected.iter_mut().zip(grad) {
            *e = reference_step(e.0, f64::from(g), e.1, e.2, t as i32 + 1);
        }
    }
    for (got, want) in values(&param).iter().zip(&expected) {
        // Each step moves a parameter by at most about lr; f32 keeps it to ~1e-7 relative.
        assert!((f64::from(*got) - want.0).abs() < 1e-6, "got {got}, want {}", want.0);
    }
    let state = state.unwrap();
    for (got, want) in values(&state.momentum.moment_2).iter().zip(&expected) {
        assert!((f64::from(*got) - want.2).abs() <= 1e-6 * want.2.max(1e-6), "v: got {got}, want {}", want.2);
    }
}

#[test]
fn coefficients_fold_both_bias_corrections() {
    let c = Coefficients::new(&SETTINGS, LR, 3);
    let (b1, b2) = (0.5f64, 0.999f64);
    let factor = (1.0 - b2.powi(3)).sqrt() / (1.0 - b1.powi(3));
    // Computed in f32 as Burn does: 1 - 0.999^3 loses about 1e-5 of its precision to cancellation.
    let epsilon = 1e-8 * (1.0 - b2.powi(3)).sqrt();
    assert!((f64::from(c.factor) - factor).abs() < 1e-4 * factor, "{} against {factor}", c.factor);
    assert!((f64::from(c.epsilon) - epsilon).abs() < 1e-4 * epsilon, "{} against {epsilon}", c.epsilon);
    assert_eq!((c.keep_1(), c.keep_2(), c.lr), (0.5, 1.0 - 0.999f32, 2e-4f32));
}
