//! The meter profile against an independent implementation: OpenSSL's
//! command line signs attestation messages that GridVeil verifies, and
//! verifies the signatures GridVeil's simulated meters make, the profile's
//! test vectors (`docs/meter-profile.json`) among them.
use std::{path::Path, process::Command};

use gridveil_p256::{
	attestation_message, low_s, public_key, sign, verify, MeterSigningKey, SignatureError,
	PUBLIC_KEY_BYTES,
};
use p256::ecdsa::Signature;
use rand::{rngs::StdRng, SeedableRng};

/// The DER prefix of a SubjectPublicKeyInfo holding a compressed P-256 key
/// (id-ecPublicKey, prime256v1, a 34-byte BIT STRING).
const SPKI_COMPRESSED_PREFIX: &str = "3039301306072a8648ce3d020106082a8648ce3d030107032200";

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
	let output = Command::new("openssl")
		.args(args)
		.current_dir(dir)
		.output()
		.expect("openssl runs (make setup installs it)");
	assert!(
		output.status.success(),
		"openssl {args:?}: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	output.stdout
}

#[test]
fn openssl_signatures_verify_as_attestations() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path();
	openssl(path, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "meter.pem"]);
	openssl(
		path,
		&[
			"ec",
			"-in",
			"meter.pem",
			"-pubout",
			"-conv_form",
			"compressed",
			"-outform",
			"DER",
			"-out",
			"meter.spki",
		],
	);
	let spki = std::fs::read(path.join("meter.spki")).unwrap();
	assert_eq!(hex::encode(&spki[..spki.len() - PUBLIC_KEY_BYTES]), SPKI_COMPRESSED_PREFIX);
	let public = &spki[spki.len() - PUBLIC_KEY_BYTES..];

	let mut fingerprint = [0u8; 32];
	for hour in 0..8u64 {
		fingerprint[0] = hour as u8;
		fingerprint[17] = 0xa5;
		let hour_end = 1_735_689_600_000 + hour * 3_600_000;
		let message = attestation_message(4242, hour_end, &fingerprint);
		std::fs::write(path.join("message.bin"), message).unwrap();
		openssl(
			path,
			&["dgst", "-sha256", "-sign", "meter.pem", "-out", "signature.der", "message.bin"],
		);
		let der = std::fs::read(path.join("signature.der")).unwrap();
		let raw = Signature::from_der(&der).expect("OpenSSL writes DER ECDSA-Sig-Value");
		let raw: Vec<u8> = raw.to_bytes().to_vec();
		// OpenSSL does not normalise s: the chain refuses high-S, the box repairs it.
		match verify(public, &message, &raw) {
			Ok(true) => {},
			Err(SignatureError::HighS) => {
				assert_eq!(verify(public, &message, &low_s(&raw).unwrap()), Ok(true))
			},
			other => panic!("hour {hour}: {other:?}"),
		}
		let other_hour = attestation_message(4242, hour_end + 3_600_000, &fingerprint);
		assert_eq!(verify(public, &other_hour, &low_s(&raw).unwrap()), Ok(false));
	}
}

/// Whether OpenSSL verifies `signature` (64 bytes, r ‖ s) by `public_key`
/// (33 bytes, compressed) over `message`.
fn openssl_verifies(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path();
	let spki = [hex::decode(SPKI_COMPRESSED_PREFIX).unwrap(), public_key.to_vec()].concat();
	std::fs::write(path.join("meter.spki"), spki).unwrap();
	let der = Signature::from_slice(signature).unwrap().to_der();
	std::fs::write(path.join("message.bin"), message).unwrap();
	std::fs::write(path.join("signature.der"), der.as_bytes()).unwrap();
	let verdict = openssl(
		path,
		&[
			"dgst",
			"-sha256",
			"-verify",
			"meter.spki",
			"-keyform",
			"DER",
			"-signature",
			"signature.der",
			"message.bin",
		],
	);
	String::from_utf8_lossy(&verdict).trim() == "Verified OK"
}

#[test]
fn openssl_verifies_what_a_gridveil_meter_signs() {
	let key = MeterSigningKey::random(&mut StdRng::seed_from_u64(9));
	for hour in 0..4u64 {
		let message = attestation_message(7, hour * 3_600_000, &[hour as u8; 32]);
		let signature = low_s(&sign(&key, &message)).unwrap();
		assert!(openssl_verifies(&public_key(&key), &message, &signature), "hour {hour}");
	}
}

#[test]
fn openssl_verifies_the_meter_profiles_vectors() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../docs/meter-profile.json");
	let vectors: serde_json::Value =
		serde_json::from_slice(&std::fs::read(path).expect("docs/meter-profile.json")).unwrap();
	let bytes = |value: &serde_json::Value| hex::decode(value.as_str().unwrap()).unwrap();
	let public = bytes(&vectors["public_key"]);
	let signed = std::iter::once(&vectors["installed"]).chain(vectors["hours"].as_array().unwrap());
	let mut checked = 0;
	for vector in signed {
		let (message, signature) = (bytes(&vector["message"]), bytes(&vector["signature"]));
		assert!(openssl_verifies(&public, &message, &signature), "{vector}");
		assert_eq!(gridveil_p256::verify(&public, &message, &signature), Ok(true));
		checked += 1;
	}
	assert_eq!(checked, 3);
}
