//! Rotation: pseudonyms that live one day. The chain accepts a pseudonym's
//! reports for one trading day; each day the box reports into each ledger of
//! its group under a fresh pseudonym. Averaging one pseudonym over D days
//! (section 4's adversary) then needs a linker that follows a prosumer from
//! day to day: the [`crate::crossday`] linker, whose chains the adversary
//! averages and profiles. Rotation off is section 4's adversary, each
//! pseudonym's own days.
//!
//! One [`run`] splits every day of 2016 of every prosumer with the edge
//! client's split at a given n and spread, measures the cross-day linker on
//! every pair of consecutive days, and profiles the averaged chains over
//! D = 1, 7, 30 and 366 days with rotation on and off.

use std::time::Instant;

use anyhow::Result;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{
	community::{Community, SLOTS_PER_DAY},
	crossday::{self, Linker, Noise, PseudonymDay},
	paper::{score, Point, Splitter},
	profiles::Profiles,
};

/// Groups of prosumers, as in the demo: the prosumers in two halves, each
/// group with its own n ledgers.
pub const GROUPS: usize = 2;

/// Days averaged.
pub const AVERAGED_DAYS: [usize; 4] = [1, 7, 30, 366];

/// Days of pure noise the adversary draws for its noise model.
pub const NOISE_DAYS: usize = 1_000;

/// A slot's length, ms: the window in which the box sends each share at its
/// own uniformly random moment (the modelled timing offline).
const SLOT_MS: f64 = 900_000.0;

/// The settings the sweep measures: (n, spread Wh per 15 minutes): the
/// spreads at n = 5 (±10 kWh, the default before rotation's evaluation,
/// first), then more ledgers at ±10 kWh.
pub const SWEEP: [(usize, i64); 12] = [
	(5, 10_000),
	(5, 20_000),
	(5, 40_000),
	(5, 60_000),
	(5, 80_000),
	(5, 100_000),
	(5, 160_000),
	(8, 10_000),
	(10, 10_000),
	(15, 10_000),
	(20, 10_000),
	(30, 10_000),
];

/// Seeds each n = 5 setting of the sweep runs with: the decision lies among
/// them, and one seed's gap near the goal may be luck.
pub const REPEATS: u64 = 3;

/// The sweep's runs from `seed`: (n, spread, seed), every setting of
/// [`SWEEP`] with `seed`, the n = 5 ones also with the next
/// [`REPEATS`] − 1 seeds.
pub fn sweep(seed: u64) -> Vec<(usize, i64, u64)> {
	SWEEP
		.iter()
		.flat_map(|&(shares, spread_wh)| {
			let repeats = if shares == 5 { REPEATS } else { 1 };
			(0..repeats).map(move |offset| (shares, spread_wh, seed + offset))
		})
		.collect()
}

/// What one run covers.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
	/// n: ledgers per group, and so shares (pseudonyms a day) per prosumer.
	pub shares: usize,
	/// The box's `share_spread_wh`, per 15 minutes.
	pub spread_wh: i64,
	/// One-day rows: one day in this many (longer windows: windows at least
	/// this many days apart, so every window of 7 days or more).
	pub day_step: usize,
	/// Seed of the splits, the modelled timing and the linkers' coins (the
	/// profiles are fitted with 2016, as everywhere on the page).
	pub seed: u64,
}

/// The cross-day linker's outcome over every pair of consecutive days.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CrossDayLinkage {
	/// What it compared.
	pub linker: Linker,
	/// Pairs of consecutive days linked.
	pub day_pairs: usize,
	/// Day-d pseudonyms linked (every prosumer's, every ledger's, every pair).
	pub pseudonyms: usize,
	/// Linked to the same prosumer's pseudonym of the next day (same ledger).
	pub right: usize,
	/// What linking at random gets: 1 / members of the group, on average
	/// over the pseudonyms.
	pub chance: f64,
	/// The 95 % half-width of the accuracy (day pairs as clusters).
	pub half_width: f64,
	/// The gap to `chance` that a random one-to-one linker reaches on the
	/// same matchings by sampling alone (95th percentile of 200 draws).
	pub guessing_gap: f64,
}

impl CrossDayLinkage {
	/// Share of pseudonyms linked rightly.
	pub fn accuracy(&self) -> f64 {
		self.right as f64 / self.pseudonyms.max(1) as f64
	}
}

