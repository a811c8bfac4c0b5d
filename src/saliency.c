/*
 * saliency.c - saliency maps through the reference runtime (saliency.h).
 *
 * Every method is one forward and one backward pass of the runtime (or a
 * batch of them, for SmoothGrad): the runtime's backward pass already
 * follows ReLU as the true gradient, as Zeiler and Fergus's deconvnet, or
 * as guided backpropagation.  CAM reads the dense layer's weights over the
 * feature maps that global average pooling summarises; Grad-CAM weights a
 * layer's maps by the mean gradient of the score over each.
 */
#include "saliency.h"

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

static const char *const method_names[NR_SAL_END] = {
    "gradient", "gradient-x-input", "smoothgrad", "deconvnet",
    "guided",   "cam",              "gradcam",    "guided-gradcam",
};

const char *nr_sal_method_name(nr_sal_method m)
{
    return m < NR_SAL_END ? method_names[m] : "?";
}

int nr_sal_method_by_name(const char *name)
{
    for (int i = 0; i < NR_SAL_END; i++)
        if (strcmp(method_names[i], name) == 0)
            return i;
    return -1;
}

int nr_sal_signed(nr_sal_method m)
{
    return m == NR_SAL_GRADIENT_X_INPUT || m == NR_SAL_DECONVNET || m == NR_SAL_GUIDED ||
           m == NR_SAL_GUIDED_GRADCAM;
}

void nr_sal_opts_default(nr_sal_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layer = -1;
    o->samples = 50;
    o->noise = 0.15;
    o->seed = 1;
}

void nr_salmap_free(nr_salmap *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The layer whose output is the score: the input of a final softmax or
 * sigmoid, else the last. */
static int score_layer(const nn_model *m)
{
    nn_layer_type t = m->layers[m->nlayers - 1].type;
    return m->nlayers > 1 && (t == NN_SOFTMAX || t == NN_SIGMOID) ? m->nlayers - 2 : m->nlayers - 1;
}

/* Fold a gradient-like map over the input's channels into s (h x w):
 * the largest |value| when absolute, the sum when signed.  A tabular
 * input (one pixel of c channels) keeps one value per feature: s is 1 x c. */
static void fold_channels(const nn_model *m, const float *g, const float *x, int times_input,
                          int absolute, nr_salmap *s)
{
    const int c = m->input.c, hw = m->input.h * m->input.w;
    if (hw == 1) {
        for (int ch = 0; ch < c; ch++) {
            double v = g[ch] * (times_input ? x[ch] : 1);
            s->v[ch] = absolute ? fabs(v) : v;
        }
        return;
    }
    for (int p = 0; p < hw; p++) {
        double acc = 0;
        for (int ch = 0; ch < c; ch++) {
            double v = g[(size_t)ch * hw + p];
            if (times_input)
                v *= x[(size_t)ch * hw + p];
            if (absolute)
                acc = fabs(v) > acc ? fabs(v) : acc;
            else
                acc += v;
        }
        s->v[p] = acc;
    }
}

/* Bilinear resampling of an sh x sw grid to dh x dw (centres aligned). */
static void resample(const double *src, int sh, int sw, double *dst, int dh, int dw)
{
    for (int i = 0; i < dh; i++)
        for (int j = 0; j < dw; j++) {
            double y = (i + 0.5) * sh / dh - 0.5, x = (j + 0.5) * sw / dw - 0.5;
            int y0 = (int)floor(y), x0 = (int)floor(x);
            double fy = y - y0, fx = x - x0, v = 0;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) {
                    int yy = y0 + a < 0 ? 0 : y0 + a >= sh ? sh - 1 : y0 + a;
                    int xx = x0 + b < 0 ? 0 : x0 + b >= sw ? sw - 1 : x0 + b;
                    v += (a ? fy : 1 - fy) * (b ? fx : 1 - fx) * src[(size_t)yy * sw + xx];
                }
            dst[(size_t)i * dw + j] = v;
        }
}

/* The last layer before `before` whose output has spatial maps. */
static int last_spatial(const nn_model *m, int before)
{
    for (int i = before - 1; i >= 0; i--)
        if (m->layers[i].out.h * m->layers[i].out.w > 1)
            return i;
    return -1;
}

