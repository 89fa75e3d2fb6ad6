//! Types of the verifier pallet.
use crate::{host, weights::WeightInfo, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::*, weights::Weight, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
pub use gridveil_groth16::VerifyError;

/// Identifier of a registered verifying key.
pub type KeyId = u32;

/// One public input: a BN254 scalar, 32 bytes little-endian, below the field modulus.
pub type PublicInput = [u8; gridveil_groth16::SCALAR_BYTES];

/// Bytes of a compressed verifying key with `T::MaxPublicInputs` inputs.
pub struct VerifyingKeyBound<T>(PhantomData<T>);
impl<T: Config> Get<u32> for VerifyingKeyBound<T> {
	fn get() -> u32 {
		gridveil_groth16::verifying_key_len(T::MaxPublicInputs::get()) as u32
	}
}

/// Bytes of a prepared key with `T::MaxPublicInputs` inputs.
pub struct PreparedKeyBound<T>(PhantomData<T>);
impl<T: Config> Get<u32> for PreparedKeyBound<T> {
	fn get() -> u32 {
		gridveil_groth16::prepared_key_len(T::MaxPublicInputs::get()) as u32
	}
}

/// A verifying key as an operator submits it: arkworks' compressed encoding.
pub type VerifyingKeyOf<T> = BoundedVec<u8, VerifyingKeyBound<T>>;

/// A registered key: checked once, stored prepared for verification.
#[derive(
	CloneNoBound, Encode, Decode, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct RegisteredKey<T: Config> {
	/// The key prepared for verification (e(α, β) computed, γ and δ negated).
	pub prepared: BoundedVec<u8, PreparedKeyBound<T>>,
	/// Number of public inputs a proof under this key has.
	pub public_inputs: u32,
	/// blake2-256 of the compressed key as registered, to compare with a key file.
	pub key_hash: [u8; 32],
}

/// Why a proof was not accepted. The demand-response pallet punishes only
/// [`ProofError::Invalid`].
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
pub enum ProofError {
	/// No key is registered under this id.
	UnknownKey,
	/// The proof or its inputs are not well-formed (undecodable, non-canonical,
	/// off the curve, outside the subgroup, wrong input count).
	Malformed(VerifyError),
	/// Well-formed, but the pairing check fails: not a proof of this statement.
	Invalid,
}

/// Where verification runs: natively through the host function, or inside
/// the runtime's wasm (the fallback, and the baseline it is measured against).
pub trait VerifierBackend {
	/// Verifies with the chain's encodings.
	fn verify(prepared: &[u8], proof: &[u8], inputs: &[u8]) -> Result<bool, VerifyError>;
	/// Verifies proofs back to back, each with its inputs in turn, at once.
	fn verify_batch(prepared: &[u8], proofs: &[u8], inputs: &[u8]) -> Result<bool, VerifyError>;
	/// Weight of one verification with `inputs` public inputs.
	fn weight<W: WeightInfo>(inputs: u32) -> Weight;
	/// Weight of one batch verification of `proofs` proofs.
	fn batch_weight<W: WeightInfo>(proofs: u32) -> Weight;
}

/// Verification by the node's `groth16_bn254_verify` host function.
pub struct HostFunction;
impl VerifierBackend for HostFunction {
	fn verify(prepared: &[u8], proof: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
		host::gridveil_zk::groth16_bn254_verify(prepared, proof, inputs)
	}
	fn verify_batch(prepared: &[u8], proofs: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
		host::gridveil_zk::groth16_bn254_verify_batch(prepared, proofs, inputs)
	}
	fn weight<W: WeightInfo>(inputs: u32) -> Weight {
		W::verify_with_host_function(inputs)
	}
	fn batch_weight<W: WeightInfo>(proofs: u32) -> Weight {
		W::verify_batch_with_host_function(proofs)
	}
}

/// Verification compiled into the runtime itself.
pub struct InWasm;
impl VerifierBackend for InWasm {
	fn verify(prepared: &[u8], proof: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
		gridveil_groth16::verify(prepared, proof, inputs)
	}
	fn verify_batch(prepared: &[u8], proofs: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
		gridveil_groth16::verify_batch(prepared, proofs, inputs)
	}
	fn weight<W: WeightInfo>(inputs: u32) -> Weight {
		W::verify_in_wasm(inputs)
	}
	fn batch_weight<W: WeightInfo>(proofs: u32) -> Weight {
		W::verify_batch_in_wasm(proofs)
	}
}

/// A proof and its public inputs, as other pallets hand them over in a batch.
pub type Statement<'a> = (&'a [u8; gridveil_groth16::PROOF_BYTES], &'a [PublicInput]);

/// Number of public inputs a compressed key of `length` bytes claims (for the
/// weight of `register_key` before it is decoded; saturates on nonsense).
pub fn inputs_of_key_length(length: usize) -> u32 {
	let fixed = gridveil_groth16::verifying_key_len(0);
	(length.saturating_sub(fixed) / 32) as u32
}
