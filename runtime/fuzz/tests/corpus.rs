//! The fuzzer's inputs on stable Rust, with the workspace's tests: every seed
//! and every file of the committed corpus (crash reproducers included) runs
//! without breaking an invariant; every seed still does what it is written to
//! do; and the committed seed files are the bytes the seed builder makes.
//!
//! `GRIDVEIL_FUZZ_WRITE_SEEDS=1 cargo test --release -p gridveil-runtime-fuzz --test corpus`
//! rewrites the seed files after a deliberate change.
use gridveil_runtime_fuzz::{run, seeds, trace};
use std::{
	fs,
	panic::{self, AssertUnwindSafe},
	path::{Path, PathBuf},
};

/// The corpus `cargo fuzz run runtime_extrinsics` reads and grows.
fn corpus_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join("runtime_extrinsics")
}

/// The corpus file of the seed `name`.
fn seed_file(name: &str) -> PathBuf {
	corpus_dir().join(format!("seed-{name}"))
}

/// The corpus files (hidden files such as `.gitkeep` aside), sorted.
fn corpus_files() -> Vec<PathBuf> {
	let Ok(entries) = fs::read_dir(corpus_dir()) else { return Vec::new() };
	let mut files: Vec<PathBuf> = entries
		.map(|entry| entry.expect("the corpus directory lists").path())
		.filter(|path| path.is_file())
		.filter(|path| {
			!path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'))
		})
		.collect();
	files.sort();
	files
}

/// Runs one input; the panic message if it breaks an invariant.
fn violation(input: &[u8]) -> Option<String> {
	let payload = panic::catch_unwind(AssertUnwindSafe(|| run(input))).err()?;
	Some(
		payload
			.downcast_ref::<String>()
			.cloned()
			.or_else(|| payload.downcast_ref::<&str>().map(|message| message.to_string()))
			.unwrap_or_else(|| "a panic without a message".into()),
	)
}

#[test]
fn seeds_and_corpus_keep_every_invariant() {
	let mut violations = Vec::new();
	for (name, input) in seeds() {
		if let Some(message) = violation(&input) {
			violations.push(format!("seed {name}: {message}"));
		}
	}
	for path in corpus_files() {
		let input = fs::read(&path).expect("a corpus file reads");
		if let Some(message) = violation(&input) {
			violations.push(format!("{}: {message}", path.display()));
		}
	}
	assert!(violations.is_empty(), "inputs that break an invariant:\n{}", violations.join("\n"));
}

#[test]
fn seeds_do_what_they_are_written_to_do() {
	let mut mismatches = Vec::new();
	for seed in gridveil_runtime_fuzz::seeds::all() {
		let outcomes = trace(&seed.input);
		if outcomes.len() != seed.expected.len() {
			mismatches.push(format!(
				"seed {}: {} records written, {} executed",
				seed.name,
				seed.expected.len(),
				outcomes.len()
			));
		}
		for (index, (outcome, expected)) in outcomes.iter().zip(&seed.expected).enumerate() {
			if !expected.matches(&outcome.applied) {
				mismatches.push(format!(
					"seed {} record {index} (block {}, {} {}): expected {expected:?}, got {:?}",
					seed.name, outcome.block, outcome.origin, outcome.call, outcome.applied
				));
			}
		}
	}
	assert!(
		mismatches.is_empty(),
		"seeds that no longer do what they say:\n{}",
		mismatches.join("\n")
	);
}

#[test]
fn committed_seeds_are_the_built_seeds() {
	let seeds = seeds();
	if std::env::var("GRIDVEIL_FUZZ_WRITE_SEEDS").as_deref() == Ok("1") {
		fs::create_dir_all(corpus_dir()).expect("the corpus directory can be created");
		for (name, input) in &seeds {
			fs::write(seed_file(name), input).expect("a seed file writes");
		}
		return;
	}
	let mut stale: Vec<String> = seeds
		.iter()
		.filter(|(name, input)| fs::read(seed_file(name)).ok().as_ref() != Some(input))
		.map(|(name, _)| format!("seed-{name} is missing or differs"))
		.collect();
	let names: Vec<String> = seeds.iter().map(|(name, _)| format!("seed-{name}")).collect();
	stale.extend(
		corpus_files()
			.iter()
			.filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
			.filter(|file| file.starts_with("seed-") && !names.contains(file))
			.map(|file| format!("{file} is no longer built")),
	);
	assert!(
		stale.is_empty(),
		"the committed seeds drifted from the seed builder:\n{}\nrun \
		 `GRIDVEIL_FUZZ_WRITE_SEEDS=1 cargo test --release -p gridveil-runtime-fuzz --test corpus`, \
		 delete seed files that are no longer built, and commit runtime/fuzz/corpus",
		stale.join("\n"),
	);
}
