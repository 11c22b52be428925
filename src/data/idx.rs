//! The IDX format of MNIST and Fashion-MNIST, gzip-compressed or not.
//!
//! An IDX file is a 4-byte magic number `00 00 TT DD` (`TT = 0x08`: unsigned bytes,
//! `DD`: number of dimensions), `DD` big-endian `u32` sizes, then the data in row-major
//! order. Image files are `n × height × width` (magic `0x00000803`), label files `n`
//! (magic `0x00000801`).

use super::dataset::{Features, Raw};
use super::{DataError, files};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
pub(crate) const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
pub(crate) const LABELS_MAGIC: u32 = 0x0000_0801;

/// An IDX array of unsigned bytes: its dimensions and its `∏ dims` bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Parses decompressed IDX bytes that must carry magic `magic`.
pub(crate) fn parse(bytes: &[u8], file: &str, magic: u32) -> Result<IdxArray, DataError> {
    let ndims = (magic & 0xff) as usize;
    let what = if magic == IMAGES_MAGIC {
        "IDX images: unsigned bytes, 3 dimensions"
    } else {
        "IDX labels: unsigned bytes, 1 dimension"
    };
    let header_len = 4 + 4 * ndims;
    if bytes.len() < 4 {
        return Err(DataError::format(
            file,
            "header",
            format!("{} bytes", bytes.len()),
            format!("at least {header_len} bytes (the file is truncated or empty)"),
        ));
    }
    let found_magic = be_u32(bytes.get(0..4).unwrap_or_default());
    if found_magic != magic {
        return Err(DataError::format(
            file,
            "magic number",
            format!("0x{found_magic:08x}"),
            format!("0x{magic:08x} ({what})"),
        ));
    }
    if bytes.len() < header_len {
        return Err(DataError::format(
            file,
            "header",
            format!("{} bytes", bytes.len()),
            format!("{header_len} bytes (the file is truncated)"),
        ));
    }
    let dims: Vec<usize> = bytes
        .get(4..header_len)
        .unwrap_or_default()
        .chunks_exact(4)
        .map(|b| be_u32(b) as usize)
        .collect();
    let want = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let data = bytes.get(header_len..).unwrap_or_default();
    let shape = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×");
    match want {
        Some(want) if want == data.len() => Ok(IdxArray {
            dims,
            data: data.to_vec(),
        }),
        Some(want) => Err(DataError::format(
            file,
            "data",
            format!("{} bytes after the header", data.len()),
            format!(
                "{shape} = {want} bytes, as the header says ({})",
                if data.len() < want {
                    "the file is truncated"
                } else {
                    "the file has trailing bytes"
                }
            ),
        )),
        None => Err(DataError::format(
            file,
            "dimensions",
            shape,
            "sizes whose product fits in memory",
        )),
    }
}

/// The big-endian `u32` of the first four bytes of `b` (0 if there are fewer).
fn be_u32(b: &[u8]) -> u32 {
    b.get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes)
}

/// What a named dataset requires of its IDX files.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expect {
    /// `[height, width]` of each image, or `None` to accept any.
    pub image_size: Option<[usize; 2]>,
    /// Number of classes (a label at or above it is a corrupt file), or `None` to take
    /// `max label + 1` ([`inferred_classes`](super::dataset::inferred_classes)).
    pub n_classes: Option<usize>,
    /// With an inferred class count: every class must have an example (a training file).
    pub every_class: bool,
}

/// Builds a [`Raw`] from an image file and a label file (both already decompressed).
pub(crate) fn read_pair(
    images: (&str, &[u8]),
    labels: (&str, &[u8]),
    expect: Expect,
) -> Result<Raw, DataError> {
    let (image_file, label_file) = (images.0, labels.0);
    let img = parse(images.1, image_file, IMAGES_MAGIC)?;
    let lab = parse(labels.1, label_file, LABELS_MAGIC)?;
    let [n, h, w] = img.dims[..] else {
        return Err(DataError::format(
            image_file,
            "dimensions",
            img.dims.len().to_string(),
            "3 (images × height × width)",
        ));
    };
    // With no images the header's height × width is not bounded by the file's size.
    if n == 0 {
        return Err(DataError::format(
            image_file,
            "number of images",
            format!("0 (of {h}×{w})"),
            "at least one image",
        ));
    }
    let n_features = h.checked_mul(w).filter(|&d| d > 0).ok_or_else(|| {
        DataError::format(
            image_file,
            "image dimensions",
            format!("{h}×{w}"),
            "at least 1×1 pixels, and a pixel count that fits in memory",
        )
    })?;
    let Some(&label_count) = lab.dims.first() else {
        return Err(DataError::format(
            label_file,
            "dimensions",
            "0",
            "1 (labels)",
        ));
    };
    if let Some([eh, ew]) = expect.image_size
        && [h, w] != [eh, ew]
    {
        return Err(DataError::format(
            image_file,
            "image dimensions",
            format!("{h}×{w}"),
            format!("{eh}×{ew} for this dataset"),
        ));
    }
    if label_count != n {
        return Err(DataError::format(
            label_file,
            "label count",
            format!("{label_count} labels"),
            format!("{n}, the number of images in {image_file}"),
        ));
    }
    let labels: Vec<u32> = lab.data.iter().map(|&b| b as u32).collect();
    // The labels follow the 8-byte header: example i's label is byte 8 + i.
    let field = |i: usize| format!("label of example {i} (byte {} of the file)", 8 + i);
    let n_classes = match expect.n_classes {
        Some(k) => {
            if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| l as usize >= k) {
                return Err(DataError::format(
                    label_file,
                    field(i),
                    l.to_string(),
                    format!(
                        "a class index below {k} for this dataset (the file is corrupt: re-download it)"
                    ),
                ));
            }
            k
        }
        None => super::dataset::inferred_classes(&labels, label_file, expect.every_class, field)?,
    };
    let raw = Raw {
        features: Features::U8(img.data),
        labels,
        n_features,
        n_classes,
        class_names: super::dataset::numbered_classes(n_classes),
        image_shape: Some([1, h, w]),
        class_grouped: false,
    };
    Ok(raw)
}

