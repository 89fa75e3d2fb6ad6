//! Verifying many proofs under one key at once: [`PreparedKey::verify_batch`]
//! on decoded values, [`verify_batch`] on the chain's encodings, and
//! [`batch_weights`], the transcript hash that weights each proof's equation.
//!
//! Natively (`std`: the host function) a batch's independent work runs on
//! every core: decoding the proofs, the weighted `A`s, the Miller loops in
//! one slice a core, and `e(α, β)^(Σ rᵢ)` beside them. Every step computes
//! one value of a group or field, so the verdict does not depend on the
//! number of cores; the wasm fallback runs the same steps one by one.

use crate::encoding::{decode_inputs, decode_proof, PROOF_BYTES};
use crate::prepared_key::PreparedKey;
use crate::{Proof, Scalar, VerifyError};
use alloc::vec::Vec;
use ark_bn254::{Bn254, G1Affine, G1Projective, G2Affine};
use ark_ec::{
	pairing::{MillerLoopOutput, Pairing},
	CurveGroup, VariableBaseMSM,
};
use ark_ff::{CyclotomicMultSubgroup, One, PrimeField};
use blake2::{digest::consts::U32, Blake2b, Digest};
#[cfg(feature = "std")]
use rayon::prelude::*;

/// What the batch transcript hash starts with, so it is never a hash of
/// anything else.
const BATCH_DOMAIN: &[u8] = b"gridveil/groth16-bn254/batch/v1";

impl PreparedKey {
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
		let mut left = weighted_a(proofs, &weights);
		left.push(prepared_inputs);
		left.push(c_combined);
		let left = G1Projective::normalize_batch(&left);
		let mut right: Vec<G2Affine> = proofs.iter().map(|proof| proof.b).collect();
		right.push(self.gamma_neg);
		right.push(self.delta_neg);
		// e(α, β) is a pairing value, so it lies in the cyclotomic subgroup.
		let exponent = combined[0].into_bigint();
		let (paired, expected) = join(
			|| Bn254::final_exponentiation(miller_loop(&left, &right)),
			|| self.alpha_beta.cyclotomic_exp(exponent),
		);
		Ok(paired.is_some_and(|result| result.0 == expected))
	}
}

/// `rᵢ·Aᵢ` for every proof; natively on every core.
fn weighted_a(proofs: &[Proof], weights: &[Scalar]) -> Vec<G1Projective> {
	#[cfg(feature = "std")]
	let pairs = proofs.par_iter().zip(weights.par_iter());
	#[cfg(not(feature = "std"))]
	let pairs = proofs.iter().zip(weights.iter());
	pairs.map(|(proof, weight)| proof.a * weight).collect()
}

/// The product of the Miller loops of `left[i]` with `right[i]`. Natively the
/// pairs are cut into one slice a core, each slice's lines (the costly G2
/// preparation included) computed on its own thread, and the slices'
/// results multiplied: a product of Miller loops is the Miller loop of all
/// the pairs, so the answer does not depend on the number of cores.
fn miller_loop(left: &[G1Affine], right: &[G2Affine]) -> MillerLoopOutput<Bn254> {
	#[cfg(feature = "std")]
	{
		let slice = left.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
		let product = left
			.par_chunks(slice)
			.zip(right.par_chunks(slice))
			.map(|(left, right)| {
				Bn254::multi_miller_loop(left.iter().copied(), right.iter().copied()).0
			})
			.reduce(<Bn254 as Pairing>::TargetField::one, |a, b| a * b);
		MillerLoopOutput(product)
	}
	#[cfg(not(feature = "std"))]
	Bn254::multi_miller_loop(left.iter().copied(), right.iter().copied())
}

/// Runs `a` and `b` side by side natively, one after the other in wasm.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
	#[cfg(feature = "std")]
	return rayon::join(a, b);
	#[cfg(not(feature = "std"))]
	(a(), b())
}

/// The compressed proofs of a batch, decoded (each point's square root and
/// subgroup check); natively on every core.
fn decode_proofs(proofs: &[u8]) -> Result<Vec<Proof>, VerifyError> {
	#[cfg(feature = "std")]
	return proofs.par_chunks_exact(PROOF_BYTES).map(decode_proof).collect();
	#[cfg(not(feature = "std"))]
	proofs.chunks_exact(PROOF_BYTES).map(decode_proof).collect()
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
	let decoded = decode_proofs(proofs)?;
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
