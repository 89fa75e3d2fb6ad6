//! The hourly deviation circuit (DESIGN.md §2).
//!
//! Public, in this order: `program_id, commitment, hour, deviation,
//! previous_fingerprint, fingerprint`. Private: `request[24], salt,
//! readings[L], blinding`. It proves (circuit v2):
//! - `commitment = Poseidon(Poseidon(request[0..12]), Poseidon(request[12..24]), salt)`;
//! - `consumption = Σ readings`, every reading `< 2^40` Wh;
//! - `hour < 24`, selecting `request[hour]` by a one-hot selector, `< 2^40` Wh;
//! - `deviation = |request[hour] − consumption|`: `deviation² = (request[hour] −
//!   consumption)²` with `deviation < 2^(40 + bits(L))`, which leaves only the
//!   non-negative root;
//! - `fingerprint` = the Poseidon chain over the readings from
//!   `Poseidon(previous_fingerprint, blinding)`, where `blinding` is the
//!   hour's secret shared by the meter and its paired box (the meter signs
//!   the same fingerprint; `docs/meter-profile.md`).
//!
//! `program_id` appears in no constraint: Groth16 as arkworks reduces it binds
//! every public input (one input-consistency row each), which the tests check.
use crate::{
	poseidon::{self, HOURS},
	range,
};
use ark_bn254::Fr;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use serde::{Deserialize, Serialize};

/// Readings per hour GridVeil ships keys for: 15-minute meters.
pub const READINGS_PER_HOUR: usize = 4;
/// Bits of a reading or a requested hourly energy (Wh): at most 2^40.
pub const VALUE_BITS: usize = 40;
/// Number of public inputs.
pub const PUBLIC_INPUTS: usize = 6;

/// Bits a deviation may need with `readings_per_hour` readings:
/// `|request − Σ readings| ≤ L · 2^40 < 2^(40 + bits(L))`.
pub fn deviation_bits(readings_per_hour: usize) -> usize {
	VALUE_BITS + (usize::BITS - readings_per_hour.leading_zeros()) as usize
}

/// What a deviation proof states in public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicInputs {
	/// The demand-response program (bound so a proof cannot be replayed in another).
	pub program_id: u64,
	/// Commitment to the private 24-hour request and its salt.
	pub commitment: Fr,
	/// Hour of the program, 0 to 23.
	pub hour: u32,
	/// |requested − consumed| energy in the hour, Wh.
	pub deviation: u64,
	/// Fingerprint after the previous hour (0 before the first).
	pub previous_fingerprint: Fr,
	/// Fingerprint after this hour's readings.
	pub fingerprint: Fr,
}

impl PublicInputs {
	/// The inputs as scalars, in the one order prover, verifier and pallet use.
	pub fn to_scalars(&self) -> [Fr; PUBLIC_INPUTS] {
		[
			Fr::from(self.program_id),
			self.commitment,
			Fr::from(self.hour as u64),
			Fr::from(self.deviation),
			self.previous_fingerprint,
			self.fingerprint,
		]
	}

	/// The chain's encoding: six 32-byte little-endian scalars.
	pub fn to_bytes(&self) -> Vec<u8> {
		self.to_scalars().iter().flat_map(gridveil_groth16::scalar_to_bytes).collect()
	}
}

/// What only the prosumer knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
	/// Requested energy per hour of the program, Wh.
	pub request: [u64; HOURS],
	/// Salt of the commitment (a field element, decimal).
	#[serde(with = "crate::encoding::decimal_scalar")]
	pub salt: Fr,
	/// This hour's readings, Wh per interval.
	pub readings: Vec<u64>,
	/// This hour's blinding, `Poseidon(pairing_secret, hour_end_ms)` (a field
	/// element, decimal).
	#[serde(with = "crate::encoding::decimal_scalar")]
	pub blinding: Fr,
}

/// Why a statement cannot be proven.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatementError {
	/// The hour is outside the 24-hour request.
	#[error("hour {0} is not in 0..24")]
	HourOutOfRange(u32),
	/// A value exceeds 2^40 Wh.
	#[error("a reading or request exceeds 2^40 Wh")]
	ValueTooLarge,
	/// The number of readings differs from the key's readings per hour.
	#[error("expected {expected} readings, got {found}")]
	ReadingCount {
		/// Readings per hour of the key.
		expected: usize,
		/// Readings given.
		found: usize,
	},
}

/// Computes the public statement a witness proves for a program hour.
pub fn statement(
	program_id: u64,
	hour: u32,
	previous_fingerprint: Fr,
	witness: &Witness,
	readings_per_hour: usize,
) -> Result<PublicInputs, StatementError> {
	if hour as usize >= HOURS {
		return Err(StatementError::HourOutOfRange(hour));
	}
	if witness.readings.len() != readings_per_hour {
		return Err(StatementError::ReadingCount {
			expected: readings_per_hour,
			found: witness.readings.len(),
		});
	}
	let limit = 1u64 << VALUE_BITS;
	if witness.readings.iter().chain(witness.request.iter()).any(|&value| value >= limit) {
		return Err(StatementError::ValueTooLarge);
	}
	let consumption: u64 = witness.readings.iter().sum();
	Ok(PublicInputs {
		program_id,
		commitment: poseidon::commitment(&witness.request, witness.salt),
		hour,
		deviation: witness.request[hour as usize].abs_diff(consumption),
		previous_fingerprint,
		fingerprint: poseidon::fingerprint(
			previous_fingerprint,
			witness.blinding,
			&witness.readings,
		),
	})
}

