/*
 * extract_anndt.c - ANN-DT (Schmitz, Aldrich and Gouws, 1999): artificial
 * inputs drawn around the real rows and labelled by the network, then a
 * binary tree grown on them, its splits chosen by gain or by the
 * attribute's significance (how much moving it moves the network's
 * output), growth stopped by a significance test on each split.  A tree
 * of the predicted class, or a regression tree of one output.
 *
 * The tree is the engine's (tree.h); this file gives it the samples and a
 * split hook that chooses the attribute by significance, tests every split
 * and, where no single split is significant (an XOR), looks two splits
 * ahead.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anndt.h"
#include "extract.h"
#include "extractor.h"
#include "profile.h"
#include "progress.h"
#include "stattest.h"

enum { SPLIT_GAIN = 0, SPLIT_SIGNIFICANCE = 1 };

typedef struct anndt_settings {
    int split;          /* SPLIT_* */
    int output;         /* -1: the predicted class; else a regression tree of output N */
    int max_depth;      /* 0: unlimited */
    int max_leaves;     /* 0: unlimited */
    double min_samples; /* least samples in each branch of a split */
    double alpha;       /* significance level of the test on each split */
    double tolerance;   /* size choice, as the tree extractor's */
    int select_size;
} anndt_settings;

#define KNN 10           /* neighbours whose spread sets a feature's noise */
#define KNN_REF 1000     /* rows the neighbours are looked for among */
#define REDRAW_MAX 0.1   /* chance to redraw a discrete feature or group ... */
#define REDRAWS_PER_ROW 0.5 /* ... but no more redraws than this a sample */
#define LOOK_FIRST 15    /* cuts tried per column in a lookahead (quantiles) */

/* ---- artificial samples -------------------------------------------------- */

static int ftype(const nn_model *m, int j)
{
    return m->features ? (int)m->features[j].type : NN_FEAT_CONTINUOUS;
}

/* The spread of every feature among each base row's nearest neighbours:
 * sd, nbase * nin. */
static int local_spread(const float *base, int nbase, int nin, nr_rng *rng, double *sd, nr_error *err)
{
    int nref = nbase < KNN_REF ? nbase : KNN_REF, k = nref - 1 < KNN ? nref - 1 : KNN;
    int *ref = malloc((size_t)nbase * sizeof *ref), *nb = malloc((size_t)(k + 1) * sizeof *nb);
    double *scale = calloc((size_t)nin, sizeof *scale), *nd = malloc((size_t)(k + 1) * sizeof *nd);
    if (!ref || !nb || !scale || !nd) {
        free(ref);
        free(nb);
        free(scale);
        free(nd);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    /* distances on standardized features: 1 / sd of each over all rows */
    for (int j = 0; j < nin; j++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < nbase; i++) {
            double v = base[(size_t)i * nin + j];
            s += v;
            s2 += v * v;
        }
        s /= nbase;
        s2 = s2 / nbase - s * s;
        scale[j] = s2 > 0 ? 1 / s2 : 0;
    }
    /* the reference rows: a seeded uniform choice of nref */
    for (int i = 0; i < nbase; i++)
        ref[i] = i;
    for (int i = 0; i < nref; i++) {
        int j = i + (int)nr_rng_below(rng, (uint64_t)(nbase - i)), tmp = ref[i];
        ref[i] = ref[j];
        ref[j] = tmp;
    }
    for (int i = 0; i < nbase; i++) {
        const float *xi = base + (size_t)i * nin;
        int m = 0;
        for (int q = 0; q < nref; q++) {
            const float *xq = base + (size_t)ref[q] * nin;
            double dist = 0;
            int p;
            if (ref[q] == i)
                continue;
            for (int j = 0; j < nin; j++) {
                double dv = (double)xi[j] - xq[j];
                dist += dv * dv * scale[j];
            }
            if (m == k && dist >= nd[m - 1])
                continue;
            /* insert into the sorted k nearest */
            p = m < k ? m++ : m - 1;
            while (p > 0 && nd[p - 1] > dist) {
                nd[p] = nd[p - 1];
                nb[p] = nb[p - 1];
                p--;
            }
            nd[p] = dist;
            nb[p] = ref[q];
        }
        for (int j = 0; j < nin; j++) {
            /* the row itself and its neighbours */
            double s = xi[j], s2 = (double)xi[j] * xi[j], v;
            for (int q = 0; q < m; q++) {
                v = base[(size_t)nb[q] * nin + j];
                s += v;
                s2 += v * v;
            }
            s /= m + 1;
            v = s2 / (m + 1) - s * s;
            sd[(size_t)i * nin + j] = v > 0 ? sqrt(v) : 0;
        }
    }
    free(ref);
    free(nb);
    free(scale);
    free(nd);
    return 0;
}

