//! NumPy `.npy` files (format 1.0), for handing generated images and codes to other tools.

use std::path::Path;

use hsic_infogan_train::{TrainError, files};

/// An element type NumPy knows.
pub trait NpyElement: Copy {
    /// NumPy's `descr`, little-endian.
    const DESCR: &'static str;
    fn write_le(self, out: &mut Vec<u8>);
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl NpyElement for i64 {
    const DESCR: &'static str = "<i8";
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// The bytes of an `.npy` file holding `values` (C order) with `shape`.
pub fn encode<T: NpyElement>(shape: &[usize], values: &[T]) -> Vec<u8> {
    assert_eq!(shape.iter().product::<usize>(), values.len(), "npy: shape does not match the values");
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}, }}", T::DESCR);
    // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &v in values {
        v.write_le(&mut out);
    }
    out
}

/// Writes an `.npy` file via a temporary name, so an existing file is only ever replaced whole.
pub fn write<T: NpyElement>(path: &Path, shape: &[usize], values: &[T]) -> Result<(), TrainError> {
    Ok(files::write_atomic(path, encode(shape, values))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_data_little_endian() {
        let bytes = encode(&[2, 3], &[1.0f32, 2.0, 3.0, 4.0, 5.0, -6.5]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        assert!(header.ends_with('\n'));
        let data = &bytes[10 + header_len..];
        assert_eq!(data.len(), 24);
        assert_eq!(f32::from_le_bytes(data[20..24].try_into().unwrap()), -6.5);
        let one = encode(&[3], &[7i64, 8, 9]);
        let len = u16::from_le_bytes([one[8], one[9]]) as usize;
        assert!(std::str::from_utf8(&one[10..10 + len]).unwrap().contains("'<i8'"));
        assert!(std::str::from_utf8(&one[10..10 + len]).unwrap().contains("(3,)"));
    }
}
