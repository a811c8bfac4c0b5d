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
MKNET="$BUILD/tests/tools/mknet"
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
expect 2 "unknown short option" -- "$NN" info -Z "$IRIS" && one_error "unknown short option" "unknown option '-Z'"
expect 0 "help run" -- "$NN" help run && has "help run" "--data"
expect 0 "run --help" -- "$NN" run --help && has "run --help" "--batch"

# every long option in any help text is in the man page
for cmd in "" extract compile eval info run convert saliency filters explain; do
    if [ -n "$cmd" ]; then "$NN" help $cmd; else "$NN" --help; fi
done 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/opts"
while read -r opt; do
    # mdoc writes --data as "Fl -data", and "-o, --output" as "Fl o , -output"
    if grep -E -q -- "^\..*Fl( .*)? -${opt#--}( |\$)" man/nn2rules.1; then ok; else bad "man page lacks option $opt"; fi
done <"$T/opts"
for cmd in extract compile eval info run convert saliency filters explain help; do
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
# Weka's original file has '?' for missing votes: with --missing error, an error
expect 3 "run vote arff" -- "$NN" run examples/vote/model.bin --data examples/vote/vote.arff --missing error && one_error "run vote arff" "vote.arff:[0-9]*: error: missing value"
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
expect 0 "extract --precision" -- "$NN" extract examples/wdbc/model.bin --data examples/wdbc/train.csv --max-leaves 6 --precision 2 -o "$T/wp.txt"
has "extract --precision provenance" 'options ".*--precision 2' "$T/wp.txt"
# every threshold: at most 2 significant digits (and there are some)
if grep -oE '(<=|>) -?[0-9][0-9.e+-]*' "$T/wp.txt" |
    awk '{ v = $2; sub(/^-/, "", v); sub(/e.*/, "", v); sub(/\./, "", v); sub(/^0+/, "", v); sub(/0+$/, "", v)
           n++; if (length(v) > 2) long++ } END { exit !(n > 0 && long == 0) }'; then
    ok; else bad "extract --precision 2 left a threshold with more than 2 digits"; fi
expect 0 "extract --precision evaluates" -- "$NN" eval "$T/wp.txt" --model examples/wdbc/model.bin --data examples/wdbc/train.csv
expect 2 "extract --precision 0" -- "$NN" extract "$IRIS" --precision 0 -o "$T/wp0.txt" && one_error "extract --precision 0" "--precision wants"
expect 0 "extract digits domain" -- "$NN" extract examples/digits/model.bin --samples 500 --max-leaves 10 -o "$T/d.txt"
expect 2 "extract bad algorithm" -- "$NN" extract "$IRIS" -a magic && one_error "extract bad algorithm" "unknown algorithm 'magic'"
expect 2 "extract bad cf" -- "$NN" extract "$IRIS" --cf 2 && one_error "extract bad cf" "--cf"
expect 2 "extract bad format" -- "$NN" extract "$IRIS" -f pdf && one_error "extract bad format" "unknown format 'pdf'"
cp "$IRIS" "$T/model-copy.bin"
expect 2 "extract over its model" -- "$NN" "$T/model-copy.bin" -o "$T/model-copy.bin" && one_error "extract over its model" "refusing"
if cmp -s "$IRIS" "$T/model-copy.bin"; then ok; else bad "extract over its model damaged it"; fi
expect 2 "extract C without -o" -- "$NN" extract "$IRIS" -f c && one_error "extract C without -o" "needs -o"

# an ONNX file goes wherever model.bin does; tests/data/iris-torch.onnx is
# iris's network as torch.onnx.export wrote it: no names, no normalization
expect 0 "extract onnx" -- "$NN" tests/data/iris-torch.onnx --data examples/iris/train.csv --like "$IRIS" -o "$T/onnx.txt"
has "extract onnx names" "petal_[a-z]* <=" "$T/onnx.txt"
expect 0 "eval onnx" -- "$NN" eval "$T/onnx.txt" --model tests/data/iris-torch.onnx --like "$IRIS" --data examples/iris/test.csv
has "eval onnx" "^fidelity: *0\.9"
expect 0 "extract onnx, names from data" -- "$NN" extract tests/data/iris-torch.onnx --data examples/iris/train.csv -q
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
expect 2 "compile bad prefix" -- "$NN" compile "$T/r1.txt" -o "$T/x.c" --prefix int && one_error "compile bad prefix" "--prefix: C prefix \"int\" is a C keyword"

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

# hidden units are checked against the model, at the condition's line:col
hidden_rules() {
    printf 'features {\n  sepal_length: continuous;\n  sepal_width: continuous;\n  petal_length: continuous;\n  petal_width: continuous;\n}\nclasses { setosa, versicolor, virginica }\nrules ordered {\n  if petal_width > 1 and %s > 0.5 then setosa;\n  default virginica;\n}\n' "$1" >"$T/hidden.txt"
}
for u in h0.1000000 h0.8 h4.0 h99.0; do
    hidden_rules "$u"
    expect 3 "eval hidden unit $u" -- "$NN" eval "$T/hidden.txt" --model "$IRIS" --data examples/iris/test.csv &&
        one_error "eval hidden unit $u" "hidden.txt:9:26: error: hidden unit $u: "
done
hidden_rules h0.7
expect 0 "eval hidden unit h0.7" -- "$NN" eval "$T/hidden.txt" --model "$IRIS" --data examples/iris/test.csv
sed '/^tree {$/,$d' tests/golden/vote-tree.txt >"$T/vote-hidden.txt"
printf 'rules ordered {\n  if h0.6 > 0.5 then democrat;\n  default republican;\n}\n' >>"$T/vote-hidden.txt"
expect 3 "eval exhaustive hidden unit" -- "$NN" eval "$T/vote-hidden.txt" --model examples/vote/model.bin --exhaustive &&
    one_error "eval exhaustive hidden unit" "vote-hidden.txt:[0-9]*:6: error: hidden unit h0.6: layer 0 of the model has 6 units"

# m-of-n counts and nominal values are checked where they are written
mofn_rules() {
    printf 'features { a: continuous; b: continuous; c: nominal { lo, hi }; }\nclasses { x, y }\nrules ordered {\n  if %s then x;\n  default y;\n}\n' "$1" >"$T/mofn.txt"
}
mofn_rules '-1 of { a > 1, b > 2 }'
expect 3 "m-of-n below 1" -- "$NN" compile "$T/mofn.txt" -o "$T/x.dot" && one_error "m-of-n below 1" "mofn.txt:4:6: error: an m-of-n test over 2 conditions needs m from 1 to 2, not -1"
mofn_rules '3 of { a > 1, b > 2 }'
expect 3 "m-of-n above n" -- "$NN" compile "$T/mofn.txt" -o "$T/x.dot" && one_error "m-of-n above n" "mofn.txt:4:6: error: .*not 3"
mofn_rules '0 of { }'
expect 3 "m-of-n empty" -- "$NN" compile "$T/mofn.txt" -o "$T/x.dot" && one_error "m-of-n empty" "mofn.txt:4:11: error: an m-of-n test needs at least one condition"
mofn_rules 'c == 5'
expect 3 "nominal value out of range" -- "$NN" compile "$T/mofn.txt" -o "$T/x.dot" && one_error "nominal value out of range" "mofn.txt:4:11: error: nominal feature 'c' has values 0 to 1; 5 is none of them"
mofn_rules 'c != 1 and 2 of { a > 1, b > 2 }'
expect 0 "nominal value and m-of-n in range" -- "$NN" compile "$T/mofn.txt" -o "$T/x.dot"

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
    one_error "svg of 10,000 rules" "too large to draw: 20004 boxes"
expect 0 "dot of 10,000 rules" -- "$NN" compile "$T/many.txt" -o "$T/many.dot" &&
    has "dot of 10,000 rules" "^	r9999 -> o9999	\[label=then," "$T/many.dot"
# a PNG taller than Cairo's 32767 pixels is shrunk quietly, not by Graphviz
# with a warning on stderr
head -n 303 "$T/many.txt" >"$T/300.txt" && printf '  default y;\n}\n' >>"$T/300.txt"
expect 0 "png of 300 rules" -- "$NN" compile "$T/300.txt" -o "$T/300.png"
if [ ! -s "$T/err" ]; then ok; else bad "png of 300 rules: $(cat "$T/err")"; fi
# eval --exhaustive: the same counts on any number of threads; above
# --max-bits (or with --samples) an estimate, labelled as one, seeded, whose
# interval (with this seed) holds the exact value
NN2RULES_THREADS=1 "$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive >"$T/one.txt" 2>&1
NN2RULES_THREADS=3 "$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive >"$T/three.txt" 2>&1
if cmp -s "$T/one.txt" "$T/three.txt" && grep -q "exactly" "$T/one.txt"; then ok; else bad "eval exhaustive: other counts on other threads"; fi
exact=$(sed -n 's/^fidelity: *[01]\.[0-9]* (exactly \([0-9]*\) of 65536.*/\1/p' "$T/one.txt")
expect 0 "eval exhaustive --samples" -- "$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive --samples 20000 --seed 5
has "eval --samples: cube" "^cube: *65536 points (every Boolean input setting; 20000 sampled)$" &&
    has "eval --samples: labelled" "^fidelity: *~0\.[0-9]\{4\} (estimate from 20000 uniform points of the cube, 95% interval \[0\.[0-9]\{4\}, [01]\.[0-9]\{4\}\])$"
if sed -n 's/^fidelity:.*interval \[\(.*\), \(.*\)\])$/\1 \2/p' "$T/out" | awk -v e="$exact" '{ f = e / 65536; exit !($1 <= f && f <= $2) }'
then ok; else bad "eval --samples: $exact of 65536 not in $(grep '^fidelity' "$T/out")"; fi
cp "$T/out" "$T/sampled.txt"
"$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive --samples 20000 --seed 5 >"$T/out" 2>&1
if cmp -s "$T/out" "$T/sampled.txt"; then ok; else bad "eval --samples: not the same with the same seed"; fi
expect 0 "eval exhaustive above --max-bits" -- "$NN" eval tests/golden/vote-tree.txt --model examples/vote/model.bin --exhaustive --max-bits 10
has "above --max-bits: estimate" "^fidelity: *~0\.[0-9]\{4\} (estimate from 1000000 uniform points" &&
    one_error "above --max-bits: note" "vote/model.bin: the input cube has 65536 points, more than 2^10 to enumerate; estimating from 1000000 of them"
expect 2 "eval --samples without --exhaustive" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data examples/iris/test.csv --samples 5 &&
    one_error "eval --samples without --exhaustive" "go with --exhaustive"
expect 2 "eval --samples 0" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --exhaustive --samples 0 &&
    one_error "eval --samples 0" "from 1 to 10^9"

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
expect 3 "Boolean range" -- "$NN" info "$T/bool-range.bin" && one_error "Boolean range" "bool-range.bin: byte [0-9]*: error: chunk 'FEAT': Boolean or one-hot feature 'sepal_width' has a range outside \[0, 1\]"
expect 3 "name not UTF-8" -- "$NN" info "$T/utf8-name.bin" && one_error "name not UTF-8" "utf8-name.bin: byte [0-9]*: error: chunk 'FEAT': feature name is not UTF-8"
printf 'features { a: continuous; }\nclasses { x, y }\n# caf\351\ntree { x }\n' >"$T/latin1.txt"
expect 3 "rules not UTF-8" -- "$NN" compile "$T/latin1.txt" -o "$T/x.dot" && one_error "rules not UTF-8" "latin1.txt:3:6: error: byte 0xE9 is not UTF-8"
# claims are checked against the bytes that back them before anything is
# allocated: under a 400 MB address-space limit a claimed 1 GiB tensor is a
# clean refusal, not "out of memory".  ASan reserves terabytes of address
# space up front, so its build skips this.
if grep -q __asan_init "$NN" 2>/dev/null; then
    ok
else
    for f in big-dense big-feat huge-conv huge-dense; do
        expect 3 "ulimit $f" -- sh -c 'ulimit -v 400000 && exec "$@"' sh "$NN" info "$T/$f.bin" &&
            one_error "ulimit $f" "$f.bin: byte [0-9]*: error: "
        expect 3 "ulimit run $f" -- sh -c 'ulimit -v 400000 && exec "$@"' sh "$NN" run "$T/$f.bin" --data examples/iris/test.csv &&
            one_error "ulimit run $f" "$f.bin: byte [0-9]*: error: "
    done
fi

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
expect 3 "missing value" -- "$NN" run "$IRIS" --data "$T/missing-val.csv" --missing error && one_error "missing value" "missing-val.csv:3.*missing value"
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

# an input that normalization overflows gives NaN outputs: no prediction
cat >"$T/overflow.csv" <<'CSV'
sepal_length,sepal_width,petal_length,petal_width,class
5.1,3.5,1.4,0.2,setosa
4.9,3e38,1.4,0.2,setosa
6.3,3.3,6.0,2.5,virginica
CSV
expect 3 "NaN output" -- "$NN" run "$IRIS" --data "$T/overflow.csv" && one_error "NaN output" "overflow.csv:3: error: row 2: the network's output 0 is NaN"
expect 3 "NaN output extract" -- "$NN" extract "$IRIS" --data "$T/overflow.csv" -o "$T/x.txt" && one_error "NaN output extract" "overflow.csv:3: error: row 2:"
expect 3 "NaN output eval" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data "$T/overflow.csv" && one_error "NaN output eval" "overflow.csv:3: error: row 2:"
if expect 0 "NaN output skipped" -- "$NN" run "$IRIS" --data "$T/overflow.csv" --nonfinite skip; then
    has "NaN output skipped" "skipped 1 row whose network outputs are not finite" "$T/err"
    has "NaN output skipped: accuracy over the rest" "^accuracy: 1.0000 (2 of 2 rows" "$T/err"
    if grep -q "nan" "$T/out"; then bad "NaN output skipped: NaN printed"; else ok; fi
    has "NaN output skipped keeps row numbers" "^3,virginica,"
fi
expect 0 "NaN output extract skip" -- "$NN" extract "$IRIS" --data "$T/overflow.csv" --nonfinite skip -o "$T/x.txt" && has "NaN output extract skip" "skipped 1 row" "$T/err"
expect 0 "NaN output eval skip" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data "$T/overflow.csv" --nonfinite skip && has "NaN output eval skip" "^rows: *2 "
expect 2 "bad --nonfinite" -- "$NN" run "$IRIS" --data "$T/overflow.csv" --nonfinite maybe && one_error "bad --nonfinite" "--nonfinite wants 'error' or 'skip'"
expect 3 "denormal deviation" -- "$NN" info "$T/denormal-std.bin" && one_error "denormal deviation" "denormal-std.bin: byte [0-9]*: error: chunk 'NORM': normalization deviation of input 0 is 1.4013e-45"
expect 3 "denormal deviation extract" -- "$NN" extract "$T/denormal-std.bin" -o "$T/x.txt" && one_error "denormal deviation extract" "normalization deviation"

# no rows is an error, not an accuracy over 0 of 0; a lone CR ends a line
head -1 examples/iris/test.csv >"$T/header-only.csv"
expect 3 "header only" -- "$NN" run "$IRIS" --data "$T/header-only.csv" && one_error "header only" "header-only.csv: error: no data rows"
expect 3 "header only eval" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data "$T/header-only.csv" && one_error "header only eval" "no data rows"
expect 3 "header only extract" -- "$NN" extract "$IRIS" --data "$T/header-only.csv" -o "$T/x.txt" && one_error "header only extract" "no data rows"
head -4 examples/iris/test.csv | tr '\n' '\r' >"$T/cr.csv"
expect 0 "CR line endings" -- "$NN" run "$IRIS" --data "$T/cr.csv" && has "CR line endings" "^accuracy: .*(3 of 3 rows" "$T/err"
printf 'sepal_length,sepal_width,petal_length,petal_width,class\n5.1,3.5,1.4,0.2,set\351osa\n' >"$T/latin1.csv"
expect 3 "Latin-1 label" -- "$NN" run "$IRIS" --data "$T/latin1.csv" && one_error "Latin-1 label" "latin1.csv:2:20: error: byte 0xE9 is not UTF-8"

