//! Prints the deviation circuit's figures: circuit v2 (blinded fingerprint)
//! against v1 (unblinded) in one run, constraints and proving time; then
//! v2's setup time, proving time (median of 15), the prover's peak RSS and
//! native verification time.
//!
//! `cargo bench --workspace --bench deviation` (or `make bench-circuits`).
//! Figures, not assertions: CI does not run this.
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use gridveil_circuits::{
	deviation::{self, UnblindedCircuit},
	keys, poseidon, DeviationCircuit, PublicInputs, READINGS_PER_HOUR,
};
use gridveil_groth16::{encode_proof, PreparedKey};
use rand::{rngs::StdRng, SeedableRng};
use std::time::{Duration, Instant};

const PROOFS: usize = 15;
const VERIFICATIONS: usize = 200;

fn median(mut samples: Vec<Duration>) -> Duration {
	samples.sort();
	samples[samples.len() / 2]
}

/// Peak resident set size of this process so far (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
	let status = std::fs::read_to_string("/proc/self/status").ok()?;
	let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
	line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets VmHWM to the current RSS, so the next reading is the peak of what follows.
fn reset_peak_rss() {
	let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Constraints and median proving time of one circuit version.
fn version<C: ConstraintSynthesizer<Fr> + Clone>(label: &str, blank: C, statement: C) {
	let cs = ConstraintSystem::<Fr>::new_ref();
	statement.clone().generate_constraints(cs.clone()).unwrap();
	assert!(cs.is_satisfied().unwrap(), "{label}: the statement does not hold");
	let mut rng = StdRng::seed_from_u64(7);
	let (key, _) = Groth16::<Bn254>::circuit_specific_setup(blank, &mut rng).unwrap();
	let times: Vec<Duration> = (0..PROOFS)
		.map(|_| {
			let started = Instant::now();
			Groth16::<Bn254>::prove(&key, statement.clone(), &mut rng).unwrap();
			started.elapsed()
		})
		.collect();
	println!(
		"  {label:<28} {:>6} constraints, prove median {:.1} ms ({PROOFS} proofs)",
		cs.num_constraints(),
		median(times).as_secs_f64() * 1e3
	);
}

fn main() {
	let readings_per_hour = READINGS_PER_HOUR;
	let witness = gridveil_circuits::fixture::example_witness();
	let public = deviation::statement(7, 9, Fr::from(0u64), &witness, readings_per_hour).unwrap();

	println!(
		"Circuit v2 (blinded fingerprint) against v1 (unblinded), L={readings_per_hour}, {} build:",
		std::env::consts::ARCH
	);
	let v1_public = PublicInputs {
		fingerprint: poseidon::unblinded_chain(Fr::from(0u64), &witness.readings),
		..public
	};
	let circuit = |public: PublicInputs| DeviationCircuit {
		readings_per_hour,
		public: Some(public),
		witness: Some(witness.clone()),
	};
	version(
		"v1 (unblinded)",
		UnblindedCircuit(DeviationCircuit::blank(readings_per_hour)),
		UnblindedCircuit(circuit(v1_public)),
	);
	version(
		"v2 (blinded, the product)",
		DeviationCircuit::blank(readings_per_hour),
		circuit(public),
	);

	let cs = ConstraintSystem::<Fr>::new_ref();
	DeviationCircuit { readings_per_hour, public: Some(public), witness: Some(witness.clone()) }
		.generate_constraints(cs.clone())
		.unwrap();
	println!("DeviationCircuit L={readings_per_hour}");
	println!("  constraints          {}", cs.num_constraints());
	println!("  witness variables    {}", cs.num_witness_variables());
	println!("  threads              {}", rayon_threads());

	let mut times = Vec::new();
	for _ in 0..5 {
		let started = Instant::now();
		let cs = ConstraintSystem::<Fr>::new_ref();
		DeviationCircuit {
			readings_per_hour,
			public: Some(public),
			witness: Some(witness.clone()),
		}
		.generate_constraints(cs.clone())
		.unwrap();
		cs.finalize();
		times.push(started.elapsed());
	}
	println!(
		"  synthesis + inlining median {:.1} ms (part of every proof)",
		median(times).as_secs_f64() * 1e3
	);

	let mut rng = StdRng::seed_from_u64(42);
	let started = Instant::now();
	let key = keys::setup(readings_per_hour, &mut rng).unwrap();
	println!("  setup                {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
	println!("  proving key          {} bytes", key.to_bytes().len());

	reset_peak_rss();
	let before = peak_rss_kib();
	let mut times = Vec::with_capacity(PROOFS);
	let mut last = None;
	for _ in 0..PROOFS {
		let started = Instant::now();
		let proven = keys::prove(&key, 7, 9, Fr::from(0u64), &witness, &mut rng).unwrap();
		times.push(started.elapsed());
		last = Some(proven);
	}
	let peak = peak_rss_kib();
	let (public, proof) = last.unwrap();
	let fastest = times.iter().min().copied().unwrap();
	println!(
		"  prove                median {:.1} ms, fastest {:.1} ms ({PROOFS} proofs)",
		median(times).as_secs_f64() * 1e3,
		fastest.as_secs_f64() * 1e3
	);
	if let (Some(before), Some(peak)) = (before, peak) {
		println!(
			"  prover peak RSS      {:.1} MiB (process RSS before proving {:.1} MiB)",
			peak as f64 / 1024.0,
			before as f64 / 1024.0
		);
	}

	let prepared = PreparedKey::from_verifying_key(key.verifying_key()).encode();
	let proof = encode_proof(&proof);
	let inputs = public.to_bytes();
	let mut times = Vec::with_capacity(VERIFICATIONS);
	for _ in 0..VERIFICATIONS {
		let started = Instant::now();
		let valid = gridveil_groth16::verify(&prepared, &proof, &inputs).unwrap();
		times.push(started.elapsed());
		assert!(valid);
	}
	println!(
		"  verify (native, decode + check)  median {:.0} µs ({VERIFICATIONS} runs)",
		median(times).as_secs_f64() * 1e6
	);
	let micros = |duration: Duration| duration.as_secs_f64() * 1e6;
	let key = PreparedKey::decode(&prepared).unwrap();
	let decoded = gridveil_groth16::decode_proof(&proof).unwrap();
	let scalars = gridveil_groth16::decode_inputs(&inputs).unwrap();
	println!(
		"    of which: key decode {:.0} µs, proof decode {:.0} µs, inputs decode {:.0} µs, pairing check {:.0} µs",
		micros(time(VERIFICATIONS, || drop(PreparedKey::decode(&prepared)))),
		micros(time(VERIFICATIONS, || drop(gridveil_groth16::decode_proof(&proof)))),
		micros(time(VERIFICATIONS, || drop(gridveil_groth16::decode_inputs(&inputs)))),
		micros(time(VERIFICATIONS, || {
			let _ = key.verify(&decoded, &scalars);
		})),
	);
}

/// Median time of `work` over `runs` runs.
fn time(runs: usize, mut work: impl FnMut()) -> Duration {
	median(
		(0..runs)
			.map(|_| {
				let started = Instant::now();
				work();
				started.elapsed()
			})
			.collect(),
	)
}

fn rayon_threads() -> usize {
	std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
