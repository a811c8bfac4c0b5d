/*
 * extract_decomp.c - the decompositional extractors' machinery (see
 * extract_decomp.h): rules over a network's hidden units, rewritten layer by
 * layer down to its inputs.  CRED (extract_cred.c) is the one-hidden-layer
 * case, DeepRED (extract_deepred.c) any depth, ECLAIRE (extract_eclaire.c)
 * the variant without product expansion.
 *
 *  1. Run the network on the inputs; keep every hidden layer's activations
 *     and the predicted classes.  The "bottom" the rules end on is the
 *     inputs, or, when the network's front is convolutional, the flattened
 *     feature maps its first dense layer reads.
 *  2. For each class, a tree from the last hidden layer to "is this class":
 *     each leaf that says so is a rule over hidden-unit conditions,
 *     `h_j > t and h_k <= u`.
 *  3. From the last hidden layer down: for each distinct cut (unit j at t)
 *     in the rules, a tree from the layer below to `h_j > t`, whose leaves
 *     give rules for the cut's two sides; those are substituted at once
 *     (REM-D), expanding each rule's product and dropping unsatisfiable and
 *     redundant conditions (the tightest threshold per variable and
 *     direction).  The cuts are shared: each is explained once, whichever
 *     rules and classes use it.
 *  4. Every conjunction carries the set of rows (a bitset) on which it
 *     holds, the intersection of its factors' sets; a product that no row
 *     satisfies is dropped as soon as it appears, so the expansion is
 *     bounded by the data rather than by the product of the sub-rules'
 *     counts.  Identical conjunctions of a class are merged after each
 *     layer.
 *  5. The bottom-level rules are candidates: greedy forward selection adds,
 *     one at a time, the rule that most raises agreement with the network
 *     on the rows, until --max-rules, or, by default, up to the number
 *     chosen on held-out rows (5 folds below 5,000 rows, else one 30% part:
 *     the smallest within --tolerance of the best).  The chosen rules make
 *     an unordered set (the most confident fired rule decides, or every
 *     fired rule votes its confidence), the majority of the rows no rule
 *     covers the default class.
 *
 * Each expansion is bounded by --max-terms besides: a rule whose
 * substitution at a layer would give more conjunctions stops extraction
 * with a message that names the class and the layer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_decomp.h"
#include "parallel.h"
#include "passes.h"
#include "progress.h"

/* ---- sets of rows ----------------------------------------------------------- */

typedef uint64_t word;

static int nwords(int n)
{
    return (n + 63) / 64;
}

static long count_bits(const word *a, int nw)
{
    long c = 0;
    for (int i = 0; i < nw; i++)
        c += __builtin_popcountll(a[i]);
    return c;
}

/* dst = a & b; whether any bit is left */
static int and_bits(word *dst, const word *a, const word *b, int nw)
{
    word any = 0;
    for (int i = 0; i < nw; i++)
        any |= dst[i] = a[i] & b[i];
    return any != 0;
}

static void all_rows(word *a, int n)
{
    int nw = nwords(n);
    memset(a, 0xff, (size_t)nw * sizeof *a);
    if (n % 64)
        a[nw - 1] = ((word)1 << (n % 64)) - 1;
}

/* ---- conjunctions and their disjunctions -------------------------------- */

typedef struct conj {
    int n;
    nr_cond *c;
    word *rows;        /* the rows on which it holds; NULL: not known */
} conj;

typedef struct dnf {
    int n, cap;
    conj *t;
} dnf;

static void dnf_free(dnf *d)
{
    for (int i = 0; i < d->n; i++) {
        free(d->t[i].c);
        free(d->t[i].rows);
    }
    free(d->t);
    memset(d, 0, sizeof *d);
}

/* A canonical order of conditions (variable, then operator, then value),
 * so that equal conjunctions have equal arrays. */
static int cond_cmp(const void *pa, const void *pb)
{
    const nr_cond *a = pa, *b = pb;
    if (a->var.kind != b->var.kind)
        return a->var.kind < b->var.kind ? -1 : 1;
    if (a->var.layer != b->var.layer)
        return a->var.layer < b->var.layer ? -1 : 1;
    if (a->var.index != b->var.index)
        return a->var.index < b->var.index ? -1 : 1;
    if (a->op != b->op)
        return a->op < b->op ? -1 : 1;
    return a->t < b->t ? -1 : a->t > b->t ? 1 : 0;
}

static int conj_cmp(const void *pa, const void *pb)
{
    const conj *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = 0; i < a->n; i++) {
        int c = cond_cmp(&a->c[i], &b->c[i]);
        if (c)
            return c;
    }
    return 0;
}

/* Append a copy of the conjunction of a and b (either may be NULL),
 * simplified and in canonical order; an unsatisfiable one is left out.
 * rows (nw words, may be NULL) is copied as its rows. */
static int dnf_add(dnf *d, const conj *a, const conj *b, const word *rows, int nw)
{
    conj t;
    t.n = (a ? a->n : 0) + (b ? b->n : 0);
    t.c = malloc(((size_t)t.n + 1) * sizeof *t.c);
    t.rows = NULL;
    if (!t.c)
        return NR_ENOMEM;
    if (a && a->n)
        memcpy(t.c, a->c, (size_t)a->n * sizeof *t.c);
    if (b && b->n)
        memcpy(t.c + (a ? a->n : 0), b->c, (size_t)b->n * sizeof *t.c);
    if (nr_simplify_conjunction(t.c, &t.n)) {
        free(t.c);
        return 0;
    }
    qsort(t.c, (size_t)t.n, sizeof *t.c, cond_cmp);
    if (rows) {
        if (!(t.rows = malloc((size_t)nw * sizeof *t.rows))) {
            free(t.c);
            return NR_ENOMEM;
        }
        memcpy(t.rows, rows, (size_t)nw * sizeof *t.rows);
    }
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 8;
        conj *nt = realloc(d->t, (size_t)cap * sizeof *nt);
        if (!nt) {
            free(t.c);
            free(t.rows);
            return NR_ENOMEM;
        }
        d->t = nt;
        d->cap = cap;
    }
    d->t[d->n++] = t;
    return 0;
}

/* Drop repeated conjunctions (the first of equal ones stays). */
static void dnf_unique(dnf *d)
{
    int k = 0;
    if (d->n < 2)
        return;
    qsort(d->t, (size_t)d->n, sizeof *d->t, conj_cmp);
    for (int i = 0; i < d->n; i++) {
        if (k > 0 && conj_cmp(&d->t[k - 1], &d->t[i]) == 0) {
            free(d->t[i].c);
            free(d->t[i].rows);
            continue;
        }
        d->t[k++] = d->t[i];
    }
    d->n = k;
}

static nr_cond negate(nr_cond c)
{
    static const nr_cond_op opposite[] = {[NR_LE] = NR_GT, [NR_GT] = NR_LE, [NR_EQ] = NR_NE,
                                          [NR_NE] = NR_EQ, [NR_TRUE] = NR_FALSE,
                                          [NR_FALSE] = NR_TRUE};
    c.op = opposite[c.op];
    return c;
}

/* The paths of tree tr to its leaves of class want, as conjunctions, with
 * their rows when leafrows (per node, nw words each) is given.  Depth first
 * with a stack of (node, depth, how it was reached): when a node is popped,
 * path[0..depth) holds the tests down to it, its own entry written from its
 * parent's test (negated on the no side). */
