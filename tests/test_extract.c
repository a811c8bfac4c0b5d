/*
 * test_extract.c - the `tree` extractor on the example networks, and the
 * rule text round trip on what it extracts: emit, parse, emit gives the same
 * bytes, and the parsed rules predict what the in-memory IR predicted on
 * every row of the example's data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube.h"
#include "cutest.h"
#include "emit.h"
#include "extract.h"
#include "extractor.h"
#include "model_io.h"
#include "passes.h"

static const char *const EXAMPLES[] = {"iris", "wdbc", "vote", "digits"};

static void load(const char *ex, nn_model **m, nr_dataset **d)
{
    char path[256];
    nr_error err;
    nr_read_opts ro = {NULL, NULL, NULL};
    nr_error_clear(&err);
    snprintf(path, sizeof path, "examples/%s/model.bin", ex);
    CU_ASSERT_EQUAL_FATAL(nr_model_read(path, m, &err), 0);
    snprintf(path, sizeof path, "examples/%s/data.csv", ex);
    CU_ASSERT_EQUAL_FATAL(nr_data_read(path, &ro, d, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_dataset_match_model(*d, *m, &err), 0);
}

/* emit -> parse -> emit, and the same predictions on every row */
static void round_trip(const nr_rules *r, const nr_dataset *d)
{
    char *a = NULL, *b = NULL;
    size_t alen, blen;
    nr_rules *p = NULL;
    nr_error err;
    int diff = 0;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_emit_text(r, &a, &alen, &err), 0);
    if (nr_parse_rules("round-trip", a, alen, &p, &err) != 0) {
        char msg[1024];
        nr_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(nr_emit_text(p, &b, &blen, &err), 0);
    CU_ASSERT(b && alen == blen && memcmp(a, b, alen) == 0);
    for (int i = 0; i < d->nrows; i++) {
        const float *x = d->x + (size_t)i * (size_t)d->ncols;
        int fa, fb;
        diff += nr_rules_predict(r, x, NULL, NULL, &fa) != nr_rules_predict(p, x, NULL, NULL, &fb) ||
                fa != fb;
    }
    CU_ASSERT_EQUAL(diff, 0);
    free(a);
    free(b);
    nr_rules_free(p);
}

static void test_examples_round_trip(void)
{
    for (size_t e = 0; e < sizeof EXAMPLES / sizeof *EXAMPLES; e++) {
        nn_model *m = NULL;
        nr_dataset *d = NULL;
        nr_extract_opts o;
        nr_tree_settings ts;
        nr_rules *r = NULL;
        nr_error err;
        load(EXAMPLES[e], &m, &d);
        for (int as_rules = 0; as_rules < 2; as_rules++) {
            nr_extract_opts_default(&o);
            nr_tree_settings_default(&ts);
            ts.as_rules = as_rules;
            o.model_path = "model.bin";
            nr_error_clear(&err);
            CU_ASSERT_EQUAL(nr_extract_tree(m, d, &o, &ts, &r, NULL, &err), 0);
            if (r)
                round_trip(r, d);
            nr_rules_free(r);
            r = NULL;
        }
        nr_dataset_free(d);
        nn_model_free(m);
    }
}

/* The tree agrees with the network on most training rows, and a fully
 * grown, unpruned tree on all of them (the iris rows are distinct). */
