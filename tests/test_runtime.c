/*
 * test_runtime.c - CUnit suite for the reference network runtime (runtime/).
 *
 * Forward semantics are checked on small cases worked out by hand (and, for
 * convolutions, against a direct double-precision reference); backward
 * passes against central finite differences of a double-precision
 * reference forward pass, whatever BLAS kernel the machine runs; finalize
 * against models that must be refused.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "model_io.h"
#include "nn.h"

/* --- helpers ------------------------------------------------------------ */

static uint32_t rng_state = 12345u;

static void rng_seed(uint32_t s)
{
    rng_state = s ? s : 1u;
}

/* xorshift32: the same numbers on every platform. */
static float urand(float lo, float hi)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return lo + (hi - lo) * (float)((x >> 8) * (1.0 / 16777216.0));
}

static float *fdup(const float *v, size_t n)
{
    float *p = malloc(n * sizeof *p);
    CU_ASSERT_FATAL(p != NULL);
    memcpy(p, v, n * sizeof *p);
    return p;
}

static float *frand(size_t n, float lo, float hi)
{
    float *p = malloc(n * sizeof *p);
    CU_ASSERT_FATAL(p != NULL);
    for (size_t k = 0; k < n; k++)
        p[k] = urand(lo, hi);
    return p;
}

static float *fconst(size_t n, float v)
{
    float *p = malloc(n * sizeof *p);
    CU_ASSERT_FATAL(p != NULL);
    for (size_t k = 0; k < n; k++)
        p[k] = v;
    return p;
}

static nn_model *model_new(int c, int h, int w)
{
    nn_model *m = nn_model_new();
    CU_ASSERT_FATAL(m != NULL);
    m->input.c = c;
    m->input.h = h;
    m->input.w = w;
    return m;
}

static nn_layer layer(nn_layer_type t)
{
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.type = t;
    l.sh = l.sw = 1;
    l.dh = l.dw = 1;
    return l;
}

static nn_layer *add(nn_model *m, nn_layer l)
{
    nn_layer *p = nn_model_add_layer(m, &l);
    CU_ASSERT_FATAL(p != NULL);
    return p;
}

static void add_simple(nn_model *m, nn_layer_type t)
{
    add(m, layer(t));
}

static void add_dense(nn_model *m, int units, const float *w, const float *b,
                      size_t in)
{
    nn_layer l = layer(NN_DENSE);
    l.units = units;
    l.w = fdup(w, (size_t)units * in);
    l.b = fdup(b, (size_t)units);
    add(m, l);
}

/* Dense layer with random weights; in is the flattened input size. */
static void add_dense_rand(nn_model *m, int units, size_t in)
{
    nn_layer l = layer(NN_DENSE);
    l.units = units;
    l.w = frand((size_t)units * in, -0.8f, 0.8f);
    l.b = frand((size_t)units, -0.3f, 0.3f);
    add(m, l);
}

static void add_window(nn_model *m, nn_layer_type t, int kh, int kw, int sh,
                       int sw, int pt, int pl, int pb, int pr)
{
    nn_layer l = layer(t);
    l.kh = kh;
    l.kw = kw;
    l.sh = sh;
    l.sw = sw;
    l.pad_t = pt;
    l.pad_l = pl;
    l.pad_b = pb;
    l.pad_r = pr;
    add(m, l);
}

static nn_layer *add_conv_rand(nn_model *m, int in_c, int units, int kh, int kw)
{
    nn_layer l = layer(NN_CONV2D);
    l.units = units;
    l.kh = kh;
    l.kw = kw;
    l.w = frand((size_t)units * in_c * kh * kw, -0.6f, 0.6f);
    l.b = frand((size_t)units, -0.2f, 0.2f);
    return add(m, l);
}

static void add_bn_rand(nn_model *m, int c)
{
    nn_layer l = layer(NN_BATCHNORM);
    l.alpha = 1e-5f;
    l.bn_gamma = frand((size_t)c, 0.5f, 1.5f);
    l.bn_beta = frand((size_t)c, -0.5f, 0.5f);
    l.bn_mean = frand((size_t)c, -0.3f, 0.3f);
    l.bn_var = frand((size_t)c, 0.5f, 2.0f);
    add(m, l);
}

static void finalize_ok(nn_model *m)
{
    nn_error err = {0};
    int e = nn_model_finalize(m, &err);
    if (e)
        fprintf(stderr, "\nfinalize: %s\n", err.msg);
    CU_ASSERT_FATAL(e == 0);
}

/* Forward n samples through m in a fresh workspace; out gets the output. */
static void run(const nn_model *m, const float *x, int n, float *out)
{
    nn_error err = {0};
    nn_workspace *ws = nn_workspace_new(m, n);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_forward(m, ws, x, n, out, &err) == 0);
    nn_workspace_free(ws);
}

#define ASSERT_NEAR(a, b, tol) CU_ASSERT(fabs((double)(a) - (double)(b)) <= (tol))

static void assert_all_near(const float *got, const float *want, size_t n,
                            double tol)
{
    for (size_t k = 0; k < n; k++)
        if (fabs((double)got[k] - (double)want[k]) > tol) {
            fprintf(stderr, "\n  [%zu] got %.7g want %.7g\n", k,
                    (double)got[k], (double)want[k]);
            CU_FAIL("values differ");
            return;
        }
}

static int finalize_code(nn_model *m, nn_error *err)
{
    memset(err, 0, sizeof *err);
    return nn_model_finalize(m, err);
}

/* --- forward, layer by layer --------------------------------------------- */

static void test_dense(void)
{
    /* Input of shape (1,2,2) is flattened CHW: x = [1, 2, 3, 4]. */
    const float w[] = {1, 0, -1, 2, 0.5f, 0.5f, 0.5f, 0.5f};
    const float b[] = {0.25f, -1};
    const float x[] = {1, 2, 3, 4, -1, 0, 1, 0};
    float out[4];
    nn_model *m = model_new(1, 2, 2);
    add_dense(m, 2, w, b, 4);
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.c == 2 && m->layers[0].out.h == 1);
    CU_ASSERT(nn_model_output_size(m) == 2);
    run(m, x, 2, out);
    ASSERT_NEAR(out[0], 1 - 3 + 8 + 0.25, 1e-6);
    ASSERT_NEAR(out[1], 5 - 1, 1e-6);
    ASSERT_NEAR(out[2], -1 - 1 + 0.25, 1e-6);
    ASSERT_NEAR(out[3], 0 - 1, 1e-6);
    CU_ASSERT(nn_model_param_count(m) == 10);
    nn_model_free(m);
}

static void test_conv_stride_pad(void)
{
    /* 3x3 input 1..9, kernel [[1,2],[3,4]], stride 2, one row of padding on
     * top and one column on the left only: the padded input is 4x4. */
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float w[] = {1, 2, 3, 4}, b[] = {0.5f};
    float out[4];
    nn_model *m = model_new(1, 3, 3);
    nn_layer l = layer(NN_CONV2D);
    l.units = 1;
    l.kh = l.kw = 2;
    l.sh = l.sw = 2;
    l.pad_t = 1;
    l.pad_l = 1;
    l.w = fdup(w, 4);
    l.b = fdup(b, 1);
    add(m, l);
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.h == 2 && m->layers[0].out.w == 2);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 4 * 1 + 0.5, 1e-5);
    ASSERT_NEAR(out[1], 3 * 2 + 4 * 3 + 0.5, 1e-5);
    ASSERT_NEAR(out[2], 2 * 4 + 4 * 7 + 0.5, 1e-5);
    ASSERT_NEAR(out[3], 5 + 2 * 6 + 3 * 8 + 4 * 9 + 0.5, 1e-5);
    nn_model_free(m);
}

static void test_conv_dilation(void)
{
    /* A 2x2 kernel of ones dilated by 2 reads the four corners of 3x3. */
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float out[1];
    nn_model *m = model_new(1, 3, 3);
    nn_layer l = layer(NN_CONV2D);
    l.units = 1;
    l.kh = l.kw = 2;
    l.dh = l.dw = 2;
    l.w = fconst(4, 1);
    l.b = fconst(1, 0);
    add(m, l);
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.h == 1 && m->layers[0].out.w == 1);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 1 + 3 + 7 + 9, 1e-5);
    nn_model_free(m);
}

/* Direct convolution in double, as PyTorch defines it. */
static void conv_ref(const nn_layer *l, const double *x, double *y)
{
    nn_shape in = l->in, out = l->out;
    for (int o = 0; o < out.c; o++)
        for (int oy = 0; oy < out.h; oy++)
            for (int ox = 0; ox < out.w; ox++) {
                double s = l->b[o];
                for (int c = 0; c < in.c; c++)
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int iy = oy * l->sh - l->pad_t + ky * l->dh;
                            int ix = ox * l->sw - l->pad_l + kx * l->dw;
                            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                                continue;
                            s += (double)l->w[((o * in.c + c) * l->kh + ky) * l->kw + kx] *
                                 x[(c * in.h + iy) * in.w + ix];
                        }
                y[(o * out.h + oy) * out.w + ox] = s;
            }
}

