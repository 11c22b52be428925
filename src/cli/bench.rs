//! `mlplab bench`.

use mlplab::study::bench::{BenchOptions, TorchTiming, pytorch_reference, run};

use super::out::outln;

/// Time the study's network (4×128 LeakyReLU(0.1) + softmax, batch 100, f32) per training
/// epoch on 10,000 synthetic MNIST- and CIFAR-shaped rows, against a large GEMM.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Thread counts to time, comma-separated (default: 1 and all cores). Each count gets
    /// its own table; with more than one, the speed-up over the first and a check that the
    /// trained weights are bitwise the same on every count follow.
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    threads: Vec<usize>,
    /// Timed epochs per shape (after one warm-up epoch).
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Side n of the n×n×n reference GEMM.
    #[arg(long, default_value_t = 2048)]
    gemm_size: usize,
    /// Also time the same work in PyTorch with this Python (which must have `torch`), on the
    /// same threads, and print the ratios (training epoch and evaluation).
    #[arg(long, value_name = "PYTHON")]
    pytorch: Option<std::path::PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Instead: run this experiment file or preset as a sweep (every run retrained, `--jobs
    /// auto`) and print its arithmetic (training GEMMs and evaluation passes), the bound at
    /// the GEMM rate measured now on all cores, the wall time and the fraction achieved.
    #[arg(long, value_name = "FILE|PRESET")]
    study: Option<String>,
    /// With --study: where the sweep writes [default: studies/bench-<experiment name>].
    #[arg(long, value_name = "DIR", requires = "study")]
    out: Option<std::path::PathBuf>,
    /// With --study: folder looked at first for datasets: DIR/<name>/.
    #[arg(long, env = "MLPLAB_DATA", value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
}

/// `mlplab bench --study`: a sweep timed against its bound.
fn run_study(args: &BenchArgs, name: &str) -> anyhow::Result<()> {
    use mlplab::runner::{DataCache, ProgressMode, SweepOptions};
    let exp = super::sweep::read_experiment(name)?;
    let opts = SweepOptions {
        out: args
            .out
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from(format!("studies/bench-{}", exp.name))),
        jobs: mlplab::train::cores(),
        rebalance: true,
        force: true,
        progress: ProgressMode::Quiet,
        load: mlplab::data::LoadOptions {
            data_dir: args.data_dir.clone(),
            ..Default::default()
        },
        stop: super::sweep::interrupt_flag(),
        ..Default::default()
    };
    let b = mlplab::study::bench::study_bound(&exp, &opts, &DataCache::new())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&b)?)?;
        return Ok(());
    }
    outln!(
        "{}: {} runs trained ({} in the experiment), {} thread(s), --jobs auto",
        exp.name,
        b.executed,
        b.runs,
        b.threads
    )?;
    outln!(
        "arithmetic: {:.1} GFLOP training + {:.1} GFLOP evaluation",
        b.train_gflop,
        b.eval_gflop
    )?;
    outln!(
        "bound at the 2048³ f32 GEMM rate measured now ({:.1} GFLOP/s): {:.1} s; wall {:.1} s: {:.0} % of the bound",
        b.gemm_gflops,
        b.bound_seconds,
        b.wall_seconds,
        100.0 * b.fraction
    )?;
    Ok(())
}

