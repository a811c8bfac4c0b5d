/*
 * model_io.c - model.bin reader and writer (see model_io.h and
 * man/nn2rules-model.5 for the format).
 *
 * The reader walks the file with a bounds-checked cursor: every length and
 * count is compared with the bytes that remain before anything is allocated,
 * so no allocation can exceed the size of the file itself.  Layer tensor
 * sizes are then checked against the shapes the runtime derives, layer by
 * layer, before the runtime ever reads a weight.
 */
#include "model_io.h"
#include "fileio.h"
#include "profile.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const unsigned char MAGIC[8] = {0x89, 'N', '2', 'R', 0x0D, 0x0A, 0x1A, 0x0A};
#define HEADER_SIZE 12

/* ---- reading --------------------------------------------------------- */

typedef struct cursor {
    const unsigned char *p;
    size_t len, pos;      /* within the current payload */
    size_t base;          /* file offset of p[0] */
    const char *name;     /* file name for messages */
    char tag[5];          /* chunk being read */
    nr_error *err;
} cursor;

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int short_payload(cursor *c, size_t need, const char *what)
{
    return nr_error_at_offset(c->err, NR_EFORMAT, c->name, (long long)(c->base + c->pos),
                              "chunk '%s': payload ends before %s (%zu bytes needed, %zu remain)",
                              c->tag, what, need, c->len - c->pos);
}

static int rd_u16(cursor *c, unsigned *v, const char *what)
{
    *v = 0;
    if (c->len - c->pos < 2)
        return short_payload(c, 2, what);
    *v = (unsigned)c->p[c->pos] | (unsigned)c->p[c->pos + 1] << 8;
    c->pos += 2;
    return 0;
}

static int rd_u32(cursor *c, uint32_t *v, const char *what)
{
    *v = 0;
    if (c->len - c->pos < 4)
        return short_payload(c, 4, what);
    *v = get_u32(c->p + c->pos);
    c->pos += 4;
    return 0;
}

static int rd_i32(cursor *c, int32_t *v, const char *what)
{
    uint32_t u;
    int rc = rd_u32(c, &u, what);
    if (rc == 0)
        memcpy(v, &u, 4);
    return rc;
}

static int rd_f32(cursor *c, float *v, const char *what)
{
    uint32_t u;
    int rc = rd_u32(c, &u, what);
    if (rc == 0)
        memcpy(v, &u, 4);
    return rc;
}

static int bad(cursor *c, size_t at, int code, const char *fmt, const char *detail)
{
    return nr_error_at_offset(c->err, code, c->name, (long long)(c->base + at), fmt, c->tag, detail);
}

/* A length-prefixed UTF-8 string: no NUL or other control characters, not
 * empty, so that it can become a name in the rule language. */
static int rd_name(cursor *c, char **out, const char *what)
{
    unsigned n;
    size_t at = c->pos;
    int rc = rd_u16(c, &n, what);
    if (rc)
        return rc;
    if (n == 0)
        return bad(c, at, NR_EFORMAT, "chunk '%s': empty %s", what);
    if (c->len - c->pos < n)
        return short_payload(c, n, what);
    for (unsigned i = 0; i < n; i++)
        if (c->p[c->pos + i] < 0x20 || c->p[c->pos + i] == 0x7f)
            return bad(c, c->pos + i, NR_EFORMAT, "chunk '%s': control character in %s", what);
    if (nr_utf8_valid((const char *)c->p + c->pos, n) != n)
        return bad(c, c->pos + nr_utf8_valid((const char *)c->p + c->pos, n), NR_EFORMAT,
                   "chunk '%s': %s is not UTF-8", what);
    *out = malloc(n + 1);
    if (!*out)
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    memcpy(*out, c->p + c->pos, n);
    (*out)[n] = 0;
    c->pos += n;
    return 0;
}

/* n float32 values; n has already been checked against what remains. */
static int rd_floats(cursor *c, uint32_t n, float **out, const char *what)
{
    if ((uint64_t)n * 4 > c->len - c->pos)
        return short_payload(c, (size_t)n * 4, what);
    *out = malloc((size_t)n * 4 + 4);
    if (!*out)
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    /* byte by byte, so that the file's little-endian order holds on any host */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u = get_u32(c->p + c->pos + 4 * (size_t)i);
        memcpy(&(*out)[i], &u, 4);
    }
    c->pos += (size_t)n * 4;
    return 0;
}