/* One convolution against the reference, on a batch of n. */
static void conv_case(int c, int h, int w, int units, int kh, int kw, int sh,
                      int sw, int dh, int dw, int pt, int pl, int pb, int pr,
                      int n)
{
    nn_model *m = model_new(c, h, w);
    nn_layer l = layer(NN_CONV2D);
    size_t insz, outsz;
    float *x, *out;
    double *ref, *xd;
    l.units = units;
    l.kh = kh;
    l.kw = kw;
    l.sh = sh;
    l.sw = sw;
    l.dh = dh;
    l.dw = dw;
    l.pad_t = pt;
    l.pad_l = pl;
    l.pad_b = pb;
    l.pad_r = pr;
    l.w = frand((size_t)units * c * kh * kw, -1, 1);
    l.b = frand((size_t)units, -1, 1);
    add(m, l);
    finalize_ok(m);
    insz = nn_model_input_size(m);
    outsz = nn_model_output_size(m);
    x = frand(insz * n, -1, 1);
    out = malloc(outsz * n * sizeof *out);
    ref = malloc(outsz * sizeof *ref);
    xd = malloc(insz * sizeof *xd);
    CU_ASSERT_FATAL(out && ref && xd);
    run(m, x, n, out);
    for (int j = 0; j < n; j++) {
        for (size_t k = 0; k < insz; k++)
            xd[k] = x[j * insz + k];
        conv_ref(&m->layers[0], xd, ref);
        for (size_t k = 0; k < outsz; k++)
            if (fabs(out[j * outsz + k] - ref[k]) > 1e-4) {
                fprintf(stderr, "\n  sample %d [%zu] got %g want %g\n", j, k,
                        (double)out[j * outsz + k], ref[k]);
                CU_FAIL("convolution differs from the reference");
                j = n;
                break;
            }
    }
    free(x);
    free(out);
    free(ref);
    free(xd);
    nn_model_free(m);
}

static void test_conv_reference(void)
{
    rng_seed(7);
    /* asymmetric padding, stride (2,1), dilation (2,1), 2 -> 3 channels */
    conv_case(2, 7, 6, 3, 3, 2, 2, 1, 2, 1, 2, 0, 1, 1, 5);
    conv_case(2, 7, 6, 3, 3, 2, 2, 1, 2, 1, 2, 0, 1, 1, 1);
    /* stride 3 in both directions, padding on the right and bottom only */
    conv_case(3, 9, 8, 4, 3, 3, 3, 3, 1, 1, 0, 0, 2, 1, 3);
    /* wide output (30 columns): im2col copies rows instead of gathering */
    conv_case(2, 30, 30, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3);
    /* 1x1 convolution, whose im2col is the input itself */
    conv_case(4, 3, 5, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4);
    conv_case(4, 30, 20, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2);
    /* 1x1 with stride 2: not pointwise, so it gathers */
    conv_case(3, 7, 9, 2, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 2);
    /* wide output copied by rows, with stride 2, dilation and padding */
    conv_case(2, 9, 40, 3, 3, 3, 2, 2, 1, 2, 1, 2, 0, 1, 2);
}

static void test_maxpool_padding(void)
{
    /* All negative, so zero padding would show: padding is -inf. */
    const float x[] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    float out[4];
    nn_model *m = model_new(1, 3, 3);
    add_window(m, NN_MAXPOOL2D, 2, 2, 2, 2, 1, 1, 0, 0);
    finalize_ok(m);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], -1, 0);
    ASSERT_NEAR(out[1], -2, 0);
    ASSERT_NEAR(out[2], -4, 0);
    ASSERT_NEAR(out[3], -5, 0);
    nn_model_free(m);
}

static void test_maxpool_overlap(void)
{
    /* 3x3 window, stride 1, on 4x4 with a single peak: every window that
     * covers it outputs it. */
    float x[16] = {0};
    float out[4];
    nn_model *m = model_new(1, 4, 4);
    x[5] = 3;
    x[15] = 2;
    add_window(m, NN_MAXPOOL2D, 3, 3, 1, 1, 0, 0, 0, 0);
    finalize_ok(m);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 3, 0);
    ASSERT_NEAR(out[1], 3, 0);
    ASSERT_NEAR(out[2], 3, 0);
    ASSERT_NEAR(out[3], 3, 0);
    nn_model_free(m);
}

static void test_avgpool_count_pad(void)
{
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float out[4];
    nn_model *m = model_new(1, 3, 3);
    add_window(m, NN_AVGPOOL2D, 2, 2, 2, 2, 1, 1, 0, 0);
    m->layers[0].flags = NN_POOL_COUNT_PAD;
    finalize_ok(m);
    run(m, x, 1, out);
    /* PyTorch count_include_pad=True: always divide by 4 */
    ASSERT_NEAR(out[0], 1 / 4.0, 1e-6);
    ASSERT_NEAR(out[1], (2 + 3) / 4.0, 1e-6);
    ASSERT_NEAR(out[2], (4 + 7) / 4.0, 1e-6);
    ASSERT_NEAR(out[3], (5 + 6 + 8 + 9) / 4.0, 1e-6);
    /* ONNX default: divide by the real cells */
    m->layers[0].flags = 0;
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 1, 1e-6);
    ASSERT_NEAR(out[1], 2.5, 1e-6);
    ASSERT_NEAR(out[2], 5.5, 1e-6);
    ASSERT_NEAR(out[3], 7, 1e-6);
    nn_model_free(m);
}

static void test_globalavgpool_flatten(void)
{
    const float x[] = {1, 2, 3, 4, 10, 20, 30, 40};
    float out[2];
    nn_model *m = model_new(2, 2, 2);
    add_simple(m, NN_GLOBALAVGPOOL);
    add_simple(m, NN_FLATTEN);
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.c == 2 && m->layers[0].out.h == 1 &&
              m->layers[0].out.w == 1);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 2.5, 1e-6);
    ASSERT_NEAR(out[1], 25, 1e-6);
    nn_model_free(m);

    m = model_new(3, 2, 4);
    add_simple(m, NN_FLATTEN);
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.c == 24 && m->layers[0].out.h == 1 &&
              m->layers[0].out.w == 1);
    nn_model_free(m);
}

static void test_activations(void)
{
    const float x[] = {-2, -0.5f, 0, 0.5f, 3};
    const nn_layer_type types[] = {NN_RELU, NN_LEAKYRELU, NN_SIGMOID, NN_TANH,
                                   NN_DROPOUT};
    float out[5];
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        nn_model *m = model_new(5, 1, 1);
        nn_layer l = layer(types[t]);
        l.alpha = 0.1f;
        add(m, l);
        finalize_ok(m);
        run(m, x, 1, out);
        for (int k = 0; k < 5; k++) {
            double v = x[k], want = v;
            switch (types[t]) {
            case NN_RELU: want = v > 0 ? v : 0; break;
            case NN_LEAKYRELU: want = v > 0 ? v : 0.1 * v; break;
            case NN_SIGMOID: want = 1 / (1 + exp(-v)); break;
            case NN_TANH: want = tanh(v); break;
            default: break;
            }
            ASSERT_NEAR(out[k], want, 1e-6);
        }
        nn_model_free(m);
    }
}

static void test_softmax(void)
{
    /* Over the whole (2,1,2) sample; large logits must not overflow. */
    const float x[] = {1, 2, 3, 4, 1000, 1001, 1002, 1003};
    float out[8];
    double z = exp(-3.0) + exp(-2.0) + exp(-1.0) + 1;
    nn_model *m = model_new(2, 1, 2);
    add_simple(m, NN_SOFTMAX);
    finalize_ok(m);
    run(m, x, 2, out);
    for (int j = 0; j < 2; j++)
        for (int k = 0; k < 4; k++)
            ASSERT_NEAR(out[j * 4 + k], exp(k - 3.0) / z, 1e-6);
    nn_model_free(m);
}