/* d score / d (output of layer `to`) for one input, after a forward. */
static int backward_to(const nn_model *m, nn_workspace *ws, int from, int klass, int to,
                       nn_grad_mode mode, float *grad, nr_error *err)
{
    size_t ns = nn_layer_size(m, from);
    float *seed = calloc(ns, sizeof *seed);
    nn_error nerr;
    int rc = 0;
    if (!seed)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    seed[klass] = 1;
    memset(&nerr, 0, sizeof nerr);
    if (nn_backward(m, ws, from, seed, to, mode, grad, &nerr) < 0)
        rc = nr_error_set(err, NR_EMODEL, "running the network backward: %s", nerr.msg);
    free(seed);
    return rc;
}

static int forward_one(const nn_model *m, nn_workspace *ws, const float *x, int *klass, nr_error *err)
{
    size_t nout = nn_model_output_size(m);
    float *out = malloc(nout * sizeof *out);
    nn_error nerr;
    memset(&nerr, 0, sizeof nerr);
    if (!out)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (nn_forward(m, ws, x, 1, out, &nerr) < 0) {
        free(out);
        return nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
    }
    if (*klass < 0)
        *klass = nn_argmax(out, nout);
    free(out);
    return 0;
}

/* CAM: the network must end, after its feature maps, in global average
 * pooling, an optional flatten, one dense layer and an optional softmax or
 * sigmoid. */
/* The global average pooling layer of a network of CAM's form, or an
 * error. */
static int cam_pool(const nn_model *m, int *pool, nr_error *err)
{
    int d = score_layer(m), g = d - 1;
    if (g >= 0 && m->layers[g].type == NN_FLATTEN)
        g--;
    if (m->layers[d].type != NN_DENSE || g < 1 || m->layers[g].type != NN_GLOBALAVGPOOL)
        return nr_error_set(err, NR_EUNSUP, "cam needs a network that ends in global average "
                            "pooling, one dense layer and softmax; this one does not (gradcam "
                            "takes any network with spatial maps)");
    *pool = g;
    return 0;
}

/* The layer Grad-CAM reads: `layer`, or (-1) the last with spatial maps
 * before the score; an error when it has none. */
static int gradcam_layer(const nn_model *m, int layer, int *out, nr_error *err)
{
    const int from = score_layer(m);
    const nn_layer *l;
    if (layer < 0 && (layer = last_spatial(m, from)) < 0)
        return nr_error_set(err, NR_EUNSUP, "gradcam needs a layer with spatial maps, and this "
                            "network has none");
    if (layer >= from)
        return nr_error_set(err, NR_EINVAL, "--layer %d is not a layer before the score (layer %d; "
                            "'nn2rules info' lists them)", layer, from);
    l = &m->layers[layer];
    if (l->out.h * l->out.w < 2)
        return nr_error_set(err, NR_EINVAL, "--layer %d (%s) has no spatial maps (its output is "
                            "%dx%dx%d)", layer, nn_layer_type_name(l->type), l->out.c, l->out.h, l->out.w);
    *out = layer;
    return 0;
}

int nr_sal_check(const nn_model *m, nr_sal_method method, const nr_sal_opts *o, nr_error *err)
{
    int dummy;
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "saliency explains a class score; this network is a regression");
    if (method >= NR_SAL_END)
        return nr_error_set(err, NR_EINVAL, "unknown saliency method");
    if (method == NR_SAL_CAM)
        return cam_pool(m, &dummy, err);
    if (method == NR_SAL_GRADCAM || method == NR_SAL_GUIDED_GRADCAM)
        return gradcam_layer(m, o ? o->layer : -1, &dummy, err);
    return 0;
}

