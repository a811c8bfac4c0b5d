/*
 * passes.c - passes over the rule IR (passes.h): simplifying conjunctions
 * and rule sets, C4.5rules (tree to decision list), statistics on data, and
 * C4.5's pessimistic error estimate, which tree pruning shares.
 *
 * They sit between the extractors, which produce trees and rule sets, and
 * the back ends.  Everything new they build comes from the rules' arena;
 * scratch memory is malloc'd and freed before returning.
 */
#include "passes.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pessimistic error ------------------------------------------------- */

/* z with P(Z > z) = cf for a standard normal Z, by bisection on erfc: 60
 * halvings of [-40, 40] reach double precision. */
static double upper_z(double cf)
{
    double lo = -40, hi = 40;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / sqrt(2.0)) > cf)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* The errors C4.5 adds to e observed errors in n cases: n U_cf(e, n) - e,
 * where U_cf is the upper limit of the binomial error rate at confidence
 * cf.  For e = 0 the limit is exact, 1 - cf^(1/n); for 0 < e < 1 it is
 * interpolated linearly between e = 0 and e = 1; when e is within a half of
 * n C4.5 takes 0.67 (n - e); otherwise the normal approximation with a
 * continuity correction of 0.5.  C4.5 itself reads z off a short table by
 * linear interpolation (0.69 at cf = 0.25); here z is the exact normal
 * quantile (0.674), so Quinlan's U_25%(1, 16) = 0.157 comes out 0.155. */
static double added_errors(double n, double e, double cf, double z)
{
    if (e < 1e-6)
        return n * (1 - exp(log(cf) / n));
    if (e < 0.9999) {
        double v0 = n * (1 - exp(log(cf) / n));
        return v0 + e * (added_errors(n, 1.0, cf, z) - v0);
    }
    if (e + 0.5 >= n)
        return 0.67 * (n - e);
    {
        double z2 = z * z, f = e + 0.5;
        double p = (f + z2 / 2 + z * sqrt(f * (1 - f / n) + z2 / 4)) / (n + z2);
        return n * p - e;
    }
}

static double pess_z(double n, double e, double cf, double z)
{
    if (!(n > 0))
        return 0;
    if (e < 0)
        e = 0;
    if (e > n)
        e = n;
    if (!(cf > 0))
        return n;
    if (cf >= 1)
        return e;
    return e + added_errors(n, e, cf, z);
}

double nr_pessimistic_errors(double n, double e, double cf)
{
    return pess_z(n, e, cf, cf > 0 && cf < 1 ? upper_z(cf) : 0);
}

/* ---- conditions --------------------------------------------------------- */

/* The set a simple condition allows, as a shape and a bound. */
enum { S_UPPER, S_LOWER, S_POINT, S_HOLE, S_OTHER };

static int shape(const nr_cond *c, float *b)
{
    *b = c->t;
    switch (c->op) {
    case NR_LE: return isnan(c->t) ? S_OTHER : S_UPPER;  /* (-inf, t] */
    case NR_GT: return isnan(c->t) ? S_OTHER : S_LOWER;  /* (t, inf) */
    case NR_EQ: return isnan(c->t) ? S_OTHER : S_POINT;  /* {t} */
    case NR_NE: return isnan(c->t) ? S_OTHER : S_HOLE;   /* all but t */
    case NR_TRUE: *b = 0.5f; return S_LOWER;
    case NR_FALSE: *b = 0.5f; return S_UPPER;
    case NR_MOFN: break;
    }
    return S_OTHER;
}

static int same_var(const nr_var *a, const nr_var *b)
{
    return a->kind == b->kind && a->index == b->index &&
           (a->kind != NR_VAR_HIDDEN || a->layer == b->layer);
}

static int cond_equal(const nr_cond *a, const nr_cond *b)
{
    if (a->op != b->op)
        return 0;
    if (a->op == NR_MOFN) {
        if (a->m != b->m || a->n != b->n)
            return 0;
        for (int i = 0; i < a->n; i++)
            if (!cond_equal(&a->sub[i], &b->sub[i]))
                return 0;
        return 1;
    }
    if (!same_var(&a->var, &b->var))
        return 0;
    if (a->op == NR_TRUE || a->op == NR_FALSE)
        return 1;
    return a->t == b->t || (isnan(a->t) && isnan(b->t));
}

/* Whether a implies b (a sufficient test: false when unsure). */
static int cond_implies(const nr_cond *a, const nr_cond *b)
{
    float ta, tb;
    int sa, sb;
    if (a->op == NR_MOFN || b->op == NR_MOFN)
        return cond_equal(a, b);
    if (!same_var(&a->var, &b->var))
        return 0;
    sa = shape(a, &ta);
    sb = shape(b, &tb);
    if (sa == S_OTHER || sb == S_OTHER)
        return cond_equal(a, b);
    switch (sb) {
    case S_UPPER:
        return (sa == S_UPPER || sa == S_POINT) && ta <= tb;
    case S_LOWER:
        return (sa == S_LOWER && ta >= tb) || (sa == S_POINT && ta > tb);
    case S_POINT:
        return sa == S_POINT && ta == tb;
    case S_HOLE:
        return (sa == S_HOLE && ta == tb) || (sa == S_POINT && ta != tb) ||
               (sa == S_UPPER && ta < tb) || (sa == S_LOWER && ta >= tb);
    }
    return 0;
}

