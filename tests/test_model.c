/*
 * test_model.c - model.bin reader and writer: round trips, the example
 * files, and every way a file can be broken.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cutest.h"
#include "fileio.h"
#include "model_io.h"

static float *floats(size_t n, float start, float step)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = start + step * (float)i;
    return v;
}

/* A small model with every kind of metadata: 2x3x3 input, conv, relu,
 * flatten, dense, softmax. */
static nn_model *small_model(void)
{
    nn_model *m = nn_model_new();
    nn_layer l;
    nn_error err;
    m->input = (nn_shape){2, 3, 3};
    memset(&l, 0, sizeof l);
    l.type = NN_CONV2D, l.units = 3, l.kh = l.kw = 2, l.sh = l.sw = 1, l.dh = l.dw = 1;
    l.pad_t = 1, l.pad_l = 0, l.pad_b = 0, l.pad_r = 1;
    l.w = floats(3 * 2 * 2 * 2, -0.5f, 0.05f);
    l.b = floats(3, 0.1f, 0.1f);
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_RELU;
    nn_model_add_layer(m, &l);
    l.type = NN_FLATTEN;
    nn_model_add_layer(m, &l);
    l.type = NN_DENSE, l.units = 2;
    l.w = floats(2 * 27, 0.3f, -0.01f);
    l.b = floats(2, 0.0f, 1.0f);
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_SOFTMAX;
    nn_model_add_layer(m, &l);
    m->nfeatures = 18;
    m->features = calloc(18, sizeof *m->features);
    for (int i = 0; i < 18; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        m->features[i].name = strdup(name);
        m->features[i].type = i < 2 ? NN_FEAT_ONEHOT : NN_FEAT_CONTINUOUS;
        m->features[i].group = i < 2 ? 0 : -1;
        m->features[i].min = i < 2 ? 0 : -1; /* one-hot: within [0, 1] */
        m->features[i].max = i < 2 ? 1 : (float)i;
    }
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    m->class_names[0] = strdup("no");
    m->class_names[1] = strdup("yes");
    m->norm_mean = floats(18, 0.5f, 0.0f);
    m->norm_std = floats(18, 2.0f, 0.0f);
    m->description = strdup("test model");
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &err), 0);
    return m;
}

