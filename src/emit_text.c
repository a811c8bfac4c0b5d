/*
 * emit_text.c - the text back end: the rule IR as rules.txt, in the rule
 * language of man/nn2rules-rules.5.
 *
 * The last stage of `nn2rules extract` and the inverse of src/parse.c: the
 * text it writes parses back to rules that predict the same, and emitting
 * those gives the same bytes.  So every value is printed exactly (floats as
 * the shortest decimal that strtof reads back to the same float, doubles
 * likewise with strtod), names that the scanner would not read back as the
 * same name are quoted, and IR that has no text form is refused here rather
 * than written out and refused by the parser later.
 *
 * Numbers are printed with the C library in the "C" locale (the decimal
 * point is '.'); nn2rules never calls setlocale().
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* Room for any number printed with %g or %.0f (gcc cannot bound the
 * precision argument; the numbers written here are at most 24 bytes). */
#define NUMBUF 320
/* Trees deeper than this are still written, indented no further. */
#define MAX_INDENT 40
/* A list of classes longer than this goes one line per few classes. */
#define LINE_WIDTH 78

typedef struct emitter {
    const nr_rules *r;
    nr_error *err;
    char *p;
    size_t n, cap;
    int oom;
} emitter;

/* ---- output buffer ------------------------------------------------------ */

static void put(emitter *e, const char *s, size_t n)
{
    if (e->oom)
        return;
    if (e->cap - e->n <= n) {
        size_t ncap = e->cap ? e->cap : 4096;
        char *p;
        while (ncap - e->n <= n) {
            if (ncap > SIZE_MAX / 2) {
                e->oom = 1;
                return;
            }
            ncap *= 2;
        }
        if (!(p = realloc(e->p, ncap))) {
            e->oom = 1;
            return;
        }
        e->p = p;
        e->cap = ncap;
    }
    memcpy(e->p + e->n, s, n);
    e->n += n;
    e->p[e->n] = 0;
}

static void puts_(emitter *e, const char *s)
{
    put(e, s, strlen(s));
}

