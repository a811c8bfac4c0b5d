/*
 * extractor.h - the table of extractors.
 *
 * Each extractor lives in its own file (extract_<name>.c) and declares
 * itself in one nr_extractor: its name for `-a`, a one-line summary, its
 * options, how their defaults are set and what they imply, how they read in
 * the rules' provenance, and its entry point.  extractors.c lists them in
 * one table; the command line looks an extractor up there, parses its
 * options with the shared code below and prints them for
 * `nn2rules help extract -a NAME`.  Adding an extractor is one file and one
 * row of the table; the command line does not change.
 *
 * Settings: an extractor's options fill a struct of its own (settings_size
 * bytes) that the caller allocates and that `defaults` initializes; each
 * option names the offset of the field it sets.
 */
#ifndef NR_EXTRACTOR_H
#define NR_EXTRACTOR_H

#include <stddef.h>

#include "extract.h"

typedef enum nr_optkind {
    NR_OPT_FLAG,   /* no argument: stores `value` in an int */
    NR_OPT_INT,    /* a whole number in [lo, hi], in an int */
    NR_OPT_REAL,   /* a number in [lo, hi], times `scale` (0: 1), in a double */
    NR_OPT_CHOICE, /* one of `choices`: its index, in an int (or an int-sized enum) */
    NR_OPT_SET     /* "all", or whole numbers in [lo, hi] (1 <= lo, hi <= 32) separated
                      by commas: bit v - 1 set for each v, in an unsigned */
} nr_optkind;

#define NR_OPT_SIZE 1u /* giving it decides the result's size (no held-out choice) */
#define NR_OPT_AUTO 2u /* NR_OPT_INT, NR_OPT_REAL: "auto" stores 0 (the extractor decides) */

typedef struct nr_optdef {
    const char *name;      /* the long option, without "--"; NULL ends a list */
    nr_optkind kind;
    const char *arg;       /* what the help calls its argument ("N", "X", "NAME") */
    const char *help;      /* for the help: one line, or more separated by \n */
    size_t offset;         /* of the field it sets in the extractor's settings */
    double lo, hi;         /* NR_OPT_INT, NR_OPT_REAL: the accepted range */
    double scale;          /* NR_OPT_REAL: stored = given * scale; 0 means 1 */
    int value;             /* NR_OPT_FLAG: what it stores */
    const char *const *choices; /* NR_OPT_CHOICE: the names, NULL-terminated */
    unsigned flags;        /* NR_OPT_* */
} nr_optdef;

#define NR_X_INTERMEDIATE 1u /* it can hand back rules over hidden units
                                (nr_extract_opts.intermediate) */
typedef struct nr_extractor {
    const char *name;     /* for -a */
    unsigned flags;       /* NR_X_* */
    const char *summary;  /* one line, for the help */
    const nr_optdef *opts;
    size_t settings_size;
    void (*defaults)(void *settings);
    /* What the options given imply for the others (given[i]: opts[i] was
     * on the command line); may be NULL. */
    void (*finish)(void *settings, const unsigned char *given);
    /* The options that shape the result, spelled the same way every time,
     * for the rules' provenance. */
    void (*describe)(const void *settings, char *buf, size_t size);
    int (*run)(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
               const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err);
} nr_extractor;

/* Every extractor, NULL-terminated; the first is the default. */
extern const nr_extractor *const nr_extractors[];

const nr_extractor *nr_extractor_find(const char *name);

/* The option of x called name (its index in x->opts in *index, may be
 * NULL), or NULL. */
const nr_optdef *nr_extractor_option(const nr_extractor *x, const char *name, int *index);

/* Parse arg (NULL for a flag) for option d into settings.  A bad value is
 * NR_EINVAL with a message that names the option and what it wants. */
int nr_opt_set(const nr_optdef *d, void *settings, const char *arg, nr_error *err);

#endif
