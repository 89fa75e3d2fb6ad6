//! The logic behind the calls.
use crate::{pallet::*, types::*};
use alloc::{vec, vec::Vec};
use frame_support::{ensure, pallet_prelude::*};
use gridveil_groth16::PreparedKey;

impl<T: Config> Pallet<T> {
	/// Checks, prepares and stores a key under the next id.
	pub(crate) fn do_register_key(verifying_key: &[u8]) -> DispatchResult {
		let prepared = PreparedKey::from_verifying_key_bytes(verifying_key)
			.map_err(|_| Error::<T>::MalformedKey)?;
		let public_inputs = prepared.public_inputs();
		// The call's bound on the key's length already caps its inputs at
		// `MaxPublicInputs`, so the prepared key fits its own bound.
		let prepared: BoundedVec<u8, PreparedKeyBound<T>> =
			prepared.encode().try_into().map_err(|_| Error::<T>::MalformedKey)?;
		let key_id = NextKeyId::<T>::get();
		let next = key_id.checked_add(1).ok_or(Error::<T>::KeyIdsExhausted)?;
		let key_hash = sp_io::hashing::blake2_256(verifying_key);
		Keys::<T>::insert(key_id, RegisteredKey { prepared, public_inputs, key_hash });
		NextKeyId::<T>::put(next);
		Self::deposit_event(Event::KeyRegistered { key_id, public_inputs, key_hash });
		Ok(())
	}

	/// Removes a key.
	pub(crate) fn do_remove_key(key_id: KeyId) -> DispatchResult {
		ensure!(Keys::<T>::contains_key(key_id), Error::<T>::UnknownKey);
		Keys::<T>::remove(key_id);
		Self::deposit_event(Event::KeyRemoved { key_id });
		Ok(())
	}

	/// Verifies a proof under a registered key with a given backend.
	pub(crate) fn do_verify<B: VerifierBackend>(
		key_id: KeyId,
		proof: &[u8],
		inputs: &[PublicInput],
	) -> Result<(), ProofError> {
		let key = Keys::<T>::get(key_id).ok_or(ProofError::UnknownKey)?;
		verdict(B::verify(&key.prepared, proof, inputs.as_flattened()))
	}

	/// Verifies statements under one registered key with a given backend: all
	/// at once, then, if that fails, one by one.
	pub(crate) fn do_verify_batch<B: VerifierBackend>(
		key_id: KeyId,
		statements: &[Statement<'_>],
	) -> Vec<Result<(), ProofError>> {
		let Some(key) = Keys::<T>::get(key_id) else {
			return vec![Err(ProofError::UnknownKey); statements.len()];
		};
		let proofs: Vec<u8> =
			statements.iter().flat_map(|(proof, _)| proof.iter().copied()).collect();
		let inputs: Vec<u8> = statements
			.iter()
			.flat_map(|(_, inputs)| inputs.as_flattened().iter().copied())
			.collect();
		if B::verify_batch(&key.prepared, &proofs, &inputs) == Ok(true) {
			return vec![Ok(()); statements.len()];
		}
		statements
			.iter()
			.map(|(proof, inputs)| {
				verdict(B::verify(&key.prepared, &proof[..], inputs.as_flattened()))
			})
			.collect()
	}
}

/// What a backend's answer means for a proof.
fn verdict(verified: Result<bool, VerifyError>) -> Result<(), ProofError> {
	match verified {
		Ok(true) => Ok(()),
		Ok(false) => Err(ProofError::Invalid),
		Err(reason) => Err(ProofError::Malformed(reason)),
	}
}
