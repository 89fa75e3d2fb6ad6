//! Day-end liquidation in pages (the paper's Algorithm 4), debts and credits,
//! and the liquidator keys offchain workers sign pages with.
use crate::*;
use alloc::collections::BTreeMap;
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
	},
};
use sp_runtime::{
	traits::{AccountIdConversion, Saturating, Zero},
	RuntimeAppPublic, SaturatedConversion,
};

/// Where a closed day's liquidation stands.
pub(crate) struct LiquidationPosition {
	/// The next page to liquidate.
	pub(crate) next_page: u32,
	/// Pages in all.
	pages: u32,
	/// Nodes the pages cover (ids `0..nodes`).
	nodes: NodeId,
}

impl<T: Config> Pallet<T> {
	/// The market's pot: collects what buyers owe, pays sellers and producers.
	pub fn pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// What a liquidator signs for `page` of `day`.
	pub fn liquidation_payload(day: Day, page: u32) -> LiquidationPayload<T::Hash> {
		LiquidationPayload {
			context: LIQUIDATION_CONTEXT,
			genesis: frame_system::Pallet::<T>::block_hash(
				frame_system::pallet_prelude::BlockNumberFor::<T>::zero(),
			),
			day,
			page,
		}
	}

	/// The registered liquidator key that made `signature`, if any.
	fn signing_liquidator(
		day: Day,
		page: u32,
		signature: &LiquidatorSignatureOf<T>,
	) -> Option<T::LiquidatorId> {
		let payload = Self::liquidation_payload(day, page).encode();
		Liquidators::<T>::get().into_iter().find(|key| key.verify(&payload, signature))
	}

	/// Where `day`'s liquidation stands, if the day has closed and is not yet liquidated.
	pub(crate) fn liquidation_position(day: Day) -> Result<LiquidationPosition, Error<T>> {
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		let closing = Clock::<T>::get().closing_slot(day).ok_or(Error::<T>::Overflow)?;
		ensure!(Self::current_slot() >= closing, Error::<T>::DayNotClosed);
		let (next_page, pages, nodes) = match phase {
			DayPhase::Liquidating { next_page, pages, nodes } => (next_page, pages, nodes),
			DayPhase::Liquidated => return Err(Error::<T>::DayAlreadyLiquidated),
			DayPhase::Bidding | DayPhase::Trading => {
				let nodes = NextNodeId::<T>::get();
				let per_pass = nodes.div_ceil(T::NodesPerLiquidationPage::get().max(1));
				(0, per_pass.saturating_mul(2), nodes)
			},
		};
		Ok(LiquidationPosition { next_page, pages, nodes })
	}

	/// Authorizes a liquidation page for `liquidate` (in the pool and when
	/// the block applies it): a registered key's signature, the next page of
	/// a closed day, each page once. Nothing of the authorization's weight is
	/// given back.
	pub(crate) fn authorize_liquidation(
		_source: TransactionSource,
		day: &Day,
		page: &u32,
		signature: &LiquidatorSignatureOf<T>,
	) -> TransactionValidityWithRefund {
		let (day, page) = (*day, *page);
		let position = Self::liquidation_position(day).map_err(|error| match error {
			Error::<T>::DayNotClosed => InvalidTransaction::Future,
			_ => InvalidTransaction::Stale,
		})?;
		ensure!(page >= position.next_page, InvalidTransaction::Stale);
		ensure!(page == position.next_page, InvalidTransaction::Future);
		ensure!(
			Self::signing_liquidator(day, page, signature).is_some(),
			InvalidTransaction::BadProof
		);
		let valid = ValidTransaction::with_tag_prefix("GridVeilLiquidation")
			.priority(T::LiquidationPriority::get())
			.and_provides((day, page))
			.longevity(T::LiquidationLongevity::get())
			.propagate(true)
			.into();
		Ok((valid, Weight::zero()))
	}

	pub(crate) fn do_liquidate(day: Day, page: u32) -> DispatchResult {
		let LiquidationPosition { next_page, pages, nodes } = Self::liquidation_position(day)?;
		let trading_day = Days::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		ensure!(page == next_page, Error::<T>::PageOutOfOrder);
		let per_pass = pages / 2;
		let (pass, index) = if page < per_pass {
			(LiquidationPass::Collect, page)
		} else {
			(LiquidationPass::Payout, page.saturating_sub(per_pass))
		};
		let size = T::NodesPerLiquidationPage::get();
		let first = index.saturating_mul(size);
		let end = first.saturating_add(size).min(nodes);
		let prices_per_wh: [u128; SLOTS_PER_DAY as usize] =
			trading_day.prices_per_kwh.map(|price| price.saturated_into::<u128>() / 1_000);
		for node in first..end {
			Self::settle_node(day, node, pass, &prices_per_wh)?;
		}
		let next_page = page.saturating_add(1);
		let phase = if next_page >= pages {
			OpenDays::<T>::mutate(|days| days.retain(|open| *open != day));
			DayPhase::Liquidated
		} else {
			DayPhase::Liquidating { next_page, pages, nodes }
		};
		let done = phase == DayPhase::Liquidated;
		DayPhases::<T>::insert(day, phase);
		Self::deposit_event(Event::PageLiquidated { day, page });
		if done {
			Self::deposit_event(Event::DayLiquidated { day });
		}
		Ok(())
	}

