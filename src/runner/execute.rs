//! One run: build the network, train it while recording every batch and epoch, and end it
//! with the status it earned.

use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Progress, RunnerError, WeightsTarget, lock};
use crate::data::SplitData;
use crate::experiment::{DType, RunConfig, TestEval};
use crate::nn::error::Error;
use crate::nn::network::{Architecture, Network};
use crate::nn::scalar::Scalar;
use crate::store::checkpoint;
use crate::store::{
    CalibrationRow, EpochExtras, EpochRow, LayerNormRow, MemorizationRow, SparsityRow, Status,
    Store, StoreError,
};
use crate::train::{
    BatchRecord, EpochRecord, IterationRecord, Observer, Predictions, Samples, fit_bayes, fit_with,
};

/// A planned run and its data.
pub(crate) struct Job {
    pub id: i64,
    pub run: RunConfig,
    pub data: Option<Arc<SplitData>>,
}

/// What every run of a sweep shares.
pub(crate) struct Ctx<'a> {
    pub store: &'a Mutex<Store>,
    pub progress: &'a Progress,
    pub stop: &'a AtomicBool,
    pub abort: &'a AtomicBool,
    pub save: Option<&'a WeightsTarget>,
    /// The cores shared among the running runs, when finished runs hand theirs on.
    pub cores: Option<&'a Cores>,
}

/// The cores of a sweep and how many runs are using them: each running run may use
/// `total ÷ running` threads (at least one), so as the sweep drains the runs still going
/// take the cores of those that finished.
pub(crate) struct Cores {
    total: usize,
    running: std::sync::atomic::AtomicUsize,
}

impl Cores {
    /// `total` cores, no run started.
    pub(crate) fn new(total: usize) -> Self {
        Cores {
            total: total.max(1),
            running: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A run starts using them; dropping the guard ends it.
    pub(crate) fn join(&self) -> CoreShare<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        CoreShare(self)
    }

    /// The threads one running run may use now.
    pub(crate) fn share(&self) -> usize {
        (self.total / self.running.load(Ordering::Relaxed).max(1)).max(1)
    }
}

/// A running run's claim on [`Cores`], released when dropped (also by a panicking run).
pub(crate) struct CoreShare<'a>(&'a Cores);

impl Drop for CoreShare<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

fn architecture(run: &RunConfig, data: &SplitData) -> Architecture {
    run.architecture(data.train.n_features, data.train.n_classes)
}

/// Checks a run against its data before anything trains: input width, non-empty training
/// set, and initial weights that fit.
pub(crate) fn check(run: &RunConfig, data: &SplitData) -> Result<(), RunnerError> {
    let width = data.train.n_features;
    if let Some(inputs) = run.network.inputs
        && inputs != width
    {
        return Err(RunnerError::Invalid(format!(
            "run {}: network.inputs = {inputs}, but {} rows have {width} features: remove \
             network.inputs or set it to {width}",
            run.label(),
            data.train.name
        )));
    }
    if data.train.is_empty() {
        return Err(RunnerError::Invalid(format!(
            "run {}: the training split of {} is empty",
            run.label(),
            data.train.name
        )));
    }
    (run.train)
        .check_memory(
            &architecture(run, data),
            run.network.dtype.bytes(),
            data.train.len(),
        )
        .map_err(|e| RunnerError::Invalid(format!("run {}: {e}", run.label())))?;
    if let Some(path) = &run.network.init_weights {
        checkpoint::load(std::path::Path::new(path), &architecture(run, data))?;
    }
    Ok(())
}

/// Writes batches and epochs to the store as training reports them.
struct Recorder<'a> {
    id: i64,
    store: &'a Mutex<Store>,
    stop: &'a AtomicBool,
    abort: &'a AtomicBool,
    progress: &'a super::progress::RunProgress<'a>,
    batches: Vec<BatchRecord>,
    /// L-BFGS iterations since the last epoch written.
    iterations: Vec<IterationRecord>,
    error: Option<StoreError>,
    /// The sweep's cores and this run's own `train.threads`, when cores are handed on.
    cores: Option<(&'a Cores, usize)>,
    /// Where each evaluation set lands in an epoch's record.
    at: Positions,
    /// Tests only: panic after recording this epoch (see [`PANIC_SEED`]).
    #[cfg(test)]
    panic_after: Option<i64>,
}

/// Tests only: a run with this seed panics inside training, after recording epoch 1.
#[cfg(test)]
pub(crate) const PANIC_SEED: u64 = 0x5EED_DEAD;

