//! `docs/meter-profile.md`'s test vectors (`docs/meter-profile.json`) are
//! what GridVeil's simulated meter computes and signs, and their Poseidon
//! values are circomlibjs's (`circuits/vectors/poseidon.json`, written by
//! circomlibjs). OpenSSL's command line verifies their signatures in
//! `gridveil-p256`'s `tests/openssl.rs`. `GRIDVEIL_WRITE_FIXTURES=1` writes
//! the JSON file first.
use std::path::Path;

use gridveil_circuits::fixture::{example_pairing_secret, EXAMPLE_HOUR_END_MS};
use gridveil_edge::meter::{PairingSecret, SigningMeter};
use gridveil_groth16::scalar_to_bytes;
use gridveil_p256::{attestation_message, low_s, public_key, MeterSigningKey};
use serde_json::{json, Value};

/// The profile's meter: id 4242, a fixed private key (a test key: never use it).
const METER_ID: u64 = 4242;
const PRIVATE_KEY: &str = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
/// 15-minute readings, four an hour.
const INTERVAL_MS: u64 = 900_000;
const HOUR_MS: u64 = 3_600_000;
/// The readings of the two hours (those of `circuits/vectors/poseidon.json`).
const HOURS: [[u64; 4]; 2] = [[250, 260, 270, 280], [300, 310, 320, 330]];

fn root() -> &'static Path {
	Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Big-endian hex of a chain-encoded (little-endian) scalar.
fn be_hex(le: &[u8; 32]) -> String {
	let mut bytes = *le;
	bytes.reverse();
	hex::encode(bytes)
}

/// The vectors as the simulated meter makes them: installed at the end of
/// the hour before the example hour (its chain 0 there), then two hours.
fn vectors() -> Value {
	let mut secret_be = scalar_to_bytes(&example_pairing_secret());
	secret_be.reverse();
	let pairing = PairingSecret::from_hex(&hex::encode(secret_be)).unwrap();
	let key = MeterSigningKey::from_slice(&hex::decode(PRIVATE_KEY).unwrap()).unwrap();
	let dir = tempfile::tempdir().unwrap();
	let installed = EXAMPLE_HOUR_END_MS - HOUR_MS;
	let mut meter = SigningMeter::open(
		METER_ID,
		key.clone(),
		pairing.clone(),
		INTERVAL_MS,
		dir.path().join("meter.json"),
		installed,
	)
	.unwrap();
	let start = meter.last();
	let reading = |moment: u64| {
		let hour = ((moment - installed) / HOUR_MS) as usize;
		HOURS[hour][((moment % HOUR_MS) / INTERVAL_MS) as usize]
	};
	let closed = meter.close_hours(installed + 2 * HOUR_MS, reading).unwrap();
	let mut previous = start;
	let hours: Vec<Value> = closed
		.iter()
		.zip(HOURS)
		.map(|(attestation, readings)| {
			let message =
				attestation_message(METER_ID, attestation.hour_end_ms, &attestation.fingerprint);
			let vector = json!({
				"hour_end_ms": attestation.hour_end_ms,
				"readings_wh": readings,
				"blinding": be_hex(&scalar_to_bytes(&pairing.blinding(attestation.hour_end_ms))),
				"previous_fingerprint": be_hex(&previous.fingerprint),
				"fingerprint": be_hex(&attestation.fingerprint),
				"message": hex::encode(message),
				"signature": hex::encode(low_s(&attestation.signature).unwrap()),
			});
			previous = *attestation;
			vector
		})
		.collect();
	json!({
		"description": "docs/meter-profile.md: blinded fingerprints (Poseidon over BN254, circomlib's) \
			and their ECDSA P-256/SHA-256 attestations (RFC 6979 nonces, low-S). Hex is big-endian.",
		"meter_id": METER_ID,
		"private_key": PRIVATE_KEY,
		"public_key": hex::encode(public_key(&key)),
		"pairing_secret": hex::encode(secret_be),
		"installed": {
			"hour_end_ms": start.hour_end_ms,
			"fingerprint": be_hex(&start.fingerprint),
			"message": hex::encode(attestation_message(METER_ID, start.hour_end_ms, &start.fingerprint)),
			"signature": hex::encode(low_s(&start.signature).unwrap()),
		},
		"hours": hours,
	})
}

#[test]
fn the_profiles_vectors_are_what_the_meter_computes() {
	let path = root().join("docs/meter-profile.json");
	let made = vectors();
	if std::env::var_os("GRIDVEIL_WRITE_FIXTURES").is_some() {
		std::fs::write(&path, serde_json::to_string_pretty(&made).unwrap() + "\n").unwrap();
	}
	let committed: Value = serde_json::from_slice(
		&std::fs::read(&path).expect("run with GRIDVEIL_WRITE_FIXTURES=1 to create it"),
	)
	.unwrap();
	assert_eq!(committed, made, "{} is stale", path.display());
	// The document shows the same values.
	let document = std::fs::read_to_string(root().join("docs/meter-profile.md")).unwrap();
	for hour in made["hours"].as_array().unwrap() {
		for field in ["blinding", "fingerprint", "message", "signature"] {
			let value = hour[field].as_str().unwrap();
			assert!(document.contains(value), "docs/meter-profile.md lacks {field} {value}");
		}
	}
}

#[test]
fn the_profiles_fingerprints_are_circomlibjs() {
	// circomlibjs computed these chains from the same secret, hour ends and readings.
	let poseidon: Value = serde_json::from_slice(
		&std::fs::read(root().join("circuits/vectors/poseidon.json")).unwrap(),
	)
	.unwrap();
	let made = vectors();
	let chains = poseidon["fingerprint"]["chains"].as_array().unwrap();
	for (hour, chain) in made["hours"].as_array().unwrap().iter().zip(chains) {
		let decimal = |field: &str| {
			let be = hex::decode(hour[field].as_str().unwrap()).unwrap();
			num_decimal(&be)
		};
		assert_eq!(decimal("fingerprint"), chain["fingerprint"].as_str().unwrap());
		assert_eq!(decimal("blinding"), chain["blinding"].as_str().unwrap());
		assert_eq!(
			decimal("previous_fingerprint"),
			chain["previous_fingerprint"].as_str().unwrap()
		);
		assert_eq!(hour["hour_end_ms"].to_string(), chain["hour_end_ms"].as_str().unwrap());
	}
	assert_eq!(
		num_decimal(&hex::decode(made["pairing_secret"].as_str().unwrap()).unwrap()),
		poseidon["fingerprint"]["pairing_secret"].as_str().unwrap()
	);
}

/// A big-endian unsigned integer in decimal.
fn num_decimal(be: &[u8]) -> String {
	let mut digits = vec![0u8]; // little-endian base-10 digits
	for byte in be {
		let mut carry = u32::from(*byte);
		for digit in digits.iter_mut() {
			let value = u32::from(*digit) * 256 + carry;
			*digit = (value % 10) as u8;
			carry = value / 10;
		}
		while carry > 0 {
			digits.push((carry % 10) as u8);
			carry /= 10;
		}
	}
	while digits.len() > 1 && digits.last() == Some(&0) {
		digits.pop();
	}
	digits.iter().rev().map(|digit| char::from(b'0' + digit)).collect()
}
