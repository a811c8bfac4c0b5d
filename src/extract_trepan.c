/*
 * extract_trepan.c - TREPAN (Craven and Shavlik, 1996): a tree grown
 * best-first on queries to the network, with m-of-n tests.
 *
 * Growth.  The node with the largest reach * (1 - fidelity) is split next
 * (reach: the share of the input distribution that reaches it, the product
 * of the shares of its ancestors' samples that went its way; fidelity: the
 * share of its samples of its majority class).  Every node learns from the
 * real rows that reach it (the --data rows, or the rows drawn from the
 * profile) topped up to --min-samples with inputs drawn inside the node:
 * around the real rows that reach it (a kernel density: each continuous
 * feature moved by Gaussian noise of its bandwidth, Boolean, nominal and
 * one-hot features redrawn now and then from their frequencies there), or,
 * when none does, from each feature's quantiles, always within the bounds
 * the path sets; m-of-n tests on the path are met by redrawing a few times
 * and then by forcing literals.  The network labels every drawn input.
 * A node is not split when all its samples agree.
 *
 * Splits.  Continuous features are cut at fixed edges (between their
 * distinct values in the rows, or 255 quantiles of them when there are
 * more, each the shortest decimal near the midpoint as `tree` cuts), so
 * that each node scans histograms rather than sorting.  The best
 * single condition (C4.5's gain ratio among the conditions of at least
 * average gain, gains less log2(cuts) / samples for numeric cuts) seeds a
 * beam search over m-of-n tests: each step adds to each test of the beam one
 * literal of one of the 32 best features, as m-of-(n+1) or (m+1)-of-(n+1),
 * its cut chosen for that test (only the samples with m - 1 literals
 * holding depend on it, one histogram scores every cut), and keeps the
 * best --beam tests, better than their parents or not.  A test replaces the
 * best so far only when its information gain passes it by more than the
 * cost of naming its extra literals, log2(features * literals) / samples
 * each; the search stops at the first step that finds no such test, or at
 * 20 literals.
 *
 * Interactions.  Where the best single condition takes less than a tenth
 * of a node's entropy and a tenth of its samples are not of its majority
 * (at the root of an XOR, none gains at all), a two-step lookahead scores
 * each first cut (at 7 quantiles) of the best 8 features by the
 * gain of the best cuts that follow it on either side, and takes the first
 * cut of the best pair when it beats the single condition's own two steps,
 * its cut then refined over every edge.
 *
 * Size.  --max-nodes N fixes the number of internal nodes.  Otherwise the
 * size is chosen as `tree` does it: real rows held out in 5 folds (one 30%
 * part from 5,000 rows on) judge every prefix of best-first growth on the
 * other rows, up to SEL_CAP splits, and the smallest size within
 * --tolerance of the best is grown on all rows.  The folds grow on
 * threads of their own, each with its own generator (seeded by the fold),
 * so the choice is the same on any number of threads.  Splits whose subtree
 * answers one class on both sides (best-first growth splits for fidelity
 * on the samples) are undone at the end.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_trepan.h"
#include "extractor.h"
#include "parallel.h"
#include "profile.h"
#include "progress.h"

#define MAXBINS 256    /* cuts per feature, plus one */
#define NQ 101         /* quantiles per feature for the marginals */
#define SEL_CAP 100    /* splits grown when the size is chosen */
#define POOL 64        /* features whose literals m-of-n tests may use */
#define MAXLIT 40      /* literals in one m-of-n test */
#define LOOK_FEATS 8   /* features a lookahead pairs */
#define LOOK_CUTS 7    /* first cuts it tries per feature */
#define MIN_BRANCH 2   /* samples on either side of a split */
#define TRIES 5        /* full redraws of a sample before forcing m-of-n literals */
#define LUT 1024       /* entries of each feature's table for finding bins */

typedef struct trepan_settings {
    int max_nodes;     /* internal nodes; 0: chosen on held-out rows */
    int min_samples;
    int beam;
    int mofn;
    double tolerance;
} trepan_settings;

enum { F_CONT = 0, F_BOOL = 1, F_NOM = 2 };

/* A literal on binned values: x <= edge b (LE), x > edge b (GT), x (TRUE),
 * not x (FALSE), x == value b (EQ). */
typedef struct lit {
    int j;
    nr_cond_op op;
    int b;
} lit;

typedef struct split {
    int ok;
    int m, n;
    lit l[MAXLIT];
    double gain;
} split;

typedef struct tnode {
    int parent, isyes, yes, no, leaf, rank;
    int klass;
    double *dist;      /* K */
    double nsamp, reach, prio;
    nr_cond test;      /* internal */
    split sp;          /* frontier: the split it would take */
    double share_yes;
    int *base, nbase;  /* frontier: real rows reaching it */
    int *ctr, nctr;    /* frontier: kernel centres reaching it */
    unsigned char *ibin; /* frontier: drawn samples reaching it, binned, */
    int *iy, ninh;      /* and their labels */
} tnode;

typedef struct growth {
    tnode *nodes;
    int nnodes, cap, ninternal;
} growth;

typedef struct ctx {
    const nn_model *m;
    const trepan_settings *s;
    nr_progress *prog;
    int d, K;
    const float *bx;           /* base rows, nb * d, with their labels */
    const int *by;
    int nb;
    unsigned char *bbin;       /* their bins */
    const float *cx;           /* kernel centres, nc * d */
    int nc;
    unsigned char *fk, *isint;
    int *group, ngroups, *nval;
    float *edges;              /* d * (MAXBINS - 1) */
    int *nedges;
    unsigned char *lut;        /* d * LUT: edges below each of LUT evenly spaced values */
    float *lut_lo, *lut_step;  /* d: where the table starts, and its step */
    double *h;                 /* kernel bandwidth */
    float *q;                  /* d * NQ quantiles of the base rows */
    double *gfreq;             /* d * MAXBINS: value frequencies over the base rows */
    double redraw;
    double *xlx;               /* i log2 i */
    int xlx_n;
    nr_rng rng;
    nr_arena *arena;           /* conditions of the tree being grown */
    /* per-node scratch */
    float *lo, *hi, *fix;      /* d: path bounds (lo < x <= hi) and fixed values */
    double *ul, *uh;           /* d: the marginal's cdf at lo and hi */
    unsigned char *excl;       /* d * MAXBINS: nominal values and one-hot members ruled out */
    const nr_cond **pconds;    /* m-of-n tests on the path */
    int *pwant, npconds, pcap;
    double *nfreq;             /* d * MAXBINS: value frequencies among the node's centres */
    float *xs;                 /* drawn samples */
    unsigned char *xb;         /* and their bins */
    unsigned char *cbin;       /* the centres' bins (bbin when they are the base rows) */
    double spare;              /* the second normal of a Box-Muller pair */
    int has_spare;
    int *ys, xs_cap;
    unsigned char *sbin;       /* the node's samples, binned */
    int *sy, s_cap;
    int *hist;                 /* d * MAXBINS * K */
    int *cnt[2 * 16 + 2];      /* beam search counts */
    int *idx;
} ctx;

/* ---- small pieces --------------------------------------------------------- */

static double xl(const ctx *c, long i)
{
    return i < c->xlx_n ? c->xlx[i] : (double)i * log2((double)i);
}

/* Entropy (bits) times n of class counts cnt (K, total n). */
static double nent(const ctx *c, const int *cnt, long n)
{
    double s = xl(c, n);
    for (int k = 0; k < c->K; k++)
        s -= xl(c, cnt[k]);
    return s;
}

static int lit_bin(const lit *l, int b)
{
    switch (l->op) {
    case NR_LE: return b <= l->b;
    case NR_GT: return b > l->b;
    case NR_TRUE: return b == 1;
    case NR_FALSE: return b == 0;
    case NR_EQ: return b == l->b;
    default: return 0;
    }
}

static unsigned char bin_of(const ctx *c, int j, float v)
{
    if (c->fk[j] == F_BOOL)
        return v > 0.5f;
    if (c->fk[j] == F_NOM) {
        int b = (int)v;
        return (unsigned char)(b < 0 ? 0 : b >= MAXBINS ? MAXBINS - 1 : b);
    }
    {
        /* the table gives the edges below a value at most v; count on */
        const float *e = c->edges + (size_t)j * (MAXBINS - 1);
        const int ne = c->nedges[j];
        double k = (v - c->lut_lo[j]) / c->lut_step[j];
        const unsigned char *lut = c->lut + (size_t)j * LUT;
        int b = !(k >= 0) ? 0 : k >= LUT ? lut[LUT - 1] : lut[(int)k];
        while (b > 0 && !(e[b - 1] < v))
            b--;
        while (b < ne && e[b] < v)
            b++;
        return (unsigned char)b;
    }
}

static void lit_cond(const ctx *c, const lit *l, nr_cond *out)
{
    memset(out, 0, sizeof *out);
    out->op = l->op;
    out->var.kind = NR_VAR_INPUT;
    out->var.index = l->j;
    if (l->op == NR_LE || l->op == NR_GT)
        out->t = c->edges[(size_t)l->j * (MAXBINS - 1) + l->b];
    else if (l->op == NR_EQ)
        out->t = (float)l->b;
}

