/*
 * extract_tsukimoto.c - Tsukimoto's polynomial method (IEEE Trans. Neural
 * Networks 11(2), 2000): every unit of a dense network with monotone
 * activations, seen as a function on the cube of its inputs' low and high
 * values, is replaced by the Boolean function its implicants of low order
 * describe; the output's terms over hidden literals are expanded down to
 * the inputs.  No data is needed to find the rules.
 *
 *  1. The inputs are the cube's variables: a Boolean feature (0 or 1), a
 *     one-hot group (which member is set), a continuous or integer feature
 *     cut at a threshold t (its low value, the declared minimum, stands for
 *     `x <= t`, its high value, the maximum, for `x > t`).
 *  2. A unit z = w.v + b is "on" when z > 0 (that is sigmoid > 0.5,
 *     tanh > 0, ReLU and leaky ReLU passing a positive value).  A
 *     conjunction of literals is an implicant of "on" when the least z over
 *     every setting of the other variables is still > 0, of "off" when the
 *     greatest is <= 0.  Terms are searched low order first up to
 *     --max-order; only literals that move the worst case are tried, and a
 *     term that already holds is not extended, so every term kept is prime
 *     among terms of that order (no shorter kept term subsumes it).
 *  3. The next layer sees each unit as a variable with two values: sigmoid
 *     0 and 1, tanh -1 and 1, ReLU 0 and its greatest pre-activation over
 *     the cube, leaky ReLU its least (times the slope) and its greatest.
 *  4. Classes compare the output layer's units: class k holds when its
 *     output beats every other's in the worst case (by more than 0 against
 *     a lower class index, by at least 0 against a higher one: the
 *     network's argmax takes the first of equal outputs).  For two classes
 *     that is the sign of the difference of the two outputs.
 *  5. Each term over hidden literals is expanded, layer by layer, into the
 *     product of those units' input-level terms, dropping contradictions,
 *     duplicates and absorbed terms.
 *
 * Every threshold test is decided in exact rational arithmetic (GMP): the
 * float weights, biases, normalization and ranges are converted exactly
 * (mpq_set_d is exact for finite doubles), so no term is kept or dropped by
 * rounding.  Non-finite numbers are refused before GMP sees them.
 *
 * The rules are exact for the Boolean abstraction (each unit replaced by
 * its on/off value): terms of different classes never fire together, so
 * the unordered set's policy never has to decide between classes.  How
 * well that abstraction matches the network is measured: when the cube is
 * small enough (2^--verify-bits points), every point is run through the
 * network and each rule's statistics are exact counts over the cube (cover:
 * points it fires on; correct: of those, where the network predicts its
 * class), and the default class is the network's majority over the points
 * no rule covers.
 *
 * Terms are bit vectors over the variables' values: each variable owns a
 * field of one bit per value (none crosses a 64-bit word), a field of all
 * ones leaves the variable free, and a term is the set of cube points whose
 * values are all in its fields.  Conjunction is AND, a field of zeros is a
 * contradiction, and A absorbs B when B's bits are a subset of A's.
 */
#include <gmp.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extractor.h"
#include "progress.h"

typedef struct tsuki_settings {
    int max_order;    /* longest term searched at any unit */
    int max_terms;    /* terms one unit or one expansion may have */
    int verify_bits;  /* enumerate the cube for statistics up to 2^this points */
    int max_rules;    /* keep at most this many rules, chosen on the cube; 0: all */
} tsuki_settings;

/* ---- the layout of a term: one field of bits per variable --------------- */

typedef struct layout {
    int nvars;
    int *radix;       /* values of each variable */
    int *off;         /* its first bit */
    int nw;           /* 64-bit words in a term */
    uint64_t *lo2;    /* per word: the low bit of each 2-bit field */
    int nwide;        /* fields of more than 2 bits: */
    int *wide;        /* their variables */
} layout;

static void layout_free(layout *l)
{
    free(l->radix);
    free(l->off);
    free(l->lo2);
    free(l->wide);
    memset(l, 0, sizeof *l);
}

/* radix[] is taken over. */
static int layout_init(layout *l, int nvars, int *radix)
{
    int bit = 0;
    memset(l, 0, sizeof *l);
    l->nvars = nvars;
    l->radix = radix;
    l->off = malloc(((size_t)nvars + 1) * sizeof *l->off);
    l->wide = malloc(((size_t)nvars + 1) * sizeof *l->wide);
    if (!l->off || !l->wide)
        return NR_ENOMEM;
    for (int v = 0; v < nvars; v++) {
        if (bit / 64 != (bit + radix[v] - 1) / 64)
            bit = (bit / 64 + 1) * 64;
        l->off[v] = bit;
        bit += radix[v];
        if (radix[v] != 2)
            l->wide[l->nwide++] = v;
    }
    l->nw = bit > 0 ? (bit + 63) / 64 : 1;
    if (!(l->lo2 = calloc((size_t)l->nw, sizeof *l->lo2)))
        return NR_ENOMEM;
    for (int v = 0; v < nvars; v++)
        if (radix[v] == 2)
            l->lo2[l->off[v] / 64] |= (uint64_t)1 << (l->off[v] % 64);
    return 0;
}

static uint64_t field(const layout *l, const uint64_t *t, int v)
{
    uint64_t mask = l->radix[v] == 64 ? ~(uint64_t)0 : (((uint64_t)1 << l->radix[v]) - 1);
    return (t[l->off[v] / 64] >> (l->off[v] % 64)) & mask;
}

static void set_field(const layout *l, uint64_t *t, int v, uint64_t bits)
{
    uint64_t mask = l->radix[v] == 64 ? ~(uint64_t)0 : (((uint64_t)1 << l->radix[v]) - 1);
    int w = l->off[v] / 64, s = l->off[v] % 64;
    t[w] = (t[w] & ~(mask << s)) | ((bits & mask) << s);
}

static int full_field(const layout *l, uint64_t bits, int v)
{
    return bits == (l->radix[v] == 64 ? ~(uint64_t)0 : (((uint64_t)1 << l->radix[v]) - 1));
}

/* The term that leaves every variable free. */
static void term_true(const layout *l, uint64_t *t)
{
    memset(t, 0, (size_t)l->nw * sizeof *t);
    for (int v = 0; v < l->nvars; v++)
        set_field(l, t, v, ~(uint64_t)0);
}

/* 1 when some field of t is empty (no point satisfies it). */
static int term_empty(const layout *l, const uint64_t *t)
{
    for (int w = 0; w < l->nw; w++)
        if (((t[w] | (t[w] >> 1)) & l->lo2[w]) != l->lo2[w])
            return 1;
    for (int i = 0; i < l->nwide; i++)
        if (l->radix[l->wide[i]] > 0 && field(l, t, l->wide[i]) == 0)
            return 1;
    return 0;
}

/* Variables the term fixes (fields not all ones). */
static int term_order(const layout *l, const uint64_t *t)
{
    int n = 0;
    for (int w = 0; w < l->nw; w++)
        n += __builtin_popcountll(l->lo2[w] & ~(t[w] & (t[w] >> 1)));
    for (int i = 0; i < l->nwide; i++)
        n += !full_field(l, field(l, t, l->wide[i]), l->wide[i]);
    return n;
}

/* A hash of the fixed variables: a term can only absorb one whose fixed
 * variables include its own. */
static uint64_t term_sig(const layout *l, const uint64_t *t)
{
    uint64_t s = 0;
    for (int v = 0; v < l->nvars; v++)
        if (!full_field(l, field(l, t, v), v))
            s |= (uint64_t)1 << (v % 64);
    return s;
}

/* Points of the cube the term covers: the product of its fields' sizes. */
static void term_cover(const layout *l, const uint64_t *t, mpz_t out)
{
    int free2 = 0;
    mpz_set_ui(out, 1);
    for (int w = 0; w < l->nw; w++)
        free2 += __builtin_popcountll(l->lo2[w] & t[w] & (t[w] >> 1));
    for (int i = 0; i < l->nwide; i++)
        mpz_mul_ui(out, out, (unsigned long)__builtin_popcountll(field(l, t, l->wide[i])));
    mpz_mul_2exp(out, out, (mp_bitcnt_t)free2);
}

/* ---- sets of terms (disjunctions) ---------------------------------------- */

typedef struct dnf {
    int n, cap, nw;
    uint64_t *bits;   /* n terms of nw words */
} dnf;

