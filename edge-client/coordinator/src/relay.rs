//! Relayed shares: the members' boxes hand in their shares, each signed by
//! its day pseudonym (`POST /shares`); the coordinator checks the signature
//! and that the pseudonym is a member's, keeps the share, and relays each
//! ledger's shares of a slot in one batch sorted by pseudonym
//! (`EnergyMarket::relay_shares`) once every member's is in, or at the
//! slot's relay deadline. Batching and forgetting the shares is one store
//! transaction with the batch's outbox entry, so a crash neither loses nor
//! repeats a batch. Validators and RPC nodes then see the coordinator's
//! batches, not the boxes. A share it refuses, the box reports directly.
use std::{
	collections::{BTreeMap, HashMap},
	sync::Mutex,
};

use gridveil_offchain::{
	chain::{AtBlock, CallEncoder, Chain, ChainError, MarketClock, SLOTS_PER_DAY},
	outbox::{self, Call, Entry},
	shares::{relay_shares_payload, ShareError, SignedShare},
	store::{Store, StoreError, Table},
};
use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use crate::{members::Member, register::COORDINATOR};

/// Shares waiting to be relayed, by [`share_key`].
pub const RELAYED_SHARES: Table = TableDefinition::new("relayed_shares");

/// The kind of a batch's outbox entry.
pub const RELAY_SHARES: &str = "relay_shares";

/// A slot's batch goes out at the latest this share of the report window
/// after the slot (a quarter): the boxes report directly from the middle.
const RELAY_DEADLINE_PARTS: u64 = 4;

/// A share as it waits to be relayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldShare {
	/// The pseudonym.
	pub pseudonym: [u8; 32],
	/// The share, Wh.
	pub energy_wh: i64,
	/// The pseudonym's signature.
	#[serde(with = "signature_hex")]
	pub signature: [u8; 64],
}

mod signature_hex {
	use serde::{de::Error, Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(bytes: &[u8; 64], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&hex::encode(bytes))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 64], D::Error> {
		let text = String::deserialize(deserializer)?;
		let bytes = hex::decode(text).map_err(D::Error::custom)?;
		bytes.try_into().map_err(|_| D::Error::custom("a signature has 64 bytes"))
	}
}

/// The store key of a member's share in a ledger and slot: slot, ledger
/// index and member index, so that a slot's shares are next to each other.
pub fn share_key(slot: u32, ledger: usize, member: usize) -> u64 {
	(u64::from(slot) << 32) | ((ledger as u64 & 0xfff) << 20) | (member as u64 & 0xf_ffff)
}

fn split_key(key: u64) -> (u32, usize) {
	((key >> 32) as u32, ((key >> 20) & 0xfff) as usize)
}

/// Why a share was not taken.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
	/// The chain's runtime has no `relay_shares`.
	#[error("the chain takes no relayed shares")]
	NotRelaying,
	/// The share is malformed or its signature is not the pseudonym's.
	#[error(transparent)]
	Share(#[from] ShareError),
	/// The pseudonym is none of the members' day pseudonyms.
	#[error("the pseudonym is not a member's")]
	NotAMember,
	/// The slot's batch has gone, or its deadline has passed.
	#[error("too late to relay this slot")]
	TooLate,
	/// The chain holds the report already.
	#[error("the share is reported already")]
	AlreadyReported,
	/// The chain could not be read.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

impl Refused {
	/// A label for metrics.
	pub fn reason(&self) -> &'static str {
		match self {
			Refused::NotRelaying => "not_relaying",
			Refused::Share(ShareError::Malformed) => "malformed",
			Refused::Share(ShareError::BadSignature) => "bad_signature",
			Refused::NotAMember => "not_a_member",
			Refused::TooLate => "too_late",
			Refused::AlreadyReported => "already_reported",
			Refused::Chain(_) => "chain",
			Refused::Store(_) => "store",
		}
	}
}

/// Each day's pseudonyms of the members: pseudonym → (member, ledger).
#[derive(Default)]
pub struct Directory {
	days: Mutex<BTreeMap<u32, HashMap<[u8; 32], (usize, usize)>>>,
}

/// Days a directory keeps.
const DIRECTORY_DAYS: usize = 3;

impl Directory {
	/// The member and ledger whose pseudonym on `day` is `pseudonym`.
	pub fn find(
		&self,
		members: &[Member],
		day: u32,
		pseudonym: &[u8; 32],
	) -> Option<(usize, usize)> {
		let mut days = self.days.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let of_day = days.entry(day).or_insert_with(|| {
			let mut map = HashMap::new();
			for (member_index, member) in members.iter().enumerate() {
				for ledger in 0..member.ledger_keys.len() {
					if let Some(found) = member.pseudonym(ledger, day) {
						map.insert(found, (member_index, ledger));
					}
				}
			}
			map
		});
		let found = of_day.get(pseudonym).copied();
		while days.len() > DIRECTORY_DAYS {
			days.pop_first();
		}
		found
	}
}

