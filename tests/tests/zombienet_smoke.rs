//! `zombienet/local.toml` spawned with zombienet-sdk (native provider): every
//! node sees the three others and the network finalizes block 5. The nodes are
//! queried with our own subxt 0.51 client on each node's `ws_uri()`.

use std::{path::PathBuf, time::Duration};

use anyhow::{anyhow, ensure, Result};
use gridveil_tests::{chain, node::node_binary};
use zombienet_sdk::{LocalFileSystem, Network, NetworkConfig, NetworkConfigExt};

/// The checks, separate from spawning so the network is torn down whatever they return.
async fn check(network: &Network<LocalFileSystem>) -> Result<()> {
	let nodes = network.nodes();
	ensure!(nodes.len() == 4, "expected 4 nodes, zombienet spawned {}", nodes.len());
	for node in &nodes {
		let rpc = chain::rpc(node.ws_uri()).await?;
		let peers = chain::wait_for_peers(&rpc, 3, Duration::from_secs(120)).await?;
		ensure!(peers >= 3, "{} sees only {peers} peers", node.name());
	}
	for node in &nodes {
		let rpc = chain::rpc(node.ws_uri()).await?;
		let finalized = chain::wait_for_finalized(&rpc, 5, Duration::from_secs(240)).await?;
		ensure!(finalized >= 5, "{} finalized only #{finalized}", node.name());
	}
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn zombienet_local_network_peers_and_finalizes() -> Result<()> {
	// zombienet runs `gridveil-node` from PATH, as `make demo` does.
	let node_dir = node_binary()?
		.parent()
		.map(PathBuf::from)
		.ok_or_else(|| anyhow!("the node binary has no directory"))?;
	let path = std::env::var("PATH").unwrap_or_default();
	std::env::set_var("PATH", format!("{}:{path}", node_dir.display()));

	let toml = concat!(env!("CARGO_MANIFEST_DIR"), "/../zombienet/local.toml");
	let config = NetworkConfig::load_from_toml(toml)?;
	let network = config.spawn_native().await.map_err(|error| anyhow!("spawning: {error}"))?;
	let outcome = check(&network).await;
	network.destroy().await.map_err(|error| anyhow!("tearing down: {error}"))?;
	outcome
}
