//! The 4-validator local testnet (Alice, Bob, Charlie, Dave) as separate
//! processes on loopback: everyone peers, blocks finalize, a transfer lands.

use std::{str::FromStr, time::Duration};

use anyhow::{ensure, Result};
use gridveil_tests::{chain, node::LocalTestnet};
use subxt_signer::{sr25519, SecretUri};

const UNIT: u128 = 1_000_000_000_000;

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_peer_finalize_and_transfer() -> Result<()> {
	let mut network = LocalTestnet::start().await?;

	for node in &network.nodes {
		let rpc = chain::rpc(&node.ws_url()).await?;
		let peers = chain::wait_for_peers(&rpc, 3, Duration::from_secs(90)).await?;
		ensure!(peers >= 3, "{} sees {peers} peers", node.spec.name);
	}
	let rpc = chain::rpc(&network.nodes[3].ws_url()).await?;
	chain::wait_for_finalized(&rpc, 3, Duration::from_secs(180)).await?;

	// Submit through Dave; the block may be authored by any of the four.
	let client = chain::connect(&network.nodes[3].ws_url()).await?;
	let bob = sr25519::dev::bob();
	let receiver = sr25519::Keypair::from_uri(&SecretUri::from_str("//LocalReceiver")?)?;
	let transfer = chain::transfer(&client, &bob, receiver.public_key().into(), 5 * UNIT).await?;
	ensure!(transfer.from == bob.public_key().into(), "wrong sender in {transfer:?}");
	ensure!(transfer.amount == 5 * UNIT, "wrong amount in {transfer:?}");

	for node in &mut network.nodes {
		node.ensure_running()?;
	}
	Ok(())
}
