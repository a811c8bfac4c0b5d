/*
 * extract_cred.c - CRED (Sato and Tsukimoto 2001): decompositional rules
 * for a network with one hidden layer.
 *
 *  1. Run the network on the inputs; keep the hidden layer's activations h
 *     and the predicted classes.
 *  2. For each class, a tree from h to "is this class": each leaf that says
 *     so is a rule over hidden-unit conditions, `h_j > t and h_k <= u`.
 *  3. For each distinct hidden cut (unit j at t), a tree from the inputs to
 *     `h_j > t`: its leaves give rules over the inputs for the cut's two
 *     sides.
 *  4. Substitute the input rules for every hidden condition and expand the
 *     product, dropping unsatisfiable and redundant conditions (the
 *     tightest threshold per feature and direction), duplicate and subsumed
 *     rules, and rules that cover none of the inputs.  The result is an
 *     unordered rule set over the inputs, the rule of highest confidence
 *     deciding, the majority class the default.
 *
 * The expansion is bounded by --max-terms: a class rule whose substitution
 * would give more conjunctions stops extraction with a message.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extractor.h"
#include "passes.h"
#include "progress.h"

typedef struct cred_settings {
    double min_leaf;    /* of both kinds of tree */
    double cf;          /* their pruning confidence factor */
    int max_terms;      /* conjunctions one class rule may expand to */
} cred_settings;

/* ---- conjunctions and their disjunctions -------------------------------- */

typedef struct conj {
    int n;
    nr_cond *c;
} conj;

typedef struct dnf {
    int n, cap;
    conj *t;
} dnf;

static void dnf_free(dnf *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->t[i].c);
    free(d->t);
    memset(d, 0, sizeof *d);
}

/* Append a copy of the conjunction of a and b (either may be empty),
 * simplified; an unsatisfiable one is left out. */
static int dnf_add(dnf *d, const conj *a, const conj *b)
{
    conj t;
    t.n = (a ? a->n : 0) + (b ? b->n : 0);
    t.c = malloc(((size_t)t.n + 1) * sizeof *t.c);
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
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 8;
        conj *nt = realloc(d->t, (size_t)cap * sizeof *nt);
        if (!nt) {
            free(t.c);
            return NR_ENOMEM;
        }
        d->t = nt;
        d->cap = cap;
    }
    d->t[d->n++] = t;
    return 0;
}

static nr_cond negate(nr_cond c)
{
    static const nr_cond_op opposite[] = {[NR_LE] = NR_GT, [NR_GT] = NR_LE, [NR_EQ] = NR_NE,
                                          [NR_NE] = NR_EQ, [NR_TRUE] = NR_FALSE,
                                          [NR_FALSE] = NR_TRUE};
    c.op = opposite[c.op];
    return c;
}

/* The paths of tree tr to its leaves of class want, as conjunctions.
 * Depth first with a stack of (node, depth, how it was reached): when a
 * node is popped, path[0..depth) holds the tests down to it, its own entry
 * written from its parent's test (negated on the no side). */
static int tree_paths(const nr_tree *tr, int want, dnf *out)
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
                conj c = {it.depth, path};
                rc = dnf_add(out, &c, NULL);
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

/* ---- the network's one hidden layer -------------------------------------- */

/* The runtime layer whose output is the hidden layer (the last before the
 * second dense layer), or a negative code: CRED takes dense networks with
 * exactly one hidden layer. */
