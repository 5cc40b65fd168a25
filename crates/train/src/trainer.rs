//! One training loop for the three models (InfoGAN, Chen et al. 2016, eq. 5 with the Q head;
//! HSIC-InfoGAN, Liu et al. 2022: min_G max_D V(D, G) - lambda * HSIC(G(z, c), c)).

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use hsic::flatten_samples;
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig, Latent, Rng, stream};

use crate::adam::{self, AdamSettings};
use crate::losses::{HsicInputs, HsicTerms, discriminator_loss, effect_alignment, generator_loss, info_loss};
use crate::run::checkpoint::{self, Checkpoint, TrainState};
use crate::run::metrics::Row;
use crate::{Regularizer, TrainConfig, TrainError, TrainingData};

/// Networks, optimisers and position of a run.
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    data: TrainingData,
    /// The networks; `None` only within [`step`](Self::step), while an optimiser owns one: moved
    /// to it rather than cloned, so the fused Adam updates parameters nothing else holds in place.
    generator: Option<Generator>,
    discriminator: Option<Discriminator>,
    optim_g: ModuleOptimizer,
    optim_d: ModuleOptimizer,
    regularizer: Built,
    rng: Rng,
    iteration: usize,
    iters_per_epoch: usize,
    /// Each HSIC term's value in the last step (none for GAN and InfoGAN).
    hsic_terms: Vec<f32>,
    /// The data order of the current epoch, `(epoch, permutation)`.
    order: Option<(usize, Vec<usize>)>,
}

/// A run's [`Regularizer`], ready to apply.
enum Built {
    Gan,
    InfoGan { continuous_weight: f64 },
    Hsic(HsicTerms),
}

/// The two pulls on G's output x = G(z, c) in a G step: the Frobenius norms over a batch of
/// d(adversarial loss)/dx and of d(sum_t lambda_t HSIC_t)/dx, averaged over batches.
#[derive(Config, Debug, Copy, PartialEq)]
pub struct GradientNorms {
    pub adversarial: f64,
    pub hsic: f64,
}

impl GradientNorms {
    /// lambda |grad HSIC| / |grad adversarial|: how hard the regulariser pulls against D.
    pub fn ratio(&self) -> f64 {
        self.hsic / self.adversarial
    }
}

/// A batch of G's output x = G(z, c) as a G step sees it: `fake` is detached from G and
/// requires grad, so losses on it give their gradient at G's output.
pub struct ProbeBatch {
    pub latent: Latent,
    pub fake: Tensor<4>,
    /// D's trunk features of `fake` (D frozen), for HSIC terms on features.
    pub features: Tensor<2>,
    /// G's adversarial loss on `fake`, through D.
    pub adversarial: Tensor<1>,
}

/// The Frobenius norm of d loss / dx over the batch.
pub fn gradient_norm(x: &Tensor<4>, loss: &Tensor<1>) -> f64 {
    let grad = x.grad(&loss.backward()).expect("x requires grad");
    f64::from(grad.powf_scalar(2.0).sum().sqrt().into_scalar::<f32>())
}

/// The mean over `batches` of the [`gradient_norm`] at G's output of `loss(batch)`.
pub fn mean_gradient_norm(batches: &[ProbeBatch], mut loss: impl FnMut(&ProbeBatch) -> Tensor<1>) -> f64 {
    let sum: f64 = batches.iter().map(|batch| gradient_norm(&batch.fake, &loss(batch))).sum();
    sum / batches.len().max(1) as f64
}

/// The network in `slot`, moved out (see [`Trainer`]'s fields).
fn taken<M>(slot: &mut Option<M>) -> M {
    slot.take().expect("a network is taken once per update")
}

