//! Encoding edge cases that need no proof; proofs are tested in `gridveil-circuits`
//! and `pallet-zk-verifier` with real keys.
use super::*;
use crate::encoding::{FQ12_BYTES, G2_UNCOMPRESSED};
use alloc::vec::Vec;
use ark_bn254::{G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, Field, PrimeField, Zero};

/// `r`, the scalar field modulus, little-endian.
fn modulus_bytes() -> [u8; SCALAR_BYTES] {
	let mut out = [0u8; SCALAR_BYTES];
	out.copy_from_slice(&Scalar::MODULUS.to_bytes_le());
	out
}

/// A key made of valid points (not from a setup): enough for encodings.
fn sample_key(inputs: usize) -> VerifyingKey {
	let g1 = G1Projective::generator();
	let g2 = ark_bn254::G2Projective::generator();
	VerifyingKey {
		alpha_g1: (g1 * Scalar::from(3u64)).into_affine(),
		beta_g2: (g2 * Scalar::from(5u64)).into_affine(),
		gamma_g2: (g2 * Scalar::from(7u64)).into_affine(),
		delta_g2: (g2 * Scalar::from(11u64)).into_affine(),
		gamma_abc_g1: (0..=inputs as u64)
			.map(|i| (g1 * Scalar::from(13 + i)).into_affine())
			.collect(),
	}
}

#[test]
fn scalar_below_r_is_accepted_and_round_trips() {
	let value = -Scalar::from(1u64);
	let bytes = scalar_to_bytes(&value);
	assert_eq!(scalar_from_bytes(&bytes), Some(value));
	assert_eq!(scalar_from_bytes(&scalar_bytes_from_u64(840)), Some(Scalar::from(840u64)));
}

#[test]
fn scalar_equal_to_or_above_r_is_rejected_not_reduced() {
	let r = modulus_bytes();
	assert_eq!(scalar_from_bytes(&r), None);
	let mut r_plus_one = r;
	r_plus_one[0] += 1;
	assert_eq!(scalar_from_bytes(&r_plus_one), None);
	assert_eq!(scalar_from_bytes(&[0xff; SCALAR_BYTES]), None);
	let mut inputs = scalar_bytes_from_u64(1).to_vec();
	inputs.extend_from_slice(&r);
	assert_eq!(decode_inputs(&inputs), Err(VerifyError::InputNotInField { index: 1 }));
}

#[test]
fn inputs_must_be_whole_scalars() {
	assert_eq!(decode_inputs(&[0u8; 33]), Err(VerifyError::MalformedInputs));
	assert_eq!(decode_inputs(&[]), Ok(Vec::new()));
}

#[test]
fn prepared_key_round_trips_and_has_the_documented_length() {
	let key = PreparedKey::from_verifying_key_bytes(&encode_verifying_key(&sample_key(6))).unwrap();
	let bytes = key.encode();
	assert_eq!(bytes.len(), prepared_key_len(6));
	assert_eq!(encode_verifying_key(&sample_key(6)).len(), verifying_key_len(6));
	assert_eq!(PreparedKey::decode(&bytes).unwrap(), key);
	assert_eq!(key.public_inputs(), 6);
}

#[test]
fn truncated_or_extended_keys_are_malformed() {
	let vk = encode_verifying_key(&sample_key(2));
	for cut in [0, 1, 31, vk.len() - 1] {
		assert_eq!(
			PreparedKey::from_verifying_key_bytes(&vk[..cut]),
			Err(VerifyError::MalformedKey),
			"cut at {cut}"
		);
	}
	let mut longer = vk.clone();
	longer.push(0);
	assert_eq!(PreparedKey::from_verifying_key_bytes(&longer), Err(VerifyError::MalformedKey));

	let prepared = PreparedKey::from_verifying_key_bytes(&vk).unwrap().encode();
	assert_eq!(
		PreparedKey::decode(&prepared[..prepared.len() - 1]),
		Err(VerifyError::MalformedKey)
	);
	// A length prefix that promises more points than there are bytes.
	let mut lying = prepared.clone();
	lying[FQ12_BYTES + 2 * G2_UNCOMPRESSED] = 200;
	assert_eq!(PreparedKey::decode(&lying), Err(VerifyError::MalformedKey));
	let mut huge = prepared;
	huge[FQ12_BYTES + 2 * G2_UNCOMPRESSED + 7] = 0xff;
	assert_eq!(PreparedKey::decode(&huge), Err(VerifyError::MalformedKey));
}

