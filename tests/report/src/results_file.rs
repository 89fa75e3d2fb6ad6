//! A results file as the evaluation binaries keep them: pretty JSON, empty
//! results when it does not exist yet.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{de::DeserializeOwned, Serialize};

/// Reads `path`, or `T::default()` if it does not exist.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
	match std::fs::read(path) {
		Ok(bytes) => serde_json::from_slice(&bytes)
			.with_context(|| format!("{} is not a results file", path.display())),
		Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
		Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
	}
}

/// Writes `value` to `path` as pretty JSON, creating its folder.
pub fn save<T: Serialize>(value: &T, path: &Path) -> Result<()> {
	if let Some(parent) = path.parent() {
		std::fs::create_dir_all(parent)?;
	}
	std::fs::write(path, serde_json::to_vec_pretty(value)?)
		.with_context(|| format!("writing {}", path.display()))
}
