/*
 * ir.h - the rule IR: what every extractor produces, every pass rewrites,
 * and every back end (text, DOT/SVG/PNG, C, JSON) and the rule-language
 * parser read and write.
 *
 * One nr_rules object is one extracted model: a header (feature and class
 * names, feature types and ranges, provenance) and a body that is one of
 *   - a binary decision tree (leaves hold a class, a class distribution, or a
 *     number for regression trees),
 *   - a rule set: ordered (a decision list: the first rule that fires wins)
 *     or unordered (every rule that fires votes, by a stated policy), with a
 *     default class; DNF per class is an unordered set whose rules are grouped
 *     by class,
 *   - a linear surrogate (intercept plus weighted terms), for LIME.
 *
 * Conditions test an input feature (`x <= t`, `x > t`, `x == v`, `x != v`,
 * Boolean `x` / `not x`), a hidden unit (`h2.5 > 0.31`, for CRED/DeepRED's
 * intermediate rules) or are m-of-n tests over other conditions (TREPAN).
 *
 * Thresholds are float32, the precision of the network's inputs: `x <= t`
 * is decided in float, exactly as generated C decides it.
 *
 * Ownership: every node, condition, rule, string and array reachable from an
 * nr_rules lives in its arena and dies with nr_rules_free().  Build IR with
 * the nr_rules_* helpers below, which allocate from that arena; never free()
 * a part of it.
 */
#ifndef NR_IR_H
#define NR_IR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- arena ------------------------------------------------------------ */

typedef struct nr_arena nr_arena;

nr_arena *nr_arena_new(void);
void nr_arena_free(nr_arena *a);
/* Zeroed memory, aligned for any type; NULL when out of memory. */
void *nr_arena_alloc(nr_arena *a, size_t size);
void *nr_arena_calloc(nr_arena *a, size_t n, size_t size); /* overflow-checked */
char *nr_arena_strdup(nr_arena *a, const char *s);

/* ---- header: features and classes ------------------------------------- */

typedef enum nr_feature_kind {
    NR_FEAT_CONTINUOUS = 0,
    NR_FEAT_BOOLEAN = 1,   /* 0 or 1 */
    NR_FEAT_ONEHOT = 2,    /* 0 or 1, one of a group */
    NR_FEAT_INTEGER = 3,
    NR_FEAT_NOMINAL = 4    /* value v (0, 1, ...) stands for values[v] */
} nr_feature_kind;

typedef struct nr_feature {
    const char *name;
    nr_feature_kind kind;
    int group;             /* one-hot group, -1 otherwise */
    int has_range;
    float min, max;        /* when has_range */
    int nvalues;           /* nominal: names of the values */
    const char **values;
} nr_feature;

typedef enum nr_task {
    NR_TASK_CLASSIFY = 0,
    NR_TASK_REGRESS = 1
} nr_task;

/* Where the rules came from, written as comments in the text form (and
 * parsed back).  Any field may be NULL. */
typedef struct nr_provenance {
    const char *model;      /* model file name */
    const char *model_crc;  /* CRC-32 of the model file, 8 hex digits */
    const char *algorithm;  /* "tree", "cred", ... */
    const char *options;    /* the options that shaped the result, one line */
    const char *version;    /* nn2rules version */
    const char *data;       /* data file the rules were induced on */
} nr_provenance;

/* ---- conditions -------------------------------------------------------- */

typedef enum nr_cond_op {
    NR_LE = 0,   /* var <= t */
    NR_GT = 1,   /* var > t */
    NR_EQ = 2,   /* var == value (nominal value index, or a number) */
    NR_NE = 3,   /* var != value */
    NR_TRUE = 4, /* Boolean var is 1 (value > 0.5) */
    NR_FALSE = 5,/* Boolean var is 0 */
    NR_MOFN = 6  /* at least m of the sub-conditions hold */
} nr_cond_op;

typedef enum nr_var_kind {
    NR_VAR_INPUT = 0,  /* input feature `index` */
    NR_VAR_HIDDEN = 1  /* unit `index` of the output of runtime layer `layer` */
} nr_var_kind;

typedef struct nr_var {
    nr_var_kind kind;
    int layer;         /* hidden only: runtime layer index (0-based) */
    int index;
} nr_var;

typedef struct nr_cond nr_cond;
struct nr_cond {
    nr_cond_op op;
    nr_var var;        /* not for NR_MOFN */
    float t;           /* NR_LE, NR_GT: threshold; NR_EQ, NR_NE: the value */
    int m, n;          /* NR_MOFN: at least m of the n conditions in sub */
    nr_cond *sub;      /* NR_MOFN: n conditions (none of them m-of-n) */
    int line, col;     /* where the rules text has it, for messages; 0: not parsed */
};

/* ---- statistics -------------------------------------------------------- */

/* Per rule or per tree node, on the data the rules were induced or last
 * evaluated on.  Weighted counts; confidence is the Laplace estimate
 * (correct + 1) / (cover + classes), 0 when unknown.  For regression, sd
 * is the weighted standard deviation of the target over the rows counted
 * in cover (divided by their weight, not weight - 1), the spread around
 * the value predicted; it is known apart from the rest (has_sd). */
typedef struct nr_stats {
    int has;           /* 0: no statistics known */
    double cover;      /* rows the rule fires on / that reach the node */
    double correct;    /* of those, rows whose label is the rule's class */
    double confidence;
    int has_sd;        /* regression: sd is known */
    double sd;
} nr_stats;

