-- mlplab results store, schema version 2. One SQLite file per study directory
-- (`<study-dir>/mlplab.db`; shards `mlplab.shard-I-of-N.db`). Written by `store::Store`, read
-- by `store::StudyReader` (src/store/schema.rs has the row types). Version 1 lacked
-- `runs.cell_key`; opening such a database for writing adds it, filled from `config_json`.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- 'schema_version' -> '2', 'created_by' -> 'mlplab 0.1.0'
);

CREATE TABLE IF NOT EXISTS runs (
    id             INTEGER PRIMARY KEY,
    run_key        TEXT NOT NULL UNIQUE,   -- SHA-256 of the canonical run config: same config = same run
    study          TEXT NOT NULL,          -- experiment name, e.g. 'paper-mnist'
    config_json    TEXT NOT NULL,          -- the full, validated run config
    dataset        TEXT NOT NULL,          -- 'mnist', 'fashion-mnist', 'cifar10', 'cifar10-jpeg', 'spirals', ...
    data_source    TEXT,                   -- 'embedded', a folder, a URL
    split          TEXT NOT NULL,          -- e.g. 'study(train=0+10000,cv=10000+10000)'
    architecture   TEXT NOT NULL,          -- Architecture::describe(), e.g. '784-128xleaky-relu(0.1)x4-10xsoftmax'
    loss           TEXT NOT NULL,          -- 'mse', 'bce', 'cce'
    init           TEXT NOT NULL,          -- 'uniform', 'he', 'glorot'
    optimizer      TEXT NOT NULL,          -- 'sgd', 'momentum', 'rmsprop', 'adam'
    lr             REAL NOT NULL,
    bias_correction INTEGER NOT NULL,      -- 0/1
    l2             REAL NOT NULL,          -- λ
    l1             REAL NOT NULL,
    batch_size     INTEGER NOT NULL,
    epochs         INTEGER NOT NULL,
    seed           INTEGER NOT NULL,
    threads        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'diverged', 'failed', 'interrupted')),
    error          TEXT,                   -- message for 'diverged' / 'failed' / 'interrupted'
    started_at     TEXT,                   -- RFC 3339 UTC
    finished_at    TEXT,
    wall_seconds   REAL,
    mlplab_version TEXT NOT NULL,
    git_commit     TEXT,
    cell_key       TEXT NOT NULL           -- SHA-256 of the canonical config less train.seed and train.threads:
                                           -- same cell key = same configuration, another seed
);

-- One row per evaluated epoch; epoch 0 is the network before any step.
CREATE TABLE IF NOT EXISTS epochs (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch      INTEGER NOT NULL,
    step       INTEGER NOT NULL,   -- mini-batch steps taken so far
    train_cost REAL,               -- full cost J (loss + penalty) on the training split;
                                   -- a metric is NULL when not evaluated, or NaN (SQLite stores NaN as NULL)
    cv_cost    REAL,
    train_acc  REAL,
    cv_acc     REAL,
    test_cost  REAL,               -- NULL unless a test split was evaluated
    test_acc   REAL,
    seconds    REAL,               -- wall time since the run started
    PRIMARY KEY (run_id, epoch)
);

-- Per-layer norms, layer = 1..L. grad_norm: mean over the epoch's steps of ‖dW[l]‖_F
-- (weights only, penalty included); weight_norm: ‖W[l]‖_F at the end of the epoch.
CREATE TABLE IF NOT EXISTS layer_norms (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch       INTEGER NOT NULL,
    layer       INTEGER NOT NULL,
    grad_norm   REAL,
    weight_norm REAL,
    PRIMARY KEY (run_id, epoch, layer)
);

-- Calibration of a run's predictive distribution after its last epoch, per evaluation split
-- (metrics as in src/stats/calibration.rs: ECE and MCE over 15 equal-width bins, multi-class
-- Brier, NLL in nats, mean predictive entropy in nats). predictive: 'mc' (a variational run's
-- Monte-Carlo predictive over `samples` weight draws) or 'mean' (its posterior-mean network).
CREATE TABLE IF NOT EXISTS calibration (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split      TEXT NOT NULL,      -- 'cv' or 'test'
    predictive TEXT NOT NULL,      -- 'mc' or 'mean'
    samples    INTEGER NOT NULL,   -- draws of the predictive (1 for 'mean')
    n          INTEGER NOT NULL,   -- examples scored
    accuracy   REAL,
    nll        REAL,
    brier      REAL,
    ece        REAL,
    mce        REAL,
    entropy    REAL,
    PRIMARY KEY (run_id, split, predictive)
);

-- Cost J and accuracy of each mini-batch as it was trained on (before its update). step = 1, 2, ...
CREATE TABLE IF NOT EXISTS batches (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    epoch  INTEGER NOT NULL,       -- 1-based epoch the step belongs to
    cost   REAL NOT NULL,
    accuracy REAL,                 -- fraction of the mini-batch classified correctly
    PRIMARY KEY (run_id, step)
);

-- Per layer, how many weights are (nearly) zero at the end of an epoch: `small` is the
-- fraction with |w| < 1e-3 · max|w| of the layer, `zero` the fraction exactly 0 (what L1
-- by OWL-QN produces). Added after schema 2 was released: an older database lacks the
-- table, and reads as having no rows.
CREATE TABLE IF NOT EXISTS layer_sparsity (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch  INTEGER NOT NULL,
    layer  INTEGER NOT NULL,
    small  REAL,
    zero   REAL,
    PRIMARY KEY (run_id, epoch, layer)
);

-- Runs whose training labels were corrupted (`data.label_noise`, `data.labels = "random"`),
-- at each evaluated epoch: the training accuracy on the rows whose label was kept
-- (`clean_acc`), on the corrupted rows against the label they were trained on (`noisy_fit`:
-- the fraction of the noise memorized) and against their true label (`noisy_true`). A metric
-- is NULL when that subset is empty. Added after schema 2 was released (see layer_sparsity).
CREATE TABLE IF NOT EXISTS memorization (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch      INTEGER NOT NULL,
    clean_acc  REAL,
    noisy_fit  REAL,
    noisy_true REAL,
    PRIMARY KEY (run_id, epoch)
);

-- One row per accepted L-BFGS / OWL-QN iteration (optimizer.kind = 'lbfgs'; no rows for the
-- first-order rules). Cost and gradient norm are on the rows of that evaluation (the whole
-- training split, or the held mini-batch); passes = rows evaluated / training rows so far.
-- Absent in databases written before L-BFGS (the reader reads no rows there).
CREATE TABLE IF NOT EXISTS lbfgs_iterations (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration     INTEGER NOT NULL,   -- 1-based over the run
    cost          REAL,               -- J at the new point (OWL-QN: with the L1 term)
    grad_norm     REAL,               -- ‖∇J‖₂ there (OWL-QN: of the pseudo-gradient)
    step          REAL,               -- the accepted step length α
    search_evals  INTEGER NOT NULL,   -- evaluations of this iteration's line search(es)
    evals         INTEGER NOT NULL,   -- evaluations since the start
    passes        REAL NOT NULL,      -- data passes since the start
    skipped_pairs INTEGER NOT NULL,   -- curvature pairs refused so far
    restarts      INTEGER NOT NULL,   -- iterations so far that cleared the memory
    zero_fractions TEXT,              -- OWL-QN only: JSON list, per layer, of the fraction of weights exactly 0
    PRIMARY KEY (run_id, iteration)
);
