/*
 * rules.y - the grammar of the rule language (man/nn2rules-rules.5).
 *
 * Front end of `nn2rules compile` and `eval`: rules.l cuts rules.txt into
 * tokens, this parser checks the structure and the names and builds the
 * rule IR (src/ir.h) directly; src/parse.c drives both and holds the name
 * tables and the "did you mean" suggestions.
 *
 * A file is
 *     [provenance { ... }]  features { ... }  classes { ... } | target regression;
 *     tree { ... } | rules ... { ... } | linear ... { ... }
 * and the header must come before the body, so every name in the body is
 * checked against the declarations as soon as it is reduced.
 *
 * Memory: every semantic value is a pointer into one of two arenas (the
 * scratch arena ps->tmp for token texts, lists and tree nodes; the result's
 * arena ps->r->arena for what ends up in the IR) or a plain value, so no
 * semantic value owns heap memory and no %destructor is needed: on a syntax
 * or semantic error the driver frees both arenas and nothing leaks.
 *
 * Errors: the first one wins (ps->failed), is located at the offending token
 * and stops the parse (YYABORT, or YYerror from the scanner).
 */

%define api.pure full
%define api.prefix {rules_}
%define api.token.prefix {TOK_}
%define parse.error custom
%define parse.lac full
%locations
%param {yyscan_t scanner}
%parse-param {nrp_state *ps}

%code requires {
#include <setjmp.h>

#include "emit.h"
#include "error.h"
#include "ir.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* A growable array in the scratch arena (grown by doubling; the old copy
 * stays in the arena, so a list costs at most twice its final size). */
typedef struct nrp_vec {
    void *data;
    int n, cap;
} nrp_vec;

typedef struct nrp_names nrp_names;

/* Everything the scanner, the parser and the driver share. */
typedef struct nrp_state {
    const char *path;   /* for messages */
    nr_error *err;
    int failed;         /* an error is recorded; later ones are dropped */
    nr_rules *r;        /* the result, built in r->arena */
    nr_arena *tmp;      /* scratch, freed after parsing */
    nrp_names *names;   /* features, classes, nominal values by name */
    jmp_buf *fatal;     /* the scanner's fatal errors (out of memory) land here */
    long line, col;     /* scanner position, 1-based, col in bytes */
    int depth;          /* nesting of the tree `if` being parsed */
    int nnodes;         /* tree nodes so far */
    nrp_vec feats;      /* nr_feature, until `features { }` closes */
    nrp_vec list;       /* nr_rule or nr_term of the body */
    int intercept_seen;
} nrp_state;

struct nrp_tnode;
struct nrp_ann;
struct nrp_item;
struct nrp_fkind;
struct nrp_value;
}

