/*
 * test_onnx.c - the ONNX reader (onnx.c, pb.c), the reader dispatch
 * (model_load.c) and the metadata helpers (model_meta.c).
 *
 * The example models must give PyTorch's outputs; every malformed or
 * unsupported graph is built here, byte by byte, with a small protobuf
 * writer, so that each case is exactly the one it claims to be.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutest.h"
#include "fileio.h"
#include "model_io.h"
#include "model_load.h"
#include "model_meta.h"
#include "onnx.h"

/* ---- a protobuf writer ------------------------------------------------- */

typedef struct pbw {
    unsigned char *p;
    size_t len, cap;
} pbw;

static void w_bytes(pbw *w, const void *d, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 64;
        w->p = realloc(w->p, w->cap);
    }
    if (n)
        memcpy(w->p + w->len, d, n);
    w->len += n;
}

static void w_varint(pbw *w, uint64_t v)
{
    unsigned char b[10];
    int n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    w_bytes(w, b, (size_t)n);
}

static void w_key(pbw *w, unsigned field, int wt)
{
    w_varint(w, (uint64_t)field << 3 | (unsigned)wt);
}

static void w_uint(pbw *w, unsigned field, uint64_t v)
{
    w_key(w, field, 0);
    w_varint(w, v);
}

static void w_len(pbw *w, unsigned field, const void *d, size_t n)
{
    w_key(w, field, 2);
    w_varint(w, n);
    w_bytes(w, d, n);
}

static void w_str(pbw *w, unsigned field, const char *s)
{
    w_len(w, field, s, strlen(s));
}

/* Append sub as a nested message and free it. */
static void w_msg(pbw *w, unsigned field, pbw *sub)
{
    w_len(w, field, sub->p, sub->len);
    free(sub->p);
    memset(sub, 0, sizeof *sub);
}

static void w_f32(pbw *w, unsigned field, float f)
{
    unsigned char b[4];
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(u >> (8 * i));
    w_key(w, field, 5);
    w_bytes(w, b, 4);
}

/* ---- ONNX builders ------------------------------------------------------- */

/* A TensorProto of float32 values in raw_data. */
static void tensor_f32(pbw *t, const char *name, const int64_t *dims, int nd, const float *v)
{
    size_t n = 1;
    pbw raw = {0};
    for (int i = 0; i < nd; i++) {
        w_uint(t, 1, (uint64_t)dims[i]);
        n *= (size_t)dims[i];
    }
    w_uint(t, 2, 1);
    w_str(t, 8, name);
    for (size_t k = 0; k < n; k++) {
        uint32_t u;
        unsigned char b[4];
        memcpy(&u, &v[k], 4);
        for (int i = 0; i < 4; i++)
            b[i] = (unsigned char)(u >> (8 * i));
        w_bytes(&raw, b, 4);
    }
    w_msg(t, 9, &raw);
}

static void g_init_f32(pbw *g, const char *name, const int64_t *dims, int nd, const float *v)
{
    pbw t = {0};
    tensor_f32(&t, name, dims, nd, v);
    w_msg(g, 5, &t);
}

static void g_init_i64(pbw *g, const char *name, const int64_t *v, int n)
{
    pbw t = {0}, packed = {0};
    w_uint(&t, 1, (uint64_t)n);
    w_uint(&t, 2, 7);
    w_str(&t, 8, name);
    for (int i = 0; i < n; i++)
        w_varint(&packed, (uint64_t)v[i]);
    w_msg(&t, 7, &packed);
    w_msg(g, 5, &t);
}

/* Attributes, appended to a list that g_node() takes. */
static void a_int(pbw *attrs, const char *name, int64_t v)
{
    pbw a = {0};
    w_str(&a, 1, name);
    w_uint(&a, 3, (uint64_t)v);
    w_uint(&a, 20, 2);
    w_msg(attrs, 5, &a);
}

static void a_float(pbw *attrs, const char *name, float v)
{
    pbw a = {0};
    w_str(&a, 1, name);
    w_f32(&a, 2, v);
    w_uint(&a, 20, 1);
    w_msg(attrs, 5, &a);
}

static void a_ints(pbw *attrs, const char *name, const int64_t *v, int n)
{
    pbw a = {0};
    w_str(&a, 1, name);
    for (int i = 0; i < n; i++)
        w_uint(&a, 8, (uint64_t)v[i]);
    w_uint(&a, 20, 7);
    w_msg(attrs, 5, &a);
}

static void a_str(pbw *attrs, const char *name, const char *s)
{
    pbw a = {0};
    w_str(&a, 1, name);
    w_str(&a, 4, s);
    w_uint(&a, 20, 3);
    w_msg(attrs, 5, &a);
}

/* A node; ins and outs are comma-separated names ("" entries allowed). */
static void g_node(pbw *g, const char *op, const char *name, const char *ins, const char *outs, pbw *attrs)
{
    pbw n = {0};
    const char *lists[2] = {ins, outs};
    for (int k = 0; k < 2; k++) {
        const char *p = lists[k];
        while (p && *p) {
            const char *c = strchr(p, ',');
            size_t l = c ? (size_t)(c - p) : strlen(p);
            w_len(&n, 1 + (unsigned)k, p, l);
            p = c ? c + 1 : NULL;
        }
    }
    if (name)
        w_str(&n, 3, name);
    w_str(&n, 4, op);
    if (attrs && attrs->len) {
        w_bytes(&n, attrs->p, attrs->len);
        free(attrs->p);
        memset(attrs, 0, sizeof *attrs);
    }
    w_msg(g, 1, &n);
}

/* A float graph input or output; dims[0] == 0 means a symbolic "batch",
 * a negative dim the symbolic name "features". */
static void g_value(pbw *g, unsigned field, const char *name, const int64_t *dims, int nd)
{
    pbw v = {0}, type = {0}, tensor = {0}, shape = {0};
    for (int i = 0; i < nd; i++) {
        pbw d = {0};
        if (dims[i] == 0)
            w_str(&d, 2, "batch");
        else if (dims[i] < 0)
            w_str(&d, 2, "features");
        else
            w_uint(&d, 1, (uint64_t)dims[i]);
        w_msg(&shape, 1, &d);
    }
    w_uint(&tensor, 1, 1);
    w_msg(&tensor, 2, &shape);
    w_msg(&type, 1, &tensor);
    w_str(&v, 1, name);
    w_msg(&v, 2, &type);
    w_msg(g, field, &v);
}

/* The ModelProto around a graph (freed). */
static pbw model_of(pbw *g, int opset, const char *props)
{
    pbw m = {0}, op = {0};
    w_uint(&m, 1, 8);
    w_str(&m, 2, "test");
    w_msg(&m, 7, g);
    w_str(&op, 1, "");
    w_uint(&op, 2, (uint64_t)opset);
    w_msg(&m, 8, &op);
    if (props) {
        pbw p = {0};
        const char *eq = strchr(props, '=');
        w_len(&p, 1, props, (size_t)(eq - props));
        w_str(&p, 2, eq + 1);
        w_msg(&m, 14, &p);
    }
    return m;
}

/* With NR_ONNX_SEEDS=DIR in the environment, every model built here is
 * also written to DIR, as seeds for the fuzz target (make fuzz-onnx). */
static void save_seed(const pbw *model)
{
    static int count;
    const char *dir = getenv("NR_ONNX_SEEDS");
    char path[512];
    FILE *f;
    if (!dir || !*dir)
        return;
    snprintf(path, sizeof path, "%s/built-%03d.onnx", dir, count++);
    if ((f = fopen(path, "wb"))) {
        fwrite(model->p, 1, model->len, f);
        fclose(f);
    }
}

/* Read a built model; returns the reader's code, message in err. */
static int read_built(pbw *model, nn_model **m, nr_error *err)
{
    int rc;
    save_seed(model);
    nr_error_clear(err);
    rc = nr_onnx_read_mem(model->p, model->len, "t.onnx", m, err);
    free(model->p);
    memset(model, 0, sizeof *model);
    if (rc < 0) {
        CU_ASSERT_PTR_NULL(*m);
        CU_ASSERT(err->msg[0] != 0);
    }
    return rc;
}

