//! Setting up the demo day with the same extrinsics the consortium (its
//! motions), the main grid, an aggregator, producers and coordinators send
//! from polkadot.js apps, in three rounds.

use std::{path::Path, time::Duration};

use anyhow::{ensure, Context, Result};
use gridveil_circuits::{encoding::to_decimal, keys, poseidon, READINGS_PER_HOUR};
use gridveil_edge::ingest::Dataset;
use gridveil_groth16::{encode_verifying_key, scalar_to_bytes, Scalar};
use rand::{rngs::OsRng, Rng};
use subxt::{
	dynamic::{self, Value},
	rpcs::{rpc_params, RpcClient},
	tx::DynamicPayload,
	utils::{AccountId32, MultiAddress},
};

use super::{
	actors::{account, keypair, Actors, LIQUIDATOR_SURI},
	meters::{self, boxes_root},
	Defences,
};
use gridveil_harness::{
	chain::{self, Client, KeyRegistered, Rpc},
	demand_response::{accept_with_device, meter_registration, ProgramOffered},
	energy_market::{
		address_value, all_in_block, event_of, events_of, main_grid_fields,
		register_pseudonyms_call, submit_all, submit_in_block, GroupAdded, NodeAdded, ROOT,
		SLOTS_PER_DAY,
	},
	governance::{self, Call as Motion},
	network::Clock,
};
use subxt_signer::sr25519::Keypair;

/// 1 VEIL.
pub use gridveil_harness::UNIT;
/// Days ahead of today the chain takes registrations for (the runtime's
/// `RegistrationLeadDays`).
const REGISTRATION_LEAD_DAYS: u32 = 2;

/// What each coordinator gets to pay fees and its group's bills.
const COORDINATOR_FUNDS: u128 = 10_000 * UNIT;
/// What each prosumer in a program and its device get for fees (and, with
/// feeless reports off, every prosumer).
const FEE_FUNDS: u128 = 10 * UNIT;
/// What a prosumer sends each of its pseudonyms when reports are not
/// feeless (the privacy evaluation's funding link).
const PSEUDONYM_FUNDS: u128 = UNIT;
/// The reward the aggregator escrows for each program.
pub const PROGRAM_REWARD: u128 = 100 * UNIT;
/// Penalty per Wh of deviation: 0.01 VEIL.
pub const PENALTY_PER_WH: u128 = UNIT / 100;
/// The aggregator asks each household for this share of its usual consumption.
const REQUESTED_PERCENT: u64 = 90;
/// Charlie's offer: a small, cheap plant (covers the night).
const CHEAP_CAPACITY_WH: u64 = 3_000;
/// Charlie's price per kWh: 0.18 VEIL.
const CHEAP_PRICE_PER_KWH: u128 = 18 * UNIT / 100;
/// Dave's price per kWh outside the evening peak: 0.26 VEIL; in it, 0.41.
const PEAK_PRICES_PER_KWH: [u128; 2] = [26 * UNIT / 100, 41 * UNIT / 100];
/// Dave's capacity is this share of the expected consumption.
const LARGE_CAPACITY_PERCENT: u64 = 150;

/// A demand-response program of the demo.
#[derive(Clone, Debug)]
pub struct DemoProgram {
	/// Its id on chain.
	pub program_id: u64,
	/// The prosumer's index.
	pub prosumer: usize,
	/// The request file on the box.
	pub request_file: std::path::PathBuf,
}

/// A group with its ledgers.
#[derive(Clone, Debug)]
pub struct DemoGroup {
	/// The group's id.
	pub group: u32,
	/// Its intermediate node.
	pub parent: u32,
	/// Its ledgers, in order.
	pub ledgers: Vec<u32>,
}

/// What the setup created.
#[derive(Clone, Debug)]
pub struct Deployment {
	/// The deviation circuit's verifying key id.
	pub key_id: u32,
	/// The proving key file the edge boxes load.
	pub proving_key: std::path::PathBuf,
	/// The intermediate nodes.
	pub intermediates: Vec<u32>,
	/// The groups.
	pub groups: Vec<DemoGroup>,
	/// The programs.
	pub programs: Vec<DemoProgram>,
	/// The main grid's expected consumption in each slot, Wh.
	pub expected_wh: Vec<u64>,
}

/// The reading of `column` in each slot of the demo's day, as the edge
/// box's replay will see it.
pub fn day_readings(dataset: &Dataset, clock: &Clock) -> Vec<gridveil_edge::store::Reading> {
	(0..SLOTS_PER_DAY)
		.map(|slot| {
			dataset
				.reading(u64::from(clock.slot(slot)) * clock.slot_length_ms, clock.slot_length_ms)
		})
		.collect()
}

