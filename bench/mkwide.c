/*
 * mkwide.c - writes a wide dense network of Boolean inputs for timing
 * -a tsukimoto and eval --exhaustive: N inputs, H sigmoid hidden units,
 * two classes.  Hidden unit j is "at least 2 of" three inputs (weights 4,
 * bias -6) plus small seeded noise weights on every other input; "yes" is
 * unit 0 or unit 1 (weights 4, bias -2), the other units adding +-0.1.
 *
 * usage: mkwide N H OUT.bin
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

int main(int argc, char **argv)
{
    int n, h;
    nn_model *m;
    nn_layer l;
    nn_error nerr = {0};
    nr_error err;
    if (argc != 4 || (n = atoi(argv[1])) < 3 || (h = atoi(argv[2])) < 1) {
        fprintf(stderr, "usage: mkwide N H OUT.bin\n");
        return 2;
    }
    m = nn_model_new();
    m->input = (nn_shape){n, 1, 1};
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = h;
    l.w = malloc((size_t)n * (size_t)h * sizeof *l.w);
    l.b = malloc((size_t)h * sizeof *l.b);
    for (int j = 0; j < h; j++) {
        for (int i = 0; i < n; i++)
            l.w[(size_t)j * (size_t)n + (size_t)i] = (urand() - 0.5f) * 0.04f;
        for (int k = 0; k < 3; k++)
            l.w[(size_t)j * (size_t)n + (size_t)((j * 3 + k) % n)] = 4;
        l.b[j] = -6;
    }
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_SIGMOID;
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = 2;
    l.w = calloc((size_t)h * 2, sizeof *l.w);
    l.b = calloc(2, sizeof *l.b);
    for (int j = 0; j < h; j++)
        l.w[h + j] = j < 2 ? 4 : j % 2 ? -0.1f : 0.1f;
    l.b[1] = -2;
    nn_model_add_layer(m, &l);
    memset(&l, 0, sizeof l);
    l.type = NN_SOFTMAX;
    nn_model_add_layer(m, &l);
    m->nfeatures = n;
    m->features = calloc((size_t)n, sizeof *m->features);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i + 1);
        m->features[i].name = strdup(name);
        m->features[i].type = NN_FEAT_BOOLEAN;
        m->features[i].group = -1;
        m->features[i].max = 1;
    }
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    m->class_names[0] = strdup("no");
    m->class_names[1] = strdup("yes");
    m->description = strdup("mkwide: hidden units at least 2 of 3 inputs, plus noise");
    nr_error_clear(&err);
    if (nn_model_finalize(m, &nerr) < 0 || nr_model_write(argv[3], m, &err) < 0) {
        fprintf(stderr, "mkwide: cannot write %s\n", argv[3]);
        return 1;
    }
    nn_model_free(m);
    return 0;
}
