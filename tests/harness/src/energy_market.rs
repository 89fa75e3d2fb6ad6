//! The energy-market pallet as a client sees it: its events, the runtime
//! API's day prices, nets, debts and credits, balances, and transactions sent in batches that are done once
//! they are in a best block (a 96-second day leaves no time to wait for
//! finality after every call).

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use subxt::{
	client::OnlineClientAtBlockImpl,
	config::PolkadotExtrinsicParamsBuilder,
	dynamic::{self, Value},
	error::EventsError,
	events::Event,
	ext::scale_decode::{self, DecodeAsFields, DecodeAsType},
	extrinsics::ExtrinsicEvents,
	transactions::{Payload, TransactionProgress, TransactionStatus},
	utils::AccountId32,
};
use subxt_signer::sr25519::Keypair;

pub use crate::chain::AtBlock;
use crate::chain::{self, time_at, Client, GridVeilConfig, Rpc};
pub use gridveil_offchain::chain::{DayPhase, DayPrices};

/// Slots in a trading day.
pub const SLOTS_PER_DAY: u32 = 96;

/// The main-grid root of the trading tree.
pub const ROOT: u32 = 0;

/// A transaction on its way into a block.
pub type Progress = TransactionProgress<GridVeilConfig, OnlineClientAtBlockImpl<GridVeilConfig>>;

/// The events one extrinsic emitted.
pub type Emitted = ExtrinsicEvents<GridVeilConfig>;

/// The market's pot: `PalletId(*b"gv/markt")` as an account (`modl` ++ id,
/// zero-padded to 32 bytes, as `into_account_truncating` derives it).
pub fn pot_account() -> AccountId32 {
	let mut bytes = [0u8; 32];
	bytes[..4].copy_from_slice(b"modl");
	bytes[4..12].copy_from_slice(b"gv/markt");
	AccountId32(bytes)
}

/// A `MultiAddress::Id` as a call field of a dynamic (sudo) call.
pub fn address_value(account: AccountId32) -> Value {
	Value::unnamed_variant("Id", [Value::from_bytes(account.0)])
}

/// `EnergyMarket::register_pseudonyms(ledger, day, pseudonyms)`: pseudonyms
/// that report from `day` on (one day by default), the batch sorted (so its
/// order links nobody to anybody).
pub fn register_pseudonyms_call(
	ledger: u32,
	day: u32,
	pseudonyms: &[AccountId32],
) -> subxt::transactions::DynamicPayload<Vec<Value>> {
	let mut sorted = pseudonyms.to_vec();
	sorted.sort();
	dynamic::transaction(
		"EnergyMarket",
		"register_pseudonyms",
		vec![
			Value::u128(ledger.into()),
			Value::u128(day.into()),
			Value::unnamed_composite(sorted.iter().map(|pseudonym| Value::from_bytes(pseudonym.0))),
		],
	)
}

/// The fields of `EnergyMarket::set_main_grid_account` (for `chain::sudo`).
pub fn main_grid_fields(account: AccountId32) -> Vec<(&'static str, Value)> {
	vec![("account", address_value(account))]
}

/// The fields of `EnergyMarket::add_group` under the root: `coordinator`
/// with `ledgers` ledgers (for `chain::sudo`).
pub fn add_group_fields(coordinator: AccountId32, ledgers: u32) -> Vec<(&'static str, Value)> {
	vec![
		("parent", Value::u128(ROOT.into())),
		("coordinator", address_value(coordinator)),
		("ledgers", Value::u128(ledgers.into())),
	]
}

/// The fields of `EnergyMarket::open_day` expecting `expected_wh` in every slot.
pub fn open_day_fields(day: u32, expected_wh: u64) -> Vec<(&'static str, Value)> {
	vec![
		("day", Value::u128(day.into())),
		(
			"expected_consumption",
			Value::unnamed_composite((0..SLOTS_PER_DAY).map(|_| Value::u128(expected_wh.into()))),
		),
	]
}

// ---------------------------------------------------------------------------
// Types as the chain encodes them.
// ---------------------------------------------------------------------------

/// What a node of the trading tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum NodeKind {
	/// The main grid.
	Root,
	/// An intermediate node.
	Intermediate,
	/// A group ledger.
	Ledger {
		/// Its group.
		group: u32,
	},
}

/// The part of `System::Account` the tests look at.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct AccountInfo {
	/// Transactions sent.
	pub nonce: u32,
	/// Provider references (a registered pseudonym holds one).
	pub providers: u32,
	/// Balances.
	pub data: AccountData,
}

