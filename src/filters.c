/*
 * filters.c - the filter atlas and channel graph (filters.h).
 *
 * The receptive field of an activation is found, not computed from kernel
 * sizes and strides: the input cells whose gradient of that activation is
 * not 0 (one backward pass), so padding, pooling and dilation are taken
 * care of by the runtime that runs the network.  The deconvnet projection
 * is the same backward pass in the runtime's deconvnet mode.
 */
#include "filters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saliency.h"

int nr_last_spatial_layer(const nn_model *m)
{
    for (int i = m->nlayers - 1; i >= 0; i--)
        if (m->layers[i].out.h * m->layers[i].out.w > 1)
            return i;
    return -1;
}

static int check_layer(const nn_model *m, int layer, nr_error *err)
{
    if (layer < 0 || layer >= m->nlayers)
        return nr_error_set(err, NR_EINVAL, "--layer %d: the network's layers are 0 to %d ('nn2rules "
                            "info' lists them)", layer, m->nlayers - 1);
    if (m->layers[layer].out.h * m->layers[layer].out.w < 2)
        return nr_error_set(err, NR_EINVAL, "--layer %d (%s) has no spatial maps (its output is "
                            "%dx%dx%d)", layer, nn_layer_type_name(m->layers[layer].type),
                            m->layers[layer].out.c, m->layers[layer].out.h, m->layers[layer].out.w);
    return 0;
}

void nr_atlas_free(nr_atlas *a)
{
    for (int i = 0; a->hits && i < a->channels * a->top; i++) {
        free(a->hits[i].patch);
        free(a->hits[i].proj);
    }
    free(a->hits);
    free(a->nhits);
    memset(a, 0, sizeof *a);
}

/* Keep h among channel c's strongest (strongest first; ties: earlier row). */
static void keep_hit(nr_atlas *a, int c, nr_hit h)
{
    nr_hit *list = a->hits + (size_t)c * a->top;
    int k = a->nhits[c];
    if (k == a->top && !(h.act > list[k - 1].act))
        return;
    if (k < a->top)
        a->nhits[c] = ++k;
    for (k = k - 1; k > 0 && h.act > list[k - 1].act; k--)
        list[k] = list[k - 1];
    list[k] = h;
}

/* The receptive field and projection of hit h (channel c). */
static int trace_hit(const nn_model *m, nn_workspace *ws, const float *x, int layer, int c, nr_hit *h,
                     nr_error *err)
{
    const nn_layer *l = &m->layers[layer];
    const int C = m->input.c, H = m->input.h, W = m->input.w;
    const size_t nin = nn_model_input_size(m), nl = nn_layer_size(m, layer);
    float *seed = calloc(nl, sizeof *seed), *g = malloc(nin * sizeof *g), *d = malloc(nin * sizeof *d);
    nn_error nerr;
    int rc = 0;
    memset(&nerr, 0, sizeof nerr);
    if (!seed || !g || !d) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    seed[((size_t)c * l->out.h + h->y) * l->out.w + h->x] = 1;
    if (nn_forward(m, ws, x, 1, NULL, &nerr) < 0 ||
        nn_backward(m, ws, layer, seed, -1, NN_GRAD_PLAIN, g, &nerr) < 0 ||
        nn_backward(m, ws, layer, seed, -1, NN_GRAD_DECONV, d, &nerr) < 0) {
        rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
        goto done;
    }
    h->y0 = H;
    h->x0 = W;
    h->y1 = h->x1 = -1;
    for (int ch = 0; ch < C; ch++)
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++)
                if (g[((size_t)ch * H + i) * W + j] != 0) {
                    h->y0 = i < h->y0 ? i : h->y0;
                    h->y1 = i > h->y1 ? i : h->y1;
                    h->x0 = j < h->x0 ? j : h->x0;
                    h->x1 = j > h->x1 ? j : h->x1;
                }
    if (h->y1 < 0) { /* no gradient reaches the input: the whole of it */
        h->y0 = h->x0 = 0;
        h->y1 = H - 1;
        h->x1 = W - 1;
    }
    {
        int bh = h->y1 - h->y0 + 1, bw = h->x1 - h->x0 + 1;
        h->patch = malloc((size_t)C * bh * bw * sizeof *h->patch);
        h->proj = malloc((size_t)C * bh * bw * sizeof *h->proj);
        if (!h->patch || !h->proj) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        for (int ch = 0; ch < C; ch++)
            for (int i = 0; i < bh; i++)
                for (int j = 0; j < bw; j++) {
                    size_t from = ((size_t)ch * H + h->y0 + i) * W + h->x0 + j, to = ((size_t)ch * bh + i) * bw + j;
                    h->patch[to] = x[from];
                    h->proj[to] = d[from];
                }
    }
