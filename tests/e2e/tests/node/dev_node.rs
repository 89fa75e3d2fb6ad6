//! A `--dev` node: it authors and finalizes blocks, stores state in
//! ParityDB, accepts a balance transfer, runs offchain workers, and holds
//! keys inserted for the market's offchain workers; its genesis wrote the
//! pallets' storage versions.

use std::time::Duration;

use anyhow::{ensure, Result};
use gridveil_e2e::shared_dev_node;
use gridveil_harness::{
	chain, keypair,
	node::{insert_key, Node, NodeSpec},
	upgrade, UNIT,
};
use subxt_signer::sr25519;

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_and_transfers_with_event() -> Result<()> {
	let node = shared_dev_node().await?;
	let client = chain::connect(&node.ws_url).await?;
	// Ferdie: no other test on the shared node signs with it.
	let ferdie = sr25519::dev::ferdie();
	let receiver = keypair("//GridVeilReceiver")?;
	let transfer =
		chain::transfer(&client, &ferdie, receiver.public_key().into(), 42 * UNIT).await?;

	ensure!(transfer.from == ferdie.public_key().into(), "wrong sender in {transfer:?}");
	ensure!(transfer.to == receiver.public_key().into(), "wrong receiver in {transfer:?}");
	ensure!(transfer.amount == 42 * UNIT, "wrong amount in {transfer:?}");
	Ok(())
}

/// A chain started from this runtime's genesis has its pallets' storage at
/// the versions the code declares: no migration of the next upgrade runs on
/// it (energy-market's v1 would misread its `Days`).
#[tokio::test(flavor = "multi_thread")]
async fn a_new_chain_starts_at_the_codes_storage_versions() -> Result<()> {
	let node = shared_dev_node().await?;
	let rpc = chain::rpc(&node.ws_url).await?;
	let version = upgrade::storage_version(&rpc, "EnergyMarket").await?;
	ensure!(version == 1, "EnergyMarket at storage version {version} on a new chain");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_stores_state_in_paritydb_only() -> Result<()> {
	let node = shared_dev_node().await?;
	let chain_dir = node.base_path.join("chains").join("gridveil_dev");
	ensure!(chain_dir.join("paritydb").is_dir(), "no ParityDB under {chain_dir:?}");
	ensure!(!chain_dir.join("db").exists(), "a RocksDB folder exists under {chain_dir:?}");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn liquidator_key_inserted_with_key_insert_is_in_the_keystore() -> Result<()> {
	let base_path = tempfile::Builder::new().prefix("gridveil-keystore-").tempdir()?;
	insert_key("dev", base_path.path(), "gvlq", "//Liquidator")?;

	let node = Node::start_in(NodeSpec::new("dev", "dev")?.with_args(["--dev"]), base_path).await?;
	let rpc = chain::rpc(&node.ws_url()).await?;
	let public = keypair("//Liquidator")?.public_key().0.to_vec();
	ensure!(
		rpc.author_has_key(public.clone(), "gvlq".into()).await?,
		"the node's keystore lacks the inserted gvlq key"
	);
	ensure!(
		!rpc.author_has_key(public, "babe".into()).await?,
		"the key must be stored under its own key type only"
	);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn offchain_workers_run_on_each_imported_block() -> Result<()> {
	let node = shared_dev_node().await?;
	let rpc = chain::rpc(&node.ws_url).await?;
	let finalized = chain::finalized_number(&rpc).await?;
	chain::wait_for_finalized(&rpc, finalized + 2, Duration::from_secs(90)).await?;
	let runs = node.log().matches("Running offchain workers at").count();
	ensure!(runs >= 2, "offchain workers ran {runs} times");
	Ok(())
}
