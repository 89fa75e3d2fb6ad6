//! The `ecdsa_p256_verify` and `ecdsa_p256_verify_batch` host functions.
//!
//! Declared with `#[runtime_interface]`: the runtime (wasm) calls
//! `ext_gridveil_meter_ecdsa_p256_verify_version_1` (and
//! `…_verify_batch_version_1` for several signatures), the node answers
//! natively with RustCrypto's `p256`. Both sides run `gridveil_p256::verify`,
//! so host and in-wasm fallback agree on every byte. The node registers
//! [`gridveil_meter::HostFunctions`] beside the Groth16 ones, in its executor
//! and in `benchmark pallet`.
use alloc::vec::Vec;
use gridveil_p256::{SignatureError, SignedMessage};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecodeSlice, PassFatPointerAndRead},
	runtime_interface,
};

/// GridVeil's meter host functions.
#[runtime_interface]
pub trait GridveilMeter {
	/// Verifies `signature` (64 bytes, `r ‖ s`, low-S) by `public_key` (33
	/// bytes, SEC1 compressed) over SHA-256 of `message`. `Ok(true)`: valid;
	/// `Ok(false)`: well-formed but not this key's signature of this message;
	/// `Err`: bytes that are not a well-formed key or signature. Never panics.
	#[version(1)]
	fn ecdsa_p256_verify(
		public_key: PassFatPointerAndRead<&[u8]>,
		message: PassFatPointerAndRead<&[u8]>,
		signature: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<bool, SignatureError>> {
		gridveil_p256::verify(public_key, message, signature)
	}

	/// Verifies every item as [`Self::ecdsa_p256_verify`] does, one verdict
	/// each, in order; the node spreads the items over its cores. Never
	/// panics.
	#[version(1)]
	fn ecdsa_p256_verify_batch(
		items: PassFatPointerAndDecodeSlice<&[SignedMessage]>,
	) -> AllocateAndReturnByCodec<Vec<Result<bool, SignatureError>>> {
		gridveil_p256::verify_batch(items)
	}
}
