#!/usr/bin/python3
"""sklearn_tree.py - scikit-learn's side of the tree benchmarks (bench/run.sh).

    sklearn_tree.py timing IMAGES LABELS N PRED_CSV [--name NAME]

Reads the first N images of an IDX images file (gzipped or not), takes the
network's labels of those rows from PRED_CSV (what `nn2rules run MODEL --data
IMAGES --labels LABELS` writes: columns row, predicted, p_<class>...; the
predicted column holds class names, numbered by the order of the p_<class>
columns), fits DecisionTreeClassifier(random_state=0) with its defaults
(Gini, unbounded) on them, best of three fits, and prints

    tree NAME n=N setting=sklearn seconds=T leaves=L nodes=K train_fidelity=F

LABELS (the IDX labels file) is only checked to hold at least N labels: the
tree learns the network's labels, not the true ones.  NAME defaults to
"fashion".

    sklearn_tree.py fidelity TRAIN_CSV TEST_CSV TRAIN_PRED TEST_PRED LEAVES

Fits DecisionTreeClassifier(max_leaf_nodes=LEAVES, random_state=0) on the
training CSV's features (every column but `class`) with the network's labels
from TRAIN_PRED (`nn2rules run` on TRAIN_CSV) and prints its agreement with
the network on the held-out rows (TEST_PRED, `nn2rules run` on TEST_CSV):

    fidelity NAME sklearn leaves=L test_fidelity=F

NAME is the directory of TRAIN_CSV (examples/iris/train.csv -> iris).

    sklearn_tree.py ceiling TRAIN_IMAGES TRAIN_PRED TEST_IMAGES TEST_PRED LEAVES...

For each LEAVES, fits DecisionTreeClassifier(max_leaf_nodes=LEAVES,
random_state=0) with Gini and with entropy on every training image, labelled
by the network (TRAIN_PRED, `nn2rules run` on TRAIN_IMAGES), and prints its
agreement with the network on those images and on the test images:

    ceiling CRITERION leaves=L train_fidelity=F test_fidelity=G

How far axis-aligned trees of a given size can follow the network, for the
goals stated in leaves.

Both modes run on one thread.  Exit status 0 on success, 2 on a usage error,
1 on any other error.
"""
import csv
import gzip
import os
import struct
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

RUNS = 3


def die(msg, status=1):
    sys.stderr.write("sklearn_tree.py: %s\n" % msg)
    sys.exit(status)


def read_idx(path, count=None):
    """The first count items of an unsigned-byte IDX file as a numpy array
    of shape (count,) + item shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(4)
        if len(head) != 4:
            die("%s: not an IDX file" % path)
        zero, dtype, ndim = struct.unpack(">HBB", head)
        if zero != 0 or dtype != 0x08 or ndim < 1:
            die("%s: not an unsigned-byte IDX file" % path)
        dims = struct.unpack(">%dI" % ndim, f.read(4 * ndim))
        item = int(np.prod(dims[1:])) if ndim > 1 else 1
        n = dims[0] if count is None else min(count, dims[0])
        data = f.read(n * item)
    if len(data) != n * item:
        die("%s: truncated" % path)
    return np.frombuffer(data, dtype=np.uint8).reshape((n,) + tuple(dims[1:]))


def read_predictions(path):
    """Network labels from `nn2rules run` output: class indices, by the order
    of the p_<class> columns."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:2] != ["row", "predicted"]:
        die("%s: not the output of `nn2rules run` (header row,predicted,...)" % path)
    classes = []
    for h in rows[0][2:]:
        if not h.startswith("p_"):
            die("%s: column %r: expected p_<class>" % (path, h))
        classes.append(h[2:])
    index = {c: k for k, c in enumerate(classes)}
    y = np.empty(len(rows) - 1, dtype=np.int64)
    for i, r in enumerate(rows[1:]):
        if len(r) < 2 or r[1] not in index:
            die("%s: line %d: predicted class %r is not a p_<class> column"
                % (path, i + 2, r[1] if len(r) > 1 else ""))
        y[i] = index[r[1]]
    return y, classes


