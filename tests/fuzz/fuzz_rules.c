/*
 * fuzz_rules.c - libFuzzer target for the rule language (grammar/rules.l,
 * grammar/rules.y, src/parse.c, src/emit_text.c).
 *
 * Each input goes to nr_parse_rules(): it must be refused with a located
 * message or accepted, never crash, leak or hang.  What is accepted must
 * be written by nr_emit_text(); that text must parse again and be written
 * again as the very same bytes, and both parses must predict the same on a
 * few rows.  Anything else abort()s.
 *
 * Build and run from the top of the tree (the generated parser comes from
 * `make build/libnr.a`; seeds are the fixtures, the dictionary lists the
 * language's words):
 *
 *   make build/libnr.a && mkdir -p build/fuzz/corpus-rules && \
 *   clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L \
 *     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     -Isrc -Iruntime -Ibuild/grammar \
 *     -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter \
 *     tests/fuzz/fuzz_rules.c src/parse.c src/emit_text.c src/ir.c src/error.c \
 *     src/fileio.c build/grammar/rules.tab.c build/grammar/rules.lex.c \
 *     runtime/nn_model.c runtime/nn_ops.c runtime/nn_run.c -lopenblas -lm \
 *     -o build/fuzz/fuzz_rules && \
 *   build/fuzz/fuzz_rules -max_total_time=300 -max_len=16384 -dict=tests/fuzz/rules.dict \
 *     -timeout=10 build/fuzz/corpus-rules tests/rules
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_predictions(const nr_rules *a, const nr_rules *b, const uint8_t *data,
                             size_t size)
{
    static const float pick[] = {-1, 0, 0.5f, 1, 2, 2.45f, 3, 1e30f, -0.0f};
    float *x;
    if (a->nfeatures != b->nfeatures || a->nfeatures > 100000)
        abort();
    x = calloc((size_t)a->nfeatures + 1, sizeof *x);
    if (!x)
        return;
    for (int row = 0; row < 8; row++) {
        double va = 0, vb = 0;
        int fa, fb, ka, kb;
        for (int i = 0; i < a->nfeatures; i++)
            x[i] = pick[((size ? data[(size_t)(row * 31 + i) % size] : 0) + (size_t)row) % 9];
        ka = nr_rules_predict(a, x, NULL, &va, &fa);
        kb = nr_rules_predict(b, x, NULL, &vb, &fb);
        if (ka != kb || fa != fb || (va != vb && !(va != va && vb != vb)))
            abort();
    }
    free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nr_rules *r = NULL, *back = NULL;
    nr_error err;
    char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;

    nr_error_clear(&err);
    if (nr_parse_rules("fuzz.txt", (const char *)data, size, &r, &err) != 0) {
        if (r || err.code >= 0 || !err.msg[0] || err.line < 1 || err.col < 1)
            abort(); /* refused, but without a located message */
        return 0;
    }
    if (nr_emit_text(r, &t1, &l1, &err) != 0) {
        fprintf(stderr, "parsed but not emitted: %s\n", err.msg);
        abort();
    }
    if (nr_parse_rules("emitted.txt", t1, l1, &back, &err) != 0) {
        fprintf(stderr, "emitted text does not parse: %s:%ld:%ld: %s\n%s\n", err.file,
                err.line, err.col, err.msg, t1);
        abort();
    }
    if (nr_emit_text(back, &t2, &l2, &err) != 0 || l1 != l2 || memcmp(t1, t2, l1) != 0) {
        fprintf(stderr, "emit -> parse -> emit differs:\n%s\n---\n%s\n", t1, t2 ? t2 : "");
        abort();
    }
    same_predictions(r, back, data, size);
    free(t1);
    free(t2);
    nr_rules_free(back);
    nr_rules_free(r);
    return 0;
}
