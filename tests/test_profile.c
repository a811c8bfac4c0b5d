/*
 * test_profile.c - the data profile (src/profile.c): what it keeps of a
 * data set, its round trip through model.bin's `prof` chunk, the refusal of
 * a corrupt one, and the inputs drawn from it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cutest.h"
#include "model_io.h"
#include "profile.h"

enum { NROWS = 200, NIN = 5 };

/* Inputs: f0 continuous, f1 integer 0..10, f2 Boolean, f3 and f4 a one-hot
 * pair; a dense layer to two classes. */
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
    l.w[0] = 1;
    l.w[NIN + 2] = 1;
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
        m->features[j].min = 0;
        m->features[j].max = j == 0 ? 100 : j == 1 ? 10 : 1;
    }
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &err), 0);
    return m;
}

/* 200 rows: f0 = 0.5 i (rows 10..19 missing it), f1 = i mod 11, f2 = 1 on
 * every fourth row, the one-hot pair alternating. */
static float data_x[NROWS * NIN];

static nr_dataset data5(void)
{
    nr_dataset d;
    memset(&d, 0, sizeof d);
    for (int i = 0; i < NROWS; i++) {
        float *r = data_x + i * NIN;
        r[0] = i >= 10 && i < 20 ? NAN : 0.5f * (float)i;
        r[1] = (float)(i % 11);
        r[2] = i % 4 == 0;
        r[3] = i % 2 == 0;
        r[4] = i % 2 == 1;
    }
    d.path = "data5.csv";
    d.nrows = NROWS;
    d.ncols = NIN;
    d.x = data_x;
    return d;
}

static nn_profile *build(const nn_model *m, int max_rows)
{
    nr_dataset d = data5();
    nn_profile *p = NULL;
    nr_error err;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_profile_build(m, &d, max_rows, 1, &p, &err), 0);
    CU_ASSERT_EQUAL(nr_profile_check(p, m, &err), 0);
    return p;
}

static void test_build(void)
{
    nn_model *m = model5();
    nn_profile *p = build(m, 1000);
    const nn_feature_profile *f0 = &p->features[0], *f2 = &p->features[2];
    CU_ASSERT_EQUAL(p->nseen, NROWS);
    CU_ASSERT_EQUAL(p->nfeatures, NIN);
    CU_ASSERT_EQUAL(p->nq, NR_PROFILE_QUANTILES);
    /* f0: 190 values 0, 0.5, ..., 4.5, 10, ..., 99.5: many, so no value list */
    CU_ASSERT_EQUAL(f0->q[0], 0.0f);
    CU_ASSERT_EQUAL(f0->q[p->nq - 1], 99.5f);
    CU_ASSERT_EQUAL(f0->nvalues, 0);
    for (int k = 1; k < p->nq; k++)
        CU_ASSERT(f0->q[k] >= f0->q[k - 1]);
    /* f2: 1 on 50 rows of 200 */
    CU_ASSERT_EQUAL_FATAL(f2->nvalues, 2);
    CU_ASSERT_EQUAL(f2->values[0], 0.0f);
    CU_ASSERT_EQUAL(f2->values[1], 1.0f);
    CU_ASSERT_DOUBLE_EQUAL(f2->freq[1], 0.25, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(f2->mean, 0.25, 1e-6);
    CU_ASSERT_EQUAL(p->features[1].nvalues, 11);
    /* the complete rows are all kept, in order */
    CU_ASSERT_EQUAL_FATAL(p->nrows, NROWS - 10);
    CU_ASSERT_EQUAL(p->rows[9 * NIN], 4.5f);
    CU_ASSERT_EQUAL(p->rows[10 * NIN], 10.0f);
    nn_profile_free(p);
    /* fewer kept rows when asked, still in the data's order */
    p = build(m, 50);
    CU_ASSERT_EQUAL(p->nrows, 50);
    for (int i = 1; i < p->nrows; i++)
        CU_ASSERT(p->rows[i * NIN] > p->rows[(i - 1) * NIN]);
    nn_profile_free(p);
    nn_model_free(m);
}

static void test_round_trip(void)
{
    nn_model *m = model5(), *r = NULL;
    unsigned char *a = NULL, *b = NULL;
    size_t alen, blen;
    nr_error err;
    nr_error_clear(&err);
    /* without a profile: none comes back (files from before it) */
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(m, &a, &alen, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_model_read_mem(a, alen, "mem", &r, &err), 0);
    CU_ASSERT_PTR_NULL(r->profile);
    nn_model_free(r);
    free(a);
    m->profile = build(m, 1000);
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(m, &a, &alen, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_model_read_mem(a, alen, "mem", &r, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->profile);
    CU_ASSERT_EQUAL(r->profile->nrows, m->profile->nrows);
    CU_ASSERT_EQUAL(r->profile->features[1].nvalues, 11);
    CU_ASSERT(memcmp(r->profile->rows, m->profile->rows,
                     (size_t)m->profile->nrows * NIN * sizeof(float)) == 0);
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(r, &b, &blen, &err), 0);
    CU_ASSERT_EQUAL(alen, blen);
    CU_ASSERT(memcmp(a, b, alen) == 0);
    free(b);
    /* a copy (convert --like) writes the same bytes */
    nn_profile_free(r->profile);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->profile = nr_profile_copy(m->profile));
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(r, &b, &blen, &err), 0);
    CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
    free(a);
    free(b);
    nn_model_free(r);
    nn_model_free(m);
}

