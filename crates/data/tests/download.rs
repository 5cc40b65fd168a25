//! The download path against a real HTTP server on 127.0.0.1: with a generated file and its
//! computed SHA-256 (so these run everywhere), a connection closed mid-file, mirror fallback, a
//! 404, an empty mirror list and the size cap; with the MNIST files and their built-in sums (where
//! MNIST is on disk), a good download into the cache and a corrupted body; and offline. Each test
//! has its own server and its own temporary cache; nothing leaves the loopback interface.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use burn::data::dataset::Dataset;
use common::{MNIST_DIR, idx_bytes, real_data, sha256_of};
use hsic_infogan_data::download::{DownloadProgress, download_verified};
use hsic_infogan_data::mnist::{MnistKind, Place, Search, Split, Via, load_split, locate};

/// What the server does with a request for an existing file.
#[derive(Debug, Clone, Copy)]
enum Serve {
    Whole,
    /// Flips one byte in the middle of the body.
    Corrupt,
    /// Announces the full length, sends half, closes the connection.
    CloseHalfway,
    /// Announces 2 GiB, sends the file, closes the connection.
    AnnounceTooMuch,
}

struct Server {
    /// `http://127.0.0.1:PORT/`
    url: String,
    /// Requests answered so far.
    requests: Arc<AtomicUsize>,
}

/// Starts a server for the files in `dir`. It stops by itself after 16 requests or 60 s.
fn serve(dir: &Path, behaviour: Serve) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && counter.load(Ordering::SeqCst) < 16 {
            match listener.accept() {
                Ok((stream, _)) => {
                    // A client that hangs up early is the client's problem, not the server's.
                    let _ = respond(stream, &dir, behaviour);
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
    });
    Server { url, requests }
}

fn respond(mut stream: TcpStream, dir: &Path, behaviour: Serve) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    // `GET /name HTTP/1.1`: only plain file names are served.
    let name = request.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
    let body = match std::fs::read(dir.join(name)) {
        Ok(body) if !name.contains('/') => body,
        _ => {
            return stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    };
    let mut body = body;
    let sent = match behaviour {
        Serve::Whole => body.len(),
        Serve::Corrupt => {
            let middle = body.len() / 2;
            body[middle] ^= 0xff;
            body.len()
        }
        Serve::CloseHalfway | Serve::AnnounceTooMuch => body.len() / 2,
    };
    let announced = match behaviour {
        Serve::AnnounceTooMuch => 2 << 30,
        _ => body.len(),
    };
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n"
    )?;
    stream.write_all(&body[..sent])?;
    stream.flush()
}

/// The names of the files in `dir` (hidden ones included), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// A search with nothing on disk but `cache`, downloading from `mirrors`.
fn cache_only(cache: &Path, mirrors: Vec<String>) -> Search {
    Search {
        places: vec![Place { dir: cache.to_path_buf(), via: Via::Cache }],
        cache: Some(cache.to_path_buf()),
        mirrors,
    }
}

fn mnist_file(name: &str) -> hsic_infogan_data::mnist::IdxFile {
    MnistKind::Mnist.files().into_iter().find(|file| file.name == name).unwrap()
}

#[test]
fn a_good_download_fills_the_cache_and_the_next_run_uses_it() {
    let Some(shared) = real_data(MNIST_DIR) else { return };
    let server = serve(&shared, Serve::Whole);
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let place = locate(MnistKind::Mnist, &cache_only(&cache, vec![server.url.clone()]), &mut |_| {}).unwrap();
    assert_eq!(place, Place { dir: cache.clone(), via: Via::Downloaded });
    assert_eq!(server.requests.load(Ordering::SeqCst), 4);
    let mut names: Vec<&str> = MnistKind::Mnist.files().iter().map(|file| file.name).collect();
    names.sort();
    assert_eq!(listing(&cache), names, "the four files and nothing else");
    for file in MnistKind::Mnist.files() {
        assert_eq!(sha256_of(&cache.join(file.name)), file.sha256);
    }
    assert_eq!(load_split(MnistKind::Mnist, Split::Train, &cache).unwrap().len(), 60_000);

    let again = locate(MnistKind::Mnist, &cache_only(&cache, vec![server.url.clone()]), &mut |_| {}).unwrap();
    assert_eq!(again.via, Via::Cache);
    assert_eq!(server.requests.load(Ordering::SeqCst), 4, "no second download");
}

