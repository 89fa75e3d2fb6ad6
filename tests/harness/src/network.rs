//! Local networks of validators: the one way the demo, the load generator and
//! the tests start them. [`spawn`] takes the first 1–4 validators of
//! `zombienet/local.toml` (Alice, Bob, Charlie, Dave), builds a raw chain
//! spec in which they are the only validators and with the run's genesis
//! fields (the market's and the programs' clocks: [`chain_spec`]), and
//! spawns them with zombienet-sdk's native provider.
//!
//! The network definition is compiled in (it is part of the program, like the
//! runtime), so a binary never reads it from the clone that built it.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use zombienet_sdk::{LocalFileSystem, Network, NetworkConfig, NetworkConfigExt, NetworkNode};

pub use crate::chain_spec::GenesisField;
use crate::{
	chain_spec,
	energy_market::SLOTS_PER_DAY,
	node::{free_port, node_binary},
};

/// `zombienet/local.toml`: the four validators.
pub const LOCAL_TOML: &str = include_str!("../../../zombienet/local.toml");

/// The validators of `zombienet/local.toml`, in its order.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// The slot the demo aims for: one 6-second block.
const NOMINAL_SLOT_LENGTH_MS: u64 = 6_000;
/// How far the slot may stray from 6 s so that the first day starts soon.
const SLOT_LENGTH_SPREAD_MS: u64 = 120;

/// The market's clock on a local network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
	/// One trading slot and one meter interval, ms.
	pub slot_length_ms: u64,
	/// The trading day that runs.
	pub day: u32,
}

impl Clock {
	/// Days on the chain are numbered from the Unix epoch, so with 6-second
	/// slots the next day may be up to 9.6 minutes away. This picks the slot
	/// length within 6 s ± 2 % (to the millisecond) whose next day starts
	/// soonest after `earliest` (ms since the epoch).
	pub fn starting_after(earliest: u64) -> Self {
		Self::near(NOMINAL_SLOT_LENGTH_MS, earliest)
	}

	/// As [`Clock::starting_after`], around a slot of `nominal_ms` (± 2 %).
	pub fn near(nominal_ms: u64, earliest: u64) -> Self {
		let spread = (nominal_ms * SLOT_LENGTH_SPREAD_MS / NOMINAL_SLOT_LENGTH_MS).max(1);
		(nominal_ms.saturating_sub(spread).max(1)..=nominal_ms + spread)
			.map(|slot_length_ms| {
				let day_length = slot_length_ms * u64::from(SLOTS_PER_DAY);
				let day = earliest.div_ceil(day_length) as u32;
				Self { slot_length_ms, day }
			})
			.min_by_key(|clock| clock.day_start())
			.unwrap_or(Self { slot_length_ms: nominal_ms, day: 0 })
	}

	/// A day, ms.
	pub fn day_length_ms(&self) -> u64 {
		self.slot_length_ms * u64::from(SLOTS_PER_DAY)
	}

	/// The start of the day, ms since the epoch.
	pub fn day_start(&self) -> u64 {
		u64::from(self.day) * self.day_length_ms()
	}

	/// The end of the day.
	pub fn day_end(&self) -> u64 {
		self.day_start() + self.day_length_ms()
	}

	/// A program hour: four meter intervals (the circuit's readings per hour).
	pub fn hour_length_ms(&self) -> u64 {
		self.slot_length_ms * gridveil_circuits::READINGS_PER_HOUR as u64
	}

	/// The absolute slot number of slot `slot` of the day.
	pub fn slot(&self, slot: u32) -> u32 {
		self.day * SLOTS_PER_DAY + slot
	}

	/// The genesis fields that put this clock on a chain: the market's slot
	/// length, `report_grace_slots` to report a slot, and program hours of
	/// four slots.
	pub fn genesis(&self, report_grace_slots: u32) -> Vec<GenesisField> {
		vec![
			GenesisField::new("energyMarket", "slotLengthMs", self.slot_length_ms),
			GenesisField::new("energyMarket", "reportGraceSlots", report_grace_slots),
			GenesisField::new("demandResponse", "hourLength", self.hour_length_ms()),
		]
	}
}

