//! The demo's day as a test: the code `make demo` runs (`gridveil-demo`'s
//! library), four validators spawned by the harness, households of the
//! reference dataset with a real `gridveil-edge` box each (some in 24-hour
//! demand-response programs), a whole trading day of 96 slots and its
//! liquidation by the validators' offchain workers.
//!
//! `make test` runs a compressed day: six households, two in programs,
//! two-second slots (a 3.2-minute day). `make test-long` runs the demo's
//! own six-second day with twelve households, three in programs, and
//! validators failing while it runs:
//! - Dave stops (SIGSTOP): blocks and finality go on with three validators;
//! - Charlie stops too: finality stops (two of four cannot finalize), blocks
//!   go on;
//! - both are killed and started again: finality resumes and catches up.
//!
//! Afterwards: every program hour is on chain, every household's reading of
//! every slot reached the root (energy conserved in all 96 slots), the
//! liquidation moved money only among the market's accounts (money
//! conserved), every pseudonym and device sent exactly one extrinsic per
//! slot or hour, so nothing was lost or sent twice, and the groups'
//! coordinators registered every day pseudonym and verified every report
//! against the meters' signed readings, flagging none.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use gridveil_demo::{report::Summary, report_grace_slots, Demo, Options};
use gridveil_harness::{
	account, chain,
	energy_market::{account_info, best_block, SLOTS_PER_DAY},
	workspace,
};

/// The demo's options for a day of `prosumers` households, the first
/// `programs` of them in programs, in a temporary folder.
pub(crate) fn options(
	dir: &tempfile::TempDir,
	prosumers: usize,
	programs: usize,
) -> Result<Options> {
	let mut options = Options::new(dir.path().to_path_buf(), workspace::dataset()?);
	options.prosumers = prosumers;
	options.programs = programs;
	// Free ports: other tests' networks run beside this one.
	options.rpc_port = None;
	Ok(options)
}

