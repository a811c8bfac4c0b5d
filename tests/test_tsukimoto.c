/*
 * test_tsukimoto.c - the `tsukimoto` extractor on tiny networks built in
 * memory whose Boolean function is known: one hidden unit (sigmoid or
 * ReLU) over Boolean inputs, passed to the class "yes".  The rules must be
 * exactly that function's prime implicants (for yes) and those of its
 * negation (for no); threshold sums that are 0 in rationals but not in
 * double arithmetic must be decided exactly; non-finite weights and
 * non-monotone layers are refused by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "extract.h"
#include "extractor.h"

static float *copy(const float *v, size_t n)
{
    float *p = malloc(n * sizeof *p);
    memcpy(p, v, n * sizeof *p);
    return p;
}

/* n Boolean inputs a, b, c, ... -> one unit (w, bias) -> act -> yes/no,
 * yes when the unit is on: yes - no = 20 h - 10 for a sigmoid (h > 0.5),
 * 20 h - 0.001 otherwise (h > 0). */
static nn_model *one_unit(int n, const float *w, float bias, nn_layer_type act)
{
    static const float outw[2] = {0, 20};
    const float outb[2] = {0, act == NN_SIGMOID ? -10 : -0.001f};
    nn_model *m = nn_model_new();
    nn_layer l;
    nn_error err = {0};
    m->input = (nn_shape){n, 1, 1};
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = 1;
    l.w = copy(w, (size_t)n);
    l.b = copy(&bias, 1);
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = act;
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = 2;
    l.w = copy(outw, 2);
    l.b = copy(outb, 2);
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_SOFTMAX;
    nn_model_add_layer(m, &l);
    m->nfeatures = n;
    m->features = calloc((size_t)n, sizeof *m->features);
    for (int i = 0; i < n; i++) {
        char name[2] = {(char)('a' + i), 0};
        m->features[i].name = strdup(name);
        m->features[i].type = NN_FEAT_BOOLEAN;
        m->features[i].group = -1;
        m->features[i].max = 1;
    }
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    m->class_names[0] = strdup("no");
    m->class_names[1] = strdup("yes");
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &err), 0);
    return m;
}

static int extract(const nn_model *m, nr_rules **r, nr_error *err)
{
    const nr_extractor *x = nr_extractor_find("tsukimoto");
    void *s;
    nr_extract_opts o;
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    s = calloc(1, x->settings_size);
    x->defaults(s);
    nr_extract_opts_default(&o);
    o.samples = 200;
    nr_error_clear(err);
    *r = NULL;
    rc = x->run(m, NULL, &o, s, r, NULL, err);
    free(s);
    return rc;
}

/* The class's rules as "a!b c" (one term per rule, literals in feature
 * order, ! for not), sorted and joined by " | ". */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dnf_text(const nr_rules *r, int klass, char *buf, size_t size)
{
    char *terms[64];
    int n = 0;
    buf[0] = 0;
    for (int i = 0; i < r->rs.nrules && n < 64; i++) {
        const nr_rule *ru = &r->rs.rules[i];
        char t[64] = "";
        if (ru->klass != klass)
            continue;
        for (int j = 0; j < ru->nconds; j++)
            nr_appendf(t, sizeof t, "%s%s", ru->conds[j].op == NR_FALSE ? "!" : "",
                       r->features[ru->conds[j].var.index].name);
        terms[n++] = strdup(t);
    }
    qsort(terms, (size_t)n, sizeof *terms, cmp_str);
    for (int i = 0; i < n; i++) {
        nr_appendf(buf, size, "%s%s", i ? " | " : "", terms[i]);
        free(terms[i]);
    }
}

