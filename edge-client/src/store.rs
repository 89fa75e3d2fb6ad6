//! The box's only durable state, on the shared base layer
//! ([`gridveil_offchain::store`]: redb, every commit fsynced before it
//! returns). This layer adds the readings, hash-chained as the circuit chains
//! them, and the shares of each split slot; the same database holds the
//! outbox ([`gridveil_offchain::outbox`]) and each program's progress (named
//! records). Nothing in it ever leaves the box except through the outbox.
use std::{ops::Deref, ops::Range, path::Path, sync::Arc};

use gridveil_circuits::poseidon;
use gridveil_groth16::{scalar_from_bytes, scalar_to_bytes, Scalar};
use gridveil_offchain::{
	outbox,
	store::{Store as BaseStore, StoreError, Table, Writer},
};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use crate::meter::{Attestation, AttestationPayload};
pub use crate::reading::Reading;

/// Readings by interval start (ms since the epoch): import Wh, export Wh and
/// the chain link after this reading, 48 bytes.
pub const READINGS: Table = Table::new("readings");
/// Shares of each split slot, by slot (JSON).
pub const SHARES: Table = Table::new("shares");
/// The meter's attestations, checked and low-S, by hour end (JSON: their
/// MQTT payload).
pub const ATTESTATIONS: Table = Table::new("attestations");

/// The meter's signatures over single readings (the slot readings its
/// coordinator checks shares against), low-S, hex, by interval start.
pub const READING_SIGNATURES: Table = Table::new("reading_signatures");

/// Why a reading was not appended.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
	/// A reading for an interval before the last one stored.
	#[error("a reading for an interval before the last stored one")]
	OutOfOrder,
	/// A second, different reading for an interval already stored.
	#[error("a different reading for an interval already stored")]
	Conflict,
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

/// A stored reading with its chain link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredReading {
	/// The reading.
	pub reading: Reading,
	/// `Poseidon(previous link, import_wh)`: the circuit's fingerprint step.
	pub link: Scalar,
}

impl StoredReading {
	fn encode(&self) -> [u8; 48] {
		let mut bytes = [0u8; 48];
		bytes[..8].copy_from_slice(&self.reading.import_wh.to_le_bytes());
		bytes[8..16].copy_from_slice(&self.reading.export_wh.to_le_bytes());
		bytes[16..].copy_from_slice(&scalar_to_bytes(&self.link));
		bytes
	}

	fn decode(start_ms: u64, bytes: &[u8]) -> Result<Self, StoreError> {
		let corrupt = || StoreError::Corrupt(format!("reading {start_ms}"));
		if bytes.len() != 48 {
			return Err(corrupt());
		}
		let word = |range: Range<usize>| -> Result<u64, StoreError> {
			Ok(u64::from_le_bytes(bytes[range].try_into().map_err(|_| corrupt())?))
		};
		let link: [u8; 32] = bytes[16..].try_into().map_err(|_| corrupt())?;
		Ok(Self {
			reading: Reading { start_ms, import_wh: word(0..8)?, export_wh: word(8..16)? },
			link: scalar_from_bytes(&link).ok_or_else(corrupt)?,
		})
	}

	/// The raw record, for tests that tamper with the store as an attacker would.
	pub fn encode_raw(reading: Reading, link: Scalar) -> [u8; 48] {
		Self { reading, link }.encode()
	}
}

/// What appending a reading did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
	/// Stored (durable when this returns).
	New,
	/// The same reading was already stored (a redelivery).
	Duplicate,
}

/// The shares of one slot, as the store keeps them for the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotShares {
	/// Net energy of the slot, Wh.
	pub net_wh: i64,
	/// Share of each pseudonym, Wh.
	pub shares_wh: Vec<i64>,
	/// Outbox entry of each share.
	pub entries: Vec<u64>,
}

/// The box's store: the base layer (named records, the outbox's tables) and
/// the readings and shares on top. It derefs to the base layer for named
/// records and write transactions.
pub struct Store {
	base: Arc<BaseStore>,
}

impl Deref for Store {
	type Target = BaseStore;

	fn deref(&self) -> &BaseStore {
		&self.base
	}
}

