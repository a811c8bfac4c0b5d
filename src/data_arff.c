/*
 * data_arff.c - Weka ARFF reader (dense data only).
 *
 * A header of @relation, @attribute NAME TYPE and @data lines, then one
 * comma-separated row per line.  Keywords and type names are
 * case-insensitive; names and values may be quoted with ' or " (backslash
 * escapes inside); % starts a comment; ? is a missing value.  Numeric
 * attributes (numeric, real, integer) and nominal ones ({a,b,c}, stored as
 * the value's index in the declaration) are read; string, date and
 * relational attributes, sparse rows and instance weights are refused.
 *
 * The label is opts->label, else the attribute named "class"
 * (case-insensitive), else the last attribute when it is nominal.
 */
#include "data_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct arff_attr {
    char *name;
    int nominal;
    nrd_strtab values;   /* nominal: the declared values, in order */
} arff_attr;

typedef struct arff_field {
    size_t off;          /* unescaped text in the reader's text buffer */
    const char *start;   /* in the source line, for the column */
    int quoted;
} arff_field;

typedef struct arff_reader {
    const char *path;
    const char *p, *end; /* p: start of the next line */
    const char *ls, *le; /* current line, without its line break */
    long line;
    char *text;          /* tokens, each NUL-terminated */
    size_t text_len, text_cap;
    arff_field *fields;
    size_t nstored, fields_cap;
    long nfields;
    arff_attr *attrs;
    int nattrs, cap_attrs;
} arff_reader;

static int oom(nr_error *err)
{
    return nr_error_set(err, NR_ENOMEM, "out of memory");
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static long col(const arff_reader *r, const char *p)
{
    return nrd_utf8_col(r->ls, p);
}

static int next_line(arff_reader *r)
{
    const char *nl;
    if (r->p >= r->end)
        return 0;
    r->ls = r->p;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    r->le = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    if (r->le > r->ls && r->le[-1] == '\r')
        r->le--;
    r->line++;
    return 1;
}

static const char *skip_blanks(const arff_reader *r, const char *p)
{
    while (p < r->le && blank(*p))
        p++;
    return p;
}

/* Nothing but blanks or a comment from p to the end of the line. */
static int rest_is_empty(const arff_reader *r, const char *p)
{
    p = skip_blanks(r, p);
    return p == r->le || *p == '%';
}

static int text_append(arff_reader *r, const char *s, size_t n, nr_error *err)
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

/* One name or value from *pp (which is past any blanks), appended to
 * r->text with its NUL: quoted with ' or ", or bare up to a blank-trimmed
 * stop character.  1 when a quote is not closed. */
static int read_token(arff_reader *r, const char **pp, const char *stops,
                      int *quoted, nr_error *err)
{
    const char *p = *pp;
    int rc;

    *quoted = p < r->le && (*p == '\'' || *p == '"');
    if (*quoted) {
        char q = *p++;
        for (;;) {
            const char *s = p;
            char c;
            while (p < r->le && *p != q && *p != '\\')
                p++;
            if ((rc = text_append(r, s, (size_t)(p - s), err)) < 0)
                return rc;
            if (p >= r->le)
                return 1;
            if (*p == q) {
                p++;
                break;
            }
            if (p + 1 >= r->le)
                return 1;
            /* Weka's escapes; any other escaped character stands for
             * itself. */
            switch (p[1]) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            default: c = p[1]; break;
            }
            if ((rc = text_append(r, &c, 1, err)) < 0)
                return rc;
            p += 2;
        }
    } else {
        const char *s = p, *e;
        while (p < r->le && !strchr(stops, *p))
            p++;
        for (e = p; e > s && blank(e[-1]); e--)
            ;
        if ((rc = text_append(r, s, (size_t)(e - s), err)) < 0)
            return rc;
    }
    if ((rc = text_append(r, "", 0, err)) < 0)
        return rc;
    r->text_len++;
    *pp = p;
    return 0;
}

