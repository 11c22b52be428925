//! Downloads against an HTTP server on 127.0.0.1 started here: a good mirror, a 404 mirror,
//! a corrupt mirror, a mirror serving the wrong content, a stalling mirror. Never the
//! internet.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use mlplab::data::{self, DataError, LoadOptions, Source};

/// Serves `files_dir` under several mirror prefixes; returns the base URL.
fn serve(files_dir: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = files_dir.clone();
            std::thread::spawn(move || handle(stream, &dir));
        }
    });
    base
}

fn handle(mut stream: TcpStream, dir: &Path) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (mirror, file) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let respond = |stream: &mut TcpStream, status: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    let content = std::fs::read(dir.join(file));
    match (mirror, content) {
        ("stall", _) => std::thread::sleep(Duration::from_secs(20)),
        ("good", Ok(bytes)) => respond(&mut stream, "200 OK", &bytes),
        ("corrupt", Ok(mut bytes)) => {
            // Flip bytes in the middle of the gzip stream.
            let mid = bytes.len() / 2;
            let end = (mid + 16).min(bytes.len());
            for b in &mut bytes[mid..end] {
                *b ^= 0x5a;
            }
            respond(&mut stream, "200 OK", &bytes)
        }
        ("wrong", Ok(_)) => {
            // A valid gzip file whose content is not the published one.
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(b"not mnist").unwrap();
            respond(&mut stream, "200 OK", &enc.finish().unwrap())
        }
        _ => respond(&mut stream, "404 Not Found", b"no such file"),
    }
}

fn options(root: &Path, base: &str, mirrors: &[&str]) -> LoadOptions {
    let mut o = common::isolated(root);
    o.offline = false;
    o.download.mirrors = Some(mirrors.iter().map(|m| format!("{base}/{m}/")).collect());
    o.download.connect_timeout_s = 2.0;
    o.download.read_timeout_s = 0.5;
    o
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).map_or_else(
        |_| Vec::new(),
        |rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        },
    )
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An IDX file: magic `0x0000 08 <dims>`, the dimensions big-endian, then the bytes.
fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Writes MNIST's four file names into `dir` as a small valid IDX set (ten training and two
/// test images of 28×28, varied pixels so that the gzip streams are a few kilobytes), and
/// checks that it reads back as IDX data.
fn write_small_idx_set(dir: &Path) {
    let pixels = |n: usize| -> Vec<u8> {
        (0..n * 28 * 28)
            .map(|i| ((i * 7919 + i / 13) % 251) as u8)
            .collect()
    };
    let files: [(&str, Vec<u8>); 4] = [
        (
            "train-images-idx3-ubyte.gz",
            idx(&[10, 28, 28], &pixels(10)),
        ),
        (
            "train-labels-idx1-ubyte.gz",
            idx(&[10], &[5, 0, 4, 1, 9, 2, 3, 6, 8, 7]),
        ),
        ("t10k-images-idx3-ubyte.gz", idx(&[2, 28, 28], &pixels(2))),
        ("t10k-labels-idx1-ubyte.gz", idx(&[2], &[7, 2])),
    ];
    for (name, content) in &files {
        std::fs::write(dir.join(name), gz(content)).unwrap();
    }
    let elsewhere = common::temp_dir("dl-idx-check");
    let o = LoadOptions {
        split: data::Split::Full { cv_size: Some(1) },
        ..common::isolated(&elsewhere)
    };
    let s = data::load(&format!("idx:{}", dir.display()), &o).unwrap();
    assert_eq!((s.train.len(), s.cv.len()), (9, 1));
    assert_eq!(s.test.map(|t| t.labels), Some(vec![7, 2]));
    std::fs::remove_dir_all(&elsewhere).unwrap();
}

/// The SHA-256 of each file's decompressed content in `dir`, by name: the
/// [`DownloadOptions::checksums`](mlplab::data::DownloadOptions::checksums) that make the
/// files written by [`write_small_idx_set`] the expected ones.
fn checksums_of(dir: &Path) -> std::collections::BTreeMap<String, String> {
    use sha2::Digest;
    use std::io::Read;
    let mut sums = std::collections::BTreeMap::new();
    for name in files_in(dir) {
        let gz = std::fs::read(dir.join(&name)).unwrap();
        let mut content = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut content)
            .unwrap();
        let hex: String = sha2::Sha256::digest(&content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sums.insert(name, hex);
    }
    sums
}

