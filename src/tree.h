/*
 * tree.h - the tree induction engine: C4.5 and CART on any matrix of
 * attributes (input features or hidden activations) with any target labels.
 *
 * Every extractor calls it: the pedagogical `tree` extractor on the inputs
 * with the network's labels, CRED/DeepRED/ECLAIRE on hidden activations,
 * ANN-DT on samples.  The tree it grows goes into an nr_tree allocated from
 * the caller's arena (the arena of the nr_rules that will hold it).
 */
#ifndef NR_TREE_H
#define NR_TREE_H

#include "error.h"
#include "ir.h"

typedef enum nr_criterion {
    NR_CRIT_GAIN_RATIO = 0, /* C4.5 (default) */
    NR_CRIT_GAIN = 1,       /* information gain */
    NR_CRIT_GINI = 2,       /* CART */
    NR_CRIT_VARIANCE = 3    /* regression trees: variance reduction */
} nr_criterion;

/* Regression tables (nclasses 0) always use NR_CRIT_VARIANCE, whatever
 * `criterion` says; NR_CRIT_VARIANCE on a classification table is NR_EINVAL.
 * min_gain is in the criterion's units per unit weight (bits of
 * information gain for gain and gain ratio, Gini decrease, variance
 * decrease).  `prune` and `cf` apply to classification only. */
/* A split of a node: the column, its test (NR_LE for numeric columns, NR_EQ
 * for nominal ones, NR_TRUE for Boolean ones) and threshold or value, and
 * its impurity decrease per unit weight (which orders best-first growth). */
typedef struct nr_split {
    int col;          /* -1: none */
    nr_cond_op op;
    float t;
    double gain;
    int ncuts;        /* the cuts it was the best of (numeric: distinct values
                         less one; nominal: values; Boolean: 1) */
} nr_split;

struct nr_table;

/* A hook that judges or replaces the engine's split at every node it could
 * split (impure, not stopped by depth or weight): rows[0..nrows) are the
 * node's rows of the table, cand[j] the best cut of column j by the
 * criterion (col -1: none; gain without the MDL correction) and *s the
 * engine's choice (col -1: none), which the hook may replace by any split,
 * or by none (col -1: the node stays a leaf).  A split that leaves less
 * than min_leaf weight on either side is refused (the node stays a leaf).
 * Returns 0, or a negative NR_E* code with err filled, which ends the
 * growth with that error. */
typedef int (*nr_split_hook)(void *ctx, const struct nr_table *t, const int *rows, int nrows,
                             const nr_split *cand, nr_split *s, nr_error *err);

typedef struct nr_tree_opts {
    nr_criterion criterion;
    double min_leaf;     /* minimum weight of cases in each branch of a split (C4.5: 2) */
    int max_depth;       /* 0: unlimited */
    int max_leaves;      /* 0: unlimited; else grow best-first up to this many leaves */
    int prune;           /* C4.5 pessimistic-error pruning (subtree replacement) */
    double cf;           /* confidence factor for pruning, (0, 1); C4.5's default 0.25 */
    double ccp_alpha;    /* CART minimal cost-complexity pruning; 0: none */
    double min_gain;     /* a split must gain more than this; 0 */
    int mdl;             /* gain ratio: C4.5 release 8's correction of a numeric
                            column's gain by log2(cuts) / weight (default on) */
    nr_split_hook split_hook; /* NULL: none */
    void *split_ctx;          /* passed to split_hook */
} nr_tree_opts;

/* C4.5 defaults: gain ratio with the MDL correction, min_leaf 2, pruning
 * on, cf 0.25. */
void nr_tree_opts_default(nr_tree_opts *o);

/* A view of the data to grow a tree on. */
typedef struct nr_table {
    int nrows, ncols;
    const float *x;       /* nrows * ncols, row-major; no NaN */
    const int *nvalues;   /* per column: 0 numeric (threshold splits), k > 0 nominal
                             with values 0..k-1 (== splits); NULL: all numeric */
    const int *y;         /* classification: class of each row, 0..nclasses-1 */
    int nclasses;         /* 0: regression, targets in yv */
    const double *yv;     /* regression targets */
    const double *w;      /* row weights, NULL: all 1 */
    /* what the columns are, so that conditions name the right variable:
     * column j is nr_var {var_kind, var_layer, col_var ? col_var[j] : j} */
    nr_var_kind var_kind;
    int var_layer;
    const int *col_var;
    /* Boolean columns (values 0 and 1) may be split as `x` / `not x`
     * instead of `x <= 0.5`: per column flag, NULL: none */
    const unsigned char *boolean;
    /* for a split hook: row r is row row_id[r] of the rows the hook knows
     * (a table of some of them, say); NULL: r */
    const int *row_id;
} nr_table;

/* Grow (and prune, as the options say) a tree.  Deterministic: the same
 * table and options give the same tree.  Ties between splits go to the lower
 * column, then the lower threshold.  Leaves carry the class distribution
 * (classification) or mean (regression) and nr_stats (cover, correct,
 * Laplace confidence; in regression trees, every node's spread sd: the
 * weighted standard deviation of the targets that reach it).  Every
 * internal node's test is `var <= t` (yes branch) for numeric columns,
 * `var == v` for nominal ones, `var` (NR_TRUE) for Boolean ones.
 * Thresholds are float midpoints between consecutive distinct values,
 * chosen so that `x <= t` in float separates exactly the rows the split
 * meant.
 *
 * o NULL means nr_tree_opts_default().  The nodes come in preorder (a
 * node, its yes subtree, its no subtree); node and class-distribution
 * arrays are allocated from `arena`, nothing else outlives the call.
 * Errors: NR_EINVAL for no rows or columns, a label outside
 * 0..nclasses-1, NaN values, a nominal value outside 0..k-1, negative or
 * non-finite weights, rows weighing nothing, bad options; NR_ENOMEM. */
int nr_tree_induce(const nr_table *t, const nr_tree_opts *o, nr_arena *arena,
                   nr_tree *out, nr_error *err);

/* The whole best-first growth path at once: the tree grown best-first as
 * far as it goes, unpruned (max_leaves, prune and ccp_alpha of o are
 * ignored), and *rank, malloc'd, one int per node: for an internal node its
 * place in the order of splitting (0 for the root), -1 for a leaf.  The
 * tree that best-first growth stops at k leaves is this one with every node
 * of rank k - 1 or more made a leaf, so every size can be evaluated from
 * one growth.  The caller frees *rank. */
int nr_tree_induce_path(const nr_table *t, const nr_tree_opts *o, nr_arena *arena,
                        nr_tree *out, int **rank, nr_error *err);

/* A readable stand-in for threshold t when the rows that matter are the
 * real ones, lo (the largest at most t; -inf: none) and hi (the least above
 * t; +inf: none): the shortest decimal within half-way from t to each,
 * that keeps lo <= it < hi; t itself when there is none. */
float nr_readable_threshold(float t, float lo, float hi);

/* The threshold a split puts between consecutive distinct values lo < hi:
 * `x <= t` holds for lo and not for hi, and t is the shortest decimal in
 * the middle half of the gap (else anywhere in it, else the midpoint or
 * lo), so that rules read `petal_width <= 0.8`. */
float nr_cut_threshold(float lo, float hi);

#endif