impl Store {
	/// Opens (or creates) the store at `path`.
	pub fn open(path: &Path) -> Result<Self, StoreError> {
		let tables: Vec<Table> = outbox::TABLES
			.into_iter()
			.chain([READINGS, SHARES, ATTESTATIONS, READING_SIGNATURES])
			.collect();
		Ok(Self { base: Arc::new(BaseStore::open(path, &tables)?) })
	}

	/// The base layer, for the outbox's delivery worker.
	pub fn base(&self) -> &Arc<BaseStore> {
		&self.base
	}

	/// Appends a reading: it must be for a later interval than every stored
	/// one, or repeat a stored one exactly. Durable when this returns.
	pub fn append_reading(&self, reading: Reading) -> Result<Appended, AppendError> {
		let write = self.database().begin_write().map_err(StoreError::database)?;
		let appended = {
			let mut table = write.open_table(READINGS).map_err(StoreError::database)?;
			if let Some(existing) = table.get(reading.start_ms).map_err(StoreError::database)? {
				let existing = StoredReading::decode(reading.start_ms, existing.value())?;
				return if existing.reading == reading {
					Ok(Appended::Duplicate)
				} else {
					Err(AppendError::Conflict)
				};
			}
			let previous = match table.last().map_err(StoreError::database)? {
				Some((start, value)) => {
					if start.value() > reading.start_ms {
						return Err(AppendError::OutOfOrder);
					}
					StoredReading::decode(start.value(), value.value())?.link
				},
				None => Scalar::from(0u64),
			};
			let link = poseidon::chain_step(previous, Scalar::from(reading.import_wh));
			table
				.insert(reading.start_ms, StoredReading { reading, link }.encode().as_slice())
				.map_err(StoreError::database)?;
			Appended::New
		};
		write.commit().map_err(StoreError::database)?;
		Ok(appended)
	}

	/// Readings whose interval starts in `range`, in order.
	pub fn readings(&self, range: Range<u64>) -> Result<Vec<Reading>, StoreError> {
		Ok(self.stored_readings(range)?.into_iter().map(|stored| stored.reading).collect())
	}

	/// Readings with their links whose interval starts in `range`, in order.
	pub fn stored_readings(&self, range: Range<u64>) -> Result<Vec<StoredReading>, StoreError> {
		let read = self.database().begin_read().map_err(StoreError::database)?;
		let table = read.open_table(READINGS).map_err(StoreError::database)?;
		let mut readings = Vec::new();
		for item in table.range(range).map_err(StoreError::database)? {
			let (start, value) = item.map_err(StoreError::database)?;
			readings.push(StoredReading::decode(start.value(), value.value())?);
		}
		Ok(readings)
	}

	/// The earliest reading.
	pub fn first_reading(&self) -> Result<Option<Reading>, StoreError> {
		self.end_reading(true)
	}

	/// The latest reading.
	pub fn last_reading(&self) -> Result<Option<Reading>, StoreError> {
		self.end_reading(false)
	}

	fn end_reading(&self, first: bool) -> Result<Option<Reading>, StoreError> {
		let read = self.database().begin_read().map_err(StoreError::database)?;
		let table = read.open_table(READINGS).map_err(StoreError::database)?;
		let end = if first { table.first() } else { table.last() }.map_err(StoreError::database)?;
		let reading = match end {
			Some((start, value)) => {
				Some(StoredReading::decode(start.value(), value.value())?.reading)
			},
			None => None,
		};
		Ok(reading)
	}

	/// Walks the whole chain of readings; returns the interval start of the
	/// first reading whose link does not follow from the ones before it.
	pub fn first_broken_link(&self) -> Result<Option<u64>, StoreError> {
		let mut previous = Scalar::from(0u64);
		for stored in self.stored_readings(0..u64::MAX)? {
			if poseidon::chain_step(previous, Scalar::from(stored.reading.import_wh)) != stored.link
			{
				return Ok(Some(stored.reading.start_ms));
			}
			previous = stored.link;
		}
		Ok(None)
	}

	/// Stores a checked attestation (again: the same one is harmless).
	pub fn put_attestation(&self, attestation: &Attestation) -> Result<(), StoreError> {
		let payload = attestation.to_wire();
		self.write(|writer| writer.put_record(ATTESTATIONS, attestation.hour_end_ms, &payload))
	}

