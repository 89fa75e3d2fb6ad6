//! The daemon's one TOML file: where the node is, where the keys are, where
//! readings come from, where the store lives, which programs to prove, how
//! many pseudonyms to report with, and where the dashboard listens.
use std::{net::SocketAddr, path::PathBuf};

pub use gridveil_offchain::config_file::ConfigError;
use gridveil_offchain::config_file::ConfigFile;
use serde::{Deserialize, Serialize};

use crate::meter::MeterIdentity;

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// The node the daemon submits to.
	pub node: NodeConfig,
	/// Key files.
	pub keys: KeysConfig,
	/// Where readings come from.
	pub meter: MeterConfig,
	/// The local store.
	pub store: StoreConfig,
	/// Demand-response programs to prove.
	#[serde(default)]
	pub demand_response: DemandResponseConfig,
	/// Pseudonymous trading shares.
	#[serde(default)]
	pub trading: TradingConfig,
	/// The local web page and metrics.
	#[serde(default)]
	pub dashboard: DashboardConfig,
}

/// The node.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
	/// WebSocket RPC address of a node on the LAN (`ws://`, no TLS).
	pub url: String,
}

/// Key files: each holds one secret URI (a mnemonic or `//Seed`, with optional
/// derivation path) and should be readable by the daemon's user only.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
	/// The device key the prosumer authorised with `DemandResponse::authorize_device`.
	pub device_key_file: PathBuf,
	/// The secret the pseudonyms derive from: `<secret>//gridveil//ledger//<i>`.
	pub pseudonym_secret_file: PathBuf,
}

/// Where readings come from.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeterConfig {
	/// `mqtt` (a real meter) or `replay` (the reference dataset, for demos).
	pub source: MeterSource,
	/// The meter's id in the chain's meter registry.
	pub id: u64,
	/// The meter's P-256 public key, SEC1 compressed (66 hex digits), as
	/// registered on chain: the box checks every attestation with it.
	pub public_key: String,
	/// The secret shared with the meter when the box was paired with it (64
	/// hex digits): every hour's fingerprint is blinded with it.
	pub pairing_secret_file: PathBuf,
	/// Length of one reading interval, ms: 900000 (15 minutes) in production.
	#[serde(default = "default_interval_ms")]
	pub interval_ms: u64,
	/// The MQTT broker the meter publishes to.
	#[serde(default)]
	pub mqtt: MqttConfig,
	/// The replayed dataset.
	#[serde(default)]
	pub replay: ReplayConfig,
}

/// The kind of meter.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MeterSource {
	/// Readings published over MQTT.
	Mqtt,
	/// Readings replayed from the reference dataset in real time.
	Replay,
}

/// MQTT settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
	/// Broker host.
	pub host: String,
	/// Broker port.
	pub port: u16,
	/// Topic the meter publishes readings to.
	pub topic: String,
	/// Topic the meter publishes its hourly attestations to.
	#[serde(default = "default_attestation_topic")]
	pub attestation_topic: String,
	/// Client id; the broker keeps this session's unacknowledged readings while the daemon is down.
	pub client_id: String,
}

impl Default for MqttConfig {
	fn default() -> Self {
		Self {
			host: "127.0.0.1".into(),
			port: 1883,
			topic: "gridveil/meter/readings".into(),
			attestation_topic: default_attestation_topic(),
			client_id: "gridveil-edge".into(),
		}
	}
}

fn default_attestation_topic() -> String {
	"gridveil/meter/attestations".into()
}

/// The replayed dataset, and the simulated meter that measures it (the
/// `replay` source and `gridveil-edge simulate`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
	/// The gzipped CSV (`edge-client/data/community-2016-15min.csv.gz`).
	pub dataset: PathBuf,
	/// Its column (a prosumer, e.g. `household-03`).
	pub prosumer: String,
	/// The simulated meter's P-256 signing key (64 hex digits; `gridveil-edge
	/// pair` writes one). A real meter keeps its key in its secure element.
	#[serde(default = "default_meter_key_file")]
	pub meter_key_file: PathBuf,
	/// Where the simulated meter keeps its chain across restarts.
	#[serde(default = "default_meter_state_file")]
	pub meter_state_file: PathBuf,
}

fn default_meter_key_file() -> PathBuf {
	PathBuf::from("/etc/gridveil/meter-simulator.key")
}

fn default_meter_state_file() -> PathBuf {
	PathBuf::from("/var/lib/gridveil/meter-simulator.json")
}

impl Default for ReplayConfig {
	fn default() -> Self {
		Self {
			dataset: PathBuf::from("/usr/share/gridveil/community-2016-15min.csv.gz"),
			prosumer: "household-03".into(),
			meter_key_file: default_meter_key_file(),
			meter_state_file: default_meter_state_file(),
		}
	}
}

