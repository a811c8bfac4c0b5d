/*
 * emit_c.c - the C back end: rules as standalone C99 for embedding.
 *
 * Output is one .c and one .h.  Nothing is allocated, nothing beyond the C
 * library is used (<math.h> only for HUGE_VAL / NAN when a constant is not
 * finite), and every external symbol and macro starts with the prefix (the
 * macros with its upper-case form):
 *
 *   PREFIX_NFEATURES, PREFIX_NCLASSES
 *   const char *prefix_class_name(int k), *prefix_feature_name(int i)
 *   int prefix_predict(const float x[])          classification
 *   void prefix_predict_proba(const float x[], float proba[])
 *                                                trees and rule sets
 *   void prefix_predict_batch(const float *x, size_t n, int *out)
 *   double prefix_predict_value(const float x[]) regression
 *   void prefix_predict_value_batch(const float *x, size_t n, double *out)
 *   double prefix_score(const float x[])         linear models
 *
 * The code decides exactly what nr_rules_predict() decides (ir.c), NaN
 * included: tests compare a float with a decimal float literal (the
 * shortest that reads back as the same float, checked with strtof), so
 * each comparison is the very one nn2rules made, and C's comparisons with
 * NaN are false as ir.c's are.  Classification trees find the deciding
 * leaf and rule sets the deciding rule, then read its class and its class
 * distribution from tables; regression trees are nested ifs and regression
 * lists a run of ifs; unordered sets compute one fire flag per rule and
 * then apply the vote or confidence policy with ir.c's tie rules.  Double
 * constants are decimal too (strtod).  Decimal rather than hexadecimal
 * literals, so the .c is C++11 as well as C99.  Rules that test hidden
 * units need the network, so they are refused (NR_EUNSUP).
 */
#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

#define MAX_PREFIX 32
#define MAX_NAME 1000 /* bytes of a name in a string literal (C99 allows 4095) */
/* Trees nest ifs at most this deep in one function; a deeper subtree goes
 * into a function of its own (C99 promises 127 levels of blocks, clang
 * refuses more than 256 brackets by default). */
#define MAX_NEST 32

/* ---- the prefix -------------------------------------------------------- */

/* C keywords up to C23; the prefix is checked against them, as emlearn
 * does, so that no generated name reads as one. */
static const char *const keywords[] = {
    "alignas", "alignof", "auto", "bool", "break", "case", "char", "const", "constexpr",
    "continue", "default", "do", "double", "else", "enum", "extern", "false", "float", "for",
    "goto", "if", "inline", "int", "long", "nullptr", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "static_assert", "struct", "switch",
    "thread_local", "true", "typedef", "typeof", "typeof_unqual", "union", "unsigned", "void",
    "volatile", "while", "_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex",
    "_Decimal128", "_Decimal32", "_Decimal64", "_Generic", "_Imaginary", "_Noreturn",
    "_Pragma", "_Static_assert", "_Thread_local"};

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int check_prefix(const char *p, nr_error *err)
{
    size_t n;
    if (!p || !*p)
        return nr_error_set(err, NR_EINVAL, "the C prefix is empty");
    n = strlen(p);
    if (n > MAX_PREFIX)
        return nr_error_set(err, NR_EINVAL, "C prefix \"%.40s...\" is longer than %d characters",
                            p, MAX_PREFIX);
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(p[i]) && p[i] != '_' && !(i > 0 && is_digit(p[i])))
            return nr_error_set(err, NR_EINVAL,
                                "C prefix \"%s\" is not a C identifier (letters, digits and _, "
                                "not starting with a digit)",
                                p);
    /* _X... and __... are reserved; _x... would give reserved _X... macros */
    if (p[0] == '_')
        return nr_error_set(err, NR_EINVAL,
                            "C prefix \"%s\" starts with an underscore (names reserved to the "
                            "C implementation)",
                            p);
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strcmp(p, keywords[i]) == 0)
            return nr_error_set(err, NR_EINVAL, "C prefix \"%s\" is a C keyword", p);
    return 0;
}

static int check_header_name(const char *h, nr_error *err)
{
    if (!*h)
        return nr_error_set(err, NR_EINVAL, "empty header name");
    for (const char *s = h; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c == '?' && s[1] == '?'))
            return nr_error_set(err, NR_EINVAL, "header name \"%s\" cannot be #included", h);
    }
    return 0;
}

/* ---- text in comments and string literals ------------------------------ */

/* Text inside a comment: no "*" "/" or "/" "*" pairs, no "??" (trigraphs);
 * control characters, bidirectional overrides (which make the code read
 * differently from how it compiles: gcc's -Wbidi-chars) and bytes that are
 * not UTF-8 shown as escapes (\x1B, \u202E). */
static void c_comment(FILE *f, const char *s)
{
    int prev = 0;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        char esc[NR_ESCBUF];
        int n;
        if (nr_unsafe_char(s, &n, esc) != -2) {
            fputs(esc, f);
            s += n;
            prev = 0;
            continue;
        }
        if (c >= 0x80) {
            fwrite(s, 1, (size_t)n, f);
            s += n;
            prev = 0;
            continue;
        }
        if ((c == '/' && prev == '*') || (c == '*' && prev == '/') || (c == '?' && prev == '?'))
            putc(' ', f);
        putc(c, f);
        prev = c;
        s++;
    }
}

/* A string literal: quote, backslash and every '?' (trigraphs) escaped,
 * anything outside printable ASCII as three-digit octal. */
static void c_string(FILE *f, const char *s)
{
    putc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == '?') {
            putc('\\', f);
            putc(c, f);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(f, "\\%03o", c);
        } else {
            putc(c, f);
        }
    }
    putc('"', f);
}

/* ---- generator --------------------------------------------------------- */

typedef struct cgen {
    const nr_rules *r;
    const char *p;        /* prefix, as given: functions and tables */
    char P[MAX_PREFIX + 1]; /* upper case: macros */
    FILE *f;
    int need_math;        /* a constant is not finite: HUGE_VAL, NAN */
    unsigned char *split; /* trees: node i starts a function of its own */
    const char *header_name; /* what the .c #includes */
    int *leaf_id;         /* classification trees: leaf number of node i */
    int nleaves;
    int inexact;          /* a decimal literal would not read back exactly */
    int oom;
} cgen;

static void indent(cgen *g, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("    ", g->f);
}

/* num as a C floating literal: a decimal point added to a bare integer
 * ("100" -> "100.0"), so that an f suffix can follow. */
static void c_literal(cgen *g, const char *num, const char *suffix)
{
    fprintf(g->f, "%s%s%s", num, strpbrk(num, ".e") ? "" : ".0", suffix);
}

/* Float constants are decimal literals with an f suffix, the shortest that
 * read back as the very same float (hexadecimal literals are C99 but not
 * C++11, and the .c compiles as either).  Each is read back here with
 * strtof, as a compiler reads it, and must give the same bits. */
