/*
 * test_emit.c - the DOT, SVG/PNG, C and JSON back ends.
 *
 * The IR is built by hand: a tree with numeric, nominal, Boolean and m-of-n
 * tests, rule sets for each order and policy, a regression tree and rule
 * sets, linear models, hidden-unit rules, and names that need escaping in
 * every output language.  Generated C is compiled with the system compiler
 * (-std=c99 -Wall -Wextra -Werror -pedantic) in a temporary directory and
 * run on a grid of rows (every threshold, its float neighbours, NaN,
 * infinities, random mixes); its answers must equal nr_rules_predict() on
 * every row.  JSON goes through a small strict syntax checker here (and jq
 * when installed); DOT goes back through cgraph's agmemread.
 */
#include "cutest.h"

#include "emit.h"
#include "ir.h"
#include "version.h"

#include <cgraph.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Under LeakSanitizer: the suppressions of tests/lsan.supp, kept in step.
 * fontconfig's caches, set up once by Graphviz's text layout when SVG or
 * PNG is rendered, are never freed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* --- building IR by hand ------------------------------------------------ */

/* Names that need care: quotes, backslashes (one at the end), a trigraph,
 * a comment end, UTF-8, control characters. */
static const char *const FNAMES[] = {
    "petal length", "colour", "smoker", "we\"ird\\name ?\?/ */ /*",
    "\xc3\xbcn\xc3\xaf" "code \xe2\x9c\x93", "end\\"};
#define NF 6
static const char *const CNAMES[] = {"setosa", "vers\"i\\color", "vir?\?/ginica */",
                                     "ctl\x01\n\t\xe2\x9c\x93"};
#define NC 4
static const char *const COLOURS[] = {"red", "green", "blue"};

static nr_rules *new_rules(nr_task task)
{
    nr_rules *r = nr_rules_new();
    CU_ASSERT_FATAL(r != NULL);
    r->task = task;
    r->nfeatures = NF;
    r->features = nr_arena_calloc(r->arena, NF, sizeof *r->features);
    for (int i = 0; i < NF; i++) {
        r->features[i].name = nr_arena_strdup(r->arena, FNAMES[i]);
        r->features[i].group = -1;
    }
    r->features[0].has_range = 1;
    r->features[0].min = 1.0f;
    r->features[0].max = 6.9f;
    r->features[1].kind = NR_FEAT_NOMINAL;
    r->features[1].nvalues = 3;
    r->features[1].values = nr_arena_calloc(r->arena, 3, sizeof(char *));
    for (int v = 0; v < 3; v++)
        r->features[1].values[v] = nr_arena_strdup(r->arena, COLOURS[v]);
    r->features[2].kind = NR_FEAT_BOOLEAN;
    if (task == NR_TASK_CLASSIFY) {
        r->nclasses = NC;
        r->classes = nr_arena_calloc(r->arena, NC, sizeof(char *));
        for (int k = 0; k < NC; k++)
            r->classes[k] = nr_arena_strdup(r->arena, CNAMES[k]);
    }
    r->prov.model = "mod\xff" "el.bin"; /* not UTF-8 */
    r->prov.model_crc = "1a2b3c4d";
    r->prov.algorithm = "hand";
    r->prov.options = "--made-by test_emit";
    return r;
}

static nr_cond cond(nr_cond_op op, int i, float t)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.var.kind = NR_VAR_INPUT;
    c.var.index = i;
    c.t = t;
    return c;
}

static nr_cond mofn(nr_rules *r, int m, int n, const nr_cond *sub)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = NR_MOFN;
    c.m = m;
    c.n = n;
    c.sub = nr_arena_calloc(r->arena, (size_t)n, sizeof *c.sub);
    if (n)
        memcpy(c.sub, sub, (size_t)n * sizeof *sub);
    return c;
}

static void internal(nr_rules *r, int i, nr_cond test, int yes, int no)
{
    nr_node *n = &r->tree.nodes[i];
    n->test = test;
    n->yes = yes;
    n->no = no;
}

static void leaf(nr_rules *r, int i, int klass, double value)
{
    nr_node *n = &r->tree.nodes[i];
    n->leaf = 1;
    n->klass = klass;
    n->value = value;
    if (r->task == NR_TASK_CLASSIFY) {
        n->dist = nr_arena_calloc(r->arena, NC, sizeof(double));
        n->dist[klass] = 10 + i;
        n->dist[(klass + 1) % NC] = 0.5;
    }
    n->stats.has = 1;
    n->stats.cover = 10.5 + i;
    n->stats.correct = 10 + i;
    n->stats.confidence = (n->stats.correct + 1) / (n->stats.cover + NC);
}

/* Classification (or regression) tree over every kind of test. */
static nr_rules *make_tree(nr_task task)
{
    nr_rules *r = new_rules(task);
    nr_cond sub[3] = {cond(NR_LE, 3, 0.1f), cond(NR_NE, 1, 2), cond(NR_GT, 5, 1e-3f)};
    int reg = task == NR_TASK_REGRESS;
    r->kind = NR_BODY_TREE;
    r->tree.nnodes = 13;
    r->tree.nodes = nr_arena_calloc(r->arena, 13, sizeof(nr_node));
    internal(r, 0, cond(NR_LE, 0, 2.4f), 1, 2);
    leaf(r, 1, 0, 1.25);
    internal(r, 2, cond(NR_EQ, 1, 1), 3, 4);
    internal(r, 3, cond(NR_TRUE, 2, 0), 5, 6);
    leaf(r, 5, 1, -0.1);
    internal(r, 6, mofn(r, 2, 3, sub), 7, 8);
    leaf(r, 7, 2, 1e300);
    leaf(r, 8, 3, -0.0);
    internal(r, 4, cond(NR_GT, 4, -1.7f), 9, 10);
    internal(r, 9, cond(NR_FALSE, 2, 0), 11, 12);
    leaf(r, 11, 1, 1.0 / 3);
    leaf(r, 12, reg ? 0 : 2, 7);
    leaf(r, 10, reg ? 0 : 3, 0.1);
    return r;
}

static void add_rule(nr_rules *r, int nconds, const nr_cond *conds, int klass, double value,
                     int has, double confidence)
{
    nr_rule *ru = &r->rs.rules[r->rs.nrules++];
    ru->nconds = nconds;
    ru->conds = nr_arena_calloc(r->arena, (size_t)(nconds ? nconds : 1), sizeof(nr_cond));
    if (nconds)
        memcpy(ru->conds, conds, (size_t)nconds * sizeof *conds);
    ru->klass = klass;
    ru->value = value;
    ru->stats.has = has;
    ru->stats.cover = 20;
    ru->stats.correct = 15;
    ru->stats.confidence = confidence;
}

/* Rules chosen for ties: classes 1 and 2 both at 0.75 (vote and
 * confidence ties), 0.25 + 0.75 against an unweighted 1, and 0.1 + 0.2
 * against 0.3 (which is not a tie in double). */
static nr_rules *make_rules(nr_task task, nr_ruleset_kind kind, nr_policy policy)
{
    nr_rules *r = new_rules(task);
    nr_cond c[3];
    r->kind = NR_BODY_RULESET;
    r->rs.kind = kind;
    r->rs.policy = policy;
    r->rs.rules = nr_arena_calloc(r->arena, 16, sizeof(nr_rule));
    c[0] = cond(NR_LE, 0, 2.4f);
    c[1] = cond(NR_TRUE, 2, 0);
    add_rule(r, 2, c, 0, 10.5, 1, 0.9);
    c[0] = cond(NR_EQ, 1, 2);
    add_rule(r, 1, c, 1, -2.5, 1, 0.75);
    c[0] = cond(NR_GT, 3, 0.1f);
    add_rule(r, 1, c, 2, 0.1, 1, 0.75);
    {
        nr_cond sub[2] = {cond(NR_LE, 4, 0.7f), cond(NR_GT, 5, 0.5f)};
        c[0] = mofn(r, 1, 2, sub);
        add_rule(r, 1, c, 1, 1e-300, 1, 0.25);
    }
    c[0] = cond(NR_FALSE, 2, 0);
    c[1] = cond(NR_NE, 1, 0);
    add_rule(r, 2, c, 2, 3.0, 0, 0); /* no statistics: votes 1 */
    c[0] = cond(NR_GT, 0, 5.1f);
    c[1] = cond(NR_GT, 4, 1.0f / 3);
    add_rule(r, 2, c, 1, 4.0, 1, 0.1);
    c[0] = cond(NR_GT, 0, 5.1f);
    c[1] = cond(NR_GT, 5, -0.3f);
    add_rule(r, 2, c, 1, 5.0, 1, 0.2);
    c[0] = cond(NR_GT, 0, 5.1f);
    add_rule(r, 1, c, 3, 6.0, 1, 0.3);
    r->rs.default_class = 3;
    r->rs.default_value = -7.25;
    return r;
}

static nr_rules *make_linear(nr_task task)
{
    nr_rules *r = new_rules(task);
    nr_term *t;
    nr_cond sub[2] = {cond(NR_LE, 3, 0.2f), cond(NR_TRUE, 2, 0)};
    r->kind = NR_BODY_LINEAR;
    r->lin.klass = task == NR_TASK_CLASSIFY ? 1 : -1;
    r->lin.intercept = 0.1;
    r->lin.nterms = 4;
    r->lin.terms = t = nr_arena_calloc(r->arena, 4, sizeof(nr_term));
    t[0].weight = 0.3;
    t[0].var.index = 0;
    t[1].weight = -0.7;
    t[1].indicator = 1;
    t[1].cond = cond(NR_EQ, 1, 1);
    t[2].weight = 0.25;
    t[2].var.index = 4;
    t[3].weight = 1e-3;
    t[3].indicator = 1;
    t[3].cond = mofn(r, 2, 2, sub);
    r->lin.has_fit = 1;
    r->lin.r2 = 0.875;
    r->lin.local_pred = 0.6;
    r->lin.model_pred = 0.625;
    return r;
}

