/*
 * lime.c - LIME for tabular models and SP-LIME (see lime.h).
 *
 * The steps and defaults are the reference implementation's (lime_tabular
 * and lime_base): quartile bins, 5000 samples, the kernel
 * sqrt(exp(-d^2 / w^2)) with w = 0.75 sqrt(features) on the distance of the
 * standardized samples (with bins: of the 0/1 "same bin as the instance"
 * columns), feature selection (forward when K <= 6, else the highest
 * weights of a ridge fit with alpha 0.01), and a weighted ridge fit with
 * alpha 1 and an intercept.  The linear algebra is K x K: weighted Gram
 * matrices and a Cholesky solve.
 */
#include "lime.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "parallel.h"
#include "sbuf.h"

/* ---- options --------------------------------------------------------------- */

static const char *const DISC_NAMES[] = {"quartile", "decile", "entropy", "none", NULL};
static const char *const SELECT_NAMES[] = {"auto", "forward", "highest", "lasso", "none", NULL};

#define OFF(f) offsetof(nr_lime_opts, f)
const nr_optdef nr_lime_options[] = {
    {"discretizer", NR_OPT_CHOICE, "KIND", "quartile, decile, entropy or none", OFF(discretizer),
     0, 0, 0, 0, DISC_NAMES, 0},
    {"samples", NR_OPT_INT, "N", "perturbed inputs per explanation", OFF(samples), 2, 10000000, 0,
     0, NULL, 0},
    {"kernel-width", NR_OPT_REAL, "W", "kernel width", OFF(kernel_width), 1e-9, 1e9, 0, 0, NULL,
     NR_OPT_AUTO},
    {"select", NR_OPT_CHOICE, "HOW", "auto, forward, highest, lasso or none", OFF(select), 0, 0, 0,
     0, SELECT_NAMES, 0},
    {"features-max", NR_OPT_INT, "K", "terms at most", OFF(features_max), 1, 100000, 0, 0, NULL, 0},
    {"alpha", NR_OPT_REAL, "A", "ridge penalty", OFF(alpha), 0, 1e12, 0, 0, NULL, 0},
    {"top-labels", NR_OPT_INT, "K", "classes to explain", OFF(top_labels), 1, 100000, 0, 0, NULL, 0},
    {"pick", NR_OPT_INT, "B", "explanations to pick", OFF(pick), 1, 100000, 0, 0, NULL, 0},
    {"pick-rows", NR_OPT_INT, "N", "rows to explain for the pick", OFF(pick_rows), 1, 100000000, 0,
     0, NULL, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, 0}};

void nr_lime_opts_default(nr_lime_opts *o)
{
    memset(o, 0, sizeof *o);
    o->discretizer = NR_LIME_QUARTILE;
    o->samples = 5000;
    o->select = NR_LIME_AUTO;
    o->features_max = 10;
    o->alpha = 1;
    o->top_labels = 1;
}

static double kernel_width(const nr_lime_opts *o, int nfeatures)
{
    return o->kernel_width > 0 ? o->kernel_width : 0.75 * sqrt((double)nfeatures);
}

void nr_lime_describe(const nr_lime_opts *o, int nfeatures, char *buf, size_t size)
{
    snprintf(buf, size, "--discretizer %s --samples %d --kernel-width %.6g --select %s "
             "--features-max %d --alpha %.6g", DISC_NAMES[o->discretizer], o->samples,
             kernel_width(o, nfeatures), SELECT_NAMES[o->select], o->features_max, o->alpha);
}

/* ---- statistics of the training data ---------------------------------------- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

double nr_lime_percentile(const float *sorted, int n, double p)
{
    double pos, frac;
    int i;
    if (n <= 0)
        return 0;
    pos = p / 100.0 * (n - 1);
    i = (int)floor(pos);
    if (i >= n - 1)
        return sorted[n - 1];
    frac = pos - i;
    return sorted[i] + frac * ((double)sorted[i + 1] - sorted[i]);
}

int nr_lime_bin(const nr_lime *l, int j, float v)
{
    const nr_lime_feature *f = &l->f[j];
    int b = 0;
    while (b < f->nbins - 1 && !(v <= f->edges[b]))
        b++;
    return b;
}

static double entropy_of(const double *cnt, int k, double n)
{
    double h = 0;
    for (int c = 0; c < k; c++)
        if (cnt[c] > 0)
            h -= cnt[c] / n * log(cnt[c] / n);
    return h;
}

typedef struct vl {
    float v;
    int y;
} vl;

static int cmp_vl(const void *a, const void *b)
{
    const vl *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v ? 1 : x->y - y->y;
}

/* The cuts of a depth-3 tree that splits v[lo, hi) (sorted) by information
 * gain on the classes, thresholds halfway between neighbouring values, as
 * the reference's EntropyDiscretizer does with a scikit-learn tree. */
static void entropy_cuts(const vl *v, int lo, int hi, int k, int depth, double *cnt, double *left,
                         float *cuts, int *ncuts)
{
    int n = hi - lo, best = -1;
    double h, bestgain = 0;
    if (depth == 0 || n < 2)
        return;
    memset(cnt, 0, sizeof *cnt * (size_t)k);
    for (int i = lo; i < hi; i++)
        cnt[v[i].y]++;
    if ((h = entropy_of(cnt, k, n)) <= 0)
        return;
    memset(left, 0, sizeof *left * (size_t)k);
    for (int i = lo; i < hi - 1; i++) {
        double right[64], g;
        int nl = i - lo + 1;
        left[v[i].y]++;
        if (v[i].v == v[i + 1].v)
            continue;
        for (int c = 0; c < k; c++)
            right[c] = cnt[c] - left[c];
        g = h - (nl * entropy_of(left, k, nl) + (n - nl) * entropy_of(right, k, n - nl)) / n;
        if (best < 0 || g > bestgain) {
            best = i;
            bestgain = g;
        }
    }
    if (best < 0)
        return;
    cuts[(*ncuts)++] = (float)(((double)v[best].v + v[best + 1].v) / 2);
    entropy_cuts(v, lo, best + 1, k, depth - 1, cnt, left, cuts, ncuts);
    entropy_cuts(v, best + 1, hi, k, depth - 1, cnt, left, cuts, ncuts);
}

void nr_lime_free(nr_lime *l)
{
    if (!l)
        return;
    for (int j = 0; l->f && j < l->nfeatures; j++) {
        nr_lime_feature *f = &l->f[j];
        free(f->edges);
        free(f->freq);
        free(f->bmean);
        free(f->bsd);
        free(f->lo);
        free(f->hi);
        free(f->cum);
        free(f->za);
        free(f->zb);
    }
    free(l->f);
    free(l);
}

