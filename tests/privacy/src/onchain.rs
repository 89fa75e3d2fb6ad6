//! The adversaries on a real chain: the demo's trading day (four validators,
//! one real edge box per prosumer) run with chosen defences, then everything
//! the chain published read back over RPC, as anybody can. From that view
//! alone: the paper's profiling of each pseudonym's day, the linkage attacks
//! and the profiling of each group of pseudonyms they put together, and the
//! scan for readings, requests and links.

use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
	str::FromStr,
	time::{Duration, Instant},
};

use anyhow::{Context, Result};
use gridveil_circuits::READINGS_PER_HOUR;
use gridveil_edge::ingest::Dataset;
use gridveil_groth16::{scalar_to_bytes, Scalar};
use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use super::{
	chain_linkage,
	chain_view::{self, ChainView},
	community::{Community, SLOTS_PER_DAY},
	linkage::{self, Attack, Features},
	paper::{score, Point},
	profiles::Profiles,
	rotation::CrossDayLinkage,
	scan::{self, Findings, Secrets},
};
use gridveil_demo::{
	actors::{account, Actors, GROUPS},
	setup::{day_readings, DemoProgram},
	Defences, Demo, Options, LEAD_MS,
};
use gridveil_harness::{
	chain::{self, Client, Rpc},
	network::{Clock, VALIDATORS},
	workspace::users_beside,
};

/// One attack's outcome on one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttackOutcome {
	/// The attack.
	pub attack: Attack,
	/// Pairs it put together (a first-ledger pseudonym and one of another
	/// ledger), and how many of them belong to one prosumer.
	pub pairs: usize,
	/// Of those, right.
	pub pairs_right: usize,
	/// What linking at random gets right: 1 / (the group's members), over the pairs.
	pub pairs_by_chance: f64,
	/// Groups of n pseudonyms it formed, and how many are one prosumer's exactly.
	pub tuples: usize,
	/// Of those, right.
	pub tuples_right: usize,
	/// The profiling of what it formed, by |Γ| (each pseudonym's day times
	/// n for [`Attack::None`]; each group's shares summed again otherwise).
	pub profiling: Vec<Point>,
}

impl AttackOutcome {
	/// The share of pairs linked rightly.
	pub fn pair_accuracy(&self) -> f64 {
		self.pairs_right as f64 / self.pairs.max(1) as f64
	}
}

/// One run on chain.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainRun {
	/// Its name on the page.
	pub name: String,
	/// The defences it ran with.
	pub defences: Defences,
	/// Prosumers (one box each).
	pub prosumers: usize,
	/// Ledgers per group: n.
	pub ledgers: u32,
	/// The dataset's day the boxes replayed first (0 = 1 January 2016).
	pub dataset_day: usize,
	/// Consecutive days run (the attacks of one day are on the first).
	#[serde(default = "one_day")]
	pub days: u32,
	/// The boxes' share spread, Wh (0: shares equal, random shares off).
	#[serde(default)]
	pub spread_wh: i64,
	/// Blocks read.
	pub blocks: u64,
	/// Share reports on chain for the day, and how many the boxes had to send.
	pub reports: usize,
	/// Prosumers × ledgers × 96.
	pub expected_reports: usize,
	/// Slots whose root net equals the prosumers' net readings.
	pub energy_conserved_slots: u32,
	/// Every attack, [`Attack::None`] first.
	pub attacks: Vec<AttackOutcome>,
	/// Each prosumer's own pseudonyms summed: what a perfect linker profiles.
	pub linked_truly: Vec<Point>,
	/// The cross-day linker on every pair of consecutive days, one outcome
	/// per linker (empty for a run of one day).
	#[serde(default)]
	pub crossday: Vec<CrossDayLinkage>,
	/// The scan.
	pub findings: Findings,
	/// Minutes the run took.
	pub minutes: f64,
}

fn one_day() -> u32 {
	1
}

