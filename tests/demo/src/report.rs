//! What the demo shows: a live line while the day runs (counted from the
//! finalized blocks' events) and a summary at the end, with the energy and
//! money conservation checks.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use anyhow::{Context, Result};
use subxt::utils::AccountId32;

use super::{
	actors::{account, Actors},
	setup::{Deployment, UNIT},
};
use gridveil_harness::{
	chain::{self, AtBlock, Client, Rpc, TransactionFeePaid},
	demand_response::DeviationRegistered,
	energy_market::{
		account_info, day_prices, node_nets, pot_account, DayLiquidated, NodeSettled,
		PseudonymsRegistered, ReportFlagged, ReportsVerified, ShareReported, SharesRelayed, ROOT,
		SLOTS_PER_DAY,
	},
	network::Clock,
};

/// What the finalized blocks have shown so far.
#[derive(Debug, Default)]
pub struct Tally {
	/// The last block counted.
	pub finalized: u64,
	/// `ShareReported` events.
	pub shares: u64,
	/// `ShareReported` events by pseudonym: a day pseudonym's account is
	/// removed once its day has closed, so its nonce no longer counts them.
	pub shares_by: BTreeMap<AccountId32, u32>,
	/// Shares the coordinators relayed in batches (`SharesRelayed`).
	pub relayed: u64,
	/// Relayed shares the chain skipped.
	pub relay_skipped: u64,
	/// Pseudonyms registered (`PseudonymsRegistered`), by their first day.
	pub registered: BTreeMap<u32, u64>,
	/// Reports the coordinators verified (`ReportsVerified`).
	pub verified: u64,
	/// Reports the coordinators flagged (`ReportFlagged`): pseudonym and slot.
	pub flagged: Vec<(AccountId32, u32)>,
	/// Valid hourly proofs (`DeviationRegistered`), by program.
	pub proofs: BTreeMap<u64, Vec<DeviationRegistered>>,
	/// `ProgramForfeited` events.
	pub forfeited: u64,
	/// `NodeSettled` events of the demo's day.
	pub settlements: Vec<NodeSettled>,
	/// Liquidation pages.
	pub pages: u64,
	/// The block of the first page, once seen.
	pub first_page_block: Option<u64>,
	/// The block of the demo's (first) day's `DayLiquidated`, once seen.
	pub liquidated_block: Option<u64>,
	/// The block of each day's `DayLiquidated`.
	pub liquidated: BTreeMap<u32, u64>,
	/// Transaction fees (`TransactionFeePaid`): block, payer and fee. The
	/// coordinators pay fees for verifying, flagging and registering while
	/// the day is liquidated; those leave the market's accounts.
	pub fees: Vec<(u64, AccountId32, u128)>,
}

impl Tally {
	/// Counts the events of finalized blocks after the last one counted.
	pub async fn follow(&mut self, client: &Client, rpc: &Rpc, day: u32) -> Result<()> {
		let finalized = chain::finalized_number(rpc).await?;
		while self.finalized < finalized {
			let number = self.finalized + 1;
			let block = client.at_block(number).await?;
			for event in block.events().fetch().await?.iter() {
				let event = event?;
				match (event.pallet_name(), event.event_name()) {
					("EnergyMarket", "ShareReported") => {
						let reported: ShareReported = event.decode_fields_unchecked_as()?;
						*self.shares_by.entry(reported.pseudonym).or_default() += 1;
						self.shares += 1;
					},
					("EnergyMarket", "SharesRelayed") => {
						let relayed: SharesRelayed = event.decode_fields_unchecked_as()?;
						self.relayed += u64::from(relayed.accepted);
						self.relay_skipped += u64::from(relayed.skipped);
					},
					("EnergyMarket", "PseudonymsRegistered") => {
						let registered: PseudonymsRegistered =
							event.decode_fields_unchecked_as()?;
						*self.registered.entry(registered.first_day).or_default() +=
							u64::from(registered.count);
					},
					("EnergyMarket", "ReportsVerified") => {
						let verified: ReportsVerified = event.decode_fields_unchecked_as()?;
						self.verified += u64::from(verified.count);
					},
					("EnergyMarket", "ReportFlagged") => {
						let flagged: ReportFlagged = event.decode_fields_unchecked_as()?;
						self.flagged.push((flagged.pseudonym, flagged.slot));
					},
					("EnergyMarket", "NodeSettled") => {
						let settled: NodeSettled = event.decode_fields_unchecked_as()?;
						if settled.day == day {
							self.settlements.push(settled);
						}
					},
					("EnergyMarket", "PageLiquidated") => {
						self.pages += 1;
						self.first_page_block.get_or_insert(number);
					},
					("EnergyMarket", "DayLiquidated") => {
						let liquidated: DayLiquidated = event.decode_fields_unchecked_as()?;
						self.liquidated.insert(liquidated.day, number);
						if liquidated.day == day {
							self.liquidated_block = Some(number);
						}
					},
					("DemandResponse", "DeviationRegistered") => {
						let registered: DeviationRegistered = event.decode_fields_unchecked_as()?;
						self.proofs.entry(registered.program_id).or_default().push(registered);
					},
					("DemandResponse", "ProgramForfeited") => self.forfeited += 1,
					("TransactionPayment", "TransactionFeePaid") => {
						let paid: TransactionFeePaid = event.decode_fields_unchecked_as()?;
						self.fees.push((number, paid.who, paid.actual_fee));
					},
					_ => {},
				}
			}
			self.finalized = number;
		}
		Ok(())
	}