%code provides {
/* Name spaces of the name table; nominal values of feature i use ns i. */
#define NRP_NS_FEATURE (-1)
#define NRP_NS_CLASS (-2)

/* src/parse.c */
int nrp_error(nrp_state *ps, int code, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int nrp_oom(nrp_state *ps, long line, long col);
const char *nrp_show(nrp_state *ps, const char *s);
int nrp_name_put(nrp_state *ps, int ns, const char *name, int index);
int nrp_name_get(const nrp_state *ps, int ns, const char *name);
const char *nrp_hint(nrp_state *ps, const char *name, int n,
                     const char *(*get)(const void *ctx, int i), const void *ctx);
const char *nrp_hint_words(nrp_state *ps, const char *name, const char *const *words);
int nrp_keyword(const char *s);
char *nrp_strndup(nrp_state *ps, const char *s, size_t n);
}

%union {
    const char *str;           /* IDENT, STRING (unescaped), NUMBER (its text) */
    nr_var var;                /* HIDDEN; var */
    nr_cond *cond;
    nrp_vec *vec;
    struct nrp_tnode *node;
    struct nrp_ann *ann;
    struct nrp_item *item;
    struct nrp_fkind *fkind;
    struct nrp_value *value;
    int num;
}

%token PROVENANCE "'provenance'" FEATURES "'features'" CLASSES "'classes'"
%token TARGET "'target'" TREE "'tree'" RULES "'rules'" LINEAR "'linear'"
%token IF "'if'" THEN "'then'" ELSE "'else'" AND "'and'" NOT "'not'"
%token OF "'of'" TRUE "'true'" DEFAULT "'default'" FOR "'for'"
%token LE "'<='" GT "'>'" EQ "'=='" NE "'!='"
%token <str> IDENT "name" STRING "string" NUMBER "number"
%token <var> HIDDEN "hidden unit"

%type <str> name cname
%type <var> var
%type <cond> cond simple_cond
%type <vec> name_list name_list_opt class_list class_list_opt sub_list sub_list_opt
%type <vec> num_list conds
%type <node> node
%type <ann> ann_opt ann_items
%type <item> ann_item
%type <fkind> kind_extra
%type <value> value outcome
%type <num> class_ref

%code {
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules.lex.h"

/* The parser's stack grows with tree nesting (seven entries per level at
 * most); nesting is refused beyond NR_RULES_MAX_DEPTH before this is hit. */
#define YYMAXDEPTH (10 * NR_RULES_MAX_DEPTH + 10000)

static void yyerror(YYLTYPE *loc, yyscan_t scanner, nrp_state *ps, const char *msg);

/* ---- scratch structures ------------------------------------------------ */

typedef struct nrp_tnode {
    nr_node n;
    struct nrp_tnode *yes, *no;
    int idx;
} nrp_tnode;

/* Keys of the bracketed statistics, in the order they are printed. */
enum { K_CLASS, K_VALUE, K_COVER, K_CORRECT, K_CONFIDENCE, K_SD, K_DIST, K_R2, K_LOCAL,
       K_MODEL, K_NKEYS };
static const char *const ann_keys[K_NKEYS + 1] = {
    "class", "value", "cover", "correct", "confidence", "sd", "dist", "r2", "local", "model",
    NULL
};

typedef struct nrp_item {
    const char *key;
    YYLTYPE kloc;
    const char *word;     /* IDENT or STRING argument, or NULL */
    nrp_vec *nums;        /* NUMBER arguments (texts), or NULL */
    YYLTYPE aloc;
} nrp_item;

typedef struct nrp_ann {
    const nrp_item *item[K_NKEYS]; /* as written, by key */
    int seen_stats;       /* cover, correct or confidence given */
    int klass;
    double num[K_NKEYS];  /* value, cover, correct, confidence, sd, r2, local, model */
    double *dist;
} nrp_ann;

/* What follows the kind word of a feature declaration. */
typedef struct nrp_fkind {
    const char *word;     /* `group` of `onehot group N`, or NULL */
    YYLTYPE wloc;
    const char *num;      /* N, or NULL */
    YYLTYPE nloc;
    nrp_vec *values;      /* nominal values (const char *), or NULL */
    YYLTYPE vloc;
} nrp_fkind;

typedef struct nrp_value {
    int is_name;
    const char *text;
} nrp_value;

#define FAIL_AT(loc, code, ...) \
    do { \
        nrp_error(ps, code, (loc).first_line, (loc).first_column, __VA_ARGS__); \
        YYABORT; \
    } while (0)
#define CHECK(x, loc) \
    do { \
        if (!(x)) { \
            nrp_oom(ps, (loc).first_line, (loc).first_column); \
            YYABORT; \
        } \
    } while (0)

static void *tmp_new(nrp_state *ps, size_t size)
{
    return nr_arena_alloc(ps->tmp, size);
}

static nrp_vec *vec_new(nrp_state *ps)
{
    return tmp_new(ps, sizeof(nrp_vec));
}

/* Append one element of size bytes; 0 when out of memory or too long. */
static int vec_push(nrp_state *ps, nrp_vec *v, const void *elem, size_t size)
{
    if (v->n == v->cap) {
        int ncap = v->cap ? v->cap * 2 : 8;
        void *p;
        if (v->cap > INT_MAX / 4)
            return 0;
        if (!(p = nr_arena_calloc(ps->tmp, (size_t)ncap, size)))
            return 0;
        if (v->n)
            memcpy(p, v->data, (size_t)v->n * size);
        v->data = p;
        v->cap = ncap;
    }
    memcpy((char *)v->data + (size_t)v->n * size, elem, size);
    v->n++;
    return 1;
}

/* The elements of v copied into the result's arena (NULL for none). */
static void *vec_keep(nrp_state *ps, const nrp_vec *v, size_t size, int *ok)
{
    void *p;
    *ok = 1;
    if (!v || v->n == 0)
        return NULL;
    if (!(p = nr_arena_calloc(ps->r->arena, (size_t)v->n, size))) {
        *ok = 0;
        return NULL;
    }
    memcpy(p, v->data, (size_t)v->n * size);
    return p;
}

static char *keep_str(nrp_state *ps, const char *s)
{
    return nr_arena_strdup(ps->r->arena, s);
}

/* ---- numbers ------------------------------------------------------------ */

/* A double; inf and nan are allowed, a finite number too large is not. */
static int num_double(nrp_state *ps, const char *text, YYLTYPE loc, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (*end || (errno == ERANGE && isinf(*out)))
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "number '%s' is out of range", text);
    return 0;
}

/* A finite double, for values that decide predictions. */
static int num_finite(nrp_state *ps, const char *text, YYLTYPE loc, const char *what,
                      double *out)
{
    int rc = num_double(ps, text, loc, out);
    if (rc == 0 && !isfinite(*out))
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "%s must be a finite number, not '%s'", what, text);
    return rc;
}

/* A float32, read with strtof so that the decimal the emitter chose reads
 * back to the very same float; finite unless any. */
static int num_float(nrp_state *ps, const char *text, YYLTYPE loc, int any, float *out)
{
    char *end;
    int non_finite_text = strstr(text, "inf") || strstr(text, "nan");
    errno = 0;
    *out = strtof(text, &end);
    if (*end || (isinf(*out) && !non_finite_text))
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "number '%s' is out of range for a float32", text);
    if (!any && !isfinite(*out))
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "threshold must be a finite number, not '%s'", text);
    return 0;
}

static int num_int(nrp_state *ps, const char *text, YYLTYPE loc, const char *what, int *out)
{
    char *end;
    long v;
    const char *p = text + (*text == '-' || *text == '+');
    if (!*p || strspn(p, "0123456789") != strlen(p))
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "%s must be an integer, not '%s'", what, text);
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
        return nrp_error(ps, NR_EFORMAT, loc.first_line, loc.first_column,
                         "%s '%s' is out of range", what, text);
    *out = (int)v;
    return 0;
}

/* ---- names -------------------------------------------------------------- */

static const char *get_feature(const void *ctx, int i)
{
    return ((const nr_rules *)ctx)->features[i].name;
}

static const char *get_class(const void *ctx, int i)
{
    return ((const nr_rules *)ctx)->classes[i];
}

static const char *get_value(const void *ctx, int i)
{
    return ((const nr_feature *)ctx)->values[i];
}

static const char *const kind_words[] = {"continuous", "boolean", "onehot", "integer",
                                         "nominal", NULL};
static const char *const kind_names[] = {"continuous", "Boolean", "one-hot", "integer",
                                         "nominal"};

static int word_index(const char *word, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(word, words[i]) == 0)
            return i;
    return -1;
}

static int find_feature(nrp_state *ps, const char *name, YYLTYPE loc, int *out)
{
    int i = nrp_name_get(ps, NRP_NS_FEATURE, name);
    if (i < 0)
        return nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                         "unknown feature '%s'%s", nrp_show(ps, name),
                         nrp_hint(ps, name, ps->r->nfeatures, get_feature, ps->r));
    *out = i;
    return 0;
}

static int find_class(nrp_state *ps, const char *name, YYLTYPE loc, int *out)
{
    int i;
    if (ps->r->task == NR_TASK_REGRESS)
        return nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                         "regression rules have no classes; '%s' is not a number",
                         nrp_show(ps, name));
    i = nrp_name_get(ps, NRP_NS_CLASS, name);
    if (i < 0)
        return nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                         "unknown class '%s'%s", nrp_show(ps, name),
                         nrp_hint(ps, name, ps->r->nclasses, get_class, ps->r));
    *out = i;
    return 0;
}

