/*
 * test_grammar.c - the rule language: nr_emit_text (src/emit_text.c) and
 * nr_parse_rules / nr_read_rules (grammar/rules.l, grammar/rules.y,
 * src/parse.c).
 *
 * IR built by hand with every construct (trees with class distributions,
 * values and statistics on every node; ordered and unordered rule sets of
 * every policy; m-of-n and hidden-unit tests; nominal values; names that
 * need quoting; regression; linear models) goes through emit -> parse ->
 * emit: the two texts must be the same bytes, the parsed IR must equal the
 * original field by field, and both must predict the same on a grid of rows.
 * The fixtures in tests/rules/ are canonical texts (parse -> emit gives the
 * file back), and every prefix of each is parsed without a crash.  Errors
 * are checked by their exact located message.
 */
#include "cutest.h"

#include "emit.h"
#include "fileio.h"
#include "ir.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- building IR by hand ------------------------------------------------ */

enum { F_SEPAL, F_PETAL_L, F_PETAL_W, F_HANDI, F_COLOR, F_PX, F_CA, F_CB, F_IF, F_HID, F_ODD,
       F_EMPTY, NF };
static const char *const CLASSES[] = {"setosa", "versicolor", "virginica II", "7", "not"};
#define NC 5
static const char *const COLORS[] = {"red", "green", "light blue"};

static nr_rules *header(nr_task task)
{
    nr_rules *r = nr_rules_new();
    nr_feature *f;
    CU_ASSERT_FATAL(r != NULL);
    r->task = task;
    r->nfeatures = NF;
    f = r->features = nr_arena_calloc(r->arena, NF, sizeof *f);
    for (int i = 0; i < NF; i++)
        f[i].group = -1;
    f[F_SEPAL] = (nr_feature){"sepal_length", NR_FEAT_CONTINUOUS, -1, 1, 4.3f, 7.9f, 0, NULL};
    f[F_PETAL_L] = (nr_feature){"petal_length", NR_FEAT_CONTINUOUS, -1, 1, 1.0f, 6.9f, 0, NULL};
    f[F_PETAL_W].name = "petal_width";
    f[F_HANDI] = (nr_feature){"handicapped-infants", NR_FEAT_BOOLEAN, -1, 1, 0, 1, 0, NULL};
    f[F_COLOR] = (nr_feature){"color", NR_FEAT_NOMINAL, -1, 0, 0, 0, 3, (const char **)COLORS};
    f[F_PX] = (nr_feature){"px_0_0", NR_FEAT_INTEGER, -1, 1, 0, 16, 0, NULL};
    f[F_CA] = (nr_feature){"c_a", NR_FEAT_ONEHOT, 0, 1, 0, 1, 0, NULL};
    f[F_CB] = (nr_feature){"c.b", NR_FEAT_ONEHOT, 0, 0, 0, 0, 0, NULL};
    f[F_IF] = (nr_feature){"if", NR_FEAT_CONTINUOUS, -1, 1, -INFINITY, INFINITY, 0, NULL};
    f[F_HID] = (nr_feature){"h1.2", NR_FEAT_CONTINUOUS, -1, 1, -0.0f, 1e-45f, 0, NULL};
    f[F_ODD] = (nr_feature){"na\xc3\xafve \"q\"\\ x\n\t\x01", NR_FEAT_INTEGER, -1, 0, 0, 0, 0,
                            NULL};
    f[F_EMPTY] = (nr_feature){"", NR_FEAT_BOOLEAN, -1, 0, 0, 0, 0, NULL};
    if (task == NR_TASK_CLASSIFY) {
        r->nclasses = NC;
        r->classes = (const char **)CLASSES;
    }
    r->prov.version = "0.1.0";
    r->prov.model = "examples/iris/model.bin";
    r->prov.model_crc = "1a2b3c4d";
    r->prov.algorithm = "tree";
    r->prov.options = "--criterion gain-ratio --min-leaf 2 --cf 0.25 \"quoted\" \\ end";
    r->prov.data = "examples/iris/train.csv";
    return r;
}

static nr_cond cmp(int f, nr_cond_op op, float t)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.var.kind = NR_VAR_INPUT;
    c.var.index = f;
    c.t = t;
    return c;
}

static nr_cond hid(int layer, int unit, nr_cond_op op, float t)
{
    nr_cond c = cmp(unit, op, t);
    c.var.kind = NR_VAR_HIDDEN;
    c.var.layer = layer;
    return c;
}

static nr_cond mofn(nr_rules *r, int m, int n, const nr_cond *sub)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = NR_MOFN;
    c.m = m;
    c.n = n;
    c.sub = nr_arena_calloc(r->arena, (size_t)n ? (size_t)n : 1, sizeof *sub);
    memcpy(c.sub, sub, (size_t)n * sizeof *sub);
    return c;
}

static nr_stats stats(double cover, double correct, double conf)
{
    nr_stats s = {.has = 1, .cover = cover, .correct = correct, .confidence = conf};
    return s;
}

static double *dist(nr_rules *r, double a, double b, double c, double d, double e)
{
    double *v = nr_arena_calloc(r->arena, NC, sizeof *v);
    v[0] = a, v[1] = b, v[2] = c, v[3] = d, v[4] = e;
    return v;
}

static nr_node *nodes(nr_rules *r, int n)
{
    r->kind = NR_BODY_TREE;
    r->tree.nnodes = n;
    return r->tree.nodes = nr_arena_calloc(r->arena, (size_t)n, sizeof(nr_node));
}

static void split(nr_node *nd, nr_cond test, int yes, int no)
{
    nd->leaf = 0;
    nd->test = test;
    nd->yes = yes;
    nd->no = no;
}

static void leaf(nr_node *nd, int klass, double value)
{
    nd->leaf = 1;
    nd->klass = klass;
    nd->value = value;
}

/* A classification tree in preorder with every kind of test and annotation. */
static nr_rules *tree_classify(void)
{
    nr_rules *r = header(NR_TASK_CLASSIFY);
    nr_node *n = nodes(r, 17);
    nr_cond sub[3] = {cmp(F_CA, NR_TRUE, 0), cmp(F_HANDI, NR_FALSE, 0),
                      hid(1, 2, NR_GT, 0.31f)};
    split(&n[0], cmp(F_PETAL_L, NR_LE, 2.45f), 1, 2);
    n[0].klass = 0, n[0].dist = dist(r, 50, 50, 50, 0, 0);
    n[0].stats = stats(150, 50, 51.0 / 153);
    leaf(&n[1], 0, 0);
    n[1].dist = dist(r, 50, 0, 0, 0, 0), n[1].stats = stats(50, 50, 51.0 / 53);
    split(&n[2], cmp(F_PETAL_W, NR_GT, 1.75f), 3, 8);
    n[2].klass = 1, n[2].value = -0.0, n[2].stats = stats(100, 50, 0.5);
    split(&n[3], mofn(r, 2, 3, sub), 4, 5);
    leaf(&n[4], 2, 0.25);
    n[4].stats = stats(40, 39.5, 1e-300);
    split(&n[5], cmp(F_COLOR, NR_EQ, 2), 6, 7);
    leaf(&n[6], 3, 0), leaf(&n[7], 4, 0);
    n[7].dist = dist(r, 0, 1e-5, 3.25, 1e300, 0.1);
    split(&n[8], cmp(F_COLOR, NR_NE, 0), 9, 16);
    split(&n[9], cmp(F_PX, NR_EQ, 16), 10, 11);
    leaf(&n[10], 1, 0);
    split(&n[11], cmp(F_CB, NR_FALSE, 0), 12, 15);
    split(&n[12], cmp(F_IF, NR_LE, -0.0f), 13, 14);
    leaf(&n[13], 0, 0), leaf(&n[14], 1, 0);
    n[14].stats = stats(0, 0, 0);
    leaf(&n[15], 2, 0);
    leaf(&n[16], 2, 0);
    n[16].value = NAN;
    return r;
}

static nr_rules *tree_regress(void)
{
    nr_rules *r = header(NR_TASK_REGRESS);
    nr_node *n = nodes(r, 7);
    split(&n[0], cmp(F_HID, NR_LE, 0.1f), 1, 4);
    n[0].value = 2.5, n[0].stats = stats(10, 0, 0);
    split(&n[1], hid(0, 3, NR_TRUE, 0), 2, 3);
    leaf(&n[2], 0, -1.5), leaf(&n[3], 0, 1e-7);
    n[3].stats = stats(3, 1, 0.4);
    split(&n[4], cmp(F_ODD, NR_NE, 3), 5, 6);
    leaf(&n[5], 0, 123456789.125), leaf(&n[6], 0, -0.0);
    return r;
}

