//! The load generator end to end on a real `--dev` node, small: six
//! prosumers' real proofs relayed as `submit_deviations` batches of four
//! (two batches), on a fresh chain, then the same six as single
//! `submit_deviation`s on another. Both rounds must register every proof,
//! and the tracker must have timed each extrinsic and every block it used.
//! The figures themselves come from `make performance`, not from here.

use anyhow::{ensure, Result};
use gridveil_loadgen::{
	connect,
	deviations::{self, Round},
	proofs::{self, ProofCache},
	results::{add_proposal_times, Mode},
	Chain,
};

const PROSUMERS: usize = 6;

async fn round(cache: &mut ProofCache, mode: Mode) -> Result<()> {
	let proofs = cache.proofs(PROSUMERS, |line| println!("{line}"))?.to_vec();
	let chain = Chain::dev(&[("demandResponse", "hourLength", 20_000.into())]).await?;
	let connection = connect(&chain).await?;
	let spec = Round { prosumers: PROSUMERS, mode, rate: None, network: chain.name.clone() };
	let outcome =
		deviations::run(&connection, &spec, &cache.verifying_key(), &proofs, &|line: &str| {
			println!("{line}")
		})
		.await;
	let logs = chain.logs();
	chain.stop().await?;
	let mut result = outcome?;
	add_proposal_times(&mut result.blocks, &logs);
	println!("{mode:?}: {result:#?}");
	let expected_extrinsics = match mode {
		Mode::Single => PROSUMERS,
		Mode::Batch(size) => PROSUMERS.div_ceil(size as usize),
	};
	ensure!(result.extrinsics == expected_extrinsics, "{} extrinsics", result.extrinsics);
	ensure!(
		result.inclusion_latency_s.count == expected_extrinsics,
		"not every extrinsic was timed"
	);
	ensure!(result.all_finalized_s >= result.all_included_s && result.all_included_s > 0.0);
	let registered: usize = result.blocks.iter().map(|block| block.deviations).sum();
	ensure!(registered == PROSUMERS, "{registered} proofs registered");
	ensure!(
		result
			.blocks
			.iter()
			.filter(|block| block.deviations > 0)
			.all(|block| block.proposal_ms.is_some()),
		"a block with proofs has no build time from the node's log"
	);
	ensure!(
		result.actual_weight_ms.count == expected_extrinsics
			&& result.actual_weight_ms.min_positive()
	);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "long tier (make test-long): proves and relays real proofs on two dev nodes"]
async fn a_small_round_of_batches_and_of_singles_registers_every_proof() -> Result<()> {
	let mut cache = ProofCache::open(&proofs::default_dir())?;
	round(&mut cache, Mode::Batch(4)).await?;
	round(&mut cache, Mode::Single).await
}
