//! What the privacy evaluation measured, kept in `docs/privacy/results.json`
//! so that the page can be rendered again without rerunning it.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{
	averaging::AveragedPoint, fingerprints::Attack, onchain::ChainRun, paper::Point,
	rotation::RotationRun,
};

/// Every figure of `docs/privacy.md`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Results {
	/// The paper's experiment with the paper's split.
	#[serde(default)]
	pub paper_split: Vec<Point>,
	/// The same experiment with the edge client's split.
	#[serde(default)]
	pub gridveil_split: Vec<Point>,
	/// Every `day_step`-th day was classified.
	#[serde(default)]
	pub day_step: usize,
	/// Seed of the splits and of k-means.
	#[serde(default)]
	pub seed: u64,
	/// Long-lived pseudonyms averaged over days, per split.
	#[serde(default)]
	pub averaging: Vec<AveragedPoint>,
	/// The runs on chain, by name.
	#[serde(default)]
	pub chain: Vec<ChainRun>,
	/// The brute-force search against v1 and v2 hour fingerprints.
	#[serde(default)]
	pub fingerprints: Option<Attack>,
	/// Rotation: the cross-day linker and the averaging adversary with
	/// rotation on and off, one run per (n, spread).
	#[serde(default)]
	pub rotation: Vec<RotationRun>,
}

impl Results {
	/// Reads `path`, or empty results if it does not exist.
	pub fn load(path: &Path) -> Result<Self> {
		gridveil_report::results_file::load(path)
	}

	/// Writes `path` (pretty JSON).
	pub fn save(&self, path: &Path) -> Result<()> {
		gridveil_report::results_file::save(self, path)
	}
}
