//! The chain's byte encodings: proofs, verifying keys, public inputs, and the
//! lengths of key encodings.

use crate::{Proof, Scalar, VerifyError, VerifyingKey};
use alloc::vec::Vec;
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// Bytes of a compressed proof.
pub const PROOF_BYTES: usize = 128;
/// Bytes of one public input.
pub const SCALAR_BYTES: usize = 32;
/// Bytes of a compressed G1 point.
pub(crate) const G1_COMPRESSED: usize = 32;
/// Bytes of a compressed G2 point.
pub(crate) const G2_COMPRESSED: usize = 64;
/// Bytes of an uncompressed G1 point.
pub(crate) const G1_UNCOMPRESSED: usize = 64;
/// Bytes of an uncompressed G2 point.
pub(crate) const G2_UNCOMPRESSED: usize = 128;
/// Bytes of an uncompressed Fq12 element.
pub(crate) const FQ12_BYTES: usize = 384;
/// Bytes of the length prefix of `gamma_abc_g1`.
const LENGTH_PREFIX: usize = 8;

/// Length of a prepared key's encoding for `inputs` public inputs.
pub const fn prepared_key_len(inputs: u32) -> usize {
	FQ12_BYTES + 2 * G2_UNCOMPRESSED + LENGTH_PREFIX + (inputs as usize + 1) * G1_UNCOMPRESSED
}

/// Length of a compressed verifying key's encoding for `inputs` public inputs.
pub const fn verifying_key_len(inputs: u32) -> usize {
	G1_COMPRESSED + 3 * G2_COMPRESSED + LENGTH_PREFIX + (inputs as usize + 1) * G1_COMPRESSED
}

/// Reads the `gamma_abc` length prefix of a key encoding whose fixed part is
/// `fixed` bytes and checks that exactly that many `point`-byte entries follow
/// (at least one). Returns the number of public inputs.
pub(crate) fn inputs_in_key(bytes: &[u8], fixed: usize, point: usize) -> Option<u32> {
	let prefix: [u8; LENGTH_PREFIX] = bytes.get(fixed..fixed + LENGTH_PREFIX)?.try_into().ok()?;
	let entries = u64::from_le_bytes(prefix);
	let rest = (bytes.len() - fixed - LENGTH_PREFIX) as u64;
	let expected_rest = entries.checked_mul(point as u64)?;
	if entries == 0 || expected_rest != rest || entries > u32::MAX as u64 {
		return None;
	}
	Some((entries - 1) as u32)
}

/// Decodes a compressed, checked proof of exactly [`PROOF_BYTES`] bytes.
pub fn decode_proof(bytes: &[u8]) -> Result<Proof, VerifyError> {
	if bytes.len() != PROOF_BYTES {
		return Err(VerifyError::MalformedProof);
	}
	decode_exact(bytes, Compress::Yes).map_err(|_| VerifyError::MalformedProof)
}

/// Compressed encoding of a proof.
pub fn encode_proof(proof: &Proof) -> [u8; PROOF_BYTES] {
	let mut out = [0u8; PROOF_BYTES];
	// A BN254 proof compresses to exactly PROOF_BYTES.
	let _ = proof.serialize_compressed(&mut out[..]);
	out
}

/// Compressed encoding of a verifying key.
pub fn encode_verifying_key(key: &VerifyingKey) -> Vec<u8> {
	let mut out = Vec::with_capacity(key.compressed_size());
	let _ = key.serialize_compressed(&mut out);
	out
}

/// Decodes a compressed verifying key with every point checked.
pub fn decode_verifying_key(bytes: &[u8]) -> Result<VerifyingKey, VerifyError> {
	decode_exact(bytes, Compress::Yes).map_err(|_| VerifyError::MalformedKey)
}

/// Decodes public inputs: whole 32-byte little-endian scalars, each `< r`.
pub fn decode_inputs(bytes: &[u8]) -> Result<Vec<Scalar>, VerifyError> {
	if !bytes.len().is_multiple_of(SCALAR_BYTES) {
		return Err(VerifyError::MalformedInputs);
	}
	bytes
		.chunks_exact(SCALAR_BYTES)
		.enumerate()
		.map(|(index, chunk)| {
			scalar_from_bytes(chunk).ok_or(VerifyError::InputNotInField { index: index as u32 })
		})
		.collect()
}

/// A scalar from 32 little-endian bytes, if it is below `r` (never reduced).
pub fn scalar_from_bytes(bytes: &[u8]) -> Option<Scalar> {
	if bytes.len() != SCALAR_BYTES {
		return None;
	}
	Scalar::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes).ok()
}

/// The 32-byte little-endian encoding of a scalar.
pub fn scalar_to_bytes(scalar: &Scalar) -> [u8; SCALAR_BYTES] {
	let mut out = [0u8; SCALAR_BYTES];
	out.copy_from_slice(&scalar.into_bigint().to_bytes_le());
	out
}

/// The 32-byte encoding of a small integer (hours, deviations, ids).
pub fn scalar_bytes_from_u64(value: u64) -> [u8; SCALAR_BYTES] {
	let mut out = [0u8; SCALAR_BYTES];
	out[..8].copy_from_slice(&value.to_le_bytes());
	out
}

/// Deserializes `T` from all of `bytes` with full checks; leftovers are an error.
fn decode_exact<T: CanonicalDeserialize>(
	bytes: &[u8],
	compress: Compress,
) -> Result<T, ark_serialize::SerializationError> {
	let mut reader = bytes;
	let value = T::deserialize_with_mode(&mut reader, compress, Validate::Yes)?;
	if reader.is_empty() {
		Ok(value)
	} else {
		Err(ark_serialize::SerializationError::InvalidData)
	}
}
