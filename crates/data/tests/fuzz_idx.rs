//! The IDX reader and MNIST split loading fuzzed: arbitrary bytes, headers announcing any sizes,
//! valid files cut at any byte, gzip streams with corrupted bytes. Every outcome is an array whose
//! sizes match its data, or an error naming the file; never a panic, and never an allocation of
//! what a header announces before the file is checked to hold it. Deterministic: proptest is
//! built without `std`, so its seed is fixed and no environment variable changes the cases.

mod common;

use std::path::Path;

use burn::data::dataset::Dataset;
use common::largest_allocation::{LargestAllocation, largest_allocation};
use common::{gzip, idx_bytes, write};
use hsic_infogan_data::DataError;
use hsic_infogan_data::idx::{read_idx, read_images};
use hsic_infogan_data::mnist::{MnistKind, Split, load_split};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Cases per property: each reads a file of at most a few hundred bytes in microseconds.
const CASES: u32 = 512;

/// The most any read here may allocate at once: the files are under 1 KiB, and a gzip
/// decoder's buffers and window take a few tens of KiB.
const ALLOCATION_BOUND: usize = 1 << 20;

/// The message of `error`, which must name `path`.
fn naming(error: DataError, path: &Path) -> Result<String, TestCaseError> {
    let message = error.to_string();
    prop_assert!(message.contains(&path.display().to_string()), "does not name the file: {message}");
    Ok(message)
}

/// Bytes that look like an IDX file in part: random, or a header of any rank and sizes (small
/// or huge) followed by random values.
fn idx_like() -> impl Strategy<Value = Vec<u8>> {
    let size = prop_oneof![0u32..4, any::<u32>()];
    let header = (prop_oneof![Just(0x08u8), any::<u8>()], 0u8..6, vec(size, 0..6), vec(any::<u8>(), 0..64)).prop_map(
        |(data_type, rank, sizes, values)| {
            let mut bytes = vec![0, 0, data_type, rank];
            sizes.iter().take(usize::from(rank)).for_each(|size| bytes.extend(size.to_be_bytes()));
            bytes.extend(values);
            bytes
        },
    );
    prop_oneof![vec(any::<u8>(), 0..64), header]
}