static void c_float(cgen *g, float v)
{
    char num[NR_NUMBUF];
    float back;
    if (isnan(v)) {
        fputs("NAN", g->f);
        g->need_math = 1;
    } else if (isinf(v)) {
        fputs(v < 0 ? "-HUGE_VALF" : "HUGE_VALF", g->f);
        g->need_math = 1;
    } else {
        nr_format_float(num, v);
        back = strtof(num, NULL);
        if (memcmp(&back, &v, sizeof v) != 0)
            g->inexact = 1;
        c_literal(g, num, "f");
    }
}

/* Double constants likewise, read back with strtod. */
static void c_double(cgen *g, double v)
{
    char num[NR_NUMBUF];
    double back;
    if (isnan(v)) {
        fputs("NAN", g->f);
        g->need_math = 1;
    } else if (isinf(v)) {
        fputs(v < 0 ? "-HUGE_VAL" : "HUGE_VAL", g->f);
        g->need_math = 1;
    } else {
        nr_format_double(num, v);
        back = strtod(num, NULL);
        if (memcmp(&back, &v, sizeof v) != 0)
            g->inexact = 1;
        c_literal(g, num, "");
    }
}

/* A comment with a condition's text. */
static void c_cond_comment(cgen *g, const nr_cond *c)
{
    char *t = nr_cond_text(g->r, c);
    if (!t) {
        g->oom = 1;
        return;
    }
    c_comment(g->f, t);
    free(t);
}

/* The C expression of a condition over x (input features only). */
static void c_cond(cgen *g, const nr_cond *c)
{
    const nr_feature *fe;
    FILE *f = g->f;

    switch (c->op) {
    case NR_MOFN:
        /* each test is 0 or 1: count them */
        if (c->n == 0) {
            fprintf(f, "0 >= %d", c->m);
            return;
        }
        putc('(', f);
        for (int i = 0; i < c->n; i++) {
            if (i)
                fputs(" + ", f);
            putc('(', f);
            c_cond(g, &c->sub[i]);
            putc(')', f);
        }
        fprintf(f, ") >= %d", c->m);
        return;
    case NR_LE:
    case NR_GT:
        fprintf(f, "x[%d] %s ", c->var.index, c->op == NR_LE ? "<=" : ">");
        c_float(g, c->t);
        return;
    case NR_EQ:
    case NR_NE:
        fprintf(f, "x[%d] %s ", c->var.index, c->op == NR_EQ ? "==" : "!=");
        c_float(g, c->t);
        fe = &g->r->features[c->var.index];
        if (fe->kind == NR_FEAT_NOMINAL && c->t >= 0 && c->t < (float)fe->nvalues &&
            c->t == (float)(int)c->t) {
            fputs(" /* ", f);
            c_comment(f, fe->values[(int)c->t]);
            fputs(" */", f);
        }
        return;
    case NR_TRUE:
        fprintf(f, "x[%d] > 0.5f", c->var.index);
        return;
    case NR_FALSE:
        fprintf(f, "!(x[%d] > 0.5f)", c->var.index);
        return;
    }
}

/* The conjunction of a rule; continuation lines start at column col. */
static void c_conj(cgen *g, const nr_rule *ru, int col)
{
    if (ru->nconds == 0) {
        fputs("1", g->f);
        return;
    }
    for (int j = 0; j < ru->nconds; j++) {
        if (j)
            fprintf(g->f, " &&\n%*s", col, "");
        c_cond(g, &ru->conds[j]);
    }
}

static const char *class_name(const nr_rules *r, int k)
{
    return k >= 0 && k < r->nclasses ? r->classes[k] : "?";
}

/* A comment line "rule i: a and b => class (cover .., correct ..)". */
static void c_rule_comment(cgen *g, int i, int depth)
{
    const nr_rules *r = g->r;
    const nr_rule *ru = &r->rs.rules[i];
    char a[NR_NUMBUF], b[NR_NUMBUF];

    indent(g, depth);
    fprintf(g->f, "/* rule %d: ", i + 1);
    if (ru->nconds == 0)
        fputs("always", g->f);
    for (int j = 0; j < ru->nconds; j++) {
        if (j)
            fputs(" and ", g->f);
        c_cond_comment(g, &ru->conds[j]);
    }
    fputs(" => ", g->f);
    if (r->task == NR_TASK_REGRESS)
        fputs(nr_format_double(a, ru->value), g->f);
    else
        c_comment(g->f, class_name(r, ru->klass));
    if (ru->stats.has)
        fprintf(g->f, " (cover %s, correct %s)", nr_format_double(a, ru->stats.cover),
                nr_format_double(b, ru->stats.correct));
    if (r->task == NR_TASK_REGRESS && ru->stats.has_sd)
        fprintf(g->f, " (sd %.6g)", ru->stats.sd);
    fputs(" */\n", g->f);
}

/* "return k;" or "return value;", with the class name or decimal beside. */
static void c_return_class(cgen *g, int k)
{
    fprintf(g->f, "return %d; /* ", k);
    c_comment(g->f, class_name(g->r, k));
    fputs(" */\n", g->f);
}

/* The prediction is the mean; the spread around it, when known, beside. */
static void c_return_value(cgen *g, double v, const nr_stats *s)
{
    fputs("return ", g->f);
    c_double(g, v);
    if (s && s->has_sd)
        fprintf(g->f, "; /* sd %.6g */\n", s->sd);
    else
        fputs(";\n", g->f);
}

/* Tree node i as statements that return, in the function for subtree
 * root; nr_emit_check bounded the depth of the recursion. */
static void c_tree(cgen *g, int i, int depth, int root)
{
    const nr_node *n = &g->r->tree.nodes[i];
    if (i != root && g->split[i]) {
        indent(g, depth);
        fprintf(g->f, "return %s_node_%d(x);\n", g->p, i);
        return;
    }
    if (n->leaf) {
        indent(g, depth);
        if (g->r->task == NR_TASK_REGRESS) {
            c_return_value(g, n->value, &n->stats);
        } else {
            /* classification trees return the leaf: class and distribution
             * come from its row of the tables */
            fprintf(g->f, "return %d; /* ", g->leaf_id[i]);
            c_comment(g->f, class_name(g->r, n->klass));
            fputs(" */\n", g->f);
        }
        return;
    }
    indent(g, depth);
    fputs("/* ", g->f);
    c_cond_comment(g, &n->test);
    fputs(" */\n", g->f);
    indent(g, depth);
    fputs("if (", g->f);
    c_cond(g, &n->test);
    fputs(") {\n", g->f);
    c_tree(g, n->yes, depth + 1, root);
    indent(g, depth);
    fputs("}\n", g->f);
    c_tree(g, n->no, depth, root);
}

/* Mark the internal nodes that would nest deeper than MAX_NEST. */
static void mark_splits(cgen *g, int i, int level)
{
    const nr_node *n = &g->r->tree.nodes[i];
    if (n->leaf)
        return;
    if (level >= MAX_NEST) {
        g->split[i] = 1;
        level = 0;
    }
    mark_splits(g, n->yes, level + 1);
    mark_splits(g, n->no, level);
}

