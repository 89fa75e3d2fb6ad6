//! The cross-day linker. With rotation, a prosumer's pseudonym in a ledger
//! lives one trading day; the next day the box reports into the same ledger
//! under a fresh pseudonym that nobody can tie to the old one by its key.
//! This adversary ties them by what they published: it describes each
//! pseudonym's day (its shares' statistics, the day's shape and, on chain,
//! when its reports came) and links each of day d's pseudonyms in a ledger to
//! its nearest neighbour among day d + 1's, one to one, greedily, nearest
//! pair first; ties fall to a seeded coin (as in [`crate::linkage`]), so a
//! linker that learns nothing links at random.
//!
//! On chain, feed it [`PseudonymDay::of`] of each pseudonym's reported day
//! with [`timing`] of its reports (the moment in its slot, its block's index
//! after the slot's first block, its place in the block), a [`Noise`] of the
//! same features over days split from zero readings (with the timing the
//! box's jitter would give), and call [`link`] per ledger of a group and
//! pair of consecutive days.

use std::collections::BTreeSet;

use rand::{rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

/// The share statistics a pseudonym's day is described by.
pub const STATISTICS: usize = 8;

/// Hours in a day: the shape's length.
pub const HOURS: usize = 24;

/// What the linker compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Linker {
	/// The day's share statistics (mean, standard deviation, quantiles,
	/// share of positive shares).
	Statistics,
	/// The day's shape: each hour's mean share.
	Shape,
	/// The statistics and the shape, each weighing the same.
	StatisticsAndShape,
	/// The statistics, the shape and the reports' timing, each weighing the
	/// same (pseudonyms without timing are compared without it).
	WithTiming,
}

impl Linker {
	/// Every linker, the weakest first.
	pub const ALL: [Linker; 4] =
		[Linker::Statistics, Linker::Shape, Linker::StatisticsAndShape, Linker::WithTiming];

	/// Its name on the results page.
	pub fn name(&self) -> &'static str {
		match self {
			Linker::Statistics => "share statistics",
			Linker::Shape => "the day's shape (hourly means)",
			Linker::StatisticsAndShape => "share statistics and shape",
			Linker::WithTiming => "share statistics, shape and report timing",
		}
	}
}

/// One pseudonym's day as the linker sees it. Share values are scaled by n,
/// so that they read as the prosumer's energy: a share's mean is the
/// reading / n.
#[derive(Clone, Debug, PartialEq)]
pub struct PseudonymDay {
	/// Mean, standard deviation, the 10, 25, 50, 75 and 90 % quantiles of
	/// its shares × n, and the share of its shares above zero.
	pub statistics: [f64; STATISTICS],
	/// Each hour's mean share × n.
	pub shape: [f64; HOURS],
	/// Its reports' timing ([`timing`]), when the adversary has it.
	pub timing: Option<Vec<f64>>,
}

impl PseudonymDay {
	/// Describes a day of shares (`share_day`, one per slot, the slots of
	/// the whole day in order) of a prosumer with `share_count` shares a
	/// slot, with its reports' `timing` if known.
	pub fn of(share_day: &[f64], share_count: usize, timing: Option<Vec<f64>>) -> Self {
		let scale = share_count.max(1) as f64;
		let count = share_day.len().max(1) as f64;
		let mean = share_day.iter().sum::<f64>() / count;
		let variance = share_day.iter().map(|share| (share - mean).powi(2)).sum::<f64>() / count;
		let mut sorted = share_day.to_vec();
		sorted.sort_by(f64::total_cmp);
		let quantile = |q: f64| -> f64 {
			if sorted.is_empty() {
				return 0.0;
			}
			sorted[((sorted.len() - 1) as f64 * q).round() as usize]
		};
		let positive = share_day.iter().filter(|share| **share > 0.0).count() as f64 / count;
		let statistics = [
			mean * scale,
			variance.sqrt() * scale,
			quantile(0.1) * scale,
			quantile(0.25) * scale,
			quantile(0.5) * scale,
			quantile(0.75) * scale,
			quantile(0.9) * scale,
			positive,
		];
		let mut shape = [0.0; HOURS];
		let per_hour = share_day.len().div_ceil(HOURS).max(1);
		for (hour, slots) in share_day.chunks(per_hour).enumerate().take(HOURS) {
			shape[hour] = slots.iter().sum::<f64>() / slots.len() as f64 * scale;
		}
		Self { statistics, shape, timing }
	}

	/// Its features that `linker` compares, as groups that weigh the same.
	fn groups(&self, linker: Linker) -> Vec<Option<&[f64]>> {
		let (statistics, shape) = (Some(&self.statistics[..]), Some(&self.shape[..]));
		match linker {
			Linker::Statistics => vec![statistics],
			Linker::Shape => vec![shape],
			Linker::StatisticsAndShape => vec![statistics, shape],
			Linker::WithTiming => vec![statistics, shape, self.timing.as_deref()],
		}
	}
}

