#!/bin/sh
# cli.sh - end-to-end tests of the nn2rules command line.
#
# usage: tests/cli.sh BUILD_DIR      (run from the top of the source tree)
#
# Each check runs the real binary on real files and looks at its exit status,
# its standard output and error, and the files it leaves.  Bad input must give
# exactly one line on stderr, the documented exit status, and never a crash.
set -u
BUILD=${1:-build}
NN="$BUILD/nn2rules"
MKBAD="$BUILD/tests/tools/mkbad"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
failn=0

ok() { pass=$((pass + 1)); }
bad() { failn=$((failn + 1)); echo "FAIL: $*"; }

# expect STATUS NAME -- CMD...: run CMD, check its exit status, keep output
expect() {
    want=$1 name=$2
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit status $got, expected $want"
        sed 's/^/    /' "$T/err" | head -5
        return 1
    fi
    ok
    return 0
}

# the last command failed cleanly: one stderr line matching a pattern
one_error() {
    name=$1 pattern=$2
    n=$(wc -l <"$T/err")
    if [ "$n" -ne 1 ]; then
        bad "$name: expected one line on stderr, got $n"
        sed 's/^/    /' "$T/err" | head -5
    elif ! grep -q -- "$pattern" "$T/err"; then
        bad "$name: stderr does not match '$pattern': $(cat "$T/err")"
    else
        ok
    fi
}

has() {
    name=$1 pattern=$2 file=${3:-$T/out}
    if grep -q -- "$pattern" "$file"; then ok; else bad "$name: no '$pattern' in output"; fi
}

IRIS=examples/iris/model.bin

# --- usage ---------------------------------------------------------------
expect 0 "help" -- "$NN" --help && has "help" "Commands:"
expect 0 "version" -- "$NN" --version && has "version" "^nn2rules [0-9]"
expect 2 "no arguments" -- "$NN"
expect 2 "unknown command" -- "$NN" frobnicate && one_error "unknown command" "unknown command 'frobnicate'"
expect 2 "run without data" -- "$NN" run "$IRIS" && one_error "run without data" "needs --data"
expect 2 "bad batch" -- "$NN" run "$IRIS" --data examples/iris/test.csv --batch 0 && one_error "bad batch" "--batch"
expect 2 "unknown option" -- "$NN" run "$IRIS" --frob && one_error "unknown option" "unknown option '--frob'"
expect 2 "missing argument" -- "$NN" run "$IRIS" --data && one_error "missing argument" "option '--data' needs an argument"
expect 2 "unknown short option" -- "$NN" info -q "$IRIS" && one_error "unknown short option" "unknown option '-q'"
expect 0 "help run" -- "$NN" help run && has "help run" "--data"
expect 0 "run --help" -- "$NN" run --help && has "run --help" "--batch"

# every long option in any help text is in the man page
for cmd in "" extract compile eval info run convert; do
    if [ -n "$cmd" ]; then "$NN" help $cmd; else "$NN" --help; fi
done 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/opts"
while read -r opt; do
    # mdoc writes --data as "Fl -data", and "-o, --output" as "Fl o , -output"
    if grep -E -q -- "^\..*Fl( .*)? -${opt#--}( |\$)" man/nn2rules.1; then ok; else bad "man page lacks option $opt"; fi
done <"$T/opts"
for cmd in extract compile eval info run convert help; do
    if grep -q "^\.Ss $cmd\$" man/nn2rules.1; then ok; else bad "man page lacks command $cmd"; fi
done

# --- info ------------------------------------------------------------------
for ex in iris wdbc vote digits; do
    if expect 0 "info $ex" -- "$NN" info "examples/$ex/model.bin"; then
        has "info $ex" "^layers:"
        has "info $ex" "^parameters:"
    fi
done
expect 0 "info iris" -- "$NN" info "$IRIS" && has "info iris features" "petal_length" && has "info iris classes" "setosa versicolor virginica"
expect 0 "info digits" -- "$NN" info examples/digits/model.bin && has "info digits conv" "conv2d" && has "info digits shape" "1x8x8"

