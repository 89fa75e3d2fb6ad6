//! The market's calls on the mock runtime: each call's success and failure
//! paths, the offchain worker, and the laws (netting, conservation, merit order).
use crate::{mock::*, *};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::CheckIfFeeless,
	traits::{fungible::Inspect, Authorize, Hooks, UnfilteredDispatchable},
	weights::Weight,
	BoundedVec,
};
use proptest::prelude::*;
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError,
};

type Market = crate::Pallet<Test>;
type MarketError = crate::Error<Test>;

/// The first day the tests trade: slots 96 to 191, seconds 96 to 192.
const DAY: Day = 1;
/// The first slot of [`DAY`].
const DAY_START: Slot = DAY * SLOTS_PER_DAY;
/// Every slot's price after [`trading_day`]'s auction: 200 per kWh.
const PRICE: u64 = 200_000;
/// The node ids [`market`] builds: root 0 → intermediate 1 → ledgers 2, 3, 4.
const INTERMEDIATE: NodeId = 1;
const LEDGERS: [NodeId; 3] = [2, 3, 4];

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// The origin `AuthorizeCall` gives a call its `authorize` function admitted.
fn authorized() -> RuntimeOrigin {
	frame_system::RawOrigin::Authorized.into()
}

/// The two pseudonyms of ledger `index` (0, 1 or 2).
fn pseudonyms_of(index: usize) -> [u64; 2] {
	let first = FIRST_PSEUDONYM + 2 * index as u64;
	[first, first + 1]
}

fn batch(accounts: &[u64]) -> BoundedVec<u64, ConstU32Batch> {
	BoundedVec::truncate_from(accounts.to_vec())
}
type ConstU32Batch = <Test as Config>::MaxPseudonymBatch;

fn consumption(wh: u64) -> BoundedVec<u64, frame_support::traits::ConstU32<SLOTS_PER_DAY>> {
	BoundedVec::truncate_from(vec![wh; SLOTS_PER_DAY as usize])
}

/// Moves the clock to the middle of `slot`.
fn at_slot(slot: Slot) {
	pallet_timestamp::Now::<Test>::put(u64::from(slot) * SLOT + SLOT / 2);
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn market_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::EnergyMarket(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// Main grid, a producer, root → intermediate → a group of three ledgers with
/// an operator, and two pseudonyms in each ledger.
fn market() {
	assert_ok!(Market::set_main_grid_account(root(), MAIN_GRID));
	assert_ok!(Market::register_producer(root(), PRODUCER));
	assert_ok!(Market::add_intermediate(root(), ROOT));
	assert_ok!(Market::add_group(root(), INTERMEDIATE, COORDINATOR, 3));
	assert_ok!(Market::add_operator(signed(COORDINATOR), 0, OPERATOR));
	for (index, ledger) in LEDGERS.iter().enumerate() {
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			*ledger,
			DAY,
			batch(&pseudonyms_of(index))
		));
	}
}

/// Opens [`DAY`] with 500 Wh expected per slot; the producer covers every
/// slot with 1,000 Wh at [`PRICE`]; the auction closes.
fn trading_day() {
	at_slot(0);
	assert_ok!(Market::open_day(root(), DAY, consumption(500)));
	for slot in 0..SLOTS_PER_DAY {
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, slot, 1_000, PRICE));
	}
	assert_ok!(Market::close_auction(root(), DAY));
}

fn nets(node: NodeId) -> SlotNets {
	Nets::<Test>::get(DAY, node).unwrap_or([0; SLOTS_PER_DAY as usize])
}

/// A liquidator's signature on `page` of `day`.
fn signature(key: u64, day: Day, page: u32) -> TestSignature {
	TestSignature(key, Market::liquidation_payload(day, page).encode())
}

/// Registers the test liquidator key.
fn liquidator() {
	assert_ok!(Market::add_liquidator(root(), UintAuthorityId(LIQUIDATOR)));
}

/// Liquidates every page of [`DAY`] after it closed.
fn liquidate_day() {
	at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
	let mut page = 0;
	while DayPhases::<Test>::get(DAY).unwrap() != DayPhase::Liquidated {
		assert_ok!(Market::liquidate(authorized(), DAY, page, signature(LIQUIDATOR, DAY, page)));
		page += 1;
	}
}

/// [`market`] and [`trading_day`], and the first ledger's two pseudonyms
/// reporting 10 and 20 Wh in the day's first slot; returns the pseudonyms.
fn two_reports() -> [u64; 2] {
	market();
	trading_day();
	at_slot(DAY_START);
	let [first, second] = pseudonyms_of(0);
	assert_ok!(Market::report_share(signed(first), DAY_START, 10));
	assert_ok!(Market::report_share(signed(second), DAY_START, 20));
	[first, second]
}

fn balance(who: u64) -> u64 {
	Balances::balance(&who)
}

// ---------------------------------------------------------------- producers

#[test]
fn authority_registers_and_removes_producers() {
	new_test_ext().execute_with(|| {
		assert_ok!(Market::register_producer(root(), PRODUCER));
		assert_eq!(last_event(), Event::ProducerRegistered { producer: PRODUCER }.into());
		assert_noop!(Market::register_producer(root(), PRODUCER), MarketError::AlreadyProducer);
		assert_noop!(
			Market::register_producer(signed(STRANGER), OTHER_PRODUCER),
			DispatchError::BadOrigin
		);
		for producer in 10..13 {
			assert_ok!(Market::register_producer(root(), producer));
		}
		assert_noop!(Market::register_producer(root(), 13), MarketError::TooManyProducers);
		assert_ok!(Market::remove_producer(root(), PRODUCER));
		assert_noop!(Market::remove_producer(root(), PRODUCER), MarketError::NotProducer);
		assert_eq!(ProducerCount::<Test>::get(), 3);
	});
}

#[test]
fn authority_sets_the_main_grid_account() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Market::set_main_grid_account(signed(STRANGER), STRANGER),
			DispatchError::BadOrigin
		);
		assert_ok!(Market::set_main_grid_account(root(), MAIN_GRID));
		assert_eq!(MainGridAccount::<Test>::get(), Some(MAIN_GRID));
	});
}

// --------------------------------------------------------------------- tree

#[test]
fn genesis_has_the_root_and_an_endowed_pot() {
	new_test_ext().execute_with(|| {
		assert_eq!(Nodes::<Test>::get(ROOT).unwrap().kind, NodeKind::Root);
		assert_eq!(NextNodeId::<Test>::get(), 1);
		assert_eq!(balance(Market::pot()), EXISTENTIAL_DEPOSIT);
		assert_eq!(
			Clock::<Test>::get(),
			MarketClock { slot_length_ms: SLOT, report_grace_slots: GRACE_SLOTS }
		);
	});
}

#[test]
fn the_tree_is_built_below_the_root_and_its_depth_is_bounded() {
	new_test_ext().execute_with(|| {
		assert_noop!(Market::add_intermediate(signed(STRANGER), ROOT), DispatchError::BadOrigin);
		assert_noop!(Market::add_intermediate(root(), 7), MarketError::UnknownNode);
		assert_ok!(Market::add_intermediate(root(), ROOT));
		assert_eq!(
			last_event(),
			Event::NodeAdded { node: 1, parent: ROOT, kind: NodeKind::Intermediate }.into()
		);
		assert_ok!(Market::add_intermediate(root(), 1));
		assert_ok!(Market::add_intermediate(root(), 2));
		// Node 3 has three ancestors (0, 1, 2): a ledger below it would have four.
		assert_noop!(Market::add_group(root(), 3, COORDINATOR, 1), MarketError::TreeTooDeep);
		assert_ok!(Market::add_group(root(), 2, COORDINATOR, 2));
		assert_eq!(Nodes::<Test>::get(4).unwrap().ancestors.into_inner(), vec![0, 1, 2]);
		assert_eq!(Nodes::<Test>::get(2).unwrap().children, 3);
		assert_noop!(Market::add_intermediate(root(), 4), MarketError::ParentIsLedger);
	});
}

#[test]
fn a_group_gets_between_one_and_the_most_ledgers() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Market::add_group(root(), ROOT, COORDINATOR, 0),
			MarketError::InvalidLedgerCount
		);
		assert_noop!(
			Market::add_group(root(), ROOT, COORDINATOR, 5),
			MarketError::InvalidLedgerCount
		);
		assert_noop!(
			Market::add_group(signed(COORDINATOR), ROOT, COORDINATOR, 1),
			DispatchError::BadOrigin
		);
		assert_ok!(Market::add_group(root(), ROOT, COORDINATOR, 3));
		let group = Groups::<Test>::get(0).unwrap();
		assert_eq!(group.ledgers.into_inner(), vec![1, 2, 3]);
		assert_eq!(group.coordinator, COORDINATOR);
		assert_eq!(Nodes::<Test>::get(2).unwrap().kind, NodeKind::Ledger { group: 0 });
		assert_eq!(
			last_event(),
			Event::GroupAdded { group: 0, parent: ROOT, coordinator: COORDINATOR }.into()
		);
	});
}

