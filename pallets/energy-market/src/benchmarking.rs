//! Benchmarks: every call at its worst case (deepest tree, fullest lists,
//! a liquidation page that pays every producer of every slot).
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Authorize, Get,
	},
	weights::Weight,
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::{
	traits::{Saturating, StaticLookup},
	transaction_validity::TransactionSource,
	RuntimeAppPublic,
};

/// A day in the future of the benchmark clock (which starts at zero).
const DAY: Day = 2;

/// An account with plenty of funds.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let plenty = T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into());
	T::Currency::set_balance(&who, plenty);
	who
}

fn lookup<T: Config>(who: &T::AccountId) -> AccountIdLookupOf<T> {
	T::Lookup::unlookup(who.clone())
}

/// Moves the clock into `slot`.
fn at_slot<T: Config>(slot: Slot) {
	let length = Clock::<T>::get().slot_length_ms;
	T::BenchmarkHelper::set_timestamp(Moment::from(slot).saturating_mul(length).saturating_add(1));
}

/// A chain of intermediate nodes below the root, `levels` deep; returns the lowest.
fn intermediates<T: Config>(levels: u32) -> Result<NodeId, BenchmarkError> {
	let mut parent = ROOT;
	for _ in 0..levels {
		parent = Pallet::<T>::do_add_intermediate(parent)?;
	}
	Ok(parent)
}

/// A group of `ledgers` ledgers as deep as the tree allows, with a funded
/// coordinator and `operators` operators; returns the group.
fn deep_group<T: Config>(ledgers: u32, operators: u32) -> Result<GroupId, BenchmarkError> {
	let parent = intermediates::<T>(T::MaxTreeDepth::get().saturating_sub(1))?;
	let coordinator = funded::<T>("coordinator", 0);
	let group = Pallet::<T>::do_add_group(parent, coordinator.clone(), ledgers)?;
	for index in 0..operators {
		Pallet::<T>::do_add_operator(coordinator.clone(), group, account("operator", index, 0))?;
	}
	Ok(group)
}

/// `count` pseudonyms in ascending order.
fn pseudonyms<T: Config>(count: u32) -> BoundedVec<T::AccountId, T::MaxPseudonymBatch> {
	let mut accounts: Vec<T::AccountId> =
		(0..count).map(|index| account("pseudonym", index, 0)).collect();
	accounts.sort();
	BoundedVec::truncate_from(accounts)
}

fn first_ledger<T: Config>(group: GroupId) -> Result<NodeId, BenchmarkError> {
	Groups::<T>::get(group)
		.and_then(|found| found.ledgers.first().copied())
		.ok_or(BenchmarkError::Stop("the group has no ledger"))
}

/// Sets the main grid and opens [`DAY`] with 1,000 Wh expected per slot.
fn opened_day<T: Config>() -> Result<(), BenchmarkError> {
	at_slot::<T>(0);
	Pallet::<T>::do_set_main_grid_account(funded::<T>("main grid", 0))?;
	Pallet::<T>::do_open_day(
		DAY,
		BoundedVec::truncate_from(alloc::vec![1_000; SLOTS_PER_DAY as usize]),
	)?;
	Ok(())
}

/// A price of `units` whole units per Wh.
fn price<T: Config>(units: u32) -> BalanceOf<T> {
	BalanceOf::<T>::from(units).saturating_mul(1_000u32.into())
}

/// [`DAY`] opened, `MaxOffersPerSlot` producers offering `capacity_wh` in
/// every slot at falling prices, the auction closed if `close`.
fn offered_day<T: Config>(capacity_wh: u64, close: bool) -> Result<(), BenchmarkError> {
	opened_day::<T>()?;
	for index in 0..T::MaxOffersPerSlot::get() {
		let producer = funded::<T>("producer", index);
		Pallet::<T>::do_register_producer(producer.clone())?;
		for slot in 0..SLOTS_PER_DAY {
			let units = T::MaxOffersPerSlot::get().saturating_sub(index);
			Pallet::<T>::do_add_offer(producer.clone(), DAY, slot, capacity_wh, price::<T>(units))?;
		}
	}
	if close {
		Pallet::<T>::do_close_auction(DAY)?;
	}
	Ok(())
}

