/*
 * onnx_write.c - the ONNX model writer (see onnx.h).
 *
 * The model becomes a chain of standard operators (opset
 * NR_ONNX_OPSET_WRITE) from one float input "input" to one output
 * "output", both with a symbolic batch dimension "N":
 *
 *   input normalization    Sub (mean) then Div (std), so that the graph
 *                          takes raw inputs exactly as model.bin does
 *   dense                  Gemm, transB=1 (W is [units][in] already),
 *                          after a Flatten when the tensor is 4-D
 *   conv2d                 Conv (kernel_shape, strides, pads, dilations)
 *   maxpool2d, avgpool2d   MaxPool, AveragePool (count_include_pad)
 *   globalavgpool          GlobalAveragePool
 *   flatten                Flatten (axis 1), nothing when already flat
 *   relu ... tanh          Relu, LeakyRelu (alpha), Sigmoid, Tanh
 *   softmax                Softmax (axis 1) over the flattened sample: the
 *                          runtime's softmax covers the whole sample
 *   batchnorm              BatchNormalization (epsilon)
 *   dropout                nothing (the identity at inference)
 *
 * Feature and class names and the task go into metadata_props under the
 * keys onnx.c reads back.  Nothing varies between runs (no time stamps, no
 * addresses), so the same model always gives the same bytes.
 *
 * Two passes: plan() turns layers into steps and refuses what ONNX or the
 * reader could not take back, then the steps are written.
 */
#include "onnx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "pb.h"
#include "version.h"

#define ONNX_IR_VERSION 8

/* TensorProto.DataType and AttributeProto.AttributeType values used. */
enum { DT_FLOAT = 1 };
enum { AT_FLOAT = 1, AT_INT = 2, AT_INTS = 7 };

typedef enum step_op {
    ST_SUB, ST_DIV, ST_FLATTEN, ST_GEMM, ST_CONV, ST_MAXPOOL, ST_AVGPOOL, ST_GAP, ST_RELU,
    ST_LEAKY, ST_SIGMOID, ST_TANH, ST_SOFTMAX, ST_BN
} step_op;

static const char *const OP_NAME[] = {
    [ST_SUB] = "Sub", [ST_DIV] = "Div", [ST_FLATTEN] = "Flatten", [ST_GEMM] = "Gemm",
    [ST_CONV] = "Conv", [ST_MAXPOOL] = "MaxPool", [ST_AVGPOOL] = "AveragePool",
    [ST_GAP] = "GlobalAveragePool", [ST_RELU] = "Relu", [ST_LEAKY] = "LeakyRelu",
    [ST_SIGMOID] = "Sigmoid", [ST_TANH] = "Tanh", [ST_SOFTMAX] = "Softmax",
    [ST_BN] = "BatchNormalization"};

typedef struct step {
    step_op op;
    int layer; /* -1 for the normalization */
} step;

/* Steps of the chain; *rank_in and *rank_out are the ranks of the graph's
 * input and output (2: [N, n], 4: [N, c, h, w]).  steps has room for
 * 2 + 2 * nlayers. */