# --- run ---------------------------------------------------------------------
if expect 0 "run iris" -- "$NN" run "$IRIS" --data examples/iris/test.csv; then
    has "run iris header" "^row,predicted,p_setosa,p_versicolor,p_virginica$"
    has "run iris accuracy" "^accuracy: " "$T/err"
    rows=$(($(wc -l <examples/iris/test.csv) - 1))
    lines=$(($(wc -l <"$T/out") - 1))
    if [ "$rows" -eq "$lines" ]; then ok; else bad "run iris: $lines predictions for $rows rows"; fi
fi
expect 0 "run wdbc -o" -- "$NN" run examples/wdbc/model.bin --data examples/wdbc/test.csv -o "$T/pred.csv" --batch 7
if [ -s "$T/pred.csv" ] && [ ! -s "$T/out" ]; then ok; else bad "run -o: CSV not in the file"; fi
expect 0 "run vote" -- "$NN" run examples/vote/model.bin --data examples/vote/test.csv && has "run vote" "^accuracy: 0\.9" "$T/err"
# Weka's original file has '?' for missing votes: the network cannot take them
expect 3 "run vote arff" -- "$NN" run examples/vote/model.bin --data examples/vote/vote.arff && one_error "run vote arff" "vote.arff:[0-9]*: error: missing value"
expect 0 "run digits" -- "$NN" run examples/digits/model.bin --data examples/digits/test.csv && has "run digits" "^accuracy: 0\.9" "$T/err"
# batch size changes the outputs in their last bits only (how far depends on
# the OpenBLAS kernel, so not byte for byte): same rows and classes, outputs
# within 1e-5, and the help says so
"$NN" run examples/digits/model.bin --data examples/digits/test.csv --batch 1 >"$T/b1" 2>/dev/null
"$NN" run examples/digits/model.bin --data examples/digits/test.csv --batch 1000 >"$T/b1000" 2>/dev/null
if [ -s "$T/b1" ] && awk -F, 'NR == FNR { line[FNR] = $0; rows = FNR; next }
        { n = split(line[FNR], a, ","); if (n != NF || a[1] != $1 || a[2] != $2) exit 1
          for (i = 3; i <= NF; i++) if ((a[i] - $i) > 1e-5 || ($i - a[i]) > 1e-5) exit 1 }
        END { if (FNR != rows) exit 1 }' "$T/b1" "$T/b1000"; then
    ok
else
    bad "run: --batch 1 and --batch 1000 disagree beyond the last bits"
fi
expect 0 "run --help on --batch" -- "$NN" run --help && has "run --help on --batch" "differ between sizes in their last bits"

# --- extract, compile, eval ------------------------------------------------------
expect 0 "extract default command" -- "$NN" "$IRIS" -o "$T/r1.txt" && has "extract summary" "^tree: [0-9]* leaves" "$T/err"
expect 0 "extract again" -- "$NN" extract "$IRIS" -o "$T/r2.txt" -q
if cmp -s "$T/r1.txt" "$T/r2.txt"; then ok; else bad "extract: same inputs and seed, different output"; fi
if [ ! -s "$T/err" ]; then ok; else bad "extract -q printed on stderr"; fi
expect 0 "extract other seed" -- "$NN" extract "$IRIS" -o "$T/r3.txt" --seed 2 -q
if cmp -s "$T/r1.txt" "$T/r3.txt"; then bad "extract: --seed changed nothing"; else ok; fi
has "extract provenance" 'model_crc "[0-9a-f]\{8\}"' "$T/r1.txt"
has "extract samples the domain" 'options ".*--samples 10000' "$T/r1.txt"
expect 0 "extract to stdout" -- "$NN" extract "$IRIS" --data examples/iris/train.csv --test examples/iris/test.csv
has "extract stdout" "^tree {" && has "extract test fidelity" "^test: fidelity" "$T/err"
expect 0 "extract rules" -- "$NN" extract "$IRIS" --data examples/iris/train.csv --rules -o "$T/rules.txt"
has "extract rules" "^rules ordered {" "$T/rules.txt"
expect 0 "extract gini depth" -- "$NN" extract examples/wdbc/model.bin --data examples/wdbc/train.csv --criterion gini --max-depth 2 -o "$T/w.json"
has "extract json" '"kind"' "$T/w.json"
expect 0 "extract digits domain" -- "$NN" extract examples/digits/model.bin --samples 500 --max-leaves 10 -o "$T/d.txt"
expect 2 "extract bad algorithm" -- "$NN" extract "$IRIS" -a magic && one_error "extract bad algorithm" "unknown algorithm 'magic'"
expect 2 "extract bad cf" -- "$NN" extract "$IRIS" --cf 2 && one_error "extract bad cf" "--cf"
expect 2 "extract bad format" -- "$NN" extract "$IRIS" -f pdf && one_error "extract bad format" "unknown format 'pdf'"
cp "$IRIS" "$T/model-copy.bin"
expect 2 "extract over its model" -- "$NN" "$T/model-copy.bin" -o "$T/model-copy.bin" && one_error "extract over its model" "refusing"
if cmp -s "$IRIS" "$T/model-copy.bin"; then ok; else bad "extract over its model damaged it"; fi
expect 3 "extract C without -o" -- "$NN" extract "$IRIS" -f c && one_error "extract C without -o" "needs -o"

