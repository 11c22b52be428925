//! Central finite-difference checks of every gradient the engine computes (f64), on irregular
//! networks, for every activation × loss × penalty combination that is well defined.

use mlplab::nn::activation::{Activation, Elementwise};
use mlplab::nn::init::Init;
use mlplab::nn::loss::Loss;
use mlplab::nn::matmul::Threads;
use mlplab::nn::network::{Architecture, LayerSpec, Network, Workspace};
use mlplab::nn::regularization::{PenaltyScale, Regularization};
use mlplab::nn::rng::Rng;
use std::sync::Arc;

fn layer(width: usize, activation: Activation) -> LayerSpec {
    LayerSpec { width, activation }
}

/// Largest relative error between back-propagation and central differences over all parameters.
fn max_relative_error(arch: Architecture, loss: Loss, reg: Regularization, seed: u64) -> f64 {
    let n = 6;
    let mut rng = Rng::new(seed);
    let net = Network::<f64>::new(arch.clone(), Init::GlorotUniform, seed).unwrap();
    // Random non-zero biases so that every path is exercised.
    let mut params = net.params().to_vec();
    for l in net.layout() {
        // |w| is not differentiable at 0: keep weights away from the kink of the L1 penalty.
        for w in &mut params[l.w.clone()] {
            if w.abs() < 1e-2 {
                *w = 1e-2f64.copysign(*w);
            }
        }
        for b in &mut params[l.b.clone()] {
            *b = rng.uniform(-0.5, 0.5);
        }
    }
    let net = Network::from_params(arch.clone(), params).unwrap();
    let x: Vec<f64> = (0..n * arch.inputs)
        .map(|_| rng.uniform(-1.0, 1.0))
        .collect();
    let q = arch.outputs();
    let mut y = vec![0.0; n * q];
    for i in 0..n {
        y[i * q + rng.below(q as u64) as usize] = 1.0;
    }
    let reg_n = 50;
    let mut ws = Workspace::new(&arch, n, Threads::One);
    net.forward(&x, n, &mut ws);
    let mut grad = vec![0.0; net.params().len()];
    net.backward(&x, &y, n, loss, &reg, reg_n, &mut ws, &mut grad);

    // Five-point central stencil: truncation error O(h⁴), so both the truncation and the
    // rounding error stay far below the 1e-6 tolerance.
    let h = 1e-4;
    let cost_at = |i: usize, delta: f64| {
        let mut moved = net.clone();
        moved.params_mut()[i] += delta;
        moved.cost(&x, &y, loss, &reg, reg_n).unwrap()
    };
    let mut worst: f64 = 0.0;
    for (i, &g) in grad.iter().enumerate() {
        let fd = (8.0 * (cost_at(i, h) - cost_at(i, -h))
            - (cost_at(i, 2.0 * h) - cost_at(i, -2.0 * h)))
            / (12.0 * h);
        // Relative error, with gradients below 1e-5 judged by absolute error 1e-11 instead
        // (there the rounding of a cost of order 1 over the step h dominates).
        let err = (fd - g).abs() / (fd.abs() + g.abs()).max(1e-5);
        worst = worst.max(err);
    }
    worst
}

fn softplus() -> Activation {
    Activation::Custom(Arc::new(Elementwise {
        name: "softplus",
        f: |z| (1.0 + z.exp()).ln(),
        df: |z| 1.0 / (1.0 + (-z).exp()),
    }))
}

fn hidden_pairs() -> Vec<(Activation, Activation)> {
    vec![
        (Activation::Tanh, Activation::LeakyRelu(0.1)),
        (Activation::Sigmoid, Activation::Relu),
        (Activation::Softmax, Activation::Identity),
        (softplus(), Activation::Tanh),
    ]
}

