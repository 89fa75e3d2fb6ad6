//! The registration stage: before each trading day (and on the day itself if
//! it is late), one sorted batch per ledger of the members' pseudonyms of that
//! day, queued in the outbox in the same transaction that records the day as
//! done, so a crash or a restart neither loses nor repeats a registration.
//! Pseudonyms the chain already holds (an operator registered them by hand)
//! are left out, so the batch is not refused for them.
use anyhow::{Context as _, Result};
use gridveil_offchain::{
	chain::{AtBlock, CallEncoder, Chain},
	outbox::{self, Call, Entry},
	store::Store,
};
use subxt::{dynamic, utils::AccountId32};

use crate::members::{self, Member};

/// The kind of a registration's outbox entry (logs and metrics).
pub const REGISTER_PSEUDONYMS: &str = "register_pseudonyms";

/// The signer label of the coordinator's key.
pub const COORDINATOR: &str = "coordinator";

/// The state key that records `day` as registered.
pub fn registered_key(day: u32) -> String {
	format!("registered/{day}")
}

/// `EnergyMarket::register_pseudonyms(ledger, day, pseudonyms)`.
pub fn register_call(
	encoder: &CallEncoder,
	ledger: u32,
	day: u32,
	batch: &[[u8; 32]],
) -> Result<Call> {
	let payload = dynamic::transaction(
		"EnergyMarket",
		"register_pseudonyms",
		vec![
			dynamic::Value::u128(ledger.into()),
			dynamic::Value::u128(day.into()),
			dynamic::Value::unnamed_composite(batch.iter().map(dynamic::Value::from_bytes)),
		],
	);
	Ok(Call::new(REGISTER_PSEUDONYMS, encoder.encode(&payload)?))
}

/// What one day's registration queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queued {
	/// Calls queued.
	pub calls: usize,
	/// Pseudonyms in them.
	pub pseudonyms: usize,
}

/// Queues `day`'s registration unless it is recorded as done; `ledgers` are
/// the group's ledger node ids in order. Returns what it queued, `None` if
/// the day was already done.
pub async fn register_day(
	store: &Store,
	block: &AtBlock,
	members: &[Member],
	ledgers: &[u32],
	day: u32,
) -> Result<Option<Queued>> {
	if store.state::<bool>(&registered_key(day))?.unwrap_or(false) {
		return Ok(None);
	}
	let encoder = CallEncoder::new(block);
	let max_batch = Chain::max_pseudonym_batch(block)?.max(1) as usize;
	let mut calls = Vec::new();
	let mut queued = Queued::default();
	for (ledger, batch) in ledgers.iter().zip(members::day_batches(members, ledgers.len(), day)) {
		let mut missing = Vec::with_capacity(batch.len());
		for pseudonym in batch {
			let registered = Chain::pseudonym(block, &AccountId32(pseudonym))
				.await
				.context("reading a pseudonym's registration")?;
			if registered.is_none() {
				missing.push(pseudonym);
			}
		}
		for chunk in missing.chunks(max_batch) {
			calls.push(register_call(&encoder, *ledger, day, chunk)?);
			queued.pseudonyms += chunk.len();
		}
	}
	queued.calls = calls.len();
	store.write(|writer| {
		for call in calls {
			outbox::enqueue(writer, &Entry::new(call, COORDINATOR, 0))?;
		}
		writer.put_state(&registered_key(day), &true)
	})?;
	Ok(Some(queued))
}
