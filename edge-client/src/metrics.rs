//! Prometheus metrics (text exposition at `/metrics`): counts and timings,
//! never a value of a reading, a request or a key.
use prometheus_client::{
	encoding::{text::encode, EncodeLabelSet},
	metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
	registry::Registry,
};

/// A label naming an extrinsic kind or a refusal reason.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
	/// `submit_deviation`, `report_share`, `bad_payload`…
	pub kind: String,
}

fn kind(kind: &str) -> Kind {
	Kind { kind: kind.into() }
}

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
	extrinsics_sent: Family<Kind, Counter>,
	extrinsics_retired: Family<Kind, Counter>,
	extrinsics_expired: Family<Kind, Counter>,
	reconnects: Counter,
	node_connected: Gauge,
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
		let extrinsics_sent = Family::<Kind, Counter>::default();
		let extrinsics_retired = Family::<Kind, Counter>::default();
		let extrinsics_expired = Family::<Kind, Counter>::default();
		let reconnects = Counter::default();
		let node_connected = Gauge::default();
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
			"extrinsics_sent",
			"Extrinsics handed to a node",
			extrinsics_sent.clone(),
		);
		registry.register(
			"extrinsics_retired",
			"Extrinsics final on chain",
			extrinsics_retired.clone(),
		);
		registry.register(
			"extrinsics_expired",
			"Extrinsics the chain refused for good",
			extrinsics_expired.clone(),
		);
		registry.register("node_reconnects", "Connections to the node lost", reconnects.clone());
		registry.register(
			"node_connected",
			"1 while connected to the node",
			node_connected.clone(),
		);
		Self {
			registry,
			readings_stored,
			readings_duplicate,
			readings_rejected,
			proofs,
			proving_seconds,
			shares_split,
			slots_skipped,
			extrinsics_sent,
			extrinsics_retired,
			extrinsics_expired,
			reconnects,
			node_connected,
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
		self.readings_rejected.get_or_create(&kind(reason)).inc();
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
		self.slots_skipped.get_or_create(&kind(reason)).inc();
	}
	/// An extrinsic was sent.
	pub fn sent(&self, call: &str) {
		self.extrinsics_sent.get_or_create(&kind(call)).inc();
	}
	/// An extrinsic is final.
	pub fn retired(&self, call: &str) {
		self.extrinsics_retired.get_or_create(&kind(call)).inc();
	}
	/// An extrinsic expired.
	pub fn expired(&self, call: &str) {
		self.extrinsics_expired.get_or_create(&kind(call)).inc();
	}
	/// The connection to the node was lost.
	pub fn reconnect(&self) {
		self.reconnects.inc();
	}
	/// Whether the node is connected.
	pub fn connected(&self, connected: bool) {
		self.node_connected.set(i64::from(connected));
	}

	/// The text exposition.
	pub fn render(&self) -> String {
		let mut text = String::new();
		// Writing into a String cannot fail.
		let _ = encode(&mut text, &self.registry);
		text
	}
}
