/*
 * mkbad.c - writes the broken model files that the CLI tests feed to
 * nn2rules: truncated, one byte flipped, a layer claiming 10^12 units, a
 * dense layer claiming 2^31-1 units, NaN weights, an unknown critical chunk,
 * a denormal normalization deviation, a Boolean feature ranging over [2, 4.4],
 * a feature name that is not UTF-8, a 1 GiB weight tensor and 2^20 feature
 * records claimed and absent.
 *
 * usage: mkbad GOOD_MODEL OUTDIR
 *
 * It patches raw bytes and writes chunks by hand (with zlib's CRC-32) rather
 * than going through nn2rules' writer, so the files are exactly as broken as
 * intended.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        return NULL;
    b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        return NULL;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int dump(const char *dir, const char *name, const unsigned char *b, size_t len)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

/* Offset of the first chunk with this tag, or 0. */
static size_t find_chunk(const unsigned char *b, size_t len, const char *tag)
{
    size_t pos = 12;
    while (pos + 12 <= len) {
        uint32_t plen = u32(b + pos + 4);
        if (memcmp(b + pos, tag, 4) == 0)
            return pos;
        pos += 12 + (size_t)plen;
    }
    return 0;
}

static void fix_crc(unsigned char *b, size_t at)
{
    uint32_t plen = u32(b + at + 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, b + at, 4);
    crc = crc32(crc, b + at + 8, plen);
    put32(b + at + 8 + plen, (uint32_t)crc);
}

/* A growing buffer for hand-made files. */
typedef struct { unsigned char b[4096]; size_t n; } out;

static void w32(out *o, uint32_t v) { put32(o->b + o->n, v); o->n += 4; }

static size_t chunk(out *o, const char *tag)
{
    size_t at = o->n;
    memcpy(o->b + o->n, tag, 4);
    o->n += 8;
    return at;
}

static void endchunk(out *o, size_t at)
{
    put32(o->b + at + 4, (uint32_t)(o->n - at - 8));
    o->n += 4;
    fix_crc(o->b, at);
}

static void header(out *o, uint32_t c, uint32_t h, uint32_t w, uint32_t nlayers)
{
    static const unsigned char magic[8] = {0x89, 'N', '2', 'R', 0x0D, 0x0A, 0x1A, 0x0A};
    size_t at;
    memcpy(o->b, magic, 8);
    o->b[8] = 1, o->b[9] = 0, o->b[10] = 0, o->b[11] = 0;
    o->n = 12;
    at = chunk(o, "HEAD");
    w32(o, c), w32(o, h), w32(o, w), w32(o, nlayers), w32(o, 0);
    endchunk(o, at);
}

/* LAYR with the given type, units and square kernel; no tensors follow but
 * the count says two, each claiming `claim` values. */
static void claiming_layer(out *o, uint32_t type, uint32_t units, uint32_t k, uint32_t claim)
{
    size_t at = chunk(o, "LAYR");
    w32(o, type), w32(o, units);
    w32(o, k), w32(o, k), w32(o, k ? 1 : 0), w32(o, k ? 1 : 0);
    for (int i = 0; i < 4; i++)
        w32(o, 0);
    w32(o, k ? 1 : 0), w32(o, k ? 1 : 0);
    w32(o, 0), w32(o, 0);  /* flags, alpha */
    w32(o, 2), w32(o, claim);
    endchunk(o, at);
    at = chunk(o, "END ");
    endchunk(o, at);
}

