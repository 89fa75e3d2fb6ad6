//! Poseidon over BN254 exactly as circomlib computes it (x^5 S-box, circomlib's
//! round constants and MDS matrices, capacity element 0), natively through
//! light-poseidon and in R1CS through a gadget that uses the very same
//! parameters, so both always agree with circomlibjs.
//!
//! GridVeil's two uses, defined here once:
//! - `commitment = Poseidon(Poseidon(request[0..12]), Poseidon(request[12..24]), salt)`
//!   (light-poseidon ships circomlib's parameters for at most 12 inputs, so the 24 hourly requests
//!   are hashed in two halves first);
//! - `blinding = Poseidon(pairing_secret, hour_end_ms)`: the hour's secret,
//!   known only to the meter and the edge box paired with it;
//! - `fingerprint`: `f ← Poseidon(previous, blinding)`, then `f ← Poseidon(f,
//!   reading)` for each reading, in order. The previous hour's fingerprint is
//!   public; without the blinding nobody can test guessed readings against
//!   the result (an unblinded chain over four small integers is inverted by
//!   trying values: see `gridveil-privacy`'s brute-force run).
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_r1cs_std::{
	fields::fp::{AllocatedFp, FpVar},
	prelude::*,
};
use ark_relations::gr1cs::{LinearCombination, SynthesisError, Variable};
use light_poseidon::{parameters::bn254_x5, Poseidon, PoseidonHasher, PoseidonParameters};

/// Hours in a demand-response request.
pub const HOURS: usize = 24;
/// Requests hashed per half of the commitment.
const HALF: usize = HOURS / 2;

/// Poseidon's parameters for `inputs` inputs (1 to 12), as circomlib has them.
fn parameters(inputs: usize) -> PoseidonParameters<Fr> {
	// Widths 2..=13 are shipped by light-poseidon; GridVeil uses 2, 3 and 13.
	bn254_x5::get_poseidon_parameters::<Fr>((inputs + 1) as u8)
		.expect("light-poseidon ships circomlib parameters for 1 to 12 inputs")
}

/// The native hash of 1 to 12 field elements.
pub fn hash(inputs: &[Fr]) -> Fr {
	Poseidon::<Fr>::new_circom(inputs.len())
		.and_then(|mut poseidon| poseidon.hash(inputs))
		.expect("GridVeil hashes between 1 and 12 inputs")
}

/// The commitment to a 24-hour request under a salt.
pub fn commitment(request: &[u64; HOURS], salt: Fr) -> Fr {
	let request: Vec<Fr> = request.iter().map(|&value| Fr::from(value)).collect();
	hash(&[hash(&request[..HALF]), hash(&request[HALF..]), salt])
}

/// The blinding of the hour ending at `hour_end_ms` for a meter and box
/// paired with `pairing_secret`.
pub fn blinding(pairing_secret: Fr, hour_end_ms: u64) -> Fr {
	hash(&[pairing_secret, Fr::from(hour_end_ms)])
}

/// One link of the chain.
pub fn chain_step(previous: Fr, value: Fr) -> Fr {
	hash(&[previous, value])
}

/// The unblinded chain `f ← Poseidon(f, reading)` from `previous`: the
/// fingerprint of circuit v1, kept to measure how easily it is inverted.
pub fn unblinded_chain(previous: Fr, readings: &[u64]) -> Fr {
	readings.iter().fold(previous, |chain, &reading| chain_step(chain, Fr::from(reading)))
}

/// The hour's fingerprint: the chain over `readings` from `Poseidon(previous,
/// blinding)`.
pub fn fingerprint(previous: Fr, blinding: Fr, readings: &[u64]) -> Fr {
	unblinded_chain(chain_step(previous, blinding), readings)
}

/// The same hash as [`hash`], as constraints: 3 per S-box (x², x⁴, x⁵).
/// Round constants and the MDS mix are linear: each mixed element is one
/// linear combination (with the next round's constant folded in), so the
/// prover inlines t combinations per round rather than 2t².
pub fn hash_gadget(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
	let parameters = parameters(inputs.len());
	let width = parameters.width;
	let half_full = parameters.full_rounds / 2;
	let rounds = parameters.full_rounds + parameters.partial_rounds;
	let constants = |round: usize| &parameters.ark[round * width..(round + 1) * width];
	let mut state: Vec<FpVar<Fr>> = core::iter::once(FpVar::zero())
		.chain(inputs.iter().cloned())
		.zip(constants(0))
		.map(|(element, constant)| element + *constant)
		.collect();
	for round in 0..rounds {
		let full = round < half_full || round >= half_full + parameters.partial_rounds;
		for element in state.iter_mut().take(if full { width } else { 1 }) {
			*element = sbox(element)?;
		}
		let next = (round + 1 < rounds).then(|| constants(round + 1));
		state = (0..width)
			.map(|row| {
				let constant = next.map_or(Fr::zero(), |constants| constants[row]);
				mix(&state, &parameters.mds[row], constant)
			})
			.collect::<Result<_, _>>()?;
	}
	Ok(state.swap_remove(0))
}

/// `Σ row_j · state_j + constant` as a single linear combination.
fn mix(state: &[FpVar<Fr>], row: &[Fr], constant: Fr) -> Result<FpVar<Fr>, SynthesisError> {
	let mut offset = constant;
	let mut terms = Vec::with_capacity(state.len() + 1);
	let mut value = Some(Fr::zero());
	let mut system = None;
	for (element, coefficient) in state.iter().zip(row) {
		match element {
			FpVar::Constant(known) => offset += *coefficient * known,
			FpVar::Var(variable) => {
				terms.push((*coefficient, variable.variable));
				value =
					value.zip(variable.value().ok()).map(|(sum, known)| sum + *coefficient * known);
				system = Some(variable.cs.clone());
			},
		}
	}
	let Some(system) = system else { return Ok(FpVar::Constant(offset)) };
	terms.push((offset, Variable::One));
	let variable = system.new_lc(|| LinearCombination(terms))?;
	Ok(FpVar::Var(AllocatedFp::new(value.map(|sum| sum + offset), variable, system)))
}

/// x⁵ in three constraints.
fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
	let fourth = x.square()?.square()?;
	Ok(fourth * x)
}

/// [`commitment`] as constraints.
pub fn commitment_gadget(
	request: &[FpVar<Fr>],
	salt: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
	let first = hash_gadget(&request[..HALF])?;
	let second = hash_gadget(&request[HALF..])?;
	hash_gadget(&[first, second, salt.clone()])
}

/// [`fingerprint`] as constraints.
pub fn fingerprint_gadget(
	previous: &FpVar<Fr>,
	blinding: &FpVar<Fr>,
	readings: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
	let blinded = hash_gadget(&[previous.clone(), blinding.clone()])?;
	unblinded_chain_gadget(&blinded, readings)
}

/// [`unblinded_chain`] as constraints.
pub fn unblinded_chain_gadget(
	previous: &FpVar<Fr>,
	readings: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
	readings
		.iter()
		.try_fold(previous.clone(), |chain, reading| hash_gadget(&[chain, reading.clone()]))
}
