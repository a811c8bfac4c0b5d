/*
 * label.c - what every pedagogical extractor needs: a seeded random
 * generator, the network as an oracle that labels rows, and samples of the
 * input domain the model declares.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

/* ---- xoshiro256** (Blackman and Vigna), seeded through splitmix64 ------ */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void nr_rng_seed(nr_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nr_rng_next(nr_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nr_rng_uniform(nr_rng *r)
{
    return (double)(nr_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t nr_rng_below(nr_rng *r, uint64_t n)
{
    /* reject the top partial copy of [0, n) so every value is equally likely */
    uint64_t limit = n ? UINT64_MAX - UINT64_MAX % n : 0, v;
    if (n == 0)
        return 0;
    do
        v = nr_rng_next(r);
    while (v >= limit);
    return v % n;
}

double nr_rng_normal(nr_rng *r)
{
    /* Box-Muller; one value per call keeps the stream simple to reason about */
    double u1 = 1.0 - nr_rng_uniform(r), u2 = nr_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void nr_rng_permutation(nr_rng *r, int *a, int n)
{
    /* Fisher-Yates from the top */
    for (int i = 0; i < n; i++)
        a[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)nr_rng_below(r, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void nr_deal_folds(nr_rng *r, int n, int nfolds, int *perm, int *fold)
{
    nr_rng_permutation(r, perm, n);
    for (int p = 0; p < n; p++)
        fold[perm[p]] = nfolds > 1 ? p % nfolds : p >= n - n * 3 / 10 ? 0 : -1;
}

/* ---- labelling ----------------------------------------------------------- */

#define LABEL_BATCH 1024

int nr_label_rows(const nn_model *m, const float *x, int nrows, int *y,
                  double *yv, nr_error *err)
{
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    int batch = nn_batch_within(m, nrows < LABEL_BATCH ? (nrows > 0 ? nrows : 1) : LABEL_BATCH,
                                NN_WORKSPACE_BUDGET);
    nn_workspace *ws = nn_workspace_new(m, batch);
    float *out = malloc(sizeof *out * nout * (size_t)batch);
    nn_error nerr;
    int rc = 0;

    if (!ws || !out) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < nrows; r0 += batch) {
        int n = nrows - r0 < batch ? nrows - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x + (size_t)r0 * nin, n, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network on rows %d to %d: %s", r0 + 1,
                              r0 + n, nerr.msg);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const float *o = out + (size_t)i * nout;
            for (size_t j = 0; j < nout; j++)
                if (!isfinite(o[j])) {
                    rc = nr_error_set(err, NR_EMODEL,
                                      "the network's output %zu for row %d is %s: the row has "
                                      "no prediction to learn from", j, r0 + i + 1,
                                      isnan(o[j]) ? "NaN" : "infinite");
                    goto done;
                }
            if (y)
                y[r0 + i] = nn_argmax(o, nout);
            if (yv)
                yv[r0 + i] = o[0];
        }
    }
done:
    free(out);
    nn_workspace_free(ws);
    return rc;
}

/* ---- sampling the domain -------------------------------------------------- */

int nr_sample_domain(const nn_model *m, int n, nr_rng *rng, float **out, nr_error *err)
{
    size_t nin = nn_model_input_size(m);
    float *x;
    int maxgroup = -1;
    if (!m->features)
        return nr_error_set(err, NR_EINVAL,
                            "the model declares no feature ranges to sample: give --data");
    if (n < 1)
        return nr_error_set(err, NR_EINVAL, "nothing to sample (%d samples)", n);
    if ((size_t)n > ((size_t)1 << 31) / nin)
        return nr_error_set(err, NR_ELIMIT, "%d samples of %zu features is too many", n, nin);
    {
        /* [0, 0] is how a model without ranges (an ONNX file named by
         * --features) says "unknown": sampling it would feed the network one
         * point, and the rules would describe nothing. */
        size_t unknown = 0, first = 0;
        for (size_t f = 0; f < nin; f++) {
            const nn_feature *ft = &m->features[f];
            if ((ft->type == NN_FEAT_CONTINUOUS || ft->type == NN_FEAT_INTEGER) && ft->min == 0 &&
                ft->max == 0 && unknown++ == 0)
                first = f;
        }
        if (unknown == nin)
            return nr_error_set(err, NR_EINVAL, "the model declares no input ranges (every feature is "
                                "[0, 0]), so there is nothing to sample: give --data FILE, "
                                "--like MODEL.bin or --ranges LO:HI");
        if (unknown) {
            char others[48] = "";
            if (unknown > 1)
                snprintf(others, sizeof others, " and %zu other%s", unknown - 1, unknown > 2 ? "s" : "");
            return nr_error_set(err, NR_EINVAL, "the model declares no range for feature '%s'%s "
                                "(it reads [0, 0]), so sampling would hold it at 0: give --data FILE, "
                                "--like MODEL.bin or --ranges %s=LO:HI",
                                m->features[first].name, others, m->features[first].name);
        }
    }
    for (size_t f = 0; f < nin; f++)
        if (m->features[f].type == NN_FEAT_ONEHOT && m->features[f].group > maxgroup)
            maxgroup = m->features[f].group;
    x = malloc(sizeof *x * nin * (size_t)n);
    if (!x)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        float *row = x + (size_t)i * nin;
        for (size_t f = 0; f < nin; f++) {
            const nn_feature *ft = &m->features[f];
            switch (ft->type) {
            case NN_FEAT_BOOLEAN:
                row[f] = (float)nr_rng_below(rng, 2);
                break;
            case NN_FEAT_ONEHOT:
                row[f] = 0; /* set per group below */
                break;
            case NN_FEAT_INTEGER: {
                double lo = ceil(ft->min), hi = floor(ft->max);
                row[f] = hi >= lo ? (float)(lo + (double)nr_rng_below(rng, (uint64_t)(hi - lo) + 1))
                                  : ft->min;
                break;
            }
            default:
                row[f] = (float)(ft->min + (ft->max - ft->min) * nr_rng_uniform(rng));
                if (row[f] > ft->max) /* rounding at the top end */
                    row[f] = ft->max;
                break;
            }
        }
        /* one member of each one-hot group, uniformly */
        for (int g = 0; g <= maxgroup; g++) {
            size_t members = 0, pick;
            for (size_t f = 0; f < nin; f++)
                members += m->features[f].type == NN_FEAT_ONEHOT && m->features[f].group == g;
            if (!members)
                continue;
            pick = (size_t)nr_rng_below(rng, members);
            for (size_t f = 0; f < nin; f++)
                if (m->features[f].type == NN_FEAT_ONEHOT && m->features[f].group == g && pick-- == 0) {
                    row[f] = 1;
                    break;
                }
        }
    }
    *out = x;
    return 0;
}

/* ---- rows without a prediction ------------------------------------------ */

int nr_dataset_check_outputs(nr_dataset *d, const nn_model *m, int skip, int *skipped,
                             int **kept, nr_error *err)
{
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    int batch = nn_batch_within(m, d->nrows < LABEL_BATCH ? (d->nrows > 0 ? d->nrows : 1) : LABEL_BATCH,
                                NN_WORKSPACE_BUDGET);
    nn_workspace *ws = nn_workspace_new(m, batch);
    float *out = malloc(sizeof *out * nout * (size_t)batch);
    int *keep = malloc(sizeof *keep * (size_t)(d->nrows > 0 ? d->nrows : 1));
    int rc = 0, nkeep = 0;
    nn_error nerr;

    if (skipped)
        *skipped = 0;
    if (kept)
        *kept = NULL;
    if (!ws || !out || !keep) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r0 = 0; r0 < d->nrows; r0 += batch) {
        int n = d->nrows - r0 < batch ? d->nrows - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, d->x + (size_t)r0 * nin, n, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network on rows %d to %d: %s", r0 + 1,
                              r0 + n, nerr.msg);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const float *o = out + (size_t)i * nout;
            size_t j = 0;
            while (j < nout && isfinite(o[j]))
                j++;
            if (j == nout) {
                keep[nkeep++] = r0 + i;
            } else if (!skip) {
                rc = nr_error_at(err, NR_EINVAL, d->path, d->row_line ? d->row_line[r0 + i] : 0, 0,
                                 "row %d: the network's output %zu is %s (an input that "
                                 "normalization overflows?); --nonfinite skip leaves such rows out",
                                 r0 + i + 1, j, isnan(o[j]) ? "NaN" : "infinite");
                goto done;
            }
        }
    }
    if (nkeep == 0) {
        rc = nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                         "no rows left: the network's output is not finite on any of the %d",
                         d->nrows);
        goto done;
    }
    if (skipped)
        *skipped = d->nrows - nkeep;
    /* compact in place: keep[] is increasing, so nothing is overwritten
     * before it is moved */
    for (int i = 0; i < nkeep; i++) {
        int src = keep[i];
        if (src != i) {
            memmove(d->x + (size_t)i * nin, d->x + (size_t)src * nin, sizeof *d->x * nin);
            if (d->row_line)
                d->row_line[i] = d->row_line[src];
            if (d->has_labels && d->labels)
                d->labels[i] = d->labels[src];
        }
    }
    d->nrows = nkeep;
    if (kept) {
        *kept = keep;
        keep = NULL;
    }
done:
    free(keep);
    free(out);
    nn_workspace_free(ws);
    return rc;
}