/// Where the validators' RPC listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcPorts {
	/// Free loopback ports, so networks can run side by side (tests).
	Free,
	/// `base`, `base + 1`, … in the validators' order (the demo's documented
	/// 9944 … 9947).
	From(u16),
}

/// What to spawn.
#[derive(Clone, Debug)]
pub struct Options {
	/// How many validators, 1–4: the first ones of [`VALIDATORS`].
	pub validators: usize,
	/// Genesis fields set on top of the `local_testnet` preset.
	pub genesis: Vec<GenesisField>,
	/// Where the nodes' folders go; `None` is a temporary folder removed
	/// when the network is dropped.
	pub dir: Option<PathBuf>,
	/// The validators' RPC ports.
	pub rpc_ports: RpcPorts,
	/// Extra arguments for every node (`-loffchain-worker=debug`).
	pub node_args: Vec<String>,
	/// The runtime the chain starts with (a compressed wasm); `None`: the
	/// node's own.
	pub code: Option<PathBuf>,
}

impl Options {
	/// `validators` validators on free ports in a temporary folder.
	pub fn new(validators: usize) -> Self {
		Self {
			validators,
			genesis: Vec::new(),
			dir: None,
			rpc_ports: RpcPorts::Free,
			node_args: Vec::new(),
			code: None,
		}
	}

	/// Starts the chain with the runtime in `wasm` (an earlier release).
	pub fn with_code(mut self, wasm: impl Into<PathBuf>) -> Self {
		self.code = Some(wasm.into());
		self
	}

	/// Sets genesis fields.
	pub fn with_genesis(mut self, fields: impl IntoIterator<Item = GenesisField>) -> Self {
		self.genesis.extend(fields);
		self
	}

	/// Puts the nodes' folders under `dir` (kept after the network stops).
	pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
		self.dir = Some(dir.into());
		self
	}

	/// RPC on `base`, `base + 1`, ….
	pub fn with_rpc_ports_from(mut self, base: u16) -> Self {
		self.rpc_ports = RpcPorts::From(base);
		self
	}

	/// Adds arguments to every node's command line.
	pub fn with_node_args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
		self.node_args.extend(args.into_iter().map(Into::into));
		self
	}
}

/// Running validators. Dropping it kills every node; [`LocalNetwork::destroy`]
/// also waits for them.
pub struct LocalNetwork {
	/// zombienet's handle: each node can be paused, resumed and restarted.
	pub network: Network<LocalFileSystem>,
	dir: PathBuf,
	spec: PathBuf,
	_temporary: Option<tempfile::TempDir>,
}

impl LocalNetwork {
	/// The validators, in [`VALIDATORS`] order.
	pub fn nodes(&self) -> Vec<&NetworkNode> {
		let mut nodes = self.network.nodes();
		nodes.sort_by_key(|node| VALIDATORS.iter().position(|name| *name == node.name()));
		nodes
	}

	/// One validator by name (`alice`).
	pub fn node(&self, name: &str) -> Result<&NetworkNode> {
		self.network.get_node(name)
	}

	/// Every validator's WebSocket URL, in [`VALIDATORS`] order.
	pub fn ws_urls(&self) -> Vec<String> {
		self.nodes().iter().map(|node| node.ws_uri().to_string()).collect()
	}

	/// The first validator's (Alice's) WebSocket URL.
	pub fn ws_url(&self) -> String {
		self.ws_urls().into_iter().next().unwrap_or_default()
	}

	/// The folder holding every node's `cfg/`, `data/` and log.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The raw chain spec the validators started from: a node that joins
	/// the network starts from it too.
	pub fn chain_spec(&self) -> &Path {
		&self.spec
	}

