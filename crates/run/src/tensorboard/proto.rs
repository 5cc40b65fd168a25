//! The part of TensorBoard's protobuf messages that this module writes and reads, encoded by hand
//! (no protobuf compiler or runtime): field numbers from tensorboard/compat/proto/*.proto.
//!
//! ```text
//! Event          wall_time = 1 (double), step = 2 (int64), oneof what { file_version = 3 (string),
//!                summary = 5 (Summary), session_log = 7 (SessionLog) }
//! SessionLog     status = 1 (enum; START = 1)
//! Summary        value = 1 (repeated Value)
//! Summary.Value  tag = 1 (string), simple_value = 2 (float), image = 4 (Image),
//!                tensor = 8 (TensorProto), metadata = 9 (SummaryMetadata)
//! Summary.Image  height = 1, width = 2, colorspace = 3 (int32), encoded_image_string = 4 (bytes)
//! SummaryMetadata  plugin_data = 1 (PluginData { plugin_name = 1 (string) })
//! TensorProto    dtype = 1 (enum; DT_STRING = 7), tensor_shape = 2 (TensorShapeProto; no dims
//!                is a scalar), string_val = 8 (repeated bytes)
//! ```
//!
//! Fields are written in field-number order and proto3 defaults (0, empty) are left out, so the
//! bytes equal those of protobuf's own serialisation. A text is what TensorBoard's text plugin
//! reads: a scalar DT_STRING tensor whose metadata names the plugin `text`.

/// One record of an event file.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    pub step: i64,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// The first event of a file: `brain.Event:2` (TensorBoard reads version 2 files as written
    /// by a writer that marks restarts with [`What::SessionStart`]).
    FileVersion(String),
    Summary(Vec<Value>),
    /// `SessionLog { status: START }`: a restarted writer; TensorBoard's Python readers drop what
    /// they have read of steps >= this event's step.
    SessionStart,
    /// Any other event (a graph, run metadata, another session status); written as nothing.
    Other,
}

/// One tagged value of a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub tag: String,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Scalar(f32),
    Image(Image),
    Text(String),
    /// Any other value (a histogram, audio, another plugin's tensor); written as nothing.
    Other,
}

/// An encoded image and its size, as `Summary.Image`.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA (the message's `colorspace`).
    pub channels: u8,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// `DT_STRING` of tensorflow's `DataType`.
const DT_STRING: u64 = 7;
/// `START` of `SessionLog.SessionStatus`.
const SESSION_START: u64 = 1;

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LENGTH: u32 = 2;
const FIXED32: u32 = 5;

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

fn varint_field(out: &mut Vec<u8>, field: u32, n: u64) {
    if n != 0 {
        key(out, field, VARINT);
        varint(out, n);
    }
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, LENGTH);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A message field whose body `write` appends.
fn message_field(out: &mut Vec<u8>, field: u32, write: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    write(&mut body);
    bytes_field(out, field, &body);
}

impl Event {
    /// The serialised `tensorboard.Event`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.wall_time != 0.0 {
            key(&mut out, 1, FIXED64);
            out.extend_from_slice(&self.wall_time.to_le_bytes());
        }
        // int64 is a varint of the two's complement: a negative step takes 10 bytes.
        varint_field(&mut out, 2, self.step as u64);
        match &self.what {
            What::FileVersion(version) => bytes_field(&mut out, 3, version.as_bytes()),
            What::Summary(values) => message_field(&mut out, 5, |summary| {
                for value in values {
                    message_field(summary, 1, |v| value.encode(v));
                }
            }),
            What::SessionStart => message_field(&mut out, 7, |log| varint_field(log, 1, SESSION_START)),
            What::Other => {}
        }
        out
    }

    /// The event serialised in `bytes`; fields it does not know are skipped.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut event = Event { wall_time: 0.0, step: 0, what: What::Other };
        for field in Fields(bytes) {
            match field? {
                (1, Field::Fixed64(bits)) => event.wall_time = f64::from_bits(bits),
                (2, Field::Varint(n)) => event.step = n as i64,
                (3, Field::Bytes(version)) => event.what = What::FileVersion(utf8(version)?),
                (5, Field::Bytes(summary)) => {
                    let mut values = Vec::new();
                    for field in Fields(summary) {
                        if let (1, Field::Bytes(value)) = field? {
                            values.push(Value::decode(value)?);
                        }
                    }
                    event.what = What::Summary(values);
                }
                (7, Field::Bytes(log)) => {
                    let start = Fields(log).any(|f| matches!(f, Ok((1, Field::Varint(SESSION_START)))));
                    event.what = if start { What::SessionStart } else { What::Other };
                }
                (4 | 6 | 8 | 9, _) => event.what = What::Other,
                _ => {}
            }
        }
        Ok(event)
    }
}

