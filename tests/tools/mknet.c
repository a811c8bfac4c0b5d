/*
 * mknet.c - writes small networks with a known answer, and data for them,
 * for the CLI tests: what the extractors must find is known exactly.
 *
 * usage: mknet xor|stairs|boolean|cnn OUTDIR
 *
 * Each writes OUTDIR/NAME.bin, OUTDIR/NAME-train.csv (1,000 rows) and
 * OUTDIR/NAME-test.csv (500 rows) of five inputs x1..x5 drawn uniformly
 * from [0, 1], the label column being the network's own answer.  Steep
 * sigmoids make each network a step function up to a band of width about
 * 0.05 around its thresholds.
 *
 * xor: "yes" exactly when (x1 > 0.5) XOR (x2 > 0.5); x3..x5 are noise.  No
 * input has a main effect, which is what defeats greedy split selection
 * with a gain penalty.
 *
 * stairs: "a" when x1 <= 0.3, else "b" when x2 <= 0.6, else "c"; x3..x5
 * are noise.  The right tree has exactly three leaves.
 *
 * boolean: OUTDIR/andor.bin, (a and b) or c with one hidden layer;
 * OUTDIR/bxor1.bin and bxor2.bin, a xor b with one and with two hidden
 * layers; three Boolean inputs, no data (the cube has 8 points).  And
 * OUTDIR/maj.bin, "at least 2 of a, b, c" over five Boolean inputs a..e
 * (d and e unused): one m-of-n test is the whole answer.
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
    const char *const *cls = (const char *const *)m->class_names;
    char path[4096];
    nn_workspace *ws = nn_workspace_new(m, 1);
    nn_error err = {0};
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!ws || !(f = fopen(path, "w")))
        return -1;
    fprintf(f, "x1,x2,x3,x4,x5,label\n");
    for (int i = 0; i < n; i++) {
        float x[5], out[3];
        for (int k = 0; k < 5; k++)
            x[k] = urand();
        if (nn_forward(m, ws, x, 1, out, &err) < 0)
            return -1;
        fprintf(f, "%.4f,%.4f,%.4f,%.4f,%.4f,%s\n", x[0], x[1], x[2], x[3], x[4],
                cls[nn_argmax(out, (size_t)m->nclasses)]);
    }
    nn_workspace_free(ws);
    return fclose(f);
}

/* Name m's inputs (all of type `type`, range [0, 1]) and classes,
 * describe it, finalize it and write it to DIR/NAME.bin; m is kept. */