static int tree_paths(const nr_tree *tr, int want, const word *leafrows, int nw, dnf *out)
{
    typedef struct { int id, depth, parent, no; } item;
    item *stack = malloc(((size_t)tr->nnodes + 1) * sizeof *stack);
    nr_cond *path = malloc(((size_t)tr->nnodes + 1) * sizeof *path);
    int sp = 0, rc = 0;
    if (!stack || !path) {
        rc = NR_ENOMEM;
        goto done;
    }
    stack[sp++] = (item){0, 0, -1, 0};
    while (sp > 0 && rc == 0) {
        item it = stack[--sp];
        const nr_node *nd = &tr->nodes[it.id];
        if (it.parent >= 0) {
            nr_cond t = tr->nodes[it.parent].test;
            path[it.depth - 1] = it.no ? negate(t) : t;
        }
        if (nd->leaf) {
            if (nd->klass == want) {
                conj c = {it.depth, path, NULL};
                rc = dnf_add(out, &c, NULL, leafrows ? leafrows + (size_t)it.id * nw : NULL, nw);
            }
            continue;
        }
        stack[sp++] = (item){nd->no, it.depth + 1, it.id, 1};
        stack[sp++] = (item){nd->yes, it.depth + 1, it.id, 0};
    }
done:
    free(stack);
    free(path);
    return rc;
}

/* ---- the network's layers ------------------------------------------------ */

static int float_cmp(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return a < b ? -1 : a > b;
}

/* A matrix of values per row that conditions can name: the inputs, the
 * flattened feature maps under a dense head, or a hidden layer. */
typedef struct level {
    const float *x;    /* n * width */
    int width;
    nr_var_kind kind;
    int layer;         /* NR_VAR_HIDDEN: its runtime layer */
    /* a hidden layer's cut points: trees grow on xq, where each value is
     * the least of its unit's edges not below it (edges[u * ncuts ..], nedges[u]
     * of them, ascending, the last the unit's largest value; next[]: the
     * least value above each edge); NULL: on x */
    float *xq, *edges, *next;
    int *nedges, ncuts;
} level;

/* Give hidden level l at most `cuts` cut points per unit, at quantiles of
 * its n values: a unit whose activations take thousands of values
 * otherwise gives as many distinct conditions, each a tree to grow one
 * layer down. */
static int level_quantize(level *l, int n, int cuts)
{
    float *col = malloc(((size_t)n + 1) * sizeof *col);
    l->ncuts = cuts;
    l->xq = malloc(((size_t)n * l->width + 1) * sizeof *l->xq);
    l->edges = malloc(((size_t)l->width * cuts + 1) * sizeof *l->edges);
    l->next = malloc(((size_t)l->width * cuts + 1) * sizeof *l->next);
    l->nedges = malloc(((size_t)l->width + 1) * sizeof *l->nedges);
    if (!col || !l->xq || !l->edges || !l->next || !l->nedges) {
        free(col);
        return NR_ENOMEM;
    }
    for (int u = 0; u < l->width; u++) {
        float *e = l->edges + (size_t)u * cuts;
        int ne = 0;
        for (int i = 0; i < n; i++)
            col[i] = l->x[(size_t)i * l->width + u];
        qsort(col, (size_t)n, sizeof *col, float_cmp);
        float *nx = l->next + (size_t)u * cuts;
        for (int b = 1; b <= cuts; b++) {
            long at = ((long)b * n + cuts - 1) / cuts - 1;
            float v = col[at];
            if (ne > 0 && v <= e[ne - 1])
                continue;
            while (at + 1 < n && col[at + 1] == v)
                at++;
            e[ne] = v;
            nx[ne++] = at + 1 < n ? col[at + 1] : v;
        }
        l->nedges[u] = ne;
        for (int i = 0; i < n; i++) {
            float v = l->x[(size_t)i * l->width + u];
            int lo = 0, hi = ne - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (e[mid] >= v)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            l->xq[(size_t)i * l->width + u] = e[lo];
        }
    }
    free(col);
    return 0;
}

/* A threshold a tree put between two of unit u's edges, e[k] < t <
 * e[k + 1], moved to the middle of the gap in the real values above e[k]:
 * then `x <= t` on the real values says what `xq <= t` said. */
static float level_snap(const level *l, int u, float t)
{
    const float *e = l->edges + (size_t)u * l->ncuts, *nx = l->next + (size_t)u * l->ncuts;
    int k = -1;
    float mid;
    for (int i = 0; i < l->nedges[u] && e[i] <= t; i++)
        k = i;
    if (k < 0)
        return t;
    mid = (float)(((double)e[k] + (double)nx[k]) / 2);
    return mid >= e[k] && mid < nx[k] ? mid : e[k];
}

/* Whether a layer only maps values one to one (or passes them on). */
static int elementwise(nn_layer_type t)
{
    switch (t) {
    case NN_RELU:
    case NN_LEAKYRELU:
    case NN_SIGMOID:
    case NN_TANH:
    case NN_DROPOUT:
    case NN_SOFTMAX:
    case NN_FLATTEN:
    case NN_BATCHNORM:
        return 1;
    default:
        return 0;
    }
}

/* The runtime layers whose outputs are the dense head's hidden layers (the
 * last layer before each dense layer but the first), into hid; their
 * number, or a negative code.  *bottom: -1 when the first dense layer reads
 * the inputs (through element-wise layers at most), else the runtime layer
 * whose output it reads (the end of a convolutional front). */
static int hidden_layers(const nn_model *m, int *hid, int *bottom, const char *who, nr_error *err)
{
    int ndense = 0, first = -1, conv = 0;
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer_type t = m->layers[i].type;
        if (t == NN_DENSE) {
            if (first < 0)
                first = i;
            if (ndense++ > 0)
                hid[ndense - 2] = i - 1;
        } else if (!elementwise(t)) {
            if (first >= 0)
                return nr_error_set(err, NR_EUNSUP, "%s reads a dense head, and layer %d (%s) "
                                    "comes after a dense layer: -a tree explains any network",
                                    who, i, nn_layer_type_name(t));
            conv = 1;
        }
    }
    if (ndense < 2)
        return nr_error_set(err, NR_EUNSUP, "the network has no hidden dense layer for %s to "
                            "read: -a tree explains it directly", who);
    *bottom = conv ? first - 1 : -1;
    return ndense - 1;
}

/* Each row's activations of layers lay[0..d) (n * size floats each). */
static int activations(const nn_model *m, const int *lay, int d, const float *x, int n, float **h,
                       nr_error *err)
{
    const size_t nin = nn_model_input_size(m);
    const int batch = nn_batch_within(m, 256, NN_WORKSPACE_BUDGET);
    nn_workspace *ws = nn_workspace_new(m, batch);
    nn_error nerr;
    int rc = 0;
    if (!ws)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int r0 = 0; r0 < n && rc == 0; r0 += batch) {
        int k = n - r0 < batch ? n - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, k, NULL, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            break;
        }
        for (int j = 0; j < d; j++) {
            size_t sz = nn_layer_size(m, lay[j]);
            memcpy(h[j] + (size_t)r0 * sz, nn_activation(ws, lay[j]), (size_t)k * sz * sizeof *h[j]);
        }
    }
    nn_workspace_free(ws);
    return rc;
}

/* ---- what every decompositional extractor starts from ---------------------- */

typedef struct decomp {
    nr_rules *r;
    nr_inputs in;
    int d, K, n, nw;
    int *hid;          /* the hidden layers' runtime layer indices */
    int bottom;        /* -1: the inputs; else the runtime layer under the dense head */
    float **h;         /* activations of hid[0..d), then of the bottom layer */
    level *lv;         /* lv[0]: the bottom; lv[j + 1]: hidden layer j */
    int *y, *z;        /* the network's classes; scratch labels */
    int nreal;         /* drawn from a profile: rows 0..nreal-1 are its kept
                          (real) rows, the rest drawn around them */
    const int *src;    /* then: the kept row each drawn row came from */
    int *nvalues;      /* per bottom column: nominal values (0: none) */
    unsigned char *boolean;
    word *yes;         /* K sets: the rows of each class */
    nr_arena *scratch; /* the trees' nodes */
} decomp;