static int hidden_layer(const nn_model *m, nr_error *err)
{
    int second = -1, ndense = 0;
    for (int i = 0; i < m->nlayers; i++) {
        switch (m->layers[i].type) {
        case NN_DENSE:
            if (++ndense == 2)
                second = i;
            break;
        case NN_RELU:
        case NN_LEAKYRELU:
        case NN_SIGMOID:
        case NN_TANH:
        case NN_DROPOUT:
        case NN_SOFTMAX:
        case NN_FLATTEN:
        case NN_BATCHNORM:
            break;
        default:
            return nr_error_set(err, NR_EUNSUP, "CRED takes dense networks, and layer %d is %s: "
                                "-a tree explains any network", i,
                                nn_layer_type_name(m->layers[i].type));
        }
    }
    if (ndense < 2)
        return nr_error_set(err, NR_EUNSUP, "the network has no hidden layer for CRED to read: "
                            "-a tree explains it directly");
    if (ndense > 2)
        return nr_error_set(err, NR_EUNSUP, "CRED takes one hidden layer and the network has %d "
                            "(DeepRED and ECLAIRE, for deeper networks, are not implemented yet; "
                            "-a tree explains any network)", ndense - 1);
    return second - 1;
}

/* Each row's activations of layer L (n * nh floats into h). */
static int hidden_activations(const nn_model *m, int L, const float *x, int n, float *h,
                              nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nh = nn_layer_size(m, L);
    const int batch = nn_batch_within(m, 256, NN_WORKSPACE_BUDGET);
    nn_workspace *ws = nn_workspace_new(m, batch);
    nn_error nerr;
    int rc = 0;
    if (!ws)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int r0 = 0; r0 < n && rc == 0; r0 += batch) {
        int k = n - r0 < batch ? n - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, k, NULL, &nerr) < 0)
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
        else
            memcpy(h + (size_t)r0 * nh, nn_activation(ws, L), (size_t)k * nh * sizeof *h);
    }
    nn_workspace_free(ws);
    return rc;
}

/* ---- the extractor -------------------------------------------------------- */

/* A cut of hidden unit `unit` at t, and the input rules for its sides. */
typedef struct cut {
    int unit;
    float t;
    dnf above, below;  /* h > t, h <= t */
} cut;

/* A tree on table t with CRED's settings. */
static int grow(const nr_table *t, const cred_settings *cs, nr_arena *a, nr_tree *tr, nr_error *err)
{
    nr_tree_opts to;
    nr_tree_opts_default(&to);
    to.min_leaf = cs->min_leaf;
    to.cf = cs->cf;
    return nr_tree_induce(t, &to, a, tr, err);
}

static int cut_index(const cut *cuts, int ncuts, int unit, float t)
{
    for (int i = 0; i < ncuts; i++)
        if (cuts[i].unit == unit && cuts[i].t == t)
            return i;
    return -1;
}

