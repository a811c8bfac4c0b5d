#!/usr/bin/python3
"""Train the fashion example: an MLP 784-64-32-10 (ReLU, Softmax) on Fashion-MNIST.

Run from anywhere with Debian's python3 (python3-torch; scikit-learn is not
needed) and the Debian package dataset-fashion-mnist installed:
    /usr/bin/python3 examples/fashion/train.py
It rewrites model.bin, model.onnx, vectors.txt and README.md in this
directory.  The images are not copied here (60,000 + 10,000 images are too
big for the repository): they are read from the Debian package.
Deterministic: same packages, same bytes.
"""
import os
import sys

# one thread: Debian's torch does its matrix products through OpenBLAS, whose
# threads torch.set_num_threads does not govern; set before numpy/torch load it
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import nn2rules_model as nm  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"
SEED = 0
EPOCHS, LR, BATCH, WD = 20, 0.001, 64, 0.0
H1, H2 = 64, 32
N_VECTORS = 10

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


nm.setup_determinism(SEED)

if not os.path.isdir(DATA_DIR):
    sys.exit("train.py: %s not found: apt-get install dataset-fashion-mnist" % DATA_DIR)
xtr_raw, ytr_np = nm.load_idx_pair(DATA_DIR, "train")
xte_raw, yte_np = nm.load_idx_pair(DATA_DIR, "t10k")
assert xtr_raw.shape == (60000, 784) and xte_raw.shape == (10000, 784)

names = ["px_%d_%d" % (r, c) for r in range(28) for c in range(28)]
features = [(n, "integer", -1, 0.0, 255.0) for n in names]
assert all("," not in c for c in CLASSES)

# the same scale for every pixel: x / 255, so the network sees 0..1
mean = np.zeros(784, dtype=np.float32)
std = np.full(784, 255.0, dtype=np.float32)

xtr, xte = nm.normalize(xtr_raw, mean, std), nm.normalize(xte_raw, mean, std)
ytr, yte = torch.from_numpy(ytr_np), torch.from_numpy(yte_np)

net = nn.Sequential(nn.Linear(784, H1), nn.ReLU(), nn.Linear(H1, H2), nn.ReLU(),
                    nn.Linear(H2, 10), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("fashion: train accuracy %.4f, test accuracy %.4f, final train loss %.4f"
      % (acc_tr, acc_te, final_loss))

desc = ("fashion: MLP 784-%d-%d-10 (ReLU hidden, softmax out) on Fashion-MNIST "
        "(Debian package dataset-fashion-mnist, %s; 28x28 pixels 0..255, scaled by 1/255 "
        "through NORM). Trained with Adam lr %g, batch %d, %d epochs, cross-entropy, on the "
        "60000 training images: train accuracy %.4f, test accuracy %.4f (10000 t10k images)."
        % (H1, H2, DATA_DIR, LR, BATCH, EPOCHS, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, (784,), "classifier", features, CLASSES,
               mean, std, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"),
               os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 10 test (t10k) images
vin = xte_raw[:N_VECTORS]
with torch.no_grad():
    vout = net(nm.normalize(vin, mean, std)).numpy()
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)

n_params = sum(p.numel() for p in net.parameters())
with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# fashion

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017, Zalando Research): 28x28
grey-scale images of clothing, 60,000 for training and 10,000 for testing,
ten classes of equal size: %(classes)s.

**Source.** The Debian package `dataset-fashion-mnist`, which installs the
original IDX files in `%(dir)s`:

| file | what |
|---|---|
| `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz` | 60,000 training images and labels (0..9) |
| `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` | 10,000 test images and labels |

The images are not copied into this directory (they are too big for the
repository, and there is no CSV copy): nn2rules reads the IDX files
directly, e.g.

    nn2rules run examples/fashion/model.bin --data %(dir)s/t10k-images-idx3-ubyte.gz \\
        --labels %(dir)s/t10k-labels-idx1-ubyte.gz

Label k of the IDX labels file is class k of the model (the order above).

**Features.** 784 pixels named `px_R_C` (row R, column C, both 0..27), in
row-major order `px_0_0`, `px_0_1`, ..., `px_27_27` (the names nn2rules' IDX
reader gives the columns); type integer, range 0..255.

**Normalization.** Pixels are not standardized one by one: model.bin's NORM
chunk has mean 0 and std 255 for every pixel, so the model takes raw 0..255
pixel values and the network sees 0..1.

**Files.**

| file | what |
|---|---|
| `model.bin` | the trained network in nn2rules' model format, taking raw 0..255 pixels |
| `model.onnx` | the same network as ONNX (opset 13, input `input` of shape (batch, 784), output `output`, dynamic batch), written from model.bin by `nn2rules convert model.bin -o model.onnx`; it takes raw inputs like model.bin (the normalization is Sub and Div nodes at its head) and carries the names in metadata_props |
| `vectors.txt` | the first %(nvec)d test (t10k) images, raw pixels then PyTorch's softmax outputs (`%%.9g`) |
| `train.py` | the script that made all of the above |

**Network** (%(npar)d parameters):

    Linear(784, %(h1)d) - ReLU - Linear(%(h1)d, %(h2)d) - ReLU - Linear(%(h2)d, 10) - Softmax

**Training.** On all 60,000 training images: Adam, learning rate %(lr)g,
mini-batches of %(batch)d, %(epochs)d epochs, cross-entropy on the logits (the
final Softmax is applied at inference), seed %(seed)d, one thread (torch %(tv)s).

**Accuracy.** train %(acc_tr).2f%% (60,000 images), test %(acc_te).2f%% (the 10,000 t10k images).

**Use.** `make bench` induces trees on the first 10,000 training images
labelled by this network (`bench/bench_tree.c`, `bench/sklearn_tree.py`).

Retrain: `/usr/bin/python3 examples/fashion/train.py` from the repository top.
""" % dict(classes=", ".join(CLASSES), dir=DATA_DIR, nvec=N_VECTORS, npar=n_params, h1=H1, h2=H2,
           lr=LR, batch=BATCH, epochs=EPOCHS, seed=SEED, tv=torch.__version__,
           acc_tr=100 * acc_tr, acc_te=100 * acc_te))
