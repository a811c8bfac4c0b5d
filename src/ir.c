/*
 * ir.c - the rule IR's arena, header, and evaluation (see ir.h).
 *
 * Evaluation here is the reference semantics of the rule language: the
 * parser, the C back end and `eval` all agree with nr_rules_predict().
 */
#include "ir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

/* ---- arena ------------------------------------------------------------ */

typedef struct block {
    struct block *next;
    size_t used, size;
    max_align_t data[]; /* aligned for any type */
} block;

struct nr_arena {
    block *head;
};

nr_arena *nr_arena_new(void)
{
    return calloc(1, sizeof(nr_arena));
}

void nr_arena_free(nr_arena *a)
{
    if (!a)
        return;
    for (block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void *nr_arena_alloc(nr_arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    block *b = a->head;
    void *p;
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > 65536 ? size : 65536;
        block *nb = malloc(sizeof *nb + bsize);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = bsize;
        /* a large one-off allocation goes behind the current block, so
         * the current block's free space is still used */
        if (b && size > 65536) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void *nr_arena_calloc(nr_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return nr_arena_alloc(a, n * size);
}

char *nr_arena_strdup(nr_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = nr_arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- nr_rules ---------------------------------------------------------- */

nr_rules *nr_rules_new(void)
{
    nr_rules *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (!(r->arena = nr_arena_new())) {
        free(r);
        return NULL;
    }
    r->rs.default_class = 0;
    r->lin.klass = -1;
    return r;
}

void nr_rules_free(nr_rules *r)
{
    if (!r)
        return;
    nr_arena_free(r->arena);
    free(r);
}

int nr_rules_header_from_model(nr_rules *r, const struct nn_model *m, nr_error *err)
{
    size_t nin = nn_model_input_size(m);
    r->task = m->task == NN_TASK_REGRESS ? NR_TASK_REGRESS : NR_TASK_CLASSIFY;
    r->nfeatures = (int)nin;
    r->features = nr_arena_calloc(r->arena, nin, sizeof *r->features);
    if (!r->features)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (size_t i = 0; i < nin; i++) {
        nr_feature *f = &r->features[i];
        char name[32];
        if (m->features) {
            const nn_feature *mf = &m->features[i];
            f->name = nr_arena_strdup(r->arena, mf->name);
            f->kind = (nr_feature_kind)mf->type;
            f->group = mf->group;
            f->has_range = 1;
            f->min = mf->min;
            f->max = mf->max;
        } else {
            snprintf(name, sizeof name, "x%zu", i);
            f->name = nr_arena_strdup(r->arena, name);
            f->kind = NR_FEAT_CONTINUOUS;
            f->group = -1;
        }
        if (!f->name)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    if (r->task == NR_TASK_CLASSIFY) {
        size_t nout = nn_model_output_size(m);
        r->nclasses = (int)nout;
        r->classes = nr_arena_calloc(r->arena, nout, sizeof *r->classes);
        if (!r->classes)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        for (size_t k = 0; k < nout; k++) {
            char name[32];
            if (m->class_names)
                r->classes[k] = nr_arena_strdup(r->arena, m->class_names[k]);
            else {
                snprintf(name, sizeof name, "%zu", k);
                r->classes[k] = nr_arena_strdup(r->arena, name);
            }
            if (!r->classes[k])
                return nr_error_set(err, NR_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int nr_rules_feature_index(const nr_rules *r, const char *name)
{
    for (int i = 0; i < r->nfeatures; i++)
        if (strcmp(r->features[i].name, name) == 0)
            return i;
    return -1;
}

int nr_rules_class_index(const nr_rules *r, const char *name)
{
    for (int i = 0; i < r->nclasses; i++)
        if (strcmp(r->classes[i], name) == 0)
            return i;
    return -1;
}

double nr_stats_laplace(double correct, double cover, int nclasses)
{
    return nclasses > 0 ? (correct + 1) / (cover + nclasses) : 0;
}

/* ---- evaluation -------------------------------------------------------- */

static int var_value(const nr_var *v, const float *x, const nr_hidden *h, float *out)
{
    if (v->kind == NR_VAR_INPUT) {
        *out = x[v->index];
        return 1;
    }
    if (!h || v->layer < 0 || v->layer >= h->nlayers || !h->act[v->layer])
        return 0;
    *out = h->act[v->layer][v->index];
    return 1;
}

int nr_cond_test_value(const nr_cond *c, float v)
{
    switch (c->op) {
    case NR_LE: return v <= c->t;
    case NR_GT: return v > c->t;
    case NR_EQ: return v == c->t;
    case NR_NE: return v != c->t;
    case NR_TRUE: return v > 0.5f;
    case NR_FALSE: return !(v > 0.5f);
    case NR_MOFN: break;
    }
    return 0;
}

int nr_cond_holds(const nr_cond *c, const float *x, const nr_hidden *h)
{
    float v;
    if (c->op == NR_MOFN) {
        int hits = 0;
        for (int i = 0; i < c->n; i++)
            hits += nr_cond_holds(&c->sub[i], x, h);
        return hits >= c->m;
    }
    return var_value(&c->var, x, h, &v) && nr_cond_test_value(c, v);
}

static int rule_fires(const nr_rule *rule, const float *x, const nr_hidden *h)
{
    for (int i = 0; i < rule->nconds; i++)
        if (!nr_cond_holds(&rule->conds[i], x, h))
            return 0;
    return 1;
}

static int predict_ruleset(const nr_rules *r, const float *x, const nr_hidden *h,
                           double *value, int *fired)
{
    const nr_ruleset *rs = &r->rs;
    int best = -1;
    if (rs->kind == NR_ORDERED || rs->policy == NR_POLICY_FIRST) {
        for (int i = 0; i < rs->nrules; i++)
            if (rule_fires(&rs->rules[i], x, h)) {
                best = i;
                break;
            }
    } else if (rs->policy == NR_POLICY_CONFIDENCE) {
        for (int i = 0; i < rs->nrules; i++)
            if (rule_fires(&rs->rules[i], x, h) &&
                (best < 0 || rs->rules[i].stats.confidence > rs->rules[best].stats.confidence))
                best = i;
    } else { /* vote */
        double votes[256], *v = votes;
        int k, any = 0, win = -1;
        if (r->nclasses > 256 && !(v = calloc((size_t)r->nclasses, sizeof *v)))
            return rs->default_class;
        if (v == votes)
            memset(votes, 0, sizeof votes);
        for (int i = 0; i < rs->nrules; i++)
            if (rule_fires(&rs->rules[i], x, h)) {
                k = rs->rules[i].klass;
                if (k >= 0 && k < r->nclasses) {
                    v[k] += rs->rules[i].stats.has ? rs->rules[i].stats.confidence : 1.0;
                    any = 1;
                }
            }
        if (any) {
            win = 0;
            for (k = 1; k < r->nclasses; k++)
                if (v[k] > v[win])
                    win = k;
        }
        if (v != votes)
            free(v);
        if (fired)
            *fired = -1;
        if (value)
            *value = rs->default_value;
        /* report the first fired rule of the winning class as the decider */
        if (win >= 0) {
            for (int i = 0; i < rs->nrules; i++)
                if (rs->rules[i].klass == win && rule_fires(&rs->rules[i], x, h)) {
                    if (fired)
                        *fired = i;
                    break;
                }
            return win;
        }
        return rs->default_class;
    }
    if (fired)
        *fired = best;
    if (best < 0) {
        if (value)
            *value = rs->default_value;
        return rs->default_class;
    }
    if (value)
        *value = rs->rules[best].value;
    return rs->rules[best].klass;
}

int nr_rules_predict(const nr_rules *r, const float *x, const nr_hidden *h,
                     double *value, int *fired)
{
    switch (r->kind) {
    case NR_BODY_TREE: {
        int i = 0;
        if (r->tree.nnodes == 0) {
            if (fired)
                *fired = -1;
            return 0;
        }
        while (!r->tree.nodes[i].leaf)
            i = nr_cond_holds(&r->tree.nodes[i].test, x, h) ? r->tree.nodes[i].yes
                                                            : r->tree.nodes[i].no;
        if (fired)
            *fired = i;
        if (value)
            *value = r->tree.nodes[i].value;
        return r->tree.nodes[i].klass;
    }
    case NR_BODY_RULESET:
        return predict_ruleset(r, x, h, value, fired);
    case NR_BODY_LINEAR: {
        const nr_linear *l = &r->lin;
        double s = l->intercept;
        for (int i = 0; i < l->nterms; i++) {
            const nr_term *t = &l->terms[i];
            float v = 0;
            if (t->indicator)
                s += nr_cond_holds(&t->cond, x, h) ? t->weight : 0.0;
            else if (var_value(&t->var, x, h, &v))
                s += t->weight * (double)v;
        }
        if (value)
            *value = s;
        if (fired)
            *fired = -1;
        /* a surrogate of one class's score: "is that class" when above 0.5 */
        return l->klass >= 0 ? (s > 0.5 ? l->klass : -1) : 0;
    }
    }
    return 0;
}

static int cond_uses_hidden(const nr_cond *c)
{
    if (c->op == NR_MOFN) {
        for (int i = 0; i < c->n; i++)
            if (cond_uses_hidden(&c->sub[i]))
                return 1;
        return 0;
    }
    return c->var.kind == NR_VAR_HIDDEN;
}

int nr_rules_uses_hidden(const nr_rules *r)
{
    switch (r->kind) {
    case NR_BODY_TREE:
        for (int i = 0; i < r->tree.nnodes; i++)
            if (!r->tree.nodes[i].leaf && cond_uses_hidden(&r->tree.nodes[i].test))
                return 1;
        return 0;
    case NR_BODY_RULESET:
        for (int i = 0; i < r->rs.nrules; i++)
            for (int j = 0; j < r->rs.rules[i].nconds; j++)
                if (cond_uses_hidden(&r->rs.rules[i].conds[j]))
                    return 1;
        return 0;
    case NR_BODY_LINEAR:
        for (int i = 0; i < r->lin.nterms; i++) {
            const nr_term *t = &r->lin.terms[i];
            if (t->indicator ? cond_uses_hidden(&t->cond) : t->var.kind == NR_VAR_HIDDEN)
                return 1;
        }
        return 0;
    }
    return 0;
}

int nr_rules_count(const nr_rules *r, int *nconds)
{
    int rules = 0, conds = 0;
    switch (r->kind) {
    case NR_BODY_TREE:
        for (int i = 0; i < r->tree.nnodes; i++) {
            if (r->tree.nodes[i].leaf)
                rules++;
            else
                conds++;
        }
        break;
    case NR_BODY_RULESET:
        rules = r->rs.nrules;
        for (int i = 0; i < r->rs.nrules; i++)
            conds += r->rs.rules[i].nconds;
        break;
    case NR_BODY_LINEAR:
        rules = 1;
        conds = r->lin.nterms;
        break;
    }
    if (nconds)
        *nconds = conds;
    return rules;
}
