/*
 * test_tree.c - the tree induction engine (nr_tree_induce): split choice
 * by hand-computed gain ratio, gain and Gini, thresholds that separate
 * exactly in float, the growth limits, C4.5 and cost-complexity pruning,
 * weights, nominal, Boolean and regression trees, determinism, errors.
 */
#include "cutest.h"

#include "ir.h"
#include "tree.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ------------------------------------------------------------- */

/* Quinlan's weather ("golf") data.  Columns: outlook (nominal: sunny 0,
 * overcast 1, rainy 2), temperature, humidity, windy (Boolean).  Class:
 * play, no 0 / yes 1 (9 yes, 5 no). */
static const float golf_x[14][4] = {
    {0, 85, 85, 0}, {0, 80, 90, 1}, {1, 83, 86, 0}, {2, 70, 96, 0},
    {2, 68, 80, 0}, {2, 65, 70, 1}, {1, 64, 65, 1}, {0, 72, 95, 0},
    {0, 69, 70, 0}, {2, 75, 80, 0}, {0, 75, 70, 1}, {1, 72, 90, 1},
    {1, 81, 75, 0}, {2, 71, 91, 1},
};
static const int golf_y[14] = {0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0};
static const int golf_nvalues[4] = {3, 0, 0, 0};
static const unsigned char golf_boolean[4] = {0, 0, 0, 1};

static nr_table golf_table(void)
{
    nr_table t;
    memset(&t, 0, sizeof t);
    t.nrows = 14;
    t.ncols = 4;
    t.x = &golf_x[0][0];
    t.nvalues = golf_nvalues;
    t.boolean = golf_boolean;
    t.y = golf_y;
    t.nclasses = 2;
    return t;
}

static nr_tree_opts opts(nr_criterion crit, double min_leaf, int prune)
{
    nr_tree_opts o;
    nr_tree_opts_default(&o);
    o.criterion = crit;
    o.min_leaf = min_leaf;
    o.prune = prune;
    return o;
}

/* A tree body in a fresh nr_rules (for nr_rules_predict), or NULL. */
static nr_rules *grow(const nr_table *t, const nr_tree_opts *o)
{
    nr_error err;
    nr_rules *r = nr_rules_new();
    CU_ASSERT_FATAL(r != NULL);
    nr_error_clear(&err);
    if (nr_tree_induce(t, o, r->arena, &r->tree, &err) < 0) {
        fprintf(stderr, "nr_tree_induce: %s\n", err.msg);
        nr_rules_free(r);
        return NULL;
    }
    r->kind = NR_BODY_TREE;
    r->nclasses = t->nclasses;
    r->task = t->nclasses ? NR_TASK_CLASSIFY : NR_TASK_REGRESS;
    r->nfeatures = t->ncols;
    return r;
}

static int count_leaves(const nr_tree *t)
{
    int n = 0;
    for (int i = 0; i < t->nnodes; i++)
        n += t->nodes[i].leaf;
    return n;
}

static int depth_of(const nr_tree *t, int id)
{
    if (t->nodes[id].leaf)
        return 0;
    int a = depth_of(t, t->nodes[id].yes), b = depth_of(t, t->nodes[id].no);
    return 1 + (a > b ? a : b);
}

static int trees_equal(const nr_tree *a, const nr_tree *b, int nclasses)
{
    if (a->nnodes != b->nnodes)
        return 0;
    for (int i = 0; i < a->nnodes; i++) {
        const nr_node *p = &a->nodes[i], *q = &b->nodes[i];
        if (p->leaf != q->leaf || p->klass != q->klass || p->value != q->value ||
            fabs(p->stats.cover - q->stats.cover) > 1e-9)
            return 0;
        for (int k = 0; k < nclasses; k++)
            if (fabs(p->dist[k] - q->dist[k]) > 1e-9)
                return 0;
        if (!p->leaf && (p->test.op != q->test.op || p->test.t != q->test.t ||
                         p->test.var.index != q->test.var.index || p->yes != q->yes ||
                         p->no != q->no))
            return 0;
    }
    return 1;
}

/* xorshift, for reproducible "random" tables */
static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static float uniform(void)
{
    return (float)(next_rand() % 1000000) / 1000000.0f;
}

/* n rows, d columns in [0,1), classes from a noisy rule on columns 0, 1. */
/* Fills x (n x d) and y, and returns the table over them. */
static nr_table structured(int n, int d, int K, float *x, int *y, double noise)
{
    nr_table t;
    memset(&t, 0, sizeof t);
    t.nrows = n;
    t.ncols = d;
    t.x = x;
    t.y = y;
    t.nclasses = K;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++)
            x[i * d + j] = uniform();
        int c = (int)(x[i * d] * K * 0.999f);
        if (x[i * d + 1] > 0.7f)
            c = (c + 1) % K;
        if (uniform() < noise)
            c = (int)(next_rand() % (unsigned)K);
        y[i] = c;
    }
    return t;
}

