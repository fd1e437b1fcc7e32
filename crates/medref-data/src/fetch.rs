//! Downloading the official MedMNIST files and checking them.
//!
//! A download streams to `<dest>.part`, is checked against the MD5 that
//! MedMNIST publishes (its `info.py`, v3.0, Zenodo record 10519652), and
//! only then is renamed to `dest`. A wrong checksum removes the partial
//! file, so a broken download is never mistaken for the dataset.
//! [`download_with_retry`] tries a failed transfer again after waiting
//! (exponential backoff); a checksum mismatch is never retried, since the
//! same server would send the same wrong bytes.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use md5::{Digest, Md5};

use crate::error::DataError;

/// Image sizes MedMNIST+ publishes for the 2-D datasets.
pub const MEDMNIST_SIZES: [u32; 4] = [28, 64, 128, 224];

/// The 2-D MedMNIST datasets with their published MD5s for sizes
/// 28, 64, 128 and 224 (MedMNIST `info.py` v3.0.2, keys `MD5`, `MD5_64`,
/// `MD5_128`, `MD5_224`).
const MEDMNIST_MD5: [(&str, [&str; 4]); 12] = [
    (
        "pathmnist",
        [
            "a8b06965200029087d5bd730944a56c1",
            "55aa9c1e0525abe5a6b9d8343a507616",
            "ac42d08fb904d92c244187169d1fd1d9",
            "2c51a510bcdc9cf8ddb2af93af1eadec",
        ],
    ),
    (
        "chestmnist",
        [
            "02c8a6516a18b556561a56cbdd36c4a8",
            "9de6cd0b934ebb5b7426cfba5efbae16",
            "db107e5590b27930b62dbaf558aebee3",
            "45bd33e6f06c3e8cdb481c74a89152aa",
        ],
    ),
    (
        "dermamnist",
        [
            "0744692d530f8e62ec473284d019b0c7",
            "b70a2f5635c6199aeaa28c31d7202e1f",
            "2defd784463fa5243564e855ed717de1",
            "8974907d8e169bef5f5b96bc506ae45d",
        ],
    ),
    (
        "octmnist",
        [
            "c68d92d5b585d8d81f7112f81e2d0842",
            "e229e9440236b774d9f0dfef9d07bdaf",
            "0a97e76651ace45c5d943ee3f65b63ae",
            "abc493b6d529d5de7569faaef2773ba3",
        ],
    ),
    (
        "pneumoniamnist",
        [
            "28209eda62fecd6e6a2d98b1501bb15f",
            "8f4eceb4ccffa70c672198ea285246c6",
            "05b46931834c231683c68f40c47b2971",
            "d6a3c71de1b945ea11211b03746c1fe1",
        ],
    ),
    (
        "retinamnist",
        [
            "bd4c0672f1bba3e3a89f0e4e876791e4",
            "afda852cc34dcda56f86ad2b2457dbcc",
            "e48e916a24454daf90583d4e6efb1a18",
            "eae7e3b6f3fcbda4ae613ebdcbe35348",
        ],
    ),
    (
        "breastmnist",
        [
            "750601b1f35ba3300ea97c75c52ff8f6",
            "742edef2a1fd1524b2efff4bd7ba9364",
            "363e4b3f8d712e9b5de15470a2aaadf1",
            "b56378a6eefa9fed602bb16d192d4c8b",
        ],
    ),
    (
        "bloodmnist",
        [
            "7053d0359d879ad8a5505303e11de1dc",
            "2b94928a2ae4916078ca51e05b6b800b",
            "adace1e0ed228fccda1f39692059dd4c",
            "b718ff6835fcbdb22ba9eacccd7b2601",
        ],
    ),
    (
        "tissuemnist",
        [
            "ebe78ee8b05294063de985d821c1c34b",
            "123ece2eba09d0aa5d698fda57103344",
            "61b955355d7425a89687b06cca3ce0c2",
            "b077128c4a949f0a4eb01517f9037b9c",
        ],
    ),
    (
        "organamnist",
        [
            "68e3f8846a6bd62f0c9bf841c0d9eacc",
            "2dcccc29b88e6da5a01161ef20cda288",
            "eeae80d0a227a8d099027e1b3cfd3b60",
            "50747347e05c87dd3aaf92c49f9f3170",
        ],
    ),
    (
        "organcmnist",
        [
            "b9ceb9546e10131b32923c5bbeaea2b1",
            "3ce34a8724ea6f548e6db4744d03b6a9",
            "773c1f009daa3fe5d9a2a201b2a7ed94",
            "050f5e875dc056f6768abf94ec9995d1",
        ],
    ),
    (
        "organsmnist",
        [
            "9ab87b696fb54e2a387ebe992d6ed5f1",
            "53a6d115339d874c25e309a994ff46d3",
            "ded0c5fa01a95dc4978b956f613e9b8e",
            "b354719e553fbbb2513d5533f52a4cb1",
        ],
    ),
];

