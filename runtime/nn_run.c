/*
 * nn_run.c - running a finalized model: workspaces, the forward pass over a
 * batch (in chunks when it is larger than the workspace), and the backward
 * pass from any layer down to any earlier layer or the raw input.
 *
 * Everything a pass needs lives in the workspace, allocated once in
 * nn_workspace_new(), so that nn_forward() and nn_backward() never allocate:
 * a batch of one costs the arithmetic and little else.  The layer work
 * itself is in the operator table (nn_ops.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

struct nn_workspace {
    const nn_model *m;
    int max_batch;
    int n;          /* batch of the last forward; 0 before any */
    int valid;      /* act[] holds the whole last forward (no chunks, no error) */
    float **act;    /* act[i + 1] is layer i's output, act[0] the normalized input */
    float *grad[2]; /* backward signals, used in turn */
    float *scratch; /* shared by all layers, the largest any asks for */
    int **tab;      /* tab[i]: layer i's index table, or NULL */
    float *mem;     /* one block behind act, grad and scratch */
    int *tabmem;    /* one block behind tab */
};

/* Sub-buffers start on 64-byte boundaries within the block. */
static size_t round_up(size_t n)
{
    return n > SIZE_MAX - 15 ? SIZE_MAX : (n + 15) & ~(size_t)15;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Floats (*total) and index-table ints (*tabs) a workspace for B samples
 * needs, and the size of one backward signal buffer (*gsz); saturating, so
 * that an absurd B gives SIZE_MAX rather than a wrapped size. */
static void workspace_sizes(const nn_model *m, size_t B, size_t *total, size_t *tabs,
                            size_t *gsz)
{
    size_t scratch = 0;
    *tabs = 0;
    *total = round_up(nnrt_mul(B, nn_model_input_size(m)));
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        const nnrt_op *op = nnrt_op_get(l->type);
        if (!op->alias)
            *total = add_sat(*total, round_up(nnrt_mul(B, nn_shape_size(l->out))));
        if (op->scratch_size && op->scratch_size(l) > scratch)
            scratch = op->scratch_size(l);
        if (op->index_table)
            *tabs = add_sat(*tabs, round_up(op->index_table(l, NULL)));
    }
    *gsz = round_up(nnrt_mul(B, m->max_act));
    *total = add_sat(*total, add_sat(*gsz, *gsz));
    *total = add_sat(*total, round_up(scratch));
}

size_t nn_workspace_bytes(const nn_model *m, int max_batch)
{
    size_t total, tabs, gsz;
    if (!m || m->max_act == 0 || max_batch < 1)
        return SIZE_MAX;
    workspace_sizes(m, (size_t)max_batch, &total, &tabs, &gsz);
    if (total > SIZE_MAX / sizeof(float) / 2 || tabs > SIZE_MAX / sizeof(int) / 2)
        return SIZE_MAX;
    return total * sizeof(float) + tabs * sizeof(int);
}

int nn_batch_within(const nn_model *m, int want, size_t bytes)
{
    int lo = 1, hi = want;
    if (want <= 1 || nn_workspace_bytes(m, want) <= bytes)
        return want < 1 ? 1 : want;
    /* the largest batch that fits: the size grows with the batch */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (nn_workspace_bytes(m, mid) <= bytes)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

nn_workspace *nn_workspace_new(const nn_model *m, int max_batch)
{
    nn_workspace *ws = NULL;
    size_t B, total, tabs, gsz, off;
    int ok = 0;
    if (!m || m->max_act == 0 || max_batch < 1)
        return NULL;
    B = (size_t)max_batch;
    /* Sizes first, saturating, so that an absurd max_batch fails cleanly. */
    workspace_sizes(m, B, &total, &tabs, &gsz);
    if (total == SIZE_MAX || total > SIZE_MAX / sizeof(float) ||
        tabs == SIZE_MAX || tabs > SIZE_MAX / sizeof(int))
        goto done;
    if (!(ws = calloc(1, sizeof *ws)))
        goto done;
    ws->m = m;
    ws->max_batch = max_batch;
    if (!(ws->act = calloc((size_t)m->nlayers + 1, sizeof *ws->act)) ||
        !(ws->tab = calloc((size_t)m->nlayers, sizeof *ws->tab)) ||
        !(ws->mem = malloc(total * sizeof(float))) ||
        (tabs && !(ws->tabmem = malloc(tabs * sizeof(int)))))
        goto done;
    off = 0;
    ws->act[0] = ws->mem;
    off += round_up(B * nn_model_input_size(m));
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        if (nnrt_op_get(l->type)->alias) {
            /* Same data, new shape: the output is the input. */
            ws->act[i + 1] = ws->act[i];
            continue;
        }
        ws->act[i + 1] = ws->mem + off;
        off += round_up(B * nn_shape_size(l->out));
    }
    ws->grad[0] = ws->mem + off;
    off += gsz;
    ws->grad[1] = ws->mem + off;
    off += gsz;
    ws->scratch = ws->mem + off;
    off = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        const nnrt_op *op = nnrt_op_get(l->type);
        size_t len = op->index_table ? op->index_table(l, NULL) : 0;
        if (!len)
            continue;
        ws->tab[i] = ws->tabmem + off;
        op->index_table(l, ws->tab[i]);
        off += round_up(len);
    }
    ok = 1;