/* --- tests --------------------------------------------------------------- */

/* Root split of the golf data, by hand (H in bits, 9 yes / 5 no, H = 0.9403).
 * Splits are binary, so outlook is tried as `== v` against the rest:
 *   outlook == overcast: 4y0n | 5y5n, gain 0.9403 - 10/14 * 1     = 0.2260,
 *                        split info H(4/14) = 0.8631, ratio 0.2618
 *   outlook == sunny:    2y3n | 7y2n, gain 0.1022 (not this column's best)
 *   temperature <= 70.5: 4y1n | 5y4n, gain 0.0453, ratio 0.0482
 *   humidity <= 82.5:    6y1n | 3y4n, gain 0.1518, split info 1, ratio 0.1518
 *   windy:               3y3n | 6y2n, gain 0.0481, ratio 0.0488
 * Average gain (0.2260 + 0.0453 + 0.1518 + 0.0481) / 4 = 0.1178: outlook and
 * humidity qualify, and outlook == overcast has the higher ratio. */
static void test_golf_gain_ratio(void)
{
    nr_table t = golf_table();
    nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    const nr_node *root = &r->tree.nodes[0];
    CU_ASSERT_FATAL(!root->leaf);
    CU_ASSERT_EQUAL(root->test.op, NR_EQ);
    CU_ASSERT_EQUAL(root->test.var.kind, NR_VAR_INPUT);
    CU_ASSERT_EQUAL(root->test.var.index, 0);
    CU_ASSERT_EQUAL(root->test.t, 1.0f);
    /* the yes branch is overcast: 4 rows, all yes, a leaf */
    CU_ASSERT(r->tree.nodes[root->yes].leaf);
    CU_ASSERT_EQUAL(r->tree.nodes[root->yes].klass, 1);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[root->yes].stats.cover, 4, 1e-12);
    /* root statistics: 14 rows, 9 of the majority, Laplace 10 / 16 */
    CU_ASSERT_EQUAL(root->klass, 1);
    CU_ASSERT_DOUBLE_EQUAL(root->stats.cover, 14, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(root->stats.correct, 9, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(root->stats.confidence, 10.0 / 16, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(root->dist[0], 5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(root->dist[1], 9, 1e-12);
    /* unpruned with min_leaf 1 it fits the training rows */
    nr_rules_free(r);
    o.min_leaf = 1;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    for (int i = 0; i < 14; i++)
        CU_ASSERT_EQUAL(nr_rules_predict(r, golf_x[i], NULL, NULL, NULL), golf_y[i]);
    nr_rules_free(r);
}

/* The golf table without outlook: temperature, humidity (numeric) and
 * windy (Boolean), naming variables 1, 2, 3 through col_var. */
static nr_table golf_without_outlook(float x[14][3])
{
    static const int col_var[3] = {1, 2, 3};
    static const unsigned char boolean[3] = {0, 0, 1};
    nr_table t = golf_table();
    for (int i = 0; i < 14; i++)
        for (int j = 0; j < 3; j++)
            x[i][j] = golf_x[i][j + 1];
    t.ncols = 3;
    t.x = &x[0][0];
    t.nvalues = NULL;
    t.boolean = boolean;
    t.col_var = col_var;
    return t;
}

/* Without outlook only humidity (gain 0.1518) reaches the average gain
 * (0.0817) of temperature, humidity and windy: the root cuts humidity
 * between 80 and 85, at 82, the shortest decimal in the middle half of the
 * gap (see test_threshold_exact).  The columns name variables 1, 2, 3 through
 * col_var, so humidity is x2. */
static void test_golf_numeric_root(void)
{
    float x[14][3];
    nr_table t = golf_without_outlook(x);
    for (int crit = NR_CRIT_GAIN_RATIO; crit <= NR_CRIT_GAIN; crit++) {
        nr_tree_opts o = opts((nr_criterion)crit, 2, 0);
        nr_rules *r;
        o.mdl = 0;
        r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(r->tree.nodes[0].test.op, NR_LE);
        CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, 2);
        CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 82.0f);
        nr_rules_free(r);
    }
}

/* C4.5 release 8's MDL correction on the same table: humidity's best cut is
 * one of 8 (9 distinct values), so log2(8) / 14 = 0.2143 comes off its gain
 * of 0.1518; temperature's is one of 11, log2(11) / 14 = 0.2471 off 0.0453.
 * Both go negative; windy, a Boolean split that is not corrected, keeps its
 * 0.0481 and becomes the root. */
static void test_golf_mdl(void)
{
    float x[14][3];
    nr_table t = golf_without_outlook(x);
    nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
    nr_rules *r;
    CU_ASSERT_EQUAL(o.mdl, 1);
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.op, NR_TRUE);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, 3);
    nr_rules_free(r);
}

