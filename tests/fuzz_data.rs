//! The data parsers' front door, fuzzed: arbitrary bytes and mutated valid files (bytes
//! flipped, inserted, cut; header fields such as IDX dimension sizes, NPY shapes and dtypes,
//! CIFAR-10 record lengths set to extreme values) fed through `load` to every format — IDX
//! (gzip and plain), CIFAR-10 binary (folder and archive), NPY, CSV, image folders (PNG and
//! JPEG) — and to dataset names. Each must give an error or a valid set: never a panic, never
//! an abort, and never one allocation far beyond what the input could hold (a counting
//! allocator below records the largest request; a header claiming 2^31 × 2^31 rows must be
//! refused by comparing with the file's length before allocating).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use mlplab::data::{self, LoadOptions, Split};
use proptest::prelude::*;

/// The largest single allocation the loaders may make on these small inputs (the biggest
/// legitimate one is a synthetic set of default size, about 60 MB).
const LIMIT: usize = 256 << 20;

/// Largest allocation request seen by any thread of this test binary.
static LARGEST: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, recording the largest request; a request over 4 × [`LIMIT`] is
/// refused outright (the process then aborts, failing the test run, instead of swapping).
struct Counting;

// SAFETY: every method delegates to the system allocator (or returns null, which
// `GlobalAlloc` allows for a request it cannot satisfy).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() > 4 * LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout (every path above delegates).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() > 4 * LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        if new_size > 4 * LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from `System` with `layout`; the caller's contract is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn check_allocations() {
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest <= LIMIT,
        "an allocation of {largest} bytes (limit {LIMIT})"
    );
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One change to a valid file.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at (position mod length).
    Flip(usize, u8),
    /// Insert bytes at (position mod length + 1).
    Insert(usize, Vec<u8>),
    /// Keep only the first (position mod length + 1) bytes.
    Truncate(usize),
    /// Overwrite four bytes at (position mod length) with a big-endian `u32` (header fields).
    SetU32(usize, u32),
}

fn extreme_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(u32::MAX),
        0u32..100,
        any::<u32>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(p, x)| Mutation::Flip(p, x)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(p, b)| Mutation::Insert(p, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        // Header fields live in the first bytes: aim there most of the time.
        (0usize..24, extreme_u32()).prop_map(|(p, v)| Mutation::SetU32(p, v)),
        (any::<usize>(), extreme_u32()).prop_map(|(p, v)| Mutation::SetU32(p, v)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..4)
}

fn apply(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        if bytes.is_empty() {
            bytes.push(0);
        }
        let n = bytes.len();
        match m {
            Mutation::Flip(p, x) => bytes[p % n] ^= x,
            Mutation::Insert(p, b) => {
                let at = p % n + 1;
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Truncate(p) => bytes.truncate(p % n + 1),
            Mutation::SetU32(p, v) => {
                for (i, b) in v.to_be_bytes().into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(p % n + i) {
                        *slot = b;
                    }
                }
            }
        }
    }
    bytes
}

/// Options that reach nothing outside `root`, with a split any non-empty set satisfies.
fn options(root: &Path) -> LoadOptions {
    LoadOptions {
        split: Split::Full { cv_size: None },
        ..common::isolated(root)
    }
}

/// Loads `name`: an error or a set whose labels are all below its class count.
fn load_ok_or_error(name: &str, o: &LoadOptions) {
    if let Ok(s) = data::load(name, o) {
        for d in std::iter::once(&s.train)
            .chain(std::iter::once(&s.cv))
            .chain(&s.test)
        {
            assert!(
                d.labels.iter().all(|&l| (l as usize) < d.n_classes),
                "{name}"
            );
            assert_eq!(d.features.len(), d.len() * d.n_features, "{name}");
        }
    }
    check_allocations();
}

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