/* The signature's parameter. */
static void c_param(cgen *g, FILE *f)
{
    if (g->r->nfeatures > 0)
        fprintf(f, "const float x[%s_NFEATURES]", g->P);
    else
        fputs("const float *x", f);
}

/* The name of the prediction function and its return type. */
static int regress(const cgen *g)
{
    return g->r->task == NR_TASK_REGRESS;
}

static void c_open_predict(cgen *g)
{
    fprintf(g->f, "%s %s_predict%s(", regress(g) ? "double" : "int", g->p,
            regress(g) ? "_value" : "");
    c_param(g, g->f);
    fputs(")\n{\n", g->f);
}

static void c_body_tree(cgen *g)
{
    const nr_tree *t = &g->r->tree;
    const char *type = regress(g) ? "double" : "int";
    int nsplit = 0;

    if (t->nnodes > 0) {
        if (!(g->split = calloc((size_t)t->nnodes, 1))) {
            g->oom = 1;
            return;
        }
        mark_splits(g, 0, 0);
    }
    for (int i = 0; i < t->nnodes; i++)
        if (g->split[i]) {
            if (!nsplit++)
                fputs("/* Subtrees too deep to nest further, each in a function. */\n", g->f);
            fprintf(g->f, "static %s %s_node_%d(", type, g->p, i);
            c_param(g, g->f);
            fputs(");\n", g->f);
        }
    if (nsplit)
        putc('\n', g->f);
    c_open_predict(g);
    if (t->nnodes == 0 || t->nodes[0].leaf)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    if (t->nnodes == 0)
        fputs(regress(g) ? "    return 0.0;\n" : "    return 0;\n", g->f);
    else
        c_tree(g, 0, 1, 0);
    fputs("}\n", g->f);
    for (int i = 0; i < t->nnodes; i++)
        if (g->split[i]) {
            fprintf(g->f, "\nstatic %s %s_node_%d(", type, g->p, i);
            c_param(g, g->f);
            fputs(")\n{\n", g->f);
            c_tree(g, i, 1, i);
            fputs("}\n", g->f);
        }
}

/* Ordered sets, and unordered ones under the "first" policy. */
static void c_body_list(cgen *g)
{
    const nr_ruleset *rs = &g->r->rs;
    int always = 0;

    c_open_predict(g);
    if (rs->nrules == 0 || rs->rules[0].nconds == 0)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    for (int i = 0; i < rs->nrules && !always; i++) {
        const nr_rule *ru = &rs->rules[i];
        c_rule_comment(g, i, 1);
        if (ru->nconds == 0) {
            always = 1; /* later rules and the default are never reached */
            fputs("    ", g->f);
        } else {
            fputs("    if (", g->f);
            c_conj(g, ru, 8);
            fputs(")\n        ", g->f);
        }
        if (regress(g))
            c_return_value(g, ru->value, &ru->stats);
        else
            c_return_class(g, ru->klass);
    }
    if (!always) {
        fputs("    /* no rule fires */\n    ", g->f);
        if (regress(g))
            c_return_value(g, rs->default_value, NULL);
        else
            c_return_class(g, rs->default_class);
    }
    fputs("}\n", g->f);
}

/* "static const TYPE prefix_NAME[n] = {...};" with one entry per rule. */
static void c_rule_table(cgen *g, const char *type, const char *name, const char *what,
                         int which)
{
    const nr_ruleset *rs = &g->r->rs;
    fprintf(g->f, "/* %s, per rule */\nstatic const %s %s_%s[%d] = {\n", what, type, g->p, name,
            rs->nrules);
    for (int i = 0; i < rs->nrules; i++) {
        const nr_rule *ru = &rs->rules[i];
        fputs("    ", g->f);
        switch (which) {
        case 0: /* class */
            fprintf(g->f, "%d%s /* rule %d: ", ru->klass, i + 1 < rs->nrules ? "," : "", i + 1);
            c_comment(g->f, class_name(g->r, ru->klass));
            fputs(" */", g->f);
            break;
        case 1: /* confidence */
            c_double(g, ru->stats.confidence);
            break;
        case 2: /* vote weight, as ir.c counts it */
            c_double(g, ru->stats.has ? ru->stats.confidence : 1.0);
            break;
        case 3: /* value */
            c_double(g, ru->value);
            break;
        }
        if (which != 0)
            fprintf(g->f, "%s /* rule %d */", i + 1 < rs->nrules ? "," : "", i + 1);
        putc('\n', g->f);
    }
    fputs("};\n\n", g->f);
}

/* Unordered sets under "vote" or "confidence": a fire flag per rule. */
static void c_body_unordered(cgen *g)
{
    const nr_rules *r = g->r;
    const nr_ruleset *rs = &r->rs;
    int vote = rs->policy == NR_POLICY_VOTE;

    if (rs->nrules == 0 || (vote && regress(g))) {
        /* nothing can win: ir.c gives the default (a vote needs classes,
         * so a regression vote always gives the default value) */
        c_open_predict(g);
        fputs("    (void)x; /* nothing is tested */\n", g->f);
        for (int i = 0; i < rs->nrules; i++)
            c_rule_comment(g, i, 1);
        fputs("    /* the default */\n    ", g->f);
        if (regress(g))
            c_return_value(g, rs->default_value, NULL);
        else
            c_return_class(g, rs->default_class);
        fputs("}\n", g->f);
        return;
    }
    if (vote) {
        c_rule_table(g, "int", "rule_class", "The class each rule votes for", 0);
        c_rule_table(g, "double", "rule_weight", "Vote: the confidence (1 when unknown)", 2);
    } else {
        if (regress(g))
            c_rule_table(g, "double", "rule_value", "Value", 3);
        else
            c_rule_table(g, "int", "rule_class", "Class", 0);
        c_rule_table(g, "double", "rule_confidence", "Confidence", 1);
    }
    c_open_predict(g);
    fprintf(g->f, "    int fire[%d];\n", rs->nrules);
    if (vote)
        fprintf(g->f, "    double votes[%s_NCLASSES] = {0};\n    int i, k, any = 0, win;\n\n",
                g->P);
    else
        fputs("    int i, best = -1;\n\n", g->f);
    {
        int tests = 0;
        for (int i = 0; i < rs->nrules; i++)
            tests |= rs->rules[i].nconds > 0;
        if (!tests)
            fputs("    (void)x; /* nothing is tested */\n", g->f);
    }
    for (int i = 0; i < rs->nrules; i++) {
        c_rule_comment(g, i, 1);
        fprintf(g->f, "    fire[%d] = ", i);
        c_conj(g, &rs->rules[i], 14 + (i >= 10) + (i >= 100) + (i >= 1000) + (i >= 10000));
        fputs(";\n", g->f);
    }
    if (vote) {
        fprintf(g->f,
                "\n    /* every rule that fires votes with its confidence; the most votes win,\n"
                "       ties to the lower class index */\n"
                "    for (i = 0; i < %d; i++)\n"
                "        if (fire[i]) {\n"
                "            votes[%s_rule_class[i]] += %s_rule_weight[i];\n"
                "            any = 1;\n"
                "        }\n"
                "    if (!any)\n        ",
                rs->nrules, g->p, g->p);
        c_return_class(g, rs->default_class);
        fprintf(g->f,
                "    win = 0;\n"
                "    for (k = 1; k < %s_NCLASSES; k++)\n"
                "        if (votes[k] > votes[win])\n"
                "            win = k;\n"
                "    return win;\n}\n",
                g->P);
        return;
    }
    fprintf(g->f,
            "\n    /* the rule that fires with the highest confidence; ties to the earlier rule */\n"
            "    for (i = 0; i < %d; i++)\n"
            "        if (fire[i] && (best < 0 || %s_rule_confidence[i] > %s_rule_confidence[best]))\n"
            "            best = i;\n"
            "    if (best < 0)\n        ",
            rs->nrules, g->p, g->p);
    if (regress(g)) {
        c_return_value(g, rs->default_value, NULL);
        fprintf(g->f, "    return %s_rule_value[best];\n}\n", g->p);
    } else {
        c_return_class(g, rs->default_class);
        fprintf(g->f, "    return %s_rule_class[best];\n}\n", g->p);
    }
}

