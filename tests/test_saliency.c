/*
 * test_saliency.c - saliency maps: Grad-CAM against CAM on a network of
 * CAM's form (a known identity), the folding of gradient maps, SmoothGrad
 * with no noise, the refusals, and the CSV and PNG forms.
 */
#include "cutest.h"

#include "model_io.h"
#include "saliency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static nn_model *load(const char *path)
{
    nn_model *m = NULL;
    nr_error err;
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_model_read(path, &m, &err), 0);
    return m;
}

/* A digit-like input: pixels 0..16 from a fixed pattern. */
static void digit(float *x, int seed)
{
    for (int k = 0; k < 64; k++)
        x[k] = (float)((k * 7 + seed * 13) % 17);
}

/* The digits CNN ends in ReLU maps, global average pooling, one dense
 * layer: Grad-CAM on those maps is ReLU(CAM) / (h * w), whatever the
 * class. */
static void test_gradcam_is_cam(void)
{
    nn_model *m = load("examples/digits/model.bin");
    nr_sal_opts o;
    nr_error err;
    float x[64];
    nr_sal_opts_default(&o);
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 10; k += 3) {
            nr_salmap cam, gc;
            double top = 0;
            digit(x, s);
            nr_error_clear(&err);
            CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, k, NR_SAL_CAM, &o, &cam, &err), 0);
            CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, k, NR_SAL_GRADCAM, &o, &gc, &err), 0);
            CU_ASSERT_EQUAL(cam.h, 4);
            CU_ASSERT_EQUAL(cam.w, 4);
            CU_ASSERT_EQUAL(gc.h, 4);
            CU_ASSERT_EQUAL(gc.layer, cam.layer);
            CU_ASSERT_EQUAL(gc.klass, k);
            for (int p = 0; p < 16; p++)
                top = fmax(top, fabs(cam.v[p]));
            for (int p = 0; p < 16; p++)
                CU_ASSERT(fabs(gc.v[p] - fmax(cam.v[p], 0) / 16) <= 1e-5 * top);
            nr_salmap_free(&cam);
            nr_salmap_free(&gc);
        }
    nn_model_free(m);
}

/* gradient is |gradient-x-input / input| where the input is not 0;
 * smoothgrad without noise is the gradient; guided-gradcam is guided
 * times Grad-CAM upsampled, so it is 0 where either is. */
static void test_gradient_maps(void)
{
    nn_model *m = load("examples/digits/model.bin");
    nr_sal_opts o;
    nr_error err;
    nr_salmap g, gx, sg;
    float x[64];
    nr_sal_opts_default(&o);
    o.noise = 0;
    o.samples = 3;
    digit(x, 1);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, -1, NR_SAL_GRADIENT, &o, &g, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, -1, NR_SAL_GRADIENT_X_INPUT, &o, &gx, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, -1, NR_SAL_SMOOTHGRAD, &o, &sg, &err), 0);
    CU_ASSERT(g.h == 8 && g.w == 8 && gx.h == 8 && sg.w == 8);
    for (int p = 0; p < 64; p++) {
        CU_ASSERT(g.v[p] >= 0);
        if (x[p] != 0)
            CU_ASSERT(fabs(fabs(gx.v[p] / x[p]) - g.v[p]) <= 1e-6 * (g.v[p] + 1e-12) + 1e-12);
        CU_ASSERT(fabs(sg.v[p] - g.v[p]) <= 1e-5 * (g.v[p] + 1e-9));
    }
    nr_salmap_free(&g);
    nr_salmap_free(&gx);
    nr_salmap_free(&sg);
    nn_model_free(m);
}

/* A tabular network: one value per feature; no CAM, no Grad-CAM, no PNG. */
static void test_tabular_and_refusals(void)
{
    nn_model *m = load("examples/wdbc/model.bin");
    nr_sal_opts o;
    nr_error err;
    nr_salmap s;
    float x[30];
    char *buf = NULL;
    size_t len;
    nr_sal_opts_default(&o);
    for (int k = 0; k < 30; k++)
        x[k] = m->features[k].min + 0.3f * (m->features[k].max - m->features[k].min);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, 0, NR_SAL_GUIDED, &o, &s, &err), 0);
    CU_ASSERT(s.h == 1 && s.w == 30);
    CU_ASSERT(nr_salmap_png(m, &s, 1, x, &buf, &len, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not an image"));
    CU_ASSERT_EQUAL(nr_salmap_csv(&s, &buf, &len, &err), 0);
    CU_ASSERT(len > 0 && buf[len - 1] == '\n' && memchr(buf, '\n', len) == buf + len - 1);
    free(buf);
    nr_salmap_free(&s);
    CU_ASSERT(nr_saliency(m, x, 0, NR_SAL_CAM, &o, &s, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "global average pooling"));
    CU_ASSERT(nr_saliency(m, x, 0, NR_SAL_GRADCAM, &o, &s, &err) < 0);
    CU_ASSERT(nr_saliency(m, x, 7, NR_SAL_GRADIENT, &o, &s, &err) < 0);
    x[3] = NAN;
    CU_ASSERT(nr_saliency(m, x, 0, NR_SAL_GRADIENT, &o, &s, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not finite"));
    nn_model_free(m);
}

/* The PNG: its signature and size (the 8x8 input scaled by 32, and the
 * colour scale beside it); the CSV: one line per grid row. */
static void test_outputs(void)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    nn_model *m = load("examples/digits/model.bin");
    nr_error err;
    nr_salmap s;
    float x[64];
    char *buf = NULL;
    size_t len = 0;
    int lines = 0;
    digit(x, 2);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x, -1, NR_SAL_CAM, NULL, &s, &err), 0);
    CU_ASSERT_EQUAL_FATAL(nr_salmap_png(m, &s, 0, x, &buf, &len, &err), 0);
    CU_ASSERT_FATAL(len > 24);
    CU_ASSERT_EQUAL(memcmp(buf, sig, 8), 0);
    /* IHDR: width and height, big-endian, at 16 and 20 */
    CU_ASSERT_EQUAL(((unsigned char)buf[18] << 8) | (unsigned char)buf[19], 256 + 6 + 14);
    CU_ASSERT_EQUAL(((unsigned char)buf[22] << 8) | (unsigned char)buf[23], 256);
    free(buf);
    CU_ASSERT_EQUAL_FATAL(nr_salmap_csv(&s, &buf, &len, &err), 0);
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    CU_ASSERT_EQUAL(lines, 4);
    free(buf);
    nr_salmap_free(&s);
    nn_model_free(m);
}

