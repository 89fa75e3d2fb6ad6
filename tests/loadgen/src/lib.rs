//! The load generator behind `docs/performance.md`: real nodes, real
//! proofs, real signatures, measured from the outside over RPC.
//!
//! - [`proofs`]: hour-0 proofs of programs `0..N`, proven once and cached.
//! - [`deviations`]: the demand-response hourly round, single or batched.
//! - [`trading`]: every pseudonym of P prosumers × S shares reporting a slot.
//! - [`edge`]: the box's proving time and memory.
//! - [`tracker`]: submission without per-extrinsic subscriptions, and the
//!   best and finalized chains followed to time every extrinsic.
//! - [`results`], [`report`]: `docs/performance/results.json` and the page.

pub mod deviations;
pub mod edge;
pub mod proofs;
pub mod report;
pub mod results;
pub mod tracker;
pub mod trading;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use zombienet_sdk::{LocalFileSystem, Network};

use crate::{
	demo::network::{network_toml, put_node_on_path, Clock},
	energy_market::{dev_spec_with_genesis, ChainSpecFile},
	node::{Node, NodeSpec},
};

/// The folder of the results page's data: `docs/performance`.
pub fn results_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/performance")
}

/// Node flags for load: a transaction pool that holds a whole round.
const POOL_ARGS: [&str; 4] = ["--pool-limit", "200000", "--pool-kbytes", "4000000"];

/// A running chain to load.
pub struct Chain {
	/// Where its first node's RPC listens.
	pub ws_url: String,
	/// `dev` or `local-4`.
	pub name: String,
	node: Option<Node>,
	network: Option<Network<LocalFileSystem>>,
	_spec: Option<ChainSpecFile>,
	dir: Option<tempfile::TempDir>,
}

impl Chain {
	/// One `--dev` node (Alice authors every block) with genesis `fields`.
	pub async fn dev(fields: &[(&str, &str, serde_json::Value)]) -> Result<Self> {
		let spec = dev_spec_with_genesis(fields)?;
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
			dir: None,
		})
	}

	/// The four validators of `zombienet/local.toml` with `clock` in genesis
	/// (a program hour is four slots); load goes to Alice.
	pub async fn local(clock: &Clock) -> Result<Self> {
		let dir = tempfile::Builder::new().prefix("gridveil-load-net-").tempdir()?;
		put_node_on_path()?;
		let pool = POOL_ARGS.iter().map(|arg| format!("{arg:?}")).collect::<Vec<_>>().join(", ");
		let toml = network_toml(clock, 30, dir.path())?.replacen(
			r#"default_args = ["-lruntime=info"]"#,
			&format!(r#"default_args = ["-lruntime=info", {pool}]"#),
			1,
		);
		let config = zombienet_sdk::NetworkConfig::load_from_toml_string(&toml)
			.map_err(|error| anyhow!("the load network: {error}"))?;
		let network = zombienet_sdk::NetworkConfigExt::spawn_native(config)
			.await
			.map_err(|error| anyhow!("spawning the load network: {error}"))?;
		let ws_url =
			network.get_node("alice").map_err(|error| anyhow!("{error}"))?.ws_uri().to_string();
		Ok(Self {
			ws_url,
			name: "local-4".into(),
			node: None,
			network: Some(network),
			_spec: None,
			dir: Some(dir),
		})
	}

	/// Every node's log so far (the authors' "Prepared block" lines).
	pub fn logs(&self) -> String {
		if let Some(node) = &self.node {
			return node.log();
		}
		let mut text = String::new();
		if let Some(dir) = &self.dir {
			for entry in walk(dir.path()) {
				if entry.extension().is_some_and(|extension| extension == "log") {
					text.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
				}
			}
		}
		text
	}

	/// Stops the chain.
	pub async fn stop(mut self) -> Result<()> {
		if let Some(network) = self.network.take() {
			network.destroy().await.map_err(|error| anyhow!("stopping the network: {error}"))?;
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
	pub client: crate::chain::Client,
	/// The node's legacy RPC methods.
	pub rpc: crate::chain::Rpc,
	/// Raw JSON-RPC, for methods subxt does not wrap (the pool's pending list).
	pub pool: subxt::rpcs::RpcClient,
}

/// Connects to `chain`, once it has finalized a block.
pub async fn connect(chain: &Chain) -> Result<Connection> {
	let rpc = crate::chain::rpc(&chain.ws_url).await?;
	crate::chain::wait_for_finalized(&rpc, 1, std::time::Duration::from_secs(180))
		.await
		.context("the load chain does not finalize")?;
	let client = crate::chain::connect(&chain.ws_url).await?;
	let pool = subxt::rpcs::RpcClient::from_insecure_url(&chain.ws_url)
		.await
		.with_context(|| format!("connecting JSON-RPC to {}", chain.ws_url))?;
	Ok(Connection { client, rpc, pool })
}
