//! The scheduler: after each new reading (or every second) it reads the
//! node's best block once, runs the proving and the splitting stage on it,
//! and wakes the outbox when either queued an entry. While the node is away
//! both stages work from what they cached and the last metadata seen.
use std::{sync::Arc, time::Duration};

use anyhow::Result;
use gridveil_offchain::chain::{BestBlock, CallEncoder, Chain, SharedChain};
use tokio::sync::Notify;

use crate::{prove::Prover, split::Splitter};

/// Runs the stages forever (until one fails): `prover` when the box proves
/// programs, `splitter` when it trades.
pub async fn run(
	prover: Option<Prover>,
	mut splitter: Option<Splitter>,
	chain: SharedChain,
	wake: Arc<Notify>,
	outbox_wake: Arc<Notify>,
) -> Result<()> {
	let mut encoder: Option<CallEncoder> = None;
	loop {
		let connected = chain.read().await.clone();
		let best = best_block(connected.as_deref()).await;
		if let Some(best) = &best {
			encoder = Some(CallEncoder::new(&best.block));
		}
		let mut queued = false;
		if let Some(prover) = &prover {
			queued |= prover.pass(best.as_ref(), encoder.as_ref()).await?;
		}
		if let Some(splitter) = &mut splitter {
			queued |= splitter.pass(best.as_ref(), encoder.as_ref()).await?;
		}
		if queued {
			outbox_wake.notify_one();
		}
		tokio::select! {
			_ = wake.notified() => {},
			_ = tokio::time::sleep(Duration::from_secs(1)) => {},
		}
	}
}

/// The node's best block, or `None` while the node is away.
async fn best_block(chain: Option<&Chain>) -> Option<BestBlock> {
	match chain?.best_block().await {
		Ok(best) => Some(best),
		Err(error) => {
			tracing::warn!(%error, "the best block is unavailable");
			None
		},
	}
}
