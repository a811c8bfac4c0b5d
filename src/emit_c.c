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
 *   double prefix_predict_value(const float x[]) regression
 *   double prefix_score(const float x[])         linear models
 *
 * The code decides exactly what nr_rules_predict() decides (ir.c): tests
 * compare a float with a hexadecimal float literal (%a, with an f suffix),
 * so each comparison is the very one nn2rules made; trees are nested ifs,
 * decision lists a run of ifs, unordered sets compute one fire flag per
 * rule and then apply the vote or confidence policy with ir.c's tie rules;
 * double constants (confidences, weights, values) are %a too.  Rules that
 * test hidden units need the network, so they are refused (NR_EUNSUP).
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
    int oom;
} cgen;

static void indent(cgen *g, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("    ", g->f);
}

static void c_float(cgen *g, float v)
{
    if (isnan(v)) {
        fputs("NAN", g->f);
        g->need_math = 1;
    } else if (isinf(v)) {
        fputs(v < 0 ? "-HUGE_VALF" : "HUGE_VALF", g->f);
        g->need_math = 1;
    } else {
        fprintf(g->f, "%af", (double)v);
    }
}

static void c_double(cgen *g, double v)
{
    if (isnan(v)) {
        fputs("NAN", g->f);
        g->need_math = 1;
    } else if (isinf(v)) {
        fputs(v < 0 ? "-HUGE_VAL" : "HUGE_VAL", g->f);
        g->need_math = 1;
    } else {
        fprintf(g->f, "%a", v);
    }
}

/* A double constant and its decimal in a comment. */
static void c_double_commented(cgen *g, double v)
{
    char num[NR_NUMBUF];
    c_double(g, v);
    fprintf(g->f, " /* %s */", nr_format_double(num, v));
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
    char num[NR_NUMBUF];
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
        fprintf(f, " /* %s */", nr_format_float(num, c->t));
        return;
    case NR_EQ:
    case NR_NE:
        fprintf(f, "x[%d] %s ", c->var.index, c->op == NR_EQ ? "==" : "!=");
        c_float(g, c->t);
        fe = &g->r->features[c->var.index];
        fputs(" /* ", f);
        if (fe->kind == NR_FEAT_NOMINAL && c->t >= 0 && c->t < (float)fe->nvalues &&
            c->t == (float)(int)c->t)
            c_comment(f, fe->values[(int)c->t]);
        else
            fputs(nr_format_float(num, c->t), f);
        fputs(" */", f);
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
    fputs(" */\n", g->f);
}

/* "return k;" or "return value;", with the class name or decimal beside. */
static void c_return_class(cgen *g, int k)
{
    fprintf(g->f, "return %d; /* ", k);
    c_comment(g->f, class_name(g->r, k));
    fputs(" */\n", g->f);
}

static void c_return_value(cgen *g, double v)
{
    fputs("return ", g->f);
    c_double(g, v);
    fputs(";", g->f);
    {
        char num[NR_NUMBUF];
        fprintf(g->f, " /* %s */\n", nr_format_double(num, v));
    }
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
        if (g->r->task == NR_TASK_REGRESS)
            c_return_value(g, n->value);
        else
            c_return_class(g, n->klass);
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
            c_return_value(g, ru->value);
        else
            c_return_class(g, ru->klass);
    }
    if (!always) {
        fputs("    /* no rule fires */\n    ", g->f);
        if (regress(g))
            c_return_value(g, rs->default_value);
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
        if (which != 0) {
            char num[NR_NUMBUF];
            double v = which == 1   ? ru->stats.confidence
                       : which == 2 ? (ru->stats.has ? ru->stats.confidence : 1.0)
                                    : ru->value;
            fprintf(g->f, "%s /* rule %d: %s */", i + 1 < rs->nrules ? "," : "", i + 1,
                    nr_format_double(num, v));
        }
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
            c_return_value(g, rs->default_value);
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
        c_return_value(g, rs->default_value);
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
    c_double_commented(g, l->intercept);
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
        fprintf(f, " * A %s tree: %d leaves, %d tests.\n",
                regress(g) ? "regression" : "decision", nrules, nconds);
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
    fputs(" *\n * Thresholds are hexadecimal float literals with the decimal beside them,\n"
          " * compared in float, so each test is bit for bit the one nn2rules made.\n */\n",
          f);
}

static void header(cgen *g, FILE *f)
{
    const nr_rules *r = g->r;
    banner(g, f, "rules as C (the interface)");
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            g->P, g->P);
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
    } else {
        fprintf(f, "/* The value the rules give the row x. */\ndouble %s_predict_value(", g->p);
        c_param(g, f);
        fputs(");\n\n", f);
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
    for (size_t i = 0; prefix[i]; i++)
        g.P[i] = (char)(prefix[i] >= 'a' && prefix[i] <= 'z' ? prefix[i] - 'a' + 'A' : prefix[i]);

    /* the body first: it tells whether <math.h> is needed */
    if (!(g.f = open_memstream(&body, &blen)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    c_names(&g, "class", "k", r->nclasses, r->classes, NULL, "NCLASSES");
    c_names(&g, "feature", "i", r->nfeatures, NULL, r->features, "NFEATURES");
    switch (r->kind) {
    case NR_BODY_TREE:
        c_body_tree(&g);
        break;
    case NR_BODY_RULESET:
        if (r->rs.kind == NR_ORDERED || r->rs.policy == NR_POLICY_FIRST)
            c_body_list(&g);
        else
            c_body_unordered(&g);
        break;
    case NR_BODY_LINEAR:
        c_body_linear(&g);
        break;
    }
    free(g.split);
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