# gzip: a stream without its trailer is truncated; zlib's "<fd:N>" stays out of messages
{ printf '\000\000\010\003\000\000\000\002\000\000\000\010\000\000\000\010'; head -c 128 /dev/zero; } >"$T/two-idx3-ubyte"
gzip -c "$T/two-idx3-ubyte" >"$T/two-idx3-ubyte.gz"
gzlen=$(wc -c <"$T/two-idx3-ubyte.gz")
expect 0 "IDX gz" -- "$NN" run examples/digits/model.bin --data "$T/two-idx3-ubyte.gz"
head -c $((gzlen - 8)) "$T/two-idx3-ubyte.gz" >"$T/cut-idx3-ubyte.gz"
expect 3 "IDX gz without trailer" -- "$NN" run examples/digits/model.bin --data "$T/cut-idx3-ubyte.gz" &&
    one_error "IDX gz without trailer" "cut-idx3-ubyte.gz: error: truncated gzip data"
cp "$T/two-idx3-ubyte.gz" "$T/crc-idx3-ubyte.gz"
printf '\377' | dd of="$T/crc-idx3-ubyte.gz" bs=1 seek=$((gzlen - 8)) conv=notrunc 2>/dev/null
expect 3 "IDX gz bad CRC" -- "$NN" run examples/digits/model.bin --data "$T/crc-idx3-ubyte.gz" &&
    one_error "IDX gz bad CRC" "crc-idx3-ubyte.gz: error: corrupt gzip data: incorrect data check$"
gzip -c examples/iris/test.csv >"$T/test.csv.gz"
gzlen=$(wc -c <"$T/test.csv.gz")
head -c $((gzlen - 4)) "$T/test.csv.gz" >"$T/cut.csv.gz"
expect 3 "CSV gz without trailer" -- "$NN" run "$IRIS" --data "$T/cut.csv.gz" && one_error "CSV gz without trailer" "cut.csv.gz: error: truncated gzip data"

# a third value of a nominal attribute fed to a Boolean input
sed -n '1,/^@data/p' examples/vote/vote.arff | sed "s/^@attribute 'handicapped-infants' { 'n', 'y'}/@attribute 'handicapped-infants' { 'n', 'y', 'u'}/" >"$T/three.arff"
echo "'u','y','y','n','y','y','n','n','n','n','n','n','y','y','y','y','democrat'" >>"$T/three.arff"
arffline=$(wc -l <"$T/three.arff")
expect 3 "ARFF value 2 for a Boolean" -- "$NN" run examples/vote/model.bin --data "$T/three.arff" &&
    one_error "ARFF value 2 for a Boolean" "three.arff:$arffline: error: field 1 ('handicapped-infants'): the model's Boolean feature takes 0 or 1, not value 2 ('u')"

# --- output files --------------------------------------------------------------
RUNIRIS="run $IRIS --data examples/iris/test.csv"
# a link is written through: the file it names changes, the link stays
echo "old" >"$T/target.csv"
ln -s target.csv "$T/link.csv"
expect 0 "-o link" -- "$NN" $RUNIRIS -o "$T/link.csv"
if [ -L "$T/link.csv" ] && [ "$(head -c 3 "$T/target.csv")" = "row" ]; then ok; else bad "-o link replaced the link"; fi
ln -s missing.csv "$T/dangling.csv"
expect 0 "-o dangling link" -- "$NN" $RUNIRIS -o "$T/dangling.csv"
if [ -L "$T/dangling.csv" ] && [ -s "$T/missing.csv" ]; then ok; else bad "-o dangling link did not create its target"; fi
# a link into /proc/self/fd (what /dev/stdout is) writes to the descriptor;
# tried on a link of our own before the system's /dev/stdout is risked
ln -s /proc/self/fd/1 "$T/stdout-link"
"$NN" $RUNIRIS -o "$T/stdout-link" >"$T/via-link.csv" 2>/dev/null
"$NN" $RUNIRIS >"$T/direct.csv" 2>/dev/null
fdlink=no
if [ -L "$T/stdout-link" ] && [ -s "$T/via-link.csv" ] && cmp -s "$T/via-link.csv" "$T/direct.csv"; then
    ok
    fdlink=yes
else
    bad "-o a link to /proc/self/fd/1: output not on standard output"
fi
if [ "$fdlink" = yes ]; then
    stdout_was_link=no
    [ -L /dev/stdout ] && stdout_was_link=yes
    "$NN" $RUNIRIS -o /dev/stdout >"$T/devstdout.csv" 2>/dev/null
    if cmp -s "$T/devstdout.csv" "$T/direct.csv"; then ok; else bad "-o /dev/stdout: output not on standard output"; fi
    "$NN" $RUNIRIS -o /dev/stderr 2>"$T/devstderr.csv" >/dev/null
    has "-o /dev/stderr" "^row,predicted" "$T/devstderr.csv"
    "$NN" eval "$T/rules.txt" --model "$IRIS" --data examples/iris/test.csv -p /dev/stdout >"$T/evalp.txt" 2>/dev/null
    has "eval -p /dev/stdout" "^row,network,rules$" "$T/evalp.txt"
    has "eval -p /dev/stdout report" "^fidelity:" "$T/evalp.txt"
    "$NN" compile "$T/r1.txt" -f json -o /dev/stdout >"$T/json.txt" 2>/dev/null
    has "compile -o /dev/stdout" '"features"' "$T/json.txt"
    if [ "$stdout_was_link" = no ] || [ -L /dev/stdout ]; then ok; else bad "-o /dev/stdout replaced the link /dev/stdout"; fi
fi
# the shell refuses to write a read-only file for an ordinary user; so do we
# (root may, as with the shell)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    U=$(mktemp -d)
    cp "$NN" "$IRIS" examples/iris/test.csv "$U/"
    echo "mine" >"$U/mine.txt"
    chmod 444 "$U/mine.txt"
    chown -R nobody "$U"
    chmod 755 "$U"
    expect 1 "read-only output" -- setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        "$U/nn2rules" run "$U/model.bin" --data "$U/test.csv" -o "$U/mine.txt" &&
        one_error "read-only output" "mine.txt: error: cannot open: Permission denied"
    if [ "$(cat "$U/mine.txt")" = "mine" ]; then ok; else bad "read-only output file replaced"; fi
    rm -rf "$U"
else
    echo "note: read-only output check skipped (needs root, setpriv and a user 'nobody')"
fi
echo "root's" >"$T/ro.csv"
chmod 444 "$T/ro.csv"
if [ "$(id -u)" -eq 0 ]; then
    expect 0 "read-only output as root" -- "$NN" $RUNIRIS -o "$T/ro.csv"
    if [ "$(head -c 3 "$T/ro.csv")" = "row" ] && [ -n "$(find "$T/ro.csv" -perm 0444)" ]; then ok
    else bad "root's write to a read-only file: not written, or its mode lost"; fi
fi
# a full disk: non-zero exit, one message
if [ -c /dev/full ]; then
    expect 1 "-o /dev/full" -- "$NN" $RUNIRIS -o /dev/full && one_error "-o /dev/full" "/dev/full: error: write failed: No space left"
    expect 1 "compile -o /dev/full" -- "$NN" compile "$T/r1.txt" -o /dev/full -f json && one_error "compile -o /dev/full" "No space left"
fi
# killed mid-write (by the file size limit): the old file is intact and no
# temporary file is left; with the signal ignored, one message and exit 1
echo "precious" >"$T/big.csv"
sh -c 'ulimit -f 4; "$@"' sh "$NN" run examples/digits/model.bin --data examples/digits/test.csv -o "$T/big.csv" >/dev/null 2>&1
if [ "$?" -ne 0 ]; then ok; else bad "file size limit: the write succeeded"; fi
if [ "$(cat "$T/big.csv")" = "precious" ]; then ok; else bad "killed mid-write: the old file is damaged"; fi
if ls "$T"/big.csv.tmp* >/dev/null 2>&1; then bad "killed mid-write: temporary file left behind"; else ok; fi
expect 1 "file too large" -- sh -c 'trap "" XFSZ; ulimit -f 4; exec "$@"' sh \
    "$NN" run examples/digits/model.bin --data examples/digits/test.csv -o "$T/big.csv" &&
    one_error "file too large" "big.csv: error: write failed: File too large"
if [ "$(cat "$T/big.csv")" = "precious" ]; then ok; else bad "failed write: the old file is damaged"; fi
if ls "$T"/big.csv.tmp* >/dev/null 2>&1; then bad "failed write: temporary file left behind"; else ok; fi