/* Rules with a hidden-unit test (as CRED writes before rewriting). */
static nr_rules *make_hidden(void)
{
    nr_rules *r = make_rules(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST);
    nr_cond c = cond(NR_GT, 0, 0.31f);
    c.var.kind = NR_VAR_HIDDEN;
    c.var.layer = 1;
    c.var.index = 3;
    r->rs.rules[2].conds[0] = c;
    return r;
}

/* --- small helpers ------------------------------------------------------ */

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t size, const char *name)
{
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/nr_test_emit.XXXXXX");
        CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);
    }
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

static void remove_tmpdir(void)
{
    char cmd[128];
    if (!tmpdir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(data, 1, n, f) == n);
    CU_ASSERT_FATAL(fclose(f) == 0);
}

static void show_file(const char *path)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

static int contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

#define CHECK_HAS(buf, len, s)                                                                   \
    do {                                                                                         \
        int has_ = contains(buf, len, s);                                                        \
        if (!has_)                                                                               \
            fprintf(stderr, "\n  missing: %s\n", s);                                             \
        CU_ASSERT(has_);                                                                         \
    } while (0)

/* --- numbers ------------------------------------------------------------ */

static void test_format_numbers(void)
{
    char b[NR_NUMBUF];
    uint32_t s = 12345;
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 2.4f), "2.4");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 2.45f), "2.45");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 0.1f), "0.1");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 100.0f), "100");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, -0.0f), "-0");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 0.0f), "0");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 1e-6f), "0.000001");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 1e-7f), "1e-7");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 1e21f), "1e+21");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, 16777216.0f), "16777216");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, FLT_MAX), "3.4028235e+38");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, -1.5e-45f), "-1e-45");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, INFINITY), "inf");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, -INFINITY), "-inf");
    CU_ASSERT_STRING_EQUAL(nr_format_float(b, NAN), "nan");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, 0.1), "0.1");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, 1.0 / 3), "0.3333333333333333");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, 0.1 + 0.2), "0.30000000000000004");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, 5e-324), "5e-324");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, DBL_MAX), "1.7976931348623157e+308");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, 123456789012345680000.0), "123456789012345680000");
    CU_ASSERT_STRING_EQUAL(nr_format_double(b, (double)2.4f), "2.4000000953674316");
    /* round trip on random bit patterns */
    for (int i = 0; i < 20000; i++) {
        uint32_t u;
        uint64_t u64;
        float f, g;
        double d, e;
        s = s * 1664525u + 1013904223u;
        u = s;
        memcpy(&f, &u, sizeof f);
        s = s * 1664525u + 1013904223u;
        u64 = (uint64_t)u << 32 | s;
        memcpy(&d, &u64, sizeof d);
        if (isfinite(f)) {
            g = strtof(nr_format_float(b, f), NULL);
            CU_ASSERT(memcmp(&f, &g, sizeof f) == 0);
            CU_ASSERT(strlen(b) < NR_NUMBUF);
        }
        if (isfinite(d)) {
            e = strtod(nr_format_double(b, d), NULL);
            CU_ASSERT(memcmp(&d, &e, sizeof d) == 0);
        }
    }
}

static void test_utf8(void)
{
    CU_ASSERT_EQUAL(nr_utf8_seqlen("a"), 1);
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xc3\xbc"), 2);
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xe2\x9c\x93"), 3);
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xf0\x9f\x98\x80"), 4);
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xff"), 0);
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xc0\x80"), 0);         /* overlong */
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xed\xa0\x80"), 0);     /* surrogate */
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xf4\x90\x80\x80"), 0); /* above U+10FFFF */
    CU_ASSERT_EQUAL(nr_utf8_seqlen("\xe2\x9c"), 0);         /* truncated */
}

static int json_valid(const char *s);
static void check_c(const nr_rules *r, const char *prefix, const char *flags);

/* --- the structural check ----------------------------------------------- */

static void test_check_refuses_bad_ir(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    nr_error err;
    char *out;
    size_t len;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), 0);
    r->tree.nodes[4].yes = 1; /* node 1 twice */
    CU_ASSERT_EQUAL(nr_emit_json(r, &out, &len, &err), NR_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT(strstr(err.msg, "twice") != NULL);
    CU_ASSERT_EQUAL(nr_emit_dot(r, &out, &len, &err), NR_EINVAL);
    r->tree.nodes[4].yes = 0; /* a cycle */
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    r->tree.nodes[4].yes = 13;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    r->tree.nodes[4].yes = 9;
    r->tree.nodes[0].test.var.index = NF;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    CU_ASSERT(strstr(err.msg, "tree node 0") != NULL);
    r->tree.nodes[0].test.var.index = 0;
    r->tree.nodes[1].klass = NC;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    nr_rules_free(r);

    r = make_rules(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST);
    r->rs.default_class = -1;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    r->rs.default_class = 0;
    r->rs.rules[3].conds[0].sub[1].var.index = -1;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_EINVAL);
    CU_ASSERT(strstr(err.msg, "rule 4") != NULL);
    nr_rules_free(r);

    /* a degenerate tree deeper than the back ends accept */
    r = new_rules(NR_TASK_CLASSIFY);
    r->kind = NR_BODY_TREE;
    r->tree.nnodes = 2 * NR_EMIT_MAX_DEPTH + 5;
    r->tree.nodes = nr_arena_calloc(r->arena, (size_t)r->tree.nnodes, sizeof(nr_node));
    for (int i = 0; i + 2 < r->tree.nnodes; i += 2) {
        internal(r, i, cond(NR_LE, 0, (float)i), i + 1, i + 2);
        r->tree.nodes[i + 1].leaf = 1;
    }
    r->tree.nodes[r->tree.nnodes - 1].leaf = 1;
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), NR_ELIMIT);
    nr_rules_free(r);
}

/* The deepest tree accepted goes through every back end (the emitters
 * recurse along it), and its C compiles. */
static void test_deep_tree(void)
{
    nr_rules *r = new_rules(NR_TASK_CLASSIFY);
    nr_error err;
    char *out, *h;
    size_t len, hlen;

    r->kind = NR_BODY_TREE;
    r->tree.nnodes = 2 * NR_EMIT_MAX_DEPTH + 1;
    r->tree.nodes = nr_arena_calloc(r->arena, (size_t)r->tree.nnodes, sizeof(nr_node));
    for (int i = 0; i + 1 < r->tree.nnodes; i += 2) {
        internal(r, i, cond(NR_GT, 0, (float)i), i + 2, i + 1); /* nests in C */
        r->tree.nodes[i + 1].leaf = 1;
        r->tree.nodes[i + 1].klass = (i / 2) % NC;
    }
    r->tree.nodes[r->tree.nnodes - 1].leaf = 1;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_emit_check(r, &err), 0);
    CU_ASSERT_EQUAL(nr_emit_json(r, &out, &len, &err), 0);
    CU_ASSERT(out && json_valid(out));
    free(out);
    CU_ASSERT_EQUAL(nr_emit_dot(r, &out, &len, &err), 0);
    free(out);
    CU_ASSERT_EQUAL(nr_emit_c(r, "deep", "deep.h", &out, &len, &h, &hlen, &err), 0);
    CU_ASSERT(out && strstr(out, "static int deep_node_64(const float x[DEEP_NFEATURES]);"));
    CU_ASSERT(out && strstr(out, "return deep_node_64(x);"));
    free(out);
    free(h);
    check_c(r, "deep", "");
    nr_rules_free(r);
}

/* --- DOT ---------------------------------------------------------------- */

static char *node_attr(Agraph_t *g, const char *node, const char *attr)
{
    Agnode_t *n = agnode(g, (char *)node, 0);
    return n ? agget(n, (char *)attr) : NULL;
}

static Agraph_t *dot_of(nr_rules *r, char **out, size_t *len)
{
    nr_error err;
    char *again;
    size_t len2;
    Agraph_t *g;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_dot(r, out, len, &err), 0);
    CU_ASSERT_FATAL(*out != NULL);
    CU_ASSERT_EQUAL(strlen(*out), *len);
    /* deterministic */
    CU_ASSERT_EQUAL_FATAL(nr_emit_dot(r, &again, &len2, &err), 0);
    CU_ASSERT(len2 == *len && memcmp(again, *out, *len) == 0);
    free(again);
    g = agmemread(*out);
    CU_ASSERT_PTR_NOT_NULL(g);
    return g;
}