static void test_batchnorm(void)
{
    /* (2,1,2): channel 0 is x[0..1], channel 1 is x[2..3]. */
    const float g[] = {2, 0.5f}, be[] = {1, -1}, mu[] = {1, -2}, var[] = {4, 0.25f};
    const float x[] = {3, 1, 0, -2};
    float out[4];
    nn_model *m = model_new(2, 1, 2);
    nn_layer l = layer(NN_BATCHNORM);
    l.alpha = 0;
    l.bn_gamma = fdup(g, 2);
    l.bn_beta = fdup(be, 2);
    l.bn_mean = fdup(mu, 2);
    l.bn_var = fdup(var, 2);
    add(m, l);
    finalize_ok(m);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 2 * (3 - 1) / 2.0 + 1, 1e-6);
    ASSERT_NEAR(out[1], 1, 1e-6);
    ASSERT_NEAR(out[2], 0.5 * 2 / 0.5 - 1, 1e-6);
    ASSERT_NEAR(out[3], -1, 1e-6);
    CU_ASSERT(nn_model_param_count(m) == 4);
    nn_model_free(m);

    /* On a vector each feature is a channel; epsilon counts. */
    m = model_new(2, 1, 1);
    l = layer(NN_BATCHNORM);
    l.alpha = 1;
    l.bn_gamma = fdup(g, 2);
    l.bn_beta = fdup(be, 2);
    l.bn_mean = fdup(mu, 2);
    l.bn_var = fdup(var, 2);
    add(m, l);
    finalize_ok(m);
    run(m, x, 1, out);
    ASSERT_NEAR(out[0], 2 * (3 - 1) / sqrt(5.0) + 1, 1e-6);
    ASSERT_NEAR(out[1], 0.5 * (1 + 2) / sqrt(1.25) - 1, 1e-6);
    nn_model_free(m);
}

static void test_normalization(void)
{
    /* Identity dense layer: the output is the normalized input. */
    const float w[] = {1, 0, 0, 1}, b[] = {0, 0};
    const float x[] = {3, -1};
    float out[2];
    nn_error err = {0};
    nn_workspace *ws;
    const float *a;
    nn_model *m = model_new(2, 1, 1);
    add_dense(m, 2, w, b, 2);
    m->norm_mean = fdup((const float[]){1, 1}, 2);
    m->norm_std = fdup((const float[]){2, 0.5f}, 2);
    finalize_ok(m);
    ws = nn_workspace_new(m, 1);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_forward(m, ws, x, 1, out, &err) == 0);
    ASSERT_NEAR(out[0], 1, 1e-6);
    ASSERT_NEAR(out[1], -4, 1e-6);
    a = nn_activation(ws, -1);
    CU_ASSERT_FATAL(a != NULL);
    ASSERT_NEAR(a[0], 1, 1e-6);
    ASSERT_NEAR(a[1], -4, 1e-6);
    CU_ASSERT(nn_activation(ws, 0) != NULL);
    CU_ASSERT(nn_activation(ws, 1) == NULL);
    CU_ASSERT(nn_activation(ws, -2) == NULL);
    CU_ASSERT(nn_workspace_batch(ws) == 1);
    nn_workspace_free(ws);
    nn_model_free(m);
}

static void test_nonfinite_input(void)
{
    const float w[] = {1, 1}, b[] = {0};
    float x[4] = {1, 2, 3, 4}, out[2];
    nn_error err = {0};
    nn_workspace *ws;
    nn_model *m = model_new(2, 1, 1);
    add_dense(m, 1, w, b, 2);
    finalize_ok(m);
    ws = nn_workspace_new(m, 2);
    CU_ASSERT_FATAL(ws != NULL);
    x[3] = NAN;
    CU_ASSERT(nn_forward(m, ws, x, 2, out, &err) == NN_ENONFINITE);
    CU_ASSERT(strstr(err.msg, "sample 1") != NULL);
    CU_ASSERT(nn_activation(ws, 0) == NULL);
    x[3] = INFINITY;
    CU_ASSERT(nn_forward(m, ws, x, 2, out, &err) == NN_ENONFINITE);
    x[3] = 4;
    CU_ASSERT(nn_forward(m, ws, x, 2, out, &err) == 0);
    ASSERT_NEAR(out[1], 7, 1e-6);
    nn_workspace_free(ws);
    nn_model_free(m);
}

/* --- a plain double-precision forward pass ------------------------------- */

/* The reference side of the gradient checks: every layer type computed
 * directly in double, so that finite differences measure the network and
 * not the rounding of whichever BLAS kernel the machine picks.  It also
 * records the activation pattern (each rectifier's sign, each max-pool
 * window's winner), so that a check can tell when a step crosses a kink. */
typedef struct ref_pattern {
    int *v;
    size_t n, cap;
} ref_pattern;

static void pattern_push(ref_pattern *p, int v)
{
    if (!p)
        return;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
        CU_ASSERT_FATAL(p->v != NULL);
    }
    p->v[p->n++] = v;
}

static void ref_layer(const nn_layer *l, const double *x, double *y, ref_pattern *pat)
{
    const nn_shape in = l->in, out = l->out;
    const size_t insz = nn_shape_size(in), hw = (size_t)in.h * in.w;
    switch (l->type) {
    case NN_DENSE:
        for (int o = 0; o < l->units; o++) {
            double s = l->b[o];
            for (size_t k = 0; k < insz; k++)
                s += (double)l->w[o * insz + k] * x[k];
            y[o] = s;
        }
        break;
    case NN_CONV2D:
        conv_ref(l, x, y);
        break;
    case NN_MAXPOOL2D:
    case NN_AVGPOOL2D:
        for (int c = 0; c < in.c; c++)
            for (int oy = 0; oy < out.h; oy++)
                for (int ox = 0; ox < out.w; ox++) {
                    double best = -INFINITY, sum = 0;
                    int arg = -1, cells = 0;
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int iy = oy * l->sh - l->pad_t + ky;
                            int ix = ox * l->sw - l->pad_l + kx;
                            double v;
                            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                                continue;
                            v = x[(c * in.h + iy) * in.w + ix];
                            sum += v;
                            cells++;
                            if (v > best) {
                                best = v;
                                arg = ky * l->kw + kx;
                            }
                        }
                    if (l->type == NN_MAXPOOL2D) {
                        y[(c * out.h + oy) * out.w + ox] = best;
                        pattern_push(pat, arg);
                    } else {
                        double div = (l->flags & NN_POOL_COUNT_PAD) ? l->kh * l->kw : cells;
                        y[(c * out.h + oy) * out.w + ox] = sum / div;
                    }
                }
        break;
    case NN_GLOBALAVGPOOL:
        for (int c = 0; c < in.c; c++) {
            double s = 0;
            for (size_t k = 0; k < hw; k++)
                s += x[c * hw + k];
            y[c] = s / (double)hw;
        }
        break;
    case NN_FLATTEN:
    case NN_DROPOUT:
        memcpy(y, x, insz * sizeof *y);
        break;
    case NN_RELU:
    case NN_LEAKYRELU:
        for (size_t k = 0; k < insz; k++) {
            double a = l->type == NN_RELU ? 0.0 : l->alpha;
            y[k] = x[k] > 0 ? x[k] : a * x[k];
            pattern_push(pat, x[k] > 0);
        }
        break;
    case NN_SIGMOID:
        for (size_t k = 0; k < insz; k++)
            y[k] = 1 / (1 + exp(-x[k]));
        break;
    case NN_TANH:
        for (size_t k = 0; k < insz; k++)
            y[k] = tanh(x[k]);
        break;
    case NN_SOFTMAX: {
        double mx = x[0], s = 0;
        for (size_t k = 1; k < insz; k++)
            mx = fmax(mx, x[k]);
        for (size_t k = 0; k < insz; k++)
            s += (y[k] = exp(x[k] - mx));
        for (size_t k = 0; k < insz; k++)
            y[k] /= s;
        break;
    }
    case NN_BATCHNORM:
        for (int c = 0; c < in.c; c++) {
            double scale = l->bn_gamma[c] / sqrt((double)l->bn_var[c] + l->alpha);
            for (size_t k = 0; k < hw; k++)
                y[c * hw + k] = (x[c * hw + k] - l->bn_mean[c]) * scale + l->bn_beta[c];
        }
        break;
    default:
        CU_FAIL_FATAL("layer type without a reference");
    }
}

static int same_pattern(const ref_pattern *a, const ref_pattern *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}

/* r . f(x) for one sample in the data's own units, in double; pat (may be
 * NULL) receives the activation pattern. */
static double ref_objective(const nn_model *m, const double *x, const float *r,
                            ref_pattern *pat)
{
    size_t big = nn_model_input_size(m);
    double *a, *b, s = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (nn_layer_size(m, i) > big)
            big = nn_layer_size(m, i);
    a = malloc(big * sizeof *a);
    b = malloc(big * sizeof *b);
    CU_ASSERT_FATAL(a && b);
    for (size_t k = 0; k < nn_model_input_size(m); k++)
        a[k] = (x[k] - (m->norm_mean ? m->norm_mean[k] : 0.0)) /
               (m->norm_std ? m->norm_std[k] : 1.0);
    if (pat)
        pat->n = 0;
    for (int i = 0; i < m->nlayers; i++) {
        double *t;
        ref_layer(&m->layers[i], a, b, pat);
        t = a, a = b, b = t;
    }
    for (size_t k = 0; k < nn_model_output_size(m); k++)
        s += (double)r[k] * a[k];
    free(a);
    free(b);
    return s;
}

