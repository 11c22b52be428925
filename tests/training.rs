//! The training loop: learning, determinism, divergence, and bad input.

use mlplab::data::{LoadOptions, Split, load};

use mlplab::nn::activation::Activation;
use mlplab::nn::error::Error;
use mlplab::nn::init::Init;
use mlplab::nn::loss::Loss;
use mlplab::nn::network::{Architecture, LayerSpec, Network};
use mlplab::nn::optim::{OptimizerConfig, OptimizerKind};
use mlplab::nn::regularization::Regularization;
use mlplab::train::{Samples, TrainConfig, Trainer, fit};

/// Two interleaved spirals, `n` points per arm, a little noise: the data layer's spirals
/// (the project's one spiral generator), the whole set for training.
fn spirals(n: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
    let opts = LoadOptions {
        split: Split::Full { cv_size: None },
        ..Default::default()
    };
    let name = format!("spirals:n={},test=0,noise=0.02,seed={seed}", 2 * n);
    let set = load(&name, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    (set.train.features, set.train.labels)
}

fn small_net(inputs: usize, classes: usize, seed: u64) -> Network<f32> {
    let arch = Architecture::mlp(
        inputs,
        &[32, 32],
        Activation::LeakyRelu(0.1),
        classes,
        Activation::Softmax,
    );
    Network::new(arch, Init::HeUniform, seed).unwrap()
}

#[test]
fn learns_two_spirals() {
    let (x, y) = spirals(200, 1);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let cfg = TrainConfig {
        optimizer: OptimizerConfig::new(OptimizerKind::Adam, 0.01),
        batch_size: 20,
        epochs: 150,
        ..Default::default()
    };
    let (_, history) = fit(small_net(2, 2, 1), &cfg, &data, &[data], &mut ()).unwrap();
    let first = history[0].evals[0].accuracy;
    let last = history.last().unwrap().evals[0].accuracy;
    assert!(first < 0.7, "untrained accuracy {first}");
    assert!(last > 0.95, "accuracy after training {last}");
}

#[test]
fn every_optimizer_reduces_the_cost() {
    let (x, y) = spirals(100, 2);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    for (kind, lr) in [
        (OptimizerKind::Sgd, 2.0),
        (OptimizerKind::Momentum, 2.0),
        (OptimizerKind::RmsProp, 0.003),
        (OptimizerKind::Adam, 0.003),
    ] {
        let cfg = TrainConfig {
            loss: Loss::Mse,
            optimizer: OptimizerConfig::new(kind, lr),
            regularization: Regularization {
                l2: 0.1,
                ..Default::default()
            },
            batch_size: 16,
            epochs: 60,
            ..Default::default()
        };
        let (_, h) = fit(small_net(2, 2, 3), &cfg, &data, &[data], &mut ()).unwrap();
        let (c0, c1) = (h[0].evals[0].cost, h.last().unwrap().evals[0].cost);
        assert!(c1 < 0.9 * c0, "{kind}: cost {c0} -> {c1}");
    }
}

fn one_epoch(threads: usize) -> Vec<f32> {
    let (x, y) = spirals(150, 4);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let arch = Architecture::mlp(
        2,
        &[300, 200],
        Activation::LeakyRelu(0.1),
        2,
        Activation::Softmax,
    );
    let net = Network::<f32>::new(arch, Init::HeUniform, 5).unwrap();
    let cfg = TrainConfig {
        optimizer: OptimizerConfig::new(OptimizerKind::Adam, 1e-3),
        batch_size: 64, // 300 rows: the last batch is partial
        epochs: 1,
        threads,
        seed: 9,
        ..Default::default()
    };
    fit(net, &cfg, &data, &[], &mut ())
        .unwrap()
        .0
        .params()
        .to_vec()
}

#[test]
fn same_seed_and_threads_give_bitwise_identical_weights() {
    for threads in [1, 2] {
        let a = one_epoch(threads);
        let b = one_epoch(threads);
        assert!(
            a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "threads={threads}"
        );
    }
}

#[test]
fn seeds_change_weights_and_order() {
    let (x, y) = spirals(50, 4);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let run = |seed| {
        let cfg = TrainConfig {
            epochs: 1,
            batch_size: 10,
            seed,
            ..Default::default()
        };
        fit(small_net(2, 2, 1), &cfg, &data, &[], &mut ())
            .unwrap()
            .0
            .params()
            .to_vec()
    };
    assert_ne!(run(1), run(2), "the shuffle seed must matter");
    assert_ne!(small_net(2, 2, 1).params(), small_net(2, 2, 2).params());
}

#[test]
fn divergence_is_reported_with_its_step() {
    let (x, y) = spirals(50, 4);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let arch = Architecture::mlp(2, &[16], Activation::Relu, 2, Activation::Identity);
    let net = Network::<f32>::new(
        arch,
        Init::Uniform {
            low: -1.0,
            high: 1.0,
        },
        1,
    )
    .unwrap();
    let cfg = TrainConfig {
        loss: Loss::Mse,
        optimizer: OptimizerConfig::new(OptimizerKind::Sgd, 1e6),
        batch_size: 10,
        epochs: 5,
        ..Default::default()
    };
    match fit(net, &cfg, &data, &[], &mut ()) {
        Err(Error::Diverged {
            step,
            epoch,
            quantity,
            ..
        }) => {
            assert!(
                step >= 1 && epoch >= 1 && quantity.contains("inf") || quantity.contains("NaN")
            );
        }
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn bad_input_is_an_error_that_names_the_problem() {
    let x = vec![0.5f32; 8];
    let y = vec![0u32, 1, 0, 1];
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let expect = |r: Result<(), Error>, words: &[&str]| {
        let msg = r.unwrap_err().to_string();
        for w in words {
            assert!(msg.contains(w), "{msg:?} should mention {w:?}");
        }
    };
    // Mismatched input width: the network takes 3 features, the data has 2.
    let net3 = small_net(3, 2, 1);
    let run = |net: Network<f32>, cfg: TrainConfig| fit(net, &cfg, &data, &[], &mut ()).map(|_| ());
    expect(
        run(net3, TrainConfig::default()),
        &["2 features", "takes 3"],
    );
    // Wrong number of classes.
    expect(
        run(small_net(2, 3, 1), TrainConfig::default()),
        &["2 classes", "3 outputs"],
    );
    // Zero-width layer, no layers, zero inputs.
    let zero = Architecture {
        inputs: 2,
        layers: vec![LayerSpec {
            width: 0,
            activation: Activation::Relu,
        }],
    };
    expect(
        Network::<f32>::new(zero, Init::HeUniform, 0).map(|_| ()),
        &["layer 1", "width 0"],
    );
    let empty = Architecture {
        inputs: 2,
        layers: vec![],
    };
    expect(
        Network::<f32>::new(empty, Init::HeUniform, 0).map(|_| ()),
        &["no layers"],
    );
    // Batch size 0, learning rate ≤ 0 or non-finite, β outside (0, 1), negative λ.
    let bad_cfgs: Vec<(TrainConfig, &[&str])> = vec![
        (
            TrainConfig {
                batch_size: 0,
                ..Default::default()
            },
            &["batch_size", "0"],
        ),
        (
            TrainConfig {
                optimizer: OptimizerConfig {
                    lr: -0.1,
                    ..Default::default()
                },
                ..Default::default()
            },
            &["lr", "-0.1"],
        ),
        (
            TrainConfig {
                optimizer: OptimizerConfig {
                    lr: f64::INFINITY,
                    ..Default::default()
                },
                ..Default::default()
            },
            &["lr", "inf"],
        ),
        (
            TrainConfig {
                optimizer: OptimizerConfig {
                    beta1: 1.5,
                    ..Default::default()
                },
                ..Default::default()
            },
            &["beta1", "(0, 1)"],
        ),
        (
            TrainConfig {
                regularization: Regularization {
                    l2: -1.0,
                    ..Default::default()
                },
                ..Default::default()
            },
            &["l2", "≥ 0"],
        ),
    ];
    for (cfg, words) in bad_cfgs {
        expect(run(small_net(2, 2, 1), cfg), words);
    }
    // Labels out of range, NaN and Inf inputs.
    expect(
        Samples::new(&x, &[0, 1, 5, 1], 2, 2).map(|_| ()),
        &["label 5", "0..2"],
    );
    let mut nan = x.clone();
    nan[3] = f32::NAN;
    expect(
        Samples::new(&nan, &y, 2, 2).map(|_| ()),
        &["example 1", "NaN"],
    );
    nan[3] = f32::INFINITY;
    expect(Samples::new(&nan, &y, 2, 2).map(|_| ()), &["inf"]);
    expect(
        Samples::new(&x, &y, 3, 2).map(|_| ()),
        &["8 feature values", "4 labels"],
    );
    // An empty training set.
    expect(
        Trainer::new(small_net(2, 2, 1), TrainConfig::default(), 0).map(|_| ()),
        &["empty"],
    );
}

#[test]
fn observer_can_stop_training() {
    struct StopAfter(u64);
    impl mlplab::train::Observer for StopAfter {
        fn batch(&mut self, r: &mlplab::train::BatchRecord) -> std::ops::ControlFlow<()> {
            if r.step >= self.0 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        }
    }
    let (x, y) = spirals(50, 4);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let cfg = TrainConfig {
        epochs: 3,
        batch_size: 10,
        ..Default::default()
    };
    let err = fit(small_net(2, 2, 1), &cfg, &data, &[], &mut StopAfter(3)).unwrap_err();
    assert_eq!(err, Error::Stopped { step: 3, epoch: 1 });
}

#[test]
fn a_step_gives_the_same_bits_on_any_number_of_threads() {
    // The threads share each product's output tiles; nothing is cut by thread, so the cost,
    // the gradient and the update are bitwise those of one thread. Widths and the ragged
    // 37-row batch divide evenly by none of the thread counts.
    let (x, y) = spirals(60, 7);
    let data = Samples::new(&x, &y, 2, 2).unwrap();
    let arch = Architecture::mlp(2, &[9, 5], Activation::Tanh, 2, Activation::Softmax);
    let rows: Vec<usize> = (0..37).map(|i| (i * 7) % 120).collect();
    let mut runs = Vec::new();
    for threads in [1, 2, 3, 16] {
        let net = Network::<f64>::new(arch.clone(), Init::HeUniform, 3).unwrap();
        let cfg = TrainConfig {
            loss: Loss::Mse,
            regularization: Regularization {
                l2: 0.7,
                l1: 0.2,
                ..Default::default()
            },
            batch_size: 40,
            threads,
            ..Default::default()
        };
        let mut trainer = Trainer::new(net, cfg, data.len()).unwrap();
        let record = mlplab::train::with_threads(threads, || trainer.step(&data, &rows))
            .unwrap()
            .unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        runs.push((
            record.cost.to_bits(),
            bits(trainer.gradient()),
            bits(trainer.net.params()),
        ));
    }
    for (i, run) in runs.iter().enumerate().skip(1) {
        assert!(run == &runs[0], "run {i} differs from the 1-thread run");
    }
}

/// An observer that asks for a different thread count at every step (1, 2, 3, 1, 2, 3, …),
/// as a sweep does when runs finish and their cores are handed on.
struct Wandering(usize);

impl mlplab::train::Observer for Wandering {
    fn threads(&mut self) -> Option<usize> {
        self.0 += 1;
        Some(1 + self.0 % 3)
    }
    fn max_threads(&self) -> usize {
        3
    }
}

#[test]
fn a_run_whose_thread_count_changes_between_steps_gives_the_one_thread_bits() {
    // The study's shapes (784 → 128 → 64 → 10, batch 100) in f32, on 300 MNIST-sized
    // random rows: training on 1 thread and training with 1, 2, 3 threads in turn give the
    // same network and the same records, bit for bit.
    let (p, q, n) = (784, 10, 300);
    let mut rng = mlplab::nn::rng::Rng::new(11);
    let x: Vec<f32> = (0..n * p).map(|_| rng.uniform(0.0, 1.0) as f32).collect();
    let y: Vec<u32> = (0..n).map(|i| (i % q) as u32).collect();
    let data = Samples::new(&x, &y, p, q).unwrap();
    let cfg = TrainConfig {
        epochs: 2,
        batch_size: 100,
        ..Default::default()
    };
    let net = || Network::<f32>::new(Architecture::study(p, q), Init::HeUniform, 5).unwrap();
    let (one, h1) = fit(net(), &cfg, &data, &[data], &mut ()).unwrap();
    let (many, h2) = fit(net(), &cfg, &data, &[data], &mut Wandering(0)).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert!(bits(one.params()) == bits(many.params()));
    for (a, b) in h1.iter().zip(&h2) {
        assert_eq!(a.evals, b.evals);
        assert_eq!(a.grad_norms, b.grad_norms);
    }
}