impl Value {
    fn encode(&self, out: &mut Vec<u8>) {
        bytes_field(out, 1, self.tag.as_bytes());
        match &self.data {
            Data::Scalar(value) => {
                key(out, 2, FIXED32);
                out.extend_from_slice(&value.to_le_bytes());
            }
            Data::Image(image) => message_field(out, 4, |m| {
                varint_field(m, 1, u64::from(image.height));
                varint_field(m, 2, u64::from(image.width));
                varint_field(m, 3, u64::from(image.channels));
                bytes_field(m, 4, &image.png);
            }),
            Data::Text(text) => {
                message_field(out, 8, |tensor| {
                    varint_field(tensor, 1, DT_STRING);
                    message_field(tensor, 2, |_shape| {});
                    bytes_field(tensor, 8, text.as_bytes());
                });
                message_field(out, 9, |metadata| message_field(metadata, 1, |plugin| bytes_field(plugin, 1, b"text")));
            }
            Data::Other => {}
        }
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let (mut tag, mut data) = (String::new(), Data::Other);
        let (mut strings, mut dtype, mut plugin) = (Vec::new(), 0, String::new());
        for field in Fields(bytes) {
            match field? {
                (1, Field::Bytes(t)) => tag = utf8(t)?,
                (2, Field::Fixed32(bits)) => data = Data::Scalar(f32::from_bits(bits)),
                (4, Field::Bytes(image)) => {
                    let mut decoded = Image { width: 0, height: 0, channels: 0, png: Vec::new() };
                    for field in Fields(image) {
                        match field? {
                            (1, Field::Varint(n)) => decoded.height = n as u32,
                            (2, Field::Varint(n)) => decoded.width = n as u32,
                            (3, Field::Varint(n)) => decoded.channels = n as u8,
                            (4, Field::Bytes(png)) => decoded.png = png.to_vec(),
                            _ => {}
                        }
                    }
                    data = Data::Image(decoded);
                }
                (8, Field::Bytes(tensor)) => {
                    for field in Fields(tensor) {
                        match field? {
                            (1, Field::Varint(n)) => dtype = n,
                            (8, Field::Bytes(s)) => strings.push(s),
                            _ => {}
                        }
                    }
                }
                (9, Field::Bytes(metadata)) => {
                    for field in Fields(metadata) {
                        if let (1, Field::Bytes(plugin_data)) = field? {
                            for field in Fields(plugin_data) {
                                if let (1, Field::Bytes(name)) = field? {
                                    plugin = utf8(name)?;
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if plugin == "text" && dtype == DT_STRING && strings.len() == 1 {
            data = Data::Text(utf8(strings[0])?);
        }
        Ok(Value { tag, data })
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("a string that is not UTF-8: {e}"))
}

/// A field's value by wire type.
enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// The fields of a serialised message, in the order written: (field number, value).
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for (i, &b) in self.0.iter().enumerate().take(10) {
            n |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.0 = &self.0[i + 1..];
                return Ok(n);
            }
        }
        Err("a varint that does not end".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(format!("a field of {n} bytes with {} left in its message", self.0.len()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn field(&mut self) -> Result<(u32, Field<'a>), String> {
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().unwrap())),
            2 => {
                let n = self.varint()?;
                Field::Bytes(self.take(usize::try_from(n).map_err(|_| format!("a field of {n} bytes"))?)?)
            }
            5 => Field::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().unwrap())),
            wire => return Err(format!("field {} has wire type {wire}, which events do not use", key >> 3)),
        };
        Ok(((key >> 3) as u32, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Field<'a>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            self.0 = &[];
        }
        Some(field)
    }
}