/* Whether a and b cannot both hold. */
static int cond_contradicts(const nr_cond *a, const nr_cond *b)
{
    float ta, tb;
    int sa, sb;
    if (a->op == NR_MOFN || b->op == NR_MOFN || !same_var(&a->var, &b->var))
        return 0;
    sa = shape(a, &ta);
    sb = shape(b, &tb);
    if (sa > sb) { /* order the pair: UPPER < LOWER < POINT < HOLE */
        int s = sa;
        float t = ta;
        sa = sb;
        ta = tb;
        sb = s;
        tb = t;
    }
    if (sa == S_UPPER && sb == S_LOWER)
        return ta <= tb;
    if (sa == S_UPPER && sb == S_POINT)
        return tb > ta;
    if (sa == S_LOWER && sb == S_POINT)
        return tb <= ta;
    if (sa == S_POINT && sb == S_POINT)
        return ta != tb;
    if (sa == S_POINT && sb == S_HOLE)
        return ta == tb;
    return 0;
}

/* A condition that holds for every value (so can go). */
static int cond_always(const nr_cond *c)
{
    return (c->op == NR_MOFN && c->m <= 0) || (c->op == NR_NE && isnan(c->t));
}

/* A condition that holds for no value. */
static int cond_never(const nr_cond *c)
{
    return (c->op == NR_MOFN && c->m > c->n) ||
           ((c->op == NR_LE || c->op == NR_GT || c->op == NR_EQ) && isnan(c->t));
}

/* Negation of a condition; m-of-n negates into the arena. */
static int cond_negate(const nr_cond *c, nr_cond *out, nr_arena *arena)
{
    *out = *c;
    switch (c->op) {
    case NR_LE: out->op = NR_GT; break;
    case NR_GT: out->op = NR_LE; break;
    case NR_EQ: out->op = NR_NE; break;
    case NR_NE: out->op = NR_EQ; break;
    case NR_TRUE: out->op = NR_FALSE; break;
    case NR_FALSE: out->op = NR_TRUE; break;
    case NR_MOFN:
        /* not (at least m of n) = at least n - m + 1 of the negations */
        out->m = c->n - c->m + 1;
        out->sub = nr_arena_calloc(arena, (size_t)(c->n > 0 ? c->n : 1), sizeof *out->sub);
        if (!out->sub)
            return NR_ENOMEM;
        for (int i = 0; i < c->n; i++) {
            if (c->sub[i].op == NR_MOFN)
                return NR_EUNSUP;
            cond_negate(&c->sub[i], &out->sub[i], arena);
        }
        break;
    }
    return 0;
}

int nr_simplify_conjunction(nr_cond *conds, int *nconds)
{
    int n = *nconds, unsat = 0;

    for (int i = 0; i < n;) {
        int drop = cond_always(&conds[i]);
        unsat |= cond_never(&conds[i]);
        /* drop i when another condition implies it (of two equivalent
         * ones, the later goes) */
        for (int j = 0; j < n && !drop; j++)
            if (j != i && cond_implies(&conds[j], &conds[i]) &&
                (j < i || !cond_implies(&conds[i], &conds[j])))
                drop = 1;
        if (drop) {
            memmove(&conds[i], &conds[i + 1], (size_t)(n - i - 1) * sizeof *conds);
            n--;
        } else {
            i++;
        }
    }
    *nconds = n;
    for (int i = 0; i < n && !unsat; i++)
        for (int j = i + 1; j < n && !unsat; j++)
            unsat = cond_contradicts(&conds[i], &conds[j]);
    /* x > s and x <= t leave one float when t follows s; x != t removes it */
    for (int i = 0; i < n && !unsat; i++) {
        float s, t;
        if (shape(&conds[i], &s) != S_LOWER)
            continue;
        for (int j = 0; j < n && !unsat; j++) {
            if (j == i || !same_var(&conds[i].var, &conds[j].var) ||
                shape(&conds[j], &t) != S_UPPER || t != nextafterf(s, INFINITY))
                continue;
            for (int k = 0; k < n && !unsat; k++) {
                float u;
                unsat = same_var(&conds[i].var, &conds[k].var) &&
                        shape(&conds[k], &u) == S_HOLE && u == t;
            }
        }
    }
    return unsat;
}

/* Whether conjunction a implies conjunction b: each condition of b is
 * implied by one of a. */
static int conj_implies(const nr_rule *a, const nr_rule *b)
{
    for (int i = 0; i < b->nconds; i++) {
        int found = 0;
        for (int j = 0; j < a->nconds && !found; j++)
            found = cond_implies(&a->conds[j], &b->conds[i]);
        if (!found)
            return 0;
    }
    return 1;
}