static int check_dim(cursor *c, size_t at, uint32_t v, const char *what)
{
    if (v < 1 || v > NN_MAX_DIM)
        return bad(c, at, NR_ELIMIT, "chunk '%s': %s out of range (1 to 1048576)", what);
    return 0;
}

static int read_head(cursor *c, nn_model *m, uint32_t *nlayers)
{
    uint32_t ch, h, w, task;
    int rc;
    if (c->len != 20)
        return bad(c, 0, NR_EFORMAT, "chunk '%s': %s", "payload must be 20 bytes");
    if ((rc = rd_u32(c, &ch, "input channels")) || (rc = check_dim(c, 0, ch, "input channels")) ||
        (rc = rd_u32(c, &h, "input height")) || (rc = check_dim(c, 4, h, "input height")) ||
        (rc = rd_u32(c, &w, "input width")) || (rc = check_dim(c, 8, w, "input width")) ||
        (rc = rd_u32(c, nlayers, "layer count")) || (rc = rd_u32(c, &task, "task")))
        return rc;
    if ((uint64_t)ch * h * w > NN_MAX_TENSOR)
        return bad(c, 0, NR_ELIMIT, "chunk '%s': %s", "input shape has too many elements");
    if (*nlayers < 1 || *nlayers > NN_MAX_LAYERS)
        return bad(c, 12, NR_ELIMIT, "chunk '%s': %s", "layer count out of range (1 to 4096)");
    if (task > NN_TASK_REGRESS)
        return bad(c, 16, NR_EFORMAT, "chunk '%s': %s", "unknown task (expected 0 or 1)");
    m->input.c = (int)ch;
    m->input.h = (int)h;
    m->input.w = (int)w;
    m->task = (nn_task)task;
    return 0;
}

static int read_feat(cursor *c, nn_model *m)
{
    uint32_t n;
    size_t insize = nn_shape_size(m->input);
    int rc = rd_u32(c, &n, "feature count");
    if (rc)
        return rc;
    if (n != insize) {
        char d[96];
        snprintf(d, sizeof d, "%u features for an input of %zu values", n, insize);
        return bad(c, 0, NR_EFORMAT, "chunk '%s': %s", d);
    }
    /* each record takes at least 17 bytes */
    if ((uint64_t)n * 17 > c->len - c->pos)
        return short_payload(c, (size_t)n * 17, "the feature records");
    m->features = calloc(n, sizeof *m->features);
    if (!m->features)
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    m->nfeatures = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        nn_feature *f = &m->features[i];
        unsigned char type, reserved;
        int32_t group;
        size_t at;
        if ((rc = rd_name(c, &f->name, "feature name")))
            return rc;
        at = c->pos;
        if (c->len - c->pos < 2)
            return short_payload(c, 2, "feature type");
        type = c->p[c->pos];
        reserved = c->p[c->pos + 1];
        c->pos += 2;
        if (type >= NN_FEAT_TYPE_END || reserved != 0)
            return bad(c, at, NR_EFORMAT, "chunk '%s': unknown type of feature '%s'", f->name);
        f->type = (nn_feature_type)type;
        if ((rc = rd_i32(c, &group, "feature group")) || (rc = rd_f32(c, &f->min, "feature minimum")) ||
            (rc = rd_f32(c, &f->max, "feature maximum")))
            return rc;
        if (group < -1 || (group >= 0 && f->type != NN_FEAT_ONEHOT))
            return bad(c, at + 2, NR_EFORMAT, "chunk '%s': bad group of feature '%s'", f->name);
        f->group = group;
        if (!isfinite(f->min) || !isfinite(f->max) || f->min > f->max)
            return bad(c, at + 6, NR_EFORMAT, "chunk '%s': bad range of feature '%s'", f->name);
        /* a Boolean or one-hot input is 0 or 1: its range must lie within [0, 1] */
        if ((f->type == NN_FEAT_BOOLEAN || f->type == NN_FEAT_ONEHOT) && (f->min < 0 || f->max > 1))
            return bad(c, at + 6, NR_EFORMAT,
                       "chunk '%s': Boolean or one-hot feature '%s' has a range outside [0, 1]",
                       f->name);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->features[j].name, f->name) == 0)
                return bad(c, at, NR_EFORMAT, "chunk '%s': duplicate feature name '%s'", f->name);
    }
    return 0;
}

