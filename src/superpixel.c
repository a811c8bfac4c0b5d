/*
 * superpixel.c - SLIC, quickshift and grid superpixels (see superpixel.h).
 */
#include "superpixel.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void nr_segments_free(nr_segments *s)
{
    if (!s)
        return;
    free(s->label);
    free(s->size);
    free(s->x0);
    free(s->y0);
    free(s->x1);
    free(s->y1);
    memset(s, 0, sizeof *s);
}

int nr_segments_default(int h, int w)
{
    long hw = (long)h * w, n = lround(hw / 16.0);
    if (n < 16)
        n = 16;
    if (n > 100)
        n = 100;
    if (n > hw / 4)
        n = hw / 4;
    return n < 1 ? 1 : (int)n;
}

/* The rows and columns of a grid of about k cells over h x w. */
static void grid_shape(int h, int w, int k, int *ny, int *nx)
{
    long r = lround(sqrt((double)k * h / w)), c;
    r = r < 1 ? 1 : r > h ? h : r;
    c = lround((double)k / r);
    c = c < 1 ? 1 : c > w ? w : c;
    *ny = (int)r;
    *nx = (int)c;
}

/* Sizes and boxes of s->label's n segments. */
static int finish(nr_segments *s, nr_error *err)
{
    int n = s->n;
    s->size = calloc((size_t)n, sizeof *s->size);
    s->x0 = malloc(sizeof *s->x0 * (size_t)n);
    s->y0 = malloc(sizeof *s->y0 * (size_t)n);
    s->x1 = malloc(sizeof *s->x1 * (size_t)n);
    s->y1 = malloc(sizeof *s->y1 * (size_t)n);
    if (!s->size || !s->x0 || !s->y0 || !s->x1 || !s->y1) {
        nr_segments_free(s);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        s->x0[k] = s->w;
        s->y0[k] = s->h;
        s->x1[k] = s->y1[k] = -1;
    }
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            int k = s->label[(size_t)y * s->w + x];
            s->size[k]++;
            s->x0[k] = x < s->x0[k] ? x : s->x0[k];
            s->y0[k] = y < s->y0[k] ? y : s->y0[k];
            s->x1[k] = x > s->x1[k] ? x : s->x1[k];
            s->y1[k] = y > s->y1[k] ? y : s->y1[k];
        }
    return 0;
}