static void check(int n, const float *w, float bias, const char *yes, const char *no, int proven)
{
    static const nn_layer_type acts[2] = {NN_SIGMOID, NN_RELU};
    for (int a = 0; a < 2; a++) {
        nn_model *m = one_unit(n, w, bias, acts[a]);
        nr_rules *r;
        nr_error err;
        char got[512];
        CU_ASSERT_EQUAL_FATAL(extract(m, &r, &err), 0);
        CU_ASSERT_EQUAL(r->kind, NR_BODY_RULESET);
        CU_ASSERT_EQUAL(r->rs.kind, NR_UNORDERED);
        dnf_text(r, 1, got, sizeof got);
        if (strcmp(got, yes) != 0)
            fprintf(stderr, "\n%s: yes is '%s', not '%s'\n", nn_layer_type_name(acts[a]), got, yes);
        CU_ASSERT_STRING_EQUAL(got, yes);
        dnf_text(r, 0, got, sizeof got);
        if (strcmp(got, no) != 0)
            fprintf(stderr, "\n%s: no is '%s', not '%s'\n", nn_layer_type_name(acts[a]), got, no);
        CU_ASSERT_STRING_EQUAL(got, no);
        /* every rule is proven on the cube: the network agrees wherever it fires */
        for (int i = 0; i < r->rs.nrules; i++) {
            CU_ASSERT(r->rs.rules[i].stats.has);
            if (proven)
                CU_ASSERT_EQUAL(r->rs.rules[i].stats.cover, r->rs.rules[i].stats.correct);
            CU_ASSERT_EQUAL(r->rs.rules[i].stats.cover, ldexp(1, n - r->rs.rules[i].nconds));
        }
        nr_rules_free(r);
        nn_model_free(m);
    }
}

static void test_known_units(void)
{
    static const float ones[4] = {1, 1, 1, 1};
    check(3, ones, -2.5f, "abc", "!a | !b | !c", 1);                      /* AND */
    check(3, ones, -0.5f, "a | b | c", "!a!b!c", 1);                      /* OR */
    check(3, ones, -1.5f, "ab | ac | bc", "!a!b | !a!c | !b!c", 1);       /* majority of 3 */
    check(4, ones, -1.5f, "ab | ac | ad | bc | bd | cd",               /* at least 2 of 4 */
          "!a!b!c | !a!b!d | !a!c!d | !b!c!d", 1);
}

/* z = 2^60 a + b - 2^60 c - 1.  With c = 1 and a = b = 1, z is exactly 0:
 * not on, so `a and b` is no implicant.  The worst case of {a, b} summed
 * in doubles as bias + least values + raises, (-1 - 2^60) + 2^60 + 1,
 * loses the -1 and gives 1 > 0; only exact arithmetic keeps it out. */
static void test_exact_zero(void)
{
    const float w[3] = {0x1p60f, 1, -0x1p60f};
    volatile double base = -1.0 - 0x1p60, naive = base + 0x1p60 + 1.0;
    CU_ASSERT(naive > 0); /* what doubles would decide */
    /* the float runtime need not see the exact 0: not checked against it */
    check(3, w, -1, "a!c", "!a | c", 0);
}

static void test_refusals(void)
{
    static const float ones[3] = {1, 1, 1};
    nn_model *m = one_unit(3, ones, -1.5f, NN_SIGMOID);
    nr_rules *r;
    nr_error err;
    m->layers[0].w[1] = NAN;
    CU_ASSERT_EQUAL(extract(m, &r, &err), NR_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "-a tsukimoto: weight 1 of layer 0 is NaN");
    m->layers[0].w[1] = 1;
    m->layers[2].b[1] = INFINITY;
    CU_ASSERT_EQUAL(extract(m, &r, &err), NR_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "-a tsukimoto: bias 1 of layer 2 is infinite");
    nn_model_free(m);
    m = one_unit(3, ones, -1.5f, NN_SOFTMAX);
    CU_ASSERT_EQUAL(extract(m, &r, &err), NR_EUNSUP);
    CU_ASSERT_STRING_EQUAL(err.msg, "-a tsukimoto: layer 1 is softmax before the last dense layer; "
                                    "only sigmoid, tanh, relu and leakyrelu units are Boolean functions");
    nn_model_free(m);
    m = one_unit(3, ones, -1.5f, NN_GLOBALAVGPOOL);
    CU_ASSERT_EQUAL(extract(m, &r, &err), NR_EUNSUP);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "and layer 1 is globalavgpool"));
    nn_model_free(m);
}

static const cutest tests[] = {
    {"AND, OR, majority of 3, 2 of 4 with sigmoid and ReLU", test_known_units},
    {"a threshold sum exactly 0 in rationals, not in doubles", test_exact_zero},
    {"non-finite weights and non-monotone layers are refused", test_refusals},
    {NULL, NULL},
};

CUTEST_MAIN("tsukimoto", tests)
