//! The demo's network: `zombienet/local.toml` (four validators) spawned with
//! zombienet-sdk, with the market and program clocks set in genesis.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use zombienet_sdk::{LocalFileSystem, Network, NetworkConfig, NetworkConfigExt};

use crate::{energy_market::SLOTS_PER_DAY, node::node_binary};

/// The slot the demo aims for: one 6-second block.
const NOMINAL_SLOT_LENGTH_MS: u64 = 6_000;
/// How far the slot may stray from 6 s so that the first day starts soon.
const SLOT_LENGTH_SPREAD_MS: u64 = 120;

/// The market's clock on the demo chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
	/// One trading slot and one meter interval, ms.
	pub slot_length_ms: u64,
	/// The trading day the demo runs.
	pub day: u32,
}

impl Clock {
	/// Days on the chain are numbered from the Unix epoch, so with 6-second
	/// slots the next day may be up to 9.6 minutes away. This picks the slot
	/// length within 6 s ± 2 % (to the millisecond) whose next day starts
	/// soonest after `earliest` (ms since the epoch).
	pub fn starting_after(earliest: u64) -> Self {
		(NOMINAL_SLOT_LENGTH_MS - SLOT_LENGTH_SPREAD_MS
			..=NOMINAL_SLOT_LENGTH_MS + SLOT_LENGTH_SPREAD_MS)
			.map(|slot_length_ms| {
				let day_length = slot_length_ms * u64::from(SLOTS_PER_DAY);
				let day = earliest.div_ceil(day_length) as u32;
				Self { slot_length_ms, day }
			})
			.min_by_key(|clock| clock.day_start())
			.expect("the range of slot lengths is not empty")
	}

	/// A day, ms.
	pub fn day_length_ms(&self) -> u64 {
		self.slot_length_ms * u64::from(SLOTS_PER_DAY)
	}

	/// The start of the demo's day, ms since the epoch.
	pub fn day_start(&self) -> u64 {
		u64::from(self.day) * self.day_length_ms()
	}

	/// The end of the demo's day.
	pub fn day_end(&self) -> u64 {
		self.day_start() + self.day_length_ms()
	}

	/// A program hour: four meter intervals (the circuit's readings per hour).
	pub fn hour_length_ms(&self) -> u64 {
		self.slot_length_ms * gridveil_circuits::READINGS_PER_HOUR as u64
	}

	/// The absolute slot number of slot `slot` of the day.
	pub fn slot(&self, slot: u32) -> u32 {
		self.day * SLOTS_PER_DAY + slot
	}
}

/// `zombienet/local.toml` with this clock and report window in genesis, and
/// its nodes' folders under `dir`.
pub fn network_toml(clock: &Clock, report_grace_slots: u32, dir: &Path) -> Result<String> {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zombienet/local.toml");
	let base =
		std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
	let settings = format!("[settings]\nbase_dir = {:?}", dir.display().to_string());
	// Nodes are stopped and restarted on purpose in the fault tests.
	let base = base.replacen("[settings]", &settings, 1).replacen(
		"tear_down_on_failure = true",
		"tear_down_on_failure = false",
		1,
	);
	Ok(format!(
		"{base}\n[relaychain.genesis.energyMarket]\nslotLengthMs = {slot}\nreportGraceSlots = \
		 {report_grace_slots}\n\n[relaychain.genesis.demandResponse]\nhourLength = {hour}\n",
		slot = clock.slot_length_ms,
		hour = clock.hour_length_ms(),
	))
}

/// Puts the workspace's `gridveil-node` first on PATH: zombienet runs it from there.
pub fn put_node_on_path() -> Result<()> {
	let node_dir = node_binary()?
		.parent()
		.map(PathBuf::from)
		.ok_or_else(|| anyhow!("the node binary has no directory"))?;
	let path = std::env::var("PATH").unwrap_or_default();
	if !path.split(':').any(|entry| Path::new(entry) == node_dir) {
		std::env::set_var("PATH", format!("{}:{path}", node_dir.display()));
	}
	Ok(())
}

/// Spawns the four validators (`gridveil-node` from the workspace's build)
/// under `dir`.
pub async fn spawn(
	clock: &Clock,
	report_grace_slots: u32,
	dir: &Path,
) -> Result<Network<LocalFileSystem>> {
	put_node_on_path()?;
	let toml = network_toml(clock, report_grace_slots, dir)?;
	let config = NetworkConfig::load_from_toml_string(&toml)
		.map_err(|error| anyhow!("zombienet/local.toml: {error}"))?;
	config.spawn_native().await.map_err(|error| anyhow!("spawning the network: {error}"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_first_day_starts_within_seconds_and_slots_stay_near_six_seconds() {
		for earliest in [1_763_000_000_000u64, 1_763_000_123_456, 1_800_000_000_001] {
			let clock = Clock::starting_after(earliest);
			assert!(clock.day_start() >= earliest);
			assert!(clock.day_start() - earliest < 30_000, "{clock:?} after {earliest}");
			assert!(clock.slot_length_ms.abs_diff(NOMINAL_SLOT_LENGTH_MS) <= SLOT_LENGTH_SPREAD_MS);
		}
	}
}