static void dnf_free(dnf *d)
{
    free(d->bits);
    d->bits = NULL;
    d->n = d->cap = 0;
}

static uint64_t *dnf_term(const dnf *d, int i)
{
    return d->bits + (size_t)i * (size_t)d->nw;
}

static int dnf_push(dnf *d, const uint64_t *t)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 16;
        uint64_t *nb = realloc(d->bits, (size_t)cap * (size_t)d->nw * sizeof *nb);
        if (!nb)
            return NR_ENOMEM;
        d->bits = nb;
        d->cap = cap;
    }
    memcpy(dnf_term(d, d->n), t, (size_t)d->nw * sizeof *t);
    d->n++;
    return 0;
}

typedef struct ordkey {
    int order, index;
} ordkey;

static int cmp_ordkey(const void *a, const void *b)
{
    const ordkey *x = a, *y = b;
    return x->order != y->order ? (x->order > y->order) - (x->order < y->order)
                                : (x->index > y->index) - (x->index < y->index);
}

/* Drop duplicates and absorbed terms; the rest sorted by order (shortest
 * first), ties in their previous order. */
static int dnf_absorb(const layout *l, dnf *d)
{
    int n = d->n, nw = d->nw, kept = 0, rc = 0;
    ordkey *key = malloc(((size_t)n + 1) * sizeof *key);
    uint64_t *sig = malloc(((size_t)n + 1) * sizeof *sig);
    uint64_t *out = malloc(((size_t)n + 1) * (size_t)nw * sizeof *out);
    if (!key || !sig || !out) {
        rc = NR_ENOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++)
        key[i] = (ordkey){term_order(l, dnf_term(d, i)), i};
    qsort(key, (size_t)n, sizeof *key, cmp_ordkey);
    for (int i = 0; i < n; i++) {
        const uint64_t *b = dnf_term(d, key[i].index);
        uint64_t sb = term_sig(l, b);
        int absorbed = 0;
        for (int j = 0; j < kept && !absorbed; j++) {
            const uint64_t *a = out + (size_t)j * (size_t)nw;
            int sub = 1;
            if (sig[j] & ~sb)
                continue;
            for (int w = 0; w < nw && sub; w++)
                sub = (b[w] & ~a[w]) == 0;
            absorbed = sub;
        }
        if (absorbed)
            continue;
        memcpy(out + (size_t)kept * (size_t)nw, b, (size_t)nw * sizeof *b);
        sig[kept++] = sb;
    }
    free(d->bits);
    d->bits = out;
    out = NULL;
    d->n = kept;
    d->cap = n + 1;
done:
    free(key);
    free(sig);
    free(out);
    return rc;
}

/* acc := acc AND d (every pair, contradictions dropped, absorbed); more
 * than max terms on the way is NR_ELIMIT. */
static int dnf_and(const layout *l, dnf *acc, const dnf *d, int max)
{
    dnf out = {0, 0, acc->nw, NULL};
    uint64_t *t = malloc((size_t)acc->nw * sizeof *t);
    int rc = 0;
    if (!t)
        return NR_ENOMEM;
    for (int i = 0; i < acc->n && rc == 0; i++)
        for (int j = 0; j < d->n && rc == 0; j++) {
            const uint64_t *a = dnf_term(acc, i), *b = dnf_term(d, j);
            for (int w = 0; w < acc->nw; w++)
                t[w] = a[w] & b[w];
            if (term_empty(l, t))
                continue;
            if ((rc = dnf_push(&out, t)) == 0 && out.n > 4 * max + 64)
                rc = dnf_absorb(l, &out);
            if (rc == 0 && out.n > 4 * max + 64)
                rc = NR_ELIMIT;
        }
    free(t);
    if (rc == 0)
        rc = dnf_absorb(l, &out);
    if (rc == 0 && out.n > max)
        rc = NR_ELIMIT;
    if (rc < 0) {
        dnf_free(&out);
        return rc;
    }
    dnf_free(acc);
    *acc = out;
    return 0;
}

/* ---- the network's shape ------------------------------------------------- */

enum { ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY, ACT_NONE };

typedef struct stage {
    int layer;        /* runtime index of the dense layer */
    int act;          /* ACT_* after it */
    float alpha;      /* leaky ReLU slope */
    int in, units;
} stage;

/* The dense layers and the monotone activation after each; a refusal
 * names the layer and its type. */
static int read_stages(const nn_model *m, stage *st, int *nst, nr_error *err)
{
    int n = 0, pending = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *ly = &m->layers[i];
        switch (ly->type) {
        case NN_DENSE:
            if (pending && st[n - 1].act == ACT_NONE)
                return nr_error_set(err, NR_EUNSUP,
                                    "-a tsukimoto: dense layer %d has no activation before dense "
                                    "layer %d; each hidden unit needs a monotone activation to be "
                                    "a Boolean function", st[n - 1].layer, i);
            st[n] = (stage){i, ACT_NONE, 0, (int)nn_layer_size(m, i - 1), ly->units};
            n++;
            pending = 1;
            break;
        case NN_DROPOUT:
        case NN_FLATTEN:
            break;
        case NN_SIGMOID:
        case NN_TANH:
        case NN_RELU:
        case NN_LEAKYRELU:
        case NN_SOFTMAX:
            if (!pending || st[n - 1].act != ACT_NONE)
                return nr_error_set(err, NR_EUNSUP,
                                    "-a tsukimoto: layer %d (%s) does not follow a dense layer; "
                                    "only dense layers each followed by one monotone activation are "
                                    "read", i, nn_layer_type_name(ly->type));
            if (ly->type == NN_SOFTMAX) {
                /* order-preserving only on the last layer */
                int last = 1;
                for (int j = i + 1; j < m->nlayers; j++)
                    last &= m->layers[j].type == NN_DROPOUT || m->layers[j].type == NN_FLATTEN;
                if (!last)
                    return nr_error_set(err, NR_EUNSUP,
                                        "-a tsukimoto: layer %d is softmax before the last dense "
                                        "layer; only sigmoid, tanh, relu and leakyrelu units are "
                                        "Boolean functions", i);
                st[n - 1].act = ACT_SIGMOID; /* placeholder: the output's activation is not used */
                break;
            }
            if (!isfinite(ly->alpha))
                return nr_error_set(err, NR_EUNSUP, "-a tsukimoto: layer %d (%s) has a non-finite "
                                    "slope", i, nn_layer_type_name(ly->type));
            st[n - 1].act = ly->type == NN_SIGMOID ? ACT_SIGMOID
                            : ly->type == NN_TANH  ? ACT_TANH
                            : ly->type == NN_RELU  ? ACT_RELU
                                                   : ACT_LEAKY;
            st[n - 1].alpha = ly->alpha;
            if (ly->type == NN_LEAKYRELU && !(ly->alpha > 0)) {
                /* a slope of 0 or less is not strictly increasing */
                if (ly->alpha == 0)
                    st[n - 1].act = ACT_RELU;
                else
                    return nr_error_set(err, NR_EUNSUP, "-a tsukimoto: layer %d (leakyrelu) has "
                                        "slope %g, not monotone", i, (double)ly->alpha);
            }
            break;
        default:
            return nr_error_set(err, NR_EUNSUP,
                                "-a tsukimoto takes dense networks with sigmoid, tanh, relu or "
                                "leakyrelu units, and layer %d is %s: -a tree explains any network",
                                i, nn_layer_type_name(ly->type));
        }
    }
    if (n == 0)
        return nr_error_set(err, NR_EUNSUP, "-a tsukimoto: the network has no dense layer");
    /* ReLU flattens the order of negative outputs: argmax then decides ties */
    if (st[n - 1].act == ACT_RELU)
        return nr_error_set(err, NR_EUNSUP, "-a tsukimoto: the output layer (layer %d) is relu, "
                            "which does not preserve the order of the outputs the class is chosen "
                            "by", st[n - 1].layer);
    *nst = n;
    return 0;
}

/* ---- the input cube ------------------------------------------------------ */

enum { VAR_BOOL, VAR_ONEHOT, VAR_CUT };

typedef struct ivar {
    int kind;
    int feature;      /* VAR_BOOL, VAR_CUT: the feature; VAR_ONEHOT: the first member */
    int *members;     /* VAR_ONEHOT: radix features */
    float lo, hi, t;  /* VAR_CUT: the corners, and the cut rules test */
} ivar;

