/*
 * test_lime.c - LIME and SP-LIME (src/lime.c): quartiles against hand-computed
 * ones, the weighted ridge against its closed form, exact recovery of a
 * model that is linear in its inputs, the submodular pick on a hand-made
 * matrix, seeding, and awkward data (constant features, missing cells).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cutest.h"
#include "lime.h"
#include "nn.h"

static float *copyf(const float *v, size_t n)
{
    float *p = malloc(n * sizeof *p);
    memcpy(p, v, n * sizeof *p);
    return p;
}

/* One dense layer y = W x + b, no activation: exactly linear. */
static nn_model *linear_model(int nin, int nout, const float *w, const float *b, nn_task task)
{
    nn_model *m = nn_model_new();
    nn_layer l = {.type = NN_DENSE, .units = nout};
    nn_error e = {0};
    m->input = (nn_shape){nin, 1, 1};
    m->task = task;
    l.w = copyf(w, (size_t)nin * nout);
    l.b = copyf(b, (size_t)nout);
    nn_model_add_layer(m, &l);
    CU_ASSERT_FATAL(nn_model_finalize(m, &e) == 0);
    return m;
}

static void test_percentile(void)
{
    const float odd[] = {1, 2, 3, 4, 10}, even[] = {1, 2, 3, 4};
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(odd, 5, 25), 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(odd, 5, 50), 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(odd, 5, 75), 4, 1e-12);
    /* positions 0.75, 1.5, 2.25 between order statistics */
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(even, 4, 25), 1.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(even, 4, 50), 2.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(even, 4, 75), 3.25, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(even, 4, 100), 4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(nr_lime_percentile(even, 1, 30), 1, 1e-12);
}

/* Three columns: 1..8 (with a missing cell), a constant, and 0/1. */
static void test_bins(void)
{
    float x[9 * 3];
    nr_dataset d;
    nr_lime *l = NULL;
    nr_error err;
    const float w[3] = {1, 1, 1}, b[1] = {0};
    nn_model *m = linear_model(3, 1, w, b, NN_TASK_REGRESS);
    for (int i = 0; i < 9; i++) {
        x[i * 3] = i < 8 ? (float)(i + 1) : NAN;
        x[i * 3 + 1] = 7;
        x[i * 3 + 2] = (float)(i % 2);
    }
    memset(&d, 0, sizeof d);
    d.path = "t.csv";
    d.nrows = 9;
    d.ncols = 3;
    d.x = x;
    CU_ASSERT_FATAL(nr_lime_new(m, &d, NR_LIME_QUARTILE, &l, &err) == 0);
    /* 1..8: quartiles at positions 1.75, 3.5, 5.25: 2.75, 4.5, 6.25 */
    CU_ASSERT_EQUAL(l->f[0].nbins, 4);
    CU_ASSERT_EQUAL(l->f[0].edges[0], 2.75f);
    CU_ASSERT_EQUAL(l->f[0].edges[1], 4.5f);
    CU_ASSERT_EQUAL(l->f[0].edges[2], 6.25f);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].freq[0], 0.25, 1e-12); /* 1, 2 */
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].bmean[0], 1.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].bsd[0], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].lo[0], 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].hi[3], 8, 1e-12);
    CU_ASSERT_EQUAL(nr_lime_bin(l, 0, 2.75f), 0);
    CU_ASSERT_EQUAL(nr_lime_bin(l, 0, 2.76f), 1);
    CU_ASSERT_EQUAL(nr_lime_bin(l, 0, 100), 3);
    CU_ASSERT(l->f[0].usable);
    /* the constant: one distinct cut, every row in its first bin */
    CU_ASSERT_FALSE(l->f[1].usable);
    /* 0/1: quartiles 0, 0 or 1, 1: distinct cuts, two bins used */
    CU_ASSERT(l->f[2].usable);
    nr_lime_free(l);

    /* none: mean and population sd */
    CU_ASSERT_FATAL(nr_lime_new(m, &d, NR_LIME_NONE, &l, &err) == 0);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].mean, 4.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l->f[0].sd, sqrt(5.25), 1e-12);
    CU_ASSERT_FALSE(l->f[1].usable);
    nr_lime_free(l);
    /* entropy needs a classifier */
    CU_ASSERT_EQUAL(nr_lime_new(m, &d, NR_LIME_ENTROPY, &l, &err), NR_EUNSUP);
    nn_model_free(m);
}

