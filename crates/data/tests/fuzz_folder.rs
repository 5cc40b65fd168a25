//! Image folders fuzzed: PNG and JPEG files of every colour type the loader meets (grey, grey +
//! alpha, RGB, RGBA, 8 and 16 bits), of mixed sizes, under any extension's letter case, beside
//! files that are not images, in nested class folders; and single images cut at any byte or with
//! corrupted bytes. Every outcome is a set of the asked size holding each readable image, or an
//! error naming the bad file (the folder when it holds no image); never a panic, and never an
//! allocation of the pixels a header announces before the file is checked to be able to hold
//! them. Deterministic: proptest is built without `std`, so its seed is fixed.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use burn::data::dataset::Dataset;
use common::largest_allocation::{LargestAllocation, largest_allocation};
use hsic_infogan_data::folder::{Channels, FolderOptions, load_folder};
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Cases per property: a folder of up to 6 images of at most 24 x 24 pixels decodes in about a
/// millisecond.
const CASES: u32 = 192;

/// How an image file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Grey8,
    GreyAlpha8,
    Rgb8,
    Rgba8,
    Grey16,
    GreyAlpha16,
    Rgb16,
    Rgba16,
    JpegGrey,
    JpegRgb,
}

const KINDS: [Kind; 10] = [
    Kind::Grey8,
    Kind::GreyAlpha8,
    Kind::Rgb8,
    Kind::Rgba8,
    Kind::Grey16,
    Kind::GreyAlpha16,
    Kind::Rgb16,
    Kind::Rgba16,
    Kind::JpegGrey,
    Kind::JpegRgb,
];

impl Kind {
    fn is_jpeg(self) -> bool {
        matches!(self, Self::JpegGrey | Self::JpegRgb)
    }

    fn is_grey(self) -> bool {
        matches!(self, Self::Grey8 | Self::GreyAlpha8 | Self::Grey16 | Self::GreyAlpha16 | Self::JpegGrey)
    }

    /// The colour of a one-colour image with level `v`.
    fn colour(self, v: u8) -> [u8; 3] {
        if self.is_grey() { [v; 3] } else { [v, 255 - v, v / 2] }
    }

    /// A `width x height` image of [`colour`](Self::colour)`(v)`, encoded.
    fn encode(self, width: u32, height: u32, v: u8) -> Vec<u8> {
        let [r, g, b] = self.colour(v);
        let wide = |c: u8| u16::from(c) * 257;
        let image = match self {
            Self::Grey8 | Self::JpegGrey => DynamicImage::ImageLuma8(ImageBuffer::from_pixel(width, height, Luma([r]))),
            Self::GreyAlpha8 => DynamicImage::ImageLumaA8(ImageBuffer::from_pixel(width, height, LumaA([r, 200]))),
            Self::Rgb8 | Self::JpegRgb => {
                DynamicImage::ImageRgb8(ImageBuffer::from_pixel(width, height, Rgb([r, g, b])))
            }
            Self::Rgba8 => DynamicImage::ImageRgba8(ImageBuffer::from_pixel(width, height, Rgba([r, g, b, 90]))),
            Self::Grey16 => DynamicImage::ImageLuma16(ImageBuffer::from_pixel(width, height, Luma([wide(r)]))),
            Self::GreyAlpha16 => {
                DynamicImage::ImageLumaA16(ImageBuffer::from_pixel(width, height, LumaA([wide(r), 7])))
            }
            Self::Rgb16 => DynamicImage::ImageRgb16(ImageBuffer::from_pixel(width, height, Rgb([r, g, b].map(wide)))),
            Self::Rgba16 => {
                DynamicImage::ImageRgba16(ImageBuffer::from_pixel(width, height, Rgba([wide(r), wide(g), wide(b), 1])))
            }
        };
        let format = if self.is_jpeg() { ImageFormat::Jpeg } else { ImageFormat::Png };
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }
}

