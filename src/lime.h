/*
 * lime.h - local surrogates: LIME (Ribeiro, Singh and Guestrin, 2016) for
 * tabular models, and SP-LIME's pick of a few representative explanations.
 *
 * An explanation of one input x is a weighted ridge fit, on N perturbed
 * inputs around x labelled by the network, of the network's output for one
 * class (its probability when the model ends in softmax) or, for
 * regression, of its first output.  With a discretizer (quartiles by
 * default) each feature is cut into bins by the training data; a perturbed
 * input draws each feature's bin by the bins' training frequencies and a
 * value inside it from a normal with the bin's mean and standard deviation,
 * truncated to the bin; the surrogate's terms are then "x_j is in the same
 * bin as in the instance", which the rule IR holds as indicator terms
 * (`w * [x <= t]`, `w * [x > t]`, and `w * [2 of {x > a, x <= b}]` for an
 * inner bin).  Without a discretizer the values are drawn from a normal with
 * the training mean and standard deviation and the terms are the features
 * themselves (`w * x`), in the data's own units.
 *
 * Treatment of awkward data (the reference implementation crashes on it):
 * missing cells (NaN) of the training data are left out of each feature's
 * statistics; a feature with one value in the training data (or whose
 * training values all fall in one bin) is held at the instance's value in
 * every sample and gets no term.
 *
 * Everything random comes from a generator seeded by (seed, stream): the
 * same seed and stream give the same explanation, on any number of threads.
 *
 * Ownership: nr_lime owns its arrays (nr_lime_free); an nr_lime_result owns
 * its explanations (nr_lime_result_free).
 */
#ifndef NR_LIME_H
#define NR_LIME_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "extract.h"
#include "extractor.h"
#include "ir.h"
#include "nn.h"
#include "progress.h"

typedef enum nr_lime_disc {
    NR_LIME_QUARTILE = 0,
    NR_LIME_DECILE = 1,
    NR_LIME_ENTROPY = 2, /* cuts of a depth-3 entropy tree on the network's classes */
    NR_LIME_NONE = 3
} nr_lime_disc;

typedef enum nr_lime_select {
    NR_LIME_AUTO = 0,    /* forward when features_max <= 6, else highest */
    NR_LIME_FORWARD = 1, /* greedy: add the feature that raises the weighted R^2 most */
    NR_LIME_HIGHEST = 2, /* the largest |weight * value at the instance| of a ridge fit */
    NR_LIME_LASSO = 3,   /* the largest active set of at most K on the lasso path */
    NR_LIME_ALL = 4      /* every feature that varies */
} nr_lime_select;

/* The options of `nn2rules explain` that shape an explanation; the
 * command line fills them through nr_lime_options (extractor.h's parser). */
typedef struct nr_lime_opts {
    int discretizer;     /* nr_lime_disc */
    int samples;         /* perturbed inputs, the instance included (5000) */
    double kernel_width; /* 0: 0.75 * sqrt(features) */
    int select;          /* nr_lime_select */
    int features_max;    /* K (10) */
    double alpha;        /* ridge penalty of the final fit (1) */
    int top_labels;      /* classes explained, highest output first (1) */
    int pick;            /* SP-LIME: explanations to pick (0: no pick) */
    int pick_rows;       /* SP-LIME: rows to explain (0: all) */
} nr_lime_opts;

void nr_lime_opts_default(nr_lime_opts *o);

/* The options above, NULL-terminated, for nr_opt_set. */
extern const nr_optdef nr_lime_options[];

/* The options that shape the result, spelled the same way every time. */
void nr_lime_describe(const nr_lime_opts *o, int nfeatures, char *buf, size_t size);

/* ---- what the training data says --------------------------------------- */

typedef struct nr_lime_feature {
    int usable;          /* it varies in the samples, and so may get a term */
    double mean, sd;     /* of the finite training values (population sd) */
    double min, max;
    int nbins;           /* discretized: nedges + 1 */
    float *edges;        /* nbins - 1 ascending; bin b: edges[b-1] < x <= edges[b] */
    double *freq, *bmean, *bsd, *lo, *hi; /* per bin: training share, mean, sd, range */
    double *cum;         /* per bin: the shares up to it */
    double *za, *zb;     /* per bin: lo and hi standardized by the bin's mean and sd */
} nr_lime_feature;

typedef struct nr_lime {
    int nfeatures;
    int disc;            /* nr_lime_disc */
    nr_lime_feature *f;
} nr_lime;

/* Statistics of d's rows (matched to m; NaN cells are left out).  The
 * entropy discretizer labels d's complete rows with the network. */
int nr_lime_new(const nn_model *m, const nr_dataset *d, int disc, nr_lime **out, nr_error *err);
void nr_lime_free(nr_lime *l);

/* The bin of value v of feature j (0 without a discretizer). */
int nr_lime_bin(const nr_lime *l, int j, float v);

/* numpy's default percentile (linear interpolation between order
 * statistics) of n sorted values, p in [0, 100]. */
double nr_lime_percentile(const float *sorted, int n, double p);

/* Values for the instance from --instance: "NAME=VALUE,..." (the features
 * named; the others left as they are in x) or every value in order. */
int nr_lime_parse_instance(const nn_model *m, const char *s, float *x, nr_error *err);

