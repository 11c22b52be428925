//! The results schema, for writing and reading: file names, the schema version, the run
//! statuses and one row type per table. `schema.sql` is the DDL; this file is everything the
//! code needs to agree on about it.

use std::fmt;
use std::str::FromStr;

/// The schema this build writes and reads (the DDL of every table).
pub const SCHEMA: &str = include_str!("schema.sql");

/// Version of [`SCHEMA`]. A database with a larger `meta.schema_version` is refused; an older
/// one is migrated when opened for writing ([`Store::open`](super::Store::open)) and read as
/// it is by [`StudyReader`](super::StudyReader).
///
/// History: 1 = the first schema; 2 = `runs.cell_key` added.
pub const SCHEMA_VERSION: i64 = 2;

/// File name of the database inside a study directory.
pub const DB_FILE: &str = "mlplab.db";

/// The lock file of the database at `db`: the same name with `.lock` appended
/// (`mlplab.db.lock`). It holds the record of the process writing the database.
///
/// ```
/// let lock = mlplab::store::lock_file_of(std::path::Path::new("st/mlplab.db"));
/// assert_eq!(lock, std::path::Path::new("st/mlplab.db.lock"));
/// ```
pub fn lock_file_of(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".lock");
    std::path::PathBuf::from(name)
}

/// The shard databases of a study directory, as a shell pattern (for messages).
pub const SHARD_DB_PATTERN: &str = "mlplab.shard-*.db";

/// File name of shard `index` (0-based) of `count`: `mlplab.shard-I-of-N.db`.
///
/// ```
/// assert_eq!(mlplab::store::shard_db_file(1, 4), "mlplab.shard-1-of-4.db");
/// assert!(mlplab::store::is_db_file("mlplab.shard-1-of-4.db"));
/// ```
pub fn shard_db_file(index: usize, count: usize) -> String {
    format!("mlplab.shard-{index}-of-{count}.db")
}

/// True for the names a study directory's databases have: [`DB_FILE`] and the shard files
/// ([`shard_db_file`]).
pub fn is_db_file(name: &str) -> bool {
    name == DB_FILE || (name.starts_with("mlplab.shard-") && name.ends_with(".db"))
}

/// Where a run stands. `done` and `diverged` are final: a rerun of the sweep skips them and
/// redoes every other run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Planned, not started.
    Pending,
    /// Started and not finished (or killed while running).
    Running,
    /// Finished every epoch.
    Done,
    /// The cost became NaN or infinite; the rows up to that step are kept.
    Diverged,
    /// Stopped by an error; the message is in `runs.error`.
    Failed,
    /// Stopped by Ctrl-C; the rows up to that point are kept.
    Interrupted,
}

impl Status {
    /// Every status, in the order a run can reach them.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Running,
        Status::Done,
        Status::Diverged,
        Status::Failed,
        Status::Interrupted,
    ];

    /// The name stored in `runs.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Done => "done",
            Status::Diverged => "diverged",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        }
    }

    /// True for `done` and `diverged`: the run will not be redone.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Diverged)
    }

    /// How far the run got, for choosing between two copies when merging.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Status::Pending => 0,
            Status::Running => 1,
            Status::Interrupted => 2,
            Status::Failed => 3,
            Status::Diverged => 4,
            Status::Done => 5,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    /// ```
    /// use mlplab::store::Status;
    /// assert_eq!("interrupted".parse::<Status>(), Ok(Status::Interrupted));
    /// assert!("paused".parse::<Status>().unwrap_err().contains("valid: pending, running"));
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Status::ALL.iter().map(|st| st.as_str()).collect();
                format!("unknown status {s:?}; valid: {}", valid.join(", "))
            })
    }
}