# an ONNX file goes wherever model.bin does
expect 0 "extract onnx" -- "$NN" examples/iris/model.onnx --data examples/iris/train.csv --like "$IRIS" -o "$T/onnx.txt"
has "extract onnx names" "petal_length <=" "$T/onnx.txt"
expect 0 "eval onnx" -- "$NN" eval "$T/onnx.txt" --model examples/iris/model.onnx --like "$IRIS" --data examples/iris/test.csv
has "eval onnx" "^fidelity: *0\.9"
expect 0 "extract onnx, names from data" -- "$NN" extract examples/iris/model.onnx --data examples/iris/train.csv -q
has "extract onnx, names from data" "sepal_width: continuous \[2, 4.4\]"

# every back end from the same rules; text round-trips byte for byte
expect 0 "compile txt" -- "$NN" compile "$T/r1.txt" -o "$T/again.txt"
if cmp -s "$T/r1.txt" "$T/again.txt"; then ok; else bad "compile: emit -> parse -> emit differs"; fi
expect 0 "compile dot" -- "$NN" compile "$T/r1.txt" -o "$T/r.dot" && has "compile dot" "^digraph" "$T/r.dot"
expect 0 "compile svg" -- "$NN" compile "$T/r1.txt" -o "$T/r.svg" && has "compile svg" "<svg" "$T/r.svg"
expect 0 "compile png" -- "$NN" compile "$T/rules.txt" -o "$T/r.png"
if [ "$(head -c 4 "$T/r.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then ok; else bad "compile png: not a PNG"; fi
expect 0 "compile c" -- "$NN" compile "$T/r1.txt" -o "$T/iris_rules.c" --prefix iris
if [ -s "$T/iris_rules.h" ] && cc -std=c99 -Wall -Wextra -Werror -pedantic -c "$T/iris_rules.c" -o "$T/iris_rules.o"; then ok; else bad "compile c: does not build cleanly"; fi
expect 0 "compile -f json to stdout" -- "$NN" compile "$T/r1.txt" -f json && has "compile json" '"features"'
expect 3 "compile bad prefix" -- "$NN" compile "$T/r1.txt" -o "$T/x.c" --prefix int && one_error "compile bad prefix" "prefix"

# located errors in rules files
sed 's/petal_length <=/petal_lenght <=/' "$T/r1.txt" >"$T/typo.txt"
expect 3 "unknown feature" -- "$NN" compile "$T/typo.txt" -o "$T/x.dot" && one_error "unknown feature" "typo.txt:[0-9]*:[0-9]*: error: unknown feature 'petal_lenght' (did you mean 'petal_length'?)"
if [ ! -e "$T/x.dot" ]; then ok; else bad "failed compile wrote its output"; fi
printf 'features { a: continuous; }\nclasses { x, y }\ntree {\n  if a <= then x else y\n}\n' >"$T/syntax.txt"
expect 3 "syntax error" -- "$NN" compile "$T/syntax.txt" -o "$T/x.dot" && one_error "syntax error" "syntax.txt:4:[0-9]*: error: "
expect 3 "missing rules" -- "$NN" compile "$T/none.txt" -o "$T/x.dot" && one_error "missing rules" "cannot open"

# eval
expect 0 "eval" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data examples/iris/test.csv --predictions "$T/pred.csv"
has "eval fidelity" "^fidelity: *[01]\.[0-9]*" && has "eval accuracy" "^accuracy:" && has "eval coverage" "^coverage:" && has "eval confusion" "^confusion"
rows=$(($(wc -l <"$T/pred.csv") - 1))
if [ "$rows" -eq 38 ]; then ok; else bad "eval --predictions: $rows rows, expected 38"; fi
expect 0 "eval exhaustive" -- "$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive
has "eval exhaustive" "^cube: *65536 points" && has "eval exhaustive fidelity" "^fidelity: *[01]\.[0-9]\{6\} (exactly [0-9]* of 65536"
expect 3 "eval exhaustive on reals" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --exhaustive && one_error "eval exhaustive on reals" "Boolean"
expect 3 "eval wrong model" -- "$NN" eval "$T/rules.txt" --model examples/wdbc/model.bin --data examples/wdbc/test.csv && one_error "eval wrong model" "features"
expect 2 "eval without model" -- "$NN" eval "$T/rules.txt" --data examples/iris/test.csv && one_error "eval without model" "needs --model"

# Graphviz crashes on a label of 32,768 lines and takes minutes over thousands
# of boxes: SVG and PNG are refused in one line that points at DOT, which works
awk 'BEGIN { printf "features { a: continuous; }\nclasses { x, y }\nrules ordered {\n  if a <= 0";
             for (i = 1; i < 40000; i++) printf " and a <= %d", i; printf " then x;\n  default y;\n}\n" }' >"$T/long.txt"
