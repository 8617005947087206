# HyperLearn: the two quick-start commands and the benchmark harness.
APT_PACKAGES := libopenblas-dev liblapacke-dev pkg-config
SWIFT_TEST_FLAGS := -c release -Xswiftc -enable-testing

.PHONY: deps build demo test bench clean

# Installs the system libraries when they are missing (needs root for apt-get).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing system packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

build: deps
	swift build -c release

# Trains on the embedded default dataset (FAERS drug hyperedges) and says where the results are.
demo: build
	rm -rf runs/demo
	.build/release/hyperlearn train --out runs/demo
	@echo "results: runs/demo (metrics.json, training-curve.svg, embeddings/)"

# The whole test suite (release build with testing enabled: the training tests are compute-bound).
test: deps
	swift test $(SWIFT_TEST_FLAGS)

# Accuracy and speed benchmarks; writes BENCHMARKS.md. DATA defaults to ../shared/data.
DATA ?= ../shared/data
bench: deps
	swift build -c release
	bash Benchmarks/run.sh $(DATA)

clean:
	rm -rf .build runs
