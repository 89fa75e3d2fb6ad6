//! Readings and the meter's hourly attestations in: from a meter over MQTT,
//! or from the reference dataset through a simulated signing meter. A
//! payload is acknowledged to the broker only once it is durable in the
//! store, so a crash never loses one: the broker redelivers it and the store
//! recognises the duplicate. An attestation is checked with the meter's key
//! before it is stored; one that does not verify is counted and dropped.
//!
//! MQTT payloads (JSON, QoS 1), readings on `topic`:
//! `{"start_ms": <interval start, ms since the epoch>, "import_wh": <Wh>, "export_wh": <Wh>,
//! "signature": <optional: the meter's P-256 signature of the slot-reading message, hex>}`,
//! attestations on `attestation_topic`: see [`crate::meter::AttestationPayload`].
use std::{io::Read, path::Path, sync::Arc, time::Duration};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use gridveil_offchain::{now_ms, store::StoreError};

use crate::{
	config::{MeterConfig, MqttConfig},
	meter::{self, Attestation, MeterIdentity, PairingSecret, SigningMeter},
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
	/// The simulated meter's key, pairing or state cannot be used.
	#[error("simulated meter: {0}")]
	Meter(String),
}

/// A reading as the meter publishes it: the reading and, from a signing
/// meter, its P-256 signature over the slot-reading message (hex).
#[derive(serde::Serialize, serde::Deserialize)]
struct ReadingPayload {
	#[serde(flatten)]
	reading: Reading,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	signature: Option<String>,
}

/// Parses an MQTT payload into a reading on the `interval_ms` grid and the
/// meter's signature over it, if it carries one.
pub fn parse_payload(
	payload: &[u8],
	interval_ms: u64,
) -> Result<(Reading, Option<Vec<u8>>), IngestError> {
	let parsed: ReadingPayload =
		serde_json::from_slice(payload).map_err(|_| IngestError::Payload)?;
	if interval_ms == 0 || parsed.reading.start_ms % interval_ms != 0 {
		return Err(IngestError::NotAligned);
	}
	let signature = parsed
		.signature
		.map(|text| hex::decode(text).map_err(|_| IngestError::Payload))
		.transpose()?;
	Ok((parsed.reading, signature))
}

/// The JSON payload of a reading, with the meter's signature if given.
pub fn payload(reading: &Reading, signature: Option<&gridveil_p256::Signature>) -> Vec<u8> {
	serde_json::to_vec(&ReadingPayload { reading: *reading, signature: signature.map(hex::encode) })
		.unwrap_or_default()
}

