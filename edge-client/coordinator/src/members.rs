//! The member file: who is in the group, as each box enrolled (`gridveil-edge
//! enrol`): its meter's id and its public ledger keys. It links every member's
//! pseudonyms across days, so it is a secret file (mode 0600, refused
//! otherwise) that only the coordinator reads.
use std::path::Path;

use gridveil_offchain::{pseudonyms, secret_file};
use serde::Deserialize;

/// Why the member file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MembersError {
	/// Unreadable, or readable by others.
	#[error(transparent)]
	File(#[from] secret_file::SecretFileError),
	/// Not TOML of this schema.
	#[error("the member file is not valid: {0}")]
	Parse(#[from] Box<toml::de::Error>),
	/// A value is wrong.
	#[error("member {member}: {reason}")]
	Invalid {
		/// The member's place in the file.
		member: usize,
		/// What is wrong.
		reason: String,
	},
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
	#[serde(default)]
	members: Vec<MemberEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberEntry {
	meter_id: u64,
	ledger_keys: Vec<String>,
}

/// One member of the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
	/// Its meter's id in the chain's meter registry.
	pub meter_id: u64,
	/// Its public ledger keys, one per ledger of the group, in ledger order.
	pub ledger_keys: Vec<[u8; 32]>,
}

impl Member {
	/// Its pseudonym in ledger `ledger` (index in the group) on `day`.
	pub fn pseudonym(&self, ledger: usize, day: u32) -> Option<[u8; 32]> {
		pseudonyms::day_pseudonym(self.ledger_keys.get(ledger)?, day).ok()
	}

	/// Its pseudonyms on `day`, in ledger order.
	pub fn pseudonyms(&self, day: u32) -> Vec<[u8; 32]> {
		(0..self.ledger_keys.len()).filter_map(|ledger| self.pseudonym(ledger, day)).collect()
	}
}

/// Parses a member file's text.
pub fn parse(text: &str) -> Result<Vec<Member>, MembersError> {
	let file: MemberFile = toml::from_str(text).map_err(Box::new)?;
	let mut members = Vec::with_capacity(file.members.len());
	for (index, entry) in file.members.into_iter().enumerate() {
		let invalid = |reason: String| MembersError::Invalid { member: index, reason };
		let mut keys = Vec::with_capacity(entry.ledger_keys.len());
		for key in &entry.ledger_keys {
			let bytes: [u8; 32] = hex::decode(key.trim_start_matches("0x"))
				.ok()
				.and_then(|bytes| bytes.try_into().ok())
				.ok_or_else(|| invalid(format!("{key} is not 64 hex digits")))?;
			pseudonyms::day_pseudonym(&bytes, 0)
				.map_err(|_| invalid(format!("{key} is not an sr25519 public key")))?;
			keys.push(bytes);
		}
		if members.iter().any(|member: &Member| member.meter_id == entry.meter_id) {
			return Err(invalid(format!("meter {} is listed twice", entry.meter_id)));
		}
		members.push(Member { meter_id: entry.meter_id, ledger_keys: keys });
	}
	Ok(members)
}

/// Reads the member file (refused if others may read it).
pub fn load(path: &Path) -> Result<Vec<Member>, MembersError> {
	parse(&secret_file::read(path)?)
}

/// Checks that every member gave one ledger key per ledger of the group.
pub fn ensure_ledgers(members: &[Member], ledgers: usize) -> Result<(), MembersError> {
	match members.iter().position(|member| member.ledger_keys.len() != ledgers) {
		Some(member) => Err(MembersError::Invalid {
			member,
			reason: format!(
				"{} ledger keys for a group of {ledgers} ledgers",
				members[member].ledger_keys.len()
			),
		}),
		None => Ok(()),
	}
}

/// Each ledger's batch of the members' pseudonyms on `day`, sorted by
/// account bytes (so the order links nobody to anybody), in ledger order.
pub fn day_batches(members: &[Member], ledgers: usize, day: u32) -> Vec<Vec<[u8; 32]>> {
	(0..ledgers)
		.map(|ledger| {
			let mut batch: Vec<[u8; 32]> =
				members.iter().filter_map(|member| member.pseudonym(ledger, day)).collect();
			batch.sort_unstable();
			batch
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn entry(secret: &str, meter_id: u64, ledgers: u32) -> String {
		let keys: Vec<String> = (0..ledgers)
			.map(|ledger| {
				let key = pseudonyms::ledger_key(secret, ledger).unwrap().public_key().0;
				format!("\"0x{}\"", hex::encode(key))
			})
			.collect();
		format!("[[members]]\nmeter_id = {meter_id}\nledger_keys = [{}]\n", keys.join(", "))
	}

	#[test]
	fn the_coordinator_derives_the_pseudonyms_each_box_signs_with() {
		let text = format!("{}{}", entry("//Bob", 7, 3), entry("//Dave", 8, 3));
		let members = parse(&text).unwrap();
		ensure_ledgers(&members, 3).unwrap();
		let batches = day_batches(&members, 3, 20_450);
		for (ledger, batch) in batches.iter().enumerate() {
			assert!(batch.windows(2).all(|pair| pair[0] < pair[1]));
			for secret in ["//Bob", "//Dave"] {
				let key = pseudonyms::pseudonym_key(secret, ledger as u32, 20_450).unwrap();
				assert!(batch.contains(&key.public_key().0));
			}
		}
		assert_ne!(day_batches(&members, 3, 20_451), batches);
	}

	#[test]
	fn a_wrong_member_file_is_refused_with_the_member_named() {
		let bob = entry("//Bob", 7, 3);
		let members = parse(&bob).unwrap();
		assert!(matches!(
			ensure_ledgers(&members, 2),
			Err(MembersError::Invalid { member: 0, .. })
		));
		let twice = format!("{bob}{bob}");
		assert!(matches!(parse(&twice), Err(MembersError::Invalid { member: 1, .. })));
		let short = bob.replacen("\"0x", "\"0x0", 1);
		assert!(matches!(parse(&short), Err(MembersError::Invalid { member: 0, .. })));
		assert!(matches!(parse("[[members]]\nmeter = 1\n"), Err(MembersError::Parse(_))));
		assert_eq!(parse("").unwrap(), Vec::new());
	}
}
