//! `--shard I/N`: the I-th of N disjoint slices of a sweep, for job arrays.
//!
//! Indices are 0-based (`0/3`, `1/3`, `2/3`), as Kubernetes' `JOB_COMPLETION_INDEX` is. Run
//! `g` of the grid (0-based, grid order) belongs to shard `g mod N`, so every shard gets a
//! mix of the grid's datasets and settings.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// One slice of a sweep.
///
/// ```
/// use mlplab::runner::Shard;
/// let s: Shard = "1/3".parse().unwrap();
/// assert!(s.contains(1) && s.contains(4) && !s.contains(2));
/// assert!("3/3".parse::<Shard>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index, `< count`.
    pub index: usize,
    /// Number of shards, ≥ 1.
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard::ALL
    }
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// A shard, checked.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 {
            return Err(format!("shard {index}/0: the shard count must be ≥ 1"));
        }
        if index >= count {
            return Err(format!(
                "shard {index}/{count}: shard indices are 0-based, so the index must be below \
                 {count} (0/{count} … {}/{count})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// True when run `grid_index` (0-based) belongs to this shard.
    pub fn contains(&self, grid_index: usize) -> bool {
        grid_index % self.count == self.index
    }

    /// True for the whole sweep.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn count(s: &str, what: &str) -> Result<usize, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{what} {s:?} is not a whole number"))
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard {s:?}: write I/N, e.g. 0/4 (0-based)"))?;
        Shard::new(count(i, "shard index")?, count(n, "shard count")?)
    }
}

/// What `--shard` asks for: a given slice, detection from the environment, or none.
///
/// Written `I/N`, `auto` (the default), `auto/N` (index from the environment, count N) or
/// `none` (the whole sweep, ignoring the environment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ShardSpec {
    /// From the environment if it names a shard, else the whole sweep.
    #[default]
    Auto,
    /// Index from the environment, count given (for Kubernetes Indexed Jobs).
    AutoCount(usize),
    /// Exactly this slice.
    Given(Shard),
    /// The whole sweep.
    None,
}

impl FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<ShardSpec, String> {
        match s.trim() {
            "auto" => Ok(ShardSpec::Auto),
            "none" => Ok(ShardSpec::None),
            other => match other.strip_prefix("auto/") {
                Some(n) => {
                    let n = count(n, "shard count")?;
                    if n == 0 {
                        return Err("shard auto/0: the shard count must be ≥ 1".into());
                    }
                    Ok(ShardSpec::AutoCount(n))
                }
                None => other
                    .parse()
                    .map(ShardSpec::Given)
                    .map_err(|e| format!("{e}; or write auto, auto/N or none")),
            },
        }
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardSpec::Auto => f.write_str("auto"),
            ShardSpec::AutoCount(n) => write!(f, "auto/{n}"),
            ShardSpec::Given(s) => write!(f, "{s}"),
            ShardSpec::None => f.write_str("none"),
        }
    }
}

