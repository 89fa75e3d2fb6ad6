//! Sudo: the chain's operator key during the pilot.

use crate::{Runtime, RuntimeCall};

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
