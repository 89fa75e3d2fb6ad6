//! Splitting a slot's net energy into n random shares (the paper's F) that
//! sum exactly to it, one per pseudonym, each sent at its own random moment.
//! Each share goes out under the day's pseudonym of its ledger
//! ([`gridveil_offchain::pseudonyms`]): a fresh set every trading day that
//! nobody without the box's public ledger keys can link. The [`Splitter`]
//! is the stage the scheduler runs; the functions below it are the math.
use std::{
	collections::{HashMap, HashSet},
	sync::Arc,
};

use anyhow::{Context as _, Result};
use gridveil_offchain::{
	chain::{AtBlock, BestBlock, CallEncoder, Chain, ChainError, DayPhase, SLOTS_PER_DAY},
	now_ms,
	outbox::{self, Entry},
	pseudonyms,
};
use rand::{rngs::OsRng, seq::SliceRandom, CryptoRng, Rng, RngCore};
use subxt::utils::AccountId32;

use crate::{
	config::TradingConfig,
	metrics::Metrics,
	store::{self, SlotShares, Store},
	submit::{self, Sender},
};

/// The store key of the next reading (interval start) to split.
pub const SPLIT_CURSOR: &str = "split/next";

/// The largest share `EnergyMarket::MaxShareWh` allows in the runtime as
/// built (`runtime/src/configs/energy_market.rs`), for tools that split
/// without a chain (the privacy evaluation's simulations). The daemon never
/// uses it: it reads the bound from the chain's metadata.
pub const OFFLINE_MAX_SHARE_WH: i64 = 1_000_000;

/// Why a reading cannot be split.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
	/// No split fits the bound (the net itself exceeds n × bound).
	#[error("a net of this size cannot be split under the share bound")]
	TooLarge,
}

/// The splitting stage: splits every stored reading whose slot's day is
/// trading, and queues one report per pseudonym in the outbox.
pub struct Splitter {
	store: Arc<Store>,
	metrics: Arc<Metrics>,
	/// The public ledger keys: each day's pseudonyms derive from them.
	ledger_keys: Vec<[u8; 32]>,
	interval_ms: u64,
	trading: TradingConfig,
	/// Each day's phase as last read (a day past bidding does not go back).
	days: HashMap<u64, DayPhase>,
	/// The market's slot length as last read, ms.
	slot_length_ms: Option<u64>,
	/// `EnergyMarket::MaxShareWh` as last read from the metadata.
	max_share_wh: Option<i64>,
	/// The market's report window after a slot, ms, as last read.
	report_grace_ms: Option<u64>,
	/// Days whose pseudonyms the chain holds (registration is never undone
	/// within a day).
	registered: HashSet<u64>,
	/// Days already reported as waiting for their registration.
	waiting: HashSet<u64>,
}

/// Whether a day's pseudonyms can still be registered, or it is lost.
enum Registration {
	/// Every ledger's pseudonym of the day is on chain.
	Done,
	/// Not yet, and the chain still takes it (the day has not passed).
	Pending,
	/// Not, and never: the chain refuses registrations for a past day.
	Lost,
}

impl Splitter {
	/// A splitter for the pseudonyms of `ledger_keys` (public ledger keys,
	/// in ledger order) and readings every `interval_ms`.
	pub fn new(
		store: Arc<Store>,
		metrics: Arc<Metrics>,
		ledger_keys: Vec<[u8; 32]>,
		interval_ms: u64,
		trading: TradingConfig,
	) -> Self {
		Self {
			store,
			metrics,
			ledger_keys,
			interval_ms,
			trading,
			days: HashMap::new(),
			slot_length_ms: None,
			max_share_wh: None,
			report_grace_ms: None,
			registered: HashSet::new(),
			waiting: HashSet::new(),
		}
	}

	/// Whether `day`'s pseudonyms are registered at `block` (whose time is `now_ms`).
	async fn registration(
		&self,
		block: &AtBlock,
		day: u64,
		now_ms: u64,
	) -> Result<Registration, ChainError> {
		for key in &self.ledger_keys {
			let Ok(pseudonym) = pseudonyms::day_pseudonym(key, day as u32) else {
				return Ok(Registration::Lost);
			};
			if Chain::pseudonym(block, &AccountId32(pseudonym)).await?.is_none() {
				let today = now_ms / self.interval_ms.saturating_mul(SLOTS_PER_DAY).max(1);
				return Ok(if today > day { Registration::Lost } else { Registration::Pending });
			}
		}
		Ok(Registration::Done)
	}