done:
    free(seed);
    free(g);
    free(d);
    return rc;
}

int nr_atlas_build(const nn_model *m, const float *x, int n, int layer, int top, nr_atlas *a,
                   nr_error *err)
{
    const size_t nin = nn_model_input_size(m);
    const int batch = nn_batch_within(m, 256, NN_WORKSPACE_BUDGET);
    nn_workspace *ws = NULL, *one = NULL;
    int rc;
    memset(a, 0, sizeof *a);
    if ((rc = check_layer(m, layer, err)) < 0)
        return rc;
    if (top < 1 || n < 1)
        return nr_error_set(err, NR_EINVAL, "nothing to draw (%d rows, %d patches a channel)", n, top);
    a->layer = layer;
    a->channels = m->layers[layer].out.c;
    a->top = top;
    a->nhits = calloc((size_t)a->channels, sizeof *a->nhits);
    a->hits = calloc((size_t)a->channels * top, sizeof *a->hits);
    ws = nn_workspace_new(m, batch);
    one = nn_workspace_new(m, 1);
    if (!a->nhits || !a->hits || !ws || !one) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < n; r0 += batch) {
        const nn_layer *l = &m->layers[layer];
        const int k = n - r0 < batch ? n - r0 : batch, hw = l->out.h * l->out.w;
        const float *act;
        nn_error nerr;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, k, NULL, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            goto done;
        }
        act = nn_activation(ws, layer);
        for (int i = 0; i < k; i++)
            for (int c = 0; c < a->channels; c++) {
                const float *v = act + ((size_t)i * a->channels + c) * hw;
                int best = 0;
                for (int p = 1; p < hw; p++)
                    if (v[p] > v[best])
                        best = p;
                if (v[best] > 0) {
                    nr_hit h = {r0 + i, best / l->out.w, best % l->out.w, v[best], 0, 0, 0, 0, NULL, NULL};
                    keep_hit(a, c, h);
                }
            }
    }
    for (int c = 0; c < a->channels; c++)
        for (int k = 0; k < a->nhits[c]; k++) {
            nr_hit *h = &a->hits[(size_t)c * top + k];
            if ((rc = trace_hit(m, one, x + (size_t)h->row * nin, layer, c, h, err)) < 0)
                goto done;
        }
    rc = 0;
done:
    nn_workspace_free(ws);
    nn_workspace_free(one);
    if (rc < 0)
        nr_atlas_free(a);
    return rc;
}

/* ---- the picture ----------------------------------------------------------- */

enum { PAD = 2, GAP = 10 };

static void put(unsigned char *rgb, int w, int x, int y, double r, double g, double b)
{
    unsigned char *q = rgb + 3 * ((size_t)y * w + x);
    q[0] = (unsigned char)lrint(255 * (r < 0 ? 0 : r > 1 ? 1 : r));
    q[1] = (unsigned char)lrint(255 * (g < 0 ? 0 : g > 1 ? 1 : g));
    q[2] = (unsigned char)lrint(255 * (b < 0 ? 0 : b > 1 ? 1 : b));
}