/* Non-finite numbers never reach GMP. */
static int finite_or_fail(double v, const char *what, int layer, long index, nr_error *err)
{
    if (isfinite(v))
        return 0;
    return nr_error_set(err, NR_EINVAL, "-a tsukimoto: %s %ld of layer %d is %s", what, index,
                        layer, isnan(v) ? "NaN" : "infinite");
}

/* The cube's variables from the model's feature types; continuous and
 * integer features are cut at their profile median when it lies strictly
 * inside the range, else at the middle of the range. */
static int input_vars(const nn_model *m, ivar **out, int *nout, int **membuf, nr_error *err)
{
    size_t nin = nn_model_input_size(m);
    ivar *v = calloc(nin + 1, sizeof *v);
    int n = 0, used = 0, *mb = malloc((nin + 1) * sizeof *mb);
    *out = v;
    *membuf = mb;
    if (!v || !mb)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (!m->features)
        return nr_error_set(err, NR_EINVAL, "-a tsukimoto needs a model that declares its feature "
                            "types and ranges (see convert --features)");
    for (size_t f = 0; f < nin; f++) {
        const nn_feature *ft = &m->features[f];
        if (ft->type == NN_FEAT_BOOLEAN) {
            v[n++] = (ivar){VAR_BOOL, (int)f, NULL, 0, 1, 0.5f};
        } else if (ft->type == NN_FEAT_ONEHOT) {
            int seen = 0, r = 0;
            for (size_t g = 0; g < f; g++)
                seen |= m->features[g].type == NN_FEAT_ONEHOT && m->features[g].group == ft->group;
            if (seen)
                continue;
            v[n] = (ivar){VAR_ONEHOT, (int)f, mb + used, 0, 1, 0.5f};
            for (size_t g = f; g < nin; g++)
                if (m->features[g].type == NN_FEAT_ONEHOT && m->features[g].group == ft->group)
                    mb[used++] = (int)g, r++;
            if (r > 64)
                return nr_error_set(err, NR_EUNSUP, "-a tsukimoto: one-hot group of '%s' has %d "
                                    "members, more than 64", ft->name, r);
            v[n].hi = (float)r; /* the radix, kept here */
            n++;
        } else {
            float lo = ft->min, hi = ft->max, t;
            const nn_profile *p = m->profile;
            if (p && p->features && !(lo < hi)) {
                lo = p->features[f].q[0];
                hi = p->features[f].q[p->nq - 1];
            }
            if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
                return nr_error_set(err, NR_EINVAL, "-a tsukimoto: feature '%s' has no range "
                                    "(declare one with convert --features)", ft->name);
            t = (float)(((double)lo + (double)hi) / 2);
            if (p && p->features && p->nq >= 3 && (p->nq & 1)) {
                float med = p->features[f].q[(p->nq - 1) / 2];
                if (med > lo && med < hi)
                    t = med;
            }
            v[n++] = (ivar){VAR_CUT, (int)f, NULL, lo, hi, t};
        }
    }
    *nout = n;
    return 0;
}

static int ivar_radix(const ivar *v)
{
    return v->kind == VAR_ONEHOT ? (int)v->hi : 2;
}

/* The input feature values (data units) at value a of variable v, into x
 * (only v's features are written). */
static void ivar_point(const ivar *v, int a, float *x)
{
    switch (v->kind) {
    case VAR_BOOL:
        x[v->feature] = (float)a;
        break;
    case VAR_CUT:
        x[v->feature] = a ? v->hi : v->lo;
        break;
    default:
        for (int i = 0; i < (int)v->hi; i++)
            x[v->members[i]] = i == a;
        break;
    }
}

/* ---- exact coefficients -------------------------------------------------- */

/* A linear form over a layout's variables: c[v][a] is what value a of
 * variable v adds; k the constant. */
typedef struct form {
    mpq_t k;
    mpq_t *c;         /* nvars * maxradix */
} form;

typedef struct tsuki {
    const nn_model *m;
    const tsuki_settings *s;
    int nst;
    stage st[NN_MAX_LAYERS];
    ivar *iv;
    int niv, *membuf;
    layout in;            /* the input cube */
    /* per stage: its variables' network values, and their layout */
    mpq_t **val;          /* val[s]: nvars(s) * maxr(s) values the dense layer sees */
    int *maxr;
    layout *lay;          /* lay[s]: stage s's variables (lay[0] is `in`'s shape) */
    dnf **on, **off;      /* per hidden stage, per unit: input-level terms */
    nr_error *err;
} tsuki;

static void form_init(form *f, int n)
{
    mpq_init(f->k);
    f->c = malloc(((size_t)n + 1) * sizeof *f->c);
    if (f->c)
        for (int i = 0; i < n; i++)
            mpq_init(f->c[i]);
}

static void form_clear(form *f, int n)
{
    mpq_clear(f->k);
    if (f->c)
        for (int i = 0; i < n; i++)
            mpq_clear(f->c[i]);
    free(f->c);
}

/* z_j of stage s as a form over stage s's variables. */
static int unit_form(tsuki *T, int s, int j, form *f)
{
    const stage *sg = &T->st[s];
    const nn_layer *ly = &T->m->layers[sg->layer];
    const layout *l = &T->lay[s];
    int R = T->maxr[s];
    mpq_t w, t;
    mpq_inits(w, t, NULL);
    mpq_set_d(f->k, ly->b[j]);
    if (s == 0) {
        /* network inputs: the features' values at each value of a cube variable */
        for (int v = 0; v < l->nvars; v++)
            for (int a = 0; a < l->radix[v]; a++)
                mpq_set_ui(f->c[v * R + a], 0, 1);
        for (int v = 0; v < l->nvars; v++) {
            const ivar *iv = &T->iv[v];
            int nf = iv->kind == VAR_ONEHOT ? (int)iv->hi : 1;
            for (int i = 0; i < nf; i++) {
                int feat = iv->kind == VAR_ONEHOT ? iv->members[i] : iv->feature;
                mpq_set_d(w, ly->w[(size_t)j * (size_t)sg->in + (size_t)feat]);
                for (int a = 0; a < l->radix[v]; a++) {
                    mpq_mul(t, w, T->val[0][(size_t)feat * 2 + (size_t)(iv->kind == VAR_ONEHOT ? i == a : a)]);
                    mpq_add(f->c[v * R + a], f->c[v * R + a], t);
                }
            }
        }
    } else {
        for (int v = 0; v < l->nvars; v++) {
            mpq_set_d(w, ly->w[(size_t)j * (size_t)sg->in + (size_t)v]);
            for (int a = 0; a < 2; a++)
                mpq_mul(f->c[v * R + a], w, T->val[s][v * 2 + a]);
        }
    }
    mpq_clears(w, t, NULL);
    return 0;
}

/* ---- the term search ----------------------------------------------------- */

/* Objectives that must all hold in the worst case: form_o > 0 (strict) or
 * >= 0.  A literal restricts one variable to some of its values; its delta
 * for objective o is how much it raises the worst case of o. */
typedef struct lit {
    int var;
    uint64_t bits;    /* the values it allows */
    mpq_t *delta;     /* per objective */
    int useful;
} lit;

typedef struct search {
    const layout *l;
    int nobj, K, max, *strict;
    mpq_t *base;      /* per objective: its worst case with every variable free */
    int nlit;
    lit *lits;
    int *first;       /* per variable (in search order): its first literal; first[nvars] = nlit */
    int *order;       /* search order of variables */
    mpq_t *sufmax;    /* [p * nobj + o]: the largest delta of o among variables p.. */
    mpq_t *sum;       /* [(depth) * nobj + o]: running sums */
    int *chosen;      /* literal chosen at each depth */
    mpq_t tmp;
    dnf *out;
    int rc;
} search;

typedef struct sortkey {
    double key;
    int v;
} sortkey;

/* largest key first, ties by variable */
static int cmp_sortkey(const void *a, const void *b)
{
    const sortkey *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return (x->v > y->v) - (x->v < y->v);
}

/* base_o + s_o > 0 (strict) or >= 0 */
static int holds(search *S, int o, const mpq_t s)
{
    int c;
    mpq_add(S->tmp, S->base[o], s);
    c = mpq_sgn(S->tmp);
    return S->strict[o] ? c > 0 : c >= 0;
}

