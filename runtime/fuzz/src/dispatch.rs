//! Applying one record: its origin, the unsigned-transaction checks, room in
//! the block, the dispatch itself, and the invariants around it.
use crate::{
	input::{Origin, Record},
	invariants::{self, Applied},
};
use codec::Encode;
use frame_support::{
	dispatch::{DispatchInfo, GetDispatchInfo, PostDispatchInfo},
	storage::{with_transaction_unchecked, TransactionOutcome},
};
use gridveil_runtime::{BlockNumber, Runtime, RuntimeCall, RuntimeOrigin};
use sp_runtime::traits::Dispatchable;

/// A record as [`crate::trace`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
	/// The block the record went into.
	pub block: BlockNumber,
	/// Who dispatched it (`Alice` … `PseudonymB`, `Root`, `Unsigned`).
	pub origin: &'static str,
	/// The call, as `Pallet.call`, with the call sudo dispatched in brackets.
	pub call: String,
	/// What became of it.
	pub applied: Applied,
}

/// Dispatches a record's call in the current block and checks the invariants
/// around it. An unsigned call goes through its authorization or the
/// runtime's `ValidateUnsigned` first (see [`admitted_unsigned`]); every call takes
/// its weight and length from the block as `CheckWeight` books them, and gives
/// back what it did not use, so `on_idle` sees what a real block leaves it.
pub(crate) fn apply(record: Record) -> Applied {
	let origin = match record.dispatch_origin() {
		Origin::Signed(who) => RuntimeOrigin::signed(who),
		Origin::Root => RuntimeOrigin::root(),
		Origin::Unsigned => match admitted_unsigned(&record.call) {
			Some(origin) => origin,
			None => return Applied::Refused,
		},
	};
	let call = record.call;
	let info = call.get_dispatch_info();
	if !book_weight(&info, call.encoded_size()) {
		return Applied::NoRoom;
	}
	let before = invariants::Snapshot::take(&call);
	let result = call.clone().dispatch(origin);
	let post_info = match &result {
		Ok(post_info) => *post_info,
		Err(error) => error.post_info,
	};
	let applied = invariants::after_dispatch(before, &call, &info, &result);
	give_back_unused_weight(&info, &post_info);
	applied
}

/// The origin an unsigned call enters a block with, if it does. A call with
/// `#[pallet::authorize]` (a liquidation page) comes as a general transaction
/// without a signer: `AuthorizeCall` runs its authorization in the pool (its
/// writes discarded, as the pool discards them) and again in the block, and
/// gives it the `Authorized` origin. Any other comes bare, through the
/// runtime's `ValidateUnsigned` and `pre_dispatch`, with no origin.
#[allow(deprecated)]
fn admitted_unsigned(call: &RuntimeCall) -> Option<RuntimeOrigin> {
	use frame_support::{
		traits::Authorize,
		unsigned::{TransactionSource, ValidateUnsigned},
	};
	let authorized = || call.authorize(TransactionSource::External).map(|result| result.is_ok());
	if let Some(pool) = with_transaction_unchecked(|| TransactionOutcome::Rollback(authorized())) {
		let admitted = pool && authorized() == Some(true);
		return admitted.then(|| frame_system::RawOrigin::Authorized.into());
	}
	let validity = with_transaction_unchecked(|| {
		TransactionOutcome::Rollback(<Runtime as ValidateUnsigned>::validate_unsigned(
			TransactionSource::External,
			call,
		))
	});
	let admitted = validity.is_ok() && <Runtime as ValidateUnsigned>::pre_dispatch(call).is_ok();
	admitted.then(RuntimeOrigin::none)
}

/// Books the call's weight and length in the block as `CheckWeight` does for
/// a transaction; `false` if the block has no room for it.
fn book_weight(info: &DispatchInfo, length: usize) -> bool {
	frame_system::CheckWeight::<Runtime>::do_validate(info, length)
		.and_then(|(_, next_length)| {
			frame_system::CheckWeight::<Runtime>::do_prepare(info, length, next_length)
		})
		.is_ok()
}

/// Returns the weight a call booked but did not use to the block.
fn give_back_unused_weight(info: &DispatchInfo, post_info: &PostDispatchInfo) {
	let unused = post_info.calc_unspent(info);
	frame_system::BlockWeight::<Runtime>::mutate(|weight| weight.reduce(unused, info.class));
}
