//! Seeds for the energy market. Alice is the operator (sudo), Bob the main
//! grid, Ferdie a producer, Eve a group's coordinator and clearing account,
//! Dave its operator, the two pseudonyms report shares; Charlie pays a debt.
//!
//! Time: block 1 is four slots before [`FIRST_TRADING_DAY`] begins, so the day
//! is opened and auctioned in block 1 and traded from block 2 on.
use super::{
	script::{address, Script},
	Seed,
};
use crate::{
	block::FIRST_TRADING_DAY,
	genesis,
	input::{self, ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE, PSEUDONYM_A, PSEUDONYM_B},
};
use codec::Encode;
use frame_support::BoundedVec;
use gridveil_runtime::{
	genesis_config_presets::TEST_REPORT_GRACE_SLOTS, liquidator, AccountId, Balance, EnergyMarket,
	Runtime, MILLI_UNIT, UNIT,
};
use pallet_energy_market::{Day, GroupId, NodeId, Slot, ROOT as TREE_ROOT, SLOTS_PER_DAY};
use rand::{rngs::StdRng, SeedableRng};
use schnorrkel::{context::attach_rng, signing_context, ExpansionMode, Keypair, MiniSecretKey};
use sp_core::sr25519;

/// Calls of the energy-market pallet.
type MarketCall = pallet_energy_market::Call<Runtime>;
/// Calls of the balances pallet.
type BalancesCall = pallet_balances::Call<Runtime>;

/// The day the seeds trade.
const DAY: Day = FIRST_TRADING_DAY;

/// Its first slot, counted from the Unix epoch (the second block's slot).
const FIRST_SLOT: Slot = DAY * SLOTS_PER_DAY;

/// The intermediate node under the root.
const INTERMEDIATE: NodeId = 1;

/// The group the seeds create, and its first ledger, where the pseudonyms report.
const GROUP: GroupId = 0;
/// The group's first ledger.
const LEDGER: NodeId = 2;

/// Ferdie's offer: 5 kWh in slot 0 at 0.1 token per kWh, enough for the
/// expected 1 kWh. Slot 1 has no offer and takes the fallback price.
const CAPACITY_WH: u64 = 5_000;
/// Ferdie's price per kWh.
const PRICE_PER_KWH: Balance = 100 * MILLI_UNIT;

/// Slots from the third block (slot 1 of the day) to the day's closing slot,
/// after its 96 slots and the report grace slots.
const TO_CLOSING: u8 = (SLOTS_PER_DAY + TEST_REPORT_GRACE_SLOTS - 1) as u8;

/// The liquidator's key seed (an sr25519 mini secret).
const LIQUIDATOR_SECRET: [u8; 32] = [0x4c; 32];

/// The market seeds.
pub(super) fn seeds() -> Vec<Seed> {
	vec![trading_day(), day_liquidated(), tree_maintenance()]
}

/// A batch of pseudonyms as the market's calls take it.
type PseudonymBatch =
	BoundedVec<AccountId, <Runtime as pallet_energy_market::Config>::MaxPseudonymBatch>;

/// The two pseudonyms, in ascending order as a batch must be.
fn pseudonyms() -> PseudonymBatch {
	let batch = vec![input::account(PSEUDONYM_A), input::account(PSEUDONYM_B)];
	assert!(batch[0] < batch[1], "pseudonym A sorts before pseudonym B");
	batch.try_into().expect("two pseudonyms fit a batch")
}

/// A batch of pseudonyms in the order given.
fn batch(origins: &[u8]) -> PseudonymBatch {
	let batch: Vec<AccountId> = origins.iter().map(|origin| input::account(*origin)).collect();
	batch.try_into().expect("a short batch fits")
}

/// The main grid's expected consumption: 1 kWh in every slot.
fn expected_consumption() -> BoundedVec<u64, frame_support::traits::ConstU32<SLOTS_PER_DAY>> {
	vec![1_000; SLOTS_PER_DAY as usize].try_into().expect("one value per slot")
}

