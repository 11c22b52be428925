"""Writes the PyTorch goldens that tests/pytorch_golden.rs reads: tests/goldens/*.json.

Run from the repository root, with PyTorch installed (any Python environment):

    python3 scripts/pytorch_golden.py

Everything is float64. Each file holds one network, its fixed starting parameters (in
mlplab's layout: per layer W, inputs×width row-major, then b), a fixed small training set
(rows `x`, class `labels`), and for each optimizer the batches it steps on with, at every
step, the cost J on that batch before the update, every gradient of J, and the parameters
after the update. Its `header` records the command that wrote it, the PyTorch and Python
versions and the date. The test needs no PyTorch: the files are committed.

- cce_tanh.json: 3 → 4 (tanh) → 2 (softmax), cross-entropy, no penalty, three full-batch
  steps of each optimizer whose PyTorch form mlplab provides (Adam; AdamW with decay on
  weights only; RMSprop = mlplab RMSProp without bias correction; SGD with momentum =
  mlplab Momentum without bias correction, dampening 0).
- study_setting.json: the study's own setting (SPEC §3, §5, §7) on a smaller network:
  4 → 5 → 4 (LeakyReLU(0.1)) → 3 (softmax), MSE on the softmax output, the L2 penalty
  λ/(2N) Σ w² with λ = 0.25 and N = 12, the training-set size (the batches have 5, 5, 2 rows),
  five steps over two shuffled epochs of SGD, bias-corrected Momentum and bias-corrected
  RMSProp (which PyTorch does not ship: written below from SPEC §5 on torch tensors, with
  autograd for the gradients) and Adam (torch.optim.Adam). Inputs and starting parameters
  are multiples of 2⁻¹⁰, exact in float32 too, so the test can also feed them to mlplab's
  Trainer (whose features are f32).
"""

import datetime
import json
import math
import os
import platform
import shlex
import sys

import torch

torch.set_default_dtype(torch.float64)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "goldens")


def header(about):
    return {
        "command": shlex.join([sys.executable, *sys.argv]),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        "dtype": "float64",
        "about": about,
    }


def flat(tensors):
    return [v for t in tensors for v in t.detach().flatten().tolist()]


def dyadic(v):
    """`v` rounded to a multiple of 2⁻¹⁰: exact in float32 and float64, short in JSON."""
    return round(v * 1024.0) / 1024.0


class Problem:
    """A network (weights stored as mlplab does, W: in×out), a loss and a training set."""

    def __init__(self, widths, hidden, loss, l2, x, labels, params):
        self.widths, self.hidden, self.loss, self.l2 = widths, hidden, loss, l2
        self.x = torch.tensor(x)
        self.labels = torch.tensor(labels)
        self.classes = widths[-1]
        self.params = params

    def fresh(self):
        return [torch.tensor(p).requires_grad_(True) for p in self.params]

    def cost(self, params, rows):
        """J on the batch `rows` (SPEC §3): mean loss + (λ/2N) Σ_l Σ w², N = training-set size."""
        x, labels = self.x[rows], self.labels[rows]
        a = x
        depth = len(params) // 2
        for l in range(depth):
            z = a @ params[2 * l] + params[2 * l + 1]
            if l < depth - 1:
                # No pre-activation on a kink: the derivative there is a convention.
                assert z.abs().min().item() > 1e-6, "a pre-activation is (nearly) 0"
                a = self.hidden(z)
            else:
                a = torch.softmax(z, dim=1)
        y = torch.nn.functional.one_hot(labels, self.classes).to(a.dtype)
        if self.loss == "mse":
            mean_loss = (0.5 * ((a - y) ** 2).sum(dim=1)).mean()
        else:
            mean_loss = -(torch.log(a[torch.arange(len(rows)), labels])).mean()
        n = len(self.labels)
        penalty = self.l2 / (2 * n) * sum((w**2).sum() for w in params[0::2])
        return mean_loss + penalty


