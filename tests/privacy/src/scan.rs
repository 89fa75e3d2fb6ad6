//! The scan after a run: does anything the chain published (every
//! extrinsic, every event, every storage entry) hold a meter reading, a
//! flexibility request or a link between a pseudonym and its owner?
//!
//! - Readings: any hour (four consecutive 15-minute readings: net, import or
//!   export) of any prosumer, as consecutive integers of 2, 4, 8 or 16
//!   bytes; and any pseudonym whose reported series follows its owner's
//!   readings (|correlation| ≥ 0.9: a reading up to scale).
//! - Requests: any four consecutive hours of a program's request, as
//!   integers of 4, 8 or 16 bytes, and the request's salt, either byte order.
//! - Links: any one item holding a pseudonym together with its owner's
//!   account or device key, or with another of the owner's pseudonyms.
//!
//! Only distinctive runs are searched (no zero, at least three different
//! values), so that a match is the secret itself and not a coincidence.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use super::chain_view::Published;

/// Consecutive values searched for: one program hour of readings.
pub const RUN: usize = 4;
/// The correlation above which a reported series is a reading up to scale.
pub const FOLLOWS: f64 = 0.9;
/// Examples kept per kind of finding.
const EXAMPLES: usize = 5;

/// What the scan is told: the secrets it looks for (the harness's ground
/// truth, never the adversary's).
#[derive(Clone, Debug, Default)]
pub struct Secrets {
	/// Per prosumer, its 96 readings of the day: net, import and export, Wh.
	pub readings: Vec<[Vec<i64>; 3]>,
	/// Per program, its 24 requested Wh.
	pub requests: Vec<Vec<u64>>,
	/// Per program, its salt as a 32-byte little-endian scalar.
	pub salts: Vec<[u8; 32]>,
	/// Per program: its id and its prosumer's consumption in each of its
	/// 24 hours, Wh.
	pub program_consumption: Vec<(u64, Vec<i64>)>,
	/// Per prosumer, its own accounts (main account, device key).
	pub identities: Vec<Vec<AccountId32>>,
	/// Per prosumer, its pseudonyms.
	pub pseudonyms: Vec<Vec<AccountId32>>,
}

/// What the scan found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Findings {
	/// Items scanned.
	pub items: usize,
	/// Their bytes.
	pub bytes: usize,
	/// Items holding an hour of some prosumer's readings.
	pub readings: usize,
	/// Pseudonyms whose reported day follows their owner's readings.
	pub series_following_readings: usize,
	/// Items holding a run of a request or its salt.
	pub requests: usize,
	/// Programs whose public deviations follow the prosumer's hourly
	/// consumption (|correlation| ≥ 0.9): the request is then a known
	/// function of the consumption, and the deviation gives it away.
	#[serde(default)]
	pub deviations_following_consumption: usize,
	/// Items linking a pseudonym to its owner or to another of its pseudonyms.
	pub links: usize,
	/// Some of the findings, for the page.
	pub examples: Vec<String>,
}

impl Findings {
	/// Nothing found.
	pub fn clean(&self) -> bool {
		self.readings == 0
			&& self.series_following_readings == 0
			&& self.requests == 0
			&& self.links == 0
	}
}

/// Whose an account is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
	Identity(usize),
	Pseudonym(usize),
}

/// Runs of `values` worth searching: no zero, at least three distinct.
fn distinctive_runs(values: &[i64]) -> impl Iterator<Item = &[i64]> {
	values.windows(RUN).filter(|run| {
		let mut distinct = run.to_vec();
		distinct.sort_unstable();
		distinct.dedup();
		!run.contains(&0) && distinct.len() >= 3
	})
}

/// `run` as little-endian integers of `width` bytes, if every value fits.
fn encode(run: &[i64], width: usize) -> Option<Vec<u8>> {
	let mut bytes = Vec::with_capacity(run.len() * width);
	for value in run {
		let wide = i128::from(*value);
		let fits = match width {
			2 => i16::try_from(*value).is_ok(),
			4 => i32::try_from(*value).is_ok(),
			_ => true,
		};
		if !fits {
			return None;
		}
		bytes.extend_from_slice(&wide.to_le_bytes()[..width]);
	}
	Some(bytes)
}

/// Byte patterns of one kind, by length.
#[derive(Default)]
struct Patterns {
	by_length: BTreeMap<usize, HashMap<Vec<u8>, String>>,
}

impl Patterns {
	fn add(&mut self, bytes: Vec<u8>, what: String) {
		self.by_length.entry(bytes.len()).or_default().insert(bytes, what);
	}

	/// The first pattern found in `bytes`.
	fn find(&self, bytes: &[u8]) -> Option<&String> {
		self.by_length.iter().find_map(|(length, patterns)| {
			bytes.windows(*length).find_map(|window| patterns.get(window))
		})
	}
}