int nr_grid_segments(int h, int w, int nseg, nr_segments *out, nr_error *err)
{
    int ny, nx;
    memset(out, 0, sizeof *out);
    if (h < 1 || w < 1 || nseg < 1)
        return nr_error_set(err, NR_EINVAL, "cannot cut a %dx%d image into %d segments", h, w, nseg);
    grid_shape(h, w, nseg, &ny, &nx);
    out->h = h;
    out->w = w;
    out->n = ny * nx;
    if (!(out->label = malloc(sizeof *out->label * (size_t)h * w)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out->label[(size_t)y * w + x] = (int)((long)y * ny / h) * nx + (int)((long)x * nx / w);
    return finish(out, err);
}

static int find(int *parent, int a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

/* Every cluster of lab made 4-connected (see superpixel.h): lab is
 * rewritten with the final labels, their number returned (or -1 when out
 * of memory).  v: the image scaled, c planes of hw. */
static int connect(const double *v, int c, int h, int w, int minsize, int *lab)
{
    size_t hw = (size_t)h * w;
    int *comp = malloc(sizeof *comp * hw), *stack = malloc(sizeof *stack * hw);
    int *parent = NULL, *size = NULL, *best = NULL, *rename = NULL, ncomp = 0, n = 0;
    double *sum = NULL, *bestd = NULL;
    if (!comp || !stack)
        goto oom;
    /* the connected pieces, by flood fill in raster order */
    for (size_t p = 0; p < hw; p++)
        comp[p] = -1;
    for (size_t p = 0; p < hw; p++) {
        int top = 0;
        if (comp[p] >= 0)
            continue;
        comp[p] = ncomp;
        stack[top++] = (int)p;
        while (top > 0) {
            int q = stack[--top], y = q / w, x = q % w;
            int nb[4] = {x > 0 ? q - 1 : -1, x < w - 1 ? q + 1 : -1, y > 0 ? q - w : -1,
                         y < h - 1 ? q + w : -1};
            for (int t = 0; t < 4; t++)
                if (nb[t] >= 0 && comp[nb[t]] < 0 && lab[nb[t]] == lab[p]) {
                    comp[nb[t]] = ncomp;
                    stack[top++] = nb[t];
                }
        }
        ncomp++;
    }
    parent = malloc(sizeof *parent * (size_t)ncomp);
    size = calloc((size_t)ncomp, sizeof *size);
    best = malloc(sizeof *best * (size_t)ncomp);
    rename = malloc(sizeof *rename * (size_t)ncomp);
    sum = calloc((size_t)ncomp * c, sizeof *sum);
    bestd = malloc(sizeof *bestd * (size_t)ncomp);
    if (!parent || !size || !best || !rename || !sum || !bestd)
        goto oom;
    for (int k = 0; k < ncomp; k++)
        parent[k] = k;
    for (size_t p = 0; p < hw; p++) {
        size[comp[p]]++;
        for (int ch = 0; ch < c; ch++)
            sum[(size_t)comp[p] * c + ch] += v[ch * hw + p];
    }
    /* small pieces join the neighbour of closest mean intensity, until
     * none is left that has a neighbour */
    for (;;) {
        int merged = 0;
        for (int k = 0; k < ncomp; k++)
            best[k] = -1;
        for (size_t p = 0; p < hw; p++) {
            int x = (int)(p % w);
            size_t nb[2] = {x < w - 1 ? p + 1 : hw, p + w < hw ? p + w : hw};
            for (int t = 0; t < 2; t++) {
                int a, b;
                if (nb[t] >= hw)
                    continue;
                a = find(parent, comp[p]);
                b = find(parent, comp[nb[t]]);
                if (a == b)
                    continue;
                for (int side = 0; side < 2; side++) {
                    int s = side ? b : a, o = side ? a : b;
                    double d = 0;
                    if (size[s] >= minsize)
                        continue;
                    for (int ch = 0; ch < c; ch++) {
                        double e = sum[(size_t)s * c + ch] / size[s] - sum[(size_t)o * c + ch] / size[o];
                        d += e * e;
                    }
                    if (best[s] < 0 || d < bestd[s] || (d == bestd[s] && o < best[s])) {
                        best[s] = o;
                        bestd[s] = d;
                    }
                }
            }
        }
        for (int k = 0; k < ncomp; k++) {
            int a, b;
            if (parent[k] != k || size[k] >= minsize || best[k] < 0)
                continue;
            a = find(parent, k);
            b = find(parent, best[k]);
            if (a == b || size[a] >= minsize)
                continue;
            /* the lower index stays the root: the order is the raster order */
            if (b < a) {
                int t = a;
                a = b;
                b = t;
            }
            parent[b] = a;
            size[a] += size[b];
            for (int ch = 0; ch < c; ch++)
                sum[(size_t)a * c + ch] += sum[(size_t)b * c + ch];
            merged = 1;
        }
        if (!merged)
            break;
    }
    for (int k = 0; k < ncomp; k++)
        rename[k] = -1;
    for (size_t p = 0; p < hw; p++) {
        int r = find(parent, comp[p]);
        if (rename[r] < 0)
            rename[r] = n++;
        lab[p] = rename[r];
    }
    goto done;
oom:
    n = -1;
done:
    free(comp);
    free(stack);
    free(parent);
    free(size);
    free(best);
    free(rename);
    free(sum);
    free(bestd);
    return n;
}

/* v = the n values of img scaled together to 0..top by their own range
 * (all 0 when they are all equal); a value that is not finite is refused
 * by its pixel number. */
static int scale_image(const float *img, size_t n, double top, double *v, nr_error *err)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t p = 0; p < n; p++) {
        if (!isfinite(img[p]))
            return nr_error_set(err, NR_EINVAL, "pixel %zu of the image is not a finite number", p + 1);
        lo = img[p] < lo ? img[p] : lo;
        hi = img[p] > hi ? img[p] : hi;
    }
    for (size_t p = 0; p < n; p++)
        v[p] = hi > lo ? top * ((img[p] - lo) / (hi - lo)) : 0;
    return 0;
}

int nr_slic(const float *img, int c, int h, int w, int nseg, double compactness, nr_segments *out,
            nr_error *err)
{
    size_t hw = (size_t)h * w;
    int ny, nx, k, rc = 0, minsize;
    double step, m2;
    double *v = NULL, *cen = NULL, *acc = NULL, *dist = NULL;
    int *cnt = NULL;
    memset(out, 0, sizeof *out);
    if (h < 1 || w < 1 || c < 1 || nseg < 1)
        return nr_error_set(err, NR_EINVAL, "cannot cut a %dx%dx%d image into %d segments", c, h, w, nseg);
    if (!(compactness >= 0) || !isfinite(compactness))
        return nr_error_set(err, NR_EINVAL, "the compactness must be a number from 0");
    grid_shape(h, w, nseg, &ny, &nx);
    k = ny * nx;
    step = sqrt((double)hw / k);
    m2 = compactness * compactness / (step * step);
    /* a centre is (y, x, c intensities) */
    v = malloc(sizeof *v * hw * c);
    cen = malloc(sizeof *cen * (size_t)k * (c + 2));
    acc = malloc(sizeof *acc * (size_t)k * (c + 2));
    dist = malloc(sizeof *dist * hw);
    cnt = malloc(sizeof *cnt * (size_t)k);
    out->label = malloc(sizeof *out->label * hw);
    if (!v || !cen || !acc || !dist || !cnt || !out->label) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = scale_image(img, hw * c, 1, v, err)) < 0)
        goto done;
    for (int i = 0; i < ny; i++)
        for (int j = 0; j < nx; j++) {
            double *ce = cen + (size_t)(i * nx + j) * (c + 2);
            int y = (int)((i + 0.5) * h / ny), x = (int)((j + 0.5) * w / nx);
            ce[0] = (i + 0.5) * h / ny;
            ce[1] = (j + 0.5) * w / nx;
            for (int ch = 0; ch < c; ch++)
                ce[2 + ch] = v[ch * hw + (size_t)y * w + x];
        }
    for (int iter = 0; iter < 10; iter++) {
        for (size_t p = 0; p < hw; p++) {
            dist[p] = INFINITY;
            out->label[p] = -1;
        }
        for (int t = 0; t < k; t++) {
            const double *ce = cen + (size_t)t * (c + 2);
            int ya = (int)floor(ce[0] - step), yb = (int)ceil(ce[0] + step);
            int xa = (int)floor(ce[1] - step), xb = (int)ceil(ce[1] + step);
            if (iter > 0 && !cnt[t])
                continue; /* emptied: it has nothing to move to */
            ya = ya < 0 ? 0 : ya;
            xa = xa < 0 ? 0 : xa;
            yb = yb > h - 1 ? h - 1 : yb;
            xb = xb > w - 1 ? w - 1 : xb;
            for (int y = ya; y <= yb; y++)
                for (int x = xa; x <= xb; x++) {
                    size_t p = (size_t)y * w + x;
                    double dy = y + 0.5 - ce[0], dx = x + 0.5 - ce[1], d = m2 * (dy * dy + dx * dx);
                    for (int ch = 0; ch < c; ch++) {
                        double e = v[ch * hw + p] - ce[2 + ch];
                        d += e * e;
                    }
                    if (d < dist[p]) {
                        dist[p] = d;
                        out->label[p] = t;
                    }
                }
        }
        /* a pixel no window reached goes to the nearest centre of all */
        for (size_t p = 0; p < hw; p++)
            if (out->label[p] < 0) {
                int y = (int)(p / w), x = (int)(p % w);
                for (int t = 0; t < k; t++) {
                    const double *ce = cen + (size_t)t * (c + 2);
                    double dy = y + 0.5 - ce[0], dx = x + 0.5 - ce[1], d = m2 * (dy * dy + dx * dx);
                    if (iter > 0 && !cnt[t])
                        continue;
                    for (int ch = 0; ch < c; ch++) {
                        double e = v[ch * hw + p] - ce[2 + ch];
                        d += e * e;
                    }
                    if (d < dist[p]) {
                        dist[p] = d;
                        out->label[p] = t;
                    }
                }
            }
        memset(acc, 0, sizeof *acc * (size_t)k * (c + 2));
        memset(cnt, 0, sizeof *cnt * (size_t)k);
        for (size_t p = 0; p < hw; p++) {
            double *a = acc + (size_t)out->label[p] * (c + 2);
            a[0] += (double)(p / w) + 0.5;
            a[1] += (double)(p % w) + 0.5;
            for (int ch = 0; ch < c; ch++)
                a[2 + ch] += v[ch * hw + p];
            cnt[out->label[p]]++;
        }
        for (int t = 0; t < k; t++)
            if (cnt[t])
                for (int q = 0; q < c + 2; q++)
                    cen[(size_t)t * (c + 2) + q] = acc[(size_t)t * (c + 2) + q] / cnt[t];
    }
    minsize = (int)(hw / (size_t)k / 2);
    if ((out->n = connect(v, c, h, w, minsize < 1 ? 1 : minsize, out->label)) < 0) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    out->h = h;
    out->w = w;
    rc = finish(out, err);
