/*
 * data_csv.c - CSV reader (RFC 4180 with the usual leniencies).
 *
 * A header row names the columns; fields are separated by commas and may
 * be double-quoted, with "" for a quote and commas or line breaks inside.
 * Lines end in LF or CRLF; a UTF-8 byte order mark is skipped; blank lines
 * are ignored.  Spaces around a field are dropped unless they are inside
 * quotes.
 *
 * Each column is numeric or nominal, decided from its values: a column
 * whose every non-missing cell is a word is nominal (values numbered in
 * order of first appearance); a column that mixes numbers and words is an
 * error at its first word.  Missing cells ("", "?", "NA", "NaN") are NaN.
 * The label column's cells are kept as strings.
 *
 * The whole file is read into memory first (through zlib, so .csv.gz works
 * too); rows are then parsed in one pass.
 */
#include "data_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One field of the current record. */
typedef struct csv_field {
    size_t off;          /* its unescaped text in the reader's text buffer */
    const char *start;   /* first character in the source, for the column */
    long line;
    int quoted;
} csv_field;

typedef struct csv_reader {
    const char *path;
    const char *begin;   /* first byte after the BOM: line 1, column 1 */
    const char *p, *end;
    long line;           /* line of p */
    char *text;          /* the record's fields, each NUL-terminated */
    size_t text_len, text_cap;
    csv_field *fields;   /* the first max_fields fields of the record */
    size_t nstored, fields_cap;
    long nfields;        /* all the record's fields */
} csv_reader;

/* What a column has held so far. */
typedef struct csv_colstate {
    const char *word;    /* first non-numeric cell, in the source */
    long word_line;
    nrd_strtab *values;  /* its distinct words, once there is one */
    unsigned char has_num;
} csv_colstate;

static int oom(nr_error *err)
{
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}

static const char *line_start_of(const csv_reader *r, const char *p)
{
    while (p > r->begin && p[-1] != '\n')
        p--;
    return p;
}

static long col_of(const csv_reader *r, const char *p)
{
    return nrd_utf8_col(line_start_of(r, p), p);
}

static int text_append(csv_reader *r, const char *s, size_t n, nr_error *err)
{
    if (r->text_cap - r->text_len < n + 1) {
        size_t ncap = r->text_cap ? r->text_cap : 256;
        char *t;
        while (ncap - r->text_len < n + 1)
            ncap *= 2;
        t = realloc(r->text, ncap);
        if (!t)
            return oom(err);
        r->text = t;
        r->text_cap = ncap;
    }
    memcpy(r->text + r->text_len, s, n);
    r->text_len += n;
    r->text[r->text_len] = '\0';
    return 0;
}

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Move past blank lines; 0 at the end of the input. */
static int skip_blank_lines(csv_reader *r)
{
    for (;;) {
        const char *q = r->p;
        while (q < r->end && blank(*q))
            q++;
        if (q == r->end) {
            r->p = q;
            return 0;
        }
        if (*q != '\n')
            return 1;
        r->p = q + 1;
        r->line++;
    }
}

/* A quoted field from the opening quote at q; leaves r->p after the
 * closing one.  1 when the quote is never closed. */
static int read_quoted(csv_reader *r, const char *q, nr_error *err)
{
    const char *p = q + 1, *span = p;
    int rc;

    for (;;) {
        while (p < r->end && *p != '"') {
            if (*p == '\n')
                r->line++;
            p++;
        }
        if (p == r->end)
            return 1;
        if ((rc = text_append(r, span, (size_t)(p - span), err)) < 0)
            return rc;
        if (p + 1 < r->end && p[1] == '"') {
            /* "" stands for one quote: keep the first, skip the second. */
            if ((rc = text_append(r, "\"", 1, err)) < 0)
                return rc;
            p += 2;
            span = p;
            continue;
        }
        r->p = p + 1;
        return 0;
    }
}

/* Read one record from r->p, which is at neither a blank line nor the
 * end.  Stores the first max_fields fields and counts all of them. */
