//! `gridveil-privacy`: the profiling adversary of the paper and the ones it
//! ignored, measured; writes `docs/privacy/results.json`, and `report`
//! renders `docs/privacy.md`. `make privacy` runs `all`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};
use gridveil_demo::Defences;
use gridveil_privacy::{
	averaging,
	community::Community,
	fingerprints,
	onchain::{self, RunPlan},
	paper::{self, gridveil_splitter, paper_splitter, Experiment},
	profiles::Profiles,
	report::{self, PAPER_SHARES},
	results::Results,
	results_dir,
	rotation::{self, Setting},
};
use gridveil_report::files::Files;

#[derive(Parser)]
#[command(about = "Measures how well profiling adversaries do against GridVeil's shares")]
struct Cli {
	#[command(flatten)]
	files: Files,
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
	/// The demo's trading day on four validators with one real edge box per
	/// prosumer, then the adversaries on what the chain published (about 15
	/// minutes a run).
	Chain {
		/// The defences: `on` (the edge client's defaults), `off` (all off),
		/// or the ones to turn off, comma-separated: random-shares, jitter,
		/// feeless, batched-registration.
		#[arg(long, default_value = "on")]
		defences: String,
		/// Prosumers (the dataset has 51).
		#[arg(long, default_value_t = 51)]
		prosumers: usize,
		/// Ledgers per group: the shares each prosumer reports.
		#[arg(long, default_value_t = 5)]
		ledgers: u32,
		/// Consecutive days (rotation: each a fresh pseudonym per ledger);
		/// with more than one, the cross-day linker runs on the chain's days.
		#[arg(long, default_value_t = 1)]
		days: u32,
		/// Where the network and the boxes go (default: a new temporary folder).
		#[arg(long)]
		dir: Option<PathBuf>,
		/// Attack a finished run again instead, from a node restarted on one
		/// of its validators' databases at this WebSocket URL (`--dir` is the
		/// run's folder; the run keeps its name, energy check and minutes).
		#[arg(long, requires = "dir")]
		read_from: Option<String>,
	},
	/// Tries to recover real hours' readings from their public fingerprints
	/// by search: circuit v1's unblinded fingerprints, then v2's blinded
	/// ones, with the same search. Prints the figures (one core).
	Fingerprints {
		/// Hours to attack (night hours inside the bounds, one per household).
		#[arg(long, default_value_t = FINGERPRINT_HOURS)]
		hours: usize,
		/// The largest first reading the search tries, Wh.
		#[arg(long, default_value_t = fingerprints::Bounds::NIGHT.max_first_wh)]
		max_first_wh: u64,
		/// The largest change between consecutive readings it tries, Wh.
		#[arg(long, default_value_t = fingerprints::Bounds::NIGHT.max_step_wh)]
		max_step_wh: u64,
	},
	/// Rotation (pseudonyms that live one day): the cross-day linker on
	/// every pair of consecutive days of 2016 and the averaging adversary
	/// over D = 1, 7, 30 and 366 days with rotation on and off, for one n
	/// and spread or the whole sweep (offline; prints the figures).
	Rotation {
		/// n: ledgers per group, and so shares per prosumer.
		#[arg(long, default_value_t = report::AVERAGING_SHARES)]
		shares: usize,
		/// The box's share spread, Wh per 15 minutes.
		#[arg(long, default_value_t = gridveil_edge::config::DEFAULT_SPREAD_WH)]
		spread_wh: i64,
		/// Every setting of the sweep instead (`rotation::SWEEP`; n = 5 with
		/// two more seeds, `rotation::REPEATS`).
		#[arg(long)]
		sweep: bool,
		/// One-day rows: one day in this many (windows of D days at least
		/// this many days apart).
		#[arg(long, default_value_t = 7)]
		day_step: usize,
		/// Seed of the splits, the modelled timing and the linkers' coins.
		#[arg(long, default_value_t = 2016)]
		seed: u64,
	},
	/// Renders docs/privacy.md from the results.
	Report,
	/// Everything docs/privacy.md shows, then the page: the paper's
	/// experiment, the fingerprint search, rotation's sweep, a day on chain
	/// with the defaults and one with every defence off.
	All {
		/// Classify one day in this many (1: every day of the year, about 30
		/// minutes on 2 cores; 7: about 5).
		#[arg(long, default_value_t = 7)]
		day_step: usize,
		/// Only the paper's experiment, no runs on chain.
		#[arg(long)]
		skip_chain: bool,
	},
}

