/*
 * emit_dot.c - the Graphviz back end: the rule IR as a cgraph graph,
 * written as DOT (nr_emit_dot) or laid out and rendered in-process with gvc
 * to SVG or PNG (nr_render).  Also the readable text of a condition that
 * the C back end puts in its comments (nr_cond_text).
 *
 * Graphs:
 *   - trees: a box per test ("petal_length <= 2.45") with the rows that
 *     reach it and their class mix, edges "yes"/"no", leaves with class
 *     and counts; every node whose class mix is known filled with its
 *     majority class's colour, lighter the less pure it is (as
 *     scikit-learn's export_graphviz(filled=True)); with a depth limit,
 *     each subtree below it one dashed box saying what it holds;
 *   - decision lists (ordered sets, and unordered sets under the "first"
 *     policy): a chain of rule boxes, each with its outcome beside it,
 *     "else" edges down to the default;
 *   - unordered sets (vote, confidence): rule boxes pointing at one node
 *     per class, the default class marked;
 *   - linear models: a node per term, edges into the score coloured by
 *     sign and as thick as the weight.
 * Classifiers get a legend: a row of boxes, one per class in its colour.
 * Node names are n<i> (tree node i), r<i>, o<i> (rule i and its outcome),
 * more (the rules past the limit), c<k> (class k), d (default), t<i> (term
 * i), s (score), legend and legend<k> (the legend's title and class k), so
 * the output depends only on the IR: same IR, same bytes.
 */
#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgraph.h>
#include <gvc.h>

/* ---- condition text ----------------------------------------------------- */

static void var_text(FILE *f, const nr_rules *r, const nr_var *v)
{
    if (v->kind == NR_VAR_HIDDEN)
        fprintf(f, "h%d.%d", v->layer, v->index);
    else
        fputs(r->features[v->index].name, f);
}

static void cond_text(FILE *f, const nr_rules *r, const nr_cond *c)
{
    char num[NR_NUMBUF];
    const nr_feature *fe;
    switch (c->op) {
    case NR_MOFN:
        fprintf(f, "%d of {", c->m);
        for (int i = 0; i < c->n; i++) {
            if (i)
                fputs(", ", f);
            cond_text(f, r, &c->sub[i]);
        }
        putc('}', f);
        return;
    case NR_LE:
    case NR_GT:
        var_text(f, r, &c->var);
        fprintf(f, " %s %s", c->op == NR_LE ? "<=" : ">", nr_format_float(num, c->t));
        return;
    case NR_EQ:
    case NR_NE:
        var_text(f, r, &c->var);
        fputs(c->op == NR_EQ ? " == " : " != ", f);
        fe = c->var.kind == NR_VAR_INPUT ? &r->features[c->var.index] : NULL;
        if (fe && fe->kind == NR_FEAT_NOMINAL && c->t >= 0 && c->t < (float)fe->nvalues &&
            c->t == (float)(int)c->t)
            fputs(fe->values[(int)c->t], f);
        else
            fputs(nr_format_float(num, c->t), f);
        return;
    case NR_TRUE:
        var_text(f, r, &c->var);
        return;
    case NR_FALSE:
        fputs("not ", f);
        var_text(f, r, &c->var);
        return;
    }
}

char *nr_cond_text(const nr_rules *r, const nr_cond *c)
{
    char *buf = NULL;
    size_t len = 0;
    int bad;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    cond_text(f, r, c);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- labels ------------------------------------------------------------ */

/* A label under construction: DOT label text (escString), so a backslash
 * in a name is doubled and "\n" breaks lines.  cgraph quotes the rest. */
typedef struct label {
    FILE *f;
    char *buf;
    size_t len;
    int oom;
} label;

static int lbl_open(label *l)
{
    l->buf = NULL;
    l->len = 0;
    l->oom = 0;
    l->f = open_memstream(&l->buf, &l->len);
    return l->f ? 0 : -1;
}

/* Raw text: backslashes doubled, control characters as spaces, C1 controls
 * and bidirectional overrides as \\u escapes, bytes that are not UTF-8 as
 * U+FFFD (Graphviz reads labels as UTF-8). */
static void lbl_text(label *l, const char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        int n = nr_utf8_seqlen(s);
        if (c >= 0x80) {
            char esc[NR_ESCBUF];
            int len;
            if (n && nr_unsafe_char(s, &len, esc) >= 0x80) {
                /* a C1 control or bidirectional override shown, not obeyed;
                 * its backslash doubled as any other */
                putc('\\', l->f);
                fputs(esc, l->f);
            } else if (n)
                fwrite(s, 1, (size_t)n, l->f);
            else
                fputs("\xEF\xBF\xBD", l->f);
            s += n ? n : 1;
            continue;
        }
        if (c == '\\')
            fputs("\\\\", l->f);
        else if (c < 0x20 || c == 0x7f)
            putc(' ', l->f);
        else
            putc(c, l->f);
        s++;
    }
}

