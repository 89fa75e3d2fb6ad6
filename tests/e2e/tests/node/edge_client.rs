//! The edge daemon end to end, with real parts only: a `--dev` node (2-second
//! market slots, 8-second program hours), a mosquitto broker, the signing
//! meter simulator publishing the reference dataset and its signed blinded
//! fingerprints over MQTT, and `gridveil-edge`.
//!
//! Alice (operator, meter registrar and aggregator) registers Bob's meter,
//! sets up a group of three ledgers and opens a trading day, and offers Bob a
//! 12-hour program that Bob accepts with his meter for his box (device key
//! Dave). The box gets readings and attestations over MQTT, checks them,
//! proves each hour over exactly what the meter signed and splits each slot
//! into three shares reported by its pseudonyms, registered only 15 slots
//! into the day (the box keeps its shares until then). Its group's coordinator
//! never answers, so the box, which would hand its signed shares to it for a
//! relayed batch, reports every share itself once the share is halfway
//! through its report window (the fallback). Mid-day the node is stopped
//! for 15 s and started again, later the daemon is killed with SIGKILL and
//! restarted, then the meter goes offline for an hour and a half. Afterwards
//! every hour is on chain with the blinded fingerprint of the dataset's
//! readings chained from the meter's, every slot's three shares sum to its
//! reading, and every sender's nonce equals what it should have sent exactly
//! once. The dashboard renders its charts in headless Chromium (screenshot
//! saved), and a reading edited in the store makes `audit` name its hour and
//! say that the meter's signature no longer matches it.

