"""nn2rules_model.py - write a trained PyTorch network as an nn2rules model.bin.

Only the scripts that (re)build the bundled examples use this module; nothing
in the C build or its tests needs Python.  The byte layout follows the
model.bin format version 1.0 (see man/nn2rules-model.5):

    magic 0x89 'N' '2' 'R' 0x0D 0x0A 0x1A 0x0A, u16 major = 1, u16 minor = 0,
    then chunks (4-byte tag, u32 payload length, payload, u32 CRC-32 of
    tag + payload) in the order HEAD, FEAT, CLAS, NORM, desc, LAYR..., END.

Everything is little-endian; floats are IEEE-754 binary32.

Usage:

    from nn2rules_model import write_model
    write_model("model.bin", net, input_shape=(4,), task="classifier",
                features=[("sepal_length", "continuous", -1, 4.3, 7.9), ...],
                class_names=["setosa", ...], norm_mean=mean, norm_std=std,
                description="...")

The network must be an nn.Sequential (nested Sequentials are flattened) or a
list of layers, in evaluation mode semantics (Dropout is kept as a layer but
is the identity; BatchNorm uses its running statistics).
"""

import struct
import zlib

import numpy as np
import torch
import torch.nn as nn

MAGIC = b"\x89N2R\r\n\x1a\n"
VERSION_MAJOR = 1
VERSION_MINOR = 0

# LAYR type codes
DENSE, CONV2D, MAXPOOL2D, AVGPOOL2D, GLOBALAVGPOOL, FLATTEN = 1, 2, 3, 4, 5, 6
RELU, LEAKYRELU, SIGMOID, TANH, SOFTMAX, BATCHNORM, DROPOUT = 7, 8, 9, 10, 11, 12, 13

POOL_COUNT_PAD = 1  # avgpool flags bit 0

# The spec names the last chunk "END", but every tag is 4 bytes: it is padded
# with one ASCII space, as in RIFF's "fmt ".
END_TAG = b"END "

FEATURE_TYPES = {"continuous": 0, "boolean": 1, "one-hot": 2, "onehot": 2, "integer": 3}
TASKS = {"classifier": 0, "classify": 0, "classification": 0,
         "regression": 1, "regress": 1}


class ModelWriteError(ValueError):
    pass


def _chunk(tag, payload):
    tag = tag.encode("ascii") if isinstance(tag, str) else tag
    if len(tag) != 4:
        raise ModelWriteError("chunk tag must be 4 bytes: %r" % tag)
    crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
    return tag + struct.pack("<I", len(payload)) + payload + struct.pack("<I", crc)


def _f32(values):
    a = np.asarray(values, dtype=np.float64).astype("<f4").ravel()
    if not np.all(np.isfinite(a)):
        raise ModelWriteError("non-finite value in a tensor")
    return a.tobytes()


def _tensor(values):
    a = np.asarray(values, dtype=np.float32).ravel()
    return struct.pack("<I", a.size) + _f32(a)


def _pair(v):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ModelWriteError("expected a pair, got %r" % (v,))
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _name_bytes(name):
    b = str(name).encode("utf-8")
    if len(b) > 0xFFFF:
        raise ModelWriteError("name too long: %r" % name[:40])
    return struct.pack("<H", len(b)) + b


def _flatten_layers(model):
    if isinstance(model, nn.Sequential):
        out = []
        for m in model:
            out.extend(_flatten_layers(m))
        return out
    if isinstance(model, (list, tuple)):
        out = []
        for m in model:
            out.extend(_flatten_layers(m))
        return out
    return [model]


def _out_len(n, k, s, p0, p1, d):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


