#![doc = include_str!("../README.md")]

mod block;
mod dispatch;
mod genesis;
pub mod input;
mod invariants;
pub mod seeds;

pub use block::{FIRST_TIMESTAMP, FIRST_TRADING_DAY, MAX_BLOCKS};
pub use dispatch::Outcome;
pub use invariants::{Applied, MAX_GROWTH_PER_CALL};

/// Executes one input from the `development` genesis and panics, naming the
/// invariant and the call, at the first one broken. Inputs that decode to no
/// record do nothing. This is the fuzz target's body.
pub fn run(input: &[u8]) {
	execute(input, None);
}

/// Executes one input exactly as [`run`] does and reports what each executed
/// record did, for the seed tests and for reading a crashing input.
pub fn trace(input: &[u8]) -> Vec<Outcome> {
	let mut outcomes = Vec::new();
	execute(input, Some(&mut outcomes));
	outcomes
}

/// Inputs that walk through the GridVeil pallets' happy and failing paths (a
/// real verifying key and proofs, a trading day through liquidation), named,
/// in the format [`run`] reads. The fuzzer starts from them.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
	seeds::all().into_iter().map(|seed| (seed.name, seed.input)).collect()
}

/// Decodes `input`, builds its blocks and dispatches its records, checking the
/// invariants after every call and every block; records outcomes into `trace`.
fn execute(input: &[u8], mut trace: Option<&mut Vec<Outcome>>) {
	let records = input::decode(input);
	if records.is_empty() {
		return;
	}
	let mut externalities = sp_io::TestExternalities::new(genesis::storage().clone());
	externalities.execute_with(|| {
		let mut chain = block::Chain::start();
		for record in records {
			if record.lapse > 0 && !chain.next_block(record.lapse) {
				break;
			}
			let described = trace
				.is_some()
				.then(|| (input::origin_name(record.origin), input::describe(&record.call)));
			let applied = dispatch::apply(record);
			if let (Some(trace), Some((origin, call))) = (trace.as_deref_mut(), described) {
				trace.push(Outcome { block: chain.number(), origin, call, applied });
			}
		}
		chain.finish();
	});
}
