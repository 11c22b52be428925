"""Reference numbers for tests/pytorch_golden.rs, computed by PyTorch in float64.

    python3 scripts/pytorch_golden.py > /tmp/golden.json

A 3 → 4 (tanh) → 2 (softmax) network with fixed weights on 5 fixed rows: the cross-entropy
loss, every gradient, then the parameters after 3 steps of each optimizer whose PyTorch form
mlplab provides (Adam; AdamW with decay on weights only; RMSprop = mlplab RMSProp without
bias correction; SGD with momentum = mlplab Momentum without bias correction, dampening 0).
"""

import json
import math

import torch

torch.set_default_dtype(torch.float64)

P, H, Q, N = 3, 4, 2, 5


def init():
    # Weights stored as mlplab does, W: in×out; torch.nn.Linear keeps out×in.
    w1 = torch.tensor([[math.sin(1.0 + i * H + j) * 0.8 for j in range(H)] for i in range(P)])
    b1 = torch.tensor([0.1 * math.cos(j) for j in range(H)])
    w2 = torch.tensor([[math.cos(2.0 + i * Q + j) * 0.7 for j in range(Q)] for i in range(H)])
    b2 = torch.tensor([-0.05, 0.05])
    return [t.clone().requires_grad_(True) for t in (w1, b1, w2, b2)]


X = torch.tensor([[math.sin(0.3 * (i * P + j)) for j in range(P)] for i in range(N)])
LABELS = torch.tensor([0, 1, 1, 0, 1])


def loss_of(params):
    w1, b1, w2, b2 = params
    a1 = torch.tanh(X @ w1 + b1)
    a2 = torch.softmax(a1 @ w2 + b2, dim=1)
    return -(torch.log(a2[torch.arange(N), LABELS])).mean()


def run(make_opt):
    params = init()
    opt = make_opt(params)
    for _ in range(3):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
    return [v for t in params for v in t.detach().flatten().tolist()]


params = init()
loss = loss_of(params)
loss.backward()
out = {
    "loss": loss.item(),
    "grad": [v for t in params for v in t.grad.flatten().tolist()],
    "adam": run(lambda p: torch.optim.Adam(p, lr=0.01)),
    "adamw": run(
        lambda p: torch.optim.AdamW(
            [{"params": [p[0], p[2]], "weight_decay": 0.1}, {"params": [p[1], p[3]], "weight_decay": 0.0}],
            lr=0.01,
        )
    ),
    "rmsprop": run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "sgd_momentum": run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
}
print(json.dumps(out))
