//! The pallet's types.
use crate::pallet::Config;
use frame_support::BoundedVec;

pub use sp_staking::SessionIndex;

/// The consortium's validators, at most `MaxValidators`.
pub type ValidatorsOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxValidators>;
