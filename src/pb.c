/*
 * pb.c - protocol buffers wire format reader (see pb.h).
 *
 * The wire format in four lines: a message is a sequence of fields; each
 * field is a varint key (field number << 3 | wire type) and a value: a
 * varint (0), 8 bytes (1), a varint length and that many bytes (2), or 4
 * bytes (5).  Varints are little-endian base-128, at most 10 bytes.
 */
#include "pb.h"

#include <string.h>

pb_cursor pb_cursor_make(const unsigned char *buf, size_t len, const char *name)
{
    pb_cursor c;
    c.buf = buf;
    c.pos = 0;
    c.end = len;
    c.name = name;
    return c;
}

pb_cursor pb_cursor_sub(const pb_cursor *c, const pb_field *f)
{
    pb_cursor s = *c;
    s.pos = f->start;
    s.end = f->start + f->len;
    return s;
}

int pb_read_varint(pb_cursor *c, uint64_t *v, nr_error *err)
{
    uint64_t r = 0;
    size_t at = c->pos;
    for (int shift = 0; shift < 70; shift += 7) {
        unsigned b;
        if (c->pos >= c->end)
            return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)at,
                                      "truncated: a varint runs past the end of its message");
        b = c->buf[c->pos++];
        /* The tenth byte holds bit 63 only. */
        if (shift == 63 && b > 1)
            return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)at,
                                      "corrupt: a varint overflows 64 bits");
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)at,
                              "corrupt: a varint longer than 10 bytes");
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int pb_next(pb_cursor *c, pb_field *f, nr_error *err)
{
    uint64_t key, len;
    int rc;
    if (c->pos >= c->end)
        return 0;
    memset(f, 0, sizeof *f);
    f->off = c->pos;
    if ((rc = pb_read_varint(c, &key, err)) < 0)
        return rc;
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)f->off,
                                  "corrupt: field number %llu is out of range",
                                  (unsigned long long)(key >> 3));
    f->num = (uint32_t)(key >> 3);
    f->wt = (int)(key & 7);
    switch (f->wt) {
    case PB_VARINT:
        return (rc = pb_read_varint(c, &f->v, err)) < 0 ? rc : 1;
    case PB_FIXED64:
    case PB_FIXED32: {
        size_t n = f->wt == PB_FIXED64 ? 8 : 4;
        if (c->end - c->pos < n)
            return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)f->off,
                                      "truncated: field %u needs %zu bytes, %zu remain",
                                      f->num, n, c->end - c->pos);
        f->v = get_le(c->buf + c->pos, (int)n);
        c->pos += n;
        return 1;
    }
    case PB_LEN:
        if ((rc = pb_read_varint(c, &len, err)) < 0)
            return rc;
        if (len > c->end - c->pos)
            return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)f->off,
                                      "truncated or corrupt: field %u claims %llu bytes, "
                                      "%zu remain in its message",
                                      f->num, (unsigned long long)len, c->end - c->pos);
        f->start = c->pos;
        f->len = (size_t)len;
        c->pos += (size_t)len;
        return 1;
    default:
        return nr_error_at_offset(err, NR_EFORMAT, c->name, (long long)f->off,
                                  "corrupt: field %u has wire type %d, which is %s",
                                  f->num, f->wt,
                                  f->wt == 3 || f->wt == 4 ? "a group (not used by ONNX)"
                                                           : "not a protobuf wire type");
    }
}

pb_iter pb_iter_make(const pb_cursor *msg, uint32_t num, int elem_wt)
{
    pb_iter it;
    memset(&it, 0, sizeof it);
    it.msg = *msg;
    it.num = num;
    it.elem_wt = elem_wt;
    return it;
}

static int fixed_size(int wt)
{
    return wt == PB_FIXED64 ? 8 : wt == PB_FIXED32 ? 4 : 0;
}

int pb_iter_next(pb_iter *it, uint64_t *v, nr_error *err)
{
    pb_field f;
    int rc;
    for (;;) {
        if (it->in_packed) {
            pb_cursor *p = &it->packed;
            int n = fixed_size(it->elem_wt);
            if (p->pos < p->end) {
                if (!n)
                    return pb_read_varint(p, v, err);
                /* the length was checked to be a multiple of n */
                *v = get_le(p->buf + p->pos, n);
                p->pos += (size_t)n;
                return 1;
            }
            it->in_packed = 0;
        }
        if ((rc = pb_next(&it->msg, &f, err)) <= 0)
            return rc;
        if (f.num != it->num)
            continue;
        if (f.wt == it->elem_wt) {
            *v = f.v;
            return 1;
        }
        if (f.wt != PB_LEN)
            return nr_error_at_offset(err, NR_EFORMAT, it->msg.name, (long long)f.off,
                                      "corrupt: repeated field %u has wire type %d, expected %d",
                                      f.num, f.wt, it->elem_wt);
        if (fixed_size(it->elem_wt) && f.len % (size_t)fixed_size(it->elem_wt))
            return nr_error_at_offset(err, NR_EFORMAT, it->msg.name, (long long)f.off,
                                      "corrupt: packed field %u of %zu bytes is not a whole "
                                      "number of %d-byte values",
                                      f.num, f.len, fixed_size(it->elem_wt));
        it->packed = pb_cursor_sub(&it->msg, &f);
        it->in_packed = 1;
    }
}

int pb_iter_count(const pb_cursor *msg, uint32_t num, int elem_wt, size_t *n,
                  nr_error *err)
{
    pb_cursor c = *msg;
    pb_field f;
    size_t count = 0;
    int rc, sz = fixed_size(elem_wt);
    *n = 0;
    while ((rc = pb_next(&c, &f, err)) > 0) {
        if (f.num != num)
            continue;
        if (f.wt == elem_wt) {
            count++;
        } else if (f.wt == PB_LEN) {
            if (sz) {
                if (f.len % (size_t)sz)
                    return nr_error_at_offset(err, NR_EFORMAT, c.name, (long long)f.off,
                                              "corrupt: packed field %u of %zu bytes is not a "
                                              "whole number of %d-byte values",
                                              f.num, f.len, sz);
                count += f.len / (size_t)sz;
            } else {
                /* one value ends at each byte without the continuation bit;
                 * the last byte must end one */
                for (size_t k = 0; k < f.len; k++)
                    count += !(c.buf[f.start + k] & 0x80);
                if (f.len && (c.buf[f.start + f.len - 1] & 0x80))
                    return nr_error_at_offset(err, NR_EFORMAT, c.name, (long long)f.off,
                                              "truncated: packed field %u ends inside a varint",
                                              f.num);
            }
        } else {
            return nr_error_at_offset(err, NR_EFORMAT, c.name, (long long)f.off,
                                      "corrupt: repeated field %u has wire type %d, expected %d",
                                      f.num, f.wt, elem_wt);
        }
    }
    if (rc < 0)
        return rc;
    *n = count;
    return 0;
}

float pb_float(uint64_t bits)
{
    uint32_t b = (uint32_t)bits;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

double pb_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}