#[test]
fn key_without_constant_term_is_malformed() {
	let mut key = sample_key(0);
	key.gamma_abc_g1.clear();
	assert_eq!(
		PreparedKey::from_verifying_key_bytes(&encode_verifying_key(&key)),
		Err(VerifyError::MalformedKey)
	);
}

#[test]
fn prepared_key_with_off_curve_point_is_malformed() {
	let prepared = PreparedKey::from_verifying_key(&sample_key(1)).encode();
	// The last G1 point's y coordinate + 1 is off the curve.
	let mut off_curve = prepared.clone();
	let y_low = prepared.len() - 32;
	off_curve[y_low] ^= 1;
	assert_eq!(PreparedKey::decode(&off_curve), Err(VerifyError::MalformedKey));
}

#[test]
fn prepared_key_with_g2_point_outside_subgroup_is_malformed() {
	let outside = g2_point_outside_subgroup();
	let mut key = PreparedKey::from_verifying_key(&sample_key(1));
	key.gamma_neg = outside;
	assert_eq!(PreparedKey::decode(&key.encode()), Err(VerifyError::MalformedKey));
}

/// A point on the G2 twist that is not in the order-r subgroup (the twist's
/// cofactor is large, so the first x with a square root gives one).
pub(crate) fn g2_point_outside_subgroup() -> G2Affine {
	let mut x = ark_bn254::Fq2::new(ark_bn254::Fq::from(1u64), ark_bn254::Fq::zero());
	loop {
		if let Some(point) = G2Affine::get_point_from_x_unchecked(x, false) {
			if point.is_on_curve() && !point.is_in_correct_subgroup_assuming_on_curve() {
				return point;
			}
		}
		x += ark_bn254::Fq2::ONE;
	}
}

#[test]
fn wrong_input_count_is_reported_before_any_pairing() {
	let key = PreparedKey::from_verifying_key(&sample_key(6));
	let proof =
		Proof { a: G1Affine::generator(), b: G2Affine::generator(), c: G1Affine::generator() };
	assert_eq!(
		key.verify(&proof, &[Scalar::from(1u64); 5]),
		Err(VerifyError::InputCountMismatch { expected: 6, found: 5 })
	);
	// Well-formed but not a proof of anything: false, not an error.
	assert_eq!(key.verify(&proof, &[Scalar::from(1u64); 6]), Ok(false));
}

#[test]
fn proof_must_be_exactly_128_bytes() {
	let proof =
		Proof { a: G1Affine::generator(), b: G2Affine::generator(), c: G1Affine::generator() };
	let bytes = encode_proof(&proof);
	assert_eq!(decode_proof(&bytes).unwrap(), proof);
	assert_eq!(decode_proof(&bytes[..127]), Err(VerifyError::MalformedProof));
	let mut longer = bytes.to_vec();
	longer.push(0);
	assert_eq!(decode_proof(&longer), Err(VerifyError::MalformedProof));
}

/// A small deterministic generator for the no-panic sweep (xorshift64*).
struct Bytes(u64);
impl Bytes {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
	fn fill(&mut self, length: usize) -> Vec<u8> {
		(0..length).map(|_| self.next() as u8).collect()
	}
}