impl ShardSpec {
    /// The slice to run, and where it came from. `env` looks up environment variables;
    /// `recorded` is the shard count the study directory recorded on its first sharded sweep
    /// ([`read_shard_record`]), if any.
    ///
    /// With `auto`, in this order: `MLPLAB_SHARD_INDEX` + `MLPLAB_SHARD_COUNT`; Slurm job
    /// arrays (`SLURM_ARRAY_TASK_ID`); Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`).
    /// The count is the N of `auto/N`, else `MLPLAB_SHARD_COUNT`, else the recorded count.
    /// Only a Slurm array's *first* submission (nothing recorded) falls back to
    /// `SLURM_ARRAY_TASK_COUNT`: a resubmission of one task (`sbatch --array=2`) has a count
    /// of 1 and a `SLURM_ARRAY_TASK_MIN` of 2, so neither may decide the slice — the task id
    /// is the shard index and the study fixes the count.
    ///
    /// ```
    /// use mlplab::runner::{Shard, ShardSpec};
    /// // `sbatch --array=2` resubmitting shard 2 of a study recorded with 4 shards:
    /// let env = |k: &str| match k { "SLURM_ARRAY_TASK_ID" | "SLURM_ARRAY_TASK_MIN" => Some("2".into()),
    ///     "SLURM_ARRAY_TASK_COUNT" => Some("1".into()), _ => None };
    /// assert_eq!(ShardSpec::Auto.resolve(env, Some(4)).unwrap().0, Shard { index: 2, count: 4 });
    /// ```
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
        recorded: Option<usize>,
    ) -> Result<(Shard, &'static str), String> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let num =
            |k: &str| -> Result<Option<usize>, String> { get(k).map(|v| count(&v, k)).transpose() };
        let given_count = match self {
            ShardSpec::Given(s) => return Ok((*s, "--shard")),
            ShardSpec::None => return Ok((Shard::ALL, "--shard none")),
            ShardSpec::Auto => None,
            ShardSpec::AutoCount(n) => Some(*n),
        };
        // The count a study fixes: `auto/N`, MLPLAB_SHARD_COUNT, or its record.
        let fixed_count = match given_count {
            Some(n) => Some(n),
            None => num("MLPLAB_SHARD_COUNT")?.or(recorded),
        };
        if let Some(i) = num("MLPLAB_SHARD_INDEX")? {
            let n = fixed_count.ok_or(
                "MLPLAB_SHARD_INDEX is set but MLPLAB_SHARD_COUNT is not: set it, or pass \
                 --shard auto/N",
            )?;
            return Shard::new(i, n).map(|s| (s, "MLPLAB_SHARD_INDEX"));
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let n = match fixed_count {
                Some(n) => n,
                None => num("SLURM_ARRAY_TASK_COUNT")?.ok_or(
                    "SLURM_ARRAY_TASK_ID is set but neither MLPLAB_SHARD_COUNT nor \
                     SLURM_ARRAY_TASK_COUNT is: set MLPLAB_SHARD_COUNT, or pass --shard I/N",
                )?,
            };
            return Shard::new(id, n)
                .map(|s| (s, "Slurm job array"))
                .map_err(|e| {
                    format!(
                        "{e} (from SLURM_ARRAY_TASK_ID {id}): array task ids are the shard \
                         indices, so submit --array=0-{} (or a subset of it to resume), or set \
                         MLPLAB_SHARD_COUNT",
                        n.saturating_sub(1)
                    )
                });
        }
        if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            let n = fixed_count.ok_or(
                "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the shard count \
                 is not: set MLPLAB_SHARD_COUNT to the Job's completions, or pass --shard \
                 auto/N",
            )?;
            return Shard::new(i, n).map(|s| (s, "Kubernetes Indexed Job"));
        }
        match given_count {
            Some(n) => Err(format!(
                "--shard auto/{n}: no shard index in the environment (JOB_COMPLETION_INDEX, \
                 SLURM_ARRAY_TASK_ID or MLPLAB_SHARD_INDEX)"
            )),
            None => Ok((Shard::ALL, "no shard")),
        }
    }
}

/// The file in a study directory that records its shard count, written by the first sharded
/// sweep into it: one line, the count.
pub const SHARD_RECORD_FILE: &str = "mlplab.shards";

