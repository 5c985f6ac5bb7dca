# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
JOBS ?= $(shell nproc)
BUILD ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
CONFIG ?= config/gateway.yaml

# ccache keys on paths relative to the checkout, so a fresh clone elsewhere (CI) reuses the
# objects a previous build of the same sources left in the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_SLOPPINESS := pch_defines,time_macros

.PHONY: all deps build build-test run test unit e2e fuzz release-smoke bench fmt clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DMCPGW_TESTS=OFF

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(TEST_BUILD)/CMakeCache.txt:
	cmake -S . -B $(TEST_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMCPGW_SANITIZE=ON -DMCPGW_TESTS=ON -DMCPGW_BENCH=OFF

build-test: deps $(TEST_BUILD)/CMakeCache.txt
	cmake --build $(TEST_BUILD) -j $(JOBS)

run: build
	@bash scripts/run.sh $(BUILD) $(CONFIG)

# Every test: unit tests (GoogleTest), end-to-end tests against the real binary,
# the conformance suite. Built with ASan and UBSan.
test: build-test
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) fuzz
	$(MAKE) release-smoke

# The Release binary (what `make run` starts) through the conformance suite once per upstream
# transport: the ASan tree above is built without optimisation, and a fault that only the
# optimiser brings out (one did, in a coroutine) would pass it.
release-smoke: build
	node tests/e2e/run_conformance.mjs $(BUILD)/src/cli/mcp-gateway http 1
	node tests/e2e/run_conformance.mjs $(BUILD)/src/cli/mcp-gateway stdio 1

# libFuzzer on the token parser (clang, its own build tree: only the fuzzer is built), for
# FUZZ_SECONDS over a scratch corpus seeded from the committed tests/auth/fuzz_corpus.
$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DMCPGW_FUZZ=ON -DMCPGW_BENCH=OFF

fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) --target auth_token_fuzzer -j $(JOBS)
	mkdir -p $(FUZZ_BUILD)/auth_fuzz_corpus
	@echo "fuzz: auth_token_fuzzer for $(FUZZ_SECONDS) s (log: $(FUZZ_BUILD)/fuzz.log)"
	@$(FUZZ_BUILD)/tests/auth/auth_token_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -timeout=5 -print_final_stats=1 $(FUZZ_BUILD)/auth_fuzz_corpus tests/auth/fuzz_corpus \
	  >$(FUZZ_BUILD)/fuzz.log 2>&1 || { tail -n 60 $(FUZZ_BUILD)/fuzz.log; exit 1; }
	@grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' $(FUZZ_BUILD)/fuzz.log

unit: build-test
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

e2e: build-test
	cd $(TEST_BUILD) && ctest --output-on-failure -L e2e

bench: build
	@bash bench/run.sh $(BUILD)

fmt:
	@find src tests bench examples -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
