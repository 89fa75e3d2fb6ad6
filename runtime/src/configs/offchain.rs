//! Keys for offchain workers.
//!
//! The energy market's day-end debt liquidation runs in offchain workers that
//! sign their pages with a registered liquidator key. Operators put that key
//! into a validator's keystore with
//! `gridveil-node key insert --key-type gvlq --scheme sr25519 --suri <secret>`.

use sp_core::crypto::KeyTypeId;

/// Key type of the liquidator keys offchain workers sign with.
pub const LIQUIDATOR_KEY_TYPE: KeyTypeId = KeyTypeId(*b"gvlq");

/// The liquidator's application crypto: sr25519 under [`LIQUIDATOR_KEY_TYPE`].
pub mod liquidator {
	use super::LIQUIDATOR_KEY_TYPE;
	use sp_runtime::app_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, LIQUIDATOR_KEY_TYPE);
}
