//! An adversary the paper leaves out: pseudonyms live long. A prosumer's
//! pseudonym reports into the same ledger every day, so the adversary can
//! average a pseudonym's share-days over D days before profiling. Random
//! shares of one slot sum to the reading, so each share's mean is the
//! reading / n: the average, times n, tends to the prosumer's typical day as
//! D grows, unless the shares' noise is large against the readings.

use anyhow::Result;
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{
	community::Community,
	paper::{score, Point, Splitter},
	profiles::Profiles,
};

/// n of the averaging adversary.
pub const AVERAGING_SHARES: usize = 5;

/// One point: a split, the days averaged, and the profiling at one |Γ|.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AveragedPoint {
	/// The split's name (`paper`, `edge`).
	pub split: String,
	/// Days averaged per pseudonym (windows of D consecutive days).
	pub days: usize,
	/// The profiling of the averaged days times n.
	pub point: Point,
}

/// Splits every day of every prosumer into `share_count` shares with
/// `splitter` (15-minute slots), averages each pseudonym's share-days over
/// windows of each of `windows` days, scales by n and classifies them with
/// each of `fitted`.
pub fn run(
	community: &Community,
	name: &str,
	splitter: Splitter,
	share_count: usize,
	windows: &[usize],
	fitted: &[Profiles],
	seed: u64,
) -> Result<Vec<AveragedPoint>> {
	let mut rng = StdRng::seed_from_u64(seed);
	// shares[prosumer][pseudonym][day][slot]
	let mut shares: Vec<Vec<Vec<Vec<f64>>>> = Vec::with_capacity(community.days.len());
	for days in &community.days {
		let mut by_pseudonym = vec![Vec::with_capacity(days.len()); share_count];
		for day in days {
			let mut share_days = vec![Vec::with_capacity(day.len()); share_count];
			for value in day {
				for (share_day, share) in
					share_days.iter_mut().zip(splitter.split(*value, share_count, &mut rng)?)
				{
					share_day.push(share);
				}
			}
			for (pseudonym, share_day) in by_pseudonym.iter_mut().zip(share_days) {
				pseudonym.push(share_day);
			}
		}
		shares.push(by_pseudonym);
	}
	let mut points = Vec::new();
	for &window in windows {
		let (mut rows, mut owners) = (Vec::new(), Vec::new());
		for (owner, by_pseudonym) in shares.iter().enumerate() {
			for share_days in by_pseudonym {
				for days in share_days.chunks_exact(window.max(1)) {
					let mut mean = vec![0.0; days[0].len()];
					for day in days {
						for (total, share) in mean.iter_mut().zip(day) {
							*total += share;
						}
					}
					let scale = share_count as f64 / days.len() as f64;
					rows.push(mean.into_iter().map(|total| total * scale).collect());
					owners.push(owner);
				}
			}
		}
		for profiles in fitted {
			points.push(AveragedPoint {
				split: name.into(),
				days: window,
				point: score(profiles, &rows, &owners)?.point(15, profiles, share_count),
			});
		}
	}
	Ok(points)
}

#[cfg(test)]
mod tests {
	use rand::Rng;

	use super::*;

	/// Averaging over many days brings narrow shares back to the profile;
	/// shares wide against the readings keep it hidden for longer.
	#[test]
	fn averaging_narrow_shares_recovers_the_profile() {
		let mut rng = StdRng::seed_from_u64(3);
		let kinds = |kind: usize, slot: usize| -> f64 {
			match kind {
				0 => 100.0,
				_ if (40..56).contains(&slot) => -600.0,
				_ => 300.0,
			}
		};
		let days: Vec<Vec<Vec<f64>>> = (0..8)
			.map(|prosumer| {
				(0..64)
					.map(|_| {
						(0..96)
							.map(|slot| kinds(prosumer % 2, slot) + rng.gen_range(-20.0..20.0))
							.collect()
					})
					.collect()
			})
			.collect();
		let community =
			Community { prosumers: (0..8).map(|index| format!("p{index}")).collect(), days };
		let fitted = vec![Profiles::fit(&community.days, 2, 1).unwrap()];
		let narrow = Splitter::GridVeil { spread_wh: 1_000, bound_wh: 1_000_000 };
		let points = run(&community, "narrow", narrow, 5, &[1, 64], &fitted, 9).unwrap();
		let (one_day, all_days) = (&points[0], &points[1]);
		assert_eq!(one_day.point.trials, 8 * 5 * 64);
		assert_eq!(all_days.point.trials, 8 * 5);
		assert_eq!(all_days.point.accuracy(), 1.0, "64 days give the profile away");
		assert!(
			one_day.point.accuracy() < 0.85,
			"one day hides more: {}",
			one_day.point.accuracy()
		);
	}
}
