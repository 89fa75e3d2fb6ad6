//! The daemon's wiring: loads the keys, the programs and the store, then
//! runs ingest, the scheduler (prove and split), the outbox's delivery and
//! the dashboard, each a task, until one stops. State that must survive a
//! crash goes through the store only.
use std::{path::Path, sync::Arc};

use anyhow::{bail, Context as _, Result};
use gridveil_circuits::{DeviationProvingKey, READINGS_PER_HOUR};
use gridveil_offchain::{
	chain::{delivery, CallEncoder, Chain, SharedChain},
	outbox::Keyring,
	pseudonyms, secret_file,
};
use tokio::sync::{Notify, RwLock};

use crate::{
	config::{Config, MeterSource},
	dashboard::{self, Dashboard},
	ingest,
	meter::{MeterIdentity, PairingSecret},
	metrics::Metrics,
	prove::{self, ProgramSecret, Prover},
	relay::Relay,
	schedule,
	split::Splitter,
	store::Store,
	submit::Keys,
	upgrade,
};

/// Everything the tasks share, loaded before any of them starts.
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
	/// Wakes the scheduler (a new reading).
	pub wake: Arc<Notify>,
	/// The proving key, when programs are configured.
	pub proving_key: Option<Arc<DeviationProvingKey>>,
	/// The programs' private requests, by id, in the configuration's order.
	pub programs: Vec<(u64, ProgramSecret)>,
	/// The secret shared with the meter.
	pub pairing: PairingSecret,
	/// The meter's id and key: attestations are checked with them.
	pub meter: MeterIdentity,
}

/// Reads a key file (a secret URI), trimmed; refuses one that its group or
/// others may read.
pub fn read_secret(path: &Path) -> Result<String> {
	Ok(secret_file::read(path)?)
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
	let ledgers = (0..count)
		.map(|index| pseudonyms::ledger_key(&pseudonym_secret, index))
		.collect::<Result<Vec<_>, _>>()?;
	let proving_key = match &config.demand_response.proving_key {
		Some(path) if !config.demand_response.programs.is_empty() => {
			Some(Arc::new(prove::load_proving_key(path)?))
		},
		_ => None,
	};
	let mut programs = Vec::new();
	for program in &config.demand_response.programs {
		programs.push((program.id, ProgramSecret::load(&program.request_file)?));
	}
	let pairing = PairingSecret::load(&config.meter.pairing_secret_file)?;
	let meter = config.meter.identity().context("meter.public_key is not a P-256 key")?;
	let store = Arc::new(Store::open(&config.store.path)?);
	Ok(Context {
		config,
		store,
		metrics: Arc::new(Metrics::new()),
		keys: Arc::new(Keys { device, ledgers }),
		chain: Arc::new(RwLock::new(None)),
		wake: Arc::new(Notify::new()),
		proving_key,
		programs,
		pairing,
		meter,
	})
}

/// Rewrites outbox entries that an earlier version of the box left pending
/// (see [`upgrade`]); their calls are encoded with the chain's metadata, so
/// this waits for the node. Ingest already runs meanwhile.
async fn upgrade_earlier_outbox(store: &Store, url: &str) -> Result<()> {
	let pending = upgrade::entries_to_upgrade(store.base())?;
	if pending == 0 {
		return Ok(());
	}
	tracing::info!(entries = pending, "rewriting outbox entries of the earlier layout");
	loop {
		let block = match Chain::connect(url).await {
			Ok(chain) => chain.best().await,
			Err(error) => Err(error),
		};
		match block {
			Ok(block) => {
				let rewritten = upgrade::upgrade_outbox(store.base(), &CallEncoder::new(&block))?;
				tracing::info!(entries = rewritten, "outbox entries rewritten");
				return Ok(());
			},
			Err(error) => {
				tracing::warn!(%error, "waiting for the node to rewrite the outbox");
				tokio::time::sleep(std::time::Duration::from_secs(2)).await;
			},
		}
	}
}

