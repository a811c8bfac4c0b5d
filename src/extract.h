/*
 * extract.h - the extractors: from a network (and data, or the input domain
 * the model declares) to rule IR.
 *
 * Shared pieces live here too: labelling rows with the network, sampling
 * the input domain, and the seeded random generator that makes every run
 * with the same --seed byte-identical.
 */
#ifndef NR_EXTRACT_H
#define NR_EXTRACT_H

#include <stdint.h>

#include "data.h"
#include "error.h"
#include "ir.h"
#include "nn.h"
#include "progress.h"
#include "tree.h"

/* ---- random numbers: xoshiro256**, seeded by splitmix64 ---------------- */

typedef struct nr_rng {
    uint64_t s[4];
} nr_rng;

void nr_rng_seed(nr_rng *r, uint64_t seed);
uint64_t nr_rng_next(nr_rng *r);
double nr_rng_uniform(nr_rng *r);          /* [0, 1) */
uint64_t nr_rng_below(nr_rng *r, uint64_t n); /* [0, n), unbiased */
double nr_rng_normal(nr_rng *r);           /* standard normal */
/* a[0..n-1]: a permutation of 0..n-1, uniformly at random */
void nr_rng_permutation(nr_rng *r, int *a, int n);
/* The held-out folds of a size choice: n rows in a random order (perm,
 * scratch of n) dealt in turn into nfolds folds (fold[i] its row's), or,
 * with nfolds 1, the last 30% of that order held out (fold 0) and the rest
 * never (-1). */
void nr_deal_folds(nr_rng *r, int n, int nfolds, int *perm, int *fold);

/* ---- labelling and sampling -------------------------------------------- */

/* Run the network on nrows rows x (input size each) and write the predicted
 * class of each row to y (classification) and/or the first output to yv
 * (regression); either may be NULL. */
int nr_label_rows(const nn_model *m, const float *x, int nrows, int *y,
                  double *yv, nr_error *err);

/* Rows on which the network's output is not finite (an input that
 * normalization overflows, say) have no prediction.  Run the network over
 * d: such a row is an error naming its file and line, or, with skip, is
 * removed from d and counted in *skipped (may be NULL).  kept (may be NULL)
 * receives, malloc'd, the original 0-based index of each row that remains.
 * No row left is an error too. */
int nr_dataset_check_outputs(nr_dataset *d, const nn_model *m, int skip, int *skipped,
                             int **kept, nr_error *err);

/* Draw n inputs from the domain the model declares: continuous features
 * uniformly in [min, max], integer and Boolean ones uniformly over their
 * values, one-hot groups with exactly one member set.  Fails when the model
 * declares no ranges.  *out is malloc'd, n * input size floats. */
int nr_sample_domain(const nn_model *m, int n, nr_rng *rng, float **out,
                     nr_error *err);

/* ---- extractors --------------------------------------------------------- */

/* What every extractor is given, whatever its own options (see
 * extractor.h for those). */
typedef struct nr_extract_opts {
    const char *model_path;   /* for provenance */
    const char *data_path;    /* NULL: sample the domain */
    uint32_t model_crc;       /* CRC-32 of the model file */
    uint64_t seed;
    int samples;              /* domain samples when there is no data */
    const char *options_text; /* the options as the user gave them, for provenance */
    struct nr_progress *progress; /* reports of long work (progress.h); NULL: none */
    struct nr_rules **intermediate; /* decompositional extractors: receives the
                                 rules over hidden units before they are rewritten
                                 over the inputs; NULL: not wanted */
    int precision;            /* round thresholds to this many significant digits
                                 (nr_round_thresholds) before the fit is measured;
                                 0: as chosen */
} nr_extract_opts;

void nr_extract_opts_default(nr_extract_opts *o);

/* The inputs an extractor learns from: the rows of --data; else
 * o->samples draws from the model's data profile (nr_profile_sample); else
 * from the input box it declares (nr_sample_domain).  x is rows->x or
 * `owned`; src says which kept row of the profile each draw came from
 * (NULL unless drawn from a profile).  nr_inputs_free frees what it owns. */
typedef struct nr_inputs {
    const float *x;
    int nrows;
    int sampled;       /* drawn, not read */
    int from_profile;  /* drawn from the data profile */
    float *owned;
    int *src;
    int nkept;         /* nr_inputs_join_kept: the first nkept rows are the
                          profile's kept rows (src[i] = i), weight 1 */
    double *w;         /* row weights, NULL: all 1 */
} nr_inputs;

int nr_extract_inputs(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      nr_rng *rng, nr_inputs *in, nr_error *err);

/* Put the profile's kept rows themselves in front of the samples drawn
 * around them, each kept row of weight 1 and the samples together of the
 * same weight as the kept rows.  The samples smooth a density that is wider
 * than the data where the data cluster (one bandwidth per feature, from the
 * whole column), so a tree grown on samples alone spends its first leaves
 * where real inputs are few; the real rows pull the early splits back to the
 * data, the samples fill in between them.  Nothing to do unless in was drawn
 * from a profile with kept rows. */