/// Pearson's correlation of two series of one length (0 if either is flat).
pub fn correlation(left: &[f64], right: &[f64]) -> f64 {
	let count = left.len().min(right.len()) as f64;
	if count < 2.0 {
		return 0.0;
	}
	let mean = |values: &[f64]| values.iter().sum::<f64>() / count;
	let (left_mean, right_mean) = (mean(left), mean(right));
	let (mut product, mut left_square, mut right_square) = (0.0, 0.0, 0.0);
	for (x, y) in left.iter().zip(right) {
		product += (x - left_mean) * (y - right_mean);
		left_square += (x - left_mean).powi(2);
		right_square += (y - right_mean).powi(2);
	}
	if left_square == 0.0 || right_square == 0.0 {
		return 0.0;
	}
	product / (left_square * right_square).sqrt()
}

/// Scans `items` for `secrets`; `reported[pseudonym]` is the day each
/// pseudonym reported (96 slots), and `deviations` each program hour's
/// public deviation (program, hour, Wh), as the adversary rebuilds them
/// from events. The deviations are public by design; the scan only tells
/// whether they follow a prosumer's consumption, which it reports apart
/// (it does not make the run unclean).
pub fn scan(
	items: &[Published],
	secrets: &Secrets,
	reported: &BTreeMap<AccountId32, Vec<f64>>,
	deviations: &[(u64, u32, u64)],
) -> Findings {
	let mut readings = Patterns::default();
	for (prosumer, series) in secrets.readings.iter().enumerate() {
		for (kind, values) in ["net", "import", "export"].iter().zip(series) {
			for run in distinctive_runs(values) {
				for width in [2, 4, 8, 16] {
					if let Some(bytes) = encode(run, width) {
						readings
							.add(bytes, format!("prosumer {prosumer}'s {kind} readings {run:?}"));
					}
				}
			}
		}
	}
	let mut requests = Patterns::default();
	for (program, request) in secrets.requests.iter().enumerate() {
		let request: Vec<i64> =
			request.iter().map(|wh| i64::try_from(*wh).unwrap_or(i64::MAX)).collect();
		for run in distinctive_runs(&request) {
			for width in [4, 8, 16] {
				if let Some(bytes) = encode(run, width) {
					requests.add(bytes, format!("program {program}'s request {run:?}"));
				}
			}
		}
	}
	for (program, salt) in secrets.salts.iter().enumerate() {
		requests.add(salt.to_vec(), format!("program {program}'s salt"));
		let mut reversed = *salt;
		reversed.reverse();
		requests.add(reversed.to_vec(), format!("program {program}'s salt, big-endian"));
	}
	let mut holders: HashMap<[u8; 32], Holder> = HashMap::new();
	for (prosumer, accounts) in secrets.identities.iter().enumerate() {
		for account in accounts {
			holders.insert(account.0, Holder::Identity(prosumer));
		}
	}
	for (prosumer, accounts) in secrets.pseudonyms.iter().enumerate() {
		for account in accounts {
			holders.insert(account.0, Holder::Pseudonym(prosumer));
		}
	}

	let mut findings = Findings { items: items.len(), ..Findings::default() };
	let note = |findings: &mut Findings, example: String| {
		if findings.examples.len() < EXAMPLES * 4 {
			findings.examples.push(example);
		}
	};
	for item in items {
		findings.bytes += item.bytes.len();
		if let Some(what) = readings.find(&item.bytes) {
			findings.readings += 1;
			note(&mut findings, format!("{}: {what}", item.label));
		}
		if let Some(what) = requests.find(&item.bytes) {
			findings.requests += 1;
			note(&mut findings, format!("{}: {what}", item.label));
		}
		let mut seen: Vec<Holder> =
			item.bytes.windows(32).filter_map(|window| holders.get(window).copied()).collect();
		seen.sort_by_key(|holder| match holder {
			Holder::Identity(prosumer) => (*prosumer, 0),
			Holder::Pseudonym(prosumer) => (*prosumer, 1),
		});
		seen.dedup();
		let linked = seen.iter().find_map(|holder| {
			let Holder::Pseudonym(owner) = holder else { return None };
			let others = seen
				.iter()
				.filter(|other| match other {
					Holder::Identity(prosumer) => prosumer == owner,
					Holder::Pseudonym(_) => false,
				})
				.count();
			let pseudonyms = item
				.bytes
				.windows(32)
				.filter(|window| holders.get(*window) == Some(&Holder::Pseudonym(*owner)))
				.map(<[u8]>::to_vec)
				.collect::<std::collections::BTreeSet<_>>()
				.len();
			(others > 0 || pseudonyms > 1).then_some(*owner)
		});
		if let Some(owner) = linked {
			findings.links += 1;
			note(&mut findings, format!("{}: links prosumer {owner}'s pseudonym", item.label));
		}
	}
	for (prosumer, accounts) in secrets.pseudonyms.iter().enumerate() {
		let Some([net, _, _]) = secrets.readings.get(prosumer) else { continue };
		let net: Vec<f64> = net.iter().map(|wh| *wh as f64).collect();
		for pseudonym in accounts {
			let Some(series) = reported.get(pseudonym) else { continue };
			let r = correlation(series, &net);
			if r.abs() >= FOLLOWS {
				findings.series_following_readings += 1;
				note(
					&mut findings,
					format!("pseudonym {pseudonym}: its day follows prosumer {prosumer}'s readings (r = {r:.3})"),
				);
			}
		}
	}
	for (program, consumption) in &secrets.program_consumption {
		let mut public = vec![0.0; consumption.len()];
		for (_, hour, deviation) in deviations.iter().filter(|(id, _, _)| id == program) {
			if let Some(slot) = public.get_mut(*hour as usize) {
				*slot = *deviation as f64;
			}
		}
		let consumption: Vec<f64> = consumption.iter().map(|wh| *wh as f64).collect();
		let r = correlation(&public, &consumption);
		if r.abs() >= FOLLOWS {
			findings.deviations_following_consumption += 1;
			note(
				&mut findings,
				format!(
					"program {program}: its deviations follow the hourly consumption (r = {r:.3})"
				),
			);
		}
	}
	findings
}

