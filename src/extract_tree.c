/*
 * extract_tree.c - the pedagogical `tree` extractor ("Ped-C5" in the
 * literature): label rows with the network and induce a C4.5 or CART tree on
 * the network's own labels.  The baseline every other extractor is compared
 * against.  With no data it samples the input domain the model declares.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extractor.h"
#include "parallel.h"
#include "passes.h"
#include "profile.h"
#include "progress.h"
#include "version.h"

void nr_tree_settings_default(nr_tree_settings *s)
{
    memset(s, 0, sizeof *s);
    s->select_size = 1;
    s->tolerance = 0.01;
    nr_tree_opts_default(&s->tree);
}

/* Held-out agreement along a best-first path: diff[] is a difference array
 * over s = 0..S splits, and the held-out row x (label y) adds 1 to every s
 * at which the tree with s splits predicts y.  Node i on the row's path
 * decides for r(parent) < s <= r(i) (a leaf: up to S), ranks rising along
 * any path. */
static void path_agreement(const nr_tree *tr, const int *rank, int S, const float *x, int y,
                           long *diff)
{
    int node = 0, prev = -1;
    for (;;) {
        const nr_node *nd = &tr->nodes[node];
        int last = nd->leaf ? S : rank[node];
        if (nd->klass == y) {
            diff[prev + 1]++;
            diff[last + 1]--;
        }
        if (nd->leaf)
            return;
        prev = rank[node];
        node = nr_cond_holds(&nd->test, x, NULL) ? nd->yes : nd->no;
    }
}

/* The same for a regression tree: the held-out row x (target v) adds its
 * squared error to every s at which the tree with s splits answers the mean
 * of the node it reaches. */
static void path_sse(const nr_tree *tr, const int *rank, int S, const float *x, double v, double *diff)
{
    int node = 0, prev = -1;
    for (;;) {
        const nr_node *nd = &tr->nodes[node];
        int last = nd->leaf ? S : rank[node];
        double e = (v - nd->value) * (v - nd->value);
        diff[prev + 1] += e;
        diff[last + 1] -= e;
        if (nd->leaf)
            return;
        prev = rank[node];
        node = nr_cond_holds(&nd->test, x, NULL) ? nd->yes : nd->no;
    }
}

/* One fold of the size choice (a task of nr_parallel_for): a tree grown on
 * the rows of t outside fold f, its held-out agreement (or squared error)
 * at every size into the fold's own curve.  Folds share nothing they
 * write, and their curves are summed in fold order, so the choice is the
 * same on any number of threads. */
typedef struct size_job {
    const nr_table *t;
    const int *src, *fold, *hy;
    const float *hx;
    const double *hv;
    int hn, nperm;
    const nr_tree_opts *tree;
    long *diff;        /* classification: (n + 2) per fold */
    double *dsse;      /* regression: (n + 2) per fold */
    int *nsplits;
    nr_progress *prog;
} size_job;

static int size_fold(void *arg, int f, nr_error *err)
{
    const size_job *job = arg;
    const nr_table *t = job->t;
    const int n = t->nrows, d = t->ncols, K = t->nclasses, hn = job->hn;
    int *yfit = K ? malloc((size_t)n * sizeof *yfit) : NULL;
    double *vfit = K ? NULL : malloc((size_t)n * sizeof *vfit);
    int *idfit = malloc((size_t)n * sizeof *idfit), *rank = NULL, nfit = 0, rc = 0;
    float *xfit = malloc((size_t)n * d * sizeof *xfit);
    double *wfit = t->w ? malloc((size_t)n * sizeof *wfit) : NULL;
    nr_arena *arena = nr_arena_new();
    nr_table fit = *t;
    nr_tree tr;

    if ((K ? !yfit : !vfit) || !idfit || !xfit || (t->w && !wfit) || !arena) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if ((hn > 0 ? job->fold[job->src[i]] : job->fold[i]) == f)
            continue;
        memcpy(xfit + (size_t)nfit * d, t->x + (size_t)i * d, (size_t)d * sizeof *xfit);
        idfit[nfit] = t->row_id ? t->row_id[i] : i;
        if (wfit)
            wfit[nfit] = t->w[i];
        if (K)
            yfit[nfit] = t->y[i];
        else
            vfit[nfit] = t->yv[i];
        nfit++;
    }
    fit.nrows = nfit;
    fit.x = xfit;
    fit.y = yfit;
    fit.yv = vfit;
    fit.row_id = idfit;
    fit.w = wfit;
    if ((rc = nr_tree_induce_path(&fit, job->tree, arena, &tr, &rank, err)) < 0)
        goto done;
    job->nsplits[f] = (tr.nnodes - 1) / 2;
    for (int i = 0; i < job->nperm; i++)
        if (job->fold[i] == f) {
            const float *x = hn > 0 ? job->hx + (size_t)i * d : t->x + (size_t)i * d;
            if (K)
                path_agreement(&tr, rank, n, x, hn > 0 ? job->hy[i] : t->y[i], job->diff + (size_t)f * (n + 2));
            else
                path_sse(&tr, rank, n, x, hn > 0 ? job->hv[i] : t->yv[i], job->dsse + (size_t)f * (n + 2));
        }
