//! Each household's meter: a simulated signing meter paired with its box
//! before the day, whose key the operator registers on chain.

use std::path::{Path, PathBuf};

use anyhow::Result;
use gridveil_harness::edge::EdgeConfig;

use super::actors::Prosumer;

/// Household `prosumer`'s meter in the chain's registry.
pub fn meter_id(prosumer: &Prosumer) -> u64 {
	prosumer.index as u64 + 1
}

/// Where the boxes' folders are, under the demo's folder.
pub fn boxes_root(dir: &Path) -> PathBuf {
	dir.join("boxes")
}

/// Household `prosumer`'s box folder under `root`.
pub fn box_dir(root: &Path, prosumer: &Prosumer) -> PathBuf {
	root.join(prosumer.column())
}

/// Pairs household `prosumer`'s box under `root` with its simulated meter:
/// the pairing secret and the meter's signing key go into the box's folder
/// (its configuration is written again when the box starts). Returns the
/// meter's public key, for the registrar.
pub fn pair(prosumer: &Prosumer, dataset: &Path, root: &Path) -> Result<[u8; 33]> {
	let column = prosumer.column();
	let mut config =
		EdgeConfig::replay("ws://127.0.0.1:1", &box_dir(root, prosumer), dataset, &column, 1);
	config.meter_id = meter_id(prosumer);
	config.write(&prosumer.device_secret, &prosumer.secret)?;
	config.meter_public_key()
}