static int read_record(csv_reader *r, size_t max_fields, nr_error *err)
{
    int rc;

    r->text_len = 0;
    r->nstored = 0;
    r->nfields = 0;
    for (;;) {
        csv_field f;
        const char *q = r->p;

        while (q < r->end && (*q == ' ' || *q == '\t'))
            q++;
        f.off = r->text_len;
        f.start = q;
        f.line = r->line;
        f.quoted = q < r->end && *q == '"';
        if (f.quoted) {
            if ((rc = read_quoted(r, q, err)) < 0)
                return rc;
            if (rc > 0)
                return nr_error_at(err, NR_EFORMAT, r->path, f.line,
                                   col_of(r, q), "unterminated quoted field");
            q = r->p;
            while (q < r->end && blank(*q))
                q++;
            if (q < r->end && *q != ',' && *q != '\n') {
                unsigned char c = (unsigned char)*q;
                if (c >= 0x20 && c < 0x7f)
                    return nr_error_at(err, NR_EFORMAT, r->path, r->line,
                                       col_of(r, q),
                                       "unexpected '%c' after a quoted field", *q);
                return nr_error_at(err, NR_EFORMAT, r->path, r->line, col_of(r, q),
                                   "unexpected character after a quoted field");
            }
        } else {
            const char *e;
            while (q < r->end && *q != ',' && *q != '\n')
                q++;
            for (e = q; e > f.start && blank(e[-1]); e--)
                ;
            if ((rc = text_append(r, f.start, (size_t)(e - f.start), err)) < 0)
                return rc;
        }
        /* Terminate the field even when it is empty. */
        if ((rc = text_append(r, "", 0, err)) < 0)
            return rc;
        r->text_len++;
        if (r->nstored < max_fields) {
            if (r->nstored == r->fields_cap) {
                size_t ncap = r->fields_cap ? r->fields_cap * 2 : 16;
                csv_field *nf = realloc(r->fields, ncap * sizeof *nf);
                if (!nf)
                    return oom(err);
                r->fields = nf;
                r->fields_cap = ncap;
            }
            r->fields[r->nstored++] = f;
        }
        r->nfields++;
        if (q < r->end && *q == ',') {
            r->p = q + 1;
            continue;
        }
        if (q < r->end) {   /* at '\n' */
            q++;
            r->line++;
        }
        r->p = q;
        return 0;
    }
}

/* The cell that starts at p (a field of the source), unescaped and
 * shortened for a message. */
static void cell_snippet(const csv_reader *r, const char *p, char *out, size_t size)
{
    char buf[NRD_SNIPPET + 8];
    size_t n = 0;

    if (p < r->end && *p == '"') {
        for (p++; p < r->end && n < sizeof buf - 1; p++) {
            if (*p == '"') {
                if (p + 1 < r->end && p[1] == '"')
                    p++;
                else
                    break;
            }
            buf[n++] = *p;
        }
    } else {
        for (; p < r->end && *p != ',' && *p != '\n' && n < sizeof buf - 1; p++)
            buf[n++] = *p;
        while (n > 0 && blank(buf[n - 1]))
            n--;
    }
    buf[n] = '\0';
    nrd_snippet(out, size, buf);
}

static int not_a_number(const csv_reader *r, const char *colname,
                        const char *cell, long line, nr_error *err)
{
    char snip[NRD_SNIPPET + 4];
    cell_snippet(r, cell, snip, sizeof snip);
    return nr_error_at(err, NR_EINVAL, r->path, line, col_of(r, cell),
                       "column '%s': expected a number, got '%s'", colname, snip);
}

