//! The meter-to-box link (`docs/meter-profile.md`):
//! - [`PairingSecret`]: what the box shares with its meter from pairing on;
//!   every hour's fingerprint is blinded with it. It never leaves the box
//!   and the meter; no log prints it.
//! - [`Attestation`]: the meter's signature over (meter id, hour end,
//!   fingerprint), ECDSA P-256/SHA-256, and its MQTT payload;
//!   [`MeterIdentity`] checks one natively before the box stores it.
//! - [`SigningMeter`]: a simulated meter that computes the same blinded chain
//!   over the reference dataset and signs it with a P-256 key from a file
//!   (`gridveil-edge simulate`, and the `replay` source).
use std::path::{Path, PathBuf};

use gridveil_circuits::{poseidon, READINGS_PER_HOUR};
use gridveil_groth16::{scalar_from_bytes, scalar_to_bytes, Scalar};
use gridveil_offchain::secret_file;
use gridveil_p256::{MeterId, MeterSigningKey, PublicKey, Signature, SignatureError};
use serde::{Deserialize, Serialize};

/// Why a pairing secret cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PairingError {
	/// The file cannot be read, or others may read it.
	#[error(transparent)]
	Read(#[from] secret_file::SecretFileError),
	/// The file does not hold 64 hex digits of a number below the BN254 scalar modulus.
	#[error("the pairing secret {0} is not 64 hex digits of a BN254 scalar")]
	Malformed(String),
}

/// The secret a meter and its box share from pairing on.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingSecret(Scalar);

impl core::fmt::Debug for PairingSecret {
	fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		formatter.write_str("PairingSecret(…)")
	}
}

impl PairingSecret {
	/// A fresh secret, for a new pairing: 253 random bits (always below
	/// the modulus, which exceeds 2^253).
	pub fn generate() -> Self {
		let mut bytes = [0u8; 32];
		rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
		bytes[31] &= 0x1f;
		Self(scalar_from_bytes(&bytes).unwrap_or_else(|| Scalar::from(0u64)))
	}

	/// The secret from its hex form: 64 digits, big-endian, below the modulus.
	pub fn from_hex(text: &str) -> Option<Self> {
		let mut bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
		bytes.reverse();
		scalar_from_bytes(&bytes).map(Self)
	}

	/// Its hex form, as the pairing file holds it.
	pub fn to_hex(&self) -> String {
		let mut bytes = scalar_to_bytes(&self.0);
		bytes.reverse();
		hex::encode(bytes)
	}

	/// Reads a pairing file.
	pub fn load(path: &Path) -> Result<Self, PairingError> {
		let text = secret_file::read(path)?;
		Self::from_hex(&text).ok_or_else(|| PairingError::Malformed(path.display().to_string()))
	}

	/// The blinding of the hour ending at `hour_end_ms`.
	pub fn blinding(&self, hour_end_ms: u64) -> Scalar {
		poseidon::blinding(self.0, hour_end_ms)
	}

	/// The blinded fingerprint of the hour ending at `hour_end_ms`, from the
	/// previous hour's fingerprint over the hour's imports.
	pub fn fingerprint(&self, previous: Scalar, hour_end_ms: u64, imports: &[u64]) -> Scalar {
		poseidon::fingerprint(previous, self.blinding(hour_end_ms), imports)
	}
}

/// One hour's signed fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
	/// The meter's id in the chain's registry.
	pub meter_id: MeterId,
	/// The end of the attested hour, ms since the Unix epoch.
	pub hour_end_ms: u64,
	/// The meter's fingerprint at that moment (the chain's little-endian encoding).
	pub fingerprint: [u8; 32],
	/// ECDSA P-256 over SHA-256 of the attestation message, `r ‖ s`.
	pub signature: Signature,
}

/// An attestation as the meter publishes it over MQTT (JSON, QoS 1):
/// `{"meter_id": 7, "hour_end_ms": …, "fingerprint": "<64 hex, big-endian>",
/// "signature": "<128 hex, r ‖ s>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationPayload {
	/// The meter's id.
	pub meter_id: MeterId,
	/// The end of the hour, ms.
	pub hour_end_ms: u64,
	/// The fingerprint, 64 hex digits, big-endian (as signed).
	pub fingerprint: String,
	/// The signature, 128 hex digits.
	pub signature: String,
}

impl Attestation {
	/// Its wire form.
	pub fn to_wire(&self) -> AttestationPayload {
		let mut fingerprint = self.fingerprint;
		fingerprint.reverse();
		AttestationPayload {
			meter_id: self.meter_id,
			hour_end_ms: self.hour_end_ms,
			fingerprint: hex::encode(fingerprint),
			signature: hex::encode(self.signature),
		}
	}