static int plan(const nn_model *m, step *steps, int *nsteps, int *rank_in, int *rank_out, nr_error *err)
{
    int rank = 2, n = 0;
    /* 4-D when the input is an image, or when a window comes before anything
     * that flattens */
    if (m->input.h > 1 || m->input.w > 1) {
        rank = 4;
    } else {
        for (int i = 0; i < m->nlayers; i++) {
            nn_layer_type t = m->layers[i].type;
            if (t == NN_DENSE || t == NN_FLATTEN)
                break;
            if (t == NN_CONV2D || t == NN_MAXPOOL2D || t == NN_AVGPOOL2D || t == NN_GLOBALAVGPOOL) {
                rank = 4;
                break;
            }
        }
    }
    *rank_in = rank;
    if (m->norm_mean)
        steps[n++] = (step){ST_SUB, -1};
    if (m->norm_std)
        steps[n++] = (step){ST_DIV, -1};
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        switch (l->type) {
        case NN_DENSE:
            if (rank == 4)
                steps[n++] = (step){ST_FLATTEN, i};
            rank = 2;
            steps[n++] = (step){ST_GEMM, i};
            break;
        case NN_CONV2D:
        case NN_MAXPOOL2D:
        case NN_AVGPOOL2D:
        case NN_GLOBALAVGPOOL:
            if (rank == 2)
                return nr_error_set(err, NR_EUNSUP, "layer %d (%s) comes after the tensor was flattened; "
                                    "ONNX export takes windows only over [N, C, H, W]", i,
                                    nn_layer_type_name(l->type));
            steps[n++] = (step){l->type == NN_CONV2D ? ST_CONV : l->type == NN_MAXPOOL2D ? ST_MAXPOOL
                                : l->type == NN_AVGPOOL2D ? ST_AVGPOOL : ST_GAP, i};
            break;
        case NN_FLATTEN:
            if (rank == 4)
                steps[n++] = (step){ST_FLATTEN, i};
            rank = 2;
            break;
        case NN_SOFTMAX:
            /* ONNX's Softmax (opset 13) runs along one axis */
            if (rank == 4 && (l->in.h > 1 || l->in.w > 1)) {
                steps[n++] = (step){ST_FLATTEN, i};
                rank = 2;
            }
            steps[n++] = (step){ST_SOFTMAX, i};
            break;
        case NN_RELU: steps[n++] = (step){ST_RELU, i}; break;
        case NN_LEAKYRELU: steps[n++] = (step){ST_LEAKY, i}; break;
        case NN_SIGMOID: steps[n++] = (step){ST_SIGMOID, i}; break;
        case NN_TANH: steps[n++] = (step){ST_TANH, i}; break;
        case NN_BATCHNORM: steps[n++] = (step){ST_BN, i}; break;
        case NN_DROPOUT: break;
        default:
            return nr_error_set(err, NR_EUNSUP, "layer %d has type %d, which ONNX export does not know", i,
                                (int)l->type);
        }
    }
    if (n == 0)
        return nr_error_set(err, NR_EUNSUP, "the model has no layer an ONNX graph would hold "
                            "(only dropout, or nothing)");
    *nsteps = n;
    *rank_out = rank;
    return 0;
}

/* A comma-separated list must give the names back as they are: no comma
 * in a name, no space or tab at either end (nr_names_split trims them). */
static int bad_name(const char *s)
{
    size_t len = strlen(s);
    return strchr(s, ',') || !len || s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t';
}

static int refuse_name(const char *what, int i, const char *s, nr_error *err)
{
    return nr_error_set(err, NR_EUNSUP, "%s name %d (\"%.60s\") holds a comma or starts or ends with a "
                        "space, which ONNX metadata_props cannot carry", what, i + 1, s);
}

/* A metadata_props entry (StringStringEntryProto: key 1, value 2); the
 * value is the n names joined by commas. */
static void put_names(pb_writer *w, const char *key, const char *const *names, int n)
{
    size_t mk = pb_w_begin(w, 14), vk;
    pb_w_str(w, 1, key);
    vk = pb_w_begin(w, 2);
    for (int i = 0; i < n; i++) {
        if (i)
            pb_w_raw(w, ",", 1);
        pb_w_raw(w, names[i], strlen(names[i]));
    }
    pb_w_end(w, vk);
    pb_w_end(w, mk);
}

/* ---- graph pieces ------------------------------------------------------ */

/* A float32 initializer (TensorProto: dims 1, data_type 2, name 8,
 * raw_data 9). */
static void initializer(pb_writer *w, const char *name, const int64_t *dims, int nd, const float *v)
{
    size_t mk = pb_w_begin(w, 5), n = 1;
    for (int k = 0; k < nd; k++) {
        pb_w_uint(w, 1, (uint64_t)dims[k]);
        n *= (size_t)dims[k];
    }
    pb_w_uint(w, 2, DT_FLOAT);
    pb_w_str(w, 8, name);
    pb_w_floats_raw(w, 9, v, n);
    pb_w_end(w, mk);
}

