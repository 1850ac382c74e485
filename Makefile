# Entry points for people and CI. `make run` and `make test` work on a fresh
# Debian machine: both install what is missing first (scripts/setup.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
CONFIG     ?= config/switchboard.ini
JOBS       ?= $(shell nproc)

.PHONY: setup build run test test-release test-asan build-asan clean

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

## Every test: unit and integration, in Release and under ASan+UBSan.
test: test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