static void test_fidelity(void)
{
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_extract_opts o;
    nr_tree_settings ts;
    nr_rules *r = NULL;
    nr_error err;
    nr_eval_result res;
    load("iris", &m, &d);
    nr_extract_opts_default(&o);
    nr_tree_settings_default(&ts);
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, d, &o, &ts, &r, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_evaluate(r, m, d, &res, &err), 0);
    CU_ASSERT(res.agree >= res.nrows * 95 / 100);
    CU_ASSERT_EQUAL(res.covered, res.nrows);
    nr_eval_result_free(&res);
    nr_rules_free(r);
    ts.select_size = 0;
    ts.tree.prune = 0;
    ts.tree.min_leaf = 1;
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, d, &o, &ts, &r, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_evaluate(r, m, d, &res, &err), 0);
    CU_ASSERT_EQUAL(res.agree, res.nrows);
    nr_eval_result_free(&res);
    nr_rules_free(r);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* Same seed, same rules; the domain sampler stays inside the declared
 * ranges and types.  The profile is set aside, so that the box is what is
 * sampled (with it, vote's two-leaf tree is the same for every seed). */
static void test_seeded_domain(void)
{
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_extract_opts o;
    nr_tree_settings ts;
    nr_rules *r1 = NULL, *r2 = NULL, *r3 = NULL;
    nr_error err;
    char *a, *b, *c;
    size_t al, bl, cl;
    float *x;
    nr_rng rng;
    nn_profile *profile;
    load("vote", &m, &d);
    profile = m->profile;
    m->profile = NULL;
    nr_extract_opts_default(&o);
    nr_tree_settings_default(&ts);
    o.samples = 3000;
    o.seed = 42;
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, NULL, &o, &ts, &r1, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, NULL, &o, &ts, &r2, NULL, &err), 0);
    o.seed = 43;
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, NULL, &o, &ts, &r3, NULL, &err), 0);
    nr_emit_text(r1, &a, &al, &err);
    nr_emit_text(r2, &b, &bl, &err);
    nr_emit_text(r3, &c, &cl, &err);
    CU_ASSERT(al == bl && memcmp(a, b, al) == 0);
    CU_ASSERT(!(al == cl && memcmp(a, c, al) == 0));
    free(a), free(b), free(c);
    nr_rules_free(r1), nr_rules_free(r2), nr_rules_free(r3);
    m->profile = profile;
    nr_rng_seed(&rng, 5);
    CU_ASSERT_EQUAL_FATAL(nr_sample_domain(m, 1000, &rng, &x, &err), 0);
    for (int i = 0; i < 1000 * 16; i++)
        CU_ASSERT(x[i] == 0.0f || x[i] == 1.0f);
    free(x);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* On the vote network (16 Boolean inputs) the exhaustive count equals the
 * count over an explicit enumeration done here. */
static void test_exhaustive(void)
{
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_extract_opts o;
    nr_tree_settings ts;
    nr_rules *r = NULL;
    nr_error err;
    nr_exhaustive_result x;
    float *cube = malloc(sizeof *cube * 16 * 65536);
    int *net = malloc(sizeof *net * 65536);
    long agree = 0;
    char want[32];
    load("vote", &m, &d);
    nr_extract_opts_default(&o);
    nr_tree_settings_default(&ts);
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, d, &o, &ts, &r, NULL, &err), 0);
    for (int v = 0; v < 65536; v++)
        for (int f = 0; f < 16; f++)
            cube[v * 16 + f] = (float)((v >> f) & 1);
    CU_ASSERT_EQUAL_FATAL(nr_label_rows(m, cube, 65536, net, NULL, &err), 0);
    for (int v = 0; v < 65536; v++)
        agree += nr_rules_predict(r, cube + v * 16, NULL, NULL, NULL) == net[v];
    CU_ASSERT_EQUAL_FATAL(nr_evaluate_exhaustive(r, m, 30, &x, &err), 0);
    CU_ASSERT_STRING_EQUAL(x.total, "65536");
    snprintf(want, sizeof want, "%ld", agree);
    CU_ASSERT_STRING_EQUAL(x.agree, want);
    nr_exhaustive_result_free(&x);
    /* too big a cube is refused, not attempted */
    CU_ASSERT_EQUAL(nr_evaluate_exhaustive(r, m, 10, &x, &err), NR_ELIMIT);
    free(cube);
    free(net);
    nr_rules_free(r);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* The table of extractors: found by name, options parsed by the shared
 * code into the extractor's settings, what they imply settled by finish,
 * and the provenance spelled from them. */
