/*
 * test_extract.c - the `tree` extractor on the example networks, and the
 * rule text round trip on what it extracts: emit, parse, emit gives the same
 * bytes, and the parsed rules predict what the in-memory IR predicted on
 * every row of the example's data.
 */
#include <stdlib.h>
#include <string.h>

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
 * ranges and types. */
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
    load("vote", &m, &d);
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

static const cutest tests[] = {
    {"examples: emit, parse, emit is identical; predictions equal", test_examples_round_trip},
    {"tree fidelity on iris", test_fidelity},
    {"seeded domain sampling", test_seeded_domain},
    {"exhaustive evaluation matches enumeration", test_exhaustive},
    {"the table of extractors and their options", test_extractor_table},
    {NULL, NULL},
};

CUTEST_MAIN("extract", tests)
