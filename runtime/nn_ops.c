/*
 * nn_ops.c - the operator table: one entry per layer type, each knowing how
 * to check the layer and compute its output shape, which tensors it carries,
 * and how to run a batch forward and backward.
 *
 * Semantics follow PyTorch (eval mode): Linear, Conv2d (zero padding, may be
 * asymmetric, dilation, one group), MaxPool2d (padding is -inf), AvgPool2d
 * (count_include_pad as a flag), BatchNorm2d/1d with running statistics.
 * Dense layers and convolutions go through cblas_sgemm; a convolution is
 * im2col + GEMM, its input gradient GEMM + col2im.  Layers whose windows are
 * awkward to walk (convolutions with narrow outputs, max pooling) precompute
 * an index table once per workspace and gather through it.
 *
 * Functions here trust the shapes: nn_model_finalize() has checked them.
 * The buffers a pass hands them never overlap (hence restrict), which lets
 * the element-wise loops vectorize.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn_internal.h"

/* --- shapes ------------------------------------------------------------- */

/* Checks shared by convolution and pooling windows, then the output size as
 * PyTorch computes it (floor mode). */
static int window_shape(const nn_layer *l, int idx, nn_shape in, int conv,
                        int *oh, int *ow, nn_error *err)
{
    long long eh, ew, ph, pw;
    if (l->kh < 1 || l->kw < 1)
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "window %dx%d must be at least 1x1", l->kh, l->kw);
    if (l->kh > NN_MAX_DIM || l->kw > NN_MAX_DIM)
        return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                               "window %dx%d is too large", l->kh, l->kw);
    if (l->sh < 1 || l->sw < 1)
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "stride must be >= 1");
    if (l->sh > NN_MAX_DIM || l->sw > NN_MAX_DIM)
        return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                               "stride %dx%d is too large", l->sh, l->sw);
    if (conv) {
        if (l->dh < 1 || l->dw < 1)
            return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                                   "dilation must be >= 1");
        if (l->dh > NN_MAX_DIM || l->dw > NN_MAX_DIM)
            return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                                   "dilation %dx%d is too large", l->dh, l->dw);
    } else if (l->dh < 0 || l->dh > 1 || l->dw < 0 || l->dw > 1) {
        /* 0 is what a reader leaves when pooling has no dilation field. */
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "dilation is not supported for pooling");
    }
    if (l->pad_t < 0 || l->pad_l < 0 || l->pad_b < 0 || l->pad_r < 0)
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "padding must be >= 0");
    if (l->pad_t > NN_MAX_DIM || l->pad_l > NN_MAX_DIM ||
        l->pad_b > NN_MAX_DIM || l->pad_r > NN_MAX_DIM)
        return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                               "padding is too large");
    /* The window's extent in the input, dilation included. */
    eh = (long long)(conv ? l->dh : 1) * (l->kh - 1) + 1;
    ew = (long long)(conv ? l->dw : 1) * (l->kw - 1) + 1;
    /* Padding smaller than the window keeps every window over at least one
     * real cell, which max and average pooling rely on. */
    if (l->pad_t >= eh || l->pad_b >= eh || l->pad_l >= ew || l->pad_r >= ew)
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "padding (top %d, left %d, bottom %d, right %d) "
                               "must be smaller than the window %lldx%lld",
                               l->pad_t, l->pad_l, l->pad_b, l->pad_r, eh, ew);
    ph = (long long)in.h + l->pad_t + l->pad_b;
    pw = (long long)in.w + l->pad_l + l->pad_r;
    if (ph < eh || pw < ew)
        return nnrt_layer_fail(err, NN_ESHAPE, idx, l->type,
                               "window %lldx%lld does not fit in the padded input %lldx%lld",
                               eh, ew, ph, pw);
    *oh = (int)((ph - eh) / l->sh + 1);
    *ow = (int)((pw - ew) / l->sw + 1);
    return 0;
}

static int check_units(const nn_layer *l, int idx, nn_error *err)
{
    if (l->units < 1)
        return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                               "units must be >= 1, not %d", l->units);
    if (l->units > NN_MAX_DIM)
        return nnrt_layer_fail(err, NN_ELIMIT, idx, l->type,
                               "%d units, beyond the limit of %d", l->units,
                               NN_MAX_DIM);
    return 0;
}

static int dense_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                       nn_error *err)
{
    int e = check_units(l, idx, err);
    (void)in;
    if (e < 0)
        return e;
    out->c = l->units;
    out->h = out->w = 1;
    return 0;
}

