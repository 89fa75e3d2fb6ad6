//! Starts real `gridveil-node` processes on loopback and stops them again,
//! also when a test fails or panics.

use std::{
	fs::File,
	io::{Read, Seek, SeekFrom},
	net::TcpListener,
	os::unix::process::CommandExt,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::atomic::{AtomicU32, Ordering},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, ensure, Context, Result};

use crate::chain_spec::{self, GenesisField};

/// How much of a node's log an error message quotes.
const LOG_TAIL_BYTES: u64 = 4_000;

/// The `gridveil-node` binary: `$GRIDVEIL_NODE`, else the one built next to
/// this test binary (`<target>/release/gridveil-node`).
pub fn node_binary() -> Result<PathBuf> {
	workspace_binary("gridveil-node", "GRIDVEIL_NODE")
}

/// A binary of the workspace: `$<variable>`, else the one built next to this
/// test or binary (`<target>/release/<name>`).
pub fn workspace_binary(name: &str, variable: &str) -> Result<PathBuf> {
	if let Ok(path) = std::env::var(variable) {
		return Ok(PathBuf::from(path));
	}
	let current = std::env::current_exe()?;
	// A test: <target>/<profile>/deps/<test>; a binary such as gridveil-demo:
	// <target>/<profile>/<binary>. Either way → <target>/<profile>/<name>.
	let profile_dir = current
		.parent()
		.and_then(|dir| if dir.ends_with("deps") { dir.parent() } else { Some(dir) })
		.ok_or_else(|| anyhow!("cannot locate the target directory from {current:?}"))?;
	let binary = profile_dir.join(name);
	if !binary.is_file() {
		bail!(
			"{} does not exist: build it first with `make node` \
			 (or point {variable} at a binary)",
			binary.display()
		);
	}
	Ok(binary)
}

/// The lowest port [`free_port`] hands out.
const FIRST_HANDED_OUT_PORT: u32 = 20_000;

/// The next port [`free_port`] tries, as an offset into its range.
static NEXT_PORT_OFFSET: AtomicU32 = AtomicU32::new(u32::MAX);

/// A TCP port that was free a moment ago, on every interface and on
/// loopback, for a node, box, broker or coordinator to listen on.
///
/// It comes from below the kernel's ephemeral range
/// (`net.ipv4.ip_local_port_range`, usually 32768–60999). A port the kernel
/// handed out itself (`bind` to port 0) is free only until the listener
/// closes: under load, another process's outgoing connection may take it as
/// its local port before the node binds it, and the node (or zombienet's
/// check) fails with "address in use". The kernel never picks a port below
/// that range for an outgoing connection. Within one process every port is
/// handed out once (a cursor that moves on); processes start at different
/// places in the range (by pid), and each candidate is checked by binding it.
pub fn free_port() -> Result<u16> {
	let last = ephemeral_range_start().unwrap_or(32_768).min(u32::from(u16::MAX));
	if last <= FIRST_HANDED_OUT_PORT + 1_000 {
		// No room below an unusual ephemeral range: let the kernel choose.
		return Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port());
	}
	let span = last - FIRST_HANDED_OUT_PORT;
	let start = std::process::id().wrapping_mul(7_919) % span;
	let _ =
		NEXT_PORT_OFFSET.compare_exchange(u32::MAX, start, Ordering::Relaxed, Ordering::Relaxed);
	for _ in 0..span {
		let offset = NEXT_PORT_OFFSET.fetch_add(1, Ordering::Relaxed) % span;
		let port = (FIRST_HANDED_OUT_PORT + offset) as u16;
		if port_is_free(port) {
			return Ok(port);
		}
	}
	bail!("no free port between {FIRST_HANDED_OUT_PORT} and {last}")
}

