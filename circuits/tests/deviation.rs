//! The deviation circuit with real Groth16 proofs: what verifies and, one by
//! one, what must not.
mod common;

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use common::{proving_key, rng, witness};
use gridveil_circuits::{
	deviation::{self, StatementError},
	keys, poseidon, DeviationCircuit, PublicInputs, READINGS_PER_HOUR,
};
use gridveil_groth16::{
	encode_proof, encode_verifying_key, scalar_bytes_from_u64, scalar_to_bytes,
	verify as chain_verify, PreparedKey, VerifyError,
};

/// A valid proof for program 7, hour 9, starting from fingerprint 0.
fn proven() -> (PublicInputs, gridveil_groth16::Proof) {
	keys::prove(proving_key(), 7, 9, Fr::from(0u64), &witness(), &mut rng(2)).unwrap()
}

/// Verifies through the chain's byte interface.
fn verify_bytes(public: &[Fr], proof: &[u8]) -> Result<bool, VerifyError> {
	let prepared = PreparedKey::from_verifying_key(proving_key().verifying_key()).encode();
	let inputs: Vec<u8> = public.iter().flat_map(scalar_to_bytes).collect();
	chain_verify(&prepared, proof, &inputs)
}

#[test]
fn statement_is_computed_from_the_witness() {
	let (public, _) = proven();
	assert_eq!(public.program_id, 7);
	assert_eq!(public.hour, 9);
	assert_eq!(public.deviation, 1900 - 1060);
	assert_eq!(public.commitment, poseidon::commitment(&witness().request, witness().salt));
	assert_eq!(
		public.fingerprint,
		poseidon::fingerprint(Fr::from(0u64), witness().blinding, &[250, 260, 270, 280])
	);
}

#[test]
fn constraint_count_for_four_readings_is_stable() {
	let public = deviation::statement(7, 9, Fr::from(0u64), &witness(), READINGS_PER_HOUR).unwrap();
	let cs = ConstraintSystem::<Fr>::new_ref();
	DeviationCircuit { readings_per_hour: 4, public: Some(public), witness: Some(witness()) }
		.generate_constraints(cs.clone())
		.unwrap();
	assert!(cs.is_satisfied().unwrap());
	let constraints = cs.num_constraints();
	println!("DeviationCircuit L=4: {constraints} constraints");
	assert!((2_000..3_000).contains(&constraints), "{constraints}");
}

#[test]
fn fingerprint_binds_the_hours_blinding() {
	// The same readings under another hour's (or another meter's) blinding
	// do not reach the statement's fingerprint.
	let public = deviation::statement(7, 9, Fr::from(0u64), &witness(), READINGS_PER_HOUR).unwrap();
	let mut other = witness();
	other.blinding += Fr::from(1u64);
	let cs = ConstraintSystem::<Fr>::new_ref();
	DeviationCircuit { readings_per_hour: 4, public: Some(public), witness: Some(other) }
		.generate_constraints(cs.clone())
		.unwrap();
	assert!(!cs.is_satisfied().unwrap());
}

#[test]
fn wrong_deviation_leaves_the_circuit_unsatisfied() {
	for lie in [839, 841, 0, u64::MAX] {
		let mut public =
			deviation::statement(7, 9, Fr::from(0u64), &witness(), READINGS_PER_HOUR).unwrap();
		public.deviation = lie;
		let cs = ConstraintSystem::<Fr>::new_ref();
		DeviationCircuit { readings_per_hour: 4, public: Some(public), witness: Some(witness()) }
			.generate_constraints(cs.clone())
			.unwrap();
		assert!(!cs.is_satisfied().unwrap(), "deviation {lie} accepted");
	}
	// The field negation of the true deviation (−840 mod r) fails the range check.
	let public = deviation::statement(7, 9, Fr::from(0u64), &witness(), READINGS_PER_HOUR).unwrap();
	let mut scalars = public.to_scalars();
	scalars[3] = -scalars[3];
	let proof = proven().1;
	assert_eq!(keys::verify(proving_key().verifying_key(), &public, &proof).unwrap(), true);
	assert_eq!(verify_bytes(&scalars, &encode_proof(&proof)), Ok(false));
}

