//! The demand-response pallet as a client sees it: its events, the runtime
//! API's program state, and the chain clock, decoded from standard metadata.

use std::time::Duration;

use anyhow::Result;
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	tx::DynamicPayload,
	utils::AccountId32,
};

pub use gridveil_offchain::chain::{HourRecord, Program, ProgramState, ProgramStatus, Scalar};

use crate::{
	chain::{self, Client},
	energy_market::address_value,
	governance,
};

/// What a prosumer sends to take program `program_id` with its meter and
/// edge box: `accept_program(program_id, meter_id)`, then
/// `authorize_device(device)` (one signer, in nonce order).
pub fn accept_with_device(
	program_id: u64,
	meter_id: u64,
	device: AccountId32,
) -> Vec<DynamicPayload<Vec<Value>>> {
	vec![
		accept_program(program_id, meter_id),
		dynamic::transaction("DemandResponse", "authorize_device", vec![address_value(device)]),
	]
}

/// `DemandResponse::accept_program(program_id, meter_id)`.
pub fn accept_program(program_id: u64, meter_id: u64) -> DynamicPayload<Vec<Value>> {
	dynamic::transaction(
		"DemandResponse",
		"accept_program",
		vec![Value::u128(program_id.into()), Value::u128(meter_id.into())],
	)
}

/// `MeterRegistry.register_meter(meter_id, key, prosumer)`: the registrar
/// (a motion of the consortium) binds a meter's key to a prosumer.
pub fn meter_registration(meter_id: u64, key: [u8; 33], prosumer: AccountId32) -> governance::Call {
	governance::Call::new(
		"MeterRegistry",
		"register_meter",
		vec![
			("meter_id", Value::u128(meter_id.into())),
			("key", Value::from_bytes(key)),
			("prosumer", address_value(prosumer)),
		],
	)
}

/// [`meter_registration`] through sudo, as on the development chains.
pub fn register_meter(
	meter_id: u64,
	key: [u8; 33],
	prosumer: AccountId32,
) -> DynamicPayload<Vec<Value>> {
	meter_registration(meter_id, key, prosumer).sudo()
}

/// `MeterRegistry::MeterRegistered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct MeterRegistered {
	/// The meter.
	pub meter_id: u64,
	/// Whose readings it attests.
	pub prosumer: AccountId32,
	/// Its key.
	pub key: [u8; 33],
}

/// `DemandResponse::ProgramOffered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProgramOffered {
	/// The new program.
	pub program_id: u64,
	/// Who offered it.
	pub aggregator: AccountId32,
	/// Who is asked.
	pub prosumer: AccountId32,
	/// The reward on hold.
	pub reward: u128,
	/// Penalty per Wh.
	pub rate_per_wh: u128,
	/// Start of hour 0 (ms).
	pub start: u64,
	/// Hours.
	pub hours: u32,
}

/// `MeterRegistry::MeterRevoked`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct MeterRevoked {
	/// The meter.
	pub meter_id: u64,
	/// Whose readings it measured.
	pub prosumer: AccountId32,
}

/// `DemandResponse::ProgramAccepted`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProgramAccepted {
	/// The program.
	pub program_id: u64,
	/// The escrow.
	pub escrow: u128,
	/// The meter named.
	pub meter_id: u64,
}

/// `DemandResponse::DeviceAuthorized`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DeviceAuthorized {
	/// The prosumer.
	pub prosumer: AccountId32,
	/// Its device.
	pub device: AccountId32,
}

/// `DemandResponse::DeviationRegistered`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DeviationRegistered {
	/// The program.
	pub program_id: u64,
	/// The hour.
	pub hour: u32,
	/// Deviation, Wh.
	pub deviation: u64,
	/// Fingerprint after the hour.
	pub fingerprint: Scalar,
	/// Penalty paid to the aggregator.
	pub penalty: u128,
	/// Escrow left.
	pub escrow: u128,
}

/// `DemandResponse::ProgramSettled`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProgramSettled {
	/// The program.
	pub program_id: u64,
	/// Hours never registered.
	pub missing_hours: u32,
	/// Returned to the aggregator.
	pub returned: u128,
	/// Released to the prosumer.
	pub released: u128,
}

/// The program's public state through the runtime API, at the best block.
pub async fn program_state(client: &Client, program_id: u64) -> Result<Option<ProgramState>> {
	let call = dynamic::runtime_api_call::<_, Option<ProgramState>>(
		"DemandResponseApi",
		"program",
		(program_id,),
	);
	let block = client.at_current_block().await?;
	Ok(block.runtime_apis().call(call).await?)
}

/// The block timestamp (ms) at the best block.
pub async fn chain_time(client: &Client) -> Result<u64> {
	chain::time_at(&client.at_current_block().await?).await
}

/// Waits until the chain's clock reaches `moment` (ms).
pub async fn wait_for_chain_time(client: &Client, moment: u64, timeout: Duration) -> Result<u64> {
	chain::poll(timeout, async || {
		let now = chain_time(client).await?;
		Ok(if now >= moment {
			Ok(now)
		} else {
			Err(format!("the chain's clock is at {now}, expected {moment}"))
		})
	})
	.await
}
