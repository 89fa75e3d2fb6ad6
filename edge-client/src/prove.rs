//! Proving: each completed hour of an active program becomes a Groth16
//! deviation proof over that hour's readings, chained from the meter's
//! signed fingerprint at the hour's start, and an outbox entry for
//! `submit_deviation` with the meter's attestations. An hour whose stored
//! readings do not give the fingerprint the meter signed at its end is never
//! proven: the box raises an alarm and the hour stays missing. The
//! [`Prover`] is the stage the scheduler runs; the functions below it are
//! the steps.
use std::{ops::Range, path::Path, sync::Arc, time::Instant};

use anyhow::{Context as _, Result};
use gridveil_circuits::{keys, poseidon::HOURS, DeviationProvingKey, Witness};
use gridveil_groth16::{decode_proof, encode_proof, scalar_to_bytes, Scalar};
use gridveil_offchain::{
	chain::{BestBlock, CallEncoder, Chain, ProgramStatus},
	now_ms,
	outbox::{self, Entry},
	store::StoreError,
};
use serde::{Deserialize, Serialize};

use crate::{
	meter::{Attestation, PairingSecret},
	metrics::Metrics,
	store::Store,
	submit::{self, HourAttestation, Sender},
};

/// Why a program cannot be proven.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
	/// A file cannot be read or parsed.
	#[error("{0}")]
	File(String),
	/// The circuit refused the statement or the prover failed.
	#[error("prover: {0}")]
	Prover(String),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
}

/// The aggregator's private request for one program, as the box keeps it.
#[derive(Clone, Debug, Deserialize)]
pub struct ProgramSecret {
	/// Requested energy per hour, Wh.
	pub request: [u64; HOURS],
	/// The commitment's salt (decimal field element).
	#[serde(with = "gridveil_circuits::encoding::decimal_scalar")]
	pub salt: Scalar,
}

impl ProgramSecret {
	/// Reads a request file: a secret (the request and its salt open the
	/// program's commitment), refused when group or others may read it.
	pub fn load(path: &Path) -> Result<Self, ProveError> {
		let text = gridveil_offchain::secret_file::read(path)
			.map_err(|error| ProveError::File(format!("{}: {error}", path.display())))?;
		serde_json::from_str(&text)
			.map_err(|_| ProveError::File(format!("{} is not a program request", path.display())))
	}
}

/// Reads a proving key written by `gridveil-circuits setup`.
pub fn load_proving_key(path: &Path) -> Result<DeviationProvingKey, ProveError> {
	let bytes = std::fs::read(path)
		.map_err(|error| ProveError::File(format!("{}: {error}", path.display())))?;
	DeviationProvingKey::from_bytes(&bytes)
		.map_err(|error| ProveError::File(format!("{}: {error}", path.display())))
}

/// A program's public schedule, cached so the box proves during outages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
	/// Start of hour 0, ms.
	pub start_ms: u64,
	/// Hours.
	pub hours: u32,
	/// Hour length, ms.
	pub hour_length_ms: u64,
	/// Last moment a deviation is accepted, ms.
	pub due_ms: u64,
}

impl Schedule {
	/// The interval starts of `hour`'s readings.
	pub fn window(&self, hour: u32) -> Range<u64> {
		let start = self.start_ms + u64::from(hour) * self.hour_length_ms;
		start..start + self.hour_length_ms
	}
}

/// How far the box has proven a program.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
	/// The next hour to prove.
	pub next_hour: u32,
	/// Fingerprint after the last proven hour (hex of 32 bytes LE).
	pub fingerprint: String,
}

/// The store key of a program's progress.
pub fn progress_key(program_id: u64) -> String {
	format!("program/{program_id}/progress")
}

/// The store key of the outbox entry that submits `hour` of a program.
pub fn entry_key(program_id: u64, hour: u32) -> String {
	format!("program/{program_id}/hour/{hour}/entry")
}

/// The store key of a program's cached schedule.
pub fn schedule_key(program_id: u64) -> String {
	format!("program/{program_id}/schedule")
}

/// The store key of the alarm raised for an hour left unproven.
pub fn alarm_key(program_id: u64, hour: u32) -> String {
	format!("program/{program_id}/hour/{hour}/alarm")
}

/// Why an hour was left unproven (the dashboard's alarms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HourAlarm {
	/// The stored readings do not give the fingerprint the meter signed.
	ReadingsMismatch,
	/// The meter signed the hour's end but not its start (it was installed
	/// or reset during the hour): the hour cannot be anchored.
	NoStartAttestation,
	/// Some of the hour's readings never reached the box (it was not
	/// running then, e.g. it started after the program did): the meter
	/// publishes in order, so once a later reading is in they never will.
	MissingReadings,
}

