//! Key, proof and public-input formats of the wider ecosystem.
//!
//! - **arkworks compressed** (the chain's): see `gridveil_groth16`.
//! - **snarkjs** (`verification_key.json`, `proof.json`, `public.json`):
//!   decimal strings; points projective with `z = 1`; G2 coordinates
//!   `[c0, c1]`.
//! - **ZoKrates** g16/bn128 (`verification.key`, `proof.json`): 0x-prefixed
//!   64-digit hex; affine points; G2 coordinates `[c0, c1]`.
//!
//! Every coordinate and scalar is parsed without reduction: a value not below
//! its modulus is an error, and every point must be on its curve and in its
//! prime-order subgroup.
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use gridveil_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

/// Why a document could not be imported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
	/// Not a number in the expected notation.
	#[error("`{0}` is not a number")]
	NotANumber(String),
	/// A number not below its field's modulus (never reduced).
	#[error("`{0}` is not below the field modulus")]
	NotInField(String),
	/// Coordinates that are not a point of the curve's prime-order subgroup.
	#[error("{0} is not a point of the BN254 {1} subgroup")]
	NotAPoint(&'static str, &'static str),
	/// A projective point whose `z` is neither 1 nor the point at infinity.
	#[error("{0} is not normalised (z must be 1)")]
	NotNormalised(&'static str),
	/// Another proof system or curve.
	#[error("unsupported {0}: `{1}` (GridVeil verifies Groth16 over BN254)")]
	Unsupported(&'static str, String),
	/// The document is not valid JSON of the expected shape.
	#[error("malformed document: {0}")]
	Json(String),
}

/// Parses a decimal (`123`) or hex (`0x7b`) number below the modulus of `F`.
pub fn parse_field<F: PrimeField>(text: &str) -> Result<F, FormatError> {
	let not_a_number = || FormatError::NotANumber(text.to_string());
	let value = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
		Some(hex) => BigUint::parse_bytes(hex.as_bytes(), 16),
		None => BigUint::parse_bytes(text.as_bytes(), 10),
	}
	.ok_or_else(not_a_number)?;
	let modulus: BigUint = F::MODULUS.into();
	if value >= modulus {
		return Err(FormatError::NotInField(text.to_string()));
	}
	Ok(F::from_le_bytes_mod_order(&value.to_bytes_le()))
}

/// A field element in decimal.
pub fn to_decimal<F: PrimeField>(value: &F) -> String {
	BigUint::from_bytes_le(&value.into_bigint().to_bytes_le()).to_str_radix(10)
}

/// A field element as 0x-prefixed, 64-digit hex.
pub fn to_hex<F: PrimeField>(value: &F) -> String {
	format!("0x{}", hex::encode(value.into_bigint().to_bytes_be()))
}

fn g1_from(x: Fq, y: Fq, what: &'static str) -> Result<G1Affine, FormatError> {
	let point = G1Affine::new_unchecked(x, y);
	if point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve() {
		Ok(point)
	} else {
		Err(FormatError::NotAPoint(what, "G1"))
	}
}

fn g2_from(x: Fq2, y: Fq2, what: &'static str) -> Result<G2Affine, FormatError> {
	let point = G2Affine::new_unchecked(x, y);
	if point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve() {
		Ok(point)
	} else {
		Err(FormatError::NotAPoint(what, "G2"))
	}
}