/* AttributeProto: name 1, f 2, i 3, ints 8, type 20. */
static void attr_int(pb_writer *w, const char *name, int64_t v)
{
    size_t mk = pb_w_begin(w, 5);
    pb_w_str(w, 1, name);
    pb_w_uint(w, 3, (uint64_t)v);
    pb_w_uint(w, 20, AT_INT);
    pb_w_end(w, mk);
}

static void attr_float(pb_writer *w, const char *name, float v)
{
    size_t mk = pb_w_begin(w, 5);
    pb_w_str(w, 1, name);
    pb_w_float(w, 2, v);
    pb_w_uint(w, 20, AT_FLOAT);
    pb_w_end(w, mk);
}

static void attr_ints(pb_writer *w, const char *name, const int *v, int n)
{
    size_t mk = pb_w_begin(w, 5);
    pb_w_str(w, 1, name);
    for (int k = 0; k < n; k++)
        pb_w_uint(w, 8, (uint64_t)(int64_t)v[k]);
    pb_w_uint(w, 20, AT_INTS);
    pb_w_end(w, mk);
}

/* A ValueInfoProto of a float tensor [N, dims...]. */
static void value_info(pb_writer *w, uint32_t field, const char *name, const int *dims, int nd)
{
    size_t mk = pb_w_begin(w, field), tk, ttk, sk, dk;
    pb_w_str(w, 1, name);
    tk = pb_w_begin(w, 2);          /* TypeProto */
    ttk = pb_w_begin(w, 1);         /* .tensor_type */
    pb_w_uint(w, 1, DT_FLOAT);      /* elem_type */
    sk = pb_w_begin(w, 2);          /* shape */
    dk = pb_w_begin(w, 1);
    pb_w_str(w, 2, "N");            /* dim_param */
    pb_w_end(w, dk);
    for (int k = 0; k < nd; k++) {
        dk = pb_w_begin(w, 1);
        pb_w_uint(w, 1, (uint64_t)dims[k]);
        pb_w_end(w, dk);
    }
    pb_w_end(w, sk);
    pb_w_end(w, ttk);
    pb_w_end(w, tk);
    pb_w_end(w, mk);
}

/* One step: its node into nodes, its weights into inits.  in and out are
 * the names of the tensors it reads and writes. */
