//! Submitting signed extrinsics without watching each one (a node allows a
//! thousand subscriptions a connection; a load run sends tens of thousands),
//! and following the best and finalized chains to see when each was
//! included, whether it succeeded, and when it became final.

use std::{
	collections::{BTreeMap, HashMap},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, ensure, Context, Result};
use blake2::{digest::consts::U32, Blake2b, Digest};
use subxt::ext::futures::{self, StreamExt};
use subxt::{
	events::Phase,
	ext::{
		codec::Encode,
		scale_decode::{self, DecodeAsType},
	},
};

use super::Connection;
use gridveil_harness::chain::{Client, Rpc};

/// An extrinsic's hash: blake2-256 of its bytes.
pub type Hash = [u8; 32];

/// blake2-256, as the chain hashes extrinsics and headers.
pub fn blake2_256(bytes: &[u8]) -> Hash {
	Blake2b::<U32>::digest(bytes).into()
}

/// A signed extrinsic ready to submit.
#[derive(Clone)]
pub struct Signed {
	/// Its SCALE bytes.
	pub bytes: Vec<u8>,
	/// Its hash.
	pub hash: Hash,
}

impl Signed {
	/// Wraps signed bytes.
	pub fn new(bytes: Vec<u8>) -> Self {
		let hash = blake2_256(&bytes);
		Self { bytes, hash }
	}
}

/// What became of one tracked extrinsic.
#[derive(Clone, Debug, Default)]
pub struct Tracked {
	/// When it was handed to the node.
	pub submitted: Option<Instant>,
	/// The best block's number when it was handed over.
	pub best_at_submission: Option<u64>,
	/// The pool refused it (its reason).
	pub refused: Option<String>,
	/// The first best block seen with it: number and when it was seen.
	pub included: Option<(u64, Instant)>,
	/// `Ok(actual ref time)` or `Err(dispatch error)` in that block.
	pub outcome: Option<Result<u64, String>>,
	/// When a finalized block with it was seen.
	pub finalized: Option<Instant>,
	/// Pool checks in a row that did not find it while it was in no block.
	pub missing_from_pool: u32,
}

impl Tracked {
	/// Accepted by the pool, then dropped from it without reaching a block
	/// (e.g. it became invalid while it waited): two pool checks in a row
	/// did not find it.
	pub fn dropped(&self) -> bool {
		self.included.is_none() && self.missing_from_pool >= POOL_CHECKS_TO_DROP
	}

	/// Nothing more will happen to it: refused, dropped, or final.
	fn settled(&self) -> bool {
		self.refused.is_some() || self.dropped() || self.finalized.is_some()
	}
}

/// Pool checks in a row that must miss an extrinsic before it counts as dropped.
const POOL_CHECKS_TO_DROP: u32 = 2;
/// Best blocks in a row without a tracked extrinsic, while some are still
/// out, before the tracker asks the pool what it still holds.
const STALLED_BLOCKS: u64 = 3;
/// The least time between two pool checks.
const POOL_CHECK_INTERVAL: Duration = Duration::from_secs(6);

/// How a set of extrinsics fared ([`Tracker::timings`]).
pub struct Timings {
	/// Per item (extrinsic, or what it carries): submission to best block, s.
	pub inclusion_s: Vec<f64>,
	/// Per item: submission to finalized block, s.
	pub finality_s: Vec<f64>,
	/// Per item: best blocks between submission and its block (0: the next one).
	pub blocks_waited: Vec<f64>,
	/// Per successful extrinsic: the weight charged after dispatch, ms.
	pub actual_weights: Vec<f64>,
	/// From the start until the last was in a best block, s.
	pub all_included_s: f64,
	/// From the start until the last was final, s.
	pub all_finalized_s: f64,
	/// The blocks from the first to the last that held one.
	pub blocks: Vec<BlockSeen>,
	/// Items the pool refused (not in the figures above).
	pub refused: usize,
	/// Items the pool accepted and later dropped (not in the figures above).
	pub dropped: usize,
}

