/*
 * extract_decomp.c - the decompositional extractors' machinery (see
 * extract_decomp.h): rules over a network's hidden units, rewritten layer by
 * layer down to its inputs.  CRED (extract_cred.c) is the one-hidden-layer
 * case, DeepRED (extract_deepred.c) any depth.
 *
 *  1. Run the network on the inputs; keep every hidden layer's activations
 *     and the predicted classes.
 *  2. For each class, a tree from the last hidden layer to "is this class":
 *     each leaf that says so is a rule over hidden-unit conditions,
 *     `h_j > t and h_k <= u`.
 *  3. From the last hidden layer down: for each distinct cut (unit j at t)
 *     in the rules, a tree from the layer below (the inputs, at the first
 *     hidden layer) to `h_j > t`, whose leaves give rules for the cut's two
 *     sides; those are substituted at once (REM-D), expanding each rule's
 *     product and dropping unsatisfiable and redundant conditions (the
 *     tightest threshold per variable and direction).
 *  4. The input-level rules, less duplicates, subsumed rules and rules that
 *     cover none of the inputs, make an unordered rule set in which the
 *     most confident rule that fires decides, the majority class the
 *     default.
 *
 * Each expansion is bounded by --max-terms: a rule whose substitution at a
 * layer would give more conjunctions stops extraction with a message that
 * names the class and the layer.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_decomp.h"
#include "passes.h"
#include "progress.h"


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

/* ---- the network's hidden layers ---------------------------------------- */

/* The runtime layers whose outputs are the network's hidden layers (the
 * last layer before each dense layer but the first), into hid; their
 * number, or a negative code: only dense networks are read. */
static int hidden_layers(const nn_model *m, int *hid, const char *who, nr_error *err)
{
    int ndense = 0;
    for (int i = 0; i < m->nlayers; i++) {
        switch (m->layers[i].type) {
        case NN_DENSE:
            if (ndense++ > 0)
                hid[ndense - 2] = i - 1;
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
            return nr_error_set(err, NR_EUNSUP, "%s takes dense networks, and layer %d is %s: "
                                "-a tree explains any network", who, i,
                                nn_layer_type_name(m->layers[i].type));
        }
    }
    if (ndense < 2)
        return nr_error_set(err, NR_EUNSUP, "the network has no hidden layer for %s to read: "
                            "-a tree explains it directly", who);
    return ndense - 1;
}

/* Each row's activations of layers hid[0..d) (n * size floats each). */
static int hidden_activations(const nn_model *m, const int *hid, int d, const float *x, int n,
                              float **h, nr_error *err)
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
            size_t sz = nn_layer_size(m, hid[j]);
            memcpy(h[j] + (size_t)r0 * sz, nn_activation(ws, hid[j]), (size_t)k * sz * sizeof *h[j]);
        }
    }
    nn_workspace_free(ws);
    return rc;
}

/* ---- rules through the layers -------------------------------------------- */

/* A cut of a unit at t, and the rules one layer down for its sides. */
typedef struct cut {
    int unit;
    float t;
    dnf above, below;  /* unit > t, unit <= t */
} cut;

/* A tree on table t with the settings' pruning. */
static int grow(const nr_table *t, const nr_decomp_settings *ds, nr_arena *a, nr_tree *tr,
                nr_error *err)
{
    nr_tree_opts to;
    nr_tree_opts_default(&to);
    to.min_leaf = ds->min_leaf;
    to.cf = ds->cf;
    return nr_tree_induce(t, &to, a, tr, err);
}

static int cut_index(const cut *cuts, int ncuts, int unit, float t)
{
    for (int i = 0; i < ncuts; i++)
        if (cuts[i].unit == unit && cuts[i].t == t)
            return i;
    return -1;
}

/* Replace each class's rules over layer `layer` by their expansion one
 * layer down: for every distinct cut a tree from the layer below (x, ncols
 * columns, named as vk/vlayer) says when it holds, and each rule's product
 * of those rules is expanded.  `what` names the layer in messages. */
