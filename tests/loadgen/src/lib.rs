//! The load generator behind `docs/performance.md`: real nodes, real
//! proofs, real signatures, measured from the outside over RPC.
//!
//! - [`proofs`]: hour-0 proofs of programs `0..N`, proven once and cached.
//! - [`deviations`]: the demand-response hourly round, single or batched.
//! - [`trading`]: every pseudonym of P prosumers × S shares reporting a slot.
//! - [`edge`]: the box's proving time and memory.
//! - [`finality`]: finality lag on the four validators, one of them paused too.
//! - [`tracker`]: submission without per-extrinsic subscriptions, and the
//!   best and finalized chains followed to time every extrinsic.
//! - [`results`], [`report`]: `docs/performance/results.json` and the page.

pub mod deviations;
pub mod edge;
pub mod finality;
pub mod proofs;
pub mod report;
pub mod results;
pub mod tracker;
pub mod trading;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gridveil_harness::{
	network::{self, Clock, GenesisField, LocalNetwork},
	node::{dev_spec_with_genesis, ChainSpecFile, Node, NodeSpec},
	workspace,
};

/// The folder of the results page's data: `docs/performance` of the
/// checkout this runs in.
pub fn results_dir() -> Result<PathBuf> {
	workspace::find("docs/performance")
}

/// Node flags for load: a transaction pool that holds a whole round.
const POOL_ARGS: [&str; 4] = ["--pool-limit", "200000", "--pool-kbytes", "4000000"];

/// Blocks per session under load: production's hour (the test presets'
/// ten-block sessions would cost every tenth block, since pallet-session
/// charges a whole block for a session's rotation).
const SESSION_LENGTH: u32 = 600;

/// A running chain to load.
pub struct Chain {
	/// Where its first node's RPC listens.
	pub ws_url: String,
	/// `dev` or `local-4`.
	pub name: String,
	node: Option<Node>,
	network: Option<LocalNetwork>,
	_spec: Option<ChainSpecFile>,
}

impl Chain {
	/// One `--dev` node (Alice authors every block) with genesis `fields`.
	pub async fn dev(fields: &[(&str, &str, serde_json::Value)]) -> Result<Self> {
		let mut fields = fields.to_vec();
		fields.push(("validatorSet", "sessionLength", SESSION_LENGTH.into()));
		let spec = dev_spec_with_genesis(&fields)?;
		let node = Node::start(
			NodeSpec::new("load", spec.arg()?)?.with_args(["--dev"]).with_args(POOL_ARGS),
		)
		.await?;
		Ok(Self {
			ws_url: node.ws_url(),
			name: "dev".into(),
			node: Some(node),
			network: None,
			_spec: Some(spec),
		})
	}

	/// The four validators of `zombienet/local.toml` with `clock` in genesis
	/// (a program hour is four slots); load goes to Alice. The load's setup
	/// (thousands of meters, groups, the day) goes through a sudo key given
	/// to Alice in this test network's genesis, not through the consortium's
	/// motions: the `local` preset itself has no sudo key.
	pub async fn local(clock: &Clock) -> Result<Self> {
		let alice = subxt_signer::sr25519::dev::alice().public_key().to_account_id().to_string();
		let network = network::spawn(
			network::Options::new(4)
				.with_genesis(clock.genesis(30))
				.with_genesis([
					GenesisField::new("sudo", "key", alice),
					GenesisField::new("validatorSet", "sessionLength", SESSION_LENGTH),
				])
				.with_node_args(POOL_ARGS),
		)
		.await
		.context("spawning the load network")?;
		Ok(Self {
			ws_url: network.ws_url(),
			name: "local-4".into(),
			node: None,
			network: Some(network),
			_spec: None,
		})
	}

	/// Every node's log so far (the authors' "Prepared block" lines).
	pub fn logs(&self) -> String {
		if let Some(node) = &self.node {
			return node.log();
		}
		let mut text = String::new();
		if let Some(network) = &self.network {
			for entry in walk(network.dir()) {
				if entry.extension().is_some_and(|extension| extension == "log") {
					text.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
				}
			}
		}
		text
	}

	/// Pauses validator `name` (SIGSTOP) of a four-validator chain.
	pub async fn pause(&self, name: &str) -> Result<()> {
		self.validators()?.node(name)?.pause().await
	}

	/// Resumes validator `name` after [`Chain::pause`].
	pub async fn resume(&self, name: &str) -> Result<()> {
		self.validators()?.node(name)?.resume().await
	}

	fn validators(&self) -> Result<&LocalNetwork> {
		self.network.as_ref().context("a --dev chain has no validators to pause")
	}

	/// Stops the chain.
	pub async fn stop(mut self) -> Result<()> {
		if let Some(network) = self.network.take() {
			network.destroy().await?;
		}
		self.node.take();
		Ok(())
	}
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
	let mut files = Vec::new();
	let mut pending = vec![dir.to_path_buf()];
	while let Some(dir) = pending.pop() {
		for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
			let path = entry.path();
			if path.is_dir() {
				pending.push(path);
			} else {
				files.push(path);
			}
		}
	}
	files
}

/// The connections a load run uses.
pub struct Connection {
	/// A subxt client, for signing and storage.
	pub client: gridveil_harness::chain::Client,
	/// The node's legacy RPC methods.
	pub rpc: gridveil_harness::chain::Rpc,
	/// Raw JSON-RPC, for methods subxt does not wrap (the pool's pending list).
	pub pool: subxt::rpcs::RpcClient,
}

/// Connects to `chain`, once it has finalized a block.
pub async fn connect(chain: &Chain) -> Result<Connection> {
	let rpc = gridveil_harness::chain::rpc(&chain.ws_url).await?;
	gridveil_harness::chain::wait_for_finalized(&rpc, 1, std::time::Duration::from_secs(180))
		.await
		.context("the load chain does not finalize")?;
	let client = gridveil_harness::chain::connect(&chain.ws_url).await?;
	let pool = subxt::rpcs::RpcClient::from_insecure_url(&chain.ws_url)
		.await
		.with_context(|| format!("connecting JSON-RPC to {}", chain.ws_url))?;
	Ok(Connection { client, rpc, pool })
}
