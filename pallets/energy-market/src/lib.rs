#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
mod hooks;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use features::{merit_order, AuctionOutcome};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// The target of this pallet's log lines.
pub(crate) const LOG_TARGET: &str = "runtime::energy-market";

/// A trading slot in production: 15 minutes, in milliseconds.
pub const PRODUCTION_SLOT_LENGTH: Moment = 900_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, DefensiveResult, UnixTime},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{IdentifyAccount, StaticLookup, Verify},
		RuntimeAppPublic,
	};

	/// How a call names an account (polkadot.js apps' address field).
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

	/// A share a pseudonym signed, as `relay_shares` takes it.
	pub type RelayedShareOf<T> =
		RelayedShare<<T as frame_system::Config>::AccountId, <T as Config>::PseudonymSignature>;

	/// A ledger's slot of relayed shares, in ascending order of pseudonym.
	pub type RelayedSharesOf<T> = BoundedVec<RelayedShareOf<T>, <T as Config>::MaxPseudonymBatch>;

	/// A liquidator's signature over a [`LiquidationPayload`].
	pub type LiquidatorSignatureOf<T> =
		<<T as Config>::LiquidatorId as RuntimeAppPublic>::Signature;

	/// The layout of this pallet's storage: 1 since the day's phase moved
	/// out of `Days` into `DayPhases` ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// The currency energy is paid in.
		type Currency: fungible::Mutate<Self::AccountId>;
		/// The block timestamp: slots follow it.
		type Time: UnixTime;
		/// The main-grid authority (the paper's MG): registers producers,
		/// builds the tree, opens days and closes auctions.
		type MarketAuthority: EnsureOrigin<Self::RuntimeOrigin>;
		/// Keys offchain workers sign liquidation pages with.
		type LiquidatorId: Member
			+ Parameter
			+ RuntimeAppPublic
			+ Ord
			+ MaxEncodedLen
			+ DecodeWithMemTracking;
		/// A pseudonym's signature of a share its coordinator relays
		/// ([`share_message`]); it verifies against the pseudonym's account.
		type PseudonymSignature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>
			+ Parameter;
		/// Derives the market's pot: the account that collects what buyers owe
		/// and pays sellers and producers.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Most levels below the root: a ledger has at most this many ancestors.
		#[pallet::constant]
		type MaxTreeDepth: Get<u32>;
		/// Most ledgers in one group.
		#[pallet::constant]
		type MaxLedgersPerGroup: Get<u32>;
		/// Most operators in one group.
		#[pallet::constant]
		type MaxOperatorsPerGroup: Get<u32>;
		/// Most pseudonyms registered, deregistered or verified, and most
		/// shares relayed, in one call.
		#[pallet::constant]
		type MaxPseudonymBatch: Get<u32>;
		/// The longest rotation period the authority may set, in days: how
		/// many days one registered pseudonym may report in.
		#[pallet::constant]
		type MaxRotationDays: Get<u32>;
		/// How many days ahead of today pseudonyms may be registered.
		#[pallet::constant]
		type RegistrationLeadDays: Get<u32>;
		/// Days a liquidated day's reports, nets and offers are kept before
		/// `on_idle` prunes them.
		#[pallet::constant]
		type RetentionDays: Get<u32>;
		/// Most registered main-grid producers.
		#[pallet::constant]
		type MaxProducers: Get<u32>;
		/// Most offers in one slot.
		#[pallet::constant]
		type MaxOffersPerSlot: Get<u32>;
		/// Most days open at once (opened and not yet liquidated).
		#[pallet::constant]
		type MaxOpenDays: Get<u32>;
		/// Most registered liquidator keys.
		#[pallet::constant]
		type MaxLiquidators: Get<u32>;
		/// Nodes one liquidation page settles.
		#[pallet::constant]
		type NodesPerLiquidationPage: Get<u32>;
		/// Largest share one pseudonym may report for one slot, in Wh (either sign).
		#[pallet::constant]
		type MaxShareWh: Get<u64>;
		/// Highest price per kWh an offer may ask.
		#[pallet::constant]
		type MaxPricePerKwh: Get<BalanceOf<Self>>;
		/// Price per kWh of a slot whose offers cannot cover the expected consumption.
		#[pallet::constant]
		type FallbackPricePerKwh: Get<BalanceOf<Self>>;
		/// Pool priority of liquidation pages.
		#[pallet::constant]
		type LiquidationPriority: Get<TransactionPriority>;
		/// Blocks a liquidation page stays valid in the pool.
		#[pallet::constant]
		type LiquidationLongevity: Get<u64>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Sets the clock and provides a liquidator key for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<
			Self::LiquidatorId,
			Self::AccountId,
			Self::PseudonymSignature,
		>;
	}

	/// Slot length and report window. Set at genesis: 15-minute slots in
	/// production, a few seconds on development and test chains.
	#[pallet::storage]
	pub type Clock<T: Config> = StorageValue<_, MarketClock, ValueQuery>;

	/// The main grid's own account: it supplies energy no offer covers and
	/// buys the tree's surplus, at the slot price.
	#[pallet::storage]
	pub type MainGridAccount<T: Config> = StorageValue<_, T::AccountId>;

	/// Registered main-grid producers, who may add offers.
	#[pallet::storage]
	pub type Producers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ()>;

	/// How many producers are registered.
	#[pallet::storage]
	pub type ProducerCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The trading tree: the root (node 0), intermediate nodes and ledgers.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<_, Twox64Concat, NodeId, TreeNodeOf<T>>;

	/// The id the next node receives. Ids only grow, so a parent's id is
	/// always below its children's.
	#[pallet::storage]
	pub type NextNodeId<T: Config> = StorageValue<_, NodeId, ValueQuery>;

	/// Prosumer groups: coordinator, operators and ledgers.
	#[pallet::storage]
	pub type Groups<T: Config> = StorageMap<_, Twox64Concat, GroupId, GroupOf<T>>;

	/// The id the next group receives.
	#[pallet::storage]
	pub type NextGroupId<T: Config> = StorageValue<_, GroupId, ValueQuery>;

	/// Registered pseudonyms: the ledger each reports into and the days it
	/// may report in. Who holds a pseudonym is never on chain.
	#[pallet::storage]
	pub type Pseudonyms<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, PseudonymRecord>;

	/// Registered pseudonyms by their last day, so that `on_idle` finds the
	/// expired ones without iterating every pseudonym.
	#[pallet::storage]
	pub type PseudonymExpiries<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Day, Blake2_128Concat, T::AccountId, ()>;

	/// Days a pseudonym registered now may report in (its first day and the
	/// next ones); the market authority sets it, one day by default.
	#[pallet::storage]
	pub type RotationDays<T: Config> = StorageValue<_, u32, ValueQuery, ConstU32<1>>;

	/// How far the bounded pruning of expired pseudonyms and old days has got.
	#[pallet::storage]
	pub type Pruning<T: Config> = StorageValue<_, PruneCursor, ValueQuery>;

	/// How many of a pseudonym's reports its coordinator has flagged.
	#[pallet::storage]
	pub type FlaggedReports<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Trading days' plans: expected consumption and slot prices.
	#[pallet::storage]
	pub type Days<T: Config> = StorageMap<_, Twox64Concat, Day, TradingDayOf<T>>;

	/// Where each trading day is (bidding, trading, liquidating, liquidated);
	/// a day has a phase exactly when it has an entry in `Days`.
	#[pallet::storage]
	pub type DayPhases<T: Config> = StorageMap<_, Twox64Concat, Day, DayPhase>;

	/// Days opened and not yet liquidated, oldest first.
	#[pallet::storage]
	pub type OpenDays<T: Config> = StorageValue<_, BoundedVec<Day, T::MaxOpenDays>, ValueQuery>;

	/// Producers' offers by day and slot of the day, sorted by price once the
	/// auction has closed.
	#[pallet::storage]
	pub type Offers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Day, Twox64Concat, u32, SlotOffersOf<T>, ValueQuery>;

	/// Shares by day, pseudonym and slot of the day.
	#[pallet::storage]
	pub type Reports<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, Day>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, u32>,
		),
		Report,
	>;

	/// Net energy of each node in each slot of a day, in Wh: the sum of the
	/// unflagged shares reported into the ledgers below it.
	#[pallet::storage]
	pub type Nets<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Day, Twox64Concat, NodeId, SlotNets>;

	/// Keys whose offchain workers may liquidate days.
	#[pallet::storage]
	pub type Liquidators<T: Config> =
		StorageValue<_, BoundedVec<T::LiquidatorId, T::MaxLiquidators>, ValueQuery>;

	/// What an account owes the market and could not pay at liquidation.
	#[pallet::storage]
	pub type Debts<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>>;

	/// What the market owes an account and could not pay at liquidation;
	/// claimable once debtors pay.
	#[pallet::storage]
	pub type Credits<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>>;

	/// The market's clock.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Milliseconds in a trading slot; 0 means the production slot (15 minutes).
		pub slot_length_ms: Moment,
		/// Slots after a slot during which its shares may still be reported; 0 means 2.
		pub report_grace_slots: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut clock = MarketClock::default();
			if self.slot_length_ms > 0 {
				clock.slot_length_ms = self.slot_length_ms;
			}
			if self.report_grace_slots > 0 {
				clock.report_grace_slots = self.report_grace_slots;
			}
			Clock::<T>::put(clock);
			Pallet::<T>::create_root();
			// The pot must exist before it can receive less than the
			// existential deposit.
			let pot = Pallet::<T>::pot();
			let minimum = <T::Currency as fungible::Inspect<T::AccountId>>::minimum_balance();
			if <T::Currency as fungible::Inspect<T::AccountId>>::balance(&pot) < minimum {
				// Minting one existential deposit into an empty account cannot
				// overflow the issuance; were it ever refused, the log says so.
				let _ = <T::Currency as fungible::Mutate<T::AccountId>>::mint_into(&pot, minimum)
					.defensive_ok();
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A main-grid producer was registered.
		ProducerRegistered {
			/// The producer.
			producer: T::AccountId,
		},
		/// A producer was removed; its offers already made still count.
		ProducerRemoved {
			/// The producer.
			producer: T::AccountId,
		},
		/// The main grid's own account was set.
		MainGridAccountSet {
			/// The account.
			account: T::AccountId,
		},
		/// A node was added to the tree.
		NodeAdded {
			/// The new node.
			node: NodeId,
			/// Its parent.
			parent: NodeId,
			/// Intermediate node or ledger.
			kind: NodeKind,
		},
		/// A node was removed from the tree.
		NodeRemoved {
			/// The node.
			node: NodeId,
		},
		/// A prosumer group was created with its ledgers.
		GroupAdded {
			/// The group.
			group: GroupId,
			/// The node its ledgers hang under.
			parent: NodeId,
			/// Its coordinator and clearing account.
			coordinator: T::AccountId,
		},
		/// A group and its ledgers were removed.
		GroupRemoved {
			/// The group.
			group: GroupId,
		},
		/// An operator may now register pseudonyms into a group's ledgers.
		OperatorAdded {
			/// The group.
			group: GroupId,
			/// The operator.
			operator: T::AccountId,
		},
		/// An operator was removed from a group.
		OperatorRemoved {
			/// The group.
			group: GroupId,
			/// The operator.
			operator: T::AccountId,
		},
		/// A batch of pseudonyms was registered into a ledger.
		PseudonymsRegistered {
			/// The ledger.
			ledger: NodeId,
			/// The first day they may report in.
			first_day: Day,
			/// The last day they may report in.
			last_day: Day,
			/// How many.
			count: u32,
		},
		/// Pseudonyms whose last day has closed were removed.
		PseudonymsExpired {
			/// Their last day.
			day: Day,
			/// How many (in this step; one day's may take several blocks).
			count: u32,
		},
		/// The authority set how many days a newly registered pseudonym lives.
		RotationPeriodSet {
			/// Days.
			days: u32,
		},
		/// A liquidated day older than the retention window was pruned: its
		/// reports, nets and offers and its record are gone.
		DayPruned {
			/// The day.
			day: Day,
		},
		/// A batch of pseudonyms was removed from a ledger.
		PseudonymsDeregistered {
			/// The ledger.
			ledger: NodeId,
			/// How many.
			count: u32,
		},
		/// The authority opened a trading day for bids.
		DayOpened {
			/// The day.
			day: Day,
		},
		/// A producer offered energy for a slot (replacing its earlier offer there).
		OfferAdded {
			/// The day.
			day: Day,
			/// The slot of the day (0 to 95).
			slot: u32,
			/// The producer.
			producer: T::AccountId,
			/// Energy offered, in Wh.
			capacity_wh: u64,
			/// Price asked per kWh.
			price_per_kwh: BalanceOf<T>,
		},
		/// The auction set every slot's price; trading may begin.
		AuctionClosed {
			/// The day.
			day: Day,
		},
		/// A slot's offers could not cover the expected consumption: the slot
		/// takes the fallback price.
		FallbackPriceUsed {
			/// The day.
			day: Day,
			/// The slot of the day.
			slot: u32,
			/// Expected consumption the offers left uncovered, in Wh.
			shortfall_wh: u64,
		},
		/// A pseudonym reported its share of a slot (itself, or in its
		/// coordinator's relayed batch).
		ShareReported {
			/// The pseudonym.
			pseudonym: T::AccountId,
			/// The slot.
			slot: Slot,
			/// The share in Wh: positive consumed, negative produced.
			energy_wh: EnergyWh,
		},
		/// A coordinator confirmed reports of a ledger's slot.
		ReportsVerified {
			/// The ledger.
			ledger: NodeId,
			/// The slot.
			slot: Slot,
			/// How many reports.
			count: u32,
		},
		/// A coordinator found a report wrong: it no longer counts.
		ReportFlagged {
			/// The pseudonym.
			pseudonym: T::AccountId,
			/// The slot.
			slot: Slot,
		},
		/// A key was allowed to liquidate days.
		LiquidatorAdded {
			/// The key.
			liquidator: T::LiquidatorId,
		},
		/// A liquidator key was removed.
		LiquidatorRemoved {
			/// The key.
			liquidator: T::LiquidatorId,
		},
		/// A node's day was settled with its parent at the slot prices.
		NodeSettled {
			/// The day.
			day: Day,
			/// The node.
			node: NodeId,
			/// Its net energy over the day, in Wh (positive: bought from the parent).
			energy_wh: EnergyWh,
			/// What it owes its parent (negative: what the parent owes it).
			value: i128,
		},
		/// A buyer paid the market's pot.
		Collected {
			/// The day.
			day: Day,
			/// Who paid: a coordinator's clearing account or the main grid.
			payer: T::AccountId,
			/// How much.
			amount: BalanceOf<T>,
		},
		/// The pot paid a seller or a producer.
		PaidOut {
			/// The day.
			day: Day,
			/// Who was paid: a coordinator's clearing account, a producer or the main grid.
			payee: T::AccountId,
			/// How much.
			amount: BalanceOf<T>,
		},
		/// A buyer could not pay all it owed: the rest is its debt.
		DebtRecorded {
			/// The day.
			day: Day,
			/// The debtor.
			debtor: T::AccountId,
			/// The unpaid amount.
			amount: BalanceOf<T>,
		},
		/// The pot could not pay all it owed: the rest is the payee's credit.
		CreditRecorded {
			/// The day.
			day: Day,
			/// The creditor.
			creditor: T::AccountId,
			/// The unpaid amount.
			amount: BalanceOf<T>,
		},
		/// A page of a day's liquidation was done.
		PageLiquidated {
			/// The day.
			day: Day,
			/// The page.
			page: u32,
		},
		/// The last page of a day was done.
		DayLiquidated {
			/// The day.
			day: Day,
		},
		/// A debt was paid (in part or in full).
		DebtPaid {
			/// The debtor.
			debtor: T::AccountId,
			/// Who paid.
			payer: T::AccountId,
			/// How much.
			amount: BalanceOf<T>,
		},
		/// A creditor was paid from the pot (in part or in full).
		CreditClaimed {
			/// The creditor.
			creditor: T::AccountId,
			/// How much.
			amount: BalanceOf<T>,
		},
		/// A coordinator relayed a ledger's shares of a slot: the accepted
		/// ones are reported (each with its `ShareReported`, as if its
		/// pseudonym had sent it) and netted up the tree once.
		SharesRelayed {
			/// The ledger.
			ledger: NodeId,
			/// The slot.
			slot: Slot,
			/// Shares reported.
			accepted: u32,
			/// Shares skipped, each with its own `RelayedShareSkipped`.
			skipped: u32,
		},
		/// A relayed share was not reported; the rest of its batch was.
		RelayedShareSkipped {
			/// The pseudonym the share named.
			pseudonym: T::AccountId,
			/// The slot.
			slot: Slot,
			/// Why: the error `report_share` would have given, or
			/// `BadShareSignature`.
			error: DispatchError,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered producer.
		AlreadyProducer,
		/// The account is not a registered producer.
		NotProducer,
		/// The producer register is full.
		TooManyProducers,
		/// No such node in the tree.
		UnknownNode,
		/// A ledger cannot have children.
		ParentIsLedger,
		/// The tree would be deeper than the runtime allows.
		TreeTooDeep,
		/// The main-grid root cannot be removed.
		CannotRemoveRoot,
		/// The node still has children.
		NodeHasChildren,
		/// The ledger still has pseudonyms.
		LedgerHasPseudonyms,
		/// A group keeps at least one ledger: remove the group instead.
		LastLedgerOfGroup,
		/// The tree cannot shrink while a day is open or not yet liquidated.
		DaysInFlight,
		/// No such group.
		UnknownGroup,
		/// A group has between one and the runtime's most ledgers.
		InvalidLedgerCount,
		/// The node is not a ledger.
		NotALedger,
		/// Only the group's coordinator may do this.
		NotCoordinator,
		/// Only an operator of the ledger's group may do this.
		NotOperator,
		/// The account is already an operator of the group.
		AlreadyOperator,
		/// The group's operator list is full.
		TooManyOperators,
		/// A batch must list pseudonyms in ascending order without repeats, so
		/// its order says nothing about who holds them.
		PseudonymsNotSorted,
		/// A batch must not be empty.
		EmptyBatch,
		/// The pseudonym is already registered (in this or another ledger).
		PseudonymAlreadyRegistered,
		/// The pseudonym is not registered in this ledger.
		PseudonymNotInLedger,
		/// The pseudonym's account cannot be released (it has consumers).
		PseudonymInUse,
		/// The sender is not a registered pseudonym.
		NotPseudonym,
		/// The pseudonym's first day has not begun: it may not report yet.
		PseudonymNotYetValid,
		/// The pseudonym's last day is over: it may no longer report.
		PseudonymExpired,
		/// Pseudonyms are registered for today or a coming day, not a past one.
		RegistrationDayPassed,
		/// The day is further ahead than the runtime's registration lead.
		RegistrationDayTooFarAhead,
		/// A rotation period is between one day and the runtime's longest.
		InvalidRotationPeriod,
		/// No main-grid account is set: set one before opening days.
		NoMainGridAccount,
		/// Only the main grid's account or the market authority opens days
		/// and closes their auctions.
		NotDayOperator,
		/// The day has already been opened.
		DayAlreadyOpened,
		/// The day has started (or passed): days are opened ahead.
		DayAlreadyStarted,
		/// Too many days are open: liquidate some first.
		TooManyOpenDays,
		/// The expected consumption must list exactly 96 slots.
		ExpectedConsumptionNotPerSlot,
		/// No such trading day.
		UnknownDay,
		/// A day has 96 slots, 0 to 95.
		SlotOutOfDay,
		/// Offers must have a nonzero capacity.
		ZeroCapacity,
		/// Prices are whole units per Wh: a multiple of 1,000 per kWh.
		PriceNotWholePerWattHour,
		/// The price is above the runtime's ceiling.
		PriceTooHigh,
		/// The slot already has the most offers it may have.
		TooManyOffers,
		/// The day's auction has already closed.
		AuctionAlreadyClosed,
		/// The day is over.
		DayOver,
		/// The day is not trading: its auction has not closed, or it is being liquidated.
		DayNotTrading,
		/// The slot has not begun.
		SlotNotStarted,
		/// The slot and its grace window are over.
		SlotClosed,
		/// The pseudonym has already reported this slot.
		ShareAlreadyReported,
		/// The share is larger than the runtime allows.
		ShareTooLarge,
		/// No report of this pseudonym for this slot.
		ReportNotFound,
		/// The report has already been verified.
		ReportAlreadyVerified,
		/// The report has already been flagged.
		ReportAlreadyFlagged,
		/// The day has closed: its reports can no longer be flagged.
		DayClosed,
		/// The day has not closed yet.
		DayNotClosed,
		/// The day has already been liquidated.
		DayAlreadyLiquidated,
		/// Pages are liquidated in order: this is not the next one.
		PageOutOfOrder,
		/// The key is already a liquidator.
		AlreadyLiquidator,
		/// The key is not a liquidator.
		NotLiquidator,
		/// The liquidator list is full.
		TooManyLiquidators,
		/// The account owes nothing.
		NoDebt,
		/// The market owes the account nothing.
		NoCredit,
		/// The pot holds nothing to pay with now.
		PotEmpty,
		/// The amount must be nonzero.
		ZeroAmount,
		/// A net or a value went out of range.
		Overflow,
		/// The signature is not the pseudonym's signature of the share.
		BadShareSignature,
		/// A relayed batch must list its shares in ascending order of
		/// pseudonym, each pseudonym once.
		SharesNotSorted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn offchain_worker(_block: BlockNumberFor<T>) {
			Self::liquidation_worker();
		}

		fn on_idle(_block: BlockNumberFor<T>, remaining_weight: Weight) -> Weight {
			Self::prune(remaining_weight)
		}

		fn integrity_test() {
			assert!(T::MaxTreeDepth::get() >= 1, "a ledger needs at least the root above it");
			assert!(T::NodesPerLiquidationPage::get() >= 1, "a page settles at least one node");
			assert!(T::MaxLedgersPerGroup::get() >= 1, "a group has at least one ledger");
			assert!(T::MaxRotationDays::get() >= 1, "a pseudonym lives at least one day");
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers a main-grid producer, who may then add offers (the paper's
		/// `newProducer`). Authority only.
		#[pallet::call_index(0)]
		pub fn register_producer(
			origin: OriginFor<T>,
			producer: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_register_producer(T::Lookup::lookup(producer)?)
		}

		/// Removes a producer. Offers it already made still count. Authority only.
		#[pallet::call_index(1)]
		pub fn remove_producer(
			origin: OriginFor<T>,
			producer: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_remove_producer(T::Lookup::lookup(producer)?)
		}

		/// Sets the main grid's own account, which supplies energy no offer
		/// covers and buys the tree's surplus. Authority only.
		#[pallet::call_index(2)]
		pub fn set_main_grid_account(
			origin: OriginFor<T>,
			account: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_set_main_grid_account(T::Lookup::lookup(account)?)
		}

		/// Adds an intermediate node under `parent` (the paper's `newSC` for an
		/// SC_I). Authority only.
		#[pallet::call_index(3)]
		pub fn add_intermediate(origin: OriginFor<T>, parent: NodeId) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_add_intermediate(parent).map(|_| ())
		}

		/// Creates a prosumer group under `parent` with its coordinator and
		/// `ledgers` ledgers (the paper's several SC_G of a group). Authority only.
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::add_group(*ledgers))]
		pub fn add_group(
			origin: OriginFor<T>,
			parent: NodeId,
			coordinator: AccountIdLookupOf<T>,
			ledgers: u32,
		) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_add_group(parent, T::Lookup::lookup(coordinator)?, ledgers).map(|_| ())
		}

		/// Adds a ledger to the coordinator's group (the paper's `newSC` for an SC_G).
		#[pallet::call_index(5)]
		pub fn add_ledger(origin: OriginFor<T>, group: GroupId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_ledger(who, group).map(|_| ())
		}

		/// Removes a node without children (a ledger also without pseudonyms),
		/// while no day is in flight. Authority only.
		#[pallet::call_index(6)]
		pub fn remove_node(origin: OriginFor<T>, node: NodeId) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_remove_node(node)
		}

		/// Removes a group and its ledgers, which must have no pseudonyms left,
		/// while no day is in flight. Authority only.
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::remove_group(T::MaxLedgersPerGroup::get()))]
		pub fn remove_group(origin: OriginFor<T>, group: GroupId) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_remove_group(group)
		}

		/// Allows an operator to register pseudonyms into the group's ledgers
		/// (the paper's `newOperator`). Coordinator only.
		#[pallet::call_index(8)]
		pub fn add_operator(
			origin: OriginFor<T>,
			group: GroupId,
			operator: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_operator(who, group, T::Lookup::lookup(operator)?)
		}

		/// Removes an operator from the group. Coordinator only.
		#[pallet::call_index(9)]
		pub fn remove_operator(
			origin: OriginFor<T>,
			group: GroupId,
			operator: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_operator(who, group, T::Lookup::lookup(operator)?)
		}

		/// Registers a batch of pseudonyms into a ledger (the paper's `newUser`)
		/// for the rotation period starting on `day` (today or a coming day):
		/// they may report on those days only and are pruned after. The batch
		/// lists accounts in ascending order, so its order reveals nothing;
		/// each gets a provider reference and can send feeless reports with a
		/// zero balance. The group's coordinator or one of its operators only.
		#[pallet::call_index(10)]
		#[pallet::weight(<T as Config>::WeightInfo::register_pseudonyms(pseudonyms.len() as u32))]
		pub fn register_pseudonyms(
			origin: OriginFor<T>,
			ledger: NodeId,
			day: Day,
			pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_pseudonyms(who, ledger, day, pseudonyms)
		}

		/// Removes a batch of pseudonyms (ascending order) from a ledger before
		/// they expire. The group's coordinator or one of its operators only.
		#[pallet::call_index(11)]
		#[pallet::weight(<T as Config>::WeightInfo::deregister_pseudonyms(pseudonyms.len() as u32))]
		pub fn deregister_pseudonyms(
			origin: OriginFor<T>,
			ledger: NodeId,
			pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister_pseudonyms(who, ledger, pseudonyms)
		}

		/// Opens a future trading day for bids with the main grid's expected
		/// consumption of each of its 96 slots, in Wh. The main grid's account
		/// (its daily work) or the market authority.
		#[pallet::call_index(12)]
		pub fn open_day(
			origin: OriginFor<T>,
			day: Day,
			expected_consumption: BoundedVec<u64, ConstU32<SLOTS_PER_DAY>>,
		) -> DispatchResult {
			Self::ensure_day_operator(origin)?;
			Self::do_open_day(day, expected_consumption)
		}

		/// Offers `capacity_wh` in one slot of an open day at `price_per_kwh`
		/// (the paper's `addOffer`); replaces the producer's earlier offer in
		/// that slot. Producers only.
		#[pallet::call_index(13)]
		pub fn add_offer(
			origin: OriginFor<T>,
			day: Day,
			slot: u32,
			capacity_wh: u64,
			price_per_kwh: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_offer(who, day, slot, capacity_wh, price_per_kwh)
		}

		/// Closes a day's auction (the paper's `beginAuction`): per slot, the
		/// cheapest offers are taken until the expected consumption is covered
		/// and the last one taken sets the price. Trading then begins (the
		/// paper's `beginTrading`). The main grid's account or the market
		/// authority.
		#[pallet::call_index(14)]
		pub fn close_auction(origin: OriginFor<T>, day: Day) -> DispatchResult {
			Self::ensure_day_operator(origin)?;
			Self::do_close_auction(day)
		}

		/// Reports the sender's share of a slot in Wh, positive consumed and
		/// negative produced (the paper's `buyElectricity`/`sellElectricity`),
		/// once per slot, during the slot and its grace window. Free of fees
		/// for a registered pseudonym with a valid report.
		#[pallet::call_index(15)]
		#[pallet::feeless_if(|origin: &OriginFor<T>, slot: &Slot, energy_wh: &EnergyWh| -> bool {
			Pallet::<T>::is_acceptable_report(origin, *slot, *energy_wh)
		})]
		pub fn report_share(
			origin: OriginFor<T>,
			slot: Slot,
			energy_wh: EnergyWh,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_share(who, slot, energy_wh)
		}

		/// Reports a ledger's shares of one slot at once, each signed by its
		/// pseudonym ([`share_message`]), in ascending order of pseudonym.
		/// Coordinator of the ledger's group only. A share that `report_share`
		/// would refuse, or whose signature is wrong, is skipped with its own
		/// `RelayedShareSkipped`; the others are reported and netted up the
		/// tree once for the batch. The fee is refunded when no share was
		/// skipped.
		#[pallet::call_index(24)]
		#[pallet::weight(<T as Config>::WeightInfo::relay_shares(shares.len() as u32))]
		pub fn relay_shares(
			origin: OriginFor<T>,
			ledger: NodeId,
			slot: Slot,
			shares: RelayedSharesOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_relay_shares(who, ledger, slot, shares)
		}

		/// Confirms reports of a ledger's slot against the meters (the paper's
		/// `verifyTransaction`). Coordinator of the ledger's group only.
		#[pallet::call_index(16)]
		#[pallet::weight(<T as Config>::WeightInfo::verify_reports(pseudonyms.len() as u32))]
		pub fn verify_reports(
			origin: OriginFor<T>,
			ledger: NodeId,
			slot: Slot,
			pseudonyms: BoundedVec<T::AccountId, T::MaxPseudonymBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_verify_reports(who, ledger, slot, pseudonyms)
		}

		/// Flags a report that does not match the meter: its share leaves the
		/// nets, it is not settled, and it counts against the pseudonym.
		/// Coordinator of the pseudonym's group only, before the day closes.
		#[pallet::call_index(17)]
		pub fn flag_report(
			origin: OriginFor<T>,
			pseudonym: AccountIdLookupOf<T>,
			slot: Slot,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_flag_report(who, T::Lookup::lookup(pseudonym)?, slot)
		}

		/// Liquidates the next page of a closed day (the paper's
		/// `calculateDebts` and the payments of `payElectricity`): sent by an
		/// offchain worker as a general transaction without a signer, which
		/// the runtime's `AuthorizeCall` extension admits when a registered
		/// liquidator key signed the page (`authorize_liquidation`, checked
		/// in the pool and again when the block applies it).
		#[pallet::call_index(18)]
		#[pallet::authorize(Pallet::<T>::authorize_liquidation)]
		pub fn liquidate(
			origin: OriginFor<T>,
			day: Day,
			page: u32,
			_signature: LiquidatorSignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			Self::do_liquidate(day, page)
		}

		/// Pays (part of) `debtor`'s debt into the market's pot (the paper's
		/// `payElectricity`). Anyone may pay.
		#[pallet::call_index(19)]
		pub fn pay_debt(
			origin: OriginFor<T>,
			debtor: AccountIdLookupOf<T>,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pay_debt(who, T::Lookup::lookup(debtor)?, amount)
		}

		/// Pays the sender's credit from the pot, as far as the pot holds funds.
		#[pallet::call_index(20)]
		pub fn claim_credit(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_credit(who)
		}

		/// Allows a key to sign liquidation pages. Authority only.
		#[pallet::call_index(21)]
		pub fn add_liquidator(origin: OriginFor<T>, liquidator: T::LiquidatorId) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_add_liquidator(liquidator)
		}

		/// Removes a liquidator key. Authority only.
		#[pallet::call_index(22)]
		pub fn remove_liquidator(
			origin: OriginFor<T>,
			liquidator: T::LiquidatorId,
		) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_remove_liquidator(liquidator)
		}

		/// Sets how many days pseudonyms registered from now on may report in
		/// (one by default: a fresh, unlinkable set every day). Pseudonyms
		/// already registered keep their days. Authority only.
		#[pallet::call_index(23)]
		pub fn set_rotation_period(origin: OriginFor<T>, days: u32) -> DispatchResult {
			T::MarketAuthority::ensure_origin(origin)?;
			Self::do_set_rotation_period(days)
		}
	}
}