#[test]
fn the_coordinator_adds_ledgers_to_its_group() {
	new_test_ext().execute_with(|| {
		assert_ok!(Market::add_group(root(), ROOT, COORDINATOR, 3));
		assert_noop!(Market::add_ledger(signed(STRANGER), 0), MarketError::NotCoordinator);
		assert_noop!(Market::add_ledger(signed(COORDINATOR), 9), MarketError::UnknownGroup);
		assert_ok!(Market::add_ledger(signed(COORDINATOR), 0));
		assert_eq!(Groups::<Test>::get(0).unwrap().ledgers.len(), 4);
		assert_noop!(Market::add_ledger(signed(COORDINATOR), 0), MarketError::InvalidLedgerCount);
	});
}

#[test]
fn nodes_are_removed_only_when_empty_and_no_day_is_in_flight() {
	new_test_ext().execute_with(|| {
		market();
		assert_noop!(Market::remove_node(root(), ROOT), MarketError::CannotRemoveRoot);
		assert_noop!(Market::remove_node(root(), INTERMEDIATE), MarketError::NodeHasChildren);
		assert_noop!(Market::remove_node(root(), LEDGERS[0]), MarketError::LedgerHasPseudonyms);
		assert_noop!(Market::remove_node(root(), 42), MarketError::UnknownNode);
		assert_noop!(
			Market::remove_node(signed(COORDINATOR), LEDGERS[0]),
			DispatchError::BadOrigin
		);
		assert_ok!(Market::deregister_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			batch(&pseudonyms_of(0))
		));
		at_slot(0);
		assert_ok!(Market::open_day(root(), DAY, consumption(1)));
		assert_noop!(Market::remove_node(root(), LEDGERS[0]), MarketError::DaysInFlight);
		OpenDays::<Test>::kill();
		assert_ok!(Market::remove_node(root(), LEDGERS[0]));
		assert_eq!(last_event(), Event::NodeRemoved { node: LEDGERS[0] }.into());
		assert_eq!(Groups::<Test>::get(0).unwrap().ledgers.into_inner(), vec![3, 4]);
		assert_eq!(Nodes::<Test>::get(INTERMEDIATE).unwrap().children, 2);
	});
}

#[test]
fn a_group_keeps_its_last_ledger_until_the_group_is_removed() {
	new_test_ext().execute_with(|| {
		assert_ok!(Market::add_group(root(), ROOT, COORDINATOR, 1));
		assert_noop!(Market::remove_node(root(), 1), MarketError::LastLedgerOfGroup);
		assert_noop!(Market::remove_group(root(), 3), MarketError::UnknownGroup);
		assert_ok!(Market::add_operator(signed(COORDINATOR), 0, OPERATOR));
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			1,
			DAY,
			batch(&[FIRST_PSEUDONYM])
		));
		assert_noop!(Market::remove_group(root(), 0), MarketError::LedgerHasPseudonyms);
		assert_ok!(Market::deregister_pseudonyms(signed(OPERATOR), 1, batch(&[FIRST_PSEUDONYM])));
		assert_ok!(Market::remove_group(root(), 0));
		assert!(Groups::<Test>::get(0).is_none());
		assert!(Nodes::<Test>::get(1).is_none());
		assert_eq!(Nodes::<Test>::get(ROOT).unwrap().children, 0);
	});
}

#[test]
fn the_coordinator_manages_operators() {
	new_test_ext().execute_with(|| {
		assert_ok!(Market::add_group(root(), ROOT, COORDINATOR, 1));
		assert_noop!(
			Market::add_operator(signed(STRANGER), 0, OPERATOR),
			MarketError::NotCoordinator
		);
		assert_ok!(Market::add_operator(signed(COORDINATOR), 0, OPERATOR));
		assert_eq!(last_event(), Event::OperatorAdded { group: 0, operator: OPERATOR }.into());
		assert_noop!(
			Market::add_operator(signed(COORDINATOR), 0, OPERATOR),
			MarketError::AlreadyOperator
		);
		assert_ok!(Market::add_operator(signed(COORDINATOR), 0, STRANGER));
		assert_noop!(
			Market::add_operator(signed(COORDINATOR), 0, 77),
			MarketError::TooManyOperators
		);
		assert_ok!(Market::remove_operator(signed(COORDINATOR), 0, STRANGER));
		assert_noop!(
			Market::remove_operator(signed(COORDINATOR), 0, STRANGER),
			MarketError::NotOperator
		);
		assert_noop!(
			Market::remove_operator(signed(OPERATOR), 0, OPERATOR),
			MarketError::NotCoordinator
		);
	});
}

// --------------------------------------------------------------- pseudonyms

#[test]
fn operators_register_sorted_batches_of_pseudonyms_that_can_exist_without_funds() {
	new_test_ext().execute_with(|| {
		assert_ok!(Market::add_intermediate(root(), ROOT));
		assert_ok!(Market::add_group(root(), 1, COORDINATOR, 2));
		assert_ok!(Market::add_operator(signed(COORDINATOR), 0, OPERATOR));
		let pseudonyms = [FIRST_PSEUDONYM, FIRST_PSEUDONYM + 1, FIRST_PSEUDONYM + 5];
		assert_noop!(
			Market::register_pseudonyms(signed(STRANGER), 2, DAY, batch(&pseudonyms)),
			MarketError::NotOperator
		);
		assert_noop!(
			Market::register_pseudonyms(signed(OPERATOR), 1, DAY, batch(&pseudonyms)),
			MarketError::NotALedger
		);
		assert_noop!(
			Market::register_pseudonyms(signed(OPERATOR), 9, DAY, batch(&pseudonyms)),
			MarketError::UnknownNode
		);
		assert_noop!(
			Market::register_pseudonyms(signed(OPERATOR), 2, DAY, batch(&[])),
			MarketError::EmptyBatch
		);
		assert_noop!(
			Market::register_pseudonyms(
				signed(OPERATOR),
				2,
				DAY,
				batch(&[FIRST_PSEUDONYM + 1, FIRST_PSEUDONYM])
			),
			MarketError::PseudonymsNotSorted
		);
		assert_noop!(
			Market::register_pseudonyms(
				signed(OPERATOR),
				2,
				DAY,
				batch(&[FIRST_PSEUDONYM, FIRST_PSEUDONYM])
			),
			MarketError::PseudonymsNotSorted
		);
		assert_ok!(Market::register_pseudonyms(signed(OPERATOR), 2, DAY, batch(&pseudonyms)));
		assert_eq!(
			last_event(),
			Event::PseudonymsRegistered { ledger: 2, first_day: DAY, last_day: DAY, count: 3 }
				.into()
		);
		assert_eq!(Nodes::<Test>::get(2).unwrap().pseudonyms, 3);
		for pseudonym in pseudonyms {
			assert_eq!(
				Pseudonyms::<Test>::get(pseudonym),
				Some(PseudonymRecord {
					ledger: 2,
					first_day: DAY,
					last_day: DAY,
					registered_slot: 0
				})
			);
			assert_eq!(balance(pseudonym), 0);
			assert_eq!(System::providers(&pseudonym), 1);
		}
		assert_noop!(
			Market::register_pseudonyms(signed(OPERATOR), 3, DAY, batch(&[FIRST_PSEUDONYM + 5])),
			MarketError::PseudonymAlreadyRegistered
		);
	});
}

#[test]
fn operators_deregister_pseudonyms_of_their_ledger() {
	new_test_ext().execute_with(|| {
		market();
		assert_noop!(
			Market::deregister_pseudonyms(signed(OPERATOR), LEDGERS[1], batch(&pseudonyms_of(0))),
			MarketError::PseudonymNotInLedger
		);
		assert_noop!(
			Market::deregister_pseudonyms(signed(STRANGER), LEDGERS[0], batch(&pseudonyms_of(0))),
			MarketError::NotOperator
		);
		assert_ok!(Market::deregister_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			batch(&pseudonyms_of(0))
		));
		for pseudonym in pseudonyms_of(0) {
			assert_eq!(Pseudonyms::<Test>::get(pseudonym), None);
			assert_eq!(System::providers(&pseudonym), 0);
		}
		assert_eq!(Nodes::<Test>::get(LEDGERS[0]).unwrap().pseudonyms, 0);
	});
}

// ------------------------------------------------- rotation and retention

/// Opens `days` (at most the mock's two) with the producer covering every
/// slot, and closes their auctions.
fn trading_days(days: &[Day]) {
	at_slot(0);
	for day in days {
		assert_ok!(Market::open_day(root(), *day, consumption(500)));
		for slot in 0..SLOTS_PER_DAY {
			assert_ok!(Market::add_offer(signed(PRODUCER), *day, slot, 1_000, PRICE));
		}
		assert_ok!(Market::close_auction(root(), *day));
	}
}

