//! Prometheus metrics (`/metrics`): the coordinator's counts, and the
//! outbox's and node connection's from [`gridveil_offchain::metrics`]; never
//! a reading, a pseudonym or a member.
use gridveil_offchain::metrics::{registered, render, ChainMetrics, Kind};
use prometheus_client::{
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::Registry,
};

/// The coordinator's metrics.
pub struct Metrics {
	registry: Registry,
	days_registered: Counter,
	pseudonyms_queued: Counter,
	readings_accepted: Counter,
	readings_refused: Family<Kind, Counter>,
	slots_checked: Counter,
	members_checked: Family<Kind, Counter>,
	shares_flagged: Counter,
	shares_taken: Counter,
	shares_refused: Family<Kind, Counter>,
	shares_relayed: Counter,
	batches_relayed: Counter,
	members: Gauge,
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
		let mut registry = Registry::with_prefix("gridveil_coordinator");
		let r = &mut registry;
		Self {
			days_registered: registered(
				r,
				"days_registered",
				"Trading days whose pseudonyms were queued for registration",
			),
			pseudonyms_queued: registered(
				r,
				"pseudonyms_queued",
				"Day pseudonyms queued for registration",
			),
			readings_accepted: registered(
				r,
				"readings_accepted",
				"Meter-signed slot readings checked and kept",
			),
			readings_refused: registered(r, "readings_refused", "Slot readings refused, by reason"),
			slots_checked: registered(r, "slots_checked", "Slots whose shares were checked"),
			members_checked: registered(
				r,
				"members_checked",
				"Members' slots checked, by outcome (matched, mismatched, unread)",
			),
			shares_flagged: registered(r, "shares_flagged", "Shares flagged"),
			shares_taken: registered(r, "shares_taken", "Signed shares taken from boxes to relay"),
			shares_refused: registered(
				r,
				"shares_refused",
				"Signed shares refused (the box reports them itself), by reason",
			),
			shares_relayed: registered(r, "shares_relayed", "Shares queued in relayed batches"),
			batches_relayed: registered(
				r,
				"batches_relayed",
				"relay_shares batches queued (one per ledger and slot, or more for big groups)",
			),
			members: registered(r, "members", "Members in the member file"),
			chain: ChainMetrics::register(r),
			registry,
		}
	}

	/// A day's registration was queued with `pseudonyms` pseudonyms.
	pub fn day_registered(&self, pseudonyms: usize) {
		self.days_registered.inc();
		self.pseudonyms_queued.inc_by(pseudonyms as u64);
	}
	/// A reading was kept.
	pub fn reading_accepted(&self) {
		self.readings_accepted.inc();
	}
	/// A reading was refused.
	pub fn reading_refused(&self, reason: &str) {
		self.readings_refused.get_or_create(&Kind::new(reason)).inc();
	}
	/// A slot was checked.
	pub fn slot_checked(&self, check: &crate::check::SlotCheck) {
		self.slots_checked.inc();
		for (outcome, count) in
			[("matched", check.matched), ("mismatched", check.mismatched), ("unread", check.unread)]
		{
			self.members_checked.get_or_create(&Kind::new(outcome)).inc_by(count as u64);
		}
		self.shares_flagged.inc_by(check.flagged as u64);
	}
	/// A signed share was taken.
	pub fn share_taken(&self) {
		self.shares_taken.inc();
	}
	/// A signed share was refused.
	pub fn share_refused(&self, reason: &str) {
		self.shares_refused.get_or_create(&Kind::new(reason)).inc();
	}
	/// Batches were queued.
	pub fn relayed(&self, relayed: &crate::relay::Relayed) {
		self.batches_relayed.inc_by(relayed.batches as u64);
		self.shares_relayed.inc_by(relayed.shares as u64);
	}
	/// The member count.
	pub fn set_members(&self, count: usize) {
		self.members.set(count as i64);
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
