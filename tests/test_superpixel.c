/*
 * test_superpixel.c - superpixels (src/superpixel.c) and LIME for images
 * (src/lime_image.c): SLIC never straddles a sharp boundary between two
 * flat regions, every segment is one connected region and the labels
 * cover every pixel; grid shapes; off segments filled with their mean;
 * and, end to end, a small CNN whose output reads only the top-left 4x4
 * pixels: its weights recovered exactly, and the top superpixel in that
 * corner.  Quickshift: two flat halves give two segments split at the
 * boundary, a flat image one, labels in raster order with their sizes and
 * boxes, the same every time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "lime.h"
#include "lime_image.h"
#include "nn.h"
#include "superpixel.h"

/* Labels in 0..n-1, every label used, sizes and boxes consistent, every
 * segment 4-connected. */
static void check_segments(const nr_segments *s)
{
    int hw = s->h * s->w, total = 0;
    int *seen = calloc((size_t)hw, sizeof *seen), *stack = malloc(sizeof *stack * (size_t)hw);
    CU_ASSERT_FATAL(seen && stack);
    for (int p = 0; p < hw; p++)
        CU_ASSERT_FATAL(s->label[p] >= 0 && s->label[p] < s->n);
    for (int k = 0; k < s->n; k++) {
        int first = -1, top = 0, reached = 0;
        CU_ASSERT(s->size[k] > 0);
        total += s->size[k];
        for (int p = 0; p < hw && first < 0; p++)
            if (s->label[p] == k)
                first = p;
        CU_ASSERT_FATAL(first >= 0);
        /* flood from the first pixel: it must reach the whole segment */
        seen[first] = 1;
        stack[top++] = first;
        while (top > 0) {
            int q = stack[--top], y = q / s->w, x = q % s->w;
            int nb[4] = {x > 0 ? q - 1 : -1, x < s->w - 1 ? q + 1 : -1, y > 0 ? q - s->w : -1,
                         y < s->h - 1 ? q + s->w : -1};
            reached++;
            CU_ASSERT(x >= s->x0[k] && x <= s->x1[k] && y >= s->y0[k] && y <= s->y1[k]);
            for (int t = 0; t < 4; t++)
                if (nb[t] >= 0 && !seen[nb[t]] && s->label[nb[t]] == k) {
                    seen[nb[t]] = 1;
                    stack[top++] = nb[t];
                }
        }
        CU_ASSERT_EQUAL(reached, s->size[k]);
    }
    CU_ASSERT_EQUAL(total, hw);
    free(seen);
    free(stack);
}

/* n values in [0, 10) from xorshift64 seeded with r: the same every run */
static void noise(float *img, int n, unsigned long long r)
{
    for (int i = 0; i < n; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        img[i] = (float)(r % 1000) / 100;
    }
}

static void test_defaults(void)
{
    CU_ASSERT_EQUAL(nr_segments_default(8, 8), 16);
    CU_ASSERT_EQUAL(nr_segments_default(28, 28), 49);
    CU_ASSERT_EQUAL(nr_segments_default(224, 224), 100);
    CU_ASSERT_EQUAL(nr_segments_default(4, 4), 4);
    CU_ASSERT_EQUAL(nr_segments_default(1, 2), 1);
}

/* Two flat regions split by a diagonal, and a vertical one. */
static void test_slic_boundary(void)
{
    enum { H = 24, W = 30 };
    float img[H * W];
    nr_error err;
    for (int shape = 0; shape < 2; shape++) {
        for (int nseg = 4; nseg <= 64; nseg *= 2) {
            nr_segments s;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    img[y * W + x] = (shape ? x < 13 : x + y < 27) ? 0.2f : 0.9f;
            CU_ASSERT_FATAL(nr_slic(img, 1, H, W, nseg, NR_SLIC_COMPACTNESS, &s, &err) == 0);
            CU_ASSERT(s.h == H && s.w == W && s.n >= 2);
            check_segments(&s);
            /* no segment holds both intensities */
            for (int p = 0; p < H * W; p++)
                for (int q = p + 1; q < H * W; q++)
                    if (s.label[p] == s.label[q] && img[p] != img[q]) {
                        CU_FAIL("a segment straddles the boundary");
                        p = q = H * W;
                    }
            nr_segments_free(&s);
        }
    }
}

/* Noise: SLIC must still give connected segments covering the image, the
 * same ones every time, and colour images work. */