/// One block as the follower saw it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BlockSeen {
	/// Its number.
	pub number: u64,
	/// Its hash, hex.
	pub hash: String,
	/// Its parent's hash, hex.
	pub parent_hash: String,
	/// Extrinsics in it (inherents included).
	pub extrinsics: usize,
	/// Tracked extrinsics in it.
	pub tracked: usize,
	/// `DemandResponse::DeviationRegistered` events in it.
	pub deviations: usize,
	/// `EnergyMarket::ShareReported` events in it.
	pub shares: usize,
	/// Ref time the block consumed (`System::BlockWeight`, all classes), ps.
	pub weight_ref_time: u64,
	/// Ms since the tracker started when it was first seen as best.
	pub seen_ms: u64,
	/// Ms since the tracker started when it was seen finalized.
	pub finalized_ms: Option<u64>,
}

#[derive(Default)]
struct State {
	tracked: HashMap<Hash, Tracked>,
	blocks: BTreeMap<u64, BlockSeen>,
	/// Best blocks' bodies, kept until their height is final so that the
	/// finalized follower does not fetch and decode them again.
	bodies: HashMap<Hash, Arc<BlockBody>>,
	best_number: u64,
	/// The last best block that held a tracked extrinsic.
	last_progress: u64,
	last_finalized: u64,
	error: Option<String>,
}

/// Submits extrinsics and follows the chain.
pub struct Tracker {
	client: Client,
	rpc: Rpc,
	/// Raw JSON-RPC, for the pool's pending extrinsics.
	pool: subxt::rpcs::RpcClient,
	state: Arc<Mutex<State>>,
	/// When the tracker started (the zero of its millisecond clock).
	pub started: Instant,
	tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// `System::BlockWeight`: consumed weight per dispatch class.
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct PerClass {
	normal: Weight,
	operational: Weight,
	mandatory: Weight,
}

/// A weight (ref time in ps, proof size in bytes).
#[derive(Clone, Copy, Debug, DecodeAsType, serde::Serialize)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Weight {
	/// Execution time, ps.
	pub ref_time: u64,
	/// Proof size, bytes.
	pub proof_size: u64,
}

