//! Who takes part in the demo, and their keys (well-known development keys
//! or `//GridVeil//…` derivations of the empty development phrase: a demo
//! chain's keys are public by design).

use std::path::Path;

use anyhow::Result;
pub use gridveil_harness::accounts::{account, keypair};
use gridveil_offchain::pseudonyms;
use subxt_signer::sr25519::{self, Keypair};

/// The dataset's prosumers (34 households, 10 businesses, 3 farms, 4
/// public buildings), as `edge-client/data/community-users.csv` lists them.
pub const HOUSEHOLDS: usize = 51;

/// The dataset's column names, in the order of its users file
/// (`community-users.csv`).
pub fn columns(users: &Path) -> Result<Vec<String>> {
	let path = users;
	let text = std::fs::read_to_string(path)
		.map_err(|error| anyhow::anyhow!("reading {}: {error}", path.display()))?;
	Ok(text
		.lines()
		.skip(1)
		.filter_map(|line| line.split(',').next())
		.filter(|name| !name.is_empty())
		.map(String::from)
		.collect())
}

/// Groups in the demo's tree, each under its own intermediate node.
pub const GROUPS: usize = 2;

/// Ledgers per group, and so pseudonyms per prosumer, unless the demo's
/// options say otherwise.
pub const LEDGERS_PER_GROUP: u32 = 3;

/// The secret URI of group `group`'s coordinator key.
pub fn coordinator_secret(group: usize) -> String {
	format!("//GridVeil//coordinator//{group}")
}

/// The secret URI of the liquidator key the validators' offchain workers hold.
pub const LIQUIDATOR_SURI: &str = "//GridVeil//liquidator";

/// One household of the dataset with its edge box.
pub struct Prosumer {
	/// Its index, 0 … 50.
	pub index: usize,
	/// Its column in the dataset (`household-03`, `farm-01`, …).
	pub column: String,
	/// The secret its main account and pseudonyms derive from.
	pub secret: String,
	/// Its main account (accepts programs, authorises the device).
	pub account: Keypair,
	/// The edge box's device key.
	pub device: Keypair,
	/// The device key's secret URI.
	pub device_secret: String,
	/// The group it trades in.
	pub group: usize,
	/// One ledger key per ledger of its group: each day's pseudonym in that
	/// ledger is its soft child by the day.
	pub ledger_keys: Vec<Keypair>,
	/// Whether it takes part in a demand-response program.
	pub in_program: bool,
}

impl Prosumer {
	/// Its pseudonyms on trading day `day`, one per ledger of its group.
	pub fn pseudonyms(&self, day: u32) -> Vec<Keypair> {
		self.ledger_keys.iter().map(|key| pseudonyms::day_key(key, day)).collect()
	}

	/// The dataset column it replays.
	pub fn column(&self) -> String {
		self.column.clone()
	}
}

/// The consortium's members on the demo's network, who carry its motions:
/// the validators' operators, the first `validators` of Alice, Bob, Charlie
/// and Dave (the `local` preset's members, cut as the network is).
pub fn consortium(validators: usize) -> Vec<Keypair> {
	[sr25519::dev::alice(), sr25519::dev::bob(), sr25519::dev::charlie(), sr25519::dev::dave()]
		.into_iter()
		.take(validators.max(1))
		.collect()
}

/// Everybody.
pub struct Actors {
	/// The operator who funds coordinators and devices, and who proposes
	/// the consortium's motions: Alice.
	pub operator: Keypair,
	/// The demand-response aggregator: Bob.
	pub aggregator: Keypair,
	/// The main grid's account: Ferdie.
	pub main_grid: Keypair,
	/// The producers: Charlie (cheap, small) and Dave (dearer, large).
	pub producers: [Keypair; 2],
	/// Each group's coordinator, who also operates it.
	pub coordinators: Vec<Keypair>,
	/// The prosumers, split over the groups in two halves.
	pub prosumers: Vec<Prosumer>,
	/// Ledgers in each group: each prosumer's pseudonyms.
	pub ledgers_per_group: u32,
}

impl Actors {
	/// The first `prosumers` households (at most 51) of the `users` file, the
	/// first `programs` of them in a demand-response program, each with a
	/// pseudonym in each of its group's `ledgers_per_group` ledgers.
	pub fn new(
		users: &Path,
		prosumers: usize,
		programs: usize,
		ledgers_per_group: u32,
	) -> Result<Self> {
		let per_group = prosumers.div_ceil(GROUPS);
		let prosumers = columns(users)?
			.into_iter()
			.take(prosumers)
			.enumerate()
			.map(|(index, column)| {
				let secret = format!("//GridVeil//prosumer//{index}");
				let device_secret = format!("{secret}//device");
				Ok(Prosumer {
					index,
					column,
					account: keypair(&secret)?,
					device: keypair(&device_secret)?,
					device_secret,
					group: index / per_group.max(1),
					ledger_keys: (0..ledgers_per_group)
						.map(|ledger| pseudonyms::ledger_key(&secret, ledger))
						.collect::<Result<_, _>>()?,
					secret,
					in_program: index < programs,
				})
			})
			.collect::<Result<Vec<_>>>()?;
		Ok(Self {
			operator: sr25519::dev::alice(),
			aggregator: sr25519::dev::bob(),
			main_grid: sr25519::dev::ferdie(),
			producers: [sr25519::dev::charlie(), sr25519::dev::dave()],
			coordinators: (0..GROUPS)
				.map(|group| keypair(&coordinator_secret(group)))
				.collect::<Result<_>>()?,
			prosumers,
			ledgers_per_group,
		})
	}

	/// The prosumers of `group`.
	pub fn members(&self, group: usize) -> impl Iterator<Item = &Prosumer> {
		self.prosumers.iter().filter(move |prosumer| prosumer.group == group)
	}

	/// The prosumers in a demand-response program.
	pub fn in_programs(&self) -> impl Iterator<Item = &Prosumer> {
		self.prosumers.iter().filter(|prosumer| prosumer.in_program)
	}
}
