//! Pseudonyms' share reports, incremental netting up the tree, and the
//! coordinator's verification (the paper's Algorithm 3).
use crate::*;
use frame_support::{ensure, pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::OriginFor;

/// Where an acceptable report goes.
pub(crate) struct ReportTarget<T: Config> {
	/// The ledger the pseudonym reports into.
	ledger: NodeId,
	/// The ledger node (its ancestors receive the share too).
	node: TreeNodeOf<T>,
	/// The slot's day.
	day: Day,
	/// The slot within the day.
	slot_of_day: u32,
}

impl<T: Config> Pallet<T> {
	/// Whether `origin` may report `energy_wh` for `slot` now. Such a report
	/// is free; anything else pays the usual fee, so an unregistered or
	/// repeated sender without funds is refused by the pool before it costs a block anything.
	pub(crate) fn is_acceptable_report(
		origin: &OriginFor<T>,
		slot: Slot,
		energy_wh: EnergyWh,
	) -> bool {
		match frame_system::ensure_signed(origin.clone()) {
			Ok(who) => Self::check_report(&who, slot, energy_wh).is_ok(),
			Err(_) => false,
		}
	}

	/// Every rule a report must meet, without writing anything.
	pub(crate) fn check_report(
		who: &T::AccountId,
		slot: Slot,
		energy_wh: EnergyWh,
	) -> Result<ReportTarget<T>, DispatchError> {
		ensure!(energy_wh.unsigned_abs() <= T::MaxShareWh::get(), Error::<T>::ShareTooLarge);
		let record = Pseudonyms::<T>::get(who).ok_or(Error::<T>::NotPseudonym)?;
		let ledger = record.ledger;
		let (day, slot_of_day) = day_of(slot);
		let slot_of_day = slot_of_day as u32;
		ensure!(day >= record.first_day, Error::<T>::PseudonymNotYetValid);
		ensure!(day <= record.last_day, Error::<T>::PseudonymExpired);
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		ensure!(phase == DayPhase::Trading, Error::<T>::DayNotTrading);
		let now = Self::current_slot();
		ensure!(slot <= now, Error::<T>::SlotNotStarted);
		let grace = Clock::<T>::get().report_grace_slots;
		// Late registration (the coordinator was down) reopens the day's
		// earlier slots for one grace window.
		let window_start = slot.max(record.registered_slot);
		ensure!(now <= window_start.saturating_add(grace), Error::<T>::SlotClosed);
		ensure!(
			!Reports::<T>::contains_key((day, who, slot_of_day)),
			Error::<T>::ShareAlreadyReported
		);
		let node = Nodes::<T>::get(ledger).ok_or(Error::<T>::UnknownNode)?;
		Ok(ReportTarget { ledger, node, day, slot_of_day })
	}

	/// Adds `energy_wh` to the slot's net of `ledger` and of each of its ancestors.
	fn add_to_nets(
		day: Day,
		ledger: NodeId,
		node: &TreeNodeOf<T>,
		slot_of_day: u32,
		energy_wh: EnergyWh,
	) -> DispatchResult {
		for member in node.ancestors.iter().copied().chain(core::iter::once(ledger)) {
			let mut nets = Nets::<T>::get(day, member).unwrap_or([0; SLOTS_PER_DAY as usize]);
			let net = &mut nets[slot_of_day as usize];
			*net = net.checked_add(energy_wh).ok_or(Error::<T>::Overflow)?;
			Nets::<T>::insert(day, member, nets);
		}
		Ok(())
	}

	pub(crate) fn do_report_share(
		who: T::AccountId,
		slot: Slot,
		energy_wh: EnergyWh,
	) -> DispatchResult {
		let ReportTarget { ledger, node, day, slot_of_day } =
			Self::check_report(&who, slot, energy_wh)?;
		Self::add_to_nets(day, ledger, &node, slot_of_day, energy_wh)?;
		Reports::<T>::insert(
			(day, &who, slot_of_day),
			Report { energy_wh, status: ReportStatus::Unverified },
		);
		Self::deposit_event(Event::ShareReported { pseudonym: who, slot, energy_wh });
		Ok(())
	}

	/// The ledger node of `ledger`, if `who` coordinates its group.
	fn coordinated_ledger(
		who: &T::AccountId,
		ledger: NodeId,
	) -> Result<TreeNodeOf<T>, DispatchError> {
		let (node, owner) = Self::ledger_and_group(ledger)?;
		ensure!(owner.coordinator == *who, Error::<T>::NotCoordinator);
		Ok(node)
	}

	pub(crate) fn do_verify_reports(
		who: T::AccountId,
		ledger: NodeId,
		slot: Slot,
		pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
	) -> DispatchResult {
		Self::coordinated_ledger(&who, ledger)?;
		ensure!(!pseudonyms.is_empty(), Error::<T>::EmptyBatch);
		let (day, slot_of_day) = day_of(slot);
		let slot_of_day = slot_of_day as u32;
		for pseudonym in pseudonyms.iter() {
			ensure!(
				Pseudonyms::<T>::get(pseudonym).map(|record| record.ledger) == Some(ledger),
				Error::<T>::PseudonymNotInLedger
			);
			Reports::<T>::try_mutate((day, pseudonym, slot_of_day), |report| {
				let report = report.as_mut().ok_or(Error::<T>::ReportNotFound)?;
				match report.status {
					ReportStatus::Unverified => report.status = ReportStatus::Verified,
					ReportStatus::Verified => return Err(Error::<T>::ReportAlreadyVerified),
					ReportStatus::Flagged => return Err(Error::<T>::ReportAlreadyFlagged),
				}
				Ok(())
			})?;
		}
		Self::deposit_event(Event::ReportsVerified {
			ledger,
			slot,
			count: pseudonyms.len() as u32,
		});
		Ok(())
	}

	pub(crate) fn do_flag_report(
		who: T::AccountId,
		pseudonym: T::AccountId,
		slot: Slot,
	) -> DispatchResult {
		let ledger = Pseudonyms::<T>::get(&pseudonym).ok_or(Error::<T>::NotPseudonym)?.ledger;
		let node = Self::coordinated_ledger(&who, ledger)?;
		let (day, slot_of_day) = day_of(slot);
		let slot_of_day = slot_of_day as u32;
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		let closing = Clock::<T>::get().closing_slot(day).ok_or(Error::<T>::Overflow)?;
		ensure!(
			phase == DayPhase::Trading && Self::current_slot() < closing,
			Error::<T>::DayClosed
		);
		let mut report =
			Reports::<T>::get((day, &pseudonym, slot_of_day)).ok_or(Error::<T>::ReportNotFound)?;
		match report.status {
			ReportStatus::Unverified => {},
			ReportStatus::Verified => return Err(Error::<T>::ReportAlreadyVerified.into()),
			ReportStatus::Flagged => return Err(Error::<T>::ReportAlreadyFlagged.into()),
		}
		let removed = report.energy_wh.checked_neg().ok_or(Error::<T>::Overflow)?;
		Self::add_to_nets(day, ledger, &node, slot_of_day, removed)?;
		report.status = ReportStatus::Flagged;
		Reports::<T>::insert((day, &pseudonym, slot_of_day), report);
		FlaggedReports::<T>::mutate(&pseudonym, |count| *count = count.saturating_add(1));
		Self::deposit_event(Event::ReportFlagged { pseudonym, slot });
		Ok(())
	}
}
