/*
 * fileio.h - whole-file reads and atomic writes, shared by every reader and
 * back end.  Writes go to a temporary file in the target's directory that is
 * renamed over the target only once complete, so a failure never leaves a
 * half-written or clobbered file.
 */
#ifndef NR_FILEIO_H
#define NR_FILEIO_H

#include <stddef.h>

#include "error.h"

/* Read a whole file, refusing files above max bytes.  "-" reads standard input.  *buf is malloc'd (one
 * spare NUL byte after the data); the caller frees it. */
int nr_read_file(const char *path, size_t max, unsigned char **buf,
                 size_t *len, nr_error *err);

/* As nr_read_file, but first hand the first bytes read (64 KiB, or all of
 * a smaller file; never none) to check, and stop with its error when it
 * returns one: a file that is plainly not what was asked for (a model that
 * is /dev/zero) is refused before the rest of it is read. */
typedef int (*nr_head_check)(const unsigned char *head, size_t len, const char *path,
                             nr_error *err);
int nr_read_file_checked(const char *path, size_t max, nr_head_check check,
                         unsigned char **buf, size_t *len, nr_error *err);

/* Write len bytes to path atomically.  path "-" writes to standard output.
 * A symbolic link is followed to the file it names (created when missing);
 * a device or FIFO is written in place, and /dev/fd/N, /proc/self/fd/N (so
 * /dev/stdout) write to descriptor N.  An existing file that access() says
 * is not writable is refused, as the shell would. */
int nr_write_file_atomic(const char *path, const void *data, size_t len,
                         nr_error *err);

#endif
