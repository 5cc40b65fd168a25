//! Reading event files back, as TensorBoard does: a run folder's files in name order, each up to
//! its end or to a record cut short (the end of what a killed writer got out).

use std::path::{Path, PathBuf};

use super::TbError;
use super::proto::Event;
use super::record::{Next, next_record};

/// The event files of a run folder (names holding `tfevents`, as TensorBoard picks them), sorted
/// by name, which is the order TensorBoard reads them in. A missing folder has none.
pub fn event_files(dir: &Path) -> Result<Vec<PathBuf>, TbError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TbError::io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(TbError::io(dir))?;
        let is_file = entry.file_type().map_err(TbError::io(entry.path()))?.is_file();
        if is_file && entry.file_name().to_string_lossy().contains("tfevents") {
            files.push(entry.path());
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// The events of an event file. A last record cut short ends the file without an error, as in
/// TensorBoard; a record whose CRC does not match or whose event cannot be decoded is an error
/// that gives its byte offset.
pub fn read_events(path: &Path) -> Result<Vec<Event>, TbError> {
    let (records, unreadable) = read_records(path)?;
    match unreadable {
        Some(e) => Err(e),
        None => Ok(records.into_iter().map(|r| r.event).collect()),
    }
}

/// A record's data and the event it holds.
pub(crate) struct Record {
    pub data: Vec<u8>,
    pub event: Event,
}

/// The records of an event file up to its end, a record cut short or the first unreadable record;
/// with the error that record gave, if one did.
pub(crate) fn read_records(path: &Path) -> Result<(Vec<Record>, Option<TbError>), TbError> {
    let bytes = std::fs::read(path).map_err(TbError::io(path))?;
    let mut records = Vec::new();
    let mut offset = 0;
    loop {
        match next_record(&bytes, offset) {
            Next::Record { data, end } => match Event::decode(data) {
                Ok(event) => {
                    records.push(Record { data: data.to_vec(), event });
                    offset = end;
                }
                Err(problem) => {
                    let problem = format!("record at byte {offset}: {problem}");
                    return Ok((records, Some(TbError::invalid(path, problem))));
                }
            },
            Next::End | Next::Truncated => return Ok((records, None)),
            Next::Corrupt(problem) => return Ok((records, Some(TbError::invalid(path, problem)))),
        }
    }
}