	/// Splits every stored reading after the cursor whose slot's day is
	/// trading; returns whether any entry was queued. `best` is the node's
	/// best block (`None` while it is away), `encoder` the latest metadata.
	pub async fn pass(
		&mut self,
		best: Option<&BestBlock>,
		encoder: Option<&CallEncoder>,
	) -> Result<bool> {
		let store = self.store.clone();
		let interval_ms = self.interval_ms;
		if let Some(best) = best {
			match Chain::max_share_wh(&best.block) {
				Ok(bound) => self.max_share_wh = Some(i64::try_from(bound).unwrap_or(i64::MAX)),
				Err(error) => {
					tracing::warn!(%error, "the market's share bound is unavailable");
					return Ok(false);
				},
			}
			match Chain::market_clock(&best.block).await {
				Ok(clock) => self.report_grace_ms = Some(clock.report_window_ms()),
				Err(error) => {
					tracing::warn!(%error, "the market's clock is unavailable");
					return Ok(false);
				},
			}
		}
		// Without the chain's bound (and metadata), wait for the node.
		let (Some(max_share_wh), Some(report_grace_ms), Some(encoder)) =
			(self.max_share_wh, self.report_grace_ms, encoder)
		else {
			return Ok(false);
		};
		// Shares the coordinator relays wait (in the outbox) until the middle
		// of their report window before they go out directly.
		let relayed = self.trading.relay_shares
			&& self.trading.coordinator_url.is_some()
			&& encoder.has_call("EnergyMarket", "relay_shares");
		let cursor: u64 = match store.state(SPLIT_CURSOR)? {
			Some(cursor) => cursor,
			None => match store.first_reading()? {
				Some(first) => first.start_ms,
				None => return Ok(false),
			},
		};
		let mut queued = false;
		// The pool checks a report against the best block's clock: a slot the
		// chain has not reached yet would be refused, so wait for it.
		let best_time = best.and_then(|best| best.time);
		for reading in store.readings(cursor..u64::MAX)? {
			if best_time.is_some_and(|time| time < reading.start_ms) {
				return Ok(queued);
			}
			let slot = reading.start_ms / interval_ms;
			let day = slot / SLOTS_PER_DAY;
			let phase = match self.days.get(&day) {
				Some(phase) if !matches!(phase, DayPhase::Bidding) => Some(*phase),
				_ => match best {
					Some(best) => match Chain::day_prices(&best.block, day as u32).await {
						Ok(Some(prices)) => {
							self.slot_length_ms = Some(prices.slot_length_ms);
							self.days.insert(day, prices.phase);
							Some(prices.phase)
						},
						Ok(None) => None,
						Err(error) => {
							tracing::warn!(%error, day, "the day's phase is unavailable");
							return Ok(queued);
						},
					},
					// Unknown day and no node: wait for it.
					None => return Ok(queued),
				},
			};
			let next_cursor = reading.start_ms + interval_ms;
			if self.slot_length_ms.is_some_and(|length| length != interval_ms) {
				tracing::error!("the market's slot is not one meter interval; not trading");
				self.metrics.slot_skipped("slot_length");
				store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
				continue;
			}
			match phase {
				Some(DayPhase::Trading) => {},
				Some(DayPhase::Bidding) => return Ok(queued),
				_ => {
					self.metrics.slot_skipped("no_trading_day");
					store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
					continue;
				},
			}
			if !self.registered.contains(&day) {
				let (Some(best), Some(now)) = (best, best_time) else { return Ok(queued) };
				match self.registration(&best.block, day, now).await {
					Ok(Registration::Done) => {
						if self.waiting.remove(&day) {
							tracing::info!(day, "the day's pseudonyms are registered; reporting");
						}
						self.registered.insert(day);
					},
					Ok(Registration::Pending) => {
						// The shares wait in the store: a registration later
						// in the day reopens the day's earlier slots.
						if self.waiting.insert(day) {
							tracing::warn!(
								day,
								"the coordinator has not registered today's pseudonyms; the \
								 shares wait until it does"
							);
						}
						return Ok(queued);
					},
					Ok(Registration::Lost) => {
						let day_end = (day + 1) * SLOTS_PER_DAY * interval_ms;
						let lost = store.readings(reading.start_ms..day_end)?.len();
						let shares = lost * self.ledger_keys.len();
						tracing::error!(
							day,
							slots = lost,
							"ALARM: the day passed without its pseudonyms registered; its \
							 shares cannot be reported. Ask the group's coordinator."
						);
						self.metrics.shares_lost_unregistered(shares as u64);
						self.waiting.remove(&day);
						store.write(|writer| writer.put_state(SPLIT_CURSOR, &day_end))?;
						// The readings of the lost day are skipped; the next pass goes on.
						return Ok(queued);
					},
					Err(error) => {
						tracing::warn!(%error, day, "the day's registration is unavailable");
						return Ok(queued);
					},
				}
			}
			let count = self.ledger_keys.len();
			let trading = &self.trading;
			let shares = if trading.random_shares {
				split(reading.net_wh(), count, trading.share_spread_wh, max_share_wh, &mut OsRng)
			} else if reading.net_wh().unsigned_abs() <= max_share_wh.unsigned_abs() * count as u64
			{
				Ok(equal_split(reading.net_wh(), count))
			} else {
				Err(SplitError::TooLarge)
			};
			let shares = match shares {
				Ok(shares) => shares,
				Err(error) => {
					tracing::warn!(%error, slot, "slot not split");
					self.metrics.slot_skipped("too_large");
					store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
					continue;
				},
			};
			let slot_end = reading.start_ms + interval_ms;
			let (from, jitter_ms) = if relayed {
				(slot_end + report_grace_ms / 2, trading.jitter_window_ms.min(report_grace_ms / 4))
			} else {
				(now_ms().max(slot_end), trading.jitter_window_ms)
			};
			let Ok(slot_number) = u32::try_from(slot) else { continue };
			let day = slot_number / SLOTS_PER_DAY as u32;
			let mut calls = Vec::with_capacity(count);
			for (index, share) in shares.iter().enumerate() {
				let call = submit::report_share(encoder, slot_number, *share)
					.context("encoding report_share with the chain's metadata")?;
				let done_key = if relayed {
					let pseudonym = pseudonyms::day_pseudonym(&self.ledger_keys[index], day)
						.context("deriving the day's pseudonym")?;
					Some(
						encoder
							.report_key(&AccountId32(pseudonym), slot_number)
							.context("encoding the report's storage key")?,
					)
				} else {
					None
				};
				calls.push((call, done_key));
			}
			store.write(|writer| {
				let mut entries = Vec::with_capacity(count);
				for (index, (call, done_key)) in calls.into_iter().enumerate() {
					let not_before = send_time(from, jitter_ms, &mut OsRng);
					let signer = Sender::Pseudonym { ledger: index as u32, day }.label();
					let mut entry =
						Entry::new(call, signer, not_before).after_chain_time(reading.start_ms);
					if let Some(key) = &done_key {
						entry = entry.done_when_stored(key);
					}
					entries.push(outbox::enqueue(writer, &entry)?);
				}
				store::put_shares(
					writer,
					slot,
					&SlotShares { net_wh: reading.net_wh(), shares_wh: shares.clone(), entries },
				)?;
				writer.put_state(SPLIT_CURSOR, &next_cursor)
			})?;
			self.metrics.split();
			queued = true;
		}
		Ok(queued)
	}
}

