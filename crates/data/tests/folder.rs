//! Image folders: recursion, classes from sub-folders, colour and size conversion, bad files.

use std::path::Path;

use burn::data::dataset::Dataset;
use hsic_infogan_data::folder::{Channels, FolderOptions, load_folder};
use image::{ImageFormat, Rgb, RgbImage};

/// Saves a `width x height` image of one colour; the format follows the extension.
fn save(path: &Path, width: u32, height: u32, colour: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let format = ImageFormat::from_path(path).unwrap();
    RgbImage::from_pixel(width, height, Rgb(colour)).save_with_format(path, format).unwrap();
}

fn options(channels: Channels, skip_bad: bool) -> FolderOptions {
    FolderOptions { channels, size: [8, 6], skip_bad }
}

/// `cats/a.png` (white), `cats/deep/b.JPG` (black), `dogs/c.jpeg` (white), plus a text file.
fn two_classes(root: &Path) {
    save(&root.join("cats/a.png"), 20, 10, [255, 255, 255]);
    save(&root.join("cats/deep/b.JPG"), 7, 9, [0, 0, 0]);
    save(&root.join("dogs/c.jpeg"), 30, 30, [255, 255, 255]);
    std::fs::write(root.join("dogs/notes.txt"), "not an image").unwrap();
}

#[test]
fn sub_folders_are_classes_and_every_image_gets_the_size() {
    let root = tempfile::tempdir().unwrap();
    two_classes(root.path());
    let folder = load_folder(root.path(), &options(Channels::Gray, false)).unwrap();
    assert_eq!(folder.classes, ["cats", "dogs"]);
    assert!(folder.skipped.is_empty());
    let images = &folder.images;
    assert_eq!(images.len(), 3);
    assert_eq!(images.dims(), [1, 8, 6]);
    assert_eq!(images.labels(), Some(&[0usize, 0, 1][..]));
    // Sorted paths: cats/a.png, cats/deep/b.JPG, dogs/c.jpeg.
    let means: Vec<f64> = (0..3).map(|i| images.image(i).iter().map(|&p| f64::from(p)).sum::<f64>() / 48.0).collect();
    assert_eq!(means[0], 255.0);
    assert!(means[1] < 3.0 && means[2] > 252.0, "{means:?}");
}

#[test]
fn rgb_images_are_stored_as_channel_planes() {
    let root = tempfile::tempdir().unwrap();
    save(&root.path().join("red.png"), 5, 5, [255, 0, 0]);
    save(&root.path().join("teal.png"), 3, 4, [0, 128, 128]);
    let folder = load_folder(root.path(), &options(Channels::Rgb, false)).unwrap();
    assert_eq!(folder.images.dims(), [3, 8, 6]);
    assert_eq!(folder.images.labels(), None, "files at the root: no classes");
    assert!(folder.classes.is_empty());
    let plane = 8 * 6;
    let red = folder.images.get(0).unwrap().pixels;
    assert!(red[..plane].iter().all(|&p| p == 255) && red[plane..].iter().all(|&p| p == 0));
    let teal = folder.images.get(1).unwrap().pixels;
    assert!(teal[..plane].iter().all(|&p| p == 0) && teal[plane..].iter().all(|&p| p == 128));
}

#[test]
fn a_bad_file_is_an_error_naming_it_unless_skipped() {
    let root = tempfile::tempdir().unwrap();
    two_classes(root.path());
    let bad = root.path().join("dogs/broken.png");
    std::fs::write(&bad, b"\x89PNG but not really").unwrap();

    let message = load_folder(root.path(), &options(Channels::Gray, false)).unwrap_err().to_string();
    assert!(message.starts_with(&bad.display().to_string()), "{message}");
    assert!(message.contains("cannot decode"), "{message}");

    let folder = load_folder(root.path(), &options(Channels::Gray, true)).unwrap();
    assert_eq!(folder.images.len(), 3);
    assert_eq!(folder.skipped.len(), 1);
    assert_eq!(folder.skipped[0].0, bad);
    assert_eq!(folder.images.labels(), Some(&[0usize, 0, 1][..]));
}

#[test]
fn a_folder_without_images_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("readme.txt"), "nothing").unwrap();
    let message = load_folder(root.path(), &options(Channels::Gray, false)).unwrap_err().to_string();
    assert!(message.contains("no PNG or JPEG files"), "{message}");
    std::fs::write(root.path().join("x.jpg"), "not a jpeg").unwrap();
    let message = load_folder(root.path(), &options(Channels::Gray, true)).unwrap_err().to_string();
    assert!(message.contains("all 1 PNG/JPEG files were skipped"), "{message}");
    let absent = root.path().join("absent");
    let message = load_folder(&absent, &options(Channels::Gray, false)).unwrap_err().to_string();
    assert!(message.starts_with(&absent.display().to_string()), "{message}");
}
