//! The cross-day linker on chain: a run of several consecutive demo days
//! with rotation on, read back over RPC, and each day's pseudonyms of a
//! ledger linked to the next day's of the same ledger from what the chain
//! shows: each pseudonym's day of shares and its reports' timing (when in
//! its slot each report's block came, how many blocks after the slot's
//! first, where in its block). Offline (section 5) the timing is modelled;
//! here it is the boxes' real sending over a real network.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rand::{rngs::StdRng, SeedableRng};
use subxt::utils::AccountId32;

use super::{
	chain_view::{ChainView, ReportSeen},
	community::SLOTS_PER_DAY,
	crossday::{self, Linker, Noise, PseudonymDay},
	paper::Splitter,
	rotation::{linkage_outcome, noise_share_day, CrossDayLinkage, NOISE_DAYS},
};

/// What a multi-day run's linkage is measured on.
pub struct Days<'a> {
	/// Every day's pseudonyms → their owner (only the harness knows: it
	/// scores the links).
	pub owner_of: &'a BTreeMap<AccountId32, usize>,
	/// Each group's ledgers (public: the tree is on chain).
	pub groups: &'a [Vec<u32>],
	/// The first day.
	pub first_day: u32,
	/// Consecutive days.
	pub days: u32,
	/// The market's slot length, ms (public: genesis).
	pub slot_length_ms: u64,
	/// Shares a prosumer reports a slot: n.
	pub shares: usize,
	/// The boxes' share spread (public: the box's default), Wh.
	pub spread_wh: i64,
}

/// Every linker of [`Linker::ALL`] on every pair of consecutive days of
/// `days`, every ledger of every group, from `view` alone; scored with
/// `days.owner_of`.
pub fn link_days(view: &ChainView, days: &Days, seed: u64) -> Result<Vec<CrossDayLinkage>> {
	// Each ledger's pseudonyms of each day, as registered (public).
	let mut registered: BTreeMap<(u32, u32), Vec<AccountId32>> = BTreeMap::new();
	for registration in &view.registrations {
		registered
			.entry((registration.ledger, registration.day))
			.or_default()
			.extend(registration.pseudonyms.iter().cloned());
	}
	let timeline = Timeline::of(view, days.slot_length_ms);
	let mut reports: BTreeMap<&AccountId32, Vec<&ReportSeen>> = BTreeMap::new();
	for report in &view.reports {
		reports.entry(&report.pseudonym).or_default().push(report);
	}
	let mut described: BTreeMap<&AccountId32, PseudonymDay> = BTreeMap::new();
	for day in days.first_day..days.first_day + days.days {
		for group in days.groups {
			for ledger in group {
				for pseudonym in registered.get(&(*ledger, day)).into_iter().flatten() {
					let seen = reports.get(pseudonym).map(Vec::as_slice).unwrap_or_default();
					described.insert(pseudonym, timeline.describe(seen, day, days.shares));
				}
			}
		}
	}
	let noise = noise_model(days, described.values(), seed)?;

	let group_sizes: Vec<usize> = days
		.groups
		.iter()
		.map(|group| {
			group
				.first()
				.and_then(|ledger| registered.get(&(*ledger, days.first_day)))
				.map_or(0, Vec::len)
		})
		.collect();
	let mut outcomes = Vec::new();
	for linker in Linker::ALL {
		let mut rng = StdRng::seed_from_u64(seed ^ 0xc4a1);
		let mut right = Vec::new();
		for day in days.first_day..days.first_day + days.days.saturating_sub(1) {
			let mut right_today = 0;
			for ledger in days.groups.iter().flatten() {
				let pseudonyms = |day: u32| -> Result<(Vec<PseudonymDay>, Vec<usize>)> {
					let registered = registered.get(&(*ledger, day)).with_context(|| {
						format!("ledger {ledger} has no pseudonyms of day {day}")
					})?;
					Ok(registered
						.iter()
						.map(|pseudonym| (described[pseudonym].clone(), days.owner_of[pseudonym]))
						.unzip())
				};
				let (today, today_owners) = pseudonyms(day)?;
				let (tomorrow, tomorrow_owners) = pseudonyms(day + 1)?;
				let linked = crossday::link(&today, &tomorrow, linker, Some(&noise), &mut rng);
				right_today += linked
					.iter()
					.enumerate()
					.filter(|(index, to)| {
						to.is_some_and(|to| tomorrow_owners[to] == today_owners[*index])
					})
					.count();
			}
			right.push(right_today);
		}
		outcomes.push(linkage_outcome(linker, &right, &group_sizes, days.shares, seed));
	}
	Ok(outcomes)
}

/// The adversary's noise model: days split from zero readings with the
/// public split, each with the timing of one of the chain's pseudonym-days
/// (timing's deviations are then those over the chain's pseudonyms: the
/// standardisation of [`crossday::link`] without a model).
fn noise_model<'a>(
	days: &Days,
	observed: impl Iterator<Item = &'a PseudonymDay>,
	seed: u64,
) -> Result<Noise> {
	let timings: Vec<Vec<f64>> = observed.filter_map(|day| day.timing.clone()).collect();
	let splitter = Splitter::GridVeil {
		spread_wh: days.spread_wh,
		bound_wh: gridveil_edge::split::OFFLINE_MAX_SHARE_WH,
	};
	let mut rng = StdRng::seed_from_u64(seed ^ 0x7141);
	let noise_days: Vec<PseudonymDay> = (0..NOISE_DAYS)
		.map(|index| {
			let share_day = noise_share_day(&splitter, days.shares, &mut rng)?;
			let timing = (!timings.is_empty()).then(|| timings[index % timings.len()].clone());
			Ok(PseudonymDay::of(&share_day, days.shares, timing))
		})
		.collect::<Result<_>>()?;
	Ok(Noise::of(&noise_days))
}

