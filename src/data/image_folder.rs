//! Image-folder trees (torchvision's `ImageFolder` layout): `root/<class>/<file>.png|jpg`,
//! one sub-folder per class, classes in sorted folder-name order, files in name order.
//!
//! Images are decoded in parallel (rayon) into one `n × (c·h·w)` byte block, channel-major
//! like CIFAR's binary format (`[c][y][x]`: all red, then green, then blue), and the block
//! is cached (see [`cache`](super::cache)) so that the second load reads one file.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::dataset::{Features, Raw};
use super::{DataError, cache, files};

/// File extensions read as images (compared case-insensitively).
const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// The files of a tree, in dataset order.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub root: PathBuf,
    /// Class names = sub-folder names, sorted.
    pub classes: Vec<String>,
    /// `(path, label)`, class by class, files in name order within a class.
    pub files: Vec<(PathBuf, u32)>,
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Sorted entries of `dir` (hidden ones skipped) that satisfy `keep`.
fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, DataError> {
    let rd = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, "listing", e))?;
    let mut out = Vec::new();
    for entry in rd {
        let path = entry.map_err(|e| DataError::io(dir, "listing", e))?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if !hidden && keep(&path) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Lists `root`'s classes and images. Errors if there is no class folder or a class holds
/// no image.
pub(crate) fn scan(root: &Path) -> Result<Tree, DataError> {
    let class_dirs = sorted_entries(root, |p| p.is_dir())?;
    if class_dirs.is_empty() {
        return Err(DataError::format(
            root.display().to_string(),
            "class folders",
            "none",
            "one sub-folder per class holding .png/.jpg files (torchvision ImageFolder layout)",
        ));
    }
    let mut classes = Vec::new();
    let mut files = Vec::new();
    for (label, dir) in class_dirs.iter().enumerate() {
        let images = sorted_entries(dir, |p| p.is_file() && is_image(p))?;
        if images.is_empty() {
            return Err(DataError::format(
                dir.display().to_string(),
                "images",
                "none",
                "at least one .png, .jpg or .jpeg file in each class folder",
            ));
        }
        classes.push(
            dir.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        );
        files.extend(images.into_iter().map(|p| (p, label as u32)));
    }
    Ok(Tree {
        root: root.to_path_buf(),
        classes,
        files,
    })
}

/// A fingerprint of the tree as the file system describes it (each file's relative path,
/// size and modification time, and the root's canonical path): equal fingerprints mean the
/// cached decode is still valid. Costs one `stat` per file, not a read.
pub(crate) fn fingerprint(tree: &Tree) -> Result<String, DataError> {
    let mut h = Sha256::new();
    let root = tree
        .root
        .canonicalize()
        .unwrap_or_else(|_| tree.root.clone());
    h.update(root.to_string_lossy().as_bytes());
    for (path, label) in &tree.files {
        let meta =
            std::fs::metadata(path).map_err(|e| DataError::io(path, "reading metadata of", e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let rel = path.strip_prefix(&tree.root).unwrap_or(path);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(label.to_le_bytes());
        h.update(meta.len().to_le_bytes());
        h.update(mtime.to_le_bytes());
    }
    Ok(files::hex(&h.finalize()))
}

/// Decodes one image file to `[c][y][x]` bytes, with `c = 1` (grey) or `3` (RGB).
fn decode_one(path: &Path, channels: usize) -> Result<(u32, u32, Vec<u8>), DataError> {
    let bytes = files::read(path)?;
    let img = image::load_from_memory(&bytes).map_err(|cause| DataError::Image {
        file: path.display().to_string(),
        cause,
    })?;
    let (w, h) = (img.width(), img.height());
    let plane = (w as usize).saturating_mul(h as usize);
    let mut out = vec![0u8; channels.saturating_mul(plane)];
    if channels == 1 {
        let grey = img.to_luma8();
        if grey.as_raw().len() != out.len() {
            return Err(DataError::format(
                path.display().to_string(),
                "pixels",
                format!("{} bytes", grey.as_raw().len()),
                format!("{w}×{h} = {} bytes", out.len()),
            ));
        }
        out.copy_from_slice(grey.as_raw());
    } else {
        // Interleaved RGBRGB... → planar RRR...GGG...BBB...
        let (r, gb) = out.split_at_mut(plane);
        let (g, b) = gb.split_at_mut(plane);
        for (((px, r), g), b) in img.to_rgb8().as_raw().chunks_exact(3).zip(r).zip(g).zip(b) {
            (*r, *g, *b) = (px[0], px[1], px[2]);
        }
    }
    Ok((w, h, out))
}

/// Decodes every image of `tree` in parallel into one block. The first image fixes the
/// size and the channel count (grey if it has no colour, RGB otherwise); every other image
/// must have the same size.
pub(crate) fn decode(tree: &Tree) -> Result<Raw, DataError> {
    let Some((first, _)) = tree.files.first() else {
        return Err(DataError::format(
            tree.root.display().to_string(),
            "images",
            "none",
            "at least one image",
        ));
    };
    let probe = image::open(first).map_err(|cause| DataError::Image {
        file: first.display().to_string(),
        cause,
    })?;
    let channels = if probe.color().has_color() { 3 } else { 1 };
    let (w, h) = (probe.width(), probe.height());
    let d = (w as usize)
        .checked_mul(h as usize)
        .and_then(|p| p.checked_mul(channels))
        .filter(|&d| d > 0)
        .ok_or_else(|| {
            DataError::format(
                first.display().to_string(),
                "image size",
                format!("{w}×{h}"),
                "at least 1×1 pixels",
            )
        })?;
    let total = tree.files.len().checked_mul(d).ok_or_else(|| {
        DataError::format(
            tree.root.display().to_string(),
            "images",
            format!("{} images of {w}×{h}", tree.files.len()),
            "a pixel count that fits in memory",
        )
    })?;
    let mut pixels = vec![0u8; total];
    pixels
        .par_chunks_mut(d)
        .zip(tree.files.par_iter())
        .try_for_each(|(out, (path, _))| {
            let (iw, ih, px) = decode_one(path, channels)?;
            if (iw, ih) != (w, h) {
                return Err(DataError::format(
                    path.display().to_string(),
                    "image size",
                    format!("{iw}×{ih}"),
                    format!("{w}×{h}, the size of the first image {}", first.display()),
                ));
            }
            out.copy_from_slice(&px);
            Ok(())
        })?;
    Ok(Raw {
        features: Features::U8(pixels),
        labels: tree.files.iter().map(|&(_, l)| l).collect(),
        n_features: d,
        n_classes: tree.classes.len(),
        class_names: tree.classes.clone(),
        image_shape: Some([channels, h as usize, w as usize]),
        class_grouped: true,
    })
}

/// Reads the tree at `root`: from the decoded cache under `cache_root` when its
/// fingerprint still matches, else by decoding (and then caching, best effort: a cache
/// that cannot be written costs only speed).
pub(crate) fn load(root: &Path, cache_root: Option<&Path>) -> Result<Raw, DataError> {
    let tree = scan(root)?;
    let print = fingerprint(&tree)?;
    load_scanned(&tree, &print, cache_root)
}

/// [`load`] for a tree already scanned and fingerprinted.
pub(crate) fn load_scanned(
    tree: &Tree,
    print: &str,
    cache_root: Option<&Path>,
) -> Result<Raw, DataError> {
    let cache_file = cache_root.map(|c| cache::decoded_path(c, &tree.root));
    if let Some(file) = &cache_file
        && let Some(raw) = cache::read_decoded(file, print)
    {
        return Ok(raw);
    }
    let raw = decode(tree)?;
    if let Some(file) = &cache_file {
        let _ = cache::write_decoded(file, print, &raw);
    }
    Ok(raw)
}

/// SHA-256 of every `.jpg` under `root` concatenated in sorted path order (the digest the
/// data README publishes for `cifar10-jpeg`). Reads in parallel, hashes in order.
pub(crate) fn tree_sha256(root: &Path) -> Result<String, DataError> {
    let mut paths = Vec::new();
    collect_jpgs(root, &mut paths)?;
    paths.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let mut h = Sha256::new();
    for chunk in paths.chunks(512) {
        let contents: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(|p| files::read(p))
            .collect::<Result<_, _>>()?;
        for c in &contents {
            h.update(c);
        }
    }
    Ok(files::hex(&h.finalize()))
}

fn collect_jpgs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DataError> {
    for path in sorted_entries(dir, |_| true)? {
        if path.is_dir() {
            collect_jpgs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "jpg") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes `root/<class>/<i>.png`: `n` 4×3 RGB images per class, pixel values encoding
    /// class, index and channel.
    pub(crate) fn write_tree(root: &Path, classes: &[&str], n: usize) {
        for (c, class) in classes.iter().enumerate() {
            let dir = root.join(class);
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..n {
                let img = image::RgbImage::from_fn(4, 3, |x, y| {
                    image::Rgb([(c * 50 + i) as u8, (x + 10 * y) as u8, 200])
                });
                img.save(dir.join(format!("{i:04}.png"))).unwrap();
            }
        }
    }

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mlplab-if-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn decode_layout_and_order() {
        let root = temp("layout");
        write_tree(&root, &["b", "a"], 2);
        let raw = decode(&scan(&root).unwrap()).unwrap();
        assert_eq!(raw.class_names, ["a", "b"]);
        assert_eq!(raw.labels, [0, 0, 1, 1]);
        assert_eq!(raw.image_shape, Some([3, 3, 4]));
        let Features::U8(px) = &raw.features else {
            panic!()
        };
        let row = &px[36..72]; // class a (c index 1 when written), image 1
        assert!(row[..12].iter().all(|&r| r == 51), "red plane first");
        assert_eq!(&row[12..16], &[0, 1, 2, 3], "green plane, row 0");
        assert_eq!(row[16], 10, "green plane, row 1");
        assert!(row[24..].iter().all(|&b| b == 200), "blue plane last");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn cache_roundtrip_and_invalidation() {
        let root = temp("cache");
        let cache_root = temp("cache-dir");
        write_tree(&root, &["x", "y"], 3);
        let first = load(&root, Some(&cache_root)).unwrap();
        let file = cache::decoded_path(&cache_root, &root);
        assert!(file.is_file());
        let second = load(&root, Some(&cache_root)).unwrap();
        assert_eq!(first, second);
        // A new image changes the fingerprint: the cache is not used.
        write_tree(&root, &["z"], 1);
        let third = load(&root, Some(&cache_root)).unwrap();
        assert_eq!(third.len(), 7);
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::remove_dir_all(&cache_root).unwrap();
    }

    #[test]
    fn bad_trees() {
        let root = temp("bad");
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let msg = scan(&root).unwrap_err().to_string();
        assert!(msg.contains("empty: images: found none"), "{msg}");
        write_tree(&root, &["empty"], 1);
        image::RgbImage::new(5, 5)
            .save(root.join("empty/0001.png"))
            .unwrap();
        let msg = decode(&scan(&root).unwrap()).unwrap_err().to_string();
        assert!(
            msg.contains("0001.png: image size: found 5×5, expected 4×3"),
            "{msg}"
        );
        std::fs::write(root.join("empty/0002.png"), b"not a png").unwrap();
        let err = decode(&scan(&root).unwrap()).unwrap_err();
        assert!(
            matches!(err, DataError::Image { .. } | DataError::Format { .. }),
            "{err}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