int nr_anndt_perturb(const nn_model *m, const float *base, int nbase, const int *nvalues, int n,
                     nr_rng *rng, float *out, int *src, nr_error *err)
{
    const int nin = (int)nn_model_input_size(m);
    float *lo = malloc((size_t)nin * sizeof *lo), *hi = malloc((size_t)nin * sizeof *hi);
    double *sd = malloc((size_t)nbase * nin * sizeof *sd), redraw;
    int rc = 0, maxgroup = -1, ndiscrete = 0;

    if (nbase < 1 || n < 0) {
        rc = nr_error_set(err, NR_EINVAL, "no rows to draw samples around");
        goto done;
    }
    if (!lo || !hi || !sd) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0; j < nin; j++) {
        lo[j] = hi[j] = base[j];
        for (int i = 1; i < nbase; i++) {
            float v = base[(size_t)i * nin + j];
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
        if (ftype(m, j) == NN_FEAT_ONEHOT && m->features[j].group > maxgroup)
            maxgroup = m->features[j].group;
        ndiscrete += (nvalues && nvalues[j] > 0) || ftype(m, j) == NN_FEAT_BOOLEAN;
    }
    ndiscrete += maxgroup + 1;
    redraw = ndiscrete * REDRAW_MAX > REDRAWS_PER_ROW ? REDRAWS_PER_ROW / ndiscrete : REDRAW_MAX;
    if ((rc = local_spread(base, nbase, nin, rng, sd, err)) < 0)
        goto done;
    for (int i = 0; i < n; i++) {
        int b = n >= nbase ? i % nbase : (int)nr_rng_below(rng, (uint64_t)nbase);
        float *row = out + (size_t)i * nin;
        memcpy(row, base + (size_t)b * nin, (size_t)nin * sizeof *row);
        if (src)
            src[i] = b;
        for (int j = 0; j < nin; j++) {
            int t = ftype(m, j);
            if ((nvalues && nvalues[j] > 0) || t == NN_FEAT_BOOLEAN) {
                if (nr_rng_uniform(rng) < redraw)
                    row[j] = base[nr_rng_below(rng, (uint64_t)nbase) * (size_t)nin + j];
            } else if (t != NN_FEAT_ONEHOT) {
                double v = row[j] + sd[(size_t)b * nin + j] * nr_rng_normal(rng);
                if (t == NN_FEAT_INTEGER)
                    v = nearbyint(v);
                row[j] = (float)(v < lo[j] ? lo[j] : v > hi[j] ? hi[j] : v);
            }
        }
        for (int g = 0; g <= maxgroup; g++)
            if (nr_rng_uniform(rng) < redraw) {
                const float *from = base + nr_rng_below(rng, (uint64_t)nbase) * (size_t)nin;
                for (int j = 0; j < nin; j++)
                    if (ftype(m, j) == NN_FEAT_ONEHOT && m->features[j].group == g)
                        row[j] = from[j];
            }
    }
done:
    free(lo);
    free(hi);
    free(sd);
    return rc;
}

/* ---- the network's answers and their gradients --------------------------- */

#define BATCH 256

/* Class (y) and output `output` (yv; the first output when output < 0) of
 * each row; with grad (nrows * nin), the gradient of the score the tree
 * models: output `output`, or for a class the margin of the predicted class
 * over the runner-up, whose sign is the decision. */
