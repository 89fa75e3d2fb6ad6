//! The edge box: the hourly proof's time and peak memory (the daemon's
//! prover, in process), and the daemon's resident memory while idle.

use std::{
	path::Path,
	time::{Duration, Instant},
};

use anyhow::{Context, Result};
use ark_bn254::Fr;
use gridveil_circuits::keys;
use rand::rngs::OsRng;

use super::{
	proofs,
	results::{EdgeResult, Stats},
};
use gridveil_harness::{
	edge::{edge_binary, EdgeConfig, Process, TradingSection},
	node::{Node, NodeSpec},
};

/// A `/proc/self/status` field in KiB.
fn own_status_kib(field: &str) -> Option<u64> {
	let status = std::fs::read_to_string("/proc/self/status").ok()?;
	let line = status.lines().find(|line| line.starts_with(field))?;
	line.split_whitespace().nth(1)?.parse().ok()
}

/// Proves `hours` program hours in a chain as the daemon does (one loaded
/// key, the fingerprint carried from hour to hour), then runs the daemon for
/// a minute against a `--dev` node and reads its resident memory.
pub async fn run(dataset: &Path, hours: u32, say: &impl Fn(&str)) -> Result<EdgeResult> {
	let cache = proofs::default_dir();
	let key_bytes = std::fs::read(cache.join(proofs::KEY_FILE)).context(
		"no proving key in the load generator's cache: run `gridveil-loadgen prove` first",
	)?;
	let key = gridveil_circuits::DeviationProvingKey::from_bytes(&key_bytes)?;
	let mut previous = Fr::from(0u64);
	let mut times = Vec::new();
	let mut peak = 0;
	say(&format!("edge: proving {hours} hours"));
	for hour in 0..hours {
		// Resets VmHWM to the current resident set, so the peak below is this proof's.
		let _ = std::fs::write("/proc/self/clear_refs", "5");
		let started = Instant::now();
		let witness = proofs::witness(u64::from(hour));
		let (public, _) = keys::prove(&key, 0, hour, previous, &witness, &mut OsRng)?;
		times.push(started.elapsed().as_secs_f64() * 1e3);
		previous = public.fingerprint;
		peak = peak.max(own_status_kib("VmHWM:").unwrap_or(0));
	}

	say("edge: the daemon for a minute against a --dev node");
	let node = Node::start(NodeSpec::new("edge-idle", "dev")?.with_args(["--dev"])).await?;
	let dir = tempfile::Builder::new().prefix("gridveil-edge-idle-").tempdir()?;
	let mut config = EdgeConfig::replay(&node.ws_url(), dir.path(), dataset, "household-01", 1_000);
	config.proving_key = Some(cache.join(proofs::KEY_FILE));
	config.trading = Some(TradingSection { enabled: false, ..TradingSection::on(3, 500) });
	let config_path = config.write("//GridVeil//load//device", "//GridVeil//load//pseudonyms")?;
	let mut daemon = Process::spawn(
		"gridveil-edge (idle)",
		&edge_binary()?,
		&["run", "--config", &config_path.to_string_lossy()],
		&dir.path().join("edge.log"),
	)?;
	tokio::time::sleep(Duration::from_secs(60)).await;
	daemon.ensure_running().context("the idle daemon stopped")?;
	let idle = daemon.rss_kib();
	daemon.terminate(Duration::from_secs(5));
	drop(node);
	Ok(EdgeResult {
		proof_ms: Stats::of(&times),
		proving_peak_rss_kib: peak,
		daemon_idle_rss_kib: idle,
	})
}
