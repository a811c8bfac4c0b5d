/*
 * parse.c - the rule-language front end's driver (see emit.h and
 * man/nn2rules-rules.5).
 *
 * rules.txt -> grammar/rules.l (tokens) -> grammar/rules.y (structure,
 * names, IR) -> nr_rules.  This file runs the two, owns their memory, and
 * holds what both need: the first-error-wins error record, the reserved
 * words, the name tables (features, classes, nominal values) and the
 * "did you mean" suggestions.
 *
 * Memory: the result lives in its own arena (nr_rules_new); everything
 * else (token texts, lists, tree nodes, name tables) in a scratch arena
 * that dies when parsing ends, successfully or not.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "fileio.h"

#include "rules.tab.h"
#define YYSTYPE RULES_STYPE
#define YYLTYPE RULES_LTYPE
#include "rules.lex.h"

/* ---- errors ------------------------------------------------------------- */

int nrp_error(nrp_state *ps, int code, long line, long col, const char *fmt, ...)
{
    char msg[sizeof ps->err->msg];
    va_list ap;
    if (ps->failed)
        return code;
    ps->failed = code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nr_error_at(ps->err, code, ps->path, line, col, "%s", msg);
    return code;
}

int nrp_oom(nrp_state *ps, long line, long col)
{
    return nrp_error(ps, NR_ENOMEM, line, col, "out of memory");
}

char *nrp_strndup(nrp_state *ps, const char *s, size_t n)
{
    char *p = nr_arena_alloc(ps->tmp, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* A name as it appears in a message: control bytes as \xHH, long names cut. */
const char *nrp_show(nrp_state *ps, const char *s)
{
    static const char fallback[] = "...";
    size_t n = strlen(s), max = 80;
    char *out = nr_arena_alloc(ps->tmp, (n < max ? n : max) * 4 + 4), *o = out;
    if (!out)
        return fallback;
    for (size_t i = 0; i < n && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            o += sprintf(o, "\\x%02X", c);
        else
            *o++ = (char)c;
    }
    if (n > max)
        o += sprintf(o, "...");
    *o = 0;
    return out;
}

/* ---- reserved words ----------------------------------------------------- */

static const struct {
    const char *word;
    int tok;
} keywords[] = {
    {"and", TOK_AND},         {"classes", TOK_CLASSES},   {"default", TOK_DEFAULT},
    {"else", TOK_ELSE},       {"features", TOK_FEATURES}, {"for", TOK_FOR},
    {"if", TOK_IF},           {"inf", TOK_NUMBER},        {"linear", TOK_LINEAR},
    {"nan", TOK_NUMBER},      {"not", TOK_NOT},           {"of", TOK_OF},
    {"provenance", TOK_PROVENANCE}, {"rules", TOK_RULES}, {"target", TOK_TARGET},
    {"then", TOK_THEN},       {"tree", TOK_TREE},         {"true", TOK_TRUE},
};

int nrp_keyword(const char *s)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (s[0] == keywords[i].word[0] && strcmp(s, keywords[i].word) == 0)
            return keywords[i].tok;
    return 0;
}

int nr_rules_reserved_word(const char *s)
{
    return nrp_keyword(s) != 0;
}

/* ---- name tables -------------------------------------------------------- */

/* One open-addressing table for every name space: (ns, name) -> index. */
typedef struct slot {
    const char *name;
    int ns, index;
} slot;

struct nrp_names {
    slot *slots;
    size_t cap, n;
};

static uint64_t hash(int ns, const char *s)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)(unsigned)ns;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h ^ (h >> 29);
}

static slot *lookup(const nrp_names *t, int ns, const char *name)
{
    size_t i;
    if (!t || !t->cap)
        return NULL;
    for (i = hash(ns, name) & (t->cap - 1); t->slots[i].name; i = (i + 1) & (t->cap - 1))
        if (t->slots[i].ns == ns && strcmp(t->slots[i].name, name) == 0)
            return &t->slots[i];
    return &t->slots[i];
}

static int grow(nrp_state *ps)
{
    nrp_names *t = ps->names;
    size_t ocap = t->cap, ncap = ocap ? ocap * 2 : 64;
    slot *old = t->slots, *fresh;
    if (ncap > SIZE_MAX / 4 / sizeof *old)
        return -1;
    if (!(fresh = nr_arena_calloc(ps->tmp, ncap, sizeof *old)))
        return -1;
    t->slots = fresh;
    t->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].name)
            *lookup(t, old[i].ns, old[i].name) = old[i];
    return 0;
}

/* -1: added; >= 0: the name was there already, with that index; -2: out of
 * memory.  name must outlive the parse (it does: token texts are in the
 * scratch arena). */
int nrp_name_put(nrp_state *ps, int ns, const char *name, int index)
{
    slot *s;
    if (!ps->names && !(ps->names = nr_arena_alloc(ps->tmp, sizeof *ps->names)))
        return -2;
    if ((s = lookup(ps->names, ns, name)) && s->name)
        return s->index;
    if ((ps->names->n + 1) * 2 > ps->names->cap) {
        if (grow(ps))
            return -2;
        s = lookup(ps->names, ns, name);
    }
    s->name = name;
    s->ns = ns;
    s->index = index;
    ps->names->n++;
    return -1;
}

