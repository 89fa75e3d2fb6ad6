//! The `ecdsa_p256_verify` host function.
//!
//! Declared with `#[runtime_interface]`: the runtime (wasm) calls
//! `ext_gridveil_meter_ecdsa_p256_verify_version_1`, the node answers
//! natively with RustCrypto's `p256`. Both sides run `gridveil_p256::verify`,
//! so host and in-wasm fallback agree on every byte. The node registers
//! [`gridveil_meter::HostFunctions`] beside the Groth16 ones, in its executor
//! and in `benchmark pallet`.
use gridveil_p256::SignatureError;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead},
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
}