static void test_ridge(void)
{
    /* one column: b = sum w (x - xbar)(y - ybar) / (sum w (x - xbar)^2 + alpha) */
    const double x1[] = {0, 1, 2, 3, 5}, y[] = {1, 2, 2, 5, 4}, w[] = {1, 0.5, 2, 1, 0.25};
    double sw = 0, xb = 0, yb = 0, sxy = 0, sxx = 0, coef[2], icpt;
    nr_error err;
    for (int i = 0; i < 5; i++) {
        sw += w[i];
        xb += w[i] * x1[i];
        yb += w[i] * y[i];
    }
    xb /= sw;
    yb /= sw;
    for (int i = 0; i < 5; i++) {
        sxy += w[i] * (x1[i] - xb) * (y[i] - yb);
        sxx += w[i] * (x1[i] - xb) * (x1[i] - xb);
    }
    CU_ASSERT_FATAL(nr_lime_ridge(x1, y, w, 5, 1, 1.0, coef, &icpt, &err) == 0);
    CU_ASSERT_DOUBLE_EQUAL(coef[0], sxy / (sxx + 1), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(icpt, yb - coef[0] * xb, 1e-12);
    /* two columns, by Cramer's rule on the centered weighted system */
    {
        const double X[] = {0, 1, 1, 0, 2, 2, 3, 1, 5, 7};
        double m0 = 0, m1 = 0, a = 0, bb = 0, c = 0, r0 = 0, r1 = 0, det, b0, b1;
        for (int i = 0; i < 5; i++) {
            m0 += w[i] * X[2 * i];
            m1 += w[i] * X[2 * i + 1];
        }
        m0 /= sw;
        m1 /= sw;
        for (int i = 0; i < 5; i++) {
            double u = X[2 * i] - m0, v = X[2 * i + 1] - m1;
            a += w[i] * u * u;
            bb += w[i] * u * v;
            c += w[i] * v * v;
            r0 += w[i] * u * (y[i] - yb);
            r1 += w[i] * v * (y[i] - yb);
        }
        a += 0.5;
        c += 0.5;
        det = a * c - bb * bb;
        b0 = (r0 * c - bb * r1) / det;
        b1 = (a * r1 - bb * r0) / det;
        CU_ASSERT_FATAL(nr_lime_ridge(X, y, w, 5, 2, 0.5, coef, &icpt, &err) == 0);
        CU_ASSERT_DOUBLE_EQUAL(coef[0], b0, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(coef[1], b1, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(icpt, yb - b0 * m0 - b1 * m1, 1e-12);
    }
}

/* Training rows of three features on different scales. */
static nr_dataset train3(float *x, int n)
{
    nr_dataset d;
    uint32_t s = 12345;
    for (int i = 0; i < n * 3; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) / 16777216.0);
    }
    for (int i = 0; i < n; i++) {
        x[i * 3] *= 10;
        x[i * 3 + 1] = 2 * x[i * 3 + 1] - 1;
        x[i * 3 + 2] = 100 + 50 * x[i * 3 + 2];
    }
    memset(&d, 0, sizeof d);
    d.path = "train.csv";
    d.nrows = n;
    d.ncols = 3;
    d.x = x;
    return d;
}

static void test_linear_recovered(void)
{
    static float x[300 * 3];
    const float w[6] = {0.5f, -2, 0.03f, 1.25f, 0.75f, -0.02f}, b[2] = {0.1f, -3};
    const float inst[3] = {4, 0.2f, 130};
    nr_dataset d = train3(x, 300);
    nr_lime *l = NULL;
    nr_lime_opts o;
    nr_lime_result res;
    nr_error err;
    nn_model *cm = linear_model(3, 2, w, b, NN_TASK_CLASSIFY), *rm = linear_model(3, 1, w, b, NN_TASK_REGRESS);
    nr_lime_opts_default(&o);
    o.discretizer = NR_LIME_NONE;
    o.alpha = 0; /* ridge's penalty shrinks the weights; without it, they are exact */
    CU_ASSERT_FATAL(nr_lime_new(cm, &d, NR_LIME_NONE, &l, &err) == 0);
    /* the score of class 1 */
    CU_ASSERT_FATAL(nr_lime_explain(l, cm, inst, 1, &o, 7, 0, &res, &err) == 0);
    CU_ASSERT_EQUAL_FATAL(res.nexpl, 1);
    CU_ASSERT_EQUAL(res.expl[0].klass, 1);
    CU_ASSERT_EQUAL_FATAL(res.expl[0].nterms, 3);
    for (int t = 0; t < 3; t++)
        CU_ASSERT_DOUBLE_EQUAL(res.expl[0].weight[t], w[3 + res.expl[0].feature[t]], 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(res.expl[0].intercept, b[1], 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(res.expl[0].r2, 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(res.expl[0].local_pred, res.expl[0].model_pred, 1e-4);
    /* largest standardized effect first: 0.75 * sd(x2 in [-1, 1]) < 1.25 * sd(x1 in [0, 10]) */
    CU_ASSERT_EQUAL(res.expl[0].feature[0], 0);
    nr_lime_result_free(&res);
    /* a regression output */
    CU_ASSERT_FATAL(nr_lime_explain(l, rm, inst, -1, &o, 7, 0, &res, &err) == 0);
    CU_ASSERT_EQUAL(res.expl[0].klass, -1);
    for (int t = 0; t < res.expl[0].nterms; t++)
        CU_ASSERT_DOUBLE_EQUAL(res.expl[0].weight[t], w[res.expl[0].feature[t]], 1e-6);
    nr_lime_result_free(&res);
    /* with alpha 1, shrunk a little but close */
    o.alpha = 1;
    CU_ASSERT_FATAL(nr_lime_explain(l, rm, inst, -1, &o, 7, 0, &res, &err) == 0);
    for (int t = 0; t < res.expl[0].nterms; t++)
        CU_ASSERT_DOUBLE_EQUAL(res.expl[0].weight[t], w[res.expl[0].feature[t]],
                               0.01 * fabs(w[res.expl[0].feature[t]]));
    nr_lime_result_free(&res);
    nr_lime_free(l);
    nn_model_free(cm);
    nn_model_free(rm);
}

static int same_result(const nr_lime_result *a, const nr_lime_result *b)
{
    if (a->nexpl != b->nexpl)
        return 0;
    for (int e = 0; e < a->nexpl; e++) {
        const nr_lime_expl *x = &a->expl[e], *y = &b->expl[e];
        if (x->nterms != y->nterms || x->intercept != y->intercept || x->r2 != y->r2)
            return 0;
        for (int t = 0; t < x->nterms; t++)
            if (x->feature[t] != y->feature[t] || x->weight[t] != y->weight[t] || x->bin[t] != y->bin[t])
                return 0;
    }
    return 1;
}

static void test_seeded_and_selection(void)
{
    static float x[300 * 3];
    const float w[6] = {0.5f, -2, 0.03f, 1.25f, 0.75f, -0.02f}, b[2] = {0.1f, -3};
    const float inst[3] = {4, 0.2f, 130};
    nr_dataset d = train3(x, 300);
    nr_lime *l = NULL;
    nr_lime_opts o;
    nr_lime_result r1, r2, r3;
    nr_error err;
    nn_model *m = linear_model(3, 2, w, b, NN_TASK_CLASSIFY);
    nr_lime_opts_default(&o);
    CU_ASSERT_FATAL(nr_lime_new(m, &d, NR_LIME_QUARTILE, &l, &err) == 0);
    CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, -1, &o, 1, 5, &r1, &err) == 0);
    CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, -1, &o, 1, 5, &r2, &err) == 0);
    CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, -1, &o, 1, 6, &r3, &err) == 0);
    CU_ASSERT(same_result(&r1, &r2));
    CU_ASSERT_FALSE(same_result(&r1, &r3));
    /* the top label at the instance: class 0 scores 2 - 0.4 + 3.9 + 0.1 */
    CU_ASSERT_EQUAL(r1.expl[0].klass, 0);
    for (int t = 0; t < r1.expl[0].nterms; t++)
        CU_ASSERT_EQUAL(r1.expl[0].bin[t], nr_lime_bin(l, r1.expl[0].feature[t], inst[r1.expl[0].feature[t]]));
    nr_lime_result_free(&r1);
    nr_lime_result_free(&r2);
    nr_lime_result_free(&r3);
    /* every selection keeps at most K; top labels gives one per class */
    for (int s = NR_LIME_AUTO; s <= NR_LIME_ALL; s++) {
        o.select = s;
        o.features_max = 2;
        o.top_labels = 2;
        CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, -1, &o, 1, 5, &r1, &err) == 0);
        CU_ASSERT_EQUAL(r1.nexpl, 2);
        CU_ASSERT(r1.expl[0].nterms <= (s == NR_LIME_ALL ? 3 : 2));
        CU_ASSERT(s == NR_LIME_LASSO || r1.expl[0].nterms >= 2);
        CU_ASSERT(r1.expl[0].klass != r1.expl[1].klass);
        nr_lime_result_free(&r1);
    }
    /* forward selection finds what matters most for class 0: x1 (0.5 times sd 2.9; x2: 2 times 0.58) */
    o.select = NR_LIME_FORWARD;
    o.features_max = 1;
    o.top_labels = 1;
    o.discretizer = NR_LIME_NONE;
    nr_lime_free(l);
    CU_ASSERT_FATAL(nr_lime_new(m, &d, NR_LIME_NONE, &l, &err) == 0);
    CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, 0, &o, 1, 5, &r1, &err) == 0);
    CU_ASSERT_EQUAL(r1.expl[0].nterms, 1);
    CU_ASSERT_EQUAL(r1.expl[0].feature[0], 0);
    nr_lime_result_free(&r1);
    /* a missing value in the instance is refused */
    {
        float bad[3] = {1, NAN, 3};
        CU_ASSERT_EQUAL(nr_lime_explain(l, m, bad, 0, &o, 1, 5, &r1, &err), NR_EINVAL);
        nr_lime_result_free(&r1);
    }
    nr_lime_free(l);
    nn_model_free(m);
}