static void test_extractor_table(void)
{
    const nr_extractor *x = nr_extractor_find("tree");
    nr_tree_settings s;
    unsigned char given[32] = {0};
    char desc[256];
    nr_error err;
    int idx;
    const nr_optdef *d;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_EQUAL(nr_extractors[0], x);
    CU_ASSERT_PTR_NULL(nr_extractor_find("frob"));
    CU_ASSERT_EQUAL(x->settings_size, sizeof s);
    x->defaults(&s);
    CU_ASSERT_EQUAL(s.select_size, 1);
    nr_error_clear(&err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d = nr_extractor_option(x, "criterion", &idx));
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "gini", &err), 0);
    CU_ASSERT_EQUAL(s.tree.criterion, NR_CRIT_GINI);
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "entropy", &err), NR_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "--criterion is gain-ratio, gain or gini, not 'entropy'");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d = nr_extractor_option(x, "tolerance", NULL));
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "2.5", &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.tolerance, 0.025, 1e-12);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d = nr_extractor_option(x, "max-leaves", &idx));
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "1", &err), NR_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "--max-leaves wants a whole number from 2 to 100000000, not '1'");
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "7.5", &err), NR_EINVAL);
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, "7", &err), 0);
    CU_ASSERT_EQUAL(s.tree.max_leaves, 7);
    CU_ASSERT_FATAL(idx < (int)sizeof given);
    given[idx] = 1;
    CU_ASSERT_PTR_NOT_NULL_FATAL(d = nr_extractor_option(x, "no-mdl", NULL));
    CU_ASSERT_EQUAL(nr_opt_set(d, &s, NULL, &err), 0);
    CU_ASSERT_EQUAL(s.tree.mdl, 0);
    /* a size option: no held-out choice of the size */
    x->finish(&s, given);
    CU_ASSERT_EQUAL(s.select_size, 0);
    x->describe(&s, desc, sizeof desc);
    CU_ASSERT_STRING_EQUAL(desc, "--criterion gini --min-leaf 2 --max-leaves 7 --cf 0.25");
    /* every option has a name, help, and a field inside the settings */
    for (int i = 0; x->opts[i].name; i++) {
        CU_ASSERT(x->opts[i].help && x->opts[i].help[0]);
        CU_ASSERT(x->opts[i].offset < x->settings_size);
        CU_ASSERT((x->opts[i].kind == NR_OPT_FLAG) == (x->opts[i].arg == NULL));
    }
}

/* ---- the input cube counted 64 points at a time --------------------------- */

static uint64_t cube_rng = 12345;

static int draw(int n)
{
    cube_rng = cube_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (int)((cube_rng >> 33) % (uint64_t)n);
}

/* Any condition on an input (thresholds below, between and above 0 and 1),
 * sometimes m-of-n with m from 0 to n + 1, sometimes on a hidden unit. */
static void random_cond(nr_rules *r, const nn_model *m, nr_cond *c, int mofn, int hidden)
{
    static const float ts[] = {-1, 0, 0.5f, 1, 2};
    memset(c, 0, sizeof *c);
    if (mofn && draw(6) == 0) {
        c->op = NR_MOFN;
        c->n = 1 + draw(4);
        c->m = draw(c->n + 2);
        c->sub = nr_arena_calloc(r->arena, (size_t)c->n, sizeof *c->sub);
        for (int i = 0; i < c->n; i++)
            random_cond(r, m, &c->sub[i], 0, hidden);
        return;
    }
    c->op = (nr_cond_op)draw(6);
    c->t = ts[draw(5)];
    if (hidden && draw(3) == 0) {
        c->var.kind = NR_VAR_HIDDEN;
        c->var.layer = 0;
        c->var.index = draw((int)nn_layer_size(m, 0));
        c->t = (float)draw(5) - 2;
    } else {
        c->var.index = draw(r->nfeatures);
    }
}

