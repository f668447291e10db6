# rsseg: `make demo` runs the main job on bundled sample data, `make test` runs the tests.
# Both install what is missing first (scripts/bootstrap: Debian packages and libtorch).
SWIFT ?= swift
CONFIG ?= release

.PHONY: bootstrap build demo test bench fuzz clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@$(SWIFT) build -c $(CONFIG) --product rsseg

demo: build
	@scripts/demo

# The browser test of `rsseg serve` needs Debian's chromium (scripts/install-test-browser).
test: bootstrap
	@scripts/install-test-browser
	@$(SWIFT) test

bench: build
	@$(SWIFT) run -c release rsseg bench dispatch

# libFuzzer targets (Fuzz/), each run FUZZ_SECONDS one after the other; see Fuzz/README.md.
FUZZ_SECONDS ?= 600
fuzz: bootstrap
	@SWIFT=$(SWIFT) Fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-fuzz