/// The market without pseudonyms: main grid, producer, one group of three
/// ledgers under an intermediate node, an operator.
fn empty_market() {
	assert_ok!(Market::set_main_grid_account(root(), MAIN_GRID));
	assert_ok!(Market::register_producer(root(), PRODUCER));
	assert_ok!(Market::add_intermediate(root(), ROOT));
	assert_ok!(Market::add_group(root(), INTERMEDIATE, COORDINATOR, 3));
	assert_ok!(Market::add_operator(signed(COORDINATOR), 0, OPERATOR));
}

#[test]
fn pseudonyms_are_registered_for_today_or_a_coming_day_within_the_lead() {
	new_test_ext().execute_with(|| {
		empty_market();
		at_slot(DAY_START + 5);
		let pseudonym = [FIRST_PSEUDONYM];
		assert_noop!(
			Market::register_pseudonyms(signed(OPERATOR), LEDGERS[0], DAY - 1, batch(&pseudonym)),
			MarketError::RegistrationDayPassed
		);
		assert_noop!(
			Market::register_pseudonyms(
				signed(OPERATOR),
				LEDGERS[0],
				DAY + LEAD_DAYS + 1,
				batch(&pseudonym)
			),
			MarketError::RegistrationDayTooFarAhead
		);
		// Today is allowed (a late registration); so is the furthest lead day.
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			DAY,
			batch(&pseudonym)
		));
		// The coordinator registers too, without being an operator.
		assert_ok!(Market::register_pseudonyms(
			signed(COORDINATOR),
			LEDGERS[1],
			DAY + LEAD_DAYS,
			batch(&[FIRST_PSEUDONYM + 1])
		));
		assert_eq!(
			Pseudonyms::<Test>::get(FIRST_PSEUDONYM + 1),
			Some(PseudonymRecord {
				ledger: LEDGERS[1],
				first_day: DAY + LEAD_DAYS,
				last_day: DAY + LEAD_DAYS,
				registered_slot: DAY_START + 5,
			})
		);
	});
}

#[test]
fn a_pseudonym_reports_on_its_own_days_only_and_never_feelessly_outside_them() {
	new_test_ext().execute_with(|| {
		empty_market();
		let [today, tomorrow] = [FIRST_PSEUDONYM, FIRST_PSEUDONYM + 1];
		assert_ok!(Market::register_pseudonyms(signed(OPERATOR), LEDGERS[0], DAY, batch(&[today])));
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			DAY + 1,
			batch(&[tomorrow])
		));
		trading_days(&[DAY, DAY + 1]);
		let report =
			|slot, energy_wh| RuntimeCall::EnergyMarket(Call::report_share { slot, energy_wh });
		at_slot(DAY_START);
		assert!(!report(DAY_START, 10).is_feeless(&signed(tomorrow)));
		assert_noop!(
			Market::report_share(signed(tomorrow), DAY_START, 10),
			MarketError::PseudonymNotYetValid
		);
		assert_ok!(Market::report_share(signed(today), DAY_START, 10));
		let next_day = DAY_START + SLOTS_PER_DAY;
		at_slot(next_day);
		assert!(!report(next_day, 10).is_feeless(&signed(today)));
		assert_noop!(
			Market::report_share(signed(today), next_day, 10),
			MarketError::PseudonymExpired
		);
		assert!(report(next_day, 10).is_feeless(&signed(tomorrow)));
		assert_ok!(Market::report_share(signed(tomorrow), next_day, 10));
	});
}

#[test]
fn a_late_registration_reopens_the_days_earlier_slots_for_one_grace_window() {
	new_test_ext().execute_with(|| {
		empty_market();
		let [early, late] = [FIRST_PSEUDONYM, FIRST_PSEUDONYM + 1];
		assert_ok!(Market::register_pseudonyms(signed(OPERATOR), LEDGERS[0], DAY, batch(&[early])));
		trading_days(&[DAY]);
		// The coordinator was down until slot 50 of the day.
		at_slot(DAY_START + 50);
		assert_ok!(Market::register_pseudonyms(signed(OPERATOR), LEDGERS[1], DAY, batch(&[late])));
		at_slot(DAY_START + 50 + GRACE_SLOTS);
		assert_ok!(Market::report_share(signed(late), DAY_START + 3, 10));
		assert_noop!(
			Market::report_share(signed(early), DAY_START + 3, 10),
			MarketError::SlotClosed
		);
		at_slot(DAY_START + 51 + GRACE_SLOTS);
		assert_noop!(
			Market::report_share(signed(late), DAY_START + 4, 10),
			MarketError::SlotClosed
		);
	});
}

#[test]
fn the_authority_sets_the_rotation_period_for_later_registrations() {
	new_test_ext().execute_with(|| {
		empty_market();
		assert_eq!(RotationDays::<Test>::get(), 1);
		assert_noop!(Market::set_rotation_period(signed(COORDINATOR), 3), DispatchError::BadOrigin);
		assert_noop!(Market::set_rotation_period(root(), 0), MarketError::InvalidRotationPeriod);
		assert_noop!(
			Market::set_rotation_period(root(), MAX_ROTATION_DAYS + 1),
			MarketError::InvalidRotationPeriod
		);
		assert_ok!(Market::set_rotation_period(root(), 3));
		assert_eq!(last_event(), Event::RotationPeriodSet { days: 3 }.into());
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			DAY,
			batch(&[FIRST_PSEUDONYM])
		));
		assert_eq!(
			Pseudonyms::<Test>::get(FIRST_PSEUDONYM).map(|record| record.last_day),
			Some(DAY + 2)
		);
		assert!(PseudonymExpiries::<Test>::contains_key(DAY + 2, FIRST_PSEUDONYM));
	});
}

/// Runs `on_idle` with `weight` and returns what it used.
fn idle(weight: Weight) -> Weight {
	<Market as Hooks<u64>>::on_idle(System::block_number(), weight)
}

#[test]
fn expired_pseudonyms_are_pruned_once_their_day_has_closed_in_bounded_steps() {
	new_test_ext().execute_with(|| {
		empty_market();
		let pseudonyms: Vec<u64> = (0..5).map(|index| FIRST_PSEUDONYM + index).collect();
		assert_ok!(Market::register_pseudonyms(
			signed(OPERATOR),
			LEDGERS[0],
			DAY,
			batch(&pseudonyms)
		));
		trading_days(&[DAY]);
		at_slot(DAY_START);
		assert_ok!(Market::report_share(signed(pseudonyms[0]), DAY_START, 10));
		// The day's grace window is still open: nothing expires.
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS - 1);
		idle(Weight::MAX);
		assert_eq!(Nodes::<Test>::get(LEDGERS[0]).unwrap().pseudonyms, 5);
		// Closed: a budget for two pseudonyms takes two, the next block the rest.
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
		let weights = <Test as Config>::WeightInfo::prune_cursor();
		let two = weights.saturating_add(<() as WeightInfo>::expire_pseudonyms(2));
		let used = idle(two);
		assert!(used.all_lte(two), "{used:?} > {two:?}");
		assert_eq!(Nodes::<Test>::get(LEDGERS[0]).unwrap().pseudonyms, 3);
		assert_eq!(last_event(), Event::PseudonymsExpired { day: DAY, count: 2 }.into());
		idle(Weight::MAX);
		assert_eq!(Nodes::<Test>::get(LEDGERS[0]).unwrap().pseudonyms, 0);
		for pseudonym in &pseudonyms {
			assert_eq!(Pseudonyms::<Test>::get(pseudonym), None);
			assert_eq!(System::providers(pseudonym), 0);
		}
		assert_eq!(PseudonymExpiries::<Test>::iter_prefix(DAY).count(), 0);
		assert_eq!(Pruning::<Test>::get().expiry_day, Some(DAY + 1));
		// Their reports stay until the day itself is pruned.
		assert!(Reports::<Test>::contains_key((DAY, pseudonyms[0], 0)));
		// Nothing left to do costs only the cursor.
		assert_eq!(idle(Weight::MAX), <Test as Config>::WeightInfo::prune_cursor());
	});
}

#[test]
fn liquidated_days_older_than_the_retention_window_are_pruned() {
	new_test_ext().execute_with(|| {
		two_reports();
		liquidator();
		// Not liquidated yet: kept whatever its age.
		at_slot((DAY + RETENTION_DAYS + 1) * SLOTS_PER_DAY);
		idle(Weight::MAX);
		assert!(Days::<Test>::contains_key(DAY));
		liquidate_day();
		// Liquidated but within the window: kept.
		at_slot((DAY + RETENTION_DAYS) * SLOTS_PER_DAY);
		idle(Weight::MAX);
		assert!(Days::<Test>::contains_key(DAY));
		assert!(Reports::<Test>::iter_prefix((DAY,)).count() > 0);
		// Older than the window: a small budget takes a few items a block.
		at_slot((DAY + RETENTION_DAYS + 1) * SLOTS_PER_DAY);
		let few = <Test as Config>::WeightInfo::prune_cursor()
			.saturating_add(<() as WeightInfo>::prune_day(3));
		idle(few);
		assert!(Days::<Test>::contains_key(DAY), "offers and nets remain after three items");
		let mut blocks = 1;
		while Days::<Test>::contains_key(DAY) {
			idle(few);
			blocks += 1;
			assert!(blocks < 200, "pruning does not finish");
		}
		assert!(blocks > 1);
		assert!(!DayPhases::<Test>::contains_key(DAY), "the phase goes with the day");
		assert_eq!(Reports::<Test>::iter_prefix((DAY,)).count(), 0);
		assert_eq!(Nets::<Test>::iter_prefix(DAY).count(), 0);
		assert_eq!(Offers::<Test>::iter_prefix(DAY).count(), 0);
		assert!(market_events().contains(&Event::DayPruned { day: DAY }));
		assert_eq!(Pruning::<Test>::get().market_day, Some(DAY + 1));
		// Debts and credits are not per day: they stay.
	});
}