/// What only the harness knows: whose each pseudonym is.
pub struct Truth {
	/// Pseudonym → the prosumer's index in the dataset (the community's order).
	pub owner_of: BTreeMap<AccountId32, usize>,
	/// Each group's ledgers (public: the tree is on chain).
	pub groups: Vec<Vec<u32>>,
}

/// The sum of `pseudonyms`' days.
fn summed(days: &BTreeMap<AccountId32, Vec<f64>>, pseudonyms: &[AccountId32]) -> Vec<f64> {
	let mut sum = vec![0.0; SLOTS_PER_DAY];
	for day in pseudonyms.iter().filter_map(|pseudonym| days.get(pseudonym)) {
		for (total, share) in sum.iter_mut().zip(day) {
			*total += share;
		}
	}
	sum
}

/// Profiles `rows` (owned by `owners`) at every fitted |Γ|.
fn profile_all(
	fitted: &[Profiles],
	rows: &[Vec<f64>],
	owners: &[usize],
	shares: usize,
) -> Result<Vec<Point>> {
	fitted
		.iter()
		.map(|profiles| Ok(score(profiles, rows, owners)?.point(15, profiles, shares)))
		.collect()
}

/// Every attack on `view`, and the perfect linker, from the chain's data
/// (reports, registrations, transfers, and `days`, each pseudonym's day as
/// [`ChainView::reported_days`] rebuilds it) and the public tree; `truth` only scores.
pub fn attack(
	view: &ChainView,
	days: &BTreeMap<AccountId32, Vec<f64>>,
	truth: &Truth,
	fitted: &[Profiles],
	seed: u64,
) -> Result<(Vec<AttackOutcome>, Vec<Point>)> {
	let ledgers = view.ledgers();
	let groups: Vec<Vec<Vec<AccountId32>>> = truth
		.groups
		.iter()
		.map(|group| {
			group.iter().map(|ledger| ledgers.get(ledger).cloned().unwrap_or_default()).collect()
		})
		.collect();
	let shares = groups.first().map_or(1, Vec::len);
	let features = Features::of(view);
	let mut outcomes = Vec::new();
	for attack in std::iter::once(Attack::None).chain(Attack::LINKING) {
		let (mut rows, mut owners) = (Vec::new(), Vec::new());
		let mut outcome = AttackOutcome {
			attack,
			pairs: 0,
			pairs_right: 0,
			pairs_by_chance: 0.0,
			tuples: 0,
			tuples_right: 0,
			profiling: Vec::new(),
		};
		let mut chance = 0.0;
		for group in &groups {
			let members = group.first().map_or(0, Vec::len).max(1);
			for tuple in linkage::link(&features, group, attack, seed) {
				let Some(owner) = truth.owner_of.get(&tuple[0]) else { continue };
				if attack != Attack::None {
					let right = tuple[1..]
						.iter()
						.filter(|pseudonym| truth.owner_of.get(*pseudonym) == Some(owner))
						.count();
					outcome.pairs += tuple.len() - 1;
					outcome.pairs_right += right;
					chance += (tuple.len() - 1) as f64 / members as f64;
					outcome.tuples += 1;
					outcome.tuples_right += usize::from(right == tuple.len() - 1);
				}
				let mut row = summed(days, &tuple);
				if attack == Attack::None {
					// One share of n, scaled up to a whole prosumer (exactly its
					// day when the shares are equal).
					row.iter_mut().for_each(|value| *value *= shares as f64);
				}
				rows.push(row);
				owners.push(*owner);
			}
		}
		outcome.pairs_by_chance = chance / outcome.pairs.max(1) as f64;
		let shares_in_row = if attack == Attack::None { shares } else { 1 };
		outcome.profiling = profile_all(fitted, &rows, &owners, shares_in_row)?;
		outcomes.push(outcome);
	}
	let mut by_owner: BTreeMap<usize, Vec<AccountId32>> = BTreeMap::new();
	for (pseudonym, owner) in &truth.owner_of {
		by_owner.entry(*owner).or_default().push(pseudonym.clone());
	}
	let (owners, rows): (Vec<usize>, Vec<Vec<f64>>) =
		by_owner.iter().map(|(owner, pseudonyms)| (*owner, summed(days, pseudonyms))).unzip();
	let linked_truly = profile_all(fitted, &rows, &owners, 1)?;
	Ok((outcomes, linked_truly))
}

