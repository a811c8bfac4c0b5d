/*
 * cube.c - see cube.h.
 *
 * The cube is a mixed-radix number: one digit per Boolean feature (2
 * values) and one per one-hot group (as many values as members), the first
 * feature's digit lowest.  The exact count splits it into blocks: the low
 * digits vary inside a block (a few thousand points, one network batch),
 * the high ones are fixed per block.  Threads take runs of blocks and count
 * into their own counters, summed in order afterwards, so the counts do not
 * depend on the number of threads.
 *
 * Inside a block, each input's values over 64 consecutive points are one
 * 64-bit mask (a pattern worked out once for the low digits, all ones or
 * all zeros for the high ones).  A condition on a 0/1 input holds where the
 * input is 1 if it holds at 1, where it is 0 if it holds at 0: a mask too;
 * a conjunction is an AND, m-of-n a count over masks, and each policy of a
 * rule set is then applied to the fired-rule masks exactly as
 * nr_rules_predict() applies it (ir.c).  Rules with hidden-unit conditions
 * or linear bodies are decided per point with nr_rules_predict().
 */
#include "cube.h"

#include <cblas.h>
#include <gmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

#define CUBE_BLOCK 4096          /* points a block has at most */
#define CUBE_BLOCK_FLOATS (1 << 20) /* and floats its rows take at most */
#define CUBE_TASKS 256           /* runs of blocks the threads share out */
#define CUBE_MOFN_MAX 64         /* m-of-n with larger m: per point */
#define SAMPLE_BATCH 1024

/* ---- the cube's digits --------------------------------------------------- */

typedef struct digit {
    int radix;
    int first;          /* Boolean: the feature; group: -1 */
    const int *members; /* group: the member features, radix of them */
} digit;

typedef struct cube {
    int nd;
    digit *d;
    int *membuf;
    mpz_t total;
} cube;

static void cube_free(cube *c)
{
    free(c->d);
    free(c->membuf);
    mpz_clear(c->total);
}

/* The digits of m's input cube and its size; the checks every cube
 * evaluation makes first. */
static int cube_open(cube *c, const nr_rules *r, const nn_model *m, nr_error *err)
{
    size_t nin = nn_model_input_size(m);
    int rc, used = 0;
    memset(c, 0, sizeof *c);
    mpz_init_set_ui(c->total, 1);
    if ((rc = nr_rules_check_model(r, m, err)) < 0)
        return rc;
    if (r->task != NR_TASK_CLASSIFY)
        return nr_error_set(err, NR_EUNSUP, "--exhaustive needs a classifier");
    if (!m->features)
        return nr_error_set(err, NR_EINVAL, "--exhaustive needs a model that declares its feature types");
    c->d = calloc(nin, sizeof *c->d);
    c->membuf = malloc(sizeof *c->membuf * nin);
    if (!c->d || !c->membuf)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (size_t f = 0; f < nin; f++) {
        const nn_feature *ft = &m->features[f];
        digit *d = &c->d[c->nd];
        if (ft->type == NN_FEAT_BOOLEAN) {
            d->radix = 2;
            d->first = (int)f;
            c->nd++;
            mpz_mul_ui(c->total, c->total, 2);
        } else if (ft->type == NN_FEAT_ONEHOT) {
            int seen = 0;
            for (size_t g = 0; g < f; g++)
                seen |= m->features[g].type == NN_FEAT_ONEHOT && m->features[g].group == ft->group;
            if (seen)
                continue;
            d->members = c->membuf + used;
            d->first = -1;
            for (size_t g = f; g < nin; g++)
                if (m->features[g].type == NN_FEAT_ONEHOT && m->features[g].group == ft->group)
                    c->membuf[used++] = (int)g, d->radix++;
            mpz_mul_ui(c->total, c->total, (unsigned long)d->radix);
            c->nd++;
        } else {
            return nr_error_set(err, NR_EINVAL,
                                "--exhaustive needs Boolean or one-hot inputs; feature '%s' is not",
                                ft->name);
        }
    }
    return 0;
}

/* Set digit j of the row x (nin floats, the digit's features 0 before) to v. */
static void put_digit(const digit *d, float *x, int v)
{
    if (d->first >= 0)
        x[d->first] = (float)v;
    else
        x[d->members[v]] = 1;
}

/* ---- the rules as bit masks ---------------------------------------------- */