static void c_body_linear(cgen *g)
{
    const nr_rules *r = g->r;
    const nr_linear *l = &r->lin;
    char num[NR_NUMBUF];

    fprintf(g->f, "double %s_score(", g->p);
    c_param(g, g->f);
    fputs(")\n{\n    double s = ", g->f);
    c_double(g, l->intercept);
    fputs(";\n\n", g->f);
    if (l->nterms == 0)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    for (int i = 0; i < l->nterms; i++) {
        const nr_term *t = &l->terms[i];
        fprintf(g->f, "    /* %s * ", nr_format_double(num, t->weight));
        if (t->indicator) {
            putc('[', g->f);
            c_cond_comment(g, &t->cond);
            putc(']', g->f);
        } else {
            c_comment(g->f, r->features[t->var.index].name);
        }
        fputs(" */\n    s += ", g->f);
        if (t->indicator) {
            putc('(', g->f);
            c_cond(g, &t->cond);
            fputs(") ? ", g->f);
            c_double(g, t->weight);
            fputs(" : 0.0;\n", g->f);
        } else {
            c_double(g, t->weight);
            fprintf(g->f, " * (double)x[%d];\n", t->var.index);
        }
    }
    fputs("    return s;\n}\n\n", g->f);

    c_open_predict(g);
    if (regress(g)) {
        fprintf(g->f, "    return %s_score(x);\n}\n", g->p);
    } else if (l->klass >= 0) {
        fprintf(g->f, "    /* the score models class %d (", l->klass);
        c_comment(g->f, class_name(r, l->klass));
        fprintf(g->f, "): that class when above 0.5, else -1 */\n"
                      "    return %s_score(x) > 0.5 ? %d : -1;\n}\n",
                g->p, l->klass);
    } else {
        fputs("    (void)x;\n    return 0;\n}\n", g->f);
    }
}

/* ---- classification: the deciding leaf or rule, and its distribution ---- */

/* The class distribution of a leaf or rule of class k, normalized to sum
 * to 1: dist when it holds counts; else, from the statistics, `correct` of
 * `cover` rows on class k and the rest spread evenly over the other classes
 * (the rules do not say how they split); else all on class k.  k < 0 (the
 * default of a rule set, whose distribution nn2rules does not know): the
 * uniform distribution. */
static void proba_of(const nr_rules *r, int k, const double *dist, const nr_stats *st, double *p)
{
    int K = r->nclasses;
    double sum = 0;
    int ok = dist != NULL;
    for (int c = 0; c < K; c++)
        p[c] = k < 0 ? 1.0 / K : c == k;
    if (k < 0)
        return;
    for (int c = 0; ok && c < K; c++) {
        ok = isfinite(dist[c]) && dist[c] >= 0;
        sum += ok ? dist[c] : 0;
    }
    if (ok && sum > 0 && isfinite(sum)) {
        for (int c = 0; c < K; c++)
            p[c] = dist[c] / sum;
        return;
    }
    if (st && st->has && isfinite(st->cover) && st->cover > 0 && st->correct >= 0 &&
        st->correct <= st->cover && K > 1) {
        double rest = (st->cover - st->correct) / st->cover / (K - 1);
        for (int c = 0; c < K; c++)
            p[c] = c == k ? st->correct / st->cover : rest;
    }
}

/* One row of a distribution table, "    {a, b, c}, ". */
static void c_proba_row(cgen *g, int k, const double *dist, const nr_stats *st)
{
    double *p = malloc((size_t)g->r->nclasses * sizeof *p);
    if (!p) {
        g->oom = 1;
        return;
    }
    proba_of(g->r, k, dist, st, p);
    fputs("    {", g->f);
    for (int c = 0; c < g->r->nclasses; c++) {
        if (c)
            fputs(", ", g->f);
        c_float(g, (float)p[c]);
    }
    fputs("},", g->f);
    free(p);
}

static void c_open_fn(cgen *g, const char *type, const char *name)
{
    fprintf(g->f, "%s %s_%s(", type, g->p, name);
    c_param(g, g->f);
    fputs(")\n{\n", g->f);
}

static void c_open_proba(cgen *g)
{
    fprintf(g->f, "\nvoid %s_predict_proba(", g->p);
    c_param(g, g->f);
    fprintf(g->f, ", float proba[%s_NCLASSES])\n{\n", g->P);
}

/* predict and predict_proba through the tables, from the index that
 * prefix_<decide>(x) returns. */
static void c_by_table(cgen *g, const char *decide, const char *table)
{
    fprintf(g->f, "\nint %s_predict(", g->p);
    c_param(g, g->f);
    fprintf(g->f, ")\n{\n    return %s_%s_class[%s_%s(x)];\n}\n", g->p, table, g->p, decide);
    c_open_proba(g);
    fprintf(g->f,
            "    const float *p = %s_%s_proba[%s_%s(x)];\n    int k;\n\n"
            "    for (k = 0; k < %s_NCLASSES; k++)\n        proba[k] = p[k];\n}\n",
            g->p, table, g->p, decide, g->P);
}

static void c_proba_uniform(cgen *g)
{
    c_open_proba(g);
    fprintf(g->f,
            "    int k;\n\n    (void)x; /* no distribution is known: the uniform one */\n"
            "    for (k = 0; k < %s_NCLASSES; k++)\n        proba[k] = 1.0f / %s_NCLASSES;\n}\n",
            g->P, g->P);
}