/// Whether `port` can be bound on every interface (IPv6 dual stack where
/// there is IPv6, as zombienet checks it) and on 127.0.0.1.
fn port_is_free(port: u16) -> bool {
	let everywhere =
		TcpListener::bind(("::", port)).or_else(|_| TcpListener::bind(("0.0.0.0", port))).is_ok();
	everywhere && TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// The first port of the kernel's ephemeral range.
fn ephemeral_range_start() -> Option<u32> {
	std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
		.ok()?
		.split_whitespace()
		.next()?
		.parse()
		.ok()
}

/// What a finished `gridveil-node` run printed.
#[derive(Debug)]
pub struct Outcome {
	/// Whether it exited with status 0.
	pub success: bool,
	/// Its standard output.
	pub stdout: String,
	/// Its standard error (the node's log).
	pub stderr: String,
}

impl Outcome {
	/// Standard output and standard error together.
	pub fn text(&self) -> String {
		format!("{}{}", self.stdout, self.stderr)
	}
}

/// Runs `gridveil-node` with `args` to completion.
pub fn run(args: &[&str]) -> Result<Outcome> {
	let output = Command::new(node_binary()?).args(args).stdin(Stdio::null()).output()?;
	Ok(Outcome {
		success: output.status.success(),
		stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
	})
}

/// Runs `gridveil-node` with `args` to completion; returns (success, all output).
pub fn run_to_completion(args: &[&str]) -> Result<(bool, String)> {
	let outcome = run(args)?;
	Ok((outcome.success, outcome.text()))
}

/// Puts an sr25519 key of `key_type` derived from `suri` into the keystore
/// under `base_path` with `gridveil-node key insert`, as an operator would
/// before starting a validator.
pub fn insert_key(chain: &str, base_path: &Path, key_type: &str, suri: &str) -> Result<()> {
	insert_key_of_scheme(chain, base_path, key_type, "sr25519", suri)
}

/// A network key (libp2p identity) in the node's folder under `base_path`,
/// as a validator needs one before it starts (`key generate-node-key`).
pub fn generate_node_key(chain: &str, base_path: &Path) -> Result<()> {
	let base = base_path.to_str().ok_or_else(|| anyhow!("{base_path:?} is not UTF-8"))?;
	let (ok, output) =
		run_to_completion(&["key", "generate-node-key", "--chain", chain, "--base-path", base])?;
	if !ok {
		bail!("key generate-node-key failed: {output}");
	}
	Ok(())
}

/// A validator's session keys from `suri` (Aura sr25519, GRANDPA ed25519),
/// as `--alice` would put them, into the keystore under `base_path`.
pub fn insert_session_keys(chain: &str, base_path: &Path, suri: &str) -> Result<()> {
	insert_key_of_scheme(chain, base_path, "aura", "sr25519", suri)?;
	insert_key_of_scheme(chain, base_path, "gran", "ed25519", suri)
}

/// [`insert_key`] with the key's `scheme` (`sr25519`, `ed25519`).
fn insert_key_of_scheme(
	chain: &str,
	base_path: &Path,
	key_type: &str,
	scheme: &str,
	suri: &str,
) -> Result<()> {
	let base = base_path.to_str().ok_or_else(|| anyhow!("{base_path:?} is not UTF-8"))?;
	let (ok, output) = run_to_completion(&[
		"key",
		"insert",
		"--chain",
		chain,
		"--base-path",
		base,
		"--key-type",
		key_type,
		"--scheme",
		scheme,
		"--suri",
		suri,
	])?;
	if !ok {
		bail!("key insert failed: {output}");
	}
	Ok(())
}

/// The ports and identity of one node.
#[derive(Clone, Debug)]
pub struct NodeSpec {
	/// Name shown in logs and telemetry.
	pub name: String,
	/// `--chain` value.
	pub chain: String,
	/// Extra arguments (`--alice`, `--validator`, `--bootnodes …`).
	pub args: Vec<String>,
	/// Libp2p port.
	pub p2p_port: u16,
	/// JSON-RPC (WebSocket and HTTP) port.
	pub rpc_port: u16,
}

impl NodeSpec {
	/// A node on fresh loopback ports.
	pub fn new(name: &str, chain: &str) -> Result<Self> {
		Ok(Self {
			name: name.into(),
			chain: chain.into(),
			args: Vec::new(),
			p2p_port: free_port()?,
			rpc_port: free_port()?,
		})
	}

	/// Adds command-line arguments.
	pub fn with_args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
		self.args.extend(args.into_iter().map(Into::into));
		self
	}
}

