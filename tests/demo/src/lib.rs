//! `make demo`: the whole product on one machine. Four validators
//! (zombienet-sdk, `zombienet/local.toml`), the operator, aggregator,
//! producers and coordinators setting up a day with real extrinsics, one real
//! `gridveil-edge` process per household replaying the reference dataset as
//! its meter, a compressed day (96 slots and 24 program hours of about six
//! and 24 seconds), the validators' offchain workers liquidating it, and a
//! summary checked against the households' readings.
//!
//! The same code runs the compressed day of `make test` and the full day of
//! `make test-long` (`tests/e2e/tests/node/demo_day.rs`), which also stops
//! validators while the day runs.

pub mod actors;
pub mod boxes;
pub mod meters;
pub mod report;
pub mod setup;

use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use gridveil_edge::ingest::Dataset;
use gridveil_harness::{
	chain::{self, Client, Rpc},
	coordinator::{self, CoordinatorConfig, Enrolled},
	edge::Process,
	energy_market::SLOTS_PER_DAY,
	network::{self, Clock, LocalNetwork, VALIDATORS},
	node::free_port,
	workspace,
};

use self::{
	actors::Actors,
	boxes::EdgeBox,
	report::{Summary, Tally, LIQUIDATION_TIMEOUT},
	setup::{day_readings, Deployment},
};

/// The defences against linking a prosumer's pseudonyms, all on unless the
/// privacy evaluation turns some off to measure what each one buys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Defences {
	/// Shares drawn from the OS CSPRNG within a fixed range (off: each
	/// reading sent as equal shares).
	pub random_shares: bool,
	/// Each share sent at its own random moment (off: a box sends all of a
	/// slot's shares at once).
	pub jittered_timing: bool,
	/// Feeless reports: pseudonyms never hold funds (off: each prosumer
	/// funds its own pseudonyms, as paid reports would need).
	pub feeless_reports: bool,
	/// Pseudonyms registered in one sorted batch per ledger (off: each
	/// prosumer's pseudonyms registered one after another, prosumer by prosumer).
	pub batched_registration: bool,
}

impl Defences {
	/// The product's defaults.
	pub const ALL: Self = Self {
		random_shares: true,
		jittered_timing: true,
		feeless_reports: true,
		batched_registration: true,
	};
	/// Every defence off.
	pub const NONE: Self = Self {
		random_shares: false,
		jittered_timing: false,
		feeless_reports: false,
		batched_registration: false,
	};
}

/// How the demo runs.
#[derive(Clone, Debug)]
pub struct Options {
	/// Households (at most 51).
	pub prosumers: usize,
	/// Households, the first ones, in a demand-response program.
	pub programs: usize,
	/// Ledgers in each group, and so pseudonyms (shares) per prosumer.
	pub ledgers_per_group: u32,
	/// The defences against linking pseudonyms.
	pub defences: Defences,
	/// Time from picking the clock to the day's start, ms: spawning the
	/// network and the setup's rounds must fit in it.
	pub lead_ms: u64,
	/// Slots after a slot in which its shares are still taken: eight (48 s),
	/// so a report survives a validator's empty Aura slots.
	pub report_grace_slots: u32,
	/// Where the network, the keys and every box live.
	pub dir: PathBuf,
	/// The reference dataset the boxes replay as their meters (its users
	/// file beside it names the prosumers).
	pub dataset: PathBuf,
	/// The slot the day is timed around, ms (6 s: one block; the day is 96
	/// slots, so 9.6 minutes). The actual slot is within 2 % of it, chosen
	/// so that the day starts soon.
	pub slot_length_ms: u64,
	/// Validators, 1–4 (Alice, Bob, Charlie, Dave).
	pub validators: usize,
	/// Consecutive trading days (each set up before the first starts; the
	/// coordinators register every day's fresh pseudonyms). The summary's
	/// checks are of the first day.
	pub days: u32,
	/// The first validator's RPC port, the others' following it (9944:
	/// polkadot.js apps' default); `None` for free ports (the boxes' dashboards
	/// too: other runs may be beside this one).
	pub rpc_port: Option<u16>,
	/// Whether the validators keep the state of every block (an archive),
	/// not only of the last 256: for reading a run of more than one day
	/// back, events included, from its first block.
	pub archive: bool,
	/// The runtime the chain starts with (a compressed wasm, e.g. an earlier
	/// release to upgrade from); `None`: the node's own.
	pub genesis_code: Option<PathBuf>,
}

