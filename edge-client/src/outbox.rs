//! The outbox: every extrinsic is written to the store before it is sent and
//! leaves the outbox only when the chain's finalized state shows it, so each
//! one lands exactly once across outages and restarts.
//!
//! An entry is signed once, with the next nonce of its sender, and the signed
//! bytes are stored before they are sent. Sending the same bytes again is
//! always safe: the pool knows them already, or their nonce is used, which
//! (the daemon being the only user of its keys) means they are in a block.
//! An entry retires when its sender's nonce at the finalized block has passed
//! the entry's nonce; it expires when the pool refuses it for good (a report
//! window that closed), and later entries of that sender are signed again.
use std::{
	collections::{BTreeMap, HashMap},
	sync::Arc,
	time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use subxt::{dynamic, transactions::Payload, utils::AccountId32};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Notify;

use crate::{
	chain::{Chain, ChainError, Submitted},
	metrics::Metrics,
	now_ms,
	store::{Store, StoreError},
};

/// An extrinsic the box sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
	/// `DemandResponse::submit_deviation`.
	SubmitDeviation {
		/// Program.
		program_id: u64,
		/// Hour.
		hour: u32,
		/// |request − consumption|, Wh.
		deviation: u64,
		/// Fingerprint after the hour (32 bytes, hex).
		fingerprint: String,
		/// The Groth16 proof (hex).
		proof: String,
	},
	/// `EnergyMarket::report_share`.
	ReportShare {
		/// Global slot number.
		slot: u32,
		/// Share, Wh.
		energy_wh: i64,
	},
}

impl Call {
	/// The dynamic payload.
	pub fn payload(&self) -> impl Payload {
		match self {
			Call::SubmitDeviation { program_id, hour, deviation, fingerprint, proof } => {
				let fingerprint = hex::decode(fingerprint).unwrap_or_default();
				let proof = hex::decode(proof).unwrap_or_default();
				dynamic::transaction(
					"DemandResponse",
					"submit_deviation",
					vec![
						dynamic::Value::u128((*program_id).into()),
						dynamic::Value::u128((*hour).into()),
						dynamic::Value::u128((*deviation).into()),
						dynamic::Value::from_bytes(fingerprint),
						dynamic::Value::from_bytes(proof),
					],
				)
			},
			Call::ReportShare { slot, energy_wh } => dynamic::transaction(
				"EnergyMarket",
				"report_share",
				vec![
					dynamic::Value::u128((*slot).into()),
					dynamic::Value::i128((*energy_wh).into()),
				],
			),
		}
	}

	/// A short name for logs and metrics (no values).
	pub fn name(&self) -> &'static str {
		match self {
			Call::SubmitDeviation { .. } => "submit_deviation",
			Call::ReportShare { .. } => "report_share",
		}
	}
}

/// Who signs an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Sender {
	/// The device key.
	Device,
	/// Pseudonym `i` (`//gridveil//ledger//i`).
	Pseudonym(u32),
}

/// A signed extrinsic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
	/// Its nonce.
	pub nonce: u64,
	/// The extrinsic, hex.
	pub extrinsic: String,
	/// Its hash, hex.
	pub hash: String,
}

/// One outbox entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
	/// What to send.
	pub call: Call,
	/// Who signs it.
	pub sender: Sender,
	/// Not sent before this moment (ms since the epoch).
	pub not_before_ms: u64,
	/// Not sent while the node's best block is older than this (ms since the
	/// epoch): the pool checks a report against the best block's clock, and a
	/// restarted node may serve a block from before the slot began.
	#[serde(default)]
	pub chain_not_before_ms: u64,
	/// Set once signed.
	pub signed: Option<Signed>,
	/// Seen in a best block.
	pub in_block: bool,
	/// Times sent to a node.
	pub sends: u32,
}

impl Entry {
	/// A new entry.
	pub fn new(call: Call, sender: Sender, not_before_ms: u64) -> Self {
		Self {
			call,
			sender,
			not_before_ms,
			chain_not_before_ms: 0,
			signed: None,
			in_block: false,
			sends: 0,
		}
	}

	/// The same entry, held back until the chain's clock reaches `moment`.
	pub fn after_chain_time(mut self, moment: u64) -> Self {
		self.chain_not_before_ms = moment;
		self
	}
}