static int conv_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                      nn_error *err)
{
    int e = check_units(l, idx, err);
    if (e < 0)
        return e;
    if ((e = window_shape(l, idx, in, 1, &out->h, &out->w, err)) < 0)
        return e;
    out->c = l->units;
    return 0;
}

static int pool_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                      nn_error *err)
{
    out->c = in.c;
    return window_shape(l, idx, in, 0, &out->h, &out->w, err);
}

static int gap_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                     nn_error *err)
{
    (void)l, (void)idx, (void)err;
    out->c = in.c;
    out->h = out->w = 1;
    return 0;
}

static int flatten_shape(const nn_layer *l, int idx, nn_shape in,
                         nn_shape *out, nn_error *err)
{
    (void)l, (void)idx, (void)err;
    /* The input passed the NN_MAX_TENSOR check, so this fits an int. */
    out->c = in.c * in.h * in.w;
    out->h = out->w = 1;
    return 0;
}

static int same_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                      nn_error *err)
{
    (void)l, (void)idx, (void)err;
    *out = in;
    return 0;
}

static int alpha_shape(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                       nn_error *err)
{
    if (!isfinite(l->alpha))
        return nnrt_layer_fail(err, NN_ENONFINITE, idx, l->type,
                               "%s is %s",
                               l->type == NN_BATCHNORM ? "epsilon" : "slope",
                               isnan(l->alpha) ? "NaN" : "infinite");
    *out = in;
    return 0;
}

/* --- tensor sizes -------------------------------------------------------- */

static void dense_sizes(const nn_layer *l, nn_shape in, size_t n[4])
{
    n[0] = nnrt_mul((size_t)(l->units > 0 ? l->units : 0), nn_shape_size(in));
    n[1] = (size_t)(l->units > 0 ? l->units : 0);
}

static void conv_sizes(const nn_layer *l, nn_shape in, size_t n[4])
{
    size_t units = (size_t)(l->units > 0 ? l->units : 0);
    size_t kh = (size_t)(l->kh > 0 ? l->kh : 0), kw = (size_t)(l->kw > 0 ? l->kw : 0);
    size_t c = (size_t)(in.c > 0 ? in.c : 0);
    n[0] = nnrt_mul(nnrt_mul(units, c), nnrt_mul(kh, kw));
    n[1] = units;
}

static void bn_sizes(const nn_layer *l, nn_shape in, size_t n[4])
{
    (void)l;
    n[0] = n[1] = n[2] = n[3] = (size_t)(in.c > 0 ? in.c : 0);
}

static int bn_check(const nn_layer *l, int idx, nn_error *err)
{
    for (int c = 0; c < l->in.c; c++)
        /* The same float sum the forward pass takes the root of. */
        if (!(l->bn_var[c] + l->alpha > 0.0f))
            return nnrt_layer_fail(err, NN_EINVAL, idx, l->type,
                                   "var[%d] + epsilon is %g, must be > 0", c,
                                   (double)(l->bn_var[c] + l->alpha));
    return 0;
}

/* --- dense --------------------------------------------------------------- */