impl<'a> Recorder<'a> {
    /// A recorder for run `id` with room for `batches` batch records per epoch.
    fn new(
        id: i64,
        ctx: &Ctx<'a>,
        progress: &'a super::progress::RunProgress<'a>,
        batches: usize,
        threads: usize,
        at: Positions,
        #[cfg(test)] seed: u64,
    ) -> Self {
        Recorder {
            at,
            cores: ctx.cores.map(|c| (c, threads)),
            id,
            store: ctx.store,
            stop: ctx.stop,
            abort: ctx.abort,
            progress,
            batches: Vec::with_capacity(batches),
            iterations: Vec::new(),
            error: None,
            #[cfg(test)]
            panic_after: (seed == PANIC_SEED).then_some(1),
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.abort.load(Ordering::Relaxed)
    }

    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = lock(self.store).record_batches(self.id, &self.batches)
        {
            self.error = Some(e);
        }
        self.batches.clear();
        self.write_iterations();
    }

    fn write_iterations(&mut self) {
        if self.error.is_none()
            && let Err(e) = lock(self.store).record_iterations(self.id, &self.iterations)
        {
            self.error = Some(e);
        }
        self.iterations.clear();
    }
}

impl Observer for Recorder<'_> {
    fn threads(&mut self) -> Option<usize> {
        self.cores.map(|(cores, own)| cores.share().max(own))
    }

    fn max_threads(&self) -> usize {
        self.cores.map_or(1, |(cores, own)| cores.total.max(own))
    }

    fn batch(&mut self, record: &BatchRecord) -> ControlFlow<()> {
        self.batches.push(*record);
        if self.stopping() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn iteration(&mut self, record: &IterationRecord) -> ControlFlow<()> {
        self.iterations.push(record.clone());
        if self.stopping() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn epoch(&mut self, r: &EpochRecord) -> ControlFlow<()> {
        self.write_iterations();
        if self.error.is_some() {
            return ControlFlow::Break(());
        }
        let row = epoch_row(r, &self.at);
        let norms = LayerNormRow::of_epoch(row.epoch, &r.grad_norms, &r.weight_norms);
        let extras = EpochExtras {
            sparsity: SparsityRow::of_epoch(row.epoch, &r.sparsity),
            memorization: memorization_row(r, &self.at),
        };
        let written =
            lock(self.store).record_epoch_with(self.id, &row, &norms, &extras, &self.batches);
        if let Err(e) = written {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        self.batches.clear();
        #[cfg(test)]
        if self.panic_after == Some(row.epoch) {
            panic!("test hook: panic after epoch {}", row.epoch);
        }
        self.progress.epoch(&row);
        if self.stopping() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// The network a run starts from, in its number type (`network.dtype`).
enum Initial {
    F32(Network<f32>),
    F64(Network<f64>),
}

/// The run's initial network: its checkpoint (stored as f32, widened for an f64 run) or
/// its initialization, drawn in the run's number type.
fn initial_network(run: &RunConfig, arch: &Architecture) -> Result<Initial, String> {
    let (init, seed) = (run.network.init, run.train.seed);
    let loaded = match &run.network.init_weights {
        Some(path) => {
            Some(checkpoint::load(std::path::Path::new(path), arch).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let net = match (run.network.dtype, loaded) {
        (DType::F32, Some(net)) => Initial::F32(net),
        (DType::F32, None) => {
            Initial::F32(Network::new(arch.clone(), init, seed).map_err(|e| e.to_string())?)
        }
        (DType::F64, Some(net)) => Initial::F64(convert(&net).map_err(|e| e.to_string())?),
        (DType::F64, None) => {
            Initial::F64(Network::new(arch.clone(), init, seed).map_err(|e| e.to_string())?)
        }
    };
    Ok(net)
}

/// `net` with every parameter converted to `B` (checkpoints hold f32).
fn convert<A: Scalar, B: Scalar>(net: &Network<A>) -> crate::nn::error::Result<Network<B>> {
    let params = net.params().iter().map(|&p| B::of(p.to_f64())).collect();
    Network::from_params(net.architecture().clone(), params)
}

/// Positions of the evaluation sets in an epoch's record (see `evaluation_sets`): train and
/// CV always first; the others by [`Positions`].
const TRAIN: usize = 0;
const CV: usize = 1;

/// Where the evaluation sets after train and CV land in an epoch's record: the test set
/// (third when evaluated every epoch; after all the others, in the last record only, when
/// evaluated at the end), then, for a run trained on corrupted labels, its clean rows, its
/// corrupted rows against the labels trained on, and against their true labels (each only
/// when it has rows).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Positions {
    test: Option<usize>,
    clean: Option<usize>,
    noisy_fit: Option<usize>,
    noisy_true: Option<usize>,
}

/// The stored row of an epoch. An evaluation set that `fit` did not report leaves its
/// metrics `None` (stored as NULL), never 0.
fn epoch_row(r: &EpochRecord, at: &Positions) -> EpochRow {
    let eval = |i: usize| r.evals.get(i);
    let test = at.test.and_then(eval);
    EpochRow {
        epoch: r.epoch as i64,
        step: r.step as i64,
        train_cost: eval(TRAIN).map(|m| m.cost),
        cv_cost: eval(CV).map(|m| m.cost),
        train_acc: eval(TRAIN).map(|m| m.accuracy),
        cv_acc: eval(CV).map(|m| m.accuracy),
        test_cost: test.map(|m| m.cost),
        test_acc: test.map(|m| m.accuracy),
        seconds: r.seconds,
    }
}

/// The memorization row of an evaluated epoch of a run trained on corrupted labels; `None`
/// for any other run or epoch.
fn memorization_row(r: &EpochRecord, at: &Positions) -> Option<MemorizationRow> {
    let acc = |i: Option<usize>| i.and_then(|i| r.evals.get(i)).map(|m| m.accuracy);
    let row = MemorizationRow {
        epoch: r.epoch as i64,
        clean_acc: acc(at.clean),
        noisy_fit: acc(at.noisy_fit),
        noisy_true: acc(at.noisy_true),
    };
    (row.noisy_fit.is_some() || row.noisy_true.is_some()).then_some(row)
}

/// The training rows of a run whose labels were corrupted, split for the memorization
/// record: the clean rows with their labels, and the corrupted rows with the labels they are
/// trained on and with their true labels.
struct Corrupted {
    n_features: usize,
    n_classes: usize,
    clean: (Vec<f32>, Vec<u32>),
    noisy: Vec<f32>,
    noisy_given: Vec<u32>,
    noisy_true: Vec<u32>,
}

impl Corrupted {
    /// `None` when no training label was changed.
    fn of(data: &SplitData) -> Option<Corrupted> {
        let truth = data.true_labels.as_ref()?;
        let train = &data.train;
        let mut c = Corrupted {
            n_features: train.n_features,
            n_classes: train.n_classes,
            clean: (Vec::new(), Vec::new()),
            noisy: Vec::new(),
            noisy_given: Vec::new(),
            noisy_true: Vec::new(),
        };
        for (i, (&given, &true_label)) in train.labels.iter().zip(truth).enumerate() {
            if given == true_label {
                c.clean.0.extend_from_slice(train.row(i));
                c.clean.1.push(given);
            } else {
                c.noisy.extend_from_slice(train.row(i));
                c.noisy_given.push(given);
                c.noisy_true.push(true_label);
            }
        }
        (!c.noisy_given.is_empty()).then_some(c)
    }
}

fn samples<'a>(d: &'a crate::data::Dataset) -> crate::nn::error::Result<Samples<'a>> {
    Samples::new(&d.features, &d.labels, d.n_features, d.n_classes)
}

/// Executes one run like [`run`], and records a run that panicked as `failed` with the
/// panic's message (a panic is a bug, but it must never leave a run `running` nor stop the
/// other runs).
pub(crate) fn run_catching(job: &Job, ctx: &Ctx) -> Result<Status, RunnerError> {
    let started = Instant::now();
    let payload = match std::panic::catch_unwind(AssertUnwindSafe(|| run(job, ctx))) {
        Ok(result) => return result,
        Err(payload) => payload,
    };
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    let error = format!("panicked (a bug in mlplab, please report it): {what}");
    ctx.progress.warn(&format!(
        "run {} {}: failed: {error}",
        job.id,
        job.run.label()
    ));
    finish(ctx, job.id, started, Status::Failed, Some(error))
}

/// Executes one run. `Err` only when the store cannot be written (the sweep then stops);
/// every other failure is recorded as the run's status.
pub(crate) fn run(job: &Job, ctx: &Ctx) -> Result<Status, RunnerError> {
    let started = Instant::now();
    let run = &job.run;
    let Some(data) = job.data.as_deref() else {
        return Err(RunnerError::Invalid(format!(
            "run {}: no data loaded",
            job.id
        )));
    };
    let arch = architecture(run, data);
    record_start(job, ctx, data, &arch)?;
    let progress = ctx.progress.start(job.id, &run.label(), run.train.epochs);
    let corrupted = Corrupted::of(data);
    let (net, sets) = match prepare(run, data, corrupted.as_ref(), &arch) {
        Ok(prepared) => prepared,
        Err(e) => {
            progress.done(&format!("failed: {e}"));
            return finish(ctx, job.id, started, Status::Failed, Some(e));
        }
    };
    let batches = data.train.len().div_ceil(run.train.batch_size.max(1));
    let mut recorder = Recorder::new(
        job.id,
        ctx,
        &progress,
        batches,
        run.train.threads,
        sets.at,
        #[cfg(test)]
        run.train.seed,
    );
    let share = ctx.cores.map(Cores::join);
    let result = train(net, run, &sets, &mut recorder);
    drop(share);
    if let Some(e) = recorder.error.take() {
        progress.done("stopped: the results database could not be written");
        return Err(e.into());
    }
    match result {
        Ok((net, history)) => done(job, ctx, started, progress, &net, &history),
        Err(e) => {
            recorder.flush();
            if let Error::Diverged { .. } = e
                && let Some(e) = recorder.error.take()
            {
                return Err(e.into());
            }
            let (status, summary, error) = ending(&e);
            progress.done(&summary);
            finish(ctx, job.id, started, status, Some(error))
        }
    }
}

/// Marks the run as started in the store, with its configuration, data source and shape.
fn record_start(
    job: &Job,
    ctx: &Ctx,
    data: &SplitData,
    arch: &Architecture,
) -> Result<(), RunnerError> {
    let mut store = lock(ctx.store);
    store.start(
        job.id,
        &job.run.canonical_json(),
        job.run.train.threads,
        &data.train.source,
        &arch.describe(),
    )?;
    // The published digests the files were checked against as they were read; the
    // embedded subset and generated data have none.
    let name = &data.train.name;
    if !matches!(data.train.source.as_str(), "embedded" | "generated")
        && let Some(digests) = crate::data::published_sha256(name)
    {
        store.record_meta(&format!("data.{name}.sha256"), &digests)?;
    }
    Ok(())
}

/// The initial network and the evaluation sets (train, CV, then test if evaluated), or
/// the message of the first that failed, network first.
fn prepare<'d>(
    run: &RunConfig,
    data: &'d SplitData,
    corrupted: Option<&'d Corrupted>,
    arch: &Architecture,
) -> Result<(Initial, EvalSets<'d>), String> {
    let net = initial_network(run, arch);
    let sets = evaluation_sets(run, data, corrupted);
    match (net, sets) {
        (Ok(n), Ok(s)) => Ok((n, s)),
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.to_string()),
    }
}

/// The sets `fit` evaluates each epoch, at the positions `TRAIN`, `CV` and then as
/// [`Positions`] says, and the sets it evaluates after the last epoch only: the test set when
/// `data.evaluate_test` is `"final"` (it then lands after the others in the last record).
fn evaluation_sets<'d>(
    run: &RunConfig,
    data: &'d SplitData,
    corrupted: Option<&'d Corrupted>,
) -> crate::nn::error::Result<EvalSets<'d>> {
    let mut sets = EvalSets {
        every: vec![samples(&data.train)?, samples(&data.cv)?],
        at_end: Vec::new(),
        at: Positions::default(),
    };
    let test_at = match (&data.test, run.data.evaluate_test) {
        (Some(t), TestEval::Every) => {
            sets.at.test = Some(sets.every.len());
            sets.every.push(samples(t)?);
            None
        }
        (Some(t), TestEval::Final) => Some(t),
        _ => None,
    };
    if let Some(c) = corrupted {
        let (f, k) = (c.n_features, c.n_classes);
        let mut push = |x: &'d [f32], y: &'d [u32]| -> crate::nn::error::Result<Option<usize>> {
            if y.is_empty() {
                return Ok(None);
            }
            sets.every.push(Samples::new(x, y, f, k)?);
            Ok(Some(sets.every.len() - 1))
        };
        let clean = push(&c.clean.0, &c.clean.1)?;
        let noisy_fit = push(&c.noisy, &c.noisy_given)?;
        let noisy_true = push(&c.noisy, &c.noisy_true)?;
        (sets.at.clean, sets.at.noisy_fit, sets.at.noisy_true) = (clean, noisy_fit, noisy_true);
    }
    if let Some(t) = test_at {
        sets.at.test = Some(sets.every.len());
        sets.at_end.push(samples(t)?);
    }
    Ok(sets)
}

