//! Checkpoints in safetensors, laid out as PyTorch stores a stack of `torch.nn.Linear`
//! layers in an `nn.ModuleList` called `layers`: tensor `layers.{i}.weight` of shape
//! `[out, in]` and `layers.{i}.bias` of shape `[out]`, `i = 0, 1, …`, dtype F32, little-endian.
//!
//! mlplab keeps `W[l]` as `in × out` (p×q, row-major, SPEC §1), so weights are transposed on
//! save and on load. The architecture is stored as JSON in the metadata under
//! [`ARCHITECTURE_KEY`], so a file says what network it belongs to.
//!
//! ```
//! use mlplab::nn::{init::Init, network::{Architecture, Network}};
//! use mlplab::store::checkpoint;
//! let arch = Architecture::study(6, 3);
//! let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 7).unwrap();
//! let path = std::env::temp_dir().join(format!("doc-{}.safetensors", std::process::id()));
//! checkpoint::save(&path, &net, &[]).unwrap();
//! let back = checkpoint::load(&path, &arch).unwrap();
//! assert_eq!(back.params(), net.params());
//! # std::fs::remove_file(&path).ok();
//! ```

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::nn::network::{Architecture, Network};

/// Metadata key holding the architecture as JSON.
pub const ARCHITECTURE_KEY: &str = "mlplab.architecture";

/// What can go wrong reading or writing a checkpoint; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("{path}: {action} failed: {source}")]
    Io {
        /// The file.
        path: String,
        /// "reading" / "writing".
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a usable safetensors file.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The tensors do not fit the configured network.
    #[error(
        "{path}: the weights do not fit the network {network}\n  file has:    {found}\n  network needs: {expected}"
    )]
    Mismatch {
        /// The file.
        path: String,
        /// The configured architecture, described.
        network: String,
        /// The file's tensors and shapes.
        found: String,
        /// The tensors and shapes the network needs.
        expected: String,
    },
}

/// The tensors a network of `arch` needs: (name, shape) in order.
pub fn tensor_shapes(arch: &Architecture) -> Vec<(String, Vec<usize>)> {
    arch.layout()
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            [
                (format!("layers.{i}.weight"), vec![l.outputs, l.inputs]),
                (format!("layers.{i}.bias"), vec![l.outputs]),
            ]
        })
        .collect()
}

fn describe(shapes: &[(String, Vec<usize>)]) -> String {
    shapes
        .iter()
        .map(|(n, s)| format!("{n} {s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn le_bytes(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

/// Writes `net` to `path`. `extra` adds metadata entries (e.g. the run config).
pub fn save(
    path: &Path,
    net: &Network<f32>,
    extra: &[(&str, String)],
) -> Result<(), CheckpointError> {
    let params = net.params();
    let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, l) in net.layout().iter().enumerate() {
        let (p, q) = (l.inputs, l.outputs);
        let w = &params[l.w.clone()];
        // [in, out] row-major → [out, in] row-major.
        let transposed = (0..q).flat_map(|o| (0..p).map(move |k| w[k * q + o]));
        buffers.push((
            format!("layers.{i}.weight"),
            vec![q, p],
            le_bytes(transposed),
        ));
        buffers.push((
            format!("layers.{i}.bias"),
            vec![q],
            le_bytes(params[l.b.clone()].iter().copied()),
        ));
    }
    let format = |e: safetensors::SafeTensorError| CheckpointError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut views = Vec::with_capacity(buffers.len());
    for (name, shape, bytes) in &buffers {
        views.push((
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), bytes).map_err(format)?,
        ));
    }
    let mut metadata = HashMap::new();
    metadata.insert("format".to_string(), "pt".to_string());
    metadata.insert(
        ARCHITECTURE_KEY.to_string(),
        serde_json::to_string(net.architecture()).unwrap_or_default(),
    );
    metadata.insert(
        "mlplab.architecture_name".into(),
        net.architecture().describe(),
    );
    metadata.insert("mlplab.version".into(), env!("CARGO_PKG_VERSION").into());
    for (k, v) in extra {
        metadata.insert((*k).to_string(), v.clone());
    }
    let bytes = safetensors::serialize(views, Some(metadata)).map_err(format)?;
    std::fs::write(path, bytes).map_err(|source| CheckpointError::Io {
        path: path.display().to_string(),
        action: "writing",
        source,
    })
}

