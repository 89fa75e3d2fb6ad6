//! Delivering the outbox: the worker that signs, sends, resends and retires
//! the entries of [`crate::outbox`], so each lands exactly once across
//! outages and restarts.
//!
//! An entry is signed once, with the next nonce of its signer, and the signed
//! bytes are stored before they are sent. Sending the same bytes again is
//! always safe: the pool knows them already, or their nonce is used, which
//! (the role being the only user of its keys) means they are in a block.
//! An entry retires when its signer's nonce at the finalized block has passed
//! the entry's nonce; it expires when the pool refuses it for good (a report
//! window that closed) or its call does not fit the runtime, and later
//! entries of that signer are signed again.
//!
//! A runtime upgrade changes the spec version (and maybe the transaction
//! version) every signature covers: entries signed for an earlier runtime and
//! not yet in a block are signed again, with the same nonces, for the runtime
//! of the best block, and a refusal that comes with a runtime change is not
//! taken as final. Nothing is signed for a new runtime, or sent, before the
//! upgrade is final ([`runtime_settled`]). In the block that changed the
//! runtime, before its migrations ran, the runtime answers "unknown
//! validity" rather than refuse, and the entry is sent again. Bytes the pool
//! has banned (a view of a fork found them invalid; the pool then refuses
//! them for half an hour) are signed again with the same nonce: an sr25519
//! signature is randomised, so the new bytes have a new hash.
//!
//! An entry may name a storage key that means its effect is on chain by
//! another way ([`Entry::done_when_stored`]: a share its coordinator
//! relayed). When it comes due, or when the pool refuses it, the key is
//! read: in the finalized state the entry retires unsent, in the best block
//! only it waits, otherwise it is sent (or expires) as any other.
use std::{
	collections::{BTreeMap, HashMap},
	sync::Arc,
	time::{Duration, Instant},
};

use subxt_signer::sr25519::Keypair;
use tokio::sync::Notify;

use super::client::{AtBlock, Chain, ChainError, SharedChain, Submitted};
use crate::{
	clock::now_ms,
	metrics::ChainMetrics,
	outbox::{self, Entry, Keyring, Retired, Signed},
	store::{Store, StoreError},
};

