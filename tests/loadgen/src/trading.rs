//! Trading under load: P prosumers × S shares (one pseudonym per share,
//! each in its own ledger of the prosumer's group) all reporting one slot.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use rand::{rngs::StdRng, Rng, SeedableRng};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::DecodeAsType,
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::sr25519::Keypair;

use super::{
	deviations::{account, settle_phase, sign_all, sign_each, FRESH_NONCE, UNIT},
	results::{BlockSeenResult, Stats, TradingResult},
	tracker::Tracker,
	Connection,
};
use gridveil_harness::{
	chain::{self, sudo, time_at},
	energy_market::{
		address_value, best_block, main_grid_fields, open_day_fields, register_pseudonyms_call,
		ROOT,
	},
	keypair,
	network::Clock,
};

/// Prosumers per group (each group has `shares` ledgers).
const PROSUMERS_PER_GROUP: usize = 500;
/// What each coordinator gets for its fees.
const COORDINATOR_FUNDS: u128 = 1_000 * UNIT;

/// The ledgers of a group (`EnergyMarket::Groups`).
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct GroupLedgers {
	ledgers: Vec<u32>,
}

/// Sets up a day for `prosumers × shares` pseudonyms on a fresh chain whose
/// market clock is `clock`, and reports one slot.
pub async fn run(
	connection: &Connection,
	clock: &Clock,
	prosumers: usize,
	shares: usize,
	rate: Option<f64>,
	network: &str,
	say: &impl Fn(&str),
) -> Result<TradingResult> {
	let operator = keypair("//Alice")?;
	let Connection { client, rpc, .. } = connection;
	let tracker = Tracker::start(connection).await?;
	let groups = prosumers.div_ceil(PROSUMERS_PER_GROUP);
	let timeout = Duration::from_secs(300);

	// Round 1, before the day starts: the main grid, two intermediate nodes
	// and the day.
	let now = time_at(&best_block(client, rpc).await?).await?;
	ensure!(now < clock.day_start(), "the day started before the setup");
	say(&format!("setup: the day opens in {} s", (clock.day_start() - now) / 1000));
	let calls = vec![
		sudo(
			"EnergyMarket",
			"set_main_grid_account",
			main_grid_fields(account(&keypair("//Ferdie")?)),
		),
		sudo("EnergyMarket", "add_intermediate", vec![("parent", Value::u128(ROOT.into()))]),
		sudo("EnergyMarket", "add_intermediate", vec![("parent", Value::u128(ROOT.into()))]),
		sudo(
			"EnergyMarket",
			"open_day",
			open_day_fields(clock.day, (prosumers as u64 * 300).max(1)),
		),
	];
	let coordinators: Vec<Keypair> = (0..groups)
		.map(|group| keypair(&format!("//GridVeil//load//coordinator//{group}")))
		.collect::<Result<_>>()?;
	let transfers: Vec<_> = coordinators
		.iter()
		.map(|coordinator| {
			dynamic::transaction(
				"Balances",
				"transfer_keep_alive",
				(MultiAddress::<AccountId32, ()>::Id(account(coordinator)), COORDINATOR_FUNDS),
			)
		})
		.collect();
	let first = rpc.system_account_next_index(&account(&operator)).await?;
	let mut round = sign_all(client, &operator, first, &calls).await?;
	round.extend(sign_all(client, &operator, first + calls.len() as u64, &transfers).await?);
	settle_phase(&tracker, &round, "round 1 (main grid, nodes, day, funds)", timeout).await?;
	// Nodes: the root is 0, the intermediates 1 and 2 on a fresh chain.
	let intermediates = [1u32, 2];

	// Round 2: a group of `shares` ledgers per 500 prosumers, alternating
	// between the intermediates, and the auction closed.
	say(&format!("setup: {groups} groups of {shares} ledgers"));
	let group_calls: Vec<_> = coordinators
		.iter()
		.enumerate()
		.map(|(group, coordinator)| {
			sudo(
				"EnergyMarket",
				"add_group",
				vec![
					("parent", Value::u128(intermediates[group % 2].into())),
					("coordinator", address_value(account(coordinator))),
					("ledgers", Value::u128(shares as u128)),
				],
			)
		})
		.chain([sudo(
			"EnergyMarket",
			"close_auction",
			vec![("day", Value::u128(clock.day.into()))],
		)])
		.collect();
	let first = rpc.system_account_next_index(&account(&operator)).await?;
	let round = sign_all(client, &operator, first, &group_calls).await?;
	settle_phase(&tracker, &round, "round 2 (groups, auction)", timeout).await?;

	// Round 3: each coordinator operates its group and registers its
	// members' pseudonyms, sorted, in batches of 64 per ledger (groups are
	// numbered from 0 on a fresh chain).
	say(&format!("setup: {} pseudonyms", prosumers * shares));
	let pseudonyms: Vec<Vec<Keypair>> = (0..prosumers)
		.map(|prosumer| {
			(0..shares)
				.map(|share| {
					keypair(&format!("//GridVeil//load//prosumer//{prosumer}//share//{share}"))
				})
				.collect::<Result<_>>()
		})
		.collect::<Result<_>>()?;
	let mut registrations = Vec::new();
	let at = best_block(client, rpc).await?;
	for (group, coordinator) in coordinators.iter().enumerate() {
		let ledgers = at
			.storage()
			.fetch(
				dynamic::storage::<(u32,), GroupLedgers>("EnergyMarket", "Groups"),
				(group as u32,),
			)
			.await?
			.decode()?
			.ledgers;
		ensure!(ledgers.len() == shares, "group {group} has {} ledgers", ledgers.len());
		let mut calls = vec![dynamic::transaction(
			"EnergyMarket",
			"add_operator",
			vec![Value::u128(group as u128), address_value(account(coordinator))],
		)];
		let members =
			group * PROSUMERS_PER_GROUP..((group + 1) * PROSUMERS_PER_GROUP).min(prosumers);
		for (share, ledger) in ledgers.iter().enumerate() {
			let mut accounts: Vec<AccountId32> =
				members.clone().map(|member| account(&pseudonyms[member][share])).collect();
			accounts.sort();
			for batch in accounts.chunks(64) {
				calls.push(register_pseudonyms_call(*ledger, clock.day, batch));
			}
		}
		let first = rpc.system_account_next_index(&account(coordinator)).await?;
		registrations.extend(sign_all(client, coordinator, first, &calls).await?);
	}
	settle_phase(&tracker, &registrations, "round 3 (pseudonyms)", timeout).await?;

	// The reports of the first slot that starts after they are signed.
	let mut rng = StdRng::seed_from_u64(7);
	let now = time_at(&best_block(client, rpc).await?).await?;
	let slot_of_day = (now.saturating_sub(clock.day_start()) / clock.slot_length_ms + 2) as u32;
	ensure!(slot_of_day < 96, "the setup took the whole day");
	let slot = clock.slot(slot_of_day);
	let reports = pseudonyms.iter().flatten().map(|pseudonym| {
		let energy: i64 = rng.gen_range(-400..1_200);
		(
			pseudonym,
			FRESH_NONCE,
			dynamic::transaction(
				"EnergyMarket",
				"report_share",
				vec![Value::u128(slot.into()), Value::i128(energy.into())],
			),
		)
	});
	let reports = sign_each(client, reports).await?;
	let slot_start = clock.day_start() + u64::from(slot_of_day) * clock.slot_length_ms;
	say(&format!("waiting for slot {slot_of_day} of day {}", clock.day));
	chain::poll(Duration::from_secs(120), async || {
		let now = time_at(&best_block(client, rpc).await?).await?;
		Ok(if now >= slot_start { Ok(()) } else { Err(format!("chain time {now} < {slot_start}")) })
	})
	.await?;

	say(&format!("slot: {} reports", reports.len()));
	let started = Instant::now();
	tracker.submit(&reports, rate).await?;
	let submitted_in = started.elapsed();
	tracker.wait_final(Duration::from_secs(600)).await.context("the slot's reports")?;
	// A report the pool refuses or drops (its slot's window closed while it
	// waited) is counted, not waited for; one that fails in its block is an error.
	tracker.ensure_none_failed(&reports, "report", true)?;

	let timings = tracker.timings(&reports, started)?;
	let (refused, dropped) = (timings.refused, timings.dropped);
	let blocks: Vec<BlockSeenResult> =
		timings.blocks.into_iter().map(BlockSeenResult::from).collect();
	let reported: usize = blocks.iter().map(|block| block.shares).sum();
	let expected = reports.len() - refused - dropped;
	ensure!(reported == expected, "{reported} shares reported, expected {expected}");
	let waited = &timings.blocks_waited;
	Ok(TradingResult {
		network: network.into(),
		prosumers,
		shares,
		reports: reports.len(),
		refused,
		dropped,
		rate,
		submitted_s: submitted_in.as_secs_f64(),
		all_included_s: timings.all_included_s,
		all_finalized_s: timings.all_finalized_s,
		inclusion_latency_s: Stats::of(&timings.inclusion_s),
		within_one_block: waited.iter().filter(|waited| **waited == 0.0).count() as f64
			/ waited.len().max(1) as f64,
		blocks_waited: Stats::of(waited),
		blocks,
	})
}
