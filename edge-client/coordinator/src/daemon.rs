//! The coordinator's wiring: loads its key, members and store, then runs the
//! outbox's delivery, the status service and the stages (registration and
//! checking) until one stops. State that must survive a crash goes through
//! the store only.
use std::{sync::Arc, time::Duration};

use anyhow::{bail, ensure, Context as _, Result};
use gridveil_offchain::{
	chain::{delivery, AtBlock, Chain, SharedChain, SLOTS_PER_DAY},
	outbox::{self, Keyring},
	secret_file,
	store::Store,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::{Notify, RwLock};

use crate::{
	check::{self, CHECK_CURSOR},
	config::Config,
	members::{self, Member},
	metrics::Metrics,
	readings::READINGS,
	register::{self, COORDINATOR},
	relay::{self, Directory, RELAYED_SHARES},
	status::{self, Status},
};

/// How long before a day's end its registration is still queued: five
/// 6-second blocks for it to land.
const REGISTRATION_MARGIN_MS: u64 = 30_000;

/// The coordinator's one key.
struct CoordinatorKey(Keypair);

impl Keyring for CoordinatorKey {
	fn key(&self, signer: &str) -> Option<Keypair> {
		(signer == COORDINATOR).then(|| self.0.clone())
	}
}

/// Reads the coordinator's key file (refused if others may read it).
pub fn load_key(path: &std::path::Path) -> Result<Keypair> {
	let secret = secret_file::read(path)?;
	Keypair::from_uri(&secret.parse().context("the key file holds no secret URI")?)
		.context("the key file holds no valid sr25519 key")
}

/// Opens the coordinator's store.
pub fn open_store(path: &std::path::Path) -> Result<Store> {
	let mut tables = outbox::TABLES.to_vec();
	tables.push(READINGS);
	tables.push(RELAYED_SHARES);
	Ok(Store::open(path, &tables)?)
}

/// One pass of the stages at `block`: registers the coming days and checks
/// the slots that are complete or at their deadline. Returns whether it
/// queued anything.
async fn pass(
	store: &Store,
	block: &AtBlock,
	config: &Config,
	members: &[Member],
	account: &subxt::utils::AccountId32,
	metrics: &Metrics,
) -> Result<bool> {
	let group = Chain::group(block, config.group.id)
		.await?
		.with_context(|| format!("group {} is not on chain", config.group.id))?;
	ensure!(
		group.coordinator == *account,
		"the key is not group {}'s coordinator ({})",
		config.group.id,
		group.coordinator
	);
	members::ensure_ledgers(members, group.ledgers.len())?;
	let now = Chain::time_at(block).await?;
	let clock = Chain::market_clock(block).await?;
	let today = u32::try_from(now / clock.day_length_ms().max(1))?;
	// Today only while a registration still lands within it (the chain
	// refuses one for a past day).
	let today_ends = u64::from(today + 1).saturating_mul(clock.day_length_ms());
	let first =
		if now.saturating_add(REGISTRATION_MARGIN_MS) < today_ends { today } else { today + 1 };
	let mut queued = false;
	let relayed = relay::relay_due(store, block, members.len(), &group.ledgers, &clock, now)?;
	if relayed.batches > 0 {
		tracing::info!(batches = relayed.batches, shares = relayed.shares, "shares relayed");
		metrics.relayed(&relayed);
		queued = true;
	}
	for day in first..=today.saturating_add(config.group.days_ahead) {
		if let Some(done) =
			register::register_day(store, block, members, &group.ledgers, day).await?
		{
			tracing::info!(day, calls = done.calls, pseudonyms = done.pseudonyms, "day registered");
			metrics.day_registered(done.pseudonyms);
			queued |= done.calls > 0;
		}
	}
	if config.group.check_reports {
		let current = u32::try_from(now / clock.slot_length_ms.max(1))?;
		// A new coordinator checks from the slot it starts in: the cursor is
		// kept from its first pass on, so the slots it waits for stay due.
		let mut next: u32 = match store.state(CHECK_CURSOR)? {
			Some(next) => next,
			None => {
				store.write(|writer| writer.put_state(CHECK_CURSOR, &current))?;
				current
			},
		};
		while check::started(next, &clock, now) {
			let final_check = now >= check::deadline_ms(next, &clock);
			let Some(found) =
				check::check_slot(store, block, members, &group.ledgers, next, final_check).await?
			else {
				// Shares or readings still missing: the next pass looks again.
				break;
			};
			tracing::info!(
				slot = next,
				matched = found.matched,
				mismatched = found.mismatched,
				unread = found.unread,
				"slot checked"
			);
			metrics.slot_checked(&found);
			queued |= found.flagged > 0 || found.matched > 0;
			next = next.saturating_add(1);
			// A coordinator back after a long outage checks what the chain
			// still lets it flag: its days' reports, not older ones.
			if u64::from(next) + SLOTS_PER_DAY < u64::from(current) {
				next = current.saturating_sub(SLOTS_PER_DAY as u32);
			}
		}
	}
	Ok(queued)
}

/// Runs the coordinator until a task fails.
pub async fn run(config: Config) -> Result<()> {
	let key = load_key(&config.group.key_file)?;
	let account = key.public_key().to_account_id();
	let members = Arc::new(members::load(&config.group.members_file)?);
	let store = Arc::new(open_store(&config.store.path)?);
	let metrics = Arc::new(Metrics::new());
	metrics.set_members(members.len());
	let chain: SharedChain = Arc::new(RwLock::new(None));
	let wake = Arc::new(Notify::new());
	let outbox_wake = Arc::new(Notify::new());
	let listener = tokio::net::TcpListener::bind(config.status.listen)
		.await
		.with_context(|| format!("binding the status page to {}", config.status.listen))?;
	tracing::info!(address = %config.status.listen, members = members.len(), "coordinator listening");
	let outbox = tokio::spawn(delivery::run(
		store.clone(),
		config.node.url.clone(),
		Arc::new(CoordinatorKey(key)) as Arc<dyn Keyring>,
		metrics.chain().clone(),
		outbox_wake.clone(),
		chain.clone(),
	));
	let server = tokio::spawn(status::serve(
		listener,
		Arc::new(Status {
			store: store.clone(),
			metrics: metrics.clone(),
			members: members.clone(),
			group: config.group.id,
			chain: chain.clone(),
			wake: wake.clone(),
			directory: Directory::default(),
			genesis: tokio::sync::OnceCell::new(),
		}),
	));
	let stages = tokio::spawn(async move {
		loop {
			let connected = chain.read().await.clone();
			if let Some(connection) = connected {
				match connection.best().await {
					Ok(block) => {
						match pass(&store, &block, &config, &members, &account, &metrics).await {
							Ok(true) => outbox_wake.notify_one(),
							Ok(false) => {},
							Err(error) => {
								tracing::warn!(error = %format!("{error:#}"), "a pass failed; retrying")
							},
						}
					},
					Err(error) => tracing::warn!(%error, "the best block is unavailable"),
				}
			}
			tokio::select! {
				_ = wake.notified() => {},
				_ = tokio::time::sleep(Duration::from_secs(1)) => {},
			}
		}
		#[allow(unreachable_code)]
		Ok::<(), anyhow::Error>(())
	});
	tokio::select! {
		result = outbox => bail!("the outbox stopped: {:?}", result),
		result = server => bail!("the status page stopped: {:?}", result),
		result = stages => bail!("the stages stopped: {:?}", result),
	}
}