/// One row of `runs`: a run's identity, its settings as columns, and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// `runs.id`: assigned in grid order when first planned.
    pub id: i64,
    /// `runs.run_key`: SHA-256 of the canonical config less `train.threads`
    /// ([`RunConfig::key`](crate::experiment::RunConfig::key)).
    pub key: String,
    /// `runs.cell_key`: SHA-256 of the canonical config less `train.seed` and
    /// `train.threads` ([`RunConfig::cell_key`](crate::experiment::RunConfig::cell_key)):
    /// runs with the same cell key differ only in their seed.
    pub cell_key: String,
    /// Experiment name, e.g. `paper-mnist`.
    pub study: String,
    /// The full, validated run config (canonical JSON).
    pub config_json: String,
    /// Dataset, e.g. `mnist`, `blobs:n=300`.
    pub dataset: String,
    /// `embedded`, a folder, a URL (known once the run started).
    pub data_source: Option<String>,
    /// e.g. `study(train=0+10000,cv=10000+10000)`.
    pub split: String,
    /// e.g. `784-128xleaky-relu(0.1)x4-10xsoftmax` (`Architecture::describe`).
    pub architecture: String,
    /// `mse`, `bce`, `cce`.
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
    /// Rows per mini-batch.
    pub batch_size: i64,
    /// Configured epochs.
    pub epochs: i64,
    /// Seed of the weights and the shuffling.
    pub seed: i64,
    /// Threads the run trained on.
    pub threads: i64,
    /// Where the run stands.
    pub status: Status,
    /// Message for `diverged`, `failed`, `interrupted`.
    pub error: Option<String>,
    /// RFC 3339 UTC.
    pub started_at: Option<String>,
    /// RFC 3339 UTC.
    pub finished_at: Option<String>,
    /// Wall time of the run.
    pub wall_seconds: Option<f64>,
    /// The mlplab that last wrote the run.
    pub mlplab_version: String,
    /// Its git commit.
    pub git_commit: Option<String>,
}

/// One row of `epochs`: the network evaluated after `epoch` epochs (0 = before training).
///
/// A metric is `None` when it was not evaluated, or when it was not a number (SQLite stores
/// NaN as NULL).
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    /// 0 = before training.
    pub epoch: i64,
    /// Mini-batch steps so far.
    pub step: i64,
    /// Full cost J (loss + penalty) on the training split.
    pub train_cost: Option<f64>,
    /// J on the CV split.
    pub cv_cost: Option<f64>,
    /// Accuracy on the training split.
    pub train_acc: Option<f64>,
    /// Accuracy on the CV split.
    pub cv_acc: Option<f64>,
    /// J on the test split (`data.evaluate_test`).
    pub test_cost: Option<f64>,
    /// Accuracy on the test split.
    pub test_acc: Option<f64>,
    /// Seconds since the run started.
    pub seconds: f64,
}

impl EpochRow {
    /// Generalization gap, train accuracy − CV accuracy.
    ///
    /// ```
    /// let mut e = mlplab::store::EpochRow { epoch: 1, step: 10, train_cost: None, cv_cost: None,
    ///     train_acc: Some(0.9), cv_acc: Some(0.85), test_cost: None, test_acc: None, seconds: 1.0 };
    /// assert!((e.gap().unwrap() - 0.05).abs() < 1e-12);
    /// e.cv_acc = None;
    /// assert_eq!(e.gap(), None);
    /// ```
    pub fn gap(&self) -> Option<f64> {
        Some(self.train_acc? - self.cv_acc?)
    }
}

/// One row of `layer_norms`: one layer's norms at the end of an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNormRow {
    /// Epoch (0 = before training).
    pub epoch: i64,
    /// Layer, 1..L (1 = the layer fed by the input).
    pub layer: i64,
    /// Mean over the epoch's steps of `‖dW[l]‖_F` (weights only, penalty included); `None`
    /// for epoch 0.
    pub grad_norm: Option<f64>,
    /// `‖W[l]‖_F` at the end of the epoch.
    pub weight_norm: Option<f64>,
}

