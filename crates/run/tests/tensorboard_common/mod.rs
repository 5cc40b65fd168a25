//! What the test files share: scratch folders, a small PNG, and cutting a file as a kill would.

#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};

/// A 3x2 grey PNG (pixels 0, 128, 255 in each row), written by Python's zlib.
pub const PNG: [u8; 71] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x1f, 0x39, 0xc6, 0x00, 0x00, 0x00, 0x0e, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x68, 0xf8, 0xcf, 0x00, 0xc4, 0x00, 0x0a, 0x02, 0x02, 0xff, 0x62, 0x3d,
    0x29, 0x7e, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// An empty folder of the test's own under cargo's scratch space.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Cuts `path` in the middle of its last record, as a process killed while writing it leaves it;
/// the framing is walked here by hand (u64 length, then length + 8 bytes of CRCs and data).
pub fn cut_last_record(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let (mut start, mut last) = (0, 0);
    while start < bytes.len() {
        last = start;
        start += 16 + u64::from_le_bytes(bytes[start..start + 8].try_into().unwrap()) as usize;
    }
    assert_eq!(start, bytes.len(), "{}: not whole records", path.display());
    let cut = last + (bytes.len() - last) / 2;
    std::fs::write(path, &bytes[..cut]).unwrap();
}

/// The only event file of `dir`.
pub fn only_file(dir: &Path) -> PathBuf {
    let files = hsic_infogan_run::tensorboard::event_files(dir).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}
