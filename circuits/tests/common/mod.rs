//! One setup shared by the tests of a test binary (setup is the slow part).
#![allow(dead_code)]
use gridveil_circuits::{fixture, keys, DeviationProvingKey, Witness, READINGS_PER_HOUR};
use rand::{rngs::StdRng, SeedableRng};
use std::sync::OnceLock;

/// The witness of the vectors: hour 9 requests 1900 Wh, the meter reads 1060 Wh.
pub fn witness() -> Witness {
	fixture::example_witness()
}

/// A deterministic RNG for reproducible keys.
pub fn rng(seed: u64) -> StdRng {
	StdRng::seed_from_u64(seed)
}

/// The L = 4 proving key, made once per test binary.
pub fn proving_key() -> &'static DeviationProvingKey {
	static KEY: OnceLock<DeviationProvingKey> = OnceLock::new();
	KEY.get_or_init(|| keys::setup(READINGS_PER_HOUR, &mut rng(1)).expect("setup"))
}
