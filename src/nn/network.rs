//! The network: a list of dense layers with their activations (SPEC §1), its forward pass
//! and its back-propagation (SPEC §4).
//!
//! A batch is a matrix with one example per row. Layer `l` maps `A[l−1]` (n×p) to `A[l]`
//! (n×q):
//!
//! ```text
//! Z[l] = A[l−1] · W[l] + 1·b[l]        W[l]: p×q, b[l]: 1×q
//! A[l] = g[l](Z[l])
//! ```
//!
//! The affine step is [`crate::nn::dense`]'s forward/backward pair, the activation step
//! [`crate::nn::activation`]'s; this file chains them over the layers.
//!
//! All parameters live in one contiguous vector, `[W1, b1, W2, b2, …]`, with each layer's
//! ranges in [`LayerLayout`]; gradients use the same layout, so an optimizer step is one loop.
//!
//! Against PyTorch: `nn.Linear` computes `x · Wᵀ + b` with `weight` stored q×p; here `W` is
//! stored p×q and used untransposed, so a PyTorch weight is our `W` transposed.

#![warn(missing_docs)]

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::nn::activation::Activation;
use crate::nn::dense::{Dense, dense_backward, dense_forward};
use crate::nn::error::{Error, Result, config};
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::matmul::Threads;
use crate::nn::regularization::Regularization;
use crate::nn::rng::Rng;
use crate::nn::scalar::Scalar;

/// One dense layer: how many units and their activation.
///
/// ```
/// use mlplab::nn::network::LayerSpec;
/// use mlplab::nn::activation::Activation;
/// let l = LayerSpec { width: 128, activation: Activation::Relu };
/// assert_eq!(l.width, 128);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// Number of units q.
    pub width: usize,
    /// `g` of this layer.
    pub activation: Activation,
}

/// The shape of a network: input width and the layers in order (the last is the output).
///
/// ```
/// use mlplab::nn::network::Architecture;
/// let arch = Architecture::study(784, 10);
/// assert_eq!(arch.describe(), "784-128xleaky-relu(0.1)x4-10xsoftmax");
/// assert_eq!(arch.parameter_count(), 784 * 128 + 128 + 3 * (128 * 128 + 128) + 128 * 10 + 10);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    /// Width of the input rows.
    pub inputs: usize,
    /// Hidden and output layers.
    pub layers: Vec<LayerSpec>,
}

impl Architecture {
    /// The study's network (SPEC §7): 4 hidden layers of 128 LeakyReLU(0.1), softmax output.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::study(3072, 10);
    /// assert_eq!(arch.layers.len(), 5);
    /// assert_eq!(arch.output_activation(), Some(&Activation::Softmax));
    /// ```
    pub fn study(inputs: usize, classes: usize) -> Self {
        Self::mlp(
            inputs,
            &[128; 4],
            Activation::LeakyRelu(0.1),
            classes,
            Activation::Softmax,
        )
    }

    /// Hidden layers of the given widths, all with `hidden`, then `outputs` units with `output`.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(2, &[8, 8], Activation::Tanh, 1, Activation::Sigmoid);
    /// assert_eq!(arch.describe(), "2-8xtanhx2-1xsigmoid");
    /// ```
    pub fn mlp(
        inputs: usize,
        widths: &[usize],
        hidden: Activation,
        outputs: usize,
        output: Activation,
    ) -> Self {
        let mut layers: Vec<LayerSpec> = widths
            .iter()
            .map(|&width| LayerSpec {
                width,
                activation: hidden.clone(),
            })
            .collect();
        layers.push(LayerSpec {
            width: outputs,
            activation: output,
        });
        Architecture { inputs, layers }
    }

