//! The pallet with real keys and real proofs of the deviation circuit.
use crate::{mock::*, pallet::*, types::*, Groth16Verifier};
use ark_bn254::Fr;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use gridveil_circuits::{keys, DeviationProvingKey, PublicInputs, READINGS_PER_HOUR};
use gridveil_groth16::{encode_proof, encode_verifying_key, scalar_to_bytes, VerifyError};
use rand::{rngs::StdRng, SeedableRng};
use sp_runtime::DispatchError;
use std::sync::OnceLock;

fn proving_key() -> &'static DeviationProvingKey {
	static KEY: OnceLock<DeviationProvingKey> = OnceLock::new();
	KEY.get_or_init(|| keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(1)).unwrap())
}

fn verifying_key(key: &DeviationProvingKey) -> VerifyingKeyOf<Test> {
	BoundedVec::try_from(encode_verifying_key(key.verifying_key())).unwrap()
}

/// Program 7, hour 9: 1,900 Wh requested, 1,060 Wh read.
fn proven(key: &DeviationProvingKey) -> (PublicInputs, [u8; 128]) {
	let witness = gridveil_circuits::fixture::example_witness();
	let (public, proof) =
		keys::prove(key, 7, 9, Fr::from(0u64), &witness, &mut StdRng::seed_from_u64(2)).unwrap();
	(public, encode_proof(&proof))
}

fn inputs(public: &PublicInputs) -> Vec<PublicInput> {
	public.to_scalars().iter().map(scalar_to_bytes).collect()
}

fn register() -> KeyId {
	assert_ok!(ZkVerifier::register_key(RuntimeOrigin::root(), verifying_key(proving_key())));
	NextKeyId::<Test>::get() - 1
}

/// Verifies on both backends and checks they agree.
fn verify(key_id: KeyId, proof: &[u8], inputs: &[PublicInput]) -> Result<(), ProofError> {
	let host = ZkVerifier::do_verify::<HostFunction>(key_id, proof, inputs);
	let wasm = ZkVerifier::do_verify::<InWasm>(key_id, proof, inputs);
	assert_eq!(host, wasm, "host function and in-wasm verifier disagree");
	assert_eq!(<ZkVerifier as Groth16Verifier>::verify(key_id, proof, inputs), host);
	host
}

#[test]
fn register_key_stores_a_prepared_key_and_emits_its_id() {
	new_test_ext().execute_with(|| {
		let key = verifying_key(proving_key());
		assert_ok!(ZkVerifier::register_key(RuntimeOrigin::root(), key.clone()));
		let stored = Keys::<Test>::get(0).unwrap();
		assert_eq!(stored.public_inputs, 6);
		assert_eq!(stored.prepared.len(), gridveil_groth16::prepared_key_len(6));
		let key_hash = sp_io::hashing::blake2_256(&key);
		System::assert_last_event(
			Event::KeyRegistered { key_id: 0, public_inputs: 6, key_hash }.into(),
		);
		assert_eq!(NextKeyId::<Test>::get(), 1);
		assert_eq!(<ZkVerifier as Groth16Verifier>::public_inputs(0), Some(6));
		assert_eq!(register(), 1);
	});
}

#[test]
fn register_key_requires_the_key_admin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ZkVerifier::register_key(RuntimeOrigin::signed(1), verifying_key(proving_key())),
			DispatchError::BadOrigin
		);
		assert_noop!(ZkVerifier::remove_key(RuntimeOrigin::signed(1), 0), DispatchError::BadOrigin);
	});
}

#[test]
fn malformed_keys_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		let good = encode_verifying_key(proving_key().verifying_key());
		let mut truncated = good.clone();
		truncated.pop();
		let mut off_curve = good.clone();
		// alpha's x replaced by one with no point above it (x³ + 3 not a square).
		let x = (1u64..)
			.find(|&x| {
				ark_bn254::G1Affine::get_point_from_x_unchecked(ark_bn254::Fq::from(x), false)
					.is_none()
			})
			.unwrap();
		off_curve[..32].copy_from_slice(&gridveil_groth16::scalar_bytes_from_u64(x));
		for bad in [Vec::new(), truncated, off_curve, vec![0xff; good.len()]] {
			assert_noop!(
				ZkVerifier::register_key(RuntimeOrigin::root(), BoundedVec::try_from(bad).unwrap()),
				Error::<Test>::MalformedKey
			);
		}
		assert_eq!(NextKeyId::<Test>::get(), 0);
	});
}

#[test]
fn key_ids_do_not_wrap() {
	new_test_ext().execute_with(|| {
		NextKeyId::<Test>::put(u32::MAX);
		assert_noop!(
			ZkVerifier::register_key(RuntimeOrigin::root(), verifying_key(proving_key())),
			Error::<Test>::KeyIdsExhausted
		);
	});
}

#[test]
fn remove_key_stops_verification_under_it() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let (public, proof) = proven(proving_key());
		assert_eq!(verify(key_id, &proof, &inputs(&public)), Ok(()));
		assert_ok!(ZkVerifier::remove_key(RuntimeOrigin::root(), key_id));
		System::assert_last_event(Event::KeyRemoved { key_id }.into());
		assert_eq!(verify(key_id, &proof, &inputs(&public)), Err(ProofError::UnknownKey));
		assert_noop!(
			ZkVerifier::remove_key(RuntimeOrigin::root(), key_id),
			Error::<Test>::UnknownKey
		);
	});
}

