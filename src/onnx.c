/*
 * onnx.c - the ONNX model reader (see onnx.h).
 *
 * Two stages.  Decoding walks the protobuf with pb.h and keeps only what
 * nn2rules uses: the opset, the graph's nodes (operator, inputs, outputs,
 * attributes), its initializers (dims, type, and where the data lies: they
 * are converted only when a layer needs them), its input and output types,
 * and metadata_props.  Field numbers are those of the ONNX specification's
 * onnx.proto.  Every list is counted before it is allocated, from the
 * fields actually present, so no allocation is bigger than the bytes it
 * describes.
 *
 * Mapping then walks the graph from its one input to its one output: each
 * step must have exactly one consumer, and every other input of that node
 * must be a constant (an initializer or a Constant node).  Each operator
 * becomes zero, one or two runtime layers; a few fold into the layer before
 * (the Add after MatMul or Conv) or into the input normalization (constant
 * Sub, Add, Mul and Div before the first layer).
 */
#include "onnx.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "model_meta.h"
#include "model_io.h"
#include "pb.h"

/* Limits on what one file may hold: far above any chain the runtime can
 * run (NN_MAX_LAYERS), low enough that the index tables stay small. */
#define OX_MAX_NODES (1 << 16)
#define OX_MAX_LIST (1 << 16)   /* initializers, graph inputs, outputs, props */
#define OX_MAX_NODE_IO 256      /* inputs or outputs of one node */
#define OX_MAX_REFS (1 << 20)   /* node inputs and outputs in the whole graph */
#define OX_MAX_ATTRS 256        /* attributes of one node */
#define OX_MAX_DIMS 8
#define OX_MAX_INTS 16          /* entries of an ints attribute we read */

/* TensorProto.DataType values we meet. */
enum { DT_FLOAT = 1, DT_INT32 = 6, DT_INT64 = 7, DT_FLOAT16 = 10, DT_DOUBLE = 11 };
/* AttributeProto.AttributeType. */
enum { AT_FLOAT = 1, AT_INT = 2, AT_STRING = 3, AT_TENSOR = 4, AT_FLOATS = 6, AT_INTS = 7 };

/* ---- arena ---------------------------------------------------------- */

/* Everything decoded lives and dies with one read: one arena, freed once. */
typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
} ablock;
#define ABLOCK_HEAD ((sizeof(ablock) + 15) & ~(size_t)15)