static void lbl_cond(label *l, const nr_rules *r, const nr_cond *c)
{
    char *t = nr_cond_text(r, c);
    if (!t) {
        l->oom = 1;
        return;
    }
    lbl_text(l, t);
    free(t);
}

static void lbl_nl(label *l)
{
    fputs("\\n", l->f);
}

/* Finish: the label's text (malloc'd) or NULL when out of memory. */
static char *lbl_close(label *l)
{
    int bad = ferror(l->f) || l->oom;
    if (fclose(l->f) != 0 || bad) {
        free(l->buf);
        return NULL;
    }
    return l->buf;
}

/* ---- building the graph ------------------------------------------------ */

/* Paul Tol's "light" scheme, distinct for colour-blind readers and light
 * enough for black text, then four more as light; past these twelve,
 * hues generated a golden angle apart.  Grey is for numbers (regression)
 * and notes. */
static const char *const palette[] = {"#77AADD", "#EE8866", "#EEDD88", "#FFAABB",
                                      "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00",
                                      "#CC99CC", "#9999EE", "#FF7777", "#AACC99"};
#define NPALETTE ((int)(sizeof palette / sizeof *palette))
#define GREY "#DDDDDD"
/* Okabe and Ito's blue and vermillion, for positive and negative weights. */
#define POSITIVE "#0072B2"
#define NEGATIVE "#D55E00"

/* The colour of class k as red, green, blue (0 to 255). */
static void class_rgb(int k, int rgb[3])
{
    if (k < NPALETTE) {
        unsigned v = (unsigned)strtoul(palette[k] + 1, NULL, 16);
        rgb[0] = (int)(v >> 16);
        rgb[1] = (int)(v >> 8 & 255);
        rgb[2] = (int)(v & 255);
        return;
    }
    {
        /* HSV with hues 0.618... turns apart, saturation stepping with
         * each turn round the wheel, value high: light and distinct */
        double h = fmod(0.07 + (k - NPALETTE) * 0.6180339887498949, 1.0) * 6;
        double sat = 0.35 + 0.1 * (double)((k - NPALETTE) % 4), v = 0.95;
        double f = h - floor(h), p = v * (1 - sat), q = v * (1 - sat * f),
               t = v * (1 - sat * (1 - f)), c[3];
        switch ((int)h % 6) {
        case 0: c[0] = v; c[1] = t; c[2] = p; break;
        case 1: c[0] = q; c[1] = v; c[2] = p; break;
        case 2: c[0] = p; c[1] = v; c[2] = t; break;
        case 3: c[0] = p; c[1] = q; c[2] = v; break;
        case 4: c[0] = t; c[1] = p; c[2] = v; break;
        default: c[0] = v; c[1] = p; c[2] = q; break;
        }
        for (int i = 0; i < 3; i++)
            rgb[i] = (int)lround(c[i] * 255);
    }
}

/* Class k's colour mixed with white: strength 1 is the colour itself, 0
 * white.  buf holds "#RRGGBB". */
static const char *class_shade(int k, double strength, char buf[8])
{
    int rgb[3];
    if (k < 0) {
        strcpy(buf, GREY);
        return buf;
    }
    class_rgb(k, rgb);
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)lround(255 - strength * (255 - rgb[i]));
    snprintf(buf, 8, "#%02X%02X%02X", (unsigned)rgb[0] & 255, (unsigned)rgb[1] & 255,
             (unsigned)rgb[2] & 255);
    return buf;
}

static const char *class_colour(int k, char buf[8])
{
    return class_shade(k, 1, buf);
}

/* How strongly a node with this class distribution shows its class, as
 * scikit-learn's export_graphviz(filled=True) does: (p1 - p2) / (1 - p2)
 * for the two largest shares p1 and p2, 1 for a pure node, 0 for a tie;
 * never below 0.1, so the majority's hue stays visible.  1 when the
 * distribution is unknown. */
static double purity(const nr_rules *r, const double *dist)
{
    double sum = 0, p1 = 0, p2 = 0, a;
    if (!dist || r->nclasses < 2)
        return 1;
    for (int k = 0; k < r->nclasses; k++) {
        if (!isfinite(dist[k]) || dist[k] < 0)
            return 1;
        sum += dist[k];
    }
    if (!(sum > 0) || !isfinite(sum))
        return 1;
    for (int k = 0; k < r->nclasses; k++) {
        double p = dist[k] / sum;
        if (p > p1) {
            p2 = p1;
            p1 = p;
        } else if (p > p2) {
            p2 = p;
        }
    }
    a = p2 < 1 ? (p1 - p2) / (1 - p2) : 0;
    return a < 0.1 ? 0.1 : a > 1 ? 1 : a;
}

