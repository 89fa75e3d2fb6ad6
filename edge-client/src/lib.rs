#![doc = include_str!("../README.md")]

pub mod audit;
pub mod chain;
pub mod config;
pub mod daemon;
pub mod dashboard;
pub mod ingest;
pub mod metrics;
pub mod outbox;
pub mod prove;
pub mod split;
pub mod store;

/// Milliseconds since the Unix epoch by the box's clock.
pub fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|elapsed| elapsed.as_millis() as u64)
		.unwrap_or(0)
}
