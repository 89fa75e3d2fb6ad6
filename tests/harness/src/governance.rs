//! The consortium's motions, as its members make them in polkadot.js apps
//! (Governance → Council): a member proposes calls, members (the proposer
//! too) vote aye until two thirds of the consortium approve, and a member
//! closes the
//! motion, which dispatches the calls with the consortium's origin, the
//! chain's market authority, meter registrar, key admin and validator-set
//! admin. Several calls travel as one `Utility.batch_all`.

use anyhow::{anyhow, bail, ensure, Context, Result};
use subxt::{
	dynamic::{self, Value},
	error::DispatchError,
	ext::scale_decode::{self, DecodeAsType},
	transactions::DynamicPayload,
	utils::H256,
	ArcMetadata,
};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Client, Rpc},
	energy_market::{event_of, submit_in_block, Emitted},
};

/// One call of a motion: `pallet::function(fields)`.
#[derive(Clone, Debug)]
pub struct Call {
	/// The pallet (`EnergyMarket`).
	pub pallet: String,
	/// The call (`add_group`).
	pub function: String,
	/// Its fields, by name.
	pub fields: Vec<(String, Value)>,
}

impl Call {
	/// `pallet::function(fields)`.
	pub fn new(pallet: &str, function: &str, fields: Vec<(&str, Value)>) -> Self {
		Self {
			pallet: pallet.into(),
			function: function.into(),
			fields: fields.into_iter().map(|(name, value)| (name.to_string(), value)).collect(),
		}
	}

	/// The call as a `RuntimeCall` value, to nest in another call.
	pub fn value(&self) -> Value {
		Value::unnamed_variant(
			self.pallet.clone(),
			[Value::named_variant(self.function.clone(), self.fields.clone())],
		)
	}

	/// `Sudo.sudo(call)`: the call as root, on a development chain (the
	/// only chains with a sudo key).
	pub fn sudo(&self) -> DynamicPayload<Vec<Value>> {
		dynamic::transaction("Sudo", "sudo", vec![self.value()])
	}

	/// The call as a transaction payload.
	pub fn payload(&self) -> DynamicPayload<Vec<Value>> {
		let fields = self.fields.iter().map(|(_, value)| value.clone()).collect();
		dynamic::transaction(self.pallet.as_str(), self.function.as_str(), fields)
	}
}

/// The motion's proposal: the call itself, or `Utility.batch_all(calls)`.
fn proposal(calls: &[Call]) -> Result<Call> {
	match calls {
		[] => bail!("a motion needs at least one call"),
		[call] => Ok(call.clone()),
		calls => Ok(Call::new(
			"Utility",
			"batch_all",
			vec![("calls", Value::unnamed_composite(calls.iter().map(Call::value)))],
		)),
	}
}

/// Ayes a motion needs: two thirds of `members`, rounded up.
pub fn threshold(members: usize) -> u32 {
	(2 * members as u32).div_ceil(3)
}

/// The most a proposal may weigh (the runtime's `MaxProposalWeight`: half of
/// a block's two seconds); `close` is charged this bound.
const PROPOSAL_WEIGHT_BOUND: (u64, u64) = (1_000_000_000_000, 5 * 1024 * 1024);

/// The fields of `Council::Proposed`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Proposed {
	/// Who proposed.
	pub account: subxt::utils::AccountId32,
	/// The motion's index.
	pub proposal_index: u32,
	/// The proposal's hash.
	pub proposal_hash: H256,
	/// Ayes needed.
	pub threshold: u32,
}

