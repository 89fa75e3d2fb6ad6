//! `gridveil-edge`: the prosumer's daemon and its tools.
use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use gridveil_edge::{
	audit::{self, Finding, MeterCheck},
	config::{self, Config},
	daemon, ingest,
	meter::{self, PairingSecret},
	store::Store,
};
use gridveil_offchain::{chain::Chain, config_file::ConfigFile, pseudonyms, secret_file};

/// The prosumer's edge daemon: meter in, proofs and shares out.
#[derive(Parser)]
#[command(name = "gridveil-edge", version, about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Runs the daemon: ingest, store, prove, split, submit, dashboard.
	Run {
		/// The configuration file.
		#[arg(long, short)]
		config: PathBuf,
	},
	/// Configuration helpers.
	Config {
		#[command(subcommand)]
		command: ConfigCommand,
	},
	/// Recomputes a program's fingerprints from the store and compares them
	/// with the chain; names the first tampered hour (exit code 1).
	Audit {
		/// The configuration file.
		#[arg(long, short)]
		config: PathBuf,
		/// The program.
		#[arg(long)]
		program: u64,
		/// Only this hour.
		#[arg(long)]
		hour: Option<u32>,
	},
	/// Prints what the group's coordinator needs once, when this box joins:
	/// the meter's id and the public ledger keys from which it derives each
	/// day's pseudonyms (a `[[members]]` entry of its member file). They
	/// link this box's pseudonyms across days: give them to the coordinator
	/// only.
	Enrol {
		/// The configuration file.
		#[arg(long, short)]
		config: PathBuf,
	},
	/// Pairs a simulated meter with this box: writes the secret they share
	/// (`pairing.key`) and the simulated meter's P-256 signing key
	/// (`meter.key`), both mode 0600 and never overwritten, and prints the
	/// meter's public key for the registrar (`MeterRegistry::register_meter`).
	/// A real meter brings its own key; only the pairing secret is made here.
	Pair {
		/// The folder to write the two files to.
		#[arg(long)]
		out_dir: PathBuf,
	},
	/// A meter simulator: publishes the replayed dataset to the MQTT broker.
	Simulate {
		/// The configuration file (meter.mqtt, meter.replay, meter.interval_ms).
		#[arg(long, short)]
		config: PathBuf,
		/// Stop after this many readings.
		#[arg(long)]
		count: Option<u64>,
	},
}

#[derive(Subcommand)]
enum ConfigCommand {
	/// Prints a commented example configuration.
	Example,
	/// Checks a configuration file.
	Check {
		/// The configuration file.
		config: PathBuf,
	},
}

/// arkworks' tracing targets (`r1cs`, `gr1cs`) and crates: their spans carry
/// constraint systems and witness values.
const ARKWORKS: [&str; 9] = [
	"r1cs",
	"gr1cs",
	"ark_relations",
	"ark_r1cs_std",
	"ark_groth16",
	"ark_snark",
	"ark_ec",
	"ark_ff",
	"ark_poly",
];

#[tokio::main]
async fn main() -> ExitCode {
	let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	// arkworks instruments its prover with spans whose fields are the whole
	// constraint system, witness included: formatting them would put meter
	// readings and the request in the log (and take gigabytes). Never on.
	for crate_name in ARKWORKS {
		if let Ok(directive) = format!("{crate_name}=off").parse() {
			filter = filter.add_directive(directive);
		}
	}
	tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
	match run(Cli::parse()).await {
		Ok(code) => code,
		Err(error) => {
			eprintln!("gridveil-edge: {error:#}");
			ExitCode::from(2)
		},
	}
}

/// Writes a secret to a new file readable by its owner only.
fn write_secret(path: &std::path::Path, text: &str) -> Result<()> {
	secret_file::create(path, text)?;
	println!("{}: written", path.display());
	Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
	match cli.command {
		Command::Run { config } => {
			let config = Config::load(&config)?;
			daemon::run(daemon::context(config)?).await?;
		},
		Command::Config { command: ConfigCommand::Example } => print!("{}", config::EXAMPLE),
		Command::Config { command: ConfigCommand::Check { config } } => {
			Config::load(&config)?;
			println!("{}: ok", config.display());
		},
		Command::Pair { out_dir } => {
			let (key, key_text) = meter::new_signing_key();
			write_secret(&out_dir.join("pairing.key"), &PairingSecret::generate().to_hex())?;
			write_secret(&out_dir.join("meter.key"), &key_text)?;
			println!("meter public key {}", hex::encode(gridveil_p256::public_key(&key)));
		},
		Command::Audit { config, program, hour } => {
			let config = Config::load(&config)?;
			let store = Store::open(&config.store.path)?;
			let chain = Chain::connect(&config.node.url)
				.await
				.with_context(|| format!("connecting to {}", config.node.url))?;
			let paired = audit::Paired {
				pairing: PairingSecret::load(&config.meter.pairing_secret_file)?,
				identity: config.meter.identity().context("meter.public_key")?,
			};
			let found =
				audit::audit(&store, &paired, &chain, program, hour, config.meter.interval_ms)
					.await?;
			for hour in &found.hours {
				let finding = match hour.finding {
					Finding::Matches => "matches the chain",
					Finding::Tampered => {
						"TAMPERED: the stored readings do not hash to the chain's fingerprint"
					},
					Finding::MissingReadings => "MISSING readings in the store",
				};
				let meter = match hour.meter {
					MeterCheck::SignedChainFingerprint if hour.finding == Finding::Tampered => {
						"the meter signed the chain's fingerprint: its signature no longer \
						 matches these readings"
					},
					MeterCheck::SignedChainFingerprint => "the meter's signature covers it",
					MeterCheck::DoesNotMatch => {
						"the stored meter attestation does not cover the chain's fingerprint"
					},
					MeterCheck::Absent => "no meter attestation stored",
				};
				println!("program {program} hour {}: {finding}; {meter}", hour.hour);
			}
			match store.first_broken_link()? {
				Some(interval) => println!(
					"store: the hash chain breaks at the reading of interval {interval} (ms)"
				),
				None => println!("store: the hash chain of readings is intact"),
			}
			if let Some(hour) = found.first_tampered() {
				println!("first tampered hour: {hour}");
				return Ok(ExitCode::from(1));
			}
			println!("all {} audited hours match the chain", found.hours.len());
		},
		Command::Enrol { config } => {
			let config = Config::load(&config)?;
			let secret = daemon::read_secret(&config.keys.pseudonym_secret_file)?;
			let keys = (0..config.trading.pseudonyms)
				.map(|index| {
					let key = pseudonyms::ledger_key(&secret, index)?;
					Ok(format!("\"0x{}\"", hex::encode(key.public_key().0)))
				})
				.collect::<Result<Vec<_>>>()?;
			println!("[[members]]");
			println!("meter_id = {}", config.meter.id);
			println!("ledger_keys = [{}]", keys.join(", "));
		},
		Command::Simulate { config, count } => {
			let config = Config::load(&config)?;
			let dataset =
				ingest::Dataset::load(&config.meter.replay.dataset, &config.meter.replay.prosumer)?;
			let meter = ingest::simulated_meter(&config.meter)?;
			ingest::simulate(config.meter.mqtt, dataset, meter, config.meter.interval_ms, count)
				.await?;
		},
	}
	Ok(ExitCode::SUCCESS)
}
