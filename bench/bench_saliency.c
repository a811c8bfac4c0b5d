/*
 * bench_saliency.c - saliency maps per second through the reference
 * runtime, the computation alone (no files read or written).
 *
 * usage: bench_saliency MODEL N
 *
 * Draws N inputs uniformly inside the feature ranges the model declares
 * and prints, for each method, one line:
 *   saliency NAME method=M maps=N seconds=T maps_per_s=R
 * each the best of three rounds.  Runs on one thread when the caller sets
 * NN2RULES_THREADS=1 and OPENBLAS_NUM_THREADS=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_io.h"
#include "saliency.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    static const nr_sal_method methods[] = {NR_SAL_GRADIENT, NR_SAL_GUIDED, NR_SAL_GRADCAM, NR_SAL_SMOOTHGRAD};
    unsigned long long rng = 0x9e3779b97f4a7c15ull;
    const char *name;
    nn_model *m = NULL;
    nr_error err;
    size_t nin;
    float *x;
    int n;
    if (argc != 3 || (n = atoi(argv[2])) < 1) {
        fprintf(stderr, "usage: bench_saliency MODEL N\n");
        return 2;
    }
    nr_error_clear(&err);
    if (nr_model_read(argv[1], &m, &err) < 0) {
        fprintf(stderr, "bench_saliency: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    name = strrchr(argv[1], '/') ? argv[1] : argv[1];
    nin = nn_model_input_size(m);
    if (!(x = malloc((size_t)n * nin * sizeof *x)))
        return 1;
    for (size_t k = 0; k < (size_t)n * nin; k++) {
        const nn_feature *f = &m->features[k % nin];
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        x[k] = f->min + (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * (f->max - f->min);
    }
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        nr_salmap *maps = calloc((size_t)n, sizeof *maps);
        double best = 1e30;
        if (!maps)
            return 1;
        if (nr_sal_check(m, methods[i], NULL, &err) < 0)
            continue;
        for (int round = 0; round < 3; round++) {
            double t0 = now(), t;
            if (nr_saliency_many(m, x, n, -1, methods[i], NULL, maps, &err) < 0) {
                fprintf(stderr, "bench_saliency: %s\n", err.msg);
                return 1;
            }
            t = now() - t0;
            best = t < best ? t : best;
            for (int k = 0; k < n; k++)
                nr_salmap_free(&maps[k]);
        }
        printf("saliency %s method=%s maps=%d seconds=%.4f maps_per_s=%.1f\n", name,
               nr_sal_method_name(methods[i]), n, best, n / best);
        free(maps);
    }
    free(x);
    nn_model_free(m);
    return 0;
}
