/*
 * test_passes.c - passes over the rule IR: C4.5's pessimistic error,
 * simplifying conjunctions and rule sets, C4.5rules (tree to decision
 * list) and statistics.
 */
#include "cutest.h"

#include "ir.h"
#include "passes.h"
#include "tree.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ------------------------------------------------------------- */

static nr_cond in_cond(nr_cond_op op, int index, float t)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.var.kind = NR_VAR_INPUT;
    c.var.index = index;
    c.t = t;
    return c;
}

static int has_cond(const nr_cond *c, int n, nr_cond_op op, int index, float t)
{
    for (int i = 0; i < n; i++)
        if (c[i].op == op && c[i].var.index == index && c[i].t == t)
            return 1;
    return 0;
}

/* A rule set body of nrules rules over nfeatures inputs and K classes. */
static nr_rules *ruleset(int nfeatures, int K, nr_ruleset_kind kind, int nrules)
{
    nr_rules *r = nr_rules_new();
    CU_ASSERT_FATAL(r != NULL);
    r->kind = NR_BODY_RULESET;
    r->nfeatures = nfeatures;
    r->nclasses = K;
    r->rs.kind = kind;
    r->rs.policy = kind == NR_ORDERED ? NR_POLICY_FIRST : NR_POLICY_VOTE;
    r->rs.nrules = nrules;
    r->rs.rules = nr_arena_calloc(r->arena, (size_t)nrules, sizeof *r->rs.rules);
    CU_ASSERT_FATAL(r->rs.rules != NULL);
    return r;
}

static void set_rule(nr_rules *r, int i, int klass, int nconds, const nr_cond *conds)
{
    nr_rule *rule = &r->rs.rules[i];
    rule->klass = klass;
    rule->nconds = nconds;
    rule->conds = nr_arena_calloc(r->arena, (size_t)(nconds ? nconds : 1), sizeof *conds);
    CU_ASSERT_FATAL(rule->conds != NULL);
    memcpy(rule->conds, conds, (size_t)nconds * sizeof *conds);
}

static uint32_t rng = 88172645u;
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

/* A tree grown on t into a fresh nr_rules with nfeatures inputs. */
static nr_rules *grow(const nr_table *t, const nr_tree_opts *o, int nfeatures)
{
    nr_error err;
    nr_rules *r = nr_rules_new();
    CU_ASSERT_FATAL(r != NULL);
    if (nr_tree_induce(t, o, r->arena, &r->tree, &err) < 0) {
        fprintf(stderr, "nr_tree_induce: %s\n", err.msg);
        CU_FAIL_FATAL("nr_tree_induce");
    }
    r->kind = NR_BODY_TREE;
    r->nclasses = t->nclasses;
    r->nfeatures = nfeatures;
    return r;
}

/* --- pessimistic error --------------------------------------------------- */

/* Quinlan (C4.5, ch. 4) at cf 0.25: U(0, 6) = 0.206, U(0, 9) = 0.143,
 * U(0, 1) = 0.750, exactly 1 - 0.25^(1/n): 6 * 0.2063 = 1.2378,
 * 9 * 0.14276 = 1.2848.  With one error the normal approximation: z is the
 * 0.75 quantile 0.67449, and
 *   U(1, 16) = (1.5 + z^2/2 + z sqrt(1.5 (1 - 1.5/16) + z^2/4)) / (16 + z^2)
 *            = 2.546115 / 16.454936 = 0.154732,  16 U = 2.4757
 * (the book's 0.157 comes from C4.5's interpolated z of 0.69). */
static void test_pessimistic(void)
{
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(6, 0, 0.25), 1.2378, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(6, 0, 0.25) / 6, 0.206, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(9, 0, 0.25), 1.2848, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(1, 0, 0.25), 0.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(16, 1, 0.25), 2.4757, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(7, 1, 0.25), 2.3420, 1e-4);
    /* e within a half of n: C4.5 adds 0.67 (n - e) */
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(2, 1.6, 0.25), 1.6 + 0.67 * 0.4, 1e-12);
    /* 0 < e < 1 interpolates between e = 0 and e = 1 */
    double e0 = nr_pessimistic_errors(10, 0, 0.25), e1 = nr_pessimistic_errors(10, 1, 0.25);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(10, 0.5, 0.25), (e0 + e1) / 2, 1e-9);
    /* smaller cf: more pessimistic; never below the observed errors */
    CU_ASSERT(nr_pessimistic_errors(20, 3, 0.1) > nr_pessimistic_errors(20, 3, 0.25));
    CU_ASSERT(nr_pessimistic_errors(20, 3, 0.25) > nr_pessimistic_errors(20, 3, 0.5));
    CU_ASSERT(nr_pessimistic_errors(20, 3, 0.5) >= 3);
    CU_ASSERT_DOUBLE_EQUAL(nr_pessimistic_errors(0, 0, 0.25), 0, 1e-12);
}