	/// Stops every node and waits for them.
	pub async fn destroy(self) -> Result<()> {
		self.network.destroy().await.map_err(|error| anyhow!("stopping the network: {error}"))
	}
}

/// `zombienet/local.toml` cut to the options' validators, with their ports,
/// folder and node arguments, started from the raw chain spec at `spec`
/// (which carries the genesis fields: [`chain_spec::local_raw`]).
pub fn network_toml(options: &Options, dir: &Path, spec: &Path) -> Result<String> {
	if !(1..=VALIDATORS.len()).contains(&options.validators) {
		bail!(
			"a local network has 1 to {} validators, not {}",
			VALIDATORS.len(),
			options.validators
		);
	}
	let mut config: toml::Table = LOCAL_TOML.parse().context("parsing zombienet/local.toml")?;
	let settings = table(&mut config, "settings")?;
	settings.insert("base_dir".into(), dir.display().to_string().into());
	// Nodes are stopped and restarted on purpose in the fault tests.
	settings.insert("tear_down_on_failure".into(), false.into());

	let relaychain = table(&mut config, "relaychain")?;
	let mut node_args = options.node_args.clone();
	// `GRIDVEIL_NODE_LOG=txpool=debug make test`: the nodes' log targets, to
	// see why a test's extrinsics waited.
	if let Ok(targets) = std::env::var("GRIDVEIL_NODE_LOG") {
		node_args.push(format!("-l{targets}"));
	}
	if !node_args.is_empty() {
		let args = relaychain
			.entry("default_args")
			.or_insert_with(|| toml::Value::Array(Vec::new()))
			.as_array_mut()
			.ok_or_else(|| anyhow!("relaychain.default_args is not an array"))?;
		args.extend(node_args.into_iter().map(toml::Value::from));
	}
	let nodes = relaychain
		.get_mut("nodes")
		.and_then(toml::Value::as_array_mut)
		.ok_or_else(|| anyhow!("zombienet/local.toml has no [[relaychain.nodes]]"))?;
	nodes.truncate(options.validators);
	for (index, node) in nodes.iter_mut().enumerate() {
		let port = match options.rpc_ports {
			RpcPorts::Free => free_port()?,
			RpcPorts::From(base) => base + index as u16,
		};
		let node = node
			.as_table_mut()
			.ok_or_else(|| anyhow!("a [[relaychain.nodes]] entry is not a table"))?;
		node.insert("rpc_port".into(), i64::from(port).into());
		// Ports zombienet would choose itself come from the kernel's
		// ephemeral range, where an outgoing connection can take them
		// before the node binds them (`free_port`).
		for key in ["p2p_port", "prometheus_port"] {
			node.insert(key.into(), i64::from(free_port()?).into());
		}
	}

	let relaychain = table(&mut config, "relaychain")?;
	relaychain.insert("chain_spec_path".into(), spec.display().to_string().into());
	Ok(toml::to_string(&config)?)
}

fn table<'a>(config: &'a mut toml::Table, key: &str) -> Result<&'a mut toml::Table> {
	config
		.get_mut(key)
		.and_then(toml::Value::as_table_mut)
		.ok_or_else(|| anyhow!("zombienet/local.toml has no [{key}] table"))
}

/// Puts the workspace's `gridveil-node` first on PATH: zombienet runs it from there.
pub fn put_node_on_path() -> Result<()> {
	let node_dir = node_binary()?
		.parent()
		.map(PathBuf::from)
		.ok_or_else(|| anyhow!("the node binary has no directory"))?;
	let path = std::env::var("PATH").unwrap_or_default();
	if !path.split(':').any(|entry| Path::new(entry) == node_dir) {
		std::env::set_var("PATH", format!("{}:{path}", node_dir.display()));
	}
	Ok(())
}

