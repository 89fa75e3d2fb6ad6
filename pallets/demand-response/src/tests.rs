//! Tests with real proofs: one deviation key (set up once per test binary)
//! and Groth16 proofs of each program hour from `gridveil-circuits`.
use crate::{mock::*, pallet::*, types::*, weights::WeightInfo, Event as DemandResponseEvent};
use ark_bn254::Fr;
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get, Hooks},
	weights::{RuntimeDbWeight, Weight},
};
use gridveil_circuits::{
	fixture::{example_pairing_secret, example_witness},
	keys, poseidon, DeviationProvingKey, Witness, READINGS_PER_HOUR,
};
use gridveil_groth16::{encode_proof, encode_verifying_key, scalar_from_bytes, scalar_to_bytes};
use gridveil_p256::{attestation_message, low_s, public_key, sign, twin, MeterSigningKey};
use rand::{rngs::StdRng, SeedableRng};
use sp_runtime::{DispatchError, TokenError};
use std::sync::OnceLock;

/// The L = 4 proving key, made once per test binary.
fn proving_key() -> &'static DeviationProvingKey {
	static KEY: OnceLock<DeviationProvingKey> = OnceLock::new();
	KEY.get_or_init(|| keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(1)).unwrap())
}

/// Registers the deviation key with the verifier pallet and returns its id;
/// registers the prosumers' meters too, the first time.
fn register_key() -> KeyId {
	for prosumer in [PROSUMER, STRANGER, NEIGHBOUR] {
		if !pallet_meter_registry::Meters::<Test>::contains_key(meter_id(prosumer)) {
			assert_ok!(MeterRegistry::register_meter(
				RuntimeOrigin::root(),
				meter_id(prosumer),
				public_key(&meter_key(prosumer)),
				prosumer
			));
		}
	}
	let key = encode_verifying_key(proving_key().verifying_key());
	assert_ok!(ZkVerifier::register_key(RuntimeOrigin::root(), key.try_into().unwrap()));
	pallet_zk_verifier::NextKeyId::<Test>::get() - 1
}

/// The meter of `prosumer`.
fn meter_id(prosumer: u64) -> MeterId {
	100 + prosumer
}

/// The signing key of `prosumer`'s meter.
fn meter_key(prosumer: u64) -> MeterSigningKey {
	MeterSigningKey::random(&mut StdRng::seed_from_u64(prosumer))
}

/// `prosumer`'s meter's signature over `fingerprint` at `hour_end`.
fn meter_signature(prosumer: u64, hour_end: u64, fingerprint: &Scalar) -> MeterSignature {
	let message = attestation_message(meter_id(prosumer), hour_end, fingerprint);
	low_s(&sign(&meter_key(prosumer), &message)).unwrap()
}

/// What `prosumer`'s meter signs about `hour` of a program from [`START`]:
/// `previous` at its start, `fingerprint` at its end.
fn attestation(prosumer: u64, hour: u32, previous: Fr, fingerprint: Fr) -> HourAttestation {
	let start = START + u64::from(hour) * HOUR;
	let previous = scalar_to_bytes(&previous);
	HourAttestation {
		signature: meter_signature(prosumer, start + HOUR, &scalar_to_bytes(&fingerprint)),
		previous: Some(AttestedFingerprint {
			fingerprint: previous,
			signature: meter_signature(prosumer, start, &previous),
		}),
	}
}

/// The prosumer's private request (1000 + 100·hour Wh) and salt.
fn witness() -> Witness {
	example_witness()
}

/// The request's commitment as the chain stores it.
fn commitment() -> Scalar {
	let witness = witness();
	scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt))
}

/// What the meter reads in `hour`: four quarter-hours around 300 Wh, so the
/// deviation differs from hour to hour.
fn readings(hour: u32) -> Vec<u64> {
	(0..READINGS_PER_HOUR as u64).map(|quarter| 240 + 37 * u64::from(hour) + 11 * quarter).collect()
}

/// `|request[hour] − Σ readings|`, computed independently of the circuit.
fn expected_deviation(hour: u32) -> u64 {
	let consumed: u64 = readings(hour).iter().sum();
	(1000 + 100 * u64::from(hour)).abs_diff(consumed)
}

/// One hour's submission: the public values, the proof and the meter's
/// attestation.
#[derive(Clone)]
struct Submission {
	hour: u32,
	deviation: u64,
	fingerprint: Fr,
	proof: ProofBytes,
	attestation: HourAttestation,
}

impl Submission {
	fn fingerprint_bytes(&self) -> Scalar {
		scalar_to_bytes(&self.fingerprint)
	}
}

/// The blinding of a program hour, from the example meter's pairing secret.
fn blinding(hour: u32) -> Fr {
	poseidon::blinding(example_pairing_secret(), START + (u64::from(hour) + 1) * HOUR)
}

/// Proves `hour` of `program_id` from `previous`, as the edge client does,
/// with its prosumer's meter's attestation of both fingerprints.
fn prove(program_id: ProgramId, hour: u32, previous: Fr) -> Submission {
	let witness = Witness { readings: readings(hour), blinding: blinding(hour), ..witness() };
	let mut rng = StdRng::seed_from_u64(program_id * 100 + u64::from(hour));
	let (public, proof) =
		keys::prove(proving_key(), program_id, hour, previous, &witness, &mut rng).unwrap();
	let prosumer = Programs::<Test>::get(program_id).map_or(PROSUMER, |program| program.prosumer);
	Submission {
		hour,
		deviation: public.deviation,
		fingerprint: public.fingerprint,
		proof: encode_proof(&proof),
		attestation: attestation(prosumer, hour, previous, public.fingerprint),
	}
}

/// Submits `submission` for `program_id`, signed by `signer`.
fn submit(
	signer: u64,
	program_id: ProgramId,
	submission: &Submission,
) -> sp_runtime::DispatchResult {
	submit_for_weight(signer, program_id, submission).map(|_| ()).map_err(|error| error.error)
}

/// [`submit`], with what the call was charged.
fn submit_for_weight(
	signer: u64,
	program_id: ProgramId,
	submission: &Submission,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	DemandResponse::submit_deviation(
		RuntimeOrigin::signed(signer),
		program_id,
		submission.hour,
		submission.deviation,
		submission.fingerprint_bytes(),
		submission.proof,
		submission.attestation.clone(),
	)
}

/// Start of the programs in these tests: ten hours into the chain's life.
const START: u64 = 10 * HOUR;

/// Sets the clock.
fn at(moment: u64) {
	Timestamp::set_timestamp(moment);
}

