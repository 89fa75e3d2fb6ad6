//! Benchmarks: every call, and verification on both backends by number of
//! public inputs. Keys and proofs are real (`fixtures/inputs-16.bin`, made by
//! `gridveil-circuits`); fewer inputs are folded into the key's constant.
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{traits::EnsureOrigin, BoundedVec};
use gridveil_groth16::{
	decode_inputs, decode_verifying_key, encode_verifying_key, fold_inputs, verifying_key_len,
	PROOF_BYTES, SCALAR_BYTES,
};

/// Key, proof and inputs with [`FIXTURE_INPUTS`] public inputs.
const FIXTURE: &[u8] = include_bytes!("fixtures/inputs-16.bin");
/// Public inputs in the fixture: the most any benchmark uses.
const FIXTURE_INPUTS: u32 = 16;

/// A real key (compressed), proof and inputs for `inputs` public inputs.
struct FixtureStatement {
	key: Vec<u8>,
	proof: Vec<u8>,
	inputs: Vec<PublicInput>,
}

fn statement(inputs: u32) -> Result<FixtureStatement, BenchmarkError> {
	let broken = || BenchmarkError::Stop("fixtures/inputs-16.bin does not decode");
	let key_length = verifying_key_len(FIXTURE_INPUTS);
	let (key, rest) = FIXTURE.split_at_checked(key_length).ok_or_else(broken)?;
	let (proof, input_bytes) = rest.split_at_checked(PROOF_BYTES).ok_or_else(broken)?;
	let key = decode_verifying_key(key).map_err(|_| broken())?;
	let scalars = decode_inputs(input_bytes).map_err(|_| broken())?;
	let keep = (inputs as usize).min(scalars.len());
	Ok(FixtureStatement {
		key: encode_verifying_key(&fold_inputs(&key, keep, &scalars[keep..])),
		proof: proof.to_vec(),
		inputs: input_bytes
			.chunks_exact(SCALAR_BYTES)
			.take(keep)
			.map(|chunk| PublicInput::try_from(chunk).map_err(|_| broken()))
			.collect::<Result<_, _>>()?,
	})
}

/// Most proofs the batch benchmarks verify at once.
const MAX_BATCH: u32 = 512;

/// The 16-input statement's key registered, with its proof: a batch of `n`
/// is `n` copies (the cost does not depend on the proofs being different).
struct Batch {
	key_id: KeyId,
	proof: [u8; PROOF_BYTES],
	inputs: Vec<PublicInput>,
}

impl Batch {
	fn new<T: Config>() -> Result<Self, BenchmarkError> {
		let statement = statement(FIXTURE_INPUTS)?;
		let key_id = registered::<T>(&statement)?;
		let proof =
			statement.proof.as_slice().try_into().map_err(|_| BenchmarkError::Weightless)?;
		Ok(Self { key_id, proof, inputs: statement.inputs })
	}

	fn statements(&self, proofs: u32) -> Vec<Statement<'_>> {
		(0..proofs).map(|_| (&self.proof, &self.inputs[..])).collect()
	}
}

/// Registers the statement's key and returns its id.
fn registered<T: Config>(statement: &FixtureStatement) -> Result<KeyId, BenchmarkError> {
	let key_id = NextKeyId::<T>::get();
	Pallet::<T>::do_register_key(&statement.key)?;
	Ok(key_id)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_key(n: Linear<0, FIXTURE_INPUTS>) -> Result<(), BenchmarkError> {
		let origin =
			T::KeyAdmin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let key: VerifyingKeyOf<T> =
			BoundedVec::try_from(statement(n)?.key).map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, key);

		assert_eq!(Keys::<T>::get(0).map(|key| key.public_inputs), Some(n));
		Ok(())
	}

	#[benchmark]
	fn remove_key() -> Result<(), BenchmarkError> {
		let origin =
			T::KeyAdmin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let key_id = registered::<T>(&statement(6)?)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, key_id);

		assert!(!Keys::<T>::contains_key(key_id));
		Ok(())
	}

	#[benchmark]
	fn verify_with_host_function(n: Linear<0, FIXTURE_INPUTS>) -> Result<(), BenchmarkError> {
		let statement = statement(n)?;
		let key_id = registered::<T>(&statement)?;
		let result;

		#[block]
		{
			result =
				Pallet::<T>::do_verify::<HostFunction>(key_id, &statement.proof, &statement.inputs);
		}

		assert_eq!(result, Ok(()));
		Ok(())
	}

	#[benchmark]
	fn verify_in_wasm(n: Linear<0, FIXTURE_INPUTS>) -> Result<(), BenchmarkError> {
		let statement = statement(n)?;
		let key_id = registered::<T>(&statement)?;
		let result;

		#[block]
		{
			result = Pallet::<T>::do_verify::<InWasm>(key_id, &statement.proof, &statement.inputs);
		}

		assert_eq!(result, Ok(()));
		Ok(())
	}

	/// A batch of `n` valid proofs through the host function: one key decode,
	/// `n + 2` Miller loops, one final exponentiation.
	#[benchmark]
	fn verify_batch_with_host_function(n: Linear<1, MAX_BATCH>) -> Result<(), BenchmarkError> {
		let batch = Batch::new::<T>()?;
		let statements = batch.statements(n);
		let verdicts;

		#[block]
		{
			verdicts = Pallet::<T>::do_verify_batch::<HostFunction>(batch.key_id, &statements);
		}

		assert!(verdicts.len() == n as usize && verdicts.iter().all(Result::is_ok));
		Ok(())
	}

	/// The same batch verified inside the runtime.
	#[benchmark]
	fn verify_batch_in_wasm(n: Linear<1, MAX_BATCH>) -> Result<(), BenchmarkError> {
		let batch = Batch::new::<T>()?;
		let statements = batch.statements(n);
		let verdicts;

		#[block]
		{
			verdicts = Pallet::<T>::do_verify_batch::<InWasm>(batch.key_id, &statements);
		}

		assert!(verdicts.len() == n as usize && verdicts.iter().all(Result::is_ok));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
