/*
 * test_decomp.c - the decompositional extractors' inner steps: building
 * conjunctions (redundant conditions dropped, unsatisfiable ones refused,
 * duplicates merged), substitution one layer down with its rows (products
 * no row satisfies dropped, --max-terms), and the greedy choice of rules.
 *
 * The steps are static in extract_decomp.c, so this suite compiles that
 * file into itself; the library's copy of it is then not linked in.
 */
#include "cutest.h"

#include "../src/extract_decomp.c"

#include <math.h>

static nr_cond cond(nr_var_kind kind, int layer, int index, nr_cond_op op, float t)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.var.kind = kind;
    c.var.layer = layer;
    c.var.index = index;
    c.t = t;
    return c;
}

static nr_cond in(int index, nr_cond_op op, float t)
{
    return cond(NR_VAR_INPUT, 0, index, op, t);
}

/* ---- conjunctions --------------------------------------------------------- */

static void test_dnf_add(void)
{
    dnf d = {0, 0, NULL};
    nr_cond a[] = {in(1, NR_GT, 2), in(0, NR_GT, 1), in(0, NR_GT, 3)};
    nr_cond b[] = {in(0, NR_LE, 0.5f)};
    nr_cond c[] = {in(1, NR_GT, 2), in(0, NR_GT, 3)};
    conj ca = {3, a, NULL}, cb = {1, b, NULL}, cc = {2, c, NULL};
    word rows[1] = {5};
    /* x1 > 2 and x0 > 1 and x0 > 3: x0 > 3 and x1 > 2, in canonical order */
    CU_ASSERT_EQUAL_FATAL(dnf_add(&d, &ca, NULL, rows, 1), 0);
    CU_ASSERT_EQUAL_FATAL(d.n, 1);
    CU_ASSERT_EQUAL(d.t[0].n, 2);
    CU_ASSERT(d.t[0].c[0].var.index == 0 && d.t[0].c[0].op == NR_GT && d.t[0].c[0].t == 3);
    CU_ASSERT(d.t[0].c[1].var.index == 1 && d.t[0].c[1].op == NR_GT && d.t[0].c[1].t == 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d.t[0].rows);
    CU_ASSERT_EQUAL(d.t[0].rows[0], 5u);
    /* x0 > 3 and x0 <= 0.5 is unsatisfiable: left out */
    CU_ASSERT_EQUAL(dnf_add(&d, &ca, &cb, NULL, 1), 0);
    CU_ASSERT_EQUAL(d.n, 1);
    /* the same conjunction written otherwise merges with the first */
    CU_ASSERT_EQUAL(dnf_add(&d, &cc, NULL, NULL, 1), 0);
    CU_ASSERT_EQUAL(d.n, 2);
    dnf_unique(&d);
    CU_ASSERT_EQUAL(d.n, 1);
    dnf_free(&d);
    CU_ASSERT_EQUAL(d.n, 0);
}

/* ---- substitution ---------------------------------------------------------- */

enum { NROWS = 64 };

/* A decomp over Boolean inputs a, b, c (every combination, repeated) and
 * one hidden layer (runtime layer 1) of two units: u0 = a and b, u1 = c;
 * rows where a and b and c all hold are left out when `no_abc`. */
typedef struct fixture {
    decomp s;
    level lv[2];
    float x[NROWS * 3], h[NROWS * 2];
    int z[NROWS];
    unsigned char boolean[3];
    nr_rules *r;
} fixture;

static void fixture_init(fixture *f, int no_abc)
{
    static const char *classes[2] = {"no", "yes"};
    int n = 0;
    memset(f, 0, sizeof *f);
    for (int i = 0; n < NROWS; i++) {
        int a = i & 1, b = i >> 1 & 1, c = i >> 2 & 1;
        if (no_abc && a && b && c)
            continue;
        f->x[n * 3] = (float)a;
        f->x[n * 3 + 1] = (float)b;
        f->x[n * 3 + 2] = (float)c;
        f->h[n * 2] = (float)(a && b);
        f->h[n * 2 + 1] = (float)c;
        n++;
    }
    f->r = nr_rules_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->r);
    f->r->nclasses = 2;
    f->r->classes = classes;
    f->lv[0] = (level){.x = f->x, .width = 3, .kind = NR_VAR_INPUT};
    f->lv[1] = (level){.x = f->h, .width = 2, .kind = NR_VAR_HIDDEN, .layer = 1};
    f->boolean[0] = f->boolean[1] = f->boolean[2] = 1;
    f->s.r = f->r;
    f->s.n = NROWS;
    f->s.nw = nwords(NROWS);
    f->s.K = 2;
    f->s.d = 1;
    f->s.lv = f->lv;
    f->s.z = f->z;
    f->s.boolean = f->boolean;
    f->s.scratch = nr_arena_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->s.scratch);
}