/// `on`, `off`, or the defences to turn off; with the run's name.
fn parse_defences(text: &str) -> Result<(Defences, String)> {
	match text {
		"on" => return Ok((Defences::ALL, "defaults on".into())),
		"off" => return Ok((Defences::NONE, "every defence off".into())),
		_ => {},
	}
	let mut defences = Defences::ALL;
	for name in text.split(',').map(str::trim) {
		match name {
			"random-shares" => defences.random_shares = false,
			"jitter" => defences.jittered_timing = false,
			"feeless" => defences.feeless_reports = false,
			"batched-registration" => defences.batched_registration = false,
			other => anyhow::bail!(
				"unknown defence {other:?}: on, off, or random-shares, jitter, feeless, \
				 batched-registration"
			),
		}
	}
	Ok((defences, format!("off: {text}")))
}

/// What a run on chain is asked for (`gridveil-privacy chain`'s arguments).
struct ChainRequest {
	defences: String,
	prosumers: usize,
	ledgers: u32,
	days: u32,
	dir: Option<PathBuf>,
	read_from: Option<String>,
}

impl ChainRequest {
	/// A new run of 51 prosumers, n = 5, with `defences` over `days` days.
	fn new(defences: &str, days: u32) -> Self {
		Self {
			defences: defences.into(),
			prosumers: 51,
			ledgers: 5,
			days,
			dir: None,
			read_from: None,
		}
	}
}

/// Days the run with the defaults on lasts in `gridveil-privacy all`: two
/// pairs of consecutive days for the cross-day linker.
const ALL_DAYS_ON: u32 = 3;

/// One run on chain, added to `results` (replacing a run of the same name).
fn chain_run(results: &mut Results, dataset: &Path, request: ChainRequest) -> Result<()> {
	let ChainRequest { defences, prosumers, ledgers, days, dir, read_from } = request;
	let (defences, name) = parse_defences(&defences)?;
	let community = Community::load(dataset)?;
	let fitted: Vec<Profiles> = (2..=community.prosumers.len())
		.map(|count| Profiles::fit(&community.days, count, 2016))
		.collect::<Result<_>>()?;
	let dir = dir.unwrap_or_else(|| {
		std::env::temp_dir().join(format!("gridveil-privacy-{}", gridveil_edge::now_ms() / 1_000))
	});
	say(&format!(
		"{name}: {prosumers} prosumers, {ledgers} ledgers a group, {days} day(s), in {}",
		dir.display()
	));
	let plan = RunPlan {
		name,
		defences,
		prosumers,
		ledgers,
		days,
		dir,
		dataset: dataset.into(),
		seed: 2016,
	};
	let runtime = tokio::runtime::Runtime::new()?;
	let run = match read_from {
		None => runtime.block_on(onchain::run(&plan, &community, &fitted, &say))?,
		Some(url) => {
			let earlier = results.chain.iter().find(|run| run.name == plan.name).cloned();
			let mut run =
				runtime.block_on(onchain::attack_again(&url, &plan, &community, &fitted))?;
			if let Some(earlier) = earlier {
				run.energy_conserved_slots = earlier.energy_conserved_slots;
				run.minutes = earlier.minutes;
			}
			run
		},
	};
	say(&format!(
		"{}: {} of {} reports, scan {}, {:.1} minutes",
		run.name,
		run.reports,
		run.expected_reports,
		if run.findings.clean() { "clean" } else { "found something" },
		run.minutes
	));
	for linkage in &run.crossday {
		say(&format!(
			"{}: cross-day {} links {:.2} % right of {} (chance {:.2} %, guessing's gap {:.2} pp)",
			run.name,
			linkage.linker.name(),
			linkage.accuracy() * 100.0,
			linkage.pseudonyms,
			linkage.chance * 100.0,
			linkage.guessing_gap * 100.0
		));
	}
	results.chain.retain(|old| old.name != run.name);
	results.chain.push(run);
	Ok(())
}

