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
 * wrote and emitting again gives the same bytes, and the parsed rules
 * predict what r predicts.  Fails (NR_EINVAL, NR_ELIMIT) on IR that has no
 * text form: indices out of range, duplicate names, non-finite thresholds,
 * a condition that does not fit its feature's kind, nested m-of-n tests,
 * tree nodes shared or cyclic or nested deeper than NR_RULES_MAX_DEPTH.
 * *out is malloc'd and NUL-terminated; the caller frees it. */
int nr_emit_text(const nr_rules *r, char **out, size_t *len, nr_error *err);

/* Parse rule text (len bytes, need not be NUL-terminated); path is used in
 * messages (file:line:col).  On success *out is a new nr_rules the caller
 * frees with nr_rules_free(); on failure *out is NULL and err holds the
 * first error, located at its token.  Tree nodes are numbered in preorder
 * (a node, its "yes" subtree, its "no" subtree). */
int nr_parse_rules(const char *path, const char *text, size_t len,
                   nr_rules **out, nr_error *err);
/* Read and parse a file of at most NR_RULES_MAX_FILE bytes. */
int nr_read_rules(const char *path, nr_rules **out, nr_error *err);

/* Deepest tree nesting the text form accepts (and nr_emit_text writes). */
#define NR_RULES_MAX_DEPTH 10000
/* Largest rules file nr_read_rules reads. */
#define NR_RULES_MAX_FILE ((size_t)1 << 30)
/* 1 when word is reserved in the rule language (and so is written as a
 * quoted name), else 0. */
int nr_rules_reserved_word(const char *word);

/* How much to draw.  max_depth > 0: trees are drawn to that depth, each
 * subtree below it one box saying how many leaves and rows it holds;
 * decision lists show their first max_depth rules, then one box for the
 * rest.  0: everything.  Unordered sets and linear models are drawn
 * whole. */
typedef struct nr_draw_opts {
    int max_depth;
} nr_draw_opts;

/* Graphviz DOT, built with cgraph.  o may be NULL: everything. */
int nr_emit_dot(const nr_rules *r, char **out, size_t *len, nr_error *err);
int nr_emit_dot_opts(const nr_rules *r, const nr_draw_opts *o, char **out, size_t *len,
                     nr_error *err);
/* Rendered in-process with gvc: format "svg" or "png".  Not thread-safe:
 * one Graphviz context lives for the whole process (a fresh context per call
 * trips a use-after-free in Graphviz 2.43's pango plugin), and Graphviz
 * itself keeps global state. */
int nr_render(const nr_rules *r, const char *format, char **out, size_t *len,
              nr_error *err);
int nr_render_opts(const nr_rules *r, const nr_draw_opts *o, const char *format, char **out,
                   size_t *len, nr_error *err);

/* Standalone C99: one .c and one .h, every symbol behind prefix;
 * header_name is what the .c #includes. */
int nr_emit_c(const nr_rules *r, const char *prefix, const char *header_name,
              char **c_out, size_t *c_len, char **h_out, size_t *h_len,
              nr_error *err);

/* Whether prefix can begin every symbol nr_emit_c writes (a C identifier,
 * not a keyword, not reserved): 0, or NR_EINVAL with the reason. */
int nr_c_prefix_check(const char *prefix, nr_error *err);

/* JSON for tools. */
int nr_emit_json(const nr_rules *r, char **out, size_t *len, nr_error *err);

/* ---- helpers shared by the back ends ----------------------------------
 * (nr_format_*, nr_utf8_seqlen, nr_unsafe_char and nr_emit_check live in
 * emit_json.c, nr_cond_text in emit_dot.c.) */

/* Buffer size for nr_format_float / nr_format_double. */
#define NR_NUMBUF 32

/* The shortest decimal that reads back (strtof / strtod) as exactly the
 * same bits, written like ECMAScript's Number::toString: "2.45", "100",
 * "-0", "1e-7", "3.4028235e+38"; "inf", "-inf" or "nan" when not finite.
 * Returns buf. */
char *nr_format_float(char buf[NR_NUMBUF], float f);
char *nr_format_double(char buf[NR_NUMBUF], double d);

/* Length (1 to 4) of the well-formed UTF-8 sequence s starts with, or 0
 * when s does not start with one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
int nr_utf8_seqlen(const char *s);

/* Whether the character s starts with must be escaped where people read
 * the text (a terminal, a C comment, an editor): C0 and C1 controls, DEL,
 * a byte that is not UTF-8, the bidirectional formatting characters
 * (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and U+2028,
 * U+2029.  Sets *len to the character's length in bytes (1 for a byte that
 * is not UTF-8).  When it must, writes its escape ("\x1B", "\u202E") to esc
 * and returns its code point (-1 for a byte that is not UTF-8); else
 * returns -2. */
#define NR_ESCBUF 8
long nr_unsafe_char(const char *s, int *len, char esc[NR_ESCBUF]);

/* Deepest tree the back ends accept: whatever the text form holds. */
#define NR_EMIT_MAX_DEPTH NR_RULES_MAX_DEPTH

/* What every back end relies on before rendering: names present, variable,
 * class and child indices in range, the tree a tree (every node reached
 * once from the root, no deeper than NR_EMIT_MAX_DEPTH).  NR_EINVAL (or
 * NR_ELIMIT) with a message naming the offending node or rule. */
int nr_emit_check(const nr_rules *r, nr_error *err);

/* A condition as people read it, with raw (unescaped) names:
 * "petal_length <= 2.45", "colour == red", "smoker", "not smoker",
 * "h2.5 > 0.31", "2 of {a <= 1, b, c == 3}".  malloc'd; NULL when out of
 * memory.  The condition must have passed nr_emit_check. */
char *nr_cond_text(const nr_rules *r, const nr_cond *c);

#endif
