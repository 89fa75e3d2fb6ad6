//! Setup, proving and verification, and the key files.
//!
//! One setup per `L` (readings per hour) serves every program: the request is
//! a private input. The proving key file is `GVPK ‖ L:u32le ‖` arkworks'
//! uncompressed proving key (loaded with every point checked, without square
//! roots); the verifying key file is the chain's encoding (arkworks
//! compressed), ready for `ZkVerifier::register_key`.
use crate::deviation::{self, DeviationCircuit, PublicInputs, StatementError, Witness};
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use gridveil_groth16::{PreparedKey, Proof, VerifyError, VerifyingKey};
use rand::{CryptoRng, RngCore};

/// A Groth16 proving key over BN254.
pub type ProvingKey = ark_groth16::ProvingKey<Bn254>;

/// Magic bytes of a proving key file.
const PROVING_KEY_MAGIC: &[u8; 4] = b"GVPK";

/// What can go wrong around keys and proofs.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
	/// The statement cannot be proven (bad hour, value, reading count).
	#[error(transparent)]
	Statement(#[from] StatementError),
	/// arkworks refused to synthesize, set up or prove.
	#[error("constraint synthesis failed: {0}")]
	Synthesis(#[from] ark_relations::gr1cs::SynthesisError),
	/// A key file does not decode.
	#[error("not a GridVeil proving key: {0}")]
	ProvingKeyFile(String),
	/// The chain's verifier refused the bytes.
	#[error("verification input rejected: {0:?}")]
	Verify(VerifyError),
}

/// The prover's key for one `L`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviationProvingKey {
	/// Readings per hour the key was made for.
	pub readings_per_hour: usize,
	/// The Groth16 proving key.
	pub key: ProvingKey,
}

impl DeviationProvingKey {
	/// The verifying key inside the proving key.
	pub fn verifying_key(&self) -> &VerifyingKey {
		&self.key.vk
	}

	/// File encoding: `GVPK ‖ L:u32le ‖ uncompressed key`.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = PROVING_KEY_MAGIC.to_vec();
		out.extend_from_slice(&(self.readings_per_hour as u32).to_le_bytes());
		// Writing into a Vec cannot fail.
		let _ = self.key.serialize_uncompressed(&mut out);
		out
	}

	/// Decodes a proving key file, checking every point.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
		let invalid = |why: &str| KeyError::ProvingKeyFile(why.to_string());
		let rest =
			bytes.strip_prefix(PROVING_KEY_MAGIC).ok_or_else(|| invalid("missing GVPK magic"))?;
		let (length, mut rest) =
			rest.split_first_chunk::<4>().ok_or_else(|| invalid("truncated"))?;
		let key = ProvingKey::deserialize_with_mode(&mut rest, Compress::No, Validate::Yes)
			.map_err(|error| KeyError::ProvingKeyFile(error.to_string()))?;
		if !rest.is_empty() {
			return Err(invalid("trailing bytes"));
		}
		Ok(Self { readings_per_hour: u32::from_le_bytes(*length) as usize, key })
	}
}

/// Runs the circuit-specific setup for `readings_per_hour` readings.
pub fn setup<R: RngCore + CryptoRng>(
	readings_per_hour: usize,
	rng: &mut R,
) -> Result<DeviationProvingKey, KeyError> {
	let (key, _) =
		Groth16::<Bn254>::circuit_specific_setup(DeviationCircuit::blank(readings_per_hour), rng)?;
	Ok(DeviationProvingKey { readings_per_hour, key })
}

/// Proves one program hour: computes the public statement from the witness
/// and returns it with its proof.
pub fn prove<R: RngCore + CryptoRng>(
	key: &DeviationProvingKey,
	program_id: u64,
	hour: u32,
	previous_fingerprint: Fr,
	witness: &Witness,
	rng: &mut R,
) -> Result<(PublicInputs, Proof), KeyError> {
	let public = deviation::statement(
		program_id,
		hour,
		previous_fingerprint,
		witness,
		key.readings_per_hour,
	)?;
	let circuit = DeviationCircuit {
		readings_per_hour: key.readings_per_hour,
		public: Some(public),
		witness: Some(witness.clone()),
	};
	let proof = Groth16::<Bn254>::prove(&key.key, circuit, rng)?;
	Ok((public, proof))
}

/// Verifies a proof exactly as the chain does (same code, same encodings).
pub fn verify(key: &VerifyingKey, public: &PublicInputs, proof: &Proof) -> Result<bool, KeyError> {
	PreparedKey::from_verifying_key(key)
		.verify(proof, &public.to_scalars())
		.map_err(KeyError::Verify)
}