#[test]
fn verify_never_panics_on_random_or_mutated_bytes() {
	let key = PreparedKey::from_verifying_key(&sample_key(6)).encode();
	let proof = encode_proof(&Proof {
		a: G1Affine::generator(),
		b: G2Affine::generator(),
		c: G1Affine::generator(),
	});
	let inputs: Vec<u8> = (0..6u64).flat_map(scalar_bytes_from_u64).collect();
	let mut random = Bytes(0x9e37_79b9_7f4a_7c15);
	for round in 0..1_000 {
		// Random lengths around the real ones, random contents.
		let pick = |random: &mut Bytes, real: usize| {
			let length = (random.next() as usize) % (real + 64);
			random.fill(length)
		};
		let _ = verify(&pick(&mut random, key.len()), &proof, &inputs);
		let _ = verify(&key, &pick(&mut random, proof.len()), &inputs);
		let _ = verify(&key, &proof, &pick(&mut random, inputs.len()));
		// One flipped bit in each real encoding.
		let flip = |random: &mut Bytes, bytes: &[u8]| {
			let mut bytes = bytes.to_vec();
			let position = (random.next() as usize) % bytes.len();
			bytes[position] ^= 1 << (round % 8);
			bytes
		};
		let _ = verify(&flip(&mut random, &key), &proof, &inputs);
		let _ = verify(&key, &flip(&mut random, &proof), &inputs);
		let _ = verify(&key, &proof, &flip(&mut random, &inputs));
		let two_proofs = [proof, proof].concat();
		let two_inputs = [inputs.clone(), inputs.clone()].concat();
		let _ = verify_batch(&flip(&mut random, &key), &two_proofs, &two_inputs);
		let _ = verify_batch(&key, &flip(&mut random, &two_proofs), &two_inputs);
		let _ = verify_batch(&key, &pick(&mut random, 2 * proof.len()), &two_inputs);
		let _ = verify_batch(&key, &two_proofs, &pick(&mut random, two_inputs.len()));
		let _ = PreparedKey::from_verifying_key_bytes(&flip(
			&mut random,
			&encode_verifying_key(&sample_key(2)),
		));
	}
}

/// A proof that holds under [`sample_key`] for `inputs`, made with the key's
/// trapdoor (α = 3, β = 5, γ = 7, δ = 11, ICⱼ = 13 + j): choose `A = a·G1`,
/// `B = b·G2` and solve `a·b = α·β + γ·IC(x) + δ·c` for `C = c·G1`. Each seed
/// gives a different valid proof, no circuit needed.
fn simulated_proof(inputs: &[Scalar], seed: u64) -> Proof {
	let g1 = G1Projective::generator();
	let g2 = ark_bn254::G2Projective::generator();
	let (a, b) = (Scalar::from(1_000 + seed), Scalar::from(2_000 + 3 * seed));
	let input_combination = inputs
		.iter()
		.enumerate()
		.fold(Scalar::from(13u64), |sum, (j, x)| sum + *x * Scalar::from(14 + j as u64));
	let c = (a * b - Scalar::from(15u64) - Scalar::from(7u64) * input_combination)
		* Scalar::from(11u64).inverse().unwrap();
	Proof { a: (g1 * a).into_affine(), b: (g2 * b).into_affine(), c: (g1 * c).into_affine() }
}

/// `count` statements of `inputs` inputs each, with valid simulated proofs:
/// (prepared key, proofs back to back, inputs back to back).
fn simulated_batch(count: u64, inputs: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
	let key = PreparedKey::from_verifying_key(&sample_key(inputs)).encode();
	let mut proofs = Vec::new();
	let mut input_bytes = Vec::new();
	for seed in 0..count {
		let statement: Vec<Scalar> =
			(0..inputs as u64).map(|j| Scalar::from(seed * 100 + j + 1)).collect();
		proofs.extend_from_slice(&encode_proof(&simulated_proof(&statement, seed)));
		input_bytes.extend(statement.iter().flat_map(scalar_to_bytes));
	}
	(key, proofs, input_bytes)
}

#[test]
fn simulated_proofs_hold_one_by_one_and_as_a_batch() {
	let (key, proofs, inputs) = simulated_batch(5, 6);
	for (proof, statement) in proofs.chunks(PROOF_BYTES).zip(inputs.chunks(6 * SCALAR_BYTES)) {
		assert_eq!(verify(&key, proof, statement), Ok(true));
	}
	assert_eq!(verify_batch(&key, &proofs, &inputs), Ok(true));
	assert_eq!(verify_batch(&key, &proofs[..PROOF_BYTES], &inputs[..6 * SCALAR_BYTES]), Ok(true));
}