/* ---- conditions --------------------------------------------------------- */

static const char *var_desc(nrp_state *ps, nr_var v, char *buf, size_t size)
{
    if (v.kind == NR_VAR_HIDDEN)
        snprintf(buf, size, "hidden unit h%d.%d", v.layer, v.index);
    else
        snprintf(buf, size, "%s feature '%s'", kind_names[ps->r->features[v.index].kind],
                 nrp_show(ps, ps->r->features[v.index].name));
    return buf;
}

/* Where a condition was written, for checks that come after parsing (a
 * hidden unit against the model). */
static void cond_at(nr_cond *c, YYLTYPE loc)
{
    c->line = loc.first_line;
    c->col = loc.first_column;
}

/* `v op t` for <= and >. */
static nr_cond *cond_cmp(nrp_state *ps, nr_var v, nr_cond_op op, const char *text,
                         YYLTYPE loc)
{
    nr_cond *c = tmp_new(ps, sizeof *c);
    if (!c) {
        nrp_oom(ps, loc.first_line, loc.first_column);
        return NULL;
    }
    c->op = op;
    c->var = v;
    if (num_float(ps, text, loc, 0, &c->t))
        return NULL;
    return c;
}

/* `v == x`, `v != x`: x a nominal value name or a number. */
static nr_cond *cond_eq(nrp_state *ps, nr_var v, YYLTYPE vloc, nr_cond_op op,
                        const nrp_value *x, YYLTYPE xloc)
{
    nr_cond *c = tmp_new(ps, sizeof *c);
    const nr_feature *f = v.kind == NR_VAR_INPUT ? &ps->r->features[v.index] : NULL;
    char desc[600];
    if (!c) {
        nrp_oom(ps, xloc.first_line, xloc.first_column);
        return NULL;
    }
    c->op = op;
    c->var = v;
    if (f && f->kind == NR_FEAT_CONTINUOUS) {
        nrp_error(ps, NR_EINVAL, vloc.first_line, vloc.first_column,
                  "'%s' does not apply to %s; use '<=' or '>'",
                  op == NR_EQ ? "==" : "!=", var_desc(ps, v, desc, sizeof desc));
        return NULL;
    }
    if (!x->is_name) {
        if (num_float(ps, x->text, xloc, 0, &c->t))
            return NULL;
        /* a nominal feature holds a value index: anything else never matches */
        if (f && f->kind == NR_FEAT_NOMINAL &&
            (c->t < 0 || c->t >= (float)f->nvalues || c->t != floorf(c->t))) {
            nrp_error(ps, NR_EINVAL, xloc.first_line, xloc.first_column,
                      "%s has values 0 to %d; %s is none of them",
                      var_desc(ps, v, desc, sizeof desc), f->nvalues - 1, x->text);
            return NULL;
        }
        return c;
    }
    if (!f || f->kind != NR_FEAT_NOMINAL) {
        nrp_error(ps, NR_EINVAL, xloc.first_line, xloc.first_column,
                  "%s has no named values; compare it with a number",
                  var_desc(ps, v, desc, sizeof desc));
        return NULL;
    }
    int k = nrp_name_get(ps, v.index, x->text);
    if (k < 0) {
        nrp_error(ps, NR_EINVAL, xloc.first_line, xloc.first_column,
                  "unknown value '%s' of feature '%s'%s", nrp_show(ps, x->text),
                  nrp_show(ps, f->name), nrp_hint(ps, x->text, f->nvalues, get_value, f));
        return NULL;
    }
    c->t = (float)k;
    return c;
}

/* `v` and `not v`: Boolean and one-hot features, and hidden units. */
static nr_cond *cond_bool(nrp_state *ps, nr_var v, nr_cond_op op, YYLTYPE loc)
{
    nr_cond *c = tmp_new(ps, sizeof *c);
    char desc[600];
    if (!c) {
        nrp_oom(ps, loc.first_line, loc.first_column);
        return NULL;
    }
    if (v.kind == NR_VAR_INPUT) {
        nr_feature_kind k = ps->r->features[v.index].kind;
        if (k != NR_FEAT_BOOLEAN && k != NR_FEAT_ONEHOT) {
            nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                      "%s is not Boolean; a test needs an operator (<=, >, ==, !=)",
                      var_desc(ps, v, desc, sizeof desc));
            return NULL;
        }
    }
    c->op = op;
    c->var = v;
    return c;
}

/* ---- statistics --------------------------------------------------------- */

enum { CTX_TEST, CTX_LEAF, CTX_RULE, CTX_LINEAR };

/* Statistics are collected as written and read by ann_check, which knows
 * where they stand, so that a misplaced one is reported as such. */
static int ann_add(nrp_state *ps, nrp_ann *a, const nrp_item *it)
{
    int k = word_index(it->key, ann_keys);
    YYLTYPE kl = it->kloc;
    if (k < 0)
        return nrp_error(ps, NR_EINVAL, kl.first_line, kl.first_column,
                         "unknown statistic '%s'%s", nrp_show(ps, it->key),
                         nrp_hint_words(ps, it->key, ann_keys));
    if (a->item[k])
        return nrp_error(ps, NR_EINVAL, kl.first_line, kl.first_column,
                         "'%s' appears twice", ann_keys[k]);
    a->item[k] = it;
    return 0;
}

/* Statistics allowed in each place, by task. */
static unsigned ann_allowed(const nrp_state *ps, int ctx)
{
    int cls = ps->r->task == NR_TASK_CLASSIFY;
    unsigned stats = 1u << K_COVER | 1u << K_CORRECT | 1u << K_CONFIDENCE | (cls ? 0 : 1u << K_SD);
    switch (ctx) {
    case CTX_TEST:
        return stats | 1u << K_VALUE | (cls ? 1u << K_CLASS | 1u << K_DIST : 0);
    case CTX_LEAF:
        return stats | (cls ? 1u << K_VALUE | 1u << K_DIST : 0);
    case CTX_RULE:
        return stats | (cls ? 1u << K_VALUE : 0);
    default:
        return 1u << K_R2 | 1u << K_LOCAL | 1u << K_MODEL;
    }
}

