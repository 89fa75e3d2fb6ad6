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

// One file per idea, each depending only on those before it:
// `lib` (errors, aliases) <- `encoding` <- `prepared_key` <- `verify` <- `batch`.
// The modules are private; everything public is re-exported here, at the
// crate root, so every path stays `gridveil_groth16::…`.
mod batch;
mod encoding;
mod prepared_key;
mod verify;

pub use batch::{batch_weights, verify_batch};
pub use encoding::{
	decode_inputs, decode_proof, decode_verifying_key, encode_proof, encode_verifying_key,
	prepared_key_len, scalar_bytes_from_u64, scalar_from_bytes, scalar_to_bytes, verifying_key_len,
	PROOF_BYTES, SCALAR_BYTES,
};
pub use prepared_key::{fold_inputs, PreparedKey};
pub use verify::verify;

use ark_bn254::{Bn254, Fr};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A Groth16 proof over BN254.
pub type Proof = ark_groth16::Proof<Bn254>;
/// A Groth16 verifying key over BN254.
pub type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;
/// A public input: an element of BN254's scalar field.
pub type Scalar = Fr;

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

#[cfg(test)]
mod tests;