/* --- backward ------------------------------------------------------------ */

/* The convolutional net of the gradient checks, on a 2x7x6 input:
 * conv-bn-relu-maxpool-conv-leakyrelu-tanh-avgpool-flatten-dense-sigmoid-
 * dropout-dense-softmax, with input normalization. */
static nn_model *conv_net(void)
{
    nn_model *m = model_new(2, 7, 6);
    nn_layer *l;
    size_t insz = 2 * 7 * 6;
    rng_seed(2024);
    m->norm_mean = frand(insz, -0.5f, 0.5f);
    m->norm_std = frand(insz, 0.5f, 2.0f);
    l = add_conv_rand(m, 2, 3, 3, 3); /* 0 */
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = 1;
    add_bn_rand(m, 3);                                     /* 1 */
    add_simple(m, NN_RELU);                                /* 2 */
    add_window(m, NN_MAXPOOL2D, 2, 2, 2, 2, 1, 0, 0, 1);   /* 3: 3x4x3 */
    l = add_conv_rand(m, 3, 4, 2, 2);                      /* 4 */
    l->sw = 2;
    l->dh = 2;
    l->pad_t = 1;
    l->pad_b = 1;
    l->pad_r = 1;                                          /* 4x4x2 */
    add(m, (nn_layer){.type = NN_LEAKYRELU, .alpha = 0.1f}); /* 5 */
    add_simple(m, NN_TANH);                                /* 6 */
    add_window(m, NN_AVGPOOL2D, 2, 2, 1, 1, 0, 1, 1, 0);   /* 7: 4x4x2 */
    add_simple(m, NN_FLATTEN);                             /* 8 */
    add_dense_rand(m, 5, 32);                              /* 9 */
    add_simple(m, NN_SIGMOID);                             /* 10 */
    add_simple(m, NN_DROPOUT);                             /* 11 */
    add_dense_rand(m, 3, 5);                               /* 12 */
    add_simple(m, NN_SOFTMAX);                             /* 13 */
    finalize_ok(m);
    return m;
}

/* Pointwise conv, global average pooling and batch norm on a vector. */
static nn_model *gap_net(void)
{
    nn_model *m = model_new(3, 4, 4);
    rng_seed(99);
    m->norm_std = frand(48, 0.5f, 2.0f);
    add_conv_rand(m, 3, 4, 1, 1);
    add_simple(m, NN_SIGMOID);
    add_simple(m, NN_GLOBALAVGPOOL);
    add_bn_rand(m, 4);
    add_dense_rand(m, 3, 4);
    add_simple(m, NN_SOFTMAX);
    finalize_ok(m);
    return m;
}

/* A convolution wide enough (20 output columns) for im2col by rows, with
 * stride 2 along the rows, dilation and asymmetric padding; a 3x3 max pool
 * and a count_pad average pool; normalization by a mean only. */
static nn_model *wide_net(void)
{
    nn_model *m = model_new(2, 4, 40);
    nn_layer *l;
    rng_seed(123);
    m->norm_mean = frand(320, -0.5f, 0.5f);
    l = add_conv_rand(m, 2, 3, 3, 3);                       /* 0: 3x3x20 */
    l->sw = 2;
    l->dw = 2;
    l->pad_t = 1;
    l->pad_l = 2;
    l->pad_r = 1;
    add_simple(m, NN_TANH);                                  /* 1 */
    add_window(m, NN_MAXPOOL2D, 3, 3, 2, 2, 1, 1, 1, 0);     /* 2: 3x2x10 */
    add_window(m, NN_AVGPOOL2D, 2, 2, 1, 1, 0, 0, 0, 1);     /* 3: 3x1x10 */
    m->layers[3].flags = NN_POOL_COUNT_PAD;
    add_simple(m, NN_FLATTEN);                               /* 4 */
    add_dense_rand(m, 4, 30);                                /* 5 */
    add_simple(m, NN_SOFTMAX);                               /* 6 */
    finalize_ok(m);
    CU_ASSERT(m->layers[0].out.w == 20 && m->layers[3].out.w == 10);
    return m;
}

/* Copy of layers first.. of m as a model of their own, input unnormalized:
 * running it forward from a layer's activations lets finite differences
 * check gradients with respect to intermediate layers. */
static nn_model *tail_model(const nn_model *m, int first)
{
    nn_model *t = nn_model_new();
    CU_ASSERT_FATAL(t != NULL);
    t->input = m->layers[first].in;
    for (int i = first; i < m->nlayers; i++) {
        nn_layer l = m->layers[i];
        size_t n[4];
        nn_layer_tensor_sizes(&l, l.in, n);
        if (l.w)
            l.w = fdup(l.w, n[0]);
        if (l.b)
            l.b = fdup(l.b, n[1]);
        if (l.bn_gamma) {
            l.bn_gamma = fdup(l.bn_gamma, n[0]);
            l.bn_beta = fdup(l.bn_beta, n[1]);
            l.bn_mean = fdup(l.bn_mean, n[2]);
            l.bn_var = fdup(l.bn_var, n[3]);
        }
        add(t, l);
    }
    finalize_ok(t);
    return t;
}

/* Compare an analytic gradient of r . f(x) for n samples with central
 * differences of the double-precision reference.  The points were chosen
 * away from kinks (ReLU, max pooling); that no step crosses one is checked,
 * not hoped: the activation pattern at x +- step must be the one at x.  The
 * analytic side is float32 through whatever BLAS kernel runs, hence the
 * tolerance, which no kernel's rounding comes near. */
static void check_gradient(const nn_model *m, const float *x, int n,
                           const float *r, const float *grad, double step)
{
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    double *xp = malloc(insz * sizeof *xp);
    double diff2 = 0, norm2 = 0, maxg = 0;
    ref_pattern at = {0}, moved = {0};
    int bad = 0, crossed = 0;
    CU_ASSERT_FATAL(xp != NULL);
    for (size_t k = 0; k < insz * n; k++)
        if (fabs(grad[k]) > maxg)
            maxg = fabs(grad[k]);
    CU_ASSERT(maxg > 0);
    for (int j = 0; j < n; j++) {
        for (size_t k = 0; k < insz; k++)
            xp[k] = x[j * insz + k];
        ref_objective(m, xp, r + j * outsz, &at);
        for (size_t k = 0; k < insz; k++) {
            double hi, lo, num, ana = grad[j * insz + k], x0 = xp[k];
            xp[k] = x0 + step;
            hi = ref_objective(m, xp, r + j * outsz, &moved);
            crossed += !same_pattern(&moved, &at);
            xp[k] = x0 - step;
            lo = ref_objective(m, xp, r + j * outsz, &moved);
            crossed += !same_pattern(&moved, &at);
            xp[k] = x0;
            num = (hi - lo) / (2 * step);
            diff2 += (num - ana) * (num - ana);
            norm2 += ana * ana;
            if (fabs(num - ana) > 2e-3 * fabs(ana) + 2e-4 * maxg) {
                if (bad < 3)
                    fprintf(stderr, "\n  sample %d [%zu] numeric %.6g analytic %.6g",
                            j, k, num, ana);
                bad++;
            }
        }
    }
    CU_ASSERT(crossed == 0);
    CU_ASSERT(bad == 0);
    CU_ASSERT(sqrt(diff2) <= 1e-3 * sqrt(norm2));
    free(at.v);
    free(moved.v);
    free(xp);
}

/* How far the last forward's values are from the kinks finite differences
 * must not straddle: the smallest |input| of a rectifier, and the smallest
 * gap between the largest and second largest cell of a max-pool window. */
static double kink_margin(const nn_model *m, const nn_workspace *ws, int n)
{
    double margin = INFINITY;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        const float *x = nn_activation(ws, i - 1);
        size_t insz = nn_shape_size(l->in);
        if (l->type == NN_RELU || l->type == NN_LEAKYRELU)
            for (size_t k = 0; k < insz * n; k++)
                margin = fmin(margin, fabs(x[k]));
        if (l->type != NN_MAXPOOL2D)
            continue;
        for (int p = 0; p < n * l->in.c; p++)
            for (int oy = 0; oy < l->out.h; oy++)
                for (int ox = 0; ox < l->out.w; ox++) {
                    double best = -INFINITY, second = -INFINITY;
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int iy = oy * l->sh - l->pad_t + ky;
                            int ix = ox * l->sw - l->pad_l + kx;
                            double v;
                            if (iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w)
                                continue;
                            v = x[((size_t)p * l->in.h + iy) * l->in.w + ix];
                            if (v > best) {
                                second = best;
                                best = v;
                            } else if (v > second) {
                                second = v;
                            }
                        }
                    /* A tie of cells a ReLU has zeroed passes nothing back
                     * whichever wins; the ReLU margin covers them. */
                    if (second > -INFINITY && best != 0.0)
                        margin = fmin(margin, best - second);
                }
    }
    return margin;
}

