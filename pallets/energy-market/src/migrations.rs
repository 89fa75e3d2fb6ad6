//! Storage migrations, one module per storage version.

/// Version 0 → 1: a day's phase moves out of `Days` into `DayPhases`.
///
/// Before, every call that only asked "is the day trading?"
/// (`report_share`, `flag_report`, a liquidation page's pool check) read the
/// whole day (96 expected consumptions and 96 prices, some 2.3 KB), and
/// every liquidation page wrote it back. The migration rewrites each stored
/// day once: its phase into `DayPhases`, its plan into `Days`. `Days` holds
/// only the days of the retention window and the open days (pruning removes
/// older ones), so the migration's work is bounded by those, a few dozen
/// entries on a live chain.
pub mod v1 {
	use crate::{BalanceOf, Config, Day, DayPhase, DayPhases, Days, Pallet, TradingDay};
	use codec::{Decode, Encode};
	use core::marker::PhantomData;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};

	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;

	/// The layout before version 1.
	pub mod v0 {
		use super::*;
		use crate::SLOTS_PER_DAY;

		/// A trading day as version 0 stored it: phase and plan together.
		#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo, MaxEncodedLen)]
		pub struct TradingDay<Balance> {
			/// Bidding, trading, liquidating or liquidated.
			pub phase: DayPhase,
			/// Consumption the main grid expects in each slot, in Wh.
			pub expected_consumption_wh: [u64; SLOTS_PER_DAY as usize],
			/// The price per kWh of each slot.
			pub prices_per_kwh: [Balance; SLOTS_PER_DAY as usize],
		}

		/// `Days` as version 0 stored it.
		#[frame_support::storage_alias]
		pub type Days<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, Day, TradingDay<BalanceOf<T>>>;
	}

	/// Splits each stored day into its phase and its plan, without checking
	/// the storage version ([`MigrateToV1`] does).
	pub struct SplitDayPhase<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for SplitDayPhase<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut days = 0u64;
			Days::<T>::translate::<v0::TradingDay<BalanceOf<T>>, _>(|day, old| {
				days = days.saturating_add(1);
				DayPhases::<T>::insert(day, old.phase);
				Some(TradingDay {
					expected_consumption_wh: old.expected_consumption_wh,
					prices_per_kwh: old.prices_per_kwh,
				})
			});
			log::info!(
				target: crate::LOG_TARGET,
				"storage version 1: the phases of {days} days moved out of Days"
			);
			// Each day: one read, two writes.
			T::DbWeight::get().reads_writes(days, days.saturating_mul(2))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(Self::snapshot()?)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Ok(Self::verify(&state)?)
		}
	}

	impl<T: Config> SplitDayPhase<T> {
		/// Before the upgrade (try-runtime's `pre_upgrade`): every stored day
		/// in version 0's layout, encoded; refused if `DayPhases` already has
		/// entries.
		pub fn snapshot() -> Result<alloc::vec::Vec<u8>, &'static str> {
			ensure!(
				DayPhases::<T>::iter_keys().next().is_none(),
				"DayPhases has entries before the migration"
			);
			let days: alloc::vec::Vec<(Day, v0::TradingDay<BalanceOf<T>>)> =
				v0::Days::<T>::iter().collect();
			Ok(days.encode())
		}

		/// After the upgrade (try-runtime's `post_upgrade`): every day of
		/// `state` is in `Days` with the same plan and in `DayPhases` with the
		/// same phase, and no other day is in either.
		pub fn verify(state: &[u8]) -> Result<(), &'static str> {
			let before: alloc::vec::Vec<(Day, v0::TradingDay<BalanceOf<T>>)> =
				Decode::decode(&mut &state[..]).map_err(|_| "the pre-upgrade state is garbled")?;
			for (day, old) in &before {
				let plan = Days::<T>::get(day).ok_or("a day lost its plan")?;
				ensure!(
					plan.expected_consumption_wh == old.expected_consumption_wh
						&& plan.prices_per_kwh == old.prices_per_kwh,
					"a day's plan changed"
				);
				ensure!(DayPhases::<T>::get(day) == Some(old.phase), "a day's phase changed");
			}
			ensure!(Days::<T>::iter_keys().count() == before.len(), "Days gained entries");
			ensure!(
				DayPhases::<T>::iter_keys().count() == before.len(),
				"DayPhases has days without a plan"
			);
			Ok(())
		}
	}

	/// [`SplitDayPhase`] when the pallet's storage is at version 0; sets it to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		SplitDayPhase<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