typedef struct arena {
    ablock *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    ablock *b = a->head;
    void *p;
    n = n ? (n + 15) & ~(size_t)15 : 16;
    if (n > SIZE_MAX / 2)
        return NULL;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(ABLOCK_HEAD + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    p = (unsigned char *)b + ABLOCK_HEAD + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static void *arena_array(arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / 4 / size)
        return NULL;
    return arena_alloc(a, count * size);
}

static void arena_free(arena *a)
{
    while (a->head) {
        ablock *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- the decoded model ---------------------------------------------- */

typedef struct ox_tensor {
    const char *name;
    size_t off;            /* offset of the TensorProto, for messages */
    int from_node;         /* 1: the value of a Constant node */
    pb_cursor msg;         /* walked again to read typed data */
    int dtype;             /* 0 when unset */
    int ndims;
    int64_t dims[OX_MAX_DIMS];
    int has_raw;
    size_t raw_start, raw_len;
    int external;
    /* a Constant node's value_float(s) / value_int(s), already decoded */
    const float *inl_f;
    const int64_t *inl_i;
} ox_tensor;

typedef struct ox_attr {
    const char *name;
    size_t off;
    int type;              /* AttributeProto.type; 0 when unset */
    int has_f, has_i, has_s, has_t, has_floats, has_ints;
    float f;
    int64_t i;
    const char *s;
    ox_tensor *t;
    pb_cursor msg;         /* floats (7) and ints (8) are read from it */
} ox_attr;

typedef struct ox_node {
    const char *name, *op, *domain;
    size_t off;
    int index;
    int nin, nout, nattr;
    const char **in, **out;
    ox_attr *attr;
} ox_node;

typedef struct ox_value {
    const char *name;
    size_t off;
    int elem_type;         /* 0 when there is no tensor type */
    int has_shape;
    int ndims;
    int64_t dims[OX_MAX_DIMS];         /* -1 when not a number */
    const char *dim_param[OX_MAX_DIMS];/* NULL when none */
} ox_value;

typedef struct ox_model {
    arena ar;
    const char *file;
    nr_error *err;
    int64_t opset;
    int has_opset;
    size_t opset_off;
    const char *producer, *producer_version, *graph_name;
    int has_graph;
    size_t graph_off;
    int nnodes, ninit, ninputs, noutputs, nprops;
    size_t nrefs;          /* node inputs and outputs read so far */
    ox_node *nodes;
    ox_tensor *inits;
    ox_value *inputs, *outputs;
    const char **prop_key, **prop_val;
    size_t *prop_off;
} ox_model;

/* ---- decoding --------------------------------------------------------- */

static int fail_at(ox_model *x, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(ox_model *x, int code, size_t off, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nr_error_at_offset(x->err, code, x->file, (long long)off, "%s", msg);
}

static int oom(ox_model *x)
{
    return nr_error_set(x->err, NR_ENOMEM, "out of memory");
}

/* A field that must come with one wire type. */
static int want_wt(ox_model *x, const pb_field *f, int wt, const char *msg, const char *field)
{
    if (f->wt == wt)
        return 0;
    return fail_at(x, NR_EFORMAT, f->off, "corrupt: %s field %u (%s) has wire type %d, expected %d",
                   msg, f->num, field, f->wt, wt);
}

/* A string field as a NUL-terminated copy in the arena. */
static int get_str(ox_model *x, const pb_cursor *c, const pb_field *f, const char *msg,
                   const char *field, const char **out)
{
    char *s;
    int rc;
    if ((rc = want_wt(x, f, PB_LEN, msg, field)) < 0)
        return rc;
    if (memchr(c->buf + f->start, 0, f->len))
        return fail_at(x, NR_EFORMAT, f->off, "corrupt: %s %s holds a NUL byte", msg, field);
    /* protobuf strings are UTF-8, and names end up in rules and messages */
    if (nr_utf8_valid((const char *)c->buf + f->start, f->len) != f->len)
        return fail_at(x, NR_EFORMAT, f->off, "corrupt: %s %s is not UTF-8", msg, field);
    if (f->len == 0) {
        *out = ""; /* optional inputs left out are many: share one */
        return 0;
    }
    if (!(s = arena_alloc(&x->ar, f->len + 1)))
        return oom(x);
    memcpy(s, c->buf + f->start, f->len);
    s[f->len] = 0;
    *out = s;
    return 0;
}

/* Count the fields numbered num in a message. */
static int count_fields(const pb_cursor *msg, uint32_t num, size_t *n, nr_error *err)
{
    pb_cursor c = *msg;
    pb_field f;
    int rc;
    *n = 0;
    while ((rc = pb_next(&c, &f, err)) > 0)
        if (f.num == num)
            (*n)++;
    return rc;
}

static int parse_tensor(ox_model *x, pb_cursor c, size_t off, ox_tensor *t)
{
    pb_field f;
    int rc;
    size_t ndims;
    t->off = off;
    t->msg = c;
    t->name = "";
    if ((rc = pb_iter_count(&c, 1, PB_VARINT, &ndims, x->err)) < 0)
        return rc;
    if (ndims > OX_MAX_DIMS)
        return fail_at(x, NR_EUNSUP, off, "a tensor with %zu dimensions, more than the %d nn2rules reads",
                       ndims, OX_MAX_DIMS);
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        switch (f.num) {
        case 2:
            if ((rc = want_wt(x, &f, PB_VARINT, "TensorProto", "data_type")) < 0)
                return rc;
            t->dtype = f.v > 1000 ? 1000 : (int)f.v;
            break;
        case 8:
            if ((rc = get_str(x, &c, &f, "TensorProto", "name", &t->name)) < 0)
                return rc;
            break;
        case 9:
            if ((rc = want_wt(x, &f, PB_LEN, "TensorProto", "raw_data")) < 0)
                return rc;
            t->has_raw = 1;
            t->raw_start = f.start;
            t->raw_len = f.len;
            break;
        case 13: /* external_data entries */
            t->external = 1;
            break;
        case 14:
            if ((rc = want_wt(x, &f, PB_VARINT, "TensorProto", "data_location")) < 0)
                return rc;
            if (f.v == 1)
                t->external = 1;
            break;
        case 3: /* segment */
            return fail_at(x, NR_EUNSUP, f.off, "a tensor stored in segments is not supported");
        default:
            break;
        }
    }
    if (rc < 0)
        return rc;
    {
        pb_iter it = pb_iter_make(&t->msg, 1, PB_VARINT);
        uint64_t v;
        while ((rc = pb_iter_next(&it, &v, x->err)) > 0 && t->ndims < OX_MAX_DIMS)
            t->dims[t->ndims++] = (int64_t)v;
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse_attr(ox_model *x, pb_cursor c, size_t off, ox_attr *a)
{
    pb_field f;
    int rc;
    a->off = off;
    a->msg = c;
    a->name = "";
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        switch (f.num) {
        case 1:
            if ((rc = get_str(x, &c, &f, "AttributeProto", "name", &a->name)) < 0)
                return rc;
            break;
        case 2:
            if ((rc = want_wt(x, &f, PB_FIXED32, "AttributeProto", "f")) < 0)
                return rc;
            a->has_f = 1;
            a->f = pb_float(f.v);
            break;
        case 3:
            if ((rc = want_wt(x, &f, PB_VARINT, "AttributeProto", "i")) < 0)
                return rc;
            a->has_i = 1;
            a->i = (int64_t)f.v;
            break;
        case 4: {
            /* strings may hold any bytes; ours (auto_pad) are short text */
            char *s;
            if ((rc = want_wt(x, &f, PB_LEN, "AttributeProto", "s")) < 0)
                return rc;
            if (!(s = arena_alloc(&x->ar, f.len + 1)))
                return oom(x);
            memcpy(s, c.buf + f.start, f.len);
            s[f.len] = 0;
            a->s = s;
            a->has_s = 1;
            break;
        }
        case 5:
            if ((rc = want_wt(x, &f, PB_LEN, "AttributeProto", "t")) < 0)
                return rc;
            if (!a->t && !(a->t = arena_alloc(&x->ar, sizeof *a->t)))
                return oom(x);
            memset(a->t, 0, sizeof *a->t);
            if ((rc = parse_tensor(x, pb_cursor_sub(&c, &f), f.off, a->t)) < 0)
                return rc;
            a->has_t = 1;
            break;
        case 7:
            a->has_floats = 1;
            break;
        case 8:
            a->has_ints = 1;
            break;
        case 20:
            if ((rc = want_wt(x, &f, PB_VARINT, "AttributeProto", "type")) < 0)
                return rc;
            a->type = f.v > 100 ? 100 : (int)f.v;
            break;
        default:
            break;
        }
    }
    return rc;
}

static int parse_node(ox_model *x, pb_cursor c, size_t off, int index, ox_node *n)
{
    pb_field f;
    size_t nin, nout, nattr;
    int rc, ki = 0, ko = 0, ka = 0;
    n->off = off;
    n->index = index;
    n->name = n->op = n->domain = "";
    if ((rc = count_fields(&c, 1, &nin, x->err)) < 0 || (rc = count_fields(&c, 2, &nout, x->err)) < 0 ||
        (rc = count_fields(&c, 5, &nattr, x->err)) < 0)
        return rc;
    if (nin > OX_MAX_NODE_IO || nout > OX_MAX_NODE_IO || nattr > OX_MAX_ATTRS)
        return fail_at(x, NR_ELIMIT, off, "node #%d has %zu inputs, %zu outputs and %zu attributes, "
                       "more than nn2rules reads", index, nin, nout, nattr);
    x->nrefs += nin + nout;
    if (x->nrefs > OX_MAX_REFS)
        return fail_at(x, NR_ELIMIT, off, "the graph's nodes have more than %d inputs and outputs in all, "
                       "more than nn2rules reads", OX_MAX_REFS);
    n->in = arena_array(&x->ar, nin, sizeof *n->in);
    n->out = arena_array(&x->ar, nout, sizeof *n->out);
    n->attr = arena_array(&x->ar, nattr, sizeof *n->attr);
    if (!n->in || !n->out || !n->attr)
        return oom(x);
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        switch (f.num) {
        case 1:
            if ((rc = get_str(x, &c, &f, "NodeProto", "input", &n->in[ki])) < 0)
                return rc;
            ki++;
            break;
        case 2:
            if ((rc = get_str(x, &c, &f, "NodeProto", "output", &n->out[ko])) < 0)
                return rc;
            ko++;
            break;
        case 3:
            if ((rc = get_str(x, &c, &f, "NodeProto", "name", &n->name)) < 0)
                return rc;
            break;
        case 4:
            if ((rc = get_str(x, &c, &f, "NodeProto", "op_type", &n->op)) < 0)
                return rc;
            break;
        case 5:
            if ((rc = want_wt(x, &f, PB_LEN, "NodeProto", "attribute")) < 0 ||
                (rc = parse_attr(x, pb_cursor_sub(&c, &f), f.off, &n->attr[ka])) < 0)
                return rc;
            ka++;
            break;
        case 7:
            if ((rc = get_str(x, &c, &f, "NodeProto", "domain", &n->domain)) < 0)
                return rc;
            break;
        default:
            break;
        }
    }
    n->nin = ki;
    n->nout = ko;
    n->nattr = ka;
    return rc;
}

/* TensorShapeProto.Dimension */
static int parse_dim(ox_model *x, pb_cursor c, ox_value *v, int k)
{
    pb_field f;
    int rc;
    v->dims[k] = -1;
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        if (f.num == 1) {
            if ((rc = want_wt(x, &f, PB_VARINT, "Dimension", "dim_value")) < 0)
                return rc;
            v->dims[k] = (int64_t)f.v < 0 ? -1 : (int64_t)f.v;
        } else if (f.num == 2) {
            if ((rc = get_str(x, &c, &f, "Dimension", "dim_param", &v->dim_param[k])) < 0)
                return rc;
        }
    }
    return rc;
}

/* ValueInfoProto -> TypeProto -> TypeProto.Tensor -> TensorShapeProto. */
static int parse_value(ox_model *x, pb_cursor c, size_t off, ox_value *v)
{
    pb_field f, g, h, d;
    int rc;
    v->off = off;
    v->name = "";
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        pb_cursor tc, tt;
        if (f.num == 1) {
            if ((rc = get_str(x, &c, &f, "ValueInfoProto", "name", &v->name)) < 0)
                return rc;
            continue;
        }
        if (f.num != 2)
            continue;
        if ((rc = want_wt(x, &f, PB_LEN, "ValueInfoProto", "type")) < 0)
            return rc;
        tc = pb_cursor_sub(&c, &f);
        while ((rc = pb_next(&tc, &g, x->err)) > 0) {
            if (g.num != 1)
                continue;
            if ((rc = want_wt(x, &g, PB_LEN, "TypeProto", "tensor_type")) < 0)
                return rc;
            tt = pb_cursor_sub(&tc, &g);
            while ((rc = pb_next(&tt, &h, x->err)) > 0) {
                if (h.num == 1) {
                    if ((rc = want_wt(x, &h, PB_VARINT, "TypeProto.Tensor", "elem_type")) < 0)
                        return rc;
                    v->elem_type = h.v > 1000 ? 1000 : (int)h.v;
                } else if (h.num == 2) {
                    pb_cursor sc;
                    if ((rc = want_wt(x, &h, PB_LEN, "TypeProto.Tensor", "shape")) < 0)
                        return rc;
                    v->has_shape = 1;
                    v->ndims = 0;
                    sc = pb_cursor_sub(&tt, &h);
                    while ((rc = pb_next(&sc, &d, x->err)) > 0) {
                        if (d.num != 1)
                            continue;
                        if ((rc = want_wt(x, &d, PB_LEN, "TensorShapeProto", "dim")) < 0)
                            return rc;
                        if (v->ndims == OX_MAX_DIMS)
                            return fail_at(x, NR_EUNSUP, off, "a value with more than %d dimensions",
                                           OX_MAX_DIMS);
                        if ((rc = parse_dim(x, pb_cursor_sub(&sc, &d), v, v->ndims)) < 0)
                            return rc;
                        v->ndims++;
                    }
                    if (rc < 0)
                        return rc;
                }
            }
            if (rc < 0)
                return rc;
        }
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int parse_graph(ox_model *x, pb_cursor c)
{
    pb_field f;
    size_t nn, ni, nin, nout;
    int rc, kn = 0, ki = 0, kin = 0, kout = 0;
    if ((rc = count_fields(&c, 1, &nn, x->err)) < 0 || (rc = count_fields(&c, 5, &ni, x->err)) < 0 ||
        (rc = count_fields(&c, 11, &nin, x->err)) < 0 || (rc = count_fields(&c, 12, &nout, x->err)) < 0)
        return rc;
    if (nn > OX_MAX_NODES || ni > OX_MAX_LIST || nin > OX_MAX_LIST || nout > OX_MAX_LIST)
        return fail_at(x, NR_ELIMIT, x->graph_off,
                       "the graph has %zu nodes, %zu initializers, %zu inputs and %zu outputs, "
                       "more than nn2rules reads", nn, ni, nin, nout);
    x->nodes = arena_array(&x->ar, nn, sizeof *x->nodes);
    x->inits = arena_array(&x->ar, ni, sizeof *x->inits);
    x->inputs = arena_array(&x->ar, nin, sizeof *x->inputs);
    x->outputs = arena_array(&x->ar, nout, sizeof *x->outputs);
    if (!x->nodes || !x->inits || !x->inputs || !x->outputs)
        return oom(x);
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        switch (f.num) {
        case 1:
            if ((rc = want_wt(x, &f, PB_LEN, "GraphProto", "node")) < 0 ||
                (rc = parse_node(x, pb_cursor_sub(&c, &f), f.off, kn, &x->nodes[kn])) < 0)
                return rc;
            kn++;
            break;
        case 2:
            if ((rc = get_str(x, &c, &f, "GraphProto", "name", &x->graph_name)) < 0)
                return rc;
            break;
        case 5:
            if ((rc = want_wt(x, &f, PB_LEN, "GraphProto", "initializer")) < 0 ||
                (rc = parse_tensor(x, pb_cursor_sub(&c, &f), f.off, &x->inits[ki])) < 0)
                return rc;
            ki++;
            break;
        case 11:
        case 12: {
            ox_value *v = f.num == 11 ? &x->inputs[kin++] : &x->outputs[kout++];
            if ((rc = want_wt(x, &f, PB_LEN, "GraphProto", f.num == 11 ? "input" : "output")) < 0 ||
                (rc = parse_value(x, pb_cursor_sub(&c, &f), f.off, v)) < 0)
                return rc;
            break;
        }
        case 15:
            return fail_at(x, NR_EUNSUP, f.off, "sparse initializers are not supported");
        default:
            break;
        }
    }
    x->nnodes = kn;
    x->ninit = ki;
    x->ninputs = kin;
    x->noutputs = kout;
    return rc;
}

static int parse_opset(ox_model *x, pb_cursor c, size_t off)
{
    pb_field f;
    const char *domain = "";
    int64_t version = -1;
    int rc;
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        if (f.num == 1) {
            if ((rc = get_str(x, &c, &f, "OperatorSetIdProto", "domain", &domain)) < 0)
                return rc;
        } else if (f.num == 2) {
            if ((rc = want_wt(x, &f, PB_VARINT, "OperatorSetIdProto", "version")) < 0)
                return rc;
            version = (int64_t)f.v;
        }
    }
    if (rc < 0)
        return rc;
    if (strcmp(domain, "") != 0 && strcmp(domain, "ai.onnx") != 0)
        return 0; /* other domains matter only if a node uses them */
    if (x->has_opset && x->opset != version)
        return fail_at(x, NR_EFORMAT, off, "two opset_import entries for the default domain (%lld and %lld)",
                       (long long)x->opset, (long long)version);
    x->has_opset = 1;
    x->opset = version;
    x->opset_off = off;
    return 0;
}

static int parse_prop(ox_model *x, pb_cursor c, int k, size_t off)
{
    pb_field f;
    int rc;
    x->prop_key[k] = x->prop_val[k] = "";
    x->prop_off[k] = off;
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        if (f.num == 1 && (rc = get_str(x, &c, &f, "StringStringEntryProto", "key", &x->prop_key[k])) < 0)
            return rc;
        if (f.num == 2 && (rc = get_str(x, &c, &f, "StringStringEntryProto", "value", &x->prop_val[k])) < 0)
            return rc;
    }
    return rc;
}

