//! What the runtime API and other pallets read.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::traits::Get;

impl<T: Config> Pallet<T> {
	/// A program's public state: the program, its registered hours in order,
	/// the hour length and when settlement is due. `None` if there is no such
	/// program. Reads at most `MaxProgramHours` hour records.
	pub fn program_state(
		program_id: ProgramId,
	) -> Option<ProgramState<T::AccountId, BalanceOf<T>>> {
		let program = Programs::<T>::get(program_id)?;
		let hour_length = HourLength::<T>::get();
		let hours: Vec<_> = (0..program.next_hour.min(program.hours))
			.filter_map(|hour| HourRecords::<T>::get(program_id, hour).map(|record| (hour, record)))
			.collect();
		let due = program.due(hour_length, T::GraceHours::get()).unwrap_or(Moment::MAX);
		Some(ProgramState { program, hours, hour_length, due })
	}
}
