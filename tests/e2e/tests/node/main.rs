//! GridVeil's end-to-end tests, one binary: real `gridveil-node` processes,
//! local networks, edge boxes, mosquitto, Chromium and polkadot.js on
//! loopback. Tests run side by side (`make test` gives them several
//! threads: most of their time is spent waiting for blocks), and those that
//! need only a plain development chain share one `--dev` node.
//!
//! The long tier (`make test-long`) is the `#[ignore]`d tests: the full
//! demo day with failing validators and the load generator's round.

mod bad_input;
mod consortium;
mod coordinator;
mod demand_response;
mod demo_day;
mod dev_node;
mod edge_client;
mod energy_market;
mod guides;
mod load_round;
mod network;
mod outbox;
mod polkadot_js;
mod scenarios;
mod upgrade;
mod zk_verifier;
