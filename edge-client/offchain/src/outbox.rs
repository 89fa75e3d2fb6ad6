//! The outbox's durable half: every extrinsic a role sends is written here
//! before it is sent, and leaves only when the chain's finalized state shows
//! it (the chain client's `delivery` worker sends it), so each one lands
//! exactly once across outages and restarts.
//!
//! An entry holds an encoded call, the label of the key that signs it, when
//! it may go out and what happened to it; it knows nothing of what the call
//! means. Its kind (`submit_deviation`, `report_share`…) names it in logs and
//! metrics, never its values.
use serde::{Deserialize, Serialize};
use subxt_signer::sr25519::Keypair;

use crate::store::{Store, StoreError, Table, Writer};

/// Extrinsics waiting to be final, by sequence number (JSON).
pub const OUTBOX: Table = Table::new("outbox");
/// Extrinsics that are final or expired, by sequence number (JSON).
pub const RETIRED: Table = Table::new("retired");
/// The outbox's tables, for [`Store::open`].
pub const TABLES: [Table; 2] = [OUTBOX, RETIRED];

/// The state key counting expired entries.
pub const EXPIRED_COUNT: &str = "outbox/expired";
/// The state key of the next outbox sequence number.
const NEXT_ENTRY: &str = "outbox/next";

/// A call as the chain's metadata encodes it (pallet index, call index,
/// arguments), with the name of its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
	/// What it is, for logs and metrics (`report_share`): never a value.
	pub kind: String,
	/// The SCALE-encoded call (hex in the store).
	#[serde(with = "hex_bytes")]
	pub encoded: Vec<u8>,
}

impl Call {
	/// A call of `kind` encoded as `encoded`.
	pub fn new(kind: impl Into<String>, encoded: Vec<u8>) -> Self {
		Self { kind: kind.into(), encoded }
	}
}

/// A signed extrinsic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
	/// Its nonce.
	pub nonce: u64,
	/// The extrinsic, hex.
	pub extrinsic: String,
	/// Its hash, hex.
	pub hash: String,
	/// The runtime it was signed for, `(spec_version, transaction_version)`
	/// (both are in the signed payload: an upgrade makes the signature
	/// invalid). `None` in entries signed before boxes recorded it.
	#[serde(default)]
	pub runtime: Option<(u32, u32)>,
}

/// One outbox entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
	/// What to send.
	pub call: Call,
	/// Who signs it: a label the role's [`Keyring`] knows.
	pub signer: String,
	/// Not sent before this moment (ms since the epoch).
	pub not_before_ms: u64,
	/// Not sent while the node's best block is older than this (ms since the
	/// epoch): the pool checks a call against the best block's clock, and a
	/// restarted node may serve a block from before the call's moment.
	#[serde(default)]
	pub chain_not_before_ms: u64,
	/// Set once signed.
	pub signed: Option<Signed>,
	/// Seen in a best block.
	pub in_block: bool,
	/// Times sent to a node.
	pub sends: u32,
	/// A storage key (hex) whose value means the call's effect is on chain
	/// already, by another way (a share its coordinator relayed in a
	/// batch): once the finalized state holds it the entry retires unsent,
	/// and while only the best block does it waits.
	#[serde(default)]
	pub done_when_stored: Option<String>,
	/// The pool's last answer when it did not take the signed bytes
	/// ("temporarily banned", "Priority is too low"…), for the status pages.
	#[serde(default)]
	pub last_answer: Option<String>,
}

impl Entry {
	/// A new entry.
	pub fn new(call: Call, signer: impl Into<String>, not_before_ms: u64) -> Self {
		Self {
			call,
			signer: signer.into(),
			not_before_ms,
			chain_not_before_ms: 0,
			signed: None,
			in_block: false,
			sends: 0,
			done_when_stored: None,
			last_answer: None,
		}
	}

	/// The same entry, done without being sent once `key` is in the
	/// chain's storage.
	pub fn done_when_stored(mut self, key: &[u8]) -> Self {
		self.done_when_stored = Some(hex::encode(key));
		self
	}

	/// The same entry, held back until the chain's clock reaches `moment`.
	pub fn after_chain_time(mut self, moment: u64) -> Self {
		self.chain_not_before_ms = moment;
		self
	}
}

