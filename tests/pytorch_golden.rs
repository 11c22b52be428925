//! Loss, gradients and three optimizer steps compared with PyTorch (float64).
//!
//! The numbers below were printed by `scripts/pytorch_golden.py` (PyTorch 2.15.0):
//!
//!     python3 scripts/pytorch_golden.py
//!
//! The network is 3 → 4 (tanh) → 2 (softmax) with weights `sin`/`cos` of their index, on
//! five fixed rows, with cross-entropy; the script documents each optimizer's mapping.

use mlplab::nn::activation::Activation;
use mlplab::nn::loss::Loss;
use mlplab::nn::matmul::Threads;
use mlplab::nn::network::{Architecture, LayerSpec, Network, Workspace};
use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use mlplab::nn::regularization::Regularization;

const P: usize = 3;
const H: usize = 4;
const Q: usize = 2;
const N: usize = 5;
const LABELS: [usize; N] = [0, 1, 1, 0, 1];

const LOSS: f64 = 0.664480727972544;
const GRAD: [f64; 26] = [
    0.022474391741952458,
    -0.045292267142531484,
    0.009348246532525044,
    0.029538566846887517,
    0.016241535640374425,
    -0.035501101245798604,
    0.00761960220331212,
    0.02153144159205761,
    0.008557871531414945,
    -0.022538727705976355,
    0.005210321502366817,
    0.011600976785851196,
    0.01662862314154561,
    -0.039136026827897796,
    0.007631216803484397,
    0.02152096886262407,
    0.019391561266201104,
    -0.019391561266201108,
    0.025204310451621772,
    -0.025204310451621775,
    0.005478348358809358,
    -0.005478348358809348,
    -0.016745303419154922,
    0.01674530341915493,
    0.048445581380169245,
    -0.04844558138016927,
];
const ADAM: [f64; 26] = [
    0.6434615841031179,
    0.7572514901179679,
    0.08367841576119499,
    -0.6350924747638279,
    -0.7967574030405178,
    -0.19385891909444294,
    0.4964742590888939,
    0.7621592809342727,
    0.3004240510449185,
    -0.4059823664047508,
    -0.8289002932631627,
    -0.4569718790190881,
    0.07119562878119988,
    0.08342985429386143,
    -0.0699682414100471,
    -0.1271740652097948,
    -0.320729903242605,
    -0.6635676299607065,
    -0.4875330567768088,
    0.22854605199653888,
    0.6421973421553712,
    0.5576534365401982,
    -0.07210181962917782,
    -0.6675393873561255,
    -0.07892906650929822,
    0.07892906650929822,
];
const ADAMW: [f64; 26] = [
    0.6414743919093776,
    0.7550404524963725,
    0.0833718037301417,
    -0.6332488044403248,
    -0.7944282529545357,
    -0.1932202012267894,
    0.49493162505599714,
    0.7598149368003768,
    0.29946462607354557,
    -0.40471002069200834,
    -0.8264683638219881,
    -0.4556661964392498,
    0.0711899214987598,
    0.08342883686046124,
    -0.0699696896268239,
    -0.12718823360856155,
    -0.31982717724646187,
    -0.6615204152655417,
    -0.48613169534374845,
    0.22792087487579202,
    0.6402133561363076,
    0.5560414685756603,
    -0.0718253467775217,
    -0.6655991547708054,
    -0.0789371245048675,
    0.0789371245048675,
];
const RMSPROP: [f64; 26] = [
    0.6131574373570398,
    0.7909481720609886,
    0.06896739446673947,
    -0.6618138702540004,
    -0.8235483252419659,
    -0.1672397304374898,
    0.4832095507938065,
    0.7489360821788577,
    0.28522608201791705,
    -0.3997265500092619,
    -0.8394808616788099,
    -0.4334297896047003,
    0.0692844180714857,
    0.09835186940895874,
    -0.07385106628308895,
    -0.10831635667626408,
    -0.34384477182515266,
    -0.6404527613781588,
    -0.528196520985887,
    0.2692095162056171,
    0.5961010654507826,
    0.6037497132447869,
    -0.045547035279859795,
    -0.6940941717054435,
    -0.08047511586886955,
    0.08047511586886959,
];
const SGD_MOMENTUM: [f64; 26] = [
    0.6610360811505378,
    0.7521415366245126,
    0.10785879709803314,
    -0.6213626144541882,
    -0.7758345718027524,
    -0.20439773295197775,
    0.5215055231143989,
    0.7800652576413244,
    0.32522190278296803,
    -0.4233603953519839,
    -0.8027576778633874,
    -0.4351601612512893,
    0.09153029143919587,
    0.07464377273497579,
    -0.04555443173218055,
    -0.10985717128074443,
    -0.3015980080852448,
    -0.6826995251180665,
    -0.47174501433656174,
    0.21275800955629176,
    0.6689648551103531,
    0.5308859235852162,
    -0.09276843436054452,
    -0.6468727726247587,
    -0.07492371126172143,
    0.07492371126172145,
];

