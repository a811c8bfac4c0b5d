/*
 * nn.h - the nn2rules reference network runtime.
 *
 * A small library that runs a trained feed-forward network (dense and
 * convolutional layers) forward on a batch, keeps every layer's activations
 * for the extractors that look inside the network (CRED, DeepRED), and runs
 * it backward to get the gradient of any layer's output with respect to the
 * input or to any earlier layer (saliency maps, ANN-DT sensitivity).
 *
 * It never includes anything from the compiler (src/).  It never prints and
 * never exits: every call that can fail returns 0 or a negative NN_E* code
 * and fills an nn_error.
 *
 * Tensors are float32.  Every per-sample tensor has a shape (c, h, w) and is
 * stored in CHW order; a plain vector of n values has shape (n, 1, 1).  A
 * batch of n samples is n such tensors one after the other.
 *
 * Ownership:
 *  - nn_model owns its layers and every tensor hanging off them (w, b, bn_*)
 *    and its metadata strings; nn_model_free() releases all of it.
 *  - nn_model_add_layer() copies nothing: the tensors in the nn_layer passed
 *    in become the model's (pass malloc'd memory, or NULL and fill them in
 *    through the returned pointer).
 *  - nn_workspace holds the buffers for one batch run; one workspace per
 *    thread.  A finalized model is read-only and may be shared by threads.
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_VERSION "0.1.0"

/* Error codes: 0 is success, everything else negative. */
enum {
    NN_OK = 0,
    NN_ENOMEM = -1,    /* out of memory */
    NN_EINVAL = -2,    /* bad argument or inconsistent model */
    NN_ESHAPE = -3,    /* shapes do not fit together */
    NN_ELIMIT = -4,    /* a size beyond what the runtime accepts */
    NN_ENONFINITE = -5 /* NaN or infinite weight or input */
};

typedef struct nn_error {
    int code;
    char msg[256];
} nn_error;

/* Upper bounds that keep a hostile or corrupt model from asking for absurd
 * amounts of memory.  Elements, not bytes. */
#define NN_MAX_LAYERS 4096
#define NN_MAX_DIM (1 << 20)            /* any one of c, h, w, units */
#define NN_MAX_TENSOR ((size_t)1 << 28) /* elements in one per-sample tensor or weight tensor */

typedef enum nn_layer_type {
    NN_DENSE = 1,        /* y = W x + b; W is [units][in], x flattened CHW */
    NN_CONV2D = 2,       /* W [out_c][in_c][kh][kw], b [out_c] */
    NN_MAXPOOL2D = 3,
    NN_AVGPOOL2D = 4,
    NN_GLOBALAVGPOOL = 5,/* (c,h,w) -> (c,1,1) */
    NN_FLATTEN = 6,      /* (c,h,w) -> (c*h*w,1,1), no data movement */
    NN_RELU = 7,
    NN_LEAKYRELU = 8,    /* slope alpha for x < 0 */
    NN_SIGMOID = 9,
    NN_TANH = 10,
    NN_SOFTMAX = 11,     /* over the whole per-sample tensor */
    NN_BATCHNORM = 12,   /* per channel: gamma (x - mean) / sqrt(var + eps) + beta; eps in alpha */
    NN_DROPOUT = 13,     /* identity at inference */
    NN_LAYER_TYPE_END
} nn_layer_type;

/* Flags for pooling layers. */
#define NN_POOL_COUNT_PAD 1u /* average pooling divides by the full window, padding included */

typedef struct nn_shape {
    int c, h, w;
} nn_shape;

typedef struct nn_layer {
    nn_layer_type type;
    int units;                    /* dense: outputs; conv2d: output channels */
    int kh, kw;                   /* conv / pool window */
    int sh, sw;                   /* strides (>= 1) */
    int pad_t, pad_l, pad_b, pad_r;
    int dh, dw;                   /* conv dilation (>= 1) */
    unsigned flags;               /* NN_POOL_* */
    float alpha;                  /* leaky ReLU slope; batch norm epsilon */
    float *w, *b;                 /* dense, conv2d */
    float *bn_gamma, *bn_beta, *bn_mean, *bn_var; /* batchnorm, one per channel */
    /* filled by nn_model_finalize(): */
    nn_shape in, out;
} nn_layer;

