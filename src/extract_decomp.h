/*
 * extract_decomp.h - what CRED (extract_cred.c) and DeepRED
 * (extract_deepred.c) share: rules from each class down through the hidden
 * layers of a dense network to its inputs, substituted layer by layer.
 */
#ifndef NR_EXTRACT_DECOMP_H
#define NR_EXTRACT_DECOMP_H

#include "extractor.h"

typedef struct nr_decomp_settings {
    double min_leaf;    /* of every tree */
    double cf;          /* their pruning confidence factor */
    int max_terms;      /* conjunctions one rule may expand to at one layer */
} nr_decomp_settings;

/* --min-leaf, --cf, --max-terms; their defaults and provenance. */
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
 * layer's rules together, each class's fired rules adding up their
 * confidence (max_terms unused). */
int nr_extract_eclaire(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const nr_decomp_settings *ds, nr_rules **out, nr_extract_report *rep,
                       nr_error *err);

#endif
