//! `mlplab train`: one run, from flags or from an experiment file that describes one run.

use std::path::PathBuf;

use mlplab::experiment::{Experiment, Overrides, RunConfig};
use mlplab::runner::{DataCache, WeightsTarget, sweep};
use mlplab::store::StudyReader;
use mlplab::{Activation, Init, Loss, OptimizerKind};

use super::sweep::{ExecArgs, interrupt_flag, read_experiment, report};

fn d() -> RunConfig {
    RunConfig::default()
}

/// Train one network and record it (in studies/train unless --out). Flags override the file.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// An experiment file (or preset) that describes exactly one run after the flags apply.
    pub file: Option<String>,
    #[arg(long, help = format!("Dataset: mnist, fashion-mnist, cifar10, cifar10-jpeg, spirals, blobs:n=500, csv:FILE, ... [default: {}]", d().data.dataset))]
    pub dataset: Option<String>,
    /// Train/CV split: study (first 10,000 / next 10,000), study:TRAIN,CV, per-class:K, full, full:CV [default: study].
    #[arg(long, value_parser = mlplab::experiment::parse_split)]
    pub split: Option<mlplab::data::Split>,
    /// Standardize features with the training split's mean and deviation.
    #[arg(long)]
    pub standardize: bool,
    #[arg(long, value_delimiter = ',', value_name = "W,W,...", help = format!("Hidden layer widths [default: {}]", d().network.hidden.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",")))]
    pub hidden: Option<Vec<usize>>,
    #[arg(long, help = format!("Hidden activation: relu, leaky-relu(a), sigmoid, tanh, ... [default: {}]", d().network.activation))]
    pub activation: Option<Activation>,
    #[arg(long, help = format!("Output activation [default: {}]", d().network.output))]
    pub output: Option<Activation>,
    #[arg(long, help = format!("Initialization: uniform, uniform(a,b), he, glorot [default: {}]", d().network.init))]
    pub init: Option<Init>,
    #[arg(long, help = format!("Loss: mse, bce, cce [default: {}]", d().train.loss))]
    pub loss: Option<Loss>,
    #[arg(long, help = format!("Optimizer: sgd, momentum, rmsprop, adam [default: {}]", d().train.optimizer.kind))]
    pub optimizer: Option<OptimizerKind>,
    #[arg(long, help = format!("Learning rate [default: {}]", d().train.optimizer.lr))]
    pub lr: Option<f64>,
    #[arg(long, help = format!("Momentum's β / Adam's β1 [default: {}]", d().train.optimizer.beta1))]
    pub beta1: Option<f64>,
    #[arg(long, help = format!("RMSProp's β / Adam's β2 [default: {}]", d().train.optimizer.beta2))]
    pub beta2: Option<f64>,
    #[arg(long, help = format!("ε of RMSProp and Adam [default: {}]", d().train.optimizer.eps))]
    pub eps: Option<f64>,
    #[arg(long, help = format!("L2 strength λ [default: {}]", d().train.regularization.l2))]
    pub l2: Option<f64>,
    #[arg(long, help = format!("L1 strength λ1 [default: {}]", d().train.regularization.l1))]
    pub l1: Option<f64>,
    #[arg(long, help = format!("Rows per mini-batch [default: {}]", d().train.batch_size))]
    pub batch_size: Option<usize>,
    #[arg(long, help = format!("Epochs [default: {}]", d().train.epochs))]
    pub epochs: Option<usize>,
    #[arg(long, help = format!("Seed of the weights and the shuffling [default: {}]", d().train.seed))]
    pub seed: Option<u64>,
    /// Feed batches in data order instead of reshuffling every epoch.
    #[arg(long)]
    pub no_shuffle: bool,
    /// Also evaluate the official test set every epoch.
    #[arg(long)]
    pub evaluate_test: bool,
    /// Start from these weights (safetensors: layers.{i}.weight [out, in], layers.{i}.bias).
    #[arg(long, value_name = "FILE")]
    pub init_weights: Option<PathBuf>,
    /// Save the trained weights (safetensors, loadable by PyTorch).
    #[arg(long, value_name = "FILE")]
    pub save_weights: Option<PathBuf>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let overrides = Overrides {
        dataset: args.dataset,
        split: args.split,
        standardize: args.standardize.then_some(true),
        hidden: args.hidden,
        activation: args.activation,
        output: args.output,
        init: args.init,
        init_weights: args.init_weights.map(|p| p.display().to_string()),
        loss: args.loss,
        optimizer: args.optimizer,
        lr: args.lr,
        beta1: args.beta1,
        beta2: args.beta2,
        eps: args.eps,
        l2: args.l2,
        l1: args.l1,
        batch_size: args.batch_size,
        epochs: args.epochs,
        shuffle: args.no_shuffle.then_some(false),
        seed: args.seed,
        threads: args.exec.threads,
        evaluate_test: args.evaluate_test.then_some(true),
    };
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
    let mut opts = args
        .exec
        .options(PathBuf::from("studies/train"), interrupt_flag());
    opts.force = true;
    opts.jobs = 1;
    opts.save_weights = args.save_weights.map(WeightsTarget::File);
    let summary = sweep(&exp, &opts, &DataCache::new())?;
    let reader = StudyReader::open(&summary.db)?;
    if let Some((id, _)) = summary.executed.first() {
        println!("run {id}: {}", exp.runs[0].label());
        println!(
            "{:>5} {:>11} {:>11} {:>9} {:>9}",
            "epoch", "train cost", "cv cost", "train acc", "cv acc"
        );
        // A metric that was not evaluated (or was NaN) prints as "—".
        let num = |v: Option<f64>, width: usize, prec: usize| {
            v.map_or(format!("{:>width$}", "—"), |x| {
                format!("{x:>width$.prec$}")
            })
        };
        for e in reader.epochs(*id)? {
            println!(
                "{:>5} {} {} {} {}",
                e.epoch,
                num(e.train_cost, 11, 5),
                num(e.cv_cost, 11, 5),
                num(e.train_acc, 9, 4),
                num(e.cv_acc, 9, 4)
            );
        }
    }
    report(&exp.name, &summary)
}