done:
    if (rc < 0)
        nr_segments_free(out);
    free(v);
    free(cen);
    free(acc);
    free(dist);
    free(cnt);
    return rc;
}

/* exp(-d2 / two_k2), 1 at d2 == 0 even when two_k2 is 0 or infinite, 0
 * at an infinite d2 (extreme options overflow) */
static double gauss(double d2, double two_k2)
{
    return d2 == 0 ? 1 : isinf(d2) ? 0 : exp(-d2 / two_k2);
}

int nr_quickshift(const float *img, int c, int h, int w, double kernel_size, double max_dist, double ratio,
                  nr_segments *out, nr_error *err)
{
    size_t hw = (size_t)h * w;
    int rc = 0, r, n = 0;
    double two_k2, r2, max2, scale, *v = NULL, *g = NULL;
    int64_t *dens = NULL;
    int *parent = NULL, *root = NULL, *stack = NULL;
    memset(out, 0, sizeof *out);
    if (h < 1 || w < 1 || c < 1)
        return nr_error_set(err, NR_EINVAL, "cannot cut a %dx%dx%d image into segments", c, h, w);
    if (!(kernel_size > 0) || !isfinite(kernel_size) || !(max_dist > 0) || !isfinite(max_dist) ||
        !(ratio > 0) || !isfinite(ratio))
        return nr_error_set(err, NR_EINVAL, "quickshift's kernel size, maximum distance and ratio must be "
                            "positive numbers");
    if (hw > (size_t)1 << 30)
        return nr_error_set(err, NR_ELIMIT, "a %dx%d image is too large for quickshift", h, w);
    /* the window never needs to reach past the image */
    r = 3 * kernel_size >= (h > w ? h : w) ? (h > w ? h : w) : (int)ceil(3 * kernel_size);
    two_k2 = 2 * kernel_size * kernel_size;
    r2 = ratio * ratio;
    max2 = max_dist * max_dist;
    /* a density is at most hw terms of at most 1: 2^40 each unless that
     * could overflow 63 bits */
    scale = hw <= (size_t)1 << 22 ? 0x1p40 : 0x1p32;
    v = malloc(sizeof *v * hw * c);
    g = malloc(sizeof *g * (size_t)(r + 1));
    dens = calloc(hw, sizeof *dens);
    parent = malloc(sizeof *parent * hw);
    root = malloc(sizeof *root * hw);
    stack = malloc(sizeof *stack * hw);
    out->label = malloc(sizeof *out->label * hw);
    if (!v || !g || !dens || !parent || !root || !stack || !out->label) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = scale_image(img, hw * c, 100, v, err)) < 0)
        goto done;
    /* exp(-(dy^2 + dx^2) / 2k^2) is g[|dy|] * g[|dx|]: the same product
     * for a pair seen from either end */
    for (int t = 0; t <= r; t++)
        g[t] = gauss((double)t * t, two_k2);

    /* densities: each pair once, from its first pixel in raster order */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            int yb = y + r > h - 1 ? h - 1 : y + r, xa = x - r < 0 ? 0 : x - r, xb = x + r > w - 1 ? w - 1 : x + r;
            dens[p] += (int64_t)scale;
            for (int yy = y; yy <= yb; yy++)
                for (int xx = yy == y ? x + 1 : xa; xx <= xb; xx++) {
                    size_t q = (size_t)yy * w + xx;
                    double dc = 0, t;
                    int64_t k;
                    for (int ch = 0; ch < c; ch++) {
                        double e = v[ch * hw + p] - v[ch * hw + q];
                        dc += e * e;
                    }
                    t = g[yy - y] * g[xx > x ? xx - x : x - xx] * gauss(dc == 0 ? 0 : r2 * dc, two_k2);
                    k = (int64_t)(t * scale + 0.5);
                    dens[p] += k;
                    dens[q] += k;
                }
        }

    /* links: to the nearest pixel of the window that stands higher */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            int ya = y - r < 0 ? 0 : y - r, yb = y + r > h - 1 ? h - 1 : y + r;
            int xa = x - r < 0 ? 0 : x - r, xb = x + r > w - 1 ? w - 1 : x + r;
            double best = INFINITY;
            parent[p] = (int)p;
            for (int yy = ya; yy <= yb; yy++)
                for (int xx = xa; xx <= xb; xx++) {
                    size_t q = (size_t)yy * w + xx;
                    double d = (double)(yy - y) * (yy - y) + (double)(xx - x) * (xx - x), dc = 0;
                    if (dens[q] < dens[p] || (dens[q] == dens[p] && q >= p))
                        continue;
                    for (int ch = 0; ch < c; ch++) {
                        double e = v[ch * hw + p] - v[ch * hw + q];
                        dc += e * e;
                    }
                    d += dc == 0 ? 0 : r2 * dc; /* not inf * 0 for a huge ratio */
                    /* strictly nearer: on a tie the lower raster index */
                    if (d < best) {
                        best = d;
                        parent[p] = (int)q;
                    }
                }
            if (!(best <= max2))
                parent[p] = (int)p;
        }

    /* every pixel to its root (links only go higher, so there is no
     * cycle), each root numbered when first met in raster order */
    for (size_t p = 0; p < hw; p++)
        root[p] = -1;
    for (size_t p = 0; p < hw; p++) {
        int top = 0, q = (int)p, t;
        while (root[q] < 0 && parent[q] != q) {
            stack[top++] = q;
            q = parent[q];
        }
        t = root[q] >= 0 ? root[q] : q;
        root[q] = t;
        while (top > 0)
            root[stack[--top]] = t;
    }
    for (size_t p = 0; p < hw; p++)
        stack[p] = -1; /* now: a root's label */
    for (size_t p = 0; p < hw; p++) {
        if (stack[root[p]] < 0)
            stack[root[p]] = n++;
        out->label[p] = stack[root[p]];
    }
    out->h = h;
    out->w = w;
    out->n = n;
    rc = finish(out, err);
