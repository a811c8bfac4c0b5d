/*
 * lime_image.c - LIME for images (see lime_image.h).
 */
#include "lime_image.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "saliency.h"
#include "sbuf.h"

void nr_lime_image_opts_default(nr_lime_image_opts *io)
{
    memset(io, 0, sizeof *io);
    io->segmenter = NR_SEG_SLIC;
    io->compactness = NR_SLIC_COMPACTNESS;
    io->kernel_size = NR_QS_KERNEL_SIZE;
    io->max_dist = NR_QS_MAX_DIST;
    io->ratio = NR_QS_RATIO;
    io->fill_mean = 1;
}

int nr_lime_is_image(const nn_model *m)
{
    return (long)m->input.h * m->input.w > 1;
}

int nr_lime_image_segment(const nn_model *m, const float *x, const nr_lime_image_opts *io,
                          nr_segments *seg, nr_error *err)
{
    const int h = m->input.h, w = m->input.w;
    int n = io->segments > 0 ? io->segments : nr_segments_default(h, w);
    memset(seg, 0, sizeof *seg);
    if (!nr_lime_is_image(m))
        return nr_error_set(err, NR_EUNSUP, "the network's input is not an image (%dx%dx%d)",
                            m->input.c, m->input.h, m->input.w);
    if (io->segmenter == NR_SEG_GRID)
        return nr_grid_segments(h, w, n, seg, err);
    if (io->segmenter == NR_SEG_SLIC)
        return nr_slic(x, m->input.c, h, w, n, io->compactness, seg, err);
    if (io->segmenter == NR_SEG_QUICKSHIFT)
        return nr_quickshift(x, m->input.c, h, w, io->kernel_size, io->max_dist, io->ratio, seg, err);
    return nr_error_set(err, NR_EINVAL, "no segmenter %d", io->segmenter);
}

#define IMG_BATCH 64

int nr_lime_explain_image(const nn_model *m, const float *x, const nr_segments *seg,
                          const nr_lime_image_opts *io, int klass, const nr_lime_opts *o,
                          uint64_t seed, uint64_t stream, nr_lime_result *res, nr_error *err)
{
    const int nin = (int)nn_model_input_size(m), nout = (int)nn_model_output_size(m);
    const int c = m->input.c, d = seg->n, n = o->samples, classify = m->task == NN_TASK_CLASSIFY;
    const double width = o->kernel_width > 0 ? o->kernel_width : NR_LIME_IMAGE_WIDTH;
    int batch, rc = 0;
    float *fill = NULL, *xs = NULL, *out = NULL;
    double *Z = NULL, *w = NULL;
    unsigned char *on = NULL;
    nn_workspace *ws = NULL;
    nr_rng rng;

    memset(res, 0, sizeof *res);
    res->kernel_width = width;
    if (seg->h != m->input.h || seg->w != m->input.w || d < 1)
        return nr_error_set(err, NR_EINVAL, "the segmentation is of %dx%d pixels, the input %dx%d", seg->h,
                            seg->w, m->input.h, m->input.w);
    if (n < 2)
        return nr_error_set(err, NR_EINVAL, "--samples must be at least 2");
    for (int j = 0; j < nin; j++)
        if (!isfinite(x[j]))
            return nr_error_set(err, NR_EINVAL, "the image's value %d is %s", j + 1,
                                isnan(x[j]) ? "missing" : "infinite");
    if (classify && klass >= nout)
        return nr_error_set(err, NR_EINVAL, "class %d is not one of the model's %d", klass, nout);
    if ((size_t)n > ((size_t)1 << 31) / (size_t)(d + nout + 1))
        return nr_error_set(err, NR_ELIMIT, "%d samples of %d segments is too many", n, d);
    batch = nn_batch_within(m, n < IMG_BATCH ? n : IMG_BATCH, NN_WORKSPACE_BUDGET);
    fill = malloc(sizeof *fill * (size_t)d * c);
    xs = malloc(sizeof *xs * (size_t)batch * nin);
    out = malloc(sizeof *out * (size_t)n * nout);
    Z = malloc(sizeof *Z * (size_t)n * d);
    w = malloc(sizeof *w * (size_t)n);
    on = malloc((size_t)d);
    ws = nn_workspace_new(m, batch);
    if (!fill || !xs || !out || !Z || !w || !on || !ws) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (io->fill_mean) {
        if ((rc = nr_segments_means(x, c, seg, fill, err)) < 0)
            goto done;
    } else {
        for (size_t t = 0; t < (size_t)d * c; t++)
            fill[t] = io->fill;
    }

    /* the samples, a batch at a time; sample 0 is the image itself */
    nr_rng_seed(&rng, seed ^ (0x9E3779B97F4A7C15ull * (stream + 1)));
    for (int r0 = 0; r0 < n; r0 += batch) {
        int nb = n - r0 < batch ? n - r0 : batch;
        nn_error nerr;
        for (int b = 0; b < nb; b++) {
            int i = r0 + b, k = 0;
            uint64_t bits = 0;
            double *zi = Z + (size_t)i * d, dist;
            for (int s = 0; s < d; s++) {
                if (s % 64 == 0)
                    bits = nr_rng_next(&rng);
                on[s] = i == 0 ? 1 : (unsigned char)(bits & 1);
                bits >>= 1;
                zi[s] = on[s];
                k += on[s];
            }
            /* cosine distance to all-ones; all off: as far as can be */
            dist = k == 0 ? 1 : 1 - sqrt((double)k / d);
            w[i] = sqrt(exp(-dist * dist / (width * width)));
            nr_segments_fill(x, c, seg, on, fill, xs + (size_t)b * nin);
        }
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, xs, nb, out + (size_t)r0 * nout, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network on the samples: %s", nerr.msg);
            goto done;
        }
    }
    for (size_t t = 0; t < (size_t)n * nout; t++)
        if (!isfinite(out[t])) {
            rc = nr_error_set(err, NR_EMODEL, "the network's output %zu for sample %zu is not finite",
                              t % (size_t)nout, t / (size_t)nout + 1);
            goto done;
        }
    rc = nr_lime_fit(Z, w, out, n, d, nout, classify, klass, o, res, err);
    res->kernel_width = width;