/// A call with its fields as dynamic values (one type for mixed batches).
type Call = DynamicPayload<Vec<Value>>;

/// `Balances::transfer_keep_alive` of `amount` to `to`.
fn transfer(to: AccountId32, amount: u128) -> Call {
	dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		vec![address_value(to), Value::u128(amount)],
	)
}

/// Puts the liquidator key into a node's keystore (`author_insertKey`), so
/// its offchain worker can sign liquidation pages.
pub async fn insert_liquidator_key(ws_url: &str) -> Result<()> {
	let public = keypair(LIQUIDATOR_SURI)?.public_key().0;
	let client = RpcClient::from_insecure_url(ws_url).await?;
	client
		.request::<()>(
			"author_insertKey",
			rpc_params![
				"gvlq",
				LIQUIDATOR_SURI,
				format!(
					"0x{}",
					public.iter().map(|byte| format!("{byte:02x}")).collect::<String>()
				)
			],
		)
		.await
		.with_context(|| format!("author_insertKey on {ws_url}"))?;
	Ok(())
}

/// The aggregator's request for one household: 90 % of what it used in each
/// hour of the program, and a random salt. The request goes to the box in a
/// file; only its commitment goes on chain.
fn request_for(readings: &[gridveil_edge::store::Reading]) -> [u64; poseidon::HOURS] {
	let mut request = [0u64; poseidon::HOURS];
	for (hour, requested) in request.iter_mut().enumerate() {
		let used: u64 = readings[hour * READINGS_PER_HOUR..(hour + 1) * READINGS_PER_HOUR]
			.iter()
			.map(|reading| reading.import_wh)
			.sum();
		*requested = used * REQUESTED_PERCENT / 100;
	}
	request
}

