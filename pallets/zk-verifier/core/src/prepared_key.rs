//! [`PreparedKey`]: a verifying key checked once and prepared for fast
//! verification, its preparation and its encoding; and [`fold_inputs`], which
//! derives a key with fewer inputs.

use crate::encoding::{
	decode_verifying_key, inputs_in_key, prepared_key_len, FQ12_BYTES, G1_COMPRESSED,
	G1_UNCOMPRESSED, G2_COMPRESSED, G2_UNCOMPRESSED,
};
use crate::{Scalar, VerifyError, VerifyingKey};
use alloc::vec::Vec;
use ark_bn254::{Bn254, Fq12, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// A verifying key checked once and prepared for fast verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedKey {
	/// `e(alpha_g1, beta_g2)`.
	pub(crate) alpha_beta: Fq12,
	/// `-gamma_g2`.
	pub(crate) gamma_neg: G2Affine,
	/// `-delta_g2`.
	pub(crate) delta_neg: G2Affine,
	/// `gamma_abc_g1`: one base point for the constant and one per public input.
	pub(crate) gamma_abc: Vec<G1Affine>,
}

impl PreparedKey {
	/// Decodes and checks a compressed verifying key (every point on the curve
	/// and in its subgroup, nothing left over, at least the constant term), then
	/// prepares it: one pairing, here, instead of one per verification.
	pub fn from_verifying_key_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
		inputs_in_key(bytes, G1_COMPRESSED + 3 * G2_COMPRESSED, G1_COMPRESSED)
			.ok_or(VerifyError::MalformedKey)?;
		Ok(Self::from_verifying_key(&decode_verifying_key(bytes)?))
	}

	/// Prepares a key already in memory (the prover's side, and tests).
	pub fn from_verifying_key(key: &VerifyingKey) -> Self {
		Self {
			alpha_beta: Bn254::pairing(key.alpha_g1, key.beta_g2).0,
			gamma_neg: (-key.gamma_g2.into_group()).into_affine(),
			delta_neg: (-key.delta_g2.into_group()).into_affine(),
			gamma_abc: key.gamma_abc_g1.clone(),
		}
	}

	/// Decodes a prepared key as the chain stores it, checking every point.
	pub fn decode(bytes: &[u8]) -> Result<Self, VerifyError> {
		inputs_in_key(bytes, FQ12_BYTES + 2 * G2_UNCOMPRESSED, G1_UNCOMPRESSED)
			.ok_or(VerifyError::MalformedKey)?;
		let mut reader = bytes;
		let alpha_beta = Fq12::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let gamma_neg = G2Affine::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let delta_neg = G2Affine::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
			.map_err(|_| VerifyError::MalformedKey)?;
		let gamma_abc =
			Vec::<G1Affine>::deserialize_with_mode(&mut reader, Compress::No, Validate::Yes)
				.map_err(|_| VerifyError::MalformedKey)?;
		if !reader.is_empty() || gamma_abc.is_empty() {
			return Err(VerifyError::MalformedKey);
		}
		Ok(Self { alpha_beta, gamma_neg, delta_neg, gamma_abc })
	}

	/// The chain's encoding of this prepared key.
	pub fn encode(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.encoded_len());
		// Writing into a Vec cannot fail.
		let _ = self.alpha_beta.serialize_uncompressed(&mut out);
		let _ = self.gamma_neg.serialize_uncompressed(&mut out);
		let _ = self.delta_neg.serialize_uncompressed(&mut out);
		let _ = self.gamma_abc.serialize_uncompressed(&mut out);
		out
	}

	/// Length of [`Self::encode`].
	pub fn encoded_len(&self) -> usize {
		prepared_key_len(self.public_inputs())
	}

	/// Number of public inputs this key verifies.
	pub fn public_inputs(&self) -> u32 {
		self.gamma_abc.len().saturating_sub(1) as u32
	}
}

/// The key for the first `keep` inputs of proofs whose later inputs are
/// fixed to `folded`: `gamma_abc[0] += Σ folded_j · gamma_abc[keep + 1 + j]`.
/// The verifier pallet's benchmarks use it to get a real key and proof for
/// every input count from one fixture.
pub fn fold_inputs(key: &VerifyingKey, keep: usize, folded: &[Scalar]) -> VerifyingKey {
	let mut constant = key.gamma_abc_g1.first().copied().unwrap_or_default().into_group();
	let later = key.gamma_abc_g1.get(keep + 1..).unwrap_or_default();
	for (value, base) in folded.iter().zip(later) {
		constant += *base * value;
	}
	let mut gamma_abc_g1 = Vec::with_capacity(keep + 1);
	gamma_abc_g1.push(constant.into_affine());
	gamma_abc_g1.extend(key.gamma_abc_g1.iter().skip(1).take(keep).copied());
	VerifyingKey { gamma_abc_g1, ..key.clone() }
}
