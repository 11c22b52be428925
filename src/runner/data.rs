//! The one place the runner asks the data module for a dataset, and the per-sweep cache that
//! loads each dataset once and shares it across runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{RunnerError, lock};
use crate::data::{Corruption, DataError, LoadOptions, SplitData, load};
use crate::experiment::DataSpec;

/// Loads the data a run asks for: `spec` gives the name, split, standardization and whether
/// the test set is needed; `base` where to look (data dir, cache, offline).
pub fn load_dataset(spec: &DataSpec, base: &LoadOptions) -> Result<SplitData, DataError> {
    let opts = LoadOptions {
        split: spec.split.clone(),
        standardize: spec.standardize,
        include_test: spec.evaluate_test.needed(),
        train_size: spec.train_size,
        corruption: Corruption {
            noise: spec.label_noise,
            labels: spec.labels,
            data_seed: spec.data_seed,
        },
        ..base.clone()
    };
    load(&spec.dataset, &opts)
}

/// Datasets loaded so far, keyed by what was asked for.
#[derive(Default)]
pub struct DataCache {
    loaded: Mutex<HashMap<String, Arc<SplitData>>>,
}

fn key(spec: &DataSpec) -> String {
    serde_json::to_string(spec).unwrap_or_else(|_| spec.dataset.clone())
}

impl DataCache {
    /// An empty cache.
    pub fn new() -> DataCache {
        DataCache::default()
    }

    /// Puts data in the cache under `spec` (for data built in memory, e.g. in tests).
    pub fn insert(&self, spec: &DataSpec, data: SplitData) {
        lock(&self.loaded).insert(key(spec), Arc::new(data));
    }

    /// The data for `spec`, loading it on first use.
    pub fn get(&self, spec: &DataSpec, base: &LoadOptions) -> Result<Arc<SplitData>, RunnerError> {
        let k = key(spec);
        if let Some(d) = lock(&self.loaded).get(&k) {
            return Ok(d.clone());
        }
        let data = Arc::new(
            load_dataset(spec, base).map_err(|source| RunnerError::Data {
                dataset: spec.dataset.clone(),
                source: Box::new(source),
            })?,
        );
        // A fall-back (cache, download, embedded copy, …) is always said, once per dataset.
        if let Some(note) = &data.note {
            eprintln!("mlplab: {note}");
        }
        lock(&self.loaded).insert(k, data.clone());
        Ok(data)
    }
}
