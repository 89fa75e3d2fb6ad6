//! The paper's experiment (section 9): every prosumer-day split into n
//! random share-days, each classified by the profile predictor; the
//! adversary wins when the share's profile is its owner's.

use anyhow::Result;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{
	community::{at_slot_length, Community},
	profiles::Profiles,
};

/// Random moves per share of the paper's split (its Markov chain mixes well
/// before this: the shares' spread no longer changes).
const PAPER_SPLIT_MOVES_PER_SHARE: usize = 8;

/// How a slot's value becomes n shares.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Splitter {
	/// The paper's challenger: n values in the dataset's range `[low, high]`,
	/// summing to the slot's value, drawn uniformly among all such splits.
	Paper {
		/// The dataset's smallest value at this slot length, Wh.
		low: f64,
		/// Its largest, Wh.
		high: f64,
	},
	/// The edge client's split (`gridveil_edge::split::split`): uniform
	/// among the splits within ±`spread_wh`, all within the chain's bound.
	GridVeil {
		/// The box's `trading.share_spread_wh`.
		spread_wh: i64,
		/// `EnergyMarket::MaxShareWh`.
		bound_wh: i64,
	},
}

impl Splitter {
	/// `value` split into `count` shares.
	pub fn split(&self, value: f64, count: usize, rng: &mut StdRng) -> Result<Vec<f64>> {
		if count <= 1 {
			return Ok(vec![value]);
		}
		match *self {
			Splitter::Paper { low, high } => {
				// Uniform over {shares in [low, high]^n summing to value}: from
				// the equal split, random moves between two shares that keep
				// both in range (a Markov chain whose stationary law is that
				// uniform one; rejection sampling never finishes for n = 50).
				let equal = value / count as f64;
				anyhow::ensure!(
					(low..=high).contains(&equal),
					"{value} Wh cannot be {count} shares in [{low}, {high}]"
				);
				let mut shares = vec![equal; count];
				for _ in 0..count * PAPER_SPLIT_MOVES_PER_SHARE {
					let from = rng.gen_range(0..count);
					let to = (from + rng.gen_range(1..count)) % count;
					let most = (shares[from] - low).min(high - shares[to]);
					let least = (shares[from] - high).max(low - shares[to]);
					let moved = rng.gen_range(least..=most);
					shares[from] -= moved;
					shares[to] += moved;
				}
				Ok(shares)
			},
			Splitter::GridVeil { spread_wh, bound_wh } => {
				let shares = gridveil_edge::split::split(
					value.round() as i64,
					count,
					spread_wh,
					bound_wh,
					rng,
				)
				.map_err(|error| anyhow::anyhow!("splitting {value} Wh: {error}"))?;
				Ok(shares.into_iter().map(|share| share as f64).collect())
			},
		}
	}
}

/// One point of Figure 7.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
	/// Slot length, minutes.
	pub slot_minutes: usize,
	/// |Γ|.
	pub profiles: usize,
	/// n: shares (ledgers) per prosumer.
	pub shares: usize,
	/// Share-days classified.
	pub trials: usize,
	/// Share-days whose predicted profile was their owner's.
	pub hits: usize,
	/// Share of prosumers in the largest profile: what always guessing it wins.
	pub largest_profile: f64,
	/// Per true profile γ: share-days of its prosumers classified, and hits.
	#[serde(default)]
	pub per_profile: Vec<[usize; 2]>,
}

impl Point {
	/// The adversary's accuracy.
	pub fn accuracy(&self) -> f64 {
		self.hits as f64 / self.trials.max(1) as f64
	}

	/// The mean over the profiles of the share of their prosumers' rows
	/// named correctly (macro-averaged recall). An adversary whose guesses do
	/// not depend on the owner scores exactly 1/|Γ| here, however unequal
	/// the profiles' sizes, where its plain accuracy is the share of
	/// prosumers in whatever profile it names most.
	pub fn balanced_accuracy(&self) -> f64 {
		let recalls: Vec<f64> = self
			.per_profile
			.iter()
			.filter(|[trials, _]| *trials > 0)
			.map(|[trials, hits]| *hits as f64 / *trials as f64)
			.collect();
		recalls.iter().sum::<f64>() / recalls.len().max(1) as f64
	}
}

