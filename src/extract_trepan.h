/*
 * extract_trepan.h - TREPAN's constrained sampler, on its own for the
 * tests (the extractor itself is `-a trepan`, extract_trepan.c).
 */
#ifndef NR_EXTRACT_TREPAN_H
#define NR_EXTRACT_TREPAN_H

#include <stdint.h>

#include "error.h"
#include "ir.h"

/* Draw n inputs inside the node at the end of a path of npath tests
 * (path[i] held when want[i], failed otherwise), as a TREPAN node draws
 * them: around those of the nrows rows (features[j] says what column j
 * is; nominal ones take their values from features[j].nvalues) that
 * follow the path, or from the rows' quantiles when none does.  *out,
 * malloc'd, receives *nout <= n rows of nfeatures floats (draws that
 * cannot meet the path are dropped). */
int nr_trepan_draw(const float *rows, int nrows, const nr_feature *features, int nfeatures,
                   const nr_cond *path, const int *want, int npath, int n, uint64_t seed,
                   float **out, int *nout, nr_error *err);

#endif