impl HourAlarm {
	/// Its label in logs and metrics.
	pub fn label(self) -> &'static str {
		match self {
			HourAlarm::ReadingsMismatch => "readings_mismatch",
			HourAlarm::NoStartAttestation => "no_start_attestation",
			HourAlarm::MissingReadings => "missing_readings",
		}
	}
}

/// What the store holds for proving an hour.
pub enum HourInputs {
	/// Everything: the readings, the meter's fingerprint and signature at
	/// the hour's start and at its end.
	Ready {
		/// The hour's imports, Wh.
		readings: Vec<u64>,
		/// The meter's fingerprint at the hour's start: the proof's previous one.
		previous: Scalar,
		/// The meter's attestation at the hour's start.
		start: Attestation,
		/// The meter's attestation at the hour's end.
		end: Attestation,
	},
	/// Something has not arrived yet (a reading, or the meter's attestation:
	/// a meter offline publishes late).
	Waiting,
	/// It can never be proven.
	Unprovable(HourAlarm),
}

/// Gathers `hour`'s inputs and checks them against the meter's signed
/// fingerprints: the readings, blinded with the pairing secret and chained
/// from the fingerprint at the hour's start, must give the one at its end.
pub fn hour_inputs(
	store: &Store,
	pairing: &PairingSecret,
	schedule: &Schedule,
	hour: u32,
	readings_per_hour: usize,
) -> Result<HourInputs, StoreError> {
	let window = schedule.window(hour);
	let Some(end) = store.attestation(window.end)? else { return Ok(HourInputs::Waiting) };
	let Some(start) = store.attestation(window.start)? else {
		// The meter publishes in order: an end without a start means the
		// start will never come.
		return Ok(HourInputs::Unprovable(HourAlarm::NoStartAttestation));
	};
	let Some(readings) = hour_readings(store, schedule, hour, readings_per_hour)? else {
		// Readings are stored in order: one after the hour means the
		// missing ones cannot come any more.
		let after = window.end..window.end.saturating_add(schedule.hour_length_ms);
		if !store.readings(after)?.is_empty() {
			return Ok(HourInputs::Unprovable(HourAlarm::MissingReadings));
		}
		return Ok(HourInputs::Waiting);
	};
	let (Some(previous), Some(signed)) = (start.fingerprint(), end.fingerprint()) else {
		return Ok(HourInputs::Unprovable(HourAlarm::ReadingsMismatch));
	};
	if pairing.fingerprint(previous, window.end, &readings) != signed {
		return Ok(HourInputs::Unprovable(HourAlarm::ReadingsMismatch));
	}
	Ok(HourInputs::Ready { readings, previous, start, end })
}

/// The imports of `hour`, when all `readings_per_hour` are stored.
pub fn hour_readings(
	store: &Store,
	schedule: &Schedule,
	hour: u32,
	readings_per_hour: usize,
) -> Result<Option<Vec<u64>>, StoreError> {
	let readings = store.readings(schedule.window(hour))?;
	Ok((readings.len() == readings_per_hour)
		.then(|| readings.iter().map(|reading| reading.import_wh).collect()))
}

/// A proven hour, ready for the outbox.
pub struct ProvenHour {
	/// Deviation, Wh.
	pub deviation: u64,
	/// Fingerprint after the hour.
	pub fingerprint: Scalar,
	/// The proof in the chain's encoding.
	pub proof: Vec<u8>,
}

/// Proves `hour` of `program_id` from `previous` over `readings`, blinded
/// with `blinding`.
pub fn prove_hour(
	key: &DeviationProvingKey,
	secret: &ProgramSecret,
	program_id: u64,
	hour: u32,
	previous: Scalar,
	readings: Vec<u64>,
	blinding: Scalar,
) -> Result<ProvenHour, ProveError> {
	let witness = Witness { request: secret.request, salt: secret.salt, readings, blinding };
	let mut rng = rand::rngs::OsRng;
	let (public, proof) = keys::prove(key, program_id, hour, previous, &witness, &mut rng)
		.map_err(|error| ProveError::Prover(error.to_string()))?;
	Ok(ProvenHour {
		deviation: public.deviation,
		fingerprint: public.fingerprint,
		proof: encode_proof(&proof).to_vec(),
	})
}

/// Fault injection for end-to-end tests of the paper's cheating prosumer:
/// with this variable set to an hour, the daemon submits a tampered proof for
/// that hour of every program. Never set it on a real box: the chain forfeits
/// the escrow to the aggregator and excludes the prosumer.
pub const TAMPER_PROOF_HOUR_VARIABLE: &str = "GRIDVEIL_EDGE_TAMPER_PROOF_HOUR";

