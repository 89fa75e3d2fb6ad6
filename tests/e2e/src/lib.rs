//! What the end-to-end tests share beyond the harness: one `--dev` node for
//! the tests that only need a plain development chain (so a test binary
//! starts one such node, not one per test).

use std::{
	path::PathBuf,
	sync::{mpsc, OnceLock},
	time::Duration,
};

use anyhow::{anyhow, Result};
use gridveil_harness::{
	chain,
	node::{Node, NodeSpec},
};

/// The shared `--dev` node (offchain workers' debug log on, so the tests can
/// see them run).
pub struct SharedDevNode {
	/// `ws://127.0.0.1:<port>`.
	pub ws_url: String,
	/// Its base path (database and keystore).
	pub base_path: PathBuf,
	/// Its log file.
	pub log_path: PathBuf,
}

impl SharedDevNode {
	/// The whole log so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}
}

static SHARED: OnceLock<Result<SharedDevNode, String>> = OnceLock::new();

/// The binary's shared `--dev` node, started on first use and finalizing.
///
/// It lives on a thread of its own that never ends: the kernel kills a
/// child when the *thread* that spawned it exits (`PR_SET_PDEATHSIG`), so a
/// node started by one test's thread would die with that test. It is killed
/// when the test process exits.
pub async fn shared_dev_node() -> Result<&'static SharedDevNode> {
	let shared = tokio::task::spawn_blocking(|| SHARED.get_or_init(start_shared)).await?;
	let node = shared.as_ref().map_err(|error| anyhow!("the shared dev node: {error}"))?;
	let rpc = chain::rpc(&node.ws_url).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;
	Ok(node)
}

fn start_shared() -> Result<SharedDevNode, String> {
	let (sender, receiver) = mpsc::channel();
	std::thread::Builder::new()
		.name("shared-dev-node".into())
		.spawn(move || {
			let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
				Ok(runtime) => runtime,
				Err(error) => return drop(sender.send(Err(error.to_string()))),
			};
			let spec = NodeSpec::new("shared-dev", "dev")
				.map(|spec| spec.with_args(["--dev", "-loffchain-worker=debug"]));
			let started = runtime.block_on(async { Node::start(spec?).await });
			match started {
				Ok(node) => {
					let _ = sender.send(Ok(SharedDevNode {
						ws_url: node.ws_url(),
						base_path: node.base_path().to_path_buf(),
						log_path: node.log_path().to_path_buf(),
					}));
					// Hold the node (and this thread) until the process exits.
					loop {
						std::thread::park();
					}
				},
				Err(error) => drop(sender.send(Err(format!("{error:#}")))),
			}
		})
		.map_err(|error| error.to_string())?;
	receiver.recv().map_err(|error| error.to_string())?
}
