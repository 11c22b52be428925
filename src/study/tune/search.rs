//! The search: the experiment's runs grouped by (dataset, optimizer, init, loss), each group's
//! candidates trained as ordinary runs rung by rung, the best third kept at each rung.

use std::collections::HashMap;
use std::path::PathBuf;

use super::TuneError;
use super::grid::{RangeArg, candidates, default_range, kept, rung_epochs};
use super::results::{CandidateResult, GroupResult, LearningRates, Protocol, RungResult};
use super::select::{Metric, Score, rank};
use crate::experiment::{Experiment, RunConfig};
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::optim::OptimizerKind;
use crate::runner::{DataCache, SweepOptions, SweepSummary, sweep};
use crate::store::{Status, StudyReader};

/// How to tune. Defaults: 3 seeds, 8 candidates over [`default_range`], final CV accuracy,
/// eta = 3, 3 rungs.
#[derive(Clone, Debug)]
pub struct TuneOptions {
    /// How the trials run and where (`sweep.out`, default `studies/tune-NAME` in the CLI).
    pub sweep: SweepOptions,
    /// Seeds 1..=`seeds` per candidate.
    pub seeds: usize,
    /// Log-spaced candidates per group.
    pub candidates: usize,
    /// Ranges replacing [`default_range`] for their optimizer.
    pub ranges: Vec<RangeArg>,
    /// What candidates are ranked by.
    pub metric: Metric,
    /// Each rung keeps `ceil(n / eta)` candidates; rung k trains `ceil(E / eta^(rungs−1−k))`
    /// epochs.
    pub eta: usize,
    /// Rungs of successive halving.
    pub rungs: usize,
    /// The command line, recorded with the results.
    pub command: String,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            sweep: SweepOptions::default(),
            seeds: 3,
            candidates: 8,
            ranges: Vec::new(),
            metric: Metric::CvAcc,
            eta: 3,
            rungs: 3,
            command: "mlplab tune".into(),
        }
    }
}

impl TuneOptions {
    /// The range searched for `kind`: the last `--range` for it, else [`default_range`].
    pub fn range(&self, kind: OptimizerKind) -> super::grid::Range {
        self.ranges
            .iter()
            .rev()
            .find(|r| r.kind == kind)
            .map_or_else(|| default_range(kind), |r| r.range)
    }

    /// Checks the counts; the message names the flag, its value and what is valid.
    pub fn validate(&self) -> Result<(), TuneError> {
        let bad = |m: String| Err(TuneError::Invalid(m));
        if self.seeds == 0 {
            return bad("--seeds 0: give at least 1 (each candidate trains seeds 1..N)".into());
        }
        if self.eta < 2 {
            return bad(format!(
                "--eta {}: give at least 2 (each rung keeps ceil(n / eta) candidates; 3 keeps \
                 the best third)",
                self.eta
            ));
        }
        if self.rungs == 0 {
            return bad(
                "--rungs 0: give at least 1 (1 trains every candidate for the whole \
                        budget)"
                    .into(),
            );
        }
        candidates(
            super::grid::Range { lo: 1.0, hi: 2.0 },
            self.candidates.min(2),
        )
        .map_err(TuneError::Invalid)?;
        Ok(())
    }
}

/// What a tune did.
#[derive(Debug)]
pub struct TuneOutcome {
    /// The chosen rates and their evidence; `None` when the tune was stopped before its last
    /// rung finished.
    pub results: Option<LearningRates>,
    /// One sweep per rung that ran.
    pub sweeps: Vec<SweepSummary>,
    /// Trials (runs) trained now, over all rungs: 0 when every trial was already in the store.
    pub trained: usize,
    /// Trials that failed (an error, not a divergence).
    pub failed: usize,
    /// Warnings to show: rates at the edge of their range, groups where every candidate
    /// diverged.
    pub warnings: Vec<String>,
    /// The database the trials are in.
    pub db: PathBuf,
}

/// The settings that make a group.
#[derive(Clone, Debug, PartialEq)]
struct GroupKey {
    dataset: String,
    kind: OptimizerKind,
    init: Init,
    loss: Loss,
}

impl GroupKey {
    fn of(r: &RunConfig) -> GroupKey {
        GroupKey {
            dataset: r.data.dataset.clone(),
            kind: r.train.optimizer.kind,
            init: r.network.init,
            loss: r.train.loss,
        }
    }
}

/// One group under search.
struct Group {
    key: GroupKey,
    /// The run every trial copies: the group's first run at its smallest λ.
    template: RunConfig,
    candidates: Vec<f64>,
    rungs: Vec<usize>,
    /// Indices into `candidates` still in the search.
    survivors: Vec<usize>,
    evidence: Vec<RungResult>,
}

