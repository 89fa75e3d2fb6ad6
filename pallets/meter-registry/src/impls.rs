//! What other pallets call.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::weights::Weight;

/// Meter attestations, for other pallets (the demand-response pallet checks
/// each hour's fingerprint with them).
pub trait MeterAttestations<AccountId> {
	/// Whether `meter_id` is an active meter of `prosumer`.
	fn check_meter(meter_id: MeterId, prosumer: &AccountId) -> Result<(), AttestationError>;
	/// Checks that `signature` is `meter_id`'s signature over the hour ending
	/// at `hour_end_ms` with blinded fingerprint `fingerprint` (the chain's
	/// little-endian encoding), and that the meter is an active meter of
	/// `prosumer`.
	fn verify_attestation(
		meter_id: MeterId,
		prosumer: &AccountId,
		hour_end_ms: u64,
		fingerprint: &[u8; 32],
		signature: &MeterSignature,
	) -> Result<(), AttestationError>;
	/// Weight of one [`Self::verify_attestation`].
	fn verify_weight() -> Weight;
	/// [`Self::verify_attestation`] for every check, one verdict each, in
	/// order; the signatures are verified together (natively on every core).
	fn verify_attestations(
		checks: &[AttestationCheck<AccountId>],
	) -> Vec<Result<(), AttestationError>>;
	/// Weight of [`Self::verify_attestations`] with `checks` checks of as
	/// many meters.
	fn verify_attestations_weight(checks: u32) -> Weight;
	/// Registers a meter without an origin, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_meter(
		meter_id: MeterId,
		key: MeterKey,
		prosumer: AccountId,
	) -> sp_runtime::DispatchResult;
}

impl<T: Config> MeterAttestations<T::AccountId> for Pallet<T> {
	fn check_meter(meter_id: MeterId, prosumer: &T::AccountId) -> Result<(), AttestationError> {
		Self::active_meter_of(meter_id, prosumer).map(|_| ())
	}

	fn verify_attestation(
		meter_id: MeterId,
		prosumer: &T::AccountId,
		hour_end_ms: u64,
		fingerprint: &[u8; 32],
		signature: &MeterSignature,
	) -> Result<(), AttestationError> {
		Self::do_verify_attestation::<T::Backend>(
			meter_id,
			prosumer,
			hour_end_ms,
			fingerprint,
			signature,
		)
	}

	fn verify_weight() -> Weight {
		T::Backend::weight::<T::WeightInfo>()
	}

	fn verify_attestations(
		checks: &[AttestationCheck<T::AccountId>],
	) -> Vec<Result<(), AttestationError>> {
		Self::do_verify_attestations::<T::Backend>(checks)
	}

	fn verify_attestations_weight(checks: u32) -> Weight {
		T::Backend::batch_weight::<T::WeightInfo>(checks)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_meter(
		meter_id: MeterId,
		key: MeterKey,
		prosumer: T::AccountId,
	) -> sp_runtime::DispatchResult {
		Self::do_register_meter(meter_id, key, prosumer)
	}
}
