//! One real `gridveil-edge` process per household: its keys, its paired
//! signing meter (the dataset replayed through a simulated meter that signs
//! its blinded fingerprints), its configuration, its store and its dashboard
//! on a port of its own.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use gridveil_harness::{
	edge::{edge_binary, EdgeConfig, Process, TradingSection},
	network::Clock,
};

use super::{actors::Prosumer, meters, setup::Deployment, Defences};

/// The first household's dashboard port; household `i` listens on `+ i`.
pub const FIRST_DASHBOARD_PORT: u16 = 8100;

/// Within this many ms after a slot's reading, each share goes out at a
/// random moment (well inside the chain's report window).
const JITTER_WINDOW_MS: u64 = 2_500;

/// A running edge box.
pub struct EdgeBox {
	/// The household.
	pub index: usize,
	/// Its dashboard.
	pub dashboard_port: u16,
	/// Its folder (keys, configuration, store, log).
	pub dir: PathBuf,
	/// The daemon.
	pub process: Process,
}

impl EdgeBox {
	/// The dashboard's address.
	pub fn dashboard_url(&self) -> String {
		format!("http://127.0.0.1:{}/", self.dashboard_port)
	}

	/// The configuration file.
	pub fn config(&self) -> PathBuf {
		self.dir.join("edge.toml")
	}
}

/// The configuration of household `prosumer`'s box.
#[allow(clippy::too_many_arguments)]
pub fn config(
	prosumer: &Prosumer,
	node_url: &str,
	coordinator_url: &str,
	clock: &Clock,
	deployment: &Deployment,
	defences: Defences,
	dataset: &Path,
	dir: &Path,
	dashboard_port: u16,
) -> EdgeConfig {
	let mut config =
		EdgeConfig::replay(node_url, dir, dataset, &prosumer.column(), clock.slot_length_ms);
	config.meter_id = meters::meter_id(prosumer);
	if prosumer.in_program {
		config.proving_key = Some(deployment.proving_key.clone());
	}
	config.programs = deployment
		.programs
		.iter()
		.filter(|program| program.prosumer == prosumer.index)
		.map(|program| (program.program_id, program.request_file.clone()))
		.collect();
	config.trading = Some(TradingSection {
		random_shares: defences.random_shares,
		coordinator_url: Some(coordinator_url.into()),
		..TradingSection::on(
			prosumer.ledger_keys.len(),
			if defences.jittered_timing { JITTER_WINDOW_MS } else { 0 },
		)
	});
	config.dashboard_port = dashboard_port;
	config
}

/// Writes household `prosumer`'s keys and configuration under `root` and
/// starts its daemon against `node_url`, its dashboard on `dashboard_port`.
#[allow(clippy::too_many_arguments)]
pub fn start(
	prosumer: &Prosumer,
	node_url: &str,
	coordinator_url: &str,
	clock: &Clock,
	deployment: &Deployment,
	defences: Defences,
	dataset: &Path,
	root: &Path,
	dashboard_port: u16,
) -> Result<EdgeBox> {
	let dir = meters::box_dir(root, prosumer);
	std::fs::create_dir_all(&dir)?;
	let config_path = config(
		prosumer,
		node_url,
		coordinator_url,
		clock,
		deployment,
		defences,
		dataset,
		&dir,
		dashboard_port,
	)
	.write(&prosumer.device_secret, &prosumer.secret)?;
	let process = Process::spawn(
		&format!("gridveil-edge ({})", prosumer.column()),
		&edge_binary()?,
		&["run", "--config", &config_path.to_string_lossy()],
		&dir.join("edge.log"),
	)
	.with_context(|| format!("starting the box of {}", prosumer.column()))?;
	Ok(EdgeBox { index: prosumer.index, dashboard_port, dir, process })
}