/// The clock just after hour `hour` of a program starting at [`START`] ends.
fn after_hour(hour: u32) {
	at(START + HOUR * (u64::from(hour) + 1));
}

/// Offers `PROSUMER` a program of `hours` hours from [`START`] and returns its id.
fn offer(key_id: KeyId, reward: u64, rate_per_wh: u64, hours: u32) -> ProgramId {
	offer_to(PROSUMER, key_id, reward, rate_per_wh, hours)
}

fn offer_to(prosumer: u64, key_id: KeyId, reward: u64, rate_per_wh: u64, hours: u32) -> ProgramId {
	let program_id = NextProgramId::<Test>::get();
	assert_ok!(DemandResponse::offer_program(
		RuntimeOrigin::signed(AGGREGATOR),
		prosumer,
		key_id,
		commitment(),
		reward,
		rate_per_wh,
		START,
		hours
	));
	program_id
}

/// An accepted program of `hours` hours; the clock still before its start.
fn active(key_id: KeyId, reward: u64, rate_per_wh: u64, hours: u32) -> ProgramId {
	let program_id = offer(key_id, reward, rate_per_wh, hours);
	accept(PROSUMER, program_id);
	program_id
}

/// `prosumer` accepts `program_id` with its meter.
fn accept(prosumer: u64, program_id: ProgramId) {
	assert_ok!(DemandResponse::accept_program(
		RuntimeOrigin::signed(prosumer),
		program_id,
		meter_id(prosumer)
	));
}

fn program(program_id: ProgramId) -> ProgramOf<Test> {
	Programs::<Test>::get(program_id).unwrap()
}

fn free(who: u64) -> u64 {
	Balances::free_balance(who)
}

fn escrow_held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::ProgramEscrow.into(), &who)
}

fn events() -> Vec<DemandResponseEvent<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::DemandResponse(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// Negates the proof's `A` point (the sign flag of its compressed encoding):
/// still a well-formed proof, but of nothing.
fn tampered(submission: &Submission) -> Submission {
	let mut tampered = submission.clone();
	tampered.proof[31] ^= 0x80;
	tampered
}

#[test]
fn offer_holds_the_reward() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - 5 * HOUR);
		let program_id = offer(key_id, 24_000, 2, 24);

		assert_eq!(escrow_held(AGGREGATOR), 24_000);
		assert_eq!(free(AGGREGATOR), ENDOWMENT - 24_000);
		let stored = program(program_id);
		assert_eq!(stored.status, ProgramStatus::Offered);
		assert_eq!((stored.aggregator, stored.prosumer), (AGGREGATOR, PROSUMER));
		assert_eq!((stored.next_hour, stored.last_fingerprint), (0, [0; 32]));
		assert_eq!(
			events(),
			vec![DemandResponseEvent::ProgramOffered {
				program_id,
				aggregator: AGGREGATOR,
				prosumer: PROSUMER,
				reward: 24_000,
				rate_per_wh: 2,
				start: START,
				hours: 24,
			}]
		);
	});
}

#[test]
fn offer_refuses_bad_terms() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let origin = || RuntimeOrigin::signed(AGGREGATOR);
		let c = commitment();
		use Error as E;
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id, c, 10, 1, START, 0),
			E::<Test>::NoHours
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id, c, 10, 1, START, 25),
			E::<Test>::TooManyHours
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id, c, 0, 1, START, 24),
			E::<Test>::RewardZero
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), AGGREGATOR, key_id, c, 10, 1, START, 24),
			E::<Test>::AggregatorIsProsumer
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id, c, 10, 1, START - HOUR, 24),
			E::<Test>::StartInPast
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id + 1, c, 10, 1, START, 24),
			E::<Test>::UnknownKey
		);
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id, [0xff; 32], 10, 1, START, 24),
			E::<Test>::CommitmentNotInField
		);
		assert_noop!(
			DemandResponse::offer_program(
				origin(),
				PROSUMER,
				key_id,
				c,
				ENDOWMENT + 1,
				1,
				START,
				24
			),
			TokenError::FundsUnavailable
		);
		assert_noop!(
			DemandResponse::offer_program(
				origin(),
				PROSUMER,
				key_id,
				c,
				10,
				1,
				(u64::MAX / HOUR - 1) * HOUR,
				24
			),
			E::<Test>::ProgramTooLong
		);
		// A key of another circuit (three public inputs).
		let other = gridveil_circuits::fixture::fixture_bytes(3);
		let other_key = other[..gridveil_groth16::verifying_key_len(3)].to_vec();
		assert_ok!(ZkVerifier::register_key(RuntimeOrigin::root(), other_key.try_into().unwrap()));
		assert_noop!(
			DemandResponse::offer_program(origin(), PROSUMER, key_id + 1, c, 10, 1, START, 24),
			E::<Test>::NotADeviationKey
		);
	});
}

#[test]
fn withdraw_releases_an_unaccepted_offer() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = offer(key_id, 5_000, 1, 4);
		assert_noop!(
			DemandResponse::withdraw_offer(RuntimeOrigin::signed(STRANGER), program_id),
			Error::<Test>::NotAggregator
		);
		assert_noop!(
			DemandResponse::withdraw_offer(RuntimeOrigin::signed(AGGREGATOR), program_id + 1),
			Error::<Test>::UnknownProgram
		);

		assert_ok!(DemandResponse::withdraw_offer(RuntimeOrigin::signed(AGGREGATOR), program_id));

		assert_eq!((free(AGGREGATOR), escrow_held(AGGREGATOR)), (ENDOWMENT, 0));
		assert!(!Programs::<Test>::contains_key(program_id));
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::OfferWithdrawn { program_id, reward: 5_000 })
		);
		assert_noop!(
			DemandResponse::accept_program(
				RuntimeOrigin::signed(PROSUMER),
				program_id,
				meter_id(PROSUMER)
			),
			Error::<Test>::UnknownProgram
		);
	});
}