	/// Valid proofs so far.
	pub fn proof_count(&self) -> usize {
		self.proofs.values().map(Vec::len).sum()
	}

	/// Reports the coordinators have not verified or flagged yet.
	pub fn unchecked(&self) -> u64 {
		self.shares.saturating_sub(self.verified + self.flagged.len() as u64)
	}
}

/// The live line: where the day of `clock` is and what the chain has finalized.
pub fn live_line(tally: &Tally, clock: &Clock, now: u64, boxes_up: usize, boxes: usize) -> String {
	let elapsed = now.saturating_sub(clock.day_start());
	let phase = if now < clock.day_start() {
		format!("day starts in {:>3} s", (clock.day_start() - now).div_ceil(1_000))
	} else if now < clock.day_end() {
		format!(
			"slot {:>2}/96 · hour {:>2}/24",
			elapsed / clock.slot_length_ms + 1,
			elapsed / clock.hour_length_ms() + 1
		)
	} else if !tally.liquidated.contains_key(&clock.day) {
		format!("day over, liquidating ({} pages)", tally.pages)
	} else if tally.unchecked() > 0 {
		format!("day liquidated, coordinators checking {} reports", tally.unchecked())
	} else {
		"day liquidated".into()
	};
	format!(
		"{phase} · shares {} (verified {}, flagged {}) · proofs {} · finalized #{} · boxes \
		 {boxes_up}/{boxes} up",
		tally.shares,
		tally.verified,
		tally.flagged.len(),
		tally.proof_count(),
		tally.finalized,
	)
}

