//! `cargo bench`: the same measurement as `mlplab bench` (study network, MNIST- and
//! CIFAR-shaped epochs against a large GEMM measured in the same process).

fn main() {
    let opts = mlplab::study::bench::BenchOptions::default();
    match mlplab::study::bench::run(&opts) {
        Ok(report) => {
            println!(
                "large GEMM: {:.1} GFLOP/s on {} thread(s)",
                report.large_gemm_gflops, report.threads
            );
            for s in &report.shapes {
                println!(
                    "{}: {:.4} s/epoch, {:.1} GFLOP/s, {:.0}% of the GEMM rate",
                    s.shape,
                    s.seconds_per_epoch,
                    s.gflops,
                    100.0 * s.fraction_of_gemm
                );
            }
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
