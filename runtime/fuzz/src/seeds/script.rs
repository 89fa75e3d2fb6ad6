//! Writing seeds: records in the input format with the outcome each should have.
use super::{Expect, Seed};
use crate::{
	block::MAX_BLOCKS,
	input::{self, ALICE, MAX_RECORDS},
};
use gridveil_runtime::{Address, RuntimeCall};

/// A seed being written.
pub(crate) struct Script {
	/// The records so far.
	input: Vec<u8>,
	/// Their outcomes.
	expected: Vec<Expect>,
	/// The lapse of the next record.
	lapse: u8,
	/// Blocks so far.
	blocks: u32,
}

impl Script {
	/// An empty script: its first record goes into block 1.
	pub(crate) fn new() -> Self {
		Self { input: Vec::new(), expected: Vec::new(), lapse: 0, blocks: 1 }
	}

	/// The next record starts a new block `slots` slots (6 s each) later.
	pub(crate) fn wait(&mut self, slots: u8) -> &mut Self {
		assert!(slots > 0 && self.lapse == 0, "one wait of at least a slot between records");
		self.lapse = slots;
		self.blocks += 1;
		self
	}

	/// A record that should succeed.
	pub(crate) fn ok(&mut self, origin: u8, call: impl Into<RuntimeCall>) -> &mut Self {
		self.record(origin, call.into(), Expect::Ok)
	}

	/// A record that should be dispatched and fail.
	pub(crate) fn fails(&mut self, origin: u8, call: impl Into<RuntimeCall>) -> &mut Self {
		self.record(origin, call.into(), Expect::Fails)
	}

	/// An unsigned record its authorization or `ValidateUnsigned` should refuse.
	pub(crate) fn refused(&mut self, call: impl Into<RuntimeCall>) -> &mut Self {
		self.record(input::UNSIGNED, call.into(), Expect::Refused)
	}

	/// The operator (Alice, the sudo key) dispatches `call` as root; it should succeed.
	pub(crate) fn operator_ok(&mut self, call: impl Into<RuntimeCall>) -> &mut Self {
		self.ok(ALICE, sudo(call))
	}

	/// The operator dispatches `call` as root; it should fail.
	pub(crate) fn operator_fails(&mut self, call: impl Into<RuntimeCall>) -> &mut Self {
		self.fails(ALICE, sudo(call))
	}

	/// Appends a record.
	fn record(&mut self, origin: u8, call: RuntimeCall, expect: Expect) -> &mut Self {
		assert!(input::is_allowed(&call), "seeds use only calls the harness runs: {call:?}");
		self.input.extend(input::encode_record(self.lapse, origin, &call));
		self.expected.push(expect);
		self.lapse = 0;
		self
	}

	/// The finished seed.
	pub(crate) fn seed(&self, name: &str) -> Seed {
		assert!(self.lapse == 0, "seed {name} ends with a wait and no record after it");
		assert!(self.expected.len() <= MAX_RECORDS, "seed {name} has too many records");
		assert!(self.blocks <= MAX_BLOCKS, "seed {name} has too many blocks");
		Seed { name: name.into(), input: self.input.clone(), expected: self.expected.clone() }
	}
}

/// `Sudo::sudo(call)`.
pub(crate) fn sudo(call: impl Into<RuntimeCall>) -> RuntimeCall {
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call.into()) })
}

/// The address of a signing origin byte, as calls name accounts.
pub(crate) fn address(origin: u8) -> Address {
	input::account(origin).into()
}
