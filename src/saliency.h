/*
 * saliency.h - what a convolutional (or any) network looks at: saliency
 * maps of one input for one class, computed by the reference runtime, and
 * the PNG and CSV forms they are written in.
 *
 *   gradient          |d score / d input|
 *   gradient-x-input  d score / d input times the input (signed)
 *   smoothgrad        |mean of d score / d input| over noisy copies
 *   deconvnet         Zeiler and Fergus's projection (signed)
 *   guided            guided backpropagation (signed)
 *   cam               class activation map: networks that end in global
 *                     average pooling and one dense layer
 *   gradcam           Grad-CAM on any layer with spatial maps: ReLU of the
 *                     maps weighted by their mean gradient
 *   guided-gradcam    guided backpropagation times Grad-CAM upsampled
 *
 * The score is the class's logit: the input of a final softmax (or
 * sigmoid) layer, else the output.  Gradient methods give a map at the
 * input's resolution, channels folded (the largest |value| for absolute
 * maps, the sum for signed ones), or for a tabular input (one "pixel")
 * one value per feature; CAM and Grad-CAM at the layer's.
 */
#ifndef NR_SALIENCY_H
#define NR_SALIENCY_H

#include "error.h"
#include "nn.h"

typedef enum nr_sal_method {
    NR_SAL_GRADIENT,
    NR_SAL_GRADIENT_X_INPUT,
    NR_SAL_SMOOTHGRAD,
    NR_SAL_DECONVNET,
    NR_SAL_GUIDED,
    NR_SAL_CAM,
    NR_SAL_GRADCAM,
    NR_SAL_GUIDED_GRADCAM,
    NR_SAL_END
} nr_sal_method;

/* "gradient", ...: the method's name, and back (-1: none). */
const char *nr_sal_method_name(nr_sal_method m);
int nr_sal_method_by_name(const char *name);
/* Whether the method's maps are signed. */
int nr_sal_signed(nr_sal_method m);

typedef struct nr_sal_opts {
    int layer;          /* gradcam: runtime layer whose output is used; -1: the
                           last one with spatial maps */
    int samples;        /* smoothgrad: noisy copies (default 50) */
    double noise;       /* smoothgrad: noise sd, a fraction of each feature's
                           range (default 0.15) */
    unsigned long long seed;
} nr_sal_opts;

void nr_sal_opts_default(nr_sal_opts *o);

typedef struct nr_salmap {
    int h, w;           /* the map's grid */
    double *v;          /* h * w values, row-major */
    int klass;          /* the class explained */
    int layer;          /* cam, gradcam: the layer read; else -1 */
} nr_salmap;

void nr_salmap_free(nr_salmap *s);

/* Whether method applies to m with o (CAM's form, Grad-CAM's layer),
 * whatever the input: an error that names what does not fit. */
int nr_sal_check(const nn_model *m, nr_sal_method method, const nr_sal_opts *o, nr_error *err);

/* The map of method for input x (one row, in the data's own units) and
 * class klass (-1: the predicted one).  Errors name what does not fit: a
 * network without the CAM form, a layer without spatial maps, a
 * regression model. */
int nr_saliency(const nn_model *m, const float *x, int klass, nr_sal_method method,
                const nr_sal_opts *o, nr_salmap *out, nr_error *err);

/* The maps of n rows x (out: n maps): the gradient methods in batches
 * through the runtime, the others one row at a time; the same maps as
 * nr_saliency row by row (up to the last bits a batched product may
 * change).  An error names the row (from 1). */
int nr_saliency_many(const nn_model *m, const float *x, int n, int klass, nr_sal_method method,
                     const nr_sal_opts *o, nr_salmap *out, nr_error *err);

/* The map as CSV: one line per row of the grid, "%.9g" values. */
int nr_salmap_csv(const nr_salmap *s, char **buf, size_t *len, nr_error *err);

/* A picture of the map, as PNG bytes: overlaid on the input (grey, or its
 * colours when it has 3 channels) when x is given, else alone; upsampled
 * (bilinear) to the input's size and scaled up to at least 256 pixels a
 * side; a colour scale down the right edge (signed maps: blue, white, red
 * around 0; others: black through red and yellow to white). */
int nr_salmap_png(const nn_model *m, const nr_salmap *s, int is_signed, const float *x,
                  char **buf, size_t *len, nr_error *err);

/* Input value v of feature j as a shade from 0 to 1, by the feature's
 * declared range (clamped; 0 without one). */
double nr_input_shade(const nn_model *m, int j, float v);

/* Pixel p of input x as an RGB colour, 0 to 1 a channel: grey from the
 * first channel, or the colours of a 3-channel input. */
void nr_input_pixel(const nn_model *m, const float *x, int p, double rgb[3]);

/* PNG bytes of a w x h RGB image (3 bytes a pixel, rows top down). */
int nr_png_rgb(int w, int h, const unsigned char *rgb, char **buf, size_t *len, nr_error *err);

/* Many overlays in one PNG, `cols` to a row (a contact sheet). */
int nr_salmap_sheet_png(const nn_model *m, const nr_salmap *maps, int n, int is_signed,
                        const float *const *xs, int cols, char **buf, size_t *len, nr_error *err);

#endif
