//! The `MeterRegistry` pallet as a client reads it: a meter's key and status.
use subxt::{
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
	utils::AccountId32,
};

use super::client::{AtBlock, Chain, ChainError};

/// A meter's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum MeterStatus {
	/// Its signatures count.
	Active,
	/// Revoked.
	Revoked,
}

/// `MeterRegistry::Meters`: a registered meter.
#[derive(Clone, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct RegisteredMeter {
	/// Its P-256 public key, SEC1 compressed.
	pub key: [u8; 33],
	/// The prosumer it measures.
	pub prosumer: AccountId32,
	/// Active or revoked.
	pub status: MeterStatus,
}

impl Chain {
	/// A registered meter, if there is one with this id.
	pub async fn meter(
		block: &AtBlock,
		meter_id: u64,
	) -> Result<Option<RegisteredMeter>, ChainError> {
		let address = dynamic::storage::<(u64,), RegisteredMeter>("MeterRegistry", "Meters");
		let value =
			block.storage().try_fetch(address, (meter_id,)).await.map_err(ChainError::subxt)?;
		value.map(|value| value.decode().map_err(ChainError::subxt)).transpose()
	}
}
