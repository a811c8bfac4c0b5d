/*
 * anndt.h - the pieces of the ANN-DT extractor (extract_anndt.c) that are
 * worth testing alone.
 */
#ifndef NR_ANNDT_H
#define NR_ANNDT_H

#include "extract.h"

/* n artificial inputs around the nbase rows base (input size each, in the
 * data's own units), as ANN-DT draws them: sample i is a copy of base row
 * src[i] (every row in turn when n >= nbase, else rows drawn at random)
 * whose continuous and integer features move by Gaussian noise with the
 * spread (standard deviation) of that feature among the row's 10 nearest
 * neighbours (among at most 1,000 of the rows, distances on standardized
 * features), then are kept inside the range the base rows span (integers
 * rounded); Boolean features, one-hot groups and nominal columns
 * (nvalues[j] > 0; nvalues may be NULL) are instead, with probability 0.1
 * (less when there are more than five of them: half a redraw a sample),
 * copied from a base row drawn at random, which draws them from their
 * frequencies.  out holds n * input size floats, src (may be NULL) n. */
int nr_anndt_perturb(const nn_model *m, const float *base, int nbase, const int *nvalues, int n,
                     nr_rng *rng, float *out, int *src, nr_error *err);

#endif
