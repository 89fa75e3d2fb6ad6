//! Building blocks as an Aura author does: a header with the slot's pre-runtime
//! digest, `initialize_block`, the timestamp inherent, the input's calls, and
//! `finalize_block` (which runs `on_idle` and `on_finalize`).
use crate::invariants;
use codec::Encode;
use gridveil_runtime::{
	genesis_config_presets::TEST_SLOT_LENGTH_MS, Aura, BlockNumber, Executive, Hash, Header,
	Runtime, RuntimeCall, UncheckedExtrinsic,
};
use pallet_energy_market::SLOTS_PER_DAY;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_runtime::{traits::Header as _, Digest, DigestItem};

/// Most blocks one input may span; the records after the last one are ignored.
pub const MAX_BLOCKS: u32 = 32;

/// The trading day (96 market slots of 6 s on the development chain) whose
/// first slot comes four slots after the first block: the seeds open it in the
/// first block and trade in it from the second.
pub const FIRST_TRADING_DAY: u32 = 3_040_000;

/// Timestamp of every input's first block, in ms: four 6-second slots before
/// [`FIRST_TRADING_DAY`] begins (June 2025).
pub const FIRST_TIMESTAMP: u64 =
	(FIRST_TRADING_DAY as u64 * SLOTS_PER_DAY as u64 - 4) * TEST_SLOT_LENGTH_MS;

/// The block being built and the chain behind it.
pub(crate) struct Chain {
	/// Number of the block being built.
	number: BlockNumber,
	/// Its timestamp (ms).
	now: u64,
	/// Hash of its parent.
	parent_hash: Hash,
	/// Blocks this input has started.
	blocks: u32,
}

impl Chain {
	/// Starts block 1 on top of genesis at [`FIRST_TIMESTAMP`].
	pub(crate) fn start() -> Self {
		// The genesis hash (frame-system puts it at block 0): liquidation
		// pages are signed over it, so block 1 must name it as its parent.
		let genesis: BlockNumber = 0;
		let parent_hash = frame_system::BlockHash::<Runtime>::get(genesis);
		let chain = Self { number: 1, now: FIRST_TIMESTAMP, parent_hash, blocks: 1 };
		chain.initialize();
		chain
	}

	/// Number of the block being built.
	pub(crate) fn number(&self) -> BlockNumber {
		self.number
	}

	/// Finalizes the block and starts the next one `lapse` slots later.
	/// Returns `false`, doing nothing, once the input has [`MAX_BLOCKS`] blocks.
	pub(crate) fn next_block(&mut self, lapse: u8) -> bool {
		if self.blocks >= MAX_BLOCKS {
			return false;
		}
		self.finalize();
		self.number += 1;
		self.now += u64::from(lapse) * Aura::slot_duration();
		self.blocks += 1;
		self.initialize();
		true
	}

	/// Finalizes the last block.
	pub(crate) fn finish(mut self) {
		self.finalize();
	}

	/// Initializes the block with Aura's digest for the slot of its timestamp,
	/// then applies the timestamp inherent as a block author does.
	fn initialize(&self) {
		let slot = Slot::from(self.now / Aura::slot_duration());
		let digest = Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())] };
		let header = Header::new(
			self.number,
			Default::default(),
			Default::default(),
			self.parent_hash,
			digest,
		);
		Executive::initialize_block(&header);
		let timestamp =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now: self.now,
			}));
		match Executive::apply_extrinsic(timestamp) {
			Ok(Ok(())) => {},
			failed => panic!("the timestamp inherent of block {} failed: {failed:?}", self.number),
		}
		Executive::inherents_applied();
	}

	/// Finalizes the block, checks the block-level invariants and remembers
	/// its hash as the next block's parent.
	fn finalize(&mut self) {
		let header = Executive::finalize_block();
		invariants::after_block(self.number);
		self.parent_hash = header.hash();
	}
}