    /// Rejects a zero input width, an empty layer list, zero widths, a non-finite
    /// LeakyReLU α (naming the layer, 1-based) and a parameter count that overflows `usize`
    /// (see [`Architecture::checked_parameter_count`]).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// assert!(Architecture::study(784, 10).validate().is_ok());
    /// let bad = Architecture::mlp(4, &[0], Activation::Relu, 2, Activation::Softmax);
    /// assert!(bad.validate().unwrap_err().to_string().contains("layer 1"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.inputs == 0 {
            return Err(config("network inputs = 0: the input width must be ≥ 1"));
        }
        if self.layers.is_empty() {
            return Err(config(
                "network has no layers: give at least an output layer",
            ));
        }
        for (i, l) in self.layers.iter().enumerate() {
            if l.width == 0 {
                return Err(config(format!(
                    "layer {} has width 0: widths must be ≥ 1",
                    i + 1
                )));
            }
            if let Activation::LeakyRelu(alpha) = l.activation
                && !alpha.is_finite()
            {
                return Err(config(format!(
                    "layer {}: leaky-relu α must be finite",
                    i + 1
                )));
            }
        }
        self.checked_parameter_count().map(|_| ())
    }

    /// `Σ_l (p_l q_l + q_l)` in checked arithmetic: an overflow is an [`Error::Config`]
    /// naming the widths, never a wrapped count or a panic.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(3, &[4], Activation::Relu, 2, Activation::Softmax);
    /// assert_eq!(arch.checked_parameter_count().unwrap(), 26);
    /// let huge = Architecture::mlp(3, &[usize::MAX / 2, 4], Activation::Relu, 2, Activation::Softmax);
    /// assert!(huge.checked_parameter_count().unwrap_err().to_string().contains("overflows"));
    /// ```
    pub fn checked_parameter_count(&self) -> Result<usize> {
        let mut total = 0usize;
        let mut p = self.inputs;
        for l in &self.layers {
            let q = l.width;
            total = p
                .checked_mul(q)
                .and_then(|w| w.checked_add(q))
                .and_then(|layer| layer.checked_add(total))
                .ok_or_else(|| {
                    config(format!(
                        "network {}: its parameter count overflows a {}-bit integer: the \
                         widths are far too large",
                        self.describe(),
                        usize::BITS
                    ))
                })?;
            p = q;
        }
        Ok(total)
    }

    /// Values (not bytes) of a [`Workspace`] for batches of `rows` rows, plus the rows×inputs
    /// and rows×outputs blocks of features and targets fed to it:
    /// `rows · (4 Σ_l q_l + p_0 + q_L)`. `None` on overflow.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(3, &[4], Activation::Relu, 2, Activation::Softmax);
    /// assert_eq!(arch.workspace_values(10), Some(10 * (4 * (4 + 2) + 3 + 2)));
    /// ```
    pub fn workspace_values(&self, rows: usize) -> Option<usize> {
        let widths = self
            .layers
            .iter()
            .try_fold(0usize, |s, l| s.checked_add(l.width))?;
        widths
            .checked_mul(4)?
            .checked_add(self.inputs)?
            .checked_add(self.outputs())?
            .checked_mul(rows)
    }

    /// Bytes to train this network on batches of `batch` rows with evaluation blocks of
    /// `eval_batch` rows, in a number type of `scalar_bytes` bytes, with `state_copies`
    /// parameter-sized optimizer buffers (0 for SGD, 1 for Momentum and RMSProp, 2 for Adam)
    /// and `parts` data-parallel slices of the batch: the parameters, one gradient per part
    /// plus their sum, the optimizer state, each part's workspace for `⌈batch/parts⌉` rows,
    /// the evaluation workspace, and the f64 draw of the largest layer's initial weights.
    /// Checked arithmetic throughout: an overflow is an [`Error::Config`] (no machine has
    /// that much memory either).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(3, &[4], Activation::Relu, 2, Activation::Softmax);
    /// let bytes = arch.memory_bytes(10, 100, 4, 2, 1).unwrap();
    /// assert!(bytes > 26 * 4 * 5); // params, grad ×2, Adam's m and v
    /// assert!(Architecture::mlp(3, &[usize::MAX / 8], Activation::Relu, 2, Activation::Softmax)
    ///     .memory_bytes(10, 100, 4, 2, 1)
    ///     .is_err());
    /// ```
    pub fn memory_bytes(
        &self,
        batch: usize,
        eval_batch: usize,
        scalar_bytes: usize,
        state_copies: usize,
        parts: usize,
    ) -> Result<u64> {
        let overflow = || {
            config(format!(
                "network {}: its memory estimate overflows: the widths or batch sizes are far \
                 too large",
                self.describe()
            ))
        };
        let parts = parts.max(1);
        let n = self.checked_parameter_count()?;
        let largest_layer = {
            let mut p = self.inputs;
            let mut largest = 0usize;
            for l in &self.layers {
                largest = largest.max(p.checked_mul(l.width).ok_or_else(overflow)?);
                p = l.width;
            }
            largest
        };
        // Parameters, the summed gradient, one gradient per part, the optimizer's state.
        let param_sized = 2usize
            .checked_add(parts)
            .and_then(|c| c.checked_add(state_copies))
            .and_then(|c| c.checked_mul(n))
            .ok_or_else(overflow)?;
        let part_rows = batch.div_ceil(parts).max(1);
        let workspaces = self
            .workspace_values(part_rows)
            .and_then(|w| w.checked_mul(parts))
            .and_then(|w| w.checked_add(self.workspace_values(eval_batch)?))
            .ok_or_else(overflow)?;
        let values = param_sized.checked_add(workspaces).ok_or_else(overflow)?;
        values
            .checked_mul(scalar_bytes)
            .and_then(|b| b.checked_add(largest_layer.checked_mul(8)?))
            .map(|b| b as u64)
            .ok_or_else(overflow)
    }

    /// Width of the output layer (0 for an architecture with no layers).
    ///
    /// ```
    /// use mlplab::nn::network::Architecture;
    /// assert_eq!(Architecture::study(784, 10).outputs(), 10);
    /// ```
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.width)
    }

    /// The output activation (`None` for an architecture with no layers).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::study(784, 10);
    /// assert_eq!(arch.output_activation(), Some(&Activation::Softmax));
    /// ```
    pub fn output_activation(&self) -> Option<&Activation> {
        self.layers.last().map(|l| &l.activation)
    }

    /// Total number of weights and biases, `Σ_l (p_l q_l + q_l)`.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(3, &[4], Activation::Relu, 2, Activation::Softmax);
    /// assert_eq!(arch.parameter_count(), (3 * 4 + 4) + (4 * 2 + 2));
    /// ```
    pub fn parameter_count(&self) -> usize {
        self.layout().last().map_or(0, |l| l.b.end)
    }

    /// Compact name, runs of equal layers folded: `784-128xleaky-relu(0.1)x4-10xsoftmax`.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(2, &[16, 8], Activation::Relu, 3, Activation::Softmax);
    /// assert_eq!(arch.describe(), "2-16xrelu-8xrelu-3xsoftmax");
    /// ```
    pub fn describe(&self) -> String {
        let mut parts = vec![self.inputs.to_string()];
        let mut i = 0;
        while i < self.layers.len() {
            let mut run = 1;
            while i + run < self.layers.len() && self.layers[i + run] == self.layers[i] {
                run += 1;
            }
            let l = &self.layers[i];
            let mut s = format!("{}x{}", l.width, l.activation);
            if run > 1 {
                s.push_str(&format!("x{run}"));
            }
            parts.push(s);
            i += run;
        }
        parts.join("-")
    }

    /// Where each layer's weights and biases sit in the flat parameter vector
    /// `[W1, b1, W2, b2, …]`.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// let arch = Architecture::mlp(3, &[4], Activation::Relu, 2, Activation::Softmax);
    /// let layout = arch.layout();
    /// assert_eq!((layout[0].w.clone(), layout[0].b.clone()), (0..12, 12..16));
    /// assert_eq!((layout[1].w.clone(), layout[1].b.clone()), (16..24, 24..26));
    /// ```
    pub fn layout(&self) -> Vec<LayerLayout> {
        let mut offset = 0;
        let mut p = self.inputs;
        self.layers
            .iter()
            .map(|l| {
                let q = l.width;
                let w = offset..offset + p * q;
                let b = w.end..w.end + q;
                offset = b.end;
                let layout = LayerLayout {
                    inputs: p,
                    outputs: q,
                    w,
                    b,
                };
                p = q;
                layout
            })
            .collect()
    }
}

