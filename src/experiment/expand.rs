//! A grid's runs: the product of its axes, each point written onto the default run's JSON
//! and read back as a [`RunConfig`], then checked.
//!
//! The axes are applied in table order (the first varies slowest). A point that fails to
//! read or to validate is replayed one setting at a time from the default, checking after
//! each (by the checks of the settings up to it): the first setting after which the run is
//! invalid is the one at fault, and the message names its line. A check may read the settings before it (the input width is
//! checked against the dataset), so a conflict is blamed on the later setting.

use serde_json::Value;

use super::axis::Axis;
use super::error::{ExperimentError, Source};
use super::json;
use super::run::RunConfig;
use crate::nn::init::Init;
use crate::nn::optim::OptimizerKind;

/// A point of the product: which value of each axis (in order), and the run's JSON.
type Point = (Vec<usize>, Value);

/// Every run of one grid, checked, in grid order. An axis with values per `network.init`
/// (`lr = { sgd = { he = 0.5, uniform = 0.05 } }`) is applied last, once the initialization
/// of the point is known: its values vary fastest.
pub(crate) fn expand(grid: &[Axis], src: &Source) -> Result<Vec<RunConfig>, ExperimentError> {
    let (mut ordered, last): (Vec<Axis>, Vec<Axis>) =
        grid.iter().cloned().partition(|a| !a.per_init());
    ordered.extend(last);
    let grid = &ordered[..];
    let mut points: Vec<Point> = vec![(Vec::new(), RunConfig::default().settings_json())];
    for axis in grid {
        let mut next = Vec::with_capacity(points.len());
        for (picks, json) in points {
            let kind = kind_of(&json).map_err(|m| diagnose(grid, &picks, src, m))?;
            let init = init_of(&json).map_err(|m| diagnose(grid, &picks, src, m))?;
            let list = axis
                .values_for(kind, init)
                .map_err(|m| src.error(axis.at, m))?;
            for (i, value) in list.values.iter().enumerate() {
                let mut picks = picks.clone();
                picks.push(i);
                let mut json = json.clone();
                json::set(&mut json, axis.setting().json, value.clone());
                next.push((picks, json));
            }
        }
        points = next;
    }
    points
        .into_iter()
        .map(|(picks, json)| match read(json) {
            Ok(run) => match run.validate() {
                Ok(()) => Ok(run),
                Err(m) => Err(diagnose(grid, &picks, src, m)),
            },
            Err(m) => Err(diagnose(grid, &picks, src, m)),
        })
        .collect()
}

/// The run a JSON describes.
pub(crate) fn read(json: Value) -> Result<RunConfig, String> {
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// The optimizer of a run's JSON (per-optimizer tables pick their values by it).
fn kind_of(json: &Value) -> Result<OptimizerKind, String> {
    let v = json::get(json, "train.optimizer.kind").cloned();
    serde_json::from_value(v.unwrap_or_default()).map_err(|e| format!("optimizer.kind: {e}"))
}

/// The initialization of a run's JSON (per-init tables pick their values by it).
fn init_of(json: &Value) -> Result<Init, String> {
    let v = json::get(json, "network.init").cloned();
    serde_json::from_value(v.unwrap_or_default()).map_err(|e| format!("network.init: {e}"))
}

/// Replays a failing point one setting at a time and names the first at fault;
/// `fallback` when none is (the message then has no line).
fn diagnose(grid: &[Axis], picks: &[usize], src: &Source, fallback: String) -> ExperimentError {
    let mut json = RunConfig::default().settings_json();
    for (axis, &i) in grid.iter().zip(picks) {
        let kind = kind_of(&json).unwrap_or(OptimizerKind::Sgd);
        let init = init_of(&json).unwrap_or_default();
        let Some(value) = axis
            .values_for(kind, init)
            .ok()
            .and_then(|l| l.values.get(i))
        else {
            break;
        };
        json::set(&mut json, axis.setting().json, value.clone());
        let place = axis.place(kind, init, i);
        let fault = match read(json.clone()) {
            Err(e) => Some(format!("{} = {}: {e}", place.label, json::show(value))),
            Ok(run) => match run.validate_through(axis.setting) {
                Err(m) if place.per_kind => Some(format!("{}: {m}", place.label)),
                Err(m) => Some(m),
                Ok(()) => None,
            },
        };
        if let Some(m) = fault {
            return src.error(place.at, m);
        }
    }
    src.general(fallback)
}
