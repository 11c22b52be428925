//! Builds synthetic-but-realistic study databases for the report tests: the real schema
//! (`src/store/schema.sql`), curves from a formula (exponential approach to a final
//! accuracy, MSE-like cost, per-batch noise from a fixed LCG, optional RMSProp-like spikes,
//! optional late onset, optional divergence), several seeds, missing and diverged runs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

pub const SCHEMA: &str = include_str!("../../src/store/schema.sql");

/// A fresh directory under the test target dir (kept after the test for inspection).
pub fn study_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

/// Creates `<dir>/mlplab.db` with the schema and `meta.schema_version`.
pub fn create_db(dir: &Path, schema_version: &str) -> Connection {
    let conn = Connection::open(dir.join("mlplab.db")).expect("open db");
    conn.execute_batch(SCHEMA).expect("schema.sql");
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?1), ('created_by', 'mlplab tests')",
        params![schema_version],
    )
    .expect("meta");
    conn
}

/// How a synthetic run's curves look.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Final training accuracy approached exponentially from chance.
    pub acc_final: f64,
    /// Time constant in epochs.
    pub tau: f64,
    /// CV accuracy = train accuracy − this × (train accuracy − chance).
    pub gap_frac: f64,
    /// Learning starts only at this epoch (accuracy at chance before).
    pub onset: Option<i64>,
    /// A mini-batch cost spike (×6) every this many steps.
    pub spike_every: Option<i64>,
    /// Metrics become NULL (NaN) from this epoch on; the run is then `diverged`.
    pub diverge_at: Option<i64>,
}

impl Curve {
    pub fn learns(acc_final: f64, tau: f64) -> Self {
        Curve {
            acc_final,
            tau,
            gap_frac: 0.03,
            onset: None,
            spike_every: None,
            diverge_at: None,
        }
    }
    pub fn flat() -> Self {
        Curve {
            acc_final: 0.1,
            tau: 1.0,
            gap_frac: 0.0,
            onset: None,
            spike_every: None,
            diverge_at: None,
        }
    }
}

/// One run to insert.
#[derive(Debug, Clone)]
pub struct Spec {
    pub study: String,
    pub dataset: String,
    pub loss: String,
    pub init: String,
    pub optimizer: String,
    pub lr: f64,
    pub l2: f64,
    pub seed: i64,
    pub epochs: i64,
    pub steps_per_epoch: i64,
    pub status: String,
    pub curve: Curve,
    /// Further settings of the stored configuration: (dotted path, value).
    pub settings: Vec<(String, serde_json::Value)>,
}

impl Spec {
    pub fn new(
        dataset: &str,
        init: &str,
        optimizer: &str,
        l2: f64,
        seed: i64,
        curve: Curve,
    ) -> Self {
        Spec {
            study: format!("paper-{dataset}"),
            dataset: dataset.to_string(),
            loss: "mse".to_string(),
            init: init.to_string(),
            optimizer: optimizer.to_string(),
            lr: default_lr(optimizer),
            l2,
            seed,
            epochs: 20,
            steps_per_epoch: 100,
            status: "done".to_string(),
            curve,
            settings: Vec::new(),
        }
    }
}

pub fn default_lr(optimizer: &str) -> f64 {
    match optimizer {
        "sgd" => 0.5,
        "momentum" => 0.5,
        "rmsprop" => 0.001,
        "adam" => 0.001,
        _ => 0.01,
    }
}

/// Deterministic noise in [−1, 1].
fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
}

fn acc_at(c: &Curve, t: f64) -> f64 {
    let t = match c.onset {
        Some(o) => (t - o as f64).max(0.0),
        None => t,
    };
    let drift = if c.acc_final > 0.11 { 0.001 * t } else { 0.0 };
    c.acc_final - (c.acc_final - 0.1) * (-t / c.tau).exp() + drift
}

fn cost_of(acc: f64, l2: f64) -> f64 {
    0.9 * (1.0 - acc).powf(1.3) + 0.002 * l2
}

/// The stored configuration of a spec, less its seed (as `runs.config_json` holds it, in the
/// layout of `RunConfig`'s JSON), and its cell key (here simply that JSON: any text that is
/// the same exactly for the same configuration will do).
pub fn config_of(s: &Spec) -> (String, String) {
    let mut config = serde_json::json!({
        "data": { "dataset": s.dataset },
        "network": { "init": s.init, "hidden": [128, 128, 128, 128] },
        "train": {
            "loss": s.loss,
            "epochs": s.epochs,
            "optimizer": { "kind": s.optimizer, "lr": s.lr },
            "regularization": { "l2": s.l2 },
        },
    });
    for (path, value) in &s.settings {
        let mut at = &mut config;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            at = &mut at[*p];
        }
        at[parts[parts.len() - 1]] = value.clone();
    }
    let cell = config.to_string();
    config["train"]["seed"] = s.seed.into();
    (config.to_string(), cell)
}

