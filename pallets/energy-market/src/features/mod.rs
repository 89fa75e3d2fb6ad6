//! The market's capabilities, one file each (in the manner of pallet-nfts).

mod auction;
mod liquidation;
mod reports;
mod tree;

pub use auction::{merit_order, AuctionOutcome};
