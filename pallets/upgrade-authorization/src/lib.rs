#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who authorizes an upgrade: the consortium's governance.
		type UpgradeOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The runtime code with this hash may now be applied by anyone with
		/// `system.apply_authorized_upgrade`, if its spec version is higher.
		UpgradeAuthorized {
			/// The blake2-256 hash of the code.
			code_hash: T::Hash,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// This code hash is already authorized and not yet applied.
		AlreadyAuthorized,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Authorizes the runtime code whose blake2-256 hash is `code_hash`
		/// (replacing any other pending authorization); the code is then
		/// applied with `system.apply_authorized_upgrade`, which checks that
		/// the spec name stays and the spec version grows.
		///
		/// The origin must be `UpgradeOrigin`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::authorize_upgrade())]
		pub fn authorize_upgrade(origin: OriginFor<T>, code_hash: T::Hash) -> DispatchResult {
			T::UpgradeOrigin::ensure_origin(origin)?;
			Self::do_authorize_upgrade(code_hash)
		}
	}
}
