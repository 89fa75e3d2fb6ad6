//! The logic behind the calls, and the attestation check other pallets use.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Checks the key and records the meter.
	pub(crate) fn do_register_meter(
		meter_id: MeterId,
		key: MeterKey,
		prosumer: T::AccountId,
	) -> DispatchResult {
		ensure!(!Meters::<T>::contains_key(meter_id), Error::<T>::MeterIdTaken);
		ensure!(!MeterKeys::<T>::contains_key(key), Error::<T>::KeyAlreadyRegistered);
		gridveil_p256::decode_public_key(&key).map_err(|_| Error::<T>::MalformedMeterKey)?;
		Meters::<T>::insert(
			meter_id,
			Meter { key, prosumer: prosumer.clone(), status: MeterStatus::Active },
		);
		MeterKeys::<T>::insert(key, meter_id);
		Self::deposit_event(Event::MeterRegistered { meter_id, prosumer, key });
		Ok(())
	}

	/// Marks a meter revoked.
	pub(crate) fn do_revoke_meter(meter_id: MeterId) -> DispatchResult {
		let mut meter = Meters::<T>::get(meter_id).ok_or(Error::<T>::UnknownMeter)?;
		ensure!(meter.status == MeterStatus::Active, Error::<T>::MeterAlreadyRevoked);
		meter.status = MeterStatus::Revoked;
		let prosumer = meter.prosumer.clone();
		Meters::<T>::insert(meter_id, meter);
		Self::deposit_event(Event::MeterRevoked { meter_id, prosumer });
		Ok(())
	}

	/// The meter, if it is active and measures `prosumer`.
	pub(crate) fn active_meter_of(
		meter_id: MeterId,
		prosumer: &T::AccountId,
	) -> Result<MeterOf<T>, AttestationError> {
		let meter = Meters::<T>::get(meter_id).ok_or(AttestationError::UnknownMeter)?;
		if meter.status == MeterStatus::Revoked {
			return Err(AttestationError::MeterRevoked);
		}
		if meter.prosumer != *prosumer {
			return Err(AttestationError::ForeignMeter);
		}
		Ok(meter)
	}

	/// Checks one hour's attestation with a given backend.
	pub(crate) fn do_verify_attestation<B: SignatureBackend>(
		meter_id: MeterId,
		prosumer: &T::AccountId,
		hour_end_ms: u64,
		fingerprint: &[u8; 32],
		signature: &MeterSignature,
	) -> Result<(), AttestationError> {
		let meter = Self::active_meter_of(meter_id, prosumer)?;
		let message = gridveil_p256::attestation_message(meter_id, hour_end_ms, fingerprint);
		attestation_verdict(B::verify(&meter.key, &message, signature))
	}

	/// Checks several attestations with a given backend: each meter looked
	/// up in turn, then every signature of an active meter verified in one
	/// call. One verdict each, in order.
	pub(crate) fn do_verify_attestations<B: SignatureBackend>(
		checks: &[AttestationCheck<T::AccountId>],
	) -> Vec<Result<(), AttestationError>> {
		let meters: Vec<_> = checks
			.iter()
			.map(|check| Self::active_meter_of(check.meter_id, &check.prosumer))
			.collect();
		let items: Vec<SignedMessage> = checks
			.iter()
			.zip(&meters)
			.filter_map(|(check, meter)| {
				let meter = meter.as_ref().ok()?;
				Some(SignedMessage {
					key: meter.key,
					message: gridveil_p256::attestation_message(
						check.meter_id,
						check.moment_ms,
						&check.fingerprint,
					)
					.to_vec(),
					signature: check.signature,
				})
			})
			.collect();
		let mut signatures = B::verify_batch(&items).into_iter();
		meters
			.into_iter()
			.map(|meter| {
				meter?;
				// One verdict an item; a missing one is refused, never taken.
				attestation_verdict(signatures.next().unwrap_or(Ok(false)))
			})
			.collect()
	}
}

/// An attestation's verdict from its signature's.
fn attestation_verdict(signature: Result<bool, SignatureError>) -> Result<(), AttestationError> {
	match signature {
		Ok(true) => Ok(()),
		Ok(false) => Err(AttestationError::BadSignature),
		Err(reason) => Err(AttestationError::Malformed(reason)),
	}
}
