//! One meter reading, as the meter measures it and every stage of the box
//! handles it (store, meter signatures, proving, splitting).
use serde::{Deserialize, Serialize};

/// One meter reading: the energy imported from and exported to the grid in
/// one interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
	/// Start of the interval, ms since the Unix epoch.
	pub start_ms: u64,
	/// Energy drawn from the grid, Wh.
	pub import_wh: u64,
	/// Energy fed into the grid, Wh.
	pub export_wh: u64,
}

impl Reading {
	/// Net energy: positive when the household consumed from the grid.
	pub fn net_wh(&self) -> i64 {
		let import = i64::try_from(self.import_wh).unwrap_or(i64::MAX);
		let export = i64::try_from(self.export_wh).unwrap_or(i64::MAX);
		import.saturating_sub(export)
	}
}
