//! One run: build the network, train it while recording every batch and epoch, and end it
//! with the status it earned.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Progress, RunnerError, WeightsTarget, lock};
use crate::data::SplitData;
use crate::experiment::RunConfig;
use crate::nn::error::Error;
use crate::nn::network::{Architecture, Network};
use crate::store::checkpoint;
use crate::store::{EpochRow, Status, Store, StoreError};
use crate::train::{BatchRecord, EpochRecord, Observer, Samples, fit};

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
    architecture(run, data)
        .validate()
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
    error: Option<StoreError>,
}

impl Recorder<'_> {
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
    }
}

impl Observer for Recorder<'_> {
    fn batch(&mut self, record: &BatchRecord) -> ControlFlow<()> {
        self.batches.push(*record);
        if self.stopping() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn epoch(&mut self, r: &EpochRecord) -> ControlFlow<()> {
        let get = |i: usize| r.evals.get(i).copied();
        let (train, cv, test) = (
            get(0).unwrap_or_default(),
            get(1).unwrap_or_default(),
            get(2),
        );
        let row = EpochRow {
            epoch: r.epoch as i64,
            step: r.step as i64,
            train_cost: train.cost,
            cv_cost: cv.cost,
            train_acc: train.accuracy,
            cv_acc: cv.accuracy,
            test_cost: test.map(|t| t.cost),
            test_acc: test.map(|t| t.accuracy),
            seconds: r.seconds,
            grad_norms: r.grad_norms.clone(),
            weight_norms: r.weight_norms.clone(),
        };
        if let Err(e) = lock(self.store).record_epoch(self.id, &row, &self.batches) {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        self.batches.clear();
        self.progress.epoch(r.epoch, train.cost, cv.accuracy);
        if self.stopping() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

fn samples<'a>(d: &'a crate::data::Dataset) -> crate::nn::error::Result<Samples<'a>> {
    Samples::new(&d.features, &d.labels, d.n_features, d.n_classes)
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
    lock(ctx.store).start(
        job.id,
        &run.canonical_json(),
        run.train.threads,
        &data.train.source,
        &arch.describe(),
    )?;
    let progress = ctx.progress.start(job.id, &run.label(), run.train.epochs);
    let finish = |status: Status, error: Option<String>| -> Result<Status, RunnerError> {
        lock(ctx.store).finish(
            job.id,
            status,
            error.as_deref(),
            started.elapsed().as_secs_f64(),
        )?;
        Ok(status)
    };
    let net = match &run.network.init_weights {
        Some(path) => {
            checkpoint::load(std::path::Path::new(path), &arch).map_err(|e| e.to_string())
        }
        None => Network::<f32>::new(arch.clone(), run.network.init, run.train.seed)
            .map_err(|e| e.to_string()),
    };
    let sets = (|| -> crate::nn::error::Result<Vec<Samples>> {
        let mut v = vec![samples(&data.train)?, samples(&data.cv)?];
        if run.data.evaluate_test
            && let Some(t) = &data.test
        {
            v.push(samples(t)?);
        }
        Ok(v)
    })();
    let (net, sets) = match (net, sets) {
        (Ok(n), Ok(s)) => (n, s),
        (Err(e), _) => {
            progress.done(&format!("failed: {e}"));
            return finish(Status::Failed, Some(e));
        }
        (_, Err(e)) => {
            progress.done(&format!("failed: {e}"));
            return finish(Status::Failed, Some(e.to_string()));
        }
    };
    let mut recorder = Recorder {
        id: job.id,
        store: ctx.store,
        stop: ctx.stop,
        abort: ctx.abort,
        progress: &progress,
        batches: Vec::with_capacity(data.train.len().div_ceil(run.train.batch_size.max(1))),
        error: None,
    };
    let result = fit(net, &run.train, &sets[0], &sets, &mut recorder);
    if let Some(e) = recorder.error.take() {
        progress.done("stopped: the results database could not be written");
        return Err(e.into());
    }
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok((net, history)) => {
            let last = history.last();
            let cv_acc = last
                .and_then(|h| h.evals.get(1))
                .map_or(f64::NAN, |m| m.accuracy);
            let cost = last
                .and_then(|h| h.evals.first())
                .map_or(f64::NAN, |m| m.cost);
            let mut note = String::new();
            if let Some(target) = ctx.save {
                let path = match target {
                    WeightsTarget::File(f) => f.clone(),
                    WeightsTarget::Dir(d) => d.join(format!("run-{}.safetensors", job.id)),
                };
                let meta = [
                    ("mlplab.run_config", run.canonical_json()),
                    ("mlplab.run_key", run.key()),
                ];
                if let Err(e) = checkpoint::save(&path, &net, &meta) {
                    ctx.progress.warn(&format!("warning: run {}: {e}", job.id));
                } else {
                    note = format!(", weights in {}", path.display());
                }
            }
            progress.done(&format!(
                "done in {secs:.1} s: train cost {cost:.4}, cv acc {cv_acc:.4}{note}"
            ));
            finish(Status::Done, None)
        }
        Err(e @ Error::Diverged { .. }) => {
            recorder.flush();
            if let Some(e) = recorder.error.take() {
                return Err(e.into());
            }
            progress.done(&format!("{e}"));
            finish(Status::Diverged, Some(e.to_string()))
        }
        Err(e @ Error::Stopped { .. }) => {
            recorder.flush();
            progress.done(&format!("interrupted ({e})"));
            finish(Status::Interrupted, Some(format!("interrupted: {e}")))
        }
        Err(e) => {
            recorder.flush();
            progress.done(&format!("failed: {e}"));
            finish(Status::Failed, Some(e.to_string()))
        }
    }
}
