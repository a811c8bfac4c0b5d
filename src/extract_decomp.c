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

/* r's body: an unordered rule set of the conjunctions cls[k] for each
 * class k, deciding by policy, the class the network gives the rows x
 * (labels y) most often the default; simplified (duplicates and subsumed
 * rules go), with statistics on x, less the rules that cover none of x:
 * products of rules that no input reaches say nothing about the network. */
static int rules_from(nr_rules *r, const dnf *cls, int K, nr_policy policy, const float *x,
                      const int *y, int n, nr_error *err)
{
    int total = 0, kept = 0, rc;
    long *count = calloc((size_t)K, sizeof *count);
    if (!count)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int k = 0; k < K; k++)
        total += cls[k].n;
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = policy;
    r->rs.nrules = 0;
    if (!(r->rs.rules = nr_arena_calloc(r->arena, (size_t)total + 1, sizeof *r->rs.rules))) {
        free(count);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++) {
            nr_rule *ru = &r->rs.rules[r->rs.nrules++];
            ru->klass = k;
            ru->nconds = cls[k].t[i].n;
            if (ru->nconds &&
                !(ru->conds = nr_arena_calloc(r->arena, (size_t)ru->nconds, sizeof *ru->conds))) {
                free(count);
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            }
            if (ru->nconds)
                memcpy(ru->conds, cls[k].t[i].c, (size_t)ru->nconds * sizeof *ru->conds);
        }
    for (int i = 0; i < n; i++)
        count[y[i]]++;
    r->rs.default_class = 0;
    for (int k = 1; k < K; k++)
        if (count[k] > count[r->rs.default_class])
            r->rs.default_class = k;
    free(count);
    if ((rc = nr_simplify_ruleset(r, err)) < 0 || (rc = nr_rules_stats(r, x, y, n, err)) < 0)
        return rc;
    for (int i = 0; i < r->rs.nrules; i++)
        if (r->rs.rules[i].stats.cover > 0)
            r->rs.rules[kept++] = r->rs.rules[i];
    r->rs.nrules = kept;
    return 0;
}

/* What the decompositional extractors start from: the rules' header, the
 * inputs, the network's classes of them, and every hidden layer's
 * activations. */
typedef struct decomp {
    nr_rules *r;
    nr_inputs in;
    int d, K, nin;
    int *hid;          /* the hidden layers' runtime layer indices */
    float **h;         /* their activations, in.nrows rows each */
    int *y, *z;        /* the network's classes; scratch labels */
    unsigned char *boolean;
    nr_arena *scratch; /* the trees' nodes */
} decomp;

static void decomp_close(decomp *s)
{
    for (int j = 0; s->h && j < s->d; j++)
        free(s->h[j]);
    free(s->h);
    free(s->hid);
    free(s->y);
    free(s->z);
    free(s->boolean);
    nr_arena_free(s->scratch);
    nr_inputs_free(&s->in);
    nr_rules_free(s->r);
    memset(s, 0, sizeof *s);
}