/// Follows the day until the wall clock reaches slot `slot` of the day.
pub(crate) async fn follow_until_slot(demo: &mut Demo, slot: u32) -> Result<()> {
	let moment = demo.clock.day_start() + u64::from(slot) * demo.clock.slot_length_ms;
	while gridveil_edge::now_ms() < moment {
		let (line, _) = demo.step().await?;
		eprintln!("  {line}");
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	Ok(())
}

/// The best and finalized block numbers Alice sees.
async fn heights(demo: &Demo) -> Result<(u64, u64)> {
	let best = best_block(&demo.client, &demo.rpc).await?.block_number();
	Ok((best, chain::finalized_number(&demo.rpc).await?))
}

/// Follows the day for `seconds`; returns the heights before and after.
async fn watch(demo: &mut Demo, seconds: u64) -> Result<((u64, u64), (u64, u64))> {
	let before = heights(demo).await?;
	let until = Instant::now() + Duration::from_secs(seconds);
	while Instant::now() < until {
		let (line, _) = demo.step().await?;
		eprintln!("  {line}");
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	Ok((before, heights(demo).await?))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compressed_demo_day_conserves_energy_and_money_and_sends_everything_once() -> Result<()>
{
	let dir = tempfile::Builder::new().prefix("gridveil-demo-day-").tempdir()?;
	let mut options = options(&dir, 6, 2)?;
	options.slot_length_ms = 2_000;
	// 48 seconds to report a slot (24 slots), as in the six-second day.
	options.report_grace_slots = report_grace_slots(options.slot_length_ms);
	// Six households set up in a few rounds (two of them council motions of
	// three blocks each) and their coordinators register the day; the
	// network takes about a minute.
	options.lead_ms = 165_000;
	let mut demo = Demo::start(options, &["alice", "bob"], |line| eprintln!("▸ {line}")).await?;
	let outcome = async {
		demo.follow(|line| eprintln!("  {line}")).await?;
		let summary = check_day(&mut demo, 6, 2).await?;
		// The boxes hand their shares to their coordinators, which relay
		// each ledger's slot in one batch; a box reports directly only when
		// its coordinator cannot take a share in time.
		let shares = summary.shares;
		ensure!(
			summary.relayed * 4 >= shares * 3,
			"only {} of {shares} shares came in the coordinators' batches",
			summary.relayed
		);
		Ok(())
	}
	.await;
	let stopped = demo.stop().await;
	outcome?;
	stopped
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "long tier (make test-long): a 9.6-minute day with validators failing"]
async fn a_full_day_survives_validator_failures_and_conserves_energy_and_money() -> Result<()> {
	let dir = tempfile::Builder::new().prefix("gridveil-full-day-").tempdir()?;
	// Every box talks to Alice, who stays up; the faults hit the others.
	let mut demo =
		Demo::start(options(&dir, 12, 3)?, &["alice"], |line| eprintln!("▸ {line}")).await?;
	let outcome = with_failures(&mut demo).await;
	let stopped = demo.stop().await;
	outcome?;
	stopped
}

async fn with_failures(demo: &mut Demo) -> Result<()> {
	// One validator down: blocks and finality go on.
	follow_until_slot(demo, 12).await?;
	demo.network.node("dave")?.pause().await?;
	let ((best_before, finalized_before), (best_after, finalized_after)) = watch(demo, 36).await?;
	ensure!(
		best_after >= best_before + 3 && finalized_after >= finalized_before + 3,
		"with Dave stopped: best #{best_before} → #{best_after}, finalized \
		 #{finalized_before} → #{finalized_after}"
	);
	eprintln!(
		"▸ Dave stopped: best #{best_before} → #{best_after}, finalized #{finalized_before} → \
		 #{finalized_after}"
	);

	// Two down: blocks go on, finality stops (after the votes in flight).
	demo.network.node("charlie")?.pause().await?;
	watch(demo, 12).await?;
	let ((best_before, finalized_before), (best_after, finalized_after)) = watch(demo, 36).await?;
	ensure!(
		best_after >= best_before + 2 && finalized_after == finalized_before,
		"with Charlie and Dave stopped: best #{best_before} → #{best_after}, finalized \
		 #{finalized_before} → #{finalized_after}"
	);
	eprintln!(
		"▸ Charlie and Dave stopped: best #{best_before} → #{best_after}, finality stalled at \
		 #{finalized_after}"
	);

	// Both killed and started again: finality catches up with the best block.
	for name in ["charlie", "dave"] {
		demo.network.node(name)?.restart(None).await?;
	}
	let (best_at_restart, _) = heights(demo).await?;
	let deadline = Instant::now() + Duration::from_secs(180);
	loop {
		let (line, _) = demo.step().await?;
		eprintln!("  {line}");
		let (_, finalized) = heights(demo).await?;
		if finalized > best_at_restart {
			eprintln!("▸ restarted: finalized #{finalized} passed #{best_at_restart}");
			break;
		}
		ensure!(
			Instant::now() < deadline,
			"finality did not resume within 180 s of the restart (finalized #{finalized}, \
			 best at the restart #{best_at_restart})"
		);
		tokio::time::sleep(Duration::from_secs(2)).await;
	}

	// The rest of the day and its liquidation.
	demo.follow(|line| eprintln!("  {line}")).await?;
	check_day(demo, 12, 3).await.map(drop)
}

/// After the liquidation: every program hour on chain, energy conserved in
/// every slot, money conserved, and exactly one report per pseudonym and
/// slot and one submission per device and hour (their nonces).
pub(crate) async fn check_day(
	demo: &mut Demo,
	prosumers: usize,
	programs: usize,
) -> Result<Summary> {
	let summary = demo.summary().await?;
	println!("{}", summary.text);
	ensure!(
		summary.energy_conserved_slots == SLOTS_PER_DAY,
		"energy conserved in only {}/96 slots",
		summary.energy_conserved_slots
	);
	ensure!(summary.money_conserved, "the liquidation did not conserve money");
	ensure!(
		summary.proofs == programs * 24,
		"{} proofs on chain, expected {}",
		summary.proofs,
		programs * 24
	);

	// Exactly once: a report per pseudonym and slot, a submission per hour.
	ensure!(demo.actors.prosumers.len() == prosumers, "{} households", demo.actors.prosumers.len());
	let block = demo.client.at_current_block().await?;
	for prosumer in &demo.actors.prosumers {
		for pseudonym in &prosumer.pseudonyms(demo.clock.day) {
			let reports = demo.tally.shares_by.get(&account(pseudonym)).copied().unwrap_or(0);
			ensure!(
				reports == SLOTS_PER_DAY,
				"a pseudonym of {} sent {reports} reports for 96 slots",
				prosumer.column()
			);
			// Its day over, the chain removed it.
			ensure!(
				account_info(&block, account(pseudonym)).await?.nonce == 0,
				"a pseudonym of {} outlived its day",
				prosumer.column()
			);
		}
		if prosumer.in_program {
			// Accepting and authorising came from the main account, not the device.
			let nonce = account_info(&block, account(&prosumer.device)).await?.nonce;
			ensure!(
				nonce == 24,
				"the device of {} sent {nonce} submissions for 24 hours",
				prosumer.column()
			);
		}
	}
	let expected_shares = (prosumers * 3) as u64 * u64::from(SLOTS_PER_DAY);
	ensure!(
		summary.shares == expected_shares,
		"{} shares reported, expected {expected_shares}",
		summary.shares
	);

	// The coordinators registered every day pseudonym, checked every report
	// against its meter's signed reading and verified it; honest boxes are
	// never flagged.
	let registered = demo.tally.registered.get(&demo.clock.day).copied().unwrap_or(0);
	ensure!(
		registered == (prosumers * 3) as u64,
		"{registered} day pseudonyms registered for {prosumers} households"
	);
	ensure!(summary.flagged == 0, "{} honest reports flagged", summary.flagged);
	ensure!(
		summary.verified == expected_shares,
		"{} of {expected_shares} reports verified by the coordinators",
		summary.verified
	);
	for running in &mut demo.coordinators {
		running.process.ensure_running().context("a coordinator died")?;
	}
	for edge in &mut demo.boxes {
		edge.process.ensure_running().context("a box died")?;
	}
	Ok(summary)
}
