//! The batcher and Burn's DataLoader over our datasets, on the CPU backends compiled in.

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use hsic_infogan_data::shapes::{Factors, ShapesDataset};
use hsic_infogan_data::{ImageBatch, ImageBatcher, ImageSet};
use hsic_infogan_device::{COMPILED_BACKENDS, parse_device};

/// The CPU devices of this build (the batcher does not depend on the backend; GPUs are not
/// needed to show it).
fn cpu_devices() -> Vec<(&'static str, Device)> {
    let devices: Vec<_> = COMPILED_BACKENDS
        .iter()
        .filter(|name| matches!(**name, "flex" | "ndarray"))
        .map(|&name| (name, parse_device(name).unwrap()))
        .collect();
    assert!(!devices.is_empty(), "build with a CPU backend (flex or ndarray)");
    devices
}

/// `count` 2 x 3 x 2 images; image `i` has every pixel `i` and label `i % 10`.
fn numbered(count: usize) -> ImageSet {
    let pixels = (0..count).flat_map(|i| [i as u8; 12]).collect();
    ImageSet::new([2, 3, 2], pixels, Some((0..count).map(|i| i % 10).collect()))
}

fn floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

#[test]
fn a_batch_holds_images_in_0_1_and_labels() {
    let set = ImageSet::new([1, 1, 3], vec![0, 51, 255, 255, 0, 102], Some(vec![7, 2]));
    for (name, device) in cpu_devices() {
        let items = vec![set.get(1).unwrap(), set.get(0).unwrap()];
        let batch: ImageBatch = ImageBatcher.batch(items, &device);
        assert_eq!(batch.images.dims(), [2, 1, 1, 3], "{name}");
        assert_eq!(floats(batch.images), [1.0, 0.0, 0.4, 0.0, 0.2, 1.0], "{name}");
        let labels: Vec<i64> = batch.labels.unwrap().into_data().convert::<i64>().try_to_vec().unwrap();
        assert_eq!(labels, [2, 7], "{name}");
        assert!(batch.factors.is_none(), "{name}");
    }
}

#[test]
fn shape_batches_carry_their_factors() {
    for (name, device) in cpu_devices() {
        let indices = [0, 500_000, 737_279];
        let items = indices.iter().map(|&i| ShapesDataset.get(i).unwrap()).collect();
        let batch = ImageBatcher.batch(items, &device);
        assert_eq!(batch.images.dims(), [3, 1, 64, 64], "{name}");
        let factors = batch.factors.unwrap();
        assert_eq!(factors.dims(), [3, 5], "{name}");
        let expected: Vec<f32> =
            indices.iter().flat_map(|&i| Factors::from_index(i).values().map(|v| v as f32)).collect();
        assert_eq!(floats(factors), expected, "{name}");
        let pixels = floats(batch.images);
        assert!(pixels.iter().all(|&p| p == 0.0 || p == 1.0), "{name}");
    }
}

/// The image numbers of every batch a loader yields, in order.
fn loader_order(seed: u64, workers: usize, device: &Device) -> Vec<usize> {
    let loader = DataLoaderBuilder::new(ImageBatcher)
        .batch_size(4)
        .shuffle(seed)
        .num_workers(workers)
        .set_device(device.clone())
        .build(numbered(30));
    let mut order = Vec::new();
    for batch in loader.iter() {
        let batch = batch.unwrap();
        let [count, ..] = batch.images.dims();
        assert!(count <= 4);
        let pixels = floats(batch.images);
        let numbers: Vec<usize> = pixels.chunks(12).map(|image| (image[0] * 255.0).round() as usize).collect();
        let labels: Vec<i64> = batch.labels.unwrap().into_data().convert::<i64>().try_to_vec().unwrap();
        assert_eq!(labels, numbers.iter().map(|n| (n % 10) as i64).collect::<Vec<_>>());
        order.extend(numbers);
    }
    order
}

#[test]
fn the_data_loader_shuffles_by_seed_and_yields_every_item_once() {
    for (name, device) in cpu_devices() {
        let order = loader_order(7, 0, &device);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..30).collect::<Vec<_>>(), "{name}: every item once");
        assert_ne!(order, sorted, "{name}: shuffled");
        assert_eq!(order, loader_order(7, 0, &device), "{name}: the seed fixes the order");
        assert_ne!(order, loader_order(8, 0, &device), "{name}: another seed, another order");
        let mut with_workers = loader_order(7, 2, &device);
        with_workers.sort();
        assert_eq!(with_workers, sorted, "{name}: two workers yield every item once too");
    }
}
