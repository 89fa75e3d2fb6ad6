//! Runtime upgrades as the consortium makes them: a motion authorizes the
//! hash of the new code (`UpgradeAuthorization.authorize_upgrade`), then a
//! member applies the code (`System.apply_authorized_upgrade`); and the
//! released runtimes a test upgrades from.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use subxt::{
	dynamic::{self, Value},
	error::DispatchError,
	ArcMetadata,
};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Client, Rpc},
	chain_spec,
	energy_market::{submit_in_block, Emitted},
	governance::{self, Call},
	node::{node_binary, workspace_binary},
	workspace,
};

/// The compressed wasm of the released runtime with `spec_version`
/// (`runtime/releases/`).
pub fn release(spec_version: u32) -> Result<PathBuf> {
	workspace::find(&format!(
		"runtime/releases/gridveil_runtime-{spec_version}.compact.compressed.wasm"
	))
}

/// The runtime this build's node embeds: what an upgrade to this build applies.
pub fn current_code() -> Result<Vec<u8>> {
	chain_spec::node_code(&node_binary()?)
}

/// Runs `gridveil-try-upgrade` (try-runtime's upgrade checks for this
/// build's runtime) on a snapshot of the chain behind `uri`; returns what it
/// printed, or fails with it when a check fails.
pub async fn try_upgrade(uri: &str) -> Result<String> {
	let binary = workspace_binary("gridveil-try-upgrade", "GRIDVEIL_TRY_UPGRADE")?;
	let output = tokio::process::Command::new(&binary)
		.args(["--uri", uri])
		.output()
		.await
		.with_context(|| format!("running {}", binary.display()))?;
	let printed = String::from_utf8_lossy(&output.stdout).into_owned();
	if !output.status.success() {
		bail!("try-runtime's checks failed:\n{printed}{}", String::from_utf8_lossy(&output.stderr));
	}
	Ok(printed)
}

/// The best block's runtime: `(spec_version, transaction_version)`.
pub async fn runtime_version(rpc: &Rpc) -> Result<(u32, u32)> {
	let version = rpc.state_get_runtime_version(None).await?;
	Ok((version.spec_version, version.transaction_version))
}

/// Authorizes `code` by a motion of `members` (the first proposes) and
/// applies it, signed by the first member; returns the events of the
/// extrinsic that applied it (`System::CodeUpdated` when it took,
/// `System::RejectedInvalidAuthorizedUpgrade` when frame-system refused it).
pub async fn authorize_and_apply(
	client: &Client,
	rpc: &Rpc,
	members: &[Keypair],
	code: &[u8],
) -> Result<Emitted> {
	let code_hash = sp_crypto_hashing::blake2_256(code);
	governance::enact(
		client,
		rpc,
		members,
		&[Call::new(
			"UpgradeAuthorization",
			"authorize_upgrade",
			vec![("code_hash", Value::from_bytes(code_hash))],
		)],
	)
	.await
	.context("authorizing the upgrade")?;
	let member = members.first().ok_or_else(|| anyhow!("an upgrade needs a member"))?;
	let apply =
		dynamic::transaction("System", "apply_authorized_upgrade", vec![Value::from_bytes(code)]);
	submit_in_block(client, rpc, member, &[apply])
		.await
		.context("applying the upgrade")?
		.into_iter()
		.next()
		.ok_or_else(|| anyhow!("nothing was submitted"))
}

/// A pallet's storage version (`:__STORAGE_VERSION__:` under the pallet's
/// prefix) at the best block; 0 when never written.
pub async fn storage_version(rpc: &Rpc, pallet: &str) -> Result<u16> {
	let mut key = sp_crypto_hashing::twox_128(pallet.as_bytes()).to_vec();
	key.extend(sp_crypto_hashing::twox_128(b":__STORAGE_VERSION__:"));
	let Some(bytes) = rpc.state_get_storage(&key, None).await? else { return Ok(0) };
	let bytes: [u8; 2] =
		bytes.as_slice().try_into().map_err(|_| anyhow!("{pallet}'s storage version {bytes:?}"))?;
	Ok(u16::from_le_bytes(bytes))
}

/// The error of a `System::RejectedInvalidAuthorizedUpgrade` among
/// `emitted` (`System::SpecVersionNeedsToIncrease` …), if one is there.
pub fn rejection(emitted: &Emitted, metadata: ArcMetadata) -> Result<Option<String>> {
	for event in emitted.iter() {
		let event = event?;
		if (event.pallet_name(), event.event_name())
			== ("System", "RejectedInvalidAuthorizedUpgrade")
		{
			// The code hash (32 bytes), then the `DispatchError`.
			let error = event
				.field_bytes()
				.get(32..)
				.ok_or_else(|| anyhow!("a short RejectedInvalidAuthorizedUpgrade event"))?;
			let error = DispatchError::decode_from(error, metadata)
				.map_err(|error| anyhow!("undecodable dispatch error: {error}"))?;
			return Ok(Some(error.to_string()));
		}
	}
	Ok(None)
}