static int read_clas(cursor *c, nn_model *m)
{
    uint32_t n;
    int rc = rd_u32(c, &n, "class count");
    if (rc)
        return rc;
    if (n < 1 || (uint64_t)n * 3 > c->len - c->pos)
        return short_payload(c, (size_t)n * 3, "the class names");
    m->class_names = calloc(n, sizeof *m->class_names);
    if (!m->class_names)
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    m->nclasses = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = c->pos;
        if ((rc = rd_name(c, &m->class_names[i], "class name")))
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->class_names[j], m->class_names[i]) == 0)
                return bad(c, at, NR_EFORMAT, "chunk '%s': duplicate class name '%s'", m->class_names[i]);
    }
    return 0;
}

static int read_norm(cursor *c, nn_model *m)
{
    uint32_t n;
    size_t insize = nn_shape_size(m->input);
    int rc = rd_u32(c, &n, "normalization size");
    if (rc)
        return rc;
    if (n != insize)
        return bad(c, 0, NR_EFORMAT, "chunk '%s': %s", "normalization size differs from the input size");
    if ((uint64_t)n * 8 != c->len - c->pos)
        return short_payload(c, (size_t)n * 8, "the normalization vectors");
    if ((rc = rd_floats(c, n, &m->norm_mean, "normalization means")) ||
        (rc = rd_floats(c, n, &m->norm_std, "normalization deviations")))
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        if (!isfinite(m->norm_mean[i]))
            return bad(c, 4 + 4 * (size_t)i, NR_EFORMAT, "chunk '%s': %s", "non-finite normalization mean");
        /* a zero or denormal deviation makes the scale 1/std overflow, and
         * every input then normalizes to an infinity or NaN */
        if (!isfinite(m->norm_std[i]) || !(m->norm_std[i] >= FLT_MIN)) {
            char d[200];
            snprintf(d, sizeof d, "normalization deviation of input %u is %g; it must be "
                     "finite and at least %g", i, (double)m->norm_std[i], (double)FLT_MIN);
            return bad(c, 4 + 4 * ((size_t)n + i), NR_EFORMAT, "chunk '%s': %s", d);
        }
    }
    return 0;
}