#[test]
fn accept_turns_the_reward_into_the_prosumers_escrow() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = offer(key_id, 5_000, 1, 4);
		assert_noop!(
			DemandResponse::accept_program(
				RuntimeOrigin::signed(STRANGER),
				program_id,
				meter_id(STRANGER)
			),
			Error::<Test>::NotProsumer
		);

		accept(PROSUMER, program_id);

		assert_eq!(program(program_id).status, ProgramStatus::Active);
		assert_eq!((escrow_held(AGGREGATOR), free(AGGREGATOR)), (0, ENDOWMENT - 5_000));
		assert_eq!((escrow_held(PROSUMER), free(PROSUMER)), (5_000, ENDOWMENT));
		assert_eq!(PendingSettlementCount::<Test>::get(), 1);
		assert_noop!(
			DemandResponse::accept_program(
				RuntimeOrigin::signed(PROSUMER),
				program_id,
				meter_id(PROSUMER)
			),
			Error::<Test>::NotOffered
		);
		assert_noop!(
			DemandResponse::withdraw_offer(RuntimeOrigin::signed(AGGREGATOR), program_id),
			Error::<Test>::NotOffered
		);
	});
}

#[test]
fn an_offer_expires_when_its_first_hour_begins() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = offer(key_id, 5_000, 1, 4);
		at(START);
		assert_noop!(
			DemandResponse::accept_program(
				RuntimeOrigin::signed(PROSUMER),
				program_id,
				meter_id(PROSUMER)
			),
			Error::<Test>::OfferExpired
		);
		assert_ok!(DemandResponse::withdraw_offer(RuntimeOrigin::signed(AGGREGATOR), program_id));
	});
}

#[test]
fn a_full_day_registers_every_hour_with_exact_penalties() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let (reward, rate) = (1_000_000, 7);
		let program_id = active(key_id, reward, rate, 24);
		let mut previous = Fr::from(0u64);
		let mut escrow = reward;
		let mut paid = 0;
		for hour in 0..24 {
			after_hour(hour);
			let submission = prove(program_id, hour, previous);
			assert_eq!(submission.deviation, expected_deviation(hour));
			assert_eq!(
				submission.fingerprint,
				poseidon::fingerprint(previous, blinding(hour), &readings(hour))
			);

			assert_ok!(submit(PROSUMER, program_id, &submission));

			let penalty = (expected_deviation(hour) * rate).min(escrow);
			escrow -= penalty;
			paid += penalty;
			let record = HourRecords::<Test>::get(program_id, hour).unwrap();
			assert_eq!(
				record,
				HourRecord {
					deviation: expected_deviation(hour),
					fingerprint: submission.fingerprint_bytes(),
					penalty
				}
			);
			assert_eq!(
				events().last(),
				Some(&DemandResponseEvent::DeviationRegistered {
					program_id,
					hour,
					deviation: expected_deviation(hour),
					fingerprint: submission.fingerprint_bytes(),
					penalty,
					escrow,
				})
			);
			assert_eq!(program(program_id).escrow, escrow);
			assert_eq!(escrow_held(PROSUMER), escrow);
			previous = submission.fingerprint;
		}
		assert_eq!(free(AGGREGATOR), ENDOWMENT - reward + paid);
		assert_eq!(program(program_id).last_fingerprint, scalar_to_bytes(&previous));

		// Every hour is in: settlement need not wait for the grace period.
		assert_ok!(DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id));

		assert_eq!(program(program_id).status, ProgramStatus::Completed);
		assert_eq!(free(PROSUMER), ENDOWMENT + escrow);
		assert_eq!(escrow_held(PROSUMER), 0);
		assert_eq!(free(AGGREGATOR), ENDOWMENT - reward + paid);
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::ProgramSettled {
				program_id,
				missing_hours: 0,
				returned: 0,
				released: escrow,
			})
		);
		// Out of the settlement queue, in it again for its removal.
		assert_eq!(PendingSettlementCount::<Test>::get(), 1);
	});
}

#[test]
fn penalties_stop_at_the_escrow() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		// Hour 0 deviates by 1000 − 1026 → 26 Wh: 26 × 200 exceeds the reward.
		let program_id = active(key_id, 5_000, 200, 2);
		after_hour(0);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		assert_ok!(submit(PROSUMER, program_id, &hour_0));
		assert_eq!(HourRecords::<Test>::get(program_id, 0).unwrap().penalty, 5_000);
		after_hour(1);
		assert_ok!(submit(PROSUMER, program_id, &prove(program_id, 1, hour_0.fingerprint)));
		assert_eq!(HourRecords::<Test>::get(program_id, 1).unwrap().penalty, 0);
		assert_eq!(free(AGGREGATOR), ENDOWMENT);
		assert_eq!(escrow_held(PROSUMER), 0);
	});
}

#[test]
fn a_tampered_proof_at_hour_ten_forfeits_the_escrow_and_excludes_the_prosumer() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let (reward, rate) = (1_000_000, 3);
		let program_id = active(key_id, reward, rate, 24);
		let mut previous = Fr::from(0u64);
		let mut paid = 0;
		for hour in 0..10 {
			after_hour(hour);
			let submission = prove(program_id, hour, previous);
			assert_ok!(submit(PROSUMER, program_id, &submission));
			paid += expected_deviation(hour) * rate;
			previous = submission.fingerprint;
		}
		after_hour(10);
		let honest = prove(program_id, 10, previous);

		// The call succeeds so that the forfeiture stays.
		assert_ok!(submit(PROSUMER, program_id, &tampered(&honest)));

		let stored = program(program_id);
		assert_eq!(stored.status, ProgramStatus::Forfeited);
		assert_eq!(stored.escrow, 0);
		assert_eq!(free(AGGREGATOR), ENDOWMENT);
		assert_eq!(escrow_held(PROSUMER), 0);
		assert_eq!(free(PROSUMER), ENDOWMENT);
		assert_eq!(Excluded::<Test>::get(PROSUMER), Some(program_id));
		assert!(!HourRecords::<Test>::contains_key(program_id, 10));
		let tail = events().split_off(events().len() - 2);
		assert_eq!(
			tail,
			vec![
				DemandResponseEvent::ProgramForfeited {
					program_id,
					hour: 10,
					forfeited: reward - paid
				},
				DemandResponseEvent::ProsumerExcluded { prosumer: PROSUMER, program_id },
			]
		);
		// Out of the settlement queue, in it again for its removal.
		assert_eq!(PendingSettlementCount::<Test>::get(), 1);

		// The honest proof is too late now, and the prosumer is out of the game.
		assert_noop!(submit(PROSUMER, program_id, &honest), Error::<Test>::ProsumerExcluded);
		assert_noop!(
			DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id),
			Error::<Test>::ProgramNotActive
		);
		at(START + 30 * HOUR);
		assert_noop!(
			DemandResponse::offer_program(
				RuntimeOrigin::signed(AGGREGATOR),
				PROSUMER,
				key_id,
				commitment(),
				10,
				1,
				START + 40 * HOUR,
				2
			),
			Error::<Test>::ProsumerExcluded
		);
	});
}