typedef struct builder {
    const nr_rules *r;
    Agraph_t *g;
    int max_depth;     /* trees: deepest node drawn, 0 for all; lists: rules drawn */
    int oom;
} builder;

static void set(builder *b, void *obj, const char *name, const char *value)
{
    if (obj && agsafeset(obj, (char *)name, (char *)value, "") != 0)
        b->oom = 1;
}

/* A node named name with the label in l (consumed). */
static Agnode_t *node(builder *b, Agraph_t *g, const char *name, label *l)
{
    char *text = lbl_close(l);
    Agnode_t *n = NULL;
    if (!text) {
        b->oom = 1;
        return NULL;
    }
    if (!(n = agnode(g, (char *)name, 1)))
        b->oom = 1;
    else
        set(b, n, "label", text);
    free(text);
    return n;
}

static Agedge_t *edge(builder *b, Agnode_t *t, Agnode_t *h, const char *lab)
{
    Agedge_t *e;
    if (!t || !h)
        return NULL;
    if (!(e = agedge(b->g, t, h, NULL, 1))) {
        b->oom = 1;
        return NULL;
    }
    if (lab)
        set(b, e, "label", lab);
    return e;
}

static void fill(builder *b, Agnode_t *n, const char *colour)
{
    set(b, n, "style", "rounded,filled");
    set(b, n, "fillcolor", colour);
}

/* "cover n, correct n"; a regression node's correct only when not 0, as
 * in the text. */
static void lbl_stats(label *l, const nr_rules *r, const nr_stats *s)
{
    char a[NR_NUMBUF], c[NR_NUMBUF];
    if (!s->has)
        return;
    lbl_nl(l);
    fprintf(l->f, "cover %s", nr_format_double(a, s->cover));
    if (r->task != NR_TASK_REGRESS || s->correct != 0 || signbit(s->correct))
        fprintf(l->f, ", correct %s", nr_format_double(c, s->correct));
}

/* A regression outcome: "value x", and "± sd" when the spread is known. */
static void lbl_value(label *l, double value, const nr_stats *s)
{
    char num[NR_NUMBUF];
    fprintf(l->f, "value %s", nr_format_double(num, value));
    if (s && s->has_sd)
        fprintf(l->f, " ± %.3g", s->sd);
}

static void lbl_class(label *l, const nr_rules *r, int k)
{
    lbl_text(l, r->classes[k]);
}

/* A new open label; on failure the builder is out of memory. */
static int lbl_new(builder *b, label *l)
{
    if (lbl_open(l) < 0) {
        b->oom = 1;
        return -1;
    }
    return 0;
}

/* ", dist [a, b, c]" on a new line, when known. */
static void lbl_dist(label *l, const nr_rules *r, const double *dist)
{
    char num[NR_NUMBUF];
    if (!dist || r->task != NR_TASK_CLASSIFY)
        return;
    lbl_nl(l);
    fputs("dist [", l->f);
    for (int k = 0; k < r->nclasses; k++)
        fprintf(l->f, "%s%s", k ? ", " : "", nr_format_double(num, dist[k]));
    putc(']', l->f);
}

/* Fill a classification node with its class's colour, lighter the less
 * pure its distribution. */
static void fill_class(builder *b, Agnode_t *n, const nr_node *nd)
{
    char cb[8];
    fill(b, n, class_shade(nd->klass, purity(b->r, nd->dist), cb));
}

/* The leaves under node i (a stack of depth at most nnodes). */
static int count_leaves(const nr_tree *t, int i, int *stack)
{
    int sp = 0, n = 0;
    stack[sp++] = i;
    while (sp > 0) {
        const nr_node *nd = &t->nodes[stack[--sp]];
        if (nd->leaf) {
            n++;
            continue;
        }
        stack[sp++] = nd->no;
        stack[sp++] = nd->yes;
    }
    return n;
}

