#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
pub mod host;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use impls::Groth16Verifier;
pub use pallet::*;
pub use types::*;
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
		/// Who may register and remove verifying keys.
		type KeyAdmin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Where proofs are verified: [`HostFunction`] (native) or [`InWasm`].
		type Backend: VerifierBackend;
		/// Most public inputs a registered key may have.
		#[pallet::constant]
		type MaxPublicInputs: Get<u32>;
		/// Weights of this pallet's calls and of verification.
		type WeightInfo: WeightInfo;
	}

	/// Verifying keys by id: checked once at registration and stored prepared
	/// for verification.
	#[pallet::storage]
	pub type Keys<T: Config> = StorageMap<_, Blake2_128Concat, KeyId, RegisteredKey<T>>;

	/// The id the next registered key receives.
	#[pallet::storage]
	pub type NextKeyId<T: Config> = StorageValue<_, KeyId, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A verifying key was registered; proofs under it can now be verified.
		KeyRegistered {
			/// The id programs refer to.
			key_id: KeyId,
			/// Number of public inputs of proofs under this key.
			public_inputs: u32,
			/// blake2-256 of the key as submitted, to compare with a key file.
			key_hash: [u8; 32],
		},
		/// A verifying key was removed; proofs under it are no longer accepted.
		KeyRemoved {
			/// The removed key's id.
			key_id: KeyId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The key's bytes are not a Groth16/BN254 verifying key: wrong length,
		/// a coordinate not below the field modulus, or a point off the curve or
		/// outside the prime-order subgroup.
		MalformedKey,
		/// No key is registered under this id.
		UnknownKey,
		/// Every key id has been used.
		KeyIdsExhausted,
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers a Groth16/BN254 verifying key (arkworks compressed, as
		/// `gridveil-circuits setup` or `import` writes it). The key is checked
		/// and prepared once; the event gives its id.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_key(inputs_of_key_length(verifying_key.len())))]
		pub fn register_key(
			origin: OriginFor<T>,
			verifying_key: VerifyingKeyOf<T>,
		) -> DispatchResult {
			T::KeyAdmin::ensure_origin(origin)?;
			Self::do_register_key(&verifying_key)
		}

		/// Removes a verifying key. Proofs under it are refused from now on.
		#[pallet::call_index(1)]
		pub fn remove_key(origin: OriginFor<T>, key_id: KeyId) -> DispatchResult {
			T::KeyAdmin::ensure_origin(origin)?;
			Self::do_remove_key(key_id)
		}
	}
}