// ------------------------------------------------------------------ auction

#[test]
fn the_authority_or_the_main_grid_opens_future_days_with_96_expected_slots() {
	new_test_ext().execute_with(|| {
		at_slot(0);
		assert_noop!(
			Market::open_day(root(), DAY, consumption(500)),
			MarketError::NoMainGridAccount
		);
		assert_ok!(Market::set_main_grid_account(root(), MAIN_GRID));
		let short = BoundedVec::truncate_from(vec![500; 95]);
		assert_noop!(
			Market::open_day(root(), DAY, short),
			MarketError::ExpectedConsumptionNotPerSlot
		);
		assert_noop!(Market::open_day(root(), 0, consumption(500)), MarketError::DayAlreadyStarted);
		assert_noop!(
			Market::open_day(signed(STRANGER), DAY, consumption(500)),
			MarketError::NotDayOperator
		);
		assert_noop!(
			Market::open_day(RuntimeOrigin::none(), DAY, consumption(500)),
			DispatchError::BadOrigin
		);
		assert_ok!(Market::open_day(signed(MAIN_GRID), DAY, consumption(500)));
		assert_eq!(last_event(), Event::DayOpened { day: DAY }.into());
		assert_eq!(DayPhases::<Test>::get(DAY).unwrap(), DayPhase::Bidding);
		assert_noop!(
			Market::open_day(root(), DAY, consumption(500)),
			MarketError::DayAlreadyOpened
		);
		assert_ok!(Market::open_day(root(), 3, consumption(500)));
		assert_noop!(Market::open_day(root(), 2, consumption(500)), MarketError::TooManyOpenDays);
		assert_eq!(OpenDays::<Test>::get().into_inner(), vec![DAY, 3]);
	});
}

#[test]
fn producers_offer_valid_prices_while_the_day_is_bidding() {
	new_test_ext().execute_with(|| {
		market();
		at_slot(0);
		assert_ok!(Market::open_day(root(), DAY, consumption(500)));
		assert_noop!(
			Market::add_offer(signed(STRANGER), DAY, 0, 1_000, PRICE),
			MarketError::NotProducer
		);
		assert_noop!(
			Market::add_offer(signed(PRODUCER), DAY, 96, 1_000, PRICE),
			MarketError::SlotOutOfDay
		);
		assert_noop!(
			Market::add_offer(signed(PRODUCER), DAY, 0, 0, PRICE),
			MarketError::ZeroCapacity
		);
		assert_noop!(
			Market::add_offer(signed(PRODUCER), DAY, 0, 1_000, 1_500),
			MarketError::PriceNotWholePerWattHour
		);
		assert_noop!(
			Market::add_offer(signed(PRODUCER), DAY, 0, 1_000, MAX_PRICE + 1_000),
			MarketError::PriceTooHigh
		);
		assert_noop!(
			Market::add_offer(signed(PRODUCER), 5, 0, 1_000, PRICE),
			MarketError::UnknownDay
		);
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, 0, 1_000, PRICE));
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, 0, 2_000, 3_000));
		assert_eq!(
			Offers::<Test>::get(DAY, 0).into_inner(),
			vec![Offer { producer: PRODUCER, capacity_wh: 2_000, price_per_kwh: 3_000 }]
		);
		for producer in [10, 11] {
			assert_ok!(Market::register_producer(root(), producer));
			assert_ok!(Market::add_offer(signed(producer), DAY, 0, 1, 1_000));
		}
		assert_ok!(Market::register_producer(root(), 12));
		assert_noop!(Market::add_offer(signed(12), DAY, 0, 1, 1_000), MarketError::TooManyOffers);
		assert_ok!(Market::close_auction(root(), DAY));
		assert_noop!(
			Market::add_offer(signed(PRODUCER), DAY, 1, 1_000, PRICE),
			MarketError::AuctionAlreadyClosed
		);
	});
}

#[test]
fn the_auction_takes_the_cheapest_offers_and_falls_back_when_short() {
	new_test_ext().execute_with(|| {
		market();
		assert_ok!(Market::register_producer(root(), OTHER_PRODUCER));
		at_slot(0);
		assert_ok!(Market::open_day(root(), DAY, consumption(1_500)));
		// Slot 0: 1,000 Wh at 100 and 1,000 Wh at 300 → both needed, price 300.
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, 0, 1_000, 300_000));
		assert_ok!(Market::add_offer(signed(OTHER_PRODUCER), DAY, 0, 1_000, 100_000));
		// Slot 1: the cheap offer alone covers it → price 100.
		assert_ok!(Market::add_offer(signed(OTHER_PRODUCER), DAY, 1, 2_000, 100_000));
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, 1, 2_000, 300_000));
		// Slot 2: 700 Wh cannot cover 1,500 → fallback.
		assert_ok!(Market::add_offer(signed(PRODUCER), DAY, 2, 700, 100_000));
		assert_noop!(Market::close_auction(signed(PRODUCER), DAY), MarketError::NotDayOperator);
		assert_noop!(Market::close_auction(root(), 7), MarketError::UnknownDay);
		assert_ok!(Market::close_auction(signed(MAIN_GRID), DAY));
		let day = Days::<Test>::get(DAY).unwrap();
		assert_eq!(DayPhases::<Test>::get(DAY), Some(DayPhase::Trading));
		assert_eq!(&day.prices_per_kwh[..4], &[300_000, 100_000, FALLBACK_PRICE, FALLBACK_PRICE]);
		let events = market_events();
		assert!(events.contains(&Event::FallbackPriceUsed {
			day: DAY,
			slot: 2,
			shortfall_wh: 800
		}));
		assert!(events.contains(&Event::FallbackPriceUsed {
			day: DAY,
			slot: 3,
			shortfall_wh: 1_500
		}));
		assert_eq!(Offers::<Test>::get(DAY, 0)[0].producer, OTHER_PRODUCER);
		assert_noop!(Market::close_auction(root(), DAY), MarketError::AuctionAlreadyClosed);
	});
}

#[test]
fn an_auction_cannot_close_after_its_day() {
	new_test_ext().execute_with(|| {
		market();
		at_slot(0);
		assert_ok!(Market::open_day(root(), DAY, consumption(500)));
		at_slot(DAY_START + SLOTS_PER_DAY);
		assert_noop!(Market::close_auction(root(), DAY), MarketError::DayOver);
	});
}

// ------------------------------------------------------------------ reports

#[test]
fn a_share_is_netted_into_its_ledger_and_every_ancestor() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		at_slot(DAY_START + 5);
		let [first, second] = pseudonyms_of(0);
		assert_ok!(Market::report_share(signed(first), DAY_START + 5, 120));
		assert_eq!(
			last_event(),
			Event::ShareReported { pseudonym: first, slot: DAY_START + 5, energy_wh: 120 }.into()
		);
		assert_ok!(Market::report_share(signed(second), DAY_START + 5, -45));
		let [third, _] = pseudonyms_of(1);
		assert_ok!(Market::report_share(signed(third), DAY_START + 4, 30));
		assert_eq!(nets(LEDGERS[0])[5], 75);
		assert_eq!(nets(LEDGERS[1])[4], 30);
		assert_eq!(nets(INTERMEDIATE)[5], 75);
		assert_eq!(nets(ROOT)[5], 75);
		assert_eq!(nets(ROOT)[4], 30);
		assert_eq!(
			Reports::<Test>::get((DAY, first, 5)),
			Some(Report { energy_wh: 120, status: ReportStatus::Unverified })
		);
		assert_eq!(
			Market::reports_of(first, DAY),
			vec![(5, Report { energy_wh: 120, status: ReportStatus::Unverified })]
		);
		assert_eq!(Market::node_nets(ROOT, DAY).unwrap()[5], 75);
	});
}