/// One file of a fuzzed folder.
#[derive(Debug, Clone)]
enum Entry {
    /// A one-colour image; the extension need not match the format (the loader reads the content).
    Image { kind: Kind, width: u32, height: u32, level: u8, extension: &'static str },
    /// Text under an image's name: unreadable.
    Garbage { extension: &'static str },
    /// Text under another name: not looked at.
    Other { name: &'static str },
}

const IMAGE_EXTENSIONS: [&str; 6] = ["png", "PNG", "jpg", "JPG", "jpeg", "Jpeg"];

fn entry() -> impl Strategy<Value = Entry> {
    let image = (select(&KINDS[..]), 1u32..25, 1u32..25, any::<u8>(), select(&IMAGE_EXTENSIONS[..]))
        .prop_map(|(kind, width, height, level, extension)| Entry::Image { kind, width, height, level, extension });
    prop_oneof![
        6 => image,
        1 => select(&IMAGE_EXTENSIONS[..]).prop_map(|extension| Entry::Garbage { extension }),
        1 => select(&["notes.txt", "README", "data.csv", "png", "x.png.bak"][..]).prop_map(|name| Entry::Other { name }),
    ]
}

/// The sub-folders files go in; `""` is the root.
const FOLDERS: [&str; 4] = ["", "cats", "dogs", "dogs/deep"];

/// The bytes of `path` after `f` changed them.
fn rewrite(path: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    f(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

/// The largest difference between `values` and `target`.
fn off_by(values: &[u8], target: u8) -> u8 {
    values.iter().map(|&v| v.abs_diff(target)).max().unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_mixed_folder_loads_each_readable_image_at_the_size_or_names_the_bad_file(
        entries in vec((entry(), select(&FOLDERS[..])), 0..7),
        rgb: bool,
        size in (1usize..12, 1usize..12),
        skip_bad: bool,
    ) {
        let root = tempfile::tempdir().unwrap();
        let mut images: Vec<(PathBuf, Kind, u8)> = Vec::new();
        let mut garbage: Vec<PathBuf> = Vec::new();
        for (i, (entry, folder)) in entries.iter().enumerate() {
            let dir = root.path().join(folder);
            std::fs::create_dir_all(&dir).unwrap();
            match *entry {
                Entry::Image { kind, width, height, level, extension } => {
                    let path = dir.join(format!("{i}.{extension}"));
                    std::fs::write(&path, kind.encode(width, height, level)).unwrap();
                    images.push((path, kind, level));
                }
                Entry::Garbage { extension } => {
                    let path = dir.join(format!("{i}.{extension}"));
                    std::fs::write(&path, "not an image").unwrap();
                    garbage.push(path);
                }
                Entry::Other { name } => std::fs::write(dir.join(format!("{i}{name}")), "text").unwrap(),
            }
        }
        images.sort_by(|a, b| a.0.cmp(&b.0));
        let (height, width) = size;
        let channels = if rgb { Channels::Rgb } else { Channels::Gray };
        let options = FolderOptions { channels, size: [height, width], skip_bad };
        match load_folder(root.path(), &options) {
            Ok(folder) => {
                prop_assert!(skip_bad || garbage.is_empty());
                prop_assert_eq!(folder.images.len(), images.len());
                prop_assert_eq!(folder.images.dims(), [if rgb { 3 } else { 1 }, height, width]);
                let skipped: Vec<&PathBuf> = folder.skipped.iter().map(|(path, _)| path).collect();
                prop_assert_eq!(skipped.len(), garbage.len());
                prop_assert!(skipped.iter().all(|path| garbage.contains(path)));
                let in_class = |path: &PathBuf| path.parent() != Some(root.path());
                prop_assert_eq!(folder.images.labels().is_some(), images.iter().all(|(path, ..)| in_class(path)));
                // Every image is one colour, so every pixel of a plane holds it (JPEG: nearly).
                for (index, (path, kind, level)) in images.iter().enumerate() {
                    let pixels = folder.images.get(index).unwrap().pixels;
                    let tolerance = if kind.is_jpeg() { 8 } else { 1 };
                    let planes: Vec<&[u8]> = pixels.chunks(height * width).collect();
                    if rgb {
                        for (plane, target) in planes.iter().zip(kind.colour(*level)) {
                            prop_assert!(off_by(plane, target) <= tolerance, "{}: {plane:?} for {target}", path.display());
                        }
                    } else if kind.is_grey() {
                        prop_assert!(off_by(planes[0], *level) <= tolerance, "{}: {:?}", path.display(), planes[0]);
                    } else {
                        prop_assert!(off_by(planes[0], planes[0][0]) <= tolerance, "{}: not one colour", path.display());
                    }
                }
            }
            Err(error) => {
                let message = error.to_string();
                if !skip_bad && !garbage.is_empty() {
                    prop_assert!(garbage.iter().any(|path| message.starts_with(&path.display().to_string())), "{message}");
                    prop_assert!(message.contains("cannot decode"), "{message}");
                } else {
                    prop_assert!(images.is_empty(), "refused readable images: {message}");
                    prop_assert!(message.starts_with(&root.path().display().to_string()), "{message}");
                }
            }
        }
    }

    #[test]
    fn an_image_cut_or_corrupted_anywhere_loads_or_is_an_error_naming_it(
        kind in select(&KINDS[..]),
        width in 1u32..17,
        height in 1u32..17,
        cut in prop::option::of(any::<Index>()),
        flips in vec((any::<Index>(), 1u8..=255), 0..4),
        skip_bad: bool,
    ) {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(if kind.is_jpeg() { "image.jpg" } else { "image.png" });
        std::fs::write(&path, kind.encode(width, height, 100)).unwrap();
        rewrite(&path, |bytes| {
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            for (at, mask) in &flips {
                if !bytes.is_empty() {
                    let at = at.index(bytes.len());
                    bytes[at] ^= mask;
                }
            }
        });
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        let options = FolderOptions { channels: Channels::Rgb, size: [4, 4], skip_bad };
        let (result, largest) = largest_allocation(|| load_folder(root.path(), &options));
        // A corrupted width or height may announce up to 2^32 x 2^32 pixels: only as many bytes
        // of pixels as the file can decode to (at most 2^16 per byte) may be allocated.
        prop_assert!(largest <= (len << 16).max(1 << 20), "allocated {largest} bytes for a {len}-byte file");
        match result {
            Ok(folder) => {
                prop_assert_eq!(folder.images.len(), 1);
                prop_assert_eq!(folder.images.dims(), [3, 4, 4]);
            }
            Err(error) => {
                let message = error.to_string();
                let named = if skip_bad { root.path() } else { path.as_path() };
                prop_assert!(message.starts_with(&named.display().to_string()), "{message}");
            }
        }
    }
}

/// A PNG signature, a header (IHDR) for `width x height` RGBA at 16 bits, and the start of a
/// data chunk (IDAT) with two bytes of data: the file ends there.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        bytes.extend((data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        bytes.extend(&body);
        bytes.extend(crc32(&body).to_be_bytes());
    };
    chunk(b"IHDR", &[&width.to_be_bytes()[..], &height.to_be_bytes(), &[16, 6, 0, 0, 0]].concat());
    chunk(b"IDAT", &[0x78, 0x9c]);
    bytes
}

/// PNG's CRC-32 (ISO 3309).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_png_header_announcing_more_pixels_than_its_file_holds_is_refused_before_allocating_them() {
    // 4,000 x 4,000 RGBA at 16 bits: 128 MB of pixels announced by a 47-byte file.
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("huge.png");
    std::fs::write(&path, png_header(4000, 4000)).unwrap();
    let options = FolderOptions { channels: Channels::Gray, size: [8, 8], skip_bad: false };
    let (result, largest) = largest_allocation(|| load_folder(root.path(), &options));
    assert!(largest < 1 << 20, "allocated {largest} bytes");
    let message = result.expect_err("a header without pixels").to_string();
    assert!(message.starts_with(&path.display().to_string()), "{message}");
    assert!(message.contains("announces 4000 x 4000 pixels"), "{message}");
}

#[test]
fn empty_folders_and_folders_without_images_are_errors_naming_the_folder() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("cats/deep")).unwrap();
    std::fs::write(root.path().join("cats/labels.csv"), "1,2").unwrap();
    let options = FolderOptions { channels: Channels::Rgb, size: [8, 8], skip_bad: true };
    let message = load_folder(root.path(), &options).unwrap_err().to_string();
    assert!(message.starts_with(&root.path().display().to_string()), "{message}");
    assert!(message.contains("no PNG or JPEG files"), "{message}");
}