# no command writes over one of its inputs, whatever the option, links included
cp "$IRIS" "$T/own.bin"
cp examples/iris/test.csv "$T/own.csv"
cp "$T/rules.txt" "$T/own.txt"
printf 'a\nb\nc\nd\n' >"$T/own-names.txt"
ln -s own.csv "$T/own-link.csv"
for check in "eval -p model|eval $T/own.txt --model $T/own.bin --data $T/own.csv -p $T/own.bin" \
             "eval -p rules|eval $T/own.txt --model $T/own.bin --data $T/own.csv -p $T/own.txt" \
             "eval -p data|eval $T/own.txt --model $T/own.bin --data $T/own.csv -p $T/own.csv" \
             "run -o data|run $T/own.bin --data $T/own.csv -o $T/own.csv" \
             "run -o data by a link|run $T/own.bin --data $T/own-link.csv -o $T/own.csv" \
             "run -o @names|run $T/own.bin --data $T/own.csv --features @$T/own-names.txt -o $T/own-names.txt" \
             "compile -o rules|compile $T/own.txt -o $T/own.txt -f json" \
             "compile C header over rules|compile $T/own.h -o $T/own.c" \
             "extract -o --test|extract $T/own.bin --test $T/own.csv -o $T/own.csv -f json" \
             "extract -o --like|extract $T/own.bin --like $T/own.bin -o $T/own.bin" \
             "convert -o @classes|convert $T/own.bin --classes @$T/own-names.txt -o $T/own-names.txt"; do
    name=${check%%|*}
    cp "$T/own.txt" "$T/own.h"
    # shellcheck disable=SC2086
    expect 2 "$name" -- "$NN" ${check#*|} && one_error "$name" "refusing to write the output .* over the input"
done
if cmp -s "$IRIS" "$T/own.bin" && cmp -s examples/iris/test.csv "$T/own.csv" && cmp -s "$T/rules.txt" "$T/own.txt" &&
    cmp -s "$T/rules.txt" "$T/own.h" && [ "$(wc -l <"$T/own-names.txt")" -eq 4 ]; then ok; else bad "an input was overwritten"; fi
expect 2 "C output to its header" -- "$NN" compile "$T/own.txt" -o "$T/x.h" -f c && one_error "C output to its header" "not its header"

# a write error on standard output is a failure, with one message
if [ -c /dev/full ]; then
    for check in "info|info $IRIS" "eval|eval $T/rules.txt --model $IRIS --data examples/iris/test.csv" \
                 "help|--help" "version|--version" "help run|help run" "run|$RUNIRIS" \
                 "compile|compile $T/r1.txt -f json" "extract|extract $IRIS -q"; do
        name="${check%%|*} >/dev/full"
        # shellcheck disable=SC2086
        expect 1 "$name" -- sh -c '"$@" >/dev/full' sh "$NN" ${check#*|} &&
            one_error "$name" "error: cannot write to standard output: No space left on device"
    done
fi
expect 0 "help help" -- "$NN" help help && has "help help" "^Commands:"

# names reach terminals and generated files escaped: no bidirectional
# override (Trojan Source) or ANSI escape acts on whoever reads them
RLO=$(printf '\342\200\256')
ESC=$(printf '\033')
printf '%s\n' 'provenance {' '  algorithm "tree \x1B[31m";' '}' 'features {' \
    '  "x\xE2\x80\xAEy": continuous [0, 1];' '  b: continuous [0, 1];' '}' \
    'classes { "yes\xE2\x80\xAE", "no\x1B[2J" }' 'tree {' \
    '  if "x\xE2\x80\xAEy" <= 0.5 then "yes\xE2\x80\xAE"' '  else "no\x1B[2J"' '}' >"$T/bidi.txt"
expect 0 "bidi names to C" -- "$NN" compile "$T/bidi.txt" -o "$T/bidi.c"
if grep -q "$RLO\|$ESC" "$T/bidi.c" "$T/bidi.h"; then bad "bidi names to C: raw in the C"; else ok; fi
has "bidi names to C escaped" 'x\\u202Ey' "$T/bidi.c"
if cc -std=c99 -Wall -Werror -c "$T/bidi.c" -o "$T/bidi.o"; then ok; else bad "bidi names to C: does not build cleanly"; fi
expect 0 "bidi names to text" -- "$NN" compile "$T/bidi.txt" -o "$T/bidi2.txt"
has "bidi names to text escaped" 'x\\xE2\\x80\\xAEy' "$T/bidi2.txt"
expect 0 "bidi names text again" -- "$NN" compile "$T/bidi2.txt" -o "$T/bidi3.txt"
if cmp -s "$T/bidi2.txt" "$T/bidi3.txt"; then ok; else bad "bidi names: text does not round-trip"; fi
expect 0 "bidi names to JSON" -- "$NN" compile "$T/bidi.txt" -f json && has "bidi names to JSON" 'x\\u202ey'
if grep -q "$RLO\|$ESC" "$T/out"; then bad "bidi names to JSON: raw in the JSON"; else ok; fi
expect 0 "bidi names to DOT" -- "$NN" compile "$T/bidi.txt" -f dot && has "bidi names to DOT" 'x\\\\u202Ey'
if grep -q "$RLO\|$ESC" "$T/out"; then bad "bidi names to DOT: raw in the DOT"; else ok; fi
expect 0 "bidi names in info" -- "$NN" info tests/data/iris-torch.onnx --classes "a${RLO},b,c" && has "bidi names in info" 'a\\u202E b c'
if grep -q "$RLO" "$T/out"; then bad "bidi names in info: raw on standard output"; else ok; fi
sed 's/setosa/"set\\xE2\\x80\\xAEosa"/g' "$T/r1.txt" >"$T/bidi-iris.txt"
sed "s/setosa/set${RLO}osa/" examples/iris/test.csv >"$T/bidi-iris.csv"
expect 0 "bidi names in eval" -- "$NN" eval "$T/bidi-iris.txt" --model tests/data/iris-torch.onnx --like "$IRIS" \
    --classes "set${RLO}osa,versicolor,virginica" --data "$T/bidi-iris.csv" && has "bidi names in eval" '^  set\\u202Eosa '
if grep -q "$RLO" "$T/out"; then bad "bidi names in eval: raw on standard output"; else ok; fi
printf 'a\033[31mb,sepal_width,petal_length,petal_width,class\n1,2,3,4,setosa\n' >"$T/esc.csv"
expect 3 "ANSI escape in a message" -- "$NN" run "$IRIS" --data "$T/esc.csv" && one_error "ANSI escape in a message" 'a\\x1B\[31mb'
if grep -q "$ESC" "$T/err"; then bad "ANSI escape in a message: raw on standard error"; else ok; fi

# every message names its file
expect 3 "rules for another model" -- "$NN" eval "$T/rules.txt" --model examples/wdbc/model.bin --data examples/wdbc/test.csv &&
    one_error "rules for another model" "rules.txt: error: the rules have 4 features"
expect 3 "--features count names the model" -- "$NN" convert tests/data/iris-torch.onnx -o "$T/x.bin" --features a,b,c &&
    one_error "--features count names the model" "iris-torch.onnx: error: --features: 3 feature names"
expect 3 "--exhaustive names the model" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --exhaustive &&
    one_error "--exhaustive names the model" "model.bin: error: --exhaustive needs Boolean"
expect 3 "C refuses hidden units" -- "$NN" compile tests/rules/cred_hidden.txt -o "$T/hidden.c" &&
    one_error "C refuses hidden units" "cred_hidden.txt: error: the rules test hidden units"
long=$(head -c 1001 /dev/zero | tr '\0' a)
printf 'features {\n  x: continuous [0, 1];\n}\nclasses { %s, b }\ntree {\n  if x <= 0.5 then %s\n  else b\n}\n' "$long" "$long" >"$T/long-class.txt"
expect 1 "C refuses a long class name" -- "$NN" compile "$T/long-class.txt" -o "$T/long.c" &&
    one_error "C refuses a long class name" "long-class.txt: error: class 0's name is longer"
expect 2 "extract bad prefix" -- "$NN" extract "$IRIS" -o "$T/x.c" --prefix 9lives -q && one_error "extract bad prefix" "--prefix: "
# an IDX label the model lacks: the labels file, at the label's byte
{ printf '\0\0\10\3\0\0\0\1\0\0\0\10\0\0\0\10'; head -c 64 /dev/zero; } >"$T/img.idx"
printf '\0\0\10\1\0\0\0\1\14' >"$T/lab.idx"
expect 3 "IDX label names the labels file" -- "$NN" run examples/digits/model.bin --data "$T/img.idx" --labels "$T/lab.idx" &&
    one_error "IDX label names the labels file" "lab.idx: byte 8: error: row 1: label '12'"
# eval prints its report whole or not at all
expect 3 "eval fails before printing" -- "$NN" eval "$T/rules.txt" --model "$IRIS" --data examples/iris/test.csv --exhaustive
if [ ! -s "$T/out" ]; then ok; else bad "eval printed part of its report before failing"; fi
# the magic bytes are checked before the rest is read
expect 3 "info /dev/zero" -- "$NN" info /dev/zero && one_error "info /dev/zero" "/dev/zero: byte 0: error: not an nn2rules model file (bad magic)"
# PNG is not for terminals
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "$NN compile $T/r1.txt -f png" /dev/null >"$T/tty.txt" 2>&1
    if [ "$?" -eq 2 ] && grep -q "refusing to write PNG to a terminal" "$T/tty.txt" && ! grep -q "PNG.*IHDR" "$T/tty.txt"; then ok; else bad "-f png to a terminal: $(head -c 200 "$T/tty.txt")"; fi
else
    echo "note: PNG-to-terminal check skipped (needs script(1))"
fi
expect 0 "-f png to a pipe" -- "$NN" compile "$T/r1.txt" -f png
if [ "$(head -c 4 "$T/out" | od -An -c | tr -d ' ')" = "211PNG" ]; then ok; else bad "-f png to a pipe: not a PNG"; fi

# --- ONNX ------------------------------------------------------------------
ONNX=tests/data/iris-torch.onnx
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
# a names file from an editor that writes a byte order mark; names must be UTF-8
printf '\357\273\277sepal length\nsepal width\npetal length\npetal width\n' >"$T/bom-names.txt"
expect 0 "@names with BOM" -- "$NN" info "$ONNX" --features "@$T/bom-names.txt" && has "@names with BOM" "^  sepal length "
printf 'sl\nsw\np\377l\npw\n' >"$T/bad-names.txt"
expect 3 "@names not UTF-8" -- "$NN" info "$ONNX" --features "@$T/bad-names.txt" && one_error "@names not UTF-8" "bad-names.txt:3:2: error: byte 0xFF is not UTF-8"
# without class names, labels that are not class numbers are refused, not an accuracy of 0
head -3 examples/iris/test.csv >"$T/two-classes.csv"
grep versicolor examples/iris/test.csv | head -2 >>"$T/two-classes.csv"
expect 3 "onnx labels unmatched" -- "$NN" run "$ONNX" --data "$T/two-classes.csv" &&
    one_error "onnx labels unmatched" "two-classes.csv:2: error: label 'setosa': the model has no class names"
expect 0 "onnx labels with --classes" -- "$NN" run "$ONNX" --data "$T/two-classes.csv" --classes setosa,versicolor,virginica &&
    has "onnx labels with --classes" "^accuracy: .* of 4 rows" "$T/err"
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
# the bundled model.onnx files take raw inputs as model.bin does: the
# normalization is in the graph, so --like (a second one) is refused
for ex in iris wdbc digits; do
    "$NN" run "examples/$ex/model.bin" --data "examples/$ex/test.csv" >"$T/bin-$ex.csv" 2>/dev/null
    expect 0 "run $ex onnx raw" -- "$NN" run "examples/$ex/model.onnx" --data "examples/$ex/test.csv" &&
        if [ -s "$T/bin-$ex.csv" ] && cmp -s "$T/out" "$T/bin-$ex.csv"; then ok; else bad "run $ex onnx: differs from model.bin"; fi
done
expect 0 "info onnx normalizes" -- "$NN" info examples/iris/model.onnx &&
    has "info onnx normalizes" "^normalization: (x - mean) / std, inside the model" &&
    has "info onnx names" "^  petal_width *continuous *\[0.1, 2.5\]"
expect 0 "info onnx without normalization" -- "$NN" info "$ONNX" &&
    has "info onnx without normalization" "^normalization: none in the model: inputs go in as the graph takes them"
expect 0 "info bin without normalization" -- "$NN" info examples/vote/model.bin && has "info bin without normalization" "^normalization: none$"
expect 3 "--like twice" -- "$NN" convert examples/iris/model.onnx --like "$IRIS" -o "$T/twice.bin" &&
    one_error "--like twice" "both models normalize their input"
# convert writes ONNX by the output's extension, the same bytes every time,
# and back to a model.bin that runs as the original
expect 0 "convert to onnx" -- "$NN" convert "$IRIS" -o "$T/iris.onnx" &&
    if cmp -s "$T/iris.onnx" examples/iris/model.onnx; then ok; else bad "convert to onnx: not the bundled model.onnx"; fi
expect 0 "convert onnx back" -- "$NN" convert "$T/iris.onnx" -o "$T/iris-back.bin" &&
    expect 0 "run onnx back" -- "$NN" run "$T/iris-back.bin" --data examples/iris/test.csv &&
    if cmp -s "$T/out" "$T/bin-iris.csv"; then ok; else bad "convert onnx back: run differs from model.bin"; fi
expect 2 "convert unknown extension" -- "$NN" convert "$IRIS" -o "$T/iris.model" &&
    one_error "convert unknown extension" "unknown output extension '.model' (known: .bin, .onnx)"
if [ ! -e "$T/iris.model" ]; then ok; else bad "convert unknown extension: wrote a file"; fi

# --- inputs to sample, and results that explain nothing -------------------
# an ONNX model named but without ranges: refused, not sampled at one point
expect 3 "no ranges" -- "$NN" "$ONNX" --features a,b,c,d --classes x,y,z -o "$T/nr.txt" &&
    one_error "no ranges" "iris-torch.onnx: error: the model declares no input ranges.*--ranges"
if [ -e "$T/nr.txt" ]; then bad "no ranges: wrote an output"; else ok; fi
expect 3 "some ranges" -- "$NN" "$ONNX" --features a,b,c,d --classes x,y,z --ranges a=4:8,b=2:4.5 -o "$T/nr.txt" &&
    one_error "some ranges" "no range for feature 'c' and 1 other (it reads \[0, 0\]).*--ranges c=LO:HI"
expect 0 "--ranges" -- "$NN" "$ONNX" --features a,b,c,d --classes x,y,z -q -o "$T/nr.txt" \
    --ranges 4:8,b=2:4.5,c=1:7,d=0.1:2.5 && has "--ranges sets the range" "b: continuous \[2, 4.5\];" "$T/nr.txt"
expect 2 "--ranges syntax" -- "$NN" "$ONNX" --features a,b,c,d --ranges 5:4 -o "$T/nr.txt" &&
    one_error "--ranges syntax" "'5:4' is not LO:HI or NAME=LO:HI"
expect 3 "--ranges unknown name" -- "$NN" "$ONNX" --features a,b,c,d --ranges e=0:1 -o "$T/nr.txt" &&
    one_error "--ranges unknown name" "iris-torch.onnx: error: --ranges: the model has no feature 'e'"
expect 0 "convert --ranges" -- "$NN" convert "$ONNX" -o "$T/ranged.bin" --data examples/iris/train.csv --ranges petal_width=0:3 &&
    expect 0 "info ranged" -- "$NN" info "$T/ranged.bin" && has "--ranges wins over --data" "^  petal_width *continuous *\[0, 3\]"
# (x1 > 0.5) XOR (x2 > 0.5) with three noise inputs: no split gains alone,
# and the default tree must still find it
"$MKNET" xor "$T" || bad "mknet failed"
expect 0 "xor" -- "$NN" "$T/xor.bin" --data "$T/xor-train.csv" --test "$T/xor-test.csv" -o "$T/xor.txt"
fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.95) }'; then ok; else bad "xor: test fidelity ${fid:-none} below 0.95"; fi
if grep -q "warning" "$T/err"; then bad "xor: warned about a good tree"; else ok; fi
# a tree that cannot reach the interaction says that it explains nothing
expect 0 "xor depth 1" -- "$NN" "$T/xor.bin" -q --data "$T/xor-train.csv" --max-depth 1 -o "$T/xor1.txt" &&
    has "degenerate tree" "warning: the rules agree with the network on .* hardly more than always answering" "$T/err"
# a network that answers one class everywhere in the sampled box
expect 0 "one class" -- "$NN" "$T/xor.bin" -q --ranges 0:0.4 -o "$T/xor2.txt" &&
    has "one class" "warning: the network predicts 'no' for all 10000 samples" "$T/err"

# the size is chosen on held-out rows: on a network that is a three-leaf
# tree plus noise, three leaves, with data or without
"$MKNET" stairs "$T" || bad "mknet stairs failed"
expect 0 "stairs" -- "$NN" "$T/stairs.bin" --data "$T/stairs-train.csv" -o "$T/stairs.txt" &&
    has "stairs: three leaves" "^tree: 3 leaves, 2 conditions" "$T/err" &&
    has "stairs: the size line" "^size: 3 leaves chosen on 1000 held-out rows: fidelity 0.99" "$T/err" &&
    has "stairs: provenance" "--tolerance 1 " "$T/stairs.txt"
expect 0 "stairs without data" -- "$NN" "$T/stairs.bin" -o "$T/stairs.txt" &&
    has "stairs without data: three leaves" "^tree: 3 leaves" "$T/err" &&
    has "stairs without data: held-out samples" "held-out samples" "$T/err"
expect 0 "stairs --max-leaves" -- "$NN" "$T/stairs.bin" --data "$T/stairs-train.csv" --max-leaves 5 -o "$T/stairs.txt"
if grep -q "^size:" "$T/err"; then bad "--max-leaves: the size was still chosen"; else ok; fi
expect 2 "--tolerance" -- "$NN" "$T/stairs.bin" --tolerance -1 -o "$T/stairs.txt" && one_error "--tolerance" "--tolerance wants"

# the data profile: convert --data keeps one, info shows it, extraction
# without --data draws from it; without one, from the declared box
expect 0 "profile: convert" -- "$NN" convert "$ONNX" --like "$IRIS" --data examples/iris/train.csv -o "$T/prof.bin" &&
    expect 0 "profile: info" -- "$NN" info "$T/prof.bin" && has "profile: info" "^profile: *of 112 rows, 112 of them kept" &&
    has "profile: info per feature" "^  petal_width .*median 1.3, 90% in "
expect 0 "profile: extract" -- "$NN" "$T/prof.bin" -o "$T/prof.txt" --test examples/iris/test.csv &&
    has "profile: inputs" "^inputs: 10000 samples drawn from the model's data profile (112 kept rows of 112)" "$T/err" &&
    has "profile: size on kept rows" "^size: .* chosen on 112 rows kept in the profile" "$T/err"
expect 0 "no profile: convert" -- "$NN" convert "$T/prof.bin" --data examples/iris/train.csv --no-profile -o "$T/noprof.bin" &&
    expect 0 "no profile: info" -- "$NN" info "$T/noprof.bin" && has "no profile: info" "^profile: *none"
expect 0 "no profile: extract" -- "$NN" "$T/noprof.bin" -o "$T/prof.txt" &&
    has "no profile: the box, said" "^inputs: 10000 samples from the declared input box; the model has no data profile" "$T/err"
expect 0 "profile without rows" -- "$NN" convert "$IRIS" --data examples/iris/train.csv --profile-rows 0 -o "$T/prof0.bin" &&
    expect 0 "profile without rows: extract" -- "$NN" "$T/prof0.bin" -o "$T/prof.txt" &&
    has "profile without rows: inputs" "(0 kept rows of 112)" "$T/err"
expect 2 "--profile-rows" -- "$NN" convert "$IRIS" --data examples/iris/train.csv --profile-rows -1 -o "$T/prof0.bin" &&
    one_error "--profile-rows" "--profile-rows wants"
# a byte of the profile flipped: refused at the chunk's offset
cp "$T/prof.bin" "$T/badprof.bin"
at=$(grep -boa prof "$T/badprof.bin" | head -1 | cut -d: -f1)
printf '\377' | dd of="$T/badprof.bin" bs=1 seek=$((at + 40)) conv=notrunc 2>/dev/null
expect 3 "corrupt profile" -- "$NN" info "$T/badprof.bin" &&
    one_error "corrupt profile" "badprof.bin: byte $at: error: corrupt: CRC mismatch in chunk 'prof'"

# memory stays a small multiple of the model and its input: a few weights
# dilated and padded into 80 million activations are refused, not allocated
expect 3 "activations out of proportion" -- "$NN" info "$T/padded-conv.bin" &&
    one_error "activations out of proportion" "padded-conv.bin: error: invalid model: one input needs 80040006 activation values, out of all proportion"

expect 0 "--max-rules" -- "$NN" "$T/stairs.bin" --data "$T/stairs-train.csv" --max-rules 1 -o "$T/stairs.txt" &&
    has "--max-rules: one rule" "^tree-rules: 1 rule," "$T/err" && has "--max-rules: inputs line" "^inputs: 1000 rows of " "$T/err"
# rows on which the network answers one class: the rule set is its default
# alone (its one rule of no conditions was once memset through a null pointer)
head -n 6 examples/iris/train.csv >"$T/setosa5.csv"
expect 0 "--rules, one class" -- "$NN" "$IRIS" --rules --data "$T/setosa5.csv" -o "$T/one-class.txt" &&
    has "--rules, one class: no rules" "^tree-rules: 0 rules, 0 conditions" "$T/err" &&
    has "--rules, one class: warns" "warning: the network predicts 'setosa' for all 5 training rows" "$T/err" &&
    has "--rules, one class: the default" "^  default setosa" "$T/one-class.txt"
# the size choice grows its folds on threads of their own: the same tree on
# one thread as on three, a class tree from the profile and a regression tree
for th in 1 3; do
    expect 0 "size folds on $th threads" -- env NN2RULES_THREADS=$th "$NN" examples/digits/model.bin -q \
        -o "$T/folds$th.txt" &&
        expect 0 "regression size folds on $th threads" -- env NN2RULES_THREADS=$th "$NN" "$IRIS" -a anndt \
            --regress 2 --data examples/iris/train.csv -q -o "$T/rfolds$th.txt"
done
if cmp -s "$T/folds1.txt" "$T/folds3.txt" && cmp -s "$T/rfolds1.txt" "$T/rfolds3.txt"; then ok
else bad "size folds: three threads grew another tree than one"; fi


# --- the newcomer's first ten minutes ----------------------------------------
# extract is the default command: a mistyped model path cannot be opened,
# options may come before the model, and only a word is a command
expect 3 "mistyped model path" -- "$NN" examples/iris/modle.bin -o "$T/n.txt" &&
    one_error "mistyped model path" "examples/iris/modle.bin: error: cannot open"
