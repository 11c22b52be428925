//! The original report's final figures (SPEC §7, He uniform init), and which of this
//! study's runs they can be compared with.

/// One optimizer's final numbers in the original's Tables 1–3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaperRow {
    /// `sgd`, `momentum`, `rmsprop` or `adam`.
    pub optimizer: &'static str,
    /// Final training cost (MSE on softmax).
    pub train_cost: f64,
    /// Final CV cost (MSE on softmax).
    pub cv_cost: f64,
    /// Final training accuracy.
    pub train_acc: f64,
    /// Final CV accuracy.
    pub cv_acc: f64,
}

/// One of the original's tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaperTable {
    /// The dataset as the original names it.
    pub name: &'static str,
    /// The init these numbers are for (always He uniform in the original).
    pub init: &'static str,
    /// The λ the comparison is made at.
    pub l2: f64,
    /// Epochs the original trained for.
    pub epochs: i64,
    /// A caveat about λ, printed under the comparison.
    pub l2_note: Option<&'static str>,
    /// The loss the original's costs are for.
    pub loss: &'static str,
    /// One row per optimizer, in the original's order.
    pub rows: [PaperRow; 4],
}

const fn row(optimizer: &'static str, tc: f64, cc: f64, ta: f64, ca: f64) -> PaperRow {
    PaperRow {
        optimizer,
        train_cost: tc,
        cv_cost: cc,
        train_acc: ta,
        cv_acc: ca,
    }
}

/// Table 1: CIFAR-10, λ = 0, 40 epochs.
pub const CIFAR10: PaperTable = PaperTable {
    name: "CIFAR-10",
    init: "he",
    l2: 0.0,
    epochs: 40,
    l2_note: None,
    loss: "mse",
    rows: [
        row("sgd", 0.2498, 0.2857, 0.3800, 0.3369),
        row("momentum", 0.3138, 0.3379, 0.3038, 0.2739),
        row("rmsprop", 0.3787, 0.4177, 0.3051, 0.2675),
        row("adam", 0.4089, 0.4392, 0.2987, 0.2720),
    ],
};

/// Table 2: MNIST, 20 epochs. Its caption says λ = 0, its text λ = 1; compared at λ = 0.
pub const MNIST: PaperTable = PaperTable {
    name: "MNIST",
    init: "he",
    l2: 0.0,
    epochs: 20,
    l2_note: Some(
        "the original's Table 2 caption says λ = 0, its text λ = 1 (SPEC §8); compared here at λ = 0",
    ),
    loss: "mse",
    rows: [
        row("sgd", 0.0371, 0.0482, 0.8996, 0.8711),
        row("momentum", 0.0376, 0.0521, 0.9099, 0.8799),
        row("rmsprop", 0.0283, 0.0378, 0.9317, 0.9142),
        row("adam", 0.0435, 0.0633, 0.9145, 0.8810),
    ],
};

/// Table 3: Fashion-MNIST, λ = 0, 20 epochs.
pub const FASHION_MNIST: PaperTable = PaperTable {
    name: "Fashion-MNIST",
    init: "he",
    l2: 0.0,
    epochs: 20,
    l2_note: None,
    loss: "mse",
    rows: [
        row("sgd", 0.0717, 0.0778, 0.7876, 0.7705),
        row("momentum", 0.0748, 0.0859, 0.8173, 0.7950),
        row("rmsprop", 0.0818, 0.0960, 0.8155, 0.7911),
        row("adam", 0.0913, 0.1050, 0.8118, 0.7918),
    ],
};

/// Which of the original's tables a dataset is compared with, and a note naming the
/// variant when it is not the original's dataset itself (`cifar10-jpeg` → CIFAR-10).
pub fn paper_table(dataset: &str) -> Option<(&'static PaperTable, Option<String>)> {
    match dataset {
        "mnist" => Some((&MNIST, None)),
        "fashion-mnist" | "fashion_mnist" | "fmnist" => Some((&FASHION_MNIST, None)),
        "cifar10" | "cifar-10" => Some((&CIFAR10, None)),
        d if d.starts_with("cifar10") => Some((
            &CIFAR10,
            Some(format!(
                "this study ran the `{d}` variant; it is compared with the original's CIFAR-10 numbers"
            )),
        )),
        _ => None,
    }
}

/// Whether `dataset` is some variant of CIFAR-10 (for the claims about CIFAR-10).
pub fn is_cifar10(dataset: &str) -> bool {
    dataset.starts_with("cifar10") || dataset == "cifar-10"
}

impl PaperTable {
    /// The original's row for `optimizer`.
    pub fn row(&self, optimizer: &str) -> Option<&PaperRow> {
        self.rows.iter().find(|r| r.optimizer == optimizer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_named() {
        assert!(paper_table("mnist").is_some_and(|(t, n)| t.name == "MNIST" && n.is_none()));
        let (t, note) = paper_table("cifar10-jpeg").expect("cifar variant");
        assert_eq!(t.name, "CIFAR-10");
        assert!(note.is_some_and(|n| n.contains("cifar10-jpeg")));
        assert!(paper_table("spirals").is_none());
        assert_eq!(MNIST.row("rmsprop").map(|r| r.cv_acc), Some(0.9142));
    }
}
