//! The checking stage: each slot, once its report window is in its last
//! slot, every member whose meter reading is in is checked: its day
//! pseudonyms' shares of the slot, read from the chain, must all be there and
//! sum to the meter's net. The shares of members who pass are verified in one
//! `verify_reports` per ledger; every share of a member who does not is
//! flagged (`flag_report`), which takes it out of the nets. The calls and
//! the slot's cursor are written in one transaction, so nothing is verified
//! or flagged twice, and nothing is lost across a crash. A member without a
//! reading is left unverified (and counted); its shares still count.
use anyhow::{Context as _, Result};
use gridveil_offchain::{
	chain::{AtBlock, CallEncoder, Chain, MarketClock, ReportStatus, SLOTS_PER_DAY},
	outbox::{self, Call, Entry},
	store::Store,
};
use subxt::{dynamic, utils::AccountId32};

use crate::{members::Member, readings, register::COORDINATOR};

/// The kinds of the check's outbox entries (logs and metrics).
pub const VERIFY_REPORTS: &str = "verify_reports";
/// See [`VERIFY_REPORTS`].
pub const FLAG_REPORT: &str = "flag_report";

/// The state key of the next slot to check.
pub const CHECK_CURSOR: &str = "check/next";

/// What one slot's check found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotCheck {
	/// Members whose shares matched their meter.
	pub matched: usize,
	/// Members whose shares did not (their shares are flagged).
	pub mismatched: usize,
	/// Members without a meter reading (left unverified).
	pub unread: usize,
	/// Shares flagged.
	pub flagged: usize,
}

/// The first slot whose check may run at `now_ms`: a slot's shares may be
/// reported until the end of slot `slot + grace`, and a flag must land
/// before its day closes, so the check runs in the window's last slot.
pub fn checkable(slot: u32, clock: &MarketClock, now_ms: u64) -> bool {
	let window_last = u64::from(slot) + u64::from(clock.report_grace_slots);
	now_ms >= window_last.saturating_mul(clock.slot_length_ms)
}

/// `EnergyMarket::verify_reports(ledger, slot, pseudonyms)`.
fn verify_call(encoder: &CallEncoder, ledger: u32, slot: u32, batch: &[[u8; 32]]) -> Result<Call> {
	let payload = dynamic::transaction(
		"EnergyMarket",
		"verify_reports",
		vec![
			dynamic::Value::u128(ledger.into()),
			dynamic::Value::u128(slot.into()),
			dynamic::Value::unnamed_composite(batch.iter().map(dynamic::Value::from_bytes)),
		],
	);
	Ok(Call::new(VERIFY_REPORTS, encoder.encode(&payload)?))
}

/// `EnergyMarket::flag_report(pseudonym, slot)`.
fn flag_call(encoder: &CallEncoder, pseudonym: &[u8; 32], slot: u32) -> Result<Call> {
	let payload = dynamic::transaction(
		"EnergyMarket",
		"flag_report",
		vec![
			dynamic::Value::unnamed_variant("Id", [dynamic::Value::from_bytes(pseudonym)]),
			dynamic::Value::u128(slot.into()),
		],
	);
	Ok(Call::new(FLAG_REPORT, encoder.encode(&payload)?))
}

/// Checks `slot` at `block` and queues its calls; advances the cursor past it.
pub async fn check_slot(
	store: &Store,
	block: &AtBlock,
	members: &[Member],
	ledgers: &[u32],
	slot: u32,
) -> Result<SlotCheck> {
	let encoder = CallEncoder::new(block);
	let day = slot / SLOTS_PER_DAY as u32;
	let read = readings::of_slot(store, slot)?;
	let mut verified: Vec<Vec<[u8; 32]>> = vec![Vec::new(); ledgers.len()];
	let mut calls = Vec::new();
	let mut found = SlotCheck::default();
	for (index, member) in members.iter().enumerate() {
		let Some((_, reading)) = read.iter().find(|(member, _)| *member == index) else {
			found.unread += 1;
			continue;
		};
		let mut shares = Vec::with_capacity(ledgers.len());
		for ledger in 0..ledgers.len() {
			let Some(pseudonym) = member.pseudonym(ledger, day) else { continue };
			let report = Chain::report(block, &AccountId32(pseudonym), slot)
				.await
				.context("reading a report")?;
			if let Some(report) = report.filter(|report| report.status == ReportStatus::Unverified)
			{
				shares.push((ledger, pseudonym, report.energy_wh));
			}
		}
		let sum: i64 = shares.iter().map(|(_, _, share)| share).sum();
		if shares.len() == ledgers.len() && sum == reading.net_wh() {
			found.matched += 1;
			for (ledger, pseudonym, _) in shares {
				verified[ledger].push(pseudonym);
			}
		} else if !shares.is_empty() {
			found.mismatched += 1;
			for (_, pseudonym, _) in shares {
				calls.push(flag_call(&encoder, &pseudonym, slot)?);
				found.flagged += 1;
			}
		}
	}
	for (ledger, mut batch) in ledgers.iter().zip(verified) {
		if batch.is_empty() {
			continue;
		}
		batch.sort_unstable();
		calls.push(verify_call(&encoder, *ledger, slot, &batch)?);
	}
	store.write(|writer| {
		for call in calls {
			outbox::enqueue(writer, &Entry::new(call, COORDINATOR, 0))?;
		}
		writer.put_state(CHECK_CURSOR, &slot.saturating_add(1))
	})?;
	Ok(found)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_slot_is_checked_in_the_last_slot_of_its_report_window() {
		let clock = MarketClock { slot_length_ms: 1_000, report_grace_slots: 2 };
		assert!(!checkable(10, &clock, 11_999));
		assert!(checkable(10, &clock, 12_000));
	}
}
