//! The `groth16_bn254_verify` host function.
//!
//! Declared with `#[runtime_interface]`: the runtime (wasm) calls
//! `ext_gridveil_zk_groth16_bn254_verify_version_1` (and
//! `…_verify_batch_version_1` for batches), the node answers natively with
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

	/// Verifies k proofs under `vk` at once: `proofs` is k 128-byte
	/// compressed proofs back to back, `public_inputs` their inputs in turn.
	/// `Ok(true)`: all hold; `Ok(false)`: at least one is false (verify them
	/// one by one to find which); `Err`: some bytes are not well-formed.
	/// The equations are combined with weights hashed from every byte, so
	/// every validator gets the same answer. Never panics.
	#[version(1)]
	fn groth16_bn254_verify_batch(
		vk: PassFatPointerAndRead<&[u8]>,
		proofs: PassFatPointerAndRead<&[u8]>,
		public_inputs: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<bool, VerifyError>> {
		gridveil_groth16::verify_batch(vk, proofs, public_inputs)
	}
}
