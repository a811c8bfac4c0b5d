/*
 * main.c - the nn2rules command line.
 *
 * The only file that prints or chooses an exit status.  Each subcommand
 * parses its own options (git style: `nn2rules COMMAND [OPTIONS] ARGS`),
 * calls the library, and turns an nr_error into one message on stderr.
 *
 * Exit status: 0 success; 1 failure while working; 2 bad usage; 3 an input
 * file could not be read or is invalid.  man/nn2rules.1 documents them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cube.h"
#include "data.h"
#include "emit.h"
#include "error.h"
#include "extract.h"
#include "extractor.h"
#include "fileio.h"
#include "lime.h"
#include "lime_image.h"
#include "model_io.h"
#include "model_load.h"
#include "model_meta.h"
#include "onnx.h"
#include "profile.h"
#include "progress.h"
#include "filters.h"
#include "saliency.h"
#include "sniff.h"
#include "nn.h"
#include "version.h"

#define EXIT_WORK 1
#define EXIT_USAGE 2
#define EXIT_INPUT 3

/* A result must remove at least this share of the disagreements that
 * always answering the network's most frequent class would make, not to be
 * called degenerate. */
#define NR_DEGENERATE_MARGIN 0.1

static const char *progname = "nn2rules";

static const char USAGE[] =
    "usage: nn2rules COMMAND [OPTIONS] ARGS\n"
    "\n"
    "Compile trained neural networks into rules, graphs and C.\n"
    "\n"
    "Commands:\n"
    "  [extract] MODEL [-o FILE]  extract rules (the default command)\n"
    "  compile RULES -o FILE      rules to C, DOT, SVG, PNG or JSON\n"
    "  eval RULES --model MODEL   fidelity and accuracy of rules against the network\n"
    "  info MODEL                 describe a model: layers, shapes, parameters, metadata\n"
    "  run MODEL --data FILE      the reference runtime's predictions as CSV\n"
    "  convert MODEL -o OUT       ONNX to model.bin with names and ranges, or back to ONNX\n"
    "  saliency MODEL --data F    what the network looks at: gradient, guided, CAM,\n"
    "                             Grad-CAM maps of a row, as PNG or CSV\n"
    "  filters MODEL --data F     what each channel of a conv layer responds to (PNG\n"
    "                             atlas), how channels feed the next layer (DOT)\n"
    "  explain MODEL --data FILE  LIME: explain predictions with local linear models\n"
    "  help [COMMAND]             show this help, or a command's\n"
    "\n"
    "Options for every command:\n"
    "  -h, --help                 show help and exit\n"
    "  -V, --version              show the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 failure while working, 2 bad usage,\n"
    "3 unreadable or invalid input.  See nn2rules(1).\n";

static const char USAGE_INFO[] =
    "usage: nn2rules info MODEL [OPTIONS]\n"
    "\n"
    "Print the model's input shape, task, layers with their output shapes and\n"
    "parameter counts, and its metadata: features (type and range), classes and\n"
    "input normalization.  MODEL is a model.bin or an ONNX file.\n"
    "\n"
    "Options:\n"
    "      --features LIST        feature names: a,b,c or @FILE (one per line)\n"
    "      --classes LIST         class names: a,b,c or @FILE\n"
    "  -d, --data FILE            names the model lacks from the header and labels,\n"
    "                             feature ranges from the values\n"
    "  -l, --label NAME           the label column of --data\n"
    "  -q, --quiet                accepted for every command; info has nothing to silence\n";

static const char USAGE_CONVERT[] =
    "usage: nn2rules convert MODEL -o OUT.bin|OUT.onnx [OPTIONS]\n"
    "\n"
    "Write MODEL (ONNX, or a model.bin) as a model.bin with the metadata that\n"
    "makes rules readable.  ONNX files carry no feature or class names (unless\n"
    "in metadata_props): give them here, or let --data's header and labels\n"
    "supply them.  An output ending in .onnx is written as ONNX instead, with\n"
    "the input normalization in the graph and the names in metadata_props.\n"
    "The output is written atomically and never over MODEL.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE          the file to write (required): .bin or .onnx\n"
    "      --features LIST        feature names: a,b,c or @FILE (one per line)\n"
    "      --classes LIST         class names: a,b,c or @FILE\n"
    "  -d, --data FILE            names the model lacks from the header and labels,\n"
    "                             feature ranges and types from the values (when the\n"
    "                             model has none), and the data profile\n"
    "  -l, --label NAME           the label column of --data\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      --like MODEL.bin       copy features, classes, task and input normalization\n"
    "                             from a model of the same shape\n"
    "      --ranges LIST          feature ranges: LO:HI for every continuous feature,\n"
    "                             NAME=LO:HI for one (comma-separated; wins over --data)\n"
    "      --profile-rows N       with --data: rows of it to keep in the model's data\n"
    "                             profile (default 1000; 0 keeps the distributions only)\n"
    "      --no-profile           no data profile (drops one the model has)\n"
    "  -q, --quiet                accepted for every command; convert has nothing to silence\n";

static const char USAGE_RUN[] =
    "usage: nn2rules run MODEL --data FILE [OPTIONS]\n"
    "\n"
    "Run the reference runtime on every row of FILE and print one CSV line per\n"
    "row: row number, predicted class, then the network's outputs.  When FILE\n"
    "has labels, print the accuracy on stderr.\n"
    "\n"
    "Options:\n"
    "  -d, --data FILE            input rows: .csv, .arff or IDX images (.gz too)\n"
    "  -l, --label NAME           the label column (default: 'label' or 'class')\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "  -o, --output FILE          write the CSV to FILE instead of standard output\n"
    "  -b, --batch N              rows per forward pass (default 256); the outputs\n"
    "                             can differ between sizes in their last bits\n"
    "      --nonfinite error|skip rows whose outputs are NaN or infinite: an error\n"
    "                             (the default), or left out and counted\n"
    "      --features LIST        feature names for a model without them (a,b,c or @FILE)\n"
    "      --classes LIST         class names for a model without them\n"
    "      --missing MODE         rows with missing values: skip (the default, counted),\n"
    "                             error, or impute (the model's profile, else medians\n"
    "                             and commonest values of the rows)\n"
    "      --data-format FMT      csv or arff, whatever the name says (--data - reads\n"
    "                             standard input: CSV, or ARFF when it starts so)\n"
    "  -q, --quiet                no accuracy or notes on standard error\n";

/* s as it may be shown on a terminal: control characters (ANSI escapes),
 * bidirectional overrides and bytes that are not UTF-8 escaped (\x1B,
 * \u202E), the rest as is.  Returns s itself when nothing needs escaping,
 * else buf, truncated to size. */
static const char *escaped(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    const char *p;
    char esc[NR_ESCBUF];
    int n;
    for (p = s; *p; p += n)
        if (nr_unsafe_char(p, &n, esc) != -2)
            break;
    if (!*p)
        return s;
    for (p = s; *p && o + NR_ESCBUF < size; p += n) {
        if (nr_unsafe_char(p, &n, esc) != -2) {
            memcpy(buf + o, esc, strlen(esc));
            o += strlen(esc);
        } else {
            memcpy(buf + o, p, (size_t)n);
            o += (size_t)n;
        }
    }
    buf[o] = 0;
    return buf;
}

/* Room for a name in a report, escaped as by escaped() (an escaped name
 * longer than this is cut short). */
#define NAMEBUF 4096
#define SHOWN(s, buf) escaped((s), (buf), sizeof(buf))

/* One message for an error, then the exit status its phase calls for. */
static int fail(const nr_error *err, int status)
{
    char buf[1024], sbuf[4096];
    nr_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s: %s\n", progname, SHOWN(buf, sbuf));
    if (err->code == NR_ENOMEM)
        return EXIT_WORK;
    return status;
}

/* Bad usage: one line, pointing at the help of the command concerned. */
static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    char buf[2 * PATH_MAX + 256], sbuf[4 * PATH_MAX];
    snprintf(buf, sizeof buf, fmt, arg);
    fprintf(stderr, "%s: %s", progname, SHOWN(buf, sbuf));
    if (cmd)
        fprintf(stderr, " (see 'nn2rules help %s')\n", cmd);
    else
        fprintf(stderr, " (see 'nn2rules --help')\n");
    return EXIT_USAGE;
}

/* getopt_long returned ':' or '?': name the option (getopt's own message is
 * switched off so that the user sees one line). */
static int bad_option(const char *cmd, int c, char **argv)
{
    char buf[64];
    const char *arg = argv[optind - 1];
    if (optopt && !(arg[0] == '-' && arg[1] == '-')) {
        snprintf(buf, sizeof buf, "-%c", optopt);
        arg = buf;
    }
    if (c == ':')
        return usage_error(cmd, "option '%s' needs an argument", arg);
    return usage_error(cmd, "unknown option '%s'", arg);
}

/* --seed: a whole number, 0 to 2^64 - 1. */
static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* --nonfinite error|skip: 1 for skip, 0 for error, -1 for anything else. */
static int parse_nonfinite(const char *s)
{
    return strcmp(s, "skip") == 0 ? 1 : strcmp(s, "error") == 0 ? 0 : -1;
}

/* Rows whose network outputs are not finite: an error, or dropped with a
 * note on stderr (kept: as nr_dataset_check_outputs). */
static int check_finite_outputs(nr_dataset *d, const nn_model *m, int skip, int **kept, nr_error *err)
{
    int skipped = 0, rc = nr_dataset_check_outputs(d, m, skip, &skipped, kept, err);
    if (rc == 0 && skipped)
        fprintf(stderr, "%s: %s: skipped %d row%s whose network outputs are not finite\n",
                progname, d->path, skipped, skipped == 1 ? "" : "s");
    return rc;
}

/* --missing: what to do with rows that have missing values. */
enum { MISSING_SKIP, MISSING_ERROR, MISSING_IMPUTE };

typedef struct missing_opts {
    int mode;         /* MISSING_* */
    int from_profile; /* impute from the model's data profile, when it has one */
    int quiet;        /* no note of how many rows were skipped or filled */
    float *fill;      /* what impute puts in, per feature: set by the first
                         rows imputed (extract's training rows), then reused */
} missing_opts;

static int parse_missing(const char *s)
{
    return strcmp(s, "skip") == 0     ? MISSING_SKIP
           : strcmp(s, "error") == 0  ? MISSING_ERROR
           : strcmp(s, "impute") == 0 ? MISSING_IMPUTE
                                      : -1;
}

/* The options of every command that reads rows: --nonfinite (c 'N'),
 * --missing ('M') and --data-format ('D').  0, or the usage error's exit
 * status. */
static int row_option(const char *cmd, int c, const char *arg, int *skip, missing_opts *mi,
                      nr_read_opts *ro)
{
    switch (c) {
    case 'N':
        if ((*skip = parse_nonfinite(arg)) < 0)
            return usage_error(cmd, "--nonfinite wants 'error' or 'skip', not '%s'", arg);
        return 0;
    case 'M':
        if ((mi->mode = parse_missing(arg)) < 0)
            return usage_error(cmd, "--missing wants 'skip', 'error' or 'impute', not '%s'", arg);
        return 0;
    default:
        if (strcmp(arg, "csv") != 0 && strcmp(arg, "arff") != 0)
            return usage_error(cmd, "--data-format wants 'csv' or 'arff', not '%s'", arg);
        ro->format = arg;
        return 0;
    }
}

/* Match d to the model, then skip, refuse or fill in its rows with missing
 * values as mi says.  kept (may be NULL) receives, malloc'd or NULL when no
 * row went, the file's 0-based row index of each row that remains. */
static int match_rows(nr_dataset *d, const nn_model *m, missing_opts *mi, int **kept, nr_error *err)
{
    int rc, dropped = 0;
    long n;
    char nb[NAMEBUF];
    if (kept)
        *kept = NULL;
    if (mi->mode == MISSING_ERROR)
        return nr_dataset_match_model(d, m, err);
    if ((rc = nr_dataset_match_model_missing(d, m, err)) < 0)
        return rc;
    if (mi->mode == MISSING_SKIP) {
        if ((rc = nr_dataset_drop_missing(d, &dropped, kept, err)) == 0 && dropped > 0 && !mi->quiet)
            fprintf(stderr, "%s: %s: skipped %d row%s with missing values (--missing impute fills them in)\n",
                    progname, SHOWN(d->path, nb), dropped, dropped == 1 ? "" : "s");
        if (rc == 0 && dropped == 0 && kept) {
            free(*kept);
            *kept = NULL;
        }
        return rc;
    }
    if (!mi->fill && (rc = nr_missing_fill(d, m, mi->from_profile, &mi->fill, err)) < 0)
        return rc;
    if ((n = nr_dataset_impute(d, mi->fill)) > 0 && !mi->quiet)
        fprintf(stderr, "%s: %s: imputed %ld missing value%s (%s)\n", progname, SHOWN(d->path, nb), n,
                n == 1 ? "" : "s",
                mi->from_profile && m->profile ? "from the model's data profile" : "medians and commonest values");
    return 0;
}

/* Whether out names the same existing file as in (so that writing it would
 * destroy an input). */
static int same_file(const char *in, const char *out)
{
    struct stat sin, sout;
    return in && out && strcmp(out, "-") != 0 && stat(in, &sin) == 0 && stat(out, &sout) == 0 &&
           S_ISREG(sout.st_mode) && sin.st_dev == sout.st_dev && sin.st_ino == sout.st_ino;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The file behind --features @FILE or --classes @FILE, else NULL. */
static const char *names_file(const char *arg)
{
    return arg && arg[0] == '@' ? arg + 1 : NULL;
}

/* Refuse (bad usage) to write any output over any input, or to read
 * standard input for two of them; NULL entries are options not given. */
static int check_outputs(const char *cmd, const char *const *ins, size_t nin,
                         const char *const *outs, size_t nout)
{
    int nstdin = 0;
    for (size_t i = 0; i < nin; i++)
        nstdin += ins[i] && strcmp(ins[i], "-") == 0;
    if (nstdin > 1)
        return usage_error(cmd, "%s", "only one input can be standard input ('-')");
    for (size_t o = 0; o < nout; o++)
        for (size_t i = 0; i < nin; i++)
            if (same_file(ins[i], outs[o])) {
                char msg[2 * PATH_MAX + 64];
                snprintf(msg, sizeof msg, "refusing to write the output '%s' over the input '%s'",
                         outs[o], ins[i]);
                return usage_error(cmd, "%s", msg);
            }
    return 0;
}

/* An error about an input as a whole (names that do not fit the model,
 * rules for another network, a model --exhaustive cannot enumerate) names
 * that input, unless it already names a file. */
static void name_input(nr_error *err, const char *path)
{
    if (err->code != NR_ENOMEM && !err->file[0] && path)
        snprintf(err->file, sizeof err->file, "%s", path);
}

/* What a load wanted, for explain_kind. */
enum { WANT_MODEL, WANT_RULES, WANT_DATA };

/* A file that failed to load because it is another kind of file (swapped
 * arguments: the rules where the model goes, a model as --data) is named as
 * such, with what was probably meant, instead of the reader's complaint
 * about its bytes. */
static void explain_kind(nr_error *err, const char *path, int want, const char *cmd)
{
    nr_file_kind k;
    const char *what = want == WANT_MODEL ? "a model" : want == WANT_RULES ? "a rules file" : "a data file";
    char hint[PATH_MAX + 128] = "";
    if (!path || err->code == NR_ENOMEM || err->code == NR_EIO)
        return;
    k = nr_sniff_file(path);
    if (k == NR_KIND_UNKNOWN || (want == WANT_MODEL && (k == NR_KIND_MODEL_BIN || k == NR_KIND_ONNX)) ||
        (want == WANT_RULES && k == NR_KIND_RULES) ||
        (want == WANT_DATA && (k == NR_KIND_CSV || k == NR_KIND_ARFF)))
        return;
    if (k == NR_KIND_RULES && want == WANT_MODEL)
        snprintf(hint, sizeof hint, " (did you mean 'nn2rules eval %s --model MODEL'?)", path);
    else if ((k == NR_KIND_MODEL_BIN || k == NR_KIND_ONNX) && want == WANT_RULES)
        snprintf(hint, sizeof hint, strcmp(cmd, "eval") == 0 ? " (did you mean 'nn2rules eval RULES --model %s'?)"
                                                            : " (did you mean 'nn2rules extract %s'?)", path);
    else if ((k == NR_KIND_CSV || k == NR_KIND_ARFF) && want != WANT_DATA)
        snprintf(hint, sizeof hint, " (did you mean '--data %s'?)", path);
    nr_error_at(err, NR_EINVAL, path, 0, 0, "this is %s, not %s%s", nr_kind_name(k), what, hint);
}

/* nr_data_read, saying so when the file is a model or rules. */
static int read_data(const char *path, const nr_read_opts *ro, nr_dataset **d, nr_error *err)
{
    int rc = nr_data_read(path, ro, d, err);
    if (rc < 0)
        explain_kind(err, path, WANT_DATA, "");
    return rc;
}

/* nr_read_rules, saying so when the file is a model or data. */
static int read_rules(const char *cmd, const char *path, nr_rules **r, nr_error *err)
{
    int rc = nr_read_rules(path, r, err);
    if (rc < 0)
        explain_kind(err, path, WANT_RULES, cmd);
    return rc;
}

/* Model files are recognised by content, not extension. */
static int load_model(const char *path, nn_model **m, nr_error *err)
{
    int rc = nr_model_load(path, m, NULL, NULL, err);
    if (rc < 0)
        explain_kind(err, path, WANT_MODEL, "");
    return rc;
}

/* The extension of path's last component (after its last dot), or NULL. */
static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    /* a leading dot (".hidden") is part of the name, not an extension */
    return dot && dot > base ? dot + 1 : NULL;
}

/* What run writes (CSV), what convert writes, and the rule formats. */
static const char *const CSV_EXTS[] = {"csv", "txt", NULL};
static const char *const MODEL_EXTS[] = {"bin", "onnx", NULL};
static const char *const RULES_EXTS[] = {"txt", "text", "rules", "dot", "gv", "svg", "png", "c", "json", NULL};

/* An output path whose extension is not one of exts (NULL-terminated) is
 * refused, with the list: a typo such as r.txtt or r.jsno would otherwise
 * silently give another format.  No extension at all is left alone. */
