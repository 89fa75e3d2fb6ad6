//! The demand-response hourly round under load: N programs on a fresh
//! chain, each prosumer with a registered meter, then every prosumer's
//! hour-0 proof with its meter's signatures at once, one extrinsic each or
//! in relayed batches.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use subxt::{
	config::PolkadotExtrinsicParamsBuilder,
	dynamic::{self, Value},
	utils::{AccountId32, MultiAddress},
};
use subxt_signer::sr25519::Keypair;

use super::{
	proofs::{commitment, CachedProof},
	results::{BlockSeenResult, Mode, RoundResult, Stats},
	tracker::{Signed, Tracker},
	Connection,
};
use gridveil_edge::submit::HourAttestation;
use gridveil_harness::{
	chain::{self, time_at, Client, GridVeilConfig},
	demand_response::{accept_program, register_meter},
	energy_market::best_block,
	keypair,
};
use gridveil_p256::{attestation_message, low_s, public_key, sign, MeterSigningKey};

pub(crate) use gridveil_harness::UNIT;
/// What each prosumer gets for its fees.
const FEE_FUNDS: u128 = 10 * UNIT;
/// Each program's reward.
const REWARD: u128 = UNIT;
/// Penalty per Wh.
const RATE_PER_WH: u128 = UNIT / 100_000;
/// Hours of each program (only hour 0 is submitted).
const HOURS: u32 = 24;
/// A fresh account's first nonce.
pub(crate) const FRESH_NONCE: u64 = 0;

/// Program `program_id`'s prosumer's meter: id `program_id + 1`, a key
/// derived from the id (the load's meters are simulated).
fn meter(program_id: u64) -> Result<(u64, MeterSigningKey)> {
	let mut secret = [0x5a_u8; 32];
	secret[24..].copy_from_slice(&program_id.to_be_bytes());
	Ok((program_id + 1, MeterSigningKey::from_slice(&secret)?))
}

/// What program `program_id`'s meter signs about hour 0 of a program from
/// `start`: 0 at its start (the cached proofs' previous fingerprint) and the
/// proof's fingerprint at its end.
fn hour_zero_attestation(
	proof: &CachedProof,
	start: u64,
	hour_length: u64,
) -> Result<HourAttestation> {
	let (meter_id, key) = meter(proof.program_id)?;
	let signed = |moment: u64, fingerprint: &[u8; 32]| {
		low_s(&sign(&key, &attestation_message(meter_id, moment, fingerprint)))
	};
	Ok(HourAttestation {
		signature: signed(start + hour_length, &proof.fingerprint)?,
		previous: Some(([0; 32], signed(start, &[0; 32])?)),
	})
}

/// What one round runs.
#[derive(Clone, Debug)]
pub struct Round {
	/// Prosumers (and programs), each with one proof.
	pub prosumers: usize,
	/// How the proofs are submitted.
	pub mode: Mode,
	/// Extrinsics per second handed to the node (`None`: as fast as it takes them).
	pub rate: Option<f64>,
	/// A name for the network in the results (`dev`, `local-4`).
	pub network: String,
}

/// The accounts of a run (development keys and `//GridVeil//load//…`
/// derivations: a load chain's keys are public by design).
struct Accounts {
	operator: Keypair,
	aggregator: Keypair,
	relayer: Keypair,
	funders: Vec<Keypair>,
	prosumers: Vec<Keypair>,
}

impl Accounts {
	fn new(prosumers: usize) -> Result<Self> {
		Ok(Self {
			operator: keypair("//Alice")?,
			aggregator: keypair("//Bob")?,
			relayer: keypair("//Ferdie")?,
			funders: ["//Alice", "//Charlie", "//Dave", "//Eve"]
				.into_iter()
				.map(keypair)
				.collect::<Result<_>>()?,
			prosumers: (0..prosumers)
				.map(|index| keypair(&format!("//GridVeil//load//prosumer//{index}")))
				.collect::<Result<_>>()?,
		})
	}
}

pub(crate) fn account(keypair: &Keypair) -> AccountId32 {
	keypair.public_key().to_account_id()
}

/// Signs payloads offline with consecutive nonces from `first`.
pub(crate) async fn sign_all<P: subxt::transactions::Payload>(
	client: &Client,
	signer: &Keypair,
	first: u64,
	payloads: &[P],
) -> Result<Vec<Signed>> {
	let block = client.at_current_block().await?;
	payloads
		.iter()
		.enumerate()
		.map(|(offset, payload)| sign_at(&block, signer, first + offset as u64, payload))
		.collect()
}

/// Signs one payload per signer, each at the nonce given with it (a load
/// run's accounts are fresh, so their nonces are known without asking).
pub(crate) async fn sign_each<'a, P: subxt::transactions::Payload>(
	client: &Client,
	signed_by: impl Iterator<Item = (&'a Keypair, u64, P)>,
) -> Result<Vec<Signed>> {
	let block = client.at_current_block().await?;
	signed_by.map(|(signer, nonce, payload)| sign_at(&block, signer, nonce, &payload)).collect()
}

