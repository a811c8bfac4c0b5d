/*
 * bench_lime_image.c - LIME explanations of images per second, the
 * computation alone (superpixels, samples, the network, the fit; no files
 * read or written but the model).
 *
 * usage: bench_lime_image MODEL N [SAMPLES]
 *
 * Explains N real images kept in the model's data profile (cycling through
 * them when it keeps fewer), with the defaults of `nn2rules explain`
 * (SLIC, SAMPLES samples, default 1000), and prints one line:
 *   lime-image NAME explanations=N samples=S segments=MEAN seconds=T ms_per_explanation=X
 * the best of three rounds.  One thread when the caller sets
 * OPENBLAS_NUM_THREADS=1 (explaining one image uses one thread anyway).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lime_image.h"
#include "model_io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    nn_model *m = NULL;
    nr_error err;
    nr_lime_opts o;
    nr_lime_image_opts io;
    size_t nin;
    double best = 1e30, segs = 0;
    int n, samples = argc > 3 ? atoi(argv[3]) : NR_LIME_IMAGE_SAMPLES;
    if (argc < 3 || argc > 4 || (n = atoi(argv[2])) < 1 || samples < 2) {
        fprintf(stderr, "usage: bench_lime_image MODEL N [SAMPLES]\n");
        return 2;
    }
    nr_error_clear(&err);
    if (nr_model_read(argv[1], &m, &err) < 0) {
        fprintf(stderr, "bench_lime_image: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    if (!nr_lime_is_image(m) || !m->profile || m->profile->nrows < 1) {
        fprintf(stderr, "bench_lime_image: %s: no image model with kept rows\n", argv[1]);
        return 1;
    }
    nin = nn_model_input_size(m);
    nr_lime_opts_default(&o);
    nr_lime_image_opts_default(&io);
    o.samples = samples;
    for (int round = 0; round < 3; round++) {
        double t0 = now(), t;
        segs = 0;
        for (int i = 0; i < n; i++) {
            const float *x = m->profile->rows + (size_t)(i % m->profile->nrows) * nin;
            nr_segments seg;
            nr_lime_result res;
            if (nr_lime_image_segment(m, x, &io, &seg, &err) < 0 ||
                nr_lime_explain_image(m, x, &seg, &io, -1, &o, 1, (uint64_t)i + 1, &res, &err) < 0) {
                fprintf(stderr, "bench_lime_image: %s\n", err.msg);
                return 1;
            }
            segs += seg.n;
            nr_lime_result_free(&res);
            nr_segments_free(&seg);
        }
        t = now() - t0;
        best = t < best ? t : best;
    }
    printf("lime-image %s explanations=%d samples=%d segments=%.1f seconds=%.4f ms_per_explanation=%.2f\n",
           argv[1], n, samples, segs / n, best, 1000 * best / n);
    nn_model_free(m);
    return 0;
}
