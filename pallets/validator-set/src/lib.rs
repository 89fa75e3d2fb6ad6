#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use impls::{Identified, SessionLengthOf, ValidatorOf};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::StaticLookup;

	/// How a call names an account (polkadot.js apps' address field).
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config
		+ pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
	{
		/// Who adds and removes validators: the consortium's governance.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The most validators the consortium may have.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// The fewest validators the set may shrink to, by removal or offence.
		#[pallet::constant]
		type MinValidators: Get<u32>;
		/// Weights of this pallet's calls and of planning a session.
		type WeightInfo: WeightInfo;
	}

	/// The consortium's validators, in the order they were added: those
	/// with session keys are planned into every new session.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Validators reported for an offence, removed when the next session is planned.
	#[pallet::storage]
	pub type Offenders<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// How many blocks a session lasts; validator changes take effect at
	/// session boundaries.
	#[pallet::storage]
	pub type SessionLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultSessionLength<T>>;

	/// One hour of 6-second blocks.
	#[pallet::type_value]
	pub fn DefaultSessionLength<T: Config>() -> BlockNumberFor<T> {
		600u32.into()
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The first validators (they need session keys in pallet-session's genesis).
		pub validators: alloc::vec::Vec<T::AccountId>,
		/// Blocks per session; zero keeps the default of 600.
		pub session_length: BlockNumberFor<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut validators = BoundedVec::<T::AccountId, T::MaxValidators>::default();
			for validator in &self.validators {
				assert!(!validators.contains(validator), "a genesis validator is listed twice");
				assert!(
					validators.try_push(validator.clone()).is_ok(),
					"more genesis validators than MaxValidators"
				);
			}
			Validators::<T>::put(validators);
			if !sp_runtime::traits::Zero::is_zero(&self.session_length) {
				SessionLength::<T>::put(self.session_length);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance added a validator: once it has set its session keys, it
		/// is planned into the next session and validates from the one after.
		ValidatorAdded {
			/// The validator's account.
			validator: T::AccountId,
		},
		/// Governance removed a validator: it is planned out of the next
		/// session and stops validating at the one after.
		ValidatorRemoved {
			/// The validator's account.
			validator: T::AccountId,
		},
		/// A validator was reported for an offence (an equivocation) in a
		/// session; it is removed when the next session is planned.
		OffenceReported {
			/// The reported validator.
			validator: T::AccountId,
			/// The session of the offence.
			session: SessionIndex,
		},
		/// A reported validator was removed from the consortium's validators.
		OffenderRemoved {
			/// The validator's account.
			validator: T::AccountId,
		},
		/// A reported validator stays because removing it would take the set
		/// below the minimum; governance must add a validator first.
		OffenderKeptAtMinimum {
			/// The validator's account.
			validator: T::AccountId,
		},
		/// A new validator set was planned: it validates from the session
		/// after `session`.
		SetPlanned {
			/// The session the set was planned for.
			session: SessionIndex,
			/// The validators with session keys, in order.
			validators: alloc::vec::Vec<T::AccountId>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already one of the consortium's validators.
		AlreadyValidator,
		/// The consortium already has `MaxValidators` validators.
		TooManyValidators,
		/// The account is not one of the consortium's validators.
		NotValidator,
		/// Removing the validator would leave fewer than `MinValidators`.
		TooFewValidators,
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Adds a validator to the consortium. It validates from the second
		/// session boundary after it has also set its session keys
		/// (`session.setKeys`). Governance only.
		#[pallet::call_index(0)]
		pub fn add_validator(
			origin: OriginFor<T>,
			validator: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let validator = T::Lookup::lookup(validator)?;
			Self::do_add_validator(validator)
		}

		/// Removes a validator from the consortium; it stops validating at the
		/// second session boundary. Refused if fewer than `MinValidators`
		/// would remain. Governance only.
		#[pallet::call_index(1)]
		pub fn remove_validator(
			origin: OriginFor<T>,
			validator: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let validator = T::Lookup::lookup(validator)?;
			Self::do_remove_validator(validator)
		}
	}
}