#[test]
fn an_excluded_prosumer_cannot_accept_or_submit_elsewhere() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let first = active(key_id, 10_000, 1, 2);
		let second = active(key_id, 10_000, 1, 2);
		let third = offer(key_id, 10_000, 1, 2);
		after_hour(0);
		assert_ok!(submit(PROSUMER, first, &tampered(&prove(first, 0, Fr::from(0u64)))));
		assert_eq!(Excluded::<Test>::get(PROSUMER), Some(first));

		assert_noop!(
			submit(PROSUMER, second, &prove(second, 0, Fr::from(0u64))),
			Error::<Test>::ProsumerExcluded
		);
		at(START - HOUR);
		assert_noop!(
			DemandResponse::accept_program(
				RuntimeOrigin::signed(PROSUMER),
				third,
				meter_id(PROSUMER)
			),
			Error::<Test>::ProsumerExcluded
		);
	});
}

#[test]
fn a_malformed_proof_is_refused_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 2);
		after_hour(0);
		let honest = prove(program_id, 0, Fr::from(0u64));
		// A coordinate above the field modulus, and bytes of no point at all.
		for proof in [[0xff; 128], [0x01; 128]] {
			let malformed = Submission { proof, ..honest.clone() };
			assert_noop!(submit(PROSUMER, program_id, &malformed), Error::<Test>::MalformedProof);
		}
		assert_ok!(submit(PROSUMER, program_id, &honest));
	});
}

#[test]
fn replays_are_refused() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 3);
		let other_program = active(key_id, 10_000, 1, 3);
		after_hour(1);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		assert_ok!(submit(PROSUMER, program_id, &hour_0));

		// The same proof again.
		assert_noop!(submit(PROSUMER, program_id, &hour_0), Error::<Test>::HourAlreadySubmitted);

		// The same proof and attestation for the next hour: the meter signed
		// another hour, so the chain refuses it without a penalty.
		let previous = None;
		let replayed = HourAttestation { previous, ..hour_0.attestation.clone() };
		let as_hour_1 = Submission { hour: 1, attestation: replayed, ..hour_0.clone() };
		assert_noop!(submit(PROSUMER, program_id, &as_hour_1), Error::<Test>::BadMeterSignature);
		assert_noop!(
			submit(PROSUMER, program_id, &Submission { hour: 1, ..hour_0.clone() }),
			Error::<Test>::PreviousFingerprintMismatch
		);

		// The same proof for the next hour with the fingerprint the meter
		// signed, or for another program with the same commitment: the
		// statement differs, the proof is of nothing, and the prosumer who
		// signs it is treated as any submitter of a false proof.
		let signed = attestation(PROSUMER, 1, hour_0.fingerprint, hour_0.fingerprint);
		let as_hour_1 = Submission { hour: 1, attestation: signed, ..hour_0.clone() };
		assert_ok!(submit(PROSUMER, program_id, &as_hour_1));
		assert!(!HourRecords::<Test>::contains_key(program_id, 1));
		assert_eq!(program(program_id).status, ProgramStatus::Forfeited);
		assert_noop!(submit(PROSUMER, other_program, &hour_0), Error::<Test>::ProsumerExcluded);
	});
}

#[test]
fn another_programs_proof_does_not_verify() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 3);
		let other_program = active(key_id, 10_000, 1, 3);
		after_hour(0);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));

		assert_ok!(submit(PROSUMER, other_program, &hour_0));

		assert!(!HourRecords::<Test>::contains_key(other_program, 0));
		assert_eq!(program(other_program).status, ProgramStatus::Forfeited);
		assert_eq!(program(program_id).status, ProgramStatus::Active);
	});
}

#[test]
fn submissions_follow_the_programs_hours() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let offered = offer(key_id, 10_000, 1, 3);
		let program_id = active(key_id, 10_000, 1, 3);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		let hour_1 = prove(program_id, 1, hour_0.fingerprint);

		after_hour(0);
		assert_noop!(submit(PROSUMER, offered, &hour_0), Error::<Test>::ProgramNotActive);
		assert_noop!(submit(PROSUMER, 99, &hour_0), Error::<Test>::UnknownProgram);
		at(START + HOUR - 1);
		assert_noop!(submit(PROSUMER, program_id, &hour_0), Error::<Test>::HourNotEnded);
		after_hour(1);
		let beyond = Submission { hour: 3, ..hour_0.clone() };
		assert_noop!(submit(PROSUMER, program_id, &beyond), Error::<Test>::HourOutOfRange);
		assert_noop!(
			DemandResponse::submit_deviation(
				RuntimeOrigin::signed(PROSUMER),
				program_id,
				0,
				hour_0.deviation,
				[0xff; 32],
				hour_0.proof,
				hour_0.attestation.clone()
			),
			Error::<Test>::FingerprintNotInField
		);

		// Late but inside the grace period: accepted.
		at(START + 3 * HOUR + u64::from(GRACE_HOURS) * HOUR - 1);
		assert_ok!(submit(PROSUMER, program_id, &hour_0));
		// From the end plus the grace period on: closed.
		at(START + 3 * HOUR + u64::from(GRACE_HOURS) * HOUR);
		assert_noop!(submit(PROSUMER, program_id, &hour_1), Error::<Test>::SubmissionWindowClosed);
	});
}

#[test]
fn a_removed_key_refuses_proofs_without_penalty() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 2);
		assert_ok!(ZkVerifier::remove_key(RuntimeOrigin::root(), key_id));
		after_hour(0);
		assert_noop!(
			submit(PROSUMER, program_id, &prove(program_id, 0, Fr::from(0u64))),
			Error::<Test>::UnknownKey
		);
	});
}

