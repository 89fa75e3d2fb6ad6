//! Splitting a slot's net energy into n random shares (the paper's F) that
//! sum exactly to it, one per pseudonym, each sent at its own random moment.
//! Pseudonyms derive from one secret by hard derivation, so none of them can
//! be linked to another or to the secret from the chain.
use std::str::FromStr;

use rand::{seq::SliceRandom, CryptoRng, Rng, RngCore};
use serde::{Deserialize, Serialize};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Why a pseudonym cannot be derived.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
	/// The secret is not a valid secret URI.
	#[error("the pseudonym secret is not a valid secret URI")]
	Secret,
	/// No split fits the bound (the net itself exceeds n × bound).
	#[error("a net of this size cannot be split under the share bound")]
	TooLarge,
}

/// The shares of one slot, as the store keeps them for the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotShares {
	/// Net energy of the slot, Wh.
	pub net_wh: i64,
	/// Share of each pseudonym, Wh.
	pub shares_wh: Vec<i64>,
	/// Outbox entry of each share.
	pub entries: Vec<u64>,
}

/// The hard derivation path of pseudonym `index`.
pub fn pseudonym_path(index: u32) -> String {
	format!("//gridveil//ledger//{index}")
}

/// Pseudonym `index` of `secret` (a mnemonic or `//Seed`, as in the key file).
pub fn pseudonym(secret: &str, index: u32) -> Result<Keypair, SplitError> {
	let uri = SecretUri::from_str(&format!("{}{}", secret.trim(), pseudonym_path(index)))
		.map_err(|_| SplitError::Secret)?;
	Keypair::from_uri(&uri).map_err(|_| SplitError::Secret)
}

/// The default half-width of the shares' range, Wh: about the largest
/// 15-minute net of a small community's busiest member (the reference
/// dataset's readings lie within −14.4 … +7.3 kWh), so that a share says
/// nothing about the size of the reading it came from.
pub const DEFAULT_SPREAD_WH: i64 = 10_000;

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

	#[test]
	fn pseudonyms_are_distinct_hard_derivations_of_one_secret() {
		let keys: Vec<_> = (0..3).map(|index| pseudonym("//Bob", index).unwrap()).collect();
		let expected =
			Keypair::from_uri(&SecretUri::from_str("//Bob//gridveil//ledger//1").unwrap()).unwrap();
		assert_eq!(keys[1].public_key().0, expected.public_key().0);
		assert_ne!(keys[0].public_key().0, keys[2].public_key().0);
		assert!(pseudonym("not a secret", 0).is_err());
	}
}