/// One layer's place in the flat parameter vector (and in the gradient, which has the same
/// layout).
///
/// ```
/// use mlplab::nn::network::Architecture;
/// let l = &Architecture::study(784, 10).layout()[0];
/// assert_eq!((l.inputs, l.outputs), (784, 128));
/// assert_eq!(l.w.len(), 784 * 128);
/// assert_eq!(l.b, l.w.end..l.w.end + 128);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerLayout {
    /// Fan-in p.
    pub inputs: usize,
    /// Fan-out q.
    pub outputs: usize,
    /// Range of `W` (p×q, row-major).
    pub w: Range<usize>,
    /// Range of `b` (q).
    pub b: Range<usize>,
}

impl LayerLayout {
    /// This layer's [`Dense`] shape on a batch of `rows` rows.
    ///
    /// ```
    /// use mlplab::nn::{matmul::Threads, network::Architecture};
    /// let d = Architecture::study(784, 10).layout()[0].dense(100, Threads::One);
    /// assert_eq!((d.rows, d.inputs, d.outputs), (100, 784, 128));
    /// ```
    pub fn dense(&self, rows: usize, threads: Threads) -> Dense {
        Dense {
            rows,
            inputs: self.inputs,
            outputs: self.outputs,
            threads,
        }
    }
}

