//! `learning-rates.toml`: the chosen rate of every group with the protocol and the evidence
//! (per rung, per candidate: mean ± std (n) of the metric, and which survived); and the copy
//! of the experiment file with the chosen rates in `[optimizer.lr]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::TuneError;
use super::select::Metric;
use crate::experiment::{Experiment, Overrides, RunConfig};

/// The file name of the results in a tune's study directory.
pub const RESULTS_FILE: &str = "learning-rates.toml";

/// A tune's results, as `learning-rates.toml` holds them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRates {
    /// The experiment tuned.
    pub experiment: String,
    /// The command that produced the file.
    pub command: String,
    /// The mlplab that ran it.
    pub mlplab_version: String,
    /// How the rates were chosen.
    pub protocol: Protocol,
    /// One per (dataset, optimizer, init, loss).
    #[serde(rename = "group")]
    pub groups: Vec<GroupResult>,
}

/// How the rates were chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Seeds 1..=`seeds` per candidate.
    pub seeds: usize,
    /// Log-spaced candidates per group.
    pub candidates: usize,
    /// What the candidates were ranked by.
    pub metric: Metric,
    /// Each rung kept `ceil(n / eta)`.
    pub eta: usize,
    /// Rungs asked for (fewer when the budget is too small to tell them apart).
    pub rungs: usize,
    /// Which λ the search ran at.
    pub lambda: String,
    /// The ranking rule.
    pub ranking: String,
    /// `[lo, hi]` per optimizer.
    pub ranges: BTreeMap<String, [f64; 2]>,
}

/// One group's search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupResult {
    /// `data.dataset`.
    pub dataset: String,
    /// `optimizer.kind`.
    pub optimizer: String,
    /// `network.init`.
    pub init: String,
    /// `train.loss`.
    pub loss: String,
    /// The λ searched at.
    pub l2: f64,
    /// The experiment's epoch budget.
    pub epochs: usize,
    /// Epochs of each rung.
    pub rung_epochs: Vec<usize>,
    /// Every candidate rate, ascending.
    pub candidates: Vec<f64>,
    /// The chosen rate.
    pub chosen: f64,
    /// The chosen rate is the smallest or the largest candidate: the optimum may lie outside.
    pub at_edge: bool,
    /// Seeds of the chosen rate that diverged or failed at the last rung (0 unless every
    /// candidate had such a seed).
    pub chosen_bad_seeds: usize,
    /// The evidence, rung by rung.
    #[serde(rename = "rung")]
    pub rungs: Vec<RungResult>,
}

/// One rung of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RungResult {
    /// Epochs trained.
    pub epochs: usize,
    /// The candidates that entered the rung, in ascending rate.
    #[serde(rename = "candidate")]
    pub candidates: Vec<CandidateResult>,
}

/// One candidate at one rung.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateResult {
    /// The rate.
    pub lr: f64,
    /// Mean of the metric over the seeds that finished; absent when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Sample standard deviation over those seeds; absent with fewer than two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Seeds that finished (the n of the mean).
    pub n: usize,
    /// Seeds that diverged or failed: any ranks the candidate below every one without.
    pub bad_seeds: usize,
    /// 1 = best of the rung.
    pub rank: usize,
    /// Kept for the next rung (at the last rung: chosen).
    pub survived: bool,
}

impl CandidateResult {
    /// `0.9512 ± 0.0013 (n = 3)`, `– (n = 0)` when no seed finished.
    pub fn shown(&self) -> String {
        match (self.mean, self.sd) {
            (Some(m), Some(sd)) => format!("{m:.4} ± {sd:.4} (n = {})", self.n),
            (Some(m), None) => format!("{m:.4} (n = {})", self.n),
            _ => format!("– (n = {})", self.n),
        }
    }
}

impl LearningRates {
    /// The text of `learning-rates.toml`: a header naming the command, then the tables.
    pub fn to_toml(&self) -> Result<String, TuneError> {
        let body = toml::to_string(self)
            .map_err(|e| TuneError::Invalid(format!("cannot write the results as TOML: {e}")))?;
        Ok(format!(
            "# Learning rates chosen by `{}` (mlplab {}).\n# Written by mlplab tune: rerun the \
             command to reproduce it; docs/tuning.md explains the fields.\n\n{body}",
            self.command, self.mlplab_version
        ))
    }

