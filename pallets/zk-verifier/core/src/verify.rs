//! Verifying one proof: [`PreparedKey::verify`] on decoded values and
//! [`verify`] on the chain's encodings.

use crate::encoding::{decode_inputs, decode_proof};
use crate::prepared_key::PreparedKey;
use crate::{Proof, Scalar, VerifyError};
use ark_bn254::{Bn254, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};

impl PreparedKey {
	/// Verifies `proof` for `inputs`: `Ok(true)` if the pairing equation holds,
	/// `Ok(false)` if it does not, an error if the input count is wrong.
	pub fn verify(&self, proof: &Proof, inputs: &[Scalar]) -> Result<bool, VerifyError> {
		let expected = self.public_inputs();
		if inputs.len() != expected as usize {
			return Err(VerifyError::InputCountMismatch { expected, found: inputs.len() as u32 });
		}
		let (constant, bases) = match self.gamma_abc.split_first() {
			Some(split) => split,
			None => return Err(VerifyError::MalformedKey),
		};
		// Lengths are equal (checked above), so the MSM cannot refuse them.
		let accumulated =
			G1Projective::msm(bases, inputs).map_err(|_| VerifyError::MalformedKey)?;
		let prepared_inputs = (accumulated + constant.into_group()).into_affine();
		let miller = Bn254::multi_miller_loop(
			[proof.a, prepared_inputs, proof.c],
			[proof.b, self.gamma_neg, self.delta_neg],
		);
		Ok(match Bn254::final_exponentiation(miller) {
			Some(result) => result.0 == self.alpha_beta,
			None => false,
		})
	}
}

/// Verifies a proof given the chain's encodings of a prepared key, a proof
/// and the public inputs. This is the body of the host function and of the
/// in-wasm fallback: both answer the same for the same bytes.
pub fn verify(prepared_key: &[u8], proof: &[u8], inputs: &[u8]) -> Result<bool, VerifyError> {
	let key = PreparedKey::decode(prepared_key)?;
	let proof = decode_proof(proof)?;
	let inputs = decode_inputs(inputs)?;
	key.verify(&proof, &inputs)
}