impl Options {
	/// 51 households, 6 of them in programs, under `dir`, replaying `dataset`.
	pub fn new(dir: PathBuf, dataset: PathBuf) -> Self {
		Self {
			prosumers: actors::HOUSEHOLDS,
			programs: 6,
			ledgers_per_group: actors::LEDGERS_PER_GROUP,
			defences: Defences::ALL,
			lead_ms: LEAD_MS,
			report_grace_slots: report_grace_slots(6_000),
			dir,
			dataset,
			slot_length_ms: 6_000,
			validators: VALIDATORS.len(),
			rpc_port: Some(9944),
			days: 1,
			archive: false,
			genesis_code: None,
		}
	}
}

/// The reference dataset of the checkout this runs in (ODbL, see its
/// README): the default of `--dataset`.
pub fn dataset_path() -> Result<PathBuf> {
	workspace::dataset()
}

/// How long a slot's shares are still taken: 48 s, so a report survives a
/// validator's empty Aura slots whatever the slot length.
pub const REPORT_GRACE_MS: u64 = 48_000;

/// [`REPORT_GRACE_MS`] in slots of `slot_length_ms` (at least two).
pub fn report_grace_slots(slot_length_ms: u64) -> u32 {
	(REPORT_GRACE_MS / slot_length_ms.max(1)).max(2) as u32
}

/// Time from picking the clock to the day's start: spawning the network
/// (about a minute on 2 cores) and three setup rounds, two of them the
/// consortium's motions (propose, vote, close: three blocks each).
pub const LEAD_MS: u64 = 190_000;

/// A running demo.
pub struct Demo {
	/// The validators.
	pub network: LocalNetwork,
	/// The market's clock and the day.
	pub clock: Clock,
	/// Everybody's keys.
	pub actors: Actors,
	/// What the setup created.
	pub deployment: Deployment,
	/// One `gridveil-coordinator` per group, in group order.
	pub coordinators: Vec<RunningCoordinator>,
	/// One box per household.
	pub boxes: Vec<EdgeBox>,
	/// Σ over the households of import − export in each slot, Wh.
	pub net_readings: Vec<i64>,
	/// A client of the first validator (Alice).
	pub client: Client,
	/// Its RPC.
	pub rpc: Rpc,
	/// The events counted so far.
	pub tally: Tally,
	options: Options,
}

impl Demo {
	/// Spawns the network, sets up the day and starts the boxes, telling
	/// `say` what it is doing. Boxes talk to `box_nodes` (validator names;
	/// spread over them in turn).
	pub async fn start(options: Options, box_nodes: &[&str], say: impl Fn(&str)) -> Result<Self> {
		std::fs::create_dir_all(&options.dir)?;
		let actors = Actors::new(
			&workspace::users_beside(&options.dataset),
			options.prosumers,
			options.programs,
			options.ledgers_per_group,
		)?;
		let clock = Clock::near(options.slot_length_ms, gridveil_edge::now_ms() + options.lead_ms);
		say(&format!(
			"spawning {} validators ({}) with {:.3}-second slots; day {} starts in {} s",
			options.validators,
			VALIDATORS[..options.validators.clamp(1, VALIDATORS.len())].join(", "),
			clock.slot_length_ms as f64 / 1_000.0,
			clock.day,
			(clock.day_start() - gridveil_edge::now_ms()) / 1_000
		));
		let mut network_options = network::Options::new(options.validators)
			.with_genesis(clock.genesis(options.report_grace_slots))
			.in_dir(options.dir.join("network"));
		if let Some(port) = options.rpc_port {
			network_options = network_options.with_rpc_ports_from(port);
		}
		if options.archive {
			network_options = network_options.with_node_args(["--state-pruning=archive"]);
		}
		if let Some(code) = &options.genesis_code {
			network_options = network_options.with_code(code);
		}
		let network = network::spawn(network_options).await?;
		let alice = network.ws_url();
		let rpc = chain::rpc(&alice).await?;
		chain::wait_for_finalized(&rpc, 1, Duration::from_secs(180)).await?;
		let client = chain::connect(&alice).await?;
		for node in network.nodes() {
			setup::insert_liquidator_key(node.ws_uri()).await?;
		}

		say("setting up: verifying key, main grid, producers, tree, pseudonyms, programs, offers");
		let deployment = setup::run(
			&client,
			&rpc,
			&actors,
			&actors::consortium(options.validators),
			&clock,
			options.days.max(1),
			&options.dataset,
			&options.dir,
			options.defences,
		)
		.await
		.context("the setup")?;
		let mut net_readings = vec![0i64; SLOTS_PER_DAY as usize];
		for prosumer in &actors.prosumers {
			let dataset = Dataset::load(&options.dataset, &prosumer.column())?;
			for (slot, reading) in day_readings(&dataset, &clock).iter().enumerate() {
				net_readings[slot] += reading.import_wh as i64 - reading.export_wh as i64;
			}
		}

		say(&format!(
			"starting {} coordinators; they register the day's pseudonyms",
			actors.coordinators.len()
		));
		let mut coordinators = Vec::new();
		for (index, group) in deployment.groups.iter().enumerate() {
			coordinators.push(
				RunningCoordinator::start(&alice, &options.dir, &actors, index, group.group)
					.await?,
			);
		}
		let day_pseudonyms: Vec<_> = actors
			.prosumers
			.iter()
			.flat_map(|prosumer| prosumer.pseudonyms(clock.day))
			.map(|pseudonym| actors::account(&pseudonym))
			.collect();
		// The boxes must be up before the day's first reading: a box that
		// misses it cannot prove its program's first hour. Starting one takes
		// some 90 ms on 2 cores.
		let boxes_start_ms = 5_000 + 100 * actors.prosumers.len() as u64;
		let until_boxes = clock
			.day_start()
			.saturating_sub(gridveil_edge::now_ms())
			.saturating_sub(boxes_start_ms);
		coordinator::wait_for_registered(
			&client,
			&rpc,
			&day_pseudonyms,
			Duration::from_millis(until_boxes),
		)
		.await
		.context(
			"the coordinators' registration of the day's pseudonyms, in time to start the boxes \
			 before the day starts (a longer lead: Options::lead_ms)",
		)?;

		say(&format!("starting {} edge boxes", actors.prosumers.len()));
		let urls: Vec<String> = box_nodes
			.iter()
			.map(|name| Ok(network.node(name)?.ws_uri().to_string()))
			.collect::<Result<_>>()?;
		let mut boxes = Vec::new();
		for (prosumer, url) in actors.prosumers.iter().zip(urls.iter().cycle()) {
			// The demo's dashboards on known ports; a test's on free ones
			// (other demo runs may be beside it).
			let dashboard_port = match options.rpc_port {
				Some(_) => boxes::FIRST_DASHBOARD_PORT + prosumer.index as u16,
				None => free_port()?,
			};
			boxes.push(boxes::start(
				prosumer,
				url,
				&coordinators[prosumer.group].config.url(),
				&clock,
				&deployment,
				options.defences,
				&options.dataset,
				&meters::boxes_root(&options.dir),
				dashboard_port,
			)?);
		}
		Ok(Self {
			network,
			clock,
			actors,
			deployment,
			coordinators,
			boxes,
			net_readings,
			client,
			rpc,
			tally: Tally::default(),
			options,
		})
	}