static int ann_value(nrp_state *ps, nrp_ann *a, int k)
{
    const nrp_item *it = a->item[k];
    YYLTYPE al = it->aloc;
    const char **nums = it->nums ? it->nums->data : NULL;
    if (k == K_CLASS) {
        const char *name = it->word ? it->word : it->nums->n == 1 ? nums[0] : NULL;
        if (!name)
            return nrp_error(ps, NR_EFORMAT, al.first_line, al.first_column,
                             "'class' takes one class name");
        return find_class(ps, name, al, &a->klass);
    }
    if (it->word)
        return nrp_error(ps, NR_EFORMAT, al.first_line, al.first_column,
                         "'%s' takes %s, not a name", ann_keys[k],
                         k == K_DIST ? "numbers" : "a number");
    if (k == K_DIST) {
        int n = it->nums->n;
        if (n != ps->r->nclasses)
            return nrp_error(ps, NR_EINVAL, al.first_line, al.first_column,
                             "'dist' has %d number%s; expected %d, one per class", n,
                             n == 1 ? "" : "s", ps->r->nclasses);
        if (!(a->dist = nr_arena_calloc(ps->r->arena, (size_t)n, sizeof(double))))
            return nrp_oom(ps, al.first_line, al.first_column);
        for (int i = 0; i < n; i++)
            if (num_double(ps, nums[i], al, &a->dist[i]))
                return -1;
        return 0;
    }
    if (it->nums->n != 1)
        return nrp_error(ps, NR_EFORMAT, al.first_line, al.first_column,
                         "'%s' takes one number", ann_keys[k]);
    a->seen_stats |= k == K_COVER || k == K_CORRECT || k == K_CONFIDENCE;
    return num_double(ps, nums[0], al, &a->num[k]);
}

static int ann_check(nrp_state *ps, nrp_ann *a, int ctx)
{
    static const char *const where[] = {"a test", "a leaf", "a rule", "a linear model"};
    unsigned ok = ann_allowed(ps, ctx);
    char list[128] = "";
    if (!a)
        return 0;
    for (int k = 0; k < K_NKEYS; k++)
        if (ok & (1u << k)) {
            if (list[0])
                strcat(list, ", ");
            strcat(list, ann_keys[k]);
        }
    for (int k = 0; k < K_NKEYS; k++) {
        if (!a->item[k])
            continue;
        if (!(ok & (1u << k)))
            return nrp_error(ps, NR_EINVAL, a->item[k]->kloc.first_line,
                             a->item[k]->kloc.first_column,
                             "'%s' does not belong in the statistics of %s%s "
                             "(allowed: %s)", ann_keys[k], where[ctx],
                             ps->r->task == NR_TASK_REGRESS && ctx != CTX_LINEAR
                                 ? " in regression rules" : "", list);
        if (ann_value(ps, a, k))
            return -1;
    }
    return 0;
}

/* A confidence left out is the Laplace estimate (see nr_stats_laplace);
 * the spread stands apart from the rest. */
static void ann_stats(const nrp_ann *a, nr_stats *s, int nclasses)
{
    if (!a)
        return;
    if (a->seen_stats) {
        s->has = 1;
        s->cover = a->num[K_COVER];
        s->correct = a->num[K_CORRECT];
        s->confidence = a->item[K_CONFIDENCE] ? a->num[K_CONFIDENCE]
                                              : nr_stats_laplace(s->correct, s->cover, nclasses);
    }
    if (a->item[K_SD]) {
        s->has_sd = 1;
        s->sd = a->num[K_SD];
    }
}

/* ---- trees -------------------------------------------------------------- */

static nrp_tnode *tnode_new(nrp_state *ps, YYLTYPE loc)
{
    nrp_tnode *t;
    if (ps->nnodes >= INT_MAX / 2) {
        nrp_error(ps, NR_ELIMIT, loc.first_line, loc.first_column, "too many tree nodes");
        return NULL;
    }
    if (!(t = tmp_new(ps, sizeof *t))) {
        nrp_oom(ps, loc.first_line, loc.first_column);
        return NULL;
    }
    ps->nnodes++;
    return t;
}

/* Number the nodes in preorder (a node, its yes subtree, its no subtree),
 * without recursion: trees may be NR_RULES_MAX_DEPTH deep. */
static int tree_finish(nrp_state *ps, nrp_tnode *root, YYLTYPE loc)
{
    nr_tree *t = &ps->r->tree;
    nrp_tnode **stack;
    int sp = 0, next = 0;
    t->nnodes = 0;
    t->nodes = NULL;
    if (!root)
        return 0;
    if (!(t->nodes = nr_arena_calloc(ps->r->arena, (size_t)ps->nnodes, sizeof(nr_node))) ||
        !(stack = nr_arena_calloc(ps->tmp, (size_t)ps->nnodes, sizeof *stack)))
        return nrp_oom(ps, loc.first_line, loc.first_column);
    stack[sp++] = root;
    while (sp > 0) {
        nrp_tnode *n = stack[--sp];
        n->idx = next++;
        if (!n->n.leaf) {
            stack[sp++] = n->no;
            stack[sp++] = n->yes;
        }
    }
    stack[sp++] = root;
    while (sp > 0) {
        nrp_tnode *n = stack[--sp];
        nr_node *o = &t->nodes[n->idx];
        *o = n->n;
        if (!n->n.leaf) {
            o->yes = n->yes->idx;
            o->no = n->no->idx;
            stack[sp++] = n->no;
            stack[sp++] = n->yes;
        }
    }
    t->nnodes = next;
    return 0;
}

/* ---- header ------------------------------------------------------------- */

static int push_or_fail(nrp_state *ps, nrp_vec *v, const void *e, size_t size, YYLTYPE loc)
{
    if (v->n >= INT_MAX / 2)
        return nrp_error(ps, NR_ELIMIT, loc.first_line, loc.first_column, "list too long");
    if (!vec_push(ps, v, e, size))
        return nrp_oom(ps, loc.first_line, loc.first_column);
    return 0;
}