/// Buffers for a forward and backward pass on up to `rows` examples, sized once: `Z[l]`,
/// `A[l]`, `dZ[l]`, `dA[l]` (each rows×q_l) per layer, so that [`Network::forward`] and
/// [`Network::backward`] allocate nothing.
///
/// ```
/// use mlplab::nn::{matmul::Threads, network::{Architecture, Workspace}};
/// let ws = Workspace::<f32>::new(&Architecture::study(784, 10), 100, Threads::One);
/// assert_eq!(ws.rows(), 100);
/// ```
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    rows: usize,
    threads: Threads,
    /// `Z[l]`, n×q each.
    z: Vec<Vec<T>>,
    /// `A[l]`, n×q each.
    a: Vec<Vec<T>>,
    /// `dZ[l]`.
    dz: Vec<Vec<T>>,
    /// `dA[l]`.
    da: Vec<Vec<T>>,
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for `arch` and batches of at most `rows` rows, on `threads`.
    ///
    /// ```
    /// use mlplab::nn::{matmul::Threads, network::{Architecture, Workspace}};
    /// let ws = Workspace::<f64>::new(&Architecture::study(4, 2), 8, Threads::One);
    /// assert_eq!(ws.rows(), 8);
    /// ```
    pub fn new(arch: &Architecture, rows: usize, threads: Threads) -> Self {
        let buf = || -> Vec<Vec<T>> {
            arch.layers
                .iter()
                .map(|l| vec![T::zero(); rows * l.width])
                .collect()
        };
        Workspace {
            rows,
            threads,
            z: buf(),
            a: buf(),
            dz: buf(),
            da: buf(),
        }
    }

    /// Largest batch these buffers hold.
    ///
    /// ```
    /// use mlplab::nn::{matmul::Threads, network::{Architecture, Workspace}};
    /// let ws = Workspace::<f32>::new(&Architecture::study(4, 2), 32, Threads::One);
    /// assert_eq!(ws.rows(), 32);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Lets the products of later passes use `threads`. The results do not change: every
    /// product gives the same bits on any number of threads (see [`crate::nn::matmul::matmul`]).
    ///
    /// ```
    /// use mlplab::nn::{matmul::Threads, network::{Architecture, Workspace}};
    /// let mut ws = Workspace::<f32>::new(&Architecture::study(4, 2), 32, Threads::One);
    /// ws.set_threads(Threads::UpTo(2));
    /// assert_eq!(ws.threads(), Threads::UpTo(2));
    /// ```
    pub fn set_threads(&mut self, threads: Threads) {
        self.threads = threads;
    }

    /// The threads its products may use.
    pub fn threads(&self) -> Threads {
        self.threads
    }
}

/// The threshold of the recorded sparsity: a weight is small when `|w| < 1e-3 · max |w|` of
/// its layer ([`Network::weight_sparsity`]).
pub const SPARSITY_REL: f64 = 1e-3;

/// The fractions of `w` with `|w| < rel · max |w|` (all of it when every weight is 0) and
/// exactly 0: one layer's sparsity ([`Network::weight_sparsity`]).
///
/// ```
/// assert_eq!(mlplab::nn::network::sparsity(&[2.0f32, 0.0, 1e-4, -1.0], 1e-3), (0.5, 0.25));
/// ```
pub fn sparsity<T: Scalar>(w: &[T], rel: f64) -> (f64, f64) {
    let abs = w.iter().map(|&v| Scalar::to_f64(v).abs());
    let max = abs.clone().fold(0.0f64, f64::max);
    let below = max * rel;
    let n = w.len().max(1) as f64;
    let small = abs.clone().filter(|&a| a < below || max == 0.0).count();
    let zero = abs.filter(|&a| a == 0.0).count();
    (small as f64 / n, zero as f64 / n)
}

/// A multilayer perceptron over scalars `T`.
///
/// ```
/// use mlplab::nn::network::{Architecture, Network, Workspace};
/// use mlplab::nn::init::Init;
/// use mlplab::nn::matmul::Threads;
/// let arch = Architecture::study(4, 3);
/// let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 0).unwrap();
/// let mut ws = Workspace::new(&arch, 2, Threads::One);
/// let out = net.forward(&[0.1; 8], 2, &mut ws);
/// assert_eq!(out.len(), 2 * 3);
/// assert!((out[..3].iter().sum::<f32>() - 1.0).abs() < 1e-5);
/// ```
#[derive(Clone, Debug)]
pub struct Network<T> {
    arch: Architecture,
    layout: Vec<LayerLayout>,
    params: Vec<T>,
}

impl<T: Scalar> Network<T> {
    /// A network with weights from `init` (drawn in f64 from the seed's `"init"` stream, layer
    /// by layer, row-major) and zero biases (SPEC §6). Fails with [`Error::Config`] when
    /// `arch` does not [validate](Architecture::validate).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 7).unwrap();
    /// assert!(net.bias(0).iter().all(|&b| b == 0.0));
    /// let again = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 7).unwrap();
    /// assert_eq!(net.params(), again.params()); // the seed fixes the weights
    /// ```
    pub fn new(arch: Architecture, init: Init, seed: u64) -> Result<Self> {
        let n = arch.checked_parameter_count()?;
        arch.validate()?;
        let layout = arch.layout();
        // `try_reserve`: a network too large for the machine is an error, not an abort.
        let mut params = Vec::new();
        params.try_reserve_exact(n).map_err(|e| {
            config(format!(
                "network {}: cannot allocate its {n} parameters: {e}",
                arch.describe()
            ))
        })?;
        params.resize(n, T::zero());
        let mut rng = Rng::derived(seed, "init");
        for l in &layout {
            let mut w = vec![0.0; l.w.len()];
            init.fill(&mut w, l.inputs, l.outputs, &mut rng);
            for (p, w) in params[l.w.clone()].iter_mut().zip(w) {
                *p = T::of(w);
            }
        }
        Ok(Network {
            arch,
            layout,
            params,
        })
    }

