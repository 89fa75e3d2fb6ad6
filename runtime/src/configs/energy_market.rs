//! The energy market: a tree of nodes and group ledgers, a day-ahead
//! merit-order auction, feeless pseudonymous share reports and day-end
//! liquidation by offchain workers holding a liquidator key.

use crate::{
	configs::offchain::liquidator, Balance, Balances, Runtime, RuntimeCall, Timestamp, TxExtension,
	UncheckedExtrinsic, UNIT,
};
use frame_support::{parameter_types, PalletId};
use sp_runtime::transaction_validity::TransactionPriority;

parameter_types! {
	/// Derives the market's pot account.
	pub const MarketPalletId: PalletId = PalletId(*b"gv/markt");
	/// Root → up to three intermediate levels → ledger.
	pub const MaxTreeDepth: u32 = 4;
	/// Ledgers in one group (the pseudonyms each prosumer holds, at most).
	pub const MaxLedgersPerGroup: u32 = 16;
	/// Operators in one group.
	pub const MaxOperatorsPerGroup: u32 = 8;
	/// Pseudonyms registered or verified in one call: a ledger's day of
	/// pseudonyms (one per member) in one sorted batch, for groups of up to
	/// 256 members.
	pub const MaxPseudonymBatch: u32 = 256;
	/// A pseudonym lives at most a month (the authority's setting; one day
	/// by default, see docs/privacy.md).
	pub const MaxRotationDays: u32 = 31;
	/// Pseudonyms are registered today for today, tomorrow or the day after.
	pub const RegistrationLeadDays: u32 = 2;
	/// A liquidated day's reports, nets and offers stay a week, then go.
	pub const RetentionDays: u32 = 7;
	/// Registered main-grid producers.
	pub const MaxProducers: u32 = 64;
	/// Offers in one slot.
	pub const MaxOffersPerSlot: u32 = 16;
	/// Days open at once (a week ahead and the day being liquidated).
	pub const MaxOpenDays: u32 = 8;
	/// Liquidator keys (one per validator or so).
	pub const MaxLiquidators: u32 = 8;
	/// Nodes one liquidation page settles.
	pub const NodesPerLiquidationPage: u32 = 32;
	/// A share of at most 1 MWh per slot.
	pub const MaxShareWh: u64 = 1_000_000;
	/// Offers ask at most 1,000 tokens per kWh.
	pub const MaxPricePerKwh: Balance = 1_000 * UNIT;
	/// A slot the offers cannot cover costs 0.5 tokens per kWh.
	pub const FallbackPricePerKwh: Balance = UNIT / 2;
	/// Liquidation pages go ahead of ordinary transactions in the pool.
	pub const LiquidationPriority: TransactionPriority = TransactionPriority::MAX / 2;
	/// A liquidation page stays in the pool for 16 blocks.
	pub const LiquidationLongevity: u64 = 16;
}

impl pallet_energy_market::Config for Runtime {
	type Currency = Balances;
	type Time = Timestamp;
	type MarketAuthority = super::governance::ConsortiumOrigin;
	type LiquidatorId = liquidator::Public;
	type PseudonymSignature = crate::Signature;
	type PalletId = MarketPalletId;
	type MaxTreeDepth = MaxTreeDepth;
	type MaxLedgersPerGroup = MaxLedgersPerGroup;
	type MaxOperatorsPerGroup = MaxOperatorsPerGroup;
	type MaxPseudonymBatch = MaxPseudonymBatch;
	type MaxRotationDays = MaxRotationDays;
	type RegistrationLeadDays = RegistrationLeadDays;
	type RetentionDays = RetentionDays;
	type MaxProducers = MaxProducers;
	type MaxOffersPerSlot = MaxOffersPerSlot;
	type MaxOpenDays = MaxOpenDays;
	type MaxLiquidators = MaxLiquidators;
	type NodesPerLiquidationPage = NodesPerLiquidationPage;
	type MaxShareWh = MaxShareWh;
	type MaxPricePerKwh = MaxPricePerKwh;
	type FallbackPricePerKwh = FallbackPricePerKwh;
	type LiquidationPriority = LiquidationPriority;
	type LiquidationLongevity = LiquidationLongevity;
	type WeightInfo = pallet_energy_market::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketBenchmarkHelper;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = UncheckedExtrinsic;
}

/// Bare extrinsics from offchain workers: GRANDPA's equivocation reports.
impl<LocalCall> frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

/// General transactions (extrinsic format 5) from offchain workers.
impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Liquidation pages: general transactions without a signer, which
/// `AuthorizeCall` admits by the call's own authorization (a liquidator key's
/// signature). Immortal and without a tip: a page is valid once, until the
/// next page is liquidated, and an unsigned origin pays no fee.
impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() -> TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_skip_feeless_payment::SkipCheckIfFeeless::from(
				pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// Sets the clock and makes a liquidator key for the market's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct MarketBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_energy_market::BenchmarkHelper<liquidator::Public, crate::AccountId, crate::Signature>
	for MarketBenchmarkHelper
{
	fn set_timestamp(moment: pallet_energy_market::Moment) {
		pallet_timestamp::Now::<Runtime>::put(moment);
	}
	fn liquidator() -> liquidator::Public {
		use sp_runtime::RuntimeAppPublic;
		liquidator::Public::generate_pair(None)
	}
	fn pseudonym(index: u32) -> crate::AccountId {
		let seed = alloc::format!("//pseudonym/{index}").into_bytes();
		sp_io::crypto::sr25519_generate(PSEUDONYM_BENCHMARK_KEY, Some(seed)).into()
	}
	fn sign_as_pseudonym(pseudonym: &crate::AccountId, message: &[u8]) -> crate::Signature {
		let public = sp_core::sr25519::Public::from_raw(*pseudonym.as_ref());
		sp_io::crypto::sr25519_sign(PSEUDONYM_BENCHMARK_KEY, &public, message)
			.map(crate::Signature::Sr25519)
			.unwrap_or_else(|| crate::Signature::Sr25519(sp_core::sr25519::Signature::default()))
	}
}

/// The keystore's key type for the pseudonym keys benchmarks make.
#[cfg(feature = "runtime-benchmarks")]
const PSEUDONYM_BENCHMARK_KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"psdb");
