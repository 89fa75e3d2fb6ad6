//! Talking to a node with subxt 0.51: finality, peers, extrinsics and their events.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	rpcs::RpcClient,
	transactions::Payload,
	utils::AccountId32,
};
use subxt_signer::sr25519::Keypair;

use crate::node::{Node, NodeSpec};

/// The client types are the edge client's: Polkadot's transaction format,
/// a subxt client, its view at one block and the legacy RPC methods.
pub use gridveil_offchain::chain::{AtBlock, Client, GridVeilConfig, Rpc};

/// Starts a `--dev` node, waits until it has finalized block `height`, and
/// connects to it: the node (kept alive by the caller), its RPC and a client.
pub async fn dev_chain(height: u64) -> Result<(Node, Rpc, Client)> {
	let node = Node::start(NodeSpec::new("dev", "dev")?.with_args(["--dev"])).await?;
	let rpc = rpc(&node.ws_url()).await?;
	wait_for_finalized(&rpc, height, Duration::from_secs(90)).await?;
	let client = connect(&node.ws_url()).await?;
	Ok((node, rpc, client))
}

/// Connects to a node over WebSocket on loopback (no TLS).
pub async fn connect(url: &str) -> Result<Client> {
	Client::from_insecure_url(url).await.with_context(|| format!("connecting subxt to {url}"))
}

/// The node's raw JSON-RPC methods.
pub async fn rpc(url: &str) -> Result<Rpc> {
	let client = RpcClient::from_insecure_url(url)
		.await
		.with_context(|| format!("connecting JSON-RPC to {url}"))?;
	Ok(Rpc::new(client))
}

/// The number of the node's last finalized block.
pub async fn finalized_number(rpc: &Rpc) -> Result<u64> {
	let hash = rpc.chain_get_finalized_head().await?;
	let header = rpc
		.chain_get_header(Some(hash))
		.await?
		.ok_or_else(|| anyhow!("the finalized head {hash:?} has no header"))?;
	Ok(header.number)
}

/// Asks `probe` every half second until it answers `Ok(value)`; after
/// `timeout`, fails with the last `Err(why_not_yet)` it gave.
pub async fn poll<T>(
	timeout: Duration,
	mut probe: impl AsyncFnMut() -> Result<Result<T, String>>,
) -> Result<T> {
	let deadline = Instant::now() + timeout;
	loop {
		let why_not_yet = match probe().await? {
			Ok(value) => return Ok(value),
			Err(why_not_yet) => why_not_yet,
		};
		if Instant::now() > deadline {
			bail!("{why_not_yet} after {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Waits until the node has finalized block `height`, returning the finalized number.
pub async fn wait_for_finalized(rpc: &Rpc, height: u64, timeout: Duration) -> Result<u64> {
	poll(timeout, async || {
		let finalized = finalized_number(rpc).await?;
		Ok(if finalized >= height {
			Ok(finalized)
		} else {
			Err(format!("finality stalled at #{finalized}, expected #{height}"))
		})
	})
	.await
}

/// Waits until the node sees at least `peers` peers, returning how many it sees.
pub async fn wait_for_peers(rpc: &Rpc, peers: usize, timeout: Duration) -> Result<usize> {
	poll(timeout, async || {
		let seen = rpc.system_health().await?.peers;
		Ok(if seen >= peers {
			Ok(seen)
		} else {
			Err(format!("only {seen} peers, expected {peers}"))
		})
	})
	.await
}

/// The fields of `Balances::Transfer`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Transfer {
	/// Who sent.
	pub from: AccountId32,
	/// Who received.
	pub to: AccountId32,
	/// How much.
	pub amount: u128,
}

/// The fields of `TransactionPayment::TransactionFeePaid`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct TransactionFeePaid {
	/// Who paid.
	pub who: AccountId32,
	/// The fee, tip included.
	pub actual_fee: u128,
	/// The tip.
	pub tip: u128,
}

/// Signs and submits `payload`, waits until the block that includes it is
/// finalized, and returns the first `pallet::event` it emitted.
pub async fn submit_for_event<E: scale_decode::DecodeAsFields>(
	client: &Client,
	signer: &Keypair,
	payload: &impl Payload,
	pallet: &str,
	event: &str,
) -> Result<E> {
	let events = client
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(payload, signer)
		.await?
		.wait_for_finalized_success()
		.await
		.with_context(|| format!("the extrinsic for {pallet}::{event} failed"))?;
	for found in events.iter() {
		let found = found?;
		if found.pallet_name() == pallet && found.event_name() == event {
			return Ok(found.decode_fields_unchecked_as::<E>()?);
		}
	}
	bail!("the finalized extrinsic emitted no {pallet}::{event} event")
}

/// Sends `amount` from `from` to `to` with `transfer_keep_alive`, waits until
/// the block that includes it is finalized, and returns its `Transfer` event.
pub async fn transfer(
	client: &Client,
	from: &Keypair,
	to: AccountId32,
	amount: u128,
) -> Result<Transfer> {
	let payload = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(subxt::utils::MultiAddress::<AccountId32, ()>::Id(to), amount),
	);
	submit_for_event(client, from, &payload, "Balances", "Transfer").await
}

/// `Sudo::sudo(call)` where `call` is `pallet::function(fields)`, as the
/// chain's operator would send it from polkadot.js apps.
pub fn sudo(
	pallet: &str,
	function: &str,
	fields: Vec<(&str, Value)>,
) -> subxt::transactions::DynamicPayload<Vec<Value>> {
	let inner = Value::unnamed_variant(pallet, [Value::named_variant(function, fields)]);
	dynamic::transaction("Sudo", "sudo", vec![inner])
}

/// `Sudo.sudo(ZkVerifier.register_key(key))`: the operator registers a
/// verifying key (arkworks compressed, as `gridveil-circuits setup` writes it).
pub fn register_key(verifying_key: &[u8]) -> subxt::transactions::DynamicPayload<Vec<Value>> {
	sudo("ZkVerifier", "register_key", vec![("verifying_key", Value::from_bytes(verifying_key))])
}

/// The fields of `ZkVerifier::KeyRegistered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct KeyRegistered {
	/// The key's id.
	pub key_id: u32,
	/// Public inputs of proofs under it.
	pub public_inputs: u32,
	/// blake2-256 of the submitted key.
	pub key_hash: [u8; 32],
}

/// The block timestamp (ms) at `block`.
pub async fn time_at(block: &AtBlock) -> Result<u64> {
	let address = dynamic::storage::<(), u64>("Timestamp", "Now");
	let value = block.storage().fetch(address, ()).await?;
	value.decode().map_err(|error| anyhow!("Timestamp::Now: {error}"))
}