static int has(const nr_error *err, const char *s)
{
    if (strstr(err->msg, s))
        return 1;
    fprintf(stderr, "\n  message '%s' lacks '%s'\n", err->msg, s);
    return 0;
}

/* A 2-input, 3-output Gemm graph: the base of many cases. */
static const float W23[6] = {1, 2, -1, 0.5f, 3, -2}; /* [3][2] */
static const float B3[3] = {0.1f, -0.2f, 0.3f};

static void gemm_graph(pbw *g)
{
    static const int64_t wd[2] = {3, 2}, bd[1] = {3}, in[2] = {0, 2}, out[2] = {0, 3};
    pbw at = {0};
    g_value(g, 11, "input", in, 2);
    g_value(g, 12, "output", out, 2);
    g_init_f32(g, "W", wd, 2, W23);
    g_init_f32(g, "B", bd, 1, B3);
    a_int(&at, "transB", 1);
    g_node(g, "Gemm", "fc", "input,W,B", "output", &at);
}

static void forward1(const nn_model *m, const float *x, float *y)
{
    nn_workspace *ws = nn_workspace_new(m, 1);
    nn_error nerr;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    CU_ASSERT_EQUAL(nn_forward(m, ws, x, 1, y, &nerr), 0);
    nn_workspace_free(ws);
}

/* ---- the examples ---------------------------------------------------------- */

static int read_vectors(const char *path, int *nin, int *nout, int *count, float **v)
{
    FILE *f = fopen(path, "r");
    size_t total;
    if (!f)
        return -1;
    if (fscanf(f, "%d %d %d", nin, nout, count) != 3) {
        fclose(f);
        return -1;
    }
    total = (size_t)(*nin + *nout) * (size_t)*count;
    *v = malloc(total * sizeof **v);
    for (size_t k = 0; k < total; k++)
        if (fscanf(f, "%f", &(*v)[k]) != 1) {
            fclose(f);
            return -1;
        }
    fclose(f);
    return 0;
}

/* Each example's model.onnx gives PyTorch's outputs on vectors.txt, and the
 * same as its model.bin, from raw inputs: the graph normalizes them itself
 * (so that --like, which would normalize a second time, is refused). */