/* Gain ratio and gain disagree.  20 rows, 10 of class 0 then 10 of class 1:
 *   c0: 8/2 | 2/8:  gain 1 - H(0.2) = 0.2781, split info 1, ratio 0.2781
 *   c1: 4/0 | 6/10: gain 1 - 0.8 H(6/16) = 0.2365, split info H(0.2) =
 *       0.7219, ratio 0.3275
 *   c2: 5/5 | 5/5:  gain 0
 * Average gain 0.1715: both c0 and c1 qualify; gain ratio takes c1, gain
 * takes c0.  Gini: c0 decreases 0.5 - 0.32 = 0.18, c1 0.5 - 0.8 * 0.46875
 * = 0.125: c0. */
static void test_ratio_vs_gain(void)
{
    float x[20][3];
    int y[20];
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 20; i++) {
        int a = i < 10, k = i % 10;
        y[i] = !a;
        x[i][0] = a ? (k < 8 ? 0 : 1) : (k < 2 ? 0 : 1);
        x[i][1] = a && k < 4 ? 0 : 1;
        x[i][2] = (float)(k % 2);
    }
    t.nrows = 20;
    t.ncols = 3;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 2;
    static const struct { nr_criterion c; int col; } want[] = {
        {NR_CRIT_GAIN_RATIO, 1}, {NR_CRIT_GAIN, 0}, {NR_CRIT_GINI, 0}};
    for (int i = 0; i < 3; i++) {
        nr_tree_opts o = opts(want[i].c, 2, 0);
        o.max_depth = 1;
        nr_rules *r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, want[i].col);
        CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 0.5f);
        nr_rules_free(r);
    }
}

/* Gini on golf, by hand: the root's Gini is 1 - (81 + 25) / 196 = 0.4592.
 * outlook == overcast leaves 10/14 * 0.5 = 0.3571 (decrease 0.1020);
 * humidity <= 82.5 leaves 0.5 * (0.2449 + 0.4898) = 0.3673 (0.0918);
 * outlook == sunny leaves 0.3937 (0.0655): overcast. */
static void test_gini_golf(void)
{
    nr_table t = golf_table();
    nr_tree_opts o = opts(NR_CRIT_GINI, 1, 0);
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.op, NR_EQ);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, 0);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 1.0f);
    for (int i = 0; i < 14; i++)
        CU_ASSERT_EQUAL(nr_rules_predict(r, golf_x[i], NULL, NULL, NULL), golf_y[i]);
    nr_rules_free(r);
}

/* The threshold between lo and hi must satisfy lo <= t < hi in float, and
 * be the shortest decimal in the middle half of the gap (of two, the
 * nearer the midpoint, then the lower): 82 between 80 and 85, 0.8 between
 * 0.6 and 1.  Pairs of adjacent floats (1 + 2^-23 and 1 + 2^-22, whose
 * double midpoint is a tie that rounds to the even hi) get lo. */
static void test_threshold_exact(void)
{
    static const struct { float lo, hi, t; } cases[] = {
        {1.0f, 2.0f, 1.5f},
        {-2.0f, -1.0f, -1.5f},
        {80.0f, 85.0f, 82.0f},
        {0.6f, 1.0f, 0.8f},
        {4.95f, 5.05f, 5.0f},
        {0.123456f, 0.123999f, 0.1237f},
        {-1e-7f, 3e-7f, 1e-7f},
        {1234.5f, 1299.0f, 1270.0f},
        {1.0f + 0x1p-23f, 1.0f + 0x1p-22f, 1.0f + 0x1p-23f},
        {1.0f, 1.0f + 0x1p-23f, 1.0f},
        {16777216.0f, 16777218.0f, 16777216.0f},
        {-0x1p-149f, 0.0f, -0x1p-149f},
        {3.0e38f, INFINITY, 3.0e38f},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        float x[6];
        int y[6] = {0, 0, 0, 1, 1, 1};
        nr_table t;
        memset(&t, 0, sizeof t);
        for (int i = 0; i < 6; i++)
            x[i] = i < 3 ? cases[c].lo : cases[c].hi;
        t.nrows = 6;
        t.ncols = 1;
        t.x = x;
        t.y = y;
        t.nclasses = 2;
        nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
        nr_rules *r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_FATAL(!r->tree.nodes[0].leaf);
        float th = r->tree.nodes[0].test.t;
        CU_ASSERT(th == cases[c].t);
        CU_ASSERT(cases[c].lo <= th && th < cases[c].hi);
        for (int i = 0; i < 6; i++)
            CU_ASSERT_EQUAL(nr_rules_predict(r, &x[i], NULL, NULL, NULL), y[i]);
        nr_rules_free(r);
    }
}