int main(int argc, char **argv)
{
    unsigned char *good, *b;
    size_t len, at;
    out o;
    float nan = NAN;

    if (argc != 3) {
        fprintf(stderr, "usage: mkbad GOOD_MODEL OUTDIR\n");
        return 2;
    }
    if (!(good = slurp(argv[1], &len)) || !(b = malloc(len))) {
        fprintf(stderr, "mkbad: cannot read %s\n", argv[1]);
        return 1;
    }
    /* cut in the middle of the first layer's weights */
    at = find_chunk(good, len, "LAYR");
    if (!at)
        return 1;
    if (dump(argv[2], "truncated.bin", good, at + 80) < 0)
        return 1;
    /* one byte flipped inside the first layer's weights */
    memcpy(b, good, len);
    b[at + 8 + 70] ^= 0x40;
    if (dump(argv[2], "flipped.bin", b, len) < 0)
        return 1;
    /* a NaN weight, with a CRC that matches */
    memcpy(b, good, len);
    memcpy(b + at + 8 + 64, &nan, 4);
    fix_crc(b, at);
    if (dump(argv[2], "nan.bin", b, len) < 0)
        return 1;
    /* an unknown critical chunk before END */
    {
        size_t end = find_chunk(good, len, "END ");
        unsigned char *c = malloc(len + 16);
        memcpy(c, good, end);
        memcpy(c + end, "ZZZZ", 4);
        put32(c + end + 4, 4);
        memcpy(c + end + 8, "abcd", 4);
        fix_crc(c, end);
        memcpy(c + end + 16, good + end, len - end);
        if (dump(argv[2], "unknown.bin", c, len + 16) < 0)
            return 1;
        free(c);
    }
    /* the smallest denormal as the first normalization deviation: the
     * scale 1/std overflows and every output is NaN */
    at = find_chunk(good, len, "NORM");
    if (at) {
        memcpy(b, good, len);
        put32(b + at + 8 + 4 + 4 * u32(b + at + 8), 1);
        fix_crc(b, at);
        if (dump(argv[2], "denormal-std.bin", b, len) < 0)
            return 1;
    }
    /* feature 1 (sepal_width, [2, 4.4]) made Boolean; then feature 0's
     * name starting with a byte that is not UTF-8 */
    at = find_chunk(good, len, "FEAT");
    if (at) {
        size_t rec = at + 8 + 4, rec1;
        memcpy(b, good, len);
        rec1 = rec + 2 + (size_t)(b[rec] | b[rec + 1] << 8) + 14;
        b[rec1 + 2 + (size_t)(b[rec1] | b[rec1 + 1] << 8)] = 1;
        fix_crc(b, at);
        if (dump(argv[2], "bool-range.bin", b, len) < 0)
            return 1;
        memcpy(b, good, len);
        b[rec + 2] = 0xff;
        fix_crc(b, at);
        if (dump(argv[2], "utf8-name.bin", b, len) < 0)
            return 1;
    }
    /* 1000x1000 input through a 1x1 convolution with a million channels:
     * 10^12 units in one layer */
    header(&o, 1, 1000, 1000, 1);
    claiming_layer(&o, 2, 1000000, 1, 1000000);
    if (dump(argv[2], "huge-conv.bin", o.b, o.n) < 0)
        return 1;
    /* a dense layer claiming 2^31 - 1 units on 4 inputs */
    header(&o, 4, 1, 1, 1);
    claiming_layer(&o, 1, 2147483647u, 0, 4294967295u);
    if (dump(argv[2], "huge-dense.bin", o.b, o.n) < 0)
        return 1;
    /* dimensions within the limits, a weight tensor of 2^28 floats (1 GiB)
     * claimed and absent: refused before anything of that size is allocated */
    header(&o, 256, 1, 1, 1);
    claiming_layer(&o, 1, 1048576, 0, 268435456u);
    if (dump(argv[2], "big-dense.bin", o.b, o.n) < 0)
        return 1;
    /* 2^20 feature records claimed by a FEAT chunk of a few bytes */
    header(&o, 1, 1024, 1024, 1);
    at = chunk(&o, "FEAT");
    w32(&o, 1048576);
    w32(&o, 0);
    endchunk(&o, at);
    if (dump(argv[2], "big-feat.bin", o.b, o.n) < 0)
        return 1;
    /* a 2x2 convolution of four weights, dilated by 4000 and padded by 4000
     * on every side of a 1x1 input: a 100-byte layer asking for 4001 x 4001
     * activations and an im2col matrix four times that */
    header(&o, 1, 1, 1, 1);
    at = chunk(&o, "LAYR");
    w32(&o, 2), w32(&o, 1);                  /* conv2d, one channel */
    w32(&o, 2), w32(&o, 2), w32(&o, 1), w32(&o, 1);
    for (int i = 0; i < 4; i++)
        w32(&o, 4000);
    w32(&o, 4000), w32(&o, 4000), w32(&o, 0), w32(&o, 0);
    w32(&o, 2);
    w32(&o, 4);
    for (int i = 0; i < 4; i++)
        w32(&o, 0x3f800000u);                /* w = 1 */
    w32(&o, 1), w32(&o, 0);                  /* b = 0 */
    endchunk(&o, at);
    at = chunk(&o, "END ");
    endchunk(&o, at);
    if (dump(argv[2], "padded-conv.bin", o.b, o.n) < 0)
        return 1;
    free(good);
    free(b);
    return 0;
}