static void test_examples(void)
{
    DIR *dir = opendir(TEST_TOP "/examples");
    struct dirent *de;
    int checked = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    while ((de = readdir(dir))) {
        char po[512], pb[512], pv[512];
        struct stat st;
        nn_model *mo = NULL, *mb = NULL;
        nr_error err;
        int nin, nout, count;
        float *v = NULL, *yo, *yb;
        double maxerr = 0, maxdiff = 0;
        if (de->d_name[0] == '.')
            continue;
        snprintf(po, sizeof po, TEST_TOP "/examples/%s/model.onnx", de->d_name);
        snprintf(pb, sizeof pb, TEST_TOP "/examples/%s/model.bin", de->d_name);
        snprintf(pv, sizeof pv, TEST_TOP "/examples/%s/vectors.txt", de->d_name);
        if (stat(po, &st) || stat(pb, &st) || stat(pv, &st))
            continue;
        nr_error_clear(&err);
        if (nr_model_load(po, &mo, NULL, NULL, &err) < 0)
            fprintf(stderr, "\n  %s: %s\n", po, err.msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
        CU_ASSERT_EQUAL_FATAL(nr_model_load(pb, &mb, NULL, NULL, &err), 0);
        CU_ASSERT_EQUAL(!mo->norm_mean, !mb->norm_mean);
        if (mb->norm_mean)
            CU_ASSERT(nr_model_copy_meta(mo, mb, &err) < 0);
        CU_ASSERT_EQUAL_FATAL(read_vectors(pv, &nin, &nout, &count, &v), 0);
        CU_ASSERT_EQUAL_FATAL((size_t)nin, nn_model_input_size(mo));
        CU_ASSERT_EQUAL_FATAL((size_t)nout, nn_model_output_size(mo));
        yo = malloc((size_t)nout * sizeof *yo);
        yb = malloc((size_t)nout * sizeof *yb);
        for (int r = 0; r < count; r++) {
            const float *x = v + (size_t)r * (size_t)(nin + nout), *want = x + nin;
            forward1(mo, x, yo);
            forward1(mb, x, yb);
            for (int j = 0; j < nout; j++) {
                double e = fabs((double)yo[j] - want[j]), d = fabs((double)yo[j] - yb[j]);
                maxerr = e > maxerr ? e : maxerr;
                maxdiff = d > maxdiff ? d : maxdiff;
            }
        }
        if (maxerr > 1e-5 || maxdiff > 1e-5)
            fprintf(stderr, "\n  %s: max error %g, max difference from model.bin %g\n", po, maxerr, maxdiff);
        CU_ASSERT(maxerr <= 1e-5);
        CU_ASSERT(maxdiff <= 1e-5);
        /* the layers are model.bin's, but for Dropout, which is not in the graph */
        for (int i = 0, j = 0; i < mb->nlayers; i++) {
            if (mb->layers[i].type == NN_DROPOUT)
                continue;
            CU_ASSERT(j < mo->nlayers && mo->layers[j].type == mb->layers[i].type);
            j++;
        }
        checked++;
        free(v);
        free(yo);
        free(yb);
        nn_model_free(mo);
        nn_model_free(mb);
    }
    closedir(dir);
    CU_ASSERT(checked >= 4);
}

/* Every prefix of a real file is refused cleanly. */
static void test_truncated(void)
{
    unsigned char *buf;
    size_t len;
    nr_error err;
    CU_ASSERT_EQUAL_FATAL(nr_read_file(TEST_TOP "/examples/iris/model.onnx", 1 << 20, &buf, &len, &err), 0);
    for (size_t n = 0; n < len; n++) {
        nn_model *m = NULL;
        nr_error_clear(&err);
        CU_ASSERT(nr_onnx_read_mem(buf, n, "cut.onnx", &m, &err) < 0);
        CU_ASSERT_PTR_NULL(m);
        CU_ASSERT(err.msg[0] != 0);
        CU_ASSERT(err.offset >= 0 && err.offset <= (long long)n);
    }
    free(buf);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Random bytes, and random damage to a real file: never a crash. */
static void test_random(void)
{
    uint32_t seed = 12345;
    unsigned char *orig, *buf = malloc(4096);
    size_t len;
    nr_error err;
    int refused = 0;
    for (int t = 0; t < 3000; t++) {
        size_t n = lcg(&seed) % 4096;
        nn_model *m = NULL;
        for (size_t k = 0; k < n; k++)
            buf[k] = (unsigned char)lcg(&seed);
        nr_error_clear(&err);
        if (nr_onnx_read_mem(buf, n, "random.onnx", &m, &err) < 0) {
            refused++;
            CU_ASSERT(err.msg[0] != 0);
        }
        nn_model_free(m);
    }
    CU_ASSERT_EQUAL(refused, 3000);
    CU_ASSERT_EQUAL_FATAL(nr_read_file(TEST_TOP "/examples/digits/model.onnx", 1 << 20, &orig, &len, &err), 0);
    for (int t = 0; t < 2000; t++) {
        unsigned char *copy = malloc(len);
        nn_model *m = NULL;
        memcpy(copy, orig, len);
        for (int k = 0; k < 1 + t % 4; k++)
            copy[lcg(&seed) % len] = (unsigned char)lcg(&seed);
        nr_error_clear(&err);
        if (nr_onnx_read_mem(copy, len, "damaged.onnx", &m, &err) < 0)
            CU_ASSERT(err.msg[0] != 0);
        nn_model_free(m);
        free(copy);
    }
    free(orig);
    free(buf);
}

static void test_gemm(void)
{
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[2] = {0.5f, -1}, y[3];
    gemm_graph(&g);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_EQUAL(m->nlayers, 1);
    CU_ASSERT_EQUAL(m->input.c, 2);
    forward1(m, x, y);
    for (int o = 0; o < 3; o++)
        CU_ASSERT_DOUBLE_EQUAL(y[o], W23[2 * o] * x[0] + W23[2 * o + 1] * x[1] + B3[o], 1e-6);
    nn_model_free(m);
}

/* transB=0 stores B as [in][out]; alpha scales W, beta the bias. */
static void test_gemm_trans_alpha_beta(void)
{
    static const int64_t wd[2] = {2, 3}, bd[2] = {1, 3}, in[2] = {0, 2}, out[2] = {0, 3};
    static const float wt[6] = {1, -1, 3, 2, 0.5f, -2}; /* W23 transposed */
    pbw g = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[2] = {0.25f, 2}, y[3];
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "W", wd, 2, wt);
    g_init_f32(&g, "B", bd, 2, B3);
    a_float(&at, "alpha", 2);
    a_float(&at, "beta", 0.5f);
    g_node(&g, "Gemm", "fc", "input,W,B", "output", &at);
    model = model_of(&g, 11, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    forward1(m, x, y);
    for (int o = 0; o < 3; o++)
        CU_ASSERT_DOUBLE_EQUAL(y[o], 2 * (W23[2 * o] * x[0] + W23[2 * o + 1] * x[1]) + 0.5 * B3[o], 1e-6);
    nn_model_free(m);
    /* transA is refused */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "W", wd, 2, wt);
    a_int(&at, "transA", 1);
    g_node(&g, "Gemm", "fc", "input,W", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'fc' (Gemm)") && has(&err, "transA"));
}

static void test_matmul_add(void)
{
    static const int64_t wd[2] = {2, 3}, bd[1] = {3}, in[2] = {0, 2}, out[2] = {0, 3};
    static const float wt[6] = {1, -1, 3, 2, 0.5f, -2}; /* W23 transposed */
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[2] = {-1.5f, 0.75f}, y[3];
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "W", wd, 2, wt);
    g_init_f32(&g, "B", bd, 1, B3);
    g_node(&g, "MatMul", "mm", "input,W", "h", NULL);
    g_node(&g, "Add", "add", "B,h", "output", NULL); /* constant first: Add commutes */
    model = model_of(&g, 9, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_EQUAL(m->nlayers, 1);
    forward1(m, x, y);
    for (int o = 0; o < 3; o++)
        CU_ASSERT_DOUBLE_EQUAL(y[o], W23[2 * o] * x[0] + W23[2 * o + 1] * x[1] + B3[o], 1e-6);
    nn_model_free(m);
}

/* Sub and Div by constants in front become the model's normalization. */
static void test_normalization(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 3}, md[2] = {1, 2}, sd[1] = {1};
    static const float mean[2] = {10, -4}, div[1] = {4};
    pbw g = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[2] = {12, -2}, y[3];
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "mean", md, 2, mean);
    g_init_f32(&g, "std", sd, 0, div);
    g_node(&g, "Sub", "sub", "input,mean", "a", NULL);
    g_node(&g, "Div", "div", "a,std", "b", NULL);
    {
        static const int64_t wd[2] = {3, 2}, bd[1] = {3};
        g_init_f32(&g, "W", wd, 2, W23);
        g_init_f32(&g, "B", bd, 1, B3);
        a_int(&at, "transB", 1);
        g_node(&g, "Gemm", "fc", "b,W,B", "output", &at);
    }
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->norm_mean);
    CU_ASSERT_DOUBLE_EQUAL(m->norm_mean[0], 10, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(m->norm_mean[1], -4, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(m->norm_std[0], 4, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(m->norm_std[1], 4, 1e-6);
    forward1(m, x, y);
    for (int o = 0; o < 3; o++)
        CU_ASSERT_DOUBLE_EQUAL(y[o], W23[2 * o] * 0.5 + W23[2 * o + 1] * 0.5 + B3[o], 1e-5);
    nn_model_free(m);
    /* c - x is no normalization */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "c", sd, 0, div);
    g_node(&g, "Sub", "rsub", "c,input", "a", NULL);
    g_node(&g, "Relu", "relu", "a", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'rsub' (Sub)") && has(&err, "second operand"));
}

/* Per-channel normalization of an image from an initializer [1, C, 1, 1]
 * and a Constant node [C, 1, 1]: x_net = (x - m) * k. */
static void test_normalization_channels(void)
{
    static const int64_t in[4] = {0, 2, 2, 2}, out[2] = {0, 2}, md[4] = {1, 2, 1, 1};
    static const float mean[2] = {1, 2}, scale[2] = {0.5f, 4};
    pbw g = {0}, cattr = {0}, t = {0}, a = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    g_value(&g, 11, "input", in, 4);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "m", md, 4, mean);
    {
        static const int64_t kd[3] = {2, 1, 1};
        tensor_f32(&t, "", kd, 3, scale);
    }
    w_str(&a, 1, "value");
    w_msg(&a, 5, &t);
    w_uint(&a, 20, 4);
    w_msg(&cattr, 5, &a);
    g_node(&g, "Constant", NULL, "", "k", &cattr);
    g_node(&g, "Sub", "sub", "input,m", "a", NULL);
    g_node(&g, "Mul", "mul", "k,a", "b", NULL);
    g_node(&g, "GlobalAveragePool", "gap", "b", "c", NULL);
    g_node(&g, "Flatten", "flat", "c", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_EQUAL(m->nlayers, 2);
    CU_ASSERT_EQUAL(m->task, NN_TASK_CLASSIFY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->norm_mean);
    for (int k = 0; k < 8; k++) {
        CU_ASSERT_DOUBLE_EQUAL(m->norm_mean[k], k < 4 ? 1 : 2, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(m->norm_std[k], k < 4 ? 2 : 0.25, 1e-6);
    }
    nn_model_free(m);
}

/* float64 in raw_data and float16 in int32_data (and raw_data) are
 * converted to float32, subnormals and all. */
static void test_float64_float16(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 3};
    /* halves: 1.0, 2^-24 (smallest subnormal), -2.0, 65504, 0.5, -0.0 */
    static const unsigned halves[6] = {0x3c00, 0x0001, 0xc000, 0x7bff, 0x3800, 0x8000};
    static const float want_w[6] = {1.0f, 5.9604645e-08f, -2.0f, 65504.0f, 0.5f, -0.0f};
    const double bias[3] = {0.125, -1e-3, 3.5};
    pbw g = {0}, t = {0}, raw = {0}, packed = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    w_uint(&t, 1, 3);
    w_uint(&t, 1, 2);
    w_uint(&t, 2, 10);
    w_str(&t, 8, "W16");
    for (int i = 0; i < 6; i++)
        w_varint(&packed, halves[i]);
    w_msg(&t, 5, &packed);
    w_msg(&g, 5, &t);
    w_uint(&t, 1, 3);
    w_uint(&t, 2, 11);
    w_str(&t, 8, "B64");
    for (int i = 0; i < 3; i++) {
        uint64_t u;
        unsigned char b[8];
        memcpy(&u, &bias[i], 8);
        for (int k = 0; k < 8; k++)
            b[k] = (unsigned char)(u >> (8 * k));
        w_bytes(&raw, b, 8);
    }
    w_msg(&t, 9, &raw);
    w_msg(&g, 5, &t);
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,W16,B64", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    for (int i = 0; i < 6; i++)
        CU_ASSERT(m->layers[0].w[i] == want_w[i]);
    CU_ASSERT(signbit(m->layers[0].w[5]));
    for (int i = 0; i < 3; i++)
        CU_ASSERT(m->layers[0].b[i] == (float)bias[i]);
    nn_model_free(m);
    /* an infinite half is refused, naming the initializer */
    g = (pbw){0};
    w_uint(&t, 1, 3);
    w_uint(&t, 2, 10);
    w_str(&t, 8, "Binf");
    {
        unsigned char r[6] = {0x00, 0x3c, 0x00, 0x7c, 0x00, 0x00};
        w_len(&t, 9, r, 6);
    }
    w_msg(&g, 5, &t);
    {
        static const int64_t wd[2] = {3, 2};
        g_init_f32(&g, "W", wd, 2, W23);
    }
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,W,Binf", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) < 0);
    CU_ASSERT(has(&err, "initializer 'Binf'") && has(&err, "infinite"));
}

static void test_unsupported_op(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 3};
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "r", "input", "a", NULL);
    g_node(&g, "LogSoftmax", "LogSoftmax_7", "a", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'LogSoftmax_7' (LogSoftmax): operator not supported"));
    CU_ASSERT(err.offset > 0);
    /* an unnamed node is named by its index; an Add in the middle */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    {
        static const int64_t d[1] = {2};
        static const float one[2] = {1, 1};
        g_init_f32(&g, "one", d, 1, one);
    }
    g_node(&g, "Relu", NULL, "input", "a", NULL);
    g_node(&g, "Add", NULL, "a,one", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node #1 (Add): not supported here"));
    /* another domain */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    {
        pbw n = {0};
        w_str(&n, 1, "input");
        w_str(&n, 2, "output");
        w_str(&n, 3, "fused");
        w_str(&n, 4, "FusedGemm");
        w_str(&n, 7, "com.microsoft");
        w_msg(&g, 1, &n);
    }
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'fused' (FusedGemm)") && has(&err, "com.microsoft"));
}

static void test_size_mismatch(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 3};
    pbw g = {0}, t = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    unsigned char raw[20] = {0};
    /* dims [3, 2]: 6 floats, 24 bytes; raw_data has 20 */
    w_uint(&t, 1, 3);
    w_uint(&t, 1, 2);
    w_uint(&t, 2, 1);
    w_str(&t, 8, "fc.weight");
    w_len(&t, 9, raw, sizeof raw);
    w_msg(&g, 5, &t);
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,fc.weight", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EFORMAT);
    CU_ASSERT(has(&err, "initializer 'fc.weight': dims say 6 values (24 bytes of float32), raw_data holds 20 bytes"));
    /* float_data with 5 values for 6 */
    g = (pbw){0};
    w_uint(&t, 1, 3);
    w_uint(&t, 1, 2);
    w_uint(&t, 2, 1);
    w_str(&t, 8, "fc.weight");
    for (int i = 0; i < 5; i++)
        w_f32(&t, 4, 1.0f);
    w_msg(&g, 5, &t);
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,fc.weight", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EFORMAT);
    CU_ASSERT(has(&err, "dims say 6 values, float_data holds 5"));
    /* dims claiming 2^40 values over 4 bytes: refused before any allocation */
    g = (pbw){0};
    w_uint(&t, 1, (uint64_t)1 << 20);
    w_uint(&t, 1, (uint64_t)1 << 20);
    w_uint(&t, 2, 1);
    w_str(&t, 8, "huge");
    w_len(&t, 9, raw, 4);
    w_msg(&g, 5, &t);
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,huge", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) < 0);
    /* a length prefix beyond the end of the file */
    {
        unsigned char bad[] = {0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a};
        nr_error_clear(&err);
        CU_ASSERT(nr_onnx_read_mem(bad, sizeof bad, "bad.onnx", &m, &err) == NR_EFORMAT);
        CU_ASSERT(has(&err, "claims 4294967295 bytes"));
        CU_ASSERT_EQUAL(err.offset, 2);
    }
}

static void test_branch(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 2};
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "left", "input", "a", NULL);
    g_node(&g, "Sigmoid", "right", "input", "b", NULL);
    g_node(&g, "Add", "join", "a,b", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'left' (Relu): the graph branches: tensor 'input' also feeds node 'right' (Sigmoid)"));
    /* a skip connection: the second input comes from another node */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "r1", "input", "a", NULL);
    g_node(&g, "Tanh", "t", "a", "b", NULL);
    g_node(&g, "Relu", "r2", "b", "c", NULL);
    g_node(&g, "Mul", "mul", "c,a", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "the graph branches"));
    /* two graph inputs */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 11, "mask", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "r", "input", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "2 inputs"));
    /* a node off the chain */
    g = (pbw){0};
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "r", "input", "output", NULL);
    g_node(&g, "Relu", "stray", "nowhere", "elsewhere", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'stray' (Relu): it is not on the chain"));
}

