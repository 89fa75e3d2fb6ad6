//! Benchmarks: both calls, and an attestation's verification on both
//! backends. The meter's key is fixed and its signatures are real (signed
//! in the benchmark's setup).
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use gridveil_p256::{attestation_message, low_s, public_key, sign, MeterSigningKey};
use sp_runtime::traits::StaticLookup;

/// The benchmark meter's id.
const METER: MeterId = 7;
/// The end of the attested hour.
const HOUR_END: u64 = 1_735_693_200_000;
/// The attested fingerprint.
const FINGERPRINT: [u8; 32] = [0x5a; 32];

/// The benchmark meter's signing key: a fixed scalar below the group order.
fn meter_key() -> Result<MeterSigningKey, BenchmarkError> {
	MeterSigningKey::from_slice(&[0x17; 32])
		.map_err(|_| BenchmarkError::Stop("the benchmark meter key is a valid scalar"))
}

/// Registers the benchmark meter for `prosumer`; returns its signature over
/// the benchmark hour.
fn registered<T: Config>(prosumer: &T::AccountId) -> Result<MeterSignature, BenchmarkError> {
	let key = meter_key()?;
	Pallet::<T>::do_register_meter(METER, public_key(&key), prosumer.clone())?;
	let signature = sign(&key, &attestation_message(METER, HOUR_END, &FINGERPRINT));
	low_s(&signature).map_err(|_| BenchmarkError::Stop("a meter signs well-formed signatures"))
}

/// The benchmark meter's attestation checked by `prosumer` with backend `B`.
fn check<T: Config, B: SignatureBackend>(
	prosumer: &T::AccountId,
	signature: &MeterSignature,
) -> Result<(), AttestationError> {
	Pallet::<T>::do_verify_attestation::<B>(METER, prosumer, HOUR_END, &FINGERPRINT, signature)
}

/// Most attestations a batch benchmark checks: two for each of the 32
/// deviations of a relayed batch.
const MAX_BATCH: u32 = 64;

/// `n` meters of `n` prosumers, each with its own key, and each one's
/// attestation of the benchmark hour.
fn meters<T: Config>(n: u32) -> Result<Vec<AttestationCheck<T::AccountId>>, BenchmarkError> {
	(0..n)
		.map(|index| {
			let mut secret = [0x17; 32];
			secret[28..].copy_from_slice(&index.to_be_bytes());
			let key = MeterSigningKey::from_slice(&secret)
				.map_err(|_| BenchmarkError::Stop("the benchmark meter keys are valid scalars"))?;
			let meter_id = METER + MeterId::from(index);
			let prosumer: T::AccountId = account("prosumer", index, 0);
			Pallet::<T>::do_register_meter(meter_id, public_key(&key), prosumer.clone())?;
			let signature = sign(&key, &attestation_message(meter_id, HOUR_END, &FINGERPRINT));
			let signature = low_s(&signature)
				.map_err(|_| BenchmarkError::Stop("a meter signs well-formed signatures"))?;
			Ok(AttestationCheck {
				meter_id,
				prosumer,
				moment_ms: HOUR_END,
				fingerprint: FINGERPRINT,
				signature,
			})
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_meter() -> Result<(), BenchmarkError> {
		let origin =
			T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let prosumer: T::AccountId = account("prosumer", 0, 0);
		let key = public_key(&meter_key()?);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER, key, T::Lookup::unlookup(prosumer.clone()));

		assert_eq!(Meters::<T>::get(METER).map(|meter| meter.prosumer), Some(prosumer));
		Ok(())
	}

	#[benchmark]
	fn revoke_meter() -> Result<(), BenchmarkError> {
		let origin =
			T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		registered::<T>(&account("prosumer", 0, 0))?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER);

		assert_eq!(Meters::<T>::get(METER).map(|meter| meter.status), Some(MeterStatus::Revoked));
		Ok(())
	}

	#[benchmark]
	fn verify_with_host_function() -> Result<(), BenchmarkError> {
		let prosumer: T::AccountId = account("prosumer", 0, 0);
		let signature = registered::<T>(&prosumer)?;
		let result;

		#[block]
		{
			result = check::<T, HostFunction>(&prosumer, &signature);
		}

		assert_eq!(result, Ok(()));
		Ok(())
	}

	/// `n` attestations of `n` meters at once, on the host function: what a
	/// relayed batch of deviations checks.
	#[benchmark]
	fn verify_batch_with_host_function(n: Linear<1, MAX_BATCH>) -> Result<(), BenchmarkError> {
		let checks = meters::<T>(n)?;
		let verdicts;

		#[block]
		{
			verdicts = Pallet::<T>::do_verify_attestations::<HostFunction>(&checks);
		}

		assert!(verdicts.len() == n as usize && verdicts.iter().all(Result::is_ok));
		Ok(())
	}

	/// The same in wasm.
	#[benchmark]
	fn verify_batch_in_wasm(n: Linear<1, MAX_BATCH>) -> Result<(), BenchmarkError> {
		let checks = meters::<T>(n)?;
		let verdicts;

		#[block]
		{
			verdicts = Pallet::<T>::do_verify_attestations::<InWasm>(&checks);
		}

		assert!(verdicts.len() == n as usize && verdicts.iter().all(Result::is_ok));
		Ok(())
	}

	#[benchmark]
	fn verify_in_wasm() -> Result<(), BenchmarkError> {
		let prosumer: T::AccountId = account("prosumer", 0, 0);
		let signature = registered::<T>(&prosumer)?;
		let result;

		#[block]
		{
			result = check::<T, InWasm>(&prosumer, &signature);
		}

		assert_eq!(result, Ok(()));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
