#![doc = include_str!("../README.md")]

pub mod chain;
pub mod clock;
pub mod metrics;
pub mod outbox;
pub mod store;

pub use clock::now_ms;
