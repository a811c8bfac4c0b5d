/*
 * tree.c - the tree induction engine (tree.h): C4.5 and CART splits on a
 * table of attributes, grown depth-first (or best-first up to max_leaves),
 * then pruned by C4.5's pessimistic error and/or CART's cost complexity.
 * Every extractor calls it; the finished tree goes into the caller's arena.
 *
 * Speed.  Each numeric column is sorted once, at the root, by a stable
 * radix sort of its float bits, into a list of (value, row) pairs.  Every
 * node owns the same range [start, end) of every column's sorted list;
 * splitting a node partitions that range stably (as SLIQ does), so the
 * children inherit sorted lists and nothing is sorted again.  A node scans
 * each column once, reading memory in order (the values travel with the
 * rows, so no column is read at random), with running class counts, and
 * scores a cut only where the value changes.
 * A column constant in a node is neither scanned nor partitioned: it stays
 * constant in every descendant, and its (stale) ranges still hold rows of
 * that one value, which is all the constancy test looks at.  Likewise a
 * child that will stay a leaf gets no sorted lists.
 *
 * Choosing splits.  Within a column the cut with the lowest weighted child
 * impurity wins (ties: the lower threshold or value).  Across columns:
 * gain ratio as C4.5 does it (among the columns whose best gain is at least
 * the average gain, the highest gain / split information), or plain gain,
 * Gini decrease or variance reduction (ties: the lower column).  With gain
 * ratio, C4.5 release 8's MDL correction (Quinlan 1996) takes log2(N-1)/|D|
 * off the gain of a numeric column whose threshold was the best of N-1 cuts
 * (|D| the node's weight); nominal and Boolean columns, whose binary split
 * is one of few, are not corrected.  Option mdl switches it off.  When the
 * correction rejects every split of an impure node, the node is split as if
 * it were off (see find_split).
 *
 * Scores.  When every weight is a whole number (all 1, the usual case)
 * the class counts are integers, and a scan keeps the children's impurity
 * up to date in O(1) a row: Gini from running sums of squared counts (exact
 * in int64), entropy from sums of c log2 c read from a fixed-point table
 * (int64 too, so the sums do not depend on the order of the rows).  Equal
 * partitions therefore score exactly equal, and whole-number weights give
 * the same tree as duplicated rows.  Other weights and regression use
 * doubles: O(1) a row for variance, O(classes) a cut for Gini and entropy
 * (whose c log2 c are recomputed only for the classes that changed).
 */
#include "tree.h"

#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

/* Relative tolerance under which two scores count as tied (sums of the
 * same weights in a different order differ in the last bits). */
#define TIE 1e-12

enum { COL_NUM = 0, COL_NOM = 1, COL_BOOL = 2 };

typedef struct gnode {
    int start, end;     /* its rows: [start, end) of rows[] and of every sorted list */
    int depth;
    int yes, no;        /* children; -1 for a leaf */
    int pure;           /* one class (or one target value) only */
    double w;           /* weight of its rows */
    double mean, sse;   /* regression: weighted mean, sum of squared deviations */
    double csum;        /* regression: sum of w * (y - mean), about 0 */
    /* its best split, found when the node is made */
    int can_split;
    int col;
    nr_cond_op op;      /* NR_LE, NR_EQ or NR_TRUE */
    float t;
    double gain;        /* impurity decrease per unit weight */
} gnode;

/* The best cut of one column in one node. */
typedef struct cand {
    int ok;
    float lo, hi;       /* numeric: the values either side of the cut */
    float v;            /* nominal: the value tested */
    double score;       /* weighted impurity of the two children; lower is better */
    double wl, wr;      /* weight of the yes and no branches */
    int ncuts;          /* numeric: distinct values in the node, less one */
} cand;

/* One row in a column's sorted list. */
typedef struct entry {
    float v;
    int r;
} entry;

typedef struct grower {
    const nr_table *t;
    const nr_tree_opts *o;
    nr_criterion crit;
    int n, d, K;        /* rows, columns, classes (0: regression) */
    int unit;           /* every weight is 1 */
    int integral;       /* every weight is a whole number: integer counts */
    const int *iw;      /* integral weights (NULL when unit) */
    uint16_t *lab;      /* the labels, small: scans look them up at random */
    double ml;          /* min_leaf, less a hair for rounding in weight sums */
    float *xc;          /* the table column-major: column j at xc + j * n */
    unsigned char *ckind;
    int nnum;
    int *numcol;        /* the numeric columns, in order */
    int *slot;          /* numeric column j: its sorted list is sorted + slot[j] * n */
    entry *sorted;
    entry *etmp;        /* n, for partitioning sorted lists */
    int *rows;          /* every node's rows, in no particular order */
    unsigned char *left;/* per row: goes to the yes branch of the split at hand */
    int *tmp;
    double *xlx;        /* i log2 i, i = 0..total weight, when integral */
    int64_t *xfp;       /* the same in fixed point, times 2^fp_bits */
    int64_t *dxfp;      /* xfp[i + 1] - xfp[i] */
    double fp_unit;     /* 2^-fp_bits */
    int64_t iml;        /* integral: min_leaf rounded up */
    int64_t *icl, *icr; /* K: integer class counts either side of a cut */
    double *cl;         /* K: class weights of the yes side during a scan */
    double *lx;         /* 2K: c log2 c of the yes and no sides' class weights */
    int *dirty;         /* K: classes whose weight changed since the last cut */
    unsigned char *isdirty;
    int maxk;
    double *vc, *vw;    /* nominal scans: per value and class, per value */
    cand *cb;           /* d: the best cut of each column */
    gnode *nodes;
    int nnodes, cap;
    double *dist;       /* K per node */
    double wtotal;
    nr_split *hc;       /* d: the candidates a split hook is shown */
    nr_error *err;      /* for the hook's errors */
    int hook_rc;        /* the hook's error, which ends the growth */
} grower;

void nr_tree_opts_default(nr_tree_opts *o)
{
    memset(o, 0, sizeof *o);
    o->criterion = NR_CRIT_GAIN_RATIO;
    o->min_leaf = 2;
    o->max_depth = 0;
    o->max_leaves = 0;
    o->prune = 1;
    o->cf = 0.25;
    o->ccp_alpha = 0;
    o->min_gain = 0;
    o->mdl = 1;
}

/* ---- small helpers ------------------------------------------------------ */

static inline double row_w(const grower *g, int r)
{
    return g->unit ? 1.0 : g->t->w[r];
}

static inline double xlog2x(const grower *g, double c)
{
    if (g->integral)
        return g->xlx[(int64_t)c];
    return c > 0 ? c * log2(c) : 0.0;
}

/* a is better (lower) than b by more than rounding */
static inline int lower(double a, double b)
{
    return a < b - TIE * fabs(b);
}

static int majority(const double *dist, int K)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (dist[k] > dist[best])
            best = k;
    return best;
}

/* The shortest decimal in [a, b] (fewest significant digits; of two, the
 * nearer mid) whose float t keeps lo <= t < hi; 0 when there is none. */