int nr_atlas_png(const nn_model *m, const nr_atlas *a, char **buf, size_t *len, nr_error *err)
{
    const int C = m->input.c;
    int bh = 1, bw = 1, k, cell, w, h, rc;
    unsigned char *rgb;
    for (int i = 0; i < a->channels * a->top; i++)
        if (a->hits[i].patch) {
            bh = a->hits[i].y1 - a->hits[i].y0 + 1 > bh ? a->hits[i].y1 - a->hits[i].y0 + 1 : bh;
            bw = a->hits[i].x1 - a->hits[i].x0 + 1 > bw ? a->hits[i].x1 - a->hits[i].x0 + 1 : bw;
        }
    k = (32 + (bh > bw ? bh : bw) - 1) / (bh > bw ? bh : bw);
    cell = (bh > bw ? bh : bw) * k;
    w = 2 * a->top * (cell + PAD) + GAP + PAD;
    h = a->channels * (cell + PAD) + PAD;
    if (!(rgb = malloc((size_t)w * h * 3)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    memset(rgb, 255, (size_t)w * h * 3);
    for (int c = 0; c < a->channels; c++)
        for (int t = 0; t < a->nhits[c]; t++) {
            const nr_hit *hit = &a->hits[(size_t)c * a->top + t];
            const int ph = hit->y1 - hit->y0 + 1, pw = hit->x1 - hit->x0 + 1;
            double top = 0;
            for (int i = 0; i < C * ph * pw; i++)
                top = fabs(hit->proj[i]) > top ? fabs(hit->proj[i]) : top;
            for (int i = 0; i < ph * k; i++)
                for (int j = 0; j < pw * k; j++) {
                    const int y = PAD + c * (cell + PAD) + i, p = (i / k) * pw + j / k;
                    double v[3], d[3];
                    for (int ch = 0; ch < 3; ch++) {
                        int cc = C == 3 ? ch : 0, f = (cc * m->input.h + hit->y0 + i / k) * m->input.w + hit->x0 + j / k;
                        v[ch] = nr_input_shade(m, f, hit->patch[(size_t)cc * ph * pw + p]);
                        d[ch] = top > 0 ? 0.5 + 0.5 * hit->proj[(size_t)cc * ph * pw + p] / top : 0.5;
                    }
                    put(rgb, w, PAD + t * (cell + PAD) + j, y, v[0], v[1], v[2]);
                    put(rgb, w, PAD + a->top * (cell + PAD) + GAP + t * (cell + PAD) + j, y, d[0], d[1], d[2]);
                }
        }
    rc = nr_png_rgb(w, h, rgb, buf, len, err);
    free(rgb);
    return rc;
}

/* ---- the graph ----------------------------------------------------------- */

/* The layer read after `layer`: the end (through batch norm and
 * rectifiers) of the next convolution's block; -1: none. */
static int next_block(const nn_model *m, int layer)
{
    int q = -1;
    for (int i = layer + 1; i < m->nlayers && q < 0; i++)
        if (m->layers[i].type == NN_CONV2D)
            q = i;
    if (q < 0)
        return -1;
    while (q + 1 < m->nlayers &&
           (m->layers[q + 1].type == NN_RELU || m->layers[q + 1].type == NN_LEAKYRELU ||
            m->layers[q + 1].type == NN_BATCHNORM))
        q++;
    return q;
}

/* Mean of each channel of layer l's output over its positions, per row. */
static void channel_means(const nn_model *m, const nn_workspace *ws, int l, int k, double *out, int stride)
{
    const nn_layer *L = &m->layers[l];
    const float *a = nn_activation(ws, l);
    const int hw = L->out.h * L->out.w;
    for (int i = 0; i < k; i++)
        for (int c = 0; c < L->out.c; c++) {
            double s = 0;
            for (int p = 0; p < hw; p++)
                s += a[((size_t)i * L->out.c + c) * hw + p];
            out[(size_t)i * stride + c] = s / hw;
        }
}

static double pearson(const double *a, const double *b, int n, int stride)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        ma += a[(size_t)i * stride];
        mb += b[(size_t)i * stride];
    }
    ma /= n;
    mb /= n;
    for (int i = 0; i < n; i++) {
        double da = a[(size_t)i * stride] - ma, db = b[(size_t)i * stride] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}

/* A DOT string: s with quotes and backslashes escaped. */
static void dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int nr_atlas_dot(const nn_model *m, const float *x, int n, int layer, double threshold, char **buf,
                 size_t *len, nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    const int batch = nn_batch_within(m, 256, NN_WORKSPACE_BUDGET);
    const int next = next_block(m, layer);
    const int ca = m->layers[layer].out.c, cb = next >= 0 ? m->layers[next].out.c : 0, w = ca + cb;
    nn_workspace *ws = nn_workspace_new(m, batch);
    double *means = malloc(((size_t)n * w + 1) * sizeof *means);
    float *out = malloc((size_t)batch * nout * sizeof *out);
    int *cls = malloc(((size_t)n + 1) * sizeof *cls), rc = 0;
    FILE *f = NULL;
    if ((rc = check_layer(m, layer, err)) < 0)
        goto done;
    if (!ws || !means || !out || !cls || !(f = open_memstream(buf, len))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < n; r0 += batch) {
        int k = n - r0 < batch ? n - r0 : batch;
        nn_error nerr;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, k, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            goto done;
        }
        channel_means(m, ws, layer, k, means + (size_t)r0 * w, w);
        if (next >= 0)
            channel_means(m, ws, next, k, means + (size_t)r0 * w + ca, w);
        for (int i = 0; i < k; i++)
            cls[r0 + i] = nn_argmax(out + (size_t)i * nout, nout);
    }
    fprintf(f, "digraph channels {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
    fprintf(f, "  label=\"channels of layer %d (%s)%s, over %d rows; edges: correlation of mean "
               "activations >= %g\";\n", layer, nn_layer_type_name(m->layers[layer].type),
            next >= 0 ? " feeding the next convolution's" : "", n, threshold);
    for (int part = 0; part < (next >= 0 ? 2 : 1); part++) {
        int l = part ? next : layer, c0 = part ? ca : 0, nc = part ? cb : ca;
        fprintf(f, "  subgraph cluster_%d {\n    label=\"layer %d (%s)\";\n", l, l,
                nn_layer_type_name(m->layers[l].type));
        for (int c = 0; c < nc; c++) {
            /* the class whose rows raise the channel most */
            double best = -INFINITY, all = 0, *sum = calloc(nout, sizeof *sum);
            long *cnt = calloc(nout, sizeof *cnt);
            int fav = -1;
            char label[256];
            if (!sum || !cnt) {
                free(sum);
                free(cnt);
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            for (int i = 0; i < n; i++) {
                sum[cls[i]] += means[(size_t)i * w + c0 + c];
                cnt[cls[i]]++;
                all += means[(size_t)i * w + c0 + c];
            }
            for (size_t k = 0; k < nout; k++)
                if (cnt[k] && sum[k] / cnt[k] > best) {
                    best = sum[k] / cnt[k];
                    fav = (int)k;
                }
            if (all <= 0)
                snprintf(label, sizeof label, "channel %d\nnever fires", c);
            else if (fav >= 0)
                snprintf(label, sizeof label, "channel %d\nfavours %s\n(%.3g vs %.3g)", c,
                         m->class_names ? m->class_names[fav] : "?", best, all / n);
            else
                snprintf(label, sizeof label, "channel %d", c);
            fprintf(f, "    L%dc%d [label=", l, c);
            dot_str(f, label);
            fputs("];\n", f);
            free(sum);
            free(cnt);
        }
        fputs("  }\n", f);
    }
    for (int a = 0; a < ca && next >= 0; a++)
        for (int b = 0; b < cb; b++) {
            double r = pearson(means + a, means + ca + b, n, w);
            if (r >= threshold)
                fprintf(f, "  L%dc%d -> L%dc%d [label=\"%.2f\", penwidth=%.1f];\n", layer, a, next, b, r,
                        1 + 4 * (r - threshold) / (1 - threshold + 1e-9));
        }
    fputs("}\n", f);
done:
    if (f && fclose(f) != 0 && rc == 0)
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    if (rc < 0 && f) {
        free(*buf);
        *buf = NULL;
    }
    nn_workspace_free(ws);
    free(means);
    free(out);
    free(cls);
    return rc;
}