static nr_rule rule(nr_rules *r, int nconds, const nr_cond *conds, int klass, double value)
{
    nr_rule ru;
    memset(&ru, 0, sizeof ru);
    ru.nconds = nconds;
    if (nconds) {
        ru.conds = nr_arena_calloc(r->arena, (size_t)nconds, sizeof *conds);
        memcpy(ru.conds, conds, (size_t)nconds * sizeof *conds);
    }
    ru.klass = klass;
    ru.value = value;
    return ru;
}

static nr_rules *ruleset(nr_task task, nr_ruleset_kind kind, nr_policy policy)
{
    nr_rules *r = header(task);
    nr_ruleset *rs = &r->rs;
    nr_cond c1[2] = {cmp(F_PETAL_L, NR_LE, 2.45f), cmp(F_HANDI, NR_TRUE, 0)};
    nr_cond sub[2] = {cmp(F_SEPAL, NR_GT, 5.5f), hid(2, 0, NR_LE, -1.25f)};
    nr_cond c2[3] = {cmp(F_PETAL_W, NR_GT, 1.75f), cmp(F_PETAL_L, NR_GT, 4.85f),
                     mofn(r, 1, 2, sub)};
    nr_cond c3[1] = {cmp(F_COLOR, NR_EQ, 1)};
    nr_cond c4[2] = {cmp(F_EMPTY, NR_FALSE, 0), cmp(F_COLOR, NR_NE, 2)};
    int regress = task == NR_TASK_REGRESS;
    r->kind = NR_BODY_RULESET;
    rs->kind = kind;
    rs->policy = policy;
    rs->nrules = 5;
    rs->rules = nr_arena_calloc(r->arena, 5, sizeof *rs->rules);
    rs->rules[0] = rule(r, 2, c1, regress ? 0 : 0, regress ? 3.25 : 0);
    rs->rules[0].stats = stats(37, 37, 0.95);
    rs->rules[1] = rule(r, 3, c2, regress ? 0 : 2, regress ? -7 : 0.5);
    rs->rules[1].stats = stats(46, 45, 0.9375);
    rs->rules[2] = rule(r, 1, c3, regress ? 0 : 1, regress ? 1e21 : 0);
    rs->rules[2].stats = stats(12, 10, 0.9375);
    rs->rules[3] = rule(r, 2, c4, regress ? 0 : 3, regress ? 0.1 : 0);
    rs->rules[4] = rule(r, 0, NULL, regress ? 0 : 4, regress ? 42 : 0);
    rs->rules[4].stats = stats(1, 0, 1.0 / 3);
    rs->default_class = regress ? 0 : 1;
    rs->default_value = regress ? -2.5 : 0;
    return r;
}

static nr_rules *linear(nr_task task, int klass)
{
    nr_rules *r = header(task);
    nr_linear *l = &r->lin;
    nr_cond sub[2] = {cmp(F_CA, NR_TRUE, 0), cmp(F_PX, NR_LE, 3)};
    r->kind = NR_BODY_LINEAR;
    l->klass = klass;
    l->intercept = 0.12;
    l->nterms = 5;
    l->terms = nr_arena_calloc(r->arena, 5, sizeof *l->terms);
    l->terms[0].weight = 0.5;
    l->terms[0].var = (nr_var){NR_VAR_INPUT, 0, F_PETAL_L};
    l->terms[1].weight = -1.2;
    l->terms[1].indicator = 1;
    l->terms[1].cond = cmp(F_PETAL_W, NR_LE, 0.8f);
    l->terms[2].weight = 3e-9;
    l->terms[2].var = (nr_var){NR_VAR_HIDDEN, 1, 4};
    l->terms[3].weight = -0.0;
    l->terms[3].indicator = 1;
    l->terms[3].cond = mofn(r, 1, 2, sub);
    l->terms[4].weight = 1;
    l->terms[4].indicator = 1;
    l->terms[4].cond = cmp(F_COLOR, NR_EQ, 2);
    if (klass >= 0) {
        l->has_fit = 1;
        l->r2 = 0.93;
        l->local_pred = 0.81;
        l->model_pred = NAN;
    }
    return r;
}

