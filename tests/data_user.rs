//! User data through `load` by name (csv:, npy:, images:, idx:), bad names and options,
//! and checksum failures of local copies.

mod common;

use std::io::Write;

use mlplab::data::{self, DataError, LoadOptions, Split};

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

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[test]
fn csv_with_test_file_and_standardization() {
    let root = common::temp_dir("user-csv");
    let train = root.join("train.csv");
    let mut text = String::from("f1,f2,species\n");
    for i in 0..40 {
        text.push_str(&format!(
            "{},{},{}\n",
            i,
            2 * i,
            if i % 2 == 0 { "setosa" } else { "virginica" }
        ));
    }
    std::fs::write(&train, text).unwrap();
    std::fs::write(root.join("test.csv"), "f1,f2,species\n1,2,virginica\n").unwrap();
    let o = LoadOptions {
        split: Split::Study {
            train_offset: 0,
            train_size: 30,
            cv_offset: 30,
            cv_size: 10,
        },
        test: Some(format!("csv:{}", root.join("test.csv").display())),
        csv: data::CsvOptions {
            label: Some(data::Column::Name("species".into())),
            ..Default::default()
        },
        standardize: true,
        ..common::isolated(&root)
    };
    let s = data::load(&format!("csv:{}", train.display()), &o).unwrap();
    assert_eq!(s.train.name, format!("csv:{}", train.display()));
    assert_eq!(s.train.class_names, ["setosa", "virginica"]);
    assert_eq!((s.train.len(), s.cv.len()), (30, 10));
    let test = s.test.unwrap();
    assert_eq!(test.labels, [1]);
    // Statistics come from the training split only: its mean is 0, the CV's is not.
    let mean = |d: &data::Dataset| (0..d.len()).map(|i| d.row(i)[0]).sum::<f32>() / d.len() as f32;
    assert!(mean(&s.train).abs() < 1e-5);
    assert!(mean(&s.cv) > 1.0);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn npy_and_idx_folders_and_image_folders_by_name() {
    let root = common::temp_dir("user-misc");
    // idx:DIR with 3×2 images, 5 examples, gzip for images and plain for labels.
    let d = root.join("idx");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("train-images-idx3-ubyte.gz"),
        gz(&idx(&[5, 3, 2], &[255; 30])),
    )
    .unwrap();
    std::fs::write(
        d.join("train-labels-idx1-ubyte"),
        idx(&[5], &[0, 1, 2, 0, 1]),
    )
    .unwrap();
    let o = LoadOptions {
        split: Split::Full { cv_size: Some(1) },
        ..common::isolated(&root)
    };
    let s = data::load(&format!("idx:{}", d.display()), &o).unwrap();
    assert_eq!((s.train.len(), s.cv.len(), s.train.n_classes), (4, 1, 3));
    assert_eq!(s.train.image_shape, Some([1, 3, 2]));
    assert!(
        s.train.features.iter().all(|&x| x == 1.0),
        "scaled to [0,1]"
    );
    assert!(s.test.is_none());
    let raw = data::load(
        &format!("idx:{}", d.display()),
        &LoadOptions {
            scale: false,
            ..o.clone()
        },
    )
    .unwrap();
    assert!(raw.train.features.iter().all(|&x| x == 255.0));

    // A corrupt gzip file is an error naming it.
    let bad = root.join("bad-idx");
    std::fs::create_dir_all(&bad).unwrap();
    let mut broken = gz(&idx(&[5, 3, 2], &[7; 30]));
    let n = broken.len();
    broken.truncate(n - 6);
    std::fs::write(bad.join("train-images-idx3-ubyte.gz"), broken).unwrap();
    std::fs::copy(
        d.join("train-labels-idx1-ubyte"),
        bad.join("train-labels-idx1-ubyte"),
    )
    .unwrap();
    let err = data::load(&format!("idx:{}", bad.display()), &o).unwrap_err();
    assert!(matches!(err, DataError::Gzip { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("bad-idx/train-images-idx3-ubyte.gz: corrupt gzip stream"),
        "{err}"
    );

    // npy:X,Y written as numpy.save would: float32 features (3, 2), int64 labels (3,).
    let npy = |descr: &str, shape: &str, data: &[u8]| {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    };
    let x: Vec<u8> = [0.5f32, 1.5, 2.5, 3.5, 4.5, 5.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let y: Vec<u8> = [1i64, 0, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(root.join("x.npy"), npy("<f4", "(3, 2)", &x)).unwrap();
    std::fs::write(root.join("y.npy"), npy("<i8", "(3,)", &y)).unwrap();
    let name = format!(
        "npy:{},{}",
        root.join("x.npy").display(),
        root.join("y.npy").display()
    );
    let s = data::load(
        &name,
        &LoadOptions {
            split: Split::Full { cv_size: None },
            ..common::isolated(&root)
        },
    )
    .unwrap();
    assert_eq!(
        s.train.features,
        [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
        "float arrays are not scaled"
    );
    assert_eq!((s.train.labels.as_slice(), s.cv.len()), (&[1, 0, 1][..], 0));

    // images:DIR with train/ and test/.
    for (part, n) in [("train", 3), ("test", 1)] {
        for class in ["cat", "dog"] {
            let dir = root.join("img").join(part).join(class);
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..n {
                image::GrayImage::from_pixel(2, 2, image::Luma([100]))
                    .save(dir.join(format!("{i}.png")))
                    .unwrap();
            }
        }
    }
    let o = LoadOptions {
        split: Split::PerClass { k: 1 },
        ..common::isolated(&root)
    };
    let s = data::load(&format!("images:{}", root.join("img").display()), &o).unwrap();
    assert_eq!(s.train.labels, [0, 1]);
    assert_eq!(s.cv.labels, [0, 1]);
    assert_eq!(s.train.image_shape, Some([1, 2, 2]));
    assert_eq!(s.test.map(|t| t.labels), Some(vec![0, 1]));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_names_and_options() {
    let root = common::temp_dir("user-bad");
    let o = common::isolated(&root);
    let msg = data::load("mnits", &o).unwrap_err().to_string();
    assert!(
        msg.contains("unknown dataset \"mnits\"") && msg.contains("fashion-mnist"),
        "{msg}"
    );
    let msg = data::load("npy:only-one.npy", &o).unwrap_err().to_string();
    assert!(msg.contains("two paths"), "{msg}");
    let msg = data::load("csv:/no/such/file.csv", &o)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("/no/such/file.csv"), "{msg}");
    // The embedded copy holds 20,000 rows: a split needing more says so.
    let big = LoadOptions {
        split: Split::Study {
            train_offset: 0,
            train_size: 50_000,
            cv_offset: 50_000,
            cv_size: 10_000,
        },
        ..o.clone()
    };
    let msg = data::load("mnist", &big).unwrap_err().to_string();
    assert!(
        msg.contains("needs the first 60000")
            && msg.contains("embedded copy, which holds only the first 20000"),
        "{msg}"
    );
    let full = LoadOptions {
        split: Split::Full { cv_size: None },
        ..o.clone()
    };
    let msg = data::load("mnist", &full).unwrap_err().to_string();
    assert!(msg.contains("needs the first 60000"), "{msg}");
    // Per-class picks from the prefix are the same examples as from the full set.
    let per_class = LoadOptions {
        split: Split::PerClass { k: 500 },
        ..o.clone()
    };
    assert_eq!(
        data::load("mnist", &per_class)
            .unwrap()
            .train
            .class_counts(),
        vec![500; 10]
    );
    // Not found anywhere: every place is listed, with how to get it.
    let msg = data::load("cifar10-jpeg", &o).unwrap_err().to_string();
    assert!(
        msg.contains("dataset cifar10-jpeg not found") && msg.contains("--data-dir"),
        "{msg}"
    );
    let msg = data::load("fashion-mnist", &o).unwrap_err().to_string();
    assert!(
        msg.contains("skipped: offline") && msg.contains("apt install dataset-fashion-mnist"),
        "{msg}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn checksum_mismatch_in_a_data_dir_is_refused_but_not_deleted() {
    // A small set whose published checksums are given to the loader (so the test needs
    // no real MNIST): the images match theirs, the labels have one label changed.
    let root = common::temp_dir("user-sum");
    let dir = root.join("data/mnist");
    std::fs::create_dir_all(&dir).unwrap();
    let images = idx(&[2, 28, 28], &[7u8; 2 * 28 * 28]);
    let published_labels = idx(&[2], &[0, 1]);
    std::fs::write(dir.join("train-images-idx3-ubyte.gz"), gz(&images)).unwrap();
    let mut o = common::isolated(&root);
    o.split = Split::Full { cv_size: Some(1) };
    for (name, content) in [
        ("train-images-idx3-ubyte.gz", &images),
        ("train-labels-idx1-ubyte.gz", &published_labels),
    ] {
        o.download
            .checksums
            .insert(name.into(), sha256_hex(content));
    }
    // With the published labels in place it loads: the checksums are what decides.
    std::fs::write(
        dir.join("train-labels-idx1-ubyte.gz"),
        gz(&published_labels),
    )
    .unwrap();
    assert_eq!(
        data::load("mnist", &o).unwrap().train.source,
        dir.display().to_string()
    );
    std::fs::write(
        dir.join("train-labels-idx1-ubyte.gz"),
        gz(&idx(&[2], &[3, 1])),
    )
    .unwrap();
    let err = data::load("mnist", &o).unwrap_err();
    let DataError::Checksum { file, removed, .. } = &err else {
        panic!("{err}")
    };
    assert!(file.ends_with("train-labels-idx1-ubyte.gz"), "{err}");
    assert!(removed.is_empty());
    assert!(err.to_string().contains("the file was not used"), "{err}");
    assert!(
        dir.join("train-labels-idx1-ubyte.gz").exists(),
        "a user's file is never deleted"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn cli_data_list_shows_embedded() {
    let root = common::temp_dir("user-cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlplab"))
        .args(["data", "list", "--offline", "--cache-dir"])
        .arg(root.join("cache"))
        .env_remove("MLPLAB_DATA")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.lines().any(|l| l == "mnist: embedded"), "{text}");
    assert!(text.contains("cifar10-jpeg: not available"), "{text}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn cifar10_from_an_extracted_folder_and_a_wrong_archive() {
    let root = common::temp_dir("user-cifar");
    let dir = root.join("data/cifar10/cifar-10-batches-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let names = [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
    ];
    for (k, name) in names.iter().enumerate() {
        let mut bytes = Vec::new();
        for i in 0..2u8 {
            bytes.push((k as u8 + i) % 10);
            for c in [10u8, 20, 30] {
                bytes.extend(std::iter::repeat_n(c + i, 1024));
            }
        }
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let o = LoadOptions {
        split: Split::Full { cv_size: Some(2) },
        scale: false,
        ..common::isolated(&root)
    };
    let s = data::load("cifar10", &o).unwrap();
    assert_eq!(
        (s.train.len(), s.cv.len(), s.test.as_ref().map(|t| t.len())),
        (8, 2, Some(2))
    );
    assert_eq!(s.train.image_shape, Some([3, 32, 32]));
    assert_eq!(s.train.class_names[9], "truck");
    assert_eq!(
        (
            s.train.row(1)[0],
            s.train.row(1)[1024],
            s.train.row(1)[2048]
        ),
        (11.0, 21.0, 31.0),
        "red, then green, then blue"
    );
    // An archive that is not the published one is refused (and, being the user's, kept).
    std::fs::write(
        root.join("data/cifar10/cifar-10-binary.tar.gz"),
        b"\x1f\x8b not cifar",
    )
    .unwrap();
    let msg = data::load("cifar10", &o).unwrap_err().to_string();
    assert!(
        msg.contains("cifar-10-binary.tar.gz: MD5 of the archive mismatch")
            && msg.contains("not used"),
        "{msg}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A `.npy` file as `numpy.save` writes it (version 1), with a header dict of our choosing.
fn npy_raw(header: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn npy_file(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    npy_raw(
        &format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"),
        data,
    )
}

/// What `load` says for `name` (the error text, or a summary of what it read), with the
/// temp folder written as `ROOT`.
fn outcome(name: &str, o: &LoadOptions, root: &std::path::Path) -> String {
    let text = match data::load(name, o) {
        Ok(s) => format!(
            "ok: {} rows × {}, classes {:?}, labels {:?}, features {:?}, image {:?}, test {:?}",
            s.train.len(),
            s.train.n_features,
            s.train.class_names,
            s.train.labels,
            s.train.features,
            s.train.image_shape,
            s.test.map(|t| (t.labels, t.class_names)),
        ),
        Err(e) => e.to_string(),
    };
    text.replace(&root.display().to_string(), "ROOT")
}

/// Every way a CSV file, an `.npy` pair or a user test set can be read or refused, with the
/// exact text: the split of `csv::read`, `npy::parse` and the user-data loader into named
/// steps must not change one of them.
#[test]
fn user_data_outcomes_are_pinned() {
    let root = common::temp_dir("user-pinned");
    let o = LoadOptions {
        split: Split::Full { cv_size: None },
        ..common::isolated(&root)
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut check = |label: &str, name: String, o: &LoadOptions| {
        seen.push((label.to_string(), outcome(&name, o, &root)));
    };
    // CSV files.
    let csv = |file: &str, text: &[u8]| {
        let p = root.join(file);
        std::fs::write(&p, text).unwrap();
        format!("csv:{}", p.display())
    };
    let with = |csv: data::CsvOptions| LoadOptions { csv, ..o.clone() };
    let label = |c: data::Column| {
        with(data::CsvOptions {
            label: Some(c),
            ..Default::default()
        })
    };
    use data::Column::{Index, Name};
    let good = csv("good.csv", b"a,LABEL,b\n1,2,3\n4,0,5.5\n7,1,2\n");
    check("csv numeric labels, LABEL column", good.clone(), &o);
    check(
        "csv string labels by index",
        csv("str.csv", b"1,2,cat\n3,4,dog\n5,6,cat\n"),
        &label(Index(2)),
    );
    check(
        "csv delimiter",
        good.clone(),
        &with(data::CsvOptions {
            delimiter: 'é',
            ..Default::default()
        }),
    );
    check(
        "csv semicolons",
        csv("semi.csv", b"0;1.5\n1;2.5\n"),
        &with(data::CsvOptions {
            delimiter: ';',
            label: Some(Index(0)),
            ..Default::default()
        }),
    );
    check("csv not utf-8", csv("utf.csv", b"1,2\n\xff,3\n"), &o);
    check("csv empty", csv("empty.csv", b""), &o);
    check("csv one row", csv("one.csv", b"a,b\n"), &label(Index(0)));
    check(
        "csv header only",
        csv("hdr.csv", b"a,b\n"),
        &with(data::CsvOptions {
            header: Some(true),
            label: Some(Name("a".into())),
            ..Default::default()
        }),
    );
    check(
        "csv forced no header",
        good.clone(),
        &with(data::CsvOptions {
            header: Some(false),
            label: Some(Index(0)),
            ..Default::default()
        }),
    );
    check("csv label index too big", good.clone(), &label(Index(3)));
    check(
        "csv label name unknown",
        good.clone(),
        &label(Name("y".into())),
    );
    check(
        "csv label name found",
        good.clone(),
        &label(Name("b".into())),
    );
    let bare = csv("bare.csv", b"1,2\n3,4\n");
    check(
        "csv label name, no header",
        bare.clone(),
        &label(Name("y".into())),
    );
    check("csv one field", csv("field.csv", b"1\n2\n"), &o);
    check(
        "csv one field, bad label",
        csv("field2.csv", b"1\n2\n"),
        &label(Index(1)),
    );
    check(
        "csv field count",
        csv("count.csv", b"label,a,b\n1,2,3\n0,1\n"),
        &o,
    );
    check(
        "csv non-number, header",
        csv("nan1.csv", b"label,a,b\n1,2,3\n0,1,abc\n"),
        &o,
    );
    check(
        "csv non-number, no header",
        csv("nan2.csv", b"1,2,3\n0,1,inf\n"),
        &label(Index(0)),
    );
    check(
        "csv negative label",
        csv("neg.csv", b"-1,2\n0,1\n"),
        &label(Index(0)),
    );
    // A CSV test file against the training file's classes.
    let numeric_test = csv("t-num.csv", b"1,0,9\n7,0,9\n") + ",label=0";
    check(
        "csv test label beyond the training classes",
        good.clone(),
        &LoadOptions {
            test: Some(numeric_test),
            ..o.clone()
        },
    );
    let numeric_ok = csv("t-num-ok.csv", b"1,0,9\n2,1,8\n") + ",label=0";
    check(
        "csv test file ok",
        good.clone(),
        &LoadOptions {
            test: Some(numeric_ok),
            ..o.clone()
        },
    );
    let named_test = csv("t-str.csv", b"1,2,cow\n");
    check(
        "csv test label not a training class",
        csv("str2.csv", b"1,2,cat\n3,4,dog\n"),
        &LoadOptions {
            test: Some(named_test),
            ..label(Index(2))
        },
    );
    check(
        "csv test file of another width",
        good.clone(),
        &LoadOptions {
            test: Some(csv("t-wide.csv", b"1,0,9,9\n") + ",label=0"),
            ..o.clone()
        },
    );
    check(
        "csv test file not user data",
        good.clone(),
        &LoadOptions {
            test: Some("mnist".into()),
            ..o.clone()
        },
    );

    // NumPy pairs.
    let labels3: Vec<u8> = [1i64, 0, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(root.join("y.npy"), npy_file("<i8", "(3,)", &labels3)).unwrap();
    let ypath = root.join("y.npy");
    let mut npy = |label: &str, x: Vec<u8>, y: Option<Vec<u8>>| {
        let xp = root.join("x.npy");
        std::fs::write(&xp, x).unwrap();
        let yp = match y {
            Some(y) => {
                let p = root.join("y2.npy");
                std::fs::write(&p, y).unwrap();
                p
            }
            None => ypath.clone(),
        };
        check(label, format!("npy:{},{}", xp.display(), yp.display()), &o);
    };
    let f4: Vec<u8> = [0.5f32, 1.5, 2.5, 3.5, 4.5, 5.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    npy("npy f4", npy_file("<f4", "(3, 2)", &f4), None);
    let f8: Vec<u8> = [0.25f64, -1.0, 3.0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    npy("npy >f8", npy_file(">f8", "(3,)", &f8), None);
    let i2: Vec<u8> = [-2i16, 300, 7]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    npy("npy >i2", npy_file(">i2", "(3, 1)", &i2), None);
    let u4: Vec<u8> = [1u32, 70000, 3]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    npy("npy <u4", npy_file("<u4", "(3L, 1L)", &u4), None);
    npy("npy i1", npy_file("|i1", "(3,)", &[255, 1, 128]), None);
    npy(
        "npy u1 images",
        npy_file("|u1", "(3, 2, 2)", &[10; 12]),
        None,
    );
    npy(
        "npy u1 colour images",
        npy_file("|u1", "(3, 3, 1, 1)", &[10; 9]),
        None,
    );
    npy("npy magic", b"PK\x03\x04 not numpy".to_vec(), None);
    npy("npy short", b"\x93NUMPY\x01".to_vec(), None);
    npy(
        "npy version",
        b"\x93NUMPY\x04\x00\x10\x00xxxx".to_vec(),
        None,
    );
    npy(
        "npy version 2, short",
        b"\x93NUMPY\x02\x00\x10\x00".to_vec(),
        None,
    );
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n";
    v2.extend_from_slice(&(h.len() as u32).to_le_bytes());
    v2.extend_from_slice(h.as_bytes());
    v2.extend_from_slice(&f4);
    npy("npy version 2", v2, None);
    npy(
        "npy truncated header",
        b"\x93NUMPY\x01\x00\xff\x00{'descr'".to_vec(),
        None,
    );
    npy(
        "npy no descr",
        npy_raw("{'fortran_order': False, 'shape': (3,), }", &[0; 3]),
        None,
    );
    npy(
        "npy fortran",
        npy_raw(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }",
            &f4,
        ),
        None,
    );
    npy(
        "npy no shape",
        npy_raw("{'descr': '<f4', 'fortran_order': False, }", &f4),
        None,
    );
    npy("npy bad shape", npy_file("<f4", "(3, x)", &f4), None);
    npy("npy endian", npy_file("!f4", "(3, 2)", &f4), None);
    npy("npy no size", npy_file("<U", "(3, 2)", &f4), None);
    npy("npy bool", npy_file("|b1", "(3, 2)", &[0; 6]), None);
    npy(
        "npy complex, wrong length",
        npy_file("<c8", "(3, 2)", &f4),
        None,
    );
    npy("npy f2", npy_file("<f2", "(3, 2)", &[0; 12]), None);
    npy("npy truncated", npy_file("<f4", "(3, 2)", &f4[..20]), None);
    npy("npy trailing", npy_file("<f4", "(3, 1)", &f4), None);
    npy("npy scalar", npy_file("<f4", "()", &f4[..4]), None);
    npy(
        "npy 2-D labels",
        npy_file("<f4", "(3, 2)", &f4),
        Some(npy_file("<i8", "(3, 1)", &labels3)),
    );
    npy(
        "npy label count",
        npy_file("<f4", "(3, 2)", &f4),
        Some(npy_file("<i8", "(2,)", &labels3[..16])),
    );
    let negative: Vec<u8> = [1i64, -4, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(
        "npy negative label",
        npy_file("<f4", "(3, 2)", &f4),
        Some(npy_file("<i8", "(3,)", &negative)),
    );
    npy(
        "npy float labels",
        npy_file("<f4", "(3, 2)", &f4),
        Some(npy_file("<f4", "(3,)", &f4[..12])),
    );
    npy(
        "npy u1 labels",
        npy_file("<f4", "(3, 2)", &f4),
        Some(npy_file("|u1", "(3,)", &[0, 2, 1])),
    );

    // Image folders whose test classes differ from the training classes.
    for (part, classes) in [("train", ["cat", "dog"]), ("test", ["cat", "cow"])] {
        for class in classes {
            let dir = root.join("img").join(part).join(class);
            std::fs::create_dir_all(&dir).unwrap();
            image::GrayImage::from_pixel(2, 2, image::Luma([100]))
                .save(dir.join("0.png"))
                .unwrap();
        }
    }
    check(
        "images test classes",
        format!("images:{}", root.join("img").display()),
        &o,
    );
    // A user test set with more classes than the training set.
    let y9: Vec<u8> = [9i64, 0, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(root.join("x.npy"), npy_file("<f4", "(3, 2)", &f4)).unwrap();
    std::fs::write(root.join("y9.npy"), npy_file("<i8", "(3,)", &y9)).unwrap();
    let pair = |y: &str| {
        format!(
            "npy:{},{}",
            root.join("x.npy").display(),
            root.join(y).display()
        )
    };
    check(
        "npy test with more classes",
        pair("y.npy"),
        &LoadOptions {
            test: Some(pair("y9.npy")),
            ..o.clone()
        },
    );
    let yt: Vec<u8> = [0i64, 2, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(root.join("yt.npy"), npy_file("<i8", "(3,)", &yt)).unwrap();
    check(
        "npy test ok",
        pair("y.npy"),
        &LoadOptions {
            test: Some(pair("yt.npy")),
            ..o.clone()
        },
    );

    // A dtype starting with a multi-byte character: refused (it made the old parser panic).
    std::fs::write(root.join("xe.npy"), npy_file("é4", "(3, 2)", &f4)).unwrap();
    check(
        "npy multi-byte dtype",
        format!(
            "npy:{},{}",
            root.join("xe.npy").display(),
            root.join("y.npy").display()
        ),
        &o,
    );

    // Captured from the loader before its split into steps (commit d62fc39).
    let expected: &[(&str, &str)] = &[
        (
            "csv numeric labels, LABEL column",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [2, 0, 1], features [1.0, 3.0, 4.0, 5.5, 7.0, 2.0], image None, test None",
        ),
        (
            "csv string labels by index",
            "ok: 3 rows × 2, classes [\"cat\", \"dog\"], labels [0, 1, 0], features [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], image None, test None",
        ),
        (
            "csv delimiter",
            "csv.delimiter: 'é' is not valid: a single ASCII character such as ',' ';' or '\\t'",
        ),
        (
            "csv semicolons",
            "ok: 2 rows × 1, classes [\"0\", \"1\"], labels [0, 1], features [1.5, 2.5], image None, test None",
        ),
        (
            "csv not utf-8",
            "ROOT/utf.csv: CSV syntax: found CSV parse error: record 1 (line 2, field: 0, byte: 4): invalid utf-8: invalid UTF-8 in field 0 near byte index 0, expected well-formed CSV (UTF-8, quoted fields closed)",
        ),
        (
            "csv empty",
            "ROOT/empty.csv: rows: found none, expected at least one example row",
        ),
        (
            "csv one row",
            "ROOT/one.csv: row 1 (line 1), field 2: found \"b\", expected a finite number",
        ),
        (
            "csv header only",
            "ROOT/hdr.csv: rows: found a header and no data, expected at least one example row",
        ),
        (
            "csv forced no header",
            "ROOT/good.csv: row 1 (line 1), field 2: found \"LABEL\", expected a finite number",
        ),
        (
            "csv label index too big",
            "csv.label: 3 is not valid: a column index below 3 (the first row has 3 fields)",
        ),
        (
            "csv label name unknown",
            "csv.label: \"y\" is not valid: one of the header's columns: a, LABEL, b",
        ),
        (
            "csv label name found",
            "ROOT/good.csv: row 2 (line 3), label column \"b\" (field 3): found \"5.5\", expected a class index 0, 1, 2, … (a non-negative integer), or class names that are not numbers",
        ),
        (
            "csv label name, no header",
            "csv.label: \"y\" is not valid: a column index: ROOT/bare.csv has no header row (pass the label column's 0-based index)",
        ),
        (
            "csv one field",
            "ROOT/field.csv: row 1: found 1 field, expected at least 2 fields (a label and one feature)",
        ),
        (
            "csv one field, bad label",
            "ROOT/field2.csv: row 1: found 1 field, expected at least 2 fields (a label and one feature)",
        ),
        (
            "csv field count",
            "ROOT/count.csv: row 2 (line 3): found 2 fields, expected 3 fields, as in the first row",
        ),
        (
            "csv non-number, header",
            "ROOT/nan1.csv: row 2 (line 3), column \"b\" (field 3): found \"abc\", expected a finite number",
        ),
        (
            "csv non-number, no header",
            "ROOT/nan2.csv: row 2 (line 2), field 3: found \"inf\", expected a finite number",
        ),
        (
            "csv negative label",
            "ROOT/neg.csv: row 1 (line 1), label field 1: found \"-1\", expected a class index 0, 1, 2, … (a non-negative integer), or class names that are not numbers",
        ),
        (
            "csv test label beyond the training classes",
            "ROOT/t-num.csv: row 2 (line 2), label field 1: found \"7\", expected a class index below 3, as in the training file",
        ),
        (
            "csv test file ok",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [2, 0, 1], features [1.0, 3.0, 4.0, 5.5, 7.0, 2.0], image None, test Some(([1, 2], [\"0\", \"1\", \"2\"]))",
        ),
        (
            "csv test label not a training class",
            "ROOT/t-str.csv: row 1 (line 1), label field 3: found \"cow\", expected one of the training file's classes: cat, dog",
        ),
        (
            "csv test file of another width",
            "csv:ROOT/t-wide.csv,label=0: features per example: found 3, expected 2, as in the training set",
        ),
        (
            "csv test file not user data",
            "test: \"mnist\" is not valid: a user-data name (csv:FILE, npy:X.npy,Y.npy, images:DIR, idx:DIR)",
        ),
        (
            "npy f4",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], image None, test None",
        ),
        (
            "npy >f8",
            "ok: 3 rows × 1, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.25, -1.0, 3.0], image None, test None",
        ),
        (
            "npy >i2",
            "ok: 3 rows × 1, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [-2.0, 300.0, 7.0], image None, test None",
        ),
        (
            "npy <u4",
            "ok: 3 rows × 1, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [1.0, 70000.0, 3.0], image None, test None",
        ),
        (
            "npy i1",
            "ok: 3 rows × 1, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [-1.0, 1.0, -128.0], image None, test None",
        ),
        (
            "npy u1 images",
            "ok: 3 rows × 4, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688], image Some([1, 2, 2]), test None",
        ),
        (
            "npy u1 colour images",
            "ok: 3 rows × 3, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688, 0.039215688], image Some([3, 1, 1]), test None",
        ),
        (
            "npy magic",
            "ROOT/x.npy: magic number: found 50 4b 03 04 20 6e, expected 93 4e 55 4d 50 59 (\"\\x93NUMPY\", a file written by numpy.save)",
        ),
        (
            "npy short",
            "ROOT/x.npy: magic number: found 93 4e 55 4d 50 59, expected 93 4e 55 4d 50 59 (\"\\x93NUMPY\", a file written by numpy.save)",
        ),
        (
            "npy version",
            "ROOT/x.npy: format version: found 4, expected 1, 2 or 3",
        ),
        (
            "npy version 2, short",
            "ROOT/x.npy: format version: found 2, expected 1, 2 or 3",
        ),
        (
            "npy version 2",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], image None, test None",
        ),
        (
            "npy truncated header",
            "ROOT/x.npy: header: found 18 bytes, expected at least 265 bytes (the file is truncated)",
        ),
        (
            "npy no descr",
            "ROOT/x.npy: header 'descr': found {'fortran_order': False, 'shape': (3,), }, expected a dtype such as '<f4'",
        ),
        (
            "npy fortran",
            "ROOT/x.npy: fortran_order: found True, expected False (save np.ascontiguousarray(x))",
        ),
        (
            "npy no shape",
            "ROOT/x.npy: header 'shape': found {'descr': '<f4', 'fortran_order': False, }, expected a tuple such as (60000, 784)",
        ),
        (
            "npy bad shape",
            "ROOT/x.npy: header 'shape': found (3, x), expected a tuple of non-negative integers",
        ),
        (
            "npy endian",
            "ROOT/x.npy: dtype: found !f4, expected one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        ),
        (
            "npy no size",
            "ROOT/x.npy: dtype: found <U, expected one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        ),
        (
            "npy bool",
            "ROOT/x.npy: dtype: found |b1, expected one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        ),
        (
            "npy complex, wrong length",
            "ROOT/x.npy: data: found 24 bytes, expected 6 values × 8 bytes = 48 bytes for shape (3, 2) (the file is truncated)",
        ),
        (
            "npy f2",
            "ROOT/x.npy: dtype: found <f2, expected one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        ),
        (
            "npy truncated",
            "ROOT/x.npy: data: found 20 bytes, expected 6 values × 4 bytes = 24 bytes for shape (3, 2) (the file is truncated)",
        ),
        (
            "npy trailing",
            "ROOT/x.npy: data: found 24 bytes, expected 3 values × 4 bytes = 12 bytes for shape (3, 1) (the file has trailing bytes)",
        ),
        (
            "npy scalar",
            "ROOT/x.npy: shape: found () (a scalar), expected (n, …), one row per example",
        ),
        (
            "npy 2-D labels",
            "ROOT/y2.npy: shape: found [3, 1], expected (n,), one label per example (use y.ravel())",
        ),
        (
            "npy label count",
            "ROOT/y2.npy: label count: found 2, expected 3, the number of rows of ROOT/x.npy",
        ),
        (
            "npy negative label",
            "ROOT/y2.npy: label of example 1: found -4, expected a class index ≥ 0",
        ),
        (
            "npy float labels",
            "ROOT/y2.npy: dtype: found a float dtype, expected an integer dtype (save y.astype(np.int64))",
        ),
        (
            "npy u1 labels",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [0, 2, 1], features [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], image None, test None",
        ),
        (
            "images test classes",
            "images:ROOT/img: class folders: found cat, cow, expected the training set's: cat, dog",
        ),
        (
            "npy test with more classes",
            "ROOT/x.npy: classes: found 10, expected at most 3, the training set's",
        ),
        (
            "npy test ok",
            "ok: 3 rows × 2, classes [\"0\", \"1\", \"2\"], labels [1, 0, 2], features [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], image None, test Some(([0, 2, 2], [\"0\", \"1\", \"2\"]))",
        ),
        (
            "npy multi-byte dtype",
            "ROOT/xe.npy: dtype: found é4, expected one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        ),
    ];
    assert_eq!(seen.len(), expected.len());
    let mut wrong = Vec::new();
    for ((label, got), (l, want)) in seen.iter().zip(expected) {
        assert_eq!(label, l);
        if got != want {
            wrong.push(format!("{label}:\n  got  {got}\n  want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    std::fs::remove_dir_all(&root).unwrap();
}

/// A small 28×28 IDX set in `dir` under MNIST's training file names, and the checksums
/// that make it the expected one.
fn small_mnist(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    std::fs::create_dir_all(dir).unwrap();
    let images = idx(&[3, 28, 28], &[9u8; 3 * 28 * 28]);
    let labels = idx(&[3], &[4, 1, 7]);
    let mut sums = std::collections::BTreeMap::new();
    for (name, content) in [
        ("train-images-idx3-ubyte.gz", &images),
        ("train-labels-idx1-ubyte.gz", &labels),
    ] {
        std::fs::write(dir.join(name), gz(content)).unwrap();
        sums.insert(name.to_string(), sha256_hex(content));
    }
    sums
}

#[test]
fn an_explicit_data_dir_that_does_not_exist_is_an_error() {
    let root = common::temp_dir("user-typo");
    let typo = root.join("dtaa");
    let o = LoadOptions {
        data_dir: Some(typo.clone()),
        ..common::isolated(&root)
    };
    for err in [
        data::load("mnist", &o).unwrap_err(),
        data::locate("mnist", &o).unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("--data-dir: {} is not valid", typo.display()))
                && msg.contains("does not exist"),
            "{msg}"
        );
    }
    // The command line, by flag and by MLPLAB_DATA: an error naming the folder, not the
    // embedded copy.
    for by_env in [false, true] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mlplab"));
        cmd.args(["data", "show", "mnist", "--offline", "--cache-dir"])
            .arg(root.join("cache"));
        if by_env {
            cmd.env("MLPLAB_DATA", &typo);
        } else {
            cmd.env_remove("MLPLAB_DATA").arg("--data-dir").arg(&typo);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(&typo.display().to_string()), "{err}");
        assert!(out.stdout.is_empty(), "nothing loaded");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn every_fall_back_is_said_with_the_source_used() {
    let root = common::temp_dir("user-fallback");
    // Nothing in the data dir, offline: the embedded copy, and the note says why.
    let o = common::isolated(&root);
    let s = data::load("mnist", &o).unwrap();
    let note = s.note.unwrap();
    assert!(
        note.starts_with("mnist: using the embedded copy (MNIST's first 20000")
            && note.contains(&format!("data dir {}", root.join("data/mnist").display()))
            && note.contains("skipped: offline"),
        "{note}"
    );
    // The set in the cache: read from there, and said.
    let mut o = common::isolated(&root);
    o.split = Split::Full { cv_size: Some(1) };
    o.download.checksums = small_mnist(&root.join("cache/mnist"));
    let s = data::load("mnist", &o).unwrap();
    let cache = root.join("cache/mnist").display().to_string();
    assert_eq!(s.train.source, cache);
    let note = s.note.unwrap();
    assert!(
        note.starts_with(&format!("mnist: using cache {cache}; not from: data dir")),
        "{note}"
    );
    // In the data dir: the first place looked at, nothing to say.
    small_mnist(&root.join("data/mnist"));
    let s = data::load("mnist", &o).unwrap();
    assert_eq!(
        s.train.source,
        root.join("data/mnist").display().to_string()
    );
    assert_eq!(s.note, None);
    // User and synthetic data have no fall-back.
    assert_eq!(data::load("blobs", &o).unwrap().note, None);

    // The command line prints the note on stderr; offline with no data dir given, `mnist`
    // still works from the embedded copy.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlplab"))
        .args(["data", "show", "mnist", "--offline", "--cache-dir"])
        .arg(root.join("empty-cache"))
        .env_remove("MLPLAB_DATA")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("mlplab: mnist: using the embedded copy")
            && err.contains("data dir: skipped: no --data-dir nor MLPLAB_DATA"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("mnist (from embedded)"));
    std::fs::remove_dir_all(&root).unwrap();
}
