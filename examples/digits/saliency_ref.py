#!/usr/bin/python3
"""Reference saliency maps for the digits CNN, computed by PyTorch.

Run from the repository top with Debian's python3 (python3-torch):
    /usr/bin/python3 examples/digits/saliency_ref.py
It reads examples/digits/model.bin (the network nn2rules runs, rebuilt here
as a torch network from the file's own weights) and test.csv, and writes
examples/digits/saliency.txt: for the first 10 test rows, the class the
network predicts and three maps of that class's logit over the 64 raw
pixels, made by autograd:

    gradient   |d logit / d pixel|
    deconvnet  Zeiler and Fergus: ReLU applied to the backward signal,
               the forward mask ignored (max pooling routes to its switch)
    guided     guided backpropagation: both

Format: a line "rows methods pixels", then per row and method a line
"row class method v1 ... v64" (%.9g).  tests/test_saliency.c compares the
runtime's maps with these to 1e-4 of each map's largest value.
"""
import csv
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"\x89N2R\r\n\x1a\n"
ROWS = 10


def read_model(path):
    """The chunks of a model.bin: (c, h, w), norm (mean, std) and layers,
    each (type, units, kh, kw, sh, sw, pad t l b r, dh, dw, flags, alpha,
    tensors)."""
    blob = open(path, "rb").read()
    assert blob[:8] == MAGIC, "not a model.bin"
    at, shape, norm, layers = 12, None, None, []
    while at < len(blob):
        tag, n = blob[at:at + 4], struct.unpack_from("<I", blob, at + 4)[0]
        p = blob[at + 8:at + 8 + n]
        at += 12 + n
        if tag == b"HEAD":
            shape = struct.unpack_from("<3I", p)
        elif tag == b"NORM":
            k = struct.unpack_from("<I", p)[0]
            a = np.frombuffer(p, "<f4", 2 * k, 4)
            norm = (a[:k].copy(), a[k:].copy())
        elif tag == b"LAYR":
            f = struct.unpack_from("<Ii4i4i2iIf", p)
            nt, q, ts = struct.unpack_from("<I", p, 56)[0], 60, []
            for _ in range(nt):
                k = struct.unpack_from("<I", p, q)[0]
                ts.append(np.frombuffer(p, "<f4", k, q + 4).copy())
                q += 4 + 4 * k
            layers.append(f + (ts,))
        elif tag == b"END ":
            break
    return shape, norm, layers


class Relu(torch.autograd.Function):
    """ReLU whose backward pass is the true gradient, the deconvnet's or
    guided backpropagation's."""
    mode = "plain"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if Relu.mode == "plain":
            return g * (x > 0)
        if Relu.mode == "deconvnet":
            return g.clamp(min=0)
        return g.clamp(min=0) * (x > 0)


def run(shape, norm, layers, x):
    """The logits of raw inputs x (n x 64), the final softmax left out."""
    c, h, w = shape
    t = (x - torch.from_numpy(norm[0])) / torch.from_numpy(norm[1]) if norm else x
    t = t.reshape(-1, c, h, w)
    for i, (typ, units, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, flags, alpha, ts) in enumerate(layers):
        last = i == len(layers) - 1
        if typ == 1:  # dense
            wt = torch.from_numpy(ts[0]).reshape(units, -1)
            t = t.reshape(t.shape[0], -1) @ wt.T + torch.from_numpy(ts[1])
        elif typ == 2:  # conv2d
            cin = t.shape[1]
            wt = torch.from_numpy(ts[0]).reshape(units, cin, kh, kw)
            t = F.conv2d(F.pad(t, (pl, pr, pt, pb)), wt, torch.from_numpy(ts[1]), (sh, sw), 0, (dh, dw))
        elif typ == 3:  # maxpool2d
            t = F.max_pool2d(F.pad(t, (pl, pr, pt, pb), value=-float("inf")), (kh, kw), (sh, sw))
        elif typ == 5:  # global average pool
            t = t.mean(dim=(2, 3), keepdim=True)
        elif typ == 6:  # flatten
            t = t.reshape(t.shape[0], -1)
        elif typ == 7:
            t = Relu.apply(t)
        elif typ == 11 and last:
            break
        elif typ == 12:  # batch norm
            g, b, m, v = (torch.from_numpy(a).reshape(1, -1, 1, 1) for a in ts)
            t = g * (t - m) / torch.sqrt(v + alpha) + b
        else:
            raise SystemExit("saliency_ref.py: layer type %d is not handled" % typ)
    return t


def main():
    shape, norm, layers = read_model(os.path.join(HERE, "model.bin"))
    with open(os.path.join(HERE, "test.csv")) as f:
        rows = [r for r in csv.reader(f)][1:ROWS + 1]
    x = torch.tensor([[float(v) for v in r[:64]] for r in rows], dtype=torch.float64)
    layers64 = [l[:-1] + ([a.astype(np.float64) for a in l[-1]],) for l in layers]
    norm64 = (norm[0].astype(np.float64), norm[1].astype(np.float64)) if norm else None
    out = ["%d 3 64" % len(rows)]
    for i in range(len(rows)):
        xi = x[i:i + 1]
        with torch.no_grad():
            k = int(run(shape, norm64, layers64, xi).argmax())
        for method in ("gradient", "deconvnet", "guided"):
            Relu.mode = "plain" if method == "gradient" else method
            xg = xi.clone().requires_grad_(True)
            run(shape, norm64, layers64, xg)[0, k].backward()
            g = xg.grad[0].numpy()
            if method == "gradient":
                g = np.abs(g)
            out.append("%d %d %s %s" % (i + 1, k, method, " ".join("%.9g" % v for v in g)))
    with open(os.path.join(HERE, "saliency.txt"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote %s (%d rows, torch %s)" % (os.path.join(HERE, "saliency.txt"), len(rows), torch.__version__))


if __name__ == "__main__":
    sys.exit(main())