/// A retired entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
	/// The entry as it was last.
	pub entry: Entry,
	/// When it retired (ms).
	pub retired_ms: u64,
	/// Why it expired; `None` when it is final on chain.
	pub expired: Option<String>,
}

/// The keys entries are signed with.
pub struct Keys {
	/// The device key.
	pub device: Keypair,
	/// The pseudonyms, by index.
	pub pseudonyms: Vec<Keypair>,
}

impl Keys {
	/// The key of `sender`.
	pub fn of(&self, sender: Sender) -> Option<&Keypair> {
		match sender {
			Sender::Device => Some(&self.device),
			Sender::Pseudonym(index) => self.pseudonyms.get(index as usize),
		}
	}

	/// The account of `sender`.
	pub fn account(&self, sender: Sender) -> Option<AccountId32> {
		self.of(sender).map(|key| key.public_key().to_account_id())
	}
}

/// Why an outbox pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
	/// The store failed (the daemon stops: nothing may be lost).
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The chain failed (the pass is retried after a backoff).
	#[error(transparent)]
	Chain(#[from] ChainError),
}

/// How often an entry not yet in a block is sent again.
const RESEND_AFTER: Duration = Duration::from_secs(12);

/// The longest wait between reconnection attempts (a node on the LAN).
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// A pass that takes longer than this means the node is gone.
const PASS_TIMEOUT: Duration = Duration::from_secs(30);

/// The outbox worker's memory between passes (what it sent when).
#[derive(Default)]
pub struct SendLog {
	sent: HashMap<u64, Instant>,
}

/// One pass: retire what is final, mark what is in a block, send what is due.
pub async fn pass(
	store: &Store,
	chain: &Chain,
	keys: &Keys,
	metrics: &Metrics,
	memory: &mut SendLog,
) -> Result<(), OutboxError> {
	let entries = store.outbox()?;
	if entries.is_empty() {
		return Ok(());
	}
	let best = chain.best().await?;
	let best_time = Chain::time_at(&best).await?;
	let finalized = chain.finalized().await?;
	let now = now_ms();
	let mut by_sender: BTreeMap<Sender, Vec<(u64, Entry)>> = BTreeMap::new();
	for (id, entry) in entries {
		by_sender.entry(entry.sender).or_default().push((id, entry));
	}
	for (sender, entries) in by_sender {
		let Some(key) = keys.of(sender) else {
			for (id, entry) in entries {
				expire(store, metrics, id, entry, "no key for this sender".into())?;
			}
			continue;
		};
		let account = key.public_key().to_account_id();
		let best_nonce = Chain::nonce_at(&best, &account).await?;
		let final_nonce = Chain::nonce_at(&finalized, &account).await?;
		let mut next_nonce = best_nonce;
		// The first nonce the pool refused for good: later signed entries must
		// be signed again, from this nonce on.
		let mut refused = false;
		let (mut signed, mut unsigned): (Vec<_>, Vec<_>) =
			entries.into_iter().partition(|(_, entry)| entry.signed.is_some());
		signed.sort_by_key(|(_, entry)| entry.signed.as_ref().map(|signed| signed.nonce));
		for (id, mut entry) in signed {
			let Some(signed) = entry.signed.clone() else { continue };
			if final_nonce > signed.nonce {
				let retired = Retired { entry, retired_ms: now, expired: None };
				store.write(|writer| writer.retire(id, &retired))?;
				memory.sent.remove(&id);
				metrics.retired(retired.entry.call.name());
				continue;
			}
			if best_nonce > signed.nonce {
				if !entry.in_block {
					entry.in_block = true;
					store.write(|writer| writer.update(id, &entry))?;
				}
				continue;
			}
			if refused {
				entry.signed = None;
				entry.in_block = false;
				store.write(|writer| writer.update(id, &entry))?;
				memory.sent.remove(&id);
				unsigned.push((id, entry));
				continue;
			}
			next_nonce = next_nonce.max(signed.nonce + 1);
			let due = memory.sent.get(&id).is_none_or(|sent| sent.elapsed() >= RESEND_AFTER)
				&& entry.chain_not_before_ms <= best_time;
			if !due {
				continue;
			}
			if let Submitted::Invalid(reason) =
				send(store, chain, metrics, memory, id, &mut entry).await?
			{
				refused = true;
				next_nonce = signed.nonce;
				memory.sent.remove(&id);
				expire(store, metrics, id, entry, reason)?;
			}
		}
		unsigned.sort_by_key(|(id, entry)| (entry.not_before_ms, *id));
		for (id, mut entry) in unsigned {
			if entry.not_before_ms > now || entry.chain_not_before_ms > best_time {
				continue;
			}
			let (extrinsic, hash) = chain.sign(&entry.call, key, next_nonce).await?;
			entry.signed = Some(Signed {
				nonce: next_nonce,
				extrinsic: hex::encode(extrinsic),
				hash: hex::encode(hash),
			});
			store.write(|writer| writer.update(id, &entry))?;
			match send(store, chain, metrics, memory, id, &mut entry).await? {
				Submitted::Invalid(reason) => expire(store, metrics, id, entry, reason)?,
				Submitted::Accepted | Submitted::Stale => next_nonce += 1,
			}
		}
	}
	Ok(())
}