/// Runs every task until one fails.
pub async fn run(context: Context) -> Result<()> {
	let Context {
		config,
		store,
		metrics,
		keys,
		chain,
		wake,
		proving_key,
		programs,
		pairing,
		meter: identity,
	} = context;
	let listener = tokio::net::TcpListener::bind(config.dashboard.listen)
		.await
		.with_context(|| format!("binding the dashboard to {}", config.dashboard.listen))?;
	tracing::info!(address = %config.dashboard.listen, "dashboard listening");
	let outbox_wake = Arc::new(Notify::new());
	let interval_ms = config.meter.interval_ms;
	let ingest = {
		let (store, metrics, wake, meter) =
			(store.clone(), metrics.clone(), wake.clone(), config.meter.clone());
		tokio::spawn(async move {
			match meter.source {
				MeterSource::Mqtt => {
					ingest::run_mqtt(store, metrics, meter.mqtt, identity, interval_ms, wake)
						.await
						.map_err(anyhow::Error::from)
				},
				MeterSource::Replay => ingest::run_replay(store, metrics, meter, wake)
					.await
					.map_err(anyhow::Error::from),
			}
		})
	};
	upgrade_earlier_outbox(&store, &config.node.url).await?;
	let relabelled = upgrade::relabel_day_pseudonyms(store.base())?;
	if relabelled > 0 {
		tracing::info!(entries = relabelled, "shares moved to their day's pseudonym");
	}
	let outbox = tokio::spawn(delivery::run(
		store.base().clone(),
		config.node.url.clone(),
		keys.clone() as Arc<dyn Keyring>,
		metrics.chain().clone(),
		outbox_wake.clone(),
		chain.clone(),
	));
	let prover = proving_key.as_ref().map(|key| Prover {
		store: store.clone(),
		metrics: metrics.clone(),
		key: key.clone(),
		programs: programs.clone(),
		interval_ms,
		pairing: pairing.clone(),
	});
	let splitter = config.trading.enabled.then(|| {
		Splitter::new(
			store.clone(),
			metrics.clone(),
			keys.ledgers.iter().map(|key| key.public_key().0).collect(),
			interval_ms,
			config.trading.clone(),
		)
	});
	let scheduler = tokio::spawn(schedule::run(prover, splitter, chain.clone(), wake, outbox_wake));
	let (relay_store, relay_metrics, relay_keys, relay_chain) =
		(store.clone(), metrics.clone(), keys.clone(), chain.clone());
	let page = Dashboard {
		store,
		metrics,
		keys,
		chain,
		programs,
		readings_per_hour: proving_key.map_or(READINGS_PER_HOUR, |key| key.readings_per_hour),
		interval_ms,
	};
	let server = tokio::spawn(dashboard::serve(listener, Arc::new(page)));
	let relay = match (&config.trading.coordinator_url, config.trading.enabled) {
		(Some(url), true) => {
			let relay = Relay::new(url, config.meter.id, interval_ms)?;
			let (store, metrics) = (relay_store, relay_metrics);
			let relay_shares = config.trading.relay_shares;
			tokio::spawn(async move {
				loop {
					if let Err(error) = relay.pass(&store, &metrics).await {
						tracing::warn!(error = %format!("{error:#}"), "relaying readings failed");
					}
					if relay_shares {
						if let Err(error) =
							relay.pass_shares(&store, &metrics, &relay_keys, &relay_chain).await
						{
							tracing::warn!(error = %format!("{error:#}"), "handing over shares failed");
						}
					}
					tokio::time::sleep(std::time::Duration::from_secs(2)).await;
				}
			})
		},
		_ => tokio::spawn(std::future::pending::<()>()),
	};
	tokio::select! {
		result = relay => bail!("the relay stopped: {:?}", result),
		result = ingest => bail!("ingest stopped: {:?}", result),
		result = outbox => bail!("the outbox stopped: {:?}", result),
		result = scheduler => bail!("the scheduler stopped: {:?}", result),
		result = server => bail!("the dashboard stopped: {:?}", result),
	}
}