static void build_tree(builder *b)
{
    const nr_rules *r = b->r;
    const nr_tree *t = &r->tree;
    Agnode_t **nodes;
    int *stack, *depth, *scratch, sp = 0;
    char name[32], num[NR_NUMBUF];
    label l;

    if (t->nnodes == 0)
        return;
    nodes = calloc((size_t)t->nnodes, sizeof *nodes);
    stack = malloc((size_t)t->nnodes * sizeof *stack);
    depth = malloc((size_t)t->nnodes * sizeof *depth);
    scratch = malloc((size_t)t->nnodes * sizeof *scratch);
    if (!nodes || !stack || !depth || !scratch) {
        b->oom = 1;
        goto done;
    }
    /* preorder, "yes" before "no" */
    depth[0] = 0;
    stack[sp++] = 0;
    while (sp > 0 && !b->oom) {
        int i = stack[--sp];
        const nr_node *n = &t->nodes[i];
        if (lbl_new(b, &l) < 0)
            break;
        snprintf(name, sizeof name, "n%d", i);
        if (!n->leaf && b->max_depth > 0 && depth[i] >= b->max_depth) {
            /* below the depth drawn: one box for the whole subtree */
            int leaves = count_leaves(t, i, scratch);
            fprintf(l.f, "%d leaves below", leaves);
            if (n->stats.has) {
                lbl_nl(&l);
                fprintf(l.f, "%s rows", nr_format_double(num, n->stats.cover));
            }
            lbl_dist(&l, r, n->dist);
            nodes[i] = node(b, b->g, name, &l);
            if (r->task == NR_TASK_CLASSIFY && (n->dist || n->stats.has)) {
                fill_class(b, nodes[i], n);
                set(b, nodes[i], "style", "dashed,filled");
            } else {
                set(b, nodes[i], "style", "dashed");
            }
            continue;
        }
        if (!n->leaf) {
            lbl_cond(&l, r, &n->test);
            lbl_stats(&l, r, &n->stats);
            lbl_dist(&l, r, n->dist);
            nodes[i] = node(b, b->g, name, &l);
            /* inner nodes too are shaded by their majority and purity,
             * when the rows that reach them are known */
            if (r->task == NR_TASK_CLASSIFY && n->dist)
                fill_class(b, nodes[i], n);
            depth[n->yes] = depth[n->no] = depth[i] + 1;
            stack[sp++] = n->no;
            stack[sp++] = n->yes;
            continue;
        }
        if (r->task == NR_TASK_REGRESS) {
            lbl_value(&l, n->value, &n->stats);
            lbl_stats(&l, r, &n->stats);
            nodes[i] = node(b, b->g, name, &l);
            fill(b, nodes[i], GREY);
            continue;
        }
        lbl_class(&l, r, n->klass);
        lbl_stats(&l, r, &n->stats);
        lbl_dist(&l, r, n->dist);
        nodes[i] = node(b, b->g, name, &l);
        fill_class(b, nodes[i], n);
    }
    for (int i = 0; i < t->nnodes && !b->oom; i++)
        if (nodes[i] && !t->nodes[i].leaf && nodes[t->nodes[i].yes]) {
            edge(b, nodes[i], nodes[t->nodes[i].yes], "yes");
            edge(b, nodes[i], nodes[t->nodes[i].no], "no");
        }
done:
    free(nodes);
    free(stack);
    free(depth);
    free(scratch);
}

/* The legend: a row of boxes, one per class in its colour, after the word
 * "classes".  Not a cluster nor an HTML-like table: Graphviz 2.42's dot
 * layout leaks memory for either. */
static void legend(builder *b)
{
    const nr_rules *r = b->r;
    Agraph_t *sg;
    Agnode_t *n;
    char name[32], cb[8];
    label l;

    if (r->task != NR_TASK_CLASSIFY || r->nclasses == 0 || r->kind == NR_BODY_LINEAR)
        return;
    if (!(sg = agsubg(b->g, "legend", 1))) {
        b->oom = 1;
        return;
    }
    set(b, sg, "rank", "same");
    if (lbl_new(b, &l) < 0)
        return;
    fputs("classes:", l.f);
    if ((n = node(b, sg, "legend", &l)))
        set(b, n, "shape", "plaintext");
    for (int k = 0; k < r->nclasses && !b->oom; k++) {
        if (lbl_new(b, &l) < 0)
            return;
        lbl_class(&l, r, k);
        snprintf(name, sizeof name, "legend%d", k);
        if ((n = node(b, sg, name, &l)))
            fill(b, n, class_colour(k, cb));
    }
}

/* "rule i" and its conditions, one per line. */
static void lbl_rule(label *l, const nr_rules *r, int i)
{
    const nr_rule *ru = &r->rs.rules[i];
    fprintf(l->f, "rule %d", i + 1);
    if (ru->nconds == 0) {
        lbl_nl(l);
        fputs("always", l->f);
    }
    for (int j = 0; j < ru->nconds; j++) {
        lbl_nl(l);
        fputs(j ? "and " : "if ", l->f);
        lbl_cond(l, r, &ru->conds[j]);
    }
}

/* The outcome of rule i (or of the default when i < 0): class or value. */
static Agnode_t *outcome(builder *b, Agraph_t *g, const char *name, int i)
{
    const nr_rules *r = b->r;
    const nr_ruleset *rs = &r->rs;
    Agnode_t *n;
    label l;
    int k = i < 0 ? rs->default_class : rs->rules[i].klass;

    if (lbl_new(b, &l) < 0)
        return NULL;
    if (i < 0)
        fputs("default: ", l.f);
    if (r->task == NR_TASK_REGRESS)
        lbl_value(&l, i < 0 ? rs->default_value : rs->rules[i].value,
                  i < 0 ? NULL : &rs->rules[i].stats);
    else
        lbl_class(&l, r, k);
    if (i >= 0) {
        lbl_stats(&l, r, &rs->rules[i].stats);
        if (rs->rules[i].stats.has) {
            lbl_nl(&l);
            fprintf(l.f, "confidence %.3g", rs->rules[i].stats.confidence);
        }
    }
    n = node(b, g, name, &l);
    {
        char cb[8];
        fill(b, n, r->task == NR_TASK_REGRESS ? GREY : class_colour(k, cb));
    }
    return n;
}

