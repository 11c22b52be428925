//! Tests of Bayes by Backprop: gradients by finite differences with the noise fixed, the
//! closed-form KL against Monte Carlo, the local reparameterization against sampled
//! weights, σ → 0 against the deterministic network, determinism.

use super::*;
use crate::nn::activation::Activation;

const MIX: Prior = Prior::Mixture {
    pi: 0.3,
    sigma1: 1.0,
    sigma2: 0.2,
};

/// A 3-4-3-q network with μ moved off the initializer's values (biases too) and ρ spread
/// over [−3, −0.5], so every σ differs.
fn net(hidden: Activation, outputs: usize, output: Activation, seed: u64) -> BayesNet<f64> {
    let arch = Architecture::mlp(3, &[4, 3], hidden, outputs, output);
    let mut net = BayesNet::<f64>::new(arch, Init::HeUniform, seed, 0.0).unwrap();
    let mut rng = Rng::new(seed + 100);
    let n = net.len();
    for (i, t) in net.theta_mut().iter_mut().enumerate() {
        if i < n {
            *t += rng.uniform(0.05, 0.3) * if rng.unit() < 0.5 { -1.0 } else { 1.0 };
        } else {
            *t = rng.uniform(-3.0, -0.5);
        }
    }
    net
}

/// n rows of 3 features and one-hot targets of q classes.
fn batch(n: usize, q: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let x = (0..n * 3).map(|_| rng.uniform(-1.5, 1.5)).collect();
    let mut y = vec![0.0; n * q];
    for i in 0..n {
        y[i * q + rng.below(q as u64) as usize] = 1.0;
    }
    (x, y)
}

#[allow(clippy::too_many_arguments)]
fn objective(
    net: &BayesNet<f64>,
    x: &[f64],
    y: &[f64],
    n: usize,
    loss: Loss,
    bayes: &BayesConfig,
    c: f64,
    noise: &Noise<f64>,
) -> f64 {
    let mut ws = BayesWorkspace::new(net, n, Threads::One).unwrap();
    let q = net.architecture().outputs();
    let out = net.sample_forward(x, n, bayes.sampler, noise, &mut ws);
    loss.total(y, out, q) / n as f64 + c * net.kl(&bayes.prior, noise)
}

#[test]
fn gradients_of_the_objective_match_finite_differences() {
    let cases = [
        (Activation::Tanh, 3, Activation::Softmax, Loss::Cce),
        (Activation::Sigmoid, 2, Activation::Identity, Loss::Mse),
        (Activation::Tanh, 2, Activation::Sigmoid, Loss::Bce),
    ];
    let n = 5;
    let c = 0.3;
    let mut checked = 0;
    for (k, (hidden, q, output, loss)) in cases.iter().enumerate() {
        let (q, loss) = (*q, *loss);
        for prior in [Prior::Gaussian { sigma: 0.7 }, MIX] {
            for sampler in [Sampler::Weights, Sampler::Local] {
                let bayes = BayesConfig {
                    prior,
                    sampler,
                    ..Default::default()
                };
                let seed = 10 * k as u64 + 1;
                let mut net = net(hidden.clone(), q, output.clone(), seed);
                let (x, y) = batch(n, q, seed + 7);
                let mut noise = Noise::default();
                noise.draw(&net, sampler, &prior, n, &mut Rng::new(seed + 3));
                let mut ws = BayesWorkspace::new(&net, n, Threads::One).unwrap();
                let mut grad = vec![0.0; net.theta().len()];
                let step =
                    net.objective_gradient(&x, &y, n, loss, &bayes, c, &noise, &mut ws, &mut grad);
                let f0 = objective(&net, &x, &y, n, loss, &bayes, c, &noise);
                assert!((step.objective - f0).abs() < 1e-12, "objective value");
                let h = 1e-6;
                #[allow(clippy::needless_range_loop)] // θ is changed in place by index
                for i in 0..net.theta().len() {
                    let keep = net.theta()[i];
                    net.theta_mut()[i] = keep + h;
                    let up = objective(&net, &x, &y, n, loss, &bayes, c, &noise);
                    net.theta_mut()[i] = keep - h;
                    let down = objective(&net, &x, &y, n, loss, &bayes, c, &noise);
                    net.theta_mut()[i] = keep;
                    let fd = (up - down) / (2.0 * h);
                    let what = if i < net.len() { "μ" } else { "ρ" };
                    assert!(
                        (fd - grad[i]).abs() <= 1e-7 * (1.0 + fd.abs()),
                        "{hidden}/{output}/{loss} {prior} {sampler:?}: ∂F/∂{what}[{}] = {} by hand, {fd} by differences",
                        i % net.len(),
                        grad[i]
                    );
                    checked += 1;
                }
                // The KL term is not negligible: without it the gradient differs.
                let mut bare = vec![0.0; grad.len()];
                net.objective_gradient(&x, &y, n, loss, &bayes, 0.0, &noise, &mut ws, &mut bare);
                assert!(bare.iter().zip(&grad).any(|(a, b)| (a - b).abs() > 1e-3));
            }
        }
    }
    assert_eq!(checked, 4 * (86 + 78 + 78)); // every μ and ρ of every case
}

