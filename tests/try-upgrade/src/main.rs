//! `gridveil-try-upgrade --uri ws://127.0.0.1:9944`: try-runtime's
//! on-runtime-upgrade check, on a snapshot of a live chain, for this
//! build's runtime.
//!
//! 1. Takes a snapshot of the chain's state at its finalized head over RPC
//!    (`state_getKeysPaged`, `state_queryStorageAt`).
//! 2. Runs this build's migrations on it with their `pre_upgrade` and
//!    `post_upgrade` checks, every pallet's `try_state` and a decode of the
//!    entire state under the new types
//!    (`Executive::try_runtime_upgrade(All)`), natively.
//! 3. Runs them again: a second run must change nothing (idempotency).
//!
//! Prints the migrations' weight; exits non-zero, naming the failed check,
//! when a check fails: the consortium does not vote for such an upgrade.
//! The chain is only read.

use anyhow::{anyhow, bail, Context, Result};
use frame_try_runtime::UpgradeCheckSelect;
use gridveil_runtime::{Executive, Runtime, VERSION};
use subxt::{
	config::RpcConfigFor,
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	PolkadotConfig,
};

/// Keys fetched per page.
const PAGE: u32 = 1_000;

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

#[tokio::main]
async fn main() -> Result<()> {
	let uri = uri_from_args()?;
	let rpc = Rpc::new(RpcClient::from_insecure_url(&uri).await.context("connecting")?);
	let at = rpc.chain_get_finalized_head().await?;
	let live = rpc.state_get_runtime_version(Some(at)).await?;
	println!(
		"snapshot of {uri} at finalized {at:?} (spec {}); upgrading to spec {}",
		live.spec_version, VERSION.spec_version
	);
	if live.spec_version >= VERSION.spec_version {
		bail!(
			"the chain runs spec {}: this build's spec {} is no upgrade",
			live.spec_version,
			VERSION.spec_version
		);
	}
	let pairs = snapshot(&rpc, at).await?;
	let bytes: usize = pairs.iter().map(|(key, value)| key.len() + value.len()).sum();
	println!("{} keys, {} KB", pairs.len(), bytes / 1_000);

	let mut ext = sp_io::TestExternalities::new_empty();
	for (key, value) in pairs {
		ext.insert(key, value);
	}
	ext.commit_all().map_err(|error| anyhow!("committing the snapshot: {error}"))?;

	let weight = ext
		.execute_with(|| Executive::try_runtime_upgrade(UpgradeCheckSelect::All))
		.map_err(|error| anyhow!("the upgrade's checks failed: {error:?}"))?;
	ext.commit_all().map_err(|error| anyhow!("committing the upgrade: {error}"))?;
	let migrated = ext.as_backend().root().to_owned();
	let max_block = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	println!(
		"pre- and post-upgrade checks, try_state and the state's decoding pass; the \
		 migrations weigh {} µs and {} bytes of proof ({:.2} % of a block's time)",
		weight.ref_time() / 1_000_000,
		weight.proof_size(),
		100.0 * weight.ref_time() as f64 / max_block.ref_time() as f64
	);

	ext.execute_with(|| Executive::try_runtime_upgrade(UpgradeCheckSelect::PreAndPost))
		.map_err(|error| anyhow!("the second run's checks failed: {error:?}"))?;
	ext.commit_all().map_err(|error| anyhow!("committing the second run: {error}"))?;
	if ext.as_backend().root() != &migrated {
		bail!("the migrations are not idempotent: a second run changed the state");
	}
	println!("a second run changes nothing");
	Ok(())
}

/// `--uri <ws url>` (default ws://127.0.0.1:9944).
fn uri_from_args() -> Result<String> {
	let mut args = std::env::args().skip(1);
	let mut uri = "ws://127.0.0.1:9944".to_string();
	while let Some(arg) = args.next() {
		match arg.as_str() {
			"--uri" => uri = args.next().context("--uri needs a value")?,
			"-h" | "--help" => {
				println!("gridveil-try-upgrade [--uri ws://127.0.0.1:9944]");
				std::process::exit(0);
			},
			other => bail!("unknown argument {other} (try --help)"),
		}
	}
	Ok(uri)
}

/// Every key and value of the state at `at`.
async fn snapshot(rpc: &Rpc, at: subxt::utils::H256) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
	let mut pairs = Vec::new();
	let mut start: Option<Vec<u8>> = None;
	loop {
		let keys = rpc.state_get_keys_paged(&[], PAGE, start.as_deref(), Some(at)).await?;
		let Some(last) = keys.last().cloned() else { break };
		let changes = rpc.state_query_storage_at(keys.iter().map(Vec::as_slice), Some(at)).await?;
		for set in changes {
			for (key, value) in set.changes {
				if let Some(value) = value {
					pairs.push((key.0, value.0));
				}
			}
		}
		if keys.len() < PAGE as usize {
			break;
		}
		start = Some(last);
	}
	Ok(pairs)
}