#[test]
fn devices_submit_for_their_prosumer_only() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 3);
		let origin = RuntimeOrigin::signed;
		assert_noop!(
			DemandResponse::authorize_device(origin(PROSUMER), PROSUMER),
			Error::<Test>::DeviceIsProsumer
		);
		assert_ok!(DemandResponse::authorize_device(origin(PROSUMER), DEVICE));
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::DeviceAuthorized { prosumer: PROSUMER, device: DEVICE })
		);
		assert_noop!(
			DemandResponse::authorize_device(origin(NEIGHBOUR), DEVICE),
			Error::<Test>::DeviceAlreadyAuthorized
		);
		assert_ok!(DemandResponse::authorize_device(origin(PROSUMER), 10));
		assert_noop!(
			DemandResponse::authorize_device(origin(PROSUMER), 11),
			Error::<Test>::TooManyDevices
		);

		after_hour(1);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		assert_noop!(submit(STRANGER, program_id, &hour_0), Error::<Test>::NotAuthorizedSigner);
		assert_ok!(submit(DEVICE, program_id, &hour_0));

		assert_noop!(
			DemandResponse::revoke_device(origin(NEIGHBOUR), DEVICE),
			Error::<Test>::UnknownDevice
		);
		assert_ok!(DemandResponse::revoke_device(origin(PROSUMER), DEVICE));
		assert_eq!(DeviceCount::<Test>::get(PROSUMER), 1);
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::DeviceRevoked { prosumer: PROSUMER, device: DEVICE })
		);
		let hour_1 = prove(program_id, 1, hour_0.fingerprint);
		assert_noop!(submit(DEVICE, program_id, &hour_1), Error::<Test>::NotAuthorizedSigner);
		assert_ok!(submit(PROSUMER, program_id, &hour_1));
	});
}

#[test]
fn missing_hours_go_back_to_the_aggregator() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		// 10,003 over 4 hours: 2,500 per missing hour, the remainder stays with the prosumer.
		let (reward, rate) = (10_003, 1);
		let program_id = active(key_id, reward, rate, 4);
		after_hour(1);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		assert_ok!(submit(PROSUMER, program_id, &hour_0));
		assert_ok!(submit(PROSUMER, program_id, &prove(program_id, 1, hour_0.fingerprint)));
		let penalties = expected_deviation(0) + expected_deviation(1);

		let due = START + (4 + u64::from(GRACE_HOURS)) * HOUR;
		at(due - 1);
		assert_noop!(
			DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id),
			Error::<Test>::SettlementNotDue
		);
		at(due);
		assert_ok!(DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id));

		let returned = 2 * 2_500;
		let released = reward - penalties - returned;
		assert_eq!(free(AGGREGATOR), ENDOWMENT - reward + penalties + returned);
		assert_eq!(free(PROSUMER), ENDOWMENT + released);
		assert_eq!(escrow_held(PROSUMER), 0);
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::ProgramSettled {
				program_id,
				missing_hours: 2,
				returned,
				released
			})
		);
		assert_noop!(
			DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id),
			Error::<Test>::ProgramNotActive
		);
	});
}

#[test]
fn on_idle_settles_due_programs_in_bounded_steps() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let short = active(key_id, 4_000, 1, 1);
		let also_short = active(key_id, 4_000, 1, 1);
		let long = active(key_id, 4_000, 1, 4);
		let step = <Test as Config>::WeightInfo::on_idle_settle()
			.max(<Test as Config>::WeightInfo::on_idle_empty_period())
			.max(<Test as Config>::WeightInfo::on_idle_remove());
		let base =
			<<Test as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get().reads(3);
		let on_idle = |weight: Weight| DemandResponse::on_idle(1, weight);

		// Nothing due yet.
		assert_eq!(on_idle(Weight::MAX), base);
		assert_eq!(program(short).status, ProgramStatus::Active);

		// Due: one step's weight settles exactly one program.
		at(START + (1 + u64::from(GRACE_HOURS)) * HOUR);
		assert_eq!(on_idle(base + step), base + step);
		let settled = [short, also_short]
			.iter()
			.filter(|&&id| program(id).status == ProgramStatus::Completed)
			.count();
		assert_eq!(settled, 1);
		assert_eq!(on_idle(base), base);
		assert_eq!(on_idle(base - Weight::from_parts(1, 0)), Weight::zero());
		assert!(on_idle(Weight::MAX).all_gte(base + step));
		assert_eq!(program(short).status, ProgramStatus::Completed);
		assert_eq!(program(also_short).status, ProgramStatus::Completed);
		assert_eq!(program(long).status, ProgramStatus::Active);
		assert_eq!(free(AGGREGATOR), ENDOWMENT - 3 * 4_000 + 2 * 4_000);

		at(START + (4 + u64::from(GRACE_HOURS)) * HOUR);
		on_idle(Weight::MAX);
		assert_eq!(program(long).status, ProgramStatus::Completed);
		assert_eq!(free(AGGREGATOR), ENDOWMENT);
		// Settled, the three wait for their removal.
		assert_eq!(PendingSettlementCount::<Test>::get(), 3);

		at(START + (4 + u64::from(GRACE_HOURS) + u64::from(RETENTION_HOURS) + 1) * HOUR);
		on_idle(Weight::MAX);
		assert!([short, also_short, long].iter().all(|id| !Programs::<Test>::contains_key(id)));
		assert_eq!(PendingSettlementCount::<Test>::get(), 0);
		assert_eq!(SettlementCursor::<Test>::get(), None);
	});
}

#[test]
fn settled_and_forfeited_programs_leave_with_their_hours_after_the_retention() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let settled = active(key_id, 10_000, 1, 2);
		let forfeited = offer_to(NEIGHBOUR, key_id, 10_000, 1, 3);
		accept(NEIGHBOUR, forfeited);
		after_hour(0);
		let hour_0 = prove(settled, 0, Fr::from(0u64));
		assert_ok!(submit(PROSUMER, settled, &hour_0));
		after_hour(1);
		assert_ok!(submit(PROSUMER, settled, &prove(settled, 1, hour_0.fingerprint)));
		// Every hour registered: settled at once, queued for removal.
		assert_ok!(DemandResponse::settle(RuntimeOrigin::signed(STRANGER), settled));
		let neighbour_0 = prove(forfeited, 0, Fr::from(0u64));
		assert_ok!(submit(NEIGHBOUR, forfeited, &tampered(&neighbour_0)));
		assert_eq!(program(forfeited).status, ProgramStatus::Forfeited);
		assert_eq!(PendingSettlementCount::<Test>::get(), 2);
		let on_idle = || DemandResponse::on_idle(1, Weight::MAX);

		// The public record stays for the whole retention...
		let removal = START + (2 + u64::from(RETENTION_HOURS) + 1) * HOUR;
		at(removal - 1);
		on_idle();
		assert_eq!(program(settled).status, ProgramStatus::Completed);
		assert_eq!(program(forfeited).status, ProgramStatus::Forfeited);
		assert_eq!(HourRecords::<Test>::iter_prefix(settled).count(), 2);

		// ...then leaves, hours and all; the exclusion stays.
		at(removal);
		System::reset_events();
		on_idle();
		assert!(!Programs::<Test>::contains_key(settled));
		assert!(!Programs::<Test>::contains_key(forfeited));
		assert_eq!(HourRecords::<Test>::iter_prefix(settled).count(), 0);
		assert_eq!(DemandResponse::program_state(settled), None);
		assert_eq!(Excluded::<Test>::get(NEIGHBOUR), Some(forfeited));
		let mut removed = events();
		removed.sort_by_key(|event| match event {
			DemandResponseEvent::ProgramRemoved { program_id, .. } => *program_id,
			_ => u64::MAX,
		});
		assert_eq!(
			removed,
			vec![
				DemandResponseEvent::ProgramRemoved { program_id: settled, hour_records: 2 },
				DemandResponseEvent::ProgramRemoved { program_id: forfeited, hour_records: 0 },
			]
		);
		assert_eq!(PendingSettlementCount::<Test>::get(), 0);
		assert_eq!(SettlementCursor::<Test>::get(), None);
	});
}

