#!/bin/sh
# run.sh - `make bench`: print the runtime's forward throughput on every
# example network and on a 784-64-32-10 MLP, beside PyTorch's (one thread)
# when python3-torch is installed, with the ratio.  Prints figures only;
# nothing here fails on time.
#
# Both sides run single-threaded so that the comparison is like for like:
# OPENBLAS_NUM_THREADS=1 for both, since Debian's PyTorch does its matrix
# products through the system BLAS (OpenBLAS, with its own threads, which
# torch.set_num_threads does not govern), and torch.set_num_threads(1).
set -eu
BUILD=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$BUILD/bench/bench_forward" --make-mlp "$T/mlp784"
MODELS="examples/iris/model.bin examples/wdbc/model.bin examples/vote/model.bin examples/digits/model.bin $T/mlp784"

echo "== forward throughput (single thread)"
OPENBLAS_NUM_THREADS=1 "$BUILD/bench/bench_forward" $MODELS | tee "$T/ours"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_forward.py $MODELS >"$T/torch"
else
    echo "(python3-torch is not installed: no PyTorch figures)"
    : >"$T/torch"
fi
echo
printf '%-10s %6s %14s %14s %10s\n' network batch "nn2rules us" "pytorch us" speedup
awk 'NR == FNR { t[$2 " " $3] = $4; next }
     { split($4, a, "="); key = $2 " " $3; split(key, k, " "); split(k[2], b, "=");
       p = (key in t) ? t[key] : ""; split(p, c, "=");
       if (p != "") printf "%-10s %6s %14.3f %14.3f %9.1fx\n", k[1], b[2], a[2], c[2], c[2] / a[2];
       else printf "%-10s %6s %14.3f %14s %10s\n", k[1], b[2], a[2], "-", "-" }' "$T/torch" "$T/ours"