    /// Writes `dir/learning-rates.toml`; returns its path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, TuneError> {
        let path = dir.join(RESULTS_FILE);
        std::fs::write(&path, self.to_toml()?).map_err(|e| TuneError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(path)
    }

    /// Reads a `learning-rates.toml`, or the one in a study directory.
    pub fn read(path: &Path) -> Result<LearningRates, TuneError> {
        let file = if path.is_dir() {
            path.join(RESULTS_FILE)
        } else {
            path.to_path_buf()
        };
        let shown = file.display().to_string();
        let text = std::fs::read_to_string(&file).map_err(|e| TuneError::Io {
            path: shown.clone(),
            message: format!(
                "{e} (give a learning-rates.toml, or a study directory `mlplab tune` wrote one in)"
            ),
        })?;
        toml::from_str(&text).map_err(|e| TuneError::Io {
            path: shown,
            message: format!(
                "not a learning-rates.toml written by mlplab tune: {}",
                e.message()
            ),
        })
    }

    /// The chosen rate for a run of the tuned experiment, if its group was tuned.
    pub fn rate_for(&self, run: &RunConfig) -> Option<f64> {
        self.groups
            .iter()
            .find(|g| {
                g.dataset == run.data.dataset
                    && g.optimizer == run.train.optimizer.kind.to_string()
                    && g.init == run.network.init.to_string()
                    && g.loss == run.train.loss.to_string()
            })
            .map(|g| g.chosen)
    }
}

/// A float as TOML writes it (`0.5`, `0.001`, `1e-5`).
fn number(x: f64) -> String {
    let plain = format!("{x}");
    if x != 0.0 && (x.abs() < 1e-3 || plain.len() > 8) {
        format!("{x:e}")
    } else if plain.contains(['.', 'e']) {
        plain
    } else {
        format!("{plain}.0")
    }
}

/// An init name as a TOML key (quoted when it holds more than letters, digits, `-`, `_`).
fn key(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// The `[optimizer.lr]` table of the chosen rates: one number per optimizer when its inits
/// share a rate, else one per init. An error when one (optimizer, init) got different rates
/// on different datasets or losses (an lr table cannot say that).
fn lr_table(results: &LearningRates) -> Result<String, String> {
    let mut per_kind: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for g in &results.groups {
        let at = match per_kind.iter().position(|(k, _)| *k == g.optimizer) {
            Some(i) => i,
            None => {
                per_kind.push((g.optimizer.clone(), Vec::new()));
                per_kind.len() - 1
            }
        };
        let inits = &mut per_kind[at].1;
        match inits.iter().find(|(i, _)| *i == g.init) {
            Some((_, rate)) if *rate != g.chosen => {
                return Err(format!(
                    "{} with {} got {rate} in one group and {} in another ({} {}): one lr table \
                     cannot hold rates per dataset or loss; split the experiment by dataset and \
                     loss, or use learning-rates.toml directly",
                    g.optimizer, g.init, g.chosen, g.dataset, g.loss
                ));
            }
            Some(_) => {}
            None => inits.push((g.init.clone(), g.chosen)),
        }
    }
    let mut out = String::new();
    for (kind, inits) in per_kind {
        let first = inits.first().map_or(f64::NAN, |(_, r)| *r);
        let value = if inits.iter().all(|(_, r)| *r == first) {
            number(first)
        } else {
            let entries: Vec<String> = inits
                .iter()
                .map(|(i, r)| format!("{} = {}", key(i), number(*r)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        };
        out.push_str(&format!("{kind} = {value}    # mlplab tune\n"));
    }
    Ok(out)
}

/// Net `[` minus `]` of a line outside strings and comments.
fn bracket_depth(line: &str) -> i64 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => break,
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            },
        }
    }
    depth
}

