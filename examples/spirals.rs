//! Train the study's kind of network on two spirals with the library API.
//!
//!     cargo run --release --example spirals

use mlplab::nn::rng::Rng;
use mlplab::{
    Activation, Architecture, Init, Network, OptimizerConfig, OptimizerKind, Samples, TrainConfig,
    fit,
};

fn main() -> Result<(), mlplab::Error> {
    // Two interleaved spirals, 300 points per arm.
    let mut rng = Rng::new(0);
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    for i in 0..300 {
        let t = 0.25 + 3.0 * std::f64::consts::PI * i as f64 / 300.0;
        for (arm, sign) in [(0u32, 1.0), (1, -1.0)] {
            x.push((sign * t * t.cos() / 10.0 + 0.02 * rng.normal()) as f32);
            x.push((sign * t * t.sin() / 10.0 + 0.02 * rng.normal()) as f32);
            labels.push(arm);
        }
    }
    let data = Samples::new(&x, &labels, 2, 2)?;

    // 2 → 32 → 32 → 2, LeakyReLU(0.1) hidden, softmax output, He-uniform weights.
    let arch = Architecture::mlp(
        2,
        &[32, 32],
        Activation::LeakyRelu(0.1),
        2,
        Activation::Softmax,
    );
    let net = Network::<f32>::new(arch, Init::HeUniform, 1)?;
    let cfg = TrainConfig {
        optimizer: OptimizerConfig::new(OptimizerKind::Adam, 0.01),
        batch_size: 20,
        epochs: 100,
        ..Default::default()
    };
    let (_net, history) = fit(net, &cfg, &data, &[data], &mut ())?;
    for record in history.iter().filter(|r| r.epoch % 20 == 0) {
        let m = record.evals[0];
        println!(
            "epoch {:3}: cost {:.4}, accuracy {:.3}",
            record.epoch, m.cost, m.accuracy
        );
    }
    Ok(())
}