	/// From its wire form, `None` if a hex field is malformed.
	pub fn from_wire(payload: &AttestationPayload) -> Option<Self> {
		let mut fingerprint: [u8; 32] = hex::decode(&payload.fingerprint).ok()?.try_into().ok()?;
		fingerprint.reverse();
		Some(Self {
			meter_id: payload.meter_id,
			hour_end_ms: payload.hour_end_ms,
			fingerprint,
			signature: hex::decode(&payload.signature).ok()?.try_into().ok()?,
		})
	}

	/// The JSON payload.
	pub fn payload(&self) -> Vec<u8> {
		serde_json::to_vec(&self.to_wire()).unwrap_or_default()
	}

	/// Parses a JSON payload (not yet checked against the meter's key).
	pub fn from_payload(payload: &[u8]) -> Option<Self> {
		Self::from_wire(&serde_json::from_slice(payload).ok()?)
	}

	/// The fingerprint as a scalar, `None` if it is not below the modulus.
	pub fn fingerprint(&self) -> Option<Scalar> {
		scalar_from_bytes(&self.fingerprint)
	}
}

/// Why the box refused an attestation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationRefused {
	/// Signed by another meter than the box's.
	#[error("the attestation names another meter")]
	OtherMeter,
	/// The fingerprint is not a BN254 scalar.
	#[error("the fingerprint is not a BN254 scalar")]
	FingerprintNotInField,
	/// The signature's bytes are not a signature.
	#[error("malformed signature: {0:?}")]
	Malformed(SignatureError),
	/// Not the meter's signature over this hour and fingerprint.
	#[error("the signature is not the meter's")]
	BadSignature,
}

/// The meter the box is paired with: its id and public key, as registered
/// on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterIdentity {
	/// Its id in the chain's registry.
	pub id: MeterId,
	/// Its P-256 public key, SEC1 compressed.
	pub public_key: PublicKey,
}

impl MeterIdentity {
	/// Parses the configuration's hex key (66 digits).
	pub fn new(id: MeterId, public_key_hex: &str) -> Option<Self> {
		let public_key: PublicKey = hex::decode(public_key_hex.trim()).ok()?.try_into().ok()?;
		gridveil_p256::decode_public_key(&public_key).ok()?;
		Some(Self { id, public_key })
	}

	/// Checks an attestation natively, as the chain will: the meter, the
	/// fingerprint's range and the signature. A high-S signature is
	/// accepted and returned as its low-S twin, the form the chain takes.
	pub fn check(&self, attestation: Attestation) -> Result<Attestation, AttestationRefused> {
		if attestation.meter_id != self.id {
			return Err(AttestationRefused::OtherMeter);
		}
		attestation.fingerprint().ok_or(AttestationRefused::FingerprintNotInField)?;
		let signature =
			gridveil_p256::low_s(&attestation.signature).map_err(AttestationRefused::Malformed)?;
		let message = gridveil_p256::attestation_message(
			attestation.meter_id,
			attestation.hour_end_ms,
			&attestation.fingerprint,
		);
		match gridveil_p256::verify(&self.public_key, &message, &signature) {
			Ok(true) => Ok(Attestation { signature, ..attestation }),
			Ok(false) => Err(AttestationRefused::BadSignature),
			Err(error) => Err(AttestationRefused::Malformed(error)),
		}
	}
}

impl MeterIdentity {
	/// Checks the meter's signature over one interval's reading (the slot
	/// reading its coordinator checks shares against); returns it low-S.
	pub fn check_reading(
		&self,
		reading: &crate::reading::Reading,
		interval_ms: u64,
		signature: &[u8],
	) -> Result<gridveil_p256::Signature, AttestationRefused> {
		let signature = gridveil_p256::low_s(signature).map_err(AttestationRefused::Malformed)?;
		let message = reading_message(self.id, reading, interval_ms);
		match gridveil_p256::verify(&self.public_key, &message, &signature) {
			Ok(true) => Ok(signature),
			Ok(false) => Err(AttestationRefused::BadSignature),
			Err(error) => Err(AttestationRefused::Malformed(error)),
		}
	}
}

/// The message a meter signs for one interval's reading.
pub fn reading_message(
	meter_id: MeterId,
	reading: &crate::reading::Reading,
	interval_ms: u64,
) -> [u8; gridveil_p256::SLOT_READING_BYTES] {
	gridveil_p256::slot_reading_message(
		meter_id,
		reading.start_ms + interval_ms,
		reading.import_wh,
		reading.export_wh,
	)
}