static void test_slic_noise(void)
{
    enum { H = 20, W = 17, C = 3 };
    float img[C * H * W];
    nr_segments a, b;
    nr_error err;
    noise(img, C * H * W, 12345);
    CU_ASSERT_FATAL(nr_slic(img, C, H, W, 25, 0.5, &a, &err) == 0);
    CU_ASSERT_FATAL(nr_slic(img, C, H, W, 25, 0.5, &b, &err) == 0);
    check_segments(&a);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT(memcmp(a.label, b.label, sizeof *a.label * H * W) == 0);
    nr_segments_free(&a);
    nr_segments_free(&b);
    /* a flat image; one pixel */
    memset(img, 0, sizeof img);
    CU_ASSERT_FATAL(nr_slic(img, 1, H, W, 10, 0.1, &a, &err) == 0);
    check_segments(&a);
    nr_segments_free(&a);
    CU_ASSERT_FATAL(nr_slic(img, 1, 1, 1, 10, 0.1, &a, &err) == 0);
    CU_ASSERT_EQUAL(a.n, 1);
    nr_segments_free(&a);
    img[3] = NAN;
    CU_ASSERT(nr_slic(img, 1, H, W, 10, 0.1, &a, &err) == NR_EINVAL);
}

static void test_grid(void)
{
    nr_segments s;
    nr_error err;
    CU_ASSERT_FATAL(nr_grid_segments(8, 8, 16, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 16);
    check_segments(&s);
    for (int k = 0; k < 16; k++) {
        CU_ASSERT_EQUAL(s.size[k], 4);
        CU_ASSERT_EQUAL(s.x1[k] - s.x0[k], 1);
        CU_ASSERT_EQUAL(s.y1[k] - s.y0[k], 1);
        CU_ASSERT_EQUAL(s.x0[k], 2 * (k % 4));
        CU_ASSERT_EQUAL(s.y0[k], 2 * (k / 4));
    }
    nr_segments_free(&s);
    /* 10 x 7 into about 6: 3 rows of 2 */
    CU_ASSERT_FATAL(nr_grid_segments(10, 7, 6, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 6);
    check_segments(&s);
    CU_ASSERT_EQUAL(s.y0[2], 4); /* rows 0-3, 4-6, 7-9 */
    CU_ASSERT_EQUAL(s.x0[1], 4); /* columns 0-3, 4-6 */
    nr_segments_free(&s);
    /* more segments than pixels: one a pixel */
    CU_ASSERT_FATAL(nr_grid_segments(3, 2, 100, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 6);
    check_segments(&s);
    nr_segments_free(&s);
    CU_ASSERT(nr_grid_segments(0, 2, 4, &s, &err) == NR_EINVAL);
}

/* Off segments take their mean, per channel; on ones keep their pixels. */
static void test_fill(void)
{
    enum { H = 4, W = 4, C = 2 };
    float img[C * H * W], out[C * H * W], means[4 * C];
    const unsigned char on[4] = {1, 0, 1, 0};
    nr_segments s;
    nr_error err;
    for (int i = 0; i < C * H * W; i++)
        img[i] = (float)(i * 7 % 11);
    CU_ASSERT_FATAL(nr_grid_segments(H, W, 4, &s, &err) == 0);
    CU_ASSERT_FATAL(nr_segments_means(img, C, &s, means, &err) == 0);
    nr_segments_fill(img, C, &s, on, means, out);
    for (int c = 0; c < C; c++)
        for (int k = 0; k < 4; k++) {
            double sum = 0;
            int n = 0;
            for (int p = 0; p < H * W; p++)
                if (s.label[p] == k) {
                    sum += img[c * H * W + p];
                    n++;
                }
            CU_ASSERT_DOUBLE_EQUAL(means[k * C + c], sum / n, 1e-6);
            for (int p = 0; p < H * W; p++)
                if (s.label[p] == k)
                    CU_ASSERT_EQUAL(out[c * H * W + p], on[k] ? img[c * H * W + p] : means[k * C + c]);
        }
    nr_segments_free(&s);
}

static float *copyf(const float *v, size_t n)
{
    float *p = malloc(n * sizeof *p);
    memcpy(p, v, n * sizeof *p);
    return p;
}

/* Input 1x8x8, a 1x1 convolution (times 2), then a dense layer that reads
 * only the top-left 4x4 pixels: y = 2 * their sum. */
static nn_model *corner_model(void)
{
    nn_model *m = nn_model_new();
    nn_layer conv = {.type = NN_CONV2D, .units = 1, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1};
    nn_layer flat = {.type = NN_FLATTEN};
    nn_layer dense = {.type = NN_DENSE, .units = 1};
    const float two = 2, zero = 0;
    float w[64] = {0};
    nn_error e = {0};
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            w[y * 8 + x] = 1;
    m->input = (nn_shape){1, 8, 8};
    m->task = NN_TASK_REGRESS;
    conv.w = copyf(&two, 1);
    conv.b = copyf(&zero, 1);
    dense.w = copyf(w, 64);
    dense.b = copyf(&zero, 1);
    nn_model_add_layer(m, &conv);
    nn_model_add_layer(m, &flat);
    nn_model_add_layer(m, &dense);
    CU_ASSERT_FATAL(nn_model_finalize(m, &e) == 0);
    return m;
}

static void test_corner_cnn(void)
{
    nn_model *m = corner_model();
    float x[64];
    nr_lime_opts o;
    nr_lime_image_opts io;
    nr_segments s;
    nr_lime_result r, r2;
    nr_error err;
    /* a bright corner on a dim ground, with some texture */
    for (int p = 0; p < 64; p++)
        x[p] = (p / 8 < 4 && p % 8 < 4 ? 1.0f : 0.3f) + 0.01f * (float)(p % 3);
    CU_ASSERT(nr_lime_is_image(m));
    nr_lime_opts_default(&o);
    nr_lime_image_opts_default(&io);
    o.samples = 1000;
    io.fill_mean = 0;
    io.fill = 0;

    /* grid, every segment fitted without a penalty: the weights are 2 * each
     * segment's sum over the corner, exactly (the model is linear in the
     * on/off vector) */
    io.segmenter = NR_SEG_GRID;
    io.segments = 16;
    o.select = NR_LIME_ALL;
    o.alpha = 0;
    CU_ASSERT_FATAL(nr_lime_image_segment(m, x, &io, &s, &err) == 0);
    CU_ASSERT_FATAL(nr_lime_explain_image(m, x, &s, &io, -1, &o, 7, 1, &r, &err) == 0);
    CU_ASSERT_EQUAL(r.nexpl, 1);
    CU_ASSERT_EQUAL(r.expl[0].nterms, 16);
    CU_ASSERT_DOUBLE_EQUAL(r.expl[0].r2, 1, 1e-6);
    for (int t = 0; t < r.expl[0].nterms; t++) {
        int k = r.expl[0].feature[t];
        double want = 0;
        for (int p = 0; p < 64; p++)
            if (s.label[p] == k && p / 8 < 4 && p % 8 < 4)
                want += 2 * x[p];
        CU_ASSERT_DOUBLE_EQUAL(r.expl[0].weight[t], want, 1e-4);
    }
    /* the same seed, the same explanation */
    CU_ASSERT_FATAL(nr_lime_explain_image(m, x, &s, &io, -1, &o, 7, 1, &r2, &err) == 0);
    CU_ASSERT(memcmp(r.expl[0].weight, r2.expl[0].weight, sizeof(double) * 16) == 0);
    nr_lime_result_free(&r);
    nr_lime_result_free(&r2);
    nr_segments_free(&s);

    /* SLIC with the defaults: the top superpixel lies in the corner */
    nr_lime_opts_default(&o);
    o.samples = 1000;
    nr_lime_image_opts_default(&io);
    io.fill_mean = 0;
    CU_ASSERT_FATAL(nr_lime_image_segment(m, x, &io, &s, &err) == 0);
    check_segments(&s);
    CU_ASSERT_FATAL(nr_lime_explain_image(m, x, &s, &io, -1, &o, 1, 1, &r, &err) == 0);
    CU_ASSERT_FATAL(r.expl[0].nterms > 0);
    {
        int k = r.expl[0].feature[0];
        CU_ASSERT(r.expl[0].weight[0] > 0);
        CU_ASSERT(s.x1[k] < 4 && s.y1[k] < 4);
    }
    /* what is outside the corner weighs (next to) nothing */
    for (int t = 0; t < r.expl[0].nterms; t++) {
        int k = r.expl[0].feature[t];
        if (s.x0[k] >= 4 || s.y0[k] >= 4)
            CU_ASSERT(fabs(r.expl[0].weight[t]) < 0.1 * r.expl[0].weight[0]);
    }
    nr_lime_result_free(&r);
    nr_segments_free(&s);
    nn_model_free(m);
}

/* Labels in 0..n-1 numbered in the raster order of each segment's first
 * pixel, sizes and boxes those of the labels (a quickshift segment need
 * not be connected). */
static void check_labels(const nr_segments *s)
{
    int hw = s->h * s->w, next = 0, total = 0;
    for (int p = 0; p < hw; p++) {
        CU_ASSERT_FATAL(s->label[p] >= 0 && s->label[p] <= next && s->label[p] < s->n);
        if (s->label[p] == next)
            next++;
    }
    CU_ASSERT_EQUAL(next, s->n);
    for (int k = 0; k < s->n; k++) {
        int size = 0, x0 = s->w, y0 = s->h, x1 = -1, y1 = -1;
        for (int p = 0; p < hw; p++)
            if (s->label[p] == k) {
                int y = p / s->w, x = p % s->w;
                size++;
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
                x1 = x > x1 ? x : x1;
                y1 = y > y1 ? y : y1;
            }
        CU_ASSERT_EQUAL(s->size[k], size);
        CU_ASSERT(s->x0[k] == x0 && s->y0[k] == y0 && s->x1[k] == x1 && s->y1[k] == y1);
        total += size;
    }
    CU_ASSERT_EQUAL(total, hw);
}

/* Two flat halves: one segment each, split at the boundary, when the
 * intensity step (ratio 0.2 of 0..100: 20) is longer than max_dist; one
 * segment when it is not. */
static void test_quickshift_halves(void)
{
    enum { H = 20, W = 20 };
    float img[H * W];
    nr_segments s;
    nr_error err;
    for (int p = 0; p < H * W; p++)
        img[p] = p % W < 10 ? 0 : 1;
    for (double ks = 1; ks <= 4; ks *= 2) {
        CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, ks, 10, NR_QS_RATIO, &s, &err) == 0);
        CU_ASSERT_EQUAL_FATAL(s.n, 2);
        check_labels(&s);
        for (int p = 0; p < H * W; p++)
            CU_ASSERT_EQUAL(s.label[p], p % W < 10 ? 0 : 1);
        CU_ASSERT(s.size[0] == 200 && s.size[1] == 200);
        CU_ASSERT(s.x0[0] == 0 && s.y0[0] == 0 && s.x1[0] == 9 && s.y1[0] == 19);
        CU_ASSERT(s.x0[1] == 10 && s.y0[1] == 0 && s.x1[1] == 19 && s.y1[1] == 19);
        nr_segments_free(&s);
    }
    /* other units, the same segments: the colour is scaled by the image's range */
    for (int p = 0; p < H * W; p++)
        img[p] = p % W < 10 ? -3000 : 5000;
    CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, NR_QS_KERNEL_SIZE, 10, NR_QS_RATIO, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 2);
    nr_segments_free(&s);
    /* extreme parameters: no NaN (inf * 0) on the way */
    CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, 1e300, 1e300, 1e300, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 2);
    check_labels(&s);
    nr_segments_free(&s);
    CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, 1e-300, 1e300, 1e-300, &s, &err) == 0);
    check_labels(&s);
    nr_segments_free(&s);
    /* the defaults (max_dist 200) link across the step */
    CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, NR_QS_KERNEL_SIZE, NR_QS_MAX_DIST, NR_QS_RATIO, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 1);
    check_labels(&s);
    nr_segments_free(&s);
}