/// A program's request file: `{"request": [24 × Wh], "salt": "<decimal>"}`.
#[derive(Deserialize)]
struct RequestFile {
	request: Vec<u64>,
	salt: String,
}

/// What the scan looks for in a demo run: every box's readings of the
/// (first) day, every program's request and salt, every prosumer's accounts
/// and its pseudonyms of every day of the run.
fn secrets(
	dataset: &Path,
	actors: &Actors,
	programs: &[DemoProgram],
	clock: &Clock,
	days: u32,
) -> Result<Secrets> {
	let mut secrets = Secrets::default();
	for prosumer in &actors.prosumers {
		let dataset = Dataset::load(dataset, &prosumer.column())?;
		let readings = day_readings(&dataset, clock);
		secrets.readings.push([
			readings.iter().map(|reading| reading.net_wh()).collect(),
			readings.iter().map(|reading| reading.import_wh as i64).collect(),
			readings.iter().map(|reading| reading.export_wh as i64).collect(),
		]);
		secrets.identities.push(vec![account(&prosumer.account), account(&prosumer.device)]);
		secrets.pseudonyms.push(
			(clock.day..clock.day + days)
				.flat_map(|day| prosumer.pseudonyms(day))
				.map(|pseudonym| account(&pseudonym))
				.collect(),
		);
	}
	for program in programs {
		let file: RequestFile = serde_json::from_slice(&std::fs::read(&program.request_file)?)
			.with_context(|| format!("{}", program.request_file.display()))?;
		let salt = Scalar::from_str(&file.salt)
			.map_err(|_| anyhow::anyhow!("the salt in {}", program.request_file.display()))?;
		secrets.requests.push(file.request);
		secrets.salts.push(scalar_to_bytes(&salt));
		let [_, import, _] = &secrets.readings[program.prosumer];
		secrets.program_consumption.push((
			program.program_id,
			import.chunks(READINGS_PER_HOUR).map(|hour| hour.iter().sum()).collect(),
		));
	}
	Ok(secrets)
}

/// How a run is set up.
#[derive(Clone, Debug)]
pub struct RunPlan {
	/// Its name on the page.
	pub name: String,
	/// Its defences.
	pub defences: Defences,
	/// Prosumers (at most 51).
	pub prosumers: usize,
	/// Ledgers per group.
	pub ledgers: u32,
	/// Consecutive days (rotation: a fresh pseudonym each day).
	pub days: u32,
	/// Where the network and the boxes live.
	pub dir: PathBuf,
	/// The reference dataset the boxes replay.
	pub dataset: PathBuf,
	/// Seed of the attacks' tie breaks.
	pub seed: u64,
}

/// Runs the demo's day as `plan` says, reads the chain back and attacks it.
pub async fn run(
	plan: &RunPlan,
	community: &Community,
	fitted: &[Profiles],
	say: &(impl Fn(&str) + Sync),
) -> Result<ChainRun> {
	let started = Instant::now();
	let mut options = Options::new(plan.dir.clone(), plan.dataset.clone());
	options.prosumers = plan.prosumers;
	options.ledgers_per_group = plan.ledgers;
	options.defences = plan.defences;
	options.days = plan.days.max(1);
	// The adversary reads every block's events: the validators keep all states.
	options.archive = true;
	if plan.defences != Defences::ALL {
		// Per-prosumer registrations and funding transfers are some 500
		// more setup extrinsics.
		options.lead_ms = LEAD_MS + 120_000;
	}
	// Each further day's opening, offers, closing and registration.
	options.lead_ms += 90_000 * u64::from(options.days - 1);
	let mut demo = Demo::start(options, &VALIDATORS, say).await?;
	let outcome = attack_demo(&mut demo, plan, community, fitted, say).await;
	for edge in &mut demo.boxes {
		edge.process.terminate(Duration::from_secs(3));
	}
	demo.stop().await?;
	let mut run = outcome?;
	run.minutes = started.elapsed().as_secs_f64() / 60.0;
	Ok(run)
}

