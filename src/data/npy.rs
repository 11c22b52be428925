//! NumPy `.npy` arrays: a features array (`n × …`) and a labels array (`n`), as written by
//! `np.save`. Format: magic `\x93NUMPY`, version, a header length (`u16` for version 1,
//! `u32` for 2 and 3), a Python-dict header (`descr`, `fortran_order`, `shape`), then the
//! data in C order.
//!
//! Features of dtype `uint8` are taken as pixels (scaled by `1/255` like images, unless
//! scaling is off); any other numeric dtype is converted to `f32` as is. A 3-D array
//! `n × h × w` is a set of grey images (`image_shape = [1, h, w]`), a 4-D `n × c × h × w`
//! with `c ∈ {1, 3}` is channel-major images; other shapes are flattened per example.
//! Labels must have an integer dtype (or `uint8`), values `≥ 0`.

use std::path::Path;

use super::dataset::{Features, Raw};
use super::{DataError, files};

/// An array read from a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Array {
    pub shape: Vec<usize>,
    pub data: Values,
}

/// The data, converted: bytes kept as bytes, integers widened, floats to `f32`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    U8(Vec<u8>),
    Int(Vec<i64>),
    Float(Vec<f32>),
}

fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[start..].trim_start().strip_prefix(':')?.trim_start();
    Some(rest)
}

/// Parses `.npy` bytes. `file` names the source in errors.
///
/// The steps: the magic number and version give where the header is ([`header_span`]), the
/// header gives dtype and shape ([`Header::parse`]), the dtype gives the element size
/// ([`Dtype::parse`]), the data length is checked against the shape ([`check_length`]), and
/// the data is decoded ([`decode`]).
pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<Array, DataError> {
    let (start, header_len) = header_span(bytes, file)?;
    let text = bytes
        .get(start..start + header_len)
        .map(String::from_utf8_lossy)
        .ok_or_else(|| {
            DataError::format(
                file,
                "header",
                format!("{} bytes", bytes.len()),
                format!(
                    "at least {} bytes (the file is truncated)",
                    start + header_len
                ),
            )
        })?;
    let header = Header::parse(&text, file)?;
    let unsupported = || {
        DataError::format(
            file,
            "dtype",
            header.descr,
            "one of u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (bool, complex and object arrays are not supported)",
        )
    };
    let dtype = Dtype::parse(header.descr).ok_or_else(unsupported)?;
    let data = bytes.get(start + header_len..).unwrap_or_default();
    // Checked: a header may claim any shape; it is compared with the file's length before
    // anything is allocated.
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&c| c.checked_mul(dtype.size).is_some())
        .ok_or_else(|| {
            DataError::format(
                file,
                "header 'shape'",
                format!("({})", header.shape_text),
                format!(
                    "a shape whose {} bytes of data fit in memory (the file has {} bytes)",
                    dtype.size,
                    bytes.len()
                ),
            )
        })?;
    check_length(data.len(), count, dtype.size, header.shape_text, file)?;
    let values = decode(data, &dtype).ok_or_else(unsupported)?;
    Ok(Array {
        shape: header.shape,
        data: values,
    })
}

/// Where the header starts and how long it is: after the magic `\x93NUMPY`, the version
/// byte says whether its length is a `u16` (version 1) or a `u32` (2 and 3).
fn header_span(bytes: &[u8], file: &str) -> Result<(usize, usize), DataError> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        let head: Vec<String> = bytes.iter().take(6).map(|b| format!("{b:02x}")).collect();
        return Err(DataError::format(
            file,
            "magic number",
            head.join(" "),
            "93 4e 55 4d 50 59 (\"\\x93NUMPY\", a file written by numpy.save)",
        ));
    }
    match bytes[6] {
        1 => Ok((10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize)),
        2 | 3 if bytes.len() >= 12 => Ok((
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        )),
        v => Err(DataError::format(
            file,
            "format version",
            v.to_string(),
            "1, 2 or 3",
        )),
    }
}

