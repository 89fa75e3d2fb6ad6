//! A forkless runtime upgrade on the four validators, in the middle of the
//! demo day compressed to three-second slots (six households with their
//! boxes, two in programs, the groups' coordinators): the chain starts with the released spec-104
//! runtime (`runtime/releases/`, the first in which the council can
//! authorize an upgrade), and a council motion authorizes this build's
//! runtime (spec 105), which a member then applies. Spec 105 carries
//! energy-market's first storage migration (the day's phase out of `Days`);
//! before the vote, `gridveil-try-upgrade` runs it with try-runtime's checks
//! on a snapshot of the network.
//!
//! Checked: the migration ran once (storage version 1, the open day's phase
//! in `DayPhases`, prices unchanged), blocks and finality went on, the boxes
//! and coordinators re-signed what was in flight for the new runtime and the
//! day ends as the demo day does (energy and money conserved, every share
//! and hour sent exactly once, every report verified). Then the consortium
//! tries to go back to spec 104: frame-system refuses it and spec 105 stays.
//! Printed: the upgrade's block and finality gaps and the weight of the
//! first block under the new runtime (the migration's).

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use gridveil_demo::{actors, report_grace_slots, Demo};
use gridveil_harness::{
	chain,
	energy_market::{day_prices, event_of, DayPhase},
	upgrade,
};
use subxt::{
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
};

use crate::demo_day::{check_day, follow_until_slot, options};

/// The released runtime the chain starts with.
const OLD_SPEC: u32 = 104;
/// This build's runtime.
const NEW_SPEC: u32 = 105;
/// The slot of the day at which the consortium starts the upgrade: boxes
/// are reporting and proving, coordinators verifying.
const UPGRADE_SLOT: u32 = 12;

/// The fields of `System::CodeUpdated`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct CodeUpdated {
	/// The new code's hash.
	#[allow(dead_code)]
	hash: [u8; 32],
}

/// `System::BlockWeight`: per dispatch class, ref time and proof size.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct PerClass {
	#[allow(dead_code)]
	normal: Weight,
	#[allow(dead_code)]
	operational: Weight,
	mandatory: Weight,
}

/// A weight.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct Weight {
	ref_time: u64,
	proof_size: u64,
}

/// The block hash at `number`.
async fn hash_at(rpc: &chain::Rpc, number: u64) -> Result<subxt::utils::H256> {
	rpc.chain_get_block_hash(Some(number.into()))
		.await?
		.with_context(|| format!("no block #{number}"))
}

