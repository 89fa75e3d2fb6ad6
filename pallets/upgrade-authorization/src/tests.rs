//! Authorizing upgrades, and what frame-system then applies or refuses.
use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{traits::Hash, DispatchError};

fn hash(code: &[u8]) -> <Test as frame_system::Config>::Hash {
	<Test as frame_system::Config>::Hashing::hash(code)
}

fn events() -> Vec<RuntimeEvent> {
	System::events().into_iter().map(|record| record.event).collect()
}

#[test]
fn governance_authorizes_an_upgrade_by_the_hash_of_its_code() {
	new_test_ext().execute_with(|| {
		assert_ok!(UpgradeAuthorization::authorize_upgrade(
			RuntimeOrigin::signed(GOVERNANCE),
			hash(b"v2")
		));
		assert!(UpgradeAuthorization::is_authorized(hash(b"v2")));
		assert!(!UpgradeAuthorization::is_authorized(hash(b"v3")));
		let events = events();
		assert!(events.contains(&RuntimeEvent::UpgradeAuthorization(Event::UpgradeAuthorized {
			code_hash: hash(b"v2")
		})));
		// frame-system's own record of it, with version checks on.
		assert!(events.contains(&RuntimeEvent::System(frame_system::Event::UpgradeAuthorized {
			code_hash: hash(b"v2"),
			check_version: true,
		})));
	});
}

#[test]
fn only_governance_authorizes_and_the_same_code_once() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			UpgradeAuthorization::authorize_upgrade(RuntimeOrigin::signed(2), hash(b"v2")),
			DispatchError::BadOrigin
		);
		assert_noop!(
			UpgradeAuthorization::authorize_upgrade(RuntimeOrigin::root(), hash(b"v2")),
			DispatchError::BadOrigin
		);
		assert_ok!(UpgradeAuthorization::authorize_upgrade(
			RuntimeOrigin::signed(GOVERNANCE),
			hash(b"v2")
		));
		assert_noop!(
			UpgradeAuthorization::authorize_upgrade(RuntimeOrigin::signed(GOVERNANCE), hash(b"v2")),
			Error::<Test>::AlreadyAuthorized
		);
		// Other code replaces the pending authorization.
		assert_ok!(UpgradeAuthorization::authorize_upgrade(
			RuntimeOrigin::signed(GOVERNANCE),
			hash(b"v3")
		));
		assert!(UpgradeAuthorization::is_authorized(hash(b"v3")));
		assert!(!UpgradeAuthorization::is_authorized(hash(b"v2")));
	});
}

#[test]
fn frame_system_applies_only_the_authorized_code() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			System::apply_authorized_upgrade(RuntimeOrigin::signed(5), b"v2".to_vec()),
			frame_system::Error::<Test>::NothingAuthorized
		);
		assert_ok!(UpgradeAuthorization::authorize_upgrade(
			RuntimeOrigin::signed(GOVERNANCE),
			hash(b"v2")
		));
		assert_noop!(
			System::apply_authorized_upgrade(RuntimeOrigin::signed(5), b"v3".to_vec()),
			frame_system::Error::<Test>::Unauthorized
		);
		// The code itself (spec name, growing spec version) is checked when
		// it is applied: the consortium test does it on real nodes.
		assert!(UpgradeAuthorization::is_authorized(hash(b"v2")));
	});
}