static void test_dot_tree(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    char *out, *s;
    size_t len;
    Agraph_t *g = dot_of(r, &out, &len);

    if (g) {
        /* 13 nodes and the legend's title and 4 */
        CU_ASSERT_EQUAL(agnnodes(g), 18);
        CU_ASSERT_EQUAL(agnedges(g), 12);
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n0", "label"), "petal length <= 2.4");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n2", "label"), "colour == green");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n3", "label"), "smoker");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n9", "label"), "not smoker");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n4", "label"),
                               "\xc3\xbcn\xc3\xaf" "code \xe2\x9c\x93 > -1.7");
        /* a backslash in a name is doubled for the label: \\ shows as \ */
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n6", "label"),
                               "2 of {we\"ird\\\\name ?\?/ */ /* <= 0.1, colour != blue, "
                               "end\\\\ > 0.001}");
        s = node_attr(g, "n1", "label");
        CU_ASSERT_STRING_EQUAL(s, "setosa\\ncover 11.5, correct 11\\ndist [11, 0.5, 0, 0]");
        /* the class's colour, a little lighter for 11 of 11.5 (purity
         * (p1 - p2) / (1 - p2) = 0.954...) */
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n1", "fillcolor"), "#7DAEDF");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n5", "fillcolor"), "#EF8C6B");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n7", "fillcolor"), "#EFDE8C");
        /* inner nodes with nothing known: plain */
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n0", "fillcolor"), "white");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "legend0", "label"), "setosa");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "legend0", "fillcolor"), "#77AADD");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "legend1", "label"), "vers\"i\\\\color");
        CU_ASSERT_PTR_NOT_NULL(agsubg(g, "legend", 0));
        /* control characters in a class name become spaces */
        s = node_attr(g, "n8", "label");
        CU_ASSERT(s && strncmp(s, "ctl   \xe2\x9c\x93\\n", 10) == 0);
        {
            Agnode_t *n0 = agnode(g, "n0", 0), *n1 = agnode(g, "n1", 0), *n2 = agnode(g, "n2", 0);
            Agedge_t *e1 = agedge(g, n0, n1, NULL, 0), *e2 = agedge(g, n0, n2, NULL, 0);
            CU_ASSERT(e1 && strcmp(agget(e1, "label"), "yes") == 0);
            CU_ASSERT(e2 && strcmp(agget(e2, "label"), "no") == 0);
        }
        s = agget(g, "label");
        CU_ASSERT(s && strstr(s, "decision tree: 7 leaves, 6 tests") != NULL);
        CU_ASSERT(s && strstr(s, "mod\xef\xbf\xbd" "el.bin") != NULL);
        agclose(g);
    }
    free(out);
    nr_rules_free(r);
}

static void test_dot_regression_tree(void)
{
    nr_rules *r = make_tree(NR_TASK_REGRESS);
    char *out;
    size_t len;
    Agraph_t *g = dot_of(r, &out, &len);
    if (g) {
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n5", "label"),
                               "value -0.1\\ncover 15.5, correct 15");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n7", "label"),
                               "value 1e+300\\ncover 17.5, correct 17");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n5", "fillcolor"), "#DDDDDD");
        agclose(g);
    }
    free(out);
    nr_rules_free(r);
}

static void test_dot_rules(void)
{
    nr_rules *r = make_rules(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST);
    char *out, *s;
    size_t len;
    Agraph_t *g = dot_of(r, &out, &len);
    if (g) {
        /* 8 rules, 8 outcomes, the default, the legend's title and 4 */
        CU_ASSERT_EQUAL(agnnodes(g), 22);
        CU_ASSERT_STRING_EQUAL(node_attr(g, "r0", "label"),
                               "rule 1\\nif petal length <= 2.4\\nand smoker");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "r3", "label"),
                               "rule 4\\nif 1 of {\xc3\xbcn\xc3\xaf" "code \xe2\x9c\x93 <= 0.7, "
                               "end\\\\ > 0.5}");
        s = node_attr(g, "o1", "label");
        CU_ASSERT(s && strncmp(s, "vers\"i\\\\color\\n", 15) == 0);
        s = node_attr(g, "d", "label");
        CU_ASSERT(s && strncmp(s, "default: ctl", 12) == 0);
        {
            Agedge_t *e = agedge(g, agnode(g, "r0", 0), agnode(g, "r1", 0), NULL, 0);
            CU_ASSERT(e && strcmp(agget(e, "label"), "else") == 0);
            e = agedge(g, agnode(g, "r7", 0), agnode(g, "d", 0), NULL, 0);
            CU_ASSERT(e && strcmp(agget(e, "label"), "else") == 0);
            e = agedge(g, agnode(g, "r0", 0), agnode(g, "o0", 0), NULL, 0);
            CU_ASSERT(e && strcmp(agget(e, "label"), "then") == 0);
        }
        agclose(g);
    }
    free(out);
    nr_rules_free(r);

    r = make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_VOTE);
    g = dot_of(r, &out, &len);
    if (g) {
        /* 8 rules, classes 0 to 3, "no rule fires", the legend's title and 4 */
        CU_ASSERT_EQUAL(agnnodes(g), 18);
        /* a rule to its class, the default, and 7 invisible ones keeping
         * the rules in order */
        CU_ASSERT_EQUAL(agnedges(g), 16);
        CU_ASSERT_PTR_NOT_NULL(agedge(g, agnode(g, "r4", 0), agnode(g, "c2", 0), NULL, 0));
        CU_ASSERT_PTR_NOT_NULL(agedge(g, agnode(g, "d", 0), agnode(g, "c3", 0), NULL, 0));
        s = node_attr(g, "c3", "label");
        CU_ASSERT(s && strstr(s, "(default)") != NULL);
        s = node_attr(g, "r1", "label");
        CU_ASSERT(s && strstr(s, "confidence 0.75") != NULL);
        CU_ASSERT_STRING_EQUAL(agget(g, "rankdir"), "LR");
        agclose(g);
    }
    free(out);
    nr_rules_free(r);

    r = make_rules(NR_TASK_REGRESS, NR_UNORDERED, NR_POLICY_CONFIDENCE);
    g = dot_of(r, &out, &len);
    if (g) {
        s = node_attr(g, "o0", "label");
        CU_ASSERT(s && strncmp(s, "value 10.5", 10) == 0);
        s = node_attr(g, "o", "label");
        CU_ASSERT(s && strcmp(s, "default: value -7.25") == 0);
        agclose(g);
    }
    free(out);
    nr_rules_free(r);
}

static void test_dot_linear_and_hidden(void)
{
    nr_rules *r = make_linear(NR_TASK_CLASSIFY);
    char *out, *s;
    size_t len;
    Agraph_t *g = dot_of(r, &out, &len);
    if (g) {
        CU_ASSERT_EQUAL(agnnodes(g), 5);
        CU_ASSERT_STRING_EQUAL(node_attr(g, "t1", "label"), "-0.7 * [colour == green]");
        s = node_attr(g, "s", "label");
        CU_ASSERT(s && strncmp(s, "score of vers", 13) == 0);
        {
            Agedge_t *e = agedge(g, agnode(g, "t1", 0), agnode(g, "s", 0), NULL, 0);
            CU_ASSERT(e && strcmp(agget(e, "color"), "#D55E00") == 0);
            CU_ASSERT(e && strcmp(agget(e, "penwidth"), "5.00") == 0);
        }
        agclose(g);
    }
    free(out);
    nr_rules_free(r);

    r = make_hidden();
    g = dot_of(r, &out, &len);
    if (g) {
        CU_ASSERT_STRING_EQUAL(node_attr(g, "r2", "label"), "rule 3\\nif h1.3 > 0.31");
        agclose(g);
    }
    free(out);
    nr_rules_free(r);
}

static void test_render(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    nr_error err;
    char *out;
    size_t len;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_render(r, "svg", &out, &len, &err), 0);
    CU_ASSERT(len > 5 && (memcmp(out, "<?xml", 5) == 0 || memcmp(out, "<svg", 4) == 0));
    CHECK_HAS(out, len, "setosa");
    CHECK_HAS(out, len, "</svg>");
    free(out);
    CU_ASSERT_EQUAL_FATAL(nr_render(r, "png", &out, &len, &err), 0);
    CU_ASSERT(len > 8 && memcmp(out, "\x89PNG\r\n\x1a\n", 8) == 0);
    free(out);
    CU_ASSERT_EQUAL(nr_render(r, "gif", &out, &len, &err), NR_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(nr_render(r, NULL, &out, &len, &err), NR_EINVAL);
    nr_rules_free(r);

    /* every kind of body renders */
    {
        nr_rules *all[] = {make_rules(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST),
                           make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_CONFIDENCE),
                           make_rules(NR_TASK_REGRESS, NR_UNORDERED, NR_POLICY_VOTE),
                           make_linear(NR_TASK_REGRESS), make_tree(NR_TASK_REGRESS)};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
            CU_ASSERT_EQUAL(nr_render(all[i], "svg", &out, &len, &err), 0);
            free(out);
            nr_rules_free(all[i]);
        }
    }
}

/* A decision list of nrules rules of nconds conditions each. */
static nr_rules *make_big_list(int nrules, int nconds)
{
    nr_rules *r = new_rules(NR_TASK_CLASSIFY);
    nr_cond *c = calloc((size_t)nconds, sizeof *c);
    CU_ASSERT_FATAL(c != NULL);
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_ORDERED;
    r->rs.rules = nr_arena_calloc(r->arena, (size_t)nrules, sizeof(nr_rule));
    CU_ASSERT_FATAL(r->rs.rules != NULL);
    for (int j = 0; j < nconds; j++)
        c[j] = cond(NR_LE, 0, (float)j);
    for (int i = 0; i < nrules; i++)
        add_rule(r, nconds, c, i % NC, 0, 1, 0.5);
    free(c);
    return r;
}

/* A rule per subgraph made cgraph's writer quadratic (10,000 rules took
 * minutes): the DOT of a long list has no subgraph and still reads back. */
