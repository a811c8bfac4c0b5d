/*
 * extract_decomp.h - what CRED (extract_cred.c), DeepRED
 * (extract_deepred.c) and ECLAIRE (extract_eclaire.c) share: rules over a
 * network's hidden units, rewritten layer by layer down to its inputs (or,
 * for a network whose front is convolutional, down to the flattened
 * feature maps its dense head reads).
 */
#ifndef NR_EXTRACT_DECOMP_H
#define NR_EXTRACT_DECOMP_H

#include "extractor.h"

typedef struct nr_decomp_settings {
    double min_cases;        /* of every tree: least weight in each branch */
    double hidden_min_cases; /* ECLAIRE: of the trees on hidden layers (0: min_cases) */
    double cf;               /* the trees' pruning confidence factor */
    int max_terms;           /* conjunctions one rule may expand to at one layer */
    int max_rules;           /* 0: the number of rules is chosen on held-out rows */
    double tolerance;        /* held-out fidelity that choice may give up (a fraction) */
    int score;               /* index in nr_decomp_scores: how fired rules decide */
    unsigned layers;         /* ECLAIRE: bit j set: hidden layer j+1 gives rules; 0: all */
    int hidden_cuts;         /* cut points per hidden unit (0: every value) */
} nr_decomp_settings;

/* "confidence" (the most confident fired rule), "vote" (each class's fired
 * rules add up their confidence). */
extern const char *const nr_decomp_scores[];

/* CRED's and DeepRED's options, their defaults and provenance. */
extern const nr_optdef nr_decomp_options[];
void nr_decomp_defaults(void *settings);
void nr_decomp_describe(const void *settings, char *buf, size_t size);

/* Per class a tree from the last hidden layer; then, from the last hidden
 * layer down, for every distinct cut of a unit a tree from the layer below
 * (the inputs, at the first), substituted into the rules right away.  A
 * network with more than max_hidden hidden layers is refused.  algorithm
 * names the result ("cred", "deepred"). */
int nr_extract_decomp(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                      const nr_decomp_settings *ds, const char *algorithm, int max_hidden,
                      nr_rules **out, nr_extract_report *rep, nr_error *err);

/* ECLAIRE: for every hidden layer a tree from it to the network's class;
 * for each clause of its rules a tree from the inputs to "the clause
 * holds", whose rules replace the clause (no product expansion); every
 * layer's rules together, deciding as ds->score says (max_terms unused). */
int nr_extract_eclaire(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const nr_decomp_settings *ds, nr_rules **out, nr_extract_report *rep,
                       nr_error *err);

#endif
