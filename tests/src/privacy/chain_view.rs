//! The on-chain adversary's view: what anyone can read from a node over
//! RPC (blocks, extrinsics, events, storage), and nothing else. Each share
//! report with its pseudonym, slot, value, block, position and nonce; each
//! pseudonym registration with its order; each transfer (funding).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use subxt::{
	events::Phase,
	ext::scale_decode::{self, DecodeAsType},
	utils::AccountId32,
};

use crate::chain::Client;

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
	/// The blocks read.
	pub blocks: u64,
	/// Every event's pallet and name with its fields as text, for the scan
	/// for readings, requests and links.
	pub event_texts: Vec<String>,
}

impl ChainView {
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
struct RegisterPseudonyms {
	ledger: u32,
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
			let fields = event
				.decode_fields_unchecked_as::<subxt::ext::scale_value::Composite<()>>()
				.map(|fields| fields.to_string())
				.unwrap_or_default();
			view.event_texts.push(format!(
				"{}.{} {fields}",
				event.pallet_name(),
				event.event_name()
			));
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
