//! Groth16 over BN254, as GridVeil's chain sees it: the byte encodings of keys,
//! proofs and public inputs, and one verifier.
//!
//! The same code runs natively behind the `groth16_bn254_verify` host function
//! and, compiled to wasm, as the runtime's fallback. It is `no_std`, never
//! panics on any input, and rejects instead of repairing: a coordinate or a
//! scalar that is not canonical, a point off the curve or outside the
//! prime-order subgroup (G1 and G2), a wrong number of inputs, trailing bytes.
//!
//! # Encodings
//! - **Verifying key** (what an operator registers): arkworks' compressed
//!   `ark_groth16::VerifyingKey<Bn254>`: `alpha_g1 ‖ beta_g2 ‖ gamma_g2 ‖
//!   delta_g2 ‖ len:u64le ‖ gamma_abc_g1[len]`, G1 in 32 bytes, G2 in 64;
//!   `len` = public inputs + 1.
//! - **Prepared key** (what the chain stores and hands to the verifier): the
//!   key with the pairing `e(alpha, beta)` computed once and gamma, delta
//!   negated: `alpha_beta:Fq12 ‖ -gamma_g2 ‖ -delta_g2 ‖ len:u64le ‖
//!   gamma_abc_g1[len]`, all uncompressed (no square roots per verification).
//! - **Proof**: arkworks' compressed `ark_groth16::Proof<Bn254>`, `a ‖ b ‖ c`,
//!   128 bytes.
//! - **Public inputs**: 32 bytes each, little-endian, each `< r`.
//!
//! # Batches
//! [`verify_batch`] checks k proofs under one key with one random linear
//! combination of their pairing equations: k + 2 Miller loops and one final
//! exponentiation instead of 3k and k. The weights are derived from a hash
//! of the key, every proof and every input, so every validator computes the
//! same ones and a prover cannot choose proofs after seeing them. A batch
//! that fails says only that some proof is false; callers then verify one by
//! one to find it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use ark_bn254::{Bn254, Fq12, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, CyclotomicMultSubgroup, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use blake2::{digest::consts::U32, Blake2b, Digest};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A Groth16 proof over BN254.
pub type Proof = ark_groth16::Proof<Bn254>;
/// A Groth16 verifying key over BN254.
pub type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;
/// A public input: an element of BN254's scalar field.
pub type Scalar = Fr;

/// Bytes of a compressed proof.
pub const PROOF_BYTES: usize = 128;
/// Bytes of one public input.
pub const SCALAR_BYTES: usize = 32;
/// Bytes of a compressed G1 point.
const G1_COMPRESSED: usize = 32;
/// Bytes of a compressed G2 point.
const G2_COMPRESSED: usize = 64;
/// Bytes of an uncompressed G1 point.
const G1_UNCOMPRESSED: usize = 64;
/// Bytes of an uncompressed G2 point.
const G2_UNCOMPRESSED: usize = 128;
/// Bytes of an uncompressed Fq12 element.
const FQ12_BYTES: usize = 384;
/// Bytes of the length prefix of `gamma_abc_g1`.
const LENGTH_PREFIX: usize = 8;
/// What the batch transcript hash starts with, so it is never a hash of
/// anything else.
const BATCH_DOMAIN: &[u8] = b"gridveil/groth16-bn254/batch/v1";

/// Why bytes could not be verified. Every variant means "this input is not a
/// well-formed statement"; a well-formed proof that fails the pairing check is
/// `Ok(false)`, not an error.
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
pub enum VerifyError {
	/// The key's bytes do not decode: wrong length, a coordinate not below the
	/// field modulus, a point off the curve or outside the prime-order subgroup,
	/// or a key without inputs.
	MalformedKey,
	/// The proof's bytes do not decode: wrong length, bad flags, a coordinate
	/// not below the field modulus, a point off the curve or outside the
	/// prime-order subgroup.
	MalformedProof,
	/// The public inputs are not a whole number of 32-byte scalars.
	MalformedInputs,
	/// Public input `index` is not below the scalar field modulus `r`.
	InputNotInField {
		/// Position of the offending input.
		index: u32,
	},
	/// The key expects `expected` public inputs but `found` were given.
	InputCountMismatch {
		/// Inputs the key was made for.
		expected: u32,
		/// Inputs supplied.
		found: u32,
	},
}