    /// A network with the given flat parameters (layout as [`Architecture::layout`]); fails
    /// with [`Error::Shape`] when their count is not [`Architecture::parameter_count`], and
    /// with [`Error::Data`] naming the layer and index when one is NaN or infinite.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::{Architecture, Network}};
    /// let arch = Architecture::mlp(2, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch.clone(), vec![1.0f64, 2.0, 0.5]).unwrap();
    /// assert_eq!(net.predict(&[1.0, 1.0]).unwrap(), [3.5]); // 1·1 + 1·2 + 0.5
    /// assert!(Network::from_params(arch, vec![0.0f64; 2]).is_err());
    /// ```
    pub fn from_params(arch: Architecture, params: Vec<T>) -> Result<Self> {
        arch.validate()?;
        let expected = arch.parameter_count();
        if params.len() != expected {
            return Err(Error::Shape(format!(
                "{} parameters given, {} expects {expected}",
                params.len(),
                arch.describe()
            )));
        }
        let layout = arch.layout();
        if let Some(bad) = NonFinite::find(&layout, &params) {
            return Err(Error::Data(format!(
                "{} is {}: parameters must be finite",
                bad.place(),
                bad.value
            )));
        }
        Ok(Network {
            layout,
            arch,
            params,
        })
    }

    /// The architecture.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.architecture().inputs, 4);
    /// ```
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// Per-layer ranges into [`Network::params`].
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.layout().len(), 5);
    /// assert_eq!(net.layout()[4].b.end, net.params().len());
    /// ```
    pub fn layout(&self) -> &[LayerLayout] {
        &self.layout
    }

    /// All parameters, `[W1, b1, W2, b2, …]`.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let arch = Architecture::study(4, 3);
    /// let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.params().len(), arch.parameter_count());
    /// ```
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// All parameters, mutably (what an optimizer step writes).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let mut net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// net.params_mut().fill(0.0);
    /// assert!(net.weights(0).iter().all(|&w| w == 0.0));
    /// ```
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// `W[l]` (p×q, row-major) of layer `l` (0-based; `l` past the last layer panics).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.weights(0).len(), 4 * 128);
    /// assert!(net.weights(0).iter().all(|w| w.abs() <= (6.0f32 / 4.0).sqrt()));
    /// ```
    pub fn weights(&self, l: usize) -> &[T] {
        &self.params[self.layout[l].w.clone()]
    }

    /// `b[l]` (q) of layer `l` (0-based; `l` past the last layer panics).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.bias(4), [0.0; 3]);
    /// ```
    pub fn bias(&self, l: usize) -> &[T] {
        &self.params[self.layout[l].b.clone()]
    }

    /// Index ranges of the weights (what penalties and weight decay apply to; biases are
    /// left out).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.weight_ranges()[0], 0..4 * 128);
    /// ```
    pub fn weight_ranges(&self) -> Vec<Range<usize>> {
        self.layout.iter().map(|l| l.w.clone()).collect()
    }

    /// `‖W[l]‖_F` for every layer, accumulated in f64 (see [`frobenius`]).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::{Architecture, Network}};
    /// let arch = Architecture::mlp(2, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch, vec![3.0f64, 4.0, 100.0]).unwrap();
    /// assert_eq!(net.weight_norms(), [5.0]); // the bias is not a weight
    /// ```
    pub fn weight_norms(&self) -> Vec<f64> {
        self.layout
            .iter()
            .map(|l| frobenius(&self.params[l.w.clone()]))
            .collect()
    }

    /// Per layer, the fraction of the weights that are small, `|w| < rel · max_l |w|`, and
    /// the fraction exactly zero: the sparsity L1 produces (`rel = 1e-3` in the records,
    /// [`SPARSITY_REL`]). A layer whose weights are all zero is all small and all zero.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::{Architecture, Network}};
    /// let arch = Architecture::mlp(4, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch, vec![1.0f64, 0.0, 1e-4, -0.5, 7.0]).unwrap();
    /// assert_eq!(net.weight_sparsity(1e-3), [(0.5, 0.25)]); // 0 and 1e-4 are below 1e-3
    /// ```
    pub fn weight_sparsity(&self, rel: f64) -> Vec<(f64, f64)> {
        self.layout
            .iter()
            .map(|l| sparsity(&self.params[l.w.clone()], rel))
            .collect()
    }

    /// The penalty of `reg` over all weights with divisor `n`:
    /// `(λ/2N) Σ_l Σ w² + (λ1/N) Σ_l Σ |w|` (SPEC §3).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::{Architecture, Network}};
    /// use mlplab::nn::regularization::Regularization;
    /// let arch = Architecture::mlp(2, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch, vec![3.0f64, 4.0, 100.0]).unwrap();
    /// let reg = Regularization { l2: 1.0, ..Default::default() };
    /// assert_eq!(net.penalty(&reg, 4), 3.125); // (1/8)·(3² + 4²)
    /// ```
    pub fn penalty(&self, reg: &Regularization, n: usize) -> f64 {
        reg.penalty_over(&self.params, self.layout.iter().map(|l| l.w.clone()), n)
    }

    /// Adds the penalty's gradient `(λ/N) W[l] + (λ1/N) sign W[l]` (SPEC §4) to the weight
    /// blocks of `grad` (laid out like the parameters; biases untouched), with divisor `n`.
    /// The one place a training step adds it, after the loss gradient of the whole batch.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::{Architecture, Network}};
    /// use mlplab::nn::regularization::Regularization;
    /// let arch = Architecture::mlp(2, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch, vec![3.0f64, 4.0, 100.0]).unwrap();
    /// let reg = Regularization { l2: 1.0, ..Default::default() };
    /// let mut grad = [1.0; 3];
    /// net.add_penalty_gradient(&reg, 4, &mut grad);
    /// assert_eq!(grad, [1.75, 2.0, 1.0]); // + (1/4)·w on the weights only
    /// ```
    pub fn add_penalty_gradient(&self, reg: &Regularization, n: usize, grad: &mut [T]) {
        let weights = self.layout.iter().map(|l| l.w.clone());
        reg.add_gradient_over(&self.params, grad, weights, n);
    }

    /// Forward pass of `x` (n×inputs, n ≤ `ws.rows()`); returns `A[L]` (n×outputs), and
    /// leaves every `Z[l]`, `A[l]` in `ws` for [`Network::backward`] (SPEC §1):
    ///
    /// ```text
    /// Z[l] = A[l−1] · W[l] + 1·b[l]      A[l−1]: n×p, W[l]: p×q, b[l]: 1×q
    /// A[l] = g[l](Z[l])                  A[0] = x
    /// ```
    ///
    /// The shapes are the caller's contract and are asserted (a mismatch panics); `ws` must
    /// have been made for this network's architecture. For input of unchecked shape use
    /// [`Network::predict`], which returns an error instead.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, matmul::Threads};
    /// use mlplab::nn::network::{Architecture, Network, Workspace};
    /// let arch = Architecture::mlp(2, &[], Activation::Relu, 1, Activation::Relu);
    /// let net = Network::from_params(arch.clone(), vec![1.0f64, -1.0, 0.0]).unwrap();
    /// let mut ws = Workspace::new(&arch, 2, Threads::One);
    /// assert_eq!(net.forward(&[3.0, 1.0, 1.0, 3.0], 2, &mut ws), [2.0, 0.0]);
    /// ```
    pub fn forward<'w>(&self, x: &[T], n: usize, ws: &'w mut Workspace<T>) -> &'w [T] {
        assert!(
            n <= ws.rows && x.len() == n * self.arch.inputs,
            "forward shapes"
        );
        for (l, (layout, spec)) in self.layout.iter().zip(&self.arch.layers).enumerate() {
            let q = layout.outputs;
            let (done, rest) = ws.a.split_at_mut(l);
            let a_prev: &[T] = if l == 0 {
                x
            } else {
                &done[l - 1][..n * layout.inputs]
            };
            let z = &mut ws.z[l][..n * q];
            let (w, b) = (
                &self.params[layout.w.clone()],
                &self.params[layout.b.clone()],
            );
            dense_forward(z, a_prev, w, b, layout.dense(n, ws.threads));
            spec.activation.forward(z, &mut rest[0][..n * q], q);
        }
        let last = self.layout.len() - 1;
        &ws.a[last][..n * self.arch.outputs()]
    }

    /// Back-propagation after [`Network::forward`] on the same `x` and `ws` (SPEC §4):
    ///
    /// ```text
    /// dA[L] = dL/dA[L] / n                 (or fused: dZ[L] = (A[L] − Y) / n)
    /// dZ[l] = VJP of g[l] at Z[l] applied to dA[l]
    /// dW[l] = A[l−1]ᵀ · dZ[l] + (λ/N) W[l] (+ (λ1/N) sign W[l])
    /// db[l] = column sums of dZ[l]
    /// dA[l−1] = dZ[l] · W[l]ᵀ
    /// ```
    ///
    /// `x`: n×inputs, the batch given to `forward`; `y`: n×outputs, the target (one-hot);
    /// `reg_n` is the `N` of the penalty; gradients are written (not accumulated) into `grad`,
    /// laid out like the parameters. Unlike PyTorch's `backward`, which adds into `.grad`,
    /// there is nothing to zero first. Each layer's `dW`, `db`, `dA` come from
    /// [`dense_backward`]; the penalty term is added after the last layer, by
    /// [`Network::add_penalty_gradient`].
    ///
    /// The lengths of `y` and `grad` are asserted (a mismatch panics), as are `forward`'s.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, loss::Loss, matmul::Threads};
    /// use mlplab::nn::network::{Architecture, Network, Workspace};
    /// use mlplab::nn::regularization::Regularization;
    /// // One identity unit and MSE: J = ½(w·x + b − y)², so dW = (a − y)·x, db = a − y.
    /// let arch = Architecture::mlp(1, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch.clone(), vec![2.0f64, 0.5]).unwrap();
    /// let mut ws = Workspace::new(&arch, 1, Threads::One);
    /// let (x, y) = ([3.0], [1.0]);
    /// assert_eq!(net.forward(&x, 1, &mut ws), [6.5]);
    /// let mut grad = [0.0; 2];
    /// net.backward(&x, &y, 1, Loss::Mse, &Regularization::default(), 1, &mut ws, &mut grad);
    /// assert_eq!(grad, [16.5, 5.5]);
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        x: &[T],
        y: &[T],
        n: usize,
        loss: Loss,
        reg: &Regularization,
        reg_n: usize,
        ws: &mut Workspace<T>,
        grad: &mut [T],
    ) {
        self.backward_rows(x, y, n, n, loss, Some((reg, reg_n)), ws, grad);
    }

    /// [`Network::backward`] for `rows` rows that are part of a batch of `batch` rows: the
    /// loss gradient is divided by `batch`, not `rows`, so the gradients of the parts of a
    /// batch add up to the batch's gradient. `penalty` adds the penalty gradient
    /// (`None`: leave it to whoever adds the parts up).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, loss::Loss, matmul::Threads, regularization::Regularization};
    /// use mlplab::nn::network::{Architecture, Network, Workspace};
    /// let arch = Architecture::study(3, 2);
    /// let net = Network::<f64>::new(arch.clone(), Init::HeUniform, 0).unwrap();
    /// let x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    /// let y = [1.0, 0.0, 0.0, 1.0];
    /// let grad = |x: &[f64], y: &[f64], rows| {
    ///     let mut ws = Workspace::new(&arch, 2, Threads::One);
    ///     net.forward(x, rows, &mut ws);
    ///     let mut g = vec![0.0; net.params().len()];
    ///     net.backward_rows(x, y, rows, 2, Loss::Cce, None, &mut ws, &mut g);
    ///     g
    /// };
    /// let whole = grad(&x, &y, 2);
    /// let (a, b) = (grad(&x[..3], &y[..2], 1), grad(&x[3..], &y[2..], 1));
    /// assert!(whole.iter().zip(a.iter().zip(&b)).all(|(w, (a, b))| (w - (a + b)).abs() < 1e-12));
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn backward_rows(
        &self,
        x: &[T],
        y: &[T],
        rows: usize,
        batch: usize,
        loss: Loss,
        penalty: Option<(&Regularization, usize)>,
        ws: &mut Workspace<T>,
        grad: &mut [T],
    ) {
        let n = rows;
        assert!(
            y.len() == n * self.arch.outputs() && grad.len() == self.params.len(),
            "backward shapes"
        );
        self.output_delta(y, n, batch, loss, ws);
        for l in (0..self.layout.len()).rev() {
            let layout = &self.layout[l];
            let p = layout.inputs;
            let w = &self.params[layout.w.clone()];
            let a_prev: &[T] = if l == 0 { x } else { &ws.a[l - 1][..n * p] };
            let (dz_lower, dz_upper) = ws.dz.split_at_mut(l);
            let dz = &dz_upper[0][..n * layout.outputs];
            let (dw, db) = grad[layout.w.start..layout.b.end].split_at_mut(layout.w.len());
            let d = layout.dense(n, ws.threads);
            if l == 0 {
                dense_backward(dw, db, None, dz, a_prev, w, d);
                continue;
            }
            // dA[l−1] = dZ · Wᵀ, then dZ[l−1] through g[l−1]
            let da = &mut ws.da[l - 1][..n * p];
            dense_backward(dw, db, Some(&mut *da), dz, a_prev, w, d);
            self.arch.layers[l - 1].activation.vjp(
                &ws.z[l - 1][..n * p],
                &ws.a[l - 1][..n * p],
                da,
                &mut dz_lower[l - 1][..n * p],
                p,
            );
        }
        if let Some((reg, reg_n)) = penalty {
            self.add_penalty_gradient(reg, reg_n, grad);
        }
    }

    /// `dZ[L]` into `ws` after a forward pass (SPEC §4): `(A[L] − Y)/batch` when the loss
    /// fuses with the output activation, else the loss gradient `dA[L]` through `g[L]`'s VJP.
    /// `y`: n×outputs.
    fn output_delta(&self, y: &[T], n: usize, batch: usize, loss: Loss, ws: &mut Workspace<T>) {
        let last = self.layout.len() - 1;
        let q = self.arch.outputs();
        let out_act = &self.arch.layers[last].activation;
        let a = &ws.a[last][..n * q];
        let dz = &mut ws.dz[last][..n * q];
        if loss.fuses_with(out_act) {
            Loss::fused_gradient(y, a, dz, batch);
        } else {
            let da = &mut ws.da[last][..n * q];
            loss.gradient(y, a, da, batch);
            out_act.vjp(&ws.z[last][..n * q], a, da, dz, q);
        }
    }

    /// Convenience forward pass that allocates its own buffers: `x` is n×inputs (n is
    /// `x.len() / inputs`), returns `A[L]`, n×outputs. Fails with [`Error::Shape`] when
    /// `x.len()` is not a multiple of the input width.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// let net = Network::<f32>::new(Architecture::study(4, 3), Init::HeUniform, 0).unwrap();
    /// assert_eq!(net.predict(&[0.5; 8]).unwrap().len(), 2 * 3);
    /// assert!(net.predict(&[0.5; 7]).is_err());
    /// ```
    pub fn predict(&self, x: &[T]) -> Result<Vec<T>> {
        let p = self.arch.inputs;
        if !x.len().is_multiple_of(p) {
            return Err(Error::Shape(format!(
                "input has {} values, not a multiple of the input width {p}",
                x.len()
            )));
        }
        let n = x.len() / p;
        let mut ws = Workspace::new(&self.arch, n, Threads::One);
        Ok(self.forward(x, n, &mut ws).to_vec())
    }

    /// Mean loss plus penalty on `(x, y)` in one batch — the cost `J` of SPEC §3:
    /// `J = (1/n) Σ_i L(y_i, a_i) + penalty(reg, reg_n)`. `x`: n×inputs, `y`: n×outputs.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, loss::Loss, network::{Architecture, Network}};
    /// use mlplab::nn::regularization::Regularization;
    /// let arch = Architecture::mlp(1, &[], Activation::Identity, 1, Activation::Identity);
    /// let net = Network::from_params(arch, vec![2.0f64, 0.5]).unwrap();
    /// let reg = Regularization { l2: 1.0, ..Default::default() };
    /// // ½(6.5 − 1)² + (1/2)·2²
    /// assert_eq!(net.cost(&[3.0], &[1.0], Loss::Mse, &reg, 1).unwrap(), 15.125 + 2.0);
    /// ```
    pub fn cost(
        &self,
        x: &[T],
        y: &[T],
        loss: Loss,
        reg: &Regularization,
        reg_n: usize,
    ) -> Result<f64> {
        let a = self.predict(x)?;
        let n = x.len() / self.arch.inputs;
        Ok(loss.total(y, &a, self.arch.outputs()) / n as f64 + self.penalty(reg, reg_n))
    }
}