/* One LAYR chunk.  *in is the layer's input shape, advanced to its output. */
static int read_layr(cursor *c, nn_model *m, int index, nn_shape *in)
{
    uint32_t type, flags, ntensors;
    int32_t v[11];
    float alpha;
    nn_layer l;
    nn_layer *stored;
    size_t want[4];
    int nwant, rc;
    float **slots[4];
    nn_error nerr;

    memset(&l, 0, sizeof l);
    if ((rc = rd_u32(c, &type, "layer type")))
        return rc;
    if (type < 1 || type >= NN_LAYER_TYPE_END) {
        char d[64];
        snprintf(d, sizeof d, "unknown layer type %u", type);
        return bad(c, 0, NR_EUNSUP, "chunk '%s': %s", d);
    }
    for (int i = 0; i < 11; i++)
        if ((rc = rd_i32(c, &v[i], "layer parameters")))
            return rc;
    if ((rc = rd_u32(c, &flags, "layer flags")) || (rc = rd_f32(c, &alpha, "layer alpha")) ||
        (rc = rd_u32(c, &ntensors, "tensor count")))
        return rc;
    l.type = (nn_layer_type)type;
    l.units = v[0];
    l.kh = v[1], l.kw = v[2], l.sh = v[3], l.sw = v[4];
    l.pad_t = v[5], l.pad_l = v[6], l.pad_b = v[7], l.pad_r = v[8];
    l.dh = v[9], l.dw = v[10];
    l.flags = flags;
    l.alpha = alpha;
    if (!isfinite(alpha))
        return bad(c, 48, NR_EFORMAT, "chunk '%s': %s", "non-finite alpha");

    /* Shape first (from parameters alone), then the tensor sizes the shape
     * implies, and only then read (and allocate) the tensors. */
    memset(&nerr, 0, sizeof nerr);
    {
        nn_shape out;
        if (nn_layer_output_shape(&l, *in, &out, &nerr) < 0) {
            char d[300];
            snprintf(d, sizeof d, "layer %d (%s): %s", index, nn_layer_type_name(l.type), nerr.msg);
            return bad(c, 0, nerr.code == NN_ELIMIT ? NR_ELIMIT : NR_EFORMAT, "chunk '%s': %s", d);
        }
        nwant = nn_layer_tensor_sizes(&l, *in, want);
        *in = out;
    }
    if ((int64_t)ntensors != nwant) {
        char d[128];
        snprintf(d, sizeof d, "layer %d (%s) must carry %d tensors, found %u", index,
                 nn_layer_type_name(l.type), nwant, ntensors);
        return bad(c, 52, NR_EFORMAT, "chunk '%s': %s", d);
    }
    slots[0] = l.type == NN_BATCHNORM ? &l.bn_gamma : &l.w;
    slots[1] = l.type == NN_BATCHNORM ? &l.bn_beta : &l.b;
    slots[2] = &l.bn_mean;
    slots[3] = &l.bn_var;
    for (int t = 0; t < nwant; t++) {
        uint32_t count;
        size_t at = c->pos;
        if ((rc = rd_u32(c, &count, "tensor size")))
            goto fail;
        if (count != want[t]) {
            char d[160];
            snprintf(d, sizeof d, "layer %d (%s): tensor %d has %u values, the layer's shape needs %zu",
                     index, nn_layer_type_name(l.type), t, count, want[t]);
            rc = bad(c, at, (uint64_t)count * 4 > c->len - c->pos || want[t] > NN_MAX_TENSOR
                                ? NR_ELIMIT : NR_EFORMAT, "chunk '%s': %s", d);
            goto fail;
        }
        if ((rc = rd_floats(c, count, slots[t], "tensor values")))
            goto fail;
        for (uint32_t i = 0; i < count; i++)
            if (!isfinite((*slots[t])[i])) {
                char d[128];
                snprintf(d, sizeof d, "layer %d (%s): tensor %d value %u is %s", index,
                         nn_layer_type_name(l.type), t, i, isnan((*slots[t])[i]) ? "NaN" : "infinite");
                rc = bad(c, at + 4 + 4 * (size_t)i, NR_EFORMAT, "chunk '%s': %s", d);
                goto fail;
            }
    }
    if (c->pos != c->len) {
        rc = bad(c, c->pos, NR_EFORMAT, "chunk '%s': %s", "bytes left over after the layer's tensors");
        goto fail;
    }
    stored = nn_model_add_layer(m, &l);
    if (!stored)
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    return 0;
fail:
    free(l.w), free(l.b), free(l.bn_gamma), free(l.bn_beta), free(l.bn_mean), free(l.bn_var);
    return rc;
}

/* The data profile (optional, ancillary: readers older than it skip it).
 * Sizes are checked against the input and the bytes that remain before
 * anything is allocated; the values are checked once the model is whole
 * (nr_profile_check). */
