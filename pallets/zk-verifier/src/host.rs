//! The `groth16_bn254_verify` host function.
//!
//! Declared with `#[runtime_interface]`: the runtime (wasm) calls
//! `ext_gridveil_zk_groth16_bn254_verify_version_1`, the node answers natively with
//! arkworks. Both sides run `gridveil_groth16::verify`, so host and in-wasm
//! fallback agree on every byte. The node registers [`gridveil_zk::HostFunctions`]
//! in its executor and in `benchmark pallet`.
//!
//! (The interface is named `GridveilZk` so the host symbol carries the
//! function's full name: the macro would spell a trait `Groth16Bn254` as
//! `groth_16_bn_254`.)
use gridveil_groth16::VerifyError;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead},
	runtime_interface,
};

/// GridVeil's zero-knowledge host functions.
#[runtime_interface]
pub trait GridveilZk {
	/// Verifies `proof` (128-byte compressed) for `public_inputs` (32-byte
	/// little-endian scalars) under `vk`, a prepared key in the chain's
	/// encoding. `Ok(true)`: valid; `Ok(false)`: well-formed but the pairing
	/// check fails; `Err`: bytes that are not a well-formed statement. Never
	/// panics.
	#[version(1)]
	fn groth16_bn254_verify(
		vk: PassFatPointerAndRead<&[u8]>,
		proof: PassFatPointerAndRead<&[u8]>,
		public_inputs: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<bool, VerifyError>> {
		gridveil_groth16::verify(vk, proof, public_inputs)
	}
}
