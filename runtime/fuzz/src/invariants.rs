//! What must hold after every dispatched call and every block. Each check
//! panics with the invariant's number (as README.md lists them), the call or
//! block, and the numbers that disagree.
//!
//! 1. Nothing panics (the fuzzer sees any panic).
//! 2. Balances: the total issuance is the sum of every account's free and
//!    reserved balance (holds are reserved), and no account has consumers
//!    without a provider.
//! 3. A call that fails changes no storage. For sudo, which succeeds and
//!    records the result of the call it dispatched in an event, a failed inner
//!    call may add that event and nothing else.
//! 4. No call reports an actual weight above the weight it declared.
//! 5. One call adds at most [`MAX_GROWTH_PER_CALL`] bytes of keys and values
//!    to the GridVeil pallets' storage.
//! 6. Demand-response escrow: what each account has on hold for programs is
//!    the reward of the offers it made that are still open plus the escrow of
//!    the active programs it is the prosumer of; ended programs hold nothing.
//! 7. A finalized block has consumed no more than the maximum block weight.
use frame_support::{
	dispatch::{DispatchInfo, DispatchResultWithPostInfo},
	traits::PalletInfoAccess,
};
use gridveil_runtime::{
	AccountId, Balance, BlockNumber, DemandResponse, EnergyMarket, MeterRegistry, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, System, ZkVerifier,
};
use pallet_demand_response::ProgramStatus;
use sp_runtime::{DispatchError, DispatchResult, StateVersion};
use std::collections::BTreeMap;

/// What became of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
	/// Dispatched and succeeded; for a sudo call, the call sudo dispatched
	/// succeeded too.
	Ok,
	/// Dispatched and failed with this error; for a sudo call that itself
	/// succeeded, the error of the call sudo dispatched.
	Failed(DispatchError),
	/// A call without a signer that its authorization or the runtime's
	/// `ValidateUnsigned` refused: not dispatched.
	Refused,
	/// The block had no room left for the call's weight or length: not dispatched.
	NoRoom,
}

/// Most bytes of keys and values one call may add to the storage of the
/// zk-verifier, demand-response and energy-market pallets. The largest
/// legitimate write is a full pseudonym batch or a tree's worth of slot nets,
/// a few KiB.
pub const MAX_GROWTH_PER_CALL: u64 = 64 * 1024;

/// The state before a call, to compare with after it.
pub(crate) struct Snapshot {
	/// The storage root.
	root: Vec<u8>,
	/// Bytes under the GridVeil pallets' prefixes.
	gridveil_bytes: u64,
	/// The event log, kept for sudo calls only (whose inner failure may leave
	/// an event behind).
	events: Option<EventLog>,
}

impl Snapshot {
	/// Takes the snapshot `call` will be checked against.
	pub(crate) fn take(call: &RuntimeCall) -> Self {
		Self {
			root: storage_root(),
			gridveil_bytes: gridveil_storage_bytes(),
			events: crate::input::sudo_inner(call).map(|_| EventLog::capture()),
		}
	}
}