/// `frame_support::dispatch::DispatchEventInfo`, as `ExtrinsicSuccess` carries it.
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct DispatchEventInfo {
	weight: Weight,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct ExtrinsicSuccess {
	dispatch_info: DispatchEventInfo,
}

impl Tracker {
	/// Starts following the node of `connection`.
	pub async fn start(connection: &Connection) -> Result<Self> {
		let Connection { client, rpc, pool } = connection;
		let state = Arc::new(Mutex::new(State::default()));
		let started = Instant::now();
		let finalized = gridveil_harness::chain::finalized_number(rpc).await?;
		{
			let mut state = lock(&state);
			state.last_finalized = finalized;
			state.best_number = finalized;
			state.last_progress = finalized;
		}
		let mut tracker = Self {
			client: client.clone(),
			rpc: rpc.clone(),
			pool: pool.clone(),
			state,
			started,
			tasks: Vec::new(),
		};
		tracker.tasks.push(tokio::spawn(follow_best(
			client.clone(),
			rpc.clone(),
			tracker.state.clone(),
			started,
		)));
		tracker.tasks.push(tokio::spawn(follow_finalized(
			client.clone(),
			rpc.clone(),
			tracker.state.clone(),
			started,
		)));
		Ok(tracker)
	}

	/// Hands `extrinsics` to the node, `rate` per second (as fast as the
	/// node takes them if `None`), up to 16 requests in flight. Returns when
	/// every one is submitted (or refused).
	pub async fn submit(&self, extrinsics: &[Signed], rate: Option<f64>) -> Result<()> {
		{
			let mut state = lock(&self.state);
			for extrinsic in extrinsics {
				state.tracked.entry(extrinsic.hash).or_default();
			}
		}
		let begin = Instant::now();
		let requests = extrinsics.iter().enumerate().map(|(index, extrinsic)| {
			let rpc = self.rpc.clone();
			let state = self.state.clone();
			async move {
				if let Some(rate) = rate {
					let due = begin + Duration::from_secs_f64(index as f64 / rate);
					tokio::time::sleep_until(due.into()).await;
				}
				{
					let mut state = lock(&state);
					let best = state.best_number;
					let tracked = state.tracked.entry(extrinsic.hash).or_default();
					tracked.submitted = Some(Instant::now());
					tracked.best_at_submission = Some(best);
				}
				if let Err(error) = rpc.author_submit_extrinsic(&extrinsic.bytes).await {
					let reason = match &error {
						subxt::rpcs::Error::User(user) => format!(
							"{}: {}",
							user.message,
							user.data.as_ref().map(|data| data.get()).unwrap_or_default()
						),
						other => other.to_string(),
					};
					lock(&state).tracked.entry(extrinsic.hash).or_default().refused = Some(reason);
				}
			}
		});
		futures::stream::iter(requests).buffered(16).collect::<Vec<()>>().await;
		Ok(())
	}

	/// Waits until every tracked extrinsic is refused, dropped, or included
	/// and finalized; fails after `timeout` saying how many are still open.
	pub async fn wait_final(&self, timeout: Duration) -> Result<()> {
		self.wait_until(timeout, "final", |state| {
			state.tracked.values().filter(|tracked| !tracked.settled()).count()
		})
		.await
	}

	/// Waits until each of `extrinsics` is refused, dropped or in a best
	/// block; fails after `timeout` saying how many are still out.
	pub async fn wait_included(&self, extrinsics: &[Signed], timeout: Duration) -> Result<()> {
		self.wait_until(timeout, "in a block", |state| {
			extrinsics
				.iter()
				.filter(|extrinsic| {
					state.tracked.get(&extrinsic.hash).is_none_or(|tracked| {
						tracked.refused.is_none()
							&& !tracked.dropped() && tracked.included.is_none()
					})
				})
				.count()
		})
		.await
	}

	/// Polls `open` (how many extrinsics are not yet `what`) until it is 0.
	/// While blocks go by without any tracked extrinsic, asks the pool what
	/// it still holds, so that dropped extrinsics end the wait instead of
	/// running into the timeout.
	async fn wait_until(
		&self,
		timeout: Duration,
		what: &str,
		open: impl Fn(&State) -> usize,
	) -> Result<()> {
		let deadline = Instant::now() + timeout;
		let mut last_pool_check = Instant::now();
		loop {
			let (open, stalled, error) = {
				let state = lock(&self.state);
				let stalled = state.best_number >= state.last_progress + STALLED_BLOCKS;
				(open(&state), stalled, state.error.clone())
			};
			if let Some(error) = error {
				bail!("following the chain failed: {error}");
			}
			if open == 0 {
				return Ok(());
			}
			if Instant::now() > deadline {
				bail!("{open} extrinsics not {what} after {timeout:?}");
			}
			if stalled && last_pool_check.elapsed() >= POOL_CHECK_INTERVAL {
				last_pool_check = Instant::now();
				self.check_pool().await;
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	/// Counts a miss for every submitted extrinsic that is in no block and
	/// not in the pool's pending list (and clears it for those that are).
	/// A pool too large to list is left alone: then nothing is stalled.
	async fn check_pool(&self) {
		let pending: Vec<subxt::rpcs::methods::legacy::Bytes> =
			match self.pool.request("author_pendingExtrinsics", subxt::rpcs::rpc_params![]).await {
				Ok(pending) => pending,
				Err(_) => return,
			};
		let pending: std::collections::HashSet<Hash> =
			pending.iter().map(|bytes| blake2_256(&bytes.0)).collect();
		let mut state = lock(&self.state);
		for (hash, tracked) in state.tracked.iter_mut() {
			if tracked.submitted.is_none()
				|| tracked.refused.is_some()
				|| tracked.included.is_some()
			{
				continue;
			}
			if pending.contains(hash) {
				tracked.missing_from_pool = 0;
			} else {
				tracked.missing_from_pool += 1;
			}
		}
	}

	/// How `extrinsics`, handed over from `started` on, fared: each one's
	/// latencies, when the last was included and final, and the blocks from
	/// the first to the last that held one; refused and dropped ones are
	/// counted apart. Fails if one is still open.
	pub fn timings(&self, extrinsics: &[Signed], started: Instant) -> Result<Timings> {
		self.timings_carrying(extrinsics, &vec![1; extrinsics.len()], started)
	}

	/// [`Tracker::timings`] counted per item (a share, a proof) rather than
	/// per extrinsic: extrinsic `i` carries `carried[i]` items, so its
	/// latencies, blocks waited and refusal count that many times (its
	/// charged weight once).
	pub fn timings_carrying(
		&self,
		extrinsics: &[Signed],
		carried: &[usize],
		started: Instant,
	) -> Result<Timings> {
		ensure!(carried.len() == extrinsics.len(), "one count per extrinsic");
		let mut timings = Timings {
			inclusion_s: Vec::new(),
			finality_s: Vec::new(),
			blocks_waited: Vec::new(),
			actual_weights: Vec::new(),
			all_included_s: 0.0,
			all_finalized_s: 0.0,
			blocks: Vec::new(),
			refused: 0,
			dropped: 0,
		};
		let (mut first_block, mut last_block) = (u64::MAX, 0);
		for (extrinsic, carried) in extrinsics.iter().zip(carried) {
			let tracked = self.tracked(&extrinsic.hash);
			if tracked.refused.is_some() {
				timings.refused += carried;
				continue;
			}
			if tracked.dropped() {
				timings.dropped += carried;
				continue;
			}
			let submitted = tracked.submitted.context("an extrinsic was never submitted")?;
			let (block, included) = tracked.included.context("an extrinsic is in no block")?;
			let finalized = tracked.finalized.context("an extrinsic is not final")?;
			let best_then = tracked.best_at_submission.unwrap_or(block);
			for _ in 0..*carried {
				timings
					.inclusion_s
					.push(included.saturating_duration_since(submitted).as_secs_f64());
				timings
					.finality_s
					.push(finalized.saturating_duration_since(submitted).as_secs_f64());
				timings.blocks_waited.push(block.saturating_sub(best_then + 1) as f64);
			}
			if let Some(Ok(weight)) = tracked.outcome {
				timings.actual_weights.push(weight as f64 / 1e9);
			}
			let since = |instant: Instant| instant.saturating_duration_since(started).as_secs_f64();
			timings.all_included_s = timings.all_included_s.max(since(included));
			timings.all_finalized_s = timings.all_finalized_s.max(since(finalized));
			first_block = first_block.min(block);
			last_block = last_block.max(block);
		}
		timings.blocks = self
			.blocks()
			.into_iter()
			.filter(|block| (first_block..=last_block).contains(&block.number))
			.collect();
		Ok(timings)
	}

	/// What became of `hash`.
	pub fn tracked(&self, hash: &Hash) -> Tracked {
		lock(&self.state).tracked.get(hash).cloned().unwrap_or_default()
	}

	/// Fails with the first extrinsic of `extrinsics` that was refused,
	/// dropped or failed.
	pub fn ensure_succeeded(&self, extrinsics: &[Signed], what: &str) -> Result<()> {
		self.ensure_none_failed(extrinsics, what, false)
	}

	/// Fails with the first extrinsic of `extrinsics` that failed in its
	/// block, or was refused or dropped unless `allow_lost`.
	pub fn ensure_none_failed(
		&self,
		extrinsics: &[Signed],
		what: &str,
		allow_lost: bool,
	) -> Result<()> {
		let state = lock(&self.state);
		for (index, extrinsic) in extrinsics.iter().enumerate() {
			let tracked = state.tracked.get(&extrinsic.hash).cloned().unwrap_or_default();
			if let Some(reason) = &tracked.refused {
				if allow_lost {
					continue;
				}
				bail!("{what} #{index} was refused by the pool: {reason}");
			}
			if tracked.dropped() {
				if allow_lost {
					continue;
				}
				bail!("{what} #{index} was dropped by the pool without reaching a block");
			}
			match tracked.outcome {
				Some(Ok(_)) => {},
				Some(Err(error)) => bail!("{what} #{index} failed: {error}"),
				None => bail!("{what} #{index} is in no block"),
			}
		}
		Ok(())
	}

	/// The blocks seen so far, by number.
	pub fn blocks(&self) -> Vec<BlockSeen> {
		lock(&self.state).blocks.values().cloned().collect()
	}

	/// Ms since the tracker started.
	pub fn ms_since_start(&self, instant: Instant) -> u64 {
		instant.saturating_duration_since(self.started).as_millis() as u64
	}

	/// The client the tracker follows with.
	pub fn client(&self) -> &Client {
		&self.client
	}
}

impl Drop for Tracker {
	fn drop(&mut self) {
		for task in &self.tasks {
			task.abort();
		}
	}
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
	state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A block's hash, extrinsics and what the tracker wants from its events.
struct BlockBody {
	number: u64,
	hash: Hash,
	parent_hash: Hash,
	extrinsics: Vec<Hash>,
	/// Per extrinsic index: `Ok(actual ref time)` or `Err(error)`.
	outcomes: HashMap<u32, Result<u64, String>>,
	deviations: usize,
	shares: usize,
	weight_ref_time: u64,
}

impl BlockBody {
	/// The block as recorded, first seen at `seen_ms` with `tracked` tracked extrinsics.
	fn seen(&self, tracked: usize, seen_ms: u64) -> BlockSeen {
		BlockSeen {
			number: self.number,
			hash: format!("0x{}", hex(&self.hash)),
			parent_hash: format!("0x{}", hex(&self.parent_hash)),
			extrinsics: self.extrinsics.len(),
			tracked,
			deviations: self.deviations,
			shares: self.shares,
			weight_ref_time: self.weight_ref_time,
			seen_ms,
			finalized_ms: None,
		}
	}
}

async fn fetch_body(client: &Client, rpc: &Rpc, hash: Hash) -> Result<BlockBody> {
	let block_hash = subxt::utils::H256(hash);
	let details = rpc
		.chain_get_block(Some(block_hash))
		.await?
		.ok_or_else(|| anyhow!("block 0x{} is gone", hex(&hash)))?;
	let number = details.block.header.number;
	let parent_hash = details.block.header.parent_hash.0;
	let extrinsics = details.block.extrinsics.iter().map(|bytes| blake2_256(&bytes.0)).collect();
	let at = client.at_block(block_hash).await?;
	let events = at.events().fetch().await?;
	let mut outcomes = HashMap::new();
	let (mut deviations, mut shares) = (0, 0);
	for event in events.iter() {
		let event = event?;
		let index = match event.phase() {
			Phase::ApplyExtrinsic(index) => index,
			Phase::Initialization | Phase::Finalization => continue,
		};
		match (event.pallet_name(), event.event_name()) {
			("System", "ExtrinsicSuccess") => {
				let success = event.decode_fields_unchecked_as::<ExtrinsicSuccess>()?;
				outcomes.insert(index, Ok(success.dispatch_info.weight.ref_time));
			},
			("System", "ExtrinsicFailed") => {
				let fields =
					event.decode_fields_unchecked_as::<subxt::ext::scale_value::Composite<()>>();
				let text = fields.map(|fields| fields.to_string()).unwrap_or_default();
				outcomes.insert(index, Err(text));
			},
			("DemandResponse", "DeviationRegistered") => deviations += 1,
			("EnergyMarket", "ShareReported") => shares += 1,
			_ => {},
		}
	}
	let weight = at
		.storage()
		.fetch(subxt::dynamic::storage::<(), PerClass>("System", "BlockWeight"), ())
		.await?
		.decode()?;
	let weight_ref_time = weight
		.normal
		.ref_time
		.saturating_add(weight.operational.ref_time)
		.saturating_add(weight.mandatory.ref_time);
	Ok(BlockBody {
		number,
		hash,
		parent_hash,
		extrinsics,
		outcomes,
		deviations,
		shares,
		weight_ref_time,
	})
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Records a best block: every tracked extrinsic in it is included now.
fn record_best(state: &Mutex<State>, body: Arc<BlockBody>, seen: Instant, started: Instant) {
	let mut state = lock(state);
	state.best_number = state.best_number.max(body.number);
	let mut tracked_here = 0;
	for (index, hash) in body.extrinsics.iter().enumerate() {
		if let Some(tracked) = state.tracked.get_mut(hash) {
			tracked_here += 1;
			if tracked.included.is_none() {
				tracked.included = Some((body.number, seen));
				tracked.outcome = body.outcomes.get(&(index as u32)).cloned();
			}
		}
	}
	if tracked_here > 0 {
		state.last_progress = state.last_progress.max(body.number);
	}
	let seen_ms = seen.saturating_duration_since(started).as_millis() as u64;
	state.blocks.insert(body.number, body.seen(tracked_here, seen_ms));
	state.bodies.insert(body.hash, body);
}

/// Records a finalized block: its tracked extrinsics are final now (and
/// included, with this block's outcome, if a reorganisation moved them).
fn record_finalized(state: &Mutex<State>, body: &BlockBody, seen: Instant, started: Instant) {
	let mut state = lock(state);
	let mut tracked_here = 0;
	for (index, hash) in body.extrinsics.iter().enumerate() {
		if let Some(tracked) = state.tracked.get_mut(hash) {
			tracked_here += 1;
			if tracked.included.map(|(number, _)| number) != Some(body.number) {
				tracked.included = Some((body.number, tracked.included.map_or(seen, |(_, at)| at)));
				tracked.outcome = body.outcomes.get(&(index as u32)).cloned();
			}
			tracked.finalized.get_or_insert(seen);
		}
	}
	let finalized_ms = seen.saturating_duration_since(started).as_millis() as u64;
	let hash = format!("0x{}", hex(&body.hash));
	let block = state.blocks.entry(body.number).or_default();
	if block.hash != hash {
		// Not the block first seen as best at this height.
		*block = body.seen(tracked_here, finalized_ms);
	}
	block.finalized_ms = Some(finalized_ms);
}

async fn follow_best(client: Client, rpc: Rpc, state: Arc<Mutex<State>>, started: Instant) {
	let result: Result<()> = async {
		let mut heads = rpc.chain_subscribe_new_heads().await?;
		while let Some(header) = heads.next().await {
			let seen = Instant::now();
			let hash = blake2_256(&header?.encode());
			let body = Arc::new(fetch_body(&client, &rpc, hash).await?);
			record_best(&state, body, seen, started);
		}
		bail!("the node closed the best-head subscription")
	}
	.await;
	if let Err(error) = result {
		lock(&state).error.get_or_insert(format!("best heads: {error:#}"));
	}
}

async fn follow_finalized(client: Client, rpc: Rpc, state: Arc<Mutex<State>>, started: Instant) {
	let result: Result<()> = async {
		let mut heads = rpc.chain_subscribe_finalized_heads().await?;
		while let Some(header) = heads.next().await {
			let seen = Instant::now();
			let number = header?.number;
			let from = lock(&state).last_finalized + 1;
			for height in from..=number {
				let hash = rpc
					.chain_get_block_hash(Some(height.into()))
					.await?
					.ok_or_else(|| anyhow!("finalized block #{height} has no hash"))?;
				let cached = lock(&state).bodies.get(&hash.0).cloned();
				let body = match cached {
					Some(body) => body,
					None => Arc::new(fetch_body(&client, &rpc, hash.0).await?),
				};
				record_finalized(&state, &body, seen, started);
			}
			let mut guard = lock(&state);
			guard.last_finalized = number.max(from.saturating_sub(1));
			let last_finalized = guard.last_finalized;
			guard.bodies.retain(|_, body| body.number > last_finalized);
		}
		bail!("the node closed the finalized-head subscription")
	}
	.await;
	if let Err(error) = result {
		lock(&state).error.get_or_insert(format!("finalized heads: {error:#}"));
	}
}