static int cam(const nn_model *m, nn_workspace *ws, int klass, nr_salmap *s, nr_error *err)
{
    int g, rc;
    const nn_layer *dense = &m->layers[score_layer(m)];
    const float *a;
    if ((rc = cam_pool(m, &g, err)) < 0)
        return rc;
    s->layer = g - 1;
    s->h = m->layers[g - 1].out.h;
    s->w = m->layers[g - 1].out.w;
    if (!(s->v = calloc((size_t)s->h * s->w, sizeof *s->v)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    a = nn_activation(ws, g - 1);
    if (!a)
        return nr_error_set(err, NR_EMODEL, "the runtime kept no activations of layer %d", g - 1);
    for (int c = 0; c < m->layers[g - 1].out.c; c++) {
        double wk = dense->w[(size_t)klass * dense->in.c * dense->in.h * dense->in.w + c];
        for (int p = 0; p < s->h * s->w; p++)
            s->v[p] += wk * a[(size_t)c * s->h * s->w + p];
    }
    return 0;
}

static int gradcam(const nn_model *m, nn_workspace *ws, int klass, int layer, nr_salmap *s,
                   nr_error *err)
{
    const int from = score_layer(m);
    const nn_layer *l;
    const float *a;
    float *g;
    int rc, hw;
    if ((rc = gradcam_layer(m, layer, &layer, err)) < 0)
        return rc;
    l = &m->layers[layer];
    hw = l->out.h * l->out.w;
    if (!(g = malloc(nn_layer_size(m, layer) * sizeof *g)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = backward_to(m, ws, from, klass, layer, NN_GRAD_PLAIN, g, err)) < 0) {
        free(g);
        return rc;
    }
    s->layer = layer;
    s->h = l->out.h;
    s->w = l->out.w;
    a = nn_activation(ws, layer);
    if (!a || !(s->v = calloc((size_t)hw, sizeof *s->v))) {
        free(g);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int c = 0; c < l->out.c; c++) {
        double alpha = 0;
        for (int p = 0; p < hw; p++)
            alpha += g[(size_t)c * hw + p];
        alpha /= hw;
        for (int p = 0; p < hw; p++)
            s->v[p] += alpha * a[(size_t)c * hw + p];
    }
    for (int p = 0; p < hw; p++)
        s->v[p] = s->v[p] > 0 ? s->v[p] : 0;
    free(g);
    return 0;
}

/* SmoothGrad: the gradient averaged over noisy copies, in one batch. */
static int smoothgrad(const nn_model *m, const float *x, int klass, const nr_sal_opts *o,
                      nr_salmap *s, nr_error *err)
{
    const size_t nin = nn_model_input_size(m);
    const int n = o->samples, from = score_layer(m);
    nn_workspace *ws = nn_workspace_new(m, n);
    float *xs = malloc((size_t)n * nin * sizeof *xs), *g = malloc((size_t)n * nin * sizeof *g);
    float *seed = calloc((size_t)n * nn_layer_size(m, from), sizeof *seed);
    double *mean = calloc(nin, sizeof *mean);
    nn_error nerr;
    nr_rng rng;
    int rc = 0;
    if (!ws || !xs || !g || !seed || !mean) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_rng_seed(&rng, o->seed);
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < nin; j++) {
            double range = j < (size_t)m->nfeatures ? m->features[j].max - m->features[j].min : 0;
            xs[(size_t)i * nin + j] = (float)(x[j] + o->noise * (range > 0 ? range : 1) * nr_rng_normal(&rng));
        }
    for (int i = 0; i < n; i++)
        seed[(size_t)i * nn_layer_size(m, from) + klass] = 1;
    memset(&nerr, 0, sizeof nerr);
    if (nn_forward(m, ws, xs, n, NULL, &nerr) < 0 ||
        nn_backward(m, ws, from, seed, -1, NN_GRAD_PLAIN, g, &nerr) < 0) {
        rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
        goto done;
    }
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < nin; j++)
            mean[j] += g[(size_t)i * nin + j] / n;
    for (size_t j = 0; j < nin; j++)
        g[j] = (float)mean[j];
    fold_channels(m, g, x, 0, 1, s);
done:
    nn_workspace_free(ws);
    free(xs);
    free(g);
    free(seed);
    free(mean);
    return rc;
}

