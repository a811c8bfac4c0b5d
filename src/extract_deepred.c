/*
 * extract_deepred.c - DeepRED (Zilke, Loza Mencia and Janssen 2016) for
 * dense networks of any depth: CRED applied layer by layer from the output
 * down, substituting right after each layer so that the intermediate rule
 * sets stay small (extract_decomp.c).
 */
#include "extract_decomp.h"

static int deepred_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                       const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    return nr_extract_decomp(m, rows, o, settings, "deepred", 1 << 30, out, rep, err);
}

const nr_extractor nr_extractor_deepred = {
    .name = "deepred",
    .flags = NR_X_INTERMEDIATE,
    .summary = "DeepRED: CRED through every hidden layer, substituted layer by layer",
    .opts = nr_decomp_options,
    .settings_size = sizeof(nr_decomp_settings),
    .defaults = nr_decomp_defaults,
    .describe = nr_decomp_describe,
    .run = deepred_run,
};
