/*
 * error.c - filling and formatting the error record (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nr_error_clear(nr_error *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

static int vset(nr_error *e, int code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

int nr_error_set(nr_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

static void set_file(nr_error *e, const char *file)
{
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
}

int nr_error_at(nr_error *e, int code, const char *file, long line, long col,
                const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return code;
    nr_error_clear(e);
    set_file(e, file);
    e->line = line;
    e->col = col;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

int nr_error_at_offset(nr_error *e, int code, const char *file,
                       long long offset, const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return code;
    nr_error_clear(e);
    set_file(e, file);
    e->offset = offset;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void nr_error_format(const nr_error *e, char *buf, size_t size)
{
    const char *msg = e->msg[0] ? e->msg : nr_strerror(e->code);
    if (e->file[0] && e->line > 0 && e->col > 0)
        snprintf(buf, size, "%s:%ld:%ld: error: %s", e->file, e->line, e->col, msg);
    else if (e->file[0] && e->line > 0)
        snprintf(buf, size, "%s:%ld: error: %s", e->file, e->line, msg);
    else if (e->file[0] && e->offset >= 0)
        snprintf(buf, size, "%s: byte %lld: error: %s", e->file, e->offset, msg);
    else if (e->file[0])
        snprintf(buf, size, "%s: error: %s", e->file, msg);
    else
        snprintf(buf, size, "error: %s", msg);
}

const char *nr_strerror(int code)
{
    switch (code) {
    case NR_OK: return "success";
    case NR_ENOMEM: return "out of memory";
    case NR_EIO: return "input/output error";
    case NR_EFORMAT: return "invalid or corrupt input";
    case NR_EINVAL: return "invalid value";
    case NR_EUNSUP: return "not supported";
    case NR_EMODEL: return "the network runtime failed";
    case NR_ELIMIT: return "size beyond the supported limit";
    }
    return "unknown error";
}

size_t nr_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned lo = 0x80, hi = 0xBF;
        size_t len;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (u[i] >= 0xC2 && u[i] <= 0xDF)
            len = 2;
        else if (u[i] >= 0xE0 && u[i] <= 0xEF)
            len = 3, lo = u[i] == 0xE0 ? 0xA0 : 0x80, hi = u[i] == 0xED ? 0x9F : 0xBF;
        else if (u[i] >= 0xF0 && u[i] <= 0xF4)
            len = 4, lo = u[i] == 0xF0 ? 0x90 : 0x80, hi = u[i] == 0xF4 ? 0x8F : 0xBF;
        else
            return i;
        if (n - i < len || u[i + 1] < lo || u[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((u[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

void nr_appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    if (len + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}