static void build_list(builder *b)
{
    const nr_ruleset *rs = &b->r->rs;
    Agnode_t *prev = NULL, *rn, *on;
    char name[32];
    label l;
    int shown = b->max_depth > 0 && b->max_depth < rs->nrules ? b->max_depth : rs->nrules;

    for (int i = 0; i < shown && !b->oom; i++) {
        if (lbl_new(b, &l) < 0)
            return;
        lbl_rule(&l, b->r, i);
        snprintf(name, sizeof name, "r%d", i);
        rn = node(b, b->g, name, &l);
        snprintf(name, sizeof name, "o%d", i);
        on = outcome(b, b->g, name, i);
        /* minlen 0 puts the outcome beside its rule: its only edge is
         * shortest at length 0.  Not a rank=same subgraph per rule:
         * cgraph's writer is quadratic in the number of subgraphs. */
        set(b, edge(b, rn, on, "then"), "minlen", "0");
        if (prev)
            edge(b, prev, rn, "else");
        prev = rn;
    }
    if (shown < rs->nrules && !b->oom && lbl_new(b, &l) == 0) {
        /* past the rules drawn: one box for the rest */
        fprintf(l.f, "%d more rule%s", rs->nrules - shown, rs->nrules - shown == 1 ? "" : "s");
        rn = node(b, b->g, "more", &l);
        set(b, rn, "style", "dashed");
        if (prev)
            edge(b, prev, rn, "else");
        prev = rn;
    }
    on = outcome(b, b->g, "d", -1);
    if (prev)
        edge(b, prev, on, "else");
}

/* Keep rules r0, r1, ... in one column, in their order. */
static void rule_column(builder *b)
{
    const nr_ruleset *rs = &b->r->rs;
    Agraph_t *sg;
    Agnode_t *prev = NULL;
    char name[32];

    if (rs->nrules < 2 || b->oom)
        return;
    if (!(sg = agsubg(b->g, NULL, 1))) {
        b->oom = 1;
        return;
    }
    set(b, sg, "rank", "same");
    for (int i = 0; i < rs->nrules && !b->oom; i++) {
        Agnode_t *n;
        snprintf(name, sizeof name, "r%d", i);
        if (!(n = agnode(b->g, name, 0)) || !agsubnode(sg, n, 1)) {
            b->oom = 1;
            return;
        }
        if (prev)
            set(b, edge(b, prev, n, NULL), "style", "invis");
        prev = n;
    }
}

static void build_unordered(builder *b)
{
    const nr_rules *r = b->r;
    const nr_ruleset *rs = &r->rs;
    Agnode_t **cls = NULL, *rn, *dn;
    char name[32];
    label l;

    set(b, b->g, "rankdir", "LR");
    if (r->task == NR_TASK_REGRESS) {
        /* no classes to gather the rules: each rule with its value */
        for (int i = 0; i < rs->nrules && !b->oom; i++) {
            if (lbl_new(b, &l) < 0)
                return;
            lbl_rule(&l, r, i);
            snprintf(name, sizeof name, "r%d", i);
            rn = node(b, b->g, name, &l);
            snprintf(name, sizeof name, "o%d", i);
            edge(b, rn, outcome(b, b->g, name, i), "then");
        }
        rule_column(b);
        if (lbl_new(b, &l) < 0)
            return;
        fputs("no rule fires", l.f);
        dn = node(b, b->g, "d", &l);
        set(b, dn, "shape", "plaintext");
        set(b, edge(b, dn, outcome(b, b->g, "o", -1), NULL), "style", "dashed");
        return;
    }
    /* rules first (left), then one node per class in use (right) */
    if (!(cls = calloc((size_t)r->nclasses, sizeof *cls))) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < rs->nrules && !b->oom; i++) {
        const nr_rule *ru = &rs->rules[i];
        if (lbl_new(b, &l) < 0)
            break;
        lbl_rule(&l, r, i);
        if (ru->stats.has) {
            char a[NR_NUMBUF], c[NR_NUMBUF];
            lbl_nl(&l);
            fprintf(l.f, "cover %s, correct %s", nr_format_double(a, ru->stats.cover),
                    nr_format_double(c, ru->stats.correct));
            lbl_nl(&l);
            fprintf(l.f, "confidence %.3g", ru->stats.confidence);
        }
        snprintf(name, sizeof name, "r%d", i);
        node(b, b->g, name, &l);
    }
    rule_column(b);
    for (int k = 0; k < r->nclasses && !b->oom; k++) {
        int used = k == rs->default_class;
        for (int i = 0; i < rs->nrules && !used; i++)
            used = rs->rules[i].klass == k;
        if (!used)
            continue;
        if (lbl_new(b, &l) < 0)
            break;
        lbl_class(&l, r, k);
        if (k == rs->default_class) {
            lbl_nl(&l);
            fputs("(default)", l.f);
        }
        snprintf(name, sizeof name, "c%d", k);
        cls[k] = node(b, b->g, name, &l);
        {
            char cb[8];
            fill(b, cls[k], class_colour(k, cb));
        }
    }
    for (int i = 0; i < rs->nrules && !b->oom; i++) {
        snprintf(name, sizeof name, "r%d", i);
        edge(b, agnode(b->g, name, 0), cls[rs->rules[i].klass], NULL);
    }
    if (!b->oom && lbl_new(b, &l) == 0) {
        fputs("no rule fires", l.f);
        dn = node(b, b->g, "d", &l);
        set(b, dn, "shape", "plaintext");
        set(b, edge(b, dn, cls[rs->default_class], NULL), "style", "dashed");
    }
    free(cls);
}