fn say(line: &str) {
	println!("[privacy] {line}");
}

fn paper_experiments(
	results: &mut Results,
	dataset: &Path,
	day_step: usize,
	seed: u64,
	max_profiles: usize,
) -> Result<()> {
	let community = Community::load(dataset)?;
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
	say("long-lived pseudonyms: each one's shares averaged over D days");
	let fitted: Vec<Profiles> = report::AVERAGING_PROFILES
		.iter()
		.filter(|count| **count <= community.prosumers.len())
		.map(|count| Profiles::fit(&community.days, *count, seed))
		.collect::<Result<_>>()?;
	results.averaging.clear();
	let splitters: [(&str, fn(&Community, usize) -> paper::Splitter); 2] =
		[("paper", paper_splitter), ("edge", gridveil_splitter)];
	for (name, splitter) in splitters {
		results.averaging.extend(averaging::run(
			&community,
			name,
			splitter(&community, 15),
			report::AVERAGING_SHARES,
			&report::AVERAGING_DAYS,
			&fitted,
			seed,
		)?);
	}
	Ok(())
}

/// Measures each of `settings` (n, spread, seed) with rotation on and off,
/// each replacing a run of the same n, spread and seed in `results`, saving
/// to `path` after each.
fn rotation_runs(
	results: &mut Results,
	path: &Path,
	dataset: &Path,
	settings: &[(usize, i64, u64)],
	day_step: usize,
) -> Result<()> {
	let community = Community::load(dataset)?;
	let fitted: Vec<Profiles> = rotation::profile_counts(community.prosumers.len())
		.into_iter()
		.map(|count| Profiles::fit(&community.days, count, 2016))
		.collect::<Result<_>>()?;
	for &(shares, spread_wh, seed) in settings {
		say(&format!(
			"rotation: n = {shares}, spread ±{spread_wh} Wh, seed {seed}, one day in {day_step}"
		));
		let setting = Setting { shares, spread_wh, day_step, seed };
		let run = rotation::run(&community, &fitted, &setting, &say)?;
		print_rotation(&run);
		results
			.rotation
			.retain(|old| (old.shares, old.spread_wh, old.seed) != (shares, spread_wh, seed));
		results.rotation.push(run);
		results.rotation.sort_by_key(|run| (run.shares, run.spread_wh, run.seed));
		results.save(path)?;
	}
	Ok(())
}

/// Prints a rotation run's figures: the linkers, then the averaging
/// adversary's worst balanced gaps.
fn print_rotation(run: &rotation::RotationRun) {
	for linkage in &run.linkage {
		say(&format!(
			"  cross-day, {}: {:.2} % ± {:.2} right of {} (chance {:.2} %, guessing's gap {:.2} pp)",
			linkage.linker.name(),
			linkage.accuracy() * 100.0,
			linkage.half_width * 100.0,
			linkage.pseudonyms,
			linkage.chance * 100.0,
			linkage.guessing_gap * 100.0
		));
	}
	for days in rotation::AVERAGED_DAYS {
		for rotation_on in [false, true] {
			let points = run.points(rotation_on, days);
			let Some((gap, at)) = report::worst_gap(&points, paper::Point::balanced_accuracy)
			else {
				continue;
			};
			say(&format!(
				"  {days} days, rotation {}: worst balanced gap {:.1} pp at |Γ| = {at} \
				 (guessing's gap {:.1} pp, {} rows)",
				if rotation_on { "on" } else { "off" },
				gap * 100.0,
				report::guessing_gap(&points, 2016) * 100.0,
				points.first().map_or(0, |point| point.trials)
			));
		}
	}
	say(&format!("  {:.0} s", run.seconds));
}

