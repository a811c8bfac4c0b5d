#!/usr/bin/python3
"""Train the fashion-cnn example: a small CNN of CAM's form on Fashion-MNIST.

Run from anywhere with Debian's python3 (python3-torch; scikit-learn is not
needed) and the Debian package dataset-fashion-mnist installed:
    /usr/bin/python3 examples/fashion-cnn/train.py
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
EPOCHS, LR, BATCH, WD = 10, 0.003, 64, 0.0
C1, C2, C3 = 8, 16, 32                                # channels of the three convolutions
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

SHAPE = (1, 28, 28)
xtr = nm.normalize(xtr_raw, mean, std).reshape((-1,) + SHAPE)
xte = nm.normalize(xte_raw, mean, std).reshape((-1,) + SHAPE)
ytr, yte = torch.from_numpy(ytr_np), torch.from_numpy(yte_np)

net = nn.Sequential(
    nn.Conv2d(1, C1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(C1, C2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(C2, C3, 3, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    nn.Linear(C3, 10), nn.Softmax(dim=1))
final_loss = nm.train_classifier(net[:-1], xtr, ytr, EPOCHS, LR, BATCH, WD, SEED)
net.eval()
acc_tr, acc_te = nm.accuracy(net, xtr, ytr), nm.accuracy(net, xte, yte)
print("fashion-cnn: train accuracy %.4f, test accuracy %.4f, final train loss %.4f"
      % (acc_tr, acc_te, final_loss))

desc = ("fashion-cnn: CNN Conv2d(1,%d,3,pad 1)-ReLU-MaxPool(2)-Conv2d(%d,%d,3,pad 1)-ReLU-MaxPool(2)-"
        "Conv2d(%d,%d,3,pad 1)-ReLU-global average pool-Flatten-Dense(10)-softmax on Fashion-MNIST "
        "(Debian package dataset-fashion-mnist, %s; 28x28 pixels 0..255, scaled by 1/255 through "
        "NORM). Trained with Adam lr %g, batch %d, %d epochs, cross-entropy, on the 60000 training "
        "images: train accuracy %.4f, test accuracy %.4f (10000 t10k images)."
        % (C1, C1, C2, C2, C3, DATA_DIR, LR, BATCH, EPOCHS, acc_tr, acc_te))
nm.write_model(os.path.join(HERE, "model.bin"), net, SHAPE, "classifier", features, CLASSES,
               mean, std, desc)
nm.add_profile(os.path.join(HERE, "model.bin"), os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"),
               os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"))
nm.export_onnx(os.path.join(HERE, "model.bin"), os.path.join(HERE, "model.onnx"))

# test vectors: the first 10 test (t10k) images
vin = xte_raw[:N_VECTORS]
with torch.no_grad():
    vout = net(nm.normalize(vin, mean, std).reshape((-1,) + SHAPE)).numpy()
nm.write_vectors(os.path.join(HERE, "vectors.txt"), vin, vout)

n_params = sum(p.numel() for p in net.parameters())
with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write("""# fashion-cnn

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), as in `examples/fashion`,
read by a small convolutional network that ends in global average pooling
and one dense layer, the form CAM needs: the example for `nn2rules
saliency` and `nn2rules filters` on real images.  The images come from the
Debian package `dataset-fashion-mnist` (`%(dir)s`), not from this
directory; pixels are `px_R_C`, 0..255, scaled by 1/255 through NORM.

    nn2rules saliency examples/fashion-cnn/model.bin --data %(dir)s/t10k-images-idx3-ubyte.gz \\
        --row 1 -m gradcam -o gradcam.png

**Files.**

| file | what |
|---|---|
| `model.bin` | the trained network, taking raw 0..255 pixels |
| `model.onnx` | the same network as ONNX, written from model.bin by `nn2rules convert` |
| `vectors.txt` | the first %(nvec)d test (t10k) images, raw pixels then PyTorch's softmax outputs (`%%.9g`) |
| `train.py` | the script that made all of the above |

**Network** (%(npar)d parameters):

    Conv2d(1, %(c1)d, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(%(c1)d, %(c2)d, 3, padding=1) - ReLU
    - MaxPool2d(2) - Conv2d(%(c2)d, %(c3)d, 3, padding=1) - ReLU - AdaptiveAvgPool2d(1) - Flatten
    - Linear(%(c3)d, 10) - Softmax

**Training.** On all 60,000 training images: Adam, learning rate %(lr)g,
mini-batches of %(batch)d, %(epochs)d epochs, cross-entropy on the logits, seed
%(seed)d, one thread (torch %(tv)s).

**Accuracy.** train %(acc_tr).2f%%, test %(acc_te).2f%% (the 10,000 t10k images).

Retrain: `/usr/bin/python3 examples/fashion-cnn/train.py` from the repository top.
""" % dict(dir=DATA_DIR, nvec=N_VECTORS, npar=n_params, c1=C1, c2=C2, c3=C3, lr=LR, batch=BATCH,
           epochs=EPOCHS, seed=SEED, tv=torch.__version__, acc_tr=100 * acc_tr, acc_te=100 * acc_te))
