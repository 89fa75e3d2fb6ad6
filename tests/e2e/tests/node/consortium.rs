//! The consortium's chain on `zombienet/local.toml`'s four validators
//! (sessions of ten blocks): a validator joins and one cannot be removed
//! below the minimum, through the council's motions and real nodes.
//!
//! 1. A motion removing Dave is refused (`TooFewValidators`: four is the
//!    minimum) and changes nothing.
//! 2. Eve runs a fifth node, generates session keys bound to her account on
//!    it (`author_rotateKeysWithOwner`), and cannot register them before the
//!    council adds her (`NoAssociatedValidatorId`); after the motion she
//!    can, and within two session boundaries she validates.
//! 3. Alice equivocates (two prevotes for different blocks in one round,
//!    signed with her GRANDPA key: what a second node with her keys sends
//!    when its view differs); Bob reports it with the ownership proof the
//!    runtime generates, a repeated report is refused, and Alice is removed
//!    when the next session is planned. Finality goes on throughout.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use gridveil_harness::{
	chain::{self, Client, Rpc},
	energy_market::{address_value, events_of, submit_in_block},
	governance::{self, Call},
	grandpa,
	network::{self, LocalNetwork},
	node::{generate_node_key, Node, NodeSpec},
};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::DecodeAsType,
	rpcs::{rpc_params, RpcClient},
	utils::AccountId32,
};
use subxt_signer::sr25519::{self, Keypair};

/// How long a validator change may take: two sessions of ten 6-second
/// blocks, and some slack for a loaded machine.
const SESSION_CHANGE_TIMEOUT: Duration = Duration::from_secs(300);

/// The fields of `ValidatorSet::OffenceReported`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct OffenceReported {
	/// The reported validator.
	validator: AccountId32,
	/// The session of the offence.
	#[allow(dead_code)]
	session: u32,
}

/// The accounts a pallet's `Validators` item lists: `Session` (this
/// session's) or `ValidatorSet` (the consortium's).
async fn validators(client: &Client, pallet: &str) -> Result<Vec<AccountId32>> {
	let block = client.at_current_block().await?;
	let address = dynamic::storage::<(), Vec<AccountId32>>(pallet, "Validators");
	Ok(block.storage().fetch(address, ()).await?.decode()?)
}

/// The session index and finalized block number now.
async fn session_and_block(client: &Client, rpc: &Rpc) -> Result<(u32, u64)> {
	let block = client.at_current_block().await?;
	let address = dynamic::storage::<(), u32>("Session", "CurrentIndex");
	let session = block.storage().fetch(address, ()).await?.decode()?;
	Ok((session, chain::finalized_number(rpc).await?))
}

