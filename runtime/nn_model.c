/*
 * nn_model.c - building a model, checking it (nn_model_finalize) and the
 * small queries about it: sizes, names, parameter counts, error strings.
 *
 * finalize is the runtime's gate: a model read from a file may be hostile,
 * so every size is computed in 64 bits and checked against the NN_MAX_*
 * limits before any tensor is read, and nothing is allocated here at all.
 * Everything after finalize (nn_run.c, nn_ops.c) trusts the shapes.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

int nnrt_fail(nn_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int nnrt_layer_fail(nn_error *err, int code, int idx, nn_layer_type t,
                    const char *fmt, ...)
{
    va_list ap;
    int len;
    if (!err)
        return code;
    err->code = code;
    if (idx < 0)
        len = snprintf(err->msg, sizeof err->msg, "%s: ", nn_layer_type_name(t));
    else
        len = snprintf(err->msg, sizeof err->msg, "layer %d (%s): ", idx,
                       nn_layer_type_name(t));
    if (len < 0 || (size_t)len >= sizeof err->msg)
        return code;
    va_start(ap, fmt);
    vsnprintf(err->msg + len, sizeof err->msg - (size_t)len, fmt, ap);
    va_end(ap);
    return code;
}

size_t nnrt_mul(size_t a, size_t b)
{
    if (a && b > SIZE_MAX / a)
        return SIZE_MAX;
    return a * b;
}

/* --- building ------------------------------------------------------------ */

nn_model *nn_model_new(void)
{
    return calloc(1, sizeof(nn_model));
}

static void free_layer_tensors(const nn_layer *l)
{
    free(l->w);
    free(l->b);
    free(l->bn_gamma);
    free(l->bn_beta);
    free(l->bn_mean);
    free(l->bn_var);
}

void nn_profile_free(nn_profile *p)
{
    if (!p)
        return;
    if (p->features)
        for (int f = 0; f < p->nfeatures; f++) {
            free(p->features[f].q);
            free(p->features[f].values);
            free(p->features[f].freq);
        }
    free(p->features);
    free(p->rows);
    free(p);
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    nn_profile_free(m->profile);
    for (int i = 0; i < m->nlayers; i++)
        free_layer_tensors(&m->layers[i]);
    free(m->layers);
    if (m->features)
        for (int i = 0; i < m->nfeatures; i++)
            free(m->features[i].name);
    free(m->features);
    if (m->class_names)
        for (int i = 0; i < m->nclasses; i++)
            free(m->class_names[i]);
    free(m->class_names);
    free(m->norm_mean);
    free(m->norm_std);
    free(m->description);
    free(m);
}

nn_layer *nn_model_add_layer(nn_model *m, const nn_layer *l)
{
    nn_layer *slot = NULL;
    if (!l)
        return NULL;
    if (!m || m->nlayers >= NN_MAX_LAYERS || m->nlayers < 0)
        goto done;
    if (m->nlayers == m->cap_layers) {
        int cap = m->cap_layers ? 2 * m->cap_layers : 8;
        nn_layer *grown;
        if (cap > NN_MAX_LAYERS)
            cap = NN_MAX_LAYERS;
        grown = realloc(m->layers, (size_t)cap * sizeof *grown);
        if (!grown)
            goto done;
        m->layers = grown;
        m->cap_layers = cap;
    }
    slot = &m->layers[m->nlayers++];
    *slot = *l;
    memset(&slot->in, 0, sizeof slot->in);
    memset(&slot->out, 0, sizeof slot->out);
done:
    /* The caller gave the tensors away either way. */
    if (!slot)
        free_layer_tensors(l);
    return slot;
}

/* --- checking ------------------------------------------------------------ */

/* The tensors a layer carries, in the order of nnrt_op.tensor_names. */
static void layer_tensors(const nn_layer *l, float *t[4])
{
    if (l->type == NN_BATCHNORM) {
        t[0] = l->bn_gamma;
        t[1] = l->bn_beta;
        t[2] = l->bn_mean;
        t[3] = l->bn_var;
    } else {
        t[0] = l->w;
        t[1] = l->b;
        t[2] = t[3] = NULL;
    }
}

int nn_layer_tensor_sizes(const nn_layer *l, nn_shape in, size_t n[4])
{
    const nnrt_op *op = l ? nnrt_op_get(l->type) : NULL;
    n[0] = n[1] = n[2] = n[3] = 0;
    if (!op)
        return 0;
    if (op->tensor_sizes)
        op->tensor_sizes(l, in, n);
    return op->ntensors;
}

