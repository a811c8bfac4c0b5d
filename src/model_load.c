/*
 * model_load.c - choosing the model reader (see model_load.h).
 */
#include "model_load.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "fileio.h"
#include "model_io.h"
#include "onnx.h"

static const unsigned char BIN_MAGIC[4] = {0x89, 'N', '2', 'R'};

int nr_model_load(const char *path, nn_model **out, nr_model_format *format, uint32_t *crc,
                  nr_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0, n = strlen(path);
    int rc, onnx;
    *out = NULL;
    if ((rc = nr_read_file(path, NR_MODEL_MAX_FILE, &buf, &len, err)) < 0)
        return rc;
    if (len >= 4 && memcmp(buf, BIN_MAGIC, 4) == 0)
        onnx = 0;
    else
        onnx = (n >= 5 && strcasecmp(path + n - 5, ".onnx") == 0) || nr_onnx_sniff(buf, len);
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