/* The keyword after '@' at p (letters only), compared ignoring case. */
static int is_keyword(const arff_reader *r, const char *p, const char *kw,
                      const char **after)
{
    size_t n = strlen(kw);
    if ((size_t)(r->le - p) < n + 1 || strncasecmp(p + 1, kw, n) != 0)
        return 0;
    p += n + 1;
    if (p < r->le && !blank(*p) && *p != '%' && *p != '{')
        return 0;
    *after = p;
    return 1;
}

static int add_attr(arff_reader *r, nr_error *err)
{
    if (r->nattrs == r->cap_attrs) {
        int ncap = r->cap_attrs ? r->cap_attrs * 2 : 16;
        arff_attr *a = realloc(r->attrs, (size_t)ncap * sizeof *a);
        if (!a)
            return oom(err);
        r->attrs = a;
        r->cap_attrs = ncap;
    }
    memset(&r->attrs[r->nattrs++], 0, sizeof *r->attrs);
    return 0;
}

/* "@attribute NAME TYPE" with p just past the keyword. */
static int parse_attribute(arff_reader *r, const char *p, nrd_strtab *names,
                           nr_error *err)
{
    int rc, quoted, idx, added;
    const char *start, *type;
    arff_attr *a;
    char snip[NRD_SNIPPET + 4];

    if (r->nattrs > NR_DATA_MAX_COLS)
        return nr_error_at(err, NR_ELIMIT, r->path, r->line, 0,
                           "more than 2^24 attributes");
    start = p = skip_blanks(r, p);
    r->text_len = 0;
    if ((rc = read_token(r, &p, " \t{%", &quoted, err)) < 0)
        return rc;
    if (rc > 0)
        return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, start),
                           "unterminated quoted attribute name");
    if (!r->text[0])
        return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, start),
                           "missing attribute name");
    if ((rc = nrd_strtab_intern(names, r->text, &idx, &added)) < 0)
        return oom(err);
    nrd_snippet(snip, sizeof snip, r->text);
    if (!added)
        return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, start),
                           "duplicate attribute name '%s'", snip);
    if ((rc = add_attr(r, err)) < 0)
        return rc;
    a = &r->attrs[r->nattrs - 1];
    a->name = strdup(r->text);
    if (!a->name)
        return oom(err);

    type = p = skip_blanks(r, p);
    if (p < r->le && *p == '{') {
        a->nominal = 1;
        for (p++;;) {
            const char *vs = p = skip_blanks(r, p);
            r->text_len = 0;
            if ((rc = read_token(r, &p, ",}%", &quoted, err)) < 0)
                return rc;
            if (rc > 0)
                return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, vs),
                                   "unterminated quoted value");
            if (!r->text[0] && !quoted)
                return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, vs),
                                   "attribute '%s': empty nominal value", snip);
            if ((rc = nrd_strtab_intern(&a->values, r->text, &idx, &added)) < 0)
                return rc == NR_ELIMIT
                           ? nr_error_at(err, rc, r->path, r->line, 0,
                                         "attribute '%s' has more than 2^24 values",
                                         snip)
                           : oom(err);
            if (!added) {
                char vsnip[NRD_SNIPPET + 4];
                nrd_snippet(vsnip, sizeof vsnip, r->text);
                return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, vs),
                                   "attribute '%s': value '%s' declared twice",
                                   snip, vsnip);
            }
            p = skip_blanks(r, p);
            if (p < r->le && *p == ',') {
                p++;
                continue;
            }
            if (p < r->le && *p == '}') {
                p++;
                break;
            }
            return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, p),
                               "attribute '%s': expected ',' or '}' in the value list",
                               snip);
        }
    } else {
        size_t n;
        while (p < r->le && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            p++;
        n = (size_t)(p - type);
        if (n == 0)
            return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, type),
                               "attribute '%s': missing type", snip);