/// Blocks 1 to 3 of a trading day: the tree (root → intermediate → a group of
/// two ledgers), Eve's operator Dave registers the pseudonyms, the day is
/// opened, Ferdie bids and the auction closes; in slot 0 both pseudonyms
/// report, Eve verifies one report and flags the other; in slot 1 one reports.
fn traded_day() -> Script {
	let mut script = Script::new();
	script
		.operator_ok(MarketCall::set_main_grid_account { account: address(BOB) })
		.operator_ok(MarketCall::register_producer { producer: address(FERDIE) })
		.operator_ok(MarketCall::add_intermediate { parent: TREE_ROOT })
		.operator_ok(MarketCall::add_group {
			parent: INTERMEDIATE,
			coordinator: address(EVE),
			ledgers: 2,
		})
		.ok(EVE, MarketCall::add_operator { group: GROUP, operator: address(DAVE) })
		.ok(
			DAVE,
			MarketCall::register_pseudonyms { ledger: LEDGER, day: DAY, pseudonyms: pseudonyms() },
		)
		.operator_ok(MarketCall::open_day {
			day: DAY,
			expected_consumption: expected_consumption(),
		})
		.ok(
			FERDIE,
			MarketCall::add_offer {
				day: DAY,
				slot: 0,
				capacity_wh: CAPACITY_WH,
				price_per_kwh: PRICE_PER_KWH,
			},
		)
		.fails(
			BOB,
			MarketCall::add_offer {
				day: DAY,
				slot: 1,
				capacity_wh: CAPACITY_WH,
				price_per_kwh: PRICE_PER_KWH,
			},
		)
		.operator_ok(MarketCall::close_auction { day: DAY })
		.fails(
			FERDIE,
			MarketCall::add_offer {
				day: DAY,
				slot: 1,
				capacity_wh: CAPACITY_WH,
				price_per_kwh: PRICE_PER_KWH,
			},
		)
		.wait(4)
		.ok(PSEUDONYM_A, MarketCall::report_share { slot: FIRST_SLOT, energy_wh: 1_500 })
		.ok(PSEUDONYM_B, MarketCall::report_share { slot: FIRST_SLOT, energy_wh: -700 })
		.fails(PSEUDONYM_A, MarketCall::report_share { slot: FIRST_SLOT, energy_wh: 10 })
		.fails(BOB, MarketCall::report_share { slot: FIRST_SLOT, energy_wh: 10 })
		.ok(
			EVE,
			MarketCall::verify_reports {
				ledger: LEDGER,
				slot: FIRST_SLOT,
				pseudonyms: batch(&[PSEUDONYM_A]),
			},
		)
		.ok(EVE, MarketCall::flag_report { pseudonym: address(PSEUDONYM_B), slot: FIRST_SLOT })
		.fails(EVE, MarketCall::flag_report { pseudonym: address(PSEUDONYM_A), slot: FIRST_SLOT })
		.wait(1)
		.ok(PSEUDONYM_A, MarketCall::report_share { slot: FIRST_SLOT + 1, energy_wh: 300 })
		.fails(PSEUDONYM_B, MarketCall::report_share { slot: FIRST_SLOT + 5, energy_wh: 1 });
	script
}

/// A trading day up to its last reports.
fn trading_day() -> Seed {
	traded_day().seed("market_trading_day")
}

/// The traded day closes and is liquidated by two signed pages: Eve, who
/// emptied her account, cannot pay her ledger's bill (a debt), so the pot
/// cannot pay Ferdie and the main grid (credits); Charlie pays Eve's debt,
/// and both creditors claim. A page sent twice is refused.
fn day_liquidated() -> Seed {
	let keypair = liquidator_keypair();
	let liquidate = |page: u32| MarketCall::liquidate {
		day: DAY,
		page,
		signature: liquidation_signature(&keypair, DAY, page),
	};
	let mut script = traded_day();
	script
		.ok(EVE, BalancesCall::transfer_all { dest: address(ALICE), keep_alive: true })
		.operator_ok(MarketCall::add_liquidator { liquidator: liquidator_id(&keypair) })
		.refused(liquidate(0))
		.wait(TO_CLOSING)
		.refused(liquidate(1))
		.ok(input::UNSIGNED, liquidate(0))
		.ok(input::UNSIGNED, liquidate(1))
		.refused(liquidate(1))
		.ok(CHARLIE, MarketCall::pay_debt { debtor: address(EVE), amount: UNIT })
		.fails(CHARLIE, MarketCall::pay_debt { debtor: address(EVE), amount: UNIT })
		.ok(FERDIE, MarketCall::claim_credit {})
		.ok(BOB, MarketCall::claim_credit {})
		.fails(BOB, MarketCall::claim_credit {});
	script.seed("market_day_liquidated")
}

