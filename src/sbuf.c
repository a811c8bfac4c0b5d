/*
 * sbuf.c - see sbuf.h.
 */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void nr_sbuf_printf(nr_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (b->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        {
            size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
            char *np = realloc(b->p, nc);
            if (!np) {
                b->oom = 1;
                return;
            }
            b->p = np;
            b->cap = nc;
        }
    }
}

void nr_sbuf_json(nr_sbuf *b, const char *s)
{
    nr_sbuf_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            nr_sbuf_printf(b, "\\%c", *s);
        else if (ch < 0x20)
            nr_sbuf_printf(b, "\\u%04x", ch);
        else
            nr_sbuf_printf(b, "%c", *s);
    }
    nr_sbuf_printf(b, "\"");
}
