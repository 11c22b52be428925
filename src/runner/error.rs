//! Why a sweep could not run.

use crate::data::DataError;
use crate::experiment::ExperimentError;
use crate::store::StoreError;
use crate::store::checkpoint::CheckpointError;

/// Why a sweep could not run. Everything here is detected before training starts, except a
/// failure to write the database mid-sweep.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The experiment is invalid.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// The results store failed or is unusable.
    #[error(transparent)]
    Store(Box<StoreError>),
    /// A dataset could not be loaded.
    #[error("{}", data_message(dataset, source))]
    Data {
        /// The name.
        dataset: String,
        /// Why.
        source: Box<DataError>,
    },
    /// The study directory (or weights directory) cannot be created or written.
    #[error("output directory {dir}: {message}")]
    Output {
        /// The directory.
        dir: String,
        /// What failed.
        message: String,
    },
    /// A checkpoint is unusable.
    #[error(transparent)]
    Checkpoint(Box<CheckpointError>),
    /// A run's settings do not fit its data, or options conflict.
    #[error("{0}")]
    Invalid(String),
}

impl From<StoreError> for RunnerError {
    fn from(e: StoreError) -> Self {
        RunnerError::Store(Box::new(e))
    }
}

impl From<CheckpointError> for RunnerError {
    fn from(e: CheckpointError) -> Self {
        RunnerError::Checkpoint(Box::new(e))
    }
}

/// The data error, prefixed with `dataset NAME: ` unless it already names the dataset.
fn data_message(dataset: &str, source: &DataError) -> String {
    let text = source.to_string();
    if text.contains(dataset) {
        text
    } else {
        format!("dataset {dataset}: {text}")
    }
}