#[test]
fn falls_through_404_and_corrupt_to_the_good_mirror() {
    // A small IDX set written here, with its own checksums given to the downloader: runs
    // everywhere, without the real MNIST.
    let files = common::temp_dir("dl-good-files");
    write_small_idx_set(&files);
    let base = serve(files.clone());
    let root = common::temp_dir("dl-good");
    let mut o = options(&root, &base, &["missing", "corrupt", "wrong", "good"]);
    o.download.checksums = checksums_of(&files);
    assert_eq!(o.download.checksums.len(), 4);
    o.split = data::Split::Full { cv_size: Some(1) };
    let s = data::load("mnist", &o).unwrap();
    assert_eq!(
        s.train.source,
        format!("{base}/good/train-images-idx3-ubyte.gz")
    );
    assert_eq!(s.train.len() + s.cv.len(), 10);
    assert_eq!(s.test.map(|t| t.labels), Some(vec![7, 2]));
    let mut cached = files_in(&root.join("cache/mnist"));
    cached.sort();
    assert_eq!(
        cached,
        [
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz"
        ],
        "only verified files, no temporary ones"
    );

    // Now it is in the cache: the next load needs no network, and fetch just re-checks.
    let offline = LoadOptions {
        offline: true,
        ..o.clone()
    };
    let again = data::load("mnist", &offline).unwrap();
    assert_eq!(
        again.train.source,
        root.join("cache/mnist").display().to_string()
    );
    let fetched = data::fetch("mnist", &o).unwrap();
    assert!(
        fetched
            .files
            .iter()
            .all(|(_, what)| what.starts_with("already in the cache")),
        "{fetched}"
    );
    assert!(data::verify("mnist", &o).unwrap().iter().all(|c| c.ok));

    // A cached copy that goes bad: verify reports it, load refuses and deletes it, fetch restores it.
    let labels = root.join("cache/mnist/train-labels-idx1-ubyte.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&[0, 0, 8, 1, 0, 0, 0, 1, 7]).unwrap();
    std::fs::write(&labels, enc.finish().unwrap()).unwrap();
    let checks = data::verify("mnist", &offline).unwrap();
    assert!(
        checks.iter().any(|c| !c.ok
            && c.file.ends_with("train-labels-idx1-ubyte.gz")
            && matches!(c.source, Source::Cache(_))),
        "{checks:#?}"
    );
    let err = data::load("mnist", &offline).unwrap_err();
    assert!(matches!(err, DataError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("deleted from the cache"), "{err}");
    assert!(!labels.exists());
    let fetched = data::fetch("mnist", &o).unwrap();
    assert!(
        fetched
            .files
            .iter()
            .any(|(f, what)| f == "train-labels-idx1-ubyte.gz" && what.starts_with("downloaded")),
        "{fetched}"
    );
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&files).unwrap();
}

#[test]
fn every_mirror_failing_says_how_and_leaves_nothing() {
    // Every mirror fails before any checksum could pass, so the files served need not be
    // MNIST: a small valid IDX set written here (the bad mirrors corrupt or replace it).
    let files = common::temp_dir("dl-bad-files");
    write_small_idx_set(&files);
    let base = serve(files.clone());
    let root = common::temp_dir("dl-bad");
    let mut o = options(&root, &base, &["missing", "corrupt", "wrong", "stall"]);
    // The files' own checksums: each mirror fails for its own fault, not the catalog's.
    o.download.checksums = checksums_of(&files);
    let t0 = std::time::Instant::now();
    let err = data::fetch("mnist", &o).unwrap_err();
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "the stalling mirror must time out quickly"
    );
    eprintln!("{err}");
    let DataError::Download { file, attempts } = &err else {
        panic!("{err}")
    };
    assert_eq!(file, "train-images-idx3-ubyte.gz");
    assert_eq!(attempts.len(), 4, "{err}");
    assert!(
        attempts[0].contains("/missing/train-images-idx3-ubyte.gz: HTTP status 404"),
        "{err}"
    );
    assert!(
        attempts[1].contains("/corrupt/") && attempts[1].contains("corrupt gzip"),
        "{err}"
    );
    assert!(
        attempts[2].contains("/wrong/")
            && attempts[2].contains("SHA-256 of the decompressed content is"),
        "{err}"
    );
    assert!(
        attempts[3].contains("/stall/") && attempts[3].contains("timed out"),
        "{err}"
    );
    assert!(
        files_in(&root.join("cache/mnist")).is_empty(),
        "nothing left behind: {:?}",
        files_in(&root.join("cache/mnist"))
    );

    // load falls back to the embedded copy for mnist (and says so in the source)...
    let mut o = options(&root, &base, &["missing"]);
    o.download.checksums = checksums_of(&files);
    let s = data::load("mnist", &o).unwrap();
    assert_eq!(s.train.source, "embedded");
    // ... but not for the others.
    let err = data::load("fashion-mnist", &o).unwrap_err();
    assert!(matches!(err, DataError::Download { .. }), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&files).unwrap();
}

#[test]
fn archive_md5_is_checked_when_no_content_hash_is_known() {
    let dir = common::temp_dir("dl-cifar-files");
    std::fs::write(
        dir.join("cifar-10-binary.tar.gz"),
        b"\x1f\x8b not really cifar",
    )
    .unwrap();
    let base = serve(dir.clone());
    let root = common::temp_dir("dl-cifar");
    let err = data::fetch("cifar10", &options(&root, &base, &["good"])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("MD5 of the archive is")
            && msg.contains("expected c32a1d4ab5d03f1284b67883e8d87530"),
        "{msg}"
    );
    assert!(files_in(&root.join("cache/cifar10")).is_empty());
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