static void decomp_close(decomp *s)
{
    for (int j = 0; s->lv && j <= s->d; j++) {
        free(s->lv[j].xq);
        free(s->lv[j].edges);
        free(s->lv[j].next);
        free(s->lv[j].nedges);
    }
    for (int j = 0; s->h && j <= s->d; j++)
        free(s->h[j]);
    free(s->h);
    free(s->lv);
    free(s->hid);
    free(s->y);
    free(s->z);
    free(s->nvalues);
    free(s->boolean);
    free(s->yes);
    nr_arena_free(s->scratch);
    nr_inputs_free(&s->in);
    nr_rules_free(s->r);
    memset(s, 0, sizeof *s);
}

static int decomp_open(decomp *s, const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const char *who, int max_hidden, int hidden_cuts, nr_error *err)
{
    nr_rng rng;
    int rc, any_nominal = 0;
    memset(s, 0, sizeof *s);
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "%s explains classifiers; this network is a regression", who);
    if (!(s->hid = malloc(((size_t)m->nlayers + 2) * sizeof *s->hid)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = s->d = hidden_layers(m, s->hid, &s->bottom, who, err)) < 0) {
        s->d = 0;
        goto fail;
    }
    if (s->d > max_hidden) {
        rc = nr_error_set(err, NR_EUNSUP, "%s takes one hidden layer and the network has %d "
                          "(-a deepred and -a eclaire read any number)", who, s->d);
        goto fail;
    }
    if (!(s->r = nr_rules_new()) || !(s->scratch = nr_arena_new()) ||
        !(s->h = calloc((size_t)s->d + 1, sizeof *s->h)) ||
        !(s->lv = calloc((size_t)s->d + 1, sizeof *s->lv))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = nr_rules_header_from_model(s->r, m, err)) < 0)
        goto fail;
    s->K = s->r->nclasses;
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &s->in, err)) < 0)
        goto fail;
    if (s->in.from_profile && s->in.src && m->profile->nrows >= 20) {
        /* the profile's real rows go first: they learn with the samples,
         * and they alone judge the number of rules */
        const int hn = m->profile->nrows, nin = (int)nn_model_input_size(m);
        float *x = malloc(((size_t)hn + s->in.nrows) * nin * sizeof *x);
        if (!x) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(x, m->profile->rows, (size_t)hn * nin * sizeof *x);
        memcpy(x + (size_t)hn * nin, s->in.x, (size_t)s->in.nrows * nin * sizeof *x);
        free(s->in.owned);
        s->in.owned = x;
        s->in.x = x;
        s->in.nrows += hn;
        s->nreal = hn;
        s->src = s->in.src;
    }
    s->n = s->in.nrows;
    s->nw = nwords(s->n);
    /* hid[d]: the bottom layer, when it is not the inputs */
    s->hid[s->d] = s->bottom;
    for (int j = 0; j < s->d + (s->bottom >= 0); j++)
        if (!(s->h[j] = malloc((size_t)s->n * nn_layer_size(m, s->hid[j]) * sizeof **s->h))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto fail;
        }
    s->y = malloc((size_t)s->n * sizeof *s->y);
    s->z = malloc((size_t)s->n * sizeof *s->z);
    s->yes = calloc((size_t)s->K * s->nw, sizeof *s->yes);
    if (!s->y || !s->z || !s->yes) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    if ((rc = nr_label_rows(m, s->in.x, s->n, s->y, NULL, err)) == 0)
        rc = activations(m, s->hid, s->d + (s->bottom >= 0), s->in.x, s->n, s->h, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto fail;
    for (int i = 0; i < s->n; i++)
        s->yes[(size_t)s->y[i] * s->nw + i / 64] |= (word)1 << (i % 64);
    for (int j = 0; j < s->d; j++) {
        s->lv[j + 1] = (level){s->h[j], (int)nn_layer_size(m, s->hid[j]), NR_VAR_HIDDEN, s->hid[j],
                               NULL, NULL, NULL, NULL, 0};
        if (hidden_cuts > 0 && level_quantize(&s->lv[j + 1], s->n, hidden_cuts) < 0) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (s->bottom >= 0) {
        s->lv[0] = (level){s->h[s->d], (int)nn_layer_size(m, s->bottom), NR_VAR_HIDDEN, s->bottom,
                           NULL, NULL, NULL, NULL, 0};
        return 0;
    }
    s->lv[0] = (level){s->in.x, (int)nn_model_input_size(m), NR_VAR_INPUT, 0, NULL, NULL, NULL, NULL, 0};
    s->boolean = calloc((size_t)s->lv[0].width, 1);
    s->nvalues = calloc((size_t)s->lv[0].width, sizeof *s->nvalues);
    if (!s->boolean || !s->nvalues) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = any_nominal = nr_input_columns(s->r, rows, s->boolean, s->nvalues, err)) < 0)
        goto fail;
    if (!any_nominal) {
        free(s->nvalues);
        s->nvalues = NULL;
    }
    return 0;
fail:
    decomp_close(s);
    return rc;
}

/* The level whose columns var names. */
static const level *level_of(const decomp *s, const nr_var *v)
{
    for (int j = 0; j <= s->d; j++)
        if (s->lv[j].kind == v->kind && (v->kind == NR_VAR_INPUT || s->lv[j].layer == v->layer))
            return &s->lv[j];
    return NULL;
}

/* The rows on which conjunction c holds, into out (nw words). */
static void conj_rows(const decomp *s, const conj *c, word *out)
{
    const level *lv[64];
    int k = c->n < 64 ? c->n : 64;
    for (int j = 0; j < k; j++)
        lv[j] = level_of(s, &c->c[j].var);
    memset(out, 0, (size_t)s->nw * sizeof *out);
    for (int i = 0; i < s->n; i++) {
        int holds = 1;
        for (int j = 0; j < c->n && holds; j++) {
            const level *l = j < 64 ? lv[j] : level_of(s, &c->c[j].var);
            holds = nr_cond_test_value(&c->c[j], l->x[(size_t)i * l->width + c->c[j].var.index]);
        }
        if (holds)
            out[i / 64] |= (word)1 << (i % 64);
    }
}


/* --min-cases: as given, or (auto) 0.5% of the rows and at least 2, so
 * that trees on many rows (thousands of samples, say) stay as general as
 * on a few hundred. */
static double min_cases_of(const decomp *s, double given)
{
    double auto_min = 0.005 * s->n;
    return given > 0 ? given : auto_min > 2 ? auto_min : 2;
}

/* A tree on the columns of level l (with the bottom's Boolean and nominal
 * columns when l is it) to the labels z, with the given least cases. */
