//! Trading under load: P prosumers × S shares (one pseudonym per share,
//! each in its own ledger of the prosumer's group) all reporting one slot,
//! each share directly or relayed in its coordinator's batches.

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
	tracker::{Signed, Tracker},
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
use gridveil_offchain::shares::{relay_shares_payload, share_message};

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

/// Shares per relayed batch: the runtime's `MaxPseudonymBatch`, as the
/// coordinator sends them.
const RELAY_BATCH: usize = 256;

/// How the shares reach the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reporting {
	/// One `report_share` per share, signed by its pseudonym.
	Direct,
	/// The group's coordinator relays each ledger's shares of the slot in
	/// sorted `relay_shares` batches, each share signed by its pseudonym.
	Relayed,
}

/// Sets up a day for `prosumers × shares` pseudonyms on a fresh chain whose
/// market clock is `clock`, and reports one slot; `rate` is in shares per
/// second.
#[allow(clippy::too_many_arguments)]
pub async fn run(
	connection: &Connection,
	clock: &Clock,
	prosumers: usize,
	shares: usize,
	reporting: Reporting,
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
	let members_of = |group: usize| {
		group * PROSUMERS_PER_GROUP..((group + 1) * PROSUMERS_PER_GROUP).min(prosumers)
	};
	let mut registrations = Vec::new();
	// Each group's ledgers, read once.
	let mut ledgers_of = Vec::with_capacity(groups);
	for (group, coordinator) in coordinators.iter().enumerate() {
		let ledgers = group_ledgers(client, rpc, group).await?;
		ensure!(ledgers.len() == shares, "group {group} has {} ledgers", ledgers.len());
		let mut calls = vec![dynamic::transaction(
			"EnergyMarket",
			"add_operator",
			vec![Value::u128(group as u128), address_value(account(coordinator))],
		)];
		for (share, ledger) in ledgers.iter().enumerate() {
			let mut accounts: Vec<AccountId32> =
				members_of(group).map(|member| account(&pseudonyms[member][share])).collect();
			accounts.sort();
			for batch in accounts.chunks(64) {
				calls.push(register_pseudonyms_call(*ledger, clock.day, batch));
			}
		}
		let first = rpc.system_account_next_index(&account(coordinator)).await?;
		registrations.extend(sign_all(client, coordinator, first, &calls).await?);
		ledgers_of.push(ledgers);
	}
	settle_phase(&tracker, &registrations, "round 3 (pseudonyms)", timeout).await?;

	// The reports of the first slot that starts after they are signed.
	let mut rng = StdRng::seed_from_u64(7);
	let now = time_at(&best_block(client, rpc).await?).await?;
	let slot_of_day = (now.saturating_sub(clock.day_start()) / clock.slot_length_ms + 2) as u32;
	ensure!(slot_of_day < 96, "the setup took the whole day");
	let slot = clock.slot(slot_of_day);
	let energies: Vec<Vec<i64>> = pseudonyms
		.iter()
		.map(|shares| shares.iter().map(|_| rng.gen_range(-400..1_200)).collect())
		.collect();
	// Each extrinsic and the shares it carries.
	let (reports, shares_in): (Vec<Signed>, Vec<usize>) = match reporting {
		Reporting::Direct => {
			let reports = pseudonyms.iter().flatten().zip(energies.iter().flatten()).map(
				|(pseudonym, energy)| {
					(
						pseudonym,
						FRESH_NONCE,
						dynamic::transaction(
							"EnergyMarket",
							"report_share",
							vec![Value::u128(slot.into()), Value::i128((*energy).into())],
						),
					)
				},
			);
			let reports = sign_each(client, reports).await?;
			let ones = vec![1; reports.len()];
			(reports, ones)
		},
		Reporting::Relayed => {
			let genesis = rpc.genesis_hash().await?.0;
			let mut batches = Vec::new();
			let mut sizes = Vec::new();
			for ((group, coordinator), ledgers) in coordinators.iter().enumerate().zip(&ledgers_of)
			{
				let mut calls = Vec::new();
				for (share, ledger) in ledgers.iter().enumerate() {
					let mut signed: Vec<([u8; 32], i64, [u8; 64])> = members_of(group)
						.map(|member| {
							let key = &pseudonyms[member][share];
							let energy = energies[member][share];
							let signature = key.sign(&share_message(&genesis, slot, energy));
							(key.public_key().0, energy, signature.0)
						})
						.collect();
					signed.sort_by_key(|(pseudonym, _, _)| *pseudonym);
					for batch in signed.chunks(RELAY_BATCH) {
						sizes.push(batch.len());
						calls.push(relay_shares_payload(*ledger, slot, batch.to_vec()));
					}
				}
				let first = rpc.system_account_next_index(&account(coordinator)).await?;
				batches.extend(sign_all(client, coordinator, first, &calls).await?);
			}
			(batches, sizes)
		},
	};
	let shares_total: usize = shares_in.iter().sum();
	// Shares per second become extrinsics per second.
	let extrinsic_rate = rate.map(|rate| rate * reports.len() as f64 / shares_total as f64);
	let slot_start = clock.day_start() + u64::from(slot_of_day) * clock.slot_length_ms;
	say(&format!("waiting for slot {slot_of_day} of day {}", clock.day));
	chain::poll(Duration::from_secs(120), async || {
		let now = time_at(&best_block(client, rpc).await?).await?;
		Ok(if now >= slot_start { Ok(()) } else { Err(format!("chain time {now} < {slot_start}")) })
	})
	.await?;

	say(&format!("slot: {shares_total} shares in {} extrinsics", reports.len()));
	let started = Instant::now();
	tracker.submit(&reports, extrinsic_rate).await?;
	let submitted_in = started.elapsed();
	tracker.wait_final(Duration::from_secs(600)).await.context("the slot's reports")?;
	// A report the pool refuses or drops (its slot's window closed while it
	// waited) is counted, not waited for; one that fails in its block is an
	// error, and so is a relayed share the chain skipped.
	tracker.ensure_none_failed(&reports, "report", true)?;

	// Per share: a batch's figures once for every share it carries.
	let timings = tracker.timings_carrying(&reports, &shares_in, started)?;
	let blocks: Vec<BlockSeenResult> =
		timings.blocks.into_iter().map(BlockSeenResult::from).collect();
	let (refused, dropped, waited) = (timings.refused, timings.dropped, timings.blocks_waited);
	let reported: usize = blocks.iter().map(|block| block.shares).sum();
	let expected = shares_total - refused - dropped;
	ensure!(reported == expected, "{reported} shares reported, expected {expected}");
	let share_of = |within: f64| {
		waited.iter().filter(|waited| **waited <= within).count() as f64
			/ waited.len().max(1) as f64
	};
	Ok(TradingResult {
		network: network.into(),
		prosumers,
		shares,
		reports: shares_total,
		relayed: matches!(reporting, Reporting::Relayed),
		extrinsics: reports.len(),
		refused,
		dropped,
		rate,
		submitted_s: submitted_in.as_secs_f64(),
		all_included_s: timings.all_included_s,
		all_finalized_s: timings.all_finalized_s,
		inclusion_latency_s: Stats::of(&timings.inclusion_s),
		within_one_block: share_of(0.0),
		within_two_blocks: share_of(1.0),
		blocks_waited: Stats::of(&waited),
		blocks,
	})
}

/// The ledgers of `group`, in the group's order.
async fn group_ledgers(
	client: &gridveil_harness::chain::Client,
	rpc: &gridveil_harness::chain::Rpc,
	group: usize,
) -> Result<Vec<u32>> {
	let at = best_block(client, rpc).await?;
	Ok(at
		.storage()
		.fetch(dynamic::storage::<(u32,), GroupLedgers>("EnergyMarket", "Groups"), (group as u32,))
		.await?
		.decode()?
		.ledgers)
}