/* k of the row indices 0..n-1 drawn without replacement, in order, into
 * out; returns how many (min(k, n)). */
int nr_lime_sample_rows(int n, int k, uint64_t seed, int *out, nr_error *err);

/* The weighted ridge fit with an intercept (scikit-learn's Ridge with
 * sample weights): X n x k row-major, coef k. */
int nr_lime_ridge(const double *X, const double *y, const double *w, int n, int k, double alpha,
                  double *coef, double *intercept, nr_error *err);

/* ---- explaining ---------------------------------------------------------- */

typedef struct nr_lime_expl {
    int klass;           /* the class explained; -1: regression (output 0) */
    double intercept;
    int nterms;          /* largest |weight| first (standardized units) */
    int *feature;
    int *bin;            /* the instance's bin of the feature; -1 without a discretizer */
    double *weight;      /* of [x in bin], or of x in the data's units */
    double r2;           /* weighted R^2 of the fit on the samples */
    double local_pred;   /* the surrogate at the instance */
    double model_pred;   /* the network at the instance */
} nr_lime_expl;

typedef struct nr_lime_result {
    int nexpl;           /* one per class explained */
    nr_lime_expl *expl;
    double kernel_width; /* the width used */
} nr_lime_result;

void nr_lime_result_free(nr_lime_result *r);

/* Explain the input x (the model's input size; finite) for class klass
 * (-1: the top o->top_labels classes; ignored for regression).  res is
 * filled (free with nr_lime_result_free, also after a failure). */
int nr_lime_explain(const nr_lime *l, const nn_model *m, const float *x, int klass,
                    const nr_lime_opts *o, uint64_t seed, uint64_t stream,
                    nr_lime_result *res, nr_error *err);

/* The surrogate fitted to samples already drawn and labelled: Z (n x d,
 * row 0 the instance) the interpretable features, w the samples' kernel
 * weights, out (n x nout) the network's outputs.  For the class klass (-1:
 * the top o->top_labels at row 0; classify 0: output 0) the features o
 * selects and their weighted ridge fit: res->expl with feature[t] a column
 * of Z, bin -1, weight in Z's units; res->kernel_width is left alone. */
int nr_lime_fit(const double *Z, const double *w, const float *out, int n, int d, int nout,
                int classify, int klass, const nr_lime_opts *o, nr_lime_result *res, nr_error *err);

/* nr_lime_fit for a Z of 0s and 1s packed in bits: entry k of row i is bit
 * k % 64 of Zbits[i * words + k / 64] (words >= (d + 63) / 64; the bits
 * past d are ignored).  The result is nr_lime_fit's on the same matrix, to
 * the last bit. */
int nr_lime_fit_bits(const uint64_t *Zbits, int words, const double *w, const float *out, int n,
                     int d, int nout, int classify, int klass, const nr_lime_opts *o,
                     nr_lime_result *res, nr_error *err);

/* nrows inputs x (row-major), on every core: res[i] for x row i, seeded by
 * (seed, streams[i]).  progress may be NULL. */
int nr_lime_explain_rows(const nr_lime *l, const nn_model *m, const float *x, int nrows,
                         const uint64_t *streams, int klass, const nr_lime_opts *o, uint64_t seed,
                         nr_progress *progress, nr_lime_result *res, nr_error *err);

/* The explanation as rules: the model's header, a linear body, and the
 * provenance po (algorithm "lime"). */
int nr_lime_rules(const nr_lime *l, const nn_model *m, const nr_lime_expl *e,
                  const nr_extract_opts *po, nr_rules **out, nr_error *err);

/* ---- SP-LIME -------------------------------------------------------------- */

/* Greedy submodular pick over an n x d matrix W of weights (row i: one
 * explanation): importance I_j = sqrt(sum_i |W_ij|); pick B rows one at a
 * time, each the row that adds the most importance not yet covered (ties:
 * the earlier row).  picked gets min(B, n) row indices; *covered the
 * importance covered, *total the sum of all I_j. */
int nr_lime_pick_matrix(const double *W, int n, int d, int B, int *picked, double *covered,
                        double *total, nr_error *err);

/* The pick over explained instances: W's columns are the distinct terms
 * (feature and bin), summed over the classes each instance explains. */
int nr_lime_pick(const nr_lime *l, const nr_lime_result *res, int n, int B, int *picked,
                 double *covered, double *total, nr_error *err);

/* ---- pictures ------------------------------------------------------------- */

/* An SVG bar chart of the terms' weights of n explanations (linear bodies),
 * one panel each under its title (may be NULL); *buf malloc'd. */
int nr_lime_svg(const nr_rules *const *r, const char *const *titles, int n, char **buf,
                size_t *len, nr_error *err);

/* Several explanations in one file: rules text, each after a comment line
 * naming its input (and, with pk, a first line saying what SP-LIME picked),
 * or one JSON object {"explanations": [{"input", "rules"}...]} (with pk,
 * also "picked", "of", "covered", "total"). */
typedef struct nr_lime_pickinfo {
    int picked, of;
    double covered, total;
} nr_lime_pickinfo;

int nr_lime_emit_many(const nr_rules *const *r, const char *const *titles, int n, int json,
                      const nr_lime_pickinfo *pk, char **buf, size_t *len, nr_error *err);

#endif
