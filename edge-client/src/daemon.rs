//! The daemon: ingest, the scheduler (prove and split), the outbox and the
//! dashboard, each a task; state that must survive a crash goes through the
//! store only.
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, Instant},
};

use anyhow::{bail, Context as _, Result};
use gridveil_circuits::DeviationProvingKey;
use rand::rngs::OsRng;
use tokio::sync::{Notify, RwLock};

use crate::{
	chain::{AtBlock, Chain, DayPhase, ProgramStatus},
	config::{Config, MeterSource},
	dashboard, ingest,
	metrics::Metrics,
	now_ms,
	outbox::{self, Call, Entry, Keys, Sender},
	prove::{self, ProgramSecret, Progress, Schedule},
	split::{self, SlotShares},
	store::Store,
};

/// Slots in a trading day.
pub const SLOTS_PER_DAY: u64 = 96;
/// The largest share the chain accepts (`EnergyMarket::MaxShareWh`).
pub const MAX_SHARE_WH: i64 = 1_000_000;
/// The store key of the next reading (interval start) to split.
pub const SPLIT_CURSOR: &str = "split/next";

/// The connection the outbox keeps, shared with the scheduler and dashboard.
pub type SharedChain = Arc<RwLock<Option<Arc<Chain>>>>;

/// Everything the tasks share.
pub struct Context {
	/// The configuration.
	pub config: Config,
	/// The store.
	pub store: Arc<Store>,
	/// Metrics.
	pub metrics: Arc<Metrics>,
	/// Keys.
	pub keys: Arc<Keys>,
	/// The node connection, when there is one.
	pub chain: SharedChain,
	/// Wakes the scheduler and the outbox.
	pub wake: Arc<Notify>,
	/// The proving key, when programs are configured.
	pub proving_key: Option<Arc<DeviationProvingKey>>,
	/// The programs' private requests, by id.
	pub secrets: HashMap<u64, ProgramSecret>,
}

/// Reads a key file (a secret URI), trimmed.
pub fn read_secret(path: &std::path::Path) -> Result<String> {
	let text = std::fs::read_to_string(path)
		.with_context(|| format!("reading the key file {}", path.display()))?;
	Ok(text.trim().to_string())
}

/// Loads keys, programs and the store.
pub fn context(config: Config) -> Result<Context> {
	let device_secret = read_secret(&config.keys.device_key_file)?;
	let device = subxt_signer::sr25519::Keypair::from_uri(
		&device_secret.parse().context("the device key file holds no secret URI")?,
	)
	.context("the device key file holds no valid key")?;
	let pseudonym_secret = read_secret(&config.keys.pseudonym_secret_file)?;
	let count = if config.trading.enabled { config.trading.pseudonyms } else { 0 };
	let pseudonyms = (0..count)
		.map(|index| split::pseudonym(&pseudonym_secret, index))
		.collect::<Result<Vec<_>, _>>()?;
	let proving_key = match &config.demand_response.proving_key {
		Some(path) if !config.demand_response.programs.is_empty() => {
			Some(Arc::new(prove::load_proving_key(path)?))
		},
		_ => None,
	};
	let mut secrets = HashMap::new();
	for program in &config.demand_response.programs {
		secrets.insert(program.id, ProgramSecret::load(&program.request_file)?);
	}
	let store = Arc::new(Store::open(&config.store.path)?);
	Ok(Context {
		config,
		store,
		metrics: Arc::new(Metrics::new()),
		keys: Arc::new(Keys { device, pseudonyms }),
		chain: Arc::new(RwLock::new(None)),
		wake: Arc::new(Notify::new()),
		proving_key,
		secrets,
	})
}

/// Runs every task until one fails.
pub async fn run(context: Context) -> Result<()> {
	let context = Arc::new(context);
	let listener = tokio::net::TcpListener::bind(context.config.dashboard.listen)
		.await
		.with_context(|| format!("binding the dashboard to {}", context.config.dashboard.listen))?;
	tracing::info!(address = %context.config.dashboard.listen, "dashboard listening");
	let outbox_wake = Arc::new(Notify::new());
	let ingest = {
		let context = context.clone();
		tokio::spawn(async move {
			let meter = context.config.meter.clone();
			match meter.source {
				MeterSource::Mqtt => ingest::run_mqtt(
					context.store.clone(),
					context.metrics.clone(),
					meter.mqtt,
					meter.interval_ms,
					context.wake.clone(),
				)
				.await
				.map_err(anyhow::Error::from),
				MeterSource::Replay => ingest::run_replay(
					context.store.clone(),
					context.metrics.clone(),
					meter,
					context.wake.clone(),
				)
				.await
				.map_err(anyhow::Error::from),
			}
		})
	};
	let outbox = tokio::spawn(outbox::run(
		context.store.clone(),
		context.config.node.url.clone(),
		context.keys.clone(),
		context.metrics.clone(),
		outbox_wake.clone(),
		context.chain.clone(),
	));
	let scheduler = {
		let context = context.clone();
		tokio::spawn(async move { schedule(context, outbox_wake).await })
	};
	let server = tokio::spawn(dashboard::serve(listener, context.clone()));
	tokio::select! {
		result = ingest => bail!("ingest stopped: {:?}", result),
		result = outbox => bail!("the outbox stopped: {:?}", result),
		result = scheduler => bail!("the scheduler stopped: {:?}", result),
		result = server => bail!("the dashboard stopped: {:?}", result),
	}
}