/* Per-feature type, part of the metadata that makes rules readable. */
typedef enum nn_feature_type {
    NN_FEAT_CONTINUOUS = 0,
    NN_FEAT_BOOLEAN = 1,  /* values 0 and 1 */
    NN_FEAT_ONEHOT = 2,   /* 0/1, exactly one feature of its group is 1 */
    NN_FEAT_INTEGER = 3,  /* whole numbers in [min, max] */
    NN_FEAT_TYPE_END
} nn_feature_type;

typedef enum nn_task {
    NN_TASK_CLASSIFY = 0, /* output is one score per class; predicted class = argmax */
    NN_TASK_REGRESS = 1   /* output is one or more numbers */
} nn_task;

typedef struct nn_feature {
    char *name;
    nn_feature_type type;
    int group;            /* one-hot group index, -1 otherwise */
    float min, max;       /* range of the feature in the data's own units */
} nn_feature;

/* What the training data looked like (optional; model.bin's `prof` chunk),
 * so that the extractors can draw realistic inputs without a data file.
 * Every value is in the data's own units, like feature ranges. */
#define NN_PROFILE_MAX_VALUES 32  /* a feature with at most this many distinct
                                     values keeps their frequencies */
typedef struct nn_feature_profile {
    float mean, sd;
    float *q;             /* nq quantiles at 0, 1/(nq-1), ..., 1: q[0] is the
                             minimum, q[nq-1] the maximum */
    int nvalues;          /* 0, or the few distinct values the feature took: */
    float *values;        /* nvalues, ascending */
    float *freq;          /* nvalues shares, summing to 1 */
} nn_feature_profile;

typedef struct nn_profile {
    uint64_t nseen;                /* rows it summarizes */
    int nq;                        /* quantiles per feature, >= 2 */
    int nfeatures;                 /* the model's input size */
    nn_feature_profile *features;  /* nfeatures */
    int nrows;                     /* a uniform sample of those rows: */
    float *rows;                   /* nrows * input size */
} nn_profile;

void nn_profile_free(nn_profile *p);

typedef struct nn_model {
    nn_shape input;
    nn_task task;
    int nlayers;
    nn_layer *layers;
    /* metadata: nfeatures == input size and nclasses == output size when set */
    int nfeatures;
    nn_feature *features;  /* may be NULL */
    int nclasses;
    char **class_names;    /* may be NULL */
    float *norm_mean;      /* input normalization, input-size each, may be NULL: */
    float *norm_std;       /* x_net = (x - mean) / std, applied by nn_forward() */
    char *description;     /* free text, may be NULL */
    nn_profile *profile;   /* the training data's profile, may be NULL */
    /* private */
    int cap_layers;
    size_t max_act;        /* largest per-sample tensor, set by finalize */
    size_t max_col;        /* largest im2col buffer per sample, set by finalize */
} nn_model;

/* --- building and checking a model ------------------------------------- */

nn_model *nn_model_new(void);
void nn_model_free(nn_model *m);

/* Append a copy of *l (tensor pointers are taken over, see above).
 * Returns the stored layer, or NULL when out of memory or past NN_MAX_LAYERS
 * (the tensors are then freed). */
nn_layer *nn_model_add_layer(nn_model *m, const nn_layer *l);

/* Number of weight elements each tensor of a layer must have, given its
 * input shape: fills n[0..3] (w, b, or gamma/beta/mean/var) and returns the
 * number of tensors the layer type carries (0, 2 or 4). */
int nn_layer_tensor_sizes(const nn_layer *l, nn_shape in, size_t n[4]);

/* Output shape of one layer for input shape `in`, checking the layer's
 * parameters against it (strides, windows, padding, limits) exactly as
 * nn_model_finalize() does; for readers that must know a layer's tensor
 * sizes before they read them. */
int nn_layer_output_shape(const nn_layer *l, nn_shape in, nn_shape *out,
                          nn_error *err);

