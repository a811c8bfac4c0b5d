/*
 * profile.c - building, checking and sampling the data profile a model
 * carries (see profile.h).  Between the data readers and the pedagogical
 * extractors: `convert --data` builds it, the model readers check it, and
 * extraction without --data samples it.
 */
#include "profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How many Boolean features and one-hot groups of a kept row are redrawn,
 * on average, and the most often one is: enough to show the network nearby
 * inputs the data never had, few enough that a sample keeps most of its
 * row's combination even with many of them (vote's 16 Boolean votes). */
#define REDRAWS_PER_ROW 0.5
#define REDRAW_MAX 0.1

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static nn_feature_type ftype(const nn_model *m, int j)
{
    return m->features ? m->features[j].type : NN_FEAT_CONTINUOUS;
}

/* One feature's marginal from its n non-missing values v (sorted here). */
static int profile_feature(nn_feature_profile *fp, float *v, int n, int nq)
{
    double sum = 0, ss = 0;
    int distinct = 0;
    if (!(fp->q = malloc((size_t)nq * sizeof *fp->q)))
        return NR_ENOMEM;
    if (n == 0) {
        /* a column that is all missing: nothing to say but one point */
        memset(fp->q, 0, (size_t)nq * sizeof *fp->q);
        fp->mean = fp->sd = 0;
        return 0;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    for (int k = 0; k < nq; k++) {
        double pos = (double)k * (n - 1) / (nq - 1);
        int lo = (int)floor(pos);
        double frac = pos - lo;
        fp->q[k] = lo + 1 < n ? (float)(v[lo] + frac * ((double)v[lo + 1] - v[lo])) : v[n - 1];
    }
    fp->q[0] = v[0];
    fp->q[nq - 1] = v[n - 1];
    for (int i = 0; i < n; i++)
        sum += v[i];
    fp->mean = (float)(sum / n);
    for (int i = 0; i < n; i++)
        ss += (v[i] - sum / n) * (v[i] - sum / n);
    fp->sd = (float)sqrt(ss / n);
    for (int i = 0; i < n && distinct <= NN_PROFILE_MAX_VALUES; i++)
        distinct += i == 0 || v[i] != v[i - 1];
    if (distinct > NN_PROFILE_MAX_VALUES)
        return 0;
    fp->values = malloc((size_t)distinct * sizeof *fp->values);
    fp->freq = malloc((size_t)distinct * sizeof *fp->freq);
    if (!fp->values || !fp->freq)
        return NR_ENOMEM;
    fp->nvalues = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && v[j] == v[i])
            j++;
        fp->values[fp->nvalues] = v[i];
        fp->freq[fp->nvalues++] = (float)((double)(j - i) / n);
        i = j;
    }
    return 0;
}

