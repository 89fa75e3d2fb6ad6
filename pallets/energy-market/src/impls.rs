//! Reads behind the runtime API.
use crate::*;
use alloc::vec::Vec;

impl<T: Config> Pallet<T> {
	/// A day's prices, phase and slot length.
	pub fn day_prices(day: Day) -> Option<DayPrices<BalanceOf<T>>> {
		let trading_day = Days::<T>::get(day)?;
		Some(DayPrices {
			phase: DayPhases::<T>::get(day)?,
			prices_per_kwh: trading_day.prices_per_kwh.to_vec(),
			slot_length_ms: Clock::<T>::get().slot_length_ms,
		})
	}

	/// A node's net energy in each slot of `day`.
	pub fn node_nets(node: NodeId, day: Day) -> Option<Vec<EnergyWh>> {
		Nodes::<T>::contains_key(node)
			.then(|| Nets::<T>::get(day, node).unwrap_or([0; SLOTS_PER_DAY as usize]).to_vec())
	}

	/// A pseudonym's reports of `day` (at most 96: one per slot).
	pub fn reports_of(pseudonym: T::AccountId, day: Day) -> DayReports {
		let mut reports: DayReports = Reports::<T>::iter_prefix((day, pseudonym)).collect();
		reports.sort_unstable_by_key(|(slot, _)| *slot);
		reports
	}

	/// What `account` owes the market.
	pub fn debt_of(account: T::AccountId) -> BalanceOf<T> {
		Debts::<T>::get(account).unwrap_or_default()
	}

	/// What the market owes `account`.
	pub fn credit_of(account: T::AccountId) -> BalanceOf<T> {
		Credits::<T>::get(account).unwrap_or_default()
	}
}
