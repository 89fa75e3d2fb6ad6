//! Pallet configurations, one file per concern.

pub mod balances;
pub mod consensus;
pub mod demand_response;
pub mod energy_market;
pub mod governance;
pub mod meter_registry;
pub mod offchain;
pub mod payment;
pub mod system;
pub mod validators;
pub mod zk_verifier;