static int read_prof(cursor *c, nn_model *m)
{
    const size_t nin = nn_model_input_size(m);
    uint32_t lo, hi, nf, nrows;
    unsigned nq;
    nn_profile *p;
    int rc;
    size_t at = c->pos;
    if ((rc = rd_u32(c, &lo, "the row count")) || (rc = rd_u32(c, &hi, "the row count")) ||
        (rc = rd_u32(c, &nf, "the feature count")))
        return rc;
    if (nf != nin)
        return bad(c, at + 8, NR_EFORMAT, "chunk '%s': %s", "the profile's feature count is not the input size");
    at = c->pos;
    if ((rc = rd_u16(c, &nq, "the quantile count")))
        return rc;
    if (nq < 2 || nq > NR_PROFILE_MAX_Q)
        return bad(c, at, NR_EFORMAT, "chunk '%s': %s", "quantile count out of range (2 to 1001)");
    at = c->pos;
    if ((rc = rd_u32(c, &nrows, "the kept row count")))
        return rc;
    /* every feature takes at least 10 + 4 nq bytes, every kept row 4 nin */
    if ((uint64_t)nf * (10 + 4 * (uint64_t)nq) + (uint64_t)nrows * nin * 4 > c->len - c->pos)
        return bad(c, at, NR_EFORMAT, "chunk '%s': %s",
                   "the features and kept rows claimed need more bytes than remain");
    if (!(p = calloc(1, sizeof *p)) || !(p->features = calloc(nf ? nf : 1, sizeof *p->features))) {
        free(p);
        return nr_error_set(c->err, NR_ENOMEM, "out of memory");
    }
    m->profile = p;  /* freed with the model from here on */
    p->nseen = (uint64_t)hi << 32 | lo;
    p->nq = (int)nq;
    p->nfeatures = (int)nf;
    for (uint32_t j = 0; j < nf; j++) {
        nn_feature_profile *fp = &p->features[j];
        unsigned nv;
        if ((rc = rd_f32(c, &fp->mean, "a feature's mean")) || (rc = rd_f32(c, &fp->sd, "a feature's deviation")) ||
            (rc = rd_floats(c, nq, &fp->q, "a feature's quantiles")))
            return rc;
        at = c->pos;
        if ((rc = rd_u16(c, &nv, "a feature's value count")))
            return rc;
        if (nv > NN_PROFILE_MAX_VALUES)
            return bad(c, at, NR_EFORMAT, "chunk '%s': %s", "more values than a profile keeps (32)");
        fp->nvalues = (int)nv;
        if (nv && ((rc = rd_floats(c, nv, &fp->values, "a feature's values")) ||
                   (rc = rd_floats(c, nv, &fp->freq, "a feature's value frequencies"))))
            return rc;
    }
    p->nrows = (int)nrows;
    if (nrows && (rc = rd_floats(c, (uint32_t)(nrows * nin), &p->rows, "the kept rows")))
        return rc;
    return 0;
}