static int add_feature(nrp_state *ps, const char *name, YYLTYPE nloc, const char *kind,
                       YYLTYPE kloc, const nrp_fkind *x, const char *lo, YYLTYPE lloc,
                       const char *hi, YYLTYPE hloc)
{
    nr_feature f;
    int k = word_index(kind, kind_words), prev, index = ps->feats.n;
    memset(&f, 0, sizeof f);
    f.group = -1;
    if (k < 0)
        return nrp_error(ps, NR_EINVAL, kloc.first_line, kloc.first_column,
                         "unknown feature kind '%s'%s", nrp_show(ps, kind),
                         nrp_hint_words(ps, kind, kind_words));
    f.kind = (nr_feature_kind)k;
    if (f.kind == NR_FEAT_ONEHOT) {
        if (!x || !x->word)
            return nrp_error(ps, NR_EFORMAT, (x ? x->vloc : kloc).first_line,
                             (x ? x->vloc : kloc).first_column,
                             "a one-hot feature needs its group: 'onehot group N'");
        if (strcmp(x->word, "group") != 0)
            return nrp_error(ps, NR_EINVAL, x->wloc.first_line, x->wloc.first_column,
                             "expected 'group', not '%s'", nrp_show(ps, x->word));
        if (num_int(ps, x->num, x->nloc, "a one-hot group", &f.group))
            return -1;
    } else if (f.kind == NR_FEAT_NOMINAL) {
        if (!x || !x->values)
            return nrp_error(ps, NR_EFORMAT, (x ? x->wloc : kloc).first_line,
                             (x ? x->wloc : kloc).first_column,
                             "a nominal feature needs its values: 'nominal {a, b, ...}'");
    } else if (x && x->values) {
        return nrp_error(ps, NR_EFORMAT, x->vloc.first_line, x->vloc.first_column,
                         "unexpected '{' after '%s': only nominal features list values", kind);
    } else if (x) {
        return nrp_error(ps, NR_EFORMAT, x->wloc.first_line, x->wloc.first_column,
                         "unexpected '%s' after '%s': only one-hot features have a group",
                         nrp_show(ps, x->word), kind);
    }
    if (index >= INT_MAX / 2)
        return nrp_error(ps, NR_ELIMIT, nloc.first_line, nloc.first_column,
                         "too many features");
    if ((prev = nrp_name_put(ps, NRP_NS_FEATURE, name, index)) >= 0)
        return nrp_error(ps, NR_EINVAL, nloc.first_line, nloc.first_column,
                         "duplicate feature '%s'", nrp_show(ps, name));
    if (prev == -2 || !(f.name = keep_str(ps, name)))
        return nrp_oom(ps, nloc.first_line, nloc.first_column);
    if (f.kind == NR_FEAT_NOMINAL) {
        int n = x->values->n;
        const char **v = x->values->data;
        f.nvalues = n;
        if (n && !(f.values = nr_arena_calloc(ps->r->arena, (size_t)n, sizeof *f.values)))
            return nrp_oom(ps, nloc.first_line, nloc.first_column);
        for (int i = 0; i < n; i++) {
            if ((prev = nrp_name_put(ps, index, v[i], i)) >= 0)
                return nrp_error(ps, NR_EINVAL, x->vloc.first_line, x->vloc.first_column,
                                 "duplicate value '%s' of feature '%s'", nrp_show(ps, v[i]),
                                 nrp_show(ps, name));
            if (prev == -2 || !(f.values[i] = keep_str(ps, v[i])))
                return nrp_oom(ps, nloc.first_line, nloc.first_column);
        }
    }
    if (lo) {
        f.has_range = 1;
        if (num_float(ps, lo, lloc, 1, &f.min) || num_float(ps, hi, hloc, 1, &f.max))
            return -1;
    }
    return push_or_fail(ps, &ps->feats, &f, sizeof f, nloc);
}

static const char *const prov_keys[] = {"version", "model", "model_crc", "algorithm",
                                        "options", "data", NULL};

static int add_prov(nrp_state *ps, const char *key, YYLTYPE kloc, const char *value)
{
    nr_provenance *p = &ps->r->prov;
    const char **slot[] = {&p->version, &p->model, &p->model_crc, &p->algorithm,
                           &p->options, &p->data};
    int k = word_index(key, prov_keys);
    if (k < 0)
        return nrp_error(ps, NR_EINVAL, kloc.first_line, kloc.first_column,
                         "unknown provenance field '%s'%s", nrp_show(ps, key),
                         nrp_hint_words(ps, key, prov_keys));
    if (*slot[k])
        return nrp_error(ps, NR_EINVAL, kloc.first_line, kloc.first_column,
                         "'%s' appears twice", prov_keys[k]);
    if (!(*slot[k] = keep_str(ps, value)))
        return nrp_oom(ps, kloc.first_line, kloc.first_column);
    return 0;
}

static int add_class(nrp_state *ps, nrp_vec *names, const char *name, YYLTYPE loc)
{
    int prev = nrp_name_put(ps, NRP_NS_CLASS, name, names->n);
    if (prev >= 0)
        return nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                         "duplicate class '%s'", nrp_show(ps, name));
    if (prev == -2 || !(name = keep_str(ps, name)))
        return nrp_oom(ps, loc.first_line, loc.first_column);
    return push_or_fail(ps, names, &name, sizeof name, loc);
}

static int set_classes(nrp_state *ps, nrp_vec *names, YYLTYPE loc)
{
    int ok;
    ps->r->task = NR_TASK_CLASSIFY;
    ps->r->nclasses = names ? names->n : 0;
    ps->r->classes = vec_keep(ps, names, sizeof(const char *), &ok);
    if (!ok)
        return nrp_oom(ps, loc.first_line, loc.first_column);
    return 0;
}

/* ---- body --------------------------------------------------------------- */