async fn send(
	store: &Store,
	chain: &Chain,
	metrics: &Metrics,
	memory: &mut SendLog,
	id: u64,
	entry: &mut Entry,
) -> Result<Submitted, OutboxError> {
	let Some(signed) = &entry.signed else { return Ok(Submitted::Accepted) };
	let extrinsic = hex::decode(&signed.extrinsic)
		.map_err(|_| StoreError::Corrupt(format!("extrinsic of entry {id}")))?;
	let submitted = chain.submit(&extrinsic).await?;
	memory.sent.insert(id, Instant::now());
	entry.sends += 1;
	store.write(|writer| writer.update(id, entry))?;
	metrics.sent(entry.call.name());
	Ok(submitted)
}

fn expire(
	store: &Store,
	metrics: &Metrics,
	id: u64,
	entry: Entry,
	reason: String,
) -> Result<(), StoreError> {
	tracing::warn!(entry = id, call = entry.call.name(), %reason, "the chain refused an extrinsic for good");
	metrics.expired(entry.call.name());
	let retired = Retired { entry, retired_ms: now_ms(), expired: Some(reason) };
	store.write(|writer| writer.retire(id, &retired))
}

/// Runs passes forever: reconnects with exponential backoff (1 s to 8 s)
/// whenever the node is gone, and wakes early when an entry is added.
pub async fn run(
	store: Arc<Store>,
	url: String,
	keys: Arc<Keys>,
	metrics: Arc<Metrics>,
	wake: Arc<Notify>,
	chain_slot: Arc<tokio::sync::RwLock<Option<Arc<Chain>>>>,
) -> Result<(), StoreError> {
	let mut memory = SendLog::default();
	let mut backoff = Duration::from_secs(1);
	loop {
		let connected = chain_slot.read().await.clone();
		let chain = match connected {
			Some(chain) => chain,
			None => match Chain::connect(&url).await {
				Ok(chain) => {
					tracing::info!("connected to the node");
					metrics.connected(true);
					backoff = Duration::from_secs(1);
					let chain = Arc::new(chain);
					*chain_slot.write().await = Some(chain.clone());
					chain
				},
				Err(error) => {
					tracing::warn!(%error, retry_in = ?backoff, "the node is unreachable");
					metrics.connected(false);
					tokio::time::sleep(backoff).await;
					backoff = (backoff * 2).min(MAX_BACKOFF);
					continue;
				},
			},
		};
		let outcome =
			tokio::time::timeout(PASS_TIMEOUT, pass(&store, &chain, &keys, &metrics, &mut memory))
				.await
				.unwrap_or_else(|_| {
					Err(OutboxError::Chain(ChainError::Missing(
						"the node stopped answering".into(),
					)))
				});
		match outcome {
			Ok(()) => {},
			Err(OutboxError::Store(error)) => return Err(error),
			Err(OutboxError::Chain(error)) => {
				tracing::warn!(%error, "lost the node; reconnecting");
				metrics.connected(false);
				metrics.reconnect();
				*chain_slot.write().await = None;
				memory.sent.clear();
				tokio::time::sleep(backoff).await;
				backoff = (backoff * 2).min(MAX_BACKOFF);
				continue;
			},
		}
		tokio::select! {
			_ = wake.notified() => {},
			_ = tokio::time::sleep(Duration::from_millis(1000)) => {},
		}
	}
}