/// The circuit for `readings_per_hour` readings. Without values it is the
/// shape used by the setup; with them, a statement to prove.
#[derive(Clone, Debug)]
pub struct DeviationCircuit {
	/// L: readings per hour.
	pub readings_per_hour: usize,
	/// The statement, when proving.
	pub public: Option<PublicInputs>,
	/// The private values, when proving.
	pub witness: Option<Witness>,
}

impl DeviationCircuit {
	/// The circuit's shape, for the setup.
	pub fn blank(readings_per_hour: usize) -> Self {
		Self { readings_per_hour, public: None, witness: None }
	}
}

/// Allocates a value as a private witness; a missing value is only allowed in setup.
fn witness_var<T: Into<Fr> + Copy>(
	cs: &ConstraintSystemRef<Fr>,
	value: Option<T>,
) -> Result<FpVar<Fr>, SynthesisError> {
	FpVar::new_witness(cs.clone(), || {
		value.map(Into::into).ok_or(SynthesisError::AssignmentMissing)
	})
}

/// Circuit v1, whose fingerprint chained the readings straight from the
/// previous one, without the blinding: kept only so that the benchmarks can
/// measure what the blinding costs, and the privacy evaluation what it buys.
/// No key of it is ever made for a chain. Its statement's fingerprint is
/// `poseidon::unblinded_chain(previous_fingerprint, readings)`, and the
/// witness's blinding is ignored.
#[derive(Clone, Debug)]
pub struct UnblindedCircuit(pub DeviationCircuit);

impl ConstraintSynthesizer<Fr> for UnblindedCircuit {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		self.0.synthesize(cs, false)
	}
}

impl ConstraintSynthesizer<Fr> for DeviationCircuit {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		self.synthesize(cs, true)
	}
}

impl DeviationCircuit {
	/// The constraints, with the blinded fingerprint (v2) or without (v1).
	fn synthesize(self, cs: ConstraintSystemRef<Fr>, blinded: bool) -> Result<(), SynthesisError> {
		let length = self.readings_per_hour;
		let public = self.public;
		let witness = self.witness.as_ref();

		// Public inputs: the only place they are allocated, in their one order.
		let scalars = public.map(|public| public.to_scalars());
		let mut inputs = (0..PUBLIC_INPUTS).map(|position| {
			FpVar::new_input(cs.clone(), || {
				scalars.map(|scalars| scalars[position]).ok_or(SynthesisError::AssignmentMissing)
			})
		});
		let mut next = || inputs.next().expect("PUBLIC_INPUTS inputs are allocated");
		let _program_id = next()?;
		let commitment = next()?;
		let hour = next()?;
		let deviation = next()?;
		let previous_fingerprint = next()?;
		let fingerprint = next()?;

		// Private inputs.
		let request = (0..HOURS)
			.map(|hour| witness_var(&cs, witness.map(|w| w.request[hour])))
			.collect::<Result<Vec<_>, _>>()?;
		let salt = witness_var(&cs, witness.map(|w| w.salt))?;
		let readings = (0..length)
			.map(|index| witness_var(&cs, witness.and_then(|w| w.readings.get(index).copied())))
			.collect::<Result<Vec<_>, _>>()?;
		let blinding =
			if blinded { Some(witness_var(&cs, witness.map(|w| w.blinding))?) } else { None };

		// commitment = Poseidon(Poseidon(request[..12]), Poseidon(request[12..]), salt)
		poseidon::commitment_gadget(&request, &salt)?.enforce_equal(&commitment)?;

		// consumption = Σ readings, each below 2^40.
		for reading in &readings {
			range::enforce_below_power_of_two(reading, VALUE_BITS)?;
		}
		let consumption: FpVar<Fr> = readings.iter().sum();

		// hour < 24 selects request[hour] through a one-hot selector.
		let selected_hour = public.map(|public| public.hour as usize);
		let selector = (0..HOURS)
			.map(|index| {
				Boolean::new_witness(cs.clone(), || Ok(selected_hour == Some(index)))
					.map(FpVar::from)
			})
			.collect::<Result<Vec<FpVar<Fr>>, _>>()?;
		let selector_sum: FpVar<Fr> = selector.iter().sum();
		selector_sum.enforce_equal(&FpVar::one())?;
		let weighted_hours: FpVar<Fr> =
			selector.iter().enumerate().map(|(index, bit)| bit * Fr::from(index as u64)).sum();
		weighted_hours.enforce_equal(&hour)?;
		let requested =
			selector.iter().zip(&request).map(|(bit, value)| bit * value).sum::<FpVar<Fr>>();
		range::enforce_below_power_of_two(&requested, VALUE_BITS)?;

		// deviation = |requested − consumption|
		let difference = &requested - &consumption;
		deviation.square()?.enforce_equal(&difference.square()?)?;
		range::enforce_below_power_of_two(&deviation, deviation_bits(length))?;

		// fingerprint = chain over the readings from Poseidon(previous_fingerprint, blinding).
		let chained = match &blinding {
			Some(blinding) => {
				poseidon::fingerprint_gadget(&previous_fingerprint, blinding, &readings)?
			},
			None => poseidon::unblinded_chain_gadget(&previous_fingerprint, &readings)?,
		};
		chained.enforce_equal(&fingerprint)?;
		Ok(())
	}
}