static void dense_forward(const nn_layer *l, const float *restrict x,
                          float *restrict y, int n, const nnrt_scratch *s)
{
    const int in = (int)nn_shape_size(l->in), units = l->units;
    (void)s;
    for (int j = 0; j < n; j++)
        memcpy(y + (size_t)j * units, l->b, (size_t)units * sizeof *y);
    /* Y[n x units] += X[n x in] * W^T, W stored [units][in]: one GEMM for
     * the whole batch. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, units, in, 1.0f,
                x, in, l->w, in, 1.0f, y, units);
}

static void dense_backward(const nn_layer *l, const float *x, const float *y,
                           const float *restrict dy, float *restrict dx, int n,
                           nn_grad_mode mode, const nnrt_scratch *s)
{
    const int in = (int)nn_shape_size(l->in), units = l->units;
    (void)x, (void)y, (void)mode, (void)s;
    /* dX[n x in] = dY[n x units] * W[units x in] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, units, 1.0f,
                dy, units, l->w, in, 0.0f, dx, in);
}

/* --- convolution --------------------------------------------------------- */

/* Output rows narrower than this are gathered through an index table: the
 * row-segment copies of im2col cost more in loop overhead than in data when
 * a segment is a handful of floats (8x8 images), and a flat gather does not
 * care about the shape. */
#define CONV_TABLE_MAX_WIDTH 15

/* A 1x1 convolution with stride 1 and no padding: its im2col is the input. */
static int conv_pointwise(const nn_layer *l)
{
    return l->kh == 1 && l->kw == 1 && l->sh == 1 && l->sw == 1 &&
           !l->pad_t && !l->pad_l && !l->pad_b && !l->pad_r;
}

static int conv_uses_table(const nn_layer *l)
{
    return !conv_pointwise(l) && l->out.w <= CONV_TABLE_MAX_WIDTH;
}

/* Rows of one sample's im2col matrix. */
static size_t conv_k(const nn_layer *l)
{
    return (size_t)l->in.c * l->kh * l->kw;
}

/* Output positions per channel: columns of the im2col matrix. */
static size_t out_positions(const nn_layer *l)
{
    return (size_t)l->out.h * l->out.w;
}

/* One plane of the zero-prefixed copy of the input that table gathers read:
 * each channel's cells follow a 0, which padding entries (-1) point at. */
static size_t zplane(const nn_layer *l)
{
    return (size_t)l->in.h * l->in.w + 1;
}

/* The im2col matrix, plus the zero-prefixed input when gathering. */
static size_t conv_scratch(const nn_layer *l)
{
    if (conv_pointwise(l))
        return 0;
    if (conv_uses_table(l))
        return conv_k(l) * out_positions(l) + (size_t)l->in.c * zplane(l);
    return conv_k(l) * out_positions(l);
}

/* For one channel, in im2col row order (ky, kx) then output position: the
 * input cell each entry reads, or -1 for padding.  The same for every
 * channel, so it is kh*kw*oh*ow ints. */
static size_t conv_table(const nn_layer *l, int *tab)
{
    const size_t len = (size_t)l->kh * l->kw * out_positions(l);
    size_t t = 0;
    if (!conv_uses_table(l))
        return 0;
    if (!tab)
        return len;
    for (int ky = 0; ky < l->kh; ky++)
        for (int kx = 0; kx < l->kw; kx++)
            for (int oy = 0; oy < l->out.h; oy++)
                for (int ox = 0; ox < l->out.w; ox++) {
                    int iy = oy * l->sh - l->pad_t + ky * l->dh;
                    int ix = ox * l->sw - l->pad_l + kx * l->dw;
                    tab[t++] = iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w
                                   ? -1
                                   : iy * l->in.w + ix;
                }
    return len;
}

/* im2col by table: copy the sample behind per-channel zeros, then one
 * flat gather per channel. */
static void gather_cols(const nn_layer *l, const float *restrict x,
                        const int *restrict tab, float *restrict col,
                        float *restrict z)
{
    const size_t hw = zplane(l) - 1, len = (size_t)l->kh * l->kw * out_positions(l);
    for (int c = 0; c < l->in.c; c++) {
        float *zc = z + (size_t)c * (hw + 1);
        zc[0] = 0.0f;
        memcpy(zc + 1, x + (size_t)c * hw, hw * sizeof *zc);
    }
    for (int c = 0; c < l->in.c; c++) {
        const float *zc = z + (size_t)c * (hw + 1) + 1;
        float *r = col + (size_t)c * len;
        NNRT_FOR_BLOCKED(t, len, r[t] = zc[tab[t]]);
    }
}

/* The adjoint of gather_cols: add each column entry onto the cell it was
 * read from (padding lands on the discarded zero cells), then copy the
 * planes out to dx. */
static void scatter_cols(const nn_layer *l, const float *restrict col,
                         const int *restrict tab, float *restrict z,
                         float *restrict dx)
{
    const size_t hw = zplane(l) - 1, len = (size_t)l->kh * l->kw * out_positions(l);
    memset(z, 0, (size_t)l->in.c * (hw + 1) * sizeof *z);
    for (int c = 0; c < l->in.c; c++) {
        float *zc = z + (size_t)c * (hw + 1) + 1;
        const float *r = col + (size_t)c * len;
        for (size_t t = 0; t < len; t++)
            zc[tab[t]] += r[t];
    }
    for (int c = 0; c < l->in.c; c++)
        memcpy(dx + (size_t)c * hw, z + (size_t)c * (hw + 1) + 1,
               hw * sizeof *dx);
}

/* Output columns [*lo, *hi) whose input column ox*stride + off is inside
 * [0, w); the others read padding. */
static void valid_cols(int off, int stride, int w, int ow, int *lo, int *hi)
{
    int a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int b = w - 1 - off < 0 ? 0 : (w - 1 - off) / stride + 1;
    if (a > ow)
        a = ow;
    if (b > ow)
        b = ow;
    if (b < a)
        b = a;
    *lo = a;
    *hi = b;
}

/* im2col by rows, for wide outputs: row (c, ky, kx) of col holds the input
 * under that kernel tap for every output position, copied a row segment at
 * a time. */
static void im2col(const nn_layer *l, const float *restrict x,
                   float *restrict col)
{
    const int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    const size_t N = out_positions(l);
    size_t row_i = 0;
    for (int c = 0; c < l->in.c; c++)
        for (int ky = 0; ky < l->kh; ky++)
            for (int kx = 0; kx < l->kw; kx++, row_i++) {
                float *row = col + row_i * N;
                int off = kx * l->dw - l->pad_l, lo, hi;
                valid_cols(off, l->sw, W, OW, &lo, &hi);
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * l->sh - l->pad_t + ky * l->dh;
                    float *r = row + (size_t)oy * OW;
                    const float *src;
                    if (iy < 0 || iy >= H) {
                        memset(r, 0, (size_t)OW * sizeof *r);
                        continue;
                    }
                    src = x + ((size_t)c * H + (size_t)iy) * W;
                    for (int ox = 0; ox < lo; ox++)
                        r[ox] = 0.0f;
                    if (l->sw == 1)
                        memcpy(r + lo, src + lo + off, (size_t)(hi - lo) * sizeof *r);
                    else
                        for (int ox = lo; ox < hi; ox++)
                            r[ox] = src[ox * l->sw + off];
                    for (int ox = hi; ox < OW; ox++)
                        r[ox] = 0.0f;
                }
            }
}

