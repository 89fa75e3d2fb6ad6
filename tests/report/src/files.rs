//! The files an evaluation binary reads and writes, as its global options:
//! its results file and the reference dataset, both found in the checkout
//! it runs in unless the options name them.

use std::path::PathBuf;

use anyhow::Result;
use gridveil_harness::workspace;

/// `--results` and `--dataset`.
#[derive(Clone, Debug, clap::Args)]
pub struct Files {
	/// The results file to add to (default: `results.json` in the page's
	/// folder under `docs/`).
	#[arg(long, global = true)]
	pub results: Option<PathBuf>,
	/// The reference dataset (default:
	/// `edge-client/data/community-2016-15min.csv.gz` of the checkout this
	/// runs in, or under `$GRIDVEIL_ROOT`).
	#[arg(long, global = true)]
	pub dataset: Option<PathBuf>,
}

impl Files {
	/// The results file: `--results`, else `results.json` in `page_dir`.
	pub fn results(&self, page_dir: impl FnOnce() -> Result<PathBuf>) -> Result<PathBuf> {
		match &self.results {
			Some(path) => Ok(path.clone()),
			None => Ok(page_dir()?.join("results.json")),
		}
	}

	/// The dataset: `--dataset`, else the checkout's.
	pub fn dataset(&self) -> Result<PathBuf> {
		match &self.dataset {
			Some(path) => Ok(path.clone()),
			None => workspace::dataset(),
		}
	}
}
