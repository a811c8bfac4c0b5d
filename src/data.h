/*
 * data.h - data readers: CSV, Weka ARFF and IDX (MNIST-style) files into an
 * nr_dataset, and matching a data set's columns to a model's features.
 *
 * Front end of the pipeline: the extractors, `run` and `eval` see only an
 * nr_dataset whose columns are the model's input features in order.
 *
 * Ownership: nr_dataset owns everything it points to; nr_dataset_free()
 * releases it.  Readers leave *out NULL on failure.
 */
#ifndef NR_DATA_H
#define NR_DATA_H

#include "error.h"
#include "../runtime/nn.h"

typedef enum nr_column_kind {
    NR_COL_NUMERIC = 0,
    NR_COL_NOMINAL = 1   /* values are indices into the column's value names */
} nr_column_kind;

typedef struct nr_column {
    char *name;
    nr_column_kind kind;
    int nvalues;         /* nominal: number of value names */
    char **values;       /* nominal: value names, index = stored number */
    int field;           /* 1-based field number in the source row (CSV,
                            ARFF), for messages; 0 when there is none */
} nr_column;

typedef struct nr_dataset {
    char *path;          /* file it came from, for messages */
    int nrows, ncols;    /* ncols excludes the label column */
    nr_column *cols;
    float *x;            /* nrows * ncols, row-major; missing values are NaN */
    long *row_line;      /* source line of each row (1-based); 0 for IDX */
    /* labels: present when has_labels */
    int has_labels;
    char *label_name;    /* name of the label column */
    int *labels;         /* nrows class indices into label_names */
    int nlabels;
    char **label_names;  /* the distinct label values, in order of first
                            appearance (CSV), declaration (ARFF nominal), or
                            "0".."9" (IDX) */
    char *labels_path;   /* IDX: the labels file, for messages; else NULL */
    long long labels_at; /* IDX: byte offset of the first label in it */
} nr_dataset;

typedef struct nr_read_opts {
    const char *label;   /* label column name; NULL: "label" or "class" if
                            present (case-insensitive), else none for CSV,
                            the last nominal attribute named class for ARFF */
    const char *labels_path; /* IDX: labels file (idx1), NULL for none */
    const char *format;  /* "csv" or "arff" whatever the name says; NULL: by
                            the extension ("-", standard input: ARFF when it
                            begins with @relation, else CSV) */
} nr_read_opts;

/* Sizes beyond these are refused with NR_ELIMIT. */
#define NR_DATA_MAX_COLS (1 << 24)
#define NR_DATA_MAX_CELLS ((size_t)1 << 31) /* nrows * (ncols + label column) */
#define NR_DATA_MAX_VALUES (1 << 24) /* distinct values of one nominal column
                                        or of the label: exact in a float */

/* Read by extension (or opts->format): .csv, .arff, .idx / -idx3-ubyte
 * (optionally .gz); "-" reads standard input, named "<stdin>".  A
 * file with no rows is an error.  Text must be UTF-8; a lone CR ends a line
 * as LF and CR LF do. */
int nr_data_read(const char *path, const nr_read_opts *opts, nr_dataset **out,
                 nr_error *err);
int nr_data_read_csv(const char *path, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err);
int nr_data_read_arff(const char *path, const nr_read_opts *opts,
                      nr_dataset **out, nr_error *err);
int nr_data_read_idx(const char *path, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err);

void nr_dataset_free(nr_dataset *d);

/* Make d's columns the model's features, in the model's order: columns are
 * found by feature name (when the model has names; otherwise the data must
 * have exactly the model's number of columns and they are taken in order),
 * extra columns are dropped, a missing one is an error naming the file and
 * the feature.  Any missing value (NaN) left is then an error naming file,
 * line and column.  Labels are mapped onto the model's class names when the
 * model has them (a label that is no class name, and no class index, is an
 * error naming file and line).  On failure d is unchanged. */
int nr_dataset_match_model(nr_dataset *d, const nn_model *m, nr_error *err);

/* Missing values (? in ARFF, an empty cell in CSV).  As nr_dataset_match_model,
 * but missing values are left in the rows (NaN), for one of the three below. */
int nr_dataset_match_model_missing(nr_dataset *d, const nn_model *m, nr_error *err);
/* The first missing value, as an error naming file, line and column; 0 when
 * there is none. */
int nr_dataset_missing_error(const nr_dataset *d, nr_error *err);
/* Remove the rows with a missing value, counted in *dropped; kept (may be
 * NULL) receives, malloc'd, the 0-based index each row left had before.  No
 * row left is an error. */
int nr_dataset_drop_missing(nr_dataset *d, int *dropped, int **kept, nr_error *err);
/* What to put for a missing value of each column of d (matched to m):
 * the median of a continuous or integer feature, the commonest value of a
 * Boolean, one-hot or nominal one.  From the model's data profile when
 * from_profile and it has one, else from the values d has.  *fill is
 * malloc'd, d->ncols floats. */
int nr_missing_fill(const nr_dataset *d, const nn_model *m, int from_profile, float **fill,
                    nr_error *err);
/* Put fill[j] for every missing value of column j; returns how many. */
long nr_dataset_impute(nr_dataset *d, const float *fill);

#endif