expect 0 "options before the model" -- "$NN" -q "$IRIS" -o "$T/n.txt" &&
    if [ -s "$T/n.txt" ] && [ ! -s "$T/err" ]; then ok; else bad "-q MODEL: no rules, or a summary"; fi
expect 0 "--data before the model" -- "$NN" --data examples/iris/train.csv "$IRIS" -o "$T/n.txt" &&
    has "--data before the model" "^training: fidelity" "$T/err"
expect 2 "mistyped command" -- "$NN" evl && one_error "mistyped command" "unknown command 'evl' (did you mean 'eval'?)"
expect 2 "mistyped command 2" -- "$NN" compil r.txt && one_error "mistyped command 2" "did you mean 'compile'?"

# swapped arguments are named by what the file is
"$NN" -q "$IRIS" -o "$T/iris-rules.txt"
expect 3 "rules as the model" -- "$NN" "$T/iris-rules.txt" -o "$T/n.txt" &&
    one_error "rules as the model" "iris-rules.txt: error: this is a rules file, not a model (did you mean 'nn2rules eval .*iris-rules.txt --model MODEL'?)"
expect 3 "model as the rules" -- "$NN" eval "$IRIS" --model "$T/iris-rules.txt" --data examples/iris/test.csv &&
    one_error "model as the rules" "model.bin: error: this is a model (model.bin), not a rules file (did you mean 'nn2rules eval RULES --model examples/iris/model.bin'?)"
expect 3 "ONNX as the rules" -- "$NN" compile examples/iris/model.onnx -o "$T/n.c" &&
    one_error "ONNX as the rules" "model.onnx: error: this is a model (ONNX), not a rules file"
expect 3 "data as the model" -- "$NN" run examples/iris/test.csv --data "$IRIS" &&
    one_error "data as the model" "test.csv: error: this is a data file (CSV), not a model (did you mean '--data examples/iris/test.csv'?)"
expect 3 "ARFF as the model" -- "$NN" info examples/vote/vote.arff &&
    one_error "ARFF as the model" "vote.arff: error: this is a data file (ARFF), not a model"
expect 3 "model as the data" -- "$NN" run "$IRIS" --data examples/iris/model.onnx &&
    one_error "model as the data" "model.onnx: error: this is a model (ONNX), not a data file"
expect 3 "rules as the data" -- "$NN" eval "$T/iris-rules.txt" --model "$IRIS" --data "$T/iris-rules.txt" &&
    one_error "rules as the data" "iris-rules.txt: error: this is a rules file, not a data file"

# eval says when the rules came from another model (and still measures them)
expect 0 "rules from another model" -- "$NN" eval "$T/iris-rules.txt" --model examples/iris/model.onnx --data examples/iris/test.csv &&
    one_error "rules from another model" "warning: .*iris-rules.txt was extracted from examples/iris/model.bin (CRC [0-9a-f]*), not from examples/iris/model.onnx (CRC [0-9a-f]*)" &&
    has "rules from another model: report" "^fidelity:"
expect 0 "rules from their model" -- "$NN" eval "$T/iris-rules.txt" --model "$IRIS" --data examples/iris/test.csv &&
    if [ ! -s "$T/err" ]; then ok; else bad "eval against the rules' own model warned: $(cat "$T/err")"; fi

# unknown output extensions are refused with the known ones, by every command
expect 2 "extract -o .txtt" -- "$NN" "$IRIS" -o "$T/r.txtt" &&
    one_error "extract -o .txtt" "unknown output extension '.txtt' (known: .txt, .text, .rules, .dot, .gv, .svg, .png, .c, .json)"
expect 2 "compile -o .h" -- "$NN" compile "$T/iris-rules.txt" -o "$T/r.h" && one_error "compile -o .h" "unknown output extension '.h'"
expect 2 "run -o .jsno" -- "$NN" run "$IRIS" --data examples/iris/test.csv -o "$T/p.jsno" &&
    one_error "run -o .jsno" "unknown output extension '.jsno' (known: .csv, .txt)"
expect 2 "convert -o .bni" -- "$NN" convert "$IRIS" -o "$T/m.bni" && one_error "convert -o .bni" "unknown output extension '.bni' (known: .bin"
if [ ! -e "$T/r.txtt" ] && [ ! -e "$T/p.jsno" ] && [ ! -e "$T/m.bni" ]; then ok; else bad "a refused output was written"; fi
expect 0 "-f with any extension" -- "$NN" compile "$T/iris-rules.txt" -f dot -o "$T/r.graph" && has "-f with any extension" "digraph" "$T/r.graph"

# rows with missing values: skipped and counted (the default), an error
# naming file:line, or imputed (the model's profile, else the rows' own
# medians and commonest values); the bundled vote.arff has '?' votes
VOTE=examples/vote/model.bin
expect 0 "missing: run skips" -- "$NN" run "$VOTE" --data examples/vote/vote.arff &&
    has "missing: run skips" "vote.arff: skipped 203 rows with missing values" "$T/err" &&
    if [ "$(sed -n 2p "$T/out" | cut -d, -f1)" = 6 ] && [ "$(wc -l <"$T/out")" -eq 233 ]; then ok; else bad "missing: run skips: rows not numbered as in the file"; fi
expect 0 "missing: run -q" -- "$NN" run "$VOTE" --data examples/vote/vote.arff -q &&
    if [ ! -s "$T/err" ]; then ok; else bad "run -q printed: $(cat "$T/err")"; fi
expect 0 "missing: run impute" -- "$NN" run "$VOTE" --data examples/vote/vote.arff --missing impute &&
    has "missing: run impute" "imputed 392 missing values (from the model's data profile)" "$T/err" &&
    if [ "$(wc -l <"$T/out")" -eq 436 ]; then ok; else bad "missing: run impute: not every row"; fi
expect 3 "missing: run error" -- "$NN" run "$VOTE" --data examples/vote/vote.arff --missing error &&
    one_error "missing: run error" "vote.arff:214: error: missing value in field 11"
expect 0 "missing: extract skips" -- "$NN" "$VOTE" --data examples/vote/vote.arff -o "$T/vote.txt" &&
    has "missing: extract skips" "skipped 203 rows with missing values" "$T/err"
expect 0 "missing: extract impute" -- "$NN" "$VOTE" --data examples/vote/vote.arff --missing impute -o "$T/vote.txt" &&
    has "missing: extract impute" "imputed 392 missing values (medians and commonest values)" "$T/err"
expect 3 "missing: extract error" -- "$NN" "$VOTE" --data examples/vote/vote.arff --missing error -o "$T/vote2.txt" &&
    one_error "missing: extract error" "vote.arff:214: error: missing value"
expect 0 "missing: eval skips" -- "$NN" eval "$T/vote.txt" --model "$VOTE" --data examples/vote/vote.arff &&
    has "missing: eval skips" "^rows: *232 " && has "missing: eval skips: said" "skipped 203 rows" "$T/err"
expect 0 "missing: eval impute" -- "$NN" eval "$T/vote.txt" --model "$VOTE" --data examples/vote/vote.arff --missing impute &&
    has "missing: eval impute" "^rows: *435 "
expect 3 "missing: eval error" -- "$NN" eval "$T/vote.txt" --model "$VOTE" --data examples/vote/vote.arff --missing error &&
    one_error "missing: eval error" "vote.arff:214: error: missing value"
expect 2 "missing: bad mode" -- "$NN" run "$VOTE" --data examples/vote/vote.arff --missing guess &&
    one_error "missing: bad mode" "--missing wants 'skip', 'error' or 'impute', not 'guess'"
# without a profile, impute from the rows: the median of a continuous
# feature (sepal_width 3.0 below), the commonest value of a Boolean one
"$NN" convert "$IRIS" --no-profile -o "$T/iris-np.bin"
cat >"$T/miss3.csv" <<'CSV'
sepal_length,sepal_width,petal_length,petal_width
5.1,3.5,1.4,0.2
4.9,,1.4,0.2
6.0,3.0,4.5,1.5
5.0,2.0,1.4,0.2
CSV
sed 's/^4.9,,/4.9,3,/' "$T/miss3.csv" >"$T/fill3.csv"
expect 0 "missing: impute median" -- "$NN" run "$T/iris-np.bin" --data "$T/miss3.csv" --missing impute &&
    has "missing: impute median: said" "imputed 1 missing value (medians and commonest values)" "$T/err" &&
    "$NN" run "$T/iris-np.bin" --data "$T/fill3.csv" >"$T/fill3.out" 2>/dev/null &&
    if cmp -s "$T/out" "$T/fill3.out"; then ok; else bad "missing: impute median: not the median"; fi
"$NN" convert "$VOTE" --no-profile -o "$T/vote-np.bin"
expect 0 "missing: impute mode" -- "$NN" run "$T/vote-np.bin" --data examples/vote/vote.arff --missing impute -q &&
    if [ "$(wc -l <"$T/out")" -eq 436 ]; then ok; else bad "missing: impute mode: not every row"; fi

# '-' reads standard input: data (CSV, or ARFF by its @relation or
# --data-format) and rules
"$NN" run "$IRIS" --data examples/iris/test.csv >"$T/file.out" 2>/dev/null
expect 0 "stdin: run CSV" -- sh -c "\"$NN\" run $IRIS --data - <examples/iris/test.csv" &&
    if cmp -s "$T/out" "$T/file.out"; then ok; else bad "stdin: run CSV differs from the file"; fi
expect 0 "stdin: ARFF by @relation" -- sh -c "\"$NN\" run $VOTE --data - -q <examples/vote/vote.arff" &&
    if [ "$(wc -l <"$T/out")" -eq 233 ]; then ok; else bad "stdin: ARFF by @relation: wrong rows"; fi
expect 0 "stdin: --data-format arff" -- sh -c "grep -v '^%' examples/vote/vote.arff | \"$NN\" run $VOTE --data - --data-format arff -q" &&
    if [ "$(wc -l <"$T/out")" -eq 233 ]; then ok; else bad "stdin: --data-format arff: wrong rows"; fi
expect 3 "stdin: named <stdin>" -- sh -c "printf 'a,b\n1,x\n' | \"$NN\" run $IRIS --data -" && one_error "stdin: named <stdin>" "^nn2rules: <stdin>"
expect 2 "--data-format" -- "$NN" run "$IRIS" --data - --data-format xml && one_error "--data-format" "--data-format wants 'csv' or 'arff'"
expect 0 "stdin: extract --data -" -- sh -c "\"$NN\" $IRIS --data - -o \"$T/stdin-r.txt\" <examples/iris/train.csv" &&
    has "stdin: extract --data -" "^training: fidelity .* on -" "$T/err"
expect 0 "stdin: eval rules" -- sh -c "\"$NN\" eval - --model $IRIS --data examples/iris/test.csv <\"$T/iris-rules.txt\"" &&
    has "stdin: eval rules" "^fidelity:"
expect 0 "stdin: compile rules" -- sh -c "\"$NN\" compile - -o \"$T/stdin.c\" <\"$T/iris-rules.txt\"" &&
    if [ -s "$T/stdin.c" ] && [ -s "$T/stdin.h" ]; then ok; else bad "stdin: compile -: no C"; fi
expect 2 "stdin twice" -- "$NN" eval - --model "$IRIS" --data - && one_error "stdin twice" "only one input can be standard input"

# -q on every command, and progress on standard error only when it is a
# terminal (NN2RULES_PROGRESS_DELAY=0: no waiting for a second to pass)
for cmd in "info $IRIS" "compile $T/iris-rules.txt -o $T/q.dot" "convert $IRIS -o $T/q.bin" \
    "run $IRIS --data examples/iris/test.csv" "eval $T/iris-rules.txt --model $IRIS --data examples/iris/test.csv" \
    "extract $IRIS -o $T/q.txt"; do
    expect 0 "-q: $cmd" -- $NN $cmd -q && if [ ! -s "$T/err" ]; then ok; else bad "-q: $cmd: printed $(cat "$T/err")"; fi
done
expect 0 "progress: not to a file" -- env NN2RULES_PROGRESS_DELAY=0 "$NN" eval "$T/vote.txt" --model "$VOTE" --exhaustive &&
    if [ ! -s "$T/err" ]; then ok; else bad "progress written to a file: $(cat "$T/err")"; fi
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    NN2RULES_PROGRESS_DELAY=0 script -qec "$NN eval $T/vote.txt --model $VOTE --exhaustive" /dev/null >"$T/tty.txt" 2>&1
    if grep -q "evaluating the input cube: [0-9]*%" "$T/tty.txt"; then ok; else bad "progress: no progress line on a terminal"; fi
    NN2RULES_PROGRESS_DELAY=0 script -qec "$NN run $VOTE --data examples/vote/test.csv -o $T/p.csv" /dev/null >"$T/tty.txt" 2>&1
    if grep -q "running the network: [0-9]*%" "$T/tty.txt"; then ok; else bad "progress: run showed no progress on a terminal"; fi
    NN2RULES_PROGRESS_DELAY=0 script -qec "$NN $VOTE -o $T/v.txt" /dev/null >"$T/tty.txt" 2>&1
    if grep -q "choosing the size: [0-9]*%" "$T/tty.txt"; then ok; else bad "progress: extract showed no progress on a terminal"; fi
    NN2RULES_PROGRESS_DELAY=0 script -qec "$NN eval $T/vote.txt --model $VOTE --exhaustive -q" /dev/null >"$T/tty.txt" 2>&1
    if ! grep -q "evaluating" "$T/tty.txt"; then ok; else bad "progress: shown with -q"; fi
    # work shorter than the delay shows nothing
    NN2RULES_PROGRESS_DELAY=3600 script -qec "$NN run $IRIS --data examples/iris/test.csv -o $T/p.csv" /dev/null >"$T/tty.txt" 2>&1
    if ! grep -q "running the network" "$T/tty.txt"; then ok; else bad "progress: shown for short work"; fi
else
    echo "note: progress-on-a-terminal checks skipped (needs script(1))"
fi
# drawings: a distinct colour per class and a legend naming them (digits:
# 10 classes); --max-depth cuts what is drawn, only in drawings
expect 0 "digits DOT" -- "$NN" compile tests/golden/digits-tree.txt -o "$T/digits.dot" &&
    has "digits DOT: legend" 'subgraph legend' "$T/digits.dot" &&
    expect 0 "digits DOT: 10 colours" -- sh -c "grep -A1 '^		legend[0-9]' '$T/digits.dot' | grep -o 'fillcolor=\"#[0-9A-F]*\"' | sort -u | wc -l | grep -qx 10"
expect 0 "compile --max-depth" -- "$NN" compile tests/golden/digits-tree.txt -o "$T/digits2.dot" --max-depth 2 &&
    has "compile --max-depth: cut" 'leaves below' "$T/digits2.dot" &&
    expect 0 "compile --max-depth: 4 boxes below depth 2" -- sh -c "grep -c 'leaves below' '$T/digits2.dot' | grep -qx 4"
expect 0 "compile --max-depth svg" -- "$NN" compile tests/golden/digits-tree.txt -o "$T/digits2.svg" --max-depth 2
expect 2 "compile --max-depth to C" -- "$NN" compile tests/golden/digits-tree.txt -o "$T/digits2.c" --max-depth 2 &&
    one_error "compile --max-depth to C" "--max-depth is for drawings"
expect 2 "compile --max-depth 0" -- "$NN" compile tests/golden/digits-tree.txt -o "$T/digits2.dot" --max-depth 0 &&
    one_error "compile --max-depth 0" "--max-depth wants a whole number from 1"
expect 0 "extract --draw-depth" -- "$NN" extract "$IRIS" --data examples/iris/train.csv -q --draw-depth 1 -o "$T/iris1.dot" &&
    has "extract --draw-depth: cut" '2 leaves below' "$T/iris1.dot"
expect 2 "extract --draw-depth to text" -- "$NN" extract "$IRIS" --data examples/iris/train.csv -q --draw-depth 1 -o "$T/iris1.txt" &&
    one_error "extract --draw-depth to text" "--draw-depth is for drawings"
