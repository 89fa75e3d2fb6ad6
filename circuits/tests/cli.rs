//! The `gridveil-circuits` binary end to end: setup, prove, verify, export to
//! snarkjs and ZoKrates, import back, verify again; a tampered proof fails.
use std::{path::Path, process::Command};

fn run<S: AsRef<str> + std::fmt::Debug>(args: &[S]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_gridveil-circuits"))
		.args(args.iter().map(AsRef::as_ref))
		.output()
		.expect("binary runs")
}

fn ok<S: AsRef<str> + std::fmt::Debug>(args: &[S]) -> String {
	let output = run(args);
	assert!(
		output.status.success(),
		"{args:?} failed: {}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(dir: &Path, name: &str) -> String {
	dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn setup_prove_verify_export_import_round_trip() {
	let dir = tempfile::tempdir().unwrap();
	let dir = dir.path();
	ok(&["setup", "--readings-per-hour", "4", "--out-dir", &path(dir, "keys")]);
	std::fs::write(
		dir.join("hour.json"),
		r#"{"program_id": 7, "hour": 9, "previous_fingerprint": "0",
		    "request": [1000,1100,1200,1300,1400,1500,1600,1700,1800,1900,2000,2100,
		                2200,2300,2400,2500,2600,2700,2800,2900,3000,3100,3200,3300],
		    "salt": "123456789", "readings": [250, 260, 270, 280],
		    "blinding": "17"}"#,
	)
	.unwrap();
	let proved = ok(&[
		"prove",
		"--proving-key",
		&path(dir, "keys/deviation-L4.pk"),
		"--witness",
		&path(dir, "hour.json"),
		"--out-dir",
		&path(dir, "proof"),
	]);
	assert!(proved.contains("deviation 840 Wh"), "{proved}");
	let vk = path(dir, "keys/deviation-L4.vk");
	let proof = path(dir, "proof/proof.bin");
	let public = path(dir, "proof/public.bin");
	assert!(ok(&["verify", "--verifying-key", &vk, "--proof", &proof, "--public", &public])
		.contains("valid"));

	for (format, key_file) in
		[("snarkjs", "verification_key.json"), ("zokrates", "verification.key")]
	{
		let exported = path(dir, format);
		ok(&[
			"export",
			"--format",
			format,
			"--verifying-key",
			&vk,
			"--proof",
			&proof,
			"--public",
			&public,
			"--out-dir",
			&exported,
		]);
		let document = |name: &str| path(Path::new(&exported), name);
		let mut verify: Vec<String> =
			["verify", "--format", format, "--verifying-key"].map(String::from).to_vec();
		verify.extend([document(key_file), "--proof".into(), document("proof.json")]);
		if format == "snarkjs" {
			verify.extend(["--public".into(), document("public.json")]);
		}
		assert!(ok(&verify).contains("valid"), "{format}");

		let imported = path(dir, &format!("{format}-imported"));
		let mut import = verify.clone();
		import[0] = "import".into();
		import.extend(["--out-dir".into(), imported.clone()]);
		let printed = ok(&import);
		assert!(printed.contains("register with ZkVerifier::register_key: 0x"), "{printed}");
		let read = |name: &str| std::fs::read(path(Path::new(&imported), name)).unwrap();
		assert_eq!(read("verifying_key.vk"), std::fs::read(&vk).unwrap());
		assert_eq!(read("proof.bin"), std::fs::read(&proof).unwrap());
		assert_eq!(read("public.bin"), std::fs::read(&public).unwrap());
	}

	// One changed public input: the pairing check fails and the exit code says so.
	let mut inputs = std::fs::read(&public).unwrap();
	inputs[3 * 32] ^= 1; // deviation 840 -> 841
	std::fs::write(&public, inputs).unwrap();
	let output = run(&["verify", "--verifying-key", &vk, "--proof", &proof, "--public", &public]);
	assert!(!output.status.success());
	assert!(String::from_utf8_lossy(&output.stderr).contains("invalid"));
}

#[test]
fn unreadable_inputs_are_refused_with_a_reason() {
	let dir = tempfile::tempdir().unwrap();
	std::fs::write(dir.path().join("bad.vk"), [1u8; 10]).unwrap();
	std::fs::write(dir.path().join("proof.bin"), [0u8; 128]).unwrap();
	std::fs::write(dir.path().join("public.bin"), [0u8; 192]).unwrap();
	let output = run(&[
		"verify",
		"--verifying-key",
		&path(dir.path(), "bad.vk"),
		"--proof",
		&path(dir.path(), "proof.bin"),
		"--public",
		&path(dir.path(), "public.bin"),
	]);
	assert!(!output.status.success());
	assert!(String::from_utf8_lossy(&output.stderr).contains("MalformedKey"));
}

#[test]
fn commit_prints_the_commitment_offer_program_takes() {
	use gridveil_circuits::{fixture::example_witness, poseidon};
	let dir = tempfile::tempdir().unwrap();
	let request = dir.path().join("request.json");
	let witness = example_witness();
	std::fs::write(
		&request,
		format!(r#"{{"request": {:?}, "salt": "123456789"}}"#, witness.request.to_vec()),
	)
	.unwrap();
	let printed = ok(&["commit", "--request", &request.to_string_lossy()]);
	let expected =
		gridveil_groth16::scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt));
	assert!(printed.contains(&format!("commitment 0x{}", hex::encode(expected))), "{printed}");
	assert!(printed.contains("salt 123456789"), "{printed}");

	// Without a salt, a fresh one each time.
	std::fs::write(&request, format!(r#"{{"request": {:?}}}"#, witness.request.to_vec())).unwrap();
	let first = ok(&["commit", "--request", &request.to_string_lossy()]);
	let second = ok(&["commit", "--request", &request.to_string_lossy()]);
	assert_ne!(first, second);

	// A request the circuit cannot prove is refused.
	std::fs::write(&request, format!(r#"{{"request": {:?}}}"#, [1u64 << 40; 24].to_vec())).unwrap();
	assert!(!run(&["commit", "--request", &request.to_string_lossy()]).status.success());
}
