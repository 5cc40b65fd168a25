//! TensorBoard event files, written (and read back) without TensorFlow or a protobuf library: a
//! run's `tb/` folder that `tensorboard --logdir` shows as scalars, images and texts.
//!
//! An event file is a sequence of TFRecords ([`record`]), each holding one serialised
//! `tensorboard.Event` ([`Event`], encoded by hand in `proto.rs`). The first event of a file
//! gives the file version (`brain.Event:2`); the others hold summaries of one step. A run killed
//! mid-write leaves its last record cut short, which readers take as the end of the file; a
//! resumed run starts a new file rather than appending to that one ([`EventWriter::resume`], which
//! also drops the steps after the checkpoint that the killed run wrote).

mod error;
mod proto;
mod reader;
pub mod record;
mod writer;

pub use error::TbError;
pub use proto::{Data, Event, Image, Value, What};
pub use reader::{event_files, read_events};
pub use writer::{EventWriter, FILE_VERSION};
