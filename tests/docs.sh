#!/bin/sh
# docs.sh - every command the documentation shows must run as written.
#
# usage: tests/docs.sh BUILD_DIR      (run from the top of the source tree)
#
# Takes each command line from README.md's ```sh blocks and from the man
# pages' EXAMPLES sections (.Dl lines, and lines of .Bd -literal blocks
# that start with "$ ", with their "\e" continuations), and runs them in
# order, from a scratch directory that links examples/ and tests/ and sees the
# built nn2rules first on PATH, so that what they write lands there.  Each
# must succeed.  `make` lines in the README are the build itself: skipped.
# Then mandoc -Tlint must be clean for every man page (skipped with a note
# when mandoc is missing).
set -u
BUILD=${1:-build}
TOP=$(pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0
failn=0
ok() { pass=$((pass + 1)); }
bad() { failn=$((failn + 1)); echo "FAIL: $*"; }

mkdir "$W/bin" "$W/run"
ln -s "$TOP/$BUILD/nn2rules" "$W/bin/nn2rules"
ln -s "$TOP/examples" "$W/run/examples"
ln -s "$TOP/tests" "$W/run/tests"

# README: the lines of ```sh blocks
awk '/^```sh/ { on = 1; next } /^```/ { on = 0; next } on && NF && $1 != "make" { print }' README.md >"$W/cmds"
# man pages: EXAMPLES sections
for page in man/*.[1-9]; do
    awk '
        /^\.Sh / { ex = ($2 == "EXAMPLES"); lit = 0; next }
        !ex { next }
        /^\.Bd -literal/ { lit = 1; next }
        /^\.Ed/ { lit = 0; next }
        /^\.Dl \$ / { sub(/^\.Dl \$ /, ""); print; next }
        lit && cont { line = line " " $0 }
        lit && !cont && /^\$ / { line = substr($0, 3) }
        lit && (cont || /^\$ /) {
            cont = sub(/ *\\e$/, "", line)
            if (!cont) print line
        }
    ' "$page"
done >>"$W/cmds"

n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    if (cd "$W/run" && PATH="$W/bin:$PATH" sh -c "$cmd") >"$W/out" 2>&1 </dev/null; then
        ok
    else
        bad "documented command fails: $cmd"
        sed 's/^/    /' "$W/out" | head -5
    fi
done <"$W/cmds"
[ "$n" -ge 20 ] && ok || bad "only $n documented commands found"


# rules(5)'s example tree is real output: the command its EXAMPLES give
# writes exactly the rules shown under it
page=man/nn2rules-rules.5
cmd=$(awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Dl \$ / { sub(/^\.Dl \$ /, ""); print; exit }' "$page")
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { on = 1; next } on && /^\.Ed/ { exit } on { print }' "$page" >"$W/shown.txt"
if (cd "$W/run" && PATH="$W/bin:$PATH" sh -c "$cmd -q") >"$W/real.txt" 2>"$W/err" && cmp -s "$W/shown.txt" "$W/real.txt"; then
    ok
else
    bad "$page: the example is not what '$cmd' writes (regenerate it):"
    diff "$W/shown.txt" "$W/real.txt" | head -10
fi

if command -v mandoc >/dev/null 2>&1; then
    for page in man/*.[1-9]; do
        if out=$(mandoc -Tlint -W warning "$page" 2>&1) && [ -z "$out" ]; then ok; else bad "mandoc -Tlint $page: $out"; fi
    done
else
    echo "note: mandoc -Tlint skipped (mandoc is not installed)"
fi

echo "docs: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