static void putf(emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(emitter *e, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(e, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int fail(emitter *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(emitter *e, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nr_error_set(e->err, code, "cannot write rules as text: %s", msg);
}

/* ---- numbers ------------------------------------------------------------ */

/* 1e+05 -> 1e5, 1.5e-07 -> 1.5e-7 */
static void tidy_exponent(char *s)
{
    char *e = strchr(s, 'e'), *d;
    int neg;
    if (!e)
        return;
    d = e + 1;
    neg = *d == '-';
    if (*d == '+' || *d == '-')
        d++;
    while (*d == '0' && d[1])
        d++;
    memmove(e + 1 + neg, d, strlen(d) + 1);
    if (neg)
        e[1] = '-';
}

/* The shortest decimal that strtof reads back as v; integers as integers. */
static void fmt_float(char out[NUMBUF], float v)
{
    if (isnan(v)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == floorf(v) && fabsf(v) < 16777216.0f) {
        snprintf(out, NUMBUF, "%.0f", (double)v);
        return;
    }
    /* the fewest significant digits that read back as v, by binary search:
     * more digits read back at least as well (but for rare values next to a
     * power of two, where the search may settle on one digit more than the
     * minimum); the result is always exact, since hi only ever holds a
     * precision that was checked, or 9, which always reads back */
    int lo = 1, hi = 9;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(out, NUMBUF, "%.*g", mid, (double)v);
        if (strtof(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(out, NUMBUF, "%.*g", hi, (double)v);
    tidy_exponent(out);
}

/* The shortest decimal that strtod reads back as v; integers as integers. */
static void fmt_double(char out[NUMBUF], double v)
{
    if (isnan(v)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(out, NUMBUF, "%.0f", v);
        return;
    }
    int lo = 1, hi = 17; /* as in fmt_float; 17 digits always read back */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(out, NUMBUF, "%.*g", mid, v);
        if (strtod(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(out, NUMBUF, "%.*g", hi, v);
    tidy_exponent(out);
}

static void put_float(emitter *e, float v)
{
    char buf[NUMBUF];
    fmt_float(buf, v);
    puts_(e, buf);
}

static void put_double(emitter *e, double v)
{
    char buf[NUMBUF];
    fmt_double(buf, v);
    puts_(e, buf);
}

/* +0 is the "not set" of optional values. */
static int is_plus_zero(double v)
{
    return v == 0 && !signbit(v);
}

/* ---- names -------------------------------------------------------------- */

static int is_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* h<digits>.<digits> is a hidden unit, not a name. */
static int looks_hidden(const char *s)
{
    const char *p = s + 1;
    if (*s != 'h' || !is_digit(*p))
        return 0;
    while (is_digit(*p))
        p++;
    if (*p++ != '.' || !is_digit(*p))
        return 0;
    while (is_digit(*p))
        p++;
    return *p == 0;
}

/* Whether s reads back as the name s without quotes. */
static int bare_name(const char *s)
{
    if (!is_alpha((unsigned char)*s))
        return 0;
    for (const char *p = s; *p; p++)
        if (!is_alpha((unsigned char)*p) && !is_digit((unsigned char)*p) && *p != '.')
            return 0;
    return !nr_rules_reserved_word(s) && !looks_hidden(s);
}

static void put_quoted(emitter *e, const char *s)
{
    put(e, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char hex[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(hex, sizeof hex, "\\x%02X", *p);
                esc = hex;
            } else if (*p >= 0x80) {
                /* a C1 control or bidirectional override, byte by byte:
                 * the name reads back the same, and nobody's editor or
                 * terminal acts on it */
                char u[NR_ESCBUF];
                int n;
                if (nr_unsafe_char((const char *)p, &n, u) >= 0x80) {
                    for (int i = 0; i < n; i++) {
                        snprintf(hex, sizeof hex, "\\x%02X", p[i]);
                        puts_(e, hex);
                    }
                    p += n - 1;
                    continue;
                }
            }
        }
        if (esc)
            puts_(e, esc);
        else
            put(e, (const char *)p, 1);
    }
    put(e, "\"", 1);
}

static void put_name(emitter *e, const char *s)
{
    if (bare_name(s))
        puts_(e, s);
    else
        put_quoted(e, s);
}

/* Class names made of digits only (0, 1, ... from a model without class
 * names) are read back from a number's text, so they need no quotes. */
static int bare_class(const char *s)
{
    if (bare_name(s))
        return 1;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_digit((unsigned char)*s))
            return 0;
    return 1;
}

static void put_class_name(emitter *e, const char *s)
{
    if (bare_class(s))
        puts_(e, s);
    else
        put_quoted(e, s);
}

static int put_class(emitter *e, int k, const char *what, int where)
{
    if (k < 0 || k >= e->r->nclasses)
        return fail(e, NR_EINVAL, "%s %d: class index %d out of range (%d classes)", what,
                     where, k, e->r->nclasses);
    put_class_name(e, e->r->classes[k]);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first name that appears twice in names[0..n), or NULL. */
static const char *duplicate(const char **names, int n, int *oom)
{
    const char **v;
    const char *dup = NULL;
    *oom = 0;
    if (n < 2)
        return NULL;
    if (!(v = malloc((size_t)n * sizeof *v))) {
        *oom = 1;
        return NULL;
    }
    memcpy(v, names, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            dup = v[i];
    free(v);
    return dup;
}

/* ---- header ------------------------------------------------------------- */

static void put_provenance(emitter *e)
{
    const nr_provenance *p = &e->r->prov;
    const char *keys[] = {"version", "model", "model_crc", "algorithm", "options", "data"};
    const char *vals[] = {p->version, p->model, p->model_crc, p->algorithm, p->options,
                          p->data};
    int any = 0;
    for (int i = 0; i < 6; i++)
        any |= vals[i] != NULL;
    if (!any)
        return;
    puts_(e, "provenance {\n");
    for (int i = 0; i < 6; i++)
        if (vals[i]) {
            putf(e, "  %s ", keys[i]);
            put_quoted(e, vals[i]);
            puts_(e, ";\n");
        }
    puts_(e, "}\n\n");
}

static const char *const kind_words[] = {"continuous", "boolean", "onehot", "integer",
                                         "nominal"};

static int put_features(emitter *e)
{
    const nr_rules *r = e->r;
    const char **names;
    const char *dup;
    int oom;
    if (r->nfeatures < 0 || (r->nfeatures > 0 && !r->features))
        return fail(e, NR_EINVAL, "bad feature table (%d features)", r->nfeatures);
    for (int i = 0; i < r->nfeatures; i++) {
        const nr_feature *f = &r->features[i];
        if (!f->name)
            return fail(e, NR_EINVAL, "feature %d has no name", i);
        if ((unsigned)f->kind > NR_FEAT_NOMINAL)
            return fail(e, NR_EINVAL, "feature '%s' has an unknown kind %d", f->name,
                        (int)f->kind);
        if (f->kind == NR_FEAT_NOMINAL) {
            if (f->nvalues < 0 || (f->nvalues > 0 && !f->values))
                return fail(e, NR_EINVAL, "feature '%s': bad value table", f->name);
            for (int j = 0; j < f->nvalues; j++)
                if (!f->values[j])
                    return fail(e, NR_EINVAL, "feature '%s': value %d has no name",
                                f->name, j);
            if ((dup = duplicate(f->values, f->nvalues, &oom)))
                return fail(e, NR_EINVAL, "feature '%s': duplicate value '%s'", f->name, dup);
            if (oom)
                return nr_error_set(e->err, NR_ENOMEM, "out of memory");
        }
    }
    if (r->nfeatures > 0) {
        if (!(names = malloc((size_t)r->nfeatures * sizeof *names)))
            return nr_error_set(e->err, NR_ENOMEM, "out of memory");
        for (int i = 0; i < r->nfeatures; i++)
            names[i] = r->features[i].name;
        dup = duplicate(names, r->nfeatures, &oom);
        free(names);
        if (dup)
            return fail(e, NR_EINVAL, "duplicate feature name '%s'", dup);
        if (oom)
            return nr_error_set(e->err, NR_ENOMEM, "out of memory");
    }

    puts_(e, "features {\n");
    for (int i = 0; i < r->nfeatures; i++) {
        const nr_feature *f = &r->features[i];
        puts_(e, "  ");
        put_name(e, f->name);
        puts_(e, ": ");
        puts_(e, kind_words[f->kind]);
        if (f->kind == NR_FEAT_ONEHOT)
            putf(e, " group %d", f->group);
        if (f->kind == NR_FEAT_NOMINAL) {
            puts_(e, " {");
            for (int j = 0; j < f->nvalues; j++) {
                if (j)
                    puts_(e, ", ");
                put_name(e, f->values[j]);
            }
            puts_(e, "}");
        }
        if (f->has_range) {
            puts_(e, " [");
            put_float(e, f->min);
            puts_(e, ", ");
            put_float(e, f->max);
            puts_(e, "]");
        }
        puts_(e, ";\n");
    }
    puts_(e, "}\n\n");
    return 0;
}

static int put_target(emitter *e)
{
    const nr_rules *r = e->r;
    const char *dup;
    size_t width = 10;
    int oom;
    if (r->task == NR_TASK_REGRESS) {
        puts_(e, "target regression;\n\n");
        return 0;
    }
    if (r->task != NR_TASK_CLASSIFY)
        return fail(e, NR_EINVAL, "unknown task %d", (int)r->task);
    if (r->nclasses < 0 || (r->nclasses > 0 && !r->classes))
        return fail(e, NR_EINVAL, "bad class table (%d classes)", r->nclasses);
    for (int k = 0; k < r->nclasses; k++) {
        if (!r->classes[k])
            return fail(e, NR_EINVAL, "class %d has no name", k);
        width += strlen(r->classes[k]) + 2;
    }
    if ((dup = duplicate(r->classes, r->nclasses, &oom)))
        return fail(e, NR_EINVAL, "duplicate class name '%s'", dup);
    if (oom)
        return nr_error_set(e->err, NR_ENOMEM, "out of memory");
    if (r->nclasses == 0) {
        puts_(e, "classes { }\n\n");
        return 0;
    }
    if (width <= LINE_WIDTH) {
        puts_(e, "classes { ");
        for (int k = 0; k < r->nclasses; k++) {
            if (k)
                puts_(e, ", ");
            put_class_name(e, r->classes[k]);
        }
        puts_(e, " }\n\n");
        return 0;
    }
    /* long lists: wrapped, by the length of the names as stored (escapes
     * make quoted names a little longer; the layout stays deterministic) */
    puts_(e, "classes {\n  ");
    width = 2;
    for (int k = 0; k < r->nclasses; k++) {
        size_t w = strlen(r->classes[k]) + 2;
        if (k) {
            if (width + w > LINE_WIDTH) {
                puts_(e, ",\n  ");
                width = 2;
            } else {
                puts_(e, ", ");
            }
        }
        put_class_name(e, r->classes[k]);
        width += w;
    }
    puts_(e, "\n}\n\n");
    return 0;
}

/* ---- conditions --------------------------------------------------------- */

static const char *const kind_names[] = {"continuous", "Boolean", "one-hot", "integer",
                                         "nominal"};

static int put_var(emitter *e, const nr_var *v)
{
    if (v->kind == NR_VAR_HIDDEN) {
        if (v->layer < 0 || v->index < 0)
            return fail(e, NR_EINVAL, "hidden unit h%d.%d has a negative index", v->layer,
                        v->index);
        putf(e, "h%d.%d", v->layer, v->index);
        return 0;
    }
    if (v->kind != NR_VAR_INPUT)
        return fail(e, NR_EINVAL, "unknown kind of variable %d", (int)v->kind);
    if (v->index < 0 || v->index >= e->r->nfeatures)
        return fail(e, NR_EINVAL, "feature index %d out of range (%d features)", v->index,
                    e->r->nfeatures);
    put_name(e, e->r->features[v->index].name);
    return 0;
}

static int put_cond(emitter *e, const nr_cond *c, int nested)
{
    const nr_feature *f = NULL;
    int rc;
    if (c->op == NR_MOFN) {
        if (nested)
            return fail(e, NR_EINVAL, "an m-of-n test inside an m-of-n test");
        if (c->n < 0 || (c->n > 0 && !c->sub))
            return fail(e, NR_EINVAL, "an m-of-n test with a bad list of %d tests", c->n);
        putf(e, "%d of {", c->m);
        for (int i = 0; i < c->n; i++) {
            if (i)
                puts_(e, ", ");
            rc = put_cond(e, &c->sub[i], 1);
            if (rc)
                return rc;
        }
        puts_(e, "}");
        return 0;
    }
    if ((unsigned)c->op > NR_FALSE)
        return fail(e, NR_EINVAL, "unknown test %d", (int)c->op);
    if (c->var.kind == NR_VAR_INPUT && c->var.index >= 0 && c->var.index < e->r->nfeatures)
        f = &e->r->features[c->var.index];
    if (f && (c->op == NR_EQ || c->op == NR_NE) && f->kind == NR_FEAT_CONTINUOUS)
        return fail(e, NR_EINVAL, "'%s' on continuous feature '%s'",
                    c->op == NR_EQ ? "==" : "!=", f->name);
    if (f && (c->op == NR_TRUE || c->op == NR_FALSE) && f->kind != NR_FEAT_BOOLEAN &&
        f->kind != NR_FEAT_ONEHOT)
        return fail(e, NR_EINVAL, "a Boolean test on %s feature '%s'", kind_names[f->kind],
                    f->name);
    if (c->op <= NR_NE && !isfinite(c->t))
        return fail(e, NR_EINVAL, "a test with a non-finite threshold");
    if (c->op == NR_FALSE)
        puts_(e, "not ");
    if ((rc = put_var(e, &c->var)))
        return rc;
    switch (c->op) {
    case NR_LE:
        puts_(e, " <= ");
        put_float(e, c->t);
        break;
    case NR_GT:
        puts_(e, " > ");
        put_float(e, c->t);
        break;
    case NR_EQ:
    case NR_NE:
        puts_(e, c->op == NR_EQ ? " == " : " != ");
        if (f && f->kind == NR_FEAT_NOMINAL && c->t == floorf(c->t) && c->t >= 0 &&
            c->t < (float)f->nvalues && !signbit(c->t))
            put_name(e, f->values[(int)c->t]);
        else
            put_float(e, c->t);
        break;
    default:
        break;
    }
    return 0;
}

/* ---- statistics --------------------------------------------------------- */

/* Opens "[", then ", " between items; close with ann_end. */
static void ann_item(emitter *e, int *n, const char *key)
{
    puts_(e, (*n)++ ? ", " : " [");
    puts_(e, key);
    puts_(e, " ");
}

/* The confidence is left out when it is the Laplace estimate the parser
 * would put back (compared bit for bit, so the round trip is exact); in
 * regression rules, so is a correct of +0 (nothing is "correct" there).
 * The spread follows, for regression only. */
static void ann_stats(emitter *e, int *n, const nr_stats *s)
{
    const int regress = e->r->task == NR_TASK_REGRESS;
    if (s->has) {
        double laplace = nr_stats_laplace(s->correct, s->cover, e->r->nclasses);
        ann_item(e, n, "cover");
        put_double(e, s->cover);
        if (!regress || !is_plus_zero(s->correct)) {
            ann_item(e, n, "correct");
            put_double(e, s->correct);
        }
        if (memcmp(&laplace, &s->confidence, sizeof laplace) != 0) {
            ann_item(e, n, "confidence");
            put_double(e, s->confidence);
        }
    }
    if (regress && s->has_sd) {
        ann_item(e, n, "sd");
        put_double(e, s->sd);
    }
}

static void ann_dist(emitter *e, int *n, const double *dist)
{
    if (!dist || e->r->task != NR_TASK_CLASSIFY || e->r->nclasses == 0)
        return;
    ann_item(e, n, "dist");
    for (int k = 0; k < e->r->nclasses; k++) {
        if (k)
            puts_(e, " ");
        put_double(e, dist[k]);
    }
}

static void ann_end(emitter *e, int n)
{
    if (n)
        puts_(e, "]");
}

/* ---- trees -------------------------------------------------------------- */

static int test_has_ann(const nr_rules *r, const nr_node *nd)
{
    return (r->task == NR_TASK_CLASSIFY && (nd->klass != 0 || nd->dist)) ||
           !is_plus_zero(nd->value) || nd->stats.has ||
           (r->task == NR_TASK_REGRESS && nd->stats.has_sd);
}

static int put_leaf(emitter *e, const nr_node *nd, int i)
{
    int n = 0, rc;
    if (e->r->task == NR_TASK_CLASSIFY) {
        if ((rc = put_class(e, nd->klass, "tree node", i)))
            return rc;
        if (!is_plus_zero(nd->value)) {
            ann_item(e, &n, "value");
            put_double(e, nd->value);
        }
    } else {
        if (!isfinite(nd->value))
            return fail(e, NR_EINVAL, "tree node %d predicts a non-finite value", i);
        put_double(e, nd->value);
    }
    ann_stats(e, &n, &nd->stats);
    ann_dist(e, &n, nd->dist);
    ann_end(e, n);
    puts_(e, "\n");
    return 0;
}

static int put_test_ann(emitter *e, const nr_node *nd, int i)
{
    int n = 0, rc;
    if (!test_has_ann(e->r, nd))
        return 0;
    if (e->r->task == NR_TASK_CLASSIFY) {
        ann_item(e, &n, "class");
        if ((rc = put_class(e, nd->klass, "tree node", i)))
            return rc;
    }
    if (!is_plus_zero(nd->value)) {
        ann_item(e, &n, "value");
        put_double(e, nd->value);
    }
    ann_stats(e, &n, &nd->stats);
    ann_dist(e, &n, nd->dist);
    ann_end(e, n);
    return 0;
}

static void indent(emitter *e, int level)
{
    static const char spaces[] = "                                                       "
                                 "                         ";
    int n = 2 * (level < MAX_INDENT ? level : MAX_INDENT);
    put(e, spaces, (size_t)n);
}

typedef struct work {
    int node, level, is_else, depth;
} work;

/* Written without recursion (trees may be NR_RULES_MAX_DEPTH deep):
 *   if TEST [stats] then LEAF            (when the test has no statistics)
 *   if TEST [stats] then                 (otherwise)
 *     SUBTREE
 *   else if ... / else LEAF */
static int put_tree(emitter *e)
{
    const nr_tree *t = &e->r->tree;
    unsigned char *seen = NULL;
    work *stack = NULL;
    int sp = 0, rc = 0;

    puts_(e, "tree {\n");
    if (t->nnodes == 0)
        goto out;
    if (t->nnodes < 0 || !t->nodes)
        return fail(e, NR_EINVAL, "bad tree (%d nodes)", t->nnodes);
    seen = calloc((size_t)t->nnodes, 1);
    stack = malloc(((size_t)t->nnodes + 1) * sizeof *stack);
    if (!seen || !stack) {
        rc = nr_error_set(e->err, NR_ENOMEM, "out of memory");
        goto out;
    }
    stack[sp++] = (work){0, 1, 0, 0};
    while (sp > 0 && !e->oom) {
        work w = stack[--sp];
        const nr_node *nd = &t->nodes[w.node];
        if (seen[w.node]) {
            rc = fail(e, NR_EINVAL, "tree node %d is reached twice: the nodes must form a tree",
                      w.node);
            goto out;
        }
        seen[w.node] = 1;
        indent(e, w.level);
        if (w.is_else)
            puts_(e, "else ");
        if (nd->leaf) {
            if ((rc = put_leaf(e, nd, w.node)))
                goto out;
            continue;
        }
        if (w.depth + 1 > NR_RULES_MAX_DEPTH) {
            rc = fail(e, NR_ELIMIT, "the tree is nested deeper than %d levels",
                      NR_RULES_MAX_DEPTH);
            goto out;
        }
        if (nd->yes < 0 || nd->yes >= t->nnodes || nd->no < 0 || nd->no >= t->nnodes) {
            rc = fail(e, NR_EINVAL, "tree node %d: child index out of range (%d nodes)",
                      w.node, t->nnodes);
            goto out;
        }
        puts_(e, "if ");
        if ((rc = put_cond(e, &nd->test, 0)) || (rc = put_test_ann(e, nd, w.node)))
            goto out;
        puts_(e, " then");
        stack[sp++] = (work){nd->no, w.level, 1, w.depth + 1};
        if (t->nodes[nd->yes].leaf && !test_has_ann(e->r, nd) && !seen[nd->yes]) {
            seen[nd->yes] = 1;
            puts_(e, " ");
            if ((rc = put_leaf(e, &t->nodes[nd->yes], nd->yes)))
                goto out;
        } else {
            puts_(e, "\n");
            stack[sp++] = (work){nd->yes, w.level + 1, 0, w.depth + 1};
        }
    }
out:
    free(seen);
    free(stack);
    if (rc)
        return rc;
    puts_(e, "}\n");
    return 0;
}

/* ---- rule sets ---------------------------------------------------------- */

static int put_outcome(emitter *e, int klass, double value, const char *what, int where)
{
    if (e->r->task == NR_TASK_CLASSIFY)
        return put_class(e, klass, what, where);
    if (!isfinite(value))
        return fail(e, NR_EINVAL, "%s %d predicts a non-finite value", what, where);
    put_double(e, value);
    return 0;
}

static int put_ruleset(emitter *e)
{
    const nr_ruleset *rs = &e->r->rs;
    static const char *const policies[] = {"first", "vote", "confidence"};
    int rc;
    if (rs->nrules < 0 || (rs->nrules > 0 && !rs->rules))
        return fail(e, NR_EINVAL, "bad rule set (%d rules)", rs->nrules);
    if (rs->kind == NR_UNORDERED && rs->policy == NR_POLICY_VOTE &&
        e->r->task == NR_TASK_REGRESS)
        return fail(e, NR_EINVAL, "a regression rule set that votes");
    if (rs->kind == NR_ORDERED)
        puts_(e, "rules ordered {\n");
    else if (rs->kind == NR_UNORDERED && (unsigned)rs->policy <= NR_POLICY_CONFIDENCE)
        putf(e, "rules unordered %s {\n", policies[rs->policy]);
    else
        return fail(e, NR_EINVAL, "unknown kind of rule set %d, policy %d", (int)rs->kind,
                    (int)rs->policy);
    for (int i = 0; i < rs->nrules; i++) {
        const nr_rule *rule = &rs->rules[i];
        int n = 0;
        if (rule->nconds < 0 || (rule->nconds > 0 && !rule->conds))
            return fail(e, NR_EINVAL, "rule %d has a bad list of %d conditions", i,
                        rule->nconds);
        puts_(e, "  if ");
        if (rule->nconds == 0)
            puts_(e, "true");
        for (int j = 0; j < rule->nconds; j++) {
            if (j)
                puts_(e, " and ");
            if ((rc = put_cond(e, &rule->conds[j], 0)))
                return rc;
        }
        puts_(e, " then ");
        if ((rc = put_outcome(e, rule->klass, rule->value, "rule", i)))
            return rc;
        if (e->r->task == NR_TASK_CLASSIFY && !is_plus_zero(rule->value)) {
            ann_item(e, &n, "value");
            put_double(e, rule->value);
        }
        ann_stats(e, &n, &rule->stats);
        ann_end(e, n);
        puts_(e, ";\n");
    }
    puts_(e, "  default ");
    if ((rc = put_outcome(e, rs->default_class, rs->default_value, "default of rule set", 0)))
        return rc;
    puts_(e, ";\n}\n");
    return 0;
}

/* ---- linear models ------------------------------------------------------ */

static int put_linear(emitter *e)
{
    const nr_linear *l = &e->r->lin;
    int n = 0, rc;
    if (l->nterms < 0 || (l->nterms > 0 && !l->terms))
        return fail(e, NR_EINVAL, "bad linear model (%d terms)", l->nterms);
    if (!isfinite(l->intercept))
        return fail(e, NR_EINVAL, "the intercept of the linear model is not finite");
    puts_(e, "linear ");
    if (l->klass != -1) {
        puts_(e, "for ");
        if ((rc = put_class(e, l->klass, "linear model", 0)))
            return rc;
        puts_(e, " ");
    }
    puts_(e, "{\n  intercept ");
    put_double(e, l->intercept);
    puts_(e, ";\n");
    for (int i = 0; i < l->nterms; i++) {
        const nr_term *t = &l->terms[i];
        if (!isfinite(t->weight))
            return fail(e, NR_EINVAL, "term %d of the linear model has a non-finite weight", i);
        puts_(e, "  ");
        put_double(e, t->weight);
        puts_(e, " * ");
        if (t->indicator) {
            puts_(e, "[");
            if ((rc = put_cond(e, &t->cond, 0)))
                return rc;
            puts_(e, "]");
        } else if ((rc = put_var(e, &t->var))) {
            return rc;
        }
        puts_(e, ";\n");
    }
    puts_(e, "}");
    if (l->has_fit) {
        ann_item(e, &n, "r2");
        put_double(e, l->r2);
        ann_item(e, &n, "local");
        put_double(e, l->local_pred);
        ann_item(e, &n, "model");
        put_double(e, l->model_pred);
        ann_end(e, n);
    }
    puts_(e, "\n");
    return 0;
}

/* ---- the whole thing ---------------------------------------------------- */

int nr_emit_text(const nr_rules *r, char **out, size_t *len, nr_error *err)
{
    emitter e;
    int rc;
    *out = NULL;
    *len = 0;
    memset(&e, 0, sizeof e);
    e.r = r;
    e.err = err;
    puts_(&e, "# nn2rules rules; the language is described in nn2rules-rules(5)\n");
    put_provenance(&e);
    if ((rc = put_features(&e)) || (rc = put_target(&e)))
        goto fail;
    switch (r->kind) {
    case NR_BODY_TREE:
        rc = put_tree(&e);
        break;
    case NR_BODY_RULESET:
        rc = put_ruleset(&e);
        break;
    case NR_BODY_LINEAR:
        rc = put_linear(&e);
        break;
    default:
        rc = fail(&e, NR_EINVAL, "unknown kind of body %d", (int)r->kind);
    }
    if (rc)
        goto fail;
    if (e.oom) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto fail;
    }
    *out = e.p;
    *len = e.n;
    return 0;
fail:
    free(e.p);
    return rc < 0 ? rc : NR_EINVAL;
}