/// Checks invariants 2 to 6 after `call` returned `result`, and says what
/// became of it (for sudo, the inner call's result).
pub(crate) fn after_dispatch(
	before: Snapshot,
	call: &RuntimeCall,
	info: &DispatchInfo,
	result: &DispatchResultWithPostInfo,
) -> Applied {
	let post_info = match result {
		Ok(post_info) => post_info,
		Err(error) => &error.post_info,
	};
	if let Some(actual) = post_info.actual_weight {
		assert!(
			actual.all_lte(info.call_weight),
			"invariant 4 (actual weight within the declared weight) violated: {call:?} \
			 declared {:?} and reported {actual:?}",
			info.call_weight,
		);
	}

	let applied = match result {
		Err(error) => {
			assert!(
				storage_root() == before.root,
				"invariant 3 (a failed call changes no storage) violated: {call:?} failed with \
				 {:?} and changed the storage",
				error.error,
			);
			Applied::Failed(error.error)
		},
		Ok(_) => match before.events.as_ref().map(|log| (log, log.first_sudo_result())) {
			Some((log, Some(Err(error)))) => {
				assert!(
					root_without_new_events(log) == before.root,
					"invariant 3 (a failed call changes no storage) violated: the call inside \
					 {call:?} failed with {error:?}, and the storage changed beyond sudo's event",
				);
				Applied::Failed(error)
			},
			_ => Applied::Ok,
		},
	};

	let after_bytes = gridveil_storage_bytes();
	let grown = after_bytes.saturating_sub(before.gridveil_bytes);
	assert!(
		grown <= MAX_GROWTH_PER_CALL,
		"invariant 5 (bounded storage) violated: {call:?} added {grown} bytes to the GridVeil \
		 pallets' storage ({} before, {after_bytes} after), more than {MAX_GROWTH_PER_CALL}",
		before.gridveil_bytes,
	);

	check_state(|| format!("after {call:?}"));
	applied
}

/// Checks invariant 7 and the state invariants after a block was finalized
/// (`on_idle` settles programs, `on_finalize` runs every pallet's hook).
pub(crate) fn after_block(number: BlockNumber) {
	let consumed = frame_system::BlockWeight::<Runtime>::get().total();
	let limit = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	assert!(
		consumed.all_lte(limit),
		"invariant 7 (block weight) violated: block {number} consumed {consumed:?}, more than \
		 the maximum {limit:?}",
	);
	check_state(|| format!("at the end of block {number}"));
}

/// Invariants 2 and 6; `when` says when, for the message.
fn check_state(when: impl Fn() -> String) {
	check_issuance(&when);
	check_escrow(&when);
}

/// Invariant 2: the issuance is in the accounts, and the reference counts are sane.
fn check_issuance(when: &impl Fn() -> String) {
	let mut counted: Balance = 0;
	for (who, account) in frame_system::Account::<Runtime>::iter() {
		assert!(
			account.consumers == 0 || account.providers > 0 || account.sufficients > 0,
			"invariant 2 (account references) violated {}: {who} has {} consumers and no \
			 provider",
			when(),
			account.consumers,
		);
		counted = account
			.data
			.free
			.checked_add(account.data.reserved)
			.and_then(|total| counted.checked_add(total))
			.unwrap_or_else(|| {
				panic!("invariant 2 (total issuance) violated {}: the accounts overflow", when())
			});
	}
	let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
	assert!(
		issuance == counted,
		"invariant 2 (total issuance) violated {}: the issuance is {issuance}, the accounts \
		 hold {counted}",
		when(),
	);
}

/// Invariant 6: demand-response holds match the programs.
fn check_escrow(when: &impl Fn() -> String) {
	let reason: RuntimeHoldReason = pallet_demand_response::HoldReason::ProgramEscrow.into();
	let mut expected: BTreeMap<AccountId, Balance> = BTreeMap::new();
	for (program_id, program) in pallet_demand_response::Programs::<Runtime>::iter() {
		let (holder, amount) = match program.status {
			ProgramStatus::Offered => (program.aggregator, program.reward),
			ProgramStatus::Active => (program.prosumer, program.escrow),
			ProgramStatus::Completed | ProgramStatus::Forfeited => {
				assert!(
					program.escrow == 0,
					"invariant 6 (escrow) violated {}: program {program_id} has ended with an \
					 escrow of {}",
					when(),
					program.escrow,
				);
				continue;
			},
		};
		let total = expected.entry(holder).or_default();
		*total = total.checked_add(amount).unwrap_or_else(|| {
			panic!("invariant 6 (escrow) violated {}: the escrows overflow", when())
		});
	}
	expected.retain(|_, amount| *amount != 0);
	let held: BTreeMap<AccountId, Balance> = pallet_balances::Holds::<Runtime>::iter()
		.filter_map(|(who, holds)| {
			let amount: Balance =
				holds.iter().filter(|hold| hold.id == reason).map(|hold| hold.amount).sum();
			(amount != 0).then_some((who, amount))
		})
		.collect();
	assert!(
		held == expected,
		"invariant 6 (escrow) violated {}: held for programs {held:?}, the programs need \
		 {expected:?}",
		when(),
	);
}

