#!/usr/bin/python3
"""check_model.py - check a model.bin against the format spec and its test vectors.

    /usr/bin/python3 examples/check_model.py examples/iris [examples/wdbc ...]

For each example directory (or a model.bin path, whose directory is used):

  * parses model.bin with a parser of its own, written from the format spec
    and sharing no code with nn2rules_model.py: magic, version 1.0, every
    chunk's length and CRC-32, chunk order (HEAD first, then FEAT, CLAS,
    NORM, desc, the LAYR chunks, END as the last bytes), the sizes of every
    record and tensor against the shapes that flow through the network, and
    the field conventions (0 where a field does not apply, dilation 1 for
    pools);
  * rebuilds the network in numpy (float64) and checks that its outputs on
    vectors.txt's raw inputs equal the expected values to 1e-5, and likewise
    the activations after the first ReLU against hidden.txt when present;
  * when the onnx Python package is installed (Debian: python3-onnx), checks
    model.onnx: onnx.checker, opset 13, input "input" / output "output" with a
    symbolic batch dimension, the same operators in the same order as
    model.bin's layers (Dropout excepted), and a numpy evaluation of the
    graph on the *normalized* vector inputs against the same expected values.

Exit status 0 when every check passes.  Needs numpy only (and onnx for the
ONNX part); nothing in the C build depends on it.
"""
import os
import struct
import sys
import zlib

import numpy as np

TOL = 1e-5
MAGIC = bytes([0x89, ord("N"), ord("2"), ord("R"), 0x0D, 0x0A, 0x1A, 0x0A])
TYPE_NAMES = {1: "dense", 2: "conv2d", 3: "maxpool2d", 4: "avgpool2d", 5: "globalavgpool",
              6: "flatten", 7: "relu", 8: "leakyrelu", 9: "sigmoid", 10: "tanh",
              11: "softmax", 12: "batchnorm", 13: "dropout"}
KNOWN_CRITICAL = {b"HEAD", b"FEAT", b"CLAS", b"NORM", b"LAYR", b"END "}
# the order the spec lists the chunks in
RANK = {b"HEAD": 0, b"FEAT": 1, b"CLAS": 2, b"NORM": 3, b"desc": 4, b"LAYR": 5, b"END ": 6}


class Bad(Exception):
    pass