	/// Where to look, for people.
	pub fn directions(&self) -> String {
		let mut text = String::from("Where to look:\n");
		for node in self.network.nodes() {
			text.push_str(&format!("  {:<8} {}\n", node.name(), node.ws_uri()));
		}
		let first = self.network.ws_url().replace(':', "%3A").replace('/', "%2F");
		text.push_str(&format!(
			"  polkadot.js apps: https://polkadot.js.org/apps/?rpc={first}#/explorer\n"
		));
		text.push_str("  dashboards (one per household; programs on the first ones):\n");
		for row in self.boxes.chunks(4) {
			let line: Vec<String> = row
				.iter()
				.map(|edge| {
					format!(
						"{:<12} {}",
						self.actors.prosumers[edge.index].column,
						edge.dashboard_url()
					)
				})
				.collect();
			text.push_str(&format!("    {}\n", line.join("  ")));
		}
		text.push_str("  coordinators' status pages (one per group):\n");
		for (group, running) in self.coordinators.iter().enumerate() {
			text.push_str(&format!("    group {group}: {}/\n", running.config.url()));
		}
		text.push_str(&format!("  files and logs: {}\n", self.options.dir.display()));
		text
	}

	/// The clock of the last day the demo runs.
	pub fn last_day(&self) -> Clock {
		Clock { day: self.clock.day + self.options.days.max(1) - 1, ..self.clock }
	}

	/// Coordinators still running.
	pub fn coordinators_up(&mut self) -> usize {
		self.coordinators
			.iter_mut()
			.filter_map(|running| running.process.ensure_running().ok())
			.count()
	}

	/// Each coordinator's outbox as its status page shows it (what a stuck
	/// one waits on), for a failure's message.
	pub fn coordinator_outboxes(&self) -> String {
		self.coordinators
			.iter()
			.enumerate()
			.map(|(group, running)| {
				let outbox = gridveil_harness::edge::http_get(running.config.port, "/api/status")
					.ok()
					.and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
					.map_or_else(
						|| "status page unavailable".into(),
						|status| status["outbox"].to_string(),
					);
				format!("  coordinator of group {group}: outbox {outbox}")
			})
			.collect::<Vec<_>>()
			.join("\n")
	}

