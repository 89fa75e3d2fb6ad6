//! A runtime for the pallet's tests: balances with holds, the block
//! timestamp, and the real verifier and meter-registry pallets (native host
//! functions).
use crate as pallet_demand_response;
use frame_support::{derive_impl, traits::ConstU32};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Timestamp: pallet_timestamp,
		ZkVerifier: pallet_zk_verifier,
		MeterRegistry: pallet_meter_registry,
		DemandResponse: pallet_demand_response,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

impl pallet_zk_verifier::Config for Test {
	type KeyAdmin = frame_system::EnsureRoot<u64>;
	type Backend = pallet_zk_verifier::HostFunction;
	type MaxPublicInputs = ConstU32<16>;
	type WeightInfo = ();
}

impl pallet_meter_registry::Config for Test {
	type RegistrarOrigin = frame_system::EnsureRoot<u64>;
	type Backend = pallet_meter_registry::HostFunction;
	type WeightInfo = ();
}

impl pallet_demand_response::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Verifier = ZkVerifier;
	type Meters = MeterRegistry;
	type Time = Timestamp;
	type MaxProgramHours = ConstU32<24>;
	type GraceHours = ConstU32<GRACE_HOURS>;
	type RecordRetentionHours = ConstU32<RETENTION_HOURS>;
	type MaxDevicesPerProsumer = ConstU32<MAX_DEVICES>;
	type MaxDeviationBatch = ConstU32<MAX_BATCH>;
	type DeviationSignature = TestSignature;
	type DeviationSigner = UintAuthorityId;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SetTimestamp;
}

/// Sets the mock's clock and signs as new accounts.
#[cfg(feature = "runtime-benchmarks")]
pub struct SetTimestamp;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64, TestSignature> for SetTimestamp {
	fn set_timestamp(moment: crate::Moment) {
		pallet_timestamp::Now::<Test>::put(moment);
	}

	fn sign_with_new_key(payload: &[u8]) -> Option<(u64, TestSignature)> {
		thread_local!(static NEXT: core::cell::Cell<u64> = const { core::cell::Cell::new(1_000) });
		let account = NEXT.with(|next| next.replace(next.get() + 1));
		Some((account, TestSignature(account, payload.to_vec())))
	}
}

/// The test chain's hour: one minute.
pub const HOUR: u64 = 60_000;
/// Hours after a program's end during which deviations are still accepted.
pub const GRACE_HOURS: u32 = 2;
/// Hours a settled or forfeited program stays on chain.
pub const RETENTION_HOURS: u32 = 5;
/// Devices per prosumer.
pub const MAX_DEVICES: u32 = 2;
/// Deviations per relayed batch.
pub const MAX_BATCH: u32 = 8;
/// What every account starts with.
pub const ENDOWMENT: u64 = 1_000_000_000;

/// The aggregator of most tests.
pub const AGGREGATOR: u64 = 1;
/// The prosumer of most tests.
pub const PROSUMER: u64 = 2;
/// The prosumer's edge device.
pub const DEVICE: u64 = 3;
/// Somebody else.
pub const STRANGER: u64 = 4;
/// A second prosumer.
pub const NEIGHBOUR: u64 = 5;

/// Genesis: accounts 1 to 5 funded, one-minute hours, the clock at 0, block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=5).map(|account| (account, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_demand_response::GenesisConfig::<Test> { hour_length: HOUR, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut externalities = sp_io::TestExternalities::new(storage);
	externalities.execute_with(|| System::set_block_number(1));
	externalities
}
