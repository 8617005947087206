#!/usr/bin/env bash
# Reproduces the generated figures of BENCHMARKS.md: accuracy (3 seeds, default and tuned
# configurations) and CPU speed against the PyTorch peer (same machine, one after the other).
# Usage: Benchmarks/run.sh DATA_DIR   (run through `make bench`, which builds in release mode first;
# SKIP_SPEED=1 leaves out the speed runs; ONLY="drug-default gps-gps-tuned …" reruns just those
# accuracy results, named as their files in Benchmarks/results, and keeps the others for the table)
# Raw results go to Benchmarks/results/; the section between the `generated` markers of
# BENCHMARKS.md is rewritten.
set -euo pipefail
DATA=${1:-../shared/data}
cd "$(dirname "$0")/.."
BENCH=.build/release/HyperLearnBench
OUT=Benchmarks/results
mkdir -p "$OUT"
PEER=${PEER:-../shared/peers/torch_hyperlearn.py}
PYTHON=${PYTHON:-/tmp/peervenv/bin/python}
[ -d "$DATA" ] || { echo "no data folder at $DATA"; exit 2; }

accuracy() {  # name manifest data-root [config] [extra HyperLearnBench arguments…]
  local name=$1 manifest=$2 root=$3 config=${4:-}
  shift 3; [ $# -gt 0 ] && shift
  local args=(accuracy "Benchmarks/manifests/$manifest" --data-root "$root" --seeds 0,1,2 "$@")
  [ -n "$config" ] && args+=(--config "Benchmarks/configs/$config")
  local tag=${config%.yaml}; tag=${tag:-default}
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name-$tag "* ]]; then return 0; fi
  echo "== accuracy $name ${config:-default}"
  "$BENCH" "${args[@]}" | tee "$OUT/accuracy-$name-$tag.jsonl"
}

speed() {  # name manifest data-subdir peer-kind peer-path
  echo "== speed $1 (ours, then PyTorch)"
  "$BENCH" speed "Benchmarks/manifests/$2" --data-root "$DATA/$3" --set epochs=30 --set threads=2 | tee "$OUT/speed-$1-ours.json"
  if [ -x "$PYTHON" ]; then
    "$PYTHON" "$PEER" "$4" "$5" --epochs 30 --threads 2 2>/dev/null | tail -1 | tee "$OUT/speed-$1-torch.json"
  else
    echo "PyTorch peer not installed at $PYTHON (see ../shared/peers/README.md); skipped" | tee "$OUT/speed-$1-torch.json"
  fi
}

if [ -z "${SKIP_SPEED:-}" ] && [ -z "${ONLY:-}" ]; then
  speed ml-100k ml-100k.yaml ml-100k ml100k "$DATA/ml-100k"
  speed drug drug.yaml hyperedge/drug hyper "$DATA/hyperedge/drug"
fi

accuracy ml-100k ml-100k.yaml "$DATA/ml-100k"
# The plain model is CP over embedding tables alone: no graphs, and no count term.
for d in gps movielens; do
  accuracy "$d" "$d.yaml" "$DATA/hyperedge/$d"
  accuracy "$d-plain" "$d-plain.yaml" "$DATA/hyperedge/$d" "" --set countFeatures=false
done
# drug: 17 steps of 8192 per epoch; capped at 40 epochs so that the whole bench stays under an hour.
accuracy drug drug.yaml "$DATA/hyperedge/drug" "" --set epochs=40
accuracy drug-plain drug-plain.yaml "$DATA/hyperedge/drug" "" --set epochs=40 --set countFeatures=false
for c in Benchmarks/configs/*.yaml; do
  [ -e "$c" ] || continue
  name=$(basename "$c" .yaml); name=${name%-tuned}
  case $name in
    ml-100k) accuracy ml-100k ml-100k.yaml "$DATA/ml-100k" "$(basename "$c")" ;;
    # drug's tuned model propagates over the induced hypergraphs (chosen on validation).
    drug) accuracy drug drug-hypergraph.yaml "$DATA/hyperedge/drug" "$(basename "$c")" ;;
    *) accuracy "$name" "$name.yaml" "$DATA/hyperedge/$name" "$(basename "$c")" ;;
  esac
done
# gps: an ensemble of five tuned models per seed (its single models vary with the seed).
accuracy gps-ensemble gps.yaml "$DATA/hyperedge/gps" gps-tuned.yaml --ensemble 5
# The best MovieLens-100K model: the tuned configuration with the rating-induced hypergraphs.
accuracy ml-100k-hypergraph ml-100k-hypergraph.yaml "$DATA/ml-100k" ml-100k-tuned.yaml
# …and an ensemble per seed: three such models and three on the kNN graphs alone (Ensemble: averaged
# predictions; member k of seed s trains with seed s + 1000·k).
accuracy ml-100k-ensemble ml-100k-hypergraph.yaml "$DATA/ml-100k" ml-100k-tuned.yaml \
  --ensemble 3 --ensemble-manifest Benchmarks/manifests/ml-100k.yaml
# More modalities: ml-latest-small ratings with and without the tag relation (same split, same seeds).
split=$(mktemp -d)
Benchmarks/ml-latest-small/split.sh "$DATA/ml-latest-small" "$split"
accuracy ml-latest-small-with-tags ml-latest-small-with-tags.yaml "$split"
accuracy ml-latest-small-ratings-only ml-latest-small-ratings-only.yaml "$split"
rm -rf "$split"
# The 4th-order benchmark: (user, movie, tag, month) from tags.csv, ours and the plain model, and the
# same split's (user, movie, tag) triples for what the 4th member adds.
fourth=$(mktemp -d)
python3 Benchmarks/ml-latest-small/fourth-order.py "$DATA/ml-latest-small" "$fourth"
for m in tags4 tags4-plain tags3 tags3-plain; do
  plain=(); [[ $m == *-plain ]] && plain=(--set countFeatures=false)
  accuracy "ml-latest-small-$m" "ml-latest-small-$m.yaml" "$fourth" "" "${plain[@]}"
done
rm -rf "$fourth"

# Rewrite the generated section of BENCHMARKS.md.
machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(date -u +%Y-%m-%d)"
table=$("$BENCH" markdown "$OUT"/accuracy-*.jsonl)
awk -v machine="$machine" -v table="$table" '
  /<!-- generated:begin -->/ { print; print ""; print "Machine: " machine; print ""; print table; print ""; skip = 1; next }
  /<!-- generated:end -->/ { skip = 0 }
  !skip { print }' BENCHMARKS.md > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md
echo "BENCHMARKS.md updated"