/* --- simplification ------------------------------------------------------ */

static void test_simplify_thresholds(void)
{
    nr_cond c[8];
    int n = 0;
    c[n++] = in_cond(NR_LE, 0, 5);
    c[n++] = in_cond(NR_GT, 0, 0);
    c[n++] = in_cond(NR_LE, 0, 3);
    c[n++] = in_cond(NR_GT, 0, 1);
    c[n++] = in_cond(NR_LE, 1, 7);  /* another feature: kept */
    c[n++] = in_cond(NR_LE, 0, 3);  /* duplicate */
    c[n++] = in_cond(NR_NE, 0, 9);  /* outside (1, 3]: implied */
    c[n++] = in_cond(NR_NE, 0, 2);  /* inside: kept */
    CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 0);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT(has_cond(c, n, NR_LE, 0, 3));
    CU_ASSERT(has_cond(c, n, NR_GT, 0, 1));
    CU_ASSERT(has_cond(c, n, NR_LE, 1, 7));
    CU_ASSERT(has_cond(c, n, NR_NE, 0, 2));
    /* the kept conditions keep their order */
    CU_ASSERT_EQUAL(c[0].op, NR_LE);
    CU_ASSERT_EQUAL(c[1].op, NR_GT);

    /* equality implies bounds and inequalities */
    n = 0;
    c[n++] = in_cond(NR_LE, 2, 10);
    c[n++] = in_cond(NR_EQ, 2, 4);
    c[n++] = in_cond(NR_NE, 2, 3);
    c[n++] = in_cond(NR_GT, 2, -1);
    CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT(has_cond(c, n, NR_EQ, 2, 4));

    /* Boolean tests: x is x > 0.5 */
    n = 0;
    c[n++] = in_cond(NR_TRUE, 3, 0);
    c[n++] = in_cond(NR_GT, 3, 0.25f);
    c[n++] = in_cond(NR_TRUE, 3, 0);
    CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(c[0].op, NR_TRUE);

    /* a hidden unit with the same index is another variable */
    n = 0;
    c[n++] = in_cond(NR_LE, 1, 3);
    c[n] = in_cond(NR_LE, 1, 2);
    c[n].var.kind = NR_VAR_HIDDEN;
    c[n++].var.layer = 0;
    c[n] = in_cond(NR_LE, 1, 1);
    c[n].var.kind = NR_VAR_HIDDEN;
    c[n++].var.layer = 1;
    CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
}

static void test_simplify_unsat(void)
{
    nr_cond c[4];
    int n;
#define UNSAT(...)                                                  \
    do {                                                            \
        nr_cond tmp[] = {__VA_ARGS__};                              \
        n = (int)(sizeof tmp / sizeof tmp[0]);                      \
        memcpy(c, tmp, sizeof tmp);                                 \
        CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 1);         \
    } while (0)
    UNSAT(in_cond(NR_LE, 0, 1), in_cond(NR_GT, 0, 2));
    UNSAT(in_cond(NR_LE, 0, 1), in_cond(NR_GT, 0, 1));
    UNSAT(in_cond(NR_EQ, 0, 1), in_cond(NR_EQ, 0, 2));
    UNSAT(in_cond(NR_EQ, 0, 1), in_cond(NR_NE, 0, 1));
    UNSAT(in_cond(NR_EQ, 0, 3), in_cond(NR_LE, 0, 2));
    UNSAT(in_cond(NR_TRUE, 0, 0), in_cond(NR_FALSE, 0, 0));
    UNSAT(in_cond(NR_TRUE, 0, 0), in_cond(NR_LE, 0, 0.25f));
    UNSAT(in_cond(NR_LE, 0, NAN));
    /* x > 1 and x <= next float after 1 leave one value; x != it removes it */
    UNSAT(in_cond(NR_GT, 0, 1), in_cond(NR_LE, 0, nextafterf(1, 2)),
          in_cond(NR_NE, 0, nextafterf(1, 2)));
