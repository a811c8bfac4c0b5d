/*
 * test_data.c - the data readers (CSV, ARFF, IDX) and matching a dataset to
 * a model's features and classes.
 *
 * Fixtures that read well as files are in tests/data/data_*; byte-exact
 * ones (CRLF, BOM, IDX, gzip) are written into a temporary directory.
 */
#include "cutest.h"

#include "data.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* --- helpers ------------------------------------------------------------- */

static char tmpdir[64];

static void remove_tmpdir(void)
{
    rmdir(tmpdir);
}

/* tmpdir/name in buf. */
static const char *tmp_path(char *buf, size_t size, const char *name)
{
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/nr_test_data.XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
        atexit(remove_tmpdir);
    }
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(data, 1, n, f) == n);
    CU_ASSERT_FATAL(fclose(f) == 0);
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    CU_ASSERT_FATAL(gz != NULL);
    CU_ASSERT_FATAL(gzwrite(gz, data, (unsigned)n) == (int)n);
    CU_ASSERT_FATAL(gzclose(gz) == Z_OK);
}

static const char *fmt(const nr_error *e)
{
    static char buf[1024];
    nr_error_format(e, buf, sizeof buf);
    return buf;
}

/* Write text to tmpdir/name, read it with nr_data_read and delete it.
 * The file's path (for expected messages) is left in path. */
static int read_text(const char *name, const char *text, const nr_read_opts *opts,
                     nr_dataset **d, nr_error *err, char *path, size_t size)
{
    int rc;
    tmp_path(path, size, name);
    write_file(path, text, strlen(text));
    nr_error_clear(err);
    rc = nr_data_read(path, opts, d, err);
    unlink(path);
    return rc;
}

/* Read text as a CSV and expect failure with rc and message
 * "<path>" + expect_tail. */
static void expect_csv_error(const char *text, const nr_read_opts *opts, int rc,
                             const char *expect_tail)
{
    char path[256], want[512];
    nr_dataset *d = (nr_dataset *)1;
    nr_error err;
    int got = read_text("t.csv", text, opts, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL(got, rc);
    CU_ASSERT_PTR_NULL(d);
    snprintf(want, sizeof want, "%s%s", path, expect_tail);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    if (strcmp(fmt(&err), want) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", fmt(&err), want);
}

static void expect_arff_error(const char *text, int rc, const char *expect_tail)
{
    char path[256], want[512];
    nr_dataset *d = (nr_dataset *)1;
    nr_error err;
    int got = read_text("t.arff", text, NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL(got, rc);
    CU_ASSERT_PTR_NULL(d);
    snprintf(want, sizeof want, "%s%s", path, expect_tail);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    if (strcmp(fmt(&err), want) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", fmt(&err), want);
}

#define X(d, r, c) ((d)->x[(size_t)(r) * (size_t)(d)->ncols + (size_t)(c)])

/* --- CSV ----------------------------------------------------------------- */

static void test_csv_basic(void)
{
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_data_read("tests/data/data_iris.csv", NULL, &d, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 5);
    CU_ASSERT_EQUAL(d->ncols, 4);
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "sepal_length");
    CU_ASSERT_STRING_EQUAL(d->cols[3].name, "petal_width");
    CU_ASSERT_EQUAL(d->cols[3].kind, NR_COL_NUMERIC);
    CU_ASSERT_EQUAL(d->cols[3].field, 4);
    CU_ASSERT_EQUAL(X(d, 1, 0), 7.0f);
    CU_ASSERT_EQUAL(X(d, 4, 3), 1.5f);
    CU_ASSERT_TRUE(d->has_labels);
    CU_ASSERT_STRING_EQUAL(d->label_name, "class");
    CU_ASSERT_EQUAL(d->nlabels, 3);
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "setosa");
    CU_ASSERT_STRING_EQUAL(d->label_names[1], "versicolor");
    CU_ASSERT_STRING_EQUAL(d->label_names[2], "virginica");
    CU_ASSERT_EQUAL(d->labels[3], 0);
    CU_ASSERT_EQUAL(d->labels[4], 1);
    CU_ASSERT_EQUAL(d->row_line[0], 2);
    CU_ASSERT_EQUAL(d->row_line[4], 6);
    CU_ASSERT_STRING_EQUAL(d->path, "tests/data/data_iris.csv");
    nr_dataset_free(d);
}

static void test_csv_quoting(void)
{
    const char *text =
        "\"a\",\"the \"\"b\"\" column\",c,Label\n"
        "1,\"2\",\"x, y\",\"0\"\n"
        "3, 4 ,\"two\nlines\",1\n"
        "  \"5\" ,6,plain,\"1\"\n";
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc = read_text("q.csv", text, NULL, &d, &err, path, sizeof path);

    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 3);
    CU_ASSERT_EQUAL(d->ncols, 3);
    CU_ASSERT_STRING_EQUAL(d->cols[1].name, "the \"b\" column");
    CU_ASSERT_STRING_EQUAL(d->label_name, "Label");
    CU_ASSERT_EQUAL(X(d, 0, 1), 2.0f);
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    CU_ASSERT_EQUAL(X(d, 2, 0), 5.0f);
    CU_ASSERT_EQUAL(d->cols[2].kind, NR_COL_NOMINAL);
    CU_ASSERT_EQUAL_FATAL(d->cols[2].nvalues, 3);
    CU_ASSERT_STRING_EQUAL(d->cols[2].values[0], "x, y");
    CU_ASSERT_STRING_EQUAL(d->cols[2].values[1], "two\nlines");
    CU_ASSERT_STRING_EQUAL(d->cols[2].values[2], "plain");
    CU_ASSERT_EQUAL(X(d, 2, 2), 2.0f);
    /* The row after the two-line field starts on line 5. */
    CU_ASSERT_EQUAL(d->row_line[1], 3);
    CU_ASSERT_EQUAL(d->row_line[2], 5);
    CU_ASSERT_EQUAL(d->nlabels, 2);
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "0");
    CU_ASSERT_EQUAL(d->labels[2], 1);
    nr_dataset_free(d);

    expect_csv_error("a,b\n1,\"2\n", NULL, NR_EFORMAT,
                     ":2:3: error: unterminated quoted field");
    expect_csv_error("a,b\n1,\"2\"x\n", NULL, NR_EFORMAT,
                     ":2:6: error: unexpected 'x' after a quoted field");
}

