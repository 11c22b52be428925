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
    let Some(shared) = common::shared_data(
        "checksum_mismatch_in_a_data_dir_is_refused_but_not_deleted",
        &["mnist"],
    ) else {
        return;
    };
    let root = common::temp_dir("user-sum");
    let dir = root.join("data/mnist");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        shared.join("mnist/train-images-idx3-ubyte.gz"),
        dir.join("train-images-idx3-ubyte.gz"),
    )
    .unwrap();
    // Labels with one label changed: a valid IDX file, not the published one.
    let mut labels = vec![0u8; 60_000];
    labels[0] = 3;
    std::fs::write(
        dir.join("train-labels-idx1-ubyte.gz"),
        gz(&idx(&[60_000], &labels)),
    )
    .unwrap();
    let err = data::load("mnist", &common::isolated(&root)).unwrap_err();
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
