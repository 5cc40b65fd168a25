//! A folder of PNG and JPEG files, searched recursively, as an [`ImageSet`].
//!
//! Every image is converted to grayscale or RGB and resized (bilinear, aspect ratio not kept) to
//! one size. Files are taken in sorted path order. When every image sits inside a sub-folder of
//! the root, the sub-folder (its first path component) is the image's class, classes numbered in
//! sorted name order; otherwise the set has no labels.

use std::path::{Path, PathBuf};

use image::ImageDecoder;
use image::imageops::{FilterType, resize};

use crate::{DataError, ImageSet};

/// Colour channels of the loaded images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// One channel, luma.
    Gray,
    /// Three channels, red green blue.
    Rgb,
}

/// How to load a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderOptions {
    pub channels: Channels,
    /// `[height, width]` every image is resized to.
    pub size: [usize; 2],
    /// Skip files that cannot be decoded (and report them) instead of failing.
    pub skip_bad: bool,
}

/// A loaded folder: the images, the class names (empty without labels) and the files skipped
/// as unreadable, with the reason.
#[derive(Debug, Clone)]
pub struct Folder {
    pub images: ImageSet,
    pub classes: Vec<String>,
    pub skipped: Vec<(PathBuf, String)>,
}

/// Loads every `.png`, `.jpg` and `.jpeg` file (any letter case) under `root`. An unreadable
/// file is an error naming it, unless `skip_bad`; a folder with no readable image is an error.
pub fn load_folder(root: &Path, options: &FolderOptions) -> Result<Folder, DataError> {
    let [height, width] = options.size;
    if height == 0 || width == 0 || height > u32::MAX as usize || width > u32::MAX as usize {
        return Err(DataError::invalid(root, format!("cannot resize images to {height} x {width}")));
    }
    let mut files = Vec::new();
    collect_images(root, &mut files)?;
    files.sort();
    let mut pixels = Vec::new();
    let mut loaded = Vec::new();
    let mut skipped = Vec::new();
    for path in files {
        match decode(&path, options) {
            Ok(image) => {
                pixels.extend_from_slice(&image);
                loaded.push(path);
            }
            Err(problem) if options.skip_bad => skipped.push((path, problem)),
            Err(problem) => return Err(DataError::invalid(path, problem)),
        }
    }
    if loaded.is_empty() {
        let problem = match skipped.len() {
            0 => "no PNG or JPEG files in this folder or below".to_string(),
            n => format!("no readable image: all {n} PNG/JPEG files were skipped as unreadable"),
        };
        return Err(DataError::invalid(root, problem));
    }
    let (classes, labels) = classes_of(root, &loaded);
    let channels = match options.channels {
        Channels::Gray => 1,
        Channels::Rgb => 3,
    };
    Ok(Folder { images: ImageSet::new([channels, height, width], pixels, labels), classes, skipped })
}

/// Appends the image files under `dir` to `files`, recursively (not into linked folders).
fn collect_images(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), DataError> {
    for entry in std::fs::read_dir(dir).map_err(DataError::io(dir))? {
        let entry = entry.map_err(DataError::io(dir))?;
        let path = entry.path();
        // `file_type` does not follow symbolic links, so a link cycle cannot recurse forever.
        if entry.file_type().map_err(DataError::io(&path))?.is_dir() {
            collect_images(&path, files)?;
        } else if is_image_name(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ["png", "jpg", "jpeg"].contains(&ext.to_ascii_lowercase().as_str()))
}

/// The most bytes of pixels an image file may decode to per byte it holds: above what any valid
/// PNG reaches (deflate's 1032:1, times 32 for a 1-bit palette pixel decoded to RGBA) and any
/// JPEG (at least one bit per 8 x 8 block), so only a header announcing more pixels than its
/// file can hold is refused, before the announced size is allocated.
const MAX_EXPANSION: u64 = 1 << 16;

/// The image at `path` as `[C, H, W]` bytes of the requested channels and size.
fn decode(path: &Path, options: &FolderOptions) -> Result<Vec<u8>, String> {
    let cannot_decode = |err: image::ImageError| format!("cannot decode: {err}");
    let file_len = std::fs::metadata(path).map_err(|err| err.to_string())?.len();
    let decoder = image::ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|err| err.to_string())?
        .into_decoder()
        .map_err(cannot_decode)?;
    // The image crate's own bound (512 MiB) too, which `decode` checks and `from_decoder` does not.
    let most = file_len.saturating_mul(MAX_EXPANSION).min(image::Limits::default().max_alloc.unwrap_or(u64::MAX));
    if decoder.total_bytes() > most {
        let (width, height) = decoder.dimensions();
        return Err(format!(
            "the header announces {width} x {height} pixels ({} bytes decoded), more than the {most} bytes \
             allowed for a {file_len}-byte file",
            decoder.total_bytes()
        ));
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(cannot_decode)?;
    let [height, width] = options.size.map(|side| side as u32);
    Ok(match options.channels {
        Channels::Gray => resize(&image.to_luma8(), width, height, FilterType::Triangle).into_raw(),
        Channels::Rgb => {
            // The decoder gives interleaved RGB; the set stores channel planes.
            let rgb = resize(&image.to_rgb8(), width, height, FilterType::Triangle).into_raw();
            (0..3).flat_map(|c| rgb.iter().skip(c).step_by(3).copied()).collect()
        }
    })
}

/// The class names and the label of each file, if every file is inside a sub-folder of `root`.
fn classes_of(root: &Path, files: &[PathBuf]) -> (Vec<String>, Option<Vec<usize>>) {
    let class_of = |path: &PathBuf| -> Option<String> {
        let relative = path.strip_prefix(root).ok()?;
        let mut components = relative.components();
        let first = components.next()?;
        components.next()?; // a file directly in `root` has no class
        Some(first.as_os_str().to_string_lossy().into_owned())
    };
    let Some(names) = files.iter().map(class_of).collect::<Option<Vec<String>>>() else {
        return (Vec::new(), None);
    };
    let mut classes = names.clone();
    classes.sort();
    classes.dedup();
    let labels = names.iter().map(|name| classes.binary_search(name).expect("a collected class")).collect();
    (classes, Some(labels))
}