/// Checks the meter's signature over a stored reading and keeps it, for
/// the coordinator; a refused one is logged (without values) and counted.
pub fn accept_reading_signature(
	store: &Store,
	metrics: &Metrics,
	meter: &MeterIdentity,
	reading: &Reading,
	interval_ms: u64,
	signature: &[u8],
) -> Result<(), StoreError> {
	match meter.check_reading(reading, interval_ms, signature) {
		Ok(checked) => store.put_reading_signature(reading.start_ms, &checked),
		Err(reason) => {
			tracing::warn!(interval = reading.start_ms, %reason, "refused a reading's signature");
			metrics.reading_rejected("bad_signature");
			Ok(())
		},
	}
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

/// Checks an attestation with the meter's key and stores it; a refused one
/// is logged (without values) and counted.
pub fn accept_attestation(
	store: &Store,
	metrics: &Metrics,
	meter: &MeterIdentity,
	attestation: Attestation,
) -> Result<(), StoreError> {
	match meter.check(attestation) {
		Ok(checked) => {
			store.put_attestation(&checked)?;
			metrics.attestation_stored();
		},
		Err(reason) => {
			tracing::warn!(
				hour_end = attestation.hour_end_ms,
				%reason,
				"refused a meter attestation"
			);
			metrics.attestation_rejected("refused");
		},
	}
	Ok(())
}

/// Subscribes to the meter's topics with a persistent session and stores
/// every reading and checked attestation before acknowledging it. Returns
/// only if the store fails.
pub async fn run_mqtt(
	store: Arc<Store>,
	metrics: Arc<Metrics>,
	mqtt: MqttConfig,
	meter: MeterIdentity,
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
				for topic in [&mqtt.topic, &mqtt.attestation_topic] {
					if let Err(error) = client.subscribe(topic, QoS::AtLeastOnce).await {
						tracing::warn!(%error, topic, "cannot subscribe to a meter topic");
					}
				}
			},
			Ok(Event::Incoming(Packet::Publish(publish)))
				if publish.topic == mqtt.attestation_topic =>
			{
				match Attestation::from_payload(&publish.payload) {
					Some(attestation) => {
						accept_attestation(&store, &metrics, &meter, attestation)?;
						wake.notify_one();
					},
					None => {
						tracing::warn!(
							bytes = publish.payload.len(),
							"refused an attestation payload"
						);
						metrics.attestation_rejected("bad_payload");
					},
				}
				if let Err(error) = client.ack(&publish).await {
					tracing::warn!(%error, "cannot acknowledge an attestation");
				}
			},
			Ok(Event::Incoming(Packet::Publish(publish))) => {
				match parse_payload(&publish.payload, interval_ms) {
					Ok((reading, signature)) => {
						accept(&store, &metrics, reading)?;
						if let Some(signature) = signature {
							accept_reading_signature(
								&store,
								&metrics,
								&meter,
								&reading,
								interval_ms,
								&signature,
							)?;
						}
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

/// The simulated signing meter of `meter.replay`, paired through
/// `meter.pairing_secret_file`.
pub fn simulated_meter(meter: &MeterConfig) -> Result<SigningMeter, IngestError> {
	let failed = |error: &dyn std::fmt::Display| IngestError::Meter(error.to_string());
	let key = meter::load_signing_key(&meter.replay.meter_key_file).map_err(|e| failed(&e))?;
	let pairing = PairingSecret::load(&meter.pairing_secret_file).map_err(|e| failed(&e))?;
	SigningMeter::open(
		meter.id,
		key,
		pairing,
		meter.interval_ms,
		meter.replay.meter_state_file.clone(),
		now_ms(),
	)
	.map_err(|e| failed(&e))
}

/// Replays the dataset through a simulated signing meter: at the end of
/// each interval, its reading; at the end of each hour, the meter's
/// attestation, checked like one from MQTT.
pub async fn run_replay(
	store: Arc<Store>,
	metrics: Arc<Metrics>,
	meter: MeterConfig,
	wake: Arc<tokio::sync::Notify>,
) -> Result<(), IngestError> {
	let dataset = Dataset::load(&meter.replay.dataset, &meter.replay.prosumer)?;
	let identity = meter
		.identity()
		.ok_or_else(|| IngestError::Meter("meter.public_key is not a P-256 key".into()))?;
	let mut signing = simulated_meter(&meter)?;
	let import_wh = |start| dataset.reading(start, meter.interval_ms).import_wh;
	let pending =
		signing.close_hours(now_ms(), import_wh).map_err(|e| IngestError::Meter(e.to_string()))?;
	for attestation in std::iter::once(signing.last()).chain(pending) {
		accept_attestation(&store, &metrics, &identity, attestation)?;
	}
	loop {
		let start = next_interval_end(meter.interval_ms).await;
		let reading = dataset.reading(start, meter.interval_ms);
		accept(&store, &metrics, reading)?;
		let signature = signing.sign_reading(&reading);
		accept_reading_signature(
			&store,
			&metrics,
			&identity,
			&reading,
			meter.interval_ms,
			&signature,
		)?;
		let closed = signing
			.close_hours(start + meter.interval_ms, import_wh)
			.map_err(|e| IngestError::Meter(e.to_string()))?;
		for attestation in closed {
			accept_attestation(&store, &metrics, &identity, attestation)?;
		}
		wake.notify_one();
	}
}

/// A meter simulator: publishes the dataset's readings to MQTT at the end of
/// each interval and, at the end of each hour, its signed blinded
/// fingerprint, as a real meter would (`gridveil-edge simulate`).
pub async fn simulate(
	mqtt: MqttConfig,
	dataset: Dataset,
	mut meter: SigningMeter,
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
	let import_wh = |start| dataset.reading(start, interval_ms).import_wh;
	let publish_attestation = |attestation: Attestation| {
		let (client, topic) = (client.clone(), mqtt.attestation_topic.clone());
		async move {
			if let Err(error) =
				client.publish(topic, QoS::AtLeastOnce, false, attestation.payload()).await
			{
				tracing::warn!(%error, "meter: cannot publish an attestation");
			}
		}
	};
	// Back from an outage (or just installed), the meter publishes what it
	// measured since the last hour it closed, then closes the hours that
	// ended meanwhile: a box that waited proves them late.
	let now = now_ms();
	let mut start = meter.last().hour_end_ms;
	while start + interval_ms <= now {
		let reading = dataset.reading(start, interval_ms);
		let signed = payload(&reading, Some(&meter.sign_reading(&reading)));
		if let Err(error) = client.publish(&mqtt.topic, QoS::AtLeastOnce, false, signed).await {
			tracing::warn!(%error, "meter: cannot publish");
		}
		start += interval_ms;
	}
	let pending =
		meter.close_hours(now, import_wh).map_err(|e| IngestError::Meter(e.to_string()))?;
	for attestation in std::iter::once(meter.last()).chain(pending) {
		publish_attestation(attestation).await;
	}
	let mut published = 0u64;
	while count.is_none_or(|count| published < count) {
		let start = next_interval_end(interval_ms).await;
		let reading = dataset.reading(start, interval_ms);
		let signed = payload(&reading, Some(&meter.sign_reading(&reading)));
		if let Err(error) = client.publish(&mqtt.topic, QoS::AtLeastOnce, false, signed).await {
			tracing::warn!(%error, "meter: cannot publish");
		}
		let closed = meter
			.close_hours(start + interval_ms, import_wh)
			.map_err(|e| IngestError::Meter(e.to_string()))?;
		for attestation in closed {
			publish_attestation(attestation).await;
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
		assert_eq!(parse_payload(&payload(&reading, None), 900_000).unwrap(), (reading, None));
		let signature = [7u8; 64];
		assert_eq!(
			parse_payload(&payload(&reading, Some(&signature)), 900_000).unwrap(),
			(reading, Some(signature.to_vec()))
		);
		assert!(matches!(parse_payload(b"{\"start_ms\":1}", 900_000), Err(IngestError::Payload)));
		assert!(matches!(parse_payload(b"\xff\x00", 900_000), Err(IngestError::Payload)));
		let off_grid = Reading { start_ms: 900_001, ..reading };
		assert!(matches!(
			parse_payload(&payload(&off_grid, None), 900_000),
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
