#!/usr/bin/env bash
# "Growing a model" (BENCHMARKS.md): extend a trained model by a modality on ml-latest-small, K → K+1
# modalities on synthetic data, and cold-start movies on MovieLens-100K. Prints one JSON line per run.
# MovieLens files are read from DATA and their derived splits written under a temporary folder only.
# Usage: Benchmarks/growing.sh [DATA (default ../shared/data)] [WORK (default: a new temporary folder)]
set -euo pipefail
DATA=$(cd "${1:-../shared/data}" && pwd)
WORK=${2:-$(mktemp -d)}
HERE=$(cd "$(dirname "$0")" && pwd)
B=${HYPERLEARN:-$HERE/../.build/release/hyperlearn}
mkdir -p "$WORK"
PARTS=${PARTS:-"tags synthetic cold"}   # which of the three parts to run
report() {  # NAME RUN SECONDS: the run's test metrics and timing as one JSON line
  python3 - "$@" <<'PY'
import json, sys
name, run, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
m = json.load(open(f"{run}/metrics.json"))
print(json.dumps({"run": name, "wall_s": round(seconds, 2), "epochs": m["epochs"], "best_epoch": m["best_epoch"],
                  "s_per_epoch": round(m["seconds_per_epoch"], 4), "encoder_passes": m.get("encoder_passes"),
                  "test": {r: v.get("test") for r, v in m["relations"].items()}}))
PY
}
timed() {  # NAME RUN COMMAND...: runs the command, then reports
  local name=$1 run=$2; shift 2
  local start=$(date +%s.%N)
  "$@" --quiet > /dev/null
  report "$name" "$run" "$(python3 -c "print($(date +%s.%N) - $start)")"
}

M=$HERE/manifests
# 1. A new modality on ml-latest-small: ratings (genres as movie features), then tags.
if [[ $PARTS == *tags* ]]; then
bash "$HERE/ml-latest-small/split.sh" "$DATA/ml-latest-small" "$WORK/mls"
timed base "$WORK/base" "$B" train "$M/ml-latest-small-ratings-only.yaml" --data-root "$WORK/mls" --out "$WORK/base" --force
timed extend-frozen "$WORK/frozen" "$B" extend "$WORK/base" --manifest "$M/ml-latest-small-with-tags.yaml" --data-root "$WORK/mls" --out "$WORK/frozen" --freeze --force
timed extend-finetuned "$WORK/tuned" "$B" extend "$WORK/base" --manifest "$M/ml-latest-small-with-tags.yaml" --data-root "$WORK/mls" --out "$WORK/tuned" --force
timed joint-from-scratch "$WORK/joint" "$B" train "$M/ml-latest-small-with-tags.yaml" --data-root "$WORK/mls" --out "$WORK/joint" --force

fi

# 2. K → K+1 on synthetic data: a 3-modality model (3rd-order relation), then a 4th modality and a
#    4th-order relation over all four; frozen extension against training the K+1 model from scratch.
if [[ $PARTS == *synthetic* ]]; then
S=$WORK/synthetic
rm -rf "$S"
"$B" generate --modalities 4 --items 20000 --hyperedges 200000 --order 4 --out "$S" > /dev/null
python3 "$HERE/growing-synthetic.py" "$S"
timed synthetic-K3 "$S/k3" "$B" train "$S/k3.yaml" --out "$S/k3" --epochs 5 --force
timed synthetic-extend-frozen "$S/k4f" "$B" extend "$S/k3" --manifest "$S/k4.yaml" --out "$S/k4f" --freeze --epochs 5 --force
timed synthetic-K4-from-scratch "$S/k4" "$B" train "$S/k4.yaml" --out "$S/k4" --epochs 5 --force

fi

# 3. Cold start on MovieLens-100K: 10% of the movies held out of training entirely. The stand-ins
#    for their table rows and biases are chosen on a validation split inside the training data.
if [[ $PARTS == *cold* ]]; then
C=$WORK/cold
python3 "$HERE/cold-start-split.py" "$DATA/ml-100k" "$C"
V=$C/validation
timed cold-validation-model "$V/run" "$B" train "$M/ml-100k-cold.yaml" --data-root "$V" --out "$V/run" --force
best=""; best_rmse=99
for table in neighbors mean zero; do
  for bias in neighbors mean zero; do
    rm -rf "$V/embedded"
    "$B" embed "$V/run" --modality movie --items "$V/u.item.cold" --to "$V/embedded" --table-row $table --bias $bias > /dev/null
    rmse=$("$B" evaluate "$V/run" --manifest "$M/ml-100k-cold-test.yaml" --data-root "$V" --items "$V/embedded" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["relations"]["rating"]["test"]["rmse"])')
    echo "{\"run\": \"cold-validation\", \"table_row\": \"$table\", \"bias\": \"$bias\", \"rmse\": $rmse}"
    if python3 -c "import sys; sys.exit(0 if $rmse < $best_rmse else 1)"; then best="$table $bias"; best_rmse=$rmse; fi
  done
done
read -r table bias <<< "$best"
timed cold-model "$C/run" "$B" train "$M/ml-100k-cold.yaml" --data-root "$C" --out "$C/run" --force
"$B" embed "$C/run" --modality movie --items "$C/u.item.cold" --to "$C/embedded" --table-row $table --bias $bias > /dev/null
"$B" evaluate "$C/run" --manifest "$M/ml-100k-cold-test.yaml" --data-root "$C" --items "$C/embedded" > "$C/cold-embedded.json"
timed retrained-with-them "$C/full" "$B" train "$M/ml-100k.yaml" --data-root "$DATA/ml-100k" --out "$C/full" --force
"$B" evaluate "$C/full" --manifest "$M/ml-100k-cold-test.yaml" --data-root "$C" > "$C/cold-retrained.json"
echo "{\"run\": \"cold-stand-ins-chosen\", \"table_row\": \"$table\", \"bias\": \"$bias\"}"
python3 "$HERE/cold-start-split.py" --report "$C"
fi