/// The architecture recorded in a checkpoint's metadata, if any.
pub fn architecture(path: &Path) -> Result<Option<Architecture>, CheckpointError> {
    let bytes = read(path)?;
    let (_, meta) = SafeTensors::read_metadata(&bytes).map_err(|e| CheckpointError::Format {
        path: path.display().to_string(),
        message: format!("not a safetensors file: {e}"),
    })?;
    Ok(meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(ARCHITECTURE_KEY))
        .and_then(|s| serde_json::from_str(s).ok()))
}

fn read(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    std::fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.display().to_string(),
        action: "reading",
        source,
    })
}

/// Reads the weights in `path` into a network of architecture `arch`. Tensor names, shapes
/// and dtypes must match exactly; otherwise the error lists the file's tensors and the ones
/// the network needs.
pub fn load(path: &Path, arch: &Architecture) -> Result<Network<f32>, CheckpointError> {
    let bytes = read(path)?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| CheckpointError::Format {
        path: path.display().to_string(),
        message: format!("not a safetensors file: {e}"),
    })?;
    let expected = tensor_shapes(arch);
    let mut found: Vec<(String, Vec<usize>)> = file
        .tensors()
        .into_iter()
        .map(|(n, v)| (n, v.shape().to_vec()))
        .collect();
    found.sort_by_key(|(n, _)| {
        expected
            .iter()
            .position(|(e, _)| e == n)
            .unwrap_or(usize::MAX)
    });
    let mismatch = || CheckpointError::Mismatch {
        path: path.display().to_string(),
        network: arch.describe(),
        found: describe(&found),
        expected: describe(&expected),
    };
    if found.len() != expected.len() || found.iter().zip(&expected).any(|(f, e)| f != e) {
        return Err(mismatch());
    }
    let mut params = vec![0f32; arch.parameter_count()];
    let format = |message: String| CheckpointError::Format {
        path: path.display().to_string(),
        message,
    };
    for (i, l) in arch.layout().iter().enumerate() {
        let (p, q) = (l.inputs, l.outputs);
        // The tensor's values, checked: F32, as many as its shape says, all finite (a NaN or
        // ∞ start would train into a run that only looks finished).
        let read = |name: String, shape: &str, len: usize| -> Result<Vec<f32>, CheckpointError> {
            let t = file.tensor(&name).map_err(|_| mismatch())?;
            if t.dtype() != Dtype::F32 {
                return Err(format(format!(
                    "{name} has dtype {:?}; mlplab reads F32",
                    t.dtype()
                )));
            }
            if t.data().len() != len.saturating_mul(4) {
                return Err(format(format!(
                    "{name} holds {} bytes; its shape {shape} needs {len} F32 values",
                    t.data().len()
                )));
            }
            let values: Vec<f32> = t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if let Some(at) = values.iter().position(|v| !v.is_finite()) {
                let value = values.get(at).copied().unwrap_or(f32::NAN);
                return Err(format(format!(
                    "{name}{} is {value}: initial weights must be finite",
                    index_in(at, shape == "[out, in]", p)
                )));
            }
            Ok(values)
        };
        let w = read(format!("layers.{i}.weight"), "[out, in]", p * q)?;
        let b = read(format!("layers.{i}.bias"), "[out]", q)?;
        for (o, row) in w.chunks_exact(p.max(1)).enumerate() {
            for (k, &v) in row.iter().enumerate() {
                if let Some(d) = params.get_mut(l.w.start + k * q + o) {
                    *d = v;
                }
            }
        }
        if let Some(d) = params.get_mut(l.b.clone()) {
            d.copy_from_slice(&b);
        }
    }
    Network::from_params(arch.clone(), params).map_err(|e| CheckpointError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// `[o, k]` of a flat index into an `[out, in]` tensor with `inputs` columns, `[i]` of a
/// vector.
fn index_in(at: usize, matrix: bool, inputs: usize) -> String {
    if matrix && inputs > 0 {
        format!("[{}, {}]", at / inputs, at % inputs)
    } else {
        format!("[{at}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::Init;

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "mlplab-ckpt-{name}-{}.safetensors",
            std::process::id()
        ))
    }

    #[test]
    fn round_trip_transposes_to_out_in() {
        let arch = Architecture::mlp(
            3,
            &[2],
            crate::Activation::Relu,
            4,
            crate::Activation::Softmax,
        );
        let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 3).unwrap();
        let path = tmp("rt");
        save(&path, &net, &[("mlplab.run_config", "{}".into())]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let w0 = st.tensor("layers.0.weight").unwrap();
        assert_eq!(w0.shape(), &[2, 3]);
        // element [out=1, in=2] of the file is W[in=2][out=1] of the network.
        let v = f32::from_le_bytes(w0.data()[4 * (3 + 2)..4 * (3 + 2) + 4].try_into().unwrap());
        assert_eq!(v, net.weights(0)[2 * 2 + 1]);
        assert_eq!(st.tensor("layers.1.bias").unwrap().shape(), &[4]);
        assert_eq!(architecture(&path).unwrap(), Some(arch.clone()));
        let back = load(&path, &arch).unwrap();
        assert_eq!(back.params(), net.params());
        std::fs::remove_file(&path).ok();
    }

    /// A checkpoint for `arch` whose values are `0.5` except `bad` at `(tensor, index)`.
    fn with_value(arch: &Architecture, tensor: &str, index: usize, bad: f32) -> Vec<u8> {
        let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = tensor_shapes(arch)
            .into_iter()
            .map(|(name, shape)| {
                let n: usize = shape.iter().product();
                let values = (0..n).map(|i| {
                    if name == tensor && i == index {
                        bad
                    } else {
                        0.5
                    }
                });
                let bytes = le_bytes(values);
                (name, shape, bytes)
            })
            .collect();
        let views: Vec<(String, TensorView)> = buffers
            .iter()
            .map(|(n, s, b)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
                )
            })
            .collect();
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn a_non_finite_initial_weight_is_refused_naming_file_tensor_and_index() {
        let arch = Architecture::mlp(
            3,
            &[2],
            crate::Activation::Relu,
            4,
            crate::Activation::Softmax,
        );
        let path = tmp("nan");
        for (tensor, index, bad, place) in [
            (
                "layers.1.weight",
                5,
                f32::NAN,
                "layers.1.weight[2, 1] is NaN",
            ),
            ("layers.0.bias", 1, f32::INFINITY, "layers.0.bias[1] is inf"),
            (
                "layers.0.weight",
                0,
                f32::NEG_INFINITY,
                "layers.0.weight[0, 0] is -inf",
            ),
        ] {
            std::fs::write(&path, with_value(&arch, tensor, index, bad)).unwrap();
            let e = load(&path, &arch).err().unwrap().to_string();
            assert!(e.contains(&path.display().to_string()), "{e}");
            assert!(e.contains(place), "{e}");
            assert!(e.contains("must be finite"), "{e}");
        }
        std::fs::write(&path, with_value(&arch, "layers.0.bias", 0, 1.0)).unwrap();
        assert!(load(&path, &arch).is_ok());
        std::fs::remove_file(&path).ok();
    }

    #[test]
    fn mismatched_shapes_list_both() {
        let arch = Architecture::study(5, 3);
        let net = Network::<f32>::new(arch, Init::HeUniform, 1).unwrap();
        let path = tmp("mismatch");
        save(&path, &net, &[]).unwrap();
        let other = Architecture::study(6, 3);
        let e = load(&path, &other).err().unwrap().to_string();
        assert!(e.contains("layers.0.weight [128, 5]"), "{e}");
        assert!(e.contains("layers.0.weight [128, 6]"), "{e}");
        std::fs::remove_file(&path).ok();
        assert!(load(&path, &other).is_err());
    }
}
