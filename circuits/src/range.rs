//! Range checks: a value is below 2^bits, so sums and differences of such
//! values never wrap around the field.
use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::SynthesisError;

/// Enforces `value < 2^bits` with `bits + 1` constraints (one per bit, one for
/// the recomposition).
pub fn enforce_below_power_of_two(value: &FpVar<Fr>, bits: usize) -> Result<(), SynthesisError> {
	value.to_bits_le_with_top_bits_zero(bits).map(|_| ())
}