fn fresh(tag: &str) -> std::path::PathBuf {
    // One folder per thread and tag; proptest runs a property's cases one after another.
    let id =
        format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_alphanumeric(), "");
    common::temp_dir(&format!("fuzz-{tag}-{id}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn idx_files(images in mutations(), labels in mutations(), zip in any::<(bool, bool)>(),
                 raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let root = fresh("idx");
        let dir = root.join("set");
        std::fs::create_dir_all(&dir).unwrap();
        let img = apply(idx(&[4, 2, 3], &(0..24).collect::<Vec<u8>>()), &images);
        let lab = apply(idx(&[4], &[0, 1, 2, 1]), &labels);
        let write = |name: &str, bytes: Vec<u8>, z: bool| {
            let (file, bytes) = if z { (format!("{name}.gz"), gz(&bytes)) } else { (name.to_string(), bytes) };
            std::fs::write(dir.join(file), bytes).unwrap();
        };
        write("train-images-idx3-ubyte", img, zip.0);
        write("train-labels-idx1-ubyte", lab, zip.1);
        // A test set of arbitrary bytes (possibly a broken gzip stream).
        std::fs::write(dir.join("t10k-images-idx3-ubyte.gz"), &raw).unwrap();
        std::fs::write(dir.join("t10k-labels-idx1-ubyte"), &raw).unwrap();
        load_ok_or_error(&format!("idx:{}", dir.display()), &options(&root));
        std::fs::remove_file(dir.join("t10k-images-idx3-ubyte.gz")).unwrap();
        load_ok_or_error(&format!("idx:{}", dir.display()), &options(&root));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn cifar_binary(ms in mutations(), member in 0usize..6, record_len in prop_oneof![Just(3073usize), 0usize..4000]) {
        let root = fresh("cifar");
        let dir = root.join("data/cifar10/cifar-10-batches-bin");
        std::fs::create_dir_all(&dir).unwrap();
        let names = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                     "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
        let record = |label: u8, len: usize| {
            let mut r = vec![label];
            r.extend((1..len.max(1)).map(|i| i as u8));
            r
        };
        let mut members = Vec::new();
        for (k, name) in names.iter().enumerate() {
            let mut bytes = record(k as u8, 3073);
            if k == member {
                bytes.extend(record(3, record_len));
                bytes = apply(bytes, &ms);
            }
            std::fs::write(dir.join(name), &bytes).unwrap();
            members.push((name, bytes));
        }
        let o = LoadOptions { data_dir: Some(root.join("data")), ..options(&root) };
        load_ok_or_error("cifar10", &o);
        // The same members as a gzip tar archive, whose own checksum is given so that the
        // archive is parsed (a tar header may claim any member size).
        std::fs::remove_dir_all(&dir).unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        for (name, bytes) in &members {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("cifar-10-batches-bin/{name}"), &bytes[..]).unwrap();
        }
        let tarred = apply(tar.into_inner().unwrap(), &ms);
        std::fs::write(root.join("data/cifar10/cifar-10-binary.tar.gz"), gz(&tarred)).unwrap();
        let mut o = o;
        o.download.checksums.insert("cifar-10-binary.tar.gz".into(), sha256_hex(&tarred));
        load_ok_or_error("cifar10", &o);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn npy_files(x_ms in mutations(), y_ms in mutations(),
                 shape in prop_oneof![Just("(3, 2)".to_string()),
                                      Just("(0, 1099511627776, 1099511627776)".to_string()),
                                      Just("(0, 4294967296, 4294967296, 4294967296)".to_string()),
                                      Just("(2147483648, 2147483648)".to_string()),
                                      Just("(18446744073709551615,)".to_string()),
                                      Just("()".to_string()),
                                      "\\([0-9, L]{0,24}\\)"],
                 descr in prop_oneof![Just("<f4"), Just("<i8"), Just("|u1"), Just(">u8"), Just("<f8"),
                                      Just("<f99999999999999"), Just("|b1"), Just("<c16"), Just("é4"), Just("")],
                 mutate in any::<(bool, bool)>(), data_len in prop_oneof![Just(0u8), Just(24), 0u8..40],
                 y_rows in prop_oneof![Just(0usize), Just(3)]) {
        let root = fresh("npy");
        let header = |descr: &str, shape: &str| {
            let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
            while (10 + h.len() + 1) % 64 != 0 { h.push(' '); }
            h.push('\n');
            let mut out = b"\x93NUMPY\x01\x00".to_vec();
            out.extend_from_slice(&(h.len() as u16).to_le_bytes());
            out.extend_from_slice(h.as_bytes());
            out
        };
        let mut x = header(descr, &shape);
        x.extend((0..data_len).collect::<Vec<_>>());
        let x = if mutate.0 { apply(x, &x_ms) } else { x };
        // Labels whose count matches a zero-row shape too, so that the features' shape is
        // what decides.
        let mut y = header("<i8", &format!("({y_rows},)"));
        for l in (0..y_rows as i64).map(|i| i % 3) { y.extend_from_slice(&l.to_le_bytes()); }
        let y = if mutate.1 { apply(y, &y_ms) } else { y };
        std::fs::write(root.join("x.npy"), x).unwrap();
        std::fs::write(root.join("y.npy"), y).unwrap();
        load_ok_or_error(&format!("npy:{},{}", root.join("x.npy").display(), root.join("y.npy").display()), &options(&root));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn csv_files(ms in mutations(), raw in prop::collection::vec(any::<u8>(), 0..200),
                 text in "[0-9a-z,;.\\-\"\n ]{0,120}", label in prop_oneof![Just(""), Just(",label=0"), Just(",label=label"), Just(",label=9")]) {
        let root = fresh("csv");
        let valid = b"f1,label,f2\n0.5,1,2\n1.5,0,3\n2,1,-4e3\n".to_vec();
        for (k, bytes) in [apply(valid, &ms), raw, text.into_bytes()].into_iter().enumerate() {
            let p = root.join(format!("{k}.csv"));
            std::fs::write(&p, bytes).unwrap();
            load_ok_or_error(&format!("csv:{}{label}", p.display()), &options(&root));
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn image_folders(ms in mutations(), jpeg in any::<bool>(), which in 0usize..3) {
        let root = fresh("img");
        let tree = root.join("tree");
        let encode = |c: u8, jpeg: bool| {
            let img = image::RgbImage::from_fn(5, 4, |x, y| image::Rgb([c, x as u8 * 40, y as u8 * 60]));
            let mut out = std::io::Cursor::new(Vec::new());
            let format = if jpeg { image::ImageFormat::Jpeg } else { image::ImageFormat::Png };
            img.write_to(&mut out, format).unwrap();
            out.into_inner()
        };
        let ext = if jpeg { "jpg" } else { "png" };
        for (k, class) in ["a", "b", "c"].iter().enumerate() {
            std::fs::create_dir_all(tree.join(class)).unwrap();
            let bytes = encode(k as u8 * 80, jpeg);
            let bytes = if k == which { apply(bytes, &ms) } else { bytes };
            std::fs::write(tree.join(class).join(format!("0.{ext}")), bytes).unwrap();
        }
        load_ok_or_error(&format!("images:{}", tree.display()), &options(&root));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn dataset_names(kind in prop_oneof![Just("blobs"), Just("spirals"), Just("random-labels"), Just("csv"),
                                         Just("npy"), Just("images"), Just("idx"), Just("nope"), Just("")],
                     params in prop::collection::vec(
                         (prop_oneof![Just("n"), Just("test"), Just("features"), Just("classes"), Just("noise"),
                                      Just("turns"), Just("seed")],
                          prop_oneof![Just("0"), Just("1"), Just("2"), Just("7"), Just("99"),
                                      Just("18446744073709551615"), Just("4294967296"),
                                      Just("100000000"), Just("-1"), Just("1e308"), Just("NaN"), Just("")]),
                         0..4),
                     garbage in prop_oneof![3 => Just(String::new()), 1 => "[a-z,=:]{0,8}".prop_map(|g| format!(",{g}"))],
                     junk in "[ -~]{0,40}") {
        let root = fresh("names");
        let text: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // Small sizes first; the fuzzed parameters that follow override them (a set of
        // legitimate size stays under 100 × 99 rows × features).
        let name = format!("{kind}:n=20,test=5,features=3,{}{garbage}", text.join(","));
        let small = params.iter().all(|(k, v)| {
            !matches!(*k, "n" | "test" | "features") || v.parse::<u64>().map_or(true, |n| !(100..=1 << 31).contains(&n))
        });
        // 10^8 rows × 3 features is legitimate but too big for a test: only located then.
        if small {
            load_ok_or_error(&name, &options(&root));
        }
        let _ = data::locate(&name, &options(&root));
        check_allocations();
        // Arbitrary printable text as a name (a known name by chance would load it: fine).
        load_ok_or_error(&junk, &options(&root));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