static void test_min_leaf(void)
{
    enum { N = 300, D = 4 };
    static float x[N * D];
    static int y[N];
    nr_table t;
    t = structured(N, D, 3, x, y, 0.2);
    for (int ml = 1; ml <= 20; ml += 6) {
        nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, ml, 0);
        nr_rules *r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT(count_leaves(&r->tree) > 3);
        for (int i = 0; i < r->tree.nnodes; i++)
            if (r->tree.nodes[i].leaf)
                CU_ASSERT(r->tree.nodes[i].stats.cover >= ml);
        nr_rules_free(r);
    }
}

static void test_max_depth_and_leaves(void)
{
    enum { N = 400, D = 5 };
    static float x[N * D];
    static int y[N];
    nr_table t;
    t = structured(N, D, 4, x, y, 0.3);
    for (int depth = 1; depth <= 4; depth++) {
        nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
        o.max_depth = depth;
        nr_rules *r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(depth_of(&r->tree, 0), depth);
        nr_rules_free(r);
    }
    /* best-first growth stops at exactly max_leaves */
    nr_tree_opts full = opts(NR_CRIT_GINI, 1, 0);
    nr_rules *big = grow(&t, &full);
    CU_ASSERT_FATAL(big != NULL);
    for (int leaves = 1; leaves <= 40; leaves += 13) {
        nr_tree_opts o = opts(NR_CRIT_GINI, 1, 0);
        o.max_leaves = leaves;
        nr_rules *r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(count_leaves(&r->tree), leaves);
        /* the first split is the same as in the unbounded tree */
        if (leaves > 1) {
            CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, big->tree.nodes[0].test.var.index);
            CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, big->tree.nodes[0].test.t);
        }
        nr_rules_free(r);
    }
    /* a bound above the unbounded tree's leaves changes nothing */
    nr_tree_opts o = opts(NR_CRIT_GINI, 1, 0);
    o.max_leaves = count_leaves(&big->tree) + 10;
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(count_leaves(&r->tree), count_leaves(&big->tree));
    nr_rules_free(r);
    nr_rules_free(big);
}

/* Quinlan's pruning example (C4.5, ch. 4): a subtree with leaves of 6 and 9
 * cases of one class and 1 case of the other, all without errors.
 * Predicted errors at cf 0.25: 6 * 0.206 + 9 * 0.143 + 1 * 0.750 = 3.27;
 * as one leaf, 16 cases with 1 error: 16 * 0.155 = 2.48: the whole subtree
 * goes.  (The inner node, 7 cases with 1 error, would predict 2.34 errors
 * against 6 * 0.206 + 0.75 = 1.99 for its leaves, so on its own it stays;
 * it goes with its parent.) */
static void test_pessimistic_pruning(void)
{
    float x[16];
    int y[16];
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 16; i++) {
        x[i] = i < 6 ? 1.0f : i < 7 ? 2.0f : 3.0f;
        y[i] = i == 6;
    }
    t.nrows = 16;
    t.ncols = 1;
    t.x = x;
    t.y = y;
    t.nclasses = 2;
    nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 1, 0);
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(count_leaves(&r->tree), 3);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 2.5f); /* gain 0.0784 beats 1.5's 0.0442 */
    nr_rules_free(r);
    o.prune = 1;
    o.cf = 0.25;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nnodes, 1);
    CU_ASSERT_EQUAL(r->tree.nodes[0].klass, 0);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].stats.cover, 16, 1e-12);
    nr_rules_free(r);

    /* a split backed by plenty of cases survives pruning */
    float x2[40];
    int y2[40];
    for (int i = 0; i < 40; i++) {
        x2[i] = (float)i;
        y2[i] = i >= 20;
    }
    t.nrows = 40;
    t.x = x2;
    t.y = y2;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nnodes, 3);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 19.5f);
    nr_rules_free(r);
}

/* The same example under Gini and cost-complexity pruning.  R(t) is the
 * weight share times Gini: root 1 - (225 + 1) / 256 = 30/256 = 0.1172 over
 * 2 extra leaves, alpha 0.0586; inner node 7/16 * (1 - 37/49) = 0.1071 over
 * 1 extra leaf.  The root is the weakest link: alpha 0.05 keeps 3 leaves,
 * 0.06 leaves one. */