/// One official MedMNIST file: where it lives and the MD5 it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedmnistFile {
    /// Dataset flag, e.g. `pneumoniamnist`.
    pub name: &'static str,
    /// Image side length: 28, 64, 128 or 224.
    pub size: u32,
    /// Zenodo download URL.
    pub url: String,
    /// Published MD5, lowercase hex.
    pub md5: &'static str,
}

impl MedmnistFile {
    /// The file name MedMNIST uses: `pneumoniamnist.npz` for 28 pixels,
    /// else `pneumoniamnist_64.npz` and so on.
    pub fn file_name(&self) -> String {
        if self.size == 28 {
            format!("{}.npz", self.name)
        } else {
            format!("{}_{}.npz", self.name, self.size)
        }
    }
}

/// Volume sizes MedMNIST+ publishes for the 3-D datasets.
pub const MEDMNIST3D_SIZES: [u32; 2] = [28, 64];

/// The 3-D datasets whose MD5s medref carries (`info.py` v3.0.2, keys `MD5`
/// and `MD5_64`), for sizes 28 and 64.
const MEDMNIST3D_MD5: [(&str, [&str; 2]); 1] =
    [("adrenalmnist3d", ["bbd3c5a5576322bc4cdfea780653b1ce", "17721accfe9fb005146a47d33bc54b2f"])];

fn medmnist_entry(name: &'static str, size: u32, md5: &'static str) -> MedmnistFile {
    let mut f = MedmnistFile { name, size, url: String::new(), md5 };
    f.url = format!("https://zenodo.org/records/10519652/files/{}?download=1", f.file_name());
    f
}

/// Every known official file (12 2-D datasets x 4 sizes, then the 3-D ones).
pub fn medmnist_files() -> Vec<MedmnistFile> {
    let flat = MEDMNIST_MD5.iter().flat_map(|&(name, md5s)| {
        MEDMNIST_SIZES.into_iter().zip(md5s).map(move |(size, m)| medmnist_entry(name, size, m))
    });
    let volumes = MEDMNIST3D_MD5.iter().flat_map(|&(name, md5s)| {
        MEDMNIST3D_SIZES.into_iter().zip(md5s).map(move |(size, m)| medmnist_entry(name, size, m))
    });
    flat.chain(volumes).collect()
}

/// The official file for `name` (e.g. `bloodmnist`) at `size`, if known.
pub fn medmnist_file(name: &str, size: u32) -> Option<MedmnistFile> {
    medmnist_files().into_iter().find(|f| f.name == name && f.size == size)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 of a file, lowercase hex.
pub fn md5_hex(path: impl AsRef<Path>) -> Result<String, DataError> {
    let path = path.as_ref();
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = file.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
    }
    Ok(to_hex(&hasher.finalize()))
}

/// Checks that `path` has the MD5 `expected` (hex, any case).
pub fn verify_md5(path: impl AsRef<Path>, expected: &str) -> Result<(), DataError> {
    let path = path.as_ref();
    let actual = md5_hex(path)?;
    let expected = expected.trim().to_ascii_lowercase();
    if actual == expected {
        Ok(())
    } else {
        Err(DataError::Checksum { path: path.to_path_buf(), expected, actual })
    }
}

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map_or_else(Default::default, |n| n.to_os_string());
    name.push(".part");
    dest.with_file_name(name)
}

/// Downloads `url` to `dest`, checking the MD5 on the way.
///
/// Streams to `<dest>.part`, reporting `progress(bytes_done, total)` (total
/// from Content-Length when the server sends one), then renames it to
/// `dest` only if the MD5 equals `expected_md5`; otherwise removes the
/// partial file and returns [`DataError::Checksum`]. If `dest` already
/// exists with the right MD5 nothing is downloaded. Returns `dest`.
pub fn download(
    url: &str,
    dest: impl AsRef<Path>,
    expected_md5: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PathBuf, DataError> {
    download_inner(url, dest.as_ref(), expected_md5, progress, &mut false)
}

/// How a failed download is tried again: `attempts` in all, waiting
/// `first_delay` before the second, twice that before the third, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first included (1: no retry).
    pub attempts: u32,
    /// The wait before the first retry; each later wait doubles.
    pub first_delay: Duration,
}