def read_features(path):
    """Every column of a CSV but `class`, as float32."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        die("%s: empty" % path)
    keep = [j for j, h in enumerate(rows[0]) if h != "class"]
    try:
        x = np.array([[float(r[j]) for j in keep] for r in rows[1:]], dtype=np.float32)
    except (ValueError, IndexError) as e:
        die("%s: %s" % (path, e))
    return x


def paired_predictions(train, xtr, train_pred, test, xte, test_pred):
    """The network's labels of the training and the test rows (xtr, xte,
    read from train and test), checked to name the same classes and to have
    a label for every row: (ytr, yte, classes)."""
    ytr, ctr = read_predictions(train_pred)
    yte, cte = read_predictions(test_pred)
    if ctr != cte:
        die("%s and %s name different classes" % (train_pred, test_pred))
    for path, x, pred, y in ((train, xtr, train_pred, ytr), (test, xte, test_pred, yte)):
        if x.shape[0] != y.shape[0]:
            die("%s has %d rows, %s %d" % (path, x.shape[0], pred, y.shape[0]))
    return ytr, yte, ctr


def sklearn_or_die():
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError:
        die("scikit-learn is not installed (python3-sklearn)")
    return DecisionTreeClassifier


def timing(args):
    name = "fashion"
    if len(args) == 6 and args[4] == "--name":
        name = args[5]
        args = args[:4]
    if len(args) != 4:
        die("usage: sklearn_tree.py timing IMAGES LABELS N PRED_CSV [--name NAME]", 2)
    images, labels, n_text, pred = args
    try:
        n = int(n_text)
    except ValueError:
        n = 0
    if n < 1:
        die("N wants a whole number of at least 1, not %r" % n_text, 2)
    DecisionTreeClassifier = sklearn_or_die()
    x = read_idx(images, n)
    n = x.shape[0]
    x = np.ascontiguousarray(x.reshape(n, -1), dtype=np.float32)
    if read_idx(labels, n).shape[0] < n:
        die("%s: fewer labels than images" % labels)
    y, _classes = read_predictions(pred)
    if y.shape[0] < n:
        die("%s: %d rows, need %d" % (pred, y.shape[0], n))
    y = y[:n]
    best, clf = float("inf"), None
    for _ in range(RUNS):
        c = DecisionTreeClassifier(random_state=0)
        t0 = time.perf_counter()
        c.fit(x, y)
        t = time.perf_counter() - t0
        if t < best:
            best = t
        clf = c
    fid = float((clf.predict(x) == y).mean())
    print("tree %s n=%d setting=sklearn seconds=%.3f leaves=%d nodes=%d train_fidelity=%.4f"
          % (name, n, best, clf.get_n_leaves(), clf.tree_.node_count, fid))


def fidelity(args):
    if len(args) != 5:
        die("usage: sklearn_tree.py fidelity TRAIN_CSV TEST_CSV TRAIN_PRED TEST_PRED LEAVES", 2)
    train_csv, test_csv, train_pred, test_pred, leaves_text = args
    try:
        leaves = int(leaves_text)
    except ValueError:
        leaves = 0
    if leaves < 1:
        die("LEAVES wants a whole number of at least 1, not %r" % leaves_text, 2)
    DecisionTreeClassifier = sklearn_or_die()
    xtr, xte = read_features(train_csv), read_features(test_csv)
    ytr, yte, ctr = paired_predictions(train_csv, xtr, train_pred, test_csv, xte, test_pred)
    if leaves >= 2:
        clf = DecisionTreeClassifier(max_leaf_nodes=leaves, random_state=0).fit(xtr, ytr)
        got, pte = clf.get_n_leaves(), clf.predict(xte)
    else:
        # a single leaf: the majority class (lowest index on ties), as a tree would say
        got, pte = 1, np.full(xte.shape[0], np.bincount(ytr, minlength=len(ctr)).argmax())
    name = os.path.basename(os.path.dirname(os.path.abspath(train_csv)))
    fid = float((pte == yte).mean()) if yte.shape[0] else 0.0
    print("fidelity %s sklearn leaves=%d test_fidelity=%.4f" % (name, got, fid))


def ceiling(args):
    if len(args) < 5:
        die("usage: sklearn_tree.py ceiling TRAIN_IMAGES TRAIN_PRED TEST_IMAGES TEST_PRED LEAVES...", 2)
    train_images, train_pred, test_images, test_pred = args[:4]
    sizes = []
    for text in args[4:]:
        try:
            sizes.append(int(text))
        except ValueError:
            sizes.append(0)
        if sizes[-1] < 2:
            die("LEAVES wants whole numbers of at least 2, not %r" % text, 2)
    DecisionTreeClassifier = sklearn_or_die()
    xtr, xte = read_idx(train_images), read_idx(test_images)
    xtr = np.ascontiguousarray(xtr.reshape(xtr.shape[0], -1), dtype=np.float32)
    xte = np.ascontiguousarray(xte.reshape(xte.shape[0], -1), dtype=np.float32)
    ytr, yte, _classes = paired_predictions(train_images, xtr, train_pred, test_images, xte, test_pred)
    for leaves in sizes:
        for criterion in ("gini", "entropy"):
            clf = DecisionTreeClassifier(max_leaf_nodes=leaves, criterion=criterion, random_state=0).fit(xtr, ytr)
            print("ceiling %s leaves=%d train_fidelity=%.4f test_fidelity=%.4f"
                  % (criterion, clf.get_n_leaves(), float((clf.predict(xtr) == ytr).mean()),
                     float((clf.predict(xte) == yte).mean())), flush=True)


def main(argv):
    if len(argv) < 2 or argv[1] not in ("timing", "fidelity", "ceiling"):
        die("usage: sklearn_tree.py timing IMAGES LABELS N PRED_CSV [--name NAME]\n"
            "       sklearn_tree.py fidelity TRAIN_CSV TEST_CSV TRAIN_PRED TEST_PRED LEAVES\n"
            "       sklearn_tree.py ceiling TRAIN_IMAGES TRAIN_PRED TEST_IMAGES TEST_PRED LEAVES...", 2)
    try:
        if argv[1] == "timing":
            timing(argv[2:])
        elif argv[1] == "fidelity":
            fidelity(argv[2:])
        else:
            ceiling(argv[2:])
    except (OSError, EOFError) as e:
        die(str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
