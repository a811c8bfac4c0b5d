/*
 * emit_json.c - the JSON back end, and the helpers every back end shares:
 * shortest round-trip numbers, UTF-8 checking, and the structural check of
 * an nr_rules before it is rendered (see emit.h).
 *
 * Output is one pretty-printed object (RFC 8259: strings escaped, invalid
 * UTF-8 replaced by U+FFFD, numbers in their shortest round-trip form,
 * null for numbers JSON cannot hold):
 *
 *   {"nn2rules": version, "provenance": {...}, "task": ...,
 *    "features": [...], "classes": [...], "body": {"kind": ..., ...}}
 *
 * The body is {"kind": "tree", "nodes": n, "root": node} where a node is
 * {"id", "test": cond, "class", "class_index", "dist", "cover", "correct",
 * "confidence", "yes": node, "no": node} or a leaf {"id", "class",
 * "class_index", "dist", "value", "cover", "correct", "confidence"} (inner
 * nodes carry what the rule text keeps for them: the class and distribution
 * of the rows that reach them); or {"kind": "rules", "order", "policy",
 * "rules": [{"if": [cond...], "class", "class_index", ...}], "default"}; or
 * {"kind": "linear", "class", "class_index", "intercept", "terms": [...],
 * "fit"}.  "class_index" numbers "classes" from 0.
 */
#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

/* ---- numbers ----------------------------------------------------------- */

/* Shortest %.*e that reads back as the same bits, then laid out as
 * ECMAScript does: plain digits for exponents -6..20, else d.ddde+x. */
static char *format_shortest(char buf[NR_NUMBUF], double v, int single)
{
    char e[48], digits[24], *o = buf;
    const char *s;
    int p, maxp = single ? 9 : 17, nd = 0, exp10, i;

    if (isnan(v))
        return strcpy(buf, "nan");
    if (isinf(v))
        return strcpy(buf, v < 0 ? "-inf" : "inf");
    for (p = 1; p <= maxp; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (single) {
            float g = strtof(e, NULL), f = (float)v;
            if (memcmp(&g, &f, sizeof g) == 0)
                break;
        } else {
            double g = strtod(e, NULL);
            if (memcmp(&g, &v, sizeof g) == 0)
                break;
        }
    }
    if (p > maxp)
        snprintf(e, sizeof e, "%.*e", maxp - 1, v);
    /* e is [-]d[.ddd]e(+|-)xx; the decimal point may be the locale's */
    s = e;
    if (*s == '-') {
        *o++ = '-';
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && nd < (int)sizeof digits - 1)
            digits[nd++] = *s;
    exp10 = *s == 'e' ? atoi(s + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (nd == 1 && digits[0] == '0')
        exp10 = 0;
    if (exp10 >= -6 && exp10 < 21) {
        if (exp10 >= 0) {
            for (i = 0; i <= exp10 || i < nd; i++) {
                if (i == exp10 + 1)
                    *o++ = '.';
                *o++ = i < nd ? digits[i] : '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (i = 0; i < -exp10 - 1; i++)
                *o++ = '0';
            for (i = 0; i < nd; i++)
                *o++ = digits[i];
        }
        *o = '\0';
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            for (i = 1; i < nd; i++)
                *o++ = digits[i];
        }
        snprintf(o, (size_t)(buf + NR_NUMBUF - o), "e%c%d", exp10 < 0 ? '-' : '+',
                 exp10 < 0 ? -exp10 : exp10);
    }
    return buf;
}

char *nr_format_float(char buf[NR_NUMBUF], float f)
{
    return format_shortest(buf, (double)f, 1);
}

char *nr_format_double(char buf[NR_NUMBUF], double d)
{
    return format_shortest(buf, d, 0);
}

/* ---- UTF-8 ------------------------------------------------------------- */

int nr_utf8_seqlen(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned lo = 0x80, hi = 0xBF;
#define CONT(c) (((c) & 0xC0) == 0x80)
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF)
        return CONT(u[1]) ? 2 : 0;
    if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        if (u[0] == 0xE0)
            lo = 0xA0; /* overlong */
        if (u[0] == 0xED)
            hi = 0x9F; /* surrogates */
        return u[1] >= lo && u[1] <= hi && CONT(u[2]) ? 3 : 0;
    }
    if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        if (u[0] == 0xF0)
            lo = 0x90; /* overlong */
        if (u[0] == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
        return u[1] >= lo && u[1] <= hi && CONT(u[2]) && CONT(u[3]) ? 4 : 0;
    }
    return 0;
