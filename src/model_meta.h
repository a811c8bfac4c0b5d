/*
 * model_meta.h - the metadata that makes a model readable: feature names,
 * types and ranges, class names, input normalization.
 *
 * model.bin carries all of it; an ONNX file carries none (or a little in
 * metadata_props).  These functions fill it in from lists the user gives,
 * from a data set, or from another model, for `nn2rules convert` and for
 * running an ONNX file directly.  Each checks what it is given against the
 * model (counts, names fit for model.bin: non-empty, no control
 * characters, at most 65535 bytes, unique) and leaves the model unchanged
 * on failure.
 *
 * Ownership: the model copies every string it is given; name lists from
 * nr_names_split() and nr_names_from_arg() belong to the caller, who frees
 * them with nr_names_free().
 */
#ifndef NR_MODEL_META_H
#define NR_MODEL_META_H

#include "data.h"
#include "error.h"
#include "nn.h"

/* Split "a,b,c" at commas, trimming spaces and tabs around each name.  An
 * empty name is an error. */
int nr_names_split(const char *text, char ***names, int *n, nr_error *err);
/* A command-line list: "a,b,c", or "@FILE" for one name per line of FILE
 * (blank lines skipped, a trailing CR dropped). */
int nr_names_from_arg(const char *arg, char ***names, int *n, nr_error *err);
void nr_names_free(char **names, int n);

/* Name the model's features and/or classes (NULL leaves them as they are).
 * nf must equal the input size and nc the output size.  New features are
 * continuous with range [0, 0], meaning unknown, until data says more. */
int nr_model_set_names(nn_model *m, const char *const *features, int nf,
                       const char *const *classes, int nc, nr_error *err);

/* Names the model lacks, from a data set read for it: features from the
 * column names when the data has exactly one column per input; classes
 * from the distinct labels when there are exactly as many as outputs (in
 * order of first appearance, or numerically sorted when all are
 * integers).  Anything that does not fit is left for
 * nr_dataset_match_model() to report. */
int nr_model_names_from_data(nn_model *m, const nr_dataset *d, nr_error *err);

/* Each feature's range from a data set already matched to the model
 * (nr_dataset_match_model()); a continuous feature whose values are all 0
 * and 1 becomes Boolean, all whole numbers integer.  The model must have
 * features (names).  No rows: nothing changes. */
int nr_model_ranges_from_data(nn_model *m, const nr_dataset *d, nr_error *err);

/* Feature ranges from the command line (`--ranges`): a comma-separated
 * list of "LO:HI", which sets every continuous and integer feature, and
 * "NAME=LO:HI", which sets the one named (later items win).  LO <= HI,
 * both finite.  The model must have feature names.  Boolean and one-hot
 * features have their range by type and are refused by name.  m NULL:
 * check the list's syntax only. */
int nr_model_set_ranges(nn_model *m, const char *spec, nr_error *err);

/* Copy features, classes, task, normalization and data profile from
 * another model of the same input and output sizes (`convert --like
 * model.bin`).  Refused
 * when both normalize their input. */
int nr_model_copy_meta(nn_model *m, const nn_model *like, nr_error *err);

#endif