/// What the Python-dict header says: the dtype text (`'<f4'`), the shape, and the shape as
/// written (for messages). A Fortran-order array is refused.
struct Header<'h> {
    descr: &'h str,
    shape: Vec<usize>,
    shape_text: &'h str,
}

impl<'h> Header<'h> {
    fn parse(header: &'h str, file: &str) -> Result<Self, DataError> {
        let descr = header_value(header, "descr")
            .and_then(|v| v.strip_prefix('\''))
            .and_then(|v| v.split('\'').next())
            .ok_or_else(|| {
                DataError::format(
                    file,
                    "header 'descr'",
                    header.trim().to_string(),
                    "a dtype such as '<f4'",
                )
            })?;
        if header_value(header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
            return Err(DataError::format(
                file,
                "fortran_order",
                "True",
                "False (save np.ascontiguousarray(x))",
            ));
        }
        let shape_text = header_value(header, "shape")
            .and_then(|v| v.strip_prefix('('))
            .and_then(|v| v.split(')').next())
            .ok_or_else(|| {
                DataError::format(
                    file,
                    "header 'shape'",
                    header.trim().to_string(),
                    "a tuple such as (60000, 784)",
                )
            })?;
        let shape = shape_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('L').parse::<usize>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                DataError::format(
                    file,
                    "header 'shape'",
                    format!("({shape_text})"),
                    "a tuple of non-negative integers",
                )
            })?;
        Ok(Header {
            descr,
            shape,
            shape_text,
        })
    }
}

/// A dtype as `descr` writes it: byte order (`<`, `>`, `|`, `=`), kind letter and size in
/// bytes. Which kind/size pairs can be decoded is [`decode`]'s business.
struct Dtype<'d> {
    big_endian: bool,
    kind: &'d str,
    size: usize,
}

impl<'d> Dtype<'d> {
    /// `None` for an unknown byte order or a missing size (`'<U'`, `'|O'`).
    fn parse(descr: &'d str) -> Option<Self> {
        // A descr starting with a multi-byte character is no dtype (and must not be cut
        // inside that character).
        let endian = descr.get(..1.min(descr.len()))?;
        let kind = &descr[endian.len()..];
        let size: usize = kind.get(1..).and_then(|s| s.parse().ok()).unwrap_or(0);
        if !matches!(endian, "<" | ">" | "|" | "=") || size == 0 {
            return None;
        }
        Some(Dtype {
            big_endian: endian == ">",
            kind,
            size,
        })
    }
}

/// The data must be exactly `count · size` bytes: says whether it is truncated or has
/// trailing bytes.
fn check_length(
    len: usize,
    count: usize,
    size: usize,
    shape_text: &str,
    file: &str,
) -> Result<(), DataError> {
    if len == count * size {
        return Ok(());
    }
    Err(DataError::format(
        file,
        "data",
        format!("{len} bytes"),
        format!(
            "{count} values × {size} bytes = {} bytes for shape ({shape_text}) ({})",
            count * size,
            if len < count * size {
                "the file is truncated"
            } else {
                "the file has trailing bytes"
            }
        ),
    ))
}

/// The elements of `data` (C order, `dtype.size` bytes each): bytes kept, integers widened
/// to `i64` (sign-extended for `i`), floats to `f32`. `None` for a kind/size it cannot
/// decode (bool, complex, f2, …).
fn decode(data: &[u8], dtype: &Dtype) -> Option<Values> {
    let size = dtype.size;
    // The element's bytes in little-endian order, zero-padded to 8.
    let word = |c: &[u8]| -> [u8; 8] {
        let mut w = [0u8; 8];
        if dtype.big_endian {
            for (i, &b) in c.iter().rev().enumerate() {
                w[i] = b;
            }
        } else {
            w[..c.len()].copy_from_slice(c);
        }
        w
    };
    let chunks = data.chunks_exact(size);
    let values = match (&dtype.kind[..1], size) {
        ("u", 1) => Values::U8(data.to_vec()),
        ("i", 1) => Values::Int(data.iter().map(|&b| b as i8 as i64).collect()),
        ("u", 2 | 4 | 8) => {
            Values::Int(chunks.map(|c| u64::from_le_bytes(word(c)) as i64).collect())
        }
        ("i", 2 | 4 | 8) => {
            let shift = 64 - 8 * size as u32;
            Values::Int(
                chunks
                    .map(|c| (i64::from_le_bytes(word(c)) << shift) >> shift)
                    .collect(),
            )
        }
        ("f", 4) => Values::Float(
            chunks
                .map(|c| f32::from_le_bytes(word(c)[..4].try_into().unwrap_or_default()))
                .collect(),
        ),
        ("f", 8) => Values::Float(chunks.map(|c| f64::from_le_bytes(word(c)) as f32).collect()),
        _ => return None,
    };
    Some(values)
}