static void write_step(const nn_model *m, const step *s, int rank, const char *in, const char *out,
                       pb_writer *nodes, pb_writer *inits)
{
    const nn_layer *l = s->layer >= 0 ? &m->layers[s->layer] : NULL;
    char name[64], t[4][48];
    const char *ins[6] = {in};
    int nin = 1;
    size_t mk;
    if (s->layer < 0) {
        int64_t dims[3] = {m->input.c, m->input.h, m->input.w};
        int64_t flat = (int64_t)nn_model_input_size(m);
        snprintf(name, sizeof name, "norm/%s", OP_NAME[s->op]);
        snprintf(t[0], sizeof t[0], "norm.%s", s->op == ST_SUB ? "mean" : "std");
        initializer(inits, t[0], rank == 4 ? dims : &flat, rank == 4 ? 3 : 1,
                    s->op == ST_SUB ? m->norm_mean : m->norm_std);
        ins[nin++] = t[0];
    } else {
        snprintf(name, sizeof name, "layer%d/%s", s->layer, OP_NAME[s->op]);
    }
    if (s->op == ST_GEMM || s->op == ST_CONV) {
        size_t n[4];
        nn_layer_tensor_sizes(l, l->in, n);
        snprintf(t[0], sizeof t[0], "layer%d.weight", s->layer);
        snprintf(t[1], sizeof t[1], "layer%d.bias", s->layer);
        if (s->op == ST_GEMM) {
            int64_t wd[2] = {l->units, (int64_t)(n[0] / (size_t)l->units)};
            initializer(inits, t[0], wd, 2, l->w);
        } else {
            int64_t wd[4] = {l->units, l->in.c, l->kh, l->kw};
            initializer(inits, t[0], wd, 4, l->w);
        }
        {
            int64_t bd = l->units;
            initializer(inits, t[1], &bd, 1, l->b);
        }
        ins[nin++] = t[0];
        ins[nin++] = t[1];
    } else if (s->op == ST_BN) {
        static const char *const part[4] = {"scale", "bias", "mean", "var"};
        const float *v[4] = {l->bn_gamma, l->bn_beta, l->bn_mean, l->bn_var};
        int64_t c = l->in.c;
        for (int k = 0; k < 4; k++) {
            snprintf(t[k], sizeof t[k], "layer%d.%s", s->layer, part[k]);
            initializer(inits, t[k], &c, 1, v[k]);
            ins[nin++] = t[k];
        }
    }
    /* NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 */
    mk = pb_w_begin(nodes, 1);
    for (int k = 0; k < nin; k++)
        pb_w_str(nodes, 1, ins[k]);
    pb_w_str(nodes, 2, out);
    pb_w_str(nodes, 3, name);
    pb_w_str(nodes, 4, OP_NAME[s->op]);
    switch (s->op) {
    case ST_GEMM:
        attr_int(nodes, "transB", 1);
        break;
    case ST_CONV:
    case ST_MAXPOOL:
    case ST_AVGPOOL: {
        int k[2] = {l->kh, l->kw}, st[2] = {l->sh, l->sw}, d[2] = {l->dh, l->dw};
        int pads[4] = {l->pad_t, l->pad_l, l->pad_b, l->pad_r};
        if (s->op == ST_AVGPOOL)
            attr_int(nodes, "count_include_pad", (l->flags & NN_POOL_COUNT_PAD) ? 1 : 0);
        if (s->op == ST_CONV)
            attr_ints(nodes, "dilations", d, 2);
        if (s->op == ST_CONV)
            attr_int(nodes, "group", 1);
        attr_ints(nodes, "kernel_shape", k, 2);
        attr_ints(nodes, "pads", pads, 4);
        attr_ints(nodes, "strides", st, 2);
        break;
    }
    case ST_FLATTEN:
    case ST_SOFTMAX:
        attr_int(nodes, "axis", 1);
        break;
    case ST_LEAKY:
        attr_float(nodes, "alpha", l->alpha);
        break;
    case ST_BN:
        attr_float(nodes, "epsilon", l->alpha);
        break;
    default:
        break;
    }
    pb_w_end(nodes, mk);
}