/// Reads a meter signing key: 64 hex digits (a P-256 scalar, big-endian).
pub fn load_signing_key(path: &Path) -> Result<MeterSigningKey, PairingError> {
	let malformed = || PairingError::Malformed(path.display().to_string());
	let text = secret_file::read(path)?;
	let bytes = hex::decode(text.trim()).map_err(|_| malformed())?;
	MeterSigningKey::from_slice(&bytes).map_err(|_| malformed())
}

/// A fresh meter signing key and its file form (64 hex digits).
pub fn new_signing_key() -> (MeterSigningKey, String) {
	let key = MeterSigningKey::random(&mut rand::rngs::OsRng);
	let text = hex::encode(key.to_bytes());
	(key, text)
}

/// What a simulated meter keeps across restarts: the last hour it closed
/// and its fingerprint then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct MeterState {
	/// The end of the last closed hour, ms.
	hour_end_ms: u64,
	/// The chain's value then (64 hex digits, little-endian).
	fingerprint: String,
}

/// A simulated signing meter: it keeps its own blinded chain over its
/// readings and signs it at the end of every hour of `readings_per_hour`
/// intervals. Its state file makes the chain continue across restarts.
pub struct SigningMeter {
	id: MeterId,
	key: MeterSigningKey,
	pairing: PairingSecret,
	interval_ms: u64,
	state_path: PathBuf,
	hour_end_ms: u64,
	fingerprint: Scalar,
}