/// The groups of `exp`, in order of first appearance, each at its smallest `regularization.l2`.
fn groups(exp: &Experiment, opts: &TuneOptions) -> Result<Vec<Group>, TuneError> {
    let mut out: Vec<Group> = Vec::new();
    for run in &exp.runs {
        let key = GroupKey::of(run);
        match out.iter_mut().find(|g| g.key == key) {
            Some(g) if run.train.regularization.l2 < g.template.train.regularization.l2 => {
                g.template = run.clone();
            }
            Some(_) => {}
            None => {
                let c = candidates(opts.range(key.kind), opts.candidates)
                    .map_err(TuneError::Invalid)?;
                out.push(Group {
                    survivors: (0..c.len()).collect(),
                    candidates: c,
                    rungs: Vec::new(),
                    key,
                    template: run.clone(),
                    evidence: Vec::new(),
                });
            }
        }
    }
    for g in &mut out {
        // The budget is the template's, at the base λ.
        g.rungs = rung_epochs(g.template.train.epochs, opts.eta, opts.rungs);
    }
    Ok(out)
}

/// One trial: the template with a rate, a seed and the rung's epochs.
fn trial(template: &RunConfig, lr: f64, seed: u64, epochs: usize) -> Result<RunConfig, TuneError> {
    let mut r = template.clone();
    r.train.optimizer.lr = lr;
    r.train.seed = seed;
    r.train.epochs = epochs;
    r.validate().map_err(|m| {
        TuneError::Invalid(format!("the trial {} is not a valid run: {m}", r.label()))
    })?;
    Ok(r)
}

/// Tunes the learning rate of every (dataset, optimizer, init, loss) group of `exp` by
/// successive halving; every trial is a run in `opts.sweep`'s database, so a rerun trains
/// only the trials not yet finished.
///
/// Each group searches at its smallest λ (`regularization.l2`), every other setting as in the
/// group's first run at that λ. Rung k trains the surviving candidates, seeds 1..=S each, for
/// the rung's epochs; the ranking ([`rank`]) keeps `ceil(n / eta)` of them. After the last
/// rung the best is the chosen rate.
pub fn tune(
    exp: &Experiment,
    opts: &TuneOptions,
    cache: &DataCache,
) -> Result<TuneOutcome, TuneError> {
    opts.validate()?;
    let mut groups = groups(exp, opts)?;
    let db = opts.sweep.db_path();
    let mut outcome = TuneOutcome {
        results: None,
        sweeps: Vec::new(),
        trained: 0,
        failed: 0,
        warnings: Vec::new(),
        db: db.clone(),
    };
    let depth = groups.iter().map(|g| g.rungs.len()).max().unwrap_or(0);
    for k in 0..depth {
        let mut runs = Vec::new();
        for g in groups.iter().filter(|g| k < g.rungs.len()) {
            for &c in &g.survivors {
                for seed in 1..=opts.seeds as u64 {
                    runs.push(trial(&g.template, g.candidates[c], seed, g.rungs[k])?);
                }
            }
        }
        let rung = Experiment::new(
            format!("tune-{}", exp.name),
            format!("mlplab tune {}: rung {}", exp.name, k + 1),
            runs,
        );
        let summary = sweep(&rung, &opts.sweep, cache)?;
        outcome.trained += summary.executed.len();
        let stopped = summary.interrupted();
        outcome.sweeps.push(summary);
        if stopped {
            return Ok(outcome);
        }
        let found = Found::read(&db)?;
        for g in groups.iter_mut().filter(|g| k < g.rungs.len()) {
            let last = k + 1 == g.rungs.len();
            outcome.failed += judge(g, k, last, opts, &found)?;
        }
    }
    let results = LearningRates {
        experiment: exp.name.clone(),
        command: opts.command.clone(),
        mlplab_version: env!("CARGO_PKG_VERSION").to_string(),
        protocol: protocol(opts, &groups),
        groups: groups.iter().map(|g| result_of(g, opts)).collect(),
    };
    for g in &results.groups {
        let name = format!("{} {} {} {}", g.dataset, g.optimizer, g.init, g.loss);
        if g.at_edge {
            outcome.warnings.push(format!(
                "{name}: the chosen rate {} is at the edge of the candidates ({} … {}): the \
                 optimum may lie outside; widen it with --range {}=LO:HI",
                g.chosen,
                g.candidates.first().copied().unwrap_or(g.chosen),
                g.candidates.last().copied().unwrap_or(g.chosen),
                g.optimizer
            ));
        }
        if g.chosen_bad_seeds > 0 {
            outcome.warnings.push(format!(
                "{name}: even the chosen rate {} diverged or failed in {} of {} seeds at the \
                 last rung, where every candidate left had such a seed; try smaller rates with \
                 --range {}=LO:HI",
                g.chosen, g.chosen_bad_seeds, opts.seeds, g.optimizer
            ));
        }
    }
    outcome.results = Some(results);
    Ok(outcome)
}

/// Status and final metrics of the stored runs, by key.
struct Found {
    runs: HashMap<String, (Status, Option<f64>, Option<f64>, String)>,
}