static int parse_model(ox_model *x, const unsigned char *buf, size_t len)
{
    pb_cursor c = pb_cursor_make(buf, len, x->file);
    pb_field f;
    size_t np;
    int rc, kp = 0;
    if ((rc = count_fields(&c, 14, &np, x->err)) < 0)
        return rc;
    if (np > OX_MAX_LIST)
        return fail_at(x, NR_ELIMIT, 0, "%zu metadata_props, more than nn2rules reads", np);
    x->prop_key = arena_array(&x->ar, np, sizeof *x->prop_key);
    x->prop_val = arena_array(&x->ar, np, sizeof *x->prop_val);
    x->prop_off = arena_array(&x->ar, np, sizeof *x->prop_off);
    if (!x->prop_key || !x->prop_val || !x->prop_off)
        return oom(x);
    while ((rc = pb_next(&c, &f, x->err)) > 0) {
        switch (f.num) {
        case 1:
            if ((rc = want_wt(x, &f, PB_VARINT, "ModelProto", "ir_version")) < 0)
                return rc;
            break;
        case 2:
            if ((rc = get_str(x, &c, &f, "ModelProto", "producer_name", &x->producer)) < 0)
                return rc;
            break;
        case 3:
            if ((rc = get_str(x, &c, &f, "ModelProto", "producer_version", &x->producer_version)) < 0)
                return rc;
            break;
        case 7:
            if ((rc = want_wt(x, &f, PB_LEN, "ModelProto", "graph")) < 0)
                return rc;
            if (x->has_graph)
                return fail_at(x, NR_EFORMAT, f.off, "a second graph in the model");
            x->has_graph = 1;
            x->graph_off = f.off;
            if ((rc = parse_graph(x, pb_cursor_sub(&c, &f))) < 0)
                return rc;
            break;
        case 8:
            if ((rc = want_wt(x, &f, PB_LEN, "ModelProto", "opset_import")) < 0 ||
                (rc = parse_opset(x, pb_cursor_sub(&c, &f), f.off)) < 0)
                return rc;
            break;
        case 14:
            if ((rc = want_wt(x, &f, PB_LEN, "ModelProto", "metadata_props")) < 0 ||
                (rc = parse_prop(x, pb_cursor_sub(&c, &f), kp, f.off)) < 0)
                return rc;
            kp++;
            break;
        default:
            break;
        }
    }
    x->nprops = kp;
    if (rc < 0)
        return rc;
    if (!x->has_graph)
        return fail_at(x, NR_EFORMAT, len, "not an ONNX model: no graph");
    return 0;
}

/* ---- mapping: state ------------------------------------------------- */

/* What the graph says about one tensor name. */
typedef struct ox_entry {
    const char *name;
    int producer;          /* node index, -1 for none */
    int nuse;              /* consuming nodes (a node using it twice counts once) */
    int last;              /* the last node counted in nuse */
    int use[2];            /* the first two of them */
    const ox_tensor *konst;/* initializer or Constant value, NULL otherwise */
} ox_entry;

typedef struct ox_build {
    ox_model *x;
    ox_entry *slots;
    size_t nslots;         /* power of two */
    nn_model *m;
    nn_shape input;        /* the graph input's per-sample shape */
    /* the tensor flowing along the chain: rank 2 [N, c] or rank 4 [N, c, h, w] */
    int rank;
    nn_shape s;
    int64_t batch;         /* the input's batch dimension when a number, else -1 */
    int fold;              /* layer an Add may fold into as bias, -1 for none */
    size_t len;            /* bytes in the file */
    float *na, *nb;        /* input normalization so far: x_net = na x + nb */
    /* the constants of a normalization that is one Sub and then one Div
     * (as nn2rules writes it), kept as they are so that mean and std come
     * back bit for bit; plain is 0 once anything else was composed */
    float *sub_c, *div_c;
    int plain;
    char shown[4][96];     /* sanitized names for messages */
} ox_build;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The entry of a name, created when asked to; NULL when absent (or out of
 * memory: the table is sized for every name the graph can hold). */
static ox_entry *entry(ox_build *b, const char *name, int create)
{
    size_t i = (size_t)hash_name(name) & (b->nslots - 1);
    for (;;) {
        ox_entry *e = &b->slots[i];
        if (!e->name) {
            if (!create)
                return NULL;
            e->name = name;
            e->producer = -1;
            e->last = -1;
            e->use[0] = e->use[1] = -1;
            return e;
        }
        if (strcmp(e->name, name) == 0)
            return e;
        i = (i + 1) & (b->nslots - 1);
    }
}

/* A name fit for a one-line message: at most 60 bytes, control characters
 * as '?'. */