/* The adjoint of im2col.  dx must be zeroed. */
static void col2im(const nn_layer *l, const float *restrict col,
                   float *restrict dx)
{
    const int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    const size_t N = out_positions(l);
    size_t row_i = 0;
    for (int c = 0; c < l->in.c; c++)
        for (int ky = 0; ky < l->kh; ky++)
            for (int kx = 0; kx < l->kw; kx++, row_i++) {
                const float *row = col + row_i * N;
                int off = kx * l->dw - l->pad_l, lo, hi;
                valid_cols(off, l->sw, W, OW, &lo, &hi);
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * l->sh - l->pad_t + ky * l->dh;
                    const float *r = row + (size_t)oy * OW;
                    float *dst;
                    if (iy < 0 || iy >= H)
                        continue;
                    dst = dx + ((size_t)c * H + (size_t)iy) * W;
                    for (int ox = lo; ox < hi; ox++)
                        dst[ox * l->sw + off] += r[ox];
                }
            }
}

/* Per sample: im2col, then out[units x N] = W[units x K] * col[K x N] + b,
 * which is CHW already.  One GEMM per sample rather than one per batch:
 * OpenBLAS's small-matrix kernels make the per-sample GEMMs of small
 * images at least as fast as a batched one, and no transpose is needed. */
static void conv_forward(const nn_layer *l, const float *restrict x,
                         float *restrict y, int n, const nnrt_scratch *s)
{
    const int M = l->units, K = (int)conv_k(l), N = (int)out_positions(l);
    const size_t insz = nn_shape_size(l->in), outsz = (size_t)M * N;
    const int pointwise = conv_pointwise(l);
    for (int j = 0; j < n; j++) {
        const float *xj = x + (size_t)j * insz;
        float *yj = y + (size_t)j * outsz;
        const float *B = s->buf;
        if (pointwise)
            B = xj;
        else if (s->tab)
            gather_cols(l, xj, s->tab, s->buf, s->buf + (size_t)K * N);
        else
            im2col(l, xj, s->buf);
        for (int m = 0; m < M; m++) {
            float *ym = yj + (size_t)m * N;
            const float bias = l->b[m];
            NNRT_FOR_BLOCKED(k, (size_t)N, ym[k] = bias);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f,
                    l->w, K, B, N, 1.0f, yj, N);
    }
}

/* Per sample: dcol[K x N] = W^T * dY, then col2im. */
static void conv_backward(const nn_layer *l, const float *x, const float *y,
                          const float *restrict dy, float *restrict dx, int n,
                          nn_grad_mode mode, const nnrt_scratch *s)
{
    const int M = l->units, K = (int)conv_k(l), N = (int)out_positions(l);
    const size_t insz = nn_shape_size(l->in), outsz = (size_t)M * N;
    (void)x, (void)y, (void)mode;
    for (int j = 0; j < n; j++) {
        const float *dyj = dy + (size_t)j * outsz;
        float *dxj = dx + (size_t)j * insz;
        if (conv_pointwise(l)) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1.0f,
                        l->w, K, dyj, N, 0.0f, dxj, N);
            continue;
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1.0f,
                    l->w, K, dyj, N, 0.0f, s->buf, N);
        if (s->tab) {
            scatter_cols(l, s->buf, s->tab, s->buf + (size_t)K * N, dxj);
        } else {
            memset(dxj, 0, insz * sizeof *dxj);
            col2im(l, s->buf, dxj);
        }
    }
}

