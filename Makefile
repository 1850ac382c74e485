# Entry points for people and CI. `make run` and `make test` work on a fresh
# Debian machine: both install what is missing first (scripts/setup.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
CONFIG     ?= config/switchboard.ini
JOBS       ?= $(shell nproc)

.PHONY: setup build run test test-release test-asan test-web build-asan bench clean

setup:
	@./scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

## Builds in Release and runs the service on http://localhost:8080 with the
## embedded in-memory broker. Stop it with Ctrl-C.
run: build
	./$(BUILD)/switchboard --config-file=$(CONFIG)

## Every test: unit, integration (memory and Redis broker) and the bench
## smoke run in Release; the JavaScript client, demo and Svelte example in
## headless Chromium; then unit and integration again under ASan+UBSan.
test: test-release test-web test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure

test-web: build
	./web/run-tests.sh

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target switchboard unit_tests integration_tests

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -E bench

## The standard benchmark scenarios against Switchboard (memory and Redis
## broker) and the Node.js baseline; writes bench/RESULTS.md. ~8 minutes.
bench: build
	BUILD=$(BUILD) JOBS=$(JOBS) ./bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
