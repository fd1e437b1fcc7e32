//! Command-line conventions: shell completions, the manual page, help that
//! ends with examples and exit codes, `MEDREF_DATA_DIR` for `data fetch`
//! and its retries.

mod common;

use common::{medref, medref_env, text};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn completions_are_shell_scripts_for_medref() {
    for (shell, needle) in [("bash", "complete -F _medref"), ("zsh", "#compdef medref"), ("fish", "complete -c medref")]
    {
        let o = medref(&["completions", shell]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{shell}: {err}");
        assert!(out.contains(needle), "{shell}: no `{needle}` in:\n{}", &out[..out.len().min(400)]);
        // Subcommands complete too.
        assert!(out.contains("publish") && out.contains("check-anonymity"), "{shell}");
    }
    let o = medref(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_and_a_folder_gets_one_page_per_command() {
    let o = medref(&["man"]);
    let (page, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let first_macro = page.lines().find(|l| l.starts_with(".TH")).expect("no .TH line");
    assert!(first_macro.starts_with(".TH medref 1"), "{first_macro}");
    assert!(page.lines().take_while(|l| !l.starts_with(".TH")).all(|l| l.starts_with('.')), "text before .TH:\n{page}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"), "{page}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let o = medref(&["man", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    for name in ["medref.1", "medref-train.1", "medref-publish.1", "medref-data-fetch-medmnist.1"] {
        let p = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(p.contains(".TH"), "{name}");
    }
}

#[test]
fn help_ends_with_examples_and_exit_status() {
    for cmd in [
        &["train", "--help"][..],
        &["publish", "--help"],
        &["data", "fetch", "medmnist", "--help"],
        &["predict", "--help"],
    ] {
        let o = medref(cmd);
        let (out, _) = text(&o);
        assert!(o.status.success());
        let tail = &out[out.find("Examples:").unwrap_or_else(|| panic!("{cmd:?}: no examples:\n{out}"))..];
        assert!(tail.contains("\n  medref ") || tail.contains("\n  MEDREF_"), "{cmd:?}: {tail}");
        assert!(tail.contains("Exit status: 0 "), "{cmd:?}: {tail}");
    }
}

/// Answers with `answers` in order (the last one repeats) on a free local
/// port; returns its base URL and the number of requests so far.
fn serve(answers: Vec<(&'static str, Vec<u8>)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
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
    (base, count)
}

/// A busy server is tried again with growing waits; the bytes it finally
/// sends are not the published file, and that is never retried. The file
/// would have gone under MEDREF_DATA_DIR, and nothing is left there.
#[test]
fn fetch_retries_a_busy_server_but_not_a_checksum_mismatch_under_medref_data_dir() {
    let (base, count) = serve(vec![
        ("503 Service Unavailable", b"busy".to_vec()),
        ("503 Service Unavailable", b"busy".to_vec()),
        ("200 OK", b"not the published pneumoniamnist".to_vec()),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    let url = format!("{base}/pneumoniamnist.npz");
    let started = Instant::now();
    let o = medref_env(
        &["data", "fetch", "medmnist", "pneumoniamnist", "--url", &url, "--quiet"],
        &[("MEDREF_DATA_DIR", root.to_str().unwrap())],
        &[],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 3, "{err}");
    assert!(started.elapsed() >= Duration::from_secs(3), "waited only {:?}", started.elapsed());
    assert_eq!(err.matches("trying again in").count(), 2, "{err}");
    assert!(
        err.contains("HTTP 503") && err.contains("trying again in 1 s") && err.contains("trying again in 2 s"),
        "{err}"
    );
    let dest = root.join("medmnist/pneumoniamnist.npz");
    assert!(err.contains(&format!("{}: MD5 mismatch", dest.display())), "{err}");
    assert_eq!(std::fs::read_dir(root.join("medmnist")).unwrap().count(), 0, "a partial file was left");

    // A 404 is not retried either, and is not the input's fault (exit 1).
    let (base, count) = serve(vec![("404 Not Found", b"no".to_vec())]);
    let o = medref_env(
        &["data", "fetch", "medmnist", "pneumoniamnist", "--url", &format!("{base}/x.npz"), "--quiet"],
        &[("MEDREF_DATA_DIR", root.to_str().unwrap())],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // --dir wins over MEDREF_DATA_DIR.
    let (base, _) = serve(vec![("200 OK", b"wrong bytes".to_vec())]);
    let own = tmp.path().join("own");
    let o = medref_env(
        &[
            "data",
            "fetch",
            "medmnist",
            "pneumoniamnist",
            "--url",
            &format!("{base}/p.npz"),
            "--dir",
            own.to_str().unwrap(),
        ],
        &[("MEDREF_DATA_DIR", root.to_str().unwrap())],
        &[],
    );
    assert!(text(&o).1.contains(&own.join("pneumoniamnist.npz").display().to_string()), "{}", text(&o).1);
}

/// A folder where a file is expected is named as such, not as a missing
/// file or an operating-system error.
#[test]
fn a_directory_given_for_a_file_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&[
        "train",
        "configs/clinical/tiny.toml",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
        "--set",
        "train.epochs=2",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let run_s = run.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["train", "configs/"], "configs/: is a directory; give a config file"),
        (&["sweep", "configs/", "--grid", "train.lr=0.1,0.2"], "configs/: is a directory; give a config file"),
        (
            &["predict", run_s, "datasets/"],
            "datasets/: is a directory; give a file to score (a `table` run reads no folders)",
        ),
        (&["eval", run_s, "--data", "datasets/"], "datasets/: is a directory; give a data file"),
        (&["data", "validate", "--config", "configs/"], "configs/: is a directory; give a config file"),
        (
            &["data", "check-anonymity", "datasets/", "--quasi", "age", "--k", "2"],
            "datasets/: is a directory; give a table file",
        ),
        (&["data", "deidentify", "datasets/", "out.dcm"], "datasets/: is a directory; give one DICOM file"),
    ];
    for (args, needle) in cases {
        let o = medref(args);
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
        assert!(!err.contains("no such file") && !err.contains("os error"), "{args:?}: {err}");
    }
    // A file is still scored as before.
    let o = medref(&["predict", run_s, "datasets/clinical/tiny/visits.csv"]);
    assert!(o.status.success(), "{}", text(&o).1);
}
