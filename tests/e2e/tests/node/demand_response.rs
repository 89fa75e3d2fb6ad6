//! A short demand-response program on a real `--dev` node (24-second hours):
//! the operator registers the deviation key and Bob's meter, Alice
//! (aggregator) offers Bob (prosumer) three hours, Bob accepts with his meter
//! and authorises his edge device (Charlie's key), the meter signs each
//! hour's blinded fingerprint, the device proves each hour with a real
//! Groth16 proof and submits it with the meter's signatures, and Dave
//! settles. A signature the meter did not make is refused. Penalties, escrow
//! and the runtime API's program state are checked against what the prover
//! computed.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use gridveil_circuits::{
	fixture::{example_pairing_secret, example_witness},
	keys, poseidon, Witness, READINGS_PER_HOUR,
};
use gridveil_edge::submit::HourAttestation;
use gridveil_groth16::{
	encode_proof, encode_verifying_key, scalar_from_bytes, scalar_to_bytes, Scalar,
};
use gridveil_harness::{
	account,
	chain::{self, Client, KeyRegistered},
	demand_response::{
		chain_time, program_state, register_meter, wait_for_chain_time, DeviationRegistered,
		DeviceAuthorized, MeterRegistered, MeterRevoked, ProgramAccepted, ProgramOffered,
		ProgramSettled, ProgramStatus,
	},
	energy_market::{event_of, submit_in_block},
	UNIT,
};
use gridveil_p256::{attestation_message, low_s, public_key, sign, twin, MeterSigningKey};
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
/// The dev preset's hour, ms.
const HOUR_LENGTH_MS: u64 = 24_000;
/// Bob's meter.
const METER_ID: u64 = 77;