int nr_saliency(const nn_model *m, const float *x, int klass, nr_sal_method method,
                const nr_sal_opts *o, nr_salmap *out, nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    nr_sal_opts def;
    nn_workspace *ws = NULL;
    float *g = NULL;
    int rc = 0;

    memset(out, 0, sizeof *out);
    out->layer = -1;
    if (!o) {
        nr_sal_opts_default(&def);
        o = &def;
    }
    if ((rc = nr_sal_check(m, method, o, err)) < 0)
        return rc;
    if (klass >= (int)nout || klass < -1)
        return nr_error_set(err, NR_EINVAL, "class %d: the network has %zu", klass, nout);
    for (size_t j = 0; j < nin; j++)
        if (!isfinite(x[j]))
            return nr_error_set(err, NR_EINVAL, "input value %zu is not finite", j + 1);
    if (!(ws = nn_workspace_new(m, 1)) || !(g = malloc(nin * sizeof *g))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = forward_one(m, ws, x, &klass, err)) < 0)
        goto done;
    out->klass = klass;
    if (method == NR_SAL_CAM) {
        rc = cam(m, ws, klass, out, err);
        goto done;
    }
    if (method == NR_SAL_GRADCAM) {
        rc = gradcam(m, ws, klass, o->layer, out, err);
        goto done;
    }
    out->h = m->input.h;
    out->w = m->input.h * m->input.w == 1 ? m->input.c : m->input.w;
    if (!(out->v = calloc((size_t)out->h * out->w, sizeof *out->v))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    switch (method) {
    case NR_SAL_SMOOTHGRAD:
        rc = smoothgrad(m, x, klass, o, out, err);
        break;
    case NR_SAL_GUIDED_GRADCAM: {
        nr_salmap gc;
        double *up;
        if ((rc = backward_to(m, ws, score_layer(m), klass, -1, NN_GRAD_GUIDED, g, err)) < 0)
            break;
        fold_channels(m, g, x, 0, 0, out);
        if ((rc = gradcam(m, ws, klass, o->layer, &gc, err)) < 0) {
            nr_salmap_free(&gc);
            break;
        }
        if (!(up = malloc((size_t)out->h * out->w * sizeof *up))) {
            nr_salmap_free(&gc);
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            break;
        }
        resample(gc.v, gc.h, gc.w, up, out->h, out->w);
        for (int p = 0; p < out->h * out->w; p++)
            out->v[p] *= up[p];
        out->layer = gc.layer;
        free(up);
        nr_salmap_free(&gc);
        break;
    }
    default: {
        nn_grad_mode mode = method == NR_SAL_DECONVNET ? NN_GRAD_DECONV
                            : method == NR_SAL_GUIDED  ? NN_GRAD_GUIDED
                                                       : NN_GRAD_PLAIN;
        if ((rc = backward_to(m, ws, score_layer(m), klass, -1, mode, g, err)) == 0)
            fold_channels(m, g, x, method == NR_SAL_GRADIENT_X_INPUT, method == NR_SAL_GRADIENT, out);
        break;
    }
    }
done:
    if (rc < 0)
        nr_salmap_free(out);
    nn_workspace_free(ws);
    free(g);
    return rc;
}

int nr_saliency_many(const nn_model *m, const float *x, int n, int klass, nr_sal_method method,
                     const nr_sal_opts *o, nr_salmap *out, nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    const int from = score_layer(m), batch = nn_batch_within(m, 256, NN_WORKSPACE_BUDGET);
    const size_t ns = nn_layer_size(m, from);
    nn_workspace *ws = NULL;
    float *y = NULL, *seed = NULL, *g = NULL;
    int rc = 0;
    nn_grad_mode mode = method == NR_SAL_DECONVNET ? NN_GRAD_DECONV
                        : method == NR_SAL_GUIDED  ? NN_GRAD_GUIDED
                                                   : NN_GRAD_PLAIN;
    memset(out, 0, (size_t)n * sizeof *out);
    if (method != NR_SAL_GRADIENT && method != NR_SAL_GRADIENT_X_INPUT && method != NR_SAL_DECONVNET &&
        method != NR_SAL_GUIDED) {
        /* one at a time */
        for (int i = 0; i < n && rc == 0; i++)
            rc = nr_saliency(m, x + (size_t)i * nin, klass, method, o, &out[i], err);
        goto done;
    }
    if ((rc = nr_sal_check(m, method, o, err)) < 0)
        return rc;
    if (klass >= (int)nout || klass < -1)
        return nr_error_set(err, NR_EINVAL, "class %d: the network has %zu", klass, nout);
    ws = nn_workspace_new(m, batch);
    y = malloc((size_t)batch * nout * sizeof *y);
    seed = malloc((size_t)batch * ns * sizeof *seed);
    g = malloc((size_t)batch * nin * sizeof *g);
    if (!ws || !y || !seed || !g) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < n && rc == 0; r0 += batch) {
        const int k = n - r0 < batch ? n - r0 : batch;
        nn_error nerr;
        for (size_t j = 0; j < (size_t)k * nin; j++)
            if (!isfinite(x[(size_t)r0 * nin + j])) {
                rc = nr_error_set(err, NR_EINVAL, "row %d: input value %zu is not finite", r0 + (int)(j / nin) + 1,
                                  j % nin + 1);
                goto done;
            }
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, k, y, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            goto done;
        }
        memset(seed, 0, (size_t)k * ns * sizeof *seed);
        for (int i = 0; i < k; i++) {
            int c = klass >= 0 ? klass : nn_argmax(y + (size_t)i * nout, nout);
            out[r0 + i].klass = c;
            seed[(size_t)i * ns + c] = 1;
        }
        if (nn_backward(m, ws, from, seed, -1, mode, g, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network backward: %s", nerr.msg);
            goto done;
        }
        for (int i = 0; i < k; i++) {
            nr_salmap *s = &out[r0 + i];
            s->layer = -1;
            s->h = m->input.h;
            s->w = m->input.h * m->input.w == 1 ? m->input.c : m->input.w;
            if (!(s->v = calloc((size_t)s->h * s->w, sizeof *s->v))) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            fold_channels(m, g + (size_t)i * nin, x + (size_t)(r0 + i) * nin, method == NR_SAL_GRADIENT_X_INPUT,
                          method == NR_SAL_GRADIENT, s);
        }
    }