static void test_pick(void)
{
    /* importance: sqrt(2), sqrt(2), sqrt(1.25) */
    const double W[] = {1, 0, 0, 0, 1, 1, 1, -1, 0, 0, 0, 0.25};
    int picked[4];
    double covered, total;
    nr_error err;
    CU_ASSERT_FATAL(nr_lime_pick_matrix(W, 4, 3, 3, picked, &covered, &total, &err) == 0);
    /* row 2 covers columns 0 and 1; then rows 1 and 3 tie for column 2: the earlier */
    CU_ASSERT_EQUAL(picked[0], 2);
    CU_ASSERT_EQUAL(picked[1], 1);
    CU_ASSERT_EQUAL(picked[2], 0);
    CU_ASSERT_DOUBLE_EQUAL(total, 2 * sqrt(2) + sqrt(1.25), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(covered, total, 1e-12);
    CU_ASSERT_FATAL(nr_lime_pick_matrix(W, 4, 3, 1, picked, &covered, &total, &err) == 0);
    CU_ASSERT_DOUBLE_EQUAL(covered, 2 * sqrt(2), 1e-12);
    /* more than there are: every row */
    CU_ASSERT_FATAL(nr_lime_pick_matrix(W, 4, 3, 9, picked, &covered, &total, &err) == 0);
    CU_ASSERT_EQUAL(picked[3], 3);
}

static void test_instance_and_rows(void)
{
    const float w[6] = {1, 1, 1, 1, 1, 1}, b[2] = {0, 0};
    nn_model *m = linear_model(3, 2, w, b, NN_TASK_CLASSIFY);
    const char *names[] = {"a", "b", "c"};
    float x[3] = {9, 9, 9};
    int out[5];
    nr_error err;
    m->nfeatures = 3;
    m->features = calloc(3, sizeof *m->features);
    for (int j = 0; j < 3; j++)
        m->features[j].name = strdup(names[j]);
    CU_ASSERT(nr_lime_parse_instance(m, "b=2.5", x, &err) == 0);
    CU_ASSERT(x[0] == 9 && x[1] == 2.5f && x[2] == 9);
    CU_ASSERT(nr_lime_parse_instance(m, "1,2,3", x, &err) == 0);
    CU_ASSERT(x[0] == 1 && x[1] == 2 && x[2] == 3);
    CU_ASSERT(nr_lime_parse_instance(m, "1,2", x, &err) < 0);
    CU_ASSERT(nr_lime_parse_instance(m, "d=1", x, &err) < 0);
    CU_ASSERT(nr_lime_parse_instance(m, "a=nan", x, &err) < 0);
    CU_ASSERT(nr_lime_parse_instance(m, "a=1,2", x, &err) < 0);
    CU_ASSERT_EQUAL(nr_lime_sample_rows(10, 5, 1, out, &err), 5);
    for (int i = 1; i < 5; i++)
        CU_ASSERT(out[i] > out[i - 1]);
    nn_model_free(m);
}

/* Packed 0/1 rows fit to the last bit as the same rows in doubles, over
 * two words a row (70 columns, the bits past them set), for every
 * selection, several classes. */
static void test_fit_bits(void)
{
    enum { N = 400, D = 70, NOUT = 3, WORDS = 2 };
    static double Z[N * D];
    static uint64_t bits[N * WORDS];
    static double w[N];
    static float out[N * NOUT];
    uint32_t s = 777;
    nr_lime_opts o;
    nr_error err;
    memset(bits, 0, sizeof bits);
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < D; k++) {
            s = s * 1664525u + 1013904223u;
            /* row 0 the instance: every column 1; then about a third */
            Z[i * D + k] = i == 0 || (s >> 8) % 3 == 0;
            if (Z[i * D + k] != 0)
                bits[i * WORDS + k / 64] |= (uint64_t)1 << (k % 64);
        }
        /* the bits past column D are not entries: set, they change nothing */
        bits[i * WORDS + 1] |= ~(((uint64_t)1 << (D - 64)) - 1);
        s = s * 1664525u + 1013904223u;
        w[i] = 0.05 + (s >> 8) / 16777216.0;
        for (int c = 0; c < NOUT; c++) {
            double v = 0.1 * c;
            for (int k = c; k < D; k += 7)
                v += (0.3 + 0.01 * k) * Z[i * D + k];
            s = s * 1664525u + 1013904223u;
            out[i * NOUT + c] = (float)(v + 0.2 * ((s >> 8) / 16777216.0));
        }
    }
    nr_lime_opts_default(&o);
    o.top_labels = 2;
    for (int sel = NR_LIME_AUTO; sel <= NR_LIME_ALL; sel++)
        for (int K = 3; K <= 12; K += 9) {
            nr_lime_result a, b;
            o.select = sel;
            o.features_max = K;
            CU_ASSERT_FATAL(nr_lime_fit(Z, w, out, N, D, NOUT, 1, -1, &o, &a, &err) == 0);
            CU_ASSERT_FATAL(nr_lime_fit_bits(bits, WORDS, w, out, N, D, NOUT, 1, -1, &o, &b, &err) == 0);
            CU_ASSERT(same_result(&a, &b));
            CU_ASSERT_EQUAL_FATAL(a.nexpl, 2);
            for (int e = 0; e < a.nexpl; e++) {
                CU_ASSERT(a.expl[e].nterms > 0);
                CU_ASSERT(a.expl[e].local_pred == b.expl[e].local_pred);
                CU_ASSERT(a.expl[e].model_pred == b.expl[e].model_pred);
            }
            nr_lime_result_free(&a);
            nr_lime_result_free(&b);
        }
}

