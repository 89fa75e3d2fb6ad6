//! Prometheus metrics shared by the roles: the label type, the outbox's and
//! the chain connection's metrics, and the text exposition. A role creates
//! the registry (with its prefix), registers its own metrics and these.
//! Counts and timings only, never a value of a call, a reading or a key.
use prometheus_client::{
	encoding::{text::encode, EncodeLabelSet},
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::{Metric, Registry},
};

/// A new metric registered in `registry` as `name` with `help`; clones of
/// the handle it returns update the registered one.
pub fn registered<M: Metric + Clone + Default>(
	registry: &mut Registry,
	name: &str,
	help: &str,
) -> M {
	let metric = M::default();
	registry.register(name, help, metric.clone());
	metric
}

/// A label naming an extrinsic kind or a refusal reason.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
	/// `submit_deviation`, `report_share`, `bad_payload`…
	pub kind: String,
}

impl Kind {
	/// The label `kind`.
	pub fn new(kind: &str) -> Self {
		Self { kind: kind.into() }
	}
}

/// The outbox's and the node connection's metrics. Cloning shares them.
#[derive(Clone, Default)]
pub struct ChainMetrics {
	extrinsics_sent: Family<Kind, Counter>,
	extrinsics_retired: Family<Kind, Counter>,
	extrinsics_expired: Family<Kind, Counter>,
	extrinsics_done_elsewhere: Family<Kind, Counter>,
	reconnects: Counter,
	node_connected: Gauge,
}

impl ChainMetrics {
	/// Registers them in `registry`.
	pub fn register(registry: &mut Registry) -> Self {
		Self {
			extrinsics_sent: registered(registry, "extrinsics_sent", "Extrinsics handed to a node"),
			extrinsics_retired: registered(
				registry,
				"extrinsics_retired",
				"Extrinsics final on chain",
			),
			extrinsics_expired: registered(
				registry,
				"extrinsics_expired",
				"Extrinsics the chain refused for good",
			),
			extrinsics_done_elsewhere: registered(
				registry,
				"extrinsics_done_elsewhere",
				"Extrinsics never sent because their effect came on chain another way \
				 (a share the coordinator relayed)",
			),
			reconnects: registered(registry, "node_reconnects", "Connections to the node lost"),
			node_connected: registered(registry, "node_connected", "1 while connected to the node"),
		}
	}

	/// An extrinsic of `kind` was sent.
	pub fn sent(&self, kind: &str) {
		self.extrinsics_sent.get_or_create(&Kind::new(kind)).inc();
	}
	/// An extrinsic of `kind` is final.
	pub fn retired(&self, kind: &str) {
		self.extrinsics_retired.get_or_create(&Kind::new(kind)).inc();
	}
	/// An extrinsic of `kind` expired.
	pub fn expired(&self, kind: &str) {
		self.extrinsics_expired.get_or_create(&Kind::new(kind)).inc();
	}
	/// An extrinsic of `kind` was not needed: its effect is on chain.
	pub fn done_elsewhere(&self, kind: &str) {
		self.extrinsics_done_elsewhere.get_or_create(&Kind::new(kind)).inc();
	}
	/// The connection to the node was lost.
	pub fn reconnect(&self) {
		self.reconnects.inc();
	}
	/// Whether the node is connected.
	pub fn connected(&self, connected: bool) {
		self.node_connected.set(i64::from(connected));
	}
}

/// The text exposition of `registry`.
pub fn render(registry: &Registry) -> String {
	let mut text = String::new();
	// Writing into a String cannot fail.
	let _ = encode(&mut text, registry);
	text
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_chain_metrics_render_under_the_roles_prefix() {
		let mut registry = Registry::with_prefix("gridveil_role");
		let metrics = ChainMetrics::register(&mut registry);
		metrics.sent("report_share");
		metrics.clone().connected(true);
		let text = render(&registry);
		assert!(text.contains("gridveil_role_extrinsics_sent_total{kind=\"report_share\"} 1"));
		assert!(text.contains("gridveil_role_node_connected 1"));
	}
}
