# Entry points for people and CI. `make run` and `make test` work on a fresh
# Debian machine: both install what is missing first (scripts/setup.sh), and
# `make run` installs and builds only what serving needs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CONFIG     ?= config/switchboard.ini
JOBS       ?= $(shell nproc)

.PHONY: setup setup-run setup-package configure build run test test-release test-asan \
        test-web test-fuzz build-asan build-fuzz fuzz package install bench soak clean

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
## sanitizer would see); then every fuzz target for a few seconds. The ASan
## and fuzz trees compile at low priority while the Release and browser tests
## run (scripts/test-all.sh).
test:
	BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) JOBS=$(JOBS) \
	  ./scripts/test-all.sh

# Two at a time: the longest tests (integration on either broker) mostly
# wait on sockets and child processes, so they run side by side (Release:
# 73 s for all, against 25 s + 62 s for the two integration runs alone).
test-release: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

test-web: build
	SWITCHBOARD_BIN=$(abspath $(BUILD))/switchboard ./web/run-tests.sh

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON

# The integration tests drive the server binary from outside, over sockets:
# what a sanitizer must watch there is the server, not the test client (the
# one exception, redis_client_test, runs the Redis client in the test
# process; the server's Redis tests run that client under ASan). So
# the ASan tree builds the server and the in-process tests (unit, actors),
# and the Release tree's integration tests run against its server
# (SWITCHBOARD_TEST_BIN). Compiling the 50 integration test files again
# under ASan was a quarter of that tree's build.
build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target switchboard unit_tests actor_tests

ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test-asan: build build-asan
	cd $(ASAN_BUILD) && $(ASAN_ENV) ctest -j $(JOBS) --output-on-failure -R '^(unit|actors)$$'
	cd $(BUILD) && $(ASAN_ENV) SWITCHBOARD_TEST_BIN=$(abspath $(ASAN_BUILD))/switchboard \
	  SWITCHBOARD_TEST_SANITIZED=1 ctest -j $(JOBS) --output-on-failure -R '^integration-'

# The libFuzzer targets (fuzz/, docs/fuzzing.md): a clang tree of their own.
$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_FUZZ=ON

build-fuzz: setup $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

## Every fuzz target for FUZZ_SMOKE_SECONDS (default 5) over its seeds, so
## that none of them rots (part of `make test`).
FUZZ_SMOKE_SECONDS ?= 5
test-fuzz: build-fuzz
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

## Every fuzz target for FUZZ_SECONDS each (default 60); FUZZ_TARGETS
## chooses some (e.g. FUZZ_TARGETS="jwt config").
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: build-fuzz
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

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
## broker) and the Node.js baseline; writes bench/RESULTS.md. ~10 minutes.
bench: build
	BUILD=$(BUILD) JOBS=$(JOBS) ./bench/run.sh

## The soak (docs/soak.md): one node on Redis, 15,000 sockets over 1,500
## rooms, chat traffic and 100 reconnects/s for SOAK_MINUTES (default 30);
## writes bench/soak/. Not part of `make test`.
SOAK_MINUTES ?= 30
soak: build
	SOAK_MINUTES=$(SOAK_MINUTES) BUILD=$(BUILD) JOBS=$(JOBS) ./bench/soak.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