/// Writes an IDX file of unsigned bytes (the inverse of [`parse`]); used by the tests and
/// by anyone cutting a subset.
#[cfg(test)]
pub(crate) fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Reads and gunzips (if needed) one IDX file from disk, returning its display name and bytes.
pub(crate) fn read_file(path: &std::path::Path) -> Result<(String, Vec<u8>), DataError> {
    let name = path.display().to_string();
    let bytes = files::gunzip_if_needed(files::read(path)?, &name)?;
    Ok((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: Expect = Expect {
        image_size: None,
        n_classes: None,
        every_class: true,
    };

    fn images(n: usize, h: usize, w: usize) -> Vec<u8> {
        encode(
            &[n, h, w],
            &(0..n * h * w).map(|i| i as u8).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn roundtrip() {
        let raw = read_pair(
            ("i", &images(3, 2, 2)),
            ("l", &encode(&[3], &[2, 0, 1])),
            ANY,
        )
        .unwrap();
        assert_eq!(raw.len(), 3);
        assert_eq!(raw.n_classes, 3);
        assert_eq!(raw.image_shape, Some([1, 2, 2]));
        assert_eq!(raw.features, Features::U8((0..12).collect()));
    }

    #[test]
    fn wrong_magic() {
        let err = read_pair(
            ("labels-as-images", &encode(&[3], &[0, 1, 2])),
            ("l", &encode(&[3], &[0, 1, 2])),
            ANY,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("labels-as-images: magic number: found 0x00000801, expected 0x00000803"),
            "{msg}"
        );
    }

    #[test]
    fn truncated() {
        let mut img = images(3, 2, 2);
        img.truncate(img.len() - 1);
        let msg = read_pair(("t.idx", &img), ("l", &encode(&[3], &[0, 1, 2])), ANY)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("t.idx: data: found 11 bytes") && msg.contains("truncated"),
            "{msg}"
        );
        let msg = parse(&[0, 0, 8, 3, 0], "short", IMAGES_MAGIC)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("short: header"), "{msg}");
        let msg = parse(&[0, 0], "tiny", IMAGES_MAGIC)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("tiny: header: found 2 bytes"), "{msg}");
    }

    #[test]
    fn count_mismatch() {
        let msg = read_pair(
            ("i", &images(3, 2, 2)),
            ("l.idx", &encode(&[2], &[0, 1])),
            ANY,
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("l.idx: label count: found 2 labels, expected 3"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_dimensions() {
        let expect = Expect {
            image_size: Some([28, 28]),
            n_classes: Some(10),
            every_class: false,
        };
        let msg = read_pair(
            ("i.idx", &images(1, 2, 2)),
            ("l", &encode(&[1], &[0])),
            expect,
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("i.idx: image dimensions: found 2×2, expected 28×28"),
            "{msg}"
        );
    }

    #[test]
    fn label_out_of_range() {
        let expect = Expect {
            image_size: None,
            n_classes: Some(10),
            every_class: false,
        };
        let msg = read_pair(
            ("i", &images(2, 1, 1)),
            ("l.idx", &encode(&[2], &[3, 10])),
            expect,
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("l.idx: label of example 1 (byte 9 of the file): found 10, expected a class index below 10"),
            "{msg}"
        );
        // Inferred classes: one label of 200 among digits is a corrupt file, not 201 classes.
        let mut labels: Vec<u8> = (0..20).map(|i| i % 10).collect();
        labels[13] = 200;
        let msg = read_pair(
            ("i", &images(20, 1, 1)),
            ("u.idx", &encode(&[20], &labels)),
            ANY,
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("u.idx: label of example 13 (byte 21 of the file): found 200, expected labels 0..200 that each occur")
                && msg.contains("201 classes from 20 rows"),
            "{msg}"
        );
    }

    /// Regression (an input of the kind tests/fuzz_data.rs feeds): zero images of
    /// 2^32-1 × 2^32-1 pixels passed the length check and made an absurd row width.
    #[test]
    fn zero_images_of_absurd_size_are_refused() {
        let mut img = vec![0, 0, 8, 3, 0, 0, 0, 0];
        img.extend_from_slice(&[0xff; 8]);
        let msg = read_pair(("i.idx", &img), ("l", &encode(&[0], &[])), ANY)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("i.idx: number of images: found 0 (of 4294967295×4294967295)"),
            "{msg}"
        );
        // A header claiming 2^31 × 2^31 × 2^31 is compared with the length, nothing allocated.
        let mut img = vec![0, 0, 8, 3];
        for _ in 0..3 {
            img.extend_from_slice(&0x8000_0000u32.to_be_bytes());
        }
        let msg = parse(&img, "big", IMAGES_MAGIC).unwrap_err().to_string();
        assert!(msg.contains("big: dimensions"), "{msg}");
    }
}