	/// Boxes still running.
	pub fn boxes_up(&mut self) -> usize {
		self.boxes.iter_mut().filter_map(|edge| edge.process.ensure_running().ok()).count()
	}

	/// Counts the newly finalized blocks' events; returns the live line and
	/// whether the day is done: liquidated, with every program's hours on
	/// chain and every report checked by its coordinator. Fails
	/// `LIQUIDATION_TIMEOUT` after the day's report window.
	pub async fn step(&mut self) -> Result<(String, bool)> {
		let report_window =
			u64::from(self.options.report_grace_slots + 1) * self.clock.slot_length_ms;
		let last_day = self.last_day();
		let deadline_ms =
			last_day.day_end() + report_window + LIQUIDATION_TIMEOUT.as_millis() as u64;
		let expected_proofs = self.deployment.programs.len() * gridveil_circuits::poseidon::HOURS;
		// Nodes come and go in the fault tests: a failed read is retried next time.
		let unavailable = self.tally.follow(&self.client, &self.rpc, self.clock.day).await.err();
		let up = self.boxes_up();
		let now = gridveil_edge::now_ms();
		let today = u32::try_from(now / self.clock.day_length_ms()).unwrap_or(u32::MAX);
		let shown = Clock { day: today.clamp(self.clock.day, last_day.day), ..self.clock };
		let mut line = report::live_line(&self.tally, &shown, now, up, self.boxes.len());
		if last_day.day > self.clock.day {
			line = format!("day {}/{} · {line}", shown.day - self.clock.day + 1, self.options.days);
		}
		let coordinators = self.coordinators.len();
		line.push_str(&format!(" · coordinators {}/{coordinators} up", self.coordinators_up()));
		if let Some(error) = unavailable {
			line.push_str(&format!(" · chain unavailable: {error}"));
		}
		// The coordinators check each slot once its report window has closed,
		// as the liquidation starts once the day's last one has: the day is
		// done when both are.
		let done = (self.clock.day..=last_day.day)
			.all(|day| self.tally.liquidated.contains_key(&day))
			&& self.tally.proof_count() >= expected_proofs
			&& self.tally.unchecked() == 0;
		if !done && gridveil_edge::now_ms() > deadline_ms {
			bail!(
				"the day was not liquidated (or proofs are missing, or reports unchecked) {} s \
				 after its end: {line}\n{}",
				(deadline_ms - last_day.day_end()) / 1_000,
				self.coordinator_outboxes()
			);
		}
		Ok((line, done))
	}

	/// [`Self::step`] every two seconds, showing each line with `show`,
	/// until the day is done.
	pub async fn follow(&mut self, mut show: impl FnMut(&str)) -> Result<()> {
		loop {
			let started = Instant::now();
			let (line, done) = self.step().await?;
			show(&line);
			if done {
				return Ok(());
			}
			tokio::time::sleep(Duration::from_secs(2).saturating_sub(started.elapsed())).await;
		}
	}

	/// The summary of the day.
	pub async fn summary(&self) -> Result<Summary> {
		report::summary(
			&self.client,
			&self.tally,
			&self.actors,
			&self.deployment,
			&self.clock,
			&self.net_readings,
		)
		.await
	}

	/// Stops every box and coordinator (SIGKILL: their stores are
	/// crash-safe) and every node.
	pub async fn stop(self) -> Result<()> {
		drop(self.boxes);
		drop(self.coordinators);
		self.network.destroy().await
	}
}

/// A group's coordinator as the demo runs it: its folder and settings, and
/// the process.
pub struct RunningCoordinator {
	/// Its folder and settings.
	pub config: CoordinatorConfig,
	/// The daemon.
	pub process: Process,
}

impl RunningCoordinator {
	/// Writes group `index`'s coordinator (its members as their boxes
	/// enrolled) under `dir` and starts it against `node_url`.
	pub async fn start(
		node_url: &str,
		dir: &std::path::Path,
		actors: &Actors,
		index: usize,
		group: u32,
	) -> Result<Self> {
		let config = CoordinatorConfig::new(
			node_url,
			&dir.join("coordinators").join(format!("group-{index}")),
			group,
			&actors::coordinator_secret(index),
		)?;
		let members: Vec<Enrolled> = actors
			.members(index)
			.map(|member| Enrolled::new(meters::meter_id(member), &member.ledger_keys))
			.collect();
		config.write(&members)?;
		let process = config.start().await?;
		Ok(Self { config, process })
	}

	/// Stops it (SIGKILL) and starts it again on the same store.
	pub async fn restart(&mut self) -> Result<()> {
		self.process.kill();
		self.process = self.config.start().await?;
		Ok(())
	}
}
