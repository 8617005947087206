# HyperLearn: the two quick-start commands and the benchmark harness.
APT_PACKAGES := libopenblas-dev liblapacke-dev libsqlite3-dev pkg-config
# Optional: the MPI trait (multi-process sharding) and its 3-rank test.
MPI_APT_PACKAGES := openmpi-bin libopenmpi-dev
REPORT_APT_PACKAGES := chromium
HAVE_MPI := $(shell pkg-config --exists ompi-c 2>/dev/null && command -v mpirun >/dev/null 2>&1 && echo yes)
SWIFT_TEST_FLAGS := -c release -Xswiftc -enable-testing

# Installs the Debian packages $(1) that are missing (apt-get needs root; otherwise it says how).
define install-packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing system packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi
endef

.PHONY: deps deps-mpi deps-report build demo test test-mpi bench fuzz soak clean

# Installs the system libraries when they are missing (needs root for apt-get).
deps:
	$(call install-packages,$(APT_PACKAGES))

build: deps
	swift build -c release

# Trains on the embedded default dataset (FAERS drug hyperedges) and says where the results are.
demo: build
	rm -rf runs/demo
	.build/release/hyperlearn train --out runs/demo
	@echo "results: runs/demo (metrics.json, training-curve.svg, embeddings/)"

# Open MPI, for `swift build --traits MPI` (needs root for apt-get).
deps-mpi:
	$(call install-packages,$(MPI_APT_PACKAGES))

# Optional: headless Chromium, for the test that renders `hyperlearn report` (it skips without one).
deps-report:
	$(call install-packages,$(REPORT_APT_PACKAGES))

# The whole test suite (release build with testing enabled: the training tests are compute-bound),
# on the default build (no MPI); then, where Open MPI is installed, the MPI-trait build's sharding
# tests, including 3 ranks on localhost against the single-process run.
test: deps
	swift test $(SWIFT_TEST_FLAGS)
ifeq ($(HAVE_MPI),yes)
	$(MAKE) test-mpi
else
	@echo "Open MPI not installed: skipped the MPI sharding test (make deps-mpi test-mpi)"
endif

# The MPI trait's build (its own scratch folder, so the default build stays MPI-free) and the
# sharding tests, 3-rank mpirun check included.
test-mpi:
	swift test $(SWIFT_TEST_FLAGS) --traits MPI --scratch-path .build/mpi --filter 'Sharding'

# Accuracy and speed benchmarks; writes BENCHMARKS.md. DATA defaults to ../shared/data.
DATA ?= ../shared/data
bench: deps
	swift build -c release
	bash Benchmarks/run.sh $(DATA)

# libFuzzer targets (Fuzz/: manifest parser, delimited text, .npy, .npz, checkpoint), each for
# SECONDS seconds from the repository's fixtures; fails on any crash, trap or hang. See RELIABILITY.md.
SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(SECONDS)

# Kills `train` on gps with SIGKILL at random moments, resumes, and compares with an uninterrupted
# run (not part of `make test`: it needs DATA). KILLS sets the number of kills. Built with the test
# flags, so that it shares `make test`'s build instead of recompiling everything.
KILLS ?= 5
soak: deps
	swift build $(SWIFT_TEST_FLAGS)
	bash scripts/soak.sh $(DATA) $(KILLS)

clean:
	rm -rf .build runs