/* The gradient, deconvnet and guided maps of the digits CNN against
 * PyTorch's autograd with the same weights (examples/digits/saliency.txt,
 * written by examples/digits/saliency_ref.py), to 1e-4 of each map's
 * largest value. */
static void test_against_pytorch(void)
{
    nn_model *m = load("examples/digits/model.bin");
    FILE *ref = fopen("examples/digits/saliency.txt", "r"), *data = fopen("examples/digits/test.csv", "r");
    float rows[10][64];
    int nrows, nmethods, npix, checked = 0;
    char line[4096];
    CU_ASSERT_FATAL(ref && data);
    CU_ASSERT_FATAL(fgets(line, sizeof line, data) != NULL); /* the header */
    for (int r = 0; r < 10; r++) {
        for (int k = 0; k < 64; k++)
            CU_ASSERT_FATAL(fscanf(data, "%f,", &rows[r][k]) == 1);
        CU_ASSERT_FATAL(fgets(line, sizeof line, data) != NULL); /* the class */
    }
    CU_ASSERT_FATAL(fscanf(ref, "%d %d %d", &nrows, &nmethods, &npix) == 3);
    CU_ASSERT_FATAL(nrows == 10 && npix == 64);
    for (int i = 0; i < nrows * nmethods; i++) {
        int row, klass;
        char method[32];
        double want[64], top = 0;
        nr_salmap s;
        nr_error err;
        CU_ASSERT_FATAL(fscanf(ref, "%d %d %31s", &row, &klass, method) == 3);
        for (int k = 0; k < 64; k++)
            CU_ASSERT_FATAL(fscanf(ref, "%lf", &want[k]) == 1);
        nr_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(nr_saliency(m, rows[row - 1], -1, nr_sal_method_by_name(method), NULL, &s, &err), 0);
        CU_ASSERT_EQUAL(s.klass, klass);
        for (int k = 0; k < 64; k++)
            top = fmax(top, fabs(want[k]));
        for (int k = 0; k < 64; k++)
            if (fabs(s.v[k] - want[k]) > 1e-4 * top) {
                CU_FAIL("a map differs from PyTorch's");
                fprintf(stderr, "\n  row %d %s [%d]: %.9g, PyTorch %.9g", row, method, k, s.v[k], want[k]);
                break;
            }
        checked++;
        nr_salmap_free(&s);
    }
    CU_ASSERT_EQUAL(checked, 30);
    fclose(ref);
    fclose(data);
    nn_model_free(m);
}

/* Batched maps are the maps of each row (to float rounding of a batched
 * product), for every gradient method. */
static void test_many(void)
{
    nn_model *m = load("examples/digits/model.bin");
    static const nr_sal_method meths[] = {NR_SAL_GRADIENT, NR_SAL_GRADIENT_X_INPUT, NR_SAL_DECONVNET,
                                          NR_SAL_GUIDED, NR_SAL_GRADCAM};
    float x[7 * 64];
    nr_error err;
    for (int r = 0; r < 7; r++)
        digit(x + r * 64, r);
    for (size_t k = 0; k < sizeof meths / sizeof *meths; k++) {
        nr_salmap many[7];
        nr_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(nr_saliency_many(m, x, 7, -1, meths[k], NULL, many, &err), 0);
        for (int r = 0; r < 7; r++) {
            nr_salmap one;
            double top = 0;
            CU_ASSERT_EQUAL_FATAL(nr_saliency(m, x + r * 64, -1, meths[k], NULL, &one, &err), 0);
            CU_ASSERT(one.h == many[r].h && one.w == many[r].w && one.klass == many[r].klass);
            for (int p = 0; p < one.h * one.w; p++)
                top = fmax(top, fabs(one.v[p]));
            for (int p = 0; p < one.h * one.w; p++)
                CU_ASSERT(fabs(one.v[p] - many[r].v[p]) <= 1e-5 * top);
            nr_salmap_free(&one);
            nr_salmap_free(&many[r]);
        }
    }
    x[3 * 64 + 5] = NAN;
    {
        nr_salmap many[7];
        CU_ASSERT(nr_saliency_many(m, x, 7, -1, NR_SAL_GUIDED, NULL, many, &err) < 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "row 4: input value 6 is not finite"));
    }
    nn_model_free(m);
}

static const cutest tests[] = {
    {"many rows at once", test_many},
    {"gradient, deconvnet, guided against PyTorch", test_against_pytorch},
    {"Grad-CAM on CAM's form is ReLU(CAM) / area", test_gradcam_is_cam},
    {"gradient, gradient x input, smoothgrad", test_gradient_maps},
    {"tabular maps and refusals", test_tabular_and_refusals},
    {"PNG and CSV", test_outputs},
    {NULL, NULL},
};

CUTEST_MAIN("saliency", tests)
