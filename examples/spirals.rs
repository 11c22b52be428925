//! Train the study's kind of network on two spirals with the library API.
//!
//!     cargo run --release --example spirals

use mlplab::data::{LoadOptions, Split, load};
use mlplab::{
    Activation, Architecture, Init, Network, OptimizerConfig, OptimizerKind, Samples, TrainConfig,
    fit,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Two interleaved spirals, 300 points per arm, all for training.
    let opts = LoadOptions {
        split: Split::Full { cv_size: None },
        ..Default::default()
    };
    let set = load("spirals:n=600,test=0,noise=0.02", &opts)?.train;
    let (x, labels) = (set.features, set.labels);
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
