//! Fixtures: the example hour the ecosystem vectors were made from, a
//! benchmark fixture for the verifier pallet (a real key and proof with the
//! pallet's maximum number of public inputs), and one for the demand-response
//! pallet (a real deviation key and the proof of one program hour).
//!
//! The circuit states "I know `w_i` with `w_i · 1 = x_i`" for every public
//! `x_i`. A proof with `N` inputs also proves any prefix of them: folding the
//! fixed inputs `x_{n+1..N}` into the key's constant term gives a valid key
//! for `n` inputs (`gridveil_groth16::fold_inputs`), so the pallet benchmarks every input
//! count with one committed file.
use crate::{keys, Witness, READINGS_PER_HOUR};
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
pub use gridveil_groth16::fold_inputs;
use gridveil_groth16::{encode_proof, encode_verifying_key, scalar_to_bytes};
use rand::{rngs::StdRng, SeedableRng};

/// The pairing secret of the example meter and box (`vectors/`, decimal).
pub const EXAMPLE_PAIRING_SECRET: &str =
	"1234567890123456789012345678901234567890123456789012345678901234567890";
/// The end of the example hour: hour 9 of a program that starts at
/// 2025-01-01T00:00Z, in ms since the Unix epoch.
pub const EXAMPLE_HOUR_END_MS: u64 = 1_735_725_600_000;

/// The example pairing secret as a scalar.
pub fn example_pairing_secret() -> Fr {
	crate::encoding::parse_field(EXAMPLE_PAIRING_SECRET).expect("the example secret is below r")
}

/// The example hour of `vectors/` (circomlibjs, snarkjs) and of the tests and
/// benchmarks: the request is 1000 + 100·hour Wh, salt 123456789, the meter
/// reads 250, 260, 270, 280 Wh (hour 9 requests 1,900 Wh: deviation 840),
/// blinded for the hour ending at [`EXAMPLE_HOUR_END_MS`].
pub fn example_witness() -> Witness {
	Witness {
		request: core::array::from_fn(|hour| 1000 + 100 * hour as u64),
		salt: Fr::from(123_456_789u64),
		readings: vec![250, 260, 270, 280],
		blinding: crate::poseidon::blinding(example_pairing_secret(), EXAMPLE_HOUR_END_MS),
	}
}

/// `x_i = w_i` for each public `x_i`.
struct InputsCircuit {
	values: Vec<Fr>,
}

impl ConstraintSynthesizer<Fr> for InputsCircuit {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		for value in self.values {
			let public = FpVar::new_input(cs.clone(), || Ok(value))?;
			let private = FpVar::new_witness(cs.clone(), || Ok(value))?;
			public.enforce_equal(&private)?;
		}
		Ok(())
	}
}

/// The fixture's inputs: large, distinct scalars (so the MSM does full work).
pub fn fixture_inputs(count: usize) -> Vec<Fr> {
	(0..count as u64).map(|i| -Fr::from(1_000_003 * (i + 1))).collect()
}

/// `compressed vk ‖ proof (128) ‖ inputs (32 each)` for `count` inputs, from a
/// fixed seed.
pub fn fixture_bytes(count: usize) -> Vec<u8> {
	let mut rng = StdRng::seed_from_u64(16);
	let values = fixture_inputs(count);
	let (proving_key, verifying_key) = Groth16::<Bn254>::circuit_specific_setup(
		InputsCircuit { values: values.clone() },
		&mut rng,
	)
	.expect("the fixture circuit synthesizes");
	let proof =
		Groth16::<Bn254>::prove(&proving_key, InputsCircuit { values: values.clone() }, &mut rng)
			.expect("the fixture circuit is satisfied");
	let mut out = encode_verifying_key(&verifying_key);
	out.extend_from_slice(&encode_proof(&proof));
	out.extend(values.iter().flat_map(scalar_to_bytes));
	out
}

/// The demand-response pallet's benchmark fixture, from fixed seeds: a real
/// deviation key (L = 4) and the proof of hour 0 of program 0 for
/// [`example_witness`] (previous fingerprint 0), as
/// `compressed key ‖ commitment (32) ‖ deviation (u64, 8 LE) ‖ fingerprint (32) ‖ proof (128)`.
pub fn deviation_fixture_bytes() -> Vec<u8> {
	let key = deviation_fixture_key();
	let (public, proof) =
		keys::prove(&key, 0, 0, Fr::from(0u64), &example_witness(), &mut StdRng::seed_from_u64(25))
			.expect("the example witness is a valid hour");
	let mut out = encode_verifying_key(key.verifying_key());
	out.extend_from_slice(&scalar_to_bytes(&public.commitment));
	out.extend_from_slice(&public.deviation.to_le_bytes());
	out.extend_from_slice(&scalar_to_bytes(&public.fingerprint));
	out.extend_from_slice(&encode_proof(&proof));
	out
}

/// The deviation key of the demand-response fixtures, from a fixed seed.
fn deviation_fixture_key() -> keys::DeviationProvingKey {
	keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(24))
		.expect("the deviation circuit synthesizes")
}

/// Programs in the demand-response pallet's batch fixture: its `MaxDeviationBatch`.
pub const BATCH_FIXTURE_PROGRAMS: u64 = 64;

/// The demand-response pallet's batch benchmark fixture: under the key of
/// [`deviation_fixture_bytes`], the proofs of hour 0 of programs 0 to
/// [`BATCH_FIXTURE_PROGRAMS`] − 1 for [`example_witness`], 128 bytes each,
/// back to back (commitment, deviation and fingerprint are the hour-0
/// fixture's, since only the program id differs).
pub fn deviation_batch_fixture_bytes() -> Vec<u8> {
	let key = deviation_fixture_key();
	let mut rng = StdRng::seed_from_u64(26);
	let witness = example_witness();
	(0..BATCH_FIXTURE_PROGRAMS)
		.flat_map(|program_id| {
			let (_, proof) = keys::prove(&key, program_id, 0, Fr::from(0u64), &witness, &mut rng)
				.expect("the example witness is a valid hour");
			encode_proof(&proof)
		})
		.collect()
}
