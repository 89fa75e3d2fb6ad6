//! Seeds for the zk-verifier, meter-registry and demand-response pallets.
//! Alice is the operator (she registers keys and Bob's meter through sudo)
//! and the aggregator, Bob the prosumer, Dave Bob's edge device, Charlie a
//! bystander who settles.
//!
//! Time: block 1 is at `FIRST_TIMESTAMP`; the programs start one hour later
//! (an hour is four blocks on the development chain), so an hour's proof can
//! be submitted from the block at `start + (hour + 1)` hours.
use super::{
	proofs::{
		deviation_proofs, meter_key, HourProof, METER_ID, PROGRAM_ID, START, UNDECODABLE_PROOF,
	},
	script::{address, Script},
	Seed,
};
use crate::input::{ALICE, BOB, CHARLIE, DAVE, ROOT};
use gridveil_runtime::{
	genesis_config_presets::TEST_HOUR_LENGTH_MS, Balance, Runtime, MILLI_UNIT, SLOT_DURATION, UNIT,
};
use pallet_demand_response::ProgramId;
use pallet_zk_verifier::{KeyId, VerifyingKeyOf};

/// Calls of the zk-verifier pallet.
type VerifierCall = pallet_zk_verifier::Call<Runtime>;
/// Calls of the demand-response pallet.
type ProgramCall = pallet_demand_response::Call<Runtime>;
/// Calls of the balances pallet.
type BalancesCall = pallet_balances::Call<Runtime>;
/// Calls of the meter registry.
type MeterCall = pallet_meter_registry::Call<Runtime>;

/// Blocks in a demand-response hour (six-second blocks, 24-second hours).
const HOUR: u8 = (TEST_HOUR_LENGTH_MS / SLOT_DURATION) as u8;

/// The key the seeds register first.
const KEY: KeyId = 0;

/// The reward Alice puts up.
const REWARD: Balance = 100 * UNIT;

/// The penalty per Wh of deviation.
const RATE_PER_WH: Balance = MILLI_UNIT;

/// The demand-response and verifier seeds.
pub(super) fn seeds() -> Vec<Seed> {
	vec![
		proven_program_settled(),
		false_proof_forfeits(),
		unproven_program_settled_by_on_idle(),
		verifier_keys(),
	]
}

/// The deviation key, bounded as the call takes it.
fn verifying_key() -> VerifyingKeyOf<Runtime> {
	deviation_proofs()
		.verifying_key
		.clone()
		.try_into()
		.expect("a six-input key is within the verifier's bound")
}

/// Alice offers Bob a program of `hours` hours from [`START`] under [`KEY`].
fn offer_to_bob(hours: u32) -> ProgramCall {
	ProgramCall::offer_program {
		prosumer: address(BOB),
		key_id: KEY,
		commitment: deviation_proofs().commitment,
		reward: REWARD,
		rate_per_wh: RATE_PER_WH,
		start: START,
		hours,
	}
}

/// `submit_deviation` of a proven hour, with `proof` in place of its own.
fn submit(hour: &HourProof, proof: [u8; 128]) -> ProgramCall {
	ProgramCall::submit_deviation {
		program_id: PROGRAM_ID,
		hour: hour.hour,
		deviation: hour.deviation,
		fingerprint: hour.fingerprint,
		proof,
		attestation: hour.attestation.clone(),
	}
}

/// The operator registers Bob's meter.
fn register_bobs_meter() -> MeterCall {
	MeterCall::register_meter {
		meter_id: METER_ID,
		key: gridveil_p256::public_key(&meter_key()),
		prosumer: address(BOB),
	}
}

/// Bob accepts the seed program with his meter.
fn bob_accepts() -> ProgramCall {
	ProgramCall::accept_program { program_id: PROGRAM_ID, meter_id: METER_ID }
}

/// Key registered, program offered to Bob and accepted, Dave authorised as
/// Bob's device: the first block of the program seeds.
fn accepted_program(hours: u32) -> Script {
	let mut script = Script::new();
	script
		.operator_ok(VerifierCall::register_key { verifying_key: verifying_key() })
		.operator_ok(register_bobs_meter())
		.ok(ALICE, offer_to_bob(hours))
		.ok(BOB, bob_accepts())
		.ok(BOB, ProgramCall::authorize_device { device: address(DAVE) });
	script
}