static const char *show(ox_build *b, int slot, const char *s)
{
    char *o = b->shown[slot];
    size_t k = 0;
    for (; *s && k < 60; s++)
        o[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
    if (*s) {
        memcpy(o + k, "...", 4);
    } else {
        o[k] = 0;
    }
    return o;
}

static const char *node_label(ox_build *b, int slot, const ox_node *n)
{
    if (n->name[0]) {
        char *o = b->shown[slot];
        size_t l = strlen(show(b, slot, n->name)); /* at most 63 */
        memmove(o + 1, o, l);
        o[0] = '\'';
        o[l + 1] = '\'';
        o[l + 2] = 0;
    } else {
        snprintf(b->shown[slot], sizeof b->shown[slot], "#%d", n->index);
    }
    return b->shown[slot];
}

/* "node 'NAME' (Op): why" at the node's offset. */
static int fail_node(ox_build *b, const ox_node *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_node(ox_build *b, const ox_node *n, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    node_label(b, 0, n);
    show(b, 1, n->op);
    return nr_error_at_offset(b->x->err, code, b->x->file, (long long)n->off, "node %s (%s): %s",
                              b->shown[0], b->shown[1], msg);
}

static const ox_tensor *konst(ox_build *b, const char *name)
{
    ox_entry *e = name[0] ? entry(b, name, 0) : NULL;
    return e ? e->konst : NULL;
}

/* ---- mapping: tensors ------------------------------------------------- */

static const char *dtype_name(int t)
{
    switch (t) {
    case 0: return "undefined";
    case DT_FLOAT: return "float32";
    case 2: return "uint8";
    case 3: return "int8";
    case 4: return "uint16";
    case 5: return "int16";
    case DT_INT32: return "int32";
    case DT_INT64: return "int64";
    case 8: return "string";
    case 9: return "bool";
    case DT_FLOAT16: return "float16";
    case DT_DOUBLE: return "float64";
    case 12: return "uint32";
    case 13: return "uint64";
    case 16: return "bfloat16";
    default: return "an unknown type";
    }
}

static int fail_tensor(ox_build *b, const ox_tensor *t, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_tensor(ox_build *b, const ox_tensor *t, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nr_error_at_offset(b->x->err, code, b->x->file, (long long)t->off, "%s '%s': %s",
                              t->from_node ? "constant" : "initializer", show(b, 2, t->name), msg);
}

/* Number of elements the dims say, checked against the limits. */
static int tensor_count(ox_build *b, const ox_tensor *t, size_t *n)
{
    size_t count = 1;
    for (int k = 0; k < t->ndims; k++) {
        if (t->dims[k] < 0)
            return fail_tensor(b, t, NR_EFORMAT, "dimension %d is %lld", k, (long long)t->dims[k]);
        if (t->dims[k] > (int64_t)NN_MAX_TENSOR || (t->dims[k] && count > NN_MAX_TENSOR / (size_t)t->dims[k]))
            return fail_tensor(b, t, NR_ELIMIT, "more than %zu values", (size_t)NN_MAX_TENSOR);
        count *= (size_t)t->dims[k];
    }
    *n = count;
    return 0;
}

static float half_to_float(unsigned h)
{
    unsigned sign = (h >> 15) & 1, e = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (e == 0)
        v = ldexpf((float)mant, -24);            /* zero and subnormals */
    else if (e == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), (int)e - 25);
    return sign ? -v : v;
}

/* "[2, 3]" for messages. */
static void dims_text(char *out, size_t size, const int64_t *dims, int n)
{
    size_t k = (size_t)snprintf(out, size, "[");
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(out + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (k < size)
        snprintf(out + k, size - k, "]");
}

/* A float tensor's values (float32, float64 or float16 data) as malloc'd
 * float32, after checking that the data holds exactly what the dims say. */
static int tensor_floats(ox_build *b, const ox_tensor *t, float **out, size_t *n)
{
    size_t count = 0, have = 0, esize;
    uint32_t field;
    int wt, rc;
    float *v;
    *out = NULL;
    if (t->external)
        return fail_tensor(b, t, NR_EUNSUP,
                           "its data is in an external file, which nn2rules does not read "
                           "(save the model with its weights inside)");
    if ((rc = tensor_count(b, t, &count)) < 0)
        return rc;
    switch (t->dtype) {
    case DT_FLOAT: esize = 4, field = 4, wt = PB_FIXED32; break;
    case DT_DOUBLE: esize = 8, field = 10, wt = PB_FIXED64; break;
    case DT_FLOAT16: esize = 2, field = 5, wt = PB_VARINT; break;
    default:
        return fail_tensor(b, t, NR_EUNSUP, "element type %s; nn2rules reads float32, float64 and "
                           "float16 weights", dtype_name(t->dtype));
    }
    if (t->inl_f) {
        have = (size_t)t->dims[0];
    } else if (t->has_raw) {
        if (t->raw_len != count * esize)
            return fail_tensor(b, t, NR_EFORMAT, "dims say %zu values (%zu bytes of %s), raw_data holds %zu bytes",
                               count, count * esize, dtype_name(t->dtype), t->raw_len);
        have = count;
    } else {
        if ((rc = pb_iter_count(&t->msg, field, wt, &have, b->x->err)) < 0)
            return rc;
        if (have != count)
            return fail_tensor(b, t, NR_EFORMAT, "dims say %zu values, %s holds %zu", count,
                               field == 4 ? "float_data" : field == 10 ? "double_data" : "int32_data", have);
    }
    if (!(v = malloc((count ? count : 1) * sizeof *v)))
        return oom(b->x);
    if (t->inl_f) {
        memcpy(v, t->inl_f, count * sizeof *v);
    } else if (t->has_raw) {
        const unsigned char *p = t->msg.buf + t->raw_start;
        for (size_t k = 0; k < count; k++, p += esize) {
            uint64_t bits = 0;
            for (size_t j = esize; j-- > 0;)
                bits = bits << 8 | p[j];
            v[k] = esize == 4 ? pb_float(bits) : esize == 8 ? (float)pb_double(bits) : half_to_float((unsigned)bits);
            if (esize == 8 && isfinite(pb_double(bits)) && !isfinite(v[k])) {
                free(v);
                return fail_tensor(b, t, NR_EINVAL, "value %zu (%g) does not fit in float32", k, pb_double(bits));
            }
        }
    } else {
        pb_iter it = pb_iter_make(&t->msg, field, wt);
        uint64_t bits;
        size_t k = 0;
        while (k < count && (rc = pb_iter_next(&it, &bits, b->x->err)) > 0) {
            v[k] = esize == 4 ? pb_float(bits) : esize == 8 ? (float)pb_double(bits) : half_to_float((unsigned)(bits & 0xffff));
            if (esize == 8 && isfinite(pb_double(bits)) && !isfinite(v[k])) {
                free(v);
                return fail_tensor(b, t, NR_EINVAL, "value %zu (%g) does not fit in float32", k, pb_double(bits));
            }
            k++;
        }
        if (rc < 0) {
            free(v);
            return rc;
        }
    }
    for (size_t k = 0; k < count; k++)
        if (!isfinite(v[k])) {
            int nan = isnan(v[k]);
            free(v);
            return fail_tensor(b, t, NR_EINVAL, "value %zu is %s", k, nan ? "NaN" : "infinite");
        }
    *out = v;
    *n = count;
    return 0;
}

/* An int64 tensor (Reshape's shape) into out[max]. */
static int tensor_ints(ox_build *b, const ox_tensor *t, int64_t *out, int max, int *n)
{
    size_t count = 0, have = 0;
    int rc;
    if (t->external)
        return fail_tensor(b, t, NR_EUNSUP, "its data is in an external file, which nn2rules does not read");
    if ((rc = tensor_count(b, t, &count)) < 0)
        return rc;
    if (t->dtype != DT_INT64)
        return fail_tensor(b, t, NR_EUNSUP, "element type %s, expected int64", dtype_name(t->dtype));
    if (count > (size_t)max)
        return fail_tensor(b, t, NR_EUNSUP, "%zu values, more than the %d expected", count, max);
    if (t->inl_i) {
        memcpy(out, t->inl_i, count * sizeof *out);
    } else if (t->has_raw) {
        const unsigned char *p = t->msg.buf + t->raw_start;
        if (t->raw_len != count * 8)
            return fail_tensor(b, t, NR_EFORMAT, "dims say %zu values (%zu bytes of int64), raw_data holds %zu bytes",
                               count, count * 8, t->raw_len);
        for (size_t k = 0; k < count; k++, p += 8) {
            uint64_t bits = 0;
            for (int j = 7; j >= 0; j--)
                bits = bits << 8 | p[j];
            out[k] = (int64_t)bits;
        }
    } else {
        pb_iter it = pb_iter_make(&t->msg, 7, PB_VARINT);
        uint64_t v;
        size_t k = 0;
        if ((rc = pb_iter_count(&t->msg, 7, PB_VARINT, &have, b->x->err)) < 0)
            return rc;
        if (have != count)
            return fail_tensor(b, t, NR_EFORMAT, "dims say %zu values, int64_data holds %zu", count, have);
        while (k < count && (rc = pb_iter_next(&it, &v, b->x->err)) > 0)
            out[k++] = (int64_t)v;
        if (rc < 0)
            return rc;
    }
    *n = (int)count;
    return 0;
}

/* ---- mapping: attributes -------------------------------------------- */

static const ox_attr *attr(const ox_node *n, const char *name)
{
    for (int k = n->nattr - 1; k >= 0; k--)
        if (strcmp(n->attr[k].name, name) == 0)
            return &n->attr[k];
    return NULL;
}

static int attr_int(ox_build *b, const ox_node *n, const char *name, int64_t dflt, int64_t *v)
{
    const ox_attr *a = attr(n, name);
    *v = dflt;
    if (!a)
        return 0;
    /* a proto3 writer leaves out a zero, so the type alone may say it */
    if (!(a->has_i || a->type == AT_INT) || (a->type && a->type != AT_INT))
        return fail_node(b, n, NR_EFORMAT, "attribute '%s' is not an integer", name);
    *v = a->i;
    return 0;
}

static int attr_float(ox_build *b, const ox_node *n, const char *name, float dflt, float *v)
{
    const ox_attr *a = attr(n, name);
    *v = dflt;
    if (!a)
        return 0;
    if (!(a->has_f || a->type == AT_FLOAT) || (a->type && a->type != AT_FLOAT))
        return fail_node(b, n, NR_EFORMAT, "attribute '%s' is not a float", name);
    if (!isfinite(a->f))
        return fail_node(b, n, NR_EINVAL, "attribute '%s' is %g", name, (double)a->f);
    *v = a->f;
    return 0;
}

static int attr_string(ox_build *b, const ox_node *n, const char *name, const char *dflt, const char **v)
{
    const ox_attr *a = attr(n, name);
    *v = dflt;
    if (!a)
        return 0;
    if (!(a->has_s || a->type == AT_STRING) || (a->type && a->type != AT_STRING))
        return fail_node(b, n, NR_EFORMAT, "attribute '%s' is not a string", name);
    *v = a->s ? a->s : "";
    return 0;
}

/* An ints attribute of exactly want entries (0: any up to OX_MAX_INTS).
 * Returns 1 when present, 0 when absent (out untouched). */
static int attr_ints(ox_build *b, const ox_node *n, const char *name, int want, int64_t *out, int *count)
{
    const ox_attr *a = attr(n, name);
    pb_iter it;
    uint64_t v;
    size_t have;
    int rc, k = 0;
    if (!a)
        return 0;
    if (a->type && a->type != AT_INTS)
        return fail_node(b, n, NR_EFORMAT, "attribute '%s' is not a list of integers", name);
    if ((rc = pb_iter_count(&a->msg, 8, PB_VARINT, &have, b->x->err)) < 0)
        return rc;
    if ((want && have != (size_t)want) || have > OX_MAX_INTS)
        return fail_node(b, n, NR_EUNSUP, "attribute '%s' has %zu values, expected %d%s", name, have,
                         want ? want : OX_MAX_INTS, want ? "" : " at most");
    it = pb_iter_make(&a->msg, 8, PB_VARINT);
    while (k < (int)have && (rc = pb_iter_next(&it, &v, b->x->err)) > 0)
        out[k++] = (int64_t)v;
    if (rc < 0)
        return rc;
    if (count)
        *count = k;
    return 1;
}

/* ---- mapping: layers -------------------------------------------------- */

static void flow_dims(const ox_build *b, int64_t *d)
{
    d[0] = b->batch;
    d[1] = b->s.c;
    d[2] = b->s.h;
    d[3] = b->s.w;
}

static void flow_text(const ox_build *b, char *out, size_t size)
{
    if (b->rank == 2)
        snprintf(out, size, "[N, %d]", b->s.c);
    else
        snprintf(out, size, "[N, %d, %d, %d]", b->s.c, b->s.h, b->s.w);
}

/* Append a layer after checking it against the current shape; its tensors
 * are the model's from here on, whatever happens. */
static int add_layer(ox_build *b, const ox_node *n, nn_layer *l)
{
    nn_error nerr;
    nn_shape out;
    memset(&nerr, 0, sizeof nerr);
    if (nn_layer_output_shape(l, b->s, &out, &nerr) < 0) {
        nn_model_add_layer(NULL, l); /* frees the tensors */
        return fail_node(b, n, NR_EUNSUP, "%s", nerr.msg);
    }
    if (!nn_model_add_layer(b->m, l)) {
        if (b->m->nlayers >= NN_MAX_LAYERS)
            return fail_node(b, n, NR_ELIMIT, "more than %d layers", NN_MAX_LAYERS);
        return oom(b->x);
    }
    b->s = out;
    b->fold = -1;
    return 0;
}

static int simple_layer(ox_build *b, const ox_node *n, nn_layer_type type, float alpha)
{
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.type = type;
    l.alpha = alpha;
    return add_layer(b, n, &l);
}

/* Expand constant values v (dims of t) to one sample of the flowing tensor
 * by numpy's broadcasting rules; the batch dimension must be 1.  out has
 * room for the sample's size. */
static int broadcast(ox_build *b, const ox_node *n, const ox_tensor *t, const float *v, float *out)
{
    int64_t pd[3] = {b->s.c, b->s.h, b->s.w};
    size_t cs[3] = {0, 0, 0}, stride = 1;
    int prank = b->rank - 1;
    char td[80], fd[80];
    if (t->ndims > b->rank)
        goto bad;
    for (int k = t->ndims - 1, j = b->rank - 1; k >= 0; k--, j--) {
        int64_t cd = t->dims[k];
        if (j == 0) {
            if (cd != 1)
                goto bad;
            continue;
        }
        if (cd != 1 && cd != pd[j - 1])
            goto bad;
        cs[j - 1] = cd == 1 ? 0 : stride;
        stride *= (size_t)cd;
    }
    if (prank == 1) {
        for (int64_t i = 0; i < pd[0]; i++)
            out[i] = v[(size_t)i * cs[0]];
    } else {
        size_t o = 0;
        for (int64_t c = 0; c < pd[0]; c++)
            for (int64_t h = 0; h < pd[1]; h++)
                for (int64_t w = 0; w < pd[2]; w++)
                    out[o++] = v[(size_t)c * cs[0] + (size_t)h * cs[1] + (size_t)w * cs[2]];
    }
    return 0;
bad:
    dims_text(td, sizeof td, t->dims, t->ndims);
    flow_text(b, fd, sizeof fd);
    return fail_node(b, n, NR_EUNSUP, "the constant '%s' of shape %s does not broadcast per sample to %s",
                     show(b, 2, t->name), td, fd);
}

/* The constant operand of a binary node, expanded to one sample. */
static int const_operand(ox_build *b, const ox_node *n, int pos, float **out)
{
    const ox_tensor *t = konst(b, n->in[1 - pos]);
    size_t cnt, size = nn_shape_size(b->s);
    float *v, *e;
    int rc;
    *out = NULL;
    if ((rc = tensor_floats(b, t, &v, &cnt)) < 0)
        return rc;
    if (!(e = malloc(size * sizeof *e))) {
        free(v);
        return oom(b->x);
    }
    rc = broadcast(b, n, t, v, e);
    free(v);
    if (rc < 0) {
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

/* The normalization arrays are the size the input claims; refuse sizes that
 * no weights in this file back, before they are allocated. */
static int check_norm_size(ox_build *b, const ox_node *n)
{
    size_t len = b->len, size = nn_shape_size(b->s), cap = len < ((size_t)1 << 20) ? (size_t)1 << 20 : len;
    if (size > cap)
        return fail_node(b, n, NR_ELIMIT, "normalizing an input of %zu values, more than a file of %zu "
                         "bytes backs", size, len);
    return 0;
}

/* Sub, Add, Mul or Div by a constant before the first layer: composed into
 * the input normalization x_net = na x + nb. */
static int normalize(ox_build *b, const ox_node *n, int pos)
{
    size_t size = nn_shape_size(b->s);
    float *v;
    int rc, op = n->op[0];
    if (pos == 1 && (op == 'S' || op == 'D'))
        return fail_node(b, n, NR_EUNSUP, "not supported here: the input is the second operand; "
                         "nn2rules maps x - c and x / c at the start of the graph as input normalization");
    /* The arrays have the input's size, which the file only states: keep
     * it within what the weights of a real model of this file size imply. */
    if (!b->na && (rc = check_norm_size(b, n)) < 0)
        return rc;
    if (!b->na) {
        if (!(b->na = malloc(size * sizeof *b->na)) || !(b->nb = malloc(size * sizeof *b->nb)))
            return oom(b->x);
        for (size_t k = 0; k < size; k++)
            b->na[k] = 1, b->nb[k] = 0;
    }
    if ((rc = const_operand(b, n, pos, &v)) < 0)
        return rc;
    if (b->plain && op == 'S' && !b->sub_c && !b->div_c) {
        b->sub_c = v;
    } else if (b->plain && op == 'D' && !b->div_c) {
        b->div_c = v;
    } else {
        b->plain = 0;
    }
    for (size_t k = 0; k < size; k++) {
        switch (op) {
        case 'S': b->nb[k] -= v[k]; break;
        case 'A': b->nb[k] += v[k]; break;
        case 'M': b->na[k] *= v[k], b->nb[k] *= v[k]; break;
        default:
            if (v[k] == 0) {
                if (v != b->sub_c && v != b->div_c)
                    free(v);
                return fail_node(b, n, NR_EINVAL, "division by zero (value %zu of the divisor)", k);
            }
            b->na[k] /= v[k], b->nb[k] /= v[k];
            break;
        }
    }
    if (v != b->sub_c && v != b->div_c)
        free(v);
    return 0;
}

/* Add of a constant right after Gemm, MatMul or Conv: their bias. */
static int fold_bias(ox_build *b, const ox_node *n, int pos)
{
    nn_layer *l = &b->m->layers[b->fold];
    float *v;
    int rc;
    if ((rc = const_operand(b, n, pos, &v)) < 0)
        return rc;
    if (l->type == NN_DENSE) {
        for (int k = 0; k < l->units; k++)
            l->b[k] += v[k];
    } else {
        size_t plane = (size_t)b->s.h * (size_t)b->s.w;
        for (int c = 0; c < l->units; c++) {
            for (size_t k = 1; k < plane; k++)
                if (v[(size_t)c * plane + k] != v[(size_t)c * plane]) {
                    free(v);
                    return fail_node(b, n, NR_EUNSUP, "not supported here: the constant added after the "
                                     "convolution varies within a channel, so it is no bias");
                }
            l->b[c] += v[(size_t)c * plane];
        }
    }
    free(v);
    return 0;
}

static int check_int(ox_build *b, const ox_node *n, const char *what, int64_t v, int64_t lo, int *out)
{
    if (v < lo || v > NN_MAX_DIM)
        return fail_node(b, n, NR_EUNSUP, "%s %lld is out of range", what, (long long)v);
    *out = (int)v;
    return 0;
}

/* Window settings shared by Conv, MaxPool and AveragePool. */
typedef struct window {
    int kh, kw, sh, sw, dh, dw, pad[4]; /* pad: top, left, bottom, right */
} window;

static int read_window(ox_build *b, const ox_node *n, window *wd, int have_kernel)
{
    int64_t v[OX_MAX_INTS];
    const char *autopad;
    int rc, has_pads;
    if (b->rank != 4)
        return fail_node(b, n, NR_EUNSUP, "the input is 2-D ([N, %d]); nn2rules maps 2-D windows "
                         "over [N, C, H, W]", b->s.c);
    if ((rc = attr_ints(b, n, "kernel_shape", 2, v, NULL)) < 0)
        return rc;
    if (rc == 1) {
        int kh = 0, kw = 0;
        if ((rc = check_int(b, n, "kernel height", v[0], 1, &kh)) < 0 ||
            (rc = check_int(b, n, "kernel width", v[1], 1, &kw)) < 0)
            return rc;
        if (have_kernel && (kh != wd->kh || kw != wd->kw))
            return fail_node(b, n, NR_EFORMAT, "kernel_shape %dx%d disagrees with the weights' %dx%d",
                             kh, kw, wd->kh, wd->kw);
        wd->kh = kh, wd->kw = kw;
    } else if (!have_kernel) {
        return fail_node(b, n, NR_EFORMAT, "no kernel_shape");
    }
    wd->sh = wd->sw = wd->dh = wd->dw = 1;
    memset(wd->pad, 0, sizeof wd->pad);
    if ((rc = attr_ints(b, n, "strides", 2, v, NULL)) < 0)
        return rc;
    if (rc == 1 && ((rc = check_int(b, n, "stride", v[0], 1, &wd->sh)) < 0 ||
                    (rc = check_int(b, n, "stride", v[1], 1, &wd->sw)) < 0))
        return rc;
    if ((rc = attr_ints(b, n, "dilations", 2, v, NULL)) < 0)
        return rc;
    if (rc == 1 && ((rc = check_int(b, n, "dilation", v[0], 1, &wd->dh)) < 0 ||
                    (rc = check_int(b, n, "dilation", v[1], 1, &wd->dw)) < 0))
        return rc;
    if ((rc = attr_ints(b, n, "pads", 4, v, NULL)) < 0)
        return rc;
    has_pads = rc == 1;
    /* ONNX orders pads [x1_begin, x2_begin, x1_end, x2_end] = top, left,
     * bottom, right, the runtime's order too. */
    for (int k = 0; has_pads && k < 4; k++)
        if ((rc = check_int(b, n, "padding", v[k], 0, &wd->pad[k])) < 0)
            return rc;
    if ((rc = attr_string(b, n, "auto_pad", "NOTSET", &autopad)) < 0)
        return rc;
    if (strcmp(autopad, "NOTSET") == 0 || strcmp(autopad, "") == 0)
        return 0;
    if (has_pads && (wd->pad[0] || wd->pad[1] || wd->pad[2] || wd->pad[3]))
        return fail_node(b, n, NR_EFORMAT, "both pads and auto_pad '%s'", show(b, 2, autopad));
    if (strcmp(autopad, "VALID") == 0)
        return 0;
    if (strcmp(autopad, "SAME_UPPER") == 0 || strcmp(autopad, "SAME_LOWER") == 0) {
        int in[2] = {b->s.h, b->s.w}, k[2] = {wd->kh, wd->kw}, s[2] = {wd->sh, wd->sw};
        int d[2] = {wd->dh, wd->dw};
        for (int i = 0; i < 2; i++) {
            long long out = (in[i] + (long long)s[i] - 1) / s[i];
            long long total = (out - 1) * s[i] + (long long)(k[i] - 1) * d[i] + 1 - in[i];
            long long lo;
            if (total < 0)
                total = 0;
            lo = autopad[5] == 'U' ? total / 2 : total - total / 2;
            if (total > NN_MAX_DIM)
                return fail_node(b, n, NR_EUNSUP, "auto_pad needs padding %lld", total);
            wd->pad[i] = (int)lo;
            wd->pad[i + 2] = (int)(total - lo);
        }
        return 0;
    }
    return fail_node(b, n, NR_EUNSUP, "auto_pad '%s' is not an ONNX setting", show(b, 2, autopad));
}

static void window_to_layer(const window *wd, nn_layer *l)
{
    l->kh = wd->kh, l->kw = wd->kw, l->sh = wd->sh, l->sw = wd->sw;
    l->dh = wd->dh, l->dw = wd->dw;
    l->pad_t = wd->pad[0], l->pad_l = wd->pad[1], l->pad_b = wd->pad[2], l->pad_r = wd->pad[3];
}

static int map_gemm(ox_build *b, const ox_node *n, int matmul)
{
    const ox_tensor *bt = n->nin > 1 ? konst(b, n->in[1]) : NULL;
    const ox_tensor *ct = !matmul && n->nin > 2 ? konst(b, n->in[2]) : NULL;
    int64_t transa = 0, transb = 0;
    float alpha = 1, beta = 1, *w = NULL, *bv = NULL;
    size_t cnt, in = nn_shape_size(b->s), outn;
    int rc;
    nn_layer l;
    char td[80];
    if (!bt)
        return fail_node(b, n, NR_EFORMAT, "no weight matrix B");
    if (!matmul && ((rc = attr_int(b, n, "transA", 0, &transa)) < 0 || (rc = attr_int(b, n, "transB", 0, &transb)) < 0 ||
                    (rc = attr_float(b, n, "alpha", 1, &alpha)) < 0 || (rc = attr_float(b, n, "beta", 1, &beta)) < 0))
        return rc;
    if (transa)
        return fail_node(b, n, NR_EUNSUP, "not supported here: transA=1 would transpose the batch");
    if (b->rank != 2)
        return fail_node(b, n, NR_EUNSUP, "not supported here: the input is 4-D; flatten it first");
    dims_text(td, sizeof td, bt->dims, bt->ndims);
    if (bt->ndims != 2 || bt->dims[transb ? 1 : 0] != (int64_t)in)
        return fail_node(b, n, NR_EUNSUP, "weight matrix '%s' has shape %s; the input has %zu values",
                         show(b, 2, bt->name), td, in);
    if (bt->dims[transb ? 0 : 1] < 1 || bt->dims[transb ? 0 : 1] > NN_MAX_DIM)
        return fail_node(b, n, NR_EUNSUP, "weight matrix '%s' has shape %s", show(b, 2, bt->name), td);
    outn = (size_t)bt->dims[transb ? 0 : 1];
    if ((rc = tensor_floats(b, bt, &bv, &cnt)) < 0)
        return rc;
    if (!(w = malloc(cnt * sizeof *w))) {
        free(bv);
        return oom(b->x);
    }
    /* The runtime wants W[units][in]: PyTorch's transB=1 layout. */
    for (size_t o = 0; o < outn; o++)
        for (size_t i = 0; i < in; i++)
            w[o * in + i] = alpha * (transb ? bv[o * in + i] : bv[i * outn + o]);
    free(bv);
    memset(&l, 0, sizeof l);
    l.type = NN_DENSE;
    l.units = (int)outn;
    l.w = w;
    if (!(l.b = calloc(outn, sizeof *l.b))) {
        free(w);
        return oom(b->x);
    }
    if (ct) {
        nn_shape keep = b->s;
        float *cvals;
        b->s = (nn_shape){(int)outn, 1, 1};
        if ((rc = tensor_floats(b, ct, &cvals, &cnt)) == 0) {
            rc = broadcast(b, n, ct, cvals, l.b);
            free(cvals);
        }
        b->s = keep;
        for (size_t o = 0; rc == 0 && o < outn; o++)
            l.b[o] *= beta;
        if (rc < 0) {
            free(l.w);
            free(l.b);
            return rc;
        }
    } else if (!matmul && n->nin > 2 && n->in[2][0]) {
        free(l.w);
        free(l.b);
        return fail_node(b, n, NR_EFORMAT, "bias C is not a constant");
    }
    if ((rc = add_layer(b, n, &l)) < 0)
        return rc;
    b->fold = b->m->nlayers - 1;
    return 0;
}

static int map_conv(ox_build *b, const ox_node *n)
{
    const ox_tensor *wt = n->nin > 1 ? konst(b, n->in[1]) : NULL;
    const ox_tensor *bt = n->nin > 2 && n->in[2][0] ? konst(b, n->in[2]) : NULL;
    int64_t group;
    window wd;
    nn_layer l;
    size_t cnt;
    int rc;
    char td[80];
    if (!wt)
        return fail_node(b, n, NR_EFORMAT, "no weights W");
    if ((rc = attr_int(b, n, "group", 1, &group)) < 0)
        return rc;
    if (group != 1)
        return fail_node(b, n, NR_EUNSUP, "not supported here: group %lld (grouped and depthwise "
                         "convolutions)", (long long)group);
    dims_text(td, sizeof td, wt->dims, wt->ndims);
    if (wt->ndims != 4)
        return fail_node(b, n, NR_EUNSUP, "weights '%s' of shape %s; nn2rules maps 2-D convolutions only",
                         show(b, 2, wt->name), td);
    if (b->rank != 4 || wt->dims[1] != b->s.c)
        return fail_node(b, n, NR_EUNSUP, "weights '%s' of shape %s do not fit an input of %d channels",
                         show(b, 2, wt->name), td, b->rank == 4 ? b->s.c : 0);
    memset(&wd, 0, sizeof wd);
    if ((rc = check_int(b, n, "output channels", wt->dims[0], 1, &wd.kh)) < 0)
        return rc;
    memset(&l, 0, sizeof l);
    l.units = wd.kh;
    if ((rc = check_int(b, n, "kernel height", wt->dims[2], 1, &wd.kh)) < 0 ||
        (rc = check_int(b, n, "kernel width", wt->dims[3], 1, &wd.kw)) < 0 ||
        (rc = read_window(b, n, &wd, 1)) < 0)
        return rc;
    l.type = NN_CONV2D;
    window_to_layer(&wd, &l);
    if ((rc = tensor_floats(b, wt, &l.w, &cnt)) < 0)
        return rc;
    if (bt) {
        if (bt->ndims != 1 || bt->dims[0] != l.units) {
            free(l.w);
            dims_text(td, sizeof td, bt->dims, bt->ndims);
            return fail_node(b, n, NR_EFORMAT, "bias '%s' of shape %s for %d output channels",
                             show(b, 2, bt->name), td, l.units);
        }
        if ((rc = tensor_floats(b, bt, &l.b, &cnt)) < 0) {
            free(l.w);
            return rc;
        }
    } else if (!(l.b = calloc((size_t)l.units, sizeof *l.b))) {
        free(l.w);
        return oom(b->x);
    }
    if ((rc = add_layer(b, n, &l)) < 0)
        return rc;
    b->fold = b->m->nlayers - 1;
    return 0;
}

static int map_pool(ox_build *b, const ox_node *n, int avg)
{
    window wd;
    nn_layer l;
    int64_t ceil_mode, count_pad = 0;
    int rc;
    memset(&wd, 0, sizeof wd);
    if ((rc = read_window(b, n, &wd, 0)) < 0 || (rc = attr_int(b, n, "ceil_mode", 0, &ceil_mode)) < 0 ||
        (avg && (rc = attr_int(b, n, "count_include_pad", 0, &count_pad)) < 0))
        return rc;
    if (wd.dh != 1 || wd.dw != 1)
        return fail_node(b, n, NR_EUNSUP, "not supported here: dilated pooling");
    if (ceil_mode) {
        /* ceil and floor agree when the windows tile the padded input */
        long long sh = (long long)b->s.h + wd.pad[0] + wd.pad[2] - wd.kh;
        long long sw = (long long)b->s.w + wd.pad[1] + wd.pad[3] - wd.kw;
        if (sh >= 0 && sw >= 0 && (sh % wd.sh || sw % wd.sw))
            return fail_node(b, n, NR_EUNSUP, "not supported here: ceil_mode=1 adds a partial window "
                             "on a %dx%d input; export with ceil_mode=False", b->s.h, b->s.w);
    }
    memset(&l, 0, sizeof l);
    l.type = avg ? NN_AVGPOOL2D : NN_MAXPOOL2D;
    window_to_layer(&wd, &l);
    l.flags = count_pad ? NN_POOL_COUNT_PAD : 0;
    return add_layer(b, n, &l);
}

static int map_batchnorm(ox_build *b, const ox_node *n)
{
    float eps, *t[4] = {NULL, NULL, NULL, NULL};
    int64_t training = 0;
    nn_layer l;
    int rc = 0;
    if ((rc = attr_float(b, n, "epsilon", 1e-5f, &eps)) < 0 ||
        (rc = attr_int(b, n, "training_mode", 0, &training)) < 0)
        return rc;
    if (training)
        return fail_node(b, n, NR_EUNSUP, "not supported here: training_mode=1");
    if (!(eps > 0))
        return fail_node(b, n, NR_EINVAL, "epsilon %g must be > 0", (double)eps);
    if (n->nin < 5)
        return fail_node(b, n, NR_EFORMAT, "%d inputs, expected 5", n->nin);
    for (int k = 0; k < 4; k++) {
        const ox_tensor *ct = konst(b, n->in[k + 1]);
        size_t cnt;
        if (!ct) {
            rc = fail_node(b, n, NR_EFORMAT, "input %d is not a constant", k + 1);
            break;
        }
        if ((rc = tensor_floats(b, ct, &t[k], &cnt)) < 0)
            break;
        if (cnt != (size_t)b->s.c) {
            rc = fail_node(b, n, NR_EFORMAT, "'%s' has %zu values for %d channels", show(b, 2, ct->name), cnt,
                           b->s.c);
            break;
        }
    }
    if (rc < 0) {
        for (int k = 0; k < 4; k++)
            free(t[k]);
        return rc;
    }
    memset(&l, 0, sizeof l);
    l.type = NN_BATCHNORM;
    l.alpha = eps;
    l.bn_gamma = t[0], l.bn_beta = t[1], l.bn_mean = t[2], l.bn_var = t[3];
    return add_layer(b, n, &l);
}

/* Softmax over one sample is the runtime's softmax when the axis covers
 * every non-batch value (the other non-batch dimensions are 1). */
static int map_softmax(ox_build *b, const ox_node *n)
{
    int64_t axis, d[4];
    long long other = 1;
    int rc;
    if ((rc = attr_int(b, n, "axis", b->x->opset < 13 ? 1 : -1, &axis)) < 0)
        return rc;
    if (axis < 0)
        axis += b->rank;
    if (axis < 1 || axis >= b->rank)
        return fail_node(b, n, NR_EUNSUP, "not supported here: axis %lld of a %d-D tensor", (long long)axis,
                         b->rank);
    flow_dims(b, d);
    for (int k = 1; k < b->rank; k++) {
        /* before opset 13 the axis splits the dims in two: softmax over
         * dims[axis:], once per entry of dims[1:axis] */
        if (b->x->opset < 13 ? k < axis : k != axis)
            other *= d[k];
    }
    if (other != 1)
        return fail_node(b, n, NR_EUNSUP, "not supported here: softmax along axis %lld of a tensor with "
                         "other non-batch dimensions; nn2rules' softmax covers the whole sample",
                         (long long)axis);
    return simple_layer(b, n, NN_SOFTMAX, 0);
}

/* Flatten to [N, rest], or nothing when the tensor is flat already. */
static int flatten(ox_build *b, const ox_node *n)
{
    int rc;
    if (b->rank == 2)
        return 0;
    if ((rc = simple_layer(b, n, NN_FLATTEN, 0)) < 0)
        return rc;
    b->rank = 2;
    return 0;
}

static int map_flatten(ox_build *b, const ox_node *n)
{
    int64_t axis, d[4];
    long long lead = 1;
    int rc;
    if ((rc = attr_int(b, n, "axis", 1, &axis)) < 0)
        return rc;
    if (axis < 0)
        axis += b->rank;
    flow_dims(b, d);
    for (int k = 1; k < axis && k < b->rank; k++)
        lead *= d[k];
    if (axis < 1 || axis >= b->rank || lead != 1)
        return fail_node(b, n, NR_EUNSUP, "not supported here: Flatten with axis %lld mixes samples or keeps "
                         "dimensions; nn2rules flattens to (batch, features)", (long long)axis);
    return flatten(b, n);
}

static int map_reshape(ox_build *b, const ox_node *n)
{
    const ox_tensor *st = n->nin > 1 ? konst(b, n->in[1]) : NULL;
    int64_t shape[OX_MAX_INTS], d[4], allowzero = 0;
    size_t size = nn_shape_size(b->s);
    int rc, k = 0, same = 1;
    char td[120];
    if (!st)
        return fail_node(b, n, NR_EFORMAT, "no constant target shape");
    if ((rc = attr_int(b, n, "allowzero", 0, &allowzero)) < 0 || (rc = tensor_ints(b, st, shape, OX_MAX_INTS, &k)) < 0)
        return rc;
    flow_dims(b, d);
    /* the batch entry: 0 copies it, -1 infers it, or the input's own number */
    if (k >= 1 && !((shape[0] == 0 && !allowzero) || shape[0] == -1 || (b->batch > 0 && shape[0] == b->batch)))
        goto refuse;
    if (k == 2 && (shape[1] == (int64_t)size || (shape[1] == -1 && shape[0] != -1)))
        return flatten(b, n);
    if (k == b->rank) {
        for (int i = 1; i < k; i++)
            if (!(shape[i] == d[i] || (shape[i] == 0 && !allowzero)))
                same = 0;
        if (same)
            return 0;
    }
refuse:
    dims_text(td, sizeof td, shape, k);
    return fail_node(b, n, NR_EUNSUP, "not supported here: Reshape to %s; nn2rules takes Reshape only to "
                     "(batch, features)", td);
}

static int is_op(const ox_node *n, const char *op)
{
    return strcmp(n->op, op) == 0;
}

static int default_domain(const ox_node *n)
{
    return !n->domain[0] || strcmp(n->domain, "ai.onnx") == 0;
}

/* Map one node of the chain; pos is the input the chain flows into. */
static int map_node(ox_build *b, const ox_node *n, int pos)
{
    int binary = is_op(n, "Add") || is_op(n, "Sub") || is_op(n, "Mul") || is_op(n, "Div");
    float alpha;
    int rc;
    if (!default_domain(n))
        return fail_node(b, n, NR_EUNSUP, "operator domain '%s' is not ONNX's default domain",
                         show(b, 2, n->domain));
    if (pos != 0 && !(binary && pos == 1))
        return fail_node(b, n, NR_EUNSUP, "not supported here: the data flows into input %d, not the first", pos);
    if (binary) {
        if (n->nin != 2)
            return fail_node(b, n, NR_EFORMAT, "%d inputs, expected 2", n->nin);
        if (b->m->nlayers == 0)
            return normalize(b, n, pos);
        if (is_op(n, "Add") && b->fold >= 0)
            return fold_bias(b, n, pos);
        return fail_node(b, n, NR_EUNSUP, "not supported here: nn2rules maps %s by a constant only as "
                         "input normalization before the first layer%s", n->op,
                         is_op(n, "Add") ? ", or as the bias right after Gemm, MatMul or Conv" : "");
    }
    if (is_op(n, "Gemm"))
        return map_gemm(b, n, 0);
    if (is_op(n, "MatMul"))
        return map_gemm(b, n, 1);
    if (is_op(n, "Conv"))
        return map_conv(b, n);
    if (is_op(n, "MaxPool"))
        return map_pool(b, n, 0);
    if (is_op(n, "AveragePool"))
        return map_pool(b, n, 1);
    if (is_op(n, "GlobalAveragePool")) {
        if (b->rank != 4)
            return fail_node(b, n, NR_EUNSUP, "not supported here: the input is 2-D");
        return simple_layer(b, n, NN_GLOBALAVGPOOL, 0);
    }
    if (is_op(n, "Flatten"))
        return map_flatten(b, n);
    if (is_op(n, "Reshape"))
        return map_reshape(b, n);
    if (is_op(n, "Relu"))
        return simple_layer(b, n, NN_RELU, 0);
    if (is_op(n, "LeakyRelu")) {
        if ((rc = attr_float(b, n, "alpha", 0.01f, &alpha)) < 0)
            return rc;
        return simple_layer(b, n, NN_LEAKYRELU, alpha);
    }
    if (is_op(n, "Sigmoid"))
        return simple_layer(b, n, NN_SIGMOID, 0);
    if (is_op(n, "Tanh"))
        return simple_layer(b, n, NN_TANH, 0);
    if (is_op(n, "Softmax"))
        return map_softmax(b, n);
    if (is_op(n, "BatchNormalization"))
        return map_batchnorm(b, n);
    if (is_op(n, "Dropout") || is_op(n, "Identity")) {
        /* no-ops at inference: keep a foldable layer foldable */
        return 0;
    }
    return fail_node(b, n, NR_EUNSUP, "operator not supported by nn2rules (see ONNX MODELS in nn2rules(1))");
}

/* ---- mapping: the graph ------------------------------------------------ */

/* Index every tensor name: producer, consumers, constant value. */
static int index_graph(ox_build *b)
{
    ox_model *x = b->x;
    size_t names = (size_t)x->ninit + (size_t)x->ninputs + (size_t)x->noutputs + 1;
    for (int i = 0; i < x->nnodes; i++)
        names += (size_t)x->nodes[i].nin + (size_t)x->nodes[i].nout;
    b->nslots = 16;
    while (b->nslots < 2 * names)
        b->nslots *= 2;
    if (!(b->slots = arena_array(&x->ar, b->nslots, sizeof *b->slots)))
        return oom(x);
    for (int i = 0; i < x->ninit; i++) {
        ox_entry *e = entry(b, x->inits[i].name, 1);
        if (!x->inits[i].name[0])
            return fail_at(x, NR_EFORMAT, x->inits[i].off, "an initializer without a name");
        if (e->konst)
            return fail_at(x, NR_EFORMAT, x->inits[i].off, "two initializers named '%s'",
                           show(b, 2, x->inits[i].name));
        e->konst = &x->inits[i];
    }
    for (int i = 0; i < x->nnodes; i++) {
        ox_node *n = &x->nodes[i];
        for (int k = 0; k < n->nout; k++) {
            ox_entry *e;
            if (!n->out[k][0])
                continue;
            e = entry(b, n->out[k], 1);
            if (e->producer >= 0 || e->konst)
                return fail_node(b, n, NR_EFORMAT, "its output '%s' is also produced elsewhere",
                                 show(b, 2, n->out[k]));
            e->producer = i;
        }
        if (is_op(n, "Constant") && default_domain(n)) {
            ox_tensor *t;
            const ox_attr *a;
            if (n->nout != 1 || n->nattr != 1)
                return fail_node(b, n, NR_EFORMAT, "a Constant needs one output and one attribute");
            a = &n->attr[0];
            if (!(t = arena_alloc(&x->ar, sizeof *t)))
                return oom(x);
            if (strcmp(a->name, "value") == 0 && a->has_t) {
                *t = *a->t;
            } else if (strcmp(a->name, "value_float") == 0 || strcmp(a->name, "value_floats") == 0 ||
                       strcmp(a->name, "value_int") == 0 || strcmp(a->name, "value_ints") == 0) {
                int isf = a->name[6] == 'f', many = a->name[strlen(a->name) - 1] == 's';
                size_t cnt = 1;
                int rc;
                t->off = a->off;
                t->dtype = isf ? DT_FLOAT : DT_INT64;
                if (many && (rc = pb_iter_count(&a->msg, isf ? 7 : 8, isf ? PB_FIXED32 : PB_VARINT, &cnt,
                                                x->err)) < 0)
                    return rc;
                if (!many && !(isf ? a->has_f : a->has_i))
                    return fail_node(b, n, NR_EFORMAT, "attribute '%s' has no value", a->name);
                t->ndims = many;
                t->dims[0] = (int64_t)cnt;
                if (isf) {
                    float *v = arena_array(&x->ar, cnt, sizeof *v);
                    pb_iter it = pb_iter_make(&a->msg, 7, PB_FIXED32);
                    uint64_t bits;
                    size_t k = 0;
                    if (!v)
                        return oom(x);
                    if (!many)
                        v[0] = a->f;
                    while (many && k < cnt && (rc = pb_iter_next(&it, &bits, x->err)) > 0)
                        v[k++] = pb_float(bits);
                    t->inl_f = v;
                } else {
                    int64_t *v = arena_array(&x->ar, cnt, sizeof *v);
                    pb_iter it = pb_iter_make(&a->msg, 8, PB_VARINT);
                    uint64_t bits;
                    size_t k = 0;
                    if (!v)
                        return oom(x);
                    if (!many)
                        v[0] = a->i;
                    while (many && k < cnt && (rc = pb_iter_next(&it, &bits, x->err)) > 0)
                        v[k++] = (int64_t)bits;
                    t->inl_i = v;
                }
                /* a one-value constant is a scalar */
                if (!many)
                    t->dims[0] = 1;
            } else {
                return fail_node(b, n, NR_EUNSUP, "a Constant with attribute '%s' is not supported",
                                 show(b, 2, a->name));
            }
            t->from_node = 1;
            t->name = n->out[0];
            entry(b, n->out[0], 1)->konst = t;
        }
    }
    for (int i = 0; i < x->nnodes; i++) {
        ox_node *n = &x->nodes[i];
        for (int k = 0; k < n->nin; k++) {
            ox_entry *e;
            if (!n->in[k][0])
                continue;
            e = entry(b, n->in[k], 1);
            if (e->last == i)
                continue; /* the same node again */
            e->last = i;
            if (e->nuse < 2)
                e->use[e->nuse] = i;
            e->nuse++;
        }
    }
    return 0;
}

/* The input's shape: [batch, features] or [batch, C, H, W]. */
static int input_shape(ox_build *b, const ox_value *v)
{
    ox_model *x = b->x;
    int64_t d[3] = {1, 1, 1};
    if (v->elem_type != DT_FLOAT)
        return fail_at(x, NR_EUNSUP, v->off, "input '%s' has element type %s; nn2rules reads float32 inputs",
                       show(b, 2, v->name), dtype_name(v->elem_type));
    if (!v->has_shape)
        return fail_at(x, NR_EUNSUP, v->off, "input '%s' has no shape", show(b, 2, v->name));
    if (v->ndims != 2 && v->ndims != 4)
        return fail_at(x, NR_EUNSUP, v->off, "input '%s' has %d dimensions; nn2rules reads [batch, features] "
                       "and [batch, channels, height, width]", show(b, 2, v->name), v->ndims);
    for (int k = 1; k < v->ndims; k++) {
        if (v->dims[k] < 1) {
            if (v->dim_param[k])
                return fail_at(x, NR_EUNSUP, v->off, "cannot resolve the dynamic dimension '%s' of input '%s'",
                               show(b, 3, v->dim_param[k]), show(b, 2, v->name));
            return fail_at(x, NR_EUNSUP, v->off, "cannot resolve dimension %d of input '%s'", k,
                           show(b, 2, v->name));
        }
        if (v->dims[k] > NN_MAX_DIM)
            return fail_at(x, NR_ELIMIT, v->off, "dimension %d of input '%s' is %lld, beyond the limit of %d", k,
                           show(b, 2, v->name), (long long)v->dims[k], NN_MAX_DIM);
        d[k - 1] = v->dims[k];
    }
    b->rank = v->ndims;
    b->batch = v->dims[0] >= 1 ? v->dims[0] : -1;
    b->s = (nn_shape){(int)d[0], (int)d[1], (int)d[2]};
    if (nn_shape_size(b->s) > NN_MAX_TENSOR)
        return fail_at(x, NR_ELIMIT, v->off, "input '%s' has more than %zu values", show(b, 2, v->name),
                       (size_t)NN_MAX_TENSOR);
    return 0;
}

static int walk(ox_build *b)
{
    ox_model *x = b->x;
    const ox_value *in = NULL;
    const char *cur, *outname;
    unsigned char *visited;
    int ninputs = 0, rc;
    for (int i = 0; i < x->ninputs; i++) {
        ox_entry *e = entry(b, x->inputs[i].name, 0);
        if (e && e->konst && !e->konst->from_node)
            continue; /* initializers listed as inputs, as IR 3 wanted */
        if (ninputs++ == 0)
            in = &x->inputs[i];
    }
    if (ninputs != 1)
        return fail_at(x, NR_EUNSUP, x->graph_off, "the graph has %d inputs besides its initializers; "
                       "nn2rules reads graphs with one", ninputs);
    if (x->noutputs != 1)
        return fail_at(x, NR_EUNSUP, x->graph_off, "the graph has %d outputs; nn2rules reads graphs with one",
                       x->noutputs);
    if ((rc = input_shape(b, in)) < 0)
        return rc;
    b->input = b->s;
    if (!(visited = arena_alloc(&x->ar, (size_t)x->nnodes + 1)))
        return oom(x);
    cur = in->name;
    outname = x->outputs[0].name;
    for (;;) {
        ox_entry *e = entry(b, cur, 0);
        const ox_node *n;
        int pos = -1;
        if (strcmp(cur, outname) == 0) {
            if (e && e->nuse)
                return fail_node(b, &x->nodes[e->use[0]], NR_EUNSUP, "the graph branches: it reads the graph's "
                                 "output '%s'", show(b, 2, cur));
            break;
        }
        if (!e || e->nuse == 0) {
            if (e && e->producer >= 0)
                return fail_node(b, &x->nodes[e->producer], NR_EUNSUP, "its output '%s' feeds nothing and is not "
                                 "the graph's output '%s'", show(b, 2, cur), show(b, 3, outname));
            return fail_at(x, NR_EUNSUP, in->off, "input '%s' feeds no node", show(b, 2, cur));
        }
        if (e->nuse > 1) {
            node_label(b, 3, &x->nodes[e->use[1]]);
            return fail_node(b, &x->nodes[e->use[0]], NR_EUNSUP, "the graph branches: tensor '%s' also feeds node "
                             "%s (%s); nn2rules reads chains", show(b, 2, cur), b->shown[3],
                             x->nodes[e->use[1]].op);
        }
        n = &x->nodes[e->use[0]];
        if (visited[n->index])
            return fail_node(b, n, NR_EFORMAT, "the graph has a cycle");
        visited[n->index] = 1;
        for (int k = 0; k < n->nin; k++) {
            ox_entry *o;
            if (strcmp(n->in[k], cur) == 0) {
                if (pos >= 0)
                    return fail_node(b, n, NR_EUNSUP, "not supported here: it takes '%s' twice",
                                     show(b, 2, cur));
                pos = k;
                continue;
            }
            if (!n->in[k][0])
                continue;
            o = entry(b, n->in[k], 0);
            if (!o || !o->konst) {
                if (o && o->producer >= 0) {
                    node_label(b, 3, &x->nodes[o->producer]);
                    return fail_node(b, n, NR_EUNSUP, "the graph branches: input '%s' comes from node %s (%s), "
                                     "not from a constant; nn2rules reads chains", show(b, 2, n->in[k]),
                                     b->shown[3], x->nodes[o->producer].op);
                }
                return fail_node(b, n, NR_EUNSUP, "input '%s' is neither a constant nor on the chain",
                                 show(b, 2, n->in[k]));
            }
        }
        if (n->nout < 1 || !n->out[0][0])
            return fail_node(b, n, NR_EFORMAT, "no output");
        for (int k = 1; k < n->nout; k++) {
            ox_entry *o = n->out[k][0] ? entry(b, n->out[k], 0) : NULL;
            if ((o && o->nuse) || (n->out[k][0] && strcmp(n->out[k], outname) == 0))
                return fail_node(b, n, NR_EUNSUP, "the graph branches: its extra output '%s' is used",
                                 show(b, 2, n->out[k]));
        }
        if ((rc = map_node(b, n, pos)) < 0)
            return rc;
        cur = n->out[0];
    }
    for (int i = 0; i < x->nnodes; i++)
        if (!visited[i] && !(is_op(&x->nodes[i], "Constant") && default_domain(&x->nodes[i])))
            return fail_node(b, &x->nodes[i], NR_EUNSUP, "it is not on the chain from input '%s' to output '%s'",
                             show(b, 2, in->name), show(b, 3, outname));
    if (b->m->nlayers == 0)
        return fail_at(x, NR_EUNSUP, x->graph_off, "the graph has no layers (nothing between input and output "
                       "but normalization and no-ops)");
    return 0;
}

/* nn2rules.feature_info: for each feature "TYPE LO HI GROUP", comma-separated,
 * TYPE as info prints it (continuous, boolean, one-hot, integer), GROUP -1
 * unless one-hot.  nn2rules writes it next to nn2rules.features. */
static int apply_feature_info(ox_build *b, const char *v, size_t off)
{
    static const char *const types[NN_FEAT_TYPE_END] = {"continuous", "boolean", "one-hot", "integer"};
    nn_model *m = b->m;
    const char *p = v;
    int i;
    if (!m->features)
        return fail_at(b->x, NR_EFORMAT, off, "metadata_props 'nn2rules.feature_info' without feature names");
    for (i = 0; i < m->nfeatures; i++) {
        nn_feature *f = &m->features[i];
        char *end;
        long group;
        int t;
        size_t tl = strcspn(p, " ,");
        for (t = 0; t < NN_FEAT_TYPE_END; t++)
            if (strlen(types[t]) == tl && strncmp(p, types[t], tl) == 0)
                break;
        if (t == NN_FEAT_TYPE_END || p[tl] != ' ')
            goto bad;
        f->min = strtof(p + tl, &end);
        if (end == p + tl || *end != ' ')
            goto bad;
        p = end;
        f->max = strtof(p, &end);
        if (end == p || *end != ' ')
            goto bad;
        p = end;
        group = strtol(p, &end, 10);
        if (end == p || (*end != ',' && *end != 0) || (*end == 0) != (i == m->nfeatures - 1))
            goto bad;
        p = *end ? end + 1 : end;
        f->type = (nn_feature_type)t;
        if (!isfinite(f->min) || !isfinite(f->max) || f->min > f->max || group < -1 || group > NN_MAX_DIM ||
            (group >= 0) != (t == NN_FEAT_ONEHOT) ||
            ((t == NN_FEAT_BOOLEAN || t == NN_FEAT_ONEHOT) && (f->min < 0 || f->max > 1)))
            goto bad;
        f->group = (int)group;
    }
    return 0;
bad:
    return fail_at(b->x, NR_EFORMAT, off, "metadata_props 'nn2rules.feature_info': entry %d of %d is not "
                   "'TYPE LO HI GROUP' with a valid type, range and group", i + 1, m->nfeatures);
}

/* Names from metadata_props: nn2rules.features / feature_names and
 * nn2rules.classes / class_names, comma-separated; and nn2rules.task,
 * classification or regression, which nn2rules writes. */
static int apply_props(ox_build *b)
{
    ox_model *x = b->x;
    for (int i = 0; i < x->nprops; i++) {
        const char *k = x->prop_key[i];
        int feat = strcmp(k, "nn2rules.features") == 0 || strcmp(k, "feature_names") == 0;
        int cls = strcmp(k, "nn2rules.classes") == 0 || strcmp(k, "class_names") == 0;
        char **names = NULL;
        int n = 0, rc;
        nr_error sub;
        if (strcmp(k, "nn2rules.task") == 0) {
            const char *v = x->prop_val[i];
            if (strcmp(v, "classification") != 0 && strcmp(v, "regression") != 0)
                return fail_at(x, NR_EFORMAT, x->prop_off[i], "metadata_props 'nn2rules.task' is '%s', "
                               "expected classification or regression", show(b, 2, v));
            b->m->task = v[0] == 'r' ? NN_TASK_REGRESS : NN_TASK_CLASSIFY;
            continue;
        }
        if (!feat && !cls)
            continue;
        nr_error_clear(&sub);
        if ((rc = nr_names_split(x->prop_val[i], &names, &n, &sub)) == 0)
            rc = nr_model_set_names(b->m, feat ? (const char *const *)names : NULL, feat ? n : 0,
                                    cls ? (const char *const *)names : NULL, cls ? n : 0, &sub);
        nr_names_free(names, n);
        if (rc < 0)
            return nr_error_at_offset(x->err, rc == NR_ENOMEM ? rc : NR_EFORMAT, x->file,
                                      (long long)x->prop_off[i], "metadata_props '%s': %s", show(b, 2, k), sub.msg);
    }
    /* after the names, which reset types and ranges */
    for (int i = 0; i < x->nprops; i++) {
        int rc;
        if (strcmp(x->prop_key[i], "nn2rules.feature_info") == 0 &&
            (rc = apply_feature_info(b, x->prop_val[i], x->prop_off[i])) < 0)
            return rc;
    }
    return 0;
}

static int build(ox_model *x, size_t len, nn_model **out)
{
    ox_build b;
    nn_error nerr;
    char desc[400];
    size_t insz;
    int rc;
    memset(&b, 0, sizeof b);
    b.x = x;
    b.len = len;
    b.fold = -1;
    b.plain = 1;
    *out = NULL;
    if (!x->has_opset)
        return fail_at(x, NR_EUNSUP, 0, "no opset_import for ONNX's default domain");
    if (x->opset < NR_ONNX_OPSET_MIN || x->opset > NR_ONNX_OPSET_MAX)
        return fail_at(x, NR_EUNSUP, x->opset_off, "opset %lld; nn2rules reads opsets %d to %d",
                       (long long)x->opset, NR_ONNX_OPSET_MIN, NR_ONNX_OPSET_MAX);
    if (!(b.m = nn_model_new()))
        return oom(x);
    if ((rc = index_graph(&b)) < 0 || (rc = walk(&b)) < 0)
        goto done;
    b.m->input = b.input;
    insz = nn_shape_size(b.input);
    /* x_net = na x + nb = (x - mean) / std with std = 1/na, mean = -nb/na */
    if (b.na) {
        for (size_t k = 0; k < insz; k++) {
            if (!(b.na[k] > 0) || !isfinite(1 / b.na[k]) || !isfinite(b.nb[k] / b.na[k])) {
                rc = fail_at(x, NR_EUNSUP, x->graph_off, "the input normalization scales value %zu by %g; "
                             "nn2rules needs a positive finite scale", k, (double)b.na[k]);
                goto done;
            }
            b.nb[k] = -b.nb[k] / b.na[k];
            b.na[k] = 1 / b.na[k];
        }
        /* (x - m) / s as written: m and s themselves, not 1 / (1 / s) */
        for (size_t k = 0; b.plain && k < insz; k++) {
            b.nb[k] = b.sub_c ? b.sub_c[k] : 0;
            b.na[k] = b.div_c ? b.div_c[k] : 1;
        }
        b.m->norm_mean = b.nb;
        b.m->norm_std = b.na;
        b.na = b.nb = NULL;
    }
    /* argmax over one output means nothing: a single output is a score */
    b.m->task = nn_shape_size(b.s) == 1 ? NN_TASK_REGRESS : NN_TASK_CLASSIFY;
    snprintf(desc, sizeof desc, "converted from ONNX (producer %s%s%s, opset %lld%s%s)",
             x->producer && x->producer[0] ? x->producer : "unknown", x->producer_version ? " " : "",
             x->producer_version ? x->producer_version : "", (long long)x->opset,
             x->graph_name && x->graph_name[0] ? ", graph " : "", x->graph_name ? x->graph_name : "");
    for (char *p = desc; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (!(b.m->description = strdup(desc))) {
        rc = oom(x);
        goto done;
    }
    memset(&nerr, 0, sizeof nerr);
    if (nn_model_finalize(b.m, &nerr) < 0) {
        rc = nr_error_at_offset(x->err, NR_EFORMAT, x->file, (long long)x->graph_off, "invalid model: %s", nerr.msg);
        goto done;
    }
    if ((rc = apply_props(&b)) < 0)
        goto done;
    if (nn_model_finalize(b.m, &nerr) < 0) {
        rc = nr_error_at_offset(x->err, NR_EFORMAT, x->file, (long long)x->graph_off, "invalid model: %s", nerr.msg);
        goto done;
    }
    *out = b.m;
    b.m = NULL;
done:
    free(b.na);
    free(b.nb);
    free(b.sub_c);
    free(b.div_c);
    nn_model_free(b.m);
    return rc;
}

/* ---- entry points -------------------------------------------------------- */

int nr_onnx_read_mem(const unsigned char *buf, size_t len, const char *name, nn_model **out, nr_error *err)
{
    ox_model x;
    int rc;
    *out = NULL;
    memset(&x, 0, sizeof x);
    x.file = name;
    x.err = err;
    if (len == 0)
        return nr_error_at_offset(err, NR_EFORMAT, name, 0, "truncated: the file is empty");
    if ((rc = parse_model(&x, buf, len)) == 0)
        rc = build(&x, len, out);
    arena_free(&x.ar);
    return rc;
}

int nr_onnx_read(const char *path, nn_model **out, nr_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if ((rc = nr_read_file(path, NR_MODEL_MAX_FILE, &buf, &len, err)) < 0)
        return rc;
    rc = nr_onnx_read_mem(buf, len, path, out, err);
    free(buf);
    return rc;
}

int nr_onnx_sniff(const unsigned char *buf, size_t len)
{
    /* the first field must be a ModelProto field with its wire type, whole */
    pb_cursor c = pb_cursor_make(buf, len, "");
    pb_field f;
    if (pb_next(&c, &f, NULL) != 1)
        return 0;
    switch (f.num) {
    case 1:
    case 5:
        return f.wt == PB_VARINT;
    case 2: case 3: case 4: case 6: case 7: case 8: case 14:
        return f.wt == PB_LEN;
    default:
        return 0;
    }
}
