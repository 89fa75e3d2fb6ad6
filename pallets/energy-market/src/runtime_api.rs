//! The runtime API dashboards, coordinators and the edge client call.
use crate::types::{Day, DayPrices, DayReports, NodeId};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Public state of the energy market.
	pub trait EnergyMarketApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// A day's phase, slot length and the price per kWh of each of its 96
		/// slots; `None` if the day was never opened.
		fn day_prices(day: Day) -> Option<DayPrices<Balance>>;
		/// A node's net energy in each of the day's 96 slots, in Wh; `None`
		/// if there is no such node.
		fn node_nets(node: NodeId, day: Day) -> Option<alloc::vec::Vec<i64>>;
		/// A pseudonym's reports of a day: (slot of the day, share and status).
		fn reports_of(pseudonym: AccountId, day: Day) -> DayReports;
		/// What an account owes the market after liquidation.
		fn debt_of(account: AccountId) -> Balance;
		/// What the market owes an account after liquidation.
		fn credit_of(account: AccountId) -> Balance;
	}
}
