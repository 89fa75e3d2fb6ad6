//! What a load run measured, kept in `docs/performance/results.json` so the
//! results page can be regenerated from it alone.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::tracker::BlockSeen;

/// Summary statistics of a sample (seconds or milliseconds).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Stats {
	/// How many values.
	pub count: usize,
	/// Median.
	pub p50: f64,
	/// 95th percentile.
	pub p95: f64,
	/// Smallest.
	#[serde(default)]
	pub min: f64,
	/// Largest.
	pub max: f64,
	/// Mean.
	pub mean: f64,
}

impl Stats {
	/// Whether there are values and the smallest is above zero.
	pub fn min_positive(&self) -> bool {
		self.count > 0 && self.min > 0.0
	}

	/// The statistics of `values` (zeros if empty).
	pub fn of(values: &[f64]) -> Self {
		if values.is_empty() {
			return Self::default();
		}
		let mut sorted = values.to_vec();
		sorted.sort_by(f64::total_cmp);
		let at = |quantile: f64| sorted[((sorted.len() - 1) as f64 * quantile).round() as usize];
		Self {
			count: sorted.len(),
			p50: at(0.5),
			p95: at(0.95),
			min: sorted[0],
			max: sorted[sorted.len() - 1],
			mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
		}
	}
}

/// One demand-response round.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoundResult {
	/// `dev` (one `--dev` node) or `local-4` (four validators).
	pub network: String,
	/// Single extrinsics or relayed batches.
	pub mode: Mode,
	/// Prosumers, each with one proof.
	pub prosumers: usize,
	/// Extrinsics the proofs went in.
	pub extrinsics: usize,
	/// Extrinsics per second handed to the node, if limited.
	pub rate: Option<f64>,
	/// Seconds to hand every extrinsic to the node.
	pub submitted_s: f64,
	/// Seconds from the first submission until the last was in a best block.
	pub all_included_s: f64,
	/// Seconds from the first submission until the last was finalized.
	pub all_finalized_s: f64,
	/// Per extrinsic: submission to best block, s.
	pub inclusion_latency_s: Stats,
	/// Per extrinsic: submission to finalized block, s.
	pub finality_latency_s: Stats,
	/// Per extrinsic: the weight the chain charged after dispatch, ms.
	pub actual_weight_ms: Stats,
	/// The blocks from the first to the last that held a round extrinsic.
	pub blocks: Vec<BlockSeenResult>,
	/// Ms after the tracker started that the round began (block times are
	/// relative to the tracker too).
	pub round_start_ms: u64,
	/// Measured with GRANDPA voting on the best block and hour-long
	/// sessions (earlier rounds carry about 12 s more finality lag).
	#[serde(default)]
	pub current_finality: bool,
}

/// A block of a round: what it held, what it weighed, how long it took to build.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlockSeenResult {
	/// Its number.
	pub number: u64,
	/// Its hash.
	pub hash: String,
	/// Its parent's hash.
	#[serde(default)]
	pub parent_hash: String,
	/// Extrinsics, inherents included.
	pub extrinsics: usize,
	/// Proofs registered in it.
	pub deviations: usize,
	/// Shares reported in it.
	pub shares: usize,
	/// Consumed weight, ms of ref time.
	pub weight_ms: f64,
	/// How long its author took to build it (the node's log), ms.
	pub proposal_ms: Option<u64>,
	/// Why its author stopped adding extrinsics (the node's log).
	pub end: Option<String>,
}

impl From<BlockSeen> for BlockSeenResult {
	fn from(block: BlockSeen) -> Self {
		Self {
			number: block.number,
			hash: block.hash,
			parent_hash: block.parent_hash,
			extrinsics: block.extrinsics,
			deviations: block.deviations,
			shares: block.shares,
			weight_ms: block.weight_ref_time as f64 / 1e9,
			proposal_ms: None,
			end: None,
		}
	}
}

/// Adds each block's build time and end reason from its author's log
/// (`🎁 Prepared block for proposing at N (T ms) hash: 0x…; parent_hash:
/// 0xabcd…ef01; end: R; …`). The logged hash is the block's before the
/// author seals it, so blocks are matched by number and abbreviated parent.
pub fn add_proposal_times(blocks: &mut [BlockSeenResult], log: &str) {
	for line in log.lines().filter(|line| line.contains("Prepared block for proposing at ")) {
		let field = |name: &str| {
			line.split_once(name)
				.map(|(_, rest)| rest.split(';').next().unwrap_or("").trim().to_string())
		};
		let Some((number, rest)) =
			line.split_once("proposing at ").and_then(|(_, rest)| rest.split_once(" ("))
		else {
			continue;
		};
		let millis = rest.split_once(" ms)").and_then(|(millis, _)| millis.parse::<u64>().ok());
		let (Ok(number), Some(millis), Some(parent)) =
			(number.parse::<u64>(), millis, field("parent_hash: "))
		else {
			continue;
		};
		// Display abbreviates a hash as `0x` + 4 hex digits + `…` + 4 hex digits.
		let (head, tail) = parent.split_once('…').unwrap_or((&parent, ""));
		for block in blocks.iter_mut().filter(|block| block.number == number) {
			if block.parent_hash.starts_with(head) && block.parent_hash.ends_with(tail) {
				block.proposal_ms = Some(millis);
				block.end = field("end: ");
			}
		}
	}
}