/// The shard count recorded in study directory `dir`, if any. An unreadable or malformed
/// record is an error naming the file.
pub fn read_shard_record(dir: &Path) -> Result<Option<usize>, String> {
    let path = dir.join(SHARD_RECORD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => count(text.trim(), &format!("{}: the shard count", path.display())).and_then(
            |n| match n {
                0 => Err(format!("{}: the shard count must be ≥ 1", path.display())),
                n => Ok(Some(n)),
            },
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

/// Records `shard`'s count in study directory `dir` the first time, or checks it against the
/// record: a sweep sharded into N may not add shards of another count to a study sharded into
/// M, whose merge would then mix two partitions of the grid. Nothing is recorded for the
/// whole sweep.
pub fn check_shard_record(dir: &Path, shard: Shard) -> Result<(), String> {
    if shard.is_all() {
        return Ok(());
    }
    let path = dir.join(SHARD_RECORD_FILE);
    let mismatch = |m: usize| {
        format!(
            "shard {shard}: the study {} is sharded into {m} (recorded in {}), not {}; pass \
             --shard I/{m} or set MLPLAB_SHARD_COUNT={m}, or delete {} and the study's shard \
             databases to shard it anew",
            dir.display(),
            path.display(),
            shard.count,
            path.display()
        )
    };
    let agree = |m: usize| {
        if m == shard.count {
            Ok(())
        } else {
            Err(mismatch(m))
        }
    };
    if let Some(m) = read_shard_record(dir)? {
        return agree(m);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // create_new: of array tasks starting at once, one writes and the others check its record.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(mut f) => {
            use std::io::Write;
            writeln!(f, "{}", shard.count).map_err(|e| format!("writing {}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another task is writing it: give it a moment to finish its one line.
            for _ in 0..50 {
                if let Ok(Some(m)) = read_shard_record(dir) {
                    return agree(m);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            // Still unreadable or empty after a second: the error names the file.
            read_shard_record(dir)?.map_or(Ok(()), agree)
        }
        Err(e) => Err(format!("creating {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn parse_and_validate() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("4/4".parse::<Shard>().unwrap_err().contains("0-based"));
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x/2".parse::<Shard>().is_err());
        assert!("1-2".parse::<Shard>().is_err());
        assert_eq!(
            "auto/3".parse::<ShardSpec>().unwrap(),
            ShardSpec::AutoCount(3)
        );
        assert_eq!("none".parse::<ShardSpec>().unwrap(), ShardSpec::None);
    }

    #[test]
    fn slices_are_disjoint_and_cover() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for g in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.contains(g)).count(), 1);
        }
    }

    #[test]
    fn environment() {
        let none = env(&[]);
        assert_eq!(ShardSpec::Auto.resolve(&none, None).unwrap().0, Shard::ALL);
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert_eq!(
            ShardSpec::Auto.resolve(&slurm, None).unwrap().0,
            Shard { index: 2, count: 3 }
        );
        assert_eq!(ShardSpec::None.resolve(&slurm, None).unwrap().0, Shard::ALL);
        let given = ShardSpec::Given(Shard { index: 0, count: 2 });
        assert_eq!(
            given.resolve(&slurm, None).unwrap().0,
            Shard { index: 0, count: 2 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(
            ShardSpec::Auto
                .resolve(&k8s, None)
                .unwrap_err()
                .contains("MLPLAB_SHARD_COUNT")
        );
        assert_eq!(
            ShardSpec::AutoCount(4).resolve(&k8s, None).unwrap().0,
            Shard { index: 1, count: 4 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1"), ("MLPLAB_SHARD_COUNT", "2")]);
        assert_eq!(
            ShardSpec::Auto.resolve(&k8s, None).unwrap().0,
            Shard { index: 1, count: 2 }
        );
        let bad = env(&[("JOB_COMPLETION_INDEX", "5"), ("MLPLAB_SHARD_COUNT", "2")]);
        assert!(ShardSpec::Auto.resolve(&bad, None).is_err());
        assert!(ShardSpec::AutoCount(2).resolve(&none, None).is_err());
    }

    #[test]
    fn a_resubmitted_slurm_task_keeps_the_study_count() {
        // `sbatch --array=2` resubmitting one task of a 4-task array.
        let resubmit = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ]);
        let four = Shard { index: 2, count: 4 };
        assert_eq!(ShardSpec::Auto.resolve(&resubmit, Some(4)).unwrap().0, four);
        let with_count = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
            ("MLPLAB_SHARD_COUNT", "4"),
        ]);
        assert_eq!(ShardSpec::Auto.resolve(&with_count, None).unwrap().0, four);
        assert_eq!(
            ShardSpec::AutoCount(4).resolve(&resubmit, None).unwrap().0,
            four
        );
        // With nothing fixing the count, task 2 of a 1-task array is an error, not the grid.
        let e = ShardSpec::Auto.resolve(&resubmit, None).unwrap_err();
        assert!(e.contains("MLPLAB_SHARD_COUNT"), "{e}");
    }

    #[test]
    fn the_record_is_written_once_and_checked() {
        let dir = std::env::temp_dir().join(format!("mlplab-shard-record-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(read_shard_record(&dir).unwrap(), None);
        check_shard_record(&dir, Shard::ALL).unwrap();
        assert_eq!(read_shard_record(&dir).unwrap(), None);
        check_shard_record(&dir, Shard { index: 1, count: 4 }).unwrap();
        assert_eq!(read_shard_record(&dir).unwrap(), Some(4));
        check_shard_record(&dir, Shard { index: 3, count: 4 }).unwrap();
        let e = check_shard_record(&dir, Shard { index: 0, count: 3 }).unwrap_err();
        assert!(
            e.contains("sharded into 4") && e.contains(SHARD_RECORD_FILE),
            "{e}"
        );
        std::fs::write(dir.join(SHARD_RECORD_FILE), "four\n").unwrap();
        let e = read_shard_record(&dir).unwrap_err();
        assert!(
            e.contains(SHARD_RECORD_FILE) && e.contains("\"four\""),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
