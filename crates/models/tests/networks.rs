//! Shapes, output ranges and the InfoGAN initialisation of the networks.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::store::ModuleRecord;
use hsic_infogan_models::{DiscriminatorConfig, GeneratorConfig, LatentConfig, Networks, Rng, check_image_dims};

fn device() -> Device {
    hsic_infogan_device::parse_device("flex").unwrap()
}

#[test]
fn networks_follow_the_image_shape() {
    let device = device();
    let layout = LatentConfig::new();
    let latent = layout.sample(4, &mut Rng::new(0));
    for dims in [[1, 28, 28], [1, 64, 64], [3, 32, 32], [1, 8, 12]] {
        let g = GeneratorConfig::new(layout.input_size(), dims).init(&mut Rng::new(1), &device);
        let images = g.forward(latent.input(&device));
        assert_eq!(images.dims(), [4, dims[0], dims[1], dims[2]]);
        let values: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
        assert!(values.iter().all(|v| *v > 0.0 && *v < 1.0), "sigmoid output in (0, 1)");
        let d = DiscriminatorConfig::new(dims).with_q_outputs(Some(12)).init(&mut Rng::new(1), &device);
        let out = d.forward(images);
        assert_eq!(out.logits.dims(), [4]);
        assert_eq!(out.q.expect("Q head").dims(), [4, 12]);
        let plain = DiscriminatorConfig::new(dims).init(&mut Rng::new(1), &device);
        assert!(plain.forward(Tensor::zeros([2, dims[0], dims[1], dims[2]], &device)).q.is_none());
    }
}

#[test]
fn the_dsprites_networks_follow_the_image_shape() {
    let device = device();
    let layout = LatentConfig::new().with_noise(5).with_categorical(vec![]).with_continuous(5);
    let latent = layout.sample(3, &mut Rng::new(0));
    for dims in [[1, 64, 64], [3, 32, 48]] {
        let g = GeneratorConfig::new(layout.input_size(), dims)
            .with_networks(Networks::Dsprites)
            .init(&mut Rng::new(1), &device);
        let images = g.forward(latent.input(&device));
        assert_eq!(images.dims(), [3, dims[0], dims[1], dims[2]]);
        let d = DiscriminatorConfig::new(dims)
            .with_q_outputs(Some(5))
            .with_networks(Networks::Dsprites)
            .init(&mut Rng::new(1), &device);
        let out = d.forward(images);
        assert_eq!(out.logits.dims(), [3]);
        assert_eq!(out.q.expect("Q head").dims(), [3, 5]);
        assert_eq!(out.features.dims(), [3, 128], "InfoGAN-CR's trunk is FC 128");
    }
}

/// Parameters (weights and biases, batch norm's gamma and beta) of a module.
fn parameters<M: Module>(module: &M) -> usize {
    struct Count(usize);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.val().is_require_grad() {
                self.0 += param.val().shape().num_elements();
            }
        }
    }
    let mut count = Count(0);
    module.visit(&mut count);
    count.0
}

#[test]
fn the_dsprites_networks_have_infogan_crs_layers() {
    let device = hsic_infogan_device::parse_device("flex").unwrap().autodiff();
    // InfoGAN-CR's dSprites setup: 10 inputs, 64 x 64 x 1 images, a Q head for 5 codes. Each
    // layer written out from its network.py: (inputs x outputs [x 4 x 4] + outputs) per layer,
    // 2 x features per batch norm.
    let up = |i: usize, o: usize| i * o * 16 + o;
    let dense = |i: usize, o: usize| i * o + o;
    let g = dense(10, 128)
        + 2 * 128
        + dense(128, 4 * 4 * 64)
        + 2 * 1024
        + up(64, 64)
        + 2 * 64
        + up(64, 32)
        + 2 * 32
        + up(32, 32)
        + 2 * 32
        + up(32, 1);
    let d = up(1, 32) + up(32, 32) + up(32, 64) + up(64, 64) + dense(1024, 128) + dense(128, 1);
    let q = dense(128, 128) + dense(128, 5);
    let built_g =
        GeneratorConfig::new(10, [1, 64, 64]).with_networks(Networks::Dsprites).init(&mut Rng::new(0), &device);
    let built_d = |q_outputs| {
        DiscriminatorConfig::new([1, 64, 64])
            .with_q_outputs(q_outputs)
            .with_networks(Networks::Dsprites)
            .init(&mut Rng::new(0), &device)
    };
    assert_eq!(parameters(&built_g), g);
    assert_eq!(parameters(&built_d(None)), d);
    assert_eq!(parameters(&built_d(Some(5))), d + q);
}

