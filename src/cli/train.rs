//! `mlplab train`: one run, from flags or from an experiment file that describes one run.
//! Exits 0 when the run is done, 3 when it diverged, 4 when it failed (`cli/exit.rs`); a
//! `--save-weights` target that cannot be written is an error before training starts.

use std::path::{Path, PathBuf};

use mlplab::experiment::{
    DType, Experiment, HiddenActivations, Overrides, TestEval, flag_help, parse_finite,
};
use mlplab::runner::{DataCache, ProgressMode, WeightsTarget, sweep};
use mlplab::store::{Status, StudyReader};
use mlplab::{Init, Loss, OptimizerKind};

use super::exit::Finished;
use super::out::outln;
use super::sweep::{ExecArgs, SetArgs, interrupt_flag, read_experiment, report};

/// Train one network and record it (in studies/train unless --out). Flags override the file.
/// The flags below are shortcuts for settings; every setting (listed after them, with its
/// default) can be given with --set PATH=VALUE.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// An experiment file (or preset) that describes exactly one run after the flags apply.
    pub file: Option<String>,
    #[arg(long, help = flag_help("data.dataset"))]
    pub dataset: Option<String>,
    #[arg(long, value_parser = mlplab::experiment::parse_split, help = flag_help("data.split"))]
    pub split: Option<mlplab::data::Split>,
    /// Standardize features with the training split's mean and deviation.
    #[arg(long)]
    pub standardize: bool,
    #[arg(long, value_delimiter = ',', value_name = "W,W,...", help = flag_help("network.hidden"))]
    pub hidden: Option<Vec<usize>>,
    #[arg(long, value_name = "A or A,A,...", help = flag_help("network.activation"))]
    pub activation: Option<HiddenActivations>,
    #[arg(long, help = flag_help("network.output"))]
    pub output: Option<mlplab::Activation>,
    #[arg(long, help = flag_help("network.init"))]
    pub init: Option<Init>,
    #[arg(long, help = flag_help("network.dtype"))]
    pub dtype: Option<DType>,
    #[arg(long, help = flag_help("train.loss"))]
    pub loss: Option<Loss>,
    #[arg(long, help = flag_help("optimizer.kind"))]
    pub optimizer: Option<OptimizerKind>,
    #[arg(long, value_parser = parse_finite, help = flag_help("optimizer.lr"))]
    pub lr: Option<f64>,
    #[arg(long, value_parser = parse_finite, help = flag_help("optimizer.beta1"))]
    pub beta1: Option<f64>,
    #[arg(long, value_parser = parse_finite, help = flag_help("optimizer.beta2"))]
    pub beta2: Option<f64>,
    #[arg(long, value_parser = parse_finite, help = flag_help("optimizer.eps"))]
    pub eps: Option<f64>,
    #[arg(long, value_parser = parse_finite, help = flag_help("regularization.l2"))]
    pub l2: Option<f64>,
    #[arg(long, value_parser = parse_finite, help = flag_help("regularization.l1"))]
    pub l1: Option<f64>,
    #[arg(long, help = flag_help("train.batch_size"))]
    pub batch_size: Option<usize>,
    #[arg(long, help = flag_help("train.epochs"))]
    pub epochs: Option<usize>,
    #[arg(long, help = flag_help("train.seed"))]
    pub seed: Option<u64>,
    /// Feed batches in data order instead of reshuffling every epoch.
    #[arg(long)]
    pub no_shuffle: bool,
    /// Evaluate the official test set: after every epoch (`--evaluate-test`, or `=every`), or
    /// after the last epoch only (`--evaluate-test=final`).
    #[arg(long, value_name = "WHEN", num_args = 0..=1, require_equals = true,
          default_missing_value = "every", value_parser = parse_test_eval)]
    pub evaluate_test: Option<TestEval>,
    /// Start from these weights (safetensors: layers.{i}.weight [out, in], layers.{i}.bias).
    #[arg(long, value_name = "FILE")]
    pub init_weights: Option<PathBuf>,
    /// Save the trained weights (safetensors, loadable by PyTorch).
    #[arg(long, value_name = "FILE")]
    pub save_weights: Option<PathBuf>,
    #[command(flatten)]
    pub settings: SetArgs,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// The shortcut flags as settings, then `--set`.