/* The Laplace confidence (correct + 1) / (cover + nclasses) that extractors
 * record, 0 for regression (nclasses 0).  The text form leaves out a
 * confidence equal to it, and the parser puts it back. */
double nr_stats_laplace(double correct, double cover, int nclasses);

/* ---- trees ------------------------------------------------------------- */

typedef struct nr_node {
    int leaf;          /* 1: a leaf */
    nr_cond test;      /* internal: "yes" when the test holds */
    int yes, no;       /* internal: child node indices */
    int klass;         /* classification: predicted class (majority) */
    double value;      /* regression: predicted value */
    double *dist;      /* classification, may be NULL: weighted count per class */
    nr_stats stats;
} nr_node;

typedef struct nr_tree {
    int nnodes;
    nr_node *nodes;    /* nodes[0] is the root */
} nr_tree;

/* ---- rule sets --------------------------------------------------------- */

typedef enum nr_ruleset_kind {
    NR_ORDERED = 0,    /* decision list: the first rule that fires decides */
    NR_UNORDERED = 1   /* all rules that fire take part, by `policy` */
} nr_ruleset_kind;

typedef enum nr_policy {
    NR_POLICY_FIRST = 0,      /* ordered sets */
    NR_POLICY_VOTE = 1,       /* sum of confidences per class; ties to the lower class index */
    NR_POLICY_CONFIDENCE = 2  /* the fired rule with the highest confidence; ties to the earlier rule */
} nr_policy;

typedef struct nr_rule {
    int nconds;
    nr_cond *conds;    /* conjunction; 0 conditions: always fires */
    int klass;         /* classification */
    double value;      /* regression */
    nr_stats stats;
} nr_rule;

typedef struct nr_ruleset {
    nr_ruleset_kind kind;
    nr_policy policy;
    int nrules;
    nr_rule *rules;
    int default_class; /* when no rule fires */
    double default_value;
} nr_ruleset;

/* ---- linear surrogates ------------------------------------------------- */

typedef struct nr_term {
    double weight;
    int indicator;     /* 1: weight * [cond holds]; 0: weight * value of var */
    nr_var var;        /* when !indicator */
    nr_cond cond;      /* when indicator */
    int line, col;     /* where the rules text has var, for messages; 0: not parsed */
} nr_term;

typedef struct nr_linear {
    int klass;         /* the class whose score it models; -1 for regression */
    double intercept;
    int nterms;
    nr_term *terms;
    int has_fit;       /* the fields below are known */
    double r2;         /* weighted R^2 of the fit */
    double local_pred; /* the surrogate's prediction at the explained instance */
    double model_pred; /* the network's at the instance */
} nr_linear;

/* ---- the whole thing --------------------------------------------------- */

typedef enum nr_body_kind {
    NR_BODY_TREE = 0,
    NR_BODY_RULESET = 1,
    NR_BODY_LINEAR = 2
} nr_body_kind;

typedef struct nr_rules {
    nr_arena *arena;
    nr_task task;
    int nfeatures;
    nr_feature *features;
    int nclasses;      /* 0 for regression */
    const char **classes;
    nr_provenance prov;
    const char *path;  /* the rules file parsed, for messages; NULL otherwise */
    nr_body_kind kind;
    nr_tree tree;
    nr_ruleset rs;
    nr_linear lin;
} nr_rules;

/* An empty nr_rules with its arena; NULL when out of memory. */
nr_rules *nr_rules_new(void);
void nr_rules_free(nr_rules *r);

/* Copy feature names, types, ranges and class names from a runtime model
 * (nominal value names from nowhere: the model has none). */
struct nn_model;
int nr_rules_header_from_model(nr_rules *r, const struct nn_model *m,
                               nr_error *err);

/* Feature or class index by name, -1 when absent. */
int nr_rules_feature_index(const nr_rules *r, const char *name);
int nr_rules_class_index(const nr_rules *r, const char *name);

/* ---- evaluation -------------------------------------------------------- */

/* Hidden activations of one row, for rules with hidden-unit conditions:
 * act[layer] points at that layer's output for the row (NULL when the rules
 * do not need it). */
typedef struct nr_hidden {
    int nlayers;
    const float *const *act;
} nr_hidden;

/* Whether a condition other than m-of-n holds when its variable has value v:
 * the one definition of what each comparison means. */
int nr_cond_test_value(const nr_cond *c, float v);

/* Whether a condition holds for the row x (nfeatures floats). A condition
 * on a hidden unit with h == NULL is false. */
int nr_cond_holds(const nr_cond *c, const float *x, const nr_hidden *h);

/* Prediction for one row: the class index (classification) and, for
 * regression, *value.  fired (may be NULL) receives the tree leaf index or
 * the index of the deciding rule, -1 for the default. */
int nr_rules_predict(const nr_rules *r, const float *x, const nr_hidden *h,
                     double *value, int *fired);

/* Whether the body uses hidden-unit conditions (and so needs nr_hidden). */
int nr_rules_uses_hidden(const nr_rules *r);

/* Number of rules (tree: leaves) and of conditions (tree: internal nodes;
 * rule sets: sum over rules, an m-of-n test counting once). */
int nr_rules_count(const nr_rules *r, int *nconds);

#endif