	/// The stored attestation of the hour ending at `hour_end_ms`.
	pub fn attestation(&self, hour_end_ms: u64) -> Result<Option<Attestation>, StoreError> {
		let record: Option<AttestationPayload> = self.record(ATTESTATIONS, hour_end_ms)?;
		record
			.map(|payload| {
				Attestation::from_wire(&payload)
					.ok_or_else(|| StoreError::Corrupt(format!("attestation {hour_end_ms}")))
			})
			.transpose()
	}

	/// Stores the meter's checked signature over the reading of the interval
	/// starting at `start_ms` (again: the same one is harmless).
	pub fn put_reading_signature(
		&self,
		start_ms: u64,
		signature: &gridveil_p256::Signature,
	) -> Result<(), StoreError> {
		self.write(|writer| {
			writer.put_record(READING_SIGNATURES, start_ms, &hex::encode(signature))
		})
	}

	/// The meter's signatures over the readings of the intervals starting in
	/// `range`, by interval start.
	pub fn reading_signatures(
		&self,
		range: Range<u64>,
	) -> Result<Vec<(u64, gridveil_p256::Signature)>, StoreError> {
		let records: Vec<(u64, String)> = self.records(READING_SIGNATURES, range)?;
		records
			.into_iter()
			.map(|(start, text)| {
				hex::decode(&text)
					.ok()
					.and_then(|bytes| bytes.try_into().ok())
					.map(|signature| (start, signature))
					.ok_or_else(|| StoreError::Corrupt(format!("reading signature {start}")))
			})
			.collect()
	}

	/// The shares of the slots in `range`, in order.
	pub fn shares(&self, range: Range<u64>) -> Result<Vec<(u64, SlotShares)>, StoreError> {
		self.records(SHARES, range)
	}
}

/// Records a slot's shares in `writer`'s transaction.
pub fn put_shares(
	writer: &mut Writer<'_>,
	slot: u64,
	shares: &SlotShares,
) -> Result<(), StoreError> {
	writer.put_record(SHARES, slot, shares)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn reading(start_ms: u64, import_wh: u64) -> Reading {
		Reading { start_ms, import_wh, export_wh: 0 }
	}

	#[test]
	fn readings_are_chained_and_survive_reopening() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("edge.redb");
		{
			let store = Store::open(&path).unwrap();
			for (index, import) in [120u64, 0, 340].into_iter().enumerate() {
				assert_eq!(
					store.append_reading(reading(index as u64 * 1000, import)).unwrap(),
					Appended::New
				);
			}
		}
		let store = Store::open(&path).unwrap();
		let stored = store.stored_readings(0..u64::MAX).unwrap();
		assert_eq!(stored.len(), 3);
		let expected = poseidon::unblinded_chain(Scalar::from(0u64), &[120, 0, 340]);
		assert_eq!(stored[2].link, expected);
		assert_eq!(store.first_broken_link().unwrap(), None);
	}

	#[test]
	fn redelivered_readings_are_duplicates_and_changed_ones_conflict() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("edge.redb")).unwrap();
		store.append_reading(reading(1000, 5)).unwrap();
		assert_eq!(store.append_reading(reading(1000, 5)).unwrap(), Appended::Duplicate);
		assert!(matches!(store.append_reading(reading(1000, 6)), Err(AppendError::Conflict)));
		assert!(matches!(store.append_reading(reading(0, 6)), Err(AppendError::OutOfOrder)));
		assert_eq!(store.readings(0..u64::MAX).unwrap(), vec![reading(1000, 5)]);
	}

	#[test]
	fn an_edited_reading_breaks_the_chain_there() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("edge.redb")).unwrap();
		for start in 0..5u64 {
			store.append_reading(reading(start * 1000, 100 + start)).unwrap();
		}
		let stored = store.stored_readings(2000..3000).unwrap()[0];
		let write = store.database().begin_write().unwrap();
		{
			let mut table = write.open_table(READINGS).unwrap();
			let forged = Reading { import_wh: 1, ..stored.reading };
			table.insert(2000, StoredReading::encode_raw(forged, stored.link).as_slice()).unwrap();
		}
		write.commit().unwrap();
		assert_eq!(store.first_broken_link().unwrap(), Some(2000));
	}
}