/// The storage root (state version 1, the runtime's).
fn storage_root() -> Vec<u8> {
	sp_io::storage::root(StateVersion::V1)
}

/// Bytes of keys and values under the zk-verifier, meter-registry,
/// demand-response and energy-market prefixes (`twox_128` of each pallet's name).
fn gridveil_storage_bytes() -> u64 {
	[
		ZkVerifier::name_hash(),
		MeterRegistry::name_hash(),
		DemandResponse::name_hash(),
		EnergyMarket::name_hash(),
	]
	.iter()
	.map(|prefix| bytes_under(prefix))
	.sum()
}

/// Bytes of the keys and values starting with `prefix`.
fn bytes_under(prefix: &[u8]) -> u64 {
	let mut total: u64 = 0;
	let mut cursor = prefix.to_vec();
	while let Some(key) = sp_io::storage::next_key(&cursor) {
		if !key.starts_with(prefix) {
			break;
		}
		let value = sp_io::storage::read(&key, &mut [], 0).unwrap_or_default();
		total = total.saturating_add(key.len() as u64).saturating_add(u64::from(value));
		cursor = key;
	}
	total
}

/// The raw `System::Events` and `System::EventCount` storage, to tell a sudo
/// call's own event apart from the storage its inner call changed.
struct EventLog {
	/// Events in the block before the call.
	count: u32,
	/// Raw value of `System::Events`.
	events: Option<Vec<u8>>,
	/// Raw value of `System::EventCount`.
	event_count: Option<Vec<u8>>,
}

impl EventLog {
	/// Reads the event log as it is now.
	fn capture() -> Self {
		Self {
			count: frame_system::Pallet::<Runtime>::event_count(),
			events: sp_io::storage::get(&system_key(b"Events")).map(|value| value.to_vec()),
			event_count: sp_io::storage::get(&system_key(b"EventCount"))
				.map(|value| value.to_vec()),
		}
	}

	/// Puts this event log back into storage.
	fn restore(&self) {
		for (item, value) in
			[(&b"Events"[..], &self.events), (&b"EventCount"[..], &self.event_count)]
		{
			match value {
				Some(value) => sp_io::storage::set(&system_key(item), value),
				None => sp_io::storage::clear(&system_key(item)),
			}
		}
	}

	/// The result sudo recorded for the innermost call it dispatched, among
	/// the events deposited since this log was captured: the first `Sudid` or
	/// `SudoAsDone` (nested sudo calls record from the inside out).
	fn first_sudo_result(&self) -> Option<DispatchResult> {
		frame_system::Pallet::<Runtime>::read_events_no_consensus()
			.skip(self.count as usize)
			.find_map(|record| match &record.event {
				RuntimeEvent::Sudo(
					pallet_sudo::Event::Sudid { sudo_result }
					| pallet_sudo::Event::SudoAsDone { sudo_result },
				) => Some(*sudo_result),
				_ => None,
			})
	}
}

/// The storage root as it would be had the events deposited since `log` was
/// captured not been deposited; the events stay in storage.
fn root_without_new_events(log: &EventLog) -> Vec<u8> {
	let now = EventLog::capture();
	log.restore();
	let root = storage_root();
	now.restore();
	root
}

/// Key of a `frame_system` storage value.
fn system_key(item: &[u8]) -> Vec<u8> {
	[&System::name_hash()[..], &sp_io::hashing::twox_128(item)[..]].concat()
}
