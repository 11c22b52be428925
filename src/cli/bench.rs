//! `mlplab bench`.

use mlplab::bench::{BenchOptions, run};

/// Time the study's network (4×128 LeakyReLU(0.1) + softmax, batch 100, f32) per training
/// epoch on 10,000 synthetic MNIST- and CIFAR-shaped rows, against a large GEMM.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed epochs per shape (after one warm-up epoch).
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Side n of the n×n×n reference GEMM.
    #[arg(long, default_value_t = 2048)]
    gemm_size: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run_cli(args: BenchArgs) -> anyhow::Result<()> {
    let mut opts = BenchOptions {
        epochs: args.epochs.max(1),
        gemm_size: args.gemm_size,
        ..Default::default()
    };
    if let Some(t) = args.threads {
        anyhow::ensure!(t >= 1, "--threads {t}: must be ≥ 1");
        opts.threads = t;
    }
    let report = run(&opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "mlplab bench: {} f32, batch {}, {} rows/epoch, {} thread(s)",
        report.architecture, opts.batch_size, opts.rows, report.threads
    );
    println!(
        "large GEMM {n}x{n}x{n} f32: {:.1} GFLOP/s (measured now, same threads)",
        report.large_gemm_gflops,
        n = report.gemm_size
    );
    println!(
        "{:<8} {:>7} {:>12} {:>10} {:>10} {:>10}",
        "shape", "inputs", "s/epoch", "GFLOP", "GFLOP/s", "of GEMM"
    );
    for s in &report.shapes {
        println!(
            "{:<8} {:>7} {:>12.4} {:>10.2} {:>10.1} {:>9.0}%",
            s.shape,
            s.inputs,
            s.seconds_per_epoch,
            s.gflop_per_epoch,
            s.gflops,
            100.0 * s.fraction_of_gemm
        );
    }
    Ok(())
}
