#!/usr/bin/env bash
# Soak test of checkpoint/resume: trains gps once without interruption, then again while killing
# `train` with SIGKILL at random moments and resuming each time, and checks that both runs end with
# the same metrics and byte-identical embeddings. Usage: scripts/soak.sh [DATA] [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
kills=${2:-5}
gps="$data/hyperedge/gps"
[ -f "$gps/train_data.npz" ] || { echo "soak: no gps data at $gps (see ../shared/data/README.md)"; exit 1; }
bin=.build/release/hyperlearn
work=$(mktemp -d "${TMPDIR:-/tmp}/hyperlearn-soak.XXXXXX")
trap 'rm -rf "$work"' EXIT
epochs=150
printf 'epochs: %d\npatience: 0\nthreads: 2\n' "$epochs" > "$work/config.yaml"
train=("$bin" train Benchmarks/manifests/gps.yaml --data-root "$gps" --config "$work/config.yaml" --quiet)

start=$(date +%s.%N)
"${train[@]}" --out "$work/reference" >/dev/null
length=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "soak: uninterrupted run took ${length}s; now $kills kill(s) at random moments"

# Epochs the killed run had checkpointed (history.json is written with each checkpoint).
epochs_done() { { sed -n 's/.*"epoch" : \([0-9]*\).*/\1/p' "$work/soak/history.json" 2>/dev/null || true; } | tail -1 | grep . || echo 0; }

killed=0
while :; do
  if [ -f "$work/soak/checkpoint.bin" ]; then
    command=("$bin" train --out "$work/soak" --resume --quiet)
  else
    command=("${train[@]}" --out "$work/soak")
  fi
  "${command[@]}" >/dev/null 2>"$work/stderr" &
  pid=$!
  if [ "$killed" -lt "$kills" ]; then
    # A random moment: wait for a random epoch still to come (0: during start-up), then a random
    # part of one epoch, so kills land mid-epoch, in checkpoint writes and in the final writes.
    done_epochs=$(epochs_done)
    # (spread so that the kills left fit into the epochs left)
    target=$(awk -v seed="$RANDOM" -v e="$done_epochs" -v n="$epochs" -v k="$((kills - killed))" \
             'BEGIN { srand(seed); print e + int(rand() * 2 * (n - e) / (k + 1)) }')
    while kill -0 "$pid" 2>/dev/null && [ "$(epochs_done)" -lt "$target" ]; do sleep 0.01; done
    sleep "$(awk -v seed="$RANDOM" -v t="$length" -v n="$epochs" 'BEGIN { srand(seed); printf "%.3f", rand() * t / n }')"
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      killed=$((killed + 1))
      echo "soak: kill $killed after epoch $(epochs_done)"
      continue
    fi
  fi
  if wait "$pid"; then break; fi
  echo "soak: train failed:"; cat "$work/stderr"; exit 1
done

status=0
for file in metrics.json; do
  # Timings and memory differ between runs; everything else must agree.
  strip() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); [m.pop(k, None) for k in ("seconds_per_epoch", "peak_rss_mb")]; print(json.dumps(m, sort_keys=True))' "$1"; }
  if [ "$(strip "$work/reference/$file")" != "$(strip "$work/soak/$file")" ]; then echo "soak: $file differs"; status=1; fi
done
for npy in "$work"/reference/embeddings/*; do
  cmp -s "$npy" "$work/soak/embeddings/$(basename "$npy")" || { echo "soak: $(basename "$npy") differs"; status=1; }
done
leftovers=$(find "$work/soak" -name '.*.tmp' -o -name '.embeddings.tmp-*')
[ -z "$leftovers" ] || { echo "soak: temporary files left: $leftovers"; status=1; }
[ $status = 0 ] && echo "soak: $killed kill(s), resumed each time: same metrics and embeddings as the uninterrupted run"
exit $status
