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

/// The L-BFGS comparisons (issue 12): the study's network and split, He uniform, λ ∈ {0, 1,
/// 2, 3}, the four first-order rules at their tuned rates beside L-BFGS on the full batch and
/// on held mini-batches of 2,000 rows, 5 seeds, 20 data passes each. Not part of `reproduce`.
pub const LBFGS_PRESETS: [Preset; 2] = [
    preset!("paper-mnist-lbfgs", "mnist", true),
    preset!("paper-fashion-mnist-lbfgs", "fashion-mnist", true),
];

/// The other studies' presets: not the original's grid, so `mlplab reproduce` does not run
/// them. A name ending in `-quick` is the small variant of the preset without it
/// (`mlplab sweep NAME --quick`).
pub const STUDY_PRESETS: [Preset; 6] = [
    preset!("overfit-mnist", "mnist", false),
    preset!("overfit-fashion-mnist", "fashion-mnist", false),
    preset!("overfit-mnist-quick", "mnist", false),
    preset!("overfit-fashion-mnist-quick", "fashion-mnist", false),
    preset!("bayes-mnist", "mnist", false),
    preset!("bayes-fashion-mnist", "fashion-mnist", false),
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

/// Every preset: [`PRESETS`], then [`LBFGS_PRESETS`], then [`STUDY_PRESETS`].
pub fn all_presets() -> impl Iterator<Item = &'static Preset> {
    PRESETS
        .iter()
        .chain(LBFGS_PRESETS.iter())
        .chain(STUDY_PRESETS.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::optim::{LbfgsBatch, OptimizerKind};

    #[test]
    fn lbfgs_presets_load_and_expand_at_equal_passes() {
        for p in LBFGS_PRESETS {
            let exp = p.experiment().unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!(exp.name, p.name);
            assert_eq!(
                exp.runs.len(),
                6 * 4 * 5,
                "{}: 6 optimizers × 4 λ × 5 seeds",
                p.name
            );
            let paper = preset(&p.name.replace("-lbfgs", ""))
                .unwrap()
                .experiment()
                .unwrap();
            for r in &exp.runs {
                assert_eq!(r.data.dataset, p.dataset);
                assert_eq!(r.train.epochs, 20, "the same data passes");
                assert_eq!(r.network.init.to_string(), "he");
                assert!([0.0, 1.0, 2.0, 3.0].contains(&r.train.regularization.l2));
                let opt = r.train.optimizer;
                if opt.kind == OptimizerKind::Lbfgs {
                    continue;
                }
                // the tuned rate of the study's preset, He uniform
                let tuned = paper
                    .runs
                    .iter()
                    .find(|q| {
                        q.train.optimizer.kind == opt.kind && q.network.init == r.network.init
                    })
                    .unwrap();
                assert_eq!(opt.lr, tuned.train.optimizer.lr, "{} {}", p.name, opt.kind);
                assert_eq!(r.network.hidden, tuned.network.hidden);
                assert_eq!(r.data.split, tuned.data.split);
            }
            let lbfgs: Vec<_> = exp
                .runs
                .iter()
                .filter(|r| r.train.optimizer.kind == OptimizerKind::Lbfgs)
                .collect();
            assert_eq!(lbfgs.len(), 40);
            let full = lbfgs
                .iter()
                .filter(|r| r.train.optimizer.batch_size == LbfgsBatch::Full)
                .count();
            assert_eq!(full, 20);
            assert!(
                lbfgs
                    .iter()
                    .any(|r| r.train.optimizer.batch_size == LbfgsBatch::Rows(2000)
                        && r.train.optimizer.hold == 5)
            );
            assert!(preset(p.name).is_some());
        }
    }
}