#[test]
fn closed_form_gaussian_kl_matches_a_monte_carlo_estimate() {
    let mut rng = Rng::new(4);
    for (mu, sigma, sp) in [
        (0.0, 1.0, 1.0),
        (0.5, 0.2, 1.0),
        (-1.3, 0.05, 0.5),
        (2.0, 3.0, 1.5),
    ] {
        let draws = 200_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..draws {
            let e = rng.normal();
            let w = mu + sigma * e;
            let log_q = -0.5 * LN_2PI - f64::ln(sigma) - 0.5 * e * e;
            let v = log_q - Prior::Gaussian { sigma: sp }.log_density(w).0;
            sum += v;
            sq += v * v;
        }
        let mean = sum / draws as f64;
        let se = ((sq / draws as f64 - mean * mean) / draws as f64).sqrt();
        let exact = kl_gaussian(mu, sigma, sp);
        assert!(
            (mean - exact).abs() < 4.0 * se + 1e-12,
            "KL(N({mu}, {sigma}²) ‖ N(0, {sp}²)) = {exact}, Monte Carlo {mean} ± {se}"
        );
    }
    // The network's KL: the mixture of two equal components is the Gaussian, so the mean of
    // its one-sample estimates is the closed form.
    let net = net(Activation::Tanh, 2, Activation::Softmax, 3);
    let exact = net.kl(&Prior::Gaussian { sigma: 0.8 }, &Noise::default());
    let same = Prior::Mixture {
        pi: 0.4,
        sigma1: 0.8,
        sigma2: 0.8,
    };
    let (mut sum, mut sq, draws) = (0.0, 0.0, 20_000);
    let mut noise = Noise::default();
    for _ in 0..draws {
        noise.draw(&net, Sampler::Local, &same, 1, &mut rng);
        let v = net.kl(&same, &noise);
        sum += v;
        sq += v * v;
    }
    let mean = sum / draws as f64;
    let se = ((sq / draws as f64 - mean * mean) / draws as f64).sqrt();
    assert!((mean - exact).abs() < 4.0 * se, "{exact} vs {mean} ± {se}");
    assert!(exact > 1.0);
}

#[test]
fn sigma_is_positive_and_finite_for_every_rho() {
    for rho in [-1e4, -1000.0, -100.0, -30.0, -5.0, 0.0, 30.0, 1000.0] {
        let (s32, s64) = (sigma_t::<f32>(rho), sigma_t::<f64>(rho));
        assert!(s32 > 0.0 && s32.is_finite(), "f32 σ of ρ = {rho}: {s32}");
        assert!(s64 > 0.0 && s64.is_finite(), "f64 σ of ρ = {rho}: {s64}");
        assert!(kl_gaussian(0.1, s64, 1.0).is_finite());
        assert!(kl_gaussian(0.1, s32 as f64, 1.0).is_finite());
    }
    assert!((softplus(1.0) - (1.0f64 + 1f64.exp()).ln()).abs() < 1e-15);
    assert!((sigmoid(0.3) - 1.0 / (1.0 + (-0.3f64).exp())).abs() < 1e-16);
    // A posterior whose ρ went to −1000 still has a finite objective and gradient.
    let arch = Architecture::mlp(3, &[4], Activation::Tanh, 2, Activation::Softmax);
    let mu = Network::<f64>::new(arch.clone(), Init::HeUniform, 0)
        .unwrap()
        .params()
        .to_vec();
    let rho = vec![-1000.0; mu.len()];
    let net = BayesNet::from_parts(arch, mu, rho).unwrap();
    let (x, y) = batch(4, 2, 1);
    for sampler in [Sampler::Weights, Sampler::Local] {
        let bayes = BayesConfig {
            sampler,
            ..Default::default()
        };
        let mut noise = Noise::default();
        noise.draw(&net, sampler, &bayes.prior, 4, &mut Rng::new(1));
        let mut ws = BayesWorkspace::new(&net, 4, Threads::One).unwrap();
        let mut grad = vec![0.0; net.theta().len()];
        let step = net.objective_gradient(
            &x,
            &y,
            4,
            Loss::Cce,
            &bayes,
            0.01,
            &noise,
            &mut ws,
            &mut grad,
        );
        assert!(step.objective.is_finite(), "{sampler:?}");
        assert!(grad.iter().all(|g| g.is_finite()), "{sampler:?}");
    }
}

