//! The node refuses what it cannot run with a message that says why, and the
//! harness reports a node that failed to start with the tail of its log.

use anyhow::{ensure, Result};
use gridveil_harness::node::{run, run_to_completion, Node, NodeSpec};

#[test]
fn unknown_chain_is_refused_with_the_accepted_names() -> Result<()> {
	let (ok, output) = run_to_completion(&["--chain", "nosuchnet", "--tmp"])?;
	ensure!(!ok, "the node started on an unknown chain");
	ensure!(output.contains("unknown chain `nosuchnet`"), "unclear message: {output}");
	ensure!(output.contains("local_testnet"), "the message lists no accepted name: {output}");
	Ok(())
}

#[test]
fn malformed_chain_spec_file_is_refused() -> Result<()> {
	let directory = tempfile::tempdir()?;
	let spec = directory.path().join("broken.json");
	std::fs::write(&spec, "{ \"name\": \"broken\", ")?;
	let (ok, output) =
		run_to_completion(&["export-chain-spec", "--chain", spec.to_str().expect("UTF-8")])?;
	ensure!(!ok, "a malformed chain spec was accepted");
	ensure!(output.contains("invalid chain spec file"), "unclear message: {output}");
	Ok(())
}

#[test]
fn chain_spec_with_unknown_genesis_field_is_refused() -> Result<()> {
	let exported = run(&["export-chain-spec", "--chain", "dev"])?;
	ensure!(exported.success, "export-chain-spec failed: {}", exported.text());
	let mut spec: serde_json::Value = serde_json::from_str(&exported.stdout)?;
	spec["genesis"]["runtimeGenesis"]["patch"]["balances"]["nonsense"] = 1.into();
	let directory = tempfile::tempdir()?;
	let path = directory.path().join("bad-genesis.json");
	std::fs::write(&path, serde_json::to_vec(&spec)?)?;

	let (ok, output) =
		run_to_completion(&["--chain", path.to_str().expect("UTF-8"), "--tmp", "--no-prometheus"])?;
	ensure!(!ok, "a chain spec with an unknown genesis field was accepted");
	ensure!(output.contains("unknown field `nonsense`"), "unclear message: {output}");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn harness_reports_a_node_that_failed_to_start_with_its_log() -> Result<()> {
	let spec = NodeSpec::new("broken", "dev")?.with_args(["--wasm-execution", "nonsense"]);
	let error = match Node::start(spec).await {
		Ok(_) => anyhow::bail!("a node with an invalid flag value started"),
		Err(error) => format!("{error:#}"),
	};
	ensure!(error.contains("exited"), "no exit reported: {error}");
	ensure!(error.contains("nonsense"), "the log tail is missing: {error}");
	Ok(())
}
