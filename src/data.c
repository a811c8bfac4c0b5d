/*
 * data.c - the data readers' common ground: choosing a reader by file
 * name, freeing a dataset, matching a dataset's columns to a model's
 * features and classes, and the helpers the CSV, ARFF and IDX readers share
 * (data_priv.h).
 *
 * Front of the pipeline: everything downstream sees an nr_dataset whose
 * columns are the model's inputs in order, which nr_dataset_match_model()
 * makes sure of.
 */
#include "data_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

/* --- choosing a reader --------------------------------------------------- */

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

/* Data on standard input: CSV unless opts->format says otherwise or the
 * text begins (after '%' comments) with ARFF's @relation. */
static int read_stdin(const nr_read_opts *opts, nr_dataset **out, nr_error *err)
{
    const char *fmt = opts ? opts->format : NULL;
    char *buf = NULL, *p;
    size_t len = 0;
    int rc;
    if (fmt && strcmp(fmt, "csv") != 0 && strcmp(fmt, "arff") != 0)
        return nr_error_set(err, NR_EINVAL, "unknown data format '%s' (csv or arff)", fmt);
    if ((rc = nrd_slurp("-", &buf, &len, err)) < 0)
        return rc;
    if (!fmt) {
        p = buf;
        if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        for (;;) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                p++;
            if (*p != '%')
                break;
            while (*p && *p != '\n')
                p++;
        }
        fmt = strncasecmp(p, "@relation", 9) == 0 ? "arff" : "csv";
    }
    if (strcmp(fmt, "arff") == 0)
        return nrd_read_arff_buf("<stdin>", buf, len, opts, out, err);
    return nrd_read_csv_buf("<stdin>", buf, len, opts, out, err);
}

int nr_data_read(const char *path, const nr_read_opts *opts, nr_dataset **out,
                 nr_error *err)
{
    size_t n = strlen(path);

    *out = NULL;
    /* Every reader goes through zlib, so a .gz suffix says nothing about
     * the format underneath. */
    int rc;
    if (ends_with_ci(path, n, ".gz"))
        n -= 3;
    if (strcmp(path, "-") == 0)
        rc = read_stdin(opts, out, err);
    else if (opts && opts->format && strcmp(opts->format, "arff") == 0)
        rc = nr_data_read_arff(path, opts, out, err);
    else if (opts && opts->format && strcmp(opts->format, "csv") == 0)
        rc = nr_data_read_csv(path, opts, out, err);
    else if (ends_with_ci(path, n, ".csv"))
        rc = nr_data_read_csv(path, opts, out, err);
    else if (ends_with_ci(path, n, ".arff"))
        rc = nr_data_read_arff(path, opts, out, err);
    else if (ends_with_ci(path, n, ".idx") || ends_with_ci(path, n, "-ubyte") ||
             ends_with_ci(path, n, ".ubyte"))
        rc = nr_data_read_idx(path, opts, out, err);
    else
        return nr_error_set(err, NR_EINVAL,
                            "cannot tell the format of '%s' (expected .csv, .arff or .idx)",
                            path);
    /* every command that reads data needs rows: none is not an accuracy of 0 of 0 */
    if (rc == 0 && (*out)->nrows == 0) {
        nr_dataset_free(*out);
        *out = NULL;
        return nr_error_at(err, NR_EFORMAT, strcmp(path, "-") == 0 ? "<stdin>" : path, 0, 0, "no data rows");
    }
    return rc;
}

/* --- dataset ------------------------------------------------------------- */