static void test_dynamic_dim(void)
{
    static const int64_t in[2] = {0, -1}, out[2] = {0, 2};
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    g_node(&g, "Relu", "r", "input", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "cannot resolve the dynamic dimension 'features' of input 'input'"));
}

static void test_external_and_opset(void)
{
    static const int64_t in[2] = {0, 2}, out[2] = {0, 3};
    pbw g = {0}, t = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    w_uint(&t, 1, 3);
    w_uint(&t, 1, 2);
    w_uint(&t, 2, 1);
    w_str(&t, 8, "W");
    {
        pbw e = {0};
        w_str(&e, 1, "location");
        w_str(&e, 2, "weights.bin");
        w_msg(&t, 13, &e);
    }
    w_uint(&t, 14, 1);
    w_msg(&g, 5, &t);
    g_value(&g, 11, "input", in, 2);
    g_value(&g, 12, "output", out, 2);
    a_int(&at, "transB", 1);
    g_node(&g, "Gemm", "fc", "input,W", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "initializer 'W'") && has(&err, "external file"));
    /* opsets outside 9..17 */
    g = (pbw){0};
    gemm_graph(&g);
    model = model_of(&g, 8, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "opset 8; nn2rules reads opsets 9 to 17"));
    g = (pbw){0};
    gemm_graph(&g);
    model = model_of(&g, 18, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "opset 18"));
    for (int v = 9; v <= 17; v++) {
        g = (pbw){0};
        gemm_graph(&g);
        model = model_of(&g, v, NULL);
        CU_ASSERT_EQUAL(read_built(&model, &m, &err), 0);
        nn_model_free(m);
    }
}

/* A small CNN: Conv with SAME_UPPER padding, AveragePool counting the
 * padding, Reshape to (batch, -1) with a Constant shape, Softmax.  Checked
 * against sums worked out by hand. */
static void test_cnn(void)
{
    static const int64_t in[4] = {0, 1, 3, 3}, out[2] = {0, 4}, wd[4] = {1, 1, 2, 2};
    static const float w[4] = {1, 1, 1, 1}, bias1[1] = {0};
    pbw g = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[4];
    int64_t k2[2] = {2, 2}, s1[2] = {1, 1}, pads[4] = {0, 0, 1, 1};
    g_value(&g, 11, "input", in, 4);
    g_value(&g, 12, "output", out, 2);
    {
        static const int64_t bd[1] = {1};
        g_init_f32(&g, "cw", wd, 4, w);
        g_init_f32(&g, "cb", bd, 1, bias1);
    }
    a_str(&at, "auto_pad", "SAME_UPPER");
    a_ints(&at, "kernel_shape", k2, 2);
    g_node(&g, "Conv", "conv", "input,cw,cb", "c", &at);   /* 1x3x3, pads bottom/right */
    a_ints(&at, "kernel_shape", k2, 2);
    a_ints(&at, "strides", s1, 2);
    a_ints(&at, "pads", pads, 4);
    a_int(&at, "count_include_pad", 1);
    g_node(&g, "AveragePool", "pool", "c", "p", &at);      /* 1x3x3 */
    {
        pbw cattr = {0}, t = {0};
        int64_t shape[2] = {0, -1};
        pbw packed = {0};
        w_uint(&t, 1, 2);
        w_uint(&t, 2, 7);
        for (int i = 0; i < 2; i++)
            w_varint(&packed, (uint64_t)shape[i]);
        w_msg(&t, 7, &packed);
        {
            pbw a = {0};
            w_str(&a, 1, "value");
            w_msg(&a, 5, &t);
            w_uint(&a, 20, 4);
            w_msg(&cattr, 5, &a);
        }
        g_node(&g, "Constant", "shape", "", "shp", &cattr);
    }
    g_node(&g, "Reshape", "flat", "p,shp", "f", NULL);
    {
        static const int64_t fd[2] = {4, 9};
        float fw[36] = {0};
        for (int i = 0; i < 4; i++)
            fw[i * 9 + i] = 1; /* picks p[0..3] */
        g_init_f32(&g, "fw", fd, 2, fw);
        a_int(&at, "transB", 1);
        g_node(&g, "Gemm", "fc", "f,fw", "z", &at);
    }
    g_node(&g, "Identity", "id", "z", "z2", NULL);
    g_node(&g, "Softmax", "sm", "z2", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_EQUAL_FATAL(m->nlayers, 5);
    CU_ASSERT_EQUAL(m->layers[0].pad_b, 1);
    CU_ASSERT_EQUAL(m->layers[0].pad_t, 0);
    CU_ASSERT_EQUAL(m->layers[1].flags, NN_POOL_COUNT_PAD);
    CU_ASSERT_EQUAL(m->layers[2].type, NN_FLATTEN);
    forward1(m, x, y);
    {
        /* conv (2x2 sums, zero padding bottom and right) of 1..9 is
         * 12 16 9 / 24 28 15 / 15 17 9; the pool averages 2x2 windows
         * over 4 cells, padding counted; the Gemm keeps p[0..3] */
        float c[3][3] = {{12, 16, 9}, {24, 28, 15}, {15, 17, 9}}, p[9], z[4], e = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                float s = c[i][j] + (j < 2 ? c[i][j + 1] : 0) + (i < 2 ? c[i + 1][j] : 0) +
                          (i < 2 && j < 2 ? c[i + 1][j + 1] : 0);
                p[i * 3 + j] = s / 4;
            }
        for (int i = 0; i < 4; i++) {
            z[i] = expf(p[i] - p[1]);
            e += z[i];
        }
        for (int i = 0; i < 4; i++)
            CU_ASSERT_DOUBLE_EQUAL(y[i], z[i] / e, 1e-5);
    }
    nn_model_free(m);
}

