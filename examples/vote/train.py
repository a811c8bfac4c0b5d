#!/usr/bin/python3
"""Train the vote example: a 16-6-2 network with sigmoid hidden units on the
1984 United States Congressional Voting Records (Weka's vote.arff).

Run from anywhere with Debian's python3 (python3-torch, python3-sklearn):
    /usr/bin/python3 examples/vote/train.py
It reads vote.arff in this directory (copied from Debian's weka package,
/usr/share/doc/weka/examples/vote.arff) and rewrites data.csv, train.csv,
test.csv, model.bin, model.onnx, vectors.txt and README.md.  Deterministic.
"""
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import nn2rules_model as nm  # noqa: E402

SEED = 0
EPOCHS, LR, BATCH, WD, HIDDEN = 60, 0.01, 16, 1e-3, 6

nm.setup_determinism(SEED)
import sklearn  # noqa: E402


def read_arff(path):
    """The small subset of ARFF that vote.arff uses: nominal attributes with
    quoted values, '?' for missing, comma-separated data rows."""
    attrs, rows, in_data = [], [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("%"):
                continue
            if in_data:
                rows.append([v.strip().strip("'") for v in line.split(",")])
                continue
            low = line.lower()
            if low.startswith("@attribute"):
                m = re.match(r"@attribute\s+'([^']*)'\s*\{(.*)\}\s*$", line, re.I)
                values = [v.strip().strip("'") for v in m.group(2).split(",")]
                attrs.append((m.group(1), values))
            elif low.startswith("@data"):
                in_data = True
    return attrs, rows


attrs, rows = read_arff(os.path.join(HERE, "vote.arff"))
assert len(attrs) == 17 and attrs[-1][0] == "Class" and len(rows) == 435
names = [a[0] for a in attrs[:-1]]
assert all(a[1] == ["n", "y"] for a in attrs[:-1])
classes = attrs[-1][1]                                 # democrat, republican (ARFF order)
assert classes == ["democrat", "republican"]

# y = 1, n = 0, ? = NaN until imputed
x = np.array([[{"y": 1.0, "n": 0.0, "?": np.nan}[v] for v in r[:-1]] for r in rows])
y = np.array([classes.index(r[-1]) for r in rows], dtype=np.int64)
n_missing = int(np.isnan(x).sum())
rows_missing = int(np.isnan(x).any(axis=1).sum())

tr, te = nm.stratified_split(y, 0.25, SEED)
# impute '?' with the attribute's majority value in the training split
# (ties would go to 'y'; there are none)
majority, ties = [], []
for j in range(x.shape[1]):
    col = x[tr, j]
    ny, nn_ = int(np.sum(col == 1)), int(np.sum(col == 0))
    if ny == nn_:
        ties.append(names[j])
    majority.append(1.0 if ny >= nn_ else 0.0)
assert not ties, ties
majority = np.array(majority)
x = np.where(np.isnan(x), majority[None, :], x)

features = [(n, "boolean", -1, 0.0, 1.0) for n in names]

nm.write_csv(os.path.join(HERE, "data.csv"), names, x, classes, y)
nm.write_csv(os.path.join(HERE, "train.csv"), names, x[tr], classes, y[tr])
nm.write_csv(os.path.join(HERE, "test.csv"), names, x[te], classes, y[te])

# no normalization: the network takes the 0/1 votes as they are
xtr = nm.normalize(x[tr], None, None)
xte = nm.normalize(x[te], None, None)
ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])