static int shortest_cut(double a, double b, double mid, float lo, float hi, float *t)
{
    for (int e = (int)floor(log10(fmax(fabs(a), fabs(b)))) + 1; e >= -330; e--) {
        const double unit = pow(10, e), below = floor(mid / unit) * unit, above = below + unit;
        const float fb = (float)below, fa = (float)above;
        const int okb = below >= a && lo <= fb && fb < hi, oka = above <= b && lo <= fa && fa < hi;
        if (okb || oka) {
            *t = okb && (!oka || mid - below <= above - mid) ? fb : fa;
            return 1;
        }
    }
    return 0;
}

float nr_readable_threshold(float t, float lo, float hi)
{
    const double a = isfinite(lo) ? ((double)lo + t) / 2 : t, b = isfinite(hi) ? ((double)t + hi) / 2 : t;
    float r = t;
    if (!isfinite(t) || (!isfinite(lo) && !isfinite(hi)))
        return t;
    if (!shortest_cut(a, b, t, isfinite(lo) ? lo : -FLT_MAX, isfinite(hi) ? hi : FLT_MAX, &r))
        return t;
    /* x <= r must keep lo on the left and hi on the right */
    return (!isfinite(lo) || lo <= r) && (!isfinite(hi) || r < hi) ? r : t;
}

/* Threshold between consecutive distinct values lo < hi such that
 * `x <= t` in float holds for lo and not for hi.  Every row the split sees
 * is at most lo or at least hi, so any such t sends them all the same way;
 * of those, the shortest decimal in the middle half of the gap (so that
 * rules read `petal_width <= 0.8`, not `<= 0.80000001`, and the cut stays
 * about as central as the midpoint), else the shortest anywhere in it,
 * else the midpoint or lo.  The decimal is rounded to float before the
 * check, and that float is what every back end writes exactly. */
float nr_cut_threshold(float lo, float hi)
{
    const double mid = ((double)lo + (double)hi) / 2, w = (double)hi - (double)lo;
    float t = (float)mid;
    if (!(lo <= t && t < hi))
        t = lo;
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(w))
        return t;
    if (!shortest_cut(lo + w / 4, hi - w / 4, mid, lo, hi, &t))
        shortest_cut(lo, hi, mid, lo, hi, &t);
    return t;
}

