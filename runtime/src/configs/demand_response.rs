//! Demand response: programs with escrowed rewards and hourly zero-knowledge
//! deviation proofs, verified by the zk-verifier pallet, over fingerprints
//! the meters sign (the meter-registry pallet).

use crate::{
	Balances, MeterRegistry, Runtime, RuntimeHoldReason, Signature, Timestamp, ZkVerifier,
};
use frame_support::parameter_types;
use sp_runtime::traits::Verify;

parameter_types! {
	/// A program runs at most one day: the deviation circuit proves hours 0 to 23.
	pub const MaxProgramHours: u32 = 24;
	/// Deviations are accepted for two more hours after a program's last
	/// hour, so an edge device back from an outage can catch up.
	pub const GraceHours: u32 = 2;
	/// Settled and forfeited programs, with their hour records, stay on
	/// chain for a week (the energy market keeps its days as long), then
	/// `on_idle` removes them: about 3 KB a prosumer a day would otherwise
	/// stay for ever.
	pub const RecordRetentionHours: u32 = 7 * 24;
	/// A prosumer may have a few edge devices (a spare, a replacement).
	pub const MaxDevicesPerProsumer: u32 = 4;
	/// A relayed batch carries at most 64 deviations. Its weight must
	/// reserve the one-by-one fallback (about 4.5 ms a proof), and smaller
	/// batches pack blocks tighter once the fallback is refunded; past 32 or
	/// so, batching saves little more per proof.
	pub const MaxDeviationBatch: u32 = 64;
}

impl pallet_demand_response::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Verifier = ZkVerifier;
	type Meters = MeterRegistry;
	type Time = Timestamp;
	type MaxProgramHours = MaxProgramHours;
	type GraceHours = GraceHours;
	type RecordRetentionHours = RecordRetentionHours;
	type MaxDevicesPerProsumer = MaxDevicesPerProsumer;
	type MaxDeviationBatch = MaxDeviationBatch;
	type DeviationSignature = Signature;
	type DeviationSigner = <Signature as Verify>::Signer;
	type WeightInfo = pallet_demand_response::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SetTimestamp;
}

/// Sets the block timestamp and signs deviations for the pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct SetTimestamp;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_demand_response::BenchmarkHelper<crate::AccountId, Signature> for SetTimestamp {
	fn set_timestamp(moment: pallet_demand_response::Moment) {
		pallet_timestamp::Now::<Runtime>::put(moment);
	}

	/// A new sr25519 key in the benchmark's keystore, as a device would have.
	fn sign_with_new_key(payload: &[u8]) -> Option<(crate::AccountId, Signature)> {
		use sp_runtime::{traits::IdentifyAccount, MultiSigner};
		const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"gvdv");
		let public = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
		let signature = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, payload)?;
		Some((MultiSigner::from(public).into_account(), Signature::from(signature)))
	}
}
