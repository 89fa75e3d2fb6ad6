//! The validation service (the paper's Fig. 12): recompute each registered
//! hour's fingerprint from the readings in the store, starting from the
//! chain's fingerprint of the hour before, and compare it with the chain's.
//! Hours are checked independently, so every tampered hour is named.
use gridveil_circuits::poseidon;
use gridveil_groth16::{scalar_from_bytes, Scalar};
use serde::Serialize;

use gridveil_offchain::{
	chain::{Chain, ChainError, ProgramState},
	store::StoreError,
};

use crate::{prove::Schedule, store::Store};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
	/// The chain does not know the program.
	#[error("the chain has no program {0}")]
	UnknownProgram(u64),
	/// The hour is not registered on chain.
	#[error("hour {0} is not registered on chain")]
	UnknownHour(u32),
	/// The chain failed.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

/// What the audit found for one hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Finding {
	/// The stored readings hash to the chain's fingerprint.
	Matches,
	/// They do not: a reading of this hour was changed after it was proven.
	Tampered,
	/// The store lacks readings of this hour.
	MissingReadings,
}

/// One hour's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HourFinding {
	/// The hour.
	pub hour: u32,
	/// What was found.
	pub finding: Finding,
}

/// An audit's results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Audit {
	/// The program.
	pub program_id: u64,
	/// Each audited hour.
	pub hours: Vec<HourFinding>,
}

impl Audit {
	/// The first hour that is not as proven.
	pub fn first_tampered(&self) -> Option<u32> {
		self.hours.iter().find(|hour| hour.finding != Finding::Matches).map(|hour| hour.hour)
	}
}

fn scalar(bytes: &[u8; 32]) -> Scalar {
	scalar_from_bytes(bytes).unwrap_or_else(|| Scalar::from(0u64))
}

/// Audits `program_id` (one hour, or every registered hour).
pub async fn audit(
	store: &Store,
	chain: &Chain,
	program_id: u64,
	hour: Option<u32>,
	interval_ms: u64,
) -> Result<Audit, AuditError> {
	let best = chain.best().await?;
	let state =
		Chain::program(&best, program_id).await?.ok_or(AuditError::UnknownProgram(program_id))?;
	audit_state(store, &state, program_id, hour, interval_ms)
}

/// [`audit`] against a program state already read.
pub fn audit_state(
	store: &Store,
	state: &ProgramState,
	program_id: u64,
	hour: Option<u32>,
	interval_ms: u64,
) -> Result<Audit, AuditError> {
	if let Some(hour) = hour {
		if !state.hours.iter().any(|(registered, _)| *registered == hour) {
			return Err(AuditError::UnknownHour(hour));
		}
	}
	let schedule = Schedule {
		start_ms: state.program.start,
		hours: state.program.hours,
		hour_length_ms: state.hour_length,
		due_ms: state.due,
	};
	let readings_per_hour = (state.hour_length / interval_ms.max(1)) as usize;
	let mut previous = Scalar::from(0u64);
	let mut hours = Vec::new();
	for (registered, record) in &state.hours {
		let chained = scalar(&record.fingerprint);
		if hour.is_none_or(|hour| hour == *registered) {
			let readings = store.readings(schedule.window(*registered))?;
			let finding = if readings.len() != readings_per_hour {
				Finding::MissingReadings
			} else {
				let imports: Vec<u64> = readings.iter().map(|reading| reading.import_wh).collect();
				if poseidon::fingerprint(previous, &imports) == chained {
					Finding::Matches
				} else {
					Finding::Tampered
				}
			};
			hours.push(HourFinding { hour: *registered, finding });
		}
		previous = chained;
	}
	Ok(Audit { program_id, hours })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::store::{Reading, StoredReading, READINGS};
	use gridveil_groth16::scalar_to_bytes;
	use gridveil_offchain::chain::{HourRecord, Program, ProgramStatus};
	use subxt::utils::AccountId32;

	const INTERVAL: u64 = 1_000;

	fn imports(hour: u64) -> Vec<u64> {
		(0..4).map(|quarter| 100 * hour + quarter).collect()
	}

	/// A store with three hours of readings and the chain's state for them.
	fn setup(dir: &std::path::Path) -> (Store, ProgramState) {
		let store = Store::open(&dir.join("edge.redb")).unwrap();
		let mut previous = Scalar::from(0u64);
		let mut hours = Vec::new();
		for hour in 0..3u64 {
			for (quarter, import_wh) in imports(hour).into_iter().enumerate() {
				let start_ms = (hour * 4 + quarter as u64) * INTERVAL;
				store.append_reading(Reading { start_ms, import_wh, export_wh: 0 }).unwrap();
			}
			previous = poseidon::fingerprint(previous, &imports(hour));
			let record =
				HourRecord { deviation: 0, fingerprint: scalar_to_bytes(&previous), penalty: 0 };
			hours.push((hour as u32, record));
		}
		let program = Program {
			aggregator: AccountId32([1; 32]),
			prosumer: AccountId32([2; 32]),
			key_id: 0,
			commitment: [0; 32],
			reward: 0,
			rate_per_wh: 0,
			start: 0,
			hours: 3,
			status: ProgramStatus::Active,
			escrow: 0,
			next_hour: 3,
			last_fingerprint: scalar_to_bytes(&previous),
		};
		(store, ProgramState { program, hours, hour_length: 4 * INTERVAL, due: 0 })
	}

	#[test]
	fn an_untouched_store_matches_every_hour() {
		let dir = tempfile::tempdir().unwrap();
		let (store, state) = setup(dir.path());
		let audit = audit_state(&store, &state, 0, None, INTERVAL).unwrap();
		assert_eq!(audit.hours.len(), 3);
		assert_eq!(audit.first_tampered(), None);
	}

	#[test]
	fn an_edited_reading_is_named_by_its_hour_and_only_that_hour() {
		let dir = tempfile::tempdir().unwrap();
		let (store, state) = setup(dir.path());
		let start = 5 * INTERVAL; // hour 1, second reading
		let stored = store.stored_readings(start..start + 1).unwrap()[0];
		let write = store.database().begin_write().unwrap();
		{
			let mut table = write.open_table(READINGS).unwrap();
			let forged = Reading { import_wh: 7, ..stored.reading };
			table.insert(start, StoredReading::encode_raw(forged, stored.link).as_slice()).unwrap();
		}
		write.commit().unwrap();
		let audit = audit_state(&store, &state, 0, None, INTERVAL).unwrap();
		assert_eq!(audit.first_tampered(), Some(1));
		let findings: Vec<Finding> = audit.hours.iter().map(|hour| hour.finding).collect();
		assert_eq!(findings, vec![Finding::Matches, Finding::Tampered, Finding::Matches]);
		assert_eq!(
			audit_state(&store, &state, 0, Some(2), INTERVAL).unwrap().first_tampered(),
			None
		);
		assert!(matches!(
			audit_state(&store, &state, 0, Some(9), INTERVAL),
			Err(AuditError::UnknownHour(9))
		));
	}
}
