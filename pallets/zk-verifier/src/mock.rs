//! A minimal runtime for the pallet's tests.
use crate as pallet_zk_verifier;
use frame_support::{derive_impl, parameter_types};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		ZkVerifier: pallet_zk_verifier,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const MaxPublicInputs: u32 = 16;
}

impl pallet_zk_verifier::Config for Test {
	type KeyAdmin = frame_system::EnsureRoot<u64>;
	type Backend = pallet_zk_verifier::HostFunction;
	type MaxPublicInputs = MaxPublicInputs;
	type WeightInfo = ();
}

/// Genesis with nothing registered, at block 1 (so events are kept).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut externalities = sp_io::TestExternalities::new(storage);
	externalities.execute_with(|| System::set_block_number(1));
	externalities
}
