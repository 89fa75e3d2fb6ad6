//! The paper's two demand-response scenarios and the meter-to-chain link,
//! end to end with a real `--dev` node (8-second program hours of four
//! 2-second readings) and a real `gridveil-edge` box replaying the reference
//! dataset through its simulated signing meter (registered on chain):
//!
//! 0. **A raw reading changed in the box before its hour is proven** (hour
//!    3). The readings no longer give the fingerprint the meter signed, so
//!    the box never proves the hour: it raises an alarm (log, metric,
//!    dashboard) and the hour stays missing; hour 4 is proven from the
//!    meter's signed fingerprint at its start.
//! 1. **A proof tampered before signing at hour 10** (the box's fault
//!    injection negates the proof's `a` point: well-formed, not valid). The
//!    chain takes the submission, forfeits the escrow to the aggregator,
//!    excludes the prosumer and ends the program; a later valid submission
//!    from the device and a new offer to the prosumer are both refused.
//! 2. **A raw reading tampered in the box's store at hour 8**, after the
//!    hour was proven. The deviation on chain stays what the real readings
//!    gave (and stays valid); `gridveil-edge audit` names hour 8 as the first
//!    tampered hour, says the meter's signature no longer matches its
//!    readings, and finds hour 7 intact.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use gridveil_circuits::{keys, poseidon, READINGS_PER_HOUR};
use gridveil_edge::{
	ingest::Dataset,
	prove::{self, ProgramSecret},
	submit::HourAttestation,
};
use gridveil_groth16::{encode_verifying_key, scalar_from_bytes, scalar_to_bytes, Scalar};
use gridveil_harness::{
	account,
	chain::{self, KeyRegistered},
	demand_response::{accept_with_device, register_meter, ProgramOffered},
	edge::{
		edge_binary, http_get, run_edge, sleep_until, tamper_stored_reading, EdgeConfig, Process,
	},
	energy_market::{best_block, event_of, submit_in_block},
	node::{dev_spec_with_genesis, Node, NodeSpec},
	UNIT,
};
use gridveil_offchain::chain::{Chain, ProgramStatus};
use rand::{rngs::StdRng, SeedableRng};
use subxt::{
	dynamic::{self, Value},
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::sr25519::{self, Keypair};

/// A meter interval: 2 s.
const INTERVAL_MS: u64 = 2_000;
/// A program hour: four readings.
const HOUR_LENGTH_MS: u64 = INTERVAL_MS * READINGS_PER_HOUR as u64;
/// Program hours.
const HOURS: u32 = 12;
/// The hour whose proof the box tampers.
const TAMPERED_PROOF_HOUR: u32 = 10;
/// The hour whose stored reading is edited.
const TAMPERED_READING_HOUR: u32 = 8;
/// Time the setup needs before the program starts.
const SETUP_MARGIN_MS: u64 = 40_000;
/// The escrowed reward.
const REWARD: u128 = 100 * UNIT;
/// The dataset column the box replays.
const PROSUMER: &str = "household-07";
/// Bob's meter.
const METER_ID: u64 = 7;
/// The hour whose reading is changed in the box before it is proven.
const TAMPERED_BEFORE_PROOF_HOUR: u32 = 3;

fn offer(
	prosumer: &Keypair,
	key_id: u32,
	commitment: [u8; 32],
	start: u64,
) -> impl subxt::tx::Payload {
	dynamic::transaction(
		"DemandResponse",
		"offer_program",
		(
			MultiAddress::<AccountId32, ()>::Id(account(prosumer)),
			key_id,
			commitment,
			REWARD,
			UNIT / 1_000,
			start,
			HOURS,
		),
	)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_proof_forfeits_and_excludes_and_a_tampered_reading_is_named_by_the_audit(
) -> Result<()> {
	let dir = tempfile::Builder::new().prefix("gridveil-dr-scenarios-").tempdir()?;
	let spec = dev_spec_with_genesis(&[("demandResponse", "hourLength", HOUR_LENGTH_MS.into())])?;
	let node = Node::start(NodeSpec::new("scenarios", spec.arg()?)?.with_args(["--dev"])).await?;
	let rpc = chain::rpc(&node.ws_url()).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;
	let client = chain::connect(&node.ws_url()).await?;
	let (alice, bob, charlie, dave) =
		(sr25519::dev::alice(), sr25519::dev::bob(), sr25519::dev::charlie(), sr25519::dev::dave());

	// The aggregator (Alice) sets up a key and offers Bob a program; Bob's
	// box signs with Charlie's key. The request: 90 % of each hour's use.
	let dataset_path = gridveil_harness::workspace::dataset()?;
	let dataset = Dataset::load(&dataset_path, PROSUMER)?;
	let now = chain::time_at(&best_block(&client, &rpc).await?).await?;
	let start = (now + SETUP_MARGIN_MS).div_ceil(HOUR_LENGTH_MS) * HOUR_LENGTH_MS;
	let hour_readings = |hour: u32| -> Vec<u64> {
		(0..READINGS_PER_HOUR as u64)
			.map(|quarter| {
				let moment = start + u64::from(hour) * HOUR_LENGTH_MS + quarter * INTERVAL_MS;
				dataset.reading(moment, INTERVAL_MS).import_wh
			})
			.collect()
	};
	let mut request = [0u64; poseidon::HOURS];
	for hour in 0..HOURS {
		request[hour as usize] = hour_readings(hour).iter().sum::<u64>() * 9 / 10;
	}
	let salt = Scalar::from(0x5eed_u64);
	let commitment = scalar_to_bytes(&poseidon::commitment(&request, salt));
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(7))?;
	std::fs::write(dir.path().join("deviation.pk"), proving_key.to_bytes())?;
	gridveil_offchain::secret_file::create(
		&dir.path().join("program.json"),
		&serde_json::json!({
			"request": request,
			"salt": gridveil_circuits::encoding::to_decimal(&salt),
		})
		.to_string(),
	)?;
	// Bob's box and its paired meter, whose key the operator registers.
	let mut box_config =
		EdgeConfig::replay(&node.ws_url(), dir.path(), &dataset_path, PROSUMER, INTERVAL_MS);
	box_config.meter_id = METER_ID;
	box_config.write("//Charlie", "//Bob")?;
	let emitted = submit_in_block(
		&client,
		&rpc,
		&alice,
		&[
			chain::register_key(&encode_verifying_key(proving_key.verifying_key())),
			register_meter(METER_ID, box_config.meter_public_key()?, account(&bob)),
		],
	)
	.await?;
	let key: KeyRegistered = event_of(&emitted[0], "ZkVerifier", "KeyRegistered")?;
	let emitted =
		submit_in_block(&client, &rpc, &alice, &[offer(&bob, key.key_id, commitment, start)])
			.await?;
	let offered: ProgramOffered = event_of(&emitted[0], "DemandResponse", "ProgramOffered")?;
	let program_id = offered.program_id;
	submit_in_block(
		&client,
		&rpc,
		&bob,
		&accept_with_device(program_id, METER_ID, account(&charlie)),
	)
	.await
	.context("Bob accepting")?;
	ensure!(gridveil_edge::now_ms() < start, "the setup ran past the program's start");
	// The reward is on hold from the offer; every penalty and the forfeited
	// rest come back to the aggregator, who sends nothing else meanwhile.
	let aggregator_before = gridveil_harness::energy_market::free_balance(
		&best_block(&client, &rpc).await?,
		account(&alice),
	)
	.await?;

	// The box, with the fault injection set for hour 10.
	box_config.proving_key = Some(dir.path().join("deviation.pk"));
	box_config.programs = vec![(program_id, dir.path().join("program.json"))];
	box_config.dashboard_port = gridveil_harness::node::free_port()?;
	let config_path = box_config.write("//Charlie", "//Bob")?;
	let pairing = box_config.pairing()?;
	let hour_end = |hour: u32| start + u64::from(hour + 1) * HOUR_LENGTH_MS;
	let config = config_path.to_string_lossy().into_owned();
	std::env::set_var(prove::TAMPER_PROOF_HOUR_VARIABLE, TAMPERED_PROOF_HOUR.to_string());
	let daemon_started = gridveil_edge::now_ms();
	let mut daemon = Process::spawn(
		"gridveil-edge",
		&edge_binary()?,
		&["run", "--config", &config],
		&dir.path().join("edge.log"),
	)?;
	std::env::remove_var(prove::TAMPER_PROOF_HOUR_VARIABLE);

	// Hour 3's first reading changed in the store before the hour ends: the
	// daemon is stopped just after the hour's second reading, and started
	// again before its third.
	let hour_start = start + u64::from(TAMPERED_BEFORE_PROOF_HOUR) * HOUR_LENGTH_MS;
	sleep_until(hour_start + 2 * INTERVAL_MS + 300).await;
	daemon.ensure_running()?;
	daemon.kill();
	tamper_stored_reading(&dir.path().join("store/edge.redb"), hour_start, 40)?;
	std::env::set_var(prove::TAMPER_PROOF_HOUR_VARIABLE, TAMPERED_PROOF_HOUR.to_string());
	let mut daemon = Process::spawn(
		"gridveil-edge",
		&edge_binary()?,
		&["run", "--config", &config],
		&dir.path().join("edge-after-tamper.log"),
	)?;
	std::env::remove_var(prove::TAMPER_PROOF_HOUR_VARIABLE);
	ensure!(
		gridveil_edge::now_ms() < hour_start + 3 * INTERVAL_MS,
		"the daemon was down past a reading of hour {TAMPERED_BEFORE_PROOF_HOUR}"
	);

	// Wait for the forfeiture.
	let deadline = Instant::now()
		+ Duration::from_millis(
			start + u64::from(HOURS) * HOUR_LENGTH_MS - gridveil_edge::now_ms(),
		) + Duration::from_secs(90);
	let state = loop {
		daemon.ensure_running()?;
		let finalized = client.at_current_block().await?;
		if let Some(state) = Chain::program(&finalized, program_id).await? {
			if matches!(state.program.status, ProgramStatus::Forfeited | ProgramStatus::Completed) {
				break state;
			}
		}
		if Instant::now() > deadline {
			bail!("the program is still active\n{}", daemon.log_tail());
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	};
	ensure!(
		state.program.status == ProgramStatus::Forfeited,
		"the program ended as {:?}",
		state.program.status
	);
	let registered: Vec<u32> = state.hours.iter().map(|(hour, _)| *hour).collect();
	ensure!(
		registered
			== (0..TAMPERED_PROOF_HOUR)
				.filter(|hour| *hour != TAMPERED_BEFORE_PROOF_HOUR)
				.collect::<Vec<_>>(),
		"hours on chain: {registered:?}"
	);
	// The box said why hour 3 is missing, without values.
	let log = daemon.log();
	ensure!(
		log.contains("ALARM") && log.contains("readings_mismatch"),
		"no alarm for hour {TAMPERED_BEFORE_PROOF_HOUR}:\n{}",
		daemon.log_tail()
	);
	let private: serde_json::Value =
		serde_json::from_str(&http_get(box_config.dashboard_port, "/api/private")?)?;
	let alarms = &private["programs"][0]["alarms"];
	ensure!(
		alarms[0]["hour"] == TAMPERED_BEFORE_PROOF_HOUR
			&& alarms[0]["alarm"] == "readings_mismatch",
		"the dashboard shows alarms {alarms}"
	);

	let hour_record = |hour: u32| {
		state
			.hours
			.iter()
			.find(|(recorded, _)| *recorded == hour)
			.map(|(_, record)| record)
			.with_context(|| format!("hour {hour} is not on chain"))
	};

	// Hours 0 … 9 but 3 carry the real readings' deviations and fingerprints,
	// on the meter's chain over the real readings (hour 3 included: the meter
	// measured it) from its fingerprint at the program's start.
	let first = hour_record(0)?.fingerprint;
	let mut previous = box_config
		.meter_fingerprints_at(daemon_started, start)?
		.into_iter()
		.find(|previous| {
			scalar_to_bytes(&pairing.fingerprint(*previous, hour_end(0), &hour_readings(0)))
				== first
		})
		.context("hour 0 does not chain from the meter's fingerprint at the program's start")?;
	for hour in 0..TAMPERED_PROOF_HOUR {
		let readings = hour_readings(hour);
		previous = pairing.fingerprint(previous, hour_end(hour), &readings);
		if hour == TAMPERED_BEFORE_PROOF_HOUR {
			continue;
		}
		let record = hour_record(hour)?;
		let used: u64 = readings.iter().sum();
		ensure!(
			record.fingerprint == scalar_to_bytes(&previous)
				&& record.deviation == request[hour as usize].abs_diff(used),
			"hour {hour}: the chain's record does not match the readings"
		);
	}

	// The escrow went to the aggregator; Bob is excluded.
	let finalized = client.at_current_block().await?;
	let aggregator_after =
		gridveil_harness::energy_market::free_balance(&finalized, account(&alice)).await?;
	ensure!(
		aggregator_after == aggregator_before + REWARD,
		"the aggregator went from {aggregator_before} to {aggregator_after}"
	);
	let excluded = finalized
		.storage()
		.fetch(
			dynamic::storage::<(AccountId32,), u64>("DemandResponse", "Excluded"),
			(account(&bob),),
		)
		.await?
		.decode()?;
	ensure!(excluded == program_id, "Bob is excluded for program {excluded}");

	// Later submissions are refused: a valid proof of hour 10 from the device…
	let secret = ProgramSecret::load(&dir.path().join("program.json"))?;
	let previous = scalar_from_bytes(&hour_record(TAMPERED_PROOF_HOUR - 1)?.fingerprint)
		.context("a fingerprint off the field")?;
	let proven = prove::prove_hour(
		&proving_key,
		&secret,
		program_id,
		TAMPERED_PROOF_HOUR,
		previous,
		hour_readings(TAMPERED_PROOF_HOUR),
		pairing.blinding(hour_end(TAMPERED_PROOF_HOUR)),
	)?;
	// (with the meter's real signature: exclusion is what refuses it).
	let meter = box_config.meter_signing_key()?;
	let message = gridveil_p256::attestation_message(
		METER_ID,
		hour_end(TAMPERED_PROOF_HOUR),
		&scalar_to_bytes(&proven.fingerprint),
	);
	let attestation = HourAttestation {
		signature: gridveil_p256::low_s(&gridveil_p256::sign(&meter, &message))?,
		previous: None,
	};
	let submission = dynamic::transaction(
		"DemandResponse",
		"submit_deviation",
		vec![
			Value::u128(program_id.into()),
			Value::u128(TAMPERED_PROOF_HOUR.into()),
			Value::u128(proven.deviation.into()),
			Value::from_bytes(scalar_to_bytes(&proven.fingerprint)),
			Value::from_bytes(&proven.proof),
			attestation.value(),
		],
	);
	let refused = submit_in_block(&client, &rpc, &charlie, &[submission]).await;
	let why = format!("{:#}", refused.err().context("a submission after exclusion was taken")?);
	ensure!(why.contains("ProsumerExcluded"), "refused for another reason: {why}");
	// …and a new offer to the excluded prosumer.
	let refused = submit_in_block(
		&client,
		&rpc,
		&dave,
		&[offer(&bob, key.key_id, commitment, start + 3_600_000)],
	)
	.await;
	let why = format!("{:#}", refused.err().context("an offer to an excluded prosumer was taken")?);
	ensure!(why.contains("ProsumerExcluded"), "refused for another reason: {why}");

	// A reading of hour 8 edited in the store: the audit names hour 8.
	daemon.kill();
	let moment = start + u64::from(TAMPERED_READING_HOUR) * HOUR_LENGTH_MS + INTERVAL_MS;
	tamper_stored_reading(&dir.path().join("store/edge.redb"), moment, 250)?;
	let (code, output) =
		run_edge(&["audit", "--config", &config, "--program", &program_id.to_string()])?;
	ensure!(
		code == 1 && output.contains(&format!("first tampered hour: {TAMPERED_READING_HOUR}")),
		"audit ({code}):\n{output}"
	);
	ensure!(
		output.contains(&format!(
			"hour {TAMPERED_READING_HOUR}: TAMPERED: the stored readings do not hash to the \
			 chain's fingerprint; the meter signed the chain's fingerprint: its signature no \
			 longer matches these readings"
		)),
		"the audit does not show the meter's signature:\n{output}"
	);
	let (code, output) = run_edge(&[
		"audit",
		"--config",
		&config,
		"--program",
		&program_id.to_string(),
		"--hour",
		&(TAMPERED_READING_HOUR - 1).to_string(),
	])?;
	ensure!(code == 0, "audit of hour 7 ({code}):\n{output}");
	// The chain still holds hour 8's true deviation, proven valid back then.
	let record = hour_record(TAMPERED_READING_HOUR)?;
	let used: u64 = hour_readings(TAMPERED_READING_HOUR).iter().sum();
	ensure!(
		record.deviation == request[TAMPERED_READING_HOUR as usize].abs_diff(used),
		"hour 8's deviation on chain changed"
	);
	println!(
		"hour {TAMPERED_PROOF_HOUR}: tampered proof → forfeited, Bob excluded, the aggregator \
		 received {} VEIL; audit: {}",
		(aggregator_after - aggregator_before) as f64 / UNIT as f64,
		output.lines().last().unwrap_or_default()
	);
	Ok(())
}