/// A running `gridveil-node` process. Dropping it kills the process; the
/// kernel also kills it if the test process itself dies (`PR_SET_PDEATHSIG`).
pub struct Node {
	/// What the node was started with.
	pub spec: NodeSpec,
	child: Child,
	log_path: PathBuf,
	base_path: tempfile::TempDir,
}

impl Node {
	/// Starts a node with a fresh base path and waits until its RPC answers.
	pub async fn start(spec: NodeSpec) -> Result<Self> {
		let base_path = tempfile::Builder::new().prefix("gridveil-node-").tempdir()?;
		Self::start_in(spec, base_path).await
	}

	/// Starts a node in `base_path` (whose keystore may already hold keys).
	pub async fn start_in(spec: NodeSpec, base_path: tempfile::TempDir) -> Result<Self> {
		let log_path = base_path.path().join("node.log");
		let child = Self::spawn(&spec, base_path.path(), &log_path)?;
		let mut node = Self { spec, child, log_path, base_path };
		node.wait_for_rpc(Duration::from_secs(120)).await?;
		Ok(node)
	}

	/// Kills the node and starts it again on the same database, keys and ports.
	pub async fn restart(&mut self) -> Result<()> {
		self.kill();
		self.child = Self::spawn(&self.spec, self.base_path.path(), &self.log_path)?;
		self.wait_for_rpc(Duration::from_secs(120)).await
	}

