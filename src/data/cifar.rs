//! CIFAR-10's binary version: `cifar-10-binary.tar.gz`, read directly, or its extracted
//! `cifar-10-batches-bin/` folder.
//!
//! Each `.bin` member is a sequence of 3,073-byte records: 1 label byte, then 32×32 red,
//! 32×32 green, 32×32 blue pixels (row-major within a channel). The training set is
//! `data_batch_1.bin` … `data_batch_5.bin` in that order (50,000 records); the test set is
//! `test_batch.bin` (10,000).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::dataset::{Features, Raw};
use super::{DataError, files};

/// Bytes of one record: 1 label + 3 × 32 × 32 pixels.
pub(crate) const RECORD: usize = 1 + PIXELS;
/// Pixel bytes of one image.
const PIXELS: usize = 3 * 32 * 32;
/// The training members, in the official order.
pub(crate) const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
/// The test member.
pub(crate) const TEST_FILE: &str = "test_batch.bin";
/// The class-name member (one name a line).
const META_FILE: &str = "batches.meta.txt";
/// Name of the folder the archive extracts to.
pub(crate) const FOLDER: &str = "cifar-10-batches-bin";
/// CIFAR-10's classes in label order (as `batches.meta.txt` lists them).
pub(crate) const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The official training set and (if its member is present) test set.
#[derive(Debug)]
pub(crate) struct Cifar {
    pub train: Raw,
    pub test: Option<Raw>,
}

/// Appends the records of one `.bin` file to `pixels`/`labels`.
fn parse_records(
    bytes: &[u8],
    file: &str,
    pixels: &mut Vec<u8>,
    labels: &mut Vec<u32>,
) -> Result<(), DataError> {
    if !bytes.len().is_multiple_of(RECORD) {
        return Err(DataError::format(
            file,
            "size",
            format!(
                "{} bytes ({} records and {} bytes over)",
                bytes.len(),
                bytes.len() / RECORD,
                bytes.len() % RECORD
            ),
            format!("a multiple of {RECORD} bytes (1 label byte + 3,072 pixel bytes per record)"),
        ));
    }
    for (i, rec) in bytes.chunks_exact(RECORD).enumerate() {
        let Some((&label, px)) = rec.split_first() else {
            continue;
        };
        if label >= 10 {
            return Err(DataError::format(
                file,
                format!("label of record {i} (byte {} of the file)", i * RECORD),
                label.to_string(),
                "a class index below 10 (the file is corrupt: re-download it)",
            ));
        }
        labels.push(u32::from(label));
        pixels.extend_from_slice(px);
    }
    Ok(())
}

/// Builds a set from named members (`members[name] = bytes`); `origin` prefixes file names
/// in errors (the archive or folder).
fn from_members(members: &BTreeMap<String, Vec<u8>>, origin: &str) -> Result<Cifar, DataError> {
    let class_names = members
        .get(META_FILE)
        .map(|m| {
            String::from_utf8_lossy(m)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|names| names.len() == 10)
        .unwrap_or_else(|| CLASSES.iter().map(|s| s.to_string()).collect());
    let set = |names: &[&str]| -> Result<Raw, DataError> {
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        for name in names {
            let bytes = members.get(*name).ok_or_else(|| {
                DataError::format(
                    origin,
                    *name,
                    "no such member",
                    format!(
                        "the CIFAR-10 binary members {} and {TEST_FILE}",
                        TRAIN_FILES.join(", ")
                    ),
                )
            })?;
            parse_records(bytes, &format!("{origin}/{name}"), &mut pixels, &mut labels)?;
        }
        Ok(Raw {
            features: Features::U8(pixels),
            labels,
            n_features: PIXELS,
            n_classes: 10,
            class_names: class_names.clone(),
            image_shape: Some([3, 32, 32]),
            class_grouped: false,
        })
    };
    let train = set(&TRAIN_FILES)?;
    let test = if members.contains_key(TEST_FILE) {
        Some(set(&[TEST_FILE])?)
    } else {
        None
    };
    Ok(Cifar { train, test })
}

/// Reads `cifar-10-binary.tar.gz` (or an uncompressed tar) held in memory.
pub(crate) fn read_archive(bytes: &[u8], file: &str) -> Result<Cifar, DataError> {
    let reader: Box<dyn Read + '_> = if files::is_gzip(bytes) {
        Box::new(flate2::read::GzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    let tar_err = |e: std::io::Error| {
        // A gzip failure surfaces as an io error from the tar reader.
        if files::is_gzip(bytes) {
            DataError::Gzip {
                file: file.to_string(),
                cause: e,
            }
        } else {
            DataError::format(file, "tar structure", e.to_string(), "a tar archive")
        }
    };
    let mut archive = tar::Archive::new(reader);
    let mut members = BTreeMap::new();
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        let path = entry.path().map_err(tar_err)?.into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(String::from) else {
            continue;
        };
        if name.ends_with(".bin") || name == META_FILE {
            // Not sized by the tar header's claim: it grows with what is actually there.
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).map_err(tar_err)?;
            members.insert(name, buf);
        }
    }
    from_members(&members, file)
}