static void record(search *S, int depth)
{
    uint64_t *t;
    /* prime: dropping any one literal must fail some objective */
    for (int i = 0; i < depth; i++) {
        int fails = 0;
        for (int o = 0; o < S->nobj && !fails; o++) {
            mpq_sub(S->tmp, S->sum[depth * S->nobj + o], S->lits[S->chosen[i]].delta[o]);
            mpq_add(S->tmp, S->tmp, S->base[o]);
            fails = S->strict[o] ? mpq_sgn(S->tmp) <= 0 : mpq_sgn(S->tmp) < 0;
        }
        if (!fails)
            return;
    }
    if (!(t = malloc((size_t)S->l->nw * sizeof *t))) {
        S->rc = NR_ENOMEM;
        return;
    }
    term_true(S->l, t);
    for (int i = 0; i < depth; i++)
        set_field(S->l, t, S->lits[S->chosen[i]].var, S->lits[S->chosen[i]].bits);
    if ((S->rc = dnf_push(S->out, t)) == 0 && S->out->n > S->max)
        S->rc = NR_ELIMIT;
    free(t);
}

/* Extend the term at depth with variables from position p on. */
static void dfs(search *S, int depth, int p)
{
    int nobj = S->nobj, left = S->K - depth;
    const mpq_t *cur = S->sum + (size_t)depth * (size_t)nobj;
    if (left == 0)
        return;
    for (int q = p; q < S->l->nvars && S->rc == 0; q++) {
        /* even the largest remaining deltas, left times, cannot reach */
        int reach = 1;
        for (int o = 0; o < nobj && reach; o++) {
            if (holds(S, o, cur[o]))
                continue;
            mpq_set_ui(S->tmp, (unsigned long)left, 1);
            mpq_mul(S->tmp, S->tmp, S->sufmax[(size_t)q * (size_t)nobj + (size_t)o]);
            mpq_add(S->tmp, S->tmp, cur[o]);
            mpq_add(S->tmp, S->tmp, S->base[o]);
            reach = S->strict[o] ? mpq_sgn(S->tmp) > 0 : mpq_sgn(S->tmp) >= 0;
        }
        if (!reach)
            break;
        for (int li = S->first[q]; li < S->first[q + 1] && S->rc == 0; li++) {
            mpq_t *nxt = S->sum + (size_t)(depth + 1) * (size_t)nobj;
            int all = 1;
            if (!S->lits[li].useful)
                continue;
            for (int o = 0; o < nobj; o++) {
                mpq_add(nxt[o], cur[o], S->lits[li].delta[o]);
                all &= holds(S, o, nxt[o]);
            }
            S->chosen[depth] = li;
            if (all)
                record(S, depth + 1);
            else
                dfs(S, depth + 1, q + 1);
        }
    }
}

/* The prime implicants up to order K of "every form in f[0..nobj) holds in
 * the worst case" (form o strict when strict[o]), appended to out as terms
 * of layout l; R is the forms' stride per variable. */
static int find_terms(const layout *l, const form *f, int nobj, const int *strict, int R, int K,
                      int max, dnf *out)
{
    search S;
    int nv = l->nvars, rc = 0, nl = 0;
    mpq_t mn, mx, best;
    memset(&S, 0, sizeof S);
    S.l = l;
    S.nobj = nobj;
    S.K = K;
    S.max = max;
    S.out = out;
    S.strict = (int *)strict;
    mpq_inits(mn, mx, best, S.tmp, NULL);
    for (int v = 0; v < nv; v++)
        nl += l->radix[v] == 2 ? 2 : l->radix[v] <= 1 ? 0 : 2 * l->radix[v];
    S.base = malloc(((size_t)nobj + 1) * sizeof *S.base);
    S.lits = calloc((size_t)nl + 1, sizeof *S.lits);
    S.first = malloc(((size_t)nv + 2) * sizeof *S.first);
    S.order = malloc(((size_t)nv + 1) * sizeof *S.order);
    S.sufmax = malloc(((size_t)nv + 1) * (size_t)(nobj + 1) * sizeof *S.sufmax);
    S.sum = malloc(((size_t)K + 2) * (size_t)(nobj + 1) * sizeof *S.sum);
    S.chosen = malloc(((size_t)K + 1) * sizeof *S.chosen);
    if (!S.base || !S.lits || !S.first || !S.order || !S.sufmax || !S.sum || !S.chosen) {
        free(S.base);
        free(S.lits);
        free(S.first);
        free(S.order);
        free(S.sufmax);
        free(S.sum);
        free(S.chosen);
        mpq_clears(mn, mx, best, S.tmp, NULL);
        return NR_ENOMEM;
    }
    for (int o = 0; o < nobj; o++)
        mpq_init(S.base[o]);
    for (size_t i = 0; i < ((size_t)nv + 1) * (size_t)nobj; i++)
        mpq_init(S.sufmax[i]);
    for (size_t i = 0; i < ((size_t)K + 2) * (size_t)nobj; i++)
        mpq_init(S.sum[i]);
    /* worst cases */
    for (int o = 0; o < nobj; o++) {
        mpq_set(S.base[o], f[o].k);
        for (int v = 0; v < nv; v++) {
            if (l->radix[v] < 1)
                continue;
            mpq_set(mn, f[o].c[v * R]);
            for (int a = 1; a < l->radix[v]; a++)
                if (mpq_cmp(f[o].c[v * R + a], mn) < 0)
                    mpq_set(mn, f[o].c[v * R + a]);
            mpq_add(S.base[o], S.base[o], mn);
        }
    }
    /* search order: variables by their best delta for the first objective,
     * largest first, which makes the reach bound tight for one objective;
     * the order only steers the search (the bound is computed on it), so a
     * double key is enough */
    {
        sortkey *key = malloc(((size_t)nv + 1) * sizeof *key);
        if (!key) {
            rc = NR_ENOMEM;
            goto done;
        }
        for (int v = 0; v < nv; v++) {
            key[v] = (sortkey){0, v};
            if (nobj == 0 || l->radix[v] < 1)
                continue;
            mpq_set(mn, f[0].c[v * R]);
            mpq_set(mx, f[0].c[v * R]);
            for (int a = 1; a < l->radix[v]; a++) {
                if (mpq_cmp(f[0].c[v * R + a], mn) < 0)
                    mpq_set(mn, f[0].c[v * R + a]);
                if (mpq_cmp(f[0].c[v * R + a], mx) > 0)
                    mpq_set(mx, f[0].c[v * R + a]);
            }
            mpq_sub(mx, mx, mn);
            key[v].key = mpq_get_d(mx);
        }
        qsort(key, (size_t)nv, sizeof *key, cmp_sortkey);
        for (int v = 0; v < nv; v++)
            S.order[v] = key[v].v;
        free(key);
    }
    /* the literals, grouped by variable in search order */
    S.nlit = 0;
    for (int p = 0; p < nv; p++) {
        int v = S.order[p], r = l->radix[v], nc = r == 2 ? 2 : r <= 1 ? 0 : 2 * r;
        S.first[p] = S.nlit;
        for (int c = 0; c < nc; c++) {
            lit *L = &S.lits[S.nlit];
            int single = c < r;
            L->var = v;
            L->bits = single ? (uint64_t)1 << c
                             : ((r == 64 ? ~(uint64_t)0 : (((uint64_t)1 << r) - 1)) & ~((uint64_t)1 << (c - r)));
            if (!(L->delta = malloc(((size_t)nobj + 1) * sizeof *L->delta))) {
                rc = NR_ENOMEM;
                goto done;
            }
            S.nlit++;
            for (int o = 0; o < nobj; o++) {
                int have = 0;
                mpq_init(L->delta[o]);
                mpq_set(mn, f[o].c[v * R]);
                for (int a = 1; a < r; a++)
                    if (mpq_cmp(f[o].c[v * R + a], mn) < 0)
                        mpq_set(mn, f[o].c[v * R + a]);
                for (int a = 0; a < r; a++)
                    if ((L->bits >> a) & 1) {
                        if (!have || mpq_cmp(f[o].c[v * R + a], best) < 0)
                            mpq_set(best, f[o].c[v * R + a]);
                        have = 1;
                    }
                mpq_sub(L->delta[o], best, mn);
                if (mpq_sgn(L->delta[o]) > 0)
                    L->useful = 1;
            }
        }
        /* two values: the complement literals repeat the single ones */
    }
    S.first[nv] = S.nlit;
    /* the largest delta of each objective from each position on */
    for (int p = nv - 1; p >= 0; p--)
        for (int o = 0; o < nobj; o++) {
            mpq_t *sm = &S.sufmax[(size_t)p * (size_t)nobj + (size_t)o];
            mpq_set(*sm, S.sufmax[(size_t)(p + 1) * (size_t)nobj + (size_t)o]);
            for (int li = S.first[p]; li < S.first[p + 1]; li++)
                if (mpq_cmp(S.lits[li].delta[o], *sm) > 0)
                    mpq_set(*sm, S.lits[li].delta[o]);
        }
    /* order 0: the unit decides alone */
    {
        int all = 1;
        for (int o = 0; o < nobj; o++)
            all &= holds(&S, o, S.sum[o]);
        if (all)
            record(&S, 0);
        else
            dfs(&S, 0, 0);
    }
    rc = S.rc;
done:
    for (int i = 0; i < S.nlit; i++) {
        for (int o = 0; o < nobj; o++)
            mpq_clear(S.lits[i].delta[o]);
        free(S.lits[i].delta);
    }
    for (int o = 0; o < nobj; o++)
        mpq_clear(S.base[o]);
    for (size_t i = 0; i < ((size_t)nv + 1) * (size_t)nobj; i++)
        mpq_clear(S.sufmax[i]);
    for (size_t i = 0; i < ((size_t)K + 2) * (size_t)nobj; i++)
        mpq_clear(S.sum[i]);
    free(S.base);
    free(S.lits);
    free(S.first);
    free(S.order);
    free(S.sufmax);
    free(S.sum);
    free(S.chosen);
    mpq_clears(mn, mx, best, S.tmp, NULL);
    return rc;
}