async fn attack_demo(
	demo: &mut Demo,
	plan: &RunPlan,
	community: &Community,
	fitted: &[Profiles],
	say: &impl Fn(&str),
) -> Result<ChainRun> {
	let mut last_said = Instant::now();
	demo.follow(|line| {
		if last_said.elapsed() > Duration::from_secs(30) {
			say(line);
			last_said = Instant::now();
		}
	})
	.await?;
	let summary = demo.summary().await?;
	say("the day is liquidated; reading the chain as the adversary");
	let view = read_view(&demo.client, &demo.rpc).await?;
	let day = Inputs {
		actors: &demo.actors,
		programs: demo.deployment.programs.clone(),
		groups: demo.deployment.groups.iter().map(|group| group.ledgers.clone()).collect(),
		clock: demo.clock,
		days: plan.days.max(1),
	};
	let mut run = attack_view(&view, &day, plan, community, fitted)?;
	run.energy_conserved_slots = summary.energy_conserved_slots;
	Ok(run)
}

/// Everything a node published: blocks 1 to its finalized head, and the
/// state there.
async fn read_view(client: &Client, rpc: &Rpc) -> Result<ChainView> {
	let finalized = chain::finalized_number(rpc).await?;
	let mut view = chain_view::read(client, 1, finalized).await?;
	let at = rpc.chain_get_block_hash(Some(finalized.into())).await?;
	view.published.extend(chain_view::state(rpc, at).await?);
	Ok(view)
}

/// What the harness knows of a run's day.
struct Inputs<'a> {
	actors: &'a Actors,
	programs: Vec<DemoProgram>,
	groups: Vec<Vec<u32>>,
	clock: Clock,
	/// Consecutive days from `clock`'s.
	days: u32,
}

/// The attacks and the scan on `view`.
fn attack_view(
	view: &ChainView,
	day: &Inputs,
	plan: &RunPlan,
	community: &Community,
	fitted: &[Profiles],
) -> Result<ChainRun> {
	// The run's first day's pseudonyms, and every day's (for the cross-day linker).
	let (mut owner_of, mut owner_of_any_day) = (BTreeMap::new(), BTreeMap::new());
	for prosumer in &day.actors.prosumers {
		let index = community
			.prosumers
			.iter()
			.position(|column| *column == prosumer.column)
			.with_context(|| format!("{} is not in the dataset", prosumer.column))?;
		for pseudonym in &prosumer.pseudonyms(day.clock.day) {
			owner_of.insert(account(pseudonym), index);
		}
		for later in day.clock.day..day.clock.day + day.days {
			for pseudonym in &prosumer.pseudonyms(later) {
				owner_of_any_day.insert(account(pseudonym), index);
			}
		}
	}
	let truth = Truth { owner_of, groups: day.groups.clone() };
	let spread_wh =
		if plan.defences.random_shares { gridveil_edge::config::DEFAULT_SPREAD_WH } else { 0 };
	let crossday = if day.days > 1 {
		let days = chain_linkage::Days {
			owner_of: &owner_of_any_day,
			groups: &day.groups,
			first_day: day.clock.day,
			days: day.days,
			slot_length_ms: day.clock.slot_length_ms,
			shares: plan.ledgers as usize,
			spread_wh: spread_wh.max(1),
		};
		chain_linkage::link_days(view, &days, plan.seed)?
	} else {
		Vec::new()
	};
	let first_slot = day.clock.slot(0);
	let days = view.reported_days(first_slot);
	let (attacks, linked_truly) = attack(view, &days, &truth, fitted, plan.seed)?;
	let findings = scan::scan(
		&view.published,
		&secrets(&plan.dataset, day.actors, &day.programs, &day.clock, day.days)?,
		&days,
		&view.deviations,
	);
	let pseudonyms: BTreeSet<&AccountId32> = truth.owner_of.keys().collect();
	let reports = view
		.reports
		.iter()
		.filter(|report| {
			pseudonyms.contains(&report.pseudonym)
				&& (first_slot..first_slot + SLOTS_PER_DAY as u32).contains(&report.slot)
		})
		.count();
	Ok(ChainRun {
		name: plan.name.clone(),
		defences: plan.defences,
		prosumers: plan.prosumers,
		ledgers: plan.ledgers,
		dataset_day: day.clock.day as usize % community.day_count().max(1),
		days: day.days,
		spread_wh,
		blocks: view.blocks,
		reports,
		expected_reports: plan.prosumers * plan.ledgers as usize * SLOTS_PER_DAY,
		energy_conserved_slots: 0,
		attacks,
		linked_truly,
		crossday,
		findings,
		minutes: 0.0,
	})
}