/// Bob's meter's signature over `fingerprint` at `moment`.
fn meter_signature(meter: &MeterSigningKey, moment: u64, fingerprint: &Scalar) -> [u8; 64] {
	let message = attestation_message(METER_ID, moment, &scalar_to_bytes(fingerprint));
	low_s(&sign(meter, &message)).expect("a meter signs well-formed signatures")
}

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
	let (_node, rpc, client) = chain::dev_chain(1).await?;
	let (alice, bob, device, dave) =
		(sr25519::dev::alice(), sr25519::dev::bob(), sr25519::dev::charlie(), sr25519::dev::dave());

	// The aggregator's trusted setup, and the key registered by the operator.
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(7))?;
	let key = encode_verifying_key(proving_key.verifying_key());
	let register = chain::register_key(&key);
	let registered: KeyRegistered =
		chain::submit_for_event(&client, &alice, &register, "ZkVerifier", "KeyRegistered").await?;
	// The metering operator (root here) registers Bob's meter.
	let meter = MeterSigningKey::from_slice(&[0x42; 32])?;
	let meter_registered: MeterRegistered = chain::submit_for_event(
		&client,
		&alice,
		&register_meter(METER_ID, public_key(&meter), account(&bob)),
		"MeterRegistry",
		"MeterRegistered",
	)
	.await?;
	ensure!(meter_registered.prosumer == account(&bob), "meter of {:?}", meter_registered.prosumer);

	// Alice offers Bob a program starting on a whole hour about a minute from now.
	let witness = example_witness();
	let commitment = scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt));
	let offer = async |start: u64| -> Result<ProgramOffered> {
		let terms =
			(address(&bob), registered.key_id, commitment, REWARD, RATE_PER_WH, start, HOURS);
		submit(&client, &alice, "offer_program", terms, "ProgramOffered").await
	};
	let start = (chain_time(&client).await? + 60_000).div_ceil(HOUR_LENGTH_MS) * HOUR_LENGTH_MS;
	let offered = offer(start).await?;
	ensure!(offered.prosumer == account(&bob) && offered.reward == REWARD, "offer: {offered:?}");
	let program_id = offered.program_id;

	let accepted: ProgramAccepted =
		submit(&client, &bob, "accept_program", (program_id, METER_ID), "ProgramAccepted").await?;
	ensure!(accepted.escrow == REWARD && accepted.meter_id == METER_ID, "accepted {accepted:?}");
	let authorized: DeviceAuthorized =
		submit(&client, &bob, "authorize_device", (address(&device),), "DeviceAuthorized").await?;
	ensure!(authorized.device == account(&device), "device {:?}", authorized.device);

	let hour_length = program_state(&client, program_id)
		.await?
		.context("the runtime API does not know the program")?
		.hour_length;
	ensure!(hour_length == HOUR_LENGTH_MS, "the dev preset's hour is {hour_length} ms");

	// Each hour: wait for it to end, prove from the chain's last fingerprint
	// with the hour's blinding, submit with the device's key.
	let blinding = |hour: u32| {
		poseidon::blinding(example_pairing_secret(), start + u64::from(hour + 1) * hour_length)
	};
	let mut escrow = REWARD;
	let mut rng = StdRng::seed_from_u64(8);
	for hour in 0..HOURS {
		wait_for_chain_time(
			&client,
			start + u64::from(hour + 1) * hour_length,
			Duration::from_secs(120),
		)
		.await?;
		// The hour before is final (it went in a best block).
		let state = chain::poll(Duration::from_secs(60), async || {
			let state = program_state(&client, program_id).await?.context("program vanished")?;
			Ok(if state.program.next_hour == hour {
				Ok(state)
			} else {
				Err(format!("the finalized chain expects hour {}", state.program.next_hour))
			})
		})
		.await?;
		let previous = scalar_from_bytes(&state.program.last_fingerprint)
			.context("the chain's fingerprint is not a scalar")?;
		let witness =
			Witness { readings: readings(hour), blinding: blinding(hour), ..witness.clone() };
		let (public, proof) =
			keys::prove(&proving_key, program_id, hour, previous, &witness, &mut rng)?;
		// The meter signs the fingerprints at the hour's start and end.
		let hour_start = start + u64::from(hour) * hour_length;
		let attestation = HourAttestation {
			signature: meter_signature(&meter, hour_start + hour_length, &public.fingerprint),
			previous: Some((
				scalar_to_bytes(&previous),
				meter_signature(&meter, hour_start, &previous),
			)),
		};
		let fields = |attestation: &HourAttestation| {
			vec![
				Value::u128(program_id.into()),
				Value::u128(hour.into()),
				Value::u128(public.deviation.into()),
				Value::from_bytes(scalar_to_bytes(&public.fingerprint)),
				Value::from_bytes(encode_proof(&proof)),
				attestation.value(),
			]
		};
		if hour == 0 {
			// A signature the meter did not make (another hour's), and the
			// malleable high-S twin of its real one, are refused (checked in a
			// best block, not waiting for finality: the program's hours go on).
			let previous_signature = attestation.previous.context("hour 0 carries its start")?.1;
			let forged = HourAttestation { signature: previous_signature, ..attestation };
			let high_s =
				HourAttestation { signature: twin(&attestation.signature)?, ..attestation };
			for (bad, error) in [(forged, "BadMeterSignature"), (high_s, "HighSMeterSignature")] {
				let call = dynamic::transaction("DemandResponse", "submit_deviation", fields(&bad));
				let refused = submit_in_block(&client, &rpc, &device, &[call]).await;
				let why = format!("{:#}", refused.err().context("a bad attestation was accepted")?);
				ensure!(why.contains(error), "refused with {why}, not {error}");
			}
		}

		// In a best block (the device's nonce follows the refused ones there).
		let call = dynamic::transaction("DemandResponse", "submit_deviation", fields(&attestation));
		let emitted = submit_in_block(&client, &rpc, &device, &[call]).await?;
		let registered: DeviationRegistered =
			event_of(&emitted[0], "DemandResponse", "DeviationRegistered")?;

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
		poseidon::fingerprint(previous, blinding(hour), &readings(hour))
	});
	ensure!(
		state.program.last_fingerprint == scalar_to_bytes(&fingerprint),
		"the chain's fingerprint is not the readings' hash chain"
	);

	// The registrar revokes Bob's meter (stolen): no program can name it any more.
	let revoke = chain::sudo(
		"MeterRegistry",
		"revoke_meter",
		vec![("meter_id", Value::u128(METER_ID.into()))],
	);
	chain::submit_for_event::<MeterRevoked>(
		&client,
		&alice,
		&revoke,
		"MeterRegistry",
		"MeterRevoked",
	)
	.await?;
	let start = (chain_time(&client).await? + 60_000).div_ceil(HOUR_LENGTH_MS) * HOUR_LENGTH_MS;
	let offered = offer(start).await?;
	let refused = submit::<ProgramAccepted>(
		&client,
		&bob,
		"accept_program",
		(offered.program_id, METER_ID),
		"ProgramAccepted",
	)
	.await;
	let why = format!("{:#}", refused.err().context("a revoked meter was accepted")?);
	ensure!(why.contains("MeterRevoked"), "refused with {why}");
	Ok(())
}