#[test]
fn local_reparameterization_has_the_moments_of_sampled_weights() {
    // One identity layer: Z = A·W + b, exactly Gaussian with mean γ and variance δ.
    let arch = Architecture::mlp(3, &[], Activation::Identity, 2, Activation::Identity);
    let mut net = BayesNet::<f64>::new(arch, Init::HeUniform, 2, 0.0).unwrap();
    let mut rng = Rng::new(8);
    for t in net.theta_mut() {
        *t += rng.uniform(-0.5, 0.5);
    }
    let n = 2;
    let (x, _) = batch(n, 2, 5);
    let mut ws = BayesWorkspace::new(&net, n, Threads::One).unwrap();
    let fixed = |e: f64| Noise {
        weights: Vec::new(),
        pre: vec![vec![e; n * 2]],
    };
    let gamma = net
        .sample_forward(&x, n, Sampler::Local, &fixed(0.0), &mut ws)
        .to_vec();
    let plus = net
        .sample_forward(&x, n, Sampler::Local, &fixed(1.0), &mut ws)
        .to_vec();
    let sd: Vec<f64> = plus.iter().zip(&gamma).map(|(p, g)| p - g).collect();
    let draws = 100_000;
    let (mut sum, mut sq) = (vec![0.0; n * 2], vec![0.0; n * 2]);
    let mut noise = Noise::default();
    for _ in 0..draws {
        noise.draw(&net, Sampler::Weights, &Prior::GAUSSIAN, n, &mut rng);
        let z = net.sample_forward(&x, n, Sampler::Weights, &noise, &mut ws);
        for i in 0..n * 2 {
            sum[i] += z[i];
            sq[i] += z[i] * z[i];
        }
    }
    for i in 0..n * 2 {
        let mean = sum[i] / draws as f64;
        let var = sq[i] / draws as f64 - mean * mean;
        let var_exact = sd[i] * sd[i];
        // standard errors of a Gaussian's sample mean and variance
        let (se_mean, se_var) = (
            (var_exact / draws as f64).sqrt(),
            var_exact * (2.0 / draws as f64).sqrt(),
        );
        assert!(
            (mean - gamma[i]).abs() < 4.0 * se_mean,
            "mean {i}: {mean} vs γ {}",
            gamma[i]
        );
        assert!(
            (var - var_exact).abs() < 4.0 * se_var,
            "variance {i}: {var} vs δ {var_exact}"
        );
    }
}

