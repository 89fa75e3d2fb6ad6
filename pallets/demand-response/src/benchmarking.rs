//! Benchmarks: every call and the three `on_idle` steps. Proofs are real
//! (`fixtures/deviation-hour-0.bin`, made by `gridveil-circuits`): the
//! deviation key and the proof of hour 0 of program 0. Meter signatures are
//! real too: each prosumer gets a meter with a fixed key, which signs the
//! fingerprints at the program's start and at the end of hour 0 (hour 0
//! carries both: the most a submission checks).
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
use gridveil_p256::{attestation_message, low_s, public_key, sign, MeterSigningKey};
use pallet_meter_registry::MeterAttestations;
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

/// The meter of the `index`-th benchmark prosumer: id `index`, a fixed key.
fn meter_key(index: u32) -> Result<MeterSigningKey, BenchmarkError> {
	let mut secret = [0x17u8; 32];
	secret[28..].copy_from_slice(&index.to_be_bytes());
	MeterSigningKey::from_slice(&secret)
		.map_err(|_| BenchmarkError::Stop("a benchmark meter key is a valid scalar"))
}

/// Registers the `index`-th benchmark meter for `prosumer`.
fn register_meter<T: Config>(index: u32, prosumer: &T::AccountId) -> Result<(), BenchmarkError> {
	let key = public_key(&meter_key(index)?);
	T::Meters::register_meter(MeterId::from(index), key, prosumer.clone())?;
	Ok(())
}

/// The `index`-th meter's signature over `fingerprint` at `hour_end`.
fn meter_signature(
	index: u32,
	hour_end: Moment,
	fingerprint: &Scalar,
) -> Result<MeterSignature, BenchmarkError> {
	let message = attestation_message(MeterId::from(index), hour_end, fingerprint);
	low_s(&sign(&meter_key(index)?, &message))
		.map_err(|_| BenchmarkError::Stop("a meter signs well-formed signatures"))
}

/// What the `index`-th meter signs for hour 0 of a program from two hours
/// after the epoch: zero at its start (the fixture's previous fingerprint)
/// and the fixture's fingerprint at its end.
fn hour_zero_attestation<T: Config>(
	index: u32,
	fingerprint: &Scalar,
) -> Result<HourAttestation, BenchmarkError> {
	let hour_length = HourLength::<T>::get();
	let start = hour_length.saturating_mul(2);
	Ok(HourAttestation {
		signature: meter_signature(index, start.saturating_add(hour_length), fingerprint)?,
		previous: Some(AttestedFingerprint {
			fingerprint: [0; 32],
			signature: meter_signature(index, start, &[0; 32])?,
		}),
	})
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
	register_meter::<T>(0, &prosumer)?;
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
		register_meter::<T>(index, &prosumer)?;
		let program_id = offer_to::<T>(&aggregator, &prosumer, key_id, &fixture)?;
		let proof: ProofBytes = BATCH_FIXTURE
			.chunks_exact(128)
			.nth(program_id as usize)
			.and_then(|chunk| chunk.try_into().ok())
			.ok_or(BenchmarkError::Stop("fixtures/deviation-batch.bin has no such program"))?;
		Pallet::<T>::do_accept_program(prosumer.clone(), program_id, MeterId::from(index))?;
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
			attestation: hour_zero_attestation::<T>(index, &fixture.fingerprint)?,
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
	Pallet::<T>::do_accept_program(offered.prosumer.clone(), offered.program_id, 0)?;
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
		_(RawOrigin::Signed(offered.prosumer), offered.program_id, 0);

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

	/// A valid proof of hour 0, signed by a device: both meter signatures,
	/// verification, the penalty transfer and the hour's record.
	#[benchmark]
	fn submit_deviation() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let device: T::AccountId = account("device", 0, 0);
		Pallet::<T>::do_authorize_device(active.prosumer.clone(), device.clone())?;
		let fixture = active.fixture;
		let attestation = hour_zero_attestation::<T>(0, &fixture.fingerprint)?;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(device),
			active.program_id,
			0,
			fixture.deviation,
			fixture.fingerprint,
			fixture.proof,
			attestation,
		);

		assert!(HourRecords::<T>::contains_key(active.program_id, 0));
		Ok(())
	}

	/// A well-formed but false proof (the deviation is off by one) over
	/// fingerprints the meter signed: both meter signatures, verification,
	/// forfeiture of the whole escrow and exclusion.
	#[benchmark]
	fn submit_deviation_forfeiting() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let fixture = active.fixture;
		let attestation = hour_zero_attestation::<T>(0, &fixture.fingerprint)?;

		#[extrinsic_call]
		submit_deviation(
			RawOrigin::Signed(active.prosumer.clone()),
			active.program_id,
			0,
			fixture.deviation.saturating_add(1),
			fixture.fingerprint,
			fixture.proof,
			attestation,
		);

		assert!(Excluded::<T>::contains_key(&active.prosumer));
		Ok(())
	}

	/// A relayed batch of `n` valid deviations, each signed by its program's
	/// device: `n` signature checks, `2n` meter signatures, one batch
	/// verification, `n` penalties and records.
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

	/// One `on_idle` step that removes a settled program whose retention
	/// has passed, with a record for each of its `MaxProgramHours` hours.
	#[benchmark]
	fn on_idle_remove() -> Result<(), BenchmarkError> {
		let active = active::<T>()?;
		let period = at_settlement::<T>(active.program_id)?;
		let settled = Pallet::<T>::settlement_step(period);
		assert_eq!(settled, SettlementStep::Settled(active.program_id));
		let fingerprint = fixture()?.fingerprint;
		for hour in 0..T::MaxProgramHours::get() {
			let record = HourRecord { deviation: 1, fingerprint, penalty: 1u32.into() };
			HourRecords::<T>::insert(active.program_id, hour, record);
		}
		let hour_length = HourLength::<T>::get().max(1);
		let removal =
			period.saturating_add(u64::from(T::RecordRetentionHours::get())).saturating_add(1);
		T::BenchmarkHelper::set_timestamp(removal.saturating_mul(hour_length));
		SettlementCursor::<T>::put(removal);
		let step;

		#[block]
		{
			step = Pallet::<T>::settlement_step(removal);
		}

		assert_eq!(step, SettlementStep::Removed(active.program_id));
		assert!(!Programs::<T>::contains_key(active.program_id));
		assert_eq!(HourRecords::<T>::iter_prefix(active.program_id).count(), 0);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