#define TYPE_IS(s) (n == strlen(s) && strncasecmp(type, s, n) == 0)
        if (TYPE_IS("string") || TYPE_IS("date") || TYPE_IS("relational"))
            return nr_error_at(err, NR_EUNSUP, r->path, r->line, col(r, type),
                               "attribute '%s': %.*s attributes are not supported "
                               "(only numeric and nominal)",
                               snip, (int)n, type);
        if (!(TYPE_IS("numeric") || TYPE_IS("real") || TYPE_IS("integer")))
            return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, type),
                               "attribute '%s': unknown type '%.*s'", snip,
                               (int)(n > NRD_SNIPPET ? NRD_SNIPPET : n), type);
#undef TYPE_IS
    }
    if (!rest_is_empty(r, p))
        return nr_error_at(err, NR_EFORMAT, r->path, r->line,
                           col(r, skip_blanks(r, p)),
                           "attribute '%s': unexpected text after the type", snip);
    return 0;
}

/* Header up to and including @data. */
static int read_header(arff_reader *r, nr_error *err)
{
    int rc = 0;
    nrd_strtab names = {0};

    while (next_line(r)) {
        const char *p = skip_blanks(r, r->ls), *after;
        if (p == r->le || *p == '%')
            continue;
        if (*p != '@') {
            rc = nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, p),
                             "expected @relation, @attribute or @data");
            goto done;
        }
        if (is_keyword(r, p, "relation", &after))
            continue;
        if (is_keyword(r, p, "attribute", &after)) {
            if ((rc = parse_attribute(r, after, &names, err)) < 0)
                goto done;
            continue;
        }
        if (is_keyword(r, p, "data", &after)) {
            if (!rest_is_empty(r, after)) {
                rc = nr_error_at(err, NR_EFORMAT, r->path, r->line,
                                 col(r, skip_blanks(r, after)),
                                 "unexpected text after @data");
                goto done;
            }
            if (r->nattrs == 0)
                rc = nr_error_at(err, NR_EFORMAT, r->path, r->line, 0,
                                 "@data before any @attribute");
            goto done;
        }
        rc = nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, p),
                         "unknown keyword (expected @relation, @attribute or @data)");
        goto done;
    }
    rc = nr_error_at(err, NR_EFORMAT, r->path, 0, 0, "no @data section");
done:
    nrd_strtab_free(&names);
    return rc;
}

static int find_label(const arff_reader *r, const nr_read_opts *opts, int *label,
                      nr_error *err)
{
    const char *want = opts ? opts->label : NULL;

    *label = -1;
    if (want) {
        for (int i = 0; i < r->nattrs && *label < 0; i++)
            if (strcmp(r->attrs[i].name, want) == 0)
                *label = i;
        for (int i = 0; i < r->nattrs && *label < 0; i++)
            if (strcasecmp(r->attrs[i].name, want) == 0)
                *label = i;
        if (*label < 0) {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, want);
            return nr_error_at(err, NR_EINVAL, r->path, 0, 0,
                               "no attribute '%s' in header", snip);
        }
        return 0;
    }
    for (int i = 0; i < r->nattrs && *label < 0; i++)
        if (strcasecmp(r->attrs[i].name, "class") == 0)
            *label = i;
    if (*label < 0 && r->attrs[r->nattrs - 1].nominal)
        *label = r->nattrs - 1;
    return 0;
}

