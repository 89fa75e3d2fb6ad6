//! The repository's data, found at run time. A binary in the shared target
//! folder may have been built from another clone, so nothing here uses the
//! compile-time `CARGO_MANIFEST_DIR`: a file is looked up under
//! `$GRIDVEIL_ROOT` if it is set, else in the current folder and each folder
//! above it (so any folder of a checkout works).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// The reference dataset: 51 prosumers' 15-minute readings of 2016 (ODbL).
pub const DATASET: &str = "edge-client/data/community-2016-15min.csv.gz";

/// The dataset's prosumers and their kinds.
pub const USERS: &str = "edge-client/data/community-users.csv";

/// `relative` (a path inside the repository) under the checkout this
/// process runs in.
pub fn find(relative: &str) -> Result<PathBuf> {
	if let Ok(root) = std::env::var("GRIDVEIL_ROOT") {
		let path = Path::new(&root).join(relative);
		if path.exists() {
			return Ok(path);
		}
		bail!("{} does not exist (GRIDVEIL_ROOT={root})", path.display());
	}
	let current = std::env::current_dir()?;
	for folder in current.ancestors() {
		let path = folder.join(relative);
		if path.exists() {
			return Ok(path);
		}
	}
	bail!(
		"{relative} is not in {} or any folder above it: run from a GridVeil checkout, \
		 set GRIDVEIL_ROOT, or pass the path as an option",
		current.display()
	)
}

/// The default of a `--dataset` option.
pub fn dataset() -> Result<PathBuf> {
	find(DATASET)
}

/// The users file beside a dataset (`community-users.csv` in its folder).
pub fn users_beside(dataset: &Path) -> PathBuf {
	dataset.with_file_name("community-users.csv")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_dataset_is_found_from_a_folder_inside_the_checkout() {
		// Tests run in their crate's folder, two levels below the root.
		let dataset = dataset().expect("found from tests/harness");
		assert!(dataset.ends_with(DATASET));
		assert!(users_beside(&dataset).is_file());
	}

	#[test]
	fn a_missing_file_is_named_in_the_error() {
		let error = find("no/such/file.csv").unwrap_err().to_string();
		assert!(error.contains("no/such/file.csv"), "{error}");
	}
}
