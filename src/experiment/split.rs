//! The short forms of a split: the label the store records and the command line's syntax.

use crate::data::Split;

/// The split as stored in `runs.split`: `study(train=0+10000,cv=10000+10000)`,
/// `per-class(k=1000)`, `full(cv=none)`.
///
/// ```
/// use mlplab::data::Split;
/// assert_eq!(mlplab::experiment::split_label(&Split::default()), "study(train=0+10000,cv=10000+10000)");
/// assert_eq!(mlplab::experiment::split_label(&Split::PerClass { k: 1000 }), "per-class(k=1000)");
/// ```
pub fn split_label(split: &Split) -> String {
    match split {
        Split::Study {
            train_offset,
            train_size,
            cv_offset,
            cv_size,
        } => format!("study(train={train_offset}+{train_size},cv={cv_offset}+{cv_size})"),
        Split::PerClass { k } => format!("per-class(k={k})"),
        Split::Full { cv_size: Some(m) } => format!("full(cv=last {m})"),
        Split::Full { cv_size: None } => "full(cv=none)".to_string(),
    }
}

/// Parses the command line's short form of a split: `study`, `study:TRAIN,CV` (first TRAIN
/// rows train, the next CV validate), `per-class:K`, `full` or `full:CV` (the last CV rows
/// validate).
///
/// ```
/// use mlplab::data::Split;
/// use mlplab::experiment::parse_split;
/// assert_eq!(parse_split("per-class:500").unwrap(), Split::PerClass { k: 500 });
/// assert_eq!(parse_split("full:50").unwrap(), Split::Full { cv_size: Some(50) });
/// assert_eq!(parse_split("study:100,40").unwrap(), Split::Study { train_offset: 0, train_size: 100, cv_offset: 100, cv_size: 40 });
/// ```
pub fn parse_split(s: &str) -> Result<Split, String> {
    let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
    let nums: Vec<usize> = if arg.is_empty() {
        Vec::new()
    } else {
        arg.split(',')
            .map(|x| {
                x.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("split {s:?}: {x:?} is not a count"))
            })
            .collect::<Result<_, _>>()?
    };
    match (kind, nums.as_slice()) {
        ("study", []) => Ok(Split::default()),
        ("study", [train, cv]) => Ok(Split::Study {
            train_offset: 0,
            train_size: *train,
            cv_offset: *train,
            cv_size: *cv,
        }),
        ("per-class", [k]) => Ok(Split::PerClass { k: *k }),
        ("per-class", []) => Ok(Split::PerClass { k: 1000 }),
        ("full", []) => Ok(Split::Full { cv_size: None }),
        ("full", [m]) => Ok(Split::Full { cv_size: Some(*m) }),
        _ => Err(format!(
            "unknown split {s:?}; valid: study, study:TRAIN,CV, per-class:K, full, full:CV"
        )),
    }
}
