/*
 * test_anndt.c - ANN-DT's pure pieces: the chi-squared and F tail
 * probabilities that test its splits (src/stattest.c), and the samples it
 * draws around real rows (nr_anndt_perturb): inside the rows' ranges, of
 * the features' types, seeded; and the spread (sd) that regression trees
 * and their rules carry.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anndt.h"
#include "ir.h"
#include "passes.h"
#include "tree.h"
#include "cutest.h"
#include "stattest.h"

#define NEAR(a, b, tol) CU_ASSERT(fabs((a) - (b)) <= (tol))

static void test_chi2(void)
{
    /* the 5% critical values of 1 and 3 degrees of freedom */
    NEAR(nr_chi2_sf(3.841459, 1), 0.05, 1e-6);
    NEAR(nr_chi2_sf(7.814728, 3), 0.05, 1e-6);
    /* 2 degrees of freedom: exp(-x / 2) exactly */
    NEAR(nr_chi2_sf(10, 2), exp(-5), 1e-12);
    NEAR(nr_chi2_sf(0.5, 2), exp(-0.25), 1e-12);
    CU_ASSERT_EQUAL(nr_chi2_sf(0, 4), 1);
    CU_ASSERT_EQUAL(nr_chi2_sf(-1, 4), 1);
    CU_ASSERT(nr_chi2_sf(1e4, 1) < 1e-300 || nr_chi2_sf(1e4, 1) == 0);
    /* independent counts: p 1; a clean split: p tiny */
    {
        const double even[4] = {10, 20, 10, 20}, clean[4] = {50, 0, 0, 50}, empty[6] = {10, 0, 5, 0, 0, 0};
        NEAR(nr_chi2_table_p(even, 2, 2), 1, 1e-12);
        CU_ASSERT(nr_chi2_table_p(clean, 2, 2) < 1e-20);
        /* one class present: nothing to test */
        CU_ASSERT_EQUAL(nr_chi2_table_p(empty, 3, 2), 1);
    }
}

static void test_f(void)
{
    /* F(1, d2) is t(d2) squared: P(F >= 4.0) with d2 = 10 */
    NEAR(nr_f_sf(4.964603, 1, 10), 0.05, 1e-6);
    NEAR(nr_f_sf(3.708265, 3, 10), 0.05, 1e-6);
    /* F(2, 2): P(F >= f) = 1 / (1 + f) */
    NEAR(nr_f_sf(3, 2, 2), 0.25, 1e-12);
    CU_ASSERT_EQUAL(nr_f_sf(0, 1, 5), 1);
    CU_ASSERT(nr_f_sf(1e6, 3, 1000) < 1e-12);
}

enum { NB = 60, NIN = 5 };

/* f0 continuous in [10, 20], f1 integer 0..5, f2 Boolean, f3 f4 one-hot */
static nn_model *model5(void)
{
    static const char *names[NIN] = {"f0", "f1", "f2", "f3", "f4"};
    static const nn_feature_type types[NIN] = {NN_FEAT_CONTINUOUS, NN_FEAT_INTEGER, NN_FEAT_BOOLEAN,
                                               NN_FEAT_ONEHOT, NN_FEAT_ONEHOT};
    nn_model *m = nn_model_new();
    nn_layer l;
    nn_error err;
    m->input = (nn_shape){NIN, 1, 1};
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = 2;
    l.w = calloc(2 * NIN, sizeof *l.w);
    l.b = calloc(2, sizeof *l.b);
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_SOFTMAX;
    nn_model_add_layer(m, &l);
    m->nfeatures = NIN;
    m->features = calloc(NIN, sizeof *m->features);
    for (int j = 0; j < NIN; j++) {
        m->features[j].name = strdup(names[j]);
        m->features[j].type = types[j];
        m->features[j].group = j >= 3 ? 0 : -1;
        m->features[j].max = j == 0 ? 20 : j == 1 ? 5 : 1;
    }
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &err), 0);
    return m;
}

