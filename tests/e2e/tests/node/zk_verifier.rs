//! The zk verifier on a real `--dev` node: the operator registers the
//! deviation circuit's verifying key through sudo, as from polkadot.js apps,
//! and the runtime (arkworks compiled to wasm) checks and prepares it.

use anyhow::{ensure, Result};
use gridveil_e2e::shared_dev_node;
use gridveil_harness::chain::{self, KeyRegistered};
use subxt::config::{substrate::BlakeTwo256, Hasher};
use subxt_signer::sr25519;

/// The verifying key of the circom deviation circuit made by snarkjs,
/// converted to the chain's encoding.
fn verifying_key() -> Result<Vec<u8>> {
	let document: gridveil_circuits::encoding::SnarkjsVerificationKey = serde_json::from_str(
		include_str!("../../../../circuits/vectors/snarkjs/verification_key.json"),
	)?;
	Ok(gridveil_groth16::encode_verifying_key(&document.to_key()?))
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_registers_a_snarkjs_key_on_a_dev_node() -> Result<()> {
	let node = shared_dev_node().await?;
	let client = chain::connect(&node.ws_url).await?;

	let key = verifying_key()?;
	let payload = chain::register_key(&key);
	let registered: KeyRegistered = chain::submit_for_event(
		&client,
		&sr25519::dev::alice(),
		&payload,
		"ZkVerifier",
		"KeyRegistered",
	)
	.await?;
	ensure!(registered.public_inputs == 6, "{} public inputs", registered.public_inputs);
	ensure!(
		registered.key_hash == BlakeTwo256.hash(&key).0,
		"key hash does not match the submitted bytes"
	);
	Ok(())
}
