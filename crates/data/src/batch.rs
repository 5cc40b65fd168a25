//! Turning items into tensors for Burn's `DataLoader`.

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;

use crate::ImageItem;

/// Pixel bytes (0 black, 255 white), `shape` = `[B, C, H, W]` of them in order, as a float
/// tensor of that shape in [0, 1]: byte / 255.
pub fn unit_tensor(bytes: impl IntoIterator<Item = u8>, shape: [usize; 4], device: &Device) -> Tensor<4> {
    let pixels: Vec<f32> = bytes.into_iter().map(|byte| f32::from(byte) / 255.0).collect();
    Tensor::from_data(TensorData::new(pixels, shape), device)
}

/// A batch of `B` images with their labels and factors where every item has them.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// `[B, C, H, W]`, pixel bytes divided by 255, so in [0, 1].
    pub images: Tensor<4>,
    /// `[B]` class indices.
    pub labels: Option<Tensor<1, Int>>,
    /// `[B, F]` factor values.
    pub factors: Option<Tensor<2>>,
}

/// Stacks [`ImageItem`]s into an [`ImageBatch`] on the loader's device.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageBatcher;

impl Batcher<ImageItem, ImageBatch> for ImageBatcher {
    /// Panics on an empty batch or on items of different sizes: one data set yields one size.
    fn batch(&self, items: Vec<ImageItem>, device: &Device) -> ImageBatch {
        let first = items.first().expect("a batch needs at least one item");
        let [channels, height, width] = first.dims;
        let count = items.len();
        for item in &items {
            assert_eq!(item.dims, first.dims, "all images of a batch must have one size");
        }
        let pixels = items.iter().flat_map(|item| item.pixels.iter().copied());
        let images = unit_tensor(pixels, [count, channels, height, width], device);
        let labels: Option<Vec<i64>> = items.iter().map(|item| item.label.map(|label| label as i64)).collect();
        let labels = labels.map(|labels| Tensor::from_data(TensorData::new(labels, [count]), device));
        let factors: Option<Vec<&Vec<f32>>> = items.iter().map(|item| item.factors.as_ref()).collect();
        let factors = factors.map(|rows| {
            let width = rows[0].len();
            assert!(rows.iter().all(|row| row.len() == width), "all items need as many factors");
            let values = rows.into_iter().flatten().copied().collect::<Vec<f32>>();
            Tensor::from_data(TensorData::new(values, [count, width]), device)
        });
        ImageBatch { images, labels, factors }
    }
}