#[test]
fn with_sigma_near_zero_the_predictive_is_the_deterministic_network() {
    let mut net = net(Activation::Tanh, 3, Activation::Softmax, 6);
    let n = net.len();
    net.theta_mut()[n..].fill(-100.0); // σ ≈ 4e-44
    let det = net.mean_network().unwrap();
    let (x, _) = batch(7, 3, 2);
    let want = det.predict(&x).unwrap();
    for sampler in [Sampler::Weights, Sampler::Local] {
        let bayes = BayesConfig {
            sampler,
            ..Default::default()
        };
        let mut ws = BayesWorkspace::new(&net, 7, Threads::One).unwrap();
        let mut noise = Noise::default();
        let mut rng = Rng::new(1);
        noise.draw(&net, sampler, &bayes.prior, 7, &mut rng);
        let one = net.sample_forward(&x, 7, sampler, &noise, &mut ws).to_vec();
        if sampler == Sampler::Weights {
            // |μ| ≥ 0.05 everywhere: μ + 4e-44·ε rounds to μ, so the forward pass is bitwise
            assert_eq!(one, want, "{sampler:?}");
        }
        for s in [10, 100] {
            let got = net.predictive(&x, 7, s, &mut rng, &mut noise, &mut ws);
            let diff = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(diff < 1e-14, "{sampler:?}, S = {s}: {diff}");
        }
    }
    // And with a real σ the predictive is not the mean network's output.
    net.theta_mut()[n..].fill(-1.0);
    let mut ws = BayesWorkspace::new(&net, 7, Threads::One).unwrap();
    let got = net.predictive(&x, 7, 10, &mut Rng::new(1), &mut Noise::default(), &mut ws);
    assert!(got.iter().zip(&want).any(|(a, b)| (a - b).abs() > 1e-3));
    // every row of an averaged softmax still sums to 1
    assert!(
        got.chunks(3)
            .all(|r| (r.iter().sum::<f64>() - 1.0).abs() < 1e-12)
    );
}

#[test]
fn the_same_seed_gives_bitwise_the_same_steps() {
    let run = |seed: u64| -> (Vec<f32>, Vec<f32>) {
        let arch = Architecture::mlp(3, &[8], Activation::Tanh, 3, Activation::Softmax);
        let net = BayesNet::<f32>::new(arch, Init::HeUniform, 0, -3.0).unwrap();
        let mut rng = Rng::derived(seed, "bayes-noise");
        let mut out = Vec::new();
        let mut grads = Vec::new();
        let (x, y) = batch(6, 3, 9);
        let (x, y): (Vec<f32>, Vec<f32>) = (
            x.iter().map(|&v| v as f32).collect(),
            y.iter().map(|&v| v as f32).collect(),
        );
        for sampler in [Sampler::Weights, Sampler::Local] {
            let bayes = BayesConfig {
                sampler,
                prior: MIX,
                ..Default::default()
            };
            let mut noise = Noise::default();
            let mut ws = BayesWorkspace::new(&net, 6, Threads::One).unwrap();
            noise.draw(&net, sampler, &bayes.prior, 6, &mut rng);
            let mut grad = vec![0.0; net.theta().len()];
            net.objective_gradient(
                &x,
                &y,
                6,
                Loss::Cce,
                &bayes,
                0.1,
                &noise,
                &mut ws,
                &mut grad,
            );
            grads.extend(grad);
            out.extend(
                net.predictive(&x, 6, 3, &mut rng, &mut noise, &mut ws)
                    .iter()
                    .map(|&p| p as f32),
            );
        }
        (grads, out)
    };
    let (a, b) = (run(5), run(5));
    assert_eq!(
        a.0.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
        b.0.iter().map(|g| g.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(a.1, b.1);
    assert_ne!(a.0, run(6).0);
}

#[test]
fn config_and_prior_checks_name_the_setting() {
    let e = Prior::Gaussian { sigma: 0.0 }
        .validate()
        .unwrap_err()
        .to_string();
    assert!(e.contains("sigma") && e.contains("> 0"), "{e}");
    let e = Prior::Mixture {
        pi: 0.5,
        sigma1: 1.0,
        sigma2: f64::NAN,
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("sigma2"), "{e}");
    let e = BayesConfig {
        rho_init: 50.0,
        ..Default::default()
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("rho_init") && e.contains("50"), "{e}");
    let e = BayesConfig {
        temperature: -1.0,
        ..Default::default()
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("temperature"), "{e}");
    assert!(
        "laplace"
            .parse::<Prior>()
            .unwrap_err()
            .contains("valid: gaussian, mixture")
    );
    // Blundell's schedule halves from batch to batch and sums to 1.
    let w: Vec<f64> = (1..=4)
        .map(|i| KlWeighting::Blundell.weight(i, 4))
        .collect();
    assert_eq!(w, [8.0 / 15.0, 4.0 / 15.0, 2.0 / 15.0, 1.0 / 15.0]);
}