#[test]
fn valid_proof_verifies_on_both_backends() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let (public, proof) = proven(proving_key());
		assert_eq!(verify(key_id, &proof, &inputs(&public)), Ok(()));
	});
}

#[test]
fn changed_public_inputs_make_the_proof_invalid_not_malformed() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let (public, proof) = proven(proving_key());
		for changed in [
			PublicInputs { program_id: 8, ..public },
			PublicInputs { hour: 10, ..public },
			PublicInputs { deviation: 841, ..public },
			PublicInputs { fingerprint: Fr::from(1u64), ..public },
			PublicInputs { previous_fingerprint: Fr::from(1u64), ..public },
		] {
			assert_eq!(verify(key_id, &proof, &inputs(&changed)), Err(ProofError::Invalid));
		}
	});
}

#[test]
fn proof_under_another_key_is_invalid() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let other = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(77)).unwrap();
		let (public, proof) = proven(&other);
		assert_eq!(verify(key_id, &proof, &inputs(&public)), Err(ProofError::Invalid));
	});
}

#[test]
fn malformed_proofs_and_inputs_are_told_apart_from_invalid_ones() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let (public, proof) = proven(proving_key());
		let good = inputs(&public);
		assert_eq!(
			verify(key_id, &proof[..127], &good),
			Err(ProofError::Malformed(VerifyError::MalformedProof))
		);
		let mut not_in_field = good.clone();
		not_in_field[3] = [0xff; 32];
		assert_eq!(
			verify(key_id, &proof, &not_in_field),
			Err(ProofError::Malformed(VerifyError::InputNotInField { index: 3 }))
		);
		assert_eq!(
			verify(key_id, &proof, &good[..5]),
			Err(ProofError::Malformed(VerifyError::InputCountMismatch { expected: 6, found: 5 }))
		);
		assert_eq!(verify(99, &proof, &good), Err(ProofError::UnknownKey));
	});
}

/// Proofs of program 7's hours 0 to `hours - 1` for the example witness,
/// each with its statement's inputs (the fingerprint chain continues).
fn proven_hours(hours: u32) -> Vec<([u8; 128], Vec<PublicInput>)> {
	proven_statements(hours).into_iter().map(|(public, proof)| (proof, inputs(&public))).collect()
}

/// The statements and proofs of [`proven_hours`].
fn proven_statements(hours: u32) -> Vec<(PublicInputs, [u8; 128])> {
	let witness = gridveil_circuits::fixture::example_witness();
	let mut previous = Fr::from(0u64);
	(0..hours)
		.map(|hour| {
			let (public, proof) = keys::prove(
				proving_key(),
				7,
				hour,
				previous,
				&witness,
				&mut StdRng::seed_from_u64(10 + u64::from(hour)),
			)
			.unwrap();
			previous = public.fingerprint;
			(public, encode_proof(&proof))
		})
		.collect()
}

/// Verifies a batch on both backends and checks they agree.
fn verify_batch(
	key_id: KeyId,
	proven: &[([u8; 128], Vec<PublicInput>)],
) -> Vec<Result<(), ProofError>> {
	let statements: Vec<Statement<'_>> =
		proven.iter().map(|(proof, inputs)| (proof, &inputs[..])).collect();
	let host = ZkVerifier::do_verify_batch::<HostFunction>(key_id, &statements);
	let wasm = ZkVerifier::do_verify_batch::<InWasm>(key_id, &statements);
	assert_eq!(host, wasm, "host function and in-wasm batch verifier disagree");
	assert_eq!(<ZkVerifier as Groth16Verifier>::verify_batch(key_id, &statements), host);
	host
}

#[test]
fn a_batch_of_valid_proofs_holds_on_both_backends() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let proven = proven_hours(4);
		assert_eq!(verify_batch(key_id, &proven), vec![Ok(()); 4]);
		assert_eq!(verify_batch(key_id, &proven[..1]), vec![Ok(())]);
		assert_eq!(verify_batch(key_id, &[]), vec![]);
	});
}

#[test]
fn a_false_proof_in_a_batch_is_found_and_only_it_is_invalid() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let mut proven = proven_hours(4);
		// Hour 2 claims one Wh more deviation than it proves.
		let mut claimed = proven_statements(3).swap_remove(2).0;
		claimed.deviation += 1;
		proven[2].1 = inputs(&claimed);
		assert_eq!(
			verify_batch(key_id, &proven),
			vec![Ok(()), Ok(()), Err(ProofError::Invalid), Ok(())]
		);
		// A proof from another hour in place of hour 3's.
		let mut swapped = proven_hours(4);
		swapped[3].0 = swapped[0].0;
		assert_eq!(
			verify_batch(key_id, &swapped),
			vec![Ok(()), Ok(()), Ok(()), Err(ProofError::Invalid)]
		);
	});
}

#[test]
fn malformed_entries_and_unknown_keys_are_reported_per_statement() {
	new_test_ext().execute_with(|| {
		let key_id = register();
		let mut proven = proven_hours(3);
		proven[1].0 = [0xff; 128];
		assert_eq!(
			verify_batch(key_id, &proven),
			vec![Ok(()), Err(ProofError::Malformed(VerifyError::MalformedProof)), Ok(())]
		);
		let proven = proven_hours(2);
		assert_eq!(verify_batch(key_id + 1, &proven), vec![Err(ProofError::UnknownKey); 2]);
	});
}
