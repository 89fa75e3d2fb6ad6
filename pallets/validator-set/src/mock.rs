//! A runtime with sessions (historical) of two blocks for the pallet's tests.
use crate as pallet_validator_set;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::{testing::UintAuthorityId, traits::OpaqueKeys, BuildStorage, KeyTypeId};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ValidatorSet: pallet_validator_set,
		Session: pallet_session,
		Historical: pallet_session::historical,
	}
);

/// Blocks per session in the tests.
pub const SESSION_LENGTH: u64 = 2;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// A session handler that only checks the key types.
pub struct KeysOnly;
impl pallet_session::SessionHandler<u64> for KeysOnly {
	const KEY_TYPE_IDS: &'static [KeyTypeId] = &[sp_runtime::key_types::DUMMY];
	fn on_genesis_session<K: OpaqueKeys>(_: &[(u64, K)]) {}
	fn on_new_session<K: OpaqueKeys>(_: bool, _: &[(u64, K)], _: &[(u64, K)]) {}
	fn on_disabled(_: u32) {}
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = u64;
	type ValidatorIdOf = pallet_validator_set::ValidatorOf<Test>;
	type ShouldEndSession =
		pallet_session::PeriodicSessions<pallet_validator_set::SessionLengthOf<Test>, ConstU64<0>>;
	type NextSessionRotation =
		pallet_session::PeriodicSessions<pallet_validator_set::SessionLengthOf<Test>, ConstU64<0>>;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Test, ValidatorSet>;
	type SessionHandler = KeysOnly;
	/// A dummy key whose ownership proofs always hold.
	type Keys = UintAuthorityId;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

impl pallet_session::historical::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_validator_set::Identified;
}

impl pallet_validator_set::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type MaxValidators = ConstU32<6>;
	type MinValidators = ConstU32<3>;
	type WeightInfo = ();
}

/// The genesis validators.
pub const GENESIS: [u64; 4] = [1, 2, 3, 4];

/// Session keys for `account`.
pub fn keys(account: u64) -> UintAuthorityId {
	UintAuthorityId(account)
}

/// Four validators with keys, accounts 1 to 9 funded, at block 1 (so events are kept).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=9).map(|account| (account, 100)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_validator_set::GenesisConfig::<Test> {
		validators: GENESIS.to_vec(),
		session_length: SESSION_LENGTH,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: GENESIS.iter().map(|&account| (account, account, keys(account))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut externalities = sp_io::TestExternalities::new(storage);
	externalities.execute_with(|| System::set_block_number(1));
	externalities
}

/// Runs blocks up to `block`, ending sessions on the way.
pub fn run_to_block(block: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < block {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
	}
}

/// Runs to the first block of session `index`.
pub fn run_to_session(index: u32) {
	run_to_block(u64::from(index) * SESSION_LENGTH);
	assert_eq!(Session::current_index(), index);
}