/// Reads an extracted folder (`cifar-10-batches-bin/`, or a folder holding its files).
pub(crate) fn read_folder(dir: &Path) -> Result<Cifar, DataError> {
    let mut members = BTreeMap::new();
    for name in TRAIN_FILES.iter().chain([&TEST_FILE, &META_FILE]) {
        let path = dir.join(name);
        if path.is_file() {
            members.insert(name.to_string(), files::read(&path)?);
        }
    }
    from_members(&members, &dir.display().to_string())
}

/// The folder under `dir` that holds the `.bin` files, if any: `dir/cifar-10-batches-bin/`
/// or `dir` itself.
pub(crate) fn find_folder(dir: &Path) -> Option<std::path::PathBuf> {
    [dir.join(FOLDER), dir.to_path_buf()]
        .into_iter()
        .find(|d| d.join(TRAIN_FILES[0]).is_file())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `n` records whose label is `(i + seed) % 10` and whose pixels encode the channel.
    pub(crate) fn records(n: usize, seed: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..n {
            out.push(((i + seed) % 10) as u8);
            for c in 0..3 {
                out.extend(std::iter::repeat_n((c * 100 + i) as u8, 1024));
            }
        }
        out
    }

    /// A gzip tar holding the six members (2 records each) under `cifar-10-batches-bin/`.
    pub(crate) fn archive() -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (k, name) in TRAIN_FILES.iter().chain([&TEST_FILE]).enumerate() {
            let data = records(2, k);
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("{FOLDER}/{name}"), &data[..])
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    fn check(c: &Cifar) {
        assert_eq!(c.train.len(), 10);
        assert_eq!(c.train.labels[..4], [0, 1, 1, 2]);
        assert_eq!(c.test.as_ref().unwrap().len(), 2);
        let Features::U8(px) = &c.train.features else {
            panic!()
        };
        // Record 1 of batch 1: red plane 1, green 101, blue 201.
        assert_eq!(px[PIXELS], 1);
        assert_eq!(px[PIXELS + 1024], 101);
        assert_eq!(px[PIXELS + 2048 + 1023], 201);
    }

    #[test]
    fn archive_and_folder_agree() {
        let from_tar = read_archive(&archive(), "c.tar.gz").unwrap();
        check(&from_tar);
        let dir = std::env::temp_dir().join(format!("mlplab-cifar-{}", std::process::id()));
        let sub = dir.join(FOLDER);
        std::fs::create_dir_all(&sub).unwrap();
        for (k, name) in TRAIN_FILES.iter().chain([&TEST_FILE]).enumerate() {
            std::fs::write(sub.join(name), records(2, k)).unwrap();
        }
        let found = find_folder(&dir).unwrap();
        let from_dir = read_folder(&found).unwrap();
        check(&from_dir);
        assert_eq!(from_dir.train, from_tar.train);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn size_not_multiple_of_record() {
        let mut members = BTreeMap::new();
        let mut bad = records(2, 0);
        bad.pop();
        for name in TRAIN_FILES {
            members.insert(name.to_string(), records(1, 0));
        }
        members.insert("data_batch_3.bin".to_string(), bad);
        let msg = from_members(&members, "dir").unwrap_err().to_string();
        assert!(msg.contains("dir/data_batch_3.bin: size: found 6145 bytes (1 records and 3072 bytes over), expected a multiple of 3073"), "{msg}");
    }

    #[test]
    fn label_out_of_range_and_missing_member() {
        let mut members = BTreeMap::new();
        for name in TRAIN_FILES {
            members.insert(name.to_string(), records(1, 0));
        }
        members.get_mut("data_batch_2.bin").unwrap()[0] = 10;
        let msg = from_members(&members, "d").unwrap_err().to_string();
        assert!(
            msg.contains("d/data_batch_2.bin: label of record 0 (byte 0 of the file): found 10"),
            "{msg}"
        );
        let mut two = records(3, 0);
        two[2 * RECORD] = 77;
        members.insert("data_batch_2.bin".to_string(), two);
        let msg = from_members(&members, "d").unwrap_err().to_string();
        assert!(
            msg.contains("d/data_batch_2.bin: label of record 2 (byte 6146 of the file): found 77"),
            "{msg}"
        );
        members.remove("data_batch_2.bin");
        let msg = from_members(&members, "d").unwrap_err().to_string();
        assert!(
            msg.contains("d: data_batch_2.bin: found no such member"),
            "{msg}"
        );
    }

    #[test]
    fn corrupt_archive() {
        let mut a = archive();
        let n = a.len();
        a.truncate(n / 2);
        let err = read_archive(&a, "c.tar.gz").unwrap_err();
        assert!(matches!(err, DataError::Gzip { .. }), "{err}");
    }
}
