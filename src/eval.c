/*
 * eval.c - how good are the rules: fidelity (agreement with the network),
 * accuracy (agreement with the labels), coverage and the confusion matrix,
 * on data; over the whole input cube of all-Boolean inputs in cube.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube.h"

#define EVAL_BATCH 512

/* A hidden unit the model does not have, or 0.  Evaluation indexes the
 * activations with the unit's number, so it must be checked here. */
static int check_unit(const nr_rules *r, const nn_model *m, nr_var v, int line, int col,
                      nr_error *err)
{
    if (v.kind != NR_VAR_HIDDEN)
        return 0;
    if (v.layer < 0 || v.layer >= m->nlayers)
        return nr_error_at(err, NR_EINVAL, r->path ? r->path : "<rules>", line, col,
                           "hidden unit h%d.%d: the model has no layer %d (layers 0 to %d)",
                           v.layer, v.index, v.layer, m->nlayers - 1);
    if (v.index < 0 || (size_t)v.index >= nn_layer_size(m, v.layer))
        return nr_error_at(err, NR_EINVAL, r->path ? r->path : "<rules>", line, col,
                           "hidden unit h%d.%d: layer %d of the model has %zu units "
                           "(h%d.0 to h%d.%zu)", v.layer, v.index, v.layer,
                           nn_layer_size(m, v.layer), v.layer, v.layer,
                           nn_layer_size(m, v.layer) - 1);
    return 0;
}

static int check_cond(const nr_rules *r, const nn_model *m, const nr_cond *c, nr_error *err)
{
    int rc;
    if (c->op != NR_MOFN)
        return check_unit(r, m, c->var, c->line, c->col, err);
    for (int i = 0; i < c->n; i++)
        if ((rc = check_cond(r, m, &c->sub[i], err)) < 0)
            return rc;
    return 0;
}

static int check_units(const nr_rules *r, const nn_model *m, nr_error *err)
{
    int rc = 0;
    switch (r->kind) {
    case NR_BODY_TREE:
        for (int i = 0; i < r->tree.nnodes && rc == 0; i++)
            if (!r->tree.nodes[i].leaf)
                rc = check_cond(r, m, &r->tree.nodes[i].test, err);
        break;
    case NR_BODY_RULESET:
        for (int i = 0; i < r->rs.nrules && rc == 0; i++)
            for (int j = 0; j < r->rs.rules[i].nconds && rc == 0; j++)
                rc = check_cond(r, m, &r->rs.rules[i].conds[j], err);
        break;
    case NR_BODY_LINEAR:
        for (int i = 0; i < r->lin.nterms && rc == 0; i++) {
            const nr_term *t = &r->lin.terms[i];
            rc = t->indicator ? check_cond(r, m, &t->cond, err)
                              : check_unit(r, m, t->var, t->line, t->col, err);
        }
        break;
    }
    return rc;
}

/* The network output regression rules predict: the one their provenance's
 * options name (--regress N, ANN-DT's), else the first. */
int nr_rules_output(const nr_rules *r)
{
    const char *p = r->prov.options ? strstr(r->prov.options, "--regress ") : NULL;
    return p ? atoi(p + 10) : 0;
}

