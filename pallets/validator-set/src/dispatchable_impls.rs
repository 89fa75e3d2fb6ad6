//! The logic behind the calls and behind planning a session.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Appends `validator` to the consortium's validators.
	pub(crate) fn do_add_validator(validator: T::AccountId) -> DispatchResult {
		Validators::<T>::try_mutate(|validators| {
			ensure!(!validators.contains(&validator), Error::<T>::AlreadyValidator);
			validators.try_push(validator.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ValidatorAdded { validator });
		Ok(())
	}

	/// Takes `validator` out of the consortium's validators, if at least
	/// `MinValidators` others with session keys remain.
	pub(crate) fn do_remove_validator(validator: T::AccountId) -> DispatchResult {
		let mut validators = Validators::<T>::get();
		let position =
			validators.iter().position(|v| *v == validator).ok_or(Error::<T>::NotValidator)?;
		validators.remove(position);
		ensure!(
			Self::with_keys(&validators).len() >= Self::minimum(),
			Error::<T>::TooFewValidators
		);
		Validators::<T>::put(validators);
		Offenders::<T>::mutate(|offenders| offenders.retain(|v| *v != validator));
		Self::deposit_event(Event::ValidatorRemoved { validator });
		Ok(())
	}

	/// Marks reported validators for removal at the next planned session.
	pub(crate) fn note_offenders(
		offenders: impl IntoIterator<Item = T::AccountId>,
		session: SessionIndex,
	) {
		let validators = Validators::<T>::get();
		Offenders::<T>::mutate(|noted| {
			for validator in offenders {
				if !validators.contains(&validator) || noted.contains(&validator) {
					continue;
				}
				// `noted` is a subset of `validators`, so it has room.
				if noted.try_push(validator.clone()).is_ok() {
					Self::deposit_event(Event::OffenceReported { validator, session });
				}
			}
		});
	}

	/// Removes the reported validators (above the minimum) and returns the
	/// set for session `session` if it differs from the active one: the
	/// consortium's validators that have session keys, in order. `None`
	/// keeps the active set (and lets pallet-session pick up rotated keys).
	pub(crate) fn plan_session(session: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::remove_offenders();
		let planned = Self::with_keys(&Validators::<T>::get());
		if planned.is_empty() || planned.len() < Self::minimum() {
			return None;
		}
		if planned == pallet_session::Validators::<T>::get() {
			return None;
		}
		Self::deposit_event(Event::SetPlanned { session, validators: planned.clone() });
		Some(planned)
	}

	/// Removes every noted offender while the set stays at its minimum or above.
	fn remove_offenders() {
		let offenders = Offenders::<T>::take();
		if offenders.is_empty() {
			return;
		}
		let mut validators = Validators::<T>::get();
		// Validators with keys, counted once: a removal takes one off if the
		// removed validator had keys.
		let mut keyed = Self::with_keys(&validators).len();
		for validator in offenders {
			let Some(position) = validators.iter().position(|v| *v == validator) else {
				continue;
			};
			let remaining =
				keyed - usize::from(pallet_session::NextKeys::<T>::contains_key(&validator));
			if remaining >= Self::minimum() {
				validators.remove(position);
				keyed = remaining;
				Self::deposit_event(Event::OffenderRemoved { validator });
			} else {
				Self::deposit_event(Event::OffenderKeptAtMinimum { validator });
			}
		}
		Validators::<T>::put(validators);
	}

	/// The validators among `validators` that have session keys.
	pub(crate) fn with_keys(validators: &[T::AccountId]) -> Vec<T::AccountId> {
		validators
			.iter()
			.filter(|validator| pallet_session::NextKeys::<T>::contains_key(*validator))
			.cloned()
			.collect()
	}

	/// `MinValidators`, at least one.
	fn minimum() -> usize {
		T::MinValidators::get().max(1) as usize
	}
}