#undef CONT
}

long nr_unsafe_char(const char *s, int *len, char esc[NR_ESCBUF])
{
    const unsigned char *u = (const unsigned char *)s;
    int n = nr_utf8_seqlen(s);
    long cp;
    *len = n ? n : 1;
    if (n == 0 || u[0] < 0x20 || u[0] == 0x7f) {
        snprintf(esc, NR_ESCBUF, "\\x%02X", u[0]);
        return u[0] < 0x80 ? (long)u[0] : -1;
    }
    if (n == 1)
        return -2;
    cp = n == 2 ? (u[0] & 0x1F) : n == 3 ? (u[0] & 0x0F) : (u[0] & 0x07);
    for (int i = 1; i < n; i++)
        cp = cp << 6 | (u[i] & 0x3F);
    /* C1 controls (the 8-bit form of ANSI escapes), the bidirectional
     * formatting characters that reorder what is shown (Trojan Source),
     * and the line and paragraph separators */
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x61C || cp == 0x200E || cp == 0x200F ||
        (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        snprintf(esc, NR_ESCBUF, "\\u%04X", (unsigned)cp & 0xFFFFu);
        return cp;
    }
    return -2;
}

/* ---- the structural check ---------------------------------------------- */

static int check_var(const nr_rules *r, const nr_var *v, const char *where, nr_error *err)
{
    if (v->kind == NR_VAR_INPUT) {
        if (v->index < 0 || v->index >= r->nfeatures)
            return nr_error_set(err, NR_EINVAL, "%s: feature index %d out of range (%d features)",
                                where, v->index, r->nfeatures);
        return 0;
    }
    if (v->kind == NR_VAR_HIDDEN) {
        if (v->layer < 0 || v->index < 0)
            return nr_error_set(err, NR_EINVAL, "%s: bad hidden unit h%d.%d", where, v->layer,
                                v->index);
        return 0;
    }
    return nr_error_set(err, NR_EINVAL, "%s: unknown variable kind %d", where, (int)v->kind);
}