fn overrides(args: &TrainArgs) -> Result<Overrides, String> {
    let mut o = Overrides::default();
    o.shortcut("data.dataset", "--dataset", args.dataset.as_ref())?;
    o.shortcut("data.split", "--split", args.split.as_ref())?;
    o.shortcut(
        "data.standardize",
        "--standardize",
        args.standardize.then_some(true),
    )?;
    o.shortcut("data.evaluate_test", "--evaluate-test", args.evaluate_test)?;
    o.shortcut("network.hidden", "--hidden", args.hidden.as_ref())?;
    o.shortcut(
        "network.activation",
        "--activation",
        args.activation.as_ref(),
    )?;
    o.shortcut("network.output", "--output", args.output.as_ref())?;
    o.shortcut("network.init", "--init", args.init)?;
    o.shortcut(
        "network.init_weights",
        "--init-weights",
        args.init_weights.as_ref(),
    )?;
    o.shortcut("network.dtype", "--dtype", args.dtype)?;
    o.shortcut("train.loss", "--loss", args.loss)?;
    o.shortcut("optimizer.kind", "--optimizer", args.optimizer)?;
    o.shortcut("optimizer.lr", "--lr", args.lr)?;
    o.shortcut("optimizer.beta1", "--beta1", args.beta1)?;
    o.shortcut("optimizer.beta2", "--beta2", args.beta2)?;
    o.shortcut("optimizer.eps", "--eps", args.eps)?;
    o.shortcut("regularization.l2", "--l2", args.l2)?;
    o.shortcut("regularization.l1", "--l1", args.l1)?;
    o.shortcut("train.batch_size", "--batch-size", args.batch_size)?;
    o.shortcut("train.epochs", "--epochs", args.epochs)?;
    o.shortcut(
        "train.shuffle",
        "--no-shuffle",
        args.no_shuffle.then_some(false),
    )?;
    o.shortcut("train.seed", "--seed", args.seed)?;
    o.shortcut("train.threads", "--threads", args.exec.threads)?;
    Ok(args.settings.after(o))
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let overrides = overrides(&args).map_err(anyhow::Error::msg)?;
    let exp = match &args.file {
        Some(f) => read_experiment(f)?.with_overrides(&overrides)?,
        None => Experiment::single(&overrides)?,
    };
    anyhow::ensure!(
        exp.runs.len() == 1,
        "{}: describes {} runs; `mlplab train` runs one (use `mlplab sweep`, or fix the lists)",
        args.file.as_deref().unwrap_or("flags"),
        exp.runs.len()
    );
    if let Some(w) = exp.runs[0].train.threads_warning() {
        eprintln!("warning: {w}");
    }
    if let Some(path) = &args.save_weights {
        check_writable(path)?;
    }
    let mut opts = args
        .exec
        .options(PathBuf::from("studies/train"), interrupt_flag());
    opts.force = true;
    opts.jobs = 1;
    // One run: its epoch lines as each epoch ends (as Keras prints), not a bar.
    if opts.progress == ProgressMode::Auto {
        opts.progress = ProgressMode::Lines;
    }
    opts.save_weights = args.save_weights.clone().map(WeightsTarget::File);
    let summary = sweep(&exp, &opts, &DataCache::new())?;
    let reader = StudyReader::open(&summary.db)?;
    if let Some((id, _)) = summary.executed.first() {
        outln!("run {id}: {}", exp.runs[0].label())?;
        outln!(
            "{:>5} {:>11} {:>11} {:>9} {:>9}",
            "epoch",
            "train cost",
            "cv cost",
            "train acc",
            "cv acc"
        )?;
        // A metric that was not evaluated (or was NaN) prints as "—".
        let num = |v: Option<f64>, width: usize, prec: usize| {
            v.map_or(format!("{:>width$}", "—"), |x| {
                format!("{x:>width$.prec$}")
            })
        };
        for e in reader.epochs(*id)? {
            outln!(
                "{:>5} {} {} {} {}",
                e.epoch,
                num(e.train_cost, 11, 5),
                num(e.cv_cost, 11, 5),
                num(e.train_acc, 9, 4),
                num(e.cv_acc, 9, 4)
            )?;
        }
    }
    report(&exp.name, &summary)?;
    outcome(
        summary.count(Status::Diverged),
        summary.count(Status::Failed),
    )?;
    if let Some(path) = &args.save_weights
        && summary.count(Status::Done) > 0
        && !path.is_file()
    {
        anyhow::bail!(
            "--save-weights {}: the run is done but its weights could not be written",
            path.display()
        );
    }
    Ok(())
}

/// The exit of a train whose run ended `diverged` (3) or `failed` (4): a [`Finished`] error.
fn outcome(diverged: usize, failed: usize) -> anyhow::Result<()> {
    let what = if failed > 0 { "failed" } else { "diverged" };
    match Finished::from_counts(diverged, failed, format!("the run {what}")) {
        Some(f) => Err(anyhow::Error::new(f)),
        None => Ok(()),
    }
}

/// Fails, before anything trains, when `path` cannot be written: a folder, a file in a
/// folder that does not exist, or one this process may not create. An existing file is
/// left as it is; a probe file this creates is removed.
fn check_writable(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    anyhow::ensure!(
        !path.is_dir(),
        "--save-weights {shown}: is a folder; give a file name, e.g. {}",
        path.join("weights.safetensors").display()
    );
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    anyhow::ensure!(
        parent.is_dir(),
        "--save-weights {shown}: the folder {} does not exist; create it first",
        parent.display()
    );
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("--save-weights {shown}: cannot be written: {e}"))?;
    if !existed {
        std::fs::remove_file(path).ok();
    }
    Ok(())
}

fn parse_test_eval(s: &str) -> Result<TestEval, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::super::exit::{DIVERGED, FAILED, SUCCESS, code_of};
    use super::*;

    #[test]
    fn a_diverged_run_exits_3_and_a_failed_one_4() {
        let code = |d, f| outcome(d, f).err().map_or(SUCCESS, |e| code_of(&e));
        assert_eq!(code(0, 0), SUCCESS);
        assert_eq!(code(1, 0), DIVERGED);
        assert_eq!(code(0, 1), FAILED);
        assert!(outcome(0, 1).unwrap_err().to_string().contains("failed"));
    }

    #[test]
    fn an_unwritable_weights_target_is_named() {
        let dir = std::env::temp_dir();
        let e = check_writable(&dir).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        let e = check_writable(&dir.join("no-such-dir-mlplab/w.st"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let probe = dir.join(format!("mlplab-probe-{}.st", std::process::id()));
        check_writable(&probe).unwrap();
        assert!(!probe.exists(), "the probe file is removed");
    }
}
