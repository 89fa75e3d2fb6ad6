//! The offchain worker that liquidates closed days.
use crate::*;
use codec::Encode;
use frame_system::offchain::{CreateAuthorizedTransaction, SubmitTransaction};
use sp_runtime::RuntimeAppPublic;

impl<T: Config> Pallet<T> {
	/// If this node holds a registered liquidator key, signs the next page of
	/// the oldest closed day and submits it as a general transaction for
	/// `AuthorizeCall` to authorize. One page a block: the pool keeps one copy
	/// of each page however many validators send it.
	pub(crate) fn liquidation_worker() {
		let registered = Liquidators::<T>::get();
		if registered.is_empty() {
			return;
		}
		let Some(key) = T::LiquidatorId::all().into_iter().find(|key| registered.contains(key))
		else {
			return;
		};
		for day in OpenDays::<T>::get() {
			let Ok(position) = Self::liquidation_position(day) else { continue };
			let page = position.next_page;
			let Some(signature) = key.sign(&Self::liquidation_payload(day, page).encode()) else {
				log::warn!(target: LOG_TARGET, "the liquidator key could not sign page {page} of day {day}");
				return;
			};
			let call = Call::<T>::liquidate { day, page, signature };
			let transaction =
				<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(
					call.into(),
				);
			match SubmitTransaction::<T, Call<T>>::submit_transaction(transaction) {
				Ok(()) => log::debug!(target: LOG_TARGET, "submitted page {page} of day {day}"),
				Err(()) => log::debug!(target: LOG_TARGET, "page {page} of day {day} not accepted"),
			}
			return;
		}
	}
}