/// Both hours proven with real proofs (hour 0 by the device, hour 1 by Bob)
/// and the program settled by anyone before its grace period ends.
fn proven_program_settled() -> Seed {
	let proofs = deviation_proofs();
	let [first, second] = &proofs.hours[..] else { unreachable!("two hours are proven") };
	let mut script = accepted_program(2);
	script
		.wait(2 * HOUR)
		.ok(DAVE, submit(first, first.proof))
		.fails(DAVE, submit(first, first.proof))
		.fails(DAVE, submit(second, second.proof))
		.wait(HOUR)
		.ok(BOB, submit(second, second.proof))
		.ok(CHARLIE, ProgramCall::settle { program_id: PROGRAM_ID })
		.fails(CHARLIE, ProgramCall::settle { program_id: PROGRAM_ID })
		.ok(BOB, ProgramCall::revoke_device { device: address(DAVE) })
		.fails(BOB, ProgramCall::revoke_device { device: address(DAVE) });
	script.seed("dr_proven_program_settled")
}

/// Undecodable bytes are refused without consequence; a well-formed false
/// proof forfeits the escrow to Alice and excludes Bob, who can then neither
/// be offered a program nor submit.
fn false_proof_forfeits() -> Seed {
	let proofs = deviation_proofs();
	let first = &proofs.hours[0];
	let mut script = accepted_program(2);
	script
		.wait(2 * HOUR)
		.fails(DAVE, submit(first, UNDECODABLE_PROOF))
		.ok(DAVE, submit(first, proofs.forged_first_hour))
		.fails(DAVE, submit(first, first.proof))
		.fails(ALICE, offer_to_bob(1))
		.fails(CHARLIE, ProgramCall::settle { program_id: PROGRAM_ID });
	script.seed("dr_false_proof_forfeits")
}

/// An offer withdrawn, and an accepted one-hour program nobody proves:
/// `on_idle` settles it in the block where it falls due (the reward goes back
/// to Alice), so settling it by hand afterwards fails.
fn unproven_program_settled_by_on_idle() -> Seed {
	let withdrawn: ProgramId = PROGRAM_ID + 1;
	let mut script = Script::new();
	script
		.operator_ok(VerifierCall::register_key { verifying_key: verifying_key() })
		.operator_ok(register_bobs_meter())
		.ok(ALICE, offer_to_bob(1))
		.ok(
			ALICE,
			ProgramCall::offer_program {
				prosumer: address(CHARLIE),
				key_id: KEY,
				commitment: deviation_proofs().commitment,
				reward: REWARD,
				rate_per_wh: RATE_PER_WH,
				start: START,
				hours: 3,
			},
		)
		.fails(BOB, ProgramCall::withdraw_offer { program_id: withdrawn })
		.ok(ALICE, ProgramCall::withdraw_offer { program_id: withdrawn })
		.ok(BOB, bob_accepts())
		.fails(CHARLIE, ProgramCall::settle { program_id: PROGRAM_ID })
		// Due at the end of the program's hour plus two grace hours.
		.wait(4 * HOUR)
		.ok(CHARLIE, BalancesCall::transfer_keep_alive { dest: address(DAVE), value: UNIT })
		.wait(1)
		.fails(CHARLIE, ProgramCall::settle { program_id: PROGRAM_ID });
	script.seed("dr_unproven_program_settled_by_on_idle")
}

/// Keys registered by sudo and by root, refused from anyone else or when
/// malformed, removed once.
fn verifier_keys() -> Seed {
	let malformed: VerifyingKeyOf<Runtime> = vec![0xff; deviation_proofs().verifying_key.len()]
		.try_into()
		.expect("as long as a real key");
	let mut script = Script::new();
	script
		.operator_ok(VerifierCall::register_key { verifying_key: verifying_key() })
		.operator_fails(VerifierCall::register_key { verifying_key: malformed })
		.ok(ROOT, VerifierCall::register_key { verifying_key: verifying_key() })
		.fails(BOB, VerifierCall::register_key { verifying_key: verifying_key() })
		.operator_ok(VerifierCall::remove_key { key_id: KEY + 1 })
		.operator_fails(VerifierCall::remove_key { key_id: KEY + 1 });
	script.seed("zk_verifier_keys")
}
