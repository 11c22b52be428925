//! `--shard I/N`: the I-th of N disjoint slices of a sweep, for job arrays.
//!
//! Indices are 0-based (`0/3`, `1/3`, `2/3`), as Kubernetes' `JOB_COMPLETION_INDEX` is. Run
//! `g` of the grid (0-based, grid order) belongs to shard `g mod N`, so every shard gets a
//! mix of the grid's datasets and settings.

use std::fmt;
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
    /// The slice to run, and where it came from. `env` looks up environment variables.
    ///
    /// With `auto`, in this order: `MLPLAB_SHARD_INDEX` + `MLPLAB_SHARD_COUNT`; Slurm job
    /// arrays (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`);
    /// Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`, of `MLPLAB_SHARD_COUNT` or the N of
    /// `auto/N`, since Kubernetes does not export the completion count).
    ///
    /// ```
    /// use mlplab::runner::{Shard, ShardSpec};
    /// let env = |k: &str| match k { "SLURM_ARRAY_TASK_ID" => Some("5".into()),
    ///     "SLURM_ARRAY_TASK_MIN" => Some("4".into()), "SLURM_ARRAY_TASK_COUNT" => Some("3".into()), _ => None };
    /// assert_eq!(ShardSpec::Auto.resolve(env).unwrap().0, Shard { index: 1, count: 3 });
    /// ```
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Shard, &'static str), String> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let num =
            |k: &str| -> Result<Option<usize>, String> { get(k).map(|v| count(&v, k)).transpose() };
        let auto_count = match self {
            ShardSpec::Given(s) => return Ok((*s, "--shard")),
            ShardSpec::None => return Ok((Shard::ALL, "--shard none")),
            ShardSpec::Auto => None,
            ShardSpec::AutoCount(n) => Some(*n),
        };
        if let Some(i) = num("MLPLAB_SHARD_INDEX")? {
            let n = match auto_count {
                Some(n) => n,
                None => num("MLPLAB_SHARD_COUNT")?.ok_or(
                    "MLPLAB_SHARD_INDEX is set but MLPLAB_SHARD_COUNT is not: set it, or pass \
                     --shard auto/N",
                )?,
            };
            return Shard::new(i, n).map(|s| (s, "MLPLAB_SHARD_INDEX"));
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let n = match auto_count {
                Some(n) => n,
                None => num("SLURM_ARRAY_TASK_COUNT")?.ok_or(
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shard \
                     I/N",
                )?,
            };
            let index = id
                .checked_sub(min)
                .ok_or("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?;
            return Shard::new(index, n)
                .map(|s| (s, "Slurm job array"))
                .map_err(|e| {
                    format!(
                        "{e} (from SLURM_ARRAY_TASK_ID {id} − SLURM_ARRAY_TASK_MIN {min}): use a \
                         contiguous --array=0-{} or pass --shard I/N",
                        n.saturating_sub(1)
                    )
                });
        }
        if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            let n = match auto_count {
                Some(n) => n,
                None => num("MLPLAB_SHARD_COUNT")?.ok_or(
                    "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the shard count \
                     is not: set MLPLAB_SHARD_COUNT to the Job's completions, or pass --shard \
                     auto/N",
                )?,
            };
            return Shard::new(i, n).map(|s| (s, "Kubernetes Indexed Job"));
        }
        match auto_count {
            Some(n) => Err(format!(
                "--shard auto/{n}: no shard index in the environment (JOB_COMPLETION_INDEX, \
                 SLURM_ARRAY_TASK_ID or MLPLAB_SHARD_INDEX)"
            )),
            None => Ok((Shard::ALL, "no shard")),
        }
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
        assert_eq!(ShardSpec::Auto.resolve(&none).unwrap().0, Shard::ALL);
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert_eq!(
            ShardSpec::Auto.resolve(&slurm).unwrap().0,
            Shard { index: 2, count: 3 }
        );
        assert_eq!(ShardSpec::None.resolve(&slurm).unwrap().0, Shard::ALL);
        let given = ShardSpec::Given(Shard { index: 0, count: 2 });
        assert_eq!(
            given.resolve(&slurm).unwrap().0,
            Shard { index: 0, count: 2 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(
            ShardSpec::Auto
                .resolve(&k8s)
                .unwrap_err()
                .contains("MLPLAB_SHARD_COUNT")
        );
        assert_eq!(
            ShardSpec::AutoCount(4).resolve(&k8s).unwrap().0,
            Shard { index: 1, count: 4 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1"), ("MLPLAB_SHARD_COUNT", "2")]);
        assert_eq!(
            ShardSpec::Auto.resolve(&k8s).unwrap().0,
            Shard { index: 1, count: 2 }
        );
        let bad = env(&[("JOB_COMPLETION_INDEX", "5"), ("MLPLAB_SHARD_COUNT", "2")]);
        assert!(ShardSpec::Auto.resolve(&bad).is_err());
        assert!(ShardSpec::AutoCount(2).resolve(&none).is_err());
    }
}