static int check_cond(const nr_rules *r, const nr_cond *c, int depth, const char *where,
                      nr_error *err)
{
    if (c->op == NR_MOFN) {
        if (depth >= 16)
            return nr_error_set(err, NR_ELIMIT, "%s: m-of-n tests nested too deeply", where);
        if (c->n < 0 || (c->n > 0 && !c->sub))
            return nr_error_set(err, NR_EINVAL, "%s: m-of-n test without its %d conditions",
                                where, c->n);
        for (int i = 0; i < c->n; i++) {
            int rc = check_cond(r, &c->sub[i], depth + 1, where, err);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if ((int)c->op < (int)NR_LE || (int)c->op > (int)NR_MOFN)
        return nr_error_set(err, NR_EINVAL, "%s: unknown condition operator %d", where, (int)c->op);
    return check_var(r, &c->var, where, err);
}

static int check_class(const nr_rules *r, int k, const char *where, nr_error *err)
{
    if (r->task == NR_TASK_CLASSIFY && (k < 0 || k >= r->nclasses))
        return nr_error_set(err, NR_EINVAL, "%s: class %d out of range (%d classes)", where, k,
                            r->nclasses);
    return 0;
}

static int check_tree(const nr_rules *r, nr_error *err)
{
    const nr_tree *t = &r->tree;
    int *stack = NULL, *depth = NULL, sp = 0, rc = 0;
    unsigned char *seen = NULL;
    char where[64];

    if (t->nnodes < 0 || (t->nnodes > 0 && !t->nodes))
        return nr_error_set(err, NR_EINVAL, "tree without its %d nodes", t->nnodes);
    if (t->nnodes == 0)
        return 0;
    stack = malloc((size_t)t->nnodes * sizeof *stack);
    depth = malloc((size_t)t->nnodes * sizeof *depth);
    seen = calloc((size_t)t->nnodes, 1);
    if (!stack || !depth || !seen) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    stack[sp] = 0;
    depth[sp++] = 0;
    seen[0] = 1;
    while (sp > 0) {
        int i = stack[--sp], d = depth[sp];
        const nr_node *n = &t->nodes[i];
        snprintf(where, sizeof where, "tree node %d", i);
        if (d > NR_EMIT_MAX_DEPTH) {
            rc = nr_error_set(err, NR_ELIMIT, "tree deeper than %d levels", NR_EMIT_MAX_DEPTH);
            goto done;
        }
        if (n->leaf) {
            if ((rc = check_class(r, n->klass, where, err)) < 0)
                goto done;
            continue;
        }
        if ((rc = check_cond(r, &n->test, 0, where, err)) < 0)
            goto done;
        for (int side = 0; side < 2; side++) {
            int c = side ? n->yes : n->no;
            if (c < 0 || c >= t->nnodes) {
                rc = nr_error_set(err, NR_EINVAL, "%s: child %d out of range (%d nodes)", where,
                                  c, t->nnodes);
                goto done;
            }
            if (seen[c]) {
                rc = nr_error_set(err, NR_EINVAL, "%s: node %d is reached twice (not a tree)",
                                  where, c);
                goto done;
            }
            seen[c] = 1;
            stack[sp] = c; /* each node is pushed once, so sp < nnodes */
            depth[sp++] = d + 1;
        }
    }
done:
    free(stack);
    free(depth);
    free(seen);
    return rc;
}

int nr_emit_check(const nr_rules *r, nr_error *err)
{
    char where[64];
    int rc;

    if (!r)
        return nr_error_set(err, NR_EINVAL, "no rules");
    if (r->task != NR_TASK_CLASSIFY && r->task != NR_TASK_REGRESS)
        return nr_error_set(err, NR_EINVAL, "unknown task %d", (int)r->task);
    if (r->nfeatures < 0 || (r->nfeatures > 0 && !r->features))
        return nr_error_set(err, NR_EINVAL, "header without its %d features", r->nfeatures);
    for (int i = 0; i < r->nfeatures; i++) {
        const nr_feature *f = &r->features[i];
        if (!f->name)
            return nr_error_set(err, NR_EINVAL, "feature %d has no name", i);
        if (f->nvalues < 0 || (f->nvalues > 0 && !f->values))
            return nr_error_set(err, NR_EINVAL, "feature %d without its %d value names", i,
                                f->nvalues);
        for (int v = 0; v < f->nvalues; v++)
            if (!f->values[v])
                return nr_error_set(err, NR_EINVAL, "feature %d: value %d has no name", i, v);
    }
    if (r->nclasses < 0 || (r->nclasses > 0 && !r->classes))
        return nr_error_set(err, NR_EINVAL, "header without its %d classes", r->nclasses);
    for (int k = 0; k < r->nclasses; k++)
        if (!r->classes[k])
            return nr_error_set(err, NR_EINVAL, "class %d has no name", k);

    switch (r->kind) {
    case NR_BODY_TREE:
        return check_tree(r, err);
    case NR_BODY_RULESET: {
        const nr_ruleset *rs = &r->rs;
        if (rs->kind != NR_ORDERED && rs->kind != NR_UNORDERED)
            return nr_error_set(err, NR_EINVAL, "unknown rule set kind %d", (int)rs->kind);
        if (rs->policy != NR_POLICY_FIRST && rs->policy != NR_POLICY_VOTE &&
            rs->policy != NR_POLICY_CONFIDENCE)
            return nr_error_set(err, NR_EINVAL, "unknown rule set policy %d", (int)rs->policy);
        if (rs->nrules < 0 || (rs->nrules > 0 && !rs->rules))
            return nr_error_set(err, NR_EINVAL, "rule set without its %d rules", rs->nrules);
        for (int i = 0; i < rs->nrules; i++) {
            const nr_rule *ru = &rs->rules[i];
            snprintf(where, sizeof where, "rule %d", i + 1);
            if (ru->nconds < 0 || (ru->nconds > 0 && !ru->conds))
                return nr_error_set(err, NR_EINVAL, "%s: without its %d conditions", where,
                                    ru->nconds);
            for (int j = 0; j < ru->nconds; j++)
                if ((rc = check_cond(r, &ru->conds[j], 0, where, err)) < 0)
                    return rc;
            if ((rc = check_class(r, ru->klass, where, err)) < 0)
                return rc;
        }
        return check_class(r, rs->default_class, "default", err);
    }
    case NR_BODY_LINEAR: {
        const nr_linear *l = &r->lin;
        if (l->klass != -1 && (rc = check_class(r, l->klass, "linear model", err)) < 0)
            return rc;
        if (l->nterms < 0 || (l->nterms > 0 && !l->terms))
            return nr_error_set(err, NR_EINVAL, "linear model without its %d terms", l->nterms);
        for (int i = 0; i < l->nterms; i++) {
            const nr_term *t = &l->terms[i];
            snprintf(where, sizeof where, "linear term %d", i + 1);
            rc = t->indicator ? check_cond(r, &t->cond, 0, where, err)
                              : check_var(r, &t->var, where, err);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    }
    return nr_error_set(err, NR_EINVAL, "unknown body kind %d", (int)r->kind);
}

/* ---- JSON writing ------------------------------------------------------ */

static void jstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    putc('"', f);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            char esc[NR_ESCBUF];
            int n;
            long cp = nr_unsafe_char(s, &n, esc);
            if (cp >= 0 && cp <= 0xFFFF) {
                /* the same string, but no bidirectional override or C1
                 * control acts on whoever looks at the file */
                fprintf(f, "\\u%04lx", cp);
                s += n;
            } else if (cp != -1) {
                fwrite(s, 1, (size_t)n, f);
                s += n;
            } else {
                fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
                s++;
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                putc(c, f);
        }
        s++;
    }
    putc('"', f);
}

static void jfloat(FILE *f, float v)
{
    char b[NR_NUMBUF];
    fputs(isfinite(v) ? nr_format_float(b, v) : "null", f);
}

static void jdouble(FILE *f, double v)
{
    char b[NR_NUMBUF];
    fputs(isfinite(v) ? nr_format_double(b, v) : "null", f);
}

/* A newline and the indentation of depth. */
static void nl(FILE *f, int depth)
{
    putc('\n', f);
    for (int i = 0; i < depth; i++)
        fputs("  ", f);
}

static const char *kind_name(nr_feature_kind k)
{
    switch (k) {
    case NR_FEAT_CONTINUOUS: return "continuous";
    case NR_FEAT_BOOLEAN: return "boolean";
    case NR_FEAT_ONEHOT: return "onehot";
    case NR_FEAT_INTEGER: return "integer";
    case NR_FEAT_NOMINAL: return "nominal";
    }
    return "continuous";
}

static void jvar(FILE *f, const nr_rules *r, const nr_var *v)
{
    if (v->kind == NR_VAR_HIDDEN) {
        fprintf(f, "{\"layer\": %d, \"unit\": %d}", v->layer, v->index);
        return;
    }
    fputs("{\"feature\": ", f);
    jstr(f, r->features[v->index].name);
    fprintf(f, ", \"index\": %d}", v->index);
}

/* The name of nominal value t of the variable, or NULL. */
static const char *value_name(const nr_rules *r, const nr_var *v, float t)
{
    const nr_feature *fe;
    if (v->kind != NR_VAR_INPUT)
        return NULL;
    fe = &r->features[v->index];
    if (fe->kind != NR_FEAT_NOMINAL || !(t >= 0) || !(t < (float)fe->nvalues) ||
        t != (float)(int)t)
        return NULL;
    return fe->values[(int)t];
}

/* One condition, on one line. */
static void jcond(FILE *f, const nr_rules *r, const nr_cond *c)
{
    const char *vn;
    if (c->op == NR_MOFN) {
        fprintf(f, "{\"op\": \"m-of-n\", \"m\": %d, \"conditions\": [", c->m);
        for (int i = 0; i < c->n; i++) {
            if (i)
                fputs(", ", f);
            jcond(f, r, &c->sub[i]);
        }
        fputs("]}", f);
        return;
    }
    fputs("{\"var\": ", f);
    jvar(f, r, &c->var);
    switch (c->op) {
    case NR_LE:
    case NR_GT:
        fprintf(f, ", \"op\": \"%s\", \"threshold\": ", c->op == NR_LE ? "<=" : ">");
        jfloat(f, c->t);
        break;
    case NR_EQ:
    case NR_NE:
        fprintf(f, ", \"op\": \"%s\", \"value\": ", c->op == NR_EQ ? "==" : "!=");
        jfloat(f, c->t);
        if ((vn = value_name(r, &c->var, c->t))) {
            fputs(", \"value_name\": ", f);
            jstr(f, vn);
        }
        break;
    case NR_TRUE: fputs(", \"op\": \"true\"", f); break;
    case NR_FALSE: fputs(", \"op\": \"false\"", f); break;
    case NR_MOFN: break;
    }
    putc('}', f);
}

/* The class name and, beside it, its index ("class_index"), so that tools
 * indexing arrays such as "dist" by class need not look the name up. */
static void jclass(FILE *f, const nr_rules *r, int k)
{
    int ok = k >= 0 && k < r->nclasses;
    jstr(f, ok ? r->classes[k] : NULL);
    if (ok)
        fprintf(f, ", \"class_index\": %d", k);
    else
        fputs(", \"class_index\": null", f);
}

/* ", "dist": [...]" when known. */
static void jdist(FILE *f, const nr_rules *r, const double *dist)
{
    if (!dist || r->task != NR_TASK_CLASSIFY || r->nclasses == 0)
        return;
    fputs(", \"dist\": [", f);
    for (int k = 0; k < r->nclasses; k++) {
        if (k)
            fputs(", ", f);
        jdouble(f, dist[k]);
    }
    putc(']', f);
}

/* What the rule text keeps beside a tree node: for classification the
 * class (the majority of the rows that reach it) and the class
 * distribution, on inner nodes too; a value when not +0. */
static void jnode_outcome(FILE *f, const nr_rules *r, const nr_node *n, int depth)
{
    int value = !(n->value == 0 && !signbit(n->value));
    if (r->task == NR_TASK_REGRESS) {
        if (!n->leaf && !value)
            return;
        if (!n->leaf) {
            putc(',', f);
            nl(f, depth);
        }
        fputs("\"value\": ", f);
        jdouble(f, n->value);
        return;
    }
    /* an inner node the text gives no class: nothing known about it */
    if (!n->leaf && n->klass == 0 && !n->dist && !n->stats.has && !value)
        return;
    if (!n->leaf) {
        putc(',', f);
        nl(f, depth);
    }
    fputs("\"class\": ", f);
    jclass(f, r, n->klass);
    jdist(f, r, n->dist);
    if (value) {
        fputs(", \"value\": ", f);
        jdouble(f, n->value);
    }
}

/* ", "cover": .., "correct": .., "confidence": .." when known, and for
 * regression ", "sd": .." (the spread of the target) when known. */
static void jstats(FILE *f, const nr_rules *r, const nr_stats *s, int depth)
{
    const int sd = r->task == NR_TASK_REGRESS && s->has_sd;
    if (!s->has && !sd)
        return;
    putc(',', f);
    nl(f, depth);
    if (s->has) {
        fputs("\"cover\": ", f);
        jdouble(f, s->cover);
        fputs(", \"correct\": ", f);
        jdouble(f, s->correct);
        fputs(", \"confidence\": ", f);
        jdouble(f, s->confidence);
    }
    if (sd) {
        fputs(s->has ? ", \"sd\": " : "\"sd\": ", f);
        jdouble(f, s->sd);
    }
}

/* Tree node i; the check bounded the depth of this recursion. */
static void jnode(FILE *f, const nr_rules *r, int i, int depth)
{
    const nr_node *n = &r->tree.nodes[i];
    putc('{', f);
    nl(f, depth + 1);
    fprintf(f, "\"id\": %d,", i);
    nl(f, depth + 1);
    if (!n->leaf) {
        fputs("\"test\": ", f);
        jcond(f, r, &n->test);
        jnode_outcome(f, r, n, depth + 1);
        jstats(f, r, &n->stats, depth + 1);
        putc(',', f);
        nl(f, depth + 1);
        fputs("\"yes\": ", f);
        jnode(f, r, n->yes, depth + 1);
        putc(',', f);
        nl(f, depth + 1);
        fputs("\"no\": ", f);
        jnode(f, r, n->no, depth + 1);
    } else {
        jnode_outcome(f, r, n, depth + 1);
        jstats(f, r, &n->stats, depth + 1);
    }
    nl(f, depth);
    putc('}', f);
}

static const char *policy_name(nr_policy p)
{
    switch (p) {
    case NR_POLICY_FIRST: return "first";
    case NR_POLICY_VOTE: return "vote";
    case NR_POLICY_CONFIDENCE: return "confidence";
    }
    return "first";
}

static void jruleset(FILE *f, const nr_rules *r)
{
    const nr_ruleset *rs = &r->rs;
    fputs("\"kind\": \"rules\",", f);
    nl(f, 2);
    fprintf(f, "\"order\": \"%s\",", rs->kind == NR_ORDERED ? "ordered" : "unordered");
    nl(f, 2);
    fprintf(f, "\"policy\": \"%s\",", policy_name(rs->policy));
    nl(f, 2);
    fputs("\"rules\": [", f);
    for (int i = 0; i < rs->nrules; i++) {
        const nr_rule *ru = &rs->rules[i];
        if (i)
            putc(',', f);
        nl(f, 3);
        putc('{', f);
        nl(f, 4);
        fputs("\"if\": [", f);
        for (int j = 0; j < ru->nconds; j++) {
            if (j)
                putc(',', f);
            nl(f, 5);
            jcond(f, r, &ru->conds[j]);
        }
        if (ru->nconds)
            nl(f, 4);
        fputs("],", f);
        nl(f, 4);
        if (r->task == NR_TASK_REGRESS) {
            fputs("\"value\": ", f);
            jdouble(f, ru->value);
        } else {
            fputs("\"class\": ", f);
            jclass(f, r, ru->klass);
        }
        jstats(f, r, &ru->stats, 4);
        nl(f, 3);
        putc('}', f);
    }
    if (rs->nrules)
        nl(f, 2);
    fputs("],", f);
    nl(f, 2);
    if (r->task == NR_TASK_REGRESS) {
        fputs("\"default\": {\"value\": ", f);
        jdouble(f, rs->default_value);
    } else {
        fputs("\"default\": {\"class\": ", f);
        jclass(f, r, rs->default_class);
    }
    putc('}', f);
}

static void jlinear(FILE *f, const nr_rules *r)
{
    const nr_linear *l = &r->lin;
    fputs("\"kind\": \"linear\",", f);
    nl(f, 2);
    fputs("\"class\": ", f);
    jclass(f, r, l->klass);
    putc(',', f);
    nl(f, 2);
    fputs("\"intercept\": ", f);
    jdouble(f, l->intercept);
    putc(',', f);
    nl(f, 2);
    fputs("\"terms\": [", f);
    for (int i = 0; i < l->nterms; i++) {
        const nr_term *t = &l->terms[i];
        if (i)
            putc(',', f);
        nl(f, 3);
        fputs("{\"weight\": ", f);
        jdouble(f, t->weight);
        if (t->indicator) {
            fputs(", \"if\": ", f);
            jcond(f, r, &t->cond);
        } else {
            fputs(", \"var\": ", f);
            jvar(f, r, &t->var);
        }
        putc('}', f);
    }
    if (l->nterms)
        nl(f, 2);
    putc(']', f);
    if (l->has_fit) {
        putc(',', f);
        nl(f, 2);
        fputs("\"fit\": {\"r2\": ", f);
        jdouble(f, l->r2);
        fputs(", \"local_pred\": ", f);
        jdouble(f, l->local_pred);
        fputs(", \"model_pred\": ", f);
        jdouble(f, l->model_pred);
        putc('}', f);
    }
}

static void jprovenance(FILE *f, const nr_provenance *p)
{
    const char *names[] = {"model", "model_crc", "algorithm", "options", "version", "data"};
    const char *vals[] = {p->model, p->model_crc, p->algorithm, p->options, p->version, p->data};
    int any = 0;
    putc('{', f);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!vals[i])
            continue;
        if (any)
            putc(',', f);
        nl(f, 2);
        fprintf(f, "\"%s\": ", names[i]);
        jstr(f, vals[i]);
        any = 1;
    }
    if (any)
        nl(f, 1);
    putc('}', f);
}