static int cred_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                    const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    const cred_settings *cs = settings;
    const int nin = (int)nn_model_input_size(m);
    nr_rules *r = NULL;
    nr_inputs in;
    nr_rng rng;
    nr_arena *scratch = NULL;
    float *h = NULL;
    int *y = NULL, *z = NULL, L, nh, K = 0, ncuts = 0, rc = 0, total = 0;
    unsigned char *boolean = NULL;
    dnf *cls = NULL, *res = NULL;
    cut *cuts = NULL;

    *out = NULL;
    memset(&in, 0, sizeof in);
    if ((L = hidden_layer(m, err)) < 0)
        return L;
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "CRED explains classifiers; this network is a regression");
    nh = (int)nn_layer_size(m, L);
    if (!(r = nr_rules_new()) || !(scratch = nr_arena_new())) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    K = r->nclasses;
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &in, err)) < 0)
        goto done;
    h = malloc((size_t)in.nrows * nh * sizeof *h);
    y = malloc((size_t)in.nrows * sizeof *y);
    z = malloc((size_t)in.nrows * sizeof *z);
    boolean = calloc((size_t)nin, 1);
    cls = calloc((size_t)K, sizeof *cls);
    res = calloc((size_t)K, sizeof *res);
    if (!h || !y || !z || !boolean || !cls || !res) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    if ((rc = nr_label_rows(m, in.x, in.nrows, y, NULL, err)) == 0)
        rc = hidden_activations(m, L, in.x, in.nrows, h, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    for (int f = 0; f < nin; f++)
        boolean[f] = r->features[f].kind == NR_FEAT_BOOLEAN || r->features[f].kind == NR_FEAT_ONEHOT;

    /* 2: per class, rules over the hidden units */
    nr_progress_start(o->progress, "rules over the hidden layer", K);
    for (int k = 0; k < K && rc == 0; k++) {
        nr_table t;
        nr_tree tr;
        int any = 0;
        for (int i = 0; i < in.nrows; i++)
            any |= (z[i] = y[i] == k);
        if (!any)
            continue; /* the network never says k: no rule can */
        memset(&t, 0, sizeof t);
        t.nrows = in.nrows;
        t.ncols = nh;
        t.x = h;
        t.y = z;
        t.nclasses = 2;
        t.var_kind = NR_VAR_HIDDEN;
        t.var_layer = L;
        if ((rc = grow(&t, cs, scratch, &tr, err)) == 0 && tree_paths(&tr, 1, &cls[k]) < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(o->progress, k + 1);
    }
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;

    /* 3: per distinct hidden cut, rules over the inputs for its two sides */
    {
        size_t nconds = 1;
        for (int k = 0; k < K; k++)
            for (int i = 0; i < cls[k].n; i++)
                nconds += (size_t)cls[k].t[i].n;
        if (!(cuts = calloc(nconds, sizeof *cuts))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
    }
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++)
            for (int c = 0; c < cls[k].t[i].n; c++) {
                const nr_cond *hc = &cls[k].t[i].c[c];
                if (cut_index(cuts, ncuts, hc->var.index, hc->t) < 0) {
                    cuts[ncuts].unit = hc->var.index;
                    cuts[ncuts++].t = hc->t;
                }
            }
    nr_progress_start(o->progress, "rules over the inputs", ncuts);
    for (int u = 0; u < ncuts && rc == 0; u++) {
        nr_table t;
        nr_tree tr;
        for (int i = 0; i < in.nrows; i++)
            z[i] = h[(size_t)i * nh + cuts[u].unit] > cuts[u].t;
        memset(&t, 0, sizeof t);
        t.nrows = in.nrows;
        t.ncols = nin;
        t.x = in.x;
        t.y = z;
        t.nclasses = 2;
        t.boolean = boolean;
        t.var_kind = NR_VAR_INPUT;
        if ((rc = grow(&t, cs, scratch, &tr, err)) == 0 &&
            (tree_paths(&tr, 1, &cuts[u].above) < 0 || tree_paths(&tr, 0, &cuts[u].below) < 0))
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(o->progress, u + 1);
    }
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;

    /* 4: substitute, expanding each class rule's product of disjunctions */
    for (int k = 0; k < K && rc == 0; k++)
        for (int i = 0; i < cls[k].n && rc == 0; i++) {
            dnf cur = {0, 0, NULL};
            if (dnf_add(&cur, NULL, NULL) < 0) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                break;
            }
            for (int c = 0; c < cls[k].t[i].n && rc == 0 && cur.n > 0; c++) {
                const nr_cond *hc = &cls[k].t[i].c[c];
                const cut *u = &cuts[cut_index(cuts, ncuts, hc->var.index, hc->t)];
                const dnf *side = hc->op == NR_GT ? &u->above : &u->below;
                dnf next = {0, 0, NULL};
                for (int a = 0; a < cur.n && rc == 0; a++)
                    for (int b = 0; b < side->n && rc == 0; b++) {
                        if (dnf_add(&next, &cur.t[a], &side->t[b]) < 0)
                            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                        else if (next.n > cs->max_terms)
                            rc = nr_error_set(err, NR_ELIMIT, "class '%s': a rule over %d hidden "
                                              "conditions expands to more than %d conjunctions of "
                                              "input conditions (raise --max-terms, or --min-leaf "
                                              "for smaller trees)", r->classes[k],
                                              cls[k].t[i].n, cs->max_terms);
                    }
                dnf_free(&cur);
                cur = next;
            }
            for (int a = 0; a < cur.n && rc == 0; a++)
                if (dnf_add(&res[k], &cur.t[a], NULL) < 0)
                    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            total += cur.n;
            dnf_free(&cur);
        }
    if (rc < 0)
        goto done;

    /* the rule set: unordered, the most confident rule that fires decides */
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = NR_POLICY_CONFIDENCE;
    r->rs.nrules = 0;
    if (!(r->rs.rules = nr_arena_calloc(r->arena, (size_t)total + 1, sizeof *r->rs.rules))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < K; k++)
        for (int i = 0; i < res[k].n; i++) {
            nr_rule *ru = &r->rs.rules[r->rs.nrules++];
            ru->klass = k;
            ru->nconds = res[k].t[i].n;
            if (ru->nconds &&
                !(ru->conds = nr_arena_calloc(r->arena, (size_t)ru->nconds, sizeof *ru->conds))) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            if (ru->nconds)
                memcpy(ru->conds, res[k].t[i].c, (size_t)ru->nconds * sizeof *ru->conds);
        }
    {
        long *count = calloc((size_t)K, sizeof *count);
        if (!count) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < in.nrows; i++)
            count[y[i]]++;
        r->rs.default_class = 0;
        for (int k = 1; k < K; k++)
            if (count[k] > count[r->rs.default_class])
                r->rs.default_class = k;
        free(count);
    }
    if ((rc = nr_simplify_ruleset(r, err)) < 0 || (rc = nr_rules_stats(r, in.x, y, in.nrows, err)) < 0)
        goto done;
    {
        /* products of input rules that no input reaches say nothing about
         * the network: keep the rules that cover some input */
        int kept = 0;
        for (int i = 0; i < r->rs.nrules; i++)
            if (r->rs.rules[i].stats.cover > 0)
                r->rs.rules[kept++] = r->rs.rules[i];
        r->rs.nrules = kept;
    }
    if ((rc = nr_set_provenance(r, o, "cred", err)) < 0)
        goto done;
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->sampled = in.sampled;
        rep->from_profile = in.from_profile;
        if ((rc = nr_report_fit(r, in.x, in.nrows, y, rep, err)) < 0)
            goto done;
    }
    *out = r;
    r = NULL;
