//! The coordinator's one TOML file: the node, its key, its group and member
//! file, the store, and where its status page listens.
use std::{net::SocketAddr, path::PathBuf};

pub use gridveil_offchain::config_file::ConfigError;
use gridveil_offchain::config_file::ConfigFile;
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// The node the coordinator submits to.
	pub node: NodeConfig,
	/// Its group.
	pub group: GroupConfig,
	/// The local store.
	pub store: StoreConfig,
	/// The status page, metrics and the readings endpoint.
	#[serde(default)]
	pub status: StatusConfig,
}

/// The node.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
	/// WebSocket RPC address of a node (`ws://`).
	pub url: String,
}

/// The group this coordinator runs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
	/// The group's id on chain.
	pub id: u32,
	/// The coordinator's key (a secret URI; mode 0600): the account the
	/// group names as its coordinator.
	pub key_file: PathBuf,
	/// The members as they enrolled (`gridveil-edge enrol`; mode 0600).
	pub members_file: PathBuf,
	/// Days ahead of today whose pseudonyms are registered (1: tomorrow's,
	/// registered today). At most the chain's `RegistrationLeadDays`.
	#[serde(default = "default_days_ahead")]
	pub days_ahead: u32,
	/// Whether to check shares against the meters' signed readings and
	/// verify or flag them.
	#[serde(default = "default_true")]
	pub check_reports: bool,
}

fn default_days_ahead() -> u32 {
	1
}

fn default_true() -> bool {
	true
}

/// The store.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
	/// The database file (created if missing).
	pub path: PathBuf,
}

/// The status page.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
	/// Where the status page, `/metrics` and `POST /readings` listen. The
	/// members' boxes relay their meters' signed readings here: bind it to
	/// the address they reach, never to the internet without a TLS proxy.
	pub listen: SocketAddr,
}

impl Default for StatusConfig {
	fn default() -> Self {
		Self { listen: SocketAddr::from(([127, 0, 0, 1], 8090)) }
	}
}

/// An example configuration (`gridveil-coordinator config example`).
pub const EXAMPLE: &str = r#"[node]
url = "ws://127.0.0.1:9944"

[group]
id = 0
key_file = "/etc/gridveil-coordinator/coordinator.key"
members_file = "/etc/gridveil-coordinator/members.toml"
days_ahead = 1
check_reports = true

[store]
path = "/var/lib/gridveil-coordinator/coordinator.redb"

[status]
listen = "127.0.0.1:8090"
"#;

impl ConfigFile for Config {
	const PROGRAM: &'static str = "gridveil-coordinator";

	fn check(&self) -> Result<(), ConfigError> {
		if !(1..=2).contains(&self.group.days_ahead) {
			return Err(ConfigError::Invalid(
				"group.days_ahead must be 1 or 2 (the chain registers at most two days ahead)"
					.into(),
			));
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_example_parses_and_checks() {
		let config: Config = toml::from_str(EXAMPLE).unwrap();
		config.check().unwrap();
		assert_eq!(config.group.days_ahead, 1);
		let far: Config =
			toml::from_str(&EXAMPLE.replace("days_ahead = 1", "days_ahead = 3")).unwrap();
		assert!(far.check().is_err());
		assert!(toml::from_str::<Config>(&EXAMPLE.replace("[store]", "[stor]")).is_err());
	}
}
