#!/usr/bin/python3
"""Train the iris example: an MLP 4-8-3 (ReLU, Softmax) on Fisher's iris data.

Run from anywhere with Debian's python3 (python3-torch, python3-sklearn):
    /usr/bin/python3 examples/iris/train.py
It rewrites data.csv, train.csv, test.csv, model.bin, model.onnx,
vectors.txt and README.md in this directory.  Deterministic: same packages,
same bytes.
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
EPOCHS, LR, BATCH, WD = 300, 0.01, 16, 0.0

nm.setup_determinism(SEED)
from sklearn.datasets import load_iris  # noqa: E402
import sklearn  # noqa: E402

ds = load_iris()
x = ds.data.astype(np.float64)
y = ds.target.astype(np.int64)
names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
classes = [str(c) for c in ds.target_names]          # setosa, versicolor, virginica
assert classes == ["setosa", "versicolor", "virginica"]

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

net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("iris: train accuracy %.4f, test accuracy %.4f, final train loss %.4f" % (acc_tr, acc_te, final_loss))

desc = ("iris: MLP 4-8-3 (ReLU hidden, softmax out) on Fisher's iris data "
        "(scikit-learn %s load_iris). Trained with Adam lr %g, batch %d, %d epochs, "
        "cross-entropy, on standardized inputs (training split mean/std, in NORM). "
        "Stratified 75/25 split (random_state %d): train accuracy %.4f, test accuracy %.4f."
        % (sklearn.__version__, LR, BATCH, EPOCHS, SEED, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, (4,), "classifier", features, classes,
               mean, std, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(HERE, "train.csv"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 20 rows of the test split, then 5 random points
rng = np.random.default_rng(SEED)
vin = np.concatenate([x[te][:20].astype(np.float32), nm.random_points(rng, features, 5)])
with torch.no_grad():
    vout = net(nm.normalize(vin, mean, std)).numpy()
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)

with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# iris

Fisher's iris data: 150 flowers, 50 of each of three species (setosa,
versicolor, virginica), four measurements in centimetres (sepal_length,
sepal_width, petal_length, petal_width).

**Source.** Copied from scikit-learn's bundled copy (`sklearn.datasets.load_iris`,
python3-sklearn %(skv)s in Debian). Feature names are sklearn's without the
"(cm)" unit, with underscores.

**Files.**

| file | what |
|---|---|
| `data.csv` | all 150 rows: the four measurements and `class` (species name) |
| `train.csv`, `test.csv` | fixed stratified 75/25 split (%(ntr)d / %(nte)d rows; `train_test_split`, `random_state=%(seed)d`) |
| `model.bin` | the trained network in nn2rules' model format, taking raw centimetres (NORM holds the training split's mean and std) |
| `model.onnx` | the same network as ONNX (opset 13, input `input`, output `output`, dynamic batch), written from model.bin by `nn2rules convert model.bin -o model.onnx`; it takes raw inputs like model.bin (the normalization is Sub and Div nodes at its head) and carries the names in metadata_props |
| `vectors.txt` | 20 test rows + 5 random points in the feature ranges, raw inputs then PyTorch's softmax outputs (`%%.9g`) |
| `train.py` | the script that made all of the above |

**Network.** Linear(4, 8) - ReLU - Linear(8, 3) - Softmax; inputs standardized
with the training split's mean and (population) standard deviation.

**Training.** Adam, learning rate %(lr)g, mini-batches of %(batch)d, %(epochs)d epochs,
cross-entropy on the logits (the final Softmax is applied at inference),
seed %(seed)d, one thread (torch %(tv)s).

**Accuracy.** train %(acc_tr).2f%%, test %(acc_te).2f%% (%(nte)d test rows).

Retrain: `/usr/bin/python3 examples/iris/train.py` from the repository top.
""" % dict(skv=sklearn.__version__, ntr=len(tr), nte=len(te), seed=SEED, lr=LR, batch=BATCH,
           epochs=EPOCHS, tv=torch.__version__, acc_tr=100 * acc_tr, acc_te=100 * acc_te))