/// The part of `pallet_balances::AccountData` the tests look at.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct AccountData {
	/// Free balance.
	pub free: u128,
	/// Reserved balance (holds).
	pub reserved: u128,
}

// ---------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------

/// `EnergyMarket::MainGridAccountSet`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct MainGridAccountSet {
	/// The main grid's account.
	pub account: AccountId32,
}

/// `EnergyMarket::ProducerRegistered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProducerRegistered {
	/// The producer.
	pub producer: AccountId32,
}

/// `EnergyMarket::LiquidatorAdded`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct LiquidatorAdded {
	/// The sr25519 public key.
	pub liquidator: [u8; 32],
}

/// `EnergyMarket::NodeAdded`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct NodeAdded {
	/// The new node.
	pub node: u32,
	/// Its parent.
	pub parent: u32,
	/// What it is.
	pub kind: NodeKind,
}

/// `EnergyMarket::GroupAdded`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct GroupAdded {
	/// The group.
	pub group: u32,
	/// The node its ledgers hang under.
	pub parent: u32,
	/// Its coordinator.
	pub coordinator: AccountId32,
}

/// `EnergyMarket::OperatorAdded`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct OperatorAdded {
	/// The group.
	pub group: u32,
	/// The operator.
	pub operator: AccountId32,
}

/// `EnergyMarket::PseudonymsRegistered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct PseudonymsRegistered {
	/// The ledger.
	pub ledger: u32,
	/// The first day they may report in.
	pub first_day: u32,
	/// The last day they may report in.
	pub last_day: u32,
	/// How many.
	pub count: u32,
}

/// `EnergyMarket::DayOpened`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DayOpened {
	/// The day.
	pub day: u32,
}

/// `EnergyMarket::OfferAdded`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct OfferAdded {
	/// The day.
	pub day: u32,
	/// The slot of the day.
	pub slot: u32,
	/// The producer.
	pub producer: AccountId32,
	/// Energy offered, Wh.
	pub capacity_wh: u64,
	/// Price per kWh.
	pub price_per_kwh: u128,
}

/// `EnergyMarket::FallbackPriceUsed`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct FallbackPriceUsed {
	/// The day.
	pub day: u32,
	/// The slot of the day.
	pub slot: u32,
	/// Expected consumption left uncovered, Wh.
	pub shortfall_wh: u64,
}

/// `EnergyMarket::AuctionClosed`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct AuctionClosed {
	/// The day.
	pub day: u32,
}

/// `EnergyMarket::SharesRelayed`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct SharesRelayed {
	/// The ledger.
	pub ledger: u32,
	/// The slot.
	pub slot: u32,
	/// Shares reported.
	pub accepted: u32,
	/// Shares skipped.
	pub skipped: u32,
}

/// `EnergyMarket::ShareReported`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ShareReported {
	/// The pseudonym.
	pub pseudonym: AccountId32,
	/// The slot (counted from the epoch).
	pub slot: u32,
	/// The share, Wh: positive consumed, negative produced.
	pub energy_wh: i64,
}

/// `EnergyMarket::ReportsVerified`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ReportsVerified {
	/// The ledger.
	pub ledger: u32,
	/// The slot (counted from the epoch).
	pub slot: u32,
	/// How many reports.
	pub count: u32,
}

/// `EnergyMarket::ReportFlagged`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ReportFlagged {
	/// The pseudonym.
	pub pseudonym: AccountId32,
	/// The slot (counted from the epoch).
	pub slot: u32,
}

/// `EnergyMarket::NodeSettled`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct NodeSettled {
	/// The day.
	pub day: u32,
	/// The node.
	pub node: u32,
	/// Its net energy over the day, Wh.
	pub energy_wh: i64,
	/// What it owes its parent (negative: what the parent owes it).
	pub value: i128,
}

/// `EnergyMarket::PageLiquidated`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct PageLiquidated {
	/// The day.
	pub day: u32,
	/// The page.
	pub page: u32,
}

/// `EnergyMarket::DayLiquidated`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DayLiquidated {
	/// The day.
	pub day: u32,
}

