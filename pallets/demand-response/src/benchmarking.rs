//! Benchmarks: every call and both `on_idle` steps. Proofs are real
//! (`fixtures/deviation-hour-0.bin`, made by `gridveil-circuits`): the
//! deviation key and the proof of hour 0 of program 0.
use crate::{hooks::SettlementStep, pallet::*, types::*};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use gridveil_groth16::{verifying_key_len, SCALAR_BYTES};
use pallet_zk_verifier::Groth16Verifier;
use sp_runtime::traits::{Saturating, StaticLookup};

/// The deviation key and the proof of hour 0 of program 0.
const FIXTURE: &[u8] = include_bytes!("fixtures/deviation-hour-0.bin");
/// Under the same key, for the same witness: the proofs of hour 0 of
/// programs 0 to 63, 128 bytes each.
const BATCH_FIXTURE: &[u8] = include_bytes!("fixtures/deviation-batch.bin");

/// What the fixture holds.
struct Fixture {
	key: Vec<u8>,
	commitment: Scalar,
	deviation: u64,
	fingerprint: Scalar,
	proof: ProofBytes,
}

fn fixture() -> Result<Fixture, BenchmarkError> {
	let broken = || BenchmarkError::Stop("fixtures/deviation-hour-0.bin does not decode");
	let (key, rest) = FIXTURE.split_at_checked(verifying_key_len(6)).ok_or_else(broken)?;
	let (commitment, rest) = rest.split_first_chunk::<SCALAR_BYTES>().ok_or_else(broken)?;
	let (deviation, rest) = rest.split_first_chunk::<8>().ok_or_else(broken)?;
	let (fingerprint, rest) = rest.split_first_chunk::<SCALAR_BYTES>().ok_or_else(broken)?;
	let proof: ProofBytes = rest.try_into().map_err(|_| broken())?;
	Ok(Fixture {
		key: key.to_vec(),
		commitment: *commitment,
		deviation: u64::from_le_bytes(*deviation),
		fingerprint: *fingerprint,
		proof,
	})
}

/// An account with plenty of funds.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let plenty = T::Currency::minimum_balance().saturating_mul(1_000_000u32.into());
	T::Currency::set_balance(&who, plenty);
	who
}

/// A reward that does not divide evenly by the hours, so settlement both
/// returns and releases.
fn reward<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000u32.into()).saturating_add(7u32.into())
}

/// Parties, a registered key and an offered program 0 of `MaxProgramHours`
/// hours starting one hour from now (the clock is set to one hour).
struct Offered<T: Config> {
	aggregator: T::AccountId,
	prosumer: T::AccountId,
	program_id: ProgramId,
	fixture: Fixture,
}

fn offered<T: Config>() -> Result<Offered<T>, BenchmarkError> {
	let fixture = fixture()?;
	let key_id = T::Verifier::register_key(&fixture.key)?;
	let aggregator = funded::<T>("aggregator", 0);
	let prosumer = funded::<T>("prosumer", 0);
	T::BenchmarkHelper::set_timestamp(HourLength::<T>::get());
	let program_id = offer_to::<T>(&aggregator, &prosumer, key_id, &fixture)?;
	Ok(Offered { aggregator, prosumer, program_id, fixture })
}

/// Offers `prosumer` a program of `MaxProgramHours` hours from two hours
/// after the epoch with the fixture's commitment; returns its id.
fn offer_to<T: Config>(
	aggregator: &T::AccountId,
	prosumer: &T::AccountId,
	key_id: KeyId,
	fixture: &Fixture,
) -> Result<ProgramId, BenchmarkError> {
	let program_id = NextProgramId::<T>::get();
	Pallet::<T>::do_offer_program(
		aggregator.clone(),
		prosumer.clone(),
		key_id,
		fixture.commitment,
		reward::<T>(),
		1u32.into(),
		HourLength::<T>::get().saturating_mul(2),
		T::MaxProgramHours::get(),
	)?;
	Ok(program_id)
}