/// When each block came: what the reports' timing is measured against.
struct Timeline<'a> {
	/// Block times in ms and their numbers, in time order.
	blocks: Vec<(u64, u64)>,
	/// Each block's time, ms.
	times: &'a BTreeMap<u64, u64>,
	slot_length_ms: u64,
}

impl<'a> Timeline<'a> {
	fn of(view: &'a ChainView, slot_length_ms: u64) -> Self {
		let mut blocks: Vec<(u64, u64)> =
			view.times.iter().map(|(number, time)| (*time, *number)).collect();
		blocks.sort_unstable();
		Self { blocks, times: &view.times, slot_length_ms }
	}

	/// A pseudonym's day `day` as the linker sees it from its `reports`
	/// (those of other days left out): its shares and, per report, the
	/// time from its slot's end to its block, the blocks between (the first
	/// block at or after the slot's end counts 0) and its position in its block.
	fn describe(&self, reports: &[&ReportSeen], day: u32, shares: usize) -> PseudonymDay {
		let first_slot = day * SLOTS_PER_DAY as u32;
		let mut share_day = vec![0.0; SLOTS_PER_DAY];
		let (mut moments, mut blocks_after, mut positions) = (Vec::new(), Vec::new(), Vec::new());
		for report in reports {
			let Some(slot) = report.slot.checked_sub(first_slot) else { continue };
			if slot >= SLOTS_PER_DAY as u32 {
				continue;
			}
			share_day[slot as usize] += report.energy_wh as f64;
			let slot_end = u64::from(report.slot + 1) * self.slot_length_ms;
			let first_after = self.blocks.partition_point(|(time, _)| *time < slot_end);
			let Some(time) = self.times.get(&report.block).copied() else { continue };
			let first_number = self.blocks.get(first_after).map_or(report.block, |(_, n)| *n);
			moments.push(time as f64 - slot_end as f64);
			blocks_after.push(report.block as f64 - first_number as f64);
			positions.push(f64::from(report.position));
		}
		let timing = crossday::timing(&[&moments, &blocks_after, &positions]);
		PseudonymDay::of(&share_day, shares, Some(timing))
	}
}

#[cfg(test)]
mod tests {
	use rand::Rng;

	use super::*;
	use crate::{chain_view::RegistrationSeen, linkage::test_pseudonym as pseudonym};

	/// Two days of a group of `members` prosumers with 2 ledgers: prosumer
	/// p's shares are p × 1 kWh (plus a little noise) every slot, on both
	/// days, so its pseudonyms are easy to follow unless `shuffle` gives each
	/// day's shares to a random member.
	fn two_days(members: usize, shuffle: bool) -> (ChainView, BTreeMap<AccountId32, usize>) {
		let mut rng = StdRng::seed_from_u64(9);
		let mut view = ChainView::default();
		let mut owner_of = BTreeMap::new();
		for block in 0..400u64 {
			view.times.insert(block, block * 6_000);
		}
		for day in 0..2u32 {
			for ledger in 0..2u32 {
				let mut pseudonyms = Vec::new();
				for member in 0..members {
					let who = pseudonym(member + 100 * day as usize, ledger as usize);
					owner_of.insert(who.clone(), member);
					pseudonyms.push(who);
				}
				for (member, who) in pseudonyms.iter().enumerate() {
					let level = if shuffle { rng.gen_range(0..members) } else { member };
					for slot in 0..SLOTS_PER_DAY as u32 {
						let absolute = day * SLOTS_PER_DAY as u32 + slot;
						view.reports.push(ReportSeen {
							pseudonym: who.clone(),
							slot: absolute,
							energy_wh: level as i64 * 1_000 + rng.gen_range(-50..50),
							block: u64::from(absolute) + 1,
							position: rng.gen_range(0..20),
							nonce: u64::from(slot),
						});
					}
				}
				view.registrations.push(RegistrationSeen {
					ledger,
					day,
					pseudonyms,
					block: 0,
					position: ledger,
					signer: pseudonym(999, 0),
				});
			}
		}
		(view, owner_of)
	}

	fn linkage(shuffle: bool) -> Vec<CrossDayLinkage> {
		let (view, owner_of) = two_days(10, shuffle);
		let groups = vec![vec![0, 1]];
		let days = Days {
			owner_of: &owner_of,
			groups: &groups,
			first_day: 0,
			days: 2,
			slot_length_ms: 6_000,
			shares: 2,
			spread_wh: 100,
		};
		link_days(&view, &days, 4).unwrap()
	}

	#[test]
	fn pseudonyms_whose_shares_stay_alike_are_followed_across_days() {
		let outcomes = linkage(false);
		assert_eq!(outcomes.len(), Linker::ALL.len());
		let statistics = &outcomes[0];
		assert_eq!((statistics.day_pairs, statistics.pseudonyms), (1, 20));
		assert!((statistics.chance - 0.1).abs() < 1e-9);
		assert_eq!(statistics.right, 20, "{statistics:?}");
	}

	#[test]
	fn pseudonyms_whose_shares_are_reassigned_link_at_about_chance() {
		let best = linkage(true).iter().map(|outcome| outcome.right).max().unwrap();
		assert!(best <= 8, "{best} of 20 right where 2 are chance");
	}
}