/* 12 rules of 0 to 3 conditions, confidences with ties and zeros, some
 * without statistics (a vote of 1), one with no class. */
static nr_rules *random_ruleset(const nn_model *m, nr_ruleset_kind kind, nr_policy policy, int hidden)
{
    static const double conf[] = {0, 0, 0.5, 0.75, 0.75, 0.9};
    nr_rules *r = nr_rules_new();
    nr_error err;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(nr_rules_header_from_model(r, m, &err), 0);
    r->kind = NR_BODY_RULESET;
    r->rs.kind = kind;
    r->rs.policy = policy;
    r->rs.nrules = 12;
    r->rs.default_class = draw(r->nclasses);
    r->rs.rules = nr_arena_calloc(r->arena, 12, sizeof *r->rs.rules);
    for (int i = 0; i < 12; i++) {
        nr_rule *ru = &r->rs.rules[i];
        ru->nconds = i == 11 ? 0 : 1 + draw(3);
        ru->conds = nr_arena_calloc(r->arena, 4, sizeof *ru->conds);
        for (int j = 0; j < ru->nconds; j++)
            random_cond(r, m, &ru->conds[j], 1, hidden);
        ru->klass = i == 5 ? -1 : draw(r->nclasses);
        ru->stats.has = draw(4) != 0;
        ru->stats.confidence = conf[draw(6)];
    }
    return r;
}

/* A full tree of depth 5 with random tests. */
static nr_rules *random_tree(const nn_model *m)
{
    nr_rules *r = nr_rules_new();
    nr_error err;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(nr_rules_header_from_model(r, m, &err), 0);
    r->kind = NR_BODY_TREE;
    r->tree.nnodes = 63;
    r->tree.nodes = nr_arena_calloc(r->arena, 63, sizeof *r->tree.nodes);
    for (int i = 0; i < 63; i++) {
        nr_node *n = &r->tree.nodes[i];
        n->leaf = i >= 31;
        n->klass = draw(r->nclasses);
        if (!n->leaf) {
            n->yes = 2 * i + 1;
            n->no = 2 * i + 2;
            random_cond(r, m, &n->test, 1, 0);
        }
    }
    return r;
}