/// Random moves between two shares per share: the sampler's chain has
/// forgotten its start well before this (a move between two shares draws
/// them afresh; every pair is met after about n·ln n moves).
const MOVES_PER_SHARE: usize = 8;

/// Splits `net_wh` into `count` shares that sum exactly to it, drawn with a
/// CSPRNG uniformly among all such splits whose shares lie in
/// ±`spread_wh` (the paper's challenger, section 9.5, with a fixed range):
/// from the equal split, random moves of energy between two shares that keep
/// both in range. No share is special (the chain is symmetric in the
/// shares) and their range does not depend on the reading. A net beyond
/// `count × spread_wh` widens the range to twice the equal share; nothing
/// leaves ±`bound_wh`.
pub fn split<R: RngCore + CryptoRng>(
	net_wh: i64,
	count: usize,
	spread_wh: i64,
	bound_wh: i64,
	rng: &mut R,
) -> Result<Vec<i64>, SplitError> {
	if count == 0 || bound_wh <= 0 {
		return Err(SplitError::TooLarge);
	}
	if i128::from(net_wh).abs() > i128::from(bound_wh) * count as i128 {
		return Err(SplitError::TooLarge);
	}
	let mut shares = equal_split(net_wh, count);
	if count == 1 {
		return Ok(shares);
	}
	// The remainder of the equal split goes to random shares.
	shares.shuffle(rng);
	let widest = shares.iter().map(|share| share.unsigned_abs()).max().unwrap_or(0);
	let spread = (spread_wh.max(0).unsigned_abs()).max(widest.saturating_mul(2));
	let spread = spread.min(bound_wh.unsigned_abs()) as i64;
	for _ in 0..count * MOVES_PER_SHARE {
		let from = rng.gen_range(0..count);
		let to = (from + rng.gen_range(1..count)) % count;
		// Energy moved from `from` to `to`, keeping both within ±spread.
		let most = (shares[from] + spread).min(spread - shares[to]);
		let least = (shares[from] - spread).max(-spread - shares[to]);
		if least > most {
			continue;
		}
		let moved = rng.gen_range(least..=most);
		shares[from] -= moved;
		shares[to] += moved;
	}
	Ok(shares)
}