/// Signs one payload offline (immortal: the nonce alone makes it unique).
fn sign_at<P: subxt::transactions::Payload>(
	block: &gridveil_harness::chain::AtBlock,
	signer: &Keypair,
	nonce: u64,
	payload: &P,
) -> Result<Signed> {
	let params = PolkadotExtrinsicParamsBuilder::<GridVeilConfig>::new().nonce(nonce).build();
	let signed = block.transactions().create_signable_offline(payload, params)?.sign(signer)?;
	Ok(Signed::new(signed.encoded().to_vec()))
}

/// Submits, waits until each is in a best block (a `--dev` chain does not
/// reorganise, and later setup only needs the effects), and fails unless
/// every one succeeded.
pub(crate) async fn settle_phase(
	tracker: &Tracker,
	signed: &[Signed],
	what: &str,
	timeout: Duration,
) -> Result<()> {
	tracker.submit(signed, None).await?;
	tracker.wait_included(signed, timeout).await.with_context(|| what.to_string())?;
	tracker.ensure_succeeded(signed, what)
}

/// Sets up `round.prosumers` programs on a fresh chain and runs the round.
/// `proofs` holds (at least) the proofs of programs `0..prosumers`; `say`
/// hears progress.
pub async fn run(
	connection: &Connection,
	round: &Round,
	verifying_key: &[u8],
	proofs: &[CachedProof],
	say: &impl Fn(&str),
) -> Result<RoundResult> {
	let count = round.prosumers;
	ensure!(proofs.len() >= count, "only {} cached proofs for {count} prosumers", proofs.len());
	let accounts = Accounts::new(count)?;
	let Connection { client, rpc, .. } = connection;
	let tracker = Tracker::start(connection).await?;
	let next_program: u64 = client
		.at_current_block()
		.await?
		.storage()
		.fetch(dynamic::storage::<(), u64>("DemandResponse", "NextProgramId"), ())
		.await?
		.decode()?;
	ensure!(next_program == 0, "the chain already has programs: run on a fresh chain");

	// The key, and money for every prosumer's fees.
	say(&format!("setup: the verifying key and fees for {count} prosumers"));
	let phase_timeout = Duration::from_secs(120 + count as u64 / 20);
	let key_call = chain::register_key(verifying_key);
	let first = rpc.system_account_next_index(&account(&accounts.operator)).await?;
	let mut operator_calls = vec![key_call];
	for (program_id, prosumer) in accounts.prosumers.iter().enumerate() {
		let (meter_id, key) = meter(program_id as u64)?;
		operator_calls.push(register_meter(meter_id, public_key(&key), account(prosumer)));
	}
	let key = sign_all(client, &accounts.operator, first, &operator_calls).await?;
	settle_phase(&tracker, &key, "register_key and meters", phase_timeout).await?;
	let key_id: u32 = best_block(client, rpc)
		.await?
		.storage()
		.fetch(dynamic::storage::<(), u32>("ZkVerifier", "NextKeyId"), ())
		.await?
		.decode()?
		.checked_sub(1)
		.context("no key registered")?;
	let mut funding = Vec::new();
	for (index, funder) in accounts.funders.iter().enumerate() {
		let transfers: Vec<_> = accounts
			.prosumers
			.iter()
			.skip(index)
			.step_by(accounts.funders.len())
			.map(|prosumer| {
				dynamic::transaction(
					"Balances",
					"transfer_keep_alive",
					(MultiAddress::<AccountId32, ()>::Id(account(prosumer)), FEE_FUNDS),
				)
			})
			.collect();
		let first = rpc.system_account_next_index(&account(funder)).await?;
		funding.extend(sign_all(client, funder, first, &transfers).await?);
	}
	settle_phase(&tracker, &funding, "funding", phase_timeout).await?;

	// The programs: offered, then accepted, before hour 0 begins.
	let hour_length: u64 = best_block(client, rpc)
		.await?
		.storage()
		.fetch(dynamic::storage::<(), u64>("DemandResponse", "HourLength"), ())
		.await?
		.decode()?;
	let now = time_at(&best_block(client, rpc).await?).await?;
	// On a whole hour: meters sign at each hour's end.
	let start = (now + 30_000 + count as u64 * 10).div_ceil(hour_length.max(1)) * hour_length;
	say(&format!(
		"setup: {count} programs offered and accepted, hour 0 starts in {} s",
		(start - now) / 1000
	));
	let offers: Vec<_> = accounts
		.prosumers
		.iter()
		.enumerate()
		.map(|(program_id, prosumer)| {
			dynamic::transaction(
				"DemandResponse",
				"offer_program",
				(
					MultiAddress::<AccountId32, ()>::Id(account(prosumer)),
					key_id,
					commitment(program_id as u64),
					REWARD,
					RATE_PER_WH,
					start,
					HOURS,
				),
			)
		})
		.collect();
	let first = rpc.system_account_next_index(&account(&accounts.aggregator)).await?;
	let offered = sign_all(client, &accounts.aggregator, first, &offers).await?;
	settle_phase(&tracker, &offered, "offer_program", phase_timeout).await?;
	let accepts = accounts.prosumers.iter().enumerate().map(|(program_id, prosumer)| {
		let meter_id = program_id as u64 + 1;
		(prosumer, FRESH_NONCE, accept_program(program_id as u64, meter_id))
	});
	let accepted = sign_each(client, accepts).await?;
	settle_phase(&tracker, &accepted, "accept_program", phase_timeout).await?;
	let latest = time_at(&best_block(client, rpc).await?).await?;
	ensure!(
		latest < start,
		"the setup took past the programs' start: more time per program is needed"
	);

	// The round's extrinsics, signed before hour 0 ends so that signing is
	// not measured.
	let round_extrinsics = match round.mode {
		Mode::Single => {
			let calls = accounts
				.prosumers
				.iter()
				.zip(proofs)
				.map(|(prosumer, proof)| {
					let attestation = hour_zero_attestation(proof, start, hour_length)?;
					Ok((
						prosumer,
						FRESH_NONCE + 1,
						dynamic::transaction(
							"DemandResponse",
							"submit_deviation",
							single_fields(proof, &attestation),
						),
					))
				})
				.collect::<Result<Vec<_>>>()?;
			sign_each(client, calls.into_iter()).await?
		},
		Mode::Batch(size) => {
			let entries: Vec<Value> = accounts
				.prosumers
				.iter()
				.zip(proofs)
				.map(|(prosumer, proof)| {
					Ok(signed_entry(
						prosumer,
						proof,
						&hour_zero_attestation(proof, start, hour_length)?,
					))
				})
				.collect::<Result<_>>()?;
			let batches: Vec<_> = entries
				.chunks(size as usize)
				.map(|chunk| {
					dynamic::transaction(
						"DemandResponse",
						"submit_deviations",
						vec![Value::unnamed_composite(chunk.iter().cloned())],
					)
				})
				.collect();
			let first = rpc.system_account_next_index(&account(&accounts.relayer)).await?;
			sign_all(client, &accounts.relayer, first, &batches).await?
		},
	};
	let hour_end = start + hour_length;
	say(&format!("waiting for hour 0 to end ({} s)", hour_end.saturating_sub(latest) / 1000));
	chain::poll(Duration::from_millis(hour_end.saturating_sub(latest) + 60_000), async || {
		let now = time_at(&best_block(client, rpc).await?).await?;
		Ok(if now >= hour_end { Ok(()) } else { Err(format!("chain time {now} < {hour_end}")) })
	})
	.await?;

	say(&format!(
		"round: {count} proofs in {} extrinsics ({:?})",
		round_extrinsics.len(),
		round.mode
	));
	let round_started = Instant::now();
	tracker.submit(&round_extrinsics, round.rate).await?;
	let submitted_in = round_started.elapsed();
	tracker.wait_final(Duration::from_secs(600)).await.context("the round")?;
	tracker.ensure_succeeded(&round_extrinsics, "round extrinsic")?;

	let timings = tracker.timings(&round_extrinsics, round_started)?;
	let blocks: Vec<BlockSeenResult> =
		timings.blocks.into_iter().map(BlockSeenResult::from).collect();
	let registered: usize = blocks.iter().map(|block| block.deviations).sum();
	ensure!(registered == count, "{registered} deviations registered, expected {count}");
	Ok(RoundResult {
		network: round.network.clone(),
		mode: round.mode,
		prosumers: count,
		extrinsics: round_extrinsics.len(),
		rate: round.rate,
		submitted_s: submitted_in.as_secs_f64(),
		all_included_s: timings.all_included_s,
		all_finalized_s: timings.all_finalized_s,
		inclusion_latency_s: Stats::of(&timings.inclusion_s),
		finality_latency_s: Stats::of(&timings.finality_s),
		actual_weight_ms: Stats::of(&timings.actual_weights),
		blocks,
		round_start_ms: tracker.ms_since_start(round_started),
		current_finality: true,
	})
}

