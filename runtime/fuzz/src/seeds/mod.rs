//! Seed inputs: scripts in the input format that take the chain where random
//! bytes rarely get it (a registered key, an accepted program, a proof that
//! verifies; a tree with pseudonyms, a closed auction, a day liquidated with
//! signed pages), each record with the outcome it is written to have, so a
//! test can tell when a seed stops doing what its name says.
mod balances;
mod demand_response;
mod market;
mod proofs;
mod script;

use crate::invariants::Applied;
use gridveil_runtime::{
	genesis_config_presets::{TEST_HOUR_LENGTH_MS, TEST_SLOT_LENGTH_MS},
	SLOT_DURATION,
};

/// A seed input and what each of its records is written to do.
#[derive(Clone, Debug)]
pub struct Seed {
	/// What it exercises; the corpus file is `seed-<name>`.
	pub name: String,
	/// The input.
	pub input: Vec<u8>,
	/// The outcome of each record, in order.
	pub expected: Vec<Expect>,
}

/// The outcome a seed's record is written to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
	/// Dispatched and succeeded (for sudo, the inner call too).
	Ok,
	/// Dispatched and failed (for sudo, the inner call).
	Fails,
	/// An unsigned call its authorization or `ValidateUnsigned` refuses.
	Refused,
}

impl Expect {
	/// Whether `applied` is this outcome.
	pub fn matches(&self, applied: &Applied) -> bool {
		matches!(
			(self, applied),
			(Expect::Ok, Applied::Ok)
				| (Expect::Fails, Applied::Failed(_))
				| (Expect::Refused, Applied::Refused)
		)
	}
}

/// Every seed.
pub fn all() -> Vec<Seed> {
	// The seeds count time in blocks of one Aura slot: the market's slot and
	// the demand-response hour of the development preset must be whole slots.
	assert_eq!(TEST_SLOT_LENGTH_MS, SLOT_DURATION, "the seeds assume one market slot per block");
	assert_eq!(
		TEST_HOUR_LENGTH_MS % SLOT_DURATION,
		0,
		"the seeds assume a demand-response hour of whole blocks"
	);
	let mut seeds = Vec::new();
	seeds.extend(demand_response::seeds());
	seeds.extend(market::seeds());
	seeds.extend(balances::seeds());
	seeds
}