/* The tabular samples drawn as before the sampling loop was made faster:
 * a network that returns x0 exactly (on any BLAS), explained with bins and
 * without; the numbers are those of the row-by-row implementation
 * (tolerance for libm's last bits). */
static void test_samples_pinned(void)
{
    static float x[300 * 3];
    const float w[3] = {1, 0, 0}, b[1] = {0}, inst[3] = {4, 0.2f, 130};
    nr_dataset d = train3(x, 300);
    nn_model *m = linear_model(3, 1, w, b, NN_TASK_REGRESS);
    const struct {
        int disc;
        double intercept, r2, weight[3];
        int feature[3], bin[3];
    } want[] = {
        {NR_LIME_QUARTILE, 5.5986521838358563, 0.072504791754536502,
         {-1.5026188166348289, 0.12091831139288066, 0.069587689749654208}, {0, 1, 2}, {1, 2, 2}},
        {NR_LIME_DECILE, 5.1996088047635016, 0.034121096838670484,
         {-1.3337995168951913, 0.078650176296285679, 0.067954765094427327}, {0, 2, 1}, {3, 6, 5}},
        {NR_LIME_NONE, 0.016955353686641444, 0.9999880822410131,
         {0.99654772001109526, -3.3173575004009996e-06, 6.7134347891782749e-05}, {0, 2, 1}, {-1, -1, -1}},
    };
    for (size_t c = 0; c < sizeof want / sizeof want[0]; c++) {
        nr_lime *l = NULL;
        nr_lime_opts o;
        nr_lime_result r;
        nr_error err;
        nr_lime_opts_default(&o);
        o.discretizer = want[c].disc;
        o.samples = 1000;
        CU_ASSERT_FATAL(nr_lime_new(m, &d, want[c].disc, &l, &err) == 0);
        CU_ASSERT_FATAL(nr_lime_explain(l, m, inst, -1, &o, 1, 5, &r, &err) == 0);
        CU_ASSERT_EQUAL_FATAL(r.expl[0].nterms, 3);
        CU_ASSERT_DOUBLE_EQUAL(r.expl[0].intercept, want[c].intercept, 1e-9 * fabs(want[c].intercept));
        CU_ASSERT_DOUBLE_EQUAL(r.expl[0].r2, want[c].r2, 1e-9 * want[c].r2);
        for (int t = 0; t < 3; t++) {
            CU_ASSERT_EQUAL(r.expl[0].feature[t], want[c].feature[t]);
            CU_ASSERT_EQUAL(r.expl[0].bin[t], want[c].bin[t]);
            CU_ASSERT_DOUBLE_EQUAL(r.expl[0].weight[t], want[c].weight[t], 1e-9 * fabs(want[c].weight[t]));
        }
        nr_lime_result_free(&r);
        nr_lime_free(l);
    }
    nn_model_free(m);
}

static const cutest tests[] = {
    {"percentiles as numpy's", test_percentile},
    {"quartile bins, constant and missing cells", test_bins},
    {"weighted ridge against its closed form", test_ridge},
    {"a linear model's weights recovered", test_linear_recovered},
    {"seeded; selections; top labels", test_seeded_and_selection},
    {"SP-LIME pick on a hand-made matrix", test_pick},
    {"--instance and row sampling", test_instance_and_rows},
    {"packed 0/1 rows fit as dense ones, to the bit", test_fit_bits},
    {"tabular samples as drawn row by row", test_samples_pinned},
    {NULL, NULL},
};

CUTEST_MAIN("lime", tests)