/// Spawns the validators (`gridveil-node` from the workspace's build) and
/// waits until each one's RPC answers.
pub async fn spawn(options: Options) -> Result<LocalNetwork> {
	put_node_on_path()?;
	let (dir, temporary) = match &options.dir {
		Some(dir) => (dir.clone(), None),
		None => {
			let temporary = tempfile::Builder::new().prefix("gridveil-network-").tempdir()?;
			(temporary.path().join("network"), Some(temporary))
		},
	};
	let spec_dir = dir.with_file_name(format!(
		"{}-spec",
		dir.file_name().and_then(|name| name.to_str()).unwrap_or("network")
	));
	let spec = chain_spec::local_raw(
		&node_binary()?,
		options.validators,
		&options.genesis,
		options.code.as_deref(),
		&spec_dir,
	)?;
	let toml = network_toml(&options, &dir, &spec)?;
	let config = NetworkConfig::load_from_toml_string(&toml)
		.map_err(|error| anyhow!("zombienet/local.toml: {error}"))?;
	let network =
		config.spawn_native().await.map_err(|error| anyhow!("spawning the network: {error}"))?;
	Ok(LocalNetwork { network, dir, spec, _temporary: temporary })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_first_day_starts_within_seconds_and_slots_stay_near_six_seconds() {
		for earliest in [1_763_000_000_000u64, 1_763_000_123_456, 1_800_000_000_001] {
			let clock = Clock::starting_after(earliest);
			assert!(clock.day_start() >= earliest);
			assert!(clock.day_start() - earliest < 30_000, "{clock:?} after {earliest}");
			assert!(clock.slot_length_ms.abs_diff(NOMINAL_SLOT_LENGTH_MS) <= SLOT_LENGTH_SPREAD_MS);
		}
	}

	#[test]
	fn a_network_definition_keeps_the_first_validators_with_their_ports_and_genesis() {
		let options = Options::new(2)
			.with_rpc_ports_from(19_944)
			.with_genesis([GenesisField::new("energyMarket", "slotLengthMs", 2_000)])
			.with_node_args(["-loffchain-worker=debug"]);
		let spec = Path::new("/tmp/somewhere-spec/local-raw.json");
		let toml = network_toml(&options, Path::new("/tmp/somewhere"), spec).expect("a definition");
		let config: toml::Table = toml.parse().expect("TOML");
		let nodes = config["relaychain"]["nodes"].as_array().expect("nodes");
		let names: Vec<_> = nodes.iter().map(|node| node["name"].as_str().unwrap()).collect();
		assert_eq!(names, ["alice", "bob"]);
		assert_eq!(nodes[1]["rpc_port"].as_integer(), Some(19_945));
		let mut ports: Vec<_> = nodes
			.iter()
			.flat_map(|node| {
				["rpc_port", "p2p_port", "prometheus_port"].map(|key| node[key].clone())
			})
			.map(|port| port.as_integer().expect("a port"))
			.collect();
		ports.sort();
		ports.dedup();
		assert_eq!(ports.len(), 6, "every port once: {toml}");
		assert_eq!(
			config["relaychain"]["chain_spec_path"].as_str(),
			Some("/tmp/somewhere-spec/local-raw.json"),
			"{toml}"
		);
		let args = config["relaychain"]["default_args"].as_array().unwrap();
		for arg in ["--no-mdns", "-:--rpc-methods", "-:--rpc-cors", "-:--prometheus-external"] {
			assert!(args.iter().any(|a| a.as_str() == Some(arg)), "{arg} in {toml}");
		}
		assert_eq!(config["settings"]["base_dir"].as_str(), Some("/tmp/somewhere"));
		assert!(config["relaychain"]["default_args"]
			.as_array()
			.unwrap()
			.iter()
			.any(|arg| arg.as_str() == Some("-loffchain-worker=debug")));
		NetworkConfig::load_from_toml_string(&toml).expect("zombienet accepts it");
		assert!(network_toml(&Options::new(0), Path::new("/tmp"), spec).is_err());
		assert!(network_toml(&Options::new(5), Path::new("/tmp"), spec).is_err());
	}
}