/* ---- through the layers -------------------------------------------------- */

static void tsuki_free(tsuki *T)
{
    for (int s = 0; s < T->nst; s++) {
        int nv = s == 0 ? (int)nn_model_input_size(T->m) : T->st[s - 1].units;
        if (T->val && T->val[s]) {
            for (int i = 0; i < 2 * nv; i++)
                mpq_clear(T->val[s][i]);
            free(T->val[s]);
        }
        if (T->lay && s > 0)
            layout_free(&T->lay[s]);
        if (s + 1 < T->nst && T->on && T->on[s])
            for (int j = 0; j < T->st[s].units; j++) {
                dnf_free(&T->on[s][j]);
                dnf_free(&T->off[s][j]);
            }
        if (T->on)
            free(T->on[s]);
        if (T->off)
            free(T->off[s]);
    }
    free(T->val);
    free(T->maxr);
    free(T->lay);
    free(T->on);
    free(T->off);
    layout_free(&T->in);
    free(T->iv);
    free(T->membuf);
}

/* A term of stage s (over its variables) expanded to the inputs, appended
 * to out. */
static int expand(tsuki *T, int s, const uint64_t *t, dnf *out)
{
    const layout *l = &T->lay[s];
    dnf acc = {0, 0, T->in.nw, NULL};
    uint64_t *one;
    int rc = 0;
    if (s == 0)
        return dnf_push(out, t);
    if (!(one = malloc((size_t)T->in.nw * sizeof *one)))
        return NR_ENOMEM;
    term_true(&T->in, one);
    rc = dnf_push(&acc, one);
    free(one);
    for (int v = 0; v < l->nvars && rc == 0 && acc.n > 0; v++) {
        uint64_t bits = field(l, t, v);
        if (full_field(l, bits, v))
            continue;
        rc = dnf_and(&T->in, &acc, bits == 2 ? &T->on[s - 1][v] : &T->off[s - 1][v], T->s->max_terms);
    }
    for (int i = 0; i < acc.n && rc == 0; i++)
        rc = dnf_push(out, dnf_term(&acc, i));
    dnf_free(&acc);
    return rc;
}

/* The values the network's inputs take at each corner: val[0][2f + a] for
 * feature f at its low (a = 0) and high value, normalized. */
static int input_values(tsuki *T, nr_error *err)
{
    const nn_model *m = T->m;
    int nf = (int)nn_model_input_size(m);
    mpq_t mean, sd;
    if (!(T->val[0] = malloc(((size_t)nf * 2 + 1) * sizeof *T->val[0])))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int i = 0; i < 2 * nf; i++)
        mpq_init(T->val[0][i]);
    for (int f = 0; f < nf; f++) {
        if (m->norm_mean && (!isfinite(m->norm_mean[f]) || !isfinite(m->norm_std[f]) || m->norm_std[f] == 0))
            return nr_error_set(err, NR_EINVAL, "-a tsukimoto: the normalization of input %d is "
                                "not finite and non-zero", f);
    }
    mpq_inits(mean, sd, NULL);
    for (int v = 0; v < T->niv; v++) {
        const ivar *iv = &T->iv[v];
        int n = iv->kind == VAR_ONEHOT ? (int)iv->hi : 1;
        for (int i = 0; i < n; i++) {
            int f = iv->kind == VAR_ONEHOT ? iv->members[i] : iv->feature;
            mpq_set_d(T->val[0][2 * f], iv->kind == VAR_CUT ? iv->lo : 0);
            mpq_set_d(T->val[0][2 * f + 1], iv->kind == VAR_CUT ? iv->hi : 1);
            if (m->norm_mean) {
                mpq_set_d(mean, m->norm_mean[f]);
                mpq_set_d(sd, m->norm_std[f]);
                for (int a = 0; a < 2; a++) {
                    mpq_sub(T->val[0][2 * f + a], T->val[0][2 * f + a], mean);
                    mpq_div(T->val[0][2 * f + a], T->val[0][2 * f + a], sd);
                }
            }
        }
    }
    mpq_clears(mean, sd, NULL);
    return 0;
}

static int check_weights(const tsuki *T, int s, nr_error *err)
{
    const stage *sg = &T->st[s];
    const nn_layer *ly = &T->m->layers[sg->layer];
    int rc;
    for (long i = 0; i < (long)sg->units * sg->in; i++)
        if ((rc = finite_or_fail(ly->w[i], "weight", sg->layer, i, err)) < 0)
            return rc;
    for (long i = 0; i < sg->units; i++)
        if ((rc = finite_or_fail(ly->b[i], "bias", sg->layer, i, err)) < 0)
            return rc;
    return 0;
}

/* Least and greatest value of form f over the cube of layout l. */
static void form_range(const layout *l, const form *f, int R, mpq_t lo, mpq_t hi)
{
    mpq_set(lo, f->k);
    mpq_set(hi, f->k);
    for (int v = 0; v < l->nvars; v++) {
        int imin = 0, imax = 0;
        for (int a = 1; a < l->radix[v]; a++) {
            if (mpq_cmp(f->c[v * R + a], f->c[v * R + imin]) < 0)
                imin = a;
            if (mpq_cmp(f->c[v * R + a], f->c[v * R + imax]) > 0)
                imax = a;
        }
        mpq_add(lo, lo, f->c[v * R + imin]);
        mpq_add(hi, hi, f->c[v * R + imax]);
    }
}

static int limit_error(tsuki *T, nr_error *err, const char *what)
{
    return nr_error_set(err, NR_ELIMIT, "-a tsukimoto: %s has more than %d terms (lower "
                        "--max-order or raise --max-terms)", what, T->s->max_terms);
}

/* Hidden stage s: every unit's terms for on and off, over the inputs, and
 * the two values the next stage sees. */