/// The hour [`TAMPER_PROOF_HOUR_VARIABLE`] names, if it is set.
pub fn tamper_proof_hour() -> Option<u32> {
	std::env::var(TAMPER_PROOF_HOUR_VARIABLE).ok()?.trim().parse().ok()
}

/// `proof` with its `a` point negated: still canonical, on the curve and in
/// the subgroup (so the chain decodes it and must judge it), but not valid.
pub fn tampered(proof: &[u8]) -> Result<Vec<u8>, ProveError> {
	let mut decoded =
		decode_proof(proof).map_err(|error| ProveError::Prover(format!("{error:?}")))?;
	decoded.a = -decoded.a;
	Ok(encode_proof(&decoded).to_vec())
}

/// Hex of a scalar's chain encoding.
pub fn scalar_hex(scalar: &Scalar) -> String {
	hex::encode(scalar_to_bytes(scalar))
}

/// The proving stage: proves every complete hour of the box's programs and
/// queues its deviation in the outbox.
pub struct Prover {
	/// The store.
	pub store: Arc<Store>,
	/// Metrics.
	pub metrics: Arc<Metrics>,
	/// The deviation circuit's proving key.
	pub key: Arc<DeviationProvingKey>,
	/// The programs' private requests, by id, in the configuration's order.
	pub programs: Vec<(u64, ProgramSecret)>,
	/// Length of one meter reading interval, ms.
	pub interval_ms: u64,
	/// The secret shared with the meter: blinds each hour's fingerprint.
	pub pairing: PairingSecret,
}

impl Prover {
	/// Proves what is due in every program; returns whether any entry was
	/// queued. `best` is the node's best block (`None` while it is away);
	/// `encoder` the latest metadata seen, without which nothing is proven
	/// (the box has not reached a node since it started).
	pub async fn pass(
		&self,
		best: Option<&BestBlock>,
		encoder: Option<&CallEncoder>,
	) -> Result<bool> {
		let mut queued = false;
		for (program_id, secret) in &self.programs {
			queued |= self.prove_due_hours(best, encoder, *program_id, secret).await?;
		}
		Ok(queued)
	}

