/*
 * profile.h - the data profile: what the training data looked like, kept in
 * the model (model.bin's `prof` chunk, see nn2rules-model(5)) so that the
 * pedagogical extractors can draw realistic inputs without a data file.
 *
 * Uniform samples from the declared input box mostly land where no real
 * input lies, and a surrogate fitted there is large and wrong where it
 * matters.  A profile holds each feature's marginal distribution
 * (quantiles; the frequencies of its values when it takes few) and a small
 * uniform sample of the rows, so that the sampler can perturb real points
 * (ANN-DT's way) instead of assuming independent features (TREPAN's
 * marginals are the fallback when no rows are kept).
 *
 * Ownership: nr_profile_build() returns a profile the caller owns (attach it
 * to a model, whose nn_model_free() frees it, or free it with
 * nn_profile_free()); nr_profile_sample() returns malloc'd rows.
 */
#ifndef NR_PROFILE_H
#define NR_PROFILE_H

#include <stdint.h>

#include "data.h"
#include "error.h"
#include "extract.h"
#include "nn.h"

#define NR_PROFILE_ROWS 1000               /* rows kept by default */
#define NR_PROFILE_MAX_ROWS 100000         /* the most one may ask for */
#define NR_PROFILE_MAX_FLOATS ((size_t)1 << 20) /* kept rows * features: 4 MiB */
#define NR_PROFILE_QUANTILES 21            /* every 5% */
#define NR_PROFILE_MAX_Q 1001

/* Profile of the rows of d, already matched to m (one column per input, in
 * the data's own units; NaN cells are missing).  Keeps a uniform sample of
 * at most max_rows complete rows (fewer when rows * features would pass
 * NR_PROFILE_MAX_FLOATS), chosen with the seed, in their order in d. */
int nr_profile_build(const nn_model *m, const nr_dataset *d, int max_rows, uint64_t seed,
                     nn_profile **out, nr_error *err);

/* A deep copy, or NULL when out of memory. */
nn_profile *nr_profile_copy(const nn_profile *p);

/* Check a profile against its model: sizes, finite values, quantiles
 * ascending, frequencies summing to 1, kept rows inside the quantile range.
 * For the readers. */
int nr_profile_check(const nn_profile *p, const nn_model *m, nr_error *err);

/* Draw n inputs like the profiled data.  With kept rows: a kept row chosen
 * uniformly, each continuous or integer feature moved by Gaussian noise of
 * the feature's kernel bandwidth (Silverman's rule on the kept rows) and
 * kept inside its observed range (integers rounded), each Boolean feature
 * and one-hot group redrawn from its frequencies with probability 0.1, or
 * less when there are more than 5 of them (half a redraw a sample).
 * Without: each feature independently from its marginal (quantiles
 * interpolated, or value frequencies), one member of each one-hot group
 * set.  *out is malloc'd, n * input size floats; *src (src may be NULL),
 * malloc'd, says which kept row each input was drawn around (-1: none). */
int nr_profile_sample(const nn_model *m, int n, nr_rng *rng, float **out, int **src,
                      nr_error *err);

#endif