/// How much each feature varies from the split's randomness alone: the
/// standard deviation of each feature over days of pure noise (days split
/// from readings of zero, or whatever the caller knows to be noise). The
/// split is public, so the adversary can draw these days itself. With it the
/// linker weighs every feature by the noise it carries (a Mahalanobis
/// distance), so a feature that is all noise cannot drown one that tells
/// the prosumers apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Noise {
	statistics: Vec<f64>,
	shape: Vec<f64>,
	timing: Vec<f64>,
}

impl Noise {
	/// The standard deviation of each feature over `noise_days`.
	pub fn of(noise_days: &[PseudonymDay]) -> Self {
		let deviations = |features: Vec<&[f64]>| -> Vec<f64> {
			let width = features.first().map_or(0, |first| first.len());
			(0..width)
				.map(|feature| {
					let values: Vec<f64> =
						features.iter().filter_map(|row| row.get(feature).copied()).collect();
					standard_deviation(&values).1
				})
				.collect()
		};
		Self {
			statistics: deviations(noise_days.iter().map(|day| &day.statistics[..]).collect()),
			shape: deviations(noise_days.iter().map(|day| &day.shape[..]).collect()),
			timing: deviations(noise_days.iter().filter_map(|day| day.timing.as_deref()).collect()),
		}
	}

	/// Its deviations in the order of [`PseudonymDay::groups`].
	fn groups(&self, linker: Linker) -> Vec<&[f64]> {
		let (statistics, shape, timing) = (&self.statistics[..], &self.shape[..], &self.timing[..]);
		match linker {
			Linker::Statistics => vec![statistics],
			Linker::Shape => vec![shape],
			Linker::StatisticsAndShape => vec![statistics, shape],
			Linker::WithTiming => vec![statistics, shape, timing],
		}
	}
}

/// The mean and the standard deviation of `values`.
fn standard_deviation(values: &[f64]) -> (f64, f64) {
	let count = values.len().max(1) as f64;
	let mean = values.iter().sum::<f64>() / count;
	let variance = values.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / count;
	(mean, variance.sqrt())
}

/// Timing features of one pseudonym's day of reports: the mean and the
/// standard deviation of each measure in `measures`, e.g. each report's
/// moment within its slot (ms), its block's index after the slot's first
/// block, its position in its block. A box that sends each share at its own
/// uniformly random moment of the slot gives every pseudonym the same law
/// here; a box that sends its shares together does not.
pub fn timing(measures: &[&[f64]]) -> Vec<f64> {
	let mut features = Vec::with_capacity(measures.len() * 2);
	for values in measures {
		let (mean, deviation) = standard_deviation(values);
		features.push(mean);
		features.push(deviation);
	}
	features
}

/// Links each of `today`'s pseudonyms (one ledger's, one group's) to one of
/// `tomorrow`'s (the same ledger's and group's), one to one: every feature is
/// divided by its `noise` (or, without a noise model, standardised over both
/// days' pseudonyms), a pair's distance is the sum over `linker`'s feature
/// groups of the group's mean squared difference, and pairs are taken
/// nearest first, ties in random order from `rng`.
/// `linked[i]` is the index in `tomorrow` linked to `today[i]` (`None` when
/// `tomorrow` has fewer pseudonyms).
pub fn link(
	today: &[PseudonymDay],
	tomorrow: &[PseudonymDay],
	linker: Linker,
	noise: Option<&Noise>,
	rng: &mut StdRng,
) -> Vec<Option<usize>> {
	let group_count = today.first().or(tomorrow.first()).map_or(0, |day| day.groups(linker).len());
	// Per group: what each feature is centred on and divided by.
	let scales: Vec<Vec<(f64, f64)>> = (0..group_count)
		.map(|group| {
			if let Some(noise) = noise {
				return noise.groups(linker)[group]
					.iter()
					.map(|deviation| (0.0, *deviation))
					.collect();
			}
			let present: Vec<&[f64]> =
				today.iter().chain(tomorrow).filter_map(|day| day.groups(linker)[group]).collect();
			let width = present.first().map_or(0, |features| features.len());
			(0..width)
				.map(|feature| {
					let values: Vec<f64> = present
						.iter()
						.filter_map(|features| features.get(feature).copied())
						.collect();
					standard_deviation(&values)
				})
				.collect()
		})
		.collect();
	let standardised = |day: &PseudonymDay| -> Vec<Option<Vec<f64>>> {
		day.groups(linker)
			.into_iter()
			.zip(&scales)
			.map(|(features, scale)| {
				features.map(|features| {
					features
						.iter()
						.zip(scale)
						.map(
							|(value, (mean, deviation))| {
								if *deviation > 0.0 {
									(value - mean) / deviation
								} else {
									0.0
								}
							},
						)
						.collect()
				})
			})
			.collect()
	};
	let (left, right): (Vec<_>, Vec<_>) =
		(today.iter().map(standardised).collect(), tomorrow.iter().map(standardised).collect());
	let mut pairs = Vec::with_capacity(left.len() * right.len());
	for (row, left) in left.iter().enumerate() {
		for (column, right) in right.iter().enumerate() {
			pairs.push((distance(left, right), row, column));
		}
	}
	pairs.shuffle(rng);
	pairs.sort_by(|left, right| left.0.total_cmp(&right.0));
	let (mut rows, mut columns) = (BTreeSet::new(), BTreeSet::new());
	let mut linked = vec![None; today.len()];
	for (_, row, column) in pairs {
		if !rows.contains(&row) && !columns.contains(&column) {
			rows.insert(row);
			columns.insert(column);
			linked[row] = Some(column);
		}
	}
	linked
}

