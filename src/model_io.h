/*
 * model_io.h - reading and writing model.bin, nn2rules' own model file.
 *
 * Front end of the pipeline (model readers -> nn_model).  The format is
 * chunked, versioned and CRC-checked; man/nn2rules-model.5 documents it byte
 * by byte.  A reader refuses a truncated, corrupt or absurd file with a
 * message that names the byte offset, and never allocates a size that the
 * file merely claims: every size is checked against the bytes that remain.
 *
 * Ownership: on success *out is a finalized model the caller frees with
 * nn_model_free(); on failure *out is NULL and nothing leaks.
 */
#ifndef NR_MODEL_IO_H
#define NR_MODEL_IO_H

#include <stddef.h>

#include "error.h"
#include "nn.h"

#define NR_MODEL_MAJOR 1
#define NR_MODEL_MINOR 0
#define NR_MODEL_MAX_FILE ((size_t)1 << 31) /* 2 GiB */

/* Read a model file (model.bin).  path is also used in messages. */
int nr_model_read(const char *path, nn_model **out, nr_error *err);

/* The same from memory; name is used in messages. */
int nr_model_read_mem(const unsigned char *buf, size_t len, const char *name,
                      nn_model **out, nr_error *err);

/* Serialize a finalized model.  *buf is malloc'd; the caller frees it. */
int nr_model_write_mem(const nn_model *m, unsigned char **buf, size_t *len,
                       nr_error *err);

/* Write to path atomically (temporary file in the same directory, then
 * rename), so a failure never leaves a half-written or clobbered file. */
int nr_model_write(const char *path, const nn_model *m, nr_error *err);

#endif