/// Runs the setup of `days` consecutive days from `clock`'s with
/// `defences`, the consortium's motions carried by `members`; the first day
/// must not have started when round 1 lands.
#[allow(clippy::too_many_arguments)]
pub async fn run(
	client: &Client,
	rpc: &Rpc,
	actors: &Actors,
	members: &[Keypair],
	clock: &Clock,
	days: u32,
	dataset_path: &Path,
	dir: &Path,
	defences: Defences,
) -> Result<Deployment> {
	// The aggregator's trusted setup (one key for every program) and the
	// households' readings, which the demo knows because it plays the meters.
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut OsRng)?;
	let proving_key_path = dir.join("deviation-L4.pk");
	std::fs::write(&proving_key_path, proving_key.to_bytes())?;
	let clocks: Vec<Clock> =
		(0..days.max(1)).map(|offset| Clock { day: clock.day + offset, ..*clock }).collect();
	// readings[day][prosumer][slot]
	let mut readings = vec![Vec::new(); clocks.len()];
	for prosumer in &actors.prosumers {
		let dataset = Dataset::load(dataset_path, &prosumer.column())
			.with_context(|| format!("the dataset's column {}", prosumer.column()))?;
		for (by_day, day_clock) in readings.iter_mut().zip(&clocks) {
			by_day.push(day_readings(&dataset, day_clock));
		}
	}
	let expected_by_day: Vec<Vec<u64>> = readings
		.iter()
		.map(|by_prosumer| {
			(0..SLOTS_PER_DAY as usize)
				.map(|slot| by_prosumer.iter().map(|day| day[slot].import_wh).sum::<u64>().max(1))
				.collect()
		})
		.collect();
	let expected_wh = expected_by_day[0].clone();

	// Round 1. The consortium's motion: verifying key, main grid, producers,
	// liquidator, two intermediate nodes, every household's meter. Then the
	// main grid opens the days; the operator (Alice) funds coordinators and
	// devices meanwhile.
	let liquidator = keypair(LIQUIDATOR_SURI)?.public_key().0;
	let mut motion = vec![
		Motion::new(
			"ZkVerifier",
			"register_key",
			vec![(
				"verifying_key",
				Value::from_bytes(encode_verifying_key(proving_key.verifying_key())),
			)],
		),
		Motion::new(
			"EnergyMarket",
			"set_main_grid_account",
			main_grid_fields(account(&actors.main_grid)),
		),
	];
	for producer in &actors.producers {
		motion.push(Motion::new(
			"EnergyMarket",
			"register_producer",
			vec![("producer", address_value(account(producer)))],
		));
	}
	motion.push(Motion::new(
		"EnergyMarket",
		"add_liquidator",
		vec![("liquidator", Value::from_bytes(liquidator))],
	));
	for _ in &actors.coordinators {
		motion.push(Motion::new(
			"EnergyMarket",
			"add_intermediate",
			vec![("parent", Value::u128(ROOT.into()))],
		));
	}
	for prosumer in &actors.prosumers {
		let key = meters::pair(prosumer, dataset_path, &boxes_root(dir))?;
		motion.push(meter_registration(
			meters::meter_id(prosumer),
			key,
			account(&prosumer.account),
		));
	}
	let mut funding = Vec::new();
	for coordinator in &actors.coordinators {
		funding.push(transfer(account(coordinator), COORDINATOR_FUNDS));
	}
	for prosumer in &actors.prosumers {
		if prosumer.in_program || !defences.feeless_reports {
			funding.push(transfer(account(&prosumer.account), FEE_FUNDS));
		}
		if prosumer.in_program {
			funding.push(transfer(account(&prosumer.device), FEE_FUNDS));
		}
	}
	let funding = submit_all(client, rpc, &actors.operator, &funding).await?;
	let enacted = governance::enact(client, rpc, members, &motion)
		.await
		.context("round 1: the consortium's motion")?;
	let key: KeyRegistered = event_of(&enacted, "ZkVerifier", "KeyRegistered")?;
	let intermediates = events_of::<NodeAdded>(&enacted, "EnergyMarket", "NodeAdded")?
		.into_iter()
		.map(|node| node.node)
		.collect::<Vec<u32>>();
	ensure!(
		intermediates.len() == actors.coordinators.len(),
		"the motion added {} intermediate nodes, not {}",
		intermediates.len(),
		actors.coordinators.len()
	);
	let open_days: Vec<Call> = clocks
		.iter()
		.zip(&expected_by_day)
		.map(|(day_clock, expected)| {
			dynamic::transaction(
				"EnergyMarket",
				"open_day",
				vec![
					Value::u128(day_clock.day.into()),
					Value::unnamed_composite(expected.iter().map(|wh| Value::u128((*wh).into()))),
				],
			)
		})
		.collect();
	submit_in_block(client, rpc, &actors.main_grid, &open_days)
		.await
		.context("round 1: the main grid opens the days")?;
	all_in_block(funding).await.context("round 1: the operator's funding")?;

	// Round 2. The consortium adds a group under each intermediate node; the
	// producers offer every slot; the aggregator offers the programs.
	let group_motion: Vec<Motion> = actors
		.coordinators
		.iter()
		.zip(&intermediates)
		.map(|(coordinator, parent)| {
			Motion::new(
				"EnergyMarket",
				"add_group",
				vec![
					("parent", Value::u128((*parent).into())),
					("coordinator", address_value(account(coordinator))),
					("ledgers", Value::u128(actors.ledgers_per_group.into())),
				],
			)
		})
		.collect();
	let offers = |producer: usize| -> Vec<_> {
		clocks
			.iter()
			.zip(&expected_by_day)
			.flat_map(|(day_clock, expected_wh)| {
				(0..SLOTS_PER_DAY).map(move |slot| (day_clock.day, expected_wh, slot))
			})
			.map(|(day, expected_wh, slot)| {
				let (capacity, price) = if producer == 0 {
					(CHEAP_CAPACITY_WH, CHEAP_PRICE_PER_KWH)
				} else {
					// The evening peak: 17:00 to 21:00.
					let peak = (68..84).contains(&slot);
					(
						expected_wh[slot as usize] * LARGE_CAPACITY_PERCENT / 100,
						PEAK_PRICES_PER_KWH[usize::from(peak)],
					)
				};
				dynamic::transaction(
					"EnergyMarket",
					"add_offer",
					vec![
						Value::u128(day.into()),
						Value::u128(slot.into()),
						Value::u128(capacity.into()),
						Value::u128(price),
					],
				)
			})
			.collect()
	};
	let mut program_calls = Vec::new();
	let mut secrets = Vec::new();
	for prosumer in actors.in_programs() {
		let request = request_for(&readings[0][prosumer.index]);
		let salt: Scalar = Scalar::from(OsRng.gen::<u128>());
		let commitment = scalar_to_bytes(&poseidon::commitment(&request, salt));
		let request_file = dir.join(format!("program-{}.json", prosumer.index));
		gridveil_offchain::secret_file::create(
			&request_file,
			&serde_json::json!({ "request": request, "salt": to_decimal(&salt) }).to_string(),
		)?;
		secrets.push((prosumer.index, request_file));
		program_calls.push(dynamic::transaction(
			"DemandResponse",
			"offer_program",
			(
				MultiAddress::<AccountId32, ()>::Id(account(&prosumer.account)),
				key.key_id,
				commitment,
				PROGRAM_REWARD,
				PENALTY_PER_WH,
				clock.day_start(),
				poseidon::HOURS as u32,
			),
		));
	}
	let mut offers_pending = Vec::new();
	for (index, producer) in actors.producers.iter().enumerate() {
		offers_pending.push(submit_all(client, rpc, producer, &offers(index)).await?);
	}
	let programs_pending = submit_all(client, rpc, &actors.aggregator, &program_calls).await?;
	let enacted = governance::enact(client, rpc, members, &group_motion)
		.await
		.context("round 2: the consortium's motion adding the groups")?;
	// Each `add_group` emits one `NodeAdded` per ledger of its group.
	let added = events_of::<GroupAdded>(&enacted, "EnergyMarket", "GroupAdded")?;
	let ledgers = events_of::<NodeAdded>(&enacted, "EnergyMarket", "NodeAdded")?;
	let per_group = actors.ledgers_per_group as usize;
	ensure!(
		added.len() == actors.coordinators.len() && ledgers.len() == added.len() * per_group,
		"the motion added {} groups with {} ledgers",
		added.len(),
		ledgers.len()
	);
	let groups: Vec<DemoGroup> = added
		.into_iter()
		.zip(ledgers.chunks(per_group))
		.map(|(added, ledgers)| DemoGroup {
			group: added.group,
			parent: added.parent,
			ledgers: ledgers.iter().map(|node| node.node).collect(),
		})
		.collect();
	for pending in offers_pending {
		all_in_block(pending).await.context("round 2: the offers")?;
	}
	let mut programs = Vec::new();
	for (emitted, (prosumer, request_file)) in
		all_in_block(programs_pending).await.context("round 2: the programs")?.iter().zip(secrets)
	{
		let offered: ProgramOffered = event_of(emitted, "DemandResponse", "ProgramOffered")?;
		programs.push(DemoProgram { program_id: offered.program_id, prosumer, request_file });
	}

	// Round 3. Each coordinator operates its own group; its daemon
	// (`gridveil-coordinator`, started after the setup) registers the day's
	// pseudonyms in one sorted batch per ledger, so the order links nobody.
	// With batched registration off, each member's pseudonyms are registered
	// here one after another instead (the daemon then finds them on chain).
	// The prosumers accept and authorise their boxes (and, with feeless
	// reports off, fund their pseudonyms); the auction closes.
	let mut pending = Vec::new();
	for (index, (coordinator, group)) in actors.coordinators.iter().zip(&groups).enumerate() {
		let mut calls = vec![dynamic::transaction(
			"EnergyMarket",
			"add_operator",
			vec![Value::u128(group.group.into()), address_value(account(coordinator))],
		)];
		if !defences.batched_registration {
			// The chain takes registrations up to `RegistrationLeadDays`
			// ahead; the coordinators register the later days.
			for day_clock in clocks.iter().take(REGISTRATION_LEAD_DAYS as usize) {
				for member in actors.members(index) {
					for (pseudonym, ledger) in
						member.pseudonyms(day_clock.day).iter().zip(&group.ledgers)
					{
						calls.push(register_pseudonyms_call(
							*ledger,
							day_clock.day,
							&[account(pseudonym)],
						));
					}
				}
			}
		}
		pending.push(submit_all(client, rpc, coordinator, &calls).await?);
	}
	for prosumer in &actors.prosumers {
		let mut calls = Vec::new();
		if let Some(program) = programs.iter().find(|program| program.prosumer == prosumer.index) {
			calls.extend(accept_with_device(
				program.program_id,
				meters::meter_id(prosumer),
				account(&prosumer.device),
			));
		}
		if !defences.feeless_reports {
			for day_clock in &clocks {
				calls.extend(
					prosumer
						.pseudonyms(day_clock.day)
						.iter()
						.map(|pseudonym| transfer(account(pseudonym), PSEUDONYM_FUNDS)),
				);
			}
		}
		if !calls.is_empty() {
			pending.push(submit_all(client, rpc, &prosumer.account, &calls).await?);
		}
	}
	let closes: Vec<Call> = clocks
		.iter()
		.map(|day_clock| {
			dynamic::transaction(
				"EnergyMarket",
				"close_auction",
				vec![Value::u128(day_clock.day.into())],
			)
		})
		.collect();
	pending.push(submit_all(client, rpc, &actors.main_grid, &closes).await?);
	for batch in pending {
		all_in_block(batch).await.context("round 3")?;
	}
	ensure!(gridveil_edge::now_ms() < clock.day_start(), "the setup ran past the start of the day");
	// Let the last round be final before the boxes start.
	chain::wait_for_finalized(
		rpc,
		chain::finalized_number(rpc).await? + 2,
		Duration::from_secs(60),
	)
	.await?;
	Ok(Deployment {
		key_id: key.key_id,
		proving_key: proving_key_path,
		intermediates,
		groups,
		programs,
		expected_wh,
	})
}