done:
    free(fill);
    free(xs);
    free(out);
    free(Z);
    free(w);
    free(on);
    nn_workspace_free(ws);
    return rc;
}

/* ---- outputs ----------------------------------------------------------------- */

/* A CSV field, quoted when it must be. */
static void sb_csv(nr_sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        nr_sbuf_printf(b, "%s", s);
        return;
    }
    nr_sbuf_printf(b, "\"");
    for (; *s; s++)
        nr_sbuf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    nr_sbuf_printf(b, "\"");
}

/* A line of text without line breaks. */
static void sb_line(nr_sbuf *b, const char *s)
{
    for (; *s; s++)
        nr_sbuf_printf(b, "%c", *s == '\n' || *s == '\r' ? ' ' : *s);
}

static const char *class_name(const nn_model *m, int k, char *buf, size_t size)
{
    if (k < 0)
        return "output 0";
    if (m->class_names && k < m->nclasses && m->class_names[k])
        return m->class_names[k];
    snprintf(buf, size, "class %d", k);
    return buf;
}

enum { GAP = 6 };

static int emit_png(const nn_model *m, const float *x, const nr_segments *seg, const nr_lime_result *res,
                    int negative, char **buf, size_t *len, nr_error *err)
{
    const int H = m->input.h, W = m->input.w, side = H > W ? H : W, k = (255 + side) / side;
    const int t = k / 10 > 1 ? k / 10 : 1, np = res->nexpl > 0 ? res->nexpl : 1;
    static const double POS[3] = {0.15, 0.85, 0.25}, NEG[3] = {0.9, 0.15, 0.15};
    static const double POS_LINE[3] = {1, 1, 0.2}, NEG_LINE[3] = {1, 0.45, 0.1};
    int iw = np * W * k + (np - 1) * GAP, ih = H * k, rc;
    unsigned char *rgb = malloc((size_t)iw * ih * 3);
    signed char *state = calloc((size_t)seg->n, 1);
    if (!rgb || !state) {
        free(rgb);
        free(state);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    memset(rgb, 255, (size_t)iw * ih * 3);
    for (int e = 0; e < res->nexpl; e++) {
        const nr_lime_expl *ex = &res->expl[e];
        int x0 = e * (W * k + GAP);
        memset(state, 0, (size_t)seg->n);
        for (int q = 0; q < ex->nterms; q++)
            if (ex->weight[q] > 0)
                state[ex->feature[q]] = 1;
            else if (ex->weight[q] < 0 && negative)
                state[ex->feature[q]] = -1;
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++) {
                int s = seg->label[i * W + j], st = state[s];
                double base[3], px[3];
                nr_input_pixel(m, x, i * W + j, base);
                for (int ch = 0; ch < 3; ch++)
                    px[ch] = st > 0 ? 0.6 * base[ch] + 0.4 * POS[ch]
                             : st < 0 ? 0.6 * base[ch] + 0.4 * NEG[ch] : 0.35 * base[ch];
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++) {
                        unsigned char *o = rgb + 3 * ((size_t)(i * k + a) * iw + x0 + j * k + b);
                        /* the segment's outline: a sub-pixel at its edge facing another segment */
                        int edge = (a < t && i > 0 && seg->label[(i - 1) * W + j] != s) ||
                                   (a >= k - t && i < H - 1 && seg->label[(i + 1) * W + j] != s) ||
                                   (b < t && j > 0 && seg->label[i * W + j - 1] != s) ||
                                   (b >= k - t && j < W - 1 && seg->label[i * W + j + 1] != s);
                        for (int ch = 0; ch < 3; ch++) {
                            double v = px[ch];
                            if (edge)
                                v = st > 0 ? POS_LINE[ch] : st < 0 ? NEG_LINE[ch] : 0.5 * v + 0.25;
                            o[ch] = (unsigned char)lrint(255 * v);
                        }
                    }
            }
    }
    rc = nr_png_rgb(iw, ih, rgb, buf, len, err);
    free(rgb);
    free(state);
    return rc;
}

