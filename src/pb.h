/*
 * pb.h - a small reader and writer for the protocol buffers wire format.
 *
 * Used by the ONNX reader (onnx.c) to walk a serialized message without a
 * schema compiler: the caller asks for the next field of a message and
 * decides from its number what to do with it.  Every length is checked
 * against the bytes that remain in the enclosing message before it is
 * believed, so a cursor never leaves the buffer it was given; the reader
 * allocates nothing.  The writer at the end serves onnx_write.c.
 *
 * Offsets are absolute offsets into the buffer the cursor was made from,
 * so that error messages can name the byte of the file.
 *
 * Ownership: cursors and fields point into the caller's buffer and own
 * nothing; the buffer must outlive them.
 */
#ifndef NR_PB_H
#define NR_PB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Wire types. Groups (3, 4) are deprecated and never used by ONNX: they are
 * refused as corrupt input. */
enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

/* A message (or a packed repeated field) being read: bytes [pos, end) of
 * buf remain.  name is the file name used in error messages. */
typedef struct pb_cursor {
    const unsigned char *buf;
    size_t pos, end;
    const char *name;
} pb_cursor;

/* One field as read by pb_next(). */
typedef struct pb_field {
    uint32_t num;     /* field number, >= 1 */
    int wt;           /* wire type */
    size_t off;       /* offset of the field's key */
    uint64_t v;       /* PB_VARINT value, or the bits of a fixed field */
    size_t start, len;/* PB_LEN: the payload is buf[start .. start+len) */
} pb_field;

/* A cursor over the whole of buf[0 .. len). */
pb_cursor pb_cursor_make(const unsigned char *buf, size_t len,
                         const char *name);
/* A cursor over a PB_LEN field's payload (a nested message, or a packed
 * repeated field). */
pb_cursor pb_cursor_sub(const pb_cursor *c, const pb_field *f);

/* Read the next field.  Returns 1 with *f filled, 0 at the end of the
 * message, or NR_EFORMAT (message and offset in err) when the bytes are not
 * valid wire format: a truncated varint, a length beyond the message, a
 * field number 0, a group or an unknown wire type. */
int pb_next(pb_cursor *c, pb_field *f, nr_error *err);

/* Read one varint from a cursor (packed varint arrays).  Same returns. */
int pb_read_varint(pb_cursor *c, uint64_t *v, nr_error *err);

/* Values of one repeated scalar field of a message, whether the writer
 * packed them or not (proto2 writers may do either, and a reader must take
 * both).  elem_wt is PB_VARINT, PB_FIXED32 or PB_FIXED64. */
typedef struct pb_iter {
    pb_cursor msg;    /* the rest of the message */
    pb_cursor packed; /* the rest of the current packed run, if in_packed */
    int in_packed;
    uint32_t num;
    int elem_wt;
} pb_iter;

/* Start iterating field num of the message in *msg (not advanced). */
pb_iter pb_iter_make(const pb_cursor *msg, uint32_t num, int elem_wt);
/* Next value (varint value, or the raw bits of a fixed32/fixed64): 1, 0 at
 * the end, NR_EFORMAT on bad wire format or when the field comes with a
 * wire type that is neither elem_wt nor packed. */
int pb_iter_next(pb_iter *it, uint64_t *v, nr_error *err);
/* Number of values, walking the message once: never more than the
 * message's length, so safe to allocate for after the check. */
int pb_iter_count(const pb_cursor *msg, uint32_t num, int elem_wt,
                  size_t *n, nr_error *err);

/* The bits of a fixed32 as float, of a fixed64 as double (IEEE 754,
 * little-endian on the wire). */
float pb_float(uint64_t bits);
double pb_double(uint64_t bits);

/* ---- writing (pb_write.c) ----------------------------------------------
 *
 * A growing buffer that fields are appended to.  A nested message is
 * written in place between pb_w_begin() and pb_w_end(), which then puts
 * its length in front of it.  Allocation failure is sticky: every call
 * after it does nothing, and the caller checks failed once at the end.
 * Ownership: buf is malloc'd and the caller's to free (pb_writer_free()). */
typedef struct pb_writer {
    unsigned char *buf;
    size_t len, cap;
    int failed;
} pb_writer;

void pb_writer_free(pb_writer *w);
/* Raw bytes, and a varint, with no key. */
void pb_w_raw(pb_writer *w, const void *d, size_t n);
void pb_w_varint(pb_writer *w, uint64_t v);
/* A varint field (int32, int64 as two's complement, enums). */
void pb_w_uint(pb_writer *w, uint32_t num, uint64_t v);
/* A float field (fixed32). */
void pb_w_float(pb_writer *w, uint32_t num, float f);
/* A length-delimited field: bytes, a string. */
void pb_w_bytes(pb_writer *w, uint32_t num, const void *d, size_t n);
void pb_w_str(pb_writer *w, uint32_t num, const char *s);
/* float32 values as little-endian bytes in a length-delimited field
 * (TensorProto.raw_data). */
void pb_w_floats_raw(pb_writer *w, uint32_t num, const float *v, size_t n);
/* A nested message: pb_w_begin() returns a mark to give pb_w_end(). */
size_t pb_w_begin(pb_writer *w, uint32_t num);
void pb_w_end(pb_writer *w, size_t mark);

#endif
