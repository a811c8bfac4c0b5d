/*
 * test_examples.c - the runtime on the bundled example networks matches
 * PyTorch: each example's vectors.txt holds raw inputs and the outputs
 * PyTorch computed for them (written by the example's train.py), and wdbc's
 * hidden.txt the activations after its first ReLU.  No Python needed here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "model_io.h"

typedef struct vectors {
    int nin, nout, count;
    float *x, *y;
} vectors;

static int read_vectors(const char *path, vectors *v)
{
    FILE *f = fopen(path, "r");
    memset(v, 0, sizeof *v);
    if (!f)
        return -1;
    if (fscanf(f, "%d %d %d", &v->nin, &v->nout, &v->count) != 3 || v->nin <= 0 ||
        v->nout <= 0 || v->count <= 0 || v->count > 100000) {
        fclose(f);
        return -1;
    }
    v->x = malloc(sizeof(float) * (size_t)v->nin * (size_t)v->count);
    v->y = malloc(sizeof(float) * (size_t)v->nout * (size_t)v->count);
    for (int r = 0; r < v->count; r++) {
        for (int i = 0; i < v->nin; i++)
            if (fscanf(f, "%f", &v->x[(size_t)r * v->nin + i]) != 1)
                goto bad;
        for (int i = 0; i < v->nout; i++)
            if (fscanf(f, "%f", &v->y[(size_t)r * v->nout + i]) != 1)
                goto bad;
    }
    fclose(f);
    return 0;
bad:
    fclose(f);
    free(v->x);
    free(v->y);
    return -1;
}

/* Largest absolute difference between the runtime's layer `layer` (-2: the
 * network output) and the stored values, batched and one by one. */
static void check(const char *model_path, const char *vec_path, int layer)
{
    nn_model *m = NULL;
    nr_error err;
    nn_error nerr;
    vectors v;
    nn_workspace *ws;
    float *y;
    double worst = 0;
    size_t nout;

    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_model_read(model_path, &m, &err), 0);
    CU_ASSERT_EQUAL_FATAL(read_vectors(vec_path, &v), 0);
    CU_ASSERT_EQUAL_FATAL((size_t)v.nin, nn_model_input_size(m));
    nout = layer == -2 ? nn_model_output_size(m) : nn_layer_size(m, layer);
    CU_ASSERT_EQUAL_FATAL((size_t)v.nout, nout);
    ws = nn_workspace_new(m, v.count);
    y = malloc(sizeof *y * nn_model_output_size(m) * (size_t)v.count);
    /* whole batch */
    CU_ASSERT_EQUAL_FATAL(nn_forward(m, ws, v.x, v.count, y, &nerr), 0);
    {
        const float *got = layer == -2 ? y : nn_activation(ws, layer);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        for (size_t i = 0; i < nout * (size_t)v.count; i++) {
            double d = fabs((double)got[i] - (double)v.y[i]);
            if (d > worst)
                worst = d;
        }
    }
    /* one at a time */
    for (int r = 0; r < v.count; r++) {
        CU_ASSERT_EQUAL_FATAL(nn_forward(m, ws, v.x + (size_t)r * v.nin, 1, y, &nerr), 0);
        const float *got = layer == -2 ? y : nn_activation(ws, layer);
        for (size_t i = 0; i < nout; i++) {
            double d = fabs((double)got[i] - (double)v.y[(size_t)r * nout + i]);
            if (d > worst)
                worst = d;
        }
    }
    if (worst > 1e-5)
        fprintf(stderr, "%s: largest difference from PyTorch %g\n", vec_path, worst);
    CU_ASSERT(worst <= 1e-5);
    free(y);
    free(v.x);
    free(v.y);
    nn_workspace_free(ws);
    nn_model_free(m);
}

static void test_iris(void) { check("examples/iris/model.bin", "examples/iris/vectors.txt", -2); }
static void test_wdbc(void) { check("examples/wdbc/model.bin", "examples/wdbc/vectors.txt", -2); }
static void test_vote(void) { check("examples/vote/model.bin", "examples/vote/vectors.txt", -2); }
static void test_digits(void) { check("examples/digits/model.bin", "examples/digits/vectors.txt", -2); }
static void test_fashion(void) { check("examples/fashion/model.bin", "examples/fashion/vectors.txt", -2); }
static void test_fashion_cnn(void)
{
    check("examples/fashion-cnn/model.bin", "examples/fashion-cnn/vectors.txt", -2);
}

/* wdbc: dense, relu, ... - hidden.txt holds layer 1's output */
static void test_wdbc_hidden(void)
{
    check("examples/wdbc/model.bin", "examples/wdbc/hidden.txt", 1);
}

static const cutest tests[] = {
    {"iris matches PyTorch", test_iris},
    {"wdbc matches PyTorch", test_wdbc},
    {"wdbc hidden activations match PyTorch", test_wdbc_hidden},
    {"vote matches PyTorch", test_vote},
    {"digits CNN matches PyTorch", test_digits},
    {"fashion MLP matches PyTorch", test_fashion},
    {"fashion CNN matches PyTorch", test_fashion_cnn},
    {NULL, NULL},
};

CUTEST_MAIN("examples", tests)
