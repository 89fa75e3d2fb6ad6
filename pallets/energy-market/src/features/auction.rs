//! The day-ahead market: opening days, producers' offers and the merit-order
//! auction (the paper's Algorithm 2).
use crate::*;
use frame_support::{ensure, pallet_prelude::*, traits::UnixTime, BoundedVec};
use frame_system::{ensure_signed, pallet_prelude::OriginFor};
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// The slot the current block is in.
	pub(crate) fn current_slot() -> Slot {
		let now = T::Time::now().as_millis();
		Clock::<T>::get().slot_at(Moment::try_from(now).unwrap_or(Moment::MAX))
	}

	/// Who opens days and closes their auctions: the market authority (a
	/// motion of the consortium), or the main grid's account, whose daily
	/// work it is.
	pub(crate) fn ensure_day_operator(origin: OriginFor<T>) -> DispatchResult {
		let Err(origin) = T::MarketAuthority::try_origin(origin) else {
			return Ok(());
		};
		let who = ensure_signed(origin)?;
		ensure!(MainGridAccount::<T>::get() == Some(who), Error::<T>::NotDayOperator);
		Ok(())
	}

	pub(crate) fn do_open_day(
		day: Day,
		expected_consumption: BoundedVec<u64, ConstU32<SLOTS_PER_DAY>>,
	) -> DispatchResult {
		ensure!(MainGridAccount::<T>::exists(), Error::<T>::NoMainGridAccount);
		let expected_consumption_wh: [u64; SLOTS_PER_DAY as usize] = expected_consumption
			.into_inner()
			.try_into()
			.map_err(|_| Error::<T>::ExpectedConsumptionNotPerSlot)?;
		ensure!(!Days::<T>::contains_key(day), Error::<T>::DayAlreadyOpened);
		let first_slot = MarketClock::first_slot(day).ok_or(Error::<T>::Overflow)?;
		ensure!(first_slot > Self::current_slot(), Error::<T>::DayAlreadyStarted);
		OpenDays::<T>::try_mutate(|days| {
			days.try_push(day).map_err(|_| Error::<T>::TooManyOpenDays)?;
			days.sort_by_key(|open| *open);
			Ok::<_, Error<T>>(())
		})?;
		Days::<T>::insert(
			day,
			TradingDay {
				expected_consumption_wh,
				prices_per_kwh: [Zero::zero(); SLOTS_PER_DAY as usize],
			},
		);
		DayPhases::<T>::insert(day, DayPhase::Bidding);
		Self::prune_days_from(day);
		Self::deposit_event(Event::DayOpened { day });
		Ok(())
	}

	/// Refuses a price that is not a whole number of units per Wh or above the ceiling.
	pub(crate) fn ensure_valid_price(price_per_kwh: BalanceOf<T>) -> DispatchResult {
		ensure!(price_per_kwh <= T::MaxPricePerKwh::get(), Error::<T>::PriceTooHigh);
		ensure!(
			(price_per_kwh % BalanceOf::<T>::from(1_000u32)).is_zero(),
			Error::<T>::PriceNotWholePerWattHour
		);
		Ok(())
	}

	pub(crate) fn do_add_offer(
		producer: T::AccountId,
		day: Day,
		slot: u32,
		capacity_wh: u64,
		price_per_kwh: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(Producers::<T>::contains_key(&producer), Error::<T>::NotProducer);
		ensure!(slot < SLOTS_PER_DAY, Error::<T>::SlotOutOfDay);
		ensure!(capacity_wh > 0, Error::<T>::ZeroCapacity);
		Self::ensure_valid_price(price_per_kwh)?;
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		ensure!(phase == DayPhase::Bidding, Error::<T>::AuctionAlreadyClosed);
		Offers::<T>::try_mutate(day, slot, |offers| {
			let offer = Offer { producer: producer.clone(), capacity_wh, price_per_kwh };
			match offers.iter_mut().find(|existing| existing.producer == producer) {
				Some(existing) => *existing = offer,
				None => offers.try_push(offer).map_err(|_| Error::<T>::TooManyOffers)?,
			}
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::OfferAdded { day, slot, producer, capacity_wh, price_per_kwh });
		Ok(())
	}

	pub(crate) fn do_close_auction(day: Day) -> DispatchResult {
		let phase = DayPhases::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		ensure!(phase == DayPhase::Bidding, Error::<T>::AuctionAlreadyClosed);
		let mut trading_day = Days::<T>::get(day).ok_or(Error::<T>::UnknownDay)?;
		let last_slot = MarketClock::first_slot(day)
			.and_then(|first| first.checked_add(SLOTS_PER_DAY))
			.ok_or(Error::<T>::Overflow)?;
		ensure!(Self::current_slot() < last_slot, Error::<T>::DayOver);
		for slot in 0..SLOTS_PER_DAY {
			let mut offers = Offers::<T>::get(day, slot).into_inner();
			let expected = trading_day.expected_consumption_wh[slot as usize];
			let outcome = merit_order(&mut offers, expected);
			trading_day.prices_per_kwh[slot as usize] = match outcome {
				AuctionOutcome::Covered { price_per_kwh } => price_per_kwh,
				AuctionOutcome::Short { shortfall_wh } => {
					Self::deposit_event(Event::FallbackPriceUsed { day, slot, shortfall_wh });
					T::FallbackPricePerKwh::get()
				},
			};
			if !offers.is_empty() {
				Offers::<T>::insert(day, slot, SlotOffersOf::<T>::truncate_from(offers));
			}
		}
		Days::<T>::insert(day, trading_day);
		DayPhases::<T>::insert(day, DayPhase::Trading);
		Self::deposit_event(Event::AuctionClosed { day });
		Ok(())
	}
}

/// What a slot's auction found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuctionOutcome<Balance> {
	/// The offers covered the expected consumption; the last one taken set this price.
	Covered {
		/// Price per kWh of the slot.
		price_per_kwh: Balance,
	},
	/// The offers could not cover the expected consumption (or there were none).
	Short {
		/// Expected consumption left uncovered, in Wh.
		shortfall_wh: u64,
	},
}

/// The paper's Algorithm 2 for one slot: sorts `offers` cheapest first (ties
/// keep their order of arrival) and takes them until `expected_wh` is covered;
/// the last offer taken sets the price. With nothing expected, the cheapest
/// offer sets it.
pub fn merit_order<AccountId, Balance: Ord + Copy>(
	offers: &mut [Offer<AccountId, Balance>],
	expected_wh: u64,
) -> AuctionOutcome<Balance> {
	offers.sort_by_key(|offer| offer.price_per_kwh);
	let Some(cheapest) = offers.first() else {
		return AuctionOutcome::Short { shortfall_wh: expected_wh };
	};
	if expected_wh == 0 {
		return AuctionOutcome::Covered { price_per_kwh: cheapest.price_per_kwh };
	}
	let mut covered: u64 = 0;
	for offer in offers.iter() {
		covered = covered.saturating_add(offer.capacity_wh);
		if covered >= expected_wh {
			return AuctionOutcome::Covered { price_per_kwh: offer.price_per_kwh };
		}
	}
	AuctionOutcome::Short { shortfall_wh: expected_wh.saturating_sub(covered) }
}