static void fixture_free(fixture *f)
{
    f->r->classes = NULL;
    f->r->nclasses = 0;
    nr_rules_free(f->r);
    nr_arena_free(f->s.scratch);
}

/* Add rule (conds) over the hidden layer to cls, with its rows. */
static void add_hidden_rule(fixture *f, dnf *cls, const nr_cond *conds, int n)
{
    conj c = {n, (nr_cond *)conds, NULL};
    word rows[nwords(NROWS)];
    conj_rows(&f->s, &c, rows);
    CU_ASSERT_EQUAL_FATAL(dnf_add(cls, &c, NULL, rows, f->s.nw), 0);
}

/* Whether conjunction t over the inputs holds on input row i. */
static int holds(const fixture *f, const conj *t, int i)
{
    for (int j = 0; j < t->n; j++)
        if (!nr_cond_test_value(&t->c[j], f->x[i * 3 + t->c[j].var.index]))
            return 0;
    return 1;
}

static void settings(nr_decomp_settings *ds)
{
    nr_decomp_defaults(ds);
    ds->min_cases = 1;
}

/* Product expansion: "u0 > 0.5 and u1 <= 0.5" becomes "a and b and not c",
 * every conjunction over the inputs, each carrying exactly its rows. */
static void test_substitute_product(void)
{
    fixture f;
    dnf cls[2] = {{0, 0, NULL}, {0, 0, NULL}};
    nr_cond yes[] = {cond(NR_VAR_HIDDEN, 1, 0, NR_GT, 0.5f), cond(NR_VAR_HIDDEN, 1, 1, NR_LE, 0.5f)};
    nr_cond no[] = {cond(NR_VAR_HIDDEN, 1, 0, NR_LE, 0.5f)};
    nr_decomp_settings ds;
    nr_error err;
    int want_rows = 0, got_rows = 0;
    fixture_init(&f, 0);
    settings(&ds);
    add_hidden_rule(&f, &cls[1], yes, 2);
    add_hidden_rule(&f, &cls[0], no, 1);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(substitute(&f.s, cls, &f.lv[1], &f.lv[0], &ds, "layer 1", NULL, &err), 0);
    CU_ASSERT(cls[1].n >= 1);
    for (int t = 0; t < cls[1].n; t++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(cls[1].t[t].rows);
        for (int j = 0; j < cls[1].t[t].n; j++)
            CU_ASSERT_EQUAL(cls[1].t[t].c[j].var.kind, NR_VAR_INPUT);
        for (int i = 0; i < NROWS; i++)
            CU_ASSERT_EQUAL(holds(&f, &cls[1].t[t], i), (int)(cls[1].t[t].rows[i / 64] >> (i % 64) & 1));
    }
    /* together the conjunctions of "yes" hold exactly where a, b, not c */
    for (int i = 0; i < NROWS; i++) {
        int any = 0;
        for (int t = 0; t < cls[1].n; t++)
            any |= holds(&f, &cls[1].t[t], i);
        want_rows += f.x[i * 3] == 1 && f.x[i * 3 + 1] == 1 && f.x[i * 3 + 2] == 0;
        got_rows += any;
        CU_ASSERT_EQUAL(any, f.x[i * 3] == 1 && f.x[i * 3 + 1] == 1 && f.x[i * 3 + 2] == 0);
    }
    CU_ASSERT_EQUAL(got_rows, want_rows);
    /* "no": not (a and b), as (not a) or (a and not b) */
    CU_ASSERT_EQUAL(cls[0].n, 2);
    dnf_free(&cls[0]);
    dnf_free(&cls[1]);
    fixture_free(&f);
}

/* A product that no row satisfies goes as soon as it is formed, even when
 * it is satisfiable as logic: without rows where a, b and c all hold,
 * "u0 > 0.5 and u1 > 0.5" (a and b and c) leaves nothing. */