#undef UNSAT
    n = 2;
    c[0] = in_cond(NR_GT, 0, 1);
    c[1] = in_cond(NR_LE, 0, nextafterf(1, 2));
    CU_ASSERT_EQUAL(nr_simplify_conjunction(c, &n), 0);
    CU_ASSERT_EQUAL(n, 2);
}

static void test_simplify_ruleset(void)
{
    nr_error err;
    nr_cond a[] = {in_cond(NR_LE, 0, 3)};
    nr_cond b[] = {in_cond(NR_LE, 0, 2), in_cond(NR_GT, 1, 1)};
    nr_cond u[] = {in_cond(NR_LE, 0, 1), in_cond(NR_GT, 0, 2)};
    nr_cond d[] = {in_cond(NR_LE, 1, 4), in_cond(NR_LE, 1, 4)};

    /* unordered: b (class 0) is inside a (class 0): dropped; the same
     * conditions with another class stay; unsatisfiable rules go */
    nr_rules *r = ruleset(2, 2, NR_UNORDERED, 5);
    set_rule(r, 0, 0, 2, b);
    set_rule(r, 1, 0, 1, a);
    set_rule(r, 2, 1, 2, b);
    set_rule(r, 3, 1, 2, u);
    set_rule(r, 4, 1, 2, d);
    CU_ASSERT_EQUAL(nr_simplify_ruleset(r, &err), 0);
    CU_ASSERT_EQUAL(r->rs.nrules, 3);
    CU_ASSERT_EQUAL(r->rs.rules[0].nconds, 1);
    CU_ASSERT_EQUAL(r->rs.rules[0].klass, 0);
    CU_ASSERT_EQUAL(r->rs.rules[1].klass, 1);
    CU_ASSERT_EQUAL(r->rs.rules[1].nconds, 2);
    CU_ASSERT_EQUAL(r->rs.rules[2].nconds, 1); /* x1 <= 4 once */
    nr_rules_free(r);

    /* two equal unordered rules: the first stays */
    r = ruleset(2, 2, NR_UNORDERED, 2);
    set_rule(r, 0, 1, 1, a);
    set_rule(r, 1, 1, 1, a);
    CU_ASSERT_EQUAL(nr_simplify_ruleset(r, &err), 0);
    CU_ASSERT_EQUAL(r->rs.nrules, 1);
    nr_rules_free(r);

    /* ordered: b after a (same class) never fires first: dropped; b before
     * a decides rows a would too, but only an earlier rule can cover */
    r = ruleset(2, 2, NR_ORDERED, 2);
    set_rule(r, 0, 0, 1, a);
    set_rule(r, 1, 0, 2, b);
    CU_ASSERT_EQUAL(nr_simplify_ruleset(r, &err), 0);
    CU_ASSERT_EQUAL(r->rs.nrules, 1);
    nr_rules_free(r);
    r = ruleset(2, 2, NR_ORDERED, 2);
    set_rule(r, 0, 0, 2, b);
    set_rule(r, 1, 0, 1, a);
    CU_ASSERT_EQUAL(nr_simplify_ruleset(r, &err), 0);
    CU_ASSERT_EQUAL(r->rs.nrules, 2);
    nr_rules_free(r);
}

/* --- statistics ---------------------------------------------------------- */

/* Rules x0 <= 1 -> 0, x0 <= 2 -> 1, default 2, on rows x0 = 0, 1, 2, 3 with
 * labels 0, 1, 1, 2.  Ordered: rule 0 fires first on rows 0, 1 (1 right,
 * Laplace (1 + 1) / (2 + 3) = 0.4); rule 1 on row 2 (1 right, 2/4).
 * Unordered: rule 1 fires on rows 0, 1, 2 (2 right, 3/6). */
