//! The base layer of a role's store: one embedded ACID database (redb; every
//! commit is fsynced before it returns) with a table of small named records
//! (`STATE`) and any number of tables of JSON records by a `u64` key. Each
//! layer above names its own tables (the outbox its two, a role its own);
//! this one knows none of them.
use std::{ops::Range, path::Path};

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle};
use serde::{de::DeserializeOwned, Serialize};

/// A table of records by a `u64` key (a sequence number, a time, a slot).
pub type Table = TableDefinition<'static, u64, &'static [u8]>;

/// Small named records: progress, cursors, counters (JSON).
pub const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("state");

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The database failed (I/O, corruption).
	#[error("store: {0}")]
	Database(#[from] redb::Error),
	/// A record does not decode.
	#[error("store record {0} is corrupt")]
	Corrupt(String),
}

impl StoreError {
	/// A failure of the database, from any of redb's error types.
	pub fn database<E: Into<redb::Error>>(error: E) -> Self {
		Self::Database(error.into())
	}
}

fn db<E: Into<redb::Error>>(error: E) -> StoreError {
	StoreError::database(error)
}

/// The store.
pub struct Store {
	database: Database,
}

impl Store {
	/// Opens (or creates) the store at `path`, with `STATE` and `tables`.
	pub fn open(path: &Path, tables: &[Table]) -> Result<Self, StoreError> {
		if let Some(parent) = path.parent() {
			std::fs::create_dir_all(parent)
				.map_err(|error| StoreError::Database(redb::Error::Io(error)))?;
		}
		let database = Database::create(path).map_err(db)?;
		let write = database.begin_write().map_err(db)?;
		{
			write.open_table(STATE).map_err(db)?;
			for table in tables {
				write.open_table(*table).map_err(db)?;
			}
		}
		write.commit().map_err(db)?;
		Ok(Self { database })
	}

	/// The underlying database, for a layer that keeps records of its own
	/// encoding (and for tests that tamper with it as an attacker would).
	pub fn database(&self) -> &Database {
		&self.database
	}

	/// A named record.
	pub fn state<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let table = read.open_table(STATE).map_err(db)?;
		table.get(key).map_err(db)?.map(|value| decode(key, value.value())).transpose()
	}

	/// Record `key` of `table`.
	pub fn record<T: DeserializeOwned>(
		&self,
		table: Table,
		key: u64,
	) -> Result<Option<T>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let opened = read.open_table(table).map_err(db)?;
		let value = opened.get(key).map_err(db)?;
		value.map(|value| decode(&format!("{} {key}", table.name()), value.value())).transpose()
	}

	/// The records of `table` whose keys are in `range`, in key order.
	pub fn records<T: DeserializeOwned>(
		&self,
		table: Table,
		range: Range<u64>,
	) -> Result<Vec<(u64, T)>, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let opened = read.open_table(table).map_err(db)?;
		let mut records = Vec::new();
		for item in opened.range(range).map_err(db)? {
			let (key, value) = item.map_err(db)?;
			let what = format!("{} {}", table.name(), key.value());
			records.push((key.value(), decode(&what, value.value())?));
		}
		Ok(records)
	}

	/// How many records `table` holds.
	pub fn count(&self, table: Table) -> Result<u64, StoreError> {
		let read = self.database.begin_read().map_err(db)?;
		let opened = read.open_table(table).map_err(db)?;
		opened.len().map_err(db)
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
}

/// Decodes a JSON record; `what` names it in the error.
pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
	serde_json::from_slice(bytes).map_err(|_| StoreError::Corrupt(what.into()))
}

/// Encodes a JSON record.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
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

	/// Record `key` of `table` as of this transaction.
	pub fn record<T: DeserializeOwned>(
		&mut self,
		table: Table,
		key: u64,
	) -> Result<Option<T>, StoreError> {
		let opened = self.transaction.open_table(table).map_err(db)?;
		let value = opened.get(key).map_err(db)?;
		value.map(|value| decode(&format!("{} {key}", table.name()), value.value())).transpose()
	}

	/// Puts record `key` of `table`.
	pub fn put_record<T: Serialize>(
		&mut self,
		table: Table,
		key: u64,
		value: &T,
	) -> Result<(), StoreError> {
		let mut opened = self.transaction.open_table(table).map_err(db)?;
		opened.insert(key, encode(value).as_slice()).map_err(db)?;
		Ok(())
	}

	/// Removes record `key` of `table`, if it is there.
	pub fn remove_record(&mut self, table: Table, key: u64) -> Result<(), StoreError> {
		let mut opened = self.transaction.open_table(table).map_err(db)?;
		opened.remove(key).map_err(db)?;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const NOTES: Table = TableDefinition::new("notes");

	#[test]
	fn records_and_state_survive_reopening_and_a_failed_write_leaves_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("base.redb");
		{
			let store = Store::open(&path, &[NOTES]).unwrap();
			store
				.write(|writer| {
					writer.put_record(NOTES, 3, &"three")?;
					writer.put_record(NOTES, 1, &"one")?;
					writer.put_state("cursor", &7u64)
				})
				.unwrap();
			let failed: Result<(), StoreError> = store.write(|writer| {
				writer.put_record(NOTES, 2, &"two")?;
				Err(StoreError::Corrupt("on purpose".into()))
			});
			assert!(failed.is_err());
		}
		let store = Store::open(&path, &[NOTES]).unwrap();
		let notes: Vec<(u64, String)> = store.records(NOTES, 0..u64::MAX).unwrap();
		assert_eq!(notes, vec![(1, "one".into()), (3, "three".into())]);
		assert_eq!(store.state::<u64>("cursor").unwrap(), Some(7));
		assert_eq!(store.count(NOTES).unwrap(), 2);
		store.write(|writer| writer.remove_record(NOTES, 1)).unwrap();
		assert_eq!(store.record::<String>(NOTES, 1).unwrap(), None);
		assert_eq!(store.record::<String>(NOTES, 3).unwrap().as_deref(), Some("three"));
	}
}