static void build_linear(builder *b)
{
    const nr_rules *r = b->r;
    const nr_linear *lin = &r->lin;
    Agnode_t *s, *tn;
    Agedge_t *e;
    double wmax = 0;
    char name[32], num[NR_NUMBUF];
    label l;

    set(b, b->g, "rankdir", "LR");
    if (lbl_new(b, &l) < 0)
        return;
    if (lin->klass >= 0) {
        fputs("score of ", l.f);
        lbl_class(&l, r, lin->klass);
    } else {
        fputs("predicted value", l.f);
    }
    lbl_nl(&l);
    fprintf(l.f, "intercept %.4g", lin->intercept);
    if (lin->klass >= 0) {
        lbl_nl(&l);
        fputs("(", l.f);
        lbl_class(&l, r, lin->klass);
        fputs(" when above 0.5)", l.f);
    }
    if (lin->has_fit) {
        lbl_nl(&l);
        fprintf(l.f, "R^2 %.3g", lin->r2);
    }
    s = node(b, b->g, "s", &l);
    {
        char cb[8];
        fill(b, s, lin->klass >= 0 ? class_colour(lin->klass, cb) : GREY);
    }

    for (int i = 0; i < lin->nterms; i++)
        if (isfinite(lin->terms[i].weight) && fabs(lin->terms[i].weight) > wmax)
            wmax = fabs(lin->terms[i].weight);
    for (int i = 0; i < lin->nterms && !b->oom; i++) {
        const nr_term *t = &lin->terms[i];
        double w = fabs(t->weight);
        if (lbl_new(b, &l) < 0)
            return;
        fprintf(l.f, "%.4g * ", t->weight);
        if (t->indicator) {
            fputs("[", l.f);
            lbl_cond(&l, r, &t->cond);
            fputs("]", l.f);
        } else if (t->var.kind == NR_VAR_HIDDEN) {
            fprintf(l.f, "h%d.%d", t->var.layer, t->var.index);
        } else {
            lbl_text(&l, r->features[t->var.index].name);
        }
        snprintf(name, sizeof name, "t%d", i);
        tn = node(b, b->g, name, &l);
        e = edge(b, tn, s, NULL);
        set(b, e, "color", t->weight < 0 ? NEGATIVE : POSITIVE);
        snprintf(num, sizeof num, "%.2f",
                 1 + 4 * (wmax > 0 && isfinite(w) ? w / wmax : isfinite(w) ? 0 : 1));
        set(b, e, "penwidth", num);
    }
}

/* The caption: what the graph shows and where it came from. */
static void caption(builder *b)
{
    const nr_rules *r = b->r;
    const nr_provenance *p = &r->prov;
    int nconds, nrules = nr_rules_count(r, &nconds);
    label l;
    char *text;

    if (lbl_new(b, &l) < 0)
        return;
    switch (r->kind) {
    case NR_BODY_TREE:
        fprintf(l.f, "%s tree: %d lea%s, %d test%s", r->task == NR_TASK_REGRESS ? "regression" : "decision",
                nrules, nrules == 1 ? "f" : "ves", nconds, nconds == 1 ? "" : "s");
        break;
    case NR_BODY_RULESET:
        if (r->rs.kind == NR_ORDERED)
            fprintf(l.f, "decision list: %d rules", nrules);
        else
            fprintf(l.f, "unordered rules (%s): %d rules",
                    r->rs.policy == NR_POLICY_VOTE         ? "vote"
                    : r->rs.policy == NR_POLICY_CONFIDENCE ? "highest confidence"
                                                           : "first",
                    nrules);
        break;
    case NR_BODY_LINEAR:
        fprintf(l.f, "linear model: %d terms", r->lin.nterms);
        break;
    }
    if (p->model) {
        lbl_nl(&l);
        fputs("model ", l.f);
        lbl_text(&l, p->model);
    }
    if (p->algorithm) {
        lbl_nl(&l);
        fputs("algorithm ", l.f);
        lbl_text(&l, p->algorithm);
    }
    if (!(text = lbl_close(&l))) {
        b->oom = 1;
        return;
    }
    set(b, b->g, "label", text);
    free(text);
}