static void test_stats(void)
{
    static const float x[4] = {0, 1, 2, 3};
    static const int y[4] = {0, 1, 1, 2};
    nr_cond a[] = {in_cond(NR_LE, 0, 1)}, b[] = {in_cond(NR_LE, 0, 2)};
    nr_error err;
    nr_rules *r = ruleset(1, 3, NR_ORDERED, 2);
    set_rule(r, 0, 0, 1, a);
    set_rule(r, 1, 1, 1, b);
    r->rs.default_class = 2;
    CU_ASSERT_EQUAL(nr_rules_stats(r, x, y, 4, &err), 0);
    CU_ASSERT(r->rs.rules[0].stats.has);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[0].stats.cover, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[0].stats.correct, 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[0].stats.confidence, 0.4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[1].stats.cover, 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[1].stats.confidence, 0.5, 1e-12);
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = NR_POLICY_VOTE;
    CU_ASSERT_EQUAL(nr_rules_stats(r, x, y, 4, &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[1].stats.cover, 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[1].stats.correct, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[1].stats.confidence, 0.5, 1e-12);
    /* bad labels */
    static const int bad[4] = {0, 1, 3, 2};
    CU_ASSERT_EQUAL(nr_rules_stats(r, x, bad, 4, &err), NR_EINVAL);
    nr_rules_free(r);

    /* tree: per node */
    r = nr_rules_new();
    r->kind = NR_BODY_TREE;
    r->nfeatures = 1;
    r->nclasses = 3;
    r->tree.nnodes = 3;
    r->tree.nodes = nr_arena_calloc(r->arena, 3, sizeof *r->tree.nodes);
    r->tree.nodes[0].test = in_cond(NR_LE, 0, 1.5f);
    r->tree.nodes[0].yes = 1;
    r->tree.nodes[0].no = 2;
    r->tree.nodes[0].klass = 1;
    r->tree.nodes[1].leaf = 1;
    r->tree.nodes[1].klass = 0;
    r->tree.nodes[2].leaf = 1;
    r->tree.nodes[2].klass = 1;
    CU_ASSERT_EQUAL(nr_rules_stats(r, x, y, 4, &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].stats.cover, 4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[0].stats.correct, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[1].stats.cover, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[1].stats.correct, 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[2].stats.correct, 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->tree.nodes[2].stats.confidence, 2.0 / 5, 1e-12);
    nr_rules_free(r);
}

/* --- C4.5rules ----------------------------------------------------------- */

enum { N = 600, D = 5, K = 3 };

/* Classes from thresholds on x0 and x1, with label noise. */
static void structured(float *x, int *y, double noise)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++)
            x[i * D + j] = uniform();
        int c = x[i * D] < 0.3f ? 0 : x[i * D + 1] < 0.5f ? 1 : 2;
        if (uniform() < noise)
            c = (int)(next_rand() % K);
        y[i] = c;
    }
}

/* (Within a class the rules were ordered by their confidence on their own;
 * the statistics left in them are first-fire ones, so only the class order
 * can be checked here.) */
static int is_sorted_by_class(const nr_ruleset *rs)
{
    for (int i = 1; i < rs->nrules; i++)
        if (rs->rules[i].klass < rs->rules[i - 1].klass)
            return 0;
    return 1;
}

/* With cf 0 no condition is dropped: the decision list is the tree, leaf
 * for leaf, and predicts as the tree on every row, seen or not. */
