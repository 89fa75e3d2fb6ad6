//! The profiling adversary's model (the paper's section 9.4): k-means over
//! the prosumers' typical days, each prosumer's profile its cluster, and the
//! predictor γ(·) that assigns any day-vector a profile.

use anyhow::{ensure, Context, Result};
use linfa::{traits::Fit, traits::Predict, DatasetBase};
use linfa_clustering::KMeans;
use linfa_nn::distance::L2Dist;
use ndarray::Array2;
use rand_xoshiro::{rand_core::SeedableRng, Xoshiro256Plus};

/// A fitted set of |Γ| profiles.
pub struct Profiles {
	model: KMeans<f64, L2Dist>,
	/// Each prosumer's profile γ(U): the cluster of its typical day.
	pub of_prosumer: Vec<usize>,
	/// |Γ|.
	pub count: usize,
}

impl Profiles {
	/// Fits `count` clusters to the prosumers' typical days
	/// (`days[prosumer][day]`, all of one length): as in the paper, where
	/// |Γ| runs from 2 to the number of prosumers, each prosumer is one point,
	/// its mean day over the year, and its profile γ(U) is that point's
	/// cluster. k-means++ is seeded by `seed`, best of three runs.
	pub fn fit(days: &[Vec<Vec<f64>>], count: usize, seed: u64) -> Result<Self> {
		ensure!((1..=days.len()).contains(&count), "{count} profiles for {} prosumers", days.len());
		let typical: Vec<Vec<f64>> =
			days.iter().map(|prosumer_days| mean_day(prosumer_days)).collect::<Result<_>>()?;
		let width = typical[0].len();
		ensure!(typical.iter().all(|day| day.len() == width), "days of different lengths");
		let refs: Vec<&Vec<f64>> = typical.iter().collect();
		let records = matrix(&refs, width)?;
		let model = KMeans::params_with_rng(count, Xoshiro256Plus::seed_from_u64(seed))
			.n_runs(3)
			.max_n_iterations(300)
			.tolerance(1e-6)
			.fit(&DatasetBase::from(records.clone()))
			.map_err(|error| anyhow::anyhow!("k-means with {count} profiles: {error}"))?;
		let of_prosumer = model.predict(&records).to_vec();
		Ok(Self { model, of_prosumer, count })
	}

	/// γ(·) of each row (each the fitted days' length).
	pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Vec<usize>> {
		if rows.is_empty() {
			return Ok(Vec::new());
		}
		let width = rows[0].len();
		let refs: Vec<&Vec<f64>> = rows.iter().collect();
		Ok(self.model.predict(&matrix(&refs, width)?).to_vec())
	}

	/// The largest profile's share of the prosumers: what always naming it wins.
	pub fn largest_share(&self) -> f64 {
		self.sizes().into_iter().max().unwrap_or(0) as f64 / self.of_prosumer.len().max(1) as f64
	}

	/// How many prosumers have each profile.
	pub fn sizes(&self) -> Vec<usize> {
		let mut sizes = vec![0; self.count];
		for profile in &self.of_prosumer {
			sizes[*profile] += 1;
		}
		sizes
	}
}

/// The slot-by-slot mean of `days`.
fn mean_day(days: &[Vec<f64>]) -> Result<Vec<f64>> {
	let first = days.first().context("a prosumer without days")?;
	let mut sum = vec![0.0; first.len()];
	for day in days {
		ensure!(day.len() == sum.len(), "days of different lengths");
		for (total, value) in sum.iter_mut().zip(day) {
			*total += value;
		}
	}
	Ok(sum.into_iter().map(|total| total / days.len() as f64).collect())
}

fn matrix(rows: &[&Vec<f64>], width: usize) -> Result<Array2<f64>> {
	ensure!(rows.iter().all(|row| row.len() == width), "rows of different lengths");
	let flat: Vec<f64> = rows.iter().flat_map(|row| row.iter().copied()).collect();
	Ok(Array2::from_shape_vec((rows.len(), width), flat)?)
}
