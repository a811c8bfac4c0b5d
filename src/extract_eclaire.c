/*
 * extract_eclaire.c - ECLAIRE (Espinosa Zarlenga, Shams and Jamnik 2021):
 * DeepRED without the blow-up.  Rules from every hidden layer to the
 * network's class, each clause rewritten over the inputs by a tree of its
 * own rather than by substitution and product expansion; all layers' rules
 * together, aggregated by confidence (extract_decomp.c).
 */
#include <stdio.h>
#include <string.h>

#include "extract_decomp.h"

static int eclaire_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    return nr_extract_eclaire(m, rows, o, settings, out, rep, err);
}

#define ES(field) offsetof(nr_decomp_settings, field)
static const nr_optdef eclaire_options[] = {
    {.name = "min-cases", .kind = NR_OPT_REAL, .arg = "N",
     .help = "least weight of rows in each branch of a split of the\ntrees from the inputs to each clause (default auto:\n0.5% of the rows, at least 2)",
     .offset = ES(min_cases), .lo = 1, .hi = 1e9, .flags = NR_OPT_AUTO},
    {.name = "hidden-min-cases", .kind = NR_OPT_REAL, .arg = "N",
     .help = "the same for the trees from each hidden layer to the\nclass (default: --min-cases)",
     .offset = ES(hidden_min_cases), .lo = 1, .hi = 1e9},
    {.name = "confidence", .kind = NR_OPT_REAL, .arg = "X",
     .help = "the trees' C4.5 pruning confidence factor, 0 to 1\n(default 0.25; smaller prunes more)",
     .offset = ES(cf), .lo = 1e-6, .hi = 0.999999},
    {.name = "layers", .kind = NR_OPT_SET, .arg = "LIST",
     .help = "the hidden layers that give rules, counted from 1 (as\n1,3), or all (the default)",
     .offset = ES(layers), .lo = 1, .hi = 32},
    {.name = "hidden-cuts", .kind = NR_OPT_INT, .arg = "N",
     .help = "cut points a tree may use per hidden unit, at quantiles\nof its activations (default 0: every value; fewer\nare faster on many rows)",
     .offset = ES(hidden_cuts), .lo = 0, .hi = 1000000},
    {.name = "max-rules", .kind = NR_OPT_INT, .arg = "N",
     .help = "keep at most N rules, chosen greedily (default: as many\nas held-out rows say)",
     .offset = ES(max_rules), .lo = 1, .hi = 10000000, .flags = NR_OPT_SIZE},
    {.name = "tolerance", .kind = NR_OPT_REAL, .arg = "P",
     .help = "without --max-rules: the fewest rules within P points of\nthe best held-out fidelity (default 1)",
     .offset = ES(tolerance), .lo = 0, .hi = 100, .scale = 0.01},
    {.name = "score", .kind = NR_OPT_CHOICE, .arg = "HOW",
     .help = "how fired rules decide: vote (each class's add up their\nconfidence, the default) or confidence (the most\nconfident one)",
     .offset = ES(score), .choices = nr_decomp_scores},
    {.name = NULL},
};

static void eclaire_defaults(void *settings)
{
    nr_decomp_settings *s = settings;
    nr_decomp_defaults(s);
    s->score = 1; /* vote, as the paper aggregates */
}

static void eclaire_describe(const void *settings, char *buf, size_t size)
{
    const nr_decomp_settings *s = settings;
    if (s->min_cases > 0)
        snprintf(buf, size, "--min-cases %g", s->min_cases);
    else
        snprintf(buf, size, "--min-cases auto");
    if (s->hidden_min_cases > 0)
        nr_appendf(buf, size, " --hidden-min-cases %g", s->hidden_min_cases);
    nr_appendf(buf, size, " --confidence %g", s->cf);
    if (s->hidden_cuts)
        nr_appendf(buf, size, " --hidden-cuts %d", s->hidden_cuts);
    if (s->layers) {
        const char *sep = " --layers ";
        for (int j = 0; j < 32; j++)
            if (s->layers >> j & 1) {
                nr_appendf(buf, size, "%s%d", sep, j + 1);
                sep = ",";
            }
    }
    if (s->max_rules)
        nr_appendf(buf, size, " --max-rules %d", s->max_rules);
    else
        nr_appendf(buf, size, " --tolerance %g", 100 * s->tolerance);
    nr_appendf(buf, size, " --score %s", nr_decomp_scores[s->score]);
}

const nr_extractor nr_extractor_eclaire = {
    .name = "eclaire",
    .flags = NR_X_INTERMEDIATE,
    .summary = "ECLAIRE: rules from every hidden layer, each clause rewritten over the inputs",
    .opts = eclaire_options,
    .settings_size = sizeof(nr_decomp_settings),
    .defaults = eclaire_defaults,
    .describe = eclaire_describe,
    .run = eclaire_run,
};
