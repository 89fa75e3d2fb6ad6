//! Placeholder weights until `make weights` generates this file.

#![allow(missing_docs)]
use frame_support::weights::Weight;
use core::marker::PhantomData;

/// The weight of each benchmarked operation of `pallet_energy_market`.
pub trait WeightInfo {
	fn register_producer() -> Weight;
	fn remove_producer() -> Weight;
	fn set_main_grid_account() -> Weight;
	fn add_intermediate() -> Weight;
	fn add_group(l: u32) -> Weight;
	fn add_ledger() -> Weight;
	fn remove_node() -> Weight;
	fn remove_group(l: u32) -> Weight;
	fn add_operator() -> Weight;
	fn remove_operator() -> Weight;
	fn register_pseudonyms(p: u32) -> Weight;
	fn deregister_pseudonyms(p: u32) -> Weight;
	fn open_day() -> Weight;
	fn add_offer() -> Weight;
	fn close_auction() -> Weight;
	fn report_share() -> Weight;
	fn verify_reports(p: u32) -> Weight;
	fn flag_report() -> Weight;
	fn liquidate() -> Weight;
	fn pay_debt() -> Weight;
	fn claim_credit() -> Weight;
	fn add_liquidator() -> Weight;
	fn remove_liquidator() -> Weight;
}
/// Measured weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_producer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_producer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn set_main_grid_account() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_intermediate() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_group(_l: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_ledger() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_node() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_group(_l: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_operator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_operator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn register_pseudonyms(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn deregister_pseudonyms(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn open_day() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_offer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn close_auction() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn report_share() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn verify_reports(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn flag_report() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn liquidate() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn pay_debt() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn claim_credit() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_liquidator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_liquidator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
}
impl WeightInfo for () {
	fn register_producer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_producer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn set_main_grid_account() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_intermediate() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_group(_l: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_ledger() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_node() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_group(_l: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_operator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_operator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn register_pseudonyms(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn deregister_pseudonyms(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn open_day() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_offer() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn close_auction() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn report_share() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn verify_reports(_p: u32) -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn flag_report() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn liquidate() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn pay_debt() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn claim_credit() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn add_liquidator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
	fn remove_liquidator() -> Weight { Weight::from_parts(50_000_000, 10_000) }
}