/// Attacks a finished run again from a node restarted on one of its
/// validators' databases at `url` (the network's folder keeps them), with
/// the demo's folder `plan.dir` for the programs' requests: the same keys
/// (they derive from the prosumers' indices), the tree and the day read
/// from the chain.
pub async fn attack_again(
	url: &str,
	plan: &RunPlan,
	community: &Community,
	fitted: &[Profiles],
) -> Result<ChainRun> {
	let (client, rpc) = (chain::connect(url).await?, chain::rpc(url).await?);
	let view = read_view(&client, &rpc).await?;
	let actors = Actors::new(
		&users_beside(&plan.dataset),
		plan.prosumers,
		Options::new(plan.dir.clone(), plan.dataset.clone()).programs,
		plan.ledgers,
	)?;
	let first_slot = view.reports.iter().map(|report| report.slot).min().context("no reports")?;
	let day = first_slot / SLOTS_PER_DAY as u32;
	let last_slot = view.reports.iter().map(|report| report.slot).max().unwrap_or(first_slot);
	let days = last_slot / SLOTS_PER_DAY as u32 - day + 1;
	let ledger_of: BTreeMap<AccountId32, u32> = view
		.registrations
		.iter()
		.flat_map(|seen| seen.pseudonyms.iter().map(|pseudonym| (pseudonym.clone(), seen.ledger)))
		.collect();
	let groups = (0..GROUPS)
		.map(|group| {
			let first = actors.members(group).next().context("an empty group")?;
			first
				.pseudonyms(day)
				.iter()
				.map(|pseudonym| {
					ledger_of.get(&account(pseudonym)).copied().context("unregistered")
				})
				.collect::<Result<Vec<u32>>>()
		})
		.collect::<Result<_>>()?;
	// The demo offers the programs in the prosumers' order on a fresh chain.
	let programs = actors
		.in_programs()
		.enumerate()
		.map(|(program_id, prosumer)| DemoProgram {
			program_id: program_id as u64,
			prosumer: prosumer.index,
			request_file: plan.dir.join(format!("program-{}.json", prosumer.index)),
		})
		.collect();
	// The replayed reading depends on the absolute slot only.
	let market = gridveil_offchain::chain::Chain::market_clock(&client.at_current_block().await?)
		.await
		.map_err(|error| anyhow::anyhow!("the market's clock: {error}"))?;
	let clock = Clock { slot_length_ms: market.slot_length_ms, day };
	attack_view(
		&view,
		&Inputs { actors: &actors, programs, groups, clock, days },
		plan,
		community,
		fitted,
	)
}

#[cfg(test)]
mod tests {
	use rand::{rngs::StdRng, Rng, SeedableRng};