	/// Settles one node's day in one pass.
	fn settle_node(
		day: Day,
		node: NodeId,
		pass: LiquidationPass,
		prices_per_wh: &[u128; SLOTS_PER_DAY as usize],
	) -> DispatchResult {
		let Some(found) = Nodes::<T>::get(node) else { return Ok(()) };
		let nets = Nets::<T>::get(day, node).unwrap_or([0; SLOTS_PER_DAY as usize]);
		let (energy_wh, value) = day_value(&nets, prices_per_wh).ok_or(Error::<T>::Overflow)?;
		match (found.kind, pass) {
			(NodeKind::Ledger { group }, pass) => {
				let coordinator =
					Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?.coordinator;
				match pass {
					LiquidationPass::Collect => {
						Self::deposit_event(Event::NodeSettled { day, node, energy_wh, value });
						if value > 0 {
							Self::collect(day, &coordinator, value.unsigned_abs())?;
						}
					},
					LiquidationPass::Payout => {
						if value < 0 {
							Self::pay(day, &coordinator, value.unsigned_abs())?;
						}
					},
				}
			},
			(NodeKind::Intermediate, LiquidationPass::Collect) => {
				Self::deposit_event(Event::NodeSettled { day, node, energy_wh, value })
			},
			(NodeKind::Intermediate, LiquidationPass::Payout) => {},
			(NodeKind::Root, LiquidationPass::Collect) => {
				Self::deposit_event(Event::NodeSettled { day, node, energy_wh, value });
				let surplus = nets
					.iter()
					.zip(prices_per_wh)
					.filter(|(net, _)| **net < 0)
					.try_fold(0u128, |sum, (net, price)| {
						sum.checked_add(u128::from(net.unsigned_abs()).checked_mul(*price)?)
					})
					.ok_or(Error::<T>::Overflow)?;
				if let (Some(main_grid), true) = (MainGridAccount::<T>::get(), surplus > 0) {
					Self::collect(day, &main_grid, surplus)?;
				}
			},
			(NodeKind::Root, LiquidationPass::Payout) => {
				Self::pay_producers(day, &nets, prices_per_wh)?
			},
		}
		Ok(())
	}

	/// Pays the producers for the energy the tree drew in each slot, their
	/// offers taken in merit order; what no offer covers came from the main grid.
	fn pay_producers(
		day: Day,
		root_nets: &SlotNets,
		prices_per_wh: &[u128; SLOTS_PER_DAY as usize],
	) -> DispatchResult {
		let mut due: BTreeMap<T::AccountId, u128> = BTreeMap::new();
		let mut main_grid_due: u128 = 0;
		for (slot, net) in root_nets.iter().enumerate() {
			if *net <= 0 {
				continue;
			}
			let price = prices_per_wh[slot];
			let mut remaining = net.unsigned_abs();
			for offer in Offers::<T>::get(day, slot as u32).iter() {
				if remaining == 0 {
					break;
				}
				let taken = remaining.min(offer.capacity_wh);
				remaining = remaining.saturating_sub(taken);
				let amount = u128::from(taken).checked_mul(price).ok_or(Error::<T>::Overflow)?;
				let entry = due.entry(offer.producer.clone()).or_default();
				*entry = entry.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			}
			let rest = u128::from(remaining).checked_mul(price).ok_or(Error::<T>::Overflow)?;
			main_grid_due = main_grid_due.checked_add(rest).ok_or(Error::<T>::Overflow)?;
		}
		for (producer, amount) in due {
			if amount > 0 {
				Self::pay(day, &producer, amount)?;
			}
		}
		if let (Some(main_grid), true) = (MainGridAccount::<T>::get(), main_grid_due > 0) {
			Self::pay(day, &main_grid, main_grid_due)?;
		}
		Ok(())
	}

	/// Moves as much of `amount` from `from` to `to` as `from` can spare
	/// (keeping it alive); returns what moved. A transfer the destination
	/// cannot take (say, below the existential deposit) moves nothing.
	fn transfer_what_can_be_paid(
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		let available =
			T::Currency::reducible_balance(from, Preservation::Preserve, Fortitude::Polite);
		let moving = amount.min(available);
		if moving.is_zero() {
			return moving;
		}
		match T::Currency::transfer(from, to, moving, Preservation::Preserve) {
			Ok(_) => moving,
			Err(_) => Zero::zero(),
		}
	}