int nr_lime_new(const nn_model *m, const nr_dataset *d, int disc, nr_lime **out, nr_error *err)
{
    int nf = (int)nn_model_input_size(m), rc = 0, nclasses = (int)nn_model_output_size(m);
    nr_lime *l = calloc(1, sizeof *l);
    float *v = malloc(sizeof *v * (size_t)(d->nrows > 0 ? d->nrows : 1));
    int *y = NULL;
    vl *pairs = NULL;
    *out = NULL;
    if (!l || !v || !(l->f = calloc((size_t)nf, sizeof *l->f))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    l->nfeatures = nf;
    l->disc = disc;
    if (d->ncols != nf) {
        rc = nr_error_set(err, NR_EINVAL, "the data has %d columns, the model %d inputs", d->ncols, nf);
        goto done;
    }
    if (disc == NR_LIME_ENTROPY) {
        /* the classes the cuts separate are the network's, on the complete rows */
        float *xc = NULL;
        int nc = 0;
        if (m->task != NN_TASK_CLASSIFY || nclasses < 2 || nclasses > 64) {
            rc = nr_error_set(err, NR_EUNSUP, "the entropy discretizer needs a classifier of 2 to 64 "
                              "classes (use quartile, decile or none)");
            goto done;
        }
        y = malloc(sizeof *y * (size_t)(d->nrows + 1));
        pairs = malloc(sizeof *pairs * (size_t)(d->nrows + 1));
        xc = malloc(sizeof *xc * (size_t)nf * (size_t)(d->nrows + 1));
        if (!y || !pairs || !xc) {
            free(xc);
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < d->nrows; i++) {
            const float *row = d->x + (size_t)i * nf;
            int ok = 1;
            for (int j = 0; j < nf && ok; j++)
                ok = !isnan(row[j]);
            y[i] = -1;
            if (ok)
                memcpy(xc + (size_t)nc++ * nf, row, sizeof *row * (size_t)nf);
        }
        if (nc > 0 && (rc = nr_label_rows(m, xc, nc, y + d->nrows - nc, NULL, err)) < 0) {
            free(xc);
            goto done;
        }
        /* spread the labels back to their rows (written at the end, read forwards) */
        for (int i = 0, k = d->nrows - nc; i < d->nrows; i++) {
            const float *row = d->x + (size_t)i * nf;
            int ok = 1;
            for (int j = 0; j < nf && ok; j++)
                ok = !isnan(row[j]);
            y[i] = ok ? y[k++] : -1;
        }
        free(xc);
    }
    for (int j = 0; j < nf; j++) {
        nr_lime_feature *f = &l->f[j];
        double s = 0, ss = 0;
        float cuts[16];
        int n = 0, ncuts = 0;
        for (int i = 0; i < d->nrows; i++) {
            float x = d->x[(size_t)i * nf + j];
            if (!isnan(x))
                v[n++] = x;
        }
        if (n == 0) {
            f->nbins = 1;
        } else {
            qsort(v, (size_t)n, sizeof *v, cmp_float);
            for (int i = 0; i < n; i++)
                s += v[i];
            f->mean = s / n;
            for (int i = 0; i < n; i++)
                ss += (v[i] - f->mean) * (v[i] - f->mean);
            f->sd = sqrt(ss / n);
            f->min = v[0];
            f->max = v[n - 1];
        }
        if (n > 0 && disc == NR_LIME_QUARTILE) {
            for (int q = 1; q <= 3; q++)
                cuts[ncuts++] = (float)nr_lime_percentile(v, n, 25.0 * q);
        } else if (n > 0 && disc == NR_LIME_DECILE) {
            for (int q = 1; q <= 9; q++)
                cuts[ncuts++] = (float)nr_lime_percentile(v, n, 10.0 * q);
        } else if (n > 0 && disc == NR_LIME_ENTROPY) {
            double cnt[64], left[64];
            int np = 0;
            for (int i = 0; i < d->nrows; i++) {
                float x = d->x[(size_t)i * nf + j];
                if (!isnan(x) && y[i] >= 0)
                    pairs[np++] = (vl){x, y[i]};
            }
            qsort(pairs, (size_t)np, sizeof *pairs, cmp_vl);
            entropy_cuts(pairs, 0, np, nclasses, 3, cnt, left, cuts, &ncuts);
            qsort(cuts, (size_t)ncuts, sizeof *cuts, cmp_float);
        }
        if (disc == NR_LIME_NONE) {
            f->nbins = 1;
            f->usable = f->sd > 0;
            continue;
        }
        {
            /* distinct cuts (as the reference's np.unique), in float: the
             * precision the rules decide in */
            int k = 0, used = 0;
            double cum = 0;
            for (int c = 0; c < ncuts; c++)
                if (k == 0 || cuts[c] != cuts[k - 1])
                    cuts[k++] = cuts[c];
            ncuts = k;
            f->nbins = ncuts + 1;
            f->edges = malloc(sizeof *f->edges * (size_t)(ncuts + 1));
            f->freq = calloc((size_t)f->nbins, sizeof *f->freq);
            f->bmean = calloc((size_t)f->nbins, sizeof *f->bmean);
            f->bsd = calloc((size_t)f->nbins, sizeof *f->bsd);
            f->lo = calloc((size_t)f->nbins, sizeof *f->lo);
            f->hi = calloc((size_t)f->nbins, sizeof *f->hi);
            f->cum = calloc((size_t)f->nbins, sizeof *f->cum);
            f->za = calloc((size_t)f->nbins, sizeof *f->za);
            f->zb = calloc((size_t)f->nbins, sizeof *f->zb);
            if (!f->edges || !f->freq || !f->bmean || !f->bsd || !f->lo || !f->hi || !f->cum || !f->za || !f->zb) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            memcpy(f->edges, cuts, sizeof *cuts * (size_t)ncuts);
            /* v is sorted: each bin is a run of it */
            for (int b = 0, i = 0; b < f->nbins; b++) {
                int i0 = i;
                double bs = 0, bss = 0;
                while (i < n && (b == f->nbins - 1 || v[i] <= f->edges[b]))
                    bs += v[i++];
                f->lo[b] = b == 0 ? f->min : f->edges[b - 1];
                f->hi[b] = b == f->nbins - 1 ? f->max : f->edges[b];
                if (i > i0) {
                    f->bmean[b] = bs / (i - i0);
                    for (int t = i0; t < i; t++)
                        bss += (v[t] - f->bmean[b]) * (v[t] - f->bmean[b]);
                    f->bsd[b] = sqrt(bss / (i - i0));
                    f->freq[b] = (double)(i - i0) / n;
                    used++;
                }
                cum += f->freq[b];
                f->cum[b] = cum;
                /* the bin's ends standardized, for the truncated normal */
                if (f->bsd[b] > 0) {
                    f->za[b] = (f->lo[b] - f->bmean[b]) / f->bsd[b];
                    f->zb[b] = (f->hi[b] - f->bmean[b]) / f->bsd[b];
                }
            }
            f->usable = used >= 2;
        }
    }
    *out = l;
    l = NULL;
done:
    nr_lime_free(l);
    free(v);
    free(y);
    free(pairs);
    return rc;
}

/* ---- random numbers --------------------------------------------------------- */

/* nr_rng_uniform's stream, inlined: the samples draw hundreds of thousands
 * of numbers per explanation. */
static inline uint64_t next64(nr_rng *r)
{
    uint64_t *s = r->s, x = s[1] * 5, t = s[1] << 17;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

static inline double uni(nr_rng *r)
{
    return (double)(next64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normals by Marsaglia and Tsang's ziggurat (2000): 128 strips of
 * equal area under exp(-x^2/2); most draws are one random number and one
 * comparison, no logarithm. */
#define ZIG_N 128
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3

typedef struct normal_gen {
    nr_rng rng;
    double x[ZIG_N + 1]; /* strip i spans [0, x[i]] between heights f(x[i]) and f(x[i+1]) */
    double f[ZIG_N + 1];
} normal_gen;

static void gen_init(normal_gen *g, uint64_t seed)
{
    nr_rng_seed(&g->rng, seed);
    g->x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
    g->x[1] = ZIG_R;
    for (int i = 1; i < ZIG_N - 1; i++)
        g->x[i + 1] = sqrt(-2 * log(ZIG_V / g->x[i] + exp(-0.5 * g->x[i] * g->x[i])));
    g->x[ZIG_N] = 0;
    for (int i = 0; i <= ZIG_N; i++)
        g->f[i] = exp(-0.5 * g->x[i] * g->x[i]);
}

/* The draw r that fell outside its strip's rectangle: the tail or the
 * wedge, and if that rejects, fresh draws. */
static double normal_slow(normal_gen *g, uint64_t r)
{
    for (;;) {
        int i = (int)(r & (ZIG_N - 1));
        double u = (double)(r >> 11) * (2.0 / 9007199254740992.0) - 1, z = u * g->x[i];
        if (fabs(z) < g->x[i + 1])
            return z;
        if (i == 0) {
            /* the tail beyond R (Marsaglia, 1964) */
            double a, b;
            do {
                a = -log(1 - uni(&g->rng)) / ZIG_R;
                b = -log(1 - uni(&g->rng));
            } while (2 * b < a * a);
            return u < 0 ? -(ZIG_R + a) : ZIG_R + a;
        }
        /* the wedge between the strip's rectangle and the curve */
        if (g->f[i] + uni(&g->rng) * (g->f[i + 1] - g->f[i]) < exp(-0.5 * z * z))
            return z;
        r = next64(&g->rng);
    }
}

/* The common case inline: one draw inside its strip's rectangle.  st is
 * the caller's local copy of g->rng (so that the generator's state stays
 * in registers, not in memory the compiler must assume normal_slow reads);
 * the rare slow path takes it back and hands it on. */
static inline double gen_normal(normal_gen *g, nr_rng *st)
{
    uint64_t r = next64(st);
    int i = (int)(r & (ZIG_N - 1));
    /* a signed uniform in (-1, 1) from the other 53 bits */
    double z = ((double)(r >> 11) * (2.0 / 9007199254740992.0) - 1) * g->x[i];
    if (fabs(z) < g->x[i + 1])
        return z;
    g->rng = *st;
    z = normal_slow(g, r);
    *st = g->rng;
    return z;
}

/* A bin of a feature with a discretizer, as the samples draw from it: a
 * normal(mean, sd) truncated to the bin's range [lo, hi], za and zb those
 * ends standardized.  Rejection from the normal when the interval is wide,
 * else from the uniform with acceptance exp(-z^2/2) (Robert, 1995); either
 * accepts about half the time or more.  Which one (or a point: no interval,
 * or, not for a bin's own mean, outside it) is the bin's alone, decided once
 * per explanation rather than per draw, with the float ends the rules
 * decide by (lo < v <= hi, infinite outermost). */
enum { TN_POINT, TN_NORMAL, TN_UNIFORM };

typedef struct binpar {
    double mean, sd, za, zb;
    double point;     /* TN_POINT: the value */
    float lo, hi;
    int kind;
    uint64_t cut;     /* a uniform u = k 2^-53 passes the bin's cumulative share c when
                       * k >= c 2^53 (exact): the draw compares integers */
    uint64_t same;    /* 1: it is the instance's bin (or, having no share, backs off to it) */
} binpar;

static void binpar_set(binpar *p, double mean, double sd, double a, double b)
{
    p->mean = mean;
    p->sd = sd;
    p->za = a;
    p->zb = b;
    p->point = a > 0 ? mean + sd * a : b < 0 ? mean + sd * b : mean;
    p->kind = !(b > a) || a > 0 || b < 0 ? TN_POINT : b - a > 2.5 ? TN_NORMAL : TN_UNIFORM;
}

static inline double trunc_normal(normal_gen *g, nr_rng *st, const binpar *p)
{
    double a = p->za, b = p->zb;
    if (p->kind == TN_NORMAL)
        for (;;) {
            double z = gen_normal(g, st);
            if (z >= a && z <= b)
                return p->mean + p->sd * z;
        }
    if (p->kind == TN_POINT)
        return p->point;
    for (;;) {
        double z = a + (b - a) * uni(st);
        if (uni(st) <= exp(-0.5 * z * z))
            return p->mean + p->sd * z;
    }
}

/* ---- small dense linear algebra ------------------------------------------- */

/* Solve (A + alpha I) b = c for the k x k symmetric A (row stride lda) by
 * Cholesky; -1 when the matrix is not positive definite (enough). */
static int solve_spd(const double *A, int lda, const int *idx, int k, double alpha, const double *c,
                     double *b, double *L)
{
    double scale = 0;
    for (int i = 0; i < k; i++)
        scale = fmax(scale, fabs(A[(size_t)idx[i] * lda + idx[i]]));
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            double s = A[(size_t)idx[i] * lda + idx[j]] + (i == j ? alpha : 0);
            for (int t = 0; t < j; t++)
                s -= L[i * k + t] * L[j * k + t];
            if (i == j) {
                if (!(s > 1e-12 * (scale > 0 ? scale : 1)))
                    return -1;
                L[i * k + i] = sqrt(s);
            } else {
                L[i * k + j] = s / L[j * k + j];
            }
        }
    for (int i = 0; i < k; i++) {
        double s = c[idx[i]];
        for (int t = 0; t < i; t++)
            s -= L[i * k + t] * b[t];
        b[i] = s / L[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        double s = b[i];
        for (int t = i + 1; t < k; t++)
            s -= L[t * k + i] * b[t];
        b[i] = s / L[i * k + i];
    }
    return 0;
}

/* ---- one explanation -------------------------------------------------------- */

void nr_lime_result_free(nr_lime_result *r)
{
    if (!r)
        return;
    for (int i = 0; r->expl && i < r->nexpl; i++) {
        free(r->expl[i].feature);
        free(r->expl[i].bin);
        free(r->expl[i].weight);
    }
    free(r->expl);
    r->expl = NULL;
    r->nexpl = 0;
}

/* The weighted, centered problem over the usable columns: Z (n x d), sample
 * weights w; G = Zc' W Zc and the column means.  Z is dense, or (bits not
 * NULL) 0/1 entries packed 64 to a word, words per row: with bins most
 * entries are 0, and the packed rows give the nonzero ones without a
 * comparison (and a misprediction) per entry. */
typedef struct fitdata {
    int n, d;
    const double *Z;  /* n x d, or NULL */
    const uint64_t *bits; /* n x words */
    int words;
    const double *w;
    double sw;
    double *zbar;     /* d */
    double *G;        /* d x d */
} fitdata;

static void moments(const fitdata *fd, const double *y, double *c, double *ybar, double *tss);

/* 0 and 1 by a load, not a conversion from an integer */
static const double ZV[2] = {0, 1};

/* Entry k of row i. */
static inline double zat(const fitdata *fd, int i, int k)
{
    if (fd->Z)
        return fd->Z[(size_t)i * fd->d + k];
    return ZV[(fd->bits[(size_t)i * fd->words + (k >> 6)] >> (k & 63)) & 1];
}

/* The weighted means of the columns and G: the sum of w z z' over the
 * nonzero entries of each row (with bins, most are 0), then centered:
 * G = S - sw zbar zbar'.  nz: d ints of scratch. */
static void gram(fitdata *fd, int *nz)
{
    int n = fd->n, d = fd->d;
    fd->sw = 0;
    memset(fd->zbar, 0, sizeof *fd->zbar * (size_t)d);
    memset(fd->G, 0, sizeof *fd->G * (size_t)d * d);
    for (int i = 0; i < n && fd->bits; i++) {
        /* w z z' with z 0 or 1: w for each pair of ones, in the same order
         * of additions as the dense rows below */
        const uint64_t *bi = fd->bits + (size_t)i * fd->words;
        double wi = fd->w[i];
        int nnz = 0;
        fd->sw += wi;
        for (int t = 0; t * 64 < d; t++) {
            /* bits past column d are not entries */
            uint64_t m = d - t * 64 >= 64 ? bi[t] : bi[t] & ((UINT64_C(1) << (d - t * 64)) - 1);
            for (; m; m &= m - 1)
                nz[nnz++] = t * 64 + __builtin_ctzll(m);
        }
        for (int p = 0; p < nnz; p++) {
            double *ga = fd->G + (size_t)nz[p] * d;
            fd->zbar[nz[p]] += wi;
            for (int q = p; q < nnz; q++)
                ga[nz[q]] += wi;
        }
    }
    for (int i = 0; i < n && !fd->bits; i++) {
        const double *zi = fd->Z + (size_t)i * d;
        int nnz = 0;
        fd->sw += fd->w[i];
        for (int k = 0; k < d; k++)
            if (zi[k] != 0) {
                fd->zbar[k] += fd->w[i] * zi[k];
                nz[nnz++] = k;
            }
        if (nnz == d) {
            /* no zero (values without bins): the same sums, without the
             * indirection */
            for (int a = 0; a < d; a++) {
                double wa = fd->w[i] * zi[a], *restrict ga = fd->G + (size_t)a * d;
                for (int b = a; b < d; b++)
                    ga[b] += wa * zi[b];
            }
            continue;
        }
        for (int p = 0; p < nnz; p++) {
            double wa = fd->w[i] * zi[nz[p]];
            double *ga = fd->G + (size_t)nz[p] * d;
            for (int q = p; q < nnz; q++)
                ga[nz[q]] += wa * zi[nz[q]];
        }
    }
    for (int k = 0; k < d; k++)
        fd->zbar[k] /= fd->sw;
    for (int a = 0; a < d; a++)
        for (int b = a; b < d; b++) {
            fd->G[(size_t)a * d + b] -= fd->sw * fd->zbar[a] * fd->zbar[b];
            fd->G[(size_t)b * d + a] = fd->G[(size_t)a * d + b];
        }
}

int nr_lime_ridge(const double *X, const double *y, const double *w, int n, int k, double alpha,
                  double *coef, double *intercept, nr_error *err)
{
    double *zbar = calloc((size_t)k + 1, sizeof *zbar), *G = calloc((size_t)k * k + 1, sizeof *G);
    double *c = calloc((size_t)k + 1, sizeof *c), *L = calloc((size_t)k * k + 1, sizeof *L);
    int *idx = calloc((size_t)k + 1, sizeof *idx), rc = 0;
    fitdata fd = {n, k, X, NULL, 0, w, 0, zbar, G};
    double ybar, tss;
    if (!zbar || !G || !c || !L || !idx) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    gram(&fd, idx);
    moments(&fd, y, c, &ybar, &tss);
    for (int t = 0; t < k; t++)
        idx[t] = t;
    if (solve_spd(G, k, idx, k, alpha, c, coef, L) < 0) {
        rc = nr_error_set(err, NR_EINVAL, "the weighted ridge system is singular");
        goto done;
    }
    *intercept = ybar;
    for (int t = 0; t < k; t++)
        *intercept -= coef[t] * zbar[t];
done:
    free(zbar);
    free(G);
    free(c);
    free(L);
    free(idx);
    return rc;
}

/* c = Zc' W yc, and the weighted mean and total sum of squares of y. */
static void moments(const fitdata *fd, const double *y, double *c, double *ybar, double *tss)
{
    double sy = 0, t = 0;
    for (int i = 0; i < fd->n; i++)
        sy += fd->w[i] * y[i];
    *ybar = sy / fd->sw;
    memset(c, 0, sizeof *c * (size_t)fd->d);
    for (int i = 0; i < fd->n; i++) {
        double r = fd->w[i] * (y[i] - *ybar);
        t += r * (y[i] - *ybar);
        if (fd->Z) {
            const double *z = fd->Z + (size_t)i * fd->d;
            for (int k = 0; k < fd->d; k++)
                c[k] += r * (z[k] - fd->zbar[k]);
        } else {
            const uint64_t *bi = fd->bits + (size_t)i * fd->words;
            for (int t = 0, k = 0; t < fd->words; t++) {
                uint64_t m = bi[t];
                for (int e = k + 64 < fd->d ? k + 64 : fd->d; k < e; k++, m >>= 1)
                    c[k] += r * (ZV[m & 1] - fd->zbar[k]);
            }
        }
    }
    *tss = t;
}

/* Coordinate descent for the lasso 1/2 b'Gb - c'b + lambda |b|_1, warm
 * started from b. */
static void lasso_cd(const double *G, const double *c, int d, double lambda, double *b)
{
    for (int it = 0; it < 1000; it++) {
        double change = 0, big = 0;
        for (int k = 0; k < d; k++) {
            double r = c[k], nb;
            if (!(G[(size_t)k * d + k] > 0))
                continue;
            for (int t = 0; t < d; t++)
                if (t != k)
                    r -= G[(size_t)k * d + t] * b[t];
            nb = r > lambda ? (r - lambda) / G[(size_t)k * d + k]
                 : r < -lambda ? (r + lambda) / G[(size_t)k * d + k] : 0;
            change = fmax(change, fabs(nb - b[k]));
            big = fmax(big, fabs(nb));
            b[k] = nb;
        }
        if (change <= 1e-10 * (big > 0 ? big : 1))
            break;
    }
}

/* The features (indices into the usable columns) to fit, in sel[], their
 * number returned. */
static int select_features(const fitdata *fd, const double *c, double tss, const nr_lime_opts *o,
                           const double *z0, int *sel, double *work, double *L)
{
    int d = fd->d, K = o->features_max < d ? o->features_max : d, how = o->select;
    double *b = work;
    if (how == NR_LIME_AUTO)
        how = o->features_max <= 6 ? NR_LIME_FORWARD : NR_LIME_HIGHEST;
    if (how == NR_LIME_ALL || K == d) {
        for (int k = 0; k < d; k++)
            sel[k] = k;
        return d;
    }
    if (how == NR_LIME_FORWARD) {
        /* with alpha 0 the explained sum of squares is b.c: the R^2 times tss */
        for (int s = 0; s < K; s++) {
            double best = -INFINITY;
            int bestk = -1;
            for (int k = 0; k < d; k++) {
                double score = 0;
                int used = 0;
                for (int t = 0; t < s; t++)
                    used |= sel[t] == k;
                if (used)
                    continue;
                sel[s] = k;
                if (solve_spd(fd->G, d, sel, s + 1, 0, c, b, L) < 0)
                    continue;
                for (int t = 0; t <= s; t++)
                    score += b[t] * c[sel[t]];
                if (bestk < 0 || score > best) {
                    best = score;
                    bestk = k;
                }
            }
            if (bestk < 0) /* nothing solvable: the first feature not used */
                for (int k = 0; k < d && bestk < 0; k++) {
                    int used = 0;
                    for (int t = 0; t < s; t++)
                        used |= sel[t] == k;
                    if (!used)
                        bestk = k;
                }
            sel[s] = bestk;
        }
        return K;
    }
    if (how == NR_LIME_HIGHEST) {
        double *score = work + d;
        int *all = sel;
        for (int k = 0; k < d; k++)
            all[k] = k;
        if (solve_spd(fd->G, d, all, d, 0.01, c, b, L) < 0)
            memset(b, 0, sizeof *b * (size_t)d);
        for (int k = 0; k < d; k++)
            score[k] = fabs(b[k] * z0[k]);
        /* stable selection of the K largest: ties to the lower index */
        for (int s = 0; s < K; s++) {
            int bk = s;
            for (int k = s + 1; k < d; k++)
                if (score[all[k]] > score[all[bk]])
                    bk = k;
            if (bk != s) {
                int t = all[bk];
                memmove(all + s + 1, all + s, sizeof *all * (size_t)(bk - s));
                all[s] = t;
            }
        }
        return K;
    }
    /* lasso: down a path of penalties, the last active set of at most K */
    {
        double cmax = 0, *bl = work, lambda;
        int best = 0;
        (void)tss;
        memset(bl, 0, sizeof *bl * (size_t)d);
        for (int k = 0; k < d; k++)
            cmax = fmax(cmax, fabs(c[k]));
        lambda = cmax;
        for (int step = 0; step < 200 && cmax > 0; step++) {
            int nz = 0;
            lambda *= 0.93;
            lasso_cd(fd->G, c, d, lambda, bl);
            for (int k = 0; k < d; k++)
                nz += bl[k] != 0;
            if (nz > K)
                break;
            best = 0;
            for (int k = 0; k < d; k++)
                if (bl[k] != 0)
                    sel[best++] = k;
        }
        return best;
    }
}

/* A usable column's draw, with a discretizer. */
typedef struct colpar {
    const binpar *bp;  /* the feature's bins */
    int ncut, j;       /* nbins - 1, the feature */
} colpar;

typedef struct scratch {
    float *xs;        /* one batch of samples, batch x nin; unusable features at x's values */
    float *out;       /* network outputs, n x nout */
    double *Z;        /* without a discretizer: n x d */
    uint64_t *same;   /* with one: n x words, bit k: usable column k in the instance's bin */
    double *w;
    double *wtab;     /* with one: the kernel weight of each number of bins changed, 0..d */
    binpar *bp;       /* with one: every feature's bins */
    colpar *cp;       /* with one: d */
    int *bins0, *col;
    nn_workspace *ws;
} scratch;

static void scratch_free(scratch *s)
{
    free(s->xs);
    free(s->out);
    free(s->Z);
    free(s->same);
    free(s->w);
    free(s->wtab);
    free(s->bp);
    free(s->cp);
    free(s->bins0);
    free(s->col);
    nn_workspace_free(s->ws);
}

#define LIME_BATCH 1024

/* Row i > 0 of the samples with a discretizer: each usable feature's bin
 * drawn by the training shares, its value from the bin's truncated normal
 * (the others stay at the instance's values); bit k of si says whether
 * usable column k stayed in the instance's bin. */
static void draw_binned(const scratch *s, int d, normal_gen *g, float *xi, uint64_t *si, double *wi)
{
    nr_rng st = g->rng;
    int changed = 0;
    for (int k0 = 0; k0 < d; k0 += 64) {
        uint64_t acc = 0;
        for (int k = k0, e = d - k0 < 64 ? d : k0 + 64; k < e; k++) {
            const colpar *c = &s->cp[k];
            const binpar *p;
            uint64_t u = next64(&st) >> 11; /* uni's, times 2^53 */
            float v;
            int b = 0;
            /* the first bin whose cumulative share passes u: the shares
             * ascend, so it is the number they do not pass, counted
             * without a branch */
            for (int t = 0; t < c->ncut; t++)
                b += u >= c->bp[t].cut;
            p = c->bp + b;
            v = (float)trunc_normal(g, &st, p);
            /* the float value must fall in the bin as the rules decide it */
            if (!(v > p->lo))
                v = nextafterf(p->lo, INFINITY);
            if (!(v <= p->hi))
                v = p->hi;
            xi[c->j] = v;
            acc |= p->same << (k - k0);
            changed += (int)(p->same ^ 1);
        }
        si[k0 >> 6] = acc;
    }
    g->rng = st;
    *wi = s->wtab[changed];
}

int nr_lime_explain(const nr_lime *l, const nn_model *m, const float *x, int klass,
                    const nr_lime_opts *o, uint64_t seed, uint64_t stream, nr_lime_result *res,
                    nr_error *err)
{
    int nin = (int)nn_model_input_size(m), nout = (int)nn_model_output_size(m);
    int n = o->samples, d = 0, rc = 0, disc = l->disc != NR_LIME_NONE, batch, words, nbp = 0;
    int classify = m->task == NN_TASK_CLASSIFY;
    double width = kernel_width(o, nin);
    scratch s;
    normal_gen g;

    memset(&s, 0, sizeof s);
    memset(res, 0, sizeof *res);
    res->kernel_width = width;
    if (nin != l->nfeatures)
        return nr_error_set(err, NR_EINVAL, "the statistics are of %d features, the model has %d",
                            l->nfeatures, nin);
    if (n < 2)
        return nr_error_set(err, NR_EINVAL, "--samples must be at least 2");
    for (int j = 0; j < nin; j++)
        if (!isfinite(x[j]))
            return nr_error_set(err, NR_EINVAL, "the instance's value of feature %d is %s", j + 1,
                                isnan(x[j]) ? "missing" : "infinite");
    if ((size_t)n > ((size_t)1 << 31) / (size_t)(nin + nout + 1))
        return nr_error_set(err, NR_ELIMIT, "%d samples of %d features is too many", n, nin);
    for (int j = 0; j < nin; j++) {
        d += l->f[j].usable;
        nbp += disc ? l->f[j].nbins : 0;
    }
    words = (d + 63) / 64 + (d == 0);
    if (classify && klass >= nout)
        return nr_error_set(err, NR_EINVAL, "class %d is not one of the model's %d", klass, nout);
    batch = nn_batch_within(m, n < LIME_BATCH ? n : LIME_BATCH, NN_WORKSPACE_BUDGET);
    s.xs = malloc(sizeof *s.xs * (size_t)batch * nin);
    s.out = malloc(sizeof *s.out * (size_t)n * nout);
    if (disc) {
        s.same = calloc((size_t)n * words, sizeof *s.same);
        s.wtab = malloc(sizeof *s.wtab * (size_t)(d + 1));
        s.bp = malloc(sizeof *s.bp * (size_t)(nbp + 1));
        s.cp = malloc(sizeof *s.cp * (size_t)(d + 1));
    } else {
        s.Z = malloc(sizeof *s.Z * (size_t)n * (d > 0 ? d : 1));
    }
    s.w = malloc(sizeof *s.w * (size_t)n);
    s.bins0 = calloc((size_t)nin, sizeof *s.bins0);
    s.col = calloc((size_t)d + 1, sizeof *s.col);
    s.ws = nn_workspace_new(m, batch);
    if (!s.xs || !s.out || (disc ? !s.same || !s.wtab || !s.bp || !s.cp : !s.Z) || !s.w ||
        !s.bins0 || !s.col || !s.ws) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0, k = 0; j < nin; j++)
        if (l->f[j].usable)
            s.col[k++] = j;
    for (int j = 0; j < nin; j++)
        s.bins0[j] = disc ? nr_lime_bin(l, j, x[j]) : 0;
    for (int i = 0; i < batch; i++)
        memcpy(s.xs + (size_t)i * nin, x, sizeof *x * (size_t)nin);
    if (disc) {
        for (int j = 0, off = 0, k = 0; j < nin; j++) {
            const nr_lime_feature *f = &l->f[j];
            if (f->usable)
                s.cp[k++] = (colpar){s.bp + off, f->nbins - 1, j};
            for (int b = 0; b < f->nbins; b++) {
                binpar *p = &s.bp[off + b];
                int a = b;
                while (a > 0 && f->freq[a] == 0) /* rounding of the last share */
                    a--;
                binpar_set(p, f->bmean[a], f->bsd[a], f->za[a], f->zb[a]);
                p->lo = a > 0 ? f->edges[a - 1] : -INFINITY;
                p->hi = a < f->nbins - 1 ? f->edges[a] : INFINITY;
                p->same = a == s.bins0[j];
                p->cut = (uint64_t)ceil(f->cum[b] * 9007199254740992.0);
            }
            off += f->nbins;
        }
        /* the squared distance of the 0/1 columns is the number that changed */
        for (int c = 0; c <= d; c++)
            s.wtab[c] = sqrt(exp(-(double)c / (width * width)));
    }

    /* the samples, a batch at a time through the network; row 0 is the instance */
    gen_init(&g, seed ^ (0x9E3779B97F4A7C15ull * (stream + 1)));
    for (int r0 = 0; r0 < n; r0 += batch) {
        int nb = n - r0 < batch ? n - r0 : batch;
        nn_error nerr;
        nr_rng st;
        for (int i = r0; i < r0 + nb; i++) {
            float *xi = s.xs + (size_t)(i - r0) * nin;
            double *zi, d2 = 0;
            if (disc && i > 0) {
                draw_binned(&s, d, &g, xi, s.same + (size_t)i * words, &s.w[i]);
                continue;
            }
            if (disc) {
                memcpy(xi, x, sizeof *x * (size_t)nin);
                for (int k = 0; k < d; k++)
                    s.same[k >> 6] |= (uint64_t)1 << (k & 63);
                s.w[0] = s.wtab[0];
                continue;
            }
            zi = s.Z + (size_t)i * d;
            st = g.rng;
            for (int j = 0, k = 0; j < nin; j++) {
                const nr_lime_feature *f = &l->f[j];
                double z, z0;
                if (!f->usable) {
                    xi[j] = x[j];
                    continue;
                }
                z0 = ((double)x[j] - f->mean) / f->sd;
                xi[j] = i > 0 ? (float)(f->mean + f->sd * gen_normal(&g, &st)) : x[j];
                z = ((double)xi[j] - f->mean) / f->sd;
                d2 += (z - z0) * (z - z0);
                zi[k++] = z;
            }
            g.rng = st;
            s.w[i] = sqrt(exp(-d2 / (width * width)));
        }
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, s.ws, s.xs, nb, s.out + (size_t)r0 * nout, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network on the samples: %s", nerr.msg);
            goto done;
        }
    }
    for (size_t t = 0; t < (size_t)n * nout; t++)
        if (!isfinite(s.out[t])) {
            rc = nr_error_set(err, NR_EMODEL, "the network's output %zu for sample %zu is not finite",
                              t % (size_t)nout, t / (size_t)nout + 1);
            goto done;
        }

    /* the surrogate, on the usable columns; then back to the features */
    rc = disc ? nr_lime_fit_bits(s.same, words, s.w, s.out, n, d, nout, classify, klass, o, res, err)
              : nr_lime_fit(s.Z, s.w, s.out, n, d, nout, classify, klass, o, res, err);
    if (rc < 0)
        goto done;
    for (int e = 0; e < res->nexpl; e++) {
        nr_lime_expl *ex = &res->expl[e];
        for (int t = 0; t < ex->nterms; t++) {
            int j = s.col[ex->feature[t]];
            const nr_lime_feature *f = &l->f[j];
            ex->feature[t] = j;
            if (disc) {
                ex->bin[t] = s.bins0[j];
            } else {
                /* b (x - mean) / sd in the data's own units */
                ex->intercept -= ex->weight[t] * f->mean / f->sd;
                ex->weight[t] /= f->sd;
            }
        }
        if (!disc) {
            /* the intercept moved: the prediction at x from the raw terms */
            double p = ex->intercept;
            for (int t = 0; t < ex->nterms; t++)
                p += ex->weight[t] * x[ex->feature[t]];
            ex->local_pred = p;
        }
    }
done:
    scratch_free(&s);
    res->kernel_width = width;
    return rc;
}

/* nr_lime_fit on fd's rows (n, d, Z or bits, w set). */
static int fit(fitdata *fd, const float *out, int nout, int classify, int klass,
               const nr_lime_opts *o, nr_lime_result *res, nr_error *err)
{
    int n = fd->n, d = fd->d;
    const double *w = fd->w;
    double *y = malloc(sizeof *y * (size_t)n), *zbar = calloc((size_t)d + 1, sizeof *zbar);
    double *G = calloc((size_t)d * d + 1, sizeof *G), *c = calloc((size_t)d + 1, sizeof *c);
    double *work = calloc(2 * (size_t)d + 2, sizeof *work), *L = calloc((size_t)d * d + 1, sizeof *L);
    double *z0 = calloc((size_t)d + 1, sizeof *z0);
    int *sel = calloc((size_t)d + 1, sizeof *sel), *order = calloc((size_t)nout + 1, sizeof *order);
    int rc = 0, nlab;

    res->expl = NULL;
    res->nexpl = 0;
    if (!y || !zbar || !G || !c || !work || !L || !z0 || !sel || !order) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    /* the classes to explain: given, or the highest outputs at the instance */
    if (!classify) {
        nlab = 1;
        order[0] = 0;
    } else if (klass >= 0) {
        nlab = 1;
        order[0] = klass;
    } else {
        nlab = o->top_labels < nout ? o->top_labels : nout;
        for (int k = 0; k < nout; k++)
            order[k] = k;
        for (int a = 0; a < nlab; a++)
            for (int b2 = a + 1; b2 < nout; b2++)
                if (out[order[b2]] > out[order[a]]) {
                    int t = order[a];
                    order[a] = order[b2];
                    order[b2] = t;
                }
        /* ties to the lower index among the chosen */
        for (int a = 0; a < nlab; a++)
            for (int b2 = a + 1; b2 < nlab; b2++)
                if (out[order[b2]] == out[order[a]] && order[b2] < order[a]) {
                    int t = order[a];
                    order[a] = order[b2];
                    order[b2] = t;
                }
    }

    /* the weighted Gram matrix of the centered columns, once for every class */
    fd->zbar = zbar;
    fd->G = G;
    gram(fd, sel);
    for (int k = 0; k < d; k++)
        z0[k] = zat(fd, 0, k);

    if (!(res->expl = calloc((size_t)nlab, sizeof *res->expl))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    res->nexpl = nlab;
    for (int e = 0; e < nlab; e++) {
        nr_lime_expl *ex = &res->expl[e];
        int label = order[e], K;
        double ybar, tss, rss = 0, *b, *bs;
        for (int i = 0; i < n; i++)
            y[i] = out[(size_t)i * nout + label];
        moments(fd, y, c, &ybar, &tss);
        K = d > 0 ? select_features(fd, c, tss, o, z0, sel, work, L) : 0;
        ex->klass = classify ? label : -1;
        ex->feature = malloc(sizeof *ex->feature * (size_t)(K + 1));
        ex->bin = malloc(sizeof *ex->bin * (size_t)(K + 1));
        ex->weight = malloc(sizeof *ex->weight * (size_t)(K + 1));
        if (!ex->feature || !ex->bin || !ex->weight) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        b = work;
        bs = work + d;
        if (K > 0 && solve_spd(G, d, sel, K, o->alpha, c, b, L) < 0) {
            /* singular without a penalty: as with a tiny one */
            if (solve_spd(G, d, sel, K, 1e-9, c, b, L) < 0)
                memset(b, 0, sizeof *b * (size_t)K);
        }
        ex->intercept = ybar;
        for (int t = 0; t < K; t++)
            ex->intercept -= b[t] * zbar[sel[t]];
        for (int i = 0; i < n; i++) {
            double p = ex->intercept;
            for (int t = 0; t < K; t++)
                p += b[t] * zat(fd, i, sel[t]);
            if (i == 0)
                ex->local_pred = p;
            rss += w[i] * (y[i] - p) * (y[i] - p);
        }
        ex->r2 = tss > 0 ? 1 - rss / tss : rss == 0 ? 1 : 0;
        ex->model_pred = y[0];
        /* largest |weight| first (in the fitted units), ties to the lower column */
        for (int t = 0; t < K; t++)
            bs[t] = b[t];
        for (int a = 0; a < K; a++)
            for (int c2 = a + 1; c2 < K; c2++)
                if (fabs(bs[c2]) > fabs(bs[a]) || (fabs(bs[c2]) == fabs(bs[a]) && sel[c2] < sel[a])) {
                    double tb = bs[a];
                    int ts = sel[a];
                    bs[a] = bs[c2];
                    bs[c2] = tb;
                    sel[a] = sel[c2];
                    sel[c2] = ts;
                }
        ex->nterms = K;
        for (int t = 0; t < K; t++) {
            ex->feature[t] = sel[t];
            ex->bin[t] = -1;
            ex->weight[t] = bs[t];
        }
    }
done:
    free(y);
    free(zbar);
    free(G);
    free(c);
    free(work);
    free(L);
    free(z0);
    free(sel);
    free(order);
    return rc;
}

int nr_lime_fit(const double *Z, const double *w, const float *out, int n, int d, int nout,
                int classify, int klass, const nr_lime_opts *o, nr_lime_result *res, nr_error *err)
{
    fitdata fd = {n, d, Z, NULL, 0, w, 0, NULL, NULL};
    return fit(&fd, out, nout, classify, klass, o, res, err);
}

int nr_lime_fit_bits(const uint64_t *Zbits, int words, const double *w, const float *out, int n,
                     int d, int nout, int classify, int klass, const nr_lime_opts *o,
                     nr_lime_result *res, nr_error *err)
{
    fitdata fd = {n, d, NULL, Zbits, words, w, 0, NULL, NULL};
    return fit(&fd, out, nout, classify, klass, o, res, err);
}

typedef struct rows_ctx {
    const nr_lime *l;
    const nn_model *m;
    const float *x;
    const uint64_t *streams;
    int klass, nin;
    const nr_lime_opts *o;
    uint64_t seed;
    nr_lime_result *res;
    nr_progress *progress;
} rows_ctx;

static int explain_task(void *ctx, int i, nr_error *err)
{
    rows_ctx *c = ctx;
    return nr_lime_explain(c->l, c->m, c->x + (size_t)i * c->nin, c->klass, c->o, c->seed,
                           c->streams[i], &c->res[i], err);
}

static void explain_done(void *ctx, int ndone)
{
    rows_ctx *c = ctx;
    nr_progress_update(c->progress, ndone);
}

int nr_lime_explain_rows(const nr_lime *l, const nn_model *m, const float *x, int nrows,
                         const uint64_t *streams, int klass, const nr_lime_opts *o, uint64_t seed,
                         nr_progress *progress, nr_lime_result *res, nr_error *err)
{
    rows_ctx c = {l, m, x, streams, klass, (int)nn_model_input_size(m), o, seed, res, progress};
    int rc;
    nr_progress_start(progress, "explaining rows", nrows);
    rc = nr_parallel_for(nrows, explain_task, &c, progress ? explain_done : NULL, err);
    nr_progress_end(progress);
    return rc;
}

/* ---- instances ----------------------------------------------------------------- */

int nr_lime_parse_instance(const nn_model *m, const char *s, float *x, nr_error *err)
{
    int nin = (int)nn_model_input_size(m), pos = 0, named = strchr(s, '=') != NULL;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ','), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[512], *vend;
        int j = pos;
        double v;
        if (len >= sizeof item)
            return nr_error_set(err, NR_EINVAL, "--instance: item %d is too long", pos + 1);
        memcpy(item, p, len);
        item[len] = 0;
        eq = strchr(item, '=');
        if (named != (eq != NULL))
            return nr_error_set(err, NR_EINVAL, "--instance: '%s': give every value as NAME=VALUE, "
                                "or every value in order", item);
        if (eq) {
            item[eq - item] = 0;
            for (j = 0; j < nin; j++)
                if (m->features && m->features[j].name && strcmp(m->features[j].name, item) == 0)
                    break;
            if (j == nin)
                return nr_error_set(err, NR_EINVAL, "--instance: the model has no feature '%s'", item);
        } else if (j >= nin) {
            return nr_error_set(err, NR_EINVAL, "--instance: more than the model's %d values", nin);
        }
        errno = 0;
        v = strtod(eq ? eq + 1 : item, &vend);
        if (errno || vend == (eq ? eq + 1 : item) || *vend || !isfinite(v) || fabs(v) > 3.4e38)
            return nr_error_set(err, NR_EINVAL, "--instance: '%s' is not a finite number",
                                eq ? eq + 1 : item);
        x[j] = (float)v;
        pos++;
        if (!end)
            break;
        p = end + 1;
    }
    if (!named && pos != nin)
        return nr_error_set(err, NR_EINVAL, "--instance: %d values for the model's %d features", pos, nin);
    return 0;
}

int nr_lime_sample_rows(int n, int k, uint64_t seed, int *out, nr_error *err)
{
    int *idx = malloc(sizeof *idx * (size_t)(n > 0 ? n : 1));
    unsigned char *take = calloc((size_t)n + 1, 1);
    nr_rng rng;
    if (!idx || !take) {
        free(idx);
        free(take);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    if (k > n)
        k = n;
    nr_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    /* a partial shuffle picks k, then they are listed in file order */
    for (int i = 0; i < k; i++) {
        int r = i + (int)nr_rng_below(&rng, (uint64_t)(n - i)), t = idx[i];
        idx[i] = idx[r];
        idx[r] = t;
        take[idx[i]] = 1;
    }
    for (int i = 0, o = 0; i < n; i++)
        if (take[i])
            out[o++] = i;
    free(idx);
    free(take);
    return k;
}

/* ---- to rules ----------------------------------------------------------------- */

int nr_lime_rules(const nr_lime *l, const nn_model *m, const nr_lime_expl *e,
                  const nr_extract_opts *po, nr_rules **out, nr_error *err)
{
    nr_rules *r = nr_rules_new();
    int rc;
    *out = NULL;
    if (!r)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto fail;
    r->kind = NR_BODY_LINEAR;
    r->lin.klass = m->task == NN_TASK_CLASSIFY ? e->klass : -1;
    r->lin.intercept = e->intercept;
    r->lin.nterms = e->nterms;
    r->lin.has_fit = 1;
    r->lin.r2 = e->r2;
    r->lin.local_pred = e->local_pred;
    r->lin.model_pred = e->model_pred;
    if (e->nterms > 0 && !(r->lin.terms = nr_arena_calloc(r->arena, (size_t)e->nterms, sizeof *r->lin.terms))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    for (int t = 0; t < e->nterms; t++) {
        nr_term *term = &r->lin.terms[t];
        int j = e->feature[t], b = e->bin[t];
        const nr_lime_feature *f = &l->f[j];
        term->weight = e->weight[t];
        if (b < 0) {
            term->indicator = 0;
            term->var.kind = NR_VAR_INPUT;
            term->var.index = j;
            continue;
        }
        term->indicator = 1;
        if (b == 0 || b == f->nbins - 1) {
            term->cond.op = b == 0 ? NR_LE : NR_GT;
            term->cond.var.kind = NR_VAR_INPUT;
            term->cond.var.index = j;
            term->cond.t = b == 0 ? f->edges[0] : f->edges[b - 1];
        } else {
            /* an inner bin: both of its ends */
            nr_cond *sub = nr_arena_calloc(r->arena, 2, sizeof *sub);
            if (!sub) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto fail;
            }
            sub[0].op = NR_GT;
            sub[0].var.index = j;
            sub[0].t = f->edges[b - 1];
            sub[1].op = NR_LE;
            sub[1].var.index = j;
            sub[1].t = f->edges[b];
            term->cond.op = NR_MOFN;
            term->cond.m = term->cond.n = 2;
            term->cond.sub = sub;
        }
    }
    if ((rc = nr_set_provenance(r, po, "lime", err)) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    nr_rules_free(r);
    return rc;
}

/* ---- SP-LIME ------------------------------------------------------------------ */

int nr_lime_pick_matrix(const double *W, int n, int d, int B, int *picked, double *covered,
                        double *total, nr_error *err)
{
    double *imp = calloc((size_t)d + 1, sizeof *imp);
    unsigned char *cov = calloc((size_t)d + 1, 1), *taken = calloc((size_t)n + 1, 1);
    double got = 0;
    if (!imp || !cov || !taken) {
        free(imp);
        free(cov);
        free(taken);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    *total = 0;
    for (int j = 0; j < d; j++) {
        for (int i = 0; i < n; i++)
            imp[j] += fabs(W[(size_t)i * d + j]);
        imp[j] = sqrt(imp[j]);
        *total += imp[j];
    }
    if (B > n)
        B = n;
    for (int p = 0; p < B; p++) {
        double best = -1;
        int bi = -1;
        for (int i = 0; i < n; i++) {
            double gain = 0;
            if (taken[i])
                continue;
            for (int j = 0; j < d; j++)
                if (!cov[j] && W[(size_t)i * d + j] != 0)
                    gain += imp[j];
            if (gain > best) {
                best = gain;
                bi = i;
            }
        }
        picked[p] = bi;
        taken[bi] = 1;
        got += best;
        for (int j = 0; j < d; j++)
            if (W[(size_t)bi * d + j] != 0)
                cov[j] = 1;
    }
    *covered = got;
    free(imp);
    free(cov);
    free(taken);
    return 0;
}

int nr_lime_pick(const nr_lime *l, const nr_lime_result *res, int n, int B, int *picked,
                 double *covered, double *total, nr_error *err)
{
    /* a column per (feature, bin): a term is "feature j in bin b", as the
     * reference keys its matrix by the term's text */
    int maxb = 1, d, rc;
    double *W;
    for (int j = 0; j < l->nfeatures; j++)
        maxb = l->f[j].nbins > maxb ? l->f[j].nbins : maxb;
    d = l->nfeatures * (maxb + 1);
    if (n > 0 && (size_t)d > ((size_t)1 << 28) / (size_t)n)
        return nr_error_set(err, NR_ELIMIT, "%d explanations of %d terms are too many to pick from", n, d);
    if (!(W = calloc((size_t)n * d + 1, sizeof *W)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        for (int e = 0; e < res[i].nexpl; e++) {
            const nr_lime_expl *ex = &res[i].expl[e];
            for (int t = 0; t < ex->nterms; t++)
                W[(size_t)i * d + ex->feature[t] * (maxb + 1) + ex->bin[t] + 1] += ex->weight[t];
        }
    rc = nr_lime_pick_matrix(W, n, d, B, picked, covered, total, err);
    free(W);
    return rc;
}

/* ---- SVG ------------------------------------------------------------------------- */


/* Text for XML: markup characters as entities, control characters (not
 * allowed in XML) as '?'. */
static void sb_xml(nr_sbuf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '&')
            nr_sbuf_printf(b, "&amp;");
        else if (ch == '<')
            nr_sbuf_printf(b, "&lt;");
        else if (ch == '>')
            nr_sbuf_printf(b, "&gt;");
        else if (ch == '"')
            nr_sbuf_printf(b, "&quot;");
        else if (ch < 0x20 || ch == 0x7f)
            nr_sbuf_printf(b, "?");
        else
            nr_sbuf_printf(b, "%c", *s);
    }
}

static const char *feat_name(const nr_rules *r, int j)
{
    return j >= 0 && j < r->nfeatures && r->features[j].name ? r->features[j].name : "?";
}

/* The label of a term: "petal_width > 1.8", "1.3 < petal_width <= 1.8", "petal_width". */
static void term_label(nr_sbuf *b, const nr_rules *r, const nr_term *t)
{
    const nr_cond *c = &t->cond;
    if (!t->indicator) {
        sb_xml(b, feat_name(r, t->var.index));
        return;
    }
    if (c->op == NR_MOFN && c->n == 2 && c->m == 2 && c->sub[0].op == NR_GT && c->sub[1].op == NR_LE) {
        nr_sbuf_printf(b, "%.6g &lt; ", (double)c->sub[0].t);
        sb_xml(b, feat_name(r, c->sub[1].var.index));
        nr_sbuf_printf(b, " &lt;= %.6g", (double)c->sub[1].t);
    } else if (c->op == NR_LE || c->op == NR_GT) {
        sb_xml(b, feat_name(r, c->var.index));
        nr_sbuf_printf(b, " %s %.6g", c->op == NR_LE ? "&lt;=" : "&gt;", (double)c->t);
    } else {
        sb_xml(b, feat_name(r, c->var.index));
    }
}

int nr_lime_svg(const nr_rules *const *r, const char *const *titles, int n, char **buf,
                size_t *len, nr_error *err)
{
    const int W = 760, left = 330, mid = 330 + 200, half = 190, bar = 22, head = 64;
    nr_sbuf b = {NULL, 0, 0, 0};
    int height = 10;
    *buf = NULL;
    *len = 0;
    for (int k = 0; k < n; k++) {
        if (r[k]->kind != NR_BODY_LINEAR)
            return nr_error_set(err, NR_EINVAL, "an explanation chart needs a linear model");
        height += head + bar * (r[k]->lin.nterms > 0 ? r[k]->lin.nterms : 1) + 20;
    }
    nr_sbuf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
              "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, height, W, height);
    for (int k = 0, y = 10; k < n; k++) {
        const nr_linear *l = &r[k]->lin;
        double maxw = 0;
        for (int t = 0; t < l->nterms; t++)
            maxw = fmax(maxw, fabs(l->terms[t].weight));
        nr_sbuf_printf(&b, "<g>\n<text x=\"10\" y=\"%d\" font-weight=\"bold\" font-size=\"15\">", y + 18);
        if (titles && titles[k])
            sb_xml(&b, titles[k]);
        else if (l->klass >= 0 && l->klass < r[k]->nclasses)
            sb_xml(&b, r[k]->classes[l->klass]);
        else
            nr_sbuf_printf(&b, "explanation");
        nr_sbuf_printf(&b, "</text>\n<text x=\"10\" y=\"%d\" fill=\"#444\">network %.4g, surrogate %.4g, "
                  "weighted R\xc2\xb2 %.4g, intercept %.4g</text>\n",
                  y + 38, l->model_pred, l->local_pred, l->r2, l->intercept);
        y += head;
        nr_sbuf_printf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", mid, y - 4,
                  mid, y + bar * (l->nterms > 0 ? l->nterms : 1));
        if (l->nterms == 0)
            nr_sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#444\">no term: "
                      "nothing varies</text>\n", left - 10, y + 15);
        for (int t = 0; t < l->nterms; t++) {
            const nr_term *term = &l->terms[t];
            double wv = term->weight, len_px = maxw > 0 ? fabs(wv) / maxw * half : 0;
            int pos = wv >= 0, yy = y + t * bar;
            nr_sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 10, yy + 15);
            term_label(&b, r[k], term);
            nr_sbuf_printf(&b, "</text>\n<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                      pos ? (double)mid : mid - len_px, yy + 2, len_px, bar - 6,
                      pos ? "#2ca02c" : "#d62728");
            nr_sbuf_printf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" font-size=\"11\">%+.4g</text>\n",
                      pos ? mid + len_px + 4 : mid - len_px - 4, yy + 14, pos ? "start" : "end", wv);
        }
        y += bar * (l->nterms > 0 ? l->nterms : 1) + 20;
        nr_sbuf_printf(&b, "</g>\n");
    }
    nr_sbuf_printf(&b, "</svg>\n");
    if (b.oom) {
        free(b.p);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    *buf = b.p;
    *len = b.n;
    return 0;
}

/* ---- many explanations in one file ------------------------------------------- */


int nr_lime_emit_many(const nr_rules *const *r, const char *const *titles, int n, int json,
                      const nr_lime_pickinfo *pk, char **buf, size_t *len, nr_error *err)
{
    nr_sbuf b = {NULL, 0, 0, 0};
    int rc = 0;
    *buf = NULL;
    *len = 0;
    if (json)
        nr_sbuf_printf(&b, "{\"explanations\": [");
    else if (pk)
        nr_sbuf_printf(&b, "# SP-LIME: %d of %d explanations picked, covering %.6g of the total "
                  "importance %.6g (%.4f)\n\n", pk->picked, pk->of, pk->covered, pk->total,
                  pk->total > 0 ? pk->covered / pk->total : 0);
    for (int k = 0; k < n && rc == 0; k++) {
        char *t = NULL;
        size_t tl = 0;
        if ((rc = json ? nr_emit_json(r[k], &t, &tl, err) : nr_emit_text(r[k], &t, &tl, err)) < 0)
            break;
        if (json) {
            nr_sbuf_printf(&b, "%s\n{\"input\": ", k ? "," : "");
            nr_sbuf_json(&b, titles[k]);
            nr_sbuf_printf(&b, ", \"rules\":\n%.*s}", (int)(tl > 0 && t[tl - 1] == '\n' ? tl - 1 : tl), t);
        } else {
            /* a comment line the parser skips, then the rules of one */
            nr_sbuf_printf(&b, "%s# explanation %d of %d: ", k ? "\n" : "", k + 1, n);
            for (const char *q = titles[k]; *q; q++)
                nr_sbuf_printf(&b, "%c", *q == '\n' || *q == '\r' ? ' ' : *q);
            nr_sbuf_printf(&b, "\n%.*s", (int)tl, t);
        }
        free(t);
    }
    if (json && pk)
        nr_sbuf_printf(&b, "\n],\n\"picked\": %d, \"of\": %d, \"covered\": %.17g, \"total\": %.17g}\n",
                  pk->picked, pk->of, pk->covered, pk->total);
    else if (json)
        nr_sbuf_printf(&b, "\n]}\n");
    if (rc == 0 && b.oom)
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    if (rc < 0) {
        free(b.p);
        return rc;
    }
    *buf = b.p;
    *len = b.n;
    return 0;
}