/// The spec version of the state after block `number`.
async fn spec_at(rpc: &chain::Rpc, number: u64) -> Result<u32> {
	Ok(rpc.state_get_runtime_version(Some(hash_at(rpc, number).await?)).await?.spec_version)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_council_upgrades_the_runtime_mid_day_and_boxes_and_coordinators_carry_on() -> Result<()>
{
	let dir = tempfile::Builder::new().prefix("gridveil-upgrade-").tempdir()?;
	let mut options = options(&dir, 6, 2)?;
	// Three-second slots (12-second hours): the upgrade stalls the machine
	// for a few blocks (try-runtime, every validator compiling the new
	// code), and a demand-response hour proven after the program's end plus
	// its two grace hours is refused; the demo day's two-second slots leave
	// the boxes 16 s to catch up, too few on two cores.
	options.slot_length_ms = 3_000;
	options.report_grace_slots = report_grace_slots(options.slot_length_ms);
	options.lead_ms = 165_000;
	options.genesis_code = Some(upgrade::release(OLD_SPEC)?);
	let mut demo = Demo::start(options, &["alice", "bob"], |line| eprintln!("▸ {line}")).await?;
	let outcome = upgrade_mid_day(&mut demo).await;
	let stopped = demo.stop().await;
	if outcome.is_err() || stopped.is_err() {
		// The boxes', coordinators' and validators' logs, for the failure.
		eprintln!("kept {}", dir.keep().display());
	}
	outcome?;
	stopped
}

async fn upgrade_mid_day(demo: &mut Demo) -> Result<()> {
	let (spec, transaction_version) = upgrade::runtime_version(&demo.rpc).await?;
	ensure!(spec == OLD_SPEC, "the chain started with spec {spec}, not {OLD_SPEC}");
	follow_until_slot(demo, UPGRADE_SLOT).await?;

	// Before voting: try-runtime's checks of the migrations on a snapshot
	// of this network.
	let checked = upgrade::try_upgrade(&demo.network.ws_url()).await?;
	println!("gridveil-try-upgrade:\n{checked}");

	// The consortium upgrades: a motion (three blocks), then the code.
	let members = actors::consortium(4);
	let code = upgrade::current_code()?;
	let started = Instant::now();
	let applied = upgrade::authorize_and_apply(&demo.client, &demo.rpc, &members, &code).await?;
	let _: CodeUpdated = event_of(&applied, "System", "CodeUpdated")?;
	println!(
		"authorized and applied {} KB of code in {:.0} s",
		code.len() / 1_000,
		started.elapsed().as_secs_f64()
	);
	let upgraded = upgrade_block(demo).await?;
	let (gap_ms, weight) = first_blocks_after(demo, upgraded).await?;
	let finality = finality_after(demo, upgraded).await?;
	println!(
		"upgrade in block #{upgraded}: the next block {gap_ms} ms later (6,000 ms a slot), \
		 #{upgraded} + 1 final {:.1} s after its timestamp; the first block under spec \
		 {NEW_SPEC} weighed {} µs mandatory ({} µs the block after), proof {} bytes",
		finality.as_secs_f64(),
		weight.0 / 1_000_000,
		weight.1 / 1_000_000,
		weight.2,
	);

	let (spec, new_transaction_version) = upgrade::runtime_version(&demo.rpc).await?;
	ensure!(spec == NEW_SPEC, "spec {spec} after the upgrade");
	println!("transaction version {transaction_version} → {new_transaction_version}");
	// Spec 105 added `AuthorizeCall` and a transaction version: whatever the
	// boxes and coordinators signed for the old one, they re-sign.
	ensure!(
		new_transaction_version > transaction_version,
		"the transaction version stayed {transaction_version}"
	);
	check_migration(demo).await?;

	// The day goes on under the new spec and ends as the demo day does.
	demo.follow(|line| eprintln!("  {line}")).await?;
	let summary = check_day(demo, 6, 2).await?;
	// Spec 104 has no relayed batches: the boxes reported every share
	// themselves until the upgrade, and handed them to their coordinators
	// after it.
	ensure!(summary.relayed > 0, "no share came in a coordinator's batch after the upgrade");

	// Back to the old spec: authorized, but frame-system refuses it.
	let old = std::fs::read(upgrade::release(OLD_SPEC)?)?;
	let refused = upgrade::authorize_and_apply(&demo.client, &demo.rpc, &members, &old).await?;
	let metadata = demo.client.at_current_block().await?.metadata();
	let rejection = upgrade::rejection(&refused, metadata)?
		.context("going back to the old spec was not rejected")?;
	ensure!(rejection.contains("SpecVersionNeedsToIncrease"), "rejected with {rejection}");
	let (spec, _) = upgrade::runtime_version(&demo.rpc).await?;
	ensure!(spec == NEW_SPEC, "spec {spec} after a refused downgrade");
	let finalized = chain::finalized_number(&demo.rpc).await?;
	chain::wait_for_finalized(&demo.rpc, finalized + 3, Duration::from_secs(60))
		.await
		.context("finality after the refused downgrade")?;
	println!("spec {OLD_SPEC} refused ({rejection}); spec {NEW_SPEC} stays");
	Ok(())
}

/// The block that applied the new code: the first whose state runs spec
/// [`NEW_SPEC`] (looked for among the last 20 best blocks).
async fn upgrade_block(demo: &Demo) -> Result<u64> {
	let best = demo.rpc.chain_get_header(None).await?.context("no best block")?.number.into();
	let mut block: u64 = best;
	ensure!(spec_at(&demo.rpc, block).await? == NEW_SPEC, "best block #{best} is not upgraded");
	while block > best.saturating_sub(20) && spec_at(&demo.rpc, block - 1).await? == NEW_SPEC {
		block -= 1;
	}
	Ok(block)
}

/// Waits for two blocks after `upgraded`; returns the timestamp gap to the
/// next block and the mandatory ref time of the two blocks after it (the
/// first runs the migration) with the first one's proof size.
async fn first_blocks_after(demo: &Demo, upgraded: u64) -> Result<(u64, (u64, u64, u64))> {
	let started = Instant::now();
	while demo.rpc.chain_get_block_hash(Some((upgraded + 2).into())).await?.is_none() {
		ensure!(started.elapsed() < Duration::from_secs(120), "no block after the upgrade");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	// Each block opened once: its clock and its weight.
	let mut blocks = Vec::with_capacity(3);
	for number in upgraded..=upgraded + 2 {
		let block = demo.client.at_block(number).await?;
		let address = dynamic::storage::<(), PerClass>("System", "BlockWeight");
		let weight = block.storage().fetch(address, ()).await?.decode()?;
		blocks.push((chain::time_at(&block).await?, weight));
	}
	let gap = blocks[1].0 - blocks[0].0;
	let (first, second) = (&blocks[1].1, &blocks[2].1);
	Ok((gap, (first.mandatory.ref_time, second.mandatory.ref_time, first.mandatory.proof_size)))
}

/// Waits until the first block under the new runtime is final; returns how
/// long after its timestamp.
async fn finality_after(demo: &Demo, upgraded: u64) -> Result<Duration> {
	let number = upgraded + 1;
	chain::wait_for_finalized(&demo.rpc, number, Duration::from_secs(120))
		.await
		.context("finality after the upgrade")?;
	let block = demo.client.at_block(number).await?;
	let stamped = chain::time_at(&block).await?;
	Ok(Duration::from_millis(gridveil_edge::now_ms().saturating_sub(stamped)))
}

/// The migration's outcome: EnergyMarket at storage version 1, the open
/// day's phase in `DayPhases`, its prices still whole.
async fn check_migration(demo: &Demo) -> Result<()> {
	let version = upgrade::storage_version(&demo.rpc, "EnergyMarket").await?;
	ensure!(version == 1, "EnergyMarket at storage version {version}");
	let block = demo.client.at_current_block().await?;
	let day = demo.clock.day;
	let phase: DayPhase = block
		.storage()
		.fetch(dynamic::storage::<(u32,), DayPhase>("EnergyMarket", "DayPhases"), (day,))
		.await
		.with_context(|| format!("day {day} has no DayPhases entry"))?
		.decode()?;
	ensure!(phase == DayPhase::Trading, "day {day} in phase {phase:?} after the migration");
	let prices = day_prices(&block, day).await?.context("the day has no prices")?;
	ensure!(prices.phase == phase, "the runtime API says {:?}", prices.phase);
	ensure!(
		prices.prices_per_kwh.iter().all(|price| *price > 0),
		"the day's prices were lost in the migration"
	);
	println!("day {day}: {phase:?} in DayPhases, its 96 prices kept");
	Ok(())
}