/* Offset of the `prof` chunk in a model file. */
static size_t find_prof(const unsigned char *a, size_t len)
{
    size_t pos = 12;
    while (pos + 12 <= len) {
        uint32_t plen = (uint32_t)a[pos + 4] | (uint32_t)a[pos + 5] << 8 |
                        (uint32_t)a[pos + 6] << 16 | (uint32_t)a[pos + 7] << 24;
        if (memcmp(a + pos, "prof", 4) == 0)
            return pos;
        pos += 12 + plen;
    }
    return 0;
}

/* A profile that passes the CRC but not the checks, and one that claims
 * more kept rows than it has bytes: refused at the chunk, with its offset. */
static void test_corrupt(void)
{
    nn_model *m = model5(), *r = NULL;
    unsigned char *a = NULL;
    size_t alen, at;
    nr_error err;
    char want[64];
    nr_error_clear(&err);
    m->profile = build(m, 1000);
    m->profile->features[0].q[3] = -5; /* below q[2] */
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(m, &a, &alen, &err), 0);
    at = find_prof(a, alen);
    CU_ASSERT_FATAL(at > 0);
    CU_ASSERT_EQUAL(nr_model_read_mem(a, alen, "bad.bin", &r, &err), NR_EFORMAT);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(err.offset, (long long)at);
    CU_ASSERT(strstr(err.msg, "chunk 'prof'") && strstr(err.msg, "quantile 3"));
    free(a);
    m->profile->features[0].q[3] = m->profile->features[0].q[2];
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(m, &a, &alen, &err), 0);
    at = find_prof(a, alen);
    /* the kept row count (payload bytes 14..17) raised to 65535, CRC fixed */
    a[at + 8 + 14] = 0xff;
    a[at + 8 + 15] = 0xff;
    {
        uint32_t plen = (uint32_t)a[at + 4] | (uint32_t)a[at + 5] << 8 |
                        (uint32_t)a[at + 6] << 16 | (uint32_t)a[at + 7] << 24;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), a + at, 4);
        crc = crc32(crc, a + at + 8, plen);
        for (int k = 0; k < 4; k++)
            a[at + 8 + plen + k] = (unsigned char)(crc >> (8 * k));
    }
    CU_ASSERT_EQUAL(nr_model_read_mem(a, alen, "bad.bin", &r, &err), NR_EFORMAT);
    snprintf(want, sizeof want, "need more bytes than remain");
    CU_ASSERT(strstr(err.msg, want) != NULL);
    CU_ASSERT(err.offset > (long long)at);
    free(a);
    nn_model_free(m);
}

/* Every draw is a value the feature can take: inside the observed range,
 * whole for integers, 0 or 1 for Booleans, one member of each one-hot
 * group; the same seed draws the same inputs. */
static void check_draws(nn_model *m)
{
    enum { N = 5000 };
    nr_rng rng;
    float *x = NULL, *y = NULL;
    int *src = NULL;
    nr_error err;
    double mean0 = 0;
    int bad = 0, ones = 0;
    nr_rng_seed(&rng, 9);
    CU_ASSERT_EQUAL_FATAL(nr_profile_sample(m, N, &rng, &x, NULL, &err), 0);
    for (int i = 0; i < N; i++) {
        const float *r = x + i * NIN;
        bad += !(r[0] >= 0 && r[0] <= 99.5f);
        bad += !(r[1] >= 0 && r[1] <= 10 && r[1] == floorf(r[1]));
        bad += !(r[2] == 0 || r[2] == 1);
        bad += !(r[3] + r[4] == 1 && (r[3] == 0 || r[3] == 1));
        mean0 += r[0];
        ones += r[2] == 1;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* like the data: f0's mean 51.1, f2 one in a quarter of the rows */
    CU_ASSERT(fabs(mean0 / N - m->profile->features[0].mean) < 5);
    CU_ASSERT(fabs((double)ones / N - 0.25) < 0.05);
    nr_rng_seed(&rng, 9);
    CU_ASSERT_EQUAL_FATAL(nr_profile_sample(m, N, &rng, &y, &src, &err), 0);
    CU_ASSERT(memcmp(x, y, (size_t)N * NIN * sizeof *x) == 0);
    /* each draw knows the kept row it came from: a one-hot pair and a
     * Boolean are copied unless redrawn, so most agree with it */
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    {
        int same = 0;
        for (int i = 0; i < N; i++) {
            const float *k = src[i] >= 0 ? m->profile->rows + (size_t)src[i] * NIN : NULL;
            CU_ASSERT(src[i] < m->profile->nrows && (src[i] >= 0) == (m->profile->nrows > 0));
            same += k && k[3] == y[i * NIN + 3] && k[2] == y[i * NIN + 2];
        }
        CU_ASSERT(m->profile->nrows == 0 || same > N * 3 / 4);
    }
    free(src);
    free(x);
    free(y);
}

static void test_sample(void)
{
    nn_model *m = model5();
    m->profile = build(m, 1000);
    check_draws(m);
    /* no kept rows: the marginals alone */
    nn_profile_free(m->profile);
    m->profile = build(m, 0);
    CU_ASSERT_EQUAL(m->profile->nrows, 0);
    check_draws(m);
    nn_model_free(m);
}

static const cutest tests[] = {
    {"build: quantiles, value frequencies, kept rows", test_build},
    {"round trip through model.bin; files without one", test_round_trip},
    {"corrupt profile refused at its offset", test_corrupt},
    {"draws: realistic, typed, seeded", test_sample},
    {NULL, NULL},
};

CUTEST_MAIN("profile", tests)
