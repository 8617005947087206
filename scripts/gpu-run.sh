#!/usr/bin/env bash
# Runs on the lent GPU machine from the unpacked bundle (see scripts/gpu-check.sh), writing every
# result under $OUT: the CUDA libraries found, doctor, the self-test (each device operation and ten
# training steps against the CPU trainer), then seconds per epoch on the GPU against the PyTorch peer
# on the same GPU (drug, synthetic 1M), then the CPU shard series K = 2…8 (2 threads per shard) for
# the sharding issue, and the same series with K shards on the one GPU. Each part is independent: one failing does not stop the others.
#   usage: OUT=/some/folder ./gpu-run.sh [quick]     ("quick": the self-test and the drug bench only)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
OUT=${OUT:?set OUT to the results folder}
mkdir -p "$OUT"
cd "$here"
HL="$here/hyperlearn"
log() { echo "== $(date +%T) $*" | tee -a "$OUT/progress.txt"; }

log "CUDA libraries"
find / \( -path /proc -o -path /sys \) -prune -o \( -name 'libcudart.so*' -o -name 'libcublas.so*' -o -name 'libcublasLt.so*' \
    -o -name 'libcusparse.so*' -o -name 'libnvrtc.so*' -o -name 'libnvrtc-builtins.so*' -o -name 'libnvJitLink.so*' \) -print 2>/dev/null \
    > "$OUT/cuda-libraries.txt"
export HYPERLEARN_CUDA_PATH=$(xargs -r -n1 dirname < "$OUT/cuda-libraries.txt" | sort -u | paste -sd:)
export LD_LIBRARY_PATH="$here/lib:$HYPERLEARN_CUDA_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
nproc > "$OUT/cores.txt"

log "doctor"
"$HL" doctor > "$OUT/doctor.txt" 2>&1; echo "rc=$?" >> "$OUT/doctor.txt"
log "selftest"
"$HL" selftest --device cuda > "$OUT/selftest.txt" 2>&1; echo "rc=$?" >> "$OUT/selftest.txt"

PY=$(command -v python3 || true)
for candidate in /opt/conda/bin/python /usr/local/bin/python3 /usr/bin/python3; do
    if [ -x "$candidate" ] && "$candidate" -c 'import torch' 2>/dev/null; then PY=$candidate; break; fi
done
peer() {  # name, peer arguments…
    local name=$1; shift
    if [ -n "$PY" ]; then
        timeout 240 "$PY" "$here/peer/torch_hyperlearn.py" "$@" --device cuda > "$OUT/torch-$name.txt" 2>&1
        echo "rc=$?" >> "$OUT/torch-$name.txt"
    else
        echo "no python3 with torch" > "$OUT/torch-$name.txt"
    fi
}

# Both sides: the peer's model (dropout 0.1, no root weights, Adam 0.01), full batch, same epochs.
log "drug: ours on cuda, then PyTorch on cuda"
timeout 240 "$HL" bench --device cuda --epochs 30 --skip-ceilings --json > "$OUT/bench-drug-cuda.json" 2> "$OUT/bench-drug-cuda.err"
peer drug hyper "$here/data/drug" --epochs 30
[ "${1:-}" = quick ] && { log "done (quick)"; exit 0; }

log "synthetic 1M: generate, ours on cuda, PyTorch on cuda"
"$HL" generate --modalities 3 --items 200000 --hyperedges 1000000 --order 3 --out /tmp/syn1m > "$OUT/generate-syn1m.txt" 2>&1
timeout 300 "$HL" bench /tmp/syn1m/manifest.yaml --device cuda --epochs 10 --skip-ceilings --json \
    > "$OUT/bench-syn1m-cuda.json" 2> "$OUT/bench-syn1m-cuda.err"
peer syn1m hyper /tmp/syn1m --graphs /tmp/syn1m/graphs.npz --epochs 10

log "shard series on the CPU: K = 2, 3, 4, 6, 8 modalities; unsharded (2 threads) and K shards (2 threads each)"
for K in 2 3 4 6 8; do
    "$HL" generate --modalities "$K" --order "$K" --items 20000 --hyperedges 200000 --seed 0 --out "/tmp/shard/k$K" > /dev/null 2>&1
    for S in 1 "$K"; do
        # Without the count term, as issue 7's series was measured (its tables grow with the order).
        printf 'shards: %s\nrankingQueries: 200\ncountFeatures: false\n' "$S" > "/tmp/shard/s$S.yaml"
        threads=$((2 * S))
        line=$(timeout 90 "$HL" bench "/tmp/shard/k$K/manifest.yaml" --config "/tmp/shard/s$S.yaml" --device cpu \
            --epochs 4 --threads "$threads" --skip-ceilings --json 2>> "$OUT/shards.err")
        echo "{\"modalities\": $K, \"shards\": $S, \"threads\": $threads, \"run\": ${line:-null}}" >> "$OUT/shards.jsonl"
    done
done
log "shard series on the GPU: K shards on its one device (--devices 0,0,…) against unsharded --device cuda"
for K in 2 3 4 6 8; do
    devices=$(printf '0%.0s,' $(seq "$K")); devices=${devices%,}
    for mode in "--device cuda" "--devices $devices"; do
        line=$(timeout 90 "$HL" bench "/tmp/shard/k$K/manifest.yaml" --config /tmp/shard/s1.yaml $mode \
            --epochs 4 --skip-ceilings --json 2>> "$OUT/shards-cuda.err")
        echo "{\"modalities\": $K, \"mode\": \"$mode\", \"run\": ${line:-null}}" >> "$OUT/shards-cuda.jsonl"
    done
done
log "done"