use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use gridveil_circuits::{fixture::example_witness, keys, poseidon, READINGS_PER_HOUR};
use gridveil_edge::ingest::Dataset;
use gridveil_groth16::{encode_verifying_key, scalar_to_bytes, Scalar};
use gridveil_harness::{
	account,
	chain::{self, Client, KeyRegistered, Rpc},
	demand_response::{accept_with_device, register_meter, MeterRegistered, ProgramOffered},
	edge::{
		chromium, edge_binary, http_get, run_edge, sleep_until, tamper_stored_reading, EdgeConfig,
		Mosquitto, Process, TradingSection,
	},
	energy_market::{
		add_group_fields, best_block, event_of, main_grid_fields, open_day_fields, submit_in_block,
		DayOpened, GroupAdded, NodeAdded, SLOTS_PER_DAY,
	},
	node::{dev_spec_with_genesis, free_port, Node, NodeSpec},
	UNIT,
};
use gridveil_offchain::{chain::Chain, pseudonyms};
use rand::{rngs::StdRng, SeedableRng};
use subxt::{
	dynamic::{self, Value},
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::sr25519::{self, Keypair};

/// A meter interval and a market slot: 2 s (15 minutes in production).
const INTERVAL_MS: u64 = 2_000;
/// A program hour: four readings.
const HOUR_LENGTH_MS: u64 = INTERVAL_MS * READINGS_PER_HOUR as u64;
/// Slots in which a slot's shares may still be reported: 60 s.
const REPORT_GRACE_SLOTS: u32 = 30;
/// A trading day: 96 slots, 192 s.
const DAY_LENGTH_MS: u64 = INTERVAL_MS * SLOTS_PER_DAY as u64;
/// Program hours.
const HOURS: u32 = 12;
/// The program starts this long before the trading day.
const PROGRAM_LEAD_MS: u64 = 16_000;
/// Time the three setup rounds need before the program starts.
const SETUP_MARGIN_MS: u64 = 50_000;
/// Ledgers in the group, pseudonyms of the box.
const LEDGERS: u32 = 3;
/// The dataset column the meter replays (a household with PV: both signs).
const PROSUMER: &str = "household-02";
/// Bob's meter.
const METER_ID: u64 = 2;

async fn connect(node: &Node) -> Result<(Rpc, Client)> {
	Ok((chain::rpc(&node.ws_url()).await?, chain::connect(&node.ws_url()).await?))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edge_daemon_proves_and_reports_every_reading_exactly_once_through_outages_and_a_kill(
) -> Result<()> {
	let dir = tempfile::Builder::new().prefix("gridveil-edge-test-").tempdir()?;
	let spec = dev_spec_with_genesis(&[
		("energyMarket", "slotLengthMs", INTERVAL_MS.into()),
		("energyMarket", "reportGraceSlots", REPORT_GRACE_SLOTS.into()),
		("demandResponse", "hourLength", HOUR_LENGTH_MS.into()),
	])?;
	let mut node = Node::start(NodeSpec::new("edge", spec.arg()?)?.with_args(["--dev"])).await?;
	let (rpc, client) = connect(&node).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;
	let mosquitto = Mosquitto::start(dir.path()).await?;

	let (alice, bob, charlie, dave, eve, ferdie) = (
		sr25519::dev::alice(),
		sr25519::dev::bob(),
		sr25519::dev::charlie(),
		sr25519::dev::dave(),
		sr25519::dev::eve(),
		sr25519::dev::ferdie(),
	);

	// The next day that leaves room for the setup and the program's lead.
	let now = chain::time_at(&best_block(&client, &rpc).await?).await?;
	let mut day = u32::try_from(now / DAY_LENGTH_MS)? + 1;
	while u64::from(day) * DAY_LENGTH_MS < now + SETUP_MARGIN_MS + PROGRAM_LEAD_MS {
		day += 1;
	}
	let day_start = u64::from(day) * DAY_LENGTH_MS;
	// The box's pseudonyms of that day.
	let pseudonyms: Vec<Keypair> = (0..LEDGERS)
		.map(|ledger| pseudonyms::pseudonym_key("//Bob", ledger, day))
		.collect::<Result<_, _>>()?;
	let program_start = day_start - PROGRAM_LEAD_MS;
	let program_end = program_start + u64::from(HOURS) * HOUR_LENGTH_MS;

	// The aggregator's key setup; the prosumer's request stays in a file on the box.
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(11))?;
	let witness = example_witness();
	let commitment = scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt));
	std::fs::write(dir.path().join("deviation.pk"), proving_key.to_bytes())?;
	gridveil_offchain::secret_file::create(
		&dir.path().join("program.json"),
		&serde_json::json!({
			"request": witness.request,
			"salt": gridveil_circuits::encoding::to_decimal(&witness.salt),
		})
		.to_string(),
	)?;

	// The box's folder: keys and its paired meter (the meter's key is registered below).
	let dataset_path = gridveil_harness::workspace::dataset()?;
	let mut box_config =
		EdgeConfig::replay(&node.ws_url(), dir.path(), &dataset_path, PROSUMER, INTERVAL_MS);
	box_config.meter_id = METER_ID;
	box_config.write("//Dave", "//Bob")?;

	// Round 1, the operator: verifying key, Bob's meter, main grid, group, day.
	let emitted = submit_in_block(
		&client,
		&rpc,
		&alice,
		&[
			register_meter(METER_ID, box_config.meter_public_key()?, account(&bob)),
			chain::register_key(&encode_verifying_key(proving_key.verifying_key())),
			chain::sudo(
				"EnergyMarket",
				"set_main_grid_account",
				main_grid_fields(account(&ferdie)),
			),
			chain::sudo("EnergyMarket", "add_group", add_group_fields(account(&charlie), LEDGERS)),
			chain::sudo("EnergyMarket", "open_day", open_day_fields(day, 500)),
		],
	)
	.await
	.context("the operator's setup")?;
	let _: MeterRegistered = event_of(&emitted[0], "MeterRegistry", "MeterRegistered")?;
	let key: KeyRegistered = event_of(&emitted[1], "ZkVerifier", "KeyRegistered")?;
	let group: GroupAdded = event_of(&emitted[3], "EnergyMarket", "GroupAdded")?;
	let ledgers: Vec<u32> = gridveil_harness::energy_market::events_of::<NodeAdded>(
		&emitted[3],
		"EnergyMarket",
		"NodeAdded",
	)?
	.into_iter()
	.map(|added| added.node)
	.collect();
	let opened: DayOpened = event_of(&emitted[4], "EnergyMarket", "DayOpened")?;
	ensure!(
		opened.day == day && ledgers.len() == LEDGERS as usize,
		"day {opened:?}, ledgers {ledgers:?}"
	);

	// Round 2: the offer; Charlie lets Eve operate the group.
	let emitted = submit_in_block(
		&client,
		&rpc,
		&alice,
		&[dynamic::transaction(
			"DemandResponse",
			"offer_program",
			(
				MultiAddress::<AccountId32, ()>::Id(account(&bob)),
				key.key_id,
				commitment,
				100 * UNIT,
				UNIT / 1_000,
				program_start,
				HOURS,
			),
		)],
	)
	.await?;
	let offered: ProgramOffered = event_of(&emitted[0], "DemandResponse", "ProgramOffered")?;
	let program_id = offered.program_id;
	submit_in_block(
		&client,
		&rpc,
		&charlie,
		&[dynamic::transaction(
			"EnergyMarket",
			"add_operator",
			(group.group, MultiAddress::<AccountId32, ()>::Id(account(&eve))),
		)],
	)
	.await?;

	// Round 3: Bob accepts and authorises his box; the auction closes. The
	// box's pseudonyms are registered late, in the middle of the day (the
	// coordinator was down).
	submit_in_block(&client, &rpc, &bob, &accept_with_device(program_id, METER_ID, account(&dave)))
		.await
		.context("Bob accepting")?;
	let registrations: Vec<_> = ledgers
		.iter()
		.zip(&pseudonyms)
		.map(|(ledger, pseudonym)| {
			dynamic::transaction(
				"EnergyMarket",
				"register_pseudonyms",
				(*ledger, day, vec![account(pseudonym)]),
			)
		})
		.collect();
	submit_in_block(
		&client,
		&rpc,
		&alice,
		&[chain::sudo("EnergyMarket", "close_auction", vec![("day", Value::u128(day.into()))])],
	)
	.await
	.context("closing the auction")?;
	ensure!(
		gridveil_edge::now_ms() + 4_000 < program_start,
		"the setup ran past the program's start"
	);

	// The box: configuration, meter simulator, daemon.
	box_config.mqtt = Some((mosquitto.port, "gridveil/test/meter".into()));
	box_config.proving_key = Some(dir.path().join("deviation.pk"));
	box_config.programs = vec![(program_id, dir.path().join("program.json"))];
	// Its coordinator never answers: the box hands it nothing and reports
	// every share itself from the middle of the share's report window.
	box_config.trading = Some(TradingSection {
		coordinator_url: Some(format!("http://127.0.0.1:{}", free_port()?)),
		..TradingSection::on(LEDGERS as usize, 3_000)
	});
	box_config.dashboard_port = free_port()?;
	let dashboard_port = box_config.dashboard_port;
	let config_path = box_config.write("//Dave", "//Bob")?;
	let pairing = box_config.pairing()?;
	let config = config_path.to_string_lossy().into_owned();
	let edge = edge_binary()?;
	let log = dir.path().join("edge.log");
	let start_daemon =
		|| Process::spawn("gridveil-edge", &edge, &["run", "--config", &config], &log);
	// The daemon first, so its persistent MQTT session exists before the meter publishes.
	let mut daemon = start_daemon()?;
	gridveil_harness::edge::wait_for_port(dashboard_port, Duration::from_secs(30)).await?;
	tokio::time::sleep(Duration::from_secs(2)).await;
	let start_meter = |log: &str| {
		Process::spawn("meter", &edge, &["simulate", "--config", &config], &dir.path().join(log))
	};
	let meter_spawned = gridveil_edge::now_ms();
	let mut meter = start_meter("meter.log")?;

	// The node goes away for 15 s, ten seconds into the day.
	sleep_until(day_start + 10_000).await;
	daemon.ensure_running()?;
	node.kill();
	tokio::time::sleep(Duration::from_secs(15)).await;
	node.restart().await?;
	// Eve registers the pseudonyms 30 s (15 slots) into the day: until then
	// the box keeps its shares; the late registration reopens the earlier slots.
	sleep_until(day_start + 30_000).await;
	let (late_rpc, late_client) = connect(&node).await?;
	submit_in_block(&late_client, &late_rpc, &eve, &registrations)
		.await
		.context("Eve's late registrations")?;
	ensure!(
		daemon.log().contains("has not registered today's pseudonyms"),
		"the box did not say that it waits for its pseudonyms' registration"
	);
	// The daemon dies (SIGKILL) 40 s into the day and comes back.
	sleep_until(day_start + 40_000).await;
	daemon.ensure_running()?;
	daemon.kill();
	tokio::time::sleep(Duration::from_secs(3)).await;
	let mut daemon = start_daemon()?;
	// The meter goes offline for 12 s (an hour and a half) 50 s into the day;
	// back, it publishes what it measured meanwhile, and the box proves late.
	sleep_until(day_start + 50_000).await;
	meter.ensure_running()?;
	meter.kill();
	tokio::time::sleep(Duration::from_secs(12)).await;
	let mut meter = start_meter("meter-after-outage.log")?;
	// The meter stops after the program's last hour.
	sleep_until(program_end + INTERVAL_MS).await;
	let meter_stopped = gridveil_edge::now_ms();
	meter.kill();

	// Wait until the box has nothing left to send and the chain has every hour.
	let (rpc, client) = connect(&node).await?;
	let deadline = Instant::now() + Duration::from_secs(240);
	let outbox = loop {
		daemon.ensure_running()?;
		let public: serde_json::Value =
			serde_json::from_str(&http_get(dashboard_port, "/api/public")?)?;
		let outbox = public["outbox"].clone();
		let finalized = client.at_current_block().await?;
		let registered =
			Chain::program(&finalized, program_id).await?.map_or(0, |state| state.hours.len());
		if outbox["pending"] == 0 && outbox["in_flight"] == 0 && registered == HOURS as usize {
			break outbox;
		}
		if Instant::now() > deadline {
			bail!(
				"the box did not finish: outbox {outbox}, {registered} hours on chain\n{}",
				daemon.log_tail()
			);
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	};
	let refusals: Vec<String> =
		daemon.log().lines().filter(|line| line.contains("refused")).map(String::from).collect();
	ensure!(outbox["expired"] == 0, "extrinsics expired: {outbox}\n{}", refusals.join("\n"));
	ensure!(
		daemon.log().contains("the coordinator is unreachable"),
		"the box never tried its coordinator"
	);

	// Every hour, with the dataset's readings' blinded fingerprint and
	// deviation, chained from the meter's fingerprint at the program's start
	// (the meter's chain began at the whole hour it started in).
	let dataset = Dataset::load(&dataset_path, PROSUMER)?;
	let finalized = client.at_current_block().await?;
	let state = Chain::program(&finalized, program_id).await?.context("the program vanished")?;
	let candidates = box_config.meter_fingerprints_at(meter_spawned, program_start)?;
	let first_hour = |previous: Scalar| {
		let imports: Vec<u64> = (0..READINGS_PER_HOUR as u64)
			.map(|quarter| {
				dataset.reading(program_start + quarter * INTERVAL_MS, INTERVAL_MS).import_wh
			})
			.collect();
		scalar_to_bytes(&pairing.fingerprint(previous, program_start + HOUR_LENGTH_MS, &imports))
	};
	let mut previous = candidates
		.into_iter()
		.find(|previous| {
			state
				.hours
				.first()
				.is_some_and(|(_, record)| record.fingerprint == first_hour(*previous))
		})
		.context("hour 0 does not chain from the meter's fingerprint at the program's start")?;
	for (hour, record) in &state.hours {
		let start = program_start + u64::from(*hour) * HOUR_LENGTH_MS;
		let imports: Vec<u64> = (0..READINGS_PER_HOUR as u64)
			.map(|quarter| dataset.reading(start + quarter * INTERVAL_MS, INTERVAL_MS).import_wh)
			.collect();
		previous = pairing.fingerprint(previous, start + HOUR_LENGTH_MS, &imports);
		let consumed: u64 = imports.iter().sum();
		ensure!(
			record.fingerprint == scalar_to_bytes(&previous)
				&& record.deviation == witness.request[*hour as usize].abs_diff(consumed),
			"hour {hour}: the chain's record does not match the dataset's readings"
		);
	}
	let device_nonce = Chain::nonce_at(&finalized, &account(&dave)).await?;
	ensure!(
		device_nonce == u64::from(HOURS),
		"the device sent {device_nonce} extrinsics for {HOURS} hours"
	);

	// Every slot of the day up to the meter's stop: three shares summing to
	// its reading, each pseudonym's nonce equal to its reports.
	let first_slot = u64::from(day) * u64::from(SLOTS_PER_DAY);
	let last_slot = (meter_stopped / INTERVAL_MS).saturating_sub(2);
	let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
	let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
	let mut reports_sent = 0u64;
	for pseudonym in &pseudonyms {
		let reports = Chain::reports_of(&finalized, &account(pseudonym), day).await?;
		let nonce = Chain::nonce_at(&finalized, &account(pseudonym)).await?;
		ensure!(
			nonce == reports.len() as u64,
			"a pseudonym sent {nonce} extrinsics for {} reports",
			reports.len()
		);
		reports_sent += nonce;
		for (slot, report) in reports {
			*sums.entry(slot).or_default() += report.energy_wh;
			*counts.entry(slot).or_default() += 1;
		}
	}
	let expected_slots = last_slot - first_slot + 1;
	for slot in first_slot..=last_slot {
		let slot_of_day = (slot - first_slot) as u32;
		let net = dataset.reading(slot * INTERVAL_MS, INTERVAL_MS).net_wh();
		ensure!(
			counts.get(&slot_of_day) == Some(&LEDGERS) && sums.get(&slot_of_day) == Some(&net),
			"slot {slot_of_day}: {:?} shares summing to {:?}, reading {net}",
			counts.get(&slot_of_day),
			sums.get(&slot_of_day)
		);
	}
	println!(
		"exactly once: {HOURS} hours → {device_nonce} submit_deviation; {expected_slots} slots × {LEDGERS} \
		 pseudonyms → {reports_sent} report_share ({} slots reported in all); outbox {outbox}",
		counts.len()
	);

	// The dashboard draws its charts in a real browser; the screenshot stays.
	let url = format!("http://127.0.0.1:{dashboard_port}/");
	let profile = dir.path().join("chromium");
	let dom = chromium(&["--virtual-time-budget=10000", "--dump-dom", &url], &profile)?;
	ensure!(dom.contains("data-rendered=\"true\""), "the dashboard did not render:\n{dom}");
	let charts = dom
		.split("data-charts=\"")
		.nth(1)
		.and_then(|rest| rest.split('"').next())
		.and_then(|count| count.parse::<u32>().ok())
		.unwrap_or(0);
	ensure!(
		charts >= 4 && dom.matches("<canvas").count() >= 4,
		"the dashboard drew {charts} charts"
	);
	let screenshot = std::env::var("CARGO_TARGET_DIR")
		.map(std::path::PathBuf::from)
		.unwrap_or_else(|_| std::env::temp_dir())
		.join("edge-dashboard.png");
	chromium(
		&[
			"--virtual-time-budget=10000",
			"--window-size=1280,2400",
			&format!("--screenshot={}", screenshot.display()),
			&url,
		],
		&profile,
	)?;
	ensure!(std::fs::metadata(&screenshot)?.len() > 10_000, "an empty screenshot");
	println!("dashboard screenshot: {}", screenshot.display());
	let metrics = http_get(dashboard_port, "/metrics")?;
	ensure!(metrics.contains("gridveil_edge_proofs_total"), "metrics:\n{metrics}");
	let metric = |name: &str| {
		metrics
			.lines()
			.find(|line| line.starts_with(name))
			.and_then(|line| line.split_whitespace().nth(1))
			.and_then(|value| value.parse::<f64>().ok())
	};
	if let (Some(sum), Some(count)) =
		(metric("gridveil_edge_proving_seconds_sum"), metric("gridveil_edge_proving_seconds_count"))
	{
		println!(
			"proving: {count} hours since the restart, {:.3} s an hour on average",
			sum / count.max(1.0)
		);
	}
	println!("daemon peak RSS since the restart: {:?} KiB", daemon.peak_rss_kib());
	let log = daemon.log();
	drop(rpc);

	// A reading of hour 5 edited in the store: the audit names hour 5.
	daemon.kill();
	let moment = program_start + 5 * HOUR_LENGTH_MS + INTERVAL_MS;
	tamper_stored_reading(&dir.path().join("store/edge.redb"), moment, 100)?;
	let (code, output) =
		run_edge(&["audit", "--config", &config, "--program", &program_id.to_string()])?;
	ensure!(code == 1 && output.contains("first tampered hour: 5"), "audit ({code}):\n{output}");
	ensure!(
		output.contains("hour 5: TAMPERED")
			&& output.contains("its signature no longer matches these readings")
			&& output.contains("hour 4: matches the chain; the meter's signature covers it"),
		"the audit does not show the meter's signature:\n{output}"
	);
	let (code, output) = run_edge(&[
		"audit",
		"--config",
		&config,
		"--program",
		&program_id.to_string(),
		"--hour",
		"4",
	])?;
	ensure!(code == 0, "audit of hour 4 ({code}):\n{output}");

	// The logs never carry a reading or a share.
	ensure!(!log.contains("import_wh") && !log.contains("energy_wh"), "the daemon logged values");
	Ok(())
}