/// The experiment text without its learning rates: the `[optimizer.lr]` tables and the
/// `lr = …` key of `[optimizer]` (with its continuation lines) are left out.
fn without_lr(text: &str) -> String {
    let mut out = String::new();
    let mut section = String::new();
    let mut depth = 0i64;
    let mut skipping_value = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let at_top = depth <= 0;
        if at_top && trimmed.starts_with('[') {
            let name: String = trimmed
                .split('#')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !matches!(c, '[' | ']' | ' ' | '\t'))
                .collect();
            section = name;
            skipping_value = false;
        }
        let in_lr_table = section == "optimizer.lr" || section.starts_with("optimizer.lr.");
        let starts_lr_key = at_top
            && section == "optimizer"
            && trimmed
                .strip_prefix("lr")
                .is_some_and(|rest| rest.trim_start().starts_with('='));
        if starts_lr_key {
            skipping_value = true;
        }
        depth += bracket_depth(line);
        let drop = in_lr_table || skipping_value;
        if skipping_value && depth <= 0 {
            skipping_value = false;
        }
        if !drop {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A copy of the experiment file `text` (named `origin`) with the chosen rates in
/// `[optimizer.lr]` and the command beside them. It is parsed back (with `overrides`, as the
/// tune applied them) and every run checked to train with its group's chosen rate; an error
/// says why when the file cannot carry them (rates per dataset or loss, `optimizer.lr` in
/// `[[run]]` entries, …).
pub fn preset_copy(
    text: &str,
    origin: &str,
    results: &LearningRates,
    overrides: &Overrides,
) -> Result<String, TuneError> {
    let refuse =
        |m: String| TuneError::Invalid(format!("the copy of {origin} is not written: {m}"));
    let table = lr_table(results).map_err(refuse)?;
    let copy = format!(
        "# A copy of {origin} with the learning rates chosen by\n#     {}\n# (the evidence is in \
         learning-rates.toml beside this file; docs/tuning.md).\n{}\n[optimizer.lr]    # chosen \
         by `{}`\n{table}",
        results.command,
        without_lr(text).trim_end(),
        results.command
    );
    let exp = Experiment::from_toml(&copy, origin)
        .and_then(|e| e.with_overrides(overrides))
        .map_err(|e| refuse(format!("it does not parse back: {e}")))?;
    for run in &exp.runs {
        let want = results
            .rate_for(run)
            .ok_or_else(|| refuse(format!("its run {} belongs to no tuned group", run.label())))?;
        if run.train.optimizer.lr != want {
            return Err(refuse(format!(
                "its run {} trains with lr = {}, not the chosen {want} (does a [[run]] entry set \
                 optimizer.lr?)",
                run.label(),
                run.train.optimizer.lr
            )));
        }
    }
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lr_keys_and_tables_are_left_out() {
        let text = "name = \"x\"\n[optimizer]\nkind = [\"sgd\"]\nlr = [\n  0.1,\n  0.2,\n]\n\
                    beta1 = 0.9\n[optimizer.lr.sgd]\nhe = 1\n[network]\nhidden = [\n [8],\n]\n\
                    [optimizer.lr]\nsgd = 0.5 # [\n[train]\nepochs = 2\n";
        let out = without_lr(text);
        assert_eq!(
            out,
            "name = \"x\"\n[optimizer]\nkind = [\"sgd\"]\nbeta1 = 0.9\n[network]\nhidden = [\n \
             [8],\n]\n[train]\nepochs = 2\n"
        );
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(3.0), "3.0");
        assert_eq!(number(1e-5), "1e-5");
        assert_eq!(number(0.000226), "2.26e-4");
        assert_eq!(key("uniform(-0.5,0.5)"), "\"uniform(-0.5,0.5)\"");
    }
}

#[cfg(test)]
mod copy_tests {
    use super::*;
    use crate::study::tune::Metric;

    fn group(optimizer: &str, init: &str, chosen: f64) -> GroupResult {
        GroupResult {
            dataset: "spirals".into(),
            optimizer: optimizer.into(),
            init: init.into(),
            loss: "mse".into(),
            l2: 0.0,
            epochs: 2,
            rung_epochs: vec![1, 2],
            candidates: vec![0.05, 0.5],
            chosen,
            at_edge: true,
            chosen_bad_seeds: 0,
            rungs: Vec::new(),
        }
    }

