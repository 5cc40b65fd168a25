//! Dataset items, and the in-memory image set that MNIST, Fashion-MNIST and image folders load
//! into.

use burn::data::dataset::{Dataset, DatasetError};

/// One image of a data set, with its label or generative factors where the source has them.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageItem {
    /// `[channels, height, width]`.
    pub dims: [usize; 3],
    /// `channels * height * width` bytes in `dims` order (channel planes, rows, columns);
    /// 0 is black, 255 white. The batcher divides by 255.
    pub pixels: Vec<u8>,
    /// The class index (digit, clothing class, shape, sub-folder).
    pub label: Option<usize>,
    /// The values of the factors that generated the image (procedural shapes only).
    pub factors: Option<Vec<f32>>,
}

/// Images of one size held in memory as bytes, with optional class labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    dims: [usize; 3],
    pixels: Vec<u8>,
    labels: Option<Vec<usize>>,
}

impl ImageSet {
    /// Images of size `dims` (`[channels, height, width]`) stored one after another in
    /// `pixels`. Panics if `pixels` is not a whole number of images or `labels` does not give
    /// one label per image: the loaders check their files before building a set.
    pub fn new(dims: [usize; 3], pixels: Vec<u8>, labels: Option<Vec<usize>>) -> Self {
        let image_len: usize = dims.iter().product();
        assert!(
            image_len > 0 && pixels.len().is_multiple_of(image_len),
            "{} bytes is not a whole number of {dims:?} images",
            pixels.len()
        );
        let set = Self { dims, pixels, labels };
        if let Some(labels) = &set.labels {
            assert_eq!(labels.len(), set.len(), "one label per image");
        }
        set
    }

    /// `[channels, height, width]` of every image.
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    /// All pixels, image after image.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The label of every image, if the source has labels.
    pub fn labels(&self) -> Option<&[usize]> {
        self.labels.as_deref()
    }

    /// The bytes of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        let image_len: usize = self.dims.iter().product();
        &self.pixels[index * image_len..(index + 1) * image_len]
    }
}

impl Dataset<ImageItem> for ImageSet {
    fn get(&self, index: usize) -> Result<ImageItem, DatasetError> {
        assert!(index < self.len(), "index {index} out of range for {} images", self.len());
        Ok(ImageItem {
            dims: self.dims,
            pixels: self.image(index).to_vec(),
            label: self.labels.as_ref().map(|labels| labels[index]),
            factors: None,
        })
    }

    fn len(&self) -> usize {
        self.pixels.len() / self.dims.iter().product::<usize>()
    }
}