/* --- pooling ------------------------------------------------------------- */

/* The in-bounds part [*lo, *hi) of the window of output row/column o. */
static void window_range(int o, int stride, int pad, int k, int size, int *lo,
                         int *hi)
{
    int a = o * stride - pad, b = a + k;
    *lo = a < 0 ? 0 : a;
    *hi = b > size ? size : b;
}

/* For every output position, the kh*kw cells of its window in row-major
 * order, as offsets in one plane.  Padding (-inf) can never be the maximum
 * of a window that has a real cell, so its entries repeat the window's
 * first real cell: the max, and the first maximum on ties, are those of
 * the real cells alone. */
static size_t maxpool_table(const nn_layer *l, int *tab)
{
    const size_t len = (size_t)l->kh * l->kw * l->out.h * l->out.w;
    size_t t = 0;
    if (!tab)
        return len;
    for (int oy = 0; oy < l->out.h; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int ylo, yhi, xlo, xhi;
            window_range(oy, l->sh, l->pad_t, l->kh, l->in.h, &ylo, &yhi);
            window_range(ox, l->sw, l->pad_l, l->kw, l->in.w, &xlo, &xhi);
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++) {
                    int iy = oy * l->sh - l->pad_t + ky;
                    int ix = ox * l->sw - l->pad_l + kx;
                    tab[t++] = iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w
                                   ? ylo * l->in.w + xlo
                                   : iy * l->in.w + ix;
                }
        }
    return len;
}

/* Offset of a window's maximum: the first on ties; a NaN wins, as in
 * PyTorch. */
static int window_argmax(const float *restrict p, const int *restrict w,
                         int kk)
{
    int best = w[0];
    float v = p[best];
    for (int t = 1; t < kk; t++) {
        float u = p[w[t]];
        if (u > v || isnan(u)) {
            v = u;
            best = w[t];
        }
    }
    return best;
}

static void maxpool_forward(const nn_layer *l, const float *restrict x,
                            float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t hw = (size_t)l->in.h * l->in.w, N = out_positions(l);
    const size_t planes = (size_t)n * l->in.c;
    const int kk = l->kh * l->kw;
    for (size_t p = 0; p < planes; p++) {
        const float *in = x + p * hw;
        float *out = y + p * N;
        if (kk == 4) {
            /* 2x2, the usual case, as straight-line code. */
            for (size_t o = 0; o < N; o++) {
                const int *w = s->tab + o * 4;
                float a = in[w[0]], b = in[w[1]], c = in[w[2]], d = in[w[3]];
                float ab = b > a ? b : a, cd = d > c ? d : c;
                int nan = isnan(a) | isnan(b) | isnan(c) | isnan(d);
                out[o] = nan ? NAN : cd > ab ? cd : ab;
            }
            continue;
        }
        for (size_t o = 0; o < N; o++) {
            const int *w = s->tab + o * kk;
            float v = in[w[0]];
            int nan = isnan(v);
            /* A plain compare-select (maxss) with the NaN test on the
             * side: a branch here mispredicts on every other cell. */
            for (int t = 1; t < kk; t++) {
                float u = in[w[t]];
                nan |= isnan(u);
                v = u > v ? u : v;
            }
            out[o] = nan ? NAN : v;
        }
    }
}

/* The gradient goes to each window's argmax, recomputed from the stored
 * input; overlapping windows add up. */
static void maxpool_backward(const nn_layer *l, const float *restrict x,
                             const float *y, const float *restrict dy,
                             float *restrict dx, int n, nn_grad_mode mode,
                             const nnrt_scratch *s)
{
    const size_t hw = (size_t)l->in.h * l->in.w, N = out_positions(l);
    const size_t planes = (size_t)n * l->in.c;
    const int kk = l->kh * l->kw;
    (void)y, (void)mode;
    memset(dx, 0, planes * hw * sizeof *dx);
    for (size_t p = 0; p < planes; p++) {
        const float *in = x + p * hw, *g = dy + p * N;
        float *d = dx + p * hw;
        for (size_t o = 0; o < N; o++)
            d[window_argmax(in, s->tab + o * kk, kk)] += g[o];
    }
}

