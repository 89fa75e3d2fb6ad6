//! The edge box's surroundings in a test: a real mosquitto broker, the real
//! `gridveil-edge` daemon and meter simulator as processes (killed with
//! SIGKILL on demand and always on drop), and headless Chromium.
use std::{
	fs::File,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use gridveil_edge::meter::{self, PairingSecret};
use gridveil_offchain::secret_file;

use crate::node::{die_with_parent, free_port, log_tail, workspace_binary};

/// A child process with its log, killed (SIGKILL) when dropped.
pub struct Process {
	name: String,
	child: Child,
	log_path: PathBuf,
}

impl Process {
	/// Spawns `program` with `args`, logging to `log_path`.
	pub fn spawn(name: &str, program: &Path, args: &[&str], log_path: &Path) -> Result<Self> {
		let log = File::options().create(true).append(true).open(log_path)?;
		let mut command = Command::new(program);
		command.args(args).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
		die_with_parent(&mut command);
		let child = command.spawn().with_context(|| format!("spawning {}", program.display()))?;
		Ok(Self { name: name.into(), child, log_path: log_path.into() })
	}

	/// SIGKILL, then wait.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// SIGTERM, then up to `grace` for it to exit, then SIGKILL.
	pub fn terminate(&mut self, grace: Duration) {
		if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
			// SAFETY: sends a signal to our own child, which has not been reaped.
			unsafe { libc::kill(pid, libc::SIGTERM) };
			let deadline = Instant::now() + grace;
			while Instant::now() < deadline {
				if matches!(self.child.try_wait(), Ok(Some(_))) {
					return;
				}
				std::thread::sleep(Duration::from_millis(50));
			}
		}
		self.kill();
	}

	/// Errors (with the log tail) if the process has exited.
	pub fn ensure_running(&mut self) -> Result<()> {
		if let Some(status) = self.child.try_wait()? {
			bail!("{} exited with {status}:\n{}", self.name, log_tail(&self.log_path));
		}
		Ok(())
	}

	/// Its peak resident set so far, KiB (`VmHWM` in `/proc/<pid>/status`).
	pub fn peak_rss_kib(&self) -> Option<u64> {
		self.status_kib("VmHWM:")
	}

	/// Its resident set now, KiB (`VmRSS`).
	pub fn rss_kib(&self) -> Option<u64> {
		self.status_kib("VmRSS:")
	}

	fn status_kib(&self, field: &str) -> Option<u64> {
		let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
		let line = status.lines().find(|line| line.starts_with(field))?;
		line.split_whitespace().nth(1)?.parse().ok()
	}

	/// The last lines of its log.
	pub fn log_tail(&self) -> String {
		log_tail(&self.log_path)
	}

	/// Its whole log.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}
}

