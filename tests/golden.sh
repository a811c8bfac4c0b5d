#!/bin/sh
# golden.sh - golden-file tests: what nn2rules extracts from each example, in
# every back end, compared byte for byte with tests/golden/.  Read a failing
# diff like documentation: it shows exactly how the output changed.
#
# usage: tests/golden.sh BUILD_DIR           compare
#        tests/golden.sh BUILD_DIR --update  regenerate (then review `git diff`)
set -u
BUILD=${1:-build}
UPDATE=${2:-}
NN="$BUILD/nn2rules"
G=tests/golden
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
failn=0

# The generated C, compiled as strictly as the design asks, as C99 and
# (the same .c) as C++11, must decide every row of DATA exactly as
# `nn2rules eval` does; the driver also checks predict_proba's sums and
# predict_batch.
check_c() {
    name=$1 prefix=$2 model=$3 data=$4
    P=$(echo "$prefix" | tr a-z A-Z)
    if ! cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$T" -DPREFIX="$prefix" \
        -DNFEATURES="${P}_NFEATURES" -DNCLASSES="${P}_NCLASSES" -DHEADER="\"$name.h\"" \
        -o "$T/$name.bin" tests/tools/cdriver.c "$T/$name.c" -lm; then
        failn=$((failn + 1)); echo "FAIL: $name.c does not compile cleanly"; return
    fi
    if ! { g++ -std=c++11 -pedantic -Werror -Wall -Wextra -x c++ -I"$T" -c -o "$T/$name.cxx.o" "$T/$name.c" &&
           cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$T" -DPREFIX="$prefix" \
               -DNFEATURES="${P}_NFEATURES" -DNCLASSES="${P}_NCLASSES" -DHEADER="\"$name.h\"" \
               -c -o "$T/$name.drv.o" tests/tools/cdriver.c &&
           g++ -o "$T/$name.cxx.bin" "$T/$name.drv.o" "$T/$name.cxx.o" -lm; }; then
        failn=$((failn + 1)); echo "FAIL: $name.c does not compile cleanly as C++11"; return
    fi
    "$NN" eval "$T/$name.txt" --model "$model" --data "$data" --predictions "$T/$name.pred" >/dev/null &&
        tail -n +2 "$T/$name.pred" | cut -d, -f3 >"$T/$name.want" &&
        "$T/$name.bin" <"$data" >"$T/$name.got" &&
        "$T/$name.cxx.bin" <"$data" >"$T/$name.cxxgot"
    if [ -s "$T/$name.want" ] && cmp -s "$T/$name.want" "$T/$name.got" && cmp -s "$T/$name.want" "$T/$name.cxxgot"; then
        pass=$((pass + 1))
    else
        failn=$((failn + 1)); echo "FAIL: $name.c (as C or as C++) disagrees with nn2rules eval on $data"
    fi
}

# case NAME ARGS...: extract with ARGS into NAME.txt, then compile that text
# to NAME.dot, NAME.c/.h and NAME.json
gold() {
    name=$1
    model=$2
    shift
    prefix=$(echo "$name" | tr -c 'a-z0-9\n' _)
    if ! "$NN" extract "$@" -q -o "$T/$name.txt"; then
        failn=$((failn + 1)); echo "FAIL: $name: extract failed"; return
    fi
    for ext in dot c json; do
        if ! "$NN" compile "$T/$name.txt" -o "$T/$name.$ext" --prefix "$prefix"; then
            failn=$((failn + 1)); echo "FAIL: $name: compile to $ext failed"; return
        fi
    done
    check_c "$name" "$prefix" "$model" "$(dirname "$model")/test.csv"
    # Graphviz lays out what the DOT back end wrote
    if dot -Tsvg -o "$T/$name.svg" "$T/$name.dot"; then
        pass=$((pass + 1))
    else
        failn=$((failn + 1)); echo "FAIL: dot -Tsvg cannot render $name.dot"
    fi
    for f in "$name.txt" "$name.dot" "$name.c" "$name.h" "$name.json"; do
        if [ "$UPDATE" = "--update" ]; then
            cp "$T/$f" "$G/$f"
        elif cmp -s "$T/$f" "$G/$f"; then
            pass=$((pass + 1))
        else
            failn=$((failn + 1))
            echo "FAIL: $f differs from $G/$f:"
            diff -u "$G/$f" "$T/$f" | head -20
        fi
    done
}

mkdir -p "$G"
gold iris-tree examples/iris/model.bin --data examples/iris/train.csv
gold iris-rules examples/iris/model.bin --data examples/iris/train.csv --rules
gold wdbc-tree examples/wdbc/model.bin --data examples/wdbc/train.csv
gold vote-tree examples/vote/model.bin --data examples/vote/train.csv
gold vote-profile examples/vote/model.bin --samples 2000 --seed 7
gold digits-tree examples/digits/model.bin --data examples/digits/train.csv --max-leaves 40

if [ "$UPDATE" = "--update" ]; then
    echo "golden files regenerated in $G: review them with git diff"
    exit 0
fi
echo "golden: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