impl Trainer {
    /// A fresh run: networks initialised from `config.seed`.
    pub fn new(config: TrainConfig, data: TrainingData) -> Result<Self, TrainError> {
        config.validate()?;
        let dims = data.dims();
        let networks = config.networks();
        networks.check_image(dims).map_err(|e| TrainError::config(format!("dataset {}: {e}", config.dataset)))?;
        let iters_per_epoch = data.len() / config.batch_size;
        if iters_per_epoch == 0 {
            return Err(TrainError::config(format!(
                "dataset {} has {} images, fewer than one batch of {}",
                config.dataset,
                data.len(),
                config.batch_size
            )));
        }
        let device = config.device.open()?;
        let mut init = Rng::fork(config.seed, stream::INIT);
        let generator =
            GeneratorConfig::new(config.latent.input_size(), dims).with_networks(networks).init(&mut init, &device);
        let regularizer = match &config.regularizer {
            Regularizer::Gan => Built::Gan,
            Regularizer::InfoGan { continuous_weight } => Built::InfoGan { continuous_weight: *continuous_weight },
            Regularizer::Hsic { terms } => Built::Hsic(HsicTerms::new(terms)),
        };
        let discriminator = DiscriminatorConfig::new(dims)
            .with_q_outputs(config.q_outputs())
            .with_networks(networks)
            .init(&mut init, &device);
        let adam = AdamSettings {
            beta_1: config.beta1 as f32,
            beta_2: config.beta2 as f32,
            epsilon: config.adam_epsilon as f32,
        };
        Ok(Self {
            rng: Rng::fork(config.seed, stream::LATENT),
            config,
            device,
            data,
            generator: Some(generator),
            discriminator: Some(discriminator),
            optim_g: adam::optimizer(adam),
            optim_d: adam::optimizer(adam),
            regularizer,
            iteration: 0,
            iters_per_epoch,
            hsic_terms: Vec::new(),
            order: None,
        })
    }

    /// Continues the run in `run` from its checkpoint, with `config` (the run's `config.json`,
    /// possibly with more epochs or iterations).
    pub fn resume(run: &Path, config: TrainConfig, data: TrainingData) -> Result<Self, TrainError> {
        let dir = checkpoint::find(run)?;
        let state = checkpoint::load_state(&dir)?;
        let mut trainer = Self::new(config, data)?;
        if state.image != trainer.data.dims() || state.iters_per_epoch != trainer.iters_per_epoch {
            return Err(TrainError::run(
                &dir,
                format!(
                    "the checkpoint was made with {:?} images and {} iterations per epoch, but the data now \
                     gives {:?} and {}: resume with the dataset and batch size the run started with",
                    state.image,
                    state.iters_per_epoch,
                    trainer.data.dims(),
                    trainer.iters_per_epoch
                ),
            ));
        }
        trainer.generator = Some(checkpoint::load_generator(&dir, taken(&mut trainer.generator))?);
        trainer.discriminator = Some(checkpoint::load_discriminator(&dir, taken(&mut trainer.discriminator))?);
        (trainer.optim_g, trainer.optim_d) =
            checkpoint::load_optimizers(&dir, trainer.optim_g, trainer.optim_d, &trainer.device)?;
        trainer.rng = Rng::new(state.rng);
        trainer.iteration = state.iteration;
        Ok(trainer)
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// Each HSIC term's value, `HSIC_t`, in the last step (empty before it, and for GAN and InfoGAN).
    pub fn hsic_terms(&self) -> &[f32] {
        &self.hsic_terms
    }

    pub fn iters_per_epoch(&self) -> usize {
        self.iters_per_epoch
    }

    /// Where the run ends: `epochs` epochs, or `max_iters` iterations if that comes first.
    pub fn total_iterations(&self) -> usize {
        // Saturating: a config file may plan more iterations than a usize counts.
        let planned = self.config.epochs.saturating_mul(self.iters_per_epoch);
        self.config.max_iters.map_or(planned, |max| max.min(planned))
    }

    /// The device the networks train on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// `[channels, height, width]` of the training images.
    pub fn image_dims(&self) -> [usize; 3] {
        self.data.dims()
    }

    pub fn generator(&self) -> &Generator {
        self.generator.as_ref().expect("G is only taken within a step")
    }

    pub fn discriminator(&self) -> &Discriminator {
        self.discriminator.as_ref().expect("D is only taken within a step")
    }

    /// The indices of the next batch: epoch `e` visits the images in the order of an
    /// independent shuffle seeded by `(seed, e)`, so a resumed run sees the same batches.
    fn next_batch_indices(&mut self) -> Vec<usize> {
        let epoch = self.iteration / self.iters_per_epoch;
        if self.order.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let order = Rng::fork(self.config.seed, stream::epoch(epoch)).permutation(self.data.len());
            self.order = Some((epoch, order));
        }
        let within = self.iteration % self.iters_per_epoch;
        let b = self.config.batch_size;
        self.order.as_ref().expect("set above").1[within * b..(within + 1) * b].to_vec()
    }