impl Drop for Process {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Waits until something accepts TCP connections on `port`.
pub async fn wait_for_port(port: u16, timeout: Duration) -> Result<()> {
	let deadline = Instant::now() + timeout;
	while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
		if Instant::now() > deadline {
			bail!("nothing listens on port {port} after {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	Ok(())
}

/// A mosquitto broker on a free loopback port (Debian's `mosquitto`).
pub struct Mosquitto {
	/// The broker process.
	pub process: Process,
	/// Its port.
	pub port: u16,
}

impl Mosquitto {
	/// Starts a broker with anonymous access on loopback, in memory.
	pub async fn start(dir: &Path) -> Result<Self> {
		let port = free_port()?;
		let config = dir.join("mosquitto.conf");
		std::fs::write(
			&config,
			format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
		)?;
		let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
			.into_iter()
			.map(PathBuf::from)
			.find(|path| path.is_file())
			.context("mosquitto is not installed (Debian package `mosquitto`)")?;
		let process = Process::spawn(
			"mosquitto",
			&binary,
			&["-c", &config.to_string_lossy()],
			&dir.join("mosquitto.log"),
		)?;
		wait_for_port(port, Duration::from_secs(20)).await?;
		Ok(Self { process, port })
	}
}

/// The `gridveil-edge` binary next to the tests (or `$GRIDVEIL_EDGE`).
pub fn edge_binary() -> Result<PathBuf> {
	workspace_binary("gridveil-edge", "GRIDVEIL_EDGE")
}

/// The configuration of one test box (`edge.toml`): the dataset replayed
/// (or MQTT) as its meter, its store, keys and dashboard under `dir`.
pub struct EdgeConfig {
	/// The node's WebSocket address.
	pub node_url: String,
	/// The box's folder: keys, store, configuration.
	pub dir: PathBuf,
	/// The meter's reading interval, ms.
	pub interval_ms: u64,
	/// The dataset the replay meter (or the meter simulator) reads.
	pub dataset: PathBuf,
	/// The dataset's column for this box.
	pub prosumer: String,
	/// MQTT instead of replay: the broker's port and the topic.
	pub mqtt: Option<(u16, String)>,
	/// The proving key, if the box takes part in demand response.
	pub proving_key: Option<PathBuf>,
	/// Its programs: id and request file.
	pub programs: Vec<(u64, PathBuf)>,
	/// The trading section; omitted if `None`.
	pub trading: Option<TradingSection>,
	/// The dashboard's port (0: any).
	pub dashboard_port: u16,
	/// The meter's id in the chain's registry (its key is made by [`Self::write`]).
	pub meter_id: u64,
}

/// The `[trading]` section of a box's configuration.
#[derive(Clone, Debug)]
pub struct TradingSection {
	/// Whether the box reports shares.
	pub enabled: bool,
	/// Its pseudonyms, one per ledger of its group.
	pub pseudonyms: usize,
	/// Each share goes out at a random moment within this many ms.
	pub jitter_window_ms: u64,
	/// Random shares (off: equal shares, for the privacy evaluation).
	pub random_shares: bool,
	/// The group's coordinator, to relay the meter's signed readings to.
	pub coordinator_url: Option<String>,
}

impl TradingSection {
	/// Trading with `pseudonyms` random shares, jittered over `jitter_window_ms`.
	pub fn on(pseudonyms: usize, jitter_window_ms: u64) -> Self {
		Self {
			enabled: true,
			pseudonyms,
			jitter_window_ms,
			random_shares: true,
			coordinator_url: None,
		}
	}
}

impl EdgeConfig {
	/// A box replaying `prosumer` of `dataset` every `interval_ms`, with no
	/// programs, no trading section and any dashboard port.
	pub fn replay(
		node_url: &str,
		dir: &Path,
		dataset: &Path,
		prosumer: &str,
		interval_ms: u64,
	) -> Self {
		Self {
			node_url: node_url.into(),
			dir: dir.into(),
			interval_ms,
			dataset: dataset.into(),
			prosumer: prosumer.into(),
			mqtt: None,
			proving_key: None,
			programs: Vec::new(),
			trading: None,
			dashboard_port: 0,
			meter_id: 1,
		}
	}

	/// The TOML text, with the meter's public key (hex).
	pub fn toml(&self, meter_public_key: &str) -> String {
		let dir = self.dir.display();
		let mut text = format!(
			"[node]\nurl = {url:?}\n\n[keys]\ndevice_key_file = \"{dir}/device.key\"\n\
			 pseudonym_secret_file = \"{dir}/pseudonyms.key\"\n\n[meter]\nsource = {source:?}\n\
			 id = {meter_id}\npublic_key = {meter_public_key:?}\n\
			 pairing_secret_file = \"{dir}/pairing.key\"\ninterval_ms = {interval}\n",
			url = self.node_url,
			source = if self.mqtt.is_some() { "mqtt" } else { "replay" },
			meter_id = self.meter_id,
			interval = self.interval_ms,
		);
		if let Some((port, topic)) = &self.mqtt {
			text.push_str(&format!(
				"\n[meter.mqtt]\nhost = \"127.0.0.1\"\nport = {port}\ntopic = {topic:?}\n\
				 attestation_topic = \"{topic}/attestations\"\nclient_id = \"edge-under-test\"\n"
			));
		}
		text.push_str(&format!(
			"\n[meter.replay]\ndataset = {dataset:?}\nprosumer = {prosumer:?}\n\
			 meter_key_file = \"{dir}/meter.key\"\nmeter_state_file = \"{dir}/meter-state.json\"\n\
			 \n[store]\npath = \"{dir}/store/edge.redb\"\n",
			dataset = self.dataset.display().to_string(),
			prosumer = self.prosumer,
		));
		if let Some(key) = &self.proving_key {
			text.push_str(&format!(
				"\n[demand_response]\nproving_key = {:?}\n",
				key.display().to_string()
			));
		}
		for (id, request_file) in &self.programs {
			text.push_str(&format!(
				"\n[[demand_response.programs]]\nid = {id}\nrequest_file = {:?}\n",
				request_file.display().to_string()
			));
		}
		if let Some(trading) = &self.trading {
			text.push_str(&format!(
				"\n[trading]\nenabled = {}\npseudonyms = {}\njitter_window_ms = {}\n\
				 random_shares = {}\n",
				trading.enabled,
				trading.pseudonyms,
				trading.jitter_window_ms,
				trading.random_shares
			));
			if let Some(url) = &trading.coordinator_url {
				text.push_str(&format!("coordinator_url = {url:?}\n"));
			}
		}
		text.push_str(&format!("\n[dashboard]\nlisten = \"127.0.0.1:{}\"\n", self.dashboard_port));
		text
	}

	/// Writes the device key, the pseudonym secret, a paired meter (once: a
	/// box keeps its meter): the pairing secret and the simulated meter's
	/// signing key, and `edge.toml` into the box's folder; returns the
	/// configuration's path.
	pub fn write(&self, device_secret: &str, pseudonym_secret: &str) -> Result<PathBuf> {
		std::fs::create_dir_all(&self.dir)?;
		write_key(&self.dir.join("device.key"), device_secret)?;
		write_key(&self.dir.join("pseudonyms.key"), pseudonym_secret)?;
		let pairing = self.dir.join("pairing.key");
		if !pairing.exists() {
			secret_file::create(&pairing, &PairingSecret::generate().to_hex())?;
		}
		let meter_key = self.dir.join("meter.key");
		if !meter_key.exists() {
			secret_file::create(&meter_key, &meter::new_signing_key().1)?;
		}
		let path = self.dir.join("edge.toml");
		std::fs::write(&path, self.toml(&hex::encode(self.meter_public_key()?)))?;
		Ok(path)
	}

	/// The pairing secret [`Self::write`] gave the box.
	pub fn pairing(&self) -> Result<PairingSecret> {
		Ok(PairingSecret::load(&self.dir.join("pairing.key"))?)
	}

	/// The simulated meter's public key, for the registrar.
	pub fn meter_public_key(&self) -> Result<[u8; 33]> {
		let key = meter::load_signing_key(&self.dir.join("meter.key"))?;
		Ok(gridveil_p256::public_key(&key))
	}

	/// The simulated meter's signing key.
	pub fn meter_signing_key(&self) -> Result<gridveil_p256::MeterSigningKey> {
		Ok(meter::load_signing_key(&self.dir.join("meter.key"))?)
	}

	/// The simulated meter's fingerprint at the whole hour `moment`, if it
	/// was started at `started_ms`: its chain begins at 0 at the start of
	/// the hour it opens in, so both that hour and the next are candidates
	/// (it may open just after a boundary).
	pub fn meter_fingerprints_at(
		&self,
		started_ms: u64,
		moment: u64,
	) -> Result<Vec<gridveil_groth16::Scalar>> {
		let hour_length = self.interval_ms * gridveil_circuits::READINGS_PER_HOUR as u64;
		let dataset = gridveil_edge::ingest::Dataset::load(&self.dataset, &self.prosumer)?;
		let installed = started_ms - started_ms % hour_length;
		[installed, installed + hour_length]
			.into_iter()
			.map(|installed| {
				let scratch = tempfile::tempdir()?;
				let mut replica = meter::SigningMeter::open(
					self.meter_id,
					self.meter_signing_key()?,
					self.pairing()?,
					self.interval_ms,
					scratch.path().join("state.json"),
					installed,
				)?;
				replica.close_hours(moment, |start| {
					dataset.reading(start, self.interval_ms).import_wh
				})?;
				replica.last().fingerprint().context("a fingerprint off the field")
			})
			.collect()
	}
}

/// An HTTP/1.0 GET on loopback (a box's dashboard); the body.
pub fn http_get(port: u16, path: &str) -> Result<String> {
	use std::io::{Read, Write};
	let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
	stream.set_read_timeout(Some(Duration::from_secs(20)))?;
	write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
	let mut response = String::new();
	stream.read_to_string(&mut response)?;
	let (head, body) = response.split_once("\r\n\r\n").context("no HTTP body")?;
	if !(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200")) {
		bail!("GET {path}: {head}");
	}
	Ok(body.to_string())
}

/// Waits until the wall clock reaches `moment` (ms since the epoch).
pub async fn sleep_until(moment: u64) {
	let now = gridveil_edge::now_ms();
	if moment > now {
		tokio::time::sleep(Duration::from_millis(moment - now)).await;
	}
}

/// Runs `gridveil-edge` to completion; returns its exit code and stdout.
pub fn run_edge(args: &[&str]) -> Result<(i32, String)> {
	let output = Command::new(edge_binary()?).args(args).output()?;
	let text = String::from_utf8_lossy(&output.stdout).into_owned();
	Ok((output.status.code().unwrap_or(-1), text + &String::from_utf8_lossy(&output.stderr)))
}

/// Debian's Chromium, headless, with the flags this sandbox needs (no
/// background networking: the machine's network is closed).
pub fn chromium(args: &[&str], profile: &Path) -> Result<String> {
	let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
		.into_iter()
		.map(PathBuf::from)
		.find(|path| path.is_file())
		.context("chromium is not installed (Debian package `chromium`)")?;
	let output = Command::new(binary)
		.args([
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--hide-scrollbars",
		])
		.arg(format!("--user-data-dir={}", profile.display()))
		.args(args)
		.output()
		.context("running chromium")?;
	if !output.status.success() {
		bail!("chromium failed: {}", String::from_utf8_lossy(&output.stderr));
	}
	Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Adds `extra_wh` to the import of the stored reading of the interval that
/// starts at `moment`, leaving its hash-chain link as it was: what someone
/// with the box's disk would do. The daemon must not hold the store.
pub fn tamper_stored_reading(store_path: &Path, moment: u64, extra_wh: u64) -> Result<()> {
	use gridveil_edge::store::{Reading, Store, StoredReading, READINGS};
	let store = Store::open(store_path)?;
	let stored = store.stored_readings(moment..moment + 1)?;
	let original = stored.first().context("the reading is not in the store")?;
	let forged = Reading { import_wh: original.reading.import_wh + extra_wh, ..original.reading };
	let write = store.database().begin_write()?;
	{
		let mut table = write.open_table(READINGS)?;
		table.insert(moment, StoredReading::encode_raw(forged, original.link).as_slice())?;
	}
	write.commit()?;
	Ok(())
}

/// Writes (or rewrites) a key file readable by its owner only, as the box
/// requires.
fn write_key(path: &Path, text: &str) -> Result<()> {
	use std::os::unix::fs::PermissionsExt;
	if path.exists() {
		std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
		std::fs::write(path, format!("{text}\n"))?;
		Ok(())
	} else {
		Ok(secret_file::create(path, text)?)
	}
}