static void test_refusals(void)
{
    static const int64_t in4[4] = {0, 2, 4, 4}, out4[4] = {0, 2, 2, 2}, in2[2] = {0, 2};
    pbw g = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    int64_t k3[2] = {3, 3}, s2[2] = {2, 2};
    /* ceil_mode that adds a partial window: 4x4, kernel 3, stride 2 */
    g_value(&g, 11, "input", in4, 4);
    g_value(&g, 12, "output", out4, 4);
    a_ints(&at, "kernel_shape", k3, 2);
    a_ints(&at, "strides", s2, 2);
    a_int(&at, "ceil_mode", 1);
    g_node(&g, "MaxPool", "mp", "input", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'mp' (MaxPool)") && has(&err, "ceil_mode"));
    /* softmax over the channels of a 4-D tensor */
    g = (pbw){0};
    g_value(&g, 11, "input", in4, 4);
    g_value(&g, 12, "output", in4, 4);
    a_int(&at, "axis", 1);
    g_node(&g, "Softmax", "sm", "input", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'sm' (Softmax)"));
    /* ... which before opset 13 meant the whole sample: fine */
    g = (pbw){0};
    g_value(&g, 11, "input", in4, 4);
    g_value(&g, 12, "output", in4, 4);
    a_int(&at, "axis", 1);
    g_node(&g, "Softmax", "sm", "input", "output", &at);
    model = model_of(&g, 11, NULL);
    CU_ASSERT_EQUAL(read_built(&model, &m, &err), 0);
    nn_model_free(m);
    /* grouped convolution */
    g = (pbw){0};
    g_value(&g, 11, "input", in4, 4);
    g_value(&g, 12, "output", out4, 4);
    {
        static const int64_t wd[4] = {2, 1, 3, 3};
        float w[18] = {0};
        g_init_f32(&g, "w", wd, 4, w);
    }
    a_int(&at, "group", 2);
    g_node(&g, "Conv", "dw", "input,w", "output", &at);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'dw' (Conv): not supported here: group 2"));
    /* Reshape that is no flattening */
    g = (pbw){0};
    g_value(&g, 11, "input", in4, 4);
    g_value(&g, 12, "output", in2, 2);
    {
        int64_t shp[3] = {0, 4, 8};
        g_init_i64(&g, "shape", shp, 3);
    }
    g_node(&g, "Reshape", "rs", "input,shape", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "node 'rs' (Reshape): not supported here: Reshape to [0, 4, 8]"));
    /* a graph with no layers */
    g = (pbw){0};
    g_value(&g, 11, "input", in2, 2);
    g_value(&g, 12, "output", in2, 2);
    g_node(&g, "Identity", "id", "input", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EUNSUP);
    CU_ASSERT(has(&err, "no layers"));
    /* a cycle */
    g = (pbw){0};
    g_value(&g, 11, "input", in2, 2);
    g_value(&g, 12, "output", in2, 2);
    g_node(&g, "Relu", "a", "input", "x", NULL);
    g_node(&g, "Relu", "b", "x", "input", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) < 0);
    /* a wire type that is not protobuf's */
    {
        unsigned char bad[] = {0x08, 0x07, 0x3f, 0x00};
        nr_error_clear(&err);
        CU_ASSERT(nr_onnx_read_mem(bad, sizeof bad, "bad.onnx", &m, &err) == NR_EFORMAT);
        CU_ASSERT(has(&err, "wire type 7"));
    }
}

static void test_flatten_bn_leaky(void)
{
    static const int64_t in[4] = {0, 2, 1, 1}, out[2] = {0, 2}, cd[1] = {2};
    static const float gam[2] = {2, 1}, bet[2] = {0.5f, 0}, mu[2] = {1, -1}, var[2] = {4, 0.25f};
    pbw g = {0}, at = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    float x[2] = {3, -3}, y[2];
    g_value(&g, 11, "input", in, 4);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "g", cd, 1, gam);
    g_init_f32(&g, "b", cd, 1, bet);
    g_init_f32(&g, "m", cd, 1, mu);
    g_init_f32(&g, "v", cd, 1, var);
    a_float(&at, "epsilon", 0);
    /* epsilon 0 is refused */
    g_node(&g, "BatchNormalization", "bn", "input,g,b,m,v", "h", &at);
    g_node(&g, "Flatten", "fl", "h", "f", NULL);
    g_node(&g, "LeakyRelu", "lr", "f", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT(read_built(&model, &m, &err) == NR_EINVAL);
    CU_ASSERT(has(&err, "node 'bn' (BatchNormalization): epsilon"));
    g = (pbw){0};
    g_value(&g, 11, "input", in, 4);
    g_value(&g, 12, "output", out, 2);
    g_init_f32(&g, "g", cd, 1, gam);
    g_init_f32(&g, "b", cd, 1, bet);
    g_init_f32(&g, "m", cd, 1, mu);
    g_init_f32(&g, "v", cd, 1, var);
    g_node(&g, "BatchNormalization", "bn", "input,g,b,m,v", "h", NULL);
    g_node(&g, "Flatten", "fl", "h", "f", NULL);
    g_node(&g, "Dropout", "do", "f", "d,mask", NULL);
    g_node(&g, "LeakyRelu", "lr", "d", "output", NULL);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_EQUAL(m->nlayers, 3);
    forward1(m, x, y);
    {
        double h0 = 2 * (3 - 1) / sqrt(4 + 1e-5) + 0.5, h1 = 1 * (-3 + 1) / sqrt(0.25 + 1e-5);
        CU_ASSERT_DOUBLE_EQUAL(y[0], h0, 1e-5);
        CU_ASSERT_DOUBLE_EQUAL(y[1], 0.01 * h1, 1e-5);
    }
    nn_model_free(m);
}

static void test_metadata_props(void)
{
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    gemm_graph(&g);
    model = model_of(&g, 13, "nn2rules.classes=cat, dog,bird");
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->class_names);
    CU_ASSERT_STRING_EQUAL(m->class_names[1], "dog");
    CU_ASSERT_PTR_NULL(m->features);
    nn_model_free(m);
    g = (pbw){0};
    gemm_graph(&g);
    model = model_of(&g, 13, "feature_names=a,b,c");
    CU_ASSERT(read_built(&model, &m, &err) < 0);
    CU_ASSERT(has(&err, "metadata_props 'feature_names': 3 feature names for a model with 2 inputs"));
}

/* ---- model_meta and model_load ------------------------------------------ */