static int grow(const decomp *s, const level *l, const int *z, int nclasses, double min_cases,
                const nr_decomp_settings *ds, nr_arena *arena, nr_tree *tr, nr_error *err)
{
    nr_table t;
    nr_tree_opts to;
    int rc;
    nr_tree_opts_default(&to);
    to.min_leaf = min_cases_of(s, min_cases);
    to.cf = ds->cf;
    memset(&t, 0, sizeof t);
    t.nrows = s->n;
    t.ncols = l->width;
    t.x = l->xq ? l->xq : l->x;
    t.y = z;
    t.nclasses = nclasses;
    t.var_kind = l->kind;
    t.var_layer = l->kind == NR_VAR_HIDDEN ? l->layer : 0;
    if (l == &s->lv[0]) {
        t.boolean = s->boolean;
        t.nvalues = s->nvalues;
    }
    if ((rc = nr_tree_induce(&t, &to, arena, tr, err)) < 0 || !l->xq)
        return rc;
    for (int i = 0; i < tr->nnodes; i++) {
        nr_cond *c = &tr->nodes[i].test;
        if (!tr->nodes[i].leaf && (c->op == NR_LE || c->op == NR_GT))
            c->t = level_snap(l, c->var.index, c->t);
    }
    return 0;
}

/* The rows that reach each leaf of tr (grown on level l), into a malloc'd
 * array of nw words per node; NULL when out of memory. */
static word *leaf_rows(const decomp *s, const nr_tree *tr, const level *l)
{
    word *rows = calloc((size_t)tr->nnodes * s->nw, sizeof *rows);
    if (!rows)
        return NULL;
    for (int i = 0; i < s->n; i++) {
        const float *x = l->x + (size_t)i * l->width;
        int node = 0;
        while (!tr->nodes[node].leaf) {
            const nr_node *nd = &tr->nodes[node];
            node = nr_cond_test_value(&nd->test, x[nd->test.var.index]) ? nd->yes : nd->no;
        }
        rows[(size_t)node * s->nw + i / 64] |= (word)1 << (i % 64);
    }
    return rows;
}

/* The paths of tr (grown on level l) to its leaves of class want, with
 * their rows, appended to out. */
static int paths_with_rows(const decomp *s, const nr_tree *tr, const level *l, int want, dnf *out)
{
    word *rows = leaf_rows(s, tr, l);
    int rc = rows ? tree_paths(tr, want, rows, s->nw, out) : NR_ENOMEM;
    free(rows);
    return rc;
}

/* ---- rules through the layers -------------------------------------------- */

/* A cut of a unit at t, and the rules one layer down for its sides. */
typedef struct cut {
    int unit;
    float t;
    dnf above, below;  /* unit > t, unit <= t */
} cut;

static int cut_cmp(const void *pa, const void *pb)
{
    const cut *a = pa, *b = pb;
    if (a->unit != b->unit)
        return a->unit < b->unit ? -1 : 1;
    return a->t < b->t ? -1 : a->t > b->t ? 1 : 0;
}

/* Growing the trees that explain the cuts, one task each. */
typedef struct cut_job {
    const decomp *s;
    cut *cuts;
    const level *up, *down;
    const nr_decomp_settings *ds;
    nr_progress *progress;
} cut_job;

static int explain_cut(void *ctx, int u, nr_error *err)
{
    const cut_job *j = ctx;
    const decomp *s = j->s;
    cut *c = &j->cuts[u];
    int *z = malloc(((size_t)s->n + 1) * sizeof *z), rc;
    nr_arena *arena = nr_arena_new();
    nr_tree tr;
    if (!z || !arena) {
        free(z);
        nr_arena_free(arena);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < s->n; i++)
        z[i] = j->up->x[(size_t)i * j->up->width + c->unit] > c->t;
    if ((rc = grow(s, j->down, z, 2, j->ds->min_cases, j->ds, arena, &tr, err)) == 0 &&
        (paths_with_rows(s, &tr, j->down, 1, &c->above) < 0 ||
         paths_with_rows(s, &tr, j->down, 0, &c->below) < 0))
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    free(z);
    nr_arena_free(arena);
    return rc;
}

static void cuts_done(void *ctx, int ndone)
{
    nr_progress_update(((cut_job *)ctx)->progress, ndone);
}

/* Replace each class's rules over level `up` (hidden layer j) by their
 * expansion over level `down`: for every distinct cut a tree from `down`
 * says when it holds, and each rule's product of those rules is expanded,
 * a product that no row satisfies dropped on the spot.  `what` names the
 * layer in messages. */
static int substitute(decomp *s, dnf *cls, const level *up, const level *down,
                      const nr_decomp_settings *ds, const char *what, nr_progress *progress,
                      nr_error *err)
{
    const int n = s->n, nw = s->nw;
    size_t nconds = 1;
    int ncuts = 0, rc = 0;
    cut *cuts;
    word *tmp = malloc((size_t)nw * sizeof *tmp);
    for (int k = 0; k < s->K; k++)
        for (int i = 0; i < cls[k].n; i++)
            nconds += (size_t)cls[k].t[i].n;
    cuts = calloc(nconds, sizeof *cuts);
    if (!tmp || !cuts) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < s->K; k++)
        for (int i = 0; i < cls[k].n; i++)
            for (int c = 0; c < cls[k].t[i].n; c++) {
                cuts[ncuts].unit = cls[k].t[i].c[c].var.index;
                cuts[ncuts++].t = cls[k].t[i].c[c].t;
            }
    qsort(cuts, (size_t)ncuts, sizeof *cuts, cut_cmp);
    {
        int u = 0;
        for (int i = 0; i < ncuts; i++)
            if (u == 0 || cut_cmp(&cuts[u - 1], &cuts[i]) != 0)
                cuts[u++] = cuts[i];
        ncuts = u;
    }
    {
        cut_job job = {s, cuts, up, down, ds, progress};
        nr_progress_start(progress, "rules one layer down", ncuts);
        rc = nr_parallel_for(ncuts, explain_cut, &job, cuts_done, err);
        nr_progress_end(progress);
    }
    for (int k = 0; k < s->K && rc == 0; k++) {
        dnf all = {0, 0, NULL};
        for (int i = 0; i < cls[k].n && rc == 0; i++) {
            dnf cur = {0, 0, NULL};
            conj none = {0, NULL, tmp};
            all_rows(tmp, n);
            if (dnf_add(&cur, &none, NULL, tmp, nw) < 0)
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            for (int c = 0; c < cls[k].t[i].n && rc == 0 && cur.n > 0; c++) {
                const nr_cond *hc = &cls[k].t[i].c[c];
                cut key = {hc->var.index, hc->t, {0, 0, NULL}, {0, 0, NULL}};
                const cut *u = bsearch(&key, cuts, (size_t)ncuts, sizeof *cuts, cut_cmp);
                const dnf *side = hc->op == NR_GT ? &u->above : &u->below;
                dnf next = {0, 0, NULL};
                for (int a = 0; a < cur.n && rc == 0; a++)
                    for (int b = 0; b < side->n && rc == 0; b++) {
                        if (!and_bits(tmp, cur.t[a].rows, side->t[b].rows, nw))
                            continue; /* no row satisfies both */
                        if (dnf_add(&next, &cur.t[a], &side->t[b], tmp, nw) < 0)
                            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                        else if (next.n > ds->max_terms)
                            rc = nr_error_set(err, NR_ELIMIT, "class '%s': substituting for %s, a "
                                              "rule over %d conditions expands to more than %d "
                                              "conjunctions that some row satisfies (raise "
                                              "--max-terms, or --min-cases for smaller trees)",
                                              s->r->classes[k], what, cls[k].t[i].n, ds->max_terms);
                    }
                dnf_free(&cur);
                cur = next;
            }
            for (int a = 0; a < cur.n && rc == 0; a++)
                if (dnf_add(&all, &cur.t[a], NULL, cur.t[a].rows, nw) < 0)
                    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            dnf_free(&cur);
        }
        dnf_unique(&all);
        dnf_free(&cls[k]);
        cls[k] = all;
    }
