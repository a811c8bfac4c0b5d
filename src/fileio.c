/*
 * fileio.c - whole-file reads and atomic writes (see fileio.h).
 */
/* O_TMPFILE and linkat's AT_SYMLINK_FOLLOW (Linux; the code falls back on
 * mkstemp without them) */
#define _GNU_SOURCE
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nr_read_file(const char *path, size_t max, unsigned char **buf,
                 size_t *len, nr_error *err)
{
    return nr_read_file_checked(path, max, NULL, buf, len, err);
}

int nr_read_file_checked(const char *path, size_t max, nr_head_check check,
                         unsigned char **buf, size_t *len, nr_error *err)
{
    FILE *f = NULL;
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;
    int rc = 0;

    *buf = NULL;
    *len = 0;
    /* "-" is standard input, read to its end and left open */
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
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
        /* the first chunk (64 KiB, or the whole of a smaller file) */
        if (check && n > 0 && (rc = check(data, n, path, err)) < 0)
            goto done;
        check = NULL;
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
    if (f && f != stdin)
        fclose(f);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* The descriptor a path such as /dev/fd/1 or /proc/self/fd/1 stands for,
 * or -1.  Such a path is a window on an open file (a pipe, a terminal, the
 * file a shell redirected to): reopening it would truncate or miss the
 * offset, and following its link names something that cannot be opened
 * ("pipe:[123]"), so the descriptor itself is written. */
static int fd_path(const char *p)
{
    static const char *const prefixes[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"};
    char own[64];
    const char *num = NULL;
    long v;
    char *end;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0] && !num; i++)
        if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
            num = p + strlen(prefixes[i]);
    snprintf(own, sizeof own, "/proc/%ld/fd/", (long)getpid());
    if (!num && strncmp(p, own, strlen(own)) == 0)
        num = p + strlen(own);
    if (!num || *num < '0' || *num > '9')
        return -1;
    errno = 0;
    v = strtol(num, &end, 10);
    if (errno || *end || v > INT_MAX)
        return -1;
    return (int)v;
}

/* Follow symbolic links from path to the file they finally name (which
 * need not exist yet: `-o link` to a dangling link creates its target, as
 * the shell does).  *out is malloc'd; *fd is the descriptor when the chain
 * ends in a /proc/self/fd-style path, else -1. */
static int resolve_links(const char *path, char **out, int *fd, nr_error *err)
{
    char *cur = strdup(path);
    struct stat st;
    *out = NULL;
    *fd = -1;
    if (!cur)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    for (int hops = 0;; hops++) {
        char *target, *next, *slash;
        ssize_t n;
        if ((*fd = fd_path(cur)) >= 0 || lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            break;
        if (hops == 40) {
            free(cur);
            return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(ELOOP));
        }
        if (!(target = malloc((size_t)PATH_MAX + 1))) {
            free(cur);
            return nr_error_set(err, NR_ENOMEM, "out of memory");
        }
        if ((n = readlink(cur, target, PATH_MAX)) < 0) {
            int e = errno;
            free(target);
            free(cur);
            return nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(e));
        }
        target[n] = 0;
        slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash) {
            next = target;
        } else {
            /* a relative link is relative to the directory holding it */
            size_t dlen = (size_t)(slash - cur) + 1;
            if (!(next = malloc(dlen + (size_t)n + 1))) {
                free(target);
                free(cur);
                return nr_error_set(err, NR_ENOMEM, "out of memory");
            }
            memcpy(next, cur, dlen);
            memcpy(next + dlen, target, (size_t)n + 1);
            free(target);
        }
        free(cur);
        cur = next;
    }
    *out = cur;
    return 0;
}

/* Give the new file the mode (and, when we may, the owner) of the file it
 * replaces, or what a plain open would give a new one.  mkstemp creates
 * 0600. */
