/*
 * error.h - the compiler's error record.
 *
 * Library code in src/ never prints and never exits: a function that can
 * fail returns 0 or a negative NR_E* code and fills an nr_error with the
 * message and where it happened (file:line:column for text input, byte
 * offset for binary input).  Only main.c prints it, with nr_error_format(),
 * and maps the code to an exit status.
 */
#ifndef NR_ERROR_H
#define NR_ERROR_H

#include <stddef.h>

enum {
    NR_OK = 0,
    NR_ENOMEM = -1,   /* out of memory */
    NR_EIO = -2,      /* cannot open, read or write a file */
    NR_EFORMAT = -3,  /* input is not what it claims, or is corrupt */
    NR_EINVAL = -4,   /* bad value in otherwise well-formed input or arguments */
    NR_EUNSUP = -5,   /* well-formed but not supported */
    NR_EMODEL = -6,   /* the runtime refused the model or failed while running it */
    NR_ELIMIT = -7    /* a size beyond what nn2rules accepts */
};

typedef struct nr_error {
    int code;
    char msg[512];
    char file[256];      /* "" when not about a file */
    long line, col;      /* 1-based; 0 when unknown */
    long long offset;    /* byte offset for binary input; -1 when unknown */
} nr_error;

/* Reset to "no error". */
void nr_error_clear(nr_error *e);

/* Record an error and return code, so that callers can write
 * `return nr_error_set(err, NR_EFORMAT, ...)`.  err may be NULL.  Each of the
 * location setters keeps the other fields. */
int nr_error_set(nr_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int nr_error_at(nr_error *e, int code, const char *file, long line, long col,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int nr_error_at_offset(nr_error *e, int code, const char *file,
                       long long offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "file:line:col: error: msg", "file: byte N: error: msg" or "error: msg". */
void nr_error_format(const nr_error *e, char *buf, size_t size);

const char *nr_strerror(int code);

/* printf onto the end of the string in buf (size bytes), cut to fit: the
 * way messages and option summaries are built up. */
void nr_appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* How many of the n bytes at s are well-formed UTF-8 (no overlong forms,
 * surrogates or code points past U+10FFFF): n when all are.  Every reader
 * checks names with it, and every reader links this file. */
size_t nr_utf8_valid(const char *s, size_t n);

#endif