int nr_onnx_write_mem(const nn_model *m, unsigned char **buf, size_t *len, nr_error *err)
{
    pb_writer w = {0}, nodes = {0}, inits = {0};
    step *steps;
    int nsteps = 0, rank_in = 2, rank_out = 2, rc;
    size_t mk, gk;
    *buf = NULL;
    *len = 0;
    if (m->nlayers < 1 || m->nlayers > NN_MAX_LAYERS)
        return nr_error_set(err, NR_EINVAL, "the model has %d layers", m->nlayers);
    for (int i = 0; m->features && i < m->nfeatures; i++)
        if (bad_name(m->features[i].name))
            return refuse_name("feature", i, m->features[i].name, err);
    for (int i = 0; m->class_names && i < m->nclasses; i++)
        if (bad_name(m->class_names[i]))
            return refuse_name("class", i, m->class_names[i], err);
    if (!(steps = malloc((2 + 2 * (size_t)m->nlayers) * sizeof *steps)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = plan(m, steps, &nsteps, &rank_in, &rank_out, err)) < 0) {
        free(steps);
        return rc;
    }
    {
        char in[24] = "input", out[24];
        int rank = rank_in;
        for (int k = 0; k < nsteps; k++) {
            if (k == nsteps - 1)
                snprintf(out, sizeof out, "output");
            else
                snprintf(out, sizeof out, "x%d", k + 1);
            write_step(m, &steps[k], rank, in, out, &nodes, &inits);
            if (steps[k].op == ST_FLATTEN)
                rank = 2;
            memcpy(in, out, sizeof in);
        }
    }
    free(steps);

    /* ModelProto: ir_version 1, producer_name 2, producer_version 3,
     * opset_import 8, metadata_props 14, and the graph (7) last, out of
     * number order (any order is valid protobuf): a file cut short then
     * always lacks part of its graph and is refused, rather than read as a
     * model that lost its names */
    pb_w_uint(&w, 1, ONNX_IR_VERSION);
    pb_w_str(&w, 2, "nn2rules");
    pb_w_str(&w, 3, NR_VERSION);
    mk = pb_w_begin(&w, 8);
    pb_w_str(&w, 1, "");
    pb_w_uint(&w, 2, NR_ONNX_OPSET_WRITE);
    pb_w_end(&w, mk);
    if (m->features) {
        const char **names = malloc((size_t)m->nfeatures * sizeof *names);
        if (!names) {
            w.failed = 1;
        } else {
            for (int i = 0; i < m->nfeatures; i++)
                names[i] = m->features[i].name;
            put_names(&w, "nn2rules.features", names, m->nfeatures);
            free((void *)names);
        }
    }
    if (m->features) {
        /* types and ranges, so that the names come back with them */
        static const char *const types[NN_FEAT_TYPE_END] = {"continuous", "boolean", "one-hot", "integer"};
        size_t ek = pb_w_begin(&w, 14), vk;
        pb_w_str(&w, 1, "nn2rules.feature_info");
        vk = pb_w_begin(&w, 2);
        for (int i = 0; i < m->nfeatures; i++) {
            const nn_feature *f = &m->features[i];
            char e[96];
            int n = snprintf(e, sizeof e, "%s%s %.9g %.9g %d", i ? "," : "", types[f->type], (double)f->min,
                             (double)f->max, f->group);
            pb_w_raw(&w, e, (size_t)n);
        }
        pb_w_end(&w, vk);
        pb_w_end(&w, ek);
    }
    if (m->class_names)
        put_names(&w, "nn2rules.classes", (const char *const *)m->class_names, m->nclasses);
    {
        const char *task = m->task == NN_TASK_REGRESS ? "regression" : "classification";
        put_names(&w, "nn2rules.task", &task, 1);
    }
    gk = pb_w_begin(&w, 7);
    pb_w_raw(&w, nodes.buf, nodes.len);
    pb_w_str(&w, 2, "nn2rules");
    pb_w_raw(&w, inits.buf, inits.len);
    {
        int din[3] = {m->input.c, m->input.h, m->input.w}, dout[3];
        int flat_in = (int)nn_model_input_size(m), flat_out = (int)nn_model_output_size(m);
        nn_shape so = m->layers[m->nlayers - 1].out;
        dout[0] = so.c, dout[1] = so.h, dout[2] = so.w;
        value_info(&w, 11, "input", rank_in == 4 ? din : &flat_in, rank_in == 4 ? 3 : 1);
        value_info(&w, 12, "output", rank_out == 4 ? dout : &flat_out, rank_out == 4 ? 3 : 1);
    }
    pb_w_end(&w, gk);
    rc = nodes.failed || inits.failed || w.failed;
    pb_writer_free(&nodes);
    pb_writer_free(&inits);
    if (rc) {
        pb_writer_free(&w);
        return nr_error_set(err, NR_ENOMEM, "out of memory writing the ONNX model");
    }
    /* protobuf's limit for one message */
    if (w.len > (size_t)INT32_MAX) {
        size_t n = w.len;
        pb_writer_free(&w);
        return nr_error_set(err, NR_ELIMIT, "the ONNX model would take %zu bytes, more than protobuf's "
                            "2 GiB limit", n);
    }
    *buf = w.buf;
    *len = w.len;
    return 0;
}

int nr_onnx_write(const char *path, const nn_model *m, nr_error *err)
{
    unsigned char *data;
    size_t len;
    int rc = nr_onnx_write_mem(m, &data, &len, err);
    if (rc < 0)
        return rc;
    rc = nr_write_file_atomic(path, data, len, err);
    free(data);
    return rc;
}