static int run_network(const nn_model *m, const float *x, int nrows, int output, int *y, double *yv,
                       float *grad, nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    const int last = m->nlayers - 1;
    int batch = nn_batch_within(m, BATCH, NN_WORKSPACE_BUDGET), rc = 0;
    nn_workspace *ws = nn_workspace_new(m, batch);
    float *out = malloc((size_t)batch * nout * sizeof *out);
    float *seed = calloc((size_t)batch * nout, sizeof *seed);
    nn_error nerr;
    if (!ws || !out || !seed) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < nrows; r0 += batch) {
        int n = nrows - r0 < batch ? nrows - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, n, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network on samples %d to %d: %s", r0 + 1,
                              r0 + n, nerr.msg);
            goto done;
        }
        memset(seed, 0, (size_t)n * nout * sizeof *seed);
        for (int i = 0; i < n; i++) {
            const float *o = out + (size_t)i * nout;
            int top = nn_argmax(o, nout), second = -1;
            for (size_t j = 0; j < nout; j++) {
                if (!isfinite(o[j])) {
                    rc = nr_error_set(err, NR_EMODEL, "the network's output %zu for sample %d is not "
                                      "finite", j, r0 + i + 1);
                    goto done;
                }
                if ((int)j != top && (second < 0 || o[j] > o[second]))
                    second = (int)j;
            }
            y[r0 + i] = top;
            yv[r0 + i] = o[output < 0 ? 0 : output];
            if (output >= 0) {
                seed[(size_t)i * nout + (size_t)output] = 1;
            } else if (second >= 0) {
                seed[(size_t)i * nout + (size_t)top] = 1;
                seed[(size_t)i * nout + (size_t)second] = -1;
            }
        }
        if (grad && last >= 0 &&
            nn_backward(m, ws, last, seed, -1, NN_GRAD_PLAIN, grad + (size_t)r0 * nin, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "the network's input gradient on samples %d to %d: %s",
                              r0 + 1, r0 + n, nerr.msg);
            goto done;
        }
    }
done:
    nn_workspace_free(ws);
    free(out);
    free(seed);
    return rc;
}

/* ---- the split hook ------------------------------------------------------ */

typedef struct hook_ctx {
    int split;
    double alpha;
    const float *grad;  /* per row of the whole table, input size each */
} hook_ctx;

typedef struct vr {
    float v;
    int r;              /* the row's place in the node */
} vr;

static int vr_cmp(const void *a, const void *b)
{
    const vr *p = a, *q = b;
    return p->v < q->v ? -1 : p->v > q->v ? 1 : p->r - q->r;
}

static int holds(nr_cond_op op, float v, float t)
{
    return op == NR_LE ? v <= t : op == NR_EQ ? v == t : v > 0.5f;
}

/* Weighted impurity times weight: W H(counts) in bits (classification),
 * or the sum of squared deviations (regression: s[0] weight, s[1] sum,
 * s[2] sum of squares). */
static double wimp(const double *s, int K)
{
    if (K == 0)
        return s[0] > 0 ? fmax(0, s[2] - s[1] * s[1] / s[0]) : 0;
    double w = 0, h = 0;
    for (int k = 0; k < K; k++)
        if (s[k] > 0) {
            w += s[k];
            h -= s[k] * log2(s[k]);
        }
    return w > 0 ? h + w * log2(w) : 0;
}

/* Add row r of t (weight w) to the statistics s. */
static void add_row(const nr_table *t, int r, double *s, double sign)
{
    const double w = sign * (t->w ? t->w[r] : 1);
    if (t->nclasses) {
        s[t->y[r]] += w;
    } else {
        s[0] += w;
        s[1] += w * t->yv[r];
        s[2] += w * t->yv[r] * t->yv[r];
    }
}

/* The p-value of the partition of the node's rows into groups g[i]
 * (0..ng-1): chi-squared on the class counts, or the F-test of the
 * groups' means. */