/// What `fit` evaluates: `every` epoch, and `at_end` after the last one only, and where each
/// lands in an epoch's record.
struct EvalSets<'d> {
    every: Vec<Samples<'d>>,
    at_end: Vec<Samples<'d>>,
    at: Positions,
}

/// Trains `net` in its number type; the trained network comes back as f32 (checkpoints
/// hold f32).
fn train(
    net: Initial,
    run: &RunConfig,
    sets: &EvalSets,
    recorder: &mut Recorder,
) -> crate::nn::error::Result<(Network<f32>, Vec<EpochRecord>)> {
    let (every, at_end) = (&sets.every, &sets.at_end);
    if run.train.bayes.is_some() {
        return train_bayes(net, run, sets, recorder);
    }
    match net {
        Initial::F32(net) => fit_with(net, &run.train, &every[TRAIN], every, at_end, recorder),
        Initial::F64(net) => fit_with(net, &run.train, &every[TRAIN], every, at_end, recorder)
            .and_then(|(net, history)| Ok((convert::<f64, f32>(&net)?, history))),
    }
}

/// Trains a variational run (`train.bayes`): returns its posterior-mean network (what
/// `--save-weights` writes, in the deterministic layout) and records the calibration of its
/// final predictives on CV and test in the store's `calibration` table.
fn train_bayes(
    net: Initial,
    run: &RunConfig,
    sets: &EvalSets,
    recorder: &mut Recorder,
) -> crate::nn::error::Result<(Network<f32>, Vec<EpochRecord>)> {
    let (every, at_end) = (&sets.every, &sets.at_end);
    let all: Vec<&Samples> = every.iter().chain(at_end.iter()).collect();
    let (mean, history, predictions) = match net {
        Initial::F32(net) => {
            let fit = fit_bayes(net, &run.train, &every[TRAIN], every, at_end, recorder)?;
            (fit.posterior.mean_network()?, fit.history, fit.predictions)
        }
        Initial::F64(net) => {
            let fit = fit_bayes(net, &run.train, &every[TRAIN], every, at_end, recorder)?;
            (
                convert(&fit.posterior.mean_network()?)?,
                fit.history,
                fit.predictions,
            )
        }
    };
    let rows: Vec<CalibrationRow> = predictions
        .iter()
        .flat_map(|p| calibration_rows(p, all.get(p.set).copied(), &sets.at))
        .collect();
    if let Err(e) = lock(recorder.store).record_calibration(recorder.id, &rows) {
        recorder.error.get_or_insert(e);
    }
    Ok((mean, history))
}