#[cfg(test)]
mod tests {
	use super::*;

	fn account(byte: u8) -> AccountId32 {
		AccountId32([byte; 32])
	}

	fn secrets() -> Secrets {
		let net: Vec<i64> = (0..96).map(|slot| 100 + slot * 7 - (slot % 5) * 30).collect();
		Secrets {
			readings: vec![[net.clone(), net.clone(), vec![0; 96]]],
			requests: vec![(0..24).map(|hour| 400 + hour * 11).collect()],
			salts: vec![[9; 32]],
			program_consumption: vec![(4, (0..24).map(|hour| 300 + (hour % 6) * 90).collect())],
			identities: vec![vec![account(1), account(2)], vec![account(3)]],
			pseudonyms: vec![vec![account(11), account(12)], vec![account(13)]],
		}
	}

	fn item(bytes: Vec<u8>) -> Published {
		Published { label: "test item".into(), bytes }
	}

	#[test]
	fn innocent_items_are_clean() {
		let secrets = secrets();
		let mut share_event = vec![7u8; 5];
		share_event.extend(account(11).0);
		share_event.extend(123_456i64.to_le_bytes());
		// Pseudonyms of different prosumers together (a sorted registration batch).
		let mut batch = account(11).0.to_vec();
		batch.extend(account(13).0);
		let reported = BTreeMap::from([(account(11), vec![5.0; 96])]);
		// Deviations from a request that does not follow the consumption.
		let deviations: Vec<(u64, u32, u64)> =
			(0..24).map(|hour| (4, hour, u64::from(hour % 5) * 40)).collect();
		let findings = scan(&[item(share_event), item(batch)], &secrets, &reported, &deviations);
		assert!(findings.clean(), "{findings:?}");
		assert_eq!(findings.deviations_following_consumption, 0);
		assert_eq!(findings.items, 2);
	}

	#[test]
	fn a_reading_a_request_and_a_link_are_each_found() {
		let secrets = secrets();
		let hour: Vec<u8> = secrets.readings[0][0][40..44]
			.iter()
			.flat_map(|wh| (*wh as u32).to_le_bytes())
			.collect();
		let request: Vec<u8> =
			secrets.requests[0][3..7].iter().flat_map(|wh| wh.to_le_bytes()).collect();
		let mut transfer = account(1).0.to_vec();
		transfer.extend(account(12).0);
		let mut two_pseudonyms = account(11).0.to_vec();
		two_pseudonyms.extend(account(12).0);
		let follows: Vec<f64> =
			secrets.readings[0][0].iter().map(|wh| *wh as f64 / 3.0 + 2.0).collect();
		let reported = BTreeMap::from([(account(12), follows)]);
		let findings = scan(
			&[
				item([vec![1, 2, 3], hour].concat()),
				item(request),
				item(vec![9; 40]),
				item(transfer),
				item(two_pseudonyms),
			],
			&secrets,
			&reported,
			// A request of 90 % of the consumption: the deviation is a tenth of it.
			&secrets.program_consumption[0]
				.1
				.iter()
				.enumerate()
				.map(|(hour, wh)| (4, hour as u32, (*wh / 10) as u64))
				.collect::<Vec<_>>(),
		);
		assert_eq!(findings.readings, 1, "{findings:?}");
		assert_eq!(findings.deviations_following_consumption, 1);
		assert_eq!(findings.requests, 2, "the request's run and the salt");
		assert_eq!(findings.links, 2, "owner with pseudonym, two pseudonyms of one owner");
		assert_eq!(findings.series_following_readings, 1);
		assert!(!findings.clean());
	}

	#[test]
	fn runs_with_zeros_or_repeats_are_not_searched() {
		assert_eq!(distinctive_runs(&[0, 5, 6, 7, 8]).count(), 1);
		assert_eq!(distinctive_runs(&[5, 5, 5, 6]).count(), 0);
		assert_eq!(encode(&[70_000, 1, 2, 3], 2), None);
		assert_eq!(encode(&[-1, 1, 2, 3], 2).unwrap()[..2], [0xff, 0xff]);
	}
}