static void test_dot_many_rules(void)
{
    nr_rules *r = make_big_list(10000, 2);
    nr_error err;
    char *out = NULL;
    size_t len;
    Agraph_t *g;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_dot(r, &out, &len, &err), 0);
    g = agmemread(out);
    CU_ASSERT_PTR_NOT_NULL(g);
    if (g) {
        Agnode_t *r9 = agnode(g, "r9999", 0), *o9 = agnode(g, "o9999", 0);
        Agedge_t *e = r9 && o9 ? agedge(g, r9, o9, NULL, 0) : NULL;
        /* and the legend's title and 4, its row the one subgraph */
        CU_ASSERT_EQUAL(agnnodes(g), 20006);
        CU_ASSERT_EQUAL(agnedges(g), 20000);
        CU_ASSERT_PTR_NOT_NULL(agfstsubg(g));
        CU_ASSERT_PTR_NULL(agnxtsubg(agfstsubg(g)));
        /* each outcome beside its rule */
        CU_ASSERT(e && strcmp(agget(e, "minlen"), "0") == 0);
        CU_ASSERT_STRING_EQUAL(node_attr(g, "r9999", "label"),
                               "rule 10000\\nif petal length <= 0\\nand petal length <= 1");
        agclose(g);
    }
    free(out);
    nr_rules_free(r);
}

/* A tree of 40 classes, one leaf each, in a chain: a distinct colour for
 * every class (a palette, then generated hues), a legend naming them all,
 * inner nodes with their rows and class mix, and --max-depth's cut. */
static void test_dot_many_classes_and_depth(void)
{
    enum { K = 40 };
    nr_rules *r = nr_rules_new();
    nr_draw_opts o = {3};
    nr_error err;
    char *out, name[32], *s;
    size_t len;
    Agraph_t *g;

    CU_ASSERT_FATAL(r != NULL);
    r->task = NR_TASK_CLASSIFY;
    r->nfeatures = 1;
    r->features = nr_arena_calloc(r->arena, 1, sizeof *r->features);
    r->features[0].name = "x";
    r->features[0].group = -1;
    r->nclasses = K;
    r->classes = nr_arena_calloc(r->arena, K, sizeof(char *));
    for (int k = 0; k < K; k++) {
        snprintf(name, sizeof name, "c%d", k);
        r->classes[k] = nr_arena_strdup(r->arena, name);
    }
    /* node 2i tests x <= i: yes is leaf 2i+1 (class i), no goes on */
    r->kind = NR_BODY_TREE;
    r->tree.nnodes = 2 * K - 1;
    r->tree.nodes = nr_arena_calloc(r->arena, (size_t)r->tree.nnodes, sizeof(nr_node));
    for (int i = 0; i < K; i++) {
        int at = 2 * i, lf = i + 1 < K ? 2 * i + 1 : 2 * i;
        nr_node *n = &r->tree.nodes[lf];
        if (i + 1 < K) {
            nr_node *in = &r->tree.nodes[at];
            in->test = cond(NR_LE, 0, (float)i);
            in->yes = lf;
            in->no = at + 2;
            in->klass = i;
            in->dist = nr_arena_calloc(r->arena, K, sizeof(double));
            for (int k = i; k < K; k++)
                in->dist[k] = 1;
            in->stats.has = 1;
            in->stats.cover = K - i;
            in->stats.correct = 1;
        }
        n->leaf = 1;
        n->klass = i;
        n->dist = nr_arena_calloc(r->arena, K, sizeof(double));
        n->dist[i] = 1;
    }
    g = dot_of(r, &out, &len);
    if (g) {
        /* every leaf (pure) in its class's own colour */
        for (int i = 0; i < K; i++) {
            char a[32];
            snprintf(a, sizeof a, "n%d", i + 1 < K ? 2 * i + 1 : 2 * i);
            s = node_attr(g, a, "fillcolor");
            CU_ASSERT_FATAL(s != NULL && s[0] == '#' && strlen(s) == 7);
            for (int j = 0; j < i; j++) {
                char b[32];
                snprintf(b, sizeof b, "n%d", 2 * j + 1);
                CU_ASSERT(strcmp(s, node_attr(g, b, "fillcolor")) != 0);
            }
        }
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n1", "fillcolor"), "#77AADD");
        /* an inner node: its test, rows and class mix; a tie of 40: faint */
        s = node_attr(g, "n0", "label");
        CU_ASSERT(s && strncmp(s, "x <= 0\\ncover 40, correct 1\\ndist [1, 1, 1", 40) == 0);
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n0", "fillcolor"), "#F1F7FC");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "legend39", "label"), "c39");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "legend39", "fillcolor"),
                               node_attr(g, "n78", "fillcolor"));
        agclose(g);
    }
    free(out);

    /* depth 3: tests at depths 0 to 2, the subtree at depth 3 one box */
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_dot_opts(r, &o, &out, &len, &err), 0);
    g = agmemread(out);
    CU_ASSERT_FATAL(g != NULL);
    /* nodes 0, 2, 4 test; leaves 1, 3, 5; node 6 holds the rest; 40 in
     * the legend */
    CU_ASSERT_EQUAL(agnnodes(g), 48);
    CU_ASSERT_STRING_EQUAL(node_attr(g, "n6", "label"),
                           "37 leaves below\\n37 rows\\ndist [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, "
                           "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
                           "1, 1, 1, 1, 1, 1]");
    CU_ASSERT(strstr(node_attr(g, "n6", "style"), "dashed") != NULL);
    CU_ASSERT_PTR_NULL(agnode(g, "n7", 0));
    agclose(g);
    free(out);
    CU_ASSERT_EQUAL(nr_render_opts(r, &o, "svg", &out, &len, &err), 0);
    free(out);
    nr_rules_free(r);

    /* decision lists: the first rules, then one box for the rest */
    r = make_rules(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST);
    o.max_depth = 2;
    CU_ASSERT_EQUAL_FATAL(nr_emit_dot_opts(r, &o, &out, &len, &err), 0);
    g = agmemread(out);
    CU_ASSERT_FATAL(g != NULL);
    CU_ASSERT_STRING_EQUAL(node_attr(g, "more", "label"), "6 more rules");
    CU_ASSERT_PTR_NULL(agnode(g, "r2", 0));
    CU_ASSERT_PTR_NOT_NULL(agedge(g, agnode(g, "more", 0), agnode(g, "d", 0), NULL, 0));
    agclose(g);
    free(out);
    nr_rules_free(r);
}

/* Graphviz crashes on a label of 32,768 lines and takes minutes over
 * thousands of boxes: nr_render refuses such graphs, DOT does not. */
static void test_render_limits(void)
{
    nr_rules *r = make_big_list(1, 40000);
    nr_error err;
    char *out = NULL;
    size_t len;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_render(r, "svg", &out, &len, &err), NR_ELIMIT);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT(strstr(err.msg, "40001 lines") != NULL);
    CU_ASSERT(strstr(err.msg, "-f dot") != NULL);
    CU_ASSERT_EQUAL(nr_render(r, "png", &out, &len, &err), NR_ELIMIT);
    CU_ASSERT_EQUAL(nr_emit_dot(r, &out, &len, &err), 0);
    free(out);
    nr_rules_free(r);

    /* "rule 1" and 999 conditions: 1,000 lines, the most drawn */
    r = make_big_list(1, 999);
    CU_ASSERT_EQUAL(nr_render(r, "svg", &out, &len, &err), 0);
    free(out);
    nr_rules_free(r);

    r = make_big_list(10000, 1);
    CU_ASSERT_EQUAL(nr_render(r, "svg", &out, &len, &err), NR_ELIMIT);
    CU_ASSERT(strstr(err.msg, "20006 boxes") != NULL);
    nr_rules_free(r);
}

/* --- C ------------------------------------------------------------------ */

/* Candidate values for each feature: every threshold the rules use, its
 * float neighbours, and values that catch sign, NaN and range mistakes. */
typedef struct cands {
    float v[NF][64];
    int n[NF];
} cands;

static void add_cand(cands *c, int i, float v)
{
    for (int j = 0; j < c->n[i]; j++)
        if (memcmp(&c->v[i][j], &v, sizeof v) == 0)
            return;
    if (c->n[i] < 64)
        c->v[i][c->n[i]++] = v;
}

static void cands_of_cond(cands *c, const nr_cond *k)
{
    if (k->op == NR_MOFN) {
        for (int i = 0; i < k->n; i++)
            cands_of_cond(c, &k->sub[i]);
        return;
    }
    if (k->var.kind != NR_VAR_INPUT)
        return;
    add_cand(c, k->var.index, k->t);
    add_cand(c, k->var.index, nextafterf(k->t, INFINITY));
    add_cand(c, k->var.index, nextafterf(k->t, -INFINITY));
}

static void cands_of(cands *c, const nr_rules *r)
{
    static const float common[] = {0.0f, -0.0f, 0.5f, 1.0f, 2.0f, -1.0f, 0.4999999f, 0.5000001f,
                                   3.0f, 1e30f};
    memset(c, 0, sizeof *c);
    for (int i = 0; i < NF; i++) {
        for (size_t j = 0; j < sizeof common / sizeof *common; j++)
            add_cand(c, i, common[j]);
    }
    if (r->kind == NR_BODY_TREE)
        for (int i = 0; i < r->tree.nnodes; i++)
            if (!r->tree.nodes[i].leaf)
                cands_of_cond(c, &r->tree.nodes[i].test);
    if (r->kind == NR_BODY_RULESET)
        for (int i = 0; i < r->rs.nrules; i++)
            for (int j = 0; j < r->rs.rules[i].nconds; j++)
                cands_of_cond(c, &r->rs.rules[i].conds[j]);
    if (r->kind == NR_BODY_LINEAR)
        for (int i = 0; i < r->lin.nterms; i++)
            if (r->lin.terms[i].indicator)
                cands_of_cond(c, &r->lin.terms[i].cond);
}

#define NROWS 4000