static void test_csv_crlf_bom(void)
{
    const char *text = "\xEF\xBB\xBFx,y,class\r\n1,2,a\r\n3,4,b\r\n\r\n\r\n";
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc = read_text("crlf.csv", text, NULL, &d, &err, path, sizeof path);

    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 2);
    CU_ASSERT_EQUAL(d->ncols, 2);
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "x");
    CU_ASSERT_STRING_EQUAL(d->cols[1].name, "y");
    CU_ASSERT_STRING_EQUAL(d->label_name, "class");
    CU_ASSERT_STRING_EQUAL(d->label_names[1], "b");
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    nr_dataset_free(d);

    /* No trailing newline, and a blank line in the middle. */
    rc = read_text("nonl.csv", "x,y\n1,2\n\n3,4", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 2);
    CU_ASSERT_FALSE(d->has_labels);
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    CU_ASSERT_EQUAL(d->row_line[1], 4);
    nr_dataset_free(d);

    /* A column error on a BOM line counts characters after the BOM, and
     * characters rather than bytes. */
    expect_csv_error("\xEF\xBB\xBF" "\xC3\xA9t\xC3\xA9,b\n\xC3\xA0,2\n\xC3\xA9\xC3\xA9,x\n",
                     NULL, NR_EINVAL,
                     ":3:4: error: column 'b': expected a number, got 'x'");
}

static void test_csv_labels(void)
{
    nr_read_opts opts = {0};
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    /* "label" beats "class"; opts->label beats both. */
    rc = read_text("l.csv", "class,a,LABEL\nx,1,p\n", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(d->label_name, "LABEL");
    CU_ASSERT_EQUAL(d->ncols, 2);
    CU_ASSERT_EQUAL(d->cols[0].kind, NR_COL_NOMINAL);
    CU_ASSERT_EQUAL(d->cols[1].field, 2);
    nr_dataset_free(d);

    opts.label = "a";
    rc = read_text("l.csv", "class,a,LABEL\nx,1,p\n", &opts, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(d->label_name, "a");
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "1");
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "class");
    CU_ASSERT_STRING_EQUAL(d->cols[1].name, "LABEL");
    CU_ASSERT_EQUAL(d->cols[1].field, 3);
    nr_dataset_free(d);

    /* No label column at all; an unnamed column gets a name. */
    rc = read_text("l.csv", ",b\n1,2\n", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_FALSE(d->has_labels);
    CU_ASSERT_PTR_NULL(d->labels);
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "column_1");
    nr_dataset_free(d);

    opts.label = "y";
    expect_csv_error("a,b\n1,2\n", &opts, NR_EINVAL, ": error: no column 'y' in header");
    expect_csv_error("a,label\n1,x\n2,?\n", NULL, NR_EINVAL,
                     ":3:3: error: missing label in column 'label'");
    expect_csv_error("a,label\n1,\n", NULL, NR_EINVAL,
                     ":2:3: error: missing label in column 'label'");
}

static void test_csv_nominal_missing(void)
{
    const char *text =
        "color,size,n\n"
        "red,1,?\n"
        "blue,NA,2\n"
        ",3,NaN\n"
        "red,,4\n"
        "?,5e-1,\"\"\n";
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc = read_text("nom.csv", text, NULL, &d, &err, path, sizeof path);

    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 5);
    CU_ASSERT_EQUAL(d->cols[0].kind, NR_COL_NOMINAL);
    CU_ASSERT_EQUAL_FATAL(d->cols[0].nvalues, 2);
    CU_ASSERT_STRING_EQUAL(d->cols[0].values[0], "red");
    CU_ASSERT_STRING_EQUAL(d->cols[0].values[1], "blue");
    CU_ASSERT_EQUAL(X(d, 0, 0), 0.0f);
    CU_ASSERT_EQUAL(X(d, 1, 0), 1.0f);
    CU_ASSERT_TRUE(isnan(X(d, 2, 0)));
    CU_ASSERT_EQUAL(X(d, 3, 0), 0.0f);
    CU_ASSERT_TRUE(isnan(X(d, 4, 0)));
    CU_ASSERT_EQUAL(d->cols[1].kind, NR_COL_NUMERIC);
    CU_ASSERT_TRUE(isnan(X(d, 1, 1)));
    CU_ASSERT_TRUE(isnan(X(d, 3, 1)));
    CU_ASSERT_EQUAL(X(d, 4, 1), 0.5f);
    CU_ASSERT_TRUE(isnan(X(d, 0, 2)));
    CU_ASSERT_TRUE(isnan(X(d, 2, 2)));
    CU_ASSERT_TRUE(isnan(X(d, 4, 2)));
    CU_ASSERT_EQUAL(X(d, 3, 2), 4.0f);
    nr_dataset_free(d);
}

