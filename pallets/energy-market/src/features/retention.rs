//! Bounded pruning in `on_idle`, so that state stops growing with the days:
//! pseudonyms whose last day has closed, then liquidated days older than the
//! retention window (their reports, nets, offers and record). Each block
//! does what fits in its leftover weight and resumes where it stopped.
use crate::*;
use frame_support::{pallet_prelude::*, weights::WeightMeter};

/// Most days one block's pruning steps over, empty or not.
pub(crate) const DAYS_PER_BLOCK: u32 = 8;

/// How many items of cost `weight(n)` fit into what `meter` has left, at most `cap`.
fn fitting(meter: &WeightMeter, weight: impl Fn(u32) -> Weight, cap: u32) -> u32 {
	let base = weight(0);
	let each = weight(1).saturating_sub(base);
	let left = meter.remaining().saturating_sub(base);
	if !meter.can_consume(base) {
		return 0;
	}
	let by_time = left.ref_time().checked_div(each.ref_time().max(1)).unwrap_or(0);
	let by_size = left.proof_size().checked_div(each.proof_size().max(1)).unwrap_or(u64::MAX);
	u32::try_from(by_time.min(by_size)).unwrap_or(u32::MAX).min(cap)
}

impl<T: Config> Pallet<T> {
	/// Prunes what `limit` allows; the weight it used.
	pub(crate) fn prune(limit: Weight) -> Weight {
		let mut meter = WeightMeter::with_limit(limit);
		if meter.try_consume(T::WeightInfo::prune_cursor()).is_err() {
			return meter.consumed();
		}
		let before = Pruning::<T>::get();
		let mut cursor = before;
		let now = Self::current_slot();
		let (today, _) = day_of(now);
		let clock = Clock::<T>::get();
		let batch = T::MaxPseudonymBatch::get();

		let mut days = 0u32;
		while let Some(day) = cursor.expiry_day {
			let closed = clock.closing_slot(day).is_some_and(|closing| now >= closing);
			if !closed || days >= DAYS_PER_BLOCK {
				break;
			}
			let fit = fitting(&meter, T::WeightInfo::expire_pseudonyms, batch);
			if fit == 0 {
				break;
			}
			let removed = Self::expire_pseudonyms(day, fit);
			meter.consume(T::WeightInfo::expire_pseudonyms(removed));
			if removed == fit {
				// More may be left of this day: the next block goes on.
				break;
			}
			cursor.expiry_day = day.checked_add(1);
			days = days.saturating_add(1);
		}

		let retention = T::RetentionDays::get();
		while let Some(day) = cursor.market_day {
			if day.saturating_add(retention) >= today || days >= DAYS_PER_BLOCK {
				break;
			}
			let phase = DayPhases::<T>::get(day);
			if phase.is_some_and(|phase| phase != DayPhase::Liquidated) {
				// Not liquidated yet: nothing after it is pruned before it.
				break;
			}
			let fit = fitting(&meter, T::WeightInfo::prune_day, batch);
			if fit == 0 {
				break;
			}
			let (removed, done) = Self::prune_day(day, fit);
			meter.consume(T::WeightInfo::prune_day(removed));
			if !done {
				break;
			}
			if phase.is_some() {
				Days::<T>::remove(day);
				DayPhases::<T>::remove(day);
				Self::deposit_event(Event::DayPruned { day });
			}
			cursor.market_day = day.checked_add(1);
			days = days.saturating_add(1);
		}

		if cursor != before {
			Pruning::<T>::put(cursor);
		}
		meter.consumed()
	}

	/// Removes up to `limit` of `day`'s reports, nets and offers, in that
	/// order: how many, and whether none is left.
	pub(crate) fn prune_day(day: Day, limit: u32) -> (u32, bool) {
		let limit = limit as usize;
		let mut removed = Reports::<T>::drain_prefix((day,)).take(limit).count();
		if removed < limit {
			removed += Nets::<T>::drain_prefix(day).take(limit - removed).count();
		}
		if removed < limit {
			removed += Offers::<T>::drain_prefix(day).take(limit - removed).count();
		}
		(removed as u32, removed < limit)
	}

	/// Starts pruning old days from `day` on, if it is older than where
	/// pruning stands (the first day opened).
	pub(crate) fn prune_days_from(day: Day) {
		Pruning::<T>::mutate(|cursor| {
			cursor.market_day = Some(cursor.market_day.map_or(day, |oldest| oldest.min(day)));
		});
	}
}