/// Why an outbox pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
	/// The store failed (the role stops: nothing may be lost).
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
	keys: &dyn Keyring,
	metrics: &ChainMetrics,
	memory: &mut SendLog,
) -> Result<(), DeliveryError> {
	let entries = outbox::entries(store)?;
	if entries.is_empty() {
		return Ok(());
	}
	let best = chain.best().await?;
	let best_time = Chain::time_at(&best).await?;
	let runtime = Chain::runtime(&best);
	let finalized = chain.finalized().await?;
	let settled = runtime_settled(&best, &finalized);
	let now = now_ms();
	let mut by_signer: BTreeMap<String, Vec<(u64, Entry)>> = BTreeMap::new();
	for (id, entry) in entries {
		by_signer.entry(entry.signer.clone()).or_default().push((id, entry));
	}
	for (signer, entries) in by_signer {
		let Some(key) = keys.key(&signer) else {
			for (id, entry) in entries {
				expire(store, metrics, id, entry, "no key for this signer".into())?;
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
				let retired =
					Retired { entry, retired_ms: now, expired: None, done_elsewhere: false };
				store.write(|writer| outbox::retire(writer, id, &retired))?;
				memory.sent.remove(&id);
				metrics.retired(&retired.entry.call.kind);
				continue;
			}
			if best_nonce > signed.nonce {
				if !entry.in_block {
					entry.in_block = true;
					store.write(|writer| outbox::update(writer, id, &entry))?;
				}
				continue;
			}
			let stale = signed.runtime.is_some_and(|signed_for| signed_for != runtime);
			if stale && !refused {
				tracing::info!(
					entry = id,
					signed_for = ?signed.runtime,
					?runtime,
					"signed for an earlier runtime: signing again"
				);
				refused = true;
				next_nonce = signed.nonce;
			}
			if refused {
				entry.signed = None;
				entry.in_block = false;
				store.write(|writer| outbox::update(writer, id, &entry))?;
				memory.sent.remove(&id);
				unsigned.push((id, entry));
				continue;
			}
			next_nonce = next_nonce.max(signed.nonce + 1);
			let due = settled
				&& memory.sent.get(&id).is_none_or(|sent| sent.elapsed() >= RESEND_AFTER)
				&& entry.chain_not_before_ms <= best_time;
			if !due {
				continue;
			}
			let submitted = send(store, chain, metrics, memory, id, &mut entry).await?;
			if let Submitted::Banned(reason) = submitted {
				// Its bytes are banned (a view on a fork found them invalid):
				// signed again in place, with the same nonce, for the next pass.
				tracing::info!(
					entry = id,
					call = %entry.call.kind,
					nonce = signed.nonce,
					%reason,
					"the pool banned the signed bytes: signing again with the same nonce"
				);
				match sign_entry(chain, &best, &entry, &key, signed.nonce).await {
					Ok(signed_again) => {
						entry.signed = Some(signed_again);
						store.write(|writer| outbox::update(writer, id, &entry))?;
						memory.sent.remove(&id);
					},
					Err(ChainError::Call(reason)) => {
						refused = true;
						next_nonce = signed.nonce;
						expire(store, metrics, id, entry, reason)?;
					},
					Err(error) => return Err(error.into()),
				}
				continue;
			}
			if let Submitted::Invalid(reason) = submitted {
				// Refused because its effect is on chain another way (its
				// share came in the coordinator's batch first)?
				match done_elsewhere(&best, &finalized, &entry).await? {
					Done::Final => {},
					// In a best block only: judged again at the next resend.
					Done::InBest => continue,
					Done::No => {
						refused = true;
						next_nonce = signed.nonce;
						memory.sent.remove(&id);
						if signed.runtime == Some(chain.best_runtime().await?) {
							expire(store, metrics, id, entry, reason)?;
						} else {
							// Refused because the runtime changed under it.
							entry.signed = None;
							entry.in_block = false;
							store.write(|writer| outbox::update(writer, id, &entry))?;
							unsigned.push((id, entry));
						}
						continue;
					},
				}
				refused = true;
				next_nonce = signed.nonce;
				memory.sent.remove(&id);
				retire_done_elsewhere(store, metrics, id, entry)?;
				continue;
			}
		}
		unsigned.sort_by_key(|(id, entry)| (entry.not_before_ms, *id));
		if !settled {
			// Signed and sent once the upgrade is final (see `runtime_settled`).
			continue;
		}
		for (id, mut entry) in unsigned {
			if entry.not_before_ms > now || entry.chain_not_before_ms > best_time {
				continue;
			}
			match done_elsewhere(&best, &finalized, &entry).await? {
				Done::Final => {
					retire_done_elsewhere(store, metrics, id, entry)?;
					continue;
				},
				Done::InBest => continue,
				Done::No => {},
			}
			let signed = match sign_entry(chain, &best, &entry, &key, next_nonce).await {
				Ok(signed) => signed,
				Err(ChainError::Call(reason)) => {
					expire(store, metrics, id, entry, reason)?;
					continue;
				},
				Err(error) => return Err(error.into()),
			};
			entry.signed = Some(signed);
			store.write(|writer| outbox::update(writer, id, &entry))?;
			match send(store, chain, metrics, memory, id, &mut entry).await? {
				Submitted::Invalid(_) if chain.best_runtime().await? != runtime => {
					// The runtime changed while this pass ran: the next pass
					// signs this and the rest for the new one.
					entry.signed = None;
					store.write(|writer| outbox::update(writer, id, &entry))?;
					memory.sent.remove(&id);
					break;
				},
				Submitted::Invalid(reason) => {
					match done_elsewhere(&best, &finalized, &entry).await? {
						Done::Final => retire_done_elsewhere(store, metrics, id, entry)?,
						Done::InBest => {
							// Its share came in a batch an instant ago: judged
							// again, unsigned, once that is final.
							entry.signed = None;
							store.write(|writer| outbox::update(writer, id, &entry))?;
							memory.sent.remove(&id);
							break;
						},
						Done::No => expire(store, metrics, id, entry, reason)?,
					}
				},
				// Banned or held: the signed loop judges it at its next send.
				Submitted::Accepted
				| Submitted::Held(_)
				| Submitted::Banned(_)
				| Submitted::Stale => next_nonce += 1,
			}
		}
	}
	Ok(())
}

/// Signs `entry`'s call with `nonce` for the runtime of `best`.
async fn sign_entry(
	chain: &Chain,
	best: &AtBlock,
	entry: &Entry,
	key: &Keypair,
	nonce: u64,
) -> Result<Signed, ChainError> {
	let (extrinsic, hash) = chain.sign(best, &entry.call.encoded, key, nonce).await?;
	Ok(Signed {
		nonce,
		extrinsic: hex::encode(extrinsic),
		hash: hex::encode(hash),
		runtime: Some(Chain::runtime(best)),
	})
}

/// Beyond this many unfinalized blocks, entries go out even while the
/// finalized block runs an earlier runtime (a stalled finality must not
/// hold the reports back past their windows).
const UPGRADE_FINALITY_WAIT_BLOCKS: u64 = 16;