/// Night hours the fingerprint search attacks by default.
const FINGERPRINT_HOURS: usize = 10;

/// Brute-forces `hours` real night hours' v1 and v2 fingerprints and says
/// what it found.
fn fingerprint_attack(
	dataset: &Path,
	hours: usize,
	bounds: fingerprints::Bounds,
) -> Result<fingerprints::Attack> {
	let community = Community::load(dataset)?;
	let sample = fingerprints::sample_hours(dataset, &community.prosumers, bounds, hours)?;
	println!(
		"attacking {} real night hours (first reading ≤ {} Wh, steps ≤ {} Wh)",
		sample.len(),
		bounds.max_first_wh,
		bounds.max_step_wh
	);
	let attack = fingerprints::attack(&sample, bounds);
	println!(
		"v1 (unblinded): {} of {} hours recovered exactly, median {:.1} s, max {:.1} s",
		attack.v1_recovered,
		attack.hours,
		attack.v1_median_s(),
		attack.v1_max_s()
	);
	println!(
		"v2 (blinded):   {} of {} hours recovered; the whole search ran {:.1} s an hour",
		attack.v2_recovered,
		attack.hours,
		attack.v2_median_s()
	);
	println!("{:.0} Poseidon hashes a second on one core", attack.hashes_per_second);
	Ok(attack)
}

fn render(results: &Results) -> Result<()> {
	let dir = results_dir()?;
	std::fs::create_dir_all(&dir)?;
	let paper_plots =
		report::plots(&results.paper_split, "figure7-paper-split", "The paper's split", &dir)?;
	let gridveil_plots = report::plots(
		&results.gridveil_split,
		"figure7-edge-split",
		"The edge client's split",
		&dir,
	)?;
	let chain_plots = report::chain_plots(&results.chain, &dir)?;
	let page = report::render(results, &paper_plots, &gridveil_plots, &chain_plots)?;
	let path = dir.join("../privacy.md");
	std::fs::write(&path, page)?;
	say(&format!("wrote {}", path.display()));
	Ok(())
}

fn main() -> Result<()> {
	let cli = Cli::parse();
	let path = cli.files.results(results_dir)?;
	let dataset = cli.files.dataset()?;
	let mut results = Results::load(&path)?;
	match cli.command {
		Command::Paper { day_step, seed, max_profiles } => {
			paper_experiments(&mut results, &dataset, day_step, seed, max_profiles)?;
			results.save(&path)?;
		},
		Command::Chain { defences, prosumers, ledgers, days, dir, read_from } => {
			let request = ChainRequest { defences, prosumers, ledgers, days, dir, read_from };
			chain_run(&mut results, &dataset, request)?;
			results.save(&path)?;
		},
		Command::Fingerprints { hours, max_first_wh, max_step_wh } => {
			let bounds = fingerprints::Bounds { max_first_wh, max_step_wh };
			results.fingerprints = Some(fingerprint_attack(&dataset, hours, bounds)?);
			results.save(&path)?;
		},
		Command::Rotation { shares, spread_wh, sweep, day_step, seed } => {
			let settings =
				if sweep { rotation::sweep(seed) } else { vec![(shares, spread_wh, seed)] };
			rotation_runs(&mut results, &path, &dataset, &settings, day_step)?;
		},
		Command::Report => render(&results)?,
		Command::All { day_step, skip_chain } => {
			paper_experiments(&mut results, &dataset, day_step, 2016, 51)?;
			results.save(&path)?;
			results.fingerprints =
				Some(fingerprint_attack(&dataset, FINGERPRINT_HOURS, fingerprints::Bounds::NIGHT)?);
			results.save(&path)?;
			rotation_runs(&mut results, &path, &dataset, &rotation::sweep(2016), day_step)?;
			if !skip_chain {
				for (defences, days) in [("on", ALL_DAYS_ON), ("off", 1)] {
					chain_run(&mut results, &dataset, ChainRequest::new(defences, days))?;
					results.save(&path)?;
				}
			}
			render(&results)?;
		},
	}
	Ok(())
}
