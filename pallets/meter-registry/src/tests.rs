use crate::{mock::*, pallet::*, types::*, InWasm, MeterAttestations};
use frame_support::{assert_noop, assert_ok};
use gridveil_p256::{attestation_message, low_s, public_key, sign, MeterSigningKey};
use rand::{rngs::StdRng, SeedableRng};
use sp_runtime::DispatchError;

const PROSUMER: u64 = 10;
const OTHER: u64 = 11;
const HOUR_END: u64 = 1_735_693_200_000;
const FINGERPRINT: [u8; 32] = [3; 32];

fn meter(seed: u64) -> MeterSigningKey {
	MeterSigningKey::random(&mut StdRng::seed_from_u64(seed))
}

fn register(meter_id: MeterId, key: &MeterSigningKey, prosumer: u64) {
	assert_ok!(MeterRegistry::register_meter(
		RuntimeOrigin::root(),
		meter_id,
		public_key(key),
		prosumer
	));
}

fn attest(key: &MeterSigningKey, meter_id: MeterId, hour_end: u64) -> MeterSignature {
	low_s(&sign(key, &attestation_message(meter_id, hour_end, &FINGERPRINT))).unwrap()
}

fn check(
	meter_id: MeterId,
	prosumer: u64,
	signature: &MeterSignature,
) -> Result<(), AttestationError> {
	MeterRegistry::verify_attestation(meter_id, &prosumer, HOUR_END, &FINGERPRINT, signature)
}

#[test]
fn registrar_registers_a_meter_for_a_prosumer() {
	new_test_ext().execute_with(|| {
		let key = meter(1);
		register(5, &key, PROSUMER);
		let stored = Meters::<Test>::get(5).unwrap();
		assert_eq!(stored.prosumer, PROSUMER);
		assert_eq!(stored.status, MeterStatus::Active);
		assert_eq!(MeterKeys::<Test>::get(public_key(&key)), Some(5));
		System::assert_last_event(
			Event::MeterRegistered { meter_id: 5, prosumer: PROSUMER, key: public_key(&key) }
				.into(),
		);
	});
}