#[test]
fn deviation_is_absolute_when_consumption_exceeds_request() {
	let mut heavy = witness();
	heavy.readings = vec![1000, 1000, 1000, 1000];
	let (public, proof) =
		keys::prove(proving_key(), 7, 0, Fr::from(0u64), &heavy, &mut rng(3)).unwrap();
	assert_eq!(public.deviation, 3000);
	assert!(keys::verify(proving_key().verifying_key(), &public, &proof).unwrap());
}

#[test]
fn statements_the_circuit_cannot_hold_are_refused_before_proving() {
	let key = proving_key();
	let mut too_large = witness();
	too_large.readings[0] = 1 << 40;
	assert!(matches!(
		keys::prove(key, 7, 9, Fr::from(0u64), &too_large, &mut rng(4)),
		Err(keys::KeyError::Statement(StatementError::ValueTooLarge))
	));
	assert!(matches!(
		keys::prove(key, 7, 24, Fr::from(0u64), &witness(), &mut rng(4)),
		Err(keys::KeyError::Statement(StatementError::HourOutOfRange(24)))
	));
	let mut short = witness();
	short.readings.pop();
	assert!(matches!(
		keys::prove(key, 7, 9, Fr::from(0u64), &short, &mut rng(4)),
		Err(keys::KeyError::Statement(StatementError::ReadingCount { expected: 4, found: 3 }))
	));
}

#[test]
fn valid_proof_verifies_natively_and_through_the_chain_encoding() {
	let (public, proof) = proven();
	assert!(keys::verify(proving_key().verifying_key(), &public, &proof).unwrap());
	assert_eq!(verify_bytes(&public.to_scalars(), &encode_proof(&proof)), Ok(true));
	// And arkworks' own verifier agrees.
	let prepared = ark_groth16::prepare_verifying_key(proving_key().verifying_key());
	assert!(Groth16::<Bn254>::verify_proof(&prepared, &proof, &public.to_scalars()).unwrap());
}

#[test]
fn proof_with_any_public_input_changed_is_invalid() {
	let (public, proof) = proven();
	let proof = encode_proof(&proof);
	for (position, name) in
		["program_id", "commitment", "hour", "deviation", "previous_fingerprint", "fingerprint"]
			.iter()
			.enumerate()
	{
		let mut scalars = public.to_scalars();
		scalars[position] += Fr::from(1u64);
		assert_eq!(verify_bytes(&scalars, &proof), Ok(false), "{name} changed");
	}
}

#[test]
fn proof_for_another_key_is_invalid() {
	let other = keys::setup(READINGS_PER_HOUR, &mut rng(99)).unwrap();
	let (public, proof) =
		keys::prove(&other, 7, 9, Fr::from(0u64), &witness(), &mut rng(5)).unwrap();
	assert!(keys::verify(other.verifying_key(), &public, &proof).unwrap());
	assert_eq!(verify_bytes(&public.to_scalars(), &encode_proof(&proof)), Ok(false));
}

#[test]
fn rerandomised_proof_verifies_for_its_statement_only() {
	let (public, proof) = proven();
	let vk = proving_key().verifying_key();
	let rerandomised = Groth16::<Bn254>::rerandomize_proof(vk, &proof, &mut rng(6));
	assert_ne!(rerandomised, proof);
	assert_eq!(verify_bytes(&public.to_scalars(), &encode_proof(&rerandomised)), Ok(true));
	let mut changed = public.to_scalars();
	changed[3] = Fr::from(0u64);
	assert_eq!(verify_bytes(&changed, &encode_proof(&rerandomised)), Ok(false));
}

#[test]
fn wrong_number_of_inputs_is_an_error_not_a_failed_check() {
	let (public, proof) = proven();
	let scalars = public.to_scalars();
	assert_eq!(
		verify_bytes(&scalars[..5], &encode_proof(&proof)),
		Err(VerifyError::InputCountMismatch { expected: 6, found: 5 })
	);
	let mut seven = scalars.to_vec();
	seven.push(Fr::from(0u64));
	assert_eq!(
		verify_bytes(&seven, &encode_proof(&proof)),
		Err(VerifyError::InputCountMismatch { expected: 6, found: 7 })
	);
}