/* --- comparing ------------------------------------------------------------ */

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_float(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_var(const nr_var *a, const nr_var *b)
{
    return a->kind == b->kind && a->index == b->index &&
           (a->kind == NR_VAR_INPUT || a->layer == b->layer);
}

static int same_cond(const nr_cond *a, const nr_cond *b)
{
    if (a->op != b->op)
        return 0;
    if (a->op == NR_MOFN) {
        if (a->m != b->m || a->n != b->n)
            return 0;
        for (int i = 0; i < a->n; i++)
            if (!same_cond(&a->sub[i], &b->sub[i]))
                return 0;
        return 1;
    }
    return same_var(&a->var, &b->var) &&
           (a->op == NR_TRUE || a->op == NR_FALSE || same_float(a->t, b->t));
}

static int same_stats(const nr_stats *a, const nr_stats *b)
{
    return a->has == b->has && (!a->has || (same_double(a->cover, b->cover) &&
                                            same_double(a->correct, b->correct) &&
                                            same_double(a->confidence, b->confidence))) &&
           a->has_sd == b->has_sd && (!a->has_sd || same_double(a->sd, b->sd));
}

/* a and b hold the same IR (a built in canonical form: trees in preorder,
 * optional values that are not printed left at zero). */
static int same_rules(const nr_rules *a, const nr_rules *b)
{
    int cls = a->task == NR_TASK_CLASSIFY;
    if (a->task != b->task || a->nfeatures != b->nfeatures || a->kind != b->kind ||
        (cls && a->nclasses != b->nclasses))
        return 0;
    for (int i = 0; i < a->nfeatures; i++) {
        const nr_feature *fa = &a->features[i], *fb = &b->features[i];
        if (!same_str(fa->name, fb->name) || fa->kind != fb->kind ||
            fa->has_range != fb->has_range ||
            (fa->has_range && (!same_float(fa->min, fb->min) || !same_float(fa->max, fb->max))))
            return 0;
        if (fa->kind == NR_FEAT_ONEHOT && fa->group != fb->group)
            return 0;
        if (fa->kind == NR_FEAT_NOMINAL) {
            if (fa->nvalues != fb->nvalues)
                return 0;
            for (int j = 0; j < fa->nvalues; j++)
                if (!same_str(fa->values[j], fb->values[j]))
                    return 0;
        }
    }
    for (int k = 0; cls && k < a->nclasses; k++)
        if (!same_str(a->classes[k], b->classes[k]))
            return 0;
    if (!same_str(a->prov.model, b->prov.model) || !same_str(a->prov.model_crc, b->prov.model_crc) ||
        !same_str(a->prov.algorithm, b->prov.algorithm) ||
        !same_str(a->prov.options, b->prov.options) ||
        !same_str(a->prov.version, b->prov.version) || !same_str(a->prov.data, b->prov.data))
        return 0;
    switch (a->kind) {
    case NR_BODY_TREE:
        if (a->tree.nnodes != b->tree.nnodes)
            return 0;
        for (int i = 0; i < a->tree.nnodes; i++) {
            const nr_node *x = &a->tree.nodes[i], *y = &b->tree.nodes[i];
            if (x->leaf != y->leaf || !same_double(x->value, y->value) ||
                !same_stats(&x->stats, &y->stats))
                return 0;
            if (cls && x->klass != y->klass)
                return 0;
            if (!x->leaf && (x->yes != y->yes || x->no != y->no || !same_cond(&x->test, &y->test)))
                return 0;
            if (cls && (!x->dist != !y->dist))
                return 0;
            for (int k = 0; cls && x->dist && k < a->nclasses; k++)
                if (!same_double(x->dist[k], y->dist[k]))
                    return 0;
        }
        return 1;
    case NR_BODY_RULESET:
        if (a->rs.kind != b->rs.kind || a->rs.nrules != b->rs.nrules ||
            (a->rs.kind == NR_UNORDERED && a->rs.policy != b->rs.policy))
            return 0;
        if (cls ? a->rs.default_class != b->rs.default_class
                : !same_double(a->rs.default_value, b->rs.default_value))
            return 0;
        for (int i = 0; i < a->rs.nrules; i++) {
            const nr_rule *x = &a->rs.rules[i], *y = &b->rs.rules[i];
            if (x->nconds != y->nconds || (cls && x->klass != y->klass) ||
                !same_double(x->value, y->value) || !same_stats(&x->stats, &y->stats))
                return 0;
            for (int j = 0; j < x->nconds; j++)
                if (!same_cond(&x->conds[j], &y->conds[j]))
                    return 0;
        }
        return 1;
    case NR_BODY_LINEAR:
        if (a->lin.klass != b->lin.klass || !same_double(a->lin.intercept, b->lin.intercept) ||
            a->lin.nterms != b->lin.nterms || a->lin.has_fit != b->lin.has_fit)
            return 0;
        if (a->lin.has_fit &&
            (!same_double(a->lin.r2, b->lin.r2) ||
             !same_double(a->lin.local_pred, b->lin.local_pred) ||
             !same_double(a->lin.model_pred, b->lin.model_pred)))
            return 0;
        for (int i = 0; i < a->lin.nterms; i++) {
            const nr_term *x = &a->lin.terms[i], *y = &b->lin.terms[i];
            if (!same_double(x->weight, y->weight) || x->indicator != y->indicator)
                return 0;
            if (x->indicator ? !same_cond(&x->cond, &y->cond) : !same_var(&x->var, &y->var))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* --- predicting on a grid ------------------------------------------------- */

static uint64_t rng_state = 88172645463325252u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Values around every threshold the test IR uses, and some others. */
static float grid_value(void)
{
    static const float base[] = {-1, -0.0f, 0, 0.1f, 0.5f, 0.8f, 1, 1.75f, 2, 2.45f, 3, 4.85f,
                                 5.5f, 7, 16, -1.25f, 0.31f, 1e-45f};
    float v = base[rnd() % (sizeof base / sizeof base[0])];
    switch (rnd() % 4) {
    case 0: return nextafterf(v, INFINITY);
    case 1: return nextafterf(v, -INFINITY);
    case 2: return (float)(rnd() % 2000) / 100.0f - 5.0f;
    default: return v;
    }
}

#define NLAYERS 3
#define NUNITS 6
#define NROWS 3000

/* Both predict the same class, value and deciding rule on every row. */
static void same_predictions(const nr_rules *a, const nr_rules *b)
{
    float x[NF], act[NLAYERS][NUNITS];
    const float *ptr[NLAYERS] = {act[0], act[1], act[2]};
    nr_hidden h = {NLAYERS, ptr};
    int bad = 0;
    for (int row = 0; row < NROWS; row++) {
        double va = 0, vb = 0;
        int fa = -2, fb = -2, ka, kb;
        for (int i = 0; i < NF; i++)
            x[i] = grid_value();
        x[F_COLOR] = (float)(rnd() % 4);
        x[F_HANDI] = (float)(rnd() % 2);
        for (int l = 0; l < NLAYERS; l++)
            for (int u = 0; u < NUNITS; u++)
                act[l][u] = grid_value();
        ka = nr_rules_predict(a, x, &h, &va, &fa);
        kb = nr_rules_predict(b, x, &h, &vb, &fb);
        if (ka != kb || fa != fb || !same_double(va, vb))
            bad++;
        ka = nr_rules_predict(a, x, NULL, &va, &fa);
        kb = nr_rules_predict(b, x, NULL, &vb, &fb);
        if (ka != kb || fa != fb || !same_double(va, vb))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* --- round trips ---------------------------------------------------------- */

static char *emit(const nr_rules *r, size_t *len)
{
    nr_error err;
    char *text = NULL;
    nr_error_clear(&err);
    if (nr_emit_text(r, &text, len, &err) != 0) {
        fprintf(stderr, "emit: %s\n", err.msg);
        return NULL;
    }
    CU_ASSERT(strlen(text) == *len);
    return text;
}

static nr_rules *parse(const char *text, size_t len, nr_error *err)
{
    nr_rules *r = NULL;
    nr_error_clear(err);
    if (nr_parse_rules("rules.txt", text, len, &r, err) != 0) {
        CU_ASSERT(r == NULL);
        return NULL;
    }
    return r;
}

/* emit -> parse -> emit: the same bytes, the same IR, the same predictions.
 * Frees r; returns the first text (for checks on its form). */
static char *round_trip(nr_rules *r)
{
    size_t n1 = 0, n2 = 0;
    char *t1 = emit(r, &n1), *t2;
    nr_rules *back;
    nr_error err;
    CU_ASSERT_FATAL(t1 != NULL);
    back = parse(t1, n1, &err);
    if (!back) {
        char msg[1024];
        nr_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n---\n%s---\n", msg, t1);
    }
    CU_ASSERT_FATAL(back != NULL);
    t2 = emit(back, &n2);
    CU_ASSERT_FATAL(t2 != NULL);
    CU_ASSERT_EQUAL(n1, n2);
    CU_ASSERT(n1 == n2 && memcmp(t1, t2, n1) == 0);
    CU_ASSERT(same_rules(r, back));
    same_predictions(r, back);
    free(t2);
    nr_rules_free(back);
    nr_rules_free(r);
    return t1;
}

static void contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fprintf(stderr, "missing: [%s]\n", needle);
    CU_ASSERT(strstr(text, needle) != NULL);
}

static void test_tree_classify(void)
{
    char *t = round_trip(tree_classify());
    contains(t, "# nn2rules rules; the language is described in nn2rules-rules(5)\n"
                "provenance {\n  version \"0.1.0\";\n  model \"examples/iris/model.bin\";\n"
                "  model_crc \"1a2b3c4d\";\n  algorithm \"tree\";\n"
                "  options \"--criterion gain-ratio --min-leaf 2 --cf 0.25 \\\"quoted\\\" \\\\ end\";\n"
                "  data \"examples/iris/train.csv\";\n}\n\n");
    contains(t, "features {\n  sepal_length: continuous [4.3, 7.9];\n"
                "  petal_length: continuous [1, 6.9];\n  petal_width: continuous;\n"
                "  \"handicapped-infants\": boolean [0, 1];\n"
                "  color: nominal {red, green, \"light blue\"};\n  px_0_0: integer [0, 16];\n"
                "  c_a: onehot group 0 [0, 1];\n  c.b: onehot group 0;\n"
                "  \"if\": continuous [-inf, inf];\n  \"h1.2\": continuous [-0, 1e-45];\n"
                "  \"na\xc3\xafve \\\"q\\\"\\\\ x\\n\\t\\x01\": integer;\n  \"\": boolean;\n}\n\n");
    contains(t, "classes { setosa, versicolor, \"virginica II\", 7, \"not\" }\n\n");
    contains(t, "tree {\n  if petal_length <= 2.45 [class setosa, cover 150, correct 50, "
                "confidence 0.3333333333333333, dist 50 50 50 0 0] then\n"
                "    setosa [cover 50, correct 50, confidence 0.9622641509433962, "
                "dist 50 0 0 0 0]\n"
                "  else if petal_width > 1.75 [class versicolor, value -0, cover 100, "
                "correct 50, confidence 0.5] then\n"
                "    if 2 of {c_a, not \"handicapped-infants\", h1.2 > 0.31} then "
                "\"virginica II\" [value 0.25, cover 40, correct 39.5, confidence 1e-300]\n"
                "    else if color == \"light blue\" then 7\n"
                "    else \"not\" [dist 0 1e-5 3.25 1e300 0.1]\n"
                "  else if color != red then\n"
                "    if px_0_0 == 16 then versicolor\n"
                "    else if not c.b then\n"
                "      if \"if\" <= -0 then setosa\n"
                "      else versicolor [cover 0, correct 0, confidence 0]\n"
                "    else \"virginica II\"\n"
                "  else \"virginica II\" [value nan]\n}\n");
    free(t);
}

static void test_tree_regress(void)
{
    char *t = round_trip(tree_regress());
    contains(t, "target regression;\n\ntree {\n"
                "  if \"h1.2\" <= 0.1 [value 2.5, cover 10] then\n"
                "    if h0.3 then -1.5\n"
                "    else 1e-7 [cover 3, correct 1, confidence 0.4]\n"
                "  else if \"na\xc3\xafve \\\"q\\\"\\\\ x\\n\\t\\x01\" != 3 then 123456789.125\n"
                "  else -0\n}\n");
    free(t);
}

static void test_tree_small(void)
{
    nr_rules *r = header(NR_TASK_CLASSIFY);
    char *t;
    r->kind = NR_BODY_TREE; /* no nodes */
    t = round_trip(r);
    contains(t, "tree {\n}\n");
    free(t);
    r = header(NR_TASK_CLASSIFY);
    leaf(nodes(r, 1), 3, 0);
    t = round_trip(r);
    contains(t, "tree {\n  7\n}\n");
    free(t);
}

static void test_rules_ordered(void)
{
    char *t = round_trip(ruleset(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST));
    contains(t, "rules ordered {\n"
                "  if petal_length <= 2.45 and \"handicapped-infants\" then setosa "
                "[cover 37, correct 37, confidence 0.95];\n"
                "  if petal_width > 1.75 and petal_length > 4.85 and "
                "1 of {sepal_length > 5.5, h2.0 <= -1.25} then \"virginica II\" "
                "[value 0.5, cover 46, correct 45, confidence 0.9375];\n"
                "  if color == green then versicolor [cover 12, correct 10, confidence 0.9375];\n"
                "  if not \"\" and color != \"light blue\" then 7;\n"
                "  if true then \"not\" [cover 1, correct 0, confidence 0.3333333333333333];\n"
                "  default versicolor;\n}\n");
    free(t);
}

static void test_rules_unordered(void)
{
    static const char *const heads[] = {"rules unordered first {\n", "rules unordered vote {\n",
                                        "rules unordered confidence {\n"};
    for (int p = NR_POLICY_FIRST; p <= NR_POLICY_CONFIDENCE; p++) {
        char *t = round_trip(ruleset(NR_TASK_CLASSIFY, NR_UNORDERED, (nr_policy)p));
        contains(t, heads[p]);
        free(t);
    }
}

static void test_rules_regress(void)
{
    char *t = round_trip(ruleset(NR_TASK_REGRESS, NR_ORDERED, NR_POLICY_FIRST));
    contains(t, "then 3.25 [cover 37, correct 37, confidence 0.95];\n");
    contains(t, "then 1e21 [cover 12");
    contains(t, "  if true then 42 [cover 1, confidence 0.3333333333333333];\n"
                "  default -2.5;\n}\n");
    free(t);
    t = round_trip(ruleset(NR_TASK_REGRESS, NR_UNORDERED, NR_POLICY_CONFIDENCE));
    free(t);
}

static void test_linear(void)
{
    char *t = round_trip(linear(NR_TASK_CLASSIFY, 2));
    contains(t, "linear for \"virginica II\" {\n  intercept 0.12;\n  0.5 * petal_length;\n"
                "  -1.2 * [petal_width <= 0.8];\n  3e-9 * h1.4;\n"
                "  -0 * [1 of {c_a, px_0_0 <= 3}];\n  1 * [color == \"light blue\"];\n"
                "} [r2 0.93, local 0.81, model nan]\n");
    free(t);
    t = round_trip(linear(NR_TASK_REGRESS, -1));
    contains(t, "target regression;\n\nlinear {\n  intercept 0.12;\n");
    contains(t, "  1 * [color == \"light blue\"];\n}\n");
    free(t);
    t = round_trip(linear(NR_TASK_CLASSIFY, -1));
    contains(t, "\nlinear {\n");
    free(t);
}

/* Thresholds and statistics of every magnitude come back bit for bit. */
static void test_numbers(void)
{
    enum { N = 4000, NSPECIAL = 9 };
    static const float special[NSPECIAL] = {FLT_MAX, -FLT_MIN, 16777216.0f, 0.1f, 1e-45f,
                                            -0.0f, 123456789.0f, 0.3f, -16777215.0f};
    nr_rules *r = header(NR_TASK_CLASSIFY), *back;
    nr_ruleset *rs = &r->rs;
    nr_error err;
    size_t len;
    char *t;
    r->kind = NR_BODY_RULESET;
    rs->kind = NR_UNORDERED;
    rs->policy = NR_POLICY_CONFIDENCE;
    rs->nrules = N;
    rs->rules = nr_arena_calloc(r->arena, N, sizeof *rs->rules);
    for (int i = 0; i < N; i++) {
        nr_cond c = cmp(i % 2 ? F_SEPAL : F_PX, i % 3 ? NR_LE : NR_GT, 0);
        uint32_t fb;
        uint64_t db[3];
        double d[3];
        do { /* any finite float: random bits, and some special ones */
            fb = (uint32_t)rnd();
            if (i < 40)
                fb = i < 20 ? (uint32_t)i : 0x80000000u | (uint32_t)(i - 20);
            memcpy(&c.t, &fb, sizeof fb);
        } while (!isfinite(c.t));
        if (i >= 40 && i < 40 + NSPECIAL)
            c = cmp(F_SEPAL, NR_LE, special[i - 40]);
        for (int k = 0; k < 3; k++) {
            db[k] = rnd();
            memcpy(&d[k], &db[k], sizeof d[k]); /* any double, NaN and inf too */
        }
        rs->rules[i] = rule(r, 1, &c, i % NC, i % 7 ? 0 : d[0]);
        if (i % 5)
            rs->rules[i].stats = stats(d[0], d[1], d[2]);
    }
    t = emit(r, &len);
    CU_ASSERT_FATAL(t != NULL);
    contains(t, "  if px_0_0 > 0 then setosa");
    contains(t, "  if sepal_length <= 1e-45 then");
    contains(t, "  if sepal_length > -1e-45 then");
    contains(t, "  if sepal_length <= 3.4028235e38 then");
    contains(t, "  if sepal_length <= -1.1754944e-38 then");
    contains(t, "  if sepal_length <= 16777216 then");
    contains(t, "  if sepal_length <= 0.1 then");
    contains(t, "  if sepal_length <= -0 then");
    contains(t, "  if sepal_length <= 1.2345679e8 then");
    contains(t, "  if sepal_length <= 0.3 then");
    contains(t, "  if sepal_length <= -16777215 then");
    back = parse(t, len, &err);
    CU_ASSERT_FATAL(back != NULL);
    CU_ASSERT(same_rules(r, back));
    free(t);
    nr_rules_free(back);
    nr_rules_free(r);
}

/* Reserved words, hidden-unit look-alikes, inf and nan are quoted as names;
 * digit-only class names are not. */
static void test_names(void)
{
    static const char *const words[] = {"and", "classes", "default", "else", "features",
                                        "for", "if", "inf", "linear", "nan", "not", "of",
                                        "provenance", "rules", "target", "then", "tree",
                                        "true", "h0.0", "h12.345", "1", "-1", "1e5", "a b",
                                        "x-y", "\xc3\xa9t\xc3\xa9", "_ok", "a.b.", NULL};
    static const int quoted[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                 1, 1, 1, 1, 1, 1, 0, 0};
    for (int i = 0; words[i]; i++) {
        nr_rules *r = nr_rules_new();
        char *t, want[64];
        r->nfeatures = 1;
        r->features = nr_arena_calloc(r->arena, 1, sizeof *r->features);
        r->features[0].name = words[i];
        r->nclasses = 2;
        r->classes = nr_arena_calloc(r->arena, 2, sizeof *r->classes);
        r->classes[0] = words[i];
        r->classes[1] = "0";
        leaf(nodes(r, 1), 1, 0);
        t = round_trip(r);
        snprintf(want, sizeof want, quoted[i] ? "\n  \"%s\": continuous;\n" : "\n  %s: continuous;\n",
                 words[i]);
        contains(t, want);
        contains(t, "tree {\n  0\n}\n");
        CU_ASSERT_EQUAL(nr_rules_reserved_word(words[i]), i < 18);
        free(t);
    }
}

/* Thousands of features, classes and nominal values (the name tables grow
 * many times over), each used in a test. */
static void test_many_names(void)
{
    enum { NFEAT = 5000, NCLS = 700, NVAL = 3000 };
    nr_rules *r = nr_rules_new(), *back;
    nr_ruleset *rs = &r->rs;
    char name[32], *t;
    const char **values = nr_arena_calloc(r->arena, NVAL, sizeof *values);
    nr_error err;
    size_t len;
    r->nfeatures = NFEAT;
    r->features = nr_arena_calloc(r->arena, NFEAT, sizeof *r->features);
    for (int i = 0; i < NFEAT; i++) {
        snprintf(name, sizeof name, i % 3 ? "f%d" : "feature number %d", i);
        r->features[i].name = nr_arena_strdup(r->arena, name);
        r->features[i].kind = i == 1 ? NR_FEAT_NOMINAL : NR_FEAT_INTEGER;
    }
    for (int v = 0; v < NVAL; v++) {
        snprintf(name, sizeof name, "v%d", v);
        values[v] = nr_arena_strdup(r->arena, name);
    }
    r->features[1].nvalues = NVAL;
    r->features[1].values = values;
    r->nclasses = NCLS;
    r->classes = nr_arena_calloc(r->arena, NCLS, sizeof *r->classes);
    for (int k = 0; k < NCLS; k++) {
        snprintf(name, sizeof name, k % 2 ? "c%d" : "%d", k);
        r->classes[k] = nr_arena_strdup(r->arena, name);
    }
    r->kind = NR_BODY_RULESET;
    rs->nrules = NFEAT + NVAL;
    rs->rules = nr_arena_calloc(r->arena, (size_t)rs->nrules, sizeof *rs->rules);
    for (int i = 0; i < rs->nrules; i++) {
        nr_cond c = i < NFEAT ? cmp(i, NR_EQ, (float)(i % 17)) : cmp(1, NR_NE, (float)(i - NFEAT));
        rs->rules[i] = rule(r, 1, &c, i % NCLS, 0);
    }
    t = emit(r, &len);
    CU_ASSERT_FATAL(t != NULL);
    contains(t, "  if \"feature number 4998\" == 0 then 98;\n");
    contains(t, "  if f1 != v2999 then c299;\n");
    back = parse(t, len, &err);
    CU_ASSERT_FATAL(back != NULL);
    CU_ASSERT(same_rules(r, back));
    nr_rules_free(back);
    /* a duplicate among them all is still found */
    t[strstr(t, "  f4999:") - t + 6] = '7';
    CU_ASSERT(parse(t, len, &err) == NULL);
    CU_ASSERT(strstr(err.msg, "duplicate feature 'f4997'") != NULL);
    free(t);
    nr_rules_free(r);
}

/* Hand-written spellings the emitter does not produce still parse. */
static void test_lenient_input(void)
{
    static const char text[] =
        "features{x:integer;c:nominal{a,b};}classes{\"0\",b}\r\n"
        "rules ordered{if x<=+.5e1 and c==1 then 0[correct 2];if c!=\"b\"then\"0\";default b;}";
    nr_error err;
    nr_rules *r = parse(text, sizeof text - 1, &err);
    size_t len;
    char *t;
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->rs.nrules, 2);
    CU_ASSERT_EQUAL(r->rs.rules[0].conds[0].t, 5.0f);
    CU_ASSERT_EQUAL(r->rs.rules[0].conds[1].t, 1.0f);
    CU_ASSERT_EQUAL(r->rs.rules[0].stats.has, 1);
    CU_ASSERT_EQUAL(r->rs.rules[0].stats.correct, 2);
    t = emit(r, &len);
    contains(t, "  if x <= 5 and c == b then 0 [cover 0, correct 2];\n"
                "  if c != b then 0;\n  default b;\n");
    free(t);
    nr_rules_free(r);
}

/* --- fixtures ------------------------------------------------------------- */

static const char *const FIXTURES[] = {
    "iris_tree.txt", "vote_rules.txt", "unordered_vote.txt", "regression_tree.txt",
    "lime_linear.txt", "trepan_mofn.txt", "cred_hidden.txt", "digits_classes.txt",
    "many_classes.txt", NULL};

static char *fixture(const char *name, size_t *len)
{
    char path[512];
    unsigned char *buf = NULL;
    nr_error err;
    snprintf(path, sizeof path, TEST_TOP "/tests/rules/%s", name);
    nr_error_clear(&err);
    if (nr_read_file(path, 1 << 24, &buf, len, &err) != 0)
        fprintf(stderr, "%s: %s\n", path, err.msg);
    CU_ASSERT_FATAL(buf != NULL);
    return (char *)buf;
}

/* The fixture without the comment lines that follow its first line (the
 * emitter's banner): what describes it there is not part of the IR. */
static void strip_description(char *text, size_t *len)
{
    char *line2 = strchr(text, '\n'), *p;
    if (!line2)
        return;
    for (p = ++line2; *p == '#';)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p);
    memmove(line2, p, strlen(p) + 1);
    *len = strlen(text);
}

/* Each fixture is canonical: read, parsed and emitted, it comes back as is
 * (but for its description). */
static void test_fixtures(void)
{
    for (int i = 0; FIXTURES[i]; i++) {
        char path[512], msg[1024], *t;
        nr_rules *r = NULL;
        nr_error err;
        size_t len, n;
        char *text = fixture(FIXTURES[i], &len);
        strip_description(text, &len);
        snprintf(path, sizeof path, TEST_TOP "/tests/rules/%s", FIXTURES[i]);
        nr_error_clear(&err);
        if (nr_read_rules(path, &r, &err) != 0) {
            nr_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
        }
        CU_ASSERT_FATAL(r != NULL);
        t = emit(r, &n);
        CU_ASSERT_FATAL(t != NULL);
        if (n != len || memcmp(t, text, n) != 0)
            fprintf(stderr, "%s is not canonical; emitted:\n%s", FIXTURES[i], t);
        CU_ASSERT(n == len && memcmp(t, text, n) == 0);
        free(t);
        nr_rules_free(r);
        free(text);
    }
}

/* Every prefix of every fixture: an error or rules, never a crash or leak. */
static void test_prefixes(void)
{
    for (int i = 0; FIXTURES[i]; i++) {
        size_t len;
        char *text = fixture(FIXTURES[i], &len);
        int ok = 0;
        for (size_t n = 0; n <= len; n++) {
            nr_error err;
            char *copy = malloc(n ? n : 1); /* exactly n bytes: no NUL to lean on */
            nr_rules *r;
            memcpy(copy, text, n);
            r = parse(copy, n, &err);
            if (r) {
                ok++;
                nr_rules_free(r);
            } else {
                CU_ASSERT(err.line >= 1 && err.col >= 1 && err.msg[0]);
            }
            free(copy);
        }
        CU_ASSERT(ok >= 1); /* the whole file at least */
        free(text);
    }
}

/* Random byte edits of the fixtures: never a crash; what parses emits and
 * parses again to the same text. */
static void test_mutations(void)
{
    static const char pieces[][12] = {"if", "then", "else", "{", "}", "[", "]", ";", ",",
                                      "\"", "\\", "#", "1e999", "h1.1", "-0", "of", "not",
                                      "\n", " ", "nan", "dist", "class", ":", "*", "<="};
    for (int i = 0; FIXTURES[i]; i++) {
        size_t len;
        char *text = fixture(FIXTURES[i], &len);
        for (int m = 0; m < 300; m++) {
            char buf[1 << 14];
            size_t n = len < sizeof buf - 64 ? len : sizeof buf - 64, at;
            nr_error err;
            nr_rules *r;
            memcpy(buf, text, n);
            for (int k = 0; k < 1 + (int)(rnd() % 3); k++) {
                at = rnd() % (n + 1);
                switch (rnd() % 3) {
                case 0: /* overwrite a byte */
                    if (at < n)
                        buf[at] = (char)rnd();
                    break;
                case 1: /* delete a run */
                    if (at < n) {
                        size_t d = 1 + rnd() % 8;
                        d = d > n - at ? n - at : d;
                        memmove(buf + at, buf + at + d, n - at - d);
                        n -= d;
                    }
                    break;
                default: { /* insert a piece */
                    const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
                    size_t pl = strlen(p);
                    memmove(buf + at + pl, buf + at, n - at);
                    memcpy(buf + at, p, pl);
                    n += pl;
                }
                }
            }
            if ((r = parse(buf, n, &err))) {
                size_t l1, l2;
                char *t1 = emit(r, &l1), *t2 = NULL;
                nr_rules *back = t1 ? parse(t1, l1, &err) : NULL;
                CU_ASSERT(back != NULL);
                if (back)
                    t2 = emit(back, &l2);
                CU_ASSERT(t2 && l1 == l2 && memcmp(t1, t2, l1) == 0);
                free(t1);
                free(t2);
                nr_rules_free(back);
                nr_rules_free(r);
            }
        }
        free(text);
    }
}

/* --- errors --------------------------------------------------------------- */

#define HEAD "features {\n  petal_length: continuous;\n  color: nominal {red, green};\n" \
             "  b: boolean;\n  k: onehot group 1;\n}\nclasses { setosa, versicolor }\n"
/* HEAD is 7 lines; the body starts on line 8. */

static const struct {
    const char *text, *msg;
} ERRORS[] = {
    {"", "rules.txt:1:1: error: syntax error, unexpected end of file, expecting "
         "'provenance' or 'features'"},
    {"  # only a comment\n\n", "rules.txt:3:1: error: syntax error, unexpected end of file, "
                               "expecting 'provenance' or 'features'"},
    {HEAD "tree { if petal_lenght <= 2 then setosa else versicolor }",
     "rules.txt:8:11: error: unknown feature 'petal_lenght' (did you mean 'petal_length'?)"},
    {HEAD "tree { if sepal_width <= 2 then setosa else versicolor }",
     "rules.txt:8:11: error: unknown feature 'sepal_width'"},
    {HEAD "tree { if petal_length <= 2 then setosaa else versicolor }",
     "rules.txt:8:34: error: unknown class 'setosaa' (did you mean 'setosa'?)"},
    {HEAD "tree { if petal_length <= 2 then setosa else virginica }",
     "rules.txt:8:46: error: unknown class 'virginica'"},
    {HEAD "tree { if color == gren then setosa else versicolor }",
     "rules.txt:8:20: error: unknown value 'gren' of feature 'color' (did you mean 'green'?)"},
    {HEAD "tree { if petal_length <= 2 setosa else versicolor }",
     "rules.txt:8:29: error: syntax error, unexpected name, expecting 'then' or '['"},
    {HEAD "rules ordered {\n  if b then setosa\n  default versicolor;\n}\n",
     "rules.txt:10:3: error: syntax error, unexpected 'default', expecting ';' or '['"},
    {HEAD "rules ordered { if b 3 then setosa; default setosa; }",
     "rules.txt:8:22: error: syntax error, unexpected number"},
    {HEAD "tree { if petal_length <= \"2 then setosa else versicolor }",
     "rules.txt:8:27: error: unterminated string"},
    {"features { \"a\\q\": boolean; }", "rules.txt:1:14: error: unknown escape '\\q' in a "
                                       "string (known: \\\" \\\\ \\n \\t \\r \\xHH)"},
    {"features { \"a\\x0\": boolean; }",
     "rules.txt:1:14: error: '\\x' in a string needs two hex digits"},
    {"features { \"a\\x00\": boolean; }",
     "rules.txt:1:14: error: a string cannot hold a NUL byte"},
    {HEAD "tree { if petal_length <= 1.2.3 then setosa else versicolor }",
     "rules.txt:8:27: error: bad number '1.2.3'"},
    {HEAD "tree { if petal_length <= 2x then setosa else versicolor }",
     "rules.txt:8:27: error: bad number '2x'"},
    {HEAD "tree { if petal_length <= 1e39 then setosa else versicolor }",
     "rules.txt:8:27: error: number '1e39' is out of range for a float32"},
    {HEAD "tree { if petal_length <= -inf then setosa else versicolor }",
     "rules.txt:8:27: error: threshold must be a finite number, not '-inf'"},
    {HEAD "tree { setosa [cover 1e400] }", "rules.txt:8:22: error: number '1e400' is out of "
                                          "range"},
    {HEAD "tree { if petal_length < 2 then setosa else versicolor }",
     "rules.txt:8:24: error: '<' is not an operator of the rule language; tests use <=, >, "
     "== and !="},
    {HEAD "tree { if petal_length == 2 then setosa else versicolor }",
     "rules.txt:8:11: error: '==' does not apply to continuous feature 'petal_length'; use "
     "'<=' or '>'"},
    {HEAD "tree { if petal_length then setosa else versicolor }",
     "rules.txt:8:11: error: continuous feature 'petal_length' is not Boolean; a test needs "
     "an operator (<=, >, ==, !=)"},
    {HEAD "tree { if b == red then setosa else versicolor }",
     "rules.txt:8:16: error: Boolean feature 'b' has no named values; compare it with a "
     "number"},
    {HEAD "tree { if not color then setosa else versicolor }",
     "rules.txt:8:15: error: nominal feature 'color' is not Boolean; a test needs an "
     "operator (<=, >, ==, !=)"},
    {HEAD "tree { if 1.5 of {b} then setosa else versicolor }",
     "rules.txt:8:11: error: the count of an m-of-n test must be an integer, not '1.5'"},
    {HEAD "tree { if 1 of {b, 1 of {k}} then setosa else versicolor }",
     "rules.txt:8:20: error: syntax error, unexpected number, expecting 'not' or name or "
     "string or hidden unit"},
    {HEAD "tree { if h99999999999.1 > 0 then setosa else versicolor }",
     "rules.txt:8:11: error: hidden layer number in 'h99999999999.1' is too large"},
    {"features { a: continuous; b: boolean; a: integer; }",
     "rules.txt:1:39: error: duplicate feature 'a'"},
    {"features { a: continous; }",
     "rules.txt:1:15: error: unknown feature kind 'continous' (did you mean 'continuous'?)"},
    {"features { a: onehot; }",
     "rules.txt:1:15: error: a one-hot feature needs its group: 'onehot group N'"},
    {"features { a: onehot grop 2; }", "rules.txt:1:22: error: expected 'group', not 'grop'"},
    {"features { a: nominal; }",
     "rules.txt:1:15: error: a nominal feature needs its values: 'nominal {a, b, ...}'"},
    {"features { a: nominal {x, y, x}; }",
     "rules.txt:1:23: error: duplicate value 'x' of feature 'a'"},
    {"features { a: integer {x}; }",
     "rules.txt:1:23: error: unexpected '{' after 'integer': only nominal features list "
     "values"},
    {"features { a: boolean group 1; }",
     "rules.txt:1:23: error: unexpected 'group' after 'boolean': only one-hot features have "
     "a group"},
    {"features { } classes { a, b, a }", "rules.txt:1:30: error: duplicate class 'a'"},
    {"features { } target regresion;",
     "rules.txt:1:21: error: unknown target 'regresion' (did you mean 'regression'?); a "
     "classifier declares 'classes { ... }'"},
    {"features { } target regression; tree { setosa }",
     "rules.txt:1:40: error: regression rules predict a number, not 'setosa'"},
    {"features { } target regression; tree { 1 [class a] }",
     "rules.txt:1:43: error: 'class' does not belong in the statistics of a leaf in "
     "regression rules (allowed: cover, correct, confidence, sd)"},
    {"provenance { modle \"m\"; } features { }",
     "rules.txt:1:14: error: unknown provenance field 'modle' (did you mean 'model'?)"},
    {"provenance { model \"m\"; model \"n\"; } features { }",
     "rules.txt:1:25: error: 'model' appears twice"},
    {HEAD "rules unorderd vote { default setosa; }",
     "rules.txt:8:7: error: unknown kind of rule set 'unorderd' (did you mean 'unordered'?)"},
    {HEAD "rules unordered { default setosa; }",
     "rules.txt:8:7: error: an unordered rule set needs a policy: 'unordered vote', "
     "'unordered confidence' or 'unordered first'"},
    {HEAD "rules ordered vote { default setosa; }",
     "rules.txt:8:15: error: an ordered rule set takes no policy: the first rule that fires "
     "decides"},
    {"features { } target regression; rules unordered vote { default 1; }",
     "rules.txt:1:49: error: regression rules cannot vote: use 'unordered confidence' or "
     "'unordered first'"},
    {HEAD "rules unordered vot { default setosa; }",
     "rules.txt:8:17: error: unknown policy 'vot' (did you mean 'vote'?)"},
    {HEAD "rules ordered { if b then setosa; }",
     "rules.txt:8:35: error: syntax error, unexpected '}', expecting 'if' or 'default'"},
    {HEAD "rules ordered { if b then setosa [cuver 3]; default setosa; }",
     "rules.txt:8:35: error: unknown statistic 'cuver' (did you mean 'cover'?)"},
    {HEAD "rules ordered { if b then setosa [cover 3, cover 4]; default setosa; }",
     "rules.txt:8:44: error: 'cover' appears twice"},
    {HEAD "rules ordered { if b then setosa [dist 3 4]; default setosa; }",
     "rules.txt:8:35: error: 'dist' does not belong in the statistics of a rule (allowed: "
     "value, cover, correct, confidence)"},
    {HEAD "tree { setosa [dist 1 2 3] }",
     "rules.txt:8:21: error: 'dist' has 3 numbers; expected 2, one per class"},
    {HEAD "tree { setosa [cover a] }", "rules.txt:8:22: error: 'cover' takes a number, not a "
                                      "name"},
    {HEAD "tree { setosa [cover 1 2] }", "rules.txt:8:22: error: 'cover' takes one number"},
    {HEAD "tree { if b [class nope] then setosa else setosa }",
     "rules.txt:8:20: error: unknown class 'nope'"},
    {HEAD "linear for setosa { intercep 3; }",
     "rules.txt:8:21: error: expected 'intercept' or a term 'w * x', not 'intercep' (did you "
     "mean 'intercept'?)"},
    {HEAD "linear for setosa { intercept 1; intercept 2; }",
     "rules.txt:8:34: error: 'intercept' appears twice"},
    {HEAD "linear for setosa { nan * b; }",
     "rules.txt:8:21: error: a weight must be a finite number, not 'nan'"},
    {HEAD "linear { 1 * b; } [r2 1, cover 3]",
     "rules.txt:8:26: error: 'cover' does not belong in the statistics of a linear model "
     "(allowed: r2, local, model)"},
    {HEAD "tree { setosa \xc3\xa9 }", "rules.txt:8:15: error: unexpected byte 0xC3 (names "
                                     "with characters other than A-Z a-z 0-9 _ . must be "
                                     "double-quoted)"},
    {HEAD "tree { setosa $ }", "rules.txt:8:15: error: unexpected character '$'"},
    {HEAD "tree { setosa \x01 }", "rules.txt:8:15: error: unexpected byte 0x01"},
    {HEAD "tree { if b then setosa else versicolor } tree",
     "rules.txt:8:43: error: syntax error, unexpected 'tree', expecting end of file"},
    {HEAD "tree { if b then setosa }",
     "rules.txt:8:25: error: syntax error, unexpected '}', expecting 'else' or '['"},
    {HEAD "tree { if true then setosa else setosa }",
     "rules.txt:8:11: error: syntax error, unexpected 'true'"},
    {"classes { a }", "rules.txt:1:1: error: syntax error, unexpected 'classes', expecting "
                      "'provenance' or 'features'"},
    {"features { }\nclasses { a }\n", "rules.txt:3:1: error: syntax error, unexpected end of "
                                      "file, expecting 'tree' or 'rules' or 'linear'"},
    {HEAD "rules ordered { if -1 of { b, not b } then setosa; default setosa; }",
     "rules.txt:8:20: error: an m-of-n test over 2 conditions needs m from 1 to 2, not -1"},
    {HEAD "rules ordered { if 2 of { b } then setosa; default setosa; }",
     "rules.txt:8:20: error: an m-of-n test over 1 condition needs m from 1 to 1, not 2"},
    {HEAD "rules ordered { if 0 of { } then setosa; default setosa; }",
     "rules.txt:8:25: error: an m-of-n test needs at least one condition"},
    {HEAD "tree { if color == 2 then setosa else setosa }",
     "rules.txt:8:20: error: nominal feature 'color' has values 0 to 1; 2 is none of them"},
    {HEAD "tree { if color != 0.5 then setosa else setosa }",
     "rules.txt:8:20: error: nominal feature 'color' has values 0 to 1; 0.5 is none of them"},
    {HEAD "# caf\xe9\ntree { setosa }", "rules.txt:8:6: error: byte 0xE9 is not UTF-8"},
    {HEAD "tree { \"set\\xffosa\" }",
     "rules.txt:8:8: error: the string is not UTF-8 once its escapes are read"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        nr_error err;
        char msg[1024];
        nr_rules *r = parse(ERRORS[i].text, strlen(ERRORS[i].text), &err);
        CU_ASSERT(r == NULL);
        nr_rules_free(r);
        nr_error_format(&err, msg, sizeof msg);
        if (strcmp(msg, ERRORS[i].msg) != 0)
            fprintf(stderr, "case %zu:\n  got  %s\n  want %s\n", i, msg, ERRORS[i].msg);
        CU_ASSERT_STRING_EQUAL(msg, ERRORS[i].msg);
        CU_ASSERT(err.code < 0);
    }
}

/* A NUL byte in the text is an error at its place, not the end of input. */
static void test_nul_byte(void)
{
    static const char text[] = "features { a\0: boolean; }";
    nr_error err;
    char msg[512];
    CU_ASSERT(parse(text, sizeof text - 1, &err) == NULL);
    nr_error_format(&err, msg, sizeof msg);
    CU_ASSERT_STRING_EQUAL(msg, "rules.txt:1:13: error: unexpected byte 0x00");
}

static void test_read_rules(void)
{
    nr_rules *r = (nr_rules *)1;
    nr_error err;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_read_rules(TEST_TOP "/tests/rules/no-such-file.txt", &r, &err), NR_EIO);
    CU_ASSERT(r == NULL);
    CU_ASSERT(strstr(err.file, "no-such-file.txt") != NULL);
}

/* --- depth ---------------------------------------------------------------- */

/* A tree `levels` deep, nested in the "yes" branches (then_side) or as an
 * else-if chain. */
static char *deep_text(int levels, int then_side, size_t *len)
{
    size_t cap = (size_t)levels * 64 + 256, n = 0;
    char *t = malloc(cap);
    n += (size_t)sprintf(t, "features { x: continuous; } classes { a, b }\ntree {\n");
    for (int i = 0; i < levels; i++)
        n += (size_t)sprintf(t + n, then_side ? "if x <= %d then\n" : "if x > %d then a else ",
                             levels - i);
    n += (size_t)sprintf(t + n, "b\n");
    for (int i = 0; then_side && i < levels; i++)
        n += (size_t)sprintf(t + n, "else a\n");
    n += (size_t)sprintf(t + n, "}\n");
    *len = n;
    return t;
}

static void test_depth(void)
{
    for (int side = 0; side < 2; side++) {
        size_t len, n2;
        nr_error err;
        char msg[512], *t = deep_text(NR_RULES_MAX_DEPTH, side, &len), *e1, *e2;
        nr_rules *r = parse(t, len, &err), *back;
        float x[1] = {0.5f};
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_EQUAL(r->tree.nnodes, 2 * NR_RULES_MAX_DEPTH + 1);
        CU_ASSERT_EQUAL(nr_rules_predict(r, x, NULL, NULL, NULL), 1);
        e1 = emit(r, &len);
        CU_ASSERT_FATAL(e1 != NULL);
        back = parse(e1, len, &err);
        CU_ASSERT_FATAL(back != NULL);
        e2 = emit(back, &n2);
        CU_ASSERT(e2 && n2 == len && memcmp(e1, e2, len) == 0);
        free(e1);
        free(e2);
        nr_rules_free(back);
        nr_rules_free(r);
        free(t);

        t = deep_text(NR_RULES_MAX_DEPTH + 1, side, &len);
        CU_ASSERT(parse(t, len, &err) == NULL);
        nr_error_format(&err, msg, sizeof msg);
        CU_ASSERT_STRING_EQUAL(msg, side ? "rules.txt:10003:1: error: the tree is nested "
                                           "deeper than 10000 levels"
                                         : "rules.txt:3:238899: error: the tree is nested "
                                           "deeper than 10000 levels");
        CU_ASSERT_EQUAL(err.code, NR_ELIMIT);
        free(t);
    }
    /* far deeper than the limit: refused without using up the C stack */
    {
        size_t len;
        char *t = deep_text(200000, 1, &len);
        nr_error err;
        CU_ASSERT(parse(t, len, &err) == NULL);
        CU_ASSERT_EQUAL(err.code, NR_ELIMIT);
        free(t);
    }
}

/* --- IR the emitter refuses ---------------------------------------------- */

static void expect_refused(nr_rules *r, int code, const char *msg)
{
    nr_error err;
    char *t = (char *)1;
    size_t len = 1;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_emit_text(r, &t, &len, &err), code);
    CU_ASSERT(t == NULL && len == 0);
    if (strcmp(err.msg, msg) != 0)
        fprintf(stderr, "got  %s\nwant %s\n", err.msg, msg);
    CU_ASSERT_STRING_EQUAL(err.msg, msg);
    nr_rules_free(r);
}

static void test_emit_refuses(void)
{
    nr_rules *r;
    nr_node *n;
    nr_cond sub[1], inner;

    r = tree_classify();
    r->tree.nodes[4].klass = NC;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: tree node 4: class index 5 out "
                                 "of range (5 classes)");
    r = tree_classify();
    r->tree.nodes[2].no = 1; /* node 1 reached twice */
    expect_refused(r, NR_EINVAL, "cannot write rules as text: tree node 1 is reached twice: "
                                 "the nodes must form a tree");
    r = tree_classify();
    r->tree.nodes[9].yes = 0; /* a cycle */
    expect_refused(r, NR_EINVAL, "cannot write rules as text: tree node 0 is reached twice: "
                                 "the nodes must form a tree");
    r = tree_classify();
    r->tree.nodes[9].no = 17;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: tree node 9: child index out of "
                                 "range (17 nodes)");
    r = tree_classify();
    r->tree.nodes[0].test.t = NAN;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: a test with a non-finite "
                                 "threshold");
    r = tree_classify();
    r->tree.nodes[0].test.op = NR_EQ;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: '==' on continuous feature "
                                 "'petal_length'");
    r = tree_classify();
    r->tree.nodes[0].test.op = NR_TRUE;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: a Boolean test on continuous "
                                 "feature 'petal_length'");
    r = tree_classify();
    r->tree.nodes[0].test.var.index = NF;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: feature index 12 out of range "
                                 "(12 features)");
    r = tree_classify();
    r->tree.nodes[0].test = hid(-1, 0, NR_LE, 0);
    expect_refused(r, NR_EINVAL, "cannot write rules as text: hidden unit h-1.0 has a "
                                 "negative index");
    r = tree_classify();
    inner = mofn(r, 1, 1, (nr_cond[]){cmp(F_CA, NR_TRUE, 0)});
    sub[0] = inner;
    r->tree.nodes[0].test = mofn(r, 1, 1, sub);
    expect_refused(r, NR_EINVAL, "cannot write rules as text: an m-of-n test inside an m-of-n "
                                 "test");
    r = tree_classify();
    r->features[3].name = "sepal_length";
    expect_refused(r, NR_EINVAL, "cannot write rules as text: duplicate feature name "
                                 "'sepal_length'");
    r = tree_classify();
    r->classes = nr_arena_calloc(r->arena, NC, sizeof *r->classes);
    memcpy(r->classes, CLASSES, sizeof CLASSES);
    r->classes[4] = "setosa";
    expect_refused(r, NR_EINVAL, "cannot write rules as text: duplicate class name 'setosa'");
    r = tree_regress();
    r->tree.nodes[6].value = INFINITY;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: tree node 6 predicts a "
                                 "non-finite value");
    r = ruleset(NR_TASK_CLASSIFY, NR_ORDERED, NR_POLICY_FIRST);
    r->rs.default_class = -1;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: default of rule set 0: class "
                                 "index -1 out of range (5 classes)");
    r = ruleset(NR_TASK_REGRESS, NR_UNORDERED, NR_POLICY_VOTE);
    expect_refused(r, NR_EINVAL, "cannot write rules as text: a regression rule set that "
                                 "votes");
    r = linear(NR_TASK_CLASSIFY, 1);
    r->lin.terms[2].weight = -INFINITY;
    expect_refused(r, NR_EINVAL, "cannot write rules as text: term 2 of the linear model has a "
                                 "non-finite weight");

    /* deeper than the text form allows */
    r = header(NR_TASK_CLASSIFY);
    n = nodes(r, 2 * NR_RULES_MAX_DEPTH + 3);
    for (int i = 0; i <= NR_RULES_MAX_DEPTH; i++) {
        split(&n[2 * i], cmp(F_SEPAL, NR_LE, (float)i), 2 * i + 1, 2 * i + 2);
        leaf(&n[2 * i + 1], 0, 0);
    }
    leaf(&n[2 * NR_RULES_MAX_DEPTH + 2], 1, 0);
    expect_refused(r, NR_ELIMIT, "cannot write rules as text: the tree is nested deeper than "
                                 "10000 levels");
}

