//! `mlplab bench`: the study's network on synthetic MNIST- and CIFAR-shaped data, timed per
//! training epoch, next to a large GEMM measured in the same process (the machine's
//! attainable rate), so speed is reported as a ratio rather than an absolute claim.
//!
//! The timed work is the study's network (SPEC §7) with MSE and Adam, f32; the same work in
//! PyTorch is [`PYTORCH_SCRIPT`], run by [`pytorch_reference`].

#![warn(missing_docs)]

use std::time::Instant;

use serde::Serialize;

use crate::nn::error::{Result, config};
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::matmul::{MatMut, MatRef, Threads, matmul};
use crate::nn::network::{Architecture, Network};
use crate::nn::optim::{OptimizerConfig, OptimizerKind};
use crate::nn::regularization::Regularization;
use crate::nn::rng::Rng;
use crate::train::{Objective, Samples, TrainConfig, Trainer, with_threads};

/// What to time. The default times both shapes of SPEC §10 on every available core.
///
/// ```
/// let o = mlplab::study::bench::BenchOptions::default();
/// assert_eq!((o.rows, o.batch_size, o.gemm_size), (10_000, 100, 2048));
/// ```
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Threads for training and for the large GEMM.
    pub threads: usize,
    /// Timed epochs per shape (one more is run first as warm-up).
    pub epochs: usize,
    /// Rows per epoch.
    pub rows: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Side of the square reference GEMM.
    pub gemm_size: usize,
    /// Input widths to time, with a label each.
    pub shapes: Vec<(String, usize)>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            epochs: 5,
            rows: 10_000,
            batch_size: 100,
            gemm_size: 2048,
            shapes: vec![("mnist".into(), 784), ("cifar".into(), 3072)],
        }
    }
}

/// Timing of one shape.
///
/// ```
/// use mlplab::study::bench::{run, BenchOptions};
/// let opts = BenchOptions {
///     threads: 1, epochs: 1, rows: 100, gemm_size: 32,
///     shapes: vec![("tiny".into(), 8)], ..Default::default()
/// };
/// let t = &run(&opts).unwrap().shapes[0];
/// assert_eq!((t.shape.as_str(), t.inputs, t.epoch_seconds.len()), ("tiny", 8, 1));
/// assert!((t.gflops * t.seconds_per_epoch - t.gflop_per_epoch).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct ShapeTiming {
    /// Label, e.g. `"mnist"`.
    pub shape: String,
    /// Input width.
    pub inputs: usize,
    /// Median seconds per training epoch.
    pub seconds_per_epoch: f64,
    /// Every timed epoch.
    pub epoch_seconds: Vec<f64>,
    /// Floating-point operations of one epoch (forward, weight gradients, input gradients).
    pub gflop_per_epoch: f64,
    /// Achieved rate.
    pub gflops: f64,
    /// `gflops / large_gemm_gflops`.
    pub fraction_of_gemm: f64,
    /// Median seconds to evaluate cost and accuracy on all rows (what a run does for each
    /// evaluation set after every epoch).
    pub eval_seconds: f64,
    /// Median seconds of one full-batch evaluation of J and ∇J on all rows (L-BFGS's unit of
    /// work: [`crate::train::Objective::cost_gradient`] in blocks of 1,000 rows).
    pub full_batch_seconds: f64,
    /// Its rate (the FLOPs of one epoch, [`epoch_flop`]) as a fraction of the large GEMM's.
    pub full_batch_fraction_of_gemm: f64,
    /// A digest of the trained parameters' bits (FNV-1a over every value): the same on any
    /// thread count, which `mlplab bench` checks across the counts it times.
    pub params_digest: String,
}