pub fn run_cli(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(name) = &args.study {
        return run_study(&args, name);
    }
    let base = BenchOptions {
        epochs: args.epochs.max(1),
        gemm_size: args.gemm_size,
        ..Default::default()
    };
    let mut counts = args.threads.clone();
    if counts.is_empty() {
        counts.push(1);
        if base.threads > 1 {
            counts.push(base.threads);
        }
    }
    if let Some(&t) = counts.iter().find(|&&t| t == 0) {
        anyhow::bail!("--threads {t}: every count must be ≥ 1");
    }
    let mut all = Vec::new();
    for &threads in &counts {
        let opts = BenchOptions {
            threads,
            ..base.clone()
        };
        let report = run(&opts)?;
        let torch = match &args.pytorch {
            Some(python) => Some(pytorch_reference(python, &opts).map_err(anyhow::Error::msg)?),
            None => None,
        };
        all.push((opts, report, torch));
    }
    if args.json {
        let mut values = Vec::new();
        for (_, report, torch) in &all {
            let mut value = serde_json::to_value(report)?;
            if let Some(t) = torch {
                let pairs = |f: fn(&TorchTiming) -> f64| -> Vec<(usize, f64)> {
                    t.iter().map(|s| (s.inputs, f(s))).collect()
                };
                value["pytorch_seconds_per_epoch"] =
                    serde_json::json!(pairs(|s| s.seconds_per_epoch));
                value["pytorch_eval_seconds"] = serde_json::json!(pairs(|s| s.eval_seconds));
            }
            values.push(value);
        }
        outln!("{}", serde_json::to_string_pretty(&values)?)?;
        return Ok(());
    }
    for (opts, report, torch) in &all {
        table(opts, report, torch.as_deref())?;
    }
    if let [(_, first, _), rest @ ..] = all.as_slice()
        && !rest.is_empty()
    {
        outln!("")?;
        outln!(
            "{:<8} {:>8} {:>10} {:>10} {:>9} {:>9}",
            "shape",
            "threads",
            "s/epoch",
            "speed-up",
            "of GEMM",
            "same bits"
        )?;
        for (i, s1) in first.shapes.iter().enumerate() {
            for (_, report, _) in &all {
                let s = &report.shapes[i];
                outln!(
                    "{:<8} {:>8} {:>10.4} {:>9.2}x {:>8.0}% {:>9}",
                    s.shape,
                    report.threads,
                    s.seconds_per_epoch,
                    s1.seconds_per_epoch / s.seconds_per_epoch,
                    100.0 * s.fraction_of_gemm,
                    if s.params_digest == s1.params_digest {
                        "yes"
                    } else {
                        "NO"
                    }
                )?;
            }
        }
        let differ = all.iter().any(|(_, r, _)| {
            r.shapes
                .iter()
                .zip(&first.shapes)
                .any(|(s, s1)| s.params_digest != s1.params_digest)
        });
        anyhow::ensure!(
            !differ,
            "the trained weights differ between thread counts: results must not depend on the \
             thread count (a bug in mlplab, please report it)"
        );
    }
    Ok(())
}

/// The table of one thread count, with PyTorch's times on the same threads when given.
fn table(
    opts: &BenchOptions,
    report: &mlplab::study::bench::BenchReport,
    torch: Option<&[TorchTiming]>,
) -> anyhow::Result<()> {
    outln!(
        "mlplab bench: {} f32, batch {}, {} rows/epoch, {} thread(s)",
        report.architecture,
        opts.batch_size,
        opts.rows,
        report.threads
    )?;
    outln!(
        "large GEMM {n}x{n}x{n} f32: {:.1} GFLOP/s (measured now, same threads)",
        report.large_gemm_gflops,
        n = report.gemm_size
    )?;
    outln!(
        "{:<8} {:>7} {:>10} {:>8} {:>9} {:>8} {:>12} {:>9} {:>9} {:>12} {:>9}",
        "shape",
        "inputs",
        "s/epoch",
        "GFLOP",
        "GFLOP/s",
        "of GEMM",
        "torch s/ep",
        "speed-up",
        "s/eval",
        "torch s/ev",
        "speed-up"
    )?;
    for s in &report.shapes {
        let t = torch.and_then(|t| t.iter().find(|t| t.inputs == s.inputs));
        let cell = |of: Option<f64>, ours: f64| {
            (
                of.map_or("-".into(), |t| format!("{t:.4}")),
                of.map_or("-".into(), |t| format!("{:.2}x", t / ours)),
            )
        };
        let (epoch, epoch_ratio) = cell(t.map(|t| t.seconds_per_epoch), s.seconds_per_epoch);
        let (eval, eval_ratio) = cell(t.map(|t| t.eval_seconds), s.eval_seconds);
        outln!(
            "{:<8} {:>7} {:>10.4} {:>8.2} {:>9.1} {:>7.0}% {:>12} {:>9} {:>9.4} {:>12} {:>9}",
            s.shape,
            s.inputs,
            s.seconds_per_epoch,
            s.gflop_per_epoch,
            s.gflops,
            100.0 * s.fraction_of_gemm,
            epoch,
            epoch_ratio,
            s.eval_seconds,
            eval,
            eval_ratio,
        )?;
    }
    for s in &report.shapes {
        outln!(
            "{:<8} L-BFGS full-batch J, ∇J on {} rows: {:.4} s, {:.0}% of GEMM",
            s.shape,
            opts.rows,
            s.full_batch_seconds,
            100.0 * s.full_batch_fraction_of_gemm
        )?;
    }
    Ok(())
}