/* Random inputs for n samples, drawn again until the forward pass keeps a
 * margin around every kink wide enough for a step of 1e-3: a difference
 * straddling a ReLU or a max-pool switch measures nothing useful. */
static float *inputs_away_from_kinks(const nn_model *m, nn_workspace *ws, int n)
{
    size_t insz = nn_model_input_size(m);
    nn_error err = {0};
    for (int attempt = 0; attempt < 1000; attempt++) {
        float *x = frand(insz * n, -1.5f, 1.5f);
        CU_ASSERT_FATAL(nn_forward(m, ws, x, n, NULL, &err) == 0);
        if (kink_margin(m, ws, n) >= 0.01)
            return x;
        free(x);
    }
    CU_FAIL_FATAL("no input away from the kinks");
    return NULL;
}

static void grad_check_input(nn_model *m)
{
    const int n = 2;
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    float *r = frand(outsz * n, -1, 1);
    float *grad = malloc(insz * n * sizeof *grad);
    nn_error err = {0};
    nn_workspace *ws = nn_workspace_new(m, n);
    float *x;
    CU_ASSERT_FATAL(ws && grad);
    x = inputs_away_from_kinks(m, ws, n);
    CU_ASSERT_FATAL(nn_backward(m, ws, m->nlayers - 1, r, -1, NN_GRAD_PLAIN,
                                grad, &err) == 0);
    check_gradient(m, x, n, r, grad, 1e-4);
    nn_workspace_free(ws);
    free(x);
    free(r);
    free(grad);
}

static void test_grad_input_convnet(void)
{
    nn_model *m = conv_net();
    rng_seed(31);
    grad_check_input(m);
    nn_model_free(m);
}

static void test_grad_input_gapnet(void)
{
    nn_model *m = gap_net();
    rng_seed(32);
    grad_check_input(m);
    nn_model_free(m);
}

static void test_grad_input_widenet(void)
{
    nn_model *m = wide_net();
    rng_seed(33);
    grad_check_input(m);
    nn_model_free(m);
}

/* Gradient with respect to layer k's output, checked by differentiating
 * the model made of layers k+1.. . */
static void grad_check_layer(nn_model *m, int k)
{
    const int n = 2;
    size_t outsz = nn_model_output_size(m);
    size_t ksz = nn_layer_size(m, k);
    float *r = frand(outsz * n, -1, 1);
    float *grad = malloc(ksz * n * sizeof *grad);
    float *act;
    nn_error err = {0};
    nn_workspace *ws = nn_workspace_new(m, n);
    nn_model *t = tail_model(m, k + 1);
    CU_ASSERT_FATAL(ws && grad);
    float *x = inputs_away_from_kinks(m, ws, n);
    act = fdup(nn_activation(ws, k), ksz * n);
    CU_ASSERT_FATAL(nn_backward(m, ws, m->nlayers - 1, r, k, NN_GRAD_PLAIN,
                                grad, &err) == 0);
    check_gradient(t, act, n, r, grad, 1e-4);
    nn_model_free(t);
    nn_workspace_free(ws);
    free(act);
    free(x);
    free(r);
    free(grad);
}

static void test_grad_intermediate(void)
{
    nn_model *m = conv_net();
    rng_seed(41);
    grad_check_layer(m, 1);  /* batch norm output, through relu and both pools */
    grad_check_layer(m, 3);  /* maxpool output, through the strided conv */
    grad_check_layer(m, 8);  /* flatten output (an alias of the avgpool) */
    nn_model_free(m);
}

/* Going back in two steps gives what one step gives. */
static void test_grad_chain(void)
{
    const int n = 3;
    nn_model *m = conv_net();
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    size_t k4 = nn_layer_size(m, 4);
    float *x, *r, *g1, *g2, *mid;
    nn_error err = {0};
    nn_workspace *ws = nn_workspace_new(m, n);
    rng_seed(5);
    x = frand(insz * n, -1, 1);
    r = frand(outsz * n, -1, 1);
    g1 = malloc(insz * n * sizeof *g1);
    g2 = malloc(insz * n * sizeof *g2);
    mid = malloc(k4 * n * sizeof *mid);
    CU_ASSERT_FATAL(ws && g1 && g2 && mid);
    CU_ASSERT_FATAL(nn_forward(m, ws, x, n, NULL, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, m->nlayers - 1, r, -1, NN_GRAD_PLAIN, g1, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, m->nlayers - 1, r, 4, NN_GRAD_PLAIN, mid, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, 4, mid, -1, NN_GRAD_PLAIN, g2, &err) == 0);
    assert_all_near(g2, g1, insz * n, 1e-6);
    /* from an alias to the layer below it: the seed passes unchanged */
    CU_ASSERT(nn_layer_size(m, 8) == k4);
    CU_ASSERT(nn_backward(m, ws, 8, mid, 7, NN_GRAD_PLAIN, g2, &err) == 0);
    assert_all_near(g2, mid, k4 * n, 0);
    /* in place: grad may be the seed itself */
    {
        size_t k1 = nn_layer_size(m, 1);
        float *a = frand(k1 * n, -1, 1), *b = malloc(k1 * n * sizeof *b);
        CU_ASSERT_FATAL(b != NULL);
        CU_ASSERT(nn_backward(m, ws, 2, a, 1, NN_GRAD_PLAIN, b, &err) == 0);
        CU_ASSERT(nn_backward(m, ws, 2, a, 1, NN_GRAD_PLAIN, a, &err) == 0);
        assert_all_near(a, b, k1 * n, 0);
        free(a);
        free(b);
    }
    /* argument checks */
    CU_ASSERT(nn_backward(m, ws, 4, mid, 4, NN_GRAD_PLAIN, g2, &err) == NN_EINVAL);
    CU_ASSERT(nn_backward(m, ws, m->nlayers, mid, 0, NN_GRAD_PLAIN, g2, &err) == NN_EINVAL);
    CU_ASSERT(nn_backward(m, ws, 4, mid, -2, NN_GRAD_PLAIN, g2, &err) == NN_EINVAL);
    CU_ASSERT(nn_backward(m, ws, 4, mid, -1, (nn_grad_mode)7, g2, &err) == NN_EINVAL);
    nn_workspace_free(ws);
    nn_model_free(m);
    free(x);
    free(r);
    free(g1);
    free(g2);
    free(mid);
}

/* relu (or leaky relu) then a dense layer with weights [1,-1,-1,1]: the
 * signal reaching the rectifier is [1,-1,-1,1], its input [1,-1,2,-2]. */
static void rectifier_modes(nn_layer_type t, const float *plain)
{
    const float w[] = {1, -1, -1, 1}, b[] = {0};
    const float x[] = {1, -1, 2, -2};
    const float deconv[] = {1, 0, 0, 1}, guided[] = {1, 0, 0, 0};
    float grad[4];
    nn_error err = {0};
    nn_model *m = model_new(4, 1, 1);
    nn_workspace *ws;
    add(m, (nn_layer){.type = t, .alpha = 0.1f});
    add_dense(m, 1, w, b, 4);
    finalize_ok(m);
    ws = nn_workspace_new(m, 1);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_PLAIN, grad, &err) == 0);
    assert_all_near(grad, plain, 4, 1e-6);
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_DECONV, grad, &err) == 0);
    assert_all_near(grad, deconv, 4, 1e-6);
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_GUIDED, grad, &err) == 0);
    assert_all_near(grad, guided, 4, 1e-6);
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 1, NN_GRAD_PLAIN, grad, &err) == NN_EINVAL);
    nn_workspace_free(ws);
    nn_model_free(m);
}

static void test_grad_modes(void)
{
    rectifier_modes(NN_RELU, (const float[]){1, 0, -1, 0});
    rectifier_modes(NN_LEAKYRELU, (const float[]){1, -0.1f, -1, 0.1f});
}