/// A retired entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
	/// The entry as it was last.
	pub entry: Entry,
	/// When it retired (ms).
	pub retired_ms: u64,
	/// Why it expired; `None` when it is final on chain.
	pub expired: Option<String>,
	/// Whether its effect came on chain another way and it was never
	/// sent ([`Entry::done_when_stored`]).
	#[serde(default)]
	pub done_elsewhere: bool,
}

/// The keys a role signs its entries with, by [`Entry::signer`] label.
pub trait Keyring: Send + Sync {
	/// The key labelled `signer`, if the role has it (derived on demand,
	/// so owned).
	fn key(&self, signer: &str) -> Option<Keypair>;
}

/// Outbox sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
	/// Waiting to be sent or signed but not yet seen in a block.
	pub pending: u64,
	/// Seen in a best block, not yet final.
	pub in_flight: u64,
	/// Final.
	pub retired: u64,
	/// Given up (the chain refused them for good, e.g. a report window that closed).
	pub expired: u64,
	/// The oldest entry not yet in a block: what a stuck outbox waits on.
	pub oldest_pending: Option<PendingEntry>,
}

/// What the status pages show of an entry waiting to be sent or included:
/// its kind and delivery state, never its call's values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PendingEntry {
	/// Its sequence number.
	pub id: u64,
	/// Its call's kind.
	pub kind: String,
	/// Not sent before this moment (ms since the epoch).
	pub not_before_ms: u64,
	/// Its nonce once signed.
	pub nonce: Option<u64>,
	/// The runtime it is signed for.
	pub signed_for: Option<(u32, u32)>,
	/// Times sent to a node.
	pub sends: u32,
	/// The pool's last answer when it did not take the entry.
	pub last_answer: Option<String>,
}

impl PendingEntry {
	fn of(id: u64, entry: &Entry) -> Self {
		Self {
			id,
			kind: entry.call.kind.clone(),
			not_before_ms: entry.not_before_ms,
			nonce: entry.signed.as_ref().map(|signed| signed.nonce),
			signed_for: entry.signed.as_ref().and_then(|signed| signed.runtime),
			sends: entry.sends,
			last_answer: entry.last_answer.clone(),
		}
	}
}

/// Every entry still in the outbox, in sequence order.
pub fn entries(store: &Store) -> Result<Vec<(u64, Entry)>, StoreError> {
	store.records(OUTBOX, 0..u64::MAX)
}

/// Entry `id`, if it is still in the outbox.
pub fn entry(store: &Store, id: u64) -> Result<Option<Entry>, StoreError> {
	store.record(OUTBOX, id)
}

/// The hash of entry `id` if it is final on chain (not pending, not expired).
pub fn final_transaction(store: &Store, id: u64) -> Result<Option<String>, StoreError> {
	/// The part of a retired record this reads, so records written before
	/// calls were stored encoded still read.
	#[derive(Deserialize)]
	struct Outcome {
		entry: SignedPart,
		expired: Option<String>,
	}
	#[derive(Deserialize)]
	struct SignedPart {
		signed: Option<Signed>,
	}
	let Some(retired) = store.record::<Outcome>(RETIRED, id)? else { return Ok(None) };
	Ok(retired
		.expired
		.is_none()
		.then_some(retired.entry.signed)
		.flatten()
		.map(|signed| format!("0x{}", signed.hash)))
}

/// How many entries are pending, in flight, final and expired.
pub fn counts(store: &Store) -> Result<OutboxCounts, StoreError> {
	let mut counts = OutboxCounts::default();
	for (id, entry) in entries(store)? {
		if entry.in_block {
			counts.in_flight += 1;
		} else {
			counts.pending += 1;
			if counts.oldest_pending.is_none() {
				counts.oldest_pending = Some(PendingEntry::of(id, &entry));
			}
		}
	}
	let total = store.count(RETIRED)?;
	counts.expired = store.state::<u64>(EXPIRED_COUNT)?.unwrap_or(0);
	counts.retired = total.saturating_sub(counts.expired);
	Ok(counts)
}

/// Adds an entry to the outbox in `writer`'s transaction; returns its
/// sequence number.
pub fn enqueue(writer: &mut Writer<'_>, entry: &Entry) -> Result<u64, StoreError> {
	let id = writer.state::<u64>(NEXT_ENTRY)?.unwrap_or(0);
	writer.put_state(NEXT_ENTRY, &(id + 1))?;
	update(writer, id, entry)?;
	Ok(id)
}

