#![doc = include_str!("../README.md")]

pub mod audit;
pub mod config;
pub mod daemon;
pub mod dashboard;
pub mod ingest;
pub mod meter;
pub mod metrics;
pub mod prove;
pub mod reading;
pub mod relay;
pub mod schedule;
pub mod split;
pub mod store;
pub mod submit;
pub mod upgrade;

/// Milliseconds since the Unix epoch by the box's clock.
pub use gridveil_offchain::now_ms;
