//! Types of the meter registry.
use crate::{host, weights::WeightInfo};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::weights::Weight;
use scale_info::TypeInfo;

pub use gridveil_p256::{MeterId, SignatureError, SignedMessage};

/// A meter's P-256 public key, SEC1 compressed: `0x02`/`0x03` ‖ x (big-endian).
pub type MeterKey = gridveil_p256::PublicKey;

/// A meter's ECDSA P-256 signature: `r ‖ s`, big-endian, `s ≤ n/2`.
pub type MeterSignature = gridveil_p256::Signature;

/// A meter as this runtime stores it.
pub type MeterOf<T> = Meter<<T as frame_system::Config>::AccountId>;

/// Whether a meter's signatures count.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum MeterStatus {
	/// Its attestations are accepted.
	Active,
	/// Revoked by the registrar: its attestations are refused.
	Revoked,
}

/// A registered meter.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Meter<AccountId> {
	/// Its public key.
	pub key: MeterKey,
	/// The prosumer whose readings it measures.
	pub prosumer: AccountId,
	/// Whether its signatures count.
	pub status: MeterStatus,
}

/// Why an hour's attestation was not accepted.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum AttestationError {
	/// No meter is registered under this id.
	UnknownMeter,
	/// The meter was revoked.
	MeterRevoked,
	/// The meter measures another prosumer's readings.
	ForeignMeter,
	/// The signature's bytes are not a well-formed low-S signature.
	Malformed(SignatureError),
	/// Well-formed, but not the meter's signature over this hour and fingerprint.
	BadSignature,
}

/// One hour's attestation to check, for [`crate::MeterAttestations::verify_attestations`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttestationCheck<AccountId> {
	/// The meter that signed.
	pub meter_id: MeterId,
	/// The prosumer the meter must measure.
	pub prosumer: AccountId,
	/// The moment attested (an hour's start or end), ms since the Unix epoch.
	pub moment_ms: u64,
	/// The blinded fingerprint at that moment, in the chain's encoding.
	pub fingerprint: [u8; 32],
	/// The meter's signature.
	pub signature: MeterSignature,
}

/// Where signatures are verified: natively through the host function, or
/// inside the runtime's wasm (the fallback, and the baseline it is measured
/// against).
pub trait SignatureBackend {
	/// Verifies an ECDSA P-256/SHA-256 signature with the registry's encodings.
	fn verify(key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, SignatureError>;
	/// Weight of one verification.
	fn weight<W: WeightInfo>() -> Weight;
	/// Verifies every item, one verdict each, in order.
	fn verify_batch(items: &[SignedMessage]) -> Vec<Result<bool, SignatureError>>;
	/// Weight of checking `checks` attestations of as many meters at once.
	fn batch_weight<W: WeightInfo>(checks: u32) -> Weight;
}

/// Verification by the node's `ecdsa_p256_verify` host function.
pub struct HostFunction;
impl SignatureBackend for HostFunction {
	fn verify(key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, SignatureError> {
		host::gridveil_meter::ecdsa_p256_verify(key, message, signature)
	}
	fn weight<W: WeightInfo>() -> Weight {
		W::verify_with_host_function()
	}
	fn verify_batch(items: &[SignedMessage]) -> Vec<Result<bool, SignatureError>> {
		host::gridveil_meter::ecdsa_p256_verify_batch(items)
	}
	fn batch_weight<W: WeightInfo>(checks: u32) -> Weight {
		W::verify_batch_with_host_function(checks)
	}
}

/// Verification compiled into the runtime itself.
pub struct InWasm;
impl SignatureBackend for InWasm {
	fn verify(key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, SignatureError> {
		gridveil_p256::verify(key, message, signature)
	}
	fn weight<W: WeightInfo>() -> Weight {
		W::verify_in_wasm()
	}
	fn verify_batch(items: &[SignedMessage]) -> Vec<Result<bool, SignatureError>> {
		gridveil_p256::verify_batch(items)
	}
	fn batch_weight<W: WeightInfo>(checks: u32) -> Weight {
		W::verify_batch_in_wasm(checks)
	}
}
