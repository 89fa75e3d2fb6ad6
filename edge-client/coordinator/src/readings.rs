//! The meters' signed slot readings. A member's meter (or its gateway, or the
//! member's box relaying it) hands the coordinator each 15-minute reading
//! signed with the meter's registered P-256 key (`gridveil_p256::
//! slot_reading_message`); the coordinator checks the signature against the
//! key on chain and keeps the reading until its slot is checked. Readings are
//! secrets of the members: they stay in this store, never in a log or a
//! metric, and never on chain.
use gridveil_offchain::{
	chain::{AtBlock, Chain, ChainError, MeterStatus},
	store::{Store, StoreError, Table},
};
use redb::TableDefinition;
use serde::{Deserialize, Serialize};

use crate::members::Member;

/// Checked readings by [`reading_key`].
pub const READINGS: Table = TableDefinition::new("slot_readings");

/// A reading as the meter signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotReading {
	/// The meter.
	pub meter_id: u64,
	/// The end of the interval, ms since the epoch.
	pub slot_end_ms: u64,
	/// Energy taken from the grid in the interval, Wh.
	pub import_wh: u64,
	/// Energy fed into the grid in the interval, Wh.
	pub export_wh: u64,
	/// The meter's P-256 signature (r ‖ s, low S), hex.
	pub signature: String,
}

impl SlotReading {
	/// Net energy, Wh: positive consumed.
	pub fn net_wh(&self) -> i64 {
		i64::try_from(self.import_wh).unwrap_or(i64::MAX)
			- i64::try_from(self.export_wh).unwrap_or(i64::MAX)
	}

	/// The message the meter signed.
	pub fn message(&self) -> [u8; gridveil_p256::SLOT_READING_BYTES] {
		gridveil_p256::slot_reading_message(
			self.meter_id,
			self.slot_end_ms,
			self.import_wh,
			self.export_wh,
		)
	}
}

/// Why a reading was not kept.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
	/// No member of this group has this meter.
	#[error("the meter is not a member's")]
	NotAMember,
	/// The chain has no meter with this id.
	#[error("the meter is not registered")]
	UnknownMeter,
	/// The registrar revoked the meter.
	#[error("the meter is revoked")]
	Revoked,
	/// The interval's end is not a slot boundary.
	#[error("the interval does not end on a slot boundary")]
	NotASlot,
	/// The signature is malformed or not the meter's.
	#[error("the signature is not the meter's")]
	BadSignature,
	/// The chain could not be read.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

impl Refused {
	/// A short name for metrics.
	pub fn reason(&self) -> &'static str {
		match self {
			Refused::NotAMember => "not_a_member",
			Refused::UnknownMeter => "unknown_meter",
			Refused::Revoked => "revoked",
			Refused::NotASlot => "not_a_slot",
			Refused::BadSignature => "bad_signature",
			Refused::Chain(_) => "chain",
			Refused::Store(_) => "store",
		}
	}
}

/// The store key of member `member`'s reading of `slot`.
pub fn reading_key(slot: u32, member: usize) -> u64 {
	(u64::from(slot) << 20) | (member as u64 & 0xf_ffff)
}

/// Checks `reading` against its meter's key at `block` and keeps it; returns
/// the slot it is for. A reading kept before is kept as it was.
pub async fn accept(
	store: &Store,
	block: &AtBlock,
	members: &[Member],
	slot_length_ms: u64,
	reading: SlotReading,
) -> Result<u32, Refused> {
	let member = members
		.iter()
		.position(|member| member.meter_id == reading.meter_id)
		.ok_or(Refused::NotAMember)?;
	if slot_length_ms == 0 || reading.slot_end_ms % slot_length_ms != 0 || reading.slot_end_ms == 0
	{
		return Err(Refused::NotASlot);
	}
	let slot =
		u32::try_from(reading.slot_end_ms / slot_length_ms - 1).map_err(|_| Refused::NotASlot)?;
	let meter = Chain::meter(block, reading.meter_id).await?.ok_or(Refused::UnknownMeter)?;
	if meter.status == MeterStatus::Revoked {
		return Err(Refused::Revoked);
	}
	// Either of an ECDSA signature's two forms is the meter's; the low-S one is kept.
	let signature = hex::decode(&reading.signature)
		.ok()
		.and_then(|signature| gridveil_p256::low_s(&signature).ok())
		.ok_or(Refused::BadSignature)?;
	match gridveil_p256::verify(&meter.key, &reading.message(), &signature) {
		Ok(true) => {},
		_ => return Err(Refused::BadSignature),
	}
	let reading = SlotReading { signature: hex::encode(signature), ..reading };
	let key = reading_key(slot, member);
	store.write(|writer| {
		if writer.record::<SlotReading>(READINGS, key)?.is_none() {
			writer.put_record(READINGS, key, &reading)?;
		}
		Ok(())
	})?;
	Ok(slot)
}

/// The kept readings of `slot`, by member index.
pub fn of_slot(store: &Store, slot: u32) -> Result<Vec<(usize, SlotReading)>, StoreError> {
	let first = reading_key(slot, 0);
	Ok(store
		.records::<SlotReading>(READINGS, first..first + (1 << 20))?
		.into_iter()
		.map(|(key, reading)| ((key & 0xf_ffff) as usize, reading))
		.collect())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reading_keys_sort_by_slot_then_member() {
		assert!(reading_key(5, 900) < reading_key(6, 0));
		assert_eq!(reading_key(6, 3) & 0xf_ffff, 3);
	}

	#[test]
	fn the_message_is_the_profiles() {
		let reading = SlotReading {
			meter_id: 7,
			slot_end_ms: 900_000,
			import_wh: 120,
			export_wh: 20,
			signature: String::new(),
		};
		assert_eq!(reading.net_wh(), 100);
		let message = reading.message();
		assert!(message.starts_with(b"GRIDVEIL-METER-SLOT-READ-1"));
		assert_eq!(message[message.len() - 8..], 20u64.to_be_bytes());
	}
}
