//! The relay stage: hands the meter's signed readings to the group's
//! coordinator (`POST <coordinator_url>/readings`), which checks the box's
//! shares against them. The signatures are the meter's, so the box cannot
//! change what it relays; it only carries it. The cursor advances only when
//! the coordinator has answered, so an outage of either side loses nothing:
//! the readings wait in the store and go out once it is back.
//!
//! It also hands over the box's shares (`POST <coordinator_url>/shares`),
//! each signed by its pseudonym, for the coordinator to relay in one batch
//! per ledger and slot. The shares' outbox entries stay queued meanwhile,
//! until the middle of their report window: they retire unsent once the
//! chain holds the report, and go out directly if it does not by then, or at
//! once if the coordinator refuses a share. Either way each share is
//! reported once: the chain keeps one report per pseudonym and slot.
use std::time::Duration;

use anyhow::{Context as _, Result};
use gridveil_offchain::{
	chain::{SharedChain, SLOTS_PER_DAY},
	now_ms, outbox,
	shares::SignedShare,
};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::{
	metrics::Metrics,
	store::Store,
	submit::{Keys, Sender},
};

/// The store key of the first slot whose shares are not yet handed over.
pub const SHARE_RELAY_CURSOR: &str = "relay/shares/next";

/// Slots whose shares go in one request at most.
const SLOTS_PER_REQUEST: usize = 8;

/// The store key of the first reading not yet relayed (interval start, ms).
pub const RELAY_CURSOR: &str = "relay/next";

/// Readings relayed in one request at most (a day of 15-minute slots).
const READINGS_PER_REQUEST: usize = 96;

/// One reading as the coordinator takes it.
#[derive(Serialize)]
struct SignedReading {
	meter_id: u64,
	slot_end_ms: u64,
	import_wh: u64,
	export_wh: u64,
	signature: String,
}

/// The coordinator's answer for one reading.
#[derive(Deserialize)]
struct Outcome {
	slot: Option<u32>,
	refused: Option<String>,
}

/// The coordinator's answer for one share.
#[derive(Deserialize)]
struct ShareOutcome {
	/// Why it was not taken; `None` when it was.
	refused: Option<String>,
}

/// Relays the box's signed readings (and shares) to its coordinator.
pub struct Relay {
	url: String,
	shares_url: String,
	meter_id: u64,
	interval_ms: u64,
	client: reqwest::Client,
	/// The chain's genesis hash, which shares are signed for.
	genesis: OnceCell<[u8; 32]>,
}

impl Relay {
	/// A relay to the coordinator at `url` (`http://host:port`).
	pub fn new(url: &str, meter_id: u64, interval_ms: u64) -> Result<Self> {
		let client = reqwest::Client::builder()
			.timeout(Duration::from_secs(20))
			.build()
			.context("building the HTTP client")?;
		Ok(Self {
			url: format!("{}/readings", url.trim_end_matches('/')),
			shares_url: format!("{}/shares", url.trim_end_matches('/')),
			meter_id,
			interval_ms,
			client,
			genesis: OnceCell::new(),
		})
	}

	/// Relays what is waiting, a request at a time, until nothing is left or
	/// the coordinator does not answer. Returns how many readings it relayed.
	pub async fn pass(&self, store: &Store, metrics: &Metrics) -> Result<usize> {
		let mut relayed = 0;
		loop {
			let cursor: u64 = store.state(RELAY_CURSOR)?.unwrap_or(0);
			let signatures: Vec<_> = store
				.reading_signatures(cursor..u64::MAX)?
				.into_iter()
				.take(READINGS_PER_REQUEST)
				.collect();
			let Some(&(last, _)) = signatures.last() else { return Ok(relayed) };
			let readings = store.readings(cursor..last.saturating_add(1))?;
			let batch: Vec<SignedReading> = signatures
				.iter()
				.filter_map(|(start, signature)| {
					let reading = readings.iter().find(|reading| reading.start_ms == *start)?;
					Some(SignedReading {
						meter_id: self.meter_id,
						slot_end_ms: start + self.interval_ms,
						import_wh: reading.import_wh,
						export_wh: reading.export_wh,
						signature: hex::encode(signature),
					})
				})
				.collect();
			let response = match self.client.post(&self.url).json(&batch).send().await {
				Ok(response) if response.status().is_success() => response,
				Ok(response) => {
					tracing::warn!(status = %response.status(), "the coordinator did not take the readings; retrying");
					return Ok(relayed);
				},
				Err(error) => {
					tracing::warn!(%error, "the coordinator is unreachable; retrying");
					return Ok(relayed);
				},
			};
			let outcomes: Vec<Outcome> =
				response.json().await.context("the coordinator's answer is not JSON")?;
			for outcome in &outcomes {
				match (&outcome.slot, &outcome.refused) {
					(Some(_), _) => metrics.reading_relayed(),
					(None, Some(reason)) => {
						tracing::warn!(%reason, "the coordinator refused a reading");
						metrics.reading_relay_refused();
					},
					(None, None) => {},
				}
			}
			relayed += batch.len();
			store.write(|writer| writer.put_state(RELAY_CURSOR, &last.saturating_add(1)))?;
		}
	}
}

