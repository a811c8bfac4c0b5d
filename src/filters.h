/*
 * filters.h - what each channel of a convolutional layer responds to,
 * across a data set: the input patches that excite it most (its receptive
 * fields at those places) and their deconvnet projections, drawn as an
 * atlas; and how the channels of one layer feed those of the next and
 * which classes each favours, as a graph.
 */
#ifndef NR_FILTERS_H
#define NR_FILTERS_H

#include "error.h"
#include "nn.h"

/* One strong response: row `row` of the data at position (y, x) of the
 * channel's map, with its activation; the receptive field's box in the
 * input (y0..y1, x0..x1, inclusive). */
typedef struct nr_hit {
    int row, y, x;
    float act;
    int y0, y1, x0, x1;
    float *patch;      /* the input in the box, c * (y1-y0+1) * (x1-x0+1) */
    float *proj;       /* the deconvnet projection in the box, the same size */
} nr_hit;

typedef struct nr_atlas {
    int layer;         /* the runtime layer read */
    int channels, top; /* channels of the layer; hits kept per channel */
    int *nhits;        /* per channel: hits found (<= top; 0 when it never fired) */
    nr_hit *hits;      /* channels * top, strongest first */
} nr_atlas;

/* The last runtime layer with spatial maps (-1: none), for a default. */
int nr_last_spatial_layer(const nn_model *m);

/* The `top` strongest responses of every channel of `layer` over the n
 * rows x (one per position of a row at most: the strongest), with their
 * receptive fields (the input cells whose gradient of the activation is
 * not 0) and deconvnet projections. */
int nr_atlas_build(const nn_model *m, const float *x, int n, int layer, int top, nr_atlas *a,
                   nr_error *err);
void nr_atlas_free(nr_atlas *a);

/* The atlas as PNG: a line per channel, its patches, then their
 * projections. */
int nr_atlas_png(const nn_model *m, const nr_atlas *a, char **buf, size_t *len, nr_error *err);

/* The graph (DOT text) of how the channels of `layer` feed those of the
 * next layer with spatial maps after the next convolution: an edge where
 * the two channels' mean activations over the rows correlate by at least
 * `threshold` (its label the correlation), and on each node the class
 * whose rows (the network's classes) raise the channel most. */
int nr_atlas_dot(const nn_model *m, const float *x, int n, int layer, double threshold, char **buf,
                 size_t *len, nr_error *err);

#endif
