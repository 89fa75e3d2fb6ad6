//! Prometheus metrics (text exposition at `/metrics`): the box's own counts
//! and timings, and the outbox's and node connection's from
//! [`gridveil_offchain::metrics`]; never a value of a reading, a request or
//! a key.
use gridveil_offchain::metrics::{render, ChainMetrics, Kind};
use prometheus_client::{
	metrics::{counter::Counter, family::Family, histogram::Histogram},
	registry::Registry,
};

/// The daemon's metrics.
pub struct Metrics {
	registry: Registry,
	readings_stored: Counter,
	readings_duplicate: Counter,
	readings_rejected: Family<Kind, Counter>,
	proofs: Counter,
	proving_seconds: Histogram,
	shares_split: Counter,
	slots_skipped: Family<Kind, Counter>,
	attestations_stored: Counter,
	attestations_rejected: Family<Kind, Counter>,
	hours_unattested: Family<Kind, Counter>,
	readings_relayed: Counter,
	readings_relay_refused: Counter,
	shares_handed_to_coordinator: Counter,
	shares_refused_by_coordinator: Counter,
	shares_lost_unregistered: Counter,
	chain: ChainMetrics,
}

impl Default for Metrics {
	fn default() -> Self {
		Self::new()
	}
}

impl Metrics {
	/// Registers every metric.
	pub fn new() -> Self {
		let mut registry = Registry::with_prefix("gridveil_edge");
		let readings_stored = Counter::default();
		let readings_duplicate = Counter::default();
		let readings_rejected = Family::<Kind, Counter>::default();
		let proofs = Counter::default();
		let proving_seconds =
			Histogram::new([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0].into_iter());
		let shares_split = Counter::default();
		let slots_skipped = Family::<Kind, Counter>::default();
		let attestations_stored = Counter::default();
		let attestations_rejected = Family::<Kind, Counter>::default();
		let hours_unattested = Family::<Kind, Counter>::default();
		registry.register("readings_stored", "Readings made durable", readings_stored.clone());
		registry.register(
			"readings_duplicate",
			"Readings delivered again and already stored",
			readings_duplicate.clone(),
		);
		registry.register(
			"readings_rejected",
			"Payloads refused, by reason",
			readings_rejected.clone(),
		);
		registry.register("proofs", "Hourly deviation proofs made", proofs.clone());
		registry.register("proving_seconds", "Time to prove one hour", proving_seconds.clone());
		registry.register("shares_split", "Slots split into shares", shares_split.clone());
		registry.register("slots_skipped", "Slots not split, by reason", slots_skipped.clone());
		registry.register(
			"attestations_stored",
			"Meter attestations checked and made durable",
			attestations_stored.clone(),
		);
		registry.register(
			"attestations_rejected",
			"Meter attestations refused, by reason",
			attestations_rejected.clone(),
		);
		registry.register(
			"hours_unattested",
			"Program hours left unproven because the meter's signed fingerprint did not \
			 cover them (alarm: readings_mismatch), by reason",
			hours_unattested.clone(),
		);
		let readings_relayed = Counter::default();
		let readings_relay_refused = Counter::default();
		registry.register(
			"readings_relayed",
			"Meter-signed readings the coordinator took",
			readings_relayed.clone(),
		);
		registry.register(
			"readings_relay_refused",
			"Meter-signed readings the coordinator refused",
			readings_relay_refused.clone(),
		);
		let shares_handed_to_coordinator = Counter::default();
		let shares_refused_by_coordinator = Counter::default();
		registry.register(
			"shares_handed_to_coordinator",
			"Signed shares the coordinator took to relay in its batches",
			shares_handed_to_coordinator.clone(),
		);
		registry.register(
			"shares_refused_by_coordinator",
			"Signed shares the coordinator refused: reported directly instead",
			shares_refused_by_coordinator.clone(),
		);
		let shares_lost_unregistered = Counter::default();
		registry.register(
			"shares_lost_unregistered",
			"Shares never reported because their day passed without its pseudonyms registered",
			shares_lost_unregistered.clone(),
		);
		let chain = ChainMetrics::register(&mut registry);
		Self {
			shares_handed_to_coordinator,
			shares_refused_by_coordinator,
			shares_lost_unregistered,
			readings_relayed,
			readings_relay_refused,
			registry,
			readings_stored,
			readings_duplicate,
			readings_rejected,
			proofs,
			proving_seconds,
			shares_split,
			slots_skipped,
			attestations_stored,
			attestations_rejected,
			hours_unattested,
			chain,
		}
	}

	/// A reading was stored.
	pub fn reading_stored(&self) {
		self.readings_stored.inc();
	}
	/// A reading was delivered again.
	pub fn reading_duplicate(&self) {
		self.readings_duplicate.inc();
	}
	/// A payload was refused.
	pub fn reading_rejected(&self, reason: &str) {
		self.readings_rejected.get_or_create(&Kind::new(reason)).inc();
	}
	/// An hour was proven in `seconds`.
	pub fn proved(&self, seconds: f64) {
		self.proofs.inc();
		self.proving_seconds.observe(seconds);
	}
	/// A slot was split.
	pub fn split(&self) {
		self.shares_split.inc();
	}
	/// A slot was not split.
	pub fn slot_skipped(&self, reason: &str) {
		self.slots_skipped.get_or_create(&Kind::new(reason)).inc();
	}
	/// A meter attestation was stored.
	pub fn attestation_stored(&self) {
		self.attestations_stored.inc();
	}
	/// A meter attestation was refused.
	pub fn attestation_rejected(&self, reason: &str) {
		self.attestations_rejected.get_or_create(&Kind::new(reason)).inc();
	}
	/// A program hour was left unproven.
	pub fn hour_unattested(&self, reason: &str) {
		self.hours_unattested.get_or_create(&Kind::new(reason)).inc();
	}
	/// The coordinator took a relayed reading.
	pub fn reading_relayed(&self) {
		self.readings_relayed.inc();
	}
	/// The coordinator refused a relayed reading.
	pub fn reading_relay_refused(&self) {
		self.readings_relay_refused.inc();
	}
	/// The coordinator took `count` signed shares to relay.
	pub fn shares_handed_to_coordinator(&self, count: u64) {
		self.shares_handed_to_coordinator.inc_by(count);
	}
	/// The coordinator refused a signed share (it goes out directly).
	pub fn share_refused_by_coordinator(&self) {
		self.shares_refused_by_coordinator.inc();
	}
	/// A day passed unregistered: `shares` shares can never be reported.
	pub fn shares_lost_unregistered(&self, shares: u64) {
		self.shares_lost_unregistered.inc_by(shares);
	}
	/// The outbox's and the node connection's metrics.
	pub fn chain(&self) -> &ChainMetrics {
		&self.chain
	}

	/// The text exposition.
	pub fn render(&self) -> String {
		render(&self.registry)
	}
}
