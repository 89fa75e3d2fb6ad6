//! The `DemandResponse` pallet as a client reads it: a program's public state
//! from the `DemandResponseApi` runtime API.
use subxt::{
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
	utils::AccountId32,
};

use super::client::{AtBlock, Chain, ChainError, Scalar};

/// `DemandResponse` program status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType, serde::Serialize)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum ProgramStatus {
	/// Waiting for the prosumer.
	Offered,
	/// Running.
	Active,
	/// Settled.
	Completed,
	/// Ended by an invalid proof.
	Forfeited,
}

/// A program as the runtime API returns it.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Program {
	/// Who offered it.
	pub aggregator: AccountId32,
	/// Who delivers.
	pub prosumer: AccountId32,
	/// Verifying key id.
	pub key_id: u32,
	/// Commitment to the request.
	pub commitment: Scalar,
	/// Reward.
	pub reward: u128,
	/// Penalty per Wh.
	pub rate_per_wh: u128,
	/// Start of hour 0 (ms).
	pub start: u64,
	/// Hours.
	pub hours: u32,
	/// Status.
	pub status: ProgramStatus,
	/// Escrow left.
	pub escrow: u128,
	/// The earliest hour a deviation may still be registered for.
	pub next_hour: u32,
	/// The fingerprint after the last registered hour.
	pub last_fingerprint: Scalar,
	/// The meter whose signed fingerprints the hours must match.
	pub meter: Option<u64>,
	/// Hours registered so far.
	pub registered_hours: u32,
}

/// One registered hour.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct HourRecord {
	/// Deviation, Wh.
	pub deviation: u64,
	/// Fingerprint after the hour.
	pub fingerprint: Scalar,
	/// Penalty paid.
	pub penalty: u128,
}

/// `DemandResponseApi::program`.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProgramState {
	/// The program.
	pub program: Program,
	/// Registered hours in order.
	pub hours: Vec<(u32, HourRecord)>,
	/// Hour length, ms.
	pub hour_length: u64,
	/// When settlement is due, ms.
	pub due: u64,
}

impl Chain {
	/// A program's public state.
	pub async fn program(
		block: &AtBlock,
		program_id: u64,
	) -> Result<Option<ProgramState>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Option<ProgramState>>(
			"DemandResponseApi",
			"program",
			(program_id,),
		);
		block.runtime_apis().call(call).await.map_err(ChainError::subxt)
	}
}
