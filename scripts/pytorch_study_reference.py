"""One run of the study's protocol in PyTorch, timed, for comparison with `mlplab sweep`.

The protocol of SPEC §7 on MNIST-shaped data: 10,000 training rows, 10,000 CV rows,
784 → 4×128 LeakyReLU(0.1) → 10 softmax, quadratic cost on the softmax output, batch 100,
20 epochs, training and CV cost and accuracy after every epoch (and before the first),
evaluated without gradients in batches of 1,000. f32, `--threads` threads (default 1).
Prints one JSON line: seconds for the whole run.

    python3 scripts/pytorch_study_reference.py --optimizer adam --threads 1
"""

import argparse
import json
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "rmsprop", "adam"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--l2", type=float, default=0.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, d = 10000, 784
    x = torch.rand(2 * n, d)
    labels = torch.randint(0, 10, (2 * n,))
    y = torch.nn.functional.one_hot(labels, 10).float()
    layers, width = [], d
    for _ in range(4):
        layers += [torch.nn.Linear(width, 128), torch.nn.LeakyReLU(0.1)]
        width = 128
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10), torch.nn.Softmax(dim=1))
    lr = {"sgd": 0.5, "momentum": 0.5, "rmsprop": 1e-3, "adam": 1e-3}[args.optimizer]
    opt = {
        "sgd": lambda: torch.optim.SGD(net.parameters(), lr=lr),
        "momentum": lambda: torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9),
        "rmsprop": lambda: torch.optim.RMSprop(net.parameters(), lr=lr, alpha=0.999),
        "adam": lambda: torch.optim.Adam(net.parameters(), lr=lr),
    }[args.optimizer]()
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]

    def evaluate(lo, hi):
        with torch.no_grad():
            cost, correct = 0.0, 0
            for i in range(lo, hi, 1000):
                a = net(x[i : i + 1000])
                cost += 0.5 * ((a - y[i : i + 1000]) ** 2).sum().item()
                correct += (a.argmax(1) == labels[i : i + 1000]).sum().item()
            penalty = args.l2 / (2 * n) * sum((w**2).sum().item() for w in weights)
            return cost / (hi - lo) + penalty, correct / (hi - lo)

    start = time.perf_counter()
    history = [(evaluate(0, n), evaluate(n, 2 * n))]
    for _ in range(args.epochs):
        order = torch.randperm(n)
        for i in range(0, n, 100):
            idx = order[i : i + 100]
            a = net(x[idx])
            loss = 0.5 * ((a - y[idx]) ** 2).sum(1).mean()
            if args.l2:
                loss = loss + args.l2 / (2 * n) * sum((w**2).sum() for w in weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        history.append((evaluate(0, n), evaluate(n, 2 * n)))
    seconds = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "optimizer": args.optimizer, "threads": args.threads, "seconds": seconds}))


if __name__ == "__main__":
    main()