expect 1 "svg of a long rule" -- "$NN" compile "$T/long.txt" -o "$T/long.svg" &&
    one_error "svg of a long rule" "long.svg: error: too large to draw: a label of 40001 lines .*-f dot"
if [ ! -e "$T/long.svg" ]; then ok; else bad "refused svg left a file"; fi
expect 1 "png of a long rule" -- "$NN" compile "$T/long.txt" -f png && one_error "png of a long rule" "too large to draw"
expect 0 "dot of a long rule" -- "$NN" compile "$T/long.txt" -o "$T/long.dot" && has "dot of a long rule" "and a <= 39999" "$T/long.dot"
# a long decision list: too many boxes to draw; its DOT is quick (cgraph once
# took minutes) and whole
awk 'BEGIN { printf "features { a: continuous; }\nclasses { x, y }\nrules ordered {\n";
             for (i = 0; i < 10000; i++) printf "  if a <= %d then %s;\n", i, i % 2 ? "x" : "y"; printf "  default y;\n}\n" }' >"$T/many.txt"
expect 1 "svg of 10,000 rules" -- "$NN" compile "$T/many.txt" -o "$T/many.svg" &&
    one_error "svg of 10,000 rules" "too large to draw: 20001 boxes"
expect 0 "dot of 10,000 rules" -- "$NN" compile "$T/many.txt" -o "$T/many.dot" &&
    has "dot of 10,000 rules" "^	r9999 -> o9999	\[label=then," "$T/many.dot"
# a PNG taller than Cairo's 32767 pixels is shrunk quietly, not by Graphviz
# with a warning on stderr
head -n 303 "$T/many.txt" >"$T/300.txt" && printf '  default y;\n}\n' >>"$T/300.txt"
expect 0 "png of 300 rules" -- "$NN" compile "$T/300.txt" -o "$T/300.png"
if [ ! -s "$T/err" ]; then ok; else bad "png of 300 rules: $(cat "$T/err")"; fi