#[test]
fn a_corrupted_body_fails_the_checksum_and_leaves_the_cache_untouched() {
    let Some(shared) = real_data(MNIST_DIR) else { return };
    let server = serve(&shared, Serve::Corrupt);
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let kept = ["t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"];
    for name in kept {
        std::fs::copy(shared.join(name), cache.join(name)).unwrap();
    }
    let err = locate(MnistKind::Mnist, &cache_only(&cache, vec![server.url.clone()]), &mut |_| {}).unwrap_err();
    let message = err.to_string();
    let expected = mnist_file("train-images-idx3-ubyte.gz").sha256;
    for part in [
        "MNIST not found",
        "could not download train-images-idx3-ubyte.gz",
        &format!("{}train-images-idx3-ubyte.gz: SHA-256 mismatch: expected {expected}, got ", server.url),
    ] {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
    assert_eq!(listing(&cache), kept, "nothing added, nothing removed");
    for name in kept {
        assert_eq!(std::fs::read(cache.join(name)).unwrap(), std::fs::read(shared.join(name)).unwrap());
    }
}

/// A folder holding one generated IDX file, `name`, and its SHA-256.
fn generated_file(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let pixels: Vec<u8> = (0..5 * 4 * 4).map(|i| (i * 37 % 256) as u8).collect();
    std::fs::write(dir.path().join(name), idx_bytes(&[5, 4, 4], &pixels)).unwrap();
    let sha256 = sha256_of(&dir.path().join(name));
    (dir, sha256)
}

#[test]
fn a_connection_closed_mid_file_leaves_nothing_behind() {
    let (served, sha256) = generated_file("images.idx");
    let server = serve(served.path(), Serve::CloseHalfway);
    let cache = tempfile::tempdir().unwrap();
    let err = download_verified(std::slice::from_ref(&server.url), "images.idx", &sha256, cache.path(), &mut |_| {})
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("{}images.idx: ", server.url)), "{message}");
    assert!(
        // The file is a 16-byte IDX header and 80 pixels; the server sends half of it.
        message.contains("connection closed after 48 of 96 bytes") || message.contains("connection failed after"),
        "{message}"
    );
    assert_eq!(listing(cache.path()), Vec::<String>::new());
}

#[test]
fn a_failing_mirror_falls_back_to_the_next() {
    let (served, sha256) = generated_file("images.idx");
    let broken = serve(served.path(), Serve::CloseHalfway);
    let good = serve(served.path(), Serve::Whole);
    let cache = tempfile::tempdir().unwrap();
    let mirrors = vec![broken.url.clone(), format!("{}/", good.url.trim_end_matches('/'))];
    let mut last = None;
    let on_progress = &mut |progress: DownloadProgress| {
        last = Some((progress.file.to_string(), progress.received, progress.total));
    };
    let path: PathBuf = download_verified(&mirrors, "images.idx", &sha256, cache.path(), on_progress).unwrap();
    assert_eq!(path, cache.path().join("images.idx"));
    assert_eq!(last, Some(("images.idx".to_string(), 96, Some(96))), "the whole file from the good mirror");
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(served.path().join("images.idx")).unwrap());
    assert_eq!(broken.requests.load(Ordering::SeqCst), 1);
    assert_eq!(good.requests.load(Ordering::SeqCst), 1);
    assert_eq!(listing(cache.path()), ["images.idx"]);
}

#[test]
fn a_missing_file_is_reported_per_mirror_and_the_next_one_serves_it() {
    let (served, sha256) = generated_file("images.idx");
    let empty = tempfile::tempdir().unwrap();
    let without = serve(empty.path(), Serve::Whole);
    let cache = tempfile::tempdir().unwrap();
    let err = download_verified(std::slice::from_ref(&without.url), "images.idx", &sha256, cache.path(), &mut |_| {})
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("{}images.idx: ", without.url)) && message.contains("404"), "{message}");
    assert_eq!(listing(cache.path()), Vec::<String>::new());

    let with = serve(served.path(), Serve::Whole);
    download_verified(&[without.url.clone(), with.url.clone()], "images.idx", &sha256, cache.path(), &mut |_| {})
        .unwrap();
    assert_eq!(listing(cache.path()), ["images.idx"]);
}

#[test]
fn an_empty_mirror_list_says_so_and_writes_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let err = download_verified(&[], "images.idx", "00", cache.path(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("no mirrors to download from"), "{err}");
    assert_eq!(listing(cache.path()), Vec::<String>::new());
}

#[test]
fn a_body_announced_over_the_size_cap_is_refused_before_reading() {
    let (served, sha256) = generated_file("images.idx");
    let server = serve(served.path(), Serve::AnnounceTooMuch);
    let cache = tempfile::tempdir().unwrap();
    let err = download_verified(std::slice::from_ref(&server.url), "images.idx", &sha256, cache.path(), &mut |_| {})
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the server announces 2147483648 bytes, more than the 1073741824-byte limit"),
        "{message}"
    );
    assert_eq!(listing(cache.path()), Vec::<String>::new());
}

#[test]
fn offline_names_the_files_the_places_and_the_remedies() {
    // A port that was just free: connections to it are refused.
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let err = locate(MnistKind::Mnist, &cache_only(&cache, vec![refused.clone()]), &mut |_| {}).unwrap_err();
    let message = err.to_string();
    for part in [
        "MNIST not found: it needs train-images-idx3-ubyte.gz",
        &format!("{} (user cache): no such folder", cache.display()),
        &format!("Downloading into {} failed", cache.display()),
        &format!("{refused}train-images-idx3-ubyte.gz: "),
        "data directory",
        "MNIST_DIR",
        "MNIST_MIRRORS",
    ] {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
    assert_eq!(listing(&cache), Vec::<String>::new());
}