static void c_tree_tables(cgen *g)
{
    const nr_tree *t = &g->r->tree;
    fprintf(g->f,
            "/* The class of each leaf (leaves numbered in the order of their nodes), */\n"
            "static const int %s_leaf_class[%d] = {\n",
            g->p, g->nleaves);
    for (int i = 0; i < t->nnodes; i++)
        if (t->nodes[i].leaf) {
            fprintf(g->f, "    %d, /* leaf %d (node %d): ", t->nodes[i].klass, g->leaf_id[i], i);
            c_comment(g->f, class_name(g->r, t->nodes[i].klass));
            fputs(" */\n", g->f);
        }
    fprintf(g->f,
            "};\n\n/* and its class distribution: the share of each class among the rows\n"
            "   that reached it. */\nstatic const float %s_leaf_proba[%d][%s_NCLASSES] = {\n",
            g->p, g->nleaves, g->P);
    for (int i = 0; i < t->nnodes; i++)
        if (t->nodes[i].leaf) {
            c_proba_row(g, t->nodes[i].klass, t->nodes[i].dist, &t->nodes[i].stats);
            fprintf(g->f, " /* leaf %d */\n", g->leaf_id[i]);
        }
    fputs("};\n\n", g->f);
}

/* Classification trees: the leaf a row reaches, then its tables. */
static void c_tree_class(cgen *g)
{
    const nr_tree *t = &g->r->tree;
    int nsplit = 0;

    if (t->nnodes == 0) {
        c_open_predict(g);
        fputs("    (void)x; /* nothing is tested */\n    return 0;\n}\n", g->f);
        c_proba_uniform(g);
        return;
    }
    if (!(g->split = calloc((size_t)t->nnodes, 1)) ||
        !(g->leaf_id = malloc((size_t)t->nnodes * sizeof *g->leaf_id))) {
        g->oom = 1;
        return;
    }
    for (int i = 0; i < t->nnodes; i++)
        g->leaf_id[i] = t->nodes[i].leaf ? g->nleaves++ : -1;
    mark_splits(g, 0, 0);
    c_tree_tables(g);
    for (int i = 0; i < t->nnodes; i++)
        if (g->split[i]) {
            if (!nsplit++)
                fputs("/* Subtrees too deep to nest further, each in a function. */\n", g->f);
            fprintf(g->f, "static int %s_node_%d(", g->p, i);
            c_param(g, g->f);
            fputs(");\n", g->f);
        }
    if (nsplit)
        putc('\n', g->f);
    fputs("/* The leaf that decides the row x. */\n", g->f);
    c_open_fn(g, "static int", "leaf");
    if (t->nodes[0].leaf)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    c_tree(g, 0, 1, 0);
    fputs("}\n", g->f);
    for (int i = 0; i < t->nnodes; i++)
        if (g->split[i]) {
            fprintf(g->f, "\nstatic int %s_node_%d(", g->p, i);
            c_param(g, g->f);
            fputs(")\n{\n", g->f);
            c_tree(g, i, 1, i);
            fputs("}\n", g->f);
        }
    c_by_table(g, "leaf", "leaf");
}

/* The class and distribution of each rule and, last, of the default. */
static void c_rule_class_tables(cgen *g)
{
    const nr_ruleset *rs = &g->r->rs;
    fprintf(g->f,
            "/* The class of each rule, and last the default's, */\n"
            "static const int %s_rule_class[%d] = {\n",
            g->p, rs->nrules + 1);
    for (int i = 0; i <= rs->nrules; i++) {
        int k = i < rs->nrules ? rs->rules[i].klass : rs->default_class;
        fprintf(g->f, "    %d, /* ", k);
        if (i < rs->nrules)
            fprintf(g->f, "rule %d: ", i + 1);
        else
            fputs("default: ", g->f);
        c_comment(g->f, class_name(g->r, k));
        fputs(" */\n", g->f);
    }
    fprintf(g->f,
            "};\n\n/* and its class distribution: its class's share of the rows it covers,\n"
            "   the rest spread evenly over the other classes (all on its class when\n"
            "   nothing is known); uniform for the default. */\n"
            "static const float %s_rule_proba[%d][%s_NCLASSES] = {\n",
            g->p, rs->nrules + 1, g->P);
    for (int i = 0; i <= rs->nrules; i++) {
        if (i < rs->nrules) {
            c_proba_row(g, rs->rules[i].klass, NULL, &rs->rules[i].stats);
            fprintf(g->f, " /* rule %d */\n", i + 1);
        } else {
            c_proba_row(g, -1, NULL, NULL);
            fputs(" /* default */\n", g->f);
        }
    }
    fputs("};\n\n", g->f);
}

/* Decision lists: the first rule that fires, or nrules for the default. */
static void c_list_class(cgen *g)
{
    const nr_ruleset *rs = &g->r->rs;
    int always = 0;

    c_rule_class_tables(g);
    fprintf(g->f, "/* The rule that decides the row x (%d: none fires, the default). */\n",
            rs->nrules);
    c_open_fn(g, "static int", "rule");
    if (rs->nrules == 0 || rs->rules[0].nconds == 0)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    for (int i = 0; i < rs->nrules && !always; i++) {
        const nr_rule *ru = &rs->rules[i];
        c_rule_comment(g, i, 1);
        if (ru->nconds == 0) {
            always = 1; /* later rules and the default are never reached */
            fputs("    ", g->f);
        } else {
            fputs("    if (", g->f);
            c_conj(g, ru, 8);
            fputs(")\n        ", g->f);
        }
        fprintf(g->f, "return %d;\n", i);
    }
    if (!always)
        fprintf(g->f, "    /* no rule fires */\n    return %d;\n", rs->nrules);
    fputs("}\n", g->f);
    c_by_table(g, "rule", "rule");
}

/* The fire flags of an unordered set, as statements. */
static void c_fire(cgen *g)
{
    const nr_ruleset *rs = &g->r->rs;
    int tests = 0;
    for (int i = 0; i < rs->nrules; i++)
        tests |= rs->rules[i].nconds > 0;
    if (!tests)
        fputs("    (void)x; /* nothing is tested */\n", g->f);
    for (int i = 0; i < rs->nrules; i++) {
        c_rule_comment(g, i, 1);
        fprintf(g->f, "    fire[%d] = ", i);
        c_conj(g, &rs->rules[i], 14 + (i >= 10) + (i >= 100) + (i >= 1000) + (i >= 10000));
        fputs(";\n", g->f);
    }
}