    /// One iteration: a D step on a real and a (detached) fake batch, then a G step.
    pub fn step(&mut self) -> Result<Row, TrainError> {
        let start = Instant::now();
        let indices = self.next_batch_indices();
        let real = self.data.batch(&indices, &self.device);
        let latent = self.config.latent.sample(self.config.batch_size, &mut self.rng);
        let (fake, moved) = self.generate(&latent);

        // D step: max_D E[log D(x)] + E[log(1 - D(G(z, c)))] (+ InfoGAN's -L_I for Q).
        let d_real = self.discriminator().forward(real);
        let d_fake = self.discriminator().forward(fake.clone().detach());
        let mut d_loss = discriminator_loss(d_real.logits, d_fake.logits);
        if let (Built::InfoGan { continuous_weight }, Some(q)) = (&self.regularizer, d_fake.q) {
            d_loss = d_loss + info_loss(q, &latent, *continuous_weight);
        }
        let d_read = d_loss.clone().detach();
        let grads = GradientsParams::from_grads(d_loss.backward(), self.discriminator());
        let discriminator = taken(&mut self.discriminator);
        self.discriminator = Some(self.optim_d.step(self.config.lr_d, discriminator, grads));

        // G step: non-saturating -E[log D(G(z, c))] plus the regulariser. D's (and Q's)
        // parameters are frozen for it, so the backward pass skips their weight gradients.
        let out = self.discriminator().clone().no_grad().forward(fake.clone());
        let g_adv = generator_loss(out.logits);
        let (reg, hsic, terms) =
            self.regularizer(HsicInputs { images: fake, features: Some(out.features) }, &latent, out.q);
        let reg = match (self.config.orthogonality, moved) {
            (Some(o), Some(moved)) => {
                let penalty =
                    effect_alignment(flatten_samples(moved), self.config.latent.continuous).mul_scalar(o.weight);
                Some(reg.map_or(penalty.clone(), |reg| reg + penalty))
            }
            _ => reg,
        };
        let g_loss = match &reg {
            Some(reg) => g_adv.clone() + reg.clone(),
            None => g_adv.clone(),
        };
        let grads = GradientsParams::from_grads(g_loss.backward(), self.generator());
        let generator = taken(&mut self.generator);
        self.generator = Some(self.optim_g.step(self.config.lr_g, generator, grads));

        // The row's values in one read from the device (a sync each on a GPU), checked on the
        // host. A non-finite value ends the run before anything is written, so the networks this
        // step updated are never saved.
        let has_reg = reg.is_some();
        let mut read = vec![d_read, g_adv.detach()];
        read.extend(reg.map(Tensor::detach));
        read.extend(hsic.map(Tensor::detach));
        let n_terms = terms.len();
        read.extend(terms);
        let values = Tensor::cat(read, 0).into_data().try_to_vec::<f32>().expect("f32 losses");
        let d_value = self.finite("d_loss", values[0])?;
        let g_value = self.finite("g_loss", values[1])?;
        let reg_value = if has_reg { self.finite("regulariser", values[2])? } else { 0.0 };
        let hsic_value = if n_terms > 0 { values.get(3).copied() } else { None };
        self.hsic_terms = values[values.len() - n_terms..].to_vec();

        self.iteration += 1;
        Ok(Row {
            epoch: (self.iteration - 1) / self.iters_per_epoch + 1,
            iteration: self.iteration,
            d_loss: d_value,
            g_loss: g_value,
            reg_loss: reg_value,
            hsic: hsic_value,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// G(z, c) for `latent`, and with [`Orthogonality`](crate::Orthogonality) the images of
    /// [`Latent::with_codes_moved`] too, from the same forward pass (so batch norm sees one batch
    /// and updates its running statistics once per step).
    fn generate(&self, latent: &Latent) -> (Tensor<4>, Option<Tensor<4>>) {
        let input = latent.input(&self.device);
        match self.config.orthogonality {
            Some(o) => {
                let moved = latent.with_codes_moved(o.samples, o.step as f32);
                let images = self.generator().forward(Tensor::cat(vec![input, moved.input(&self.device)], 0));
                let batch = latent.batch;
                (images.clone().narrow(0, 0, batch), Some(images.narrow(0, batch, moved.batch)))
            }
            None => (self.generator().forward(input), None),
        }
    }

    /// `batches` batches generated as in a G step (the networks in training mode, on copies, so
    /// the run's state, batch-norm statistics included, is left as it was), from a host stream
    /// of their own: every call on the same networks sees the same batches.
    pub fn probe(&self, batches: usize) -> Vec<ProbeBatch> {
        let (generator, discriminator) =
            (self.generator().valid().train(), self.discriminator().valid().train().no_grad());
        let mut rng = Rng::fork(self.config.seed, stream::GRADIENT_PROBE);
        (0..batches)
            .map(|_| {
                let latent = self.config.latent.sample(self.config.batch_size, &mut rng);
                let fake = generator.forward(latent.input(&self.device)).detach().require_grad();
                let out = discriminator.forward(fake.clone());
                ProbeBatch { latent, fake, features: out.features, adversarial: generator_loss(out.logits) }
            })
            .collect()
    }

    /// [`GradientNorms`] of the current networks, averaged over `batches` [`probe`](Self::probe)
    /// batches; `None` unless the model is HSIC-InfoGAN.
    pub fn gradient_norms(&self, batches: usize) -> Option<GradientNorms> {
        let Built::Hsic(hsic) = &self.regularizer else { return None };
        // The same batches for each pull, drawn twice: the two losses share D's forward pass
        // on the fake images, whose graph the first backward pass consumes.
        Some(GradientNorms {
            adversarial: mean_gradient_norm(&self.probe(batches), |batch| batch.adversarial.clone()),
            hsic: mean_gradient_norm(&self.probe(batches), |batch| {
                let inputs = HsicInputs { images: batch.fake.clone(), features: Some(batch.features.clone()) };
                hsic.forward(inputs, &batch.latent, self.epoch()).weighted
            }),
        })
    }

    /// Training time so far in epochs (iterations done / iterations per epoch), which sets a
    /// scheduled lambda.
    fn epoch(&self) -> f64 {
        self.iteration as f64 / self.iters_per_epoch as f64
    }

    /// The term added to G's loss, the unweighted HSIC value and each term's, for the metrics. `q` is Q's
    /// output on the fake images, which D has exactly when the model is InfoGAN.
    fn regularizer(
        &self,
        fake: HsicInputs,
        latent: &Latent,
        q: Option<Tensor<2>>,
    ) -> (Option<Tensor<1>>, Option<Tensor<1>>, Vec<Tensor<1>>) {
        match (&self.regularizer, q) {
            (Built::InfoGan { continuous_weight }, Some(q)) => {
                (Some(info_loss(q, latent, *continuous_weight)), None, Vec::new())
            }
            (Built::Hsic(hsic), _) => {
                let value = hsic.forward(fake, latent, self.epoch());
                (Some(-value.weighted), Some(value.unweighted.detach()), value.terms)
            }
            _ => (None, None, Vec::new()),
        }
    }

    fn finite(&self, name: &str, value: f32) -> Result<f32, TrainError> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(TrainError::NonFinite(format!(
                "{name} became {value} at iteration {} (epoch {}); training stopped there",
                self.iteration + 1,
                self.iteration / self.iters_per_epoch + 1
            )))
        }
    }

    /// The networks, Adam states and position, as [`checkpoint::save`] writes them.
    pub fn checkpoint(&self) -> Checkpoint<'_> {
        Checkpoint {
            generator: self.generator(),
            discriminator: self.discriminator(),
            optim_g: &self.optim_g,
            optim_d: &self.optim_d,
            state: TrainState {
                iteration: self.iteration,
                iters_per_epoch: self.iters_per_epoch,
                rng: self.rng.state(),
                image: self.data.dims(),
            },
        }
    }
}
