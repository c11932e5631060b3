# The README's two commands:
#   make verify   installs missing Debian packages, builds synod-check, runs the default model checks
#   make test     the same set-up, then the whole test suite (ctest)
# Other targets: build, soak (the property tests, fresh random seeds, for
# SOAK_MINUTES, default 10; prints the seed of any failure), mutants, bench,
# asan, coverage (kernel lines and branches the model checks reach), clean.

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps test-deps configure build verify test soak mutants bench asan coverage clean

all: build

deps:
	@bash tools/install-deps.sh

test-deps:
	@bash tools/install-deps.sh --test

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Only what the model checks need (synod-check), not the test suites.
verify: configure
	@cmake --build $(BUILD) -j $(JOBS) --target synod-check
	@bash tools/verify.sh $(BUILD) $(SPECS)

test: test-deps build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Builds only the property tests and the replayer.
soak: configure
	@cmake --build $(BUILD) -j $(JOBS) --target properties_raft properties_paxos synod-replay
	@SOAK_JOBS=$${SOAK_JOBS:-$(JOBS)} bash tests/properties/soak.sh $(BUILD)

mutants: build
	@bash tests/mutants/run.sh

bench: build
	@bash tools/bench.sh $(BUILD)

asan:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DSYNOD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"

# Which kernel lines and branches the model checks reach (gcovr): the
# default specs, or SPECS="..."; the report goes to build-cov/coverage/.
coverage:
	@bash tools/install-deps.sh --coverage
	@bash tools/coverage.sh build-cov $(SPECS)

clean:
	rm -rf build build-asan build-cov