/// The store.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
	/// The database file (created if missing).
	pub path: PathBuf,
}

/// Demand response.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemandResponseConfig {
	/// The Groth16 proving key of the deviation circuit (from `gridveil-circuits setup`).
	pub proving_key: Option<PathBuf>,
	/// The programs this box proves.
	#[serde(default)]
	pub programs: Vec<ProgramConfig>,
}

/// One accepted program.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
	/// The program id on chain.
	pub id: u64,
	/// JSON file with the aggregator's private request: `{"request": [24 × Wh], "salt": "<decimal>"}`.
	pub request_file: PathBuf,
}

/// Trading.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TradingConfig {
	/// Whether to report shares at all.
	pub enabled: bool,
	/// Pseudonyms (one per ledger of the group), n ≥ 1.
	pub pseudonyms: u32,
	/// Each share is sent at an independent random moment within this many
	/// ms after its slot's reading arrives; keep it inside the chain's report window.
	pub jitter_window_ms: u64,
	/// The shares are drawn within ±this many Wh whatever the reading, so
	/// their size says nothing about it (wider only when a reading exceeds
	/// `pseudonyms ×` it).
	#[serde(default = "default_share_spread_wh")]
	pub share_spread_wh: i64,
	/// Random shares (the default). `false` sends the reading in equal
	/// shares, which gives the profile away: only the privacy evaluation
	/// turns it off, to measure what the random shares buy.
	#[serde(default = "default_random_shares")]
	pub random_shares: bool,
	/// The group's coordinator (`http://host:port` of its service): the box
	/// relays the meter's signed readings there, against which the
	/// coordinator checks the shares. Unset: nothing is relayed and the
	/// coordinator leaves this box's shares unverified.
	#[serde(default)]
	pub coordinator_url: Option<String>,
	/// Hand each share, signed by its pseudonym, to the coordinator, which
	/// relays every ledger's shares of a slot in one batch (the default
	/// when `coordinator_url` is set). A share goes out directly (its own
	/// `report_share`) only if the coordinator refuses it, or if it is not
	/// on chain by the middle of its report window.
	#[serde(default = "default_relay_shares")]
	pub relay_shares: bool,
}

fn default_relay_shares() -> bool {
	true
}

/// The default half-width of the shares' range, Wh: far above any
/// 15-minute net of a small community's member (the reference dataset's
/// readings lie within −14.4 … +7.3 kWh), so that a share says nothing about
/// the size of the reading it came from, and wide enough that one day of a
/// pseudonym's shares times n profiles no better than guessing at n = 5
/// (docs/privacy.md, rotation: ±10 kWh left it 18 pp above guessing, ±100
/// kWh within 3 pp for every seed measured). It costs no extrinsic; it
/// widens what a coordinator fronts until its ledgers' debts are collected.
pub const DEFAULT_SPREAD_WH: i64 = 100_000;

fn default_share_spread_wh() -> i64 {
	DEFAULT_SPREAD_WH
}

fn default_random_shares() -> bool {
	true
}

impl Default for TradingConfig {
	fn default() -> Self {
		Self {
			enabled: false,
			pseudonyms: 3,
			jitter_window_ms: 300_000,
			share_spread_wh: default_share_spread_wh(),
			random_shares: default_random_shares(),
			coordinator_url: None,
			relay_shares: default_relay_shares(),
		}
	}
}

/// Dashboard.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
	/// Address of the web page and `/metrics`; keep it on loopback or the LAN.
	pub listen: SocketAddr,
}

impl Default for DashboardConfig {
	fn default() -> Self {
		Self { listen: SocketAddr::from(([127, 0, 0, 1], 8080)) }
	}
}

fn default_interval_ms() -> u64 {
	900_000
}

/// A commented example, printed by `gridveil-edge config example`.
pub const EXAMPLE: &str = r#"# gridveil-edge configuration. Paths are examples; keep key files mode 0600.

[node]
# A GridVeil node on the LAN (plain WebSocket).
url = "ws://127.0.0.1:9944"

[keys]
# Secret URI of the device key the prosumer authorised with
# DemandResponse::authorize_device (a mnemonic, or //Seed for tests).
device_key_file = "/etc/gridveil/device.key"
# Secret the pseudonyms derive from: ledger key <secret>//gridveil//ledger//<i>,
# and its soft child /<day> each trading day. Mode 0600, or the box refuses it.
pseudonym_secret_file = "/etc/gridveil/pseudonyms.key"