typedef struct bcond bcond;
struct bcond {
    int mofn;
    int f;              /* input feature */
    int at0, at1;       /* whether the condition holds when it is 0, 1 */
    int m, n;           /* m-of-n: at least m of the n in sub */
    bcond *sub;
};

typedef struct brule {
    int nconds;
    bcond *conds;
    int klass;
    double confidence;  /* what the confidence policy compares */
    double vote;        /* what the vote policy adds */
    int index;          /* in the rule set */
} brule;

typedef struct bnode {
    int leaf, yes, no, klass;
    bcond test;
} bnode;

enum { POL_FIRST, POL_CONFIDENCE, POL_VOTE };

typedef struct bprog {
    nr_arena *arena;
    int tree;           /* 1: a tree, 0: a rule set */
    int nnodes;
    bnode *nodes;
    int policy, nrules, default_class;
    brule *rules;
} bprog;

/* 1: compiled, 0: a condition masks cannot decide, < 0: out of memory. */
static int compile_cond(nr_arena *a, const nr_cond *c, int nin, bcond *b)
{
    if (c->op == NR_MOFN) {
        b->mofn = 1;
        b->m = c->m;
        b->n = c->n;
        if (c->n < 0 || (c->m > 0 && c->m <= c->n && c->m > CUBE_MOFN_MAX))
            return 0;
        if (c->n > 0 && !(b->sub = nr_arena_calloc(a, (size_t)c->n, sizeof *b->sub)))
            return NR_ENOMEM;
        for (int i = 0; i < c->n; i++) {
            int rc = compile_cond(a, &c->sub[i], nin, &b->sub[i]);
            if (rc <= 0)
                return rc;
        }
        return 1;
    }
    if (c->var.kind != NR_VAR_INPUT || c->var.index < 0 || c->var.index >= nin)
        return 0;
    b->f = c->var.index;
    /* the inputs are exactly 0 or 1: what the test says there is all it says */
    b->at0 = nr_cond_test_value(c, 0.0f);
    b->at1 = nr_cond_test_value(c, 1.0f);
    return 1;
}

static void bprog_free(bprog *p)
{
    if (p)
        nr_arena_free(p->arena);
    free(p);
}

