/*
 * superpixel.h - cutting an image into superpixels, for LIME on images.
 *
 * SLIC (Achanta et al., 2012): k-means over (intensity, y, x) from a grid
 * of centres, each centre looking only at the pixels within one grid step
 * of it; the distance is the squared intensity difference (channels
 * scaled together to 0..1 by the image's own range) plus
 * (compactness / step)^2 times the squared distance in pixels, so a
 * larger compactness gives squarer segments.  Ten rounds, then every
 * segment is made one 4-connected region: each connected piece of a
 * cluster becomes a segment, and a piece smaller than half the
 * mean segment size is merged into the neighbouring segment of closest
 * mean intensity.  The grid segmenter cuts the image into rows x columns
 * blocks.  Both are deterministic (no random start).
 *
 * Images are channel-first (c planes of h x w), as the runtime's inputs.
 * Segment labels are numbered 0..n-1 in the raster order of each
 * segment's first pixel.
 */
#ifndef NR_SUPERPIXEL_H
#define NR_SUPERPIXEL_H

#include "error.h"

typedef enum nr_seg_kind {
    NR_SEG_SLIC = 0,
    NR_SEG_GRID = 1,
    NR_SEG_QUICKSHIFT = 2 /* named for the options; not implemented */
} nr_seg_kind;

#define NR_SLIC_COMPACTNESS 0.1 /* the default: a grid step weighs as 0.1 of intensity */

typedef struct nr_segments {
    int h, w, n;
    int *label;              /* h * w, 0..n-1 */
    int *size;               /* n: pixels of each */
    int *x0, *y0, *x1, *y1;  /* n: bounding boxes, inclusive */
} nr_segments;

void nr_segments_free(nr_segments *s);

/* The default number of segments for an h x w image: a segment per 16
 * pixels, at least 16 and at most 100, and at most a quarter of the
 * pixels (16 for 8x8, 49 for 28x28). */
int nr_segments_default(int h, int w);

/* SLIC into about nseg segments (the grid's rows x columns come nearest
 * to nseg; fewer when the image has fewer pixels). */
int nr_slic(const float *img, int c, int h, int w, int nseg, double compactness, nr_segments *out,
            nr_error *err);

/* rows x columns blocks, about nseg of them. */
int nr_grid_segments(int h, int w, int nseg, nr_segments *out, nr_error *err);

/* means (n x c): each channel's mean over each segment. */
int nr_segments_means(const float *img, int c, const nr_segments *s, float *means, nr_error *err);

/* out = img with every pixel of a segment that is off (on[k] == 0) set to
 * fill[k * c + channel]. */
void nr_segments_fill(const float *img, int c, const nr_segments *s, const unsigned char *on,
                      const float *fill, float *out);

#endif