[meter]
# "mqtt": the meter publishes JSON readings to the broker below.
# "replay": the reference dataset is replayed in real time (demos).
source = "mqtt"
# The meter as the registrar registered it (MeterRegistry::register_meter):
# its id and its P-256 public key, SEC1 compressed. Every attestation is
# checked with it before the box stores it.
id = 4242
public_key = "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
# The secret shared with the meter at pairing (`gridveil-edge pair` writes
# one): it blinds every hour's fingerprint. Keep it mode 0600.
pairing_secret_file = "/etc/gridveil/pairing.key"
# One reading per interval; 900000 ms = 15 minutes.
interval_ms = 900000

[meter.mqtt]
host = "127.0.0.1"
port = 1883
# Payload: {"start_ms": <interval start, ms since epoch>, "import_wh": <u64>, "export_wh": <u64>}
topic = "gridveil/meter/readings"
# Payload: {"meter_id", "hour_end_ms", "fingerprint": "<64 hex>", "signature": "<128 hex>"}
attestation_topic = "gridveil/meter/attestations"
client_id = "gridveil-edge"

[meter.replay]
dataset = "/usr/share/gridveil/community-2016-15min.csv.gz"
prosumer = "household-03"

[store]
# Embedded ACID database; readings never leave it.
path = "/var/lib/gridveil/edge.redb"

[demand_response]
# Proving key of the deviation circuit (gridveil-circuits setup).
proving_key = "/etc/gridveil/deviation.pk"

[[demand_response.programs]]
id = 0
# {"request": [24 hourly Wh], "salt": "<decimal field element>"} from the aggregator.
request_file = "/etc/gridveil/program-0.json"

[trading]
enabled = true
# One pseudonym per ledger of the group.
pseudonyms = 3
# Each share goes out at a random moment within this window after its reading.
jitter_window_ms = 300000
# Shares are random within ±this many Wh, whatever the reading.
share_spread_wh = 100000
# The group's coordinator: the meter's signed readings are relayed there, so
# it can check (and verify) the shares. Use https:// beyond the LAN.
coordinator_url = "http://192.168.1.10:8090"
# The coordinator relays the shares in one batch per ledger and slot; a share
# goes out directly only if it cannot.
relay_shares = true

[dashboard]
listen = "127.0.0.1:8080"
"#;

impl MeterConfig {
	/// The meter's id and key, `None` if the key is malformed.
	pub fn identity(&self) -> Option<MeterIdentity> {
		MeterIdentity::new(self.id, &self.public_key)
	}
}

impl ConfigFile for Config {
	const PROGRAM: &'static str = "gridveil-edge";

	fn check(&self) -> Result<(), ConfigError> {
		if self.meter.interval_ms == 0 {
			return Err(ConfigError::Invalid("meter.interval_ms must be positive".into()));
		}
		if self.meter.identity().is_none() {
			return Err(ConfigError::Invalid(
				"meter.public_key must be 66 hex digits of a compressed P-256 point".into(),
			));
		}
		if self.trading.enabled && self.trading.pseudonyms == 0 {
			return Err(ConfigError::Invalid("trading.pseudonyms must be at least 1".into()));
		}
		if self.trading.share_spread_wh <= 0 {
			return Err(ConfigError::Invalid("trading.share_spread_wh must be positive".into()));
		}
		if !self.demand_response.programs.is_empty() && self.demand_response.proving_key.is_none() {
			return Err(ConfigError::Invalid(
				"demand_response.programs needs demand_response.proving_key".into(),
			));
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_printed_example_is_a_valid_configuration() {
		let config = Config::parse(EXAMPLE).unwrap();
		config.check().unwrap();
		assert_eq!(config.meter.source, MeterSource::Mqtt);
		assert_eq!(config.trading.pseudonyms, 3);
		assert_eq!(config.trading.share_spread_wh, DEFAULT_SPREAD_WH);
		assert!(config.trading.random_shares);
		assert_eq!(config.demand_response.programs.len(), 1);
	}

	#[test]
	fn unknown_fields_and_impossible_values_are_refused() {
		assert!(Config::parse(&EXAMPLE.replace("[store]", "[store]\ncolour = \"red\"")).is_err());
		let config =
			Config::parse(&EXAMPLE.replace("interval_ms = 900000", "interval_ms = 0")).unwrap();
		assert!(matches!(config.check(), Err(ConfigError::Invalid(_))));
		let config = Config::parse(&EXAMPLE.replace("pseudonyms = 3", "pseudonyms = 0")).unwrap();
		assert!(config.check().is_err());
		let config =
			Config::parse(&EXAMPLE.replace("share_spread_wh = 100000", "share_spread_wh = 0"))
				.unwrap();
		assert!(config.check().is_err());
	}
}
