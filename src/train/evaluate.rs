//! Evaluation (SPEC §3's `J` and the accuracy) on a whole set, in large batches, and the
//! arg-max that decides a prediction.

#![warn(missing_docs)]

use crate::nn::error::Result;
use crate::nn::scalar::Scalar;
use crate::train::{Metrics, Samples, Trainer};

impl<T: Scalar> Trainer<T> {
    /// Cost and accuracy on `data`, in batches of `eval_batch` rows. The penalty uses the
    /// `N` of a full training batch; an empty set gives zero loss and accuracy.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// let m = trainer.evaluate(&data).unwrap();
    /// assert_eq!(m.cost, m.loss); // no penalty by default
    /// assert!([0.0, 0.5, 1.0].contains(&m.accuracy));
    /// ```
    pub fn evaluate(&mut self, data: &Samples) -> Result<Metrics> {
        self.check(data)?;
        let (p, q) = (data.width, data.classes);
        let reg = self.cfg.regularization;
        let penalty = self
            .net
            .penalty(&reg, reg.n(self.train_len, self.cfg.batch_size));
        let rows = self.eval_ws.rows();
        let (xb, yb) = (&mut self.x_eval, &mut self.y_eval);
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for start in (0..data.len()).step_by(rows) {
            let n = rows.min(data.len() - start);
            let rows_x = &data.x[start * p..(start + n) * p];
            // f32 data feeds an f32 network directly; other types get a converted copy.
            let x: &[T] = match T::view_f32(rows_x) {
                Some(x) => x,
                None => {
                    for (d, &s) in xb.iter_mut().zip(rows_x) {
                        *d = T::of(s as f64);
                    }
                    &xb[..n * p]
                }
            };
            let y = &mut yb[..n * q];
            y.fill(T::zero());
            let labels = &data.labels[start..start + n];
            for (i, &l) in labels.iter().enumerate() {
                y[i * q + l as usize] = T::one();
            }
            let out = self.net.forward(x, n, &mut self.eval_ws);
            loss_sum += self.cfg.loss.total(y, out, q);
            correct += count_correct(out, labels.iter().copied(), q);
        }
        let n = data.len().max(1) as f64;
        Ok(Metrics {
            cost: loss_sum / n + penalty,
            loss: loss_sum / n,
            accuracy: correct as f64 / n,
        })
    }
}

/// How many rows of `out` (n×q) have their arg-max at their label.
pub(super) fn count_correct<T: Scalar>(
    out: &[T],
    labels: impl Iterator<Item = u32>,
    q: usize,
) -> usize {
    out.chunks_exact(q)
        .zip(labels)
        .filter(|(row, label)| argmax(row) == *label as usize)
        .count()
}

/// Index of the largest value (first on ties; 0 for an empty row; NaNs are never chosen
/// over an earlier value). PyTorch's `argmax` does not promise which tie it returns.
///
/// ```
/// use mlplab::train::argmax;
/// assert_eq!(argmax(&[0.1f32, 0.7, 0.2]), 1);
/// assert_eq!(argmax(&[0.5f64, 0.5]), 0);
/// ```
pub fn argmax<T: Scalar>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
