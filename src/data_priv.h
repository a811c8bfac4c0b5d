/*
 * data_priv.h - helpers shared by the data readers (data.c, data_csv.c,
 * data_arff.c, data_idx.c).  Not part of the public API: nothing outside
 * the data_*.c files includes this.
 */
#ifndef NR_DATA_PRIV_H
#define NR_DATA_PRIV_H

#include "data.h"

#include <stddef.h>

/* Longest value shown in a message, in bytes; longer ones end in "...". */
#define NRD_SNIPPET 48

/* Interned strings with their first-appearance index: nominal values and
 * label names.  A hash on top of the array so that a column with many
 * distinct words stays linear. */
typedef struct nrd_strtab {
    char **names;
    int n, cap;
    int *slots;          /* open addressing: index into names, or -1 */
    size_t nslots;       /* power of two, or 0 before the first insert */
} nrd_strtab;

void nrd_strtab_free(nrd_strtab *t);
/* Index of s, or -1. */
int nrd_strtab_find(const nrd_strtab *t, const char *s);
/* Index of s, adding it when new (*added set to 1).  NR_ENOMEM, or
 * NR_ELIMIT past NR_DATA_MAX_VALUES entries. */
int nrd_strtab_intern(nrd_strtab *t, const char *s, int *index, int *added);
/* Hand the names array over (NULL when empty) and reset t. */
char **nrd_strtab_take(nrd_strtab *t, int *n);

/* Read a whole file, plain or gzip'd, into a NUL-terminated buffer.
 * NR_EIO with strerror text when it cannot be opened or read, NR_EFORMAT
 * when gzip data is corrupt. */
int nrd_slurp(const char *path, char **buf, size_t *len, nr_error *err);
/* The readers on a buffer nrd_slurp filled (they take it over and free it);
 * path names it in messages. */
int nrd_read_csv_buf(const char *path, char *buf, size_t len, const nr_read_opts *opts,
                     nr_dataset **out, nr_error *err);
int nrd_read_arff_buf(const char *path, char *buf, size_t len, const nr_read_opts *opts,
                      nr_dataset **out, nr_error *err);
/* After gzread (gz, a gzFile) returned got: < 0 an error, 0 the end of
 * the data, when a gzip stream cut short (no CRC and length trailer) is an
 * error too.  NR_EIO or NR_EFORMAT naming path (zlib's own messages name
 * "<fd:N>"), or 0. */
int nrd_gz_status(void *gz, int got, const char *path, nr_error *err);
/* Refuse text with NUL bytes (most likely a binary file given as text)
 * or bytes that are not UTF-8. */
int nrd_check_text(const char *path, const char *buf, size_t len, nr_error *err);

/* Cell classification. */
int nrd_is_missing(const char *s);   /* "", "?", "NA", "NaN" */
/* 0: a number, stored in *v; 1: not a number; 2: a number beyond float
 * range.  s is trimmed of spaces and tabs on both sides first. */
int nrd_parse_number(const char *s, float *v);

/* Copy s for a message: at most NRD_SNIPPET bytes (cut at a UTF-8
 * boundary, "..." appended), control characters shown as '?'.  size must
 * be at least NRD_SNIPPET + 4. */
void nrd_snippet(char *out, size_t size, const char *s);
/* 1-based column of p in the line that starts at line_start, counting
 * UTF-8 characters, not bytes. */
long nrd_utf8_col(const char *line_start, const char *p);
char *nrd_strndup(const char *s, size_t n);
/* "a, b, c" into out, cut with ", ..." when it does not fit. */
void nrd_name_list(char *out, size_t size, char *const *names, int n);

/* A new, empty dataset for path. */
nr_dataset *nrd_dataset_new(const char *path);

/* Room for one more row in d (x, row_line and, when d->has_labels, labels),
 * which becomes d->nrows - 1.  *cap is the number of rows allocated.
 * NR_ELIMIT (message at path:line) past NR_DATA_MAX_CELLS. */
int nrd_add_row(nr_dataset *d, size_t *cap, long line, nr_error *err);
/* Give back the unused part of the row arrays. */
void nrd_trim_rows(nr_dataset *d);

#endif