net = nn.Sequential(nn.Linear(16, HIDDEN), nn.Sigmoid(), nn.Linear(HIDDEN, 2), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("vote: train accuracy %.4f, test accuracy %.4f, final train loss %.4f" % (acc_tr, acc_te, final_loss))

desc = ("vote: 16-%d-2 network (sigmoid hidden units, softmax out) on the 1984 US Congressional "
        "Voting Records (Weka's vote.arff). Votes y=1, n=0; missing votes imputed with the "
        "attribute's majority in the training split. Trained with Adam lr %g, weight decay %g, "
        "batch %d, %d epochs, cross-entropy. Stratified 75/25 split (random_state %d): train "
        "accuracy %.4f, test accuracy %.4f."
        % (HIDDEN, LR, WD, BATCH, EPOCHS, SEED, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, (16,), "classifier", features, classes,
               None, None, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(HERE, "train.csv"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 20 rows of the test split, then 5 random 0/1 points
rng = np.random.default_rng(SEED)
vin = np.concatenate([x[te][:20].astype(np.float32), nm.random_points(rng, features, 5)])
with torch.no_grad():
    vout = net(nm.normalize(vin, None, None)).numpy()
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)

imputed = "\n".join("| `%s` | %s |" % (n, "y (1)" if m else "n (0)") for n, m in zip(names, majority))
with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# vote

1984 United States Congressional Voting Records: how each of the 435
members of the House of Representatives (267 democrats, 168 republicans)
voted on 16 key votes identified by the Congressional Quarterly Almanac
(98th Congress, 2nd session). Donor: Jeff Schlimmer, 1987; see the comment
block at the top of `vote.arff` for the full description.

**Source.** `vote.arff` is an unmodified copy of Weka's example file
`/usr/share/doc/weka/examples/vote.arff` (Debian package weka 3.6.14, not
gzipped there). It is kept here so that nn2rules' ARFF reader can be
demonstrated on it; note that it still holds the `?` missing values, which
the model cannot take.

**Encoding.** y = 1, n = 0. The CSV files use the ARFF attribute names
(`handicapped-infants`, ..., `export-administration-act-south-africa`: plain
ASCII without commas or quotes, so valid CSV header entries as they are) and
`class` for the ARFF's `Class`. The ARFF has %(nmiss)d missing votes (`?`) in
%(rmiss)d of the 435 rows; in `data.csv`, `train.csv` and `test.csv` every `?`
is replaced by the attribute's majority value in the **training split**
(there were no ties):

| attribute | imputed value |
|---|---|
%(imputed)s

**Files.**

| file | what |
|---|---|
| `vote.arff` | the original data (with `?`), from Weka |
| `data.csv` | all 435 rows, 0/1 votes (imputed as above) and `class` |
| `train.csv`, `test.csv` | fixed stratified 75/25 split (%(ntr)d / %(nte)d rows; `train_test_split`, `random_state=%(seed)d`) |
| `model.bin` | the trained network in nn2rules' model format; features Boolean, range 0..1; no NORM chunk (the network takes the 0/1 votes as they are) |
| `model.onnx` | the same network as ONNX (opset 13, input `input`, output `output`, dynamic batch), written from model.bin by `nn2rules convert model.bin -o model.onnx`, with the names in metadata_props |
| `vectors.txt` | 20 test rows + 5 random 0/1 points, inputs then PyTorch's softmax outputs (`%%.9g`) |
| `train.py` | the script that made all of the above |

**Network.** Linear(16, %(hid)d) - Sigmoid - Linear(%(hid)d, 2) - Softmax. The
hidden units are sigmoids on purpose: Tsukimoto's extraction method wants
sigmoid units (approximated by Boolean functions) and Boolean inputs.

**Training.** Adam, learning rate %(lr)g, weight decay %(wd)g, mini-batches of
%(batch)d, %(epochs)d epochs, cross-entropy on the logits (the final Softmax is
applied at inference), seed %(seed)d, one thread (torch %(tv)s). The number of
epochs and the weight decay were chosen by 5-fold cross-validation on the
training split alone (the test split played no part).

**Accuracy.** train %(acc_tr).2f%%, test %(acc_te).2f%% (%(nte)d test rows).

Retrain: `/usr/bin/python3 examples/vote/train.py` from the repository top.
""" % dict(nmiss=n_missing, rmiss=rows_missing, imputed=imputed, ntr=len(tr), nte=len(te),
           seed=SEED, hid=HIDDEN, lr=LR, wd=WD, batch=BATCH, epochs=EPOCHS,
           tv=torch.__version__, acc_tr=100 * acc_tr, acc_te=100 * acc_te))
