//! The machine's clock, as the roles and the chain count time.

/// Milliseconds since the Unix epoch by the machine's clock.
pub fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|elapsed| elapsed.as_millis() as u64)
		.unwrap_or(0)
}