done:
    free(rank);
    nr_arena_free(arena);
    free(yfit);
    free(vfit);
    free(idfit);
    free(xfit);
    free(wfit);
    return rc;
}

static void size_folds_done(void *arg, int ndone)
{
    const size_job *job = arg;
    nr_progress_update(job->prog, ndone);
}

/* Choose the number of leaves on held-out rows (see extract.h); fills the
 * size fields of rep.
 *
 * Rows of t read from data: below 5,000 rows one held-out part would be too
 * small to tell sizes apart, so the curve is the sum over 5 folds (every
 * row held out once); from 5,000 rows on, one 30% part.
 *
 * Rows of t drawn around hn real rows (hx, labels hy; src[i] the real row
 * that row i of t was drawn around): the real rows are what the rules must
 * fit, so they judge, in 5 folds, a fold's trees being grown only on what
 * was drawn around the other folds' rows, never on noise around the rows
 * they are judged on.
 *
 * The folds' trees grow on threads of their own, as many at once as
 * NR_FOLD_MEMORY allows for their copies of the rows. */
#define NR_FOLD_MEMORY ((size_t)1 << 29)
int nr_choose_tree_size(const nr_table *t, const int *src, const float *hx, const int *hy,
                        const double *hv, int hn, const nr_extract_opts *o, const nr_tree_opts *tree,
                        double tolerance, nr_rng *rng, nr_extract_report *rep, nr_error *err)
{
    const int n = t->nrows, d = t->ncols, nfolds = hn > 0 || n < 5000 ? 5 : 1, K = t->nclasses;
    const int nperm = hn > 0 ? hn : n;
    /* what one fold's copy of the rows takes */
    const size_t fold_bytes = (size_t)n * ((size_t)d * sizeof(float) + 2 * sizeof(double) + 2 * sizeof(int));
    int *perm = malloc((size_t)nperm * sizeof *perm), *fold = malloc((size_t)nperm * sizeof *fold);
    long *diff = K ? calloc((size_t)nfolds * (n + 2), sizeof *diff) : NULL, held = 0;
    double *dsse = K ? NULL : calloc((size_t)nfolds * (n + 2), sizeof *dsse), vsum = 0, vsq = 0, shift = 0;
    int rc = 0, smax = 0, nsplits[5] = {0};
    size_job job;

    if (!perm || !fold || (K ? !diff : !dsse)) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    /* the rows that are held out (of t, or the real ones), shuffled into
     * folds; one part: the last 30% */
    nr_deal_folds(rng, nperm, nfolds, perm, fold);
    memset(&job, 0, sizeof job);
    job.t = t;
    job.src = src;
    job.fold = fold;
    job.hy = hy;
    job.hx = hx;
    job.hv = hv;
    job.hn = hn;
    job.nperm = nperm;
    job.tree = tree;
    job.diff = diff;
    job.dsse = dsse;
    job.nsplits = nsplits;
    job.prog = o->progress;
    /* the rows held out, and for regression their targets' sums, about the
     * first so that the spread of targets far from 0 does not cancel */
    for (int i = 0; i < nperm; i++)
        if (fold[i] >= 0) {
            double v = K ? 0 : hn > 0 ? hv[i] : t->yv[i];
            if (held++ == 0)
                shift = v;
            vsum += v - shift;
            vsq += (v - shift) * (v - shift);
        }
    nr_progress_start(o->progress, "choosing the size", nfolds);
    rc = nr_parallel_for_upto(nfolds, (int)(NR_FOLD_MEMORY / (fold_bytes ? fold_bytes : 1)), size_fold, &job,
                              o->progress ? size_folds_done : NULL, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    /* the folds' curves summed in fold order */
    for (int f = 0; f < nfolds; f++) {
        if (nsplits[f] > smax)
            smax = nsplits[f];
        for (int s = 0; s < n + 2 && f > 0; s++) {
            if (K)
                diff[s] += diff[(size_t)f * (n + 2) + s];
            else
                dsse[s] += dsse[(size_t)f * (n + 2) + s];
        }
    }
    if (K) {
        for (int s = 1; s <= smax; s++)
            diff[s] += diff[s - 1];
        nr_pick_size(diff, smax, held, tolerance, hn > 0, rep);
    } else {
        /* R^2 at each size against the held-out targets' own mean; the
         * smallest size within the tolerance (points of R^2) of the best */
        const double sst = held > 0 ? vsq - vsum * vsum / (double)held : 0;
        int best = 0, pick = 0;
        for (int s = 1; s <= smax; s++)
            dsse[s] += dsse[s - 1];
        for (int s = 1; s <= smax; s++)
            if (dsse[s] < dsse[best])
                best = s;
        if (sst > 0)
            while (pick < best && 1 - dsse[pick] / sst < 1 - dsse[best] / sst - tolerance)
                pick++;
        else
            best = 0;
        rep->selected = 1;
        rep->regression = 1;
        rep->tolerance = tolerance;
        rep->held_profile = hn > 0;
        rep->held_out = held;
        rep->leaves = pick;
        rep->best_leaves = best;
        rep->held_r2 = sst > 0 ? 1 - dsse[pick] / sst : 0;
        rep->best_r2 = sst > 0 ? 1 - dsse[best] / sst : 0;
    }
    rep->leaves++;
    rep->best_leaves++;
done:
    free(perm);
    free(fold);
    free(diff);
    free(dsse);
    return rc;
}

int nr_extract_tree(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                    const nr_tree_settings *ts, nr_rules **out, nr_extract_report *rep,
                    nr_error *err)
{
    nr_rules *r = NULL;
    nr_inputs in;
    const int *src;           /* profile samples: the kept row each was drawn around */
    const float *x;
    int nrows, rc = 0, any_nominal = 0;
    int *y = NULL, *nvalues = NULL;
    double *yv = NULL;
    unsigned char *boolean = NULL;
    nr_table t;
    nr_tree_opts tree_opts;
    nr_extract_report report;
    nr_rng rng;
    size_t nin = nn_model_input_size(m);

    *out = NULL;
    memset(&in, 0, sizeof in);
    if (!(r = nr_rules_new()))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &in, err)) < 0 ||
        (rc = nr_inputs_join_kept(m, &in, err)) < 0)
        goto done;
    x = in.x;
    nrows = in.nrows;
    src = in.src;
    y = malloc(sizeof *y * (size_t)nrows);
    yv = malloc(sizeof *yv * (size_t)nrows);
    boolean = calloc(nin, 1);
    nvalues = calloc(nin, sizeof *nvalues);
    if (!y || !yv || !boolean || !nvalues) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    rc = nr_label_rows(m, x, nrows, y, yv, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    if ((rc = any_nominal = nr_input_columns(r, rows, boolean, nvalues, err)) < 0)
        goto done;

    memset(&t, 0, sizeof t);
    t.nrows = nrows;
    t.ncols = (int)nin;
    t.x = x;
    t.nvalues = any_nominal ? nvalues : NULL;
    t.boolean = boolean;
    t.w = in.w;
    t.var_kind = NR_VAR_INPUT;
    if (r->task == NR_TASK_CLASSIFY) {
        t.y = y;
        t.nclasses = r->nclasses;
    } else {
        t.yv = yv;
        t.nclasses = 0;
    }
    r->kind = NR_BODY_TREE;
    memset(&report, 0, sizeof report);
    tree_opts = ts->tree;
    if (ts->select_size && nrows >= 20) {
        /* drawn around a profile's kept rows: those real rows, the first
         * of t, judge the sizes */
        const int hn = in.nkept >= 20 ? in.nkept : 0;
        if ((rc = nr_choose_tree_size(&t, src, hn ? x : NULL, hn ? y : NULL, hn ? yv : NULL, hn, o,
                                      &ts->tree, ts->tolerance, &rng, &report, err)) < 0)
            goto done;
        tree_opts.max_leaves = report.leaves;
        tree_opts.prune = 0;
        tree_opts.ccp_alpha = 0;
    }
    nr_progress_start(o->progress, "growing the tree", 1);
    for (;;) {
        int nconds;
        r->kind = NR_BODY_TREE;
        if ((rc = nr_tree_induce(&t, &tree_opts, r->arena, &r->tree, err)) < 0)
            goto done;
        /* the kept rows decide how thresholds read, and the statistics
         * count them: what reaches a leaf is real rows, as with --data */
        if (in.nkept > 0 && r->task == NR_TASK_CLASSIFY) {
            if ((rc = nr_tree_readable_thresholds(&r->tree, x, in.nkept, (int)nin, err)) < 0)
                goto done;
            nr_tree_recount(&r->tree, x, y, in.nkept, (int)nin, r->nclasses);
        }
        if (ts->as_rules && r->task == NR_TASK_CLASSIFY &&
            (rc = nr_tree_to_rules(r, &t, ts->tree.cf, err)) < 0)
            goto done;
        /* max_rules: a leaf fewer until the rules are few enough (C4.5rules
         * usually folds one leaf into the default) */
        if (!ts->max_rules || r->kind == NR_BODY_TREE || tree_opts.max_leaves <= 1 ||
            nr_rules_count(r, &nconds) <= ts->max_rules)
            break;
        tree_opts.max_leaves--;
    }
    nr_progress_end(o->progress);
    if ((rc = nr_set_provenance(r, o, ts->as_rules ? "tree-rules" : "tree", err)) < 0)
        goto done;
    if (rep) {
        *rep = report;
        rep->sampled = in.sampled;
        rep->from_profile = in.from_profile;
        /* on the samples (after the kept rows, which the size line covers) */
        if (r->task == NR_TASK_CLASSIFY &&
            (rc = nr_report_fit(r, x + (size_t)in.nkept * nin, nrows - in.nkept, y + in.nkept, rep, err)) < 0)
            goto done;
    }
    *out = r;
    r = NULL;
done:
    nr_rules_free(r);
    nr_inputs_free(&in);
    free(y);
    free(yv);
    free(boolean);
    free(nvalues);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

/* stored by index (NR_OPT_CHOICE) */
_Static_assert(sizeof(nr_criterion) == sizeof(int), "nr_criterion is stored as an int");
_Static_assert(NR_CRIT_GAIN_RATIO == 0 && NR_CRIT_GAIN == 1 && NR_CRIT_GINI == 2,
               "criterion names in the order of nr_criterion");
static const char *const criteria[] = {"gain-ratio", "gain", "gini", NULL};

#define TS(field) offsetof(nr_tree_settings, field)
static const nr_optdef tree_options[] = {
    {.name = "rules", .kind = NR_OPT_FLAG, .help = "turn the tree into an ordered rule set (C4.5rules)",
     .offset = TS(as_rules), .value = 1},
    {.name = "criterion", .kind = NR_OPT_CHOICE, .arg = "NAME", .help = "gain-ratio (default), gain or gini",
     .offset = TS(tree.criterion), .choices = criteria},
    {.name = "min-leaf", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split (default 2)", .offset = TS(tree.min_leaf),
     .lo = 1, .hi = 1e9},
    {.name = "tolerance", .kind = NR_OPT_REAL, .arg = "P",
     .help = "size: the smallest whose held-out fidelity (R^2 for a\nregression tree) is within P points of the best size's\n(default 1)",
     .offset = TS(tolerance), .lo = 0, .hi = 100, .scale = 0.01},
    {.name = "max-depth", .kind = NR_OPT_INT, .arg = "N", .help = "deepest tree (default: unlimited)",
     .offset = TS(tree.max_depth), .lo = 1, .hi = 10000, .flags = NR_OPT_SIZE},
    {.name = "max-leaves", .kind = NR_OPT_INT, .arg = "N",
     .help = "most leaves, grown best-first (default: unlimited)", .offset = TS(tree.max_leaves), .lo = 2,
     .hi = 100000000, .flags = NR_OPT_SIZE},
    {.name = "max-rules", .kind = NR_OPT_INT, .arg = "N", .help = "with --rules (implied): at most N rules",
     .offset = TS(max_rules), .lo = 1, .hi = 100000000, .flags = NR_OPT_SIZE},
    {.name = "cf", .kind = NR_OPT_REAL, .arg = "X", .help = "C4.5 pruning confidence factor (default 0.25)",
     .offset = TS(tree.cf), .lo = 1e-6, .hi = 0.999999, .flags = NR_OPT_SIZE},
    {.name = "no-prune", .kind = NR_OPT_FLAG, .help = "keep the tree unpruned", .offset = TS(tree.prune),
     .value = 0, .flags = NR_OPT_SIZE},
    {.name = "no-mdl", .kind = NR_OPT_FLAG,
     .help = "gain ratio without C4.5's correction for numeric thresholds", .offset = TS(tree.mdl), .value = 0},
    {.name = "ccp-alpha", .kind = NR_OPT_REAL, .arg = "X",
     .help = "CART cost-complexity pruning strength (default 0: none)", .offset = TS(tree.ccp_alpha), .lo = 0,
     .hi = 1e300, .flags = NR_OPT_SIZE},
    {.name = NULL},
};

static void tree_defaults(void *settings)
{
    nr_tree_settings_default(settings);
}

/* A size option, or a pruning one, decides the size; else it is chosen on
 * held-out rows.  --max-rules grows one leaf more than rules (C4.5rules
 * usually folds one into the default) and implies --rules. */
static void tree_finish(void *settings, const unsigned char *given)
{
    nr_tree_settings *s = settings;
    for (int i = 0; tree_options[i].name; i++)
        if (given[i] && (tree_options[i].flags & NR_OPT_SIZE))
            s->select_size = 0;
    if (s->max_rules) {
        s->tree.max_leaves = s->max_rules + 1;
        s->as_rules = 1;
    }
}

static void tree_describe(const void *settings, char *buf, size_t size)
{
    const nr_tree_settings *s = settings;
    buf[0] = 0;
    nr_appendf(buf, size, "--criterion %s --min-leaf %g", criteria[s->tree.criterion], s->tree.min_leaf);
    if (s->tree.max_depth)
        nr_appendf(buf, size, " --max-depth %d", s->tree.max_depth);
    if (s->max_rules)
        nr_appendf(buf, size, " --max-rules %d", s->max_rules);
    else if (s->tree.max_leaves)
        nr_appendf(buf, size, " --max-leaves %d", s->tree.max_leaves);
    if (s->select_size)
        nr_appendf(buf, size, " --tolerance %g", 100 * s->tolerance);
    else if (s->tree.prune)
        nr_appendf(buf, size, " --cf %g", s->tree.cf);
    else
        nr_appendf(buf, size, " --no-prune");
    if (s->tree.ccp_alpha > 0)
        nr_appendf(buf, size, " --ccp-alpha %g", s->tree.ccp_alpha);
    if (!s->tree.mdl && s->tree.criterion == NR_CRIT_GAIN_RATIO)
        nr_appendf(buf, size, " --no-mdl");
    if (s->as_rules)
        nr_appendf(buf, size, " --rules");
}

static int tree_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                    const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    return nr_extract_tree(m, rows, o, settings, out, rep, err);
}

const nr_extractor nr_extractor_tree = {
    .name = "tree",
    .summary = "a C4.5/CART tree (or rule set) induced on the network's labels",
    .opts = tree_options,
    .settings_size = sizeof(nr_tree_settings),
    .defaults = tree_defaults,
    .finish = tree_finish,
    .describe = tree_describe,
    .run = tree_run,
};
