//! Meter attestations, as GridVeil's chain and edge boxes see them: the bytes
//! a meter signs at the end of each hour, and one ECDSA P-256 verifier.
//!
//! A meter (or the metering gateway in front of it) signs, at each hour's
//! end, its **blinded fingerprint** of the hour's readings with ECDSA over
//! P-256 and SHA-256: the suite of DLMS/COSEM security suite 1, OCMF and the
//! secure elements meters carry (ATECC608, SE050). Everything signed is
//! public, so the signature reveals nothing. `docs/meter-profile.md` is the
//! byte-by-byte profile; [`attestation_message`] is its one implementation.
//!
//! The same code runs natively behind the `ecdsa_p256_verify` host function,
//! compiled to wasm as the runtime's fallback, and on the edge box. It is
//! `no_std`, never panics on any input, and rejects instead of repairing: a
//! key that is not a compressed point on the curve, a signature whose `r` or
//! `s` is zero or not below the group order, and a high-S signature (`s >
//! n/2`, the malleable twin of a valid one) each have their own error.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use p256::ecdsa::{
	signature::{Signer, Verifier},
	Signature as EcdsaSignature, SigningKey, VerifyingKey,
};
use scale_info::TypeInfo;

/// Bytes of a meter's public key: SEC1 compressed (`0x02`/`0x03` ‖ x, big-endian).
pub const PUBLIC_KEY_BYTES: usize = 33;
/// Bytes of a signature: `r ‖ s`, each 32 bytes big-endian.
pub const SIGNATURE_BYTES: usize = 64;
/// What every attestation message starts with, so a meter's signature on it
/// can never be taken for its signature on anything else.
pub const ATTESTATION_DOMAIN: &[u8; 29] = b"GRIDVEIL-METER-ATTESTATION-V1";
/// Bytes of an attestation message: domain ‖ meter id ‖ hour end ‖ fingerprint.
pub const MESSAGE_BYTES: usize = ATTESTATION_DOMAIN.len() + 8 + 8 + 32;

/// A meter's public key, SEC1 compressed.
pub type PublicKey = [u8; PUBLIC_KEY_BYTES];
/// An ECDSA P-256 signature, `r ‖ s` big-endian, `s ≤ n/2`.
pub type Signature = [u8; SIGNATURE_BYTES];
/// A meter's number in the chain's meter registry.
pub type MeterId = u64;

/// Why bytes could not be verified. A well-formed signature that does not
/// match is `Ok(false)`, not an error.
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
pub enum SignatureError {
	/// The key is not 33 bytes of a SEC1-compressed point on P-256 (wrong
	/// length, wrong tag, x not below the field modulus, or no such point).
	MalformedKey,
	/// The signature is not 64 bytes of `r ‖ s` with both in `1..n`.
	MalformedSignature,
	/// `s > n/2`: the malleable twin of a signature. Meters whose secure
	/// element emits it are fine: the edge box submits `n − s` instead.
	HighS,
}

impl core::fmt::Display for SignatureError {
	fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		formatter.write_str(match self {
			SignatureError::MalformedKey => "not a SEC1-compressed P-256 public key",
			SignatureError::MalformedSignature => "not an ECDSA P-256 signature r ‖ s",
			SignatureError::HighS => "a high-S signature",
		})
	}
}

#[cfg(feature = "std")]
impl std::error::Error for SignatureError {}

/// The message a meter signs for the hour ending at `hour_end_ms` (ms since
/// the Unix epoch): `ATTESTATION_DOMAIN ‖ meter_id (u64 BE) ‖ hour_end_ms (u64
/// BE) ‖ fingerprint (32 bytes BE)`, 77 bytes. `fingerprint` comes in the
/// chain's encoding (little-endian) and is written big-endian, as a meter
/// writes a number.
pub fn attestation_message(
	meter_id: MeterId,
	hour_end_ms: u64,
	fingerprint_le: &[u8; 32],
) -> [u8; MESSAGE_BYTES] {
	let mut message = [0u8; MESSAGE_BYTES];
	let (domain, rest) = message.split_at_mut(ATTESTATION_DOMAIN.len());
	domain.copy_from_slice(ATTESTATION_DOMAIN);
	let (meter, rest) = rest.split_at_mut(8);
	meter.copy_from_slice(&meter_id.to_be_bytes());
	let (hour_end, fingerprint) = rest.split_at_mut(8);
	hour_end.copy_from_slice(&hour_end_ms.to_be_bytes());
	for (to, from) in fingerprint.iter_mut().zip(fingerprint_le.iter().rev()) {
		*to = *from;
	}
	message
}

/// Domain tag of a slot reading a meter signs for its group's coordinator.
pub const SLOT_READING_DOMAIN: &[u8; 26] = b"GRIDVEIL-METER-SLOT-READ-1";
/// Length of a signed slot-reading message.
pub const SLOT_READING_BYTES: usize = SLOT_READING_DOMAIN.len() + 8 + 8 + 8 + 8;

