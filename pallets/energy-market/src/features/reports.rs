//! Pseudonyms' share reports, incremental netting up the tree, and the
//! coordinator's verification (the paper's Algorithm 3).
use crate::*;
use frame_support::{dispatch::PostDispatchInfo, ensure, pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::{BlockNumberFor, OriginFor};
use sp_runtime::traits::{Verify, Zero};

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

/// A slot whose day is trading and which has begun, as the checks of one
/// report see it.
pub(crate) struct OpenSlot {
	/// The slot.
	slot: Slot,
	/// Its day.
	day: Day,
	/// The slot within the day.
	slot_of_day: u32,
	/// The current slot.
	now: Slot,
	/// Slots after a slot in which it may still be reported.
	grace: u32,
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
		let (day, slot_of_day) = day_of(slot);
		let record = Self::reporting_pseudonym(who, day, energy_wh)?;
		let open = Self::open_slot(slot)?;
		Self::check_unreported(who, &record, &open)?;
		let node = Nodes::<T>::get(record.ledger).ok_or(Error::<T>::UnknownNode)?;
		Ok(ReportTarget { ledger: record.ledger, node, day, slot_of_day: slot_of_day as u32 })
	}

	/// The record of `who`, if it is a pseudonym that may report
	/// `energy_wh` on `day`.
	fn reporting_pseudonym(
		who: &T::AccountId,
		day: Day,
		energy_wh: EnergyWh,
	) -> Result<PseudonymRecord, DispatchError> {
		ensure!(energy_wh.unsigned_abs() <= T::MaxShareWh::get(), Error::<T>::ShareTooLarge);
		let record = Pseudonyms::<T>::get(who).ok_or(Error::<T>::NotPseudonym)?;
		ensure!(day >= record.first_day, Error::<T>::PseudonymNotYetValid);
		ensure!(day <= record.last_day, Error::<T>::PseudonymExpired);
		Ok(record)
	}

	/// `slot`, if its day is trading and it has begun.
	fn open_slot(slot: Slot) -> Result<OpenSlot, DispatchError> {
		let (day, slot_of_day) = day_of(slot);
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		ensure!(phase == DayPhase::Trading, Error::<T>::DayNotTrading);
		let now = Self::current_slot();
		ensure!(slot <= now, Error::<T>::SlotNotStarted);
		let grace = Clock::<T>::get().report_grace_slots;
		Ok(OpenSlot { slot, day, slot_of_day: slot_of_day as u32, now, grace })
	}

	/// Whether the pseudonym `who` (with `record`) may still report the
	/// open slot: within its grace window, and not yet.
	fn check_unreported(
		who: &T::AccountId,
		record: &PseudonymRecord,
		open: &OpenSlot,
	) -> DispatchResult {
		// Late registration (the coordinator was down) reopens the day's
		// earlier slots for one grace window.
		let window_start = open.slot.max(record.registered_slot);
		ensure!(open.now <= window_start.saturating_add(open.grace), Error::<T>::SlotClosed);
		ensure!(
			!Reports::<T>::contains_key((open.day, who, open.slot_of_day)),
			Error::<T>::ShareAlreadyReported
		);
		Ok(())
	}

	/// Whether one relayed share may be reported into `ledger` in the open
	/// slot: the pseudonym's signature, then every rule of `report_share`.
	fn check_relayed_share(
		share: &RelayedShareOf<T>,
		ledger: NodeId,
		open: &OpenSlot,
		genesis: &[u8; 32],
	) -> DispatchResult {
		let message = share_message(genesis, open.slot, share.energy_wh);
		ensure!(
			share.signature.verify(&message[..], &share.pseudonym),
			Error::<T>::BadShareSignature
		);
		let record = Self::reporting_pseudonym(&share.pseudonym, open.day, share.energy_wh)?;
		ensure!(record.ledger == ledger, Error::<T>::PseudonymNotInLedger);
		Self::check_unreported(&share.pseudonym, &record, open)
	}

	/// The genesis hash shares are signed for.
	pub(crate) fn genesis_hash() -> [u8; 32] {
		let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let mut genesis = [0u8; 32];
		let bytes = hash.as_ref();
		let length = bytes.len().min(32);
		genesis[..length].copy_from_slice(&bytes[..length]);
		genesis
	}

	pub(crate) fn do_relay_shares(
		who: T::AccountId,
		ledger: NodeId,
		slot: Slot,
		shares: RelayedSharesOf<T>,
	) -> DispatchResultWithPostInfo {
		let node = Self::coordinated_ledger(&who, ledger)?;
		ensure!(!shares.is_empty(), Error::<T>::EmptyBatch);
		ensure!(
			shares.windows(2).all(|pair| pair[0].pseudonym < pair[1].pseudonym),
			Error::<T>::SharesNotSorted
		);
		let open = Self::open_slot(slot)?;
		let genesis = Self::genesis_hash();
		let mut total: EnergyWh = 0;
		let mut accepted = 0u32;
		let mut skipped = 0u32;
		for share in shares.iter() {
			let checked =
				Self::check_relayed_share(share, ledger, &open, &genesis).and_then(|()| {
					total.checked_add(share.energy_wh).ok_or_else(|| Error::<T>::Overflow.into())
				});
			match checked {
				Ok(sum) => {
					total = sum;
					accepted = accepted.saturating_add(1);
					Reports::<T>::insert(
						(open.day, &share.pseudonym, open.slot_of_day),
						Report { energy_wh: share.energy_wh, status: ReportStatus::Unverified },
					);
					Self::deposit_event(Event::ShareReported {
						pseudonym: share.pseudonym.clone(),
						slot,
						energy_wh: share.energy_wh,
					});
				},
				Err(error) => {
					skipped = skipped.saturating_add(1);
					Self::deposit_event(Event::RelayedShareSkipped {
						pseudonym: share.pseudonym.clone(),
						slot,
						error,
					});
				},
			}
		}
		if accepted > 0 {
			Self::add_to_nets(open.day, ledger, &node, open.slot_of_day, total)?;
		}
		Self::deposit_event(Event::SharesRelayed { ledger, slot, accepted, skipped });
		let pays_fee = if skipped == 0 { Pays::No } else { Pays::Yes };
		Ok(PostDispatchInfo { actual_weight: None, pays_fee })
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