/* Class index (classification) or value (regression) of a prediction. */
static int outcome_of(nrp_state *ps, const nrp_value *o, YYLTYPE loc, int *klass,
                      double *value)
{
    *klass = 0;
    *value = 0;
    if (ps->r->task == NR_TASK_REGRESS) {
        if (o->is_name)
            return nrp_error(ps, NR_EINVAL, loc.first_line, loc.first_column,
                             "regression rules predict a number, not '%s'",
                             nrp_show(ps, o->text));
        return num_finite(ps, o->text, loc, "a predicted value", value);
    }
    return find_class(ps, o->text, loc, klass);
}

static const char *const rs_kinds[] = {"ordered", "unordered", NULL};
static const char *const policies[] = {"first", "vote", "confidence", NULL};

static int set_ruleset(nrp_state *ps, const char *kind, YYLTYPE kloc, const char *policy,
                       YYLTYPE ploc)
{
    nr_ruleset *rs = &ps->r->rs;
    int k = word_index(kind, rs_kinds), p = 0;
    if (k < 0)
        return nrp_error(ps, NR_EINVAL, kloc.first_line, kloc.first_column,
                         "unknown kind of rule set '%s'%s", nrp_show(ps, kind),
                         nrp_hint_words(ps, kind, rs_kinds));
    if (k == 0 && policy)
        return nrp_error(ps, NR_EFORMAT, ploc.first_line, ploc.first_column,
                         "an ordered rule set takes no policy: the first rule that "
                         "fires decides");
    if (k == 1 && !policy)
        return nrp_error(ps, NR_EFORMAT, kloc.first_line, kloc.first_column,
                         "an unordered rule set needs a policy: 'unordered vote', "
                         "'unordered confidence' or 'unordered first'");
    if (policy && (p = word_index(policy, policies)) < 0)
        return nrp_error(ps, NR_EINVAL, ploc.first_line, ploc.first_column,
                         "unknown policy '%s'%s", nrp_show(ps, policy),
                         nrp_hint_words(ps, policy, policies));
    if (p == NR_POLICY_VOTE && ps->r->task == NR_TASK_REGRESS)
        return nrp_error(ps, NR_EINVAL, ploc.first_line, ploc.first_column,
                         "regression rules cannot vote: use 'unordered confidence' or "
                         "'unordered first'");
    ps->r->kind = NR_BODY_RULESET;
    rs->kind = k == 0 ? NR_ORDERED : NR_UNORDERED;
    rs->policy = (nr_policy)p;
    return 0;
}

static int add_rule(nrp_state *ps, const nrp_vec *conds, const nrp_value *out, YYLTYPE oloc,
                    nrp_ann *a, YYLTYPE loc)
{
    nr_rule rule;
    int ok;
    memset(&rule, 0, sizeof rule);
    if (outcome_of(ps, out, oloc, &rule.klass, &rule.value) || ann_check(ps, a, CTX_RULE))
        return -1;
    rule.nconds = conds ? conds->n : 0;
    rule.conds = vec_keep(ps, conds, sizeof(nr_cond), &ok);
    if (!ok)
        return nrp_oom(ps, loc.first_line, loc.first_column);
    if (a && ps->r->task == NR_TASK_CLASSIFY)
        rule.value = a->num[K_VALUE];
    ann_stats(a, &rule.stats, ps->r->nclasses);
    return push_or_fail(ps, &ps->list, &rule, sizeof rule, loc);
}

static int add_term(nrp_state *ps, const char *weight, YYLTYPE loc, const nr_var *v,
                    const nr_cond *c, YYLTYPE vloc)
{
    nr_term t;
    memset(&t, 0, sizeof t);
    t.line = vloc.first_line;
    t.col = vloc.first_column;
    if (num_finite(ps, weight, loc, "a weight", &t.weight))
        return -1;
    if (v)
        t.var = *v;
    else {
        t.indicator = 1;
        t.cond = *c;
    }
    return push_or_fail(ps, &ps->list, &t, sizeof t, loc);
}
}

%%

file:
    prov_opt features_block target_block body
    ;

/* ---- provenance ---------------------------------------------------------- */

prov_opt:
    %empty
  | PROVENANCE '{' prov_items '}'
    ;

prov_items:
    %empty
  | prov_items IDENT STRING ';'
    { if (add_prov(ps, $2, @2, $3)) YYABORT; }
    ;

/* ---- features ------------------------------------------------------------ */

features_block:
    FEATURES '{' feature_decls '}'
    {
        int ok;
        ps->r->nfeatures = ps->feats.n;
        ps->r->features = vec_keep(ps, &ps->feats, sizeof(nr_feature), &ok);
        CHECK(ok, @1);
    }
    ;

feature_decls:
    %empty
  | feature_decls feature_decl
    ;

feature_decl:
    name ':' IDENT kind_extra ';'
    { if (add_feature(ps, $1, @1, $3, @3, $4, NULL, @5, NULL, @5)) YYABORT; }
  | name ':' IDENT kind_extra '[' NUMBER ',' NUMBER ']' ';'
    { if (add_feature(ps, $1, @1, $3, @3, $4, $6, @6, $8, @8)) YYABORT; }
    ;

kind_extra:
    %empty { $$ = NULL; }
  | IDENT NUMBER
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        $$->word = $1; $$->wloc = @1; $$->num = $2; $$->nloc = @2; $$->vloc = @1;
    }
  | '{' name_list_opt '}'
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        $$->values = $2; $$->vloc = @1; $$->wloc = @1;
    }
    ;

name:
    IDENT
  | STRING
    ;

name_list_opt:
    %empty { CHECK($$ = vec_new(ps), @$); }
  | name_list
    ;

name_list:
    name
    {
        CHECK($$ = vec_new(ps), @1);
        if (push_or_fail(ps, $$, &$1, sizeof $1, @1)) YYABORT;
    }
  | name_list ',' name
    { $$ = $1; if (push_or_fail(ps, $$, &$3, sizeof $3, @3)) YYABORT; }
    ;

/* ---- classes or regression ----------------------------------------------- */

/* A class name: a name, or the text of a number (classes named 0, 1, ...). */
cname:
    IDENT
  | STRING
  | NUMBER
    ;