static int hidden_stage(tsuki *T, int s, nr_progress *prog, nr_error *err)
{
    const stage *sg = &T->st[s];
    const layout *l = &T->lay[s];
    int R = T->maxr[s], rc = 0, nv = l->nvars;
    form f[1];
    dnf raw = {0, 0, l->nw, NULL};
    mpq_t lo, hi;
    static const int strict_on = 1, strict_off = 0;

    T->on[s] = calloc((size_t)sg->units + 1, sizeof **T->on);
    T->off[s] = calloc((size_t)sg->units + 1, sizeof **T->off);
    if ((T->val[s + 1] = malloc(((size_t)sg->units * 2 + 1) * sizeof **T->val)))
        for (int i = 0; i < 2 * sg->units; i++)
            mpq_init(T->val[s + 1][i]);
    if (!T->on[s] || !T->off[s] || !T->val[s + 1])
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    form_init(f, nv * R);
    mpq_inits(lo, hi, NULL);
    if (!f->c) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0; j < sg->units && rc == 0; j++) {
        char what[96];
        T->on[s][j].nw = T->off[s][j].nw = T->in.nw;
        unit_form(T, s, j, f);
        form_range(l, f, R, lo, hi);
        /* the unit's two values for the layer above */
        switch (sg->act) {
        case ACT_SIGMOID:
            mpq_set_ui(T->val[s + 1][2 * j], 0, 1);
            mpq_set_ui(T->val[s + 1][2 * j + 1], 1, 1);
            break;
        case ACT_TANH:
            mpq_set_si(T->val[s + 1][2 * j], -1, 1);
            mpq_set_ui(T->val[s + 1][2 * j + 1], 1, 1);
            break;
        default: {
            mpq_t a;
            mpq_init(a);
            mpq_set_d(a, sg->act == ACT_LEAKY ? sg->alpha : 0);
            if (mpq_sgn(lo) < 0)
                mpq_mul(T->val[s + 1][2 * j], lo, a);
            else
                mpq_set(T->val[s + 1][2 * j], lo);
            if (mpq_sgn(hi) > 0)
                mpq_set(T->val[s + 1][2 * j + 1], hi);
            else
                mpq_mul(T->val[s + 1][2 * j + 1], hi, a);
            mpq_clear(a);
            break;
        }
        }
        snprintf(what, sizeof what, "unit %d of dense layer %d", j, sg->layer);
        /* on: z > 0 */
        raw.n = 0;
        if ((rc = find_terms(l, f, 1, &strict_on, R, T->s->max_order, T->s->max_terms, &raw)) == 0)
            for (int i = 0; i < raw.n && rc == 0; i++)
                rc = expand(T, s, dnf_term(&raw, i), &T->on[s][j]);
        if (rc == 0)
            rc = dnf_absorb(&T->in, &T->on[s][j]);
        if (rc == 0 && T->on[s][j].n > T->s->max_terms)
            rc = NR_ELIMIT;
        /* off: -z >= 0 */
        if (rc == 0) {
            mpq_neg(f->k, f->k);
            for (int i = 0; i < nv * R; i++)
                mpq_neg(f->c[i], f->c[i]);
            raw.n = 0;
            if ((rc = find_terms(l, f, 1, &strict_off, R, T->s->max_order, T->s->max_terms, &raw)) == 0)
                for (int i = 0; i < raw.n && rc == 0; i++)
                    rc = expand(T, s, dnf_term(&raw, i), &T->off[s][j]);
            if (rc == 0)
                rc = dnf_absorb(&T->in, &T->off[s][j]);
            if (rc == 0 && T->off[s][j].n > T->s->max_terms)
                rc = NR_ELIMIT;
        }
        if (rc == NR_ELIMIT)
            rc = limit_error(T, err, what);
        else if (rc < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        nr_progress_update(prog, prog ? prog->done + 1 : 0);
    }
done:
    dnf_free(&raw);
    form_clear(f, nv * R);
    mpq_clears(lo, hi, NULL);
    return rc;
}

/* The output stage: each class's terms over the inputs, into cls[k]. */
static int output_stage(tsuki *T, const char *const *classes, dnf *cls, nr_error *err)
{
    int s = T->nst - 1, K = T->st[s].units, R = T->maxr[s], rc = 0;
    const layout *l = &T->lay[s];
    int nv = l->nvars, *strict = malloc(((size_t)K + 1) * sizeof *strict);
    form *z = calloc((size_t)K + 1, sizeof *z), *d = calloc((size_t)K + 1, sizeof *d);
    dnf raw = {0, 0, l->nw, NULL};
    if (!strict || !z || !d) {
        free(strict);
        free(z);
        free(d);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int k = 0; k < K; k++) {
        form_init(&z[k], nv * R);
        form_init(&d[k], nv * R);
        if (!z[k].c || !d[k].c)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        else
            unit_form(T, s, k, &z[k]);
    }
    for (int k = 0; k < K && rc == 0; k++) {
        int no = 0;
        char what[300];
        /* class k against every other: z_k - z_i > 0 below k, >= 0 above */
        for (int i = 0; i < K; i++) {
            if (i == k)
                continue;
            mpq_sub(d[no].k, z[k].k, z[i].k);
            for (int c = 0; c < nv * R; c++)
                mpq_sub(d[no].c[c], z[k].c[c], z[i].c[c]);
            strict[no++] = i < k;
        }
        cls[k].nw = T->in.nw;
        raw.n = 0;
        if ((rc = find_terms(l, d, no, strict, R, T->s->max_order, T->s->max_terms, &raw)) == 0)
            for (int i = 0; i < raw.n && rc == 0; i++)
                rc = expand(T, s, dnf_term(&raw, i), &cls[k]);
        if (rc == 0)
            rc = dnf_absorb(&T->in, &cls[k]);
        if (rc == 0 && cls[k].n > T->s->max_terms)
            rc = NR_ELIMIT;
        snprintf(what, sizeof what, "class '%s'", classes[k]);
        if (rc == NR_ELIMIT)
            rc = limit_error(T, err, what);
        else if (rc < 0)
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int k = 0; k < K; k++) {
        form_clear(&z[k], nv * R);
        form_clear(&d[k], nv * R);
    }
    dnf_free(&raw);
    free(strict);
    free(z);
    free(d);
    return rc;
}