/// A verifying key checked once and prepared for fast verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedKey {
	/// `e(alpha_g1, beta_g2)`.
	alpha_beta: Fq12,
	/// `-gamma_g2`.
	gamma_neg: G2Affine,
	/// `-delta_g2`.
	delta_neg: G2Affine,
	/// `gamma_abc_g1`: one base point for the constant and one per public input.
	gamma_abc: Vec<G1Affine>,
}

impl PreparedKey {
	/// Decodes and checks a compressed verifying key (every point on the curve
	/// and in its subgroup, nothing left over, at least the constant term), then
	/// prepares it: one pairing, here, instead of one per verification.
	pub fn from_verifying_key_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
		inputs_in_key(bytes, G1_COMPRESSED + 3 * G2_COMPRESSED, G1_COMPRESSED)
			.ok_or(VerifyError::MalformedKey)?;
		Ok(Self::from_verifying_key(&decode_verifying_key(bytes)?))
	}

	/// Prepares a key already in memory (the prover's side, and tests).
	pub fn from_verifying_key(key: &VerifyingKey) -> Self {
		Self {
			alpha_beta: Bn254::pairing(key.alpha_g1, key.beta_g2).0,
			gamma_neg: (-key.gamma_g2.into_group()).into_affine(),
			delta_neg: (-key.delta_g2.into_group()).into_affine(),
			gamma_abc: key.gamma_abc_g1.clone(),
		}
	}

	/// Decodes a prepared key as the chain stores it, checking every point.
	pub fn decode(bytes: &[u8]) -> Result<Self, VerifyError> {
		inputs_in_key(bytes, FQ12_BYTES + 2 * G2_UNCOMPRESSED, G1_UNCOMPRESSED)
			.ok_or(VerifyError::MalformedKey)?;
		let mut reader = bytes;
		let alpha_beta = Fq12::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let gamma_neg = G2Affine::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let delta_neg = G2Affine::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let gamma_abc =
			Vec::<G1Affine>::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
				.map_err(|_| VerifyError::MalformedKey)?;
		if !reader.is_empty() || gamma_abc.is_empty() {
			return Err(VerifyError::MalformedKey);
		}
		Ok(Self { alpha_beta, gamma_neg, delta_neg, gamma_abc })
	}

	/// The chain's encoding of this prepared key.
	pub fn encode(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.encoded_len());
		// Writing into a Vec cannot fail.
		let _ = self.alpha_beta.serialize_uncompressed(&mut out);
		let _ = self.gamma_neg.serialize_uncompressed(&mut out);
		let _ = self.delta_neg.serialize_uncompressed(&mut out);
		let _ = self.gamma_abc.serialize_uncompressed(&mut out);
		out
	}

	/// Length of [`Self::encode`].
	pub fn encoded_len(&self) -> usize {
		prepared_key_len(self.public_inputs())
	}

	/// Number of public inputs this key verifies.
	pub fn public_inputs(&self) -> u32 {
		self.gamma_abc.len().saturating_sub(1) as u32
	}

	/// Verifies `proof` for `inputs`: `Ok(true)` if the pairing equation holds,
	/// `Ok(false)` if it does not, an error if the input count is wrong.
	pub fn verify(&self, proof: &Proof, inputs: &[Scalar]) -> Result<bool, VerifyError> {
		let expected = self.public_inputs();
		if inputs.len() != expected as usize {
			return Err(VerifyError::InputCountMismatch { expected, found: inputs.len() as u32 });
		}
		let (constant, bases) = match self.gamma_abc.split_first() {
			Some(split) => split,
			None => return Err(VerifyError::MalformedKey),
		};
		// Lengths are equal (checked above), so the MSM cannot refuse them.
		let accumulated =
			G1Projective::msm(bases, inputs).map_err(|_| VerifyError::MalformedKey)?;
		let prepared_inputs = (accumulated + constant.into_group()).into_affine();
		let miller = Bn254::multi_miller_loop(
			[proof.a, prepared_inputs, proof.c],
			[proof.b, self.gamma_neg, self.delta_neg],
		);
		Ok(match Bn254::final_exponentiation(miller) {
			Some(result) => result.0 == self.alpha_beta,
			None => false,
		})
	}

	/// Verifies `proofs` at once: `inputs` holds each proof's public inputs in
	/// turn, and proof `i`'s equation is weighted by `weights[i]` (nonzero,
	/// unpredictable to the prover: see [`batch_weights`]). Checks
	/// `∏ e(rᵢAᵢ, Bᵢ) · e(Σ rᵢ·ICᵢ, −γ) · e(Σ rᵢCᵢ, −δ) = e(α, β)^(Σ rᵢ)`,
	/// where `ICᵢ` is the key's input combination for proof `i`; the sum over
	/// inputs is one multi-scalar multiplication of the key's bases. An empty
	/// batch holds.
	pub fn verify_batch(
		&self,
		proofs: &[Proof],
		inputs: &[Scalar],
		weights: &[u128],
	) -> Result<bool, VerifyError> {
		let per_proof = self.public_inputs() as usize;
		let expected = proofs.len().saturating_mul(per_proof);
		if inputs.len() != expected {
			return Err(VerifyError::InputCountMismatch {
				expected: expected as u32,
				found: inputs.len() as u32,
			});
		}
		if weights.len() != proofs.len() {
			return Err(VerifyError::MalformedProof);
		}
		if proofs.is_empty() {
			return Ok(true);
		}
		let weights: Vec<Scalar> = weights.iter().map(|weight| Scalar::from(*weight)).collect();
		// Σ rᵢ·ICᵢ = (Σ rᵢ)·IC₀ + Σⱼ (Σᵢ rᵢ·xᵢⱼ)·ICⱼ: one MSM over the key's bases.
		let mut combined = Vec::with_capacity(per_proof + 1);
		combined.push(weights.iter().sum::<Scalar>());
		for input in 0..per_proof {
			let column = inputs.iter().skip(input).step_by(per_proof.max(1));
			combined.push(column.zip(&weights).map(|(value, weight)| *value * weight).sum());
		}
		// Lengths match by construction, so neither MSM can refuse them.
		let prepared_inputs =
			G1Projective::msm(&self.gamma_abc, &combined).map_err(|_| VerifyError::MalformedKey)?;
		let c_points: Vec<G1Affine> = proofs.iter().map(|proof| proof.c).collect();
		let c_combined =
			G1Projective::msm(&c_points, &weights).map_err(|_| VerifyError::MalformedProof)?;
		let mut left: Vec<G1Projective> =
			proofs.iter().zip(&weights).map(|(proof, weight)| proof.a * weight).collect();
		left.push(prepared_inputs);
		left.push(c_combined);
		let left = G1Projective::normalize_batch(&left);
		let mut right: Vec<G2Affine> = proofs.iter().map(|proof| proof.b).collect();
		right.push(self.gamma_neg);
		right.push(self.delta_neg);
		let miller = Bn254::multi_miller_loop(left, right);
		// e(α, β) is a pairing value, so it lies in the cyclotomic subgroup.
		let exponent = combined[0].into_bigint();
		Ok(match Bn254::final_exponentiation(miller) {
			Some(result) => result.0 == self.alpha_beta.cyclotomic_exp(exponent),
			None => false,
		})
	}
}

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
fn inputs_in_key(bytes: &[u8], fixed: usize, point: usize) -> Option<u32> {
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

/// Verifies a proof given the chain's encodings of a prepared key, a proof
/// and the public inputs. This is the body of the host function and of the
/// in-wasm fallback: both answer the same for the same bytes.
pub fn verify(prepared_key: &[u8], proof: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
	let key = PreparedKey::decode(prepared_key)?;
	let proof = decode_proof(proof)?;
	let inputs = decode_inputs(inputs)?;
	key.verify(&proof, &inputs)
}

/// Verifies several proofs under one key at once, given the chain's
/// encodings: `proofs` is k compressed proofs back to back and `inputs` their
/// public inputs in turn (k × the key's input count scalars). `Ok(true)` only
/// if every proof holds (up to a 2⁻¹²⁷ chance, over the hash, that a false one
/// slips through); `Ok(false)` if at least one is false. This is the body of
/// the batch host function and of its in-wasm fallback.
pub fn verify_batch(
	prepared_key: &[u8],
	proofs: &[u8],
	inputs: &[u8],
) -> Result<bool, VerifyError> {
	let key = PreparedKey::decode(prepared_key)?;
	if !proofs.len().is_multiple_of(PROOF_BYTES) {
		return Err(VerifyError::MalformedProof);
	}
	let decoded =
		proofs.chunks_exact(PROOF_BYTES).map(decode_proof).collect::<Result<Vec<_>, _>>()?;
	let scalars = decode_inputs(inputs)?;
	let weights = batch_weights(prepared_key, proofs, inputs, decoded.len());
	key.verify_batch(&decoded, &scalars, &weights)
}

/// The weights of a batch's equations: from `seed = blake2b-256(domain ‖ key
/// ‖ proofs ‖ inputs)`, weight `i` is the low 128 bits of `blake2b-256(seed ‖
/// i)` with the lowest bit set (never zero). Deterministic, so every
/// validator agrees; bound to every byte of the batch, so no proof can be
/// chosen to cancel another's error.
pub fn batch_weights(prepared_key: &[u8], proofs: &[u8], inputs: &[u8], count: usize) -> Vec<u128> {
	let seed = Blake2b::<U32>::new()
		.chain_update(BATCH_DOMAIN)
		.chain_update((prepared_key.len() as u64).to_le_bytes())
		.chain_update(prepared_key)
		.chain_update((proofs.len() as u64).to_le_bytes())
		.chain_update(proofs)
		.chain_update(inputs)
		.finalize();
	(0..count as u64)
		.map(|index| {
			let hash = Blake2b::<U32>::new()
				.chain_update(seed)
				.chain_update(index.to_le_bytes())
				.finalize();
			let mut low = [0u8; 16];
			low.copy_from_slice(&hash[..16]);
			u128::from_le_bytes(low) | 1
		})
		.collect()
}

/// The key for the first `keep` inputs of proofs whose later inputs are
/// fixed to `folded`: `gamma_abc[0] += Σ folded_j · gamma_abc[keep + 1 + j]`.
/// The verifier pallet's benchmarks use it to get a real key and proof for
/// every input count from one fixture.
pub fn fold_inputs(key: &VerifyingKey, keep: usize, folded: &[Scalar]) -> VerifyingKey {
	let mut constant = key.gamma_abc_g1.first().copied().unwrap_or_default().into_group();
	let later = key.gamma_abc_g1.get(keep + 1..).unwrap_or_default();
	for (value, base) in folded.iter().zip(later) {
		constant += *base * value;
	}
	let mut gamma_abc_g1 = Vec::with_capacity(keep + 1);
	gamma_abc_g1.push(constant.into_affine());
	gamma_abc_g1.extend(key.gamma_abc_g1.iter().skip(1).take(keep).copied());
	VerifyingKey { gamma_abc_g1, ..key.clone() }
}

/// Decodes a compressed verifying key with every point checked.
pub fn decode_verifying_key(bytes: &[u8]) -> Result<VerifyingKey, VerifyError> {
	decode_exact(bytes, Compress::Yes).map_err(|_| VerifyError::MalformedKey)
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

#[cfg(test)]
mod tests;