static void test_tree_to_rules_exact(void)
{
    static float x[N * D], fresh[D];
    static int y[N], tree_pred[N];
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    structured(x, y, 0.15);
    memset(&t, 0, sizeof t);
    t.nrows = N;
    t.ncols = D;
    t.x = x;
    t.y = y;
    t.nclasses = K;
    nr_tree_opts_default(&o);
    o.prune = 0;
    o.mdl = 0; /* a large tree to translate */
    nr_rules *r = grow(&t, &o, D), *tree = grow(&t, &o, D);
    int leaves = nr_rules_count(r, NULL);
    CU_ASSERT(leaves > 20);
    for (int i = 0; i < N; i++)
        tree_pred[i] = nr_rules_predict(tree, &x[i * D], NULL, NULL, NULL);
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0, &err), 0);
    CU_ASSERT_EQUAL(r->kind, NR_BODY_RULESET);
    CU_ASSERT_EQUAL(r->rs.kind, NR_ORDERED);
    CU_ASSERT_EQUAL(r->rs.policy, NR_POLICY_FIRST);
    CU_ASSERT_EQUAL(r->rs.nrules, leaves);
    CU_ASSERT(is_sorted_by_class(&r->rs));
    for (int i = 0; i < N; i++)
        CU_ASSERT_EQUAL(nr_rules_predict(r, &x[i * D], NULL, NULL, NULL), tree_pred[i]);
    for (int i = 0; i < 2000; i++) {
        for (int j = 0; j < D; j++)
            fresh[j] = uniform();
        CU_ASSERT_EQUAL(nr_rules_predict(r, fresh, NULL, NULL, NULL),
                        nr_rules_predict(tree, fresh, NULL, NULL, NULL));
    }
    /* statistics: first-fire covers add up to the rows */
    double cover = 0;
    for (int i = 0; i < r->rs.nrules; i++) {
        CU_ASSERT(r->rs.rules[i].stats.has);
        cover += r->rs.rules[i].stats.cover;
    }
    CU_ASSERT_DOUBLE_EQUAL(cover, N, 1e-9);
    nr_rules_free(r);
    nr_rules_free(tree);
}

/* On noisy data an unpruned tree has many leaves with long paths; C4.5rules
 * drops most of their conditions and keeps the accuracy of the concept. */
static void test_tree_to_rules_generalises(void)
{
    static float x[N * D];
    static int y[N], clean[N];
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    structured(x, y, 0.1);
    for (int i = 0; i < N; i++)
        clean[i] = x[i * D] < 0.3f ? 0 : x[i * D + 1] < 0.5f ? 1 : 2;
    memset(&t, 0, sizeof t);
    t.nrows = N;
    t.ncols = D;
    t.x = x;
    t.y = y;
    t.nclasses = K;
    nr_tree_opts_default(&o);
    o.prune = 0;
    o.min_leaf = 1;
    nr_rules *r = grow(&t, &o, D);
    int tree_conds = 0, rule_conds = 0, right = 0;
    /* conditions on all leaf paths (nodes come in preorder) */
    {
        int depth[4096];
        CU_ASSERT_FATAL(r->tree.nnodes < 4096);
        depth[0] = 0;
        for (int i = 0; i < r->tree.nnodes; i++) {
            const nr_node *nd = &r->tree.nodes[i];
            if (nd->leaf)
                tree_conds += depth[i];
            else
                depth[nd->yes] = depth[nd->no] = depth[i] + 1;
        }
    }
    int leaves = nr_rules_count(r, NULL);
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
    nr_rules_count(r, &rule_conds);
    CU_ASSERT(r->rs.nrules < leaves);
    CU_ASSERT(rule_conds * 3 < tree_conds);
    CU_ASSERT(is_sorted_by_class(&r->rs));
    for (int i = 0; i < N; i++)
        right += nr_rules_predict(r, &x[i * D], NULL, NULL, NULL) == clean[i];
    CU_ASSERT(right >= 0.95 * N);
    /* the rules test the concept's columns x0, x1 far more than the
     * noise columns x2..x4 */
    int noise = 0;
    for (int i = 0; i < r->rs.nrules; i++)
        for (int k = 0; k < r->rs.rules[i].nconds; k++)
            noise += r->rs.rules[i].conds[k].var.index >= 2;
    CU_ASSERT(noise * 2 < rule_conds);
    printf("\n    tree: %d leaves, %d path conditions; rules: %d, %d conditions; "
           "%d/%d agree with the clean concept\n",
           leaves, tree_conds, r->rs.nrules, rule_conds, right, N);
    nr_rules_free(r);
}