int nr_rules_check_model(const nr_rules *r, const nn_model *m, nr_error *err)
{
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    if ((size_t)r->nfeatures != nin)
        return nr_error_set(err, NR_EINVAL, "the rules have %d features, the model has %zu inputs",
                            r->nfeatures, nin);
    if (m->features)
        for (size_t i = 0; i < nin; i++)
            if (strcmp(r->features[i].name, m->features[i].name) != 0)
                return nr_error_set(err, NR_EINVAL,
                                    "feature %zu is '%s' in the rules but '%s' in the model", i + 1,
                                    r->features[i].name, m->features[i].name);
    if (r->task == NR_TASK_CLASSIFY && m->task == NN_TASK_CLASSIFY) {
        if ((size_t)r->nclasses != nout)
            return nr_error_set(err, NR_EINVAL, "the rules have %d classes, the model has %zu outputs",
                                r->nclasses, nout);
        if (m->class_names)
            for (size_t k = 0; k < nout; k++)
                if (strcmp(r->classes[k], m->class_names[k]) != 0)
                    return nr_error_set(err, NR_EINVAL,
                                        "class %zu is '%s' in the rules but '%s' in the model", k + 1,
                                        r->classes[k], m->class_names[k]);
    } else if (r->task == NR_TASK_REGRESS) {
        /* of a classifier too: one of its scores */
        if (nr_rules_output(r) < 0 || (size_t)nr_rules_output(r) >= nout)
            return nr_error_set(err, NR_EINVAL, "the rules predict output %d, the model has %zu",
                                nr_rules_output(r), nout);
    } else if ((r->task == NR_TASK_CLASSIFY) != (m->task == NN_TASK_CLASSIFY)) {
        return nr_error_set(err, NR_EINVAL, "the rules are for %s, the model does %s",
                            r->task == NR_TASK_CLASSIFY ? "classification" : "regression",
                            m->task == NN_TASK_CLASSIFY ? "classification" : "regression");
    }
    return check_units(r, m, err);
}

void nr_eval_result_free(nr_eval_result *res)
{
    free(res->confusion);
    free(res->net_class);
    free(res->rules_class);
    res->confusion = NULL;
    res->net_class = res->rules_class = NULL;
}

/* Runs the network over rows in batches and calls back per row with the
 * network's class and the row's hidden activations. */
typedef struct batch_run {
    const nn_model *m;
    nn_workspace *ws;
    float *out;
    const float **act;
    nr_hidden hidden;
    int need_hidden;
    int batch;          /* rows a forward takes: EVAL_BATCH, or fewer to fit
                           NN_WORKSPACE_BUDGET */
} batch_run;

static int batch_open(batch_run *b, const nn_model *m, int need_hidden, nr_error *err)
{
    memset(b, 0, sizeof *b);
    b->m = m;
    b->need_hidden = need_hidden;
    b->batch = nn_batch_within(m, EVAL_BATCH, NN_WORKSPACE_BUDGET);
    b->ws = nn_workspace_new(m, b->batch);
    b->out = malloc(sizeof *b->out * nn_model_output_size(m) * (size_t)b->batch);
    b->act = calloc((size_t)m->nlayers, sizeof *b->act);
    if (!b->ws || !b->out || !b->act)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    b->hidden.nlayers = m->nlayers;
    b->hidden.act = b->act;
    return 0;
}

static void batch_close(batch_run *b)
{
    nn_workspace_free(b->ws);
    free(b->out);
    free(b->act);
}

static int batch_forward(batch_run *b, const float *x, int n, nr_error *err)
{
    nn_error nerr;
    memset(&nerr, 0, sizeof nerr);
    if (nn_forward(b->m, b->ws, x, n, b->out, &nerr) < 0)
        return nr_error_set(err, NR_EMODEL, "running the network: %s", nerr.msg);
    return 0;
}

/* Point the hidden accessor at row i of the last batch. */
static const nr_hidden *batch_hidden(batch_run *b, int i)
{
    if (!b->need_hidden)
        return NULL;
    for (int l = 0; l < b->m->nlayers; l++)
        b->act[l] = nn_activation(b->ws, l) + (size_t)i * nn_layer_size(b->m, l);
    return &b->hidden;
}

int nr_evaluate(const nr_rules *r, const nn_model *m, const nr_dataset *rows,
                nr_eval_result *res, nr_error *err)
{
    return nr_evaluate_progress(r, m, rows, res, NULL, err);
}