done:
    if (rc < 0)
        for (int i = 0; i < n; i++)
            nr_salmap_free(&out[i]);
    nn_workspace_free(ws);
    free(y);
    free(seed);
    free(g);
    return rc;
}

int nr_salmap_csv(const nr_salmap *s, char **buf, size_t *len, nr_error *err)
{
    FILE *f = open_memstream(buf, len);
    if (!f)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++)
            fprintf(f, "%.9g%c", s->v[(size_t)i * s->w + j], j + 1 < s->w ? ',' : '\n');
    if (fclose(f) != 0)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    return 0;
}

/* ---- pictures ---------------------------------------------------------- */

typedef struct image {
    int w, h;
    unsigned char *rgb; /* h * w * 3 */
} image;

static void colour(double t, int is_signed, double rgb[3])
{
    if (is_signed) { /* -1 blue, 0 white, 1 red */
        t = t < -1 ? -1 : t > 1 ? 1 : t;
        rgb[0] = t < 0 ? 1 + t : 1;
        rgb[1] = 1 - fabs(t);
        rgb[2] = t > 0 ? 1 - t : 1;
    } else { /* 0 black, red, yellow, 1 white */
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        rgb[0] = 3 * t > 1 ? 1 : 3 * t;
        rgb[1] = 3 * t - 1 < 0 ? 0 : 3 * t - 1 > 1 ? 1 : 3 * t - 1;
        rgb[2] = 3 * t - 2 < 0 ? 0 : 3 * t - 2;
    }
}

/* How much a map is scaled up to show: at least 256 pixels a side. */
static int scale_of(const nn_model *m)
{
    int side = m->input.h > m->input.w ? m->input.h : m->input.w, k = (255 + side) / side;
    return k < 1 ? 1 : k;
}

double nr_input_shade(const nn_model *m, int j, float v)
{
    double lo = m->features && j < m->nfeatures ? m->features[j].min : 0;
    double hi = m->features && j < m->nfeatures ? m->features[j].max : 1;
    double t = hi > lo ? (v - lo) / (hi - lo) : 0;
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

void nr_input_pixel(const nn_model *m, const float *x, int p, double rgb[3])
{
    const int hw = m->input.h * m->input.w;
    for (int ch = 0; ch < 3; ch++) {
        int j = (m->input.c == 3 ? ch : 0) * hw + p;
        rgb[ch] = nr_input_shade(m, j, x[j]);
    }
}

/* Draw the map (and x under it) into img at (x0, y0), scale k. */
static int draw_map(const nn_model *m, const nr_salmap *s, int is_signed, const float *x, image *img,
                    int x0, int y0, int k)
{
    const int H = m->input.h, W = m->input.w;
    double *up = malloc((size_t)H * W * sizeof *up), top = 0;
    if (!up)
        return NR_ENOMEM;
    resample(s->v, s->h, s->w, up, H, W);
    for (int p = 0; p < s->h * s->w; p++)
        top = fabs(s->v[p]) > top ? fabs(s->v[p]) : top;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            double heat[3], base[3], px[3], t = top > 0 ? up[(size_t)i * W + j] / top : 0;
            colour(t, is_signed, heat);
            if (x) {
                nr_input_pixel(m, x, i * W + j, base);
                for (int ch = 0; ch < 3; ch++)
                    px[ch] = 0.45 * base[ch] + 0.55 * heat[ch];
            } else {
                memcpy(px, heat, sizeof px);
            }
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++) {
                    unsigned char *q = img->rgb + 3 * ((size_t)(y0 + i * k + a) * img->w + x0 + j * k + b);
                    for (int ch = 0; ch < 3; ch++)
                        q[ch] = (unsigned char)lrint(255 * px[ch]);
                }
        }
    free(up);
    return 0;
}