/* Compute every layer's shapes from m->input, check that parameters are
 * consistent (strides >= 1, windows fit, tensors present, weights finite,
 * sizes within the NN_MAX_* limits, metadata sizes match).  Must succeed
 * before nn_forward() is called. */
int nn_model_finalize(nn_model *m, nn_error *err);

size_t nn_shape_size(nn_shape s);
size_t nn_model_input_size(const nn_model *m);
size_t nn_model_output_size(const nn_model *m);
/* Per-sample size of layer i's output; i == -1 is the input. */
size_t nn_layer_size(const nn_model *m, int i);
/* Number of trainable parameters. */
size_t nn_model_param_count(const nn_model *m);
const char *nn_layer_type_name(nn_layer_type t);   /* "dense", "conv2d", ... */
const char *nn_strerror(int code);

/* --- running it --------------------------------------------------------- */

typedef struct nn_workspace nn_workspace;

/* Buffers for batches of up to max_batch samples. */
nn_workspace *nn_workspace_new(const nn_model *m, int max_batch);

/* Bytes a workspace for max_batch samples takes (SIZE_MAX past what can be
 * had), and the largest batch up to want (at least 1) whose workspace takes
 * at most `bytes`: callers size their batches by memory, not only by rows.
 * NN_WORKSPACE_BUDGET is the budget nn2rules uses. */
#define NN_WORKSPACE_BUDGET ((size_t)256 << 20)
size_t nn_workspace_bytes(const nn_model *m, int max_batch);
int nn_batch_within(const nn_model *m, int want, size_t bytes);
void nn_workspace_free(nn_workspace *ws);

/* Forward n samples x (n * input size floats, in the data's own units:
 * normalization is applied here).  Writes the last layer's output to out
 * (n * output size floats) when out is not NULL.  Every layer's activations
 * stay in ws until the next forward.  n may exceed the workspace's
 * max_batch: the batch is then run in chunks, and only the last chunk's
 * activations are kept (nn_activation() then fails). */
int nn_forward(const nn_model *m, nn_workspace *ws, const float *x, int n,
               float *out, nn_error *err);

/* Activations of layer i (i == -1: the normalized input) from the last
 * forward: n * nn_layer_size(m, i) floats, or NULL when unavailable.  For a
 * model without input normalization, the input (and layers that only
 * reshape it) is the caller's x itself, not a copy: it stays valid as long
 * as x does, and nn_backward() reads it. */
const float *nn_activation(const nn_workspace *ws, int i);
int nn_workspace_batch(const nn_workspace *ws); /* n of the last forward */

/* How ReLU passes a signal backward.  PLAIN is the true gradient; DECONV is
 * Zeiler and Fergus's deconvnet (ReLU applied to the backward signal, the
 * forward mask ignored); GUIDED is guided backpropagation (both). */
typedef enum nn_grad_mode {
    NN_GRAD_PLAIN = 0,
    NN_GRAD_DECONV = 1,
    NN_GRAD_GUIDED = 2
} nn_grad_mode;

/* Backward pass after nn_forward() on the same workspace and batch.
 * seed holds d(objective)/d(output of layer `from`) for every sample of the
 * batch (n * nn_layer_size(m, from) floats).  Writes d(objective)/d(output
 * of layer `to`) into grad (n * nn_layer_size(m, to) floats); to == -1 means
 * the raw input in the data's own units (the normalization is differentiated
 * too).  Requires -1 <= to < from < nlayers. */
int nn_backward(const nn_model *m, nn_workspace *ws, int from,
                const float *seed, int to, nn_grad_mode mode, float *grad,
                nn_error *err);

/* Convenience: gradient of output unit `unit` of the last layer with
 * respect to the raw input, for each of n samples (grad: n * input size).
 * Runs its own forward. */
int nn_input_gradient(const nn_model *m, nn_workspace *ws, const float *x,
                      int n, int unit, nn_grad_mode mode, float *grad,
                      nn_error *err);

/* Index of the largest of n values (first on ties). */
int nn_argmax(const float *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