/// Building and pulling down a tree while no day is open: intermediate
/// nodes, a group with three ledgers and one added, operators, pseudonyms
/// registered and deregistered; producers and liquidator keys added and
/// removed; and the refusals on the way.
fn tree_maintenance() -> Seed {
	let keypair = liquidator_keypair();
	let lower: NodeId = 2;
	let (first_ledger, second_ledger, added_ledger): (NodeId, NodeId, NodeId) = (3, 4, 6);
	let mut script = Script::new();
	script
		.operator_ok(MarketCall::add_intermediate { parent: TREE_ROOT })
		.operator_ok(MarketCall::add_intermediate { parent: INTERMEDIATE })
		.operator_ok(MarketCall::add_group { parent: lower, coordinator: address(EVE), ledgers: 3 })
		.operator_fails(MarketCall::add_intermediate { parent: first_ledger })
		.ok(EVE, MarketCall::add_ledger { group: GROUP })
		.ok(EVE, MarketCall::add_operator { group: GROUP, operator: address(DAVE) })
		.ok(EVE, MarketCall::add_operator { group: GROUP, operator: address(CHARLIE) })
		.ok(EVE, MarketCall::remove_operator { group: GROUP, operator: address(CHARLIE) })
		.fails(CHARLIE, MarketCall::add_operator { group: GROUP, operator: address(CHARLIE) })
		.ok(
			DAVE,
			MarketCall::register_pseudonyms {
				ledger: first_ledger,
				day: DAY,
				pseudonyms: pseudonyms(),
			},
		)
		.fails(
			DAVE,
			MarketCall::register_pseudonyms {
				ledger: second_ledger,
				day: DAY,
				pseudonyms: batch(&[PSEUDONYM_B, PSEUDONYM_A]),
			},
		)
		.fails(
			DAVE,
			MarketCall::register_pseudonyms {
				ledger: second_ledger,
				day: DAY,
				pseudonyms: batch(&[PSEUDONYM_B]),
			},
		)
		.operator_fails(MarketCall::remove_node { node: first_ledger })
		.ok(
			DAVE,
			MarketCall::deregister_pseudonyms { ledger: first_ledger, pseudonyms: pseudonyms() },
		)
		.operator_ok(MarketCall::remove_node { node: added_ledger })
		.operator_fails(MarketCall::remove_node { node: lower })
		.operator_ok(MarketCall::remove_group { group: GROUP })
		.operator_ok(MarketCall::remove_node { node: lower })
		.operator_fails(MarketCall::remove_node { node: TREE_ROOT })
		.operator_ok(MarketCall::register_producer { producer: address(FERDIE) })
		.operator_ok(MarketCall::remove_producer { producer: address(FERDIE) })
		.operator_fails(MarketCall::remove_producer { producer: address(FERDIE) })
		.operator_ok(MarketCall::add_liquidator { liquidator: liquidator_id(&keypair) })
		.operator_fails(MarketCall::add_liquidator { liquidator: liquidator_id(&keypair) })
		.operator_ok(MarketCall::remove_liquidator { liquidator: liquidator_id(&keypair) })
		.operator_fails(MarketCall::open_day {
			day: DAY,
			expected_consumption: expected_consumption(),
		});
	script.seed("market_tree_maintenance")
}

/// The liquidator's sr25519 key pair.
fn liquidator_keypair() -> Keypair {
	MiniSecretKey::from_bytes(&LIQUIDATOR_SECRET)
		.expect("32 bytes are a mini secret key")
		.expand_to_keypair(ExpansionMode::Ed25519)
}

/// The liquidator's public key as the market registers it.
fn liquidator_id(keypair: &Keypair) -> liquidator::Public {
	sr25519::Public::from_raw(keypair.public.to_bytes()).into()
}

/// The liquidator's signature of `page` of `day`, over the payload the market
/// checks (which names the genesis hash), with a nonce from a fixed seed so
/// the seed's bytes do not change from build to build.
fn liquidation_signature(keypair: &Keypair, day: Day, page: u32) -> liquidator::Signature {
	let payload = sp_io::TestExternalities::new(genesis::storage().clone())
		.execute_with(|| EnergyMarket::liquidation_payload(day, page).encode());
	let transcript = signing_context(b"substrate").bytes(&payload);
	let nonce = StdRng::seed_from_u64((u64::from(day) << 32) | u64::from(page));
	let signature = keypair.sign(attach_rng(transcript, nonce));
	sr25519::Signature::from_raw(signature.to_bytes()).into()
}