done:
    for (int k = 0; cls && k < K; k++)
        dnf_free(&cls[k]);
    for (int k = 0; res && k < K; k++)
        dnf_free(&res[k]);
    for (int u = 0; cuts && u < ncuts; u++) {
        dnf_free(&cuts[u].above);
        dnf_free(&cuts[u].below);
    }
    free(cls);
    free(res);
    free(cuts);
    free(h);
    free(y);
    free(z);
    free(boolean);
    nr_arena_free(scratch);
    nr_inputs_free(&in);
    nr_rules_free(r);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

#define CS(field) offsetof(cred_settings, field)
static const nr_optdef cred_options[] = {
    {.name = "min-leaf", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split, in both\nkinds of tree (default 2)",
     .offset = CS(min_leaf), .lo = 1, .hi = 1e9},
    {.name = "cf", .kind = NR_OPT_REAL, .arg = "X",
     .help = "their C4.5 pruning confidence factor (default 0.25)", .offset = CS(cf), .lo = 1e-6,
     .hi = 0.999999},
    {.name = "max-terms", .kind = NR_OPT_INT, .arg = "N",
     .help = "conjunctions one rule over hidden units may expand to\n(default 10000)",
     .offset = CS(max_terms), .lo = 1, .hi = 10000000},
    {.name = NULL},
};

static void cred_defaults(void *settings)
{
    cred_settings *s = settings;
    s->min_leaf = 2;
    s->cf = 0.25;
    s->max_terms = 10000;
}

static void cred_describe(const void *settings, char *buf, size_t size)
{
    const cred_settings *s = settings;
    snprintf(buf, size, "--min-leaf %g --cf %g --max-terms %d", s->min_leaf, s->cf, s->max_terms);
}

const nr_extractor nr_extractor_cred = {
    .name = "cred",
    .summary = "CRED: rules over one hidden layer, rewritten over the inputs",
    .opts = cred_options,
    .settings_size = sizeof(cred_settings),
    .defaults = cred_defaults,
    .describe = cred_describe,
    .run = cred_run,
};