static void test_ccp(void)
{
    float x[16];
    int y[16];
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 16; i++) {
        x[i] = i < 6 ? 1.0f : i < 7 ? 2.0f : 3.0f;
        y[i] = i == 6;
    }
    t.nrows = 16;
    t.ncols = 1;
    t.x = x;
    t.y = y;
    t.nclasses = 2;
    nr_tree_opts o = opts(NR_CRIT_GINI, 1, 0);
    o.ccp_alpha = 0.05;
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(count_leaves(&r->tree), 3);
    nr_rules_free(r);
    o.ccp_alpha = 0.06;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(count_leaves(&r->tree), 1);
    nr_rules_free(r);

    /* on bigger data, leaves only shrink as alpha grows */
    enum { N = 300, D = 4 };
    static float xs[N * D];
    static int ys[N];
    t = structured(N, D, 3, xs, ys, 0.25);
    int prev = 1 << 30;
    for (double a = 0; a < 0.05; a += 0.004) {
        o.ccp_alpha = a;
        r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT(count_leaves(&r->tree) <= prev);
        prev = count_leaves(&r->tree);
        nr_rules_free(r);
    }
    CU_ASSERT(prev < 10);
}

static void test_deterministic(void)
{
    enum { N = 500, D = 6 };
    static float x[N * D];
    static int y[N];
    nr_table t;
    t = structured(N, D, 5, x, y, 0.1);
    for (int crit = NR_CRIT_GAIN_RATIO; crit <= NR_CRIT_GINI; crit++) {
        nr_tree_opts o = opts((nr_criterion)crit, 2, 1);
        nr_rules *a = grow(&t, &o), *b = grow(&t, &o);
        CU_ASSERT_FATAL(a && b);
        CU_ASSERT(a->tree.nnodes > 5);
        CU_ASSERT(trees_equal(&a->tree, &b->tree, 5));
        nr_rules_free(a);
        nr_rules_free(b);
    }
}

/* Integer weights give the same tree as rows repeated that many times. */
static void test_weights_as_duplicates(void)
{
    enum { N = 150, D = 3 };
    static float x[N * D], xd[3 * N * D];
    static int y[N], yd[3 * N];
    static double w[N];
    int m = 0;
    nr_table t, td;
    t = structured(N, D, 3, x, y, 0.2);
    for (int i = 0; i < N; i++) {
        w[i] = 1 + next_rand() % 3;
        for (int c = 0; c < (int)w[i]; c++, m++) {
            memcpy(&xd[m * D], &x[i * D], D * sizeof *x);
            yd[m] = y[i];
        }
    }
    t.w = w;
    td = t;
    td.nrows = m;
    td.x = xd;
    td.y = yd;
    td.w = NULL;
    for (int crit = NR_CRIT_GAIN_RATIO; crit <= NR_CRIT_GINI; crit++) {
        for (int prune = 0; prune <= 1; prune++) {
            nr_tree_opts o = opts((nr_criterion)crit, 3, prune);
            nr_rules *a = grow(&t, &o), *b = grow(&td, &o);
            CU_ASSERT_FATAL(a && b);
            CU_ASSERT(a->tree.nnodes > 3);
            CU_ASSERT(trees_equal(&a->tree, &b->tree, 3));
            nr_rules_free(a);
            nr_rules_free(b);
        }
    }
    /* weight 0 rows count for nothing */
    for (int i = 0; i < N; i++)
        w[i] = i % 2;
    nr_tree_opts o = opts(NR_CRIT_GINI, 2, 0);
    nr_rules *a = grow(&t, &o);
    CU_ASSERT_FATAL(a != NULL);
    CU_ASSERT_DOUBLE_EQUAL(a->tree.nodes[0].stats.cover, N / 2, 1e-12);
    nr_rules_free(a);
}

/* Weights of 0.5 everywhere (and min_leaf halved) take the fractional-weight
 * code paths; gain, gain ratio and Gini are all unchanged by scaling the
 * counts, so the tree is the unit-weight tree with half the cover. */
