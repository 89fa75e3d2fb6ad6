//! The consortium's validators: sessions (with their history, which
//! key-ownership proofs refer to), the validator-set manager and offences.

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::traits::OpaqueKeys;

use crate::{AccountId, Balances, Runtime, SessionKeys, ValidatorSet};

/// Sessions last `pallet_validator_set::SessionLength` blocks, from block 0.
type Sessions =
	pallet_session::PeriodicSessions<pallet_validator_set::SessionLengthOf<Runtime>, ConstU32<0>>;

parameter_types! {
	/// Session keys cost no deposit: only the consortium's validators may set them.
	pub const KeyDeposit: crate::Balance = 0;
}

impl pallet_authorship::Config for Runtime {
	/// The author of a block is the session validator whose Aura key sealed it.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, crate::Aura>;
	type EventHandler = ();
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	/// A validator is identified by its account.
	type ValidatorId = AccountId;
	/// Only the consortium's validators may set session keys.
	type ValidatorIdOf = pallet_validator_set::ValidatorOf<Runtime>;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	/// The validator-set manager plans sessions; the historical wrapper
	/// keeps each session's root for key-ownership proofs.
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Runtime, ValidatorSet>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Offenders are removed at the next session, not disabled within it.
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = KeyDeposit;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	/// No stake stands behind a validator: the account is its identification.
	type FullIdentification = ();
	type FullIdentificationOf = pallet_validator_set::Identified;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	/// A proven offender is removed at the next planned session.
	type OnOffenceHandler = ValidatorSet;
}

impl pallet_validator_set::Config for Runtime {
	/// The consortium's governance.
	type AdminOrigin = super::governance::ConsortiumOrigin;
	type MaxValidators = super::consensus::MaxAuthorities;
	/// Four validators are the smallest set that keeps finalizing with one
	/// of them down (GRANDPA needs more than two thirds): the consortium
	/// never goes below it.
	type MinValidators = ConstU32<4>;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
}