done:
    for (int u = 0; cuts && u < ncuts; u++) {
        dnf_free(&cuts[u].above);
        dnf_free(&cuts[u].below);
    }
    free(cuts);
    free(tmp);
    return rc;
}

/* ---- choosing the rules ---------------------------------------------------- */

/* Candidate rules and how a set of them decides, with each row's current
 * decision by the rules chosen so far. */
typedef struct chooser {
    int R, K, n, nw;
    const word *const *cover; /* per candidate: its rows */
    const int *klass;
    const double *conf;       /* Laplace confidence on all the rows */
    nr_policy policy;
    int dflt;
    const int *y;
    /* state */
    int *best;                /* confidence: the deciding rule of each row, -1: none */
    double *score;            /* vote: n * K sums of confidence */
    int *fired;               /* vote: rules fired per row */
    int *pred;                /* each row's class now */
    unsigned char *chosen;
} chooser;

static void chooser_reset(chooser *c)
{
    for (int i = 0; i < c->n; i++) {
        c->best[i] = -1;
        c->fired[i] = 0;
        c->pred[i] = c->dflt;
    }
    memset(c->score, 0, (size_t)c->n * c->K * sizeof *c->score);
    memset(c->chosen, 0, (size_t)c->R);
}

/* The class row i would get with rule r added. */
static int pred_with(const chooser *c, int r, int i)
{
    if (c->policy == NR_POLICY_VOTE) {
        const double *sc = c->score + (size_t)i * c->K;
        int top = -1;
        double topv = 0;
        for (int k = 0; k < c->K; k++) {
            double v = sc[k] + (k == c->klass[r] ? c->conf[r] : 0);
            if (top < 0 || v > topv) {
                top = k;
                topv = v;
            }
        }
        return top;
    }
    {
        int b = c->best[i];
        if (b < 0 || c->conf[r] > c->conf[b] || (c->conf[r] == c->conf[b] && r < b))
            return c->klass[r];
        return c->pred[i];
    }
}

static void add_rule(chooser *c, int r, const word *use)
{
    for (int w = 0; w < c->nw; w++) {
        word bits = c->cover[r][w] & (use ? use[w] : ~(word)0);
        while (bits) {
            int i = w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            c->pred[i] = pred_with(c, r, i);
            if (c->policy == NR_POLICY_VOTE) {
                c->score[(size_t)i * c->K + c->klass[r]] += c->conf[r];
                c->fired[i]++;
            } else if (c->pred[i] == c->klass[r]) {
                int b = c->best[i];
                if (b < 0 || c->conf[r] > c->conf[b] || (c->conf[r] == c->conf[b] && r < b))
                    c->best[i] = r;
            }
        }
    }
    c->chosen[r] = 1;
}

/* Greedy forward selection on the rows of `use` (NULL: all): up to max
 * rules, each the one that most raises agreement, while one does; their
 * order into order[], their number returned. */
static int choose_greedy(chooser *c, const word *use, int max, int *order)
{
    int norder = 0;
    chooser_reset(c);
    while (norder < max) {
        long best_gain = 0;
        int pick = -1;
        for (int r = 0; r < c->R; r++) {
            long gain = 0;
            if (c->chosen[r])
                continue;
            for (int w = 0; w < c->nw; w++) {
                word bits = c->cover[r][w] & (use ? use[w] : ~(word)0);
                while (bits) {
                    int i = w * 64 + __builtin_ctzll(bits);
                    bits &= bits - 1;
                    gain += (pred_with(c, r, i) == c->y[i]) - (c->pred[i] == c->y[i]);
                }
            }
            if (gain > best_gain) {
                best_gain = gain;
                pick = r;
            }
        }
        if (pick < 0)
            break;
        add_rule(c, pick, use);
        order[norder++] = pick;
    }
    return norder;
}

/* The number of rules to keep, chosen on held-out rows: for each fold the
 * greedy order on the other rows, and agreement on the fold's rows after
 * each rule of it; the smallest count within tol of the best.  Fills the
 * size fields of rep. */
static int choose_count(chooser *c, double tol, uint64_t seed, int nreal, const int *src,
                        nr_extract_report *rep)
{
    const int n = c->n, nw = c->nw, nfolds = nreal > 0 || n < 5000 ? 5 : 1;
    /* with real rows ahead of samples drawn around them, only the real
     * rows are held out, and with each the samples drawn around it */
    const int nperm = nreal > 0 ? nreal : n;
    int *perm = malloc((size_t)n * sizeof *perm), *order = malloc(((size_t)c->R + 1) * sizeof *order);
    long *curve = calloc((size_t)c->R + 2, sizeof *curve), nheld = 0;
    word *fit = malloc((size_t)nw * sizeof *fit), *held = malloc((size_t)nw * sizeof *held);
    int *fold = malloc(((size_t)nperm + 1) * sizeof *fold), rc = 0;
    nr_rng rng;
    if (!perm || !order || !curve || !fit || !held || !fold) {
        rc = NR_ENOMEM;
        goto done;
    }
    nr_rng_seed(&rng, seed);
    nr_deal_folds(&rng, nperm, nfolds, perm, fold);
    /* perm becomes each row's fold (-1: never held out) */
    for (int i = 0; i < nperm; i++)
        perm[i] = fold[i];
    for (int i = nperm; i < n; i++)
        perm[i] = src && src[i - nreal] >= 0 ? perm[src[i - nreal]] : -1;
    for (int f = 0; f < nfolds; f++) {
        int L;
        long agree = 0;
        memset(held, 0, (size_t)nw * sizeof *held);
        memset(fit, 0, (size_t)nw * sizeof *fit);
        for (int i = 0; i < n; i++) {
            if (perm[i] != f)
                fit[i / 64] |= (word)1 << (i % 64);
            else if (i < nperm)
                held[i / 64] |= (word)1 << (i % 64);
        }
        L = choose_greedy(c, fit, c->R, order);
        /* agreement on the held-out rows after 0, 1, ..., L rules, and
         * after L for every larger count */
        chooser_reset(c);
        for (int i = 0; i < n; i++)
            if (held[i / 64] >> (i % 64) & 1) {
                agree += c->pred[i] == c->y[i];
                nheld++;
            }
        curve[0] += agree;
        for (int p = 0; p < L; p++) {
            int r = order[p];
            for (int w = 0; w < nw; w++) {
                word bits = c->cover[r][w] & held[w];
                while (bits) {
                    int i = w * 64 + __builtin_ctzll(bits);
                    bits &= bits - 1;
                    agree += (pred_with(c, r, i) == c->y[i]) - (c->pred[i] == c->y[i]);
                }
            }
            add_rule(c, r, held);
            curve[p + 1] += agree;
        }
        for (int p = L + 1; p <= c->R; p++)
            curve[p] += agree;
    }
    nr_pick_size(curve, c->R, nheld, tol, nreal > 0, rep);
    rep->in_rules = 1;
    rep->candidates = c->R;
done:
    free(perm);
    free(order);
    free(curve);
    free(fit);
    free(held);
    free(fold);
    return rc;
}

/* The candidate rules of cls (those that cover some row) and a chooser
 * over them. */
typedef struct cands {
    chooser c;
    const word **cover;
    int *klass, *ref;  /* candidate i is cls[klass[i]].t[ref[i]] */
    double *conf;
} cands;

static void cands_close(cands *p)
{
    free(p->c.best);
    free(p->c.fired);
    free(p->c.pred);
    free(p->c.score);
    free(p->c.chosen);
    free(p->cover);
    free(p->klass);
    free(p->ref);
    free(p->conf);
    memset(p, 0, sizeof *p);
}