/* Header: column names, the label column, the dataset's columns. */
static int read_header(csv_reader *r, const nr_read_opts *opts, nr_dataset *d,
                       int *label, nr_error *err)
{
    int rc = 0, n, c = 0;
    nrd_strtab names = {0};
    const char *want = opts ? opts->label : NULL;

    *label = -1;
    if (!skip_blank_lines(r))
        return nr_error_at(err, NR_EFORMAT, r->path, 0, 0,
                           "empty file (expected a header row)");
    if ((rc = read_record(r, (size_t)NR_DATA_MAX_COLS + 2, err)) < 0)
        return rc;
    if (r->nfields > (long)NR_DATA_MAX_COLS + 1)
        return nr_error_at(err, NR_ELIMIT, r->path, r->fields[0].line, 0,
                           "more than 2^24 columns");
    n = (int)r->nfields;
    for (int i = 0; i < n; i++) {
        csv_field *f = &r->fields[i];
        char gen[32];
        const char *name = r->text + f->off;
        int idx, added;
        if (!*name) {
            /* An unnamed column, such as the index pandas writes: give it
             * a name, so that it can be dropped by name later. */
            snprintf(gen, sizeof gen, "column_%d", i + 1);
            name = gen;
        }
        if ((rc = nrd_strtab_intern(&names, name, &idx, &added)) < 0) {
            rc = oom(err);
            goto done;
        }
        if (!added) {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, name);
            rc = nr_error_at(err, NR_EFORMAT, r->path, f->line, col_of(r, f->start),
                             "duplicate column name '%s' (also column %d)",
                             snip, idx + 1);
            goto done;
        }
    }
    if (want) {
        *label = nrd_strtab_find(&names, want);
        for (int i = 0; i < n && *label < 0; i++)
            if (strcasecmp(names.names[i], want) == 0)
                *label = i;
        if (*label < 0) {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, want);
            rc = nr_error_at(err, NR_EINVAL, r->path, 0, 0,
                             "no column '%s' in header", snip);
            goto done;
        }
    } else {
        for (int i = 0; i < n && *label < 0; i++)
            if (strcasecmp(names.names[i], "label") == 0)
                *label = i;
        for (int i = 0; i < n && *label < 0; i++)
            if (strcasecmp(names.names[i], "class") == 0)
                *label = i;
    }
    if (n - (*label >= 0) > NR_DATA_MAX_COLS) {
        rc = nr_error_at(err, NR_ELIMIT, r->path, r->fields[0].line, 0,
                         "more than 2^24 columns");
        goto done;
    }

    d->ncols = n - (*label >= 0);
    if (d->ncols > 0) {
        d->cols = calloc((size_t)d->ncols, sizeof *d->cols);
        if (!d->cols) {
            d->ncols = 0;
            rc = oom(err);
            goto done;
        }
    }
    /* The names move from the table into the columns. */
    for (int i = 0; i < n; i++) {
        if (i == *label) {
            d->has_labels = 1;
            d->label_name = names.names[i];
        } else {
            d->cols[c].name = names.names[i];
            d->cols[c].kind = NR_COL_NUMERIC;
            d->cols[c].field = i + 1;
            c++;
        }
        names.names[i] = NULL;
    }
done:
    nrd_strtab_free(&names);
    return rc;
}

