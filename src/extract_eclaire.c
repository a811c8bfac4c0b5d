/*
 * extract_eclaire.c - ECLAIRE (Espinosa Zarlenga, Shams and Jamnik 2021):
 * DeepRED without the blow-up.  Rules from every hidden layer to the
 * network's class, each clause rewritten over the inputs by a tree of its
 * own rather than by substitution and product expansion; all layers' rules
 * together, aggregated by confidence (extract_decomp.c).
 */
#include <stdio.h>

#include "extract_decomp.h"

static int eclaire_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    return nr_extract_eclaire(m, rows, o, settings, out, rep, err);
}

#define ES(field) offsetof(nr_decomp_settings, field)
static const nr_optdef eclaire_options[] = {
    {.name = "min-leaf", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split, in every\ntree (default 2)",
     .offset = ES(min_leaf), .lo = 1, .hi = 1e9},
    {.name = "cf", .kind = NR_OPT_REAL, .arg = "X",
     .help = "their C4.5 pruning confidence factor (default 0.25)", .offset = ES(cf), .lo = 1e-6,
     .hi = 0.999999},
    {.name = NULL},
};

static void eclaire_describe(const void *settings, char *buf, size_t size)
{
    const nr_decomp_settings *s = settings;
    snprintf(buf, size, "--min-leaf %g --cf %g", s->min_leaf, s->cf);
}

const nr_extractor nr_extractor_eclaire = {
    .name = "eclaire",
    .summary = "ECLAIRE: rules from every hidden layer, each clause rewritten over the inputs",
    .opts = eclaire_options,
    .settings_size = sizeof(nr_decomp_settings),
    .defaults = nr_decomp_defaults,
    .describe = eclaire_describe,
    .run = eclaire_run,
};