int nr_evaluate_progress(const nr_rules *r, const nn_model *m, const nr_dataset *rows,
                         nr_eval_result *res, nr_progress *prog, nr_error *err)
{
    size_t nin = nn_model_input_size(m), nout = nn_model_output_size(m);
    batch_run b;
    int rc, k = r->nclasses > 0 ? r->nclasses : 1;
    const int regress = r->task == NR_TASK_REGRESS, output = nr_rules_output(r);
    double sy = 0, syy = 0, sse = 0, sae = 0;

    memset(res, 0, sizeof *res);
    if ((rc = nr_rules_check_model(r, m, err)) < 0)
        return rc;
    res->nclasses = r->nclasses;
    res->nrules = nr_rules_count(r, &res->nconds);
    res->has_labels = rows->has_labels;
    res->confusion = calloc((size_t)k * (size_t)k, sizeof *res->confusion);
    res->net_class = malloc(sizeof *res->net_class * (size_t)(rows->nrows > 0 ? rows->nrows : 1));
    res->rules_class = malloc(sizeof *res->rules_class * (size_t)(rows->nrows > 0 ? rows->nrows : 1));
    if (!res->confusion || !res->net_class || !res->rules_class) {
        nr_eval_result_free(res);
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    }
    nr_progress_start(prog, "evaluating rows", rows->nrows);
    if ((rc = batch_open(&b, m, nr_rules_uses_hidden(r), err)) < 0)
        goto done;
    for (int r0 = 0; r0 < rows->nrows; r0 += b.batch) {
        int n = rows->nrows - r0 < b.batch ? rows->nrows - r0 : b.batch;
        nr_progress_update(prog, r0);
        if ((rc = batch_forward(&b, rows->x + (size_t)r0 * nin, n, err)) < 0)
            goto done;
        for (int i = 0; i < n; i++) {
            const float *x = rows->x + (size_t)(r0 + i) * nin;
            int fired, net = nn_argmax(b.out + (size_t)i * nout, nout);
            double value = 0;
            int got = nr_rules_predict(r, x, batch_hidden(&b, i), &value, &fired);
            res->net_class[res->nrows] = net;
            res->rules_class[res->nrows] = got;
            res->nrows++;
            res->agree += got == net;
            res->covered += fired >= 0;
            if (regress) {
                const double yv = b.out[(size_t)i * nout + (size_t)output], e = value - yv;
                sy += yv;
                syy += yv * yv;
                sse += e * e;
                sae += fabs(e);
            }
            if (rows->has_labels) {
                res->correct += got == rows->labels[r0 + i];
                res->net_correct += net == rows->labels[r0 + i];
            }
            if (got >= 0 && got < k && net < k)
                res->confusion[(size_t)net * (size_t)k + (size_t)got]++;
        }
    }
    if (regress && res->nrows > 0) {
        const double sst = syy - sy * sy / (double)res->nrows;
        res->regress = 1;
        res->output = output;
        res->mae = sae / (double)res->nrows;
        res->r2 = sst > 0 ? 1 - sse / sst : sse == 0 ? 1 : 0;
    }
    nr_progress_update(prog, rows->nrows);
done:
    nr_progress_end(prog);
    batch_close(&b);
    if (rc < 0)
        nr_eval_result_free(res);
    return rc;
}

/* ---- the whole Boolean cube ----------------------------------------------- */

void nr_exhaustive_result_free(nr_exhaustive_result *res)
{
    free(res->total);
    free(res->agree);
    free(res->covered);
    free(res->fidelity);
    if (res->confusion)
        for (int i = 0; i < res->nclasses * res->nclasses; i++)
            free(res->confusion[i]);
    free(res->confusion);
    memset(res, 0, sizeof *res);
}

/* The enumeration itself is in cube.c. */
int nr_evaluate_exhaustive(const nr_rules *r, const nn_model *m, int max_bits,
                           nr_exhaustive_result *res, nr_error *err)
{
    return nr_evaluate_cube(r, m, max_bits, NR_CUBE_FAST, res, NULL, err);
}

int nr_evaluate_exhaustive_progress(const nr_rules *r, const nn_model *m, int max_bits,
                                    nr_exhaustive_result *res, nr_progress *prog, nr_error *err)
{
    return nr_evaluate_cube(r, m, max_bits, NR_CUBE_FAST, res, prog, err);
}