/* A flat image is one segment, also when it is larger than the window:
 * its pixels of equal density rank by raster index, so it has one peak. */
static void test_quickshift_flat(void)
{
    enum { H = 40, W = 37 };
    float img[H * W];
    nr_segments s;
    nr_error err;
    for (int p = 0; p < H * W; p++)
        img[p] = 0.5f;
    for (double ks = 0.5; ks <= 8; ks *= 2) {
        CU_ASSERT_FATAL(nr_quickshift(img, 1, H, W, ks, 2, NR_QS_RATIO, &s, &err) == 0);
        CU_ASSERT_EQUAL(s.n, 1);
        check_labels(&s);
        CU_ASSERT(s.x0[0] == 0 && s.y0[0] == 0 && s.x1[0] == W - 1 && s.y1[0] == H - 1);
        nr_segments_free(&s);
    }
    /* a max_dist shorter than a pixel links nothing */
    CU_ASSERT_FATAL(nr_quickshift(img, 1, 3, 4, 1, 0.5, NR_QS_RATIO, &s, &err) == 0);
    CU_ASSERT_EQUAL(s.n, 12);
    check_labels(&s);
    nr_segments_free(&s);
    CU_ASSERT_FATAL(nr_quickshift(img, 1, 1, 1, 4, 200, 0.2, &s, &err) == 0);
    CU_ASSERT(s.n == 1 && s.size[0] == 1);
    nr_segments_free(&s);
}

