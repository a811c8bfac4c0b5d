/*
 * model_load.h - open a model file of any format nn2rules reads.
 *
 * The format is told by content: model.bin starts with its magic bytes
 * (0x89 'N' '2' 'R' ...); a file ending in .onnx, or whose first bytes
 * look like an ONNX ModelProto, goes to the ONNX reader; anything else to
 * the model.bin reader, which says what is wrong with it.
 *
 * Ownership: as nr_model_read(): *out is a finalized model the caller frees
 * with nn_model_free(), NULL on failure.
 */
#ifndef NR_MODEL_LOAD_H
#define NR_MODEL_LOAD_H

#include <stdint.h>

#include "error.h"
#include "nn.h"

typedef enum nr_model_format {
    NR_FORMAT_BIN = 0,
    NR_FORMAT_ONNX = 1
} nr_model_format;

/* Read path with the reader its content calls for; *format (may be NULL)
 * says which, and *crc (may be NULL) is the CRC-32 of the whole file, for
 * the provenance of what is extracted from it. */
int nr_model_load(const char *path, nn_model **out, nr_model_format *format,
                  uint32_t *crc, nr_error *err);

/* The format an output file's name asks for: .bin is model.bin, .onnx
 * ONNX (either case).  0, or -1 for any other name. */
int nr_model_format_for_output(const char *path, nr_model_format *format);

/* Whether a model file that nr_model_load() read is in ONNX (1) or not
 * (0): it does not start with model.bin's magic.  -1 when it cannot be
 * read again (a pipe). */
int nr_model_file_is_onnx(const char *path);

#endif
