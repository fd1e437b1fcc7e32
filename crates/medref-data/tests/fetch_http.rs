//! The download path against a tiny HTTP server on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use medref_data::fetch::{download, md5_hex};
use medref_data::DataError;

const BODY: &[u8] = b"pretend this is pneumoniamnist.npz: 0123456789abcdef";
/// MD5 of BODY, computed independently (python hashlib).
const BODY_MD5: &str = "fcece3026a40364ad5dfedff6f02194a";

/// Serves fixed answers by path, forever, on a free local port.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
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
            let text = String::from_utf8_lossy(&request);
            let target = text.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body, announced): (&str, Vec<u8>, usize) = match target.as_str() {
                "/good.npz" => ("200 OK", BODY.to_vec(), BODY.len()),
                "/corrupt.npz" => {
                    let mut b = BODY.to_vec();
                    b[10] ^= 1;
                    ("200 OK", b, BODY.len())
                }
                "/short.npz" => ("200 OK", BODY[..10].to_vec(), BODY.len()),
                _ => ("404 Not Found", b"not here".to_vec(), 8),
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
        }
    });
    format!("http://{addr}")
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn body_md5_constant_matches() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b");
    std::fs::write(&p, BODY).unwrap();
    assert_eq!(md5_hex(&p).unwrap(), BODY_MD5);
}

#[test]
fn good_download_lands_with_progress_and_is_not_repeated() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("sub/good.npz");
    let mut calls = Vec::new();
    let got =
        download(&format!("{base}/good.npz"), &dest, BODY_MD5, &mut |done, total| calls.push((done, total))).unwrap();
    assert_eq!(got, dest);
    assert_eq!(std::fs::read(&dest).unwrap(), BODY);
    assert_eq!(calls.first(), Some(&(0, Some(BODY.len() as u64))));
    assert_eq!(calls.last(), Some(&(BODY.len() as u64, Some(BODY.len() as u64))));
    assert_eq!(leftovers(dest.parent().unwrap()), vec!["good.npz"]);
    // Already there with the right MD5: no request is made (this URL would 404).
    download(&format!("{base}/gone.npz"), &dest, BODY_MD5, &mut |_, _| panic!("downloaded again")).unwrap();
}

#[test]
fn corrupted_body_is_a_checksum_error_and_leaves_nothing() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("corrupt.npz");
    let e = download(&format!("{base}/corrupt.npz"), &dest, BODY_MD5, &mut |_, _| {}).unwrap_err();
    match &e {
        DataError::Checksum { path, expected, actual } => {
            assert_eq!(path, &dest);
            assert_eq!(expected, BODY_MD5);
            assert_ne!(actual, BODY_MD5);
        }
        other => panic!("expected a checksum error, got {other}"),
    }
    let msg = e.to_string();
    assert!(msg.starts_with(&dest.display().to_string()) && msg.contains(BODY_MD5), "{msg}");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

#[test]
fn not_found_and_cut_connection_are_download_errors() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{base}/missing.npz");
    let e = download(&url, dir.path().join("m.npz"), BODY_MD5, &mut |_, _| {}).unwrap_err();
    assert!(matches!(e, DataError::Download { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with(&url) && msg.contains("404"), "{msg}");

    let url = format!("{base}/short.npz");
    let e = download(&url, dir.path().join("s.npz"), BODY_MD5, &mut |_, _| {}).unwrap_err();
    assert!(matches!(e, DataError::Download { .. }), "{e}");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}