/// A liquidator key the benchmark externalities can sign with, registered.
fn registered_liquidator<T: Config>() -> Result<T::LiquidatorId, BenchmarkError> {
	let key = T::BenchmarkHelper::liquidator();
	Pallet::<T>::do_add_liquidator(key.clone())?;
	Ok(key)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_producer() -> Result<(), BenchmarkError> {
		let producer: T::AccountId = account("producer", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Root, lookup::<T>(&producer));
		assert!(Producers::<T>::contains_key(&producer));
		Ok(())
	}

	#[benchmark]
	fn remove_producer() -> Result<(), BenchmarkError> {
		let producer: T::AccountId = account("producer", 0, 0);
		Pallet::<T>::do_register_producer(producer.clone())?;
		#[extrinsic_call]
		_(RawOrigin::Root, lookup::<T>(&producer));
		assert!(!Producers::<T>::contains_key(&producer));
		Ok(())
	}

	#[benchmark]
	fn set_main_grid_account() -> Result<(), BenchmarkError> {
		let main_grid: T::AccountId = account("main grid", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Root, lookup::<T>(&main_grid));
		assert_eq!(MainGridAccount::<T>::get(), Some(main_grid));
		Ok(())
	}

	#[benchmark]
	fn add_intermediate() -> Result<(), BenchmarkError> {
		let parent = intermediates::<T>(T::MaxTreeDepth::get().saturating_sub(1))?;
		#[extrinsic_call]
		_(RawOrigin::Root, parent);
		assert_eq!(Nodes::<T>::get(parent).map(|node| node.children), Some(1));
		Ok(())
	}

	#[benchmark]
	fn add_group(l: Linear<1, { T::MaxLedgersPerGroup::get() }>) -> Result<(), BenchmarkError> {
		let parent = intermediates::<T>(T::MaxTreeDepth::get().saturating_sub(1))?;
		let coordinator: T::AccountId = account("coordinator", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Root, parent, lookup::<T>(&coordinator), l);
		assert_eq!(Groups::<T>::get(0).map(|group| group.ledgers.len() as u32), Some(l));
		Ok(())
	}

	#[benchmark]
	fn add_ledger() -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(T::MaxLedgersPerGroup::get().saturating_sub(1).max(1), 0)?;
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), group);
		assert_eq!(
			Groups::<T>::get(group).map(|found| found.ledgers.len() as u32),
			Some(T::MaxLedgersPerGroup::get().max(2))
		);
		Ok(())
	}

	#[benchmark]
	fn remove_node() -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(T::MaxLedgersPerGroup::get().max(2), 0)?;
		let ledger = first_ledger::<T>(group)?;
		#[extrinsic_call]
		_(RawOrigin::Root, ledger);
		assert!(!Nodes::<T>::contains_key(ledger));
		Ok(())
	}

	#[benchmark]
	fn remove_group(l: Linear<1, { T::MaxLedgersPerGroup::get() }>) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(l, T::MaxOperatorsPerGroup::get())?;
		#[extrinsic_call]
		_(RawOrigin::Root, group);
		assert!(!Groups::<T>::contains_key(group));
		Ok(())
	}

	#[benchmark]
	fn add_operator() -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, T::MaxOperatorsPerGroup::get().saturating_sub(1))?;
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		let operator: T::AccountId = account("new operator", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), group, lookup::<T>(&operator));
		assert!(Groups::<T>::get(group).is_some_and(|found| found.operators.contains(&operator)));
		Ok(())
	}

	#[benchmark]
	fn remove_operator() -> Result<(), BenchmarkError> {
		let operators = T::MaxOperatorsPerGroup::get();
		let group = deep_group::<T>(1, operators)?;
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		let operator: T::AccountId = account("operator", operators.saturating_sub(1), 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), group, lookup::<T>(&operator));
		assert!(Groups::<T>::get(group).is_some_and(|found| !found.operators.contains(&operator)));
		Ok(())
	}

	#[benchmark]
	fn register_pseudonyms(
		p: Linear<1, { T::MaxPseudonymBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let batch = pseudonyms::<T>(p);
		#[extrinsic_call]
		_(RawOrigin::Signed(account("operator", 0, 0)), ledger, DAY, batch);
		assert_eq!(Nodes::<T>::get(ledger).map(|node| node.pseudonyms), Some(p));
		Ok(())
	}

	#[benchmark]
	fn deregister_pseudonyms(
		p: Linear<1, { T::MaxPseudonymBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let operator: T::AccountId = account("operator", 0, 0);
		let batch = pseudonyms::<T>(p);
		Pallet::<T>::do_register_pseudonyms(operator.clone(), ledger, DAY, batch.clone())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(operator), ledger, batch);
		assert_eq!(Nodes::<T>::get(ledger).map(|node| node.pseudonyms), Some(0));
		Ok(())
	}

	#[benchmark]
	fn open_day() -> Result<(), BenchmarkError> {
		at_slot::<T>(0);
		Pallet::<T>::do_set_main_grid_account(account("main grid", 0, 0))?;
		let expected = BoundedVec::truncate_from(alloc::vec![1_000; SLOTS_PER_DAY as usize]);
		// The other open days come after this one, so it is sorted to the front.
		let others = T::MaxOpenDays::get().saturating_sub(1);
		for day in 0..others {
			Pallet::<T>::do_open_day(DAY.saturating_add(1).saturating_add(day), expected.clone())?;
		}
		#[extrinsic_call]
		_(RawOrigin::Root, DAY, expected);
		assert_eq!(OpenDays::<T>::get().first(), Some(&DAY));
		Ok(())
	}

	#[benchmark]
	fn add_offer() -> Result<(), BenchmarkError> {
		opened_day::<T>()?;
		let others = T::MaxOffersPerSlot::get().saturating_sub(1);
		for index in 0..others {
			let producer: T::AccountId = account("producer", index, 0);
			Pallet::<T>::do_register_producer(producer.clone())?;
			Pallet::<T>::do_add_offer(producer, DAY, 0, 100, price::<T>(1))?;
		}
		let producer: T::AccountId = account("producer", others, 0);
		Pallet::<T>::do_register_producer(producer.clone())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(producer), DAY, 0, 100, price::<T>(2));
		assert_eq!(Offers::<T>::get(DAY, 0).len() as u32, T::MaxOffersPerSlot::get());
		Ok(())
	}

	#[benchmark]
	fn close_auction() -> Result<(), BenchmarkError> {
		// Every slot is full of offers that cannot cover the expected
		// consumption: a full sort, a full scan and a fallback event per slot.
		offered_day::<T>(1, false)?;
		// The setup's 1,536 offer events are not part of the auction.
		frame_system::Pallet::<T>::reset_events();
		#[extrinsic_call]
		_(RawOrigin::Root, DAY);
		assert_eq!(DayPhases::<T>::get(DAY), Some(DayPhase::Trading));
		Ok(())
	}

	#[benchmark]
	fn report_share() -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let batch = pseudonyms::<T>(1);
		Pallet::<T>::do_register_pseudonyms(account("operator", 0, 0), ledger, DAY, batch.clone())?;
		offered_day::<T>(100, true)?;
		let slot = DAY.saturating_mul(SLOTS_PER_DAY).saturating_add(3);
		at_slot::<T>(slot);
		let pseudonym = batch[0].clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(pseudonym), slot, -250);
		assert_eq!(Nets::<T>::get(DAY, ROOT).map(|nets| nets[3]), Some(-250));
		Ok(())
	}

	/// A full batch of valid shares into a ledger at the tree's greatest
	/// depth: every signature verified, every report written, the nets
	/// written once.
	#[benchmark]
	fn relay_shares(s: Linear<1, { T::MaxPseudonymBatch::get() }>) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let mut keys: Vec<T::AccountId> = (0..s).map(T::BenchmarkHelper::pseudonym).collect();
		keys.sort();
		Pallet::<T>::do_register_pseudonyms(
			account("operator", 0, 0),
			ledger,
			DAY,
			BoundedVec::truncate_from(keys.clone()),
		)?;
		offered_day::<T>(100, true)?;
		let slot = DAY.saturating_mul(SLOTS_PER_DAY).saturating_add(3);
		at_slot::<T>(slot);
		let genesis = Pallet::<T>::genesis_hash();
		let shares: Vec<RelayedShareOf<T>> = keys
			.into_iter()
			.map(|pseudonym| {
				let message = share_message(&genesis, slot, -250);
				let signature = T::BenchmarkHelper::sign_as_pseudonym(&pseudonym, &message);
				RelayedShare { pseudonym, energy_wh: -250, signature }
			})
			.collect();
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), ledger, slot, BoundedVec::truncate_from(shares));
		assert_eq!(Nets::<T>::get(DAY, ROOT).map(|nets| nets[3]), Some(-250 * EnergyWh::from(s)));
		Ok(())
	}

	#[benchmark]
	fn verify_reports(p: Linear<1, { T::MaxPseudonymBatch::get() }>) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let batch = pseudonyms::<T>(p);
		Pallet::<T>::do_register_pseudonyms(account("operator", 0, 0), ledger, DAY, batch.clone())?;
		offered_day::<T>(100, true)?;
		let slot = DAY.saturating_mul(SLOTS_PER_DAY);
		at_slot::<T>(slot);
		for pseudonym in batch.iter() {
			Pallet::<T>::do_report_share(pseudonym.clone(), slot, 10)?;
		}
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), ledger, slot, batch);
		Ok(())
	}

	#[benchmark]
	fn flag_report() -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		let batch = pseudonyms::<T>(1);
		Pallet::<T>::do_register_pseudonyms(account("operator", 0, 0), ledger, DAY, batch.clone())?;
		offered_day::<T>(100, true)?;
		let slot = DAY.saturating_mul(SLOTS_PER_DAY);
		at_slot::<T>(slot);
		let pseudonym = batch[0].clone();
		Pallet::<T>::do_report_share(pseudonym.clone(), slot, 10)?;
		let coordinator =
			Groups::<T>::get(group).ok_or(BenchmarkError::Stop("no group"))?.coordinator;
		#[extrinsic_call]
		_(RawOrigin::Signed(coordinator), lookup::<T>(&pseudonym), slot);
		assert_eq!(Nets::<T>::get(DAY, ledger).map(|nets| nets[0]), Some(0));
		Ok(())
	}

	/// The heaviest page: the first payout page, with the root paying every
	/// producer of every slot and the page's other nodes all ledgers the pot
	/// pays.
	#[benchmark]
	fn liquidate() -> Result<(), BenchmarkError> {
		let page_nodes = T::NodesPerLiquidationPage::get();
		// Ledgers 1 to `page_nodes`: the page holds the root and all but the last.
		let mut groups = Vec::new();
		let mut ledgers = 0u32;
		while ledgers < page_nodes {
			let count = T::MaxLedgersPerGroup::get().min(page_nodes.saturating_sub(ledgers));
			let coordinator = funded::<T>("coordinator", groups.len() as u32);
			groups.push(Pallet::<T>::do_add_group(ROOT, coordinator, count)?);
			ledgers = ledgers.saturating_add(count);
		}
		let producers = T::MaxOffersPerSlot::get();
		offered_day::<T>(1, true)?;
		// Each page ledger sold 1 Wh in every slot; the last ledger bought
		// enough that every producer's offer is drawn on.
		let drawn = i64::from(page_nodes).saturating_add(i64::from(producers));
		for ledger in 1..page_nodes {
			Nets::<T>::insert(DAY, ledger, [-1; SLOTS_PER_DAY as usize]);
		}
		Nets::<T>::insert(DAY, page_nodes, [drawn; SLOTS_PER_DAY as usize]);
		let root_net = drawn.saturating_sub(i64::from(page_nodes).saturating_sub(1));
		Nets::<T>::insert(DAY, ROOT, [root_net; SLOTS_PER_DAY as usize]);
		let nodes = NextNodeId::<T>::get();
		let per_pass = nodes.div_ceil(page_nodes);
		DayPhases::<T>::insert(
			DAY,
			DayPhase::Liquidating { next_page: per_pass, pages: per_pass.saturating_mul(2), nodes },
		);
		T::Currency::set_balance(
			&Pallet::<T>::pot(),
			T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into()),
		);
		let key = registered_liquidator::<T>()?;
		let signature = key
			.sign(&Pallet::<T>::liquidation_payload(DAY, per_pass).encode())
			.ok_or(BenchmarkError::Stop("the liquidator key cannot sign"))?;
		at_slot::<T>(DAY.saturating_add(2).saturating_mul(SLOTS_PER_DAY));
		frame_system::Pallet::<T>::reset_events();
		#[extrinsic_call]
		_(RawOrigin::Authorized, DAY, per_pass, signature);
		assert!(DayPhases::<T>::get(DAY).is_some_and(|phase| phase != DayPhase::Trading));
		Ok(())
	}

	/// Authorizing a page, which `AuthorizeCall` does in the pool and again
	/// when the block applies it: at worst the page's key is the last of a
	/// full liquidator list, so every registered key is tried.
	#[benchmark]
	fn authorize_liquidate() -> Result<(), BenchmarkError> {
		offered_day::<T>(1, true)?;
		let mut key = registered_liquidator::<T>()?;
		for _ in 1..T::MaxLiquidators::get() {
			let next = T::BenchmarkHelper::liquidator();
			// A helper that has only one key (the mock's) leaves the list short.
			if Pallet::<T>::do_add_liquidator(next.clone()).is_ok() {
				key = next;
			}
		}
		let signature = key
			.sign(&Pallet::<T>::liquidation_payload(DAY, 0).encode())
			.ok_or(BenchmarkError::Stop("the liquidator key cannot sign"))?;
		at_slot::<T>(DAY.saturating_add(2).saturating_mul(SLOTS_PER_DAY));
		let call = Call::<T>::liquidate { day: DAY, page: 0, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or(BenchmarkError::Stop("liquidate has no authorization"))?
				.map_err(|_| BenchmarkError::Stop("the page was not authorized"))?;
		}
		Ok(())
	}

	#[benchmark]
	fn pay_debt() -> Result<(), BenchmarkError> {
		let debtor: T::AccountId = account("debtor", 0, 0);
		let payer = funded::<T>("payer", 0);
		let debt = T::Currency::minimum_balance().saturating_mul(10u32.into());
		Debts::<T>::insert(&debtor, debt);
		#[extrinsic_call]
		_(RawOrigin::Signed(payer), lookup::<T>(&debtor), T::Currency::minimum_balance());
		assert!(Debts::<T>::get(&debtor).is_some());
		Ok(())
	}

	#[benchmark]
	fn claim_credit() -> Result<(), BenchmarkError> {
		let creditor: T::AccountId = account("creditor", 0, 0);
		let credit = T::Currency::minimum_balance().saturating_mul(10u32.into());
		Credits::<T>::insert(&creditor, credit);
		T::Currency::set_balance(&Pallet::<T>::pot(), credit.saturating_mul(2u32.into()));
		#[extrinsic_call]
		_(RawOrigin::Signed(creditor.clone()));
		assert_eq!(T::Currency::balance(&creditor), credit);
		Ok(())
	}

	#[benchmark]
	fn add_liquidator() -> Result<(), BenchmarkError> {
		let key = T::BenchmarkHelper::liquidator();
		#[extrinsic_call]
		_(RawOrigin::Root, key.clone());
		assert!(Liquidators::<T>::get().contains(&key));
		Ok(())
	}

	#[benchmark]
	fn remove_liquidator() -> Result<(), BenchmarkError> {
		let key = registered_liquidator::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Root, key.clone());
		assert!(!Liquidators::<T>::get().contains(&key));
		Ok(())
	}

	#[benchmark]
	fn set_rotation_period() -> Result<(), BenchmarkError> {
		let days = T::MaxRotationDays::get();
		#[extrinsic_call]
		_(RawOrigin::Root, days);
		assert_eq!(RotationDays::<T>::get(), days);
		Ok(())
	}

	/// `on_idle`'s fixed part: the cursor, the clock, and as many empty day
	/// steps as one block takes, of the dearer kind (a liquidated day without
	/// data: its record is read and removed; a day without expiring
	/// pseudonyms reads an empty index prefix only).
	#[benchmark]
	fn prune_cursor() -> Result<(), BenchmarkError> {
		let steps = crate::features::DAYS_PER_BLOCK;
		for day in DAY..DAY.saturating_add(steps) {
			Days::<T>::insert(
				day,
				TradingDay {
					expected_consumption_wh: [0; SLOTS_PER_DAY as usize],
					prices_per_kwh: [0u32.into(); SLOTS_PER_DAY as usize],
				},
			);
			DayPhases::<T>::insert(day, DayPhase::Liquidated);
		}
		Pruning::<T>::put(PruneCursor { expiry_day: None, market_day: Some(DAY) });
		let today =
			DAY.saturating_add(steps).saturating_add(T::RetentionDays::get()).saturating_add(1);
		at_slot::<T>(today.saturating_mul(SLOTS_PER_DAY));
		#[block]
		{
			Pallet::<T>::prune(Weight::MAX);
		}
		assert_eq!(Pruning::<T>::get().market_day, Some(DAY.saturating_add(steps)));
		Ok(())
	}

	/// Removing `n` pseudonyms whose last day has closed.
	#[benchmark]
	fn expire_pseudonyms(
		n: Linear<0, { T::MaxPseudonymBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let group = deep_group::<T>(1, 1)?;
		let ledger = first_ledger::<T>(group)?;
		if n > 0 {
			let batch = pseudonyms::<T>(n);
			Pallet::<T>::do_register_pseudonyms(account("operator", 0, 0), ledger, DAY, batch)?;
		}
		at_slot::<T>(DAY.saturating_add(2).saturating_mul(SLOTS_PER_DAY));
		#[block]
		{
			Pallet::<T>::expire_pseudonyms(DAY, n);
		}
		assert_eq!(Nodes::<T>::get(ledger).map(|node| node.pseudonyms), Some(0));
		Ok(())
	}

	/// Removing `n` of an old day's reports (the largest of its items).
	#[benchmark]
	fn prune_day(n: Linear<0, { T::MaxPseudonymBatch::get() }>) -> Result<(), BenchmarkError> {
		for index in 0..n {
			let pseudonym: T::AccountId = account("pseudonym", index, 0);
			Reports::<T>::insert(
				(DAY, pseudonym, 0u32),
				Report { energy_wh: 1, status: ReportStatus::Verified },
			);
		}
		#[block]
		{
			Pallet::<T>::prune_day(DAY, n);
		}
		assert_eq!(Reports::<T>::iter_prefix((DAY,)).count(), 0);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