static int decomp_open(decomp *s, const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const char *who, int max_hidden, nr_error *err)
{
    nr_rng rng;
    int rc;
    memset(s, 0, sizeof *s);
    s->nin = (int)nn_model_input_size(m);
    if (m->task != NN_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "%s explains classifiers; this network is a regression", who);
    if (!(s->hid = malloc(((size_t)m->nlayers + 1) * sizeof *s->hid)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = s->d = hidden_layers(m, s->hid, who, err)) < 0) {
        s->d = 0;
        goto fail;
    }
    if (s->d > max_hidden) {
        rc = nr_error_set(err, NR_EUNSUP, "%s takes one hidden layer and the network has %d "
                          "(-a deepred reads any number)", who, s->d);
        goto fail;
    }
    if (!(s->r = nr_rules_new()) || !(s->scratch = nr_arena_new()) ||
        !(s->h = calloc((size_t)s->d, sizeof *s->h))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = nr_rules_header_from_model(s->r, m, err)) < 0)
        goto fail;
    s->K = s->r->nclasses;
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &s->in, err)) < 0)
        goto fail;
    for (int j = 0; j < s->d; j++)
        if (!(s->h[j] = malloc((size_t)s->in.nrows * nn_layer_size(m, s->hid[j]) * sizeof **s->h))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto fail;
        }
    s->y = malloc((size_t)s->in.nrows * sizeof *s->y);
    s->z = malloc((size_t)s->in.nrows * sizeof *s->z);
    s->boolean = calloc((size_t)s->nin, 1);
    if (!s->y || !s->z || !s->boolean) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    if ((rc = nr_label_rows(m, s->in.x, s->in.nrows, s->y, NULL, err)) == 0)
        rc = hidden_activations(m, s->hid, s->d, s->in.x, s->in.nrows, s->h, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto fail;
    for (int f = 0; f < s->nin; f++)
        s->boolean[f] = s->r->features[f].kind == NR_FEAT_BOOLEAN || s->r->features[f].kind == NR_FEAT_ONEHOT;
    return 0;
fail:
    decomp_close(s);
    return rc;
}

/* The rules made: provenance, the fit report, handed over in *out. */
static int decomp_finish(decomp *s, const nr_extract_opts *o, const char *algorithm, nr_rules **out,
                         nr_extract_report *rep, nr_error *err)
{
    int rc;
    if ((rc = nr_set_provenance(s->r, o, algorithm, err)) < 0)
        return rc;
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->sampled = s->in.sampled;
        rep->from_profile = s->in.from_profile;
        if ((rc = nr_report_fit(s->r, s->in.x, s->in.nrows, s->y, rep, err)) < 0)
            return rc;
    }
    *out = s->r;
    s->r = NULL;
    return 0;
}

