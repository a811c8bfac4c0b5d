/*
 * model_load.c - choosing the model reader (see model_load.h).
 */
#include "model_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fileio.h"
#include "model_io.h"
#include "onnx.h"

static const unsigned char BIN_MAGIC[4] = {0x89, 'N', '2', 'R'};

static int has_onnx_ext(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcasecmp(path + n - 5, ".onnx") == 0;
}

/* The first bytes of a file that cannot be a model (neither model.bin's
 * magic nor the tag of a ModelProto field, nor named .onnx) get the
 * model.bin reader's "bad magic" before the rest is read: nr_model_load
 * on /dev/zero reads 64 KiB, not 2 GiB. */
static int check_head(const unsigned char *head, size_t len, const char *path, nr_error *err)
{
    static const unsigned char onnx_tags[] = {0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72};
    nn_model *m = NULL;
    int rc;
    if (memcmp(head, BIN_MAGIC, len < 4 ? len : 4) == 0 || has_onnx_ext(path) ||
        memchr(onnx_tags, head[0], sizeof onnx_tags))
        return 0;
    if ((rc = nr_model_read_mem(head, len, path, &m, err)) == 0)
        nn_model_free(m); /* cannot be: the magic is wrong */
    return rc;
}

int nr_model_load(const char *path, nn_model **out, nr_model_format *format, uint32_t *crc,
                  nr_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc, onnx;
    *out = NULL;
    if ((rc = nr_read_file_checked(path, NR_MODEL_MAX_FILE, check_head, &buf, &len, err)) < 0)
        return rc;
    if (len >= 4 && memcmp(buf, BIN_MAGIC, 4) == 0)
        onnx = 0;
    else
        onnx = has_onnx_ext(path) || nr_onnx_sniff(buf, len);
    if (format)
        *format = onnx ? NR_FORMAT_ONNX : NR_FORMAT_BIN;
    if (crc)
        *crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)len);
    if (onnx)
        rc = nr_onnx_read_mem(buf, len, path, out, err);
    else
        rc = nr_model_read_mem(buf, len, path, out, err);
    free(buf);
    return rc;
}

int nr_model_format_for_output(const char *path, nr_model_format *format)
{
    size_t n = strlen(path);
    if (has_onnx_ext(path)) {
        *format = NR_FORMAT_ONNX;
        return 0;
    }
    if (n >= 4 && strcasecmp(path + n - 4, ".bin") == 0) {
        *format = NR_FORMAT_BIN;
        return 0;
    }
    return -1;
}

int nr_model_file_is_onnx(const char *path)
{
    unsigned char head[4];
    FILE *f = fopen(path, "rb");
    size_t n;
    struct stat st;
    if (!f)
        return -1;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return -1;
    }
    n = fread(head, 1, sizeof head, f);
    fclose(f);
    return !(n == sizeof head && memcmp(head, BIN_MAGIC, sizeof head) == 0);
}
