/*
 * extract_cred.c - CRED (Sato and Tsukimoto 2001): for networks with one
 * hidden layer, per-class rules over the hidden units, each hidden
 * condition explained by rules over the inputs and substituted in.  The
 * machinery is extract_decomp.c's; CRED refuses deeper networks.
 */
#include "extract_decomp.h"

static int cred_run(const nn_model *m, const nr_dataset *rows, const nr_extract_opts *o,
                    const void *settings, nr_rules **out, nr_extract_report *rep, nr_error *err)
{
    return nr_extract_decomp(m, rows, o, settings, "cred", 1, out, rep, err);
}

const nr_extractor nr_extractor_cred = {
    .name = "cred",
    .flags = NR_X_INTERMEDIATE,
    .summary = "CRED: rules over one hidden layer, rewritten over the inputs",
    .opts = nr_decomp_options,
    .settings_size = sizeof(nr_decomp_settings),
    .defaults = nr_decomp_defaults,
    .describe = nr_decomp_describe,
    .run = cred_run,
};
