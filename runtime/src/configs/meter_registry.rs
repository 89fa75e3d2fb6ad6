//! The meter registry: meter keys bound to prosumers, whose hourly
//! attestations the node's `ecdsa_p256_verify` host function checks.

use crate::Runtime;

impl pallet_meter_registry::Config for Runtime {
	/// Meters are registered by a motion of the consortium (or root on a development chain).
	type RegistrarOrigin = super::governance::ConsortiumOrigin;
	/// Native verification; `pallet_meter_registry::InWasm` is the fallback.
	type Backend = pallet_meter_registry::HostFunction;
	type WeightInfo = pallet_meter_registry::weights::SubstrateWeight<Runtime>;
}