/// The scheduler: after each new reading (or every second), proves what is
/// due and splits what is new.
async fn schedule(context: Arc<Context>, outbox_wake: Arc<Notify>) -> Result<()> {
	let mut days: HashMap<u64, DayPhase> = HashMap::new();
	let mut slot_length_ms: Option<u64> = None;
	loop {
		let chain = context.chain.read().await.clone();
		let best = best_block(chain.as_deref()).await;
		let mut queued = false;
		for program in &context.config.demand_response.programs {
			queued |= prove_due_hours(&context, best.as_ref(), program.id).await?;
		}
		if context.config.trading.enabled {
			queued |=
				split_new_slots(&context, best.as_ref(), &mut days, &mut slot_length_ms).await?;
		}
		if queued {
			outbox_wake.notify_one();
		}
		tokio::select! {
			_ = context.wake.notified() => {},
			_ = tokio::time::sleep(Duration::from_secs(1)) => {},
		}
	}
}

/// The best block and its clock, read once per scheduler pass.
struct BestBlock {
	block: AtBlock,
	time: Option<u64>,
}

/// The node's best block, or `None` while the node is away.
async fn best_block(chain: Option<&Chain>) -> Option<BestBlock> {
	let block = match chain?.best().await {
		Ok(block) => block,
		Err(error) => {
			tracing::warn!(%error, "the best block is unavailable");
			return None;
		},
	};
	let time = Chain::time_at(&block).await.ok();
	Some(BestBlock { block, time })
}

/// Proves every hour of `program_id` that is complete; returns whether any
/// entry was queued. Works from the cached schedule while the node is away.
async fn prove_due_hours(
	context: &Context,
	best: Option<&BestBlock>,
	program_id: u64,
) -> Result<bool> {
	let (Some(key), Some(secret)) = (&context.proving_key, context.secrets.get(&program_id)) else {
		return Ok(false);
	};
	let store = &context.store;
	let best_time = best.and_then(|best| best.time);
	if let Some(best) = best {
		{
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
					if store.state::<Schedule>(&prove::schedule_key(program_id))? != Some(schedule)
					{
						store.write(|writer| {
							writer.put_state(&prove::schedule_key(program_id), &schedule)
						})?;
					}
				},
				Ok(None) => return Ok(false),
				Err(error) => {
					tracing::warn!(program = program_id, %error, "program state unavailable")
				},
			}
		}
	}
	let Some(schedule) = store.state::<Schedule>(&prove::schedule_key(program_id))? else {
		return Ok(false);
	};
	let readings_per_hour = key.readings_per_hour;
	if schedule.hour_length_ms != context.config.meter.interval_ms * readings_per_hour as u64 {
		tracing::error!(
			program = program_id,
			"the program's hour is not {readings_per_hour} meter intervals"
		);
		return Ok(false);
	}
	let mut queued = false;
	loop {
		let progress: Progress = store.state(&prove::progress_key(program_id))?.unwrap_or_default();
		let hour = progress.next_hour;
		if hour >= schedule.hours {
			return Ok(queued);
		}
		let window = schedule.window(hour);
		let now = now_ms();
		if now > schedule.due_ms {
			tracing::warn!(program = program_id, hour, "the program is due; hours left unproven");
			return Ok(queued);
		}
		// The chain takes an hour only after it ended by the block clock.
		if now < window.end || best_time.is_some_and(|time| time < window.end) {
			return Ok(queued);
		}
		let Some(readings) = prove::hour_readings(store, &schedule, hour, readings_per_hour)?
		else {
			return Ok(queued);
		};
		let started = Instant::now();
		let (key, secret) = (key.clone(), secret.clone());
		let previous = progress.fingerprint();
		let proven = tokio::task::spawn_blocking(move || {
			prove::prove_hour(&key, &secret, program_id, hour, previous, readings)
		})
		.await??;
		context.metrics.proved(started.elapsed().as_secs_f64());
		let proof = if prove::tamper_proof_hour() == Some(hour) {
			tracing::warn!(program = program_id, hour, "fault injection: the proof is tampered");
			prove::tampered(&proven.proof)?
		} else {
			proven.proof
		};
		tracing::info!(
			program = program_id,
			hour,
			seconds = started.elapsed().as_secs_f64(),
			"hour proven"
		);
		let entry = Entry::new(
			Call::SubmitDeviation {
				program_id,
				hour,
				deviation: proven.deviation,
				fingerprint: prove::scalar_hex(&proven.fingerprint),
				proof: hex::encode(&proof),
			},
			Sender::Device,
			now_ms(),
		)
		.after_chain_time(window.end);
		let next =
			Progress { next_hour: hour + 1, fingerprint: prove::scalar_hex(&proven.fingerprint) };
		store.write(|writer| {
			let id = writer.enqueue(&entry)?;
			writer.put_state(&prove::entry_key(program_id, hour), &id)?;
			writer.put_state(&prove::progress_key(program_id), &next)
		})?;
		queued = true;
	}
}