#[test]
fn a_checkpoint_names_the_layers_not_the_networks() {
    let device = device();
    for networks in [Networks::InfoGan, Networks::Dsprites] {
        let shape = GeneratorConfig::new(6, [1, 16, 16]).with_networks(networks);
        let g = shape.init(&mut Rng::new(1), &device);
        // Read back through bytes, as a checkpoint is, into a differently initialised G.
        let bytes = || g.clone().layers_record().into_bytes().unwrap();
        let back =
            shape.init(&mut Rng::new(2), &device).load_layers(ModuleRecord::from_bytes(bytes()).unwrap()).unwrap();
        let latent = LatentConfig::new().with_noise(3).with_categorical(vec![2]).with_continuous(1);
        let input = latent.sample(2, &mut Rng::new(3)).input(&device);
        let (a, b) = (g.valid().forward(input.clone()), back.valid().forward(input));
        assert_eq!(a.into_data().try_to_vec::<f32>().unwrap(), b.into_data().try_to_vec::<f32>().unwrap());
        // The other networks' G cannot read it.
        let other = if networks == Networks::InfoGan { Networks::Dsprites } else { Networks::InfoGan };
        let wrong = GeneratorConfig::new(6, [1, 16, 16]).with_networks(other).init(&mut Rng::new(2), &device);
        assert!(wrong.load_layers(ModuleRecord::from_bytes(bytes()).unwrap()).is_err(), "{networks:?}");
        // The paths are the layers' (`fc1.weight`), as in checkpoints written before the choice.
        let record = g.clone().layers_record();
        let bytes = record.into_bytes().unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("fc1.weight") && !text.contains("InfoGan.") && !text.contains("Dsprites."));
    }
}

#[test]
fn unsupported_image_shapes_are_refused_with_the_shape_named() {
    let err = Networks::Dsprites.check_image([1, 28, 28]).unwrap_err().to_string();
    assert!(err.contains("dsprites") && err.contains("divisible by 16"), "{err}");
    assert!(Networks::Dsprites.check_image([1, 64, 64]).is_ok());
    let err = check_image_dims([1, 30, 28]).unwrap_err().to_string();
    assert!(err.contains("height=30") && err.contains("divisible by 4"), "{err}");
    assert!(check_image_dims([0, 28, 28]).is_err());
    assert!(check_image_dims([1, 28, 28]).is_ok());
}

/// Collects every float tensor of a module by rank: biases and BN vectors are rank 1.
#[derive(Default)]
struct Collect {
    rank1: Vec<Vec<f32>>,
    weights: Vec<f32>,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values: Vec<f32> = param.val().into_data().try_to_vec().unwrap();
        if D == 1 {
            self.rank1.push(values);
        } else {
            self.weights.extend(values);
        }
    }
}

#[test]
fn weights_are_n_0_002_biases_zero_and_bn_gamma_n_1_002() {
    let device = device();
    let d = DiscriminatorConfig::new([1, 28, 28]).with_q_outputs(Some(12)).init(&mut Rng::new(1), &device);
    let mut seen = Collect::default();
    d.visit(&mut seen);
    let n = seen.weights.len() as f64;
    let mean = seen.weights.iter().map(|&w| w as f64).sum::<f64>() / n;
    let std = (seen.weights.iter().map(|&w| (w as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 1e-3 && (std - 0.02).abs() < 1e-3, "weights mean {mean}, std {std}");
    // Rank-1 tensors: BN gamma (mean ~1, std ~0.02); BN running variance (all 1); BN beta,
    // BN running mean and the biases of layers without BN (all 0).
    let all = |v: &Vec<f32>, x: f32| v.iter().all(|&y| y == x);
    let gammas: Vec<&Vec<f32>> = seen.rank1.iter().filter(|v| !all(v, 0.0) && !all(v, 1.0)).collect();
    let zeros = seen.rank1.iter().filter(|v| all(v, 0.0)).count();
    assert_eq!(gammas.len(), 3, "D has three batch norms (conv2, fc1, Q's fc1)");
    assert_eq!(zeros, 3 + 3 + 3, "three BN betas, three running means, three biases (conv1, fc2, Q's fc2)");
    for gamma in gammas {
        let mean = gamma.iter().map(|&g| g as f64).sum::<f64>() / gamma.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "gamma mean {mean}");
    }
}

#[test]
fn chunked_samples_follow_one_stream_and_match_single_passes() {
    let device = device();
    let layout = LatentConfig::new().with_noise(3).with_categorical(vec![4]).with_continuous(1);
    let g = GeneratorConfig::new(layout.input_size(), [1, 8, 8]).init(&mut Rng::new(1), &device).valid();
    let chunks: Vec<_> = g.sample_chunks(&layout, 7, 3, &mut Rng::new(9), &device).collect();
    // Chunks of 3, 3 and the remaining 1, drawn one after another from the same stream.
    let mut rng = Rng::new(9);
    let expected = [3, 3, 1].map(|batch| layout.sample(batch, &mut rng));
    assert_eq!(chunks.len(), 3);
    for ((latent, images), want) in chunks.iter().zip(&expected) {
        assert_eq!(latent, want);
        // The images are G's output for exactly those latents.
        let images: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
        let alone: Vec<f32> = g.forward(want.input(&device)).into_data().try_to_vec().unwrap();
        assert_eq!(images.len(), want.batch * 64);
        assert!(images.iter().zip(&alone).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}
