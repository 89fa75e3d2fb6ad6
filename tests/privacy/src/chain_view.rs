//! The on-chain adversary's view: what anyone can read from a node over
//! RPC (blocks, extrinsics, events, storage), and nothing else. Each share
//! report with its pseudonym, slot, value, block, position and nonce; each
//! pseudonym registration with its order; each transfer (funding); and every
//! extrinsic, event and storage entry as bytes, for the scan.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use subxt::{
	events::Phase,
	ext::scale_decode::{self, DecodeAsType},
	utils::AccountId32,
};

use super::community::SLOTS_PER_DAY;
use gridveil_harness::{
	chain::{Client, Rpc},
	demand_response::DeviationRegistered,
};

/// One `report_share` as the chain shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSeen {
	/// The reporting pseudonym.
	pub pseudonym: AccountId32,
	/// The absolute slot.
	pub slot: u32,
	/// The share, Wh.
	pub energy_wh: i64,
	/// The block.
	pub block: u64,
	/// The extrinsic's index in the block.
	pub position: u32,
	/// The pseudonym's nonce on this extrinsic.
	pub nonce: u64,
}

/// One `register_pseudonyms` as the chain shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationSeen {
	/// The ledger.
	pub ledger: u32,
	/// The first day the pseudonyms report in.
	pub day: u32,
	/// The pseudonyms, in the call's order.
	pub pseudonyms: Vec<AccountId32>,
	/// The block.
	pub block: u64,
	/// The extrinsic's index in the block.
	pub position: u32,
	/// Who signed it (a coordinator or operator).
	pub signer: AccountId32,
}

/// One balance transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferSeen {
	/// From.
	pub from: AccountId32,
	/// To.
	pub to: AccountId32,
	/// Amount.
	pub amount: u128,
	/// The block.
	pub block: u64,
}

/// Everything the adversary reads.
#[derive(Clone, Debug, Default)]
pub struct ChainView {
	/// Every successful share report.
	pub reports: Vec<ReportSeen>,
	/// Every pseudonym registration.
	pub registrations: Vec<RegistrationSeen>,
	/// Every transfer.
	pub transfers: Vec<TransferSeen>,
	/// Every program hour's public deviation: program, hour, Wh.
	pub deviations: Vec<(u64, u32, u64)>,
	/// The blocks read.
	pub blocks: u64,
	/// Each block's time (its `Timestamp.set`), ms.
	pub times: BTreeMap<u64, u64>,
	/// Every extrinsic and every event as published (SCALE bytes), for the
	/// scan for readings, requests and links.
	pub published: Vec<Published>,
}

/// One published item: an extrinsic, an event or a storage entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
	/// What it is and where: `block 12, extrinsic 3 (EnergyMarket.report_share)`.
	pub label: String,
	/// Its bytes (for a storage entry, the key and then the value).
	pub bytes: Vec<u8>,
}

impl ChainView {
	/// Each pseudonym's day as reported (96 slots from `first_slot`; a slot
	/// it did not report is 0).
	pub fn reported_days(&self, first_slot: u32) -> BTreeMap<AccountId32, Vec<f64>> {
		let mut days: BTreeMap<AccountId32, Vec<f64>> = BTreeMap::new();
		for report in &self.reports {
			let Some(slot) = report.slot.checked_sub(first_slot) else { continue };
			if slot >= SLOTS_PER_DAY as u32 {
				continue;
			}
			days.entry(report.pseudonym.clone()).or_insert_with(|| vec![0.0; SLOTS_PER_DAY])
				[slot as usize] += report.energy_wh as f64;
		}
		days
	}