    fn results(groups: Vec<GroupResult>) -> LearningRates {
        LearningRates {
            experiment: "x".into(),
            command: "mlplab tune x.toml --seeds 2".into(),
            mlplab_version: "0".into(),
            protocol: Protocol {
                seeds: 2,
                candidates: 2,
                metric: Metric::CvAcc,
                eta: 3,
                rungs: 2,
                ranges: BTreeMap::new(),
                lambda: String::new(),
                ranking: String::new(),
            },
            groups,
        }
    }

    const FILE: &str = "name = \"x\"\n[data]\ndataset = \"spirals\"\n[network]\n\
                        init = [\"uniform\", \"he\"]\n[train]\nloss = \"mse\"\nepochs = 2\n\
                        [optimizer]\nkind = [\"sgd\", \"adam\"]\n[optimizer.lr]\nsgd = 0.1\n\
                        adam = 0.01\n[regularization]\nl2 = [0, 1]\n";

    #[test]
    fn the_copy_carries_per_init_rates_and_parses_back() {
        let r = results(vec![
            group("sgd", "uniform", 0.05),
            group("sgd", "he", 0.5),
            group("adam", "uniform", 0.001),
            group("adam", "he", 0.001),
        ]);
        let copy = preset_copy(FILE, "x.toml", &r, &Overrides::default()).unwrap();
        assert!(
            copy.contains("sgd = { uniform = 0.05, he = 0.5 }    # mlplab tune"),
            "{copy}"
        );
        assert!(copy.contains("adam = 0.001"), "{copy}");
        assert!(copy.contains("mlplab tune x.toml --seeds 2"), "{copy}");
        let exp = Experiment::from_toml(&copy, "copy").unwrap();
        assert_eq!(exp.runs.len(), 8);
        for run in &exp.runs {
            assert_eq!(
                Some(run.train.optimizer.lr),
                r.rate_for(run),
                "{}",
                run.label()
            );
        }
    }

    #[test]
    fn every_preset_takes_per_init_rates_in_its_copy() {
        for p in crate::experiment::PRESETS {
            let exp = p.experiment().unwrap();
            let mut groups: Vec<GroupResult> = Vec::new();
            for run in &exp.runs {
                let (kind, init) = (run.train.optimizer.kind, run.network.init);
                let mut g = group(&kind.to_string(), &init.to_string(), 0.0);
                g.dataset = run.data.dataset.clone();
                g.loss = run.train.loss.to_string();
                // A different rate for every (optimizer, init).
                let k = crate::nn::optim::OptimizerKind::ALL
                    .iter()
                    .position(|&o| o == kind)
                    .unwrap();
                let uniform = init.to_string() == "uniform";
                g.chosen = (k + 1) as f64 * if uniform { 1e-4 } else { 1e-2 };
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            let r = results(groups);
            let copy = preset_copy(p.text, p.name, &r, &Overrides::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let back = Experiment::from_toml(&copy, p.name).unwrap();
            assert_eq!(back.runs.len(), exp.runs.len(), "{}", p.name);
            assert!(
                !copy.contains("10-epoch scan"),
                "{}: the old rates stay: {copy}",
                p.name
            );
        }
    }

    #[test]
    fn a_copy_that_cannot_hold_the_rates_is_refused() {
        // One (optimizer, init) tuned to two rates on two losses.
        let mut other = group("sgd", "he", 0.05);
        other.loss = "cce".into();
        let r = results(vec![group("sgd", "he", 0.5), other]);
        let e = preset_copy(FILE, "x.toml", &r, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("per dataset or loss"), "{e}");
        // A run entry that sets its own rate.
        let r = results(vec![
            group("sgd", "uniform", 0.05),
            group("sgd", "he", 0.5),
            group("adam", "uniform", 0.001),
            group("adam", "he", 0.001),
        ]);
        let file = format!("{FILE}[[run]]\noptimizer.lr = 0.3\n");
        let e = preset_copy(&file, "x.toml", &r, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("not the chosen"), "{e}");
        // A group the results do not have.
        let r = results(vec![
            group("sgd", "uniform", 0.05),
            group("sgd", "he", 0.5),
            group("adam", "he", 0.001),
        ]);
        let e = preset_copy(FILE, "x.toml", &r, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("belongs to no tuned group"), "{e}");
    }
}