/// Replaces outbox entry `id`.
pub fn update(writer: &mut Writer<'_>, id: u64, entry: &Entry) -> Result<(), StoreError> {
	writer.put_record(OUTBOX, id, entry)
}

/// Moves entry `id` from the outbox to the retired table.
pub fn retire(writer: &mut Writer<'_>, id: u64, retired: &Retired) -> Result<(), StoreError> {
	writer.remove_record(OUTBOX, id)?;
	writer.put_record(RETIRED, id, retired)?;
	if retired.expired.is_some() {
		let expired = writer.state::<u64>(EXPIRED_COUNT)?.unwrap_or(0);
		writer.put_state(EXPIRED_COUNT, &(expired + 1))?;
	}
	Ok(())
}

/// Encoded calls as hex strings in the JSON records.
mod hex_bytes {
	use serde::{Deserialize, Deserializer, Serializer};

	/// The bytes as a hex string.
	pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&hex::encode(bytes))
	}

	/// The bytes of a hex string.
	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
		let text = String::deserialize(deserializer)?;
		hex::decode(text).map_err(serde::de::Error::custom)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn entry(byte: u8) -> Entry {
		Entry::new(Call::new("remark", vec![0, 7, byte]), "device", 0)
	}

	#[test]
	fn entries_count_as_pending_in_flight_final_or_expired() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("outbox.redb"), &TABLES).unwrap();
		let ids: Vec<u64> = (0..4u8)
			.map(|byte| store.write(|writer| enqueue(writer, &entry(byte))).unwrap())
			.collect();
		assert_eq!(ids, vec![0, 1, 2, 3]);
		let mut signed = entry(0);
		signed.signed = Some(Signed {
			nonce: 0,
			extrinsic: "00".into(),
			hash: "ab".into(),
			runtime: Some((104, 3)),
		});
		let retired =
			Retired { entry: signed, retired_ms: 1, expired: None, done_elsewhere: false };
		let expired = Retired {
			entry: entry(1),
			retired_ms: 1,
			expired: Some("closed".into()),
			done_elsewhere: false,
		};
		let mut in_block = entry(2);
		in_block.in_block = true;
		store
			.write(|writer| {
				retire(writer, 0, &retired)?;
				retire(writer, 1, &expired)?;
				update(writer, 2, &in_block)
			})
			.unwrap();
		assert_eq!(
			counts(&store).unwrap(),
			OutboxCounts {
				pending: 1,
				in_flight: 1,
				retired: 1,
				expired: 1,
				oldest_pending: Some(PendingEntry {
					id: 3,
					kind: "remark".into(),
					not_before_ms: 0,
					nonce: None,
					signed_for: None,
					sends: 0,
					last_answer: None,
				}),
			}
		);
		assert_eq!(final_transaction(&store, 0).unwrap().as_deref(), Some("0xab"));
		assert_eq!(final_transaction(&store, 1).unwrap(), None);
		assert_eq!(final_transaction(&store, 2).unwrap(), None);
		let left: Vec<u64> = entries(&store).unwrap().into_iter().map(|(id, _)| id).collect();
		assert_eq!(left, vec![2, 3]);
		assert_eq!(entries(&store).unwrap()[1].1, entry(3));
	}

	#[test]
	fn a_retired_record_from_before_encoded_calls_still_names_its_transaction() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("outbox.redb"), &TABLES).unwrap();
		let legacy = serde_json::json!({
			"entry": {
				"call": { "ReportShare": { "slot": 5, "energy_wh": -3 } },
				"sender": { "Pseudonym": 1 },
				"not_before_ms": 0,
				"signed": { "nonce": 4, "extrinsic": "00", "hash": "cd" },
				"in_block": true,
				"sends": 1
			},
			"retired_ms": 9,
			"expired": null
		});
		store.write(|writer| writer.put_record(RETIRED, 7, &legacy)).unwrap();
		assert_eq!(final_transaction(&store, 7).unwrap().as_deref(), Some("0xcd"));
		assert_eq!(counts(&store).unwrap().retired, 1);
	}
}