#[test]
fn program_state_shows_the_public_record() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 2, 3);
		after_hour(0);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		assert_ok!(submit(PROSUMER, program_id, &hour_0));

		let state = DemandResponse::program_state(program_id).unwrap();

		assert_eq!(state.program, program(program_id));
		assert_eq!(state.hour_length, HOUR);
		assert_eq!(state.due, START + (3 + u64::from(GRACE_HOURS)) * HOUR);
		assert_eq!(
			state.hours,
			vec![(
				0,
				HourRecord {
					deviation: expected_deviation(0),
					fingerprint: hour_0.fingerprint_bytes(),
					penalty: 2 * expected_deviation(0),
				}
			)]
		);
		assert_eq!(DemandResponse::program_state(program_id + 1), None);
	});
}

#[test]
fn genesis_sets_the_hour_length() {
	new_test_ext().execute_with(|| assert_eq!(HourLength::<Test>::get(), HOUR));
	sp_io::TestExternalities::default()
		.execute_with(|| assert_eq!(HourLength::<Test>::get(), crate::PRODUCTION_HOUR_LENGTH));
}

#[test]
fn unsigned_calls_are_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(DemandResponse::settle(RuntimeOrigin::none(), 0), DispatchError::BadOrigin);
	});
}

/// The escrow arithmetic alone, for any terms: money is neither made nor lost.
mod escrow_arithmetic {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#[test]
		fn penalties_and_settlement_add_up_to_the_reward(
			reward in 1u64..u64::MAX / 2,
			rate_per_wh in 0u64..1_000_000,
			hours in 1u32..=24,
			deviations in prop::collection::vec(0u64..1u64 << 44, 0..=24),
		) {
			let mut program = Program {
				aggregator: AGGREGATOR,
				prosumer: PROSUMER,
				key_id: 0,
				commitment: [0; 32],
				reward,
				rate_per_wh,
				start: START,
				hours,
				status: ProgramStatus::Active,
				escrow: reward,
				next_hour: 0,
				last_fingerprint: [0; 32],
				meter: Some(0),
				registered_hours: 0,
			};
			let mut paid: u64 = 0;
			for &deviation in deviations.iter().take(hours as usize) {
				let penalty = program.penalty(deviation);
				prop_assert!(penalty <= program.escrow);
				prop_assert_eq!(
					penalty,
					u64::try_from(u128::from(deviation) * u128::from(rate_per_wh))
						.unwrap_or(u64::MAX)
						.min(program.escrow)
				);
				program.escrow -= penalty;
				program.next_hour += 1;
				program.registered_hours += 1;
				paid += penalty;
			}
			let (returned, released) = program.settlement();
			prop_assert_eq!(returned + released, program.escrow);
			prop_assert!(returned <= reward / u64::from(hours) * u64::from(program.missing_hours()));
			prop_assert_eq!(paid + returned + released, reward);
		}
	}
}

/// Whatever a signer sends, the pallet answers without panicking: a random
/// submission to an active program is refused and changes nothing (random
/// bytes are no proof), and the program stays as it was.
mod arbitrary_submissions {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(256))]
		#[test]
		fn are_refused_without_a_change(
			signer in 1u64..=6,
			program_id in 0u64..3,
			hour in 0u32..30,
			deviation in any::<u64>(),
			fingerprint in prop::array::uniform32(any::<u8>()),
			proof in prop::collection::vec(any::<u8>(), 128),
			signature in prop::collection::vec(any::<u8>(), 64),
			clock in 0u64..40,
		) {
			new_test_ext().execute_with(|| {
				let key_id = register_key();
				at(START - HOUR);
				let program_id_before = active(key_id, 10_000, 3, 24);
				at(clock * HOUR);
				let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
				let proof: ProofBytes = proof.try_into().unwrap();
				let signature: MeterSignature = signature.try_into().unwrap();
				let attestation = HourAttestation { signature, previous: None };

				let result = DemandResponse::submit_deviation(
					RuntimeOrigin::signed(signer),
					program_id,
					hour,
					deviation,
					fingerprint,
					proof,
					attestation,
				);

				prop_assert!(result.is_err(), "random bytes were accepted: {result:?}");
				prop_assert_eq!(before, sp_io::storage::root(sp_runtime::StateVersion::V1));
				prop_assert_eq!(program(program_id_before).status, ProgramStatus::Active);
				Ok(())
			})?;
		}
	}
}

/// `submission` for `program_id` as a relayed entry, signed by `signer`.
fn signed(signer: u64, program_id: ProgramId, submission: &Submission) -> SignedDeviationOf<Test> {
	let fingerprint = submission.fingerprint_bytes();
	let payload = deviation_payload(
		program_id,
		submission.hour,
		submission.deviation,
		&fingerprint,
		&submission.proof,
	);
	SignedDeviation {
		program_id,
		hour: submission.hour,
		deviation: submission.deviation,
		fingerprint,
		proof: submission.proof,
		attestation: submission.attestation.clone(),
		signer,
		signature: sp_runtime::testing::TestSignature(signer, payload),
	}
}

/// Relays `entries` as `AGGREGATOR` (anyone may relay).
fn relay(
	entries: Vec<SignedDeviationOf<Test>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	use sp_runtime::traits::Dispatchable;
	let call = crate::Call::<Test>::submit_deviations { entries: entries.try_into().unwrap() };
	RuntimeCall::from(call).dispatch(RuntimeOrigin::signed(AGGREGATOR))
}

