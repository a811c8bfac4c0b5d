#!/usr/bin/python3
"""torch_forward.py - the PyTorch side of `make bench`: the same networks,
single-threaded, timed the same way as bench_forward.c (best of five rounds
of at least 0.2 s, batch 1 and 1000).  Reads model.bin with the independent
parser in examples/check_model.py and rebuilds the network in torch.

    /usr/bin/python3 bench/torch_forward.py MODEL...
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import check_model  # noqa: E402


def build(model):
    layers, shape = [], model["shape"]
    for L in model["layers"]:
        t, T = L["type"], L["tensors"]
        if t == 1:
            w = torch.tensor(T[0], dtype=torch.float32).reshape(L["units"], -1)
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            lin.weight.data, lin.bias.data = w, torch.tensor(T[1], dtype=torch.float32)
            if len(shape) == 3 and (shape[1] != 1 or shape[2] != 1):
                layers.append(torch.nn.Flatten())
            layers.append(lin)
        elif t == 2:
            cin = len(T[0]) // (L["units"] * L["kh"] * L["kw"])
            pt, pl, pb, pr = L["pad"]
            if (pt, pl) != (pb, pr):
                layers.append(torch.nn.ZeroPad2d((pl, pr, pt, pb)))
                pt = pl = 0
            conv = torch.nn.Conv2d(cin, L["units"], (L["kh"], L["kw"]), (L["sh"], L["sw"]),
                                   (pt, pl), (L["dh"], L["dw"]))
            conv.weight.data = torch.tensor(T[0], dtype=torch.float32).reshape(conv.weight.shape)
            conv.bias.data = torch.tensor(T[1], dtype=torch.float32)
            layers.append(conv)
        elif t == 3:
            layers.append(torch.nn.MaxPool2d((L["kh"], L["kw"]), (L["sh"], L["sw"]), L["pad"][0]))
        elif t == 4:
            layers.append(torch.nn.AvgPool2d((L["kh"], L["kw"]), (L["sh"], L["sw"]), L["pad"][0],
                                             count_include_pad=bool(L["flags"] & 1)))
        elif t == 5:
            layers.append(torch.nn.AdaptiveAvgPool2d(1))
        elif t == 6:
            layers.append(torch.nn.Flatten())
        elif t in (7, 8, 9, 10):
            layers.append({7: torch.nn.ReLU(), 8: torch.nn.LeakyReLU(float(L["alpha"])),
                           9: torch.nn.Sigmoid(), 10: torch.nn.Tanh()}[t])
        elif t == 11:
            layers.append(torch.nn.Softmax(dim=1))
        elif t == 12:
            bn = torch.nn.BatchNorm2d(len(T[0]), eps=float(L["alpha"]))
            for p, v in zip((bn.weight, bn.bias, bn.running_mean, bn.running_var), T):
                p.data = torch.tensor(v, dtype=torch.float32)
            layers.append(bn)
        elif t == 13:
            layers.append(torch.nn.Dropout())
        shape = L.get("out", shape)
    return torch.nn.Sequential(*layers).eval()


def bench(net, shape, batch, lo, hi):
    x = torch.tensor(lo + (hi - lo) * np.random.rand(batch, int(np.prod(shape))),
                     dtype=torch.float32).reshape((batch,) + tuple(shape))
    if len(shape) == 3 and shape[1] == 1 and shape[2] == 1:
        x = x.reshape(batch, -1)
    best = 1e30
    with torch.no_grad():
        net(x)
        for _ in range(5):
            calls, t0 = 0, time.perf_counter()
            while True:
                net(x)
                calls += 1
                t = time.perf_counter() - t0
                if t >= 0.2:
                    break
            best = min(best, t / (calls * batch))
    return best


def main(paths):
    torch.set_num_threads(1)
    for path in paths:
        with open(path, "rb") as f:
            model = check_model.parse_model(f.read())
        net = build(model)
        feats = model["features"]
        lo = np.array([f[3] for f in feats]) if feats else 0.0
        hi = np.array([f[4] for f in feats]) if feats else 1.0
        d = os.path.basename(os.path.dirname(path)) if path.endswith("/model.bin") else os.path.basename(path)
        for batch in (1, 1000):
            t = bench(net, model["shape"], batch, lo, hi)
            print("forward %s batch=%d us_per_sample=%.3f samples_per_s=%.0f" % (d, batch, t * 1e6, 1 / t))


if __name__ == "__main__":
    main(sys.argv[1:])
