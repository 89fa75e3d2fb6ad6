//! The paper's two demand-response scenarios, end to end with a real `--dev`
//! node (8-second program hours of four 2-second readings) and a real
//! `gridveil-edge` box replaying the reference dataset as its meter:
//!
//! 1. **A proof tampered before signing at hour 10** (the box's fault
//!    injection negates the proof's `a` point: well-formed, not valid). The
//!    chain takes the submission, forfeits the escrow to the aggregator,
//!    excludes the prosumer and ends the program; a later valid submission
//!    from the device and a new offer to the prosumer are both refused.
//! 2. **A raw reading tampered in the box's store at hour 8**, after the
//!    hour was proven. The deviation on chain stays what the real readings
//!    gave (and stays valid); `gridveil-edge audit` names hour 8 as the first
//!    tampered hour and finds hour 7 intact.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use gridveil_circuits::{keys, poseidon, READINGS_PER_HOUR};
use gridveil_edge::{
	ingest::Dataset,
	prove::{self, ProgramSecret},
};
use gridveil_groth16::{encode_verifying_key, scalar_from_bytes, scalar_to_bytes, Scalar};
use gridveil_harness::{
	account,
	chain::{self, KeyRegistered},
	demand_response::{accept_with_device, ProgramOffered},
	edge::{edge_binary, run_edge, tamper_stored_reading, EdgeConfig, Process},
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
	std::fs::write(
		dir.path().join("program.json"),
		serde_json::to_vec(&serde_json::json!({
			"request": request,
			"salt": gridveil_circuits::encoding::to_decimal(&salt),
		}))?,
	)?;
	let emitted = submit_in_block(
		&client,
		&rpc,
		&alice,
		&[chain::sudo(
			"ZkVerifier",
			"register_key",
			vec![(
				"verifying_key",
				Value::from_bytes(encode_verifying_key(proving_key.verifying_key())),
			)],
		)],
	)
	.await?;
	let key: KeyRegistered = event_of(&emitted[0], "ZkVerifier", "KeyRegistered")?;
	let emitted =
		submit_in_block(&client, &rpc, &alice, &[offer(&bob, key.key_id, commitment, start)])
			.await?;
	let offered: ProgramOffered = event_of(&emitted[0], "DemandResponse", "ProgramOffered")?;
	let program_id = offered.program_id;
	submit_in_block(&client, &rpc, &bob, &accept_with_device(program_id, account(&charlie)))
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
	let mut box_config =
		EdgeConfig::replay(&node.ws_url(), dir.path(), &dataset_path, PROSUMER, INTERVAL_MS);
	box_config.proving_key = Some(dir.path().join("deviation.pk"));
	box_config.programs = vec![(program_id, dir.path().join("program.json"))];
	box_config.dashboard_port = gridveil_harness::node::free_port()?;
	let config_path = box_config.write("//Charlie", "//Bob")?;
	let config = config_path.to_string_lossy().into_owned();
	std::env::set_var(prove::TAMPER_PROOF_HOUR_VARIABLE, TAMPERED_PROOF_HOUR.to_string());
	let mut daemon = Process::spawn(
		"gridveil-edge",
		&edge_binary()?,
		&["run", "--config", &config],
		&dir.path().join("edge.log"),
	)?;
	std::env::remove_var(prove::TAMPER_PROOF_HOUR_VARIABLE);

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
	ensure!(
		state.hours.len() == TAMPERED_PROOF_HOUR as usize,
		"hours on chain: {:?}",
		state.hours.iter().map(|(hour, _)| hour).collect::<Vec<_>>()
	);

	let hour_record = |hour: u32| {
		state
			.hours
			.iter()
			.find(|(recorded, _)| *recorded == hour)
			.map(|(_, record)| record)
			.with_context(|| format!("hour {hour} is not on chain"))
	};

	// Hours 0 … 9 carry the real readings' deviations and fingerprints.
	let mut previous = Scalar::from(0u64);
	for (hour, record) in &state.hours {
		let readings = hour_readings(*hour);
		previous = poseidon::fingerprint(previous, &readings);
		let used: u64 = readings.iter().sum();
		ensure!(
			record.fingerprint == scalar_to_bytes(&previous)
				&& record.deviation == request[*hour as usize].abs_diff(used),
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
	)?;
	let submission = dynamic::transaction(
		"DemandResponse",
		"submit_deviation",
		(
			program_id,
			TAMPERED_PROOF_HOUR,
			proven.deviation,
			scalar_to_bytes(&proven.fingerprint),
			proven.proof.clone(),
		),
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
