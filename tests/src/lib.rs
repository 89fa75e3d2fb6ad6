//! Harness for GridVeil's end-to-end tests: real `gridveil-node` processes on
//! loopback ([`node`]) and a subxt 0.51 client to talk to them ([`chain`]).

pub mod chain;
pub mod node;
