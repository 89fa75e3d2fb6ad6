//! The calls' logic.
use crate::*;
use codec::Encode;
use frame_support::ensure;
use sp_runtime::DispatchResult;

impl<T: Config> Pallet<T> {
	/// Whether `code_hash` is the pending authorization (with version checks).
	pub fn is_authorized(code_hash: T::Hash) -> bool {
		// frame-system keeps the authorization's fields private; its encoding
		// is `(code_hash, check_version)`.
		#[allow(deprecated)]
		frame_system::Pallet::<T>::authorized_upgrade()
			.is_some_and(|pending| pending.encode() == (code_hash, true).encode())
	}

	pub(crate) fn do_authorize_upgrade(code_hash: T::Hash) -> DispatchResult {
		ensure!(!Self::is_authorized(code_hash), Error::<T>::AlreadyAuthorized);
		frame_system::Pallet::<T>::do_authorize_upgrade(code_hash, true);
		Self::deposit_event(Event::UpgradeAuthorized { code_hash });
		Ok(())
	}
}
