//! The verifier pallet's committed benchmark fixture is what this crate makes.
use gridveil_circuits::fixture;

/// Public inputs of the fixture: the pallet's `MaxPublicInputs` in the runtime.
const FIXTURE_INPUTS: usize = 16;
const FIXTURE: &str =
	concat!(env!("CARGO_MANIFEST_DIR"), "/../pallets/zk-verifier/src/fixtures/inputs-16.bin");

/// Checks that the committed file at `path` is `made`; with
/// `GRIDVEIL_WRITE_FIXTURES` set, writes it first.
fn assert_committed(path: &str, made: &[u8]) {
	if std::env::var_os("GRIDVEIL_WRITE_FIXTURES").is_some() {
		std::fs::write(path, made).unwrap();
	}
	let committed = std::fs::read(path).expect("run with GRIDVEIL_WRITE_FIXTURES=1 to create it");
	assert!(committed == made, "{path} is stale: regenerate with GRIDVEIL_WRITE_FIXTURES=1");
}

#[test]
fn committed_benchmark_fixture_is_current() {
	assert_committed(FIXTURE, &fixture::fixture_bytes(FIXTURE_INPUTS));
}

const DEVIATION_FIXTURE: &str = concat!(
	env!("CARGO_MANIFEST_DIR"),
	"/../pallets/demand-response/src/fixtures/deviation-hour-0.bin"
);

#[test]
fn committed_demand_response_fixture_is_current() {
	assert_committed(DEVIATION_FIXTURE, &fixture::deviation_fixture_bytes());
}

const DEVIATION_BATCH_FIXTURE: &str = concat!(
	env!("CARGO_MANIFEST_DIR"),
	"/../pallets/demand-response/src/fixtures/deviation-batch.bin"
);

#[test]
fn committed_demand_response_batch_fixture_is_current() {
	assert_committed(DEVIATION_BATCH_FIXTURE, &fixture::deviation_batch_fixture_bytes());
}

#[test]
fn folded_fixture_verifies_for_every_prefix() {
	use gridveil_groth16::{decode_proof, decode_verifying_key, PreparedKey};
	let bytes = fixture::fixture_bytes(FIXTURE_INPUTS);
	let key_len = gridveil_groth16::verifying_key_len(FIXTURE_INPUTS as u32);
	let key = decode_verifying_key(&bytes[..key_len]).unwrap();
	let proof = decode_proof(&bytes[key_len..key_len + 128]).unwrap();
	let inputs = fixture::fixture_inputs(FIXTURE_INPUTS);
	for keep in [0, 1, 6, 15, 16] {
		let folded = fixture::fold_inputs(&key, keep, &inputs[keep..]);
		let prepared = PreparedKey::from_verifying_key(&folded);
		assert_eq!(prepared.verify(&proof, &inputs[..keep]), Ok(true), "{keep} inputs");
	}
}
