//! Keys and proofs made by snarkjs (from `vectors/deviation.circom`, the same
//! statement in circom) and by ZoKrates (the paper's Fig. 3 program) import,
//! verify with the chain's verifier, and round-trip through export.
mod common;

use ark_bn254::Fr;
use gridveil_circuits::{
	deviation,
	encoding::{
		scalars_to_snarkjs_public, snarkjs_public_to_scalars, FormatError, SnarkjsProof,
		SnarkjsVerificationKey, ZokratesProof, ZokratesVerificationKey,
	},
	READINGS_PER_HOUR,
};
use gridveil_groth16::{encode_verifying_key, PreparedKey, VerifyError};

fn snarkjs() -> (SnarkjsVerificationKey, SnarkjsProof, Vec<String>) {
	(
		serde_json::from_str(include_str!("../vectors/snarkjs/verification_key.json")).unwrap(),
		serde_json::from_str(include_str!("../vectors/snarkjs/proof.json")).unwrap(),
		serde_json::from_str(include_str!("../vectors/snarkjs/public.json")).unwrap(),
	)
}

fn zokrates() -> (ZokratesVerificationKey, ZokratesProof) {
	(
		serde_json::from_str(include_str!("../vectors/zokrates/verification.key")).unwrap(),
		serde_json::from_str(include_str!("../vectors/zokrates/proof.json")).unwrap(),
	)
}

/// Registers like the pallet does (compressed bytes → prepared key) and verifies.
fn chain_verify(
	key: &gridveil_groth16::VerifyingKey,
	proof: &gridveil_groth16::Proof,
	inputs: &[Fr],
) -> Result<bool, VerifyError> {
	PreparedKey::from_verifying_key_bytes(&encode_verifying_key(key))?.verify(proof, inputs)
}

#[test]
fn snarkjs_proof_of_the_circom_deviation_circuit_verifies_on_chain() {
	let (key, proof, public) = snarkjs();
	let key = key.to_key().unwrap();
	let proof = proof.to_proof().unwrap();
	let inputs = snarkjs_public_to_scalars(&public).unwrap();
	assert_eq!(chain_verify(&key, &proof, &inputs), Ok(true));
	let mut changed = inputs.clone();
	changed[3] += Fr::from(1u64);
	assert_eq!(chain_verify(&key, &proof, &changed), Ok(false));
}

#[test]
fn circom_and_rust_circuits_state_the_same_public_inputs() {
	// The circom witness is our test witness: same commitment, deviation, fingerprint.
	let (_, _, public) = snarkjs();
	let statement =
		deviation::statement(7, 9, Fr::from(0u64), &common::witness(), READINGS_PER_HOUR).unwrap();
	assert_eq!(snarkjs_public_to_scalars(&public).unwrap(), statement.to_scalars().to_vec());
}

#[test]
fn zokrates_proof_of_the_papers_program_verifies_on_chain() {
	let (key, proof) = zokrates();
	let key = key.to_key().unwrap();
	let (proof, inputs) = proof.to_proof().unwrap();
	assert_eq!(inputs, vec![Fr::from(9u64), Fr::from(840u64)]); // hour, deviation
	assert_eq!(chain_verify(&key, &proof, &inputs), Ok(true));
	assert_eq!(chain_verify(&key, &proof, &[Fr::from(9u64), Fr::from(841u64)]), Ok(false));
}

#[test]
fn snarkjs_documents_round_trip_through_export() {
	let (key, proof, public) = snarkjs();
	let exported_key = SnarkjsVerificationKey::from_key(&key.to_key().unwrap());
	assert_eq!(exported_key.to_key(), key.to_key());
	assert_eq!(exported_key.IC, key.IC);
	assert_eq!(exported_key.vk_beta_2, key.vk_beta_2);
	let exported_proof = SnarkjsProof::from_proof(&proof.to_proof().unwrap());
	assert_eq!(exported_proof.pi_a, proof.pi_a);
	assert_eq!(exported_proof.pi_b, proof.pi_b);
	assert_eq!(exported_proof.pi_c, proof.pi_c);
	assert_eq!(scalars_to_snarkjs_public(&snarkjs_public_to_scalars(&public).unwrap()), public);
}

#[test]
fn zokrates_documents_round_trip_through_export() {
	let (key, proof) = zokrates();
	assert_eq!(ZokratesVerificationKey::from_key(&key.to_key().unwrap()), key);
	let (points, inputs) = proof.to_proof().unwrap();
	assert_eq!(ZokratesProof::from_proof(&points, &inputs), proof);
}

#[test]
fn rust_proofs_export_to_snarkjs_and_back() {
	let key = common::proving_key();
	let (public, proof) = gridveil_circuits::prove(
		key,
		7,
		9,
		Fr::from(0u64),
		&common::witness(),
		&mut common::rng(8),
	)
	.unwrap();
	let document =
		serde_json::to_string(&SnarkjsVerificationKey::from_key(key.verifying_key())).unwrap();
	let imported: SnarkjsVerificationKey = serde_json::from_str(&document).unwrap();
	let proof_document = SnarkjsProof::from_proof(&proof);
	let inputs =
		snarkjs_public_to_scalars(&scalars_to_snarkjs_public(&public.to_scalars())).unwrap();
	assert_eq!(
		chain_verify(&imported.to_key().unwrap(), &proof_document.to_proof().unwrap(), &inputs),
		Ok(true)
	);
}

#[test]
fn imports_refuse_instead_of_reducing_or_repairing() {
	let (key, proof, public) = snarkjs();
	// A public signal equal to r.
	let mut at_modulus = public.clone();
	at_modulus[0] =
		"21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
	assert!(matches!(snarkjs_public_to_scalars(&at_modulus), Err(FormatError::NotInField(_))));
	// A coordinate equal to p.
	let mut off = proof.clone();
	off.pi_a[0] =
		"21888242871839275222246405745257275088696311157297823662689037894645226208583".into();
	assert!(matches!(off.to_proof(), Err(FormatError::NotInField(_))));
	// A point moved off the curve.
	let mut moved = proof.clone();
	moved.pi_a[1] = "1".into();
	assert!(matches!(moved.to_proof(), Err(FormatError::NotAPoint("pi_a", "G1"))));
	// G2 coordinates in the other (Ethereum calldata) order are not on the twist.
	let mut swapped = key.clone();
	swapped.vk_beta_2[0].swap(0, 1);
	swapped.vk_beta_2[1].swap(0, 1);
	assert!(matches!(swapped.to_key(), Err(FormatError::NotAPoint("vk_beta_2", "G2"))));
	// Another curve.
	let mut other = key;
	other.curve = "bls12381".into();
	assert!(matches!(other.to_key(), Err(FormatError::Unsupported("curve", _))));
}
