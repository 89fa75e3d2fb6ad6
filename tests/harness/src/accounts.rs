//! Keys and money as the tests, the demo and the load generator use them:
//! well-known development keys or derivations of the empty development
//! phrase (a test chain's keys are public by design).

use std::str::FromStr;

use anyhow::Result;
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// One VEIL (the chain's token has 12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;

/// A key from a secret URI (`//Alice`, `//GridVeil//prosumer//3`).
pub fn keypair(uri: &str) -> Result<Keypair> {
	Ok(Keypair::from_uri(&SecretUri::from_str(uri)?)?)
}

/// A keypair's account.
pub fn account(keypair: &Keypair) -> AccountId32 {
	keypair.public_key().to_account_id()
}