/// Programs 0 to `count - 1`, each offered to its own prosumer, accepted, and
/// with a device that signed the hour-0 deviation given by `deviation` (the
/// fixture's, or not); the clock at the end of hour 0. The signed entries.
fn signed_batch<T: Config>(
	count: u32,
	deviation: impl Fn(u64) -> u64,
) -> Result<Vec<SignedDeviationOf<T>>, BenchmarkError> {
	let fixture = fixture()?;
	let key_id = T::Verifier::register_key(&fixture.key)?;
	let aggregator = funded::<T>("aggregator", 0);
	let hour_length = HourLength::<T>::get();
	T::BenchmarkHelper::set_timestamp(hour_length);
	let mut entries = Vec::new();
	for index in 0..count {
		let prosumer = funded::<T>("prosumer", index);
		let program_id = offer_to::<T>(&aggregator, &prosumer, key_id, &fixture)?;
		let proof: ProofBytes = BATCH_FIXTURE
			.chunks_exact(128)
			.nth(program_id as usize)
			.and_then(|chunk| chunk.try_into().ok())
			.ok_or(BenchmarkError::Stop("fixtures/deviation-batch.bin has no such program"))?;
		Pallet::<T>::do_accept_program(prosumer.clone(), program_id)?;
		let deviation = deviation(fixture.deviation);
		let payload = deviation_payload(program_id, 0, deviation, &fixture.fingerprint, &proof);
		let (device, signature) = T::BenchmarkHelper::sign_with_new_key(&payload)
			.ok_or(BenchmarkError::Stop("the benchmark keystore cannot sign"))?;
		Pallet::<T>::do_authorize_device(prosumer, device.clone())?;
		entries.push(SignedDeviation {
			program_id,
			hour: 0,
			deviation,
			fingerprint: fixture.fingerprint,
			proof,
			signer: device,
			signature,
		});
	}
	T::BenchmarkHelper::set_timestamp(hour_length.saturating_mul(3));
	Ok(entries)
}

/// A bounded batch for the call.
fn bounded<T: Config>(
	entries: Vec<SignedDeviationOf<T>>,
) -> Result<BoundedVec<SignedDeviationOf<T>, T::MaxDeviationBatch>, BenchmarkError> {
	BoundedVec::try_from(entries).map_err(|_| BenchmarkError::Weightless)
}

/// An accepted program 0, the clock at the end of its hour 0.
fn active<T: Config>() -> Result<Offered<T>, BenchmarkError> {
	let offered = offered::<T>()?;
	Pallet::<T>::do_accept_program(offered.prosumer.clone(), offered.program_id)?;
	T::BenchmarkHelper::set_timestamp(HourLength::<T>::get().saturating_mul(3));
	Ok(offered)
}