/* Noise in three channels: valid labels, the same every time; bad
 * parameters and pixels refused. */
static void test_quickshift_noise(void)
{
    enum { H = 24, W = 19, C = 3 };
    float img[C * H * W];
    nr_segments a, b;
    nr_error err;
    noise(img, C * H * W, 987654321);
    CU_ASSERT_FATAL(nr_quickshift(img, C, H, W, 1.5, 8, 0.5, &a, &err) == 0);
    CU_ASSERT_FATAL(nr_quickshift(img, C, H, W, 1.5, 8, 0.5, &b, &err) == 0);
    check_labels(&a);
    CU_ASSERT(a.n > 1);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT(memcmp(a.label, b.label, sizeof *a.label * H * W) == 0);
    nr_segments_free(&a);
    nr_segments_free(&b);
    CU_ASSERT_FATAL(nr_quickshift(img, C, H, W, NR_QS_KERNEL_SIZE, NR_QS_MAX_DIST, NR_QS_RATIO, &a, &err) == 0);
    check_labels(&a);
    nr_segments_free(&a);
    CU_ASSERT(nr_quickshift(img, C, H, W, 0, 10, 0.2, &a, &err) == NR_EINVAL);
    CU_ASSERT(nr_quickshift(img, C, H, W, 4, -1, 0.2, &a, &err) == NR_EINVAL);
    CU_ASSERT(nr_quickshift(img, C, H, W, 4, 10, NAN, &a, &err) == NR_EINVAL);
    CU_ASSERT(nr_quickshift(img, C, H, W, INFINITY, 10, 0.2, &a, &err) == NR_EINVAL);
    CU_ASSERT(nr_quickshift(img, C, 0, W, 4, 10, 0.2, &a, &err) == NR_EINVAL);
    img[5] = NAN;
    CU_ASSERT(nr_quickshift(img, C, H, W, 4, 10, 0.2, &a, &err) == NR_EINVAL);
    CU_ASSERT(a.label == NULL);
}

