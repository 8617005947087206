# HyperLearn: `make demo` trains on the bundled drug dataset; `make test` runs every test.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev
DEMO_OUT ?= runs/demo

.PHONY: demo test deps

# Installs the BLAS/LAPACK headers when they are missing (apt-get, as root), else says what to install.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "missing:$$missing; install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

demo: deps
	$(SWIFT) build -c release --product hyperlearn
	rm -rf $(DEMO_OUT)
	.build/release/hyperlearn train --out $(DEMO_OUT)
	@echo "results in $(DEMO_OUT): metrics.json, training-curve.svg, embeddings/ (export with: .build/release/hyperlearn export $(DEMO_OUT) --format projector)"

test: deps
	$(SWIFT) test
