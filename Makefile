# Thin wrapper over the CMake presets. The two commands a newcomer needs:
#   make run    install what is missing, build, prepare ./var with demo data, serve
#   make test   install what is missing, build with ASan+UBSan, run every test
.PHONY: all deps build run test bench fuzz format clean node-deps

DLA_LISTEN ?= 127.0.0.1:8080
DLA_DATA_DIR ?= ./var
export DLA_LISTEN DLA_DATA_DIR

all: build

deps:
	@bash scripts/install-deps.sh

node-deps: deps
	@bash scripts/node-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default

run: build
	@bash scripts/run.sh

test: deps node-deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan

bench: build node-deps
	@bash tests/bench/run.sh

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@bash tests/fuzz/run.sh build/fuzz

format:
	@find core lti xapi plugins tests -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf build
