//! Finality lag on the four validators: for every block, the time from
//! when it is first seen as best until it is seen finalized, and how many
//! blocks the best chain was ahead of it by then; with all four validators,
//! then with one paused (three of four is GRANDPA's supermajority).

use std::time::Duration;

use anyhow::{ensure, Result};

use super::{
	results::{FinalityResult, Stats},
	tracker::{BlockSeen, Tracker},
	Chain, Connection,
};
use gridveil_harness::chain;

/// The validator paused for the second phase.
const PAUSED: &str = "dave";

/// Measures `blocks` blocks with every validator up, then `blocks` with
/// [`PAUSED`] paused; `voting_rule` names the rule the node under test runs.
pub async fn run(
	chain: &Chain,
	connection: &Connection,
	blocks: u64,
	voting_rule: &str,
	say: &impl Fn(&str),
) -> Result<Vec<FinalityResult>> {
	let mut results = Vec::new();
	for validators_up in [4, 3] {
		if validators_up == 3 {
			say(&format!("finality: pausing {PAUSED}"));
			chain.pause(PAUSED).await?;
		}
		let tracker = Tracker::start(connection).await?;
		// From the first block the tracker sees arrive as best.
		let best = connection.rpc.chain_get_header(None).await?.map_or(0, |header| header.number);
		let from = best + 1;
		// Every block up to `from + blocks` final, then one block more seen,
		// so that the last measured block's finality is in.
		let last = from + blocks;
		say(&format!("finality: {validators_up} validators, blocks {from}..={last}"));
		let timeout = Duration::from_secs(blocks * 30 + 120);
		chain::poll(timeout, async || {
			let seen = tracker.blocks();
			let done =
				seen.iter().any(|block| block.number == last && block.finalized_ms.is_some());
			Ok(if done { Ok(()) } else { Err(format!("block #{last} not final yet")) })
		})
		.await?;
		let result = lag(&tracker.blocks(), from, last, voting_rule, validators_up)?;
		say(&format!(
			"  lag p50 {:.1} s / p95 {:.1} s; {:.0} / {:.0} blocks",
			result.lag_s.p50, result.lag_s.p95, result.lag_blocks.p50, result.lag_blocks.p95
		));
		results.push(result);
	}
	chain.resume(PAUSED).await?;
	Ok(results)
}

/// The lag of blocks `from..=last` as `seen` records them.
pub fn lag(
	seen: &[BlockSeen],
	from: u64,
	last: u64,
	voting_rule: &str,
	validators_up: usize,
) -> Result<FinalityResult> {
	let mut seconds = Vec::new();
	let mut blocks = Vec::new();
	for block in seen.iter().filter(|block| (from..=last).contains(&block.number)) {
		let Some(finalized_ms) = block.finalized_ms else { continue };
		seconds.push(finalized_ms.saturating_sub(block.seen_ms) as f64 / 1000.0);
		// The best chain's height when this block became final.
		let best = seen
			.iter()
			.filter(|other| other.seen_ms <= finalized_ms)
			.map(|other| other.number)
			.max()
			.unwrap_or(block.number);
		blocks.push(best.saturating_sub(block.number) as f64);
	}
	ensure!(!seconds.is_empty(), "no block of {from}..={last} was seen best and final");
	Ok(FinalityResult {
		voting_rule: voting_rule.into(),
		validators_up,
		blocks: seconds.len(),
		lag_s: Stats::of(&seconds),
		lag_blocks: Stats::of(&blocks),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	fn block(number: u64, seen_ms: u64, finalized_ms: u64) -> BlockSeen {
		BlockSeen { number, seen_ms, finalized_ms: Some(finalized_ms), ..Default::default() }
	}

	#[test]
	fn lag_counts_the_blocks_built_before_finality() {
		// Blocks every 6 s; each final 13 s after it is seen: two blocks later.
		let seen: Vec<_> = (1..=6).map(|n| block(n, n * 6_000, n * 6_000 + 13_000)).collect();
		let result = lag(&seen, 2, 4, "rule", 4).unwrap();
		assert_eq!(result.blocks, 3);
		assert_eq!((result.lag_s.p50, result.lag_blocks.p50), (13.0, 2.0));
		assert!(lag(&seen, 10, 12, "rule", 4).is_err());
	}
}
