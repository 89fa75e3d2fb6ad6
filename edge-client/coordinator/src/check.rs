//! The checking stage: each slot, as soon as every member's meter reading
//! and all its shares are in (usually a block or two after the slot), and at
//! the latest at the slot's [`deadline_ms`], every member whose meter reading
//! is in is checked: its day pseudonyms' shares of the slot, read from the
//! chain, must all be there and sum to the meter's net. The shares of members who pass are verified in one
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

/// Time a check's calls are given to land in a block before the day
/// closes, ms: two blocks. The chain takes a flag only while the slot's day
/// is open, and a verification only while its pseudonyms are registered
/// (they expire when the day closes).
pub const INCLUSION_MARGIN_MS: u64 = 12_000;

/// When a slot's check may run at all: once the slot is over (its reading
/// is complete; before that no share can be complete either).
pub fn started(slot: u32, clock: &MarketClock, now_ms: u64) -> bool {
	now_ms >= (u64::from(slot) + 1).saturating_mul(clock.slot_length_ms)
}

/// When a slot is checked whatever is missing: a slot's shares may be
/// reported until the end of slot `slot + grace`, so a late share is waited
/// for until the window's last slot; but the calls must land before the
/// slot's day closes (`INCLUSION_MARGIN_MS` before it), which comes first for
/// a day's last slots when slots are short. Never before the slot is over.
pub fn deadline_ms(slot: u32, clock: &MarketClock) -> u64 {
	let length = clock.slot_length_ms;
	let grace = u64::from(clock.report_grace_slots);
	let window_last = (u64::from(slot) + grace).saturating_mul(length);
	let day = u64::from(slot) / SLOTS_PER_DAY;
	let closing = ((day + 1) * SLOTS_PER_DAY + grace).saturating_mul(length);
	let slot_end = (u64::from(slot) + 1).saturating_mul(length);
	window_last.min(closing.saturating_sub(INCLUSION_MARGIN_MS)).max(slot_end)
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

/// Checks `slot` at `block` and queues its calls; advances the cursor past
/// it. Before the slot's deadline (`final_check` false) it checks only when
/// every member's reading and all its shares are in, and otherwise changes
/// nothing and returns `None`.
pub async fn check_slot(
	store: &Store,
	block: &AtBlock,
	members: &[Member],
	ledgers: &[u32],
	slot: u32,
	final_check: bool,
) -> Result<Option<SlotCheck>> {
	let encoder = CallEncoder::new(block);
	let day = slot / SLOTS_PER_DAY as u32;
	let read = readings::of_slot(store, slot)?;
	let mut verified: Vec<Vec<[u8; 32]>> = vec![Vec::new(); ledgers.len()];
	let mut calls = Vec::new();
	let mut found = SlotCheck::default();
	for (index, member) in members.iter().enumerate() {
		let Some((_, reading)) = read.iter().find(|(member, _)| *member == index) else {
			if !final_check {
				return Ok(None);
			}
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
		if shares.len() < ledgers.len() && !final_check {
			return Ok(None);
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
	Ok(Some(found))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_slot_waits_for_late_shares_until_the_last_slot_of_its_report_window() {
		// Production: 15-minute slots, two of grace.
		let clock = MarketClock { slot_length_ms: 900_000, report_grace_slots: 2 };
		assert!(!started(10, &clock, 10_999 * 900));
		assert!(started(10, &clock, 11_000 * 900));
		assert_eq!(deadline_ms(10, &clock), 12 * 900_000);
		// The day's last slot: the window's last slot still leaves a whole
		// slot to land before the day closes.
		let last = SLOTS_PER_DAY as u32 - 1;
		assert_eq!(deadline_ms(last, &clock), (SLOTS_PER_DAY + 1) * 900_000);
	}

	#[test]
	fn a_days_last_slots_are_checked_in_time_to_land_before_it_closes() {
		// The demo: 2-second slots, 24 of grace, 6-second blocks.
		let clock = MarketClock { slot_length_ms: 2_000, report_grace_slots: 24 };
		let closing = (SLOTS_PER_DAY + 24) * 2_000;
		assert_eq!(deadline_ms(10, &clock), 34 * 2_000, "far from the day's end");
		for slot in 80..SLOTS_PER_DAY as u32 {
			let deadline = deadline_ms(slot, &clock);
			assert!(deadline + INCLUSION_MARGIN_MS <= closing, "slot {slot}: {deadline}");
			assert!(deadline >= (u64::from(slot) + 1) * 2_000, "slot {slot} is over first");
		}
		// With no grace at all, a slot is still not checked before it is over.
		let tight = MarketClock { slot_length_ms: 2_000, report_grace_slots: 0 };
		let last = SLOTS_PER_DAY as u32 - 1;
		assert_eq!(deadline_ms(last, &tight), SLOTS_PER_DAY * 2_000);
	}
}
