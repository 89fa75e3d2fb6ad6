//! A minimal runtime for the pallet's tests.
use crate as pallet_meter_registry;
use frame_support::derive_impl;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		MeterRegistry: pallet_meter_registry,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_meter_registry::Config for Test {
	type RegistrarOrigin = frame_system::EnsureRoot<u64>;
	type Backend = pallet_meter_registry::HostFunction;
	type WeightInfo = ();
}

/// Genesis with no meters, at block 1 (so events are kept).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut externalities = sp_io::TestExternalities::new(storage);
	externalities.execute_with(|| System::set_block_number(1));
	externalities
}