static void test_perturb(void)
{
    nn_model *m = model5();
    float base[NB * NIN], *out = malloc(1000 * NIN * sizeof *out), *again = malloc(1000 * NIN * sizeof *again);
    int src[1000], moved = 0, redrawn = 0;
    nr_rng rng;
    nr_error err;
    for (int i = 0; i < NB; i++) {
        float *r = base + i * NIN;
        r[0] = 10 + (float)i / (NB - 1) * 10;
        r[1] = (float)(i % 6);
        r[2] = i % 3 == 0;
        r[3] = i % 2 == 0;
        r[4] = i % 2 == 1;
    }
    nr_error_clear(&err);
    nr_rng_seed(&rng, 7);
    CU_ASSERT_EQUAL_FATAL(nr_anndt_perturb(m, base, NB, NULL, 1000, &rng, out, src, &err), 0);
    for (int i = 0; i < 1000; i++) {
        const float *r = out + i * NIN, *b = base + src[i] * NIN;
        CU_ASSERT_EQUAL(src[i], i % NB); /* every row in turn */
        CU_ASSERT(r[0] >= 10 && r[0] <= 20);
        CU_ASSERT(r[1] >= 0 && r[1] <= 5 && r[1] == floorf(r[1]));
        CU_ASSERT(r[2] == 0 || r[2] == 1);
        CU_ASSERT(r[3] + r[4] == 1 && (r[3] == 0 || r[3] == 1));
        moved += r[0] != b[0];
        redrawn += r[2] != b[2];
    }
    /* continuous features move; Boolean ones only now and then */
    CU_ASSERT(moved > 900);
    CU_ASSERT(redrawn > 0 && redrawn < 200);
    /* the same seed, the same samples */
    nr_rng_seed(&rng, 7);
    CU_ASSERT_EQUAL_FATAL(nr_anndt_perturb(m, base, NB, NULL, 1000, &rng, again, NULL, &err), 0);
    CU_ASSERT(memcmp(out, again, 1000 * NIN * sizeof *out) == 0);
    /* nothing to draw around */
    CU_ASSERT(nr_anndt_perturb(m, base, 0, NULL, 10, &rng, again, NULL, &err) < 0);
    free(out);
    free(again);
    nn_model_free(m);
}

/* Weighted standard deviation of y over rows [lo, hi). */
static double wsd(const double *y, const double *w, int lo, int hi)
{
    double sw = 0, s = 0, ss = 0;
    for (int i = lo; i < hi; i++) {
        sw += w[i];
        s += w[i] * y[i];
    }
    for (int i = lo; i < hi; i++)
        ss += w[i] * (y[i] - s / sw) * (y[i] - s / sw);
    return sqrt(ss / sw);
}

/* Regression trees carry at every node the spread (weighted standard
 * deviation) of the targets reaching it, beside their mean; rules made
 * from such a tree carry their rows' spread too. */
static void test_regression_spread(void)
{
    static const float x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    static const double y[8] = {1, 2, 3, 6, 10, 10, 12, 12}, w[8] = {1, 1, 1, 1, 2, 2, 1, 1};
    nr_table t;
    nr_tree_opts o;
    nr_rules *r = nr_rules_new();
    nr_error err;
    const nr_node *nd;
    CU_ASSERT_FATAL(r != NULL);
    memset(&t, 0, sizeof t);
    t.nrows = 8;
    t.ncols = 1;
    t.x = x;
    t.yv = y;
    t.w = w;
    nr_tree_opts_default(&o);
    o.criterion = NR_CRIT_VARIANCE;
    o.prune = 0;
    o.min_leaf = 1;
    o.max_depth = 1;
    nr_error_clear(&err);
    r->task = NR_TASK_REGRESS;
    r->nfeatures = 1;
    r->features = nr_arena_calloc(r->arena, 1, sizeof *r->features);
    r->features[0].name = "x";
    r->features[0].group = -1;
    r->kind = NR_BODY_TREE;
    CU_ASSERT_EQUAL_FATAL(nr_tree_induce(&t, &o, r->arena, &r->tree, &err), 0);
    CU_ASSERT_EQUAL_FATAL(r->tree.nnodes, 3);
    nd = r->tree.nodes;
    CU_ASSERT_EQUAL(nd[0].test.t, 3.5f);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(nd[i].stats.has_sd, 1);
    NEAR(nd[0].stats.sd, wsd(y, w, 0, 8), 1e-12);
    NEAR(nd[1].stats.sd, wsd(y, w, 0, 4), 1e-12);
    NEAR(nd[1].stats.sd, sqrt(3.5), 1e-12);
    NEAR(nd[2].stats.sd, wsd(y, w, 4, 8), 1e-12);
    NEAR(nd[2].value, 64.0 / 6, 1e-12);
    /* as rules: one a leaf, each with the spread of the rows it decides */
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
    CU_ASSERT_EQUAL_FATAL(r->kind, NR_BODY_RULESET);
    CU_ASSERT_EQUAL_FATAL(r->rs.nrules, 2);
    for (int i = 0; i < 2; i++) {
        const nr_stats *s = &r->rs.rules[i].stats;
        const int left = r->rs.rules[i].conds[0].op == NR_LE;
        CU_ASSERT_EQUAL(s->has_sd, 1);
        NEAR(s->sd, left ? sqrt(3.5) : wsd(y, w, 4, 8), 1e-12);
        NEAR(s->cover, left ? 4 : 6, 0);
    }
    nr_rules_free(r);
}

static const cutest tests[] = {
    {"chi-squared tail and table test", test_chi2},
    {"F tail", test_f},
    {"samples around rows: ranges, types, seeded", test_perturb},
    {"regression trees and their rules: the spread of every node", test_regression_spread},
    {NULL, NULL},
};

CUTEST_MAIN("anndt", tests)