/* The distribution predict_proba gave (text p: nclasses floats) is what
 * the deciding leaf or rule (fired, -1 for the default) stands for: it
 * sums to 1 within 1e-6 and, for a tree, is the leaf's normalized dist;
 * for a rule, its class has correct/cover (1 with no statistics); for the
 * default, it is uniform.  Votes are checked only for their sum. */
static int proba_ok(const nr_rules *r, const char *p, int fired)
{
    double sum = 0, pr[64], dsum = 0, want;
    char *end;
    int K = r->nclasses, vote = r->kind == NR_BODY_RULESET && r->rs.kind == NR_UNORDERED &&
                                r->rs.policy == NR_POLICY_VOTE;
    for (int k = 0; k < K && k < 64; k++) {
        pr[k] = strtod(p, &end);
        if (end == p || !(pr[k] >= 0) || pr[k] > 1)
            return 0;
        p = end;
        sum += pr[k];
    }
    if (fabs(sum - 1) > 1e-6)
        return 0;
    if (vote)
        return 1;
    if (r->kind == NR_BODY_TREE) {
        const nr_node *n = fired >= 0 ? &r->tree.nodes[fired] : NULL;
        if (!n || !n->dist)
            return 1;
        for (int k = 0; k < K; k++)
            dsum += n->dist[k];
        for (int k = 0; k < K; k++)
            if (fabs(pr[k] - n->dist[k] / dsum) > 1e-6)
                return 0;
        return 1;
    }
    if (fired < 0) {
        for (int k = 0; k < K; k++)
            if (fabs(pr[k] - 1.0 / K) > 1e-6)
                return 0;
        return 1;
    }
    {
        const nr_rule *ru = &r->rs.rules[fired];
        want = ru->stats.has && ru->stats.cover > 0 ? ru->stats.correct / ru->stats.cover : 1;
        return fabs(pr[ru->klass] - want) <= 1e-6;
    }
}

/* Rows made for ties (see test_c_ties), first in every grid. */
static const float TIE_ROWS[][NF] = {{3, 2, 1, 0.5f, 5, -1}, {6, 0, 1, 0, 5, 0}, {3, 2, 0, 0, 5, 1}};

/* Rows: the tie rows, then random mixes of candidates, with a few NaN and
 * infinite values. */
static float *make_rows(const nr_rules *r)
{
    cands c;
    float *x = malloc((size_t)NROWS * NF * sizeof *x);
    uint32_t s = 2024;
    CU_ASSERT_FATAL(x != NULL);
    cands_of(&c, r);
    memcpy(x, TIE_ROWS, sizeof TIE_ROWS);
    for (int row = (int)(sizeof TIE_ROWS / sizeof *TIE_ROWS); row < NROWS; row++)
        for (int i = 0; i < NF; i++) {
            s = s * 1664525u + 1013904223u;
            if (row % 97 == 5 && i == (int)(s >> 29) % NF)
                x[row * NF + i] = (s >> 8) & 1 ? NAN : (s >> 9) & 1 ? INFINITY : -INFINITY;
            else
                x[row * NF + i] = c.v[i][(s >> 8) % (uint32_t)c.n[i]];
        }
    return x;
}

static const char *const CFLAGS = "-std=c99 -Wall -Wextra -Werror -pedantic";
static const char *const CXXFLAGS = "-std=c++11 -pedantic -Werror -Wall -Wextra";
static const char *const CFLAGS_MORE = "-O2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes "
                                       "-Wcast-qual -Wundef -Wconversion -Wdouble-promotion "
                                       "-Wredundant-decls";

/* Emit r as C with prefix, compile it with a driver, run it on the grid and
 * compare every answer with nr_rules_predict(). */
static void check_c(const nr_rules *r, const char *prefix, const char *flags)
{
    nr_error err;
    char *c, *h, path[256], path2[256], cmd[2048], line[256], P[64];
    size_t clen, hlen;
    int has_predict = r->task == NR_TASK_CLASSIFY, has_value = !has_predict,
        has_score = r->kind == NR_BODY_LINEAR, bad = 0,
        has_proba = has_predict && r->kind != NR_BODY_LINEAR;
    float *x;
    FILE *f;
    static int have_clang = -1;

    nr_error_clear(&err);
    snprintf(path, sizeof path, "%s.h", prefix);
    CU_ASSERT_EQUAL_FATAL(nr_emit_c(r, prefix, path, &c, &clen, &h, &hlen, &err), 0);
    CU_ASSERT_EQUAL(strlen(c), clen);
    CU_ASSERT_EQUAL(strlen(h), hlen);
    CHECK_HAS(c, clen, "generated by nn2rules " NR_VERSION);
    CHECK_HAS(h, hlen, "generated by nn2rules " NR_VERSION);
    CHECK_HAS(h, hlen, "extern \"C\"");
    CU_ASSERT(!contains(c, clen, "alloc("));
    snprintf(line, sizeof line, "#include \"%s.h\"", prefix);
    CHECK_HAS(c, clen, line);
    write_file(tmp_path(path, sizeof path, "rules.c"), c, clen);
    snprintf(line, sizeof line, "%s.h", prefix);
    write_file(tmp_path(path, sizeof path, line), h, hlen);
    free(c);
    free(h);

    for (size_t i = 0; i <= strlen(prefix); i++)
        P[i] = (char)(prefix[i] >= 'a' && prefix[i] <= 'z' ? prefix[i] - 32 : prefix[i]);
    /* the driver: names as hex, then one line per row of x */
    f = fopen(tmp_path(path, sizeof path, "main.c"), "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f,
            "#include <stdio.h>\n#include <string.h>\n#include \"%s.h\"\n"
            "static void hex(FILE *out, const char *s)\n{\n"
            "    if (!s) { fputs(\"-\\n\", out); return; }\n"
            "    for (; *s; s++) fprintf(out, \"%%02x\", (unsigned)(unsigned char)*s);\n"
            "    fputs(\".\\n\", out);\n}\n"
            "static float rows[%d * %s_NFEATURES];\n"
            "static %s want[%d], got[%d];\n"
            "int main(int argc, char **argv)\n{\n"
            "    FILE *in, *out;\n    float x[%s_NFEATURES];\n    int i, nrows = 0;\n"
            "    if (argc != 3 || !(in = fopen(argv[1], \"r\")) || !(out = fopen(argv[2], \"w\")))\n"
            "        return 2;\n"
            "    for (i = -1; i <= %s_NCLASSES; i++) hex(out, %s_class_name(i));\n"
            "    for (i = -1; i <= %s_NFEATURES; i++) hex(out, %s_feature_name(i));\n"
            "    for (;;) {\n"
            "        for (i = 0; i < %s_NFEATURES; i++)\n"
            "            if (fscanf(in, \"%%f\", &x[i]) != 1) goto end;\n"
            "        if (nrows < %d) {\n"
            "            for (i = 0; i < %s_NFEATURES; i++) rows[nrows * %s_NFEATURES + i] = x[i];\n"
            "            nrows++;\n"
            "        }\n",
            prefix, NROWS, P, has_predict ? "int" : "double", NROWS, NROWS, P, P, prefix, P,
            prefix, P, NROWS, P, P);
    if (has_predict)
        fprintf(f, "        fprintf(out, \"%%d \", %s_predict(x));\n", prefix);
    if (has_value)
        fprintf(f, "        fprintf(out, \"%%a \", %s_predict_value(x));\n", prefix);
    if (has_score)
        fprintf(f, "        fprintf(out, \"%%a \", %s_score(x));\n", prefix);
    if (has_proba)
        fprintf(f, "        {\n            float p[%s_NCLASSES];\n            %s_predict_proba(x, p);\n"
                   "            for (i = 0; i < %s_NCLASSES; i++) fprintf(out, \"%%a \", (double)p[i]);\n"
                   "        }\n",
                P, prefix, P);
    /* one answer per row, then the batch entry point must give the same */
    fprintf(f, "        if (nrows <= %d) want[nrows - 1] = %s_predict%s(x);\n", NROWS, prefix,
            has_predict ? "" : "_value");
    fputs("        fputc('\\n', out);\n    }\nend:\n", f);
    fprintf(f, "    %s_predict%s_batch(rows, (size_t)nrows, got);\n"
               "    for (i = 0; i < nrows; i++)\n"
               "        if (memcmp(&want[i], &got[i], sizeof got[i]) != 0)\n"
               "            fprintf(out, \"batch row %%d differs\\n\", i);\n",
            prefix, has_predict ? "" : "_value");
    fputs("    fclose(in);\n    return fclose(out) != 0;\n}\n", f);
    CU_ASSERT_FATAL(fclose(f) == 0);

    /* the rows, as hexadecimal floats so they arrive bit for bit */
    x = make_rows(r);
    f = fopen(tmp_path(path, sizeof path, "rows.txt"), "w");
    CU_ASSERT_FATAL(f != NULL);
    for (int row = 0; row < NROWS; row++)
        for (int i = 0; i < NF; i++)
            fprintf(f, "%a%c", (double)x[row * NF + i], i + 1 < NF ? ' ' : '\n');
    CU_ASSERT_FATAL(fclose(f) == 0);

    snprintf(cmd, sizeof cmd, "cd '%s' && cc %s %s -o prog rules.c main.c 2> cc.log", tmpdir,
             CFLAGS, flags);
    if (system(cmd) != 0) {
        fprintf(stderr, "\n%s failed:\n", cmd);
        show_file(tmp_path(path, sizeof path, "cc.log"));
        CU_FAIL("generated C does not compile clean");
        free(x);
        return;
    }
    /* clang too, when there is one: it limits nesting (256 brackets) */
    if (have_clang < 0)
        have_clang = system("command -v clang > /dev/null 2>&1") == 0;
    if (have_clang) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && clang %s -fsyntax-only rules.c main.c 2> clang.log", tmpdir, CFLAGS);
        if (system(cmd) != 0) {
            show_file(tmp_path(path, sizeof path, "clang.log"));
            CU_FAIL("generated C does not compile clean with clang");
        }
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && ./prog rows.txt out.txt", tmpdir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    /* the same .c compiled as strict C++11 (g++ -x c++), linked with the C
     * driver through the header's extern "C", answers the same */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && g++ %s -x c++ -c rules.c -o rules_cxx.o 2> cxx.log && "
             "cc %s -c main.c -o main.o && g++ -o prog_cxx rules_cxx.o main.o 2>> cxx.log && "
             "./prog_cxx rows.txt out_cxx.txt && cmp -s out.txt out_cxx.txt",
             tmpdir, CXXFLAGS, CFLAGS);
    if (system(cmd) != 0) {
        fprintf(stderr, "\n%s failed:\n", cmd);
        show_file(tmp_path(path, sizeof path, "cxx.log"));
        CU_FAIL("generated C compiled as C++11 does not compile clean or answers otherwise");
    }

    f = fopen(tmp_path(path2, sizeof path2, "out.txt"), "r");
    CU_ASSERT_FATAL(f != NULL);
    /* names, as hex, for class -1..nclasses and feature -1..nfeatures */
    for (int k = 0; k < r->nclasses + 2 + NF + 2; k++) {
        const char *want = NULL;
        char hex[4096] = "-";
        int kk = k - 1; /* class -1 .. nclasses, then feature -1 .. NF */
        if (k < r->nclasses + 2) {
            if (kk >= 0 && kk < r->nclasses)
                want = r->classes[kk];
        } else {
            kk = k - (r->nclasses + 2) - 1;
            if (kk >= 0 && kk < NF)
                want = r->features[kk].name;
        }
        if (want) {
            hex[0] = '\0';
            for (const char *s = want; *s; s++)
                sprintf(hex + strlen(hex), "%02x", (unsigned)(unsigned char)*s);
            strcat(hex, ".");
        }
        CU_ASSERT_FATAL(fgets(line, sizeof line, f) != NULL);
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, hex) != 0 && bad++ < 5)
            fprintf(stderr, "\n  name %d: C says %s, want %s\n", k, line, hex);
    }
    for (int row = 0; row < NROWS; row++) {
        double value = 0, got;
        int fired, klass = nr_rules_predict(r, &x[row * NF], NULL, &value, &fired), k;
        char *p = line, *end;
        if (!fgets(line, sizeof line, f)) {
            CU_FAIL("the generated program stopped early");
            break;
        }
        if (has_predict) {
            k = (int)strtol(p, &end, 10);
            p = end;
            if (k != klass && bad++ < 5)
                fprintf(stderr, "\n  %s row %d: C predicts %d, nr_rules_predict %d\n", prefix,
                        row, k, klass);
        }
        for (int part = 0; part < has_value + has_score; part++) {
            got = strtod(p, &end);
            p = end;
            if (!(memcmp(&got, &value, sizeof got) == 0 || (isnan(got) && isnan(value))) &&
                bad++ < 5)
                fprintf(stderr, "\n  %s row %d: C gives %a, nr_rules_predict %a\n", prefix, row,
                        got, value);
        }
        if (has_proba && !proba_ok(r, p, fired) && bad++ < 5)
            fprintf(stderr, "\n  %s row %d: predict_proba gives %s", prefix, row, p);
    }
    /* nothing more: no "batch row N differs" */
    if (fgets(line, sizeof line, f)) {
        fprintf(stderr, "\n  %s: %s", prefix, line);
        bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    fclose(f);
    free(x);
}