static double partition_p(const nr_table *t, const int *rows, int n, const int *g, int ng)
{
    const int K = t->nclasses, S = K ? K : 3;
    double tab[4 * 3 * 64], *tb = ng * S <= (int)(sizeof tab / sizeof *tab) ? tab : calloc((size_t)ng * S, sizeof *tb);
    double p = 1;
    if (!tb)
        return 1;
    memset(tb, 0, (size_t)ng * S * sizeof *tb);
    for (int i = 0; i < n; i++)
        add_row(t, rows[i], tb + (size_t)g[i] * S, 1);
    if (K) {
        p = nr_chi2_table_p(tb, ng, K);
    } else {
        double tot[3] = {0, 0, 0}, within = 0, nonempty = 0;
        for (int i = 0; i < ng; i++) {
            for (int c = 0; c < 3; c++)
                tot[c] += tb[i * 3 + c];
            within += wimp(tb + i * 3, 0);
            nonempty += tb[i * 3] > 0;
        }
        double between = wimp(tot, 0) - within, d2 = tot[0] - nonempty;
        if (nonempty >= 2 && d2 > 0)
            p = within <= 0 ? (between > 0 ? 0 : 1)
                            : nr_f_sf(between / (nonempty - 1) / (within / d2), nonempty - 1, d2);
    }
    if (tb != tab)
        free(tb);
    return p;
}

/* Two splits ahead: of the first cuts on the columns in cols (LOOK_FIRST
 * quantiles each), the one whose children, each split at its own best cut
 * on those columns, leave the least impurity; that four-way partition must
 * pass the test, the level divided by the cuts tried.  *s receives the
 * first cut, or col -1. */
