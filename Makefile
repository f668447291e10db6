# rsseg: `make demo` runs the main job on bundled sample data, `make test` runs the tests.
# Both install what is missing first (scripts/bootstrap: Debian packages and libtorch).
SWIFT ?= swift
CONFIG ?= release

.PHONY: bootstrap build demo test bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@$(SWIFT) build -c $(CONFIG) --product rsseg

demo: build
	@scripts/demo

test: bootstrap
	@$(SWIFT) test

bench: build
	@$(SWIFT) run -c release rsseg bench dispatch

clean:
	rm -rf .build