/// Frobenius norm `‖m‖_F = √(Σ m_ij²)`, accumulated in f64.
///
/// ```
/// use mlplab::nn::network::frobenius;
/// assert_eq!(frobenius(&[3.0f32, 4.0]), 5.0);
/// assert_eq!(frobenius(&[1.0f64; 100]), 10.0);
/// ```
pub fn frobenius<T: Scalar>(m: &[T]) -> f64 {
    crate::nn::scalar::sum_map(m, |x| x * x).sqrt()
}

/// The first NaN or infinite value of a parameter-shaped vector (parameters or a gradient):
/// its layer, whether a weight or a bias, and its index, to name it in a message.
///
/// ```
/// use mlplab::nn::{activation::Activation, network::{Architecture, NonFinite}};
/// let arch = Architecture::mlp(2, &[], Activation::Identity, 1, Activation::Identity);
/// let bad = NonFinite::find(&arch.layout(), &[1.0f32, 2.0, f32::NAN]).unwrap();
/// assert_eq!((bad.layer, bad.bias, bad.index), (1, true, 0));
/// assert_eq!(bad.place(), "layer 1 bias [0]");
/// assert!(NonFinite::find(&arch.layout(), &[1.0f32, 2.0, 3.0]).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFinite {
    /// 1-based layer.
    pub layer: usize,
    /// A bias (else a weight).
    pub bias: bool,
    /// Index within the layer's weights (`k·q + o` for `W[k, o]`, p×q row-major) or biases.
    pub index: usize,
    /// The value, NaN or ±∞, as f64.
    pub value: f64,
}

