#!/usr/bin/python3
"""Train the digits example: a small CNN on the 8x8 handwritten digits.

Run from anywhere with Debian's python3 (python3-torch, python3-sklearn):
    /usr/bin/python3 examples/digits/train.py
It rewrites data.csv, train.csv, test.csv, model.bin, model.onnx,
vectors.txt and README.md in this directory.  Deterministic.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import nn2rules_model as nm  # noqa: E402

SEED = 0
EPOCHS, LR, BATCH, WD = 40, 0.01, 32, 1e-4
C1, C2 = 8, 16                                        # channels of the two convolutions

nm.setup_determinism(SEED)
from sklearn.datasets import load_digits  # noqa: E402
import sklearn  # noqa: E402

ds = load_digits()
x = ds.data.astype(np.float64)                        # (1797, 64), row-major 8x8, 0..16
y = ds.target.astype(np.int64)
assert x.shape == (1797, 64) and x.min() == 0 and x.max() == 16
names = ["px_%d_%d" % (r, c) for r in range(8) for c in range(8)]
classes = [str(d) for d in range(10)]
features = [(n, "integer", -1, 0.0, 16.0) for n in names]

tr, te = nm.stratified_split(y, 0.25, SEED)
nm.write_csv(os.path.join(HERE, "data.csv"), names, x, classes, y)
nm.write_csv(os.path.join(HERE, "train.csv"), names, x[tr], classes, y[tr])
nm.write_csv(os.path.join(HERE, "test.csv"), names, x[te], classes, y[te])

# the same scale for every pixel: x / 16, so the network sees 0..1
mean = np.zeros(64, dtype=np.float32)
std = np.full(64, 16.0, dtype=np.float32)
SHAPE = (1, 8, 8)


def prep(xraw):
    return nm.normalize(xraw, mean, std).reshape((-1,) + SHAPE)


xtr, xte = prep(x[tr]), prep(x[te])
ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])

net = nn.Sequential(
    nn.Conv2d(1, C1, 3, padding=1), nn.BatchNorm2d(C1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(C1, C2, 3, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    nn.Linear(C2, 10), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("digits: train accuracy %.4f, test accuracy %.4f, final train loss %.4f" % (acc_tr, acc_te, final_loss))

desc = ("digits: CNN Conv2d(1,%d,3,pad 1)-BatchNorm-ReLU-MaxPool(2)-Conv2d(%d,%d,3,pad 1)-ReLU-"
        "global average pool-Flatten-Dense(10)-softmax on the 8x8 handwritten digits "
        "(scikit-learn %s load_digits; pixels 0..16, scaled by 1/16 through NORM). Trained with "
        "Adam lr %g, weight decay %g, batch %d, %d epochs, cross-entropy. Stratified 75/25 split "
        "(random_state %d): train accuracy %.4f, test accuracy %.4f."
        % (C1, C1, C2, sklearn.__version__, LR, WD, BATCH, EPOCHS, SEED, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, SHAPE, "classifier", features, classes,
               mean, std, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(HERE, "train.csv"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 20 rows of the test split, then 5 random images
# (every pixel a whole number in 0..16)
rng = np.random.default_rng(SEED)
vin = np.concatenate([x[te][:20].astype(np.float32), nm.random_points(rng, features, 5)])
with torch.no_grad():
    vout = net(prep(vin)).numpy()
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)

n_params = sum(p.numel() for p in net.parameters())
with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# digits

Optical recognition of handwritten digits (UCI; Alpaydin and Kaynak, 1998),
scikit-learn's version: 1797 images of 8x8 pixels, each pixel the count of
set pixels in a 4x4 block of the original 32x32 bitmap (a whole number
0..16); classes "0" to "9" (about 180 of each).

**Source.** Copied from scikit-learn's bundled copy (`sklearn.datasets.load_digits`,
python3-sklearn %(skv)s in Debian).

**Features.** 64 pixels named `px_R_C` (row R, column C, both 0..7), in
row-major order `px_0_0`, `px_0_1`, ..., `px_7_7`: the model's input shape is
(c, h, w) = (1, 8, 8) and its inputs are flattened in that C, H, W order.
Type integer, range 0..16.

**Normalization.** Pixels are not standardized one by one: model.bin's NORM
chunk has mean 0 and std 16 for every pixel, so the model takes raw 0..16
pixel values and the network sees 0..1.

**Files.**

| file | what |
|---|---|
| `data.csv` | all 1797 images: 64 pixel columns `px_0_0` .. `px_7_7`, then `class` |
| `train.csv`, `test.csv` | fixed stratified 75/25 split (%(ntr)d / %(nte)d rows; `train_test_split`, `random_state=%(seed)d`) |
| `model.bin` | the trained network in nn2rules' model format, taking raw 0..16 pixels |
| `model.onnx` | the same network as ONNX (opset 13, input `input` of shape (batch, 1, 8, 8), output `output`, dynamic batch), written from model.bin by `nn2rules convert model.bin -o model.onnx`; it takes raw inputs like model.bin (the normalization is Sub and Div nodes at its head) and carries the names in metadata_props. BatchNorm is kept as its own BatchNormalization node (not folded into the convolution) |
| `vectors.txt` | 20 test images + 5 random images (pixels uniform in 0..16), raw pixels then PyTorch's softmax outputs (`%%.9g`) |
| `train.py` | the script that made all of the above |
| `saliency.txt` | PyTorch's gradient, deconvnet and guided-backpropagation maps of the predicted class's logit for the first 10 test rows, from model.bin's own weights; written by `saliency_ref.py` (`/usr/bin/python3 examples/digits/saliency_ref.py`), read by `tests/test_saliency.c` |

**Network** (%(npar)d parameters):

    Conv2d(1, %(c1)d, 3, padding=1) - BatchNorm2d(%(c1)d) - ReLU - MaxPool2d(2)
    - Conv2d(%(c1)d, %(c2)d, 3, padding=1) - ReLU - AdaptiveAvgPool2d(1) (global average pool)
    - Flatten - Linear(%(c2)d, 10) - Softmax

Shapes: (1,8,8) -> (%(c1)d,8,8) -> (%(c1)d,4,4) -> (%(c2)d,4,4) -> (%(c2)d,1,1) -> %(c2)d -> 10.

**Training.** Adam, learning rate %(lr)g, weight decay %(wd)g, mini-batches of
%(batch)d, %(epochs)d epochs, cross-entropy on the logits (the final Softmax is
applied at inference), seed %(seed)d, one thread (torch %(tv)s).

**Accuracy.** train %(acc_tr).2f%%, test %(acc_te).2f%% (%(nte)d test images).

Retrain: `/usr/bin/python3 examples/digits/train.py` from the repository top.
""" % dict(skv=sklearn.__version__, ntr=len(tr), nte=len(te), seed=SEED, c1=C1, c2=C2,
           npar=n_params, lr=LR, wd=WD, batch=BATCH, epochs=EPOCHS, tv=torch.__version__,
           acc_tr=100 * acc_tr, acc_te=100 * acc_te))