/* A shape is usable: every dimension in 1..NN_MAX_DIM and at most
 * NN_MAX_TENSOR elements.  what names it in the message ("input" or
 * "output"); t == 0 means the model's input, not a layer's. */
static int check_dims(nn_shape s, const char *what, int idx, nn_layer_type t,
                      nn_error *err)
{
    int code = 0;
    const char *why = NULL;
    if (s.c < 1 || s.h < 1 || s.w < 1) {
        code = NN_ESHAPE;
        why = "is empty";
    } else if (s.c > NN_MAX_DIM || s.h > NN_MAX_DIM || s.w > NN_MAX_DIM ||
               nn_shape_size(s) > NN_MAX_TENSOR) {
        code = NN_ELIMIT;
        why = "is too large";
    }
    if (!code)
        return 0;
    if (!t)
        return nnrt_fail(err, code, "%s shape %dx%dx%d %s", what, s.c, s.h,
                         s.w, why);
    return nnrt_layer_fail(err, code, idx, t, "%s shape %dx%dx%d %s", what,
                           s.c, s.h, s.w, why);
}

static int check_finite(const float *v, size_t n, int idx, const nn_layer *l,
                        const char *name, nn_error *err)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k]))
            return nnrt_layer_fail(err, NN_ENONFINITE, idx, l->type,
                                   "%s[%zu] is %s", name, k,
                                   isnan(v[k]) ? "NaN" : "infinite");
    return 0;
}

/* Every window cell of every output position: the im2col matrix of a
 * convolution (all input channels), the index table of a pooling layer
 * (one plane); 0 for other layers. */
static size_t window_cells(const nn_layer *l, nn_shape in, nn_shape out)
{
    size_t cells;
    if (l->type != NN_CONV2D && l->type != NN_MAXPOOL2D &&
        l->type != NN_AVGPOOL2D)
        return 0;
    cells = nnrt_mul(nnrt_mul((size_t)l->kh, (size_t)l->kw),
                     nnrt_mul((size_t)out.h, (size_t)out.w));
    if (l->type == NN_CONV2D)
        cells = nnrt_mul(cells, (size_t)in.c);
    return cells;
}

/* Everything about a layer that depends on shapes only, never reading a
 * tensor: parameters, output shape, and the sizes of its tensors and
 * buffers against the limits.  idx is for messages (-1: no index). */
static int check_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                       nn_error *err)
{
    const nnrt_op *op = nnrt_op_get(l->type);
    size_t n[4];
    int e;
    if (!op) {
        if (idx < 0)
            return nnrt_fail(err, NN_EINVAL, "unknown layer type %d",
                             (int)l->type);
        return nnrt_fail(err, NN_EINVAL, "layer %d: unknown layer type %d",
                         idx, (int)l->type);
    }
    if ((e = op->shape(l, idx, in, out, err)) < 0)
        return e;
    if ((e = check_dims(*out, "output", idx, l->type, err)) < 0)
        return e;
    nn_layer_tensor_sizes(l, in, n);
    for (int k = 0; k < op->ntensors; k++)
        if (n[k] > NN_MAX_TENSOR)
            return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                                   "%s would have more than %zu elements",
                                   op->tensor_names[k], (size_t)NN_MAX_TENSOR);
    /* Bounded like a tensor, so that the buffers and int offsets built from
     * it stay sane. */
    if (window_cells(l, in, *out) > NN_MAX_TENSOR)
        return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                               "windows cover more than %zu cells",
                               (size_t)NN_MAX_TENSOR);
    return 0;
}

int nn_layer_output_shape(const nn_layer *l, nn_shape in, nn_shape *out,
                          nn_error *err)
{
    int e;
    nn_shape s;
    if (!l || !out)
        return nnrt_fail(err, NN_EINVAL, "no layer or no output shape");
    if ((e = check_dims(in, "input", -1, l->type, err)) < 0)
        return e;
    if ((e = check_shape(l, -1, in, &s, err)) < 0)
        return e;
    *out = s;
    return 0;
}

/* check_shape, then the tensors: present, finite, values that make sense.
 * Sizes come first so that no tensor of an absurd layer is ever read. */