/// Decodes the fields of every `pallet::name` event among `events`.
fn decode_matching<'a, E: DecodeAsFields>(
	events: impl Iterator<Item = Result<Event<'a, GridVeilConfig>, EventsError>>,
	pallet: &str,
	name: &str,
) -> Result<Vec<E>> {
	let mut found = Vec::new();
	for event in events {
		let event = event?;
		if event.pallet_name() == pallet && event.event_name() == name {
			found.push(
				event
					.decode_fields_unchecked_as::<E>()
					.with_context(|| format!("decoding {pallet}::{name}"))?,
			);
		}
	}
	Ok(found)
}

/// `Pallet::Event(fields), …` for error messages.
fn describe<'a>(
	events: impl Iterator<Item = Result<Event<'a, GridVeilConfig>, EventsError>>,
) -> String {
	events
		.map(|event| match event {
			Ok(event) => {
				let fields = event
					.decode_fields_unchecked_as::<Value>()
					.map(|fields| fields.to_string())
					.unwrap_or_default();
				format!("{}::{}{fields}", event.pallet_name(), event.event_name())
			},
			Err(error) => format!("<undecodable event: {error}>"),
		})
		.collect::<Vec<_>>()
		.join(", ")
}

/// Every `pallet::name` event an extrinsic emitted.
pub fn events_of<E: DecodeAsFields>(emitted: &Emitted, pallet: &str, name: &str) -> Result<Vec<E>> {
	decode_matching(emitted.iter(), pallet, name)
}

/// The first `pallet::name` event an extrinsic emitted; fails (listing what
/// it did emit, e.g. a `Sudo::Sudid` with an error) if there is none.
pub fn event_of<E: DecodeAsFields>(emitted: &Emitted, pallet: &str, name: &str) -> Result<E> {
	events_of::<E>(emitted, pallet, name)?.into_iter().next().ok_or_else(|| {
		anyhow!("no {pallet}::{name} among the extrinsic's events: {}", describe(emitted.iter()))
	})
}

/// Every `pallet::name` event of a block (also those of unsigned
/// transactions, like the offchain worker's liquidation pages).
pub async fn block_events<E: DecodeAsFields>(
	block: &AtBlock,
	pallet: &str,
	name: &str,
) -> Result<Vec<E>> {
	let events = block.events().fetch().await?;
	decode_matching(events.iter(), pallet, name)
}

// ---------------------------------------------------------------------------
// Transactions.
// ---------------------------------------------------------------------------

/// Signs `payloads` with consecutive nonces, starting at the node's
/// `system_accountNextIndex` (which counts transactions still in the pool,
/// unlike subxt's own nonce at the finalized block), and submits them all
/// without waiting: the pool includes them in nonce order.
pub async fn submit_all<P: Payload>(
	client: &Client,
	rpc: &Rpc,
	signer: &Keypair,
	payloads: &[P],
) -> Result<Vec<Progress>> {
	let account = signer.public_key().to_account_id();
	let first = rpc
		.system_account_next_index(&account)
		.await
		.with_context(|| format!("system_accountNextIndex of {account}"))?;
	let block = client.at_current_block().await?;
	let mut transactions = block.transactions();
	let mut pending = Vec::with_capacity(payloads.len());
	for (offset, payload) in payloads.iter().enumerate() {
		let nonce = first + offset as u64;
		let params = PolkadotExtrinsicParamsBuilder::<GridVeilConfig>::new().nonce(nonce).build();
		let progress = transactions
			.sign_and_submit_then_watch(payload, signer, params)
			.await
			.with_context(|| {
				format!(
					"submitting {}::{} from {account} with nonce {nonce}",
					payload.pallet_name(),
					payload.call_name()
				)
			})?;
		pending.push(progress);
	}
	Ok(pending)
}

/// Waits until a submitted transaction is in a best block and succeeded
/// there; returns its events.
pub async fn in_block(mut progress: Progress) -> Result<Emitted> {
	let hash = progress.extrinsic_hash();
	while let Some(status) = progress.next().await {
		match status.with_context(|| format!("following extrinsic {hash:?}"))? {
			TransactionStatus::InBestBlock(block) | TransactionStatus::InFinalizedBlock(block) => {
				let block_hash = block.block_hash();
				return block
					.wait_for_success()
					.await
					.with_context(|| format!("extrinsic {hash:?} failed in block {block_hash:?}"));
			},
			TransactionStatus::Error { message }
			| TransactionStatus::Invalid { message }
			| TransactionStatus::Dropped { message } => {
				bail!("extrinsic {hash:?} did not make it into a block: {message}")
			},
			TransactionStatus::Validated
			| TransactionStatus::Broadcasted
			| TransactionStatus::NoLongerInBestBlock => {},
		}
	}
	bail!("the node stopped reporting on extrinsic {hash:?} before it was in a block")
}