int nr_model_read_mem(const unsigned char *buf, size_t len, const char *name,
                      nn_model **out, nr_error *err)
{
    nn_model *m = NULL;
    size_t pos;
    uint32_t nlayers = 0;
    int rc = 0, seen_head = 0, seen_end = 0, seen_feat = 0, seen_clas = 0, seen_norm = 0;
    int nread = 0;
    size_t prof_at = 0;
    nn_shape shape = {0, 0, 0};
    nn_error nerr;

    *out = NULL;
    if (len < HEADER_SIZE) {
        if (len >= 1 && memcmp(buf, MAGIC, len < 8 ? len : 8) != 0)
            return nr_error_at_offset(err, NR_EFORMAT, name, 0, "not an nn2rules model file (bad magic)");
        return nr_error_at_offset(err, NR_EFORMAT, name, (long long)len,
                                  "truncated: the file is %zu bytes, shorter than the 12-byte header", len);
    }
    if (memcmp(buf, MAGIC, 8) != 0)
        return nr_error_at_offset(err, NR_EFORMAT, name, 0,
                                  buf[0] == 0x08 ? "not an nn2rules model file (bad magic; an ONNX file? use 'nn2rules convert')"
                                                 : "not an nn2rules model file (bad magic)");
    if (((unsigned)buf[8] | (unsigned)buf[9] << 8) != NR_MODEL_MAJOR)
        return nr_error_at_offset(err, NR_EUNSUP, name, 8,
                                  "model file format version %u.%u; this nn2rules reads version %d.x",
                                  (unsigned)buf[8] | (unsigned)buf[9] << 8,
                                  (unsigned)buf[10] | (unsigned)buf[11] << 8, NR_MODEL_MAJOR);
    m = nn_model_new();
    if (!m)
        return nr_error_set(err, NR_ENOMEM, "out of memory");

    pos = HEADER_SIZE;
    while (!seen_end) {
        cursor c;
        uint32_t plen, stored, crc;
        if (pos == len) {
            rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                    "truncated: the file ends before its END chunk");
            goto done;
        }
        if (len - pos < 12) {
            rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                    "truncated: a chunk needs at least 12 bytes, %zu remain", len - pos);
            goto done;
        }
        memset(&c, 0, sizeof c);
        memcpy(c.tag, buf + pos, 4);
        for (int i = 0; i < 4; i++)
            if (!((c.tag[i] >= 'A' && c.tag[i] <= 'Z') || (c.tag[i] >= 'a' && c.tag[i] <= 'z') || c.tag[i] == ' ')) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                        "corrupt: expected a chunk tag (4 letters), found bytes %02x %02x %02x %02x",
                                        buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]);
                goto done;
            }
        plen = get_u32(buf + pos + 4);
        if (plen > len - pos - 12) {
            rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                    "truncated or corrupt: chunk '%s' claims %u bytes of payload, only %zu remain",
                                    c.tag, plen, len - pos - 12);
            goto done;
        }
        stored = get_u32(buf + pos + 8 + plen);
        /* the CRC covers the tag and the payload, as in PNG */
        crc = (uint32_t)crc32(0L, Z_NULL, 0);
        crc = (uint32_t)crc32(crc, buf + pos, 4);
        crc = (uint32_t)crc32(crc, buf + pos + 8, (uInt)plen);
        if (crc != stored) {
            rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                    "corrupt: CRC mismatch in chunk '%s' (bytes %zu to %zu; stored %08x, computed %08x)",
                                    c.tag, pos, pos + 12 + (size_t)plen - 1, stored, crc);
            goto done;
        }
        c.p = buf + pos + 8;
        c.len = plen;
        c.base = pos + 8;
        c.name = name;
        c.err = err;

        if (!seen_head && strcmp(c.tag, "HEAD") != 0) {
            rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                    "expected the HEAD chunk first, found '%s'", c.tag);
            goto done;
        }
        if (strcmp(c.tag, "HEAD") == 0) {
            if (seen_head) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos, "a second HEAD chunk");
                goto done;
            }
            seen_head = 1;
            if ((rc = read_head(&c, m, &nlayers)))
                goto done;
            shape = m->input;
        } else if (strcmp(c.tag, "FEAT") == 0 || strcmp(c.tag, "CLAS") == 0 || strcmp(c.tag, "NORM") == 0) {
            int *seen = c.tag[0] == 'F' ? &seen_feat : c.tag[0] == 'C' ? &seen_clas : &seen_norm;
            if (*seen) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos, "a second '%s' chunk", c.tag);
                goto done;
            }
            *seen = 1;
            rc = c.tag[0] == 'F' ? read_feat(&c, m) : c.tag[0] == 'C' ? read_clas(&c, m) : read_norm(&c, m);
            if (rc)
                goto done;
            if (c.pos != c.len) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)(c.base + c.pos),
                                        "chunk '%s': %zu bytes left over", c.tag, c.len - c.pos);
                goto done;
            }
        } else if (strcmp(c.tag, "LAYR") == 0) {
            if ((uint32_t)nread >= nlayers) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                        "more LAYR chunks than the %u the HEAD chunk declares", nlayers);
                goto done;
            }
            if ((rc = read_layr(&c, m, nread, &shape)))
                goto done;
            nread++;
        } else if (strcmp(c.tag, "desc") == 0) {
            if (memchr(c.p, 0, plen)) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)c.base, "NUL byte in the description");
                goto done;
            }
            if (nr_utf8_valid((const char *)c.p, plen) != plen) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name,
                                        (long long)(c.base + nr_utf8_valid((const char *)c.p, plen)),
                                        "the description is not UTF-8");
                goto done;
            }
            free(m->description);
            if (!(m->description = malloc(plen + 1))) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory");
                goto done;
            }
            memcpy(m->description, c.p, plen);
            m->description[plen] = 0;
        } else if (strcmp(c.tag, "prof") == 0) {
            if (m->profile) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos, "a second 'prof' chunk");
                goto done;
            }
            prof_at = pos;
            if ((rc = read_prof(&c, m)))
                goto done;
            if (c.pos != c.len) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)(c.base + c.pos),
                                        "chunk 'prof': %zu bytes left over", c.len - c.pos);
                goto done;
            }
        } else if (strcmp(c.tag, "END ") == 0) {
            if (plen != 0) {
                rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos, "END chunk with a payload");
                goto done;
            }
            seen_end = 1;
        } else if (c.tag[0] >= 'A' && c.tag[0] <= 'Z') {
            rc = nr_error_at_offset(err, NR_EUNSUP, name, (long long)pos,
                                    "unknown critical chunk '%s' (written by a newer nn2rules?)", c.tag);
            goto done;
        }
        /* unknown ancillary chunks (lowercase first letter) are skipped */
        pos += 12 + (size_t)plen;
    }
    if (pos != len) {
        rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                "%zu bytes after the END chunk", len - pos);
        goto done;
    }
    if ((uint32_t)nread != nlayers) {
        rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)pos,
                                "the HEAD chunk declares %u layers, the file has %d", nlayers, nread);
        goto done;
    }
    memset(&nerr, 0, sizeof nerr);
    if (nn_model_finalize(m, &nerr) < 0) {
        rc = nr_error_at(err, NR_EFORMAT, name, 0, 0, "invalid model: %s", nerr.msg);
        goto done;
    }
    if (m->profile && (rc = nr_profile_check(m->profile, m, err)) < 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        rc = nr_error_at_offset(err, NR_EFORMAT, name, (long long)prof_at, "chunk 'prof': %s", msg);
        goto done;
    }
    *out = m;
    m = NULL;
