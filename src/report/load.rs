//! The report's view of a study database, read through [`StudyReader`] (the store owns the
//! schema; nothing here speaks SQL).
//!
//! A [`Run`] is a run's `runs` row flattened for the report, with its cell (configuration
//! less seed and threads: [`Run::cell_key`], [`Run::settings`]) and its rows. Metrics that
//! are not finite numbers (NULL, NaN, ±∞) become `None`, so no database content can make the
//! report panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ReportError;
use crate::store::{self, StoreError, StoredRun, StudyReader};

pub use crate::store::{
    BatchRow, DB_FILE, EpochRow, LayerNormRow, MemorizationRow, SparsityRow, Status as RunStatus,
};

/// A run with its curves, as stored.
#[derive(Debug, Clone)]
pub struct Run {
    /// `runs.id`.
    pub id: i64,
    /// Experiment name, e.g. `paper-mnist`.
    pub study: String,
    /// Dataset name, e.g. `mnist`, `cifar10-jpeg`.
    pub dataset: String,
    /// e.g. `784-128xleaky-relu(0.1)x4-10xsoftmax`.
    pub architecture: String,
    /// `mse`, `bce` or `cce`.
    pub loss: String,
    /// `uniform`, `he`, `glorot`, ….
    pub init: String,
    /// `sgd`, `momentum`, `rmsprop`, `adam`, ….
    pub optimizer: String,
    /// Learning rate.
    pub lr: f64,
    /// Bias correction of Momentum/RMSProp (SPEC §5).
    pub bias_correction: bool,
    /// λ of the L2 penalty.
    pub l2: f64,
    /// λ1 of the L1 penalty.
    pub l1: f64,
    /// Mini-batch size.
    pub batch_size: i64,
    /// Planned number of epochs.
    pub epochs_planned: i64,
    /// Random seed.
    pub seed: i64,
    /// `runs.status`.
    pub status: RunStatus,
    /// Message for `diverged` / `failed` / `interrupted`.
    pub error: Option<String>,
    /// Wall time of the run.
    pub wall_seconds: Option<f64>,
    /// Threads the run trained on.
    pub threads: i64,
    /// Where the data came from (`embedded`, a folder, a URL), once the run started.
    pub data_source: Option<String>,
    /// RFC 3339 UTC.
    pub started_at: Option<String>,
    /// RFC 3339 UTC.
    pub finished_at: Option<String>,
    /// The mlplab that last wrote the run.
    pub mlplab_version: String,
    /// Its git commit, as recorded.
    pub git_commit: Option<String>,
    /// `runs.cell_key`: runs with the same cell key differ only in their seed.
    pub cell_key: String,
    /// The stored configuration less seed and threads, as dotted paths
    /// ([`store::cell_settings`]).
    pub settings: BTreeMap<String, Value>,
    /// Sorted by epoch.
    pub epochs: Vec<EpochRow>,
    /// Sorted by (epoch, layer).
    pub layer_norms: Vec<LayerNormRow>,
    /// Sorted by step.
    pub batches: Vec<BatchRow>,
    /// Sorted by (epoch, layer); empty in a database older than the table.
    pub sparsity: Vec<SparsityRow>,
    /// Sorted by epoch; empty unless the run's training labels were corrupted.
    pub memorization: Vec<MemorizationRow>,
}

impl Run {
    /// The last evaluated epoch, if any.
    pub fn last_epoch(&self) -> Option<&EpochRow> {
        self.epochs.last()
    }

    /// The epoch row for `epoch`, if recorded.
    pub fn at_epoch(&self, epoch: i64) -> Option<&EpochRow> {
        self.epochs.iter().find(|e| e.epoch == epoch)
    }

    /// Number of classes, read from the output width at the end of `architecture`
    /// (e.g. `784-128xrelu-10xsoftmax` → 10); `None` when it cannot be read.
    pub fn classes(&self) -> Option<u32> {
        let last = self.architecture.rsplit('-').next()?;
        let digits: String = last.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok().filter(|&k| k >= 2)
    }

