//! Splitting a slot's net energy into n random shares (the paper's F) that
//! sum exactly to it, one per pseudonym, each sent at its own random moment.
//! Pseudonyms derive from one secret by hard derivation, so none of them can
//! be linked to another or to the secret from the chain.
use std::str::FromStr;

use rand::{CryptoRng, Rng, RngCore};
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

/// Splits `net_wh` into `count` shares drawn from a CSPRNG, each within
/// ±`bound_wh`, summing exactly to `net_wh`. The first `count − 1` shares are
/// uniform in ±max(|net|, 1 kWh) (clamped to the bound); the last makes the
/// sum exact and is drawn again if it would leave the bound.
pub fn split<R: RngCore + CryptoRng>(
	net_wh: i64,
	count: usize,
	bound_wh: i64,
	rng: &mut R,
) -> Result<Vec<i64>, SplitError> {
	if count == 0 || bound_wh <= 0 {
		return Err(SplitError::TooLarge);
	}
	let limit = i128::from(bound_wh) * count as i128;
	if i128::from(net_wh).abs() > limit {
		return Err(SplitError::TooLarge);
	}
	if count == 1 {
		return Ok(vec![net_wh]);
	}
	let spread = net_wh.unsigned_abs().max(1_000).min(bound_wh as u64) as i64;
	loop {
		let mut shares: Vec<i64> =
			(0..count - 1).map(|_| rng.gen_range(-spread..=spread)).collect();
		let rest = i128::from(net_wh) - shares.iter().map(|share| i128::from(*share)).sum::<i128>();
		if rest.abs() <= i128::from(bound_wh) {
			shares.push(rest as i64);
			return Ok(shares);
		}
	}
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
			match split(net, count, bound, &mut rng) {
				Ok(shares) => {
					prop_assert_eq!(shares.len(), count);
					prop_assert_eq!(shares.iter().sum::<i64>(), net);
					prop_assert!(shares.iter().all(|share| share.abs() <= bound));
				},
				Err(_) => prop_assert!(net.abs() > bound * count as i64),
			}
		}
	}

	#[test]
	fn shares_differ_between_splits_of_the_same_reading() {
		let mut rng = StdRng::seed_from_u64(1);
		let first = split(420, 3, 1_000_000, &mut rng).unwrap();
		let second = split(420, 3, 1_000_000, &mut rng).unwrap();
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
