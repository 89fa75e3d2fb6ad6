//! A GRANDPA equivocation as a validator running two nodes with the same
//! keys commits it: two prevotes for different blocks in one round of the
//! current authority set, each signed with the validator's GRANDPA key; and
//! the report a member sends of it, `Grandpa.report_equivocation`, with the
//! key's ownership proof the runtime generates (a historical session proof).
//!
//! Two twin nodes on one loopback network see the same chain and sign the
//! same votes, so they do not equivocate on their own in a test's minutes;
//! the harness signs what the second node would have sent.

use anyhow::{anyhow, ensure, Context, Result};
use codec::{Decode, Encode};
use sp_core::{ed25519, Pair};
use subxt::transactions::Payload;

use crate::chain::{Client, Rpc};

/// The round the equivocating prevotes name.
const EQUIVOCATION_ROUND: u64 = 1;

/// A GRANDPA prevote: the block voted for.
#[derive(Clone, Copy, Debug, Encode)]
struct Prevote {
	target_hash: [u8; 32],
	target_number: u32,
}

/// The message a voter signs: `(Message::Prevote(prevote), round, set_id)`
/// (`sp_consensus_grandpa::localized_payload`).
fn prevote_payload(prevote: Prevote, round: u64, set_id: u64) -> Vec<u8> {
	// `finality_grandpa::Message::Prevote` is the enum's first variant.
	(0u8, prevote, round, set_id).encode()
}

/// `Grandpa.report_equivocation` of two prevotes by the GRANDPA key of
/// `suri` in the current round and set, signed like any call by a member:
/// returns the call, ready to sign.
pub async fn prevote_equivocation_report(
	client: &Client,
	rpc: &Rpc,
	suri: &str,
) -> Result<impl Payload> {
	let block = client.at_current_block().await?;
	let apis = block.runtime_apis();
	let set_id = u64::decode(&mut &apis.call_raw("GrandpaApi_current_set_id", None).await?[..])?;
	// The runtime checks the votes' set, signatures and targets, not which
	// round they name; the node does not serve `grandpa_roundState`.
	let round = EQUIVOCATION_ROUND;

	let pair = ed25519::Pair::from_string(suri, None)
		.map_err(|error| anyhow!("the GRANDPA key {suri}: {error:?}"))?;
	let identity = pair.public().0;
	// Two different blocks: the finalized head and its parent.
	let head = rpc.chain_get_finalized_head().await?;
	let header = rpc
		.chain_get_header(Some(head))
		.await?
		.ok_or_else(|| anyhow!("the finalized head {head:?} has no header"))?;
	let number = u32::try_from(header.number)?;
	ensure!(number > 0, "the chain has no block to vote against");
	let votes = [
		Prevote { target_hash: head.0, target_number: number },
		Prevote { target_hash: header.parent_hash.0, target_number: number - 1 },
	];
	let signed: Vec<(Prevote, [u8; 64])> = votes
		.iter()
		.map(|vote| (*vote, pair.sign(&prevote_payload(*vote, round, set_id)).0))
		.collect();

	let owner = apis
		.call_raw("GrandpaApi_generate_key_ownership_proof", Some(&(set_id, identity).encode()))
		.await?;
	let key_owner_proof = Option::<Vec<u8>>::decode(&mut &owner[..])?
		.ok_or_else(|| anyhow!("the runtime has no ownership proof for {suri}'s GRANDPA key"))?;

	// `EquivocationProof { set_id, equivocation: Equivocation::Prevote(
	// finality_grandpa::Equivocation { round_number, identity, first, second }) }`.
	let mut call = Vec::new();
	let metadata = block.metadata();
	let pallet = metadata
		.pallet_by_name("Grandpa")
		.ok_or_else(|| anyhow!("the runtime has no Grandpa pallet"))?;
	let report = pallet
		.call_variant_by_name("report_equivocation")
		.ok_or_else(|| anyhow!("Grandpa has no report_equivocation"))?;
	call.push(pallet.call_index());
	call.push(report.index);
	(set_id, 0u8, round, identity, signed[0], signed[1]).encode_to(&mut call);
	call.extend_from_slice(&key_owner_proof);
	block
		.transactions()
		.from_call_data_bytes(&call)
		.context("the report's call against the runtime's metadata")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_prevote_is_signed_as_grandpa_localizes_it() {
		let vote = Prevote { target_hash: [7; 32], target_number: 9 };
		let payload = prevote_payload(vote, 3, 1);
		// variant, hash, number (u32), round (u64), set id (u64)
		assert_eq!(payload.len(), 1 + 32 + 4 + 8 + 8);
		assert_eq!(payload[0], 0);
		assert_eq!(&payload[33..37], &9u32.to_le_bytes());
		assert_eq!(&payload[37..45], &3u64.to_le_bytes());
		assert_eq!(&payload[45..53], &1u64.to_le_bytes());
	}
}
