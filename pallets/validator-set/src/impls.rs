//! What pallet-session, its historical part and pallet-offences call.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Convert, Perbill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::plan_session(new_index)
	}
	fn end_session(_: SessionIndex) {}
	fn start_session(_: SessionIndex) {}
}

/// The historical session manager: the same sets, each validator
/// identified by its account alone (no stake stands behind it).
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		Self::plan_session(new_index)
			.map(|validators| validators.into_iter().map(|validator| (validator, ())).collect())
	}
	fn start_session(_: SessionIndex) {}
	fn end_session(_: SessionIndex) {}
}

/// Offences proven through pallet-offences (a GRANDPA equivocation): the
/// offenders are removed at the next planned session. There is no stake to
/// slash, so the fractions are ignored.
impl<T: Config> OnOffenceHandler<T::AccountId, (T::AccountId, ()), Weight> for Pallet<T> {
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, ())>],
		_slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		Self::note_offenders(offenders.iter().map(|details| details.offender.0.clone()), session);
		T::DbWeight::get().reads_writes(2, 1)
	}
}

/// pallet-session's `ValidatorIdOf`: only the consortium's validators may
/// set session keys.
pub struct ValidatorOf<T>(PhantomData<T>);
impl<T: Config> Convert<T::AccountId, Option<T::AccountId>> for ValidatorOf<T> {
	fn convert(account: T::AccountId) -> Option<T::AccountId> {
		Validators::<T>::get().contains(&account).then_some(account)
	}
}

/// pallet-session historical's `FullIdentificationOf`: a validator is
/// identified by its account alone.
pub struct Identified;
impl<AccountId> Convert<AccountId, Option<()>> for Identified {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// The session length as pallet-session's `PeriodicSessions` reads it.
pub struct SessionLengthOf<T>(PhantomData<T>);
impl<T: Config> Get<BlockNumberFor<T>> for SessionLengthOf<T> {
	fn get() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}
}