# --- bad models ----------------------------------------------------------------
"$MKBAD" "$IRIS" "$T" || bad "mkbad failed"
expect 3 "truncated model" -- "$NN" info "$T/truncated.bin" && one_error "truncated model" "byte [0-9]*: error: truncated"
expect 3 "flipped byte" -- "$NN" info "$T/flipped.bin" && one_error "flipped byte" "byte [0-9]*: error: corrupt: CRC mismatch in chunk 'LAYR'"
expect 3 "NaN weight" -- "$NN" info "$T/nan.bin" && one_error "NaN weight" "byte [0-9]*: error: .*is NaN"
expect 3 "unknown chunk" -- "$NN" info "$T/unknown.bin" && one_error "unknown chunk" "unknown critical chunk 'ZZZZ'"
expect 3 "10^12 units" -- "$NN" info "$T/huge-conv.bin" && one_error "10^12 units" "byte [0-9]*: error:"
expect 3 "2^31 units" -- "$NN" info "$T/huge-dense.bin" && one_error "2^31 units" "byte [0-9]*: error:"
printf 'hello' >"$T/short.bin"
expect 3 "not a model" -- "$NN" info "$T/short.bin" && one_error "not a model" "bad magic"
expect 3 "missing model" -- "$NN" info "$T/nope.bin" && one_error "missing model" "cannot open"
expect 3 "empty model" -- "$NN" info /dev/null && one_error "empty model" "truncated"

# --- bad data ----------------------------------------------------------------
cat >"$T/missing-col.csv" <<'CSV'
sepal_length,sepal_width,petal_length,class
5.1,3.5,1.4,setosa
CSV
expect 3 "missing column" -- "$NN" run "$IRIS" --data "$T/missing-col.csv" && one_error "missing column" "petal_width"
cat >"$T/nonnum.csv" <<'CSV'
sepal_length,sepal_width,petal_length,petal_width,class
5.1,3.5,1.4,0.2,setosa
4.9,3.0,abc,0.2,setosa
CSV
expect 3 "non-number" -- "$NN" run "$IRIS" --data "$T/nonnum.csv" && one_error "non-number" "nonnum.csv:3:9: error: .*petal_length"
cat >"$T/missing-val.csv" <<'CSV'
sepal_length,sepal_width,petal_length,petal_width,class
5.1,3.5,1.4,0.2,setosa
4.9,,1.4,0.2,setosa
CSV
expect 3 "missing value" -- "$NN" run "$IRIS" --data "$T/missing-val.csv" && one_error "missing value" "missing-val.csv:3.*missing value"
cat >"$T/badlabel.csv" <<'CSV'
sepal_length,sepal_width,petal_length,petal_width,class
5.1,3.5,1.4,0.2,rose
CSV
expect 3 "unknown label" -- "$NN" run "$IRIS" --data "$T/badlabel.csv" && one_error "unknown label" "badlabel.csv:2.*rose"
expect 3 "unknown format" -- "$NN" run "$IRIS" --data "$T/short.bin" && one_error "unknown format" "format"

# writing to a device writes through it, never renames over it
if [ -c /dev/null ]; then
    expect 0 "output to /dev/null" -- "$NN" run "$IRIS" --data examples/iris/test.csv -o /dev/null
    if [ -c /dev/null ]; then ok; else bad "-o /dev/null replaced the device"; mknod -m 666 /dev/null c 1 3 2>/dev/null; fi
fi
expect 1 "output to a directory" -- "$NN" run "$IRIS" --data examples/iris/test.csv -o "$T" && one_error "output to a directory" "is a directory"

# a failing run leaves an existing output file alone
echo "precious" >"$T/keep.csv"
expect 3 "failed run keeps output" -- "$NN" run "$IRIS" --data "$T/nonnum.csv" -o "$T/keep.csv"
if [ "$(cat "$T/keep.csv")" = "precious" ]; then ok; else bad "failed run clobbered its output file"; fi
if ls "$T"/keep.csv.tmp* >/dev/null 2>&1; then bad "temporary file left behind"; else ok; fi

# --- ONNX ------------------------------------------------------------------
ONNX=examples/iris/model.onnx
if expect 0 "info onnx" -- "$NN" info "$ONNX"; then
    has "info onnx layers" "^layers: *4"
    has "info onnx source" "converted from ONNX"
    has "info onnx unnamed" "^features: *4, unnamed"
fi
for ex in wdbc vote digits; do
    expect 0 "info $ex onnx" -- "$NN" info "examples/$ex/model.onnx" && has "info $ex onnx" "^parameters:"
done
expect 0 "info onnx --data" -- "$NN" info "$ONNX" --data examples/iris/data.csv &&
    has "info onnx --data names" "petal_width *continuous *\[0.1, 2.5\]"