impl SigningMeter {
	/// Opens the meter: its state if it has run before, else a chain of 0
	/// from the start of the hour that `now_ms` falls in (installation).
	pub fn open(
		id: MeterId,
		key: MeterSigningKey,
		pairing: PairingSecret,
		interval_ms: u64,
		state_path: PathBuf,
		now_ms: u64,
	) -> Result<Self, std::io::Error> {
		let hour_length = interval_ms.max(1) * READINGS_PER_HOUR as u64;
		let (hour_end_ms, fingerprint) = match std::fs::read(&state_path) {
			Ok(bytes) => {
				let state: MeterState = serde_json::from_slice(&bytes)
					.map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))?;
				let fingerprint = hex::decode(&state.fingerprint)
					.ok()
					.and_then(|bytes| bytes.try_into().ok())
					.and_then(|bytes: [u8; 32]| scalar_from_bytes(&bytes))
					.ok_or_else(|| {
						std::io::Error::new(std::io::ErrorKind::InvalidData, "meter state")
					})?;
				(state.hour_end_ms, fingerprint)
			},
			Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
				(now_ms - now_ms % hour_length, Scalar::from(0u64))
			},
			Err(error) => return Err(error),
		};
		let meter = Self { id, key, pairing, interval_ms, state_path, hour_end_ms, fingerprint };
		meter.save()?;
		Ok(meter)
	}

	fn hour_length(&self) -> u64 {
		self.interval_ms.max(1) * READINGS_PER_HOUR as u64
	}

	fn save(&self) -> Result<(), std::io::Error> {
		let state = MeterState {
			hour_end_ms: self.hour_end_ms,
			fingerprint: hex::encode(scalar_to_bytes(&self.fingerprint)),
		};
		let temporary = self.state_path.with_extension("tmp");
		std::fs::write(&temporary, serde_json::to_vec(&state).unwrap_or_default())?;
		std::fs::rename(&temporary, &self.state_path)
	}

	/// The meter's signature over one interval's reading.
	pub fn sign_reading(&self, reading: &crate::reading::Reading) -> Signature {
		gridveil_p256::sign(&self.key, &reading_message(self.id, reading, self.interval_ms))
	}

	/// The signed attestation of the last closed hour (republished at start,
	/// so a box that missed it gets it).
	pub fn last(&self) -> Attestation {
		self.attest(self.hour_end_ms, self.fingerprint)
	}

	fn attest(&self, hour_end_ms: u64, fingerprint: Scalar) -> Attestation {
		let fingerprint = scalar_to_bytes(&fingerprint);
		let message = gridveil_p256::attestation_message(self.id, hour_end_ms, &fingerprint);
		Attestation {
			meter_id: self.id,
			hour_end_ms,
			fingerprint,
			signature: gridveil_p256::sign(&self.key, &message),
		}
	}

	/// Closes every hour that has ended by `now_ms`, with `import_wh(start)`
	/// the reading of the interval starting at `start`; returns their
	/// attestations in order. The state is saved after each hour.
	pub fn close_hours(
		&mut self,
		now_ms: u64,
		import_wh: impl Fn(u64) -> u64,
	) -> Result<Vec<Attestation>, std::io::Error> {
		let hour_length = self.hour_length();
		let mut closed = Vec::new();
		while self.hour_end_ms + hour_length <= now_ms {
			let start = self.hour_end_ms;
			let end = start + hour_length;
			let readings: Vec<u64> = (0..READINGS_PER_HOUR as u64)
				.map(|index| import_wh(start + index * self.interval_ms))
				.collect();
			self.fingerprint = self.pairing.fingerprint(self.fingerprint, end, &readings);
			self.hour_end_ms = end;
			self.save()?;
			closed.push(self.attest(end, self.fingerprint));
		}
		Ok(closed)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pairing_secret_round_trips_through_its_file() {
		let secret = PairingSecret::generate();
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("pairing.key");
		secret_file::create(&path, &secret.to_hex()).unwrap();
		assert_eq!(PairingSecret::load(&path).unwrap(), secret);
		assert_eq!(format!("{secret:?}"), "PairingSecret(…)");
	}

	#[test]
	fn malformed_pairing_files_are_refused() {
		for text in ["", "00", &"ff".repeat(32), &"0".repeat(63), "zz"] {
			assert!(PairingSecret::from_hex(text).is_none(), "{text}");
		}
		assert!(PairingSecret::from_hex(&"0".repeat(64)).is_some());
	}

	#[test]
	fn each_hour_has_its_own_blinding() {
		let secret = PairingSecret::generate();
		assert_ne!(secret.blinding(3_600_000), secret.blinding(7_200_000));
		assert_ne!(
			secret.fingerprint(Scalar::from(0u64), 3_600_000, &[1, 2, 3, 4]),
			PairingSecret::generate().fingerprint(Scalar::from(0u64), 3_600_000, &[1, 2, 3, 4])
		);
	}

	fn meter(dir: &Path, now: u64) -> SigningMeter {
		let key = MeterSigningKey::from_slice(&[0x21; 32]).unwrap();
		let pairing = PairingSecret::from_hex(&"0b".repeat(32)).unwrap();
		SigningMeter::open(9, key, pairing, 1_000, dir.join("meter.json"), now).unwrap()
	}

	fn identity() -> MeterIdentity {
		let key = MeterSigningKey::from_slice(&[0x21; 32]).unwrap();
		MeterIdentity { id: 9, public_key: gridveil_p256::public_key(&key) }
	}

	#[test]
	fn a_signing_meter_chains_its_hours_and_the_box_accepts_them() {
		let dir = tempfile::tempdir().unwrap();
		let mut meter = meter(dir.path(), 10_500);
		let first = meter.last();
		assert_eq!((first.hour_end_ms, first.fingerprint), (8_000, [0; 32]));
		assert!(meter.close_hours(11_999, |start| start / 1_000).unwrap().is_empty());
		let closed = meter.close_hours(24_000, |start| start / 1_000).unwrap();
		assert_eq!(
			closed.iter().map(|a| a.hour_end_ms).collect::<Vec<_>>(),
			vec![12_000, 16_000, 20_000, 24_000]
		);
		// The chain is the box's: the pairing secret's blinding over the readings.
		let pairing = PairingSecret::from_hex(&"0b".repeat(32)).unwrap();
		let after = pairing.fingerprint(Scalar::from(0u64), 12_000, &[8, 9, 10, 11]);
		assert_eq!(closed[0].fingerprint, scalar_to_bytes(&after));
		for attestation in [first].iter().chain(&closed) {
			let checked = identity().check(*attestation).unwrap();
			let payload = Attestation::from_payload(&checked.payload()).unwrap();
			assert_eq!(payload, checked);
		}
		// A restart continues the chain.
		drop(meter);
		let meter = self::meter(dir.path(), 99_999);
		assert_eq!(meter.last(), closed[3]);
	}

	#[test]
	fn the_box_refuses_attestations_that_are_not_its_meters() {
		let dir = tempfile::tempdir().unwrap();
		let attestation = meter(dir.path(), 0).last();
		assert_eq!(
			identity().check(Attestation { meter_id: 8, ..attestation }),
			Err(AttestationRefused::OtherMeter)
		);
		assert_eq!(
			identity().check(Attestation { hour_end_ms: 1, ..attestation }),
			Err(AttestationRefused::BadSignature)
		);
		assert_eq!(
			identity().check(Attestation { fingerprint: [0xff; 32], ..attestation }),
			Err(AttestationRefused::FingerprintNotInField)
		);
		assert!(matches!(
			identity().check(Attestation { signature: [0; 64], ..attestation }),
			Err(AttestationRefused::Malformed(_))
		));
		// High-S is repaired, not refused.
		let twin = gridveil_p256::twin(&attestation.signature).unwrap();
		let checked = identity().check(Attestation { signature: twin, ..attestation }).unwrap();
		assert_eq!(checked.signature, gridveil_p256::low_s(&attestation.signature).unwrap());
		assert!(Attestation::from_payload(b"{}").is_none());
	}
}