/// Waits for each of `pending`, in order, to be in a best block.
pub async fn all_in_block(pending: Vec<Progress>) -> Result<Vec<Emitted>> {
	let mut emitted = Vec::with_capacity(pending.len());
	for progress in pending {
		emitted.push(in_block(progress).await?);
	}
	Ok(emitted)
}

/// [`submit_all`], then [`all_in_block`].
pub async fn submit_in_block<P: Payload>(
	client: &Client,
	rpc: &Rpc,
	signer: &Keypair,
	payloads: &[P],
) -> Result<Vec<Emitted>> {
	all_in_block(submit_all(client, rpc, signer, payloads).await?).await
}

// ---------------------------------------------------------------------------
// State.
// ---------------------------------------------------------------------------

/// The node's best block (subxt's `at_current_block` is the last finalized
/// one, which lags a block or two: too late for a report window of two blocks).
pub async fn best_block(client: &Client, rpc: &Rpc) -> Result<AtBlock> {
	let header =
		rpc.chain_get_header(None).await?.ok_or_else(|| anyhow!("the node has no best block"))?;
	client
		.at_block(header.number)
		.await
		.with_context(|| format!("opening best block #{}", header.number))
}

/// Waits until the best block is in slot `slot` or later; returns its slot.
pub async fn wait_for_best_slot(
	client: &Client,
	rpc: &Rpc,
	slot: u32,
	slot_length_ms: u64,
	timeout: Duration,
) -> Result<u32> {
	chain::poll(timeout, async || {
		let now = time_at(&best_block(client, rpc).await?).await?;
		let current = u32::try_from(now / slot_length_ms)?;
		Ok(if current >= slot {
			Ok(current)
		} else {
			Err(format!("the best block is in slot {current}, expected slot {slot}"))
		})
	})
	.await
}

/// An account's nonce, providers and free balance at `block`.
pub async fn account_info(block: &AtBlock, who: AccountId32) -> Result<AccountInfo> {
	let address = dynamic::storage::<(AccountId32,), AccountInfo>("System", "Account");
	let value = block.storage().fetch(address, (who,)).await?;
	value.decode().map_err(|error| anyhow!("System::Account of {who}: {error}"))
}

/// An account's free balance at `block`.
pub async fn free_balance(block: &AtBlock, who: AccountId32) -> Result<u128> {
	Ok(account_info(block, who).await?.data.free)
}

/// `EnergyMarketApi::day_prices(day)` at `block`.
pub async fn day_prices(block: &AtBlock, day: u32) -> Result<Option<DayPrices>> {
	let call =
		dynamic::runtime_api_call::<_, Option<DayPrices>>("EnergyMarketApi", "day_prices", (day,));
	Ok(block.runtime_apis().call(call).await?)
}

/// `EnergyMarketApi::node_nets(node, day)` at `block`: Wh in each slot.
pub async fn node_nets(block: &AtBlock, node: u32, day: u32) -> Result<Option<Vec<i64>>> {
	let call = dynamic::runtime_api_call::<_, Option<Vec<i64>>>(
		"EnergyMarketApi",
		"node_nets",
		(node, day),
	);
	Ok(block.runtime_apis().call(call).await?)
}

/// `EnergyMarketApi::debt_of(account)` at `block`.
pub async fn debt_of(block: &AtBlock, who: AccountId32) -> Result<u128> {
	let call = dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "debt_of", (who,));
	Ok(block.runtime_apis().call(call).await?)
}

/// `EnergyMarketApi::credit_of(account)` at `block`.
pub async fn credit_of(block: &AtBlock, who: AccountId32) -> Result<u128> {
	let call = dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "credit_of", (who,));
	Ok(block.runtime_apis().call(call).await?)
}

/// Waits until the last finalized block shows `day` in `phase`; returns that block.
pub async fn wait_for_phase(
	client: &Client,
	day: u32,
	phase: DayPhase,
	timeout: Duration,
) -> Result<AtBlock> {
	chain::poll(timeout, async || {
		let block = client.at_current_block().await?;
		let prices =
			day_prices(&block, day).await?.ok_or_else(|| anyhow!("day {day} was never opened"))?;
		Ok(if prices.phase == phase {
			Ok(block)
		} else {
			Err(format!(
				"day {day} is {:?} at finalized block #{}, expected {phase:?}",
				prices.phase,
				block.block_number()
			))
		})
	})
	.await
}