/// FNV-1a (64 bits) of the values' bits, in hex.
fn digest(values: &[f32]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for byte in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The whole benchmark.
///
/// ```
/// use mlplab::study::bench::{run, BenchOptions};
/// let opts = BenchOptions {
///     threads: 1, epochs: 1, rows: 100, gemm_size: 32,
///     shapes: vec![("tiny".into(), 8)], ..Default::default()
/// };
/// let r = run(&opts).unwrap();
/// assert_eq!((r.threads, r.gemm_size, r.shapes.len()), (1, 32, 1));
/// assert_eq!(r.architecture, "8-128xleaky-relu(0.1)x4-10xsoftmax");
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Threads used.
    pub threads: usize,
    /// Architecture timed.
    pub architecture: String,
    /// Rate of an n×n×n f32 GEMM in the same process.
    pub large_gemm_gflops: f64,
    /// Its size n.
    pub gemm_size: usize,
    /// Per shape.
    pub shapes: Vec<ShapeTiming>,
}

/// FLOPs of one training epoch of `arch` on `rows` rows: 2npq for each forward product and
/// each weight gradient, and for each input gradient of layers 2..L (`dA[0]` is never
/// computed). Activations, biases and the optimizer are not counted.
///
/// ```
/// use mlplab::{nn::activation::Activation, nn::network::Architecture, study::bench::epoch_flop};
/// let arch = Architecture::mlp(10, &[20], Activation::Relu, 5, Activation::Softmax);
/// // layer 1: 2 products × 2·n·10·20; layer 2: 3 products × 2·n·20·5
/// assert_eq!(epoch_flop(&arch, 1), 800.0 + 600.0);
/// ```
pub fn epoch_flop(arch: &Architecture, rows: usize) -> f64 {
    arch.layout()
        .iter()
        .enumerate()
        .map(|(l, layout)| {
            let products = if l == 0 { 2.0 } else { 3.0 };
            products * 2.0 * rows as f64 * (layout.inputs * layout.outputs) as f64
        })
        .sum()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// Best-of-3 rate of an n×n×n f32 product on the current pool.
fn large_gemm_gflops(n: usize, threads: Threads) -> f64 {
    let mut rng = Rng::new(1);
    let a: Vec<f32> = (0..n * n).map(|_| rng.unit() as f32).collect();
    let b = a.clone();
    let mut c = vec![0f32; n * n];
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        matmul(
            MatMut::new(&mut c, n, n),
            MatRef::new(&a, n, n),
            MatRef::new(&b, n, n),
            false,
            threads,
        );
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) / best / 1e9
}