/// A verifying key from its points in some tool's notation: `[alpha]`,
/// `[beta, gamma, delta]` and the input bases, each with its name for errors.
fn key_from_points<P1, P2>(
	[alpha]: [(&P1, &'static str); 1],
	[beta, gamma, delta]: [(&P2, &'static str); 3],
	(bases, bases_name): (&[P1], &'static str),
	g1: fn(&P1, &'static str) -> Result<G1Affine, FormatError>,
	g2: fn(&P2, &'static str) -> Result<G2Affine, FormatError>,
) -> Result<VerifyingKey, FormatError> {
	Ok(VerifyingKey {
		alpha_g1: g1(alpha.0, alpha.1)?,
		beta_g2: g2(beta.0, beta.1)?,
		gamma_g2: g2(gamma.0, gamma.1)?,
		delta_g2: g2(delta.0, delta.1)?,
		gamma_abc_g1: bases.iter().map(|point| g1(point, bases_name)).collect::<Result<_, _>>()?,
	})
}

fn fq2(pair: &[String; 2]) -> Result<Fq2, FormatError> {
	Ok(Fq2::new(parse_field(&pair[0])?, parse_field(&pair[1])?))
}

// ---------------------------------------------------------------- snarkjs

/// snarkjs' `verification_key.json` for Groth16 over bn128.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct SnarkjsVerificationKey {
	/// Always `groth16`.
	pub protocol: String,
	/// Always `bn128`.
	pub curve: String,
	/// Number of public signals.
	pub nPublic: usize,
	/// α in G1.
	pub vk_alpha_1: [String; 3],
	/// β in G2.
	pub vk_beta_2: [[String; 2]; 3],
	/// γ in G2.
	pub vk_gamma_2: [[String; 2]; 3],
	/// δ in G2.
	pub vk_delta_2: [[String; 2]; 3],
	/// e(α, β), which snarkjs includes; ignored on import, recomputed on export.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub vk_alphabeta_12: Option<serde_json::Value>,
	/// One G1 base per public signal, plus the constant.
	pub IC: Vec<[String; 3]>,
}

/// snarkjs' `proof.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnarkjsProof {
	/// A in G1.
	pub pi_a: [String; 3],
	/// B in G2.
	pub pi_b: [[String; 2]; 3],
	/// C in G1.
	pub pi_c: [String; 3],
	/// Always `groth16`.
	pub protocol: String,
	/// Always `bn128`.
	pub curve: String,
}

fn snarkjs_g1(point: &[String; 3], what: &'static str) -> Result<G1Affine, FormatError> {
	let (x, y, z): (Fq, Fq, Fq) =
		(parse_field(&point[0])?, parse_field(&point[1])?, parse_field(&point[2])?);
	if z.is_zero() {
		return Ok(G1Affine::zero());
	}
	if z != Fq::from(1u64) {
		return Err(FormatError::NotNormalised(what));
	}
	g1_from(x, y, what)
}

fn snarkjs_g2(point: &[[String; 2]; 3], what: &'static str) -> Result<G2Affine, FormatError> {
	let (x, y, z) = (fq2(&point[0])?, fq2(&point[1])?, fq2(&point[2])?);
	if z.is_zero() {
		return Ok(G2Affine::zero());
	}
	if z != Fq2::from(1u64) {
		return Err(FormatError::NotNormalised(what));
	}
	g2_from(x, y, what)
}

fn snarkjs_g1_out(point: &G1Affine) -> [String; 3] {
	match point.xy() {
		Some((x, y)) => [to_decimal(&x), to_decimal(&y), "1".into()],
		None => ["0".into(), "1".into(), "0".into()],
	}
}

fn snarkjs_g2_out(point: &G2Affine) -> [[String; 2]; 3] {
	match point.xy() {
		Some((x, y)) => [
			[to_decimal(&x.c0), to_decimal(&x.c1)],
			[to_decimal(&y.c0), to_decimal(&y.c1)],
			["1".into(), "0".into()],
		],
		None => [["0".into(), "0".into()], ["1".into(), "0".into()], ["0".into(), "0".into()]],
	}
}

fn check_system(protocol: &str, curve: &str) -> Result<(), FormatError> {
	if protocol != "groth16" && protocol != "g16" {
		return Err(FormatError::Unsupported("protocol", protocol.to_string()));
	}
	if curve != "bn128" && curve != "bn254" {
		return Err(FormatError::Unsupported("curve", curve.to_string()));
	}
	Ok(())
}

impl SnarkjsVerificationKey {
	/// Converts to an arkworks key, checking every point.
	pub fn to_key(&self) -> Result<VerifyingKey, FormatError> {
		check_system(&self.protocol, &self.curve)?;
		if self.IC.len() != self.nPublic + 1 {
			return Err(FormatError::Json(format!(
				"IC has {} points for nPublic = {}",
				self.IC.len(),
				self.nPublic
			)));
		}
		key_from_points(
			[(&self.vk_alpha_1, "vk_alpha_1")],
			[
				(&self.vk_beta_2, "vk_beta_2"),
				(&self.vk_gamma_2, "vk_gamma_2"),
				(&self.vk_delta_2, "vk_delta_2"),
			],
			(&self.IC, "IC"),
			snarkjs_g1,
			snarkjs_g2,
		)
	}

	/// The snarkjs document for an arkworks key.
	pub fn from_key(key: &VerifyingKey) -> Self {
		Self {
			protocol: "groth16".into(),
			curve: "bn128".into(),
			nPublic: key.gamma_abc_g1.len().saturating_sub(1),
			vk_alpha_1: snarkjs_g1_out(&key.alpha_g1),
			vk_beta_2: snarkjs_g2_out(&key.beta_g2),
			vk_gamma_2: snarkjs_g2_out(&key.gamma_g2),
			vk_delta_2: snarkjs_g2_out(&key.delta_g2),
			vk_alphabeta_12: None,
			IC: key.gamma_abc_g1.iter().map(snarkjs_g1_out).collect(),
		}
	}
}

impl SnarkjsProof {
	/// Converts to an arkworks proof, checking every point.
	pub fn to_proof(&self) -> Result<Proof, FormatError> {
		check_system(&self.protocol, &self.curve)?;
		Ok(Proof {
			a: snarkjs_g1(&self.pi_a, "pi_a")?,
			b: snarkjs_g2(&self.pi_b, "pi_b")?,
			c: snarkjs_g1(&self.pi_c, "pi_c")?,
		})
	}

	/// The snarkjs document for an arkworks proof.
	pub fn from_proof(proof: &Proof) -> Self {
		Self {
			pi_a: snarkjs_g1_out(&proof.a),
			pi_b: snarkjs_g2_out(&proof.b),
			pi_c: snarkjs_g1_out(&proof.c),
			protocol: "groth16".into(),
			curve: "bn128".into(),
		}
	}
}

/// snarkjs' `public.json`: decimal public signals.
pub fn snarkjs_public_to_scalars(public: &[String]) -> Result<Vec<Fr>, FormatError> {
	public.iter().map(|value| parse_field(value)).collect()
}

/// Public inputs as snarkjs' `public.json`.
pub fn scalars_to_snarkjs_public(public: &[Fr]) -> Vec<String> {
	public.iter().map(to_decimal).collect()
}

// ---------------------------------------------------------------- ZoKrates

/// ZoKrates' `verification.key` for g16 over bn128.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZokratesVerificationKey {
	/// Always `g16`.
	pub scheme: String,
	/// Always `bn128`.
	pub curve: String,
	/// α in G1.
	pub alpha: [String; 2],
	/// β in G2.
	pub beta: [[String; 2]; 2],
	/// γ in G2.
	pub gamma: [[String; 2]; 2],
	/// δ in G2.
	pub delta: [[String; 2]; 2],
	/// One G1 base per public input, plus the constant.
	pub gamma_abc: Vec<[String; 2]>,
}

/// The proof points of ZoKrates' `proof.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZokratesProofPoints {
	/// A in G1.
	pub a: [String; 2],
	/// B in G2.
	pub b: [[String; 2]; 2],
	/// C in G1.
	pub c: [String; 2],
}

/// ZoKrates' `proof.json`: the proof and its public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZokratesProof {
	/// Always `g16`.
	pub scheme: String,
	/// Always `bn128`.
	pub curve: String,
	/// The proof.
	pub proof: ZokratesProofPoints,
	/// Public inputs (and outputs), hex.
	pub inputs: Vec<String>,
}

fn zokrates_g1(point: &[String; 2], what: &'static str) -> Result<G1Affine, FormatError> {
	g1_from(parse_field(&point[0])?, parse_field(&point[1])?, what)
}

fn zokrates_g2(point: &[[String; 2]; 2], what: &'static str) -> Result<G2Affine, FormatError> {
	g2_from(fq2(&point[0])?, fq2(&point[1])?, what)
}

fn zokrates_g1_out(point: &G1Affine) -> [String; 2] {
	let (x, y) = point.xy().unwrap_or_default();
	[to_hex(&x), to_hex(&y)]
}

fn zokrates_g2_out(point: &G2Affine) -> [[String; 2]; 2] {
	let (x, y) = point.xy().unwrap_or_default();
	[[to_hex(&x.c0), to_hex(&x.c1)], [to_hex(&y.c0), to_hex(&y.c1)]]
}

impl ZokratesVerificationKey {
	/// Converts to an arkworks key, checking every point.
	pub fn to_key(&self) -> Result<VerifyingKey, FormatError> {
		check_system(&self.scheme, &self.curve)?;
		key_from_points(
			[(&self.alpha, "alpha")],
			[(&self.beta, "beta"), (&self.gamma, "gamma"), (&self.delta, "delta")],
			(&self.gamma_abc, "gamma_abc"),
			zokrates_g1,
			zokrates_g2,
		)
	}

	/// The ZoKrates document for an arkworks key.
	pub fn from_key(key: &VerifyingKey) -> Self {
		Self {
			scheme: "g16".into(),
			curve: "bn128".into(),
			alpha: zokrates_g1_out(&key.alpha_g1),
			beta: zokrates_g2_out(&key.beta_g2),
			gamma: zokrates_g2_out(&key.gamma_g2),
			delta: zokrates_g2_out(&key.delta_g2),
			gamma_abc: key.gamma_abc_g1.iter().map(zokrates_g1_out).collect(),
		}
	}
}

impl ZokratesProof {
	/// Converts to an arkworks proof and its public inputs, checking everything.
	pub fn to_proof(&self) -> Result<(Proof, Vec<Fr>), FormatError> {
		check_system(&self.scheme, &self.curve)?;
		let proof = Proof {
			a: zokrates_g1(&self.proof.a, "a")?,
			b: zokrates_g2(&self.proof.b, "b")?,
			c: zokrates_g1(&self.proof.c, "c")?,
		};
		let inputs =
			self.inputs.iter().map(|value| parse_field(value)).collect::<Result<_, _>>()?;
		Ok((proof, inputs))
	}

	/// The ZoKrates document for an arkworks proof and its inputs.
	pub fn from_proof(proof: &Proof, inputs: &[Fr]) -> Self {
		Self {
			scheme: "g16".into(),
			curve: "bn128".into(),
			proof: ZokratesProofPoints {
				a: zokrates_g1_out(&proof.a),
				b: zokrates_g2_out(&proof.b),
				c: zokrates_g1_out(&proof.c),
			},
			inputs: inputs.iter().map(to_hex).collect(),
		}
	}
}

/// Serde for a scalar written as a decimal string.
pub mod decimal_scalar {
	use super::*;

	/// Writes the scalar in decimal.
	pub fn serialize<S: serde::Serializer>(value: &Fr, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&to_decimal(value))
	}

	/// Reads a decimal or 0x-hex scalar below r.
	pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Fr, D::Error> {
		let text = String::deserialize(deserializer)?;
		parse_field(&text).map_err(serde::de::Error::custom)
	}
}
