//! The GridVeil runtime.
//!
//! Wires the FRAME pallets of the chain together: consensus (Aura + GRANDPA
//! over sessions of the consortium's validators, with equivocation reports
//! through pallet-offences), balances, fees (with feeless calls for
//! registered pseudonyms), the consortium's governance (a collective of its
//! members; sudo only on development chains), and GridVeil's own pallets. `configs/` holds one file per concern,
//! `genesis_config_presets.rs` the named genesis states and `apis.rs` the
//! runtime APIs the node and the clients call.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use configs::offchain::{liquidator, LIQUIDATOR_KEY_TYPE};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// The runtime's identity, reported to clients (polkadot.js apps reads it).
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("gridveil"),
	impl_name: alloc::borrow::Cow::Borrowed("gridveil"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// Target block time: one Aura slot, 6 seconds.
pub const MILLISECONDS_PER_BLOCK: u64 = 6_000;
/// Aura's slot length; it cannot change once the chain runs.
pub const SLOT_DURATION: u64 = MILLISECONDS_PER_BLOCK;

/// The chain's token has 12 decimals; one whole token is `UNIT`.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// The smallest balance an account may hold and still exist.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature: sr25519, ed25519 or ecdsa, as wallets produce them.
pub type Signature = MultiSignature;
/// An account is identified by the public key of its signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance of the native token.
pub type Balance = u128;
/// The number of transactions an account has sent.
pub type Nonce = u32;
/// A 32-byte hash.
pub type Hash = sp_core::H256;
/// How extrinsics name accounts (polkadot.js apps' default).
pub type Address = MultiAddress<AccountId, ()>;
/// The block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// The block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every transaction goes through, in order. All are the
/// standard FRAME extensions, so polkadot.js apps and subxt sign without
/// custom types (`AuthorizeCall` adds no bytes to what a signer signs).
/// `SkipCheckIfFeeless` exempts calls marked `feeless_if` (the market's
/// share reports) from fees. Transaction version 4 since spec 105, which
/// added `AuthorizeCall`.
pub type TxExtension = (
	// First: a general transaction without a signer gets its origin here,
	// from its call's `#[pallet::authorize]` (liquidation pages).
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_skip_feeless_payment::SkipCheckIfFeeless<
		Runtime,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as it travels over the wire.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations to run on the next runtime upgrade. Each checks its
/// pallet's storage version, so it runs once and is a no-op on a chain
/// started from a newer genesis.
type Migrations = (
	// Spec 105: the day's phase out of the trading day's record.
	pallet_energy_market::migrations::v1::MigrateToV1<Runtime>,
);

/// The custom "unknown validity" code of a transaction checked while the
/// new code's migrations have not run (see [`migrations_pending`]).
pub const MIGRATIONS_PENDING: u8 = 1;

/// Whether this code is newer than the code whose migrations last ran: true
/// only in the block that set new code, until the next block runs them.
pub fn migrations_pending() -> bool {
	frame_system::LastRuntimeUpgrade::<Runtime>::get()
		.is_some_and(|last| last.was_upgraded(&VERSION))
}

/// The pool's check of a transaction at `block_hash`. Until the block after
/// an upgrade is built, the pool checks transactions with the new code
/// against storage the new code's migrations have not converted yet (a share
/// report would not be feeless, say): such a transaction is neither valid nor
/// invalid, and is to be sent again.
pub fn validate_transaction(
	source: sp_runtime::transaction_validity::TransactionSource,
	transaction: <Block as sp_runtime::traits::Block>::Extrinsic,
	block_hash: <Block as sp_runtime::traits::Block>::Hash,
) -> sp_runtime::transaction_validity::TransactionValidity {
	if migrations_pending() {
		return Err(sp_runtime::transaction_validity::UnknownTransaction::Custom(
			MIGRATIONS_PENDING,
		)
		.into());
	}
	Executive::validate_transaction(source, transaction, block_hash)
}

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Types the node needs without knowing the runtime's call and event types.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// An opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// An opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// An opaque block identifier.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The keys a validator registers: one for block authoring, one for finality.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type SkipFeelessPayment = pallet_skip_feeless_payment;

	#[runtime::pallet_index(7)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(8)]
	pub type ZkVerifier = pallet_zk_verifier;

	#[runtime::pallet_index(9)]
	pub type DemandResponse = pallet_demand_response;

	#[runtime::pallet_index(10)]
	pub type EnergyMarket = pallet_energy_market;

	#[runtime::pallet_index(11)]
	pub type MeterRegistry = pallet_meter_registry;

	#[runtime::pallet_index(12)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(13)]
	pub type ValidatorSet = pallet_validator_set;

	#[runtime::pallet_index(14)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(15)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(16)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(17)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(18)]
	pub type CouncilMembership = pallet_membership<Instance1>;

	#[runtime::pallet_index(19)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(20)]
	pub type UpgradeAuthorization = pallet_upgrade_authorization;
}