int nr_extract_decomp(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      const nr_decomp_settings *ds, const char *algorithm, int max_hidden,
                      nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    decomp s;
    dnf *cls = NULL;
    int rc, d, K, n;

    *out = NULL;
    if ((rc = decomp_open(&s, m, rows, o, strcmp(algorithm, "cred") == 0 ? "CRED" : "DeepRED",
                          max_hidden, err)) < 0)
        return rc;
    d = s.d;
    K = s.K;
    n = s.in.nrows;
    if (!(cls = calloc((size_t)K, sizeof *cls))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    /* per class, rules over the last hidden layer */
    nr_progress_start(o->progress, "rules over the last hidden layer", K);
    for (int k = 0; k < K && rc == 0; k++) {
        nr_table t;
        nr_tree tr;
        int any = 0;
        for (int i = 0; i < n; i++)
            any |= (s.z[i] = s.y[i] == k);
        if (!any)
            continue; /* the network never says k: no rule can */
        memset(&t, 0, sizeof t);
        t.nrows = n;
        t.ncols = (int)nn_layer_size(m, s.hid[d - 1]);
        t.x = s.h[d - 1];
        t.y = s.z;
        t.nclasses = 2;
        t.var_kind = NR_VAR_HIDDEN;
        t.var_layer = s.hid[d - 1];
        if ((rc = grow(&t, ds, s.scratch, &tr, err)) == 0 && tree_paths(&tr, 1, &cls[k]) < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(o->progress, k + 1);
    }
    nr_progress_end(o->progress);

    /* down the layers, substituting right after each (REM-D), so that no
     * rule mixes layers and each expansion is bounded on its own */
    for (int j = d - 1; j >= 0 && rc == 0; j--) {
        char what[64];
        if (j > 0)
            snprintf(what, sizeof what, "hidden layer %d (runtime layer %d)", j + 1, s.hid[j]);
        else
            snprintf(what, sizeof what, "the first hidden layer (runtime layer %d)", s.hid[j]);
        rc = substitute(cls, K, s.r->classes, s.h[j], (int)nn_layer_size(m, s.hid[j]),
                        j > 0 ? s.h[j - 1] : s.in.x,
                        j > 0 ? (int)nn_layer_size(m, s.hid[j - 1]) : s.nin,
                        j > 0 ? NR_VAR_HIDDEN : NR_VAR_INPUT, j > 0 ? s.hid[j - 1] : 0,
                        j > 0 ? NULL : s.boolean, n, ds, what, s.scratch, o->progress, err);
    }
    if (rc == 0 && (rc = rules_from(s.r, cls, K, NR_POLICY_CONFIDENCE, s.in.x, s.y, n, err)) == 0)
        rc = decomp_finish(&s, o, algorithm, out, rep, err);
done:
    for (int k = 0; cls && k < K; k++)
        dnf_free(&cls[k]);
    free(cls);
    decomp_close(&s);
    return rc;
}

/* Whether every condition of c (on one hidden layer) holds for row h. */
static int clause_holds(const conj *c, const float *h)
{
    for (int i = 0; i < c->n; i++)
        if (!nr_cond_test_value(&c->c[i], h[c->c[i].var.index]))
            return 0;
    return 1;
}

int nr_extract_eclaire(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const nr_decomp_settings *ds, nr_rules **out, nr_extract_report *rep,
                       nr_error *err)
{
    decomp s;
    dnf *res = NULL, clauses = {0, 0, NULL};
    int rc, K, n;

    *out = NULL;
    if ((rc = decomp_open(&s, m, rows, o, "ECLAIRE", 1 << 30, err)) < 0)
        return rc;
    K = s.K;
    n = s.in.nrows;
    if (!(res = calloc((size_t)K, sizeof *res))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "rules from each hidden layer", s.d);
    for (int j = 0; j < s.d && rc == 0; j++) {
        const int width = (int)nn_layer_size(m, s.hid[j]);
        nr_table t;
        nr_tree tr;
        /* a tree from this layer to the network's class ... */
        memset(&t, 0, sizeof t);
        t.nrows = n;
        t.ncols = width;
        t.x = s.h[j];
        t.y = s.y;
        t.nclasses = K;
        t.var_kind = NR_VAR_HIDDEN;
        t.var_layer = s.hid[j];
        if ((rc = grow(&t, ds, s.scratch, &tr, err)) < 0)
            break;
        for (int k = 0; k < K && rc == 0; k++) {
            if (tree_paths(&tr, k, &clauses) < 0) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                break;
            }
            /* ... and for each of its clauses, a tree from the inputs to
             * "the clause holds": its rules stand in for the clause, with
             * no product to expand */
            for (int c = 0; c < clauses.n && rc == 0; c++) {
                nr_table ti;
                nr_tree tri;
                int any = 0;
                for (int i = 0; i < n; i++)
                    any |= (s.z[i] = clause_holds(&clauses.t[c], s.h[j] + (size_t)i * width));
                if (!any)
                    continue;
                memset(&ti, 0, sizeof ti);
                ti.nrows = n;
                ti.ncols = s.nin;
                ti.x = s.in.x;
                ti.y = s.z;
                ti.nclasses = 2;
                ti.boolean = s.boolean;
                ti.var_kind = NR_VAR_INPUT;
                if ((rc = grow(&ti, ds, s.scratch, &tri, err)) == 0 && tree_paths(&tri, 1, &res[k]) < 0)
                    rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            }
            dnf_free(&clauses);
        }
        nr_progress_update(o->progress, j + 1);
    }
    nr_progress_end(o->progress);
    /* every layer's rules together; each class's fired rules add up their
     * confidence */
    if (rc == 0 && (rc = rules_from(s.r, res, K, NR_POLICY_VOTE, s.in.x, s.y, n, err)) == 0)
        rc = decomp_finish(&s, o, "eclaire", out, rep, err);
done:
    dnf_free(&clauses);
    for (int k = 0; res && k < K; k++)
        dnf_free(&res[k]);
    free(res);
    decomp_close(&s);
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