done:
    if (!ok && ws) {
        nn_workspace_free(ws);
        ws = NULL;
    }
    return ws;
}

void nn_workspace_free(nn_workspace *ws)
{
    if (!ws)
        return;
    free(ws->mem);
    free(ws->tabmem);
    free(ws->tab);
    free(ws->act);
    free(ws);
}

const float *nn_activation(const nn_workspace *ws, int i)
{
    if (!ws || !ws->valid || i < -1 || i >= ws->m->nlayers)
        return NULL;
    return ws->act[i + 1];
}

int nn_workspace_batch(const nn_workspace *ws)
{
    return ws ? ws->n : 0;
}

/* Non-zero when v is NaN or infinite: all exponent bits set.  An integer
 * test, so that OR-ing it over a block vectorizes. */
static unsigned nonfinite_bits(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return (u & 0x7f800000u) == 0x7f800000u;
}

/* Point act[0] (and the layers that alias it) at the n samples to run.
 * Without normalization that is the caller's x itself: copying it would
 * cost a pass over memory as large as the first GEMM reads.  With
 * normalization the samples are normalized into the workspace.  Either way
 * NaN and infinities are refused; the check rides along with the pass, and
 * only a failure looks for the culprit. */
static int load_input(const nn_model *m, nn_workspace *ws,
                      const float *restrict x, int n, int first, nn_error *err)
{
    const size_t insz = nn_model_input_size(m), len = (size_t)n * insz;
    const float *restrict mean = m->norm_mean, *restrict sd = m->norm_std;
    float *a = ws->mem;
    unsigned bad = 0;
    if (!mean && !sd) {
        NNRT_FOR_BLOCKED(k, len, bad |= nonfinite_bits(x[k]));
        /* const dropped, never written through: no layer writes its input */
        a = (float *)(uintptr_t)x;
    } else {
        for (int j = 0; j < n; j++) {
            const float *restrict xs = x + (size_t)j * insz;
            float *restrict as = a + (size_t)j * insz;
            if (mean && sd)
                NNRT_FOR_BLOCKED(k, insz, bad |= nonfinite_bits(xs[k]);
                                 as[k] = (xs[k] - mean[k]) / sd[k]);
            else if (mean)
                NNRT_FOR_BLOCKED(k, insz, bad |= nonfinite_bits(xs[k]);
                                 as[k] = xs[k] - mean[k]);
            else
                NNRT_FOR_BLOCKED(k, insz, bad |= nonfinite_bits(xs[k]);
                                 as[k] = xs[k] / sd[k]);
        }
    }
    if (bad)
        for (size_t k = 0; k < len; k++)
            if (!isfinite(x[k]))
                return nnrt_fail(err, NN_ENONFINITE,
                                 "input sample %zu, value %zu is %s",
                                 (size_t)first + k / insz, k % insz,
                                 isnan(x[k]) ? "NaN" : "infinite");
    ws->act[0] = a;
    for (int i = 0; i < m->nlayers && nnrt_op_get(m->layers[i].type)->alias; i++)
        ws->act[i + 1] = a;
    return 0;
}

/* One chunk of at most max_batch samples through every layer. */
static int forward_chunk(const nn_model *m, nn_workspace *ws, const float *x,
                         int n, int first, nn_error *err)
{
    int e;
    if ((e = load_input(m, ws, x, n, first, err)) < 0)
        return e;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        const nnrt_op *op = nnrt_op_get(l->type);
        const nnrt_scratch s = {ws->scratch, ws->tab[i]};
        if (!op->alias)
            op->forward(l, ws->act[i], ws->act[i + 1], n, &s);
    }
    return 0;
}

static int check_run(const nn_model *m, const nn_workspace *ws, nn_error *err)
{
    if (!m || !ws)
        return nnrt_fail(err, NN_EINVAL, "no model or no workspace");
    if (ws->m != m)
        return nnrt_fail(err, NN_EINVAL,
                         "the workspace was made for another model");
    if (m->max_act == 0)
        return nnrt_fail(err, NN_EINVAL, "the model is not finalized");
    return 0;
}

int nn_forward(const nn_model *m, nn_workspace *ws, const float *x, int n,
               float *out, nn_error *err)
{
    int e;
    size_t insz, outsz;
    if ((e = check_run(m, ws, err)) < 0)
        goto done;
    ws->valid = 0;
    ws->n = 0;
    if (n < 1 || !x) {
        e = nnrt_fail(err, NN_EINVAL, "nothing to run (n = %d)", n);
        goto done;
    }
    insz = nn_model_input_size(m);
    outsz = nn_model_output_size(m);
    for (int s0 = 0; s0 < n; s0 += ws->max_batch) {
        int cn = n - s0 < ws->max_batch ? n - s0 : ws->max_batch;
        if ((e = forward_chunk(m, ws, x + (size_t)s0 * insz, cn, s0, err)) < 0)
            goto done;
        if (out)
            memcpy(out + (size_t)s0 * outsz, ws->act[m->nlayers],
                   (size_t)cn * outsz * sizeof *out);
    }
    ws->n = n;
    ws->valid = n <= ws->max_batch;
done:
    return e;
}