/* Modes only change rectifiers: with two ReLUs the rule applies at each. */
static void test_grad_modes_two_relus(void)
{
    /* x (2) -> relu -> dense [[1,-1],[-1,1]] -> relu -> dense [1,2] */
    const float w1[] = {1, -1, -1, 1}, b1[] = {0, 0};
    const float w2[] = {1, 2}, b2[] = {0};
    const float x[] = {2, 1};
    float grad[2];
    nn_error err = {0};
    nn_model *m = model_new(2, 1, 1);
    nn_workspace *ws;
    add_simple(m, NN_RELU);
    add_dense(m, 2, w1, b1, 2);
    add_simple(m, NN_RELU);
    add_dense(m, 1, w2, b2, 2);
    finalize_ok(m);
    ws = nn_workspace_new(m, 1);
    CU_ASSERT_FATAL(ws != NULL);
    /* hidden pre-activations [1, -1], signal at the second relu [1, 2];
     * plain: mask [1, 0] -> [1, 0] -> through w1: [1, -1] -> mask [1, 1] */
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_PLAIN, grad, &err) == 0);
    assert_all_near(grad, (const float[]){1, -1}, 2, 1e-6);
    /* deconv ignores the mask: [1, 2] -> [-1, 1] -> relu on signal: [0, 1] */
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_DECONV, grad, &err) == 0);
    assert_all_near(grad, (const float[]){0, 1}, 2, 1e-6);
    /* guided: mask and sign: [1, 0] -> [1, -1] -> [1, 0] */
    CU_ASSERT(nn_input_gradient(m, ws, x, 1, 0, NN_GRAD_GUIDED, grad, &err) == 0);
    assert_all_near(grad, (const float[]){1, 0}, 2, 1e-6);
    nn_workspace_free(ws);
    nn_model_free(m);
}

/* Max pooling sends the gradient to the first maximum of each window, and
 * overlapping windows add up. */
static void test_maxpool_backward(void)
{
    const float x[] = {1, 5, 5,
                       0, 2, 1,
                       7, 7, 3};
    const float seed[] = {1, 10, 100, 1000};
    float grad[9];
    const float want[] = {0, 11, 0,
                          0, 0, 0,
                          100, 1000, 0};
    nn_error err = {0};
    nn_model *m = model_new(1, 3, 3);
    nn_workspace *ws;
    add_window(m, NN_MAXPOOL2D, 2, 2, 1, 1, 0, 0, 0, 0);
    finalize_ok(m);
    ws = nn_workspace_new(m, 1);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_forward(m, ws, x, 1, NULL, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, 0, seed, -1, NN_GRAD_PLAIN, grad, &err) == 0);
    assert_all_near(grad, want, 9, 0);
    nn_workspace_free(ws);
    nn_model_free(m);
}

/* Average pooling backward divides like its forward. */
static void test_avgpool_backward(void)
{
    const float x[9] = {0};
    const float seed[] = {4, 4, 4, 4};
    float grad[9];
    nn_error err = {0};
    nn_model *m = model_new(1, 3, 3);
    nn_workspace *ws;
    add_window(m, NN_AVGPOOL2D, 2, 2, 2, 2, 1, 1, 0, 0);
    finalize_ok(m);
    ws = nn_workspace_new(m, 1);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_forward(m, ws, x, 1, NULL, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, 0, seed, -1, NN_GRAD_PLAIN, grad, &err) == 0);
    assert_all_near(grad, (const float[]){4, 2, 2, 2, 1, 1, 2, 1, 1}, 9, 1e-6);
    m->layers[0].flags = NN_POOL_COUNT_PAD;
    CU_ASSERT(nn_forward(m, ws, x, 1, NULL, &err) == 0);
    CU_ASSERT(nn_backward(m, ws, 0, seed, -1, NN_GRAD_PLAIN, grad, &err) == 0);
    assert_all_near(grad, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, 1e-6);
    nn_workspace_free(ws);
    nn_model_free(m);
}

/* --- finalize refusing models -------------------------------------------- */

static nn_model *one_dense(float w0)
{
    const float w[] = {w0, 1}, b[] = {0};
    nn_model *m = model_new(2, 1, 1);
    add_dense(m, 1, w, b, 2);
    return m;
}

static void test_reject_nonfinite(void)
{
    nn_error err;
    nn_model *m = one_dense(NAN);
    CU_ASSERT(finalize_code(m, &err) == NN_ENONFINITE);
    CU_ASSERT(err.code == NN_ENONFINITE);
    CU_ASSERT(strstr(err.msg, "layer 0 (dense)") != NULL);
    CU_ASSERT(strstr(err.msg, "weights") != NULL);
    CU_ASSERT(nn_workspace_new(m, 1) == NULL);
    nn_model_free(m);

    m = one_dense(1);
    m->layers[0].b[0] = -INFINITY;
    CU_ASSERT(finalize_code(m, &err) == NN_ENONFINITE);
    CU_ASSERT(strstr(err.msg, "bias") != NULL);
    nn_model_free(m);

    m = one_dense(1);
    add_bn_rand(m, 1);
    m->layers[1].bn_var[0] = NAN;
    CU_ASSERT(finalize_code(m, &err) == NN_ENONFINITE);
    CU_ASSERT(strstr(err.msg, "layer 1 (batchnorm)") != NULL);
    CU_ASSERT(strstr(err.msg, "var") != NULL);
    m->layers[1].bn_var[0] = -1;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    m->layers[1].bn_var[0] = 1;
    CU_ASSERT(finalize_code(m, &err) == 0);
    m->norm_std = fconst(2, 0);
    CU_ASSERT(finalize_code(m, &err) < 0);
    m->norm_std[1] = 1;
    m->norm_std[0] = INFINITY;
    CU_ASSERT(finalize_code(m, &err) == NN_ENONFINITE);
    /* denormal: 1/std overflows, every input normalizes to infinity */
    m->norm_std[0] = 1e-45f;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    CU_ASSERT(strstr(err.msg, "std[0]") != NULL);
    m->norm_std[0] = 1;
    CU_ASSERT(finalize_code(m, &err) == 0);
    nn_model_free(m);
}

static void test_reject_windows(void)
{
    nn_error err;
    nn_model *m = model_new(1, 5, 5);
    nn_layer *c = add_conv_rand(m, 1, 2, 3, 3);
    add_window(m, NN_MAXPOOL2D, 2, 2, 2, 2, 0, 0, 0, 0);
    CU_ASSERT(finalize_code(m, &err) == 0);

    m->layers[1].sh = 0;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    CU_ASSERT(strcmp(err.msg, "layer 1 (maxpool2d): stride must be >= 1") == 0);
    m->layers[1].sh = 2;

    c->sw = 0;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    CU_ASSERT(strcmp(err.msg, "layer 0 (conv2d): stride must be >= 1") == 0);
    CU_ASSERT(m->max_act == 0);
    CU_ASSERT(nn_workspace_new(m, 1) == NULL);
    c->sw = 1;

    c->dh = 0;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    c->dh = 3; /* extent 7 > 5 */
    CU_ASSERT(finalize_code(m, &err) == NN_ESHAPE);
    c->dh = 1;

    m->layers[1].pad_l = 2; /* not smaller than the window */
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    m->layers[1].pad_l = -1;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    m->layers[1].pad_l = 0;

    m->layers[1].kh = 4; /* conv output is 3x3 */
    CU_ASSERT(finalize_code(m, &err) == NN_ESHAPE);
    m->layers[1].kh = 2;

    m->layers[1].dh = 2; /* pooling has no dilation */
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    m->layers[1].dh = 1;

    c->kw = INT32_MAX;
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    c->kw = 3;
    CU_ASSERT(finalize_code(m, &err) == 0);
    nn_model_free(m);
}

static void test_reject_limits(void)
{
    nn_error err;
    nn_model *m = model_new(4, 1, 1);
    nn_layer l = layer(NN_DENSE);
    /* Claims 2^31-1 units and has no weights at all: finalize must refuse
     * it on size alone, before touching a tensor. */
    l.units = INT32_MAX;
    add(m, l);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    CU_ASSERT(strstr(err.msg, "layer 0 (dense)") != NULL);
    nn_model_free(m);

    /* Every dimension within NN_MAX_DIM but the weights too many. */
    m = model_new(1 << 12, 1, 1);
    l = layer(NN_DENSE);
    l.units = 1 << 20;
    add(m, l);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    CU_ASSERT(strstr(err.msg, "weights") != NULL);
    nn_model_free(m);

    /* Convolution weights whose size overflows 32 bits many times over. */
    m = model_new(1 << 20, 1 << 4, 1 << 4);
    l = layer(NN_CONV2D);
    l.units = 1 << 20;
    l.kh = l.kw = 1 << 4;
    add(m, l);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    nn_model_free(m);

    /* A flattened tensor is a dimension too. */
    m = model_new(1 << 11, 1 << 5, 1 << 5);
    add_simple(m, NN_FLATTEN);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    nn_model_free(m);

    /* Pooling windows covering 2^19 x (2^19 + 1) cells in all. */
    m = model_new(1, 1, 1 << 20);
    add_window(m, NN_MAXPOOL2D, 1, 1 << 19, 1, 1, 0, 0, 0, 0);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    CU_ASSERT(strstr(err.msg, "layer 0 (maxpool2d)") != NULL);
    nn_model_free(m);

    m = model_new(1, 1, NN_MAX_DIM + 1);
    add_simple(m, NN_RELU);
    CU_ASSERT(finalize_code(m, &err) == NN_ELIMIT);
    nn_model_free(m);

    m = model_new(0, 1, 1);
    add_simple(m, NN_RELU);
    CU_ASSERT(finalize_code(m, &err) == NN_ESHAPE);
    nn_model_free(m);
}