/// Inserts a run with its epochs, layer norms and batches; returns its id.
pub fn insert(conn: &Connection, s: &Spec) -> i64 {
    let (config, cell) = config_of(s);
    let key = format!("{}-{config}", s.study);
    let error = s
        .curve
        .diverge_at
        .map(|e| format!("non-finite cost at epoch {e}"));
    let status = if s.curve.diverge_at.is_some() {
        "diverged"
    } else {
        s.status.as_str()
    };
    conn.execute(
        "INSERT INTO runs(run_key, study, config_json, dataset, data_source, split, architecture, loss,
            init, optimizer, lr, bias_correction, l2, l1, batch_size, epochs, seed, threads, status,
            error, wall_seconds, mlplab_version, cell_key)
         VALUES (?1, ?2, ?13, ?3, 'embedded', 'study(train=0+10000,cv=10000+10000)',
            '784-128xleaky-relu(0.1)x4-10xsoftmax', ?4, ?5, ?6, ?7, 1, ?8, 0, 100, ?9, ?10, 1, ?11, ?12, 12.5, '0.1.0', ?14)",
        params![key, s.study, s.dataset, s.loss, s.init, s.optimizer, s.lr, s.l2, s.epochs, s.seed, status, error, config, cell],
    )
    .expect("insert run");
    let id = conn.last_insert_rowid();
    let mut rng = 0x9e3779b97f4a7c15u64 ^ (id as u64).wrapping_mul(0x2545F4914F6CDD1D);
    let tx = conn.unchecked_transaction().expect("tx");
    let last_epoch = if status == "pending" { -1 } else { s.epochs };
    for e in 0..=last_epoch {
        let dead = s.curve.diverge_at.is_some_and(|d| e >= d);
        let acc = (acc_at(&s.curve, e as f64) + 0.002 * noise(&mut rng)).clamp(0.0, 1.0);
        let cv = acc - s.curve.gap_frac * (acc - 0.1) + 0.002 * noise(&mut rng);
        let val = |v: f64| if dead { None } else { Some(v) };
        tx.execute(
            "INSERT INTO epochs(run_id, epoch, step, train_cost, cv_cost, train_acc, cv_acc, seconds)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                e,
                e * s.steps_per_epoch,
                val(cost_of(acc, s.l2)),
                val(cost_of(cv, s.l2) + 0.005),
                val(acc),
                val(cv),
                e as f64 * 0.5
            ],
        )
        .expect("epoch");
        if e > 0 {
            for layer in 1..=5i64 {
                let g = if s.init == "uniform" {
                    10f64.powi(3 - layer as i32) * (1.0 + 0.1 * noise(&mut rng))
                } else {
                    0.05 * (1.0 + 0.3 * layer as f64) * (-(e as f64) / 10.0).exp()
                };
                tx.execute(
                    "INSERT INTO layer_norms(run_id, epoch, layer, grad_norm, weight_norm) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, e, layer, if dead { None } else { Some(g) }, 5.0 + layer as f64],
                )
                .expect("layer norm");
            }
            for k in 1..=s.steps_per_epoch {
                let step = (e - 1) * s.steps_per_epoch + k;
                let t = (step as f64) / s.steps_per_epoch as f64;
                let a = (acc_at(&s.curve, t) + 0.03 * noise(&mut rng)).clamp(0.0, 1.0);
                let mut c = cost_of(a, s.l2) * (1.0 + 0.1 * noise(&mut rng));
                let mut a2 = a;
                if s.curve.spike_every.is_some_and(|p| step % p == 0) {
                    c *= 6.0;
                    a2 = (a - 0.5).max(0.0);
                }
                if dead {
                    // The blow-up: one huge mini-batch cost, then the runner stops.
                    if k == 1 && s.curve.diverge_at == Some(e) {
                        c = 1e30;
                    } else {
                        continue;
                    }
                }
                tx.execute(
                    "INSERT INTO batches(run_id, step, epoch, cost, accuracy) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, step, e, c, a2],
                )
                .expect("batch");
            }
        }
    }
    tx.commit().expect("commit");
    id
}

/// The paper's MNIST-like grid: 4 optimizers × {uniform, he} × λ ∈ {0..3} × `seeds` seeds,
/// with RMSProp spiking, RMSProp/Adam fastest early. Returns the specs inserted.
pub fn paper_grid(conn: &Connection, dataset: &str, seeds: i64, epochs: i64) -> Vec<Spec> {
    let mut out = Vec::new();
    for init in ["uniform", "he"] {
        for l2 in [0.0, 1.0, 2.0, 3.0] {
            for opt in ["sgd", "momentum", "rmsprop", "adam"] {
                for seed in 1..=seeds {
                    let curve = paper_curve(init, opt);
                    let mut s = Spec::new(dataset, init, opt, l2, seed, curve);
                    s.epochs = epochs;
                    insert(conn, &s);
                    out.push(s);
                }
            }
        }
    }
    out
}

/// The curve of a paper-grid run: He learns (RMSProp and Adam faster, RMSProp with periodic
/// spikes), U[−1,1] stays flat.
pub fn paper_curve(init: &str, opt: &str) -> Curve {
    if init != "he" {
        return Curve::flat();
    }
    let tau = if opt == "rmsprop" || opt == "adam" {
        0.5
    } else {
        1.2
    };
    let mut curve = Curve::learns(0.93, tau);
    if opt == "rmsprop" {
        curve.spike_every = Some(150);
    }
    curve
}
