//! The validation service (the paper's Fig. 12): recompute each registered
//! hour's fingerprint from the readings in the store (blinded with the
//! pairing secret), starting from the chain's fingerprint of the hour before
//! (or the meter's signed one at the hour's start, after a missing hour),
//! and compare it with the chain's. It also checks the meter's stored
//! attestation of the hour: its signature must verify and cover the chain's
//! fingerprint. Hours are checked independently, so every tampered hour is
//! named.
use gridveil_groth16::{scalar_from_bytes, Scalar};
use serde::Serialize;

use gridveil_offchain::{
	chain::{Chain, ChainError, ProgramState},
	store::StoreError,
};

use crate::{
	meter::{MeterIdentity, PairingSecret},
	prove::Schedule,
	store::Store,
};

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

/// What the meter's stored attestation of the hour's end says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MeterCheck {
	/// The meter's signature verifies and covers the chain's fingerprint.
	SignedChainFingerprint,
	/// The stored attestation does not verify, or covers another fingerprint.
	DoesNotMatch,
	/// The store holds no attestation of the hour.
	Absent,
}

/// One hour's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HourFinding {
	/// The hour.
	pub hour: u32,
	/// What was found.
	pub finding: Finding,
	/// What the meter's attestation says.
	pub meter: MeterCheck,
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
	meter: &Paired,
	chain: &Chain,
	program_id: u64,
	hour: Option<u32>,
	interval_ms: u64,
) -> Result<Audit, AuditError> {
	let best = chain.best().await?;
	let state =
		Chain::program(&best, program_id).await?.ok_or(AuditError::UnknownProgram(program_id))?;
	audit_state(store, meter, &state, program_id, hour, interval_ms)
}

/// The box's meter: the secret they share and the meter's identity.
pub struct Paired {
	/// The pairing secret.
	pub pairing: PairingSecret,
	/// The meter's id and key.
	pub identity: MeterIdentity,
}

