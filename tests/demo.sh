#!/bin/sh
# demo.sh - what `make demo` shows: nn2rules on the bundled iris network.
set -eu
NN=${1:-build/nn2rules}
run() { echo "\$ $*"; "$@"; echo; }
run "$NN" info examples/iris/model.bin
run "$NN" run examples/iris/model.bin --data examples/iris/test.csv