/// Classifies `rows` (each a day of the fitted length) with `profiles`,
/// `owners[i]` owning row i: rows, hits and hits per true profile.
pub fn score(profiles: &Profiles, rows: &[Vec<f64>], owners: &[usize]) -> Result<Counted> {
	let predicted = profiles.predict(rows)?;
	let mut counted =
		Counted { trials: rows.len(), hits: 0, per_profile: vec![[0, 0]; profiles.count] };
	for (profile, owner) in predicted.iter().zip(owners) {
		let truth = profiles.of_prosumer[*owner];
		counted.per_profile[truth][0] += 1;
		if *profile == truth {
			counted.hits += 1;
			counted.per_profile[truth][1] += 1;
		}
	}
	Ok(counted)
}

/// What [`score`] counts.
#[derive(Clone, Debug, Default)]
pub struct Counted {
	/// Rows classified.
	pub trials: usize,
	/// Rows named with their owner's profile.
	pub hits: usize,
	/// Per true profile: rows and hits.
	pub per_profile: Vec<[usize; 2]>,
}

impl Counted {
	/// As a point of a plot at `slot_minutes`, |Γ| and n.
	pub fn point(self, slot_minutes: usize, profiles: &Profiles, shares: usize) -> Point {
		Point {
			slot_minutes,
			profiles: profiles.count,
			shares,
			trials: self.trials,
			hits: self.hits,
			largest_profile: profiles.largest_share(),
			per_profile: self.per_profile,
		}
	}
}

/// What a run of the experiment covers.
#[derive(Clone, Debug)]
pub struct Experiment {
	/// Slot lengths, minutes.
	pub slot_minutes: Vec<usize>,
	/// |Γ| values.
	pub profiles: Vec<usize>,
	/// n values.
	pub shares: Vec<usize>,
	/// Every `day_step`-th day of the year is split and classified (1: all).
	pub day_step: usize,
	/// The split.
	pub splitter: fn(&Community, usize) -> Splitter,
	/// Seed of the splits and of k-means.
	pub seed: u64,
}

/// The paper's split at `slot_minutes`: the dataset's range at that length.
pub fn paper_splitter(community: &Community, slot_minutes: usize) -> Splitter {
	let (mut low, mut high) = (f64::MAX, f64::MIN);
	for day in community.days.iter().flatten() {
		for value in at_slot_length(day, slot_minutes) {
			low = low.min(value);
			high = high.max(value);
		}
	}
	Splitter::Paper { low, high }
}

/// The edge client's split with its default spread (per 15 minutes; a
/// longer slot sums its quarter hours' shares, so its spread grows with it)
/// under the runtime's share bound.
pub fn gridveil_splitter(_community: &Community, slot_minutes: usize) -> Splitter {
	Splitter::GridVeil {
		spread_wh: gridveil_edge::config::DEFAULT_SPREAD_WH * (slot_minutes / 15).max(1) as i64,
		bound_wh: gridveil_edge::split::OFFLINE_MAX_SHARE_WH,
	}
}

/// Runs `experiment` on `community`, reporting each |Γ| to `say`.
pub fn run(
	community: &Community,
	experiment: &Experiment,
	say: &impl Fn(&str),
) -> Result<Vec<Point>> {
	let mut points = Vec::new();
	for &slot_minutes in &experiment.slot_minutes {
		let days: Vec<Vec<Vec<f64>>> = community
			.days
			.iter()
			.map(|days| days.iter().map(|day| at_slot_length(day, slot_minutes)).collect())
			.collect();
		let splitter = (experiment.splitter)(community, slot_minutes);
		for &profile_count in &experiment.profiles {
			let profiles = Profiles::fit(&days, profile_count, experiment.seed)?;
			let mut line = format!("{slot_minutes} min, |Γ| = {profile_count}:");
			// One thread per n (the machine's cores share them).
			let counted: Vec<Result<Counted>> = std::thread::scope(|scope| {
				let workers: Vec<_> = experiment
					.shares
					.iter()
					.map(|&share_count| {
						let (days, profiles) = (&days, &profiles);
						scope.spawn(move || {
							classify(days, profiles, splitter, share_count, experiment)
						})
					})
					.collect();
				workers
					.into_iter()
					.map(|worker| {
						worker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))
					})
					.collect()
			});
			for (&share_count, counted) in experiment.shares.iter().zip(counted) {
				let point = counted?.point(slot_minutes, &profiles, share_count);
				line.push_str(&format!(" n={share_count} {:.1} %", point.accuracy() * 100.0));
				points.push(point);
			}
			say(&line);
		}
	}
	Ok(points)
}

