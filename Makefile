# GridVeil: the two commands are `make demo` and `make test` (`make help`
# lists the rest). Each installs what it needs first and can be run again at
# any time.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/gridveil-target
TOOLS_DIR ?= $(HOME)/.cache/gridveil-tools
ZOMBIE_CLI_VERSION := 0.7.1
NODE := $(CARGO_TARGET_DIR)/release/gridveil-node
CARGO := cargo
# The end-to-end tests mostly wait for blocks (the e2e binary used about a
# fifth of the two cores at four threads): run eight side by side.
TEST_THREADS ?= 8

.PHONY: help demo test test-long setup setup-build build node try-upgrade benchmark-node weights bench-circuits bench-circuits-aarch64 zombie-cli check no-rocksdb edge-aarch64 fuzz performance performance-report privacy privacy-report

## help: what each target does.
help:
	@awk '/^## / { sub(/^## /, ""); print }' $(MAKEFILE_LIST)

## demo: build what is missing, then run the whole product on this machine:
## 4 validators (zombienet-sdk), 51 households with an edge box each, a
## compressed day of demand response and trading, its liquidation and a
## summary. DEMO_ARGS passes options (`gridveil-demo --help`). Installs only
## what building needs (no browser, npm or cross compiler).
DEMO_ARGS ?=
demo: setup-build node
	$(CARGO) run --release --locked --quiet --bin gridveil-demo -- $(DEMO_ARGS)

## test: the unit and node tiers (what CI runs): build everything once
## (release profile), then every test but the long ones, the end-to-end
## tests TEST_THREADS at a time.
test: setup no-rocksdb build edge-aarch64
	$(CARGO) test --release --locked --workspace -- --test-threads=$(TEST_THREADS)

## test-long: the long tier, which CI does not run: the full 9.6-minute demo
## day with validators failing and the load generator's round, one at a time.
test-long: setup build
	$(CARGO) test --release --locked --workspace --test node -- --ignored --test-threads=1

## no-rocksdb: the node links ParityDB only; fail if anything pulls in RocksDB.
no-rocksdb:
	@if $(CARGO) tree --locked --workspace -e normal -i librocksdb-sys >/dev/null 2>&1; then \
		echo "RocksDB is in the dependency tree:"; $(CARGO) tree --workspace -e normal -i librocksdb-sys; exit 1; \
	else echo "no RocksDB in the dependency tree"; fi

## setup-build: what building needs: the wasm targets, rust-src, protoc and
## clang (idempotent; apt-get as root or through sudo).
setup-build:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup target list --installed | grep -qx wasm32v1-none || rustup target add wasm32v1-none
	@rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
	@missing=""; \
	command -v protoc >/dev/null || missing="$$missing protobuf-compiler"; \
	command -v clang >/dev/null || missing="$$missing clang"; \
	ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || missing="$$missing libclang-dev"; \
	$(call apt_install,$$missing)

## setup: setup-build and what the tests need besides: the aarch64 target
## and cross compiler, mosquitto, openssl, chromium, nodejs and npm.
setup: setup-build
	@rustup target list --installed | grep -qx $(EDGE_TARGET) || rustup target add $(EDGE_TARGET)
	@missing=""; \
	command -v aarch64-linux-gnu-gcc >/dev/null || missing="$$missing gcc-aarch64-linux-gnu libc6-dev-arm64-cross"; \
	[ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	$(call apt_install,$$missing)

# Installs the Debian packages named in the shell word $(1), if any.
apt_install = if [ -n "$(1)" ]; then echo "installing:$(1)"; SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1); fi

## build: the node (with its wasm runtime), all test binaries and the
## try-runtime check, in one profile.
build: node try-upgrade
	$(CARGO) test --release --locked --workspace --no-run