/// VEIL with two decimals.
pub fn veil(amount: i128) -> String {
	let cents = amount / (UNIT as i128 / 100);
	format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

/// The end of the day, checked.
#[derive(Debug)]
pub struct Summary {
	/// The report, as printed.
	pub text: String,
	/// Slots whose root net equals the households' net readings.
	pub energy_conserved_slots: u32,
	/// Whether the liquidation moved money only among the market's accounts
	/// (their sum unchanged from before the first page to after the last,
	/// but for the transaction fees they paid meanwhile).
	pub money_conserved: bool,
	/// Valid proofs on chain.
	pub proofs: usize,
	/// Shares reported.
	pub shares: u64,
	/// Of them, shares the coordinators relayed in batches.
	pub relayed: u64,
	/// Reports the coordinators verified.
	pub verified: u64,
	/// Reports the coordinators flagged.
	pub flagged: usize,
}

/// The sum of free + reserved balances of `accounts` at `block`.
async fn money_of(block: &AtBlock, accounts: &[AccountId32]) -> Result<u128> {
	let mut total = 0;
	for who in accounts {
		let info = account_info(block, who.clone()).await?;
		total += info.data.free + info.data.reserved;
	}
	Ok(total)
}

/// Builds the summary from the chain; `net_readings[slot]` is Σ over the
/// households of import − export in each slot of the day, Wh.
pub async fn summary(
	client: &Client,
	tally: &Tally,
	actors: &Actors,
	deployment: &Deployment,
	clock: &Clock,
	net_readings: &[i64],
) -> Result<Summary> {
	let mut text = String::new();
	let block = client.at_current_block().await?;

	// Demand response.
	writeln!(text, "Demand response ({} programs, 24 hours each):", deployment.programs.len())?;
	for program in &deployment.programs {
		let proofs = tally.proofs.get(&program.program_id).map(Vec::as_slice).unwrap_or_default();
		let deviation: u64 = proofs.iter().map(|proof| proof.deviation).sum();
		let penalty: u128 = proofs.iter().map(|proof| proof.penalty).sum();
		writeln!(
			text,
			"  program {:>2} ({}): {:>2} proofs verified, deviation {:>6} Wh, penalties {} VEIL",
			program.program_id,
			actors.prosumers[program.prosumer].column(),
			proofs.len(),
			deviation,
			veil(penalty as i128),
		)?;
	}
	writeln!(
		text,
		"  {} proofs verified in all, {} programs forfeited",
		tally.proof_count(),
		tally.forfeited
	)?;

	// Trading.
	let prices = day_prices(&block, clock.day).await?.context("the day is unknown")?;
	let per_kwh: Vec<u128> = prices.prices_per_kwh.clone();
	let (low, high) = (
		per_kwh.iter().min().copied().unwrap_or_default(),
		per_kwh.iter().max().copied().unwrap_or_default(),
	);
	let mean = per_kwh.iter().sum::<u128>() / per_kwh.len().max(1) as u128;
	writeln!(
		text,
		"Trading (day {}, {} households, 96 slots of {:.3} s):",
		clock.day,
		actors.prosumers.len(),
		clock.slot_length_ms as f64 / 1_000.0
	)?;
	writeln!(
		text,
		"  slot prices per kWh: min {} · mean {} · max {} VEIL",
		veil(low as i128),
		veil(mean as i128),
		veil(high as i128)
	)?;
	writeln!(
		text,
		"  {} shares reported, {} of them in the coordinators' batches ({} skipped) (phase {:?})",
		tally.shares, tally.relayed, tally.relay_skipped, prices.phase
	)?;
	writeln!(
		text,
		"  coordinators ({}): {} day pseudonyms registered for the day, {} reports checked \
		 against the meters and verified, {} flagged",
		actors.coordinators.len(),
		tally.registered.get(&clock.day).copied().unwrap_or_default(),
		tally.verified,
		tally.flagged.len()
	)?;
	let root = node_nets(&block, ROOT, clock.day).await?.unwrap_or_default();
	let conserved = (0..SLOTS_PER_DAY as usize)
		.filter(|slot| root.get(*slot) == net_readings.get(*slot))
		.count() as u32;
	let imported: i64 = root.iter().filter(|net| **net > 0).sum();
	let exported: i64 = -root.iter().filter(|net| **net < 0).sum::<i64>();
	writeln!(
		text,
		"  energy: the root's net equals the households' readings in {conserved}/96 slots \
		 ({imported} Wh drawn from the main grid, {exported} Wh fed back)"
	)?;

	// Liquidation.
	let mut by_level: BTreeMap<&str, (usize, i128)> = BTreeMap::new();
	let ledgers: Vec<u32> =
		deployment.groups.iter().flat_map(|group| group.ledgers.iter().copied()).collect();
	for settled in &tally.settlements {
		let level = if settled.node == ROOT {
			"root → producers and main grid"
		} else if deployment.intermediates.contains(&settled.node) {
			"intermediates → root"
		} else if ledgers.contains(&settled.node) {
			"ledgers → intermediates"
		} else {
			"other nodes"
		};
		let entry = by_level.entry(level).or_default();
		entry.0 += 1;
		entry.1 += settled.value;
	}
	writeln!(text, "Liquidation ({} pages):", tally.pages)?;
	for (level, (nodes, value)) in &by_level {
		writeln!(text, "  {level}: {nodes} nodes, net {} VEIL owed upwards", veil(*value))?;
	}
	let mut market_accounts: Vec<AccountId32> = actors.coordinators.iter().map(account).collect();
	market_accounts.extend(actors.producers.iter().map(account));
	market_accounts.push(account(&actors.main_grid));
	market_accounts.push(pot_account());
	let money_conserved = match (tally.first_page_block, tally.liquidated_block) {
		(Some(first), Some(last)) => {
			let before = money_of(&client.at_block(first - 1).await?, &market_accounts).await?;
			let after = money_of(&client.at_block(last).await?, &market_accounts).await?;
			let fees: u128 = tally
				.fees
				.iter()
				.filter(|(block, who, _)| {
					(first..=last).contains(block) && market_accounts.contains(who)
				})
				.map(|(_, _, fee)| fee)
				.sum();
			writeln!(
				text,
				"  money: the market's accounts held {} VEIL before the first page and {} after; \
				 they paid {:.6} VEIL of transaction fees meanwhile",
				veil(before as i128),
				veil(after as i128),
				fees as f64 / UNIT as f64
			)?;
			before == after + fees
		},
		_ => {
			writeln!(text, "  the day was not liquidated")?;
			false
		},
	};
	Ok(Summary {
		text,
		energy_conserved_slots: conserved,
		money_conserved,
		proofs: tally.proof_count(),
		shares: tally.shares,
		relayed: tally.relayed,
		verified: tally.verified,
		flagged: tally.flagged.len(),
	})
}

/// How long to wait for the offchain workers after the day.
pub const LIQUIDATION_TIMEOUT: Duration = Duration::from_secs(240);