/* What a window's sum is divided by: the full window with NN_POOL_COUNT_PAD
 * (PyTorch's count_include_pad=True; windows never reach past the padding in
 * floor mode), else the real cells only (ONNX's default). */
static float avg_divisor(const nn_layer *l, int ylo, int yhi, int xlo, int xhi)
{
    if (l->flags & NN_POOL_COUNT_PAD)
        return (float)l->kh * (float)l->kw;
    return (float)(yhi - ylo) * (float)(xhi - xlo);
}

static void avgpool_forward(const nn_layer *l, const float *restrict x,
                            float *restrict y, int n, const nnrt_scratch *s)
{
    const int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    const size_t planes = (size_t)n * l->in.c;
    (void)s;
    for (size_t p = 0; p < planes; p++) {
        const float *in = x + p * H * W;
        float *out = y + p * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            int ylo, yhi;
            window_range(oy, l->sh, l->pad_t, l->kh, H, &ylo, &yhi);
            for (int ox = 0; ox < OW; ox++) {
                int xlo, xhi;
                float sum = 0.0f;
                window_range(ox, l->sw, l->pad_l, l->kw, W, &xlo, &xhi);
                for (int iy = ylo; iy < yhi; iy++)
                    for (int ix = xlo; ix < xhi; ix++)
                        sum += in[iy * W + ix];
                out[oy * OW + ox] = sum / avg_divisor(l, ylo, yhi, xlo, xhi);
            }
        }
    }
}

static void avgpool_backward(const nn_layer *l, const float *x, const float *y,
                             const float *restrict dy, float *restrict dx,
                             int n, nn_grad_mode mode, const nnrt_scratch *s)
{
    const int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    const size_t planes = (size_t)n * l->in.c;
    (void)x, (void)y, (void)mode, (void)s;
    memset(dx, 0, planes * H * W * sizeof *dx);
    for (size_t p = 0; p < planes; p++) {
        const float *g = dy + p * OH * OW;
        float *d = dx + p * H * W;
        for (int oy = 0; oy < OH; oy++) {
            int ylo, yhi;
            window_range(oy, l->sh, l->pad_t, l->kh, H, &ylo, &yhi);
            for (int ox = 0; ox < OW; ox++) {
                int xlo, xhi;
                float share;
                window_range(ox, l->sw, l->pad_l, l->kw, W, &xlo, &xhi);
                share = g[oy * OW + ox] / avg_divisor(l, ylo, yhi, xlo, xhi);
                for (int iy = ylo; iy < yhi; iy++)
                    for (int ix = xlo; ix < xhi; ix++)
                        d[iy * W + ix] += share;
            }
        }
    }
}

static void gap_forward(const nn_layer *l, const float *restrict x,
                        float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t hw = (size_t)l->in.h * l->in.w;
    const size_t planes = (size_t)n * l->in.c;
    (void)s;
    for (size_t p = 0; p < planes; p++) {
        float sum = 0.0f;
        for (size_t k = 0; k < hw; k++)
            sum += x[p * hw + k];
        y[p] = sum / (float)hw;
    }
}

static void gap_backward(const nn_layer *l, const float *x, const float *y,
                         const float *restrict dy, float *restrict dx, int n,
                         nn_grad_mode mode, const nnrt_scratch *s)
{
    const size_t hw = (size_t)l->in.h * l->in.w;
    const size_t planes = (size_t)n * l->in.c;
    (void)x, (void)y, (void)mode, (void)s;
    for (size_t p = 0; p < planes; p++) {
        const float share = dy[p] / (float)hw;
        float *d = dx + p * hw;
        NNRT_FOR_BLOCKED(k, hw, d[k] = share);
    }
}

/* --- element-wise --------------------------------------------------------- */

static size_t batch_size(const nn_layer *l, int n)
{
    return (size_t)n * nn_shape_size(l->in);
}

/* The selects below are written so that GCC turns them into SIMD masks
 * rather than branches, which random signs would mispredict half the time. */

static void relu_forward(const nn_layer *l, const float *restrict x,
                         float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    (void)s;
    NNRT_FOR_BLOCKED(k, len, y[k] = x[k] > 0.0f ? x[k] : 0.0f);
}

static void leaky_forward(const nn_layer *l, const float *restrict x,
                          float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    const float a = l->alpha;
    (void)s;
    NNRT_FOR_BLOCKED(k, len, float pos = x[k] > 0.0f ? x[k] : 0.0f;
                     float neg = x[k] > 0.0f ? 0.0f : x[k];
                     y[k] = pos + a * neg);
}

