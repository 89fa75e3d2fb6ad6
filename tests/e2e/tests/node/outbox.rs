//! The outbox's delivery worker against a real `--dev` node's pool, when
//! the pool has banned an entry's bytes. A pool that finds an extrinsic
//! invalid bans its hash (for half an hour, per view in the fork-aware pool)
//! and answers a later submission of the same bytes "temporarily banned":
//! the worker once took that for "in the pool". Now it signs the entry
//! again with the same nonce (new bytes), unless the pool has lifted the ban
//! by the next send.
//!
//! Here a new account's `remark` is refused (it cannot pay the fee), so the
//! pool bans its bytes; once funded, the outbox holds those very bytes as
//! sent. Checked: the pool's second answer is `Banned`, and the entry lands
//! exactly once (the account's nonce is 1) with its final hash recorded.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use gridveil_e2e::shared_dev_node;
use gridveil_harness::{account, chain, keypair, UNIT};
use gridveil_offchain::{
	chain::{delivery, CallEncoder, Chain, Submitted},
	metrics::ChainMetrics,
	outbox::{self, Call, Entry, Keyring, Signed},
	store::Store,
};
use subxt::dynamic;
use subxt_signer::sr25519::Keypair;

/// The outbox's one signer.
struct Payer(Keypair);

impl Keyring for Payer {
	fn key(&self, signer: &str) -> Option<Keypair> {
		(signer == "payer").then(|| self.0.clone())
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_whose_bytes_the_pool_banned_is_signed_again_and_lands_once() -> Result<()> {
	let node = shared_dev_node().await?;
	let client = chain::connect(&node.ws_url).await?;
	let connection = Chain::connect(&node.ws_url).await?;
	// A new account on every run: it has nothing to pay a fee with.
	let payer = Keypair::from_secret_key(rand::random())?;
	let best = connection.best().await?;
	let call = CallEncoder::new(&best).encode(&dynamic::transaction(
		"System",
		"remark",
		(b"sent once".to_vec(),),
	))?;
	let (extrinsic, hash) = connection.sign(&best, &call, &payer, 0).await?;
	let refused = connection.submit(&extrinsic).await?;
	ensure!(matches!(refused, Submitted::Invalid(_)), "an unfunded account's remark: {refused:?}");
	let again = connection.submit(&extrinsic).await?;
	ensure!(matches!(again, Submitted::Banned(_)), "the same bytes again: {again:?}");

	// Funded (by an account no other test signs with), the same bytes would
	// now be valid, but the pool keeps them out.
	chain::transfer(&client, &keypair("//Alice//stash")?, account(&payer), 10 * UNIT).await?;
	let dir = tempfile::tempdir()?;
	let store = Store::open(&dir.path().join("outbox.redb"), &outbox::TABLES)?;
	let mut entry = Entry::new(Call::new("remark", call), "payer", 0);
	entry.signed = Some(Signed {
		nonce: 0,
		extrinsic: hex::encode(&extrinsic),
		hash: hex::encode(hash),
		runtime: Some(Chain::runtime(&best)),
	});
	let id = store.write(|writer| outbox::enqueue(writer, &entry))?;

	let keys = Payer(payer.clone());
	let metrics = ChainMetrics::default();
	let mut memory = delivery::SendLog::default();
	let started = Instant::now();
	while !outbox::entries(&store)?.is_empty() {
		if started.elapsed() > Duration::from_secs(90) {
			let waiting = outbox::entry(&store, id)?;
			bail!("the entry is still in the outbox after 90 s: {waiting:?}");
		}
		delivery::pass(&store, &connection, &keys, &metrics, &mut memory).await?;
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	let landed =
		outbox::final_transaction(&store, id)?.context("the entry expired instead of landing")?;
	let signed_again = landed != format!("0x{}", hex::encode(hash));
	println!("landed as {landed} (signed again: {signed_again})");
	let finalized = connection.finalized().await?;
	let nonce = Chain::nonce_at(&finalized, &account(&payer)).await?;
	ensure!(nonce == 1, "the payer's nonce is {nonce}: the remark landed {nonce} times");
	Ok(())
}
