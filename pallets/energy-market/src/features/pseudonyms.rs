//! Pseudonyms that live one rotation period (one trading day by default):
//! registration in sorted batches, removal, and their expiry.
use crate::*;
use frame_support::{ensure, pallet_prelude::*, BoundedVec};

impl<T: Config> Pallet<T> {
	/// The ledger node, if `who` coordinates or operates its group.
	fn operated_ledger(who: &T::AccountId, ledger: NodeId) -> Result<TreeNodeOf<T>, DispatchError> {
		let (node, owner) = Self::ledger_and_group(ledger)?;
		ensure!(
			owner.coordinator == *who || owner.operators.contains(who),
			Error::<T>::NotOperator
		);
		Ok(node)
	}

	/// The ledger node, if `who` coordinates or operates its group and
	/// `pseudonyms` is a nonempty batch in strictly ascending order.
	fn operated_batch(
		who: &T::AccountId,
		ledger: NodeId,
		pseudonyms: &[T::AccountId],
	) -> Result<TreeNodeOf<T>, DispatchError> {
		let node = Self::operated_ledger(who, ledger)?;
		ensure!(!pseudonyms.is_empty(), Error::<T>::EmptyBatch);
		ensure!(
			pseudonyms.windows(2).all(|pair| pair[0] < pair[1]),
			Error::<T>::PseudonymsNotSorted
		);
		Ok(node)
	}

	pub(crate) fn do_register_pseudonyms(
		who: T::AccountId,
		ledger: NodeId,
		day: Day,
		pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
	) -> DispatchResult {
		let mut node = Self::operated_batch(&who, ledger, &pseudonyms)?;
		let now = Self::current_slot();
		let (today, _) = day_of(now);
		ensure!(day >= today, Error::<T>::RegistrationDayPassed);
		ensure!(
			day <= today.saturating_add(T::RegistrationLeadDays::get()),
			Error::<T>::RegistrationDayTooFarAhead
		);
		let last_day = day.saturating_add(RotationDays::<T>::get().saturating_sub(1));
		for pseudonym in pseudonyms.iter() {
			ensure!(
				!Pseudonyms::<T>::contains_key(pseudonym),
				Error::<T>::PseudonymAlreadyRegistered
			);
		}
		let count = pseudonyms.len() as u32;
		node.pseudonyms = node.pseudonyms.checked_add(count).ok_or(Error::<T>::Overflow)?;
		let record = PseudonymRecord { ledger, first_day: day, last_day, registered_slot: now };
		for pseudonym in pseudonyms.iter() {
			Pseudonyms::<T>::insert(pseudonym, record);
			PseudonymExpiries::<T>::insert(last_day, pseudonym, ());
			// A provider reference lets the account exist, hold a nonce and
			// send feeless reports with a zero balance.
			frame_system::Pallet::<T>::inc_providers(pseudonym);
		}
		Nodes::<T>::insert(ledger, node);
		Pruning::<T>::mutate(|cursor| {
			cursor.expiry_day = Some(cursor.expiry_day.map_or(last_day, |day| day.min(last_day)));
		});
		Self::deposit_event(Event::PseudonymsRegistered {
			ledger,
			first_day: day,
			last_day,
			count,
		});
		Ok(())
	}

	pub(crate) fn do_deregister_pseudonyms(
		who: T::AccountId,
		ledger: NodeId,
		pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
	) -> DispatchResult {
		let mut node = Self::operated_batch(&who, ledger, &pseudonyms)?;
		for pseudonym in pseudonyms.iter() {
			ensure!(
				Pseudonyms::<T>::get(pseudonym).map(|record| record.ledger) == Some(ledger),
				Error::<T>::PseudonymNotInLedger
			);
		}
		for pseudonym in pseudonyms.iter() {
			if let Some(record) = Pseudonyms::<T>::take(pseudonym) {
				PseudonymExpiries::<T>::remove(record.last_day, pseudonym);
			}
			// The call is transactional: a refusal undoes the whole batch.
			frame_system::Pallet::<T>::dec_providers(pseudonym)
				.map_err(|_| Error::<T>::PseudonymInUse)?;
		}
		let count = pseudonyms.len() as u32;
		node.pseudonyms = node.pseudonyms.saturating_sub(count);
		Nodes::<T>::insert(ledger, node);
		Self::deposit_event(Event::PseudonymsDeregistered { ledger, count });
		Ok(())
	}

	pub(crate) fn do_set_rotation_period(days: u32) -> DispatchResult {
		ensure!((1..=T::MaxRotationDays::get()).contains(&days), Error::<T>::InvalidRotationPeriod);
		RotationDays::<T>::put(days);
		Self::deposit_event(Event::RotationPeriodSet { days });
		Ok(())
	}

	/// Removes up to `limit` pseudonyms whose last day is `day`; how many.
	/// Their reports stay until the day itself is pruned.
	pub(crate) fn expire_pseudonyms(day: Day, limit: u32) -> u32 {
		let mut count = 0u32;
		for (pseudonym, ()) in PseudonymExpiries::<T>::drain_prefix(day).take(limit as usize) {
			count = count.saturating_add(1);
			let Some(record) = Pseudonyms::<T>::take(&pseudonym) else { continue };
			FlaggedReports::<T>::remove(&pseudonym);
			Nodes::<T>::mutate(record.ledger, |node| {
				if let Some(node) = node {
					node.pseudonyms = node.pseudonyms.saturating_sub(1);
				}
			});
			// An expired pseudonym that somehow took consumers (say, a
			// balance someone sent it) keeps its account; the market is done
			// with it either way.
			let _ = frame_system::Pallet::<T>::dec_providers(&pseudonym);
		}
		if count > 0 {
			Self::deposit_event(Event::PseudonymsExpired { day, count });
		}
		count
	}
}