static void test_c_tree(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    nr_error err;
    char *c, *h;
    size_t clen, hlen;

    check_c(r, "iris", CFLAGS_MORE);
    /* the look of it */
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_c(r, "iris", "iris.h", &c, &clen, &h, &hlen, &err), 0);
    /* decimal literals, which C++11 takes too (hexadecimal ones it does not) */
    CHECK_HAS(c, clen, "if (x[0] <= 2.4f) {");
    CHECK_HAS(c, clen, "x[1] == 1.0f /* green */");
    CU_ASSERT(!contains(c, clen, "0x"));
    CHECK_HAS(c, clen, "static const float iris_leaf_proba[7][IRIS_NCLASSES] = {");
    CHECK_HAS(c, clen, "{0.95652175f, 0.04347826f, 0.0f, 0.0f}, /* leaf 0 */");
    CHECK_HAS(c, clen, "x[2] > 0.5f");
    CHECK_HAS(c, clen, "!(x[2] > 0.5f)");
    CHECK_HAS(c, clen, ") >= 2)");
    CHECK_HAS(c, clen, "return 1; /* vers\"i\\color */");
    CHECK_HAS(c, clen, "return iris_leaf_class[iris_leaf(x)];");
    CHECK_HAS(c, clen, "\"vers\\\"i\\\\color\"");
    CHECK_HAS(c, clen, "\"vir\\?\\?/ginica */\"");
    CHECK_HAS(c, clen, "\"ctl\\001\\012\\011\\342\\234\\223\"");
    CHECK_HAS(c, clen, "int iris_predict(const float x[IRIS_NFEATURES])");
    CHECK_HAS(c, clen, "model      mod\\xFFel.bin");
    CHECK_HAS(c, clen, "x[1]  colour");
    CHECK_HAS(c, clen, "nominal: 0 red, 1 green, 2 blue");
    /* a guard no user header has: prefix and a hash of the header's name */
    CHECK_HAS(h, hlen, "#ifndef NR_IRIS_");
    CU_ASSERT(!contains(h, hlen, "#ifndef IRIS_H"));
    CHECK_HAS(h, hlen, "void iris_predict_proba(const float x[IRIS_NFEATURES], "
                       "float proba[IRIS_NCLASSES]);");
    CHECK_HAS(h, hlen, "void iris_predict_batch(const float *x, size_t n, int *out);");
    CHECK_HAS(h, hlen, "NaN");
    CHECK_HAS(h, hlen, "#define IRIS_NFEATURES 6");
    CHECK_HAS(h, hlen, "#define IRIS_NCLASSES 4");
    CHECK_HAS(h, hlen, "const char *iris_class_name(int k);");
    CU_ASSERT(!contains(h, hlen, "predict_value"));
    free(c);
    free(h);
    nr_rules_free(r);
}

static void test_c_header_cplusplus(void)
{
    nr_rules *r = make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_VOTE);
    nr_error err;
    char *c, *h, path[256], cmd[512];
    size_t clen, hlen;
    static const char cpp[] = "#include \"cxx.h\"\nint main() { float x[CXX_NFEATURES] = {0}; "
                              "return cxx_predict(x) < 0; }\n";

    if (system("command -v c++ > /dev/null 2>&1") != 0) {
        nr_rules_free(r);
        return; /* no C++ compiler: nothing to check */
    }
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_c(r, "cxx", "cxx.h", &c, &clen, &h, &hlen, &err), 0);
    write_file(tmp_path(path, sizeof path, "cxx.c"), c, clen);
    write_file(tmp_path(path, sizeof path, "cxx.h"), h, hlen);
    write_file(tmp_path(path, sizeof path, "main.cc"), cpp, sizeof cpp - 1);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && cc %s -c cxx.c -o cxx.o && c++ -Wall -Wextra -Werror -pedantic "
             "-o cxxprog main.cc cxx.o 2> cxx.log",
             tmpdir, CFLAGS);
    CU_ASSERT_EQUAL(system(cmd), 0);
    free(c);
    free(h);
    nr_rules_free(r);
}

static void test_c_regression_tree(void)
{
    nr_rules *r = make_tree(NR_TASK_REGRESS);
    check_c(r, "reg_tree", CFLAGS_MORE);
    nr_rules_free(r);
}

static void test_c_rules(void)
{
    static const struct {
        nr_ruleset_kind kind;
        nr_policy policy;
        const char *prefix;
    } sets[] = {{NR_ORDERED, NR_POLICY_FIRST, "ordered"},
                {NR_UNORDERED, NR_POLICY_FIRST, "first"},
                {NR_UNORDERED, NR_POLICY_VOTE, "vote"},
                {NR_UNORDERED, NR_POLICY_CONFIDENCE, "conf"}};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        nr_rules *r = make_rules(NR_TASK_CLASSIFY, sets[i].kind, sets[i].policy);
        check_c(r, sets[i].prefix, CFLAGS_MORE);
        nr_rules_free(r);
        r = make_rules(NR_TASK_REGRESS, sets[i].kind, sets[i].policy);
        check_c(r, "reg", CFLAGS_MORE);
        nr_rules_free(r);
    }
}

/* Ties and sums as ir.c decides them, on rows made for them. */
static void test_c_ties(void)
{
    nr_rules *v = make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_VOTE);
    nr_rules *c = make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_CONFIDENCE);
    /* rules 2 (class 1, 0.75) and 3 (class 2, 0.75) fire, nothing else */
    const float *tie = TIE_ROWS[0];
    /* rules 6 and 7 (class 1, 0.1 + 0.2) against rule 8 (class 3, 0.3) */
    const float *sum = TIE_ROWS[1];
    /* rules 2, 4 (class 1, 0.75 + 0.25) against rule 5 (class 2, 1) */
    const float *unweighted = TIE_ROWS[2];
    CU_ASSERT_EQUAL(nr_rules_predict(v, tie, NULL, NULL, NULL), 1);
    CU_ASSERT_EQUAL(nr_rules_predict(c, tie, NULL, NULL, NULL), 1);
    CU_ASSERT_EQUAL(nr_rules_predict(v, sum, NULL, NULL, NULL), 1);
    CU_ASSERT_EQUAL(nr_rules_predict(c, sum, NULL, NULL, NULL), 3);
    CU_ASSERT_EQUAL(nr_rules_predict(v, unweighted, NULL, NULL, NULL), 1);
    /* and the same in C (these rows lead every grid) */
    check_c(v, "ties_vote", "");
    check_c(c, "ties_conf", "");
    nr_rules_free(v);
    nr_rules_free(c);
}