static int check_extension(const char *cmd, const char *opt, const char *path, const char *const *exts)
{
    const char *ext = path ? extension(path) : NULL;
    char list[256] = "";
    struct stat st;
    /* a directory, device or FIFO is no file of a format */
    if (!ext || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
        return 0;
    for (const char *const *e = exts; *e; e++)
        if (strcmp(ext, *e) == 0)
            return 0;
    for (const char *const *e = exts; *e; e++)
        nr_appendf(list, sizeof list, "%s.%s", e == exts ? "" : ", ", *e);
    {
        char msg[PATH_MAX + 384];
        snprintf(msg, sizeof msg, "%s '%s': unknown output extension '.%s' (known: %s)", opt, path, ext,
                 list);
        return usage_error(cmd, "%s", msg);
    }
}

/* ---- model metadata from the command line ------------------------------ */

/* --features, --classes and --like: what an ONNX file does not say. */
typedef struct meta_opts {
    const char *features, *classes, *like, *ranges;
} meta_opts;

/* Names from one option into the model (features or classes). */
static int set_names_opt(nn_model *m, const char *opt, const char *arg, int features, nr_error *err)
{
    char **names = NULL, msg[sizeof err->msg];
    int n = 0, rc;
    if ((rc = nr_names_from_arg(arg, &names, &n, err)) == 0)
        rc = nr_model_set_names(m, features ? (const char *const *)names : NULL, n,
                                features ? NULL : (const char *const *)names, n, err);
    nr_names_free(names, n);
    if (rc < 0 && rc != NR_ENOMEM && !err->file[0]) {
        snprintf(msg, sizeof msg, "%s", err->msg);
        nr_error_set(err, rc, "%s: %s", opt, msg);
    }
    return rc;
}

/* Load a model, then give it what the options say; *crc (may be NULL) is
 * the CRC-32 of the model file. */
static int load_model_meta(const char *path, const meta_opts *mo, nn_model **m, uint32_t *crc,
                           nr_error *err)
{
    nn_model *like = NULL;
    int rc = nr_model_load(path, m, NULL, crc, err);
    if (rc < 0)
        explain_kind(err, path, WANT_MODEL, "");
    if (rc == 0 && mo->like && (rc = load_model(mo->like, &like, err)) == 0) {
        char msg[sizeof err->msg];
        if ((rc = nr_model_copy_meta(*m, like, err)) < 0 && rc != NR_ENOMEM) {
            snprintf(msg, sizeof msg, "%s", err->msg);
            nr_error_set(err, rc, "--like %s: %s", mo->like, msg);
        }
        nn_model_free(like);
    }
    if (rc == 0 && mo->features)
        rc = set_names_opt(*m, "--features", mo->features, 1, err);
    if (rc == 0 && mo->classes)
        rc = set_names_opt(*m, "--classes", mo->classes, 0, err);
    if (rc == 0 && mo->ranges && (rc = nr_model_set_ranges(*m, mo->ranges, err)) < 0 &&
        rc != NR_ENOMEM && !err->file[0])
        snprintf(err->file, sizeof err->file, "%s", path);
    if (rc < 0) {
        name_input(err, path);
        nn_model_free(*m);
        *m = NULL;
    }
    return rc;
}

/* Names the model lacks and every feature's range, from a data file. */
static int meta_from_data(nn_model *m, const char *path, const nr_read_opts *ro, int profile_rows,
                          nr_error *err)
{
    nr_dataset *d = NULL;
    int rc, had_features = m->features != NULL;
    /* ranges and types only for a model that has no features of its own
     * (an ONNX file): a model.bin's were chosen, and --ranges changes them */
    if ((rc = read_data(path, ro, &d, err)) == 0 && (rc = nr_model_names_from_data(m, d, err)) == 0 &&
        (rc = nr_dataset_match_model(d, m, err)) == 0 && m->features && !had_features)
        rc = nr_model_ranges_from_data(m, d, err);
    /* and, when asked, a profile of the rows: a new one replaces the old */
    if (rc == 0 && profile_rows >= 0) {
        nn_profile *p = NULL;
        if ((rc = nr_profile_build(m, d, profile_rows, 1, &p, err)) == 0) {
            nn_profile_free(m->profile);
            m->profile = p;
        }
    }
    if (rc < 0)
        name_input(err, path);
    nr_dataset_free(d);
    return rc;
}

/* ---- progress on a terminal ---------------------------------------------- */

/* The command line's side of nr_progress: one line on standard error,
 * redrawn in place, only when standard error is a terminal and only once
 * the work has taken longer than NN2RULES_PROGRESS_DELAY seconds (default
 * 1: short work shows nothing). */
typedef struct cli_progress {
    double delay, t0, last;
    int shown;
} cli_progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void show_progress(void *ctx, nr_progress_event ev, const char *what, double done, double total)
{
    cli_progress *cp = ctx;
    double t = now_seconds();
    switch (ev) {
    case NR_PROGRESS_START:
        cp->t0 = t;
        cp->last = 0;
        cp->shown = 0;
        break;
    case NR_PROGRESS_UPDATE:
        /* at most ten redraws a second */
        if (t - cp->t0 < cp->delay || (cp->shown && t - cp->last < 0.1))
            break;
        fprintf(stderr, "\r%s: %s: %.0f%% (%.0f of %.0f)\033[K", progname, what ? what : "working",
                total > 0 ? 100 * done / total : 100.0, done, total);
        cp->shown = 1;
        cp->last = t;
        break;
    case NR_PROGRESS_END:
        if (cp->shown)
            fputs("\r\033[K", stderr); /* the line goes: what follows is the result */
        cp->shown = 0;
        break;
    }
}

/* Progress reports for a command: none with -q or when standard error is
 * not a terminal. */
static void progress_init(nr_progress *p, cli_progress *cp, int quiet)
{
    const char *env = getenv("NN2RULES_PROGRESS_DELAY");
    char *end;
    memset(p, 0, sizeof *p);
    memset(cp, 0, sizeof *cp);
    cp->delay = 1;
    if (env && *env) {
        double v = strtod(env, &end);
        if (!*end && v >= 0)
            cp->delay = v;
    }
    if (!quiet && isatty(STDERR_FILENO)) {
        p->fn = show_progress;
        p->ctx = cp;
    }
}

/* ---- info ------------------------------------------------------------ */

static const char *feature_type_name(nn_feature_type t)
{
    switch (t) {
    case NN_FEAT_CONTINUOUS: return "continuous";
    case NN_FEAT_BOOLEAN: return "boolean";
    case NN_FEAT_ONEHOT: return "one-hot";
    case NN_FEAT_INTEGER: return "integer";
    case NN_FEAT_TYPE_END: break;
    }
    return "?";
}

static void print_shape(FILE *f, nn_shape s)
{
    if (s.h == 1 && s.w == 1)
        fprintf(f, "%d", s.c);
    else
        fprintf(f, "%dx%dx%d", s.c, s.h, s.w);
}

static size_t layer_params(const nn_layer *l)
{
    size_t n[4], total = 0;
    int nt = nn_layer_tensor_sizes(l, l->in, n);
    if (l->type == NN_BATCHNORM)
        nt = 2; /* running statistics are not parameters */
    for (int i = 0; i < nt; i++)
        total += n[i];
    return total;
}

static void print_layer_detail(FILE *f, const nn_layer *l)
{
    switch (l->type) {
    case NN_CONV2D:
    case NN_MAXPOOL2D:
    case NN_AVGPOOL2D:
        fprintf(f, "  kernel %dx%d stride %dx%d", l->kh, l->kw, l->sh, l->sw);
        if (l->pad_t || l->pad_l || l->pad_b || l->pad_r)
            fprintf(f, " pad %d,%d,%d,%d", l->pad_t, l->pad_l, l->pad_b, l->pad_r);
        if (l->type == NN_CONV2D && (l->dh != 1 || l->dw != 1))
            fprintf(f, " dilation %dx%d", l->dh, l->dw);
        break;
    case NN_LEAKYRELU:
        fprintf(f, "  slope %g", (double)l->alpha);
        break;
    case NN_BATCHNORM:
        fprintf(f, "  eps %g", (double)l->alpha);
        break;
    default:
        break;
    }
}

/* A feature's profile in a few figures: its median and where the middle
 * 90% of it lies, or its commonest value when it takes few. */
static void print_feature_profile(const nn_feature_profile *fp, int nq)
{
    if (fp->nvalues > 0 && fp->nvalues <= 2) {
        int top = fp->freq[0] >= fp->freq[fp->nvalues - 1] ? 0 : fp->nvalues - 1;
        printf("  %g in %.0f%% of rows", (double)fp->values[top], 100 * (double)fp->freq[top]);
        return;
    }
    /* the stored quantiles nearest 5%, 50% and 95% */
    printf("  median %g, 90%% in [%g, %g]", (double)fp->q[(nq - 1) / 2],
           (double)fp->q[(int)lround(0.05 * (nq - 1))], (double)fp->q[(int)lround(0.95 * (nq - 1))]);
}

static int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},          {"features", required_argument, NULL, 'F'},
        {"classes", required_argument, NULL, 'C'}, {"data", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'},   {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    nr_error err;
    nn_model *m = NULL;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    const char *data_path = NULL;
    int c;
    nn_shape prev;
    char nb[NAMEBUF];

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":hd:l:q", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(USAGE_INFO, stdout); return 0;
        case 'q': break; /* info prints nothing else on standard error */
        case 'F': mo.features = optarg; break;
        case 'C': mo.classes = optarg; break;
        case 'd': data_path = optarg; break;
        case 'l': ropts.label = optarg; break;
        default: return bad_option("info", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("info", "%s", "'info' takes one model file");
    if (load_model_meta(argv[optind], &mo, &m, NULL, &err) < 0)
        return fail(&err, EXIT_INPUT);
    if (data_path && meta_from_data(m, data_path, &ropts, -1, &err) < 0) {
        nn_model_free(m);
        return fail(&err, EXIT_INPUT);
    }

    printf("model:       %s\n", SHOWN(argv[optind], nb));
    if (m->description)
        printf("description: %s\n", SHOWN(m->description, nb));
    printf("task:        %s\n", m->task == NN_TASK_CLASSIFY ? "classification" : "regression");
    printf("input:       ");
    print_shape(stdout, m->input);
    printf(" (%zu values)\n", nn_model_input_size(m));
    printf("output:      %zu values\n", nn_model_output_size(m));
    printf("parameters:  %zu\n", nn_model_param_count(m));
    printf("layers:      %d\n", m->nlayers);
    prev = m->input;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        printf("  %3d  %-14s ", i, nn_layer_type_name(l->type));
        print_shape(stdout, prev);
        printf(" -> ");
        print_shape(stdout, l->out);
        printf("  params %zu", layer_params(l));
        print_layer_detail(stdout, l);
        printf("\n");
        prev = l->out;
    }
    if (m->norm_mean)
        printf("normalization: (x - mean) / std, inside the model\n");
    else if (nr_model_file_is_onnx(argv[optind]) == 1)
        /* an imported graph may expect inputs normalized outside it */
        printf("normalization: none in the model: inputs go in as the graph takes them (if the network "
               "was trained on normalized inputs, give them normalized)\n");
    else
        printf("normalization: none\n");
    if (m->features) {
        int shown = m->nfeatures > 40 ? 20 : m->nfeatures;
        printf("features:    %d\n", m->nfeatures);
        for (int i = 0; i < shown; i++) {
            const nn_feature *f = &m->features[i];
            printf("  %-24s %-10s [%g, %g]", SHOWN(f->name, nb), feature_type_name(f->type), (double)f->min,
                   (double)f->max);
            if (f->group >= 0)
                printf(" group %d", f->group);
            if (m->profile)
                print_feature_profile(&m->profile->features[i], m->profile->nq);
            printf("\n");
        }
        if (shown < m->nfeatures)
            printf("  ... %d more\n", m->nfeatures - shown);
    } else {
        printf("features:    %zu, unnamed\n", nn_model_input_size(m));
    }
    if (m->class_names) {
        printf("classes:     %d:", m->nclasses);
        for (int i = 0; i < m->nclasses; i++)
            printf(" %s", SHOWN(m->class_names[i], nb));
        printf("\n");
    }
    if (m->profile)
        printf("profile:     of %llu rows, %d of them kept; %d quantiles a feature\n",
               (unsigned long long)m->profile->nseen, m->profile->nrows, m->profile->nq);
    else
        printf("profile:     none (extraction without --data samples the ranges above)\n");
    nn_model_free(m);
    return 0;
}

/* ---- run ------------------------------------------------------------- */