#[test]
fn reports_outside_the_rules_are_refused() {
	new_test_ext().execute_with(|| {
		market();
		let [pseudonym, _] = pseudonyms_of(0);
		at_slot(0);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START, 1),
			MarketError::UnknownDay
		);
		assert_ok!(Market::open_day(root(), DAY, consumption(500)));
		at_slot(DAY_START);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START, 1),
			MarketError::DayNotTrading
		);
		at_slot(0);
		assert_ok!(Market::close_auction(root(), DAY));
		at_slot(DAY_START + 10);
		assert_noop!(
			Market::report_share(signed(STRANGER), DAY_START + 10, 1),
			MarketError::NotPseudonym
		);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START + 11, 1),
			MarketError::SlotNotStarted
		);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START + 10 - GRACE_SLOTS - 1, 1),
			MarketError::SlotClosed
		);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START + 10, MAX_SHARE_WH as i64 + 1),
			MarketError::ShareTooLarge
		);
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START + 10, i64::MIN),
			MarketError::ShareTooLarge
		);
		assert_ok!(Market::report_share(
			signed(pseudonym),
			DAY_START + 10 - GRACE_SLOTS,
			-(MAX_SHARE_WH as i64)
		));
		assert_noop!(
			Market::report_share(signed(pseudonym), DAY_START + 10 - GRACE_SLOTS, 5),
			MarketError::ShareAlreadyReported
		);
	});
}

#[test]
fn only_acceptable_reports_of_registered_pseudonyms_are_feeless() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		at_slot(DAY_START + 3);
		let [pseudonym, _] = pseudonyms_of(0);
		let report =
			|slot, energy_wh| RuntimeCall::EnergyMarket(Call::report_share { slot, energy_wh });
		assert!(report(DAY_START + 3, 10).is_feeless(&signed(pseudonym)));
		assert!(!report(DAY_START + 3, 10).is_feeless(&signed(STRANGER)));
		assert!(!report(DAY_START + 4, 10).is_feeless(&signed(pseudonym)));
		assert!(!report(DAY_START + 3, i64::MAX).is_feeless(&signed(pseudonym)));
		assert!(!report(DAY_START + 3, 10).is_feeless(&RuntimeOrigin::none()));
		assert_ok!(Market::report_share(signed(pseudonym), DAY_START + 3, 10));
		// A second report of the same slot would pay a fee, which a pseudonym
		// without funds cannot: the pool refuses it.
		assert!(!report(DAY_START + 3, 10).is_feeless(&signed(pseudonym)));
	});
}

/// `pseudonym`'s signed share of `slot`, for its coordinator to relay.
fn relayed(pseudonym: u64, slot: Slot, energy_wh: EnergyWh) -> RelayedShareOf<Test> {
	let message = share_message(&Market::genesis_hash(), slot, energy_wh);
	RelayedShare { pseudonym, energy_wh, signature: TestSignature(pseudonym, message.to_vec()) }
}

fn relay_batch(shares: Vec<RelayedShareOf<Test>>) -> RelayedSharesOf<Test> {
	BoundedVec::truncate_from(shares)
}

fn skipped_events() -> Vec<(u64, DispatchError)> {
	market_events()
		.into_iter()
		.filter_map(|event| match event {
			Event::RelayedShareSkipped { pseudonym, error, .. } => Some((pseudonym, error)),
			_ => None,
		})
		.collect()
}

#[test]
fn the_coordinator_relays_a_ledgers_signed_shares_netted_once_and_free() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		at_slot(DAY_START + 1);
		let [first, second] = pseudonyms_of(0);
		let info = Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[0],
			DAY_START,
			relay_batch(vec![relayed(first, DAY_START, 10), relayed(second, DAY_START, -25)]),
		)
		.expect("a valid batch");
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
		for node in [LEDGERS[0], INTERMEDIATE, ROOT] {
			assert_eq!(nets(node)[0], -15, "node {node}");
		}
		assert_eq!(Reports::<Test>::get((DAY, first, 0)).map(|report| report.energy_wh), Some(10));
		assert_eq!(
			Reports::<Test>::get((DAY, second, 0)).map(|report| report.status),
			Some(ReportStatus::Unverified)
		);
		assert_eq!(
			last_event(),
			RuntimeEvent::EnergyMarket(Event::SharesRelayed {
				ledger: LEDGERS[0],
				slot: DAY_START,
				accepted: 2,
				skipped: 0
			})
		);
		// Nothing is reported twice: not by a second batch (which pays)…
		let again = Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[0],
			DAY_START,
			relay_batch(vec![relayed(first, DAY_START, 10)]),
		)
		.expect("a batch whose shares are all skipped is still applied");
		assert_eq!(again.pays_fee, frame_support::dispatch::Pays::Yes);
		assert_eq!(skipped_events(), vec![(first, MarketError::ShareAlreadyReported.into())]);
		// …nor by the pseudonym itself.
		assert_noop!(
			Market::report_share(signed(first), DAY_START, 10),
			MarketError::ShareAlreadyReported
		);
		assert_eq!(nets(ROOT)[0], -15);
		// A share reported directly is skipped by a later batch.
		let [third, _] = pseudonyms_of(1);
		assert_ok!(Market::report_share(signed(third), DAY_START + 1, 5));
		assert_ok!(Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[1],
			DAY_START + 1,
			relay_batch(vec![relayed(third, DAY_START + 1, 5)]),
		));
		assert_eq!(nets(ROOT)[1], 5);
	});
}

#[test]
fn bad_relayed_shares_are_skipped_one_by_one_and_the_rest_is_reported() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		at_slot(DAY_START);
		let [first, second] = pseudonyms_of(0);
		let [other_ledgers, _] = pseudonyms_of(1);
		let mut forged = relayed(second, DAY_START, 40);
		forged.energy_wh = 400;
		let mut other_chain = relayed(first, DAY_START + 1, 10);
		other_chain.signature =
			TestSignature(first, share_message(&[1; 32], DAY_START + 1, 10).to_vec());
		let batch =
			vec![relayed(first, DAY_START, 10), forged, relayed(other_ledgers, DAY_START, 7)];
		let info =
			Market::relay_shares(signed(COORDINATOR), LEDGERS[0], DAY_START, relay_batch(batch))
				.expect("bad shares are skipped, not the batch");
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::Yes);
		assert_eq!(
			skipped_events(),
			vec![
				(second, MarketError::BadShareSignature.into()),
				(other_ledgers, MarketError::PseudonymNotInLedger.into()),
			]
		);
		assert_eq!(nets(ROOT)[0], 10);
		assert!(Reports::<Test>::get((DAY, second, 0)).is_none());
		assert!(Reports::<Test>::get((DAY, other_ledgers, 0)).is_none());
		System::reset_events();
		// Signed for another chain, too large, not a pseudonym, too late.
		at_slot(DAY_START + 1);
		assert_ok!(Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[0],
			DAY_START + 1,
			relay_batch(vec![other_chain])
		));
		assert_ok!(Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[0],
			DAY_START + 1,
			relay_batch(vec![
				relayed(first, DAY_START + 1, 10),
				relayed(second, DAY_START + 1, MAX_SHARE_WH as i64 + 1),
			])
		));
		at_slot(DAY_START + 2);
		assert_ok!(Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[2],
			DAY_START + 2,
			relay_batch(vec![relayed(STRANGER, DAY_START + 2, 3)])
		));
		at_slot(DAY_START + 3 + GRACE_SLOTS);
		assert_ok!(Market::relay_shares(
			signed(COORDINATOR),
			LEDGERS[2],
			DAY_START + 2,
			relay_batch(vec![relayed(pseudonyms_of(2)[0], DAY_START + 2, 3)])
		));
		let errors: Vec<_> = skipped_events().into_iter().map(|(_, error)| error).collect();
		assert_eq!(
			errors,
			vec![
				MarketError::BadShareSignature.into(),
				MarketError::ShareTooLarge.into(),
				MarketError::NotPseudonym.into(),
				MarketError::SlotClosed.into(),
			]
		);
		assert_eq!(nets(ROOT)[1], 10);
		assert_eq!(nets(ROOT)[2], 0);
	});
}