static int lookahead(const hook_ctx *c, const nr_table *t, const int *rows, int n, const int *cols,
                     int ncols, nr_split *s, nr_error *err)
{
    const int K = t->nclasses, S = K ? K : 3, d = t->ncols;
    vr *ord = malloc((size_t)ncols * n * sizeof *ord);
    unsigned char *side = malloc((size_t)n);
    double *st = calloc((size_t)6 * S, sizeof *st), *node = calloc((size_t)S, sizeof *node);
    int *grp = malloc((size_t)n * sizeof *grp), rc = 0;
    double best = INFINITY, tries = 0, total;
    struct { int col; float t; int kc[2]; float kt[2]; } pick = {-1, 0, {-1, -1}, {0, 0}};

    s->col = -1;
    if (!ord || !side || !st || !node || !grp) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        add_row(t, rows[i], node, 1);
    total = wimp(node, K);
    for (int a = 0; a < ncols; a++) {
        vr *o = ord + (size_t)a * n;
        for (int i = 0; i < n; i++) {
            o[i].v = t->x[(size_t)rows[i] * d + cols[a]];
            o[i].r = i;
        }
        qsort(o, (size_t)n, sizeof *o, vr_cmp);
    }
    for (int a = 0; a < ncols; a++) {
        const vr *o = ord + (size_t)a * n;
        float prev_t = NAN;
        for (int q = 1; q <= LOOK_FIRST; q++) {
            int p = (int)((long)q * n / (LOOK_FIRST + 1));
            float t1;
            double child[2][3]; /* per child: best score, and the cut's column and threshold */
            double *tot = st, *cum = st + 2 * S;
            if (p < 1)
                p = 1;
            while (p < n && o[p].v == o[p - 1].v)
                p++;
            if (p >= n)
                break;
            t1 = o[p - 1].v + (o[p].v - o[p - 1].v) / 2;
            if (!(t1 < o[p].v))
                t1 = o[p - 1].v;
            if (t1 == prev_t)
                continue;
            prev_t = t1;
            memset(tot, 0, (size_t)2 * S * sizeof *tot);
            for (int i = 0; i < n; i++) {
                side[o[i].r] = o[i].v <= t1 ? 0 : 1;
                add_row(t, rows[o[i].r], tot + (size_t)side[o[i].r] * S, 1);
            }
            for (int h = 0; h < 2; h++) {
                child[h][0] = wimp(tot + (size_t)h * S, K);
                child[h][1] = -1;
                child[h][2] = 0;
            }
            for (int b = 0; b < ncols; b++) {
                const vr *u = ord + (size_t)b * n;
                float last[2] = {NAN, NAN};
                memset(cum, 0, (size_t)2 * S * sizeof *cum);
                for (int i = 0; i < n; i++) {
                    const int h = side[u[i].r];
                    /* a cut in child h just below this row's value */
                    if (!isnan(last[h]) && u[i].v != last[h]) {
                        double rest[3 * 64], *rs = S <= 192 ? rest : NULL, sc;
                        if (!rs)
                            continue;
                        for (int k = 0; k < S; k++)
                            rs[k] = tot[(size_t)h * S + k] - cum[(size_t)h * S + k];
                        sc = wimp(cum + (size_t)h * S, K) + wimp(rs, K);
                        tries++;
                        if (sc < child[h][0] - 1e-12 * fabs(child[h][0])) {
                            float tt = last[h] + (u[i].v - last[h]) / 2;
                            child[h][0] = sc;
                            child[h][1] = cols[b];
                            child[h][2] = tt < u[i].v ? tt : last[h];
                        }
                    }
                    add_row(t, rows[u[i].r], cum + (size_t)h * S, 1);
                    last[h] = u[i].v;
                }
            }
            if (pick.col < 0 || child[0][0] + child[1][0] < best - 1e-12 * fabs(best)) {
                best = child[0][0] + child[1][0];
                pick.col = cols[a];
                pick.t = t1;
                for (int h = 0; h < 2; h++) {
                    pick.kc[h] = (int)child[h][1];
                    pick.kt[h] = (float)child[h][2];
                }
            }
        }
    }
    if (pick.col < 0 || !(best < total))
        goto done;
    for (int i = 0; i < n; i++) {
        const float *x = t->x + (size_t)rows[i] * d;
        int h = x[pick.col] <= pick.t ? 0 : 1;
        grp[i] = 2 * h + (pick.kc[h] >= 0 && x[pick.kc[h]] > pick.kt[h]);
    }
    if (partition_p(t, rows, n, grp, 4) * (tries > 1 ? tries : 1) <= c->alpha) {
        double w = K ? 0 : node[0];
        if (K)
            for (int k = 0; k < K; k++)
                w += node[k];
        s->col = pick.col;
        s->op = NR_LE;
        s->t = pick.t;
        s->gain = w > 0 ? (total - best) / w : 0;
        s->ncuts = 1;
    }
done:
    free(ord);
    free(side);
    free(st);
    free(node);
    free(grp);
    return rc;
}

/* Column a ranks before b: the larger score, then the lower column. */
static void top_columns(const double *score, int d, int want, int *cols, int *ncols)
{
    *ncols = 0;
    for (int j = 0; j < d; j++) {
        int p;
        if (!(score[j] > 0))
            continue;
        if (*ncols == want && score[j] <= score[cols[want - 1]])
            continue;
        p = *ncols < want ? (*ncols)++ : want - 1;
        while (p > 0 && score[cols[p - 1]] < score[j]) {
            cols[p] = cols[p - 1];
            p--;
        }
        cols[p] = j;
    }
}

