//! A group's `gridveil-coordinator` on a real `--dev` node whose market clock
//! runs at one second a slot (a 96-second day, 30 s to report a slot), over
//! two trading days.
//!
//! The operator (sudo) adds a group of two ledgers coordinated by Charlie,
//! opens days d and d + 1, closes their auctions and registers the two
//! members' meters. The coordinator daemon, given the members' public ledger
//! keys once, registers each coming day's pseudonyms itself, one sorted batch
//! per ledger. The test plays the two members' boxes and meters: each slot,
//! both report their shares with that day's pseudonyms (feeless) and hand the
//! coordinator their meter-signed readings over HTTP. On day d + 1 the second
//! member reports shares that do not sum to its reading in one slot.
//!
//! Checked:
//! - rotation: day d's pseudonyms report on day d only, day d + 1's on d + 1
//!   only; a report outside its day is refused with its own error and pays
//!   its fee (never feeless);
//! - the coordinator, killed and started again in the middle of day d, loses
//!   nothing and repeats nothing: every day is registered exactly once, the
//!   readings it took before the kill are checked after it, and every
//!   extrinsic it sent succeeded (its nonce equals its events);
//! - automatic checking: every matching share is verified; both shares of the
//!   wrong slot are flagged, and nothing else.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{ensure, Context, Result};
use gridveil_harness::{
	account,
	chain::{self, Client, Rpc},
	coordinator::{self, CoordinatorConfig, Enrolled},
	demand_response::register_meter,
	edge::Process,
	energy_market::{
		account_info, add_group_fields, address_value, best_block, free_balance, in_block,
		main_grid_fields, open_day_fields, submit_all, submit_in_block, wait_for_best_slot,
		GroupAdded, NodeAdded, PseudonymsRegistered, ReportFlagged, ReportsVerified, SLOTS_PER_DAY,
	},
	node::{dev_spec_with_market_clock, Node, NodeSpec},
	UNIT,
};
use gridveil_offchain::pseudonyms;
use gridveil_p256::MeterSigningKey;
use subxt::{
	dynamic::{self, Value},
	utils::AccountId32,
};
use subxt_signer::sr25519::{self, Keypair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A trading slot: one second, so a day of 96 slots takes 96 s.
const SLOT_LENGTH_MS: u64 = 1_000;
/// Slots after a slot in which its shares may still be reported: five
/// 6-second blocks (the best block's slot moves six at a time).
const REPORT_GRACE_SLOTS: u32 = 30;
/// A trading day, ms.
const DAY_LENGTH_MS: u64 = SLOT_LENGTH_MS * SLOTS_PER_DAY as u64;
/// Time the setup and the coordinator's first registration need before day d.
const SETUP_MARGIN_MS: u64 = 45_000;
/// Ledgers in the group.
const LEDGERS: usize = 2;
/// Slots reported at the start of each day.
const SLOTS_REPORTED: u32 = 3;
/// Each member's meter reading in each reported slot (import, export), Wh.
const READINGS: [[(u64, u64); SLOTS_REPORTED as usize]; 2] =
	[[(420, 0), (0, 310), (150, 40)], [(90, 0), (275, 0), (0, 60)]];
/// The slot of day d + 1 in which the second member's shares are wrong, and by how much, Wh.
const WRONG_SLOT: u32 = 1;
/// See [`WRONG_SLOT`].
const WRONG_BY_WH: i64 = 100;
/// What a refused-report pseudonym is given, so that its refusal is the
/// pallet's error and not the pool's "cannot pay".
const PSEUDONYM_FUNDS: u128 = UNIT;

/// A member as its box and meter would be: its keys and its meter's.
struct Member {
	account: Keypair,
	ledger_keys: Vec<Keypair>,
	meter_id: u64,
	meter_key: MeterSigningKey,
}

impl Member {
	fn new(index: usize) -> Result<Self> {
		let secret = format!("//Member//{index}");
		Ok(Self {
			account: gridveil_harness::keypair(&secret)?,
			ledger_keys: (0..LEDGERS as u32)
				.map(|ledger| Ok(pseudonyms::ledger_key(&secret, ledger)?))
				.collect::<Result<_>>()?,
			meter_id: index as u64 + 1,
			meter_key: gridveil_edge::meter::new_signing_key().0,
		})
	}

	fn pseudonyms(&self, day: u32) -> Vec<Keypair> {
		self.ledger_keys.iter().map(|key| pseudonyms::day_key(key, day)).collect()
	}

	/// The meter's signed reading of `slot` as the coordinator takes it (JSON).
	fn signed_reading(&self, slot: u32, (import_wh, export_wh): (u64, u64)) -> String {
		let slot_end_ms = u64::from(slot + 1) * SLOT_LENGTH_MS;
		let message =
			gridveil_p256::slot_reading_message(self.meter_id, slot_end_ms, import_wh, export_wh);
		let signature: String = gridveil_p256::sign(&self.meter_key, &message)
			.iter()
			.map(|byte| format!("{byte:02x}"))
			.collect();
		format!(
			"{{\"meter_id\":{},\"slot_end_ms\":{slot_end_ms},\"import_wh\":{import_wh},\
			 \"export_wh\":{export_wh},\"signature\":\"{signature}\"}}",
			self.meter_id
		)
	}
}

/// Splits `net_wh` into one share a ledger (uneven, so no share equals another).
fn shares(net_wh: i64, slot_of_day: u32) -> [i64; LEDGERS] {
	let first = 1_000 + 37 * i64::from(slot_of_day);
	[first, net_wh - first]
}

/// `POST /readings` to the coordinator; fails unless every reading was kept.
async fn hand_in(url: &str, readings: &[String]) -> Result<()> {
	let address = url.trim_start_matches("http://");
	let body = format!("[{}]", readings.join(","));
	let mut stream = tokio::net::TcpStream::connect(address).await?;
	stream
		.write_all(
			format!(
				"POST /readings HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
				 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
				body.len()
			)
			.as_bytes(),
		)
		.await?;
	let mut answer = String::new();
	stream.read_to_string(&mut answer).await?;
	ensure!(answer.starts_with("HTTP/1.1 200"), "the coordinator answered {answer}");
	ensure!(!answer.contains("\"refused\":\""), "the coordinator refused a reading: {answer}");
	Ok(())
}

/// What the coordinator's extrinsics did, from the events of blocks 1 to the finalized one.
#[derive(Default)]
struct Seen {
	block: u64,
	/// Pseudonyms registered by day (sum of counts), and the calls.
	registered: BTreeMap<u32, u32>,
	registrations: u32,
	/// Reports verified by slot (sum of counts), and the calls.
	verified: BTreeMap<u32, u32>,
	verifications: u32,
	/// Flagged (pseudonym, slot).
	flagged: Vec<(AccountId32, u32)>,
}

impl Seen {
	async fn follow(&mut self, client: &Client, rpc: &Rpc) -> Result<()> {
		let finalized = chain::finalized_number(rpc).await?;
		while self.block < finalized {
			let number = self.block + 1;
			for event in client.at_block(number).await?.events().fetch().await?.iter() {
				let event = event?;
				match (event.pallet_name(), event.event_name()) {
					("EnergyMarket", "PseudonymsRegistered") => {
						let registered: PseudonymsRegistered =
							event.decode_fields_unchecked_as()?;
						ensure!(
							registered.first_day == registered.last_day,
							"a rotation of one day registered {registered:?}"
						);
						*self.registered.entry(registered.first_day).or_default() +=
							registered.count;
						self.registrations += 1;
					},
					("EnergyMarket", "ReportsVerified") => {
						let verified: ReportsVerified = event.decode_fields_unchecked_as()?;
						*self.verified.entry(verified.slot).or_default() += verified.count;
						self.verifications += 1;
					},
					("EnergyMarket", "ReportFlagged") => {
						let flagged: ReportFlagged = event.decode_fields_unchecked_as()?;
						self.flagged.push((flagged.pseudonym, flagged.slot));
					},
					_ => {},
				}
			}
			self.block = number;
		}
		Ok(())
	}
}

/// Each member reports its shares of the first [`SLOTS_REPORTED`] slots of
/// `day` (from `first_slot`), all at once, with the day's pseudonyms (the
/// second member off by [`WRONG_BY_WH`] in `wrong_slot`, if any), and hands
/// in its meter's readings.
async fn report_day(
	client: &Client,
	rpc: &Rpc,
	members: &[Member],
	coordinator_url: &str,
	day: u32,
	wrong_slot: Option<u32>,
) -> Result<()> {
	let first_slot = day * SLOTS_PER_DAY;
	let mut pending = Vec::new();
	let mut readings = Vec::new();
	for offset in 0..SLOTS_REPORTED {
		let slot = first_slot + offset;
		for (index, member) in members.iter().enumerate() {
			let reading = READINGS[index][offset as usize];
			let lie = if index == 1 && wrong_slot == Some(offset) { WRONG_BY_WH } else { 0 };
			let net = reading.0 as i64 - reading.1 as i64 + lie;
			for (pseudonym, share) in member.pseudonyms(day).iter().zip(shares(net, offset)) {
				let report = [dynamic::transaction("EnergyMarket", "report_share", (slot, share))];
				pending.extend(submit_all(client, rpc, pseudonym, &report).await?);
			}
			readings.push(member.signed_reading(slot, reading));
		}
	}
	hand_in(coordinator_url, &readings).await.context("handing in the meters' readings")?;
	for progress in pending {
		in_block(progress).await.with_context(|| format!("a report of day {day}"))?;
	}
	Ok(())
}

/// A report by `pseudonym` (given funds earlier) for `slot`, outside its
/// day: refused with `error`, and its fee paid.
async fn refused_outside_its_day(
	client: &Client,
	rpc: &Rpc,
	pseudonym: &Keypair,
	slot: u32,
	error: &str,
) -> Result<()> {
	let before = free_balance(&best_block(client, rpc).await?, account(pseudonym)).await?;
	let report = [dynamic::transaction("EnergyMarket", "report_share", (slot, 10i64))];
	let progress = submit_all(client, rpc, pseudonym, &report).await?.pop().context("no report")?;
	let outcome = match in_block(progress).await {
		Ok(_) => anyhow::bail!("a report outside its pseudonym's day was accepted"),
		Err(refused) => format!("{refused:#}"),
	};
	ensure!(outcome.contains(error), "refused without {error}: {outcome}");
	let after = free_balance(&best_block(client, rpc).await?, account(pseudonym)).await?;
	ensure!(after < before, "a refused report was feeless ({before} before, {after} after)");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_registers_day_pseudonyms_across_a_restart_and_flags_a_wrong_share(
) -> Result<()> {
	let spec = dev_spec_with_market_clock(SLOT_LENGTH_MS, REPORT_GRACE_SLOTS)?;
	let node = Node::start(NodeSpec::new("coordinator", spec.arg()?)?.with_args(["--dev"])).await?;
	let rpc = chain::rpc(&node.ws_url()).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;
	let client = chain::connect(&node.ws_url()).await?;
	let (alice, charlie, ferdie) =
		(sr25519::dev::alice(), sr25519::dev::charlie(), sr25519::dev::ferdie());
	let members = [Member::new(0)?, Member::new(1)?];

	let now = chain::time_at(&best_block(&client, &rpc).await?).await?;
	let mut day = u32::try_from(now / DAY_LENGTH_MS)? + 1;
	if u64::from(day) * DAY_LENGTH_MS < now + SETUP_MARGIN_MS {
		day += 1;
	}
	let (first_slot, next_first_slot) = (day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY);
	// The pseudonyms whose refusals are checked get funds, so that the pallet
	// (not the pool's fee check) is what refuses them.
	let (early, late) = (&members[0].pseudonyms(day + 1)[0], &members[0].pseudonyms(day)[0]);

	// The operator: main grid, the group, both days and their auctions, the meters.
	let mut calls = vec![
		chain::sudo("EnergyMarket", "set_main_grid_account", main_grid_fields(account(&ferdie))),
		chain::sudo(
			"EnergyMarket",
			"add_group",
			add_group_fields(account(&charlie), LEDGERS as u32),
		),
	];
	for opened in [day, day + 1] {
		calls.push(chain::sudo("EnergyMarket", "open_day", open_day_fields(opened, 500)));
		calls.push(chain::sudo(
			"EnergyMarket",
			"close_auction",
			vec![("day", Value::u128(opened.into()))],
		));
	}
	for member in &members {
		calls.push(register_meter(
			member.meter_id,
			gridveil_p256::public_key(&member.meter_key),
			account(&member.account),
		));
	}
	for funded in [early, late] {
		calls.push(dynamic::transaction(
			"Balances",
			"transfer_keep_alive",
			vec![address_value(account(funded)), Value::u128(PSEUDONYM_FUNDS)],
		));
	}
	let emitted =
		submit_in_block(&client, &rpc, &alice, &calls).await.context("the operator's setup")?;
	let group: GroupAdded =
		gridveil_harness::energy_market::event_of(&emitted[1], "EnergyMarket", "GroupAdded")?;
	let ledgers = gridveil_harness::energy_market::events_of::<NodeAdded>(
		&emitted[1],
		"EnergyMarket",
		"NodeAdded",
	)?;
	ensure!(ledgers.len() == LEDGERS, "the group has {} ledgers", ledgers.len());

	// The coordinator, given the members' public ledger keys once.
	let dir = tempfile::Builder::new().prefix("gridveil-coordinator-").tempdir()?;
	let config = CoordinatorConfig::new(&node.ws_url(), dir.path(), group.group, "//Charlie")?;
	let enrolled: Vec<Enrolled> =
		members.iter().map(|member| Enrolled::new(member.meter_id, &member.ledger_keys)).collect();
	config.write(&enrolled)?;
	let mut daemon: Process = config.start().await?;
	let day_pseudonyms: Vec<AccountId32> =
		members.iter().flat_map(|member| member.pseudonyms(day)).map(|key| account(&key)).collect();
	let until_start = (u64::from(day) * DAY_LENGTH_MS).saturating_sub(gridveil_edge::now_ms());
	coordinator::wait_for_registered(
		&client,
		&rpc,
		&day_pseudonyms,
		Duration::from_millis(until_start),
	)
	.await
	.context("the coordinator registering day d's pseudonyms before the day")?;

	// Day d: both members report; a day-(d+1) pseudonym may not yet.
	let timeout = Duration::from_millis(until_start) + Duration::from_secs(30);
	let last_reported = first_slot + SLOTS_REPORTED - 1;
	let slot = wait_for_best_slot(&client, &rpc, last_reported, SLOT_LENGTH_MS, timeout).await?;
	ensure!(slot < first_slot + REPORT_GRACE_SLOTS / 2, "day d's slots came too late ({slot})");
	report_day(&client, &rpc, &members, &config.url(), day, None).await?;
	// The coordinator registers day d + 1 once day d has begun.
	coordinator::wait_for_registered(&client, &rpc, &[account(early)], Duration::from_secs(30))
		.await
		.context("the coordinator registering day d+1's pseudonyms during day d")?;
	let now = chain::time_at(&best_block(&client, &rpc).await?).await?;
	let slot = u32::try_from(now / SLOT_LENGTH_MS)?;
	refused_outside_its_day(&client, &rpc, early, slot, "PseudonymNotYetValid").await?;
	// Killed before it checked those slots, started again on the same store.
	daemon.kill();
	tokio::time::sleep(Duration::from_secs(3)).await;
	let daemon = config.start().await?;

	// Day d + 1: the next pseudonyms; the second member lies in one slot; a
	// day-d pseudonym no longer reports.
	let last_reported = next_first_slot + SLOTS_REPORTED - 1;
	let slot =
		wait_for_best_slot(&client, &rpc, last_reported, SLOT_LENGTH_MS, Duration::from_secs(150))
			.await?;
	ensure!(
		slot < next_first_slot + REPORT_GRACE_SLOTS / 2,
		"day d+1's slots came too late ({slot})"
	);
	// Before day d's pseudonyms are removed (its window's end): one of them
	// tries day d + 1.
	let coordinator_url = config.url();
	tokio::try_join!(
		report_day(&client, &rpc, &members, &coordinator_url, day + 1, Some(WRONG_SLOT)),
		refused_outside_its_day(&client, &rpc, late, next_first_slot, "PseudonymExpired"),
	)?;

	// The coordinator checks each slot in its report window's last slot.
	let wrong = next_first_slot + WRONG_SLOT;
	let reported: Vec<u32> = (0..SLOTS_REPORTED)
		.flat_map(|offset| [first_slot + offset, next_first_slot + offset])
		.collect();
	let mut seen = Seen::default();
	let everything_checked = chain::poll(Duration::from_secs(90), async || {
		seen.follow(&client, &rpc).await?;
		let verified = reported.iter().filter(|slot| seen.verified.contains_key(slot)).count();
		Ok(if verified == reported.len() && !seen.flagged.is_empty() {
			Ok(())
		} else {
			Err(format!(
				"{verified} of {} slots verified, {} flags",
				reported.len(),
				seen.flagged.len()
			))
		})
	})
	.await;
	everything_checked.context("the coordinator checking the reported slots")?;

	for slot in &reported {
		let expected = if *slot == wrong { LEDGERS } else { LEDGERS * members.len() } as u32;
		ensure!(
			seen.verified.get(slot) == Some(&expected),
			"slot {slot}: {:?} reports verified, expected {expected}",
			seen.verified.get(slot)
		);
	}
	let mut flagged = seen.flagged.clone();
	flagged.sort();
	let mut liar: Vec<(AccountId32, u32)> =
		members[1].pseudonyms(day + 1).iter().map(|key| (account(key), wrong)).collect();
	liar.sort();
	ensure!(
		flagged == liar,
		"flagged {flagged:?}, expected the second member's shares of slot {wrong}"
	);

	// Every day registered once, each with every member's pseudonym in every ledger.
	for registered_day in [day, day + 1] {
		ensure!(
			seen.registered.get(&registered_day) == Some(&((LEDGERS * members.len()) as u32)),
			"day {registered_day}: {:?} pseudonyms registered",
			seen.registered.get(&registered_day)
		);
	}
	ensure!(
		seen.registered.values().all(|count| *count == (LEDGERS * members.len()) as u32),
		"a day registered twice or partly: {:?}",
		seen.registered
	);
	// Exactly once: every extrinsic the coordinator sent did what it says.
	let sent = seen.registrations + seen.verifications + seen.flagged.len() as u32;
	let nonce = account_info(&client.at_block(seen.block).await?, account(&charlie)).await?.nonce;
	ensure!(
		nonce == sent,
		"the coordinator sent {nonce} extrinsics, {sent} of them succeeded (registrations {}, \
		 verifications {}, flags {}); registered {:?}\n{}",
		seen.registrations,
		seen.verifications,
		seen.flagged.len(),
		seen.registered,
		daemon.log_tail()
	);
	Ok(())
}