/* Highest confidence first, then the earlier rule. */
static int by_confidence(const void *a, const void *b)
{
    const brule *x = a, *y = b;
    if (x->confidence != y->confidence)
        return x->confidence > y->confidence ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The rules as a bit-mask program; *out NULL when they need deciding per
 * point. */
static int bprog_compile(const nr_rules *r, int nin, bprog **out)
{
    bprog *p = calloc(1, sizeof *p);
    int rc = 1;
    *out = NULL;
    if (r->kind == NR_BODY_LINEAR) {
        free(p);
        return 0;
    }
    if (!p || !(p->arena = nr_arena_new())) {
        free(p);
        return NR_ENOMEM;
    }
    if (r->kind == NR_BODY_TREE) {
        int *parents = calloc((size_t)r->tree.nnodes + 1, sizeof *parents);
        p->tree = 1;
        p->nnodes = r->tree.nnodes;
        if (!parents || !(p->nodes = nr_arena_calloc(p->arena, (size_t)p->nnodes + 1, sizeof *p->nodes))) {
            free(parents);
            bprog_free(p);
            return NR_ENOMEM;
        }
        for (int i = 0; i < p->nnodes && rc > 0; i++) {
            const nr_node *n = &r->tree.nodes[i];
            bnode *b = &p->nodes[i];
            b->leaf = n->leaf;
            b->klass = n->klass;
            if (n->leaf)
                continue;
            b->yes = n->yes;
            b->no = n->no;
            /* a proper tree (each node reached one way) keeps the walk's
             * stack within nnodes */
            if (n->yes <= 0 || n->yes >= p->nnodes || n->no <= 0 || n->no >= p->nnodes ||
                n->yes == n->no || parents[n->yes]++ || parents[n->no]++)
                rc = 0;
            else
                rc = compile_cond(p->arena, &n->test, nin, &b->test);
        }
        free(parents);
    } else {
        const nr_ruleset *rs = &r->rs;
        p->policy = rs->kind == NR_ORDERED || rs->policy == NR_POLICY_FIRST ? POL_FIRST
                    : rs->policy == NR_POLICY_CONFIDENCE                  ? POL_CONFIDENCE
                                                                          : POL_VOTE;
        p->nrules = rs->nrules;
        p->default_class = rs->default_class;
        if (!(p->rules = nr_arena_calloc(p->arena, (size_t)p->nrules + 1, sizeof *p->rules))) {
            bprog_free(p);
            return NR_ENOMEM;
        }
        for (int i = 0; i < p->nrules && rc > 0; i++) {
            const nr_rule *ru = &rs->rules[i];
            brule *b = &p->rules[i];
            b->nconds = ru->nconds;
            b->klass = ru->klass;
            b->index = i;
            b->confidence = ru->stats.confidence;
            b->vote = ru->stats.has ? ru->stats.confidence : 1.0;
            if (ru->nconds > 0 &&
                !(b->conds = nr_arena_calloc(p->arena, (size_t)ru->nconds, sizeof *b->conds)))
                rc = NR_ENOMEM;
            for (int j = 0; j < ru->nconds && rc > 0; j++)
                rc = compile_cond(p->arena, &ru->conds[j], nin, &b->conds[j]);
        }
    }
    if (rc <= 0) {
        bprog_free(p);
        return rc;
    }
    /* The most confident fired rule, ties to the earlier one, is the first
     * to fire in that order: no per-point comparisons.  Not with a NaN
     * confidence, which the per-point scan treats in its own way. */
    if (!p->tree && p->policy == POL_CONFIDENCE) {
        int nan = 0;
        for (int i = 0; i < p->nrules; i++)
            nan |= isnan(p->rules[i].confidence);
        if (!nan) {
            qsort(p->rules, (size_t)p->nrules, sizeof *p->rules, by_confidence);
            p->policy = POL_FIRST;
        }
    }
    *out = p;
    return 0;
}

int nr_cube_by_masks(const nr_rules *r, const nn_model *m)
{
    bprog *p;
    int yes = bprog_compile(r, (int)nn_model_input_size(m), &p) == 0 && p;
    bprog_free(p);
    return yes;
}

/* Where condition c holds among 64 points, fm[f] being input f's mask. */
static uint64_t cond_mask(const bcond *c, const uint64_t *fm)
{
    uint64_t ge[CUBE_MOFN_MAX + 1];
    if (!c->mofn)
        return (c->at1 ? fm[c->f] : 0) | (c->at0 ? ~fm[c->f] : 0);
    if (c->m <= 0)
        return ~(uint64_t)0;
    if (c->m > c->n)
        return 0;
    /* ge[j]: where at least j of the sub-conditions so far hold */
    ge[0] = ~(uint64_t)0;
    for (int j = 1; j <= c->m; j++)
        ge[j] = 0;
    for (int i = 0; i < c->n; i++) {
        uint64_t s = cond_mask(&c->sub[i], fm);
        for (int j = c->m; j >= 1; j--)
            ge[j] |= ge[j - 1] & s;
    }
    return ge[c->m];
}

/* Where the rule fires among the points of `among`. */
static uint64_t rule_mask(const brule *b, const uint64_t *fm, uint64_t among)
{
    for (int j = 0; j < b->nconds && among; j++)
        among &= cond_mask(&b->conds[j], fm);
    return among;
}

/* Per-thread buffers of the mask evaluation. */
typedef struct bscratch {
    uint64_t *got;      /* nclasses: where the rules decide the class */
    uint64_t covered;   /* where a rule (not the default) decided */
    int best[64];
    uint64_t *byclass;  /* nclasses: where a rule of the class fired */
    double *votes;      /* 64 * nclasses */
    int *stack;         /* tree walk: node */
    uint64_t *stmask;   /* and the points that reach it */
} bscratch;

#define FOR_BITS(j, mask) \
    for (uint64_t bits_ = (mask); bits_; bits_ &= bits_ - 1) \
        for (int j = __builtin_ctzll(bits_), once_ = 1; once_; once_ = 0)

/* A class outside 0..nclasses-1 (none) never agrees with the network and
 * has no column in the confusion matrix: it needs no mask. */
static void decides(bscratch *s, int nclasses, int klass, uint64_t where)
{
    if (klass >= 0 && klass < nclasses)
        s->got[klass] |= where;
}

/* Where the rules decide each class, and where a rule rather than the
 * default decides, on the points of `valid` (fm: input masks). */
static void bprog_decide(const bprog *p, int nclasses, const uint64_t *fm, uint64_t valid,
                         bscratch *s)
{
    memset(s->got, 0, sizeof *s->got * (size_t)nclasses);
    s->covered = 0;
    if (p->tree) {
        int sp = 0;
        if (p->nnodes == 0) {
            decides(s, nclasses, 0, valid);
            return;
        }
        s->stack[sp] = 0;
        s->stmask[sp++] = valid;
        while (sp > 0) {
            const bnode *n = &p->nodes[s->stack[--sp]];
            uint64_t reach = s->stmask[sp], t;
            if (n->leaf) {
                decides(s, nclasses, n->klass, reach);
                s->covered |= reach;
                continue;
            }
            t = cond_mask(&n->test, fm);
            if (reach & t) {
                s->stack[sp] = n->yes;
                s->stmask[sp++] = reach & t;
            }
            if (reach & ~t) {
                s->stack[sp] = n->no;
                s->stmask[sp++] = reach & ~t;
            }
        }
        return;
    }
    switch (p->policy) {
    case POL_FIRST: {
        uint64_t open = valid;
        for (int i = 0; i < p->nrules && open; i++) {
            uint64_t f = rule_mask(&p->rules[i], fm, open);
            decides(s, nclasses, p->rules[i].klass, f);
            open &= ~f;
        }
        s->covered = valid & ~open;
        break;
    }
    case POL_CONFIDENCE:
        for (int j = 0; j < 64; j++)
            s->best[j] = -1;
        for (int i = 0; i < p->nrules; i++) {
            uint64_t f = rule_mask(&p->rules[i], fm, valid);
            FOR_BITS(j, f) {
                if (s->best[j] < 0 || p->rules[i].confidence > p->rules[s->best[j]].confidence)
                    s->best[j] = i;
            }
            s->covered |= f;
        }
        FOR_BITS(j, s->covered) decides(s, nclasses, p->rules[s->best[j]].klass, (uint64_t)1 << j);
        break;
    default: { /* vote: the same sums in the same order as per point */
        uint64_t any = 0;
        memset(s->votes, 0, sizeof *s->votes * 64 * (size_t)nclasses);
        memset(s->byclass, 0, sizeof *s->byclass * (size_t)nclasses);
        for (int i = 0; i < p->nrules; i++) {
            const brule *b = &p->rules[i];
            uint64_t f;
            if (b->klass < 0 || b->klass >= nclasses)
                continue;
            f = rule_mask(b, fm, valid);
            FOR_BITS(j, f) s->votes[(size_t)j * (size_t)nclasses + (size_t)b->klass] += b->vote;
            s->byclass[b->klass] |= f;
            any |= f;
        }
        FOR_BITS(j, any) {
            const double *v = s->votes + (size_t)j * (size_t)nclasses;
            int win = 0;
            for (int k = 1; k < nclasses; k++)
                if (v[k] > v[win])
                    win = k;
            s->got[win] |= (uint64_t)1 << j;
            /* the decider is a fired rule of the winning class, if any */
            s->covered |= s->byclass[win] & ((uint64_t)1 << j);
        }
        /* where no rule took part, the default */
        decides(s, nclasses, p->default_class, valid & ~any);
        return;
    }
    }
    decides(s, nclasses, p->default_class, valid & ~s->covered);
}

/* ---- exact counts --------------------------------------------------------- */

typedef struct plan {
    const nr_rules *r;
    const nn_model *m;
    size_t nin, nout;
    int k;                  /* classes */
    const cube *c;
    int nlow;               /* digits 0..nlow-1 vary inside a block */
    int P, W;               /* points of a block, and 64-point words */
    int batch;              /* points a forward takes */
    uint64_t nblocks, per_task;
    int ntasks;
    float *xlow;            /* P rows: the low digits set, the high ones 0 */
    uint64_t *lowmask;      /* [f * W + w]: input f over the points of word w */
    unsigned char *islow;   /* per input: set by a low digit */
    const bprog *prog;      /* NULL: per point */
    int need_hidden;
    unsigned long long *counts; /* per task: agree, covered, confusion */
    double npoints;
    nr_progress *progress;
} plan;

typedef struct task_buf {
    nn_workspace *ws;
    float *x, *out;
    int *net, *prev;          /* per point: the network's class */
    uint64_t *netmask;        /* [w * k + c]: where in word w the network says c */
    const float **act;
    uint64_t *fm;
    bscratch s;
} task_buf;

static void task_buf_free(task_buf *b)
{
    nn_workspace_free(b->ws);
    free(b->x);
    free(b->out);
    free(b->net);
    free(b->netmask);
    free(b->s.got);
    free(b->prev);
    free(b->act);
    free(b->fm);
    free(b->s.byclass);
    free(b->s.votes);
    free(b->s.stack);
    free(b->s.stmask);
}

static int task_buf_new(const plan *p, task_buf *b)
{
    const size_t k = (size_t)p->k;
    const size_t nn = p->prog ? (size_t)p->prog->nnodes + 1 : 1;
    memset(b, 0, sizeof *b);
    b->ws = nn_workspace_new(p->m, p->batch);
    b->x = malloc(sizeof *b->x * (p->nin * (size_t)p->P + 1));
    b->out = malloc(sizeof *b->out * p->nout * (size_t)p->batch);
    b->net = malloc(sizeof *b->net * (size_t)p->P);
    b->netmask = malloc(sizeof *b->netmask * (size_t)p->W * k);
    b->prev = malloc(sizeof *b->prev * (size_t)(p->c->nd + 1));
    b->act = calloc((size_t)p->m->nlayers + 1, sizeof *b->act);
    b->fm = malloc(sizeof *b->fm * (p->nin + 1));
    b->s.got = malloc(sizeof *b->s.got * k);
    b->s.byclass = malloc(sizeof *b->s.byclass * k);
    b->s.votes = malloc(sizeof *b->s.votes * 64 * k);
    b->s.stack = malloc(sizeof *b->s.stack * nn);
    b->s.stmask = malloc(sizeof *b->s.stmask * nn);
    if (!b->ws || !b->x || !b->out || !b->net || !b->netmask || !b->prev || !b->act || !b->fm ||
        !b->s.got || !b->s.byclass || !b->s.votes || !b->s.stack || !b->s.stmask)
        return NR_ENOMEM;
    memcpy(b->x, p->xlow, sizeof *b->x * p->nin * (size_t)p->P);
    return 0;
}

static void count_point(unsigned long long *cnt, int k, int net, int got, int fired)
{
    cnt[0] += got == net;
    cnt[1] += fired;
    if (got >= 0 && got < k && net < k)
        cnt[2 + (size_t)net * (size_t)k + (size_t)got]++;
}

/* Set the high digits of every row of the block to those of block h,
 * rewriting only the columns that changed since the last block.  The
 * blocks go in reflected Gray order (a digit counts down when the digits
 * above it are odd), so from one block to the next one digit changes. */
static void set_block(const plan *p, task_buf *b, uint64_t h)
{
    const cube *c = p->c;
    for (int j = p->nlow; j < c->nd; j++) {
        const digit *d = &c->d[j];
        int v = (int)(h % (uint64_t)d->radix);
        h /= (uint64_t)d->radix;
        if (h & 1)
            v = d->radix - 1 - v;
        if (v == b->prev[j])
            continue;
        for (int i = 0; i < p->P; i++) {
            float *row = b->x + (size_t)i * p->nin;
            if (d->first >= 0) {
                row[d->first] = (float)v;
            } else {
                if (b->prev[j] >= 0)
                    row[d->members[b->prev[j]]] = 0;
                row[d->members[v]] = 1;
            }
        }
        b->prev[j] = v;
    }
}

static int run_task(void *ctx, int t, nr_error *err)
{
    const plan *p = ctx;
    const int k = p->k;
    unsigned long long *cnt = p->counts + (size_t)t * (2 + (size_t)k * (size_t)k);
    uint64_t h0 = (uint64_t)t * p->per_task, h1 = h0 + p->per_task;
    task_buf b;
    nr_hidden hid;
    nn_error nerr;
    int rc;

    if (h1 > p->nblocks)
        h1 = p->nblocks;
    if ((rc = task_buf_new(p, &b)) < 0) {
        task_buf_free(&b);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int j = 0; j < p->c->nd; j++)
        b.prev[j] = -1;
    hid.nlayers = p->m->nlayers;
    hid.act = b.act;
    for (uint64_t h = h0; h < h1; h++) {
        set_block(p, &b, h);
        if (p->prog)
            memset(b.netmask, 0, sizeof *b.netmask * (size_t)p->W * (size_t)k);
        for (int b0 = 0; b0 < p->P; b0 += p->batch) {
            int n = p->P - b0 < p->batch ? p->P - b0 : p->batch;
            const float *x = b.x + (size_t)b0 * p->nin;
            memset(&nerr, 0, sizeof nerr);
            if (nn_forward(p->m, b.ws, x, n, b.out, &nerr) < 0) {
                task_buf_free(&b);
                return nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            }
            if (p->prog) {
                for (int i = 0; i < n; i++) {
                    int c = nn_argmax(b.out + (size_t)i * p->nout, p->nout), at = b0 + i;
                    if (c < k)
                        b.netmask[(size_t)(at / 64) * (size_t)k + (size_t)c] |= (uint64_t)1 << (at % 64);
                }
                continue;
            }
            for (int i = 0; i < n; i++)
                b.net[b0 + i] = nn_argmax(b.out + (size_t)i * p->nout, p->nout);
            for (int i = 0; i < n; i++) {
                int fired, got;
                if (p->need_hidden)
                    for (int l = 0; l < p->m->nlayers; l++)
                        b.act[l] = nn_activation(b.ws, l) + (size_t)i * nn_layer_size(p->m, l);
                got = nr_rules_predict(p->r, x + (size_t)i * p->nin, p->need_hidden ? &hid : NULL,
                                       NULL, &fired);
                count_point(cnt, k, b.net[b0 + i], got, fired >= 0);
            }
        }
        if (!p->prog)
            continue;
        for (size_t f = 0; f < p->nin; f++)
            if (!p->islow[f])
                b.fm[f] = b.x[f] > 0.5f ? ~(uint64_t)0 : 0;
        for (int w = 0; w < p->W; w++) {
            int nvalid = p->P - w * 64 < 64 ? p->P - w * 64 : 64;
            uint64_t valid = nvalid == 64 ? ~(uint64_t)0 : ((uint64_t)1 << nvalid) - 1;
            const uint64_t *net = b.netmask + (size_t)w * (size_t)k;
            for (size_t f = 0; f < p->nin; f++)
                if (p->islow[f])
                    b.fm[f] = p->lowmask[f * (size_t)p->W + (size_t)w];
            bprog_decide(p->prog, k, b.fm, valid, &b.s);
            /* the counts from the masks: mostly a class or two per word */
            cnt[1] += (unsigned long long)__builtin_popcountll(b.s.covered);
            for (int g = 0; g < k; g++) {
                if (!b.s.got[g])
                    continue;
                for (int c = 0; c < k; c++) {
                    unsigned long long both;
                    if (!(net[c] & b.s.got[g]))
                        continue;
                    both = (unsigned long long)__builtin_popcountll(net[c] & b.s.got[g]);
                    cnt[0] += c == g ? both : 0;
                    cnt[2 + (size_t)c * (size_t)k + (size_t)g] += both;
                }
            }
        }
    }
    task_buf_free(&b);
    return 0;
}

static void tasks_done(void *ctx, int ndone)
{
    const plan *p = ctx;
    nr_progress_update(p->progress, p->npoints * ndone / p->ntasks);
}

/* agree / total to 6 places, exactly rounded:
 * floor((agree * 10^6 * 2 + total) / (2 total)) */
static char *six_places(const mpz_t agree, const mpz_t total)
{
    mpz_t q, d;
    char *s, *out;
    size_t len;
    mpz_inits(q, d, NULL);
    mpz_mul_ui(q, agree, 2000000);
    mpz_add(q, q, total);
    mpz_mul_ui(d, total, 2);
    mpz_fdiv_q(q, q, d);
    s = mpz_get_str(NULL, 10, q);
    mpz_clears(q, d, NULL);
    if (!s)
        return NULL;
    len = strlen(s);
    if ((out = malloc(len + 10))) {
        if (len <= 6)
            sprintf(out, "0.%06d", atoi(s));
        else
            sprintf(out, "%.*s.%s", (int)(len - 6), s, s + len - 6);
    }
    free(s);
    return out;
}

int nr_evaluate_cube(const nr_rules *r, const nn_model *m, int max_bits, nr_cube_mode mode,
                     nr_exhaustive_result *res, nr_progress *prog, nr_error *err)
{
    const size_t nin = nn_model_input_size(m);
    const int k = r->nclasses > 0 ? r->nclasses : 1;
    cube c;
    plan p;
    bprog *bp = NULL;
    mpz_t limit, agree, covered, *conf = NULL;
    uint64_t npoints;
    int rc, started = 0, blas_threads;

    memset(res, 0, sizeof *res);
    memset(&p, 0, sizeof p);
    mpz_inits(limit, agree, covered, NULL);
    if ((rc = cube_open(&c, r, m, err)) < 0)
        goto done;
    if (!(res->total = mpz_get_str(NULL, 10, c.total))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    mpz_set_ui(limit, 1);
    mpz_mul_2exp(limit, limit, (mp_bitcnt_t)max_bits);
    if (mpz_cmp(c.total, limit) > 0) {
        rc = nr_error_set(err, NR_ELIMIT, "the input cube has %s points, more than 2^%d to enumerate",
                          res->total, max_bits);
        goto done;
    }
    npoints = (uint64_t)mpz_get_ui(c.total);
    if (mode == NR_CUBE_FAST && (rc = bprog_compile(r, (int)nin, &bp)) < 0) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }

    /* the block: low digits while the points and their rows fit */
    p.r = r;
    p.m = m;
    p.nin = nin;
    p.nout = nn_model_output_size(m);
    p.k = k;
    p.c = &c;
    p.P = 1;
    while (p.nlow < c.nd && (uint64_t)p.P * (uint64_t)c.d[p.nlow].radix <= CUBE_BLOCK &&
           (uint64_t)p.P * (uint64_t)c.d[p.nlow].radix * nin <= CUBE_BLOCK_FLOATS)
        p.P *= c.d[p.nlow++].radix;
    p.W = (p.P + 63) / 64;
    /* every thread has a workspace: together they keep to the budget */
    p.batch = nn_batch_within(m, p.P, NN_WORKSPACE_BUDGET / (size_t)nr_threads());
    p.nblocks = npoints / (uint64_t)p.P;
    p.ntasks = p.nblocks < CUBE_TASKS ? (int)p.nblocks : CUBE_TASKS;
    p.per_task = (p.nblocks + (uint64_t)p.ntasks - 1) / (uint64_t)p.ntasks;
    p.ntasks = (int)((p.nblocks + p.per_task - 1) / p.per_task);
    p.prog = bp;
    p.need_hidden = nr_rules_uses_hidden(r);
    p.npoints = (double)npoints;
    p.progress = prog;
    p.xlow = calloc(nin * (size_t)p.P + 1, sizeof *p.xlow);
    p.lowmask = calloc(nin * (size_t)p.W + 1, sizeof *p.lowmask);
    p.islow = calloc(nin + 1, 1);
    p.counts = calloc((size_t)p.ntasks * (2 + (size_t)k * (size_t)k), sizeof *p.counts);
    conf = malloc(sizeof *conf * (size_t)k * (size_t)k);
    if (!p.xlow || !p.lowmask || !p.islow || !p.counts || !conf) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < p.P; i++) {
        float *row = p.xlow + (size_t)i * nin;
        int v = i;
        for (int j = 0; j < p.nlow; j++) {
            put_digit(&c.d[j], row, v % c.d[j].radix);
            v /= c.d[j].radix;
        }
        for (size_t f = 0; f < nin; f++)
            if (row[f] > 0.5f)
                p.lowmask[f * (size_t)p.W + (size_t)(i / 64)] |= (uint64_t)1 << (i % 64);
    }
    for (int j = 0; j < p.nlow; j++) {
        if (c.d[j].first >= 0)
            p.islow[c.d[j].first] = 1;
        else
            for (int g = 0; g < c.d[j].radix; g++)
                p.islow[c.d[j].members[g]] = 1;
    }
    for (int i = 0; i < k * k; i++)
        mpz_init(conf[i]);
    started = 1;

    nr_progress_start(prog, "evaluating the input cube", (double)npoints);
    /* one BLAS thread per thread of ours: OpenBLAS's own threads only
     * fight ours (and each other) over GEMMs this small */
    blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    rc = nr_parallel_for(p.ntasks, run_task, &p, tasks_done, err);
    openblas_set_num_threads(blas_threads);
    nr_progress_end(prog);
    if (rc < 0)
        goto done;
    for (int t = 0; t < p.ntasks; t++) {
        const unsigned long long *cnt = p.counts + (size_t)t * (2 + (size_t)k * (size_t)k);
        mpz_add_ui(agree, agree, (unsigned long)cnt[0]);
        mpz_add_ui(covered, covered, (unsigned long)cnt[1]);
        for (int i = 0; i < k * k; i++)
            mpz_add_ui(conf[i], conf[i], (unsigned long)cnt[2 + i]);
    }
    res->agree = mpz_get_str(NULL, 10, agree);
    res->covered = mpz_get_str(NULL, 10, covered);
    res->fidelity = six_places(agree, c.total);
    res->nclasses = k;
    res->confusion = calloc((size_t)k * (size_t)k, sizeof *res->confusion);
    if (!res->agree || !res->covered || !res->fidelity || !res->confusion) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < k * k; i++)
        if (!(res->confusion[i] = mpz_get_str(NULL, 10, conf[i]))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
done:
    if (started)
        for (int i = 0; i < k * k; i++)
            mpz_clear(conf[i]);
    free(conf);
    free(p.xlow);
    free(p.lowmask);
    free(p.islow);
    free(p.counts);
    bprog_free(bp);
    cube_free(&c);
    mpz_clears(limit, agree, covered, NULL);
    if (rc < 0)
        nr_exhaustive_result_free(res);
    return rc;
}