# names come from the data's header and labels
if expect 0 "run onnx" -- "$NN" run "$ONNX" --data examples/iris/test.csv; then
    has "run onnx header" "^row,predicted,p_setosa,p_versicolor,p_virginica$"
    has "run onnx accuracy" "^accuracy: " "$T/err"
fi
expect 0 "help convert" -- "$NN" help convert && has "help convert" "--like"
expect 0 "convert names" -- "$NN" convert "$ONNX" -o "$T/named.bin" --features sl,sw,pl,pw --classes a,b,c
if expect 0 "info converted" -- "$NN" info "$T/named.bin"; then
    has "converted features" "^  pw "
    has "converted classes" "^classes: *3: a b c$"
fi
printf 'sepal length\nsepal width\n\npetal length\npetal width\n' >"$T/names.txt"
expect 0 "convert @names" -- "$NN" convert "$ONNX" -o "$T/named2.bin" --features "@$T/names.txt" &&
    expect 0 "info @names" -- "$NN" info "$T/named2.bin" && has "names from a file" "^  petal length "
# with model.bin's names and normalization the converted network is model.bin's
expect 0 "convert --like" -- "$NN" convert "$ONNX" -o "$T/like.bin" --like "$IRIS"
"$NN" run "$T/like.bin" --data examples/iris/test.csv >"$T/like.csv" 2>/dev/null
"$NN" run "$IRIS" --data examples/iris/test.csv >"$T/orig.csv" 2>/dev/null
if [ -s "$T/like.csv" ] && cmp -s "$T/like.csv" "$T/orig.csv"; then ok; else bad "convert --like: run differs from model.bin's"; fi
expect 0 "convert --data" -- "$NN" convert examples/vote/model.onnx -o "$T/vote.bin" --data examples/vote/data.csv &&
    expect 0 "info vote converted" -- "$NN" info "$T/vote.bin" && has "data makes features boolean" "^  crime *boolean *\[0, 1\]"
expect 2 "convert without -o" -- "$NN" convert "$ONNX" && one_error "convert without -o" "needs -o"
cp "$ONNX" "$T/self.onnx"
expect 2 "convert over itself" -- "$NN" convert "$T/self.onnx" -o "$T/self.onnx" && one_error "convert over itself" "over the input"
if cmp -s "$ONNX" "$T/self.onnx"; then ok; else bad "convert over itself changed the input"; fi
expect 3 "--features count" -- "$NN" convert "$ONNX" -o "$T/x.bin" --features a,b,c &&
    one_error "--features count" "error: --features: 3 feature names for a model with 4 inputs"
if [ -e "$T/x.bin" ]; then bad "failed convert left an output"; else ok; fi
expect 3 "--classes duplicate" -- "$NN" info "$ONNX" --classes a,b,a && one_error "--classes duplicate" "given twice"
# malformed ONNX files: one line, exit 3
head -c 300 "$ONNX" >"$T/trunc.onnx"
expect 3 "truncated onnx" -- "$NN" info "$T/trunc.onnx" && one_error "truncated onnx" "trunc.onnx: byte [0-9]*: error: truncated"
dd if=examples/digits/model.bin of="$T/junk.onnx" bs=1 skip=100 count=600 2>/dev/null
expect 3 "junk onnx" -- "$NN" info "$T/junk.onnx" && one_error "junk onnx" "junk.onnx: byte [0-9]*: error: "
LC_ALL=C sed 's/Relu/Selu/g' "$ONNX" >"$T/selu.onnx"
expect 3 "unsupported op" -- "$NN" run "$T/selu.onnx" --data examples/iris/test.csv &&
    one_error "unsupported op" "node '/1/Selu' (Selu): operator not supported"
perl -0777 -pe '$n = 0; s{/1/Relu_output_0}{++$n == 2 ? "/0/Gemm_output_0" : $&}ge' "$ONNX" >"$T/branch.onnx"
expect 3 "branch" -- "$NN" convert "$T/branch.onnx" -o "$T/branch.bin" &&
    one_error "branch" "the graph branches: tensor '/0/Gemm_output_0' also feeds node '/2/Gemm' (Gemm)"

echo "cli: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
