//! The relay stage: hands the meter's signed readings to the group's
//! coordinator (`POST <coordinator_url>/readings`), which checks the box's
//! shares against them. The signatures are the meter's, so the box cannot
//! change what it relays; it only carries it. The cursor advances only when
//! the coordinator has answered, so an outage of either side loses nothing:
//! the readings wait in the store and go out once it is back.
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::{metrics::Metrics, store::Store};

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

/// Relays the box's signed readings to its coordinator.
pub struct Relay {
	url: String,
	meter_id: u64,
	interval_ms: u64,
	client: reqwest::Client,
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
			meter_id,
			interval_ms,
			client,
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