/* --- the manual's examples ------------------------------------------------ */

/* Every example in the EXAMPLES section of man/nn2rules-rules.5 (a literal
 * display) parses, and the ones that start with the emitter's banner are
 * what the emitter writes. */
static void test_man_examples(void)
{
    size_t len;
    unsigned char *buf = NULL;
    nr_error err;
    const char *p, *end, *stop;
    int examples = 0;
    nr_error_clear(&err);
    CU_ASSERT_FATAL(nr_read_file(TEST_TOP "/man/nn2rules-rules.5", 1 << 20, &buf, &len, &err) == 0);
    p = strstr((const char *)buf, "\n.Sh EXAMPLES\n");
    CU_ASSERT_FATAL(p != NULL);
    stop = strstr(p + 1, "\n.Sh ");
    CU_ASSERT_FATAL(stop != NULL);
    for (; (p = strstr(p, ".Bd -literal")) && p < stop; p = end) {
        char *text = malloc(len + 1), *o = text, msg[1024];
        const char *q = strchr(p, '\n') + 1, *s;
        nr_rules *r;
        end = strstr(q, "\n.Ed");
        CU_ASSERT_FATAL(end != NULL);
        for (s = q; s < end + 1; s++) { /* roff escapes: \e is a backslash, \& nothing */
            if (s[0] == '\\' && s[1] == 'e') {
                *o++ = '\\';
                s++;
            } else if (s[0] == '\\' && s[1] == '&') {
                s++;
            } else {
                *o++ = *s;
            }
        }
        *o = 0;
        examples++;
        r = parse(text, strlen(text), &err);
        if (!r) {
            nr_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "man page example:\n%s\n%s\n", text, msg);
        }
        CU_ASSERT(r != NULL);
        if (r && strncmp(text, "# nn2rules rules;", 17) == 0) { /* canonical */
            size_t n;
            char *t = emit(r, &n);
            if (!t || strcmp(t, text) != 0)
                fprintf(stderr, "man page example is not canonical; emitted:\n%s", t ? t : "(nothing)");
            CU_ASSERT(t && strcmp(t, text) == 0);
            free(t);
        }
        nr_rules_free(r);
        free(text);
    }
    CU_ASSERT(examples >= 6);
    free(buf);
}