/* ---- the estimate ---------------------------------------------------------- */

void nr_wilson95(long k, long n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    double ph, den, mid, half;
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    ph = (double)k / (double)n;
    den = 1 + z * z / (double)n;
    mid = (ph + z * z / (2.0 * (double)n)) / den;
    half = z * sqrt(ph * (1 - ph) / (double)n + z * z / (4.0 * (double)n * (double)n)) / den;
    *lo = mid - half < 0 ? 0 : mid - half;
    *hi = mid + half > 1 ? 1 : mid + half;
}

void nr_cube_estimate_free(nr_cube_estimate *res)
{
    free(res->total);
    free(res->confusion);
    memset(res, 0, sizeof *res);
}

int nr_estimate_cube(const nr_rules *r, const nn_model *m, long samples, uint64_t seed,
                     nr_cube_estimate *res, nr_progress *prog, nr_error *err)
{
    const size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    const int k = r->nclasses > 0 ? r->nclasses : 1, need_hidden = nr_rules_uses_hidden(r);
    cube c;
    nr_rng rng;
    nn_workspace *ws = NULL;
    float *x = NULL, *out = NULL;
    const float **act = NULL;
    nr_hidden hid;
    int rc, batch = 1;

    memset(res, 0, sizeof *res);
    if ((rc = cube_open(&c, r, m, err)) < 0)
        goto done;
    batch = nn_batch_within(m, SAMPLE_BATCH, NN_WORKSPACE_BUDGET);
    res->total = mpz_get_str(NULL, 10, c.total);
    res->confusion = calloc((size_t)k * (size_t)k, sizeof *res->confusion);
    ws = nn_workspace_new(m, batch);
    x = malloc(sizeof *x * nin * (size_t)batch);
    out = malloc(sizeof *out * nout * (size_t)batch);
    act = calloc((size_t)m->nlayers + 1, sizeof *act);
    if (!res->total || !res->confusion || !ws || !x || !out || !act) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    res->nclasses = k;
    hid.nlayers = m->nlayers;
    hid.act = act;
    nr_rng_seed(&rng, seed);
    nr_progress_start(prog, "sampling the input cube", (double)samples);
    for (long s0 = 0; s0 < samples; s0 += batch) {
        int n = samples - s0 < batch ? (int)(samples - s0) : batch;
        nn_error nerr;
        nr_progress_update(prog, (double)s0);
        memset(x, 0, sizeof *x * nin * (size_t)n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < c.nd; j++)
                put_digit(&c.d[j], x + (size_t)i * nin, (int)nr_rng_below(&rng, (uint64_t)c.d[j].radix));
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x, n, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            break;
        }
        for (int i = 0; i < n; i++) {
            int fired, got, net = nn_argmax(out + (size_t)i * nout, nout);
            if (need_hidden)
                for (int l = 0; l < m->nlayers; l++)
                    act[l] = nn_activation(ws, l) + (size_t)i * nn_layer_size(m, l);
            got = nr_rules_predict(r, x + (size_t)i * nin, need_hidden ? &hid : NULL, NULL, &fired);
            res->agree += got == net;
            res->covered += fired >= 0;
            if (got >= 0 && got < k && net < k)
                res->confusion[(size_t)net * (size_t)k + (size_t)got]++;
        }
    }
    nr_progress_update(prog, (double)samples);
    nr_progress_end(prog);
    if (rc < 0)
        goto done;
    res->samples = samples;
    res->fidelity = samples > 0 ? (double)res->agree / (double)samples : 0;
    nr_wilson95(res->agree, samples, &res->lo, &res->hi);
done:
    nn_workspace_free(ws);
    free(x);
    free(out);
    free(act);
    cube_free(&c);
    if (rc < 0)
        nr_cube_estimate_free(res);
    return rc;
}
