#!/usr/bin/env bash
# Time per step as modalities are added: K = 2, 3, 4, 6, 8 modalities of 20 000 items, 200 000
# K-th order hyperedges (hyperlearn generate), full-batch steps (one step per epoch, no validation),
# unsharded (--set shards=1) and one shard per modality (--set shards=K). Prints one JSON line per run.
#   usage: Benchmarks/sharding.sh [BUILD_DIR (default .build/release)] [DATA_DIR (default /tmp/shardbench)]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
DATA=${2:-/tmp/shardbench}
THREADS=${THREADS:-2}
for K in 2 3 4 6 8; do
  [ -f "$DATA/k$K/manifest.yaml" ] || "$BIN/hyperlearn" generate --modalities "$K" --order "$K" \
      --items 20000 --hyperedges 200000 --seed 0 --out "$DATA/k$K" >/dev/null
  for S in 1 "$K"; do
    line=$("$BIN/HyperLearnBench" speed "$DATA/k$K/manifest.yaml" --set shards="$S" --set epochs=4 \
        --set batchSize=0 --set threads="$THREADS" --set rankingQueries=200)
    echo "{\"modalities\": $K, \"shards\": $S, \"run\": $line}"
  done
done