/// Three accepted one-day programs of prosumers 2, 4 and 5 (rate 2 per Wh),
/// the clock after hour 0, and each prosumer's signed hour-0 deviation.
fn three_programs_after_hour_0() -> Vec<SignedDeviationOf<Test>> {
	let key_id = register_key();
	let entries = [PROSUMER, STRANGER, NEIGHBOUR]
		.into_iter()
		.map(|prosumer| {
			let program_id = offer_to(prosumer, key_id, 100_000, 2, 24);
			accept(prosumer, program_id);
			signed(prosumer, program_id, &prove(program_id, 0, Fr::from(0u64)))
		})
		.collect();
	after_hour(0);
	entries
}

#[test]
fn a_relayed_batch_registers_every_hour_and_refunds_the_fallback() {
	new_test_ext().execute_with(|| {
		let entries = three_programs_after_hour_0();
		let info = relay(entries.clone()).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::submit_deviations(3)));
		for entry in &entries {
			let record = HourRecords::<Test>::get(entry.program_id, 0).unwrap();
			assert_eq!(record.deviation, expected_deviation(0));
			assert_eq!(record.penalty, 2 * expected_deviation(0));
			assert_eq!(program(entry.program_id).next_hour, 1);
		}
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::DeviationBatchProcessed {
				relayer: AGGREGATOR,
				registered: 3,
				forfeited: 0
			})
		);
		// The same entries again: the hours are taken.
		assert_noop!(relay(entries), Error::<Test>::HourAlreadySubmitted);
	});
}

#[test]
fn hours_that_continue_the_last_one_are_refunded_the_start_attestation() {
	new_test_ext().execute_with(|| {
		let entries = three_programs_after_hour_0();
		let start_check = DemandResponse::start_check_weight();
		assert!(start_check.ref_time() > 0);
		// Hour 0 starts each chain: its start attestation is checked.
		let info = relay(entries.clone()).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::submit_deviations(3)));
		// Hour 1 continues hour 0 in all three: three checks not made.
		after_hour(1);
		let hour_1: Vec<_> = entries
			.iter()
			.zip([PROSUMER, STRANGER, NEIGHBOUR])
			.map(|(entry, prosumer)| {
				let previous = scalar_from_bytes(&entry.fingerprint).unwrap();
				signed(prosumer, entry.program_id, &prove(entry.program_id, 1, previous))
			})
			.collect();
		let info = relay(hour_1.clone()).unwrap();
		assert_eq!(
			info.actual_weight,
			Some(<() as WeightInfo>::submit_deviations(3).saturating_sub(start_check * 3))
		);
		for entry in &hour_1 {
			assert_eq!(program(entry.program_id).next_hour, 2);
		}
		// One submission: the same refund from what it declares.
		after_hour(2);
		let program_id = entries[0].program_id;
		let previous = scalar_from_bytes(&hour_1[0].fingerprint).unwrap();
		let info =
			submit_for_weight(PROSUMER, program_id, &prove(program_id, 2, previous)).unwrap();
		let declared = <() as WeightInfo>::submit_deviation()
			.max(<() as WeightInfo>::submit_deviation_forfeiting());
		assert_eq!(info.actual_weight, Some(declared.saturating_sub(start_check)));
	});
}

#[test]
fn a_false_proof_in_a_batch_forfeits_only_its_program() {
	new_test_ext().execute_with(|| {
		let mut entries = three_programs_after_hour_0();
		let false_program = entries[1].program_id;
		let mut false_hour = prove(false_program, 0, Fr::from(0u64));
		false_hour.deviation += 1;
		entries[1] = signed(STRANGER, false_program, &false_hour);
		let info = relay(entries.clone()).unwrap();
		assert_eq!(
			info.actual_weight,
			Some(DemandResponse::batch_weight(3)),
			"a failed batch is charged the fallback"
		);
		assert_eq!(program(false_program).status, ProgramStatus::Forfeited);
		assert_eq!(Excluded::<Test>::get(STRANGER), Some(false_program));
		assert!(HourRecords::<Test>::get(false_program, 0).is_none());
		for entry in [&entries[0], &entries[2]] {
			assert!(HourRecords::<Test>::get(entry.program_id, 0).is_some());
			assert_eq!(program(entry.program_id).status, ProgramStatus::Active);
		}
		assert!(!Excluded::<Test>::contains_key(PROSUMER));
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::DeviationBatchProcessed {
				relayer: AGGREGATOR,
				registered: 2,
				forfeited: 1
			})
		);
	});
}

#[test]
fn device_signatures_are_accepted_and_strangers_refused() {
	new_test_ext().execute_with(|| {
		let mut entries = three_programs_after_hour_0();
		assert_ok!(DemandResponse::authorize_device(RuntimeOrigin::signed(PROSUMER), DEVICE));
		let submission = prove(entries[0].program_id, 0, Fr::from(0u64));
		entries[0] = signed(STRANGER, entries[0].program_id, &submission);
		assert_noop!(relay(entries.clone()), Error::<Test>::NotAuthorizedSigner);
		entries[0] = signed(DEVICE, entries[0].program_id, &submission);
		assert_ok!(relay(entries));
	});
}

#[test]
fn bad_batches_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		let entries = three_programs_after_hour_0();
		assert_noop!(relay(Vec::new()), Error::<Test>::EmptyBatch);

		// A signature over another deviation.
		let mut forged = entries.clone();
		forged[2].deviation += 1;
		assert_noop!(relay(forged), Error::<Test>::BadSignature);

		let twice = vec![entries[0].clone(), entries[1].clone(), entries[0].clone()];
		assert_noop!(relay(twice), Error::<Test>::ProgramTwiceInBatch);

		// Bytes that are not a proof: refused, although the other entries hold.
		let mut malformed = entries.clone();
		let program_id = malformed[1].program_id;
		let mut submission = prove(program_id, 0, Fr::from(0u64));
		submission.proof = [0xff; 128];
		malformed[1] = signed(STRANGER, program_id, &submission);
		assert_noop!(relay(malformed), Error::<Test>::MalformedProof);

		// An entry for an hour that has not ended.
		let mut early = entries.clone();
		let program_id = early[0].program_id;
		early[0] = signed(PROSUMER, program_id, &prove(program_id, 1, Fr::from(0u64)));
		assert_noop!(relay(early), Error::<Test>::HourNotEnded);

		// An entry whose meter signature is another hour's.
		let mut unattested = entries.clone();
		unattested[1].attestation.signature = entries[2].attestation.signature;
		assert_noop!(relay(unattested), Error::<Test>::BadMeterSignature);
	});
}

