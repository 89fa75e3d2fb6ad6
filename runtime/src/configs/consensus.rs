//! Block production (Aura), finality (GRANDPA) and the block timestamp.

use frame_support::traits::{ConstBool, ConstU32, ConstU64};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;

use crate::{Aura, Runtime, SLOT_DURATION};

/// At most this many validators author and finalize blocks.
pub type MaxAuthorities = ConstU32<32>;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	/// Validators are removed at session boundaries, not disabled within one.
	type DisabledValidators = ();
	type MaxAuthorities = MaxAuthorities;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

/// GRANDPA keeps the session of each of this many authority sets, so an
/// equivocation can be proven for a week of hourly sessions.
pub type MaxSetIdSessionEntries = ConstU64<168>;

/// An equivocation report stays valid in the pool for an hour of blocks.
pub type ReportLongevity = ConstU64<600>;

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	/// Which session a GRANDPA key belonged to, proven against the session
	/// roots pallet-session's historical part keeps.
	type KeyOwnerProof = sp_session::MembershipProof;
	/// Equivocations the voters see are reported unsigned by the node and
	/// go to pallet-offences; the validator-set manager removes the offender.
	type EquivocationReportSystem = pallet_grandpa::EquivocationReportSystem<
		Self,
		crate::Offences,
		crate::Historical,
		ReportLongevity,
	>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch; DR hours and trading slots follow it.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}