/// Runs the benchmark: for each shape, one warm-up epoch then `opts.epochs` timed epochs of
/// [`crate::train::Trainer::step`] on uniform random data. Fails with
/// [`crate::Error::Config`] when `opts.epochs` is 0 (there would be nothing to time).
///
/// ```
/// use mlplab::study::bench::{run, BenchOptions};
/// let opts = BenchOptions {
///     threads: 1, epochs: 2, rows: 100, gemm_size: 32,
///     shapes: vec![("tiny".into(), 8)], ..Default::default()
/// };
/// let r = run(&opts).unwrap();
/// assert_eq!(r.shapes[0].epoch_seconds.len(), 2);
/// assert!(r.large_gemm_gflops > 0.0);
/// assert!(run(&BenchOptions { epochs: 0, ..opts }).is_err());
/// ```
pub fn run(opts: &BenchOptions) -> Result<BenchReport> {
    if opts.epochs == 0 {
        return Err(config(
            "bench epochs = 0: must be ≥ 1 (the warm-up epoch is not timed)",
        ));
    }
    let threads = opts.threads.max(1);
    let kind = if threads > 1 {
        Threads::Pool
    } else {
        Threads::One
    };
    with_threads(threads, || -> Result<BenchReport> {
        let gemm = large_gemm_gflops(opts.gemm_size, kind);
        let mut shapes = Vec::new();
        let mut arch_name = String::new();
        for (label, inputs) in &opts.shapes {
            let arch = Architecture::study(*inputs, 10);
            arch_name = arch.describe();
            let mut rng = Rng::new(7);
            let x: Vec<f32> = (0..opts.rows * inputs).map(|_| rng.unit() as f32).collect();
            let labels: Vec<u32> = (0..opts.rows).map(|_| rng.below(10) as u32).collect();
            let data = Samples::new(&x, &labels, *inputs, 10)?;
            let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 1)?;
            let cfg = TrainConfig {
                loss: Loss::Mse,
                optimizer: OptimizerConfig::new(OptimizerKind::Adam, 1e-3),
                batch_size: opts.batch_size,
                epochs: opts.epochs + 1,
                threads,
                ..Default::default()
            };
            let mut trainer = Trainer::new(net, cfg, opts.rows)?;
            let mut order: Vec<usize> = (0..opts.rows).collect();
            let mut times = Vec::new();
            for epoch in 0..=opts.epochs {
                Rng::new(epoch as u64).shuffle(&mut order);
                let t = Instant::now();
                for rows in order.chunks(opts.batch_size) {
                    trainer.step(&data, rows)?;
                }
                if epoch > 0 {
                    times.push(t.elapsed().as_secs_f64());
                }
            }
            let seconds = median(&times);
            let mut eval_times = Vec::new();
            for _ in 0..opts.epochs {
                let t = Instant::now();
                trainer.evaluate(&data)?;
                eval_times.push(t.elapsed().as_secs_f64());
            }
            let gflop = epoch_flop(&arch, opts.rows) / 1e9;
            // One full-batch J, ∇J (one warm-up first), as an L-BFGS evaluation does it.
            let mut objective = Objective::new(&arch, opts.rows.min(1000), kind);
            let all: Vec<usize> = (0..opts.rows).collect();
            let mut grad = vec![0f32; trainer.net.params().len()];
            let mut full_times = Vec::new();
            for i in 0..=opts.epochs {
                let t = Instant::now();
                let reg = Regularization::default();
                objective.cost_gradient(
                    &trainer.net,
                    &data,
                    &all,
                    Loss::Mse,
                    &reg,
                    opts.rows,
                    &mut grad,
                );
                if i > 0 {
                    full_times.push(t.elapsed().as_secs_f64());
                }
            }
            let full_batch = median(&full_times);
            shapes.push(ShapeTiming {
                shape: label.clone(),
                inputs: *inputs,
                seconds_per_epoch: seconds,
                epoch_seconds: times,
                gflop_per_epoch: gflop,
                gflops: gflop / seconds,
                fraction_of_gemm: gflop / seconds / gemm,
                eval_seconds: median(&eval_times),
                full_batch_seconds: full_batch,
                full_batch_fraction_of_gemm: gflop / full_batch / gemm,
                params_digest: digest(trainer.net.params()),
            });
        }
        Ok(BenchReport {
            threads,
            architecture: arch_name,
            large_gemm_gflops: gemm,
            gemm_size: opts.gemm_size,
            shapes,
        })
    })?
}

/// FLOPs of one forward pass of `arch` over `rows` rows (evaluation): 2·n·p·q per layer.
///
/// ```
/// use mlplab::{nn::activation::Activation, nn::network::Architecture, study::bench::forward_flop};
/// let arch = Architecture::mlp(10, &[20], Activation::Relu, 5, Activation::Softmax);
/// assert_eq!(forward_flop(&arch, 1), 2.0 * (10.0 * 20.0 + 20.0 * 5.0));
/// ```
pub fn forward_flop(arch: &Architecture, rows: usize) -> f64 {
    arch.layout()
        .iter()
        .map(|l| 2.0 * rows as f64 * (l.inputs * l.outputs) as f64)
        .sum()
}

/// A sweep timed against its arithmetic bound ([`study_bound`]).
#[derive(Clone, Debug, Serialize)]
pub struct StudyBound {
    /// Runs in the experiment, and how many the sweep trained now.
    pub runs: usize,
    /// Runs trained by this sweep (the others were already in the store).
    pub executed: usize,
    /// Training GEMMs of the epochs recorded ([`epoch_flop`] per epoch), GFLOP.
    pub train_gflop: f64,
    /// Evaluation passes recorded (train and CV at epoch 0 and every evaluated epoch, the
    /// test set where evaluated), GFLOP.
    pub eval_gflop: f64,
    /// Threads of the GEMM rate (all cores).
    pub threads: usize,
    /// The 2048³ f32 GEMM rate on those threads, measured just before the sweep.
    pub gemm_gflops: f64,
    /// `(train + eval) / gemm`: the sweep's time if every FLOP ran at the GEMM rate.
    pub bound_seconds: f64,
    /// The sweep's wall time.
    pub wall_seconds: f64,
    /// `bound_seconds / wall_seconds`.
    pub fraction: f64,
}

