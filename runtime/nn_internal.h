/*
 * nn_internal.h - private to the runtime: the operator table and the few
 * helpers that nn_model.c, nn_ops.c and nn_run.c share.
 *
 * Like kann's kautodiff, every layer type is one entry of a table (nn_ops.c)
 * that knows how to check the layer and compute its output shape, how many
 * tensors it carries, and how to run it forward and backward on a batch.
 * nn_model.c drives the checks, nn_run.c drives the passes; neither switches
 * on the layer type.  Nothing here is part of the public API.
 */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include <stdarg.h>

#include "nn.h"

/* What a layer may use while it runs, owned by the workspace: a float
 * buffer of the size the op asked for (scratch_size) and the index table it
 * built once for the layer (index_table), NULL when it has none. */
typedef struct nnrt_scratch {
    float *buf;
    const int *tab;
} nnrt_scratch;

typedef struct nnrt_op {
    const char *name;
    /* Output is the input unchanged (flatten, dropout): the runtime lets the
     * output alias the input and skips the layer in both directions. */
    int alias;
    int ntensors;
    const char *tensor_names[4];
    /* Check the layer's parameters against its input shape and compute the
     * output shape.  idx is the layer's index, for messages. */
    int (*shape)(const nn_layer *l, int idx, nn_shape in, nn_shape *out,
                 nn_error *err);
    /* Sizes of the tensors given the input shape (saturating at SIZE_MAX). */
    void (*tensor_sizes)(const nn_layer *l, nn_shape in, size_t n[4]);
    /* Check the values of the (present, finite) tensors; may be NULL. */
    int (*check_values)(const nn_layer *l, int idx, nn_error *err);
    /* Floats of scratch one call needs whatever the batch; may be NULL. */
    size_t (*scratch_size)(const nn_layer *l);
    /* Index table the layer precomputes: returns its length in ints and
     * fills tab when not NULL; may be NULL. */
    size_t (*index_table)(const nn_layer *l, int *tab);
    /* y = f(x) for n samples; shapes are in l->in and l->out. */
    void (*forward)(const nn_layer *l, const float *x, float *y, int n,
                    const nnrt_scratch *s);
    /* dx = dy * df/dx for n samples; x and y are the layer's input and
     * output activations of the forward pass.  dx is overwritten. */
    void (*backward)(const nn_layer *l, const float *x, const float *y,
                     const float *dy, float *dx, int n, nn_grad_mode mode,
                     const nnrt_scratch *s);
} nnrt_op;

/* The table entry of a layer type, NULL when the type is unknown. */
const nnrt_op *nnrt_op_get(nn_layer_type t);

/* Fill err (may be NULL) and return code. */
int nnrt_fail(nn_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, with "layer <idx> (<type>): " in front, or "<type>: " when idx < 0
 * (a layer checked on its own, see nn_layer_output_shape()). */
int nnrt_layer_fail(nn_error *err, int code, int idx, nn_layer_type t,
                    const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Element-wise loops over k < len run in blocks of NNRT_VEC with a constant
 * inner count and a scalar tail: at -O2 GCC vectorizes only loops whose
 * trip count it knows, and this keeps the hot loops branch-free SIMD
 * without special flags.  body may declare locals and use k. */
#define NNRT_VEC 8
#define NNRT_FOR_BLOCKED(k, len, body)                                      \
    do {                                                                   \
        size_t k##_blk = 0;                                                \
        for (; k##_blk + NNRT_VEC <= (len); k##_blk += NNRT_VEC)           \
            for (int k##_j = 0; k##_j < NNRT_VEC; k##_j++) {               \
                size_t k = k##_blk + (size_t)k##_j;                        \
                body;                                                      \
            }                                                              \
        for (size_t k = k##_blk; k < (len); k++) {                         \
            body;                                                          \
        }                                                                  \
    } while (0)

/* a * b, or SIZE_MAX when it overflows (so that limits checks still fail). */
size_t nnrt_mul(size_t a, size_t b);

#endif