static void test_fractional_weights(void)
{
    enum { N = 300, D = 4 };
    static float x[N * D];
    static int y[N];
    static double w[N];
    nr_table t, th;
    t = structured(N, D, 3, x, y, 0.2);
    for (int i = 0; i < N; i++)
        w[i] = 0.5;
    th = t;
    th.w = w;
    for (int crit = NR_CRIT_GAIN_RATIO; crit <= NR_CRIT_GINI; crit++) {
        nr_tree_opts o = opts((nr_criterion)crit, 2, 0), oh;
        o.mdl = 0; /* its penalty divides by the weight, which halving changes */
        oh = o;
        oh.min_leaf = 1;
        nr_rules *a = grow(&t, &o), *b = grow(&th, &oh);
        CU_ASSERT_FATAL(a && b);
        CU_ASSERT(a->tree.nnodes > 9);
        CU_ASSERT_EQUAL_FATAL(a->tree.nnodes, b->tree.nnodes);
        for (int i = 0; i < a->tree.nnodes; i++) {
            const nr_node *p = &a->tree.nodes[i], *q = &b->tree.nodes[i];
            CU_ASSERT_EQUAL(p->leaf, q->leaf);
            CU_ASSERT_EQUAL(p->klass, q->klass);
            CU_ASSERT_DOUBLE_EQUAL(p->stats.cover, 2 * q->stats.cover, 1e-9);
            if (!p->leaf) {
                CU_ASSERT_EQUAL(p->test.var.index, q->test.var.index);
                CU_ASSERT_EQUAL(p->test.t, q->test.t);
            }
        }
        nr_rules_free(a);
        nr_rules_free(b);
    }
}

/* Nominal column (4 values; value 2 is class 1) and Boolean column. */
static void test_nominal_boolean(void)
{
    float x[24][2];
    int y[24];
    static const int nvalues[2] = {4, 0};
    static const unsigned char boolean[2] = {0, 1};
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 24; i++) {
        x[i][0] = (float)(i % 4);
        x[i][1] = (float)((i / 4) % 2);
        y[i] = i % 4 == 2;
    }
    t.nrows = 24;
    t.ncols = 2;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 2;
    t.nvalues = nvalues;
    t.boolean = boolean;
    nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nnodes, 3);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.op, NR_EQ);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 2.0f);
    CU_ASSERT_EQUAL(r->tree.nodes[r->tree.nodes[0].yes].klass, 1);
    nr_rules_free(r);

    /* now the class is the Boolean column */
    for (int i = 0; i < 24; i++)
        y[i] = x[i][1] > 0.5f;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nnodes, 3);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.op, NR_TRUE);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, 1);
    CU_ASSERT_EQUAL(r->tree.nodes[r->tree.nodes[0].yes].klass, 1);
    CU_ASSERT_EQUAL(r->tree.nodes[r->tree.nodes[0].no].klass, 0);
    nr_rules_free(r);

    /* a nominal value out of range is an error */
    x[5][0] = 4;
    nr_error err;
    nr_tree tree;
    nr_arena *arena = nr_arena_new();
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    nr_arena_free(arena);
}

/* Regression: y = 1 for x <= 5, 3 above, plus +-0.5 alternating noise on
 * four of the upper five: the root is x <= 5.5 and the leaves hold the means. */
static void test_regression(void)
{
    float x[10];
    double yv[10];
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 10; i++) {
        x[i] = (float)(i + 1);
        yv[i] = i < 5 ? 1.0 : i == 9 ? 3.0 : 3.0 + (i % 2 ? 0.5 : -0.5);
    }
    t.nrows = 10;
    t.ncols = 1;
    t.x = x;
    t.yv = yv;
    t.nclasses = 0;
    nr_tree_opts o = opts(NR_CRIT_VARIANCE, 2, 1);
    o.max_depth = 1;
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nnodes, 3);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 5.5f);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].value, 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[r->tree.nodes[0].yes].value, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[r->tree.nodes[0].no].value, 3.0, 1e-12);
    CU_ASSERT_EQUAL(r->tree.nodes[0].dist, NULL);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].stats.cover, 10, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].stats.confidence, 0, 1e-12);
    double v;
    nr_rules_predict(r, &x[7], NULL, &v, NULL);
    CU_ASSERT_DOUBLE_EQUAL(v, 3.0, 1e-12);
    nr_rules_free(r);

    /* unbounded with min_leaf 1 it fits every distinct target */
    o.max_depth = 0;
    o.min_leaf = 1;
    r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    for (int i = 0; i < 10; i++) {
        nr_rules_predict(r, &x[i], NULL, &v, NULL);
        CU_ASSERT_DOUBLE_EQUAL(v, yv[i], 1e-12);
    }
    /* the lower half is one value: one leaf */
    CU_ASSERT(r->tree.nodes[r->tree.nodes[0].yes].leaf);
    nr_rules_free(r);
}

