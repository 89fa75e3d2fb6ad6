//! The chain client: the connection ([`client`]), the pallets as the roles
//! read them ([`demand_response`], [`energy_market`], [`meter_registry`]) and the delivery of the
//! outbox ([`delivery`]). Within it, `client` depends on nothing else of
//! this crate, the pallet views on `client`, and `delivery` on `client`, the
//! outbox, the store and the metrics.
pub mod client;
pub mod delivery;
pub mod demand_response;
pub mod energy_market;
pub mod meter_registry;

pub use client::{
	AtBlock, BestBlock, CallEncoder, Chain, ChainError, Client, GridVeilConfig, Rpc, Scalar,
	SharedChain, Submitted, Token,
};
pub use demand_response::{HourRecord, Program, ProgramState, ProgramStatus};
pub use energy_market::{
	DayPhase, DayPrices, GroupView, MarketClock, PseudonymRecord, Report, ReportStatus,
	SLOTS_PER_DAY,
};
pub use meter_registry::{MeterStatus, RegisteredMeter};
