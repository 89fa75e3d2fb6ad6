//! What other pallets call.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::weights::Weight;

/// Groth16 verification under registered keys, for other pallets.
pub trait Groth16Verifier {
	/// Verifies `proof` (128 bytes, compressed) for `inputs` under key `key_id`.
	/// `Err(Invalid)` only for a well-formed proof that fails the pairing check.
	fn verify(key_id: KeyId, proof: &[u8], inputs: &[PublicInput]) -> Result<(), ProofError>;
	/// Verifies several proofs under key `key_id`, one verdict per statement
	/// in order, as [`Self::verify`] would give them. All are checked at once
	/// first; only if that check fails are they verified one by one, to find
	/// the false ones.
	fn verify_batch(key_id: KeyId, statements: &[Statement<'_>]) -> Vec<Result<(), ProofError>>;
	/// Number of public inputs of a registered key, `None` if there is none.
	fn public_inputs(key_id: KeyId) -> Option<u32>;
	/// Weight of one [`Self::verify`] with `inputs` public inputs.
	fn verify_weight(inputs: u32) -> Weight;
	/// Weight of [`Self::verify_batch`] for `proofs` statements when the batch
	/// holds (up to 16 inputs each). A failing batch costs `proofs` ×
	/// [`Self::verify_weight`] on top.
	fn verify_batch_weight(proofs: u32) -> Weight;
	/// Registers a key without an origin, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_key(verifying_key: &[u8]) -> Result<KeyId, sp_runtime::DispatchError>;
}

impl<T: Config> Groth16Verifier for Pallet<T> {
	fn verify(key_id: KeyId, proof: &[u8], inputs: &[PublicInput]) -> Result<(), ProofError> {
		Self::do_verify::<T::Backend>(key_id, proof, inputs)
	}

	fn verify_batch(key_id: KeyId, statements: &[Statement<'_>]) -> Vec<Result<(), ProofError>> {
		Self::do_verify_batch::<T::Backend>(key_id, statements)
	}

	fn public_inputs(key_id: KeyId) -> Option<u32> {
		Keys::<T>::get(key_id).map(|key| key.public_inputs)
	}

	fn verify_weight(inputs: u32) -> Weight {
		T::Backend::weight::<T::WeightInfo>(inputs)
	}

	fn verify_batch_weight(proofs: u32) -> Weight {
		T::Backend::batch_weight::<T::WeightInfo>(proofs)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_key(verifying_key: &[u8]) -> Result<KeyId, sp_runtime::DispatchError> {
		let key_id = NextKeyId::<T>::get();
		Self::do_register_key(verifying_key)?;
		Ok(key_id)
	}
}
