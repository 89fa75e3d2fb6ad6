//! A group's `gridveil-coordinator` as the tests and the demo run it: its
//! configuration, key and member file under a folder, and the process.
use std::{
	path::{Path, PathBuf},
	time::Duration,
};

use anyhow::Result;
use gridveil_offchain::{
	chain::{Chain, Client, Rpc},
	secret_file,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::poll,
	edge::{wait_for_port, Process},
	energy_market::best_block,
	node::{free_port, workspace_binary},
};

/// The `gridveil-coordinator` binary of this workspace.
pub fn coordinator_binary() -> Result<PathBuf> {
	workspace_binary("gridveil-coordinator", "GRIDVEIL_COORDINATOR")
}

/// One member as its box enrolled: its meter and its ledger keys' public halves.
pub struct Enrolled {
	/// Its meter's id.
	pub meter_id: u64,
	/// Its public ledger keys, in ledger order.
	pub ledger_keys: Vec<[u8; 32]>,
}

impl Enrolled {
	/// A member from its ledger key pairs.
	pub fn new(meter_id: u64, ledger_keys: &[Keypair]) -> Self {
		Self { meter_id, ledger_keys: ledger_keys.iter().map(|key| key.public_key().0).collect() }
	}
}

/// A coordinator's folder and settings.
pub struct CoordinatorConfig {
	/// The node's WebSocket address.
	pub node_url: String,
	/// Its folder: configuration, key, member file, store, log.
	pub dir: PathBuf,
	/// The group's id on chain.
	pub group: u32,
	/// The coordinator's secret URI (the account the group names).
	pub key_secret: String,
	/// The status page's port (also `POST /readings`).
	pub port: u16,
	/// Days ahead to register.
	pub days_ahead: u32,
}

impl CoordinatorConfig {
	/// A coordinator of `group` on a free port, in `dir`.
	pub fn new(node_url: &str, dir: &Path, group: u32, key_secret: &str) -> Result<Self> {
		Ok(Self {
			node_url: node_url.into(),
			dir: dir.into(),
			group,
			key_secret: key_secret.into(),
			port: free_port()?,
			days_ahead: 1,
		})
	}

	/// Its base URL, for the boxes' `coordinator_url`.
	pub fn url(&self) -> String {
		format!("http://127.0.0.1:{}", self.port)
	}

	/// Writes the key, the member file (both mode 0600) and the
	/// configuration; returns the configuration's path.
	pub fn write(&self, members: &[Enrolled]) -> Result<PathBuf> {
		std::fs::create_dir_all(&self.dir)?;
		let key = self.dir.join("coordinator.key");
		if !key.exists() {
			secret_file::create(&key, &self.key_secret)?;
		}
		let mut text = String::new();
		for member in members {
			let keys: Vec<String> = member
				.ledger_keys
				.iter()
				.map(|key| {
					format!(
						"\"0x{}\"",
						key.iter().map(|byte| format!("{byte:02x}")).collect::<String>()
					)
				})
				.collect();
			text.push_str(&format!(
				"[[members]]\nmeter_id = {}\nledger_keys = [{}]\n\n",
				member.meter_id,
				keys.join(", ")
			));
		}
		let members_file = self.dir.join("members.toml");
		if members_file.exists() {
			std::fs::remove_file(&members_file)?;
		}
		secret_file::create(&members_file, &text)?;
		let path = self.dir.join("coordinator.toml");
		std::fs::write(
			&path,
			format!(
				"[node]\nurl = {url:?}\n\n[group]\nid = {group}\nkey_file = {key:?}\n\
				 members_file = {members:?}\ndays_ahead = {days}\n\n[store]\npath = {store:?}\n\n\
				 [status]\nlisten = \"127.0.0.1:{port}\"\n",
				url = self.node_url,
				group = self.group,
				key = key.display().to_string(),
				members = members_file.display().to_string(),
				days = self.days_ahead,
				store = self.dir.join("coordinator.redb").display().to_string(),
				port = self.port,
			),
		)?;
		Ok(path)
	}

	/// Starts the coordinator on the configuration [`Self::write`] wrote and
	/// waits for its status page.
	pub async fn start(&self) -> Result<Process> {
		let config = self.dir.join("coordinator.toml");
		let mut process = Process::spawn(
			&format!("gridveil-coordinator (group {})", self.group),
			&coordinator_binary()?,
			&["run", "--config", &config.to_string_lossy()],
			&self.dir.join("coordinator.log"),
		)?;
		if let Err(error) = wait_for_port(self.port, std::time::Duration::from_secs(30)).await {
			process.ensure_running()?;
			return Err(error);
		}
		Ok(process)
	}
}

/// Waits until the best block's state holds every one of `pseudonyms` (as a
/// coordinator registers them; what the boxes check before reporting);
/// returns how many it held at the end.
pub async fn wait_for_registered(
	client: &Client,
	rpc: &Rpc,
	pseudonyms: &[AccountId32],
	timeout: Duration,
) -> Result<usize> {
	poll(timeout, async || {
		let block = best_block(client, rpc).await?;
		let mut missing = 0;
		for pseudonym in pseudonyms {
			if Chain::pseudonym(&block, pseudonym).await?.is_none() {
				missing += 1;
			}
		}
		Ok(if missing == 0 {
			Ok(pseudonyms.len())
		} else {
			Err(format!("{missing} of {} pseudonyms not registered", pseudonyms.len()))
		})
	})
	.await
}
