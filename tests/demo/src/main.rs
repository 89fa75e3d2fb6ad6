//! `gridveil-demo` (run by `make demo`): four validators, the reference
//! dataset's 51 households with one real edge box each, a compressed day of
//! demand response and trading, its liquidation, and a summary. Ctrl-C stops
//! everything.

use std::{io::Write, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Result;
use clap::Parser;
use gridveil_demo::{dataset_path, report_grace_slots, Demo, Options};
use gridveil_harness::network::VALIDATORS;

/// Runs the GridVeil demo on this machine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
	/// Households (the dataset has 51).
	#[arg(long, default_value_t = 51)]
	prosumers: usize,
	/// Households, the first ones, in a 24-hour demand-response program.
	#[arg(long, default_value_t = 6)]
	programs: usize,
	/// Ledgers in each group: the shares (and pseudonyms) of each household.
	#[arg(long, default_value_t = 3)]
	ledgers: u32,
	/// Where the network, keys, stores and logs go (default: a new folder
	/// under the system's temporary directory, kept afterwards).
	#[arg(long)]
	dir: Option<PathBuf>,
	/// Keep the network and the boxes running after the summary, until Ctrl-C.
	#[arg(long)]
	keep_running: bool,
	/// The reference dataset the boxes replay (default:
	/// `edge-client/data/community-2016-15min.csv.gz` of the checkout this
	/// runs in, or under `$GRIDVEIL_ROOT`).
	#[arg(long)]
	dataset: Option<PathBuf>,
	/// Validators (1–4: alice, bob, charlie, dave).
	#[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=4))]
	validators: u8,
	/// The slot the day is timed around, ms (a day is 96 slots; 6,000 is
	/// one block a slot and a 9.6-minute day).
	#[arg(long, default_value_t = 6_000, value_parser = clap::value_parser!(u64).range(1_000..))]
	slot_ms: u64,
	/// Slots after a slot in which its shares are still taken (default: 48
	/// seconds' worth, so a report survives a validator's empty Aura slots).
	#[arg(long)]
	report_grace_slots: Option<u32>,
	/// Consecutive trading days (each with fresh pseudonyms the
	/// coordinators register); the summary checks the first.
	#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=7))]
	days: u32,
}

fn say(line: &str) {
	eprintln!("\r\x1b[2K▸ {line}");
}

/// The demo until its summary; `Ok(false)` if a conservation check failed.
async fn run(demo: &mut Demo, keep_running: bool) -> Result<bool> {
	eprintln!("\n{}", demo.directions());
	demo.follow(|line| {
		eprint!("\r\x1b[2K  {line}");
		let _ = std::io::stderr().flush();
	})
	.await?;
	eprintln!();
	let summary = demo.summary().await?;
	println!("\n{}", summary.text);
	let conserved = summary.energy_conserved_slots == 96 && summary.money_conserved;
	println!(
		"{}",
		if conserved {
			"Energy and money are conserved."
		} else {
			"CONSERVATION CHECK FAILED: see the lines above."
		}
	);
	if keep_running {
		eprintln!("\nThe network keeps running; press Ctrl-C to stop it.");
		std::future::pending::<()>().await;
	}
	Ok(conserved)
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	let dir = cli.dir.unwrap_or_else(|| {
		std::env::temp_dir().join(format!("gridveil-demo-{}", gridveil_edge::now_ms() / 1_000))
	});
	let dataset = match cli.dataset.map(Ok).unwrap_or_else(dataset_path) {
		Ok(dataset) => dataset,
		Err(error) => {
			eprintln!("gridveil-demo: {error:#}");
			return ExitCode::FAILURE;
		},
	};
	let mut options = Options::new(dir, dataset);
	options.prosumers = cli.prosumers;
	options.programs = cli.programs.min(cli.prosumers);
	options.ledgers_per_group = cli.ledgers;
	options.validators = usize::from(cli.validators);
	options.slot_length_ms = cli.slot_ms;
	options.days = cli.days;
	options.report_grace_slots =
		cli.report_grace_slots.unwrap_or_else(|| report_grace_slots(cli.slot_ms));
	let box_nodes = &VALIDATORS[..options.validators];

	let mut demo = tokio::select! {
		started = Demo::start(options, box_nodes, say) => match started {
			Ok(demo) => demo,
			Err(error) => {
				eprintln!("\ngridveil-demo: {error:#}");
				return ExitCode::FAILURE;
			},
		},
		_ = tokio::signal::ctrl_c() => {
			eprintln!("\nstopped before the network was up");
			return ExitCode::from(130);
		},
	};
	let outcome = tokio::select! {
		outcome = run(&mut demo, cli.keep_running) => Some(outcome),
		_ = tokio::signal::ctrl_c() => None,
	};
	say("stopping the boxes and the network");
	for edge in &mut demo.boxes {
		edge.process.terminate(Duration::from_secs(3));
	}
	if let Err(error) = demo.stop().await {
		eprintln!("gridveil-demo: {error:#}");
	}
	match outcome {
		None => ExitCode::from(130),
		Some(Ok(true)) => ExitCode::SUCCESS,
		Some(Ok(false)) => ExitCode::FAILURE,
		Some(Err(error)) => {
			eprintln!("gridveil-demo: {error:#}");
			ExitCode::FAILURE
		},
	}
}