/// The `calibration` rows of one set's final predictives ('mc' and 'mean'); none when the set
/// is not CV or test or the shapes disagree.
fn calibration_rows(
    p: &Predictions,
    data: Option<&Samples>,
    at: &Positions,
) -> Vec<CalibrationRow> {
    let split = match p.set {
        CV => "cv",
        i if Some(i) == at.test => "test",
        _ => return Vec::new(),
    };
    let Some(data) = data else {
        return Vec::new();
    };
    let labels: Vec<usize> = data.labels.iter().map(|&l| l as usize).collect();
    let finite = |x: f64| x.is_finite().then_some(x);
    [("mc", p.samples, &p.mc), ("mean", 1, &p.mean)]
        .into_iter()
        .filter_map(|(predictive, samples, probs)| {
            let c = crate::stats::Calibration::of(probs, data.classes, &labels)?;
            Some(CalibrationRow {
                split: split.into(),
                predictive: predictive.into(),
                samples: samples as i64,
                n: c.n as i64,
                accuracy: finite(c.accuracy),
                nll: finite(c.nll),
                brier: finite(c.brier),
                ece: finite(c.ece),
                mce: finite(c.mce),
                entropy: finite(c.entropy),
            })
        })
        .collect()
}

/// Ends a run that trained to the end: saves its weights if asked, reports, marks it done.
fn done(
    job: &Job,
    ctx: &Ctx,
    started: Instant,
    progress: super::progress::RunProgress,
    net: &Network<f32>,
    history: &[EpochRecord],
) -> Result<Status, RunnerError> {
    let secs = started.elapsed().as_secs_f64();
    let last = history.last();
    let cv_acc = last
        .and_then(|h| h.evals.get(CV))
        .map_or(f64::NAN, |m| m.accuracy);
    let cost = last
        .and_then(|h| h.evals.get(TRAIN))
        .map_or(f64::NAN, |m| m.cost);
    let note = save_weights(job, ctx, net);
    progress.done(&format!(
        "done in {secs:.1} s: train cost {cost:.4}, cv acc {cv_acc:.4}{note}"
    ));
    finish(ctx, job.id, started, Status::Done, None)
}

