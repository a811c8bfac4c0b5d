#!/usr/bin/python3
"""Train the wdbc example: an MLP 30-16-8-2 on the Wisconsin diagnostic
breast cancer data.

Run from anywhere with Debian's python3 (python3-torch, python3-sklearn):
    /usr/bin/python3 examples/wdbc/train.py
It rewrites data.csv, train.csv, test.csv, model.bin, model.onnx,
vectors.txt, hidden.txt and README.md in this directory.  Deterministic.
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
EPOCHS, LR, BATCH, WD, DROPOUT = 60, 0.001, 32, 1e-4, 0.2

nm.setup_determinism(SEED)
from sklearn.datasets import load_breast_cancer  # noqa: E402
import sklearn  # noqa: E402

ds = load_breast_cancer()
x = ds.data.astype(np.float64)
y = ds.target.astype(np.int64)
names = [str(n).replace(" ", "_") for n in ds.feature_names]
classes = [str(c) for c in ds.target_names]          # malignant (0), benign (1)
assert classes == ["malignant", "benign"] and len(names) == 30

features = [(n, "continuous", -1, float(x[:, j].min()), float(x[:, j].max()))
            for j, n in enumerate(names)]

tr, te = nm.stratified_split(y, 0.25, SEED)
nm.write_csv(os.path.join(HERE, "data.csv"), names, x, classes, y)
nm.write_csv(os.path.join(HERE, "train.csv"), names, x[tr], classes, y[tr])
nm.write_csv(os.path.join(HERE, "test.csv"), names, x[te], classes, y[te])

mean = x[tr].mean(axis=0).astype(np.float32)
std = x[tr].std(axis=0)
std = np.where(std > 0, std, 1.0).astype(np.float32)

xtr = nm.normalize(x[tr], mean, std)
xte = nm.normalize(x[te], mean, std)
ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])

net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Dropout(DROPOUT),
                    nn.Linear(16, 8), nn.ReLU(),
                    nn.Linear(8, 2), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("wdbc: train accuracy %.4f, test accuracy %.4f, final train loss %.4f" % (acc_tr, acc_te, final_loss))

desc = ("wdbc: MLP 30-16-8-2 (ReLU hidden layers, dropout %g between them, softmax out) on the "
        "Wisconsin diagnostic breast cancer data (scikit-learn %s load_breast_cancer). Trained "
        "with Adam lr %g, weight decay %g, batch %d, %d epochs, cross-entropy, on standardized "
        "inputs (training split mean/std, in NORM). Stratified 75/25 split (random_state %d): "
        "train accuracy %.4f, test accuracy %.4f."
        % (DROPOUT, sklearn.__version__, LR, WD, BATCH, EPOCHS, SEED, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, (30,), "classifier", features, classes,
               mean, std, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(HERE, "train.csv"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 20 rows of the test split, then 5 random points
rng = np.random.default_rng(SEED)
vin = np.concatenate([x[te][:20].astype(np.float32), nm.random_points(rng, features, 5)])
with torch.no_grad():
    z = nm.normalize(vin, mean, std)
    vout = net(z).numpy()
    vhid = net[:2](z).numpy()          # after the first ReLU
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)
nm.write_vectors(os.path.join(HERE, "hidden.txt"), vin, vhid)

with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# wdbc

Wisconsin Diagnostic Breast Cancer (WDBC, Wolberg, Street and Mangasarian,
1995): 569 fine-needle aspirates of breast masses, 212 malignant and 357
benign. Each row has 30 real-valued features: the mean, standard error
("error") and worst (mean of the three largest) value of ten properties of
the cell nuclei in the image (radius, texture, perimeter, area, smoothness,
compactness, concavity, concave points, symmetry, fractal dimension).

**Source.** Copied from scikit-learn's bundled copy
(`sklearn.datasets.load_breast_cancer`, python3-sklearn %(skv)s in Debian).
Feature names are sklearn's with spaces replaced by underscores
(`mean_radius`, ..., `worst_fractal_dimension`); classes in sklearn's
order: `malignant`, `benign`.

**Files.**

| file | what |
|---|---|
| `data.csv` | all 569 rows: the 30 features and `class` |
| `train.csv`, `test.csv` | fixed stratified 75/25 split (%(ntr)d / %(nte)d rows; `train_test_split`, `random_state=%(seed)d`) |
| `model.bin` | the trained network in nn2rules' model format, taking raw feature values (NORM holds the training split's mean and std) |
| `model.onnx` | the same network as ONNX (opset 13, input `input`, output `output`, dynamic batch), written from model.bin by `nn2rules convert model.bin -o model.onnx`; it takes raw inputs like model.bin (the normalization is Sub and Div nodes at its head) and carries the names in metadata_props. Dropout, the identity at inference, is not in the ONNX graph |
| `vectors.txt` | 20 test rows + 5 random points in the feature ranges, raw inputs then PyTorch's softmax outputs (`%%.9g`) |
| `hidden.txt` | the same 25 inputs, each followed by the 16 activations after the first ReLU (layer 1, 0-based); first line `30 16 25` |
| `train.py` | the script that made all of the above |

**Network.** Linear(30, 16) - ReLU - Dropout(%(drop)g) - Linear(16, 8) - ReLU -
Linear(8, 2) - Softmax; inputs standardized with the training split's mean
and (population) standard deviation. model.bin layers, 0-based: 0 dense,
1 relu, 2 dropout, 3 dense, 4 relu, 5 dense, 6 softmax.

**Training.** Adam, learning rate %(lr)g, weight decay %(wd)g, mini-batches of
%(batch)d, %(epochs)d epochs, cross-entropy on the logits (the final Softmax is
applied at inference), seed %(seed)d, one thread (torch %(tv)s). The number of
epochs and the weight decay were chosen by 5-fold cross-validation on the
training split alone (the test split played no part).

**Accuracy.** train %(acc_tr).2f%%, test %(acc_te).2f%% (%(nte)d test rows).

Retrain: `/usr/bin/python3 examples/wdbc/train.py` from the repository top.
""" % dict(skv=sklearn.__version__, ntr=len(tr), nte=len(te), seed=SEED, lr=LR, wd=WD,
           batch=BATCH, epochs=EPOCHS, drop=DROPOUT, tv=torch.__version__,
           acc_tr=100 * acc_tr, acc_te=100 * acc_te))