static void test_c_linear(void)
{
    nr_rules *r = make_linear(NR_TASK_CLASSIFY);
    check_c(r, "lin", CFLAGS_MORE);
    nr_rules_free(r);
    r = make_linear(NR_TASK_REGRESS);
    check_c(r, "linreg", CFLAGS_MORE);
    nr_rules_free(r);
}

/* Non-finite thresholds and constants need <math.h>, and still agree. */
static void test_c_nonfinite(void)
{
    nr_rules *r = make_rules(NR_TASK_REGRESS, NR_UNORDERED, NR_POLICY_CONFIDENCE);
    nr_error err;
    char *c, *h;
    size_t clen, hlen;
    r->rs.rules[0].conds[0].t = INFINITY;
    r->rs.rules[1].conds[0].t = NAN;
    r->rs.rules[2].conds[0].t = -INFINITY;
    r->rs.rules[4].value = -INFINITY;
    r->rs.rules[5].value = NAN;
    r->rs.rules[6].stats.confidence = INFINITY;
    check_c(r, "nonfinite", "");
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_c(r, "nf", NULL, &c, &clen, &h, &hlen, &err), 0);
    CHECK_HAS(c, clen, "#include \"nf.h\"");
    CHECK_HAS(c, clen, "#include <math.h>");
    CHECK_HAS(c, clen, "HUGE_VALF");
    free(c);
    free(h);
    nr_rules_free(r);
}

/* Degenerate bodies: nothing to test, rules that always fire, empty
 * m-of-n tests; all must compile clean and agree. */
static void test_c_degenerate(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    r->tree.nnodes = 1;
    r->tree.nodes[0] = r->tree.nodes[1]; /* a single leaf */
    check_c(r, "leaf", CFLAGS_MORE);
    r->tree.nnodes = 0;
    check_c(r, "empty", CFLAGS_MORE);
    nr_rules_free(r);

    for (int p = 0; p < 3; p++) {
        nr_rules *s = make_rules(p == 0 ? NR_TASK_CLASSIFY : NR_TASK_REGRESS,
                                 p == 0 ? NR_ORDERED : NR_UNORDERED,
                                 p == 0 ? NR_POLICY_FIRST : p == 1 ? NR_POLICY_CONFIDENCE
                                                                  : NR_POLICY_VOTE);
        nr_cond none = mofn(s, 1, 0, NULL);
        s->rs.rules[2].nconds = 0;          /* always fires */
        s->rs.rules[0].conds[1] = none;     /* never holds */
        s->rs.rules[4].conds[0] = mofn(s, 0, 0, NULL); /* always holds */
        check_c(s, "degenerate", CFLAGS_MORE);
        s->rs.nrules = 0;
        check_c(s, "norules", CFLAGS_MORE);
        s->rs.nrules = 1;
        s->rs.rules[0].nconds = 0;
        check_c(s, "always", CFLAGS_MORE);
        nr_rules_free(s);
    }

    r = make_linear(NR_TASK_CLASSIFY);
    r->lin.nterms = 0;
    check_c(r, "noterms", CFLAGS_MORE);
    r->lin.klass = -1;
    check_c(r, "noclass", CFLAGS_MORE);
    nr_rules_free(r);
}

static void test_c_bad_prefix(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    static const char *const bad[] = {"",       "1abc",   "a-b",    "int",  "while",
                                      "_Bool",  "_Foo",   "_foo",   "__x",  "a b",
                                      "caf\xc3\xa9", "static_assert",
                                      "abcdefghijabcdefghijabcdefghijabc"};
    static const char *const good[] = {"iris", "m", "x1", "Iris_Model",
                                       "abcdefghijabcdefghijabcdefghijab"};
    nr_error err;
    char *c, *h;
    size_t clen, hlen;

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nr_error_clear(&err);
        CU_ASSERT_EQUAL(nr_emit_c(r, bad[i], "x.h", &c, &clen, &h, &hlen, &err), NR_EINVAL);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_PTR_NULL(h);
        CU_ASSERT(err.msg[0] != '\0');
    }
    CU_ASSERT_EQUAL(nr_emit_c(r, NULL, "x.h", &c, &clen, &h, &hlen, &err), NR_EINVAL);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CU_ASSERT_EQUAL(nr_emit_c(r, good[i], "x.h", &c, &clen, &h, &hlen, &err), 0);
        free(c);
        free(h);
    }
    CU_ASSERT_EQUAL(nr_emit_c(r, "ok", "x\".h", &c, &clen, &h, &hlen, &err), NR_EINVAL);
    CU_ASSERT_EQUAL(nr_emit_c(r, "ok", "x\n.h", &c, &clen, &h, &hlen, &err), NR_EINVAL);
    nr_rules_free(r);
}

static void test_c_refuses_hidden(void)
{
    nr_rules *r = make_hidden();
    nr_error err;
    char *c, *h;
    size_t clen, hlen;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_emit_c(r, "hid", "hid.h", &c, &clen, &h, &hlen, &err), NR_EUNSUP);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT(strstr(err.msg, "hidden") != NULL);
    CU_ASSERT(strstr(err.msg, "h1.3") != NULL);
    nr_rules_free(r);
}

/* --- JSON --------------------------------------------------------------- */

/* A strict RFC 8259 syntax checker: returns the end of the value, or NULL. */
static const char *j_value(const char *s, int depth);

static const char *j_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static const char *j_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    while (*s != '"') {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        return NULL;
                s += 5;
            } else if (*s && strchr("\"\\/bfnrt", *s)) {
                s++;
            } else {
                return NULL;
            }
        } else {
            int n = nr_utf8_seqlen(s);
            if (!n)
                return NULL;
            s += n;
        }
    }
    return s + 1;
}

static const char *j_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return NULL;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return NULL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return NULL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return s;
}

static const char *j_value(const char *s, int depth)
{
    if (depth > 4 * NR_EMIT_MAX_DEPTH)
        return NULL;
    s = j_ws(s);
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        s = j_ws(s + 1);
        if (*s == close)
            return s + 1;
        for (;;) {
            if (close == '}') {
                if (!(s = j_string(j_ws(s))))
                    return NULL;
                s = j_ws(s);
                if (*s++ != ':')
                    return NULL;
            }
            if (!(s = j_value(s, depth + 1)))
                return NULL;
            s = j_ws(s);
            if (*s == close)
                return s + 1;
            if (*s++ != ',')
                return NULL;
        }
    }
    if (*s == '"')
        return j_string(s);
    if (strncmp(s, "true", 4) == 0)
        return s + 4;
    if (strncmp(s, "false", 5) == 0)
        return s + 5;
    if (strncmp(s, "null", 4) == 0)
        return s + 4;
    return j_number(s);
}

static int json_valid(const char *s)
{
    const char *end = j_value(s, 0);
    return end && *j_ws(end) == '\0';
}

static void test_json_checker(void)
{
    CU_ASSERT(json_valid("{\"a\": [1, -0.5e+3, true, null, \"x\\u00e9\"]}"));
    CU_ASSERT(!json_valid("{\"a\": [1,]}"));
    CU_ASSERT(!json_valid("{\"a\" 1}"));
    CU_ASSERT(!json_valid("[01]"));
    CU_ASSERT(!json_valid("[nan]"));
    CU_ASSERT(!json_valid("[\"\x01\"]"));
    CU_ASSERT(!json_valid("[\"\xff\"]"));
    CU_ASSERT(!json_valid("[1] x"));
}

/* JSON of r, checked for syntax (and by jq when it is installed). */
static char *json_of(const nr_rules *r, size_t *len)
{
    nr_error err;
    char *out, *again, path[256], cmd[512];
    size_t len2;
    static int have_jq = -1;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_json(r, &out, len, &err), 0);
    CU_ASSERT_EQUAL(strlen(out), *len);
    CU_ASSERT(json_valid(out));
    CU_ASSERT_EQUAL_FATAL(nr_emit_json(r, &again, &len2, &err), 0);
    CU_ASSERT(len2 == *len && memcmp(again, out, len2) == 0);
    free(again);
    if (have_jq < 0)
        have_jq = system("command -v jq > /dev/null 2>&1") == 0;
    if (have_jq) {
        write_file(tmp_path(path, sizeof path, "rules.json"), out, *len);
        snprintf(cmd, sizeof cmd, "jq -e .body '%s' > /dev/null", path);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
    return out;
}

