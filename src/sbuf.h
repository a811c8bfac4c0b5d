/*
 * sbuf.h - a growing text buffer for writers that print piece by piece
 * (SVG, JSON, CSV): printf into it, and a failed allocation is remembered
 * rather than checked at every call.
 */
#ifndef NR_SBUF_H
#define NR_SBUF_H

#include <stddef.h>

typedef struct nr_sbuf {
    char *p;     /* NUL-terminated once anything was written; the caller frees it */
    size_t n, cap;
    int oom;     /* an allocation failed: the text is incomplete */
} nr_sbuf;

void nr_sbuf_printf(nr_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as a JSON string: quoted, with quotes, backslashes and control
 * characters escaped. */
void nr_sbuf_json(nr_sbuf *b, const char *s);

#endif
