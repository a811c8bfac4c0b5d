/*
 * fileio.c - whole-file reads and atomic writes (see fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nr_read_file(const char *path, size_t max, unsigned char **buf,
                 size_t *len, nr_error *err)
{
    FILE *f = NULL;
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;
    int rc = 0;

    *buf = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f)
        return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    /* Grow as bytes arrive rather than trusting a size reported up front:
     * the file may be a pipe or may change under us. */
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *p;
            if (cap >= max + 1) {
                rc = nr_error_at(err, NR_ELIMIT, path, 0, 0,
                                 "file is larger than %zu bytes", max);
                goto done;
            }
            if (ncap > max + 1)
                ncap = max + 1;
            p = realloc(data, ncap + 1);
            if (!p) {
                rc = nr_error_set(err, NR_ENOMEM, "out of memory reading %s", path);
                goto done;
            }
            data = p;
            cap = ncap;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = nr_error_at(err, NR_EIO, path, 0, 0, "read error: %s", strerror(errno));
                goto done;
            }
            break;
        }
        if (n > max) {
            rc = nr_error_at(err, NR_ELIMIT, path, 0, 0, "file is larger than %zu bytes", max);
            goto done;
        }
    }
    if (!data && !(data = malloc(1))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory reading %s", path);
        goto done;
    }
    data[n] = 0;
    *buf = data;
    *len = n;
    data = NULL;
done:
    free(data);
    if (f)
        fclose(f);
    return rc;
}

int nr_write_file_atomic(const char *path, const void *data, size_t len,
                         nr_error *err)
{
    char *tmp = NULL;
    int fd = -1, rc = 0;
    size_t off = 0;
    struct stat st;

    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return nr_error_set(err, NR_EIO, "cannot write to standard output: %s",
                                strerror(errno));
        return 0;
    }
    /* A device or pipe (-o /dev/null, -o /dev/stdout) is written in place:
     * renaming over it would replace the device with a file. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f;
        if (S_ISDIR(st.st_mode))
            return nr_error_at(err, NR_EIO, path, 0, 0, "is a directory");
        if (!(f = fopen(path, "wb")))
            return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        if (fwrite(data, 1, len, f) != len) {
            fclose(f);
            return nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        }
        if (fclose(f) != 0)
            return nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        return 0;
    }
    tmp = malloc(strlen(path) + 16);
    if (!tmp)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    sprintf(tmp, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot create a temporary file beside it: %s",
                         strerror(errno));
        goto done;
    }
    while (off < len) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    /* mkstemp creates 0600; give the file what a plain fopen would. */
    if (stat(path, &st) == 0)
        fchmod(fd, st.st_mode & 07777);
    else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot replace: %s", strerror(errno));
        goto done;
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