/// Runs `exp` as a sweep with `opts` and compares its wall time with its arithmetic at the
/// GEMM rate measured in the same process on all cores. The arithmetic counts what the
/// store recorded (a diverged run counts the epochs it ran), so run it on a fresh `--out`
/// (runs already in the store are skipped by the sweep and then not timed: they are left
/// out of the arithmetic too).
pub fn study_bound(
    exp: &crate::experiment::Experiment,
    opts: &crate::runner::SweepOptions,
    cache: &crate::runner::DataCache,
) -> std::result::Result<StudyBound, Box<dyn std::error::Error + Send + Sync>> {
    use crate::experiment::TestEval;
    let threads = crate::train::cores();
    let gemm = with_threads(threads, || large_gemm_gflops(2048, Threads::Pool))?;
    let started = Instant::now();
    let summary = crate::runner::sweep(exp, opts, cache)?;
    let wall = started.elapsed().as_secs_f64();
    let executed: std::collections::HashSet<i64> =
        summary.executed.iter().map(|(id, _)| *id).collect();
    let reader = crate::store::StudyReader::open(&summary.db)?;
    let by_key: std::collections::HashMap<String, &crate::experiment::RunConfig> =
        exp.runs.iter().map(|r| (r.key(), r)).collect();
    let (mut train, mut eval) = (0.0, 0.0);
    for stored in reader.runs()? {
        let Some(run) = by_key.get(&stored.key) else {
            continue;
        };
        if !executed.contains(&stored.id) {
            continue;
        }
        let data = cache.get(&run.data, &opts.load)?;
        let arch = run.architecture(data.train.n_features, data.train.n_classes);
        let epochs = reader.epochs(stored.id)?;
        let trained = epochs.iter().filter(|e| e.epoch > 0).count();
        train += epoch_flop(&arch, data.train.len()) * trained as f64;
        let evaluated = epochs.iter().filter(|e| e.train_cost.is_some()).count();
        let rows = data.train.len() + data.cv.len();
        eval += forward_flop(&arch, rows) * evaluated as f64;
        if let Some(test) = &data.test {
            let times = match run.data.evaluate_test {
                TestEval::Every => evaluated,
                TestEval::Final => usize::from(!epochs.is_empty()),
                TestEval::Never => 0,
            };
            eval += forward_flop(&arch, test.len()) * times as f64;
        }
    }
    let bound = (train + eval) / 1e9 / gemm;
    Ok(StudyBound {
        runs: exp.runs.len(),
        executed: executed.len(),
        train_gflop: train / 1e9,
        eval_gflop: eval / 1e9,
        threads,
        gemm_gflops: gemm,
        bound_seconds: bound,
        wall_seconds: wall,
        fraction: bound / wall,
    })
}

/// The PyTorch script that does the same work (`scripts/pytorch_reference.py`), compiled
/// into the binary so that `mlplab bench` can run it from anywhere.
///
/// ```
/// assert!(mlplab::study::bench::PYTORCH_SCRIPT.contains("torch"));
/// ```
pub const PYTORCH_SCRIPT: &str = include_str!("../../scripts/pytorch_reference.py");

/// PyTorch's timing of one input width ([`pytorch_reference`]).
///
/// ```
/// let t = mlplab::study::bench::TorchTiming { inputs: 784, seconds_per_epoch: 0.4, eval_seconds: 0.05 };
/// assert!(t.eval_seconds < t.seconds_per_epoch);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TorchTiming {
    /// Input width.
    pub inputs: usize,
    /// Median seconds per training epoch.
    pub seconds_per_epoch: f64,
    /// Median seconds to evaluate cost and accuracy on all rows without gradients, in
    /// batches of 1,000 (the counterpart of [`ShapeTiming::eval_seconds`]).
    pub eval_seconds: f64,
}

