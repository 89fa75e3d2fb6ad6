//! A short demand-response program on a real `--dev` node (24-second hours):
//! the operator registers the deviation key, Alice (aggregator) offers Bob
//! (prosumer) three hours, Bob accepts and authorises his edge device
//! (Charlie's key), the device proves each hour with a real Groth16 proof and
//! submits it, and Dave settles. Penalties, escrow and the runtime API's
//! program state are checked against what the prover computed.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use gridveil_circuits::{fixture::example_witness, keys, poseidon, Witness, READINGS_PER_HOUR};
use gridveil_groth16::{
	encode_proof, encode_verifying_key, scalar_from_bytes, scalar_to_bytes, Scalar,
};
use gridveil_harness::{
	account,
	chain::{self, Client, KeyRegistered},
	demand_response::{
		chain_time, program_state, wait_for_chain_time, DeviationRegistered, DeviceAuthorized,
		ProgramAccepted, ProgramOffered, ProgramSettled, ProgramStatus,
	},
	UNIT,
};
use rand::{rngs::StdRng, SeedableRng};
use subxt::{
	dynamic::{self, Value},
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::sr25519::{self, Keypair};

/// Hours of the program.
const HOURS: u32 = 3;
/// The reward: 3 VEIL.
const REWARD: u128 = 3 * UNIT;
/// Penalty per Wh of deviation: 1 mVEIL.
const RATE_PER_WH: u128 = UNIT / 1_000;

fn address(keypair: &Keypair) -> MultiAddress<AccountId32, ()> {
	MultiAddress::Id(account(keypair))
}

/// The meter's readings in `hour`.
fn readings(hour: u32) -> Vec<u64> {
	(0..READINGS_PER_HOUR as u64).map(|quarter| 300 + 50 * u64::from(hour) + 7 * quarter).collect()
}

async fn submit<E: subxt::ext::scale_decode::DecodeAsFields>(
	client: &Client,
	signer: &Keypair,
	call: &str,
	fields: impl subxt::ext::scale_encode::EncodeAsFields,
	event: &str,
) -> Result<E> {
	let payload = dynamic::transaction("DemandResponse", call, fields);
	chain::submit_for_event(client, signer, &payload, "DemandResponse", event).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_three_hour_program_runs_with_real_proofs_on_a_dev_node() -> Result<()> {
	let (_node, _rpc, client) = chain::dev_chain(1).await?;
	let (alice, bob, device, dave) =
		(sr25519::dev::alice(), sr25519::dev::bob(), sr25519::dev::charlie(), sr25519::dev::dave());

	// The aggregator's trusted setup, and the key registered by the operator.
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(7))?;
	let key = encode_verifying_key(proving_key.verifying_key());
	let register =
		chain::sudo("ZkVerifier", "register_key", vec![("verifying_key", Value::from_bytes(&key))]);
	let registered: KeyRegistered =
		chain::submit_for_event(&client, &alice, &register, "ZkVerifier", "KeyRegistered").await?;

	// Alice offers Bob a program starting a minute from now.
	let witness = example_witness();
	let commitment = scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt));
	let start = chain_time(&client).await? + 60_000;
	let offered: ProgramOffered = submit(
		&client,
		&alice,
		"offer_program",
		(address(&bob), registered.key_id, commitment, REWARD, RATE_PER_WH, start, HOURS),
		"ProgramOffered",
	)
	.await?;
	ensure!(offered.prosumer == account(&bob) && offered.reward == REWARD, "offer: {offered:?}");
	let program_id = offered.program_id;

	let accepted: ProgramAccepted =
		submit(&client, &bob, "accept_program", (program_id,), "ProgramAccepted").await?;
	ensure!(accepted.escrow == REWARD, "escrow {}", accepted.escrow);
	let authorized: DeviceAuthorized =
		submit(&client, &bob, "authorize_device", (address(&device),), "DeviceAuthorized").await?;
	ensure!(authorized.device == account(&device), "device {:?}", authorized.device);

	let hour_length = program_state(&client, program_id)
		.await?
		.context("the runtime API does not know the program")?
		.hour_length;
	ensure!(hour_length == 24_000, "the dev preset's hour is {hour_length} ms");

	// Each hour: wait for it to end, prove from the chain's last fingerprint,
	// submit with the device's key.
	let mut escrow = REWARD;
	let mut rng = StdRng::seed_from_u64(8);
	for hour in 0..HOURS {
		wait_for_chain_time(
			&client,
			start + u64::from(hour + 1) * hour_length,
			Duration::from_secs(120),
		)
		.await?;
		let state = program_state(&client, program_id).await?.context("program vanished")?;
		ensure!(state.program.next_hour == hour, "chain expects hour {}", state.program.next_hour);
		let previous = scalar_from_bytes(&state.program.last_fingerprint)
			.context("the chain's fingerprint is not a scalar")?;
		let witness = Witness { readings: readings(hour), ..witness.clone() };
		let (public, proof) =
			keys::prove(&proving_key, program_id, hour, previous, &witness, &mut rng)?;

		let registered: DeviationRegistered = submit(
			&client,
			&device,
			"submit_deviation",
			(
				program_id,
				hour,
				public.deviation,
				scalar_to_bytes(&public.fingerprint),
				encode_proof(&proof),
			),
			"DeviationRegistered",
		)
		.await?;

		let consumed: u64 = readings(hour).iter().sum();
		let deviation = witness.request[hour as usize].abs_diff(consumed);
		let penalty = (u128::from(deviation) * RATE_PER_WH).min(escrow);
		escrow -= penalty;
		ensure!(
			registered.hour == hour
				&& registered.deviation == deviation
				&& registered.penalty == penalty
				&& registered.escrow == escrow
				&& registered.fingerprint == scalar_to_bytes(&public.fingerprint),
			"hour {hour}: {registered:?}, expected deviation {deviation}, penalty {penalty}"
		);
	}

	// Every hour is in: anyone may settle at once.
	let settled: ProgramSettled =
		submit(&client, &dave, "settle", (program_id,), "ProgramSettled").await?;
	ensure!(
		settled.missing_hours == 0 && settled.returned == 0 && settled.released == escrow,
		"settlement {settled:?}, expected {escrow} released"
	);

	let state = program_state(&client, program_id).await?.context("program vanished")?;
	ensure!(state.program.status == ProgramStatus::Completed, "status {:?}", state.program.status);
	ensure!(state.program.escrow == 0, "escrow left {}", state.program.escrow);
	let hours: Vec<u32> = state.hours.iter().map(|(hour, _)| *hour).collect();
	ensure!(hours == vec![0, 1, 2], "registered hours {hours:?}");
	let deviations: Vec<u64> = state.hours.iter().map(|(_, record)| record.deviation).collect();
	// |1000 + 100·hour − (1242 + 200·hour)|.
	ensure!(deviations == vec![242, 342, 442], "deviations {deviations:?}");
	let fingerprint = (0..HOURS).fold(Scalar::from(0u64), |previous, hour| {
		poseidon::fingerprint(previous, &readings(hour))
	});
	ensure!(
		state.program.last_fingerprint == scalar_to_bytes(&fingerprint),
		"the chain's fingerprint is not the readings' hash chain"
	);
	Ok(())
}
