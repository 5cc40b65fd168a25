//! Procedural dSprites-style shapes: 64 x 64 binary images generated from five known factors,
//! rendered on demand, deterministically, with no download.
//!
//! | factor | values |
//! |---|---|
//! | shape | square, ellipse, heart (values 0, 1, 2) |
//! | scale | 6 values, `0.5 + 0.1 i`: 0.5 to 1.0 |
//! | orientation | 40 values, `2π i / 39`: 0 to 2π, both ends included (so they render alike) |
//! | posX | 32 values, `i / 31`: 0 to 1, left to right |
//! | posY | 32 values, `i / 31`: 0 to 1, top to bottom |
//!
//! 3 x 6 x 40 x 32 x 32 = 737,280 images. Index = mixed radix of the value indices, posY fastest:
//! `(((shape * 6 + scale) * 40 + orientation) * 32 + posX) * 32 + posY`.
//!
//! # Against the published dSprites
//!
//! Compared with the dSprites README (Matthey et al. 2017, github.com/deepmind/dsprites-dataset)
//! and the metadata its example notebook prints (`latents_names`, `latents_sizes`,
//! `latents_possible_values`). The same: the factor names and their order, every grid (count,
//! ends, linear spacing, increasing order: scale `[0.5, 0.6, ..., 1]`, orientation
//! `linspace(0, 2π, 40)` with both ends, positions `linspace(0, 1, 32)`), the shape order
//! (square, ellipse, heart), the count and the index order (posY fastest, as the notebook's
//! `latent_to_index`). What differs:
//!
//! - the colour factor (1 value, white) is left out: with one value it adds nothing to the index,
//!   but [`Factors`] and the dataset's factor values have 5 entries, not the published 6;
//! - shape values are 0, 1, 2 (the published `latents_classes`); the published `latents_values`
//!   number them 1, 2, 3;
//! - pixels are 0 or 255 in one channel, where the published `imgs` hold 0 and 1 (the README
//!   says 3 x 64 x 64 RGB; loaders such as disentanglement_lib read them as 64 x 64 x 1, 0 or 1);
//! - the shapes are drawn here from their own geometry (below), not with the published sprites
//!   (drawn with LÖVE), so the pixels differ from the published `.npz` though every factor value
//!   matches; the published description gives no sizes in pixels, no position-to-pixel mapping and
//!   no direction of rotation, so those are this module's own.
//!
//! The published values were chosen so that "all pixel outputs were different"; here too one step
//! of any one factor changes the image, which `tests/shapes_render.rs` checks for every image, the
//! one exception being orientation 0 against 2π, which the published grid also holds as two values.
//!
//! # Geometry
//!
//! At scale 1 the shape spans about 26 pixels (square side 20.8, ellipse 26 x 13, heart about
//! 24 x 23); its centre moves over [16, 48] pixels on each axis (a step of 32/31 pixels), so no
//! shape at any orientation leaves the image: the farthest point, a corner of the largest square,
//! stays 1.3 pixels inside. Orientation turns the shape clockwise as seen (rows run down). A pixel
//! is white (255) when its centre lies inside the shape.

use std::f64::consts::TAU;

use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;

use crate::{ImageItem, unit_tensor};

/// Width and height of every image.
pub const SHAPES_SIZE: usize = 64;
/// Number of images: every combination of factor values.
pub const SHAPES_LEN: usize = 3 * 6 * 40 * 32 * 32;
/// Pixels from the image border to the extreme positions of a shape's centre.
const MARGIN: f64 = 16.0;
/// Half the extent of a shape at scale 1, in pixels. Large enough for the smallest steps to move
/// the outline by more than a pixel: one scale step widens the square by 2 x 1.04 pixels, and one
/// orientation step (9.2 degrees) moves the corners of the smallest square by 1.2 pixels. At 10,
/// 456 pairs of neighbouring images rendered alike (the unturned square at scales 0.7 and 0.8
/// where its centre lies near a pixel corner; shapes at scales 0.5 and 0.6 turned by one step).
/// Pixel sampling makes this hold by value, not by a bound: the ignored test in
/// `tests/shapes_render.rs` checks every image; radii 12.9 to 13.25 pass, 12.75 and 13.5 do not.
/// Any change here must rerun it.
const RADIUS: f64 = 13.0;

/// One generative factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Shape,
    Scale,
    Orientation,
    PosX,
    PosY,
}

impl Factor {
    /// The factors in index order (posY varies fastest).
    pub const ALL: [Factor; 5] = [Factor::Shape, Factor::Scale, Factor::Orientation, Factor::PosX, Factor::PosY];

    /// How many values the factor takes.
    pub fn count(self) -> usize {
        match self {
            Self::Shape => 3,
            Self::Scale => 6,
            Self::Orientation => 40,
            Self::PosX | Self::PosY => 32,
        }
    }