/// Splits every stored reading after the cursor whose slot's day is trading.
async fn split_new_slots(
	context: &Context,
	best: Option<&BestBlock>,
	days: &mut HashMap<u64, DayPhase>,
	slot_length_ms: &mut Option<u64>,
) -> Result<bool> {
	let store = &context.store;
	let interval_ms = context.config.meter.interval_ms;
	let cursor: u64 = match store.state(SPLIT_CURSOR)? {
		Some(cursor) => cursor,
		None => match store.first_reading()? {
			Some(first) => first.start_ms,
			None => return Ok(false),
		},
	};
	let mut queued = false;
	// The pool checks a report against the best block's clock: a slot the
	// chain has not reached yet would be refused, so wait for it.
	let best_time = best.and_then(|best| best.time);
	for reading in store.readings(cursor..u64::MAX)? {
		if best_time.is_some_and(|time| time < reading.start_ms) {
			return Ok(queued);
		}
		let slot = reading.start_ms / interval_ms;
		let day = slot / SLOTS_PER_DAY;
		let phase = match days.get(&day) {
			Some(phase) if !matches!(phase, DayPhase::Bidding) => Some(*phase),
			_ => match best {
				Some(best) => match Chain::day_prices(&best.block, day as u32).await {
					Ok(Some(prices)) => {
						*slot_length_ms = Some(prices.slot_length_ms);
						days.insert(day, prices.phase);
						Some(prices.phase)
					},
					Ok(None) => None,
					Err(error) => {
						tracing::warn!(%error, day, "the day's phase is unavailable");
						return Ok(queued);
					},
				},
				// Unknown day and no node: wait for it.
				None => return Ok(queued),
			},
		};
		let next_cursor = reading.start_ms + interval_ms;
		if slot_length_ms.is_some_and(|length| length != interval_ms) {
			tracing::error!("the market's slot is not one meter interval; not trading");
			context.metrics.slot_skipped("slot_length");
			store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
			continue;
		}
		match phase {
			Some(DayPhase::Trading) => {},
			Some(DayPhase::Bidding) => return Ok(queued),
			_ => {
				context.metrics.slot_skipped("no_trading_day");
				store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
				continue;
			},
		}
		let count = context.keys.pseudonyms.len();
		let trading = &context.config.trading;
		let shares = if trading.random_shares {
			split::split(reading.net_wh(), count, trading.share_spread_wh, MAX_SHARE_WH, &mut OsRng)
		} else if reading.net_wh().unsigned_abs() <= MAX_SHARE_WH.unsigned_abs() * count as u64 {
			Ok(split::equal_split(reading.net_wh(), count))
		} else {
			Err(split::SplitError::TooLarge)
		};
		let shares = match shares {
			Ok(shares) => shares,
			Err(error) => {
				tracing::warn!(%error, slot, "slot not split");
				context.metrics.slot_skipped("too_large");
				store.write(|writer| writer.put_state(SPLIT_CURSOR, &next_cursor))?;
				continue;
			},
		};
		let from = now_ms().max(reading.start_ms + interval_ms);
		let Ok(slot_number) = u32::try_from(slot) else { continue };
		store.write(|writer| {
			let mut entries = Vec::with_capacity(count);
			for (index, share) in shares.iter().enumerate() {
				let not_before =
					split::send_time(from, context.config.trading.jitter_window_ms, &mut OsRng);
				entries.push(
					writer.enqueue(
						&Entry::new(
							Call::ReportShare { slot: slot_number, energy_wh: *share },
							Sender::Pseudonym(index as u32),
							not_before,
						)
						.after_chain_time(reading.start_ms),
					)?,
				);
			}
			writer.put_shares(
				slot,
				&SlotShares { net_wh: reading.net_wh(), shares_wh: shares.clone(), entries },
			)?;
			writer.put_state(SPLIT_CURSOR, &next_cursor)
		})?;
		context.metrics.split();
		queued = true;
	}
	Ok(queued)
}
