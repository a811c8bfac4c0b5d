/*
 * test_trepan.c - TREPAN's constrained sampler (src/extract_trepan.c): every
 * input drawn inside a node meets every test on its path, single conditions
 * and m-of-n alike, keeps each feature's type, and is seeded.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "extract_trepan.h"

enum { NROWS = 300, NF = 6 };

static const char *values3[3] = {"lo", "mid", "hi"};

/* f0 continuous in [0, 10], f1 integer 0..5, f2 Boolean, f3 and f4 a
 * one-hot pair, f5 nominal with 3 values. */
static void make_rows(float *x, nr_feature *f)
{
    uint32_t s = 12345;
    memset(f, 0, NF * sizeof *f);
    for (int j = 0; j < NF; j++)
        f[j].group = -1;
    f[0].kind = NR_FEAT_CONTINUOUS;
    f[1].kind = NR_FEAT_INTEGER;
    f[2].kind = NR_FEAT_BOOLEAN;
    f[3].kind = f[4].kind = NR_FEAT_ONEHOT;
    f[3].group = f[4].group = 0;
    f[5].kind = NR_FEAT_NOMINAL;
    f[5].nvalues = 3;
    f[5].values = values3;
    for (int i = 0; i < NROWS; i++) {
        float *r = x + i * NF;
        s = s * 1664525u + 1013904223u;
        r[0] = (float)((s >> 8) % 10001) / 1000.0f;
        s = s * 1664525u + 1013904223u;
        r[1] = (float)((s >> 8) % 6);
        s = s * 1664525u + 1013904223u;
        r[2] = (float)((s >> 8) & 1);
        s = s * 1664525u + 1013904223u;
        r[3] = (float)((s >> 8) & 1);
        r[4] = 1 - r[3];
        s = s * 1664525u + 1013904223u;
        r[5] = (float)((s >> 8) % 3);
    }
}

static nr_cond cond(nr_cond_op op, int j, float t)
{
    nr_cond c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.var.kind = NR_VAR_INPUT;
    c.var.index = j;
    c.t = t;
    return c;
}

/* Draw n inputs at the end of the path; each must meet it and be typed. */
static int check_path(const nr_cond *path, const int *want, int npath, int n, uint64_t seed, float **keep)
{
    float x[NROWS * NF], *out = NULL;
    nr_feature f[NF];
    nr_error err;
    int nout = -1, bad = 0;
    make_rows(x, f);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_trepan_draw(x, NROWS, f, NF, path, want, npath, n, seed, &out, &nout, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out);
    CU_ASSERT(nout >= n / 2);
    for (int i = 0; out && i < nout; i++) {
        const float *r = out + i * NF;
        for (int k = 0; k < npath; k++)
            bad += nr_cond_holds(&path[k], r, NULL) != want[k];
        bad += !(r[0] >= 0 && r[0] <= 10);
        bad += r[1] != floorf(r[1]) || r[1] < 0 || r[1] > 5;
        bad += r[2] != 0 && r[2] != 1;
        bad += !((r[3] == 1 && r[4] == 0) || (r[3] == 0 && r[4] == 1));
        bad += r[5] != 0 && r[5] != 1 && r[5] != 2;
    }
    CU_ASSERT_EQUAL(bad, 0);
    if (keep)
        *keep = out;
    else
        free(out);
    return nout;
}

static void test_single_conditions(void)
{
    nr_cond path[5] = {cond(NR_LE, 0, 4.0f), cond(NR_TRUE, 2, 0), cond(NR_GT, 1, 1.5f), cond(NR_TRUE, 3, 0),
                       cond(NR_EQ, 5, 2)};
    int want[5] = {1, 0, 1, 1, 0};
    check_path(path, want, 5, 500, 1, NULL);
}

static void test_mofn(void)
{
    nr_cond sub[4] = {cond(NR_GT, 0, 7.5f), cond(NR_LE, 1, 0.5f), cond(NR_EQ, 5, 1), cond(NR_TRUE, 4, 0)};
    nr_cond path[3], sub2[3] = {cond(NR_LE, 0, 8.0f), cond(NR_TRUE, 2, 0), cond(NR_GT, 1, 3.5f)};
    int want[3] = {1, 0, 1};
    memset(path, 0, sizeof path);
    /* at least 3 of 4 hold, fewer than 2 of 3 hold, and f0 <= 9 */
    path[0].op = NR_MOFN;
    path[0].m = 3;
    path[0].n = 4;
    path[0].sub = sub;
    path[1].op = NR_MOFN;
    path[1].m = 2;
    path[1].n = 3;
    path[1].sub = sub2;
    path[2] = cond(NR_LE, 0, 9.0f);
    check_path(path, want, 3, 500, 2, NULL);
    /* and the other way round */
    want[0] = 0;
    want[1] = 1;
    check_path(path, want, 3, 500, 3, NULL);
}

/* No row follows the path: the marginals, within its bounds */
static void test_no_rows(void)
{
    /* 4 of 4 is met by 1 marginal draw in 72: rejection alone would
     * leave most of the draws out, forcing literals fills them */
    nr_cond sub[4] = {cond(NR_LE, 1, 0.5f), cond(NR_FALSE, 2, 0), cond(NR_EQ, 5, 0), cond(NR_TRUE, 3, 0)};
    nr_cond path[3] = {cond(NR_GT, 0, 9.9991f), cond(NR_LE, 0, 9.9995f), cond(NR_MOFN, 0, 0)};
    int want[3] = {1, 1, 1};
    path[2].m = 4;
    path[2].n = 4;
    path[2].sub = sub;
    check_path(path, want, 3, 300, 4, NULL);
}

static void test_seeded(void)
{
    nr_cond path[1] = {cond(NR_LE, 0, 5.0f)};
    int want[1] = {1};
    float *a = NULL, *b = NULL;
    int na = check_path(path, want, 1, 200, 7, &a), nb = check_path(path, want, 1, 200, 7, &b);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT(a && b && memcmp(a, b, (size_t)na * NF * sizeof *a) == 0);
    free(a);
    free(b);
}

static const cutest tests[] = {
    {"draws meet a path of single conditions", test_single_conditions},
    {"draws meet m-of-n tests, held and failed", test_mofn},
    {"no row in the node: marginals within its bounds", test_no_rows},
    {"draws are seeded", test_seeded},
    {NULL, NULL},
};

CUTEST_MAIN("trepan", tests)
