//! What a pseudonym signs to report a share through its coordinator's
//! relayed batch (`EnergyMarket::relay_shares`): the context, the chain's
//! genesis hash, the slot and the share. The pallet checks these bytes; the
//! box signs them and the coordinator checks them before it relays. The
//! chain keeps one report per pseudonym and slot, so a signed share is good
//! once, on one chain.
#![no_std]

/// What every share message starts with, so that a pseudonym's signature of
/// a share can never be taken for a signature of anything else.
pub const SHARE_SIGNING_CONTEXT: [u8; 16] = *b"gridveil:share:1";

/// Bytes of a [`share_message`]: context, genesis hash, slot, share.
pub const SHARE_MESSAGE_BYTES: usize = 16 + 32 + 4 + 8;

/// The message for `energy_wh` Wh (positive consumed) in `slot` (counted
/// from the epoch) on the chain whose genesis block hash is `genesis`: the
/// context, the genesis hash, the slot (u32, little endian) and the share
/// (i64, little endian).
pub fn share_message(genesis: &[u8; 32], slot: u32, energy_wh: i64) -> [u8; SHARE_MESSAGE_BYTES] {
	let mut message = [0u8; SHARE_MESSAGE_BYTES];
	message[..16].copy_from_slice(&SHARE_SIGNING_CONTEXT);
	message[16..48].copy_from_slice(genesis);
	message[48..52].copy_from_slice(&slot.to_le_bytes());
	message[52..].copy_from_slice(&energy_wh.to_le_bytes());
	message
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_share_message_is_the_context_the_genesis_the_slot_and_the_share() {
		let message = share_message(&[7; 32], 0x0102_0304, -2);
		assert_eq!(&message[..16], b"gridveil:share:1");
		assert_eq!(&message[16..48], &[7; 32]);
		assert_eq!(&message[48..52], &[4, 3, 2, 1]);
		assert_eq!(&message[52..], &(-2i64).to_le_bytes());
	}
}