static void test_csv_errors(void)
{
    expect_csv_error("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n", NULL, NR_EFORMAT,
                     ":3: error: expected 5 fields, found 4");
    expect_csv_error("a,b\n1,2,3\n", NULL, NR_EFORMAT,
                     ":2: error: expected 2 fields, found 3");
    /* Numbers first: the error is at the word. */
    expect_csv_error("a,b\n1,2\n3,4\n5,  abc\n", NULL, NR_EINVAL,
                     ":4:5: error: column 'b': expected a number, got 'abc'");
    /* Word first: the error is still at the (first) word. */
    expect_csv_error("a,b\n1,x\n2,y\n3,7\n", NULL, NR_EINVAL,
                     ":2:3: error: column 'b': expected a number, got 'x'");
    expect_csv_error("a,b\n1,2\n1,1e999\n", NULL, NR_EINVAL,
                     ":3:3: error: column 'b': 1e999 is out of range for a float");
    /* past the largest float by more than half a step */
    expect_csv_error("a,b\n1,2\n1,-3.4028236e38\n", NULL, NR_EINVAL,
                     ":3:3: error: column 'b': -3.4028236e38 is out of range for a float");
    {
        /* FLT_MAX as printed with the fewest digits reads back as itself */
        char path[256];
        nr_dataset *d = NULL;
        nr_error err;
        CU_ASSERT_EQUAL_FATAL(read_text("t.csv", "a,b\n3.4028235e38,-3.4028235e38\n1e-50,2\n", NULL, &d, &err,
                                        path, sizeof path), 0);
        CU_ASSERT_EQUAL(X(d, 0, 0), FLT_MAX);
        CU_ASSERT_EQUAL(X(d, 0, 1), -FLT_MAX);
        CU_ASSERT(X(d, 1, 0) >= 0 && X(d, 1, 0) < 1e-37f);
        nr_dataset_free(d);
    }
    expect_csv_error("a,b,a\n1,2,3\n", NULL, NR_EFORMAT,
                     ":1:5: error: duplicate column name 'a' (also column 1)");
    expect_csv_error("", NULL, NR_EFORMAT, ": error: empty file (expected a header row)");
    expect_csv_error("\n  \n\r\n", NULL, NR_EFORMAT,
                     ": error: empty file (expected a header row)");
    {
        /* Binary junk given as text. */
        static const char bin[] = "a,b\n1,2\n3\0,4\n";
        char path[256], want[512];
        nr_dataset *d = NULL;
        nr_error err;
        tmp_path(path, sizeof path, "bin.csv");
        write_file(path, bin, sizeof bin - 1);
        nr_error_clear(&err);
        CU_ASSERT_EQUAL(nr_data_read(path, NULL, &d, &err), NR_EFORMAT);
        CU_ASSERT_PTR_NULL(d);
        unlink(path);
        snprintf(want, sizeof want, "%s:3:2: error: NUL byte in text: is this a binary file?",
                 path);
        CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    }
}

static void test_csv_header_only_and_gz(void)
{
    const char *text = "a,b,label\n1,2,x\n";
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    char want[512];
    int rc = read_text("h.csv", "a,b,label\n", NULL, &d, &err, path, sizeof path);

    /* no rows is an error, not an accuracy over 0 of 0 */
    CU_ASSERT_EQUAL(rc, NR_EFORMAT);
    CU_ASSERT_PTR_NULL(d);
    snprintf(want, sizeof want, "%s: error: no data rows", path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    /* lone CRs end lines (old Mac files) */
    rc = read_text("cr.csv", "a,b,label\r1,2,x\r3,4,y", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 2);
    CU_ASSERT_EQUAL(d->row_line[1], 3);
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    nr_dataset_free(d);
    /* text must be UTF-8: a Latin-1 label is refused where it is */
    rc = read_text("l1.csv", "a,b,label\n1,2,caf\xe9\n", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL(rc, NR_EFORMAT);
    snprintf(want, sizeof want, "%s:2:8: error: byte 0xE9 is not UTF-8: text files must be UTF-8",
             path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);

    tmp_path(path, sizeof path, "z.csv.gz");
    write_gz(path, text, strlen(text));
    rc = nr_data_read(path, NULL, &d, &err);
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 1);
    CU_ASSERT_EQUAL(X(d, 0, 1), 2.0f);
    nr_dataset_free(d);
}

/* --- ARFF ---------------------------------------------------------------- */

static void test_arff_weather(void)
{
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_data_read("tests/data/data_weather.arff", NULL, &d, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 3);
    CU_ASSERT_EQUAL(d->ncols, 4);
    /* The last attribute is nominal: it is the label. */
    CU_ASSERT_STRING_EQUAL(d->label_name, "play");
    CU_ASSERT_EQUAL(d->nlabels, 2);
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "yes");
    CU_ASSERT_EQUAL(d->labels[0], 1);
    CU_ASSERT_EQUAL(d->labels[2], 0);
    CU_ASSERT_EQUAL(d->cols[0].kind, NR_COL_NOMINAL);
    CU_ASSERT_EQUAL(d->cols[0].nvalues, 3);
    CU_ASSERT_STRING_EQUAL(d->cols[0].values[2], "rainy");
    CU_ASSERT_STRING_EQUAL(d->cols[2].name, "relative humidity");
    CU_ASSERT_EQUAL(d->cols[2].kind, NR_COL_NUMERIC);
    CU_ASSERT_EQUAL(X(d, 0, 0), 0.0f);
    CU_ASSERT_EQUAL(X(d, 2, 0), 2.0f);
    CU_ASSERT_EQUAL(X(d, 1, 1), 83.0f);
    CU_ASSERT_TRUE(isnan(X(d, 1, 2)));
    CU_ASSERT_EQUAL(X(d, 2, 3), 0.0f);  /* 'TRUE' */
    CU_ASSERT_EQUAL(X(d, 0, 3), 1.0f);
    CU_ASSERT_EQUAL(d->row_line[0], 12);
    CU_ASSERT_EQUAL(d->row_line[2], 15);
    nr_dataset_free(d);
}

