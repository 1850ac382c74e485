# Entry points for people and CI. `make run` and `make test` work on a fresh
# Debian machine: both install what is missing first (scripts/setup.sh), and
# `make run` installs and builds only what serving needs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
CONFIG     ?= config/switchboard.ini
JOBS       ?= $(shell nproc)

.PHONY: setup setup-run setup-package configure build run test test-release test-asan \
        test-web build-asan package install bench clean

setup:
	@./scripts/setup.sh test

setup-run:
	@./scripts/setup.sh run

setup-package:
	@./scripts/setup.sh package

# Configured again each time (a few seconds): a tree first configured by
# `make run`, without GoogleTest, gets its tests once `make test` installed it.
configure:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: setup configure
	cmake --build $(BUILD) -j $(JOBS)

## Builds the server (and the example typing plugin) in Release and runs it
## on http://localhost:8080 with the embedded in-memory broker, the demo's
## notification route and the typing plugin loaded. Stop it with Ctrl-C.
run: setup-run configure
	cmake --build $(BUILD) -j $(JOBS) --target switchboard typing
	./$(BUILD)/switchboard --config-file=$(CONFIG) --demo.enabled \
	  --plugins.load=$(BUILD)/examples/plugins/typing/libtyping.so

## Every test: unit, integration (memory and Redis broker), install,
## package and the bench smoke run in Release; the JavaScript client, the
## Vite plugin, the demo and the SvelteKit example (built, and under vite dev)
## in headless Chromium; then the unit, actor and integration tests again
## under ASan+UBSan (install, package and layers check files, nothing a
## sanitizer would see).
test: test-release test-web test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure

test-web: build
	./web/run-tests.sh

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target switchboard unit_tests integration_tests actor_tests

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -E 'bench|install|package|layers'

## The .deb in build/package/ (see docs/operations.md).
package: setup-package configure
	cmake --build $(BUILD) -j $(JOBS) --target switchboard
	cd $(BUILD) && cpack -G DEB

## Installs under PREFIX (default /usr/local) what the .deb holds.
PREFIX ?= /usr/local
install: setup-run configure
	cmake --build $(BUILD) -j $(JOBS) --target switchboard
	cmake --install $(BUILD) --prefix $(PREFIX)

## The standard benchmark scenarios against Switchboard (memory and Redis
## broker) and the Node.js baseline; writes bench/RESULTS.md. ~8 minutes.
bench: build
	BUILD=$(BUILD) JOBS=$(JOBS) ./bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