/* Split the current data line into fields; 1 when it is blank. */
static int split_row(arff_reader *r, size_t max_fields, nr_error *err)
{
    const char *p = skip_blanks(r, r->ls);
    int rc;

    if (p == r->le || *p == '%')
        return 1;
    if (*p == '{')
        return nr_error_at(err, NR_EUNSUP, r->path, r->line, col(r, p),
                           "sparse ARFF rows are not supported");
    r->text_len = 0;
    r->nstored = 0;
    r->nfields = 0;
    for (;;) {
        arff_field f;
        p = skip_blanks(r, p);
        f.off = r->text_len;
        f.start = p;
        if ((rc = read_token(r, &p, ",%", &f.quoted, err)) < 0)
            return rc;
        if (rc > 0)
            return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, f.start),
                               "unterminated quoted value");
        if (!f.quoted && r->text[f.off] == '{')
            return nr_error_at(err, NR_EUNSUP, r->path, r->line, col(r, f.start),
                               "instance weights ({...}) are not supported");
        if (r->nstored < max_fields) {
            if (r->nstored == r->fields_cap) {
                size_t ncap = r->fields_cap ? r->fields_cap * 2 : 16;
                arff_field *nf = realloc(r->fields, ncap * sizeof *nf);
                if (!nf)
                    return oom(err);
                r->fields = nf;
                r->fields_cap = ncap;
            }
            r->fields[r->nstored++] = f;
        }
        r->nfields++;
        p = skip_blanks(r, p);
        if (p < r->le && *p == ',') {
            p++;
            continue;
        }
        if (p == r->le || *p == '%')
            return 0;
        return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, p),
                           "expected ',' between values");
    }
}

static int undeclared(const arff_reader *r, const arff_attr *a, const char *name,
                      const char *t, const char *start, nr_error *err)
{
    char snip[NRD_SNIPPET + 4], list[200];
    nrd_snippet(snip, sizeof snip, t);
    nrd_name_list(list, sizeof list, a->values.names, a->values.n);
    return nr_error_at(err, NR_EINVAL, r->path, r->line, col(r, start),
                       "attribute '%s': '%s' is not one of its values (%s)",
                       name, snip, list);
}

/* The fields of the current line into the last row of d. */
static int store_row(arff_reader *r, nr_dataset *d, int label,
                     nrd_strtab *labtab, nr_error *err)
{
    size_t row = (size_t)d->nrows - 1;
    float *x = d->ncols ? d->x + row * (size_t)d->ncols : NULL;
    int rc;

    for (int i = 0, c = 0; i < r->nattrs; i++) {
        const arff_field *f = &r->fields[i];
        const arff_attr *a = &r->attrs[i];
        /* The names have moved into d. */
        const char *name = i == label ? d->label_name : d->cols[c].name;
        const char *t = r->text + f->off;
        int idx;
        float v;

        if (!f->quoted && !*t)
            return nr_error_at(err, NR_EFORMAT, r->path, r->line, col(r, f->start),
                               "empty value (a missing value is written ?)");
        if (!f->quoted && strcmp(t, "?") == 0) {
            if (i == label)
                return nr_error_at(err, NR_EINVAL, r->path, r->line,
                                   col(r, f->start), "missing label ('%s')", name);
            x[c++] = NAN;
            continue;
        }
        if (i == label) {
            if (a->nominal) {
                idx = nrd_strtab_find(labtab, t);
                if (idx < 0)
                    return undeclared(r, a, name, t, f->start, err);
            } else if ((rc = nrd_strtab_intern(labtab, t, &idx, NULL)) < 0) {
                return rc == NR_ELIMIT
                           ? nr_error_at(err, rc, r->path, r->line, 0,
                                         "more than 2^24 distinct labels")
                           : oom(err);
            }
            d->labels[row] = idx;
            continue;
        }
        if (a->nominal) {
            idx = nrd_strtab_find(&a->values, t);
            if (idx < 0)
                return undeclared(r, a, name, t, f->start, err);
            x[c++] = (float)idx;
            continue;
        }
        switch (nrd_parse_number(t, &v)) {
        case 0:
            x[c++] = v;
            continue;
        case 2: {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, t);
            return nr_error_at(err, NR_EINVAL, r->path, r->line, col(r, f->start),
                               "attribute '%s': %s is out of range for a float",
                               name, snip);
        }
        default: {
            char snip[NRD_SNIPPET + 4];
            nrd_snippet(snip, sizeof snip, t);
            return nr_error_at(err, NR_EINVAL, r->path, r->line, col(r, f->start),
                               "attribute '%s': expected a number, got '%s'",
                               name, snip);
        }
        }
    }
    return 0;
}