static int anndt_hook(void *ctx, const nr_table *t, const int *rows, int n, const nr_split *cand,
                      nr_split *s, nr_error *err)
{
    const hook_ctx *c = ctx;
    const int d = t->ncols;
    double *score = calloc((size_t)d, sizeof *score), tries = 0;
    int *cols = malloc((size_t)d * sizeof *cols), *grp = calloc((size_t)n + 1, sizeof *grp);
    int ncols = 0, rc = 0, want;

    if (!score || !cols || !grp) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (c->split == SPLIT_SIGNIFICANCE) {
        /* significance of column j: mean |d score / d x_j| times the spread
         * of x_j in the node, the output's typical move when x_j moves */
        for (int j = 0; j < d; j++) {
            double g = 0, sx = 0, sx2 = 0, var;
            if (cand[j].col < 0)
                continue;
            for (int i = 0; i < n; i++) {
                const int r = rows[i], id = t->row_id ? t->row_id[r] : r;
                const double v = t->x[(size_t)r * d + j];
                g += fabs(c->grad[(size_t)id * d + j]);
                sx += v;
                sx2 += v * v;
            }
            sx /= n;
            var = sx2 / n - sx * sx;
            score[j] = g / n * (var > 0 ? sqrt(var) : 0);
        }
        top_columns(score, d, 1, cols, &ncols);
        *s = ncols ? cand[cols[0]] : (nr_split){.col = -1};
        if (s->col >= 0)
            tries = s->ncuts > 0 ? s->ncuts : n - 1;
    } else {
        for (int j = 0; j < d; j++)
            if (cand[j].col >= 0) {
                tries += cand[j].ncuts > 0 ? cand[j].ncuts : n - 1;
                score[j] = cand[j].gain > 0 ? cand[j].gain : 1e-300;
            }
    }
    if (s->col >= 0) {
        for (int i = 0; i < n; i++)
            grp[i] = !holds(s->op, t->x[(size_t)rows[i] * d + s->col], s->t);
        if (partition_p(t, rows, n, grp, 2) * (tries > 1 ? tries : 1) <= c->alpha)
            goto done;
    }
    /* no single split is significant: two ahead, on the most significant
     * columns (the best by gain), numeric or Boolean ones */
    want = c->split == SPLIT_SIGNIFICANCE ? 4 : 8;
    for (int j = 0; j < d; j++)
        if (t->nvalues && t->nvalues[j] > 0 && !(t->boolean && t->boolean[j]))
            score[j] = 0;
    top_columns(score, d, want, cols, &ncols);
    rc = lookahead(c, t, rows, n, cols, ncols, s, err);
    if (rc == 0 && s->col >= 0 && t->boolean && t->boolean[s->col]) {
        s->op = NR_TRUE; /* `x` / `not x`, as the engine splits Boolean columns */
        s->t = 0;
    }
done:
    free(score);
    free(cols);
    free(grp);
    return rc;
}

/* ---- the extractor ------------------------------------------------------- */

