//! The reference community (51 prosumers, 2016, 15-minute net energy) as
//! the profiling adversary's ground truth: every prosumer's days as vectors.

use std::{io::Read, path::Path};

use anyhow::{bail, ensure, Context, Result};

/// 15-minute slots in a day.
pub const SLOTS_PER_DAY: usize = 96;

/// Every prosumer's net energy, day by day.
#[derive(Clone, Debug)]
pub struct Community {
	/// Column names (`household-00`, `business-03`, …), in dataset order.
	pub prosumers: Vec<String>,
	/// `days[prosumer][day][slot]`: net Wh of each 15-minute slot.
	pub days: Vec<Vec<Vec<f64>>>,
}

impl Community {
	/// Reads the gzipped CSV (a `time` column, then one column per
	/// prosumer, one row per 15-minute slot; whole days only).
	pub fn load(path: &Path) -> Result<Self> {
		let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
		let mut text = String::new();
		flate2::read::GzDecoder::new(file)
			.read_to_string(&mut text)
			.with_context(|| format!("{}", path.display()))?;
		let mut lines = text.lines();
		let header = lines.next().context("the dataset is empty")?;
		let prosumers: Vec<String> = header.split(',').skip(1).map(String::from).collect();
		ensure!(!prosumers.is_empty(), "the dataset has no prosumer columns");
		let mut series = vec![Vec::new(); prosumers.len()];
		for (row, line) in lines.enumerate() {
			let mut fields = line.split(',').skip(1);
			for (prosumer, values) in series.iter_mut().enumerate() {
				let field = fields
					.next()
					.with_context(|| format!("row {row}: no value for {}", prosumers[prosumer]))?;
				values.push(
					field.trim().parse::<f64>().with_context(|| {
						format!("row {row}, {}: {field:?}", prosumers[prosumer])
					})?,
				);
			}
		}
		let rows = series[0].len();
		if rows == 0 || rows % SLOTS_PER_DAY != 0 {
			bail!("{rows} rows are not whole days of {SLOTS_PER_DAY} slots");
		}
		let days = series
			.into_iter()
			.map(|values| values.chunks(SLOTS_PER_DAY).map(<[f64]>::to_vec).collect())
			.collect();
		Ok(Self { prosumers, days })
	}

	/// Days in the dataset.
	pub fn day_count(&self) -> usize {
		self.days.first().map_or(0, Vec::len)
	}

	/// The smallest and largest 15-minute value of any prosumer.
	pub fn range(&self) -> (f64, f64) {
		self.days
			.iter()
			.flatten()
			.flatten()
			.fold((f64::MAX, f64::MIN), |(low, high), value| (low.min(*value), high.max(*value)))
	}
}

/// `day` at slots of `minutes` (15, 30, 60, …): each slot the sum of its
/// 15-minute slots.
pub fn at_slot_length(day: &[f64], minutes: usize) -> Vec<f64> {
	let per_slot = (minutes / 15).max(1);
	day.chunks(per_slot).map(|slots| slots.iter().sum()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn longer_slots_sum_their_quarter_hours() {
		let day: Vec<f64> = (0..96).map(f64::from).collect();
		let halves = at_slot_length(&day, 30);
		assert_eq!(halves.len(), 48);
		assert_eq!(halves[0], 1.0);
		assert_eq!(halves[47], 94.0 + 95.0);
		assert_eq!(at_slot_length(&day, 15), day);
	}

	#[test]
	fn the_reference_dataset_is_51_prosumers_over_2016() {
		let community = Community::load(&gridveil_harness::workspace::dataset().unwrap()).unwrap();
		assert_eq!(community.prosumers.len(), 51);
		assert_eq!(community.day_count(), 366);
		assert!(community.days.iter().flatten().all(|day| day.len() == SLOTS_PER_DAY));
		let (low, high) = community.range();
		assert!(low < 0.0 && high > 0.0, "PV feeds in, loads consume: {low}..{high}");
	}
}
