//! A real deviation key and real proofs for the demand-response seeds, from
//! fixed seeds so the seed bytes never change: the operator's key (L = 4
//! readings an hour), the prosumer's commitment to the example request, the
//! proofs of hours 0 and 1 of program 0 with the prosumer's meter's real
//! signatures (a fixed P-256 key, RFC 6979 nonces), plus a forged and an
//! undecodable proof for hour 0.
use crate::block::FIRST_TIMESTAMP;
use gridveil_circuits::{fixture::example_witness, keys, poseidon, Witness, READINGS_PER_HOUR};
use gridveil_groth16::{
	decode_proof, encode_proof, encode_verifying_key, scalar_to_bytes, Scalar, PROOF_BYTES,
	SCALAR_BYTES,
};
use gridveil_p256::{attestation_message, low_s, sign, MeterSigningKey};
use gridveil_runtime::genesis_config_presets::TEST_HOUR_LENGTH_MS;
use pallet_demand_response::ProgramId;
use pallet_demand_response::{AttestedFingerprint, HourAttestation, MeterId, Moment};
use rand::{rngs::StdRng, SeedableRng};
use std::sync::LazyLock;

/// The program the proofs are for: the first program a fresh chain offers.
pub(crate) const PROGRAM_ID: ProgramId = 0;

/// Hour 0 of every seed program begins one hour after the first block (a
/// whole hour of the chain's clock).
pub(crate) const START: Moment = FIRST_TIMESTAMP + TEST_HOUR_LENGTH_MS;

/// The prosumer's meter.
pub(crate) const METER_ID: MeterId = 7;

/// The prosumer's meter's signing key (fixed: the seeds never change).
pub(crate) fn meter_key() -> MeterSigningKey {
	MeterSigningKey::from_slice(&[0x2b; 32]).expect("a fixed scalar below the group order")
}

/// The meter's low-S signature over `fingerprint` at `moment`.
fn meter_signature(moment: Moment, fingerprint: &[u8; SCALAR_BYTES]) -> [u8; 64] {
	low_s(&sign(&meter_key(), &attestation_message(METER_ID, moment, fingerprint)))
		.expect("a meter signs well-formed signatures")
}

/// Seed of the key setup's randomness.
const SETUP_SEED: u64 = 0x6772_6964;

/// Seed of hour 0's proving randomness; hour `h` uses this plus `h`.
const PROVING_SEED: u64 = 0x7665_696c;

/// What the meter reads in hours 0 and 1 (Wh per quarter hour). Hour 0 is the
/// example hour of `gridveil_circuits::fixture` (requested 1,000 Wh, consumed
/// 1,060: deviation 60); hour 1 requests 1,100 Wh and consumes 1,260.
const READINGS: [[u64; READINGS_PER_HOUR]; 2] = [[250, 260, 270, 280], [300, 310, 320, 330]];

/// Bytes that are no Groth16 proof: 0xff sets both point flags and puts every
/// coordinate above the field modulus.
pub(crate) const UNDECODABLE_PROOF: [u8; PROOF_BYTES] = [0xff; PROOF_BYTES];

/// One proven hour, as `submit_deviation` takes it.
pub(crate) struct HourProof {
	/// The program hour.
	pub hour: u32,
	/// |requested − consumed| in the hour, Wh.
	pub deviation: u64,
	/// The fingerprint after the hour's readings.
	pub fingerprint: [u8; SCALAR_BYTES],
	/// The proof.
	pub proof: [u8; PROOF_BYTES],
	/// The meter's signatures at the hour's end and start.
	pub attestation: HourAttestation,
}

/// The key, the commitment and the proofs.
pub(crate) struct DeviationProofs {
	/// The verifying key, compressed, as `ZkVerifier::register_key` takes it.
	pub verifying_key: Vec<u8>,
	/// The commitment to the example request and salt.
	pub commitment: [u8; SCALAR_BYTES],
	/// Hours 0 and 1 of [`PROGRAM_ID`], in order.
	pub hours: Vec<HourProof>,
	/// Hour 0's proof with its points A and C swapped: well-formed, but false,
	/// so submitting it forfeits the escrow.
	pub forged_first_hour: [u8; PROOF_BYTES],
}

/// Made on first use (a setup and two proofs: seconds in release builds).
static PROOFS: LazyLock<DeviationProofs> = LazyLock::new(prove);

/// The key, commitment and proofs.
pub(crate) fn deviation_proofs() -> &'static DeviationProofs {
	&PROOFS
}

/// Sets up the key and proves hours 0 and 1, checking each proof (and that
/// the forged one fails) exactly as the chain will.
fn prove() -> DeviationProofs {
	let key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(SETUP_SEED))
		.expect("the deviation circuit sets up");
	let request = example_witness();
	let commitment = scalar_to_bytes(&poseidon::commitment(&request.request, request.salt));
	let mut previous = Scalar::from(0u64);
	let mut hours = Vec::new();
	let mut forged_first_hour = None;
	for (hour, readings) in (0u32..).zip(READINGS) {
		let witness = Witness { readings: readings.to_vec(), ..example_witness() };
		let mut rng = StdRng::seed_from_u64(PROVING_SEED + u64::from(hour));
		let (public, proof) = keys::prove(&key, PROGRAM_ID, hour, previous, &witness, &mut rng)
			.expect("the seed readings are a valid hour");
		assert!(
			matches!(keys::verify(key.verifying_key(), &public, &proof), Ok(true)),
			"the proof of hour {hour} verifies"
		);
		let proof_bytes = encode_proof(&proof);
		if hour == 0 {
			let forged = swap_a_and_c(proof_bytes);
			let decoded = decode_proof(&forged).expect("A and C swapped are still points of G1");
			assert!(
				matches!(keys::verify(key.verifying_key(), &public, &decoded), Ok(false)),
				"the forged proof is well-formed and false"
			);
			forged_first_hour = Some(forged);
		}
		let hour_start = START + u64::from(hour) * TEST_HOUR_LENGTH_MS;
		let fingerprint = scalar_to_bytes(&public.fingerprint);
		let attestation = HourAttestation {
			signature: meter_signature(hour_start + TEST_HOUR_LENGTH_MS, &fingerprint),
			previous: Some(AttestedFingerprint {
				fingerprint: scalar_to_bytes(&previous),
				signature: meter_signature(hour_start, &scalar_to_bytes(&previous)),
			}),
		};
		previous = public.fingerprint;
		hours.push(HourProof {
			hour,
			deviation: public.deviation,
			fingerprint,
			proof: proof_bytes,
			attestation,
		});
	}
	assert!(decode_proof(&UNDECODABLE_PROOF).is_err(), "0xff bytes are no proof");
	DeviationProofs {
		verifying_key: encode_verifying_key(key.verifying_key()),
		commitment,
		hours,
		forged_first_hour: forged_first_hour.expect("hour 0 is proven"),
	}
}

/// The proof `a ‖ b ‖ c` (G1 32 bytes, G2 64, G1 32) as `c ‖ b ‖ a`.
fn swap_a_and_c(proof: [u8; PROOF_BYTES]) -> [u8; PROOF_BYTES] {
	let mut swapped = proof;
	swapped[..32].copy_from_slice(&proof[PROOF_BYTES - 32..]);
	swapped[PROOF_BYTES - 32..].copy_from_slice(&proof[..32]);
	swapped
}
