/*
 * mknet.c - writes small networks with a known answer, and data for them,
 * for the CLI tests: what the extractors must find is known exactly.
 *
 * usage: mknet xor OUTDIR
 *
 * xor: five inputs x1..x5 in [0, 1]; the network answers "yes" exactly
 * when (x1 > 0.5) XOR (x2 > 0.5), up to a band of width about 0.05 around
 * each threshold; x3..x5 are noise it ignores.  Writes OUTDIR/xor.bin,
 * OUTDIR/xor-train.csv (1,000 rows) and OUTDIR/xor-test.csv (500 rows), the
 * label column being the network's own answer.  No input has a main effect,
 * which is what defeats greedy split selection with a gain penalty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_io.h"
#include "nn.h"

static uint32_t rng = 2463534242u;

static float urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)((rng >> 8) * (1.0 / 16777216.0));
}

static float *copy(const float *v, size_t n)
{
    float *p = malloc(n * sizeof *p);
    if (p)
        memcpy(p, v, n * sizeof *p);
    return p;
}

static void dense(nn_model *m, int units, const float *w, size_t nw, const float *b)
{
    nn_layer l = {.type = NN_DENSE, .units = units};
    l.w = copy(w, nw);
    l.b = copy(b, (size_t)units);
    nn_model_add_layer(m, &l);
}

static void act(nn_model *m, nn_layer_type t)
{
    nn_layer l = {.type = t};
    nn_model_add_layer(m, &l);
}

static int write_rows(const char *dir, const char *name, const nn_model *m, int n)
{
    char path[4096];
    nn_workspace *ws = nn_workspace_new(m, 1);
    nn_error err = {0};
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!ws || !(f = fopen(path, "w")))
        return -1;
    fprintf(f, "x1,x2,x3,x4,x5,label\n");
    for (int i = 0; i < n; i++) {
        float x[5], out[2];
        for (int k = 0; k < 5; k++)
            x[k] = urand();
        if (nn_forward(m, ws, x, 1, out, &err) < 0)
            return -1;
        fprintf(f, "%.4f,%.4f,%.4f,%.4f,%.4f,%s\n", x[0], x[1], x[2], x[3], x[4],
                out[1] > out[0] ? "yes" : "no");
    }
    nn_workspace_free(ws);
    return fclose(f);
}

static int xor_net(const char *dir)
{
    /* h1, h2: steep steps at x1 = 0.5 and x2 = 0.5 */
    static const float w1[10] = {60, 0, 0, 0, 0, 0, 60, 0, 0, 0}, b1[2] = {-30, -30};
    /* OR and AND of the two steps */
    static const float w2[4] = {20, 20, 20, 20}, b2[2] = {-10, -30};
    /* yes = OR and not AND */
    static const float w3[4] = {0, 0, 10, -10}, b3[2] = {0, -5};
    static const char *names[5] = {"x1", "x2", "x3", "x4", "x5"};
    char path[4096];
    nn_model *m = nn_model_new();
    nn_error nerr = {0};
    nr_error err;
    if (!m)
        return -1;
    m->input = (nn_shape){5, 1, 1};
    dense(m, 2, w1, 10, b1);
    act(m, NN_SIGMOID);
    dense(m, 2, w2, 4, b2);
    act(m, NN_SIGMOID);
    dense(m, 2, w3, 4, b3);
    act(m, NN_SOFTMAX);
    m->nfeatures = 5;
    m->features = calloc(5, sizeof *m->features);
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    if (!m->features || !m->class_names)
        return -1;
    for (int k = 0; k < 5; k++) {
        m->features[k].name = strdup(names[k]);
        m->features[k].type = NN_FEAT_CONTINUOUS;
        m->features[k].group = -1;
        m->features[k].min = 0;
        m->features[k].max = 1;
    }
    m->class_names[0] = strdup("no");
    m->class_names[1] = strdup("yes");
    m->description = strdup("(x1 > 0.5) XOR (x2 > 0.5); x3..x5 are noise");
    if (nn_model_finalize(m, &nerr) < 0) {
        fprintf(stderr, "mknet: %s\n", nerr.msg);
        return -1;
    }
    snprintf(path, sizeof path, "%s/xor.bin", dir);
    nr_error_clear(&err);
    if (nr_model_write(path, m, &err) < 0) {
        fprintf(stderr, "mknet: %s\n", err.msg);
        return -1;
    }
    if (write_rows(dir, "xor-train.csv", m, 1000) < 0 || write_rows(dir, "xor-test.csv", m, 500) < 0)
        return -1;
    nn_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "xor") != 0) {
        fprintf(stderr, "usage: mknet xor OUTDIR\n");
        return 2;
    }
    if (xor_net(argv[2]) < 0) {
        fprintf(stderr, "mknet: cannot write the xor network to %s\n", argv[2]);
        return 1;
    }
    return 0;
}
