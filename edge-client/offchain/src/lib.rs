#![doc = include_str!("../README.md")]

pub mod chain;
pub mod clock;
pub mod config_file;
pub mod metrics;
pub mod outbox;
pub mod pseudonyms;
pub mod secret_file;
pub mod shares;
pub mod store;

pub use clock::now_ms;
