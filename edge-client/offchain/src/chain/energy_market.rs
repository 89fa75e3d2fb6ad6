//! The `EnergyMarket` pallet as a client reads it: a day's phase and prices,
//! a pseudonym's reports, an account's debt and credit (runtime API), the
//! market's clock, a group's ledgers, pseudonyms' registrations and single
//! reports (storage, for the coordinator), and the market's bounds (pallet
//! constants in the metadata).
use subxt::{
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
	utils::AccountId32,
};

use super::client::{AtBlock, CallEncoder, Chain, ChainError};

/// Slots in a trading day. The pallet fixes it in its types (each day's
/// arrays hold one value per slot, see `pallet_energy_market::SLOTS_PER_DAY`),
/// so the metadata has no constant for it; [`DayPrices::prices_per_kwh`]
/// holds this many prices.
pub const SLOTS_PER_DAY: u64 = 96;

/// A trading day's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum DayPhase {
	/// Producers bid.
	Bidding,
	/// Shares are reported.
	Trading,
	/// Being liquidated.
	Liquidating {
		/// Next page.
		next_page: u32,
		/// Pages.
		pages: u32,
		/// Nodes.
		nodes: u32,
	},
	/// Done.
	Liquidated,
}

/// `EnergyMarketApi::day_prices`.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DayPrices {
	/// Phase.
	pub phase: DayPhase,
	/// Price per kWh of each slot.
	pub prices_per_kwh: Vec<u128>,
	/// Slot length, ms.
	pub slot_length_ms: u64,
}

/// A report's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum ReportStatus {
	/// Not checked.
	Unverified,
	/// Confirmed.
	Verified,
	/// Excluded.
	Flagged,
}

/// One share report.
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Report {
	/// Wh.
	pub energy_wh: i64,
	/// Status.
	pub status: ReportStatus,
}

/// `EnergyMarket::Clock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct MarketClock {
	/// Slot length, ms.
	pub slot_length_ms: u64,
	/// Slots after a slot in which its shares may still be reported.
	pub report_grace_slots: u32,
}

impl MarketClock {
	/// Length of a trading day, ms.
	pub fn day_length_ms(&self) -> u64 {
		self.slot_length_ms.saturating_mul(SLOTS_PER_DAY)
	}

	/// How long after its slot a share is still taken, ms.
	pub fn report_window_ms(&self) -> u64 {
		self.slot_length_ms.saturating_mul(u64::from(self.report_grace_slots))
	}
}

/// The parts of `EnergyMarket::Groups` a coordinator needs.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct GroupView {
	/// The coordinator.
	pub coordinator: AccountId32,
	/// The ledgers' node ids, in the group's order.
	pub ledgers: Vec<u32>,
}

/// `EnergyMarket::Pseudonyms`: a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct PseudonymRecord {
	/// Its ledger.
	pub ledger: u32,
	/// First day it may report in.
	pub first_day: u32,
	/// Last day it may report in.
	pub last_day: u32,
}

impl Chain {
	/// The market's clock.
	pub async fn market_clock(block: &AtBlock) -> Result<MarketClock, ChainError> {
		let address = dynamic::storage::<(), MarketClock>("EnergyMarket", "Clock");
		let value = block.storage().fetch(address, ()).await.map_err(ChainError::subxt)?;
		value.decode().map_err(ChainError::subxt)
	}

	/// A group's coordinator and ledgers; `None` if there is no such group.
	pub async fn group(block: &AtBlock, group: u32) -> Result<Option<GroupView>, ChainError> {
		let address = dynamic::storage::<(u32,), GroupView>("EnergyMarket", "Groups");
		let value =
			block.storage().try_fetch(address, (group,)).await.map_err(ChainError::subxt)?;
		value.map(|value| value.decode().map_err(ChainError::subxt)).transpose()
	}

	/// A pseudonym's registration, if it has one.
	pub async fn pseudonym(
		block: &AtBlock,
		pseudonym: &AccountId32,
	) -> Result<Option<PseudonymRecord>, ChainError> {
		let address =
			dynamic::storage::<(AccountId32,), PseudonymRecord>("EnergyMarket", "Pseudonyms");
		let value = block
			.storage()
			.try_fetch(address, (pseudonym.clone(),))
			.await
			.map_err(ChainError::subxt)?;
		value.map(|value| value.decode().map_err(ChainError::subxt)).transpose()
	}

	/// A pseudonym's report of one slot, if there is one.
	pub async fn report(
		block: &AtBlock,
		pseudonym: &AccountId32,
		slot: u32,
	) -> Result<Option<Report>, ChainError> {
		let (day, slot_of_day) = (slot / SLOTS_PER_DAY as u32, slot % SLOTS_PER_DAY as u32);
		let address =
			dynamic::storage::<(u32, AccountId32, u32), Report>("EnergyMarket", "Reports");
		let value = block
			.storage()
			.try_fetch(address, (day, pseudonym.clone(), slot_of_day))
			.await
			.map_err(ChainError::subxt)?;
		value.map(|value| value.decode().map_err(ChainError::subxt)).transpose()
	}

	/// `EnergyMarket::MaxPseudonymBatch`, from `block`'s metadata.
	pub fn max_pseudonym_batch(block: &AtBlock) -> Result<u32, ChainError> {
		let address = dynamic::constant::<u32>("EnergyMarket", "MaxPseudonymBatch");
		block.constants().entry(address).map_err(ChainError::subxt)
	}

	/// A trading day's phase and prices.
	pub async fn day_prices(block: &AtBlock, day: u32) -> Result<Option<DayPrices>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Option<DayPrices>>(
			"EnergyMarketApi",
			"day_prices",
			(day,),
		);
		block.runtime_apis().call(call).await.map_err(ChainError::subxt)
	}

	/// What a pseudonym reported on `day`.
	pub async fn reports_of(
		block: &AtBlock,
		pseudonym: &AccountId32,
		day: u32,
	) -> Result<Vec<(u32, Report)>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Vec<(u32, Report)>>(
			"EnergyMarketApi",
			"reports_of",
			(pseudonym.clone(), day),
		);
		block.runtime_apis().call(call).await.map_err(ChainError::subxt)
	}

	/// An account's debt and credit with the market.
	pub async fn debt_and_credit(
		block: &AtBlock,
		who: &AccountId32,
	) -> Result<(u128, u128), ChainError> {
		let debt =
			dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "debt_of", (who.clone(),));
		let credit =
			dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "credit_of", (who.clone(),));
		Ok((
			block.runtime_apis().call(debt).await.map_err(ChainError::subxt)?,
			block.runtime_apis().call(credit).await.map_err(ChainError::subxt)?,
		))
	}

	/// The largest share one pseudonym may report for one slot, Wh
	/// (`EnergyMarket::MaxShareWh`, from `block`'s metadata: no request).
	pub fn max_share_wh(block: &AtBlock) -> Result<u64, ChainError> {
		let address = dynamic::constant::<u64>("EnergyMarket", "MaxShareWh");
		block.constants().entry(address).map_err(ChainError::subxt)
	}
}

impl CallEncoder {
	/// The raw storage key of a pseudonym's report of one slot (what an
	/// outbox entry of that report waits for:
	/// [`crate::outbox::Entry::done_when_stored`]).
	pub fn report_key(&self, pseudonym: &AccountId32, slot: u32) -> Result<Vec<u8>, ChainError> {
		let (day, slot_of_day) = (slot / SLOTS_PER_DAY as u32, slot % SLOTS_PER_DAY as u32);
		self.storage_key("EnergyMarket", "Reports", (day, pseudonym.clone(), slot_of_day))
	}
}
