"""The work `mlplab bench` times, done by PyTorch, for a ratio measured in the same session.

Same network (inputs → 4×128 LeakyReLU(0.1) → 10 softmax), f32, batch 100, quadratic cost
½‖a − y‖² averaged over the batch, Adam(lr=1e-3), 10,000 synthetic rows, one warm-up epoch
then the median of the timed epochs; then the median time to evaluate cost and accuracy on
all rows without gradients, in batches of 1,000 (as `mlplab bench`'s s/eval and as every
epoch of a study does for each evaluation set). Prints one JSON object.

    python3 scripts/pytorch_reference.py --threads 1 --epochs 5
"""

import argparse
import json
import statistics
import time

import torch


def epoch_seconds(inputs, rows, batch, epochs, threads):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    x = torch.rand(rows, inputs)
    labels = torch.randint(0, 10, (rows,))
    y = torch.nn.functional.one_hot(labels, 10).float()
    layers = []
    width = inputs
    for _ in range(4):
        layers += [torch.nn.Linear(width, 128), torch.nn.LeakyReLU(0.1)]
        width = 128
    layers += [torch.nn.Linear(width, 10), torch.nn.Softmax(dim=1)]
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    times = []
    for epoch in range(epochs + 1):
        order = torch.randperm(rows)
        start = time.perf_counter()
        for i in range(0, rows, batch):
            idx = order[i : i + batch]
            a = net(x[idx])
            loss = 0.5 * ((a - y[idx]) ** 2).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if epoch > 0:
            times.append(time.perf_counter() - start)
    eval_times = []
    with torch.no_grad():
        for _ in range(epochs):
            start = time.perf_counter()
            cost, correct = 0.0, 0
            for i in range(0, rows, 1000):
                a = net(x[i : i + 1000])
                cost += 0.5 * ((a - y[i : i + 1000]) ** 2).sum().item()
                correct += (a.argmax(1) == labels[i : i + 1000]).sum().item()
            eval_times.append(time.perf_counter() - start)
    return statistics.median(times), times, statistics.median(eval_times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--inputs", type=int, nargs="+", default=[784, 3072])
    args = p.parse_args()
    out = {"torch": torch.__version__, "threads": args.threads, "shapes": []}
    for inputs in args.inputs:
        median, times, evaluation = epoch_seconds(inputs, args.rows, args.batch, args.epochs, args.threads)
        out["shapes"].append(
            {"inputs": inputs, "seconds_per_epoch": median, "epoch_seconds": times, "eval_seconds": evaluation}
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