/// Reads a features file and a labels file into a set, the classes inferred from the
/// labels; `every_class` for a training file (see
/// [`inferred_classes`](super::dataset::inferred_classes)).
pub(crate) fn read(features: &Path, labels: &Path, every_class: bool) -> Result<Raw, DataError> {
    let (ffile, lfile) = (features.display().to_string(), labels.display().to_string());
    let x = parse(&files::read(features)?, &ffile)?;
    let y = parse(&files::read(labels)?, &lfile)?;
    let Some(&n) = x.shape.first() else {
        return Err(DataError::format(
            &ffile,
            "shape",
            "() (a scalar)",
            "(n, …), one row per example",
        ));
    };
    if y.shape.len() != 1 {
        return Err(DataError::format(
            &lfile,
            "shape",
            format!("{:?}", y.shape),
            "(n,), one label per example (use y.ravel())",
        ));
    }
    if y.shape[0] != n {
        return Err(DataError::format(
            &lfile,
            "label count",
            y.shape[0].to_string(),
            format!("{n}, the number of rows of {ffile}"),
        ));
    }
    let labels = labels_of(y.data, &lfile)?;
    let n_features = x
        .shape
        .get(1..)
        .unwrap_or_default()
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&d| d > 0)
        .ok_or_else(|| {
            DataError::format(
                &ffile,
                "shape",
                format!("{:?}", x.shape),
                "(n, …) with at least one feature per example, whose product fits in memory",
            )
        })?;
    let image_shape = match x.shape[..] {
        [_, h, w] => Some([1, h, w]),
        [_, c @ (1 | 3), h, w] => Some([c, h, w]),
        _ => None,
    };
    let features = match x.data {
        Values::U8(v) => Features::U8(v),
        Values::Int(v) => Features::F32(v.into_iter().map(|i| i as f32).collect()),
        Values::Float(v) => Features::F32(v),
    };
    let n_classes = super::dataset::inferred_classes(&labels, &lfile, every_class, |i| {
        format!("label of example {i}")
    })?;
    Ok(Raw {
        features,
        labels,
        n_features,
        n_classes,
        class_names: super::dataset::numbered_classes(n_classes),
        image_shape,
        class_grouped: false,
    })
}

/// Class indices from a labels array: bytes or integers `≥ 0`; floats are refused.
fn labels_of(values: Values, lfile: &str) -> Result<Vec<u32>, DataError> {
    match values {
        Values::U8(v) => Ok(v.into_iter().map(u32::from).collect()),
        Values::Int(v) => v
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                u32::try_from(l).map_err(|_| {
                    DataError::format(
                        lfile,
                        format!("label of example {i}"),
                        l.to_string(),
                        "a class index ≥ 0",
                    )
                })
            })
            .collect(),
        Values::Float(_) => Err(DataError::format(
            lfile,
            "dtype",
            "a float dtype",
            "an integer dtype (save y.astype(np.int64))",
        )),
    }
}