done:
    nn_model_free(m);
    return rc;
}

int nr_model_read(const char *path, nn_model **out, nr_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if ((rc = nr_read_file(path, NR_MODEL_MAX_FILE, &buf, &len, err)) < 0)
        return rc;
    rc = nr_model_read_mem(buf, len, path, out, err);
    free(buf);
    return rc;
}

/* ---- writing --------------------------------------------------------- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        unsigned char *p;
        while (ncap < b->len + n)
            ncap *= 2;
        if (!(p = realloc(b->p, ncap))) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u32(buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}

static void put_u16(buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, x, 2);
}

static void put_f32(buf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(b, u);
}

static void put_floats(buf *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_f32(b, v[i]);
}

static void put_name(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > 65535)
        n = 65535;
    put_u16(b, (unsigned)n);
    put(b, s, n);
}

/* Begin a chunk; returns the offset of its tag for end_chunk(). */
static size_t begin_chunk(buf *b, const char *tag)
{
    size_t at = b->len;
    put(b, tag, 4);
    put_u32(b, 0);
    return at;
}

static void end_chunk(buf *b, size_t at)
{
    uint32_t plen, crc;
    if (b->oom)
        return;
    plen = (uint32_t)(b->len - at - 8);
    b->p[at + 4] = (unsigned char)plen;
    b->p[at + 5] = (unsigned char)(plen >> 8);
    b->p[at + 6] = (unsigned char)(plen >> 16);
    b->p[at + 7] = (unsigned char)(plen >> 24);
    crc = (uint32_t)crc32(0L, Z_NULL, 0);
    crc = (uint32_t)crc32(crc, b->p + at, 4);
    crc = (uint32_t)crc32(crc, b->p + at + 8, plen);
    put_u32(b, crc);
}

