#!/usr/bin/env bash
# Makes a fixed 80/20 split of ml-latest-small's ratings and tags (every 5th data line goes to test)
# into OUT, next to a link to movies.csv, so that the manifests in this folder can read them.
# The MovieLens files themselves are never copied into the repository (GroupLens licence).
# Usage: split.sh DATA/ml-latest-small OUT
set -euo pipefail
src=$1; out=$2
mkdir -p "$out"
for f in ratings tags; do
  awk -v train="$out/$f.train.csv" -v test="$out/$f.test.csv" \
    'NR == 1 { print > train; print > test; next } { if ((NR - 1) % 5 == 0) print > test; else print > train }' \
    "$src/$f.csv"
done
ln -sf "$(cd "$src" && pwd)/movies.csv" "$out/movies.csv"