target_block:
    CLASSES '{' class_list_opt '}'
    { if (set_classes(ps, $3, @3)) YYABORT; }
  | TARGET IDENT ';'
    {
        static const char *const targets[] = {"regression", NULL};
        if (strcmp($2, "regression") != 0)
            FAIL_AT(@2, NR_EINVAL, "unknown target '%s'%s; a classifier declares "
                    "'classes { ... }'", nrp_show(ps, $2), nrp_hint_words(ps, $2, targets));
        ps->r->task = NR_TASK_REGRESS;
    }
    ;

class_list_opt:
    %empty { $$ = NULL; }
  | class_list
    ;

class_list:
    cname
    {
        CHECK($$ = vec_new(ps), @1);
        if (add_class(ps, $$, $1, @1)) YYABORT;
    }
  | class_list ',' cname
    { $$ = $1; if (add_class(ps, $$, $3, @3)) YYABORT; }
    ;

/* ---- body ---------------------------------------------------------------- */

body:
    tree
  | ruleset
  | linear
    ;

tree:
    TREE '{' '}'
    { ps->r->kind = NR_BODY_TREE; if (tree_finish(ps, NULL, @1)) YYABORT; }
  | TREE '{' node '}'
    { ps->r->kind = NR_BODY_TREE; if (tree_finish(ps, $3, @1)) YYABORT; }
    ;

node:
    outcome ann_opt
    {
        int k;
        double v;
        if (outcome_of(ps, $1, @1, &k, &v) || ann_check(ps, $2, CTX_LEAF))
            YYABORT;
        if (!($$ = tnode_new(ps, @1)))
            YYABORT;
        $$->n.leaf = 1;
        $$->n.klass = k;
        $$->n.value = v;
        if ($2) {
            if (ps->r->task == NR_TASK_CLASSIFY)
                $$->n.value = $2->num[K_VALUE];
            $$->n.dist = $2->dist;
            ann_stats($2, &$$->n.stats, ps->r->nclasses);
        }
    }
  | IF
    {
        if (++ps->depth > NR_RULES_MAX_DEPTH)
            FAIL_AT(@1, NR_ELIMIT, "the tree is nested deeper than %d levels",
                    NR_RULES_MAX_DEPTH);
    }
    cond ann_opt THEN node ELSE node
    {
        ps->depth--;
        if (ann_check(ps, $4, CTX_TEST))
            YYABORT;
        if (!($$ = tnode_new(ps, @1)))
            YYABORT;
        $$->n.test = *$3;
        $$->yes = $6;
        $$->no = $8;
        if ($4) {
            $$->n.klass = $4->klass;
            $$->n.value = $4->num[K_VALUE];
            $$->n.dist = $4->dist;
            ann_stats($4, &$$->n.stats, ps->r->nclasses);
        }
    }
    ;

/* A leaf's or rule's prediction: a class name, or a number for regression
 * (in a classifier a number's text names a class, for classes 0, 1, ...). */
outcome:
    IDENT
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; $$->is_name = 1; }
  | STRING
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; $$->is_name = 1; }
  | NUMBER
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; }
    ;

class_ref:
    cname
    { if (find_class(ps, $1, @1, &$$)) YYABORT; }
    ;

ann_opt:
    %empty { $$ = NULL; }
  | '[' ann_items ']' { $$ = $2; }
    ;

ann_items:
    ann_item
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        if (ann_add(ps, $$, $1)) YYABORT;
    }
  | ann_items ',' ann_item
    { $$ = $1; if (ann_add(ps, $$, $3)) YYABORT; }
    ;

ann_item:
    IDENT num_list
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        $$->key = $1; $$->kloc = @1; $$->nums = $2; $$->aloc = @2;
    }
  | IDENT IDENT
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        $$->key = $1; $$->kloc = @1; $$->word = $2; $$->aloc = @2;
    }
  | IDENT STRING
    {
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        $$->key = $1; $$->kloc = @1; $$->word = $2; $$->aloc = @2;
    }
    ;

num_list:
    NUMBER
    {
        CHECK($$ = vec_new(ps), @1);
        if (push_or_fail(ps, $$, &$1, sizeof $1, @1)) YYABORT;
    }
  | num_list NUMBER
    { $$ = $1; if (push_or_fail(ps, $$, &$2, sizeof $2, @2)) YYABORT; }
    ;

/* ---- rule sets ----------------------------------------------------------- */

ruleset:
    rs_head '{' rule_list DEFAULT outcome ';' '}'
    {
        nr_ruleset *rs = &ps->r->rs;
        int ok;
        if (outcome_of(ps, $5, @5, &rs->default_class, &rs->default_value))
            YYABORT;
        rs->nrules = ps->list.n;
        rs->rules = vec_keep(ps, &ps->list, sizeof(nr_rule), &ok);
        CHECK(ok, @1);
    }
    ;

rs_head:
    RULES IDENT
    { if (set_ruleset(ps, $2, @2, NULL, @2)) YYABORT; }
  | RULES IDENT IDENT
    { if (set_ruleset(ps, $2, @2, $3, @3)) YYABORT; }
    ;

rule_list:
    %empty
  | rule_list rule
    ;

rule:
    IF conds THEN outcome ann_opt ';'
    { if (add_rule(ps, $2, $4, @4, $5, @1)) YYABORT; }
  | IF TRUE THEN outcome ann_opt ';'
    { if (add_rule(ps, NULL, $4, @4, $5, @1)) YYABORT; }
    ;

conds:
    cond
    {
        CHECK($$ = vec_new(ps), @1);
        if (push_or_fail(ps, $$, $1, sizeof *$1, @1)) YYABORT;
    }
  | conds AND cond
    { $$ = $1; if (push_or_fail(ps, $$, $3, sizeof *$3, @3)) YYABORT; }
    ;

/* ---- conditions ---------------------------------------------------------- */

cond:
    simple_cond
  | NUMBER OF '{' sub_list_opt '}'
    {
        int ok;
        CHECK($$ = tmp_new(ps, sizeof *$$), @1);
        if (num_int(ps, $1, @1, "the count of an m-of-n test", &$$->m))
            YYABORT;
        if ($4->n == 0)
            FAIL_AT(@3, NR_EINVAL, "an m-of-n test needs at least one condition");
        if ($$->m < 1 || $$->m > $4->n)
            FAIL_AT(@1, NR_EINVAL, "an m-of-n test over %d condition%s needs m from 1 to %d, "
                    "not %d", $4->n, $4->n == 1 ? "" : "s", $4->n, $$->m);
        cond_at($$, @1);
        $$->op = NR_MOFN;
        $$->n = $4->n;
        $$->sub = vec_keep(ps, $4, sizeof(nr_cond), &ok);
        CHECK(ok, @1);
    }
    ;

