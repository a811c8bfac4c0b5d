/*
 * model_meta.c - feature and class names, ranges and normalization for a
 * model that came without them (see model_meta.h).
 */
#include "model_meta.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "profile.h"

#define NAME_MAX_BYTES 65535     /* model.bin stores a u16 length */
#define NAMES_FILE_MAX ((size_t)1 << 30)

void nr_names_free(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Append s[0..len) trimmed of spaces and tabs to the list. */
static int push_name(char ***names, int *n, size_t *cap, const char *s, size_t len)
{
    char *copy;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if ((size_t)*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        char **g;
        if (nc > (size_t)NN_MAX_TENSOR)
            return NR_ELIMIT;
        if (!(g = realloc(*names, nc * sizeof *g)))
            return NR_ENOMEM;
        *names = g;
        *cap = nc;
    }
    if (!(copy = malloc(len + 1)))
        return NR_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = 0;
    (*names)[(*n)++] = copy;
    return 0;
}

int nr_names_split(const char *text, char ***names, int *n, nr_error *err)
{
    char **list = NULL;
    int count = 0, rc = 0;
    size_t cap = 0;
    const char *p = text;
    *names = NULL;
    *n = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if ((rc = push_name(&list, &count, &cap, p, len)) < 0)
            break;
        if (!list[count - 1][0]) {
            rc = nr_error_set(err, NR_EINVAL, "name %d of the list is empty", count);
            break;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (rc < 0) {
        if (rc == NR_ENOMEM)
            nr_error_set(err, rc, "out of memory");
        else if (rc == NR_ELIMIT)
            nr_error_set(err, rc, "too many names");
        nr_names_free(list, count);
        return rc;
    }
    *names = list;
    *n = count;
    return 0;
}

int nr_names_from_arg(const char *arg, char ***names, int *n, nr_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    char **list = NULL;
    int count = 0, rc = 0;
    const char *p, *end;
    if (arg[0] != '@')
        return nr_names_split(arg, names, n, err);
    *names = NULL;
    *n = 0;
    if ((rc = nr_read_file(arg + 1, NAMES_FILE_MAX, &buf, &len, err)) < 0)
        return rc;
    if (memchr(buf, 0, len)) {
        free(buf);
        return nr_error_at(err, NR_EFORMAT, arg + 1, 0, 0, "a NUL byte: not a text file of names");
    }
    if (nr_utf8_valid((const char *)buf, len) != len) {
        size_t at = nr_utf8_valid((const char *)buf, len);
        long line = 1, col = 1;
        for (size_t i = 0; i < at; i++) {
            if (buf[i] == '\n')
                line++, col = 1;
            else if ((buf[i] & 0xC0) != 0x80)
                col++;
        }
        unsigned byte = buf[at];
        free(buf);
        return nr_error_at(err, NR_EFORMAT, arg + 1, line, col, "byte 0x%02X is not UTF-8", byte);
    }
    p = (const char *)buf;
    end = p + len;
    /* an editor's byte order mark is not part of the first name */
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (l && (rc = push_name(&list, &count, &cap, p, l)) < 0)
            break;
        if (l && !list[count - 1][0])
            free(list[--count]); /* a line of blanks */
        p = nl ? nl + 1 : end;
    }
    free(buf);
    if (rc < 0) {
        nr_names_free(list, count);
        return rc == NR_ENOMEM ? nr_error_set(err, rc, "out of memory")
                               : nr_error_at(err, rc, arg + 1, 0, 0, "too many names");
    }
    if (count == 0) {
        free(list);
        return nr_error_at(err, NR_EINVAL, arg + 1, 0, 0, "no names in the file");
    }
    *names = list;
    *n = count;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names fit for model.bin; what says whose ("feature", "class"). */
static int check_names(const char *const *names, int n, const char *what, nr_error *err)
{
    const char **sorted;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len == 0)
            return nr_error_set(err, NR_EINVAL, "%s name %d is empty", what, i + 1);
        if (len > NAME_MAX_BYTES)
            return nr_error_set(err, NR_EINVAL, "%s name %d is longer than %d bytes", what, i + 1,
                                NAME_MAX_BYTES);
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)names[i][k] < 0x20 || names[i][k] == 0x7f)
                return nr_error_set(err, NR_EINVAL, "%s name %d holds a control character", what, i + 1);
        if (nr_utf8_valid(names[i], len) != len)
            return nr_error_set(err, NR_EINVAL, "%s name %d is not UTF-8", what, i + 1);
    }
    if (!(sorted = malloc(((size_t)n + 1) * sizeof *sorted)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    for (int i = 1; i < n; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            char dup[64];
            snprintf(dup, sizeof dup, "%s", sorted[i]);
            free(sorted);
            return nr_error_set(err, NR_EINVAL, "%s name '%s' is given twice", what, dup);
        }
    free(sorted);
    return 0;
}

static char **copy_names(const char *const *names, int n)
{
    char **c = calloc((size_t)n ? (size_t)n : 1, sizeof *c);
    if (!c)
        return NULL;
    for (int i = 0; i < n; i++)
        if (!(c[i] = strdup(names[i]))) {
            nr_names_free(c, i);
            return NULL;
        }
    return c;
}

int nr_model_set_names(nn_model *m, const char *const *features, int nf, const char *const *classes, int nc,
                       nr_error *err)
{
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    char **fn = NULL, **cn = NULL;
    nn_feature *feat = NULL;
    int rc;
    if (features) {
        if (nf < 0 || (size_t)nf != insz)
            return nr_error_set(err, NR_EINVAL, "%d feature names for a model with %zu inputs", nf, insz);
        if ((rc = check_names(features, nf, "feature", err)) < 0)
            return rc;
    }
    if (classes) {
        if (nc < 0 || (size_t)nc != outsz)
            return nr_error_set(err, NR_EINVAL, "%d class names for a model with %zu outputs", nc, outsz);
        if ((rc = check_names(classes, nc, "class", err)) < 0)
            return rc;
    }
    if ((features && !(fn = copy_names(features, nf))) || (classes && !(cn = copy_names(classes, nc))))
        goto nomem;
    if (features && !m->features) {
        if (!(feat = calloc((size_t)nf ? (size_t)nf : 1, sizeof *feat)))
            goto nomem;
        for (int i = 0; i < nf; i++) {
            feat[i].type = NN_FEAT_CONTINUOUS;
            feat[i].group = -1;
        }
        m->features = feat;
        m->nfeatures = nf;
    }
    /* nothing fails from here */
    if (features)
        for (int i = 0; i < nf; i++) {
            free(m->features[i].name);
            m->features[i].name = fn[i];
        }
    free(fn);
    if (classes) {
        nr_names_free(m->class_names, m->nclasses);
        m->class_names = cn;
        m->nclasses = nc;
    }
    return 0;
nomem:
    nr_names_free(fn, features ? nf : 0);
    nr_names_free(cn, classes ? nc : 0);
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}

/* A label that is a whole number, in *v. */
static int label_int(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return !errno && end != s && !*end;
}

typedef struct numbered {
    long long v;
    const char *name;
} numbered;

static int cmp_numbered(const void *a, const void *b)
{
    const numbered *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v;
}

/* Put file and context in front of a message already in err. */
static int rewrap(nr_error *err, int rc, const char *file, const char *what)
{
    char msg[sizeof err->msg];
    if (!err || rc == NR_ENOMEM)
        return rc;
    snprintf(msg, sizeof msg, "%s", err->msg);
    return nr_error_at(err, rc, file, 0, 0, "%s: %s", what, msg);
}

int nr_model_names_from_data(nn_model *m, const nr_dataset *d, nr_error *err)
{
    size_t insz = nn_model_input_size(m), outsz = nn_model_output_size(m);
    int rc;
    if (!m->features && d->ncols > 0 && (size_t)d->ncols == insz) {
        const char **names = malloc((size_t)d->ncols * sizeof *names);
        if (!names)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        for (int i = 0; i < d->ncols; i++)
            names[i] = d->cols[i].name ? d->cols[i].name : "";
        rc = nr_model_set_names(m, names, d->ncols, NULL, 0, err);
        free(names);
        if (rc < 0)
            return rewrap(err, rc, d->path, "column names as feature names");
    }
    if (!m->class_names && m->task == NN_TASK_CLASSIFY && d->has_labels && d->nlabels > 0 &&
        (size_t)d->nlabels == outsz) {
        numbered *order = malloc((size_t)d->nlabels * sizeof *order);
        const char **names = malloc((size_t)d->nlabels * sizeof *names);
        int allint = 1;
        if (!order || !names) {
            free(order);
            free(names);
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        }
        for (int i = 0; i < d->nlabels; i++) {
            order[i].name = d->label_names[i];
            allint &= label_int(d->label_names[i], &order[i].v);
        }
        if (allint)
            qsort(order, (size_t)d->nlabels, sizeof *order, cmp_numbered);
        for (int i = 0; i < d->nlabels; i++)
            names[i] = order[i].name;
        rc = nr_model_set_names(m, NULL, 0, names, d->nlabels, err);
        free(order);
        free(names);
        if (rc < 0)
            return rewrap(err, rc, d->path, "labels as class names");
    }
    return 0;
}

int nr_model_ranges_from_data(nn_model *m, const nr_dataset *d, nr_error *err)
{
    if (!m->features || d->ncols != m->nfeatures)
        return nr_error_set(err, NR_EINVAL, "the data's columns are not the model's features");
    if (d->nrows == 0)
        return 0;
    for (int j = 0; j < d->ncols; j++) {
        nn_feature *f = &m->features[j];
        float lo = INFINITY, hi = -INFINITY;
        int binary = 1, whole = 1;
        for (int r = 0; r < d->nrows; r++) {
            float v = d->x[(size_t)r * (size_t)d->ncols + (size_t)j];
            if (isnan(v))
                continue;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            binary &= v == 0 || v == 1;
            whole &= v == floorf(v);
        }
        if (!(lo <= hi))
            continue; /* all missing */
        f->min = lo;
        f->max = hi;
        if (f->type == NN_FEAT_CONTINUOUS && f->group < 0)
            f->type = binary ? NN_FEAT_BOOLEAN : whole ? NN_FEAT_INTEGER : NN_FEAT_CONTINUOUS;
    }
    return 0;
}

/* "LO:HI" at s[0..len): both finite, LO <= HI. */
static int parse_range(const char *s, size_t len, float *lo, float *hi)
{
    char buf[128], *colon, *end;
    double a, b;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (!(colon = strchr(buf, ':')))
        return -1;
    *colon = 0;
    errno = 0;
    a = strtod(buf, &end);
    if (end == buf || *end || errno)
        return -1;
    b = strtod(colon + 1, &end);
    if (end == colon + 1 || *end || errno)
        return -1;
    if (!isfinite((float)a) || !isfinite((float)b) || !((float)a <= (float)b))
        return -1;
    *lo = (float)a;
    *hi = (float)b;
    return 0;
}

int nr_model_set_ranges(nn_model *m, const char *spec, nr_error *err)
{
    const char *p = spec;
    nn_feature *copy = NULL;
    size_t n = m ? (size_t)m->nfeatures : 0;
    int rc = 0;
    if (m && !m->features)
        return nr_error_set(err, NR_EINVAL, "--ranges: the model has no feature names to give "
                            "ranges to (give --features)");
    /* work on a copy, so that a bad item leaves the model unchanged */
    if (m && !(copy = malloc(n * sizeof *copy)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (m)
        memcpy(copy, m->features, n * sizeof *copy);
    for (;;) {
        const char *end = strchr(p, ','), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p), nlen = 0, f = 0;
        float lo, hi;
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if ((eq = memchr(p, '=', len)))
            for (nlen = (size_t)(eq - p); nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t');)
                nlen--;
        if ((eq && nlen == 0) || parse_range(eq ? eq + 1 : p, eq ? len - (size_t)(eq + 1 - p) : len, &lo, &hi) < 0) {
            size_t show = strcspn(p, ",");
            rc = nr_error_set(err, NR_EINVAL, "--ranges: '%.*s' is not LO:HI or NAME=LO:HI with "
                              "finite LO <= HI", (int)(show > 200 ? 200 : show), p);
            goto done;
        }
        if (m && eq) {
            for (f = 0; f < n; f++)
                if (strlen(copy[f].name) == nlen && memcmp(copy[f].name, p, nlen) == 0)
                    break;
            if (f == n) {
                rc = nr_error_set(err, NR_EINVAL, "--ranges: the model has no feature '%.*s'",
                                  (int)(nlen > 200 ? 200 : nlen), p);
                goto done;
            }
            if (copy[f].type == NN_FEAT_BOOLEAN || copy[f].type == NN_FEAT_ONEHOT) {
                rc = nr_error_set(err, NR_EINVAL, "--ranges: feature '%s' is %s; its values are 0 "
                                  "and 1", copy[f].name,
                                  copy[f].type == NN_FEAT_BOOLEAN ? "Boolean" : "one-hot");
                goto done;
            }
            copy[f].min = lo;
            copy[f].max = hi;
        } else if (m) {
            for (f = 0; f < n; f++)
                if (copy[f].type == NN_FEAT_CONTINUOUS || copy[f].type == NN_FEAT_INTEGER) {
                    copy[f].min = lo;
                    copy[f].max = hi;
                }
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (m)
        memcpy(m->features, copy, n * sizeof *copy);
done:
    free(copy);
    return rc;
}

int nr_model_copy_meta(nn_model *m, const nn_model *like, nr_error *err)
{
    size_t insz = nn_model_input_size(m);
    nn_feature *feat = NULL;
    char **cn = NULL;
    float *mean = NULL, *sd = NULL;
    nn_profile *prof = NULL;
    if (nn_model_input_size(like) != insz || nn_model_output_size(like) != nn_model_output_size(m))
        return nr_error_set(err, NR_EINVAL, "the model has %zu inputs and %zu outputs, the one to copy from "
                            "%zu and %zu", insz, nn_model_output_size(m), nn_model_input_size(like),
                            nn_model_output_size(like));
    if (like->norm_mean && m->norm_mean)
        return nr_error_set(err, NR_EINVAL, "both models normalize their input; nn2rules keeps one normalization");
    if (like->features) {
        if (!(feat = calloc((size_t)like->nfeatures ? (size_t)like->nfeatures : 1, sizeof *feat)))
            goto nomem;
        for (int i = 0; i < like->nfeatures; i++) {
            feat[i] = like->features[i];
            feat[i].name = NULL;
            if (like->features[i].name && !(feat[i].name = strdup(like->features[i].name))) {
                for (int k = 0; k < i; k++)
                    free(feat[k].name);
                free(feat);
                feat = NULL;
                goto nomem;
            }
        }
    }
    if (like->class_names && !(cn = copy_names((const char *const *)like->class_names, like->nclasses)))
        goto nomem;
    if (like->norm_mean && like->norm_std) {
        if (!(mean = malloc(insz * sizeof *mean)) || !(sd = malloc(insz * sizeof *sd)))
            goto nomem;
        memcpy(mean, like->norm_mean, insz * sizeof *mean);
        memcpy(sd, like->norm_std, insz * sizeof *sd);
    }
    if (like->profile && !(prof = nr_profile_copy(like->profile)))
        goto nomem;
    if (prof) {
        nn_profile_free(m->profile);
        m->profile = prof;
    }
    if (feat) {
        for (int i = 0; m->features && i < m->nfeatures; i++)
            free(m->features[i].name);
        free(m->features);
        m->features = feat;
        m->nfeatures = like->nfeatures;
    }
    if (cn) {
        nr_names_free(m->class_names, m->nclasses);
        m->class_names = cn;
        m->nclasses = like->nclasses;
    }
    if (mean) {
        m->norm_mean = mean;
        m->norm_std = sd;
    }
    m->task = like->task;
    return 0;
nomem:
    if (feat) {
        for (int i = 0; i < like->nfeatures; i++)
            free(feat[i].name);
        free(feat);
    }
    nr_names_free(cn, like->nclasses);
    free(mean);
    free(sd);
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}
