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
 * Ownership: on success *out is a finalized model the caller frees with
 * nn_model_free(); on failure *out is NULL and nothing leaks.
 */
#ifndef NR_ONNX_H
#define NR_ONNX_H

#include <stddef.h>

#include "error.h"
#include "nn.h"

/* Operator set versions of the default domain that the reader maps. */
#define NR_ONNX_OPSET_MIN 9
#define NR_ONNX_OPSET_MAX 17

/* Read an ONNX model file.  path is also used in messages. */
int nr_onnx_read(const char *path, nn_model **out, nr_error *err);

/* The same from memory; name is used in messages. */
int nr_onnx_read_mem(const unsigned char *buf, size_t len, const char *name,
                     nn_model **out, nr_error *err);

/* 1 when buf looks like a serialized ONNX ModelProto: its first field is
 * one a ModelProto can start with, with a wire type that fits.  A cheap
 * guess for choosing a reader, not a check. */
int nr_onnx_sniff(const unsigned char *buf, size_t len);

#endif