int nr_profile_build(const nn_model *m, const nr_dataset *d, int max_rows, uint64_t seed,
                     nn_profile **out, nr_error *err)
{
    const int nin = (int)nn_model_input_size(m);
    nn_profile *p = NULL;
    float *col = NULL;
    int *keep = NULL, ncomplete = 0, rc = 0;
    nr_rng rng;

    *out = NULL;
    if (d->ncols != nin)
        return nr_error_set(err, NR_EINVAL, "the data's columns are not the model's inputs");
    if (d->nrows < 1)
        return nr_error_at(err, NR_EINVAL, d->path, 0, 0, "no rows to profile");
    if (max_rows < 0 || max_rows > NR_PROFILE_MAX_ROWS)
        return nr_error_set(err, NR_EINVAL, "a profile keeps 0 to %d rows, not %d",
                            NR_PROFILE_MAX_ROWS, max_rows);
    if ((size_t)max_rows * (size_t)nin > NR_PROFILE_MAX_FLOATS)
        max_rows = (int)(NR_PROFILE_MAX_FLOATS / (size_t)nin);
    p = calloc(1, sizeof *p);
    col = malloc((size_t)d->nrows * sizeof *col);
    keep = malloc(((size_t)max_rows + 1) * sizeof *keep);
    if (!p || !col || !keep || !(p->features = calloc((size_t)nin, sizeof *p->features))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    p->nseen = (uint64_t)d->nrows;
    p->nq = NR_PROFILE_QUANTILES;
    p->nfeatures = nin;
    for (int j = 0; j < nin; j++) {
        int n = 0;
        for (int r = 0; r < d->nrows; r++) {
            float v = d->x[(size_t)r * nin + j];
            if (!isnan(v))
                col[n++] = v;
        }
        if (profile_feature(&p->features[j], col, n, p->nq) < 0) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
    }
    /* reservoir sampling (Algorithm R) over the complete rows, seeded */
    nr_rng_seed(&rng, seed);
    for (int r = 0; r < d->nrows; r++) {
        int complete = 1;
        for (int j = 0; j < nin && complete; j++)
            complete = !isnan(d->x[(size_t)r * nin + j]);
        if (!complete)
            continue;
        if (ncomplete < max_rows)
            keep[ncomplete] = r;
        else {
            uint64_t slot = nr_rng_below(&rng, (uint64_t)ncomplete + 1);
            if (slot < (uint64_t)max_rows)
                keep[slot] = r;
        }
        ncomplete++;
    }
    p->nrows = ncomplete < max_rows ? ncomplete : max_rows;
    if (p->nrows > 0) {
        /* in the data's order, so that the chunk reads like the data */
        for (int i = 1; i < p->nrows; i++)
            for (int k = i; k > 0 && keep[k - 1] > keep[k]; k--) {
                int t = keep[k];
                keep[k] = keep[k - 1];
                keep[k - 1] = t;
            }
        if (!(p->rows = malloc((size_t)p->nrows * nin * sizeof *p->rows))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < p->nrows; i++)
            memcpy(p->rows + (size_t)i * nin, d->x + (size_t)keep[i] * nin, (size_t)nin * sizeof *p->rows);
    }
    *out = p;
    p = NULL;
done:
    nn_profile_free(p);
    free(col);
    free(keep);
    return rc;
}

nn_profile *nr_profile_copy(const nn_profile *p)
{
    const size_t nq = (size_t)p->nq, nin = (size_t)p->nfeatures;
    nn_profile *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *p;
    c->features = calloc(nin ? nin : 1, sizeof *c->features);
    c->rows = NULL;
    if (!c->features) {
        free(c);
        return NULL;
    }
    for (size_t j = 0; j < nin; j++) {
        const nn_feature_profile *f = &p->features[j];
        nn_feature_profile *g = &c->features[j];
        size_t nv = (size_t)f->nvalues;
        *g = *f;
        g->q = malloc(nq * sizeof *g->q);
        g->values = nv ? malloc(nv * sizeof *g->values) : NULL;
        g->freq = nv ? malloc(nv * sizeof *g->freq) : NULL;
        if (!g->q || (nv && (!g->values || !g->freq))) {
            nn_profile_free(c);
            return NULL;
        }
        memcpy(g->q, f->q, nq * sizeof *g->q);
        if (nv) {
            memcpy(g->values, f->values, nv * sizeof *g->values);
            memcpy(g->freq, f->freq, nv * sizeof *g->freq);
        }
    }
    if (p->nrows > 0) {
        if (!(c->rows = malloc((size_t)p->nrows * nin * sizeof *c->rows))) {
            nn_profile_free(c);
            return NULL;
        }
        memcpy(c->rows, p->rows, (size_t)p->nrows * nin * sizeof *c->rows);
    }
    return c;
}

int nr_profile_check(const nn_profile *p, const nn_model *m, nr_error *err)
{
    const size_t nin = nn_model_input_size(m);
    if (p->nfeatures < 0 || (size_t)p->nfeatures != nin)
        return nr_error_set(err, NR_EFORMAT, "the profile describes %d features, the input has %zu",
                            p->nfeatures, nin);
    if (p->nq < 2 || p->nq > NR_PROFILE_MAX_Q)
        return nr_error_set(err, NR_EFORMAT, "%d quantiles per feature; 2 to %d are allowed",
                            p->nq, NR_PROFILE_MAX_Q);
    for (int j = 0; j < p->nfeatures; j++) {
        const nn_feature_profile *fp = &p->features[j];
        double total = 0;
        if (!isfinite(fp->mean) || !isfinite(fp->sd) || fp->sd < 0)
            return nr_error_set(err, NR_EFORMAT, "feature %d: mean or deviation not finite, or "
                                "a negative deviation", j);
        for (int k = 0; k < p->nq; k++)
            if (!isfinite(fp->q[k]) || (k > 0 && fp->q[k] < fp->q[k - 1]))
                return nr_error_set(err, NR_EFORMAT, "feature %d: quantile %d is not finite or "
                                    "below the one before", j, k);
        if (fp->nvalues < 0 || fp->nvalues > NN_PROFILE_MAX_VALUES)
            return nr_error_set(err, NR_EFORMAT, "feature %d: %d values; at most %d are kept", j,
                                fp->nvalues, NN_PROFILE_MAX_VALUES);
        for (int k = 0; k < fp->nvalues; k++) {
            if (!isfinite(fp->values[k]) || (k > 0 && !(fp->values[k] > fp->values[k - 1])))
                return nr_error_set(err, NR_EFORMAT, "feature %d: value %d is not finite or not "
                                    "above the one before", j, k);
            if (!(fp->freq[k] >= 0 && fp->freq[k] <= 1))
                return nr_error_set(err, NR_EFORMAT, "feature %d: frequency %d is not in [0, 1]", j, k);
            total += fp->freq[k];
        }
        if (fp->nvalues > 0 && fabs(total - 1) > 1e-3)
            return nr_error_set(err, NR_EFORMAT, "feature %d: value frequencies sum to %g, not 1",
                                j, total);
    }
    if (p->nrows < 0 || (size_t)p->nrows * nin > NR_PROFILE_MAX_FLOATS * 4)
        return nr_error_set(err, NR_EFORMAT, "%d kept rows is too many", p->nrows);
    for (size_t k = 0; k < (size_t)p->nrows * nin; k++) {
        const nn_feature_profile *fp = &p->features[k % nin];
        if (!isfinite(p->rows[k]) || p->rows[k] < fp->q[0] || p->rows[k] > fp->q[p->nq - 1])
            return nr_error_set(err, NR_EFORMAT, "kept row %zu, feature %zu: %g is not finite or "
                                "outside the feature's observed range", k / nin, k % nin,
                                (double)p->rows[k]);
    }
    return 0;
}

/* Silverman's rule of thumb for a Gaussian kernel on n points. */
static double bandwidth(const nn_feature_profile *fp, int nq, int n)
{
    double iqr = 0, spread;
    if (nq >= 5) {
        /* the quartiles, interpolated between the stored quantiles */
        double a = 0.25 * (nq - 1), b = 0.75 * (nq - 1);
        int ia = (int)a, ib = (int)b;
        double qa = fp->q[ia] + (a - ia) * (ia + 1 < nq ? fp->q[ia + 1] - fp->q[ia] : 0);
        double qb = fp->q[ib] + (b - ib) * (ib + 1 < nq ? fp->q[ib + 1] - fp->q[ib] : 0);
        iqr = (qb - qa) / 1.34;
    }
    spread = iqr > 0 && iqr < fp->sd ? iqr : fp->sd;
    return 0.9 * spread * pow(n > 1 ? n : 1, -0.2);
}

/* A draw from a marginal: a value by frequency, or the quantile function
 * interpolated. */
static float draw_marginal(const nn_feature_profile *fp, int nq, nr_rng *rng)
{
    double u = nr_rng_uniform(rng), pos;
    int k;
    if (fp->nvalues > 0) {
        for (k = 0; k < fp->nvalues - 1; k++) {
            if (u < fp->freq[k])
                break;
            u -= fp->freq[k];
        }
        return fp->values[k];
    }
    pos = u * (nq - 1);
    k = (int)pos;
    if (k >= nq - 1)
        return fp->q[nq - 1];
    return (float)(fp->q[k] + (pos - k) * ((double)fp->q[k + 1] - fp->q[k]));
}

/* How often a Boolean or one-hot feature is 1 in the profiled data. */
static double share_of_one(const nn_feature_profile *fp)
{
    for (int k = 0; k < fp->nvalues; k++)
        if (fp->values[k] == 1)
            return fp->freq[k];
    return fp->nvalues > 0 ? 0 : fp->mean;
}

/* Set one member of one-hot group g in row, by how often each is 1. */
static void draw_group(const nn_model *m, const nn_profile *p, int g, float *row, nr_rng *rng)
{
    double total = 0, u;
    int last = -1;
    for (int j = 0; j < p->nfeatures; j++)
        if (ftype(m, j) == NN_FEAT_ONEHOT && m->features[j].group == g) {
            row[j] = 0;
            total += share_of_one(&p->features[j]);
            last = j;
        }
    if (last < 0)
        return;
    u = nr_rng_uniform(rng) * total;
    for (int j = 0; j < p->nfeatures; j++)
        if (ftype(m, j) == NN_FEAT_ONEHOT && m->features[j].group == g) {
            double w = share_of_one(&p->features[j]);
            if (u < w || j == last) {
                row[j] = 1;
                return;
            }
            u -= w;
        }
}

int nr_profile_sample(const nn_model *m, int n, nr_rng *rng, float **out, int **src,
                      nr_error *err)
{
    const nn_profile *p = m->profile;
    const int nin = (int)nn_model_input_size(m);
    double *h = NULL, redraw;
    float *x;
    int maxgroup = -1, ndiscrete = 0;

    *out = NULL;
    if (src)
        *src = NULL;
    if (!p)
        return nr_error_set(err, NR_EINVAL, "the model has no data profile");
    if (n < 1)
        return nr_error_set(err, NR_EINVAL, "nothing to sample (%d samples)", n);
    if ((size_t)n > ((size_t)1 << 31) / (size_t)nin)
        return nr_error_set(err, NR_ELIMIT, "%d samples of %d features is too many", n, nin);
    for (int j = 0; j < nin; j++)
        if (ftype(m, j) == NN_FEAT_ONEHOT && m->features[j].group > maxgroup)
            maxgroup = m->features[j].group;
    x = malloc((size_t)n * nin * sizeof *x);
    h = malloc((size_t)nin * sizeof *h);
    if (src && !(*src = malloc((size_t)n * sizeof **src))) {
        free(x);
        x = NULL;
    }
    if (!x || !h) {
        free(x);
        free(h);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int j = 0; j < nin; j++) {
        h[j] = bandwidth(&p->features[j], p->nq, p->nrows);
        ndiscrete += ftype(m, j) == NN_FEAT_BOOLEAN;
    }
    ndiscrete += maxgroup + 1;
    redraw = ndiscrete * REDRAW_MAX > REDRAWS_PER_ROW ? REDRAWS_PER_ROW / ndiscrete : REDRAW_MAX;
    for (int i = 0; i < n; i++) {
        float *row = x + (size_t)i * nin;
        if (src)
            (*src)[i] = -1;
        if (p->nrows > 0) {
            int k = (int)nr_rng_below(rng, (uint64_t)p->nrows);
            if (src)
                (*src)[i] = k;
            memcpy(row, p->rows + (size_t)k * nin, (size_t)nin * sizeof *row);
            for (int j = 0; j < nin; j++) {
                const nn_feature_profile *fp = &p->features[j];
                nn_feature_type t = ftype(m, j);
                if (t == NN_FEAT_BOOLEAN) {
                    if (nr_rng_uniform(rng) < redraw)
                        row[j] = draw_marginal(fp, p->nq, rng);
                } else if (t != NN_FEAT_ONEHOT && h[j] > 0) {
                    double v = row[j] + h[j] * nr_rng_normal(rng);
                    if (t == NN_FEAT_INTEGER)
                        v = nearbyint(v);
                    v = v < fp->q[0] ? fp->q[0] : v > fp->q[p->nq - 1] ? fp->q[p->nq - 1] : v;
                    row[j] = (float)v;
                }
            }
            for (int g = 0; g <= maxgroup; g++)
                if (nr_rng_uniform(rng) < redraw)
                    draw_group(m, p, g, row, rng);
        } else {
            for (int j = 0; j < nin; j++) {
                if (ftype(m, j) == NN_FEAT_ONEHOT)
                    continue;
                row[j] = draw_marginal(&p->features[j], p->nq, rng);
                if (ftype(m, j) == NN_FEAT_INTEGER)
                    row[j] = nearbyintf(row[j]);
            }
            for (int g = 0; g <= maxgroup; g++)
                draw_group(m, p, g, row, rng);
        }
    }
    free(h);
    *out = x;
    return 0;
}
