//! Verified downloads: a file is fetched from the first mirror that delivers it whole with the
//! expected SHA-256, written under a temporary name and renamed into place only then. A failed,
//! interrupted or corrupt download leaves no file behind that a later run would trust.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::DataError;

/// Larger bodies are refused: no file of these data sets comes near it.
const MAX_BYTES: u64 = 1 << 30;

/// How far a download has come, reported after every chunk received.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownloadProgress<'a> {
    /// The file's name.
    pub file: &'a str,
    pub received: u64,
    /// The size the server announced (`Content-Length`), if it did.
    pub total: Option<u64>,
    /// Since the request to the current mirror was sent.
    pub elapsed: Duration,
}

/// Downloads `name` from the first of `mirrors` (URL prefixes; `name` is appended) that serves
/// it with the SHA-256 `sha256` (lowercase hex), into `dir/name`, telling `on_progress` how far
/// it has come. Each mirror's failure is part of the error if none succeeds.
pub fn download_verified(
    mirrors: &[String],
    name: &str,
    sha256: &str,
    dir: &Path,
    on_progress: &mut dyn FnMut(DownloadProgress),
) -> Result<PathBuf, DataError> {
    std::fs::create_dir_all(dir).map_err(DataError::io(dir))?;
    let target = dir.join(name);
    let partial = dir.join(format!(".{name}.{}.part", std::process::id()));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut failures = Vec::new();
    for mirror in mirrors {
        let url = format!("{}/{name}", mirror.trim_end_matches('/'));
        let result = fetch(&agent, &url, &partial, name, on_progress).and_then(|digest| {
            if digest == sha256 { Ok(()) } else { Err(format!("SHA-256 mismatch: expected {sha256}, got {digest}")) }
        });
        match result {
            Ok(()) => {
                std::fs::rename(&partial, &target).map_err(DataError::io(&target))?;
                return Ok(target);
            }
            Err(problem) => {
                // Best effort: the file may not exist if the request failed before writing.
                let _ = std::fs::remove_file(&partial);
                failures.push(format!("{url}: {problem}"));
            }
        }
    }
    if mirrors.is_empty() {
        failures.push("no mirrors to download from".into());
    }
    Err(DataError::Download { file: name.into(), failures })
}

/// Streams `url` into `path`, returning the body's SHA-256 in lowercase hex; `on_progress`
/// follows it as the file `name`. A body shorter than its announced `Content-Length` is an
/// error.
fn fetch(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    name: &str,
    on_progress: &mut dyn FnMut(DownloadProgress),
) -> Result<String, String> {
    let start = Instant::now();
    let mut response = agent.get(url).call().map_err(|err| err.to_string())?;
    let announced = response.body().content_length();
    if let Some(announced) = announced.filter(|&n| n > MAX_BYTES) {
        return Err(format!("the server announces {announced} bytes, more than the {MAX_BYTES}-byte limit"));
    }
    let mut body = response.body_mut().with_config().limit(MAX_BYTES).reader();
    let mut file = File::create(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = body.read(&mut buffer).map_err(|err| format!("connection failed after {received} bytes: {err}"))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read]).map_err(|err| format!("{}: {err}", path.display()))?;
        received += read as u64;
        on_progress(DownloadProgress { file: name, received, total: announced, elapsed: start.elapsed() });
    }
    if let Some(announced) = announced
        && received != announced
    {
        return Err(format!("connection closed after {received} of {announced} bytes"));
    }
    file.sync_all().map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}
