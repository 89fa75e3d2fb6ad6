//! Benchmarks: both calls at their worst, a full consortium whose every
//! validator has session keys.
use crate::{pallet::*, types::*};
use codec::Decode;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use sp_runtime::traits::{StaticLookup, TrailingZeroInput};

/// `count` validators, each with (zero) session keys.
fn consortium<T: Config>(count: u32) -> Result<ValidatorsOf<T>, BenchmarkError> {
	let keys = T::Keys::decode(&mut TrailingZeroInput::zeroes())
		.map_err(|_| BenchmarkError::Stop("session keys decode from zeroes"))?;
	let mut validators = ValidatorsOf::<T>::default();
	for index in 0..count {
		let validator: T::AccountId = account("validator", index, 0);
		pallet_session::NextKeys::<T>::insert(&validator, keys.clone());
		validators
			.try_push(validator)
			.map_err(|_| BenchmarkError::Stop("count is at most MaxValidators"))?;
	}
	Validators::<T>::put(validators.clone());
	Ok(validators)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		consortium::<T>(T::MaxValidators::get() - 1)?;
		let joining: T::AccountId = account("joining", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Lookup::unlookup(joining.clone()));

		assert!(Validators::<T>::get().contains(&joining));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let validators = consortium::<T>(T::MaxValidators::get())?;
		let leaving = validators.last().cloned().ok_or(BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Lookup::unlookup(leaving.clone()));

		assert!(!Validators::<T>::get().contains(&leaving));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