## try-upgrade: gridveil-try-upgrade, this build's migrations checked with
## try-runtime on a snapshot of a live chain (`--uri ws://…`). A workspace of
## its own (the runtime with `try-runtime`, native only): the node's runtime
## never gets the feature.
try-upgrade: setup-build
	SKIP_WASM_BUILD=1 $(CARGO) build --release --locked --manifest-path tests/try-upgrade/Cargo.toml

## edge-aarch64: gridveil-edge for the Raspberry Pi (aarch64-unknown-linux-gnu),
## cross-compiled with Debian's gcc-aarch64-linux-gnu as linker and C compiler.
EDGE_TARGET := aarch64-unknown-linux-gnu
edge-aarch64: setup
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
	$(CARGO) build --release --locked -p gridveil-edge --target $(EDGE_TARGET)
	@aarch64-linux-gnu-readelf -h $(CARGO_TARGET_DIR)/$(EDGE_TARGET)/release/gridveil-edge | grep -q 'AArch64' \
		&& ls -l $(CARGO_TARGET_DIR)/$(EDGE_TARGET)/release/gridveil-edge

## node: builds the node and every binary. Always the whole workspace: `-p`
## would resolve other features and recompile most dependencies a second time.
node: setup-build
	$(CARGO) build --release --locked --workspace

## benchmark-node: the node with `runtime-benchmarks`, for `gridveil-node benchmark pallet`
## (which generates weights.rs). Same path as the normal node: `make weights` builds the
## normal one back when it is done; after `make benchmark-node` alone, `touch node/build.rs && make node`.
benchmark-node: setup-build
	$(CARGO) build --release --locked --workspace --features gridveil-node/runtime-benchmarks

## weights: regenerate every GridVeil pallet's weights.rs with the node's `benchmark pallet`
## (which has the zk host function). WEIGHT_PALLETS picks pallets; STEPS/REPEAT the precision.
WEIGHT_PALLETS ?= zk_verifier meter_registry demand_response energy_market validator_set upgrade_authorization
STEPS ?= 17
REPEAT ?= 20
RUNTIME_WASM := $(CARGO_TARGET_DIR)/release/wbuild/gridveil-runtime/gridveil_runtime.compact.compressed.wasm
weights: benchmark-node
	@for pallet in $(WEIGHT_PALLETS); do \
		folder=$$(echo $$pallet | tr _ -); \
		$(NODE) benchmark pallet --runtime $(RUNTIME_WASM) \
			--genesis-builder=runtime --genesis-builder-preset development \
			--pallet pallet_$$pallet --extrinsic '*' --steps $(STEPS) --repeat $(REPEAT) \
			--heap-pages 4096 --template pallets/frame-weight-template.hbs \
			--output pallets/$$folder/src/weights.rs || exit 1; \
	done
	@# The benchmark node went to the node's own path: build the real one back
	@# (touching build.rs forces cargo to relink it even if nothing else changed).
	touch node/build.rs
	$(MAKE) node

## performance: the load generator's whole suite into docs/performance.md (about
## an hour on 2 cores, plus about 45 minutes the first time to prove and cache
## 10,000 real proofs): DR rounds of 500 to 4,000 and 10,000 prosumers, single
## and batched, on a --dev node and on the 4-validator network; a trading slot
## of 5,000 prosumers x 8 shares, reported directly and relayed, and relayed at
## 40, 80 and 120 % of capacity; finality lag on the 4 validators, one of them
## paused too; the edge box. LOADGEN_ARGS adds options
## (`gridveil-loadgen all --help`).
LOADGEN_ARGS ?=
performance: setup node
	$(CARGO_TARGET_DIR)/release/gridveil-loadgen all $(LOADGEN_ARGS)

## performance-report: docs/performance.md again from docs/performance/results.json
## and the generated weights, without measuring (builds only the load
## generator if it is missing, never the node).
performance-report: setup
	$(CARGO) run --release --locked --quiet --bin gridveil-loadgen -- report