static int substitute(dnf *cls, int K, const char *const *classes, const float *act, int width,
                      const float *x, int ncols, nr_var_kind vk, int vlayer, const unsigned char *boolean,
                      int n, const nr_decomp_settings *ds, const char *what, nr_arena *scratch,
                      nr_progress *progress, nr_error *err)
{
    size_t nconds = 1;
    int ncuts = 0, rc = 0, *z = malloc(((size_t)n + 1) * sizeof *z);
    cut *cuts;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++)
            nconds += (size_t)cls[k].t[i].n;
    cuts = calloc(nconds, sizeof *cuts);
    if (!z || !cuts) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
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
    nr_progress_start(progress, "rules one layer down", ncuts);
    for (int u = 0; u < ncuts && rc == 0; u++) {
        nr_table t;
        nr_tree tr;
        for (int i = 0; i < n; i++)
            z[i] = act[(size_t)i * width + cuts[u].unit] > cuts[u].t;
        memset(&t, 0, sizeof t);
        t.nrows = n;
        t.ncols = ncols;
        t.x = x;
        t.y = z;
        t.nclasses = 2;
        t.boolean = boolean;
        t.var_kind = vk;
        t.var_layer = vlayer;
        if ((rc = grow(&t, ds, scratch, &tr, err)) == 0 &&
            (tree_paths(&tr, 1, &cuts[u].above) < 0 || tree_paths(&tr, 0, &cuts[u].below) < 0))
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(progress, u + 1);
    }
    nr_progress_end(progress);
    for (int k = 0; k < K && rc == 0; k++) {
        dnf all = {0, 0, NULL};
        for (int i = 0; i < cls[k].n && rc == 0; i++) {
            dnf cur = {0, 0, NULL};
            if (dnf_add(&cur, NULL, NULL) < 0)
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            for (int c = 0; c < cls[k].t[i].n && rc == 0 && cur.n > 0; c++) {
                const nr_cond *hc = &cls[k].t[i].c[c];
                const cut *u = &cuts[cut_index(cuts, ncuts, hc->var.index, hc->t)];
                const dnf *side = hc->op == NR_GT ? &u->above : &u->below;
                dnf next = {0, 0, NULL};
                for (int a = 0; a < cur.n && rc == 0; a++)
                    for (int b = 0; b < side->n && rc == 0; b++) {
                        if (dnf_add(&next, &cur.t[a], &side->t[b]) < 0)
                            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                        else if (next.n > ds->max_terms)
                            rc = nr_error_set(err, NR_ELIMIT, "class '%s': substituting for %s, a "
                                              "rule over %d conditions expands to more than %d "
                                              "conjunctions (raise --max-terms, or --min-leaf for "
                                              "smaller trees)", classes[k], what, cls[k].t[i].n,
                                              ds->max_terms);
                    }
                dnf_free(&cur);
                cur = next;
            }
            for (int a = 0; a < cur.n && rc == 0; a++)
                if (dnf_add(&all, &cur.t[a], NULL) < 0)
                    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            dnf_free(&cur);
        }
        dnf_free(&cls[k]);
        cls[k] = all;
    }
done:
    for (int u = 0; cuts && u < ncuts; u++) {
        dnf_free(&cuts[u].above);
        dnf_free(&cuts[u].below);
    }
    free(cuts);
    free(z);
    return rc;
}

