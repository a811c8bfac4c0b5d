/*
 * lime_image.h - LIME for images (Ribeiro, Singh and Guestrin, 2016, as
 * the reference's lime_image): the image is cut into superpixels
 * (superpixel.h); each of N samples switches a random half of them off
 * (the first sample keeps all on), an off segment's pixels taking the
 * segment's mean (per channel) or a given value; the network labels the
 * samples in batches; a sample's weight is sqrt(exp(-d^2 / w^2)) with d
 * the cosine distance between its on/off vector and all-ones, w 0.25 by
 * default; the surrogate is lime.h's nr_lime_fit over the on/off columns,
 * so a segment's weight is what switching it on adds to the class's
 * output.
 *
 * Outputs: text (a line per segment of the surrogate), CSV (the same as a
 * table), JSON (also the fit and the segmentation as an h x w grid of
 * labels) and PNG (the input, the segments of positive weight (and with
 * `negative` those of negative weight) in colour with their outlines, the
 * rest dimmed; one panel per class explained, side by side).
 */
#ifndef NR_LIME_IMAGE_H
#define NR_LIME_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lime.h"
#include "nn.h"
#include "superpixel.h"

#define NR_LIME_IMAGE_SAMPLES 1000
#define NR_LIME_IMAGE_WIDTH 0.25

typedef struct nr_lime_image_opts {
    int segmenter;      /* nr_seg_kind: slic, grid or quickshift */
    int segments;       /* 0: nr_segments_default; not quickshift */
    double compactness; /* SLIC */
    double kernel_size, max_dist, ratio; /* quickshift */
    int fill_mean;      /* off segments take their mean; else `fill` */
    float fill;         /* in the data's own units */
} nr_lime_image_opts;

void nr_lime_image_opts_default(nr_lime_image_opts *io);

/* Whether m takes images: an input of h x w with h * w > 1. */
int nr_lime_is_image(const nn_model *m);

/* The segmentation of input x of m. */
int nr_lime_image_segment(const nn_model *m, const float *x, const nr_lime_image_opts *io,
                          nr_segments *seg, nr_error *err);

/* Explain x (finite) for class klass (-1: the top o->top_labels), o's
 * samples, kernel width (0: 0.25), selection, features_max and alpha.
 * res->expl[e].feature[t] is a segment; bin is -1.  Seeded by (seed,
 * stream).  Free res with nr_lime_result_free, also after a failure. */
int nr_lime_explain_image(const nn_model *m, const float *x, const nr_segments *seg,
                          const nr_lime_image_opts *io, int klass, const nr_lime_opts *o,
                          uint64_t seed, uint64_t stream, nr_lime_result *res, nr_error *err);

typedef enum nr_lime_image_format {
    NR_LIME_IMG_TEXT,
    NR_LIME_IMG_CSV,
    NR_LIME_IMG_JSON,
    NR_LIME_IMG_PNG
} nr_lime_image_format;

/* What the outputs say about where an explanation comes from. */
typedef struct nr_lime_image_desc {
    const char *input;      /* "--row 3 of FILE" */
    const char *options;    /* the options that shape it */
    int samples;
    uint64_t seed;
} nr_lime_image_desc;

/* res in format f into *buf (malloc'd).  negative: PNG shows the
 * segments of negative weight too. */
int nr_lime_image_emit(const nn_model *m, const float *x, const nr_segments *seg,
                       const nr_lime_result *res, const nr_lime_image_desc *desc, int f, int negative,
                       char **buf, size_t *len, nr_error *err);

#endif
