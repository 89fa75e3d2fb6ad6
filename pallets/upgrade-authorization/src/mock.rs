//! A runtime where account 1 is the upgrade origin.
use crate as pallet_upgrade_authorization;
use frame_support::{derive_impl, traits::EnsureOrigin};
use frame_system::RawOrigin;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		UpgradeAuthorization: pallet_upgrade_authorization,
	}
);

/// The account that stands for the consortium's governance.
pub const GOVERNANCE: u64 = 1;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// Account [`GOVERNANCE`] signing.
pub struct EnsureGovernance;
impl EnsureOrigin<RuntimeOrigin> for EnsureGovernance {
	type Success = ();
	fn try_origin(origin: RuntimeOrigin) -> Result<(), RuntimeOrigin> {
		match origin.clone().into() {
			Ok(RawOrigin::Signed(GOVERNANCE)) => Ok(()),
			_ => Err(origin),
		}
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<RuntimeOrigin, ()> {
		Ok(RuntimeOrigin::signed(GOVERNANCE))
	}
}

impl pallet_upgrade_authorization::Config for Test {
	type UpgradeOrigin = EnsureGovernance;
	type WeightInfo = ();
}

/// Externalities at block 1 (events are recorded from block 1 on).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