/* The textbook case in rules.  The tree: x <= 2.5 and x <= 1.5 lead to 6
 * cases of class 0, x <= 2.5 and x > 1.5 to 1 of class 1, x > 2.5 to 9 of
 * class 0.  At cf 0.25:
 *  - x <= 1.5 -> 0 (the path's x <= 2.5 is implied): 6 cases, 0 errors,
 *    rate 0.206; without its condition 16 cases, 1 error, rate 0.155:
 *    dropped, and a rule without conditions goes (the default does its work);
 *  - x > 1.5 and x <= 2.5 -> 1: 1 case, rate 0.75: too inaccurate, goes;
 *  - x > 2.5 -> 0: 9 cases, rate 0.143, against 0.155 without: kept, but
 *    then deleted, since the default class 0 does as well on its rows.
 * No rule is left: like pessimistic pruning, C4.5rules calls the lone case
 * noise.  With 3 cases of class 1 at x = 2 their rule stays:
 *  - x <= 1.5 -> 0: 6 cases, rate 0.206; without: 18 cases, 3 errors,
 *    rate 0.265: kept; x > 2.5 -> 0: 0.143 against 0.265: kept;
 *  - x > 1.5 and x <= 2.5 -> 1: 3 cases, rate 1 - 0.25^(1/3) = 0.370;
 *    without either condition 9 cases with 6 errors or 12 with 9: kept.
 * Both class 0 rules are then deleted (their rows default to 0 anyway):
 * one rule, default 0, every training row right. */
