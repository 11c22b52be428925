//! The study's experiment files, built into the binary so that `mlplab reproduce` and
//! `mlplab sweep paper-mnist` work from any directory. The files themselves live in
//! `experiments/`.

use super::{Experiment, ExperimentError};

/// One built-in experiment file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Name (the file stem), e.g. `paper-mnist`.
    pub name: &'static str,
    /// The dataset every run of it uses.
    pub dataset: &'static str,
    /// True for the study's own presets (MSE on softmax, as the report did); false for the
    /// cross-entropy variants.
    pub paper: bool,
    /// The TOML text.
    pub text: &'static str,
}

impl Preset {
    /// Parses the preset.
    pub fn experiment(&self) -> Result<Experiment, ExperimentError> {
        let mut exp = Experiment::from_toml(self.text, &format!("<preset {}>", self.name))?;
        if exp.name.is_empty() {
            exp.name = self.name.to_string();
        }
        Ok(exp)
    }
}

macro_rules! preset {
    ($name:literal, $dataset:literal, $paper:literal) => {
        Preset {
            name: $name,
            dataset: $dataset,
            paper: $paper,
            text: include_str!(concat!("../../experiments/", $name, ".toml")),
        }
    };
}

/// Every preset, the study's first, in the order `reproduce` runs them.
pub const PRESETS: [Preset; 8] = [
    preset!("paper-mnist", "mnist", true),
    preset!("paper-fashion-mnist", "fashion-mnist", true),
    preset!("paper-cifar10", "cifar10", true),
    preset!("paper-cifar10-jpeg", "cifar10-jpeg", true),
    preset!("paper-mnist-cce", "mnist", false),
    preset!("paper-fashion-mnist-cce", "fashion-mnist", false),
    preset!("paper-cifar10-cce", "cifar10", false),
    preset!("paper-cifar10-jpeg-cce", "cifar10-jpeg", false),
];

/// The other studies' presets: not the original's grid, so `mlplab reproduce` does not run
/// them. A name ending in `-quick` is the small variant of the preset without it
/// (`mlplab sweep NAME --quick`).
pub const STUDY_PRESETS: [Preset; 4] = [
    preset!("overfit-mnist", "mnist", false),
    preset!("overfit-fashion-mnist", "fashion-mnist", false),
    preset!("overfit-mnist-quick", "mnist", false),
    preset!("overfit-fashion-mnist-quick", "fashion-mnist", false),
];

/// The preset called `name`, if there is one (the study's, then the other studies').
///
/// ```
/// let p = mlplab::experiment::preset("paper-mnist").unwrap();
/// assert_eq!(p.experiment().unwrap().runs.len(), 32 * 5); // 32 configurations × 5 seeds
/// assert!(mlplab::experiment::preset("overfit-mnist-quick").is_some());
/// ```
pub fn preset(name: &str) -> Option<&'static Preset> {
    all_presets().find(|p| p.name == name)
}

/// Every preset: [`PRESETS`], then [`STUDY_PRESETS`].
pub fn all_presets() -> impl Iterator<Item = &'static Preset> {
    PRESETS.iter().chain(STUDY_PRESETS.iter())
}
