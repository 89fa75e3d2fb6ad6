//! The measures every table of the page shares: how far an adversary is
//! from guessing, what guessing itself reaches by sampling, and the cells
//! that show accuracies.
use super::paper::Point;

/// How far from 1/|Γ| an adversary may be, percentage points.
pub const GOAL_PP: f64 = 3.0;

/// The worst balanced gap to 1/|Γ| over `points` that guessing uniformly at
/// random reaches on the same rows (each profile's row count), by sampling
/// alone: the 95th percentile of 200 draws.
pub fn guessing_gap(points: &[Point], seed: u64) -> f64 {
	use rand::{rngs::StdRng, Rng, SeedableRng};
	let mut rng = StdRng::seed_from_u64(seed);
	let mut gaps: Vec<f64> = (0..200)
		.map(|_| {
			points
				.iter()
				.map(|point| {
					let chance = 1.0 / point.profiles as f64;
					let recalls: Vec<f64> = point
						.per_profile
						.iter()
						.filter(|[trials, _]| *trials > 0)
						.map(|[trials, _]| {
							let trials = *trials as f64;
							let hits = if trials <= 200.0 {
								(0..trials as usize).filter(|_| rng.gen_bool(chance)).count() as f64
							} else {
								// Normal approximation of the binomial (Box–Muller).
								let (u, v): (f64, f64) =
									(rng.gen_range(f64::EPSILON..1.0), rng.gen());
								let normal =
									(-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
								trials * chance + normal * (trials * chance * (1.0 - chance)).sqrt()
							};
							hits / trials
						})
						.collect();
					let balanced = recalls.iter().sum::<f64>() / recalls.len().max(1) as f64;
					(balanced - chance).abs()
				})
				.fold(0.0, f64::max)
		})
		.collect();
	gaps.sort_by(f64::total_cmp);
	gaps.get(gaps.len() * 95 / 100).copied().unwrap_or(0.0)
}

/// The largest |`measure` − 1/|Γ|| over `points`, and the |Γ| where it is.
pub fn worst_gap(points: &[Point], measure: fn(&Point) -> f64) -> Option<(f64, usize)> {
	points
		.iter()
		.map(|point| ((measure(point) - 1.0 / point.profiles as f64).abs(), point.profiles))
		.max_by(|left, right| left.0.total_cmp(&right.0))
}

/// One table cell per |Γ| of `counts`: the accuracy at it, balanced accuracy
/// in brackets (`–` where `points` has none).
pub fn accuracy_cells(points: &[Point], counts: &[usize]) -> Vec<String> {
	counts
		.iter()
		.map(|count| {
			points.iter().find(|point| point.profiles == *count).map_or("–".into(), |point| {
				format!(
					"{:.1} % ({:.1} %)",
					point.accuracy() * 100.0,
					point.balanced_accuracy() * 100.0
				)
			})
		})
		.collect()
}