int nr_model_write_mem(const nn_model *m, unsigned char **out, size_t *outlen, nr_error *err)
{
    buf b = {0};
    size_t at, insize = nn_model_input_size(m);

    *out = NULL;
    *outlen = 0;
    put(&b, MAGIC, 8);
    put_u16(&b, NR_MODEL_MAJOR);
    put_u16(&b, NR_MODEL_MINOR);

    at = begin_chunk(&b, "HEAD");
    put_u32(&b, (uint32_t)m->input.c);
    put_u32(&b, (uint32_t)m->input.h);
    put_u32(&b, (uint32_t)m->input.w);
    put_u32(&b, (uint32_t)m->nlayers);
    put_u32(&b, (uint32_t)m->task);
    end_chunk(&b, at);

    if (m->features) {
        at = begin_chunk(&b, "FEAT");
        put_u32(&b, (uint32_t)m->nfeatures);
        for (int i = 0; i < m->nfeatures; i++) {
            const nn_feature *f = &m->features[i];
            unsigned char tr[2] = {(unsigned char)f->type, 0};
            put_name(&b, f->name);
            put(&b, tr, 2);
            put_u32(&b, (uint32_t)f->group);
            put_f32(&b, f->min);
            put_f32(&b, f->max);
        }
        end_chunk(&b, at);
    }
    if (m->class_names) {
        at = begin_chunk(&b, "CLAS");
        put_u32(&b, (uint32_t)m->nclasses);
        for (int i = 0; i < m->nclasses; i++)
            put_name(&b, m->class_names[i]);
        end_chunk(&b, at);
    }
    if (m->norm_mean && m->norm_std) {
        at = begin_chunk(&b, "NORM");
        put_u32(&b, (uint32_t)insize);
        put_floats(&b, m->norm_mean, insize);
        put_floats(&b, m->norm_std, insize);
        end_chunk(&b, at);
    }
    if (m->description) {
        at = begin_chunk(&b, "desc");
        put(&b, m->description, strlen(m->description));
        end_chunk(&b, at);
    }
    if (m->profile) {
        const nn_profile *p = m->profile;
        at = begin_chunk(&b, "prof");
        put_u32(&b, (uint32_t)(p->nseen & 0xffffffffu));
        put_u32(&b, (uint32_t)(p->nseen >> 32));
        put_u32(&b, (uint32_t)p->nfeatures);
        put_u16(&b, (unsigned)p->nq);
        put_u32(&b, (uint32_t)p->nrows);
        for (int j = 0; j < p->nfeatures; j++) {
            const nn_feature_profile *fp = &p->features[j];
            put_f32(&b, fp->mean);
            put_f32(&b, fp->sd);
            put_floats(&b, fp->q, (size_t)p->nq);
            put_u16(&b, (unsigned)fp->nvalues);
            put_floats(&b, fp->values, (size_t)fp->nvalues);
            put_floats(&b, fp->freq, (size_t)fp->nvalues);
        }
        put_floats(&b, p->rows, (size_t)p->nrows * insize);
        end_chunk(&b, at);
    }
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        size_t n[4];
        int nt = nn_layer_tensor_sizes(l, l->in, n);
        const float *t[4];
        int32_t v[11] = {l->units, l->kh, l->kw, l->sh, l->sw, l->pad_t, l->pad_l,
                         l->pad_b, l->pad_r, l->dh, l->dw};
        t[0] = l->type == NN_BATCHNORM ? l->bn_gamma : l->w;
        t[1] = l->type == NN_BATCHNORM ? l->bn_beta : l->b;
        t[2] = l->bn_mean;
        t[3] = l->bn_var;
        at = begin_chunk(&b, "LAYR");
        put_u32(&b, (uint32_t)l->type);
        for (int k = 0; k < 11; k++)
            put_u32(&b, (uint32_t)v[k]);
        put_u32(&b, l->flags);
        put_f32(&b, l->alpha);
        put_u32(&b, (uint32_t)nt);
        for (int k = 0; k < nt; k++) {
            put_u32(&b, (uint32_t)n[k]);
            put_floats(&b, t[k], n[k]);
        }
        end_chunk(&b, at);
    }
    at = begin_chunk(&b, "END ");
    end_chunk(&b, at);
    if (b.oom) {
        free(b.p);
        return nr_error_set(err, NR_ENOMEM, "out of memory writing the model");
    }
    *out = b.p;
    *outlen = b.len;
    return 0;
}

int nr_model_write(const char *path, const nn_model *m, nr_error *err)
{
    unsigned char *data;
    size_t len;
    int rc = nr_model_write_mem(m, &data, &len, err);
    if (rc < 0)
        return rc;
    rc = nr_write_file_atomic(path, data, len, err);
    free(data);
    return rc;
}