# Graphviz itself lays out every DOT file written here, but for the two made
# too large to draw (a label of 40,000 lines crashes dot; 10,000 rules take
# minutes): nn2rules refuses to render those itself, above
for f in "$T"/*.dot; do
    case $(basename "$f") in long.dot | many.dot) continue ;; esac
    expect 0 "dot -Tsvg $(basename "$f")" -- dot -Tsvg -o "$T/dot-check.svg" "$f"
done

# the extractors come from one table: their options are listed by
# help extract -a NAME and parsed by shared code
expect 0 "help extract -a tree" -- "$NN" help extract -a tree &&
    has "help extract -a tree" "^Options of -a tree:" && has "help extract -a tree: an option" "^      --criterion NAME  "
expect 0 "help extract" -- "$NN" help extract && has "help extract: the algorithms" "^  tree .*(the default)"
expect 2 "help extract -a unknown" -- "$NN" help extract -a frob &&
    one_error "help extract -a unknown" "unknown algorithm 'frob' (available: tree"
expect 2 "extractor option value" -- "$NN" "$IRIS" --criterion entropy -o "$T/x.txt" &&
    one_error "extractor option value" "--criterion is gain-ratio, gain or gini, not 'entropy'"
expect 2 "extractor option range" -- "$NN" "$IRIS" --max-leaves 1 -o "$T/x.txt" &&
    one_error "extractor option range" "--max-leaves wants a whole number from 2 to 100000000, not '1'"

# CRED: rules over the one hidden layer, rewritten over the inputs; on a
# network that is three steps it finds the three rules
expect 0 "cred" -- "$NN" "$T/stairs.bin" -a cred --data "$T/stairs-train.csv" --test "$T/stairs-test.csv" -o "$T/cred.txt" &&
    has "cred: two rules and the default" "^cred: 2 rules" "$T/err" && has "cred: unordered" "^rules unordered confidence {" "$T/cred.txt" &&
    has "cred: the provenance" 'algorithm "cred"' "$T/cred.txt"
fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.99) }'; then ok; else bad "cred: test fidelity ${fid:-none} below 0.99"; fi
expect 0 "cred rules parse back" -- "$NN" eval "$T/cred.txt" --model "$T/stairs.bin" --data "$T/stairs-test.csv" &&
    has "cred rules parse back" "^fidelity: *1.0000\|^fidelity: *0.99"
expect 0 "cred on vote" -- "$NN" examples/vote/model.bin -a cred --data examples/vote/train.csv -o "$T/cred-vote.txt"
expect 3 "cred: two hidden layers" -- "$NN" "$T/xor.bin" -a cred -o "$T/cred2.txt" &&
    one_error "cred: two hidden layers" "xor.bin: error: CRED takes one hidden layer and the network has 2 (-a deepred and -a eclaire read any number)"
expect 3 "cred: no dense hidden layer" -- "$NN" examples/digits/model.bin -a cred -o "$T/cred2.txt" &&
    one_error "cred: no dense hidden layer" "the network has no hidden dense layer for CRED to read: -a tree explains it directly"
expect 1 "cred: --max-terms" -- "$NN" "$IRIS" -a cred --data examples/iris/train.csv --max-terms 1 -o "$T/cred2.txt" &&
    one_error "cred: --max-terms" "error: class '[a-z]*': substituting for the first hidden layer (runtime layer 1), a rule over [0-9]* conditions expands to more than 1 conjunctions that some row satisfies (raise --max-terms, or --min-cases for smaller trees)"
if [ ! -e "$T/cred2.txt" ]; then ok; else bad "cred: a refused extraction wrote its output"; fi
expect 2 "cred: a tree option" -- "$NN" "$IRIS" -a cred --rules -o "$T/cred2.txt" &&
    one_error "cred: a tree option" "option '--rules' is not one of -a cred's"
expect 0 "help extract -a cred" -- "$NN" help extract -a cred && has "help extract -a cred" "^      --max-terms N " &&
    if grep -q "^Options of -a tree" "$T/out"; then bad "help extract -a cred shows tree's options"; else ok; fi

# DeepRED: the same through every hidden layer; the XOR network's two
# layers give the four quadrants
expect 0 "deepred" -- "$NN" "$T/xor.bin" -a deepred --data "$T/xor-train.csv" --test "$T/xor-test.csv" -o "$T/deepred.txt" &&
    has "deepred: the provenance" 'algorithm "deepred"' "$T/deepred.txt"
fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.98) }'; then ok; else bad "deepred: xor test fidelity ${fid:-none} below 0.98"; fi
if grep -q '^  if .*\bh[0-9][0-9]*\.[0-9]' "$T/deepred.txt"; then bad "deepred: hidden units left in the rules"; else ok; fi
expect 0 "deepred on wdbc" -- "$NN" examples/wdbc/model.bin -a deepred --data examples/wdbc/train.csv -o "$T/deepred2.txt"
expect 1 "deepred: --max-terms" -- "$NN" examples/wdbc/model.bin -a deepred --data examples/wdbc/train.csv --max-terms 2 -o "$T/deepred3.txt" &&
    one_error "deepred: --max-terms" "error: class '[a-z]*': substituting for the first hidden layer (runtime layer 2), a rule over [0-9]* conditions expands to more than 2 conjunctions"

# ECLAIRE: every hidden layer's clauses rewritten over the inputs, no
# product expanded; rules aggregated by confidence
expect 0 "eclaire" -- "$NN" "$T/xor.bin" -a eclaire --data "$T/xor-train.csv" --test "$T/xor-test.csv" -o "$T/eclaire.txt" &&
    has "eclaire: voting rules" "^rules unordered vote {" "$T/eclaire.txt" && has "eclaire: the provenance" 'algorithm "eclaire"' "$T/eclaire.txt"
fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.98) }'; then ok; else bad "eclaire: xor test fidelity ${fid:-none} below 0.98"; fi
expect 0 "eclaire rules parse back" -- "$NN" eval "$T/eclaire.txt" --model "$T/xor.bin" --data "$T/xor-test.csv"
expect 2 "eclaire has no --max-terms" -- "$NN" "$T/xor.bin" -a eclaire --max-terms 5 -o "$T/x.txt" &&
    one_error "eclaire has no --max-terms" "option '--max-terms' is not one of -a eclaire's"

# networks whose weights are known Boolean functions: every decompositional
# extractor that takes them gives rules equal to them on the whole cube
"$MKNET" boolean "$T" || bad "mknet boolean failed"
for net in andor:cred andor:deepred andor:eclaire bxor1:cred bxor1:deepred bxor1:eclaire bxor2:deepred bxor2:eclaire; do
    n=${net%%:*} a=${net#*:}
    if "$NN" "$T/$n.bin" -a "$a" -q -o "$T/$n-$a.txt" 2>"$T/err" &&
        "$NN" eval "$T/$n-$a.txt" --model "$T/$n.bin" --exhaustive >"$T/out" 2>&1 &&
        grep -q "fidelity: *1.000000 (exactly 8 of 8 agree" "$T/out"; then ok; else bad "$a on $n: not exact on the cube: $(cat "$T/err" "$T/out" | head -3)"; fi
done

# the size: --max-rules bounds it, the default is chosen on held-out rows
# and says so; the options of the decompositional extractors
expect 0 "deepred --max-rules" -- "$NN" examples/wdbc/model.bin -a deepred --data examples/wdbc/train.csv --max-rules 2 -o "$T/dr2.txt" &&
    has "deepred --max-rules: at most 2" "^deepred: [12] rules" "$T/err" &&
    has "deepred --max-rules: provenance" 'options "--min-cases auto --confidence 0.25 --max-rules 2 --score confidence' "$T/dr2.txt"
if grep -q "^size:" "$T/err"; then bad "deepred --max-rules still chose the size"; else ok; fi
expect 0 "eclaire default size" -- "$NN" examples/wdbc/model.bin -a eclaire --data examples/wdbc/train.csv -o "$T/ec2.txt" &&
    has "eclaire default size" "^size: [0-9]* of [0-9]* rules chosen on 426 held-out rows" "$T/err"
expect 0 "eclaire --layers --score" -- "$NN" examples/wdbc/model.bin -a eclaire --data examples/wdbc/train.csv --layers 2 --score confidence --hidden-min-cases 5 -o "$T/ec3.txt" &&
    has "eclaire --layers: provenance" 'options "--min-cases auto --hidden-min-cases 5 --confidence 0.25 --layers 2 --tolerance 1 --score confidence' "$T/ec3.txt" &&
    has "eclaire --score confidence" "^rules unordered confidence {" "$T/ec3.txt"
expect 3 "eclaire --layers beyond the network" -- "$NN" examples/wdbc/model.bin -a eclaire --data examples/wdbc/train.csv --layers 1,3 -o "$T/ec4.txt" &&
    one_error "eclaire --layers beyond the network" "error: --layers names hidden layer 3, and the network has 2"
expect 2 "eclaire --layers bad" -- "$NN" examples/wdbc/model.bin -a eclaire --layers 1,x -o "$T/ec4.txt" &&
    one_error "eclaire --layers bad" "--layers wants 'all' or whole numbers from 1 to 32 separated by commas, not '1,x'"
expect 2 "deepred --min-cases bad" -- "$NN" examples/wdbc/model.bin -a deepred --min-cases some -o "$T/ec4.txt" &&
    one_error "deepred --min-cases bad" "--min-cases wants a number from 1 to 1e+09 or auto, not 'some'"
expect 0 "deepred --min-cases auto" -- "$NN" examples/wdbc/model.bin -a deepred --data examples/wdbc/train.csv --min-cases auto -q -o "$T/ec4.txt"
expect 2 "deepred --score bad" -- "$NN" examples/wdbc/model.bin -a deepred --score max -o "$T/ec4.txt" &&
    one_error "deepred --score bad" "--score is confidence or vote, not 'max'"

# --intermediate: the rules over hidden units, in the rule language, which
# eval reads back with the model; not for extractors without them
expect 0 "deepred --intermediate" -- "$NN" "$T/xor.bin" -a deepred --data "$T/xor-train.csv" -o "$T/dr-x.txt" --intermediate "$T/dr-h.txt" &&
    has "deepred --intermediate: summary" "^intermediate: [0-9]* rules over hidden units" "$T/err" &&
    has "deepred --intermediate: hidden units" '^  if .*\bh[0-9][0-9]*\.[0-9]' "$T/dr-h.txt" &&
    has "deepred --intermediate: provenance" 'algorithm "deepred-hidden"' "$T/dr-h.txt"
expect 0 "deepred --intermediate evaluates" -- "$NN" eval "$T/dr-h.txt" --model "$T/xor.bin" --data "$T/xor-test.csv" &&
    has "deepred --intermediate evaluates" "^fidelity: *0.9[89]\|^fidelity: *1.0000"
expect 0 "eclaire --intermediate" -- "$NN" "$T/xor.bin" -a eclaire --data "$T/xor-train.csv" -o "$T/ec-x.txt" --intermediate "$T/ec-h.txt" &&
    has "eclaire --intermediate" '^  if .*\bh[0-9][0-9]*\.[0-9]' "$T/ec-h.txt"
expect 2 "tree --intermediate" -- "$NN" "$T/xor.bin" --intermediate "$T/t-h.txt" -o "$T/t.txt" &&
    one_error "tree --intermediate" "--intermediate is for the rules over hidden units of -a cred, deepred and eclaire; -a tree has none"
expect 2 "--intermediate onto -o" -- "$NN" "$T/xor.bin" -a deepred --data "$T/xor-train.csv" -o "$T/same.txt" --intermediate "$T/same.txt" &&
    one_error "--intermediate onto -o" "--intermediate and -o name the same file"

# a convolutional front: the dense head is read over the flattened
# feature maps (runtime layer 2 of the cnn network: the four quadrant sums)
"$MKNET" cnn "$T" || bad "mknet cnn failed"
for a in cred deepred eclaire; do
    expect 0 "$a on a conv front" -- "$NN" "$T/cnn.bin" -a "$a" --data "$T/cnn-train.csv" --test "$T/cnn-test.csv" -o "$T/cnn-$a.txt"
    fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
    if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.98) }'; then ok; else bad "$a on a conv front: test fidelity ${fid:-none} below 0.98"; fi
    if grep -q '^  if h2\.0 > 2[.0-9]* and h2\.3 > 2[.0-9]* then yes' "$T/cnn-$a.txt"; then ok; else bad "$a on a conv front: not the two quadrants: $(grep '^  if' "$T/cnn-$a.txt" | head -3)"; fi
done
expect 0 "conv-front rules evaluate" -- "$NN" eval "$T/cnn-deepred.txt" --model "$T/cnn.bin" --data "$T/cnn-test.csv"
# Tsukimoto: each unit's low-order implicants, decided exactly, expanded to
# the inputs; no data.  The Boolean networks come out exact on their cubes,
# and each rule's statistics are exact counts over the cube
for n in andor bxor1 bxor2; do
    if "$NN" "$T/$n.bin" -a tsukimoto -q -o "$T/$n-tsukimoto.txt" 2>"$T/err" &&
        "$NN" eval "$T/$n-tsukimoto.txt" --model "$T/$n.bin" --exhaustive >"$T/out" 2>&1 &&
        grep -q "fidelity: *1.000000 (exactly 8 of 8 agree" "$T/out"; then ok; else bad "tsukimoto on $n: not exact on the cube: $(cat "$T/err" "$T/out" | head -3)"; fi
done
has "tsukimoto: exact statistics" "^  if a and b then no \[cover 2, correct 2\];" "$T/bxor2-tsukimoto.txt"
expect 0 "tsukimoto on vote" -- "$NN" examples/vote/model.bin -a tsukimoto -o "$T/tsuki-vote.txt" &&
    has "tsukimoto: unordered" "^rules unordered confidence {" "$T/tsuki-vote.txt" &&
    has "tsukimoto: the provenance" 'options "--max-order 3 --max-terms 10000' "$T/tsuki-vote.txt" &&
    has "tsukimoto: order-3 terms cover 2^13 points" 'then democrat \[cover 8192, correct 8192\];' "$T/tsuki-vote.txt"
expect 0 "tsukimoto rules evaluate" -- "$NN" eval "$T/tsuki-vote.txt" --model examples/vote/model.bin --exhaustive
expect 0 "tsukimoto on continuous inputs" -- "$NN" "$IRIS" -a tsukimoto -o "$T/tsuki-iris.txt" &&
    has "tsukimoto: cuts at the profile's median" "petal_length > 4.3" "$T/tsuki-iris.txt"
expect 3 "tsukimoto: convolutions" -- "$NN" examples/digits/model.bin -a tsukimoto -o "$T/tsuki2.txt" &&
    one_error "tsukimoto: convolutions" "model.bin: error: -a tsukimoto takes dense networks with sigmoid, tanh, relu or leakyrelu units, and layer 0 is conv2d"
expect 1 "tsukimoto: --max-terms" -- "$NN" examples/vote/model.bin -a tsukimoto --max-terms 1 -o "$T/tsuki2.txt" &&
    one_error "tsukimoto: --max-terms" "error: -a tsukimoto: unit 0 of dense layer 0 has more than 1 terms (lower --max-order or raise --max-terms)"
if [ ! -e "$T/tsuki2.txt" ]; then ok; else bad "tsukimoto: a refused extraction wrote its output"; fi
expect 0 "tsukimoto --max-rules" -- "$NN" examples/vote/model.bin -a tsukimoto --max-order 5 --max-rules 20 -o "$T/tsuki-vote20.txt" &&
    has "tsukimoto --max-rules: 20 rules" "^tsukimoto: 20 rules" "$T/err"
expect 0 "tsukimoto --max-rules evaluates" -- "$NN" eval "$T/tsuki-vote20.txt" --model examples/vote/model.bin --exhaustive &&
    has "tsukimoto --max-rules: exact fidelity" "^fidelity: *0.872116 (exactly 57155 of 65536"
expect 0 "help extract -a tsukimoto" -- "$NN" help extract -a tsukimoto && has "help extract -a tsukimoto" "^      --max-order K "
# ANN-DT: samples drawn around the rows; on an XOR, both split choices find
# the two inputs (two splits ahead where no single split is significant)
for sp in significance gain; do
    expect 0 "anndt $sp: xor" -- "$NN" "$T/xor.bin" -a anndt --split $sp --data "$T/xor-train.csv" --test "$T/xor-test.csv" -o "$T/anndt-$sp.txt" &&
        has "anndt $sp: the provenance" 'algorithm "anndt"' "$T/anndt-$sp.txt"
    fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
    if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.99) }'; then ok; else bad "anndt $sp: xor test fidelity ${fid:-none} below 0.99"; fi
    if awk '/^tree/ { t = 1 } t && / if / { for (i = 1; i <= NF; i++) if ($i == "if") { v = $(i + 1); c = $(i + 3);
            if ((v != "x1" && v != "x2") || c < 0.4 || c > 0.6) bad = 1; n++ } }
            END { exit !(n >= 3 && !bad) }' "$T/anndt-$sp.txt"; then ok; else bad "anndt $sp: xor tree splits elsewhere than x1, x2 near 0.5"; fi
done
expect 0 "anndt rules parse back" -- "$NN" eval "$T/anndt-significance.txt" --model "$T/xor.bin" --data "$T/xor-test.csv"
expect 2 "anndt: unknown --split" -- "$NN" "$T/xor.bin" -a anndt --split best -o "$T/x.txt" &&
    one_error "anndt: unknown --split" "split"
expect 3 "anndt: --regress past the outputs" -- "$NN" "$T/xor.bin" -a anndt --regress 2 --data "$T/xor-train.csv" -o "$T/x.txt" &&
    one_error "anndt: --regress past the outputs" "xor.bin: error: --regress 2: the network has 2 outputs (0 to 1)"

# ANN-DT regression tree of one output (the XOR network's probability of
# "yes"): eval reports R^2 and MAE against that output
expect 0 "anndt --regress" -- "$NN" "$T/xor.bin" -a anndt --regress 1 --data "$T/xor-train.csv" -o "$T/anndt-reg.txt" &&
    has "anndt --regress: a regression tree" "^target regression;" "$T/anndt-reg.txt"
expect 0 "anndt --regress: eval" -- "$NN" eval "$T/anndt-reg.txt" --model "$T/xor.bin" --data "$T/xor-test.csv" &&
    has "anndt --regress: eval names the output" "^r2: .*output 1)" && has "anndt --regress: eval MAE" "^mae: "
r2=$(sed -n 's/^r2: *\([-0-9.]*\).*/\1/p' "$T/out")
if awk -v f="${r2:--1}" 'BEGIN { exit !(f >= 0.9) }'; then ok; else bad "anndt --regress: held-out R^2 ${r2:-none} below 0.9"; fi