/* Through LIME's segmenter: the bright corner of the corner CNN's image
 * is never in a segment with the dim ground. */
static void test_quickshift_lime(void)
{
    nn_model *m = corner_model();
    float x[64];
    nr_lime_image_opts io;
    nr_segments s;
    nr_error err;
    for (int p = 0; p < 64; p++)
        x[p] = (p / 8 < 4 && p % 8 < 4 ? 1.0f : 0.3f) + 0.01f * (float)(p % 3);
    nr_lime_image_opts_default(&io);
    CU_ASSERT_EQUAL(io.segmenter, NR_SEG_SLIC);
    io.segmenter = NR_SEG_QUICKSHIFT;
    io.kernel_size = 1;
    io.max_dist = 10;
    CU_ASSERT_FATAL(nr_lime_image_segment(m, x, &io, &s, &err) == 0);
    check_labels(&s);
    CU_ASSERT(s.n >= 2);
    for (int p = 0; p < 64; p++)
        for (int q = 0; q < 64; q++)
            if (s.label[p] == s.label[q] && (p / 8 < 4 && p % 8 < 4) != (q / 8 < 4 && q % 8 < 4)) {
                CU_FAIL("a quickshift segment holds corner and ground");
                p = q = 64;
            }
    nr_segments_free(&s);
    nn_model_free(m);
}

static const cutest tests[] = {
    {"default numbers of segments", test_defaults},
    {"SLIC never straddles a sharp boundary", test_slic_boundary},
    {"SLIC on noise: connected, deterministic", test_slic_noise},
    {"grid shapes", test_grid},
    {"off segments filled with their mean", test_fill},
    {"a CNN reading one corner: LIME finds it", test_corner_cnn},
    {"quickshift: two flat halves, two segments", test_quickshift_halves},
    {"quickshift: a flat image, one segment", test_quickshift_flat},
    {"quickshift on noise: valid, deterministic", test_quickshift_noise},
    {"quickshift through LIME's segmenter", test_quickshift_lime},
    {NULL, NULL},
};

CUTEST_MAIN("superpixel", tests)
