//! The box's only durable state: an embedded ACID database (redb; every
//! commit is fsynced before it returns) holding the readings, hash-chained
//! as the circuit chains them, the outbox of extrinsics, the progress of each
//! program and the shares of each slot. Nothing in it ever leaves the box
//! except through the outbox.
use std::{ops::Range, path::Path};

use gridveil_circuits::poseidon;
use gridveil_groth16::{scalar_from_bytes, scalar_to_bytes, Scalar};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::outbox::{Entry, Retired};

/// Readings by interval start (ms since the epoch): import Wh, export Wh and
/// the chain link after this reading, 48 bytes.
pub const READINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("readings");
/// Extrinsics waiting to be final, by sequence number (JSON).
pub const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
/// Extrinsics that are final or expired, by sequence number (JSON).
pub const RETIRED: TableDefinition<u64, &[u8]> = TableDefinition::new("retired");
/// Shares of each split slot, by slot (JSON).
pub const SHARES: TableDefinition<u64, &[u8]> = TableDefinition::new("shares");
/// Small named records: program progress, cursors, counters (JSON).
pub const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("state");

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The database failed (I/O, corruption).
	#[error("store: {0}")]
	Database(#[from] redb::Error),
	/// A record does not decode.
	#[error("store record {0} is corrupt")]
	Corrupt(String),
	/// A reading for an interval before the last one stored.
	#[error("a reading for an interval before the last stored one")]
	OutOfOrder,
	/// A second, different reading for an interval already stored.
	#[error("a different reading for an interval already stored")]
	Conflict,
}

fn db<E: Into<redb::Error>>(error: E) -> StoreError {
	StoreError::Database(error.into())
}

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

/// Outbox sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
	/// Waiting to be sent or signed but not yet seen in a block.
	pub pending: u64,
	/// Seen in a best block, not yet final.
	pub in_flight: u64,
	/// Final.
	pub retired: u64,
	/// Given up (the chain refused them for good, e.g. a report window that closed).
	pub expired: u64,
}

/// The store.
pub struct Store {
	database: Database,
}

impl Store {
	/// Opens (or creates) the store at `path`.
	pub fn open(path: &Path) -> Result<Self, StoreError> {
		if let Some(parent) = path.parent() {
			std::fs::create_dir_all(parent)
				.map_err(|error| StoreError::Database(redb::Error::Io(error)))?;
		}
		let database = Database::create(path).map_err(db)?;
		let write = database.begin_write().map_err(db)?;
		{
			write.open_table(READINGS).map_err(db)?;
			write.open_table(OUTBOX).map_err(db)?;
			write.open_table(RETIRED).map_err(db)?;
			write.open_table(SHARES).map_err(db)?;
			write.open_table(STATE).map_err(db)?;
		}
		write.commit().map_err(db)?;
		Ok(Self { database })
	}

	/// The underlying database (the audit tests tamper with it directly).
	pub fn database(&self) -> &Database {
		&self.database
	}

	/// Appends a reading: it must be for a later interval than every stored
	/// one, or repeat a stored one exactly. Durable when this returns.
	pub fn append_reading(&self, reading: Reading) -> Result<Appended, StoreError> {
		let write = self.database.begin_write().map_err(db)?;
		let appended = {
			let mut table = write.open_table(READINGS).map_err(db)?;
			if let Some(existing) = table.get(reading.start_ms).map_err(db)? {
				let existing = StoredReading::decode(reading.start_ms, existing.value())?;
				return if existing.reading == reading {
					Ok(Appended::Duplicate)
				} else {
					Err(StoreError::Conflict)
				};
			}
			let previous = match table.last().map_err(db)? {
				Some((start, value)) => {
					if start.value() > reading.start_ms {
						return Err(StoreError::OutOfOrder);
					}
					StoredReading::decode(start.value(), value.value())?.link
				},
				None => Scalar::from(0u64),
			};
			let link = poseidon::fingerprint_step(previous, reading.import_wh);
			table
				.insert(reading.start_ms, StoredReading { reading, link }.encode().as_slice())
				.map_err(db)?;
			Appended::New
		};
		write.commit().map_err(db)?;
		Ok(appended)
	}

	/// Readings whose interval starts in `range`, in order.
	pub fn readings(&self, range: Range<u64>) -> Result<Vec<Reading>, StoreError> {
		Ok(self.stored_readings(range)?.into_iter().map(|stored| stored.reading).collect())
	}