    /// The dSprites name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Shape => "shape",
            Self::Scale => "scale",
            Self::Orientation => "orientation",
            Self::PosX => "posX",
            Self::PosY => "posY",
        }
    }

    /// Panics unless `i` is one of the factor's value numbers.
    fn check(self, i: usize) {
        assert!(i < self.count(), "{} has {} values, not {}", self.name(), self.count(), i + 1);
    }

    /// Value number `i` (`i < count()`), as listed in the module docs.
    pub fn value(self, i: usize) -> f64 {
        self.check(i);
        let last = (self.count() - 1) as f64;
        match self {
            Self::Shape => i as f64,
            Self::Scale => 0.5 + 0.5 * i as f64 / last,
            Self::Orientation => i as f64 / last * TAU,
            Self::PosX | Self::PosY => i as f64 / last,
        }
    }
}

/// The three shapes, in factor-value order.
pub const SHAPE_NAMES: [&str; 3] = ["square", "ellipse", "heart"];

/// One image's factors: the value number of each [`Factor`], in [`Factor::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Factors(pub [usize; 5]);

impl Factors {
    /// The factors of image `index` (`index < SHAPES_LEN`).
    pub fn from_index(index: usize) -> Self {
        assert!(index < SHAPES_LEN, "shape index {index} is not below {SHAPES_LEN}");
        let mut rest = index;
        let mut values = [0; 5];
        for (slot, factor) in values.iter_mut().zip(Factor::ALL).rev() {
            *slot = rest % factor.count();
            rest /= factor.count();
        }
        Self(values)
    }

    /// The image index of these factors; panics if a value number is out of range.
    pub fn index(&self) -> usize {
        self.0.iter().zip(Factor::ALL).fold(0, |index, (&i, factor)| {
            factor.check(i);
            index * factor.count() + i
        })
    }

    /// The value number of one factor.
    pub fn get(&self, factor: Factor) -> usize {
        self.0[factor as usize]
    }

    /// These factors with `factor` set to value number `i`.
    pub fn with(mut self, factor: Factor, i: usize) -> Self {
        factor.check(i);
        self.0[factor as usize] = i;
        self
    }

    /// The factor values, in [`Factor::ALL`] order.
    pub fn values(&self) -> [f64; 5] {
        std::array::from_fn(|k| Factor::ALL[k].value(self.0[k]))
    }

    /// The 64 x 64 image, row-major, 0 or 255.
    pub fn render(&self) -> Vec<u8> {
        let [shape, scale, orientation, pos_x, pos_y] = self.values();
        // 2π reduces to exactly 0, so the two ends of the orientation range render alike.
        let (sin, cos) = orientation.rem_euclid(TAU).sin_cos();
        let span = SHAPES_SIZE as f64 - 2.0 * MARGIN;
        let (center_x, center_y) = (MARGIN + span * pos_x, MARGIN + span * pos_y);
        let radius = RADIUS * scale;
        let mut pixels = vec![0u8; SHAPES_SIZE * SHAPES_SIZE];
        for (row, line) in pixels.chunks_exact_mut(SHAPES_SIZE).enumerate() {
            let dy = row as f64 + 0.5 - center_y;
            for (col, pixel) in line.iter_mut().enumerate() {
                let dx = col as f64 + 0.5 - center_x;
                // The pixel centre in the shape's own frame, in units of `radius`.
                let u = (cos * dx + sin * dy) / radius;
                let v = (cos * dy - sin * dx) / radius;
                if inside(shape as usize, u, v) {
                    *pixel = 255;
                }
            }
        }
        pixels
    }
}

/// Whether `(u, v)` (v pointing down) lies inside shape number `shape` of radius 1.
fn inside(shape: usize, u: f64, v: f64) -> bool {
    match shape {
        0 => u.abs() <= 0.8 && v.abs() <= 0.8,
        1 => u * u + (v / 0.5) * (v / 0.5) <= 1.0,
        _ => {
            // The heart curve (x^2 + y^2 - 1)^3 = x^2 y^3, y pointing up, spans
            // x in [-1.14, 1.14], y in [-1, 1.24]: shrink it by 0.8 and centre it.
            let x = u / 0.8;
            let y = -v / 0.8 + 0.12;
            let r = x * x + y * y - 1.0;
            r * r * r - x * x * y * y * y <= 0.0
        }
    }
}

/// The images of `factors`, `[n, 1, 64, 64]` in [0, 1].
pub fn render_batch(factors: &[Factors], device: &Device) -> Tensor<4> {
    unit_tensor(factors.iter().flat_map(Factors::render), [factors.len(), 1, SHAPES_SIZE, SHAPES_SIZE], device)
}

/// All [`SHAPES_LEN`] shapes as a Burn dataset: 1 x 64 x 64 images, labelled with the shape,
/// with the five factor values.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShapesDataset;

impl Dataset<ImageItem> for ShapesDataset {
    fn get(&self, index: usize) -> Result<ImageItem, DatasetError> {
        let factors = Factors::from_index(index);
        Ok(ImageItem {
            dims: [1, SHAPES_SIZE, SHAPES_SIZE],
            pixels: factors.render(),
            label: Some(factors.get(Factor::Shape)),
            factors: Some(factors.values().map(|value| value as f32).to_vec()),
        })
    }

    fn len(&self) -> usize {
        SHAPES_LEN
    }
}