impl Found {
    fn read(db: &std::path::Path) -> Result<Found, TuneError> {
        let reader = StudyReader::open(db)?;
        let mut runs = HashMap::new();
        for r in reader.runs()? {
            let (acc, cost) = match r.status {
                Status::Done => reader
                    .last_epoch(r.id)?
                    .map_or((None, None), |e| (e.cv_acc, e.cv_cost)),
                _ => (None, None),
            };
            let label = format!(
                "run {} ({} {} lr={} seed={})",
                r.id, r.dataset, r.optimizer, r.lr, r.seed
            );
            runs.insert(r.key, (r.status, acc, cost, label));
        }
        Ok(Found { runs })
    }
}

/// Scores the survivors of group `g` at rung `k`, records the evidence and keeps the best.
/// Returns the number of failed trials.
fn judge(
    g: &mut Group,
    k: usize,
    last: bool,
    opts: &TuneOptions,
    found: &Found,
) -> Result<usize, TuneError> {
    let mut scores = Vec::new();
    let mut failed = 0;
    for &c in &g.survivors {
        let lr = g.candidates[c];
        let mut score = Score {
            lr,
            values: Vec::new(),
            bad: 0,
        };
        for seed in 1..=opts.seeds as u64 {
            let key = trial(&g.template, lr, seed, g.rungs[k])?.key();
            let Some((status, acc, cost, label)) = found.runs.get(&key) else {
                return Err(TuneError::Invalid(format!(
                    "the trial lr={lr} seed={seed} at {} epochs is not in the database after \
                     its rung ran",
                    g.rungs[k]
                )));
            };
            let value = match opts.metric {
                Metric::CvAcc => acc,
                Metric::CvCost => cost,
            };
            match (status, value) {
                (Status::Done, Some(v)) if v.is_finite() => score.values.push(*v),
                (Status::Done, _) => {
                    return Err(TuneError::Invalid(format!(
                        "{label} finished without a finite {} at its last epoch: the metric \
                         needs a cross-validation split (data.split with CV rows)",
                        opts.metric
                    )));
                }
                (Status::Failed, _) => {
                    failed += 1;
                    score.bad += 1;
                }
                _ => score.bad += 1,
            }
        }
        scores.push(score);
    }
    let order = rank(&scores, opts.metric);
    let keep = if last {
        1
    } else {
        kept(scores.len(), opts.eta)
    };
    let mut candidates: Vec<CandidateResult> = scores
        .iter()
        .map(|s| {
            let summary = s.summary();
            CandidateResult {
                lr: s.lr,
                mean: summary.map(|m| m.mean),
                sd: summary.and_then(|m| m.sd),
                n: s.values.len(),
                bad_seeds: s.bad,
                rank: 0,
                survived: false,
            }
        })
        .collect();
    for (place, &i) in order.iter().enumerate() {
        candidates[i].rank = place + 1;
        candidates[i].survived = place < keep;
    }
    let survivors: Vec<usize> = order.iter().take(keep).map(|&i| g.survivors[i]).collect();
    g.survivors = survivors;
    g.evidence.push(RungResult {
        epochs: g.rungs[k],
        candidates,
    });
    Ok(failed)
}

/// The protocol, as recorded with the results.
fn protocol(opts: &TuneOptions, groups: &[Group]) -> Protocol {
    let mut ranges = Vec::new();
    for kind in OptimizerKind::ALL {
        if groups.iter().any(|g| g.key.kind == kind) {
            let r = opts.range(kind);
            ranges.push((kind.to_string(), [r.lo, r.hi]));
        }
    }
    Protocol {
        seeds: opts.seeds,
        candidates: opts.candidates,
        metric: opts.metric,
        eta: opts.eta,
        rungs: opts.rungs,
        ranges: ranges.into_iter().collect(),
        lambda: "each group at its smallest regularization.l2 (0 in the study presets), every \
                 other setting as in its first run at that λ"
            .into(),
        ranking: "mean of the metric over the seeds at the rung's last epoch; a candidate with \
                  a diverged or failed seed ranks below every candidate without one (fewer \
                  such seeds first); ties go to the smaller rate; each rung keeps ceil(n / eta)"
            .into(),
    }
}

/// A group's result: the survivor of the last rung, and whether it lies at an end of the
/// candidates.
fn result_of(g: &Group, opts: &TuneOptions) -> GroupResult {
    let chosen_index = g.survivors.first().copied().unwrap_or(0);
    let chosen = g.candidates.get(chosen_index).copied().unwrap_or(f64::NAN);
    let at_edge =
        g.candidates.len() > 1 && (chosen_index == 0 || chosen_index + 1 == g.candidates.len());
    let chosen_bad_seeds = g
        .evidence
        .last()
        .and_then(|r| r.candidates.iter().find(|c| c.lr == chosen))
        .map_or(opts.seeds, |c| c.bad_seeds);
    GroupResult {
        dataset: g.key.dataset.clone(),
        optimizer: g.key.kind.to_string(),
        init: g.key.init.to_string(),
        loss: g.key.loss.to_string(),
        l2: g.template.train.regularization.l2,
        epochs: g.template.train.epochs,
        rung_epochs: g.rungs.clone(),
        candidates: g.candidates.clone(),
        chosen,
        at_edge,
        chosen_bad_seeds,
        rungs: g.evidence.clone(),
    }
}
