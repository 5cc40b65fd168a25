//! The IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.
//!
//! Layout (big-endian): two zero bytes, a data-type byte (`0x08` = unsigned byte, the only type
//! these data sets use), the number of dimensions `n`, then `n` u32 sizes, then the
//! `product(sizes)` values in row-major order, and nothing after them. A file starting with the
//! gzip magic `1f 8b` is decompressed first.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::DataError;

/// The IDX data-type byte for unsigned bytes.
const UNSIGNED_BYTE: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An IDX array of unsigned bytes: its sizes and its values in row-major order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// A rank-3 IDX file: `count` images of `rows x cols` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// `count * rows * cols` bytes, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes, gzip-compressed or not.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    let bytes = std::fs::read(path).map_err(DataError::io(path))?;
    let bytes = if bytes.starts_with(&GZIP_MAGIC) {
        gunzip(&bytes).map_err(|err| DataError::invalid(path, format!("bad gzip data: {err}")))?
    } else {
        bytes
    };
    parse_idx(bytes).map_err(|problem| DataError::invalid(path, problem))
}

/// Reads an IDX file that must hold images (three dimensions: count, rows, columns).
pub fn read_images(path: &Path) -> Result<IdxImages, DataError> {
    let IdxArray { dims, data } = read_idx(path)?;
    match dims[..] {
        [count, rows, cols] => Ok(IdxImages { count, rows, cols, pixels: data }),
        _ => Err(DataError::invalid(path, format!("expected an image file (3 dimensions), found dimensions {dims:?}"))),
    }
}

/// Reads an IDX file that must hold labels (one dimension).
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let IdxArray { dims, data } = read_idx(path)?;
    if dims.len() != 1 {
        return Err(DataError::invalid(
            path,
            format!("expected a label file (1 dimension), found dimensions {dims:?}"),
        ));
    }
    Ok(data)
}

/// The most bytes deflate decompresses one byte to (RFC 1951: a 258-byte match in at most two bits).
const DEFLATE_MAX_EXPANSION: usize = 1032;

/// Decompresses a whole gzip stream; a truncated stream is an error.
fn gunzip(compressed: &[u8]) -> std::io::Result<Vec<u8>> {
    // The last four bytes of a gzip file hold the uncompressed size modulo 2^32: a capacity hint,
    // believed only as far as the compressed bytes can expand, so a corrupted one allocates nothing.
    let hint = compressed.last_chunk::<4>().map_or(0, |size| u32::from_le_bytes(*size) as usize);
    let mut out = Vec::with_capacity(hint.min(compressed.len().saturating_mul(DEFLATE_MAX_EXPANSION)));
    GzDecoder::new(compressed).read_to_end(&mut out)?;
    Ok(out)
}

/// Parses an uncompressed IDX file held in `bytes`, reusing the buffer for the values.
fn parse_idx(mut bytes: Vec<u8>) -> Result<IdxArray, String> {
    let Some(&[zero0, zero1, data_type, rank]) = bytes.first_chunk::<4>() else {
        return Err(format!("too short for an IDX header ({} bytes)", bytes.len()));
    };
    if (zero0, zero1) != (0, 0) {
        return Err(format!("not an IDX file: magic number starts with {zero0:#04x} {zero1:#04x}, expected 0x00 0x00"));
    }
    if data_type != UNSIGNED_BYTE {
        return Err(format!("IDX data type {data_type:#04x} is not supported (only unsigned bytes, 0x08)"));
    }
    if rank == 0 {
        return Err("IDX header declares 0 dimensions".into());
    }
    let header_len = 4 + 4 * rank as usize;
    let Some(size_bytes) = bytes.get(4..header_len) else {
        return Err(format!(
            "truncated header: {rank} dimensions need {header_len} bytes, the file has {}",
            bytes.len()
        ));
    };
    let dims: Vec<usize> = size_bytes
        .chunks_exact(4)
        .map(|size| u32::from_be_bytes(size.try_into().expect("chunks of 4")) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |product, &size| product.checked_mul(size))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let found = bytes.len() - header_len;
    if found < expected {
        return Err(format!("truncated: dimensions {dims:?} need {expected} bytes of data, the file has {found}"));
    }
    if found > expected {
        return Err(format!(
            "{} unexpected bytes after the {expected} bytes of data for dimensions {dims:?}",
            found - expected
        ));
    }
    bytes.drain(..header_len);
    Ok(IdxArray { dims, data: bytes })
}