/// The sum over the feature groups both sides have of the group's mean
/// squared difference.
fn distance(left: &[Option<Vec<f64>>], right: &[Option<Vec<f64>>]) -> f64 {
	left.iter()
		.zip(right)
		.filter_map(|(left, right)| {
			let (left, right) = (left.as_ref()?, right.as_ref()?);
			let width = left.len().min(right.len());
			if width == 0 {
				return None;
			}
			Some(left.iter().zip(right).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / width as f64)
		})
		.sum()
}

#[cfg(test)]
mod tests {
	use rand::{Rng, SeedableRng};

	use super::*;

	/// Each of `members` prosumers' share-day in one ledger on two days:
	/// its own level and shape plus uniform noise of ± `noise`.
	fn two_days(members: usize, level: f64, noise: f64, seed: u64) -> [Vec<PseudonymDay>; 2] {
		let mut rng = StdRng::seed_from_u64(seed);
		[0, 1].map(|_| {
			(0..members)
				.map(|member| {
					let day: Vec<f64> = (0..96)
						.map(|slot| {
							let own = level * member as f64
								+ if slot / 4 == member % 24 { level } else { 0.0 };
							own + rng.gen_range(-noise..=noise)
						})
						.collect();
					PseudonymDay::of(&day, 5, None)
				})
				.collect()
		})
	}

	fn right(linked: &[Option<usize>]) -> usize {
		linked.iter().enumerate().filter(|(index, to)| **to == Some(*index)).count()
	}

	#[test]
	fn distinctive_days_with_narrow_shares_are_linked_perfectly() {
		let [today, tomorrow] = two_days(20, 100.0, 5.0, 1);
		let noise = Noise::of(&two_days(200, 0.0, 5.0, 2).concat());
		for linker in Linker::ALL {
			let linked =
				link(&today, &tomorrow, linker, Some(&noise), &mut StdRng::seed_from_u64(2));
			assert_eq!(right(&linked), 20, "{linker:?}");
		}
		// Without a noise model (standardised over the pseudonyms), the shape
		// alone still links them.
		let linked = link(&today, &tomorrow, Linker::Shape, None, &mut StdRng::seed_from_u64(2));
		assert_eq!(right(&linked), 20);
	}

	#[test]
	fn shares_of_pure_noise_are_linked_at_chance() {
		let (members, draws) = (20, 300);
		let mut total = 0;
		for draw in 0..draws {
			let [today, tomorrow] = two_days(members, 0.0, 10_000.0, draw);
			let noise = Noise::of(&two_days(100, 0.0, 10_000.0, draw + 1_000).concat());
			let linked = link(
				&today,
				&tomorrow,
				Linker::StatisticsAndShape,
				Some(&noise),
				&mut StdRng::seed_from_u64(draw),
			);
			assert!(linked.iter().all(Option::is_some));
			total += right(&linked);
		}
		// A random one-to-one linking gets one right on average (variance 1).
		let mean = total as f64 / draws as f64;
		assert!((0.8..1.2).contains(&mean), "{mean} right of {members} a day pair");
	}

	#[test]
	fn timing_is_used_when_it_separates_the_boxes() {
		// Identical shares, but each box reports at its own moment.
		let day: Vec<f64> = vec![10.0; 96];
		let with_moment = |moment: f64| {
			PseudonymDay::of(&day, 5, Some(timing(&[&[moment, moment + 1.0, moment + 2.0]])))
		};
		let today: Vec<_> = (0..10).map(|box_| with_moment(box_ as f64 * 50.0)).collect();
		let tomorrow: Vec<_> = (0..10).map(|box_| with_moment(box_ as f64 * 50.0 + 3.0)).collect();
		let linked =
			link(&today, &tomorrow, Linker::WithTiming, None, &mut StdRng::seed_from_u64(3));
		assert_eq!(right(&linked), 10);
		let blind = link(
			&today,
			&tomorrow,
			Linker::StatisticsAndShape,
			None,
			&mut StdRng::seed_from_u64(3),
		);
		assert!(right(&blind) < 10, "without timing the days are all alike");
	}

	#[test]
	fn the_statistics_scale_by_n() {
		let day: Vec<f64> = (0..96).map(|slot| if slot < 48 { -1.0 } else { 3.0 }).collect();
		let described = PseudonymDay::of(&day, 5, None);
		assert_eq!(described.statistics[0], 5.0, "mean 1 × 5");
		assert_eq!(described.statistics[1], 10.0, "standard deviation 2 × 5");
		assert_eq!(described.statistics[7], 0.5, "half the shares above zero");
		assert_eq!(described.shape[0], -5.0);
		assert_eq!(described.shape[23], 15.0);
	}
}
