/*
 * extractors.c - the one table of extractors, and the shared parsing of
 * their options (see extractor.h).
 */
#include "extractor.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"
#include "profile.h"
#include "version.h"

extern const nr_extractor nr_extractor_tree, nr_extractor_cred, nr_extractor_deepred,
    nr_extractor_eclaire, nr_extractor_tsukimoto, nr_extractor_anndt, nr_extractor_trepan;

const nr_extractor *const nr_extractors[] = {
    &nr_extractor_tree,
    &nr_extractor_cred,
    &nr_extractor_deepred,
    &nr_extractor_eclaire,
    &nr_extractor_tsukimoto,
    &nr_extractor_anndt,
    &nr_extractor_trepan,
    NULL,
};

void nr_extract_opts_default(nr_extract_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->samples = 10000;
}

/* Provenance strings go into the rules' arena. */
int nr_set_provenance(nr_rules *r, const nr_extract_opts *o, const char *algorithm, nr_error *err)
{
    char crc[16];
    nr_provenance *p = &r->prov;
    snprintf(crc, sizeof crc, "%08x", (unsigned)o->model_crc);
    p->algorithm = nr_arena_strdup(r->arena, algorithm);
    p->version = nr_arena_strdup(r->arena, NR_VERSION);
    if (o->model_path) {
        p->model = nr_arena_strdup(r->arena, o->model_path);
        p->model_crc = nr_arena_strdup(r->arena, crc);
    }
    if (o->data_path)
        p->data = nr_arena_strdup(r->arena, o->data_path);
    if (o->options_text && o->options_text[0])
        p->options = nr_arena_strdup(r->arena, o->options_text);
    if (!p->algorithm || !p->version || (o->model_path && (!p->model || !p->model_crc)) ||
        (o->data_path && !p->data) || (o->options_text && o->options_text[0] && !p->options))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    return o->precision ? nr_round_thresholds(r, o->precision, err) : 0;
}

int nr_extract_inputs(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      nr_rng *rng, nr_inputs *in, nr_error *err)
{
    int rc;
    memset(in, 0, sizeof *in);
    if (rows) {
        if (rows->nrows < 1)
            return nr_error_at(err, NR_EINVAL, rows->path, 0, 0, "no rows to learn from");
        in->x = rows->x;
        in->nrows = rows->nrows;
        return 0;
    }
    in->sampled = 1;
    in->nrows = o->samples;
    if (m->profile) {
        in->from_profile = 1;
        rc = nr_profile_sample(m, o->samples, rng, &in->owned, &in->src, err);
    } else if ((rc = nr_sample_domain(m, o->samples, rng, &in->owned, err)) < 0 && !err->file[0] &&
               o->model_path) {
        snprintf(err->file, sizeof err->file, "%s", o->model_path);
    }
    in->x = in->owned;
    return rc;
}