static void free_strings(char **s, int n)
{
    if (!s)
        return;
    for (int i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static void free_columns(nr_column *cols, int n)
{
    if (!cols)
        return;
    for (int i = 0; i < n; i++) {
        free(cols[i].name);
        free_strings(cols[i].values, cols[i].nvalues);
    }
    free(cols);
}

void nr_dataset_free(nr_dataset *d)
{
    if (!d)
        return;
    free(d->path);
    free_columns(d->cols, d->ncols);
    free(d->x);
    free(d->row_line);
    free(d->label_name);
    free(d->labels_path);
    free(d->labels);
    free_strings(d->label_names, d->nlabels);
    free(d);
}

nr_dataset *nrd_dataset_new(const char *path)
{
    nr_dataset *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->path = strdup(path);
    if (!d->path) {
        free(d);
        return NULL;
    }
    return d;
}

int nrd_add_row(nr_dataset *d, size_t *cap, long line, nr_error *err)
{
    size_t rows = (size_t)d->nrows + 1;
    size_t width = (size_t)d->ncols + (d->has_labels ? 1 : 0);

    if (rows > INT_MAX || rows * width > NR_DATA_MAX_CELLS)
        return nr_error_at(err, NR_ELIMIT, d->path, line, 0,
                           "too much data: more than 2^31 values");
    if (rows > *cap) {
        /* Wide rows start small so that the first allocation stays close
         * to what has actually been read. */
        size_t ncap = *cap ? *cap * 2 : (width > 4096 ? 1 : 64);
        if (ncap > INT_MAX)
            ncap = INT_MAX;
        if (width && ncap > NR_DATA_MAX_CELLS / width)
            ncap = NR_DATA_MAX_CELLS / width;
        if (d->ncols) {
            float *x = realloc(d->x, ncap * (size_t)d->ncols * sizeof *x);
            if (!x)
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            d->x = x;
        }
        long *rl = realloc(d->row_line, ncap * sizeof *rl);
        if (!rl)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        d->row_line = rl;
        if (d->has_labels) {
            int *lab = realloc(d->labels, ncap * sizeof *lab);
            if (!lab)
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            d->labels = lab;
        }
        *cap = ncap;
    }
    d->row_line[rows - 1] = line;
    d->nrows = (int)rows;
    return 0;
}

/* Shrinking never fails in practice; when it does the larger block is as
 * good. */
void nrd_trim_rows(nr_dataset *d)
{
    size_t rows = (size_t)d->nrows;
    if (rows == 0) {
        free(d->x);
        free(d->row_line);
        free(d->labels);
        d->x = NULL;
        d->row_line = NULL;
        d->labels = NULL;
        return;
    }
    if (d->ncols) {
        float *x = realloc(d->x, rows * (size_t)d->ncols * sizeof *x);
        if (x)
            d->x = x;
    }
    long *rl = realloc(d->row_line, rows * sizeof *rl);
    if (rl)
        d->row_line = rl;
    if (d->labels) {
        int *lab = realloc(d->labels, rows * sizeof *lab);
        if (lab)
            d->labels = lab;
    }
}

/* --- interned strings ---------------------------------------------------- */

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

void nrd_strtab_free(nrd_strtab *t)
{
    free_strings(t->names, t->n);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

int nrd_strtab_find(const nrd_strtab *t, const char *s)
{
    size_t mask, i;
    if (!t->nslots)
        return -1;
    mask = t->nslots - 1;
    for (i = hash_str(s) & mask; t->slots[i] >= 0; i = (i + 1) & mask)
        if (strcmp(t->names[t->slots[i]], s) == 0)
            return t->slots[i];
    return -1;
}

static int rehash(nrd_strtab *t, size_t nslots)
{
    int *slots = malloc(nslots * sizeof *slots);
    size_t mask = nslots - 1;
    if (!slots)
        return NR_ENOMEM;
    for (size_t i = 0; i < nslots; i++)
        slots[i] = -1;
    for (int k = 0; k < t->n; k++) {
        size_t i = hash_str(t->names[k]) & mask;
        while (slots[i] >= 0)
            i = (i + 1) & mask;
        slots[i] = k;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

int nrd_strtab_intern(nrd_strtab *t, const char *s, int *index, int *added)
{
    int i = nrd_strtab_find(t, s);
    size_t mask, h;
    char *copy;

    if (added)
        *added = 0;
    if (i >= 0) {
        *index = i;
        return 0;
    }
    if (t->n >= NR_DATA_MAX_VALUES)
        return NR_ELIMIT;
    if (t->n == t->cap) {
        int ncap = t->cap ? t->cap * 2 : 8;
        char **names = realloc(t->names, (size_t)ncap * sizeof *names);
        if (!names)
            return NR_ENOMEM;
        t->names = names;
        t->cap = ncap;
    }
    /* Keep the table at most half full. */
    if ((size_t)(t->n + 1) * 2 > t->nslots &&
        rehash(t, t->nslots ? t->nslots * 2 : 16) < 0)
        return NR_ENOMEM;
    copy = strdup(s);
    if (!copy)
        return NR_ENOMEM;
    mask = t->nslots - 1;
    for (h = hash_str(s) & mask; t->slots[h] >= 0; h = (h + 1) & mask)
        ;
    t->slots[h] = t->n;
    t->names[t->n] = copy;
    *index = t->n++;
    if (added)
        *added = 1;
    return 0;
}

char **nrd_strtab_take(nrd_strtab *t, int *n)
{
    char **names = t->names;
    *n = t->n;
    free(t->slots);
    memset(t, 0, sizeof *t);
    return names;
}

/* --- reading files ------------------------------------------------------- */

int nrd_slurp(const char *path, char **bufp, size_t *lenp, nr_error *err)
{
    int rc = 0, fd;
    gzFile gz = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    const unsigned chunk = 1u << 20;

    *bufp = NULL;
    *lenp = 0;
    /* "-" is standard input (a duplicate, which gzclose may close) */
    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0)
        return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s",
                           strerror(errno));
    gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (;;) {
        int got;
        if (cap - len < (size_t)chunk + 1) {
            size_t ncap = cap ? cap * 2 : (size_t)chunk + 1;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        got = gzread(gz, buf + len, chunk);
        if ((rc = nrd_gz_status(gz, got, path, err)) < 0)
            goto done;
        if (got == 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    /* a lone CR ends a line (old Mac files): the readers split at LF, and
     * the line numbers they report stay right */
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\r' && buf[i + 1] != '\n')
            buf[i] = '\n';
    *bufp = buf;
    *lenp = len;
    buf = NULL;
done:
    free(buf);
    gzclose(gz);
    return rc;
}

int nrd_gz_status(void *gzp, int got, const char *path, nr_error *err)
{
    gzFile gz = gzp;
    int zerr;
    const char *zmsg, *colon;
    if (got > 0)
        return 0;
    zmsg = gzerror(gz, &zerr);
    /* gzread reports a stream without its end as the end of the data (so
     * that a file still being written can be followed), and says so only
     * here: a gzip file without its CRC and length is truncated */
    if (got == 0 && zerr == Z_BUF_ERROR)
        return nr_error_at(err, NR_EFORMAT, path, 0, 0,
                           "truncated gzip data: the file ends before the gzip trailer "
                           "(CRC and length)");
    if (got == 0)
        return 0;
    if (zerr == Z_ERRNO)
        return nr_error_at(err, NR_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    if (zerr == Z_MEM_ERROR)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    /* zlib's message starts with the name it was given, "<fd:3>: " */
    if (zmsg[0] == '<' && (colon = strstr(zmsg, ">: ")) != NULL)
        zmsg = colon + 3;
    return nr_error_at(err, NR_EFORMAT, path, 0, 0, "corrupt gzip data: %s", zmsg);
}

int nrd_check_text(const char *path, const char *buf, size_t len, nr_error *err)
{
    const char *nul = memchr(buf, '\0', len);
    const char *bad = buf + nr_utf8_valid(buf, nul ? (size_t)(nul - buf) : len);
    const char *ls = buf, *stop = bad < buf + len ? bad : nul;
    long line = 1;

    if (!stop)
        return 0;
    for (const char *p = buf; p < stop; p++)
        if (*p == '\n') {
            line++;
            ls = p + 1;
        }
    if (stop == nul)
        return nr_error_at(err, NR_EFORMAT, path, line, nrd_utf8_col(ls, nul),
                           "NUL byte in text: is this a binary file?");
    /* names and labels come from the text, and must be UTF-8 */
    return nr_error_at(err, NR_EFORMAT, path, line, nrd_utf8_col(ls, bad),
                       "byte 0x%02X is not UTF-8: text files must be UTF-8",
                       (unsigned char)*bad);
}

/* --- cells --------------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int nrd_is_missing(const char *s)
{
    size_t n;
    while (is_blank(*s))
        s++;
    n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    return n == 0 || (n == 1 && s[0] == '?') ||
           (n == 2 && s[0] == 'N' && s[1] == 'A') ||
           (n == 3 && strncasecmp(s, "nan", 3) == 0);
}

int nrd_parse_number(const char *s, float *v)
{
    const char *b = s, *e, *q;
    char *end;
    float f;

    while (is_blank(*b))
        b++;
    e = b + strlen(b);
    while (e > b && is_blank(e[-1]))
        e--;
    if (b == e)
        return 1;
    /* strtod also takes "inf", "nan" and "infinity": those are words here,
     * so a number must start with a digit or a point. */
    q = b + (*b == '+' || *b == '-');
    if (!((*q >= '0' && *q <= '9') || *q == '.'))
        return 1;
    /* strtof rounds once, to the nearest float: 3.4028235e38, the shortest
     * text of FLT_MAX, is FLT_MAX, though as a double it lies above it;
     * beyond the largest float it gives infinity */
    f = strtof(b, &end);
    if (end != e)
        return 1;
    if (!isfinite(f))
        return 2;
    *v = f;
    return 0;
}

/* --- messages ------------------------------------------------------------ */

void nrd_snippet(char *out, size_t size, const char *s)
{
    size_t n = strlen(s), k, cut = n;
    const char *more = "";

    if (size < NRD_SNIPPET + 4) {
        if (size)
            out[0] = '\0';
        return;
    }
    if (n > NRD_SNIPPET) {
        cut = NRD_SNIPPET;
        /* Do not split a UTF-8 sequence. */
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
        more = "...";
    }
    for (k = 0; k < cut; k++) {
        unsigned char c = (unsigned char)s[k];
        out[k] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    strcpy(out + k, more);
}

long nrd_utf8_col(const char *line_start, const char *p)
{
    long col = 1;
    for (const char *q = line_start; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    return col;
}

char *nrd_strndup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

void nrd_name_list(char *out, size_t size, char *const *names, int n)
{
    size_t pos = 0;

    if (size < 8)
        return;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = names[i] ? names[i] : "?";
        size_t need = strlen(name) + (i ? 2 : 0);
        /* Keep room for ", ..." after whatever is written. */
        if (pos + need + 6 > size) {
            snprintf(out + pos, size - pos, "%s...", i ? ", " : "");
            return;
        }
        pos += (size_t)snprintf(out + pos, size - pos, "%s%s", i ? ", " : "", name);
    }
}

/* --- matching a model ---------------------------------------------------- */

/* The column for a feature: the exact name, else the first that matches
 * ignoring case (names typed by hand in a CSV header drift in case). */
static int find_column(const nr_dataset *d, const char *name)
{
    for (int i = 0; i < d->ncols; i++)
        if (strcmp(d->cols[i].name, name) == 0)
            return i;
    for (int i = 0; i < d->ncols; i++)
        if (strcasecmp(d->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* k when s is a whole number k in [0, n): "2", also "2.0" as written by
 * tools that store labels as floats; else -1. */
static int class_index(const char *s, int n)
{
    long k = 0;
    const char *p = s;

    if (!(*p >= '0' && *p <= '9'))
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        k = k * 10 + (*p - '0');
        if (k >= n)
            return -1;
    }
    if (*p == '.')
        for (p++; *p == '0'; p++)
            ;
    return *p ? -1 : (int)k;
}

static int copy_column(nr_column *dst, const nr_column *src)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    dst->field = src->field;
    dst->name = strdup(src->name);
    if (!dst->name)
        return NR_ENOMEM;
    if (src->nvalues > 0) {
        dst->values = calloc((size_t)src->nvalues, sizeof *dst->values);
        if (!dst->values)
            return NR_ENOMEM;
        for (int i = 0; i < src->nvalues; i++) {
            dst->values[i] = strdup(src->values[i]);
            if (!dst->values[i])
                return NR_ENOMEM;
            dst->nvalues = i + 1;
        }
    }
    return 0;
}

static int missing_value_error(const nr_dataset *d, int r, const nr_column *c,
                               nr_error *err)
{
    long line = d->row_line ? d->row_line[r] : 0;
    if (line > 0 && c->field > 0)
        return nr_error_at(err, NR_EINVAL, d->path, line, 0,
                           "missing value in field %d ('%s')", c->field, c->name);
    if (line > 0)
        return nr_error_at(err, NR_EINVAL, d->path, line, 0,
                           "missing value in column '%s'", c->name);
    return nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                       "missing value in row %d, column '%s'", r + 1, c->name);
}

static int bad_boolean_error(const nr_dataset *d, int r, const nr_column *c, float v,
                             nr_error *err)
{
    long line = d->row_line ? d->row_line[r] : 0;
    char what[64];
    if (c->kind == NR_COL_NOMINAL && v >= 0 && v < (float)c->nvalues && c->values)
        snprintf(what, sizeof what, "value %g ('%.30s')", (double)v, c->values[(int)v]);
    else
        snprintf(what, sizeof what, "%g", (double)v);
    if (line > 0 && c->field > 0)
        return nr_error_at(err, NR_EINVAL, d->path, line, 0,
                           "field %d ('%s'): the model's Boolean feature takes 0 or 1, not %s",
                           c->field, c->name, what);
    return nr_error_at(err, NR_EINVAL, d->path, line, 0,
                       "row %d, column '%s': the model's Boolean feature takes 0 or 1, not %s",
                       r + 1, c->name, what);
}

/* New labels and label names for model m, in *labels / *names (ncls
 * entries), or both NULL when the labels stay as they are. */
static int map_labels(const nr_dataset *d, const nn_model *m, int **labels,
                      char ***names, int *nnames, nr_error *err)
{
    /* a model without class names (ONNX) may say nothing of nclasses */
    int rc = 0, ncls = m->nclasses > 0 || m->nlayers == 0 ? m->nclasses
                                                         : (int)nn_model_output_size(m);
    int *map = NULL, *lab = NULL;
    char **nm = NULL;
    char list[256];

    *labels = NULL;
    *names = NULL;
    *nnames = 0;
    if (m->task != NN_TASK_CLASSIFY || ncls <= 0 || d->nlabels <= 0)
        return 0;
    map = malloc((size_t)d->nlabels * sizeof *map);
    if (!map)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < d->nlabels; i++) {
        map[i] = -1;
        if (m->class_names)
            for (int k = 0; k < ncls && map[i] < 0; k++)
                if (m->class_names[k] && strcmp(m->class_names[k], d->label_names[i]) == 0)
                    map[i] = k;
        if (map[i] < 0)
            map[i] = class_index(d->label_names[i], ncls);
    }
    /* Only labels that occur count: an ARFF header may declare more. */
    for (int r = 0; r < d->nrows; r++) {
        char snip[NRD_SNIPPET + 4];
        long line;
        if (map[d->labels[r]] >= 0)
            continue;
        nrd_snippet(snip, sizeof snip, d->label_names[d->labels[r]]);
        line = d->row_line ? d->row_line[r] : 0;
        /* labels that match no class would make every row wrong: an
         * accuracy of 0 that says nothing */
        if (!m->class_names) {
            snprintf(list, sizeof list, ": the model has no class names, so labels must be "
                     "class numbers 0 to %d (or name the classes with --classes)", ncls - 1);
        } else {
            char names[sizeof list - 64];
            nrd_name_list(names, sizeof names, m->class_names, ncls);
            snprintf(list, sizeof list, " is not one of the model's classes (%s)", names);
        }
        if (d->labels_path) /* IDX: the labels file, at the label's byte */
            rc = nr_error_at_offset(err, NR_EINVAL, d->labels_path, d->labels_at + r,
                                    "row %d: label '%s'%s", r + 1, snip, list);
        else if (line > 0)
            rc = nr_error_at(err, NR_EINVAL, d->path, line, 0, "label '%s'%s", snip, list);
        else
            rc = nr_error_at(err, NR_EINVAL, d->path, 0, 0, "row %d: label '%s'%s", r + 1, snip,
                             list);
        goto done;
    }
    lab = malloc(((size_t)d->nrows + 1) * sizeof *lab);
    nm = calloc((size_t)ncls, sizeof *nm);
    if (!lab || !nm) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int r = 0; r < d->nrows; r++)
        lab[r] = map[d->labels[r]];
    for (int k = 0; k < ncls; k++) {
        char num[16];
        const char *s = m->class_names && m->class_names[k] ? m->class_names[k] : num;
        snprintf(num, sizeof num, "%d", k);
        nm[k] = strdup(s);
        if (!nm[k]) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
    }
    *labels = lab;
    *names = nm;
    *nnames = ncls;
    lab = NULL;
    nm = NULL;
done:
    free(map);
    free(lab);
    free_strings(nm, ncls);
    return rc;
}

static int match_model(nr_dataset *d, const nn_model *m, int keep_missing, nr_error *err)
{
    int rc = 0, nf;
    int *sel = NULL, *labels = NULL;
    char **lnames = NULL, **have = NULL;
    int nlnames = 0, ncopied = 0;
    nr_column *cols = NULL;
    float *x = NULL;
    size_t cells;

    if (m->features) {
        nf = m->nfeatures;
    } else {
        size_t in = nn_model_input_size(m);
        nf = in > NR_DATA_MAX_COLS ? NR_DATA_MAX_COLS + 1 : (int)in;
    }
    if (nf <= 0)
        return nr_error_set(err, NR_EINVAL, "the model has no inputs");
    if (nf > NR_DATA_MAX_COLS)
        return nr_error_set(err, NR_ELIMIT, "the model has more than 2^24 inputs");
    cells = (size_t)d->nrows * (size_t)nf;
    if (cells > NR_DATA_MAX_CELLS)
        return nr_error_at(err, NR_ELIMIT, d->path, 0, 0,
                           "%d rows of %d inputs: more than 2^31 values",
                           d->nrows, nf);

    sel = malloc((size_t)nf * sizeof *sel);
    if (!sel) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (m->features) {
        for (int j = 0; j < nf; j++) {
            const char *name = m->features[j].name;
            char list[256], snip[NRD_SNIPPET + 4];
            if (!name) {
                rc = nr_error_set(err, NR_EINVAL, "the model's feature %d has no name",
                                  j + 1);
                goto done;
            }
            sel[j] = find_column(d, name);
            if (sel[j] >= 0)
                continue;
            have = malloc(((size_t)d->ncols + 1) * sizeof *have);
            if (!have) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            for (int i = 0; i < d->ncols; i++)
                have[i] = d->cols[i].name;
            nrd_name_list(list, sizeof list, have, d->ncols);
            nrd_snippet(snip, sizeof snip, name);
            rc = nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                             "no column for feature '%s' (the data has: %s)",
                             snip, d->ncols ? list : "no columns");
            goto done;
        }
    } else {
        if (d->ncols != nf) {
            rc = nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                             "the model takes %d inputs, the data has %d columns",
                             nf, d->ncols);
            goto done;
        }
        for (int j = 0; j < nf; j++)
            sel[j] = j;
    }

    if (cells > 0) {
        x = malloc(cells * sizeof *x);
        if (!x) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
    }
    for (int r = 0; r < d->nrows; r++) {
        const float *src = d->x + (size_t)r * (size_t)d->ncols;
        float *dst = x + (size_t)r * (size_t)nf;
        for (int j = 0; j < nf; j++) {
            dst[j] = src[sel[j]];
            if (isnan(dst[j]) && keep_missing)
                continue;
            if (isnan(dst[j])) {
                rc = missing_value_error(d, r, &d->cols[sel[j]], err);
                goto done;
            }
            /* a Boolean input is 0 or 1; anything else (an ARFF nominal's
             * third value, say) is a row the network was never meant for */
            if (m->features && dst[j] != 0 && dst[j] != 1 &&
                (m->features[j].type == NN_FEAT_BOOLEAN || m->features[j].type == NN_FEAT_ONEHOT)) {
                rc = bad_boolean_error(d, r, &d->cols[sel[j]], dst[j], err);
                goto done;
            }
        }
    }

    cols = calloc((size_t)nf, sizeof *cols);
    if (!cols) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (; ncopied < nf; ncopied++)
        if (copy_column(&cols[ncopied], &d->cols[sel[ncopied]]) < 0) {
            ncopied++;   /* the partly copied one is freed too */
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }

    if (d->has_labels && (rc = map_labels(d, m, &labels, &lnames, &nlnames, err)) < 0)
        goto done;

    /* Nothing can fail from here: swap the new arrays in. */
    free_columns(d->cols, d->ncols);
    free(d->x);
    d->cols = cols;
    d->ncols = nf;
    d->x = x;
    cols = NULL;
    x = NULL;
    if (lnames) {
        free(d->labels);
        free_strings(d->label_names, d->nlabels);
        d->labels = labels;
        d->label_names = lnames;
        d->nlabels = nlnames;
        labels = NULL;
        lnames = NULL;
    }
done:
    free(sel);
    free(have);
    free(x);
    free_columns(cols, ncopied);
    free(labels);
    free_strings(lnames, nlnames);
    return rc;
}

int nr_dataset_match_model(nr_dataset *d, const nn_model *m, nr_error *err)
{
    return match_model(d, m, 0, err);
}

int nr_dataset_match_model_missing(nr_dataset *d, const nn_model *m, nr_error *err)
{
    return match_model(d, m, 1, err);
}

/* --- missing values ------------------------------------------------------ */

static int row_has_missing(const nr_dataset *d, int r)
{
    const float *x = d->x + (size_t)r * (size_t)d->ncols;
    for (int j = 0; j < d->ncols; j++)
        if (isnan(x[j]))
            return 1;
    return 0;
}

int nr_dataset_missing_error(const nr_dataset *d, nr_error *err)
{
    for (int r = 0; r < d->nrows; r++)
        for (int j = 0; j < d->ncols; j++)
            if (isnan(d->x[(size_t)r * (size_t)d->ncols + (size_t)j]))
                return missing_value_error(d, r, &d->cols[j], err);
    return 0;
}

int nr_dataset_drop_missing(nr_dataset *d, int *dropped, int **kept, nr_error *err)
{
    int *keep = malloc(sizeof *keep * (size_t)(d->nrows > 0 ? d->nrows : 1)), nkeep = 0;
    size_t nc = (size_t)d->ncols;
    *dropped = 0;
    if (kept)
        *kept = NULL;
    if (!keep)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int r = 0; r < d->nrows; r++)
        if (!row_has_missing(d, r))
            keep[nkeep++] = r;
    if (nkeep == 0 && d->nrows > 0) {
        free(keep);
        return nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                           "no rows left: all %d have missing values (--missing impute fills them in)",
                           d->nrows);
    }
    /* compact in place: keep[] increases, so nothing is overwritten before
     * it is moved */
    for (int i = 0; i < nkeep; i++) {
        int src = keep[i];
        if (src == i)
            continue;
        memmove(d->x + (size_t)i * nc, d->x + (size_t)src * nc, sizeof *d->x * nc);
        if (d->row_line)
            d->row_line[i] = d->row_line[src];
        if (d->has_labels && d->labels)
            d->labels[i] = d->labels[src];
    }
    *dropped = d->nrows - nkeep;
    d->nrows = nkeep;
    if (kept)
        *kept = keep;
    else
        free(keep);
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Whether feature j is imputed with its mode (a Boolean, one-hot or nominal
 * value: a median of 0s and 1s could be 0.5, which no row has). */
static int takes_mode(const nr_dataset *d, const nn_model *m, int j)
{
    if (m->features && j < m->nfeatures &&
        (m->features[j].type == NN_FEAT_BOOLEAN || m->features[j].type == NN_FEAT_ONEHOT))
        return 1;
    return d->cols[j].kind == NR_COL_NOMINAL;
}

int nr_missing_fill(const nr_dataset *d, const nn_model *m, int from_profile, float **fill,
                    nr_error *err)
{
    const nn_profile *p = m->profile;
    float *f = malloc(sizeof *f * (size_t)(d->ncols > 0 ? d->ncols : 1));
    float *v = malloc(sizeof *v * (size_t)(d->nrows > 0 ? d->nrows : 1));
    int rc = 0;
    *fill = NULL;
    if (!f || !v) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (!(from_profile && p && p->nfeatures == d->ncols))
        p = NULL;
    for (int j = 0; j < d->ncols; j++) {
        int n = 0;
        if (p) {
            const nn_feature_profile *fp = &p->features[j];
            if (takes_mode(d, m, j) && fp->nvalues > 0) {
                int best = 0;
                for (int k = 1; k < fp->nvalues; k++)
                    if (fp->freq[k] > fp->freq[best])
                        best = k;
                f[j] = fp->values[best];
            } else {
                f[j] = fp->q[(p->nq - 1) / 2]; /* the middle quantile */
            }
            continue;
        }
        for (int r = 0; r < d->nrows; r++) {
            float x = d->x[(size_t)r * (size_t)d->ncols + (size_t)j];
            if (!isnan(x))
                v[n++] = x;
        }
        if (n == 0) {
            rc = nr_error_at(err, NR_EINVAL, d->path, 0, 0,
                             "column '%s' has no values to impute its missing ones from",
                             d->cols[j].name);
            goto done;
        }
        qsort(v, (size_t)n, sizeof *v, cmp_float);
        if (takes_mode(d, m, j)) {
            /* the commonest value; the smallest of equally common ones */
            int best = 0, bestn = 0;
            for (int i = 0; i < n;) {
                int k = i;
                while (k < n && v[k] == v[i])
                    k++;
                if (k - i > bestn) {
                    bestn = k - i;
                    best = i;
                }
                i = k;
            }
            f[j] = v[best];
        } else {
            f[j] = v[(n - 1) / 2]; /* the lower median: a value some row has */
        }
    }
    *fill = f;
    f = NULL;
done:
    free(f);
    free(v);
    return rc;
}

long nr_dataset_impute(nr_dataset *d, const float *fill)
{
    long n = 0;
    for (int r = 0; r < d->nrows; r++)
        for (int j = 0; j < d->ncols; j++) {
            float *x = &d->x[(size_t)r * (size_t)d->ncols + (size_t)j];
            if (isnan(*x)) {
                *x = fill[j];
                n++;
            }
        }
    return n;
}