/* Unordered classification sets under "confidence" or "vote". */
static void c_unordered_class(cgen *g)
{
    const nr_ruleset *rs = &g->r->rs;
    int normal = 1;

    if (rs->nrules == 0) {
        c_open_predict(g);
        fputs("    (void)x; /* nothing is tested */\n    /* the default */\n    ", g->f);
        c_return_class(g, rs->default_class);
        fputs("}\n", g->f);
        c_proba_uniform(g);
        return;
    }
    if (rs->policy == NR_POLICY_CONFIDENCE) {
        c_rule_class_tables(g);
        c_rule_table(g, "double", "rule_confidence", "Confidence", 1);
        fprintf(g->f, "/* The rule that decides the row x (%d: none fires, the default). */\n",
                rs->nrules);
        c_open_fn(g, "static int", "rule");
        fprintf(g->f, "    int fire[%d];\n    int i, best = -1;\n\n", rs->nrules);
        c_fire(g);
        fprintf(g->f,
                "\n    /* the rule that fires with the highest confidence; ties to the earlier rule */\n"
                "    for (i = 0; i < %d; i++)\n"
                "        if (fire[i] && (best < 0 || %s_rule_confidence[i] > %s_rule_confidence[best]))\n"
                "            best = i;\n"
                "    return best < 0 ? %d : best;\n}\n",
                rs->nrules, g->p, g->p, rs->nrules);
        c_by_table(g, "rule", "rule");
        return;
    }
    c_rule_table(g, "int", "rule_class", "The class each rule votes for", 0);
    c_rule_table(g, "double", "rule_weight", "Vote: the confidence (1 when unknown)", 2);
    fprintf(g->f, "/* Every rule that fires adds its weight to its class's votes; 1 when one\n"
                  "   fires, 0 when none does. */\nstatic int %s_votes(", g->p);
    c_param(g, g->f);
    fprintf(g->f, ", double votes[%s_NCLASSES])\n{\n    int fire[%d];\n    int i, any = 0;\n\n",
            g->P, rs->nrules);
    c_fire(g);
    fprintf(g->f,
            "    for (i = 0; i < %d; i++)\n"
            "        if (fire[i]) {\n"
            "            votes[%s_rule_class[i]] += %s_rule_weight[i];\n"
            "            any = 1;\n"
            "        }\n"
            "    return any;\n}\n\n",
            rs->nrules, g->p, g->p);
    c_open_predict(g);
    fprintf(g->f,
            "    double votes[%s_NCLASSES] = {0};\n    int k, win = 0;\n\n"
            "    if (!%s_votes(x, votes))\n        ",
            g->P, g->p);
    c_return_class(g, rs->default_class);
    fprintf(g->f,
            "    /* the most votes win, ties to the lower class index */\n"
            "    for (k = 1; k < %s_NCLASSES; k++)\n"
            "        if (votes[k] > votes[win])\n"
            "            win = k;\n"
            "    return win;\n}\n",
            g->P);
    for (int i = 0; i < rs->nrules; i++) {
        double w = rs->rules[i].stats.has ? rs->rules[i].stats.confidence : 1.0;
        normal &= isfinite(w) && w >= 0;
    }
    c_open_proba(g);
    if (!normal) {
        fprintf(g->f,
                "    int k, win = %s_predict(x);\n\n"
                "    /* votes that are not all finite and at least 0 make no distribution:\n"
                "       all on the class predicted */\n"
                "    for (k = 0; k < %s_NCLASSES; k++)\n"
                "        proba[k] = k == win ? 1.0f : 0.0f;\n}\n",
                g->p, g->P);
        return;
    }
    fprintf(g->f,
            "    double votes[%s_NCLASSES] = {0}, s = 0;\n    int k, win;\n\n"
            "    if (!%s_votes(x, votes)) {\n"
            "        /* the default: no distribution is known, the uniform one */\n"
            "        for (k = 0; k < %s_NCLASSES; k++)\n"
            "            proba[k] = 1.0f / %s_NCLASSES;\n"
            "        return;\n    }\n"
            "    /* each class's share of the votes */\n"
            "    for (k = 0; k < %s_NCLASSES; k++)\n"
            "        s += votes[k];\n"
            "    if (s > 0) {\n"
            "        for (k = 0; k < %s_NCLASSES; k++)\n"
            "            proba[k] = (float)(votes[k] / s);\n"
            "        return;\n    }\n"
            "    /* the rules that fire weigh nothing: all on the class predicted */\n"
            "    win = %s_predict(x);\n"
            "    for (k = 0; k < %s_NCLASSES; k++)\n"
            "        proba[k] = k == win ? 1.0f : 0.0f;\n}\n",
            g->P, g->p, g->P, g->P, g->P, g->P, g->p, g->P);
}

/* prefix_predict_batch, or prefix_predict_value_batch: n rows one after
 * the other in x. */
static void c_batch(cgen *g)
{
    int value = regress(g);
    fprintf(g->f,
            "\nvoid %s_predict%s_batch(const float *x, size_t n, %s *out)\n{\n"
            "    size_t i;\n\n"
            "    for (i = 0; i < n; i++)\n"
            "        out[i] = %s_predict%s(x + i * %s_NFEATURES);\n}\n",
            g->p, value ? "_value" : "", value ? "double" : "int", g->p, value ? "_value" : "",
            g->P);
}

/* ---- banner and header ------------------------------------------------- */

static const char *kind_text(nr_feature_kind k)
{
    switch (k) {
    case NR_FEAT_CONTINUOUS: return "continuous";
    case NR_FEAT_BOOLEAN: return "Boolean (0 or 1)";
    case NR_FEAT_ONEHOT: return "one-hot (0 or 1)";
    case NR_FEAT_INTEGER: return "integer";
    case NR_FEAT_NOMINAL: return "nominal";
    }
    return "continuous";
}

/* Roughly the columns a name takes: its UTF-8 characters. */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void banner_field(FILE *f, const char *name, const char *value)
{
    if (!value)
        return;
    fprintf(f, " *   %-10s ", name);
    c_comment(f, value);
    putc('\n', f);
}

