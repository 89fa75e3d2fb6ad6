//! Types of the energy-market pallet.
use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::fungible, BoundedVec};
use scale_info::TypeInfo;

/// Slots in a trading day: 96 quarter hours in production.
pub const SLOTS_PER_DAY: u32 = 96;

/// Milliseconds since the Unix epoch, as the block timestamp counts them.
pub type Moment = u64;

/// A trading slot, counted from the Unix epoch in slot lengths: slot `s`
/// belongs to day `s / 96` and is slot `s % 96` of that day.
pub type Slot = u32;

/// A trading day, counted from the Unix epoch in days of 96 slots.
pub type Day = u32;

/// A node of the trading tree: the main-grid root, an intermediate node or a ledger.
pub type NodeId = u32;

/// A prosumer group: one coordinator, its operators and its ledgers.
pub type GroupId = u32;

/// Energy in watt-hours. Positive: consumed (bought); negative: produced (sold).
pub type EnergyWh = i64;

/// A balance of the currency energy is paid in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Net energy of one node in each slot of a day.
pub type SlotNets = [EnergyWh; SLOTS_PER_DAY as usize];

/// The node that every tree starts from: the main grid.
pub const ROOT: NodeId = 0;

/// What a node of the tree is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum NodeKind {
	/// The main grid (the paper's SC_MG): the parent of everything, settles
	/// with the producers.
	Root,
	/// An intermediate node (the paper's SC_I): nets its children's energy.
	Intermediate,
	/// A group ledger (the paper's SC_G): pseudonyms report shares into it.
	Ledger {
		/// The group the ledger belongs to.
		group: GroupId,
	},
}

/// A node of the trading tree.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxDepth))]
pub struct TreeNode<MaxDepth: frame_support::traits::Get<u32>> {
	/// Root, intermediate node or ledger.
	pub kind: NodeKind,
	/// The node's ancestors from the root down to its parent; empty for the root.
	pub ancestors: BoundedVec<NodeId, MaxDepth>,
	/// How many nodes have this one as their parent.
	pub children: u32,
	/// For a ledger, how many pseudonyms are registered in it.
	pub pseudonyms: u32,
}

impl<MaxDepth: frame_support::traits::Get<u32>> TreeNode<MaxDepth> {
	/// The node's parent; `None` for the root.
	pub fn parent(&self) -> Option<NodeId> {
		self.ancestors.last().copied()
	}
}

/// A node as this runtime stores it.
pub type TreeNodeOf<T> = TreeNode<<T as Config>::MaxTreeDepth>;

/// A prosumer group.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxLedgers, MaxOperators))]
pub struct Group<
	AccountId,
	MaxLedgers: frame_support::traits::Get<u32>,
	MaxOperators: frame_support::traits::Get<u32>,
> {
	/// The coordinator: verifies the group's reports and, as the clearing
	/// account, settles its ledgers' bills.
	pub coordinator: AccountId,
	/// The node under which the group's ledgers hang.
	pub parent: NodeId,
	/// The group's ledgers (at least one).
	pub ledgers: BoundedVec<NodeId, MaxLedgers>,
	/// Operators who register pseudonyms into the group's ledgers.
	pub operators: BoundedVec<AccountId, MaxOperators>,
}

/// A group as this runtime stores it.
pub type GroupOf<T> = Group<
	<T as frame_system::Config>::AccountId,
	<T as Config>::MaxLedgersPerGroup,
	<T as Config>::MaxOperatorsPerGroup,
>;

/// A registered pseudonym: the ledger it reports into and the trading days
/// it may report in (one day by default: a fresh set every day).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct PseudonymRecord {
	/// The ledger it reports into.
	pub ledger: NodeId,
	/// The first day it may report in.
	pub first_day: Day,
	/// The last day it may report in.
	pub last_day: Day,
	/// The slot it was registered in. A pseudonym registered late (its
	/// coordinator was down) may still report its day's earlier slots
	/// within the grace window counted from here.
	pub registered_slot: Slot,
}

impl PseudonymRecord {
	/// Whether `day` is one of the pseudonym's days.
	pub fn valid_on(&self, day: Day) -> bool {
		self.first_day <= day && day <= self.last_day
	}
}

/// Where the bounded pruning of `on_idle` has got to.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct PruneCursor {
	/// The oldest day whose expiring pseudonyms may not all be gone yet;
	/// `None` until the first registration.
	pub expiry_day: Option<Day>,
	/// The oldest day whose reports, nets and offers may still be stored;
	/// `None` until the first day is opened.
	pub market_day: Option<Day>,
}

/// A producer's offer for one slot.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Offer<AccountId, Balance> {
	/// The main-grid producer.
	pub producer: AccountId,
	/// Energy the producer can deliver in the slot, in Wh.
	pub capacity_wh: u64,
	/// Price asked per kWh.
	pub price_per_kwh: Balance,
}

/// An offer as this runtime stores it.
pub type OfferOf<T> = Offer<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// Offers of one slot, sorted by price once the auction closes.
pub type SlotOffersOf<T> = BoundedVec<OfferOf<T>, <T as Config>::MaxOffersPerSlot>;

