/*
 * fuzz_data.h - shared by the libFuzzer targets for the data readers
 * (fuzz_csv.c, fuzz_arff.c, fuzz_idx.c).
 *
 * The readers take a path and read it themselves (through zlib, so gzip'd
 * input is detected the way it is for real files); the fuzz input is
 * written to an in-memory file (memfd) and the reader is given its
 * /proc/self/fd path.  The readers are then fuzzed exactly as the CLI
 * calls them, with no test-only entry point.
 *
 * What a reader accepts is checked for consistency (every cell readable,
 * nominal and label indices in range, numbers finite or missing) and
 * matched to a small model, since a wrong data set passed on silently is
 * worse than a crash.
 */
#ifndef FUZZ_DATA_H
#define FUZZ_DATA_H

#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_file {
    int fd;
    char path[64];
} fuzz_file;

/* Make f hold exactly the n bytes at p; 0, or -1 when the memfd fails. */
static int fuzz_file_set(fuzz_file *f, const void *p, size_t n)
{
    if (f->fd <= 0) {
        f->fd = memfd_create("fuzz", 0);
        if (f->fd < 0)
            return -1;
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    }
    if (ftruncate(f->fd, 0) < 0 || (n && pwrite(f->fd, p, n, 0) != (ssize_t)n))
        return -1;
    return 0;
}

#define FUZZ_CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

/* Everything nr_dataset promises its users (data.h). */
static void fuzz_check_dataset(const nr_dataset *d)
{
    FUZZ_CHECK(d->path && d->nrows >= 0 && d->ncols >= 0);
    FUZZ_CHECK(d->ncols == 0 || d->cols);
    FUZZ_CHECK(d->nrows == 0 || d->ncols == 0 || d->x);
    FUZZ_CHECK(d->nrows == 0 || d->row_line);
    for (int j = 0; j < d->ncols; j++) {
        const nr_column *c = &d->cols[j];
        FUZZ_CHECK(c->name);
        FUZZ_CHECK(c->kind == NR_COL_NUMERIC || c->kind == NR_COL_NOMINAL);
        if (c->kind == NR_COL_NOMINAL) {
            FUZZ_CHECK(c->nvalues >= 0 && (c->nvalues == 0 || c->values));
            for (int k = 0; k < c->nvalues; k++)
                FUZZ_CHECK(c->values[k]);
        }
    }
    for (int i = 0; i < d->nrows; i++) {
        /* source lines: 0 for IDX, else increasing */
        FUZZ_CHECK(d->row_line[i] >= 0);
        if (i > 0 && d->row_line[i])
            FUZZ_CHECK(d->row_line[i] > d->row_line[i - 1]);
        for (int j = 0; j < d->ncols; j++) {
            float v = d->x[(size_t)i * (size_t)d->ncols + (size_t)j];
            if (isnan(v))
                continue;
            FUZZ_CHECK(isfinite(v));
            if (d->cols[j].kind == NR_COL_NOMINAL)
                FUZZ_CHECK(v >= 0 && v < (float)d->cols[j].nvalues && v == floorf(v));
        }
    }
    if (d->has_labels) {
        FUZZ_CHECK(d->label_name && d->nlabels >= 0);
        FUZZ_CHECK(d->nlabels == 0 || d->label_names);
        FUZZ_CHECK(d->nrows == 0 || d->labels);
        for (int k = 0; k < d->nlabels; k++)
            FUZZ_CHECK(d->label_names[k]);
        for (int i = 0; i < d->nrows; i++)
            FUZZ_CHECK(d->labels[i] >= 0 && d->labels[i] < d->nlabels);
    }
}

/* A classifier over features "a" and "b" with classes "x" and "y", built
 * once, for nr_dataset_match_model(). */
static nn_model *fuzz_model(void)
{
    static nn_model *m;
    static const char *fnames[2] = {"a", "b"}, *cnames[2] = {"x", "y"};
    nn_layer l;
    nn_error err;
    if (m)
        return m;
    m = nn_model_new();
    if (!m)
        abort();
    m->input = (nn_shape){2, 1, 1};
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = 2;
    l.w = calloc(4, sizeof *l.w);
    l.b = calloc(2, sizeof *l.b);
    nn_model_add_layer(m, &l);
    m->nfeatures = 2;
    m->features = calloc(2, sizeof *m->features);
    m->nclasses = 2;
    m->class_names = calloc(2, sizeof *m->class_names);
    for (int i = 0; i < 2; i++) {
        m->features[i].name = strdup(fnames[i]);
        m->features[i].group = -1;
        m->features[i].max = 1;
        m->class_names[i] = strdup(cnames[i]);
    }
    if (nn_model_finalize(m, &err) < 0)
        abort();
    return m;
}

/* Check what a reader returned; a success is also matched to the model. */
/* A text reader's input: `\0NAME\0` first asks for label column NAME
 * (into label, cap bytes; the readers refuse a leading NUL anyway), then
 * the file.  Returns the file's bytes (*size updated), or NULL to skip an
 * input whose name does not fit. */
static const uint8_t *fuzz_label_prefix(const uint8_t *data, size_t *size, char *label, size_t cap,
                                        nr_read_opts *opts)
{
    const uint8_t *end;
    size_t n;
    if (*size < 2 || data[0] != 0)
        return data;
    if (!(end = memchr(data + 1, 0, *size - 1)) || (n = (size_t)(end - data - 1)) >= cap)
        return NULL;
    memcpy(label, data + 1, n);
    label[n] = 0;
    opts->label = label;
    *size -= n + 2;
    return end + 1;
}

static void fuzz_check_result(int rc, nr_dataset *d, const nr_error *err)
{
    nr_error merr;
    if (rc < 0) {
        FUZZ_CHECK(d == NULL && err->msg[0] != 0); /* a failure says why */
        return;
    }
    FUZZ_CHECK(d != NULL);
    fuzz_check_dataset(d);
    nr_error_clear(&merr);
    if (nr_dataset_match_model(d, fuzz_model(), &merr) < 0)
        FUZZ_CHECK(merr.msg[0] != 0);
    fuzz_check_dataset(d); /* matched, or unchanged */
    nr_dataset_free(d);
}

#endif
