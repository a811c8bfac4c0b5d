/*
 * bench_forward.c - batch forward throughput of the reference runtime.
 *
 * usage: bench_forward --make-mlp OUT.bin     write a 784-64-32-10 ReLU MLP
 *                                              with random weights
 *        bench_forward MODEL...               time each model
 *
 * For each model and each batch size (1 and 1000) it prints one line:
 *   forward NAME batch=B us_per_sample=U samples_per_s=S
 * Inputs are drawn uniformly inside the feature ranges the model declares.
 * Each figure is the best of five timed rounds of at least 0.2 s each, so
 * that a stray scheduling hiccup does not decide it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static float uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

static float *random_tensor(size_t n, float scale)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (uniform() * 2 - 1) * scale;
    return v;
}

static int make_mlp(const char *path)
{
    static const int sizes[] = {784, 64, 32, 10};
    nn_model *m = nn_model_new();
    nn_layer l;
    nn_error nerr;
    nr_error err;
    int rc;
    m->input = (nn_shape){784, 1, 1};
    for (int i = 0; i < 3; i++) {
        memset(&l, 0, sizeof l);
        l.type = NN_DENSE;
        l.units = sizes[i + 1];
        l.w = random_tensor((size_t)sizes[i] * (size_t)sizes[i + 1], 0.1f);
        l.b = random_tensor((size_t)sizes[i + 1], 0.1f);
        nn_model_add_layer(m, &l);
        memset(&l, 0, sizeof l);
        l.type = i < 2 ? NN_RELU : NN_SOFTMAX;
        nn_model_add_layer(m, &l);
    }
    m->description = strdup("784-64-32-10 ReLU MLP with random weights (benchmark)");
    if (nn_model_finalize(m, &nerr) < 0) {
        fprintf(stderr, "bench: %s\n", nerr.msg);
        return 1;
    }
    rc = nr_model_write(path, m, &err);
    if (rc < 0)
        fprintf(stderr, "bench: %s\n", err.msg);
    nn_model_free(m);
    return rc < 0;
}

static void bench(const char *path, const nn_model *m, int batch)
{
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    float *x = malloc(sizeof *x * nin * (size_t)batch);
    float *y = malloc(sizeof *y * nout * (size_t)batch);
    nn_workspace *ws = nn_workspace_new(m, batch);
    nn_error err;
    double best = 1e30;
    const char *name = path;
    char label[256];

    for (size_t i = 0; i < nin * (size_t)batch; i++) {
        size_t f = i % nin;
        float lo = m->features ? m->features[f].min : 0, hi = m->features ? m->features[f].max : 1;
        x[i] = lo + (hi - lo) * uniform();
    }
    /* name the model by its directory: examples/iris/model.bin -> iris */
    {
        const char *slash = strrchr(path, '/');
        if (slash && strcmp(slash, "/model.bin") == 0) {
            const char *start = slash;
            while (start > path && start[-1] != '/')
                start--;
            snprintf(label, sizeof label, "%.*s", (int)(slash - start), start);
            name = label;
        } else if (slash) {
            name = slash + 1;
        }
    }
    nn_forward(m, ws, x, batch, y, &err); /* warm up */
    for (int round = 0; round < 5; round++) {
        long calls = 0;
        double t0 = now(), t;
        do {
            if (nn_forward(m, ws, x, batch, y, &err) < 0) {
                fprintf(stderr, "bench: %s: %s\n", path, err.msg);
                exit(1);
            }
            calls++;
            t = now() - t0;
        } while (t < 0.2);
        t = t / ((double)calls * batch);
        if (t < best)
            best = t;
    }
    printf("forward %s batch=%d us_per_sample=%.3f samples_per_s=%.0f\n", name, batch, best * 1e6,
           1.0 / best);
    nn_workspace_free(ws);
    free(x);
    free(y);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--make-mlp") == 0)
        return make_mlp(argv[2]);
    for (int i = 1; i < argc; i++) {
        nn_model *m = NULL;
        nr_error err;
        if (nr_model_read(argv[i], &m, &err) < 0) {
            fprintf(stderr, "bench: %s: %s\n", argv[i], err.msg);
            return 1;
        }
        bench(argv[i], m, 1);
        bench(argv[i], m, 1000);
        nn_model_free(m);
    }
    return 0;
}