int nr_lime_image_emit(const nn_model *m, const float *x, const nr_segments *seg,
                       const nr_lime_result *res, const nr_lime_image_desc *desc, int f, int negative,
                       char **buf, size_t *len, nr_error *err)
{
    nr_sbuf b = {NULL, 0, 0, 0};
    char nb[64];
    *buf = NULL;
    *len = 0;
    if (!nr_lime_is_image(m) || seg->h != m->input.h || seg->w != m->input.w)
        return nr_error_set(err, NR_EUNSUP, "the network's input is not an image (%dx%dx%d)",
                            m->input.c, m->input.h, m->input.w);
    if (f == NR_LIME_IMG_PNG)
        return emit_png(m, x, seg, res, negative, buf, len, err);
    if (f == NR_LIME_IMG_CSV)
        nr_sbuf_printf(&b, "class,segment,weight,pixels,x0,y0,x1,y1\n");
    else if (f == NR_LIME_IMG_JSON) {
        nr_sbuf_printf(&b, "{\"input\": ");
        nr_sbuf_json(&b, desc->input);
        nr_sbuf_printf(&b, ", \"options\": ");
        nr_sbuf_json(&b, desc->options);
        nr_sbuf_printf(&b, ",\n \"height\": %d, \"width\": %d, \"channels\": %d, \"segments\": %d, "
                  "\"samples\": %d, \"kernel_width\": %.17g, \"seed\": %llu,\n \"explanations\": [",
                  seg->h, seg->w, m->input.c, seg->n, desc->samples, res->kernel_width,
                  (unsigned long long)desc->seed);
    }
    for (int e = 0; e < res->nexpl; e++) {
        const nr_lime_expl *ex = &res->expl[e];
        const char *cn = class_name(m, ex->klass, nb, sizeof nb);
        if (f == NR_LIME_IMG_TEXT) {
            nr_sbuf_printf(&b, "%s# LIME: ", e ? "\n" : "");
            sb_line(&b, desc->input);
            nr_sbuf_printf(&b, ": ");
            sb_line(&b, cn);
            nr_sbuf_printf(&b, "\n# network %.6g, surrogate %.6g, weighted R^2 %.4f, intercept %.6g\n# ",
                      ex->model_pred, ex->local_pred, ex->r2, ex->intercept);
            sb_line(&b, desc->options);
            nr_sbuf_printf(&b, "\n# segment       weight  pixels  box x0,y0-x1,y1\n");
        } else if (f == NR_LIME_IMG_JSON) {
            nr_sbuf_printf(&b, "%s\n  {\"class\": ", e ? "," : "");
            nr_sbuf_json(&b, cn);
            nr_sbuf_printf(&b, ", \"class_index\": %d, \"intercept\": %.17g, \"r2\": %.17g, \"local_pred\": %.17g, "
                      "\"model_pred\": %.17g,\n   \"segments\": [", ex->klass, ex->intercept, ex->r2,
                      ex->local_pred, ex->model_pred);
        }
        for (int q = 0; q < ex->nterms; q++) {
            int s = ex->feature[q];
            if (f == NR_LIME_IMG_TEXT) {
                nr_sbuf_printf(&b, "%9d %+12.6g %7d  %d,%d-%d,%d\n", s, ex->weight[q], seg->size[s], seg->x0[s],
                          seg->y0[s], seg->x1[s], seg->y1[s]);
            } else if (f == NR_LIME_IMG_CSV) {
                sb_csv(&b, cn);
                nr_sbuf_printf(&b, ",%d,%.9g,%d,%d,%d,%d,%d\n", s, ex->weight[q], seg->size[s], seg->x0[s],
                          seg->y0[s], seg->x1[s], seg->y1[s]);
            } else {
                nr_sbuf_printf(&b, "%s\n    {\"segment\": %d, \"weight\": %.17g, \"pixels\": %d, "
                          "\"box\": [%d, %d, %d, %d]}", q ? "," : "", s, ex->weight[q], seg->size[s],
                          seg->x0[s], seg->y0[s], seg->x1[s], seg->y1[s]);
            }
        }
        if (f == NR_LIME_IMG_JSON)
            nr_sbuf_printf(&b, "]}");
    }
    if (f == NR_LIME_IMG_JSON) {
        nr_sbuf_printf(&b, "],\n \"segmentation\": [");
        for (int i = 0; i < seg->h; i++) {
            nr_sbuf_printf(&b, "%s\n  [", i ? "," : "");
            for (int j = 0; j < seg->w; j++)
                nr_sbuf_printf(&b, "%s%d", j ? ", " : "", seg->label[i * seg->w + j]);
            nr_sbuf_printf(&b, "]");
        }
        nr_sbuf_printf(&b, "]}\n");
    }
    if (b.oom) {
        free(b.p);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    if (!b.p && !(b.p = calloc(1, 1)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    *buf = b.p;
    *len = b.n;
    return 0;
}