static void jfeatures(FILE *f, const nr_rules *r)
{
    putc('[', f);
    for (int i = 0; i < r->nfeatures; i++) {
        const nr_feature *fe = &r->features[i];
        if (i)
            putc(',', f);
        nl(f, 2);
        fputs("{\"name\": ", f);
        jstr(f, fe->name);
        fprintf(f, ", \"index\": %d, \"kind\": \"%s\"", i, kind_name(fe->kind));
        if (fe->group >= 0 && fe->kind == NR_FEAT_ONEHOT)
            fprintf(f, ", \"group\": %d", fe->group);
        if (fe->has_range) {
            fputs(", \"range\": [", f);
            jfloat(f, fe->min);
            fputs(", ", f);
            jfloat(f, fe->max);
            putc(']', f);
        }
        if (fe->nvalues > 0) {
            fputs(", \"values\": [", f);
            for (int v = 0; v < fe->nvalues; v++) {
                if (v)
                    fputs(", ", f);
                jstr(f, fe->values[v]);
            }
            putc(']', f);
        }
        putc('}', f);
    }
    if (r->nfeatures)
        nl(f, 1);
    putc(']', f);
}

int nr_emit_json(const nr_rules *r, char **out, size_t *len, nr_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f;
    int rc, bad;

    *out = NULL;
    *len = 0;
    if ((rc = nr_emit_check(r, err)) < 0)
        return rc;
    if (!(f = open_memstream(&buf, &n)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");

    fputs("{", f);
    nl(f, 1);
    fputs("\"nn2rules\": \"" NR_VERSION "\",", f);
    nl(f, 1);
    fputs("\"provenance\": ", f);
    jprovenance(f, &r->prov);
    putc(',', f);
    nl(f, 1);
    fprintf(f, "\"task\": \"%s\",", r->task == NR_TASK_REGRESS ? "regression" : "classification");
    nl(f, 1);
    fputs("\"features\": ", f);
    jfeatures(f, r);
    putc(',', f);
    nl(f, 1);
    fputs("\"classes\": [", f);
    for (int k = 0; k < r->nclasses; k++) {
        if (k)
            fputs(", ", f);
        jstr(f, r->classes[k]);
    }
    fputs("],", f);
    nl(f, 1);
    fputs("\"body\": {", f);
    nl(f, 2);
    switch (r->kind) {
    case NR_BODY_TREE:
        fprintf(f, "\"kind\": \"tree\",");
        nl(f, 2);
        fprintf(f, "\"nodes\": %d,", r->tree.nnodes);
        nl(f, 2);
        fputs("\"root\": ", f);
        if (r->tree.nnodes > 0)
            jnode(f, r, 0, 2);
        else
            fputs("null", f);
        break;
    case NR_BODY_RULESET:
        jruleset(f, r);
        break;
    case NR_BODY_LINEAR:
        jlinear(f, r);
        break;
    }
    nl(f, 1);
    fputs("}\n}\n", f);

    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return nr_error_set(err, NR_ENOMEM, "out of memory while writing JSON");
    }
    *out = buf;
    *len = n;
    return 0;
}
