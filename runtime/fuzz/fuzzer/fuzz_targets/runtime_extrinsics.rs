//! libFuzzer's entry point: each input is one run of the GridVeil runtime from
//! the `development` genesis (see `runtime/fuzz/README.md` for the format and
//! the invariants).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gridveil_runtime_fuzz::run(data));
