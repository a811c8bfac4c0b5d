/*
 * sniff.h - what kind of file a path holds, by its first bytes, to say so
 * when a file is given where another kind is expected (a rules file as the
 * model, a model as the data).  A guess for messages, never a check: the
 * readers decide what they accept.
 */
#ifndef NR_SNIFF_H
#define NR_SNIFF_H

#include <stddef.h>

typedef enum nr_file_kind {
    NR_KIND_UNKNOWN = 0,
    NR_KIND_MODEL_BIN, /* 0x89 'N' '2' 'R' */
    NR_KIND_ONNX,      /* a protobuf ModelProto */
    NR_KIND_RULES,     /* rule text: '#', "provenance" or "features" first */
    NR_KIND_ARFF,      /* "@relation" after comments */
    NR_KIND_CSV        /* text whose first line has a comma */
} nr_file_kind;

/* The kind of the first len bytes of a file. */
nr_file_kind nr_sniff_mem(const unsigned char *buf, size_t len);
/* The kind of the file at path (its first 4 KiB); unknown when it cannot
 * be read.  "-" (standard input) is not read: unknown. */
nr_file_kind nr_sniff_file(const char *path);
/* "a model (model.bin)", "a rules file", ... for messages. */
const char *nr_kind_name(nr_file_kind k);

#endif