/* Scale the gradient of the normalized input back to the data's units. */
static void unnormalize_grad(const nn_model *m, float *g, int n)
{
    const size_t insz = nn_model_input_size(m);
    if (!m->norm_std)
        return;
    for (int j = 0; j < n; j++) {
        float *restrict gj = g + (size_t)j * insz;
        const float *restrict sd = m->norm_std;
        NNRT_FOR_BLOCKED(k, insz, gj[k] /= sd[k]);
    }
}

/* Whether two float ranges share memory (compared as addresses, since they
 * may come from different objects). */
static int overlaps(const float *a, size_t na, const float *b, size_t nb)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return pa < pb + nb * sizeof *b && pb < pa + na * sizeof *a;
}

int nn_backward(const nn_model *m, nn_workspace *ws, int from,
                const float *seed, int to, nn_grad_mode mode, float *grad,
                nn_error *err)
{
    int e, n, last = -1;
    const float *cur;
    if ((e = check_run(m, ws, err)) < 0)
        goto done;
    if (!ws->valid) {
        e = nnrt_fail(err, NN_EINVAL,
                      "no activations to go back through: run one forward "
                      "of at most %d samples first", ws->max_batch);
        goto done;
    }
    if (to < -1 || from >= m->nlayers || to >= from) {
        e = nnrt_fail(err, NN_EINVAL,
                      "cannot go back from layer %d to layer %d of %d", from,
                      to, m->nlayers);
        goto done;
    }
    if (mode != NN_GRAD_PLAIN && mode != NN_GRAD_DECONV && mode != NN_GRAD_GUIDED) {
        e = nnrt_fail(err, NN_EINVAL, "unknown gradient mode %d", (int)mode);
        goto done;
    }
    if (!seed || !grad) {
        e = nnrt_fail(err, NN_EINVAL, "no seed or no gradient buffer");
        goto done;
    }
    n = ws->n;
    /* The lowest layer that does work writes straight into grad, unless
     * grad overlaps the seed that the layers read (a caller going back in
     * place): the layers' buffers must not overlap. */
    for (int i = to + 1; i <= from; i++)
        if (!nnrt_op_get(m->layers[i].type)->alias) {
            last = i;
            break;
        }
    if (overlaps(seed, (size_t)n * nn_layer_size(m, from), grad,
                 (size_t)n * nn_layer_size(m, to)))
        last = -2;
    cur = seed;
    for (int i = from; i > to; i--) {
        const nn_layer *l = &m->layers[i];
        const nnrt_op *op = nnrt_op_get(l->type);
        const nnrt_scratch s = {ws->scratch, ws->tab[i]};
        float *dst;
        if (op->alias)
            continue;
        if (i == last)
            dst = grad;
        else
            dst = cur == ws->grad[0] ? ws->grad[1] : ws->grad[0];
        op->backward(l, ws->act[i], ws->act[i + 1], cur, dst, n, mode, &s);
        cur = dst;
    }
    if (cur != grad)
        memmove(grad, cur, (size_t)n * nn_layer_size(m, to) * sizeof *grad);
    if (to == -1)
        unnormalize_grad(m, grad, n);
done:
    return e;
}

int nn_input_gradient(const nn_model *m, nn_workspace *ws, const float *x,
                      int n, int unit, nn_grad_mode mode, float *grad,
                      nn_error *err)
{
    int e;
    size_t insz, outsz;
    if ((e = check_run(m, ws, err)) < 0)
        goto done;
    insz = nn_model_input_size(m);
    outsz = nn_model_output_size(m);
    if (unit < 0 || (size_t)unit >= outsz) {
        e = nnrt_fail(err, NN_EINVAL, "output unit %d out of range 0..%zu",
                      unit, outsz - 1);
        goto done;
    }
    if (!grad || !x || n < 1) {
        e = nnrt_fail(err, NN_EINVAL, "nothing to run (n = %d) or no buffers", n);
        goto done;
    }
    /* Chunks of the workspace's size, each forward then backward; the seed
     * (one-hot on unit) sits in a gradient buffer, which backward may then
     * reuse since it reads each signal before overwriting the other. */
    for (int s0 = 0; s0 < n; s0 += ws->max_batch) {
        int cn = n - s0 < ws->max_batch ? n - s0 : ws->max_batch;
        float *seed = ws->grad[0];
        if ((e = nn_forward(m, ws, x + (size_t)s0 * insz, cn, NULL, err)) < 0)
            goto done;
        memset(seed, 0, (size_t)cn * outsz * sizeof *seed);
        for (int j = 0; j < cn; j++)
            seed[(size_t)j * outsz + (size_t)unit] = 1.0f;
        if ((e = nn_backward(m, ws, m->nlayers - 1, seed, -1, mode,
                             grad + (size_t)s0 * insz, err)) < 0)
            goto done;
    }
done:
    return e;
}