/// `net_wh` in `count` shares as equal as integers allow (the first ones
/// one Wh more): what the box sends with `random_shares = false`, the
/// privacy evaluation's baseline without randomised shares.
pub fn equal_split(net_wh: i64, count: usize) -> Vec<i64> {
	let count_wide = count.max(1) as i64;
	let (quotient, remainder) = (net_wh.div_euclid(count_wide), net_wh.rem_euclid(count_wide));
	(0..count_wide).map(|index| quotient + i64::from(index < remainder)).collect()
}

/// A random moment in `[from, from + window]`.
pub fn send_time<R: RngCore + CryptoRng>(from_ms: u64, window_ms: u64, rng: &mut R) -> u64 {
	from_ms.saturating_add(rng.gen_range(0..=window_ms))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::config::DEFAULT_SPREAD_WH;
	use proptest::prelude::*;
	use rand::{rngs::StdRng, SeedableRng};

	proptest! {
		#[test]
		fn shares_sum_exactly_to_the_reading_and_stay_in_bounds(
			net in -3_000_000i64..3_000_000,
			count in 1usize..8,
			seed in any::<u64>(),
		) {
			let bound = 1_000_000i64;
			let mut rng = StdRng::seed_from_u64(seed);
			match split(net, count, DEFAULT_SPREAD_WH, bound, &mut rng) {
				Ok(shares) => {
					prop_assert_eq!(shares.len(), count);
					prop_assert_eq!(shares.iter().sum::<i64>(), net);
					prop_assert!(shares.iter().all(|share| share.abs() <= bound));
					if count > 1 && net.abs() <= DEFAULT_SPREAD_WH * count as i64 / 2 {
						prop_assert!(shares.iter().all(|share| share.abs() <= DEFAULT_SPREAD_WH));
					}
				},
				Err(_) => prop_assert!(net.abs() > bound * count as i64),
			}
		}

		#[test]
		fn equal_shares_sum_exactly_and_differ_by_at_most_one(
			net in -3_000_000i64..3_000_000,
			count in 1usize..60,
		) {
			let shares = equal_split(net, count);
			prop_assert_eq!(shares.iter().sum::<i64>(), net);
			let (low, high) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
			prop_assert!(high - low <= 1);
		}
	}

	/// The spread of the shares is the same for a small and a large reading,
	/// and every position carries the reading equally often: neither the
	/// size of a reading nor the last ledger gives it away.
	#[test]
	fn the_shares_range_does_not_depend_on_the_reading_and_no_share_is_special() {
		let mut rng = StdRng::seed_from_u64(7);
		let (count, rounds) = (5, 4_000);
		for net in [40i64, 4_000] {
			let mut sums = vec![0i64; count];
			let mut widest = 0i64;
			for _ in 0..rounds {
				let shares = split(net, count, DEFAULT_SPREAD_WH, 1_000_000, &mut rng).unwrap();
				for (sum, share) in sums.iter_mut().zip(&shares) {
					*sum += share;
				}
				widest = widest.max(shares.iter().map(|share| share.abs()).max().unwrap());
			}
			// Near the edge of the range for both readings.
			assert!(widest > DEFAULT_SPREAD_WH * 9 / 10, "{net}: widest {widest}");
			// Each position's mean share is net / count, within sampling noise
			// (a share's standard deviation is below the spread).
			let tolerance = 4.0 * DEFAULT_SPREAD_WH as f64 / (rounds as f64).sqrt();
			for sum in sums {
				let mean = sum as f64 / rounds as f64;
				assert!((mean - net as f64 / count as f64).abs() < tolerance, "{net}: {mean}");
			}
		}
	}

	#[test]
	fn shares_differ_between_splits_of_the_same_reading() {
		let mut rng = StdRng::seed_from_u64(1);
		let first = split(420, 3, DEFAULT_SPREAD_WH, 1_000_000, &mut rng).unwrap();
		let second = split(420, 3, DEFAULT_SPREAD_WH, 1_000_000, &mut rng).unwrap();
		assert_ne!(first, second);
	}
}
