use mlplab::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ds = &args[1];
    let loss: Loss = args[2].parse().unwrap();
    let epochs: usize = args[3].parse().unwrap();
    let opts = mlplab::data::LoadOptions { data_dir: Some("../shared/data".into()), ..Default::default() };
    let t = std::time::Instant::now();
    let d = mlplab::data::load(ds, &opts).unwrap();
    eprintln!("loaded {} in {:.1}s from {}", ds, t.elapsed().as_secs_f64(), d.train.source);
    let w = d.train.n_features;
    let train = Samples::new(&d.train.features, &d.train.labels, w, 10).unwrap();
    let cv = Samples::new(&d.cv.features, &d.cv.labels, w, 10).unwrap();
    let jobs: Vec<(OptimizerKind, f64)> = args[4..].iter().map(|s| { let (k, lr) = s.split_once('=').unwrap(); (k.parse().unwrap(), lr.parse().unwrap()) }).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= jobs.len() { break; }
                let (kind, lr) = jobs[i];
                let net = Network::<f32>::new(Architecture::study(w, 10), Init::HeUniform, 0).unwrap();
                let cfg = TrainConfig { loss, optimizer: OptimizerConfig::new(kind, lr), epochs, ..Default::default() };
                let t = std::time::Instant::now();
                match fit(net, &cfg, &train, &[train, cv], &mut ()) {
                    Ok((_, h)) => { let l = h.last().unwrap(); println!("{ds} {loss} {kind} lr={lr}: train acc {:.4} cv acc {:.4} cv cost {:.4} ({:.1}s)", l.evals[0].accuracy, l.evals[1].accuracy, l.evals[1].cost, t.elapsed().as_secs_f64()) }
                    Err(e) => println!("{ds} {loss} {kind} lr={lr}: {e}"),
                }
            });
        }
    });
}
