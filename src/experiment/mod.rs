//! Experiments: the TOML files that describe a sweep, validated into one list of fully
//! resolved [`RunConfig`]s before anything trains.
//!
//! Every setting is declared once, in [`SETTINGS`] (settings.rs): the file's keys, the grid
//! order, the checks, `--set PATH=VALUE` ([`Overrides`]) and the `--help` list all follow
//! from it. A file has five sections, `[data]`, `[network]`, `[train]`, `[optimizer]` and
//! `[regularization]`, plus optional `[[run]]` entries. Every field may be a list; a sweep is
//! the product of the lists. Each `[[run]]` entry overrides fields of the top-level sections
//! and is expanded the same way, so `[[run]]` entries build grids that are not products (the
//! union of the entries' products). `optimizer.lr` may also be a table with one value (or list)
//! per optimizer: `lr = { sgd = 0.5, adam = 1e-3 }`, and an optimizer's entry a table per
//! `network.init`: `lr = { sgd = { he = 0.5, uniform = 0.05 }, adam = 1e-3 }`. See
//! `docs/runner.md` for the format.
//!
//! ```
//! use mlplab::experiment::Experiment;
//! let exp = Experiment::from_toml(r#"
//!     name = "demo"
//!     [optimizer]
//!     kind = ["sgd", "adam"]
//!     lr = { sgd = 0.5, adam = 1e-3 }
//!     [regularization]
//!     l2 = [0, 1]
//! "#, "demo.toml").unwrap();
//! assert_eq!(exp.runs.len(), 4);
//! assert_eq!(exp.runs[3].train.optimizer.lr, 1e-3);
//! ```

mod activations;
mod axis;
mod checks;
mod document;
mod dtype;
mod error;
mod expand;
mod json;
mod load;
mod overrides;
mod presets;
mod run;
mod settings;
mod split;
mod suggest;
mod test_eval;

pub use activations::HiddenActivations;
pub use dtype::DType;
pub use error::ExperimentError;
pub use json::parse_finite;
pub use load::Experiment;
pub use overrides::{Assignment, Overrides};
pub use presets::{LBFGS_PRESETS, PRESETS, Preset, STUDY_PRESETS, all_presets, preset};
pub use run::{DataSpec, NetworkSpec, RunConfig, known_shape};
pub use settings::{
    Form, SECTIONS, SETTINGS, Setting, default_of, flag_help, setting, settings_help,
};
pub use split::{parse_split, split_label};
// For the layers above (study::tune); the ones inside use `suggest::closest`.
#[cfg(feature = "report")]
pub(crate) use suggest::closest;
pub use suggest::did_you_mean;
pub use test_eval::TestEval;

#[cfg(test)]
mod tests;