def run(problem, batches, update):
    """Steps `update` over `batches`; records J before, the gradient, the parameters after."""
    params = problem.fresh()
    steps = []
    for t, rows in enumerate(batches, start=1):
        for p in params:
            p.grad = None
        cost = problem.cost(params, rows)
        cost.backward()
        grads = [p.grad.clone() for p in params]
        update(params, t)
        steps.append({"rows": rows, "loss": cost.item(), "grad": flat(grads), "params": flat(params)})
    return steps


def torch_optimizer(make):
    """An update that is one step of a torch.optim optimizer made by `make(params)`."""
    state = {}

    def update(params, t):
        if "opt" not in state:
            state["opt"] = make(params)
        state["opt"].step()

    return update


def momentum_bias_corrected(lr, beta):
    """SPEC §5 Momentum: v ← β v + (1−β) g;  θ ← θ − α v / (1 − βᵗ)."""
    v = {}

    def update(params, t):
        with torch.no_grad():
            for i, p in enumerate(params):
                v[i] = beta * v.get(i, torch.zeros_like(p)) + (1 - beta) * p.grad
                p -= lr / (1 - beta**t) * v[i]

    return update


def rmsprop_bias_corrected(lr, beta, eps):
    """SPEC §5 RMSProp: s ← β s + (1−β) g²;  θ ← θ − α g / (√(s / (1 − βᵗ)) + ε)."""
    s = {}

    def update(params, t):
        with torch.no_grad():
            for i, p in enumerate(params):
                g = p.grad
                s[i] = beta * s.get(i, torch.zeros_like(p)) + (1 - beta) * g * g
                p -= lr * g / (torch.sqrt(s[i] / (1 - beta**t)) + eps)

    return update


def optimizer(kind, lr, **over):
    """mlplab's OptimizerConfig as its serde form (the defaults are mlplab's, SPEC §5)."""
    cfg = {
        "kind": kind,
        "lr": lr,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "bias_correction": True,
        "dampening": None,
        "weight_decay": 0.0,
    }
    cfg.update(over)
    return cfg


def layers_json(widths, activations):
    return [{"width": w, "activation": a} for w, a in zip(widths[1:], activations)]


def cce_tanh():
    p, h, q = 3, 4, 2
    n = 5
    w1 = [[math.sin(1.0 + i * h + j) * 0.8 for j in range(h)] for i in range(p)]
    b1 = [0.1 * math.cos(j) for j in range(h)]
    w2 = [[math.cos(2.0 + i * q + j) * 0.7 for j in range(q)] for i in range(h)]
    b2 = [-0.05, 0.05]
    x = [[math.sin(0.3 * (i * p + j)) for j in range(p)] for i in range(n)]
    labels = [0, 1, 1, 0, 1]
    prob = Problem([p, h, q], torch.tanh, "cce", 0.0, x, labels, [w1, b1, w2, b2])
    batches = [list(range(n))] * 3
    runs = [
        ("Adam", "torch.optim.Adam(lr=0.01)", optimizer("adam", 0.01),
         lambda ps: torch.optim.Adam(ps, lr=0.01)),
        ("AdamW", "torch.optim.AdamW(lr=0.01), weight_decay 0.1 on weights, 0 on biases",
         optimizer("adam", 0.01, weight_decay=0.1),
         lambda ps: torch.optim.AdamW(
             [{"params": [ps[0], ps[2]], "weight_decay": 0.1},
              {"params": [ps[1], ps[3]], "weight_decay": 0.0}], lr=0.01)),
        ("RMSprop", "torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=1e-8)",
         optimizer("rmsprop", 0.01, beta2=0.9, bias_correction=False),
         lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8)),
        ("SGD momentum", "torch.optim.SGD(lr=0.1, momentum=0.9)",
         optimizer("momentum", 0.1, bias_correction=False, dampening=0.0),
         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    ]
    return {
        "header": header(
            "3 → 4 (tanh) → 2 (softmax), cross-entropy, no penalty; 3 full-batch steps of "
            "each optimizer whose PyTorch form mlplab provides"
        ),
        "architecture": {"inputs": p, "layers": layers_json([p, h, q], ["tanh", "softmax"])},
        "loss": "cce",
        "l2": 0.0,
        "x": x,
        "labels": labels,
        "params": flat(prob.fresh()),
        "runs": [
            {"name": name, "torch": what, "optimizer": cfg,
             "steps": run(prob, batches, torch_optimizer(make))}
            for name, what, cfg, make in runs
        ],
    }