	use super::*;
	use crate::{
		chain_view::{RegistrationSeen, ReportSeen},
		linkage::test_pseudonym as pseudonym,
	};

	/// Six owners of two kinds (flat and peaky), three ledgers, the day's
	/// shares random but summing to each owner's reading; registered per owner.
	fn view() -> (ChainView, Truth, Vec<Profiles>) {
		let mut rng = StdRng::seed_from_u64(5);
		let reading = |owner: usize, slot: usize| -> i64 {
			if owner % 2 == 0 {
				100
			} else if (40..56).contains(&slot) {
				-900
			} else {
				300
			}
		};
		let mut view = ChainView::default();
		let mut owner_of = BTreeMap::new();
		for owner in 0..6 {
			for ledger in 0..3 {
				owner_of.insert(pseudonym(owner, ledger), owner);
				view.registrations.push(RegistrationSeen {
					ledger: ledger as u32,
					day: 0,
					pseudonyms: vec![pseudonym(owner, ledger)],
					block: 1,
					position: (owner * 3 + ledger) as u32,
					signer: pseudonym(99, 0),
				});
			}
			for slot in 0..SLOTS_PER_DAY {
				let first: i64 = rng.gen_range(-5_000..5_000);
				let second: i64 = rng.gen_range(-5_000..5_000);
				let shares = [first, second, reading(owner, slot) - first - second];
				for (ledger, share) in shares.into_iter().enumerate() {
					view.reports.push(ReportSeen {
						pseudonym: pseudonym(owner, ledger),
						slot: 960 + slot as u32,
						energy_wh: share,
						block: 10 + slot as u64,
						position: rng.gen_range(0..100),
						nonce: slot as u64,
					});
				}
			}
		}
		let days: Vec<Vec<Vec<f64>>> = (0..6)
			.map(|owner| vec![(0..SLOTS_PER_DAY).map(|slot| reading(owner, slot) as f64).collect()])
			.collect();
		let fitted = vec![Profiles::fit(&days, 2, 1).unwrap()];
		(view, Truth { owner_of, groups: vec![vec![0, 1, 2]] }, fitted)
	}

	#[test]
	fn registration_order_links_and_its_sums_give_the_profile_away() {
		let (view, truth, fitted) = view();
		let (outcomes, linked_truly) =
			attack(&view, &view.reported_days(960), &truth, &fitted, 3).unwrap();
		assert_eq!(linked_truly[0].accuracy(), 1.0, "the true sums are the readings");
		let alone = &outcomes[0];
		assert_eq!(alone.attack, Attack::None);
		assert_eq!(alone.profiling[0].trials, 18);
		let by_registration =
			outcomes.iter().find(|outcome| outcome.attack == Attack::RegistrationOrder).unwrap();
		assert_eq!((by_registration.pairs, by_registration.pairs_right), (12, 12));
		assert_eq!(by_registration.tuples_right, 6);
		assert!((by_registration.pairs_by_chance - 1.0 / 6.0).abs() < 1e-9);
		assert_eq!(by_registration.profiling[0].accuracy(), 1.0);
		assert_eq!(by_registration.profiling[0].balanced_accuracy(), 1.0);
	}

	#[test]
	fn funding_without_transfers_links_at_random() {
		let (view, truth, fitted) = view();
		let (outcomes, _) = attack(&view, &view.reported_days(960), &truth, &fitted, 3).unwrap();
		let funding = outcomes.iter().find(|outcome| outcome.attack == Attack::Funding).unwrap();
		assert_eq!(funding.pairs, 12);
		assert!(funding.tuples_right < 6, "{funding:?}");
	}

	#[test]
	fn reports_outside_the_day_are_left_out() {
		let (mut view, _, _) = view();
		view.reports[0].slot = 960 + 96;
		let days = view.reported_days(960);
		assert_eq!(days.len(), 18);
		assert!(days.values().all(|day| day.len() == SLOTS_PER_DAY));
	}
}