int nrp_name_get(const nrp_state *ps, int ns, const char *name)
{
    const slot *s = lookup(ps->names, ns, name);
    return s && s->name ? s->index : -1;
}

/* ---- suggestions -------------------------------------------------------- */

#define MAXLEN 256

/* Levenshtein distance in bytes, or limit + 1 when it is above limit. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb, size_t limit)
{
    size_t row[MAXLEN + 1];
    if ((na > nb ? na - nb : nb - na) > limit)
        return limit + 1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0], best;
        row[0] = i;
        best = row[0];
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[nb];
}

/* The closest candidate within max(2, len/3) edits (the first of equals),
 * or NULL. */
static const char *suggest(const char *name, int n, const char *(*get)(const void *, int),
                           const void *ctx)
{
    size_t len = strlen(name), limit = len / 3 > 2 ? len / 3 : 2, best = limit + 1;
    const char *pick = NULL;
    if (len > MAXLEN)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *c = get(ctx, i);
        size_t nc = strlen(c), d;
        if (nc > MAXLEN || strcmp(c, name) == 0)
            continue;
        if ((d = distance(name, len, c, nc, best - 1 < limit ? best - 1 : limit)) < best) {
            best = d;
            pick = c;
        }
    }
    return pick;
}

const char *nrp_hint(nrp_state *ps, const char *name, int n,
                     const char *(*get)(const void *ctx, int i), const void *ctx)
{
    const char *s = suggest(name, n, get, ctx), *shown;
    char *out;
    if (!s)
        return "";
    shown = nrp_show(ps, s);
    if (!(out = nr_arena_alloc(ps->tmp, strlen(shown) + 32)))
        return "";
    sprintf(out, " (did you mean '%s'?)", shown);
    return out;
}

static const char *get_word(const void *ctx, int i)
{
    return ((const char *const *)ctx)[i];
}

const char *nrp_hint_words(nrp_state *ps, const char *name, const char *const *words)
{
    int n = 0;
    while (words[n])
        n++;
    return nrp_hint(ps, name, n, get_word, words);
}

/* ---- driver ------------------------------------------------------------- */

/* Separate from nr_parse_rules so that nothing it changes after setjmp
 * lives in its own frame. */
static int run(nrp_state *ps, yyscan_t scanner, const char *text, size_t len)
{
    if (setjmp(*ps->fatal))
        return nrp_oom(ps, ps->line, ps->col);
    if (!rules__scan_bytes(text, (int)len, scanner))
        return nrp_oom(ps, 1, 1);
    if (rules_parse(scanner, ps) != 0 && !ps->failed)
        nrp_error(ps, NR_EFORMAT, ps->line, ps->col, "syntax error");
    return ps->failed;
}

int nr_parse_rules(const char *path, const char *text, size_t len, nr_rules **out,
                   nr_error *err)
{
    nrp_state ps;
    jmp_buf fatal;
    yyscan_t scanner = NULL;
    int rc;

    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.path = path ? path : "<rules>";
    ps.err = err;
    ps.line = ps.col = 1;
    ps.fatal = &fatal;
    if (len > INT_MAX - 2)
        return nr_error_at(err, NR_ELIMIT, ps.path, 0, 0,
                           "rules text is larger than %d bytes", INT_MAX - 2);
    if (!(ps.r = nr_rules_new()) || !(ps.tmp = nr_arena_new()) ||
        !(ps.r->path = nr_arena_strdup(ps.r->arena, ps.path))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (rules_lex_init_extra(&ps, &scanner)) {
        scanner = NULL;
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    {
        /* names and provenance come from the text: it must be UTF-8 */
        size_t ok = nr_utf8_valid(text, len);
        if (ok != len && !memchr(text, 0, ok + 1)) {
            long line = 1, col = 1;
            for (size_t i = 0; i < ok; i++) {
                if (text[i] == '\n')
                    line++, col = 1;
                else
                    col++;
            }
            rc = nrp_error(&ps, NR_EFORMAT, line, col, "byte 0x%02X is not UTF-8",
                           (unsigned char)text[ok]);
            goto done;
        }
    }
    rc = run(&ps, scanner, text, len);
done:
    if (scanner)
        rules_lex_destroy(scanner);
    nr_arena_free(ps.tmp);
    if (rc) {
        nr_rules_free(ps.r);
        return rc;
    }
    *out = ps.r;
    return 0;
}

int nr_read_rules(const char *path, nr_rules **out, nr_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc;
    *out = NULL;
    if ((rc = nr_read_file(path, NR_RULES_MAX_FILE, &buf, &len, err)) < 0)
        return rc;
    rc = nr_parse_rules(path, (const char *)buf, len, out, err);
    free(buf);
    return rc;
}