#[test]
fn relayed_batches_outside_the_rules_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		market();
		let [first, second] = pseudonyms_of(0);
		let valid =
			|| relay_batch(vec![relayed(first, DAY_START, 1), relayed(second, DAY_START, 2)]);
		at_slot(DAY_START);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), LEDGERS[0], DAY_START, valid()),
			MarketError::UnknownDay
		);
		at_slot(0);
		assert_ok!(Market::open_day(root(), DAY, consumption(500)));
		at_slot(DAY_START);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), LEDGERS[0], DAY_START, valid()),
			MarketError::DayNotTrading
		);
		at_slot(0);
		assert_ok!(Market::close_auction(root(), DAY));
		at_slot(DAY_START);
		assert_noop!(
			Market::relay_shares(signed(OPERATOR), LEDGERS[0], DAY_START, valid()),
			MarketError::NotCoordinator
		);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), INTERMEDIATE, DAY_START, valid()),
			MarketError::NotALedger
		);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), 99, DAY_START, valid()),
			MarketError::UnknownNode
		);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), LEDGERS[0], DAY_START, relay_batch(vec![])),
			MarketError::EmptyBatch
		);
		assert_noop!(
			Market::relay_shares(
				signed(COORDINATOR),
				LEDGERS[0],
				DAY_START,
				relay_batch(vec![relayed(second, DAY_START, 2), relayed(first, DAY_START, 1)])
			),
			MarketError::SharesNotSorted
		);
		assert_noop!(
			Market::relay_shares(
				signed(COORDINATOR),
				LEDGERS[0],
				DAY_START,
				relay_batch(vec![relayed(first, DAY_START, 1), relayed(first, DAY_START, 1)])
			),
			MarketError::SharesNotSorted
		);
		assert_noop!(
			Market::relay_shares(signed(COORDINATOR), LEDGERS[0], DAY_START + 1, valid()),
			MarketError::SlotNotStarted
		);
		assert_noop!(
			Market::relay_shares(RuntimeOrigin::none(), LEDGERS[0], DAY_START, valid()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_coordinator_verifies_reports_of_its_ledgers() {
	new_test_ext().execute_with(|| {
		let [first, second] = two_reports();
		assert_noop!(
			Market::verify_reports(signed(STRANGER), LEDGERS[0], DAY_START, batch(&[first])),
			MarketError::NotCoordinator
		);
		assert_noop!(
			Market::verify_reports(signed(COORDINATOR), LEDGERS[1], DAY_START, batch(&[first])),
			MarketError::PseudonymNotInLedger
		);
		assert_noop!(
			Market::verify_reports(signed(COORDINATOR), LEDGERS[0], DAY_START + 1, batch(&[first])),
			MarketError::ReportNotFound
		);
		assert_noop!(
			Market::verify_reports(signed(COORDINATOR), LEDGERS[0], DAY_START, batch(&[])),
			MarketError::EmptyBatch
		);
		assert_ok!(Market::verify_reports(
			signed(COORDINATOR),
			LEDGERS[0],
			DAY_START,
			batch(&[first, second])
		));
		assert_eq!(
			last_event(),
			Event::ReportsVerified { ledger: LEDGERS[0], slot: DAY_START, count: 2 }.into()
		);
		assert_eq!(Reports::<Test>::get((DAY, first, 0)).unwrap().status, ReportStatus::Verified);
		assert_noop!(
			Market::verify_reports(signed(COORDINATOR), LEDGERS[0], DAY_START, batch(&[first])),
			MarketError::ReportAlreadyVerified
		);
		assert_noop!(
			Market::flag_report(signed(COORDINATOR), first, DAY_START),
			MarketError::ReportAlreadyVerified
		);
	});
}

#[test]
fn a_flagged_report_leaves_the_nets_and_counts_against_its_pseudonym() {
	new_test_ext().execute_with(|| {
		let [first, second] = two_reports();
		assert_noop!(
			Market::flag_report(signed(STRANGER), first, DAY_START),
			MarketError::NotCoordinator
		);
		assert_noop!(
			Market::flag_report(signed(COORDINATOR), STRANGER, DAY_START),
			MarketError::NotPseudonym
		);
		assert_noop!(
			Market::flag_report(signed(COORDINATOR), first, DAY_START + 1),
			MarketError::ReportNotFound
		);
		assert_ok!(Market::flag_report(signed(COORDINATOR), first, DAY_START));
		assert_eq!(last_event(), Event::ReportFlagged { pseudonym: first, slot: DAY_START }.into());
		assert_eq!(nets(LEDGERS[0])[0], 20);
		assert_eq!(nets(ROOT)[0], 20);
		assert_eq!(FlaggedReports::<Test>::get(first), 1);
		assert_noop!(
			Market::flag_report(signed(COORDINATOR), first, DAY_START),
			MarketError::ReportAlreadyFlagged
		);
		assert_noop!(
			Market::verify_reports(signed(COORDINATOR), LEDGERS[0], DAY_START, batch(&[first])),
			MarketError::ReportAlreadyFlagged
		);
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
		assert_noop!(
			Market::flag_report(signed(COORDINATOR), second, DAY_START),
			MarketError::DayClosed
		);
	});
}

// -------------------------------------------------------------- liquidation

#[test]
fn liquidation_bills_the_coordinator_and_pays_the_producer_and_the_main_grid() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		liquidator();
		// Slot 0: the group draws 1,500 Wh: 1,000 from the producer's offer,
		// the last 500 from the main grid. Slot 1: it exports 300 Wh.
		at_slot(DAY_START);
		assert_ok!(Market::report_share(signed(pseudonyms_of(0)[0]), DAY_START, 900));
		assert_ok!(Market::report_share(signed(pseudonyms_of(1)[0]), DAY_START, 600));
		at_slot(DAY_START + 1);
		assert_ok!(Market::report_share(signed(pseudonyms_of(2)[1]), DAY_START + 1, -300));
		let before = [COORDINATOR, PRODUCER, MAIN_GRID].map(balance);
		liquidate_day();
		let per_wh = PRICE / 1_000;
		// The coordinator pays ledgers 2 and 3 and is paid for ledger 4.
		assert_eq!(balance(COORDINATOR), before[0] - 1_500 * per_wh + 300 * per_wh);
		assert_eq!(balance(PRODUCER), before[1] + 1_000 * per_wh);
		assert_eq!(balance(MAIN_GRID), before[2] + 500 * per_wh - 300 * per_wh);
		assert_eq!(balance(Market::pot()), EXISTENTIAL_DEPOSIT);
		let events = market_events();
		assert!(events.contains(&Event::NodeSettled {
			day: DAY,
			node: ROOT,
			energy_wh: 1_200,
			value: 1_200 * per_wh as i128
		}));
		assert!(events.contains(&Event::NodeSettled {
			day: DAY,
			node: LEDGERS[2],
			energy_wh: -300,
			value: -300 * per_wh as i128
		}));
		assert!(events.contains(&Event::DayLiquidated { day: DAY }));
		assert!(OpenDays::<Test>::get().is_empty());
		assert_eq!(Market::debt_of(COORDINATOR), 0);
	});
}

#[test]
fn pages_go_in_order_with_a_registered_signature_after_the_day_closes() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		liquidator();
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS - 1);
		assert_noop!(
			Market::liquidate(authorized(), DAY, 0, signature(LIQUIDATOR, DAY, 0)),
			MarketError::DayNotClosed
		);
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
		// Only `AuthorizeCall` gives the origin: not unsigned, not signed.
		assert_noop!(
			Market::liquidate(RuntimeOrigin::none(), DAY, 0, signature(LIQUIDATOR, DAY, 0)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Market::liquidate(authorized(), DAY, 1, signature(LIQUIDATOR, DAY, 1)),
			MarketError::PageOutOfOrder
		);
		assert_noop!(
			Market::liquidate(signed(COORDINATOR), DAY, 0, signature(LIQUIDATOR, DAY, 0)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Market::liquidate(authorized(), 9, 0, signature(LIQUIDATOR, 9, 0)),
			MarketError::UnknownDay
		);
		assert_ok!(Market::liquidate(authorized(), DAY, 0, signature(LIQUIDATOR, DAY, 0)));
		// Five nodes, two a page: three collection pages and three payout pages.
		assert_eq!(
			DayPhases::<Test>::get(DAY).unwrap(),
			DayPhase::Liquidating { next_page: 1, pages: 6, nodes: 5 }
		);
		assert_noop!(
			Market::liquidate(authorized(), DAY, 0, signature(LIQUIDATOR, DAY, 0)),
			MarketError::PageOutOfOrder
		);
		for page in 1..6 {
			assert_ok!(Market::liquidate(
				authorized(),
				DAY,
				page,
				signature(LIQUIDATOR, DAY, page)
			));
		}
		assert_noop!(
			Market::liquidate(authorized(), DAY, 6, signature(LIQUIDATOR, DAY, 6)),
			MarketError::DayAlreadyLiquidated
		);
	});
}