static int save_net(nn_model *m, const char *dir, const char *name, const char *const *features,
                    int nf, nn_feature_type type, const char *const *classes, int nc,
                    const char *description)
{
    char path[4096];
    nn_error nerr = {0};
    nr_error err;
    m->nfeatures = nf;
    m->features = calloc((size_t)nf, sizeof *m->features);
    m->nclasses = nc;
    m->class_names = calloc((size_t)nc, sizeof *m->class_names);
    if (!m->features || !m->class_names)
        return -1;
    for (int k = 0; k < nf; k++) {
        m->features[k].name = strdup(features[k]);
        m->features[k].type = type;
        m->features[k].group = -1;
        m->features[k].min = 0;
        m->features[k].max = 1;
    }
    for (int k = 0; k < nc; k++)
        m->class_names[k] = strdup(classes[k]);
    m->description = strdup(description);
    if (nn_model_finalize(m, &nerr) < 0) {
        fprintf(stderr, "mknet: %s\n", nerr.msg);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    nr_error_clear(&err);
    if (nr_model_write(path, m, &err) < 0) {
        fprintf(stderr, "mknet: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Two steep steps, on x1 at a and on x2 at b, then a dense layer of
 * nout units on them (w2, b2), then softmax: the networks below. */
static int write_net(const char *dir, const char *name, float a, float b, int hidden2,
                     const float *w2, const float *b2, int nout, const float *w3,
                     const float *b3, const char *const *classes, const char *description)
{
    const float w1[10] = {60, 0, 0, 0, 0, 0, 60, 0, 0, 0}, b1[2] = {-60 * a, -60 * b};
    static const char *names[5] = {"x1", "x2", "x3", "x4", "x5"};
    char file[256];
    nn_model *m = nn_model_new();
    if (!m)
        return -1;
    m->input = (nn_shape){5, 1, 1};
    dense(m, 2, w1, 10, b1);
    act(m, NN_SIGMOID);
    if (hidden2) {
        dense(m, 2, w2, 4, b2);
        act(m, NN_SIGMOID);
    }
    dense(m, nout, w3, (size_t)nout * 2, b3);
    act(m, NN_SOFTMAX);
    if (save_net(m, dir, name, names, 5, NN_FEAT_CONTINUOUS, classes, nout, description) < 0)
        return -1;
    snprintf(file, sizeof file, "%s-train.csv", name);
    if (write_rows(dir, file, m, 1000) < 0)
        return -1;
    snprintf(file, sizeof file, "%s-test.csv", name);
    if (write_rows(dir, file, m, 500) < 0)
        return -1;
    nn_model_free(m);
    return 0;
}

static int xor_net(const char *dir)
{
    /* OR and AND of the two steps, then yes = OR and not AND */
    static const float w2[4] = {20, 20, 20, 20}, b2[2] = {-10, -30};
    static const float w3[4] = {0, 0, 10, -10}, b3[2] = {0, -5};
    static const char *classes[2] = {"no", "yes"};
    return write_net(dir, "xor", 0.5f, 0.5f, 1, w2, b2, 2, w3, b3, classes,
                     "(x1 > 0.5) XOR (x2 > 0.5); x3..x5 are noise");
}

static int stairs_net(const char *dir)
{
    /* logits on the steps h1 = [x1 > 0.3], h2 = [x2 > 0.6]:
     * a = 8 - 16 h1, b = 16 h1 - 16 h2 - 8, c = 16 h1 + 16 h2 - 24 */
    static const float w3[6] = {-16, 0, 16, -16, 16, 16}, b3[3] = {8, -8, -24};
    static const char *classes[3] = {"a", "b", "c"};
    return write_net(dir, "stairs", 0.3f, 0.6f, 0, NULL, NULL, 3, w3, b3, classes,
                     "a when x1 <= 0.3, else b when x2 <= 0.6, else c; x3..x5 are noise");
}

/* Three Boolean inputs a, b, c through sigmoid dense layers (nl of them,
 * the last to the two classes no and yes, softmax): steep weights make
 * each unit a Boolean gate, so the network is a known Boolean function. */
static int boolean_net(const char *dir, const char *name, int nin, int nl, const int *units,
                       const float *const *w, const float *const *b, const char *description)
{
    static const char *names[5] = {"a", "b", "c", "d", "e"}, *no_yes[2] = {"no", "yes"};
    nn_model *m = nn_model_new();
    int in = nin;
    if (!m)
        return -1;
    m->input = (nn_shape){nin, 1, 1};
    for (int l = 0; l < nl; l++) {
        dense(m, units[l], w[l], (size_t)units[l] * in, b[l]);
        act(m, l + 1 < nl ? NN_SIGMOID : NN_SOFTMAX);
        in = units[l];
    }
    if (save_net(m, dir, name, names, nin, NN_FEAT_BOOLEAN, no_yes, 2, description) < 0)
        return -1;
    nn_model_free(m);
    return 0;
}

/* (a and b) or c, a XOR b with one hidden layer, and with two */
static int boolean_nets(const char *dir)
{
    static const int u2[2] = {2, 2}, u3[3] = {2, 2, 2};
    static const float andor1[6] = {20, 20, 0, 0, 0, 20}, andor1b[2] = {-30, -10};
    static const float out[4] = {0, 0, 20, 20}, outb[2] = {0, -10};
    static const float xor1[6] = {20, 20, 0, 20, 20, 0}, xor1b[2] = {-10, -30};
    static const float xorout[4] = {0, 0, 20, -20}, xoroutb[2] = {0, -10};
    static const float copy[6] = {20, 0, 0, 0, 20, 0}, copyb[2] = {-10, -10};
    static const float gates[4] = {20, 20, 20, 20}, gatesb[2] = {-10, -30};
    const float *andor_w[2] = {andor1, out}, *andor_b[2] = {andor1b, outb};
    const float *xor1_w[2] = {xor1, xorout}, *xor1_b[2] = {xor1b, xoroutb};
    const float *xor2_w[3] = {copy, gates, xorout}, *xor2_b[3] = {copyb, gatesb, xoroutb};
    /* at least two of a, b, c: one unit over them, d and e unused */
    static const int u1[2] = {1, 2};
    static const float maj1[5] = {20, 20, 20, 0, 0}, maj1b[1] = {-30}, majout[2] = {0, 20}, majoutb[2] = {0, -10};
    const float *maj_w[2] = {maj1, majout}, *maj_b[2] = {maj1b, majoutb};
    if (boolean_net(dir, "andor", 3, 2, u2, andor_w, andor_b, "(a and b) or c, one hidden layer") < 0 ||
        boolean_net(dir, "bxor1", 3, 2, u2, xor1_w, xor1_b, "a xor b, one hidden layer (or, and)") < 0 ||
        boolean_net(dir, "bxor2", 3, 3, u3, xor2_w, xor2_b, "a xor b, two hidden layers (copies; or, and)") < 0 ||
        boolean_net(dir, "maj", 5, 2, u1, maj_w, maj_b, "at least 2 of a, b, c; d and e are noise") < 0)
        return -1;
    return 0;
}

/* A convolutional front and a dense head, for the decompositional
 * extractors' reading of the head: a 4x4 image p0..p15 (row-major), one
 * 2x2 convolution of stride 2 with weights 1 (each output the sum of a
 * quadrant: 0 top left, 1 top right, 2 bottom left, 3 bottom right),
 * ReLU, flatten (runtime layer 2, four values), two steep sigmoid units
 * [quadrant 0 > 2] and [quadrant 3 > 2], and "yes" when both hold.  Rows
 * in cnn-train.csv (1,000) and cnn-test.csv (500). */
static int cnn_net(const char *dir)
{
    static const float ones[4] = {1, 1, 1, 1}, zero[1] = {0};
    static const float w1[8] = {20, 0, 0, 0, 0, 0, 0, 20}, b1[2] = {-40, -40};
    static const float w2[4] = {0, 0, 20, 20}, b2[2] = {0, -30};
    static const char *classes[2] = {"no", "yes"};
    char names[16][16], path[4096];
    const char *np[16];
    nn_model *m = nn_model_new();
    nn_workspace *ws;
    nn_layer conv = {.type = NN_CONV2D, .units = 1, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .dh = 1, .dw = 1};
    nn_error err = {0};
    if (!m)
        return -1;
    for (int k = 0; k < 16; k++) {
        snprintf(names[k], sizeof names[k], "p%d", k);
        np[k] = names[k];
    }
    m->input = (nn_shape){1, 4, 4};
    conv.w = copy(ones, 4);
    conv.b = copy(zero, 1);
    nn_model_add_layer(m, &conv);
    act(m, NN_RELU);
    act(m, NN_FLATTEN);
    dense(m, 2, w1, 8, b1);
    act(m, NN_SIGMOID);
    dense(m, 2, w2, 4, b2);
    act(m, NN_SOFTMAX);
    if (save_net(m, dir, "cnn", np, 16, NN_FEAT_CONTINUOUS, classes, 2,
                 "yes when the top-left and bottom-right quadrants of a 4x4 image each sum above 2") < 0 ||
        !(ws = nn_workspace_new(m, 1)))
        return -1;
    for (int part = 0; part < 2; part++) {
        FILE *f;
        snprintf(path, sizeof path, "%s/cnn-%s.csv", dir, part ? "test" : "train");
        if (!(f = fopen(path, "w")))
            return -1;
        for (int k = 0; k < 16; k++)
            fprintf(f, "p%d,", k);
        fprintf(f, "label\n");
        for (int i = 0; i < (part ? 500 : 1000); i++) {
            float x[16], out[2];
            for (int k = 0; k < 16; k++) {
                x[k] = (float)(int)(urand() * 10000) / 10000;
                fprintf(f, "%.4f,", x[k]);
            }
            if (nn_forward(m, ws, x, 1, out, &err) < 0)
                return -1;
            fprintf(f, "%s\n", classes[nn_argmax(out, 2)]);
        }
        if (fclose(f) != 0)
            return -1;
    }
    nn_workspace_free(ws);
    nn_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc != 3 || (strcmp(argv[1], "xor") != 0 && strcmp(argv[1], "stairs") != 0 &&
                      strcmp(argv[1], "boolean") != 0 && strcmp(argv[1], "cnn") != 0)) {
        fprintf(stderr, "usage: mknet xor|stairs|boolean|cnn OUTDIR\n");
        return 2;
    }
    rc = strcmp(argv[1], "xor") == 0      ? xor_net(argv[2])
         : strcmp(argv[1], "stairs") == 0 ? stairs_net(argv[2])
         : strcmp(argv[1], "cnn") == 0    ? cnn_net(argv[2])
                                          : boolean_nets(argv[2]);
    if (rc < 0) {
        fprintf(stderr, "mknet: cannot write the %s network(s) to %s\n", argv[1], argv[2]);
        return 1;
    }
    return 0;
}
