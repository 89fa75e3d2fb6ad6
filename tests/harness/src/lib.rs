//! Harness for GridVeil's end-to-end tests: real `gridveil-node` processes on
//! loopback ([`node`]), a subxt 0.51 client to talk to them ([`chain`]), and
//! the demand-response and energy-market pallets' types as a client decodes
//! them ([`demand_response`], [`energy_market`]); the demo ([`demo`]) and the
//! load generator ([`loadgen`]) build on them, and the privacy evaluation
//! ([`privacy`]) reads what they leave on chain.

pub mod chain;
pub mod demand_response;
pub mod demo;
pub mod edge;
pub mod energy_market;
pub mod loadgen;
pub mod node;
pub mod plot;
pub mod privacy;
pub mod results_file;