static int check_layer(nn_layer *l, int idx, nn_shape in, nn_error *err)
{
    const nnrt_op *op;
    size_t n[4];
    float *t[4];
    int e;
    l->in = in;
    if ((e = check_shape(l, idx, in, &l->out, err)) < 0)
        return e;
    op = nnrt_op_get(l->type);
    nn_layer_tensor_sizes(l, in, n);
    layer_tensors(l, t);
    for (int k = 0; k < op->ntensors; k++)
        if (!t[k])
            return nnrt_layer_fail(err, NN_EINVAL, idx, l->type, "%s missing",
                                   op->tensor_names[k]);
    for (int k = 0; k < op->ntensors; k++)
        if ((e = check_finite(t[k], n[k], idx, l, op->tensor_names[k], err)) < 0)
            return e;
    if (op->check_values && (e = op->check_values(l, idx, err)) < 0)
        return e;
    return 0;
}

static int check_metadata(const nn_model *m, nn_error *err)
{
    size_t insz = nn_shape_size(m->input);
    size_t outsz = nn_model_output_size(m);
    if (m->task != NN_TASK_CLASSIFY && m->task != NN_TASK_REGRESS)
        return nnrt_fail(err, NN_EINVAL, "unknown task %d", (int)m->task);
    if (m->features && (m->nfeatures < 0 || (size_t)m->nfeatures != insz))
        return nnrt_fail(err, NN_ESHAPE,
                         "%d features described but the input has %zu values",
                         m->nfeatures, insz);
    if (m->features)
        for (int i = 0; i < m->nfeatures; i++) {
            const nn_feature *f = &m->features[i];
            if ((unsigned)f->type >= NN_FEAT_TYPE_END)
                return nnrt_fail(err, NN_EINVAL,
                                 "feature %d: unknown type %d", i, (int)f->type);
            if (isnan(f->min) || isnan(f->max))
                return nnrt_fail(err, NN_ENONFINITE,
                                 "feature %d: range is NaN", i);
            if ((f->type == NN_FEAT_BOOLEAN || f->type == NN_FEAT_ONEHOT) &&
                (f->min < 0 || f->max > 1))
                return nnrt_fail(err, NN_EINVAL,
                                 "feature %d: Boolean or one-hot, but its range [%g, %g] "
                                 "is not within [0, 1]", i, (double)f->min, (double)f->max);
        }
    if (m->profile && (m->profile->nfeatures < 0 || (size_t)m->profile->nfeatures != insz))
        return nnrt_fail(err, NN_ESHAPE,
                         "the data profile describes %d features but the input has %zu values",
                         m->profile->nfeatures, insz);
    if (m->class_names && (m->nclasses < 0 || (size_t)m->nclasses != outsz))
        return nnrt_fail(err, NN_ESHAPE,
                         "%d class names but the output has %zu values",
                         m->nclasses, outsz);
    if (m->norm_mean)
        for (size_t k = 0; k < insz; k++)
            if (!isfinite(m->norm_mean[k]))
                return nnrt_fail(err, NN_ENONFINITE,
                                 "normalization mean[%zu] is %s", k,
                                 isnan(m->norm_mean[k]) ? "NaN" : "infinite");
    if (m->norm_std)
        for (size_t k = 0; k < insz; k++)
            /* not zero or denormal: 1/std must be finite too */
            if (!isfinite(m->norm_std[k]) || !(m->norm_std[k] >= FLT_MIN))
                return nnrt_fail(err, isfinite(m->norm_std[k]) ? NN_EINVAL
                                                               : NN_ENONFINITE,
                                 "normalization std[%zu] is %g, must be finite and at least %g",
                                 k, (double)m->norm_std[k], (double)FLT_MIN);
    return 0;
}

/* A model's file holds its parameters, so a reader that checks sizes
 * against the file's bytes allocates no more than the file is large; but
 * a few bytes of layer settings (a 1x1 convolution padded by thousands) can
 * ask for activations of gigabytes.  Real networks make at most a few
 * hundred activations per parameter or input value: one sample's
 * activations (every layer's output and the largest im2col matrix) may be
 * at most NN_ACT_PER_VALUE per parameter and input value, plus
 * NN_ACT_FLOOR, so that memory stays a small multiple of what the model and
 * its input are. */