int nr_extract_decomp(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      const nr_decomp_settings *ds, const char *algorithm, int max_hidden,
                      nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    const int nin = (int)nn_model_input_size(m);
    const char *who = strcmp(algorithm, "cred") == 0 ? "CRED" : "DeepRED";
    nr_rules *r = NULL;
    nr_inputs in;
    nr_rng rng;
    nr_arena *scratch = NULL;
    float **h = NULL;
    int *hid = NULL, *y = NULL, *z = NULL, d, K = 0, rc = 0, total = 0;
    unsigned char *boolean = NULL;
    dnf *cls = NULL;

    *out = NULL;
    memset(&in, 0, sizeof in);
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "%s explains classifiers; this network is a regression", who);
    if (!(hid = malloc(((size_t)m->nlayers + 1) * sizeof *hid)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((d = hidden_layers(m, hid, who, err)) < 0) {
        free(hid);
        return d;
    }
    if (d > max_hidden) {
        free(hid);
        return nr_error_set(err, NR_EUNSUP, "%s takes one hidden layer and the network has %d "
                            "(-a deepred reads any number)", who, d);
    }
    if (!(r = nr_rules_new()) || !(scratch = nr_arena_new()) || !(h = calloc((size_t)d, sizeof *h))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    K = r->nclasses;
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &in, err)) < 0)
        goto done;
    for (int j = 0; j < d; j++)
        if (!(h[j] = malloc((size_t)in.nrows * nn_layer_size(m, hid[j]) * sizeof **h))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
    y = malloc((size_t)in.nrows * sizeof *y);
    z = malloc((size_t)in.nrows * sizeof *z);
    boolean = calloc((size_t)nin, 1);
    cls = calloc((size_t)K, sizeof *cls);
    if (!y || !z || !boolean || !cls) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    if ((rc = nr_label_rows(m, in.x, in.nrows, y, NULL, err)) == 0)
        rc = hidden_activations(m, hid, d, in.x, in.nrows, h, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    for (int f = 0; f < nin; f++)
        boolean[f] = r->features[f].kind == NR_FEAT_BOOLEAN || r->features[f].kind == NR_FEAT_ONEHOT;

    /* per class, rules over the last hidden layer */
    nr_progress_start(o->progress, "rules over the last hidden layer", K);
    for (int k = 0; k < K && rc == 0; k++) {
        const int width = (int)nn_layer_size(m, hid[d - 1]);
        nr_table t;
        nr_tree tr;
        int any = 0;
        for (int i = 0; i < in.nrows; i++)
            any |= (z[i] = y[i] == k);
        if (!any)
            continue; /* the network never says k: no rule can */
        memset(&t, 0, sizeof t);
        t.nrows = in.nrows;
        t.ncols = width;
        t.x = h[d - 1];
        t.y = z;
        t.nclasses = 2;
        t.var_kind = NR_VAR_HIDDEN;
        t.var_layer = hid[d - 1];
        if ((rc = grow(&t, ds, scratch, &tr, err)) == 0 && tree_paths(&tr, 1, &cls[k]) < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(o->progress, k + 1);
    }
    nr_progress_end(o->progress);

    /* down the layers, substituting right after each (REM-D), so that no
     * rule mixes layers and each expansion is bounded on its own */
    for (int j = d - 1; j >= 0 && rc == 0; j--) {
        char what[64];
        if (j > 0)
            snprintf(what, sizeof what, "hidden layer %d (runtime layer %d)", j + 1, hid[j]);
        else
            snprintf(what, sizeof what, "the first hidden layer (runtime layer %d)", hid[j]);
        rc = substitute(cls, K, r->classes, h[j], (int)nn_layer_size(m, hid[j]),
                        j > 0 ? h[j - 1] : in.x,
                        j > 0 ? (int)nn_layer_size(m, hid[j - 1]) : nin,
                        j > 0 ? NR_VAR_HIDDEN : NR_VAR_INPUT, j > 0 ? hid[j - 1] : 0,
                        j > 0 ? NULL : boolean, in.nrows, ds, what, scratch, o->progress, err);
    }
    if (rc < 0)
        goto done;

    /* the rule set: unordered, the most confident rule that fires decides */
    for (int k = 0; k < K; k++)
        total += cls[k].n;
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = NR_POLICY_CONFIDENCE;
    r->rs.nrules = 0;
    if (!(r->rs.rules = nr_arena_calloc(r->arena, (size_t)total + 1, sizeof *r->rs.rules))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++) {
            nr_rule *ru = &r->rs.rules[r->rs.nrules++];
            ru->klass = k;
            ru->nconds = cls[k].t[i].n;
            if (ru->nconds &&
                !(ru->conds = nr_arena_calloc(r->arena, (size_t)ru->nconds, sizeof *ru->conds))) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            if (ru->nconds)
                memcpy(ru->conds, cls[k].t[i].c, (size_t)ru->nconds * sizeof *ru->conds);
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
        /* products of rules that no input reaches say nothing about the
         * network: keep the rules that cover some input */
        int kept = 0;
        for (int i = 0; i < r->rs.nrules; i++)
            if (r->rs.rules[i].stats.cover > 0)
                r->rs.rules[kept++] = r->rs.rules[i];
        r->rs.nrules = kept;
    }
    if ((rc = nr_set_provenance(r, o, algorithm, err)) < 0)
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
    for (int j = 0; h && j < d; j++)
        free(h[j]);
    free(h);
    free(hid);
    free(cls);
    free(y);
    free(z);
    free(boolean);
    nr_arena_free(scratch);
    nr_inputs_free(&in);
    nr_rules_free(r);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

#define DS(field) offsetof(nr_decomp_settings, field)
const nr_optdef nr_decomp_options[] = {
    {.name = "min-leaf", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split, in both\nkinds of tree (default 2)",
     .offset = DS(min_leaf), .lo = 1, .hi = 1e9},
    {.name = "cf", .kind = NR_OPT_REAL, .arg = "X",
     .help = "their C4.5 pruning confidence factor (default 0.25)", .offset = DS(cf), .lo = 1e-6,
     .hi = 0.999999},
    {.name = "max-terms", .kind = NR_OPT_INT, .arg = "N",
     .help = "conjunctions one rule over hidden units may expand to\n(default 10000)",
     .offset = DS(max_terms), .lo = 1, .hi = 10000000},
    {.name = NULL},
};

void nr_decomp_defaults(void *settings)
{
    nr_decomp_settings *s = settings;
    s->min_leaf = 2;
    s->cf = 0.25;
    s->max_terms = 10000;
}

void nr_decomp_describe(const void *settings, char *buf, size_t size)
{
    const nr_decomp_settings *s = settings;
    snprintf(buf, size, "--min-leaf %g --cf %g --max-terms %d", s->min_leaf, s->cf, s->max_terms);
}

