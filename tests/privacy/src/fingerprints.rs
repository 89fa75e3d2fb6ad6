//! Can the public fingerprints be inverted? Every registered hour puts its
//! fingerprint on chain, and the one before it is public too. Circuit v1
//! chained the four readings straight from the previous fingerprint
//! (`f ← Poseidon(f, r)`), so an adversary who tries readings recovers an
//! hour whose readings it can bound: smooth night hours, whose quarters
//! differ little. Circuit v2 first mixes in the hour's blinding, a secret of
//! the meter and its box; the same search then finds nothing.
//!
//! The search tries every first reading up to `max_first_wh` and every next
//! reading within `max_step_wh` of the one before, reusing each prefix's
//! hash: `B + B·S + B·S² + B·S³` hashes for `B = max_first_wh + 1`, `S =
//! 2·max_step_wh + 1`.
use std::{path::Path, time::Instant};

use anyhow::Result;
use gridveil_circuits::poseidon;
use gridveil_edge::{ingest::Dataset, meter::PairingSecret};
use gridveil_groth16::Scalar;
use serde::{Deserialize, Serialize};

/// The adversary's bounds on an hour's four readings.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Bounds {
	/// The largest first reading it tries, Wh.
	pub max_first_wh: u64,
	/// The largest change from one reading to the next it tries, Wh.
	pub max_step_wh: u64,
}

impl Bounds {
	/// Night hours of the reference dataset: first reading up to 200 Wh,
	/// quarters within 6 Wh of each other (about 11 s of search an hour on
	/// one core).
	pub const NIGHT: Self = Self { max_first_wh: 200, max_step_wh: 6 };

	/// Whether `readings` lie inside the bounds (the hours the search can find).
	pub fn contain(&self, readings: &[u64; 4]) -> bool {
		readings[0] <= self.max_first_wh
			&& readings.windows(2).all(|pair| pair[0].abs_diff(pair[1]) <= self.max_step_wh)
	}
}

/// What one search did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
	/// The readings whose unblinded chain gives the target, if any.
	pub found: Option<[u64; 4]>,
	/// Poseidon hashes computed.
	pub hashes: u64,
}

/// Searches readings within `bounds` whose unblinded chain from `previous`
/// gives `target` (v1's fingerprint).
pub fn invert(previous: Scalar, target: Scalar, bounds: Bounds) -> Outcome {
	let mut hashes = 0u64;
	let step = |from: u64| {
		from.saturating_sub(bounds.max_step_wh)..=from.saturating_add(bounds.max_step_wh)
	};
	for first in 0..=bounds.max_first_wh {
		let one = poseidon::chain_step(previous, Scalar::from(first));
		hashes += 1;
		for second in step(first) {
			let two = poseidon::chain_step(one, Scalar::from(second));
			hashes += 1;
			for third in step(second) {
				let three = poseidon::chain_step(two, Scalar::from(third));
				hashes += 1;
				for fourth in step(third) {
					hashes += 1;
					if poseidon::chain_step(three, Scalar::from(fourth)) == target {
						return Outcome { found: Some([first, second, third, fourth]), hashes };
					}
				}
			}
		}
	}
	Outcome { found: None, hashes }
}

/// The result of attacking some real hours' fingerprints, v1 and v2.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attack {
	/// The bounds of the search.
	pub bounds: Bounds,
	/// Hours attacked (real dataset hours inside the bounds).
	pub hours: usize,
	/// v1 fingerprints whose readings the search recovered exactly.
	pub v1_recovered: usize,
	/// Seconds to recover each v1 hour (one core).
	pub v1_seconds: Vec<f64>,
	/// v2 fingerprints whose readings the search recovered.
	pub v2_recovered: usize,
	/// Seconds the search ran on each v2 fingerprint before giving up.
	pub v2_seconds: Vec<f64>,
	/// Poseidon hashes per second on this machine (one core).
	pub hashes_per_second: f64,
}

impl Attack {
	/// Median seconds to recover a v1 hour.
	pub fn v1_median_s(&self) -> f64 {
		median(&self.v1_seconds)
	}

	/// Slowest v1 recovery, seconds.
	pub fn v1_max_s(&self) -> f64 {
		self.v1_seconds.iter().copied().fold(0.0, f64::max)
	}