static void test_substitute_drops_empty_products(void)
{
    fixture f;
    dnf cls[2] = {{0, 0, NULL}, {0, 0, NULL}};
    nr_cond both[] = {cond(NR_VAR_HIDDEN, 1, 0, NR_GT, 0.5f), cond(NR_VAR_HIDDEN, 1, 1, NR_GT, 0.5f)};
    nr_cond one[] = {cond(NR_VAR_HIDDEN, 1, 1, NR_GT, 0.5f)};
    nr_decomp_settings ds;
    nr_error err;
    fixture_init(&f, 1);
    settings(&ds);
    add_hidden_rule(&f, &cls[1], both, 2);
    add_hidden_rule(&f, &cls[0], one, 1);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(substitute(&f.s, cls, &f.lv[1], &f.lv[0], &ds, "layer 1", NULL, &err), 0);
    CU_ASSERT_EQUAL(cls[1].n, 0);
    CU_ASSERT(cls[0].n >= 1);
    dnf_free(&cls[0]);
    dnf_free(&cls[1]);
    fixture_free(&f);
}

/* --max-terms: past it, an error that names the class, the layer and the
 * options that help. */
static void test_substitute_max_terms(void)
{
    fixture f;
    dnf cls[2] = {{0, 0, NULL}, {0, 0, NULL}};
    nr_cond no[] = {cond(NR_VAR_HIDDEN, 1, 0, NR_LE, 0.5f)};
    nr_decomp_settings ds;
    nr_error err;
    fixture_init(&f, 0);
    settings(&ds);
    ds.max_terms = 1; /* not (a and b) takes two */
    add_hidden_rule(&f, &cls[0], no, 1);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(substitute(&f.s, cls, &f.lv[1], &f.lv[0], &ds, "the first hidden layer", NULL, &err),
                    NR_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "class 'no': substituting for the first hidden layer"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--max-terms"));
    dnf_free(&cls[0]);
    dnf_free(&cls[1]);
    fixture_free(&f);
}

/* ---- choosing rules ---------------------------------------------------------- */

/* Six rows, the network's classes 0 0 1 1 1 2; candidates: r0 says 1 on
 * rows 2-4 (right), r1 says 1 on rows 0-4 (two wrong), r2 says 2 on row 5,
 * r3 says 0 on rows 0-1 (what the default says already).  Greedy takes r0,
 * then r2, then stops; the held-out choice cannot want more. */
static void test_choose_greedy(void)
{
    static const int y[6] = {0, 0, 1, 1, 1, 2}, klass[4] = {1, 1, 2, 0};
    static const double conf[4] = {0.8, 0.5, 0.6, 0.7};
    word c0 = 0x1c, c1 = 0x1f, c2 = 0x20, c3 = 0x03;
    const word *cover[4] = {&c0, &c1, &c2, &c3};
    int best[6], fired[6], pred[6], order[4], n;
    double score[18];
    unsigned char chosen[4];
    nr_extract_report rep;
    chooser c = {.R = 4, .K = 3, .n = 6, .nw = 1, .cover = cover, .klass = klass, .conf = conf,
                 .policy = NR_POLICY_CONFIDENCE, .dflt = 0, .y = y, .best = best, .score = score,
                 .fired = fired, .pred = pred, .chosen = chosen};
    n = choose_greedy(&c, NULL, 4, order);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(order[0], 0);
    CU_ASSERT_EQUAL(order[1], 2);
    for (int i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(pred[i], y[i]);
    /* at most one */
    CU_ASSERT_EQUAL(choose_greedy(&c, NULL, 1, order), 1);
    CU_ASSERT_EQUAL(order[0], 0);
    /* voting: the same here */
    c.policy = NR_POLICY_VOTE;
    CU_ASSERT_EQUAL(choose_greedy(&c, NULL, 4, order), 2);
    memset(&rep, 0, sizeof rep);
    CU_ASSERT_EQUAL(choose_count(&c, 0, 1, 0, NULL, &rep), 0);
    CU_ASSERT(rep.leaves <= 2);
    CU_ASSERT_EQUAL(rep.held_out, 6);
    CU_ASSERT(rep.in_rules && rep.selected);
}

static const cutest tests[] = {
    {"conjunctions: simplified, refused, merged", test_dnf_add},
    {"substitution: product expansion with rows", test_substitute_product},
    {"substitution: products no row satisfies go", test_substitute_drops_empty_products},
    {"substitution: --max-terms", test_substitute_max_terms},
    {"choosing rules: greedy forward selection", test_choose_greedy},
    {NULL, NULL},
};

CUTEST_MAIN("decomp", tests)
