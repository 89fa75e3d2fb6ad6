//! Day pseudonyms. A box's key in ledger `i` is the hard derivation
//! `<secret>//gridveil//ledger//i`; its pseudonym in that ledger on trading
//! day `d` is that key's *soft* child `/d` (sr25519, schnorrkel's
//! `derived_key_simple` with the day as chain code, as `subxt_signer` and
//! `sp_core` both derive it). Whoever holds the public ledger key (the
//! group's coordinator, given it once when the member joins) derives each
//! day's public pseudonym; without it two days' pseudonyms are unrelated
//! accounts. See docs/design.md (pseudonyms that live one day).
use schnorrkel::{
	derive::{ChainCode, Derivation},
	PublicKey,
};
use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, DeriveJunction, SecretUri};

/// Why a pseudonym could not be derived.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PseudonymError {
	/// The secret is not a secret URI (a mnemonic or `//Seed`).
	#[error("the pseudonym secret is not a valid secret URI")]
	Secret,
	/// The bytes are not an sr25519 public key.
	#[error("not an sr25519 public ledger key")]
	LedgerKey,
}

/// The hard derivation path of ledger key `ledger`.
pub fn ledger_path(ledger: u32) -> String {
	format!("//gridveil//ledger//{ledger}")
}

/// The chain code of `day`'s soft junction (the day as a SCALE `u64`).
fn day_code(day: u32) -> [u8; 32] {
	match DeriveJunction::soft(u64::from(day)) {
		DeriveJunction::Soft(code) | DeriveJunction::Hard(code) => code,
	}
}

/// Ledger key `ledger` of `secret` (the key file's text).
pub fn ledger_key(secret: &str, ledger: u32) -> Result<Keypair, PseudonymError> {
	let uri = SecretUri::from_str(&format!("{}{}", secret.trim(), ledger_path(ledger)))
		.map_err(|_| PseudonymError::Secret)?;
	Keypair::from_uri(&uri).map_err(|_| PseudonymError::Secret)
}

/// The pseudonym of a ledger key on trading day `day`.
pub fn day_key(ledger_key: &Keypair, day: u32) -> Keypair {
	ledger_key.derive([DeriveJunction::Soft(day_code(day))])
}

/// The pseudonym key of `secret` in ledger `ledger` on trading day `day`.
pub fn pseudonym_key(secret: &str, ledger: u32, day: u32) -> Result<Keypair, PseudonymError> {
	Ok(day_key(&ledger_key(secret, ledger)?, day))
}

/// The public pseudonym (account bytes) of `day` under the public ledger key
/// `ledger_key`: what the coordinator registers.
pub fn day_pseudonym(ledger_key: &[u8; 32], day: u32) -> Result<[u8; 32], PseudonymError> {
	let public = PublicKey::from_bytes(ledger_key).map_err(|_| PseudonymError::LedgerKey)?;
	Ok(public.derived_key_simple(ChainCode(day_code(day)), []).0.to_bytes())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_coordinator_derives_from_the_public_ledger_key_what_the_box_signs_with() {
		for (ledger, day) in [(0, 0), (0, 20_450), (4, 20_451), (15, u32::MAX)] {
			let public = ledger_key("//Bob", ledger).unwrap().public_key().0;
			let derived = day_pseudonym(&public, day).unwrap();
			assert_eq!(derived, pseudonym_key("//Bob", ledger, day).unwrap().public_key().0);
		}
	}

	#[test]
	fn the_same_path_as_a_secret_uri_gives_the_same_key() {
		let uri = SecretUri::from_str("//Bob//gridveil//ledger//3/20450").unwrap();
		let expected = Keypair::from_uri(&uri).unwrap().public_key().0;
		assert_eq!(pseudonym_key("//Bob", 3, 20_450).unwrap().public_key().0, expected);
	}

	#[test]
	fn days_ledgers_and_boxes_give_distinct_pseudonyms() {
		let mut seen = std::collections::BTreeSet::new();
		for secret in ["//Bob", "//Dave"] {
			for ledger in 0..3 {
				for day in 100..103 {
					assert!(seen.insert(pseudonym_key(secret, ledger, day).unwrap().public_key().0));
				}
			}
		}
	}

	#[test]
	fn bad_secrets_and_keys_are_errors() {
		assert_eq!(ledger_key("not a secret", 0).err(), Some(PseudonymError::Secret));
		// The compressed Ristretto encoding of a non-canonical point.
		assert_eq!(day_pseudonym(&[0xff; 32], 1).err(), Some(PseudonymError::LedgerKey));
	}
}