static void test_tree_to_rules_textbook(void)
{
    float x[18];
    int y[18];
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    for (int ones = 1; ones <= 3; ones += 2) {
        int n = 15 + ones;
        for (int i = 0; i < n; i++) {
            x[i] = i < 6 ? 1.0f : i < 6 + ones ? 2.0f : 3.0f;
            y[i] = x[i] == 2.0f;
        }
        memset(&t, 0, sizeof t);
        t.nrows = n;
        t.ncols = 1;
        t.x = x;
        t.y = y;
        t.nclasses = 2;
        nr_tree_opts_default(&o);
        o.prune = 0;
        o.min_leaf = 1;
        nr_rules *r = grow(&t, &o, 1);
        CU_ASSERT_EQUAL_FATAL(nr_rules_count(r, NULL), 3);
        CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
        CU_ASSERT_EQUAL(r->rs.default_class, 0);
        if (ones == 1) {
            CU_ASSERT_EQUAL(r->rs.nrules, 0);
            nr_rules_free(r);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(r->rs.nrules, 1);
        CU_ASSERT_EQUAL(r->rs.rules[0].klass, 1);
        CU_ASSERT_EQUAL(r->rs.rules[0].nconds, 2);
        CU_ASSERT(has_cond(r->rs.rules[0].conds, 2, NR_GT, 0, 1.5f));
        CU_ASSERT(has_cond(r->rs.rules[0].conds, 2, NR_LE, 0, 2.5f));
        for (int i = 0; i < n; i++)
            CU_ASSERT_EQUAL(nr_rules_predict(r, &x[i], NULL, NULL, NULL), y[i]);
        /* statistics: first-fire cover, Laplace confidence (3 + 1) / (3 + 2) */
        CU_ASSERT(r->rs.rules[0].stats.has);
        CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[0].stats.cover, 3, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(r->rs.rules[0].stats.confidence, 4.0 / 5, 1e-12);
        nr_rules_free(r);
    }
}

/* Columns mapped to other features by col_var; the rules test those. */
static void test_tree_to_rules_col_var(void)
{
    float x[40][2], feat[3];
    int y[40];
    static const int col_var[2] = {2, 0};
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    for (int i = 0; i < 40; i++) {
        x[i][0] = (float)(i % 10);
        x[i][1] = (float)(i / 10);
        y[i] = x[i][0] >= 5 && x[i][1] >= 2;
    }
    memset(&t, 0, sizeof t);
    t.nrows = 40;
    t.ncols = 2;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 2;
    t.col_var = col_var;
    nr_tree_opts_default(&o);
    nr_rules *r = grow(&t, &o, 3);
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
    for (int i = 0; i < 40; i++) {
        feat[0] = x[i][1];
        feat[1] = -1;
        feat[2] = x[i][0];
        CU_ASSERT_EQUAL(nr_rules_predict(r, feat, NULL, NULL, NULL), y[i]);
    }
    for (int i = 0; i < r->rs.nrules; i++)
        for (int k = 0; k < r->rs.rules[i].nconds; k++)
            CU_ASSERT(r->rs.rules[i].conds[k].var.index != 1);
    nr_rules_free(r);

    /* a table that lacks the tree's variables is refused */
    r = grow(&t, &o, 3);
    t.col_var = NULL;
    CU_ASSERT_EQUAL(nr_tree_to_rules(r, &t, 0.25, &err), NR_EINVAL);
    nr_rules_free(r);
}

/* A tree on hidden units of layer 1 (columns are units 3 and 0): the rules
 * test those units and predict from the activations. */
static void test_tree_to_rules_hidden(void)
{
    float h[30][2], act[4], in[1] = {0};
    int y[30];
    static const int col_var[2] = {3, 0};
    const float *layers[2] = {NULL, act};
    nr_hidden hid = {2, layers};
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    for (int i = 0; i < 30; i++) {
        h[i][0] = (float)(i % 6);
        h[i][1] = (float)(i / 6);
        y[i] = h[i][0] > 2.5f ? (h[i][1] > 1.5f ? 2 : 1) : 0;
    }
    memset(&t, 0, sizeof t);
    t.nrows = 30;
    t.ncols = 2;
    t.x = &h[0][0];
    t.y = y;
    t.nclasses = 3;
    t.var_kind = NR_VAR_HIDDEN;
    t.var_layer = 1;
    t.col_var = col_var;
    nr_tree_opts_default(&o);
    nr_rules *r = grow(&t, &o, 1);
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
    CU_ASSERT(r->rs.nrules >= 2);
    CU_ASSERT(nr_rules_uses_hidden(r));
    for (int i = 0; i < r->rs.nrules; i++)
        for (int k = 0; k < r->rs.rules[i].nconds; k++) {
            CU_ASSERT_EQUAL(r->rs.rules[i].conds[k].var.kind, NR_VAR_HIDDEN);
            CU_ASSERT_EQUAL(r->rs.rules[i].conds[k].var.layer, 1);
        }
    for (int i = 0; i < 30; i++) {
        act[0] = h[i][1];
        act[1] = act[2] = -7;
        act[3] = h[i][0];
        CU_ASSERT_EQUAL(nr_rules_predict(r, in, &hid, NULL, NULL), y[i]);
    }
    /* statistics need activations: refused */
    CU_ASSERT_EQUAL(nr_rules_stats(r, in, y, 1, &err), NR_EUNSUP);
    nr_rules_free(r);
}

/* Nominal and Boolean tests negate into != and `not`. */
static void test_tree_to_rules_negation(void)
{
    float x[24][2];
    int y[24];
    static const int nvalues[2] = {4, 0};
    static const unsigned char boolean[2] = {0, 1};
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    for (int i = 0; i < 24; i++) {
        x[i][0] = (float)(i % 4);
        x[i][1] = (float)((i / 4) % 2);
        y[i] = i % 4 == 2 ? 0 : x[i][1] > 0.5f ? 1 : 2;
    }
    memset(&t, 0, sizeof t);
    t.nrows = 24;
    t.ncols = 2;
    t.x = &x[0][0];
    t.y = y;
    t.nclasses = 3;
    t.nvalues = nvalues;
    t.boolean = boolean;
    nr_tree_opts_default(&o);
    o.prune = 0;
    nr_rules *r = grow(&t, &o, 2);
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0, &err), 0);
    int ne = 0, neg = 0;
    for (int i = 0; i < r->rs.nrules; i++)
        for (int k = 0; k < r->rs.rules[i].nconds; k++) {
            ne += r->rs.rules[i].conds[k].op == NR_NE;
            neg += r->rs.rules[i].conds[k].op == NR_FALSE;
        }
    CU_ASSERT(ne > 0);
    CU_ASSERT(neg > 0);
    for (int i = 0; i < 24; i++)
        CU_ASSERT_EQUAL(nr_rules_predict(r, x[i], NULL, NULL, NULL), y[i]);
    nr_rules_free(r);
}