	/// Each ledger's pseudonyms, as registered.
	pub fn ledgers(&self) -> BTreeMap<u32, Vec<AccountId32>> {
		let mut ledgers: BTreeMap<u32, Vec<AccountId32>> = BTreeMap::new();
		for registration in &self.registrations {
			ledgers.entry(registration.ledger).or_default().extend(registration.pseudonyms.clone());
		}
		ledgers
	}
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct ShareReported {
	pseudonym: AccountId32,
	slot: u32,
	energy_wh: i64,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct Transfer {
	from: AccountId32,
	to: AccountId32,
	amount: u128,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct SetTimestamp {
	now: u64,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct RegisterPseudonyms {
	ledger: u32,
	day: u32,
	pseudonyms: Vec<AccountId32>,
}

/// The signer of a signed extrinsic (a `MultiAddress::Id`).
fn signer(address: Option<&[u8]>) -> Option<AccountId32> {
	let bytes = address?;
	(bytes.len() == 33 && bytes[0] == 0).then(|| {
		let mut account = [0u8; 32];
		account.copy_from_slice(&bytes[1..]);
		AccountId32(account)
	})
}

/// Every storage entry at block `at` (`None`: the best block) but the
/// runtime's own code (`:code`, which holds no data), as published items,
/// read in pages of 1,000 keys.
pub async fn state(rpc: &Rpc, at: Option<subxt::utils::H256>) -> Result<Vec<Published>> {
	const PAGE: u32 = 1_000;
	let mut entries = Vec::new();
	let mut start: Option<Vec<u8>> = None;
	loop {
		let keys = rpc.state_get_keys_paged(&[], PAGE, start.as_deref(), at).await?;
		let Some(last) = keys.last().cloned() else { break };
		let values = rpc.state_query_storage_at(keys.iter().map(Vec::as_slice), at).await?;
		for change_set in values {
			for (key, value) in change_set.changes {
				if key.0 == b":code" {
					continue;
				}
				let mut bytes = key.0.clone();
				bytes.extend(value.map(|value| value.0).unwrap_or_default());
				entries.push(Published {
					label: format!("storage 0x{}", hex(&key.0[..key.0.len().min(32)])),
					bytes,
				});
			}
		}
		if keys.len() < PAGE as usize {
			break;
		}
		start = Some(last);
	}
	Ok(entries)
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Reads blocks `from..=to` of `client`'s node.
pub async fn read(client: &Client, from: u64, to: u64) -> Result<ChainView> {
	let mut view = ChainView::default();
	for number in from..=to {
		let block = client.at_block(number).await?;
		let extrinsics = block.extrinsics().fetch().await?;
		let mut nonces = BTreeMap::new();
		for extrinsic in extrinsics.iter() {
			let extrinsic = extrinsic?;
			let index = extrinsic.index() as u32;
			view.published.push(Published {
				label: format!(
					"block {number}, extrinsic {index} ({}.{})",
					extrinsic.pallet_name(),
					extrinsic.call_name()
				),
				bytes: extrinsic.bytes().to_vec(),
			});
			if (extrinsic.pallet_name(), extrinsic.call_name()) == ("Timestamp", "set") {
				let call: SetTimestamp = extrinsic
					.decode_call_data_fields_unchecked_as()
					.with_context(|| format!("Timestamp.set in block {number}"))?;
				view.times.insert(number, call.now);
			}
			let Some(account) = signer(extrinsic.address_bytes()) else { continue };
			if let Some(nonce) =
				extrinsic.transaction_extensions().and_then(|extensions| extensions.nonce())
			{
				nonces.insert(index, nonce);
			}
			if (extrinsic.pallet_name(), extrinsic.call_name())
				== ("EnergyMarket", "register_pseudonyms")
			{
				let call: RegisterPseudonyms = extrinsic
					.decode_call_data_fields_unchecked_as()
					.with_context(|| format!("register_pseudonyms in block {number}"))?;
				view.registrations.push(RegistrationSeen {
					ledger: call.ledger,
					day: call.day,
					pseudonyms: call.pseudonyms,
					block: number,
					position: index,
					signer: account.clone(),
				});
			}
		}
		for event in block.events().fetch().await?.iter() {
			let event = event?;
			let position = match event.phase() {
				Phase::ApplyExtrinsic(index) => Some(index),
				Phase::Initialization | Phase::Finalization => None,
			};
			view.published.push(Published {
				label: format!(
					"block {number}, event {}.{}",
					event.pallet_name(),
					event.event_name()
				),
				bytes: event.bytes().to_vec(),
			});
			match (event.pallet_name(), event.event_name(), position) {
				("EnergyMarket", "ShareReported", Some(position)) => {
					let share: ShareReported = event.decode_fields_unchecked_as()?;
					view.reports.push(ReportSeen {
						pseudonym: share.pseudonym,
						slot: share.slot,
						energy_wh: share.energy_wh,
						block: number,
						position,
						nonce: nonces.get(&position).copied().unwrap_or_default(),
					});
				},
				("DemandResponse", "DeviationRegistered", _) => {
					let registered: DeviationRegistered = event.decode_fields_unchecked_as()?;
					view.deviations.push((
						registered.program_id,
						registered.hour,
						registered.deviation,
					));
				},
				("Balances", "Transfer", _) => {
					let transfer: Transfer = event.decode_fields_unchecked_as()?;
					view.transfers.push(TransferSeen {
						from: transfer.from,
						to: transfer.to,
						amount: transfer.amount,
						block: number,
					});
				},
				_ => {},
			}
		}
		view.blocks += 1;
	}
	Ok(view)
}