class _Layer:
    """One LAYR record."""

    def __init__(self, type_):
        self.type = type_
        self.units = 0
        self.kh = self.kw = self.sh = self.sw = 0
        self.pad = (0, 0, 0, 0)  # t, l, b, r
        self.dh = self.dw = 0
        self.flags = 0
        self.alpha = 0.0
        self.tensors = []

    def payload(self):
        fixed = struct.pack("<Ii", self.type, self.units)
        fixed += struct.pack("<4i", self.kh, self.kw, self.sh, self.sw)
        fixed += struct.pack("<4i", *self.pad)
        fixed += struct.pack("<2i", self.dh, self.dw)
        fixed += struct.pack("<I", self.flags)
        fixed += _f32([self.alpha])
        assert len(fixed) == 56
        body = struct.pack("<I", len(self.tensors))
        for t in self.tensors:
            body += _tensor(t)
        return fixed + body


def _np(t):
    return t.detach().cpu().to(torch.float32).numpy()


def _convert(layer, shape):
    """Map one torch module to a _Layer; returns (_Layer, output shape)."""
    c, h, w = shape
    n = c * h * w
    if isinstance(layer, nn.Linear):
        if layer.in_features != n:
            raise ModelWriteError("Linear expects %d inputs, the previous layer gives %d (shape %r)"
                                  % (layer.in_features, n, shape))
        L = _Layer(DENSE)
        L.units = layer.out_features
        b = _np(layer.bias) if layer.bias is not None else np.zeros(layer.out_features, np.float32)
        L.tensors = [_np(layer.weight), b]
        return L, (layer.out_features, 1, 1)
    if isinstance(layer, nn.Conv2d):
        if layer.groups != 1:
            raise ModelWriteError("grouped convolution is not supported")
        if layer.padding_mode != "zeros":
            raise ModelWriteError("only zero padding is supported")
        if layer.in_channels != c:
            raise ModelWriteError("Conv2d expects %d channels, input has %d" % (layer.in_channels, c))
        kh, kw = _pair(layer.kernel_size)
        sh, sw = _pair(layer.stride)
        dh, dw = _pair(layer.dilation)
        if isinstance(layer.padding, str):
            if layer.padding == "valid":
                pad = (0, 0, 0, 0)
            elif layer.padding == "same":
                th, tw = dh * (kh - 1), dw * (kw - 1)
                pad = (th // 2, tw // 2, th - th // 2, tw - tw // 2)
            else:
                raise ModelWriteError("unknown padding %r" % layer.padding)
        else:
            ph, pw = _pair(layer.padding)
            pad = (ph, pw, ph, pw)
        L = _Layer(CONV2D)
        L.units = layer.out_channels
        L.kh, L.kw, L.sh, L.sw, L.dh, L.dw = kh, kw, sh, sw, dh, dw
        L.pad = pad
        b = _np(layer.bias) if layer.bias is not None else np.zeros(layer.out_channels, np.float32)
        L.tensors = [_np(layer.weight), b]
        oh = _out_len(h, kh, sh, pad[0], pad[2], dh)
        ow = _out_len(w, kw, sw, pad[1], pad[3], dw)
        return L, (layer.out_channels, oh, ow)
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        if layer.ceil_mode:
            raise ModelWriteError("ceil_mode pooling is not supported")
        kh, kw = _pair(layer.kernel_size)
        sh, sw = _pair(layer.stride if layer.stride is not None else layer.kernel_size)
        ph, pw = _pair(layer.padding)
        if isinstance(layer, nn.MaxPool2d):
            if layer.return_indices:
                raise ModelWriteError("MaxPool2d(return_indices=True) is not supported")
            if _pair(layer.dilation) != (1, 1):
                raise ModelWriteError("dilated max pooling is not supported")
            L = _Layer(MAXPOOL2D)
        else:
            if layer.divisor_override is not None:
                raise ModelWriteError("AvgPool2d(divisor_override) is not supported")
            L = _Layer(AVGPOOL2D)
            L.flags = POOL_COUNT_PAD if layer.count_include_pad else 0
        L.kh, L.kw, L.sh, L.sw = kh, kw, sh, sw
        L.pad = (ph, pw, ph, pw)
        L.dh = L.dw = 1
        oh = _out_len(h, kh, sh, ph, ph, 1)
        ow = _out_len(w, kw, sw, pw, pw, 1)
        return L, (c, oh, ow)
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        if _pair(layer.output_size) != (1, 1):
            raise ModelWriteError("only AdaptiveAvgPool2d(1) (global average pooling) is supported")
        return _Layer(GLOBALAVGPOOL), (c, 1, 1)
    if isinstance(layer, nn.Flatten):
        if layer.start_dim != 1 or layer.end_dim != -1:
            raise ModelWriteError("only Flatten(start_dim=1, end_dim=-1) is supported")
        return _Layer(FLATTEN), (n, 1, 1)
    if isinstance(layer, nn.ReLU):
        return _Layer(RELU), shape
    if isinstance(layer, nn.LeakyReLU):
        L = _Layer(LEAKYRELU)
        L.alpha = float(layer.negative_slope)
        return L, shape
    if isinstance(layer, nn.Sigmoid):
        return _Layer(SIGMOID), shape
    if isinstance(layer, nn.Tanh):
        return _Layer(TANH), shape
    if isinstance(layer, nn.Softmax):
        # model.bin's softmax is over the whole per-sample vector: only the
        # same thing as torch's when the tensor is a flat vector.
        if (h, w) != (1, 1) or layer.dim not in (1, -1):
            raise ModelWriteError("Softmax must act on a flat vector (dim=1 after Flatten/Linear)")
        return _Layer(SOFTMAX), shape
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if layer.num_features != c:
            raise ModelWriteError("BatchNorm over %d channels, input has %d" % (layer.num_features, c))
        if not layer.track_running_stats or layer.running_mean is None:
            raise ModelWriteError("BatchNorm needs running statistics")
        if isinstance(layer, nn.BatchNorm1d) and (h, w) != (1, 1):
            raise ModelWriteError("BatchNorm1d must follow a flat vector")
        L = _Layer(BATCHNORM)
        L.alpha = float(layer.eps)
        k = layer.num_features
        gamma = _np(layer.weight) if layer.affine else np.ones(k, np.float32)
        beta = _np(layer.bias) if layer.affine else np.zeros(k, np.float32)
        L.tensors = [gamma, beta, _np(layer.running_mean), _np(layer.running_var)]
        return L, shape
    if isinstance(layer, nn.Dropout):
        return _Layer(DROPOUT), shape
    raise ModelWriteError("layer type %s has no model.bin equivalent" % type(layer).__name__)


def convert_layers(model, input_shape):
    """Return ([_Layer], output shape) for a network and an input shape."""
    shape = _norm_shape(input_shape)
    out = []
    for layer in _flatten_layers(model):
        L, shape = _convert(layer, shape)
        out.append(L)
    return out, shape


def _norm_shape(input_shape):
    if isinstance(input_shape, int):
        return (input_shape, 1, 1)
    s = tuple(int(v) for v in input_shape)
    if len(s) == 1:
        return (s[0], 1, 1)
    if len(s) == 3:
        return s
    raise ModelWriteError("input_shape must be n or (c, h, w), got %r" % (input_shape,))


def model_bytes(model, input_shape, task="classifier", features=None, class_names=None,
                norm_mean=None, norm_std=None, description=None):
    c, h, w = _norm_shape(input_shape)
    n_in = c * h * w
    if isinstance(task, str):
        if task not in TASKS:
            raise ModelWriteError("task must be classifier or regression, got %r" % task)
        task = TASKS[task]
    if task not in (0, 1):
        raise ModelWriteError("task must be 0 or 1")
    layers, out_shape = convert_layers(model, (c, h, w))
    n_out = out_shape[0] * out_shape[1] * out_shape[2]

    blob = MAGIC + struct.pack("<HH", VERSION_MAJOR, VERSION_MINOR)
    blob += _chunk("HEAD", struct.pack("<5I", c, h, w, len(layers), task))

    if features is not None:
        if len(features) != n_in:
            raise ModelWriteError("%d features for %d inputs" % (len(features), n_in))
        p = struct.pack("<I", n_in)
        for name, ftype, group, fmin, fmax in features:
            if isinstance(ftype, str):
                ftype = FEATURE_TYPES[ftype]
            p += _name_bytes(name) + struct.pack("<BBi", ftype, 0, int(group))
            p += _f32([fmin, fmax])
        blob += _chunk("FEAT", p)

    if class_names is not None:
        if len(class_names) != n_out:
            raise ModelWriteError("%d class names for %d outputs" % (len(class_names), n_out))
        p = struct.pack("<I", n_out)
        for name in class_names:
            p += _name_bytes(name)
        blob += _chunk("CLAS", p)

    if norm_mean is not None or norm_std is not None:
        mean = np.asarray(norm_mean, dtype=np.float32).ravel()
        std = np.asarray(norm_std, dtype=np.float32).ravel()
        if mean.size != n_in or std.size != n_in:
            raise ModelWriteError("NORM needs %d means and stds" % n_in)
        if not np.all(std > 0):
            raise ModelWriteError("NORM std must be > 0")
        blob += _chunk("NORM", struct.pack("<I", n_in) + _f32(mean) + _f32(std))

    if description:
        blob += _chunk("desc", description.encode("utf-8"))

    for L in layers:
        blob += _chunk("LAYR", L.payload())
    blob += _chunk(END_TAG, b"")
    return blob


def write_model(path, model, input_shape, task="classifier", features=None, class_names=None,
                norm_mean=None, norm_std=None, description=None):
    """Write model (nn.Sequential or list of layers) to path as model.bin.

    input_shape: n or (c, h, w).  task: "classifier" / "regression" (or 0/1).
    features: list of (name, type, group, min, max); type is "continuous",
    "boolean", "one-hot", "integer" or its code 0..3; group -1 for none.
    class_names: list of output names.  norm_mean/norm_std: per-input
    normalization in the data's own units, or None to omit the NORM chunk.
    """
    blob = model_bytes(model, input_shape, task, features, class_names,
                       norm_mean, norm_std, description)
    with open(path, "wb") as f:
        f.write(blob)
    return len(blob)


def add_profile(path, data, labels=None):
    """Give the model.bin at path the data profile of data (a CSV, ARFF or
    IDX file of the training rows; labels: an IDX labels file) by running
    `nn2rules convert --data`, so that `nn2rules model.bin` without data draws
    inputs like the training data.  The profile is computed by nn2rules
    itself (one implementation of it); the binary is $NN2RULES, or
    build/nn2rules at the top of the source tree (run `make` first)."""
    import os
    import subprocess
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = os.environ.get("NN2RULES", os.path.join(top, "build", "nn2rules"))
    tmp = path + ".profiled.bin"  # convert writes model.bin by the extension
    cmd = [exe, "convert", path, "--data", data, "-o", tmp]
    if labels:
        cmd += ["--labels", labels]
    subprocess.run(cmd, check=True)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Helpers shared by the examples' train.py scripts: CSV files, test vectors,
# ONNX export.  All float output is '%.9g', which is enough for any float32
# to read back bit-exact.

def fmt(v):
    """'%.9g' of a float32 value (repr-exact for float32)."""
    return "%.9g" % float(np.float32(v))


def fmt_data(v):
    """A data value as written in the CSV files: at most 9 significant digits
    of the value as the source gives it (so 5.1 stays 5.1)."""
    s = "%.9g" % float(v)
    return "0" if s == "-0" else s


def write_csv(path, feature_names, x, class_names, y):
    """CSV with a header of feature names plus 'class'; y holds class indices,
    written as class names."""
    for name in list(feature_names) + list(class_names):
        if any(ch in name for ch in ',"\r\n') or name != name.strip() or name == "":
            raise ValueError("name %r needs quoting in CSV" % name)
    with open(path, "w", newline="\n") as f:
        f.write(",".join(list(feature_names) + ["class"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(fmt_data(v) for v in row) + "," + class_names[int(label)] + "\n")


def write_vectors(path, x_raw, rows):
    """Test vectors: first line 'n_in n_out count', then one line per sample:
    the raw inputs followed by the expected values, '%.9g' each."""
    x_raw = np.asarray(x_raw, dtype=np.float32)
    rows = np.asarray(rows, dtype=np.float32)
    assert x_raw.shape[0] == rows.shape[0]
    with open(path, "w", newline="\n") as f:
        f.write("%d %d %d\n" % (x_raw.shape[1], rows.shape[1], x_raw.shape[0]))
        for a, b in zip(x_raw, rows):
            f.write(" ".join([fmt(v) for v in a] + [fmt(v) for v in b]) + "\n")


def export_onnx(model_bin, path):
    """ONNX export of the model.bin at model_bin by `nn2rules convert
    model_bin -o path` (opset 13, input 'input', output 'output', batch axis
    'N'), so that the graph takes raw inputs like model.bin: its input
    normalization becomes Sub and Div nodes at the head of the graph, and the
    feature and class names go into metadata_props.  BatchNorm stays its own
    BatchNormalization node; Dropout, the identity at inference, is left out.
    The binary is found as for add_profile()."""
    import os
    import subprocess
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = os.environ.get("NN2RULES", os.path.join(top, "build", "nn2rules"))
    subprocess.run([exe, "convert", model_bin, "-o", path], check=True)


def random_points(rng, features, count):
    """count points inside the feature ranges: uniform for continuous
    features, whole numbers for integer and boolean ones."""
    out = np.zeros((count, len(features)), dtype=np.float32)
    for j, (_name, ftype, _group, lo, hi) in enumerate(features):
        lo32, hi32 = float(np.float32(lo)), float(np.float32(hi))
        if ftype in ("integer", "boolean", 1, 3):
            out[:, j] = rng.integers(int(np.ceil(lo32)), int(np.floor(hi32)) + 1, size=count)
        else:
            out[:, j] = np.clip(rng.uniform(lo32, hi32, size=count).astype(np.float32), lo32, hi32)
    return out


def setup_determinism(seed):
    import random
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def normalize(x_raw, mean, std):
    """(x - mean) / std in float32, as the runtime does it with NORM; mean and
    std None means no normalization."""
    x = torch.as_tensor(np.asarray(x_raw, dtype=np.float32))
    if mean is None:
        return x
    m = torch.as_tensor(np.asarray(mean, dtype=np.float32))
    s = torch.as_tensor(np.asarray(std, dtype=np.float32))
    return (x - m) / s


def stratified_split(y, test_size=0.25, seed=0):
    """Indices of a fixed stratified train/test split, each in data order."""
    from sklearn.model_selection import train_test_split
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
    return np.sort(tr), np.sort(te)


def train_classifier(logits_net, x, y, epochs, lr, batch_size, weight_decay=0.0, seed=0):
    """Adam on cross-entropy over the network without its final Softmax.
    x: normalized float32 tensor, y: class index tensor.  Mini-batches are
    drawn by a generator of its own, so the result depends on seed only."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(logits_net.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    for _epoch in range(epochs):
        logits_net.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            b = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(logits_net(x[b]), y[b])
            loss.backward()
            opt.step()
    logits_net.eval()
    return float(loss_fn(logits_net(x), y).detach())


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        return float((net(x).argmax(dim=1) == y).float().mean())


def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array of its shape."""
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">%dI" % ndim, data[4:4 + 4 * ndim])
    a = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if a.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data for shape %r" % (path, a.size, dims))
    return a.reshape(dims)


def load_idx_pair(data_dir, kind):
    """Images (n x pixels, float32) and labels (int64) of an MNIST-style pair
    KIND-images-idx3-ubyte.gz, KIND-labels-idx1-ubyte.gz in data_dir."""
    import os
    x = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % kind))
    x = x.reshape(x.shape[0], -1).astype(np.float32)
    y = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % kind)).astype(np.int64)
    assert x.shape[0] == y.shape[0]
    return x, y