/// Encodes an array as a version-1 `.npy` file (the inverse of [`parse`], for tests).
#[cfg(test)]
pub(crate) fn encode(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32_bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn roundtrip() {
        let dir = std::env::temp_dir().join(format!("mlplab-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (fx, fy) = (dir.join("x.npy"), dir.join("y.npy"));
        std::fs::write(
            &fx,
            encode("<f4", &[2, 3], &f32_bytes(&[1., 2., 3., 4., 5., 6.])),
        )
        .unwrap();
        let y: Vec<u8> = [2i64, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&fy, encode("<i8", &[2], &y)).unwrap();
        // As a test file, labels 2 and 0 are classes of the training set's.
        let raw = read(&fx, &fy, false).unwrap();
        assert_eq!(raw.features, Features::F32(vec![1., 2., 3., 4., 5., 6.]));
        assert_eq!(raw.labels, [2, 0]);
        assert_eq!(raw.n_classes, 3);
        // As a training file, class 1 would have no example: refused.
        let msg = read(&fx, &fy, true).unwrap_err().to_string();
        assert!(
            msg.contains("label of example 0: found 2, expected labels 0..2 that each occur")
                && msg.contains("(class 1)"),
            "{msg}"
        );
        // An absurd label (2^31) in a test file too.
        let big: Vec<u8> = [0i64, 1 << 31]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(&fy, encode("<i8", &[2], &big)).unwrap();
        let msg = read(&fx, &fy, false).unwrap_err().to_string();
        assert!(
            msg.contains(
                "label of example 1: found 2147483648, expected a class index below 65536"
            ),
            "{msg}"
        );
        // Grey images, bytes, big-endian i4 labels.
        std::fs::write(&fx, encode("|u1", &[2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7])).unwrap();
        std::fs::write(&fy, encode(">i4", &[2], &[0, 0, 0, 1, 0, 0, 0, 0])).unwrap();
        let raw = read(&fx, &fy, true).unwrap();
        assert_eq!(raw.image_shape, Some([1, 2, 2]));
        assert_eq!(raw.labels, [1, 0]);
        // Mismatched counts, negative labels, float labels.
        std::fs::write(&fy, encode("|i1", &[3], &[0, 1, 2])).unwrap();
        assert!(
            read(&fx, &fy, true)
                .unwrap_err()
                .to_string()
                .contains("label count: found 3, expected 2")
        );
        std::fs::write(&fy, encode("|i1", &[2], &[0, 0xff])).unwrap();
        assert!(
            read(&fx, &fy, true)
                .unwrap_err()
                .to_string()
                .contains("label of example 1: found -1")
        );
        std::fs::write(&fy, encode("<f4", &[2], &f32_bytes(&[0., 1.]))).unwrap();
        assert!(
            read(&fx, &fy, true)
                .unwrap_err()
                .to_string()
                .contains("integer dtype")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files() {
        let msg = parse(b"PK\x03\x04 not npy", "a.npy")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("a.npy: magic number"), "{msg}");
        let mut short = encode("<f4", &[2, 2], &f32_bytes(&[1., 2., 3., 4.]));
        short.truncate(short.len() - 2);
        let msg = parse(&short, "b.npy").unwrap_err().to_string();
        assert!(
            msg.contains("b.npy: data: found 14 bytes") && msg.contains("truncated"),
            "{msg}"
        );
        let msg = parse(&encode("<c16", &[1], &[0; 16]), "c.npy")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("c.npy: dtype: found <c16"), "{msg}");
    }

    /// Regression (an input of the kind tests/fuzz_data.rs feeds): a shape product overflowing `usize` (`product()` panicked),
    /// and no rows of an absurd width.
    #[test]
    fn absurd_shapes_are_refused() {
        let huge = "(4294967296, 4294967296, 4294967296)";
        let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {huge}, }}");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        let msg = parse(&bytes, "h.npy").unwrap_err().to_string();
        assert!(msg.contains("h.npy: header 'shape'"), "{msg}");
        let dir = std::env::temp_dir().join(format!("mlplab-npy-abs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (fx, fy) = (dir.join("x.npy"), dir.join("y.npy"));
        std::fs::write(&fx, encode("<f4", &[0, 1 << 40, 1 << 40], &[])).unwrap();
        std::fs::write(&fy, encode("|u1", &[0], &[])).unwrap();
        let msg = read(&fx, &fy, true).unwrap_err().to_string();
        assert!(
            msg.contains("x.npy: shape: found [0, 1099511627776, 1099511627776]"),
            "{msg}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
