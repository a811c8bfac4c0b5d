/*
 * onnx.h - the ONNX model reader.
 *
 * Front end of the pipeline (model readers -> nn_model), next to
 * model_io.h's model.bin reader.  It decodes the ONNX protobuf with a
 * wire-format reader of its own (pb.h) that knows only the messages and
 * fields nn2rules needs, then maps the graph, which must be a chain from
 * one input to one output, onto the runtime's layers.  man/nn2rules.1
 * lists the operators it takes.
 *
 * Every refusal (an unsupported operator, a branch, a shape it cannot
 * resolve, a tensor whose data disagrees with its dims) is one message
 * that names the node, its operator and why, with the byte offset of the
 * node in the file.  Nothing is allocated before the bytes it stands for
 * have been seen.
 *
 * The writer (onnx_write.c) goes the other way: a model becomes a chain of
 * standard operators that this reader maps back onto the same layers, with
 * the input normalization as Sub and Div nodes in front, so that the graph
 * takes raw inputs as model.bin does.
 *
 * Ownership: on success *out is a finalized model the caller frees with
 * nn_model_free(); on failure *out is NULL and nothing leaks.  A written
 * buffer is malloc'd and the caller's.
 */
#ifndef NR_ONNX_H
#define NR_ONNX_H

#include <stddef.h>

#include "error.h"
#include "nn.h"

/* Operator set versions of the default domain that the reader maps. */
#define NR_ONNX_OPSET_MIN 9
#define NR_ONNX_OPSET_MAX 17
/* The opset the writer declares. */
#define NR_ONNX_OPSET_WRITE 13

/* Read an ONNX model file.  path is also used in messages. */
int nr_onnx_read(const char *path, nn_model **out, nr_error *err);

/* The same from memory; name is used in messages. */
int nr_onnx_read_mem(const unsigned char *buf, size_t len, const char *name,
                     nn_model **out, nr_error *err);

/* 1 when buf looks like a serialized ONNX ModelProto: its first field is
 * one a ModelProto can start with, with a wire type that fits.  A cheap
 * guess for choosing a reader, not a check. */
int nr_onnx_sniff(const unsigned char *buf, size_t len);

/* Serialize a finalized model as an ONNX ModelProto (opset
 * NR_ONNX_OPSET_WRITE): input normalization, layers, and feature names,
 * class names and task in metadata_props.  The same model gives the same
 * bytes.  Refused (NR_EUNSUP): a window after the tensor was flattened,
 * and names that a comma-separated list cannot carry (a comma in them, a
 * space at either end). */
int nr_onnx_write_mem(const nn_model *m, unsigned char **buf, size_t *len,
                      nr_error *err);

/* Write to path atomically, as nr_model_write(). */
int nr_onnx_write(const char *path, const nn_model *m, nr_error *err);

#endif
