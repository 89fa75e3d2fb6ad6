//! Readings in: from a meter over MQTT, or replayed from the reference
//! dataset. A reading is acknowledged to the broker only once it is durable
//! in the store, so a crash never loses one: the broker redelivers it and the
//! store recognises the duplicate.
//!
//! MQTT payload (JSON, QoS 1):
//! `{"start_ms": <interval start, ms since the epoch>, "import_wh": <Wh>, "export_wh": <Wh>}`.
use std::{io::Read, path::Path, sync::Arc, time::Duration};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use gridveil_offchain::{now_ms, store::StoreError};

use crate::{
	config::{MeterConfig, MqttConfig},
	metrics::Metrics,
	store::{AppendError, Appended, Reading, Store},
};

/// Why a payload or the dataset was refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
	/// Not the documented JSON.
	#[error("the payload is not a reading")]
	Payload,
	/// The interval does not start on the meter's grid.
	#[error("the interval does not start on the meter's grid")]
	NotAligned,
	/// The dataset cannot be read.
	#[error("dataset: {0}")]
	Dataset(String),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

/// Parses an MQTT payload into a reading on the `interval_ms` grid.
pub fn parse_payload(payload: &[u8], interval_ms: u64) -> Result<Reading, IngestError> {
	let reading: Reading = serde_json::from_slice(payload).map_err(|_| IngestError::Payload)?;
	if interval_ms == 0 || reading.start_ms % interval_ms != 0 {
		return Err(IngestError::NotAligned);
	}
	Ok(reading)
}

/// The JSON payload of a reading.
pub fn payload(reading: &Reading) -> Vec<u8> {
	serde_json::to_vec(reading).unwrap_or_default()
}

/// Stores a reading and counts it; refused readings are logged without values.
pub fn accept(store: &Store, metrics: &Metrics, reading: Reading) -> Result<(), StoreError> {
	match store.append_reading(reading) {
		Ok(Appended::New) => metrics.reading_stored(),
		Ok(Appended::Duplicate) => metrics.reading_duplicate(),
		Err(AppendError::OutOfOrder) => {
			tracing::warn!(
				interval = reading.start_ms,
				"refused a reading older than the last stored"
			);
			metrics.reading_rejected("out_of_order");
		},
		Err(AppendError::Conflict) => {
			tracing::warn!(
				interval = reading.start_ms,
				"refused a second, different reading for an interval"
			);
			metrics.reading_rejected("conflict");
		},
		Err(AppendError::Store(error)) => return Err(error),
	}
	Ok(())
}

/// Subscribes to the meter's topic with a persistent session and stores every
/// reading before acknowledging it. Returns only if the store fails.
pub async fn run_mqtt(
	store: Arc<Store>,
	metrics: Arc<Metrics>,
	mqtt: MqttConfig,
	interval_ms: u64,
	wake: Arc<tokio::sync::Notify>,
) -> Result<(), StoreError> {
	let mut options = MqttOptions::new(&mqtt.client_id, &mqtt.host, mqtt.port);
	options.set_keep_alive(Duration::from_secs(15));
	options.set_clean_session(false);
	options.set_manual_acks(true);
	let (client, mut events) = AsyncClient::new(options, 64);
	loop {
		match events.poll().await {
			Ok(Event::Incoming(Packet::ConnAck(_))) => {
				tracing::info!(host = %mqtt.host, port = mqtt.port, "connected to the MQTT broker");
				if let Err(error) = client.subscribe(&mqtt.topic, QoS::AtLeastOnce).await {
					tracing::warn!(%error, "cannot subscribe to the meter topic");
				}
			},
			Ok(Event::Incoming(Packet::Publish(publish))) => {
				match parse_payload(&publish.payload, interval_ms) {
					Ok(reading) => {
						accept(&store, &metrics, reading)?;
						wake.notify_one();
					},
					Err(error) => {
						tracing::warn!(%error, bytes = publish.payload.len(), "refused an MQTT payload");
						metrics.reading_rejected("bad_payload");
					},
				}
				// Durable (or refused for good): the broker may forget it.
				if let Err(error) = client.ack(&publish).await {
					tracing::warn!(%error, "cannot acknowledge a reading");
				}
			},
			Ok(_) => {},
			Err(error) => {
				tracing::warn!(%error, "MQTT connection lost; retrying in 2 s");
				tokio::time::sleep(Duration::from_secs(2)).await;
			},
		}
	}
}

/// One prosumer's column of the reference dataset: net Wh per 15 minutes.
pub struct Dataset {
	/// Net energy of each row, Wh (positive consumed).
	pub net_wh: Vec<f64>,
}