fn network() -> Network<f64> {
    let arch = Architecture {
        inputs: P,
        layers: vec![
            LayerSpec {
                width: H,
                activation: Activation::Tanh,
            },
            LayerSpec {
                width: Q,
                activation: Activation::Softmax,
            },
        ],
    };
    let mut params = Vec::new();
    for i in 0..P {
        for j in 0..H {
            params.push((1.0 + (i * H + j) as f64).sin() * 0.8);
        }
    }
    params.extend((0..H).map(|j| 0.1 * (j as f64).cos()));
    for i in 0..H {
        for j in 0..Q {
            params.push((2.0 + (i * Q + j) as f64).cos() * 0.7);
        }
    }
    params.extend([-0.05, 0.05]);
    Network::from_params(arch, params).unwrap()
}

fn data() -> (Vec<f64>, Vec<f64>) {
    let x = (0..N * P).map(|k| (0.3 * k as f64).sin()).collect();
    let mut y = vec![0.0; N * Q];
    for (i, &l) in LABELS.iter().enumerate() {
        y[i * Q + l] = 1.0;
    }
    (x, y)
}

fn gradient(net: &Network<f64>) -> Vec<f64> {
    let (x, y) = data();
    let mut ws = Workspace::new(net.architecture(), N, Threads::One);
    net.forward(&x, N, &mut ws);
    let mut g = vec![0.0; net.params().len()];
    net.backward(
        &x,
        &y,
        N,
        Loss::Cce,
        &Regularization::default(),
        N,
        &mut ws,
        &mut g,
    );
    g
}

fn assert_close(name: &str, ours: &[f64], torch: &[f64]) {
    assert_eq!(ours.len(), torch.len(), "{name}: lengths");
    let worst = ours
        .iter()
        .zip(torch)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-12,
        "{name}: largest difference from PyTorch {worst:e}"
    );
}

#[test]
fn loss_and_gradients_match_pytorch() {
    let net = network();
    let (x, y) = data();
    let loss = net
        .cost(&x, &y, Loss::Cce, &Regularization::default(), N)
        .unwrap();
    assert!((loss - LOSS).abs() < 1e-14, "loss {loss} vs PyTorch {LOSS}");
    assert_close("gradient", &gradient(&net), &GRAD);
}

fn three_steps(cfg: OptimizerConfig) -> Vec<f64> {
    let mut net = network();
    let mut opt = Optimizer::new(cfg, net.params().len());
    let weights = net.weight_ranges();
    for _ in 0..3 {
        let g = gradient(&net);
        opt.step(net.params_mut(), &g, &weights);
    }
    net.params().to_vec()
}

#[test]
fn optimizers_match_pytorch() {
    let adam = OptimizerConfig::new(OptimizerKind::Adam, 0.01);
    assert_close("Adam", &three_steps(adam), &ADAM);
    let adamw = OptimizerConfig {
        weight_decay: 0.1,
        ..adam
    };
    assert_close("AdamW", &three_steps(adamw), &ADAMW);
    let rmsprop = OptimizerConfig {
        beta2: 0.9,
        bias_correction: false,
        ..OptimizerConfig::new(OptimizerKind::RmsProp, 0.01)
    };
    assert_close("RMSprop", &three_steps(rmsprop), &RMSPROP);
    let momentum = OptimizerConfig {
        beta1: 0.9,
        bias_correction: false,
        dampening: Some(0.0),
        ..OptimizerConfig::new(OptimizerKind::Momentum, 0.1)
    };
    assert_close("SGD momentum", &three_steps(momentum), &SGD_MOMENTUM);
}