static void test_arff_label_rules(void)
{
    nr_read_opts opts = {0};
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    /* An attribute named class wins over the last nominal one. */
    rc = read_text("c.arff",
                   "@relation r\n@attribute CLASS {p,q}\n@attribute x real\n"
                   "@attribute k {u,v}\n@data\nq,1.5,v\n",
                   NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(d->label_name, "CLASS");
    CU_ASSERT_EQUAL(d->labels[0], 1);
    CU_ASSERT_EQUAL(d->ncols, 2);
    CU_ASSERT_EQUAL(X(d, 0, 1), 1.0f);
    nr_dataset_free(d);

    /* Last attribute numeric and none named class: no label. */
    rc = read_text("n.arff", "@relation r\n@attribute a {p,q}\n@attribute x integer\n"
                   "@data\np,3\n", NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_FALSE(d->has_labels);
    CU_ASSERT_EQUAL(d->ncols, 2);
    nr_dataset_free(d);

    /* A numeric label chosen by name: values kept as text. */
    opts.label = "x";
    rc = read_text("n.arff", "@relation r\n@attribute a {p,q}\n@attribute x integer\n"
                   "@data\np,3\nq,1\np,3\n", &opts, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nlabels, 2);
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "3");
    CU_ASSERT_EQUAL(d->labels[1], 1);
    nr_dataset_free(d);
    /* A byte order mark and CRLF line ends. */
    rc = read_text("bom.arff",
                   "\xEF\xBB\xBF@relation r\r\n@attribute x real\r\n@attribute class {a,b}\r\n"
                   "@data\r\n1,b\r\n",
                   NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 1);
    CU_ASSERT_STRING_EQUAL(d->label_names[d->labels[0]], "b");
    nr_dataset_free(d);
}

static void test_arff_errors(void)
{
    char path[256], want[512];
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_data_read("tests/data/data_string.arff", NULL, &d, &err);
    CU_ASSERT_EQUAL(rc, NR_EUNSUP);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_STRING_EQUAL(fmt(&err),
                           "tests/data/data_string.arff:3:17: error: attribute 'text': "
                           "string attributes are not supported (only numeric and nominal)");

    expect_arff_error("@relation r\n@attribute a real\n@attribute class {x,y}\n@data\n"
                      "{0 1.5, 1 x}\n", NR_EUNSUP,
                      ":5:1: error: sparse ARFF rows are not supported");
    expect_arff_error("@relation r\n@attribute a real\n@attribute class {x,y}\n@data\n"
                      "1,x\n2,?\n", NR_EINVAL,
                      ":6:3: error: missing label ('class')");
    expect_arff_error("@relation r\n@attribute a real\n@attribute class {x,y}\n@data\n"
                      "1,z\n", NR_EINVAL,
                      ":5:3: error: attribute 'class': 'z' is not one of its values (x, y)");
    expect_arff_error("@relation r\n@attribute a real\n@attribute class {x,y}\n@data\n"
                      "1\n", NR_EFORMAT, ":5: error: expected 2 fields, found 1");
    expect_arff_error("@relation r\n@attribute a real\n@attribute class {x,y}\n@data\n"
                      "one,x\n", NR_EINVAL,
                      ":5:1: error: attribute 'a': expected a number, got 'one'");
    expect_arff_error("@relation r\n@attribute a real\n@attribute a {x,y}\n@data\n",
                      NR_EFORMAT, ":3:12: error: duplicate attribute name 'a'");
    expect_arff_error("@relation r\n@attribute a real\n", NR_EFORMAT,
                      ": error: no @data section");
    expect_arff_error("@relation r\n@attribute a complex\n@data\n", NR_EFORMAT,
                      ":2:14: error: attribute 'a': unknown type 'complex'");
    expect_arff_error("@relation r\n@attribute d date 'yyyy'\n@data\n", NR_EUNSUP,
                      ":2:14: error: attribute 'd': date attributes are not supported "
                      "(only numeric and nominal)");

    (void)path;
    (void)want;
}

/* --- IDX ----------------------------------------------------------------- */

/* An IDX header for ubyte data with the given dimensions into h; its size. */
static size_t idx_header(unsigned char *h, int ndims, const uint32_t *dims)
{
    h[0] = 0;
    h[1] = 0;
    h[2] = 0x08;
    h[3] = (unsigned char)ndims;
    for (int i = 0; i < ndims; i++) {
        h[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
        h[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
        h[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
        h[7 + 4 * i] = (unsigned char)dims[i];
    }
    return 4 + 4 * (size_t)ndims;
}

/* 3 images of 2x3 pixels, pixel value 10*image + index; labels 2, 0, 2. */
static size_t small_images(unsigned char *buf)
{
    const uint32_t dims[3] = {3, 2, 3};
    size_t n = idx_header(buf, 3, dims);
    for (int i = 0; i < 3; i++)
        for (int p = 0; p < 6; p++)
            buf[n++] = (unsigned char)(10 * i + p + (i == 2 ? 200 : 0));
    return n;
}

static size_t small_labels(unsigned char *buf)
{
    const uint32_t dims[1] = {3};
    size_t n = idx_header(buf, 1, dims);
    buf[n++] = 2;
    buf[n++] = 0;
    buf[n++] = 2;
    return n;
}

static void check_small_images(const nr_dataset *d)
{
    CU_ASSERT_EQUAL_FATAL(d->nrows, 3);
    CU_ASSERT_EQUAL_FATAL(d->ncols, 6);
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "px_0_0");
    CU_ASSERT_STRING_EQUAL(d->cols[2].name, "px_0_2");
    CU_ASSERT_STRING_EQUAL(d->cols[4].name, "px_1_1");
    CU_ASSERT_EQUAL(X(d, 0, 0), 0.0f);
    CU_ASSERT_EQUAL(X(d, 1, 5), 15.0f);
    CU_ASSERT_EQUAL(X(d, 2, 5), 225.0f);
    CU_ASSERT_EQUAL(d->row_line[2], 0);
}

static void test_idx_plain(void)
{
    unsigned char img[64], lab[16];
    char ipath[256], lpath[256];
    nr_read_opts opts = {0};
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    tmp_path(ipath, sizeof ipath, "img.idx");
    tmp_path(lpath, sizeof lpath, "lab.idx");
    write_file(ipath, img, small_images(img));
    write_file(lpath, lab, small_labels(lab));
    opts.labels_path = lpath;
    nr_error_clear(&err);
    rc = nr_data_read(ipath, &opts, &d, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    check_small_images(d);
    CU_ASSERT_TRUE(d->has_labels);
    CU_ASSERT_EQUAL(d->nlabels, 3);
    CU_ASSERT_STRING_EQUAL(d->label_names[1], "1");
    CU_ASSERT_EQUAL(d->labels[0], 2);
    CU_ASSERT_EQUAL(d->labels[1], 0);
    nr_dataset_free(d);

    /* Without labels. */
    rc = nr_data_read(ipath, NULL, &d, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_FALSE(d->has_labels);
    nr_dataset_free(d);
    unlink(ipath);
    unlink(lpath);
}

static void test_idx_gz(void)
{
    unsigned char img[64], lab[16];
    char ipath[256], lpath[256];
    nr_read_opts opts = {0};
    nr_dataset *d = NULL;
    nr_error err;
    int rc;

    tmp_path(ipath, sizeof ipath, "train-images-idx3-ubyte.gz");
    tmp_path(lpath, sizeof lpath, "train-labels-idx1-ubyte.gz");
    write_gz(ipath, img, small_images(img));
    write_gz(lpath, lab, small_labels(lab));
    opts.labels_path = lpath;
    nr_error_clear(&err);
    rc = nr_data_read(ipath, &opts, &d, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    check_small_images(d);
    CU_ASSERT_EQUAL(d->labels[2], 2);
    nr_dataset_free(d);
    unlink(ipath);
    unlink(lpath);
}

/* A gzip stream without its 8-byte trailer (CRC and length) is truncated,
 * and a bad CRC names the file, not zlib's "<fd:N>". */
static void test_idx_gz_trailer(void)
{
    const uint32_t dims[2] = {2, 3};
    unsigned char buf[32], *gz;
    char path[256], want[600];
    nr_dataset *d = NULL;
    nr_error err;
    size_t n = idx_header(buf, 2, dims);
    long len;
    FILE *f;

    memset(buf + n, 7, 6);
    n += 6;
    tmp_path(path, sizeof path, "cut.idx.gz");
    write_gz(path, buf, n);
    CU_ASSERT_FATAL((f = fopen(path, "rb")) != NULL);
    gz = malloc(4096);
    len = (long)fread(gz, 1, 4096, f);
    fclose(f);
    CU_ASSERT_FATAL(len > 8);
    write_file(path, gz, (size_t)len - 8);
    CU_ASSERT_EQUAL(nr_data_read(path, NULL, &d, &err), NR_EFORMAT);
    CU_ASSERT_PTR_NULL(d);
    snprintf(want, sizeof want, "%s: error: truncated gzip data: the file ends before the gzip "
             "trailer (CRC and length)", path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    gz[len - 8] ^= 0xff;
    write_file(path, gz, (size_t)len);
    CU_ASSERT_EQUAL(nr_data_read(path, NULL, &d, &err), NR_EFORMAT);
    snprintf(want, sizeof want, "%s: error: corrupt gzip data: incorrect data check", path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    unlink(path);
    free(gz);
}

static void test_idx_2d(void)
{
    const uint32_t dims[2] = {2, 3};
    unsigned char buf[32];
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    size_t n = idx_header(buf, 2, dims);
    int rc;

    for (int i = 0; i < 6; i++)
        buf[n++] = (unsigned char)i;
    tmp_path(path, sizeof path, "feat.idx");
    write_file(path, buf, n);
    rc = nr_data_read(path, NULL, &d, &err);
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nrows, 2);
    CU_ASSERT_EQUAL(d->ncols, 3);
    CU_ASSERT_STRING_EQUAL(d->cols[2].name, "f_2");
    CU_ASSERT_EQUAL(X(d, 1, 2), 5.0f);
    nr_dataset_free(d);
}

static void expect_idx_error(const char *name, const unsigned char *buf, size_t n,
                             int gz, const char *labels_name,
                             const unsigned char *lbuf, size_t ln, int rc,
                             const char *which, const char *expect_tail)
{
    char path[256], lpath[256], want[512];
    nr_read_opts opts = {0};
    nr_dataset *d = (nr_dataset *)1;
    nr_error err;
    int got;

    tmp_path(path, sizeof path, name);
    if (gz)
        write_gz(path, buf, n);
    else
        write_file(path, buf, n);
    if (labels_name) {
        tmp_path(lpath, sizeof lpath, labels_name);
        write_file(lpath, lbuf, ln);
        opts.labels_path = lpath;
    }
    nr_error_clear(&err);
    got = nr_data_read(path, &opts, &d, &err);
    CU_ASSERT_EQUAL(got, rc);
    CU_ASSERT_PTR_NULL(d);
    snprintf(want, sizeof want, "%s%s", which && strcmp(which, "labels") == 0 ? lpath : path,
             expect_tail);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    if (strcmp(fmt(&err), want) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", fmt(&err), want);
    unlink(path);
    if (labels_name)
        unlink(lpath);
}

static void test_idx_errors(void)
{
    unsigned char img[64], lab[16];
    size_t n = small_images(img), ln = small_labels(lab);

    /* 16 header bytes + 7 of the 18 pixel bytes. */
    expect_idx_error("t.idx", img, 16 + 7, 0, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 23: error: truncated: expected 18 bytes of pixel data, "
                     "found 7");
    expect_idx_error("t.idx.gz", img, 16 + 7, 1, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 23: error: truncated: expected 18 bytes of pixel data, "
                     "found 7");
    expect_idx_error("t.idx", img, 10, 0, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 10: error: truncated header: expected 16 bytes, found 10");
    expect_idx_error("t.idx", img, n + 1, 0, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 34: error: more data than the header describes");
    img[2] = 0x0D;
    expect_idx_error("t.idx", img, n, 0, NULL, NULL, 0, NR_EUNSUP, NULL,
                     ": byte 2: error: IDX element type 0x0d is not supported "
                     "(only 0x08, unsigned bytes)");
    img[2] = 0x08;
    img[0] = 0x89;
    expect_idx_error("t.idx", img, n, 0, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 0: error: not an IDX file (magic 89 00 08 03)");
    img[0] = 0;
    /* Two labels for three images. */
    lab[7] = 2;
    expect_idx_error("t.idx", img, n, 0, "l.idx", lab, ln - 1, NR_EINVAL, "labels",
                     ": byte 4: error: 2 labels for 3 images");
    lab[7] = 3;
    expect_idx_error("t.idx", img, n, 0, "l.idx", lab, ln - 1, NR_EFORMAT, "labels",
                     ": byte 10: error: truncated: expected 3 labels, found 2");
    expect_idx_error("t.idx", img, n, 0, "l.idx", img, n, NR_EFORMAT, "labels",
                     ": byte 3: error: a labels file has 1 dimension, this one 3");
}

static void test_idx_huge_claim(void)
{
    unsigned char buf[100];
    uint32_t dims[3] = {1u << 30, 1, 1};
    clock_t t0 = clock();

    memset(buf, 7, sizeof buf);
    idx_header(buf, 3, dims);
    /* 2^30 one-pixel images: within the limits, so it is the reading that
     * has to find out, without allocating for the claim. */
    expect_idx_error("huge.idx", buf, sizeof buf, 0, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 100: error: truncated: expected 1073741824 bytes of "
                     "pixel data, found 84");
    expect_idx_error("huge.idx.gz", buf, sizeof buf, 1, NULL, NULL, 0, NR_EFORMAT, NULL,
                     ": byte 100: error: truncated: expected 1073741824 bytes of "
                     "pixel data, found 84");
    /* 2^30 MNIST-sized images: refused from the header. */
    dims[1] = dims[2] = 28;
    idx_header(buf, 3, dims);
    expect_idx_error("huge.idx", buf, sizeof buf, 0, NULL, NULL, 0, NR_ELIMIT, NULL,
                     ": byte 4: error: 1073741824 images of 784 values: more than "
                     "nn2rules accepts (2^31 values, 2^24 per image)");
    CU_ASSERT_TRUE((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_read_dispatch(void)
{
    nr_dataset *d = (nr_dataset *)1;
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_data_read("foo.txt", NULL, &d, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_STRING_EQUAL(fmt(&err), "error: cannot tell the format of 'foo.txt' "
                                      "(expected .csv, .arff or .idx)");
    rc = nr_data_read("tests/data/no-such-file.csv", NULL, &d, &err);
    CU_ASSERT_EQUAL(rc, NR_EIO);
    CU_ASSERT_STRING_EQUAL(fmt(&err), "tests/data/no-such-file.csv: error: cannot open: "
                                      "No such file or directory");
    rc = nr_data_read("tests/data/no-such-file.arff.gz", NULL, &d, &err);
    CU_ASSERT_EQUAL(rc, NR_EIO);
    rc = nr_data_read("tests/data/no-such-file-idx3-ubyte", NULL, &d, &err);
    CU_ASSERT_EQUAL(rc, NR_EIO);
}

/* --- matching a model ---------------------------------------------------- */

/* A model with only the metadata the matcher looks at; features and
 * classes may be NULL. */
static nn_model *make_model(int nin, const char *const *features, int ncls,
                            const char *const *classes)
{
    nn_model *m = calloc(1, sizeof *m);
    CU_ASSERT_FATAL(m != NULL);
    m->input.c = nin;
    m->input.h = 1;
    m->input.w = 1;
    m->task = NN_TASK_CLASSIFY;
    if (features) {
        m->nfeatures = nin;
        m->features = calloc((size_t)nin, sizeof *m->features);
        CU_ASSERT_FATAL(m->features != NULL);
        for (int i = 0; i < nin; i++) {
            m->features[i].name = strdup(features[i]);
            m->features[i].group = -1;
        }
    }
    m->nclasses = ncls;
    if (classes) {
        m->class_names = calloc((size_t)ncls, sizeof *m->class_names);
        CU_ASSERT_FATAL(m->class_names != NULL);
        for (int i = 0; i < ncls; i++)
            m->class_names[i] = strdup(classes[i]);
    }
    return m;
}

static void free_model(nn_model *m)
{
    if (m->features)
        for (int i = 0; i < m->nfeatures; i++)
            free(m->features[i].name);
    free(m->features);
    if (m->class_names)
        for (int i = 0; i < m->nclasses; i++)
            free(m->class_names[i]);
    free(m->class_names);
    free(m);
}

static nr_dataset *csv(const char *text)
{
    char path[256];
    nr_dataset *d = NULL;
    nr_error err;
    int rc = read_text("m.csv", text, NULL, &d, &err, path, sizeof path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return d;
}

static void test_match_by_name(void)
{
    static const char *const feats[] = {"c", "A"};
    nn_model *m = make_model(2, feats, 0, NULL);
    nr_dataset *d = csv("a,b,c,color\n1,2,3,red\n4,5,6,blue\n");
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->ncols, 2);
    CU_ASSERT_EQUAL(d->nrows, 2);
    CU_ASSERT_STRING_EQUAL(d->cols[0].name, "c");
    CU_ASSERT_STRING_EQUAL(d->cols[1].name, "a");   /* found ignoring case */
    CU_ASSERT_EQUAL(d->cols[1].field, 1);
    CU_ASSERT_EQUAL(X(d, 0, 0), 3.0f);
    CU_ASSERT_EQUAL(X(d, 0, 1), 1.0f);
    CU_ASSERT_EQUAL(X(d, 1, 0), 6.0f);
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    nr_dataset_free(d);
    free_model(m);

    /* A nominal column is fine: its numbers are the value indices. */
    static const char *const feats2[] = {"color", "b"};
    m = make_model(2, feats2, 0, NULL);
    d = csv("a,b,c,color\n1,2,3,red\n4,5,6,blue\n");
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->cols[0].kind, NR_COL_NOMINAL);
    CU_ASSERT_EQUAL_FATAL(d->cols[0].nvalues, 2);
    CU_ASSERT_STRING_EQUAL(d->cols[0].values[1], "blue");
    CU_ASSERT_EQUAL(X(d, 1, 0), 1.0f);
    CU_ASSERT_EQUAL(X(d, 1, 1), 5.0f);
    nr_dataset_free(d);
    free_model(m);
}

static void test_match_errors(void)
{
    static const char *const feats[] = {"a", "petal_width"};
    nn_model *m = make_model(2, feats, 0, NULL);
    nr_dataset *d = csv("a,b,c\n1,2,3\n");
    nr_dataset before = *d;
    char want[512];
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    snprintf(want, sizeof want,
             "%s: error: no column for feature 'petal_width' (the data has: a, b, c)",
             d->path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    /* On failure nothing changed. */
    CU_ASSERT_EQUAL(memcmp(&before, d, sizeof before), 0);
    CU_ASSERT_EQUAL(d->ncols, 3);
    CU_ASSERT_EQUAL(X(d, 0, 2), 3.0f);
    nr_dataset_free(d);
    free_model(m);

    /* Without feature names the count must agree. */
    m = make_model(2, NULL, 0, NULL);
    d = csv("a,b,c\n1,2,3\n");
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    snprintf(want, sizeof want,
             "%s: error: the model takes 2 inputs, the data has 3 columns", d->path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    nr_dataset_free(d);
    d = csv("x,y\n1,2\n3,4\n");
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(X(d, 1, 1), 4.0f);
    nr_dataset_free(d);

    /* A missing value left after the selection; b's is field 3 because
     * the label comes first. */
    d = csv("label,a,b,c\nx,1,2,?\nx,1,,3\n");
    before = *d;
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    CU_ASSERT_EQUAL(memcmp(&before, d, sizeof before), 0);
    free_model(m);
    static const char *const feats2[] = {"a", "b"};
    m = make_model(2, feats2, 0, NULL);
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    snprintf(want, sizeof want, "%s:3: error: missing value in field 3 ('b')", d->path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    nr_dataset_free(d);
    free_model(m);

    /* A long column list is cut. */
    {
        char text[4096];
        size_t pos = 0;
        static const char *const f1[] = {"zzz"};
        for (int i = 0; i < 100; i++)
            pos += (size_t)snprintf(text + pos, sizeof text - pos, "%scolumn_name_%d",
                                    i ? "," : "", i);
        /* and one row: a file without rows is refused before matching */
        for (int i = 0; i < 100; i++)
            pos += (size_t)snprintf(text + pos, sizeof text - pos, "%s1", i ? "," : "\n");
        snprintf(text + pos, sizeof text - pos, "\n");
        m = make_model(1, f1, 0, NULL);
        d = csv(text);
        rc = nr_dataset_match_model(d, m, &err);
        CU_ASSERT_EQUAL(rc, NR_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&err), "column_name_0, column_name_1, "));
        CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&err), ", ...)"));
        nr_dataset_free(d);
        free_model(m);
    }
}

static void test_match_labels(void)
{
    static const char *const feats[] = {"a"};
    static const char *const classes[] = {"setosa", "versicolor", "virginica"};
    nn_model *m = make_model(1, feats, 3, classes);
    nr_dataset *d = csv("a,class\n1,virginica\n2,setosa\n3,1\n4,virginica\n");
    nr_dataset before;
    char want[512];
    nr_error err;
    int rc;

    nr_error_clear(&err);
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nlabels, 3);
    CU_ASSERT_STRING_EQUAL(d->label_names[0], "setosa");
    CU_ASSERT_STRING_EQUAL(d->label_names[2], "virginica");
    CU_ASSERT_EQUAL(d->labels[0], 2);
    CU_ASSERT_EQUAL(d->labels[1], 0);
    CU_ASSERT_EQUAL(d->labels[2], 1);   /* "1" is a class index */
    CU_ASSERT_EQUAL(d->labels[3], 2);
    nr_dataset_free(d);

    d = csv("a,class\n1,setosa\n2,foo\n3,3\n");
    before = *d;
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    snprintf(want, sizeof want,
             "%s:3: error: label 'foo' is not one of the model's classes "
             "(setosa, versicolor, virginica)", d->path);
    CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    CU_ASSERT_EQUAL(memcmp(&before, d, sizeof before), 0);
    CU_ASSERT_STRING_EQUAL(d->label_names[1], "foo");
    nr_dataset_free(d);
    free_model(m);

    /* No class names: integer labels are class indices... */
    m = make_model(1, feats, 3, NULL);
    d = csv("a,label\n1,2\n2,0\n3,2.0\n");
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(d->nlabels, 3);
    CU_ASSERT_STRING_EQUAL(d->label_names[1], "1");
    CU_ASSERT_EQUAL(d->labels[0], 2);
    CU_ASSERT_EQUAL(d->labels[1], 0);
    CU_ASSERT_EQUAL(d->labels[2], 2);
    nr_dataset_free(d);

    /* ...anything else matches no class, and would make every row wrong:
     * an error, not an accuracy of 0 */
    d = csv("a,label\n1,b\n2,a\n");
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL(rc, NR_EINVAL);
    {
        char want[600];
        snprintf(want, sizeof want, "%s:2: error: label 'b': the model has no class names, so "
                 "labels must be class numbers 0 to 2 (or name the classes with --classes)",
                 d->path);
        CU_ASSERT_STRING_EQUAL(fmt(&err), want);
    }
    CU_ASSERT_EQUAL(d->nlabels, 2);
    nr_dataset_free(d);
    free_model(m);
}

static void test_match_idx(void)
{
    static const char *const classes[] = {"zero", "one", "two"};
    unsigned char img[64], lab[16];
    char ipath[256], lpath[256];
    nr_read_opts opts = {0};
    nr_dataset *d = NULL;
    nn_model *m = make_model(6, NULL, 3, classes);
    nr_error err;
    int rc;

    tmp_path(ipath, sizeof ipath, "img.idx");
    tmp_path(lpath, sizeof lpath, "lab.idx");
    write_file(ipath, img, small_images(img));
    write_file(lpath, lab, small_labels(lab));
    opts.labels_path = lpath;
    nr_error_clear(&err);
    rc = nr_data_read(ipath, &opts, &d, &err);
    unlink(ipath);
    unlink(lpath);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    rc = nr_dataset_match_model(d, m, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(d->label_names[2], "two");
    CU_ASSERT_EQUAL(d->labels[0], 2);
    CU_ASSERT_EQUAL(X(d, 2, 5), 225.0f);
    nr_dataset_free(d);
    free_model(m);
}

static const cutest tests[] = {
    {"csv: basic file, label named class", test_csv_basic},
    {"csv: quoting, escapes, embedded newline", test_csv_quoting},
    {"csv: CRLF, BOM, blank lines, character columns", test_csv_crlf_bom},
    {"csv: label column detection and errors", test_csv_labels},
    {"csv: nominal columns and missing values", test_csv_nominal_missing},
    {"csv: field counts, non-numbers, duplicates, empty", test_csv_errors},
    {"csv: header only; gzip'd", test_csv_header_only_and_gz},
    {"arff: numeric, nominal, quoted, ?", test_arff_weather},
    {"arff: which attribute is the label", test_arff_label_rules},
    {"arff: string, sparse, bad values refused", test_arff_errors},
    {"idx: plain images and labels", test_idx_plain},
    {"idx: gzip'd, MNIST file names", test_idx_gz},
    {"idx: two dimensions", test_idx_2d},
    {"idx: truncated and inconsistent files", test_idx_errors},
    {"idx: huge claims fail fast", test_idx_huge_claim},
    {"read: dispatch and open errors", test_read_dispatch},
    {"match: by name, reordered, extra dropped", test_match_by_name},
    {"match: missing column, counts, missing values", test_match_errors},
    {"idx: gzip trailer missing or wrong", test_idx_gz_trailer},
    {"match: labels onto class names", test_match_labels},
    {"match: idx labels onto class names", test_match_idx},
    {NULL, NULL}
};

CUTEST_MAIN("data", tests)