/* Columns can stand for hidden units of a layer. */
static void test_hidden_vars(void)
{
    float x[8][2];
    int y[8];
    static const int col_var[2] = {5, 7};
    nr_table t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 8; i++) {
        x[i][0] = (float)(i % 2);
        x[i][1] = (float)i;
        y[i] = i >= 4;
    }
    t.nrows = 8;
    t.ncols = 2;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 2;
    t.var_kind = NR_VAR_HIDDEN;
    t.var_layer = 2;
    t.col_var = col_var;
    nr_tree_opts o = opts(NR_CRIT_GAIN_RATIO, 2, 0);
    nr_rules *r = grow(&t, &o);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.kind, NR_VAR_HIDDEN);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.layer, 2);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.var.index, 7);
    CU_ASSERT_EQUAL(r->tree.nodes[0].test.t, 3.5f);
    nr_rules_free(r);
}

static void test_errors(void)
{
    float x[4] = {0, 1, 2, 3};
    int y[4] = {0, 1, 0, 1};
    nr_table t;
    nr_tree tree;
    nr_error err;
    nr_tree_opts o;
    nr_arena *arena = nr_arena_new();
    nr_tree_opts_default(&o);
    memset(&t, 0, sizeof t);
    t.nrows = 4;
    t.ncols = 1;
    t.x = x;
    t.y = y;
    t.nclasses = 2;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), 0);
    t.nrows = 0;
    CU_ASSERT(nr_tree_induce(&t, &o, arena, &tree, &err) < 0);
    t.nrows = 4;
    y[2] = 2;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    CU_ASSERT(strstr(err.msg, "class") != NULL);
    y[2] = -1;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    y[2] = 0;
    x[1] = NAN;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    x[1] = 1;
    o.cf = 1.5;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    nr_tree_opts_default(&o);
    o.criterion = NR_CRIT_VARIANCE;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    nr_tree_opts_default(&o);
    double w[4] = {1, -1, 1, 1};
    t.w = w;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    t.w = NULL;
    t.y = NULL;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), NR_EINVAL);
    nr_arena_free(arena);
}

/* A pure table or one row gives a single leaf; a NULL options pointer
 * means the defaults. */
static void test_trivial(void)
{
    float x[3] = {1, 2, 3};
    int y[3] = {1, 1, 1};
    nr_table t;
    nr_tree tree;
    nr_error err;
    nr_arena *arena = nr_arena_new();
    memset(&t, 0, sizeof t);
    t.nrows = 3;
    t.ncols = 1;
    t.x = x;
    t.y = y;
    t.nclasses = 3;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, NULL, arena, &tree, &err), 0);
    CU_ASSERT_EQUAL(tree.nnodes, 1);
    CU_ASSERT_EQUAL(tree.nodes[0].klass, 1);
    CU_ASSERT_DOUBLE_EQUAL(tree.nodes[0].stats.confidence, 4.0 / 6, 1e-12);
    t.nrows = 1;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, NULL, arena, &tree, &err), 0);
    CU_ASSERT_EQUAL(tree.nnodes, 1);
    /* ties in the majority go to the lower class */
    y[0] = 2;
    y[1] = 0;
    t.nrows = 2;
    nr_tree_opts o;
    nr_tree_opts_default(&o);
    o.max_depth = 0;
    o.min_leaf = 2;
    CU_ASSERT_EQUAL(nr_tree_induce(&t, &o, arena, &tree, &err), 0);
    CU_ASSERT_EQUAL(tree.nnodes, 1);
    CU_ASSERT_EQUAL(tree.nodes[0].klass, 0);
    nr_arena_free(arena);
}

/* n values uniform in [0, 1), from xorshift32 seeded with seed: the same on
 * every machine. */
static void uniform_rows(float *x, int n, uint32_t seed)
{
    uint32_t s = seed;
    for (int k = 0; k < n; k++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[k] = (float)((s >> 8) * (1.0 / 16777216.0));
    }
}

/* An interaction without main effects: the class is (x0 > 0.5) XOR
 * (x1 > 0.5), and x2..x4 are noise.  No single split gains more than the
 * MDL correction takes off, so C4.5's default choice alone would stop at
 * the root; the engine must split on and find the interaction. */
static void test_xor_without_main_effects(void)
{
    enum { N = 800, D = 5 };
    static float x[N][D];
    static int y[N];
    nr_table t;
    memset(&t, 0, sizeof t);
    uniform_rows(&x[0][0], N * D, 88172645u);
    for (int i = 0; i < N; i++)
        y[i] = (x[i][0] > 0.5f) != (x[i][1] > 0.5f);
    t.nrows = N;
    t.ncols = D;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 2;
    for (int mdl = 1; mdl >= 0; mdl--) {
        nr_tree_opts o;
        nr_rules *r;
        int agree = 0;
        nr_tree_opts_default(&o);
        o.mdl = mdl;
        r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT(count_leaves(&r->tree) >= 4);
        for (int i = 0; i < N; i++)
            agree += nr_rules_predict(r, x[i], NULL, NULL, NULL) == y[i];
        CU_ASSERT(agree >= 0.95 * N);
        nr_rules_free(r);
    }
}