/// Whether extrinsics signed for the best block's runtime may go out: the
/// finalized block runs it too. The fork-aware pool checks a submission
/// against a view of every unfinalized block; a view still on the runtime
/// before an upgrade finds the new signature bad and bans the bytes, and
/// views built later from it inherit the ban and skip the bytes, so they
/// wait in the pool and never reach a block. Once the upgrade is final,
/// every view runs the new runtime.
fn runtime_settled(best: &AtBlock, finalized: &AtBlock) -> bool {
	Chain::runtime(best) == Chain::runtime(finalized)
		|| Chain::number(best) > Chain::number(finalized) + UPGRADE_FINALITY_WAIT_BLOCKS
}

async fn send(
	store: &Store,
	chain: &Chain,
	metrics: &ChainMetrics,
	memory: &mut SendLog,
	id: u64,
	entry: &mut Entry,
) -> Result<Submitted, DeliveryError> {
	let Some(signed) = &entry.signed else { return Ok(Submitted::Accepted) };
	let extrinsic = hex::decode(&signed.extrinsic)
		.map_err(|_| StoreError::Corrupt(format!("extrinsic of entry {id}")))?;
	let submitted = chain.submit(&extrinsic).await?;
	memory.sent.insert(id, Instant::now());
	entry.sends += 1;
	let answer = match &submitted {
		Submitted::Accepted => None,
		Submitted::Held(reason) | Submitted::Banned(reason) | Submitted::Invalid(reason) => {
			Some(reason.clone())
		},
		Submitted::Stale => Some("stale: its nonce is used".into()),
	};
	if answer.is_some() && answer != entry.last_answer {
		tracing::info!(entry = id, call = %entry.call.kind, sends = entry.sends, answer = ?answer, "the pool's answer to an entry changed");
	}
	entry.last_answer = answer;
	store.write(|writer| outbox::update(writer, id, entry))?;
	metrics.sent(&entry.call.kind);
	Ok(submitted)
}

/// Whether an entry's effect is on chain another way ([`Entry::done_when_stored`]).
enum Done {
	/// In the finalized state: the entry is not needed.
	Final,
	/// In the best block only: wait and see.
	InBest,
	/// No (or the entry names no key).
	No,
}

async fn done_elsewhere(
	best: &AtBlock,
	finalized: &AtBlock,
	entry: &Entry,
) -> Result<Done, DeliveryError> {
	let Some(key) = &entry.done_when_stored else { return Ok(Done::No) };
	let key = hex::decode(key).map_err(|_| StoreError::Corrupt("an entry's storage key".into()))?;
	if Chain::stored(finalized, &key).await? {
		Ok(Done::Final)
	} else if Chain::stored(best, &key).await? {
		Ok(Done::InBest)
	} else {
		Ok(Done::No)
	}
}

fn retire_done_elsewhere(
	store: &Store,
	metrics: &ChainMetrics,
	id: u64,
	entry: Entry,
) -> Result<(), StoreError> {
	tracing::debug!(entry = id, call = %entry.call.kind, "on chain another way; not sent");
	metrics.done_elsewhere(&entry.call.kind);
	let retired = Retired { entry, retired_ms: now_ms(), expired: None, done_elsewhere: true };
	store.write(|writer| outbox::retire(writer, id, &retired))
}

fn expire(
	store: &Store,
	metrics: &ChainMetrics,
	id: u64,
	entry: Entry,
	reason: String,
) -> Result<(), StoreError> {
	tracing::warn!(entry = id, call = %entry.call.kind, %reason, "the chain refused an extrinsic for good");
	metrics.expired(&entry.call.kind);
	let retired =
		Retired { entry, retired_ms: now_ms(), expired: Some(reason), done_elsewhere: false };
	store.write(|writer| outbox::retire(writer, id, &retired))
}

/// Runs passes forever: reconnects with exponential backoff (1 s to 8 s)
/// whenever the node is gone, and wakes early when an entry is added. The
/// connection it makes is shared through `chain_slot`.
pub async fn run(
	store: Arc<Store>,
	url: String,
	keys: Arc<dyn Keyring>,
	metrics: ChainMetrics,
	wake: Arc<Notify>,
	chain_slot: SharedChain,
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
		let outcome = tokio::time::timeout(
			PASS_TIMEOUT,
			pass(&store, &chain, keys.as_ref(), &metrics, &mut memory),
		)
		.await
		.unwrap_or_else(|_| {
			Err(DeliveryError::Chain(ChainError::Missing("the node stopped answering".into())))
		});
		match outcome {
			Ok(()) => {},
			Err(DeliveryError::Store(error)) => return Err(error),
			Err(DeliveryError::Chain(error)) => {
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
