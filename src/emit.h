/*
 * emit.h - back ends and the rule-language front end.
 *
 * Every emitter renders into a malloc'd buffer (the caller writes it to disk
 * atomically with nr_write_file_atomic) and is deterministic: the same IR
 * gives the same bytes.
 */
#ifndef NR_EMIT_H
#define NR_EMIT_H

#include <stddef.h>

#include "error.h"
#include "ir.h"

/* The rule language (man/nn2rules-rules.5).  Parsing what nr_emit_text
 * wrote and emitting again gives the same bytes. */
int nr_emit_text(const nr_rules *r, char **out, size_t *len, nr_error *err);

/* Parse rule text; path is used in messages (file:line:col). */
int nr_parse_rules(const char *path, const char *text, size_t len,
                   nr_rules **out, nr_error *err);
/* Read and parse a file. */
int nr_read_rules(const char *path, nr_rules **out, nr_error *err);

/* Graphviz DOT, built with cgraph. */
int nr_emit_dot(const nr_rules *r, char **out, size_t *len, nr_error *err);
/* Rendered in-process with gvc: format "svg" or "png". */
int nr_render(const nr_rules *r, const char *format, char **out, size_t *len,
              nr_error *err);

/* Standalone C99: one .c and one .h, every symbol behind prefix;
 * header_name is what the .c #includes. */
int nr_emit_c(const nr_rules *r, const char *prefix, const char *header_name,
              char **c_out, size_t *c_len, char **h_out, size_t *h_len,
              nr_error *err);

/* JSON for tools. */
int nr_emit_json(const nr_rules *r, char **out, size_t *len, nr_error *err);

#endif