/// PyTorch's median seconds per training epoch and per evaluation for each input width,
/// measured now by running [`PYTORCH_SCRIPT`] with `python` (which must have `torch`) on the
/// same thread count, epochs, rows, batch size and input widths as `opts`. The error is a
/// message naming the interpreter and what went wrong.
///
/// ```
/// use mlplab::study::bench::{pytorch_reference, BenchOptions};
/// let missing = std::path::Path::new("/nonexistent/python3");
/// let err = pytorch_reference(missing, &BenchOptions::default()).unwrap_err();
/// assert!(err.contains("cannot run /nonexistent/python3"));
/// ```
pub fn pytorch_reference(
    python: &std::path::Path,
    opts: &BenchOptions,
) -> std::result::Result<Vec<TorchTiming>, String> {
    let script = std::env::temp_dir().join(format!(
        "mlplab-pytorch-reference-{}.py",
        std::process::id()
    ));
    std::fs::write(&script, PYTORCH_SCRIPT)
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let mut cmd = std::process::Command::new(python);
    cmd.arg(&script)
        .args(["--threads", &opts.threads.to_string()])
        .args(["--epochs", &opts.epochs.to_string()])
        .args(["--rows", &opts.rows.to_string()])
        .args(["--batch", &opts.batch_size.to_string()])
        .arg("--inputs")
        .args(opts.shapes.iter().map(|(_, w)| w.to_string()));
    let output = cmd.output();
    let _ = std::fs::remove_file(&script);
    let output = output.map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            python.display(),
            script.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    parse_pytorch_reference(&output.stdout)
}

