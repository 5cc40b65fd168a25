//! Writing a run's event files: [`EventWriter::create`] starts one, [`EventWriter::resume`]
//! continues a run's folder after a checkpoint.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::TbError;
use super::proto::{Data, Event, Image, Value, What};
use super::reader::{Record, event_files, read_records};
use super::record::frame_record;

/// The version an event file starts with; version 2 tells TensorBoard that restarts are marked
/// with `SessionLog.START` events.
pub const FILE_VERSION: &str = "brain.Event:2";

/// Where [`EventWriter::resume`] writes the new file before giving it its name: a name without
/// `tfevents`, so that no reader takes it for an event file while it is being written.
const RESUME_TMP: &str = "resume.tmp";

/// Event files this process has named, the last part of the name (as TensorFlow's writer does) so
/// that two writers started in one second get two files.
static FILES_NAMED: AtomicU64 = AtomicU64::new(0);

/// Appends events to one event file. Writes are buffered: [`EventWriter::flush`] hands them to
/// the operating system (where a killed process leaves them), and dropping the writer flushes
/// without reporting errors.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl EventWriter {
    /// Starts a new event file in `dir` (created if missing), named
    /// `events.out.tfevents.<secs>.<hostname>.<pid>.<n>` like TensorFlow's, whose first event is
    /// the file version. Files already in `dir` stay, and TensorBoard shows them as the same run.
    pub fn create(dir: impl AsRef<Path>) -> Result<Self, TbError> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(TbError::io(dir))?;
        let path = dir.join(file_name(unix_secs()));
        let file = File::create_new(&path).map_err(TbError::io(&path))?;
        let mut writer = Self { path, file: BufWriter::new(file) };
        writer.write(&Event { wall_time: wall_time(), step: 0, what: What::FileVersion(FILE_VERSION.into()) })?;
        Ok(writer)
    }

    /// Continues the event files of `dir` after a restart from the checkpoint of step
    /// `keep_until`: what the files hold of later steps (written before the process was killed,
    /// and about to be written again) is dropped, so that every reader shows each step once.
    ///
    /// TensorBoard's readers handle a restart in three ways. The Rust data server (what
    /// `tensorboard --logdir` serves from by default) ignores `SessionLog` and drops, tag by tag,
    /// the steps >= S when it reads a value of step S for that tag: a tag that the restarted run
    /// does not write again keeps its orphaned points. Its Python fallback
    /// (`plugin_event_accumulator`, `--load_fast=false`) drops every tag's steps >= S when it
    /// reads a `SessionLog.START` of step S in a version 2 file, but takes the first `START` of a
    /// run as the session's start and purges nothing then; `EventAccumulator` (what scripts read
    /// runs with) purges at every `START`. None rewrites a file, and for all of them a file cut
    /// in the middle of a record ends there. So, rather than appending a `START` to the old
    /// files, this rewrites them:
    ///
    /// 1. it reads the event files of `dir` in name order (each up to a record cut short or an
    ///    unreadable one), keeping the records of steps <= `keep_until`, and applying the `START`
    ///    events it meets as `EventAccumulator` does;
    /// 2. writes a new file, `resume.tmp`: the file version, two `SessionLog.START`s of step 0 and
    ///    the kept records, byte for byte, and syncs it;
    /// 3. renames it to a new event file name that sorts after the old ones (its seconds are
    ///    raised past theirs if need be), deletes the old files, and appends to the new one.
    ///
    /// Every reader then sees the steps up to `keep_until` once, and the steps written from here.
    /// The `START`s are for a kill between the rename and the deletes, which leaves old and new
    /// files together, the new one read last: whichever of its two `START`s is not the run's first
    /// drops all the old files gave TensorBoard's Python readers (and a later resume); the data
    /// server drops each old point whose tag the new file writes again. A missing or empty `dir`
    /// gives a file of the version and the `START`s alone.
    pub fn resume(dir: impl AsRef<Path>, keep_until: i64) -> Result<Self, TbError> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(TbError::io(dir))?;
        let old = event_files(dir)?;
        let mut kept: Vec<Record> = Vec::new();
        let mut started = None;
        for path in &old {
            for record in read_records(path)?.0 {
                match record.event.what {
                    What::FileVersion(_) => {
                        started = Some(started.map_or(record.event.wall_time, |t: f64| t.min(record.event.wall_time)));
                    }
                    What::SessionStart => kept.retain(|r| r.event.step < record.event.step),
                    _ if record.event.step <= keep_until => kept.push(record),
                    _ => {}
                }
            }
        }

        let tmp = dir.join(RESUME_TMP);
        let now = wall_time();
        let mut out = BufWriter::new(File::create(&tmp).map_err(TbError::io(&tmp))?);
        // The run's first file version keeps its time: TensorBoard takes it as the run's start.
        let version =
            Event { wall_time: started.unwrap_or(now), step: 0, what: What::FileVersion(FILE_VERSION.into()) };
        let start = Event { wall_time: now, step: 0, what: What::SessionStart };
        [version, start.clone(), start]
            .iter()
            .map(|event| frame_record(&event.encode()))
            .chain(kept.iter().map(|record| frame_record(&record.data)))
            .try_for_each(|record| out.write_all(&record))
            .and_then(|()| out.into_inner().map_err(|e| e.into_error()))
            .and_then(|file| file.sync_all())
            .map_err(TbError::io(&tmp))?;

        let after_old = old.iter().filter_map(|p| file_secs(p)).max().map_or(0, |secs| secs + 1);
        let path = dir.join(file_name(unix_secs().max(after_old)));
        fs::rename(&tmp, &path).map_err(TbError::io(&path))?;
        for old in &old {
            fs::remove_file(old).map_err(TbError::io(old))?;
        }
        let file = OpenOptions::new().append(true).open(&path).map_err(TbError::io(&path))?;
        Ok(Self { path, file: BufWriter::new(file) })
    }

    /// The event file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One scalar: an event of one value.
    pub fn scalar(&mut self, tag: &str, step: i64, value: f32) -> Result<(), TbError> {
        self.scalars(step, &[(tag, value)])
    }

    /// Several scalars of one step in one event, which saves the 30 bytes an event costs beside
    /// its values (framing, wall time, step).
    pub fn scalars(&mut self, step: i64, values: &[(&str, f32)]) -> Result<(), TbError> {
        let values = values.iter().map(|&(tag, v)| Value { tag: tag.into(), data: Data::Scalar(v) }).collect();
        self.write(&Event { wall_time: wall_time(), step, what: What::Summary(values) })
    }

    /// An image, from its PNG file's bytes, its size and its number of channels (1 grey, 2 grey
    /// and alpha, 3 RGB, 4 RGBA), which TensorBoard takes as given.
    pub fn image(
        &mut self,
        tag: &str,
        step: i64,
        png: &[u8],
        width: u32,
        height: u32,
        channels: u8,
    ) -> Result<(), TbError> {
        if !(1..=4).contains(&channels) {
            let problem = format!("image `{tag}` of {channels} channels: Summary.Image takes 1 to 4");
            return Err(TbError::invalid(&self.path, problem));
        }
        let image = Image { width, height, channels, png: png.to_vec() };
        self.summary(step, Value { tag: tag.into(), data: Data::Image(image) })
    }

    /// A text, which TensorBoard's text plugin shows as Markdown.
    pub fn text(&mut self, tag: &str, step: i64, text: &str) -> Result<(), TbError> {
        self.summary(step, Value { tag: tag.into(), data: Data::Text(text.into()) })
    }

    /// Hands what is buffered to the operating system.
    pub fn flush(&mut self) -> Result<(), TbError> {
        self.file.flush().map_err(TbError::io(&self.path))
    }

    fn summary(&mut self, step: i64, value: Value) -> Result<(), TbError> {
        self.write(&Event { wall_time: wall_time(), step, what: What::Summary(vec![value]) })
    }

    fn write(&mut self, event: &Event) -> Result<(), TbError> {
        self.file.write_all(&frame_record(&event.encode())).map_err(TbError::io(&self.path))
    }
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `events.out.tfevents.<secs>.<hostname>.<pid>.<n>`, the seconds in 10 digits so that names
/// sort by time.
fn file_name(secs: u64) -> String {
    let n = FILES_NAMED.fetch_add(1, Ordering::Relaxed);
    format!("events.out.tfevents.{secs:010}.{}.{}.{n}", hostname(), std::process::id())
}

/// The seconds in an event file's name, if it is named like [`file_name`]'s.
fn file_secs(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("events.out.tfevents.")?.split('.').next()?.parse().ok()
}

/// The machine's name (Linux: the kernel's; elsewhere `HOSTNAME` or `COMPUTERNAME`), with
/// anything but letters, digits, `-` and `.` replaced by `_`; `localhost` if none is found.
fn hostname() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".into());
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}