impl Retry {
    /// What `medref data fetch` uses: 4 attempts, waiting 1 s, 2 s and 4 s.
    pub const DEFAULT: Retry = Retry { attempts: 4, first_delay: Duration::from_secs(1) };

    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.first_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry::DEFAULT
    }
}

/// [`download`], trying again under `retry` when the transfer fails in a
/// way that may pass: the connection could not be made or broke, a
/// timeout, or the server answered 408, 429 or 5xx. A checksum mismatch, a
/// 4xx answer such as 404, and a local file error are returned at once.
/// Before each retry `on_retry(failed_attempt, &error, wait)` is called
/// (to tell the user); the partial file is removed between attempts.
pub fn download_with_retry(
    url: &str,
    dest: impl AsRef<Path>,
    expected_md5: &str,
    retry: Retry,
    progress: &mut dyn FnMut(u64, Option<u64>),
    on_retry: &mut dyn FnMut(u32, &DataError, Duration),
) -> Result<PathBuf, DataError> {
    let dest = dest.as_ref();
    let mut attempt = 1;
    loop {
        match download_once(url, dest, expected_md5, progress) {
            Ok(path) => return Ok(path),
            Err(f) if f.transient && attempt < retry.attempts.max(1) => {
                let wait = retry.delay(attempt);
                on_retry(attempt, &f.error, wait);
                std::thread::sleep(wait);
                attempt += 1;
            }
            Err(f) => return Err(f.error),
        }
    }
}