static int discard(char *msg)
{
    (void)msg;
    return 0;
}

/* The graph of r (checked), or NULL with err filled. */
static Agraph_t *build(const nr_rules *r, int max_depth, nr_error *err)
{
    builder b = {r, NULL, max_depth, 0};

    if (!(b.g = agopen("rules", Agdirected, NULL))) {
        nr_error_set(err, NR_ENOMEM, "out of memory");
        return NULL;
    }
    /* defaults, declared once so that every node does not repeat them */
    if (!agattr(b.g, AGRAPH, "fontname", "Helvetica") || !agattr(b.g, AGRAPH, "label", "") ||
        !agattr(b.g, AGRAPH, "labelloc", "t") || !agattr(b.g, AGRAPH, "rankdir", "TB") ||
        !agattr(b.g, AGNODE, "fontname", "Helvetica") || !agattr(b.g, AGNODE, "shape", "box") ||
        !agattr(b.g, AGNODE, "style", "rounded") || !agattr(b.g, AGNODE, "fillcolor", "white") ||
        !agattr(b.g, AGNODE, "label", "\\N") || !agattr(b.g, AGEDGE, "fontname", "Helvetica") ||
        !agattr(b.g, AGEDGE, "label", "") || !agattr(b.g, AGEDGE, "color", "black") ||
        !agattr(b.g, AGEDGE, "style", "solid") || !agattr(b.g, AGEDGE, "penwidth", "1"))
        b.oom = 1;
    if (!b.oom)
        caption(&b);
    if (!b.oom) {
        switch (r->kind) {
        case NR_BODY_TREE:
            build_tree(&b);
            break;
        case NR_BODY_RULESET:
            if (r->rs.kind == NR_ORDERED || r->rs.policy == NR_POLICY_FIRST)
                build_list(&b);
            else
                build_unordered(&b);
            break;
        case NR_BODY_LINEAR:
            build_linear(&b);
            break;
        }
    }
    if (!b.oom)
        legend(&b);
    if (b.oom) {
        agclose(b.g);
        nr_error_set(err, NR_ENOMEM, "out of memory while building the graph");
        return NULL;
    }
    return b.g;
}

int nr_emit_dot(const nr_rules *r, char **out, size_t *len, nr_error *err)
{
    return nr_emit_dot_opts(r, NULL, out, len, err);
}

int nr_emit_dot_opts(const nr_rules *r, const nr_draw_opts *o, char **out, size_t *len,
                     nr_error *err)
{
    agusererrf old;
    Agraph_t *g;
    char *buf = NULL;
    size_t n = 0;
    FILE *f;
    int rc, bad;

    *out = NULL;
    *len = 0;
    if ((rc = nr_emit_check(r, err)) < 0)
        return rc;
    old = agseterrf(discard); /* library code does not print */
    g = build(r, o ? o->max_depth : 0, err);
    agseterrf(old);
    if (!g)
        return err ? err->code : NR_ENOMEM;
    if (!(f = open_memstream(&buf, &n))) {
        agclose(g);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    rc = agwrite(g, f);
    agclose(g);
    bad = ferror(f) || rc != 0;
    if (fclose(f) != 0 || bad) {
        free(buf);
        return nr_error_set(err, NR_ENOMEM, "out of memory while writing DOT");
    }
    *out = buf;
    *len = n;
    return 0;
}

/* What nr_render hands to Graphviz, well inside what Graphviz 2.42 can lay
 * out.  It counts a label's lines in a short: a label of 32,768 lines makes
 * it report "out of memory" and then crash.  dot's layout time grows much
 * faster than the graph: a decision list of 1,000 rules (2,001 nodes, 3,000
 * edges) or a tree of 1,024 leaves takes under 2 s, but an unordered set of
 * 2,000 rules (4,000 edges, most into two class nodes) 9 s and one of 5,000
 * rules five minutes; a drawing that size cannot be read anyway.  (A line
 * of 100,000 bytes still draws.)  DOT output has no such limits. */
#define DRAW_MAX_NODES 2500
#define DRAW_MAX_EDGES 4000
#define DRAW_MAX_LINES 1000
#define DRAW_MAX_LABEL 65536 /* bytes */

/* The lines of a DOT label (escString): "\n", "\l" and "\r" end a line. */
static long label_lines(const char *s)
{
    long n = 1;
    for (; *s; s++)
        if (*s == '\\' && s[1]) {
            s++;
            n += *s == 'n' || *s == 'l' || *s == 'r';
        }
    return n;
}

/* NR_ELIMIT when a label of obj is larger than Graphviz is given. */
static int check_label(void *obj, nr_error *err)
{
    const char *s = agget(obj, "label");
    size_t len = s ? strlen(s) : 0;
    long lines = s ? label_lines(s) : 0;
    if (lines > DRAW_MAX_LINES)
        return nr_error_set(err, NR_ELIMIT,
                            "too large to draw: a label of %ld lines (at most %d); "
                            "write DOT (-f dot) or text (-f txt) instead",
                            lines, DRAW_MAX_LINES);
    if (len > DRAW_MAX_LABEL)
        return nr_error_set(err, NR_ELIMIT,
                            "too large to draw: a label of %zu bytes (at most %d); "
                            "write DOT (-f dot) or text (-f txt) instead",
                            len, DRAW_MAX_LABEL);
    return 0;
}

/* 0 when Graphviz can lay g out, else NR_ELIMIT with err filled. */
static int check_drawable(Agraph_t *g, nr_error *err)
{
    int rc;
    if (agnnodes(g) > DRAW_MAX_NODES)
        return nr_error_set(err, NR_ELIMIT,
                            "too large to draw: %d boxes (at most %d); "
                            "write DOT (-f dot) or text (-f txt) instead",
                            agnnodes(g), DRAW_MAX_NODES);
    if (agnedges(g) > DRAW_MAX_EDGES)
        return nr_error_set(err, NR_ELIMIT,
                            "too large to draw: %d arrows (at most %d); "
                            "write DOT (-f dot) or text (-f txt) instead",
                            agnedges(g), DRAW_MAX_EDGES);
    if ((rc = check_label(g, err)) < 0)
        return rc;
    for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
        if ((rc = check_label(n, err)) < 0)
            return rc;
        for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
            if ((rc = check_label(e, err)) < 0)
                return rc;
    }
    return 0;
}