#define NN_ACT_PER_VALUE 1024
#define NN_ACT_FLOOR ((size_t)1 << 22)
static int check_proportion(const nn_model *m, size_t max_col, nn_error *err)
{
    size_t insz = nn_shape_size(m->input), acts = insz, params = nn_model_param_count(m), allowed;
    for (int i = 0; i < m->nlayers; i++)
        acts += nn_shape_size(m->layers[i].out); /* each at most 2^28, 4096 layers */
    acts += max_col;
    allowed = nnrt_mul(NN_ACT_PER_VALUE, params + insz) + NN_ACT_FLOOR;
    if (acts > allowed)
        return nnrt_fail(err, NN_ELIMIT,
                         "one input needs %zu activation values, out of all proportion to the "
                         "model's %zu parameters and %zu inputs (at most %d for each, and %zu more)",
                         acts, params, insz, NN_ACT_PER_VALUE, (size_t)NN_ACT_FLOOR);
    return 0;
}

int nn_model_finalize(nn_model *m, nn_error *err)
{
    int e = 0;
    size_t max_act, max_col = 0;
    nn_shape s;
    if (!m)
        return nnrt_fail(err, NN_EINVAL, "no model");
    /* Zero until the whole model checks out: workspaces test it. */
    m->max_act = m->max_col = 0;
    if (m->nlayers < 1 || !m->layers) {
        e = nnrt_fail(err, NN_EINVAL, "model has no layers");
        goto done;
    }
    if (m->nlayers > NN_MAX_LAYERS) {
        e = nnrt_fail(err, NN_ELIMIT, "%d layers, beyond the limit of %d",
                      m->nlayers, NN_MAX_LAYERS);
        goto done;
    }
    s = m->input;
    if ((e = check_dims(s, "input", -1, 0, err)) < 0)
        goto done;
    max_act = nn_shape_size(s);
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        size_t sz;
        if ((e = check_layer(l, i, s, err)) < 0)
            goto done;
        sz = nn_shape_size(l->out);
        if (sz > max_act)
            max_act = sz;
        /* The largest im2col matrix, for nn_model.max_col. */
        if (l->type == NN_CONV2D && window_cells(l, l->in, l->out) > max_col)
            max_col = window_cells(l, l->in, l->out);
        s = l->out;
    }
    if ((e = check_metadata(m, err)) < 0)
        goto done;
    if ((e = check_proportion(m, max_col, err)) < 0)
        goto done;
    m->max_act = max_act;
    m->max_col = max_col;
done:
    return e;
}

/* --- queries ------------------------------------------------------------- */

size_t nn_shape_size(nn_shape s)
{
    if (s.c <= 0 || s.h <= 0 || s.w <= 0)
        return 0;
    return nnrt_mul(nnrt_mul((size_t)s.c, (size_t)s.h), (size_t)s.w);
}

size_t nn_model_input_size(const nn_model *m)
{
    return m ? nn_shape_size(m->input) : 0;
}

size_t nn_model_output_size(const nn_model *m)
{
    if (!m)
        return 0;
    if (m->nlayers < 1 || !m->layers)
        return nn_shape_size(m->input);
    return nn_shape_size(m->layers[m->nlayers - 1].out);
}

size_t nn_layer_size(const nn_model *m, int i)
{
    if (!m || i < -1 || i >= m->nlayers)
        return 0;
    if (i == -1)
        return nn_shape_size(m->input);
    return nn_shape_size(m->layers[i].out);
}

size_t nn_model_param_count(const nn_model *m)
{
    size_t total = 0;
    if (!m)
        return 0;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        size_t n[4];
        int nt = nn_layer_tensor_sizes(l, l->in, n);
        /* As PyTorch's parameters(): batch norm's running mean and variance
         * are buffers, not parameters. */
        if (l->type == NN_BATCHNORM)
            nt = 2;
        for (int k = 0; k < nt; k++)
            total += n[k];
    }
    return total;
}

const char *nn_layer_type_name(nn_layer_type t)
{
    const nnrt_op *op = nnrt_op_get(t);
    return op ? op->name : "unknown";
}

const char *nn_strerror(int code)
{
    switch (code) {
    case NN_OK:
        return "success";
    case NN_ENOMEM:
        return "out of memory";
    case NN_EINVAL:
        return "invalid argument or inconsistent model";
    case NN_ESHAPE:
        return "shapes do not fit together";
    case NN_ELIMIT:
        return "size beyond the runtime's limits";
    case NN_ENONFINITE:
        return "NaN or infinite value";
    default:
        return "unknown error";
    }
}

int nn_argmax(const float *v, size_t n)
{
    size_t best = 0;
    if (!v || n == 0)
        return -1;
    for (size_t k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return (int)best;
}