	/// Readings with their links whose interval starts in `range`, in order.
	pub fn stored_readings(&self, range: Range<u64>) -> Result<Vec<StoredReading>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(READINGS).map_err(db)?;
		let mut readings = Vec::new();
		for item in table.range(range).map_err(db)? {
			let (start, value) = item.map_err(db)?;
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
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(READINGS).map_err(db)?;
		let end = if first { table.first() } else { table.last() }.map_err(db)?;
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
			if poseidon::fingerprint_step(previous, stored.reading.import_wh) != stored.link {
				return Ok(Some(stored.reading.start_ms));
			}
			previous = stored.link;
		}
		Ok(None)
	}

	/// A named record.
	pub fn state<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(STATE).map_err(db)?;
		table.get(key).map_err(db)?.map(|value| decode(key, value.value())).transpose()
	}

	/// Commits `change` in one write transaction: all of it or nothing.
	pub fn write<T>(
		&self,
		change: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
	) -> Result<T, StoreError> {
		let transaction = self.database.begin_write().map_err(db)?;
		let result = {
			let mut writer = Writer { transaction: &transaction };
			change(&mut writer)?
		};
		transaction.commit().map_err(db)?;
		Ok(result)
	}

	/// Every entry still in the outbox, in sequence order.
	pub fn outbox(&self) -> Result<Vec<(u64, Entry)>, StoreError> {
		self.table_entries(OUTBOX)
	}

	/// The hash of entry `id` if it is final on chain (not pending, not expired).
	pub fn final_transaction(&self, id: u64) -> Result<Option<String>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(RETIRED).map_err(db)?;
		let Some(value) = table.get(id).map_err(db)? else { return Ok(None) };
		let retired: Retired = decode(&format!("entry {id}"), value.value())?;
		Ok(retired
			.expired
			.is_none()
			.then_some(retired.entry.signed)
			.flatten()
			.map(|signed| format!("0x{}", signed.hash)))
	}

	/// The shares of the slots in `range`, in order.
	pub fn shares(
		&self,
		range: Range<u64>,
	) -> Result<Vec<(u64, crate::split::SlotShares)>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(SHARES).map_err(db)?;
		let mut shares = Vec::new();
		for item in table.range(range).map_err(db)? {
			let (slot, value) = item.map_err(db)?;
			shares
				.push((slot.value(), decode(&format!("shares {}", slot.value()), value.value())?));
		}
		Ok(shares)
	}

	/// How many entries are pending, in flight, final and expired.
	pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
		let mut counts = OutboxCounts::default();
		for (_, entry) in self.outbox()? {
			if entry.in_block {
				counts.in_flight += 1;
			} else {
				counts.pending += 1;
			}
		}
		let read = self.database.begin_read().map_err(db)?;
		let retired = read.open_table(RETIRED).map_err(db)?;
		let total = retired.len().map_err(db)?;
		counts.expired = self.state::<u64>(EXPIRED_COUNT)?.unwrap_or(0);
		counts.retired = total.saturating_sub(counts.expired);
		Ok(counts)
	}

	fn table_entries<T: DeserializeOwned>(
		&self,
		definition: TableDefinition<u64, &[u8]>,
	) -> Result<Vec<(u64, T)>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(definition).map_err(db)?;
		let mut entries = Vec::new();
		for item in table.iter().map_err(db)? {
			let (id, value) = item.map_err(db)?;
			entries.push((id.value(), decode(&format!("entry {}", id.value()), value.value())?));
		}
		Ok(entries)
	}
}

/// The state key counting expired entries.
pub const EXPIRED_COUNT: &str = "outbox/expired";
/// The state key of the next outbox sequence number.
const NEXT_ENTRY: &str = "outbox/next";

fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
	serde_json::from_slice(bytes).map_err(|_| StoreError::Corrupt(what.into()))
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
	// Serialising these plain records to JSON cannot fail (no maps with
	// non-string keys, no custom serialisers that error).
	serde_json::to_vec(value).unwrap_or_default()
}

/// One write transaction's changes.
pub struct Writer<'a> {
	transaction: &'a redb::WriteTransaction,
}

impl Writer<'_> {
	/// Puts a named record.
	pub fn put_state<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), StoreError> {
		let mut table = self.transaction.open_table(STATE).map_err(db)?;
		table.insert(key, encode(value).as_slice()).map_err(db)?;
		Ok(())
	}

	/// A named record as of this transaction.
	pub fn state<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, StoreError> {
		let table = self.transaction.open_table(STATE).map_err(db)?;
		let value = table.get(key).map_err(db)?;
		value.map(|value| decode(key, value.value())).transpose()
	}

	/// Adds an entry to the outbox; returns its sequence number.
	pub fn enqueue(&mut self, entry: &Entry) -> Result<u64, StoreError> {
		let id = self.state::<u64>(NEXT_ENTRY)?.unwrap_or(0);
		self.put_state(NEXT_ENTRY, &(id + 1))?;
		self.update(id, entry)?;
		Ok(id)
	}

	/// Replaces outbox entry `id`.
	pub fn update(&mut self, id: u64, entry: &Entry) -> Result<(), StoreError> {
		let mut table = self.transaction.open_table(OUTBOX).map_err(db)?;
		table.insert(id, encode(entry).as_slice()).map_err(db)?;
		Ok(())
	}

	/// Moves entry `id` from the outbox to the retired table.
	pub fn retire(&mut self, id: u64, retired: &Retired) -> Result<(), StoreError> {
		{
			let mut outbox = self.transaction.open_table(OUTBOX).map_err(db)?;
			outbox.remove(id).map_err(db)?;
			let mut table = self.transaction.open_table(RETIRED).map_err(db)?;
			table.insert(id, encode(retired).as_slice()).map_err(db)?;
		}
		if retired.expired.is_some() {
			let expired = self.state::<u64>(EXPIRED_COUNT)?.unwrap_or(0);
			self.put_state(EXPIRED_COUNT, &(expired + 1))?;
		}
		Ok(())
	}

	/// Records a slot's shares.
	pub fn put_shares(
		&mut self,
		slot: u64,
		shares: &crate::split::SlotShares,
	) -> Result<(), StoreError> {
		let mut table = self.transaction.open_table(SHARES).map_err(db)?;
		table.insert(slot, encode(shares).as_slice()).map_err(db)?;
		Ok(())
	}
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
		let expected = poseidon::fingerprint(Scalar::from(0u64), &[120, 0, 340]);
		assert_eq!(stored[2].link, expected);
		assert_eq!(store.first_broken_link().unwrap(), None);
	}

	#[test]
	fn redelivered_readings_are_duplicates_and_changed_ones_conflict() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("edge.redb")).unwrap();
		store.append_reading(reading(1000, 5)).unwrap();
		assert_eq!(store.append_reading(reading(1000, 5)).unwrap(), Appended::Duplicate);
		assert!(matches!(store.append_reading(reading(1000, 6)), Err(StoreError::Conflict)));
		assert!(matches!(store.append_reading(reading(0, 6)), Err(StoreError::OutOfOrder)));
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