/* The spread of a regression node: parsed, kept apart from the other
 * statistics, written back as it came; files from before it (a regression
 * `correct 0` and no sd) still read, and are written without the 0.
 * Classification rules have no spread. */
static void test_sd(void)
{
    static const char old[] = "features { x: continuous; } target regression;\n"
                              "tree { if x <= 1 [value 2, cover 9, correct 0] then 1.5 "
                              "[cover 4, correct 0] else 2.4 [cover 5, correct 0] }";
    static const char with_sd[] = "features { x: continuous; } target regression;\n"
                                  "tree { if x <= 1 [value 2, cover 9, sd 0.5] then 1.5 "
                                  "[cover 4, sd 0.125] else 2.4 [sd 0] }";
    static const char rules[] = "features { x: continuous; } target regression;\n"
                                "rules ordered { if x <= 1 then 1.5 [cover 4, sd 0.25]; "
                                "default 2; }";
    static const char cls[] = "features { x: continuous; } classes { a, b }\n"
                              "tree { a [cover 4, correct 4, sd 0.5] }";
    nr_error err;
    nr_rules *r = parse(old, sizeof old - 1, &err);
    char *t;
    size_t len;
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nodes[1].stats.has, 1);
    CU_ASSERT_EQUAL(r->tree.nodes[1].stats.cover, 4);
    CU_ASSERT_EQUAL(r->tree.nodes[1].stats.has_sd, 0);
    t = emit(r, &len);
    contains(t, "tree {\n  if x <= 1 [value 2, cover 9] then\n    1.5 [cover 4]\n"
                "  else 2.4 [cover 5]\n}\n");
    free(t);
    nr_rules_free(r);

    r = parse(with_sd, sizeof with_sd - 1, &err);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->tree.nodes[0].stats.has_sd, 1);
    CU_ASSERT_EQUAL(r->tree.nodes[0].stats.sd, 0.5);
    CU_ASSERT_EQUAL(r->tree.nodes[1].stats.sd, 0.125);
    CU_ASSERT_EQUAL(r->tree.nodes[2].stats.has, 0);
    CU_ASSERT_EQUAL(r->tree.nodes[2].stats.has_sd, 1);
    t = round_trip(r);
    contains(t, "tree {\n  if x <= 1 [value 2, cover 9, sd 0.5] then\n    1.5 [cover 4, sd 0.125]\n"
                "  else 2.4 [sd 0]\n}\n");
    free(t);

    r = parse(rules, sizeof rules - 1, &err);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->rs.rules[0].stats.has_sd, 1);
    CU_ASSERT_EQUAL(r->rs.rules[0].stats.sd, 0.25);
    t = round_trip(r);
    contains(t, "  if x <= 1 then 1.5 [cover 4, sd 0.25];\n  default 2;\n");
    free(t);

    CU_ASSERT(parse(cls, sizeof cls - 1, &err) == NULL);
    CU_ASSERT(strstr(err.msg, "'sd' does not belong in the statistics of a leaf "
                              "(allowed: value, cover, correct, confidence, dist)") != NULL);
}

static const cutest tests[] = {
    {"tree, classification", test_tree_classify},
    {"tree, regression", test_tree_regress},
    {"tree, empty and one leaf", test_tree_small},
    {"rules, ordered", test_rules_ordered},
    {"rules, unordered by every policy", test_rules_unordered},
    {"rules, regression", test_rules_regress},
    {"linear models", test_linear},
    {"numbers round-trip bit for bit", test_numbers},
    {"names: reserved words and quoting", test_names},
    {"names: thousands of them", test_many_names},
    {"lenient input", test_lenient_input},
    {"fixtures are canonical", test_fixtures},
    {"every prefix of every fixture", test_prefixes},
    {"mutated fixtures", test_mutations},
    {"located error messages", test_errors},
    {"NUL byte in the text", test_nul_byte},
    {"nr_read_rules on a missing file", test_read_rules},
    {"nesting depth", test_depth},
    {"IR without a text form is refused", test_emit_refuses},
    {"the manual's examples", test_man_examples},
    {"regression spread (sd)", test_sd},
    {NULL, NULL},
};

CUTEST_MAIN("grammar", tests)
