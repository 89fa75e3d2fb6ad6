//! A short trading day on a real `--dev` node whose market clock runs at one
//! second a slot (a 96-second day; a report window of 12 slots, two blocks).
//! The operator (sudo) makes Ferdie the main grid and Dave a producer,
//! registers the liquidator key the node's offchain worker holds, and adds a
//! group of three ledgers coordinated by Charlie; Eve, the group's operator,
//! registers three fresh pseudonyms without funds in each ledger. The day is
//! opened, Dave offers its first slots, the auction closes, and the
//! pseudonyms report shares of both signs in three slots, paying no fees.
//! The ledgers' and the root's nets are checked against the reports; once the
//! day has closed, the offchain worker liquidates it, and what Charlie, Dave,
//! Ferdie and the market's pot gained or lost is checked against the nets and
//! the slot prices. Last, polkadot.js decodes every block of the test as apps'
//! explorer does (`tests/js/blocks.mjs`), the liquidation pages too: general
//! transactions without a signer, which `AuthorizeCall` admitted.

use std::{ops::RangeInclusive, str::FromStr, time::Duration};

use anyhow::{ensure, Context, Result};
use gridveil_harness::{
	account, chain,
	energy_market::{
		account_info, add_group_fields, address_value, all_in_block, best_block, block_events,
		credit_of, day_prices, debt_of, event_of, events_of, free_balance, in_block,
		main_grid_fields, node_nets, open_day_fields, pot_account, submit_all, submit_in_block,
		wait_for_best_slot, wait_for_phase, AtBlock, AuctionClosed, DayLiquidated, DayOpened,
		DayPhase, FallbackPriceUsed, GroupAdded, LiquidatorAdded, MainGridAccountSet, NodeAdded,
		NodeKind, NodeSettled, OfferAdded, OperatorAdded, PageLiquidated, ProducerRegistered,
		PseudonymsRegistered, ShareReported, ROOT, SLOTS_PER_DAY,
	},
	node::{dev_spec_with_market_clock, insert_key, Node, NodeSpec},
	UNIT,
};
use subxt::{
	dynamic::{self, Value},
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::{
	sr25519::{self, Keypair},
	SecretUri,
};

/// A trading slot on this chain: one second, so a day of 96 slots takes 96 s.
const SLOT_LENGTH_MS: u64 = 1_000;
/// Slots after a slot in which its shares may still be reported: two 6-second blocks.
const REPORT_GRACE_SLOTS: u32 = 12;
/// A trading day, ms.
const DAY_LENGTH_MS: u64 = SLOT_LENGTH_MS * SLOTS_PER_DAY as u64;
/// What the setup needs before the day starts: three rounds of transactions,
/// each in the next block or the one after (`open_day`, in the first round,
/// must land before the day starts).
const SETUP_MARGIN_MS: u64 = 40_000;
/// How long the offchain worker may take after the day has closed.
const LIQUIDATION_TIMEOUT: Duration = Duration::from_secs(180);
/// The runtime's price of a slot the offers cannot cover: 0.5 VEIL per kWh.
const FALLBACK_PRICE_PER_KWH: u128 = UNIT / 2;
/// The main grid's expected consumption in every slot, Wh.
const EXPECTED_CONSUMPTION_WH: u64 = 500;
/// Dave offers the first slots of the day…
const OFFER_SLOTS: RangeInclusive<u32> = 0..=2;
/// …2 kWh each (enough to cover the expected consumption)…
const OFFER_CAPACITY_WH: u64 = 2_000;
/// …at 0.2 VEIL per kWh (a whole number of units per Wh).
const OFFER_PRICE_PER_KWH: u128 = UNIT / 5;
/// Ledgers in Charlie's group.
const LEDGERS: u32 = 3;
/// Pseudonyms registered in each ledger.
const PSEUDONYMS_PER_LEDGER: usize = 3;
/// The liquidator key put into the node's keystore (key type `gvlq`).
const LIQUIDATOR_SURI: &str = "//Liquidator";
/// Shares reported, Wh, by round (one slot each), ledger and pseudonym.
/// Over the day the first ledger sells and the second buys whatever the
/// slot prices; the root buys in the first and last rounds (from Dave when a
/// round falls in one of its slots, else from the main grid) and sells its
/// surplus to the main grid in the second.
const SHARES: [[[i64; PSEUDONYMS_PER_LEDGER]; LEDGERS as usize]; 3] = [
	// Ledgers +550, −100, +240: the root draws 690 Wh.
	[[400, 250, -100], [-300, 120, 80], [200, -50, 90]],
	// Ledgers −1,000, +130, −100: the root has 970 Wh to spare.
	[[-600, -500, 100], [150, -80, 60], [-90, -40, 30]],
	// Ledgers +110, +180, −100: the root draws 190 Wh.
	[[75, 25, 10], [-60, -60, 300], [-300, 100, 100]],
];

/// Pseudonym `index` of the ledger at `ledger` (position in the group).
fn pseudonym(ledger: u32, index: usize) -> Result<Keypair> {
	let uri = SecretUri::from_str(&format!("//Pseudonym//{ledger}//{index}"))?;
	Ok(Keypair::from_uri(&uri)?)
}

/// When `day` starts, ms since the epoch.
fn day_start(day: u32) -> u64 {
	u64::from(day) * DAY_LENGTH_MS
}

/// What `nets` is worth at the slot prices (per Wh): positive, owed to the parent.
fn day_value(nets: &[i64], prices_per_wh: &[i128]) -> i128 {
	nets.iter().zip(prices_per_wh).map(|(net, price)| i128::from(*net) * price).sum()
}

/// The nonzero slots of a day's nets, for messages.
fn nonzero(nets: &[i64]) -> Vec<(usize, i64)> {
	nets.iter().copied().enumerate().filter(|(_, net)| *net != 0).collect()
}

/// Free balances of `accounts` at `block`.
async fn balances(block: &AtBlock, accounts: &[AccountId32]) -> Result<Vec<u128>> {
	let mut free = Vec::with_capacity(accounts.len());
	for who in accounts {
		free.push(free_balance(block, *who).await?);
	}
	Ok(free)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_with_three_ledgers_trades_a_short_day_and_the_ocw_liquidates_it() -> Result<()> {
	// The dev chain with one-second slots; the liquidator key in the keystore
	// before the node starts, so its offchain worker can sign pages.
	let spec = dev_spec_with_market_clock(SLOT_LENGTH_MS, REPORT_GRACE_SLOTS)?;
	let base_path = tempfile::Builder::new().prefix("gridveil-market-").tempdir()?;
	insert_key(spec.arg()?, base_path.path(), "gvlq", LIQUIDATOR_SURI)?;
	let node = Node::start_in(
		NodeSpec::new("market", spec.arg()?)?
			.with_args(["--dev", "-lruntime::energy-market=debug"]),
		base_path,
	)
	.await?;
	let rpc = chain::rpc(&node.ws_url()).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;
	let client = chain::connect(&node.ws_url()).await?;

	let (alice, charlie, dave, eve, ferdie) = (
		sr25519::dev::alice(),
		sr25519::dev::charlie(),
		sr25519::dev::dave(),
		sr25519::dev::eve(),
		sr25519::dev::ferdie(),
	);
	let liquidator = Keypair::from_uri(&SecretUri::from_str(LIQUIDATOR_SURI)?)?.public_key().0;
	// Each ledger's batch in ascending account order, as the pallet requires.
	let mut pseudonyms: Vec<Vec<Keypair>> = Vec::new();
	for ledger in 0..LEDGERS {
		let mut batch = (0..PSEUDONYMS_PER_LEDGER)
			.map(|index| pseudonym(ledger, index))
			.collect::<Result<Vec<_>>>()?;
		batch.sort_by_key(account);
		pseudonyms.push(batch);
	}

	// The next day that starts after the setup is done.
	let block = best_block(&client, &rpc).await?;
	let now = chain::time_at(&block).await?;
	let mut day = u32::try_from(now / DAY_LENGTH_MS)? + 1;
	if day_start(day) < now + SETUP_MARGIN_MS {
		day += 1;
	}
	let first_slot = day * SLOTS_PER_DAY;

	// Round 1, the operator (Root through sudo): main grid, producer,
	// liquidator, the group and the day, submitted at once, run in nonce order.
	let authority_calls = [
		chain::sudo("EnergyMarket", "set_main_grid_account", main_grid_fields(account(&ferdie))),
		chain::sudo(
			"EnergyMarket",
			"register_producer",
			vec![("producer", address_value(account(&dave)))],
		),
		chain::sudo(
			"EnergyMarket",
			"add_liquidator",
			vec![("liquidator", Value::from_bytes(liquidator))],
		),
		chain::sudo("EnergyMarket", "add_group", add_group_fields(account(&charlie), LEDGERS)),
		chain::sudo("EnergyMarket", "open_day", open_day_fields(day, EXPECTED_CONSUMPTION_WH)),
	];
	let emitted = submit_in_block(&client, &rpc, &alice, &authority_calls)
		.await
		.context("the operator's setup")?;
	let main_grid: MainGridAccountSet =
		event_of(&emitted[0], "EnergyMarket", "MainGridAccountSet")?;
	ensure!(main_grid.account == account(&ferdie), "main grid {main_grid:?}");
	let producer: ProducerRegistered = event_of(&emitted[1], "EnergyMarket", "ProducerRegistered")?;
	ensure!(producer.producer == account(&dave), "producer {producer:?}");
	let added: LiquidatorAdded = event_of(&emitted[2], "EnergyMarket", "LiquidatorAdded")?;
	ensure!(added.liquidator == liquidator, "liquidator {added:?}");
	let group: GroupAdded = event_of(&emitted[3], "EnergyMarket", "GroupAdded")?;
	ensure!(group.parent == ROOT && group.coordinator == account(&charlie), "group {group:?}");
	let ledger_kind = NodeKind::Ledger { group: group.group };
	let ledgers = events_of::<NodeAdded>(&emitted[3], "EnergyMarket", "NodeAdded")?
		.into_iter()
		.map(|added| {
			ensure!(
				added.parent == ROOT && added.kind == ledger_kind,
				"group {} added {added:?}",
				group.group
			);
			Ok(added.node)
		})
		.collect::<Result<Vec<u32>>>()?;
	ensure!(ledgers.len() == LEDGERS as usize, "the group has ledgers {ledgers:?}");
	let opened: DayOpened = event_of(&emitted[4], "EnergyMarket", "DayOpened")?;
	ensure!(opened.day == day, "opened {opened:?}, expected day {day}");

	// Round 2: Charlie lets Eve operate the group; Dave offers.
	let add_operator = [dynamic::transaction(
		"EnergyMarket",
		"add_operator",
		(group.group, MultiAddress::<AccountId32, ()>::Id(account(&eve))),
	)];
	let offers: Vec<_> = OFFER_SLOTS
		.map(|slot| {
			dynamic::transaction(
				"EnergyMarket",
				"add_offer",
				(day, slot, OFFER_CAPACITY_WH, OFFER_PRICE_PER_KWH),
			)
		})
		.collect();
	let operator_pending = submit_all(&client, &rpc, &charlie, &add_operator).await?;
	let offers_pending = submit_all(&client, &rpc, &dave, &offers).await?;
	let emitted = all_in_block(operator_pending).await.context("Charlie adding Eve")?;
	let operator: OperatorAdded = event_of(&emitted[0], "EnergyMarket", "OperatorAdded")?;
	ensure!(
		operator.group == group.group && operator.operator == account(&eve),
		"operator {operator:?}"
	);
	let emitted = all_in_block(offers_pending).await.context("Dave's offers")?;
	for (slot, emitted) in OFFER_SLOTS.zip(&emitted) {
		let offer: OfferAdded = event_of(emitted, "EnergyMarket", "OfferAdded")?;
		ensure!(
			offer.day == day
				&& offer.slot == slot
				&& offer.producer == account(&dave)
				&& offer.capacity_wh == OFFER_CAPACITY_WH
				&& offer.price_per_kwh == OFFER_PRICE_PER_KWH,
			"offer {offer:?}, expected slot {slot} of day {day}"
		);
	}

	// Round 3: Eve registers each ledger's pseudonyms; the auction closes.
	let registrations: Vec<_> = ledgers
		.iter()
		.zip(&pseudonyms)
		.map(|(ledger, batch)| {
			dynamic::transaction(
				"EnergyMarket",
				"register_pseudonyms",
				(*ledger, day, batch.iter().map(account).collect::<Vec<_>>()),
			)
		})
		.collect();
	let close =
		[chain::sudo("EnergyMarket", "close_auction", vec![("day", Value::u128(day.into()))])];
	let registrations_pending = submit_all(&client, &rpc, &eve, &registrations).await?;
	let close_pending = submit_all(&client, &rpc, &alice, &close).await?;
	let emitted = all_in_block(registrations_pending).await.context("Eve's registrations")?;
	for (ledger, emitted) in ledgers.iter().zip(&emitted) {
		let registered: PseudonymsRegistered =
			event_of(emitted, "EnergyMarket", "PseudonymsRegistered")?;
		ensure!(
			registered.ledger == *ledger
				&& registered.count == PSEUDONYMS_PER_LEDGER as u32
				&& (registered.first_day, registered.last_day) == (day, day),
			"registered {registered:?} into ledger {ledger}"
		);
	}
	let emitted = all_in_block(close_pending).await.context("closing the auction")?;
	let closed: AuctionClosed = event_of(&emitted[0], "EnergyMarket", "AuctionClosed")?;
	ensure!(closed.day == day, "closed {closed:?}, expected day {day}");
	// Every slot without an offer takes the fallback price.
	let fallback =
		events_of::<FallbackPriceUsed>(&emitted[0], "EnergyMarket", "FallbackPriceUsed")?;
	let fallback_slots: Vec<u32> = fallback.iter().map(|used| used.slot).collect();
	let unoffered: Vec<u32> =
		(0..SLOTS_PER_DAY).filter(|slot| !OFFER_SLOTS.contains(slot)).collect();
	ensure!(fallback_slots == unoffered, "fallback price in slots {fallback_slots:?}");
	ensure!(
		fallback.iter().all(|used| used.day == day && used.shortfall_wh == EXPECTED_CONSUMPTION_WH),
		"fallback events {fallback:?}"
	);

	let block = best_block(&client, &rpc).await?;
	let prices = day_prices(&block, day).await?.context("the runtime API does not know the day")?;
	ensure!(
		prices.phase == DayPhase::Trading && prices.slot_length_ms == SLOT_LENGTH_MS,
		"day {day} is {:?} with {} ms slots",
		prices.phase,
		prices.slot_length_ms
	);
	let expected_prices: Vec<u128> =
		(0..SLOTS_PER_DAY)
			.map(|slot| {
				if OFFER_SLOTS.contains(&slot) {
					OFFER_PRICE_PER_KWH
				} else {
					FALLBACK_PRICE_PER_KWH
				}
			})
			.collect();
	ensure!(prices.prices_per_kwh == expected_prices, "slot prices {:?}", prices.prices_per_kwh);

	// Three rounds of reports, each in the slot of the best block when it
	// starts (the chain takes a slot from its start to 12 slots later, so a
	// report must be in the next block or the one after). All reports of a
	// round are submitted before waiting for any: nine pseudonyms, nine
	// senders, one block.
	let until_start = Duration::from_millis(day_start(day).saturating_sub(now));
	let mut nets = vec![vec![0i64; SLOTS_PER_DAY as usize]; LEDGERS as usize];
	let mut next_slot = first_slot;
	for (round, shares) in SHARES.iter().enumerate() {
		let timeout = if round == 0 {
			until_start + Duration::from_secs(60)
		} else {
			Duration::from_secs(30)
		};
		let slot = wait_for_best_slot(&client, &rpc, next_slot, SLOT_LENGTH_MS, timeout)
			.await
			.with_context(|| format!("waiting for the slot of round {round}"))?;
		ensure!(slot < first_slot + SLOTS_PER_DAY, "round {round} in slot {slot}, after day {day}");
		let slot_of_day = (slot - first_slot) as usize;

		let mut pending = Vec::new();
		for ((batch, ledger_shares), ledger_nets) in
			pseudonyms.iter().zip(shares).zip(nets.iter_mut())
		{
			for (pseudonym, &share) in batch.iter().zip(ledger_shares) {
				let report = [dynamic::transaction("EnergyMarket", "report_share", (slot, share))];
				let progress = submit_all(&client, &rpc, pseudonym, &report)
					.await
					.with_context(|| format!("round {round}: submitting a report of {share} Wh"))?
					.pop()
					.context("nothing was submitted")?;
				pending.push((account(pseudonym), share, progress));
				ledger_nets[slot_of_day] += share;
			}
		}
		for (pseudonym, share, progress) in pending {
			let emitted = in_block(progress).await.with_context(|| {
				format!("round {round}: {pseudonym} reporting {share} Wh for slot {slot}")
			})?;
			let reported: ShareReported = event_of(&emitted, "EnergyMarket", "ShareReported")?;
			ensure!(
				reported.pseudonym == pseudonym
					&& reported.slot == slot
					&& reported.energy_wh == share,
				"round {round}: {reported:?}, expected {share} Wh from {pseudonym} in slot {slot}"
			);
		}
		next_slot = slot + 1;
	}

	// Each ledger nets its pseudonyms' shares, the root its ledgers'.
	let traded = best_block(&client, &rpc).await?;
	for (ledger, expected) in ledgers.iter().zip(&nets) {
		let on_chain = node_nets(&traded, *ledger, day)
			.await?
			.with_context(|| format!("no ledger {ledger}"))?;
		ensure!(
			on_chain == *expected,
			"ledger {ledger}: nets {:?}, expected {:?}",
			nonzero(&on_chain),
			nonzero(expected)
		);
	}
	let root_nets: Vec<i64> = (0..SLOTS_PER_DAY as usize)
		.map(|slot| nets.iter().map(|ledger_nets| ledger_nets[slot]).sum())
		.collect();
	let on_chain = node_nets(&traded, ROOT, day).await?.context("no root")?;
	ensure!(
		on_chain == root_nets,
		"root: nets {:?}, expected {:?}",
		nonzero(&on_chain),
		nonzero(&root_nets)
	);
	// The pseudonyms still hold nothing: their reports were free.
	for pseudonym in pseudonyms.iter().flatten() {
		let who = account(pseudonym);
		let info = account_info(&traded, who).await?;
		ensure!(
			info.data.free == 0 && info.nonce == SHARES.len() as u32 && info.providers >= 1,
			"pseudonym {who}: {info:?}"
		);
	}

	// Nobody below transacts again: the offchain worker's pages are all that
	// moves their balances from here on.
	let watched = [account(&charlie), account(&dave), account(&ferdie), pot_account()];
	let before = balances(&traded, &watched).await?;

	// The day closes 12 slots after its last; the node's offchain worker
	// then liquidates it (collection page, then payout page).
	let closing_ms = u64::from(first_slot + SLOTS_PER_DAY + REPORT_GRACE_SLOTS) * SLOT_LENGTH_MS;
	let until_close =
		Duration::from_millis(closing_ms.saturating_sub(chain::time_at(&traded).await?));
	let liquidated =
		wait_for_phase(&client, day, DayPhase::Liquidated, until_close + LIQUIDATION_TIMEOUT)
			.await
			.with_context(|| {
				format!(
					"the offchain worker did not liquidate day {day}; \
					 last lines of the node's log:\n{}",
					node.log_tail()
				)
			})?;
	let after = balances(&liquidated, &watched).await?;

	// The liquidation's events, from the block after the reports to the one
	// that shows the day liquidated.
	let (mut settled, mut pages, mut days) = (Vec::new(), Vec::new(), Vec::new());
	let mut page_blocks = Vec::new();
	for number in traded.block_number() + 1..=liquidated.block_number() {
		let block = client.at_block(number).await?;
		settled.extend(block_events::<NodeSettled>(&block, "EnergyMarket", "NodeSettled").await?);
		let liquidated_here =
			block_events::<PageLiquidated>(&block, "EnergyMarket", "PageLiquidated").await?;
		page_blocks.extend(liquidated_here.iter().map(|_| number));
		pages.extend(liquidated_here);
		days.extend(block_events::<DayLiquidated>(&block, "EnergyMarket", "DayLiquidated").await?);
	}
	// Four nodes (the root and three ledgers) fit one page a pass.
	let pages: Vec<(u32, u32)> = pages.iter().map(|page| (page.day, page.page)).collect();
	ensure!(pages == vec![(day, 0), (day, 1)], "pages liquidated: {pages:?}");
	let days: Vec<u32> = days.iter().map(|event| event.day).collect();
	ensure!(days == vec![day], "days liquidated: {days:?}");

	// polkadot.js decodes every block of the test as apps' explorer does,
	// the pages too: general transactions without a signer, in the blocks
	// that liquidated them.
	let general =
		crate::polkadot_js::decode_blocks(&node.ws_url(), 1, liquidated.block_number()).await?;
	let decoded: Vec<(u64, &str, Option<u64>, Option<u64>)> = general
		.iter()
		.map(|transaction| {
			let args = &transaction.args;
			let call = transaction.call.as_str();
			(transaction.block, call, args["day"].as_u64(), args["page"].as_u64())
		})
		.collect();
	let expected: Vec<(u64, &str, Option<u64>, Option<u64>)> = pages
		.iter()
		.zip(&page_blocks)
		.map(|((day, page), block)| {
			(*block, "energyMarket.liquidate", Some(u64::from(*day)), Some(u64::from(*page)))
		})
		.collect();
	ensure!(decoded == expected, "polkadot.js decoded the general transactions {general:?}");

	// What each node's day is worth at the slot prices.
	let prices_per_wh: Vec<i128> = prices
		.prices_per_kwh
		.iter()
		.map(|price| i128::try_from(price / 1_000))
		.collect::<Result<_, _>>()?;
	let ledger_values: Vec<i128> =
		nets.iter().map(|ledger_nets| day_value(ledger_nets, &prices_per_wh)).collect();
	let total = ledger_values.iter().sum::<i128>();
	ensure!(total == day_value(&root_nets, &prices_per_wh), "the root's value is not its ledgers'");
	let expected_settlements = ledgers
		.iter()
		.zip(&nets)
		.zip(&ledger_values)
		.map(|((ledger, ledger_nets), value)| (*ledger, ledger_nets.iter().sum::<i64>(), *value))
		.chain([(ROOT, root_nets.iter().sum::<i64>(), total)]);
	for (node_id, energy_wh, value) in expected_settlements {
		let found: Vec<&NodeSettled> = settled
			.iter()
			.filter(|settled| settled.day == day && settled.node == node_id)
			.collect();
		ensure!(
			found.len() == 1 && found[0].energy_wh == energy_wh && found[0].value == value,
			"node {node_id} settled as {found:?}, expected {energy_wh} Wh worth {value}"
		);
	}

	// The root bought what it drew from Dave's offers first (in its slots, up
	// to the offer's capacity), the rest from the main grid, and sold its
	// surplus to the main grid: Ferdie pays for that surplus.
	let (mut dave_due, mut ferdie_due) = (0i128, 0i128);
	for (slot, (&net, &price)) in root_nets.iter().zip(&prices_per_wh).enumerate() {
		let from_dave = if net > 0 && OFFER_SLOTS.contains(&(slot as u32)) {
			net.min(OFFER_CAPACITY_WH as i64)
		} else {
			0
		};
		dave_due += i128::from(from_dave) * price;
		ferdie_due += i128::from(net - from_dave) * price;
	}

	let change: Vec<i128> =
		before.iter().zip(&after).map(|(before, after)| *after as i128 - *before as i128).collect();
	let (charlie_change, dave_change, ferdie_change, pot_change) =
		(change[0], change[1], change[2], change[3]);
	// Charlie, the clearing account of all three ledgers, paid what the
	// buying ledgers owed and received what the selling ones were owed.
	ensure!(
		charlie_change == -total,
		"Charlie's balance changed by {charlie_change}, expected {} \
		 (ledger values {ledger_values:?})",
		-total
	);
	ensure!(dave_change == dave_due, "Dave received {dave_change}, expected {dave_due}");
	ensure!(
		ferdie_change == ferdie_due,
		"Ferdie's balance changed by {ferdie_change}, expected {ferdie_due}"
	);
	ensure!(
		dave_change + ferdie_change == total,
		"the producer and the main grid netted {}, the ledgers owed {total}",
		dave_change + ferdie_change
	);
	ensure!(pot_change == 0, "the pot kept {pot_change}");
	for who in [account(&charlie), account(&dave), account(&ferdie)] {
		let debt = debt_of(&liquidated, who).await?;
		let credit = credit_of(&liquidated, who).await?;
		ensure!(debt == 0 && credit == 0, "{who} has debt {debt} and credit {credit}");
	}
	Ok(())
}