/* Sort key of a float: unsigned order equals float order; -0 goes with +0. */
static inline uint32_t float_key(float f)
{
    uint32_t u;
    if (f == 0)
        f = 0;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

/* Stable argsort of n floats by LSD radix sort, 11 bits a pass; equal
 * values keep row order.  out receives the order; ti, k1, k2 are scratch
 * of n each. */
static void argsort_column(const float *col, int n, int *out, int *ti,
                           uint32_t *k1, uint32_t *k2)
{
    int *src = out, *dst = ti;
    uint32_t *ks = k1, *kd = k2;
    for (int i = 0; i < n; i++) {
        ks[i] = float_key(col[i]);
        src[i] = i;
    }
    for (int shift = 0; shift < 32; shift += 11) {
        unsigned cnt[2048];
        unsigned sum = 0;
        memset(cnt, 0, sizeof cnt);
        for (int i = 0; i < n; i++)
            cnt[(ks[i] >> shift) & 2047]++;
        if (cnt[(ks[0] >> shift) & 2047] == (unsigned)n)
            continue; /* every key has this digit */
        for (int b = 0; b < 2048; b++) {
            unsigned c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (int i = 0; i < n; i++) {
            unsigned pos = cnt[(ks[i] >> shift) & 2047]++;
            kd[pos] = ks[i];
            dst[pos] = src[i];
        }
        int *ts = src;
        uint32_t *tk = ks;
        src = dst;
        dst = ts;
        ks = kd;
        kd = tk;
    }
    if (src != out)
        memcpy(out, src, (size_t)n * sizeof *out);
}

/* Stable partition of a[0..m) by left[] (0 or 1): yes rows first.
 * Returns their number.  Branch-free: each row is written to both places
 * and only the right count advances (a split's sides are unpredictable). */
static int partition(int *a, int m, const unsigned char *left, int *tmp)
{
    int nl = 0, nr = 0;
    for (int i = 0; i < m; i++) {
        const int r = a[i], l = left[r];
        a[nl] = r;
        tmp[nr] = r;
        nl += l;
        nr += 1 - l;
    }
    memcpy(a + nl, tmp, (size_t)nr * sizeof *a);
    return nl;
}

static int partition_entries(entry *a, int m, const unsigned char *left, entry *tmp)
{
    int nl = 0, nr = 0;
    for (int i = 0; i < m; i++) {
        const entry e = a[i];
        const int l = left[e.r];
        a[nl] = e;
        tmp[nr] = e;
        nl += l;
        nr += 1 - l;
    }
    memcpy(a + nl, tmp, (size_t)nr * sizeof *a);
    return nl;
}

static inline int test_yes(nr_cond_op op, float v, float t)
{
    switch (op) {
    case NR_LE: return v <= t;
    case NR_EQ: return v == t;
    case NR_TRUE: return v > 0.5f;
    default: return 0;
    }
}

/* ---- impurity ------------------------------------------------------------ */

/* Impurity of a node per unit weight. */
static double node_impurity(const grower *g, int id)
{
    const gnode *nd = &g->nodes[id];
    const double *cp = g->dist + (size_t)id * g->K;
    double W = nd->w, s = 0;
    if (W <= 0)
        return 0;
    if (g->K == 0)
        return nd->sse / W;
    if (g->crit == NR_CRIT_GINI) {
        for (int k = 0; k < g->K; k++)
            s += cp[k] * cp[k];
        return 1 - s / (W * W);
    }
    for (int k = 0; k < g->K; k++)
        s += xlog2x(g, cp[k]);
    return (xlog2x(g, W) - s) / W;
}

/* Weighted impurity of the two children of a classification cut, yes side
 * cl (weight wl), no side cp - cl (weight wr). */
static double class_score(const grower *g, const double *cl, const double *cp,
                          double wl, double wr)
{
    const int K = g->K;
    if (g->crit == NR_CRIT_GINI) {
        double sl = 0, sr = 0;
        for (int k = 0; k < K; k++) {
            double a = cl[k], b = cp[k] - cl[k];
            sl += a * a;
            sr += b * b;
        }
        return (wl - sl / wl) + (wr - sr / wr);
    }
    double s = xlog2x(g, wl) + xlog2x(g, wr);
    for (int k = 0; k < K; k++)
        s -= xlog2x(g, cl[k]) + xlog2x(g, cp[k] - cl[k]);
    return s;
}

/* Regression: sum of squared deviations of the children, from the sums of
 * centred targets on the yes side (sl) and in the whole node (csum). */
static double var_score(const gnode *nd, double sl, double wl, double wr)
{
    double sr = nd->csum - sl;
    return nd->sse - (sl * sl / wl + sr * sr / wr - nd->csum * nd->csum / nd->w);
}

static inline void take(cand *c, double score, double wl, double wr)
{
    c->ok = 1;
    c->score = score;
    c->wl = wl;
    c->wr = wr;
}

/* ---- scanning one column of one node ------------------------------------ */

/* Value changes in sorted entries p..end-1: the cuts past the last one a
 * scan scored, which C4.5's correction still counts (mdl_penalty). */
static int cuts_after(const entry *ix, int p, int end)
{
    int n = 0;
    for (float last = ix[p].v; ++p < end;)
        if (ix[p].v != last) {
            last = ix[p].v;
            n++;
        }
    return n;
}

/* Classification scans with whole-number weights, O(1) a row. */
static void scan_entropy_int(grower *g, const gnode *nd, const double *cp, int j, cand *c)
{
    const entry *ix = g->sorted + (size_t)g->slot[j] * g->n;
    const uint16_t *y = g->lab;
    const int *iw = g->iw;
    const int64_t *xf = g->xfp, *dxf = g->dxfp, W = (int64_t)nd->w, ml = g->iml;
    int64_t *cl = g->icl, *cr = g->icr, el = 0, er = 0, wl = 0, best = 0;
    float prev = ix[nd->start].v;

    c->ok = 0;
    if (prev == ix[nd->end - 1].v)
        return;
    for (int k = 0; k < g->K; k++) {
        cl[k] = 0;
        cr[k] = (int64_t)cp[k];
        er += xf[cr[k]];
    }
    c->ncuts = 0;
    for (int p = nd->start; p < nd->end; p++) {
        const int r = ix[p].r;
        const float v = ix[p].v;
        if (v != prev) {
            const int64_t wr = W - wl;
            c->ncuts++;
            if (wr < ml) {
                c->ncuts += cuts_after(ix, p, nd->end);
                break;
            }
            if (wl >= ml && wl > 0 && wr > 0) {
                /* (wl log wl - sum cl log cl) + (wr log wr - sum cr log cr) */
                const int64_t sc = xf[wl] + xf[wr] - el - er;
                if (!c->ok || sc < best) {
                    best = sc;
                    c->ok = 1;
                    c->lo = prev;
                    c->hi = v;
                    c->wl = (double)wl;
                    c->wr = (double)wr;
                }
            }
            prev = v;
        }
        const int k = y[r];
        if (!iw) { /* one row of class k moves to the yes side */
            el += dxf[cl[k]++];
            er -= dxf[--cr[k]];
            wl++;
        } else {
            const int w = iw[r];
            el += xf[cl[k] + w] - xf[cl[k]];
            er += xf[cr[k] - w] - xf[cr[k]];
            cl[k] += w;
            cr[k] -= w;
            wl += w;
        }
    }
    if (c->ok)
        c->score = (double)best * g->fp_unit;
}

static void scan_gini_int(grower *g, const gnode *nd, const double *cp, int j, cand *c)
{
    const entry *ix = g->sorted + (size_t)g->slot[j] * g->n;
    const uint16_t *y = g->lab;
    const int *iw = g->iw;
    const int64_t W = (int64_t)nd->w, ml = g->iml;
    int64_t *cl = g->icl, *cr = g->icr, sl = 0, sr = 0, wl = 0;
    double bnum = 0, bden = 1;
    float prev = ix[nd->start].v;

    c->ok = 0;
    if (prev == ix[nd->end - 1].v)
        return;
    for (int k = 0; k < g->K; k++) {
        cl[k] = 0;
        cr[k] = (int64_t)cp[k];
        sr += cr[k] * cr[k];
    }
    for (int p = nd->start; p < nd->end; p++) {
        const int r = ix[p].r;
        const float v = ix[p].v;
        if (v != prev) {
            const int64_t wr = W - wl;
            if (wr < ml)
                break;
            if (wl >= ml && wl > 0 && wr > 0) {
                /* wl Gini(left) + wr Gini(right) = W - (sl/wl + sr/wr):
                 * the largest sl/wl + sr/wr = num/den wins, compared
                 * without dividing */
                const double num = (double)sl * (double)wr + (double)sr * (double)wl;
                const double den = (double)wl * (double)wr;
                if (!c->ok || num * bden > bnum * den) {
                    bnum = num;
                    bden = den;
                    c->ok = 1;
                    c->lo = prev;
                    c->hi = v;
                    c->wl = (double)wl;
                    c->wr = (double)wr;
                }
            }
            prev = v;
        }
        const int k = y[r];
        const int64_t w = iw ? iw[r] : 1;
        sl += 2 * w * cl[k] + w * w;
        sr += w * w - 2 * w * cr[k];
        cl[k] += w;
        cr[k] -= w;
        wl += w;
    }
    if (c->ok)
        c->score = (double)W - bnum / bden;
}

/* Entropy with fractional weights: c log2 c of each class's weight on either
 * side is kept, and recomputed at a cut only for the classes whose weight
 * changed since the last cut. */
static void scan_entropy_w(grower *g, const gnode *nd, const double *cp, int j, cand *c)
{
    const entry *ix = g->sorted + (size_t)g->slot[j] * g->n;
    const int *y = g->t->y;
    const double *wt = g->t->w;
    const int K = g->K;
    const double W = nd->w, ml = g->ml;
    double *cl = g->cl, *lx = g->lx, wl = 0;
    int *dirty = g->dirty, ndirty = 0;
    unsigned char *isdirty = g->isdirty;
    float prev = ix[nd->start].v;

    c->ok = 0;
    if (prev == ix[nd->end - 1].v)
        return;
    for (int k = 0; k < K; k++) {
        cl[k] = 0;
        lx[k] = 0;
        lx[K + k] = xlog2x(g, cp[k]);
        isdirty[k] = 0;
    }
    c->ncuts = 0;
    for (int p = nd->start; p < nd->end; p++) {
        const int r = ix[p].r;
        const float v = ix[p].v;
        if (v != prev) {
            const double wr = W - wl;
            c->ncuts++;
            if (wr < ml) {
                c->ncuts += cuts_after(ix, p, nd->end);
                break;
            }
            if (wl >= ml && wl > 0 && wr > 0) {
                double sc = xlog2x(g, wl) + xlog2x(g, wr);
                for (int i = 0; i < ndirty; i++) {
                    const int k = dirty[i];
                    lx[k] = xlog2x(g, cl[k]);
                    lx[K + k] = xlog2x(g, cp[k] - cl[k]);
                    isdirty[k] = 0;
                }
                ndirty = 0;
                for (int k = 0; k < K; k++) /* as class_score() sums */
                    sc -= lx[k] + lx[K + k];
                if (!c->ok || lower(sc, c->score)) {
                    take(c, sc, wl, wr);
                    c->lo = prev;
                    c->hi = v;
                }
            }
            prev = v;
        }
        const int k = y[r];
        cl[k] += wt[r];
        wl += wt[r];
        if (!isdirty[k]) {
            isdirty[k] = 1;
            dirty[ndirty++] = k;
        }
    }
}

/* Any weights, classification or regression; O(classes) a cut. */
static void scan_numeric(grower *g, const gnode *nd, const double *cp, int j, cand *c)
{
    const entry *ix = g->sorted + (size_t)g->slot[j] * g->n;
    const int *y = g->t->y;
    const double *yv = g->t->yv;
    const double W = nd->w, ml = g->ml;
    double *cl = g->cl, wl = 0, sl = 0;
    float prev = ix[nd->start].v;

    c->ok = 0;
    if (prev == ix[nd->end - 1].v)
        return; /* constant in this node */
    if (g->K)
        memset(cl, 0, (size_t)g->K * sizeof *cl);
    for (int p = nd->start; p < nd->end; p++) {
        const int r = ix[p].r;
        const float v = ix[p].v;
        if (v != prev) {
            const double wr = W - wl;
            if (wr < ml)
                break; /* and will only shrink */
            if (wl >= ml && wl > 0 && wr > 0) {
                double s = g->K ? class_score(g, cl, cp, wl, wr)
                                : var_score(nd, sl, wl, wr);
                if (!c->ok || lower(s, c->score)) {
                    take(c, s, wl, wr);
                    c->lo = prev;
                    c->hi = v;
                }
            }
            prev = v;
        }
        if (g->unit) {
            wl += 1;
            if (g->K)
                cl[y[r]] += 1;
            else
                sl += yv[r] - nd->mean;
        } else {
            const double w = g->t->w[r];
            wl += w;
            if (g->K)
                cl[y[r]] += w;
            else
                sl += w * (yv[r] - nd->mean);
        }
    }
}

/* Nominal (`x == v`, k values) and Boolean (`x`, as value 1 of 2) columns:
 * one pass over the node's rows, then every value as the yes side. */
static void scan_values(grower *g, const gnode *nd, const double *cp, int j, cand *c)
{
    const float *col = g->xc + (size_t)j * g->n;
    const int boolean = g->ckind[j] == COL_BOOL;
    const int k = boolean ? 2 : g->t->nvalues[j];
    const int K = g->K, width = K ? K : 1;
    const double W = nd->w, ml = g->ml;
    double *vc = g->vc, *vw = g->vw;

    c->ok = 0;
    memset(vc, 0, (size_t)k * width * sizeof *vc);
    memset(vw, 0, (size_t)k * sizeof *vw);
    for (int p = nd->start; p < nd->end; p++) {
        const int r = g->rows[p];
        const int v = boolean ? col[r] > 0.5f : (int)col[r];
        const double w = row_w(g, r);
        vw[v] += w;
        if (K)
            vc[(size_t)v * K + g->t->y[r]] += w;
        else
            vc[v] += w * (g->t->yv[r] - nd->mean);
    }
    for (int v = boolean ? 1 : 0; v < k; v++) {
        const double wl = vw[v], wr = W - wl;
        if (wl < ml || wr < ml || wl <= 0 || wr <= 0)
            continue;
        double s = K ? class_score(g, vc + (size_t)v * K, cp, wl, wr)
                     : var_score(nd, vc[v], wl, wr);
        if (!c->ok || lower(s, c->score)) {
            take(c, s, wl, wr);
            c->v = (float)v;
        }
    }
}

/* Whether node id is a leaf whatever its rows look like. */
static int terminal(const grower *g, int id)
{
    const gnode *nd = &g->nodes[id];
    return nd->pure || nd->end - nd->start < 2 || nd->w < 2 * g->ml ||
           (g->o->max_depth > 0 && nd->depth >= g->o->max_depth);
}

/* C4.5 release 8's correction for a threshold chosen among N - 1 cuts of a
 * numeric column: log2(N - 1) / |D| off its gain (Quinlan 1996), so that
 * columns with many distinct values do not win by the number of tries. */
static double mdl_penalty(const grower *g, int j, double W, int mdl)
{
    const cand *c = &g->cb[j];
    return mdl && g->ckind[j] == COL_NUM && c->ncuts > 1 ? log2((double)c->ncuts) / W : 0;
}

/* C4.5's choice among the scanned columns: of those with at least average
 * gain, the highest gain ratio.  Returns the column, or -1. */
static int pick_gain_ratio(const grower *g, double imp, double W, int mdl, double *best_gain)
{
    double avg = 0, best_ratio = 0;
    int m = 0, best = -1;
    for (int j = 0; j < g->d; j++)
        if (g->cb[j].ok) {
            avg += imp - g->cb[j].score / W - mdl_penalty(g, j, W, mdl);
            m++;
        }
    if (m == 0)
        return -1;
    avg /= m;
    for (int j = 0; j < g->d; j++) {
        const cand *c = &g->cb[j];
        double gain, si, ratio;
        if (!c->ok)
            continue;
        gain = imp - c->score / W - mdl_penalty(g, j, W, mdl);
        if (gain <= 0 || gain < avg - 1e-9 * fabs(avg))
            continue;
        si = (xlog2x(g, W) - xlog2x(g, c->wl) - xlog2x(g, c->wr)) / W;
        if (si <= 0)
            continue;
        ratio = gain / si;
        if (best < 0 || lower(-ratio, -best_ratio)) {
            best = j;
            best_ratio = ratio;
            *best_gain = gain;
        }
    }
    return best;
}

/* Let the split hook judge the choice (column best, -1: none) at node id,
 * and take what it says if that leaves min_leaf weight either side. */
static void hook_split(grower *g, int id, double imp, int best, double best_gain)
{
    gnode *nd = &g->nodes[id];
    const double W = nd->w;
    nr_split s = {.col = -1};
    double wl = 0;
    if (g->hook_rc < 0)
        return;
    for (int j = 0; j < g->d; j++) {
        const cand *c = &g->cb[j];
        nr_split *h = &g->hc[j];
        h->col = c->ok ? j : -1;
        h->op = g->ckind[j] == COL_NUM ? NR_LE : g->ckind[j] == COL_NOM ? NR_EQ : NR_TRUE;
        h->t = !c->ok || g->ckind[j] == COL_BOOL ? 0
               : g->ckind[j] == COL_NUM          ? nr_cut_threshold(c->lo, c->hi)
                                                 : c->v;
        h->gain = c->ok ? imp - c->score / W : 0;
        h->ncuts = g->ckind[j] == COL_NUM ? c->ncuts : g->ckind[j] == COL_NOM ? g->t->nvalues[j] : 1;
    }
    if (best >= 0 && best_gain > g->o->min_gain && best_gain > TIE * imp) {
        s = g->hc[best];
        s.gain = best_gain;
    }
    g->hook_rc = g->o->split_hook(g->o->split_ctx, g->t, g->rows + nd->start, nd->end - nd->start,
                                  g->hc, &s, g->err);
    if (g->hook_rc < 0 || s.col < 0 || s.col >= g->d)
        return;
    for (int p = nd->start; p < nd->end; p++) {
        const int r = g->rows[p];
        if (test_yes(s.op, g->xc[(size_t)s.col * g->n + r], s.t))
            wl += row_w(g, r);
    }
    if (!(wl > 0 && W - wl > 0 && wl >= g->ml && W - wl >= g->ml))
        return;
    nd->can_split = 1;
    nd->col = s.col;
    nd->op = s.op;
    nd->t = s.t;
    nd->gain = s.gain > 0 ? s.gain : 0;
}

/* Find the best split of node id (sets can_split and the split fields). */
static void find_split(grower *g, int id)
{
    gnode *nd = &g->nodes[id];
    const double *cp = g->dist + (size_t)id * g->K;
    const double W = nd->w;
    double imp, best_gain = 0;
    int best = -1;

    nd->can_split = 0;
    if (terminal(g, id))
        return;
    imp = node_impurity(g, id);
    if (imp <= 0)
        return;

    for (int j = 0; j < g->d; j++) {
        if (g->ckind[j] != COL_NUM)
            scan_values(g, nd, cp, j, &g->cb[j]);
        else if (g->integral && g->K && g->crit == NR_CRIT_GINI)
            scan_gini_int(g, nd, cp, j, &g->cb[j]);
        else if (g->integral && g->K)
            scan_entropy_int(g, nd, cp, j, &g->cb[j]);
        else if (g->K && g->crit != NR_CRIT_GINI)
            scan_entropy_w(g, nd, cp, j, &g->cb[j]);
        else
            scan_numeric(g, nd, cp, j, &g->cb[j]);
    }

    if (g->crit == NR_CRIT_GAIN_RATIO && g->K) {
        best = pick_gain_ratio(g, imp, W, g->o->mdl, &best_gain);
        /* The correction can reject every split of a node whose classes
         * depend on two inputs together and on neither alone (an XOR): each
         * split then gains next to nothing by itself.  The labels are the
         * network's, a function of the inputs, so an impure node has
         * structure to find: choose again without the correction, by plain
         * gain (the ratio, with every gain near zero, favours the most
         * lopsided cut), and let pruning judge the subtree. */
        if (best < 0 && g->o->mdl) {
            for (int j = 0; j < g->d; j++)
                if (g->cb[j].ok && (best < 0 || lower(g->cb[j].score, g->cb[best].score)))
                    best = j;
            if (best >= 0)
                best_gain = imp - g->cb[best].score / W;
        }
    } else {
        for (int j = 0; j < g->d; j++)
            if (g->cb[j].ok && (best < 0 || lower(g->cb[j].score, g->cb[best].score)))
                best = j;
        if (best >= 0)
            best_gain = imp - g->cb[best].score / W;
    }
    if (g->o->split_hook) {
        hook_split(g, id, imp, best, best_gain);
        return;
    }
    if (best < 0 || !(best_gain > g->o->min_gain) || best_gain <= TIE * imp)
        return;

    nd->can_split = 1;
    nd->col = best;
    nd->gain = best_gain;
    switch (g->ckind[best]) {
    case COL_NUM:
        nd->op = NR_LE;
        nd->t = nr_cut_threshold(g->cb[best].lo, g->cb[best].hi);
        break;
    case COL_NOM:
        nd->op = NR_EQ;
        nd->t = g->cb[best].v;
        break;
    default:
        nd->op = NR_TRUE;
        nd->t = 0;
        break;
    }
}

/* ---- growing ------------------------------------------------------------- */

/* A node over rows[start..end): its weight, class distribution or mean. */
static int add_node(grower *g, int start, int end, int depth)
{
    gnode *nd;
    int id;
    if (g->nnodes == g->cap) {
        int cap = g->cap ? g->cap * 2 : 64;
        gnode *nn = realloc(g->nodes, (size_t)cap * sizeof *nn);
        if (!nn)
            return -1;
        g->nodes = nn;
        if (g->K) {
            double *nd2 = realloc(g->dist, (size_t)cap * g->K * sizeof *nd2);
            if (!nd2)
                return -1;
            g->dist = nd2;
        }
        g->cap = cap;
    }
    id = g->nnodes++;
    nd = &g->nodes[id];
    memset(nd, 0, sizeof *nd);
    nd->start = start;
    nd->end = end;
    nd->depth = depth;
    nd->yes = nd->no = -1;
    if (g->K) {
        double *dist = g->dist + (size_t)id * g->K;
        int classes = 0;
        memset(dist, 0, (size_t)g->K * sizeof *dist);
        for (int p = start; p < end; p++) {
            const int r = g->rows[p];
            const double w = row_w(g, r);
            dist[g->t->y[r]] += w;
            nd->w += w;
        }
        for (int k = 0; k < g->K; k++)
            classes += dist[k] > 0;
        nd->pure = classes <= 1;
    } else {
        const double *yv = g->t->yv;
        double sy = 0, lo = yv[g->rows[start]], hi = lo;
        for (int p = start; p < end; p++) {
            const int r = g->rows[p];
            const double w = row_w(g, r);
            nd->w += w;
            sy += w * yv[r];
            if (yv[r] < lo)
                lo = yv[r];
            if (yv[r] > hi)
                hi = yv[r];
        }
        nd->mean = nd->w > 0 ? sy / nd->w : 0;
        for (int p = start; p < end; p++) {
            const int r = g->rows[p];
            const double dv = yv[r] - nd->mean, w = row_w(g, r);
            nd->sse += w * dv * dv;
            nd->csum += w * dv;
        }
        nd->pure = lo == hi;
    }
    return id;
}

/* Split node id as find_split chose; its children get their own splits. */
static int split_node(grower *g, int id)
{
    const int s = g->nodes[id].start, e = g->nodes[id].end;
    const nr_cond_op op = g->nodes[id].op;
    const float t = g->nodes[id].t;
    const float *col = g->xc + (size_t)g->nodes[id].col * g->n;
    const int depth = g->nodes[id].depth;
    int nl, yes, no, ty, tn;

    for (int p = s; p < e; p++) {
        const int r = g->rows[p];
        g->left[r] = (unsigned char)test_yes(op, col[r], t);
    }
    nl = partition(g->rows + s, e - s, g->left, g->tmp);
    if ((yes = add_node(g, s, s + nl, depth + 1)) < 0 ||
        (no = add_node(g, s + nl, e, depth + 1)) < 0)
        return NR_ENOMEM;
    /* A child that will stay a leaf is never scanned: its part of the
     * sorted lists may hold anything, and only the other child's part needs
     * writing, in place.  With both children leaves nothing is written. */
    ty = terminal(g, yes);
    tn = terminal(g, no);
    for (int k = 0; k < g->nnum && !(ty && tn); k++) {
        entry *ix = g->sorted + (size_t)k * g->n;
        if (ix[s].v == ix[e - 1].v)
            continue; /* constant here: see the top of the file */
        if (!ty && !tn) {
            partition_entries(ix + s, e - s, g->left, g->etmp);
        } else if (ty) { /* keep the no rows, at the back, in order */
            int q = e;
            for (int p = e - 1; p >= s; p--) {
                const entry en = ix[p];
                ix[q - 1] = en;
                q -= 1 - g->left[en.r];
            }
        } else { /* keep the yes rows, at the front */
            int q = s;
            for (int p = s; p < e; p++) {
                const entry en = ix[p];
                ix[q] = en;
                q += g->left[en.r];
            }
        }
    }
    g->nodes[id].yes = yes;
    g->nodes[id].no = no;
    find_split(g, yes);
    find_split(g, no);
    return 0;
}

/* Best-first order: the larger weighted impurity decrease, then the older node. */
static int heap_before(const grower *g, int a, int b)
{
    double pa = g->nodes[a].w * g->nodes[a].gain, pb = g->nodes[b].w * g->nodes[b].gain;
    if (pa != pb)
        return pa > pb;
    return a < b;
}

static void heap_push(const grower *g, int *h, int *m, int id)
{
    int i = (*m)++;
    h[i] = id;
    while (i > 0 && heap_before(g, h[i], h[(i - 1) / 2])) {
        int p = (i - 1) / 2, tmp = h[p];
        h[p] = h[i];
        h[i] = tmp;
        i = p;
    }
}

static int heap_pop(const grower *g, int *h, int *m)
{
    int top = h[0], i = 0;
    h[0] = h[--(*m)];
    for (;;) {
        int l = 2 * i + 1, r = l + 1, b = i;
        if (l < *m && heap_before(g, h[l], h[b]))
            b = l;
        if (r < *m && heap_before(g, h[r], h[b]))
            b = r;
        if (b == i)
            break;
        int tmp = h[b];
        h[b] = h[i];
        h[i] = tmp;
        i = b;
    }
    return top;
}

static int grow(grower *g)
{
    int *stack, m = 0, err = 0, leaves = 1;
    const int best_first = g->o->max_leaves > 0;
    int root = add_node(g, 0, g->n, 0);
    if (root < 0)
        return NR_ENOMEM;
    find_split(g, root);
    /* splittable leaves waiting: never more than the rows */
    if (!(stack = malloc(((size_t)g->n + 2) * sizeof *stack)))
        return NR_ENOMEM;
    if (g->nodes[root].can_split)
        stack[m++] = root;
    while (m > 0) {
        int id;
        if (best_first) {
            if (leaves >= g->o->max_leaves)
                break;
            id = heap_pop(g, stack, &m);
        } else {
            id = stack[--m];
        }
        if ((err = split_node(g, id)) < 0)
            break;
        leaves++;
        for (int c = 0; c < 2; c++) {
            /* depth-first: the yes child is taken first */
            int ch = c == 0 ? g->nodes[id].no : g->nodes[id].yes;
            if (!g->nodes[ch].can_split)
                continue;
            if (best_first)
                heap_push(g, stack, &m, ch);
            else
                stack[m++] = ch;
        }
    }
    free(stack);
    return err;
}

/* ---- pruning ------------------------------------------------------------- */

/* C4.5 subtree replacement: bottom up (children have larger ids than their
 * parent), a subtree becomes a leaf when the leaf's predicted errors are at
 * most the subtree's plus 0.1, C4.5's allowance. */
static int prune_pessimistic(grower *g, double cf)
{
    double *est = malloc((size_t)g->nnodes * sizeof *est);
    if (!est)
        return NR_ENOMEM;
    for (int id = g->nnodes - 1; id >= 0; id--) {
        gnode *nd = &g->nodes[id];
        const double *dist = g->dist + (size_t)id * g->K;
        double leaf = nr_pessimistic_errors(nd->w, nd->w - dist[majority(dist, g->K)], cf);
        if (nd->yes < 0) {
            est[id] = leaf;
        } else {
            double sub = est[nd->yes] + est[nd->no];
            if (leaf <= sub + 0.1) {
                nd->yes = nd->no = -1;
                est[id] = leaf;
            } else {
                est[id] = sub;
            }
        }
    }
    free(est);
    return 0;
}

/* CART minimal cost-complexity pruning: cut the weakest link (smallest
 * (R(t) - R(T_t)) / (leaves(T_t) - 1), R = weight share times impurity, as
 * scikit-learn measures it) while it is at most alpha. */
static int prune_ccp(grower *g, double alpha)
{
    const int nn = g->nnodes;
    double *R = malloc((size_t)nn * sizeof *R), *RT = malloc((size_t)nn * sizeof *RT);
    int *L = malloc((size_t)nn * sizeof *L);
    unsigned char *reach = malloc((size_t)nn);
    int err = 0;
    if (!R || !RT || !L || !reach) {
        err = NR_ENOMEM;
        goto done;
    }
    for (int id = 0; id < nn; id++)
        R[id] = g->nodes[id].w / g->wtotal * node_impurity(g, id);
    for (;;) {
        int weakest = -1;
        double best = 0;
        for (int id = nn - 1; id >= 0; id--) {
            const gnode *nd = &g->nodes[id];
            if (nd->yes < 0) {
                RT[id] = R[id];
                L[id] = 1;
            } else {
                RT[id] = RT[nd->yes] + RT[nd->no];
                L[id] = L[nd->yes] + L[nd->no];
            }
        }
        memset(reach, 0, (size_t)nn);
        reach[0] = 1;
        for (int id = 0; id < nn; id++) {
            const gnode *nd = &g->nodes[id];
            double a;
            if (!reach[id] || nd->yes < 0)
                continue;
            reach[nd->yes] = reach[nd->no] = 1;
            a = (R[id] - RT[id]) / (L[id] - 1);
            if (weakest < 0 || a < best) {
                weakest = id;
                best = a;
            }
        }
        if (weakest < 0 || best > alpha)
            break;
        g->nodes[weakest].yes = g->nodes[weakest].no = -1;
    }
done:
    free(R);
    free(RT);
    free(L);
    free(reach);
    return err;
}

/* ---- output -------------------------------------------------------------- */

/* The reachable nodes in preorder (yes before no) into the arena; rank
 * (may be NULL) receives each internal node's place in the order of
 * splitting, -1 for leaves: nodes are numbered as they are made, two at a
 * split, so the node split k-th has children 2k + 1 and 2k + 2. */
static int emit(grower *g, nr_arena *arena, nr_tree *out, int **rank)
{
    const nr_table *t = g->t;
    int *order = malloc((size_t)g->nnodes * sizeof *order);
    int *map = malloc((size_t)g->nnodes * sizeof *map);
    int *stack = malloc((size_t)g->nnodes * sizeof *stack);
    int m = 0, cnt = 0, err = 0;
    nr_node *nodes = NULL;
    double *dist = NULL;

    if (!order || !map || !stack) {
        err = NR_ENOMEM;
        goto done;
    }
    stack[m++] = 0;
    while (m > 0) {
        int id = stack[--m];
        map[id] = cnt;
        order[cnt++] = id;
        if (g->nodes[id].yes >= 0) {
            stack[m++] = g->nodes[id].no;
            stack[m++] = g->nodes[id].yes;
        }
    }
    nodes = nr_arena_calloc(arena, (size_t)cnt, sizeof *nodes);
    if (g->K)
        dist = nr_arena_calloc(arena, (size_t)cnt * g->K, sizeof *dist);
    if (!nodes || (g->K && !dist)) {
        err = NR_ENOMEM;
        goto done;
    }
    for (int i = 0; i < cnt; i++) {
        const gnode *gn = &g->nodes[order[i]];
        nr_node *nd = &nodes[i];
        nd->leaf = gn->yes < 0;
        if (!nd->leaf) {
            nd->test.op = gn->op;
            nd->test.var.kind = t->var_kind;
            nd->test.var.layer = t->var_layer;
            nd->test.var.index = t->col_var ? t->col_var[gn->col] : gn->col;
            nd->test.t = gn->t;
            nd->yes = map[gn->yes];
            nd->no = map[gn->no];
        }
        nd->stats.has = 1;
        nd->stats.cover = gn->w;
        if (g->K) {
            nd->dist = dist + (size_t)i * g->K;
            memcpy(nd->dist, g->dist + (size_t)order[i] * g->K, (size_t)g->K * sizeof *dist);
            nd->klass = majority(nd->dist, g->K);
            nd->stats.correct = nd->dist[nd->klass];
            nd->stats.confidence = nr_stats_laplace(nd->stats.correct, gn->w, g->K);
            nd->value = 0;
        } else {
            /* the spread of the target around the mean the node predicts */
            nd->value = gn->mean;
            nd->stats.has_sd = 1;
            nd->stats.sd = gn->w > 0 && gn->sse > 0 ? sqrt(gn->sse / gn->w) : 0;
        }
    }
    if (rank) {
        if (!(*rank = malloc((size_t)cnt * sizeof **rank))) {
            err = NR_ENOMEM;
            goto done;
        }
        for (int i = 0; i < cnt; i++)
            (*rank)[i] = g->nodes[order[i]].yes < 0 ? -1 : (g->nodes[order[i]].yes - 1) / 2;
    }
    out->nnodes = cnt;
    out->nodes = nodes;
done:
    free(order);
    free(map);
    free(stack);
    return err;
}

/* ---- entry --------------------------------------------------------------- */

static int check_input(const nr_table *t, const nr_tree_opts *o, nr_error *err)
{
    if (t->nrows <= 0)
        return nr_error_set(err, NR_EINVAL, "tree: no rows to grow a tree on");
    if (t->ncols <= 0 || !t->x)
        return nr_error_set(err, NR_EINVAL, "tree: no columns to grow a tree on");
    if (t->nclasses < 0)
        return nr_error_set(err, NR_EINVAL, "tree: negative number of classes");
    if (t->nclasses > 0 && !t->y)
        return nr_error_set(err, NR_EINVAL, "tree: no class labels");
    if (t->nclasses == 0 && !t->yv)
        return nr_error_set(err, NR_EINVAL, "tree: no regression targets");
    if (t->nclasses > 0 && o->criterion == NR_CRIT_VARIANCE)
        return nr_error_set(err, NR_EINVAL, "tree: variance reduction is for regression");
    if (o->criterion < NR_CRIT_GAIN_RATIO || o->criterion > NR_CRIT_VARIANCE)
        return nr_error_set(err, NR_EINVAL, "tree: unknown split criterion %d", (int)o->criterion);
    if (!(o->min_leaf >= 0) || o->max_depth < 0 || o->max_leaves < 0 ||
        !(o->ccp_alpha >= 0) || !(o->min_gain >= 0))
        return nr_error_set(err, NR_EINVAL, "tree: negative or NaN option");
    if (o->prune && t->nclasses > 0 && !(o->cf > 0 && o->cf < 1))
        return nr_error_set(err, NR_EINVAL, "tree: confidence factor %g is not in (0, 1)", o->cf);
    if ((size_t)t->nrows > SIZE_MAX / sizeof(float) / (size_t)t->ncols)
        return nr_error_set(err, NR_ELIMIT, "tree: table too large");
    for (int r = 0; r < t->nrows; r++) {
        if (t->nclasses > 0 && (t->y[r] < 0 || t->y[r] >= t->nclasses))
            return nr_error_set(err, NR_EINVAL, "tree: row %d: class %d is not in 0..%d",
                                r, t->y[r], t->nclasses - 1);
        if (t->nclasses == 0 && !isfinite(t->yv[r]))
            return nr_error_set(err, NR_EINVAL, "tree: row %d: target is not finite", r);
        if (t->w && !(t->w[r] >= 0 && isfinite(t->w[r])))
            return nr_error_set(err, NR_EINVAL, "tree: row %d: weight is negative or not finite", r);
    }
    for (int j = 0; j < t->ncols; j++) {
        const int k = t->nvalues ? t->nvalues[j] : 0;
        const int boolean = t->boolean && t->boolean[j];
        if (k < 0)
            return nr_error_set(err, NR_EINVAL, "tree: column %d: negative number of values", j);
        if (t->col_var && t->col_var[j] < 0)
            return nr_error_set(err, NR_EINVAL, "tree: column %d: negative variable index", j);
        for (int r = 0; r < t->nrows; r++) {
            const float v = t->x[(size_t)r * t->ncols + j];
            if (isnan(v))
                return nr_error_set(err, NR_EINVAL, "tree: row %d column %d: NaN", r, j);
            if (k > 0 && !boolean && !(v >= 0 && v < k && v == (float)(int)v))
                return nr_error_set(err, NR_EINVAL,
                                    "tree: row %d column %d: %g is not a value 0..%d",
                                    r, j, (double)v, k - 1);
        }
    }
    return 0;
}

static int induce(const nr_table *t, const nr_tree_opts *o, nr_arena *arena, nr_tree *out,
                  int **rank, nr_error *err)
{
    grower g;
    nr_tree_opts defaults;
    int rc = 0, n, d;
    int *ti = NULL, *ix = NULL;
    uint32_t *k1 = NULL, *k2 = NULL;

    if (!t || !arena || !out)
        return nr_error_set(err, NR_EINVAL, "tree: missing table, arena or output");
    if (!o) {
        nr_tree_opts_default(&defaults);
        o = &defaults;
    }
    if ((rc = check_input(t, o, err)) < 0)
        return rc;

    memset(&g, 0, sizeof g);
    g.t = t;
    g.o = o;
    g.n = n = t->nrows;
    g.d = d = t->ncols;
    g.K = t->nclasses;
    g.crit = g.K ? o->criterion : NR_CRIT_VARIANCE;
    g.ml = o->min_leaf > 1e-9 ? o->min_leaf - 1e-9 : 0;
    g.unit = 1;
    if (t->w)
        for (int r = 0; r < n && g.unit; r++)
            g.unit = t->w[r] == 1.0;
    for (int r = 0; r < n; r++)
        g.wtotal += row_w(&g, r);
    if (!(g.wtotal > 0))
        return nr_error_set(err, NR_EINVAL, "tree: the rows weigh nothing");
    /* whole-number weights whose total keeps the tables small: integer
     * counts (see the top of the file) */
    g.integral = g.K > 0 && g.K <= 65536 && g.wtotal <= 4.0 * n + 65536;
    for (int r = 0; r < n && g.integral && !g.unit; r++)
        g.integral = t->w[r] == floor(t->w[r]);

    g.ckind = calloc((size_t)d, 1);
    g.slot = malloc((size_t)d * sizeof *g.slot);
    g.numcol = malloc((size_t)d * sizeof *g.numcol);
    g.cb = calloc((size_t)d, sizeof *g.cb);
    g.hc = calloc((size_t)d, sizeof *g.hc);
    g.err = err;
    g.xc = malloc((size_t)n * d * sizeof *g.xc);
    g.rows = malloc((size_t)n * sizeof *g.rows);
    g.left = malloc((size_t)n);
    g.tmp = malloc((size_t)n * sizeof *g.tmp);
    g.cl = calloc((size_t)(g.K ? g.K : 1), sizeof *g.cl);
    g.icl = calloc((size_t)(g.K ? g.K : 1), sizeof *g.icl);
    g.icr = calloc((size_t)(g.K ? g.K : 1), sizeof *g.icr);
    g.lx = calloc((size_t)(g.K ? 2 * g.K : 1), sizeof *g.lx);
    g.dirty = calloc((size_t)(g.K ? g.K : 1), sizeof *g.dirty);
    g.isdirty = calloc((size_t)(g.K ? g.K : 1), 1);
    if (!g.ckind || !g.slot || !g.numcol || !g.cb || !g.hc || !g.xc || !g.rows || !g.left ||
        !g.tmp || !g.cl || !g.icl || !g.icr || !g.lx || !g.dirty || !g.isdirty) {
        rc = NR_ENOMEM;
        goto done;
    }
    if (g.integral) {
        const int64_t tot = (int64_t)g.wtotal;
        if (!(g.lab = malloc((size_t)n * sizeof *g.lab))) {
            rc = NR_ENOMEM;
            goto done;
        }
        for (int r = 0; r < n; r++)
            g.lab[r] = (uint16_t)t->y[r];
        int bits;
        if (!g.unit) {
            int *iw = malloc((size_t)n * sizeof *iw);
            if (!iw) {
                rc = NR_ENOMEM;
                goto done;
            }
            for (int r = 0; r < n; r++)
                iw[r] = (int)t->w[r];
            g.iw = iw;
        }
        g.xlx = malloc(((size_t)tot + 1) * sizeof *g.xlx);
        g.xfp = malloc(((size_t)tot + 1) * sizeof *g.xfp);
        g.dxfp = malloc(((size_t)tot + 1) * sizeof *g.dxfp);
        if (!g.xlx || !g.xfp || !g.dxfp) {
            rc = NR_ENOMEM;
            goto done;
        }
        /* as many fraction bits as keep K + 2 table values within int64 */
        bits = 62 - (int)ceil(log2(((double)g.K + 2) * ((double)tot * log2((double)tot + 1) + 1)));
        if (bits > 52)
            bits = 52;
        g.fp_unit = ldexp(1.0, -bits);
        g.xlx[0] = 0;
        g.xfp[0] = 0;
        for (int64_t i = 1; i <= tot; i++) {
            g.xlx[i] = (double)i * log2((double)i);
            g.xfp[i] = (int64_t)llround(ldexp(g.xlx[i], bits));
            g.dxfp[i - 1] = g.xfp[i] - g.xfp[i - 1];
        }
        g.dxfp[tot] = 0;
        g.iml = (int64_t)ceil(o->min_leaf);
    }
    g.maxk = 2;
    for (int j = 0; j < d; j++) {
        if (t->boolean && t->boolean[j])
            g.ckind[j] = COL_BOOL;
        else if (t->nvalues && t->nvalues[j] > 0) {
            g.ckind[j] = COL_NOM;
            if (t->nvalues[j] > g.maxk)
                g.maxk = t->nvalues[j];
        } else {
            g.slot[j] = g.nnum;
            g.numcol[g.nnum++] = j;
        }
    }
    g.vw = malloc((size_t)g.maxk * sizeof *g.vw);
    g.vc = malloc((size_t)g.maxk * (g.K ? g.K : 1) * sizeof *g.vc);
    if (!g.vw || !g.vc) {
        rc = NR_ENOMEM;
        goto done;
    }

    /* column-major copy: a node's scan of a column then stays in cache */
    for (int r = 0; r < n; r++) {
        const float *row = t->x + (size_t)r * d;
        for (int j = 0; j < d; j++)
            g.xc[(size_t)j * n + r] = row[j] == 0 ? 0.0f : row[j];
    }
    for (int r = 0; r < n; r++)
        g.rows[r] = r;

    /* sort every numeric column once */
    if (g.nnum > 0) {
        g.sorted = malloc((size_t)g.nnum * n * sizeof *g.sorted);
        g.etmp = malloc((size_t)n * sizeof *g.etmp);
        ix = malloc((size_t)n * sizeof *ix);
        ti = malloc((size_t)n * sizeof *ti);
        k1 = malloc((size_t)n * sizeof *k1);
        k2 = malloc((size_t)n * sizeof *k2);
        if (!g.sorted || !g.etmp || !ix || !ti || !k1 || !k2) {
            rc = NR_ENOMEM;
            goto done;
        }
        for (int k = 0; k < g.nnum; k++) {
            const float *col = g.xc + (size_t)g.numcol[k] * n;
            entry *list = g.sorted + (size_t)k * n;
            float lo = col[0], hi = col[0];
            for (int r = 1; r < n; r++) {
                if (col[r] < lo)
                    lo = col[r];
                if (col[r] > hi)
                    hi = col[r];
            }
            if (lo == hi) { /* constant: any order will do */
                for (int r = 0; r < n; r++)
                    ix[r] = r;
            } else {
                argsort_column(col, n, ix, ti, k1, k2);
            }
            for (int r = 0; r < n; r++) {
                list[r].v = col[ix[r]];
                list[r].r = ix[r];
            }
        }
    }

    if ((rc = grow(&g)) < 0)
        goto done;
    if ((rc = g.hook_rc) < 0)
        goto done;
    if (o->prune && g.K > 0 && (rc = prune_pessimistic(&g, o->cf)) < 0)
        goto done;
    if (o->ccp_alpha > 0 && (rc = prune_ccp(&g, o->ccp_alpha)) < 0)
        goto done;
    rc = emit(&g, arena, out, rank);

done:
    if (rc == NR_ENOMEM)
        nr_error_set(err, NR_ENOMEM, "tree: out of memory");
    free(ti);
    free(ix);
    free(g.etmp);
    free(k1);
    free(k2);
    free(g.ckind);
    free(g.slot);
    free(g.numcol);
    free(g.cb);
    free(g.hc);
    free(g.xc);
    free(g.rows);
    free(g.left);
    free(g.tmp);
    free(g.cl);
    free(g.xlx);
    free(g.xfp);
    free(g.dxfp);
    free(g.lab);
    free(g.icl);
    free(g.lx);
    free(g.dirty);
    free(g.isdirty);
    free(g.icr);
    free((void *)g.iw);
    free(g.vw);
    free(g.vc);
    free(g.sorted);
    free(g.nodes);
    free(g.dist);
    return rc;
}

int nr_tree_induce(const nr_table *t, const nr_tree_opts *o, nr_arena *arena,
                   nr_tree *out, nr_error *err)
{
    return induce(t, o, arena, out, NULL, err);
}

int nr_tree_induce_path(const nr_table *t, const nr_tree_opts *o, nr_arena *arena,
                        nr_tree *out, int **rank, nr_error *err)
{
    nr_tree_opts path;
    *rank = NULL;
    if (o)
        path = *o;
    else
        nr_tree_opts_default(&path);
    path.max_leaves = INT_MAX; /* best-first, to the end */
    path.prune = 0;
    path.ccp_alpha = 0;
    return induce(t, &path, arena, out, rank, err);
}
