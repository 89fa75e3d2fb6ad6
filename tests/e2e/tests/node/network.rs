//! `zombienet/local.toml`'s four validators, spawned by the harness's one
//! `network::spawn` (zombienet-sdk, native provider) as the demo spawns
//! them: every node sees the three others, the network finalizes, and a
//! transfer submitted through Dave lands whoever authors it.

use std::time::Duration;

use anyhow::{ensure, Result};
use gridveil_harness::{
	chain, keypair,
	network::{self, LocalNetwork, VALIDATORS},
	UNIT,
};
use subxt_signer::sr25519;

/// The checks, apart from spawning, so the network is torn down whatever they return.
async fn check(network: &LocalNetwork) -> Result<()> {
	let urls = network.ws_urls();
	ensure!(urls.len() == VALIDATORS.len(), "expected 4 nodes, spawned {}", urls.len());
	for (url, name) in urls.iter().zip(VALIDATORS) {
		let rpc = chain::rpc(url).await?;
		let peers = chain::wait_for_peers(&rpc, 3, Duration::from_secs(240)).await?;
		ensure!(peers >= 3, "{name} sees only {peers} peers");
	}
	for (url, name) in urls.iter().zip(VALIDATORS) {
		let rpc = chain::rpc(url).await?;
		let finalized = chain::wait_for_finalized(&rpc, 3, Duration::from_secs(240)).await?;
		ensure!(finalized >= 3, "{name} finalized only #{finalized}");
	}

	// Submit through Dave; the block may be authored by any of the four.
	let client = chain::connect(&urls[3]).await?;
	let bob = sr25519::dev::bob();
	let receiver = keypair("//LocalReceiver")?;
	let transfer = chain::transfer(&client, &bob, receiver.public_key().into(), 5 * UNIT).await?;
	ensure!(transfer.from == bob.public_key().into(), "wrong sender in {transfer:?}");
	ensure!(transfer.amount == 5 * UNIT, "wrong amount in {transfer:?}");
	for node in network.nodes() {
		ensure!(node.is_running(), "{} stopped", node.name());
	}
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_peer_finalize_and_transfer() -> Result<()> {
	let network = network::spawn(network::Options::new(4)).await?;
	let outcome = check(&network).await;
	network.destroy().await?;
	outcome
}
