//! The native token: balances with holds (DR escrow) and freezes.

use frame_support::traits::{ConstU128, ConstU32, VariantCountOf};

use crate::{
	Balance, Runtime, RuntimeFreezeReason, RuntimeHoldReason, System, EXISTENTIAL_DEPOSIT,
};

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}