/// The averaging adversary at one D with rotation on or off, at one |Γ|.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RotatedPoint {
	/// Rotation on: each day a fresh pseudonym, chains followed by the
	/// cross-day linker. Off: one pseudonym for every day.
	pub rotation: bool,
	/// Days averaged.
	pub days: usize,
	/// The profiling of the averaged chains times n.
	pub point: Point,
}

/// One setting measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RotationRun {
	/// n.
	pub shares: usize,
	/// The spread, Wh per 15 minutes.
	pub spread_wh: i64,
	/// See [`Setting::day_step`].
	pub day_step: usize,
	/// Seed.
	pub seed: u64,
	/// Groups the prosumers are in.
	pub groups: usize,
	/// Each linker's linkage of consecutive days.
	pub linkage: Vec<CrossDayLinkage>,
	/// The linker whose chains the averaging adversary follows: the one
	/// that linked most rightly.
	pub chain_linker: Linker,
	/// The averaging adversary, rotation on and off, every D and |Γ|.
	pub averaging: Vec<RotatedPoint>,
	/// What a group's coordinator fronts a day: the energy of its ledgers
	/// whose day nets are positive (collected before the negative ones are
	/// paid), kWh, mean over the days and groups.
	#[serde(default)]
	pub coordinator_float_kwh: f64,
	/// The same without random shares (each ledger the group's net / n): the
	/// group's day net when positive, kWh.
	#[serde(default)]
	pub unsplit_float_kwh: f64,
	/// Wall time of the run, s.
	pub seconds: f64,
}

impl RotationRun {
	/// The averaging adversary's points at `days`, rotation on or off (one
	/// day is the same adversary either way, kept once).
	pub fn points(&self, rotation: bool, days: usize) -> Vec<Point> {
		let rotation = rotation && days > 1;
		self.averaging
			.iter()
			.filter(|averaged| averaged.rotation == rotation && averaged.days == days)
			.map(|averaged| averaged.point.clone())
			.collect()
	}

	/// The outcome of the linker its chains follow.
	pub fn chain_linkage(&self) -> Option<&CrossDayLinkage> {
		self.linkage.iter().find(|linkage| linkage.linker == self.chain_linker)
	}
}

/// |Γ| values measured: every one from 2 to 10 (where the gaps are
/// largest), then more sparsely up to the number of prosumers (keeps
/// `results.json` small: each point holds its per-profile counts).
pub fn profile_counts(prosumers: usize) -> Vec<usize> {
	(2..=10).chain([13, 15, 20, 25, 30, 40, 51]).filter(|count| *count <= prosumers).collect()
}

/// The demo's groups: prosumer i is in group i / ⌈prosumers / 2⌉.
pub fn groups(prosumers: usize) -> Vec<Vec<usize>> {
	let per_group = prosumers.div_ceil(GROUPS).max(1);
	let mut groups = vec![Vec::new(); prosumers.div_ceil(per_group)];
	for prosumer in 0..prosumers {
		groups[prosumer / per_group].push(prosumer);
	}
	groups
}

/// Every prosumer's every day split into n share-days.
pub struct ShareDays {
	/// n.
	pub shares: usize,
	days: usize,
	/// `[prosumer][day][ledger][slot]`, flat.
	values: Vec<f32>,
}

impl ShareDays {
	/// Splits each slot of `community` with `splitter` into `shares`
	/// shares, one share-day per ledger (two threads, one seed each).
	pub fn split(
		community: &Community,
		splitter: Splitter,
		shares: usize,
		seed: u64,
	) -> Result<Self> {
		let days = community.day_count();
		let halves = community.days.len().div_ceil(2).max(1);
		let parts: Vec<Result<Vec<f32>>> = std::thread::scope(|scope| {
			let workers: Vec<_> = community
				.days
				.chunks(halves)
				.enumerate()
				.map(|(part, prosumers)| {
					scope.spawn(move || {
						let mut rng = StdRng::seed_from_u64(seed ^ ((part as u64 + 1) << 40));
						let mut values = Vec::with_capacity(prosumers.len() * days * shares * 96);
						for prosumer_days in prosumers {
							for day in prosumer_days {
								let mut share_days = vec![vec![0.0f32; day.len()]; shares];
								for (slot, value) in day.iter().enumerate() {
									let split = splitter.split(*value, shares, &mut rng)?;
									for (share_day, share) in share_days.iter_mut().zip(split) {
										share_day[slot] = share as f32;
									}
								}
								values.extend(share_days.into_iter().flatten());
							}
						}
						Ok(values)
					})
				})
				.collect();
			workers
				.into_iter()
				.map(|worker| {
					worker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a splitter panicked")))
				})
				.collect()
		});
		let mut values = Vec::new();
		for part in parts {
			values.extend(part?);
		}
		Ok(Self { shares, days, values })
	}