/// The timings in the JSON that [`PYTORCH_SCRIPT`] prints: `{"shapes": [{"inputs": W,
/// "seconds_per_epoch": S, "eval_seconds": E, ...}, ...]}`. An entry without one of those
/// fields, or with a time that is not a positive number, is an error that shows the entry.
///
/// ```
/// use mlplab::study::bench::parse_pytorch_reference;
/// let json = br#"{"shapes": [{"inputs": 784, "seconds_per_epoch": 0.4, "eval_seconds": 0.05}]}"#;
/// assert_eq!(parse_pytorch_reference(json).unwrap()[0].eval_seconds, 0.05);
/// assert!(parse_pytorch_reference(b"{}").unwrap_err().contains("no \"shapes\""));
/// ```
pub fn parse_pytorch_reference(stdout: &[u8]) -> std::result::Result<Vec<TorchTiming>, String> {
    let value: serde_json::Value = serde_json::from_slice(stdout)
        .map_err(|e| format!("PyTorch reference printed no JSON: {e}"))?;
    let shapes = value["shapes"]
        .as_array()
        .ok_or("PyTorch reference: no \"shapes\" in its JSON")?;
    shapes
        .iter()
        .map(|s| {
            let seconds = |field: &str| match s[field].as_f64() {
                Some(t) if t > 0.0 => Ok(t),
                _ => Err(format!(
                    "PyTorch reference: entry {s} needs \"{field}\", a number of seconds > 0"
                )),
            };
            let inputs = s["inputs"].as_u64().ok_or_else(|| {
                format!("PyTorch reference: entry {s} needs \"inputs\", a whole number")
            })?;
            Ok(TorchTiming {
                inputs: inputs as usize,
                seconds_per_epoch: seconds("seconds_per_epoch")?,
                eval_seconds: seconds("eval_seconds")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_study_bound_counts_the_recorded_training_and_evaluation_arithmetic() {
        // 2 runs × 3 epochs of a 4-8-3 network on 200 training + 100 CV rows.
        let text = r#"
name = "bound"
[data]
dataset = "blobs:n=300,test=0,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
[network]
hidden = [8]
[train]
loss = "cce"
batch_size = 20
epochs = 3
seed = [1, 2]
[optimizer]
kind = "sgd"
lr = 0.1
"#;
        let exp = crate::experiment::Experiment::from_toml(text, "bound.toml").unwrap();
        let out = std::env::temp_dir().join(format!("mlplab-bound-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let opts = crate::runner::SweepOptions {
            out: out.clone(),
            jobs: 2,
            rebalance: true,
            progress: crate::runner::ProgressMode::Quiet,
            ..Default::default()
        };
        let b = study_bound(&exp, &opts, &crate::runner::DataCache::new()).unwrap();
        let arch = exp.runs[0].architecture(4, 3);
        let train = 2.0 * 3.0 * epoch_flop(&arch, 200) / 1e9;
        let eval = 2.0 * 4.0 * forward_flop(&arch, 300) / 1e9;
        assert_eq!((b.runs, b.executed), (2, 2));
        assert!((b.train_gflop - train).abs() < 1e-15, "{b:?}");
        assert!((b.eval_gflop - eval).abs() < 1e-15, "{b:?}");
        assert!(b.gemm_gflops > 0.0 && b.wall_seconds > 0.0);
        assert!((b.fraction - b.bound_seconds / b.wall_seconds).abs() < 1e-12);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn flop_count_matches_spec() {
        // SPEC §10: a MNIST-shaped epoch is about 7 GFLOP, CIFAR-shaped about 19.
        let mnist = epoch_flop(&Architecture::study(784, 10), 10_000) / 1e9;
        let cifar = epoch_flop(&Architecture::study(3072, 10), 10_000) / 1e9;
        assert!((mnist - 7.0).abs() < 0.1, "{mnist}");
        assert!((cifar - 18.7).abs() < 0.5, "{cifar}");
    }

    #[test]
    fn tiny_bench_runs() {
        let opts = BenchOptions {
            threads: 1,
            epochs: 1,
            rows: 200,
            gemm_size: 64,
            shapes: vec![("tiny".into(), 20)],
            ..Default::default()
        };
        let r = run(&opts).unwrap();
        assert_eq!(r.shapes.len(), 1);
        assert!(r.shapes[0].seconds_per_epoch > 0.0 && r.large_gemm_gflops > 0.0);
    }

    #[test]
    fn the_pytorch_reference_reports_training_and_evaluation() {
        let json = br#"{"torch": "2", "shapes": [
            {"inputs": 784, "seconds_per_epoch": 0.4, "epoch_seconds": [0.4], "eval_seconds": 0.05},
            {"inputs": 3072, "seconds_per_epoch": 1.5, "epoch_seconds": [1.5], "eval_seconds": 0.2}]}"#;
        let t = parse_pytorch_reference(json).unwrap();
        assert_eq!(
            t,
            vec![
                TorchTiming {
                    inputs: 784,
                    seconds_per_epoch: 0.4,
                    eval_seconds: 0.05
                },
                TorchTiming {
                    inputs: 3072,
                    seconds_per_epoch: 1.5,
                    eval_seconds: 0.2
                },
            ]
        );
    }

    #[test]
    fn a_malformed_pytorch_reference_is_refused_naming_what_is_missing() {
        let cases: [(&[u8], &str); 7] = [
            (b"Traceback", "printed no JSON"),
            (br#"{"shapes": 3}"#, "no \"shapes\""),
            // An older script, without the evaluation time.
            (
                br#"{"shapes": [{"inputs": 784, "seconds_per_epoch": 0.4}]}"#,
                "\"eval_seconds\"",
            ),
            (
                br#"{"shapes": [{"inputs": 784, "seconds_per_epoch": 0, "eval_seconds": 1}]}"#,
                "\"seconds_per_epoch\", a number of seconds > 0",
            ),
            (
                br#"{"shapes": [{"inputs": 784, "seconds_per_epoch": 1, "eval_seconds": -2}]}"#,
                "\"eval_seconds\", a number of seconds > 0",
            ),
            (
                br#"{"shapes": [{"inputs": 784, "seconds_per_epoch": "1", "eval_seconds": 1}]}"#,
                "\"seconds_per_epoch\"",
            ),
            (
                br#"{"shapes": [{"inputs": -1, "seconds_per_epoch": 1, "eval_seconds": 1}]}"#,
                "\"inputs\", a whole number",
            ),
        ];
        for (json, expected) in cases {
            let err = parse_pytorch_reference(json).unwrap_err();
            assert!(
                err.contains(expected),
                "{}: {err}",
                String::from_utf8_lossy(json)
            );
        }
    }
}