/* Bit masks and per-point decisions count the same. */
static void same_counts(const nr_rules *r, const nn_model *m, const char *total)
{
    nr_exhaustive_result a, b;
    nr_error err;
    CU_ASSERT_EQUAL_FATAL(nr_evaluate_cube(r, m, 30, NR_CUBE_FAST, &a, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_evaluate_cube(r, m, 30, NR_CUBE_PER_POINT, &b, NULL, &err), 0);
    CU_ASSERT_STRING_EQUAL(a.total, total);
    CU_ASSERT_STRING_EQUAL(a.total, b.total);
    CU_ASSERT_STRING_EQUAL(a.agree, b.agree);
    CU_ASSERT_STRING_EQUAL(a.covered, b.covered);
    CU_ASSERT_STRING_EQUAL(a.fidelity, b.fidelity);
    CU_ASSERT_EQUAL_FATAL(a.nclasses, b.nclasses);
    for (int i = 0; i < a.nclasses * a.nclasses; i++)
        CU_ASSERT_STRING_EQUAL(a.confusion[i], b.confusion[i]);
    nr_exhaustive_result_free(&a);
    nr_exhaustive_result_free(&b);
}

static void masks_on(const nn_model *m, const char *total)
{
    for (int round = 0; round < 8; round++) {
        nr_rules *r[5];
        r[0] = random_ruleset(m, NR_ORDERED, NR_POLICY_FIRST, 0);
        r[1] = random_ruleset(m, NR_UNORDERED, NR_POLICY_CONFIDENCE, 0);
        r[2] = random_ruleset(m, NR_UNORDERED, NR_POLICY_VOTE, 0);
        r[3] = random_tree(m);
        /* a NaN confidence: most confident first is no longer the order */
        r[4] = random_ruleset(m, NR_UNORDERED, NR_POLICY_CONFIDENCE, 0);
        r[4]->rs.rules[draw(12)].stats.confidence = NAN;
        for (int i = 0; i < 5; i++) {
            CU_ASSERT(nr_cube_by_masks(r[i], m));
            same_counts(r[i], m, total);
            nr_rules_free(r[i]);
        }
    }
}

/* Rule sets of every policy and trees over the vote network's 16 Boolean
 * inputs, then over one-hot groups (a group is one digit of the cube, its
 * members need not be neighbours, a block need not fill its last word). */
static void test_cube_masks(void)
{
    nn_model *m;
    nr_dataset *d;
    load("vote", &m, &d);
    masks_on(m, "65536");
    /* a vote whose fired rules all have confidence 0: class 0 wins with no
     * rule of its own, so no rule decides */
    {
        nr_rules *r = random_ruleset(m, NR_UNORDERED, NR_POLICY_VOTE, 0);
        r->rs.nrules = 2;
        for (int i = 0; i < 2; i++) {
            nr_rule *ru = &r->rs.rules[i];
            ru->nconds = 1;
            memset(&ru->conds[0], 0, sizeof ru->conds[0]);
            ru->conds[0].op = NR_TRUE;
            ru->conds[0].var.index = i;
            ru->klass = 1 - i;
            ru->stats.has = 1;
            ru->stats.confidence = i ? 0.5 : 0;
        }
        same_counts(r, m, "65536");
        nr_rules_free(r);
    }
    /* a group high in the cube: 8192 points of 12 low bits, so 6 blocks */
    for (int f = 12; f < 15; f++) {
        m->features[f].type = NN_FEAT_ONEHOT;
        m->features[f].group = 0;
    }
    masks_on(m, "24576");
    /* 3 * 5 * 7 * 2 = 210 points: 4 words, 18 points in the last */
    for (int f = 0; f < 16; f++) {
        m->features[f].type = f == 15 ? NN_FEAT_BOOLEAN : NN_FEAT_ONEHOT;
        m->features[f].group = f == 15 ? -1 : f == 0 || f == 7 || f == 11 ? 1 : f <= 5 ? 0 : 2;
    }
    masks_on(m, "210");
    nr_dataset_free(d);
    nn_model_free(m);
}

/* Rules on hidden units are decided per point, on the activations of the
 * point's own row, whichever thread and block it falls in. */
static void test_cube_hidden(void)
{
    nn_model *m;
    nr_dataset *d;
    nn_workspace *ws;
    float *cube = malloc(sizeof *cube * 16 * 65536), *out = malloc(sizeof *out * 2 * 65536);
    const float *act[8];
    nr_hidden h;
    nr_error err;
    nn_error nerr = {0};
    load("vote", &m, &d);
    CU_ASSERT_FATAL(m->nlayers <= 8 && nn_model_output_size(m) == 2);
    ws = nn_workspace_new(m, 65536);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    for (int v = 0; v < 65536; v++)
        for (int f = 0; f < 16; f++)
            cube[v * 16 + f] = (float)((v >> f) & 1);
    CU_ASSERT_EQUAL_FATAL(nn_forward(m, ws, cube, 65536, out, &nerr), 0);
    h.nlayers = m->nlayers;
    h.act = act;
    for (int round = 0; round < 4; round++) {
        nr_rules *r = random_ruleset(m, NR_ORDERED, NR_POLICY_FIRST, 1);
        nr_exhaustive_result x;
        long agree = 0, covered = 0;
        char want[32];
        CU_ASSERT(!nr_cube_by_masks(r, m));
        for (int v = 0; v < 65536; v++) {
            int fired;
            for (int l = 0; l < m->nlayers; l++)
                act[l] = nn_activation(ws, l) + (size_t)v * nn_layer_size(m, l);
            agree += nr_rules_predict(r, cube + v * 16, &h, NULL, &fired) == nn_argmax(out + 2 * v, 2);
            covered += fired >= 0;
        }
        CU_ASSERT_EQUAL_FATAL(nr_evaluate_cube(r, m, 30, NR_CUBE_FAST, &x, NULL, &err), 0);
        snprintf(want, sizeof want, "%ld", agree);
        CU_ASSERT_STRING_EQUAL(x.agree, want);
        snprintf(want, sizeof want, "%ld", covered);
        CU_ASSERT_STRING_EQUAL(x.covered, want);
        nr_exhaustive_result_free(&x);
        nr_rules_free(r);
    }
    nn_workspace_free(ws);
    free(cube);
    free(out);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* The estimate: seeded, and its interval holds the exact fidelity (each
 * with 95% odds; with these seeds, all four do). */
static void test_cube_estimate(void)
{
    nn_model *m;
    nr_dataset *d;
    nr_error err;
    double lo, hi;
    load("vote", &m, &d);
    for (int round = 0; round < 4; round++) {
        nr_rules *r = random_ruleset(m, NR_UNORDERED, NR_POLICY_VOTE, 0);
        nr_exhaustive_result x;
        nr_cube_estimate e, f;
        double exact;
        CU_ASSERT_EQUAL_FATAL(nr_evaluate_exhaustive(r, m, 30, &x, &err), 0);
        exact = atof(x.agree) / 65536.0;
        CU_ASSERT_EQUAL_FATAL(nr_estimate_cube(r, m, 20000, (uint64_t)round + 100, &e, NULL, &err), 0);
        CU_ASSERT_EQUAL_FATAL(nr_estimate_cube(r, m, 20000, (uint64_t)round + 100, &f, NULL, &err), 0);
        CU_ASSERT_STRING_EQUAL(e.total, "65536");
        CU_ASSERT_EQUAL(e.samples, 20000);
        CU_ASSERT_EQUAL(e.agree, f.agree);
        CU_ASSERT_EQUAL(e.covered, f.covered);
        CU_ASSERT(e.lo <= exact && exact <= e.hi);
        CU_ASSERT(e.lo <= e.fidelity && e.fidelity <= e.hi && e.hi - e.lo < 0.02);
        nr_cube_estimate_free(&e);
        nr_cube_estimate_free(&f);
        nr_exhaustive_result_free(&x);
        nr_rules_free(r);
    }
    /* too big a cube to count still has an estimate */
    {
        nr_rules *r = random_ruleset(m, NR_ORDERED, NR_POLICY_FIRST, 0);
        nr_exhaustive_result x;
        nr_cube_estimate e;
        CU_ASSERT_EQUAL(nr_evaluate_cube(r, m, 10, NR_CUBE_FAST, &x, NULL, &err), NR_ELIMIT);
        CU_ASSERT_STRING_EQUAL(err.msg, "the input cube has 65536 points, more than 2^10 to enumerate");
        CU_ASSERT_PTR_NULL(x.total);
        CU_ASSERT_EQUAL(nr_estimate_cube(r, m, 100, 1, &e, NULL, &err), 0);
        CU_ASSERT_EQUAL(e.samples, 100);
        nr_cube_estimate_free(&e);
        nr_rules_free(r);
    }
    nr_wilson95(0, 10, &lo, &hi);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(hi, 0.27753, 1e-5);
    nr_wilson95(50, 100, &lo, &hi);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.40383, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(hi, 0.59617, 1e-5);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* Without data, the tree learns from the profile's kept rows and the
 * samples drawn around them, each half the weight; its statistics count the
 * kept rows. */
static void test_kept_rows_joined(void)
{
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_extract_opts o;
    nr_tree_settings ts;
    nr_inputs in;
    nr_rules *r = NULL;
    nr_error err;
    nr_rng rng;
    double wk = 0, ws = 0;
    int k;
    const size_t nin = 64;
    load("digits", &m, &d);
    CU_ASSERT_FATAL(m->profile != NULL && m->profile->nrows > 0);
    CU_ASSERT_EQUAL_FATAL(nn_model_input_size(m), nin);
    k = m->profile->nrows;
    nr_extract_opts_default(&o);
    o.samples = 700;
    nr_rng_seed(&rng, 3);
    CU_ASSERT_EQUAL_FATAL(nr_extract_inputs(m, NULL, &o, &rng, &in, &err), 0);
    CU_ASSERT_EQUAL(in.nkept, 0);
    CU_ASSERT_PTR_NULL(in.w);
    CU_ASSERT_EQUAL_FATAL(nr_inputs_join_kept(m, &in, &err), 0);
    CU_ASSERT_EQUAL_FATAL(in.nkept, k);
    CU_ASSERT_EQUAL_FATAL(in.nrows, k + 700);
    CU_ASSERT_FATAL(in.w != NULL);
    CU_ASSERT_EQUAL(memcmp(in.x, m->profile->rows, (size_t)k * nin * sizeof *in.x), 0);
    for (int i = 0; i < in.nrows; i++) {
        if (i < k) {
            CU_ASSERT_EQUAL(in.src[i], i);
            wk += in.w[i];
        } else {
            CU_ASSERT(in.src[i] >= 0 && in.src[i] < k);
            ws += in.w[i];
        }
    }
    CU_ASSERT_DOUBLE_EQUAL(wk, k, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(ws, k, 1e-6);
    /* a second join changes nothing */
    CU_ASSERT_EQUAL(nr_inputs_join_kept(m, &in, &err), 0);
    CU_ASSERT_EQUAL(in.nrows, k + 700);
    nr_inputs_free(&in);

    nr_tree_settings_default(&ts);
    ts.tree.max_leaves = 12;
    ts.select_size = 0;
    CU_ASSERT_EQUAL_FATAL(nr_extract_tree(m, NULL, &o, &ts, &r, NULL, &err), 0);
    CU_ASSERT_EQUAL(r->tree.nodes[0].stats.cover, k);
    nr_rules_free(r);
    nr_dataset_free(d);
    nn_model_free(m);
}

/* The smallest size within the tolerance of the best; on few held-out rows,
 * within NR_CHANCE_ROWS rows instead; tolerance 0 takes the best. */
static void test_pick_size(void)
{
    /* agreement of 1000 held-out rows at sizes 0..5 */
    const long big[] = {300, 900, 985, 990, 996, 994};
    /* of 112 rows: 3 rows short at size 2, 5 rows short at size 1 */
    const long small[] = {40, 106, 108, 111, 110};
    nr_extract_report rep;
    memset(&rep, 0, sizeof rep);
    CU_ASSERT_EQUAL(nr_pick_size(big, 5, 1000, 0.01, 0, &rep), 3);
    CU_ASSERT_EQUAL(rep.best_leaves, 4);
    CU_ASSERT_EQUAL(rep.held_agree, 990);
    CU_ASSERT_EQUAL(rep.chance_rows, 0);
    CU_ASSERT_EQUAL(nr_pick_size(big, 5, 1000, 0.02, 0, &rep), 2);
    CU_ASSERT_EQUAL(nr_pick_size(big, 5, 1000, 0.005, 0, &rep), 4);
    CU_ASSERT_EQUAL(nr_pick_size(big, 5, 1000, 0, 0, &rep), 4);
    /* 1 point of 112 rows is 1.12 rows: 4 rows decide */
    CU_ASSERT_EQUAL(nr_pick_size(small, 4, 112, 0.01, 0, &rep), 2);
    CU_ASSERT_EQUAL(rep.chance_rows, NR_CHANCE_ROWS);
    CU_ASSERT_EQUAL(rep.best_leaves, 3);
    CU_ASSERT_EQUAL(nr_pick_size(small, 4, 112, 0, 0, &rep), 3);
    CU_ASSERT_EQUAL(rep.chance_rows, 0);
    /* 5 points of 112 rows is 5.6 rows: the tolerance decides */
    CU_ASSERT_EQUAL(nr_pick_size(small, 4, 112, 0.05, 0, &rep), 1);
    CU_ASSERT_EQUAL(rep.chance_rows, 0);
}

/* A regression tree's size by held-out R^2: a target of three steps in x0
 * (x1 is noise it must not split on) gives three leaves; small noise on the
 * target does not make it grow further. */
static void test_choose_regression_size(void)
{
    enum { N = 600 };
    static float x[N * 2];
    static double v[N];
    nr_table t;
    nr_tree_opts to;
    nr_extract_opts o;
    nr_extract_report rep;
    nr_error err;
    nr_rng rng;
    nr_rng_seed(&rng, 11);
    for (int i = 0; i < N; i++) {
        x[2 * i] = (float)nr_rng_uniform(&rng);
        x[2 * i + 1] = (float)nr_rng_uniform(&rng);
        v[i] = (x[2 * i] > 1.0f / 3) + (x[2 * i] > 2.0f / 3) + 0.01 * (nr_rng_uniform(&rng) - 0.5);
    }
    memset(&t, 0, sizeof t);
    t.nrows = N;
    t.ncols = 2;
    t.x = x;
    t.yv = v;
    t.var_kind = NR_VAR_INPUT;
    nr_tree_opts_default(&to);
    nr_extract_opts_default(&o);
    memset(&rep, 0, sizeof rep);
    CU_ASSERT_EQUAL_FATAL(nr_choose_tree_size(&t, NULL, NULL, NULL, NULL, 0, &o, &to, 0.01, &rng, &rep, &err), 0);
    CU_ASSERT(rep.selected && rep.regression);
    CU_ASSERT_EQUAL(rep.leaves, 3);
    CU_ASSERT(rep.held_r2 > 0.99);
    CU_ASSERT(rep.best_r2 >= rep.held_r2);
    CU_ASSERT_EQUAL(rep.held_out, N);
    /* tolerance 0: the best size, which the noise may push past 3 */
    CU_ASSERT_EQUAL_FATAL(nr_choose_tree_size(&t, NULL, NULL, NULL, NULL, 0, &o, &to, 0, &rng, &rep, &err), 0);
    CU_ASSERT(rep.leaves >= 3);
    CU_ASSERT_EQUAL(rep.leaves, rep.best_leaves);
    /* the same steps far from 0: the sums of squares must not cancel */
    for (int i = 0; i < N; i++)
        v[i] += 1e8;
    CU_ASSERT_EQUAL_FATAL(nr_choose_tree_size(&t, NULL, NULL, NULL, NULL, 0, &o, &to, 0.01, &rng, &rep, &err), 0);
    CU_ASSERT_EQUAL(rep.leaves, 3);
    CU_ASSERT(rep.held_r2 > 0.99 && rep.held_r2 <= 1);
}

static const cutest tests[] = {
    {"a regression tree's size by held-out R^2", test_choose_regression_size},
    {"the size held-out rows choose", test_pick_size},
    {"without data: the kept rows join the samples, and are counted", test_kept_rows_joined},
    {"examples: emit, parse, emit is identical; predictions equal", test_examples_round_trip},
    {"tree fidelity on iris", test_fidelity},
    {"seeded domain sampling", test_seeded_domain},
    {"exhaustive evaluation matches enumeration", test_exhaustive},
    {"the table of extractors and their options", test_extractor_table},
    {"the cube by bit masks counts as per point", test_cube_masks},
    {"the cube with hidden-unit rules", test_cube_hidden},
    {"the cube estimated from samples", test_cube_estimate},
    {NULL, NULL},
};

CUTEST_MAIN("extract", tests)