int nr_inputs_join_kept(const nn_model *m, nr_inputs *in, nr_error *err);
void nr_inputs_free(nr_inputs *in);

/* How the trees may split r's features: boolean[j] 1 for Boolean and
 * one-hot features (`x` / `not x`); nominal columns of rows (may be NULL)
 * make nominal features of r (rules say `colour == red`, not `colour ==
 * 2`), nvalues[j] their number of values, 0 for the others.  Both arrays
 * hold r->nfeatures; either may be NULL (the features of r say it too).
 * Returns 1 when some feature is nominal, else 0, or NR_ENOMEM. */
int nr_input_columns(nr_rules *r, const nr_dataset *rows, unsigned char *boolean, int *nvalues,
                     nr_error *err);

/* How the classification rules r fit the network's labels y on the rows x
 * (nfeatures each): nrows, agree and the majority fields of rep. */
struct nr_extract_report;
int nr_report_fit(const nr_rules *r, const float *x, int nrows, const int *y,
                  struct nr_extract_report *rep, nr_error *err);

/* Trees grown on samples drawn around real rows cut where the samples are
 * dense, at thresholds of many digits (petal_width <= 1.6868).  The real
 * rows are what a reader checks a rule against: each threshold on an input
 * (of a node's test, or of a literal of its m-of-n test) becomes the
 * shortest decimal between the rows (n of d features) that reach the node
 * on either side of it, no further than half-way to them, so that every
 * row goes the same way (petal_width <= 1.65).  Returns 0 or NR_ENOMEM. */
int nr_tree_readable_thresholds(nr_tree *tr, const float *rows, int n, int d, nr_error *err);

/* Each node's class distribution and statistics counted again on the rows
 * x (n of d features, labels y): the real rows, where a tree was grown on
 * samples drawn around them.  Leaves keep the classes they predict; an
 * inner node shows the commonest class of the rows that reach it. */
void nr_tree_recount(nr_tree *tr, const float *x, const int *y, int n, int d, int K);

struct nr_extract_report;
/* A size that agrees on at most this many held-out rows fewer than the
 * best is not shown worse by them: even if every row where the two differ
 * went the best's way, a one-sided sign test would give p = 0.5^4 > 0.05. */
#define NR_CHANCE_ROWS 4

/* The size held-out rows choose: curve[k] rows of nheld agree at size k
 * (0..smax); the smallest k within `tolerance` (a fraction of nheld) of
 * the best, or within NR_CHANCE_ROWS rows when that is more (unless
 * tolerance is 0).  Fills the size fields of rep with k and the best's k as
 * leaves and best_leaves (callers whose sizes count from 1 add it) and
 * returns the k picked. */
int nr_pick_size(const long *curve, int smax, long nheld, double tolerance, int held_profile,
                 struct nr_extract_report *rep);

/* The provenance block of r from o, under the name algorithm; and, when
 * o->precision asks, r's thresholds rounded (every extractor calls this
 * last, before measuring the fit). */
int nr_set_provenance(nr_rules *r, const nr_extract_opts *o, const char *algorithm,
                      nr_error *err);

/* The `tree` extractor's own settings (its options, extract_tree.c). */
typedef struct nr_tree_settings {
    nr_tree_opts tree;
    int as_rules;             /* turn the tree into a rule set (C4.5rules) */
    int max_rules;            /* with as_rules and tree.max_leaves = max_rules + 1:
                                 fewer leaves until at most this many rules; 0: none */
    int select_size;          /* choose the size on held-out rows (below); else
                                 the tree options alone decide it */
    double tolerance;         /* held-out fidelity the smallest tree may lose
                                 against the best size, a fraction (0.01) */
} nr_tree_settings;

void nr_tree_settings_default(nr_tree_settings *s);

/* How well a result fits the rows it was learnt from, for the summary and
 * for saying when it is degenerate.  Classification only (nrows 0
 * otherwise). */
typedef struct nr_extract_report {
    long nrows;        /* rows (or domain samples) labelled by the network */
    long agree;        /* of those, where the rules predict the network's class */
    long majority;     /* rows of the class the network predicts most often */
    int majority_class;
    int sampled;       /* 1: the rows were drawn, not read (source below) */
    int from_profile;  /* 1: drawn from the model's data profile; 0 with
                          sampled: from the declared input box */
    /* the size choice, when select_size was on and there were rows enough */
    int selected;      /* 1: the size below was chosen on held-out rows */
    long held_out;     /* rows held out of growing to choose the size */
    int held_profile;  /* 1: those were the profile's kept rows, the samples
                          having been drawn around them */
    int held_samples;  /* 1: those were drawn around too few rows of --data,
                          not the rows themselves */
    long held_agree;   /* of those, agreeing with the network at the chosen size */
    int leaves;        /* the chosen number of leaves */
    int best_leaves;   /* the size with the best held-out fidelity */
    long best_agree;   /* held-out rows agreeing at that size */
    double tolerance;  /* the fidelity the chosen size was allowed to lose */
    int regression;    /* 1: a regression tree's size, chosen by R^2 */
    double held_r2, best_r2; /* regression: held-out R^2 at the chosen and the
                          best size */
    int chance_rows;   /* > 0: allowed to lose this many held-out rows
                          instead, more than the tolerance (NR_CHANCE_ROWS) */
    int in_rules;      /* 1: leaves and best_leaves above count rules (besides
                          the default), chosen among `candidates` */
    int candidates;
} nr_extract_report;