	/// Median seconds of the (fruitless) whole search against a v2 hour.
	pub fn v2_median_s(&self) -> f64 {
		median(&self.v2_seconds)
	}
}

fn median(seconds: &[f64]) -> f64 {
	let mut sorted = seconds.to_vec();
	sorted.sort_by(f64::total_cmp);
	sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// Real hours inside `bounds`: (household, first interval, readings), from
/// the households' night hours (00:00 to 06:00), up to `count`.
pub fn sample_hours(
	dataset: &Path,
	households: &[String],
	bounds: Bounds,
	count: usize,
) -> Result<Vec<(String, u64, [u64; 4])>> {
	const INTERVAL_MS: u64 = 900_000;
	let mut hours = Vec::new();
	for household in households {
		let data = Dataset::load(dataset, household)?;
		// Hour h of day d starts at interval 96·d + 4·h; nights only, one a day.
		for day in 0..(data.net_wh.len() as u64 / 96) {
			let hour = day % 6;
			let first = day * 96 + hour * 4;
			let readings: [u64; 4] = core::array::from_fn(|quarter| {
				data.reading((first + quarter as u64) * INTERVAL_MS, INTERVAL_MS).import_wh
			});
			if bounds.contain(&readings) {
				hours.push((household.clone(), first, readings));
				break;
			}
		}
		if hours.len() >= count {
			break;
		}
	}
	Ok(hours)
}

/// Attacks each hour's v1 and v2 fingerprints with the same search.
pub fn attack(hours: &[(String, u64, [u64; 4])], bounds: Bounds) -> Attack {
	let pairing = PairingSecret::generate();
	let mut result = Attack {
		bounds,
		hours: hours.len(),
		v1_recovered: 0,
		v1_seconds: Vec::new(),
		v2_recovered: 0,
		v2_seconds: Vec::new(),
		hashes_per_second: 0.0,
	};
	let (mut hashes, mut seconds) = (0u64, 0f64);
	for (index, (_, first, readings)) in hours.iter().enumerate() {
		// Some earlier fingerprint, public on chain.
		let previous = Scalar::from(0x1000_0000 + index as u64);
		let v1 = poseidon::unblinded_chain(previous, readings);
		let started = Instant::now();
		let outcome = invert(previous, v1, bounds);
		let elapsed = started.elapsed().as_secs_f64();
		if outcome.found == Some(*readings) {
			result.v1_recovered += 1;
		}
		result.v1_seconds.push(elapsed);
		(hashes, seconds) = (hashes + outcome.hashes, seconds + elapsed);

		let hour_end = (first + 4) * 900_000;
		let v2 = pairing.fingerprint(previous, hour_end, readings);
		let started = Instant::now();
		let outcome = invert(previous, v2, bounds);
		let elapsed = started.elapsed().as_secs_f64();
		if outcome.found.is_some() {
			result.v2_recovered += 1;
		}
		result.v2_seconds.push(elapsed);
		(hashes, seconds) = (hashes + outcome.hashes, seconds + elapsed);
	}
	result.hashes_per_second = hashes as f64 / seconds.max(1e-9);
	result
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_v1_fingerprint_gives_its_readings_back_and_a_v2_one_does_not() {
		let bounds = Bounds { max_first_wh: 40, max_step_wh: 3 };
		let readings = [31, 33, 30, 32];
		let previous = Scalar::from(99u64);
		let v1 = poseidon::unblinded_chain(previous, &readings);
		assert_eq!(invert(previous, v1, bounds).found, Some(readings));
		let v2 = PairingSecret::generate().fingerprint(previous, 3_600_000, &readings);
		let outcome = invert(previous, v2, bounds);
		assert_eq!(outcome.found, None);
		// The whole space was tried: about 41 · 7³ four-reading chains.
		assert!(outcome.hashes > 38 * 343, "{} hashes", outcome.hashes);
	}

	#[test]
	fn bounds_say_which_hours_a_search_can_find() {
		let bounds = Bounds { max_first_wh: 100, max_step_wh: 5 };
		assert!(bounds.contain(&[100, 95, 100, 105]));
		assert!(!bounds.contain(&[101, 100, 100, 100]));
		assert!(!bounds.contain(&[50, 56, 56, 56]));
	}
}