/// `bytes` written to a fresh folder as `idx`, or gzip-compressed as `idx.gz`.
fn written(bytes: &[u8], compress: bool) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = if compress { write(dir.path(), "idx.gz", &gzip(bytes)) } else { write(dir.path(), "idx", bytes) };
    (dir, path)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_bytes_read_as_matching_sizes_or_an_error_naming_the_file(bytes in idx_like(), compress: bool) {
        let (_dir, path) = written(&bytes, compress);
        let (result, largest) = largest_allocation(|| read_idx(&path));
        prop_assert!(largest < ALLOCATION_BOUND, "allocated {largest} bytes for {} bytes", bytes.len());
        match result {
            Ok(array) => {
                prop_assert!(!array.dims.is_empty());
                prop_assert_eq!(array.dims.iter().product::<usize>(), array.data.len());
            }
            Err(error) => {
                naming(error, &path)?;
            }
        }
    }

    #[test]
    fn a_file_cut_at_any_byte_is_an_error_naming_it(
        dims in vec(1u32..5, 1..4),
        cut: Index,
        compress: bool,
    ) {
        let count: u32 = dims.iter().product();
        let full = idx_bytes(&dims, &(0..count).map(|i| i as u8).collect::<Vec<_>>());
        let full = if compress { gzip(&full) } else { full };
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "cut", &full[..cut.index(full.len())]);
        let message = naming(read_idx(&path).expect_err("a cut file"), &path)?;
        if !compress {
            prop_assert!(message.contains("truncated") || message.contains("too short"), "{message}");
        }
    }

    #[test]
    fn announced_sizes_are_checked_against_the_file_before_allocating(
        dims in vec(any::<u32>(), 1..5),
        values in 0usize..100,
        compress: bool,
    ) {
        let (_dir, path) = written(&idx_bytes(&dims, &vec![7; values]), compress);
        let (result, largest) = largest_allocation(|| read_idx(&path));
        prop_assert!(largest < ALLOCATION_BOUND, "allocated {largest} bytes for sizes {dims:?}");
        let announced = dims.iter().try_fold(1usize, |n, &size| n.checked_mul(size as usize));
        match result {
            Ok(array) => prop_assert_eq!(announced, Some(array.data.len())),
            Err(error) => {
                prop_assert_ne!(announced, Some(values));
                naming(error, &path)?;
            }
        }
    }

    #[test]
    fn a_gzip_file_with_corrupted_bytes_reads_the_same_or_fails_naming_it(
        flips in vec((any::<Index>(), 1u8..=255), 1..4),
    ) {
        let original = idx_bytes(&[3, 2, 2], &[9; 12]);
        let mut bytes = gzip(&original);
        for (at, mask) in &flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "corrupt.gz", &bytes);
        let (result, largest) = largest_allocation(|| read_idx(&path));
        // The last four bytes announce the uncompressed size; a corrupted one must not be believed.
        prop_assert!(largest < ALLOCATION_BOUND, "allocated {largest} bytes for a {}-byte file", bytes.len());
        match result {
            Ok(array) => prop_assert_eq!((array.dims, array.data), (vec![3, 2, 2], vec![9; 12])),
            Err(error) => {
                naming(error, &path)?;
            }
        }
    }

    #[test]
    fn an_mnist_split_loads_whole_or_fails_naming_the_bad_file(
        images in (0u32..4, 0u32..3, 0u32..3),
        extra_pixels in prop_oneof![3 => Just(0usize), 1 => 1usize..3],
        labels in vec(0u8..12, 0..4),
    ) {
        let (count, rows, cols) = images;
        let dir = tempfile::tempdir().unwrap();
        let pixels = vec![1; (count * rows * cols) as usize + extra_pixels];
        let images_path = write(dir.path(), "train-images-idx3-ubyte", &idx_bytes(&[count, rows, cols], &pixels));
        let labels_path = write(dir.path(), "train-labels-idx1-ubyte", &idx_bytes(&[labels.len() as u32], &labels));
        let consistent = extra_pixels == 0
            && rows > 0
            && cols > 0
            && labels.len() == count as usize
            && labels.iter().all(|&label| label <= 9);
        match load_split(MnistKind::Mnist, Split::Train, dir.path()) {
            Ok(set) => {
                prop_assert!(consistent);
                prop_assert_eq!(set.len(), count as usize);
                prop_assert_eq!(set.dims(), [1, rows as usize, cols as usize]);
            }
            Err(error) => {
                prop_assert!(!consistent, "refused a valid split: {error}");
                let message = error.to_string();
                let names = |path: &Path| message.contains(&path.display().to_string());
                prop_assert!(names(&images_path) || names(&labels_path), "names neither file: {message}");
            }
        }
    }
}

#[test]
fn a_header_announcing_2_pow_31_images_in_a_100_byte_file_is_refused_without_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = idx_bytes(&[1 << 31, 28, 28], &[]);
    bytes.resize(100, 0);
    for (name, bytes) in [("images", bytes.clone()), ("images.gz", gzip(&bytes))] {
        let path = write(dir.path(), name, &bytes);
        let (result, largest) = largest_allocation(|| read_images(&path));
        assert!(largest < ALLOCATION_BOUND, "{name}: allocated {largest} bytes");
        let message = result.expect_err("a truncated file").to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("need 1683627180032 bytes of data, the file has 84"), "{message}");
    }
}

#[test]
fn a_gzip_size_trailer_announcing_4_gib_is_not_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gzip(&idx_bytes(&[2], &[4, 2]));
    let end = bytes.len();
    bytes[end - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let path = write(dir.path(), "labels.gz", &bytes);
    let (result, largest) = largest_allocation(|| read_idx(&path));
    assert!(largest < ALLOCATION_BOUND, "allocated {largest} bytes for a {end}-byte file");
    let message = result.expect_err("a wrong size trailer").to_string();
    assert!(message.contains(&path.display().to_string()) && message.contains("bad gzip data"), "{message}");
}