/// The message a meter signs for its coordinator about the 15-minute
/// interval ending at `slot_end_ms`: `SLOT_READING_DOMAIN ‖ meter_id (u64 BE)
/// ‖ slot_end_ms (u64 BE) ‖ import_wh (u64 BE) ‖ export_wh (u64 BE)`, 58
/// bytes. Unlike the hour's blinded fingerprint it holds the reading itself:
/// it goes to the coordinator only (who checks the members' shares against
/// it), never on chain.
pub fn slot_reading_message(
	meter_id: MeterId,
	slot_end_ms: u64,
	import_wh: u64,
	export_wh: u64,
) -> [u8; SLOT_READING_BYTES] {
	let mut message = [0u8; SLOT_READING_BYTES];
	let (domain, rest) = message.split_at_mut(SLOT_READING_DOMAIN.len());
	domain.copy_from_slice(SLOT_READING_DOMAIN);
	for (field, value) in
		rest.chunks_exact_mut(8).zip([meter_id, slot_end_ms, import_wh, export_wh])
	{
		field.copy_from_slice(&value.to_be_bytes());
	}
	message
}

/// Decodes a meter key: exactly a SEC1-compressed point on P-256.
pub fn decode_public_key(key: &[u8]) -> Result<VerifyingKey, SignatureError> {
	match key.first() {
		Some(0x02 | 0x03) if key.len() == PUBLIC_KEY_BYTES => {},
		_ => return Err(SignatureError::MalformedKey),
	}
	VerifyingKey::from_sec1_bytes(key).map_err(|_| SignatureError::MalformedKey)
}

/// Decodes a signature, refusing high-S.
pub fn decode_signature(signature: &[u8]) -> Result<EcdsaSignature, SignatureError> {
	let signature =
		EcdsaSignature::from_slice(signature).map_err(|_| SignatureError::MalformedSignature)?;
	match signature.normalize_s() {
		Some(_) => Err(SignatureError::HighS),
		None => Ok(signature),
	}
}

/// Verifies `signature` (64 bytes, `r ‖ s`, low-S) by `public_key` (33 bytes,
/// compressed) over SHA-256 of `message`. `Ok(true)`: valid; `Ok(false)`:
/// well-formed but not this key's signature of this message; `Err`: bytes
/// that are not a well-formed key or signature. Never panics.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, SignatureError> {
	let key = decode_public_key(public_key)?;
	let signature = decode_signature(signature)?;
	Ok(key.verify(message, &signature).is_ok())
}

/// One signature to check in a batch: a meter key, the message it signed
/// and the signature, in the encodings of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedMessage {
	/// The meter's key, SEC1 compressed.
	pub key: PublicKey,
	/// What was signed.
	pub message: Vec<u8>,
	/// The signature, `r ‖ s`.
	pub signature: Signature,
}

/// [`verify`] for every item, one verdict each, in order. Natively (`std`:
/// the host function) the items are verified on every core; each verdict
/// depends on its item alone, so the answer is the same on any number of
/// cores and in wasm.
pub fn verify_batch(items: &[SignedMessage]) -> Vec<Result<bool, SignatureError>> {
	let check = |item: &SignedMessage| verify(&item.key, &item.message, &item.signature);
	#[cfg(feature = "std")]
	return {
		use rayon::prelude::*;
		items.par_iter().map(check).collect()
	};
	#[cfg(not(feature = "std"))]
	items.iter().map(check).collect()
}

/// `signature` with `s` replaced by `n − s` when it is high, so the chain
/// accepts it; `Err` for bytes that are no signature at all.
pub fn low_s(signature: &[u8]) -> Result<Signature, SignatureError> {
	let signature =
		EcdsaSignature::from_slice(signature).map_err(|_| SignatureError::MalformedSignature)?;
	let signature = signature.normalize_s().unwrap_or(signature);
	Ok(array(&signature.to_bytes()))
}

/// The malleable twin of a signature: the same `r`, `s` replaced by `n − s`.
/// Also a valid signature of the same message, so the chain takes only the
/// low-S one of the two.
pub fn twin(signature: &[u8]) -> Result<Signature, SignatureError> {
	let signature =
		EcdsaSignature::from_slice(signature).map_err(|_| SignatureError::MalformedSignature)?;
	let (r, s) = signature.split_scalars();
	let twin =
		EcdsaSignature::from_scalars(r, -s).map_err(|_| SignatureError::MalformedSignature)?;
	Ok(array(&twin.to_bytes()))
}

/// Signs `message` as a meter does (ECDSA P-256 over SHA-256, RFC 6979 nonces),
/// without normalising `s`: what a secure element returns, high-S or not.
pub fn sign(key: &SigningKey, message: &[u8]) -> Signature {
	let signature: EcdsaSignature = key.sign(message);
	array(&signature.to_bytes())
}

/// The compressed public key of a meter's signing key.
pub fn public_key(key: &SigningKey) -> PublicKey {
	array(key.verifying_key().to_encoded_point(true).as_bytes())
}

/// The first `N` bytes of `bytes` (zero-padded): for encodings whose length
/// the type already fixes (a compressed point, `r ‖ s`).
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
	let mut out = [0u8; N];
	for (to, from) in out.iter_mut().zip(bytes) {
		*to = *from;
	}
	out
}

pub use p256::ecdsa::SigningKey as MeterSigningKey;

#[cfg(test)]
mod tests;