static int anndt_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                     const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    const anndt_settings *s = settings;
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    const nn_profile *p = rows ? NULL : m->profile;
    const float *base = rows ? rows->x : p && p->nrows > 0 ? p->rows : NULL;
    const int nbase = rows ? rows->nrows : p && p->nrows > 0 ? p->nrows : 0;
    nr_rules *r = NULL;
    nr_inputs in;
    nr_rng rng;
    nr_table t;
    nr_tree_opts topt;
    nr_extract_report report;
    hook_ctx hc;
    float *x = NULL, *grad = NULL;
    int *y = NULL, *src = NULL, *nvalues = NULL, n, rc = 0, any_nominal = 0, regress;
    double *yv = NULL;
    unsigned char *boolean = NULL;

    *out = NULL;
    memset(&in, 0, sizeof in);
    memset(&report, 0, sizeof report);
    if (s->output >= 0 && (size_t)s->output >= nout)
        return nr_error_set(err, NR_EINVAL, "--regress %d: the network has %zu output%s (0 to %zu)",
                            s->output, nout, nout == 1 ? "" : "s", nout - 1);
    regress = m->task == NN_TASK_REGRESS || s->output >= 0;
    if (!(r = nr_rules_new()))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    if (regress) {
        r->task = NR_TASK_REGRESS;
        r->nclasses = 0;
        r->classes = NULL;
    }
    nr_rng_seed(&rng, o->seed);
    boolean = calloc(nin, 1);
    nvalues = calloc(nin, sizeof *nvalues);
    if (!boolean || !nvalues) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = any_nominal = nr_input_columns(r, rows, boolean, nvalues, err)) < 0)
        goto done;

    /* the rows: the real ones, then o->samples drawn around them; without
     * real rows, draws from the profile's marginals or the input box */
    if (nbase > 0) {
        if ((size_t)nbase + (size_t)o->samples > ((size_t)1 << 31) / nin) {
            rc = nr_error_set(err, NR_ELIMIT, "%d samples of %zu features is too many", o->samples, nin);
            goto done;
        }
        n = nbase + o->samples;
        x = malloc((size_t)n * nin * sizeof *x);
        src = malloc((size_t)n * sizeof *src);
        if (!x || !src) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(x, base, (size_t)nbase * nin * sizeof *x);
        for (int i = 0; i < nbase; i++)
            src[i] = i;
        nr_progress_start(o->progress, "drawing samples", 1);
        rc = nr_anndt_perturb(m, base, nbase, any_nominal ? nvalues : NULL, o->samples, &rng,
                              x + (size_t)nbase * nin, src + nbase, err);
        nr_progress_end(o->progress);
        if (rc < 0)
            goto done;
        report.sampled = !rows;
        report.from_profile = !rows;
    } else {
        if ((rc = nr_extract_inputs(m, NULL, o, &rng, &in, err)) < 0)
            goto done;
        n = in.nrows;
        report.sampled = 1;
        report.from_profile = in.from_profile;
    }
    y = malloc((size_t)n * sizeof *y);
    yv = malloc((size_t)n * sizeof *yv);
    if (s->split == SPLIT_SIGNIFICANCE && !(grad = malloc((size_t)n * nin * sizeof *grad))) {
        rc = nr_error_set(err, NR_ELIMIT, "no memory for the gradients of %d samples of %zu features "
                          "(fewer --samples, or --split gain)", n, nin);
        goto done;
    }
    if (!y || !yv) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    rc = run_network(m, x ? x : in.x, n, s->output, y, yv, grad, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;

    memset(&t, 0, sizeof t);
    t.nrows = n;
    t.ncols = (int)nin;
    t.x = x ? x : in.x;
    t.nvalues = any_nominal ? nvalues : NULL;
    t.boolean = boolean;
    t.var_kind = NR_VAR_INPUT;
    if (regress) {
        t.yv = yv;
    } else {
        t.y = y;
        t.nclasses = r->nclasses;
    }
    hc.split = s->split;
    hc.alpha = s->alpha;
    hc.grad = grad;
    nr_tree_opts_default(&topt);
    topt.min_leaf = s->min_samples;
    topt.max_depth = s->max_depth;
    topt.max_leaves = s->max_leaves;
    topt.prune = 0;
    topt.split_hook = anndt_hook;
    topt.split_ctx = &hc;
    if (s->select_size && n >= 20) {
        const int hn = nbase >= 20 ? nbase : 0;
        if ((rc = nr_choose_tree_size(&t, hn ? src : NULL, hn ? base : NULL, hn ? y : NULL, hn ? yv : NULL,
                                      hn, o, &topt, s->tolerance, &rng, &report, err)) < 0)
            goto done;
        report.held_profile = hn > 0 && !rows;
        /* below 20 rows of --data, mostly the samples drawn around them */
        report.held_samples = hn == 0 && rows;
        topt.max_leaves = report.leaves;
    }
    nr_progress_start(o->progress, "growing the tree", 1);
    r->kind = NR_BODY_TREE;
    rc = nr_tree_induce(&t, &topt, r->arena, &r->tree, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    /* cut between samples, the thresholds have many digits: the shortest
     * decimals that send every real row (the data's, or the profile's kept
     * ones) the same way; the statistics count those rows, as tree's do */
    if (nbase > 0) {
        if ((rc = nr_tree_readable_thresholds(&r->tree, t.x, nbase, (int)nin, err)) < 0)
            goto done;
        if (!regress)
            nr_tree_recount(&r->tree, t.x, y, nbase, (int)nin, r->nclasses);
    }
    if ((rc = nr_set_provenance(r, o, "anndt", err)) < 0)
        goto done;
    if (rep) {
        *rep = report;
        /* with --data, the fit on its rows, not on the samples */
        if (!regress && (rc = nr_report_fit(r, t.x, rows ? nbase : n, y, rep, err)) < 0)
            goto done;
    }
    *out = r;
    r = NULL;
done:
    nr_rules_free(r);
    nr_inputs_free(&in);
    free(x);
    free(src);
    free(y);
    free(yv);
    free(grad);
    free(boolean);
    free(nvalues);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

static const char *const splits[] = {"gain", "significance", NULL};

#define AS(field) offsetof(anndt_settings, field)
static const nr_optdef anndt_options[] = {
    {.name = "split", .kind = NR_OPT_CHOICE, .arg = "NAME",
     .help = "gain (default): C4.5's gain ratio; significance: the\nattribute that moves the network's output most",
     .offset = AS(split), .choices = splits},
    {.name = "regress", .kind = NR_OPT_INT, .arg = "N",
     .help = "a regression tree of the network's output N (0 first)\ninstead of a tree of its class",
     .offset = AS(output), .lo = 0, .hi = 1000000},
    {.name = "alpha", .kind = NR_OPT_REAL, .arg = "X",
     .help = "significance level of the test on each split (default 0.05)", .offset = AS(alpha),
     .lo = 1e-300, .hi = 1},
    {.name = "min-samples", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least samples in each branch of a split (default 2)", .offset = AS(min_samples), .lo = 1,
     .hi = 1e9},
    {.name = "tolerance", .kind = NR_OPT_REAL, .arg = "P",
     .help = "size: the smallest whose held-out fidelity (R^2 for a\nregression tree) is within P points of the best size's\n(default 1)",
     .offset = AS(tolerance), .lo = 0, .hi = 100, .scale = 0.01},
    {.name = "max-depth", .kind = NR_OPT_INT, .arg = "N", .help = "deepest tree (default: unlimited)",
     .offset = AS(max_depth), .lo = 1, .hi = 10000, .flags = NR_OPT_SIZE},
    {.name = "max-leaves", .kind = NR_OPT_INT, .arg = "N",
     .help = "most leaves, grown best-first (default: unlimited)", .offset = AS(max_leaves), .lo = 2,
     .hi = 100000000, .flags = NR_OPT_SIZE},
    {.name = NULL},
};

static void anndt_defaults(void *settings)
{
    anndt_settings *s = settings;
    memset(s, 0, sizeof *s);
    s->split = SPLIT_GAIN; /* better splits than significance on every example (man page) */
    s->output = -1;
    s->min_samples = 2;
    s->alpha = 0.05;
    s->tolerance = 0.01;
    s->select_size = 1;
}

static void anndt_finish(void *settings, const unsigned char *given)
{
    anndt_settings *s = settings;
    for (int i = 0; anndt_options[i].name; i++)
        if (given[i] && (anndt_options[i].flags & NR_OPT_SIZE))
            s->select_size = 0;
}

static void anndt_describe(const void *settings, char *buf, size_t size)
{
    const anndt_settings *s = settings;
    buf[0] = 0;
    nr_appendf(buf, size, "--split %s", splits[s->split]);
    if (s->output >= 0)
        nr_appendf(buf, size, " --regress %d", s->output);
    nr_appendf(buf, size, " --alpha %g --min-samples %g", s->alpha, s->min_samples);
    if (s->max_depth)
        nr_appendf(buf, size, " --max-depth %d", s->max_depth);
    if (s->max_leaves)
        nr_appendf(buf, size, " --max-leaves %d", s->max_leaves);
    /* a regression tree's size is chosen too, by held-out R^2 */
    if (s->select_size)
        nr_appendf(buf, size, " --tolerance %g", 100 * s->tolerance);
}

const nr_extractor nr_extractor_anndt = {
    .name = "anndt",
    .summary = "ANN-DT: a tree grown on samples drawn around the data, tested split by split",
    .opts = anndt_options,
    .settings_size = sizeof(anndt_settings),
    .defaults = anndt_defaults,
    .finish = anndt_finish,
    .describe = anndt_describe,
    .run = anndt_run,
};