static int tsuki_build(tsuki *T, const nr_rules *r, dnf *cls, nr_progress *prog, nr_error *err)
{
    const nn_model *m = T->m;
    int rc, *radix, nunits = 0;
    if ((rc = read_stages(m, T->st, &T->nst, err)) < 0)
        return rc;
    if ((int)nn_model_output_size(m) != r->nclasses)
        return nr_error_set(err, NR_EINVAL, "-a tsukimoto: the model has %zu outputs and %d classes",
                            nn_model_output_size(m), r->nclasses);
    if ((rc = input_vars(m, &T->iv, &T->niv, &T->membuf, err)) < 0)
        return rc;
    if (!(radix = malloc(((size_t)T->niv + 1) * sizeof *radix)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int v = 0; v < T->niv; v++)
        radix[v] = ivar_radix(&T->iv[v]);
    if (layout_init(&T->in, T->niv, radix) < 0)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    T->val = calloc((size_t)T->nst + 1, sizeof *T->val);
    T->maxr = calloc((size_t)T->nst + 1, sizeof *T->maxr);
    T->lay = calloc((size_t)T->nst + 1, sizeof *T->lay);
    T->on = calloc((size_t)T->nst + 1, sizeof *T->on);
    T->off = calloc((size_t)T->nst + 1, sizeof *T->off);
    if (!T->val || !T->maxr || !T->lay || !T->on || !T->off)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if ((rc = input_values(T, err)) < 0)
        return rc;
    T->lay[0] = T->in;
    T->maxr[0] = 2;
    for (int v = 0; v < T->niv; v++)
        if (T->in.radix[v] > T->maxr[0])
            T->maxr[0] = T->in.radix[v];
    for (int s = 0; s < T->nst; s++) {
        if ((rc = check_weights(T, s, err)) < 0)
            return rc;
        nunits += s + 1 < T->nst ? T->st[s].units : 0;
    }
    nr_progress_start(prog, "hidden units", nunits);
    for (int s = 0; s < T->nst && rc == 0; s++) {
        if (s > 0) {
            int n = T->st[s - 1].units;
            if (!(radix = malloc(((size_t)n + 1) * sizeof *radix)))
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            for (int v = 0; v < n; v++)
                radix[v] = 2;
            if (layout_init(&T->lay[s], n, radix) < 0)
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            T->maxr[s] = 2;
        }
        if (s + 1 < T->nst)
            rc = hidden_stage(T, s, prog, err);
        else
            rc = output_stage(T, r->classes, cls, err);
    }
    nr_progress_end(prog);
    return rc;
}

/* ---- rules ---------------------------------------------------------------- */

/* The conditions of input-level term t, into the arena. */
static int term_conds(const tsuki *T, nr_rules *r, const uint64_t *t, nr_rule *rule)
{
    const layout *l = &T->in;
    int n = 0;
    for (int v = 0; v < l->nvars; v++) {
        uint64_t b = field(l, t, v);
        if (full_field(l, b, v))
            continue;
        n += T->iv[v].kind != VAR_ONEHOT || __builtin_popcountll(b) == 1
                 ? 1
                 : l->radix[v] - __builtin_popcountll(b);
    }
    rule->nconds = n;
    rule->conds = n ? nr_arena_calloc(r->arena, (size_t)n, sizeof *rule->conds) : NULL;
    if (n && !rule->conds)
        return NR_ENOMEM;
    n = 0;
    for (int v = 0; v < l->nvars; v++) {
        const ivar *iv = &T->iv[v];
        uint64_t b = field(l, t, v);
        if (full_field(l, b, v))
            continue;
        if (iv->kind == VAR_BOOL) {
            rule->conds[n].op = b == 2 ? NR_TRUE : NR_FALSE;
            rule->conds[n++].var = (nr_var){NR_VAR_INPUT, 0, iv->feature};
        } else if (iv->kind == VAR_CUT) {
            rule->conds[n].op = b == 2 ? NR_GT : NR_LE;
            rule->conds[n].t = iv->t;
            rule->conds[n++].var = (nr_var){NR_VAR_INPUT, 0, iv->feature};
        } else if (__builtin_popcountll(b) == 1) {
            rule->conds[n].op = NR_TRUE;
            rule->conds[n++].var = (nr_var){NR_VAR_INPUT, 0, iv->members[__builtin_ctzll(b)]};
        } else {
            for (int a = 0; a < l->radix[v]; a++)
                if (!((b >> a) & 1)) {
                    rule->conds[n].op = NR_FALSE;
                    rule->conds[n++].var = (nr_var){NR_VAR_INPUT, 0, iv->members[a]};
                }
        }
    }
    return 0;
}

/* Every point of the cube through the network: each rule's exact cover
 * and agreement, and the network's classes on the points no rule covers
 * (uncov[k]).  bits[i]: rule i's term. */
static int verify_cube(const tsuki *T, nr_rules *r, const uint64_t *bits, long long *uncov,
                       uint64_t *fire, unsigned char *netc, nr_progress *prog, nr_error *err)
{
    const nn_model *m = T->m;
    const layout *l = &T->in;
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    int batch = nn_batch_within(m, 1024, NN_WORKSPACE_BUDGET), R = r->rs.nrules, nw = l->nw, rc = 0;
    unsigned long long total = 1;
    float *x = malloc((size_t)batch * nin * sizeof *x), *out = malloc((size_t)batch * nout * sizeof *out);
    uint64_t *pt = malloc((size_t)batch * (size_t)nw * sizeof *pt);
    long long *cover = calloc((size_t)R + 1, sizeof *cover), *correct = calloc((size_t)R + 1, sizeof *correct);
    nn_workspace *ws = nn_workspace_new(m, batch);
    nn_error nerr;
    for (int v = 0; v < l->nvars; v++)
        total *= (unsigned long long)l->radix[v];
    if (!x || !out || !pt || !cover || !correct || !ws) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    memset(x, 0, (size_t)batch * nin * sizeof *x);
    nr_progress_start(prog, "verifying on the cube", (double)total);
    for (unsigned long long p0 = 0; p0 < total && rc == 0; p0 += (unsigned long long)batch) {
        int n = total - p0 < (unsigned long long)batch ? (int)(total - p0) : batch;
        nr_progress_update(prog, (double)p0);
        memset(pt, 0, (size_t)n * (size_t)nw * sizeof *pt);
        for (int i = 0; i < n; i++) {
            unsigned long long p = p0 + (unsigned long long)i;
            for (int v = 0; v < l->nvars; v++) {
                int a = (int)(p % (unsigned long long)l->radix[v]);
                p /= (unsigned long long)l->radix[v];
                ivar_point(&T->iv[v], a, x + (size_t)i * nin);
                pt[(size_t)i * (size_t)nw + (size_t)((l->off[v] + a) / 64)] |= (uint64_t)1 << ((l->off[v] + a) % 64);
            }
        }
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, x, n, out, &nerr) < 0) {
            rc = nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
            break;
        }
        for (int i = 0; i < n; i++) {
            const uint64_t *q = pt + (size_t)i * (size_t)nw;
            int net = nn_argmax(out + (size_t)i * nout, nout), any = 0;
            unsigned long long p = p0 + (unsigned long long)i;
            size_t pw = (size_t)((total + 63) / 64);
            if (netc)
                netc[p] = (unsigned char)net;
            for (int k = 0; k < R; k++) {
                const uint64_t *t = bits + (size_t)k * (size_t)nw;
                int in = 1;
                for (int w = 0; w < nw && in; w++)
                    in = (q[w] & ~t[w]) == 0;
                if (!in)
                    continue;
                any = 1;
                cover[k]++;
                if (fire)
                    fire[(size_t)k * pw + p / 64] |= (uint64_t)1 << (p % 64);
                correct[k] += r->rs.rules[k].klass == net;
            }
            if (!any)
                uncov[net]++;
        }
    }
    nr_progress_update(prog, (double)total);
    nr_progress_end(prog);
    for (int k = 0; k < R && rc == 0; k++) {
        nr_stats *st = &r->rs.rules[k].stats;
        mpz_t c;
        /* the count enumerated must be the term's size, computed apart */
        mpz_init(c);
        term_cover(l, bits + (size_t)k * (size_t)nw, c);
        if (mpz_cmp_ui(c, (unsigned long)cover[k]) != 0)
            rc = nr_error_set(err, NR_EINVAL, "-a tsukimoto: rule %d covers %lld points of the "
                              "cube, not the %.0f its term says (a bug)", k + 1, cover[k],
                              mpz_get_d(c));
        mpz_clear(c);
        st->has = 1;
        st->cover = (double)cover[k];
        st->correct = (double)correct[k];
        st->confidence = nr_stats_laplace(st->correct, st->cover, r->nclasses);
    }
done:
    nn_workspace_free(ws);
    free(x);
    free(out);
    free(pt);
    free(cover);
    free(correct);
    return rc;
}

/* --max-rules: keep at most max of r's rules, chosen greedily on the cube
 * (fire: each rule's points, netc: the network's class at each of P
 * points): for each default class, the rule that adds the most agreement
 * with the network, until max rules or none adds any; the default with the
 * most agreement wins.  Sets the default class. */
static int select_rules(nr_rules *r, const uint64_t *fire, const unsigned char *netc,
                        unsigned long long P, int max, nr_error *err)
{
    const int R = r->rs.nrules, K = r->nclasses;
    const size_t pw = (size_t)((P + 63) / 64);
    uint64_t *N = calloc((size_t)K * pw + 1, sizeof *N), *C = malloc((pw + 1) * sizeof *C);
    int *pick = malloc(((size_t)max + 1) * (size_t)(K + 1) * sizeof *pick), *npick = calloc((size_t)K + 1, sizeof *npick);
    long long *agree = calloc((size_t)K + 1, sizeof *agree);
    int best = 0, rc = 0;
    if (!N || !C || !pick || !npick || !agree) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    for (unsigned long long p = 0; p < P; p++)
        N[(size_t)netc[p] * pw + p / 64] |= (uint64_t)1 << (p % 64);
    for (int d = 0; d < K; d++) {
        const uint64_t *Nd = N + (size_t)d * pw;
        memset(C, 0, pw * sizeof *C);
        for (int n = 0; n < max; n++) {
            long long top = 0;
            int at = -1;
            for (int i = 0; i < R; i++) {
                const uint64_t *F = fire + (size_t)i * pw, *Nk = N + (size_t)r->rs.rules[i].klass * pw;
                long long g = 0;
                if (r->rs.rules[i].klass == d)
                    continue;
                for (size_t w = 0; w < pw; w++) {
                    uint64_t nw = F[w] & ~C[w];
                    g += __builtin_popcountll(nw & Nk[w]) - __builtin_popcountll(nw & Nd[w]);
                }
                if (g > top) {
                    top = g;
                    at = i;
                }
            }
            if (at < 0)
                break;
            pick[(size_t)d * (size_t)max + (size_t)npick[d]++] = at;
            for (size_t w = 0; w < pw; w++)
                C[w] |= fire[(size_t)at * pw + w];
        }
        /* agreement: covered points of the rule's class (classes never
         * overlap), uncovered points of class d */
        for (size_t w = 0; w < pw; w++)
            agree[d] += __builtin_popcountll(~C[w] & Nd[w]);
        for (int k = 0; k < K; k++)
            if (k != d)
                for (size_t w = 0; w < pw; w++)
                    agree[d] += __builtin_popcountll(C[w] & N[(size_t)k * pw + w]);
        if (agree[d] > agree[best])
            best = d;
    }
    {
        /* keep the picked rules in their order */
        int n = 0;
        unsigned char *keep = calloc((size_t)R + 1, 1);
        if (!keep) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < npick[best]; i++)
            keep[pick[(size_t)best * (size_t)max + (size_t)i]] = 1;
        for (int i = 0; i < R; i++)
            if (keep[i])
                r->rs.rules[n++] = r->rs.rules[i];
        r->rs.nrules = n;
        r->rs.default_class = best;
        free(keep);
    }