impl NonFinite {
    /// The first non-finite value of `values` (laid out as `layout`), layer by layer, weights
    /// before biases; `None` when all are finite. Cheap when they are (one pass, vectorized).
    pub fn find<T: Scalar>(layout: &[LayerLayout], values: &[T]) -> Option<NonFinite> {
        if crate::nn::scalar::all_finite(values) {
            return None;
        }
        for (l, lay) in layout.iter().enumerate() {
            for (bias, range) in [(false, &lay.w), (true, &lay.b)] {
                let slice = values.get(range.clone()).unwrap_or(&[]);
                if let Some(index) = slice.iter().position(|v| !v.is_finite()) {
                    let value = slice.get(index).map_or(f64::NAN, |&v| Scalar::to_f64(v));
                    return Some(NonFinite {
                        layer: l + 1,
                        bias,
                        index,
                        value,
                    });
                }
            }
        }
        None
    }

    /// `"layer 2 weight #7"` (the index into `W[l]`, p×q row-major) or `"layer 1 bias [0]"`.
    pub fn place(&self) -> String {
        if self.bias {
            format!("layer {} bias [{}]", self.layer, self.index)
        } else {
            format!("layer {} weight #{}", self.layer, self.index)
        }
    }

    /// `"weights"` or `"biases"`.
    pub fn kind(&self) -> &'static str {
        if self.bias { "biases" } else { "weights" }
    }
}