int nr_data_read_arff(const char *path, const nr_read_opts *opts,
                      nr_dataset **out, nr_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if ((rc = nrd_slurp(path, &buf, &len, err)) < 0)
        return rc;
    return nrd_read_arff_buf(path, buf, len, opts, out, err);
}

int nrd_read_arff_buf(const char *path, char *buf, size_t len, const nr_read_opts *opts,
                      nr_dataset **out, nr_error *err)
{
    int rc = 0, label = -1, c = 0;
    size_t cap = 0;
    arff_reader r = {0};
    nrd_strtab numlabels = {0}, *labtab = &numlabels;
    nr_dataset *d = NULL;

    *out = NULL;
    if ((rc = nrd_check_text(path, buf, len, err)) < 0)
        goto done;
    r.path = path;
    r.p = buf;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r.p += 3;   /* a UTF-8 byte order mark; columns count from after it */
    r.end = buf + len;
    if ((rc = read_header(&r, err)) < 0 || (rc = find_label(&r, opts, &label, err)) < 0)
        goto done;

    d = nrd_dataset_new(path);
    if (!d) {
        rc = oom(err);
        goto done;
    }
    if (r.nattrs - (label >= 0) > NR_DATA_MAX_COLS) {
        rc = nr_error_at(err, NR_ELIMIT, path, 0, 0, "more than 2^24 attributes");
        goto done;
    }
    d->ncols = r.nattrs - (label >= 0);
    if (d->ncols > 0) {
        d->cols = calloc((size_t)d->ncols, sizeof *d->cols);
        if (!d->cols) {
            d->ncols = 0;
            rc = oom(err);
            goto done;
        }
    }
    for (int i = 0; i < r.nattrs; i++) {
        arff_attr *a = &r.attrs[i];
        if (i == label) {
            d->has_labels = 1;
            d->label_name = a->name;
            if (a->nominal)
                labtab = &a->values;
        } else {
            d->cols[c].name = a->name;
            d->cols[c].kind = a->nominal ? NR_COL_NOMINAL : NR_COL_NUMERIC;
            d->cols[c].field = i + 1;
            c++;
        }
        a->name = NULL;   /* now the dataset's */
    }

    while (next_line(&r)) {
        if ((rc = split_row(&r, (size_t)r.nattrs, err)) < 0)
            goto done;
        if (rc > 0) {
            rc = 0;
            continue;
        }
        if (r.nfields != r.nattrs) {
            rc = nr_error_at(err, NR_EFORMAT, path, r.line, 0,
                             "expected %d fields, found %ld", r.nattrs, r.nfields);
            goto done;
        }
        if ((rc = nrd_add_row(d, &cap, r.line, err)) < 0 ||
            (rc = store_row(&r, d, label, labtab, err)) < 0)
            goto done;
    }

    /* The declared values move into the columns and the label names. */
    for (int i = 0, k = 0; i < r.nattrs; i++) {
        if (i == label)
            continue;
        if (r.attrs[i].nominal)
            d->cols[k].values = nrd_strtab_take(&r.attrs[i].values, &d->cols[k].nvalues);
        k++;
    }
    if (d->has_labels)
        d->label_names = nrd_strtab_take(labtab, &d->nlabels);
    nrd_trim_rows(d);
    *out = d;
    d = NULL;
done:
    for (int i = 0; i < r.nattrs; i++) {
        free(r.attrs[i].name);
        nrd_strtab_free(&r.attrs[i].values);
    }
    free(r.attrs);
    free(r.text);
    free(r.fields);
    nrd_strtab_free(&numlabels);
    nr_dataset_free(d);
    free(buf);
    return rc;
}
