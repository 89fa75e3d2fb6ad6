//! `on_idle`: settles due programs, and removes old ones, in bounded steps.
//!
//! Programs wait in [`PendingSettlements`] under the hour-length period in
//! which their next step falls due: an active program its settlement, a
//! settled or forfeited one its removal once [`Config::RecordRetentionHours`]
//! have passed. [`SettlementCursor`] is the earliest period that may still
//! hold programs; each step settles or removes one program of that period or,
//! if the period is empty, moves the cursor on. A block takes as many steps as
//! its spare weight allows, so no block ever walks the whole queue, and the
//! programs' state stops growing with the days.
use crate::{pallet::*, types::*, weights::WeightInfo};
use frame_support::{pallet_prelude::*, storage::with_storage_layer};

/// What one settlement step did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SettlementStep {
	/// Nothing is due.
	Idle,
	/// A program was taken from the queue (and settled, if still active).
	Settled(ProgramId),
	/// A settled or forfeited program's retention had passed: it was removed
	/// with its hour records.
	Removed(ProgramId),
	/// The cursor's period was empty; the cursor moved on.
	Advanced,
}

impl<T: Config> Pallet<T> {
	/// Takes steps while `remaining` covers them; returns the weight used.
	pub(crate) fn settle_due_programs(remaining: Weight) -> Weight {
		let step = T::WeightInfo::on_idle_settle()
			.max(T::WeightInfo::on_idle_empty_period())
			.max(T::WeightInfo::on_idle_remove());
		// The timestamp, the hour length and the cursor.
		let mut used = T::DbWeight::get().reads(3);
		if remaining.any_lt(used) {
			return Weight::zero();
		}
		let current_period = Self::now() / HourLength::<T>::get().max(1);
		// An idle step only reads the cursor, which the base weight covers.
		while remaining.all_gte(used.saturating_add(step)) {
			if Self::settlement_step(current_period) == SettlementStep::Idle {
				break;
			}
			used.saturating_accrue(step);
		}
		used
	}

	/// One step through the queue, for periods up to `current_period`.
	pub(crate) fn settlement_step(current_period: u64) -> SettlementStep {
		let Some(cursor) = SettlementCursor::<T>::get() else { return SettlementStep::Idle };
		if cursor > current_period {
			return SettlementStep::Idle;
		}
		match PendingSettlements::<T>::iter_key_prefix(cursor).next() {
			Some(program_id) => {
				Self::unqueue_settlement(cursor, program_id);
				match Programs::<T>::get(program_id) {
					Some(mut program) if program.status == ProgramStatus::Active => {
						// A failure leaves the program active for `settle`; the
						// layer rolls back whatever the failed attempt wrote.
						let _ = with_storage_layer(|| {
							Self::settle_program(program_id, &mut program)?;
							Programs::<T>::insert(program_id, program);
							Ok::<_, DispatchError>(())
						});
						SettlementStep::Settled(program_id)
					},
					Some(program)
						if matches!(
							program.status,
							ProgramStatus::Completed | ProgramStatus::Forfeited
						) =>
					{
						Self::remove_program(program_id, &program);
						SettlementStep::Removed(program_id)
					},
					_ => SettlementStep::Settled(program_id),
				}
			},
			None => {
				if PendingSettlementCount::<T>::get() == 0 {
					SettlementCursor::<T>::kill();
				} else {
					SettlementCursor::<T>::put(cursor.saturating_add(1));
				}
				SettlementStep::Advanced
			},
		}
	}
}