/* Pedagogical tree: label the rows (or domain samples) with the network and
 * induce a tree on the network's labels.  rows may be NULL: then o->samples
 * inputs are drawn from the model's data profile (nr_profile_sample), or,
 * when it has none, from the declared input box (nr_sample_domain).  rep
 * (may be NULL) receives the fit on those rows and where they came from.
 *
 * With select_size (the default) a classification tree's size is chosen
 * rather than left to pruning: 30% of the rows (seeded) are held out, a
 * tree is grown best-first on the rest as far as it goes, and its held-out
 * fidelity is measured at every number of leaves; the smallest size within
 * `tolerance` of the best is then grown best-first on all the rows,
 * unpruned.  Inputs drawn from a profile that keeps at least 20 rows are
 * all grown on, and those real rows (labelled by the network) judge the
 * sizes instead.  A regression tree is judged by held-out R^2.  Fewer than
 * 20 rows: the tree options decide. */
int nr_extract_tree(const nn_model *m, const nr_dataset *rows,
                    const nr_extract_opts *o, const nr_tree_settings *s,
                    nr_rules **out, nr_extract_report *rep, nr_error *err);

/* The held-out choice of a tree's number of leaves that nr_extract_tree
 * makes (see there), for any tree options (a split hook sees the rows of t
 * through row_id): trees grown best-first on parts of t, judged on the
 * held-out rows of t, or, with hn > 0, on the hn real rows hx (labels hy;
 * for a regression tree, t->nclasses 0, targets hv) that row i of t was
 * drawn around (src[i]).  A classification tree is judged by fidelity, a
 * regression tree by R^2 (tolerance in points of it).  Fills the size
 * fields of rep; rep->leaves is the choice. */
int nr_choose_tree_size(const nr_table *t, const int *src, const float *hx, const int *hy,
                        const double *hv, int hn, const nr_extract_opts *o, const nr_tree_opts *tree,
                        double tolerance, nr_rng *rng, nr_extract_report *rep, nr_error *err);

/* ---- evaluation ---------------------------------------------------------- */

typedef struct nr_eval_result {
    long nrows;
    long agree;               /* rules == network */
    long has_labels;
    long correct;             /* rules == label */
    long net_correct;         /* network == label */
    long covered;             /* rows on which a rule (not the default) fired */
    int nclasses;
    long *confusion;          /* nclasses * nclasses: [network][rules]; malloc'd */
    int *net_class;           /* per row: the network's class; malloc'd */
    int *rules_class;         /* per row: the rules' class (-1: none); malloc'd */
    int nrules, nconds;
    /* regression rules: how they fit the network output they predict */
    int regress, output;
    double r2, mae;           /* 1 - SSE / total sum of squares; mean |error| */
} nr_eval_result;

/* Check that the rules speak about the model's inputs: the same features in
 * the same order (by name), the same classes, and only hidden units the
 * model has (an error at the condition's line:col in the rules file). */
int nr_rules_check_model(const nr_rules *r, const nn_model *m, nr_error *err);

/* The network output regression rules predict: the one their provenance's
 * options name (--regress N), else 0. */
int nr_rules_output(const nr_rules *r);

/* Fidelity, accuracy, coverage and confusion matrix of rules against the
 * network on rows (matched to the model).  Free res with
 * nr_eval_result_free(). */
int nr_evaluate(const nr_rules *r, const nn_model *m, const nr_dataset *rows,
                nr_eval_result *res, nr_error *err);
/* The same, reporting progress through prog (may be NULL). */
int nr_evaluate_progress(const nr_rules *r, const nn_model *m, const nr_dataset *rows,
                         nr_eval_result *res, nr_progress *prog, nr_error *err);
void nr_eval_result_free(nr_eval_result *res);

/* Exhaustive evaluation over the whole input cube of a model whose inputs
 * are all Boolean (or one-hot): exact counts as decimal strings (GMP
 * integers: the cube passes 2^64 long before a network does).  Refuses
 * cubes above 2^max_bits points. */
typedef struct nr_exhaustive_result {
    char *total;              /* number of points, decimal; malloc'd */
    char *agree;              /* points where rules == network */
    char *covered;            /* points where a rule fired */
    char *fidelity;           /* agree / total, decimal, 6 places */
    int nclasses;
    char **confusion;         /* nclasses * nclasses decimal counts */
} nr_exhaustive_result;

int nr_evaluate_exhaustive(const nr_rules *r, const nn_model *m, int max_bits,
                           nr_exhaustive_result *res, nr_error *err);
int nr_evaluate_exhaustive_progress(const nr_rules *r, const nn_model *m, int max_bits,
                                    nr_exhaustive_result *res, nr_progress *prog, nr_error *err);
void nr_exhaustive_result_free(nr_exhaustive_result *res);

#endif