/// Splits every `day_step`-th day of each prosumer into `share_count`
/// share-days and classifies them.
fn classify(
	days: &[Vec<Vec<f64>>],
	profiles: &Profiles,
	splitter: Splitter,
	share_count: usize,
	experiment: &Experiment,
) -> Result<Counted> {
	let mut rng =
		StdRng::seed_from_u64(experiment.seed ^ (share_count as u64) << 32 ^ profiles.count as u64);
	let (mut rows, mut owners) = (Vec::new(), Vec::new());
	for (owner, owner_days) in days.iter().enumerate() {
		for day in owner_days.iter().step_by(experiment.day_step.max(1)) {
			let mut share_days = vec![Vec::with_capacity(day.len()); share_count];
			for value in day {
				let shares = splitter.split(*value, share_count, &mut rng)?;
				for (share_day, share) in share_days.iter_mut().zip(shares) {
					share_day.push(share);
				}
			}
			owners.extend(std::iter::repeat_n(owner, share_count));
			rows.extend(share_days);
		}
	}
	score(profiles, &rows, &owners)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Three kinds of prosumer, far apart: flat low, flat high, a midday peak.
	fn synthetic() -> Community {
		let mut rng = StdRng::seed_from_u64(1);
		let day = |kind: usize, rng: &mut StdRng| -> Vec<f64> {
			(0..96)
				.map(|slot| {
					let base = match kind {
						0 => 50.0,
						1 => 800.0,
						_ if (40..56).contains(&slot) => -900.0,
						_ => 100.0,
					};
					base + rng.gen_range(-10.0..10.0)
				})
				.collect()
		};
		let days =
			(0..9).map(|prosumer| (0..20).map(|_| day(prosumer % 3, &mut rng)).collect()).collect();
		Community { prosumers: (0..9).map(|index| format!("p{index}")).collect(), days }
	}

	#[test]
	fn the_papers_split_stays_in_range_and_sums_exactly() {
		let mut rng = StdRng::seed_from_u64(2);
		let splitter = Splitter::Paper { low: -500.0, high: 1500.0 };
		for count in [1, 2, 5, 50] {
			let shares = splitter.split(321.5, count, &mut rng).unwrap();
			assert_eq!(shares.len(), count);
			assert!((shares.iter().sum::<f64>() - 321.5).abs() < 1e-6);
			assert!(shares.iter().all(|share| (-500.0..=1500.0).contains(share)));
		}
	}

	#[test]
	fn the_edge_split_sums_exactly() {
		let mut rng = StdRng::seed_from_u64(3);
		let shares = Splitter::GridVeil { spread_wh: 10_000, bound_wh: 1_000_000 }
			.split(-77.0, 5, &mut rng)
			.unwrap();
		assert_eq!(shares.len(), 5);
		assert_eq!(shares.iter().sum::<f64>(), -77.0);
	}

	#[test]
	fn unsplit_days_give_their_profile_away_and_wide_shares_hide_it() {
		let community = synthetic();
		let experiment = Experiment {
			slot_minutes: vec![15],
			profiles: vec![3],
			shares: vec![1, 50],
			day_step: 1,
			splitter: paper_splitter,
			seed: 4,
		};
		let points = run(&community, &experiment, &|_| {}).unwrap();
		let unsplit = points.iter().find(|point| point.shares == 1).unwrap();
		assert_eq!(unsplit.trials, 9 * 20);
		assert_eq!(unsplit.accuracy(), 1.0, "three far-apart kinds are each their own profile");
		let split = points.iter().find(|point| point.shares == 50).unwrap();
		assert_eq!(split.trials, 9 * 20 * 50);
		assert!(split.accuracy() < 0.6, "50 shares over the whole range: {}", split.accuracy());
	}
}