static int cands_open(const decomp *s, const dnf *cls, nr_policy policy, cands *p)
{
    const int K = s->K, n = s->n, nw = s->nw;
    int R = 0;
    long *count = calloc((size_t)K, sizeof *count);
    chooser *c = &p->c;
    memset(p, 0, sizeof *p);
    for (int k = 0; k < K; k++)
        R += cls[k].n;
    p->cover = malloc(((size_t)R + 1) * sizeof *p->cover);
    p->klass = malloc(((size_t)R + 1) * sizeof *p->klass);
    p->ref = malloc(((size_t)R + 1) * sizeof *p->ref);
    p->conf = malloc(((size_t)R + 1) * sizeof *p->conf);
    c->best = malloc(((size_t)n + 1) * sizeof *c->best);
    c->fired = malloc(((size_t)n + 1) * sizeof *c->fired);
    c->pred = malloc(((size_t)n + 1) * sizeof *c->pred);
    c->score = malloc(((size_t)n * K + 1) * sizeof *c->score);
    c->chosen = malloc((size_t)R + 1);
    if (!count || !p->cover || !p->klass || !p->ref || !p->conf || !c->best || !c->fired ||
        !c->pred || !c->score || !c->chosen) {
        free(count);
        cands_close(p);
        return NR_ENOMEM;
    }
    R = 0;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++) {
            const word *yes = s->yes + (size_t)k * nw;
            long cov = count_bits(cls[k].t[i].rows, nw), right = 0;
            if (cov == 0)
                continue;
            for (int w = 0; w < nw; w++)
                right += __builtin_popcountll(cls[k].t[i].rows[w] & yes[w]);
            p->cover[R] = cls[k].t[i].rows;
            p->klass[R] = k;
            p->conf[R] = nr_stats_laplace((double)right, (double)cov, K);
            p->ref[R++] = i;
        }
    for (int i = 0; i < n; i++)
        count[s->y[i]]++;
    c->dflt = 0;
    for (int k = 1; k < K; k++)
        if (count[k] > count[c->dflt])
            c->dflt = k;
    free(count);
    c->R = R;
    c->K = K;
    c->n = n;
    c->nw = nw;
    c->cover = p->cover;
    c->klass = p->klass;
    c->conf = p->conf;
    c->policy = policy;
    c->y = s->y;
    return 0;
}

/* Greedy selection (at most max rules, in the candidates' order) into
 * order[]; their number. */
static int cands_choose(cands *p, int max, int *order)
{
    int nkeep = choose_greedy(&p->c, NULL, max, order);
    memset(p->c.chosen, 0, (size_t)p->c.R);
    for (int i = 0; i < nkeep; i++)
        p->c.chosen[order[i]] = 1;
    nkeep = 0;
    for (int i = 0; i < p->c.R; i++)
        if (p->c.chosen[i])
            order[nkeep++] = i;
    return nkeep;
}

/* Keep of the rules cls (over a hidden layer) only those that greedy
 * selection picks, at most max: the rest would add nothing the network's
 * labels reward, and every condition kept is a tree to grow one layer
 * down. */
