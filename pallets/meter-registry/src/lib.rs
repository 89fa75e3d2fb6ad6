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

pub use impls::MeterAttestations;
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
	pub trait Config: frame_system::Config {
		/// Who registers and revokes meters: the metering operator.
		type RegistrarOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Where signatures are verified: [`HostFunction`] (native) or [`InWasm`].
		type Backend: SignatureBackend;
		/// Weights of this pallet's calls and of verification.
		type WeightInfo: WeightInfo;
	}

	/// Meters by id: their public key, the prosumer whose readings they
	/// attest, and whether they were revoked.
	#[pallet::storage]
	pub type Meters<T: Config> = StorageMap<_, Blake2_128Concat, MeterId, MeterOf<T>>;

	/// The meter each registered key belongs to. A key serves one meter,
	/// forever: a revoked meter's key stays here so it never comes back.
	#[pallet::storage]
	pub type MeterKeys<T: Config> = StorageMap<_, Blake2_128Concat, MeterKey, MeterId>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A meter's key was registered: it now attests the prosumer's readings.
		MeterRegistered {
			/// The meter's id.
			meter_id: MeterId,
			/// Whose readings it measures.
			prosumer: T::AccountId,
			/// Its P-256 public key, SEC1 compressed.
			key: MeterKey,
		},
		/// A meter was revoked: its signatures are refused from now on.
		MeterRevoked {
			/// The meter's id.
			meter_id: MeterId,
			/// Whose readings it measured.
			prosumer: T::AccountId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A meter is already registered under this id (revoked ids are never reused).
		MeterIdTaken,
		/// This key already belongs to a meter (or to a revoked one).
		KeyAlreadyRegistered,
		/// The key is not 33 bytes of a SEC1-compressed point on P-256.
		MalformedMeterKey,
		/// No meter is registered under this id.
		UnknownMeter,
		/// The meter was already revoked.
		MeterAlreadyRevoked,
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers a meter: its id (the operator's number for it), its P-256
		/// public key (33 bytes, SEC1 compressed) and the prosumer whose
		/// readings it measures. The key must be a point on the curve.
		#[pallet::call_index(0)]
		pub fn register_meter(
			origin: OriginFor<T>,
			meter_id: MeterId,
			key: MeterKey,
			prosumer: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			let prosumer = T::Lookup::lookup(prosumer)?;
			Self::do_register_meter(meter_id, key, prosumer)
		}

		/// Revokes a stolen or broken meter: its attestations are refused from
		/// now on, and neither its id nor its key can be registered again.
		#[pallet::call_index(1)]
		pub fn revoke_meter(origin: OriginFor<T>, meter_id: MeterId) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			Self::do_revoke_meter(meter_id)
		}
	}
}