static void test_names(void)
{
    char **names;
    int n;
    nr_error err;
    char dir[] = "/tmp/nn2rules-onnxXXXXXX", path[96], arg[100];
    FILE *f;
    CU_ASSERT_EQUAL(nr_names_split(" a , b,c ", &names, &n, &err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(names[0], "a");
    CU_ASSERT_STRING_EQUAL(names[2], "c");
    nr_names_free(names, n);
    CU_ASSERT(nr_names_split("a,,b", &names, &n, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/names.txt", dir);
    f = fopen(path, "w");
    fputs("sepal, length\r\n\nwidth\n", f);
    fclose(f);
    snprintf(arg, sizeof arg, "@%s", path);
    CU_ASSERT_EQUAL(nr_names_from_arg(arg, &names, &n, &err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(names[0], "sepal, length");
    nr_names_free(names, n);
    remove(path);
    remove(dir);
}

static void test_meta_from_data(void)
{
    pbw g = {0}, model;
    nn_model *m = NULL;
    nr_error err;
    nr_dataset d;
    nr_column cols[2];
    char *labels[3] = {"10", "2", "7"};
    float x[6] = {0, 1.5f, 1, 2.5f, 1, -1};
    const char *dup[2] = {"a", "a"};
    gemm_graph(&g);
    model = model_of(&g, 13, NULL);
    CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
    CU_ASSERT(nr_model_set_names(m, dup, 2, NULL, 0, &err) == NR_EINVAL);
    CU_ASSERT(has(&err, "given twice"));
    memset(&d, 0, sizeof d);
    memset(cols, 0, sizeof cols);
    cols[0].name = "flag";
    cols[1].name = "size";
    d.path = "mem.csv";
    d.nrows = 3;
    d.ncols = 2;
    d.cols = cols;
    d.x = x;
    d.has_labels = 1;
    d.nlabels = 3;
    d.label_names = labels;
    CU_ASSERT_EQUAL(nr_model_names_from_data(m, &d, &err), 0);
    CU_ASSERT_STRING_EQUAL(m->features[1].name, "size");
    /* whole-number labels sort numerically */
    CU_ASSERT_STRING_EQUAL(m->class_names[0], "2");
    CU_ASSERT_STRING_EQUAL(m->class_names[2], "10");
    CU_ASSERT_EQUAL(nr_model_ranges_from_data(m, &d, &err), 0);
    CU_ASSERT_EQUAL(m->features[0].type, NN_FEAT_BOOLEAN);
    CU_ASSERT_EQUAL(m->features[1].type, NN_FEAT_CONTINUOUS);
    CU_ASSERT_DOUBLE_EQUAL(m->features[1].min, -1, 0);
    CU_ASSERT_DOUBLE_EQUAL(m->features[1].max, 2.5, 0);
    nn_model_free(m);
}

static void test_load_dispatch(void)
{
    char dir[] = "/tmp/nn2rules-onnxXXXXXX", path[96];
    unsigned char *buf;
    size_t len;
    nr_error err;
    nn_model *m = NULL;
    nr_model_format fmt;
    CU_ASSERT_EQUAL_FATAL(nr_read_file(TEST_TOP "/examples/iris/model.onnx", 1 << 20, &buf, &len, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    /* no .onnx extension: told by content */
    snprintf(path, sizeof path, "%s/iris.model", dir);
    CU_ASSERT_EQUAL(nr_write_file_atomic(path, buf, len, &err), 0);
    CU_ASSERT_EQUAL(nr_model_load(path, &m, &fmt, NULL, &err), 0);
    CU_ASSERT_EQUAL(fmt, NR_FORMAT_ONNX);
    nn_model_free(m);
    CU_ASSERT_EQUAL(nr_model_load(TEST_TOP "/examples/iris/model.bin", &m, &fmt, NULL, &err), 0);
    CU_ASSERT_EQUAL(fmt, NR_FORMAT_BIN);
    nn_model_free(m);
    /* .onnx with a model.bin inside: the content wins */
    snprintf(path, sizeof path, "%s/really-bin.onnx", dir);
    free(buf);
    CU_ASSERT_EQUAL_FATAL(nr_read_file(TEST_TOP "/examples/iris/model.bin", 1 << 20, &buf, &len, &err), 0);
    CU_ASSERT_EQUAL(nr_write_file_atomic(path, buf, len, &err), 0);
    CU_ASSERT_EQUAL(nr_model_load(path, &m, &fmt, NULL, &err), 0);
    CU_ASSERT_EQUAL(fmt, NR_FORMAT_BIN);
    nn_model_free(m);
    remove(path);
    snprintf(path, sizeof path, "%s/iris.model", dir);
    remove(path);
    remove(dir);
    free(buf);
}

/* ---- the writer ------------------------------------------------------------ */

static float *rnd(size_t n, uint32_t *seed, float lo, float hi)
{
    float *v = malloc(n * sizeof *v);
    for (size_t k = 0; k < n; k++)
        v[k] = lo + (hi - lo) * (float)(lcg(seed) & 0xffff) / 65535.0f;
    return v;
}

/* Append a layer, its tensors random, sized for the input it will get. */
static void add_rnd(nn_model *m, nn_layer l, uint32_t *seed)
{
    nn_shape in = m->nlayers ? m->layers[m->nlayers - 1].out : m->input;
    size_t n[4];
    nn_error nerr;
    int nt = nn_layer_tensor_sizes(&l, in, n);
    if (l.type == NN_BATCHNORM) {
        l.bn_gamma = rnd(n[0], seed, 0.5f, 1.5f);
        l.bn_beta = rnd(n[1], seed, -0.5f, 0.5f);
        l.bn_mean = rnd(n[2], seed, -0.5f, 0.5f);
        l.bn_var = rnd(n[3], seed, 0.2f, 2.0f);
    } else if (nt == 2) {
        l.w = rnd(n[0], seed, -0.6f, 0.6f);
        l.b = rnd(n[1], seed, -0.3f, 0.3f);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(nn_model_add_layer(m, &l));
    /* shapes for the next layer's sizes */
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &nerr), 0);
}

static nn_layer window_layer(nn_layer_type t, int units, int k, int s, int d, int pt, int pl, int pb, int pr)
{
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.type = t, l.units = units, l.kh = l.kw = k, l.sh = l.sw = s, l.dh = l.dw = d;
    l.pad_t = pt, l.pad_l = pl, l.pad_b = pb, l.pad_r = pr;
    return l;
}

static nn_layer plain_layer(nn_layer_type t, int units, float alpha)
{
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.type = t, l.units = units, l.alpha = alpha;
    return l;
}

/* Every layer type, every window setting, normalization, and features of
 * every type. */
static nn_model *every_layer_model(void)
{
    nn_model *m = nn_model_new();
    uint32_t seed = 99;
    size_t insz;
    nn_error nerr;
    m->input = (nn_shape){2, 6, 6};
    add_rnd(m, window_layer(NN_CONV2D, 3, 3, 1, 1, 1, 1, 1, 1), &seed);
    add_rnd(m, plain_layer(NN_BATCHNORM, 0, 1e-3f), &seed);
    add_rnd(m, plain_layer(NN_LEAKYRELU, 0, 0.1f), &seed);
    add_rnd(m, window_layer(NN_MAXPOOL2D, 0, 2, 2, 1, 0, 0, 1, 1), &seed);
    add_rnd(m, window_layer(NN_CONV2D, 4, 2, 1, 2, 1, 1, 1, 1), &seed);
    add_rnd(m, plain_layer(NN_TANH, 0, 0), &seed);
    {
        nn_layer l = window_layer(NN_AVGPOOL2D, 0, 2, 1, 1, 1, 1, 1, 1);
        l.flags = NN_POOL_COUNT_PAD;
        add_rnd(m, l, &seed);
    }
    add_rnd(m, window_layer(NN_AVGPOOL2D, 0, 2, 2, 1, 0, 0, 1, 1), &seed);
    add_rnd(m, plain_layer(NN_SIGMOID, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_RELU, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_GLOBALAVGPOOL, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_FLATTEN, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_DENSE, 5, 0), &seed);
    add_rnd(m, plain_layer(NN_DROPOUT, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_DENSE, 3, 0), &seed);
    add_rnd(m, plain_layer(NN_SOFTMAX, 0, 0), &seed);
    insz = nn_model_input_size(m);
    m->norm_mean = rnd(insz, &seed, -1, 1);
    m->norm_std = rnd(insz, &seed, 0.5f, 2);
    m->nfeatures = (int)insz;
    m->features = calloc(insz, sizeof *m->features);
    for (size_t i = 0; i < insz; i++) {
        char name[32];
        nn_feature *f = &m->features[i];
        snprintf(name, sizeof name, "px %zu", i);
        f->name = strdup(name);
        f->type = (nn_feature_type)(i % NN_FEAT_TYPE_END);
        f->group = f->type == NN_FEAT_ONEHOT ? (int)(i / 8) : -1;
        f->min = f->type == NN_FEAT_CONTINUOUS ? -0.1f * (float)i : 0;
        f->max = f->type == NN_FEAT_INTEGER ? 16 : 1 / 3.0f;
    }
    m->nclasses = 3;
    m->class_names = calloc(3, sizeof *m->class_names);
    m->class_names[0] = strdup("zero");
    m->class_names[1] = strdup("one one");
    m->class_names[2] = strdup("zwei \xc3\xa9");
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &nerr), 0);
    return m;
}

/* Largest difference between the outputs of a and b on the rows of x. */
static double max_output_diff(const nn_model *a, const nn_model *b, const float *x, int rows, size_t stride)
{
    size_t nout = nn_model_output_size(a);
    float *ya = malloc(nout * sizeof *ya), *yb = malloc(nout * sizeof *yb);
    double worst = 0;
    CU_ASSERT_EQUAL_FATAL(nout, nn_model_output_size(b));
    for (int r = 0; r < rows; r++) {
        forward1(a, x + (size_t)r * stride, ya);
        forward1(b, x + (size_t)r * stride, yb);
        for (size_t j = 0; j < nout; j++) {
            double d = fabs((double)ya[j] - yb[j]);
            worst = d > worst ? d : worst;
        }
    }
    free(ya);
    free(yb);
    return worst;
}

/* Write m as ONNX (twice: the same bytes) and read it back. */
static nn_model *write_read(const nn_model *m, unsigned char **out, size_t *outlen)
{
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    nn_model *r = NULL;
    nr_error err;
    nr_error_clear(&err);
    if (nr_onnx_write_mem(m, &a, &alen, &err) < 0)
        fprintf(stderr, "\n  write: %s\n", err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL_FATAL(nr_onnx_write_mem(m, &b, &blen, &err), 0);
    CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
    free(b);
    CU_ASSERT(nr_onnx_sniff(a, alen));
    if (nr_onnx_read_mem(a, alen, "written.onnx", &r, &err) < 0)
        fprintf(stderr, "\n  read back: %s\n", err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    if (out) {
        *out = a;
        *outlen = alen;
    } else {
        free(a);
    }
    return r;
}

/* What ONNX carries comes back exactly: layers (but Dropout, and with the
 * Flatten a 4-D tensor needs before Gemm) and their weights,
 * normalization, names, types, ranges, task. */
static void check_same_model(const nn_model *m, const nn_model *r)
{
    size_t insz = nn_model_input_size(m);
    int j = 0;
    CU_ASSERT_EQUAL(r->task, m->task);
    CU_ASSERT_EQUAL(nn_model_input_size(r), insz);
    CU_ASSERT_EQUAL(!r->norm_mean, !m->norm_mean);
    if (m->norm_mean && r->norm_mean) {
        CU_ASSERT(memcmp(r->norm_mean, m->norm_mean, insz * sizeof(float)) == 0);
        CU_ASSERT(memcmp(r->norm_std, m->norm_std, insz * sizeof(float)) == 0);
    }
    CU_ASSERT_EQUAL(!r->features, !m->features);
    for (int i = 0; m->features && r->features && i < m->nfeatures; i++) {
        const nn_feature *a = &m->features[i], *b = &r->features[i];
        CU_ASSERT_STRING_EQUAL(b->name, a->name);
        CU_ASSERT(b->type == a->type && b->group == a->group && b->min == a->min && b->max == a->max);
    }
    CU_ASSERT_EQUAL(!r->class_names, !m->class_names);
    for (int i = 0; m->class_names && r->class_names && i < m->nclasses; i++)
        CU_ASSERT_STRING_EQUAL(r->class_names[i], m->class_names[i]);
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *a = &m->layers[i], *b;
        size_t n[4];
        int nt;
        if (a->type == NN_DROPOUT)
            continue;
        /* a Flatten the graph needs in front of Gemm or Softmax */
        if (j < r->nlayers && r->layers[j].type == NN_FLATTEN && a->type != NN_FLATTEN)
            j++;
        CU_ASSERT_FATAL(j < r->nlayers);
        b = &r->layers[j++];
        CU_ASSERT_EQUAL_FATAL(b->type, a->type);
        CU_ASSERT(b->in.c == a->in.c && b->in.h == a->in.h && b->in.w == a->in.w);
        CU_ASSERT(b->out.c == a->out.c && b->out.h == a->out.h && b->out.w == a->out.w);
        CU_ASSERT(b->kh == a->kh && b->kw == a->kw && b->sh == a->sh && b->sw == a->sw);
        CU_ASSERT(b->pad_t == a->pad_t && b->pad_l == a->pad_l && b->pad_b == a->pad_b && b->pad_r == a->pad_r);
        CU_ASSERT_EQUAL(b->flags, a->flags);
        CU_ASSERT(b->alpha == a->alpha);
        nt = nn_layer_tensor_sizes(a, a->in, n);
        if (nt == 2) {
            CU_ASSERT(memcmp(b->w, a->w, n[0] * sizeof(float)) == 0);
            CU_ASSERT(memcmp(b->b, a->b, n[1] * sizeof(float)) == 0);
        } else if (nt == 4) {
            CU_ASSERT(memcmp(b->bn_gamma, a->bn_gamma, n[0] * sizeof(float)) == 0);
            CU_ASSERT(memcmp(b->bn_var, a->bn_var, n[3] * sizeof(float)) == 0);
        }
    }
    CU_ASSERT_EQUAL(j, r->nlayers);
}

/* Every example's model.bin, written as ONNX and read back, gives the same
 * outputs on vectors.txt's raw inputs (the graph normalizes them); the
 * bundled model.onnx is exactly what the writer makes of model.bin. */
static void test_write_examples(void)
{
    static const char *const names[] = {"iris", "wdbc", "vote", "digits", "fashion"};
    for (size_t e = 0; e < sizeof names / sizeof *names; e++) {
        char pb[512], po[512], pv[512];
        nn_model *m = NULL, *r = NULL, *r2 = NULL;
        unsigned char *bytes = NULL, *bundled = NULL, *again = NULL;
        size_t len = 0, blen = 0, alen = 0;
        int nin, nout, count;
        float *v = NULL;
        double d;
        nr_error err;
        snprintf(pb, sizeof pb, TEST_TOP "/examples/%s/model.bin", names[e]);
        snprintf(po, sizeof po, TEST_TOP "/examples/%s/model.onnx", names[e]);
        snprintf(pv, sizeof pv, TEST_TOP "/examples/%s/vectors.txt", names[e]);
        nr_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(nr_model_read(pb, &m, &err), 0);
        r = write_read(m, &bytes, &len);
        check_same_model(m, r);
        CU_ASSERT_EQUAL_FATAL(read_vectors(pv, &nin, &nout, &count, &v), 0);
        CU_ASSERT_EQUAL_FATAL((size_t)nin, nn_model_input_size(m));
        d = max_output_diff(m, r, v, count, (size_t)(nin + nout));
        if (d > 1e-5)
            fprintf(stderr, "\n  %s: max difference %g\n", names[e], d);
        CU_ASSERT(d <= 1e-5);
        CU_ASSERT_EQUAL(nr_read_file(po, 1 << 24, &bundled, &blen, &err), 0);
        CU_ASSERT(blen == len && bundled && memcmp(bundled, bytes, len) == 0);
        /* what was read back writes the same bytes again (but for the
         * names of weights, which count model.bin's Dropout layers) */
        CU_ASSERT_EQUAL(nr_onnx_write_mem(r, &again, &alen, &err), 0);
        if (r->nlayers == m->nlayers)
            CU_ASSERT(alen == len && again && memcmp(again, bytes, len) == 0);
        /* and converts back to a model.bin that is m but for what ONNX
         * does not carry */
        r2 = NULL;
        free(again);
        again = NULL;
        CU_ASSERT_EQUAL(nr_model_write_mem(r, &again, &alen, &err), 0);
        CU_ASSERT_EQUAL(nr_model_read_mem(again, alen, "back.bin", &r2, &err), 0);
        if (r2)
            check_same_model(m, r2);
        nn_model_free(r2);
        free(again);
        free(bundled);
        free(bytes);
        free(v);
        nn_model_free(r);
        nn_model_free(m);
    }
}

static void test_write_every_layer(void)
{
    nn_model *m = every_layer_model(), *r;
    uint32_t seed = 7;
    size_t insz = nn_model_input_size(m);
    float *x = rnd(insz * 20, &seed, -3, 3);
    double d;
    r = write_read(m, NULL, NULL);
    check_same_model(m, r);
    d = max_output_diff(m, r, x, 20, insz);
    if (d > 1e-5)
        fprintf(stderr, "\n  every layer: max difference %g\n", d);
    CU_ASSERT(d <= 1e-5);
    free(x);
    nn_model_free(r);
    nn_model_free(m);
}

/* A window on a vector input makes the graph's input [N, C, 1, 1]; a
 * regression task with several outputs stays one; a softmax over a
 * spatial tensor runs over the flattened sample, as the runtime's. */
static void test_write_shapes(void)
{
    nn_model *m = nn_model_new(), *r;
    uint32_t seed = 3;
    nn_error nerr;
    float *x;
    m->input = (nn_shape){2, 1, 1};
    add_rnd(m, window_layer(NN_CONV2D, 4, 1, 1, 1, 0, 0, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_RELU, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_DENSE, 3, 0), &seed);
    m->task = NN_TASK_REGRESS;
    CU_ASSERT_EQUAL_FATAL(nn_model_finalize(m, &nerr), 0);
    r = write_read(m, NULL, NULL);
    check_same_model(m, r);
    x = rnd(2 * 10, &seed, -2, 2);
    CU_ASSERT(max_output_diff(m, r, x, 10, 2) <= 1e-5);
    free(x);
    nn_model_free(r);
    nn_model_free(m);

    m = nn_model_new();
    m->input = (nn_shape){1, 3, 3};
    add_rnd(m, window_layer(NN_CONV2D, 2, 2, 1, 1, 0, 0, 0, 0), &seed);
    add_rnd(m, plain_layer(NN_SOFTMAX, 0, 0), &seed);
    r = write_read(m, NULL, NULL);
    /* the Flatten in front of the Softmax comes back as a layer */
    CU_ASSERT_EQUAL(r->nlayers, 3);
    CU_ASSERT(r->nlayers == 3 && r->layers[1].type == NN_FLATTEN && r->layers[2].type == NN_SOFTMAX);
    x = rnd(9 * 10, &seed, -2, 2);
    CU_ASSERT(max_output_diff(m, r, x, 10, 9) <= 1e-5);
    free(x);
    nn_model_free(r);
    nn_model_free(m);
}

static void test_write_refusals(void)
{
    nn_model *m = nn_model_new();
    uint32_t seed = 5;
    unsigned char *buf = NULL;
    size_t len = 0;
    nr_error err;
    /* a window after the tensor was flattened */
    m->input = (nn_shape){4, 1, 1};
    add_rnd(m, plain_layer(NN_DENSE, 4, 0), &seed);
    add_rnd(m, window_layer(NN_CONV2D, 2, 1, 1, 1, 0, 0, 0, 0), &seed);
    nr_error_clear(&err);
    CU_ASSERT_EQUAL(nr_onnx_write_mem(m, &buf, &len, &err), NR_EUNSUP);
    CU_ASSERT_PTR_NULL(buf);
    CU_ASSERT(strstr(err.msg, "layer 1 (conv2d)") != NULL);
    nn_model_free(m);
    /* names a comma-separated list cannot carry */
    CU_ASSERT_EQUAL_FATAL(nr_model_read(TEST_TOP "/examples/iris/model.bin", &m, &err), 0);
    free(m->features[2].name);
    m->features[2].name = strdup("petal, length");
    CU_ASSERT_EQUAL(nr_onnx_write_mem(m, &buf, &len, &err), NR_EUNSUP);
    CU_ASSERT(strstr(err.msg, "feature name 3") != NULL);
    free(m->features[2].name);
    m->features[2].name = strdup("petal_length");
    free(m->class_names[0]);
    m->class_names[0] = strdup("setosa ");
    CU_ASSERT_EQUAL(nr_onnx_write_mem(m, &buf, &len, &err), NR_EUNSUP);
    CU_ASSERT(strstr(err.msg, "class name 1") != NULL);
    CU_ASSERT_PTR_NULL(buf);
    nn_model_free(m);
}

/* nn2rules.feature_info that does not fit the features is refused. */
static void test_feature_info_refused(void)
{
    static const char *const bad[] = {
        "continuous 0 1 -1",                                   /* one entry short */
        "continuous 0 1 -1,continuous 0 1 -1,boolean 0 1 -1",  /* one too many */
        "continuous 1 0 -1,continuous 0 1 -1",                 /* lo > hi */
        "boolean 0 2 -1,continuous 0 1 -1",                    /* not within [0, 1] */
        "one-hot 0 1 -1,continuous 0 1 -1",                    /* no group */
        "continuous 0 1 3,continuous 0 1 -1",                  /* a group */
        "real 0 1 -1,continuous 0 1 -1",
        "continuous 0 nan -1,continuous 0 1 -1",
        "continuous 0 1,continuous 0 1 -1",
        "continuous 0 1 -1;continuous 0 1 -1",
    };
    nn_model *m = NULL;
    nr_error err;
    for (size_t k = 0; k <= sizeof bad / sizeof *bad; k++) {
        pbw g = {0}, model, p = {0};
        gemm_graph(&g);
        model = model_of(&g, 13, "nn2rules.features=a,b");
        w_str(&p, 1, "nn2rules.feature_info");
        w_str(&p, 2, k < sizeof bad / sizeof *bad ? bad[k] : "integer -1 2.5 -1,one-hot 0 1 0");
        w_msg(&model, 14, &p);
        nr_error_clear(&err);
        if (k == sizeof bad / sizeof *bad) {
            /* and one that fits */
            CU_ASSERT_EQUAL_FATAL(read_built(&model, &m, &err), 0);
            CU_ASSERT(m->features[0].type == NN_FEAT_INTEGER && m->features[0].min == -1 &&
                      m->features[0].max == 2.5f && m->features[1].group == 0);
        } else {
            CU_ASSERT(read_built(&model, &m, &err) == NR_EFORMAT);
            CU_ASSERT_PTR_NULL(m);
            CU_ASSERT(has(&err, "feature_info"));
        }
        nn_model_free(m);
        m = NULL;
    }
}

static const cutest tests[] = {
    {"examples: onnx = model.bin = PyTorch to 1e-5, from raw inputs", test_examples},
    {"every prefix of a file is refused", test_truncated},
    {"random and damaged bytes", test_random},
    {"Gemm", test_gemm},
    {"Gemm transB=0, alpha, beta; transA refused", test_gemm_trans_alpha_beta},
    {"MatMul then Add", test_matmul_add},
    {"Sub and Div in front: normalization", test_normalization},
    {"per-channel normalization, Constant node", test_normalization_channels},
    {"float64 and float16 initializers", test_float64_float16},
    {"unsupported operators", test_unsupported_op},
    {"tensor size disagrees with its data", test_size_mismatch},
    {"branches", test_branch},
    {"dynamic dimension", test_dynamic_dim},
    {"external data, opsets", test_external_and_opset},
    {"Conv, AveragePool, Reshape, Softmax", test_cnn},
    {"refused settings", test_refusals},
    {"BatchNormalization, Flatten, Dropout, LeakyRelu", test_flatten_bn_leaky},
    {"metadata_props", test_metadata_props},
    {"name lists", test_names},
    {"names and ranges from data", test_meta_from_data},
    {"reader chosen by content", test_load_dispatch},
    {"writer: examples round-trip, from raw inputs", test_write_examples},
    {"writer: every layer type", test_write_every_layer},
    {"writer: shapes, regression, spatial softmax", test_write_shapes},
    {"writer: refusals", test_write_refusals},
    {"reader: bad nn2rules.feature_info", test_feature_info_refused},
    {NULL, NULL},
};

CUTEST_MAIN("onnx", tests)
