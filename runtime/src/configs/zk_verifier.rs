//! The zero-knowledge verifier: Groth16/BN254 keys, verified by the node's
//! `groth16_bn254_verify` host function.

use crate::Runtime;
use frame_support::parameter_types;

parameter_types! {
	/// Most public inputs a verifying key may have (the deviation circuit has
	/// six; the benchmarks cover up to sixteen).
	pub const MaxPublicInputs: u32 = 16;
}

impl pallet_zk_verifier::Config for Runtime {
	/// Keys are registered by a motion of the consortium (or root on a development chain).
	type KeyAdmin = super::governance::ConsortiumOrigin;
	/// Native verification; `pallet_zk_verifier::InWasm` is the fallback.
	type Backend = pallet_zk_verifier::HostFunction;
	type MaxPublicInputs = MaxPublicInputs;
	type WeightInfo = pallet_zk_verifier::weights::SubstrateWeight<Runtime>;
}
