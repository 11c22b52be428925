//! The output directories of a sweep: created and checked writable before anything trains.

use std::path::Path;

use super::{RunnerError, SweepOptions, WeightsTarget};
use crate::experiment::Experiment;

/// Creates `dir` and checks that files can be written in it.
pub fn ensure_writable_dir(dir: &Path) -> Result<(), RunnerError> {
    let fail = |message: String| RunnerError::Output {
        dir: dir.display().to_string(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it: {e}")))?;
    let probe = dir.join(format!(".mlplab-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail(format!("cannot write in it: {e}")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Creates and checks every directory the sweep writes (the study directory, the database's
/// folder, the weights target's folder), and that a weights *file* is asked only of a
/// one-run experiment.
pub(crate) fn check_outputs(exp: &Experiment, opts: &SweepOptions) -> Result<(), RunnerError> {
    ensure_writable_dir(&opts.out)?;
    if let Some(parent) = opts
        .db
        .as_ref()
        .and_then(|d| d.parent())
        .filter(|p| !p.as_os_str().is_empty())
    {
        ensure_writable_dir(parent)?;
    }
    match &opts.save_weights {
        Some(WeightsTarget::Dir(d)) => ensure_writable_dir(d)?,
        Some(WeightsTarget::File(f)) => {
            if exp.runs.len() != 1 {
                return Err(RunnerError::Invalid(format!(
                    "--save-weights {}: a file holds one run's weights but the experiment has {} \
                     runs; give a directory to `mlplab sweep --save-weights`",
                    f.display(),
                    exp.runs.len()
                )));
            }
            if let Some(parent) = f.parent().filter(|p| !p.as_os_str().is_empty()) {
                ensure_writable_dir(parent)?;
            }
        }
        None => {}
    }
    Ok(())
}