/// Moves the clock to when `program_id`'s settlement is due.
fn at_settlement<T: Config>(program_id: ProgramId) -> Result<u64, BenchmarkError> {
	let program = Programs::<T>::get(program_id).ok_or(BenchmarkError::Weightless)?;
	let hour_length = HourLength::<T>::get();
	let due = program.due(hour_length, T::GraceHours::get()).ok_or(BenchmarkError::Weightless)?;
	T::BenchmarkHelper::set_timestamp(due);
	Ok(due.div_ceil(hour_length.max(1)))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn offer_program() -> Result<(), BenchmarkError> {
		let fixture = fixture()?;
		let key_id = T::Verifier::register_key(&fixture.key)?;
		let aggregator = funded::<T>("aggregator", 0);
		let prosumer: T::AccountId = account("prosumer", 0, 0);
		let hour_length = HourLength::<T>::get();
		T::BenchmarkHelper::set_timestamp(hour_length);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(aggregator),
			T::Lookup::unlookup(prosumer),
			key_id,
			fixture.commitment,
			reward::<T>(),
			1u32.into(),
			hour_length.saturating_mul(2),
			T::MaxProgramHours::get(),
		);

		assert!(Programs::<T>::contains_key(0));
		Ok(())
	}

	#[benchmark]
	fn withdraw_offer() -> Result<(), BenchmarkError> {
		let offered = offered::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(offered.aggregator), offered.program_id);

		assert!(!Programs::<T>::contains_key(offered.program_id));
		Ok(())
	}

	#[benchmark]
	fn accept_program() -> Result<(), BenchmarkError> {
		let offered = offered::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(offered.prosumer), offered.program_id);

		let status = Programs::<T>::get(offered.program_id).map(|program| program.status);
		assert_eq!(status, Some(ProgramStatus::Active));
		Ok(())
	}

	#[benchmark]
	fn authorize_device() {
		let prosumer = funded::<T>("prosumer", 0);
		let device: T::AccountId = account("device", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(prosumer.clone()), T::Lookup::unlookup(device.clone()));

		assert_eq!(Devices::<T>::get(device), Some(prosumer));
	}

	#[benchmark]
	fn revoke_device() -> Result<(), BenchmarkError> {
		let prosumer = funded::<T>("prosumer", 0);
		let device: T::AccountId = account("device", 0, 0);
		Pallet::<T>::do_authorize_device(prosumer.clone(), device.clone())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(prosumer), T::Lookup::unlookup(device.clone()));

		assert!(!Devices::<T>::contains_key(device));
		Ok(())
	}

	/// A valid proof, signed by a device: verification, the penalty transfer
	/// and the hour's record.
	#[benchmark]
	fn submit_deviation() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let device: T::AccountId = account("device", 0, 0);
		Pallet::<T>::do_authorize_device(active.prosumer.clone(), device.clone())?;
		let fixture = active.fixture;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(device),
			active.program_id,
			0,
			fixture.deviation,
			fixture.fingerprint,
			fixture.proof,
		);

		assert!(HourRecords::<T>::contains_key(active.program_id, 0));
		Ok(())
	}

	/// A well-formed but false proof (the deviation is off by one): verification,
	/// forfeiture of the whole escrow and exclusion.
	#[benchmark]
	fn submit_deviation_forfeiting() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let fixture = active.fixture;

		#[extrinsic_call]
		submit_deviation(
			RawOrigin::Signed(active.prosumer.clone()),
			active.program_id,
			0,
			fixture.deviation.saturating_add(1),
			fixture.fingerprint,
			fixture.proof,
		);

		assert!(Excluded::<T>::contains_key(&active.prosumer));
		Ok(())
	}

	/// A relayed batch of `n` valid deviations, each signed by its program's
	/// device: `n` signature checks, one batch verification, `n` penalties
	/// and records.
	#[benchmark]
	fn submit_deviations(
		n: Linear<1, { T::MaxDeviationBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let entries = bounded::<T>(signed_batch::<T>(n, |deviation| deviation)?)?;
		let relayer = funded::<T>("relayer", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(relayer), entries);

		assert!((0..u64::from(n)).all(|program_id| HourRecords::<T>::contains_key(program_id, 0)));
		Ok(())
	}

	/// A relayed batch of `n` false deviations (each off by one): the batch
	/// check fails, every proof is verified alone, every program forfeits.
	#[benchmark]
	fn submit_deviations_forfeiting(
		n: Linear<1, { T::MaxDeviationBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let entries = bounded::<T>(signed_batch::<T>(n, |deviation| deviation.saturating_add(1))?)?;
		let relayer = funded::<T>("relayer", 0);

		#[extrinsic_call]
		submit_deviations(RawOrigin::Signed(relayer), entries);

		let forfeited = (0..u64::from(n)).filter(|program_id| {
			Programs::<T>::get(program_id).map(|program| program.status)
				== Some(ProgramStatus::Forfeited)
		});
		assert_eq!(forfeited.count(), n as usize);
		Ok(())
	}

	/// Every hour missing and a remainder left: both transfers.
	#[benchmark]
	fn settle() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		at_settlement::<T>(active.program_id)?;
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), active.program_id);

		let status = Programs::<T>::get(active.program_id).map(|program| program.status);
		assert_eq!(status, Some(ProgramStatus::Completed));
		Ok(())
	}

	/// One `on_idle` step that settles a due program.
	#[benchmark]
	fn on_idle_settle() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let period = at_settlement::<T>(active.program_id)?;
		let step;

		#[block]
		{
			step = Pallet::<T>::settlement_step(period);
		}

		assert_eq!(step, SettlementStep::Settled(active.program_id));
		Ok(())
	}

	/// One `on_idle` step over an empty period.
	#[benchmark]
	fn on_idle_empty_period() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let period = at_settlement::<T>(active.program_id)?;
		SettlementCursor::<T>::put(period.saturating_sub(1));
		let step;

		#[block]
		{
			step = Pallet::<T>::settlement_step(period);
		}

		assert_eq!(step, SettlementStep::Advanced);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
