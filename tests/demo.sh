#!/bin/sh
# demo.sh - what `make demo` shows: nn2rules on the bundled networks.
set -eu
NN=${1:-build/nn2rules}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() { echo "\$ $*"; "$@"; echo; }
run "$NN" info examples/iris/model.bin
# the main job: rules from a trained network, checked on held-out data
run "$NN" examples/iris/model.bin --data examples/iris/train.csv --test examples/iris/test.csv --rules
# with no data, nn2rules lets the network label inputs drawn from the data
# profile the model keeps, and chooses the size on the profile's real rows
run "$NN" examples/vote/model.bin -o "$T/vote.txt"
run "$NN" eval "$T/vote.txt" --model examples/vote/model.bin --exhaustive
run "$NN" compile "$T/vote.txt" -o "$T/vote.c" --prefix vote
run head -n 40 "$T/vote.c"