static void copy_mode(int fd, const struct stat *old)
{
    if (old) {
        /* root keeps the owner the shell's > would have kept; chown
         * before chmod, which chown would undo for set-id bits */
        if (geteuid() == 0 && fchown(fd, old->st_uid, old->st_gid) != 0) {
            /* the file stays root's */
        }
        fchmod(fd, old->st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
}

static int sync_fd(int fd)
{
    return fsync(fd) == 0 || errno == EINVAL || errno == EROFS ? 0 : -1;
}

#ifdef O_TMPFILE
/* Write into an unnamed file in the target's directory and name it only
 * once complete, so that even a process killed mid-write (SIGKILL, a file
 * size limit) leaves no temporary file behind.  Returns 1 when the file
 * system cannot do this and the caller should fall back on mkstemp. */
static int write_tmpfile(const char *path, const char *target, const struct stat *old,
                         const void *data, size_t len, nr_error *err)
{
    char *dir, *tmp = NULL, *slash = strrchr(target, '/');
    char fdpath[64];
    int fd, rc = 1;
    if (!(dir = strdup(target)))
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    if (slash)
        dir[slash == target ? 1 : slash - target] = 0;
    else
        strcpy(dir, ".");
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    free(dir);
    if (fd < 0)
        return 1;
    if (write_all(fd, data, len) < 0 || sync_fd(fd) < 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    copy_mode(fd, old);
    if (!(tmp = malloc(strlen(target) + 64))) {
        rc = nr_error_set(err, NR_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    for (int i = 0; i < 100; i++) {
        sprintf(tmp, "%s.tmp%ld.%d", target, (long)getpid(), i);
        if (linkat(AT_FDCWD, fdpath, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            rc = 0;
            break;
        }
        if (errno != EEXIST)
            goto done; /* no /proc, say: rc stays 1 */
    }
    if (rc == 0 && rename(tmp, target) != 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot replace: %s", strerror(errno));
        unlink(tmp);
    }
done:
    close(fd);
    free(tmp);
    return rc;
}
#endif

/* The portable way: a named temporary file beside the target, removed on
 * any failure we live through. */
static int write_mkstemp(const char *path, const char *target, const struct stat *old,
                         const void *data, size_t len, nr_error *err)
{
    char *tmp = malloc(strlen(target) + 16);
    int fd, rc = 0;
    if (!tmp)
        return nr_error_set(err, NR_ENOMEM, "out of memory");
    sprintf(tmp, "%s.tmpXXXXXX", target);
    if ((fd = mkstemp(tmp)) < 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot create a temporary file beside it: %s",
                         strerror(errno));
        free(tmp);
        return rc;
    }
    if (write_all(fd, data, len) < 0 || sync_fd(fd) < 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        close(fd);
        goto done;
    }
    copy_mode(fd, old);
    if (close(fd) != 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    if (rename(tmp, target) != 0)
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot replace: %s", strerror(errno));
done:
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int nr_write_file_atomic(const char *path, const void *data, size_t len,
                         nr_error *err)
{
    char *target = NULL;
    int fd = -1, rc, exists;
    struct stat st;

    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return nr_error_set(err, NR_EIO, "cannot write to standard output: %s",
                                strerror(errno));
        return 0;
    }
    /* A symbolic link is written through: the file it names is replaced,
     * and the link stays. */
    if ((rc = resolve_links(path, &target, &fd, err)) < 0)
        return rc;
    if (fd >= 0) {
        /* what the shell has open for us: write there, after whatever
         * stdio has buffered for the same descriptor */
        if (fd == fileno(stdout))
            fflush(stdout);
        else if (fd == fileno(stderr))
            fflush(stderr);
        if (fcntl(fd, F_GETFL) < 0)
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        else if (write_all(fd, data, len) < 0)
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    exists = stat(target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device or FIFO (-o /dev/null) is written in place: renaming
         * over it would replace it with a file.  No O_TRUNC, no O_CREAT:
         * it exists and is not ours to reshape. */
        if (S_ISDIR(st.st_mode)) {
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "is a directory");
            goto done;
        }
        if ((fd = open(target, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
            goto done;
        }
        if (write_all(fd, data, len) < 0)
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        if (close(fd) != 0 && rc == 0)
            rc = nr_error_at(err, NR_EIO, path, 0, 0, "write failed: %s", strerror(errno));
        goto done;
    }
    /* an existing file we may not write stays, as with the shell's > */
    if (exists && access(target, W_OK) != 0) {
        rc = nr_error_at(err, NR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        goto done;
    }
#ifdef O_TMPFILE
    {
        int t = write_tmpfile(path, target, exists ? &st : NULL, data, len, err);
        if (t <= 0) {
            rc = t;
            goto done;
        }
    }
#endif
    rc = write_mkstemp(path, target, exists ? &st : NULL, data, len, err);
done:
    free(target);
    return rc;
}
