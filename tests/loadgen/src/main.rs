//! `gridveil-loadgen`: loads real GridVeil nodes and writes what it measured
//! to `docs/performance/results.json`; `report` renders `docs/performance.md`.
//! `make performance` runs `all`; see `--help` for single runs.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use gridveil_harness::network::Clock;
use gridveil_harness::workspace;
use gridveil_loadgen::{
	connect,
	deviations::{self, Round},
	edge, finality,
	proofs::{self, ProofCache},
	report,
	results::{add_proposal_times, Mode, Results},
	results_dir,
	trading::{self, Reporting},
	Chain,
};
use gridveil_report::files::Files;

#[derive(Parser)]
#[command(about = "Loads GridVeil nodes with real proofs and shares, and reports what it measured")]
struct Cli {
	#[command(flatten)]
	files: Files,
	#[command(subcommand)]
	command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum NetworkKind {
	/// One `--dev` node.
	Dev,
	/// Four validators (zombienet/local.toml).
	Local,
}

#[derive(Subcommand)]
enum Command {
	/// Proves (and caches) the hour-0 proofs of programs 0..N.
	Prove {
		/// How many.
		#[arg(long, default_value_t = 10_000)]
		prosumers: usize,
	},
	/// One demand-response round on a fresh chain.
	Round {
		/// Which chain.
		#[arg(long, value_enum, default_value_t = NetworkKind::Dev)]
		network: NetworkKind,
		/// Prosumers, one proof each.
		#[arg(long, default_value_t = 2_000)]
		prosumers: usize,
		/// Entries per relayed batch; 0 for one extrinsic per proof.
		#[arg(long, default_value_t = 0)]
		batch: u32,
		/// Extrinsics per second (default: as fast as the node takes them).
		#[arg(long)]
		rate: Option<f64>,
	},
	/// One trading slot on a fresh `--dev` chain: every pseudonym reports.
	Trading {
		/// Prosumers.
		#[arg(long, default_value_t = 5_000)]
		prosumers: usize,
		/// Shares (pseudonyms) per prosumer.
		#[arg(long, default_value_t = 8)]
		shares: usize,
		/// Shares per second (default: as fast as the node takes them).
		#[arg(long)]
		rate: Option<f64>,
		/// Each pseudonym reports its own share (`report_share`) instead of
		/// the coordinators relaying them in batches (`relay_shares`).
		#[arg(long)]
		direct: bool,
	},
	/// Finality lag on the four validators: every validator up, then one paused.
	Finality {
		/// Blocks to measure in each phase.
		#[arg(long, default_value_t = 40)]
		blocks: u64,
		/// The GRANDPA voting rule the node under test runs (a label for the
		/// results; the rule itself is built into the node).
		#[arg(long, default_value = VOTING_RULE)]
		voting_rule: String,
	},
	/// The edge box: proving time and memory, the daemon's idle memory.
	Edge {
		/// Hours to prove.
		#[arg(long, default_value_t = 24)]
		hours: u32,
	},
	/// Renders docs/performance.md from the results and the weights.
	Report,
	/// Everything `docs/performance.md` shows, then the page.
	All {
		/// The round load that counts as 1× (the 2,000 prosumers).
		#[arg(long, default_value_t = 2_000)]
		load: usize,
		/// The large batched round.
		#[arg(long, default_value_t = 10_000)]
		large: usize,
		/// Entries per relayed batch.
		#[arg(long, default_value_t = 32)]
		batch: u32,
	},
}

/// The loads (shares of capacity) `all` offers relayed shares at.
const TRADING_LOADS: [f64; 3] = [0.4, 0.8, 1.2];

/// The voting rule `node/src/service.rs` builds.
const VOTING_RULE: &str = "best block";

/// Wall-clock time, ms since the Unix epoch (what the chain's clock counts).
fn now_ms() -> Result<u64> {
	Ok(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64)
}

fn say(line: &str) {
	println!("[loadgen] {line}");
}

async fn round(
	results: &mut Results,
	path: &std::path::Path,
	cache: &mut ProofCache,
	network: NetworkKind,
	prosumers: usize,
	mode: Mode,
	rate: Option<f64>,
) -> Result<()> {
	let proofs = cache.proofs(prosumers, say)?.to_vec();
	let chain = match network {
		NetworkKind::Dev => Chain::dev(&[("demandResponse", "hourLength", 20_000.into())]).await?,
		NetworkKind::Local => Chain::local(&Clock::starting_after(now_ms()?)).await?,
	};
	let connection = connect(&chain).await?;
	let spec = Round { prosumers, mode, rate, network: chain.name.clone() };
	say(&format!("{} round: {prosumers} prosumers, {mode:?}", chain.name));
	let outcome = deviations::run(&connection, &spec, &cache.verifying_key(), &proofs, &say).await;
	let logs = chain.logs();
	chain.stop().await?;
	let mut result = outcome?;
	add_proposal_times(&mut result.blocks, &logs);
	say(&format!(
		"  included in {:.1} s, finalized in {:.1} s, inclusion p95 {:.1} s",
		result.all_included_s, result.all_finalized_s, result.inclusion_latency_s.p95
	));
	results.add_round(result);
	results.save(path)
}

async fn trading_slot(
	results: &mut Results,
	path: &std::path::Path,
	prosumers: usize,
	shares: usize,
	reporting: Reporting,
	rate: Option<f64>,
) -> Result<()> {
	let now = now_ms()?;
	// Node start and the first setup round take well under 40 s.
	let clock = Clock::starting_after(now + 40_000);
	let chain = Chain::dev(&[
		("energyMarket", "slotLengthMs", clock.slot_length_ms.into()),
		("energyMarket", "reportGraceSlots", 60.into()),
	])
	.await?;
	let connection = connect(&chain).await?;
	let outcome =
		trading::run(&connection, &clock, prosumers, shares, reporting, rate, &chain.name, &say)
			.await;
	let logs = chain.logs();
	chain.stop().await?;
	let mut result = outcome?;
	add_proposal_times(&mut result.blocks, &logs);
	say(&format!(
		"  {} shares included in {:.1} s, finalized in {:.1} s, {:.0} % in the next block, {:.0} % within two",
		result.reports,
		result.all_included_s,
		result.all_finalized_s,
		result.within_one_block * 100.0,
		result.within_two_blocks * 100.0
	));
	results.trading.retain(|old| {
		!(old.network == result.network
			&& old.relayed == result.relayed
			&& old.prosumers == prosumers
			&& old.shares == shares
			&& old.rate == rate)
	});
	results.trading.push(result);
	results.save(path)
}

async fn finality_lag(
	results: &mut Results,
	path: &std::path::Path,
	blocks: u64,
	voting_rule: &str,
) -> Result<()> {
	let now = now_ms()?;
	let chain = Chain::local(&Clock::starting_after(now)).await?;
	let connection = connect(&chain).await?;
	let outcome = finality::run(&chain, &connection, blocks, voting_rule, &say).await;
	chain.stop().await?;
	results.add_finality(outcome?);
	results.save(path)
}

fn write_report(results: &Results) -> Result<()> {
	let dir = results_dir()?;
	std::fs::create_dir_all(&dir)?;
	report::plot(results, &dir.join("round-growth.png"))?;
	if report::relayed_capacity(results).is_some() {
		report::plot_trading(results, &dir.join("trading-load.png"))?;
	}
	let pallets = workspace::find("pallets")?;
	let page = report::render(
		results,
		&pallets,
		"performance/round-growth.png",
		"performance/trading-load.png",
	)?;
	let out = dir.join("../performance.md");
	std::fs::write(&out, page)?;
	say(&format!("wrote {}", out.display()));
	Ok(())
}

fn mode_of(batch: u32) -> Mode {
	if batch == 0 {
		Mode::Single
	} else {
		Mode::Batch(batch)
	}
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	let path = cli.files.results(results_dir)?;
	let mut results = Results::load(&path)?;
	let dataset = || cli.files.dataset();
	let mut cache = ProofCache::open(&proofs::default_dir())?;
	match cli.command {
		Command::Prove { prosumers } => {
			cache.proofs(prosumers, say)?;
		},
		Command::Round { network, prosumers, batch, rate } => {
			round(&mut results, &path, &mut cache, network, prosumers, mode_of(batch), rate)
				.await?;
		},
		Command::Trading { prosumers, shares, rate, direct } => {
			let reporting = if direct { Reporting::Direct } else { Reporting::Relayed };
			trading_slot(&mut results, &path, prosumers, shares, reporting, rate).await?;
		},
		Command::Finality { blocks, voting_rule } => {
			finality_lag(&mut results, &path, blocks, &voting_rule).await?;
		},
		Command::Edge { hours } => {
			results.edge = Some(edge::run(&dataset()?, hours, &say).await?);
			results.save(&path)?;
		},
		Command::Report => write_report(&results)?,
		Command::All { load, large, batch } => {
			cache.proofs(large.max(2 * load), say)?;
			// The edge box first, while this process is small: its proving
			// peak is read from this process's high-water mark.
			results.edge = Some(edge::run(&dataset()?, 24, &say).await?);
			results.save(&path)?;
			for factor in [1, 2, 4, 8] {
				let prosumers = load * factor / 4;
				for mode in [Mode::Single, Mode::Batch(batch)] {
					round(&mut results, &path, &mut cache, NetworkKind::Dev, prosumers, mode, None)
						.await?;
				}
			}
			round(
				&mut results,
				&path,
				&mut cache,
				NetworkKind::Dev,
				large,
				Mode::Batch(batch),
				None,
			)
			.await?;
			for mode in [Mode::Single, Mode::Batch(batch)] {
				round(&mut results, &path, &mut cache, NetworkKind::Local, load, mode, None)
					.await?;
			}
			for reporting in [Reporting::Direct, Reporting::Relayed] {
				trading_slot(&mut results, &path, 5_000, 8, reporting, None).await?;
			}
			// Throughput against load: relayed shares offered at shares of
			// the capacity the unlimited run found.
			if let Some(capacity) = report::relayed_capacity(&results) {
				results.trading.retain(|old| !(old.relayed && old.rate.is_some()));
				for load in TRADING_LOADS {
					let rate = Some(load * capacity);
					trading_slot(&mut results, &path, 5_000, 8, Reporting::Relayed, rate).await?;
				}
			}
			finality_lag(&mut results, &path, 40, VOTING_RULE).await?;
			write_report(&results)?;
		},
	}
	Ok(())
}
