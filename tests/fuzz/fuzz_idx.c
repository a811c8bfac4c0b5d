/*
 * fuzz_idx.c - libFuzzer target for the IDX reader, plain and gzip'd, with
 * and without a labels file.
 *
 * The first input byte is not part of any file; its bits say
 *   1  gzip the images file here before reading (otherwise the bytes are
 *      the file as they are: gzip or not, the reader tells by content, so
 *      a mutated .gz seed reaches zlib's error paths),
 *   2  a labels file follows: the next two bytes are its length n (little
 *      endian, cut to what there is), and it is the last n bytes,
 *   4  gzip the labels file here.
 * The images are read by nr_data_read_idx() as the CLI reads them; what it
 * accepts must be a consistent data set (fuzz_data.h).
 *
 *   make fuzz-idx                       build build/fuzz/fuzz_idx
 *   make fuzz-idx FUZZ_SECONDS=900      and run it, with crafted seeds
 */
#include "fuzz_data.h" /* first: it defines _GNU_SOURCE */

#include <zlib.h>

/* Write n bytes at p to f, gzip'd when zip is set. */
static void put_file(fuzz_file *f, const uint8_t *p, size_t n, int zip)
{
    z_stream z;
    unsigned char *out;
    size_t cap;
    if (!zip) {
        if (fuzz_file_set(f, p, n) < 0)
            abort();
        return;
    }
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    cap = deflateBound(&z, (uLong)n);
    if (!(out = malloc(cap)))
        abort();
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END || fuzz_file_set(f, out, z.total_out) < 0)
        abort();
    deflateEnd(&z);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_file images, labels;
    nr_read_opts opts = {0};
    nr_dataset *d = NULL;
    nr_error err;
    unsigned flags;

    if (size < 1)
        return 0;
    flags = data[0];
    data++, size--;
    if (flags & 2) {
        size_t n;
        if (size < 2)
            return 0;
        n = (size_t)data[0] | (size_t)data[1] << 8;
        data += 2, size -= 2;
        if (n > size)
            n = size;
        put_file(&labels, data + size - n, n, flags & 4);
        opts.labels_path = labels.path;
        size -= n;
    }
    put_file(&images, data, size, flags & 1);
    nr_error_clear(&err);
    fuzz_check_result(nr_data_read_idx(images.path, &opts, &d, &err), d, &err);
    return 0;
}
