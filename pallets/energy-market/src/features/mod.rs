//! The market's capabilities, one file each (in the manner of pallet-nfts).

mod auction;
mod liquidation;
mod pseudonyms;
mod reports;
mod retention;
mod tree;

pub use auction::{merit_order, AuctionOutcome};
#[cfg(feature = "runtime-benchmarks")]
pub(crate) use retention::DAYS_PER_BLOCK;