#[test]
fn only_the_registrar_registers_and_revokes() {
	new_test_ext().execute_with(|| {
		let key = public_key(&meter(1));
		assert_noop!(
			MeterRegistry::register_meter(RuntimeOrigin::signed(PROSUMER), 5, key, PROSUMER),
			DispatchError::BadOrigin
		);
		register(5, &meter(1), PROSUMER);
		assert_noop!(
			MeterRegistry::revoke_meter(RuntimeOrigin::signed(PROSUMER), 5),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn bad_registrations_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		register(5, &meter(1), PROSUMER);
		assert_noop!(
			MeterRegistry::register_meter(RuntimeOrigin::root(), 5, public_key(&meter(2)), OTHER),
			Error::<Test>::MeterIdTaken
		);
		assert_noop!(
			MeterRegistry::register_meter(RuntimeOrigin::root(), 6, public_key(&meter(1)), OTHER),
			Error::<Test>::KeyAlreadyRegistered
		);
		let mut wrong_tag = public_key(&meter(2));
		wrong_tag[0] = 0x04;
		let mut no_point = [0u8; 33];
		no_point[0] = 0x02;
		no_point[32] = (0u8..=255)
			.find(|x| {
				let mut key = no_point;
				key[32] = *x;
				gridveil_p256::decode_public_key(&key).is_err()
			})
			.unwrap();
		for key in [wrong_tag, no_point, [0xff; 33], [0; 33]] {
			assert_noop!(
				MeterRegistry::register_meter(RuntimeOrigin::root(), 6, key, OTHER),
				Error::<Test>::MalformedMeterKey
			);
		}
	});
}

#[test]
fn a_meters_attestation_is_accepted_for_its_prosumer() {
	new_test_ext().execute_with(|| {
		let key = meter(1);
		register(5, &key, PROSUMER);
		assert_eq!(check(5, PROSUMER, &attest(&key, 5, HOUR_END)), Ok(()));
		assert_eq!(MeterRegistry::check_meter(5, &PROSUMER), Ok(()));
	});
}

#[test]
fn replayed_foreign_and_forged_attestations_are_refused() {
	new_test_ext().execute_with(|| {
		let (key, other_key) = (meter(1), meter(2));
		register(5, &key, PROSUMER);
		register(6, &other_key, OTHER);
		// Another hour's signature.
		assert_eq!(
			check(5, PROSUMER, &attest(&key, 5, HOUR_END - 3_600_000)),
			Err(AttestationError::BadSignature)
		);
		// Another meter's signature over the same hour.
		assert_eq!(
			check(5, PROSUMER, &attest(&other_key, 5, HOUR_END)),
			Err(AttestationError::BadSignature)
		);
		// Another prosumer's meter.
		assert_eq!(
			check(6, PROSUMER, &attest(&other_key, 6, HOUR_END)),
			Err(AttestationError::ForeignMeter)
		);
		assert_eq!(MeterRegistry::check_meter(6, &PROSUMER), Err(AttestationError::ForeignMeter));
		assert_eq!(
			check(9, PROSUMER, &attest(&key, 9, HOUR_END)),
			Err(AttestationError::UnknownMeter)
		);
	});
}

#[test]
fn malformed_and_high_s_signatures_have_their_own_error() {
	new_test_ext().execute_with(|| {
		let key = meter(1);
		register(5, &key, PROSUMER);
		// A signature whose s is high: the twin of a valid one.
		let high = (0..)
			.map(|hour: u64| {
				let message = attestation_message(5, HOUR_END, &[hour as u8; 32]);
				(hour, sign(&key, &message))
			})
			.find(|(hour, signature)| low_s(signature).unwrap() != *signature && *hour < 256)
			.unwrap();
		let fingerprint = [high.0 as u8; 32];
		assert_eq!(
			MeterRegistry::verify_attestation(5, &PROSUMER, HOUR_END, &fingerprint, &high.1),
			Err(AttestationError::Malformed(SignatureError::HighS))
		);
		assert_eq!(
			MeterRegistry::verify_attestation(
				5,
				&PROSUMER,
				HOUR_END,
				&fingerprint,
				&low_s(&high.1).unwrap()
			),
			Ok(())
		);
		assert_eq!(
			check(5, PROSUMER, &[0; 64]),
			Err(AttestationError::Malformed(SignatureError::MalformedSignature))
		);
		assert_eq!(
			check(5, PROSUMER, &[0xff; 64]),
			Err(AttestationError::Malformed(SignatureError::MalformedSignature))
		);
	});
}

#[test]
fn revoked_meters_are_refused_and_never_come_back() {
	new_test_ext().execute_with(|| {
		let key = meter(1);
		register(5, &key, PROSUMER);
		assert_ok!(MeterRegistry::revoke_meter(RuntimeOrigin::root(), 5));
		System::assert_last_event(Event::MeterRevoked { meter_id: 5, prosumer: PROSUMER }.into());
		assert_eq!(
			check(5, PROSUMER, &attest(&key, 5, HOUR_END)),
			Err(AttestationError::MeterRevoked)
		);
		assert_eq!(MeterRegistry::check_meter(5, &PROSUMER), Err(AttestationError::MeterRevoked));
		assert_noop!(
			MeterRegistry::revoke_meter(RuntimeOrigin::root(), 5),
			Error::<Test>::MeterAlreadyRevoked
		);
		assert_noop!(
			MeterRegistry::revoke_meter(RuntimeOrigin::root(), 6),
			Error::<Test>::UnknownMeter
		);
		assert_noop!(
			MeterRegistry::register_meter(RuntimeOrigin::root(), 6, public_key(&key), PROSUMER),
			Error::<Test>::KeyAlreadyRegistered
		);
		assert_noop!(
			MeterRegistry::register_meter(
				RuntimeOrigin::root(),
				5,
				public_key(&meter(3)),
				PROSUMER
			),
			Error::<Test>::MeterIdTaken
		);
	});
}

#[test]
fn host_function_and_wasm_fallback_agree() {
	new_test_ext().execute_with(|| {
		let key = meter(1);
		register(5, &key, PROSUMER);
		let good = attest(&key, 5, HOUR_END);
		let other_hour = attest(&key, 5, HOUR_END + 1);
		for signature in [good, other_hour, [0u8; 64], [0xffu8; 64]] {
			let host = check(5, PROSUMER, &signature);
			let wasm = MeterRegistry::do_verify_attestation::<InWasm>(
				5,
				&PROSUMER,
				HOUR_END,
				&FINGERPRINT,
				&signature,
			);
			assert_eq!(host, wasm);
		}
	});
}

#[test]
fn a_batch_of_attestations_gets_each_ones_verdict_in_order_on_both_backends() {
	new_test_ext().execute_with(|| {
		let (key, revoked) = (meter(1), meter(2));
		register(5, &key, PROSUMER);
		register(6, &revoked, PROSUMER);
		assert_ok!(MeterRegistry::revoke_meter(RuntimeOrigin::root(), 6));
		let good = attest(&key, 5, HOUR_END);
		let cases: [(MeterId, u64, MeterSignature); 7] = [
			(5, PROSUMER, good),
			(9, PROSUMER, good),
			(6, PROSUMER, attest(&revoked, 6, HOUR_END)),
			(5, OTHER, good),
			(5, PROSUMER, attest(&key, 5, HOUR_END + 1)),
			(5, PROSUMER, [0u8; 64]),
			(5, PROSUMER, good),
		];
		let checks: Vec<AttestationCheck<u64>> = cases
			.iter()
			.map(|(meter_id, prosumer, signature)| AttestationCheck {
				meter_id: *meter_id,
				prosumer: *prosumer,
				moment_ms: HOUR_END,
				fingerprint: FINGERPRINT,
				signature: *signature,
			})
			.collect();
		let alone: Vec<_> = cases
			.iter()
			.map(|(meter_id, prosumer, signature)| check(*meter_id, *prosumer, signature))
			.collect();
		assert_eq!(
			alone,
			[
				Ok(()),
				Err(AttestationError::UnknownMeter),
				Err(AttestationError::MeterRevoked),
				Err(AttestationError::ForeignMeter),
				Err(AttestationError::BadSignature),
				Err(AttestationError::Malformed(SignatureError::MalformedSignature)),
				Ok(()),
			]
		);
		assert_eq!(MeterRegistry::verify_attestations(&checks), alone);
		assert_eq!(MeterRegistry::do_verify_attestations::<InWasm>(&checks), alone);
		assert!(MeterRegistry::verify_attestations(&[]).is_empty());
	});
}