	fn spawn(spec: &NodeSpec, base_path: &Path, log_path: &Path) -> Result<Child> {
		let log = File::options().create(true).append(true).open(log_path)?;
		let mut command = Command::new(node_binary()?);
		command
			.arg("--chain")
			.arg(&spec.chain)
			.arg("--name")
			.arg(&spec.name)
			.arg("--base-path")
			.arg(base_path)
			.args(["--rpc-port", &spec.rpc_port.to_string()])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.arg("--listen-addr")
			.arg(format!("/ip4/127.0.0.1/tcp/{}", spec.p2p_port))
			.args(&spec.args)
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log);
		die_with_parent(&mut command);
		command.spawn().context("spawning gridveil-node")
	}

	/// `ws://127.0.0.1:<rpc port>`.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.spec.rpc_port)
	}

	/// This node's base path.
	pub fn base_path(&self) -> &Path {
		self.base_path.path()
	}

	/// The last few KiB of the node's log.
	pub fn log_tail(&self) -> String {
		log_tail(&self.log_path)
	}

	/// Its log file.
	pub fn log_path(&self) -> &Path {
		&self.log_path
	}

	/// The whole log so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	/// Errors (with the log tail) if the process has exited.
	pub fn ensure_running(&mut self) -> Result<()> {
		if let Some(status) = self.child.try_wait()? {
			bail!(
				"node `{}` exited with {status}; last lines of its log:\n{}",
				self.spec.name,
				self.log_tail()
			);
		}
		Ok(())
	}

	async fn wait_for_rpc(&mut self, timeout: Duration) -> Result<()> {
		let deadline = Instant::now() + timeout;
		loop {
			self.ensure_running()?;
			if std::net::TcpStream::connect(("127.0.0.1", self.spec.rpc_port)).is_ok() {
				return Ok(());
			}
			if Instant::now() > deadline {
				bail!(
					"node `{}` did not open its RPC port {} within {timeout:?}; last lines of its log:\n{}",
					self.spec.name,
					self.spec.rpc_port,
					self.log_tail()
				);
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// Stops the node (SIGKILL) and waits for it.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Asks the kernel to kill `command`'s process when the test process dies,
/// so no child outlives a crashed test.
pub fn die_with_parent(command: &mut Command) {
	// SAFETY: prctl is async-signal-safe; it only sets the parent-death signal.
	unsafe {
		command.pre_exec(|| {
			libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
			Ok(())
		});
	}
}

/// The last [`LOG_TAIL_BYTES`] of a log file.
pub fn log_tail(path: &Path) -> String {
	let Ok(mut file) = File::open(path) else { return format!("(no log at {path:?})") };
	let length = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
	let _ = file.seek(SeekFrom::Start(length.saturating_sub(LOG_TAIL_BYTES)));
	let mut tail = Vec::new();
	let _ = file.read_to_end(&mut tail);
	String::from_utf8_lossy(&tail).into_owned()
}

/// The libp2p peer id of a node key file, from `gridveil-node key inspect-node-key`.
pub fn peer_id_of_node_key(node_key_file: &Path) -> Result<String> {
	let file = node_key_file.to_str().ok_or_else(|| anyhow!("non-UTF-8 path"))?;
	let (ok, output) = run_to_completion(&["key", "inspect-node-key", "--file", file])?;
	if !ok {
		bail!("key inspect-node-key failed: {output}");
	}
	output
		.lines()
		.map(str::trim)
		.find(|line| line.starts_with("12D3"))
		.map(str::to_owned)
		.ok_or_else(|| anyhow!("no peer id in `key inspect-node-key` output: {output}"))
}

// ---------------------------------------------------------------------------
// Chain spec.
// ---------------------------------------------------------------------------

/// A chain spec JSON file in its own temporary folder (removed on drop).
pub struct ChainSpecFile {
	path: PathBuf,
	_dir: tempfile::TempDir,
}

impl ChainSpecFile {
	/// Where the file is.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// The path as a `--chain` argument.
	pub fn arg(&self) -> Result<&str> {
		self.path.to_str().ok_or_else(|| anyhow!("non-UTF-8 path {:?}", self.path))
	}
}

/// The dev chain spec with the market's clock set: `slot_length_ms` per slot,
/// `report_grace_slots` slots to report a slot's shares.
pub fn dev_spec_with_market_clock(
	slot_length_ms: u64,
	report_grace_slots: u32,
) -> Result<ChainSpecFile> {
	dev_spec_with_genesis(&[
		("energyMarket", "slotLengthMs", slot_length_ms.into()),
		("energyMarket", "reportGraceSlots", report_grace_slots.into()),
	])
}

/// The dev chain spec with genesis fields set: `(pallet, field, value)` in the
/// preset's JSON names (`energyMarket.slotLengthMs`, `demandResponse.hourLength`).
pub fn dev_spec_with_genesis(fields: &[(&str, &str, serde_json::Value)]) -> Result<ChainSpecFile> {
	let outcome = run(&["build-spec", "--chain", "dev", "--disable-default-bootnode"])?;
	ensure!(outcome.success, "build-spec --chain dev failed: {}", outcome.text());
	let mut spec: serde_json::Value = serde_json::from_str(&outcome.stdout)
		.with_context(|| format!("build-spec printed no JSON: {}", outcome.text()))?;
	let patch = spec
		.pointer_mut("/genesis/runtimeGenesis/patch")
		.and_then(|patch| patch.as_object_mut())
		.ok_or_else(|| anyhow!("the dev chain spec has no genesis.runtimeGenesis.patch object"))?;
	let fields: Vec<GenesisField> = fields
		.iter()
		.map(|(pallet, field, value)| GenesisField::new(pallet, field, value.clone()))
		.collect();
	chain_spec::set_fields(patch, &fields)?;

	let dir = tempfile::Builder::new().prefix("gridveil-spec-").tempdir()?;
	let path = dir.path().join("patched-dev.json");
	std::fs::write(&path, serde_json::to_vec(&spec)?)
		.with_context(|| format!("writing {}", path.display()))?;
	Ok(ChainSpecFile { path, _dir: dir })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn free_ports_are_handed_out_once_below_the_ephemeral_range_and_can_be_bound() {
		let ephemeral = ephemeral_range_start().expect("Linux reports its ephemeral range");
		let ports: Vec<u16> = (0..50).map(|_| free_port().expect("a free port")).collect();
		let mut distinct = ports.clone();
		distinct.sort();
		distinct.dedup();
		assert_eq!(distinct.len(), ports.len(), "{ports:?}");
		for port in ports {
			assert!(u32::from(port) >= FIRST_HANDED_OUT_PORT && u32::from(port) < ephemeral);
			TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
		}
		// A port someone listens on, on loopback only, is not free.
		let held = free_port().unwrap();
		let _listener = TcpListener::bind(("127.0.0.1", held)).unwrap();
		assert!(!port_is_free(held));
	}
}
