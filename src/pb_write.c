/*
 * pb_write.c - protocol buffers wire format writer (see pb.h).
 *
 * Fields come out in the order they are written, and nothing else goes
 * in (no time stamps, no padding), so the same calls always give the same
 * bytes.
 */
#include "pb.h"

#include <stdlib.h>
#include <string.h>

void pb_writer_free(pb_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

/* Room for n more bytes; 0 on success. */
static int reserve(pb_writer *w, size_t n)
{
    size_t cap;
    unsigned char *p;
    if (w->failed)
        return -1;
    if (w->cap - w->len >= n)
        return 0;
    if (n > SIZE_MAX / 4 - w->len) {
        w->failed = 1;
        return -1;
    }
    cap = w->cap ? w->cap : 256;
    while (cap - w->len < n)
        cap *= 2;
    if (!(p = realloc(w->buf, cap))) {
        w->failed = 1;
        return -1;
    }
    w->buf = p;
    w->cap = cap;
    return 0;
}

void pb_w_raw(pb_writer *w, const void *d, size_t n)
{
    if (reserve(w, n) < 0)
        return;
    if (n)
        memcpy(w->buf + w->len, d, n);
    w->len += n;
}

/* Encode v into b (10 bytes at most); returns the length. */
static size_t varint_encode(uint64_t v, unsigned char *b)
{
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

void pb_w_varint(pb_writer *w, uint64_t v)
{
    unsigned char b[10];
    pb_w_raw(w, b, varint_encode(v, b));
}

static void key(pb_writer *w, uint32_t num, int wt)
{
    pb_w_varint(w, (uint64_t)num << 3 | (unsigned)wt);
}

void pb_w_uint(pb_writer *w, uint32_t num, uint64_t v)
{
    key(w, num, PB_VARINT);
    pb_w_varint(w, v);
}

static void put_le32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

void pb_w_float(pb_writer *w, uint32_t num, float f)
{
    unsigned char b[4];
    key(w, num, PB_FIXED32);
    put_le32(b, f);
    pb_w_raw(w, b, 4);
}

void pb_w_bytes(pb_writer *w, uint32_t num, const void *d, size_t n)
{
    key(w, num, PB_LEN);
    pb_w_varint(w, n);
    pb_w_raw(w, d, n);
}

void pb_w_str(pb_writer *w, uint32_t num, const char *s)
{
    pb_w_bytes(w, num, s, strlen(s));
}

void pb_w_floats_raw(pb_writer *w, uint32_t num, const float *v, size_t n)
{
    if (n > SIZE_MAX / 8) {
        w->failed = 1;
        return;
    }
    key(w, num, PB_LEN);
    pb_w_varint(w, n * 4);
    if (reserve(w, n * 4) < 0)
        return;
    for (size_t k = 0; k < n; k++)
        put_le32(w->buf + w->len + 4 * k, v[k]);
    w->len += n * 4;
}

size_t pb_w_begin(pb_writer *w, uint32_t num)
{
    key(w, num, PB_LEN);
    return w->len;
}

/* The payload is known only now: move it up to make room for its length. */
void pb_w_end(pb_writer *w, size_t mark)
{
    unsigned char b[10];
    size_t plen, n;
    if (w->failed)
        return;
    plen = w->len - mark;
    n = varint_encode(plen, b);
    if (reserve(w, n) < 0)
        return;
    memmove(w->buf + mark + n, w->buf + mark, plen);
    memcpy(w->buf + mark, b, n);
    w->len += n;
}