static void test_reject_structure(void)
{
    nn_error err;
    nn_model *m = model_new(2, 1, 1);
    nn_layer l;
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL); /* no layers */
    l = layer(NN_DENSE);
    l.units = 1;
    l.w = fconst(2, 1);
    add(m, l); /* no bias */
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    CU_ASSERT(strstr(err.msg, "bias missing") != NULL);
    m->layers[0].b = fconst(1, 0);
    CU_ASSERT(finalize_code(m, &err) == 0);
    add(m, (nn_layer){.type = (nn_layer_type)99});
    CU_ASSERT(finalize_code(m, &err) == NN_EINVAL);
    nn_model_free(m);

    m = model_new(2, 1, 1);
    add(m, (nn_layer){.type = NN_LEAKYRELU, .alpha = NAN});
    CU_ASSERT(finalize_code(m, &err) == NN_ENONFINITE);
    nn_model_free(m);
}

static void test_reject_metadata(void)
{
    nn_error err;
    nn_model *m = one_dense(1);
    m->nfeatures = 3;
    m->features = calloc(3, sizeof *m->features);
    CU_ASSERT_FATAL(m->features != NULL);
    CU_ASSERT(finalize_code(m, &err) == NN_ESHAPE);
    CU_ASSERT(strstr(err.msg, "features") != NULL);
    m->nfeatures = 2; /* the spare entry has no name: nothing leaks */
    CU_ASSERT(finalize_code(m, &err) == 0);
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    CU_ASSERT(finalize_code(m, &err) == NN_ESHAPE);
    m->nclasses = 1;
    CU_ASSERT(finalize_code(m, &err) == 0);
    nn_model_free(m);
}

/* A layer checked on its own, as model readers do before reading tensors:
 * the same checks as finalize, messages without a layer index. */
static void test_layer_output_shape(void)
{
    nn_error err = {0};
    nn_shape out = {0, 0, 0};
    nn_layer l = layer(NN_CONV2D);
    l.units = 4;
    l.kh = l.kw = 3;
    l.sh = 2;
    l.pad_t = l.pad_b = 1;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){2, 5, 7}, &out, &err) == 0);
    CU_ASSERT(out.c == 4 && out.h == 3 && out.w == 5);
    l.sw = 0;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){2, 5, 7}, &out, &err) == NN_EINVAL);
    CU_ASSERT(strcmp(err.msg, "conv2d: stride must be >= 1") == 0);
    l.sw = 1;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){2, 0, 7}, &out, &err) == NN_ESHAPE);
    /* width 1 and no padding on the sides: a 3-wide window does not fit */
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){2, 5, 1}, &out, &err) == NN_ESHAPE);
    l = layer(NN_DENSE);
    l.units = INT32_MAX;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){3, 1, 1}, &out, &err) == NN_ELIMIT);
    l.units = 1 << 20;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){1 << 12, 1, 1}, &out, &err) == NN_ELIMIT);
    l.units = 7;
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){3, 2, 2}, &out, &err) == 0);
    CU_ASSERT(out.c == 7 && out.h == 1 && out.w == 1);
    l = layer(NN_FLATTEN);
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){3, 2, 2}, &out, &err) == 0);
    CU_ASSERT(out.c == 12 && out.h == 1 && out.w == 1);
    l = layer((nn_layer_type)0);
    CU_ASSERT(nn_layer_output_shape(&l, (nn_shape){3, 2, 2}, &out, &err) == NN_EINVAL);
    CU_ASSERT(nn_layer_output_shape(NULL, (nn_shape){3, 2, 2}, &out, &err) == NN_EINVAL);
}

static void test_add_layer_limit(void)
{
    nn_model *m = model_new(1, 1, 1);
    nn_layer l = layer(NN_RELU);
    for (int i = 0; i < NN_MAX_LAYERS; i++)
        CU_ASSERT_FATAL(nn_model_add_layer(m, &l) != NULL);
    /* one too many: refused, and its tensors freed (ASan checks) */
    l.w = fconst(3, 1);
    CU_ASSERT(nn_model_add_layer(m, &l) == NULL);
    CU_ASSERT(m->nlayers == NN_MAX_LAYERS);
    CU_ASSERT(nn_model_finalize(m, NULL) == 0);
    nn_model_free(m);
}

/* --- batches and chunks -------------------------------------------------- */

static void test_batch_equals_single(void)
{
    const int n = 7;
    nn_model *m = conv_net();
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    float *x, *out, one[16];
    rng_seed(77);
    x = frand(insz * n, -2, 2);
    out = malloc(outsz * n * sizeof *out);
    CU_ASSERT_FATAL(out && outsz <= 16);
    run(m, x, n, out);
    for (int j = 0; j < n; j++) {
        run(m, x + j * insz, 1, one);
        assert_all_near(out + j * outsz, one, outsz, 1e-6);
    }
    free(x);
    free(out);
    nn_model_free(m);
}

static void test_chunks(void)
{
    const int n = 8;
    nn_model *m = conv_net();
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    float *x, *out, *ref, *grad, *gref;
    nn_error err = {0};
    nn_workspace *ws = nn_workspace_new(m, 3);
    rng_seed(78);
    x = frand(insz * n, -2, 2);
    out = malloc(outsz * n * sizeof *out);
    ref = malloc(outsz * n * sizeof *ref);
    grad = malloc(insz * n * sizeof *grad);
    gref = malloc(insz * n * sizeof *gref);
    CU_ASSERT_FATAL(ws && out && ref && grad && gref);
    run(m, x, n, ref);
    CU_ASSERT(nn_forward(m, ws, x, n, out, &err) == 0);
    assert_all_near(out, ref, outsz * n, 1e-6);
    CU_ASSERT(nn_workspace_batch(ws) == n);
    CU_ASSERT(nn_activation(ws, 0) == NULL);
    CU_ASSERT(nn_activation(ws, -1) == NULL);
    CU_ASSERT(nn_backward(m, ws, m->nlayers - 1, out, -1, NN_GRAD_PLAIN, grad,
                          &err) == NN_EINVAL);
    /* a batch that fits brings the activations back */
    CU_ASSERT(nn_forward(m, ws, x, 3, out, &err) == 0);
    CU_ASSERT(nn_activation(ws, 0) != NULL);
    CU_ASSERT(nn_workspace_batch(ws) == 3);

    /* the input gradient runs in chunks too */
    CU_ASSERT(nn_input_gradient(m, ws, x, n, 2, NN_GRAD_GUIDED, grad, &err) == 0);
    for (int j = 0; j < n; j++) {
        nn_workspace *one = nn_workspace_new(m, 1);
        CU_ASSERT_FATAL(one != NULL);
        CU_ASSERT(nn_input_gradient(m, one, x + j * insz, 1, 2, NN_GRAD_GUIDED,
                                    gref + j * insz, &err) == 0);
        nn_workspace_free(one);
    }
    assert_all_near(grad, gref, insz * n, 1e-6);
    nn_workspace_free(ws);
    free(x);
    free(out);
    free(ref);
    free(grad);
    free(gref);
    nn_model_free(m);
}

static void test_workspace_mismatch(void)
{
    nn_model *a = one_dense(1), *b = one_dense(2);
    const float x[] = {1, 1};
    float out[1];
    nn_error err = {0};
    nn_workspace *ws;
    finalize_ok(a);
    finalize_ok(b);
    ws = nn_workspace_new(a, 1);
    CU_ASSERT_FATAL(ws != NULL);
    CU_ASSERT(nn_workspace_batch(ws) == 0);
    CU_ASSERT(nn_activation(ws, 0) == NULL);
    CU_ASSERT(nn_forward(b, ws, x, 1, out, &err) == NN_EINVAL);
    CU_ASSERT(nn_forward(a, ws, x, 0, out, &err) == NN_EINVAL);
    CU_ASSERT(nn_forward(a, ws, x, 1, out, &err) == 0);
    ASSERT_NEAR(out[0], 2, 1e-6);
    CU_ASSERT(nn_workspace_new(a, 0) == NULL);
    nn_workspace_free(ws);
    nn_model_free(a);
    nn_model_free(b);
}

/* --- small queries -------------------------------------------------------- */

