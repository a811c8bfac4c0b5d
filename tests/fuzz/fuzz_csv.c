/*
 * fuzz_csv.c - libFuzzer target for the CSV reader.
 *
 * The input is the file (plain or gzip'd: the reader tells by content),
 * read by nr_data_read_csv() as the CLI reads it; what it accepts must be
 * a consistent data set (fuzz_data.h).  An input that starts with a NUL
 * byte, which the reader would refuse as binary anyway, names the label
 * column instead: "\0NAME\0" then the file is read with --label NAME.
 *
 *   make fuzz-csv                       build build/fuzz/fuzz_csv
 *   make fuzz-csv FUZZ_SECONDS=900      and run it, seeded with the examples
 */
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_file f;
    char label[64];
    nr_read_opts opts = {0};
    nr_dataset *d = NULL;
    nr_error err;

    if (!(data = fuzz_label_prefix(data, &size, label, sizeof label, &opts)))
        return 0;
    if (fuzz_file_set(&f, data, size) < 0)
        abort();
    nr_error_clear(&err);
    fuzz_check_result(nr_data_read_csv(f.path, &opts, &d, &err), d, &err);
    return 0;
}
