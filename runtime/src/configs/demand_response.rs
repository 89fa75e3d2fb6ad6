//! Demand response: programs with escrowed rewards and hourly zero-knowledge
//! deviation proofs, verified by the zk-verifier pallet.

use crate::{Balances, Runtime, RuntimeHoldReason, Timestamp, ZkVerifier};
use frame_support::parameter_types;

parameter_types! {
	/// A program runs at most one day: the deviation circuit proves hours 0 to 23.
	pub const MaxProgramHours: u32 = 24;
	/// Deviations are accepted for two more hours after a program's last
	/// hour, so an edge device back from an outage can catch up.
	pub const GraceHours: u32 = 2;
	/// A prosumer may have a few edge devices (a spare, a replacement).
	pub const MaxDevicesPerProsumer: u32 = 4;
}

impl pallet_demand_response::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Verifier = ZkVerifier;
	type Time = Timestamp;
	type MaxProgramHours = MaxProgramHours;
	type GraceHours = GraceHours;
	type MaxDevicesPerProsumer = MaxDevicesPerProsumer;
	type WeightInfo = pallet_demand_response::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SetTimestamp;
}

/// Sets the block timestamp for the pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct SetTimestamp;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_demand_response::BenchmarkHelper for SetTimestamp {
	fn set_timestamp(moment: pallet_demand_response::Moment) {
		pallet_timestamp::Now::<Runtime>::put(moment);
	}
}