class Reader:
    def __init__(self, buf, base, what):
        self.buf, self.pos, self.base, self.what = buf, 0, base, what

    def take(self, n):
        if n < 0 or self.pos + n > len(self.buf):
            raise Bad("%s: need %d bytes at file offset %d, only %d left"
                      % (self.what, n, self.base + self.pos, len(self.buf) - self.pos))
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("<H", self.take(2))[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def i32(self):
        return struct.unpack("<i", self.take(4))[0]

    def f32s(self, n):
        return np.frombuffer(self.take(4 * n), dtype="<f4").astype(np.float64)

    def name(self):
        n = self.u16()
        raw = self.take(n)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Bad("%s: name at offset %d is not UTF-8" % (self.what, self.base + self.pos - n))

    def done(self):
        if self.pos != len(self.buf):
            raise Bad("%s: %d bytes left over" % (self.what, len(self.buf) - self.pos))


def read_chunks(data):
    if len(data) < 12 or data[:8] != MAGIC:
        raise Bad("bad magic")
    major, minor = struct.unpack("<HH", data[8:12])
    if (major, minor) != (1, 0):
        raise Bad("version %d.%d, expected 1.0" % (major, minor))
    pos, chunks = 12, []
    while True:
        if pos + 8 > len(data):
            raise Bad("chunk header truncated at offset %d (no END chunk?)" % pos)
        tag = data[pos:pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if not all(0x20 <= ch < 0x7F for ch in tag):
            raise Bad("chunk tag %r at offset %d is not printable ASCII" % (tag, pos))
        if pos + 8 + length + 4 > len(data):
            raise Bad("chunk %r at offset %d claims %d bytes, only %d left"
                      % (tag, pos, length, len(data) - pos - 12))
        payload = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack("<I", data[pos + 8 + length:pos + 12 + length])
        if crc != zlib.crc32(tag + payload) & 0xFFFFFFFF:
            raise Bad("chunk %r at offset %d: CRC mismatch" % (tag, pos))
        chunks.append((tag, pos, payload))
        pos += 12 + length
        if tag == b"END ":
            if length != 0:
                raise Bad("END chunk has payload length %d" % length)
            if pos != len(data):
                raise Bad("%d bytes after the END chunk" % (len(data) - pos))
            return chunks


def out_len(n, k, s, p0, p1, d):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def parse_model(data):
    chunks = read_chunks(data)
    model = {"features": None, "classes": None, "mean": None, "std": None, "desc": None,
             "layers": []}
    if chunks[0][0] != b"HEAD":
        raise Bad("first chunk is %r, not HEAD" % chunks[0][0])
    last_rank, seen = -1, set()
    for tag, off, payload in chunks:
        if tag[:1].isupper() and tag not in KNOWN_CRITICAL:
            raise Bad("unknown critical chunk %r at offset %d" % (tag, off))
        if tag not in RANK:
            continue  # unknown ancillary: skipped
        if RANK[tag] < last_rank:
            raise Bad("chunk %r at offset %d is out of the spec's order" % (tag, off))
        last_rank = RANK[tag]
        if tag != b"LAYR":
            if tag in seen:
                raise Bad("second %r chunk at offset %d" % (tag, off))
            seen.add(tag)
        r = Reader(payload, off + 8, tag.decode())
        if tag == b"HEAD":
            if len(payload) != 20:
                raise Bad("HEAD length %d, expected 20" % len(payload))
            c, h, w, nl, task = (r.u32() for _ in range(5))
            if min(c, h, w) < 1:
                raise Bad("input shape %r" % ((c, h, w),))
            if task not in (0, 1):
                raise Bad("task %d" % task)
            model.update(shape=(c, h, w), nlayers=nl, task=task)
        elif tag == b"FEAT":
            n = r.u32()
            if n != np.prod(model["shape"]):
                raise Bad("FEAT n=%d, input size %d" % (n, np.prod(model["shape"])))
            feats = []
            for _ in range(n):
                name = r.name()
                ftype, reserved = r.u8(), r.u8()
                group = r.i32()
                lo, hi = r.f32s(2)
                if ftype > 3 or reserved != 0:
                    raise Bad("feature %r: type %d, reserved %d" % (name, ftype, reserved))
                if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
                    raise Bad("feature %r: range [%g, %g]" % (name, lo, hi))
                if (ftype == 2) != (group >= 0) or group < -1:
                    raise Bad("feature %r: type %d with group %d" % (name, ftype, group))
                feats.append((name, ftype, group, lo, hi))
            r.done()
            if len(set(f[0] for f in feats)) != n:
                raise Bad("duplicate feature names")
            model["features"] = feats
        elif tag == b"CLAS":
            n = r.u32()
            model["classes"] = [r.name() for _ in range(n)]
            r.done()
        elif tag == b"NORM":
            n = r.u32()
            if n != np.prod(model["shape"]):
                raise Bad("NORM n=%d" % n)
            model["mean"], model["std"] = r.f32s(n), r.f32s(n)
            r.done()
            if not (np.all(np.isfinite(model["mean"])) and np.all(np.isfinite(model["std"]))
                    and np.all(model["std"] > 0)):
                raise Bad("NORM has a non-finite mean or a std <= 0")
        elif tag == b"desc":
            model["desc"] = payload.decode("utf-8")
        elif tag == b"LAYR":
            model["layers"].append(parse_layer(r))
    if len(model["layers"]) != model["nlayers"]:
        raise Bad("HEAD says %d layers, file has %d" % (model["nlayers"], len(model["layers"])))
    check_shapes(model)
    return model


def parse_layer(r):
    L = {"off": r.base}
    L["type"] = r.u32()
    L["units"] = r.i32()
    L["kh"], L["kw"], L["sh"], L["sw"] = (r.i32() for _ in range(4))
    L["pad"] = tuple(r.i32() for _ in range(4))  # t, l, b, r
    L["dh"], L["dw"] = r.i32(), r.i32()
    L["flags"] = r.u32()
    L["alpha"] = r.f32s(1)[0]
    nt = r.u32()
    if r.pos != 60:  # the spec's "fixed part" is the 14 fields plus ntensors
        raise Bad("internal: fixed part is %d bytes" % r.pos)
    L["tensors"] = []
    for _ in range(nt):
        cnt = r.u32()
        L["tensors"].append(r.f32s(cnt))
    r.done()
    if L["type"] not in TYPE_NAMES:
        raise Bad("layer at offset %d: unknown type %d" % (L["off"], L["type"]))
    for t in L["tensors"]:
        if not np.all(np.isfinite(t)):
            raise Bad("layer at offset %d: non-finite weight" % L["off"])
    return L


def check_shapes(model):
    """Walk the shapes through the layers; check fields and tensor sizes."""
    shape = model["shape"]
    for i, L in enumerate(model["layers"]):
        t, (c, h, w) = L["type"], shape
        where = "layer %d (%s, offset %d)" % (i, TYPE_NAMES[t], L["off"])
        window = (L["kh"], L["kw"], L["sh"], L["sw"]) + L["pad"]
        sizes = []
        if t in (1, 2):
            if L["units"] < 1:
                raise Bad("%s: units %d" % (where, L["units"]))
        elif L["units"] != 0:
            raise Bad("%s: units %d, expected 0" % (where, L["units"]))
        if t in (2, 3, 4):
            if min(L["kh"], L["kw"], L["sh"], L["sw"]) < 1 or min(L["pad"]) < 0:
                raise Bad("%s: window %r" % (where, window))
            if t in (3, 4) and (L["dh"], L["dw"]) != (1, 1):
                raise Bad("%s: pool dilation %r, expected 1" % (where, (L["dh"], L["dw"])))
            if t == 2 and min(L["dh"], L["dw"]) < 1:
                raise Bad("%s: dilation %r" % (where, (L["dh"], L["dw"])))
        else:
            if any(window) or (L["dh"], L["dw"]) != (0, 0):
                raise Bad("%s: window/dilation fields not 0" % where)
        if L["flags"] != 0 and not (t == 4 and L["flags"] == 1):
            raise Bad("%s: flags %d" % (where, L["flags"]))
        if L["alpha"] != 0 and t not in (8, 12):
            raise Bad("%s: alpha %g, expected 0" % (where, L["alpha"]))
        if t == 12 and not L["alpha"] > 0:
            raise Bad("%s: batchnorm epsilon %g" % (where, L["alpha"]))
        if t == 1:
            sizes = [L["units"] * c * h * w, L["units"]]
            shape = (L["units"], 1, 1)
        elif t == 2:
            sizes = [L["units"] * c * L["kh"] * L["kw"], L["units"]]
            oh = out_len(h, L["kh"], L["sh"], L["pad"][0], L["pad"][2], L["dh"])
            ow = out_len(w, L["kw"], L["sw"], L["pad"][1], L["pad"][3], L["dw"])
            shape = (L["units"], oh, ow)
        elif t in (3, 4):
            oh = out_len(h, L["kh"], L["sh"], L["pad"][0], L["pad"][2], 1)
            ow = out_len(w, L["kw"], L["sw"], L["pad"][1], L["pad"][3], 1)
            shape = (c, oh, ow)
        elif t == 5:
            shape = (c, 1, 1)
        elif t == 6:
            shape = (c * h * w, 1, 1)
        elif t == 12:
            sizes = [c] * 4
        if min(shape) < 1:
            raise Bad("%s: output shape %r" % (where, shape))
        if [len(x) for x in L["tensors"]] != sizes:
            raise Bad("%s: tensors of %r elements, expected %r"
                      % (where, [len(x) for x in L["tensors"]], sizes))
        L["in"], L["out"] = (c, h, w), shape
    model["out_shape"] = shape
    n_out = int(np.prod(shape))
    if model["classes"] is not None and len(model["classes"]) != n_out:
        raise Bad("CLAS has %d names, output size is %d" % (len(model["classes"]), n_out))


# ---------------------------------------------------------------------------
# numpy forward pass, one sample at a time, float64

def conv_windows(x, kh, kw, sh, sw, dh, dw, oh, ow):
    """x: (c, H, W) padded -> (c, kh, kw, oh, ow) view of the windows."""
    c = x.shape[0]
    out = np.empty((c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            out[:, i, j] = x[:, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                             j * dw: j * dw + sw * (ow - 1) + 1: sw]
    return out


def pad(x, p, value):
    t, l, b, r = p
    return np.pad(x, ((0, 0), (t, b), (l, r)), constant_values=value)


def forward(model, x_raw, capture=None):
    x = np.asarray(x_raw, dtype=np.float64)
    if model["mean"] is not None:
        x = (x - model["mean"]) / model["std"]
    x = x.reshape(model["shape"])
    acts = []
    for L in model["layers"]:
        t = L["type"]
        c, h, w = L["in"]
        oc, oh, ow = L["out"]
        if t == 1:
            W = L["tensors"][0].reshape(L["units"], -1)
            x = (W @ x.ravel() + L["tensors"][1]).reshape(L["out"])
        elif t == 2:
            W = L["tensors"][0].reshape(L["units"], c, L["kh"], L["kw"])
            win = conv_windows(pad(x, L["pad"], 0.0), L["kh"], L["kw"], L["sh"], L["sw"],
                               L["dh"], L["dw"], oh, ow)
            x = np.einsum("ocij,cijhw->ohw", W, win) + L["tensors"][1][:, None, None]
        elif t == 3:
            win = conv_windows(pad(x, L["pad"], -np.inf), L["kh"], L["kw"], L["sh"], L["sw"],
                               1, 1, oh, ow)
            x = win.max(axis=(1, 2))
        elif t == 4:
            win = conv_windows(pad(x, L["pad"], 0.0), L["kh"], L["kw"], L["sh"], L["sw"],
                               1, 1, oh, ow)
            if L["flags"] & 1:
                div = L["kh"] * L["kw"]
            else:
                div = conv_windows(pad(np.ones((1, h, w)), L["pad"], 0.0), L["kh"], L["kw"],
                                   L["sh"], L["sw"], 1, 1, oh, ow).sum(axis=(1, 2))
            x = win.sum(axis=(1, 2)) / div
        elif t == 5:
            x = x.mean(axis=(1, 2)).reshape(L["out"])
        elif t == 6:
            x = x.reshape(L["out"])
        elif t == 7:
            x = np.maximum(x, 0.0)
        elif t == 8:
            x = np.where(x < 0, L["alpha"] * x, x)
        elif t == 9:
            x = 1.0 / (1.0 + np.exp(-x))
        elif t == 10:
            x = np.tanh(x)
        elif t == 11:
            e = np.exp(x - x.max())
            x = e / e.sum()
        elif t == 12:
            g, b, m, v = (a[:, None, None] for a in L["tensors"])
            x = g * (x - m) / np.sqrt(v + L["alpha"]) + b
        elif t == 13:
            pass
        acts.append(x.ravel().copy())
    return x.ravel(), acts


def read_vectors(path):
    with open(path) as f:
        lines = f.read().split("\n")
    n_in, n_out, count = (int(v) for v in lines[0].split(" "))
    rows = [ln for ln in lines[1:] if ln != ""]
    if len(rows) != count:
        raise Bad("%s: header says %d rows, has %d" % (path, count, len(rows)))
    a = np.array([[float(v) for v in ln.split(" ")] for ln in rows])
    if a.shape[1] != n_in + n_out:
        raise Bad("%s: rows of %d values, expected %d" % (path, a.shape[1], n_in + n_out))
    return a[:, :n_in], a[:, n_in:]


# ---------------------------------------------------------------------------
# ONNX (optional)

ONNX_OPS = {1: "Gemm", 2: "Conv", 3: "MaxPool", 4: "AveragePool", 5: "GlobalAveragePool",
            6: "Flatten", 7: "Relu", 8: "LeakyRelu", 9: "Sigmoid", 10: "Tanh", 11: "Softmax",
            12: "BatchNormalization"}


def onnx_eval(graph, x, numpy_helper, helper):
    vals = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in graph.initializer}
    vals[graph.input[0].name] = x
    for node in graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [vals[n] for n in node.input if n != ""]
        op = node.op_type
        if op == "Identity":
            y = ins[0]
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            y = a.get("alpha", 1.0) * A @ B
            if len(ins) > 2:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "Sub":
            y = ins[0] - ins[1]
        elif op == "Div":
            y = ins[0] / ins[1]
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "LeakyRelu":
            y = np.where(ins[0] < 0, a.get("alpha", 0.01) * ins[0], ins[0])
        elif op == "Sigmoid":
            y = 1 / (1 + np.exp(-ins[0]))
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(ins[0] - ins[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "BatchNormalization":
            X, g, b, m, v = ins
            s = (slice(None),) + (None,) * (X.ndim - 2)
            y = g[s] * (X - m[s]) / np.sqrt(v[s] + a.get("epsilon", 1e-5)) + b[s]
        elif op in ("Conv", "MaxPool", "AveragePool"):
            kh, kw = a["kernel_shape"]
            sh, sw = a.get("strides", [1, 1])
            dh, dw = a.get("dilations", [1, 1])
            pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
            if a.get("group", 1) != 1 or a.get("ceil_mode", 0) or a.get("auto_pad", b"NOTSET") != b"NOTSET":
                raise Bad("ONNX %s with unsupported attributes %r" % (op, a))
            X = ins[0]
            H, W = X.shape[2], X.shape[3]
            oh = out_len(H, kh, sh, pt, pb, dh)
            ow = out_len(W, kw, sw, pl, pr, dw)
            ys = []
            for xs in X:
                fill = -np.inf if op == "MaxPool" else 0.0
                win = conv_windows(pad(xs, (pt, pl, pb, pr), fill), kh, kw, sh, sw, dh, dw, oh, ow)
                if op == "Conv":
                    r = np.einsum("ocij,cijhw->ohw", ins[1], win)
                    if len(ins) > 2:
                        r = r + ins[2][:, None, None]
                elif op == "MaxPool":
                    r = win.max(axis=(1, 2))
                else:
                    if a.get("count_include_pad", 0):
                        r = win.sum(axis=(1, 2)) / (kh * kw)
                    else:
                        cnt = conv_windows(pad(np.ones((1, H, W)), (pt, pl, pb, pr), 0.0), kh, kw,
                                           sh, sw, 1, 1, oh, ow).sum(axis=(1, 2))
                        r = win.sum(axis=(1, 2)) / cnt
                ys.append(r)
            y = np.stack(ys)
        else:
            raise Bad("ONNX operator %s not handled by this checker" % op)
        vals[node.output[0]] = y
    return vals[graph.output[0].name]


def check_onnx(path, model, vin, vout):
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        return "skipped (no onnx package)"
    m = onnx.load(path)
    onnx.checker.check_model(m)
    opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")]
    if opset != [13]:
        raise Bad("%s: opset %r, expected 13" % (path, opset))
    g = m.graph
    inits = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    if [i.name for i in inputs] != ["input"] or [o.name for o in g.output] != ["output"]:
        raise Bad("%s: inputs %r outputs %r" % (path, [i.name for i in inputs],
                                                 [o.name for o in g.output]))
    for v in (inputs[0], g.output[0]):
        d0 = v.type.tensor_type.shape.dim[0]
        if not d0.dim_param or d0.HasField("dim_value"):
            raise Bad("%s: %s has no symbolic batch dimension" % (path, v.name))
    dims = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim[1:]]
    c, h, w = model["shape"]
    if dims not in ([c, h, w], [c * h * w]) or (dims == [c * h * w] and (h, w) != (1, 1)):
        raise Bad("%s: input dims %r for model shape %r" % (path, dims, model["shape"]))
    # the normalization is in the graph (nn2rules convert writes it as Sub
    # and Div), and a Flatten may come before a Gemm on a 4-D tensor
    ops = [n.op_type for n in g.node if n.op_type != "Identity"]
    want = (["Sub", "Div"] if model["mean"] is not None else []) + \
        [ONNX_OPS[L["type"]] for L in model["layers"] if L["type"] != 13]
    if [o for k, o in enumerate(ops) if not (o == "Flatten" and ops[k + 1:k + 2] == ["Gemm"])] != \
            [o for k, o in enumerate(want) if not (o == "Flatten" and want[k + 1:k + 2] == ["Gemm"])]:
        raise Bad("%s: operators %r, model.bin has %r" % (path, ops, want))
    x = vin.astype(np.float32).astype(np.float64)
    x = x.reshape((len(x),) + tuple(dims))
    y = onnx_eval(g, x, numpy_helper, helper)
    err = float(np.max(np.abs(y - vout)))
    if err > TOL:
        raise Bad("%s: max |onnx - expected| = %g" % (path, err))
    return "ok, %d nodes, max error %.2e" % (len(g.node), err)


def check_dir(d):
    if d.endswith(".bin"):
        d = os.path.dirname(d) or "."
    with open(os.path.join(d, "model.bin"), "rb") as f:
        data = f.read()
    model = parse_model(data)
    vin, vout = read_vectors(os.path.join(d, "vectors.txt"))
    if vin.shape[1] != np.prod(model["shape"]) or vout.shape[1] != np.prod(model["out_shape"]):
        raise Bad("vectors.txt sizes do not match the model")
    errs, hid_err = [], None
    hidden_path = os.path.join(d, "hidden.txt")
    hin = hout = None
    if os.path.exists(hidden_path):
        hin, hout = read_vectors(hidden_path)
        if not np.array_equal(hin, vin):
            raise Bad("hidden.txt inputs differ from vectors.txt's")
    first_relu = next((i for i, L in enumerate(model["layers"]) if L["type"] == 7), None)
    for k, row in enumerate(vin):
        # the runtime reads float32 inputs
        y, acts = forward(model, row.astype(np.float32))
        errs.append(np.max(np.abs(y - vout[k])))
        if hout is not None:
            e = np.max(np.abs(acts[first_relu] - hout[k]))
            hid_err = e if hid_err is None else max(hid_err, e)
    err = float(max(errs))
    if err > TOL:
        raise Bad("max |numpy - expected| = %g" % err)
    if hid_err is not None and hid_err > TOL:
        raise Bad("hidden.txt: max error %g" % hid_err)
    # feature ranges must contain the vectors' inputs
    if model["features"] is not None:
        lo = np.array([f[3] for f in model["features"]])
        hi = np.array([f[4] for f in model["features"]])
        x32 = vin.astype(np.float32)
        if np.any(x32 < lo) or np.any(x32 > hi):
            raise Bad("a test vector lies outside the FEAT ranges")
    onnx_path = os.path.join(d, "model.onnx")
    onnx_msg = check_onnx(onnx_path, model, vin, vout) if os.path.exists(onnx_path) else "absent"
    arch = " ".join("%s%s" % (TYPE_NAMES[L["type"]], L["out"] if L["type"] in (1, 2) else "")
                    for L in model["layers"])
    print("%s: ok: %d bytes, input %r, %d layers [%s], %d vectors, max error %.2e%s; onnx %s"
          % (d, len(data), model["shape"], len(model["layers"]), arch, len(vin), err,
             "" if hid_err is None else ", hidden max error %.2e" % hid_err, onnx_msg))


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    status = 0
    for d in argv[1:]:
        try:
            check_dir(d)
        except (Bad, OSError, ValueError) as e:
            print("%s: FAILED: %s" % (d, e))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