static void test_queries(void)
{
    static const char *names[] = {NULL, "dense", "conv2d", "maxpool2d",
                                  "avgpool2d", "globalavgpool", "flatten",
                                  "relu", "leakyrelu", "sigmoid", "tanh",
                                  "softmax", "batchnorm", "dropout"};
    nn_model *m;
    size_t n[4];
    nn_layer l;
    for (int t = NN_DENSE; t < NN_LAYER_TYPE_END; t++)
        CU_ASSERT(strcmp(nn_layer_type_name((nn_layer_type)t), names[t]) == 0);
    CU_ASSERT(strcmp(nn_layer_type_name((nn_layer_type)0), "unknown") == 0);
    CU_ASSERT(strcmp(nn_strerror(NN_OK), "success") == 0);
    for (int c = NN_ENONFINITE; c < 0; c++)
        CU_ASSERT(strcmp(nn_strerror(c), "unknown error") != 0);
    CU_ASSERT(strcmp(nn_strerror(-100), "unknown error") == 0);

    CU_ASSERT(nn_argmax((const float[]){1, 3, 3, 2}, 4) == 1);
    CU_ASSERT(nn_argmax((const float[]){-1}, 1) == 0);

    l = layer(NN_CONV2D);
    l.units = 4;
    l.kh = 3;
    l.kw = 2;
    CU_ASSERT(nn_layer_tensor_sizes(&l, (nn_shape){5, 9, 9}, n) == 2);
    CU_ASSERT(n[0] == 4 * 5 * 3 * 2 && n[1] == 4);
    l = layer(NN_BATCHNORM);
    CU_ASSERT(nn_layer_tensor_sizes(&l, (nn_shape){6, 2, 2}, n) == 4);
    CU_ASSERT(n[0] == 6 && n[3] == 6);
    l = layer(NN_RELU);
    CU_ASSERT(nn_layer_tensor_sizes(&l, (nn_shape){6, 2, 2}, n) == 0);
    l = layer(NN_DENSE);
    l.units = 3;
    CU_ASSERT(nn_layer_tensor_sizes(&l, (nn_shape){2, 5, 7}, n) == 2);
    CU_ASSERT(n[0] == 3 * 70 && n[1] == 3);

    m = conv_net();
    CU_ASSERT(nn_model_input_size(m) == 84);
    CU_ASSERT(nn_model_output_size(m) == 3);
    CU_ASSERT(nn_layer_size(m, -1) == 84);
    CU_ASSERT(nn_layer_size(m, 3) == 36);
    CU_ASSERT(nn_layer_size(m, 8) == 32);
    CU_ASSERT(nn_layer_size(m, m->nlayers) == 0);
    /* conv 3*2*9+3, bn 3+3, conv 4*3*4+4, dense 5*32+5, dense 3*5+3 */
    CU_ASSERT(nn_model_param_count(m) == 57 + 6 + 52 + 165 + 18);
    CU_ASSERT(nn_shape_size((nn_shape){2, 3, 4}) == 24);
    CU_ASSERT(nn_shape_size((nn_shape){2, -3, 4}) == 0);
    nn_model_free(m);
    nn_model_free(NULL);
}

/* Batches sized by memory: the largest batch whose workspace fits, at
 * least one; and activations out of proportion to the model refused. */
static void test_memory_budget(void)
{
    nn_model *m = conv_net(), *big;
    nn_layer *l;
    nn_error err;
    size_t ten = nn_workspace_bytes(m, 10);
    CU_ASSERT(ten > nn_workspace_bytes(m, 9) && ten < nn_workspace_bytes(m, 11));
    CU_ASSERT_EQUAL(nn_batch_within(m, 1000, ten), 10);
    CU_ASSERT_EQUAL(nn_batch_within(m, 1000, ten - 1), 9);
    CU_ASSERT_EQUAL(nn_batch_within(m, 5, ten), 5);
    CU_ASSERT_EQUAL(nn_batch_within(m, 1000, 1), 1);
    CU_ASSERT_EQUAL(nn_workspace_bytes(m, 0), SIZE_MAX);
    nn_model_free(m);
    /* four weights, dilated and padded into 4001 x 4001 outputs */
    big = model_new(1, 1, 1);
    l = add_conv_rand(big, 1, 1, 2, 2);
    l->dh = l->dw = 4000;
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = 4000;
    CU_ASSERT_EQUAL(nn_model_finalize(big, &err), NN_ELIMIT);
    CU_ASSERT(strstr(err.msg, "out of all proportion") != NULL);
    /* the same with a tenth of the padding is in proportion */
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = 400;
    l->dh = l->dw = 400;
    CU_ASSERT_EQUAL(nn_model_finalize(big, &err), 0);
    nn_model_free(big);
}

/* The input gradients that saliency maps are made of, on every bundled
 * example network (dense, convolutional with batch norm and max pooling,
 * global average pooling), against central differences of the
 * double-precision reference at points away from every kink. */
static void test_grad_input_examples(void)
{
    static const char *const paths[] = {"examples/iris/model.bin", "examples/wdbc/model.bin",
                                        "examples/vote/model.bin", "examples/digits/model.bin",
                                        "examples/fashion/model.bin"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        const int n = 1;
        nn_model *m = NULL;
        nn_workspace *ws;
        nn_error nerr = {0};
        nr_error err;
        size_t insz, outsz;
        float *x = NULL, *r, *grad;
        int found = 0, softmax;
        nr_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(nr_model_read(paths[i], &m, &err), 0);
        /* the scores saliency maps differentiate: the logits, not a
         * softmax that saturates on trained networks */
        softmax = m->layers[m->nlayers - 1].type == NN_SOFTMAX;
        m->nlayers -= softmax;
        insz = nn_model_input_size(m);
        outsz = nn_model_output_size(m);
        rng_seed(101 + (uint32_t)i);
        r = frand(outsz * n, -1, 1);
        grad = malloc(insz * n * sizeof *grad);
        ws = nn_workspace_new(m, n);
        CU_ASSERT_FATAL(ws && grad);
        /* inputs across each feature's declared range, away from kinks */
        for (int attempt = 0; attempt < 1000 && !found; attempt++) {
            free(x);
            x = frand(insz * n, 0, 1);
            for (size_t k = 0; k < insz * n; k++) {
                const nn_feature *f = &m->features[k % insz];
                x[k] = f->min + x[k] * (f->max - f->min);
            }
            CU_ASSERT_FATAL(nn_forward(m, ws, x, n, NULL, &nerr) == 0);
            /* hundreds of rectifiers, some of them small: a margin of
             * 1e-4 with steps of 1e-5 (and check_gradient checks that no
             * step crosses a kink) */
            found = kink_margin(m, ws, n) >= 1e-4;
        }
        if (!found)
            fprintf(stderr, "\n  %s: no input away from the kinks", paths[i]);
        CU_ASSERT_FATAL(found);
        CU_ASSERT_FATAL(nn_backward(m, ws, m->nlayers - 1, r, -1, NN_GRAD_PLAIN, grad, &nerr) == 0);
        check_gradient(m, x, n, r, grad, 1e-5);
        m->nlayers += softmax;
        nn_workspace_free(ws);
        free(x);
        free(r);
        free(grad);
        nn_model_free(m);
    }
}

static const cutest tests[] = {
    {"backward: input gradient of every example network", test_grad_input_examples},
    {"dense", test_dense},
    {"conv stride and asymmetric padding", test_conv_stride_pad},
    {"conv dilation", test_conv_dilation},
    {"conv against a direct reference", test_conv_reference},
    {"maxpool padding is -inf", test_maxpool_padding},
    {"maxpool overlapping windows", test_maxpool_overlap},
    {"avgpool with and without count_pad", test_avgpool_count_pad},
    {"globalavgpool and flatten", test_globalavgpool_flatten},
    {"element-wise activations", test_activations},
    {"softmax", test_softmax},
    {"batchnorm", test_batchnorm},
    {"input normalization", test_normalization},
    {"non-finite input refused", test_nonfinite_input},
    {"gradient wrt input, conv net", test_grad_input_convnet},
    {"gradient wrt input, gap net", test_grad_input_gapnet},
    {"gradient wrt input, wide conv net", test_grad_input_widenet},
    {"gradient wrt intermediate layers", test_grad_intermediate},
    {"gradient in two steps", test_grad_chain},
    {"deconv and guided modes", test_grad_modes},
    {"deconv and guided through two relus", test_grad_modes_two_relus},
    {"maxpool backward", test_maxpool_backward},
    {"avgpool backward", test_avgpool_backward},
    {"finalize: non-finite values", test_reject_nonfinite},
    {"finalize: windows and strides", test_reject_windows},
    {"finalize: size limits", test_reject_limits},
    {"finalize: structure", test_reject_structure},
    {"finalize: metadata", test_reject_metadata},
    {"one layer checked on its own", test_layer_output_shape},
    {"layer count limit", test_add_layer_limit},
    {"batched forward equals one by one", test_batch_equals_single},
    {"forward and gradient in chunks", test_chunks},
    {"workspace misuse", test_workspace_mismatch},
    {"queries", test_queries},
    {"memory: batches within a budget, activations in proportion", test_memory_budget},
    {NULL, NULL},
};

CUTEST_MAIN("runtime", tests)