    /// The report's view of a stored run; a config that is not JSON is an error naming the run.
    fn from_stored(s: StoredRun, db_path: &Path) -> Result<Run, ReportError> {
        let r = s.run;
        let settings = store::cell_settings(&r.config_json).map_err(|e| {
            ReportError::Store(StoreError::BadValue {
                path: db_path.display().to_string(),
                run: r.id.to_string(),
                table: "runs",
                column: "config_json".into(),
                problem: format!("is not JSON: {e}"),
            })
        })?;
        Ok(Run {
            id: r.id,
            study: r.study,
            dataset: r.dataset,
            architecture: r.architecture,
            loss: r.loss,
            init: r.init,
            optimizer: r.optimizer,
            lr: r.lr,
            bias_correction: r.bias_correction,
            l2: r.l2,
            l1: r.l1,
            batch_size: r.batch_size,
            epochs_planned: r.epochs,
            seed: r.seed,
            status: r.status,
            error: r.error,
            wall_seconds: finite(r.wall_seconds),
            threads: r.threads,
            data_source: r.data_source,
            started_at: r.started_at,
            finished_at: r.finished_at,
            mlplab_version: r.mlplab_version,
            git_commit: r.git_commit,
            cell_key: r.cell_key,
            settings,
            epochs: s.epochs.into_iter().map(finite_epoch).collect(),
            layer_norms: s
                .layer_norms
                .into_iter()
                .map(|n| LayerNormRow {
                    grad_norm: finite(n.grad_norm),
                    weight_norm: finite(n.weight_norm),
                    ..n
                })
                .collect(),
            batches: s
                .batches
                .into_iter()
                .map(|b| BatchRow {
                    cost: finite(b.cost),
                    accuracy: finite(b.accuracy),
                    ..b
                })
                .collect(),
            sparsity: s.sparsity,
            memorization: s.memorization,
        })
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn finite_epoch(e: EpochRow) -> EpochRow {
    EpochRow {
        train_cost: finite(e.train_cost),
        cv_cost: finite(e.cv_cost),
        train_acc: finite(e.train_acc),
        cv_acc: finite(e.cv_acc),
        test_cost: finite(e.test_cost),
        test_acc: finite(e.test_acc),
        ..e
    }
}

/// Everything the report needs from one study database.
#[derive(Debug, Clone)]
pub struct Study {
    /// The database file that was read.
    pub db_path: PathBuf,
    /// `meta` as key/value pairs, sorted by key.
    pub meta: Vec<(String, String)>,
    /// Every run, by id.
    pub runs: Vec<Run>,
}

/// Opens `<study_dir>/mlplab.db` read-only through the [`StudyReader`] and loads every run.
///
/// Errors: no database file, unreadable SQLite, a missing or newer `schema_version`, a row
/// the schema does not allow (named by run and column), or a database with no runs ("no
/// runs in `<path>`").
pub fn load_study(study_dir: &Path) -> Result<Study, ReportError> {
    let db_path = study_dir.join(DB_FILE);
    let stored = StudyReader::open(&db_path)
        .and_then(|r| r.study())
        .map_err(|e| report_error(e, &db_path))?;
    if stored.runs.is_empty() {
        return Err(ReportError::NoRuns { path: db_path });
    }
    let runs = stored
        .runs
        .into_iter()
        .map(|r| Run::from_stored(r, &db_path))
        .collect::<Result<_, _>>()?;
    Ok(Study {
        db_path,
        meta: stored.meta,
        runs,
    })
}

/// The report's wording of the store's errors it has its own variants for.
fn report_error(e: StoreError, db_path: &Path) -> ReportError {
    let path = db_path.to_path_buf();
    match e {
        StoreError::Missing { .. } => ReportError::NoDatabase { path },
        StoreError::NewerSchema {
            found, supported, ..
        } => ReportError::NewerSchema {
            path,
            found,
            supported,
        },
        StoreError::BadSchemaVersion { value, .. } => ReportError::BadSchemaVersion { path, value },
        StoreError::Sqlite { source, .. } => ReportError::Sqlite { path, source },
        other => ReportError::Store(other),
    }
}