int nr_inputs_join_kept(const nn_model *m, nr_inputs *in, nr_error *err)
{
    const nn_profile *p = m->profile;
    const size_t nin = nn_model_input_size(m);
    int k, n;
    float *x;
    int *src;
    double *w;

    if (!in->from_profile || !p || p->nrows < 1 || in->nkept > 0 || !in->src)
        return 0;
    k = p->nrows;
    if ((size_t)in->nrows + (size_t)k > ((size_t)1 << 31) / nin)
        return nr_error_set(err, NR_ELIMIT, "%d samples and %d kept rows of %zu features are too many",
                            in->nrows, k, nin);
    n = k + in->nrows;
    x = malloc((size_t)n * nin * sizeof *x);
    src = malloc((size_t)n * sizeof *src);
    w = malloc((size_t)n * sizeof *w);
    if (!x || !src || !w) {
        free(x);
        free(src);
        free(w);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    memcpy(x, p->rows, (size_t)k * nin * sizeof *x);
    memcpy(x + (size_t)k * nin, in->x, (size_t)in->nrows * nin * sizeof *x);
    for (int i = 0; i < n; i++) {
        src[i] = i < k ? i : in->src[i - k];
        w[i] = i < k ? 1.0 : (double)k / in->nrows;
    }
    free(in->owned);
    free(in->src);
    free(in->w);
    in->x = in->owned = x;
    in->src = src;
    in->w = w;
    in->nkept = k;
    in->nrows = n;
    return 0;
}

void nr_inputs_free(nr_inputs *in)
{
    free(in->owned);
    free(in->src);
    free(in->w);
    memset(in, 0, sizeof *in);
}

/* Boolean and one-hot features split as `x` / `not x`; nominal data
 * columns make nominal features, so that rules say `colour == red` rather
 * than `colour == 2`. */
int nr_input_columns(nr_rules *r, const nr_dataset *rows, unsigned char *boolean, int *nvalues,
                     nr_error *err)
{
    int any = 0;
    for (int j = 0; j < r->nfeatures; j++) {
        const nr_column *c = rows && j < rows->ncols ? &rows->cols[j] : NULL;
        nr_feature *f = &r->features[j];
        if (boolean)
            boolean[j] = f->kind == NR_FEAT_BOOLEAN || f->kind == NR_FEAT_ONEHOT;
        if (nvalues)
            nvalues[j] = 0;
        if (!c || c->kind != NR_COL_NOMINAL || c->nvalues < 1)
            continue;
        f->kind = NR_FEAT_NOMINAL;
        f->group = -1;
        f->nvalues = c->nvalues;
        f->values = nr_arena_calloc(r->arena, (size_t)c->nvalues, sizeof *f->values);
        if (!f->values)
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        for (int v = 0; v < c->nvalues; v++)
            if (!(f->values[v] = nr_arena_strdup(r->arena, c->values[v])))
                return nr_error_set(err, NR_ENOMEM, "out of memory");
        if (nvalues)
            nvalues[j] = c->nvalues;
        if (boolean)
            boolean[j] = 0;
        any = 1;
    }
    return any;
}

int nr_pick_size(const long *curve, int smax, long nheld, double tolerance, int held_profile,
                 nr_extract_report *rep)
{
    int best = 0, pick;
    double allowed = tolerance * (double)nheld;
    for (int k = 1; k <= smax; k++)
        if (curve[k] > curve[best])
            best = k;
    /* on few held-out rows a point is less than one row: a size that loses
     * no more rows than chance could (NR_CHANCE_ROWS) is as good */
    rep->chance_rows = 0;
    if (tolerance > 0 && allowed < NR_CHANCE_ROWS) {
        allowed = NR_CHANCE_ROWS;
        rep->chance_rows = NR_CHANCE_ROWS;
    }
    for (pick = 0; pick < best; pick++)
        if ((double)curve[pick] >= (double)curve[best] - allowed)
            break;
    rep->selected = 1;
    rep->tolerance = tolerance;
    rep->held_profile = held_profile;
    rep->held_out = nheld;
    rep->held_agree = curve[pick];
    rep->best_agree = curve[best];
    rep->leaves = pick;
    rep->best_leaves = best;
    return pick;
}

/* For a threshold condition (x <= t or x > t on an input): widen *lo and
 * *hi, the nearest values of x seen at or below t and above it. */
static void literal_gap(const nr_cond *c, const float *x, float *lo, float *hi)
{
    if ((c->op == NR_LE || c->op == NR_GT) && c->var.kind == NR_VAR_INPUT) {
        float v = x[c->var.index];
        if (v <= c->t && v > *lo)
            *lo = v;
        if (v > c->t && v < *hi)
            *hi = v;
    }
}

int nr_tree_readable_thresholds(nr_tree *tr, const float *rows, int n, int d, nr_error *err)
{
    /* a slot per condition: each node's test, or each literal of its
     * m-of-n test */
    int *slot = malloc(((size_t)tr->nnodes + 1) * sizeof *slot), nslots = 0;
    float *lo = NULL, *hi = NULL;
    for (int i = 0; slot && i < tr->nnodes; i++) {
        slot[i] = nslots;
        nslots += tr->nodes[i].leaf ? 0 : tr->nodes[i].test.op == NR_MOFN ? tr->nodes[i].test.n : 1;
    }
    if (slot) {
        lo = malloc(((size_t)nslots + 1) * sizeof *lo);
        hi = malloc(((size_t)nslots + 1) * sizeof *hi);
    }
    if (!slot || !lo || !hi) {
        free(slot);
        free(lo);
        free(hi);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    for (int k = 0; k < nslots; k++) {
        lo[k] = -INFINITY;
        hi[k] = INFINITY;
    }
    for (int r = 0; r < n; r++) {
        const float *x = rows + (size_t)r * d;
        int node = 0;
        while (!tr->nodes[node].leaf) {
            const nr_cond *c = &tr->nodes[node].test;
            if (c->op == NR_MOFN)
                for (int k = 0; k < c->n; k++)
                    literal_gap(&c->sub[k], x, &lo[slot[node] + k], &hi[slot[node] + k]);
            else
                literal_gap(c, x, &lo[slot[node]], &hi[slot[node]]);
            node = nr_cond_holds(c, x, NULL) ? tr->nodes[node].yes : tr->nodes[node].no;
        }
    }
    for (int i = 0; i < tr->nnodes; i++) {
        nr_cond *c = &tr->nodes[i].test;
        if (tr->nodes[i].leaf)
            continue;
        for (int k = 0; k < (c->op == NR_MOFN ? c->n : 1); k++) {
            nr_cond *l = c->op == NR_MOFN ? &c->sub[k] : c;
            if ((l->op == NR_LE || l->op == NR_GT) && l->var.kind == NR_VAR_INPUT)
                l->t = nr_readable_threshold(l->t, lo[slot[i] + k], hi[slot[i] + k]);
        }
    }
    free(slot);
    free(lo);
    free(hi);
    return 0;
}

void nr_tree_recount(nr_tree *tr, const float *x, const int *y, int n, int d, int K)
{
    for (int i = 0; i < tr->nnodes; i++)
        if (tr->nodes[i].dist)
            memset(tr->nodes[i].dist, 0, (size_t)K * sizeof *tr->nodes[i].dist);
    for (int r = 0; r < n; r++) {
        int node = 0;
        for (;;) {
            nr_node *nd = &tr->nodes[node];
            if (nd->dist)
                nd->dist[y[r]] += 1;
            if (nd->leaf)
                break;
            node = nr_cond_holds(&nd->test, x + (size_t)r * d, NULL) ? nd->yes : nd->no;
        }
    }
    for (int i = 0; i < tr->nnodes; i++) {
        nr_node *nd = &tr->nodes[i];
        double cover = 0;
        if (!nd->dist)
            continue;
        for (int k = 0; k < K; k++) {
            if (!nd->leaf && nd->dist[k] > nd->dist[nd->klass])
                nd->klass = k;
            cover += nd->dist[k];
        }
        nd->stats.has = 1;
        nd->stats.cover = cover;
        nd->stats.correct = nd->dist[nd->klass];
        nd->stats.confidence = nr_stats_laplace(nd->stats.correct, cover, K);
    }
}

int nr_report_fit(const nr_rules *r, const float *x, int nrows, const int *y, nr_extract_report *rep,
                  nr_error *err)
{
    long *count = calloc((size_t)r->nclasses + 1, sizeof *count);
    if (!count)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    rep->nrows = nrows;
    rep->agree = rep->majority = 0;
    rep->majority_class = 0;
    for (int i = 0; i < nrows; i++) {
        rep->agree += nr_rules_predict(r, x + (size_t)i * r->nfeatures, NULL, NULL, NULL) == y[i];
        if (y[i] >= 0 && y[i] < r->nclasses)
            count[y[i]]++;
    }
    for (int k = 0; k < r->nclasses; k++)
        if (count[k] > rep->majority) {
            rep->majority = count[k];
            rep->majority_class = k;
        }
    free(count);
    return 0;
}

const nr_extractor *nr_extractor_find(const char *name)
{
    for (int i = 0; nr_extractors[i]; i++)
        if (strcmp(nr_extractors[i]->name, name) == 0)
            return nr_extractors[i];
    return NULL;
}

const nr_optdef *nr_extractor_option(const nr_extractor *x, const char *name, int *index)
{
    for (int i = 0; x->opts && x->opts[i].name; i++)
        if (strcmp(x->opts[i].name, name) == 0) {
            if (index)
                *index = i;
            return &x->opts[i];
        }
    return NULL;
}

int nr_opt_set(const nr_optdef *d, void *settings, const char *arg, nr_error *err)
{
    char *field = (char *)settings + d->offset, *end;
    double v;
    int iv;
    switch (d->kind) {
    case NR_OPT_FLAG:
        memcpy(field, &d->value, sizeof d->value);
        return 0;
    case NR_OPT_CHOICE:
        for (int k = 0; d->choices[k]; k++)
            if (strcmp(d->choices[k], arg) == 0) {
                memcpy(field, &k, sizeof k);
                return 0;
            }
        {
            char list[256] = "";
            size_t len = 0;
            for (int k = 0; d->choices[k] && len < sizeof list; k++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                        k == 0 ? "" : d->choices[k + 1] ? ", " : " or ",
                                        d->choices[k]);
            return nr_error_set(err, NR_EINVAL, "--%s is %s, not '%s'", d->name, list, arg);
        }
    case NR_OPT_SET: {
        unsigned set = 0;
        const char *p = arg;
        if (strcmp(arg, "all") == 0) {
            memcpy(field, &set, sizeof set);
            return 0;
        }
        for (;;) {
            long k;
            errno = 0;
            k = strtol(p, &end, 10);
            if (errno || end == p || !(k >= d->lo && k <= d->hi) || (*end && *end != ','))
                return nr_error_set(err, NR_EINVAL, "--%s wants 'all' or whole numbers from %.0f to "
                                    "%.0f separated by commas, not '%s'", d->name, d->lo, d->hi, arg);
            set |= 1u << (k - 1);
            if (!*end)
                break;
            p = end + 1;
        }
        memcpy(field, &set, sizeof set);
        return 0;
    }
    case NR_OPT_INT:
    case NR_OPT_REAL:
        if ((d->flags & NR_OPT_AUTO) && strcmp(arg, "auto") == 0) {
            iv = 0;
            v = 0;
            if (d->kind == NR_OPT_INT)
                memcpy(field, &iv, sizeof iv);
            else
                memcpy(field, &v, sizeof v);
            return 0;
        }
        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || !(v >= d->lo && v <= d->hi) ||
            (d->kind == NR_OPT_INT && v != floor(v))) {
            const char *or_auto = d->flags & NR_OPT_AUTO ? " or auto" : "";
            if (d->kind == NR_OPT_INT)
                return nr_error_set(err, NR_EINVAL, "--%s wants a whole number from %.0f to %.0f%s, "
                                    "not '%s'", d->name, d->lo, d->hi, or_auto, arg);
            return nr_error_set(err, NR_EINVAL, "--%s wants a number from %g to %g%s, not '%s'",
                                d->name, d->lo, d->hi, or_auto, arg);
        }
        if (d->kind == NR_OPT_INT) {
            iv = (int)v;
            memcpy(field, &iv, sizeof iv);
        } else {
            v *= d->scale != 0 ? d->scale : 1;
            memcpy(field, &v, sizeof v);
        }
        return 0;
    }
    return nr_error_set(err, NR_EINVAL, "--%s: unknown kind of option", d->name);
}
