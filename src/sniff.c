/*
 * sniff.c - guessing a file's kind from its first bytes (see sniff.h).
 */
#include "sniff.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "onnx.h"

static const unsigned char BIN_MAGIC[4] = {0x89, 'N', '2', 'R'};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* p starts with word followed by a space, '{' or the end of the data. */
static int starts_word(const unsigned char *p, const unsigned char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 && (p + n == end || is_space(p[n]) || p[n] == '{');
}

nr_file_kind nr_sniff_mem(const unsigned char *buf, size_t len)
{
    const unsigned char *p = buf, *end = buf + len, *q;
    int binary = 0;
    if (len >= 4 && memcmp(buf, BIN_MAGIC, 4) == 0)
        return NR_KIND_MODEL_BIN;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == 0 || (buf[i] < 0x20 && !is_space(buf[i]) && buf[i] != '\f'))
            binary = 1;
    if (binary)
        return nr_onnx_sniff(buf, len) ? NR_KIND_ONNX : NR_KIND_UNKNOWN;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && is_space(*p))
        p++;
    if (p < end && *p == '#')
        return NR_KIND_RULES;
    if (starts_word(p, end, "provenance") || starts_word(p, end, "features"))
        return NR_KIND_RULES;
    /* ARFF: @relation, or the '%' comments that often come before it (for
     * longer than the bytes looked at) */
    if ((p < end && *p == '%') || ((size_t)(end - p) >= 9 && strncasecmp((const char *)p, "@relation", 9) == 0))
        return NR_KIND_ARFF;
    for (q = p; q < end && *q != '\n'; q++)
        if (*q == ',')
            return NR_KIND_CSV;
    return NR_KIND_UNKNOWN;
}

nr_file_kind nr_sniff_file(const char *path)
{
    unsigned char buf[4096];
    size_t n;
    FILE *f;
    struct stat st;
    /* only a regular file: a FIFO has been read already, and would block */
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(path, "rb")))
        return NR_KIND_UNKNOWN;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return nr_sniff_mem(buf, n);
}

const char *nr_kind_name(nr_file_kind k)
{
    switch (k) {
    case NR_KIND_MODEL_BIN: return "a model (model.bin)";
    case NR_KIND_ONNX: return "a model (ONNX)";
    case NR_KIND_RULES: return "a rules file";
    case NR_KIND_ARFF: return "a data file (ARFF)";
    case NR_KIND_CSV: return "a data file (CSV)";
    case NR_KIND_UNKNOWN: break;
    }
    return "a file of unknown kind";
}