#[test]
fn a_batch_is_verified_under_one_key() {
	new_test_ext().execute_with(|| {
		let mut entries = three_programs_after_hour_0();
		// The same key registered again has another id.
		let other_key = register_key();
		at(0);
		let program_id = offer_to(NEIGHBOUR, other_key, 100_000, 2, 24);
		accept(NEIGHBOUR, program_id);
		after_hour(0);
		entries[2] = signed(NEIGHBOUR, program_id, &prove(program_id, 0, Fr::from(0u64)));
		assert_noop!(relay(entries), Error::<Test>::MixedKeysInBatch);
	});
}

#[test]
fn accept_requires_an_active_meter_of_the_prosumer() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = offer(key_id, 5_000, 1, 4);
		let accept_with = |meter| {
			DemandResponse::accept_program(RuntimeOrigin::signed(PROSUMER), program_id, meter)
		};
		assert_noop!(accept_with(999), Error::<Test>::UnknownMeter);
		assert_noop!(accept_with(meter_id(NEIGHBOUR)), Error::<Test>::ForeignMeter);
		assert_ok!(MeterRegistry::revoke_meter(RuntimeOrigin::root(), meter_id(PROSUMER)));
		assert_noop!(accept_with(meter_id(PROSUMER)), Error::<Test>::MeterRevoked);
	});
}

#[test]
fn accept_names_the_meter() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 5_000, 1, 4);
		assert_eq!(program(program_id).meter, Some(meter_id(PROSUMER)));
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::ProgramAccepted {
				program_id,
				escrow: 5_000,
				meter_id: meter_id(PROSUMER)
			})
		);
	});
}

#[test]
fn programs_start_on_a_whole_hour() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		assert_noop!(
			DemandResponse::offer_program(
				RuntimeOrigin::signed(AGGREGATOR),
				PROSUMER,
				key_id,
				commitment(),
				5_000,
				1,
				START + 1,
				4
			),
			Error::<Test>::StartNotOnHour
		);
	});
}

#[test]
fn meter_signatures_that_do_not_hold_are_refused_without_a_penalty() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let program_id = active(key_id, 10_000, 1, 3);
		after_hour(0);
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		let with = |attestation: HourAttestation| Submission { attestation, ..hour_0.clone() };
		let fingerprint = hour_0.fingerprint_bytes();
		let previous = hour_0.attestation.previous.clone();

		// Another meter's signature over the same hour and fingerprint.
		let foreign = HourAttestation {
			signature: meter_signature(NEIGHBOUR, START + HOUR, &fingerprint),
			previous: previous.clone(),
		};
		// The meter's signature over another hour.
		let other_hour = HourAttestation {
			signature: meter_signature(PROSUMER, START + 2 * HOUR, &fingerprint),
			previous: previous.clone(),
		};
		// The fingerprint at the start, signed for another moment.
		let bad_start = HourAttestation {
			previous: Some(AttestedFingerprint {
				fingerprint: [0; 32],
				signature: meter_signature(PROSUMER, START - HOUR, &[0; 32]),
			}),
			..hour_0.attestation.clone()
		};
		// The high-S twin of the meter's signature.
		let high_s = HourAttestation {
			signature: twin(&hour_0.attestation.signature).unwrap(),
			previous: previous.clone(),
		};
		let cases = [
			(foreign, Error::<Test>::BadMeterSignature),
			(other_hour, Error::<Test>::BadMeterSignature),
			(bad_start, Error::<Test>::BadMeterSignature),
			(
				HourAttestation { previous: None, ..hour_0.attestation.clone() },
				Error::<Test>::PreviousAttestationMissing,
			),
			(
				HourAttestation { signature: [0; 64], previous: previous.clone() },
				Error::<Test>::MalformedMeterSignature,
			),
			(high_s, Error::<Test>::HighSMeterSignature),
		];
		for (attestation, error) in cases {
			assert_noop!(submit(PROSUMER, program_id, &with(attestation)), error);
		}

		// A revoked meter: refused too; the hour stays missing.
		assert_ok!(MeterRegistry::revoke_meter(RuntimeOrigin::root(), meter_id(PROSUMER)));
		assert_noop!(submit(PROSUMER, program_id, &hour_0), Error::<Test>::MeterRevoked);
		assert_eq!(program(program_id).status, ProgramStatus::Active);
		assert!(!Excluded::<Test>::contains_key(PROSUMER));
	});
}

#[test]
fn a_missing_hour_is_passed_over_with_the_meters_fingerprint_and_returned_at_settlement() {
	new_test_ext().execute_with(|| {
		let key_id = register_key();
		at(START - HOUR);
		let (reward, rate) = (30_000, 1);
		let program_id = active(key_id, reward, rate, 3);
		// The meter's chain: hour 1's readings never reach a proof.
		let hour_0 = prove(program_id, 0, Fr::from(0u64));
		let after_1 = poseidon::fingerprint(hour_0.fingerprint, blinding(1), &readings(1));
		let hour_2 = prove(program_id, 2, after_1);
		after_hour(2);
		assert_ok!(submit(PROSUMER, program_id, &hour_0));

		// Hour 2 does not continue hour 0: without the meter's fingerprint at
		// its start it is refused; with it, it is registered.
		let unanchored = HourAttestation { previous: None, ..hour_2.attestation.clone() };
		assert_noop!(
			submit(PROSUMER, program_id, &Submission { attestation: unanchored, ..hour_2.clone() }),
			Error::<Test>::PreviousAttestationMissing
		);
		assert_ok!(submit(PROSUMER, program_id, &hour_2));
		let stored = program(program_id);
		assert_eq!((stored.next_hour, stored.registered_hours), (3, 2));
		assert!(!HourRecords::<Test>::contains_key(program_id, 1));

		// Hour 1 can no longer come.
		let hour_1 = prove(program_id, 1, hour_0.fingerprint);
		assert_noop!(submit(PROSUMER, program_id, &hour_1), Error::<Test>::HourAlreadySubmitted);

		// Settlement returns the missing hour's share to the aggregator.
		at(START + (3 + u64::from(GRACE_HOURS)) * HOUR);
		let aggregator_before = free(AGGREGATOR);
		assert_ok!(DemandResponse::settle(RuntimeOrigin::signed(STRANGER), program_id));
		let penalties = expected_deviation(0) * rate + expected_deviation(2) * rate;
		assert_eq!(free(AGGREGATOR), aggregator_before + reward / 3);
		assert_eq!(
			events().last(),
			Some(&DemandResponseEvent::ProgramSettled {
				program_id,
				missing_hours: 1,
				returned: reward / 3,
				released: reward - penalties - reward / 3,
			})
		);
	});
}