static void test_json_tree(void)
{
    nr_rules *r = make_tree(NR_TASK_CLASSIFY);
    size_t len;
    char *j = json_of(r, &len);
    CHECK_HAS(j, len, "\"nn2rules\": \"" NR_VERSION "\"");
    CHECK_HAS(j, len, "\"task\": \"classification\"");
    CHECK_HAS(j, len, "\"model\": \"mod\xef\xbf\xbd" "el.bin\"");
    CHECK_HAS(j, len, "\"algorithm\": \"hand\"");
    CHECK_HAS(j, len, "{\"name\": \"petal length\", \"index\": 0, \"kind\": \"continuous\", "
                      "\"range\": [1, 6.9]}");
    CHECK_HAS(j, len, "{\"name\": \"colour\", \"index\": 1, \"kind\": \"nominal\", "
                      "\"values\": [\"red\", \"green\", \"blue\"]}");
    CHECK_HAS(j, len, "\"kind\": \"boolean\"");
    CHECK_HAS(j, len, "\"name\": \"we\\\"ird\\\\name ?\?/ */ /*\"");
    CHECK_HAS(j, len, "\"name\": \"\xc3\xbcn\xc3\xaf" "code \xe2\x9c\x93\"");
    CHECK_HAS(j, len, "\"classes\": [\"setosa\", \"vers\\\"i\\\\color\", \"vir?\?/ginica */\", "
                      "\"ctl\\u0001\\n\\t\xe2\x9c\x93\"]");
    CHECK_HAS(j, len, "\"kind\": \"tree\"");
    CHECK_HAS(j, len, "\"test\": {\"var\": {\"feature\": \"petal length\", \"index\": 0}, "
                      "\"op\": \"<=\", \"threshold\": 2.4}");
    CHECK_HAS(j, len, "\"op\": \"==\", \"value\": 1, \"value_name\": \"green\"}");
    CHECK_HAS(j, len, "\"op\": \"true\"}");
    CHECK_HAS(j, len, "\"op\": \"false\"}");
    CHECK_HAS(j, len, "{\"op\": \"m-of-n\", \"m\": 2, \"conditions\": [");
    CHECK_HAS(j, len, "\"class\": \"setosa\", \"class_index\": 0, \"dist\": [11, 0.5, 0, 0],");
    CHECK_HAS(j, len, "\"cover\": 11.5, \"correct\": 11, \"confidence\": ");
    CHECK_HAS(j, len, "\"threshold\": -1.7}");
    free(j);
    /* an inner node keeps its class and distribution, as the text does */
    r->tree.nodes[2].klass = 2;
    r->tree.nodes[2].dist = nr_arena_calloc(r->arena, NC, sizeof(double));
    r->tree.nodes[2].dist[2] = 7;
    r->tree.nodes[2].dist[3] = 1;
    j = json_of(r, &len);
    CHECK_HAS(j, len, "\"op\": \"==\", \"value\": 1, \"value_name\": \"green\"},\n"
                      "        \"class\": \"vir?\?/ginica */\", \"class_index\": 2, "
                      "\"dist\": [0, 0, 7, 1],");
    free(j);
    nr_rules_free(r);

    r = make_tree(NR_TASK_REGRESS);
    j = json_of(r, &len);
    CHECK_HAS(j, len, "\"task\": \"regression\"");
    CHECK_HAS(j, len, "\"classes\": []");
    CHECK_HAS(j, len, "\"value\": 1e+300");
    CHECK_HAS(j, len, "\"value\": -0,");
    CHECK_HAS(j, len, "\"value\": 0.3333333333333333");
    free(j);
    nr_rules_free(r);
}

static void test_json_rules_linear_hidden(void)
{
    nr_rules *r = make_rules(NR_TASK_CLASSIFY, NR_UNORDERED, NR_POLICY_VOTE);
    size_t len;
    char *j;

    r->rs.rules[0].conds[0].t = NAN; /* JSON has no NaN: null */
    j = json_of(r, &len);
    CHECK_HAS(j, len, "\"kind\": \"rules\"");
    CHECK_HAS(j, len, "\"order\": \"unordered\"");
    CHECK_HAS(j, len, "\"policy\": \"vote\"");
    CHECK_HAS(j, len, "\"threshold\": null}");
    CHECK_HAS(j, len, "\"default\": {\"class\": \"ctl\\u0001\\n\\t\xe2\x9c\x93\", \"class_index\": 3}");
    CHECK_HAS(j, len, "\"class\": \"vers\\\"i\\\\color\", \"class_index\": 1,\n        \"cover\": 20, "
                      "\"correct\": 15, \"confidence\": 0.75");
    free(j);
    nr_rules_free(r);

    r = make_rules(NR_TASK_REGRESS, NR_ORDERED, NR_POLICY_FIRST);
    j = json_of(r, &len);
    CHECK_HAS(j, len, "\"order\": \"ordered\"");
    CHECK_HAS(j, len, "\"policy\": \"first\"");
    CHECK_HAS(j, len, "\"value\": 1e-300");
    CHECK_HAS(j, len, "\"default\": {\"value\": -7.25}");
    free(j);
    nr_rules_free(r);

    r = make_linear(NR_TASK_CLASSIFY);
    j = json_of(r, &len);
    CHECK_HAS(j, len, "\"kind\": \"linear\"");
    CHECK_HAS(j, len, "\"intercept\": 0.1");
    CHECK_HAS(j, len, "{\"weight\": 0.3, \"var\": {\"feature\": \"petal length\", \"index\": 0}}");
    CHECK_HAS(j, len, "{\"weight\": -0.7, \"if\": {\"var\": {\"feature\": \"colour\"");
    CHECK_HAS(j, len, "\"fit\": {\"r2\": 0.875, \"local_pred\": 0.6, \"model_pred\": 0.625}");
    free(j);
    nr_rules_free(r);

    r = make_hidden();
    j = json_of(r, &len);
    CHECK_HAS(j, len, "{\"var\": {\"layer\": 1, \"unit\": 3}, \"op\": \">\", \"threshold\": 0.31}");
    free(j);
    nr_rules_free(r);
}

static void test_cond_text(void)
{
    nr_rules *r = make_hidden();
    char *t = nr_cond_text(r, &r->rs.rules[3].conds[0]);
    CU_ASSERT_STRING_EQUAL(t, "1 of {\xc3\xbcn\xc3\xaf" "code \xe2\x9c\x93 <= 0.7, end\\ > 0.5}");
    free(t);
    t = nr_cond_text(r, &r->rs.rules[4].conds[1]);
    CU_ASSERT_STRING_EQUAL(t, "colour != red");
    free(t);
    nr_rules_free(r);
}

static void test_cleanup(void)
{
    remove_tmpdir();
}

/* A regression tree's spread: beside the mean in DOT (mean \xc2\xb1 sd), a
 * field in JSON (also where nothing else is known), a comment beside the
 * value returned in C, which predicts the mean all the same. */
static void test_regression_sd(void)
{
    nr_rules *r = make_tree(NR_TASK_REGRESS);
    nr_error err;
    char *out, *c, *h;
    size_t len, clen, hlen;
    Agraph_t *g;
    r->tree.nodes[5].stats.has_sd = 1;
    r->tree.nodes[5].stats.sd = 0.0412;
    r->tree.nodes[7].stats.has = 0;
    r->tree.nodes[7].stats.has_sd = 1;
    r->tree.nodes[7].stats.sd = 2.5;
    r->tree.nodes[0].stats.has_sd = 1;
    r->tree.nodes[0].stats.sd = 0.75;
    g = dot_of(r, &out, &len);
    if (g) {
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n5", "label"),
                               "value -0.1 \xc2\xb1 0.0412\\ncover 15.5, correct 15");
        CU_ASSERT_STRING_EQUAL(node_attr(g, "n7", "label"), "value 1e+300 \xc2\xb1 2.5");
        agclose(g);
    }
    free(out);
    out = json_of(r, &len);
    CHECK_HAS(out, len, ", \"sd\": 0.0412\n");
    CHECK_HAS(out, len, "\"value\": 1e+300,");
    CHECK_HAS(out, len, "\"sd\": 2.5\n");
    CHECK_HAS(out, len, "\"sd\": 0.75,");
    free(out);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_c(r, "sd_tree", "sd_tree.h", &c, &clen, &h, &hlen, &err), 0);
    CHECK_HAS(c, clen, "return -0.1; /* sd 0.0412 */\n");
    CHECK_HAS(c, clen, "return 1e+300; /* sd 2.5 */\n");
    free(c);
    free(h);
    check_c(r, "sd_tree", CFLAGS_MORE);
    nr_rules_free(r);
}

static const cutest tests[] = {
    {"numbers: shortest round trip", test_format_numbers},
    {"UTF-8 sequences", test_utf8},
    {"check refuses bad IR", test_check_refuses_bad_ir},
    {"condition text", test_cond_text},
    {"DOT: tree", test_dot_tree},
    {"DOT: regression tree", test_dot_regression_tree},
    {"DOT: rule sets", test_dot_rules},
    {"DOT: linear and hidden", test_dot_linear_and_hidden},
    {"SVG and PNG", test_render},
    {"DOT: 10,000 rules", test_dot_many_rules},
    {"SVG and PNG: too large to draw", test_render_limits},
    {"DOT: 40 classes, legend, depth limit", test_dot_many_classes_and_depth},
    {"C: tree", test_c_tree},
    {"C: header from C++", test_c_header_cplusplus},
    {"C: regression tree", test_c_regression_tree},
    {"C: rule sets, every policy", test_c_rules},
    {"C: ties and sums", test_c_ties},
    {"C: linear", test_c_linear},
    {"C: non-finite constants", test_c_nonfinite},
    {"C: degenerate bodies", test_c_degenerate},
    {"deepest tree", test_deep_tree},
    {"C: bad prefixes", test_c_bad_prefix},
    {"C: hidden units refused", test_c_refuses_hidden},
    {"JSON: checker", test_json_checker},
    {"JSON: trees", test_json_tree},
    {"JSON: rules, linear, hidden", test_json_rules_linear_hidden},
    {"regression spread in DOT, JSON and C", test_regression_sd},
    {"cleanup", test_cleanup},
    {NULL, NULL}};

CUTEST_MAIN("emit", tests)