# --- saliency ------------------------------------------------------------------
DIG=examples/digits/model.bin
for meth in gradient gradient-x-input smoothgrad deconvnet guided cam gradcam guided-gradcam; do
    expect 0 "saliency $meth png" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 3 -m $meth -o "$T/sal-$meth.png" &&
        has "saliency $meth: summary" "^saliency: $meth of class [0-9]*, 1 map of [48]x[48]" "$T/err"
    if [ "$(head -c 8 "$T/sal-$meth.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then ok; else bad "saliency $meth: not a PNG"; fi
    expect 0 "saliency $meth csv" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 3 -m $meth -o "$T/sal-$meth.csv" -q
done
# the grids: the input's 8x8 for gradient methods, the maps' 4x4 for (Grad-)CAM
if [ "$(wc -l <"$T/sal-guided.csv")" = 8 ] && [ "$(head -1 "$T/sal-guided.csv" | tr ',' '\n' | wc -l)" = 8 ]; then ok; else bad "saliency guided: not an 8x8 grid"; fi
if [ "$(wc -l <"$T/sal-cam.csv")" = 4 ] && [ "$(head -1 "$T/sal-gradcam.csv" | tr ',' '\n' | wc -l)" = 4 ]; then ok; else bad "saliency cam: not a 4x4 grid"; fi
# Grad-CAM on the maps CAM reads: ReLU(CAM) / 16, cell by cell
if paste -d, "$T/sal-cam.csv" "$T/sal-gradcam.csv" | awk -F, '{ for (i = 1; i <= 4; i++) { c = $i > 0 ? $i / 16 : 0; d = c - $(i + 4); if (d < 0) d = -d; if (d > 1e-5 * (c < 0 ? -c : c) + 1e-7) bad = 1 } } END { exit bad }'; then
    ok; else bad "saliency: Grad-CAM is not ReLU(CAM)/16 on the digits CNN"; fi
# seeded: the same SmoothGrad twice; another seed, another map
"$NN" saliency "$DIG" --data examples/digits/test.csv --row 5 -m smoothgrad -q -o "$T/sg1.csv"
"$NN" saliency "$DIG" --data examples/digits/test.csv --row 5 -m smoothgrad -q -o "$T/sg2.csv"
"$NN" saliency "$DIG" --data examples/digits/test.csv --row 5 -m smoothgrad --seed 9 -q -o "$T/sg3.csv"
if cmp -s "$T/sg1.csv" "$T/sg2.csv" && ! cmp -s "$T/sg1.csv" "$T/sg3.csv"; then ok; else bad "saliency smoothgrad: not seeded"; fi
# many rows: one file each, or one contact sheet
expect 0 "saliency --rows" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --rows 2-4 -m guided -o "$T/many.png" -q
if [ -s "$T/many-2.png" ] && [ -s "$T/many-3.png" ] && [ -s "$T/many-4.png" ] && [ ! -e "$T/many.png" ]; then ok; else bad "saliency --rows: not one file a row"; fi
expect 0 "saliency --sheet" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --rows 1-9 --sheet -o "$T/sheet.png" -q
expect 0 "saliency tabular csv" -- "$NN" saliency examples/wdbc/model.bin --data examples/wdbc/test.csv --row 1 -m gradient-x-input &&
    if [ "$(tr ',' '\n' <"$T/out" | wc -l)" = 30 ]; then ok; else bad "saliency tabular: not one value a feature"; fi
# bad requests: one clear line and a non-zero exit
expect 3 "saliency cam without its form" -- "$NN" saliency examples/wdbc/model.bin --data examples/wdbc/test.csv --row 1 -m cam &&
    one_error "saliency cam without its form" "wdbc/model.bin: error: cam needs a network that ends in global average pooling"
expect 3 "saliency gradcam without maps" -- "$NN" saliency examples/wdbc/model.bin --data examples/wdbc/test.csv --row 1 -m gradcam &&
    one_error "saliency gradcam without maps" "gradcam needs a layer with spatial maps, and this network has none"
expect 3 "saliency --layer flat" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 1 -m gradcam --layer 7 &&
    one_error "saliency --layer flat" "digits/model.bin: error: --layer 7 (flatten) has no spatial maps"
expect 3 "saliency --layer past" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 1 -m gradcam --layer 99 &&
    one_error "saliency --layer past" "--layer 99 is not a layer before the score"
expect 3 "saliency row out of range" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 451 &&
    one_error "saliency row out of range" "digits/test.csv: error: row 451 asked for, and the file has 450 rows"
expect 3 "saliency png of a table" -- "$NN" saliency examples/wdbc/model.bin --data examples/wdbc/test.csv --row 1 -o "$T/w.png" &&
    one_error "saliency png of a table" "the network's input is not an image (30x1x1): write the map as CSV instead"
if [ ! -e "$T/w.png" ]; then ok; else bad "saliency: a refused PNG was written"; fi
expect 2 "saliency bad method" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 1 -m lrp &&
    one_error "saliency bad method" "--method is gradient, gradient-x-input"
expect 2 "saliency no row" -- "$NN" saliency "$DIG" --data examples/digits/test.csv &&
    one_error "saliency no row" "needs --row N, --rows A-B or --all"
expect 2 "saliency --sheet to csv" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --rows 1-2 --sheet -o "$T/s.csv" &&
    one_error "saliency --sheet to csv" "--sheet and --no-overlay are for PNG output"
expect 2 "saliency bad class" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --row 1 --class 10 &&
    one_error "saliency bad class" "--class '10': no such class"
expect 2 "saliency many rows to stdout" -- "$NN" saliency "$DIG" --data examples/digits/test.csv --rows 1-2
# rows are counted in the file, also when one is skipped for a missing value
awk -F, 'NR == 3 { $5 = "" } { print }' OFS=, examples/digits/test.csv >"$T/dmiss.csv"
expect 3 "saliency of a skipped row" -- "$NN" saliency "$DIG" --data "$T/dmiss.csv" --row 2 -q &&
    one_error "saliency of a skipped row" "dmiss.csv: error: row 2: skipped for missing values"
"$NN" saliency "$DIG" --data "$T/dmiss.csv" --row 3 -q >"$T/sal-m3.csv" 2>/dev/null
"$NN" saliency "$DIG" --data examples/digits/test.csv --row 3 -q >"$T/sal-f3.csv"
if cmp -s "$T/sal-m3.csv" "$T/sal-f3.csv"; then ok; else bad "saliency: --row counts rows of the data file"; fi
expect 0 "saliency --rows over a skipped row" -- "$NN" saliency "$DIG" --data "$T/dmiss.csv" --rows 1-3 -q -o "$T/skip.csv"
if [ -s "$T/skip-1.csv" ] && [ ! -e "$T/skip-2.csv" ] && [ -s "$T/skip-3.csv" ]; then ok; else bad "saliency --rows: files not named by file row"; fi

# --- filters -------------------------------------------------------------------
expect 0 "filters atlas" -- "$NN" filters "$DIG" --data examples/digits/test.csv -o "$T/atlas.png" &&
    has "filters atlas: summary" "^filters: layer 5 (relu), 16 channels, the 6 strongest of 450 rows each" "$T/err"
if [ "$(head -c 8 "$T/atlas.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then ok; else bad "filters: the atlas is not a PNG"; fi
expect 0 "filters graph" -- "$NN" filters "$DIG" --data examples/digits/test.csv --layer 2 --threshold 0.6 -o "$T/channels.dot" -q &&
    has "filters graph: nodes" '^    L2c0 \[label="channel 0\\nfavours ' "$T/channels.dot" &&
    has "filters graph: edges to the next block" '^  L2c[0-9]* -> L5c[0-9]* \[label="0\.[6-9]' "$T/channels.dot"
expect 0 "filters graph renders" -- dot -Tsvg "$T/channels.dot" -o "$T/channels.svg"
expect 3 "filters on a dense network" -- "$NN" filters examples/wdbc/model.bin --data examples/wdbc/test.csv -o "$T/a.png" &&
    one_error "filters on a dense network" "wdbc/model.bin: error: the network has no layer with spatial maps"
expect 3 "filters --layer flat" -- "$NN" filters "$DIG" --data examples/digits/test.csv --layer 6 -o "$T/a.png" &&
    one_error "filters --layer flat" "--layer 6 (globalavgpool) has no spatial maps"
expect 3 "filters --layer past" -- "$NN" filters "$DIG" --data examples/digits/test.csv --layer 10 -o "$T/a.png" &&
    one_error "filters --layer past" "--layer 10: the network's layers are 0 to 9"
expect 2 "filters without -o" -- "$NN" filters "$DIG" --data examples/digits/test.csv &&
    one_error "filters without -o" "needs -o FILE.png (the atlas) or FILE.dot (the graph)"
expect 2 "filters bad extension" -- "$NN" filters "$DIG" --data examples/digits/test.csv -o "$T/a.jpg" &&
    one_error "filters bad extension" "unknown output extension '.jpg'"
# TREPAN: best-first growth on queries, m-of-n tests.  The XOR network needs
# the two-step lookahead at its root; nothing may split on the noise inputs
expect 0 "trepan xor" -- "$NN" "$T/xor.bin" -a trepan --data "$T/xor-train.csv" --test "$T/xor-test.csv" -o "$T/trepan-xor.txt" &&
    has "trepan: the provenance" 'algorithm "trepan"' "$T/trepan-xor.txt" &&
    has "trepan: the size line" "^size: [0-9]* leaves chosen on 1000 held-out rows" "$T/err" &&
    has "trepan: the inputs line" "^inputs: 1000 rows of " "$T/err"
fid=$(sed -n 's/^test: fidelity \([0-9.]*\).*/\1/p' "$T/err")
if awk -v f="${fid:-0}" 'BEGIN { exit !(f >= 0.99) }'; then ok; else bad "trepan: xor test fidelity ${fid:-none} below 0.99"; fi
if sed -n '/^tree {$/,$p' "$T/trepan-xor.txt" | grep -q 'x[345]\| of {'; then bad "trepan: xor tree tests a noise input or an m-of-n"; else ok; fi
if sed -n '/^tree {$/,$p' "$T/trepan-xor.txt" | grep -o 'x[12] <= [0-9.]*' |
    awk '{ n++; if ($3 < 0.45 || $3 > 0.55) far = 1 } END { exit !(n >= 2 && !far) }'; then ok; else bad "trepan: xor cuts not near 0.5"; fi
expect 0 "trepan is deterministic" -- "$NN" "$T/xor.bin" -a trepan -q --data "$T/xor-train.csv" -o "$T/trepan-xor2.txt" &&
    if cmp -s "$T/trepan-xor.txt" "$T/trepan-xor2.txt"; then ok; else bad "trepan: two runs differ"; fi
# "at least 2 of a, b, c" (d, e unused) is one m-of-n test, exact on the
# cube in every back end
expect 0 "trepan m-of-n" -- "$NN" "$T/maj.bin" -a trepan -o "$T/maj.txt" &&
    has "trepan m-of-n: one test" "^trepan: 2 leaves, 1 condition$" "$T/err" &&
    has "trepan m-of-n: the test" "^  if 2 of {a, b, c} " "$T/maj.txt" &&
    has "trepan m-of-n: box samples" "^inputs: 10000 samples from the declared input box" "$T/err"
expect 0 "trepan m-of-n exact" -- "$NN" eval "$T/maj.txt" --model "$T/maj.bin" --exhaustive &&
    has "trepan m-of-n exact" "fidelity: *1.000000 (exactly 32 of 32 agree"
expect 0 "trepan m-of-n text round trip" -- "$NN" compile "$T/maj.txt" -o "$T/maj2.txt" &&
    if cmp -s "$T/maj.txt" "$T/maj2.txt"; then ok; else bad "trepan m-of-n: the text does not parse back to itself"; fi
expect 0 "trepan m-of-n dot" -- "$NN" compile "$T/maj.txt" -o "$T/maj.dot" &&
    has "trepan m-of-n dot: one node" 'label="2 of {a, b, c}\\n' "$T/maj.dot"
expect 0 "trepan m-of-n json" -- "$NN" compile "$T/maj.txt" -o "$T/maj.json" &&
    has "trepan m-of-n json" '"op": "m-of-n", "m": 2, "conditions": \[{"var": {"feature": "a"' "$T/maj.json"
{ echo a,b,c,d,e; for i in $(seq 0 31); do
    echo "$((i >> 4 & 1)),$((i >> 3 & 1)),$((i >> 2 & 1)),$((i >> 1 & 1)),$((i & 1))"; done; } >"$T/cube.csv"
if "$NN" compile "$T/maj.txt" -o "$T/maj.c" --prefix maj &&
    cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$T" -DPREFIX=maj -DNFEATURES=MAJ_NFEATURES \
        -DNCLASSES=MAJ_NCLASSES -DHEADER='"maj.h"' -o "$T/maj-c" tests/tools/cdriver.c "$T/maj.c" -lm &&
    "$T/maj-c" <"$T/cube.csv" >"$T/maj.got" &&
    "$NN" eval "$T/maj.txt" --model "$T/maj.bin" --data "$T/cube.csv" --predictions "$T/maj.pred" >/dev/null 2>&1 &&
    tail -n +2 "$T/maj.pred" | cut -d, -f3 | cmp -s - "$T/maj.got" && [ "$(wc -l <"$T/maj.got")" -eq 32 ]
then ok; else bad "trepan m-of-n: generated C disagrees with eval on the cube"; fi
# m-of-n tests over thresholds: the generated C decides every iris row as
# eval does, and the text parses back to itself
if "$NN" examples/iris/model.bin -a trepan --data examples/iris/train.csv --max-nodes 3 -q -o "$T/trepan-im.txt" &&
    grep -q " of {petal" "$T/trepan-im.txt" && "$NN" compile "$T/trepan-im.txt" -o "$T/im.c" --prefix im &&
    cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$T" -DPREFIX=im -DNFEATURES=IM_NFEATURES \
        -DNCLASSES=IM_NCLASSES -DHEADER='"im.h"' -o "$T/im-c" tests/tools/cdriver.c "$T/im.c" -lm &&
    "$T/im-c" <examples/iris/data.csv >"$T/im.got" &&
    "$NN" eval "$T/trepan-im.txt" --model examples/iris/model.bin --data examples/iris/data.csv --predictions "$T/im.pred" >/dev/null 2>&1 &&
    tail -n +2 "$T/im.pred" | cut -d, -f3 | cmp -s - "$T/im.got" && [ "$(wc -l <"$T/im.got")" -eq 150 ] &&
    "$NN" compile "$T/trepan-im.txt" -o "$T/trepan-im2.txt" && cmp -s "$T/trepan-im.txt" "$T/trepan-im2.txt"
then ok; else bad "trepan: m-of-n over thresholds: generated C or the text round trip disagrees"; fi
expect 0 "trepan --no-mofn" -- "$NN" "$T/maj.bin" -a trepan --no-mofn -q -o "$T/maj3.txt" &&
    if grep -q " of {" "$T/maj3.txt"; then bad "trepan --no-mofn: an m-of-n test"; else ok; fi
expect 0 "trepan --max-nodes" -- "$NN" examples/iris/model.bin -a trepan --data examples/iris/train.csv --max-nodes 2 -o "$T/trepan-iris.txt" &&
    has "trepan --max-nodes: three leaves" "^trepan: 3 leaves, 2 conditions" "$T/err" &&
    if grep -q "^size:" "$T/err"; then bad "trepan --max-nodes: chose a size"; else ok; fi
expect 0 "trepan without data" -- "$NN" examples/vote/model.bin -a trepan -o "$T/trepan-vote.txt" &&
    has "trepan without data: size" "^size: [0-9]* leaves chosen on 326 rows kept in the profile" "$T/err" &&
    has "trepan without data: inputs" "^inputs: 10000 samples drawn from the model's data profile" "$T/err"
expect 2 "trepan --beam 0" -- "$NN" "$T/maj.bin" -a trepan --beam 0 -o "$T/x.txt" &&
    one_error "trepan --beam 0" "--beam wants a whole number from 1 to 16, not '0'"
expect 2 "trepan --min-samples" -- "$NN" "$T/maj.bin" -a trepan --min-samples many -o "$T/x.txt" &&
    one_error "trepan --min-samples" "--min-samples wants a whole number"
expect 2 "trepan: a tree option" -- "$NN" "$T/maj.bin" -a trepan --max-leaves 4 -o "$T/x.txt" &&
    one_error "trepan: a tree option" "option '--max-leaves' is not one of -a trepan's"
expect 0 "help extract -a trepan" -- "$NN" help extract -a trepan && has "help extract -a trepan" "^      --min-samples N "
# the size line gives the leaves the tree has: growth to the chosen size
# may split a node into two leaves of one class, merged afterwards (iris
# without a profile grew 49 leaves and kept 48)
expect 0 "trepan: convert without profile" -- "$NN" convert "$IRIS" --no-profile -o "$T/iris-np.bin" &&
    expect 0 "trepan: the box" -- "$NN" "$T/iris-np.bin" -a trepan -o "$T/trepan-np.txt" &&
    if [ -n "$(sed -n 's/^trepan: \([0-9]*\) leaves.*/\1/p' "$T/err")" ] &&
        [ "$(sed -n 's/^trepan: \([0-9]*\) leaves.*/\1/p' "$T/err")" = "$(sed -n 's/^size: \([0-9]*\) leaves chosen.*/\1/p' "$T/err")" ]
    then ok; else bad "trepan: the size line's leaves are not the tree's: $(grep '^trepan:\|^size:' "$T/err" | tr '\n' ' ')"; fi
# the folds of the size choice grow on threads of their own: the same tree
# on one thread as on three
expect 0 "trepan: one thread" -- env NN2RULES_THREADS=1 "$NN" "$IRIS" -a trepan --data examples/iris/train.csv \
    --min-samples 200 -q -o "$T/trepan-t1.txt" &&
    expect 0 "trepan: three threads" -- env NN2RULES_THREADS=3 "$NN" "$IRIS" -a trepan --data examples/iris/train.csv \
        --min-samples 200 -q -o "$T/trepan-t3.txt" &&
    if cmp -s "$T/trepan-t1.txt" "$T/trepan-t3.txt"; then ok; else bad "trepan: three threads grew another tree than one"; fi
# --- explain: LIME and SP-LIME --------------------------------------------
WDBC=examples/wdbc/model.bin
"$NN" help explain 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/opts"
while read -r opt; do
    if grep -E -q -- "^\..*Fl( .*)? -${opt#--}( |\$)" man/nn2rules.1; then ok; else bad "man page lacks explain option $opt"; fi
done <"$T/opts"
if grep -q "^\.Ss explain\$" man/nn2rules.1; then ok; else bad "man page lacks command explain"; fi
expect 0 "explain: iris row" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 -o "$T/lime.txt" &&
    has "explain: a linear body" "^linear for setosa {" "$T/lime.txt" && has "explain: indicator terms" " \* \[" "$T/lime.txt" &&
    has "explain: the fit" "} \[r2 .*, local .*, model " "$T/lime.txt" && has "explain: the summary" "^lime: --row 5: setosa: .*weighted R^2" "$T/err"
expect 0 "explain: parses back" -- "$NN" compile "$T/lime.txt" -o "$T/lime-back.txt" && cmp -s "$T/lime.txt" "$T/lime-back.txt" && ok ||
    bad "explain: rules do not read back to the same text"
expect 0 "explain: same seed" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 -o "$T/lime2.txt" -q
if cmp -s "$T/lime.txt" "$T/lime2.txt"; then ok; else bad "explain: two runs with the same seed differ"; fi
expect 0 "explain: another seed" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 --seed 2 -o "$T/lime3.txt" -q
if cmp -s "$T/lime.txt" "$T/lime3.txt"; then bad "explain: --seed changes nothing"; else ok; fi
expect 0 "explain: C" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 -o "$T/lime.c" -q &&
    has "explain: C score function" "^double rules_score(" "$T/lime.c"
if cc -std=c99 -Wall -Wextra -Werror -c "$T/lime.c" -o "$T/lime.o"; then ok; else bad "explain: C does not build cleanly"; fi
expect 0 "explain: JSON" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 -o "$T/lime.json" -q &&
    has "explain: JSON linear" '"kind": "linear"' "$T/lime.json" && has "explain: JSON fit" '"fit": {"r2": ' "$T/lime.json"
expect 0 "explain: SVG" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 -o "$T/lime.svg" -q &&
    has "explain: SVG" "^<svg " "$T/lime.svg" && has "explain: SVG bars" '<rect x=.*fill="#' "$T/lime.svg" &&
    has "explain: SVG labels" "petal_length &lt;= " "$T/lime.svg"
expect 0 "explain: --instance" -- "$NN" explain "$IRIS" --data examples/iris/train.csv \
    --instance "sepal_length=6.7,sepal_width=3,petal_length=5.2,petal_width=2.3" -q &&
    has "explain: --instance explains virginica" "^linear for virginica {"
expect 0 "explain: --row with --instance" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 --instance petal_length=5.9,petal_width=2.1 -q &&
    has "explain: --row changed by --instance" 'options "--row 5 --instance petal_length=5.9,petal_width=2.1 '
expect 0 "explain: --top-labels" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 60 --top-labels 3 -q
if [ "$(grep -c '^linear for ' "$T/out")" -eq 3 ]; then ok; else bad "explain: --top-labels 3 gives not three explanations"; fi
for disc in quartile decile entropy none; do
    for sel in auto forward highest lasso none; do
        expect 0 "explain: --discretizer $disc --select $sel" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 70 \
            --discretizer $disc --select $sel --features-max 2 --samples 500 -o "$T/ds.txt" -q &&
            expect 0 "explain: $disc $sel parses back" -- "$NN" compile "$T/ds.txt" -o "$T/ds.json"
    done
done
expect 0 "explain: --class by index" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 5 --class 2 -q &&
    has "explain: --class 2" "^linear for virginica {"
# wdbc: a whole file of rows, then SP-LIME's pick; the output is the same on one thread or two
expect 0 "explain: wdbc --rows" -- "$NN" explain "$WDBC" --data examples/wdbc/train.csv --rows examples/wdbc/test.csv --samples 1000 -f json -o "$T/rows.json" &&
    has "explain: --rows summary" "^lime: 143 rows of examples/wdbc/test.csv explained" "$T/err"
if [ "$(grep -c '"kind": "linear"' "$T/rows.json")" -eq 143 ]; then ok; else bad "explain: --rows gives not 143 explanations"; fi
expect 0 "explain: SP-LIME" -- env NN2RULES_THREADS=1 "$NN" explain "$WDBC" --data examples/wdbc/train.csv --rows examples/wdbc/test.csv --samples 1000 --pick 3 -o "$T/pick1.txt" &&
    has "explain: SP-LIME header" "^# SP-LIME: 3 of 143 explanations picked, covering " "$T/pick1.txt" &&
    has "explain: SP-LIME summary" "^sp-lime: picked rows [0-9]*, [0-9]*, [0-9]* of examples/wdbc/test.csv: coverage 0\." "$T/err"
expect 0 "explain: SP-LIME on two threads" -- env NN2RULES_THREADS=2 "$NN" explain "$WDBC" --data examples/wdbc/train.csv --rows examples/wdbc/test.csv --samples 1000 --pick 3 -o "$T/pick2.txt" -q
if cmp -s "$T/pick1.txt" "$T/pick2.txt"; then ok; else bad "explain: SP-LIME differs between one and two threads"; fi
if [ "$(grep -c '^# explanation [123] of 3: row [0-9]* of examples/wdbc/test.csv' "$T/pick1.txt")" -eq 3 ]; then ok; else bad "explain: SP-LIME does not show 3 explanations"; fi
expect 0 "explain: SP-LIME --pick-rows" -- "$NN" explain "$WDBC" --data examples/wdbc/train.csv --pick 2 --pick-rows 20 --samples 500 -f svg -o "$T/pick.svg" -q &&
    if [ "$(grep -c '<g>' "$T/pick.svg")" -eq 2 ]; then ok; else bad "explain: SP-LIME chart has not 2 panels"; fi
# awkward data: a constant feature and a missing cell
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = 3 } NR == 3 { $3 = "" } { print }' examples/iris/train.csv >"$T/awk.csv"
expect 0 "explain: a constant feature" -- "$NN" explain "$IRIS" --data "$T/awk.csv" --row 1 --select none -q
if grep -q "sepal_width" "$T/out" && ! grep -q "\[.*sepal_width" "$T/out"; then ok; else bad "explain: the constant feature got a term"; fi
expect 3 "explain: a missing cell" -- "$NN" explain "$IRIS" --data "$T/awk.csv" --row 2 &&
    one_error "explain: a missing cell" "awk.csv:3.*row 2 has no value for 'petal_length'"
expect 0 "explain: --rows skips rows with missing cells" -- "$NN" explain "$IRIS" --data "$T/awk.csv" --rows "$T/awk.csv" --samples 200 &&
    has "explain: the skip is said" "skipped 1 row with missing values" "$T/err"
# bad rows and options
expect 3 "explain: row out of range" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 113 &&
    one_error "explain: row out of range" "train.csv: .*--row 113: the file has 112 rows"
expect 2 "explain: row 0" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 0 && one_error "explain: row 0" "--row wants"
expect 2 "explain: no --data" -- "$NN" explain "$IRIS" --row 1 && one_error "explain: no --data" "needs --data"
expect 2 "explain: nothing to explain" -- "$NN" explain "$IRIS" --data examples/iris/train.csv && one_error "explain: nothing to explain" "--row N"
expect 2 "explain: bad discretizer" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --discretizer median &&
    one_error "explain: bad discretizer" "--discretizer is quartile, decile, entropy or none, not 'median'"
expect 2 "explain: bad select" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --select best && one_error "explain: bad select" "--select"
expect 2 "explain: bad samples" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --samples 1 && one_error "explain: bad samples" "--samples"
expect 2 "explain: bad kernel width" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --kernel-width -1 && one_error "explain: bad kernel width" "--kernel-width"
expect 2 "explain: unknown class" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --class rose && one_error "explain: unknown class" "'rose' is no class"
expect 2 "explain: --class and --top-labels" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --class 1 --top-labels 2 &&
    one_error "explain: --class and --top-labels" "--top-labels"
expect 2 "explain: --pick with --row" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --pick 2 && one_error "explain: --pick with --row" "--pick"
expect 2 "explain: many to C" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --rows examples/iris/test.csv -o "$T/many.c" &&
    one_error "explain: many to C" "C, DOT and PNG output hold one explanation"
expect 2 "explain: bad --instance" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --instance "petal_size=3" && one_error "explain: bad --instance" "no feature 'petal_size'"
expect 2 "explain: short --instance" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --instance "petal_length=3" && one_error "explain: short --instance" "no value for 'sepal_length'"
if [ ! -e "$T/many.c" ] && [ ! -e "$T/x.svg" ]; then ok; else bad "explain: a refused run left a file"; fi

# ANN-DT regression trees: every node carries the spread (sd) of the output
# beside its mean, in text (read back byte for byte), JSON, DOT and C
expect 0 "anndt --regress: sd" -- "$NN" "$T/xor.bin" -a anndt --regress 1 --data "$T/xor-train.csv" -o "$T/anndt-sd.txt"
if awk '/^ *(else )?-?[0-9][0-9.e-]* \[/ || / then -?[0-9][0-9.e-]* \[/ { n++; if ($0 !~ /\[cover [0-9.e]+, sd [0-9.e-]+\]$/) bad = 1 }
        END { exit !(n >= 2 && !bad) }' "$T/anndt-sd.txt"; then ok; else bad "anndt --regress: a leaf without [cover N, sd X]"; fi
if ! grep -q "correct" "$T/anndt-sd.txt"; then ok; else bad "anndt --regress: 'correct' in a regression tree"; fi
expect 0 "anndt --regress: sd reads back" -- "$NN" compile "$T/anndt-sd.txt" -o "$T/anndt-sd2.txt"
if cmp -s "$T/anndt-sd.txt" "$T/anndt-sd2.txt"; then ok; else bad "anndt --regress: text with sd does not read back byte for byte"; fi
expect 0 "anndt --regress: sd in JSON" -- "$NN" compile "$T/anndt-sd.txt" -o "$T/anndt-sd.json" &&
    has "anndt --regress: JSON sd" '"sd": [0-9]' "$T/anndt-sd.json"
expect 0 "anndt --regress: sd in DOT" -- "$NN" compile "$T/anndt-sd.txt" -o "$T/anndt-sd.dot" &&
    has "anndt --regress: DOT mean ± sd" 'label="value [-0-9.e+]* ± [0-9.e-]*' "$T/anndt-sd.dot"
expect 0 "anndt --regress: sd in C" -- "$NN" compile "$T/anndt-sd.txt" -o "$T/anndt-sd.c" &&
    has "anndt --regress: C sd comment" 'return .*; /\* sd [0-9.e-]* \*/$' "$T/anndt-sd.c"
# ANN-DT splits by gain unless told otherwise (better trees than by
# significance on every bundled example)
expect 0 "anndt: the default split" -- "$NN" "$T/xor.bin" -a anndt --data "$T/xor-train.csv" -o "$T/anndt-default.txt" &&
    has "anndt: gain by default" 'options "--split gain ' "$T/anndt-default.txt"
# a regression tree's size is chosen by held-out R^2 within --tolerance, so
# its provenance records the tolerance as a class tree's does
expect 0 "anndt --regress: tolerance in provenance" -- "$NN" "$IRIS" -a anndt --regress 1 --tolerance 5 --data examples/iris/train.csv -o "$T/anndt-tol.txt" &&
    has "anndt --regress: size by R^2" "^size: .* R^2 .*tolerance 5 points of R^2" "$T/err" &&
    has "anndt --regress: provenance" 'options "--split gain --regress 1 .*--tolerance 5 ' "$T/anndt-tol.txt"
# below 20 rows of --data the size is judged on samples drawn around them,
# and the size line says so (it said "3001 held-out rows" of 5)
head -n 6 examples/iris/train.csv >"$T/iris5.csv"
expect 0 "anndt on 5 rows" -- "$NN" "$IRIS" -a anndt --data "$T/iris5.csv" -o "$T/anndt5.txt" &&
    has "anndt on 5 rows: held-out samples" "^size: .* chosen on [0-9]* held-out samples: " "$T/err"
# a regression tree of one leaf answers one number: said, as a class tree
# that answers one class is (thirty copies of one setosa row: versicolor's
# probability barely moves around it)
{ head -n 1 examples/iris/train.csv; for i in $(seq 30); do sed -n 2p examples/iris/train.csv; done; } >"$T/iris-same.csv"
expect 0 "anndt --regress: one leaf" -- "$NN" "$IRIS" -a anndt --regress 1 -q --data "$T/iris-same.csv" -o "$T/anndt-one.txt" &&
    one_error "anndt --regress: one leaf warns" "warning: the regression tree is one leaf, .* everywhere: it explains none"
# rows of one class, but a tree grown on samples drawn around them that
# answers virginica too: the warning no longer says the rules say nothing
# else, only that those rows cannot judge it
{ head -n 1 examples/iris/train.csv; grep versicolor examples/iris/train.csv | head -n 10; } >"$T/versicolor10.csv"
expect 0 "anndt, one class, more answers" -- "$NN" "$IRIS" -a anndt -q --data "$T/versicolor10.csv" -o "$T/anndt-v10.txt" &&
    has "anndt, one class: the tree answers virginica" "virginica \[" "$T/anndt-v10.txt" &&
    one_error "anndt, one class: warns truly" "predicts 'versicolor' for all 10 training rows, so they cannot judge the rules' other answers"
# the advice of a degenerate ANN-DT tree is not the split it already uses
# (gain, the default): 20 samples of the declared box give one leaf
"$NN" convert "$IRIS" --no-profile -o "$T/iris-box.bin" 2>/dev/null || bad "convert --no-profile failed"
expect 0 "anndt degenerate: advice" -- "$NN" "$T/iris-box.bin" -a anndt -q --samples 20 -o "$T/anndt-20.txt" &&
    one_error "anndt degenerate: its own advice" "explain nothing; try a larger --alpha, more --samples or more rows$"
# --- explain: LIME for images (superpixels) ----------------------------------
DIG=examples/digits/model.bin FCNN=examples/fashion-cnn/model.bin
FMN=/usr/share/datasets/fashion-mnist
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
expect 0 "explain image: digits text" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 &&
    has "explain image: header" "^# LIME: row 3 of examples/digits/test.csv: " &&
    has "explain image: a segment line" "^ *[0-9][0-9]* *[-+][0-9.e-]* *[0-9][0-9]*  [0-9]*,[0-9]*-[0-9]*,[0-9]*\$" &&
    has "explain image: summary" "^lime: row 3 of examples/digits/test.csv: .*superpixels (slic), 10 terms, weighted R^2" "$T/err"
if [ "$(grep -c '^ *[0-9]' "$T/out")" -eq 10 ]; then ok; else bad "explain image: not 10 segment lines"; fi
expect 0 "explain image: digits PNG" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 -o "$T/dig.png" -q
if is_png "$T/dig.png"; then ok; else bad "explain image: no PNG signature"; fi
expect 0 "explain image: same seed" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 -o "$T/dig2.png" -q
if cmp -s "$T/dig.png" "$T/dig2.png"; then ok; else bad "explain image: two runs with the same seed differ"; fi
expect 0 "explain image: JSON" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 -o "$T/dig.json" -q &&
    has "explain image: JSON segments" '"segments": \[' "$T/dig.json" && has "explain image: JSON fit" '"r2": ' "$T/dig.json" &&
    has "explain image: JSON grid" '"segmentation": \[' "$T/dig.json"
if [ "$(sed -n '/"segmentation"/,$p' "$T/dig.json" | grep -c '^  \[')" -eq 8 ]; then ok; else bad "explain image: the JSON grid has not 8 rows"; fi
expect 0 "explain image: CSV, grid, --fill 0, two labels" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 5 \
    --segmenter grid --fill 0 --top-labels 2 --features-max 5 -o "$T/dig.csv" -q &&
    has "explain image: CSV header" "^class,segment,weight,pixels,x0,y0,x1,y1\$" "$T/dig.csv"
if [ "$(grep -c '^[^c]' "$T/dig.csv")" -eq 10 ]; then ok; else bad "explain image: CSV has not 2 x 5 lines"; fi
expect 0 "explain image: --negative, another seed" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 --negative --seed 2 -o "$T/dig3.png" -q
if is_png "$T/dig3.png" && ! cmp -s "$T/dig.png" "$T/dig3.png"; then ok; else bad "explain image: --negative --seed 2 changes nothing"; fi
expect 0 "explain image: fashion PNG" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" \
    --labels "$FMN/t10k-labels-idx1-ubyte.gz" --row 1 -o "$T/fa.png" &&
    has "explain image: fashion summary" "^lime: row 1 of .*t10k-images-idx3-ubyte.gz: Ankle boot: " "$T/err"
if is_png "$T/fa.png"; then ok; else bad "explain image: fashion: no PNG signature"; fi
expect 0 "explain image: fashion same seed" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" \
    --labels "$FMN/t10k-labels-idx1-ubyte.gz" --row 1 -o "$T/fa2.png" -q
if cmp -s "$T/fa.png" "$T/fa2.png"; then ok; else bad "explain image: fashion: two runs with the same seed differ"; fi
expect 0 "explain image: fashion JSON" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" --row 2 --class Trouser -o "$T/fa.json" -q &&
    has "explain image: fashion JSON class" '"class": "Trouser"' "$T/fa.json" && has "explain image: fashion JSON size" '"height": 28, "width": 28' "$T/fa.json"
# bad options, rows and outputs
expect 3 "explain image: row out of range" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1000 &&
    one_error "explain image: row out of range" "test.csv: .*--row 1000: the file has 450 rows"
expect 3 "explain image: fashion row out of range" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" --row 10001 &&
    one_error "explain image: fashion row out of range" "--row 10001: the file has 10000 rows"
expect 2 "explain image: bad segmenter" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --segmenter felzenszwalb && one_error "explain image: bad segmenter" "--segmenter is slic, grid or quickshift, not 'felzenszwalb'"
expect 2 "explain image: bad segments" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --segments 0 && one_error "explain image: bad segments" "--segments wants"
expect 2 "explain image: bad fill" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --fill median && one_error "explain image: bad fill" "--fill wants mean or a number"
expect 2 "explain image: bad compactness" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --compactness -1 && one_error "explain image: bad compactness" "--compactness wants"
expect 2 "explain image: C output" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 -o "$T/img.c" && one_error "explain image: C output" "unknown output extension '.c'"
expect 2 "explain image: -f svg" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 -f svg && one_error "explain image: -f svg" "txt, csv, json or png, not 'svg'"
expect 2 "explain image: --rows" -- "$NN" explain "$DIG" --data examples/digits/test.csv --rows examples/digits/test.csv && one_error "explain image: --rows" "explain one with --row N"
expect 2 "explain image: --discretizer" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --discretizer decile && one_error "explain image: --discretizer" "--discretizer is for tabular models"
expect 2 "explain image: tabular model" -- "$NN" explain "$IRIS" --data examples/iris/train.csv --row 1 --segments 10 -o "$T/iris.png" &&
    one_error "explain image: tabular model" "are for models whose input is an image; this one takes 4 values"
if [ ! -e "$T/img.c" ] && [ ! -e "$T/iris.png" ]; then ok; else bad "explain image: a refused run left a file"; fi
# quickshift superpixels: opt-in, its segment count in the summary, the
# same output every run; with LIME's defaults an 8x8 digit is one segment
# (and a warning says so), with a small kernel several
expect 0 "explain image: quickshift" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 --segmenter quickshift &&
    has "explain image: quickshift options" "^# --segmenter quickshift --kernel-size 4 --max-dist 200 --ratio 0.2 --fill mean " &&
    has "explain image: quickshift summary" "^lime: row 3 of examples/digits/test.csv: 8: 1 superpixel (quickshift), 1 term," "$T/err" &&
    has "explain image: quickshift few segments" "warning: quickshift cut the 8x8 image into 1 superpixel, too few" "$T/err"
expect 0 "explain image: quickshift, small kernel" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 \
    --segmenter quickshift --kernel-size 1 --max-dist 3 --ratio 0.2 -o "$T/qs.json" &&
    has "explain image: quickshift small kernel summary" "^lime: row 3 of examples/digits/test.csv: 8: [0-9]* superpixels (quickshift), " "$T/err" &&
    has "explain image: quickshift JSON options" '"options": "--segmenter quickshift --kernel-size 1 --max-dist 3 --ratio 0.2 ' "$T/qs.json"
n=$(sed -n 's/^lime: .*: \([0-9]*\) superpixels (quickshift).*/\1/p' "$T/err")
if [ "${n:-0}" -ge 4 ] && grep -q "\"segments\": $n, " "$T/qs.json" && ! grep -q warning "$T/err"; then ok
else bad "explain image: quickshift --kernel-size 1: '${n:-no}' superpixels, or not in the JSON, or a warning"; fi
expect 0 "explain image: quickshift again" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 3 \
    --segmenter quickshift --kernel-size 1 --max-dist 3 --ratio 0.2 -o "$T/qs2.json" -q
if cmp -s "$T/qs.json" "$T/qs2.json"; then ok; else bad "explain image: quickshift: two runs differ"; fi
if [ -r "$FMN/t10k-images-idx3-ubyte.gz" ]; then
    expect 0 "explain image: fashion quickshift" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" \
        --labels "$FMN/t10k-labels-idx1-ubyte.gz" --row 2 --segmenter quickshift --kernel-size 1 -o "$T/faqs.png" &&
        has "explain image: fashion quickshift summary" "^lime: row 2 of .*t10k-images-idx3-ubyte.gz: Pullover: [0-9]* superpixels (quickshift), " "$T/err"
    if is_png "$T/faqs.png"; then ok; else bad "explain image: fashion quickshift: no PNG signature"; fi
    expect 0 "explain image: fashion quickshift again" -- "$NN" explain "$FCNN" --data "$FMN/t10k-images-idx3-ubyte.gz" \
        --labels "$FMN/t10k-labels-idx1-ubyte.gz" --row 2 --segmenter quickshift --kernel-size 1 -o "$T/faqs2.png" -q
    if cmp -s "$T/faqs.png" "$T/faqs2.png"; then ok; else bad "explain image: fashion quickshift: two runs differ"; fi
fi
for o in kernel-size max-dist ratio; do
    for v in 0 -1 nan inf x; do
        expect 2 "explain image: --$o $v" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --segmenter quickshift --$o $v &&
            one_error "explain image: --$o $v" "--$o wants a positive number, not '$v'"
    done
done
expect 2 "explain image: quickshift --segments" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --segmenter quickshift --segments 10 &&
    one_error "explain image: quickshift --segments" "--segments is for slic and grid; quickshift's superpixels follow from --kernel-size"
expect 2 "explain image: --ratio without quickshift" -- "$NN" explain "$DIG" --data examples/digits/test.csv --row 1 --ratio 0.5 &&
    one_error "explain image: --ratio without quickshift" "--ratio is for --segmenter quickshift"


# --- trees grown on samples: thresholds and statistics read on real rows ------
# Without --data the pedagogical extractors cut between drawn samples; the
# thresholds are moved to short decimals between the profile's kept rows, and
# the statistics count those rows (iris keeps its 112 training rows).
for A in tree trepan anndt; do
    expect 0 "$A without data: extracts" -- "$NN" "$IRIS" -a $A -o "$T/s-$A.txt" &&
        has "$A without data: root counts the kept rows" "^  if .*\[class [a-z]*, cover 112, " "$T/s-$A.txt"
    if grep -q -E '(<=|>) -?[0-9]+\.[0-9]{4,}' "$T/s-$A.txt"; then
        bad "$A without data: a threshold of four or more decimals: $(grep -o -E '(<=|>) -?[0-9]+\.[0-9]{4,}' "$T/s-$A.txt" | head -1)"
    else ok; fi
done
# with --data, TREPAN's nodes hold --min-samples each, but the statistics
# count the data's rows
expect 0 "trepan --data: extracts" -- "$NN" examples/wdbc/model.bin -a trepan --data examples/wdbc/train.csv -o "$T/s-wdbc.txt" &&
    has "trepan --data: root counts the data rows" "^  if .*\[class [a-z]*, cover 426, " "$T/s-wdbc.txt"
# a regression tree's size is chosen too, by held-out R^2 (iris's output 0,
# setosa's probability, is one step: two leaves, where growing on gave 1,562)
expect 0 "anndt --regress: size chosen" -- "$NN" "$IRIS" -a anndt --regress 0 --data examples/iris/train.csv -o "$T/reg.txt" &&
    has "anndt --regress: size line" "^size: 2 leaves chosen on 112 held-out rows: R^2 1.0000 there" "$T/err" &&
    has "anndt --regress: two leaves" "^anndt: 2 leaves, 1 condition$" "$T/err"
expect 0 "anndt --regress --max-leaves decides" -- "$NN" "$IRIS" -a anndt --regress 0 --max-leaves 4 --data examples/iris/train.csv -o "$T/reg4.txt" &&
    if grep -q "^size:" "$T/err"; then bad "anndt --regress --max-leaves: a size line, though the size was given"; else ok; fi
# the advice in a degenerate result's warning names the extractor's own options
expect 0 "degenerate tsukimoto: warns" -- "$NN" examples/wdbc/model.bin -a tsukimoto --data examples/wdbc/train.csv -q -o "$T/ts0.txt" &&
    has "degenerate tsukimoto: its own advice" "explain nothing; .*try a higher --max-order, or -a tree$" "$T/err"
if grep -q -- "--criterion\|--no-mdl" "$T/err"; then bad "degenerate tsukimoto: advises options tsukimoto does not take"; else ok; fi
# Tsukimoto on continuous inputs says that its proofs hold at the corners
expect 0 "tsukimoto continuous: note" -- "$NN" "$IRIS" -a tsukimoto -o "$T/ts-iris.txt" &&
    has "tsukimoto continuous: note" "^note: 4 of 4 inputs are continuous or integer: .* proven at the corners" "$T/err"
expect 0 "tsukimoto Boolean: no note" -- "$NN" examples/vote/model.bin -a tsukimoto -o "$T/ts-vote.txt"
if grep -q "^note:" "$T/err"; then bad "tsukimoto Boolean: a note about continuous inputs"; else ok; fi

echo "cli: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