/* The three ways a rectifier passes the signal back (see nn_grad_mode).
 * Leaky ReLU keeps its slope for the true gradient and follows the ReLU
 * rules in the two visualisation modes. */
static void rectifier_backward(const float *restrict x,
                               const float *restrict dy, float *restrict dx,
                               size_t len, float slope, nn_grad_mode mode)
{
    switch (mode) {
    case NN_GRAD_DECONV:
        NNRT_FOR_BLOCKED(k, len, dx[k] = dy[k] > 0.0f ? dy[k] : 0.0f);
        break;
    case NN_GRAD_GUIDED:
        NNRT_FOR_BLOCKED(k, len, float g = dy[k] > 0.0f ? dy[k] : 0.0f;
                         dx[k] = x[k] > 0.0f ? g : 0.0f);
        break;
    default:
        NNRT_FOR_BLOCKED(k, len, float pos = x[k] > 0.0f ? dy[k] : 0.0f;
                         float neg = x[k] > 0.0f ? 0.0f : dy[k];
                         dx[k] = pos + slope * neg);
        break;
    }
}

static void relu_backward(const nn_layer *l, const float *x, const float *y,
                          const float *dy, float *dx, int n, nn_grad_mode mode,
                          const nnrt_scratch *s)
{
    (void)y, (void)s;
    rectifier_backward(x, dy, dx, batch_size(l, n), 0.0f, mode);
}

static void leaky_backward(const nn_layer *l, const float *x, const float *y,
                           const float *dy, float *dx, int n, nn_grad_mode mode,
                           const nnrt_scratch *s)
{
    (void)y, (void)s;
    rectifier_backward(x, dy, dx, batch_size(l, n), l->alpha, mode);
}

static void sigmoid_forward(const nn_layer *l, const float *restrict x,
                            float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    (void)s;
    for (size_t k = 0; k < len; k++)
        y[k] = 1.0f / (1.0f + expf(-x[k]));
}

static void sigmoid_backward(const nn_layer *l, const float *x,
                             const float *restrict y, const float *restrict dy,
                             float *restrict dx, int n, nn_grad_mode mode,
                             const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    (void)x, (void)mode, (void)s;
    NNRT_FOR_BLOCKED(k, len, dx[k] = dy[k] * y[k] * (1.0f - y[k]));
}

static void tanh_forward(const nn_layer *l, const float *restrict x,
                         float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    (void)s;
    for (size_t k = 0; k < len; k++)
        y[k] = tanhf(x[k]);
}

static void tanh_backward(const nn_layer *l, const float *x,
                          const float *restrict y, const float *restrict dy,
                          float *restrict dx, int n, nn_grad_mode mode,
                          const nnrt_scratch *s)
{
    const size_t len = batch_size(l, n);
    (void)x, (void)mode, (void)s;
    NNRT_FOR_BLOCKED(k, len, dx[k] = dy[k] * (1.0f - y[k] * y[k]));
}

/* Softmax over each whole sample; the max is subtracted first so that
 * large logits do not overflow. */
static void softmax_forward(const nn_layer *l, const float *restrict x,
                            float *restrict y, int n, const nnrt_scratch *s)
{
    const size_t len = nn_shape_size(l->in);
    (void)s;
    for (int j = 0; j < n; j++) {
        const float *a = x + (size_t)j * len;
        float *b = y + (size_t)j * len;
        float mx = a[0], sum = 0.0f, inv;
        for (size_t k = 1; k < len; k++)
            if (a[k] > mx)
                mx = a[k];
        for (size_t k = 0; k < len; k++) {
            b[k] = expf(a[k] - mx);
            sum += b[k];
        }
        inv = 1.0f / sum;
        NNRT_FOR_BLOCKED(k, len, b[k] *= inv);
    }
}

/* Jacobian-vector product: dx_k = y_k (dy_k - sum_i dy_i y_i). */
static void softmax_backward(const nn_layer *l, const float *x,
                             const float *restrict y, const float *restrict dy,
                             float *restrict dx, int n, nn_grad_mode mode,
                             const nnrt_scratch *s)
{
    const size_t len = nn_shape_size(l->in);
    (void)x, (void)mode, (void)s;
    for (int j = 0; j < n; j++) {
        const float *yj = y + (size_t)j * len, *g = dy + (size_t)j * len;
        float *d = dx + (size_t)j * len;
        float dot = 0.0f;
        for (size_t k = 0; k < len; k++)
            dot += g[k] * yj[k];
        NNRT_FOR_BLOCKED(k, len, d[k] = yj[k] * (g[k] - dot));
    }
}