typedef struct membuf {
    char *p;
    size_t len, cap;
    int failed;
} membuf;

static void png_put(png_structp png, png_bytep data, png_size_t n)
{
    membuf *b = png_get_io_ptr(png);
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void png_flush_none(png_structp png)
{
    (void)png;
}

int nr_png_rgb(int w, int h, const unsigned char *rgb, char **buf, size_t *len, nr_error *err)
{
    membuf b = {NULL, 0, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    if (!png || !info || !rows) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(b.p);
        return nr_error_set(err, NR_ENOMEM, "cannot encode the PNG");
    }
    png_set_write_fn(png, &b, png_put, png_flush_none);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; i < h; i++)
        rows[i] = (png_bytep)rgb + (size_t)i * w * 3;
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (b.failed) {
        free(b.p);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    *buf = b.p;
    *len = b.len;
    return 0;
}

enum { GAP = 6, BAR = 14 };

int nr_salmap_png(const nn_model *m, const nr_salmap *s, int is_signed, const float *x,
                  char **buf, size_t *len, nr_error *err)
{
    const int k = scale_of(m), W = m->input.w * k, H = m->input.h * k;
    image img;
    int rc;
    if (m->input.h * m->input.w < 2)
        return nr_error_set(err, NR_EUNSUP, "the network's input is not an image (%dx%dx%d): "
                            "write the map as CSV instead", m->input.c, m->input.h, m->input.w);
    img.w = W + GAP + BAR;
    img.h = H;
    if (!(img.rgb = calloc((size_t)img.w * img.h * 3, 1)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    memset(img.rgb, 255, (size_t)img.w * img.h * 3);
    if (draw_map(m, s, is_signed, x, &img, 0, 0, k) < 0) {
        free(img.rgb);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    /* the colour scale: the map's largest |value| at the top, its least
     * (or minus the largest, when signed) at the bottom */
    for (int i = 0; i < H; i++) {
        double t = 1 - 2.0 * i / (H > 1 ? H - 1 : 1), rgb[3];
        colour(is_signed ? t : (t + 1) / 2, is_signed, rgb);
        for (int j = W + GAP; j < img.w; j++)
            for (int ch = 0; ch < 3; ch++)
                img.rgb[3 * ((size_t)i * img.w + j) + ch] = (unsigned char)lrint(255 * rgb[ch]);
    }
    rc = nr_png_rgb(img.w, img.h, img.rgb, buf, len, err);
    free(img.rgb);
    return rc;
}

int nr_salmap_sheet_png(const nn_model *m, const nr_salmap *maps, int n, int is_signed,
                        const float *const *xs, int cols, char **buf, size_t *len, nr_error *err)
{
    const int side = m->input.h > m->input.w ? m->input.h : m->input.w;
    const int k = side >= 64 ? 1 : (64 + side - 1) / side, W = m->input.w * k, H = m->input.h * k;
    int rows, rc = 0;
    image img;
    if (m->input.h * m->input.w < 2)
        return nr_error_set(err, NR_EUNSUP, "the network's input is not an image (%dx%dx%d): "
                            "write the maps as CSV instead", m->input.c, m->input.h, m->input.w);
    if (cols < 1)
        cols = 1;
    rows = (n + cols - 1) / cols;
    img.w = cols * (W + GAP) + GAP;
    img.h = rows * (H + GAP) + GAP;
    if (!(img.rgb = malloc((size_t)img.w * img.h * 3)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    memset(img.rgb, 255, (size_t)img.w * img.h * 3);
    for (int i = 0; i < n && rc == 0; i++)
        if (draw_map(m, &maps[i], is_signed, xs ? xs[i] : NULL, &img, GAP + (i % cols) * (W + GAP),
                     GAP + (i / cols) * (H + GAP), k) < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    if (rc == 0)
        rc = nr_png_rgb(img.w, img.h, img.rgb, buf, len, err);
    free(img.rgb);
    return rc;
}
