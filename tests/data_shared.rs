//! Reads the real datasets in `shared/data/` (MNIST, Fashion-MNIST, cifar10-jpeg) and checks
//! their published hashes, shapes and class counts.

mod common;

use mlplab::data::{self, LoadOptions, Source, Split};

fn opts(shared: &std::path::Path, tag: &str) -> LoadOptions {
    let root = common::temp_dir(tag);
    LoadOptions {
        data_dir: Some(shared.to_path_buf()),
        ..common::isolated(&root)
    }
}

#[test]
fn mnist_hashes_shapes_labels() {
    let Some(shared) = common::shared_data("mnist_hashes_shapes_labels", &["mnist"]) else {
        return;
    };
    let o = opts(&shared, "mnist");
    let checks = data::verify("mnist", &o).unwrap();
    let from_dir: Vec<_> = checks
        .iter()
        .filter(|c| matches!(c.source, Source::DataDir(_)))
        .collect();
    assert_eq!(from_dir.len(), 4, "{checks:#?}");
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");

    let s = data::load("mnist", &o).unwrap();
    assert_eq!(s.train.source, shared.join("mnist").display().to_string());
    assert_eq!(&s.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!((s.train.len(), s.cv.len()), (10_000, 10_000));
    assert_eq!(
        (s.train.n_features, s.train.image_shape),
        (784, Some([1, 28, 28]))
    );
    assert_eq!(s.train.features.len(), 10_000 * 784);
    assert!(s.train.features.iter().all(|&x| (0.0..=1.0).contains(&x)));
    let test = s.test.unwrap();
    assert_eq!(
        test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );

    // The embedded copy is exactly the first 20,000 examples.
    let emb = data::load(
        "mnist",
        &LoadOptions {
            data_dir: None,
            ..o.clone()
        },
    )
    .unwrap();
    assert_eq!(emb.train.source, "embedded");
    assert_eq!(
        emb.train,
        data::Dataset {
            source: "embedded".into(),
            ..s.train.clone()
        }
    );
    assert_eq!(emb.cv.features, s.cv.features);
    assert!(emb.test.is_none());

    let full = data::load(
        "mnist",
        &LoadOptions {
            split: Split::Full { cv_size: None },
            ..o
        },
    )
    .unwrap();
    assert_eq!(
        full.train.class_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
}

#[test]
fn fashion_mnist_hashes_and_counts() {
    let Some(shared) = common::shared_data("fashion_mnist_hashes_and_counts", &["fashion-mnist"])
    else {
        return;
    };
    let o = LoadOptions {
        split: Split::Full {
            cv_size: Some(10_000),
        },
        ..opts(&shared, "fashion")
    };
    let checks = data::verify("fashion-mnist", &o).unwrap();
    assert_eq!(checks.len(), 4);
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    let s = data::load("fashion-mnist", &o).unwrap();
    assert_eq!((s.train.len(), s.cv.len()), (50_000, 10_000));
    assert_eq!(s.train.class_names[9], "Ankle boot");
    let test = s.test.unwrap();
    assert_eq!(test.class_counts(), vec![1000; 10]);
    let mut all = s.train.class_counts();
    for (a, b) in all.iter_mut().zip(s.cv.class_counts()) {
        *a += b;
    }
    assert_eq!(all, vec![6000; 10]);
}

#[test]
fn cifar10_jpeg_tree_hash_split_and_cache() {
    let Some(shared) =
        common::shared_data("cifar10_jpeg_tree_hash_split_and_cache", &["cifar10-jpeg"])
    else {
        return;
    };
    let o = opts(&shared, "cifar-jpeg");
    let checks = data::verify("cifar10-jpeg", &o).unwrap();
    assert_eq!(checks.len(), 1);
    assert!(checks[0].ok, "{checks:#?}");

    let t0 = std::time::Instant::now();
    let s = data::load("cifar10-jpeg", &o).unwrap();
    let first = t0.elapsed();
    assert_eq!(s.train.name, "cifar10-jpeg");
    assert_eq!(s.train.image_shape, Some([3, 32, 32]));
    assert_eq!(s.train.class_counts(), vec![1000; 10]);
    assert_eq!(s.cv.class_counts(), vec![1000; 10]);
    // Interleaved by class: example order class0[0], class1[0], ...
    assert_eq!(&s.train.labels[..12], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert_eq!(
        s.test.as_ref().map(|t| t.class_counts()),
        Some(vec![1000; 10])
    );
    assert_eq!(s.train.class_names[0], "airplane");

    // The second load reads the decoded cache and skips the tree hash.
    let t1 = std::time::Instant::now();
    let again = data::load("cifar10-jpeg", &o).unwrap();
    let second = t1.elapsed();
    assert_eq!(again, s);
    eprintln!("cifar10-jpeg: first load {first:?}, cached {second:?}");
    assert!(first.as_secs() < 60, "decoding took {first:?}");
    assert!(second < first, "cached {second:?} vs first {first:?}");
}

/// A run on the real MNIST files records, with the study, the published digests those files
/// were checked against (the report's provenance shows them).
#[test]
fn a_run_on_real_mnist_records_its_published_digests() {
    let Some(shared) = common::shared_data("a_run_on_real_mnist_records_its_digests", &["mnist"])
    else {
        return;
    };
    let root = common::temp_dir("mnist-digests");
    let out = root.join("study");
    common::cli::ok(
        common::cli::mlplab(&["train", "--dataset", "mnist", "--split", "full:200"])
            .args(["--hidden", "8", "--epochs", "1", "--offline", "-q"])
            .arg("--data-dir")
            .arg(&shared)
            .arg("--cache-dir")
            .arg(root.join("cache"))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap(),
    );
    let meta = mlplab::store::StudyReader::open(&out.join("mlplab.db"))
        .unwrap()
        .meta()
        .unwrap();
    let digests = meta
        .iter()
        .find(|(k, _)| k == "data.mnist.sha256")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        digests,
        data::published_sha256("mnist").as_deref(),
        "{meta:?}"
    );
    assert_eq!(digests.map(|d| d.matches('=').count()), Some(4));
}
