//! Shares signed by their pseudonyms, for the group's coordinator to relay
//! in one batch per ledger and slot (`EnergyMarket::relay_shares`). The box
//! signs; the coordinator checks and relays; the chain checks again. What is
//! signed is [`share_message`] (the crate `gridveil-share-message`, which the
//! pallet checks too): the context, the genesis hash, the slot and the
//! share, so a signed share is good once, on one chain.
pub use gridveil_share_message::share_message;
use serde::{Deserialize, Serialize};
use subxt::dynamic;
use subxt_signer::sr25519::{self, Keypair};

/// A share and its pseudonym's signature, as a box hands it to its
/// coordinator (`POST /shares`, JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedShare {
	/// The pseudonym's public key, hex.
	pub pseudonym: String,
	/// The slot.
	pub slot: u32,
	/// The share, Wh: positive consumed.
	pub energy_wh: i64,
	/// The pseudonym's sr25519 signature of [`share_message`], hex.
	pub signature: String,
}

/// Why a signed share does not hold.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
	/// The pseudonym or the signature is not hex of the right length.
	#[error("the share is malformed")]
	Malformed,
	/// The signature is not the pseudonym's signature of the share.
	#[error("the signature is not the pseudonym's")]
	BadSignature,
}

impl SignedShare {
	/// `key`'s signed share of `energy_wh` for `slot` on the chain `genesis`.
	pub fn sign(key: &Keypair, genesis: &[u8; 32], slot: u32, energy_wh: i64) -> Self {
		let signature = key.sign(&share_message(genesis, slot, energy_wh));
		Self {
			pseudonym: hex::encode(key.public_key().0),
			slot,
			energy_wh,
			signature: hex::encode(signature.0),
		}
	}

	/// The pseudonym and the signature, once the signature is checked.
	pub fn verify(&self, genesis: &[u8; 32]) -> Result<([u8; 32], [u8; 64]), ShareError> {
		let pseudonym: [u8; 32] = decode_hex(&self.pseudonym)?;
		let signature: [u8; 64] = decode_hex(&self.signature)?;
		let message = share_message(genesis, self.slot, self.energy_wh);
		if sr25519::verify(&sr25519::Signature(signature), message, &sr25519::PublicKey(pseudonym))
		{
			Ok((pseudonym, signature))
		} else {
			Err(ShareError::BadSignature)
		}
	}
}

/// `EnergyMarket::relay_shares(ledger, slot, shares)` with `shares` as
/// `(pseudonym, share in Wh, sr25519 signature)`, in the order given (the
/// chain wants them sorted by pseudonym).
pub fn relay_shares_payload(
	ledger: u32,
	slot: u32,
	shares: impl IntoIterator<Item = ([u8; 32], i64, [u8; 64])>,
) -> impl subxt::transactions::Payload {
	let entries = shares.into_iter().map(|(pseudonym, energy_wh, signature)| {
		dynamic::Value::named_composite([
			("pseudonym", dynamic::Value::from_bytes(pseudonym)),
			("energy_wh", dynamic::Value::i128(energy_wh.into())),
			(
				"signature",
				dynamic::Value::unnamed_variant("Sr25519", [dynamic::Value::from_bytes(signature)]),
			),
		])
	});
	dynamic::transaction(
		"EnergyMarket",
		"relay_shares",
		vec![
			dynamic::Value::u128(ledger.into()),
			dynamic::Value::u128(slot.into()),
			dynamic::Value::unnamed_composite(entries),
		],
	)
}

fn decode_hex<const N: usize>(text: &str) -> Result<[u8; N], ShareError> {
	let bytes = hex::decode(text.trim_start_matches("0x")).map_err(|_| ShareError::Malformed)?;
	bytes.try_into().map_err(|_| ShareError::Malformed)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_signed_share_verifies_only_as_signed() {
		let key = Keypair::from_uri(&"//Alice//share".parse().unwrap()).unwrap();
		let share = SignedShare::sign(&key, &[1; 32], 500, -42);
		assert_eq!(share.verify(&[1; 32]).unwrap().0, key.public_key().0);
		assert_eq!(share.verify(&[2; 32]), Err(ShareError::BadSignature));
		let mut changed = share.clone();
		changed.energy_wh = 42;
		assert_eq!(changed.verify(&[1; 32]), Err(ShareError::BadSignature));
		let mut truncated = share;
		truncated.signature.pop();
		assert_eq!(truncated.verify(&[1; 32]), Err(ShareError::Malformed));
	}
}
