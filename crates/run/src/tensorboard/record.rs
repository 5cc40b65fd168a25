//! TFRecord framing, the container of an event file: each record is
//!
//! ```text
//! u64 LE  length of data
//! u32 LE  masked CRC-32C of those 8 length bytes
//! [u8]    data (here: one serialised `tensorboard.Event`)
//! u32 LE  masked CRC-32C of data
//! ```
//!
//! The CRC is CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial and final value
//! all ones), masked as `((crc >> 15) | (crc << 17)) + 0xa282ead8` (wrapping), as TensorFlow
//! does so that a CRC over data holding CRCs stays well spread. A file cut in the middle of a
//! record (a writer killed mid-write) ends in a record shorter than its length says; readers
//! take it as the end of what has been written so far.

const POLY: u32 = 0x82F6_3B78;

/// `TABLE[b]`: the CRC register after shifting byte `b` through it, one step per byte.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY } else { crc >> 1 };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
};

/// Mask added to the rotated CRC (TensorFlow's `kMaskDelta`).
const MASK_DELTA: u32 = 0xa282_ead8;

/// Bytes a record adds to its data: the length, and the two CRCs.
pub const RECORD_OVERHEAD: usize = 8 + 4 + 4;

/// CRC-32C of `data` (`crc32c(b"123456789") == 0xE306_9283`).
pub fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &b| TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8))
}

/// The masked CRC-32C that TFRecords store.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(MASK_DELTA)
}

/// The record holding `data`.
pub fn frame_record(data: &[u8]) -> Vec<u8> {
    let length = (data.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(data.len() + RECORD_OVERHEAD);
    record.extend_from_slice(&length);
    record.extend_from_slice(&masked_crc32c(&length).to_le_bytes());
    record.extend_from_slice(data);
    record.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    record
}

/// What a file's bytes hold from some offset on.
pub(crate) enum Next<'a> {
    /// A whole record with good CRCs, and the offset after it.
    Record { data: &'a [u8], end: usize },
    /// Nothing: the file ends here.
    End,
    /// Part of a record: the file ends before the record does.
    Truncated,
    /// A record whose CRC does not match, with what is wrong.
    Corrupt(String),
}

/// The record at `offset` of `bytes`.
pub(crate) fn next_record(bytes: &[u8], offset: usize) -> Next<'_> {
    let rest = &bytes[offset..];
    if rest.is_empty() {
        return Next::End;
    }
    if rest.len() < 12 {
        return Next::Truncated;
    }
    let (length, crc) = (&rest[..8], u32::from_le_bytes(rest[8..12].try_into().unwrap()));
    if masked_crc32c(length) != crc {
        return Next::Corrupt(format!("record at byte {offset}: the CRC of its length does not match"));
    }
    let length = u64::from_le_bytes(length.try_into().unwrap());
    let available = (rest.len() - 12) as u64;
    if available < length.saturating_add(4) {
        return Next::Truncated;
    }
    let length = length as usize;
    let data = &rest[12..12 + length];
    let crc = u32::from_le_bytes(rest[12 + length..16 + length].try_into().unwrap());
    if masked_crc32c(data) != crc {
        return Next::Corrupt(format!("record at byte {offset}: the CRC of its {length} bytes does not match"));
    }
    Next::Record { data, end: offset + RECORD_OVERHEAD + length }
}