/// [`audit`] against a program state already read.
pub fn audit_state(
	store: &Store,
	meter: &Paired,
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
	let mut last: Option<(u32, Scalar)> = None;
	let mut hours = Vec::new();
	for (registered, record) in &state.hours {
		let chained = scalar(&record.fingerprint);
		let window = schedule.window(*registered);
		if hour.is_none_or(|hour| hour == *registered) {
			// The chain's previous fingerprint: the hour before's, or after a
			// missing hour the meter's at the start (as the chain checked it).
			let previous = match last {
				Some((hour, fingerprint)) if hour + 1 == *registered => Some(fingerprint),
				_ => store.attestation(window.start)?.and_then(|start| start.fingerprint()),
			};
			let readings = store.readings(window.clone())?;
			let finding = match previous {
				_ if readings.len() != readings_per_hour => Finding::MissingReadings,
				None => Finding::MissingReadings,
				Some(previous) => {
					let imports: Vec<u64> =
						readings.iter().map(|reading| reading.import_wh).collect();
					if meter.pairing.fingerprint(previous, window.end, &imports) == chained {
						Finding::Matches
					} else {
						Finding::Tampered
					}
				},
			};
			let check = match store.attestation(window.end)? {
				None => MeterCheck::Absent,
				Some(attestation) => match meter.identity.check(attestation) {
					Ok(checked) if checked.fingerprint == record.fingerprint => {
						MeterCheck::SignedChainFingerprint
					},
					_ => MeterCheck::DoesNotMatch,
				},
			};
			hours.push(HourFinding { hour: *registered, finding, meter: check });
		}
		last = Some((*registered, chained));
	}
	Ok(Audit { program_id, hours })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		meter::SigningMeter,
		store::{Reading, StoredReading, READINGS},
	};
	use gridveil_offchain::chain::{HourRecord, Program, ProgramStatus};
	use subxt::utils::AccountId32;

	const INTERVAL: u64 = 1_000;

	/// The pairing secret of the test box.
	fn pairing() -> PairingSecret {
		PairingSecret::from_hex(&"0a".repeat(32)).unwrap()
	}

	fn imports(hour: u64) -> Vec<u64> {
		(0..4).map(|quarter| 100 * hour + quarter).collect()
	}

	/// The test box's meter, signing with a fixed key.
	fn paired() -> Paired {
		let key = gridveil_p256::MeterSigningKey::from_slice(&[0x31; 32]).unwrap();
		let identity = MeterIdentity { id: 5, public_key: gridveil_p256::public_key(&key) };
		Paired { pairing: pairing(), identity }
	}

	/// A store with three hours of readings and the meter's attestations, and
	/// the chain's state for `registered` of them.
	fn setup(dir: &std::path::Path, registered: &[u32]) -> (Store, ProgramState) {
		let store = Store::open(&dir.join("edge.redb")).unwrap();
		let key = gridveil_p256::MeterSigningKey::from_slice(&[0x31; 32]).unwrap();
		let mut meter =
			SigningMeter::open(5, key, pairing(), INTERVAL, dir.join("meter.json"), 0).unwrap();
		store.put_attestation(&meter.last()).unwrap();
		for hour in 0..3u64 {
			for (quarter, import_wh) in imports(hour).into_iter().enumerate() {
				let start_ms = (hour * 4 + quarter as u64) * INTERVAL;
				store.append_reading(Reading { start_ms, import_wh, export_wh: 0 }).unwrap();
			}
		}
		let import_wh =
			|start: u64| imports(start / (4 * INTERVAL))[(start / INTERVAL % 4) as usize];
		let attestations = meter.close_hours(12 * INTERVAL, import_wh).unwrap();
		let mut hours = Vec::new();
		for (hour, attestation) in (0u32..).zip(&attestations) {
			store.put_attestation(attestation).unwrap();
			if registered.contains(&hour) {
				let record =
					HourRecord { deviation: 0, fingerprint: attestation.fingerprint, penalty: 0 };
				hours.push((hour, record));
			}
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
			last_fingerprint: attestations[2].fingerprint,
			meter: Some(5),
			registered_hours: registered.len() as u32,
		};
		(store, ProgramState { program, hours, hour_length: 4 * INTERVAL, due: 0 })
	}

	#[test]
	fn an_untouched_store_matches_every_hour() {
		let dir = tempfile::tempdir().unwrap();
		let (store, state) = setup(dir.path(), &[0, 1, 2]);
		let audit = audit_state(&store, &paired(), &state, 0, None, INTERVAL).unwrap();
		assert_eq!(audit.hours.len(), 3);
		assert_eq!(audit.first_tampered(), None);
		assert!(audit.hours.iter().all(|hour| hour.meter == MeterCheck::SignedChainFingerprint));
	}

	#[test]
	fn after_a_missing_hour_the_meters_fingerprint_anchors_the_next() {
		let dir = tempfile::tempdir().unwrap();
		let (store, state) = setup(dir.path(), &[0, 2]);
		let audit = audit_state(&store, &paired(), &state, 0, None, INTERVAL).unwrap();
		let findings: Vec<Finding> = audit.hours.iter().map(|hour| hour.finding).collect();
		assert_eq!(findings, vec![Finding::Matches, Finding::Matches]);
	}

	#[test]
	fn an_edited_reading_is_named_by_its_hour_and_only_that_hour() {
		let dir = tempfile::tempdir().unwrap();
		let (store, state) = setup(dir.path(), &[0, 1, 2]);
		let start = 5 * INTERVAL; // hour 1, second reading
		let stored = store.stored_readings(start..start + 1).unwrap()[0];
		let write = store.database().begin_write().unwrap();
		{
			let mut table = write.open_table(READINGS).unwrap();
			let forged = Reading { import_wh: 7, ..stored.reading };
			table.insert(start, StoredReading::encode_raw(forged, stored.link).as_slice()).unwrap();
		}
		write.commit().unwrap();
		let audit = audit_state(&store, &paired(), &state, 0, None, INTERVAL).unwrap();
		assert_eq!(audit.first_tampered(), Some(1));
		let findings: Vec<Finding> = audit.hours.iter().map(|hour| hour.finding).collect();
		assert_eq!(findings, vec![Finding::Matches, Finding::Tampered, Finding::Matches]);
		// The meter signed the chain's fingerprint, which these readings no longer give.
		assert_eq!(audit.hours[1].meter, MeterCheck::SignedChainFingerprint);
		assert_eq!(
			audit_state(&store, &paired(), &state, 0, Some(2), INTERVAL).unwrap().first_tampered(),
			None
		);
		assert!(matches!(
			audit_state(&store, &paired(), &state, 0, Some(9), INTERVAL),
			Err(AuditError::UnknownHour(9))
		));
	}
}