#[test]
fn a_batch_with_one_false_proof_fails_and_single_checks_find_it() {
	let (key, mut proofs, inputs) = simulated_batch(8, 6);
	// Proof 5 claims a different first input.
	let mut wrong = inputs.clone();
	wrong[5 * 6 * SCALAR_BYTES] ^= 1;
	assert_eq!(verify_batch(&key, &proofs, &wrong), Ok(false));
	// Proof 2's `c` is replaced by another valid point.
	let other = simulated_proof(&[Scalar::from(9u64); 6], 77);
	let mut tampered = decode_proof(&proofs[2 * PROOF_BYTES..3 * PROOF_BYTES]).unwrap();
	tampered.c = other.c;
	proofs[2 * PROOF_BYTES..3 * PROOF_BYTES].copy_from_slice(&encode_proof(&tampered));
	assert_eq!(verify_batch(&key, &proofs, &inputs), Ok(false));
	let verdicts: Vec<_> = proofs
		.chunks(PROOF_BYTES)
		.zip(inputs.chunks(6 * SCALAR_BYTES))
		.map(|(proof, statement)| verify(&key, proof, statement).unwrap())
		.collect();
	assert_eq!(verdicts, [true, true, false, true, true, true, true, true]);
}

#[test]
fn errors_that_cancel_in_a_plain_sum_do_not_cancel_in_the_weighted_one() {
	let (key, proofs, inputs) = simulated_batch(2, 3);
	let prepared = PreparedKey::decode(&key).unwrap();
	let mut decoded: Vec<Proof> =
		proofs.chunks(PROOF_BYTES).map(|proof| decode_proof(proof).unwrap()).collect();
	let shift = G1Projective::generator() * Scalar::from(5u64);
	decoded[0].c = (decoded[0].c + shift).into_affine();
	decoded[1].c = (decoded[1].c - shift).into_affine();
	let scalars = decode_inputs(&inputs).unwrap();
	// Both proofs are false, yet with equal weights their errors cancel.
	assert_eq!(prepared.verify(&decoded[0], &scalars[..3]), Ok(false));
	assert_eq!(prepared.verify(&decoded[1], &scalars[3..]), Ok(false));
	assert_eq!(prepared.verify_batch(&decoded, &scalars, &[1, 1]), Ok(true));
	let tampered: Vec<u8> = decoded.iter().flat_map(encode_proof).collect();
	assert_eq!(verify_batch(&key, &tampered, &inputs), Ok(false));
}

#[test]
fn batch_weights_are_deterministic_odd_and_bound_to_every_byte() {
	let (key, proofs, inputs) = simulated_batch(3, 2);
	let weights = batch_weights(&key, &proofs, &inputs, 3);
	assert_eq!(weights, batch_weights(&key, &proofs, &inputs, 3));
	assert!(weights.iter().all(|weight| weight & 1 == 1));
	assert_eq!(weights.len(), 3);
	let mut other_input = inputs.clone();
	other_input[40] ^= 1;
	assert_ne!(weights, batch_weights(&key, &proofs, &other_input, 3));
	let mut other_proof = proofs.clone();
	other_proof[200] ^= 1;
	assert_ne!(weights, batch_weights(&key, &other_proof, &inputs, 3));
}

#[test]
fn malformed_batches_are_errors_and_the_empty_batch_holds() {
	let (key, proofs, inputs) = simulated_batch(3, 2);
	assert_eq!(verify_batch(&key, &[], &[]), Ok(true));
	assert_eq!(verify_batch(&key, &proofs[..300], &inputs), Err(VerifyError::MalformedProof));
	assert_eq!(
		verify_batch(&key, &proofs, &inputs[..5 * SCALAR_BYTES]),
		Err(VerifyError::InputCountMismatch { expected: 6, found: 5 })
	);
	assert_eq!(verify_batch(&key, &proofs, &inputs[..33]), Err(VerifyError::MalformedInputs));
	let prepared = PreparedKey::decode(&key).unwrap();
	let decoded: Vec<Proof> =
		proofs.chunks(PROOF_BYTES).map(|proof| decode_proof(proof).unwrap()).collect();
	let scalars = decode_inputs(&inputs).unwrap();
	assert_eq!(prepared.verify_batch(&decoded, &scalars, &[1]), Err(VerifyError::MalformedProof));
}
