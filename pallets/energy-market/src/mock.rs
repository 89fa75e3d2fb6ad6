//! A runtime for the pallet's tests: balances, the block timestamp, and
//! `UintAuthorityId` liquidator keys (signatures the test keystore can make).
use crate as pallet_energy_market;
use frame_support::{derive_impl, parameter_types, traits::ConstU32, PalletId};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;
/// The mock's extrinsic (what the offchain worker submits).
pub type Extrinsic = sp_runtime::testing::TestXt<RuntimeCall, ()>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Timestamp: pallet_timestamp,
		EnergyMarket: pallet_energy_market,
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
	type ExistentialDeposit = frame_support::traits::ConstU64<EXISTENTIAL_DEPOSIT>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = ();

	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() {}
}

parameter_types! {
	pub const MarketPalletId: PalletId = PalletId(*b"gv/markt");
}

impl pallet_energy_market::Config for Test {
	type Currency = Balances;
	type Time = Timestamp;
	type MarketAuthority = frame_system::EnsureRoot<u64>;
	type LiquidatorId = UintAuthorityId;
	type PseudonymSignature = TestSignature;
	type PalletId = MarketPalletId;
	type MaxTreeDepth = ConstU32<MAX_DEPTH>;
	type MaxLedgersPerGroup = ConstU32<4>;
	type MaxOperatorsPerGroup = ConstU32<2>;
	type MaxPseudonymBatch = ConstU32<8>;
	type MaxRotationDays = ConstU32<MAX_ROTATION_DAYS>;
	type RegistrationLeadDays = ConstU32<LEAD_DAYS>;
	type RetentionDays = ConstU32<RETENTION_DAYS>;
	type MaxProducers = ConstU32<4>;
	type MaxOffersPerSlot = ConstU32<3>;
	type MaxOpenDays = ConstU32<2>;
	type MaxLiquidators = ConstU32<2>;
	type NodesPerLiquidationPage = ConstU32<PAGE_NODES>;
	type MaxShareWh = frame_support::traits::ConstU64<MAX_SHARE_WH>;
	type MaxPricePerKwh = frame_support::traits::ConstU64<MAX_PRICE>;
	type FallbackPricePerKwh = frame_support::traits::ConstU64<FALLBACK_PRICE>;
	type LiquidationPriority = frame_support::traits::ConstU64<{ u64::MAX / 2 }>;
	type LiquidationLongevity = frame_support::traits::ConstU64<8>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
}

/// Sets the mock's clock and names a liquidator key.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<UintAuthorityId, u64, TestSignature> for MockHelper {
	fn set_timestamp(moment: crate::Moment) {
		pallet_timestamp::Now::<Test>::put(moment);
	}
	fn liquidator() -> UintAuthorityId {
		UintAuthorityId(LIQUIDATOR)
	}
	fn pseudonym(index: u32) -> u64 {
		1_000_000 + u64::from(index)
	}
	fn sign_as_pseudonym(pseudonym: &u64, message: &[u8]) -> TestSignature {
		TestSignature(*pseudonym, message.to_vec())
	}
}

/// The test chain's slot: one second.
pub const SLOT: u64 = 1_000;
/// Slots after a slot in which it may still be reported.
pub const GRACE_SLOTS: u32 = 2;
/// A ledger has at most this many ancestors.
pub const MAX_DEPTH: u32 = 3;
/// Nodes per liquidation page.
pub const PAGE_NODES: u32 = 2;
/// The longest rotation period, days.
pub const MAX_ROTATION_DAYS: u32 = 7;
/// Pseudonyms may be registered up to this many days ahead.
pub const LEAD_DAYS: u32 = 2;
/// Liquidated days are kept this many days.
pub const RETENTION_DAYS: u32 = 2;
/// Largest share, in Wh.
pub const MAX_SHARE_WH: u64 = 100_000;
/// Highest price per kWh.
pub const MAX_PRICE: u64 = 1_000_000;
/// Price of a slot the offers cannot cover.
pub const FALLBACK_PRICE: u64 = 500_000;
/// The existential deposit.
pub const EXISTENTIAL_DEPOSIT: u64 = 10;
/// What every funded account starts with.
pub const ENDOWMENT: u64 = 1_000_000_000;

/// The main grid's account.
pub const MAIN_GRID: u64 = 1;
/// A producer.
pub const PRODUCER: u64 = 2;
/// A second producer.
pub const OTHER_PRODUCER: u64 = 3;
/// A group's coordinator (its clearing account).
pub const COORDINATOR: u64 = 4;
/// An operator of that group.
pub const OPERATOR: u64 = 5;
/// Somebody with no role.
pub const STRANGER: u64 = 6;

/// The liquidator key of the tests.
pub const LIQUIDATOR: u64 = 99;
/// Pseudonyms start here; they have no funds.
pub const FIRST_PSEUDONYM: u64 = 1_000;

/// Genesis: accounts 1 to 7 funded, one-second slots, the clock at 0, block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=7).map(|account| (account, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_energy_market::GenesisConfig::<Test> {
		slot_length_ms: SLOT,
		report_grace_slots: GRACE_SLOTS,
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut externalities = sp_io::TestExternalities::new(storage);
	externalities.execute_with(|| System::set_block_number(1));
	externalities
}