impl LayerNormRow {
    /// The rows of one epoch from the trainer's per-layer vectors (`grad_norms` is empty for
    /// epoch 0; `weight_norms` has one entry per layer).
    ///
    /// ```
    /// let rows = mlplab::store::LayerNormRow::of_epoch(0, &[], &[3.0, 4.0]);
    /// assert_eq!(rows.len(), 2);
    /// assert_eq!((rows[1].layer, rows[1].grad_norm, rows[1].weight_norm), (2, None, Some(4.0)));
    /// ```
    pub fn of_epoch(epoch: i64, grad_norms: &[f64], weight_norms: &[f64]) -> Vec<LayerNormRow> {
        weight_norms
            .iter()
            .enumerate()
            .map(|(l, &w)| LayerNormRow {
                epoch,
                layer: l as i64 + 1,
                grad_norm: grad_norms.get(l).copied(),
                weight_norm: Some(w),
            })
            .collect()
    }
}

/// One row of `layer_sparsity`: how many of one layer's weights are (nearly) zero at the end
/// of an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct SparsityRow {
    /// Epoch (0 = before training).
    pub epoch: i64,
    /// Layer, 1..L.
    pub layer: i64,
    /// Fraction of the layer's weights with `|w| < 1e-3 · max |w|` (see
    /// [`Network::weight_sparsity`](crate::nn::network::Network::weight_sparsity)).
    pub small: Option<f64>,
    /// Fraction exactly 0.
    pub zero: Option<f64>,
}

impl SparsityRow {
    /// The rows of one epoch from the trainer's per-layer `(small, zero)` fractions.
    ///
    /// ```
    /// let rows = mlplab::store::SparsityRow::of_epoch(3, &[(0.5, 0.25)]);
    /// assert_eq!((rows[0].layer, rows[0].small, rows[0].zero), (1, Some(0.5), Some(0.25)));
    /// ```
    pub fn of_epoch(epoch: i64, fractions: &[(f64, f64)]) -> Vec<SparsityRow> {
        fractions
            .iter()
            .enumerate()
            .map(|(l, &(small, zero))| SparsityRow {
                epoch,
                layer: l as i64 + 1,
                small: Some(small),
                zero: Some(zero),
            })
            .collect()
    }
}

/// One row of `memorization`: at one evaluated epoch of a run trained on corrupted labels,
/// the training accuracy on its clean rows and on its corrupted rows.
#[derive(Clone, Debug, PartialEq)]
pub struct MemorizationRow {
    /// Epoch (0 = before training).
    pub epoch: i64,
    /// Accuracy on the training rows whose label was kept.
    pub clean_acc: Option<f64>,
    /// Accuracy on the corrupted rows against the (wrong) label they were trained on: the
    /// fraction of the noise the network memorized.
    pub noisy_fit: Option<f64>,
    /// Accuracy on the corrupted rows against their true label.
    pub noisy_true: Option<f64>,
}

/// One row of `batches`: a mini-batch's cost and accuracy as it was trained on (before its
/// update).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchRow {
    /// 1-based step over the whole run.
    pub step: i64,
    /// 1-based epoch the step belongs to.
    pub epoch: i64,
    /// J of the mini-batch (`NOT NULL` in the schema; read as a metric like the others).
    pub cost: Option<f64>,
    /// Fraction of the mini-batch classified correctly.
    pub accuracy: Option<f64>,
}

/// One row of `calibration`: the calibration of a run's final predictive on one split.
/// A metric is `None` when it was not a number.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationRow {
    /// `"cv"` or `"test"`.
    pub split: String,
    /// `"mc"` (Monte-Carlo predictive) or `"mean"` (posterior-mean network).
    pub predictive: String,
    /// Draws of the predictive (1 for `"mean"`).
    pub samples: i64,
    /// Examples scored.
    pub n: i64,
    /// Fraction predicted correctly.
    pub accuracy: Option<f64>,
    /// Mean negative log-likelihood of the true class (nats).
    pub nll: Option<f64>,
    /// Mean multi-class Brier score.
    pub brier: Option<f64>,
    /// Expected calibration error (15 bins).
    pub ece: Option<f64>,
    /// Maximum calibration error.
    pub mce: Option<f64>,
    /// Mean predictive entropy (nats).
    pub entropy: Option<f64>,
}