	/// `prosumer`'s share-day of `ledger` on `day`.
	pub fn day(&self, prosumer: usize, day: usize, ledger: usize) -> &[f32] {
		let start = ((prosumer * self.days + day) * self.shares + ledger) * SLOTS_PER_DAY;
		&self.values[start..start + SLOTS_PER_DAY]
	}
}

/// Each day-d pseudonym's linked owner on day d + 1 by one linker:
/// `[day][prosumer][ledger]`, flat (the simulation knows whose pseudonym the
/// linker picked; the adversary does not).
struct Links {
	shares: usize,
	prosumers: usize,
	next: Vec<u16>,
	/// Per day pair: pseudonyms linked rightly.
	right: Vec<usize>,
}

impl Links {
	fn next(&self, day: usize, prosumer: usize, ledger: usize) -> usize {
		self.next[(day * self.prosumers + prosumer) * self.shares + ledger] as usize
	}
}

/// Links every pair of consecutive days with `linker`, per group and ledger.
fn link_days(
	described: &[PseudonymDay],
	noise: &Noise,
	groups: &[Vec<usize>],
	prosumers: usize,
	days: usize,
	shares: usize,
	linker: Linker,
	seed: u64,
) -> Links {
	let at = |prosumer: usize, day: usize, ledger: usize| (prosumer * days + day) * shares + ledger;
	let mut rng = StdRng::seed_from_u64(seed ^ 0x11_4c_1e);
	let pairs = days.saturating_sub(1);
	let mut next = vec![0u16; pairs * prosumers * shares];
	let mut right = vec![0; pairs];
	for day in 0..pairs {
		for members in groups {
			for ledger in 0..shares {
				let today: Vec<PseudonymDay> = members
					.iter()
					.map(|member| described[at(*member, day, ledger)].clone())
					.collect();
				let tomorrow: Vec<PseudonymDay> = members
					.iter()
					.map(|member| described[at(*member, day + 1, ledger)].clone())
					.collect();
				let linked = crossday::link(&today, &tomorrow, linker, Some(noise), &mut rng);
				for (index, to) in linked.into_iter().enumerate() {
					let to = to.unwrap_or(index);
					right[day] += usize::from(to == index);
					next[(day * prosumers + members[index]) * shares + ledger] = members[to] as u16;
				}
			}
		}
	}
	Links { shares, prosumers, next, right }
}

/// The linkage's figures from the per-day-pair counts: `right[p]` of day
/// pair p's pseudonyms linked rightly, each pair linking every ledger
/// (`shares` of them) of groups of `group_sizes` members.
pub fn linkage_outcome(
	linker: Linker,
	right: &[usize],
	group_sizes: &[usize],
	shares: usize,
	seed: u64,
) -> CrossDayLinkage {
	let per_pair = group_sizes.iter().sum::<usize>() * shares;
	let pairs = right.len();
	let right_count: usize = right.iter().sum();
	let pseudonyms = pairs * per_pair;
	let chance = (group_sizes.len() * shares) as f64 / per_pair.max(1) as f64;
	let accuracy = right_count as f64 / pseudonyms.max(1) as f64;
	// Day pairs as clusters: the variance of their right counts around
	// the accuracy.
	let spread: f64 =
		right.iter().map(|right| (*right as f64 - accuracy * per_pair as f64).powi(2)).sum();
	let half_width = if pairs > 1 {
		1.96 * (spread * pairs as f64 / (pairs as f64 - 1.0)).sqrt() / pseudonyms as f64
	} else {
		0.0
	};
	let mut rng = StdRng::seed_from_u64(seed ^ 0x9e55);
	let mut gaps: Vec<f64> = (0..200)
		.map(|_| {
			let mut right = 0;
			for _ in 0..pairs * shares {
				for members in group_sizes {
					let mut linked: Vec<usize> = (0..*members).collect();
					linked.shuffle(&mut rng);
					right += linked.iter().enumerate().filter(|(index, to)| index == *to).count();
				}
			}
			(right as f64 / pseudonyms.max(1) as f64 - chance).abs()
		})
		.collect();
	gaps.sort_by(f64::total_cmp);
	CrossDayLinkage {
		linker,
		day_pairs: pairs,
		pseudonyms,
		right: right_count,
		chance,
		half_width,
		guessing_gap: gaps[gaps.len() * 95 / 100],
	}
}