/// The latest moment a slot's batch waits for missing shares, ms.
pub fn relay_deadline_ms(slot: u32, clock: &MarketClock) -> u64 {
	(u64::from(slot) + 1).saturating_mul(clock.slot_length_ms)
		+ clock.report_window_ms() / RELAY_DEADLINE_PARTS
}

/// Checks `share` and keeps it to relay. `now` is the best block's time.
pub async fn accept(
	store: &Store,
	block: &AtBlock,
	genesis: &[u8; 32],
	members: &[Member],
	directory: &Directory,
	clock: &MarketClock,
	now: u64,
	share: &SignedShare,
) -> Result<(), Refused> {
	if !CallEncoder::new(block).has_call("EnergyMarket", "relay_shares") {
		return Err(Refused::NotRelaying);
	}
	let (pseudonym, signature) = share.verify(genesis)?;
	let day = share.slot / SLOTS_PER_DAY as u32;
	let (member, ledger) = directory.find(members, day, &pseudonym).ok_or(Refused::NotAMember)?;
	if now >= relay_deadline_ms(share.slot, clock) {
		return Err(Refused::TooLate);
	}
	if Chain::report(block, &AccountId32(pseudonym), share.slot).await?.is_some() {
		return Err(Refused::AlreadyReported);
	}
	let held = HeldShare { pseudonym, energy_wh: share.energy_wh, signature };
	store.write(|writer| {
		writer.put_record(RELAYED_SHARES, share_key(share.slot, ledger, member), &held)
	})?;
	Ok(())
}

/// `EnergyMarket::relay_shares(ledger, slot, shares)`.
pub fn relay_shares(
	encoder: &CallEncoder,
	ledger: u32,
	slot: u32,
	shares: &[HeldShare],
) -> Result<Call, ChainError> {
	let payload = relay_shares_payload(
		ledger,
		slot,
		shares.iter().map(|share| (share.pseudonym, share.energy_wh, share.signature)),
	);
	Ok(Call::new(RELAY_SHARES, encoder.encode(&payload)?))
}

/// What one pass relayed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Relayed {
	/// Batches queued.
	pub batches: usize,
	/// Shares in them.
	pub shares: usize,
}

/// Queues a batch for every ledger and slot whose shares are all in (one
/// from each member) or whose deadline has come, and forgets those shares,
/// in one store transaction. `ledgers` are the group's ledger node ids.
pub fn relay_due(
	store: &Store,
	block: &AtBlock,
	members: usize,
	ledgers: &[u32],
	clock: &MarketClock,
	now: u64,
) -> anyhow::Result<Relayed> {
	let held: Vec<(u64, HeldShare)> = store.records(RELAYED_SHARES, 0..u64::MAX)?;
	if held.is_empty() {
		return Ok(Relayed::default());
	}
	let mut groups: BTreeMap<(u32, usize), Vec<(u64, HeldShare)>> = BTreeMap::new();
	for (key, share) in held {
		groups.entry(split_key(key)).or_default().push((key, share));
	}
	let encoder = CallEncoder::new(block);
	let most = Chain::max_pseudonym_batch(block)?.max(1) as usize;
	let mut calls = Vec::new();
	let mut done = Vec::new();
	let mut relayed = Relayed::default();
	for ((slot, ledger), mut shares) in groups {
		let due = shares.len() >= members || now >= relay_deadline_ms(slot, clock);
		if !due {
			continue;
		}
		done.extend(shares.iter().map(|(key, _)| *key));
		let Some(node) = ledgers.get(ledger) else {
			tracing::warn!(ledger, "shares for a ledger the group does not have; dropped");
			continue;
		};
		shares.sort_by(|(_, a), (_, b)| a.pseudonym.cmp(&b.pseudonym));
		let sorted: Vec<HeldShare> = shares.into_iter().map(|(_, share)| share).collect();
		for chunk in sorted.chunks(most) {
			calls.push(relay_shares(&encoder, *node, slot, chunk)?);
			relayed.batches += 1;
			relayed.shares += chunk.len();
		}
	}
	if done.is_empty() {
		return Ok(relayed);
	}
	store.write(|writer| {
		for call in &calls {
			outbox::enqueue(writer, &Entry::new(call.clone(), COORDINATOR, 0))?;
		}
		for key in &done {
			writer.remove_record(RELAYED_SHARES, *key)?;
		}
		Ok(())
	})?;
	Ok(relayed)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_share_key_orders_by_slot_then_ledger_and_gives_both_back() {
		let keys = [share_key(7, 0, 5), share_key(7, 1, 0), share_key(8, 0, 0)];
		assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
		assert_eq!(split_key(share_key(u32::MAX, 15, 1_000)), (u32::MAX, 15));
	}

	#[test]
	fn a_slots_batch_waits_a_quarter_of_the_report_window_at_most() {
		let clock = MarketClock { slot_length_ms: 1_000, report_grace_slots: 40 };
		assert_eq!(relay_deadline_ms(9, &clock), 10_000 + 10_000);
	}
}