static int same_outcome(const nr_rules *r, const nr_rule *a, const nr_rule *b)
{
    return a->klass == b->klass && (r->nclasses > 0 || a->value == b->value);
}

static int first_fires(const nr_ruleset *rs)
{
    return rs->kind == NR_ORDERED || rs->policy == NR_POLICY_FIRST;
}

int nr_simplify_ruleset(nr_rules *r, nr_error *err)
{
    nr_ruleset *rs = &r->rs;
    unsigned char *state; /* 0 kept, 1 unsatisfiable, 2 subsumed */
    int m = 0;

    if (r->kind != NR_BODY_RULESET || rs->nrules == 0)
        return 0;
    if (!(state = calloc((size_t)rs->nrules, 1)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < rs->nrules; i++)
        if (nr_simplify_conjunction(rs->rules[i].conds, &rs->rules[i].nconds))
            state[i] = 1;
    for (int i = 0; i < rs->nrules; i++) {
        const nr_rule *ri = &rs->rules[i];
        if (state[i])
            continue;
        for (int j = 0; j < rs->nrules && !state[i]; j++) {
            const nr_rule *rj = &rs->rules[j];
            if (j == i || state[j] == 1 || !same_outcome(r, ri, rj) || !conj_implies(ri, rj))
                continue;
            if (first_fires(rs)) {
                /* an earlier rule with the same outcome fires on all of it */
                if (j < i && state[j] == 0)
                    state[i] = 2;
            } else if (j < i || !conj_implies(rj, ri)) {
                state[i] = 2;
            }
        }
    }
    for (int i = 0; i < rs->nrules; i++)
        if (!state[i])
            rs->rules[m++] = rs->rules[i];
    rs->nrules = m;
    free(state);
    return 0;
}

/* ---- rows to evaluate rules on ----------------------------------------- */

/* Rows laid out so that nr_cond_holds() reads them: input features at
 * x[index], or hidden units at act[layer][index]. */
typedef struct rowview {
    const float *x;
    size_t stride;
    nr_var_kind kind;
    int layer;
    const float **act;  /* hidden: layer + 1 pointers, only act[layer] set */
    float *own;         /* remapped copy of the table, when one was needed */
    int width;          /* variables 0..width-1 exist */
    int *col_of;        /* variable index -> table column, -1: none */
    const nr_table *t;  /* the table, when the view is of one */
    float **cols;       /* per variable: its values over the rows, made on demand */
} rowview;

static int row_holds(const rowview *v, const nr_cond *c, int i)
{
    const float *p = v->x + (size_t)i * v->stride;
    nr_hidden h;
    if (v->kind == NR_VAR_INPUT)
        return nr_cond_holds(c, p, NULL);
    v->act[v->layer] = p;
    h.nlayers = v->layer + 1;
    h.act = v->act;
    return nr_cond_holds(c, p, &h);
}

static int rule_holds(const rowview *v, const nr_rule *rule, int i)
{
    for (int k = 0; k < rule->nconds; k++)
        if (!row_holds(v, &rule->conds[k], i))
            return 0;
    return 1;
}

static void view_free(rowview *v)
{
    if (v->cols)
        for (int i = 0; i < v->width; i++)
            free(v->cols[i]);
    free(v->cols);
    free(v->own);
    free(v->act);
    free(v->col_of);
}

/* The values of variable `index` (which the table has) over all rows, in
 * one array: conditions on many rows read it in order rather than a row's
 * worth of memory apart.  NULL when out of memory. */
static const float *view_column(rowview *v, int index)
{
    const nr_table *t = v->t;
    const int j = v->col_of[index];
    float *col;
    if (v->cols[index])
        return v->cols[index];
    if (!(col = malloc(((size_t)t->nrows + 1) * sizeof *col)))
        return NULL;
    for (int r = 0; r < t->nrows; r++)
        col[r] = t->x[(size_t)r * t->ncols + j];
    return v->cols[index] = col;
}


static int view_of_table(rowview *v, const nr_table *t, nr_error *err)
{
    memset(v, 0, sizeof *v);
    v->t = t;
    v->kind = t->var_kind;
    v->layer = t->var_kind == NR_VAR_HIDDEN ? t->var_layer : 0;
    if (v->layer < 0)
        return nr_error_set(err, NR_EINVAL, "table: negative layer");
    v->width = t->ncols;
    if (t->col_var) {
        v->width = 0;
        for (int j = 0; j < t->ncols; j++) {
            if (t->col_var[j] < 0)
                return nr_error_set(err, NR_EINVAL, "table: column %d: negative variable", j);
            if (t->col_var[j] >= v->width)
                v->width = t->col_var[j] + 1;
        }
    }
    if (!(v->col_of = malloc(((size_t)v->width + 1) * sizeof *v->col_of)) ||
        !(v->cols = calloc((size_t)v->width + 1, sizeof *v->cols)))
        goto nomem;
    for (int i = 0; i < v->width; i++)
        v->col_of[i] = t->col_var ? -1 : i;
    if (t->col_var) {
        for (int j = 0; j < t->ncols; j++)
            v->col_of[t->col_var[j]] = j;
        v->own = calloc((size_t)t->nrows * v->width + 1, sizeof *v->own);
        if (!v->own)
            goto nomem;
        for (int r = 0; r < t->nrows; r++)
            for (int j = 0; j < t->ncols; j++)
                v->own[(size_t)r * v->width + t->col_var[j]] = t->x[(size_t)r * t->ncols + j];
        v->x = v->own;
        v->stride = (size_t)v->width;
    } else {
        v->x = t->x;
        v->stride = (size_t)t->ncols;
    }
    if (v->kind == NR_VAR_HIDDEN &&
        !(v->act = calloc((size_t)v->layer + 1, sizeof *v->act)))
        goto nomem;
    return 0;
nomem:
    view_free(v);
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}

/* Whether the table has a column for every variable c tests. */
static int view_has(const rowview *v, const nr_cond *c)
{
    if (c->op == NR_MOFN) {
        for (int i = 0; i < c->n; i++)
            if (!view_has(v, &c->sub[i]))
                return 0;
        return 1;
    }
    return c->var.kind == v->kind && (v->kind == NR_VAR_INPUT || c->var.layer == v->layer) &&
           c->var.index >= 0 && c->var.index < v->width && v->col_of[c->var.index] >= 0;
}

/* ---- statistics --------------------------------------------------------- */

static void set_stats(nr_stats *s, double cover, double correct, int nclasses)
{
    s->has = 1;
    s->cover = cover;
    s->correct = nclasses > 0 ? correct : 0;
    s->confidence = nr_stats_laplace(correct, cover, nclasses);
}

/* Weighted running mean and sum of squared deviations (West's update):
 * a row of weight w and target y joins rows now weighing wsum in all. */
static void spread_add(double *mean, double *m2, double wsum, double w, double y)
{
    double d;
    if (!(wsum > 0))
        return;
    d = y - *mean;
    *mean += d * w / wsum;
    *m2 += w * d * (y - *mean);
}

/* Per node or per rule statistics from nrows rows of v, labels y (NULL for
 * regression), weights w (NULL: 1); for regression with targets yv, the
 * spread of the target over the rows (without yv, no spread is known). */
static int stats_rows(nr_rules *r, const rowview *v, const int *y, const double *yv,
                      const double *w, int nrows, nr_error *err)
{
    const int K = r->nclasses;
    double *cov = NULL, *cor = NULL, *mean = NULL, *m2 = NULL;
    int n = 0;

    if (r->kind == NR_BODY_TREE)
        n = r->tree.nnodes;
    else if (r->kind == NR_BODY_RULESET)
        n = r->rs.nrules;
    else
        return 0;
    cov = calloc((size_t)n + 1, sizeof *cov);
    cor = calloc((size_t)n + 1, sizeof *cor);
    if (K == 0 && yv) {
        mean = calloc((size_t)n + 1, sizeof *mean);
        m2 = calloc((size_t)n + 1, sizeof *m2);
    }
    if (!cov || !cor || (K == 0 && yv && (!mean || !m2))) {
        free(cov);
        free(cor);
        free(mean);
        free(m2);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nrows; i++) {
        const double wi = w ? w[i] : 1.0;
        const int yi = K > 0 ? y[i] : -1;
        if (r->kind == NR_BODY_TREE) {
            int id = 0;
            for (int steps = 0; steps <= n && id >= 0 && id < n; steps++) {
                const nr_node *nd = &r->tree.nodes[id];
                cov[id] += wi;
                if (nd->klass == yi)
                    cor[id] += wi;
                if (mean)
                    spread_add(&mean[id], &m2[id], cov[id], wi, yv[i]);
                if (nd->leaf)
                    break;
                id = row_holds(v, &nd->test, i) ? nd->yes : nd->no;
            }
        } else {
            const int first = first_fires(&r->rs);
            for (int k = 0; k < n; k++) {
                const nr_rule *rule = &r->rs.rules[k];
                if (!rule_holds(v, rule, i))
                    continue;
                cov[k] += wi;
                if (rule->klass == yi)
                    cor[k] += wi;
                if (mean)
                    spread_add(&mean[k], &m2[k], cov[k], wi, yv[i]);
                if (first)
                    break;
            }
        }
    }
    for (int k = 0; k < n; k++) {
        nr_stats *s = r->kind == NR_BODY_TREE ? &r->tree.nodes[k].stats : &r->rs.rules[k].stats;
        set_stats(s, cov[k], cor[k], K);
        s->has_sd = mean != NULL;
        s->sd = mean && cov[k] > 0 && m2[k] > 0 ? sqrt(m2[k] / cov[k]) : 0;
    }
    free(cov);
    free(cor);
    free(mean);
    free(m2);
    return 0;
}

int nr_rules_stats(nr_rules *r, const float *x, const int *y, int nrows, nr_error *err)
{
    rowview v;
    if (nrows < 0 || (nrows > 0 && (!x || (r->nclasses > 0 && !y))))
        return nr_error_set(err, NR_EINVAL, "stats: no rows or labels");
    if (nr_rules_uses_hidden(r))
        return nr_error_set(err, NR_EUNSUP, "stats: the rules test hidden units");
    for (int i = 0; i < nrows && r->nclasses > 0; i++)
        if (y[i] < 0 || y[i] >= r->nclasses)
            return nr_error_set(err, NR_EINVAL, "stats: row %d: class %d is not in 0..%d",
                                i, y[i], r->nclasses - 1);
    memset(&v, 0, sizeof v);
    v.x = x;
    v.stride = (size_t)r->nfeatures;
    v.kind = NR_VAR_INPUT;
    return stats_rows(r, &v, y, NULL, NULL, nrows, err);
}

/* ---- C4.5rules ---------------------------------------------------------- */

typedef struct c45 {
    const nr_table *t;
    rowview *v;
    double cf, z;
    int K;
    /* scratch, grown as rules need */
    unsigned char *sat;  /* per condition, per row: holds */
    int *fails;          /* per row: how many kept conditions fail */
    unsigned *fsum;      /* per row: sum of their indices (the one, when one fails;
                            unsigned, so that a long path's sum wraps harmlessly) */
    double *ccov, *cerr; /* per condition: what dropping it would add */
    unsigned char *kept;
    int satcap, ncap;
} c45;

/* Pessimistic error rate of a rule covering cov with err errors. */
static double pess_rate(const c45 *c, double cov, double err)
{
    return cov > 0 ? pess_z(cov, err, c->cf, c->z) / cov : 1.0;
}

static int c45_reserve(c45 *c, int k)
{
    const size_t n = (size_t)c->t->nrows;
    if (k < 1) /* a rule of no conditions still memsets these: keep them allocated */
        k = 1;
    if (k > c->ncap) {
        int cap = k > 2 * c->ncap ? k : 2 * c->ncap;
        double *a = realloc(c->ccov, (size_t)cap * sizeof *a);
        if (!a)
            return NR_ENOMEM;
        c->ccov = a;
        if (!(a = realloc(c->cerr, (size_t)cap * sizeof *a)))
            return NR_ENOMEM;
        c->cerr = a;
        unsigned char *b = realloc(c->kept, (size_t)cap);
        if (!b)
            return NR_ENOMEM;
        c->kept = b;
        c->ncap = cap;
    }
    if (k > c->satcap) {
        int cap = k > 2 * c->satcap ? k : 2 * c->satcap;
        unsigned char *s = realloc(c->sat, (size_t)cap * n + 1);
        if (!s)
            return NR_ENOMEM;
        c->sat = s;
        c->satcap = cap;
    }
    return 0;
}

/* Drop conditions of one rule (conds[0..*nconds), class klass) greedily:
 * each round, the condition whose removal gives the lowest pessimistic
 * error rate on the rows the rule then covers goes, as long as that rate is
 * no higher than the rule's.  Leaves the rule's own cover and errors. */
static int c45_generalise(c45 *c, nr_cond *conds, int *nconds, int klass,
                          double *cover, double *errors)
{
    const nr_table *t = c->t;
    const int n = t->nrows, k = *nconds;
    int kept = k, m = 0, rc;
    double cov, err;

    if ((rc = c45_reserve(c, k)) < 0)
        return rc;
    memset(c->fails, 0, (size_t)n * sizeof *c->fails);
    memset(c->fsum, 0, (size_t)n * sizeof *c->fsum);
    for (int i = 0; i < k; i++) {
        unsigned char *s = c->sat + (size_t)i * n;
        const float *col = NULL;
        c->kept[i] = 1;
        if (conds[i].op != NR_MOFN && !(col = view_column(c->v, conds[i].var.index)))
            return NR_ENOMEM;
        for (int r = 0; r < n; r++)
            if (!(s[r] = (unsigned char)(col ? nr_cond_test_value(&conds[i], col[r])
                                             : row_holds(c->v, &conds[i], r)))) {
                c->fails[r]++;
                c->fsum[r] += (unsigned)i;
            }
    }
    for (;;) {
        double best_rate = 0, rate;
        int best = -1;
        cov = err = 0;
        memset(c->ccov, 0, (size_t)k * sizeof *c->ccov);
        memset(c->cerr, 0, (size_t)k * sizeof *c->cerr);
        for (int r = 0; r < n; r++) {
            const double w = t->w ? t->w[r] : 1.0;
            const int bad = t->y[r] != klass;
            if (c->fails[r] == 0) {
                cov += w;
                err += bad ? w : 0;
            } else if (c->fails[r] == 1) {
                c->ccov[c->fsum[r]] += w;
                c->cerr[c->fsum[r]] += bad ? w : 0;
            }
        }
        if (kept == 0 || c->cf <= 0)
            break;
        rate = pess_rate(c, cov, err);
        for (int i = 0; i < k; i++) {
            double ri;
            if (!c->kept[i])
                continue;
            ri = pess_rate(c, cov + c->ccov[i], err + c->cerr[i]);
            if (best < 0 || ri < best_rate) {
                best = i;
                best_rate = ri;
            }
        }
        if (best < 0 || best_rate > rate)
            break;
        c->kept[best] = 0;
        kept--;
        for (int r = 0; r < n; r++)
            if (!c->sat[(size_t)best * n + r]) {
                c->fails[r]--;
                c->fsum[r] -= (unsigned)best;
            }
    }
    for (int i = 0; i < k; i++)
        if (c->kept[i])
            conds[m++] = conds[i];
    *nconds = m;
    *cover = cov;
    *errors = err;
    return 0;
}

/* Duplicate rules: same outcome and the same set of conditions. */
static int same_rule(const nr_rules *r, const nr_rule *a, const nr_rule *b)
{
    if (!same_outcome(r, a, b) || a->nconds != b->nconds)
        return 0;
    for (int i = 0; i < a->nconds; i++) {
        int found = 0;
        for (int j = 0; j < b->nconds && !found; j++)
            found = cond_equal(&a->conds[i], &b->conds[j]);
        if (!found)
            return 0;
    }
    return 1;
}

typedef struct ranked {
    nr_rule rule;
    int order;
} ranked;

static int by_class_confidence(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->rule.klass != b->rule.klass)
        return a->rule.klass < b->rule.klass ? -1 : 1;
    if (a->rule.stats.confidence != b->rule.stats.confidence)
        return a->rule.stats.confidence > b->rule.stats.confidence ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* First rule from index `from` on that is alive and fires on row i; -1:
 * none. */
static int next_firing(const rowview *v, const nr_ruleset *rs, const unsigned char *alive,
                       int from, int i)
{
    for (int k = from; k < rs->nrules; k++)
        if (alive[k] && rule_holds(v, &rs->rules[k], i))
            return k;
    return -1;
}

/* The majority class of the rows no rule takes (first < 0), else of all. */
static int uncovered_majority(const nr_table *t, const int *first, int K, double *cnt)
{
    int best = 0, any = 0;
    memset(cnt, 0, (size_t)K * sizeof *cnt);
    for (int i = 0; i < t->nrows; i++)
        if (first[i] < 0) {
            cnt[t->y[i]] += t->w ? t->w[i] : 1.0;
            any = 1;
        }
    if (!any)
        for (int i = 0; i < t->nrows; i++)
            cnt[t->y[i]] += t->w ? t->w[i] : 1.0;
    for (int k = 1; k < K; k++)
        if (cnt[k] > cnt[best])
            best = k;
    return best;
}

/* Choose the default class of the ordered list r->rs, the majority of the
 * rows no rule covers.  With `prune`, then delete the rules whose removal
 * adds no error on the table (a deleted rule's rows fall to the next rule
 * that fires, or the default), choose the default again, and repeat until
 * nothing changes. */
static int finish_list(const rowview *v, const nr_table *t, nr_rules *r, int prune)
{
    nr_ruleset *rs = &r->rs;
    const int n = t->nrows, K = r->nclasses;
    int *first = malloc(((size_t)n + 1) * sizeof *first);
    int *second = malloc(((size_t)n + 1) * sizeof *second);
    unsigned char *alive = malloc((size_t)rs->nrules + 1);
    double *delta = malloc(((size_t)rs->nrules + 1) * sizeof *delta);
    double *cnt = malloc((size_t)K * sizeof *cnt);
    int def, m = 0, rc = 0;

    if (!first || !second || !alive || !delta || !cnt) {
        rc = NR_ENOMEM;
        goto done;
    }
    memset(alive, 1, (size_t)rs->nrules + 1);
    for (int i = 0; i < n; i++) {
        first[i] = next_firing(v, rs, alive, 0, i);
        second[i] = first[i] < 0 ? -1 : next_firing(v, rs, alive, first[i] + 1, i);
    }
    def = uncovered_majority(t, first, K, cnt);
    for (int round = 0; prune && round < 100; round++) {
        int changed = 0, nd;
        for (;;) {
            int best = -1;
            for (int k = 0; k < rs->nrules; k++)
                delta[k] = 0;
            for (int i = 0; i < n; i++) {
                const int f = first[i], s = second[i], y = t->y[i];
                if (f < 0)
                    continue;
                delta[f] += (t->w ? t->w[i] : 1.0) *
                            ((y != (s < 0 ? def : rs->rules[s].klass)) - (y != rs->rules[f].klass));
            }
            for (int k = 0; k < rs->nrules; k++)
                if (alive[k] && (best < 0 || delta[k] <= delta[best]))
                    best = k; /* ties: the later rule */
            if (best < 0 || delta[best] > 1e-9)
                break;
            alive[best] = 0;
            changed = 1;
            for (int i = 0; i < n; i++) {
                if (first[i] == best) {
                    first[i] = second[i];
                    second[i] = first[i] < 0 ? -1 : next_firing(v, rs, alive, first[i] + 1, i);
                } else if (second[i] == best) {
                    second[i] = next_firing(v, rs, alive, best + 1, i);
                }
            }
        }
        nd = uncovered_majority(t, first, K, cnt);
        if (!changed && nd == def)
            break;
        def = nd;
    }
    for (int k = 0; k < rs->nrules; k++)
        if (alive[k])
            rs->rules[m++] = rs->rules[k];
    rs->nrules = m;
    rs->default_class = def;
done:
    free(first);
    free(second);
    free(alive);
    free(delta);
    free(cnt);
    return rc;
}

int nr_tree_to_rules(nr_rules *r, const nr_table *t, double cf, nr_error *err)
{
    const nr_tree *tree = &r->tree;
    const int nn = tree->nnodes, K = r->nclasses;
    rowview v;
    c45 c;
    int *parent = NULL, *stack = NULL, *leaves = NULL;
    unsigned char *seen = NULL;
    nr_cond *path = NULL;
    ranked *out = NULL;
    double *share = NULL; /* per class: its share of the rows' weight */
    int nleaves = 0, nout = 0, rc = 0, have_view = 0;
    double total = 0;

    memset(&c, 0, sizeof c);
    if (r->kind != NR_BODY_TREE || nn <= 0)
        return nr_error_set(err, NR_EINVAL, "tree to rules: the rules are not a tree");
    if (!t || t->nrows < 0 || (t->nrows > 0 && !t->x))
        return nr_error_set(err, NR_EINVAL, "tree to rules: no table");
    if (K > 0 && t->nrows > 0 && (!t->y || t->nclasses != K))
        return nr_error_set(err, NR_EINVAL,
                            "tree to rules: the table has %d classes, the tree %d",
                            t->nclasses, K);
    for (int i = 0; i < t->nrows; i++) {
        if (K > 0 && (t->y[i] < 0 || t->y[i] >= K))
            return nr_error_set(err, NR_EINVAL, "tree to rules: row %d: class %d is not in 0..%d",
                                i, t->y[i], K - 1);
        if (t->w && !(t->w[i] >= 0))
            return nr_error_set(err, NR_EINVAL, "tree to rules: row %d: negative weight", i);
        total += t->w ? t->w[i] : 1.0;
    }
    if ((rc = view_of_table(&v, t, err)) < 0)
        return rc;
    have_view = 1;

    parent = malloc((size_t)nn * sizeof *parent);
    stack = malloc((size_t)nn * sizeof *stack);
    leaves = malloc((size_t)nn * sizeof *leaves);
    seen = calloc((size_t)nn, 1);
    path = malloc((size_t)nn * sizeof *path);
    out = calloc((size_t)nn, sizeof *out);
    share = calloc((size_t)K + 1, sizeof *share);
    c.fails = malloc(((size_t)t->nrows + 1) * sizeof *c.fails);
    c.fsum = malloc(((size_t)t->nrows + 1) * sizeof *c.fsum);
    if (!parent || !stack || !leaves || !seen || !path || !out || !share || !c.fails || !c.fsum)
        goto nomem;

    /* leaves in preorder (yes before no), parents, and a sane shape */
    {
        int m = 0;
        stack[m++] = 0;
        parent[0] = -1;
        seen[0] = 1;
        while (m > 0) {
            int id = stack[--m];
            const nr_node *nd = &tree->nodes[id];
            if (nd->leaf) {
                if (K > 0 && (nd->klass < 0 || nd->klass >= K)) {
                    rc = nr_error_set(err, NR_EFORMAT, "tree to rules: leaf %d: class %d",
                                      id, nd->klass);
                    goto done;
                }
                leaves[nleaves++] = id;
                continue;
            }
            if (nd->yes <= 0 || nd->yes >= nn || nd->no <= 0 || nd->no >= nn ||
                seen[nd->yes] || seen[nd->no] || nd->yes == nd->no) {
                rc = nr_error_set(err, NR_EFORMAT, "tree to rules: node %d: bad children", id);
                goto done;
            }
            if (!view_has(&v, &nd->test)) {
                rc = nr_error_set(err, NR_EINVAL,
                                  "tree to rules: node %d tests a variable the table lacks", id);
                goto done;
            }
            seen[nd->yes] = seen[nd->no] = 1;
            parent[nd->yes] = parent[nd->no] = id;
            stack[m++] = nd->no;
            stack[m++] = nd->yes;
        }
    }

    for (int i = 0; i < t->nrows && K > 0; i++)
        share[t->y[i]] += (t->w ? t->w[i] : 1.0) / total;
    c.t = t;
    c.v = &v;
    c.K = K;
    /* without rows there is nothing to judge a condition by: keep them all */
    c.cf = K > 0 && total > 0 ? cf : 0;
    c.z = c.cf > 0 && c.cf < 1 ? upper_z(c.cf) : 0;

    for (int li = 0; li < nleaves; li++) {
        const nr_node *leaf = &tree->nodes[leaves[li]];
        int np = 0, dup = 0;
        double cover = 0, errors = 0;
        for (int id = leaves[li]; parent[id] >= 0; id = parent[id]) {
            const nr_node *p = &tree->nodes[parent[id]];
            if (p->yes == id)
                path[np] = p->test;
            else if ((rc = cond_negate(&p->test, &path[np], r->arena)) < 0)
                goto negate_failed;
            np++;
        }
        for (int i = 0; i < np / 2; i++) { /* root first */
            nr_cond tmp = path[i];
            path[i] = path[np - 1 - i];
            path[np - 1 - i] = tmp;
        }
        if (nr_simplify_conjunction(path, &np))
            continue; /* no row can reach this leaf */
        if (K > 0 && (rc = c45_generalise(&c, path, &np, leaf->klass, &cover, &errors)) < 0)
            goto nomem;
        if (np == 0 && c.cf > 0)
            continue; /* fires always: the default class stands for it */
        /* C4.5rules drops rules left "too inaccurate": a pessimistic error
         * rate above 1/2, or above the error of calling every row this
         * class */
        if (K > 0 && c.cf > 0 && (pess_rate(&c, cover, errors) > 0.5 ||
                                  pess_rate(&c, cover, errors) > 1 - share[leaf->klass]))
            continue;
        out[nout].rule.nconds = np;
        out[nout].rule.klass = leaf->klass;
        out[nout].rule.value = leaf->value;
        set_stats(&out[nout].rule.stats, cover, cover - errors, K);
        out[nout].order = nout;
        for (int j = 0; j < nout && !dup; j++) {
            nr_rule tmp = out[nout].rule;
            tmp.conds = path;
            dup = same_rule(r, &tmp, &out[j].rule);
        }
        if (dup)
            continue;
        out[nout].rule.conds = nr_arena_calloc(r->arena, (size_t)(np > 0 ? np : 1), sizeof *path);
        if (!out[nout].rule.conds)
            goto nomem;
        memcpy(out[nout].rule.conds, path, (size_t)np * sizeof *path);
        nout++;
    }

    if (K > 0)
        qsort(out, (size_t)nout, sizeof *out, by_class_confidence);

    r->rs.kind = NR_ORDERED;
    r->rs.policy = NR_POLICY_FIRST;
    r->rs.nrules = nout;
    r->rs.rules = nr_arena_calloc(r->arena, (size_t)(nout > 0 ? nout : 1), sizeof *r->rs.rules);
    if (!r->rs.rules)
        goto nomem;
    for (int i = 0; i < nout; i++)
        r->rs.rules[i] = out[i].rule;
    r->rs.default_value = tree->nodes[0].value;
    r->rs.default_class = tree->nodes[0].klass;
    if (K > 0 && total > 0 && (rc = finish_list(&v, t, r, c.cf > 0)) < 0)
        goto nomem;
    r->kind = NR_BODY_RULESET;
    r->tree.nnodes = 0;
    r->tree.nodes = NULL;
    if ((rc = nr_simplify_ruleset(r, err)) < 0)
        goto done;
    rc = stats_rows(r, &v, K > 0 ? t->y : NULL, K > 0 ? NULL : t->yv, t->w, t->nrows, err);
    goto done;

negate_failed:
    if (rc == NR_EUNSUP) {
        rc = nr_error_set(err, NR_EUNSUP, "tree to rules: nested m-of-n test");
        goto done;
    }
nomem:
    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
done:
    if (have_view)
        view_free(&v);
    free(parent);
    free(stack);
    free(leaves);
    free(seen);
    free(path);
    free(out);
    free(share);
    free(c.fails);
    free(c.fsum);
    free(c.sat);
    free(c.ccov);
    free(c.cerr);
    free(c.kept);
    return rc;
}

/* ---- rounding for display ------------------------------------------------ */

static void round_cond(nr_cond *c, int digits)
{
    char buf[32];
    float t;
    if (c->op == NR_MOFN) {
        for (int i = 0; i < c->n; i++)
            round_cond(&c->sub[i], digits);
        return;
    }
    if ((c->op != NR_LE && c->op != NR_GT) || !isfinite(c->t))
        return;
    snprintf(buf, sizeof buf, "%.*g", digits, (double)c->t);
    t = strtof(buf, NULL);
    /* a threshold rounded past the float range stays what it was */
    if (isfinite(t))
        c->t = t;
}

int nr_round_thresholds(nr_rules *r, int digits, nr_error *err)
{
    if (digits < 1 || digits > 9)
        return nr_error_set(err, NR_EINVAL, "a precision of %d digits: it must be 1 to 9", digits);
    switch (r->kind) {
    case NR_BODY_TREE:
        for (int i = 0; i < r->tree.nnodes; i++)
            if (!r->tree.nodes[i].leaf)
                round_cond(&r->tree.nodes[i].test, digits);
        return 0;
    case NR_BODY_RULESET:
        for (int i = 0; i < r->rs.nrules; i++)
            for (int k = 0; k < r->rs.rules[i].nconds; k++)
                round_cond(&r->rs.rules[i].conds[k], digits);
        return nr_simplify_ruleset(r, err);
    case NR_BODY_LINEAR:
        for (int i = 0; i < r->lin.nterms; i++)
            if (r->lin.terms[i].indicator)
                round_cond(&r->lin.terms[i].cond, digits);
        return 0;
    }
    return 0;
}
