//! The provenance section: what made the numbers (mlplab versions and commits, thread
//! counts, data sources, when the runs ran, the compute they took) as recorded in the
//! database, and where and when the report itself was written. What the database does not
//! record is said to be not recorded, never guessed.

use std::collections::BTreeMap;

use super::doc::{Cell, Table};
use super::load::Study;

/// The distinct values of `values` with their counts, `v (n runs)`, most frequent first;
/// "not recorded" for runs without one.
fn tally<'a>(values: impl Iterator<Item = Option<&'a str>>) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *by.entry(v.unwrap_or("not recorded")).or_insert(0) += 1;
    }
    let mut items: Vec<(&str, usize)> = by.into_iter().collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(v, n)| format!("`{v}` ({n} {})", if *n == 1 { "run" } else { "runs" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a recorded commit says its tree had uncommitted changes (`…-dirty`, `…+dirty`).
fn dirty(commit: &str) -> bool {
    commit.ends_with("dirty")
}

/// `3 h 25 min (12 345 s)` for a number of seconds.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0);
    let h = (s / 3600.0).floor();
    let m = ((s - 3600.0 * h) / 60.0).floor();
    let text = if h > 0.0 {
        format!("{h:.0} h {m:.0} min")
    } else if m > 0.0 {
        format!("{m:.0} min {:.0} s", s - 60.0 * m)
    } else {
        format!("{s:.1} s")
    };
    format!("{text} ({s:.1} s)")
}

/// This machine, as the report can see it: host name, CPU model and core count.
fn this_machine() -> String {
    format!("`{}`", crate::runner::machine())
}

/// The provenance table of `study`.
pub fn table(study: &Study) -> Table {
    let runs = &study.runs;
    let commits = tally(runs.iter().map(|r| r.git_commit.as_deref()));
    let n_dirty = runs
        .iter()
        .filter(|r| r.git_commit.as_deref().is_some_and(dirty))
        .count();
    let dirty_text = if runs.iter().all(|r| r.git_commit.is_none()) {
        "not recorded".to_string()
    } else if n_dirty == 0 {
        "no run records a tree with uncommitted changes (a commit ending in `-dirty`)".to_string()
    } else {
        format!(
            "{n_dirty} of {} runs were built from a tree with uncommitted changes",
            runs.len()
        )
    };
    let thread_counts: Vec<String> = runs.iter().map(|r| r.threads.to_string()).collect();
    let threads = tally(thread_counts.iter().map(|t| Some(t.as_str())));
    let started = runs.iter().filter_map(|r| r.started_at.as_deref()).min();
    let finished = runs.iter().filter_map(|r| r.finished_at.as_deref()).max();
    let walls: Vec<f64> = runs.iter().filter_map(|r| r.wall_seconds).collect();
    let total: f64 = walls.iter().sum();
    let checksums = study
        .meta
        .iter()
        .filter(|(k, _)| k.contains("sha256") || k.contains("checksum"))
        .map(|(k, v)| format!("`{k}` = `{v}`"))
        .collect::<Vec<_>>();
    let command = study
        .meta
        .iter()
        .find(|(k, _)| k == "command" || k == "command_line")
        .map(|(_, v)| format!("`{v}` (the last sweep that ran runs here)"));
    let rows: Vec<(&str, String)> = vec![
        (
            "mlplab version of the runs",
            tally(runs.iter().map(|r| Some(r.mlplab_version.as_str()))),
        ),
        ("git commit of the runs", commits),
        ("uncommitted changes", dirty_text),
        (
            "command line",
            command.unwrap_or_else(|| "not recorded in the database".to_string()),
        ),
        (
            "runs ran",
            match (started, finished) {
                (Some(s), Some(f)) => format!("{s} to {f} (UTC)"),
                (Some(s), None) => format!("from {s} (UTC); none finished"),
                _ => "not recorded".to_string(),
            },
        ),
        ("threads per run", threads),
        (
            "total compute",
            format!(
                "{}: the sum of the wall times of {} of {} runs",
                duration(total),
                walls.len(),
                runs.len()
            ),
        ),
        (
            "data sources",
            tally(runs.iter().map(|r| r.data_source.as_deref())),
        ),
        (
            "data checksums",
            if checksums.is_empty() {
                "not recorded in the database (every official data file is checked against its published SHA-256 whenever it is read)".to_string()
            } else {
                checksums.join(", ")
            },
        ),
        (
            "machine of the runs",
            study.meta.iter().find(|(k, _)| k == "machine").map_or_else(
                || "not recorded in the database".to_string(),
                |(_, v)| format!("`{v}` (the last sweep that ran runs here)"),
            ),
        ),
        (
            "report written",
            format!(
                "{} by mlplab {} (commit `{}`) on {}",
                crate::store::utc_now(),
                env!("CARGO_PKG_VERSION"),
                crate::GIT_COMMIT,
                this_machine()
            ),
        ),
    ];
    Table {
        caption: "Provenance: what produced these numbers".to_string(),
        header: vec!["item".to_string(), "value".to_string()],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![Cell::plain(k), Cell::plain(v)])
            .collect(),
        notes: vec![format!(
            "Read from `{}`; the database's `meta` table: {}.",
            study.db_path.display(),
            study
                .meta
                .iter()
                .map(|(k, v)| format!("`{k}` = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_hours_minutes_seconds() {
        assert_eq!(duration(12.34), "12.3 s (12.3 s)");
        assert_eq!(duration(125.0), "2 min 5 s (125.0 s)");
        assert_eq!(duration(7260.0), "2 h 1 min (7260.0 s)");
    }

    #[test]
    fn tallies_name_each_value_with_its_count() {
        let t = tally([Some("a"), None, Some("a")].into_iter());
        assert_eq!(t, "`a` (2 runs), `not recorded` (1 run)");
        assert!(dirty("1234abcd-dirty") && !dirty("1234abcd"));
    }
}
