//! The consortium's governance: its members (pallet-membership, named
//! `councilMembership`) vote on motions in a collective (pallet-collective,
//! named `council` so that polkadot.js apps' Governance → Council pages
//! work as they are), and a motion carried by
//! the thresholds below is the market authority, the meter registrar, the
//! key admin and the validator-set admin. Sudo exists only on development
//! chains: the `development` preset sets its key, the other chains have none.

use frame_support::{
	parameter_types,
	traits::{ConstU32, EitherOfDiverse},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::system::RuntimeBlockWeights;
use crate::{
	AccountId, BlockNumber, Council, Runtime, RuntimeCall, RuntimeOrigin, MILLISECONDS_PER_BLOCK,
};

/// The collective of the consortium's members.
pub type ConsortiumCollective = pallet_collective::Instance1;

/// Two thirds of the consortium's members: enough to run the market,
/// register meters and keys, and change the validators. Root (sudo on a
/// development chain) may do the same.
pub type ConsortiumOrigin = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, ConsortiumCollective, 2, 3>,
>;

/// Three quarters of the consortium's members: to change who the members
/// are, and to authorize a runtime upgrade.
pub type MembershipOrigin = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, ConsortiumCollective, 3, 4>,
>;

/// The most members the consortium may have.
pub type MaxMembers = ConstU32<32>;

parameter_types! {
	/// A motion is open for votes for a day of 6-second blocks.
	pub const MotionDuration: BlockNumber = (24 * 3_600 * 1_000 / MILLISECONDS_PER_BLOCK) as BlockNumber;
	/// A motion's call may use at most half a block.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<ConsortiumCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = crate::RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = MaxMembers;
	/// A member who does not vote abstains (there is no prime member).
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Members change through pallet-membership only.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = MembershipOrigin;
	type KillOrigin = MembershipOrigin;
	/// Members propose without a deposit.
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type AddOrigin = MembershipOrigin;
	type RemoveOrigin = MembershipOrigin;
	type SwapOrigin = MembershipOrigin;
	type ResetOrigin = MembershipOrigin;
	type PrimeOrigin = MembershipOrigin;
	type MembershipInitialized = Council;
	type MembershipChanged = Council;
	type MaxMembers = MaxMembers;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

/// Batches: a motion carries several calls as one (`utility.batchAll`).
impl pallet_utility::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = crate::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_upgrade_authorization::Config for Runtime {
	/// An upgrade changes every rule: three quarters, like the membership.
	type UpgradeOrigin = MembershipOrigin;
	type WeightInfo = pallet_upgrade_authorization::weights::SubstrateWeight<Runtime>;
}