/// The averaged rows of D-day windows (`starts`): each prosumer's each
/// ledger's chain from the window's first day, following `links` (rotation
/// on) or its own pseudonym (`None`: rotation off), its share-days averaged
/// and scaled by n; with each row's owner (the first day's prosumer).
fn chain_rows(
	shares: &ShareDays,
	prosumers: usize,
	window: usize,
	starts: &[usize],
	links: Option<&Links>,
) -> (Vec<Vec<f64>>, Vec<usize>) {
	let (mut rows, mut owners) = (Vec::new(), Vec::new());
	let scale = shares.shares as f64 / window as f64;
	for &start in starts {
		for owner in 0..prosumers {
			for ledger in 0..shares.shares {
				let mut total = vec![0.0; SLOTS_PER_DAY];
				let mut prosumer = owner;
				for day in start..start + window {
					for (sum, share) in total.iter_mut().zip(shares.day(prosumer, day, ledger)) {
						*sum += f64::from(*share);
					}
					if let (Some(links), true) = (links, day + 1 < start + window) {
						prosumer = links.next(day, prosumer, ledger);
					}
				}
				rows.push(total.into_iter().map(|sum| sum * scale).collect());
				owners.push(owner);
			}
		}
	}
	(rows, owners)
}

/// The coordinators' float with these shares and without: mean over days
/// and groups of the positive ledgers' day nets, and of the positive group
/// day nets, kWh.
fn floats(community: &Community, shares: &ShareDays, groups: &[Vec<usize>]) -> (f64, f64) {
	let (mut split, mut unsplit, mut count) = (0.0, 0.0, 0usize);
	for day in 0..community.day_count() {
		for members in groups {
			for ledger in 0..shares.shares {
				let net: f64 = members
					.iter()
					.map(|member| {
						shares.day(*member, day, ledger).iter().map(|s| f64::from(*s)).sum::<f64>()
					})
					.sum();
				split += net.max(0.0);
			}
			let net: f64 =
				members.iter().map(|member| community.days[*member][day].iter().sum::<f64>()).sum();
			unsplit += net.max(0.0);
			count += 1;
		}
	}
	let count = count.max(1) as f64 * 1_000.0;
	(split / count, unsplit / count)
}

/// The first days of the D-day windows measured: days 0, D, 2D, … (whole
/// windows only), keeping windows at least `day_step` days apart.
pub fn window_starts(days: usize, window: usize, day_step: usize) -> Vec<usize> {
	let step = day_step.max(1).div_ceil(window.max(1)).max(1);
	(0..days / window.max(1)).step_by(step).map(|index| index * window).collect()
}

/// One day of pure noise as the adversary draws it: one share a slot of
/// zero readings split into `n` by the public `splitter`.
pub fn noise_share_day(splitter: &Splitter, n: usize, rng: &mut StdRng) -> Result<Vec<f64>> {
	(0..SLOTS_PER_DAY).map(|_| Ok(splitter.split(0.0, n, rng)?[0])).collect()
}