fn outputs_for(loss: Loss) -> Vec<Activation> {
    match loss {
        // Any output works with the quadratic cost.
        Loss::Mse => vec![
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Softmax,
            softplus(),
        ],
        // Cross-entropies need outputs in (0, 1).
        Loss::Bce | Loss::Cce => vec![Activation::Sigmoid, Activation::Softmax],
    }
}

#[test]
fn every_activation_loss_and_penalty() {
    let penalties = [
        Regularization::default(),
        Regularization {
            l2: 2.0,
            ..Default::default()
        },
        Regularization {
            l2: 0.5,
            l1: 0.3,
            scale: PenaltyScale::Batch,
        },
    ];
    let mut checked = 0;
    for loss in [Loss::Mse, Loss::Bce, Loss::Cce] {
        for output in outputs_for(loss) {
            for (h1, h2) in hidden_pairs() {
                for reg in penalties {
                    // 7 → 5 → 3 → 4: irregular on purpose.
                    let arch = Architecture {
                        inputs: 7,
                        layers: vec![
                            layer(5, h1.clone()),
                            layer(3, h2.clone()),
                            layer(4, output.clone()),
                        ],
                    };
                    let err = max_relative_error(arch.clone(), loss, reg, checked as u64 + 1);
                    assert!(
                        err < 1e-6,
                        "{} with {loss}, {reg:?}: relative error {err:e}",
                        arch.describe()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, (7 + 2 + 2) * 4 * 3);
}

#[test]
fn single_layer_and_deep_narrow_networks() {
    let single = Architecture {
        inputs: 3,
        layers: vec![layer(2, Activation::Softmax)],
    };
    assert!(max_relative_error(single, Loss::Cce, Regularization::default(), 9) < 1e-6);
    let deep = Architecture {
        inputs: 4,
        layers: (0..6)
            .map(|_| layer(2, Activation::Tanh))
            .chain([layer(3, Activation::Sigmoid)])
            .collect(),
    };
    let reg = Regularization {
        l2: 1.0,
        ..Default::default()
    };
    assert!(max_relative_error(deep, Loss::Bce, reg, 10) < 1e-6);
}

#[test]
fn fused_and_general_paths_give_the_same_network_gradient() {
    // Softmax + CCE takes the fused path; the same net with a custom copy of softmax takes the
    // general one. Both must agree with each other (and, above, with finite differences).
    #[derive(Debug)]
    struct PlainSoftmax;
    impl mlplab::nn::activation::CustomActivation for PlainSoftmax {
        fn name(&self) -> &str {
            "plain-softmax"
        }
        fn forward(&self, z: &[f64], a: &mut [f64]) {
            Activation::Softmax.forward(z, a, z.len());
        }
        fn vjp(&self, z: &[f64], a: &[f64], da: &[f64], dz: &mut [f64]) {
            Activation::Softmax.vjp(z, a, da, dz, z.len());
        }
    }
    let make = |out: Activation| Architecture {
        inputs: 5,
        layers: vec![layer(4, Activation::Relu), layer(3, out)],
    };
    let fused = make(Activation::Softmax);
    let general = make(Activation::Custom(Arc::new(PlainSoftmax)));
    let n = 4;
    let mut rng = Rng::new(3);
    let x: Vec<f64> = (0..n * 5).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let y: Vec<f64> = (0..n * 3)
        .map(|i| ((i % 3) == (i / 3) % 3) as u8 as f64)
        .collect();
    let mut grads = Vec::new();
    for arch in [fused, general] {
        let net = Network::<f64>::new(arch.clone(), Init::HeUniform, 4).unwrap();
        let mut ws = Workspace::new(&arch, n, Threads::One);
        net.forward(&x, n, &mut ws);
        let mut g = vec![0.0; net.params().len()];
        net.backward(
            &x,
            &y,
            n,
            Loss::Cce,
            &Regularization::default(),
            10,
            &mut ws,
            &mut g,
        );
        grads.push(g);
    }
    for (a, b) in grads[0].iter().zip(&grads[1]) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}