#[test]
fn the_pool_accepts_the_next_page_once_and_refuses_the_rest() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		liquidator();
		let validate = |page, signature| {
			let call = Call::<Test>::liquidate { day: DAY, page, signature };
			let (valid, refund) =
				call.authorize(TransactionSource::External).expect("liquidate is authorized")?;
			assert_eq!(refund, Weight::zero());
			Ok::<_, TransactionValidityError>(valid)
		};
		at_slot(DAY_START + 10);
		assert_eq!(
			validate(0, signature(LIQUIDATOR, DAY, 0)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Future))
		);
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
		let valid = validate(0, signature(LIQUIDATOR, DAY, 0)).expect("the next page is valid");
		assert_eq!(valid.provides, vec![("GridVeilLiquidation", (DAY, 0u32)).encode()]);
		assert_eq!(valid.priority, u64::MAX / 2);
		assert_eq!(valid.longevity, 8);
		assert_eq!(
			validate(0, signature(8, DAY, 0)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
		assert_eq!(
			validate(1, signature(LIQUIDATOR, DAY, 1)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Future))
		);
		assert_eq!(
			validate(0, signature(LIQUIDATOR, DAY, 1)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
		assert_ok!(Market::liquidate(authorized(), DAY, 0, signature(LIQUIDATOR, DAY, 0)));
		assert_eq!(
			validate(0, signature(LIQUIDATOR, DAY, 0)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
		);
		// No other call of the pallet is authorized.
		assert!(Call::<Test>::claim_credit {}.authorize(TransactionSource::External).is_none());
	});
}

#[test]
fn what_cannot_be_paid_becomes_debts_and_credits_and_is_settled_later() {
	new_test_ext().execute_with(|| {
		market();
		trading_day();
		liquidator();
		at_slot(DAY_START);
		assert_ok!(Market::report_share(signed(pseudonyms_of(0)[0]), DAY_START, 1_000));
		// The coordinator has all but 100 of what it will owe.
		let owed = 1_000 * (PRICE / 1_000);
		let spare = balance(COORDINATOR) - (owed - 100) - EXISTENTIAL_DEPOSIT;
		assert_ok!(Balances::transfer_allow_death(signed(COORDINATOR), STRANGER, spare));
		liquidate_day();
		assert_eq!(Market::debt_of(COORDINATOR), 100);
		assert_eq!(Market::credit_of(PRODUCER), 100);
		assert!(market_events().contains(&Event::DebtRecorded {
			day: DAY,
			debtor: COORDINATOR,
			amount: 100
		}));
		assert!(market_events().contains(&Event::CreditRecorded {
			day: DAY,
			creditor: PRODUCER,
			amount: 100
		}));
		assert_noop!(Market::claim_credit(signed(PRODUCER)), MarketError::PotEmpty);
		assert_noop!(Market::pay_debt(signed(STRANGER), COORDINATOR, 0), MarketError::ZeroAmount);
		assert_noop!(Market::pay_debt(signed(STRANGER), PRODUCER, 10), MarketError::NoDebt);
		assert_ok!(Market::pay_debt(signed(STRANGER), COORDINATOR, 60));
		assert_eq!(Market::debt_of(COORDINATOR), 40);
		assert_ok!(Market::pay_debt(signed(STRANGER), COORDINATOR, 1_000));
		assert_eq!(
			last_event(),
			Event::DebtPaid { debtor: COORDINATOR, payer: STRANGER, amount: 40 }.into()
		);
		assert_eq!(Debts::<Test>::get(COORDINATOR), None);
		let before = balance(PRODUCER);
		assert_ok!(Market::claim_credit(signed(PRODUCER)));
		assert_eq!(balance(PRODUCER), before + 100);
		assert_eq!(Credits::<Test>::get(PRODUCER), None);
		assert_noop!(Market::claim_credit(signed(PRODUCER)), MarketError::NoCredit);
	});
}

#[test]
fn the_authority_manages_liquidator_keys() {
	new_test_ext().execute_with(|| {
		let key = UintAuthorityId(LIQUIDATOR);
		assert_noop!(
			Market::add_liquidator(signed(STRANGER), key.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(Market::add_liquidator(root(), key.clone()));
		assert_noop!(Market::add_liquidator(root(), key.clone()), MarketError::AlreadyLiquidator);
		assert_ok!(Market::add_liquidator(root(), UintAuthorityId(2)));
		assert_noop!(
			Market::add_liquidator(root(), UintAuthorityId(3)),
			MarketError::TooManyLiquidators
		);
		assert_ok!(Market::remove_liquidator(root(), key.clone()));
		assert_eq!(last_event(), Event::LiquidatorRemoved { liquidator: key.clone() }.into());
		assert_noop!(Market::remove_liquidator(root(), key), MarketError::NotLiquidator);
	});
}

// ------------------------------------------------------------ offchain worker

#[test]
fn the_offchain_worker_signs_and_submits_each_next_page() {
	use sp_core::offchain::{testing, TransactionPoolExt};
	let mut externalities = new_test_ext();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let (offchain, _) = testing::TestOffchainExt::new();
	externalities.register_extension(sp_core::offchain::OffchainWorkerExt::new(offchain.clone()));
	externalities.register_extension(sp_core::offchain::OffchainDbExt::new(offchain));
	externalities.register_extension(TransactionPoolExt::new(pool));
	externalities.execute_with(|| {
		market();
		trading_day();
		UintAuthorityId::set_all_keys(vec![LIQUIDATOR]);
		at_slot(DAY_START + SLOTS_PER_DAY + GRACE_SLOTS);
		// No registered key on this node yet: nothing is sent.
		Market::offchain_worker(1);
		assert!(pool_state.read().transactions.is_empty());
		liquidator();
		for page in 0..6u32 {
			Market::offchain_worker(1);
			let sent = pool_state.write().transactions.pop().expect("a page was submitted");
			let extrinsic = Extrinsic::decode(&mut &sent[..]).unwrap();
			assert!(
				matches!(extrinsic.preamble, sp_runtime::generic::Preamble::General(..)),
				"a general transaction, not a bare one"
			);
			let RuntimeCall::EnergyMarket(call) = extrinsic.function.clone() else {
				panic!("not a market call")
			};
			assert_eq!(
				call,
				Call::liquidate { day: DAY, page, signature: signature(LIQUIDATOR, DAY, page) }
			);
			assert!(call.authorize(TransactionSource::Local).expect("authorized").is_ok());
			assert_ok!(call.dispatch_bypass_filter(authorized()));
		}
		assert_eq!(DayPhases::<Test>::get(DAY).unwrap(), DayPhase::Liquidated);
		Market::offchain_worker(1);
		assert!(pool_state.read().transactions.is_empty());
	});
}

// --------------------------------------------------------------------- laws

/// The merit order by another route: the lowest price at which the offers
/// priced at most that much cover the expected consumption.
fn brute_force_price(offers: &[(u64, u64)], expected: u64) -> Option<u64> {
	if offers.is_empty() {
		return None;
	}
	if expected == 0 {
		return offers.iter().map(|(_, price)| *price).min();
	}
	let mut candidates: Vec<u64> = offers.iter().map(|(_, price)| *price).collect();
	candidates.sort();
	candidates.into_iter().find(|candidate| {
		offers
			.iter()
			.filter(|(_, price)| price <= candidate)
			.map(|(capacity, _)| *capacity)
			.sum::<u64>()
			>= expected
	})
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(256))]

	#[test]
	fn the_auction_equals_a_brute_force_merit_order(
		offers in proptest::collection::vec((1u64..5_000, 1u64..50), 0..12),
		expected in 0u64..20_000,
	) {
		let mut slot_offers: Vec<Offer<u64, u64>> = offers
			.iter()
			.enumerate()
			.map(|(producer, (capacity_wh, price))| Offer { producer: producer as u64, capacity_wh: *capacity_wh, price_per_kwh: *price })
			.collect();
		let outcome = merit_order(&mut slot_offers, expected);
		match brute_force_price(&offers, expected) {
			Some(price) => prop_assert_eq!(outcome, AuctionOutcome::Covered { price_per_kwh: price }),
			None => {
				let total: u64 = offers.iter().map(|(capacity, _)| *capacity).sum();
				prop_assert_eq!(outcome, AuctionOutcome::Short { shortfall_wh: expected.saturating_sub(total) });
			},
		}
		prop_assert!(slot_offers.windows(2).all(|pair| pair[0].price_per_kwh <= pair[1].price_per_kwh));
	}

	#[test]
	fn shares_of_a_slot_sum_to_every_ancestors_net(
		reports in proptest::collection::vec((0usize..6, 0u32..3, -5_000i64..5_000, any::<bool>()), 0..40),
	) {
		new_test_ext().execute_with(|| {
			market();
			trading_day();
			let mut expected = std::collections::BTreeMap::<(usize, u32), i64>::new();
			for offset in 0..3u32 {
				at_slot(DAY_START + offset);
				for (pseudonym_index, slot, energy, flag) in reports.iter().filter(|report| report.1 == offset) {
					let pseudonym = FIRST_PSEUDONYM + *pseudonym_index as u64;
					if Market::report_share(signed(pseudonym), DAY_START + slot, *energy).is_ok() {
						if *flag {
							assert_ok!(Market::flag_report(signed(COORDINATOR), pseudonym, DAY_START + slot));
						} else {
							*expected.entry((pseudonym_index / 2, *slot)).or_default() += energy;
						}
					}
				}
			}
			for slot in 0..3u32 {
				let mut total = 0;
				for (index, ledger) in LEDGERS.iter().enumerate() {
					let share_sum = expected.get(&(index, slot)).copied().unwrap_or_default();
					prop_assert_eq!(nets(*ledger)[slot as usize], share_sum);
					total += share_sum;
				}
				prop_assert_eq!(nets(INTERMEDIATE)[slot as usize], total);
				prop_assert_eq!(nets(ROOT)[slot as usize], total);
			}
			Ok(())
		})?;
	}

	#[test]
	fn liquidation_conserves_money(
		shares in proptest::collection::vec((0usize..6, 0u32..4, -3_000i64..3_000), 1..30),
		coordinator_funds in 0u64..2_000_000,
		main_grid_funds in 0u64..2_000_000,
	) {
		new_test_ext().execute_with(|| {
			market();
			trading_day();
			liquidator();
			for offset in 0..4u32 {
				at_slot(DAY_START + offset);
				for (pseudonym_index, _, energy) in shares.iter().filter(|share| share.1 == offset) {
					let _ = Market::report_share(signed(FIRST_PSEUDONYM + *pseudonym_index as u64), DAY_START + offset, *energy);
				}
			}
			// Leave the payers with random funds, so some of them fall short.
			for (payer, funds) in [(COORDINATOR, coordinator_funds), (MAIN_GRID, main_grid_funds)] {
				let keep = funds + EXISTENTIAL_DEPOSIT;
				assert_ok!(Balances::transfer_allow_death(signed(payer), STRANGER, balance(payer) - keep));
			}
			let total_before: u64 = [COORDINATOR, MAIN_GRID, PRODUCER, Market::pot()].iter().map(|who| balance(*who)).sum();
			System::reset_events();
			liquidate_day();
			let events = market_events();
			let sum = |pick: &dyn Fn(&Event<Test>) -> Option<u64>| events.iter().filter_map(pick).sum::<u64>();
			let collected = sum(&|event| match event { Event::Collected { amount, .. } => Some(*amount), _ => None });
			let paid = sum(&|event| match event { Event::PaidOut { amount, .. } => Some(*amount), _ => None });
			let debts = sum(&|event| match event { Event::DebtRecorded { amount, .. } => Some(*amount), _ => None });
			let credits = sum(&|event| match event { Event::CreditRecorded { amount, .. } => Some(*amount), _ => None });
			// What the buyers owed = what the sellers were owed (the tree is pass-through).
			prop_assert_eq!(collected + debts, paid + credits);
			// The pot handed on exactly what it received.
			prop_assert_eq!(balance(Market::pot()), EXISTENTIAL_DEPOSIT + collected - paid);
			let total_after: u64 = [COORDINATOR, MAIN_GRID, PRODUCER, Market::pot()].iter().map(|who| balance(*who)).sum();
			prop_assert_eq!(total_before, total_after);
			prop_assert_eq!(Market::debt_of(COORDINATOR) + Market::debt_of(MAIN_GRID), debts);
			prop_assert_eq!(
				Market::credit_of(COORDINATOR) + Market::credit_of(MAIN_GRID) + Market::credit_of(PRODUCER),
				credits
			);
			Ok(())
		})?;
	}
}

#[test]
fn the_version_1_migration_moves_each_days_phase_out_of_its_plan_once() {
	use crate::migrations::v1::{v0, MigrateToV1, SplitDayPhase};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		// A new chain's genesis writes version 1: nothing to migrate.
		<Market as frame_support::traits::OnGenesis>::on_genesis();
		assert_eq!(Market::on_chain_storage_version(), 1);
		let phases = [
			DayPhase::Trading,
			DayPhase::Liquidating { next_page: 2, pages: 6, nodes: 5 },
			DayPhase::Liquidated,
		];
		let plan = |day: Day| v0::TradingDay {
			phase: phases[(day - 10) as usize],
			expected_consumption_wh: [u64::from(day) * 100; SLOTS_PER_DAY as usize],
			prices_per_kwh: [BalanceOf::<Test>::from(day * 1_000); SLOTS_PER_DAY as usize],
		};
		// A chain that stored days in version 0's layout.
		StorageVersion::new(0).put::<Market>();
		for day in 10..13 {
			v0::Days::<Test>::insert(day, plan(day));
		}
		let state = SplitDayPhase::<Test>::snapshot().expect("a version-0 snapshot");

		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Market::on_chain_storage_version(), 1);
		assert_eq!(SplitDayPhase::<Test>::verify(&state), Ok(()));
		for day in 10..13 {
			let old = plan(day);
			assert_eq!(DayPhases::<Test>::get(day), Some(old.phase));
			let new = Days::<Test>::get(day).expect("the plan stays");
			assert_eq!(new.expected_consumption_wh, old.expected_consumption_wh);
			assert_eq!(new.prices_per_kwh, old.prices_per_kwh);
		}
		// Run again (the next upgrade): version 1 already, nothing changes.
		let stored: Vec<_> = Days::<Test>::iter().collect();
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Days::<Test>::iter().collect::<Vec<_>>(), stored);
		assert_eq!(SplitDayPhase::<Test>::verify(&state), Ok(()));
		// The checks fail on what the migration must not do.
		assert_eq!(
			SplitDayPhase::<Test>::snapshot(),
			Err("DayPhases has entries before the migration")
		);
		DayPhases::<Test>::insert(11, DayPhase::Bidding);
		assert_eq!(SplitDayPhase::<Test>::verify(&state), Err("a day's phase changed"));
		DayPhases::<Test>::insert(11, phases[1]);
		DayPhases::<Test>::insert(99, DayPhase::Trading);
		assert_eq!(SplitDayPhase::<Test>::verify(&state), Err("DayPhases has days without a plan"));
		DayPhases::<Test>::remove(99);
		Days::<Test>::remove(12);
		assert_eq!(SplitDayPhase::<Test>::verify(&state), Err("a day lost its plan"));
	});
}