/// Saves the weights where `ctx.save` says (a failure only warns); the note for the
/// summary line, empty when nothing was saved.
fn save_weights(job: &Job, ctx: &Ctx, net: &Network<f32>) -> String {
    let Some(target) = ctx.save else {
        return String::new();
    };
    let path = match target {
        WeightsTarget::File(f) => f.clone(),
        WeightsTarget::Dir(d) => d.join(format!("run-{}.safetensors", job.id)),
    };
    let meta = [
        ("mlplab.run_config", job.run.canonical_json()),
        ("mlplab.run_key", job.run.key()),
    ];
    if let Err(e) = checkpoint::save(&path, net, &meta) {
        ctx.progress.warn(&format!("warning: run {}: {e}", job.id));
        String::new()
    } else {
        format!(", weights in {}", path.display())
    }
}

/// The status, summary line and stored error of a run that training ended with `e`.
fn ending(e: &Error) -> (Status, String, String) {
    match e {
        Error::Diverged { .. } => (Status::Diverged, format!("{e}"), e.to_string()),
        Error::Stopped { .. } => (
            Status::Interrupted,
            format!("interrupted ({e})"),
            format!("interrupted: {e}"),
        ),
        _ => (Status::Failed, format!("failed: {e}"), e.to_string()),
    }
}

