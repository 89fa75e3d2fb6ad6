//! What the box sends, and who signs it: `DemandResponse::submit_deviation`
//! from the device key and `EnergyMarket::report_share` from a pseudonym,
//! encoded with the chain's metadata into outbox calls. The outbox
//! ([`gridveil_offchain::outbox`]) keeps them and its delivery worker sends
//! them; neither knows what they mean.
use gridveil_offchain::{
	chain::{CallEncoder, ChainError},
	outbox::{Call, Keyring},
	pseudonyms,
};
use subxt::{dynamic, utils::AccountId32};
use subxt_signer::sr25519::Keypair;

/// The kind of a deviation's outbox entry (logs and metrics).
pub const SUBMIT_DEVIATION: &str = "submit_deviation";
/// The kind of a share's outbox entry (logs and metrics).
pub const REPORT_SHARE: &str = "report_share";

/// Who signs an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sender {
	/// The device key.
	Device,
	/// The pseudonym in ledger `ledger` on trading day `day`
	/// (`//gridveil//ledger//<ledger>/<day>`).
	Pseudonym {
		/// The ledger's index in the group (0 to n − 1).
		ledger: u32,
		/// The trading day.
		day: u32,
	},
}

impl Sender {
	/// The signer label stored with an outbox entry.
	pub fn label(self) -> String {
		match self {
			Sender::Device => "device".into(),
			Sender::Pseudonym { ledger, day } => format!("pseudonym/{ledger}/{day}"),
		}
	}

	/// The sender a label names.
	pub fn from_label(label: &str) -> Option<Self> {
		if label == "device" {
			return Some(Sender::Device);
		}
		let (ledger, day) = label.strip_prefix("pseudonym/")?.split_once('/')?;
		Some(Sender::Pseudonym { ledger: ledger.parse().ok()?, day: day.parse().ok()? })
	}
}

/// The keys entries are signed with.
pub struct Keys {
	/// The device key.
	pub device: Keypair,
	/// The ledger keys, by ledger index; each day's pseudonym derives from
	/// its ledger's key.
	pub ledgers: Vec<Keypair>,
}

impl Keys {
	/// The key of `sender`.
	pub fn of(&self, sender: Sender) -> Option<Keypair> {
		match sender {
			Sender::Device => Some(self.device.clone()),
			Sender::Pseudonym { ledger, day } => {
				self.ledgers.get(ledger as usize).map(|key| pseudonyms::day_key(key, day))
			},
		}
	}

	/// The account of `sender`.
	pub fn account(&self, sender: Sender) -> Option<AccountId32> {
		self.of(sender).map(|key| key.public_key().to_account_id())
	}
}

impl Keyring for Keys {
	fn key(&self, signer: &str) -> Option<Keypair> {
		self.of(Sender::from_label(signer)?)
	}
}

/// What the meter signed about an hour, as `submit_deviation` carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourAttestation {
	/// The meter's signature over the hour's end and fingerprint.
	pub signature: gridveil_p256::Signature,
	/// The meter's fingerprint at the hour's start (little-endian) and its
	/// signature.
	pub previous: Option<([u8; 32], gridveil_p256::Signature)>,
}

impl HourAttestation {
	/// The call argument: `{ signature, previous: Option<{ fingerprint, signature }> }`.
	pub fn value(&self) -> dynamic::Value {
		let previous = match &self.previous {
			Some((fingerprint, signature)) => dynamic::Value::unnamed_variant(
				"Some",
				[dynamic::Value::named_composite([
					("fingerprint", dynamic::Value::from_bytes(fingerprint)),
					("signature", dynamic::Value::from_bytes(signature)),
				])],
			),
			None => dynamic::Value::unnamed_variant("None", []),
		};
		dynamic::Value::named_composite([
			("signature", dynamic::Value::from_bytes(self.signature)),
			("previous", previous),
		])
	}
}

/// `DemandResponse::submit_deviation(program_id, hour, deviation, fingerprint, proof, attestation)`.
pub fn submit_deviation(
	encoder: &CallEncoder,
	program_id: u64,
	hour: u32,
	deviation: u64,
	fingerprint: [u8; 32],
	proof: &[u8],
	attestation: &HourAttestation,
) -> Result<Call, ChainError> {
	let payload = dynamic::transaction(
		"DemandResponse",
		"submit_deviation",
		vec![
			dynamic::Value::u128(program_id.into()),
			dynamic::Value::u128(hour.into()),
			dynamic::Value::u128(deviation.into()),
			dynamic::Value::from_bytes(fingerprint),
			dynamic::Value::from_bytes(proof),
			attestation.value(),
		],
	);
	Ok(Call::new(SUBMIT_DEVIATION, encoder.encode(&payload)?))
}

/// `EnergyMarket::report_share(slot, energy_wh)`.
pub fn report_share(encoder: &CallEncoder, slot: u32, energy_wh: i64) -> Result<Call, ChainError> {
	let payload = dynamic::transaction(
		"EnergyMarket",
		"report_share",
		vec![dynamic::Value::u128(slot.into()), dynamic::Value::i128(energy_wh.into())],
	);
	Ok(Call::new(REPORT_SHARE, encoder.encode(&payload)?))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn signer_labels_name_the_same_keys_again() {
		let key = |uri: String| Keypair::from_uri(&uri.parse().unwrap()).unwrap();
		let keys = Keys {
			device: key("//Dave".into()),
			ledgers: (0..3).map(|index| pseudonyms::ledger_key("//Bob", index).unwrap()).collect(),
		};
		for sender in [
			Sender::Device,
			Sender::Pseudonym { ledger: 0, day: 20_450 },
			Sender::Pseudonym { ledger: 2, day: 20_451 },
		] {
			assert_eq!(Sender::from_label(&sender.label()), Some(sender));
			let key = keys.key(&sender.label()).unwrap();
			assert_eq!(Some(key.public_key().to_account_id()), keys.account(sender));
		}
		let day_key = keys.key("pseudonym/2/20451").unwrap().public_key().0;
		assert_eq!(day_key, pseudonyms::pseudonym_key("//Bob", 2, 20_451).unwrap().public_key().0);
		assert!(keys.key(&Sender::Pseudonym { ledger: 3, day: 1 }.label()).is_none());
		// The labels of the long-lived pseudonyms before day rotation name no key.
		assert!(keys.key("pseudonym/1").is_none());
		assert!(keys.key("pseudonym/x/1").is_none());
		assert!(keys.key("operator").is_none());
	}
}