#[test]
fn scalar_equal_to_or_above_r_is_rejected() {
	let (public, proof) = proven();
	let prepared = PreparedKey::from_verifying_key(proving_key().verifying_key()).encode();
	let mut inputs = public.to_bytes();
	// hour := r (which would reduce to 0) and r + 1.
	let modulus = {
		use ark_ff::{BigInteger, PrimeField};
		Fr::MODULUS.to_bytes_le()
	};
	inputs[64..96].copy_from_slice(&modulus);
	assert_eq!(
		chain_verify(&prepared, &encode_proof(&proof), &inputs),
		Err(VerifyError::InputNotInField { index: 2 })
	);
	inputs[64] += 1;
	assert_eq!(
		chain_verify(&prepared, &encode_proof(&proof), &inputs),
		Err(VerifyError::InputNotInField { index: 2 })
	);
}

#[test]
fn truncated_and_off_curve_proofs_are_malformed() {
	let (public, proof) = proven();
	let bytes = encode_proof(&proof);
	let scalars = public.to_scalars();
	for cut in [0, 1, 32, 96, 127] {
		assert_eq!(verify_bytes(&scalars, &bytes[..cut]), Err(VerifyError::MalformedProof));
	}
	// A's x replaced by one with no point above it (x³ + 3 is not a square).
	let x = (1u64..)
		.find(|&x| G1Affine::get_point_from_x_unchecked(ark_bn254::Fq::from(x), false).is_none())
		.unwrap();
	let mut off_curve = bytes;
	off_curve[..32].copy_from_slice(&scalar_bytes_from_u64(x));
	assert_eq!(verify_bytes(&scalars, &off_curve), Err(VerifyError::MalformedProof));
	// A coordinate not below the base field modulus.
	let mut not_in_field = bytes;
	not_in_field[..32].copy_from_slice(&[0xff; 32]);
	not_in_field[31] &= 0x3f; // keep the flag bits clear so only the value is wrong
	assert_eq!(verify_bytes(&scalars, &not_in_field), Err(VerifyError::MalformedProof));
}

#[test]
fn g2_point_outside_the_subgroup_is_malformed() {
	let (public, proof) = proven();
	let bytes = encode_proof(&proof);
	// Replace B with points of the twist whose x has a square root until one
	// lies outside the order-r subgroup: decoding must refuse it.
	use ark_serialize::CanonicalSerialize;
	let outside = outside_subgroup_g2();
	let mut forged = bytes;
	let mut b = Vec::new();
	outside.serialize_compressed(&mut b).unwrap();
	forged[32..96].copy_from_slice(&b);
	assert_eq!(verify_bytes(&public.to_scalars(), &forged), Err(VerifyError::MalformedProof));
}

fn outside_subgroup_g2() -> ark_bn254::G2Affine {
	use ark_ff::Field;
	let mut x = ark_bn254::Fq2::ONE;
	loop {
		if let Some(point) = ark_bn254::G2Affine::get_point_from_x_unchecked(x, false) {
			if !point.is_in_correct_subgroup_assuming_on_curve() {
				return point;
			}
		}
		x += ark_bn254::Fq2::ONE;
	}
}

#[test]
fn verifying_key_registers_and_proving_key_files_round_trip() {
	let key = proving_key();
	let prepared =
		PreparedKey::from_verifying_key_bytes(&encode_verifying_key(key.verifying_key())).unwrap();
	assert_eq!(prepared.public_inputs(), 6);
	let file = key.to_bytes();
	assert_eq!(&keys::DeviationProvingKey::from_bytes(&file).unwrap(), key);
	assert!(keys::DeviationProvingKey::from_bytes(&file[..file.len() - 1]).is_err());
	assert!(keys::DeviationProvingKey::from_bytes(b"nope").is_err());
}