/* CSV field: quoted when it holds a separator, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},   {"label", required_argument, NULL, 'l'},
        {"labels", required_argument, NULL, 'L'}, {"output", required_argument, NULL, 'o'},
        {"batch", required_argument, NULL, 'b'},  {"help", no_argument, NULL, 'h'},
        {"features", required_argument, NULL, 'F'}, {"classes", required_argument, NULL, 'C'},
        {"nonfinite", required_argument, NULL, 'N'}, {"missing", required_argument, NULL, 'M'},
        {"data-format", required_argument, NULL, 'D'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    missing_opts mi = {MISSING_SKIP, 1, 0, NULL};
    const char *data_path = NULL, *out_path = NULL;
    int batch = 256, c, status = 0, skip = 0, *kept = NULL, *kept0 = NULL;
    nr_progress prog;
    cli_progress cprog;
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nn_workspace *ws = NULL;
    float *y = NULL;
    char *text = NULL;
    size_t textlen = 0;
    FILE *out = NULL;
    size_t nout, nin;
    long correct = 0;
    nn_error nerr;
    char nb[NAMEBUF];

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:l:o:b:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_path = optarg; break;
        case 'l': ropts.label = optarg; break;
        case 'L': ropts.labels_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'b':
            if (parse_count(optarg, 1, 1 << 20, &batch) < 0)
                return usage_error("run", "--batch wants a whole number from 1 to 1048576, not '%s'", optarg);
            break;
        case 'h': fputs(USAGE_RUN, stdout); return 0;
        case 'F': mo.features = optarg; break;
        case 'C': mo.classes = optarg; break;
        case 'N':
        case 'M':
        case 'D': {
            int st = row_option("run", c, optarg, &skip, &mi, &ropts);
            if (st != 0)
                return st;
            break;
        }
        case 'q': mi.quiet = 1; break;
        default: return bad_option("run", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("run", "%s", "'run' takes one model file");
    if (!data_path)
        return usage_error("run", "%s", "'run' needs --data FILE");
    {
        const char *ins[] = {argv[optind], data_path, ropts.labels_path, names_file(mo.features),
                             names_file(mo.classes)};
        const char *outs[] = {out_path};
        if ((c = check_outputs("run", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return c;
    }
    if ((c = check_extension("run", "-o", out_path, CSV_EXTS)) != 0)
        return c;

    if (load_model_meta(argv[optind], &mo, &m, NULL, &err) < 0 || read_data(data_path, &ropts, &d, &err) < 0 ||
        nr_model_names_from_data(m, d, &err) < 0 || match_rows(d, m, &mi, &kept0, &err) < 0 ||
        check_finite_outputs(d, m, skip, &kept, &err) < 0) {
        name_input(&err, data_path); /* the model names itself */
        status = fail(&err, err.code == NR_ENOMEM || err.code == NR_EMODEL ? EXIT_WORK : EXIT_INPUT);
        goto done;
    }
    nin = nn_model_input_size(m);
    nout = nn_model_output_size(m);
    if (d->nrows > 0 && batch > d->nrows)
        batch = d->nrows;
    /* --batch is rows; memory stays within the budget whatever it says */
    batch = nn_batch_within(m, batch, NN_WORKSPACE_BUDGET);
    ws = nn_workspace_new(m, batch);
    y = malloc(sizeof *y * nout * (size_t)batch);
    out = open_memstream(&text, &textlen);
    if (!ws || !y || !out) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    fputs("row,predicted", out);
    for (size_t j = 0; j < nout; j++) {
        fputc(',', out);
        if (m->class_names) {
            char name[300];
            snprintf(name, sizeof name, "p_%s", m->class_names[j]);
            csv_field(out, name);
        } else {
            fprintf(out, "y%zu", j);
        }
    }
    fputc('\n', out);
    progress_init(&prog, &cprog, mi.quiet);
    nr_progress_start(&prog, "running the network", d->nrows);
    for (int r0 = 0; r0 < d->nrows; r0 += batch) {
        int n = d->nrows - r0 < batch ? d->nrows - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        nr_progress_update(&prog, r0);
        if (nn_forward(m, ws, d->x + (size_t)r0 * nin, n, y, &nerr) < 0) {
            nr_error_set(&err, NR_EMODEL, "running the network on rows %d to %d: %s", r0 + 1,
                         r0 + n, nerr.msg);
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const float *yi = y + (size_t)i * nout;
            int k = nn_argmax(yi, nout);
            int row = kept ? kept[r0 + i] : r0 + i;
            fprintf(out, "%d,", (kept0 ? kept0[row] : row) + 1); /* the row's place in the file */
            if (m->task == NN_TASK_REGRESS)
                fprintf(out, "%.9g", (double)yi[0]);
            else if (m->class_names)
                csv_field(out, m->class_names[k]);
            else
                fprintf(out, "%d", k);
            for (size_t j = 0; j < nout; j++)
                fprintf(out, ",%.9g", (double)yi[j]);
            fputc('\n', out);
            if (d->has_labels && d->labels[r0 + i] == k)
                correct++;
        }
    }
    nr_progress_update(&prog, d->nrows);
    nr_progress_end(&prog);
    if (fclose(out) != 0) {
        out = NULL;
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    out = NULL;
    if (nr_write_file_atomic(out_path ? out_path : "-", text, textlen, &err) < 0) {
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    if (d->has_labels && m->task == NN_TASK_CLASSIFY && !mi.quiet)
        fprintf(stderr, "accuracy: %.4f (%ld of %d rows against '%s')\n",
                d->nrows ? (double)correct / d->nrows : 0.0, correct, d->nrows,
                d->label_name ? SHOWN(d->label_name, nb) : "labels");
done:
    if (out)
        fclose(out);
    free(text);
    free(y);
    free(kept);
    free(kept0);
    free(mi.fill);
    nn_workspace_free(ws);
    nr_dataset_free(d);
    nn_model_free(m);
    return status;
}

/* ---- output formats ---------------------------------------------------- */

typedef enum out_format { FMT_TEXT, FMT_DOT, FMT_SVG, FMT_PNG, FMT_C, FMT_JSON, FMT_NONE } out_format;

static out_format format_by_name(const char *s)
{
    static const struct { const char *name; out_format f; } names[] = {
        {"txt", FMT_TEXT}, {"text", FMT_TEXT}, {"rules", FMT_TEXT}, {"dot", FMT_DOT}, {"gv", FMT_DOT},
        {"svg", FMT_SVG}, {"png", FMT_PNG}, {"c", FMT_C}, {"json", FMT_JSON}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].f;
    return FMT_NONE;
}

/* The format -f names, else the one -o's extension names, else text. */
static int pick_format(const char *cmd, const char *fmt, const char *out, out_format *f)
{
    const char *ext;
    if (fmt) {
        if ((*f = format_by_name(fmt)) == FMT_NONE)
            return usage_error(cmd, "unknown format '%s' (txt, dot, svg, png, c, json)", fmt);
        return 0;
    }
    *f = FMT_TEXT;
    /* an unknown extension is refused after the checks of the outputs */
    if (out && (ext = extension(out)) && format_by_name(ext) != FMT_NONE)
        *f = format_by_name(ext);
    return 0;
}

/* FILE.h for C output to FILE.c (or FILE); malloc'd, NULL when out of memory. */
static char *c_header_path(const char *out)
{
    const char *dot = strrchr(out, '.'), *base = strrchr(out, '/');
    size_t stem;
    char *h;
    base = base ? base + 1 : out;
    stem = dot && dot > base ? (size_t)(dot - out) : strlen(out);
    if ((h = malloc(stem + 3))) {
        memcpy(h, out, stem);
        strcpy(h + stem, ".h");
    }
    return h;
}

/* Before any work: C output has -o and is not its own header, PNG does not
 * go to a terminal, and no output (the C header included) is an input. */
static int check_rules_outputs(const char *cmd, out_format f, const char *out, const char *const *ins,
                               size_t nin)
{
    char *h = f == FMT_C && out ? c_header_path(out) : NULL;
    const char *outs[] = {out, h};
    int rc;
    if (f == FMT_C && !out)
        rc = usage_error(cmd, "%s", "C output needs -o FILE.c (it writes FILE.c and FILE.h)");
    else if (f == FMT_PNG && !out && isatty(STDOUT_FILENO))
        rc = usage_error(cmd, "%s", "refusing to write PNG to a terminal; give -o FILE.png");
    else if (h && strcmp(h, out) == 0)
        rc = usage_error(cmd, "C output needs -o FILE.c, not its header '%s'", out);
    else
        rc = check_outputs(cmd, ins, nin, outs, NELEM(outs));
    free(h);
    return rc;
}

/* Render rules in a format and write them (atomically) to out, or to
 * standard output when out is NULL.  C output writes OUT.c and OUT.h. */
static int write_rules(const nr_rules *r, out_format f, const char *out, const char *prefix,
                       const nr_draw_opts *draw, nr_error *err)
{
    char *buf = NULL, *hbuf = NULL, *hpath = NULL;
    size_t len = 0, hlen = 0;
    int rc = 0;
    switch (f) {
    case FMT_TEXT: rc = nr_emit_text(r, &buf, &len, err); break;
    case FMT_DOT: rc = nr_emit_dot_opts(r, draw, &buf, &len, err); break;
    case FMT_SVG: rc = nr_render_opts(r, draw, "svg", &buf, &len, err); break;
    case FMT_PNG: rc = nr_render_opts(r, draw, "png", &buf, &len, err); break;
    case FMT_JSON: rc = nr_emit_json(r, &buf, &len, err); break;
    case FMT_C: {
        const char *base;
        if (!out)
            return nr_error_set(err, NR_EINVAL, "C output needs -o FILE.c (it writes FILE.c and FILE.h)");
        if (!(hpath = c_header_path(out)))
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        base = strrchr(hpath, '/');
        rc = nr_emit_c(r, prefix ? prefix : "rules", base ? base + 1 : hpath, &buf, &len, &hbuf,
                       &hlen, err);
        if (rc == 0)
            rc = nr_write_file_atomic(hpath, hbuf, hlen, err);
        break;
    }
    case FMT_NONE: break;
    }
    /* a drawing refused for its size: name the output that was not made */
    if (rc == NR_ELIMIT && (f == FMT_SVG || f == FMT_PNG) && out && !err->file[0])
        snprintf(err->file, sizeof err->file, "%s", out);
    if (rc == 0)
        rc = nr_write_file_atomic(out ? out : "-", buf, len, err);
    free(buf);
    free(hbuf);
    free(hpath);
    return rc;
}

/* ---- extract ------------------------------------------------------------- */

static const char USAGE_EXTRACT[] =
    "usage: nn2rules [extract] MODEL [-o FILE] [OPTIONS]\n"
    "\n"
    "Extract rules from a network.  With no --data, sample the input domain the\n"
    "model declares.  The output format follows -o's extension (.txt, .dot, .svg,\n"
    ".png, .c, .json) unless -f says otherwise; without -o, rule text goes to\n"
    "standard output.  A summary goes to standard error.\n"
    "\n"
    "Options:\n"
    "  -a, --algorithm NAME       the extractor (below; default tree)\n"
    "  -o, --output FILE          where to write the rules\n"
    "  -f, --format FMT           txt, dot, svg, png, c or json\n"
    "  -d, --data FILE            rows to label with the network and learn from\n"
    "      --nonfinite error|skip rows of --data or --test whose outputs are NaN or\n"
    "                             infinite: an error (the default), or left out\n"
    "      --missing MODE         rows of --data or --test with missing values: skip\n"
    "                             (the default), error, or impute (--data's medians and\n"
    "                             commonest values)\n"
    "      --data-format FMT      csv or arff, whatever the names say\n"
    "      --test FILE            held-out rows: report fidelity and accuracy on them\n"
    "  -l, --label NAME           the label column of --data and --test\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      --seed N               random seed (default 1); same inputs and seed, same output\n"
    "      --samples N            inputs to draw when there is no --data (default 10000)\n"
    "      --intermediate FILE    cred, deepred, eclaire: also write the rules over hidden\n"
    "                             units, before they are rewritten over the inputs\n"
    "      --precision N          round thresholds to N significant digits (1-9) in\n"
    "                             every output; the fidelity reported is the rounded rules'\n"
    "      --draw-depth N         DOT, SVG, PNG: draw the tree to depth N, each subtree\n"
    "                             below as one box (a decision list: its first N rules)\n"
    "      --prefix NAME          prefix of every symbol in C output (default rules)\n"
    "      --features LIST        feature names for a model without them (a,b,c or @FILE)\n"
    "      --classes LIST         class names for a model without them\n"
    "      --like MODEL.bin       names, ranges and normalization from another model\n"
    "      --ranges LIST          input ranges to sample without --data: LO:HI for every\n"
    "                             feature, NAME=LO:HI for one (comma-separated)\n"
    "  -q, --quiet                no summary on standard error\n";

/* Read data and match it to the model; NULL path gives NULL.  A model
 * that lacks names (an ONNX file) takes them from the data; one that
 * declared no features also takes their ranges and types from it.  Rows with
 * missing values are skipped, refused or filled in as mi says. */
static int load_rows(const char *path, const nr_read_opts *ropts, nn_model *m, int skip,
                     missing_opts *mi, nr_dataset **d, nr_error *err)
{
    int rc, had_features = m->features != NULL;
    *d = NULL;
    if (!path)
        return 0;
    if ((rc = read_data(path, ropts, d, err)) == 0 && (rc = nr_model_names_from_data(m, *d, err)) == 0 &&
        (rc = match_rows(*d, m, mi, NULL, err)) == 0 && (rc = check_finite_outputs(*d, m, skip, NULL, err)) == 0 &&
        !had_features && m->features)
        rc = nr_model_ranges_from_data(m, *d, err);
    if (rc < 0) {
        name_input(err, path);
        nr_dataset_free(*d);
        *d = NULL;
    }
    return rc;
}

static void print_fidelity(const char *what, const char *path, const nr_eval_result *e)
{
    char nb[NAMEBUF];
    fprintf(stderr, "%s: fidelity %.4f (%ld of %ld rows agree with the network)", what,
            e->nrows ? (double)e->agree / (double)e->nrows : 0.0, e->agree, e->nrows);
    if (e->has_labels)
        fprintf(stderr, ", accuracy %.4f (network %.4f)",
                e->nrows ? (double)e->correct / (double)e->nrows : 0.0,
                e->nrows ? (double)e->net_correct / (double)e->nrows : 0.0);
    fprintf(stderr, " on %s\n", SHOWN(path, nb));
}

/* The summary line that says how the size was chosen: the size, the rows
 * that judged it, the fit there, the best size and the tolerance. */
static void print_size_choice(const nr_extract_report *rep)
{
    const char *unit = rep->in_rules ? (rep->best_leaves == 1 ? "rule" : "rules")
                                     : (rep->best_leaves == 1 ? "leaf" : "leaves");
    const char *on = rep->held_profile ? "rows kept in the profile"
                     : rep->sampled || rep->held_samples ? "held-out samples"
                                       : "held-out rows";
    const double held = rep->regression ? rep->held_r2 : (double)rep->held_agree / (double)rep->held_out;
    const double best = rep->regression ? rep->best_r2 : (double)rep->best_agree / (double)rep->held_out;
    fprintf(stderr, "size: ");
    if (rep->in_rules)
        fprintf(stderr, "%d of %d rules", rep->leaves, rep->candidates);
    else
        fprintf(stderr, "%d lea%s", rep->leaves, rep->leaves == 1 ? "f" : "ves");
    /* a rule set's candidates were grown on every row: only the choice
     * among them held rows out, so the fidelity there is optimistic */
    fprintf(stderr, " chosen on %ld %s%s: %s %.4f there (best %.4f at %d %s; tolerance %g point%s%s%s)\n",
            rep->held_out, on, rep->in_rules ? " (held out of the choice, not of growing the candidates)" : "",
            rep->regression ? "R^2" : "fidelity", held, best, rep->best_leaves, unit,
            100 * rep->tolerance, rep->tolerance == 0.01 ? "" : "s", rep->regression ? " of R^2" : "",
            rep->chance_rows ? ", or 4 rows, as few as chance could lose" : "");
}

/* What to try when an extractor's result explains nothing: its own
 * options, so that the advice is never bad usage. */
static const char *degenerate_hint(const char *algorithm)
{
    static const struct {
        const char *name, *hint;
    } hints[] = {
        {"tree", "try --criterion gini, --no-mdl or more rows"},
        {"tree-rules", "try --criterion gini, --no-mdl or more rows"},
        {"tsukimoto", "a term is kept only where it holds whatever the other inputs are: try a "
                      "higher --max-order, or -a tree"},
        {"cred", "try a smaller --min-cases, or -a tree"},
        {"deepred", "try a smaller --min-cases, or -a tree"},
        {"eclaire", "try a smaller --min-cases, or -a tree"},
        {"trepan", "try a larger --min-samples or more rows"},
        {"anndt", "try a larger --alpha, more --samples or more rows"},
    };
    for (size_t i = 0; algorithm && i < sizeof hints / sizeof *hints; i++)
        if (strcmp(algorithm, hints[i].name) == 0)
            return hints[i].hint;
    return "try more rows, or -a tree";
}

/* Whether the rules can answer more than one class: some leaf, or some
 * rule, differs from the others or from the default. */
static int answers_several(const nr_rules *r)
{
    int first = -1;
    if (r->kind == NR_BODY_RULESET) {
        for (int i = 0; i < r->rs.nrules; i++)
            if (r->rs.rules[i].klass != r->rs.default_class)
                return 1;
        return 0;
    }
    if (r->kind != NR_BODY_TREE)
        return 1;
    for (int i = 0; i < r->tree.nnodes; i++)
        if (r->tree.nodes[i].leaf) {
            if (first >= 0 && r->tree.nodes[i].klass != first)
                return 1;
            first = r->tree.nodes[i].klass;
        }
    return 0;
}

/* A result that does no better than always answering the network's most
 * frequent class has found nothing, however it looks: say so, even with
 * -q, since exit status 0 alone would pass it off as an explanation. */
static void warn_degenerate(const nr_rules *r, const nr_extract_report *rep)
{
    const char *what = rep->sampled ? "samples" : "training rows";
    double fid, share;
    /* a regression tree of one leaf answers one number: nothing varies */
    if (r->task == NR_TASK_REGRESS && r->kind == NR_BODY_TREE && r->tree.nnodes == 1) {
        fprintf(stderr, "%s: warning: the regression tree is one leaf, %g everywhere: it explains "
                "none of the output's variation; give more rows, or rows over which it varies\n",
                progname, r->tree.nodes[0].value);
        return;
    }
    if (rep->nrows <= 0)
        return;
    fid = (double)rep->agree / (double)rep->nrows;
    share = (double)rep->majority / (double)rep->nrows;
    if (rep->majority == rep->nrows)
        /* rules grown also on samples drawn around those rows (or on a
         * profile's kept rows) may answer more, which these cannot judge */
        fprintf(stderr, "%s: warning: the network predicts '%s' for all %ld %s, so %s; give rows "
                "where it decides otherwise\n",
                progname, r->classes[rep->majority_class], rep->nrows, what,
                answers_several(r) ? "they cannot judge the rules' other answers"
                                   : "the rules say nothing else");
    else if (fid < share + NR_DEGENERATE_MARGIN * (1 - share))
        fprintf(stderr, "%s: warning: the rules agree with the network on %.1f%% of the %ld %s, "
                "hardly more than always answering '%s' (%.1f%%): they explain nothing; %s\n",
                progname, 100 * fid, rep->nrows, what, r->classes[rep->majority_class],
                100 * share, degenerate_hint(r->prov.algorithm));
}

/* ---- extract: the extractors' own options ------------------------------ */

/* Every extractor's options are on the command line before -a says which
 * one runs, so getopt_long is given each name once (values XOPT and on,
 * indexing xopt_names), and what is given is kept and applied to the
 * chosen extractor once parsing is done. */
enum { XOPT = 1000 };

typedef struct xopts {
    struct option *table;  /* the common options, then each extractor option name once */
    const char **names;    /* names[v - XOPT] */
    int n;
} xopts;

static int xopts_build(xopts *x, const struct option *common, size_t ncommon)
{
    int cap = 0;
    for (int e = 0; nr_extractors[e]; e++)
        for (int i = 0; nr_extractors[e]->opts[i].name; i++)
            cap++;
    x->n = 0;
    x->table = calloc(ncommon + (size_t)cap + 1, sizeof *x->table);
    x->names = calloc((size_t)cap + 1, sizeof *x->names);
    if (!x->table || !x->names)
        return -1;
    memcpy(x->table, common, ncommon * sizeof *common);
    for (int e = 0; nr_extractors[e]; e++)
        for (int i = 0; nr_extractors[e]->opts[i].name; i++) {
            const nr_optdef *d = &nr_extractors[e]->opts[i];
            int k = 0;
            while (k < x->n && strcmp(x->names[k], d->name) != 0)
                k++;
            if (k < x->n)
                continue;
            x->names[x->n] = d->name;
            x->table[ncommon + (size_t)x->n] = (struct option){
                d->name, d->kind == NR_OPT_FLAG ? no_argument : required_argument, NULL, XOPT + x->n};
            x->n++;
        }
    return 0;
}

static void xopts_free(xopts *x)
{
    free(x->table);
    free(x->names);
}

/* The help of one extractor's options, in the layout of the usage texts. */
static void print_extractor_options(FILE *f, const nr_extractor *x)
{
    fprintf(f, "\nOptions of -a %s:\n", x->name);
    for (int i = 0; x->opts[i].name; i++) {
        const nr_optdef *d = &x->opts[i];
        char head[64];
        const char *h = d->help, *nl;
        snprintf(head, sizeof head, "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        fprintf(f, "      %-22s", head);
        if (strlen(head) > 21)
            fprintf(f, "\n%29s", "");
        else
            fputc(' ', f);
        while ((nl = strchr(h, '\n'))) {
            fprintf(f, "%.*s\n%29s", (int)(nl - h), h, "");
            h = nl + 1;
        }
        fprintf(f, "%s\n", h);
    }
}

/* extract's usage: the common options, the extractors, and the options of
 * one (only, when -a named it) or of each. */
static void print_extract_help(const nr_extractor *only)
{
    fputs(USAGE_EXTRACT, stdout);
    fputs("\nAlgorithms (-a NAME; 'nn2rules help extract -a NAME' lists one's options):\n", stdout);
    for (int e = 0; nr_extractors[e]; e++)
        printf("  %-24s %s%s\n", nr_extractors[e]->name, nr_extractors[e]->summary,
               e == 0 ? " (the default)" : "");
    for (int e = 0; nr_extractors[e]; e++)
        if (!only || only == nr_extractors[e])
            print_extractor_options(stdout, nr_extractors[e]);
}

static int cmd_extract(int argc, char **argv)
{
    enum { O_TEST = 256, O_LABELS, O_SEED, O_SAMPLES, O_PREFIX, O_DRAWDEPTH, O_PRECISION,
           O_INTERMEDIATE };
    static const struct option common[] = {
        {"algorithm", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},    {"data", required_argument, NULL, 'd'},
        {"test", required_argument, NULL, O_TEST},   {"label", required_argument, NULL, 'l'},
        {"labels", required_argument, NULL, O_LABELS}, {"seed", required_argument, NULL, O_SEED},
        {"samples", required_argument, NULL, O_SAMPLES}, {"draw-depth", required_argument, NULL, O_DRAWDEPTH},
        {"precision", required_argument, NULL, O_PRECISION},
        {"intermediate", required_argument, NULL, O_INTERMEDIATE},
        {"prefix", required_argument, NULL, O_PREFIX}, {"quiet", no_argument, NULL, 'q'},
        {"features", required_argument, NULL, 'F'}, {"classes", required_argument, NULL, 'C'},
        {"like", required_argument, NULL, 'K'}, {"ranges", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'}, {"nonfinite", required_argument, NULL, 'N'},
        {"missing", required_argument, NULL, 'M'}, {"data-format", required_argument, NULL, 'D'},
    };
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    nr_extract_opts eo;
    missing_opts mi = {MISSING_SKIP, 0, 0, NULL};
    const char *algorithm = NULL, *out = NULL, *fmt = NULL, *data = NULL, *test = NULL,
               *prefix = NULL, *inter = NULL;
    int c, quiet = 0, status = 0, skip = 0, help = 0, ngiven = 0;
    nr_rules *irules = NULL;
    nr_progress prog;
    cli_progress cprog;
    out_format f;
    nn_model *m = NULL;
    nr_dataset *rows = NULL, *trows = NULL;
    nr_rules *r = NULL;
    nr_extract_report rep;
    nr_draw_opts draw = {0};
    char options[512];
    xopts xo = {0};
    const nr_extractor *x;
    void *settings = NULL;
    unsigned char *given = NULL;
    struct { int k; const char *arg; } *gv = NULL; /* extractor options given, in order */

    nr_error_clear(&err);
    memset(&rep, 0, sizeof rep);
    nr_extract_opts_default(&eo);
    if (xopts_build(&xo, common, NELEM(common)) < 0 || !(gv = calloc((size_t)argc + 1, sizeof *gv))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, ":a:o:f:d:l:qh", xo.table, NULL)) != -1) {
        switch (c) {
        case 'a': algorithm = optarg; break;
        case 'o': out = optarg; break;
        case 'f': fmt = optarg; break;
        case 'd': data = optarg; break;
        case O_TEST: test = optarg; break;
        case 'l': ropts.label = optarg; break;
        case O_LABELS: ropts.labels_path = optarg; break;
        case O_SEED:
            if (parse_seed(optarg, &eo.seed) < 0) {
                status = usage_error("extract", "--seed wants a whole number, not '%s'", optarg);
                goto done;
            }
            break;
        case O_SAMPLES:
            if (parse_count(optarg, 1, 100000000, &eo.samples) < 0) {
                status = usage_error("extract", "--samples wants a whole number from 1 to 10^8, not '%s'", optarg);
                goto done;
            }
            break;
        case O_PRECISION:
            if (parse_count(optarg, 1, 9, &eo.precision) < 0) {
                status = usage_error("extract", "--precision wants a whole number of digits from 1 to 9, not '%s'", optarg);
                goto done;
            }
            break;
        case O_DRAWDEPTH:
            if (parse_count(optarg, 1, 10000, &draw.max_depth) < 0) {
                status = usage_error("extract", "--draw-depth wants a whole number from 1 to 10000, not '%s'", optarg);
                goto done;
            }
            break;
        case O_PREFIX: prefix = optarg; break;
        case O_INTERMEDIATE: inter = optarg; break;
        case 'F': mo.features = optarg; break;
        case 'C': mo.classes = optarg; break;
        case 'K': mo.like = optarg; break;
        case 'R':
            if (nr_model_set_ranges(NULL, optarg, &err) < 0) {
                status = usage_error("extract", "%s", err.msg);
                goto done;
            }
            mo.ranges = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'h': help = 1; break;
        case 'N':
        case 'M':
        case 'D':
            if ((status = row_option("extract", c, optarg, &skip, &mi, &ropts)) != 0)
                goto done;
            break;
        default:
            if (c >= XOPT && c < XOPT + xo.n) {
                gv[ngiven].k = c - XOPT;
                gv[ngiven++].arg = optarg;
                break;
            }
            status = bad_option("extract", c, argv);
            goto done;
        }
    }
    x = algorithm ? nr_extractor_find(algorithm) : nr_extractors[0];
    if (!x && algorithm) {
        char msg[512];
        snprintf(msg, sizeof msg, "unknown algorithm '%s' (available:", algorithm);
        for (int e = 0; nr_extractors[e]; e++)
            nr_appendf(msg, sizeof msg, " %s", nr_extractors[e]->name);
        nr_appendf(msg, sizeof msg, ")");
        status = usage_error("extract", "%s", msg);
        goto done;
    }
    if (help) {
        print_extract_help(algorithm ? x : NULL);
        goto done;
    }
    /* the chosen extractor's options, in the order given */
    settings = calloc(1, x->settings_size);
    given = calloc(1, (size_t)xo.n + 1);
    if (!settings || !given) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    x->defaults(settings);
    for (int i = 0; i < ngiven; i++) {
        int idx;
        const nr_optdef *d = nr_extractor_option(x, xo.names[gv[i].k], &idx);
        if (!d) {
            char msg[160];
            snprintf(msg, sizeof msg, "option '--%s' is not one of -a %s's", xo.names[gv[i].k], x->name);
            status = usage_error("extract", "%s", msg);
            goto done;
        }
        if (nr_opt_set(d, settings, gv[i].arg, &err) < 0) {
            status = usage_error("extract", "%s", err.msg);
            goto done;
        }
        given[idx] = 1;
    }
    if (x->finish)
        x->finish(settings, given);
    if (argc - optind != 1) {
        status = usage_error("extract", "%s", "'extract' takes one model file");
        goto done;
    }
    if ((status = pick_format("extract", fmt, out, &f)) != 0)
        goto done;
    if (draw.max_depth && f != FMT_DOT && f != FMT_SVG && f != FMT_PNG) {
        status = usage_error("extract", "%s", "--draw-depth is for drawings: dot, svg or png output");
        goto done;
    }
    if (prefix && nr_c_prefix_check(prefix, &err) < 0) {
        status = usage_error("extract", "--prefix: %s", err.msg);
        goto done;
    }
    {
        const char *ins[] = {argv[optind], data, test, ropts.labels_path, mo.like,
                             names_file(mo.features), names_file(mo.classes)};
        const char *both[] = {argv[optind], data, test, ropts.labels_path, mo.like,
                              names_file(mo.features), names_file(mo.classes), out};
        if ((status = check_rules_outputs("extract", f, out, ins, NELEM(ins))) != 0)
            goto done;
        if (inter && out && (strcmp(inter, out) == 0 || same_file(inter, out))) {
            status = usage_error("extract", "%s", "--intermediate and -o name the same file");
            goto done;
        }
        if (inter && (status = check_rules_outputs("extract", FMT_TEXT, inter, both,
                                                   out ? NELEM(both) : NELEM(both) - 1)) != 0)
            goto done;
    }
    if (inter && !(x->flags & NR_X_INTERMEDIATE)) {
        status = usage_error("extract", "--intermediate is for the rules over hidden units of -a "
                             "cred, deepred and eclaire; -a %s has none", x->name);
        goto done;
    }
    if (inter)
        eo.intermediate = &irules;
    if (!fmt && (status = check_extension("extract", "-o", out, RULES_EXTS)) != 0)
        goto done;
    mi.quiet = quiet;
    /* training rows impute from themselves, and --test from them; --test
     * alone from the model's profile */
    mi.from_profile = !data;
    eo.model_path = argv[optind];
    eo.data_path = data;
    /* the options that shape the result, spelled the same way every time */
    x->describe(settings, options, sizeof options);
    if (!data)
        nr_appendf(options, sizeof options, " --samples %d", eo.samples);
    if (eo.precision)
        nr_appendf(options, sizeof options, " --precision %d", eo.precision);
    nr_appendf(options, sizeof options, " --seed %llu", (unsigned long long)eo.seed);
    eo.options_text = options;

    if (load_model_meta(argv[optind], &mo, &m, &eo.model_crc, &err) < 0 ||
        load_rows(data, &ropts, m, skip, &mi, &rows, &err) < 0 ||
        load_rows(test, &ropts, m, skip, &mi, &trows, &err) < 0) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    progress_init(&prog, &cprog, quiet);
    eo.progress = &prog;
    if (x->run(m, rows, &eo, settings, &r, &rep, &err) < 0 || write_rules(r, f, out, prefix, &draw, &err) < 0 ||
        (irules && write_rules(irules, FMT_TEXT, inter, NULL, NULL, &err) < 0)) {
        name_input(&err, argv[optind]);
        /* bad input, or a network this extractor does not take */
        status = fail(&err, err.code == NR_EINVAL || err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
        goto done;
    }
    if (!quiet) {
        int nconds, nrules = nr_rules_count(r, &nconds);
        nr_eval_result e;
        char nb[NAMEBUF];
        fprintf(stderr, "%s: %d %s, %d condition%s\n", r->prov.algorithm, nrules,
                r->kind == NR_BODY_TREE ? (nrules == 1 ? "leaf" : "leaves") : (nrules == 1 ? "rule" : "rules"),
                nconds, nconds == 1 ? "" : "s");
        if (rep.selected)
            print_size_choice(&rep);
        if (rep.from_profile)
            fprintf(stderr, "inputs: %d samples drawn from the model's data profile (%d kept rows "
                    "of %llu)\n", eo.samples, m->profile->nrows,
                    (unsigned long long)m->profile->nseen);
        else if (rep.sampled)
            fprintf(stderr, "inputs: %d samples from the declared input box; the model has no data "
                    "profile, so most may lie where no real input does (give --data, or keep a "
                    "profile in the model with 'nn2rules convert --data')\n", eo.samples);
        else
            fprintf(stderr, "inputs: %d rows of %s\n", rows->nrows, SHOWN(data, nb));
        if (rows && m->task == NN_TASK_CLASSIFY && r->task == NR_TASK_CLASSIFY && nr_evaluate(r, m, rows, &e, &err) == 0) {
            print_fidelity("training", data, &e);
            nr_eval_result_free(&e);
        }
        if (rep.sampled && rep.nrows > 0)
            fprintf(stderr, "training: fidelity %.4f (%ld of %ld samples agree with the network)\n",
                    (double)rep.agree / (double)rep.nrows, rep.agree, rep.nrows);
        if (trows && m->task == NN_TASK_CLASSIFY && r->task == NR_TASK_CLASSIFY && nr_evaluate(r, m, trows, &e, &err) == 0) {
            print_fidelity("test", test, &e);
            nr_eval_result_free(&e);
        } else if (trows && r->task == NR_TASK_REGRESS && nr_evaluate(r, m, trows, &e, &err) == 0) {
            fprintf(stderr, "test: r2 %.4f, mean absolute error %.6g against the network's output %d "
                    "on %s\n", e.r2, e.mae, e.output, SHOWN(test, nb));
            nr_eval_result_free(&e);
        }
        if (r->prov.algorithm && strcmp(r->prov.algorithm, "tsukimoto") == 0 && m->features) {
            size_t ncont = 0, nin = nn_model_input_size(m);
            for (size_t j = 0; j < nin; j++)
                ncont += m->features[j].type == NN_FEAT_CONTINUOUS || m->features[j].type == NN_FEAT_INTEGER;
            if (ncont > 0)
                fprintf(stderr, "note: %zu of %zu inputs are continuous or integer: each is cut once, "
                        "and the rules are proven at the corners of its declared range, not between "
                        "them, where real inputs lie: the fidelity above says how far they carry\n", ncont, nin);
        }
    }
    if (irules && !quiet) {
        int nconds, nrules = nr_rules_count(irules, &nconds);
        char nb[NAMEBUF];
        fprintf(stderr, "intermediate: %d rules over hidden units, %d conditions, in %s\n", nrules,
                nconds, SHOWN(inter, nb));
    }
    warn_degenerate(r, &rep);
done:
    nr_rules_free(r);
    nr_rules_free(irules);
    nr_dataset_free(rows);
    nr_dataset_free(trows);
    free(mi.fill);
    nn_model_free(m);
    free(settings);
    free(given);
    free(gv);
    xopts_free(&xo);
    return status;
}

/* ---- compile ------------------------------------------------------------- */

static const char USAGE_COMPILE[] =
    "usage: nn2rules compile RULES -o FILE [-f FORMAT] [--prefix NAME] [--max-depth N] [-q]\n"
    "\n"
    "Turn a rules file into C (FILE.c and FILE.h), DOT, SVG, PNG, JSON or rule\n"
    "text again.  The format follows -o's extension unless -f says otherwise.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE          where to write\n"
    "  -f, --format FMT           txt, dot, svg, png, c or json\n"
    "      --prefix NAME          prefix of every symbol in C output (default rules)\n"
    "      --max-depth N          DOT, SVG, PNG: draw a tree to depth N, each subtree\n"
    "                             below as one box (a decision list: its first N rules);\n"
    "                             --draw-depth N is the same\n"
    "  -q, --quiet                accepted for every command; compile has nothing to silence\n";

static int cmd_compile(int argc, char **argv)
{
    enum { O_PREFIX = 256, O_MAXDEPTH };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"prefix", required_argument, NULL, O_PREFIX}, {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"max-depth", required_argument, NULL, O_MAXDEPTH},
        {"draw-depth", required_argument, NULL, O_MAXDEPTH},
        {NULL, 0, NULL, 0}};
    nr_draw_opts draw = {0};
    nr_error err;
    const char *out = NULL, *fmt = NULL, *prefix = NULL;
    int c, status = 0;
    out_format f;
    nr_rules *r = NULL;

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:f:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': fmt = optarg; break;
        case O_PREFIX: prefix = optarg; break;
        case 'q': break; /* compile prints nothing else on standard error */
        case O_MAXDEPTH:
            if (parse_count(optarg, 1, 10000, &draw.max_depth) < 0)
                return usage_error("compile", "--max-depth wants a whole number from 1 to 10000, not '%s'", optarg);
            break;
        case 'h': fputs(USAGE_COMPILE, stdout); return 0;
        default: return bad_option("compile", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("compile", "%s", "'compile' takes one rules file");
    if ((c = pick_format("compile", fmt, out, &f)) != 0)
        return c;
    if (draw.max_depth && f != FMT_DOT && f != FMT_SVG && f != FMT_PNG)
        return usage_error("compile", "%s", "--max-depth is for drawings: dot, svg or png output");
    if (prefix && nr_c_prefix_check(prefix, &err) < 0)
        return usage_error("compile", "--prefix: %s", err.msg);
    {
        const char *ins[] = {argv[optind]};
        if ((c = check_rules_outputs("compile", f, out, ins, NELEM(ins))) != 0)
            return c;
    }
    if (!fmt && (c = check_extension("compile", "-o", out, RULES_EXTS)) != 0)
        return c;
    if (read_rules("compile", argv[optind], &r, &err) < 0)
        return fail(&err, EXIT_INPUT);
    if (write_rules(r, f, out, prefix, &draw, &err) < 0) {
        name_input(&err, argv[optind]);
        status = fail(&err, err.code == NR_EINVAL || err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
    }
    nr_rules_free(r);
    return status;
}

/* ---- eval ---------------------------------------------------------------- */

/* Points sampled when the input cube is too large to count exactly: the 95%
 * interval is then at most about +-0.001 wide. */
#define EVAL_CUBE_SAMPLES 1000000

static const char USAGE_EVAL[] =
    "usage: nn2rules eval RULES --model MODEL (--data FILE | --exhaustive) [OPTIONS]\n"
    "\n"
    "How well rules mimic the network: fidelity (agreement with the network),\n"
    "accuracy (agreement with the data's labels, when present), coverage (rows\n"
    "on which a rule rather than the default decides), the number of rules and\n"
    "conditions, and the confusion matrix of network against rules.\n"
    "\n"
    "Options:\n"
    "  -m, --model MODEL          the network the rules were extracted from\n"
    "  -d, --data FILE            rows to evaluate on\n"
    "      --nonfinite error|skip rows whose outputs are NaN or infinite: an error\n"
    "                             (the default), or left out and counted\n"
    "  -l, --label NAME           the label column\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      --exhaustive           every point of the input cube (all inputs Boolean or\n"
    "                             one-hot): exact counts, or an estimate above 2^N\n"
    "      --max-bits N           enumerate cubes of up to 2^N points (default 30)\n"
    "      --samples N            estimate from N uniform points of the cube instead\n"
    "                             (default 1000000 when the cube is too large)\n"
    "      --seed N               seed of the sampled points (default 1)\n"
    "  -p, --predictions FILE     also write each row's classes as CSV: row,network,rules\n"
    "      --features LIST        feature names for a model without them (a,b,c or @FILE)\n"
    "      --classes LIST         class names for a model without them\n"
    "      --like MODEL.bin       names, ranges and normalization from another model\n"
    "      --missing MODE         rows with missing values: skip (the default), error,\n"
    "                             or impute (the model's profile, else the rows')\n"
    "      --data-format FMT      csv or arff, whatever the name says\n"
    "  -q, --quiet                no notes on standard error\n";

static void print_confusion(FILE *f, const nr_rules *r, int k, const long *lc, char *const *sc)
{
    char nb[NAMEBUF];
    int w = 8;
    for (int i = 0; i < k; i++)
        if ((int)strlen(SHOWN(r->classes[i], nb)) + 1 > w)
            w = (int)strlen(SHOWN(r->classes[i], nb)) + 1;
    fprintf(f, "confusion (rows: network, columns: rules):\n%*s", w + 2, "");
    for (int j = 0; j < k; j++)
        fprintf(f, " %*s", w, SHOWN(r->classes[j], nb));
    fprintf(f, "\n");
    for (int i = 0; i < k; i++) {
        fprintf(f, "  %-*s", w, SHOWN(r->classes[i], nb));
        for (int j = 0; j < k; j++) {
            if (lc)
                fprintf(f, " %*ld", w, lc[(size_t)i * (size_t)k + (size_t)j]);
            else
                fprintf(f, " %*s", w, sc[(size_t)i * (size_t)k + (size_t)j]);
        }
        fprintf(f, "\n");
    }
}

/* Per-row classes of network and rules as CSV, for checking generated C and
 * for looking at where they disagree. */
static int write_predictions(const nr_rules *r, const nr_eval_result *e, const char *path,
                             nr_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc;
    if (!f)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    fputs("row,network,rules\n", f);
    for (long i = 0; i < e->nrows; i++) {
        fprintf(f, "%ld,", i + 1);
        if (e->net_class[i] >= 0 && e->net_class[i] < r->nclasses)
            csv_field(f, r->classes[e->net_class[i]]);
        fputc(',', f);
        if (e->rules_class[i] >= 0 && e->rules_class[i] < r->nclasses)
            csv_field(f, r->classes[e->rules_class[i]]);
        fputc('\n', f);
    }
    fclose(f);
    rc = text ? nr_write_file_atomic(path, text, len, err) : nr_error_set(err, NR_ENOMEM, "out of memory");
    free(text);
    return rc;
}

/* Rules checked against a model other than the one they were extracted
 * from (their recorded CRC differs) may still fit its inputs and classes,
 * so eval would measure them without complaint: say which model they came
 * from.  A warning, not an error: a retrained model is a fair thing to try
 * old rules on. */
static void warn_other_model(const char *rules, const nr_rules *r, const char *model, uint32_t crc)
{
    char have[16], nb[NAMEBUF], nb2[NAMEBUF], nb3[NAMEBUF], nb4[NAMEBUF];
    if (!r->prov.model_crc)
        return;
    snprintf(have, sizeof have, "%08x", (unsigned)crc);
    if (strcasecmp(have, r->prov.model_crc) == 0)
        return;
    fprintf(stderr, "%s: warning: %s was extracted from %s (CRC %s), not from %s (CRC %s)\n", progname,
            SHOWN(rules, nb), r->prov.model ? SHOWN(r->prov.model, nb2) : "another model",
            SHOWN(r->prov.model_crc, nb3), SHOWN(model, nb4), have);
}

static int cmd_eval(int argc, char **argv)
{
    enum { O_LABELS = 256, O_EXHAUSTIVE, O_MAXBITS, O_SAMPLES, O_SEED };
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"data", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'}, {"labels", required_argument, NULL, O_LABELS},
        {"exhaustive", no_argument, NULL, O_EXHAUSTIVE}, {"max-bits", required_argument, NULL, O_MAXBITS},
        {"samples", required_argument, NULL, O_SAMPLES}, {"seed", required_argument, NULL, O_SEED},
        {"predictions", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
        {"features", required_argument, NULL, 'F'}, {"classes", required_argument, NULL, 'C'},
        {"like", required_argument, NULL, 'K'}, {"nonfinite", required_argument, NULL, 'N'},
        {"missing", required_argument, NULL, 'M'}, {"data-format", required_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    missing_opts mi = {MISSING_SKIP, 1, 0, NULL};
    nr_progress prog;
    cli_progress cprog;
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    const char *model = NULL, *data = NULL, *pred = NULL;
    int c, exhaustive = 0, max_bits = 30, status = 0, nconds, nrules, skip = 0, samples = 0, seeded = 0;
    uint64_t seed = 1;
    uint32_t crc = 0;
    nn_model *m = NULL;
    nr_dataset *rows = NULL;
    nr_rules *r = NULL;
    FILE *rep = NULL;
    char *report = NULL, nb[NAMEBUF], nb2[NAMEBUF];
    size_t reportlen = 0;

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:d:l:p:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'p': pred = optarg; break;
        case 'F': mo.features = optarg; break;
        case 'C': mo.classes = optarg; break;
        case 'K': mo.like = optarg; break;
        case 'd': data = optarg; break;
        case 'l': ropts.label = optarg; break;
        case O_LABELS: ropts.labels_path = optarg; break;
        case O_EXHAUSTIVE: exhaustive = 1; break;
        case O_MAXBITS:
            if (parse_count(optarg, 1, 62, &max_bits) < 0)
                return usage_error("eval", "--max-bits wants a whole number from 1 to 62, not '%s'", optarg);
            break;
        case O_SAMPLES:
            if (parse_count(optarg, 1, 1000000000, &samples) < 0)
                return usage_error("eval", "--samples wants a whole number from 1 to 10^9, not '%s'", optarg);
            break;
        case O_SEED:
            if (parse_seed(optarg, &seed) < 0)
                return usage_error("eval", "--seed wants a whole number, not '%s'", optarg);
            seeded = 1;
            break;
        case 'h': fputs(USAGE_EVAL, stdout); return 0;
        case 'N':
        case 'M':
        case 'D': {
            int st = row_option("eval", c, optarg, &skip, &mi, &ropts);
            if (st != 0)
                return st;
            break;
        }
        case 'q': mi.quiet = 1; break;
        default: return bad_option("eval", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("eval", "%s", "'eval' takes one rules file");
    if (!model)
        return usage_error("eval", "%s", "'eval' needs --model MODEL");
    if (!data && !exhaustive)
        return usage_error("eval", "%s", "'eval' needs --data FILE or --exhaustive");
    if (pred && !data)
        return usage_error("eval", "%s", "--predictions needs --data FILE");
    if ((samples || seeded) && !exhaustive)
        return usage_error("eval", "%s", "--samples and --seed go with --exhaustive");
    progress_init(&prog, &cprog, mi.quiet);
    {
        const char *ins[] = {argv[optind], model, data, ropts.labels_path, mo.like,
                             names_file(mo.features), names_file(mo.classes)};
        const char *outs[] = {pred};
        if ((c = check_outputs("eval", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return c;
    }
    if (read_rules("eval", argv[optind], &r, &err) < 0 || load_model_meta(model, &mo, &m, &crc, &err) < 0 ||
        load_rows(data, &ropts, m, skip, &mi, &rows, &err) < 0) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (nr_rules_check_model(r, m, &err) < 0) {
        name_input(&err, argv[optind]);
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    warn_other_model(argv[optind], r, model, crc);
    /* The whole report is built before any of it is printed: a failure
     * half-way (the cube too large, --predictions unwritable) prints only
     * its message. */
    if (!(rep = open_memstream(&report, &reportlen))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    nrules = nr_rules_count(r, &nconds);
    fprintf(rep, "rules:       %s (%s, %d %s, %d condition%s)\n", SHOWN(argv[optind], nb),
            r->prov.algorithm ? SHOWN(r->prov.algorithm, nb2) : "unknown algorithm", nrules,
            r->kind == NR_BODY_TREE ? (nrules == 1 ? "leaf" : "leaves") : (nrules == 1 ? "rule" : "rules"),
            nconds, nconds == 1 ? "" : "s");
    if (rows) {
        nr_eval_result e;
        if (nr_evaluate_progress(r, m, rows, &e, &prog, &err) < 0) {
            name_input(&err, model);
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        fprintf(rep, "rows:        %ld (%s)\n", e.nrows, SHOWN(data, nb));
        if (e.regress)
            fprintf(rep, "r2:          %.4f (of the rules against the network's output %d)\n"
                    "mae:         %.6g (mean absolute error)\n", e.r2, e.output, e.mae);
        else
            fprintf(rep, "fidelity:    %.4f (%ld of %ld agree with the network)\n",
                    e.nrows ? (double)e.agree / (double)e.nrows : 0.0, e.agree, e.nrows);
        if (e.has_labels && !e.regress)
            fprintf(rep, "accuracy:    %.4f (%ld of %ld; the network: %.4f)\n",
                    e.nrows ? (double)e.correct / (double)e.nrows : 0.0, e.correct, e.nrows,
                    e.nrows ? (double)e.net_correct / (double)e.nrows : 0.0);
        fprintf(rep, "coverage:    %.4f (%ld of %ld decided by a rule, not the default)\n",
                e.nrows ? (double)e.covered / (double)e.nrows : 0.0, e.covered, e.nrows);
        if (r->nclasses > 0)
            print_confusion(rep, r, r->nclasses, e.confusion, NULL);
        c = pred ? write_predictions(r, &e, pred, &err) : 0;
        nr_eval_result_free(&e);
        if (c < 0) {
            status = fail(&err, EXIT_WORK);
            goto done;
        }
    }
    if (exhaustive) {
        nr_exhaustive_result x;
        c = samples ? NR_ELIMIT : nr_evaluate_exhaustive_progress(r, m, max_bits, &x, &prog, &err);
        if (c == NR_ELIMIT) {
            /* too many points to count (or a sample asked for): estimate */
            nr_cube_estimate e;
            char why[sizeof err.msg];
            snprintf(why, sizeof why, "%s", samples ? "" : err.msg);
            if (nr_estimate_cube(r, m, samples ? samples : EVAL_CUBE_SAMPLES, seed, &e, &prog, &err) < 0) {
                name_input(&err, model);
                status = fail(&err, err.code == NR_EMODEL || err.code == NR_ENOMEM ? EXIT_WORK : EXIT_INPUT);
                goto done;
            }
            if (!samples && !mi.quiet)
                fprintf(stderr, "%s: %s: %s; estimating from %ld of them instead (--max-bits N "
                        "counts up to 2^N exactly)\n", progname, SHOWN(model, nb), why, e.samples);
            /* the interval rounded outward, so that it still holds at 4 places */
            fprintf(rep, "cube:        %s points (every Boolean input setting; %ld sampled)\n", e.total,
                    e.samples);
            fprintf(rep, "fidelity:    ~%.4f (estimate from %ld uniform points of the cube, 95%% interval "
                    "[%.4f, %.4f])\n", e.fidelity, e.samples, floor(e.lo * 1e4) / 1e4, ceil(e.hi * 1e4) / 1e4);
            fprintf(rep, "coverage:    ~%.4f (%ld of the %ld sampled points decided by a rule)\n",
                    e.samples ? (double)e.covered / (double)e.samples : 0.0, e.covered, e.samples);
            print_confusion(rep, r, e.nclasses, e.confusion, NULL);
            nr_cube_estimate_free(&e);
        } else if (c < 0) {
            name_input(&err, model);
            status = fail(&err, err.code == NR_EMODEL || err.code == NR_ENOMEM ? EXIT_WORK : EXIT_INPUT);
            goto done;
        } else {
            fprintf(rep, "cube:        %s points (every Boolean input setting)\n", x.total);
            fprintf(rep, "fidelity:    %s (exactly %s of %s agree with the network)\n", x.fidelity, x.agree,
                    x.total);
            fprintf(rep, "coverage:    %s of %s decided by a rule\n", x.covered, x.total);
            print_confusion(rep, r, x.nclasses, NULL, x.confusion);
            nr_exhaustive_result_free(&x);
        }
    }
    if (fclose(rep) != 0) {
        rep = NULL;
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    rep = NULL;
    fwrite(report, 1, reportlen, stdout);
done:
    if (rep)
        fclose(rep);
    free(report);
    nr_rules_free(r);
    nr_dataset_free(rows);
    free(mi.fill);
    nn_model_free(m);
    return status;
}

/* ---- convert ----------------------------------------------------------- */

static int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},  {"features", required_argument, NULL, 'F'},
        {"classes", required_argument, NULL, 'C'}, {"data", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'},   {"labels", required_argument, NULL, 'L'},
        {"like", required_argument, NULL, 'K'},    {"ranges", required_argument, NULL, 'R'},
        {"profile-rows", required_argument, NULL, 'P'}, {"no-profile", no_argument, NULL, 'Q'},
        {"help", no_argument, NULL, 'h'},          {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    const char *data_path = NULL, *out_path = NULL, *ranges = NULL;
    nn_model *m = NULL;
    nn_error nerr;
    nr_model_format out_fmt = NR_FORMAT_BIN;
    int c, status = 0, profile_rows = NR_PROFILE_ROWS, no_profile = 0;

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:d:l:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'q': break; /* convert prints nothing else on standard error */
        case 'F': mo.features = optarg; break;
        case 'C': mo.classes = optarg; break;
        case 'd': data_path = optarg; break;
        case 'l': ropts.label = optarg; break;
        case 'L': ropts.labels_path = optarg; break;
        case 'K': mo.like = optarg; break;
        case 'R':
            if (nr_model_set_ranges(NULL, optarg, &err) < 0)
                return usage_error("convert", "%s", err.msg);
            ranges = optarg;
            break;
        case 'P':
            if (parse_count(optarg, 0, NR_PROFILE_MAX_ROWS, &profile_rows) < 0)
                return usage_error("convert", "--profile-rows wants a whole number from 0 to 100000, not '%s'", optarg);
            break;
        case 'Q': no_profile = 1; break;
        case 'h': fputs(USAGE_CONVERT, stdout); return 0;
        default: return bad_option("convert", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("convert", "%s", "'convert' takes one model file");
    if (!out_path)
        return usage_error("convert", "%s", "'convert' needs -o OUT.bin or -o OUT.onnx");
    {
        const char *ins[] = {argv[optind], data_path, ropts.labels_path, mo.like,
                             names_file(mo.features), names_file(mo.classes)};
        const char *outs[] = {out_path};
        if ((c = check_outputs("convert", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return c;
    }
    if ((c = check_extension("convert", "-o", out_path, MODEL_EXTS)) != 0)
        return c;
    /* .onnx writes ONNX; .bin, or a name without an extension, model.bin */
    if (nr_model_format_for_output(out_path, &out_fmt) < 0)
        out_fmt = NR_FORMAT_BIN;
    if (load_model_meta(argv[optind], &mo, &m, NULL, &err) < 0 ||
        (data_path && meta_from_data(m, data_path, &ropts, no_profile ? -1 : profile_rows, &err) < 0) ||
        (ranges && nr_model_set_ranges(m, ranges, &err) < 0 &&
         snprintf(err.file, sizeof err.file, "%s", argv[optind]) >= 0)) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (no_profile) {
        nn_profile_free(m->profile);
        m->profile = NULL;
    }
    memset(&nerr, 0, sizeof nerr);
    if (nn_model_finalize(m, &nerr) < 0) {
        nr_error_set(&err, NR_EINVAL, "the converted model is invalid: %s", nerr.msg);
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if ((out_fmt == NR_FORMAT_ONNX ? nr_onnx_write(out_path, m, &err) : nr_model_write(out_path, m, &err)) < 0) {
        name_input(&err, out_path);
        status = fail(&err, EXIT_WORK);
    }
done:
    nn_model_free(m);
    return status;
}


/* --label, --labels, --features, --classes, --missing, --data-format and
 * -q, which the commands that read rows for one model share: 1 when c was
 * one of them (*status: 0, or a usage error's exit status), else 0. */
static int model_rows_option(const char *cmd, int c, const char *arg, meta_opts *mo, nr_read_opts *ro,
                             missing_opts *mi, int *skip, int *status)
{
    *status = 0;
    switch (c) {
    case 'l': ro->label = arg; return 1;
    case 'L': ro->labels_path = arg; return 1;
    case 'F': mo->features = arg; return 1;
    case 'C': mo->classes = arg; return 1;
    case 'M':
    case 'D': *status = row_option(cmd, c, arg, skip, mi, ro); return 1;
    case 'q': mi->quiet = 1; return 1;
    default: return 0;
    }
}

/* The model, and the rows of data matched to it (rows with missing values
 * as mi says; *kept: the file's index of each row left, or NULL): 0, or
 * the exit status of the failure, reported. */
static int load_model_rows(const char *model, const char *data, const meta_opts *mo, const nr_read_opts *ro,
                           missing_opts *mi, nn_model **m, nr_dataset **d, int **kept, nr_error *err)
{
    if (load_model_meta(model, mo, m, NULL, err) < 0 || read_data(data, ro, d, err) < 0 ||
        nr_model_names_from_data(*m, *d, err) < 0 || match_rows(*d, *m, mi, kept, err) < 0) {
        name_input(err, data); /* the model names itself */
        return fail(err, err->code == NR_ENOMEM ? EXIT_WORK : EXIT_INPUT);
    }
    return 0;
}

/* ---- saliency ------------------------------------------------------------ */

static const char USAGE_SALIENCY[] =
    "usage: nn2rules saliency MODEL --data FILE (--row N | --rows A-B | --all) [OPTIONS]\n"
    "\n"
    "What the network looks at for one row: a saliency map of a class score over\n"
    "the input (or a layer's maps), as PNG (overlaid on the input, with a colour\n"
    "scale) or CSV (one line per row of the map's grid).\n"
    "\n"
    "Options:\n"
    "  -d, --data FILE            rows to explain: .csv, .arff or IDX images (.gz too)\n"
    "      --row N                the row to explain, from 1\n"
    "      --rows A-B             rows A to B, one file each (FILE-ROW.png), or one\n"
    "                             contact sheet with --sheet\n"
    "      --all                  every row, likewise\n"
    "  -m, --method M             gradient (the default), gradient-x-input, smoothgrad,\n"
    "                             deconvnet, guided, cam, gradcam or guided-gradcam\n"
    "  -c, --class C              the class explained, by name or number from 0\n"
    "                             (default: the one the network predicts)\n"
    "      --layer N              gradcam: the runtime layer whose maps are weighed\n"
    "                             (default: the last with spatial maps; see 'info')\n"
    "      --samples N            smoothgrad: noisy copies (default 50)\n"
    "      --noise X              smoothgrad: noise sd as a share of each feature's\n"
    "                             range (default 0.15)\n"
    "      --seed N               smoothgrad's noise (default 1)\n"
    "  -o, --output FILE          .png or .csv (default: CSV on standard output)\n"
    "      --no-overlay           PNG: the map alone, not over the input\n"
    "      --sheet                PNG with many rows: one contact sheet\n"
    "  -l, --label NAME           the label column of FILE\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      --features LIST        feature names for a model without them\n"
    "      --classes LIST         class names for a model without them\n"
    "      --missing MODE         rows with missing values: skip (the default), error,\n"
    "                             or impute\n"
    "      --data-format FMT      csv or arff, whatever the name says\n"
    "  -q, --quiet                no notes on standard error\n";

/* FILE.ext with "-ROW" before the extension. */
static char *numbered_path(const char *path, int row)
{
    const char *ext = extension(path);
    size_t stem = ext ? (size_t)(ext - 1 - path) : strlen(path);
    size_t len = strlen(path) + 24;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%.*s-%d%s%s", (int)stem, path, row, ext ? "." : "", ext ? ext : "");
    return p;
}

static int cmd_saliency(int argc, char **argv)
{
    enum { O_ROW = 256, O_ROWS, O_ALL, O_LAYER, O_SAMPLES, O_NOISE, O_SEED, O_NOOVERLAY, O_SHEET };
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},      {"row", required_argument, NULL, O_ROW},
        {"rows", required_argument, NULL, O_ROWS},   {"all", no_argument, NULL, O_ALL},
        {"method", required_argument, NULL, 'm'},    {"class", required_argument, NULL, 'c'},
        {"layer", required_argument, NULL, O_LAYER}, {"samples", required_argument, NULL, O_SAMPLES},
        {"noise", required_argument, NULL, O_NOISE}, {"seed", required_argument, NULL, O_SEED},
        {"output", required_argument, NULL, 'o'},    {"no-overlay", no_argument, NULL, O_NOOVERLAY},
        {"sheet", no_argument, NULL, O_SHEET},       {"label", required_argument, NULL, 'l'},
        {"labels", required_argument, NULL, 'L'},    {"features", required_argument, NULL, 'F'},
        {"classes", required_argument, NULL, 'C'},   {"missing", required_argument, NULL, 'M'},
        {"data-format", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},           {NULL, 0, NULL, 0}};
    static const char *const SAL_EXTS[] = {"png", "csv", NULL};
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    missing_opts mi = {MISSING_SKIP, 1, 0, NULL};
    nr_sal_opts so;
    const char *data_path = NULL, *out_path = NULL, *class_arg = NULL, *ext;
    int c, status = 0, skip = 0, first = 0, last = 0, all = 0, overlay = 1, sheet = 0, method = NR_SAL_GRADIENT;
    int klass = -1, png, nmaps = 0, *kept = NULL, *rownum = NULL;
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_salmap *maps = NULL;
    const float **xs = NULL;
    float *x = NULL;
    char *buf = NULL, nb[NAMEBUF];
    size_t len = 0;

    nr_error_clear(&err);
    nr_sal_opts_default(&so);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:m:c:o:l:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_path = optarg; break;
        case O_ROW:
            if (parse_count(optarg, 1, INT_MAX, &first) < 0)
                return usage_error("saliency", "--row wants a row number from 1, not '%s'", optarg);
            last = first;
            break;
        case O_ROWS: {
            char *end;
            long a, b;
            errno = 0;
            a = strtol(optarg, &end, 10);
            b = *end == '-' ? strtol(end + 1, &end, 10) : -1;
            if (errno || *end || a < 1 || b < a || b > INT_MAX)
                return usage_error("saliency", "--rows wants A-B, rows from 1 with A <= B, not '%s'", optarg);
            first = (int)a;
            last = (int)b;
            break;
        }
        case O_ALL: all = 1; break;
        case 'm':
            if ((method = nr_sal_method_by_name(optarg)) < 0)
                return usage_error("saliency", "--method is gradient, gradient-x-input, smoothgrad, "
                                   "deconvnet, guided, cam, gradcam or guided-gradcam, not '%s'", optarg);
            break;
        case 'c': class_arg = optarg; break;
        case O_LAYER:
            if (parse_count(optarg, 0, 1 << 20, &so.layer) < 0)
                return usage_error("saliency", "--layer wants a runtime layer number from 0, not '%s'", optarg);
            break;
        case O_SAMPLES:
            if (parse_count(optarg, 1, 100000, &so.samples) < 0)
                return usage_error("saliency", "--samples wants a whole number from 1 to 100000, not '%s'", optarg);
            break;
        case O_NOISE: {
            char *end;
            errno = 0;
            so.noise = strtod(optarg, &end);
            if (errno || *end || !(so.noise >= 0 && so.noise <= 10))
                return usage_error("saliency", "--noise wants a number from 0 to 10, not '%s'", optarg);
            break;
        }
        case O_SEED: {
            uint64_t v;
            if (parse_seed(optarg, &v) < 0)
                return usage_error("saliency", "--seed wants a whole number, not '%s'", optarg);
            so.seed = v;
            break;
        }
        case 'o': out_path = optarg; break;
        case O_NOOVERLAY: overlay = 0; break;
        case O_SHEET: sheet = 1; break;
        case 'h': fputs(USAGE_SALIENCY, stdout); return 0;
        default: {
            int st;
            if (!model_rows_option("saliency", c, optarg, &mo, &ropts, &mi, &skip, &st))
                return bad_option("saliency", c, argv);
            if (st != 0)
                return st;
            break;
        }
        }
    }
    if (argc - optind != 1)
        return usage_error("saliency", "%s", "'saliency' takes one model file");
    if (!data_path)
        return usage_error("saliency", "%s", "'saliency' needs --data FILE");
    if (!first && !all)
        return usage_error("saliency", "%s", "'saliency' needs --row N, --rows A-B or --all");
    if (first && all)
        return usage_error("saliency", "%s", "--all or a row choice, not both");
    ext = out_path ? extension(out_path) : NULL;
    png = ext && strcmp(ext, "png") == 0;
    if (!png && (sheet || !overlay))
        return usage_error("saliency", "%s", "--sheet and --no-overlay are for PNG output (-o FILE.png)");
    if ((c = check_extension("saliency", "-o", out_path, SAL_EXTS)) != 0)
        return c;
    if (png && !out_path)
        return usage_error("saliency", "%s", "PNG output needs -o FILE.png");
    {
        const char *ins[] = {argv[optind], data_path, ropts.labels_path, names_file(mo.features),
                             names_file(mo.classes)};
        const char *outs[] = {out_path};
        if ((c = check_outputs("saliency", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return c;
    }
    if ((status = load_model_rows(argv[optind], data_path, &mo, &ropts, &mi, &m, &d, &kept, &err)) != 0)
        goto done;
    if (nr_sal_check(m, method, &so, &err) < 0) {
        name_input(&err, argv[optind]);
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (class_arg) {
        char *end;
        long k = strtol(class_arg, &end, 10);
        klass = -1;
        for (int i = 0; m->class_names && i < m->nclasses; i++)
            if (strcmp(m->class_names[i], class_arg) == 0)
                klass = i;
        if (klass < 0 && !*end && end != class_arg && k >= 0 && k < (long)nn_model_output_size(m))
            klass = (int)k;
        if (klass < 0) {
            nr_error_set(&err, NR_EINVAL, "--class '%s': no such class (the network has %zu outputs)",
                         SHOWN(class_arg, nb), nn_model_output_size(m));
            status = fail(&err, EXIT_USAGE);
            goto done;
        }
    }
    {
        /* rows are counted in the file; rows skipped for missing values
         * are not there to explain (kept: the file's index of each row) */
        int nfile = kept && d->nrows > 0 ? kept[d->nrows - 1] + 1 : d->nrows;
        if (all) {
            first = 1;
            last = nfile;
        }
        if (first > nfile || (first == last && last > nfile)) {
            nr_error_set(&err, NR_EINVAL, "row %d asked for, and the file has %d row%s", last, nfile,
                         nfile == 1 ? "" : "s");
            snprintf(err.file, sizeof err.file, "%s", data_path);
            status = fail(&err, EXIT_INPUT);
            goto done;
        }
        if (last > nfile)
            last = nfile;
        maps = calloc((size_t)(last - first + 1), sizeof *maps);
        xs = calloc((size_t)(last - first + 1), sizeof *xs);
        rownum = calloc((size_t)(last - first + 1), sizeof *rownum);
        x = malloc(((size_t)(last - first + 1) * nn_model_input_size(m) + 1) * sizeof *x);
        if (!maps || !xs || !rownum || !x) {
            nr_error_set(&err, NR_ENOMEM, "out of memory");
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        for (int i = 0; i < d->nrows; i++) {
            int r = (kept ? kept[i] : i) + 1;
            if (r < first || r > last)
                continue;
            memcpy(x + (size_t)nmaps * nn_model_input_size(m), d->x + (size_t)i * nn_model_input_size(m),
                   nn_model_input_size(m) * sizeof *x);
            xs[nmaps] = x + (size_t)nmaps * nn_model_input_size(m);
            rownum[nmaps++] = r;
        }
        if (nmaps == 0) {
            nr_error_set(&err, NR_EINVAL, "row%s %d%s%.0d: skipped for missing values (--missing impute "
                         "fills them in)", first == last ? "" : "s", first, first == last ? "" : "-",
                         first == last ? 0 : last);
            snprintf(err.file, sizeof err.file, "%s", data_path);
            status = fail(&err, EXIT_INPUT);
            goto done;
        }
    }
    if (nmaps > 1 && !sheet && !out_path) {
        status = usage_error("saliency", "%s", "many rows need -o FILE (one file each) or --sheet");
        goto done;
    }
    if (nr_saliency_many(m, x, nmaps, klass, method, &so, maps, &err) < 0) {
        if (err.code == NR_EINVAL && !err.file[0])
            snprintf(err.file, sizeof err.file, "%s", data_path);
        name_input(&err, argv[optind]);
        status = fail(&err, err.code == NR_ENOMEM || err.code == NR_EMODEL ? EXIT_WORK : EXIT_INPUT);
        goto done;
    }
    if (png && (sheet || nmaps == 1)) {
        int cols = 1;
        while (cols * cols < nmaps)
            cols++;
        if ((sheet ? nr_salmap_sheet_png(m, maps, nmaps, nr_sal_signed(method), overlay ? xs : NULL, cols,
                                         &buf, &len, &err)
                   : nr_salmap_png(m, &maps[0], nr_sal_signed(method), overlay ? xs[0] : NULL, &buf, &len,
                                   &err)) < 0 ||
            nr_write_file_atomic(out_path, buf, len, &err) < 0) {
            name_input(&err, argv[optind]);
            status = fail(&err, err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
            goto done;
        }
    } else {
        for (int i = 0; i < nmaps; i++) {
            char *path = nmaps > 1 ? numbered_path(out_path, rownum[i]) : NULL;
            int rc = png ? nr_salmap_png(m, &maps[i], nr_sal_signed(method), overlay ? xs[i] : NULL, &buf,
                                         &len, &err)
                         : nr_salmap_csv(&maps[i], &buf, &len, &err);
            if (rc == 0 && nmaps > 1 && !path)
                rc = nr_error_set(&err, NR_ENOMEM, "out of memory");
            if (rc == 0)
                rc = nr_write_file_atomic(path ? path : out_path ? out_path : "-", buf, len, &err);
            free(path);
            free(buf);
            buf = NULL;
            if (rc < 0) {
                name_input(&err, argv[optind]);
                status = fail(&err, err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
                goto done;
            }
        }
    }
    if (!mi.quiet) {
        const nr_salmap *s0 = &maps[0];
        fprintf(stderr, "saliency: %s of class %s, %d map%s of %dx%d", nr_sal_method_name(method),
                m->class_names ? SHOWN(m->class_names[s0->klass], nb) : "?", nmaps, nmaps == 1 ? "" : "s",
                s0->h, s0->w);
        if (s0->layer >= 0)
            fprintf(stderr, " (layer %d, %s)", s0->layer, nn_layer_type_name(m->layers[s0->layer].type));
        fputc('\n', stderr);
    }
done:
    free(buf);
    for (int i = 0; maps && i < nmaps; i++)
        nr_salmap_free(&maps[i]);
    free(maps);
    free(xs);
    free(x);
    free(rownum);
    free(kept);
    free(mi.fill);
    nr_dataset_free(d);
    nn_model_free(m);
    return status;
}

/* ---- filters ------------------------------------------------------------- */

static const char USAGE_FILTERS[] =
    "usage: nn2rules filters MODEL --data FILE -o FILE.png|FILE.dot [OPTIONS]\n"
    "\n"
    "What each channel of a convolutional layer responds to, across the rows of\n"
    "FILE.  FILE.png: an atlas, a line per channel: the input patches (receptive\n"
    "fields) that excite it most, then their deconvnet projections.  FILE.dot:\n"
    "the graph of how strongly the layer's channels go with those of the next\n"
    "convolution, and the class each channel favours.\n"
    "\n"
    "Options:\n"
    "  -d, --data FILE            rows: .csv, .arff or IDX images (.gz too)\n"
    "      --layer N              the runtime layer (see 'info'; default: the last with\n"
    "                             spatial maps)\n"
    "      --top K                patches a channel (default 6)\n"
    "      --threshold X          DOT: least correlation drawn as an edge (default 0.5)\n"
    "  -o, --output FILE          FILE.png (the atlas) or FILE.dot (the graph)\n"
    "  -l, --label NAME           the label column of FILE\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      --features LIST        feature names for a model without them\n"
    "      --classes LIST         class names for a model without them\n"
    "      --missing MODE         rows with missing values: skip (the default), error,\n"
    "                             or impute\n"
    "      --data-format FMT      csv or arff, whatever the name says\n"
    "  -q, --quiet                no notes on standard error\n";

static int cmd_filters(int argc, char **argv)
{
    enum { O_LAYER = 256, O_TOP, O_THRESHOLD };
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},       {"layer", required_argument, NULL, O_LAYER},
        {"top", required_argument, NULL, O_TOP},      {"threshold", required_argument, NULL, O_THRESHOLD},
        {"output", required_argument, NULL, 'o'},     {"label", required_argument, NULL, 'l'},
        {"labels", required_argument, NULL, 'L'},     {"features", required_argument, NULL, 'F'},
        {"classes", required_argument, NULL, 'C'},    {"missing", required_argument, NULL, 'M'},
        {"data-format", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},            {NULL, 0, NULL, 0}};
    static const char *const FILTER_EXTS[] = {"png", "dot", "gv", NULL};
    nr_error err;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    nr_read_opts ropts = {NULL, NULL, NULL};
    missing_opts mi = {MISSING_SKIP, 1, 0, NULL};
    const char *data_path = NULL, *out_path = NULL, *ext;
    int c, status = 0, skip = 0, layer = -1, top = 6, *kept = NULL;
    double threshold = 0.5;
    nn_model *m = NULL;
    nr_dataset *d = NULL;
    nr_atlas atlas;
    char *buf = NULL, nb[NAMEBUF];
    size_t len = 0;

    nr_error_clear(&err);
    memset(&atlas, 0, sizeof atlas);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:o:l:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_path = optarg; break;
        case O_LAYER:
            if (parse_count(optarg, 0, 1 << 20, &layer) < 0)
                return usage_error("filters", "--layer wants a runtime layer number from 0, not '%s'", optarg);
            break;
        case O_TOP:
            if (parse_count(optarg, 1, 100, &top) < 0)
                return usage_error("filters", "--top wants a whole number from 1 to 100, not '%s'", optarg);
            break;
        case O_THRESHOLD: {
            char *end;
            errno = 0;
            threshold = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(threshold >= -1 && threshold <= 1))
                return usage_error("filters", "--threshold wants a correlation from -1 to 1, not '%s'", optarg);
            break;
        }
        case 'o': out_path = optarg; break;
        case 'h': fputs(USAGE_FILTERS, stdout); return 0;
        default: {
            int st;
            if (!model_rows_option("filters", c, optarg, &mo, &ropts, &mi, &skip, &st))
                return bad_option("filters", c, argv);
            if (st != 0)
                return st;
            break;
        }
        }
    }
    if (argc - optind != 1)
        return usage_error("filters", "%s", "'filters' takes one model file");
    if (!data_path)
        return usage_error("filters", "%s", "'filters' needs --data FILE");
    ext = out_path ? extension(out_path) : NULL;
    if (!ext || (strcmp(ext, "png") != 0 && strcmp(ext, "dot") != 0 && strcmp(ext, "gv") != 0)) {
        if ((c = check_extension("filters", "-o", out_path, FILTER_EXTS)) != 0)
            return c;
        return usage_error("filters", "%s", "'filters' needs -o FILE.png (the atlas) or FILE.dot (the graph)");
    }
    {
        const char *ins[] = {argv[optind], data_path, ropts.labels_path, names_file(mo.features),
                             names_file(mo.classes)};
        const char *outs[] = {out_path};
        if ((c = check_outputs("filters", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return c;
    }
    if ((status = load_model_rows(argv[optind], data_path, &mo, &ropts, &mi, &m, &d, &kept, &err)) != 0)
        goto done;
    if (layer < 0 && (layer = nr_last_spatial_layer(m)) < 0) {
        nr_error_set(&err, NR_EUNSUP, "the network has no layer with spatial maps: 'filters' reads "
                     "convolutional networks");
        name_input(&err, argv[optind]);
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (d->nrows < 1) {
        nr_error_set(&err, NR_EINVAL, "no rows to read the filters on");
        name_input(&err, data_path);
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if ((strcmp(ext, "png") == 0 ? (nr_atlas_build(m, d->x, d->nrows, layer, top, &atlas, &err) < 0 ||
                                    nr_atlas_png(m, &atlas, &buf, &len, &err) < 0)
                                 : nr_atlas_dot(m, d->x, d->nrows, layer, threshold, &buf, &len, &err) < 0) ||
        nr_write_file_atomic(out_path, buf, len, &err) < 0) {
        name_input(&err, argv[optind]);
        status = fail(&err, err.code == NR_EINVAL || err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
        goto done;
    }
    if (!mi.quiet) {
        if (strcmp(ext, "png") == 0) {
            int silent = 0;
            for (int ch = 0; ch < atlas.channels; ch++)
                silent += atlas.nhits[ch] == 0;
            fprintf(stderr, "filters: layer %d (%s), %d channels, the %d strongest of %d rows each",
                    layer, nn_layer_type_name(m->layers[layer].type), atlas.channels, top, d->nrows);
            if (silent)
                fprintf(stderr, "; %d channel%s never fired", silent, silent == 1 ? "" : "s");
            fputc('\n', stderr);
        } else {
            fprintf(stderr, "filters: layer %d (%s), graph of %d rows in %s\n", layer,
                    nn_layer_type_name(m->layers[layer].type), d->nrows, SHOWN(out_path, nb));
        }
    }
done:
    free(buf);
    nr_atlas_free(&atlas);
    free(kept);
    free(mi.fill);
    nr_dataset_free(d);
    nn_model_free(m);
    return status;
}

/* ---- dispatch -------------------------------------------------------- */

/* ---- explain ------------------------------------------------------------- */

static const char USAGE_EXPLAIN[] =
    "usage: nn2rules explain MODEL --data FILE (--row N | --instance LIST | --rows FILE | --pick B)\n"
    "                        [-o FILE] [OPTIONS]\n"
    "\n"
    "Explain predictions of a network on tabular data with LIME: a weighted linear\n"
    "model fitted on inputs perturbed around the instance, as rules text (the\n"
    "default), JSON, C (-o FILE.c) or an SVG bar chart of the weights (-o FILE.svg).\n"
    "With --pick B, SP-LIME: explain many rows and pick B that cover the most\n"
    "feature importance.  For a network whose input is an image (convolutional\n"
    "models), the image is cut into superpixels that the samples switch off, and\n"
    "the explanation is the weight of each superpixel: text, CSV, JSON or a PNG\n"
    "overlay (-o FILE.png) of the superpixels that raise the class.  A summary\n"
    "goes to standard error.\n"
    "\n"
    "Options:\n"
    "  -d, --data FILE            the training data: bins, frequencies and scales\n"
    "      --row N                explain row N of --data (1 is the first row)\n"
    "      --instance LIST        explain these values: NAME=VALUE,... (with --row,\n"
    "                             changes to that row) or every value in order\n"
    "      --rows FILE            explain every row of FILE\n"
    "      --pick B               SP-LIME: pick B explanations of the rows of --rows\n"
    "                             (or of --data)\n"
    "      --pick-rows N          SP-LIME: explain N rows drawn from them (default all)\n"
    "      --class C              the class to explain (name or index); default: the\n"
    "                             network's prediction\n"
    "      --top-labels K         explain the K classes of highest output\n"
    "      --discretizer KIND     quartile (the default), decile, entropy or none\n"
    "      --samples N            perturbed inputs per explanation (default 5000)\n"
    "      --kernel-width W       of the kernel sqrt(exp(-d^2/W^2)) (default\n"
    "                             0.75 * sqrt(features))\n"
    "      --select HOW           auto (the default: forward for K <= 6, else highest),\n"
    "                             forward, highest, lasso or none\n"
    "      --features-max K       terms in an explanation at most (default 10)\n"
    "      --alpha A              ridge penalty of the fit (default 1)\n"
    "      --seed N               random seed (default 1); same inputs and seed, same output\n"
    "Images (--data: the file the image comes from):\n"
    "      --segmenter KIND       superpixels: slic (the default), grid or quickshift\n"
    "      --segments N           slic, grid: about N superpixels (default: a pixel in\n"
    "                             16, 16 to 100, at most a quarter of the pixels)\n"
    "      --compactness X        slic: weight of distance against intensity (0.1)\n"
    "      --kernel-size X        quickshift: width of the density kernel, pixels (4)\n"
    "      --max-dist X           quickshift: the longest link (200)\n"
    "      --ratio X              quickshift: weight of intensity (0-100) against\n"
    "                             distance (0.2)\n"
    "      --fill mean|VALUE      what a superpixel switched off shows: its mean (the\n"
    "                             default) or VALUE\n"
    "      --negative             PNG: the superpixels of negative weight too, in red\n"
    "      --labels FILE          IDX labels file to go with IDX images\n"
    "      (images: --samples defaults to 1000, --kernel-width to 0.25)\n"
    "  -o, --output FILE          where to write the explanations\n"
    "  -f, --format FMT           txt, json, c, svg, dot or png; images: txt, csv,\n"
    "                             json or png\n"
    "      --prefix NAME          prefix of every symbol in C output (default rules)\n"
    "  -l, --label NAME           the label column of the data\n"
    "      --data-format FMT      csv or arff, whatever the names say\n"
    "  -q, --quiet                no summary on standard error\n";

/* Data matched to the model with its missing cells left in (NaN). */
static int load_explain_rows(const char *path, const nr_read_opts *ro, nn_model *m, nr_dataset **d,
                             nr_error *err)
{
    int rc;
    if ((rc = read_data(path, ro, d, err)) == 0 && (rc = nr_model_names_from_data(m, *d, err)) == 0)
        rc = nr_dataset_match_model_missing(*d, m, err);
    if (rc < 0) {
        name_input(err, path);
        nr_dataset_free(*d);
        *d = NULL;
    }
    return rc;
}

static int row_complete(const nr_dataset *d, int i)
{
    for (int j = 0; j < d->ncols; j++)
        if (isnan(d->x[(size_t)i * d->ncols + j]))
            return 0;
    return 1;
}

/* What explain does for a network that takes images (see lime_image.h):
 * the image from --row (and --instance), its superpixels, the
 * explanation, written as text, CSV, JSON or PNG.  Returns the exit status. */
typedef struct image_args {
    const char *model, *data, *inst, *cls, *out, *fmt;
    int row, quiet, negative;
    unsigned given;
    const nr_read_opts *ropts;
    nr_lime_opts *lo;
    const nr_lime_image_opts *io;
    uint64_t seed;
} image_args;

#define SEGMENTER_NAME(k) ((k) == NR_SEG_GRID ? "grid" : (k) == NR_SEG_QUICKSHIFT ? "quickshift" : "slic")

static int explain_image(const image_args *a, nn_model *m)
{
    static const char *const IMG_EXTS[] = {"txt", "text", "csv", "json", "png", NULL};
    static const char *const FMT_NAMES[] = {"txt", "csv", "json", "png"};
    nr_error err;
    nr_dataset *d = NULL;
    nr_segments seg;
    nr_lime_result res;
    nr_lime_opts *lo = a->lo;
    const char *ext = a->out ? extension(a->out) : NULL;
    int f = NR_LIME_IMG_TEXT, status = 0, klass = -1;
    size_t nin = nn_model_input_size(m), len = 0;
    float *x = NULL;
    char *buf = NULL, where[PATH_MAX + 64], options[sizeof where + 512], nb[NAMEBUF];

    nr_error_clear(&err);
    memset(&seg, 0, sizeof seg);
    memset(&res, 0, sizeof res);
    /* the tabular path's options that mean nothing here */
    for (int i = 0; nr_lime_options[i].name; i++) {
        const char *name = nr_lime_options[i].name;
        if ((a->given >> i & 1) && (!strcmp(name, "discretizer") || !strcmp(name, "pick") ||
                                    !strcmp(name, "pick-rows")))
            return usage_error("explain", "--%s is for tabular models; this model's input is an image "
                               "(explain one image with --row N)", name);
    }
    if (!a->row && !a->inst)
        return usage_error("explain", "%s", "this model's input is an image: explain one with --row N "
                           "(--rows and --pick are for tabular models)");
    for (int i = 0; nr_lime_options[i].name; i++)
        if (!strcmp(nr_lime_options[i].name, "samples") && !(a->given >> i & 1))
            lo->samples = NR_LIME_IMAGE_SAMPLES;
    if (a->fmt) {
        f = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(a->fmt, FMT_NAMES[i]) || (i == 0 && !strcmp(a->fmt, "text")))
                f = i;
        if (f < 0)
            return usage_error("explain", "an image's explanation is written as txt, csv, json or png, not '%s'",
                               a->fmt);
    } else if (ext) {
        if (check_extension("explain", "-o", a->out, IMG_EXTS) != 0)
            return EXIT_USAGE;
        f = !strcmp(ext, "csv") ? NR_LIME_IMG_CSV : !strcmp(ext, "json") ? NR_LIME_IMG_JSON
            : !strcmp(ext, "png") ? NR_LIME_IMG_PNG : NR_LIME_IMG_TEXT;
    }
    if (f == NR_LIME_IMG_PNG && !a->out && isatty(STDOUT_FILENO))
        return usage_error("explain", "%s", "refusing to write PNG to a terminal; give -o FILE.png");
    {
        const char *ins[] = {a->model, a->data, a->ropts->labels_path};
        const char *outs[] = {a->out};
        if ((status = check_outputs("explain", ins, NELEM(ins), outs, NELEM(outs))) != 0)
            return status;
    }
    if (a->cls) {
        if (m->task != NN_TASK_CLASSIFY)
            return usage_error("explain", "%s", "--class is for classifiers; this model is a regression");
        for (int k = 0; m->class_names && k < m->nclasses && klass < 0; k++)
            if (strcmp(m->class_names[k], a->cls) == 0)
                klass = k;
        if (klass < 0 && parse_count(a->cls, 0, (int)nn_model_output_size(m) - 1, &klass) < 0)
            return usage_error("explain", "--class '%s' is no class of the model", a->cls);
    }
    if (load_explain_rows(a->data, a->ropts, m, &d, &err) < 0) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (a->row > d->nrows) {
        nr_error_at(&err, NR_EINVAL, a->data, 0, 0, "--row %d: the file has %d row%s", a->row, d->nrows,
                    d->nrows == 1 ? "" : "s");
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (!(x = malloc(sizeof *x * nin))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    for (size_t j = 0; j < nin; j++)
        x[j] = a->row ? d->x[(size_t)(a->row - 1) * nin + j] : NAN;
    if (a->inst && nr_lime_parse_instance(m, a->inst, x, &err) < 0) {
        status = usage_error("explain", "%s", err.msg);
        goto done;
    }
    for (size_t j = 0; j < nin; j++)
        if (isnan(x[j])) {
            if (a->row)
                nr_error_at(&err, NR_EINVAL, a->data, d->row_line[a->row - 1], 0, "row %d has no value for "
                            "'%s' (LIME needs every pixel)", a->row, m->features ? m->features[j].name : "?");
            else
                nr_error_set(&err, NR_EINVAL, "--instance gives no value for '%s' (give every value, or "
                             "start from a row with --row N)", m->features ? m->features[j].name : "?");
            status = a->row ? fail(&err, EXIT_INPUT) : usage_error("explain", "%s", err.msg);
            goto done;
        }
    if (nr_lime_image_segment(m, x, a->io, &seg, &err) < 0 ||
        nr_lime_explain_image(m, x, &seg, a->io, klass, lo, a->seed, (uint64_t)a->row, &res, &err) < 0) {
        name_input(&err, a->model);
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    if (a->row && a->inst)
        snprintf(where, sizeof where, "row %d of %s, changed by --instance %s", a->row, a->data, a->inst);
    else if (a->row)
        snprintf(where, sizeof where, "row %d of %s", a->row, a->data);
    else
        snprintf(where, sizeof where, "--instance %s", a->inst);
    if (a->io->segmenter == NR_SEG_QUICKSHIFT)
        snprintf(options, sizeof options, "--segmenter quickshift --kernel-size %.6g --max-dist %.6g --ratio %.6g",
                 a->io->kernel_size, a->io->max_dist, a->io->ratio);
    else
        snprintf(options, sizeof options, "--segmenter %s --segments %d", SEGMENTER_NAME(a->io->segmenter),
                 a->io->segments > 0 ? a->io->segments : nr_segments_default(m->input.h, m->input.w));
    if (a->io->segmenter == NR_SEG_SLIC)
        nr_appendf(options, sizeof options, " --compactness %.6g", a->io->compactness);
    if (a->io->fill_mean)
        nr_appendf(options, sizeof options, " --fill mean");
    else
        nr_appendf(options, sizeof options, " --fill %.9g", (double)a->io->fill);
    {
        char sel[64];
        const nr_optdef *od = NULL;
        for (int i = 0; nr_lime_options[i].name; i++)
            if (!strcmp(nr_lime_options[i].name, "select"))
                od = &nr_lime_options[i];
        snprintf(sel, sizeof sel, "%s", od ? od->choices[lo->select] : "?");
        nr_appendf(options, sizeof options, " --samples %d --kernel-width %.6g --select %s --features-max %d "
                   "--alpha %.6g --seed %llu", lo->samples, res.kernel_width, sel, lo->features_max, lo->alpha,
                   (unsigned long long)a->seed);
    }
    {
        nr_lime_image_desc desc = {where, options, lo->samples, a->seed};
        if (nr_lime_image_emit(m, x, &seg, &res, &desc, f, a->negative, &buf, &len, &err) < 0 ||
            nr_write_file_atomic(a->out ? a->out : "-", buf, len, &err) < 0) {
            status = fail(&err, EXIT_WORK);
            goto done;
        }
    }
    if (!a->quiet)
        for (int e = 0; e < res.nexpl; e++) {
            const nr_lime_expl *ex = &res.expl[e];
            char cn[64];
            if (ex->klass >= 0 && !(m->class_names && m->class_names[ex->klass]))
                snprintf(cn, sizeof cn, "class %d", ex->klass);
            fprintf(stderr, "lime: %s: %s: %d superpixel%s (%s), %d term%s, weighted R^2 %.4f, surrogate %.6g and "
                    "network %.6g at the image (%d samples, kernel width %.4g)\n", SHOWN(where, nb),
                    ex->klass < 0 ? "output 0" : m->class_names && m->class_names[ex->klass]
                    ? m->class_names[ex->klass] : cn, seg.n, seg.n == 1 ? "" : "s", SEGMENTER_NAME(a->io->segmenter),
                    ex->nterms, ex->nterms == 1 ? "" : "s", ex->r2, ex->local_pred, ex->model_pred, lo->samples,
                    res.kernel_width);
        }
    /* quickshift with LIME's defaults is made for photographs: on a small
     * image one window covers most of it */
    if (!a->quiet && a->io->segmenter == NR_SEG_QUICKSHIFT && seg.n < 4)
        fprintf(stderr, "%s: warning: quickshift cut the %dx%d image into %d superpixel%s, too few to explain "
                "much; a smaller --kernel-size or --max-dist gives more\n", progname, seg.h, seg.w, seg.n,
                seg.n == 1 ? "" : "s");
done:
    nr_lime_result_free(&res);
    nr_segments_free(&seg);
    free(buf);
    free(x);
    nr_dataset_free(d);
    return status;
}

static int cmd_explain(int argc, char **argv)
{
    enum { O_ROW = 256, O_ROWS, O_INSTANCE, O_CLASS, O_SEED, O_PREFIX, O_SEGMENTER, O_SEGMENTS, O_COMPACT,
           O_FILL, O_NEGATIVE, O_LABELS, O_KSIZE, O_MAXDIST, O_RATIO, O_LIME = 1000 };
    static const struct option common[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"data", required_argument, NULL, 'd'},   {"label", required_argument, NULL, 'l'},
        {"row", required_argument, NULL, O_ROW},  {"rows", required_argument, NULL, O_ROWS},
        {"instance", required_argument, NULL, O_INSTANCE}, {"class", required_argument, NULL, O_CLASS},
        {"seed", required_argument, NULL, O_SEED}, {"prefix", required_argument, NULL, O_PREFIX},
        {"data-format", required_argument, NULL, 'D'}, {"quiet", no_argument, NULL, 'q'},
        {"segmenter", required_argument, NULL, O_SEGMENTER}, {"segments", required_argument, NULL, O_SEGMENTS},
        {"compactness", required_argument, NULL, O_COMPACT}, {"fill", required_argument, NULL, O_FILL},
        {"negative", no_argument, NULL, O_NEGATIVE}, {"labels", required_argument, NULL, 'L'},
        {"kernel-size", required_argument, NULL, O_KSIZE}, {"max-dist", required_argument, NULL, O_MAXDIST},
        {"ratio", required_argument, NULL, O_RATIO},
        {"help", no_argument, NULL, 'h'}};
    struct option table[NELEM(common) + 16];
    nr_error err;
    nr_read_opts ropts = {NULL, NULL, NULL};
    nr_lime_opts lo;
    nr_lime_image_opts io;
    nr_extract_opts po;
    meta_opts mo = {NULL, NULL, NULL, NULL};
    const char *out = NULL, *fmt = NULL, *data = NULL, *rowsf = NULL, *inst = NULL, *cls = NULL,
               *prefix = NULL, *src;
    int c, quiet = 0, status = 0, row = 0, klass = -1, nx = 0, nexpl = 0, npick = 0, many, ntab = 0;
    int negative = 0, image_opt = 0;
    const char *qs_opt = NULL; /* the last quickshift option given */
    unsigned given = 0; /* bit i: nr_lime_options[i] on the command line */
    out_format f;
    nn_model *m = NULL;
    nr_dataset *d = NULL, *rd = NULL;
    nr_lime *lime = NULL;
    float *x = NULL;
    uint64_t *streams = NULL;
    int *pick = NULL, *which = NULL;
    nr_lime_result *res = NULL;
    nr_rules **rules = NULL;
    char **titles = NULL, *buf = NULL, where[PATH_MAX + 64], options[sizeof where + 1024], nb[NAMEBUF];
    size_t len = 0, nin;
    double covered = 0, total = 0;
    nr_progress prog;
    cli_progress cprog;

    nr_error_clear(&err);
    nr_lime_opts_default(&lo);
    nr_lime_image_opts_default(&io);
    nr_extract_opts_default(&po);
    memcpy(table, common, sizeof common);
    for (int i = 0; nr_lime_options[i].name; i++)
        table[ntab++ + NELEM(common)] = (struct option){nr_lime_options[i].name, required_argument, NULL, O_LIME + i};
    table[ntab + NELEM(common)] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:f:d:l:qh", table, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': fmt = optarg; break;
        case 'd': data = optarg; break;
        case 'l': ropts.label = optarg; break;
        case 'L': ropts.labels_path = optarg; break;
        case O_NEGATIVE: negative = image_opt = 1; break;
        case O_SEGMENTER:
            image_opt = 1;
            if (strcmp(optarg, "slic") == 0) {
                io.segmenter = NR_SEG_SLIC;
            } else if (strcmp(optarg, "grid") == 0) {
                io.segmenter = NR_SEG_GRID;
            } else if (strcmp(optarg, "quickshift") == 0) {
                io.segmenter = NR_SEG_QUICKSHIFT;
            } else {
                status = usage_error("explain", "--segmenter is slic, grid or quickshift, not '%s'", optarg);
                goto done;
            }
            break;
        case O_SEGMENTS:
            image_opt = 1;
            if (parse_count(optarg, 1, 100000, &io.segments) < 0) {
                status = usage_error("explain", "--segments wants a whole number from 1 to 100000, not '%s'", optarg);
                goto done;
            }
            break;
        case O_COMPACT:
        case O_FILL: {
            char *end;
            double v;
            image_opt = 1;
            if (c == O_FILL && strcmp(optarg, "mean") == 0) {
                io.fill_mean = 1;
                break;
            }
            errno = 0;
            v = strtod(optarg, &end);
            if (errno || end == optarg || *end || !isfinite(v) || fabs(v) > 3.4e38 || (c == O_COMPACT && v < 0)) {
                status = usage_error("explain", c == O_FILL ? "--fill wants mean or a number, not '%s'"
                                     : "--compactness wants a number from 0, not '%s'", optarg);
                goto done;
            }
            if (c == O_FILL) {
                io.fill_mean = 0;
                io.fill = (float)v;
            } else {
                io.compactness = v;
            }
            break;
        }
        case O_KSIZE:
        case O_MAXDIST:
        case O_RATIO: {
            char *end;
            double v;
            const char *name = c == O_KSIZE ? "kernel-size" : c == O_MAXDIST ? "max-dist" : "ratio";
            image_opt = 1;
            qs_opt = name;
            errno = 0;
            v = strtod(optarg, &end);
            if (errno || end == optarg || *end || !isfinite(v) || !(v > 0)) {
                nr_error_set(&err, NR_EINVAL, "--%s wants a positive number, not '%s'", name, optarg);
                status = usage_error("explain", "%s", err.msg);
                goto done;
            }
            *(c == O_KSIZE ? &io.kernel_size : c == O_MAXDIST ? &io.max_dist : &io.ratio) = v;
            break;
        }
        case O_ROWS: rowsf = optarg; break;
        case O_INSTANCE: inst = optarg; break;
        case O_CLASS: cls = optarg; break;
        case O_PREFIX: prefix = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(USAGE_EXPLAIN, stdout); goto done;
        case 'D':
        {
            int unused;
            if ((status = row_option("explain", c, optarg, &unused, NULL, &ropts)) != 0)
                goto done;
            break;
        }
        case O_ROW:
            if (parse_count(optarg, 1, INT_MAX, &row) < 0) {
                status = usage_error("explain", "--row wants a row number from 1, not '%s'", optarg);
                goto done;
            }
            break;
        case O_SEED: {
            uint64_t v;
            if (parse_seed(optarg, &v) < 0) {
                status = usage_error("explain", "--seed wants a whole number, not '%s'", optarg);
                goto done;
            }
            po.seed = v;
            break;
        }
        default:
            if (c >= O_LIME && c < O_LIME + ntab) {
                if (nr_opt_set(&nr_lime_options[c - O_LIME], &lo, optarg, &err) < 0) {
                    status = usage_error("explain", "%s", err.msg);
                    goto done;
                }
                given |= 1u << (c - O_LIME);
                break;
            }
            status = bad_option("explain", c, argv);
            goto done;
        }
    }
    if (argc - optind != 1) {
        status = usage_error("explain", "%s", "'explain' takes one model file");
        goto done;
    }
    if (io.segmenter == NR_SEG_QUICKSHIFT && io.segments) {
        status = usage_error("explain", "%s", "--segments is for slic and grid; quickshift's superpixels "
                             "follow from --kernel-size and --max-dist (smaller: more superpixels)");
        goto done;
    }
    if (io.segmenter != NR_SEG_QUICKSHIFT && qs_opt) {
        status = usage_error("explain", "--%s is for --segmenter quickshift", qs_opt);
        goto done;
    }
    if (!data) {
        status = usage_error("explain", "%s", "explain needs --data FILE, the training data it samples like");
        goto done;
    }
    if (rowsf && (row || inst)) {
        status = usage_error("explain", "%s", "--rows explains every row of a file; --row and --instance one input");
        goto done;
    }
    if (lo.pick && (row || inst)) {
        status = usage_error("explain", "%s", "--pick picks among many rows (--rows FILE, or --data's); not with --row or --instance");
        goto done;
    }
    if (lo.pick_rows && !lo.pick) {
        status = usage_error("explain", "%s", "--pick-rows goes with --pick");
        goto done;
    }
    if (!row && !inst && !rowsf && !lo.pick) {
        status = usage_error("explain", "%s", "say what to explain: --row N, --instance LIST, --rows FILE or --pick B");
        goto done;
    }
    if (cls && lo.top_labels > 1) {
        status = usage_error("explain", "%s", "--class names one class; --top-labels chooses several");
        goto done;
    }
    if (load_model_meta(argv[optind], &mo, &m, &po.model_crc, &err) < 0) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    if (nr_lime_is_image(m)) {
        image_args ia = {argv[optind], data, inst, cls, out, fmt, row, quiet, negative, given, &ropts, &lo, &io,
                         po.seed};
        if (rowsf) {
            status = usage_error("explain", "%s", "this model's input is an image: explain one with --row N "
                                 "(--rows and --pick are for tabular models)");
            goto done;
        }
        status = explain_image(&ia, m);
        goto done;
    }
    if (image_opt) {
        nr_error_set(&err, NR_EUNSUP, "--segmenter, --segments, --compactness, --kernel-size, --max-dist, --ratio, --fill "
                     "and --negative are for "
                     "models whose input is an image; this one takes %zu values", nn_model_input_size(m));
        status = usage_error("explain", "%s", err.msg);
        goto done;
    }
    if ((status = pick_format("explain", fmt, out, &f)) != 0)
        goto done;
    many = rowsf || lo.pick || lo.top_labels > 1;
    if (many && (f == FMT_C || f == FMT_DOT || f == FMT_PNG)) {
        status = usage_error("explain", "%s", "C, DOT and PNG output hold one explanation: give --row or "
                             "--instance (without --top-labels), or write txt, json or svg");
        goto done;
    }
    if (prefix && nr_c_prefix_check(prefix, &err) < 0) {
        status = usage_error("explain", "--prefix: %s", err.msg);
        goto done;
    }
    {
        const char *ins[] = {argv[optind], data, rowsf};
        if ((status = check_rules_outputs("explain", f, out, ins, NELEM(ins))) != 0)
            goto done;
    }
    if (!fmt && (status = check_extension("explain", "-o", out, RULES_EXTS)) != 0)
        goto done;

    if (load_explain_rows(data, &ropts, m, &d, &err) < 0 ||
        (rowsf && load_explain_rows(rowsf, &ropts, m, &rd, &err) < 0)) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    nin = nn_model_input_size(m);
    if (cls) {
        if (m->task != NN_TASK_CLASSIFY) {
            status = usage_error("explain", "%s", "--class is for classifiers; this model is a regression");
            goto done;
        }
        for (int k = 0; m->class_names && k < m->nclasses && klass < 0; k++)
            if (strcmp(m->class_names[k], cls) == 0)
                klass = k;
        if (klass < 0 && parse_count(cls, 0, (int)nn_model_output_size(m) - 1, &klass) < 0) {
            status = usage_error("explain", "--class '%s' is no class of the model", cls);
            goto done;
        }
    }
    if (lo.discretizer == NR_LIME_ENTROPY && m->task != NN_TASK_CLASSIFY) {
        status = usage_error("explain", "%s", "--discretizer entropy needs a classifier; use quartile, decile or none");
        goto done;
    }
    if (nr_lime_new(m, d, lo.discretizer, &lime, &err) < 0) {
        name_input(&err, data);
        status = fail(&err, err.code == NR_EINVAL || err.code == NR_EUNSUP ? EXIT_INPUT : EXIT_WORK);
        goto done;
    }

    /* the inputs to explain, each with the stream that seeds it */
    src = rowsf ? rowsf : data;
    {
        const nr_dataset *sd = rd ? rd : d;
        int n = row || inst ? 1 : sd->nrows, k = 0;
        if (!(x = malloc(sizeof *x * nin * (size_t)n)) || !(streams = calloc((size_t)n, sizeof *streams)) ||
            !(which = calloc((size_t)n, sizeof *which))) {
            nr_error_set(&err, NR_ENOMEM, "out of memory");
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        if (row || inst) {
            if (row > d->nrows) {
                nr_error_at(&err, NR_EINVAL, data, 0, 0, "--row %d: the file has %d row%s", row, d->nrows,
                            d->nrows == 1 ? "" : "s");
                status = fail(&err, EXIT_INPUT);
                goto done;
            }
            for (size_t j = 0; j < nin; j++)
                x[j] = row ? d->x[(size_t)(row - 1) * nin + j] : NAN;
            if (inst && nr_lime_parse_instance(m, inst, x, &err) < 0) {
                status = usage_error("explain", "%s", err.msg);
                goto done;
            }
            for (size_t j = 0; j < nin; j++)
                if (isnan(x[j])) {
                    if (row)
                        nr_error_at(&err, NR_EINVAL, data, d->row_line[row - 1], 0, "row %d has no value for "
                                    "'%s' (LIME needs every value: give it with --instance NAME=VALUE)", row,
                                    m->features ? m->features[j].name : "?");
                    else
                        nr_error_set(&err, NR_EINVAL, "--instance gives no value for '%s' (name every "
                                     "feature, or start from a row with --row N)",
                                     m->features ? m->features[j].name : "?");
                    status = row ? fail(&err, EXIT_INPUT) : usage_error("explain", "%s", err.msg);
                    goto done;
                }
            streams[0] = (uint64_t)row;
            which[0] = row - 1;
            nx = 1;
        } else {
            int skipped = 0;
            for (int i = 0; i < sd->nrows; i++)
                if (row_complete(sd, i))
                    which[k++] = i;
                else
                    skipped++;
            if (skipped && !quiet)
                fprintf(stderr, "%s: %s: skipped %d row%s with missing values (LIME needs every value)\n",
                        progname, SHOWN(src, nb), skipped, skipped == 1 ? "" : "s");
            if (lo.pick_rows && lo.pick_rows < k) {
                int *sub = malloc(sizeof *sub * (size_t)k);
                if (!sub || nr_lime_sample_rows(k, lo.pick_rows, po.seed, sub, &err) < 0) {
                    free(sub);
                    nr_error_set(&err, NR_ENOMEM, "out of memory");
                    status = fail(&err, EXIT_WORK);
                    goto done;
                }
                for (int i = 0; i < lo.pick_rows; i++)
                    which[i] = which[sub[i]];
                free(sub);
                k = lo.pick_rows;
            }
            if (k == 0) {
                nr_error_at(&err, NR_EINVAL, src, 0, 0, "no row without missing values to explain");
                status = fail(&err, EXIT_INPUT);
                goto done;
            }
            for (int i = 0; i < k; i++) {
                memcpy(x + (size_t)i * nin, sd->x + (size_t)which[i] * nin, sizeof *x * nin);
                streams[i] = (uint64_t)which[i] + 1;
            }
            nx = k;
        }
    }
    if (!(res = calloc((size_t)nx, sizeof *res))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    progress_init(&prog, &cprog, quiet);
    if (nr_lime_explain_rows(lime, m, x, nx, streams, klass, &lo, po.seed, &prog, res, &err) < 0) {
        name_input(&err, argv[optind]);
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    if (!(pick = calloc((size_t)nx, sizeof *pick))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    if (lo.pick) {
        if (nr_lime_pick(lime, res, nx, lo.pick, pick, &covered, &total, &err) < 0) {
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        npick = lo.pick < nx ? lo.pick : nx;
    } else {
        for (int i = 0; i < nx; i++)
            pick[i] = i;
        npick = nx;
    }

    /* every explanation of the inputs shown, as rules */
    for (int p = 0; p < npick; p++)
        nexpl += res[pick[p]].nexpl;
    if (!(rules = calloc((size_t)nexpl + 1, sizeof *rules)) || !(titles = calloc((size_t)nexpl + 1, sizeof *titles))) {
        nr_error_set(&err, NR_ENOMEM, "out of memory");
        status = fail(&err, EXIT_WORK);
        goto done;
    }
    po.model_path = argv[optind];
    po.data_path = data;
    nexpl = 0;
    for (int p = 0; p < npick; p++) {
        int i = pick[p];
        if (rowsf || lo.pick)
            snprintf(where, sizeof where, "row %d of %s", which[i] + 1, src);
        else if (row && inst)
            snprintf(where, sizeof where, "--row %d --instance %s", row, inst);
        else if (row)
            snprintf(where, sizeof where, "--row %d", row);
        else
            snprintf(where, sizeof where, "--instance %s", inst);
        for (int e = 0; e < res[i].nexpl; e++) {
            const nr_lime_expl *ex = &res[i].expl[e];
            char title[PATH_MAX + 256];
            snprintf(options, sizeof options, "%s ", where);
            nr_lime_describe(&lo, (int)nin, options + strlen(options), sizeof options - strlen(options));
            nr_appendf(options, sizeof options, " --seed %llu", (unsigned long long)po.seed);
            po.options_text = options;
            if (nr_lime_rules(lime, m, ex, &po, &rules[nexpl], &err) < 0) {
                status = fail(&err, EXIT_WORK);
                goto done;
            }
            snprintf(title, sizeof title, "%s%s%s", where, ex->klass >= 0 ? ": " : "",
                     ex->klass >= 0 ? (m->class_names ? m->class_names[ex->klass] : "") : "");
            if (ex->klass >= 0 && !m->class_names)
                nr_appendf(title, sizeof title, "class %d", ex->klass);
            if (!(titles[nexpl] = strdup(title))) {
                nr_error_set(&err, NR_ENOMEM, "out of memory");
                status = fail(&err, EXIT_WORK);
                goto done;
            }
            nexpl++;
        }
    }

    /* output */
    if (!many && f != FMT_SVG) {
        if (write_rules(rules[0], f, out, prefix, NULL, &err) < 0) {
            status = fail(&err, EXIT_WORK);
            goto done;
        }
    } else {
        nr_lime_pickinfo pk = {npick, nx, covered, total};
        int rc = f == FMT_SVG ? nr_lime_svg((const nr_rules *const *)rules, (const char *const *)titles, nexpl,
                                            &buf, &len, &err)
                              : nr_lime_emit_many((const nr_rules *const *)rules, (const char *const *)titles,
                                                  nexpl, f == FMT_JSON, lo.pick ? &pk : NULL, &buf, &len, &err);
        if (rc < 0 || nr_write_file_atomic(out ? out : "-", buf, len, &err) < 0) {
            status = fail(&err, EXIT_WORK);
            goto done;
        }
    }
    if (!quiet) {
        if (nx == 1)
            for (int k = 0; k < nexpl; k++)
                fprintf(stderr, "lime: %s: %d term%s, weighted R^2 %.4f, surrogate %.6g and network %.6g at "
                        "the instance (%d samples, kernel width %.4g)\n", SHOWN(titles[k], nb),
                        rules[k]->lin.nterms, rules[k]->lin.nterms == 1 ? "" : "s", rules[k]->lin.r2,
                        rules[k]->lin.local_pred, rules[k]->lin.model_pred, lo.samples, res[0].kernel_width);
        else {
            double r2 = 0, lo2 = INFINITY;
            int ne = 0;
            for (int i = 0; i < nx; i++)
                for (int e = 0; e < res[i].nexpl; e++, ne++) {
                    r2 += res[i].expl[e].r2;
                    lo2 = fmin(lo2, res[i].expl[e].r2);
                }
            fprintf(stderr, "lime: %d row%s of %s explained: weighted R^2 mean %.4f, lowest %.4f\n", nx,
                    nx == 1 ? "" : "s", SHOWN(src, nb), ne ? r2 / ne : 0, ne ? lo2 : 0);
        }
        if (lo.pick) {
            fprintf(stderr, "sp-lime: picked row%s", npick == 1 ? "" : "s");
            for (int p = 0; p < npick; p++)
                fprintf(stderr, "%s %d", p ? "," : "", which[pick[p]] + 1);
            fprintf(stderr, " of %s: coverage %.4f of the total importance\n", SHOWN(src, nb),
                    total > 0 ? covered / total : 0);
        }
    }
done:
    for (int i = 0; rules && i < nexpl; i++)
        nr_rules_free(rules[i]);
    for (int i = 0; titles && i < nexpl; i++)
        free(titles[i]);
    for (int i = 0; res && i < nx; i++)
        nr_lime_result_free(&res[i]);
    free(rules);
    free(titles);
    free(res);
    free(buf);
    free(pick);
    free(which);
    free(streams);
    free(x);
    nr_lime_free(lime);
    nr_dataset_free(d);
    nr_dataset_free(rd);
    nn_model_free(m);
    return status;
}

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} command;

static const command COMMANDS[] = {
    {"extract", cmd_extract, USAGE_EXTRACT},
    {"compile", cmd_compile, USAGE_COMPILE},
    {"eval", cmd_eval, USAGE_EVAL},
    {"info", cmd_info, USAGE_INFO},
    {"run", cmd_run, USAGE_RUN},
    {"convert", cmd_convert, USAGE_CONVERT},
    {"saliency", cmd_saliency, USAGE_SALIENCY},
    {"filters", cmd_filters, USAGE_FILTERS},
    {"explain", cmd_explain, USAGE_EXPLAIN},
    {NULL, NULL, NULL},
};

static const command *find_command(const char *name)
{
    for (const command *c = COMMANDS; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* Edits needed to turn a into b (Levenshtein), for suggesting a command. */
static int edit_distance(const char *a, const char *b)
{
    int row[32], n = (int)strlen(b);
    if (n >= (int)NELEM(row) || strlen(a) > 64)
        return INT_MAX;
    for (int j = 0; j <= n; j++)
        row[j] = j;
    for (int i = 1; a[i - 1]; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= n; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[n];
}

/* Whether s reads as a word (a mistyped command), not a path: letters,
 * digits and dashes only, beginning with a letter. */
static int looks_like_word(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

static int unknown_command(const char *name)
{
    const char *best = NULL;
    int bestd = INT_MAX;
    for (const command *c = COMMANDS; c->name; c++) {
        int d = edit_distance(name, c->name);
        if (d < bestd) {
            bestd = d;
            best = c->name;
        }
    }
    if (strcmp("help", name) != 0 && edit_distance(name, "help") < bestd) {
        bestd = edit_distance(name, "help");
        best = "help";
    }
    /* a suggestion only when the word is plausibly a slip of the keys */
    if (best && bestd <= 2 && bestd < (int)strlen(name)) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%.100s' (did you mean '%s'?)", name, best);
        return usage_error(NULL, "%s", msg);
    }
    return usage_error(NULL, "unknown command '%s'", name);
}

/* Output that never reached standard output is a failure, whichever command
 * printed it (as coreutils' close_stdout): one message, unless the command
 * has already failed and said why. */
static int close_stdout(int status)
{
    int bad, e = 0;
    errno = 0;
    bad = fflush(stdout) != 0;
    e = errno;
    if (ferror(stdout))
        bad = 1;
    /* a closed standard output that nothing was written to is no error */
    if (fclose(stdout) != 0 && !bad && errno != EBADF) {
        bad = 1;
        e = errno;
    }
    if (bad && status == 0) {
        if (e)
            fprintf(stderr, "%s: error: cannot write to standard output: %s\n", progname, strerror(e));
        else
            fprintf(stderr, "%s: error: cannot write to standard output\n", progname);
        return EXIT_WORK;
    }
    return status;
}

static int run_command(int argc, char **argv)
{
    const command *cmd;

    opterr = 0;
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("nn2rules %s (runtime %s)\n", NR_VERSION, NN_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3 || strcmp(argv[2], "help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!(cmd = find_command(argv[2])))
            return usage_error(NULL, "no command '%s'", argv[2]);
        if (cmd->fn == cmd_extract) {
            /* `help extract [-a NAME]`: the extractors' options come from
             * their table, which extract --help prints */
            char *hargv[8] = {argv[2], "--help"};
            int hargc = 2;
            for (int i = 3; i < argc && hargc < 7; i++)
                hargv[hargc++] = argv[i];
            return cmd_extract(hargc, hargv);
        }
        fputs(cmd->usage, stdout);
        return 0;
    }
    if (!(cmd = find_command(argv[1]))) {
        /* extract is the default command: `nn2rules model.bin -o r.txt`,
         * `nn2rules -q model.bin`, and a mistyped path, which extract says
         * it cannot open.  Only a word that names no file is a command. */
        if (looks_like_word(argv[1]) && access(argv[1], F_OK) != 0)
            return unknown_command(argv[1]);
        return cmd_extract(argc, argv);
    }
    return cmd->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    return close_stdout(run_command(argc, argv));
}
