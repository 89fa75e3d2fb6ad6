//! `gridveil-demo` (run by `make demo`): four validators, the reference
//! dataset's 51 households with one real edge box each, a compressed day of
//! demand response and trading, its liquidation, and a summary. Ctrl-C stops
//! everything.

use std::{io::Write, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Result;
use clap::Parser;
use gridveil_tests::demo::{Demo, Options};

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
	let mut options = Options::new(dir);
	options.prosumers = cli.prosumers;
	options.programs = cli.programs.min(cli.prosumers);
	options.ledgers_per_group = cli.ledgers;

	let mut demo = tokio::select! {
		started = Demo::start(options, &["alice", "bob", "charlie", "dave"], say) => match started {
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