/// A run with every row that belongs to it, as [`StudyReader::study`](super::StudyReader::study)
/// returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRun {
    /// The `runs` row.
    pub run: RunRow,
    /// By epoch.
    pub epochs: Vec<EpochRow>,
    /// By (epoch, layer).
    pub layer_norms: Vec<LayerNormRow>,
    /// By step.
    pub batches: Vec<BatchRow>,
    /// By (epoch, layer); empty in a database older than the table.
    pub sparsity: Vec<SparsityRow>,
    /// By epoch; empty unless the run's labels were corrupted.
    pub memorization: Vec<MemorizationRow>,
}

/// Everything in one study database.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredStudy {
    /// `meta` as (key, value), by key: `schema_version`, `created_by`.
    pub meta: Vec<(String, String)>,
    /// Every run, by id.
    pub runs: Vec<StoredRun>,
}

/// The tables that hold a run's rows (`run_id` first), in the order a restart deletes them.
/// `layer_sparsity`, `memorization`, `calibration` and `lbfgs_iterations` came after schema 2
/// was released: a database may lack them.
pub(crate) const CHILD_TABLES: [&str; 7] = [
    "batches",
    "layer_norms",
    "layer_sparsity",
    "memorization",
    "calibration",
    "lbfgs_iterations",
    "epochs",
];

/// The child tables a database of schema 2 may lack (created when it is next opened for
/// writing; read as empty until then).
pub(crate) const LATER_TABLES: [&str; 2] = ["layer_sparsity", "memorization"];

/// The columns of each table, in the order the reader selects them (and `schema.sql` declares
/// them); a test checks them against the database.
pub(crate) mod columns {
    /// `runs`.
    pub const RUNS: [&str; 27] = [
        "id",
        "run_key",
        "study",
        "config_json",
        "dataset",
        "data_source",
        "split",
        "architecture",
        "loss",
        "init",
        "optimizer",
        "lr",
        "bias_correction",
        "l2",
        "l1",
        "batch_size",
        "epochs",
        "seed",
        "threads",
        "status",
        "error",
        "started_at",
        "finished_at",
        "wall_seconds",
        "mlplab_version",
        "git_commit",
        "cell_key",
    ];
    /// `epochs`.
    pub const EPOCHS: [&str; 10] = [
        "run_id",
        "epoch",
        "step",
        "train_cost",
        "cv_cost",
        "train_acc",
        "cv_acc",
        "test_cost",
        "test_acc",
        "seconds",
    ];
    /// `layer_norms`.
    pub const LAYER_NORMS: [&str; 5] = ["run_id", "epoch", "layer", "grad_norm", "weight_norm"];
    /// `batches`.
    pub const BATCHES: [&str; 5] = ["run_id", "step", "epoch", "cost", "accuracy"];
    /// `layer_sparsity`.
    pub const LAYER_SPARSITY: [&str; 5] = ["run_id", "epoch", "layer", "small", "zero"];
    /// `memorization`.
    pub const MEMORIZATION: [&str; 5] = ["run_id", "epoch", "clean_acc", "noisy_fit", "noisy_true"];
    /// `calibration`.
    pub const CALIBRATION: [&str; 11] = [
        "run_id",
        "split",
        "predictive",
        "samples",
        "n",
        "accuracy",
        "nll",
        "brier",
        "ece",
        "mce",
        "entropy",
    ];
    /// `meta`.
    pub const META: [&str; 2] = ["key", "value"];
}