/* Regression trees become one rule per leaf with the leaf's value. */
static void test_tree_to_rules_regression(void)
{
    float x[12];
    double yv[12], v;
    nr_table t;
    nr_tree_opts o;
    nr_error err;
    for (int i = 0; i < 12; i++) {
        x[i] = (float)i;
        yv[i] = i < 4 ? 1 : i < 8 ? 5 : 2;
    }
    memset(&t, 0, sizeof t);
    t.nrows = 12;
    t.ncols = 1;
    t.x = x;
    t.yv = yv;
    nr_tree_opts_default(&o);
    o.criterion = NR_CRIT_VARIANCE;
    nr_rules *r = grow(&t, &o, 1);
    r->task = NR_TASK_REGRESS;
    CU_ASSERT_EQUAL_FATAL(nr_tree_to_rules(r, &t, 0.25, &err), 0);
    CU_ASSERT_EQUAL(r->rs.nrules, 3);
    for (int i = 0; i < 12; i++) {
        nr_rules_predict(r, &x[i], NULL, &v, NULL);
        CU_ASSERT_DOUBLE_EQUAL(v, yv[i], 1e-12);
    }
    nr_rules_free(r);
}

/* Rounding for display: significant digits, both comparisons and m-of-n
 * members, nominal values untouched, and thresholds that meet merged. */
static void test_round_thresholds(void)
{
    nr_rules *r = ruleset(3, 2, NR_UNORDERED, 2);
    nr_cond sub[2] = {in_cond(NR_LE, 0, 0.123456f), in_cond(NR_GT, 1, 98765.4f)};
    nr_cond mofn;
    nr_error err;
    memset(&mofn, 0, sizeof mofn);
    mofn.op = NR_MOFN;
    mofn.m = 1;
    mofn.n = 2;
    mofn.sub = sub;
    {
        nr_cond a[] = {in_cond(NR_LE, 0, 1.6868f), in_cond(NR_GT, 1, -0.000123456f), in_cond(NR_EQ, 2, 3)};
        /* x0 <= 1.71 and x0 <= 1.7 read 1.7 and 1.7 at 2 digits: one */
        nr_cond b[] = {in_cond(NR_LE, 0, 1.71f), in_cond(NR_LE, 0, 1.68f), mofn};
        set_rule(r, 0, 0, 3, a);
        set_rule(r, 1, 1, 3, b);
    }
    CU_ASSERT_EQUAL_FATAL(nr_round_thresholds(r, 2, &err), 0);
    CU_ASSERT_EQUAL_FATAL(r->rs.nrules, 2);
    CU_ASSERT(has_cond(r->rs.rules[0].conds, r->rs.rules[0].nconds, NR_LE, 0, 1.7f));
    CU_ASSERT(has_cond(r->rs.rules[0].conds, r->rs.rules[0].nconds, NR_GT, 1, -0.00012f));
    CU_ASSERT(has_cond(r->rs.rules[0].conds, r->rs.rules[0].nconds, NR_EQ, 2, 3));
    CU_ASSERT_EQUAL(r->rs.rules[1].nconds, 2);
    CU_ASSERT(has_cond(r->rs.rules[1].conds, r->rs.rules[1].nconds, NR_LE, 0, 1.7f));
    for (int k = 0; k < r->rs.rules[1].nconds; k++)
        if (r->rs.rules[1].conds[k].op == NR_MOFN) {
            CU_ASSERT_EQUAL(r->rs.rules[1].conds[k].sub[0].t, 0.12f);
            CU_ASSERT_EQUAL(r->rs.rules[1].conds[k].sub[1].t, 99000.0f);
        }
    CU_ASSERT(nr_round_thresholds(r, 0, &err) < 0);
    CU_ASSERT(nr_round_thresholds(r, 10, &err) < 0);
    nr_rules_free(r);
}

static const cutest tests[] = {
    {"pessimistic errors", test_pessimistic},
    {"simplify: thresholds", test_simplify_thresholds},
    {"simplify: unsatisfiable", test_simplify_unsat},
    {"simplify: rule sets", test_simplify_ruleset},
    {"stats", test_stats},
    {"tree to rules: exact with cf 0", test_tree_to_rules_exact},
    {"tree to rules: generalises noisy trees", test_tree_to_rules_generalises},
    {"tree to rules: textbook", test_tree_to_rules_textbook},
    {"tree to rules: col_var", test_tree_to_rules_col_var},
    {"tree to rules: hidden units", test_tree_to_rules_hidden},
    {"tree to rules: negated tests", test_tree_to_rules_negation},
    {"tree to rules: regression", test_tree_to_rules_regression},
    {"round thresholds", test_round_thresholds},
    {NULL, NULL},
};

CUTEST_MAIN("passes", tests)