static int grow_buf(void **p, int *cap, int want, size_t elem)
{
    if (want <= *cap)
        return 0;
    void *q = realloc(*p, (size_t)want * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = want;
    return 0;
}

/* ---- the data: bins, bandwidths, marginals -------------------------------- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int scratch_new(ctx *c, nr_error *err);

static int prepare(ctx *c, nr_error *err)
{
    const int d = c->d, nb = c->nb;
    float *col = malloc((size_t)(nb > c->nc ? nb : c->nc) * sizeof *col);
    int ndiscrete = c->ngroups;
    c->edges = malloc((size_t)d * (MAXBINS - 1) * sizeof *c->edges);
    c->nedges = calloc((size_t)d, sizeof *c->nedges);
    c->lut = malloc((size_t)d * LUT);
    c->lut_lo = malloc((size_t)d * sizeof *c->lut_lo);
    c->lut_step = malloc((size_t)d * sizeof *c->lut_step);
    c->h = calloc((size_t)d, sizeof *c->h);
    c->q = malloc((size_t)d * NQ * sizeof *c->q);
    c->gfreq = calloc((size_t)d * MAXBINS, sizeof *c->gfreq);
    c->bbin = malloc((size_t)nb * d);
    if (!col || !c->edges || !c->nedges || !c->lut || !c->lut_lo || !c->lut_step || !c->h || !c->q ||
        !c->gfreq || !c->bbin) {
        free(col);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int j = 0; j < d; j++) {
        int nd = 0;
        float *e = c->edges + (size_t)j * (MAXBINS - 1);
        for (int i = 0; i < nb; i++)
            col[i] = c->bx[(size_t)i * d + j];
        qsort(col, (size_t)nb, sizeof *col, cmp_float);
        for (int k = 0; k < NQ; k++)
            c->q[(size_t)j * NQ + k] = col[(size_t)((double)k / (NQ - 1) * (nb - 1) + 0.5)];
        for (int i = 0; i < nb; i++)
            if (i == 0 || col[i] != col[i - 1])
                col[nd++] = col[i];
        if (c->fk[j] == F_CONT) {
            /* between consecutive distinct values, or at 255 quantiles of
             * them: the shortest decimal near the midpoint */
            int ne = nd - 1 < MAXBINS - 1 ? nd - 1 : MAXBINS - 1;
            for (int k = 0; k < ne; k++) {
                int a = nd - 1 <= MAXBINS - 1 ? k : (int)((double)(k + 1) * (nd - 1) / (ne + 1));
                e[k] = nr_cut_threshold(col[a], col[a + 1]);
            }
            c->nedges[j] = ne;
            c->lut_lo[j] = ne > 0 ? e[0] : 0;
            c->lut_step[j] = ne > 1 && e[ne - 1] > e[0] ? (float)(((double)e[ne - 1] - e[0]) / LUT) : 1;
            for (int k = 0, b = 0; k < LUT; k++) {
                double at = (double)c->lut_lo[j] + (double)k * c->lut_step[j];
                while (b < ne && e[b] < at)
                    b++;
                c->lut[(size_t)j * LUT + k] = (unsigned char)b;
            }
        } else {
            ndiscrete += c->fk[j] == F_NOM || c->group[j] < 0;
        }
        /* Silverman's bandwidth on the kernel centres (the base rows when
         * there are none) */
        {
            const float *src = c->nc > 0 ? c->cx : c->bx;
            int n = c->nc > 0 ? c->nc : nb;
            double sum = 0, ss = 0, sd, iqr;
            for (int i = 0; i < n; i++) {
                double v = src[(size_t)i * d + j];
                sum += v;
                ss += v * v;
            }
            sd = n > 1 ? sqrt(fmax(0, (ss - sum * sum / n) / (n - 1))) : 0;
            iqr = (c->q[(size_t)j * NQ + 75] - c->q[(size_t)j * NQ + 25]) / 1.34;
            c->h[j] = c->fk[j] == F_CONT ? 0.9 * (iqr > 0 && iqr < sd ? iqr : sd) * pow(n, -0.2) : 0;
        }
    }
    free(col);
    for (int i = 0; i < nb; i++)
        for (int j = 0; j < d; j++) {
            unsigned char b = bin_of(c, j, c->bx[(size_t)i * d + j]);
            c->bbin[(size_t)i * d + j] = b;
            c->gfreq[(size_t)j * MAXBINS + b] += 1.0 / nb;
        }
    if (c->cx == c->bx) {
        c->cbin = c->bbin;
    } else if (c->nc > 0) {
        if (!(c->cbin = malloc((size_t)c->nc * d)))
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        for (size_t k = 0; k < (size_t)c->nc * d; k++)
            c->cbin[k] = bin_of(c, (int)(k % d), c->cx[k]);
    }
    /* as the profile sampler: at most half a redraw per sample */
    c->redraw = ndiscrete * 0.1 > 0.5 ? 0.5 / ndiscrete : 0.1;
    c->xlx_n = (nb > 100000 ? nb : 100000) + 1;
    if (!(c->xlx = malloc((size_t)c->xlx_n * sizeof *c->xlx)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    c->xlx[0] = 0;
    for (int i = 1; i < c->xlx_n; i++)
        c->xlx[i] = i * log2((double)i);
    return scratch_new(c, err);
}

/* What one grower writes, its own when trees grow on several threads: the
 * per-node scratch, the sample buffers, the generator, the arena of the
 * conditions. */
static int scratch_new(ctx *c, nr_error *err)
{
    const int d = c->d;
    c->lo = malloc((size_t)d * sizeof *c->lo);
    c->hi = malloc((size_t)d * sizeof *c->hi);
    c->fix = malloc((size_t)d * sizeof *c->fix);
    c->ul = malloc((size_t)d * sizeof *c->ul);
    c->uh = malloc((size_t)d * sizeof *c->uh);
    c->excl = malloc((size_t)d * MAXBINS);
    c->nfreq = malloc((size_t)d * MAXBINS * sizeof *c->nfreq);
    c->hist = malloc((size_t)d * MAXBINS * c->K * sizeof *c->hist);
    c->arena = nr_arena_new();
    if (!c->lo || !c->hi || !c->fix || !c->ul || !c->uh || !c->excl || !c->nfreq || !c->hist || !c->arena)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    return 0;
}

static void scratch_free(ctx *c)
{
    free(c->lo);
    free(c->hi);
    free(c->fix);
    free(c->ul);
    free(c->uh);
    free(c->excl);
    free(c->pconds);
    free(c->pwant);
    free(c->nfreq);
    free(c->xs);
    free(c->xb);
    free(c->ys);
    free(c->sbin);
    free(c->sy);
    free(c->hist);
    for (int i = 0; i < 2 * 16 + 2; i++)
        free(c->cnt[i]);
    free(c->idx);
    nr_arena_free(c->arena);
}

/* A grower of its own over c's data (read only while it lives). */
static int scratch_clone(const ctx *c, ctx *w, nr_error *err)
{
    *w = *c;
    w->prog = NULL;
    w->lo = w->hi = w->fix = NULL;
    w->ul = w->uh = NULL;
    w->excl = NULL;
    w->pconds = NULL;
    w->pwant = NULL;
    w->npconds = w->pcap = 0;
    w->nfreq = NULL;
    w->xs = NULL;
    w->xb = NULL;
    w->ys = NULL;
    w->xs_cap = 0;
    w->sbin = NULL;
    w->sy = NULL;
    w->s_cap = 0;
    w->hist = NULL;
    memset(w->cnt, 0, sizeof w->cnt);
    w->idx = NULL;
    w->arena = NULL;
    w->has_spare = 0;
    return scratch_new(w, err);
}

/* ---- sampling inside a node ------------------------------------------------ */

static double cdf(const ctx *c, int j, double v);

/* The path's constraints on node nd of g: bounds, fixed values, excluded
 * values, and the m-of-n tests with the outcome they must have. */
static int path_constraints(ctx *c, const growth *g, int nd)
{
    const int d = c->d;
    for (int j = 0; j < d; j++) {
        c->lo[j] = -INFINITY;
        c->hi[j] = INFINITY;
        c->fix[j] = NAN;
    }
    memset(c->excl, 0, (size_t)d * MAXBINS);
    c->npconds = 0;
    for (int k = nd; g->nodes[k].parent >= 0; k = g->nodes[k].parent) {
        const nr_cond *t = &g->nodes[g->nodes[k].parent].test;
        int want = g->nodes[k].isyes, j = t->var.index;
        nr_cond_op op = t->op;
        if (op == NR_MOFN) {
            if (grow_buf((void **)&c->pconds, &c->pcap, c->npconds + 1, sizeof *c->pconds) < 0 ||
                !(c->pwant = realloc(c->pwant, (size_t)c->pcap * sizeof *c->pwant)))
                return -1;
            c->pconds[c->npconds] = t;
            c->pwant[c->npconds++] = want;
            continue;
        }
        if (!want) /* the no branch: the opposite test */
            op = op == NR_LE ? NR_GT : op == NR_GT ? NR_LE : op == NR_TRUE ? NR_FALSE
                 : op == NR_FALSE ? NR_TRUE : NR_NE;
        switch (op) {
        case NR_LE: if (t->t < c->hi[j]) c->hi[j] = t->t; break;
        case NR_GT: if (t->t > c->lo[j]) c->lo[j] = t->t; break;
        case NR_TRUE: c->fix[j] = 1; break;
        case NR_FALSE: c->fix[j] = 0; c->excl[(size_t)j * MAXBINS + 1] = 1; break;
        case NR_EQ: c->fix[j] = t->t; break;
        case NR_NE: c->excl[(size_t)j * MAXBINS + bin_of(c, j, t->t)] = 1; break;
        default: break;
        }
    }
    for (int j = 0; j < d; j++)
        if (c->fk[j] == F_CONT) {
            c->ul[j] = isinf(c->lo[j]) ? 0 : cdf(c, j, c->lo[j]);
            c->uh[j] = isinf(c->hi[j]) ? 1 : cdf(c, j, c->hi[j]);
        }
    return 0;
}

/* The quantile function of feature j's rows at u in [0, 1], and its
 * inverse. */
static double qf(const ctx *c, int j, double u)
{
    const float *q = c->q + (size_t)j * NQ;
    double pos = u * (NQ - 1);
    int k = (int)pos;
    if (k >= NQ - 1)
        return q[NQ - 1];
    return q[k] + (pos - k) * ((double)q[k + 1] - q[k]);
}

static double cdf(const ctx *c, int j, double v)
{
    int lo = 0, hi = NQ - 1;
    const float *q = c->q + (size_t)j * NQ;
    if (v <= q[0])
        return 0;
    if (v >= q[NQ - 1])
        return 1;
    while (hi - lo > 1) { /* q[lo] <= v < q[hi] */
        int mid = (lo + hi) / 2;
        if (v < q[mid])
            hi = mid;
        else
            lo = mid;
    }
    return (lo + (q[hi] > q[lo] ? (v - q[lo]) / ((double)q[hi] - q[lo]) : 0)) / (NQ - 1);
}

/* A value of continuous feature j in (lo, hi]: from the marginal when
 * possible, else inside the bounds. */
static float draw_in(ctx *c, int j, float lo, float hi, double ul, double uh)
{
    if (ul < 0) {
        ul = isinf(lo) ? 0 : cdf(c, j, lo);
        uh = isinf(hi) ? 1 : cdf(c, j, hi);
    }
    double v = qf(c, j, ul + (uh - ul) * nr_rng_uniform(&c->rng));
    if (c->isint[j])
        v = nearbyint(v);
    if (!(v > lo)) {
        v = c->isint[j] ? floor(lo) + 1 : nextafterf(lo, INFINITY);
        if (!(v <= hi))
            v = hi;
    }
    if (!(v <= hi))
        v = c->isint[j] ? floor(hi) : hi;
    return (float)v;
}

/* A value of a discrete feature by freq (MAXBINS), avoiding the excluded
 * ones; -1 when none is left. */
static int draw_value(ctx *c, const double *freq, const unsigned char *excl, int nv)
{
    double total = 0, u;
    int last = -1;
    for (int v = 0; v < nv; v++)
        if (!excl[v] && freq[v] > 0) {
            total += freq[v];
            last = v;
        }
    if (last < 0) {
        for (int v = 0; v < nv; v++)
            if (!excl[v])
                return v;
        return -1;
    }
    u = nr_rng_uniform(&c->rng) * total;
    for (int v = 0; v < nv; v++)
        if (!excl[v] && freq[v] > 0) {
            if (u < freq[v])
                return v;
            u -= freq[v];
        }
    return last;
}

/* Set one member of one-hot group grp by freq, among those the path
 * allows (a member fixed at 1 wins). */
static void draw_group(ctx *c, int grp, float *row, const double *freq)
{
    double total = 0, u;
    int last = -1;
    for (int j = 0; j < c->d; j++)
        if (c->group[j] == grp && c->fix[j] == 1) {
            for (int k = 0; k < c->d; k++)
                if (c->group[k] == grp)
                    row[k] = k == j;
            return;
        }
    for (int j = 0; j < c->d; j++)
        if (c->group[j] == grp && !c->excl[(size_t)j * MAXBINS + 1]) {
            total += freq[(size_t)j * MAXBINS + 1] + 1e-9;
            last = j;
        }
    if (last < 0)
        return;
    u = nr_rng_uniform(&c->rng) * total;
    for (int j = 0; j < c->d; j++)
        if (c->group[j] == grp) {
            int ok = !c->excl[(size_t)j * MAXBINS + 1];
            double w = ok ? freq[(size_t)j * MAXBINS + 1] + 1e-9 : 0;
            row[j] = 0;
            if (ok && (u < w || j == last) && u >= 0) {
                row[j] = 1;
                u = -1;
            } else if (ok) {
                u -= w;
            }
        }
}

/* Make literal l of an m-of-n test hold (want) or fail in row, within the
 * path's bounds; 0 when it cannot. */
static int force_lit(ctx *c, const nr_cond *l, int want, float *row)
{
    const int j = l->var.index;
    nr_cond_op op = l->op;
    if (!want)
        op = op == NR_LE ? NR_GT : op == NR_GT ? NR_LE : op == NR_TRUE ? NR_FALSE
             : op == NR_FALSE ? NR_TRUE : op == NR_EQ ? NR_NE : NR_EQ;
    switch (op) {
    case NR_LE:
    case NR_GT: {
        float lo = op == NR_GT && l->t > c->lo[j] ? l->t : c->lo[j];
        float hi = op == NR_LE && l->t < c->hi[j] ? l->t : c->hi[j];
        if (!(lo < hi) || (c->isint[j] && floor(hi) <= lo))
            return 0;
        row[j] = draw_in(c, j, lo, hi, -1, -1);
        return 1;
    }
    case NR_TRUE:
    case NR_FALSE:
        if (!isnan(c->fix[j]))
            return 0;
        if (c->group[j] >= 0) {
            if (op == NR_TRUE) {
                if (c->excl[(size_t)j * MAXBINS + 1])
                    return 0;
                for (int k = 0; k < c->d; k++)
                    if (c->group[k] == c->group[j])
                        row[k] = k == j;
                return 1;
            }
            c->excl[(size_t)j * MAXBINS + 1] = 1;
            draw_group(c, c->group[j], row, c->gfreq);
            c->excl[(size_t)j * MAXBINS + 1] = 0;
            return row[j] == 0;
        }
        row[j] = op == NR_TRUE;
        return 1;
    case NR_EQ:
        if (!isnan(c->fix[j]) || c->excl[(size_t)j * MAXBINS + bin_of(c, j, l->t)])
            return 0;
        row[j] = l->t;
        return 1;
    case NR_NE: {
        unsigned char *ex = c->excl + (size_t)j * MAXBINS;
        int b = bin_of(c, j, l->t), save = ex[b], v;
        if (!isnan(c->fix[j]))
            return 0;
        ex[b] = 1;
        v = draw_value(c, c->gfreq + (size_t)j * MAXBINS, ex, c->nval[j]);
        ex[b] = (unsigned char)save;
        if (v < 0)
            return 0;
        row[j] = (float)v;
        return 1;
    }
    default:
        return 0;
    }
}

/* A standard normal: Box-Muller, both values of each pair used. */
static double normal(ctx *c)
{
    double u1, u2, r;
    if (c->has_spare) {
        c->has_spare = 0;
        return c->spare;
    }
    u1 = 1.0 - nr_rng_uniform(&c->rng);
    u2 = nr_rng_uniform(&c->rng);
    r = sqrt(-2.0 * log(u1));
    c->spare = r * sin(6.283185307179586 * u2);
    c->has_spare = 1;
    return r * cos(6.283185307179586 * u2);
}

/* One input inside the node (path_constraints done, nfreq of its
 * centres): 1 drawn, 0 when no draw met the path's m-of-n tests. */
static int draw_sample(ctx *c, const tnode *nd, float *row, unsigned char *rb)
{
    const int d = c->d;
    for (int attempt = 0; attempt < TRIES; attempt++) {
        int bad = -1, same = 0;
        if (nd->nctr > 0) {
            int ci = nd->ctr[nr_rng_below(&c->rng, (uint64_t)nd->nctr)];
            const float *ctr = c->cx + (size_t)ci * d;
            memcpy(row, ctr, (size_t)d * sizeof *row);
            memcpy(rb, c->cbin + (size_t)ci * d, (size_t)d);
            same = 1;
            for (int j = 0; j < d; j++) {
                if (c->fk[j] == F_CONT && c->h[j] > 0) {
                    /* kept inside the observed range, as the profile
                     * sampler does, and inside the path's bounds */
                    const double qlo = c->q[(size_t)j * NQ], qhi = c->q[(size_t)j * NQ + NQ - 1];
                    for (int k = 0; k < 3; k++) {
                        double v = ctr[j] + c->h[j] * normal(c);
                        if (c->isint[j])
                            v = nearbyint(v);
                        v = v < qlo ? qlo : v > qhi ? qhi : v;
                        if (v > c->lo[j] && v <= c->hi[j]) {
                            if ((float)v != row[j]) {
                                row[j] = (float)v;
                                rb[j] = bin_of(c, j, row[j]);
                            }
                            break;
                        }
                    }
                } else if (c->fk[j] != F_CONT && c->group[j] < 0 && isnan(c->fix[j]) &&
                           nr_rng_uniform(&c->rng) < c->redraw) {
                    int v = draw_value(c, c->nfreq + (size_t)j * MAXBINS, c->excl + (size_t)j * MAXBINS,
                                       c->fk[j] == F_BOOL ? 2 : c->nval[j]);
                    if (v >= 0) {
                        row[j] = (float)v;
                        rb[j] = bin_of(c, j, row[j]);
                    }
                }
            }
            for (int grp = 0; grp < c->ngroups; grp++)
                if (nr_rng_uniform(&c->rng) < c->redraw) {
                    draw_group(c, grp, row, c->nfreq);
                    for (int j = 0; j < d; j++)
                        if (c->group[j] == grp)
                            rb[j] = row[j] > 0.5f;
                }
        } else {
            for (int j = 0; j < d; j++) {
                if (c->group[j] >= 0)
                    continue;
                if (!isnan(c->fix[j]))
                    row[j] = c->fix[j];
                else if (c->fk[j] == F_CONT)
                    row[j] = draw_in(c, j, c->lo[j], c->hi[j], c->ul[j], c->uh[j]);
                else {
                    int v = draw_value(c, c->gfreq + (size_t)j * MAXBINS, c->excl + (size_t)j * MAXBINS,
                                       c->fk[j] == F_BOOL ? 2 : c->nval[j]);
                    row[j] = (float)(v < 0 ? 0 : v);
                }
            }
            for (int grp = 0; grp < c->ngroups; grp++)
                draw_group(c, grp, row, c->gfreq);
        }
        for (int k = 0; k < c->npconds && bad < 0; k++)
            if (nr_cond_holds(c->pconds[k], row, NULL) != c->pwant[k])
                bad = k;
        if (bad >= 0 && attempt == TRIES - 1) {
            same = 0;
            /* force literals of each unmet test, in a random order, until
             * it has the outcome the path wants */
            for (int k = 0; k < c->npconds; k++) {
                const nr_cond *t = c->pconds[k];
                int want = c->pwant[k], order[MAXLIT], n = t->n < MAXLIT ? t->n : MAXLIT;
                nr_rng_permutation(&c->rng, order, n);
                for (int i = 0; i < n && nr_cond_holds(t, row, NULL) != want; i++) {
                    const nr_cond *l = &t->sub[order[i]];
                    if (nr_cond_holds(l, row, NULL) != want)
                        force_lit(c, l, want, row);
                }
            }
        }
        if (bad < 0 || attempt == TRIES - 1) {
            if (!same)
                for (int j = 0; j < d; j++)
                    rb[j] = bin_of(c, j, row[j]);
            /* every path condition, whatever made the row */
            for (int k = 0; k < c->npconds; k++)
                if (nr_cond_holds(c->pconds[k], row, NULL) != c->pwant[k])
                    return 0;
            for (int j = 0; j < d; j++)
                if (!(row[j] > c->lo[j] && row[j] <= c->hi[j]) ||
                    (!isnan(c->fix[j]) && row[j] != c->fix[j]) ||
                    (c->fk[j] != F_CONT && c->excl[(size_t)j * MAXBINS + bin_of(c, j, row[j])]))
                    return 0;
            return 1;
        }
    }
    return 0;
}

/* ---- splits ----------------------------------------------------------------- */

/* The best cut of feature j from its histogram hj (MAXBINS * K) over n
 * samples with class counts tot: literal, gain, number of cuts. */
static int best_cut(const ctx *c, int j, const int *hj, const int *tot, long n, lit *out, double *gain,
                    int *ncuts)
{
    const int K = c->K;
    int left[256], best = -1, nb = c->fk[j] == F_CONT ? c->nedges[j] + 1 : c->fk[j] == F_BOOL ? 2 : c->nval[j];
    double h0 = nent(c, tot, n), bestv = 0;
    long nl = 0;
    *ncuts = 0;
    if (nb > MAXBINS)
        nb = MAXBINS;
    if (c->fk[j] == F_NOM || c->fk[j] == F_BOOL) {
        for (int b = 0; b < nb; b++) {
            long nv = 0;
            int rest[256];
            double v;
            for (int k = 0; k < K; k++)
                nv += hj[b * K + k];
            if (nv < MIN_BRANCH || n - nv < MIN_BRANCH)
                continue;
            for (int k = 0; k < K; k++)
                rest[k] = tot[k] - hj[b * K + k];
            (*ncuts)++;
            v = h0 - nent(c, hj + b * K, nv) - nent(c, rest, n - nv);
            if (best < 0 || v > bestv + 1e-12) {
                best = b;
                bestv = v;
            }
            if (c->fk[j] == F_BOOL)
                break;
        }
        if (best < 0)
            return 0;
        out->j = j;
        out->op = c->fk[j] == F_BOOL ? NR_TRUE : NR_EQ;
        out->b = best;
        *gain = bestv / n;
        return 1;
    }
    memset(left, 0, sizeof(int) * (size_t)K);
    for (int b = 0; b < nb - 1; b++) {
        long nv = 0;
        int right[256], b2;
        double v;
        for (int k = 0; k < K; k++) {
            nv += hj[b * K + k];
            left[k] += hj[b * K + k];
        }
        nl += nv;
        if (nv == 0 || nl < MIN_BRANCH)
            continue;
        for (b2 = b + 1; b2 < nb; b2++) {
            int any = 0;
            for (int k = 0; k < K && !any; k++)
                any = hj[b2 * K + k] != 0;
            if (any)
                break;
        }
        if (b2 >= nb)
            break;
        (*ncuts)++;
        if (n - nl < MIN_BRANCH)
            continue;
        for (int k = 0; k < K; k++)
            right[k] = tot[k] - left[k];
        v = h0 - nent(c, left, nl) - nent(c, right, n - nl);
        if (best < 0 || v > bestv + 1e-12) {
            best = (b + b2 - 1) / 2;
            bestv = v;
        }
    }
    if (best < 0)
        return 0;
    out->j = j;
    out->op = NR_LE;
    out->b = best;
    *gain = bestv / n;
    return 1;
}

/* Histograms of the features in feats (nf; NULL: all) over the samples
 * rows (NULL: all n). */
static void histograms(ctx *c, const int *feats, int nf, const int *rows, int n, int *tot)
{
    const int d = c->d, K = c->K;
    memset(tot, 0, sizeof *tot * (size_t)K);
    for (int f = 0; f < nf; f++) {
        int j = feats ? feats[f] : f;
        memset(c->hist + (size_t)j * MAXBINS * K, 0, sizeof *c->hist * MAXBINS * (size_t)K);
    }
    for (int r = 0; r < n; r++) {
        int i = rows ? rows[r] : r, y = c->sy[i];
        const unsigned char *b = c->sbin + (size_t)i * d;
        tot[y]++;
        if (feats)
            for (int f = 0; f < nf; f++)
                c->hist[((size_t)feats[f] * MAXBINS + b[feats[f]]) * K + y]++;
        else
            for (int j = 0; j < d; j++)
                c->hist[((size_t)j * MAXBINS + b[j]) * K + y]++;
    }
}

/* The gain (bits per sample) of m-of-n over counts cnt (literals holding
 * per sample) plus literal l. */
static double test_gain(ctx *c, const int *cnt, const lit *l, int m, int n, const int *tot, double h0)
{
    int yes[256] = {0}, no[256];
    long ny = 0;
    for (int i = 0; i < n; i++) {
        int k = cnt[i] + (l ? lit_bin(l, c->sbin[(size_t)i * c->d + l->j]) : 0);
        if (k >= m) {
            yes[c->sy[i]]++;
            ny++;
        }
    }
    if (ny < MIN_BRANCH || n - ny < MIN_BRANCH)
        return -1;
    for (int k = 0; k < c->K; k++)
        no[k] = tot[k] - yes[k];
    return (h0 - nent(c, yes, ny) - nent(c, no, n - ny)) / n;
}

typedef struct cand {
    double gain;
    double score;     /* for the ordering of features */
    lit l;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->l.j - y->l.j;
}

/* Two-step gain: the best cut on either side of samples split by first
 * (over feats), as information gain per sample of the whole node; the
 * second-level literals in *sl, *sr (j -1: none). */
static double two_step(ctx *c, const lit *first, const int *feats, int nf, int n, const int *tot, lit *sl,
                       lit *sr)
{
    int *rows = c->idx, nl = 0, nr = 0, t[2][256];
    double h = 0;
    for (int i = 0; i < n; i++)
        if (lit_bin(first, c->sbin[(size_t)i * c->d + first->j]))
            rows[nl++] = i;
    for (int i = 0; i < n; i++)
        if (!lit_bin(first, c->sbin[(size_t)i * c->d + first->j]))
            rows[nl + nr++] = i;
    (void)tot;
    for (int side = 0; side < 2; side++) {
        const int *r = side ? rows + nl : rows;
        int ns = side ? nr : nl;
        double bg = 0;
        lit *best = side ? sr : sl;
        best->j = -1;
        histograms(c, feats, nf, r, ns, t[side]);
        h += nent(c, t[side], ns);
        for (int f = 0; f < nf; f++) {
            lit l;
            double g;
            int nc;
            if (best_cut(c, feats[f], c->hist + (size_t)feats[f] * MAXBINS * c->K, t[side], ns, &l, &g, &nc) &&
                g > bg) {
                bg = g;
                *best = l;
            }
        }
        h -= bg * ns;
    }
    return (nent(c, tot, n) - h) / n;
}

/* Samples not of the majority class. */
static long minority(const int *tot, int K)
{
    long n = 0, most = 0;
    for (int k = 0; k < K; k++) {
        n += tot[k];
        if (tot[k] > most)
            most = tot[k];
    }
    return n - most;
}

/* The best literal of feature j to add to a test with counts cnt (literals
 * holding per sample) as m-of-(n+1): only the samples with m - 1 literals
 * holding depend on it, so one histogram of theirs scores every cut of j in
 * both directions.  *nlits: the literals scored (for the margin). */
static int best_lit(ctx *c, const int *cnt, int m, int j, int n, const int *tot, double h0, lit *out,
                    double *gain, int *nlits)
{
    const int K = c->K, d = c->d;
    const int nb = c->fk[j] == F_CONT ? c->nedges[j] + 1 : c->fk[j] == F_BOOL ? 2
                   : c->nval[j] < MAXBINS ? c->nval[j] : MAXBINS;
    int *hp = c->hist, always[256] = {0}, yes[256], no[256];
    long na = 0, np = 0;
    double best = -1;
    *nlits = 0;
    memset(hp, 0, sizeof *hp * (size_t)nb * K);
    for (int i = 0; i < n; i++) {
        if (cnt[i] >= m) {
            always[c->sy[i]]++;
            na++;
        } else if (cnt[i] == m - 1) {
            hp[c->sbin[(size_t)i * d + j] * K + c->sy[i]]++;
            np++;
        }
    }
    if (np == 0)
        return 0;
    if (c->fk[j] == F_CONT) {
        /* yes: always plus the pivot samples at most cut b (LE) or above it (GT) */
        int below[256] = {0}, all[256] = {0};
        long nbelow = 0;
        for (int b = 0; b < nb; b++)
            for (int k = 0; k < K; k++)
                all[k] += hp[b * K + k];
        for (int b = 0; b < nb - 1; b++) {
            long nv = 0;
            for (int k = 0; k < K; k++) {
                below[k] += hp[b * K + k];
                nv += hp[b * K + k];
            }
            nbelow += nv;
            if (nv == 0)
                continue;
            for (int dir = 0; dir < 2; dir++) {
                long ny = na + (dir == 0 ? nbelow : np - nbelow);
                double g;
                if (ny < MIN_BRANCH || n - ny < MIN_BRANCH)
                    continue;
                (*nlits)++;
                for (int k = 0; k < K; k++) {
                    yes[k] = always[k] + (dir == 0 ? below[k] : all[k] - below[k]);
                    no[k] = tot[k] - yes[k];
                }
                g = (h0 - nent(c, yes, ny) - nent(c, no, n - ny)) / n;
                if (g > best + 1e-12) {
                    int b2 = b + 1;
                    /* the middle of the empty bins that follow */
                    while (b2 < nb - 1) {
                        int any = 0;
                        for (int k = 0; k < K && !any; k++)
                            any = hp[b2 * K + k] != 0;
                        if (any)
                            break;
                        b2++;
                    }
                    best = g;
                    out->j = j;
                    out->op = dir == 0 ? NR_LE : NR_GT;
                    out->b = (b + b2) / 2 < nb - 1 ? (b + b2) / 2 : b;
                }
            }
        }
    } else {
        for (int b = 0; b < nb; b++)
            for (int dir = 0; dir < (c->fk[j] == F_BOOL ? 2 : 1); dir++) {
                long ny = na;
                double g;
                for (int k = 0; k < K; k++) {
                    int hit = 0;
                    for (int b2 = 0; b2 < nb; b2++)
                        if ((b2 == b) != dir)
                            hit += hp[b2 * K + k];
                    yes[k] = always[k] + hit;
                    ny += hit;
                }
                if (ny < MIN_BRANCH || n - ny < MIN_BRANCH)
                    continue;
                (*nlits)++;
                for (int k = 0; k < K; k++)
                    no[k] = tot[k] - yes[k];
                g = (h0 - nent(c, yes, ny) - nent(c, no, n - ny)) / n;
                if (g > best + 1e-12) {
                    best = g;
                    out->j = j;
                    if (c->fk[j] == F_BOOL) {
                        /* b == 1 is "x" */
                        out->op = (b == 1) != dir ? NR_TRUE : NR_FALSE;
                        out->b = 0;
                    } else {
                        out->op = NR_EQ;
                        out->b = b;
                    }
                }
                if (c->fk[j] == F_BOOL)
                    break;
            }
    }
    *gain = best;
    return best >= 0;
}

/* The best split of the node's n samples (sbin, sy), or sp->ok = 0. */
static int find_split(ctx *c, int n, split *sp)
{
    const int d = c->d, K = c->K;
    int tot[256], nok = 0, best = -1;
    cand *cs = malloc((size_t)d * sizeof *cs);
    double avg = 0, h0, bestgr = -1, bestg = 0;
    memset(sp, 0, sizeof *sp);
    if (!cs)
        return -1;
    histograms(c, NULL, d, NULL, n, tot);
    h0 = nent(c, tot, n);
    for (int j = 0; j < d; j++) {
        double g;
        int nc;
        if (best_cut(c, j, c->hist + (size_t)j * MAXBINS * K, tot, n, &cs[nok].l, &g, &nc)) {
            cs[nok].gain = g;
            /* C4.5's MDL correction for a numeric cut */
            cs[nok].score = g - (c->fk[j] == F_CONT && nc > 1 ? log2(nc) / n : 0);
            nok++;
        }
    }
    {
        int npos = 0;
        for (int i = 0; i < nok; i++)
            if (cs[i].score > 0) {
                avg += cs[i].score;
                npos++;
            }
        avg = npos ? avg / npos : 0;
    }
    for (int i = 0; i < nok; i++) {
        int yes[256] = {0};
        long ny = 0;
        double si, gr;
        if (!(cs[i].score > 0) || cs[i].score < avg * (1 - 1e-9))
            continue;
        for (int b = 0; b < MAXBINS; b++)
            if (lit_bin(&cs[i].l, b))
                for (int k = 0; k < K; k++) {
                    yes[k] += c->hist[((size_t)cs[i].l.j * MAXBINS + b) * K + k];
                    ny += c->hist[((size_t)cs[i].l.j * MAXBINS + b) * K + k];
                }
        si = -((double)ny / n * log2((double)ny / n) + (double)(n - ny) / n * log2((double)(n - ny) / n));
        gr = cs[i].score / (si > 1e-9 ? si : 1e-9);
        if (gr > bestgr) {
            bestgr = gr;
            best = i;
        }
    }
    if (best >= 0) {
        sp->ok = 1;
        sp->m = sp->n = 1;
        sp->l[0] = cs[best].l;
        sp->gain = bestg = cs[best].gain;
    }
    /* weak or no single condition: look two steps ahead */
    if (n >= 100 && minority(tot, K) >= 0.1 * n && (best < 0 || cs[best].score * n < 0.1 * h0)) {
        int feats[LOOK_FEATS], nf = 0, bestf = -1;
        lit bl = {0}, bsl = {0}, bsr = {0};
        double bv = -1, base = -1, pen;
        qsort(cs, (size_t)nok, sizeof *cs, cmp_cand);
        for (int i = 0; i < nok && nf < LOOK_FEATS; i++)
            feats[nf++] = cs[i].l.j;
        if (nf == 0)
            goto beam;
        /* the single condition's own two steps */
        if (sp->ok) {
            lit sl, sr;
            base = two_step(c, &sp->l[0], feats, nf, n, tot, &sl, &sr);
        }
        pen = 3 * log2((double)nf * MAXBINS) / n;
        for (int f = 0; f < nf; f++) {
            int j = feats[f], seen = -1;
            for (int q = 1; q <= LOOK_CUTS; q++) {
                /* cut after the bin where the q/(LOOK_CUTS+1) quantile of
                 * the node's samples lies */
                histograms(c, &j, 1, NULL, n, tot);
                long want = (long)((double)q / (LOOK_CUTS + 1) * n), acc = 0;
                int b = 0, nbins = c->fk[j] == F_CONT ? c->nedges[j] + 1 : c->fk[j] == F_BOOL ? 2 : c->nval[j];
                lit first;
                double v;
                for (b = 0; b < nbins - 1; b++) {
                    for (int k = 0; k < K; k++)
                        acc += c->hist[((size_t)j * MAXBINS + b) * K + k];
                    if (acc >= want)
                        break;
                }
                if (b >= nbins - 1 || b == seen)
                    continue;
                seen = b;
                first.j = j;
                first.b = b;
                first.op = c->fk[j] == F_CONT ? NR_LE : c->fk[j] == F_BOOL ? NR_FALSE : NR_EQ;
                if (c->fk[j] == F_BOOL)
                    first.b = 0;
                lit sl, sr;
                v = two_step(c, &first, feats, nf, n, tot, &sl, &sr);
                if (v > bv + 1e-12) {
                    bv = v;
                    bl = first;
                    bsl = sl;
                    bsr = sr;
                    bestf = j;
                }
                if (c->fk[j] != F_CONT)
                    break;
            }
        }
        if (bestf >= 0 && bv - pen > 0 && bv > base + pen) {
            /* refine the first cut over every edge, the second steps fixed */
            if (c->fk[bestf] == F_CONT && bsl.j >= 0 && bsr.j >= 0) {
                int (*hl)[2][64] = calloc(MAXBINS, sizeof *hl), (*hr)[2][64] = calloc(MAXBINS, sizeof *hr);
                int nbins = c->nedges[bestf] + 1, cl[2][64] = {{0}}, cr[2][64] = {{0}}, bb = bl.b;
                double bi = INFINITY;
                if (!hl || !hr) {
                    free(hl);
                    free(hr);
                    free(cs);
                    return -1;
                }
                if (K <= 64) {
                    for (int i = 0; i < n; i++) {
                        const unsigned char *r = c->sbin + (size_t)i * d;
                        hl[r[bestf]][lit_bin(&bsl, r[bsl.j])][c->sy[i]]++;
                        hr[r[bestf]][lit_bin(&bsr, r[bsr.j])][c->sy[i]]++;
                        cr[lit_bin(&bsr, r[bsr.j])][c->sy[i]]++;
                    }
                    for (int b = 0; b < nbins - 1; b++) {
                        long cnt[4] = {0};
                        double info = 0;
                        for (int o = 0; o < 2; o++)
                            for (int k = 0; k < K; k++) {
                                cl[o][k] += hl[b][o][k];
                                cr[o][k] -= hr[b][o][k];
                                cnt[o] += cl[o][k];
                                cnt[2 + o] += cr[o][k];
                            }
                        if (cnt[0] + cnt[1] < MIN_BRANCH || cnt[2] + cnt[3] < MIN_BRANCH)
                            continue;
                        for (int o = 0; o < 2; o++)
                            info += nent(c, cl[o], cnt[o]) + nent(c, cr[o], cnt[2 + o]);
                        if (info < bi - 1e-9 || (info < bi + 1e-9 && abs(b - bl.b) < abs(bb - bl.b))) {
                            bi = info;
                            bb = b;
                        }
                    }
                    bl.b = bb;
                }
                free(hl);
                free(hr);
            }
            sp->ok = 1;
            sp->m = sp->n = 1;
            sp->l[0] = bl;
            sp->gain = 0;
            free(cs);
            return 0;
        }
    }
beam:
    if (sp->ok && c->s->mofn) {
        /* beam search over m-of-n tests from the best single condition */
        int pool[POOL], np = 0, bw = c->s->beam, nbeam = 1;
        split beamv[16], next[16];
        int nnext, stale, lits = 2;
        double margin;
        qsort(cs, (size_t)nok, sizeof *cs, cmp_cand);
        for (int i = 0; i < nok && np < POOL; i++) {
            int j = cs[i].l.j, nl = c->fk[j] == F_CONT ? 2 * c->nedges[j] : c->fk[j] == F_BOOL ? 2 : c->nval[j];
            pool[np++] = j;
            if (nl > lits)
                lits = nl;
        }
        /* what naming one more literal costs: which feature, which literal */
        margin = log2((double)np * lits) / n;
        beamv[0] = *sp;
        {
            /* the gain of the seed, on the same footing as the tests below */
            int *cnt = c->cnt[0];
            for (int i = 0; i < n; i++)
                cnt[i] = 0;
            beamv[0].gain = test_gain(c, cnt, &sp->l[0], 1, n, tot, h0);
            sp->gain = beamv[0].gain;
        }
        for (int it = 0; it < MAXLIT - 1; it++) {
            nnext = 0;
            for (int bi = 0; bi < nbeam; bi++) {
                int *cnt = c->cnt[bi];
                split *s = &beamv[bi];
                if (s->n >= MAXLIT)
                    continue;
                for (int i = 0; i < n; i++) {
                    int k = 0;
                    for (int q = 0; q < s->n; q++)
                        k += lit_bin(&s->l[q], c->sbin[(size_t)i * d + s->l[q].j]);
                    cnt[i] = k;
                }
                for (int p = 0; p < np; p++) {
                    int dup = 0;
                    for (int q = 0; q < s->n && !dup; q++)
                        dup = s->l[q].j == pool[p];
                    if (dup)
                        continue;
                    for (int up = 0; up < 2; up++) {
                        double g;
                        lit l;
                        int at, nl;
                        (void)nl;
                        if (!best_lit(c, cnt, s->m + up, pool[p], n, tot, h0, &l, &g, &nl))
                            continue;
                        /* keep the bw best, no test twice */
                        for (at = 0; at < nnext; at++) {
                            int same = next[at].m == s->m + up && next[at].n == s->n + 1;
                            for (int q = 0; q < next[at].n && same; q++) {
                                int found = 0;
                                for (int r = 0; r < s->n && !found; r++)
                                    found = memcmp(&next[at].l[q], &s->l[r], sizeof(lit)) == 0;
                                same = found || memcmp(&next[at].l[q], &l, sizeof(lit)) == 0;
                            }
                            if (same)
                                break;
                        }
                        if (at < nnext)
                            continue;
                        for (at = nnext; at > 0 && next[at - 1].gain < g; at--)
                            ;
                        if (at >= bw)
                            continue;
                        if (nnext < bw)
                            nnext++;
                        memmove(&next[at + 1], &next[at], sizeof *next * (size_t)(nnext - 1 - at));
                        next[at] = *s;
                        next[at].m = s->m + up;
                        next[at].l[next[at].n++] = l;
                        next[at].gain = g;
                    }
                }
            }
            if (nnext == 0)
                break;
            /* the beam keeps the best tests even when they do not beat
             * their parents, but a step that beats nothing ends the search
             * (going on finds longer tests that fit the samples and not
             * the network: on Fashion-MNIST held-out fidelity fell) */
            stale = 1;
            for (int i = 0; i < nnext; i++) {
                beamv[i] = next[i];
                if (next[i].gain > sp->gain + margin * (next[i].n - sp->n)) {
                    *sp = next[i];
                    stale = 0;
                }
            }
            nbeam = nnext;
            if (stale)
                break;
        }
    }
    free(cs);
    return 0;
}

/* ---- growing ----------------------------------------------------------------- */

static void free_growth(growth *g)
{
    for (int i = 0; i < g->nnodes; i++) {
        free(g->nodes[i].dist);
        free(g->nodes[i].base);
        free(g->nodes[i].ctr);
        free(g->nodes[i].ibin);
        free(g->nodes[i].iy);
    }
    free(g->nodes);
    memset(g, 0, sizeof *g);
}

/* Value frequencies of the discrete features among the centres reaching
 * node t. */
static void node_freq(ctx *c, const tnode *t)
{
    const int d = c->d;
    if (t->nctr > 0)
        for (int j = 0; j < d; j++) {
            double *f = c->nfreq + (size_t)j * MAXBINS;
            if (c->fk[j] == F_CONT)
                continue;
            memset(f, 0, sizeof *f * MAXBINS);
            for (int i = 0; i < t->nctr; i++)
                f[bin_of(c, j, c->cx[(size_t)t->ctr[i] * d + j])] += 1.0 / t->nctr;
        }
}

/* Fill node nd (base, ctr set): its samples, class counts, priority and
 * best split. */
static int make_node(ctx *c, growth *g, int nd, int min_samples, nr_error *err)
{
    const int d = c->d, K = c->K;
    tnode *t = &g->nodes[nd];
    int need = min_samples - t->nbase - t->ninh, ndrawn = 0, n, maj = 0, nold = t->nbase + t->ninh;
    if (need < 0)
        need = 0;
    if (path_constraints(c, g, nd) < 0)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (need > 0) {
        if (grow_buf((void **)&c->xs, &c->xs_cap, need, (size_t)d * sizeof *c->xs) < 0 ||
            !(c->ys = realloc(c->ys, (size_t)c->xs_cap * sizeof *c->ys)) ||
            !(c->xb = realloc(c->xb, (size_t)c->xs_cap * d)))
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        node_freq(c, t);
        for (int tries = 0; ndrawn < need && tries < 4 * need; tries++)
            ndrawn += draw_sample(c, t, c->xs + (size_t)ndrawn * d, c->xb + (size_t)ndrawn * d);
        if (ndrawn > 0 && nr_label_rows(c->m, c->xs, ndrawn, c->ys, NULL, err) < 0)
            return -1;
    }
    n = nold + ndrawn;
    t = &g->nodes[nd];
    if (!(t->dist = calloc((size_t)K, sizeof *t->dist)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (grow_buf((void **)&c->sbin, &c->s_cap, n > 0 ? n : 1, (size_t)d) < 0 ||
        !(c->sy = realloc(c->sy, (size_t)c->s_cap * sizeof *c->sy)) ||
        !(c->idx = realloc(c->idx, (size_t)c->s_cap * sizeof *c->idx)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < 2 * 16 + 2; i++)
        if (!(c->cnt[i] = realloc(c->cnt[i], (size_t)c->s_cap * sizeof **c->cnt)))
            return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < t->nbase; i++) {
        memcpy(c->sbin + (size_t)i * d, c->bbin + (size_t)t->base[i] * d, (size_t)d);
        c->sy[i] = c->by[t->base[i]];
    }
    if (t->ninh > 0) {
        memcpy(c->sbin + (size_t)t->nbase * d, t->ibin, (size_t)t->ninh * d);
        memcpy(c->sy + t->nbase, t->iy, sizeof *c->sy * (size_t)t->ninh);
    }
    free(t->ibin);
    free(t->iy);
    t->ibin = NULL;
    t->iy = NULL;
    t->ninh = 0;
    for (int i = 0; i < ndrawn; i++) {
        memcpy(c->sbin + (size_t)(nold + i) * d, c->xb + (size_t)i * d, (size_t)d);
        c->sy[nold + i] = c->ys[i];
    }
    for (int i = 0; i < n; i++)
        t->dist[c->sy[i]]++;
    for (int k = 1; k < K; k++)
        if (t->dist[k] > t->dist[maj])
            maj = k;
    t->klass = maj;
    t->nsamp = n;
    t->leaf = 1;
    t->prio = -1;
    if (n == 0 || t->dist[maj] >= n)
        return 0; /* pure: a leaf for good */
    if (find_split(c, n, &t->sp) < 0)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (t->sp.ok) {
        long ny = 0;
        for (int i = 0; i < n; i++) {
            int k = 0;
            for (int q = 0; q < t->sp.n; q++)
                k += lit_bin(&t->sp.l[q], c->sbin[(size_t)i * d + t->sp.l[q].j]);
            ny += k >= t->sp.m;
        }
        t->share_yes = (double)ny / n;
        t->prio = t->reach * (1 - t->dist[maj] / n);
        /* its drawn samples go on to its children */
        if (n > t->nbase) {
            size_t nd2 = (size_t)(n - t->nbase);
            if (!(t->ibin = malloc(nd2 * d)) || !(t->iy = malloc(nd2 * sizeof *t->iy)))
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            memcpy(t->ibin, c->sbin + (size_t)t->nbase * d, nd2 * d);
            memcpy(t->iy, c->sy + t->nbase, nd2 * sizeof *t->iy);
            t->ninh = (int)nd2;
        }
    }
    return 0;
}

static int add_node(growth *g, int parent, int isyes, nr_error *err)
{
    if (g->nnodes == g->cap) {
        int cap = g->cap ? 2 * g->cap : 64;
        tnode *p = realloc(g->nodes, (size_t)cap * sizeof *p);
        if (!p)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        g->nodes = p;
        g->cap = cap;
    }
    memset(&g->nodes[g->nnodes], 0, sizeof *g->nodes);
    g->nodes[g->nnodes].parent = parent;
    g->nodes[g->nnodes].isyes = isyes;
    g->nodes[g->nnodes].rank = -1;
    g->nodes[g->nnodes].yes = g->nodes[g->nnodes].no = -1;
    return g->nnodes++;
}

/* The node's split as a condition in c->arena. */
static int split_cond(ctx *c, const split *sp, nr_cond *out)
{
    lit l[MAXLIT];
    memcpy(l, sp->l, sizeof *l * (size_t)sp->n);
    /* literals in the order of their features, to read well */
    for (int i = 1; i < sp->n; i++)
        for (int k = i; k > 0 && l[k].j < l[k - 1].j; k--) {
            lit tmp = l[k];
            l[k] = l[k - 1];
            l[k - 1] = tmp;
        }
    if (sp->n == 1) {
        lit_cond(c, &sp->l[0], out);
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->op = NR_MOFN;
    out->m = sp->m;
    out->n = sp->n;
    if (!(out->sub = nr_arena_calloc(c->arena, (size_t)sp->n, sizeof *out->sub)))
        return -1;
    for (int q = 0; q < sp->n; q++)
        lit_cond(c, &l[q], &out->sub[q]);
    return 0;
}

/* Grow best-first on the base rows and centres switched on (NULL: all),
 * up to max_internal splits, or until the leaves misfit less than `enough`
 * of the input distribution (the sum of reach * (1 - fidelity)): no more
 * growth could then gain as much. */
static int grow(ctx *c, const unsigned char *base_on, const unsigned char *ctr_on, int max_internal,
                double enough, growth *g, nr_error *err)
{
    const int d = c->d;
    int root, rc;
    memset(g, 0, sizeof *g);
    if ((root = add_node(g, -1, 0, err)) < 0)
        return root;
    g->nodes[root].reach = 1;
    if (!(g->nodes[root].base = malloc((size_t)(c->nb ? c->nb : 1) * sizeof(int))) ||
        !(g->nodes[root].ctr = malloc((size_t)(c->nc ? c->nc : 1) * sizeof(int))))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < c->nb; i++)
        if (!base_on || base_on[i])
            g->nodes[root].base[g->nodes[root].nbase++] = i;
    for (int i = 0; i < c->nc; i++)
        if (!ctr_on || ctr_on[i])
            g->nodes[root].ctr[g->nodes[root].nctr++] = i;
    if ((rc = make_node(c, g, root, c->s->min_samples, err)) < 0)
        return rc;
    nr_progress_start(c->prog, "growing the tree", max_internal);
    while (g->ninternal < max_internal) {
        int best = -1, kids[2];
        tnode *t;
        double left = 0;
        for (int i = 0; i < g->nnodes; i++)
            if (g->nodes[i].leaf)
                left += g->nodes[i].reach *
                        (1 - g->nodes[i].dist[g->nodes[i].klass] / (g->nodes[i].nsamp > 0 ? g->nodes[i].nsamp : 1));
        if (left < enough)
            break;
        for (int i = 0; i < g->nnodes; i++)
            if (g->nodes[i].leaf && g->nodes[i].prio > 0 &&
                (best < 0 || g->nodes[i].prio > g->nodes[best].prio))
                best = i;
        if (best < 0)
            break;
        if ((kids[0] = add_node(g, best, 1, err)) < 0 || (kids[1] = add_node(g, best, 0, err)) < 0)
            return -1;
        t = &g->nodes[best];
        if (split_cond(c, &t->sp, &t->test) < 0)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        t->leaf = 0;
        t->rank = g->ninternal++;
        t->yes = kids[0];
        t->no = kids[1];
        for (int side = 0; side < 2; side++) {
            tnode *k = &g->nodes[kids[side]];
            t = &g->nodes[best];
            k->reach = t->reach * (side == 0 ? t->share_yes : 1 - t->share_yes);
            if (!(k->base = malloc((size_t)(t->nbase ? t->nbase : 1) * sizeof(int))) ||
                !(k->ctr = malloc((size_t)(t->nctr ? t->nctr : 1) * sizeof(int))))
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            for (int i = 0; i < t->nbase; i++)
                if (nr_cond_holds(&t->test, c->bx + (size_t)t->base[i] * d, NULL) == (side == 0))
                    k->base[k->nbase++] = t->base[i];
            for (int i = 0; i < t->nctr; i++)
                if (nr_cond_holds(&t->test, c->cx + (size_t)t->ctr[i] * d, NULL) == (side == 0))
                    k->ctr[k->nctr++] = t->ctr[i];
            if (t->ninh > 0) {
                if (!(k->ibin = malloc((size_t)t->ninh * d)) ||
                    !(k->iy = malloc((size_t)t->ninh * sizeof *k->iy)))
                    return nr_error_set(err, NR_ENOMEM, "out of memory");
                for (int i = 0; i < t->ninh; i++) {
                    const unsigned char *b = t->ibin + (size_t)i * d;
                    int hits = 0;
                    for (int q = 0; q < t->sp.n; q++)
                        hits += lit_bin(&t->sp.l[q], b[t->sp.l[q].j]);
                    if ((hits >= t->sp.m) == (side == 0)) {
                        memcpy(k->ibin + (size_t)k->ninh * d, b, (size_t)d);
                        k->iy[k->ninh++] = t->iy[i];
                    }
                }
            }
        }
        t = &g->nodes[best];
        free(t->base);
        free(t->ctr);
        t->base = t->ctr = NULL;
        free(t->ibin);
        free(t->iy);
        t->ibin = NULL;
        t->iy = NULL;
        t->ninh = 0;
        for (int side = 0; side < 2; side++)
            if ((rc = make_node(c, g, kids[side], c->s->min_samples, err)) < 0)
                return rc;
        nr_progress_update(c->prog, g->ninternal);
    }
    nr_progress_end(c->prog);
    return 0;
}

/* Held-out agreement along the growth order, as in extract_tree.c: the row
 * adds 1 to diff[s] for every number of splits s at which the tree
 * predicts y. */
static void path_agreement(const growth *g, int S, const float *x, int y, long *diff)
{
    int node = 0, prev = -1;
    for (;;) {
        const tnode *nd = &g->nodes[node];
        int last = nd->leaf ? S : nd->rank;
        if (nd->klass == y) {
            diff[prev + 1]++;
            diff[last + 1]--;
        }
        if (nd->leaf)
            return;
        prev = nd->rank;
        node = nr_cond_holds(&nd->test, x, NULL) ? nd->yes : nd->no;
    }
}

/* Make a leaf of every node whose subtree answers one class everywhere:
 * best-first growth splits for fidelity on the samples, and a split both
 * of whose sides keep the majority changes no prediction.  Returns the
 * class of node i's subtree when it has one, else -1. */
static int collapse(growth *g, int i)
{
    tnode *t = &g->nodes[i];
    int a, b;
    if (t->leaf)
        return t->klass;
    a = collapse(g, t->yes);
    b = collapse(g, t->no);
    if (a < 0 || a != b)
        return -1;
    t = &g->nodes[i];
    t->leaf = 1;
    t->klass = a;
    return a;
}

/* Copy the growth into r's tree, in preorder. */
static int copy_node(nr_rules *r, const growth *g, int i, int *next, int K, nr_error *err)
{
    const tnode *t = &g->nodes[i];
    int at = (*next)++;
    nr_node *o = &r->tree.nodes[at];
    o->leaf = t->leaf;
    o->klass = t->klass;
    if (!(o->dist = nr_arena_calloc(r->arena, (size_t)K, sizeof *o->dist)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    memcpy(o->dist, t->dist, sizeof *o->dist * (size_t)K);
    o->stats.has = 1;
    o->stats.cover = t->nsamp;
    o->stats.correct = t->dist[t->klass];
    o->stats.confidence = nr_stats_laplace(o->stats.correct, o->stats.cover, K);
    if (t->leaf)
        return 0;
    o->test = t->test;
    if (t->test.op == NR_MOFN) {
        if (!(o->test.sub = nr_arena_calloc(r->arena, (size_t)t->test.n, sizeof *o->test.sub)))
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        memcpy(o->test.sub, t->test.sub, sizeof *o->test.sub * (size_t)t->test.n);
    }
    o->yes = *next;
    if (copy_node(r, g, t->yes, next, K, err) < 0)
        return -1;
    r->tree.nodes[at].no = *next;
    return copy_node(r, g, t->no, next, K, err);
}

/* How each of c->d features is binned and drawn: nominal (values past the
 * last bin share it and are never tested alone), Boolean (one-hot members
 * with their group), or numeric (integer or not). */
static void feature_kinds(ctx *c, const nr_feature *features)
{
    for (int j = 0; j < c->d; j++) {
        const nr_feature *f = &features[j];
        c->group[j] = -1;
        if (f->kind == NR_FEAT_NOMINAL) {
            c->fk[j] = F_NOM;
            c->nval[j] = f->nvalues < MAXBINS - 1 ? f->nvalues : MAXBINS - 1;
        } else if (f->kind == NR_FEAT_BOOLEAN || f->kind == NR_FEAT_ONEHOT) {
            c->fk[j] = F_BOOL;
            if (f->kind == NR_FEAT_ONEHOT && f->group >= 0) {
                c->group[j] = f->group;
                if (f->group + 1 > c->ngroups)
                    c->ngroups = f->group + 1;
            }
        } else {
            c->isint[j] = f->kind == NR_FEAT_INTEGER;
        }
    }
}

static void ctx_free(ctx *c)
{
    free(c->bbin);
    free(c->fk);
    free(c->isint);
    free(c->group);
    free(c->nval);
    free(c->edges);
    free(c->nedges);
    free(c->lut);
    free(c->lut_lo);
    free(c->lut_step);
    free(c->h);
    free(c->q);
    free(c->gfreq);
    free(c->xlx);
    if (c->cbin != c->bbin)
        free(c->cbin);
    scratch_free(c);
}

/* One fold of the size choice: a tree grown on the other folds' rows by a
 * grower of its own, judged on the fold's held-out rows (a task of
 * nr_parallel_for; every fold its own generator, so the choice is the same
 * on any number of threads). */
typedef struct fold_job {
    const ctx *c;
    const int *src, *fold, *hy;
    const float *hx;
    int hn, nperm, S;
    uint64_t seed;
    long *diff;        /* (S + 2) per fold */
    int *ninternal;    /* per fold */
    nr_progress *prog;
} fold_job;

static int fold_task(void *arg, int f, nr_error *err)
{
    const fold_job *job = arg;
    const ctx *c = job->c;
    const int n = c->nb, S = job->S;
    unsigned char *bon = malloc((size_t)n + 1), *con = malloc((size_t)c->nc + 1);
    long *diff = job->diff + (size_t)f * (S + 2);
    growth g;
    ctx w;
    int rc;
    memset(&g, 0, sizeof g);
    if ((rc = scratch_clone(c, &w, err)) < 0 || !bon || !con) {
        if (rc == 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        bon[i] = job->hn > 0 ? (job->src[i] < 0 || job->fold[job->src[i]] != f) : job->fold[i] != f;
    for (int i = 0; i < c->nc; i++)
        con[i] = job->hn > 0 ? job->fold[i] != f : bon[i];
    nr_rng_seed(&w.rng, job->seed + 1 + (uint64_t)f);
    if ((rc = grow(&w, bon, con, S, c->s->tolerance / 2, &g, err)) < 0)
        goto done;
    job->ninternal[f] = g.ninternal;
    for (int i = 0; i < job->nperm; i++)
        if (job->fold[i] == f) {
            if (job->hn > 0)
                path_agreement(&g, S, job->hx + (size_t)i * c->d, job->hy[i], diff);
            else
                path_agreement(&g, S, c->bx + (size_t)i * c->d, c->by[i], diff);
        }
done:
    free_growth(&g);
    scratch_free(&w);
    free(bon);
    free(con);
    return rc;
}

static void folds_done(void *arg, int ndone)
{
    const fold_job *job = arg;
    nr_progress_update(job->prog, ndone);
}

/* Choose the number of splits on held-out real rows (see the top). */
static int choose_size(ctx *c, const int *src, const float *hx, const int *hy, int hn, uint64_t seed,
                       nr_extract_report *rep, nr_error *err)
{
    const int n = c->nb, nperm = hn > 0 ? hn : n, nfolds = hn > 0 || n < 5000 ? 5 : 1;
    const int S = SEL_CAP;
    int *fold = malloc((size_t)nperm * sizeof *fold), *perm = malloc((size_t)nperm * sizeof *perm);
    long *diff = calloc((size_t)nfolds * (S + 2), sizeof *diff), nheld = 0;
    int rc = 0, smax = 0, ninternal[5] = {0};
    fold_job job;
    nr_rng rng;
    if (!fold || !perm || !diff) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_rng_seed(&rng, seed ^ 0x5eed);
    nr_deal_folds(&rng, nperm, nfolds, perm, fold);
    job.c = c;
    job.src = src;
    job.fold = fold;
    job.hy = hy;
    job.hx = hx;
    job.hn = hn;
    job.nperm = nperm;
    job.S = S;
    job.seed = seed;
    job.diff = diff;
    job.ninternal = ninternal;
    job.prog = c->prog;
    nr_progress_start(c->prog, "choosing the size", nfolds);
    rc = nr_parallel_for(nfolds, fold_task, &job, c->prog ? folds_done : NULL, err);
    nr_progress_end(c->prog);
    if (rc < 0)
        goto done;
    /* the folds' curves summed, then made cumulative */
    for (int f = 1; f < nfolds; f++)
        for (int s = 0; s < S + 2; s++)
            diff[s] += diff[(size_t)f * (S + 2) + s];
    for (int f = 0; f < nfolds; f++)
        if (ninternal[f] > smax)
            smax = ninternal[f];
    for (int i = 0; i < nperm; i++)
        nheld += fold[i] >= 0;
    for (int s = 1; s <= smax; s++)
        diff[s] += diff[s - 1];
    nr_pick_size(diff, smax, nheld, c->s->tolerance, hn > 0, rep);
    rep->leaves++;
    rep->best_leaves++;
done:
    free(fold);
    free(perm);
    free(diff);
    return rc;
}

static int trepan_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    const trepan_settings *s = settings;
    nr_rules *r = NULL;
    nr_inputs in;
    nr_extract_report report;
    ctx c;
    growth g;
    int rc = 0, *y = NULL, *hy = NULL, nsplits, next = 0, hn = 0;
    const nn_profile *p = rows ? NULL : m->profile;
    nr_rng rng;

    *out = NULL;
    memset(&in, 0, sizeof in);
    memset(&c, 0, sizeof c);
    memset(&g, 0, sizeof g);
    memset(&report, 0, sizeof report);
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "TREPAN takes classification networks, and this one "
                            "does regression (-a tree grows regression trees)");
    if (!(r = nr_rules_new()))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    if (r->nclasses > 256) {
        rc = nr_error_set(err, NR_EUNSUP, "TREPAN takes at most 256 classes, not %d", r->nclasses);
        goto done;
    }
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &in, err)) < 0)
        goto done;
    c.m = m;
    c.s = s;
    c.prog = o->progress;
    c.d = r->nfeatures;
    c.K = r->nclasses;
    c.bx = in.x;
    c.nb = in.nrows;
    c.fk = calloc((size_t)c.d, 1);
    c.isint = calloc((size_t)c.d, 1);
    c.group = malloc((size_t)c.d * sizeof *c.group);
    c.nval = calloc((size_t)c.d, sizeof *c.nval);
    if (!(y = malloc((size_t)in.nrows * sizeof *y)) || !c.fk || !c.isint || !c.group || !c.nval) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    rc = nr_label_rows(m, in.x, in.nrows, y, NULL, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    c.by = y;
    if ((rc = nr_input_columns(r, rows, NULL, NULL, err)) < 0)
        goto done;
    feature_kinds(&c, r->features);
    /* kernel centres: the data rows, or the rows the profile keeps */
    if (rows) {
        c.cx = in.x;
        c.nc = in.nrows;
    } else if (p && p->nrows > 0) {
        c.cx = p->rows;
        c.nc = p->nrows;
    }
    if ((rc = prepare(&c, err)) < 0)
        goto done;
    /* without data, the profile's kept rows, labelled, judge the size and
     * are what the statistics count */
    if (p && p->nrows > 0 && (!(hy = malloc((size_t)p->nrows * sizeof *hy)) ||
                              (rc = nr_label_rows(m, p->rows, p->nrows, hy, NULL, err)) < 0)) {
        if (!hy)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nsplits = s->max_nodes;
    if (!nsplits) {
        hn = p && p->nrows >= 20 ? p->nrows : 0;
        if (c.nb >= 20) {
            if ((rc = choose_size(&c, in.src, hn ? p->rows : NULL, hy, hn, o->seed, &report, err)) < 0)
                goto done;
            nsplits = report.leaves - 1;
        } else {
            nsplits = SEL_CAP;
        }
    }
    nr_rng_seed(&c.rng, o->seed);
    /* without a choice (too few rows), growth stops where more could not
     * gain half the tolerance */
    if ((rc = grow(&c, NULL, NULL, nsplits, s->max_nodes || report.selected ? 0 : s->tolerance / 2, &g,
                   err)) < 0)
        goto done;
    r->kind = NR_BODY_TREE;
    collapse(&g, 0);
    r->tree.nnodes = g.nnodes;
    if (!(r->tree.nodes = nr_arena_calloc(r->arena, (size_t)g.nnodes, sizeof *r->tree.nodes))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = copy_node(r, &g, 0, &next, c.K, err)) < 0)
        goto done;
    r->tree.nnodes = next;
    /* collapsing merged leaves the chosen size counted: the size line
     * gives the leaves the tree has (the same predictions, so the same
     * held-out fidelity) */
    if (report.selected) {
        if (report.best_leaves == report.leaves)
            report.best_leaves = (next + 1) / 2;
        report.leaves = (next + 1) / 2;
    }
    /* the nodes learnt from samples, mostly drawn (every node holds
     * --min-samples); the statistics count the real rows that reach them,
     * the --data rows or the profile's kept ones, as tree's do */
    if (rows) {
        nr_tree_recount(&r->tree, in.x, y, in.nrows, c.d, c.K);
    } else if (hy) {
        /* cut between samples, the thresholds have many digits: the
         * shortest decimals that send every kept row the same way */
        if ((rc = nr_tree_readable_thresholds(&r->tree, p->rows, p->nrows, c.d, err)) < 0)
            goto done;
        nr_tree_recount(&r->tree, p->rows, hy, p->nrows, c.d, c.K);
    }
    if ((rc = nr_set_provenance(r, o, "trepan", err)) < 0)
        goto done;
    if (rep) {
        *rep = report;
        rep->sampled = in.sampled;
        rep->from_profile = in.from_profile;
        if ((rc = nr_report_fit(r, in.x, in.nrows, y, rep, err)) < 0)
            goto done;
    }
    *out = r;
    r = NULL;
done:
    free_growth(&g);
    ctx_free(&c);
    nr_rules_free(r);
    nr_inputs_free(&in);
    free(y);
    free(hy);
    return rc;
}

/* ---- the table entry ------------------------------------------------------- */

#define TP(field) offsetof(trepan_settings, field)
static const nr_optdef trepan_options[] = {
    {.name = "max-nodes", .kind = NR_OPT_INT, .arg = "N",
     .help = "internal nodes (tests) of the tree (default: chosen on\nheld-out rows, at most 100)",
     .offset = TP(max_nodes), .lo = 1, .hi = 100000, .flags = NR_OPT_SIZE},
    {.name = "min-samples", .kind = NR_OPT_INT, .arg = "N",
     .help = "samples each node learns from, drawn and labelled by the\n"
             "network when too few real rows reach it (default 1000)",
     .offset = TP(min_samples), .lo = 1, .hi = 1000000},
    {.name = "beam", .kind = NR_OPT_INT, .arg = "N", .help = "beam width of the m-of-n search (default 2)",
     .offset = TP(beam), .lo = 1, .hi = 16},
    {.name = "mofn", .kind = NR_OPT_FLAG, .help = "m-of-n tests (the default)", .offset = TP(mofn), .value = 1},
    {.name = "no-mofn", .kind = NR_OPT_FLAG, .help = "single conditions only", .offset = TP(mofn), .value = 0},
    {.name = "tolerance", .kind = NR_OPT_REAL, .arg = "P",
     .help = "size: the smallest whose held-out fidelity is within P\npoints of the best size's (default 1)",
     .offset = TP(tolerance), .lo = 0, .hi = 100, .scale = 0.01},
    {.name = NULL},
};

static void trepan_defaults(void *settings)
{
    trepan_settings *s = settings;
    memset(s, 0, sizeof *s);
    s->min_samples = 1000;
    s->beam = 2;
    s->mofn = 1;
    s->tolerance = 0.01;
}

static void trepan_describe(const void *settings, char *buf, size_t size)
{
    const trepan_settings *s = settings;
    buf[0] = 0;
    if (s->max_nodes)
        nr_appendf(buf, size, "--max-nodes %d", s->max_nodes);
    else
        nr_appendf(buf, size, "--tolerance %g", 100 * s->tolerance);
    nr_appendf(buf, size, " --min-samples %d", s->min_samples);
    if (s->mofn)
        nr_appendf(buf, size, " --beam %d", s->beam);
    else
        nr_appendf(buf, size, " --no-mofn");
}

const nr_extractor nr_extractor_trepan = {
    .name = "trepan",
    .summary = "TREPAN: a tree of m-of-n tests grown best-first on queries to the network",
    .opts = trepan_options,
    .settings_size = sizeof(trepan_settings),
    .defaults = trepan_defaults,
    .finish = NULL,
    .describe = trepan_describe,
    .run = trepan_run,
};
/* ---- the sampler alone (extract_trepan.h) ---------------------------------- */

int nr_trepan_draw(const float *rows, int nrows, const nr_feature *features, int nfeatures,
                   const nr_cond *path, const int *want, int npath, int n, uint64_t seed,
                   float **out, int *nout, nr_error *err)
{
    trepan_settings s;
    growth g;
    ctx c;
    int rc = 0, *y = calloc((size_t)(nrows > 0 ? nrows : 1), sizeof *y), leaf;
    float *x = NULL;
    *out = NULL;
    *nout = 0;
    memset(&c, 0, sizeof c);
    memset(&g, 0, sizeof g);
    trepan_defaults(&s);
    if (!y || nrows < 1 || nfeatures < 1 || n < 1) {
        free(y);
        return y ? nr_error_set(err, NR_EINVAL, "nothing to draw from")
                 : nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    c.s = &s;
    c.d = nfeatures;
    c.K = 1;
    c.bx = c.cx = rows;
    c.by = y;
    c.nb = c.nc = nrows;
    c.fk = calloc((size_t)c.d, 1);
    c.isint = calloc((size_t)c.d, 1);
    c.group = malloc((size_t)c.d * sizeof *c.group);
    c.nval = calloc((size_t)c.d, sizeof *c.nval);
    if (!c.fk || !c.isint || !c.group || !c.nval) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    feature_kinds(&c, features);
    if ((rc = prepare(&c, err)) < 0)
        goto done;
    nr_rng_seed(&c.rng, seed);
    /* the path as a chain of nodes, the last one the node drawn in */
    for (int i = 0, k; i <= npath; i++)
        if ((k = add_node(&g, i - 1, i > 0 && want[i - 1], err)) < 0) {
            rc = k;
            goto done;
        }
    for (int i = 0; i < npath; i++) {
        g.nodes[i].test = path[i];
        g.nodes[i].leaf = 0;
    }
    leaf = npath;
    if (!(g.nodes[leaf].ctr = malloc((size_t)nrows * sizeof(int))) ||
        !(x = malloc((size_t)n * c.d * sizeof *x)) || !(c.xb = malloc((size_t)c.d))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r = 0; r < nrows; r++) {
        int in = 1;
        for (int i = 0; i < npath && in; i++)
            in = nr_cond_holds(&path[i], rows + (size_t)r * c.d, NULL) == want[i];
        if (in)
            g.nodes[leaf].ctr[g.nodes[leaf].nctr++] = r;
    }
    if (path_constraints(&c, &g, leaf) < 0) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    node_freq(&c, &g.nodes[leaf]);
    for (int tries = 0; *nout < n && tries < 4 * n; tries++)
        *nout += draw_sample(&c, &g.nodes[leaf], x + (size_t)*nout * c.d, c.xb);
    *out = x;
    x = NULL;
done:
    free(x);
    free(y);
    free_growth(&g);
    ctx_free(&c);
    return rc;
}