static int prune_rules(const decomp *s, dnf *cls, nr_policy policy, int max, nr_error *err)
{
    cands p;
    int *order, nkeep;
    dnf *kept = calloc((size_t)s->K, sizeof *kept);
    if (!kept || cands_open(s, cls, policy, &p) < 0) {
        free(kept);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    if (!(order = malloc(((size_t)p.c.R + 1) * sizeof *order))) {
        free(kept);
        cands_close(&p);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    nkeep = cands_choose(&p, max, order);
    for (int j = 0; j < nkeep; j++) {
        conj *t = &cls[p.klass[order[j]]].t[p.ref[order[j]]];
        if (dnf_add(&kept[p.klass[order[j]]], t, NULL, t->rows, s->nw) < 0) {
            for (int k = 0; k < s->K; k++)
                dnf_free(&kept[k]);
            free(kept);
            free(order);
            cands_close(&p);
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        }
    }
    for (int k = 0; k < s->K; k++) {
        dnf_free(&cls[k]);
        cls[k] = kept[k];
    }
    free(kept);
    free(order);
    cands_close(&p);
    return 0;
}

/* r's body: an unordered rule set deciding by policy, of the conjunctions
 * cls[k] for each class k (every one with its rows), less those that cover
 * no row, and, with choose, only the ones greedy selection keeps (max_rules
 * of them, or as many as held-out rows say); the majority class of the rows
 * no rule covers the default; statistics on the rows. */
static int rules_from(decomp *s, nr_rules *r, dnf *cls, nr_policy policy, int choose,
                      const nr_decomp_settings *ds, uint64_t seed, nr_extract_report *rep,
                      nr_error *err)
{
    const int K = s->K, n = s->n, nw = s->nw;
    int nkeep, rc = 0, *order = NULL;
    long *count = calloc((size_t)K, sizeof *count);
    word *covered = calloc((size_t)nw, sizeof *covered);
    cands p;

    memset(&p, 0, sizeof p);
    if (!count || !covered || cands_open(s, cls, policy, &p) < 0 ||
        !(order = malloc(((size_t)p.c.R + 1) * sizeof *order))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (!choose) {
        nkeep = p.c.R;
        for (int i = 0; i < nkeep; i++)
            order[i] = i;
    } else {
        int max = ds->max_rules;
        if (!max) {
            if (choose_count(&p.c, ds->tolerance, seed, s->nreal, s->src, rep) < 0) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            max = rep->leaves;
        }
        nkeep = cands_choose(&p, max, order);
    }
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = policy;
    r->rs.nrules = 0;
    if (!(r->rs.rules = nr_arena_calloc(r->arena, (size_t)nkeep + 1, sizeof *r->rs.rules))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0; j < nkeep; j++) {
        const conj *t = &cls[p.klass[order[j]]].t[p.ref[order[j]]];
        nr_rule *ru = &r->rs.rules[r->rs.nrules++];
        ru->klass = p.klass[order[j]];
        ru->nconds = t->n;
        if (t->n && !(ru->conds = nr_arena_calloc(r->arena, (size_t)t->n, sizeof *ru->conds))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        if (t->n)
            memcpy(ru->conds, t->c, (size_t)t->n * sizeof *ru->conds);
        for (int w = 0; w < nw; w++)
            covered[w] |= t->rows[w];
    }
    /* the default: the majority of the rows no rule covers (of all rows,
     * when every row is covered) */
    for (int i = 0; i < n; i++)
        if (!(covered[i / 64] >> (i % 64) & 1))
            count[s->y[i]]++;
    r->rs.default_class = p.c.dflt;
    for (int k = 0; k < K; k++)
        if (count[k] > count[r->rs.default_class])
            r->rs.default_class = k;
    if ((rc = nr_simplify_ruleset(r, err)) < 0)
        goto done;
    /* statistics: each rule on every row it covers */
    for (int i = 0; i < r->rs.nrules; i++) {
        nr_rule *ru = &r->rs.rules[i];
        conj t = {ru->nconds, ru->conds, covered};
        const word *yes = s->yes + (size_t)ru->klass * nw;
        long cov, right = 0;
        conj_rows(s, &t, covered);
        cov = count_bits(covered, nw);
        for (int w = 0; w < nw; w++)
            right += __builtin_popcountll(covered[w] & yes[w]);
        ru->stats.has = 1;
        ru->stats.cover = (double)cov;
        ru->stats.correct = (double)right;
        ru->stats.confidence = nr_stats_laplace((double)right, (double)cov, K);
    }
done:
    cands_close(&p);
    free(order);
    free(count);
    free(covered);
    return rc;
}

/* How the rules fit the network on the rows, for the summary: computed
 * from the levels, so that rules over feature maps are measured too. */
static int fit_report(const decomp *s, const nr_rules *r, nr_extract_report *rep, nr_error *err)
{
    const int K = s->K, n = s->n, nw = s->nw, R = r->rs.nrules;
    word *rows = malloc(((size_t)R * nw + 1) * sizeof *rows);
    long *count = calloc((size_t)K, sizeof *count);
    double *score = malloc((size_t)K * sizeof *score);
    if (!rows || !count || !score) {
        free(rows);
        free(count);
        free(score);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int j = 0; j < R; j++) {
        conj t = {r->rs.rules[j].nconds, r->rs.rules[j].conds, NULL};
        conj_rows(s, &t, rows + (size_t)j * nw);
    }
    rep->nrows = n;
    rep->agree = 0;
    for (int i = 0; i < n; i++) {
        int cls = -1;
        double top = 0;
        for (int k = 0; k < K; k++)
            score[k] = 0;
        for (int j = 0; j < R; j++) {
            const nr_rule *ru = &r->rs.rules[j];
            double cf = ru->stats.confidence;
            if (!(rows[(size_t)j * nw + i / 64] >> (i % 64) & 1))
                continue;
            if (r->rs.policy == NR_POLICY_VOTE)
                score[ru->klass] += cf;
            else if (cls < 0 || cf > top) {
                cls = ru->klass;
                top = cf;
            }
        }
        if (r->rs.policy == NR_POLICY_VOTE)
            for (int k = 0; k < K; k++)
                if (score[k] > 0 && (cls < 0 || score[k] > score[cls]))
                    cls = k;
        if (cls < 0)
            cls = r->rs.default_class;
        rep->agree += cls == s->y[i];
        count[s->y[i]]++;
    }
    rep->majority = 0;
    rep->majority_class = 0;
    for (int k = 0; k < K; k++)
        if (count[k] > rep->majority) {
            rep->majority = count[k];
            rep->majority_class = k;
        }
    free(rows);
    free(count);
    free(score);
    return 0;
}

/* The rules over hidden units, cls, as rules of their own (o->intermediate
 * wants them): every conjunction that covers a row, none chosen away. */
static int intermediate(decomp *s, const nn_model *m, dnf *cls, nr_policy policy,
                        const nr_extract_opts *o, const char *algorithm, nr_error *err)
{
    nr_rules *r = NULL;
    nr_decomp_settings none;
    nr_extract_report rep;
    char name[64];
    int rc;
    if (!o->intermediate)
        return 0;
    memset(&none, 0, sizeof none);
    memset(&rep, 0, sizeof rep);
    snprintf(name, sizeof name, "%s-hidden", algorithm);
    if (!(r = nr_rules_new()))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0 ||
        (rc = rules_from(s, r, cls, policy, 0, &none, 0, &rep, err)) < 0 ||
        (rc = nr_set_provenance(r, o, name, err)) < 0) {
        nr_rules_free(r);
        return rc;
    }
    *o->intermediate = r;
    return 0;
}

/* The rules made: provenance, the fit report, handed over in *out. */
static int decomp_finish(decomp *s, const nr_extract_opts *o, const char *algorithm, nr_rules **out,
                         nr_extract_report *rep, nr_error *err)
{
    int rc;
    if ((rc = nr_set_provenance(s->r, o, algorithm, err)) < 0)
        return rc;
    if (rep) {
        rep->sampled = s->in.sampled;
        rep->from_profile = s->in.from_profile;
        if ((rc = fit_report(s, s->r, rep, err)) < 0)
            return rc;
    }
    *out = s->r;
    s->r = NULL;
    return 0;
}

static nr_policy policy_of(const nr_decomp_settings *ds)
{
    return ds->score == 1 ? NR_POLICY_VOTE : NR_POLICY_CONFIDENCE;
}

int nr_extract_decomp(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      const nr_decomp_settings *ds, const char *algorithm, int max_hidden,
                      nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    decomp s;
    dnf *cls = NULL;
    nr_extract_report report;
    int rc, d, K, n;

    *out = NULL;
    memset(&report, 0, sizeof report);
    if ((rc = decomp_open(&s, m, rows, o, strcmp(algorithm, "cred") == 0 ? "CRED" : "DeepRED",
                          max_hidden, ds->hidden_cuts, err)) < 0)
        return rc;
    d = s.d;
    K = s.K;
    n = s.n;
    if (!(cls = calloc((size_t)K, sizeof *cls))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    /* per class, rules over the last hidden layer */
    nr_progress_start(o->progress, "rules over the last hidden layer", K);
    for (int k = 0; k < K && rc == 0; k++) {
        nr_tree tr;
        int any = 0;
        for (int i = 0; i < n; i++)
            any |= (s.z[i] = s.y[i] == k);
        if (!any)
            continue; /* the network never says k: no rule can */
        if ((rc = grow(&s, &s.lv[d], s.z, 2, ds->min_cases, ds, s.scratch, &tr, err)) == 0 &&
            paths_with_rows(&s, &tr, &s.lv[d], 1, &cls[k]) < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(o->progress, k + 1);
    }
    nr_progress_end(o->progress);
    if (rc == 0)
        rc = intermediate(&s, m, cls, policy_of(ds), o, algorithm, err);

    /* down the layers, substituting right after each (REM-D), so that no
     * rule mixes layers and each expansion is bounded on its own */
    for (int j = d - 1; j >= 0 && rc == 0; j--) {
        char what[64];
        if (j > 0)
            snprintf(what, sizeof what, "hidden layer %d (runtime layer %d)", j + 1, s.hid[j]);
        else
            snprintf(what, sizeof what, "the first hidden layer (runtime layer %d)", s.hid[j]);
        if ((rc = prune_rules(&s, cls, policy_of(ds), ds->max_rules > 256 ? ds->max_rules : 256,
                              err)) == 0)
            rc = substitute(&s, cls, &s.lv[j + 1], &s.lv[j], ds, what, o->progress, err);
    }
    if (rc == 0 && (rc = rules_from(&s, s.r, cls, policy_of(ds), 1, ds, o->seed, &report, err)) == 0) {
        if (rep)
            *rep = report;
        rc = decomp_finish(&s, o, algorithm, out, rep, err);
    }
done:
    for (int k = 0; cls && k < K; k++)
        dnf_free(&cls[k]);
    free(cls);
    decomp_close(&s);
    return rc;
}

/* Rewriting ECLAIRE's clauses over the bottom level, one task each. */
typedef struct clause_job {
    const decomp *s;
    const dnf *clauses;
    dnf *out;          /* per clause: the rules that stand in for it */
    const nr_decomp_settings *ds;
    nr_progress *progress;
    int before;        /* clauses rewritten before these */
} clause_job;

static void clauses_done(void *ctx, int ndone)
{
    const clause_job *j = ctx;
    nr_progress_update(j->progress, j->before + ndone);
}

static int rewrite_clause(void *ctx, int c, nr_error *err)
{
    const clause_job *j = ctx;
    const decomp *s = j->s;
    const conj *cl = &j->clauses->t[c];
    int *z, rc;
    nr_arena *arena;
    nr_tree tr;
    if (count_bits(cl->rows, s->nw) == 0)
        return 0;
    z = malloc(((size_t)s->n + 1) * sizeof *z);
    arena = nr_arena_new();
    if (!z || !arena) {
        free(z);
        nr_arena_free(arena);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < s->n; i++)
        z[i] = cl->rows[i / 64] >> (i % 64) & 1;
    if ((rc = grow(s, &s->lv[0], z, 2, j->ds->min_cases, j->ds, arena, &tr, err)) == 0 &&
        paths_with_rows(s, &tr, &s->lv[0], 1, &j->out[c]) < 0)
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    free(z);
    nr_arena_free(arena);
    return rc;
}

int nr_extract_eclaire(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const nr_decomp_settings *ds, nr_rules **out, nr_extract_report *rep,
                       nr_error *err)
{
    decomp s;
    dnf *res = NULL, *hidden = NULL, *lc = NULL;
    nr_extract_report report;
    int rc, K;
    const double hmin = ds->hidden_min_cases > 0 ? ds->hidden_min_cases : ds->min_cases;

    *out = NULL;
    memset(&report, 0, sizeof report);
    if ((rc = decomp_open(&s, m, rows, o, "ECLAIRE", 1 << 30, ds->hidden_cuts, err)) < 0)
        return rc;
    K = s.K;
    if (ds->layers && (ds->layers >> s.d) != 0) {
        rc = nr_error_set(err, NR_EINVAL, "--layers names hidden layer %d, and the network has %d",
                          32 - __builtin_clz(ds->layers), s.d);
        goto done;
    }
    if (!(res = calloc((size_t)K, sizeof *res)) || !(hidden = calloc((size_t)K, sizeof *hidden)) ||
        !(lc = calloc((size_t)K, sizeof *lc))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0; j < s.d && rc == 0; j++) {
        const level *l = &s.lv[j + 1];
        nr_tree tr;
        int total = 0, ndone = 0;
        if (ds->layers && !(ds->layers >> j & 1))
            continue;
        /* a tree from this layer to the network's class ... */
        if ((rc = grow(&s, l, s.y, K, hmin, ds, s.scratch, &tr, err)) < 0)
            break;
        /* ... its clauses, less those greedy selection would not keep ... */
        for (int k = 0; k < K && rc == 0; k++) {
            if (paths_with_rows(&s, &tr, l, k, &lc[k]) < 0)
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            for (int c = 0; c < lc[k].n && rc == 0 && o->intermediate; c++)
                if (dnf_add(&hidden[k], &lc[k].t[c], NULL, lc[k].t[c].rows, s.nw) < 0)
                    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        }
        if (rc == 0)
            rc = prune_rules(&s, lc, policy_of(ds), ds->max_rules > 256 ? ds->max_rules : 256, err);
        for (int k = 0; k < K; k++)
            total += lc[k].n;
        nr_progress_start(o->progress, j + 1 < s.d ? "rewriting a hidden layer's clauses"
                                                   : "rewriting the last hidden layer's clauses", total);
        /* ... and for each, a tree from the inputs to "the clause holds":
         * its rules stand in for the clause, with no product to expand */
        for (int k = 0; k < K && rc == 0; k++) {
            clause_job job = {&s, &lc[k], NULL, ds, o->progress, ndone};
            if (lc[k].n > 0 && !(job.out = calloc((size_t)lc[k].n, sizeof *job.out)))
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            if (rc == 0)
                rc = nr_parallel_for(lc[k].n, rewrite_clause, &job, clauses_done, err);
            ndone += lc[k].n;
            for (int c = 0; c < lc[k].n && job.out; c++) {
                for (int t = 0; t < job.out[c].n && rc == 0; t++)
                    if (dnf_add(&res[k], &job.out[c].t[t], NULL, job.out[c].t[t].rows, s.nw) < 0)
                        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                dnf_free(&job.out[c]);
            }
            free(job.out);
        }
        for (int k = 0; k < K; k++)
            dnf_free(&lc[k]);
        nr_progress_end(o->progress);
    }
    if (rc == 0)
        rc = intermediate(&s, m, hidden, policy_of(ds), o, "eclaire", err);
    for (int k = 0; k < K; k++)
        dnf_unique(&res[k]);
    /* every layer's rules together */
    if (rc == 0 && (rc = rules_from(&s, s.r, res, policy_of(ds), 1, ds, o->seed, &report, err)) == 0) {
        if (rep)
            *rep = report;
        rc = decomp_finish(&s, o, "eclaire", out, rep, err);
    }
done:
    for (int k = 0; lc && k < K; k++)
        dnf_free(&lc[k]);
    free(lc);
    for (int k = 0; res && k < K; k++)
        dnf_free(&res[k]);
    for (int k = 0; hidden && k < K; k++)
        dnf_free(&hidden[k]);
    free(res);
    free(hidden);
    decomp_close(&s);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

const char *const nr_decomp_scores[] = {"confidence", "vote", NULL};

#define DS(field) offsetof(nr_decomp_settings, field)
const nr_optdef nr_decomp_options[] = {
    {.name = "min-cases", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split, in both\nkinds of tree (default auto: 0.5% of the rows, at\nleast 2)",
     .offset = DS(min_cases), .lo = 1, .hi = 1e9, .flags = NR_OPT_AUTO},
    {.name = "confidence", .kind = NR_OPT_REAL, .arg = "X",
     .help = "their C4.5 pruning confidence factor, 0 to 1 (default\n0.25; smaller prunes more)",
     .offset = DS(cf), .lo = 1e-6, .hi = 0.999999},
    {.name = "hidden-cuts", .kind = NR_OPT_INT, .arg = "N",
     .help = "cut points a tree may use per hidden unit, at quantiles\nof its activations (default 0: every value; fewer\nare faster on many rows)",
     .offset = DS(hidden_cuts), .lo = 0, .hi = 1000000},
    {.name = "max-rules", .kind = NR_OPT_INT, .arg = "N",
     .help = "keep at most N rules, chosen greedily (default: as many\nas held-out rows say)",
     .offset = DS(max_rules), .lo = 1, .hi = 10000000, .flags = NR_OPT_SIZE},
    {.name = "tolerance", .kind = NR_OPT_REAL, .arg = "P",
     .help = "without --max-rules: the fewest rules within P points of\nthe best held-out fidelity (default 1)",
     .offset = DS(tolerance), .lo = 0, .hi = 100, .scale = 0.01},
    {.name = "score", .kind = NR_OPT_CHOICE, .arg = "HOW",
     .help = "how fired rules decide: confidence (the most confident\none, the default) or vote",
     .offset = DS(score), .choices = nr_decomp_scores},
    {.name = "max-terms", .kind = NR_OPT_INT, .arg = "N",
     .help = "conjunctions one rule over hidden units may expand to\n(default 10000)",
     .offset = DS(max_terms), .lo = 1, .hi = 10000000},
    {.name = NULL},
};

void nr_decomp_defaults(void *settings)
{
    nr_decomp_settings *s = settings;
    memset(s, 0, sizeof *s);
    s->min_cases = 0; /* auto */
    s->cf = 0.25;
    s->max_terms = 10000;
    s->hidden_cuts = 0;
    s->tolerance = 0.01;
    s->score = 0;
}

void nr_decomp_describe(const void *settings, char *buf, size_t size)
{
    const nr_decomp_settings *s = settings;
    if (s->min_cases > 0)
        snprintf(buf, size, "--min-cases %g --confidence %g", s->min_cases, s->cf);
    else
        snprintf(buf, size, "--min-cases auto --confidence %g", s->cf);
    if (s->hidden_cuts)
        nr_appendf(buf, size, " --hidden-cuts %d", s->hidden_cuts);
    if (s->max_rules)
        nr_appendf(buf, size, " --max-rules %d", s->max_rules);
    else
        nr_appendf(buf, size, " --tolerance %g", 100 * s->tolerance);
    nr_appendf(buf, size, " --score %s --max-terms %d", nr_decomp_scores[s->score], s->max_terms);
}