/// `submit_deviation`'s fields for a cached proof (hour 0).
fn single_fields(proof: &CachedProof, attestation: &HourAttestation) -> Vec<Value> {
	vec![
		Value::u128(proof.program_id.into()),
		Value::u128(0),
		Value::u128(proof.deviation.into()),
		Value::from_bytes(proof.fingerprint),
		Value::from_bytes(proof.proof),
		attestation.value(),
	]
}

/// A `SignedDeviation` of a cached proof, signed by the prosumer.
fn signed_entry(prosumer: &Keypair, proof: &CachedProof, attestation: &HourAttestation) -> Value {
	let payload = pallet_demand_response::deviation_payload(
		proof.program_id,
		0,
		proof.deviation,
		&proof.fingerprint,
		&proof.proof,
	);
	let signature = prosumer.sign(&payload);
	Value::named_composite([
		("program_id", Value::u128(proof.program_id.into())),
		("hour", Value::u128(0)),
		("deviation", Value::u128(proof.deviation.into())),
		("fingerprint", Value::from_bytes(proof.fingerprint)),
		("proof", Value::from_bytes(proof.proof)),
		("attestation", attestation.value()),
		("signer", Value::from_bytes(account(prosumer).0)),
		("signature", Value::unnamed_variant("Sr25519", [Value::from_bytes(signature.0)])),
	])
}