/// Measures `setting` on `community`: the cross-day linkers on every pair
/// of consecutive days, then the averaging adversary with rotation on
/// (following the best linker) and off, over [`AVERAGED_DAYS`], profiled
/// with each of `fitted`.
pub fn run(
	community: &Community,
	fitted: &[Profiles],
	setting: &Setting,
	say: &impl Fn(&str),
) -> Result<RotationRun> {
	let started = Instant::now();
	let (prosumers, days, n) = (community.prosumers.len(), community.day_count(), setting.shares);
	let splitter = Splitter::GridVeil {
		spread_wh: setting.spread_wh,
		bound_wh: gridveil_edge::split::OFFLINE_MAX_SHARE_WH,
	};
	let shares = ShareDays::split(community, splitter, n, setting.seed)?;
	// Each pseudonym's day described, with its reports' timing modelled as
	// the box sends them: each at its own uniformly random moment in the slot.
	let mut rng = StdRng::seed_from_u64(setting.seed ^ 0x7141);
	let describe = |share_day: &[f64], rng: &mut StdRng| {
		let moments: Vec<f64> = (0..SLOTS_PER_DAY).map(|_| rng.gen_range(0.0..SLOT_MS)).collect();
		PseudonymDay::of(share_day, n, Some(crossday::timing(&[&moments])))
	};
	// The adversary's noise model: the public split of zero readings.
	let noise_days: Vec<PseudonymDay> = (0..NOISE_DAYS)
		.map(|_| Ok(describe(&noise_share_day(&splitter, n, &mut rng)?, &mut rng)))
		.collect::<Result<_>>()?;
	let noise = Noise::of(&noise_days);
	let mut described = Vec::with_capacity(prosumers * days * n);
	for prosumer in 0..prosumers {
		for day in 0..days {
			for ledger in 0..n {
				let share_day: Vec<f64> = shares
					.day(prosumer, day, ledger)
					.iter()
					.map(|share| f64::from(*share))
					.collect();
				described.push(describe(&share_day, &mut rng));
			}
		}
	}
	let groups = groups(prosumers);
	let (coordinator_float_kwh, unsplit_float_kwh) = floats(community, &shares, &groups);
	let mut linkage = Vec::new();
	let mut best: Option<(f64, Links, Linker)> = None;
	for linker in Linker::ALL {
		let links =
			link_days(&described, &noise, &groups, prosumers, days, n, linker, setting.seed);
		let group_sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
		let outcome = linkage_outcome(linker, &links.right, &group_sizes, n, setting.seed);
		say(&format!(
			"n = {n}, ±{} Wh: {} links {:.2} % right (chance {:.2} %)",
			setting.spread_wh,
			linker.name(),
			outcome.accuracy() * 100.0,
			outcome.chance * 100.0
		));
		if best.as_ref().is_none_or(|(accuracy, ..)| outcome.accuracy() > *accuracy) {
			best = Some((outcome.accuracy(), links, linker));
		}
		linkage.push(outcome);
	}
	drop(described);
	let (_, links, chain_linker) = best.expect("at least one linker");
	let mut averaging = Vec::new();
	for window in AVERAGED_DAYS.into_iter().filter(|window| *window <= days) {
		let starts = window_starts(days, window, setting.day_step);
		for rotation in [false, true] {
			// One day is the same adversary with rotation on or off: kept
			// once, as off (see `RotationRun::points`).
			if rotation && window == 1 {
				continue;
			}
			let (rows, owners) = chain_rows(
				&shares,
				prosumers,
				window,
				&starts,
				(rotation && window > 1).then_some(&links),
			);
			let mut line = format!(
				"n = {n}, ±{} Wh, {window} days, rotation {}: balanced",
				setting.spread_wh,
				if rotation { "on" } else { "off" }
			);
			for profiles in fitted {
				let point = score(profiles, &rows, &owners)?.point(15, profiles, n);
				if [2, 5, 10].contains(&profiles.count) {
					line.push_str(&format!(
						" |Γ|={} {:.1} %",
						profiles.count,
						point.balanced_accuracy() * 100.0
					));
				}
				averaging.push(RotatedPoint { rotation, days: window, point });
			}
			say(&line);
		}
	}
	Ok(RotationRun {
		shares: n,
		spread_wh: setting.spread_wh,
		day_step: setting.day_step,
		seed: setting.seed,
		groups: groups.len(),
		linkage,
		chain_linker,
		averaging,
		coordinator_float_kwh,
		unsplit_float_kwh,
		seconds: started.elapsed().as_secs_f64(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Eight prosumers of two kinds over 14 days, each at its own level,
	/// readings with some noise.
	fn community() -> Community {
		let mut rng = StdRng::seed_from_u64(5);
		let days = (0..8)
			.map(|prosumer| {
				(0..14)
					.map(|_| {
						(0..96)
							.map(|slot| {
								let own = 50.0 * prosumer as f64;
								let base = match prosumer % 2 {
									0 => 100.0 + own,
									_ if (40..56).contains(&slot) => -600.0 - own,
									_ => 300.0 + own,
								};
								base + rng.gen_range(-20.0..20.0)
							})
							.collect()
					})
					.collect()
			})
			.collect();
		Community { prosumers: (0..8).map(|index| format!("p{index}")).collect(), days }
	}

	#[test]
	fn the_demos_groups_are_two_halves() {
		assert_eq!(groups(51), vec![(0..26).collect::<Vec<_>>(), (26..51).collect()]);
		assert_eq!(groups(3), vec![vec![0, 1], vec![2]]);
	}

	#[test]
	fn the_sweep_repeats_n_5_with_more_seeds() {
		let runs = sweep(10);
		let at_five = SWEEP.iter().filter(|(shares, _)| *shares == 5).count();
		assert_eq!(runs.len(), SWEEP.len() + at_five * (REPEATS as usize - 1));
		assert_eq!(runs[..3], [(5, 10_000, 10), (5, 10_000, 11), (5, 10_000, 12)]);
		assert!(runs.contains(&(15, 10_000, 10)) && !runs.contains(&(15, 10_000, 11)));
	}

	#[test]
	fn windows_keep_their_distance() {
		assert_eq!(window_starts(366, 1, 7).len(), 53);
		assert_eq!(window_starts(366, 7, 7).len(), 52);
		assert_eq!(window_starts(366, 30, 7), (0..12).map(|index| index * 30).collect::<Vec<_>>());
		assert_eq!(window_starts(366, 366, 7), vec![0]);
	}

	/// Along the true chains (a linker that is always right) rotation on
	/// averages exactly what rotation off does.
	#[test]
	fn averaging_along_true_chains_is_averaging_one_pseudonym() {
		let community = community();
		let splitter = Splitter::GridVeil { spread_wh: 2_000, bound_wh: 1_000_000 };
		let shares = ShareDays::split(&community, splitter, 3, 1).unwrap();
		let (prosumers, days) = (8, 14);
		let truth = Links {
			shares: 3,
			prosumers,
			next: (0..days - 1)
				.flat_map(|_| (0..prosumers).flat_map(|prosumer| [prosumer as u16; 3]))
				.collect(),
			right: vec![prosumers * 3; days - 1],
		};
		let starts = window_starts(days, 7, 1);
		let off = chain_rows(&shares, prosumers, 7, &starts, None);
		let on = chain_rows(&shares, prosumers, 7, &starts, Some(&truth));
		assert_eq!(off, on);
		assert_eq!(off.0.len(), 2 * prosumers * 3);
		// And the averaged row is the mean share-day times n.
		let first: f64 =
			(0..7).map(|day| f64::from(shares.day(0, day, 0)[0])).sum::<f64>() * 3.0 / 7.0;
		assert!((off.0[0][0] - first).abs() < 1e-9);
	}

	/// With narrow shares each prosumer's days are its own and the linker
	/// follows it; with shares far wider than the readings it is at chance.
	#[test]
	fn narrow_shares_are_followed_and_wide_ones_are_not() {
		let community = community();
		let fitted = vec![Profiles::fit(&community.days, 2, 1).unwrap()];
		let measure = |spread_wh| {
			let setting = Setting { shares: 3, spread_wh, day_step: 1, seed: 7 };
			run(&community, &fitted, &setting, &|_| {}).unwrap()
		};
		let narrow = measure(30);
		let linked = narrow.chain_linkage().unwrap();
		assert!(linked.accuracy() > 0.9, "narrow: {}", linked.accuracy());
		assert_eq!(linked.chance, 2.0 / 8.0);
		let week_on = &narrow.points(true, 7)[0];
		assert!(week_on.balanced_accuracy() > 0.9, "followed chains give the profile away");
		let wide = measure(1_000_000);
		for outcome in &wide.linkage {
			assert!(
				(outcome.accuracy() - outcome.chance).abs()
					<= outcome.guessing_gap.max(outcome.half_width) + 0.05,
				"{:?}: {} against chance {}",
				outcome.linker,
				outcome.accuracy(),
				outcome.chance
			);
		}
	}
}
