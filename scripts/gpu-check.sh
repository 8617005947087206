#!/usr/bin/env bash
# Builds a self-contained release `hyperlearn` for the lent GPU machine (which has no Swift toolchain),
# packs it with the OpenBLAS/LAPACKE/Fortran libraries it needs into gpu-bundle/hyperlearn-gpu.tar.xz,
# and prints the device `run` call that unpacks it, finds the CUDA libraries and runs the checks.
# See /work/shared/docs/GPU.md for why it is built this way (64 MiB carry limit, no CUDA at build time).
set -euo pipefail

cd "$(dirname "$0")/.."
scratch="${HYPERLEARN_RELEASE_SCRATCH:-.build-gpu}"
bundle_dir=gpu-bundle
archive="$bundle_dir/hyperlearn-gpu.tar.xz"
limit_bytes=$((60 * 1024 * 1024))

echo "== building (release, static Swift runtime) in $scratch"
swift build -c release --static-swift-stdlib --product hyperlearn --scratch-path "$scratch"
binary="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/hyperlearn"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/hyperlearn/lib"
cp "$binary" "$staging/hyperlearn/hyperlearn"
strip "$staging/hyperlearn/hyperlearn"

echo "== dynamic libraries of the binary"
ldd "$binary" | tee "$staging/hyperlearn/ldd.txt"
if grep -Eiq 'libcuda|libcudart|libcublas|libcusparse|libnvrtc' "$staging/hyperlearn/ldd.txt"; then
    echo "error: the binary links a CUDA library at build time; it must only dlopen them" >&2
    exit 1
fi

# OpenBLAS and its Fortran runtime (and LAPACKE with its LAPACK) are not on the GPU machine: ship them,
# symlinks resolved, each under its soname so that the loader finds it through LD_LIBRARY_PATH.
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
    { grep -E '^(libopenblas|liblapacke|liblapack|libblas|libtmglib|libgfortran|libquadmath)' || true; } |
    while read -r soname path; do
        cp "$(readlink -f "$path")" "$staging/hyperlearn/lib/$soname"
        echo "   shipped $soname <- $(readlink -f "$path")"
    done
# OpenBLAS may reach LAPACK/Fortran indirectly: ship what the shipped libraries need, too.
for shipped in "$staging"/hyperlearn/lib/*; do
    ldd "$shipped" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
        { grep -E '^(libopenblas|liblapack|libblas|libtmglib|libgfortran|libquadmath)' || true; } |
        while read -r soname path; do
            [ -e "$staging/hyperlearn/lib/$soname" ] || cp "$(readlink -f "$path")" "$staging/hyperlearn/lib/$soname"
        done
done

# The run script, the PyTorch peer and the drug data it reads (FAERS-derived; may be copied).
cp scripts/gpu-run.sh "$staging/hyperlearn/gpu-run.sh"
shared="${HYPERLEARN_SHARED:-../shared}"
mkdir -p "$staging/hyperlearn/peer" "$staging/hyperlearn/data/drug"
if [ -f "$shared/peers/torch_hyperlearn.py" ]; then
    cp "$shared/peers/torch_hyperlearn.py" "$staging/hyperlearn/peer/"
    cp "$shared/data/hyperedge/drug/"*.npz "$staging/hyperlearn/data/drug/"
else
    echo "warning: $shared/peers not found; the bundle will run without the PyTorch comparison" >&2
fi

mkdir -p "$bundle_dir"
tar -C "$staging" -cJf "$archive" hyperlearn
size=$(stat -c %s "$archive")
echo "== $archive: $((size / 1024 / 1024)) MiB ($(tar -tJf "$archive" | wc -l) entries)"
if [ "$size" -gt "$limit_bytes" ]; then
    echo "error: the bundle exceeds $((limit_bytes / 1024 / 1024)) MiB; the device carry limit is 64 MiB in all" >&2
    exit 1
fi

cat <<'RUN'

== device run (carry: ["gpu-bundle"], timeout_s: 560); one call does everything and writes to $OUT:

mkdir -p /tmp/hl && tar -xJf gpu-bundle/hyperlearn-gpu.tar.xz -C /tmp/hl && OUT=$OUT /tmp/hl/hyperlearn/gpu-run.sh; tail -n 60 $OUT/progress.txt $OUT/selftest.txt
RUN
