#!/usr/bin/python3
"""torch_saliency.py - PyTorch's side of the saliency benchmark (bench/run.sh).

    torch_saliency.py ROWS [fashion-cnn]

Gradient maps of the predicted class's logit for the first ROWS rows of
examples/digits/test.csv (or of the Fashion-MNIST t10k images, for
examples/fashion-cnn), one row at a time as a user of autograd would make
them, on one thread, with the network rebuilt from model.bin by
examples/digits/saliency_ref.py.  Prints

    torch saliency NAME rows=N seconds=T maps_per_s=R
"""
import os
import sys
import time

import torch

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "examples", "digits"))
import saliency_ref as ref  # noqa: E402

torch.set_num_threads(1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 450
    name = sys.argv[2] if len(sys.argv) > 2 else "digits"
    shape, norm, layers = ref.read_model(os.path.join(TOP, "examples", name, "model.bin"))
    if name == "digits":
        with open(os.path.join(TOP, "examples", "digits", "test.csv")) as f:
            rows = [r.strip().split(",") for r in f][1:n + 1]
        x = torch.tensor([[float(v) for v in r[:64]] for r in rows], dtype=torch.float32)
    else:
        import gzip
        import numpy as np
        with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
            a = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)[:n]
        x = torch.from_numpy(a.astype(np.float32))
        rows = list(range(len(x)))
    layers32 = layers
    t0 = time.perf_counter()
    for i in range(len(rows)):
        xg = x[i:i + 1].clone().requires_grad_(True)
        out = ref.run(shape, norm, layers32, xg)
        out[0, int(out.argmax())].backward()
        _ = xg.grad.abs()
    t = time.perf_counter() - t0
    print("torch saliency %s rows=%d seconds=%.4f maps_per_s=%.1f" % (name, len(rows), t, len(rows) / t))


if __name__ == "__main__":
    main()