static void test_round_trip(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a = NULL, *b = NULL;
    size_t alen, blen;
    nr_error err;
    float x[18], ya[2], yb[2];
    nn_workspace *wa, *wb;
    nn_error nerr;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(m, &a, &alen, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_model_read_mem(a, alen, "mem", &r, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_model_write_mem(r, &b, &blen, &err), 0);
    CU_ASSERT_EQUAL(alen, blen);
    CU_ASSERT(memcmp(a, b, alen) == 0);
    CU_ASSERT_STRING_EQUAL(r->features[5].name, "f5");
    CU_ASSERT_EQUAL(r->features[1].type, NN_FEAT_ONEHOT);
    CU_ASSERT_EQUAL(r->features[1].group, 0);
    CU_ASSERT_EQUAL(r->features[7].group, -1);
    CU_ASSERT_STRING_EQUAL(r->class_names[1], "yes");
    CU_ASSERT_STRING_EQUAL(r->description, "test model");
    CU_ASSERT_EQUAL(r->layers[0].pad_r, 1);
    /* the same outputs, bit for bit */
    for (int i = 0; i < 18; i++)
        x[i] = (float)i * 0.3f - 2.0f;
    wa = nn_workspace_new(m, 1);
    wb = nn_workspace_new(r, 1);
    CU_ASSERT_EQUAL(nn_forward(m, wa, x, 1, ya, &nerr), 0);
    CU_ASSERT_EQUAL(nn_forward(r, wb, x, 1, yb, &nerr), 0);
    CU_ASSERT(memcmp(ya, yb, sizeof ya) == 0);
    nn_workspace_free(wa);
    nn_workspace_free(wb);
    free(a);
    free(b);
    nn_model_free(m);
    nn_model_free(r);
}

static void test_atomic_write(void)
{
    nn_model *m = small_model(), *r = NULL;
    char dir[] = "/tmp/nn2rules-testXXXXXX", path[64];
    nr_error err;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.bin", dir);
    CU_ASSERT_EQUAL(nr_model_write(path, m, &err), 0);
    CU_ASSERT_EQUAL(nr_model_read(path, &r, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(r);
    nn_model_free(r);
    /* a directory that does not exist: error, nothing written */
    snprintf(path, sizeof path, "%s/no/such/m.bin", dir);
    CU_ASSERT_EQUAL(nr_model_write(path, m, &err), NR_EIO);
    snprintf(path, sizeof path, "%s/m.bin", dir);
    remove(path);
    remove(dir);
    nn_model_free(m);
}

/* Every prefix of a valid file is refused, with an offset inside the file,
 * and without crashing or leaking (the sanitizer build checks that). */
static void test_every_truncation(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a;
    size_t alen;
    nr_error err;
    nr_model_write_mem(m, &a, &alen, &err);
    for (size_t n = 0; n < alen; n++) {
        nr_error_clear(&err);
        CU_ASSERT(nr_model_read_mem(a, n, "cut", &r, &err) < 0);
        CU_ASSERT_PTR_NULL(r);
        CU_ASSERT(err.offset >= 0 && (size_t)err.offset <= n);
    }
    free(a);
    nn_model_free(m);
}

/* Flipping any single bit after the header is caught (by the CRC, or by a
 * check before it) and never crashes. */
static void test_every_bit_flip(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a;
    size_t alen;
    nr_error err;
    int refused = 0, total = 0;
    nr_model_write_mem(m, &a, &alen, &err);
    for (size_t i = 0; i < alen; i++)
        for (int bit = 0; bit < 8; bit++) {
            a[i] ^= (unsigned char)(1 << bit);
            nr_error_clear(&err);
            total++;
            if (nr_model_read_mem(a, alen, "flip", &r, &err) < 0)
                refused++;
            else
                nn_model_free(r);
            a[i] ^= (unsigned char)(1 << bit);
        }
    /* only the minor version may change harmlessly (bytes 10 and 11) */
    CU_ASSERT_EQUAL(refused, total - 16);
    free(a);
    nn_model_free(m);
}

static void test_crc_message(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a;
    size_t alen;
    nr_error err;
    char msg[1024];
    nr_model_write_mem(m, &a, &alen, &err);
    a[alen - 40] ^= 1; /* inside the last LAYR's payload */
    CU_ASSERT(nr_model_read_mem(a, alen, "x.bin", &r, &err) == NR_EFORMAT);
    nr_error_format(&err, msg, sizeof msg);
    CU_ASSERT(strstr(msg, "x.bin: byte ") == msg);
    CU_ASSERT(strstr(msg, "CRC mismatch in chunk 'LAYR'") != NULL);
    free(a);
    nn_model_free(m);
}

static void test_unknown_ancillary_skipped(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a, *b;
    size_t alen;
    nr_error err;
    uLong crc;
    nr_model_write_mem(m, &a, &alen, &err);
    /* insert "zzzz" with 3 bytes of payload right after the header */
    b = malloc(alen + 15);
    memcpy(b, a, 12);
    memcpy(b + 12, "zzzz\x03\0\0\0abc", 11);
    crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)"zzzz", 4);
    crc = crc32(crc, (const Bytef *)"abc", 3);
    b[23] = (unsigned char)crc, b[24] = (unsigned char)(crc >> 8);
    b[25] = (unsigned char)(crc >> 16), b[26] = (unsigned char)(crc >> 24);
    memcpy(b + 27, a + 12, alen - 12);
    /* HEAD must come first: refused there ... */
    CU_ASSERT(nr_model_read_mem(b, alen + 15, "anc", &r, &err) < 0);
    /* ... but accepted right before END */
    memcpy(b, a, alen - 12);
    memcpy(b + alen - 12, "zzzz\x03\0\0\0abc", 11);
    b[alen - 1] = (unsigned char)crc, b[alen] = (unsigned char)(crc >> 8);
    b[alen + 1] = (unsigned char)(crc >> 16), b[alen + 2] = (unsigned char)(crc >> 24);
    memcpy(b + alen + 3, a + alen - 12, 12);
    CU_ASSERT_EQUAL(nr_model_read_mem(b, alen + 15, "anc", &r, &err), 0);
    nn_model_free(r);
    free(a);
    free(b);
    nn_model_free(m);
}

static void test_trailing_bytes(void)
{
    nn_model *m = small_model(), *r = NULL;
    unsigned char *a, *b;
    size_t alen;
    nr_error err;
    nr_model_write_mem(m, &a, &alen, &err);
    b = malloc(alen + 1);
    memcpy(b, a, alen);
    b[alen] = 0;
    CU_ASSERT_EQUAL(nr_model_read_mem(b, alen + 1, "t", &r, &err), NR_EFORMAT);
    CU_ASSERT_EQUAL(err.offset, (long long)alen);
    free(a);
    free(b);
    nn_model_free(m);
}

static void test_examples_load(void)
{
    static const char *paths[] = {"examples/iris/model.bin", "examples/wdbc/model.bin",
                                  "examples/vote/model.bin", "examples/digits/model.bin"};
    for (int i = 0; i < 4; i++) {
        nn_model *m = NULL;
        nr_error err;
        nr_error_clear(&err);
        CU_ASSERT_EQUAL(nr_model_read(paths[i], &m, &err), 0);
        if (!m) {
            fprintf(stderr, "%s: %s\n", paths[i], err.msg);
            continue;
        }
        CU_ASSERT_PTR_NOT_NULL(m->features);
        CU_ASSERT_PTR_NOT_NULL(m->class_names);
        CU_ASSERT_EQUAL((size_t)m->nclasses, nn_model_output_size(m));
        nn_model_free(m);
    }
}

static const cutest tests[] = {
    {"round trip is byte-identical and predicts the same", test_round_trip},
    {"atomic write", test_atomic_write},
    {"every truncation refused with an offset", test_every_truncation},
    {"every bit flip refused", test_every_bit_flip},
    {"CRC mismatch names file, offset and chunk", test_crc_message},
    {"unknown ancillary chunk skipped, HEAD first", test_unknown_ancillary_skipped},
    {"bytes after END refused", test_trailing_bytes},
    {"example models load", test_examples_load},
    {NULL, NULL},
};

CUTEST_MAIN("model_io", tests)
