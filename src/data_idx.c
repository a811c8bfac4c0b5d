/*
 * data_idx.c - IDX reader (the MNIST and Fashion-MNIST format), plain or
 * gzip'd.
 *
 * An IDX file is a 4-byte magic (0, 0, element type, number of
 * dimensions), one big-endian 32-bit size per dimension, then the elements
 * in row-major order.  Images are unsigned bytes with 3 dimensions
 * (n, rows, cols) or 2 (n, features); each becomes a row of floats 0..255.
 * Labels come from a separate 1-dimensional file of unsigned bytes.
 *
 * The sizes in the header are only claims: they are checked against the
 * limits, and the buffers grow with what has actually been read, so a
 * short file claiming a billion images fails after reading what it has.
 */
#include "data_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_UBYTE 0x08
#define CHUNK (1u << 16)

static int oom(nr_error *err)
{
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}

static int open_gz(const char *path, gzFile *gz, nr_error *err)
{
    int fd = open(path, O_RDONLY);
    *gz = NULL;
    if (fd < 0)
        return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s",
                           strerror(errno));
    *gz = gzdopen(fd, "rb");
    if (!*gz) {
        close(fd);
        return oom(err);
    }
    return 0;
}

/* Up to n bytes into buf; *got says how many there were. */
static int read_some(gzFile gz, const char *path, void *buf, size_t n,
                     size_t *got, nr_error *err)
{
    *got = 0;
    while (*got < n) {
        size_t want = n - *got > CHUNK ? CHUNK : n - *got;
        int k = gzread(gz, (unsigned char *)buf + *got, (unsigned)want);
        int rc = nrd_gz_status(gz, k, path, err);
        if (rc < 0)
            return rc;
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return 0;
}

/* Magic and dimensions: dims[0..*ndims-1], and the header's size. */
static int read_header(gzFile gz, const char *path, int *ndims, uint32_t dims[3],
                       long long *hdr, nr_error *err)
{
    unsigned char h[4 + 4 * 3];
    size_t got;
    int rc;

    if ((rc = read_some(gz, path, h, 4, &got, err)) < 0)
        return rc;
    if (got < 4)
        return nr_error_at_offset(err, NR_EFORMAT, path, (long long)got,
                                  "not an IDX file: only %zu bytes", got);
    if (h[0] != 0 || h[1] != 0)
        return nr_error_at_offset(err, NR_EFORMAT, path, 0,
                                  "not an IDX file (magic %02x %02x %02x %02x)",
                                  h[0], h[1], h[2], h[3]);
    if (h[2] != IDX_UBYTE)
        return nr_error_at_offset(err, NR_EUNSUP, path, 2,
                                  "IDX element type 0x%02x is not supported "
                                  "(only 0x08, unsigned bytes)", h[2]);
    *ndims = h[3];
    if (*ndims < 1 || *ndims > 3)
        return nr_error_at_offset(err, NR_EUNSUP, path, 3,
                                  "IDX files with %d dimensions are not supported",
                                  *ndims);
    if ((rc = read_some(gz, path, h + 4, 4 * (size_t)*ndims, &got, err)) < 0)
        return rc;
    if (got < 4 * (size_t)*ndims)
        return nr_error_at_offset(err, NR_EFORMAT, path, 4 + (long long)got,
                                  "truncated header: expected %d bytes, found %zu",
                                  4 + 4 * *ndims, 4 + got);
    for (int i = 0; i < *ndims; i++) {
        const unsigned char *b = h + 4 + 4 * i;
        dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                  (uint32_t)b[2] << 8 | (uint32_t)b[3];
    }
    *hdr = 4 + 4 * *ndims;
    return 0;
}

/* Anything past the elements the header describes means it lied. */
static int check_end(gzFile gz, const char *path, long long at, nr_error *err)
{
    unsigned char extra;
    size_t got;
    int rc = read_some(gz, path, &extra, 1, &got, err);
    if (rc < 0)
        return rc;
    if (got)
        return nr_error_at_offset(err, NR_EFORMAT, path, at,
                                  "more data than the header describes");
    return 0;
}

/* The pixel data: `expected` bytes into d->x as floats, growing x with
 * what arrives. */
static int read_pixels(gzFile gz, const char *path, long long hdr,
                       uint64_t expected, nr_dataset *d, nr_error *err)
{
    unsigned char *chunk = malloc(CHUNK);
    uint64_t total = 0, cap = 0;
    int rc = 0;

    if (!chunk)
        return oom(err);
    while (total < expected) {
        size_t want = expected - total > CHUNK ? CHUNK : (size_t)(expected - total);
        size_t got;
        if ((rc = read_some(gz, path, chunk, want, &got, err)) < 0)
            goto done;
        if (got == 0)
            break;
        if (total + got > cap) {
            uint64_t ncap = cap ? cap * 2 : CHUNK;
            float *x;
            while (ncap < total + got)
                ncap *= 2;
            if (ncap > expected)
                ncap = expected;
            x = realloc(d->x, (size_t)ncap * sizeof *x);
            if (!x) {
                rc = oom(err);
                goto done;
            }
            d->x = x;
            cap = ncap;
        }
        for (size_t i = 0; i < got; i++)
            d->x[total + i] = (float)chunk[i];
        total += got;
    }
    if (total < expected) {
        rc = nr_error_at_offset(err, NR_EFORMAT, path, hdr + (long long)total,
                                "truncated: expected %" PRIu64
                                " bytes of pixel data, found %" PRIu64,
                                expected, total);
        goto done;
    }
    rc = check_end(gz, path, hdr + (long long)expected, err);
done:
    free(chunk);
    return rc;
}

static int read_labels(const char *path, nr_dataset *d, nr_error *err)
{
    gzFile gz = NULL;
    int rc, ndims, max = 0;
    uint32_t dims[3];
    long long hdr;
    unsigned char *b = NULL;
    size_t got;

    if ((rc = open_gz(path, &gz, err)) < 0)
        return rc;
    if ((rc = read_header(gz, path, &ndims, dims, &hdr, err)) < 0)
        goto done;
    if (ndims != 1) {
        rc = nr_error_at_offset(err, NR_EFORMAT, path, 3,
                                "a labels file has 1 dimension, this one %d", ndims);
        goto done;
    }
    if (dims[0] != (uint32_t)d->nrows) {
        rc = nr_error_at_offset(err, NR_EINVAL, path, 4,
                                "%" PRIu32 " labels for %d images", dims[0], d->nrows);
        goto done;
    }
    /* nrows bytes of pixels at least were read: this is no larger. */
    b = malloc((size_t)d->nrows);
    d->labels = malloc((size_t)d->nrows * sizeof *d->labels);
    if (!b || !d->labels) {
        rc = oom(err);
        goto done;
    }
    if ((rc = read_some(gz, path, b, (size_t)d->nrows, &got, err)) < 0)
        goto done;
    if (got < (size_t)d->nrows) {
        rc = nr_error_at_offset(err, NR_EFORMAT, path, hdr + (long long)got,
                                "truncated: expected %d labels, found %zu",
                                d->nrows, got);
        goto done;
    }
    if ((rc = check_end(gz, path, hdr + d->nrows, err)) < 0)
        goto done;
    for (int i = 0; i < d->nrows; i++) {
        d->labels[i] = b[i];
        if (b[i] > max)
            max = b[i];
    }
    /* Labels are their own values: names "0".."max", even for a value
     * that does not occur, so that label k is class k. */
    d->label_names = calloc((size_t)max + 1, sizeof *d->label_names);
    if (!d->label_names) {
        rc = oom(err);
        goto done;
    }
    d->nlabels = max + 1;
    for (int k = 0; k <= max; k++) {
        char num[16];
        snprintf(num, sizeof num, "%d", k);
        d->label_names[k] = strdup(num);
        if (!d->label_names[k]) {
            rc = oom(err);
            goto done;
        }
    }
    d->label_name = strdup("label");
    if (!d->label_name || !(d->labels_path = strdup(path))) {
        rc = oom(err);
        goto done;
    }
    d->labels_at = hdr;
    d->has_labels = 1;
done:
    free(b);
    gzclose(gz);
    return rc;
}

static int name_columns(nr_dataset *d, int ndims, uint32_t cols, nr_error *err)
{
    d->cols = calloc((size_t)d->ncols, sizeof *d->cols);
    if (!d->cols)
        return oom(err);
    for (int j = 0; j < d->ncols; j++) {
        char name[40];
        if (ndims == 3)
            snprintf(name, sizeof name, "px_%" PRIu32 "_%" PRIu32,
                     (uint32_t)j / cols, (uint32_t)j % cols);
        else
            snprintf(name, sizeof name, "f_%d", j);
        d->cols[j].name = strdup(name);
        if (!d->cols[j].name)
            return oom(err);
    }
    return 0;
}

int nr_data_read_idx(const char *path, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err)
{
    gzFile gz = NULL;
    nr_dataset *d = NULL;
    int rc, ndims;
    uint32_t dims[3] = {0, 1, 1};
    uint64_t n, features, cells;
    long long hdr;
    const char *labels_path = opts ? opts->labels_path : NULL;

    *out = NULL;
    if ((rc = open_gz(path, &gz, err)) < 0)
        return rc;
    if ((rc = read_header(gz, path, &ndims, dims, &hdr, err)) < 0)
        goto done;
    if (ndims == 1) {
        rc = nr_error_at_offset(err, NR_EINVAL, path, 3,
                                "a 1-dimensional IDX file holds labels, not images "
                                "(give it as the labels file)");
        goto done;
    }
    n = dims[0];
    features = (uint64_t)dims[1] * (ndims == 3 ? dims[2] : 1);
    if (n == 0 || features == 0) {
        rc = nr_error_at_offset(err, NR_EFORMAT, path, 4,
                                "the header describes no data (%" PRIu64
                                " images of %" PRIu64 " values)", n, features);
        goto done;
    }
    /* Both factors are below 2^32, so the products fit in 64 bits. */
    cells = n * (features + (labels_path ? 1 : 0));
    if (n > INT_MAX || features > NR_DATA_MAX_COLS || cells > NR_DATA_MAX_CELLS) {
        rc = nr_error_at_offset(err, NR_ELIMIT, path, 4,
                                "%" PRIu64 " images of %" PRIu64
                                " values: more than nn2rules accepts "
                                "(2^31 values, 2^24 per image)", n, features);
        goto done;
    }

    d = nrd_dataset_new(path);
    if (!d) {
        rc = oom(err);
        goto done;
    }
    if ((rc = read_pixels(gz, path, hdr, n * features, d, err)) < 0)
        goto done;
    d->nrows = (int)n;
    d->ncols = (int)features;
    /* Only now that the pixels are there: these are no larger. */
    if ((rc = name_columns(d, ndims, ndims == 3 ? dims[2] : 1, err)) < 0)
        goto done;
    d->row_line = calloc((size_t)n, sizeof *d->row_line);
    if (!d->row_line) {
        rc = oom(err);
        goto done;
    }
    if (labels_path && (rc = read_labels(labels_path, d, err)) < 0)
        goto done;
    *out = d;
    d = NULL;
done:
    nr_dataset_free(d);
    gzclose(gz);
    return rc;
}