/* The Graphviz context, made on the first render and kept for the life of
 * the process, as dot(1) keeps its own.  Freeing it is not safe: Graphviz
 * (2.43's pango plugin) remembers, in a static, a pointer to a font name
 * the context owns, and reads it on the next layout in any later context,
 * a use-after-free.  Graphviz is not thread-safe either, so neither is
 * nr_render. */
static GVC_t *gv_context(void)
{
    static GVC_t *gvc;
    if (!gvc)
        gvc = gvContext();
    return gvc;
}

int nr_render(const nr_rules *r, const char *format, char **out, size_t *len, nr_error *err)
{
    return nr_render_opts(r, NULL, format, out, len, err);
}

int nr_render_opts(const nr_rules *r, const nr_draw_opts *o, const char *format, char **out,
                   size_t *len, nr_error *err)
{
    agusererrf old;
    Agraph_t *g = NULL;
    GVC_t *gvc = NULL;
    char *data = NULL;
    unsigned int dlen = 0;
    int rc, laid = 0;

    *out = NULL;
    *len = 0;
    if (!format || (strcmp(format, "svg") != 0 && strcmp(format, "png") != 0))
        return nr_error_set(err, NR_EINVAL, "cannot render to \"%s\": svg or png",
                            format ? format : "(null)");
    if ((rc = nr_emit_check(r, err)) < 0)
        return rc;
    old = agseterrf(discard);
    if (!(g = build(r, o ? o->max_depth : 0, err))) {
        rc = err ? err->code : NR_ENOMEM;
        goto done;
    }
    if ((rc = check_drawable(g, err)) < 0)
        goto done;
    /* Cairo draws bitmaps of at most 32767 pixels a side; past that the
     * pango plugin scales the drawing down itself and says so on stderr.
     * A size in inches (at the 96 dpi of PNG) shrinks it first, quietly. */
    if (strcmp(format, "png") == 0 && agsafeset(g, "size", "330,330", "") != 0) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if (!(gvc = gv_context())) {
        rc = nr_error_set(err, NR_ENOMEM, "cannot start Graphviz");
        goto done;
    }
    if (gvLayout(gvc, g, "dot") != 0) {
        rc = nr_error_set(err, NR_EUNSUP, "Graphviz could not lay out the graph");
        goto done;
    }
    laid = 1;
    if (gvRenderData(gvc, g, format, &data, &dlen) != 0 || !data) {
        rc = nr_error_set(err, NR_EUNSUP, "Graphviz cannot render %s here (plugin missing?)",
                          format);
        goto done;
    }
    if (!(*out = malloc(dlen ? dlen : 1))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(*out, data, dlen);
    *len = dlen;
    rc = 0;
done:
    if (data)
        gvFreeRenderData(data);
    if (laid)
        gvFreeLayout(gvc, g);
    if (g)
        agclose(g);
    agseterrf(old);
    return rc;
}