/// Passes a motion of `calls` with the consortium's `members` (all of
/// them, in the order they vote; the first proposes): returns the events of
/// the extrinsic that executed it, after checking that the calls succeeded.
pub async fn enact(
	client: &Client,
	rpc: &Rpc,
	members: &[Keypair],
	calls: &[Call],
) -> Result<Emitted> {
	let proposal = proposal(calls)?;
	let block = client.at_current_block().await?;
	let length = block.transactions().call_data(&proposal.payload())?.len() as u32;
	let threshold = threshold(members.len());
	let proposer = members.first().ok_or_else(|| anyhow!("a motion needs a member"))?;
	let propose = dynamic::transaction(
		"Council",
		"propose",
		vec![Value::u128(threshold.into()), proposal.value(), Value::u128(length.into())],
	);
	let proposed = one(submit_in_block(client, rpc, proposer, &[propose]).await)
		.with_context(|| format!("proposing {}::{}", proposal.pallet, proposal.function))?;
	let executed = if threshold <= 1 {
		proposed
	} else {
		let motion: Proposed = event_of(&proposed, "Council", "Proposed")?;
		let vote = dynamic::transaction(
			"Council",
			"vote",
			vec![
				Value::from_bytes(motion.proposal_hash.0),
				Value::u128(motion.proposal_index.into()),
				Value::bool(true),
			],
		);
		// The proposer votes too: proposing is not an aye.
		let voters = members.get(..threshold as usize).ok_or_else(|| {
			anyhow!("{} members cannot reach a threshold of {threshold}", members.len())
		})?;
		let votes = futures::future::join_all(
			voters
				.iter()
				.map(|voter| submit_in_block(client, rpc, voter, std::slice::from_ref(&vote))),
		)
		.await;
		for vote in votes {
			one(vote).context("voting aye")?;
		}
		let (ref_time, proof_size) = PROPOSAL_WEIGHT_BOUND;
		let close = dynamic::transaction(
			"Council",
			"close",
			vec![
				Value::from_bytes(motion.proposal_hash.0),
				Value::u128(motion.proposal_index.into()),
				Value::named_composite([
					("ref_time", Value::u128(ref_time.into())),
					("proof_size", Value::u128(proof_size.into())),
				]),
				Value::u128(length.into()),
			],
		);
		one(submit_in_block(client, rpc, proposer, &[close]).await).context("closing the motion")?
	};
	check_executed(&executed, &block.metadata())?;
	Ok(executed)
}

/// The one extrinsic's events of a one-payload submission.
fn one(submitted: Result<Vec<Emitted>>) -> Result<Emitted> {
	submitted?.into_iter().next().ok_or_else(|| anyhow!("nothing was submitted"))
}

/// Fails unless the motion was executed and its calls succeeded, naming
/// the error otherwise (`ValidatorSet::TooFewValidators`): a call that
/// failed, or a `Utility.batch_all` one of whose calls failed, leaves an
/// `Err` result in `Council::Executed`.
fn check_executed(emitted: &Emitted, metadata: &ArcMetadata) -> Result<()> {
	let mut executed = false;
	for event in emitted.iter() {
		let event = event?;
		match (event.pallet_name(), event.event_name()) {
			("Council", "Executed") => {
				// The proposal's hash (32 bytes), then `Result<(), DispatchError>`.
				let fields = event.field_bytes();
				match fields.get(32) {
					Some(0) => {},
					Some(1) => {
						let error = DispatchError::decode_from(&fields[33..], metadata.clone())
							.map_err(|error| anyhow!("undecodable dispatch error: {error}"))?;
						bail!("the motion's call failed: {error}");
					},
					_ => bail!("an undecodable Council::Executed event"),
				}
				executed = true;
			},
			("Council", "Disapproved") => bail!("the motion was disapproved"),
			_ => {},
		}
	}
	ensure!(executed, "the motion was not executed");
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn two_thirds_of_the_members_carry_a_motion() {
		assert_eq!(threshold(1), 1);
		assert_eq!(threshold(3), 2);
		assert_eq!(threshold(4), 3);
		assert_eq!(threshold(5), 4);
		assert_eq!(threshold(6), 4);
	}

	#[test]
	fn several_calls_travel_as_one_batch_and_one_call_alone() {
		let call = Call::new("EnergyMarket", "add_intermediate", vec![("parent", Value::u128(0))]);
		assert!(proposal(&[]).is_err());
		assert_eq!(proposal(std::slice::from_ref(&call)).unwrap().function, "add_intermediate");
		let batch = proposal(&[call.clone(), call]).unwrap();
		assert_eq!((batch.pallet.as_str(), batch.function.as_str()), ("Utility", "batch_all"));
	}
}
