//! Outbox entries written before calls were stored encoded: each held its
//! call by its fields (`SubmitDeviation { … }`, `ReportShare { … }`) and its
//! signer as `Device` or `Pseudonym(i)`. A box updated with entries still
//! pending rewrites them once, in one transaction, in today's layout (the
//! call encoded with the chain's metadata, the signer by its label), so
//! nothing it queued is lost or sent twice: an entry that was already signed
//! keeps its signed extrinsic and is sent as it was. That layout predates
//! meter attestations: an unsigned deviation is encoded with an empty one,
//! so the chain refuses it with a precise error (its program has no meter,
//! or the signature is not the meter's) and the outbox records that.
use gridveil_offchain::{
	chain::{CallEncoder, ChainError, SLOTS_PER_DAY},
	outbox::{self, Entry, Signed, OUTBOX},
	store::{Store, StoreError},
};
use serde::Deserialize;

use crate::submit::{report_share, submit_deviation, HourAttestation, Sender, REPORT_SHARE};

/// Why the outbox could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// A call could not be encoded with the chain's metadata.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// A record is neither today's layout nor the earlier one.
	#[error("outbox record {0} is in no known layout")]
	Unknown(u64),
	/// An earlier entry's bytes are not hex.
	#[error("outbox record {0} holds a fingerprint or proof that is not hex")]
	NotHex(u64),
}

/// A call as the earlier layout kept it.
#[derive(Deserialize)]
enum EarlierCall {
	SubmitDeviation {
		program_id: u64,
		hour: u32,
		deviation: u64,
		fingerprint: String,
		proof: String,
	},
	ReportShare {
		slot: u32,
		energy_wh: i64,
	},
}

/// A signer as the earlier layout kept it.
#[derive(Deserialize)]
enum EarlierSender {
	Device,
	Pseudonym(u32),
}

/// An entry as the earlier layout kept it.
#[derive(Deserialize)]
struct EarlierEntry {
	call: EarlierCall,
	sender: EarlierSender,
	not_before_ms: u64,
	#[serde(default)]
	chain_not_before_ms: u64,
	signed: Option<Signed>,
	in_block: bool,
	sends: u32,
}

/// The outbox's records in the earlier layout, by sequence number.
fn earlier_entries(store: &Store) -> Result<Vec<(u64, EarlierEntry)>, UpgradeError> {
	let mut earlier = Vec::new();
	for (id, record) in store.records::<serde_json::Value>(OUTBOX, 0..u64::MAX)? {
		if serde_json::from_value::<Entry>(record.clone()).is_ok() {
			continue;
		}
		let entry = serde_json::from_value(record).map_err(|_| UpgradeError::Unknown(id))?;
		earlier.push((id, entry));
	}
	Ok(earlier)
}

/// How many outbox entries are in the earlier layout (0 on a box that never
/// ran the earlier version, or once [`upgrade_outbox`] has run).
pub fn entries_to_upgrade(store: &Store) -> Result<usize, UpgradeError> {
	Ok(earlier_entries(store)?.len())
}

/// Rewrites every earlier-layout entry in today's layout, encoding its call
/// with `encoder`; all of them or none. Returns how many it rewrote.
pub fn upgrade_outbox(store: &Store, encoder: &CallEncoder) -> Result<usize, UpgradeError> {
	let mut rewritten = Vec::new();
	for (id, earlier) in earlier_entries(store)? {
		// A share goes out under its slot's day pseudonym of its ledger.
		let day = match &earlier.call {
			EarlierCall::ReportShare { slot, .. } => slot / SLOTS_PER_DAY as u32,
			EarlierCall::SubmitDeviation { .. } => 0,
		};
		let call = match earlier.call {
			EarlierCall::SubmitDeviation { program_id, hour, deviation, fingerprint, proof } => {
				let fingerprint: [u8; 32] = hex::decode(&fingerprint)
					.ok()
					.and_then(|bytes| bytes.try_into().ok())
					.ok_or(UpgradeError::NotHex(id))?;
				let proof = hex::decode(&proof).map_err(|_| UpgradeError::NotHex(id))?;
				let unattested = HourAttestation { signature: [0; 64], previous: None };
				submit_deviation(
					encoder,
					program_id,
					hour,
					deviation,
					fingerprint,
					&proof,
					&unattested,
				)?
			},
			EarlierCall::ReportShare { slot, energy_wh } => report_share(encoder, slot, energy_wh)?,
		};
		let signer = match earlier.sender {
			EarlierSender::Device => Sender::Device,
			EarlierSender::Pseudonym(ledger) => Sender::Pseudonym { ledger, day },
		};
		let mut entry = Entry::new(call, signer.label(), earlier.not_before_ms)
			.after_chain_time(earlier.chain_not_before_ms);
		entry.signed = earlier.signed;
		entry.in_block = earlier.in_block;
		entry.sends = earlier.sends;
		rewritten.push((id, entry));
	}
	let count = rewritten.len();
	if count > 0 {
		store.write(|writer| {
			for (id, entry) in &rewritten {
				writer.put_record(OUTBOX, *id, entry)?;
			}
			Ok(())
		})?;
	}
	Ok(count)
}

/// The slot a `report_share` call is for: its first argument, a `u32`
/// after the pallet and call indices.
fn share_slot(call: &outbox::Call) -> Option<u32> {
	let bytes: [u8; 4] = call.encoded.get(2..6)?.try_into().ok()?;
	Some(u32::from_le_bytes(bytes))
}

