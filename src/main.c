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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "error.h"
#include "fileio.h"
#include "model_io.h"
#include "nn.h"
#include "version.h"

#define EXIT_WORK 1
#define EXIT_USAGE 2
#define EXIT_INPUT 3

static const char *progname = "nn2rules";

static const char USAGE[] =
    "usage: nn2rules COMMAND [OPTIONS] ARGS\n"
    "\n"
    "Compile trained neural networks into rules, graphs and C.\n"
    "\n"
    "Commands:\n"
    "  info MODEL                 describe a model: layers, shapes, parameters, metadata\n"
    "  run MODEL --data FILE      the reference runtime's predictions as CSV\n"
    "  help [COMMAND]             show this help, or a command's\n"
    "\n"
    "Options for every command:\n"
    "  -h, --help                 show help and exit\n"
    "  -V, --version              show the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 failure while working, 2 bad usage,\n"
    "3 unreadable or invalid input.  See nn2rules(1).\n";

static const char USAGE_INFO[] =
    "usage: nn2rules info MODEL\n"
    "\n"
    "Print the model's input shape, task, layers with their output shapes and\n"
    "parameter counts, and its metadata: features (type and range), classes and\n"
    "input normalization.\n";

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
    "  -b, --batch N              rows per forward pass (default 256)\n";

/* One message for an error, then the exit status its phase calls for. */
static int fail(const nr_error *err, int status)
{
    char buf[1024];
    nr_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s: %s\n", progname, buf);
    if (err->code == NR_ENOMEM)
        return EXIT_WORK;
    return status;
}

/* Bad usage: one line, pointing at the help of the command concerned. */
static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
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

/* Model files are recognised by content, not extension. */
static int load_model(const char *path, nn_model **m, nr_error *err)
{
    return nr_model_read(path, m, err);
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

static int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    nr_error err;
    nn_model *m = NULL;
    int c;
    nn_shape prev;

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(USAGE_INFO, stdout);
            return 0;
        }
        return bad_option("info", c, argv);
    }
    if (argc - optind != 1)
        return usage_error("info", "%s", "'info' takes one model file");
    if (load_model(argv[optind], &m, &err) < 0)
        return fail(&err, EXIT_INPUT);

    printf("model:       %s\n", argv[optind]);
    if (m->description)
        printf("description: %s\n", m->description);
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
    printf("normalization: %s\n", m->norm_mean ? "(x - mean) / std, inside the model" : "none");
    if (m->features) {
        int shown = m->nfeatures > 40 ? 20 : m->nfeatures;
        printf("features:    %d\n", m->nfeatures);
        for (int i = 0; i < shown; i++) {
            const nn_feature *f = &m->features[i];
            printf("  %-24s %-10s [%g, %g]", f->name, feature_type_name(f->type), (double)f->min,
                   (double)f->max);
            if (f->group >= 0)
                printf(" group %d", f->group);
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
            printf(" %s", m->class_names[i]);
        printf("\n");
    }
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
        {NULL, 0, NULL, 0}};
    nr_error err;
    nr_read_opts ropts = {NULL, NULL};
    const char *data_path = NULL, *out_path = NULL;
    int batch = 256, c, status = 0;
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

    nr_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:l:o:b:h", opts, NULL)) != -1) {
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
        default: return bad_option("run", c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("run", "%s", "'run' takes one model file");
    if (!data_path)
        return usage_error("run", "%s", "'run' needs --data FILE");

    if (load_model(argv[optind], &m, &err) < 0 || nr_data_read(data_path, &ropts, &d, &err) < 0 ||
        nr_dataset_match_model(d, m, &err) < 0) {
        status = fail(&err, EXIT_INPUT);
        goto done;
    }
    nin = nn_model_input_size(m);
    nout = nn_model_output_size(m);
    if (d->nrows > 0 && batch > d->nrows)
        batch = d->nrows;
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
    for (int r0 = 0; r0 < d->nrows; r0 += batch) {
        int n = d->nrows - r0 < batch ? d->nrows - r0 : batch;
        memset(&nerr, 0, sizeof nerr);
        if (nn_forward(m, ws, d->x + (size_t)r0 * nin, n, y, &nerr) < 0) {
            nr_error_set(&err, NR_EMODEL, "running the network on rows %d to %d: %s", r0 + 1,
                         r0 + n, nerr.msg);
            status = fail(&err, EXIT_WORK);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const float *yi = y + (size_t)i * nout;
            int k = nn_argmax(yi, nout);
            fprintf(out, "%d,", r0 + i + 1);
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
    if (d->has_labels && m->task == NN_TASK_CLASSIFY)
        fprintf(stderr, "accuracy: %.4f (%ld of %d rows against '%s')\n",
                d->nrows ? (double)correct / d->nrows : 0.0, correct, d->nrows,
                d->label_name ? d->label_name : "labels");
done:
    if (out)
        fclose(out);
    free(text);
    free(y);
    nn_workspace_free(ws);
    nr_dataset_free(d);
    nn_model_free(m);
    return status;
}

/* ---- dispatch -------------------------------------------------------- */

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} command;

static const command COMMANDS[] = {
    {"info", cmd_info, USAGE_INFO},
    {"run", cmd_run, USAGE_RUN},
    {NULL, NULL, NULL},
};

static const command *find_command(const char *name)
{
    for (const command *c = COMMANDS; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int main(int argc, char **argv)
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
        if (argc < 3) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!(cmd = find_command(argv[2])))
            return usage_error(NULL, "no command '%s'", argv[2]);
        fputs(cmd->usage, stdout);
        return 0;
    }
    if (!(cmd = find_command(argv[1])))
        return usage_error(NULL, "unknown command '%s'", argv[1]);
    return cmd->fn(argc - 1, argv + 1);
}
