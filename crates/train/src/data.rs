//! The training images of a run, whatever their source, drawn as `[B, C, H, W]` batches in [0, 1].

use burn::data::dataset::Dataset;
use burn::prelude::*;
use hsic_infogan_data::download::DownloadProgress;
use hsic_infogan_data::folder::{Channels, FolderOptions, load_folder};
use hsic_infogan_data::mnist::{self, MnistKind, Split};
use hsic_infogan_data::shapes::{SHAPES_LEN, SHAPES_SIZE, ShapesDataset};
use hsic_infogan_data::{DatasetSpec, ImageSet, unit_tensor};

use crate::{TrainConfig, TrainError};

#[derive(Clone)]
pub enum TrainingData {
    /// Images held in memory (MNIST, Fashion-MNIST, image folders).
    Set(ImageSet),
    /// dSprites shapes, rendered when drawn (737,280 images would take 3 GB).
    Shapes,
}

impl TrainingData {
    /// Loads the training split of the configured dataset, downloading it silently if needed.
    pub fn load(config: &TrainConfig) -> Result<Self, TrainError> {
        Self::load_with(config, &mut |_| {})
    }

    /// [`load`](Self::load), telling `on_download` how far a download has come.
    pub fn load_with(config: &TrainConfig, on_download: &mut dyn FnMut(DownloadProgress)) -> Result<Self, TrainError> {
        let data_dir = config.data_dir.as_deref();
        let mut mnist = |kind| -> Result<Self, TrainError> {
            Ok(Self::Set(mnist::find_with(kind, data_dir, on_download)?.load(Split::Train)?))
        };
        match &config.dataset {
            DatasetSpec::Mnist => mnist(MnistKind::Mnist),
            DatasetSpec::FashionMnist => mnist(MnistKind::FashionMnist),
            DatasetSpec::Shapes => Ok(Self::Shapes),
            DatasetSpec::Folder(root) => {
                let options = FolderOptions {
                    channels: if config.rgb { Channels::Rgb } else { Channels::Gray },
                    size: [config.image_size; 2],
                    skip_bad: false,
                };
                Ok(Self::Set(load_folder(root, &options)?.images))
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Set(set) => set.len(),
            Self::Shapes => SHAPES_LEN,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class of every image, where the source has classes (MNIST, Fashion-MNIST, image
    /// sub-folders).
    pub fn labels(&self) -> Option<&[usize]> {
        match self {
            Self::Set(set) => set.labels(),
            Self::Shapes => None,
        }
    }

    /// `[channels, height, width]`.
    pub fn dims(&self) -> [usize; 3] {
        match self {
            Self::Set(set) => set.dims(),
            Self::Shapes => [1, SHAPES_SIZE, SHAPES_SIZE],
        }
    }

    /// The images at `indices`, bytes / 255.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<4> {
        let [c, h, w] = self.dims();
        let mut bytes = Vec::with_capacity(indices.len() * c * h * w);
        for &i in indices {
            match self {
                Self::Set(set) => bytes.extend_from_slice(set.image(i)),
                Self::Shapes => bytes.extend(ShapesDataset.get(i).expect("index below SHAPES_LEN").pixels),
            }
        }
        unit_tensor(bytes, [indices.len(), c, h, w], device)
    }
}