/// Entries queued before pseudonyms lived one day were signed, or were to be
/// signed, by the box's long-lived pseudonym `i` (label `pseudonym/<i>`).
/// Each such share not yet signed is relabelled to its slot's day pseudonym
/// of ledger `i`, in one transaction; a signed one keeps its bytes (it lands
/// as it was or expires). Returns how many it relabelled.
pub fn relabel_day_pseudonyms(store: &Store) -> Result<usize, UpgradeError> {
	let mut relabelled = Vec::new();
	for (id, mut entry) in outbox::entries(store)? {
		let Some(ledger) = entry.signer.strip_prefix("pseudonym/") else { continue };
		let Ok(ledger) = ledger.parse::<u32>() else { continue };
		if entry.signed.is_some() || entry.call.kind != REPORT_SHARE {
			continue;
		}
		let Some(slot) = share_slot(&entry.call) else { continue };
		entry.signer = Sender::Pseudonym { ledger, day: slot / SLOTS_PER_DAY as u32 }.label();
		relabelled.push((id, entry));
	}
	if !relabelled.is_empty() {
		store.write(|writer| {
			for (id, entry) in &relabelled {
				outbox::update(writer, *id, entry)?;
			}
			Ok(())
		})?;
	}
	Ok(relabelled.len())
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Two entries as the earlier version wrote them (a signed deviation and
	/// an unsigned share), beside one in today's layout.
	fn store_with_earlier_entries(dir: &std::path::Path) -> Store {
		let store =
			Store::open(&dir.join("edge.redb"), &gridveil_offchain::outbox::TABLES).unwrap();
		let deviation = serde_json::json!({
			"call": { "SubmitDeviation": {
				"program_id": 7, "hour": 3, "deviation": 120,
				"fingerprint": "11".repeat(32), "proof": "22".repeat(128),
			}},
			"sender": "Device", "not_before_ms": 1_000, "chain_not_before_ms": 1_500,
			"signed": { "nonce": 4, "extrinsic": "abcd", "hash": "ef01" },
			"in_block": true, "sends": 2,
		});
		let share = serde_json::json!({
			"call": { "ReportShare": { "slot": 96, "energy_wh": -250 } },
			"sender": { "Pseudonym": 2 }, "not_before_ms": 2_000,
			"signed": null, "in_block": false, "sends": 0,
		});
		let today = Entry::new(
			gridveil_offchain::outbox::Call::new("report_share", vec![1, 2]),
			"pseudonym/0",
			3_000,
		);
		store
			.write(|writer| {
				writer.put_record(OUTBOX, 0, &deviation)?;
				writer.put_record(OUTBOX, 1, &share)?;
				writer.put_record(OUTBOX, 2, &today)
			})
			.unwrap();
		store
	}

	#[test]
	fn earlier_entries_are_found_and_todays_are_left_alone() {
		let dir = tempfile::tempdir().unwrap();
		let store = store_with_earlier_entries(dir.path());
		assert_eq!(entries_to_upgrade(&store).unwrap(), 2);
		// Today's reader refuses them, which is why they must be rewritten.
		assert!(gridveil_offchain::outbox::entries(&store).is_err());
		let earlier = earlier_entries(&store).unwrap();
		assert!(matches!(earlier[0].1.sender, EarlierSender::Device));
		assert!(matches!(earlier[1].1.sender, EarlierSender::Pseudonym(2)));
		assert_eq!(earlier[0].1.signed.as_ref().map(|signed| signed.nonce), Some(4));
	}

	#[test]
	fn unsigned_shares_of_long_lived_pseudonyms_move_to_their_days_pseudonym() {
		let dir = tempfile::tempdir().unwrap();
		let store =
			Store::open(&dir.path().join("edge.redb"), &gridveil_offchain::outbox::TABLES).unwrap();
		// report_share(slot 200, …): pallet 9, call 15, slot 200 little-endian.
		let share = |signer: &str| {
			Entry::new(
				gridveil_offchain::outbox::Call::new(REPORT_SHARE, vec![9, 15, 200, 0, 0, 0, 1]),
				signer,
				1_000,
			)
		};
		let mut signed = share("pseudonym/1");
		signed.signed =
			Some(Signed { nonce: 0, extrinsic: "00".into(), hash: "11".into(), runtime: None });
		store
			.write(|writer| {
				outbox::enqueue(writer, &share("pseudonym/2"))?;
				outbox::enqueue(writer, &signed)?;
				outbox::enqueue(writer, &share("pseudonym/0/2"))?;
				outbox::enqueue(writer, &share("device"))
			})
			.unwrap();
		assert_eq!(relabel_day_pseudonyms(&store).unwrap(), 1);
		let signers: Vec<String> =
			outbox::entries(&store).unwrap().into_iter().map(|(_, entry)| entry.signer).collect();
		assert_eq!(signers, ["pseudonym/2/2", "pseudonym/1", "pseudonym/0/2", "device"]);
		assert_eq!(relabel_day_pseudonyms(&store).unwrap(), 0);
	}

	#[test]
	fn a_record_in_no_known_layout_is_named() {
		let dir = tempfile::tempdir().unwrap();
		let store = store_with_earlier_entries(dir.path());
		store
			.write(|writer| writer.put_record(OUTBOX, 5, &serde_json::json!({"what": 1})))
			.unwrap();
		assert!(matches!(entries_to_upgrade(&store), Err(UpgradeError::Unknown(5))));
	}
}