/// Waits until `done` holds for the session's validators; prints the
/// session and finalized block it happened at.
async fn wait_for_session_validators(
	client: &Client,
	rpc: &Rpc,
	what: &str,
	done: impl Fn(&[AccountId32]) -> bool,
) -> Result<()> {
	let started = Instant::now();
	loop {
		if done(&validators(client, "Session").await?) {
			let (session, block) = session_and_block(client, rpc).await?;
			println!(
				"{what}: session {session}, finalized #{block}, {:.0} s after the change was made",
				started.elapsed().as_secs_f64()
			);
			return Ok(());
		}
		ensure!(
			started.elapsed() < SESSION_CHANGE_TIMEOUT,
			"{what}: not after {:?}",
			started.elapsed()
		);
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

/// `author_rotateKeysWithOwner` on the node at `ws_url`: new session keys
/// in its keystore, and their proof of possession over `owner`'s account.
async fn rotate_keys(ws_url: &str, owner: &Keypair) -> Result<(Vec<u8>, Vec<u8>)> {
	let rpc = RpcClient::from_insecure_url(ws_url).await?;
	let owner = format!("0x{}", hex::encode(owner.public_key().0));
	let generated: serde_json::Value =
		rpc.request("author_rotateKeysWithOwner", rpc_params![owner]).await?;
	let bytes = |field: &str| -> Result<Vec<u8>> {
		let text = generated[field]
			.as_str()
			.ok_or_else(|| anyhow!("author_rotateKeysWithOwner gave no {field}: {generated}"))?;
		Ok(hex::decode(text.trim_start_matches("0x"))?)
	};
	Ok((bytes("keys")?, bytes("proof")?))
}

/// `Session.set_keys(keys, proof)` with `keys` as the node returned them:
/// the Aura key, then the GRANDPA key.
fn set_keys(keys: &[u8], proof: &[u8]) -> Result<subxt::transactions::DynamicPayload<Vec<Value>>> {
	ensure!(keys.len() == 64, "session keys of {} bytes, not 64", keys.len());
	Ok(dynamic::transaction(
		"Session",
		"set_keys",
		vec![
			Value::named_composite([
				("aura", Value::from_bytes(&keys[..32])),
				("grandpa", Value::from_bytes(&keys[32..])),
			]),
			Value::from_bytes(proof),
		],
	))
}

/// A motion's call on the validator set.
fn validator_call(function: &str, validator: &Keypair) -> Call {
	Call::new(
		"ValidatorSet",
		function,
		vec![("validator", address_value(validator.public_key().to_account_id()))],
	)
}

/// Waits until the finalized block is `blocks` past where it is now.
async fn finality_goes_on(rpc: &Rpc, blocks: u64) -> Result<u64> {
	let from = chain::finalized_number(rpc).await?;
	chain::wait_for_finalized(rpc, from + blocks, Duration::from_secs(120))
		.await
		.with_context(|| format!("finality stalled at #{from}"))
}

async fn check(network: &LocalNetwork) -> Result<()> {
	let url = network.ws_url();
	let rpc = chain::rpc(&url).await?;
	chain::wait_for_finalized(&rpc, 2, Duration::from_secs(240)).await?;
	let client = chain::connect(&url).await?;
	let members =
		[sr25519::dev::alice(), sr25519::dev::bob(), sr25519::dev::charlie(), sr25519::dev::dave()];
	let account = |pair: &Keypair| pair.public_key().to_account_id();
	let genesis: Vec<AccountId32> = members.iter().map(account).collect();
	ensure!(validators(&client, "Session").await? == genesis, "the genesis session's validators");

	// 1. Below the minimum: refused, nothing changed.
	let refused = governance::enact(
		&client,
		&rpc,
		&members,
		&[validator_call("remove_validator", &members[3])],
	)
	.await
	.err()
	.ok_or_else(|| anyhow!("the council removed a fourth validator"))?;
	ensure!(
		format!("{refused:#}").contains("ValidatorSet::TooFewValidators"),
		"removing below the minimum failed otherwise: {refused:#}"
	);
	ensure!(
		validators(&client, "ValidatorSet").await? == genesis,
		"the refused removal changed the set"
	);

	// 2. Eve joins.
	let alice_node = network.node("alice")?;
	let spec = network
		.chain_spec()
		.to_str()
		.ok_or_else(|| anyhow!("the chain spec's path is not UTF-8"))?
		.to_string();
	let bootnode = alice_node.multiaddr().to_string();
	let eve_base = tempfile::Builder::new().prefix("gridveil-eve-").tempdir()?;
	generate_node_key(&spec, eve_base.path())?;
	let eve_node = Node::start_in(
		NodeSpec::new("eve", &spec)?.with_args(["--validator", "--bootnodes", &bootnode]),
		eve_base,
	)
	.await?;
	let eve = sr25519::dev::eve();
	let (keys, proof) = rotate_keys(&eve_node.ws_url(), &eve).await?;
	let early = submit_in_block(&client, &rpc, &eve, &[set_keys(&keys, &proof)?]).await;
	match early {
		Ok(_) => bail!("Eve set session keys before the council added her"),
		Err(error) => ensure!(
			format!("{error:#}").contains("NoAssociatedValidatorId"),
			"a non-member's keys were refused otherwise: {error:#}"
		),
	}
	governance::enact(&client, &rpc, &members, &[validator_call("add_validator", &eve)])
		.await
		.context("the motion adding Eve")?;
	submit_in_block(&client, &rpc, &eve, &[set_keys(&keys, &proof)?])
		.await
		.context("Eve's session keys")?;
	let eve_account = account(&eve);
	wait_for_session_validators(&client, &rpc, "Eve validates", |validators| {
		validators.contains(&eve_account)
	})
	.await?;
	finality_goes_on(&rpc, 3).await.context("after Eve joined")?;

	// 3. Alice equivocates: two prevotes for different blocks in one round,
	// signed with her GRANDPA key. Bob reports it with the key's ownership
	// proof; the offence is recorded and Alice is removed when the next
	// session is planned (five validators: above the minimum).
	let alice_account = account(&members[0]);
	let report = grandpa::prevote_equivocation_report(&client, &rpc, "//Alice").await?;
	let reported = submit_in_block(&client, &rpc, &members[1], std::slice::from_ref(&report))
		.await
		.context("Bob's report of Alice's equivocation")?;
	let emitted = reported.first().ok_or_else(|| anyhow!("no report submitted"))?;
	let offence: Vec<OffenceReported> = events_of(emitted, "ValidatorSet", "OffenceReported")?;
	ensure!(
		offence.len() == 1 && offence[0].validator == alice_account,
		"the report recorded {offence:?}"
	);
	ensure!(
		!events_of::<subxt::ext::scale_value::Composite<()>>(emitted, "Offences", "Offence")?
			.is_empty(),
		"no Offences::Offence event"
	);
	let again = submit_in_block(&client, &rpc, &members[2], &[report]).await;
	match again {
		Ok(_) => bail!("the same equivocation was accepted twice"),
		Err(error) => ensure!(
			format!("{error:#}").contains("DuplicateOffenceReport"),
			"a repeated report was refused otherwise: {error:#}"
		),
	}
	let started = Instant::now();
	while validators(&client, "ValidatorSet").await?.contains(&alice_account) {
		ensure!(
			started.elapsed() < SESSION_CHANGE_TIMEOUT,
			"Alice was not removed within {:?} of the report",
			started.elapsed()
		);
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	println!(
		"Alice removed from the consortium's validators {:.0} s after the report",
		started.elapsed().as_secs_f64()
	);
	wait_for_session_validators(&client, &rpc, "Alice stops validating", |validators| {
		!validators.contains(&alice_account) && validators.len() == 4
	})
	.await?;
	finality_goes_on(&rpc, 3).await.context("after Alice was removed")?;
	drop(eve_node);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn validators_join_by_motion_are_kept_at_the_minimum_and_an_equivocator_is_removed(
) -> Result<()> {
	let network = network::spawn(network::Options::new(4)).await?;
	let outcome = check(&network).await;
	network.destroy().await?;
	outcome
}
