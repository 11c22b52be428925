//! The machine a sweep runs on, as recorded with the study (`meta.machine`).

/// The first `model name` of `/proc/cpuinfo`, if there is one.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// This machine: host name, CPU model, logical core count, OS and architecture, e.g.
/// `node7: AMD EPYC 9R14, 2 logical cores (linux x86_64)`. Parts it cannot read are said to
/// be unknown.
///
/// ```
/// let m = mlplab::runner::machine();
/// assert!(m.contains("logical cores"), "{m}");
/// ```
pub fn machine() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown host".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = cpu_model().unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!(
        "{host}: {cpu}, {cores} logical cores ({} {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