## privacy: the privacy evaluation into docs/privacy.md (about 90 minutes): the
## paper's profiling experiment (its Figure 7) on the reference dataset, with the
## paper's split and the edge client's; rotation's sweep; then the demo on 4
## validators with 51 real edge boxes and 5 ledgers a group, three days with the
## defences on (the cross-day linker on the chain's days) and one day off, attacked
## from what the chain published. PRIVACY_ARGS adds options
## (`gridveil-privacy all --help`; `--skip-chain` for the paper's part only).
PRIVACY_ARGS ?=
privacy: setup node
	$(CARGO_TARGET_DIR)/release/gridveil-privacy all $(PRIVACY_ARGS)

## privacy-report: docs/privacy.md again from docs/privacy/results.json.
privacy-report: setup
	$(CARGO) run --release --locked --quiet --bin gridveil-privacy -- report

## bench-circuits: the deviation circuit's figures (v2 against v1; constraints, proving time,
## peak RSS, verify time).
bench-circuits:
	$(CARGO) bench --locked --workspace --bench deviation

## bench-circuits-aarch64: the same figures from the Raspberry Pi's aarch64 build, run here
## under qemu-user: EMULATED, so its times say how the two circuits compare, not what a Pi takes.
bench-circuits-aarch64: setup
	@command -v qemu-aarch64 >/dev/null || { $(call apt_install,qemu-user); }
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
	$(CARGO) bench --locked -p gridveil-circuits --bench deviation --target $(EDGE_TARGET) --no-run
	@bench=$$(ls -t $(CARGO_TARGET_DIR)/$(EDGE_TARGET)/release/deps/deviation-* | grep -v '\.d$$' | head -1); \
	echo "EMULATED: $$bench under qemu-aarch64"; \
	qemu-aarch64 -L /usr/aarch64-linux-gnu "$$bench" --bench

## zombie-cli: the Rust zombienet CLI, installed once into $(TOOLS_DIR).
zombie-cli:
	@if ! "$(TOOLS_DIR)/bin/zombie-cli" --version 2>/dev/null | grep -q "$(ZOMBIE_CLI_VERSION)"; then \
		echo "installing zombie-cli $(ZOMBIE_CLI_VERSION) into $(TOOLS_DIR)"; \
		$(CARGO) install --locked --root "$(TOOLS_DIR)" zombie-cli --version "$(ZOMBIE_CLI_VERSION)"; \
	fi

## check: type-check everything quickly, without building the wasm runtime.
## (Its own artifacts: the first run compiles the dependencies in check mode.)
check: setup-build
	SKIP_WASM_BUILD=1 $(CARGO) check --locked --workspace --all-targets

## fuzz: coverage-guided fuzzing of the runtime's extrinsics for FUZZ_SECONDS
## (runtime/fuzz/README.md), from and into the committed corpus. Needs nightly
## and cargo-fuzz (installed once into $(TOOLS_DIR)). Its own target dir: the
## sanitizer flags would otherwise rebuild what the other targets share. The
## lockfile is the workspace's, so the fuzzer builds the same versions.
FUZZ_SECONDS ?= 3600
# New inputs go here; the committed seeds in runtime/fuzz/corpus/ are read only.
FUZZ_CORPUS ?= $(CARGO_TARGET_DIR)/fuzz/corpus
fuzz:
	mkdir -p $(FUZZ_CORPUS)
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || [ -x "$(TOOLS_DIR)/bin/cargo-fuzz" ] || \
		$(CARGO) install --locked --root "$(TOOLS_DIR)" cargo-fuzz
	cp Cargo.lock runtime/fuzz/fuzzer/Cargo.lock
	cd runtime/fuzz/fuzzer && PATH="$(TOOLS_DIR)/bin:$$PATH" SKIP_WASM_BUILD=1 \
		CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)/fuzz \
		$(CARGO) +nightly fuzz run --fuzz-dir . runtime_extrinsics $(FUZZ_CORPUS) ../corpus/runtime_extrinsics -- \
		-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1