sub_list_opt:
    %empty { CHECK($$ = vec_new(ps), @$); }
  | sub_list
    ;

sub_list:
    simple_cond
    {
        CHECK($$ = vec_new(ps), @1);
        if (push_or_fail(ps, $$, $1, sizeof *$1, @1)) YYABORT;
    }
  | sub_list ',' simple_cond
    { $$ = $1; if (push_or_fail(ps, $$, $3, sizeof *$3, @3)) YYABORT; }
    ;

simple_cond:
    var LE NUMBER
    { if (!($$ = cond_cmp(ps, $1, NR_LE, $3, @3))) YYABORT; cond_at($$, @1); }
  | var GT NUMBER
    { if (!($$ = cond_cmp(ps, $1, NR_GT, $3, @3))) YYABORT; cond_at($$, @1); }
  | var EQ value
    { if (!($$ = cond_eq(ps, $1, @1, NR_EQ, $3, @3))) YYABORT; cond_at($$, @1); }
  | var NE value
    { if (!($$ = cond_eq(ps, $1, @1, NR_NE, $3, @3))) YYABORT; cond_at($$, @1); }
  | var
    { if (!($$ = cond_bool(ps, $1, NR_TRUE, @1))) YYABORT; cond_at($$, @1); }
  | NOT var
    { if (!($$ = cond_bool(ps, $2, NR_FALSE, @2))) YYABORT; cond_at($$, @1); }
    ;

var:
    name
    {
        $$.kind = NR_VAR_INPUT;
        $$.layer = 0;
        if (find_feature(ps, $1, @1, &$$.index))
            YYABORT;
    }
  | HIDDEN
    ;

value:
    NUMBER
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; }
  | IDENT
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; $$->is_name = 1; }
  | STRING
    { CHECK($$ = tmp_new(ps, sizeof *$$), @1); $$->text = $1; $$->is_name = 1; }
    ;

/* ---- linear models ------------------------------------------------------- */

linear:
    lin_head '{' lin_items '}' ann_opt
    {
        nr_linear *l = &ps->r->lin;
        int ok;
        if (ann_check(ps, $5, CTX_LINEAR))
            YYABORT;
        l->nterms = ps->list.n;
        l->terms = vec_keep(ps, &ps->list, sizeof(nr_term), &ok);
        CHECK(ok, @1);
        if ($5) {
            l->has_fit = 1;
            l->r2 = $5->num[K_R2];
            l->local_pred = $5->num[K_LOCAL];
            l->model_pred = $5->num[K_MODEL];
        }
    }
    ;

lin_head:
    LINEAR
    { ps->r->kind = NR_BODY_LINEAR; ps->r->lin.klass = -1; }
  | LINEAR FOR class_ref
    { ps->r->kind = NR_BODY_LINEAR; ps->r->lin.klass = $3; }
    ;

lin_items:
    %empty
  | lin_items lin_item
    ;

lin_item:
    IDENT NUMBER ';'
    {
        static const char *const words[] = {"intercept", NULL};
        if (strcmp($1, "intercept") != 0)
            FAIL_AT(@1, NR_EINVAL, "expected 'intercept' or a term 'w * x', not '%s'%s",
                    nrp_show(ps, $1), nrp_hint_words(ps, $1, words));
        if (ps->intercept_seen++)
            FAIL_AT(@1, NR_EINVAL, "'intercept' appears twice");
        if (num_finite(ps, $2, @2, "the intercept", &ps->r->lin.intercept))
            YYABORT;
    }
  | NUMBER '*' var ';'
    { if (add_term(ps, $1, @1, &$3, NULL, @3)) YYABORT; }
  | NUMBER '*' '[' cond ']' ';'
    { if (add_term(ps, $1, @1, NULL, $4, @4)) YYABORT; }
    ;

%%

static void yyerror(YYLTYPE *loc, yyscan_t scanner, nrp_state *ps, const char *msg)
{
    (void)scanner;
    /* only "memory exhausted" reaches here: syntax errors go through
     * yyreport_syntax_error below */
    if (strstr(msg, "exhausted"))
        nrp_oom(ps, loc->first_line, loc->first_column);
    else
        nrp_error(ps, NR_EFORMAT, loc->first_line, loc->first_column, "%s", msg);
}

/* Bison keeps token names in double quotes: "'then'" for words and
 * punctuation, "number" for classes of tokens; ';' for characters. */
static void append_token(char *buf, size_t size, yysymbol_kind_t k)
{
    const char *s = yysymbol_name(k);
    size_t n = strlen(buf), len = strlen(s);
    if (len >= 2 && s[0] == '"') {
        s++;
        len -= 2;
    }
    if (n + len + 1 < size) {
        memcpy(buf + n, s, len);
        buf[n + len] = 0;
    }
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, nrp_state *ps)
{
    yysymbol_kind_t expected[5];
    const YYLTYPE *loc = yypcontext_location(ctx);
    int n = yypcontext_expected_tokens(ctx, expected, 5);
    yysymbol_kind_t tok = yypcontext_token(ctx);
    char msg[256] = "syntax error";
    (void)scanner;
    if (ps->failed)
        return 0;
    if (tok != YYSYMBOL_YYEMPTY) {
        strcat(msg, ", unexpected ");
        append_token(msg, sizeof msg, tok);
    }
    if (n > 0 && n < 5) /* bison's convention: list up to four */
        for (int i = 0; i < n; i++) {
            strcat(msg, i == 0 ? ", expecting " : " or ");
            append_token(msg, sizeof msg, expected[i]);
        }
    nrp_error(ps, NR_EFORMAT, loc->first_line, loc->first_column, "%s", msg);
    return 0;
}
