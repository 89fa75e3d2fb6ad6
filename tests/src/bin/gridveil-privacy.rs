//! `gridveil-privacy`: the profiling adversary of the paper and the ones it
//! ignored, measured; writes `docs/privacy/results.json`, and `report`
//! renders `docs/privacy.md`. `make privacy` runs `all`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use gridveil_tests::{
	demo::dataset_path,
	privacy::{
		community::Community,
		paper::{self, gridveil_splitter, paper_splitter, Experiment},
		report::{self, PAPER_SHARES},
		results::Results,
		results_dir,
	},
};

#[derive(Parser)]
#[command(about = "Measures how well profiling adversaries do against GridVeil's shares")]
struct Cli {
	/// The results file to add to.
	#[arg(long, global = true)]
	results: Option<PathBuf>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The paper's experiment (its Figure 7), with the paper's split and the edge client's.
	Paper {
		/// Classify one day in this many (1: every day of the year).
		#[arg(long, default_value_t = 7)]
		day_step: usize,
		/// Seed of the splits and of k-means.
		#[arg(long, default_value_t = 2016)]
		seed: u64,
		/// The largest |Γ| (from 2).
		#[arg(long, default_value_t = 51)]
		max_profiles: usize,
	},
	/// Renders docs/privacy.md from the results.
	Report,
	/// Everything docs/privacy.md shows, then the page.
	All {
		/// Classify one day in this many (1: every day of the year, about 30
		/// minutes on 2 cores; 7: about 5).
		#[arg(long, default_value_t = 7)]
		day_step: usize,
	},
}

fn say(line: &str) {
	println!("[privacy] {line}");
}

fn paper_experiments(
	results: &mut Results,
	day_step: usize,
	seed: u64,
	max_profiles: usize,
) -> Result<()> {
	let community = Community::load(&dataset_path())?;
	say(&format!(
		"{} prosumers, {} days; values {:?} Wh",
		community.prosumers.len(),
		community.day_count(),
		community.range()
	));
	let base = Experiment {
		slot_minutes: vec![15, 30],
		profiles: (2..=max_profiles.min(community.prosumers.len())).collect(),
		shares: PAPER_SHARES.to_vec(),
		day_step,
		splitter: paper_splitter,
		seed,
	};
	say("the paper's split");
	results.paper_split = paper::run(&community, &base, &say)?;
	say("the edge client's split");
	results.gridveil_split =
		paper::run(&community, &Experiment { splitter: gridveil_splitter, ..base }, &say)?;
	results.day_step = day_step;
	results.seed = seed;
	Ok(())
}

fn render(results: &Results) -> Result<()> {
	let dir = results_dir();
	std::fs::create_dir_all(&dir)?;
	let paper_plots =
		report::plots(&results.paper_split, "figure7-paper-split", "The paper's split", &dir)?;
	let gridveil_plots = report::plots(
		&results.gridveil_split,
		"figure7-edge-split",
		"The edge client's split",
		&dir,
	)?;
	let page = report::render(results, &paper_plots, &gridveil_plots)?;
	let path = dir.join("../privacy.md");
	std::fs::write(&path, page)?;
	say(&format!("wrote {}", path.display()));
	Ok(())
}

fn main() -> Result<()> {
	let cli = Cli::parse();
	let path = cli.results.unwrap_or_else(|| results_dir().join("results.json"));
	let mut results = Results::load(&path)?;
	match cli.command {
		Command::Paper { day_step, seed, max_profiles } => {
			paper_experiments(&mut results, day_step, seed, max_profiles)?;
			results.save(&path)?;
		},
		Command::Report => render(&results)?,
		Command::All { day_step } => {
			paper_experiments(&mut results, day_step, 2016, 51)?;
			results.save(&path)?;
			render(&results)?;
		},
	}
	Ok(())
}