	/// Moves `amount` from `payer` into the pot, as far as `payer` can; the
	/// rest becomes `payer`'s debt.
	fn collect(day: Day, payer: &T::AccountId, amount: u128) -> DispatchResult {
		let amount: BalanceOf<T> = amount.try_into().map_err(|_| Error::<T>::Overflow)?;
		let taken = Self::transfer_what_can_be_paid(payer, &Self::pot(), amount);
		if !taken.is_zero() {
			Self::deposit_event(Event::Collected { day, payer: payer.clone(), amount: taken });
		}
		let debt = amount.saturating_sub(taken);
		if !debt.is_zero() {
			Debts::<T>::mutate(payer, |owed| {
				*owed = Some(owed.unwrap_or_default().saturating_add(debt))
			});
			Self::deposit_event(Event::DebtRecorded { day, debtor: payer.clone(), amount: debt });
		}
		Ok(())
	}

	/// Pays `amount` from the pot to `payee`, as far as the pot can; the rest
	/// becomes `payee`'s credit.
	fn pay(day: Day, payee: &T::AccountId, amount: u128) -> DispatchResult {
		let amount: BalanceOf<T> = amount.try_into().map_err(|_| Error::<T>::Overflow)?;
		let given = Self::transfer_what_can_be_paid(&Self::pot(), payee, amount);
		if !given.is_zero() {
			Self::deposit_event(Event::PaidOut { day, payee: payee.clone(), amount: given });
		}
		let credit = amount.saturating_sub(given);
		if !credit.is_zero() {
			Credits::<T>::mutate(payee, |owed| {
				*owed = Some(owed.unwrap_or_default().saturating_add(credit))
			});
			Self::deposit_event(Event::CreditRecorded {
				day,
				creditor: payee.clone(),
				amount: credit,
			});
		}
		Ok(())
	}

	pub(crate) fn do_pay_debt(
		payer: T::AccountId,
		debtor: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let debt = Debts::<T>::get(&debtor).ok_or(Error::<T>::NoDebt)?;
		let paid = amount.min(debt);
		T::Currency::transfer(&payer, &Self::pot(), paid, Preservation::Preserve)?;
		let rest = debt.saturating_sub(paid);
		if rest.is_zero() {
			Debts::<T>::remove(&debtor);
		} else {
			Debts::<T>::insert(&debtor, rest);
		}
		Self::deposit_event(Event::DebtPaid { debtor, payer, amount: paid });
		Ok(())
	}

	pub(crate) fn do_claim_credit(creditor: T::AccountId) -> DispatchResult {
		let credit = Credits::<T>::get(&creditor).ok_or(Error::<T>::NoCredit)?;
		let pot = Self::pot();
		let available =
			T::Currency::reducible_balance(&pot, Preservation::Preserve, Fortitude::Polite);
		let paid = credit.min(available);
		ensure!(!paid.is_zero(), Error::<T>::PotEmpty);
		T::Currency::transfer(&pot, &creditor, paid, Preservation::Preserve)?;
		let rest = credit.saturating_sub(paid);
		if rest.is_zero() {
			Credits::<T>::remove(&creditor);
		} else {
			Credits::<T>::insert(&creditor, rest);
		}
		Self::deposit_event(Event::CreditClaimed { creditor, amount: paid });
		Ok(())
	}

	pub(crate) fn do_add_liquidator(liquidator: T::LiquidatorId) -> DispatchResult {
		Liquidators::<T>::try_mutate(|keys| {
			ensure!(!keys.contains(&liquidator), Error::<T>::AlreadyLiquidator);
			keys.try_push(liquidator.clone()).map_err(|_| Error::<T>::TooManyLiquidators)?;
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::LiquidatorAdded { liquidator });
		Ok(())
	}

	pub(crate) fn do_remove_liquidator(liquidator: T::LiquidatorId) -> DispatchResult {
		Liquidators::<T>::try_mutate(|keys| {
			let before = keys.len();
			keys.retain(|key| *key != liquidator);
			ensure!(keys.len() < before, Error::<T>::NotLiquidator);
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::LiquidatorRemoved { liquidator });
		Ok(())
	}
}

/// A node's net energy over a day and what it is worth at the slot prices
/// (positive: what the node owes its parent). `None` on overflow.
pub(crate) fn day_value(
	nets: &SlotNets,
	prices_per_wh: &[u128; SLOTS_PER_DAY as usize],
) -> Option<(EnergyWh, i128)> {
	let mut energy: EnergyWh = 0;
	let mut value: i128 = 0;
	for (net, price) in nets.iter().zip(prices_per_wh) {
		energy = energy.checked_add(*net)?;
		let price = i128::try_from(*price).ok()?;
		value = value.checked_add(i128::from(*net).checked_mul(price)?)?;
	}
	Some((energy, value))
}