/// One attempt of [`download`], telling whether a failure may pass.
fn download_once(
    url: &str,
    dest: &Path,
    expected_md5: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PathBuf, Failure> {
    let mut transient = false;
    download_inner(url, dest, expected_md5, progress, &mut transient).map_err(|error| Failure { error, transient })
}

/// The body of [`download`]; sets `transient` when the failure was the
/// transfer's and may pass on another attempt.
fn download_inner(
    url: &str,
    dest: &Path,
    expected_md5: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
    transient: &mut bool,
) -> Result<PathBuf, DataError> {
    let expected = expected_md5.trim().to_ascii_lowercase();
    if dest.is_file() && md5_hex(dest)? == expected {
        return Ok(dest.to_path_buf());
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    }
    let part = part_path(dest);
    let result = fetch_to(url, &part, progress)
        .map_err(|f| {
            *transient = f.transient;
            f.error
        })
        .and_then(|actual| {
            if actual != expected {
                return Err(DataError::Checksum { path: dest.to_path_buf(), expected: expected.clone(), actual });
            }
            std::fs::rename(&part, dest).map_err(|e| DataError::io(dest, e))
        });
    match result {
        Ok(()) => Ok(dest.to_path_buf()),
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

/// A failed transfer, and whether another attempt may succeed.
struct Failure {
    error: DataError,
    transient: bool,
}

/// Streams `url` into `part`, returning the MD5 of what was written.
fn fetch_to(url: &str, part: &Path, progress: &mut dyn FnMut(u64, Option<u64>)) -> Result<String, Failure> {
    let download_error = |detail: String, transient: bool| Failure {
        error: DataError::Download { url: url.to_string(), detail },
        transient,
    };
    let local = |error: DataError| Failure { error, transient: false };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => download_error(
            format!(
                "server answered HTTP {code}{}",
                if code == 404 { " (not found: check the dataset name and size)" } else { "" }
            ),
            code >= 500 || code == 408 || code == 429,
        ),
        other => download_error(format!("{other} (check the network connection or proxy settings)"), true),
    })?;
    let total = response.body().content_length();
    let mut reader = response.into_body().into_reader();
    let mut file = File::create(part).map_err(|e| local(DataError::io(part, e)))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut done = 0u64;
    progress(0, total);
    loop {
        let k = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(download_error(format!("connection broke after {done} bytes: {e}"), true)),
        };
        file.write_all(&buf[..k]).map_err(|e| local(DataError::io(part, e)))?;
        hasher.update(&buf[..k]);
        done += k as u64;
        progress(done, total);
    }
    file.sync_all().map_err(|e| local(DataError::io(part, e)))?;
    Ok(to_hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_the_four_teaching_datasets_at_all_sizes() {
        let files = medmnist_files();
        assert_eq!(files.len(), 50);
        let adrenal = medmnist_file("adrenalmnist3d", 64).unwrap();
        assert_eq!(adrenal.md5, "17721accfe9fb005146a47d33bc54b2f");
        assert_eq!(adrenal.url, "https://zenodo.org/records/10519652/files/adrenalmnist3d_64.npz?download=1");
        assert!(medmnist_file("adrenalmnist3d", 128).is_none());
        for name in ["pneumoniamnist", "breastmnist", "dermamnist", "bloodmnist"] {
            for size in MEDMNIST_SIZES {
                let f = medmnist_file(name, size).unwrap();
                assert_eq!(f.md5.len(), 32);
                assert!(f.md5.bytes().all(|b| b.is_ascii_hexdigit()));
            }
        }
        let p = medmnist_file("pneumoniamnist", 28).unwrap();
        assert_eq!(p.md5, "28209eda62fecd6e6a2d98b1501bb15f");
        assert_eq!(p.url, "https://zenodo.org/records/10519652/files/pneumoniamnist.npz?download=1");
        let b = medmnist_file("bloodmnist", 224).unwrap();
        assert_eq!(b.url, "https://zenodo.org/records/10519652/files/bloodmnist_224.npz?download=1");
        assert!(medmnist_file("bloodmnist", 32).is_none());
        assert!(medmnist_file("catmnist", 28).is_none());
    }

    /// Serves `answers` in order, one per request (the last one repeats),
    /// on a free local port; returns the URL and the request count.
    fn serve(answers: Vec<(&'static str, Vec<u8>)>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/file.npz", listener.local_addr().unwrap());
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => request.extend_from_slice(&buf[..k]),
                    }
                }
                let i = seen.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
                let (status, body) = &answers[i];
                let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            }
        });
        (url, count)
    }

    const FAST: Retry = Retry { attempts: 4, first_delay: Duration::from_millis(5) };

    #[test]
    fn backoff_doubles_from_one_second() {
        let r = Retry::DEFAULT;
        assert_eq!(r.attempts, 4);
        assert_eq!([r.delay(1), r.delay(2), r.delay(3)], [1, 2, 4].map(Duration::from_secs));
    }

    #[test]
    fn a_server_error_is_retried_until_the_file_arrives() {
        use std::sync::atomic::Ordering;
        let (url, count) = serve(vec![
            ("503 Service Unavailable", b"busy".to_vec()),
            ("502 Bad Gateway", b"busy".to_vec()),
            ("200 OK", b"abc".to_vec()),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("abc.npz");
        let mut waits = Vec::new();
        download_with_retry(
            &url,
            &dest,
            "900150983cd24fb0d6963f7d28e17f72",
            FAST,
            &mut |_, _| {},
            &mut |attempt, e, wait| {
                assert!(matches!(e, DataError::Download { .. }), "{e}");
                waits.push((attempt, wait));
            },
        )
        .unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
        assert_eq!(count.load(Ordering::SeqCst), 3);
        assert_eq!(waits, vec![(1, Duration::from_millis(5)), (2, Duration::from_millis(10))]);
    }

    #[test]
    fn checksum_mismatch_and_not_found_are_not_retried() {
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("abc.npz");
        let no_retry = &mut |_: u32, e: &DataError, _: Duration| panic!("retried after {e}");
        let (url, count) = serve(vec![("200 OK", b"abd".to_vec())]);
        let e = download_with_retry(&url, &dest, "900150983cd24fb0d6963f7d28e17f72", FAST, &mut |_, _| {}, no_retry)
            .unwrap_err();
        assert!(matches!(e, DataError::Checksum { .. }), "{e}");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let (url, count) = serve(vec![("404 Not Found", b"no".to_vec())]);
        let e = download_with_retry(&url, &dest, "900150983cd24fb0d6963f7d28e17f72", FAST, &mut |_, _| {}, no_retry)
            .unwrap_err();
        assert!(e.to_string().contains("404"), "{e}");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_server_that_keeps_failing_is_given_up_after_the_last_attempt() {
        use std::sync::atomic::Ordering;
        let (url, count) = serve(vec![("500 Internal Server Error", b"down".to_vec())]);
        let dir = tempfile::tempdir().unwrap();
        let mut retries = 0;
        let e = download_with_retry(
            &url,
            dir.path().join("x.npz"),
            "900150983cd24fb0d6963f7d28e17f72",
            FAST,
            &mut |_, _| {},
            &mut |_, _, _| retries += 1,
        )
        .unwrap_err();
        assert!(e.to_string().contains("HTTP 500"), "{e}");
        assert_eq!((count.load(Ordering::SeqCst), retries), (4, 3));
    }

    #[test]
    fn md5_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(md5_hex(&p).unwrap(), "900150983cd24fb0d6963f7d28e17f72");
        assert!(verify_md5(&p, "900150983CD24FB0D6963F7D28E17F72").is_ok());
        let e = verify_md5(&p, "00000000000000000000000000000000").unwrap_err().to_string();
        assert!(e.contains("abc") && e.contains("900150983cd24fb0d6963f7d28e17f72"), "{e}");
    }
}
