#!/usr/bin/env bash
# Reproduces the figures of BENCHMARKS.md: accuracy (3 seeds, default and tuned configurations) and
# speed against the PyTorch peer (same machine, one after the other). Usage: Benchmarks/run.sh DATA_DIR
# Writes Benchmarks/results/*.jsonl and prints a Markdown summary to Benchmarks/results/summary.md.
set -euo pipefail
DATA=${1:-../shared/data}
cd "$(dirname "$0")/.."
BENCH=.build/release/HyperLearnBench
OUT=Benchmarks/results
mkdir -p "$OUT"
PEER=${PEER:-../shared/peers/torch_hyperlearn.py}
PYTHON=${PYTHON:-/tmp/peervenv/bin/python}

accuracy() {  # name manifest data-subdir [config]
  local name=$1 manifest=$2 root=$DATA/$3 config=${4:-}
  local args=(accuracy "Benchmarks/manifests/$manifest" --data-root "$root" --seeds 0,1,2)
  [ -n "$config" ] && args+=(--config "Benchmarks/configs/$config")
  echo "== accuracy $name ${config:-default}"
  /usr/bin/time -f '{"peak_rss_kb": %M}' "$BENCH" "${args[@]}" | tee "$OUT/accuracy-$name-${config:-default}.jsonl"
}

speed() {  # name manifest data-subdir peer-kind peer-path
  local name=$1 manifest=$2 root=$DATA/$3
  echo "== speed $name (ours, then PyTorch)"
  "$BENCH" speed "Benchmarks/manifests/$manifest" --data-root "$root" --set epochs=30 --set threads=2 | tee "$OUT/speed-$name-ours.json"
  if [ -x "$PYTHON" ]; then
    "$PYTHON" "$PEER" "$4" "$5" --epochs 30 --threads 2 2>/dev/null | tail -1 | tee "$OUT/speed-$name-torch.json"
  else
    echo "PyTorch peer not installed at $PYTHON (see ../shared/peers/README.md); skipping" | tee "$OUT/speed-$name-torch.json"
  fi
}

[ -d "$DATA" ] || { echo "no data folder at $DATA"; exit 2; }
speed ml-100k ml-100k.yaml ml-100k ml100k "$DATA/ml-100k"
speed drug drug.yaml hyperedge/drug hyper "$DATA/hyperedge/drug"
accuracy ml-100k ml-100k.yaml ml-100k
for d in gps movielens drug; do accuracy "$d" "$d.yaml" "hyperedge/$d"; done
for c in Benchmarks/configs/*.yaml; do
  [ -e "$c" ] || continue
  base=$(basename "$c" .yaml); name=${base%%-*}
  case $name in ml-100k|ml100k) sub=ml-100k; man=ml-100k.yaml;; *) sub=hyperedge/$name; man=$name.yaml;; esac
  accuracy "$name" "$man" "$sub" "$(basename "$c")"
done