static void banner(cgen *g, FILE *f, const char *what)
{
    const nr_rules *r = g->r;
    const nr_provenance *p = &r->prov;
    char a[NR_NUMBUF], b[NR_NUMBUF];
    int nconds, nrules = nr_rules_count(r, &nconds), width = 4;

    fprintf(f, "/*\n * %s - %s, generated by nn2rules " NR_VERSION ".\n", g->p, what);
    fputs(" * Do not edit: generate again from the rules instead.\n *\n", f);
    switch (r->kind) {
    case NR_BODY_TREE:
        fprintf(f, " * A %s tree: %d lea%s, %d test%s.\n", regress(g) ? "regression" : "decision",
                nrules, nrules == 1 ? "f" : "ves", nconds, nconds == 1 ? "" : "s");
        break;
    case NR_BODY_RULESET:
        if (r->rs.kind == NR_ORDERED || r->rs.policy == NR_POLICY_FIRST)
            fprintf(f, " * A decision list of %d rules: the first rule that fires decides,\n"
                       " * the default when none does.\n",
                    nrules);
        else if (r->rs.policy == NR_POLICY_VOTE)
            fprintf(f, " * %d unordered rules: every rule that fires votes for its class\n"
                       " * with its confidence (1 when unknown); the most votes win, ties to\n"
                       " * the lower class index; the default when none fires.\n",
                    nrules);
        else
            fprintf(f, " * %d unordered rules: of the rules that fire, the one with the\n"
                       " * highest confidence decides, ties to the earlier rule; the default\n"
                       " * when none fires.\n",
                    nrules);
        break;
    case NR_BODY_LINEAR:
        fprintf(f, " * A linear model: an intercept and %d terms.\n", r->lin.nterms);
        break;
    }
    if (p->model || p->model_crc || p->algorithm || p->options || p->data || p->version) {
        fputs(" *\n * Provenance:\n", f);
        banner_field(f, "model", p->model);
        banner_field(f, "model CRC", p->model_crc);
        banner_field(f, "algorithm", p->algorithm);
        banner_field(f, "options", p->options);
        banner_field(f, "data", p->data);
        if (p->version) {
            fputs(" *   extracted  by nn2rules ", f);
            c_comment(f, p->version);
            putc('\n', f);
        }
    }
    for (int i = 0; i < r->nfeatures; i++) {
        int n = columns(r->features[i].name);
        if (n > width)
            width = n < 24 ? n : 24;
    }
    fprintf(f, " *\n * Features: x[i] of the argument (%s_NFEATURES = %d)\n", g->P, r->nfeatures);
    for (int i = 0; i < r->nfeatures; i++) {
        const nr_feature *fe = &r->features[i];
        int n = columns(fe->name);
        fprintf(f, " *   x[%d]  ", i);
        c_comment(f, fe->name);
        fprintf(f, "%*s  %s", n < width ? width - n : 0, "", kind_text(fe->kind));
        if (fe->kind == NR_FEAT_ONEHOT && fe->group >= 0)
            fprintf(f, ", group %d", fe->group);
        if (fe->has_range)
            fprintf(f, ", range [%s, %s]", nr_format_float(a, fe->min), nr_format_float(b, fe->max));
        for (int v = 0; v < fe->nvalues; v++) {
            fprintf(f, "%s%d ", v ? ", " : ": ", v);
            c_comment(f, fe->values[v]);
        }
        putc('\n', f);
    }
    if (r->nclasses > 0) {
        fprintf(f, " *\n * Classes: what %s_predict returns (%s_NCLASSES = %d)\n", g->p, g->P,
                r->nclasses);
        for (int k = 0; k < r->nclasses; k++) {
            fprintf(f, " *   %d  ", k);
            c_comment(f, r->classes[k]);
            putc('\n', f);
        }
    }
    fputs(" *\n * Thresholds are decimal float literals that read back as exactly the\n"
          " * float nn2rules compared with, and x is compared in float, so each test\n"
          " * is bit for bit the one `nn2rules eval` makes.  The code is C99 and\n"
          " * compiles as C++11 too; it allocates nothing and keeps no state.\n"
          " *\n"
          " * NaN (a missing value): every comparison with NaN is false, as in\n"
          " * `nn2rules eval`.  x[i] <= t, x[i] > t and x[i] == v do not hold and\n"
          " * x[i] != v does; a Boolean test (x[i] > 0.5) does not hold and its\n"
          " * negation does.  So in a tree a NaN goes the \"no\" way of a test, and a\n"
          " * rule with a condition that does not hold does not fire.  Do not compile\n"
          " * with -ffast-math or -ffinite-math-only: they let the compiler assume\n"
          " * there is no NaN and decide such rows otherwise.\n */\n",
          f);
}

/* FNV-1a of s: a short tag for the include guard. */
static unsigned long fnv1a(const char *s)
{
    unsigned long h = 2166136261ul;
    for (; *s; s++)
        h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xFFFFFFFFul;
    return h;
}