/// The events in index order, as released. Append new ones: a variant
/// inserted mid-enum shifts every later index, and the events an earlier
/// runtime wrote (those of the upgrade block itself) then decode wrongly.
const RELEASED_EVENTS: &[&str] = &[
	"ProducerRegistered",
	"ProducerRemoved",
	"MainGridAccountSet",
	"NodeAdded",
	"NodeRemoved",
	"GroupAdded",
	"GroupRemoved",
	"OperatorAdded",
	"OperatorRemoved",
	"PseudonymsRegistered",
	"PseudonymsExpired",
	"RotationPeriodSet",
	"DayPruned",
	"PseudonymsDeregistered",
	"DayOpened",
	"OfferAdded",
	"AuctionClosed",
	"FallbackPriceUsed",
	"ShareReported",
	"ReportsVerified",
	"ReportFlagged",
	"LiquidatorAdded",
	"LiquidatorRemoved",
	"NodeSettled",
	"Collected",
	"PaidOut",
	"DebtRecorded",
	"CreditRecorded",
	"PageLiquidated",
	"DayLiquidated",
	"DebtPaid",
	"CreditClaimed",
	"SharesRelayed",
	"RelayedShareSkipped",
];

/// The errors in index order, as released (same rule as the events).
const RELEASED_ERRORS: &[&str] = &[
	"AlreadyProducer",
	"NotProducer",
	"TooManyProducers",
	"UnknownNode",
	"ParentIsLedger",
	"TreeTooDeep",
	"CannotRemoveRoot",
	"NodeHasChildren",
	"LedgerHasPseudonyms",
	"LastLedgerOfGroup",
	"DaysInFlight",
	"UnknownGroup",
	"InvalidLedgerCount",
	"NotALedger",
	"NotCoordinator",
	"NotOperator",
	"AlreadyOperator",
	"TooManyOperators",
	"PseudonymsNotSorted",
	"EmptyBatch",
	"PseudonymAlreadyRegistered",
	"PseudonymNotInLedger",
	"PseudonymInUse",
	"NotPseudonym",
	"PseudonymNotYetValid",
	"PseudonymExpired",
	"RegistrationDayPassed",
	"RegistrationDayTooFarAhead",
	"InvalidRotationPeriod",
	"NoMainGridAccount",
	"NotDayOperator",
	"DayAlreadyOpened",
	"DayAlreadyStarted",
	"TooManyOpenDays",
	"ExpectedConsumptionNotPerSlot",
	"UnknownDay",
	"SlotOutOfDay",
	"ZeroCapacity",
	"PriceNotWholePerWattHour",
	"PriceTooHigh",
	"TooManyOffers",
	"AuctionAlreadyClosed",
	"DayOver",
	"DayNotTrading",
	"SlotNotStarted",
	"SlotClosed",
	"ShareAlreadyReported",
	"ShareTooLarge",
	"ReportNotFound",
	"ReportAlreadyVerified",
	"ReportAlreadyFlagged",
	"DayClosed",
	"DayNotClosed",
	"DayAlreadyLiquidated",
	"PageOutOfOrder",
	"AlreadyLiquidator",
	"NotLiquidator",
	"TooManyLiquidators",
	"NoDebt",
	"NoCredit",
	"PotEmpty",
	"ZeroAmount",
	"Overflow",
	"BadShareSignature",
	"SharesNotSorted",
];

/// `T`'s variant names by index, from its type information.
fn variants_by_index<T: scale_info::TypeInfo + 'static>() -> Vec<String> {
	let scale_info::TypeDef::Variant(variants) = T::type_info().type_def else {
		panic!("not an enum");
	};
	let mut variants: Vec<_> =
		variants.variants.iter().map(|variant| (variant.index, variant.name.to_string())).collect();
	variants.sort();
	variants.into_iter().map(|(_, name)| name).collect()
}

#[test]
fn released_events_and_errors_keep_their_indices() {
	for (current, released) in [
		(variants_by_index::<Event<Test>>(), RELEASED_EVENTS),
		(variants_by_index::<Error<Test>>(), RELEASED_ERRORS),
	] {
		assert!(current.len() >= released.len(), "a released variant was removed");
		assert_eq!(&current[..released.len()], released, "a released variant moved");
	}
}
