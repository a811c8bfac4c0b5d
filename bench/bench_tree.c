/*
 * bench_tree.c - speed of the tree induction engine on images labelled by a
 * network.
 *
 * usage: bench_tree MODEL IMAGES.gz LABELS.gz N
 *
 * Reads the model and the IDX images (with their labels file), keeps the
 * first N images, labels them with the network and times nr_tree_induce()
 * on the N x (input size) table with the network's labels, in two settings:
 *
 *   gini-unpruned  scikit-learn's DecisionTreeClassifier defaults: Gini,
 *                  min_leaf 1, unbounded depth and leaves, no pruning
 *   c45            C4.5's defaults (nr_tree_opts_default): gain ratio,
 *                  min_leaf 2, pessimistic pruning with cf 0.25
 *
 * Each figure is the best of three runs.  One line per setting:
 *   tree NAME n=N setting=S seconds=T leaves=L nodes=K train_fidelity=F
 * where NAME is the model's directory (examples/fashion/model.bin -> fashion)
 * and train_fidelity is the agreement of the tree with the network on the
 * N rows it was grown on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"
#include "extract.h"
#include "ir.h"
#include "model_io.h"
#include "tree.h"

#define RUNS 3

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* examples/fashion/model.bin -> "fashion"; otherwise the file name */
static void model_name(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash && strcmp(slash, "/model.bin") == 0) {
        const char *start = slash;
        while (start > path && start[-1] != '/')
            start--;
        snprintf(buf, size, "%.*s", (int)(slash - start), start);
    } else {
        snprintf(buf, size, "%s", slash ? slash + 1 : path);
    }
}

/* The tree's class for row x: walk from the root. */
static int tree_predict(const nr_tree *t, const float *x)
{
    int i = 0;
    while (!t->nodes[i].leaf)
        i = nr_cond_holds(&t->nodes[i].test, x, NULL) ? t->nodes[i].yes : t->nodes[i].no;
    return t->nodes[i].klass;
}

static int bench(const char *name, const char *setting, const nr_table *tab,
                 const nr_tree_opts *o)
{
    double best = 1e300;
    int leaves = 0, nnodes = 0;
    long agree = 0;

    for (int run = 0; run < RUNS; run++) {
        nr_arena *arena = nr_arena_new();
        nr_tree tree;
        nr_error err;
        double t0, t;

        if (!arena) {
            fprintf(stderr, "bench_tree: out of memory\n");
            return -1;
        }
        memset(&tree, 0, sizeof tree);
        nr_error_clear(&err);
        t0 = now();
        if (nr_tree_induce(tab, o, arena, &tree, &err) < 0) {
            fprintf(stderr, "bench_tree: %s: nr_tree_induce: %s\n", setting, err.msg);
            nr_arena_free(arena);
            return -1;
        }
        t = now() - t0;
        if (t < best)
            best = t;
        if (run == 0) {
            nnodes = tree.nnodes;
            for (int i = 0; i < tree.nnodes; i++)
                leaves += tree.nodes[i].leaf != 0;
            for (int r = 0; r < tab->nrows; r++)
                agree += tree_predict(&tree, tab->x + (size_t)r * (size_t)tab->ncols) == tab->y[r];
        }
        nr_arena_free(arena);
    }
    printf("tree %s n=%d setting=%s seconds=%.3f leaves=%d nodes=%d train_fidelity=%.4f\n", name,
           tab->nrows, setting, best, leaves, nnodes,
           tab->nrows ? (double)agree / (double)tab->nrows : 0.0);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_read_opts ropts = {NULL, NULL, NULL};
    nr_error err;
    nr_table tab;
    nr_tree_opts gini, c45;
    int *y = NULL, n, status = 1;
    char *end, name[256];
    long nl;

    if (argc != 5) {
        fprintf(stderr, "usage: bench_tree MODEL IMAGES.gz LABELS.gz N\n");
        return 2;
    }
    nl = strtol(argv[4], &end, 10);
    if (*end || end == argv[4] || nl < 1 || nl > 100000000) {
        fprintf(stderr, "bench_tree: N wants a whole number from 1 to 10^8, not '%s'\n", argv[4]);
        return 2;
    }
    nr_error_clear(&err);
    ropts.labels_path = argv[3];
    if (nr_model_read(argv[1], &m, &err) < 0 || nr_data_read(argv[2], &ropts, &d, &err) < 0 ||
        nr_dataset_match_model(d, m, &err) < 0) {
        fprintf(stderr, "bench_tree: %s\n", err.msg);
        goto done;
    }
    if (m->task != NN_TASK_CLASSIFY) {
        fprintf(stderr, "bench_tree: %s: not a classifier\n", argv[1]);
        goto done;
    }
    n = nl < d->nrows ? (int)nl : d->nrows;
    if (n < nl)
        fprintf(stderr, "bench_tree: %s has only %d rows\n", argv[2], d->nrows);
    y = malloc(sizeof *y * (size_t)n);
    if (!y) {
        fprintf(stderr, "bench_tree: out of memory\n");
        goto done;
    }
    if (nr_label_rows(m, d->x, n, y, NULL, &err) < 0) {
        fprintf(stderr, "bench_tree: labelling the rows: %s\n", err.msg);
        goto done;
    }

    memset(&tab, 0, sizeof tab);
    tab.nrows = n;
    tab.ncols = d->ncols;
    tab.x = d->x;
    tab.y = y;
    tab.nclasses = (int)nn_model_output_size(m);
    tab.var_kind = NR_VAR_INPUT;

    /* (a) scikit-learn's DecisionTreeClassifier defaults */
    nr_tree_opts_default(&gini);
    gini.criterion = NR_CRIT_GINI;
    gini.min_leaf = 1;
    gini.max_depth = 0;
    gini.max_leaves = 0;
    gini.prune = 0;
    gini.ccp_alpha = 0;
    gini.min_gain = 0;
    /* (b) C4.5's defaults */
    nr_tree_opts_default(&c45);

    model_name(argv[1], name, sizeof name);
    if (bench(name, "gini-unpruned", &tab, &gini) < 0 || bench(name, "c45", &tab, &c45) < 0)
        goto done;
    status = 0;
done:
    free(y);
    nr_dataset_free(d);
    nn_model_free(m);
    return status;
}