static void header(cgen *g, FILE *f)
{
    const nr_rules *r = g->r;
    int table = !regress(g) && r->nclasses > 0 && r->kind != NR_BODY_LINEAR;
    char guard[MAX_PREFIX + 32];

    banner(g, f, "rules as C (the interface)");
    /* the prefix and a hash of the header's name: no clash with a user's
     * PREFIX_H, nor between two headers made with one prefix */
    snprintf(guard, sizeof guard, "NR_%s_%08lX_H", g->P, fnv1a(g->header_name));
    fprintf(f, "#ifndef %s\n#define %s\n\n#include <stddef.h> /* size_t */\n\n"
               "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            guard, guard);
    fprintf(f, "/* The length of x, and the number of classes (0: regression). */\n"
               "#define %s_NFEATURES %d\n#define %s_NCLASSES %d\n\n",
            g->P, r->nfeatures, g->P, r->nclasses);
    if (!regress(g)) {
        fputs(r->kind == NR_BODY_LINEAR && r->lin.klass >= 0
                  ? "/* The class the rules give the row x, or -1 for none. */\n"
                  : "/* The class the rules give the row x. */\n",
              f);
        fprintf(f, "int %s_predict(", g->p);
        c_param(g, f);
        fputs(");\n\n", f);
        if (table) {
            fprintf(f,
                    "/* The class distribution behind that answer, in proba[0] to\n"
                    " * proba[%s_NCLASSES - 1], summing to 1: %s */\n"
                    "void %s_predict_proba(",
                    g->P,
                    r->kind == NR_BODY_TREE
                        ? "the share of each class among the\n"
                          " * rows (the training rows, or the samples) that reached the\n"
                          " * deciding leaf."
                    : r->rs.kind == NR_UNORDERED && r->rs.policy == NR_POLICY_VOTE
                        ? "each class's share of the\n"
                          " * votes of the rules that fire; the uniform distribution when none\n"
                          " * fires (nn2rules knows no distribution for the default)."
                        : "the deciding rule's class\n"
                          " * gets its share of the rows the rule covers, the other classes the\n"
                          " * rest in equal parts (all on its class when its statistics are\n"
                          " * unknown); when no rule fires, the uniform distribution (nn2rules\n"
                          " * knows no distribution for the default).",
                    g->p);
            c_param(g, f);
            fprintf(f, ", float proba[%s_NCLASSES]);\n\n", g->P);
        }
        fprintf(f,
                "/* %s_predict of n rows: row i is x[i * %s_NFEATURES] to\n"
                " * x[i * %s_NFEATURES + %s_NFEATURES - 1], its class goes to out[i]. */\n"
                "void %s_predict_batch(const float *x, size_t n, int *out);\n\n",
                g->p, g->P, g->P, g->P, g->p);
    } else {
        fprintf(f, "/* The value the rules give the row x. */\ndouble %s_predict_value(", g->p);
        c_param(g, f);
        fputs(");\n\n", f);
        fprintf(f,
                "/* %s_predict_value of n rows: row i is x[i * %s_NFEATURES] to\n"
                " * x[i * %s_NFEATURES + %s_NFEATURES - 1], its value goes to out[i]. */\n"
                "void %s_predict_value_batch(const float *x, size_t n, double *out);\n\n",
                g->p, g->P, g->P, g->P, g->p);
    }
    if (r->kind == NR_BODY_LINEAR) {
        fprintf(f, "/* The linear model's score of the row x. */\ndouble %s_score(", g->p);
        c_param(g, f);
        fputs(");\n\n", f);
    }
    fprintf(f, "/* The name of class k, or NULL when there is no class k. */\n"
               "const char *%s_class_name(int k);\n\n"
               "/* The name of feature i (x[i]), or NULL when there is no feature i. */\n"
               "const char *%s_feature_name(int i);\n\n",
            g->p, g->p);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* The name tables and their accessors. */
static void c_names(cgen *g, const char *what, const char *arg, int n, const char *const *names,
                    const nr_feature *features, const char *count)
{
    FILE *f = g->f;
    if (n == 0) {
        fprintf(f, "const char *%s_%s_name(int %s)\n{\n    (void)%s;\n    return 0;\n}\n\n", g->p,
                what, arg, arg);
        return;
    }
    fprintf(f, "static const char *const %s_%s_names[%s_%s] = {\n", g->p, what, g->P, count);
    for (int i = 0; i < n; i++) {
        fputs("    ", f);
        c_string(f, names ? names[i] : features[i].name);
        fputs(i + 1 < n ? ",\n" : "\n", f);
    }
    fprintf(f, "};\n\nconst char *%s_%s_name(int %s)\n{\n"
               "    return %s >= 0 && %s < %s_%s ? %s_%s_names[%s] : 0;\n}\n\n",
            g->p, what, arg, arg, arg, g->P, count, g->p, what, arg);
}

/* ---- the entry point --------------------------------------------------- */

static int find_hidden(const nr_cond *c, nr_var *out)
{
    if (c->op == NR_MOFN) {
        for (int i = 0; i < c->n; i++)
            if (find_hidden(&c->sub[i], out))
                return 1;
        return 0;
    }
    if (c->var.kind == NR_VAR_HIDDEN) {
        *out = c->var;
        return 1;
    }
    return 0;
}

/* The first hidden unit the rules test, for the message. */
static nr_var first_hidden(const nr_rules *r)
{
    nr_var v = {NR_VAR_HIDDEN, 0, 0};
    switch (r->kind) {
    case NR_BODY_TREE:
        for (int i = 0; i < r->tree.nnodes; i++)
            if (!r->tree.nodes[i].leaf && find_hidden(&r->tree.nodes[i].test, &v))
                return v;
        break;
    case NR_BODY_RULESET:
        for (int i = 0; i < r->rs.nrules; i++)
            for (int j = 0; j < r->rs.rules[i].nconds; j++)
                if (find_hidden(&r->rs.rules[i].conds[j], &v))
                    return v;
        break;
    case NR_BODY_LINEAR:
        for (int i = 0; i < r->lin.nterms; i++) {
            const nr_term *t = &r->lin.terms[i];
            if (t->indicator ? find_hidden(&t->cond, &v) : t->var.kind == NR_VAR_HIDDEN) {
                if (!t->indicator)
                    v = t->var;
                return v;
            }
        }
        break;
    }
    return v;
}

static int close_stream(FILE *f, char **buf, int failed)
{
    int bad = ferror(f) || failed;
    if (fclose(f) != 0 || bad) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}

int nr_emit_c(const nr_rules *r, const char *prefix, const char *header_name, char **c_out,
              size_t *c_len, char **h_out, size_t *h_len, nr_error *err)
{
    cgen g;
    char *body = NULL, *cbuf = NULL, *hbuf = NULL, hname[MAX_PREFIX + 3];
    size_t blen = 0, clen = 0, hlen = 0;
    FILE *cf = NULL, *hf = NULL;
    int rc;

    *c_out = *h_out = NULL;
    *c_len = *h_len = 0;
    if ((rc = check_prefix(prefix, err)) < 0)
        return rc;
    if (!header_name) {
        snprintf(hname, sizeof hname, "%s.h", prefix);
        header_name = hname;
    }
    if ((rc = check_header_name(header_name, err)) < 0)
        return rc;
    if ((rc = nr_emit_check(r, err)) < 0)
        return rc;
    if (nr_rules_uses_hidden(r)) {
        nr_var v = first_hidden(r);
        return nr_error_set(err, NR_EUNSUP,
                            "the rules test hidden units of the network (h%d.%d, ...), which "
                            "standalone C cannot compute; only rules over the input features "
                            "compile to C",
                            v.layer, v.index);
    }
    for (int i = 0; i < r->nfeatures; i++)
        if (strlen(r->features[i].name) > MAX_NAME)
            return nr_error_set(err, NR_ELIMIT, "feature %d's name is longer than %d bytes", i,
                                MAX_NAME);
    for (int k = 0; k < r->nclasses; k++)
        if (strlen(r->classes[k]) > MAX_NAME)
            return nr_error_set(err, NR_ELIMIT, "class %d's name is longer than %d bytes", k,
                                MAX_NAME);

    memset(&g, 0, sizeof g);
    g.r = r;
    g.p = prefix;
    g.header_name = header_name;
    for (size_t i = 0; prefix[i]; i++)
        g.P[i] = (char)(prefix[i] >= 'a' && prefix[i] <= 'z' ? prefix[i] - 'a' + 'A' : prefix[i]);

    /* the body first: it tells whether <math.h> is needed */
    if (!(g.f = open_memstream(&body, &blen)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    c_names(&g, "class", "k", r->nclasses, r->classes, NULL, "NCLASSES");
    c_names(&g, "feature", "i", r->nfeatures, NULL, r->features, "NFEATURES");
    /* classification trees and rule sets find the deciding leaf or rule
     * first, so that predict_proba can give its distribution */
    switch (r->kind) {
    case NR_BODY_TREE:
        if (regress(&g))
            c_body_tree(&g);
        else
            c_tree_class(&g);
        break;
    case NR_BODY_RULESET:
        if (r->rs.kind == NR_ORDERED || r->rs.policy == NR_POLICY_FIRST)
            regress(&g) ? c_body_list(&g) : c_list_class(&g);
        else
            regress(&g) ? c_body_unordered(&g) : c_unordered_class(&g);
        break;
    case NR_BODY_LINEAR:
        c_body_linear(&g);
        break;
    }
    c_batch(&g);
    free(g.split);
    free(g.leaf_id);
    if (g.inexact) {
        fclose(g.f);
        free(body);
        return nr_error_set(err, NR_EUNSUP,
                            "a constant has no decimal literal that reads back exactly "
                            "(is the C library's strtof broken?)");
    }
    if (close_stream(g.f, &body, g.oom) < 0)
        goto oom;

    if (!(cf = open_memstream(&cbuf, &clen)))
        goto oom;
    banner(&g, cf, "rules as C");
    fputs("#include \"", cf);
    fputs(header_name, cf);
    fputs("\"\n\n", cf);
    if (g.need_math)
        fputs("#include <math.h> /* HUGE_VAL, NAN */\n\n", cf);
    fwrite(body, 1, blen, cf);
    rc = close_stream(cf, &cbuf, 0);
    cf = NULL;
    if (rc < 0)
        goto oom;

    if (!(hf = open_memstream(&hbuf, &hlen)))
        goto oom;
    header(&g, hf);
    rc = close_stream(hf, &hbuf, 0);
    hf = NULL;
    if (rc < 0)
        goto oom;

    free(body);
    *c_out = cbuf;
    *c_len = clen;
    *h_out = hbuf;
    *h_len = hlen;
    return 0;
oom:
    free(body);
    free(cbuf);
    free(hbuf);
    return nr_error_set(err, NR_ENOMEM, "out of memory while writing C");
}

int nr_c_prefix_check(const char *prefix, nr_error *err)
{
    return check_prefix(prefix, err);
}
