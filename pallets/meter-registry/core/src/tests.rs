use super::*;
use rand::{rngs::StdRng, SeedableRng};

fn meter(seed: u64) -> SigningKey {
	SigningKey::random(&mut StdRng::seed_from_u64(seed))
}

fn message() -> [u8; MESSAGE_BYTES] {
	attestation_message(42, 1_700_000_000_000, &[7u8; 32])
}

/// A signature of `message` by `key` with a chosen half of the order for `s`.
fn signature_with(key: &SigningKey, message: &[u8], high: bool) -> Signature {
	let low = low_s(&sign(key, message)).unwrap();
	if !high {
		return low;
	}
	twin(&low).unwrap()
}

#[test]
fn message_is_domain_meter_hour_end_and_big_endian_fingerprint() {
	let mut fingerprint = [0u8; 32];
	fingerprint[0] = 0x01; // little-endian 1
	fingerprint[31] = 0x20;
	let message = attestation_message(0x0102_0304_0506_0708, 0x1122_3344_5566_7788, &fingerprint);
	assert_eq!(&message[..29], b"GRIDVEIL-METER-ATTESTATION-V1");
	assert_eq!(message[29..37], [1, 2, 3, 4, 5, 6, 7, 8]);
	assert_eq!(message[37..45], [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
	assert_eq!(message[45], 0x20);
	assert_eq!(message[76], 0x01);
	assert_eq!(message.len(), 77);
}

#[test]
fn a_meters_signature_verifies_and_nothing_else_does() {
	let key = meter(1);
	let public = public_key(&key);
	let signature = low_s(&sign(&key, &message())).unwrap();
	assert_eq!(verify(&public, &message(), &signature), Ok(true));

	let other_hour = attestation_message(42, 1_700_003_600_000, &[7u8; 32]);
	assert_eq!(verify(&public, &other_hour, &signature), Ok(false));
	let other_meter = attestation_message(43, 1_700_000_000_000, &[7u8; 32]);
	assert_eq!(verify(&public, &other_meter, &signature), Ok(false));
	assert_eq!(verify(&public_key(&meter(2)), &message(), &signature), Ok(false));
}

#[test]
fn a_batch_gives_each_item_the_verdict_it_gets_alone_in_order() {
	let keys: Vec<SigningKey> = (1..=9).map(meter).collect();
	let items: Vec<SignedMessage> = keys
		.iter()
		.enumerate()
		.map(|(index, key)| {
			let message = attestation_message(index as u64, 1_700_000_000_000, &[7u8; 32]);
			let signature = match index {
				// Item 2 carries item 1's message's signature; item 5 a high-S one.
				2 => low_s(&sign(key, &attestation_message(1, 1_700_000_000_000, &[7u8; 32])))
					.unwrap(),
				5 => signature_with(key, &message, true),
				_ => signature_with(key, &message, false),
			};
			let mut public = public_key(key);
			if index == 7 {
				public[0] = 0x04; // not a compressed point
			}
			SignedMessage { key: public, message: message.to_vec(), signature }
		})
		.collect();
	let verdicts = verify_batch(&items);
	let alone: Vec<_> =
		items.iter().map(|item| verify(&item.key, &item.message, &item.signature)).collect();
	assert_eq!(verdicts, alone);
	assert_eq!(verdicts[0], Ok(true));
	assert_eq!(verdicts[2], Ok(false));
	assert_eq!(verdicts[5], Err(SignatureError::HighS));
	assert_eq!(verdicts[7], Err(SignatureError::MalformedKey));
	assert_eq!(verdicts.iter().filter(|verdict| **verdict == Ok(true)).count(), 6);
	assert!(verify_batch(&[]).is_empty());
}

#[test]
fn high_s_is_refused_and_low_s_repairs_it() {
	let key = meter(3);
	let high = signature_with(&key, &message(), true);
	assert_eq!(verify(&public_key(&key), &message(), &high), Err(SignatureError::HighS));
	let repaired = low_s(&high).unwrap();
	assert_eq!(repaired, signature_with(&key, &message(), false));
	assert_eq!(verify(&public_key(&key), &message(), &repaired), Ok(true));
	// Already low: unchanged.
	assert_eq!(low_s(&repaired).unwrap(), repaired);
}

#[test]
fn meters_sign_high_s_about_half_the_time() {
	// What a secure element does: the box must repair, the chain must refuse.
	let key = meter(4);
	let high = (0..64u64)
		.filter(|hour| {
			let message = attestation_message(1, hour * 3_600_000, &[0u8; 32]);
			verify(&public_key(&key), &message, &sign(&key, &message)) == Err(SignatureError::HighS)
		})
		.count();
	assert!((10..=54).contains(&high), "{high} of 64 signatures were high-S");
}

#[test]
fn malformed_keys_have_their_own_error() {
	let key = meter(5);
	let public = public_key(&key);
	let signature = low_s(&sign(&key, &message())).unwrap();
	let uncompressed = key.verifying_key().to_encoded_point(false);
	let mut wrong_tag = public;
	wrong_tag[0] = 0x05;
	let mut x_too_large = [0xffu8; 33];
	x_too_large[0] = 0x02;
	// x = 0..: the first x for which x³ − 3x + b is not a square has no point.
	let off_curve = (0u8..=255)
		.map(|x| {
			let mut key = [0u8; 33];
			key[0] = 0x02;
			key[32] = x;
			key
		})
		.find(|key| VerifyingKey::from_sec1_bytes(key).is_err())
		.expect("half of all x have no point");
	for bad in [
		&[][..],
		&public[..32],
		&[public.as_slice(), &[0]].concat()[..],
		uncompressed.as_bytes(),
		&wrong_tag[..],
		&x_too_large[..],
		&off_curve[..],
		&[0u8; 33][..],
	] {
		assert_eq!(verify(bad, &message(), &signature), Err(SignatureError::MalformedKey));
	}
}

#[test]
fn malformed_signatures_have_their_own_error() {
	let key = meter(6);
	let public = public_key(&key);
	let signature = low_s(&sign(&key, &message())).unwrap();
	// The group order n of P-256, big-endian.
	let n =
		hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
	let zero_r = [&[0u8; 32][..], &signature[32..]].concat();
	let zero_s = [&signature[..32], &[0u8; 32][..]].concat();
	let r_is_order = [&n[..], &signature[32..]].concat();
	for bad in [
		&[][..],
		&signature[..63],
		&[&signature[..], &[0]].concat()[..],
		&zero_r,
		&zero_s,
		&r_is_order,
	] {
		assert_eq!(verify(&public, &message(), bad), Err(SignatureError::MalformedSignature));
		assert_eq!(low_s(bad), Err(SignatureError::MalformedSignature));
	}
}

#[test]
fn arbitrary_bytes_never_panic() {
	let mut rng = StdRng::seed_from_u64(7);
	for length in [0usize, 1, 32, 33, 63, 64, 65, 77] {
		for _ in 0..50 {
			let bytes: Vec<u8> = (0..length).map(|_| rand::Rng::gen(&mut rng)).collect();
			let _ = verify(&bytes, &bytes, &bytes);
			let _ = low_s(&bytes);
			let _ = decode_public_key(&bytes);
		}
	}
}