	/// Proves every hour of `program_id` that is complete; returns whether
	/// any entry was queued. Works from the cached schedule while the node is
	/// away.
	async fn prove_due_hours(
		&self,
		best: Option<&BestBlock>,
		encoder: Option<&CallEncoder>,
		program_id: u64,
		secret: &ProgramSecret,
	) -> Result<bool> {
		let store = &self.store;
		let best_time = best.and_then(|best| best.time);
		if let Some(best) = best {
			match Chain::program(&best.block, program_id).await {
				Ok(Some(state)) => {
					if state.program.status != ProgramStatus::Active {
						return Ok(false);
					}
					let schedule = Schedule {
						start_ms: state.program.start,
						hours: state.program.hours,
						hour_length_ms: state.hour_length,
						due_ms: state.due,
					};
					if store.state::<Schedule>(&schedule_key(program_id))? != Some(schedule) {
						store.write(|writer| {
							writer.put_state(&schedule_key(program_id), &schedule)
						})?;
					}
				},
				Ok(None) => return Ok(false),
				Err(error) => {
					tracing::warn!(program = program_id, %error, "program state unavailable")
				},
			}
		}
		let Some(schedule) = store.state::<Schedule>(&schedule_key(program_id))? else {
			return Ok(false);
		};
		let readings_per_hour = self.key.readings_per_hour;
		if schedule.hour_length_ms != self.interval_ms * readings_per_hour as u64 {
			tracing::error!(
				program = program_id,
				"the program's hour is not {readings_per_hour} meter intervals"
			);
			return Ok(false);
		}
		let mut queued = false;
		loop {
			let progress: Progress = store.state(&progress_key(program_id))?.unwrap_or_default();
			let hour = progress.next_hour;
			if hour >= schedule.hours {
				return Ok(queued);
			}
			let window = schedule.window(hour);
			let now = now_ms();
			if now > schedule.due_ms {
				tracing::warn!(
					program = program_id,
					hour,
					"the program is due; hours left unproven"
				);
				return Ok(queued);
			}
			// The chain takes an hour only after it ended by the block clock.
			if now < window.end || best_time.is_some_and(|time| time < window.end) {
				return Ok(queued);
			}
			let (readings, previous, start, end) =
				match hour_inputs(store, &self.pairing, &schedule, hour, readings_per_hour)? {
					HourInputs::Ready { readings, previous, start, end } => {
						(readings, previous, start, end)
					},
					HourInputs::Waiting => return Ok(queued),
					HourInputs::Unprovable(alarm) => {
						tracing::error!(
							program = program_id,
							hour,
							alarm = alarm.label(),
							"ALARM: the hour cannot be proven against the meter's signed \
							 fingerprints (see alarm); it is not proven and stays missing"
						);
						self.metrics.hour_unattested(alarm.label());
						let next = Progress { next_hour: hour + 1, ..progress };
						store.write(|writer| {
							writer.put_state(&alarm_key(program_id, hour), &alarm)?;
							writer.put_state(&progress_key(program_id), &next)
						})?;
						continue;
					},
				};
			// The call is encoded with the chain's metadata: wait for a node.
			let Some(encoder) = encoder else { return Ok(queued) };
			let started = Instant::now();
			let (key, secret) = (self.key.clone(), secret.clone());
			let blinding = self.pairing.blinding(window.end);
			let proven = tokio::task::spawn_blocking(move || {
				prove_hour(&key, &secret, program_id, hour, previous, readings, blinding)
			})
			.await??;
			self.metrics.proved(started.elapsed().as_secs_f64());
			let proof = if tamper_proof_hour() == Some(hour) {
				tracing::warn!(
					program = program_id,
					hour,
					"fault injection: the proof is tampered"
				);
				tampered(&proven.proof)?
			} else {
				proven.proof
			};
			tracing::info!(
				program = program_id,
				hour,
				seconds = started.elapsed().as_secs_f64(),
				"hour proven"
			);
			let attestation = HourAttestation {
				signature: end.signature,
				previous: Some((start.fingerprint, start.signature)),
			};
			let call = submit::submit_deviation(
				encoder,
				program_id,
				hour,
				proven.deviation,
				scalar_to_bytes(&proven.fingerprint),
				&proof,
				&attestation,
			)
			.context("encoding submit_deviation with the chain's metadata")?;
			let entry =
				Entry::new(call, Sender::Device.label(), now_ms()).after_chain_time(window.end);
			let next =
				Progress { next_hour: hour + 1, fingerprint: scalar_hex(&proven.fingerprint) };
			store.write(|writer| {
				let id = outbox::enqueue(writer, &entry)?;
				writer.put_state(&entry_key(program_id, hour), &id)?;
				writer.put_state(&progress_key(program_id), &next)
			})?;
			queued = true;
		}
	}
}

#[cfg(test)]
mod tests {
	use gridveil_p256::MeterSigningKey;

	use super::*;
	use crate::{meter::SigningMeter, reading::Reading};

	fn reading(start_ms: u64) -> Reading {
		Reading { start_ms, import_wh: start_ms / 1_000 + 1, export_wh: 0 }
	}

	#[test]
	fn an_hour_the_box_missed_part_of_is_unprovable_and_the_next_one_is_proven() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("edge.redb")).unwrap();
		let pairing = PairingSecret::from_hex(&"0b".repeat(32)).unwrap();
		let key = MeterSigningKey::from_slice(&[0x21; 32]).unwrap();
		// One-second intervals: hour 0 is 0..4,000 ms, hour 1 4,000..8,000.
		let mut meter =
			SigningMeter::open(9, key, pairing.clone(), 1_000, dir.path().join("meter.json"), 0)
				.unwrap();
		store.put_attestation(&meter.last()).unwrap();
		for attestation in meter.close_hours(8_000, |start| reading(start).import_wh).unwrap() {
			store.put_attestation(&attestation).unwrap();
		}
		let schedule = Schedule { start_ms: 0, hours: 2, hour_length_ms: 4_000, due_ms: 60_000 };
		let inputs = |hour| hour_inputs(&store, &pairing, &schedule, hour, 4).unwrap();

		// The box started after the program: hour 0's first reading is
		// missing. While the hour's last one is the newest, it waits.
		for start in [1_000, 2_000, 3_000] {
			store.append_reading(reading(start)).unwrap();
		}
		assert!(matches!(inputs(0), HourInputs::Waiting));
		// A reading after the hour: the missing one will never come.
		store.append_reading(reading(4_000)).unwrap();
		assert!(matches!(inputs(0), HourInputs::Unprovable(HourAlarm::MissingReadings)));
		assert!(matches!(inputs(1), HourInputs::Waiting));
		for start in [5_000, 6_000, 7_000] {
			store.append_reading(reading(start)).unwrap();
		}
		assert!(matches!(inputs(1), HourInputs::Ready { .. }));
	}
}
