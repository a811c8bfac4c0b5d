/*
 * fuzz_model.c - libFuzzer target for the model.bin reader.
 *
 * Feeds each input to nr_model_read_mem(): the reader must refuse anything
 * broken with an error record, never crash, leak or allocate more than the
 * input backs.  A model it accepts is run forward on a row of zeros and a
 * row of ones, so that what the reader lets through is fit for the runtime,
 * and written back: writing what was read and reading it again must give
 * the same bytes.
 *
 * The first input byte is not part of the file: when its low bit is set,
 * every chunk's CRC is recomputed before reading, so that mutations get
 * past the CRC check to the chunk parsers; otherwise the bytes are read as
 * they are.
 *
 *   make fuzz-model                     build build/fuzz/fuzz_model
 *   make fuzz-model FUZZ_SECONDS=900    and run it, seeded with the examples
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walk the chunks as far as their lengths allow and store correct CRCs. */
static void fix_crcs(unsigned char *b, size_t len)
{
    size_t pos = 12;
    while (len - pos >= 12) {
        uint32_t plen = get_u32(b + pos + 4), crc;
        if (plen > len - pos - 12)
            break;
        crc = (uint32_t)crc32(0L, Z_NULL, 0);
        crc = (uint32_t)crc32(crc, b + pos, 4);
        crc = (uint32_t)crc32(crc, b + pos + 8, (uInt)plen);
        for (int i = 0; i < 4; i++)
            b[pos + 8 + plen + i] = (unsigned char)(crc >> (8 * i));
        pos += 12 + (size_t)plen;
    }
}

static void run_forward(const nn_model *m)
{
    size_t in = nn_model_input_size(m), out = nn_model_output_size(m);
    nn_workspace *ws;
    float *x, *y;
    nn_error nerr;

    /* keep runs fast: only small models go through the runtime */
    if (in > 4096 || m->max_act > ((size_t)1 << 16))
        return;
    ws = nn_workspace_new(m, 2);
    x = calloc(2 * in, sizeof *x);
    y = calloc(2 * out, sizeof *y);
    if (ws && x && y) {
        for (size_t i = 0; i < in; i++)
            x[in + i] = 1.0f;
        nn_forward(m, ws, x, 2, y, &nerr);
    }
    free(x);
    free(y);
    nn_workspace_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_model *m = NULL, *r = NULL;
    unsigned char *copy, *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    nr_error err;

    if (size < 1)
        return 0;
    /* an exact-size copy, so that ASan sees any read past the end */
    copy = malloc(size - 1 ? size - 1 : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    if ((data[0] & 1) && size - 1 >= 12)
        fix_crcs(copy, size - 1);
    nr_error_clear(&err);
    if (nr_model_read_mem(copy, size - 1, "fuzz.bin", &m, &err) < 0) {
        if (m || err.msg[0] == 0)
            abort(); /* a failure must always say why, and return nothing */
        free(copy);
        return 0;
    }
    run_forward(m);
    /* what was accepted must survive a round trip unchanged */
    if (nr_model_write_mem(m, &a, &alen, &err) < 0)
        abort();
    if (nr_model_read_mem(a, alen, "again.bin", &r, &err) < 0)
        abort();
    if (nr_model_write_mem(r, &b, &blen, &err) < 0)
        abort();
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
    free(a);
    free(b);
    nn_model_free(r);
    nn_model_free(m);
    free(copy);
    return 0;
}
