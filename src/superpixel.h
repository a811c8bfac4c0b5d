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
 * blocks.
 *
 * Quickshift (Vedaldi and Soatto, 2008, as scikit-image has it, which the
 * reference LIME uses by default): every pixel is a point (ratio * colour,
 * y, x), the colour its channels scaled together to 0..100 by the image's
 * own range (a grey image's intensity on the scale of CIELAB's L*, so that
 * ratio and max_dist mean what they mean there; no Lab conversion, as the
 * network's inputs are in its own units).  A pixel's density is the sum of
 * exp(-d^2 / (2 kernel_size^2)) over the pixels of the square window of
 * radius ceil(3 kernel_size) around it; each pixel links to the nearest
 * pixel of its window (the lower raster index on a tie) that stands
 * higher: of greater density, or of equal density and lower raster index
 * (so that a flat region has one peak, not a peak in every pixel),
 * unless that is farther than max_dist; a pixel without a link is a root,
 * and a segment is a root and the pixels whose links lead to it.  The
 * densities are summed in fixed point, so that equal sums come out equal
 * whatever the order.  A quickshift segment need not be 4-connected (a
 * link may jump within the window).  With LIME's defaults (kernel_size 4,
 * max_dist 200, ratio 0.2) a small image gives few segments (a window
 * covers most of it): smaller values give more.
 *
 * All three are deterministic (no random start).
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
    NR_SEG_QUICKSHIFT = 2
} nr_seg_kind;

#define NR_SLIC_COMPACTNESS 0.1 /* the default: a grid step weighs as 0.1 of intensity */

/* quickshift's defaults, those of the reference LIME */
#define NR_QS_KERNEL_SIZE 4.0
#define NR_QS_MAX_DIST 200.0
#define NR_QS_RATIO 0.2

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

/* Quickshift (kernel_size, max_dist and ratio positive and finite). */
int nr_quickshift(const float *img, int c, int h, int w, double kernel_size, double max_dist, double ratio,
                  nr_segments *out, nr_error *err);

/* rows x columns blocks, about nseg of them. */
int nr_grid_segments(int h, int w, int nseg, nr_segments *out, nr_error *err);

/* means (n x c): each channel's mean over each segment. */
int nr_segments_means(const float *img, int c, const nr_segments *s, float *means, nr_error *err);

/* out = img with every pixel of a segment that is off (on[k] == 0) set to
 * fill[k * c + channel]. */
void nr_segments_fill(const float *img, int c, const nr_segments *s, const unsigned char *on,
                      const float *fill, float *out);

#endif