/// Everything measured, as saved.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Results {
	/// Demand-response rounds.
	pub rounds: Vec<RoundResult>,
	/// Trading slots.
	#[serde(default)]
	pub trading: Vec<TradingResult>,
	/// The edge box.
	#[serde(default)]
	pub edge: Option<EdgeResult>,
	/// Finality lag on the four validators.
	#[serde(default)]
	pub finality: Vec<FinalityResult>,
}

impl Results {
	/// Reads `path`, or starts empty.
	pub fn load(path: &Path) -> Result<Self> {
		gridveil_report::results_file::load(path)
	}

	/// Writes `path` (pretty JSON).
	pub fn save(&self, path: &Path) -> Result<()> {
		gridveil_report::results_file::save(self, path)
	}

	/// Adds finality measurements, replacing earlier ones of the same rule
	/// and validators.
	pub fn add_finality(&mut self, results: Vec<FinalityResult>) {
		for result in results {
			self.finality.retain(|old| {
				!(old.voting_rule == result.voting_rule
					&& old.validators_up == result.validators_up)
			});
			self.finality.push(result);
		}
	}

	/// Adds a round, replacing an earlier one of the same network, mode and size.
	pub fn add_round(&mut self, round: RoundResult) {
		self.rounds.retain(|old| {
			!(old.network == round.network
				&& old.mode == round.mode
				&& old.prosumers == round.prosumers)
		});
		self.rounds.push(round);
	}
}

/// Finality lag over a run of blocks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FinalityResult {
	/// The GRANDPA voting rule the validators ran.
	pub voting_rule: String,
	/// Validators running (of four).
	pub validators_up: usize,
	/// Blocks measured.
	pub blocks: usize,
	/// Per block: first seen as best until seen finalized, s.
	pub lag_s: Stats,
	/// Per block: how many blocks the best chain was ahead of it when it
	/// became final.
	pub lag_blocks: Stats,
}

/// How the round's proofs go on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
	/// One `submit_deviation` per prosumer, signed and paid by the prosumer.
	Single,
	/// `submit_deviations` batches of this many entries, each signed by its
	/// prosumer, relayed and paid by one relayer.
	Batch(u32),
}

/// What the edge measurement found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EdgeResult {
	/// Time per hourly proof, ms.
	pub proof_ms: Stats,
	/// Peak resident memory while proving (reset before each proof), KiB.
	pub proving_peak_rss_kib: u64,
	/// The daemon's resident memory after a minute of metering, KiB.
	pub daemon_idle_rss_kib: Option<u64>,
}

/// One trading slot under load.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TradingResult {
	/// `dev` or `local-4`.
	pub network: String,
	/// Prosumers.
	pub prosumers: usize,
	/// Shares (and pseudonyms) per prosumer.
	pub shares: usize,
	/// Shares reported: prosumers × shares.
	pub reports: usize,
	/// Whether the coordinators relayed the shares in batches (else each
	/// pseudonym reported its own).
	#[serde(default)]
	pub relayed: bool,
	/// Extrinsics the shares went in.
	#[serde(default)]
	pub extrinsics: usize,
	/// Reports the pool refused.
	#[serde(default)]
	pub refused: usize,
	/// Reports the pool accepted, then dropped before any block held them.
	#[serde(default)]
	pub dropped: usize,
	/// Shares per second handed to the node, if limited.
	pub rate: Option<f64>,
	/// Seconds to hand every report to the node.
	pub submitted_s: f64,
	/// Seconds from the first submission until the last report was in a best block.
	pub all_included_s: f64,
	/// Seconds until the last was finalized.
	pub all_finalized_s: f64,
	/// Per report: submission to best block, s.
	pub inclusion_latency_s: Stats,
	/// Per report: best blocks between submission and inclusion (0: the next
	/// block the node built had it).
	pub blocks_waited: Stats,
	/// Share of reports in the first block built after their submission.
	pub within_one_block: f64,
	/// Share of reports in one of the first two blocks built after their
	/// submission.
	#[serde(default)]
	pub within_two_blocks: f64,
	/// The slot's blocks.
	pub blocks: Vec<BlockSeenResult>,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn statistics_and_proposal_log_lines() {
		let stats = Stats::of(&[3.0, 1.0, 2.0, 10.0]);
		assert_eq!((stats.count, stats.p50, stats.max, stats.mean), (4, 3.0, 10.0, 4.0));
		let mut blocks = vec![BlockSeenResult {
			number: 7,
			parent_hash: "0x12aa5534".into(),
			..Default::default()
		}];
		add_proposal_times(
			&mut blocks,
			"2026 🎁 Prepared block for proposing at 7 (1520 ms) hash: 0xab; parent_hash: 0x12aa…5534; end: HitBlockWeightLimit; extrinsics_count: 400\n\
			 2026 🎁 Prepared block for proposing at 7 (9 ms) hash: 0xcd; parent_hash: 0x99aa…5534; end: NoMoreTransactions; extrinsics_count: 1\n",
		);
		assert_eq!(blocks[0].proposal_ms, Some(1520));
		assert_eq!(blocks[0].end.as_deref(), Some("HitBlockWeightLimit"));
	}
}