/* Inference batch norm is a per-channel affine map, folded as PyTorch's CPU
 * kernel does: scale = gamma / sqrt(var + eps), shift = beta - mean * scale. */
static void bn_affine(const nn_layer *l, int c, float *scale, float *shift)
{
    *scale = l->bn_gamma[c] / sqrtf(l->bn_var[c] + l->alpha);
    *shift = l->bn_beta[c] - l->bn_mean[c] * *scale;
}

static void bn_forward(const nn_layer *l, const float *restrict x,
                       float *restrict y, int n, const nnrt_scratch *s)
{
    const int C = l->in.c;
    const size_t hw = (size_t)l->in.h * l->in.w;
    (void)s;
    for (int c = 0; c < C; c++) {
        float scale, shift;
        bn_affine(l, c, &scale, &shift);
        for (int j = 0; j < n; j++) {
            const float *a = x + ((size_t)j * C + c) * hw;
            float *b = y + ((size_t)j * C + c) * hw;
            NNRT_FOR_BLOCKED(k, hw, b[k] = a[k] * scale + shift);
        }
    }
}

static void bn_backward(const nn_layer *l, const float *x, const float *y,
                        const float *restrict dy, float *restrict dx, int n,
                        nn_grad_mode mode, const nnrt_scratch *s)
{
    const int C = l->in.c;
    const size_t hw = (size_t)l->in.h * l->in.w;
    (void)x, (void)y, (void)mode, (void)s;
    for (int c = 0; c < C; c++) {
        float scale, shift;
        bn_affine(l, c, &scale, &shift);
        for (int j = 0; j < n; j++) {
            const float *a = dy + ((size_t)j * C + c) * hw;
            float *b = dx + ((size_t)j * C + c) * hw;
            NNRT_FOR_BLOCKED(k, hw, b[k] = a[k] * scale);
        }
    }
}

/* --- the table ------------------------------------------------------------ */

static const nnrt_op ops[NN_LAYER_TYPE_END] = {
    [NN_DENSE] = {.name = "dense", .ntensors = 2,
                  .tensor_names = {"weights", "bias"},
                  .shape = dense_shape, .tensor_sizes = dense_sizes,
                  .forward = dense_forward, .backward = dense_backward},
    [NN_CONV2D] = {.name = "conv2d", .ntensors = 2,
                   .tensor_names = {"weights", "bias"},
                   .shape = conv_shape, .tensor_sizes = conv_sizes,
                   .scratch_size = conv_scratch, .index_table = conv_table,
                   .forward = conv_forward, .backward = conv_backward},
    [NN_MAXPOOL2D] = {.name = "maxpool2d", .shape = pool_shape,
                      .index_table = maxpool_table,
                      .forward = maxpool_forward, .backward = maxpool_backward},
    [NN_AVGPOOL2D] = {.name = "avgpool2d", .shape = pool_shape,
                      .forward = avgpool_forward, .backward = avgpool_backward},
    [NN_GLOBALAVGPOOL] = {.name = "globalavgpool", .shape = gap_shape,
                          .forward = gap_forward, .backward = gap_backward},
    [NN_FLATTEN] = {.name = "flatten", .alias = 1, .shape = flatten_shape},
    [NN_RELU] = {.name = "relu", .shape = same_shape,
                 .forward = relu_forward, .backward = relu_backward},
    [NN_LEAKYRELU] = {.name = "leakyrelu", .shape = alpha_shape,
                      .forward = leaky_forward, .backward = leaky_backward},
    [NN_SIGMOID] = {.name = "sigmoid", .shape = same_shape,
                    .forward = sigmoid_forward, .backward = sigmoid_backward},
    [NN_TANH] = {.name = "tanh", .shape = same_shape,
                 .forward = tanh_forward, .backward = tanh_backward},
    [NN_SOFTMAX] = {.name = "softmax", .shape = same_shape,
                    .forward = softmax_forward, .backward = softmax_backward},
    [NN_BATCHNORM] = {.name = "batchnorm", .ntensors = 4,
                      .tensor_names = {"gamma", "beta", "mean", "var"},
                      .shape = alpha_shape, .tensor_sizes = bn_sizes,
                      .check_values = bn_check,
                      .forward = bn_forward, .backward = bn_backward},
    [NN_DROPOUT] = {.name = "dropout", .alias = 1, .shape = same_shape},
};

const nnrt_op *nnrt_op_get(nn_layer_type t)
{
    if ((int)t <= 0 || (int)t >= NN_LAYER_TYPE_END)
        return NULL;
    return &ops[t];
}