done:
    if (rc < 0)
        nr_segments_free(out);
    free(v);
    free(g);
    free(dens);
    free(parent);
    free(root);
    free(stack);
    return rc;
}

int nr_segments_means(const float *img, int c, const nr_segments *s, float *means, nr_error *err)
{
    size_t hw = (size_t)s->h * s->w;
    double *sum = calloc((size_t)s->n * c + 1, sizeof *sum);
    if (!sum)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int ch = 0; ch < c; ch++)
        for (size_t p = 0; p < hw; p++)
            sum[(size_t)s->label[p] * c + ch] += img[ch * hw + p];
    for (int k = 0; k < s->n; k++)
        for (int ch = 0; ch < c; ch++)
            means[(size_t)k * c + ch] = (float)(sum[(size_t)k * c + ch] / s->size[k]);
    free(sum);
    return 0;
}

void nr_segments_fill(const float *img, int c, const nr_segments *s, const unsigned char *on,
                      const float *fill, float *out)
{
    size_t hw = (size_t)s->h * s->w;
    for (int ch = 0; ch < c; ch++)
        for (size_t p = 0; p < hw; p++) {
            int k = s->label[p];
            out[ch * hw + p] = on[k] ? img[ch * hw + p] : fill[(size_t)k * c + ch];
        }
}