/// Where a trading day is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DayPhase {
	/// Opened: producers add offers until the authority closes the auction.
	Bidding,
	/// The auction has set the slot prices: pseudonyms report shares in each
	/// slot. The day closes by itself after its last slot and the grace window.
	Trading,
	/// Closed and being liquidated page by page.
	Liquidating {
		/// The next page to liquidate.
		next_page: u32,
		/// Pages in all (collection pages, then payout pages).
		pages: u32,
		/// Nodes the pages cover: ids `0..nodes`.
		nodes: NodeId,
	},
	/// Every page is done: debts and credits are recorded.
	Liquidated,
}

/// A trading day's plan: what the main grid expects and what the auction
/// priced (its phase is kept apart, in `DayPhases`, so the calls that only
/// need the phase do not read the 96 slots' figures).
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo, MaxEncodedLen)]
pub struct TradingDay<Balance> {
	/// Consumption the main grid expects in each slot, in Wh.
	pub expected_consumption_wh: [u64; SLOTS_PER_DAY as usize],
	/// The price per kWh of each slot (zero until the auction closes).
	pub prices_per_kwh: [Balance; SLOTS_PER_DAY as usize],
}

/// A trading day as this runtime stores it.
pub type TradingDayOf<T> = TradingDay<BalanceOf<T>>;

/// What the group's coordinator said about a report.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ReportStatus {
	/// Reported, not yet checked.
	Unverified,
	/// The coordinator confirmed it against the meter.
	Verified,
	/// The coordinator found it wrong: excluded from netting and settlement.
	Flagged,
}

/// A pseudonym's share for one slot.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Report {
	/// The share in Wh: positive consumed, negative produced.
	pub energy_wh: EnergyWh,
	/// Unverified, verified or flagged.
	pub status: ReportStatus,
}

/// Slot length and report window of a chain.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct MarketClock {
	/// Length of a trading slot in milliseconds (900,000 in production).
	pub slot_length_ms: Moment,
	/// Slots after a slot during which its shares may still be reported.
	pub report_grace_slots: u32,
}

impl Default for MarketClock {
	fn default() -> Self {
		Self { slot_length_ms: crate::PRODUCTION_SLOT_LENGTH, report_grace_slots: 2 }
	}
}

impl MarketClock {
	/// The slot the timestamp `now` falls in.
	pub fn slot_at(&self, now: Moment) -> Slot {
		let slot = now / self.slot_length_ms.max(1);
		Slot::try_from(slot).unwrap_or(Slot::MAX)
	}

	/// The first slot of `day`, or `None` past the end of time.
	pub fn first_slot(day: Day) -> Option<Slot> {
		day.checked_mul(SLOTS_PER_DAY)
	}

	/// The first slot after the window in which `day`'s last shares may be
	/// reported: from then on the day is closed.
	pub fn closing_slot(&self, day: Day) -> Option<Slot> {
		Self::first_slot(day)?.checked_add(SLOTS_PER_DAY)?.checked_add(self.report_grace_slots)
	}
}

/// The day a slot belongs to and its index within that day.
pub fn day_of(slot: Slot) -> (Day, usize) {
	(slot / SLOTS_PER_DAY, (slot % SLOTS_PER_DAY) as usize)
}

/// Which side of a liquidation page's work a page does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LiquidationPass {
	/// Collect what buyers owe into the market's pot.
	Collect,
	/// Pay sellers and producers from the pot.
	Payout,
}

/// What a liquidator signs to liquidate one page of a day.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct LiquidationPayload<Hash> {
	/// A fixed tag, so the signature means nothing elsewhere.
	pub context: [u8; 18],
	/// The chain's genesis hash, so it means nothing on another chain.
	pub genesis: Hash,
	/// The day.
	pub day: Day,
	/// The page.
	pub page: u32,
}

/// Tag of [`LiquidationPayload`].
pub const LIQUIDATION_CONTEXT: [u8; 18] = *b"gridveil/liquidate";

/// A day's slot prices, for dashboards and the edge client.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct DayPrices<Balance> {
	/// Where the day is.
	pub phase: DayPhase,
	/// Price per kWh of each slot.
	pub prices_per_kwh: alloc::vec::Vec<Balance>,
	/// Slot length in milliseconds.
	pub slot_length_ms: Moment,
}

/// What a pseudonym reported on a day: `(slot of the day, report)`.
pub type DayReports = alloc::vec::Vec<(u32, Report)>;

/// A share its pseudonym signed, for the group's coordinator to relay in a
/// batch (`relay_shares`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo)]
pub struct RelayedShare<AccountId, Signature> {
	/// The pseudonym that reports.
	pub pseudonym: AccountId,
	/// The share in Wh: positive consumed, negative produced.
	pub energy_wh: EnergyWh,
	/// The pseudonym's signature of [`share_message`].
	pub signature: Signature,
}

/// What a pseudonym signs for a relayed share ([`share_message`]), from the
/// crate the boxes and coordinators use too.
pub use gridveil_share_message::{share_message, SHARE_MESSAGE_BYTES, SHARE_SIGNING_CONTEXT};

/// Sets the clock and makes keys in benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<LiquidatorId, AccountId, Signature> {
	/// Sets the block timestamp to `moment`.
	fn set_timestamp(moment: Moment);
	/// A liquidator key that can sign in the benchmark's externalities.
	fn liquidator() -> LiquidatorId;
	/// The account of the `index`th pseudonym key, made in the benchmark's
	/// externalities so that it can sign.
	fn pseudonym(index: u32) -> AccountId;
	/// `pseudonym`'s signature of `message`.
	fn sign_as_pseudonym(pseudonym: &AccountId, message: &[u8]) -> Signature;
}