def study_setting():
    widths = [4, 5, 4, 3]
    n = 12
    lam = 0.25
    x = [[dyadic(math.sin(0.7 * (i * widths[0] + j) + 0.3)) for j in range(widths[0])]
         for i in range(n)]
    labels = [0, 1, 2, 2, 1, 0, 1, 2, 0, 0, 2, 1]
    params = []
    k = 0
    for p, q in zip(widths, widths[1:]):
        bound = math.sqrt(6.0 / p)  # He uniform's range (SPEC §6)
        w = []
        for i in range(p):
            row = []
            for j in range(q):
                k += 1
                row.append(dyadic(bound * math.sin(2.3 * k + 0.1)))
            w.append(row)
        params.append(w)
        params.append([dyadic(0.05 * math.cos(1.7 * (j + q))) for j in range(q)])
    leaky = lambda z: torch.nn.functional.leaky_relu(z, 0.1)
    prob = Problem(widths, leaky, "mse", lam, x, labels, params)
    # Two shuffled epochs in batches of 5: 5, 5, 2 rows, then 5, 5.
    epoch1 = [3, 7, 0, 11, 5, 9, 1, 4, 10, 2, 8, 6]
    epoch2 = [10, 4, 1, 8, 6, 0, 11, 3, 9, 5, 2, 7]
    batches = [epoch1[0:5], epoch1[5:10], epoch1[10:12], epoch2[0:5], epoch2[5:10]]
    runs = [
        ("SGD", "torch.optim.SGD(lr=0.5)", optimizer("sgd", 0.5),
         torch_optimizer(lambda ps: torch.optim.SGD(ps, lr=0.5))),
        ("Momentum (bias-corrected)", "by hand from SPEC §5: v ← β v + (1−β) g; θ ← θ − α v/(1−βᵗ)",
         optimizer("momentum", 0.5), momentum_bias_corrected(0.5, 0.9)),
        ("RMSProp (bias-corrected)", "by hand from SPEC §5: s ← β s + (1−β) g²; θ ← θ − α g/(√(s/(1−βᵗ)) + ε)",
         optimizer("rmsprop", 0.01), rmsprop_bias_corrected(0.01, 0.999, 1e-8)),
        ("Adam", "torch.optim.Adam(lr=0.01)", optimizer("adam", 0.01),
         torch_optimizer(lambda ps: torch.optim.Adam(ps, lr=0.01))),
    ]
    acts = ["leaky-relu(0.1)", "leaky-relu(0.1)", "softmax"]
    return {
        "header": header(
            "the study's setting: 4 → 5 → 4 (LeakyReLU(0.1)) → 3 (softmax), MSE on softmax, "
            "L2 λ/(2N) with λ = 0.25 and N = 12 (training set; batches of 5, 5, 2), five steps "
            "of SGD, bias-corrected Momentum and RMSProp (by hand from SPEC §5) and Adam"
        ),
        "architecture": {"inputs": widths[0], "layers": layers_json(widths, acts)},
        "loss": "mse",
        "l2": lam,
        "x": x,
        "labels": labels,
        "params": flat(prob.fresh()),
        "runs": [
            {"name": name, "torch": what, "optimizer": cfg, "steps": run(prob, batches, update)}
            for name, what, cfg, update in runs
        ],
    }


def dumps(value, indent=""):
    """JSON with one line per number list (and per row of a matrix), objects indented."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, make in [("cce_tanh", cce_tanh), ("study_setting", study_setting)]:
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps(make()) + "\n")
        print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
