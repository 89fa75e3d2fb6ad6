//! The pallet's behaviour on a runtime with two-block sessions.
use crate::{mock::*, pallet::*};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{traits::BadOrigin, Perbill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::ValidatorSet(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn set_keys(account: u64) -> sp_runtime::DispatchResult {
	Session::set_keys(RuntimeOrigin::signed(account), keys(account), Vec::new())
}

#[test]
fn genesis_validators_validate_from_the_first_session() {
	new_test_ext().execute_with(|| {
		assert_eq!(Session::validators(), GENESIS.to_vec());
		assert_eq!(Validators::<Test>::get().to_vec(), GENESIS.to_vec());
		assert_eq!(SessionLength::<Test>::get(), SESSION_LENGTH);
	});
}

#[test]
fn an_added_validator_with_keys_validates_two_sessions_later() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
		assert_eq!(events(), vec![Event::ValidatorAdded { validator: 5 }]);
		assert_ok!(set_keys(5));
		run_to_session(1);
		assert_eq!(Session::validators(), GENESIS.to_vec(), "planned, not yet active");
		assert!(
			events().contains(&Event::SetPlanned { session: 2, validators: vec![1, 2, 3, 4, 5] })
		);
		run_to_session(2);
		assert_eq!(Session::validators(), vec![1, 2, 3, 4, 5]);
	});
}

#[test]
fn an_added_validator_without_keys_is_not_planned() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
		run_to_session(3);
		assert_eq!(Session::validators(), GENESIS.to_vec());
		assert_ok!(set_keys(5));
		run_to_session(5);
		assert_eq!(Session::validators(), vec![1, 2, 3, 4, 5]);
	});
}

#[test]
fn a_removed_validator_stops_two_sessions_later() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
		assert_eq!(events(), vec![Event::ValidatorRemoved { validator: 2 }]);
		run_to_session(1);
		assert_eq!(Session::validators(), GENESIS.to_vec());
		run_to_session(2);
		assert_eq!(Session::validators(), vec![1, 3, 4]);
	});
}

#[test]
fn removing_below_the_minimum_is_refused_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 4));
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 3),
			Error::<Test>::TooFewValidators
		);
		// A member without keys does not count towards the minimum.
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 3),
			Error::<Test>::TooFewValidators
		);
		assert_ok!(set_keys(5));
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 3));
	});
}

#[test]
fn bad_additions_and_removals_get_their_own_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(ValidatorSet::add_validator(RuntimeOrigin::signed(1), 5), BadOrigin);
		assert_noop!(ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 4), BadOrigin);
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 1),
			Error::<Test>::AlreadyValidator
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 9),
			Error::<Test>::NotValidator
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 6));
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 7),
			Error::<Test>::TooManyValidators
		);
	});
}

#[test]
fn only_the_consortiums_validators_may_set_session_keys() {
	new_test_ext().execute_with(|| {
		assert_noop!(set_keys(7), pallet_session::Error::<Test>::NoAssociatedValidatorId);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 7));
		assert_ok!(set_keys(7));
	});
}

fn report(offenders: &[u64], session: u32) {
	let details: Vec<_> = offenders
		.iter()
		.map(|&offender| OffenceDetails { offender: (offender, ()), reporters: vec![] })
		.collect();
	let fractions = vec![Perbill::zero(); details.len()];
	<ValidatorSet as OnOffenceHandler<u64, (u64, ()), _>>::on_offence(
		&details, &fractions, session,
	);
}

#[test]
fn a_reported_validator_is_removed_at_the_next_planned_session() {
	new_test_ext().execute_with(|| {
		report(&[3, 3, 9], 0);
		assert_eq!(events(), vec![Event::OffenceReported { validator: 3, session: 0 }]);
		assert_eq!(Offenders::<Test>::get().to_vec(), vec![3]);
		run_to_session(1);
		assert!(events().contains(&Event::OffenderRemoved { validator: 3 }));
		assert_eq!(Validators::<Test>::get().to_vec(), vec![1, 2, 4]);
		assert!(Offenders::<Test>::get().is_empty());
		run_to_session(2);
		assert_eq!(Session::validators(), vec![1, 2, 4]);
	});
}

#[test]
fn offenders_stay_when_removing_them_would_break_the_minimum() {
	new_test_ext().execute_with(|| {
		report(&[1, 2], 0);
		run_to_session(1);
		let events = events();
		assert!(events.contains(&Event::OffenderRemoved { validator: 1 }));
		assert!(events.contains(&Event::OffenderKeptAtMinimum { validator: 2 }));
		assert_eq!(Validators::<Test>::get().to_vec(), vec![2, 3, 4]);
	});
}

#[test]
fn an_unchanged_set_plans_nothing() {
	new_test_ext().execute_with(|| {
		run_to_session(4);
		assert!(events().iter().all(|event| !matches!(event, Event::SetPlanned { .. })));
		assert_eq!(Session::validators(), GENESIS.to_vec());
	});
}
