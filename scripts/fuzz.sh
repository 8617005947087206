#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for the given number of seconds, seeded from the
# repository's fixtures; prints executions per second and fails on any finding (crash, trap, hang,
# leak of a non-HyperLearnError). Usage: scripts/fuzz.sh SECONDS [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzManifest FuzzDelimitedText FuzzNPY FuzzNPZ FuzzCheckpoint FuzzModelArchive FuzzDatasetLoad)

# libFuzzer comes with the Swift toolchain's clang runtime; where a toolchain lacks it, take Debian's
# and put it where swiftc looks.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
arch=$(uname -m)
if ! ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer-"$arch".a >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "libFuzzer is missing from $toolchain (run as root, or: sudo apt-get install libclang-rt-dev)"; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-rt-dev
  found=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-"$arch".a | head -1)
  for dir in "$toolchain"/lib/clang/*/lib/linux; do ln -sf "$found" "$dir/"; done
fi

# lld: gold fails on the duplicate `main` that libFuzzer and Swift executables both bring.
(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld)
bin=Fuzz/.build/release
work=Fuzz/.build/fuzz
mkdir -p "$work/artifacts"

seed() {  # seed TARGET: fills $work/corpus/TARGET from the fixtures
  local corpus="$work/corpus/$1"
  mkdir -p "$corpus"
  case $1 in
    FuzzManifest) cp Benchmarks/manifests/*.yaml Benchmarks/configs/*.yaml Tests/HyperLearnCLITests/Fixtures/tiny/*.yaml "$corpus/" ;;
    FuzzDelimitedText)  # the first byte picks the format: 0 is tab-separated UTF-8
      for f in Tests/HyperLearnCLITests/Fixtures/tiny/*.tsv; do { printf '\0'; cat "$f"; } > "$corpus/$(basename "$f")"; done ;;
    FuzzNPZ) cp Sources/HyperLearn/Resources/drug/test_data.npz "$corpus/drug-test.npz"
             HYPERLEARN_FUZZ_SEEDS="$corpus" "$bin/$1" -runs=0 >/dev/null 2>&1 ;;
    *) HYPERLEARN_FUZZ_SEEDS="$corpus" "$bin/$1" -runs=0 >/dev/null 2>&1 ;;
  esac
}

# Leave crashes to libFuzzer, which saves the input, rather than to Swift's backtracer.
export SWIFT_BACKTRACE=enable=no
status=0
printf '%-18s %10s %12s %s\n' target seconds exec/s result
for target in "${targets[@]}"; do
  seed "$target"
  log="$work/$target.log"
  if "$bin/$target" "$work/corpus/$target" -max_total_time="$duration" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts/$target-" >"$log" 2>&1; then result=ok; else result="FAILED (see $log)"; status=1; fi
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-18s %10s %12s %s\n' "$target" "$duration" "${rate:-?}" "$result"
done
exit $status