impl Relay {
	/// The genesis hash, once the node has been reached.
	async fn genesis(&self, chain: &SharedChain) -> Option<[u8; 32]> {
		if let Some(genesis) = self.genesis.get() {
			return Some(*genesis);
		}
		let connected = chain.read().await.clone()?;
		match connected.genesis_hash().await {
			Ok(genesis) => Some(*self.genesis.get_or_init(|| async { genesis }).await),
			Err(error) => {
				tracing::warn!(%error, "the genesis hash is unavailable");
				None
			},
		}
	}

	/// Hands the shares split since the last pass to the coordinator, a few
	/// slots a request, until none is left or the coordinator does not
	/// answer. A share whose entry has gone (reported, or expired) or is
	/// due to go out directly is left out. Returns how many it handed over.
	pub async fn pass_shares(
		&self,
		store: &Store,
		metrics: &Metrics,
		keys: &Keys,
		chain: &SharedChain,
	) -> Result<usize> {
		let mut handed = 0;
		loop {
			// A box that starts relaying begins with the last day's slots.
			let today = now_ms() / self.interval_ms.max(1);
			let cursor: u64 =
				store.state(SHARE_RELAY_CURSOR)?.unwrap_or(today.saturating_sub(SLOTS_PER_DAY));
			let slots: Vec<_> =
				store.shares(cursor..u64::MAX)?.into_iter().take(SLOTS_PER_REQUEST).collect();
			let Some(&(last, _)) = slots.last() else { return Ok(handed) };
			let Some(genesis) = self.genesis(chain).await else { return Ok(handed) };
			let now = now_ms();
			let mut batch = Vec::new();
			let mut owners = Vec::new();
			for (slot, shares) in &slots {
				let Ok(slot) = u32::try_from(*slot) else { continue };
				let day = slot / SLOTS_PER_DAY as u32;
				for (index, (share, entry_id)) in
					shares.shares_wh.iter().zip(&shares.entries).enumerate()
				{
					let Some(entry) = outbox::entry(store.base(), *entry_id)? else { continue };
					// Only entries split for relaying, still waiting.
					if entry.done_when_stored.is_none()
						|| entry.signed.is_some()
						|| entry.not_before_ms <= now
					{
						continue;
					}
					let Some(key) = keys.of(Sender::Pseudonym { ledger: index as u32, day }) else {
						continue;
					};
					batch.push(SignedShare::sign(&key, &genesis, slot, *share));
					owners.push((*entry_id, entry));
				}
			}
			let outcomes: Vec<ShareOutcome> = if batch.is_empty() {
				Vec::new()
			} else {
				match self.client.post(&self.shares_url).json(&batch).send().await {
					Ok(response) if response.status().is_success() => {
						response.json().await.context("the coordinator's answer is not JSON")?
					},
					Ok(response) => {
						tracing::warn!(status = %response.status(), "the coordinator did not take the shares; retrying");
						return Ok(handed);
					},
					Err(error) => {
						tracing::warn!(%error, "the coordinator is unreachable; retrying");
						return Ok(handed);
					},
				}
			};
			let mut taken = 0u64;
			store.write(|writer| {
				for ((id, entry), outcome) in owners.iter().zip(&outcomes) {
					if let Some(reason) = &outcome.refused {
						tracing::warn!(%reason, "the coordinator refused a share; reporting it directly");
						metrics.share_refused_by_coordinator();
						let mut direct = entry.clone();
						direct.not_before_ms = now;
						outbox::update(writer, *id, &direct)?;
					} else {
						taken += 1;
					}
				}
				writer.put_state(SHARE_RELAY_CURSOR, &last.saturating_add(1))
			})?;
			metrics.shares_handed_to_coordinator(taken);
			handed += taken as usize;
		}
	}
}