done:
    free(N);
    free(C);
    free(pick);
    free(npick);
    free(agree);
    return rc;
}

static int tsuki_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                     const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    const tsuki_settings *ts = settings;
    tsuki T;
    nr_rules *r = NULL;
    dnf *cls = NULL;
    uint64_t *bits = NULL, *fire = NULL;
    unsigned char *netc = NULL;
    long long *uncov = NULL;
    int chosen = 0;
    int *y = NULL, rc, K = 0, nrules = 0, nw;
    nr_inputs in;
    nr_rng rng;
    mpz_t cube;

    *out = NULL;
    memset(&T, 0, sizeof T);
    memset(&in, 0, sizeof in);
    mpz_init(cube);
    T.m = m;
    T.s = ts;
    T.err = err;
    if (m->task != NN_TASK_CLASSIFY) {
        rc = nr_error_set(err, NR_EUNSUP, "-a tsukimoto explains classifiers; -a tree explains "
                          "regression networks");
        goto done;
    }
    if (!(r = nr_rules_new())) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = nr_rules_header_from_model(r, m, err)) < 0)
        goto done;
    K = r->nclasses;
    if (!(cls = calloc((size_t)K + 1, sizeof *cls)) || !(uncov = calloc((size_t)K + 1, sizeof *uncov))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = tsuki_build(&T, r, cls, o->progress, err)) < 0)
        goto done;
    nw = T.in.nw;
    /* one rule per term, by class */
    for (int k = 0; k < K; k++)
        nrules += cls[k].n;
    r->kind = NR_BODY_RULESET;
    r->rs.kind = NR_UNORDERED;
    r->rs.policy = NR_POLICY_CONFIDENCE;
    r->rs.nrules = nrules;
    r->rs.rules = nrules ? nr_arena_calloc(r->arena, (size_t)nrules, sizeof *r->rs.rules) : NULL;
    bits = malloc(((size_t)nrules + 1) * (size_t)nw * sizeof *bits);
    if ((nrules && !r->rs.rules) || !bits) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nrules = 0;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < cls[k].n; i++, nrules++) {
            r->rs.rules[nrules].klass = k;
            memcpy(bits + (size_t)nrules * (size_t)nw, dnf_term(&cls[k], i), (size_t)nw * sizeof *bits);
            if (term_conds(&T, r, dnf_term(&cls[k], i), &r->rs.rules[nrules]) < 0) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
        }
    /* statistics over the cube when it is small enough; the default is the
     * network's majority where no rule fires */
    mpz_set_ui(cube, 1);
    for (int v = 0; v < T.in.nvars; v++)
        mpz_mul_ui(cube, cube, (unsigned long)T.in.radix[v]);
    if (mpz_sizeinbase(cube, 2) <= (size_t)ts->verify_bits ||
        (mpz_sizeinbase(cube, 2) == (size_t)ts->verify_bits + 1 && mpz_popcount(cube) == 1)) {
        unsigned long long P = (unsigned long long)mpz_get_d(cube);
        int sel = ts->max_rules > 0 && r->rs.nrules > ts->max_rules;
        if (sel && (!(fire = calloc((size_t)r->rs.nrules * (size_t)((P + 63) / 64) + 1, sizeof *fire)) ||
                    !(netc = malloc((size_t)P + 1)))) {
            rc = nr_error_set(err, NR_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = verify_cube(&T, r, bits, uncov, fire, netc, o->progress, err)) < 0 ||
            (sel && (rc = select_rules(r, fire, netc, P, ts->max_rules, err)) < 0))
            goto done;
        chosen = sel;
    } else if (ts->max_rules > 0 && r->rs.nrules > ts->max_rules) {
        rc = nr_error_set(err, NR_EUNSUP, "-a tsukimoto: --max-rules chooses rules on the whole "
                          "input cube, and it has more than 2^%d points (raise --verify-bits)",
                          ts->verify_bits);
        goto done;
    }
    nr_rng_seed(&rng, o->seed);
    if ((rc = nr_extract_inputs(m, rows, o, &rng, &in, err)) < 0)
        goto done;
    if (!(y = malloc(((size_t)in.nrows + 1) * sizeof *y))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    nr_progress_start(o->progress, "labelling inputs", 1);
    rc = nr_label_rows(m, in.x, in.nrows, y, NULL, err);
    nr_progress_end(o->progress);
    if (rc < 0)
        goto done;
    {
        long long none = 0;
        for (int k = 0; k < K; k++)
            none += uncov[k];
        if (chosen)
            none = -1;
        else if (none == 0) {
            /* not verified, or every point covered: the inputs no rule covers */
            r->rs.default_class = 0;
            for (int i = 0; i < in.nrows; i++) {
                int fired;
                nr_rules_predict(r, in.x + (size_t)i * (size_t)r->nfeatures, NULL, NULL, &fired);
                if (fired < 0 && y[i] >= 0 && y[i] < K)
                    uncov[y[i]]++;
            }
            for (int k = 0; k < K; k++)
                none += uncov[k];
            if (none == 0)
                for (int i = 0; i < in.nrows; i++)
                    if (y[i] >= 0 && y[i] < K)
                        uncov[y[i]]++;
        }
        if (!chosen) {
            r->rs.default_class = 0;
            for (int k = 1; k < K; k++)
                if (uncov[k] > uncov[r->rs.default_class])
                    r->rs.default_class = k;
        }
    }
    if ((rc = nr_set_provenance(r, o, "tsukimoto", err)) < 0)
        goto done;
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->sampled = in.sampled;
        rep->from_profile = in.from_profile;
        if ((rc = nr_report_fit(r, in.x, in.nrows, y, rep, err)) < 0)
            goto done;
    }
    *out = r;
    r = NULL;
done:
    for (int k = 0; cls && k < K; k++)
        dnf_free(&cls[k]);
    free(cls);
    free(bits);
    free(fire);
    free(netc);
    free(uncov);
    free(y);
    nr_inputs_free(&in);
    nr_rules_free(r);
    tsuki_free(&T);
    mpz_clear(cube);
    return rc;
}

/* ---- the table entry ----------------------------------------------------- */

#define TK(field) offsetof(tsuki_settings, field)
static const nr_optdef tsuki_options[] = {
    {.name = "max-order", .kind = NR_OPT_INT, .arg = "K",
     .help = "longest term searched at any unit (default 3)", .offset = TK(max_order), .lo = 1,
     .hi = 64},
    {.name = "max-terms", .kind = NR_OPT_INT, .arg = "N",
     .help = "terms one unit, or one class after expansion, may have\n(default 10000)",
     .offset = TK(max_terms), .lo = 1, .hi = 10000000},
    {.name = "verify-bits", .kind = NR_OPT_INT, .arg = "N",
     .help = "exact per-rule statistics by running the network on every\npoint of input cubes up "
             "to 2^N points (default 20; 0: none)",
     .offset = TK(verify_bits), .lo = 0, .hi = 40},
    {.name = "max-rules", .kind = NR_OPT_INT, .arg = "N",
     .help = "keep the N rules that agree best with the network on the\ncube, chosen greedily (default: all)",
     .offset = TK(max_rules), .lo = 1, .hi = 100000000},
    {.name = NULL},
};

static void tsuki_defaults(void *settings)
{
    tsuki_settings *s = settings;
    s->max_order = 3;
    s->max_terms = 10000;
    s->verify_bits = 20;
    s->max_rules = 0;
}

static void tsuki_describe(const void *settings, char *buf, size_t size)
{
    const tsuki_settings *s = settings;
    snprintf(buf, size, "--max-order %d --max-terms %d", s->max_order, s->max_terms);
    if (s->max_rules)
        nr_appendf(buf, size, " --max-rules %d", s->max_rules);
}

const nr_extractor nr_extractor_tsukimoto = {
    .name = "tsukimoto",
    .summary = "Tsukimoto's method: each unit's low-order implicants, exactly, expanded to the inputs",
    .opts = tsuki_options,
    .settings_size = sizeof(tsuki_settings),
    .defaults = tsuki_defaults,
    .describe = tsuki_describe,
    .run = tsuki_run,
};