impl Dataset {
	/// Reads `prosumer`'s column of the gzipped CSV.
	pub fn load(path: &Path, prosumer: &str) -> Result<Self, IngestError> {
		let file = std::fs::File::open(path)
			.map_err(|error| IngestError::Dataset(format!("{}: {error}", path.display())))?;
		let mut text = String::new();
		flate2::read::GzDecoder::new(file)
			.read_to_string(&mut text)
			.map_err(|error| IngestError::Dataset(format!("{}: {error}", path.display())))?;
		let mut lines = text.lines();
		let header = lines.next().ok_or_else(|| IngestError::Dataset("empty dataset".into()))?;
		let column = header
			.split(',')
			.position(|name| name == prosumer)
			.ok_or_else(|| IngestError::Dataset(format!("no prosumer {prosumer}")))?;
		let net_wh = lines
			.map(|line| {
				line.split(',')
					.nth(column)
					.and_then(|value| value.parse::<f64>().ok())
					.ok_or_else(|| IngestError::Dataset("a row without this prosumer".into()))
			})
			.collect::<Result<Vec<_>, _>>()?;
		if net_wh.is_empty() {
			return Err(IngestError::Dataset("no rows".into()));
		}
		Ok(Self { net_wh })
	}

	/// The reading of the interval starting at `start_ms`: the row at the
	/// same 15-minute position in the year, whatever the interval length, so
	/// a sped-up replay walks through the days.
	pub fn reading(&self, start_ms: u64, interval_ms: u64) -> Reading {
		let row = (start_ms / interval_ms.max(1)) as usize % self.net_wh.len();
		let net = self.net_wh[row].round() as i64;
		Reading { start_ms, import_wh: net.max(0) as u64, export_wh: net.min(0).unsigned_abs() }
	}
}

/// Sleeps until the current interval ends; returns its start.
async fn next_interval_end(interval_ms: u64) -> u64 {
	let now = now_ms();
	let start = now - now % interval_ms;
	tokio::time::sleep(Duration::from_millis(start + interval_ms - now)).await;
	start
}

/// Replays the dataset as the meter: at the end of each interval, its reading.
pub async fn run_replay(
	store: Arc<Store>,
	metrics: Arc<Metrics>,
	meter: MeterConfig,
	wake: Arc<tokio::sync::Notify>,
) -> Result<(), IngestError> {
	let dataset = Dataset::load(&meter.replay.dataset, &meter.replay.prosumer)?;
	loop {
		let start = next_interval_end(meter.interval_ms).await;
		accept(&store, &metrics, dataset.reading(start, meter.interval_ms))?;
		wake.notify_one();
	}
}

/// A meter simulator: publishes the dataset's readings to MQTT at the end of
/// each interval, as a real meter would (`gridveil-edge simulate`).
pub async fn simulate(
	mqtt: MqttConfig,
	dataset: Dataset,
	interval_ms: u64,
	count: Option<u64>,
) -> Result<(), IngestError> {
	let mut options = MqttOptions::new(format!("{}-meter", mqtt.client_id), &mqtt.host, mqtt.port);
	options.set_keep_alive(Duration::from_secs(15));
	let (client, mut events) = AsyncClient::new(options, 1024);
	tokio::spawn(async move {
		loop {
			if let Err(error) = events.poll().await {
				tracing::warn!(%error, "meter: MQTT connection lost; retrying in 1 s");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
		}
	});
	let mut published = 0u64;
	while count.is_none_or(|count| published < count) {
		let start = next_interval_end(interval_ms).await;
		let reading = dataset.reading(start, interval_ms);
		if let Err(error) =
			client.publish(&mqtt.topic, QoS::AtLeastOnce, false, payload(&reading)).await
		{
			tracing::warn!(%error, "meter: cannot publish");
		}
		published += 1;
	}
	tokio::time::sleep(Duration::from_secs(2)).await;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn payloads_parse_on_the_grid_and_bad_ones_are_refused() {
		let reading = Reading { start_ms: 900_000, import_wh: 12, export_wh: 0 };
		assert_eq!(parse_payload(&payload(&reading), 900_000).unwrap(), reading);
		assert!(matches!(parse_payload(b"{\"start_ms\":1}", 900_000), Err(IngestError::Payload)));
		assert!(matches!(parse_payload(b"\xff\x00", 900_000), Err(IngestError::Payload)));
		let off_grid = Reading { start_ms: 900_001, ..reading };
		assert!(matches!(
			parse_payload(&payload(&off_grid), 900_000),
			Err(IngestError::NotAligned)
		));
	}

	#[test]
	fn the_dataset_replays_net_energy_as_import_and_export() {
		let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/community-2016-15min.csv.gz");
		let dataset = Dataset::load(&path, "household-00").unwrap();
		assert_eq!(dataset.net_wh.len(), 35_136);
		let first = dataset.reading(0, 900_000);
		assert_eq!((first.import_wh, first.export_wh), (142, 0));
		assert!(Dataset::load(&path, "nobody").is_err());
		// A PV household feeds in around noon.
		let pv = Dataset::load(&path, "household-02").unwrap();
		assert!(
			(0..pv.net_wh.len() as u64).any(|row| pv.reading(row * 900_000, 900_000).export_wh > 0)
		);
	}
}