/* The best-first path: the tree grown best-first to k leaves is the path
 * tree with every node of rank k - 1 or more cut to a leaf, for every k. */
static void test_best_first_path(void)
{
    enum { N = 400, D = 4 };
    static float x[N][D];
    static int y[N];
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    nr_rules *path = nr_rules_new();
    int *rank = NULL, leaves;
    CU_ASSERT_FATAL(path != NULL);
    memset(&t, 0, sizeof t);
    uniform_rows(&x[0][0], N * D, 2463534242u);
    for (int i = 0; i < N; i++)
        y[i] = x[i][0] + 0.5f * x[i][1] > 0.7f ? (x[i][2] > 0.4f ? 2 : 1) : (x[i][3] > 0.8f);
    t.nrows = N;
    t.ncols = D;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 3;
    nr_tree_opts_default(&o);
    nr_error_clear(&err);
    CU_ASSERT_FATAL(nr_tree_induce_path(&t, &o, path->arena, &path->tree, &rank, &err) == 0);
    leaves = count_leaves(&path->tree);
    CU_ASSERT(leaves > 5);
    CU_ASSERT_EQUAL(rank[0], 0);
    for (int k = 1; k <= leaves; k++) {
        nr_rules *r;
        int differ = 0;
        o.max_leaves = k;
        o.prune = 0;
        r = grow(&t, &o);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(count_leaves(&r->tree), k);
        for (int i = 0; i < N; i++) {
            int node = 0;
            while (!path->tree.nodes[node].leaf && rank[node] < k - 1)
                node = nr_cond_holds(&path->tree.nodes[node].test, x[i], NULL)
                           ? path->tree.nodes[node].yes : path->tree.nodes[node].no;
            differ += path->tree.nodes[node].klass != nr_rules_predict(r, x[i], NULL, NULL, NULL);
        }
        CU_ASSERT_EQUAL(differ, 0);
        nr_rules_free(r);
    }
    free(rank);
    nr_rules_free(path);
}

/* Readable thresholds between real rows: the shortest decimal no further
 * than half-way to the real values either side, which stay where they
 * were. */
static void test_readable_threshold(void)
{
    CU_ASSERT_EQUAL(nr_readable_threshold(1.6868f, 1.6f, 1.7f), 1.69f);
    CU_ASSERT_EQUAL(nr_readable_threshold(2.3456f, 2.3f, INFINITY), 2.34f);
    CU_ASSERT_EQUAL(nr_readable_threshold(0.123456f, -INFINITY, INFINITY), 0.123456f);
    CU_ASSERT_EQUAL(nr_readable_threshold(47.318f, 12.0f, 90.0f), 50.0f);
    /* the real rows close in: as many digits as the gap needs */
    CU_ASSERT_EQUAL(nr_readable_threshold(1.000013f, 1.0f, 1.00002f), 1.00001f);
    for (int i = 0; i < 1000; i++) {
        float lo = (float)(i % 97) * 0.37f - 10, hi = lo + 0.001f * (float)(1 + i % 13), t = lo + (hi - lo) * 0.3f;
        float r = nr_readable_threshold(t, lo, hi);
        CU_ASSERT(lo <= r && r < hi);
    }
}

static const cutest tests[] = {
    {"readable thresholds between real rows", test_readable_threshold},
    {"golf: gain ratio root", test_golf_gain_ratio},
    {"golf: numeric root, col_var", test_golf_numeric_root},
    {"golf: C4.5's MDL correction", test_golf_mdl},
    {"XOR without main effects", test_xor_without_main_effects},
    {"best-first path", test_best_first_path},
    {"gain ratio vs gain vs gini", test_ratio_vs_gain},
    {"golf: gini", test_gini_golf},
    {"thresholds exact in float", test_threshold_exact},
    {"min_leaf", test_min_leaf},
    {"max_depth and max_leaves", test_max_depth_and_leaves},
    {"pessimistic pruning", test_pessimistic_pruning},
    {"cost-complexity pruning", test_ccp},
    {"deterministic", test_deterministic},
    {"weights as duplicated rows", test_weights_as_duplicates},
    {"fractional weights", test_fractional_weights},
    {"nominal and boolean splits", test_nominal_boolean},
    {"regression", test_regression},
    {"hidden-unit variables", test_hidden_vars},
    {"errors", test_errors},
    {"trivial tables", test_trivial},
    {NULL, NULL},
};

CUTEST_MAIN("tree", tests)