/* The cells of one record into row r of d. */
static int store_record(csv_reader *r, nr_dataset *d, int label,
                        csv_colstate *cs, nrd_strtab *labels, nr_error *err)
{
    int rc;
    size_t row = (size_t)d->nrows - 1;
    /* No arithmetic on a NULL x when there is only a label column. */
    float *x = d->ncols ? d->x + row * (size_t)d->ncols : NULL;

    for (int i = 0, c = 0; i < (int)r->nstored; i++) {
        csv_field *f = &r->fields[i];
        const char *t = r->text + f->off;
        csv_colstate *s;
        float v;
        int idx, added;

        if (i == label) {
            if (nrd_is_missing(t))
                return nr_error_at(err, NR_EINVAL, r->path, f->line,
                                   col_of(r, f->start), "missing label in column '%s'",
                                   d->label_name);
            if ((rc = nrd_strtab_intern(labels, t, &idx, NULL)) < 0)
                return rc == NR_ELIMIT
                           ? nr_error_at(err, rc, r->path, f->line, 0,
                                         "more than 2^24 distinct labels")
                           : oom(err);
            d->labels[row] = idx;
            continue;
        }
        s = &cs[c];
        if (nrd_is_missing(t)) {
            x[c++] = NAN;
            continue;
        }
        switch (nrd_parse_number(t, &v)) {
        case 0:
            if (s->word)
                return not_a_number(r, d->cols[c].name, s->word, s->word_line, err);
            s->has_num = 1;
            x[c++] = v;
            continue;
        case 2: {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, t);
            return nr_error_at(err, NR_EINVAL, r->path, f->line, col_of(r, f->start),
                               "column '%s': %s is out of range for a float",
                               d->cols[c].name, snip);
        }
        }
        /* A word. */
        if (s->has_num)
            return not_a_number(r, d->cols[c].name, f->start, f->line, err);
        if (!s->word) {
            s->word = f->start;
            s->word_line = f->line;
            s->values = calloc(1, sizeof *s->values);
            if (!s->values)
                return oom(err);
        }
        if ((rc = nrd_strtab_intern(s->values, t, &idx, &added)) < 0)
            return rc == NR_ELIMIT
                       ? nr_error_at(err, rc, r->path, f->line, 0,
                                     "column '%s' has more than 2^24 distinct values",
                                     d->cols[c].name)
                       : oom(err);
        x[c++] = (float)idx;
    }
    return 0;
}

int nr_data_read_csv(const char *path, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if ((rc = nrd_slurp(path, &buf, &len, err)) < 0)
        return rc;
    return nrd_read_csv_buf(path, buf, len, opts, out, err);
}

int nrd_read_csv_buf(const char *path, char *buf, size_t len, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err)
{
    int rc = 0, label = -1;
    size_t cap = 0;
    csv_reader r = {0};
    csv_colstate *cs = NULL;
    nrd_strtab labels = {0};
    nr_dataset *d = NULL;
    int ncs = 0;
    long width;

    *out = NULL;
    r.path = path;
    r.begin = buf;
    r.end = buf + len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r.begin += 3;
    r.p = r.begin;
    r.line = 1;
    if ((rc = nrd_check_text(path, r.begin, (size_t)(r.end - r.begin), err)) < 0)
        goto done;
    d = nrd_dataset_new(path);
    if (!d) {
        rc = oom(err);
        goto done;
    }
    if ((rc = read_header(&r, opts, d, &label, err)) < 0)
        goto done;
    width = (long)d->ncols + d->has_labels;
    if (d->ncols > 0) {
        cs = calloc((size_t)d->ncols, sizeof *cs);
        if (!cs) {
            rc = oom(err);
            goto done;
        }
        ncs = d->ncols;
    }

    while (skip_blank_lines(&r)) {
        long line = r.line;
        if ((rc = read_record(&r, (size_t)width, err)) < 0)
            goto done;
        if (r.nfields != width) {
            rc = nr_error_at(err, NR_EFORMAT, path, line, 0,
                             "expected %ld fields, found %ld", width, r.nfields);
            goto done;
        }
        if ((rc = nrd_add_row(d, &cap, line, err)) < 0)
            goto done;
        if ((rc = store_record(&r, d, label, cs, &labels, err)) < 0)
            goto done;
    }

    for (int c = 0; c < d->ncols; c++)
        if (cs[c].values) {
            d->cols[c].kind = NR_COL_NOMINAL;
            d->cols[c].values = nrd_strtab_take(cs[c].values, &d->cols[c].nvalues);
        }
    if (d->has_labels)
        d->label_names = nrd_strtab_take(&labels, &d->nlabels);
    nrd_trim_rows(d);
    *out = d;
    d = NULL;
done:
    for (int c = 0; c < ncs; c++)
        if (cs[c].values) {
            nrd_strtab_free(cs[c].values);
            free(cs[c].values);
        }
    free(cs);
    free(buf);
    free(r.text);
    free(r.fields);
    nrd_strtab_free(&labels);
    nr_dataset_free(d);
    return rc;
}
