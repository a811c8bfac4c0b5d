/*
 * fuzz_onnx.c - libFuzzer target for the ONNX reader.
 *
 * Feeds each input to nr_onnx_read_mem(): the reader must refuse anything
 * it cannot map with an error record, never crash, leak or allocate more
 * than the input backs.  A model it accepts is also run forward once on
 * zeros, so that whatever the reader lets through is fit for the runtime.
 *
 *   make fuzz-onnx                      build build/fuzz/fuzz_onnx
 *   make fuzz-onnx FUZZ_SECONDS=600     and run it, seeded with the examples
 */
#include <stdint.h>
#include <stdlib.h>

#include "onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_model *m = NULL;
    nr_error err;
    nr_error_clear(&err);
    if (nr_onnx_read_mem(data, size, "fuzz.onnx", &m, &err) == 0) {
        size_t in = nn_model_input_size(m), out = nn_model_output_size(m);
        /* keep runs fast: only small models go through the runtime */
        if (in <= 4096 && m->max_act <= ((size_t)1 << 16)) {
            nn_workspace *ws = nn_workspace_new(m, 1);
            float *x = calloc(in, sizeof *x), *y = calloc(out, sizeof *y);
            nn_error nerr;
            if (ws && x && y)
                nn_forward(m, ws, x, 1, y, &nerr);
            free(x);
            free(y);
            nn_workspace_free(ws);
        }
        nn_model_free(m);
    } else if (err.msg[0] == 0) {
        abort(); /* a failure must always say why */
    }
    return 0;
}
