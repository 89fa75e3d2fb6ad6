//! The harness every GridVeil test, the demo, the load generator and the
//! privacy evaluation stand on: real `gridveil-node` processes ([`node`]),
//! local networks of 1–4 validators ([`network`]), the edge box's surroundings
//! (mosquitto, `gridveil-edge` processes, headless Chromium: [`edge`]), a
//! group's `gridveil-coordinator` ([`coordinator`]), a
//! subxt client ([`chain`]), the demand-response and energy-market pallets as
//! a client sees them ([`demand_response`], [`energy_market`]), well-known
//! keys ([`accounts`]), the consortium's motions ([`governance`]) and runtime
//! upgrades ([`upgrade`]), and the repository's data found at run time
//! ([`workspace`]).

pub mod accounts;
pub mod chain;
pub mod chain_spec;
pub mod coordinator;
pub mod demand_response;
pub mod edge;
pub mod energy_market;
pub mod governance;
pub mod grandpa;
pub mod network;
pub mod node;
pub mod upgrade;
pub mod workspace;

pub use accounts::{account, keypair, UNIT};