/// Records the run's final status, error and duration in the store.
fn finish(
    ctx: &Ctx,
    id: i64,
    started: Instant,
    status: Status,
    error: Option<String>,
) -> Result<Status, RunnerError> {
    lock(ctx.store).finish(
        id,
        status,
        error.as_deref(),
        started.elapsed().as_secs_f64(),
    )?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Metrics;

    fn record(evals: Vec<Metrics>) -> EpochRecord {
        EpochRecord {
            epoch: 2,
            step: 20,
            evals,
            grad_norms: vec![1.0],
            weight_norms: vec![2.0],
            sparsity: vec![(0.0, 0.0)],
            seconds: 0.5,
        }
    }

    #[test]
    fn a_missing_evaluation_is_absent_not_zero() {
        let m = |c: f64| Metrics {
            cost: c,
            loss: c,
            accuracy: c / 10.0,
        };
        let at = Positions {
            test: Some(2),
            ..Positions::default()
        };
        let row = epoch_row(&record(vec![m(1.0)]), &at);
        assert_eq!((row.train_cost, row.train_acc), (Some(1.0), Some(0.1)));
        assert_eq!((row.cv_cost, row.cv_acc), (None, None));
        assert_eq!((row.test_cost, row.test_acc), (None, None));
        let row = epoch_row(&record(vec![m(1.0), m(2.0), m(3.0)]), &at);
        assert_eq!((row.cv_cost, row.test_acc), (Some(2.0), Some(0.3)));
        assert!(epoch_row(&record(vec![]), &at).train_cost.is_none());
        // The memorization sets, and a test set evaluated at the end, after them.
        let at = Positions {
            test: Some(5),
            clean: Some(2),
            noisy_fit: Some(3),
            noisy_true: Some(4),
        };
        let evals = vec![m(1.0), m(2.0), m(9.0), m(5.0), m(1.5), m(7.0)];
        let row = epoch_row(&record(evals.clone()), &at);
        assert_eq!((row.test_acc, row.cv_acc), (Some(0.7), Some(0.2)));
        let memo = memorization_row(&record(evals.clone()), &at).unwrap();
        assert_eq!(
            (memo.clean_acc, memo.noisy_fit, memo.noisy_true),
            (Some(0.9), Some(0.5), Some(0.15))
        );
        // An epoch that was not evaluated has no memorization row; nor has a clean run.
        assert_eq!(memorization_row(&record(vec![]), &at), None);
        let plain = Positions::default();
        assert_eq!(memorization_row(&record(evals), &plain), None);
    }
}
